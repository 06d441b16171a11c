"""Typed errors. Each message names the op, what it expected, what it got, and the fix.

The classes sit where TensorFlow users already catch them: `ShapeError` is both a
`ValueError` (as TF raises while building) and an `InvalidArgumentError` (as TF raises
eagerly); `DTypeError` is a `TypeError`.
"""

from __future__ import annotations


class OpError(Exception):
    """Base of the errors an op raises while running (TF's `tf.errors.OpError`)."""

    def __init__(self, message: str = "", node_def=None, op=None, error_code=None):
        super().__init__(message)
        self.message = message
        self.node_def = node_def
        self.op = op
        self.error_code = error_code


class InvalidArgumentError(OpError, ValueError):
    """An argument has a bad value (index out of range, bad axis, ...)."""


class OutOfRangeError(OpError):
    """Raised by `Iterator.get_next()` at the end of the data (TF's
    `tf.errors.OutOfRangeError`); `next(iterator)` raises StopIteration instead.

    Example:
        >>> import ember as tf
        >>> it = iter(tf.data.Dataset.range(0))
        >>> try:
        ...     it.get_next()
        ... except OutOfRangeError as e:
        ...     print(e)
        End of sequence
    """


class DataLossError(OpError):
    """A file's data is damaged or cut short (TF's `tf.errors.DataLossError`)."""


class NotFoundError(OpError, FileNotFoundError):
    """A file or directory doesn't exist (TF's `tf.errors.NotFoundError`)."""


class ShapeError(InvalidArgumentError):
    """Operand shapes don't fit the op (also a `ValueError`)."""


class DTypeError(TypeError):
    """Operand dtypes don't fit the op; ember never converts dtypes implicitly."""


class SymbolicValueError(ValueError):
    """A symbolic tensor was used where concrete values are needed."""


def fmt_spec(shape, dtype) -> str:
    """`float32[2, None]` for a shape tuple (None allowed) and a DType or name."""
    name = getattr(dtype, "name", dtype)
    if shape is None:
        return f"{name}[<unknown rank>]"
    dims = ", ".join("None" if d is None else str(d) for d in shape)
    return f"{name}[{dims}]"

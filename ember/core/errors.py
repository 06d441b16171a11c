"""Typed errors. Each message names the op, what it expected, what it got, and the fix.

The classes sit where TensorFlow users already catch them: `ShapeError` is both a
`ValueError` (as TF raises while building) and an `InvalidArgumentError` (as TF raises
eagerly); `DTypeError` is a `TypeError`.
"""

from __future__ import annotations

from typing import Any, Iterable


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


# The graph printer's short dtype names (`fmt_spec(..., short=True)`).
_SHORT_NAMES = {"float32": "f32", "float64": "f64", "float16": "f16", "int32": "i32",
                "int64": "i64", "bool": "bool"}


def fmt_dims(dims: Iterable[int | None]) -> str:
    """`[2, None, 3]` for a sequence of dims (None: unknown).

    Example:
        >>> fmt_dims((2, None, 3))
        '[2, None, 3]'
    """
    return "[" + ", ".join("None" if d is None else str(d) for d in dims) + "]"


def fmt_spec(shape: Any, dtype: Any, short: bool = False) -> str:
    """`float32[2, None]`: the one formatter of a tensor's dtype and shape in ember's
    messages and graph printouts. `shape` is a sequence of dims (None: unknown), a
    TensorShape, or None (or a TensorShape of unknown rank) for an unknown rank; `dtype`
    a DType or its name. `short` gives the graph printer's form, `f32[2, None]`.

    Example:
        >>> fmt_spec((None, 3), "float32"), fmt_spec([2], "int64", short=True)
        ('float32[None, 3]', 'i64[2]')
        >>> fmt_spec(None, "float32")
        'float32[<unknown rank>]'
    """
    name = getattr(dtype, "name", dtype)
    if short:
        name = _SHORT_NAMES.get(name, name)
    if shape is None or getattr(shape, "rank", 0) is None:
        return f"{name}[<unknown rank>]"
    return name + fmt_dims(shape)

"""`SymbolicTensor`: what every tensor with a shape and a dtype but no values shares.

Two kinds of tensor have a spec and no values: a `Tracer` (core/graph.py), a tensor of a
function that `ember.function` traces, and a `KerasTensor` (keras/engine/keras_tensor.py),
a placeholder of a functional model being built. Both derive from `SymbolicTensor`, which
holds the `spec`, answers what needs no values (`shape`, `dtype`, `ndim`, `get_shape()`,
`len()` and iteration when the first dim is known) and refuses what does (`numpy()`,
`np.asarray`, `bool()`, `int()`, `float()`, use as an index) with one `SymbolicValueError`,
worded here once: what was asked, of which tensor, why it has no value and what to do
instead. A subclass words only its own part: `_describe()` (which tensor), `_NO_VALUE`
(why, and the fix) and `_LEN_UNKNOWN` (why its first dim is unknown).

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> x = keras.Input(shape=(3,), name="x")
    >>> x.shape, x.dtype, x.ndim
    (TensorShape([None, 3]), tf.float32, 2)
    >>> try:
    ...     float(x)
    ... except tf.errors.SymbolicValueError as e:
    ...     print(str(e)[:52])
    float() of KerasTensor 'x' float32[None, 3]: a Keras
"""

from __future__ import annotations

from typing import Any, Iterator

from .errors import SymbolicValueError, fmt_spec
from .shape import TensorShape, TensorSpec
from .tensor import TensorOps


class SymbolicTensor(TensorOps):
    """A tensor known by its `spec` (shape, dims may be None, and dtype) alone."""

    __slots__ = ("spec", "__weakref__")
    _is_variable = False
    # A subclass's wording of its errors (see the module docstring).
    _NO_VALUE = ": it has no values."
    _LEN_UNKNOWN = ""

    spec: TensorSpec

    @property
    def shape(self) -> TensorShape:
        return self.spec.shape

    @property
    def dtype(self) -> Any:
        return self.spec.dtype

    @property
    def ndim(self) -> int | None:
        return self.spec.shape.rank

    def get_shape(self) -> TensorShape:
        return self.spec.shape

    def _describe(self) -> str:
        """Which tensor, for messages: `symbolic tensor float32[None, 3]`."""
        return f"symbolic tensor {fmt_spec(self.spec.shape, self.spec.dtype)}"

    def _no_value(self, what: str) -> SymbolicValueError:
        """The error for `what` (e.g. "numpy()"), which needs values this tensor lacks."""
        return SymbolicValueError(f"{what} of {self._describe()}{self._NO_VALUE}")

    def numpy(self) -> Any:
        raise self._no_value("numpy()")

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        raise self._no_value("Converting to a NumPy array")

    def __bool__(self) -> bool:
        raise self._no_value("bool() (e.g. `if x:`)")

    def __int__(self) -> int:
        raise self._no_value("int()")

    def __float__(self) -> float:
        raise self._no_value("float()")

    def __index__(self) -> int:
        raise self._no_value("Using as an index")

    def __len__(self) -> int:
        shape = self.spec.shape
        d = shape[0] if shape.rank else None
        if d is None:
            raise TypeError(f"len() of {self._describe()} is unknown{self._LEN_UNKNOWN}. "
                            f"Use ember.shape(x)[0].")
        return d

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

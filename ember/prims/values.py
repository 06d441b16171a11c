"""Values known while ember.function traces: the partly known values of symbolic int
tensors (`ember.shape(x)` of a tensor with unknown dims), and static arguments read from
Python values or tensors, with the error for one known only when the function runs.

The primitive layer's first room: it declares no primitive and imports only core.

Example:
    >>> import ember as tf
    >>> from ember.prims.values import static_ints
    >>> static_ints(tf.constant([2, 3]), "reshape", "shape")
    [2, 3]
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from ..core.dtypes import BY_NP
from ..core.errors import DTypeError, InvalidArgumentError, SymbolicValueError, fmt_dims, fmt_spec
from ..core.graph import Tracer
from ..core.rules import describe
from ..core.shape import TensorShape, TensorSpec
from ..core.symbolic import SymbolicTensor
from ..core.tensor import ConcreteTensor


def spec(x: Any) -> TensorSpec:
    """The TensorSpec of a tensor (for error messages)."""
    return TensorSpec(x.shape, x.dtype)


def desc(x: Any) -> str:
    """`float32[2, 3]` for a tensor."""
    return describe(spec(x))


# -- partly known values of symbolic int tensors ----------------------------------------
# `ember.shape(x)` of a tensor with unknown dims is symbolic, but its other entries are
# x's static dims, and its unknown ones are x's own dims (`DimOf`). Recording them lets
# `zeros(shape(x))`, `reshape(y, shape(x))`, ... keep every known dim (and take the
# static path when nothing is unknown), and `reshape(x, [shape(x)[0], -1])` infer the -1.

_VALUES: dict = {}  # id(symbolic tensor) -> (weak reference, partly known value)


class DimOf:
    """An unknown dim known to be dim `axis` of the tensor `ref()` (held weakly)."""

    __slots__ = ("ref", "axis")

    def __init__(self, x: Any, axis: int):
        self.ref = weakref.ref(x)
        self.axis = axis


def note_value(t: Any, value: Any) -> None:
    """Records the partly known value of a symbolic int tensor: a tuple of ints, None and
    DimOf for a 1-D one, an int, None or a DimOf for a scalar."""
    key = id(t)
    try:
        ref = weakref.ref(t, lambda _, k=key: _VALUES.pop(k, None))
    except TypeError:  # a symbolic tensor type without weak references: not recorded
        return
    _VALUES[key] = (ref, value)


def known_value(t: Any, symbols: bool = False) -> Any:
    """The value of an int tensor as far as it is known: a concrete tensor's (a tuple, or
    an int for a scalar), a recorded one's (None where unknown; with `symbols`, a DimOf
    where it is a dim of a known tensor), else None."""
    if isinstance(t, ConcreteTensor):
        v = np.asarray(t._value)
        if v.dtype.kind not in "iu" or v.ndim > 1:
            return None
        return int(v) if v.ndim == 0 else tuple(int(i) for i in v)
    entry = _VALUES.get(id(t))
    if entry is None or entry[0]() is not t:
        return None
    value = entry[1]
    if symbols:
        return value
    if isinstance(value, tuple):
        return tuple(None if isinstance(d, DimOf) else d for d in value)
    return None if isinstance(value, DimOf) else value


# -- static arguments ----------------------------------------------------------------

def trace_time_value_error(op: str, what: str, value: Any) -> SymbolicValueError:
    """The error for a symbolic tensor (inside ember.function) where `op` needs the value
    of `what` while the function is traced."""
    return SymbolicValueError(
        f"{op}: {what} must be known when ember.function traces the function (a Python "
        f"value or a tensor computed from constants), received a symbolic "
        f"{describe(TensorSpec(value.shape, value.dtype))} tensor whose value is only known "
        f"when the function runs. Pass {what} as a Python value (e.g. an argument that is "
        f"not a tensor: each new value traces anew), or run the function eagerly.")


def static_int(value: Any, op: str, what: str) -> int:
    """A Python int from an int, NumPy integer or scalar int tensor (also a symbolic one
    whose value is known when traced, e.g. `ember.shape(x)[1]` of a static dim)."""
    if isinstance(value, (Tracer, SymbolicTensor)):  # a KerasTensor too, in a layer call
        known = known_value(value)
        if type(known) is int:
            return known
        raise trace_time_value_error(op, what, value)
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise DTypeError(f"{op}: {what} must be an integer, received {value!r}.")
    if isinstance(value, (ConcreteTensor, np.ndarray)):
        arr = np.asarray(value._value if isinstance(value, ConcreteTensor) else value)
        if arr.ndim != 0 or arr.dtype.kind not in "iu":
            raise DTypeError(f"{op}: {what} must be a scalar integer, received a "
                             f"{_arr_desc(arr)} value.")
        return int(arr)
    try:
        return value.__index__()
    except (AttributeError, TypeError):
        raise DTypeError(f"{op}: {what} must be an integer, received {value!r} of type "
                         f"{type(value).__name__}.") from None


def static_ints(value: Any, op: str, what: str) -> list:
    """A list of Python ints from a shape-like value: an int, a list or tuple (of ints or
    scalar int tensors), a TensorShape, or a 1-D int tensor or array."""
    if isinstance(value, Tracer):
        raise trace_time_value_error(op, what, value)
    if isinstance(value, (ConcreteTensor, np.ndarray, np.generic)):
        arr = np.asarray(value._value if isinstance(value, ConcreteTensor) else value)
        if arr.dtype.kind not in "iu" and not (arr.size == 0 and arr.dtype.kind == "f"):
            raise DTypeError(f"{op}: {what} must hold integers, received a "
                             f"{_arr_desc(arr)} value.")
        if arr.ndim > 1:
            raise InvalidArgumentError(f"{op}: {what} must be a 1-D list of integers, "
                                       f"received a {_arr_desc(arr)} value.")
        return [int(v) for v in arr.reshape(-1)]
    if isinstance(value, TensorShape) and value.rank is None:
        raise InvalidArgumentError(f"{op}: {what} has unknown rank; pass a known shape.")
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            if v is None:
                raise InvalidArgumentError(
                    f"{op}: {what} {_show(value)} has an unknown (None) dimension; ember "
                    f"needs a known size here: use -1 in reshape to infer one dim, or "
                    f"pass ember.shape(x) (read at run time) instead of x.shape.")
            out.append(static_int(v, op, f"each entry of {what}"))
        return out
    return [static_int(value, op, what)]


def _arr_desc(arr: np.ndarray) -> str:
    name = BY_NP[arr.dtype].name if arr.dtype in BY_NP else str(arr.dtype)
    return fmt_spec(arr.shape, name)


def _show(value: Any) -> str:
    return fmt_dims(value) if isinstance(value, TensorShape) else repr(list(value))

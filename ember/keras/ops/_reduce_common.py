"""Helpers shared by the reduction, statistics, sorting and segment ops of `keras.ops`
(`_numpy_reduce.py`, `_numpy_reduce2.py`, `_math_reduce.py`): axis arguments, dtype
casts, and moving/merging axes of tensors whose dims may be unknown (KerasTensors).

Example:
    >>> from ember.keras.ops._reduce_common import norm_axes
    >>> norm_axes("sum", (-1, 0), 3)
    (0, 2)
"""

from __future__ import annotations

import builtins
import operator
from typing import Any

from ...ops import array_ops as A
from ...prims.convert import cast
from ._dtypes import standardize_dtype, to_tensor

__all__: list = []


def tensor(x: Any, dtype: Any = None) -> Any:
    """`x` as an ember tensor (Keras' conversion: Python floats are floatx)."""
    return to_tensor(x, dtype)


def cast_to(x: Any, dtype: Any) -> Any:
    """`x` cast to `dtype` (no op where it has it already)."""
    dtype = standardize_dtype(dtype)
    return x if x.dtype.name == dtype else cast(x, dtype)


def is_floating(x: Any) -> bool:
    return "float" in x.dtype.name


def rank_of(op: str, x: Any) -> int:
    rank = x.shape.rank
    if rank is None:
        raise ValueError(f"keras.ops.{op}: needs a tensor of known rank, received shape "
                         f"{x.shape}.")
    return rank


def norm_axis(op: str, axis: Any, ndim: int) -> int:
    """One axis in [0, ndim) (negative counts from the end); ValueError if out of range."""
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"keras.ops.{op}: axis must be an integer, received {axis!r} of "
                        f"type {type(axis).__name__}.") from None
    if not -ndim <= a < builtins.max(ndim, 1) or (ndim == 0 and a not in (0, -1)):
        raise ValueError(f"keras.ops.{op}: axis {a} is out of bounds for a tensor of rank "
                         f"{ndim}.")
    return a % ndim if ndim else 0


def norm_axes(op: str, axis: Any, ndim: int) -> tuple | None:
    """`axis` (None, an int, or a tuple/list of ints) as a sorted tuple of axes in
    [0, ndim), or None for all axes; ValueError for out-of-range or repeated axes."""
    if axis is None:
        return None
    items = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    axes = [norm_axis(op, a, ndim) for a in items]
    if len(set(axes)) != len(axes):
        raise ValueError(f"keras.ops.{op}: repeated axis in axis={axis!r}.")
    return tuple(sorted(axes))


def num_elements(x: Any) -> int | None:
    n = 1
    for d in x.shape:
        if d is None:
            return None
        n *= d
    return n


def dims(x: Any) -> list:
    """x's dims: ints where known, scalar int tensors (read at run time) where not."""
    shape = None
    out = []
    for i, d in enumerate(x.shape):
        if d is None:
            shape = A.shape(x) if shape is None else shape
            out.append(shape[i])
        else:
            out.append(d)
    return out


def move_last(x: Any, axes: tuple) -> Any:
    """`x` with `axes` moved to the end (in order), the others kept in order."""
    ndim = x.shape.rank
    perm = [i for i in range(ndim) if i not in axes] + list(axes)
    return x if perm == list(range(ndim)) else A.transpose(x, perm)


def merge_last(x: Any, k: int) -> Any:
    """`x` with its last `k` dims merged into one."""
    d = dims(x)
    lead, tail = d[:len(d) - k], d[len(d) - k:]
    if builtins.all(isinstance(t, int) for t in tail):
        size = 1
        for t in tail:
            size *= t
        return A.reshape(x, lead + [size])
    return A.reshape(x, lead + [-1])


def reduced_last(op: str, x: Any, axis: Any) -> tuple:
    """`x` with the reduced axes merged into its last one: `(y, axes)`, `axes` None for
    all (then `y` is 1-D)."""
    ndim = rank_of(op, x)
    axes = norm_axes(op, axis, ndim)
    if axes is None:
        return A.reshape(x, [-1]), None
    return merge_last(move_last(x, axes), len(axes)), axes


def keep_dims(y: Any, ndim: int, axes: tuple | None, lead: int = 0) -> Any:
    """A reduced `y` with size-1 dims put back at `axes` (all `ndim` of them for None),
    after `lead` leading dims (a quantile's q dims)."""
    if axes is None:
        axes = tuple(range(ndim))
    for a in sorted(axes):
        y = A.expand_dims(y, a + lead)
    return y

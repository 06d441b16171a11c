"""Keras 3's quantiles (`quantile`, `percentile`, `median` and their `nan*` forms),
sorting and searching (`sort`, `argsort`, `argpartition`, `searchsorted`, `digitize`) on
ember's ops; with the counting and set ops of `_numpy_reduce3.py` re-exported here.

Quantiles sort along the reduced axes and gather the order statistics at indices
computed in float64 (as Keras 3 on TensorFlow), so they have gradients; a NaN in a
slice gives NaN (the `nan*` forms skip NaNs; NaN where a slice has none left).

Example:
    >>> from ember import keras
    >>> keras.ops.quantile([1.0, 2.0, 3.0, 4.0], [0.25, 0.5]).numpy()
    array([1.75, 2.5 ], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core.tensor import TensorOps
from ...ops import array_ops as A
from ...ops import math_ops as M
from ...ops import reduce_ops as R
from ...ops import sort_ops as S
from ...prims.array import symbolic
from ...prims.gather import gather
from ...prims.sort import searchsorted as _searchsorted
from ._dtypes import promote, result_type
from ._numpy_reduce3 import *  # noqa: F401,F403
from ._numpy_reduce3 import __all__ as _ALL3
from ._reduce_common import (cast_to, dims, is_floating, keep_dims, norm_axis, rank_of,
                             reduced_last, tensor)

__all__ = ["argpartition", "argsort", "digitize", "median", "nanmedian", "nanpercentile",
           "nanquantile", "percentile", "quantile", "searchsorted", "sort"] + list(_ALL3)

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


# -- quantiles ------------------------------------------------------------------------

def _q_tensor(q: Any, scale: float) -> Any:
    q = cast_to(q, "float64") if isinstance(q, TensorOps) else tensor(q, "float64")
    return M.truediv(q, scale) if scale != 1 else q


def _quantiles(op: str, x: Any, q: Any, axis: Any, method: str, keepdims: bool,
               skip_nan: bool, scale: float = 1.0) -> Any:
    if method not in _METHODS:
        raise ValueError(f"keras.ops.{op}: method must be one of {_METHODS}, received "
                         f"method={method!r}.")
    x = tensor(x)
    x = cast_to(x, result_type(x.dtype.name, float))
    q = _q_tensor(q, scale)
    q_shape = list(q.shape)
    if None in q_shape:
        raise ValueError(f"keras.ops.{op}: q must have a known shape, received {q.shape}.")
    ndim = rank_of(op, x)
    y, axes = reduced_last(op, x, axis)
    other = dims(y)[:-1]
    rows = A.reshape(y, [-1, dims(y)[-1]])                     # [R, n]
    nan = M.is_nan(rows)
    if skip_nan:
        count = R.reduce_sum(cast_to(M.logical_not(nan), "float64"), 1, keepdims=True)
    else:
        count = R.reduce_sum(A.ones_like(cast_to(nan, "float64")), 1, keepdims=True)
    ordered = S.sort(rows, axis=1)                              # NaNs sort last
    last = M.maximum(M.subtract(count, 1.0), 0.0)              # [R, 1]
    pos = M.multiply(last, A.reshape(q, [1, -1]))               # [R, nq]

    def at(index: Any) -> Any:
        index = cast_to(M.clip_by_value(index, 0.0, last), "int32")
        return gather(ordered, index, axis=1, batch_dims=1)

    if method == "lower":
        out = at(M.floor(pos))
    elif method == "higher":
        out = at(M.ceil(pos))
    elif method == "nearest":
        out = at(M.round(pos))
    elif method == "midpoint":
        out = M.multiply(M.add(at(M.floor(pos)), at(M.ceil(pos))), 0.5)
    else:  # linear, written so that the gradient reaches both neighbours at exact hits
        hi = M.clip_by_value(M.ceil(pos), 0.0, last)
        lo = M.maximum(M.subtract(hi, 1.0), 0.0)
        hi = M.minimum(M.add(lo, 1.0), last)
        frac = cast_to(M.subtract(hi, pos), x.dtype.name)
        out = M.add(M.multiply(at(hi), M.subtract(1.0, frac)), M.multiply(at(lo), frac))
    empty = M.equal(count, 0.0) if skip_nan else R.reduce_any(nan, 1, keepdims=True)
    out = M.where(empty, A.fill([], np.asarray(np.nan, x.dtype.name)), out)
    out = A.reshape(out, other + [-1])                          # [..., nq]
    out = A.transpose(out, [len(other)] + list(range(len(other))))
    out = A.reshape(out, q_shape + other)
    return keep_dims(out, ndim, axes, lead=len(q_shape)) if keepdims else out


def quantile(x: Any, q: Any, axis: Any = None, method: str = "linear",
             keepdims: bool = False) -> Any:
    """The `q`-th quantiles (q in [0, 1], a scalar or 1-D) over `axis`; the q dims come
    first. `method`: linear, lower, higher, midpoint or nearest.

    Example:
        >>> from ember import keras
        >>> keras.ops.quantile([[1.0, 3.0], [2.0, 8.0]], 0.5, axis=1).numpy()
        array([2., 5.], dtype=float32)
    """
    return _quantiles("quantile", x, q, axis, method, keepdims, False)


def percentile(x: Any, q: Any, axis: Any = None, method: str = "linear",
               keepdims: bool = False) -> Any:
    """The `q`-th percentiles (q in [0, 100]) over `axis` (see `quantile`).

    Example:
        >>> from ember import keras
        >>> keras.ops.percentile([1.0, 2.0, 3.0, 4.0, 5.0], 25).numpy()
        np.float32(2.0)
    """
    return _quantiles("percentile", x, q, axis, method, keepdims, False, 100.0)


def median(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The median over `axis`.

    Example:
        >>> from ember import keras
        >>> keras.ops.median([3, 1, 4, 2]).numpy()
        np.float32(2.5)
    """
    return _quantiles("median", x, 0.5, axis, "linear", keepdims, False)


def nanquantile(x: Any, q: Any, axis: Any = None, method: str = "linear",
                keepdims: bool = False) -> Any:
    """`quantile` ignoring NaNs (NaN for a slice of NaNs only).

    Example:
        >>> from ember import keras
        >>> keras.ops.nanquantile([1.0, float("nan"), 3.0], 0.5).numpy()
        np.float32(2.0)
    """
    return _quantiles("nanquantile", x, q, axis, method, keepdims, True)


def nanpercentile(x: Any, q: Any, axis: Any = None, method: str = "linear",
                  keepdims: bool = False) -> Any:
    """`percentile` ignoring NaNs.

    Example:
        >>> from ember import keras
        >>> keras.ops.nanpercentile([1.0, float("nan"), 3.0], 50).numpy()
        np.float32(2.0)
    """
    return _quantiles("nanpercentile", x, q, axis, method, keepdims, True, 100.0)


def nanmedian(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """`median` ignoring NaNs.

    Example:
        >>> from ember import keras
        >>> keras.ops.nanmedian([1.0, float("nan"), 4.0, 2.0]).numpy()
        np.float32(2.0)
    """
    if axis in ((), []):
        return tensor(x)
    return _quantiles("nanmedian", x, 0.5, axis, "linear", keepdims, True)


# -- sorting --------------------------------------------------------------------------

def _flat_or_axis(op: str, x: Any, axis: Any) -> tuple:
    if axis is None:
        return A.reshape(x, [-1]), 0
    return x, norm_axis(op, axis, rank_of(op, x))


def sort(x: Any, axis: int = -1) -> Any:
    """`x` sorted ascending along `axis` (None: the flattened tensor).

    Example:
        >>> from ember import keras
        >>> keras.ops.sort([[3, 1], [0, 2]], axis=None).numpy()
        array([0, 1, 2, 3], dtype=int32)
    """
    x = tensor(x)
    if rank_of("sort", x) == 0:
        raise ValueError("keras.ops.sort: needs a tensor of rank >= 1, received a scalar.")
    x, ax = _flat_or_axis("sort", x, axis)
    if x.dtype.name == "bool":
        return cast_to(S.sort(cast_to(x, "int8"), axis=ax), "bool")
    return S.sort(x, axis=ax)


def argsort(x: Any, axis: int = -1) -> Any:
    """The int32 indices that sort `x` along `axis` (stable; None: flattened).

    Example:
        >>> from ember import keras
        >>> keras.ops.argsort([3, 1, 2]).numpy()
        array([1, 2, 0], dtype=int32)
    """
    x = tensor(x)
    if rank_of("argsort", x) == 0:
        return A.zeros([1], "int32")
    x, ax = _flat_or_axis("argsort", x, axis)
    if x.dtype.name == "bool":
        x = cast_to(x, "int8")
    return S.argsort(x, axis=ax, stable=True)


def argpartition(x: Any, kth: int, axis: int = -1) -> Any:
    """int32 indices that put the `kth` smallest element of `x` (along `axis`) in place,
    smaller ones before and larger ones after it. ember returns a full stable argsort,
    one valid such order (Keras leaves the order within each side unspecified).

    Example:
        >>> from ember import keras
        >>> keras.ops.argpartition([4, 1, 3, 2], 1).numpy()
        array([1, 3, 2, 0], dtype=int32)
    """
    x = tensor(x)
    x, ax = _flat_or_axis("argpartition", x, axis)
    n = x.shape[ax]
    try:
        k = int(kth)
    except TypeError:
        raise TypeError(f"keras.ops.argpartition: kth must be an integer, received "
                        f"{kth!r}.") from None
    if n is not None and not -n <= k < n:
        raise ValueError(f"keras.ops.argpartition: kth={k} is out of bounds for an axis "
                         f"of size {n}.")
    if x.dtype.name == "bool":
        x = cast_to(x, "int8")
    return S.argsort(x, axis=ax, stable=True)


# -- searching ------------------------------------------------------------------------

def _search(seq: Any, values: Any, side: str) -> Any:
    """searchsorted of `values` (any shape) in the 1-D `seq` (same dtype)."""
    flat = A.reshape(values, [1, -1])
    out = _searchsorted(A.reshape(seq, [1, -1]), flat, side=side, out_type="int32")
    return A.reshape(out, dims(values))


def searchsorted(sorted_sequence: Any, values: Any, side: str = "left") -> Any:
    """int32 indices where `values` would go in the 1-D ascending `sorted_sequence` to
    keep it sorted (`side` "left": first such place, "right": last).

    Example:
        >>> from ember import keras
        >>> keras.ops.searchsorted([1, 3, 5], [0, 3, 6], side="right").numpy()
        array([0, 2, 3], dtype=int32)
    """
    if side not in ("left", "right"):
        raise ValueError(f"keras.ops.searchsorted: side must be 'left' or 'right', "
                         f"received side={side!r}.")
    seq, vals = promote(sorted_sequence, values)
    if seq.shape.rank != 1:
        raise ValueError(f"keras.ops.searchsorted: sorted_sequence must be 1-D, received "
                         f"shape {tuple(seq.shape)}; for N-D sequences use "
                         f"keras.ops.vectorized_map.")
    if seq.dtype.name == "bool":
        seq, vals = cast_to(seq, "int8"), cast_to(vals, "int8")
    return _search(seq, vals, side)


def digitize(x: Any, bins: Any) -> Any:
    """The int32 index of the bin of each element of `x`: `i` with
    `bins[i-1] <= x < bins[i]` for increasing `bins` (`bins[i-1] > x >= bins[i]` for
    decreasing ones). `bins` is a concrete 1-D list or array.

    Example:
        >>> from ember import keras
        >>> keras.ops.digitize([0.5, 1.0, 2.5, 9.0], [1.0, 2.0, 3.0]).numpy()
        array([0, 1, 2, 3], dtype=int32)
    """
    x = tensor(x)
    if symbolic(bins):
        raise NotImplementedError("keras.ops.digitize: bins must be concrete (a list, an "
                                  "array or an eager tensor), not a symbolic tensor.")
    edges = np.asarray(bins.numpy() if hasattr(bins, "numpy") else bins, np.float64)
    if edges.ndim != 1:
        raise ValueError(f"keras.ops.digitize: bins must be 1-D, received shape "
                         f"{edges.shape}.")
    if edges.size == 0:
        return cast_to(A.zeros_like(x), "int32")
    step = np.diff(edges)
    decreasing = edges.size > 1 and bool(np.all(step <= 0)) and bool(np.any(step < 0))
    if not decreasing and np.any(step < 0):
        raise ValueError("keras.ops.digitize: bins must be monotonically increasing or "
                         "decreasing.")
    dtype = x.dtype.name if is_floating(x) and x.dtype.name in ("float32", "float64") \
        else ("float32" if is_floating(x) else "float64")
    x = cast_to(x, dtype)
    if not decreasing:
        return _search(tensor(edges, dtype), x, "right")
    above = _search(tensor(edges[::-1].copy(), dtype), x, "right")
    return M.subtract(np.int32(edges.size), above)

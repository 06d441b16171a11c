"""Keras 3's counting and set ops (`bincount`, `histogram`, `isin`, `nonzero`, `unique`)
and `vectorize`, on ember's ops.

`bincount`, `nonzero` and `unique` have value-dependent output shapes: on KerasTensors
their dims are unknown (None) until the model runs.

Example:
    >>> from ember import keras
    >>> keras.ops.isin([1, 2, 3], [3, 1]).numpy()
    array([ True, False,  True])
"""

from __future__ import annotations

import builtins
import functools
import re
from typing import Any, Callable

import numpy as np

from ...ops import array_ops as A
from ...sparse.sparse_ops import from_dense
from ...ops import gather_ops as G
from ...ops import math_ops as M
from ...ops import reduce_ops as R
from ...ops import sort_ops as S
from ...ops.extra_ops import vectorized_map
from ...prims.array import symbolic
from ...prims.gather import bincount as _bincount
from ...prims.gather import gather
from ...prims.sort import unique_with_counts
from ._dtypes import promote, result_type
from ._reduce_common import cast_to, dims, norm_axis, rank_of, tensor

__all__ = ["bincount", "histogram", "isin", "nonzero", "unique", "vectorize"]


def bincount(x: Any, weights: Any = None, minlength: int = 0, sparse: bool = False) -> Any:
    """How often each non-negative integer occurs in `x` (per row for a 2-D `x`), summing
    `weights` instead of ones if given; at least `minlength` bins.

    Example:
        >>> from ember import keras
        >>> keras.ops.bincount([1, 1, 3], minlength=5).numpy()
        array([0, 2, 0, 1, 0], dtype=int32)
    """
    if sparse:  # a tf.SparseTensor of the counts, as Keras 3 on TensorFlow
        return from_dense(bincount(x, weights=weights, minlength=minlength))
    x = tensor(x)
    if x.dtype.name not in ("int32", "int64"):
        x = cast_to(x, "int32")
    ndim = rank_of("bincount", x)
    if ndim not in (1, 2):
        raise ValueError(f"keras.ops.bincount: x must be 1-D or 2-D, received shape "
                         f"{tuple(x.shape)}.")
    lo = int(minlength or 0) or None
    axis = -1 if ndim == 2 else None
    if weights is None:
        return _bincount(x, minlength=lo, dtype="int32", axis=axis)
    w = tensor(weights)
    dtype = result_type(x.dtype.name, w.dtype.name)
    if w.dtype.name not in ("int32", "int64", "float32", "float64"):
        w = cast_to(w, "int32" if "int" in w.dtype.name or w.dtype.name == "bool"
                    else "float32")
    return cast_to(_bincount(x, weights=w, minlength=lo, axis=axis), dtype)


def histogram(x: Any, bins: int = 10, range: Any = None) -> tuple:  # noqa: A002
    """The counts of the 1-D `x` in `bins` equal-width bins over `range` (default: x's
    min and max), and the `bins + 1` bin edges; both of x's dtype.

    Example:
        >>> from ember import keras
        >>> counts, edges = keras.ops.histogram([0.0, 1.0, 1.5, 4.0], bins=2)
        >>> counts.numpy(), edges.numpy()
        (array([3., 1.], dtype=float32), array([0., 2., 4.], dtype=float32))
    """
    if not isinstance(bins, int) or isinstance(bins, bool):
        raise TypeError(f"keras.ops.histogram: bins must be an int, received {bins!r}.")
    if bins < 0:
        raise ValueError(f"keras.ops.histogram: bins must be non-negative, received "
                         f"{bins}.")
    if range is not None and (not isinstance(range, tuple) or len(range) != 2
                              or range[1] < range[0]):
        raise ValueError(f"keras.ops.histogram: range must be a tuple (min, max) with "
                         f"min <= max, received {range!r}.")
    x = tensor(x)
    if rank_of("histogram", x) != 1:
        raise ValueError(f"keras.ops.histogram: x must be 1-D, received shape "
                         f"{tuple(x.shape)}.")
    dtype = x.dtype.name
    lo, hi = (R.reduce_min(x), R.reduce_max(x)) if range is None else \
        (tensor(range[0], dtype), tensor(range[1], dtype))
    lo64, hi64 = cast_to(lo, "float64"), cast_to(hi, "float64")
    steps = tensor(np.arange(bins + 1, dtype=np.float64) / builtins.max(bins, 1))
    edges = M.add(lo64, M.multiply(M.subtract(hi64, lo64), steps))
    edges = cast_to(M.where(M.equal(steps, 1.0), hi64, edges), dtype)
    inside = M.logical_and(M.greater_equal(x, lo), M.less_equal(x, hi))
    # bin i holds edges[i] <= x < edges[i+1]; the last bin also holds x == max
    index = R.reduce_sum(cast_to(M.greater_equal(A.expand_dims(x, 1),
                                                 A.expand_dims(edges[1:-1], 0)), "int32"),
                         1)
    index = M.where(inside, index, A.zeros_like(index))
    counts = G.tensor_scatter_nd_add(A.zeros([bins], dtype), A.expand_dims(index, 1),
                                     cast_to(inside, dtype))
    return counts, edges


def isin(x1: Any, x2: Any, assume_unique: bool = False, invert: bool = False) -> Any:
    """Whether each element of `x1` occurs in `x2` (not, with `invert`); x1's shape.

    Example:
        >>> from ember import keras
        >>> keras.ops.isin([[1, 2], [3, 4]], [4, 1], invert=True).numpy()
        array([[False,  True],
               [ True, False]])
    """
    a, b = promote(x1, x2)
    flat_a, flat_b = A.reshape(a, [-1, 1]), A.reshape(b, [1, -1])
    found = R.reduce_any(M.equal(flat_a, flat_b), 1)
    if invert:
        found = M.logical_not(found)
    return A.reshape(found, dims(a))


def nonzero(x: Any) -> tuple:
    """The int32 indices of the non-zero elements of `x`, one 1-D tensor per axis.

    Example:
        >>> from ember import keras
        >>> rows, cols = keras.ops.nonzero([[0, 3], [5, 0]])
        >>> rows.numpy(), cols.numpy()
        (array([0, 1], dtype=int32), array([1, 0], dtype=int32))
    """
    x = tensor(x)
    ndim = rank_of("nonzero", x)
    if ndim == 0:
        raise ValueError("keras.ops.nonzero: needs a tensor of rank >= 1, received a "
                         "scalar; use keras.ops.expand_dims(x, 0) first.")
    where = cast_to(M.where(cast_to(x, "bool")), "int32")
    return tuple(A.unstack(where, num=ndim, axis=1))


# -- unique -------------------------------------------------------------------------

def _first_indices(inverse: Any) -> Any:
    """For ids numbered in order of first occurrence, the index where each first occurs."""
    order = S.argsort(inverse, stable=True)
    ids = gather(inverse, order)
    start = M.not_equal(ids, A.concat([A.fill([1], np.int32(-1)), ids[:-1]], 0))
    return G.boolean_mask(order, start)


def _lexsort_rows(rows: Any, op: str) -> Any:
    """The stable order that sorts the rows of the 2-D `rows` lexicographically."""
    width = rows.shape[1]
    if width is None:
        raise ValueError(f"keras.ops.{op}: needs the slices along `axis` to have a known "
                         f"size, received shape {rows.shape}.")
    order = R.cumsum(A.ones_like(cast_to(rows[:, 0], "int32")), exclusive=True)  # 0..n-1
    for col in reversed(builtins.range(width)):
        key = gather(rows[:, col], order)
        order = gather(order, S.argsort(key, stable=True))
    return order


def unique(x: Any, sorted: bool = True, return_index: bool = False,  # noqa: A002
           return_inverse: bool = False, return_counts: bool = False, axis: Any = None,
           size: Any = None, fill_value: Any = None) -> Any:
    """The distinct elements of `x` (flattened, or the distinct slices along `axis`),
    sorted (else in order of first occurrence); optionally the index of each one's first
    occurrence, the inverse indices (x's shape for axis=None) and the counts (all
    int32). `size` pads (with `fill_value`, default 0) or truncates to that many.

    Example:
        >>> from ember import keras
        >>> values, counts = keras.ops.unique([3, 1, 3, 2], return_counts=True)
        >>> values.numpy(), counts.numpy()
        (array([1, 2, 3], dtype=int32), array([1, 1, 2], dtype=int32))
    """
    x = tensor(x)
    ndim = rank_of("unique", x)
    if axis is None:
        front = A.reshape(x, [-1])
        y, inverse, counts = unique_with_counts(front)
        first = _first_indices(inverse) if return_index else None
        rows = A.reshape(y, [-1, 1])
        ax = 0
    else:
        ax = norm_axis("unique", axis, ndim)
        perm = [ax] + [i for i in builtins.range(ndim) if i != ax]
        front = A.transpose(x, perm) if ax else x
        flat = A.reshape(front, [dims(front)[0], -1])
        same = R.reduce_all(M.equal(A.expand_dims(flat, 1), A.expand_dims(flat, 0)), 2)
        twin = R.argmax(cast_to(same, "int8"), 1, output_type="int32")  # first equal row
        first, inverse, counts = unique_with_counts(twin)
        y = gather(front, first)
        rows = gather(flat, first)
    if sorted:
        order = S.argsort(y, stable=True) if axis is None else _lexsort_rows(rows, "unique")
        y, counts = gather(y, order), gather(counts, order)
        first = gather(first, order) if return_index else None
        inverse = gather(S.argsort(order, stable=True), inverse)
    if size is not None:
        fill = A.fill([size] + dims(y)[1:], np.asarray(0 if fill_value is None else
                                                      fill_value, y.dtype.name))
        y = A.concat([y, fill], 0)[:size]
        counts = A.concat([counts, A.zeros([size], "int32")], 0)[:size]
        if return_index:
            first = A.concat([first, A.ones([size], "int32")], 0)[:size]
    if axis is not None and ax:
        back = [0] * ndim
        for i, p in enumerate(perm):
            back[p] = i
        y = A.transpose(y, back)
    if axis is None and return_inverse:
        inverse = A.reshape(inverse, dims(x))
    out = [y] + ([cast_to(first, "int32")] if return_index else []) + \
        ([inverse] if return_inverse else []) + ([counts] if return_counts else [])
    return out[0] if len(out) == 1 else tuple(out)


# -- vectorize ----------------------------------------------------------------------

_CORE = re.compile(r"\(([^()]*)\)")


def _parse_signature(signature: str) -> tuple:
    if "->" not in signature:
        raise ValueError(f"keras.ops.vectorize: signature must look like "
                         f"'(m,n),(n)->(m)', received {signature!r}.")
    ins, outs = signature.replace(" ", "").split("->")

    def parts(side: str) -> list:
        found = _CORE.findall(side)
        if ",".join(f"({f})" for f in found) != side:
            raise ValueError(f"keras.ops.vectorize: invalid signature {signature!r}.")
        return [tuple(n for n in f.split(",") if n) for f in found]
    return parts(ins), parts(outs)


def vectorize(pyfunc: Callable, *, excluded: Any = None, signature: str | None = None
              ) -> Callable:
    """`pyfunc` (written with keras.ops) mapped over the broadcast leading (loop) dims of
    its tensor arguments, as `numpy.vectorize`. `signature` ('(n),(n)->()') names the
    core dims each call gets; `excluded` positions or names are passed unchanged.

    Example:
        >>> from ember import keras
        >>> f = keras.ops.vectorize(lambda a, b: keras.ops.dot(a, b),
        ...                         signature="(n),(n)->()")
        >>> f([[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0]).numpy()
        array([3., 7.], dtype=float32)
    """
    skip = set(excluded or ())
    cores = _parse_signature(signature) if signature is not None else None

    @functools.wraps(pyfunc)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        keys = [i for i in builtins.range(len(args)) if i not in skip and
                args[i] is not None] + [k for k in kwargs if k not in skip]
        values = [tensor(args[k] if isinstance(k, int) else kwargs[k]) for k in keys]
        if cores is not None and len(cores[0]) != len(values):
            raise ValueError(f"keras.ops.vectorize: signature {signature!r} has "
                             f"{len(cores[0])} inputs, received {len(values)}.")
        core_nd = [len(c) for c in cores[0]] if cores else [0] * len(values)
        loops = [dims(v)[:rank_of("vectorize", v) - n] for v, n in zip(values, core_nd)]
        width = builtins.max([len(lp) for lp in loops], default=0)

        def call(*vs: Any) -> Any:
            new_args, new_kwargs = list(args), dict(kwargs)
            for k, v in zip(keys, vs):
                if isinstance(k, int):
                    new_args[k] = v
                else:
                    new_kwargs[k] = v
            return pyfunc(*new_args, **new_kwargs)

        if width == 0:
            return call(*values)
        loop = []
        for i in builtins.range(width):
            sizes = [lp[len(lp) - width + i] for lp in loops if len(lp) - width + i >= 0]
            known = [s for s in sizes if not isinstance(s, int) or s != 1]
            loop.append(known[0] if known else 1)
        if any(not isinstance(d, int) for d in loop) and any(symbolic(v) for v in values):
            raise NotImplementedError(
                "keras.ops.vectorize: on KerasTensors the loop dims must be known (ember's "
                f"vectorized_map can't loop over an unknown dim; loop dims {loop}); build "
                "the Input with a full batch_shape, or call the function eagerly.")
        flat = [A.reshape(A.broadcast_to(v, loop + dims(v)[len(lp):]),
                          [-1] + dims(v)[len(lp):]) for v, lp in zip(values, loops)]
        result = vectorized_map(lambda elems: call(*elems), tuple(flat))
        many = isinstance(result, (list, tuple))
        outs = [A.reshape(r, loop + dims(r)[1:]) for r in (result if many else [result])]
        if cores is not None and len(cores[1]) != len(outs):
            raise ValueError(f"keras.ops.vectorize: signature {signature!r} has "
                             f"{len(cores[1])} outputs, pyfunc returned {len(outs)}.")
        return tuple(outs) if many else outs[0]
    return wrapped

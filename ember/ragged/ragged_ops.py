"""Ops over ragged tensors: `tf.ragged.constant`, `map_flat_values`, the conversions
between row partitions, elementwise arithmetic, and the ragged forms of `tf.reduce_sum`,
`reduce_mean`, `reduce_max` and `reduce_min` (which `ember.reduce_*` call for a
RaggedTensor; dense tensors go to the ordinary reductions).

Example:
    >>> import ember as tf
    >>> rt = tf.ragged.constant([[1.0, 2.0], [], [3.0]])
    >>> tf.reduce_sum(rt, axis=1).numpy()
    array([3., 0., 3.], dtype=float32)
    >>> tf.ragged.map_flat_values(tf.square, rt).to_list()
    [[1.0, 4.0], [], [9.0]]
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core import rules
from ..core.dtypes import float32, int64
from ..core.errors import InvalidArgumentError
from ..core.registry import bind
from ..core.tensor import TensorOps
from ..ops import array_ops as A
from ..ops import math_ops as M
from ..ops import reduce_ops as R
from ..ops.gather_ops import gather
from ..prims.convert import cast, convert_to_tensor
from ..prims.ragged import gather_dense_p, reduce_p, row_ids_p
from .ragged_tensor import (RAGGED_RANK_FIX, RaggedTensor, as_index, is_concrete,
                            not_supported)

__all__ = ["constant", "map_flat_values", "row_splits_to_segment_ids",
           "segment_ids_to_row_splits", "reduce_sum", "reduce_mean", "reduce_max",
           "reduce_min"]


# -- tf.ragged.constant --------------------------------------------------------------

def _depth(x: Any, path: str = "pylist") -> tuple:
    """(nesting depth of the scalars, exact): an empty list only bounds it from below."""
    if isinstance(x, np.ndarray):
        return x.ndim, x.size > 0 or x.ndim == 0
    if not isinstance(x, (list, tuple)):
        return 0, True
    exact: set = set()
    least = 0
    for i, e in enumerate(x):
        d, ok = _depth(e, f"{path}[{i}]")
        if ok:
            exact.add(d)
        least = max(least, d)
    if len(exact) > 1 or (exact and least > max(exact)):
        raise ValueError(f"ragged.constant: all scalar values must have the same nesting "
                         f"depth; {path} mixes depths {sorted(exact | {least})}.")
    return (max(exact) + 1, True) if exact else (least + 1, False)


def constant(pylist: Any, dtype: Any = None, ragged_rank: int | None = None,
             inner_shape: Any = None, name: str | None = None,
             row_splits_dtype: Any = int64) -> Any:
    """A RaggedTensor from a nested Python list whose rows may have different lengths
    (a list of scalars, or ragged_rank 0, gives a dense Tensor, as TF).

    Example:
        >>> import ember as tf
        >>> tf.ragged.constant([[1, 2], [3], []])
        <tf.RaggedTensor [[1, 2], [3], []]>
        >>> tf.ragged.constant([[[1, 2]], [[3, 4], [5, 6]]], ragged_rank=1).shape
        TensorShape([2, None, 2])
    """
    k, _ = _depth(pylist)
    inner = () if inner_shape is None else tuple(int(d) for d in inner_shape)
    if ragged_rank is None:
        ragged_rank = max(0, k - 1 - len(inner))
    if ragged_rank > 1:
        raise not_supported(f"ragged.constant: the list nests {k} levels deep, which needs "
                            f"ragged_rank {ragged_rank}; pass ragged_rank=1 if the inner "
                            f"levels are uniform")
    if ragged_rank == 0:
        return convert_to_tensor(pylist, dtype=dtype)
    if ragged_rank < 0 or k < 2:
        raise ValueError(f"ragged.constant: ragged_rank={ragged_rank} needs a list nested at "
                         f"least 2 levels deep, received depth {k}.")
    rows = list(pylist)
    flat = [item for row in rows for item in row]
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    if flat:
        try:
            values = convert_to_tensor(flat, dtype=dtype)
        except ValueError as e:
            raise ValueError(f"ragged.constant: the inner dimensions are not uniform ({e}); "
                             f"{RAGGED_RANK_FIX}") from None
    else:
        empty_inner = inner or (0,) * max(k - 2, 0)
        values = convert_to_tensor(np.zeros((0,) + tuple(empty_inner)),
                                   dtype=float32 if dtype is None else dtype)
    if inner and tuple(values.shape)[1:] != inner:
        raise ValueError(f"ragged.constant: inner_shape {list(inner)} does not match the "
                         f"values' inner shape {list(values.shape)[1:]}.")
    splits = np.zeros(lengths.size + 1, dtype=np.dtype(np.int64 if row_splits_dtype in
                                                       (int64, "int64") else np.int32))
    np.cumsum(lengths, out=splits[1:])
    return RaggedTensor(values, convert_to_tensor(splits), internal=True)


# -- row partitions ------------------------------------------------------------------

def row_splits_to_segment_ids(splits: Any, name: str | None = None,
                              out_type: Any = None) -> Any:
    """The row id of each value, from row_splits.

    Example:
        >>> import ember as tf
        >>> tf.ragged.row_splits_to_segment_ids([0, 2, 2, 3]).numpy()
        array([0, 0, 2])
    """
    ids = bind(row_ids_p, as_index(splits, "row_splits_to_segment_ids", "splits"))
    return ids if out_type is None else cast(ids, out_type)


def segment_ids_to_row_splits(segment_ids: Any, num_segments: Any = None,
                              out_type: Any = None, name: str | None = None) -> Any:
    """row_splits from sorted segment (row) ids.

    Example:
        >>> import ember as tf
        >>> tf.ragged.segment_ids_to_row_splits([0, 0, 2], num_segments=4).numpy()
        array([0, 2, 2, 3, 3])
    """
    rt = RaggedTensor.from_value_rowids(A.zeros_like(as_index(
        segment_ids, "segment_ids_to_row_splits", "segment_ids")), segment_ids,
        nrows=num_segments, validate=False)
    return rt.row_splits if out_type is None else cast(rt.row_splits, out_type)


def dense_to_ragged(tensor: Any, lengths: Any, padding: Any, ragged_rank: int,
                    row_splits_dtype: Any) -> RaggedTensor:
    """`RaggedTensor.from_tensor`."""
    op = "RaggedTensor.from_tensor"
    t = tensor if isinstance(tensor, TensorOps) else convert_to_tensor(tensor)
    rank = t.shape.rank
    if rank is not None and rank < 2:
        raise ValueError(f"{op}: the tensor must have rank >= 2 (rows of values), received "
                         f"shape {list(t.shape)}.")
    if ragged_rank != 1:
        if ragged_rank > 1:
            raise not_supported(f"{op}: ragged_rank={ragged_rank}")
        raise ValueError(f"{op}: ragged_rank must be >= 1, received {ragged_rank}.")
    if lengths is not None and padding is not None:
        raise ValueError(f"{op}: specify lengths or padding, but not both.")
    dt = convert_to_tensor(0, dtype=row_splits_dtype).dtype
    width = A.shape(t, out_type=dt)[1]
    nrows = A.shape(t, out_type=dt)[0:1]
    if lengths is not None:
        n = as_index(lengths, op, "lengths", dt)
        if is_concrete(n) and is_concrete(t) and n._value.shape[0] != t._value.shape[0]:
            raise InvalidArgumentError(f"{op}: lengths has {n._value.shape[0]} entries but "
                                       f"the tensor has {t._value.shape[0]} rows.")
        n = M.minimum(M.maximum(n, cast(0, dt)), width)
    elif padding is not None:
        pad = padding if isinstance(padding, TensorOps) else \
            convert_to_tensor(padding, dtype=t.dtype)
        keep = M.not_equal(t, pad)
        if rank is not None and rank > 2:
            keep = R.reduce_any(keep, axis=list(range(2, rank)))
        kept = cast(keep, dt)
        position = R.cumsum(A.ones_like(kept), axis=1)  # 1, 2, ... along each row
        last = M.multiply(kept, position)
        n = M.maximum(R.reduce_max(A.concat([A.zeros_like(last[:, :1]), last], 1), axis=1),
                      cast(0, dt))
    else:
        n = A.fill(nrows, width)
    splits = A.concat([A.zeros([1], dt), R.cumsum(n)], 0)
    return RaggedTensor(bind(gather_dense_p, t, splits), splits, internal=True)


# -- elementwise -------------------------------------------------------------------------

def _same_splits(a: RaggedTensor, b: RaggedTensor, op: str) -> None:
    sa, sb = a.row_splits, b.row_splits
    if sa is sb:
        return
    if is_concrete(sa, sb):
        if sa._value.shape == sb._value.shape and np.array_equal(sa._value, sb._value):
            return
        raise ValueError(f"{op}: the ragged tensors have different row_splits "
                         f"({sa._value.tolist()} vs {sb._value.tolist()}); elementwise ops "
                         f"need the same row lengths.")
    if sa.shape.rank and sb.shape.rank and None not in (sa.shape[0], sb.shape[0]) \
            and sa.shape[0] != sb.shape[0]:
        raise ValueError(f"{op}: the ragged tensors have different numbers of rows.")


def elementwise(op: Callable, rt: RaggedTensor, other: Any, reverse: bool = False) -> Any:
    """`op(rt, other)` (or `op(other, rt)`) value by value: `other` is a scalar, a ragged
    tensor with the same row_splits, a dense tensor of the inner dims, or one value per
    row (shape [nrows, 1, ...])."""
    name = getattr(op, "__name__", "op")
    vals = rt.values
    if isinstance(other, RaggedTensor):
        _same_splits(rt, other, name)
        o = other.values
    else:
        o = other if isinstance(other, TensorOps) else convert_to_tensor(other) \
            if not isinstance(other, (int, float, bool)) else other
        orank = o.shape.rank if isinstance(o, TensorOps) else 0
        vrank = vals.shape.rank
        if orank and vrank is not None and orank >= vrank:
            if orank == vrank + 1 and o.shape[1] == 1:  # one value per row
                o = gather(A.squeeze(o, axis=[1]), rt.value_rowids(), axis=0)
            else:
                raise NotImplementedError(
                    f"{name}: broadcasting a dense tensor of shape {list(o.shape)} against "
                    f"a ragged tensor of shape {rt.shape} is not supported; use a scalar, "
                    f"one value per row (shape [nrows, 1]), rt.to_tensor(), or "
                    f"tf.ragged.map_flat_values.")
    out = op(o, vals) if reverse else op(vals, o)
    return RaggedTensor(out, rt.row_splits, internal=True)


def map_flat_values(op: Callable, *args: Any, **kwargs: Any) -> Any:
    """`op` applied to the values of the ragged tensors among its arguments (which must
    share their row_splits); the result has their row partition.

    Example:
        >>> import ember as tf
        >>> rt = tf.ragged.constant([[1, 2, 3], [], [4, 5], [6]])
        >>> tf.ragged.map_flat_values(tf.ones_like, rt).to_list()
        [[1, 1, 1], [], [1, 1], [1]]
        >>> tf.ragged.map_flat_values(tf.multiply, rt, rt).to_list()
        [[1, 4, 9], [], [16, 25], [36]]
    """
    found: list = []

    def strip(x: Any) -> Any:
        if isinstance(x, RaggedTensor):
            found.append(x)
            return x.values
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
            return type(x)(strip(v) for v in x)
        return x

    a, kw = strip(list(args)), strip(dict(kwargs))
    if not found:
        return op(*a, **kw)
    for other in found[1:]:
        _same_splits(found[0], other, "map_flat_values")
    out = op(*a, **kw)
    if isinstance(out, RaggedTensor) or not isinstance(out, TensorOps):
        raise ValueError(f"map_flat_values: the op must return a dense tensor of the values, "
                         f"it returned {type(out).__name__}.")
    n0, n1 = found[0].values.shape[0], out.shape[0] if out.shape.rank else 0
    if n0 is not None and n1 is not None and n0 != n1:
        raise ValueError(f"map_flat_values: the op returned {n1} values for {n0} input "
                         f"values; it must keep one value per value (an elementwise op).")
    return RaggedTensor(out, found[0].row_splits, internal=True)


# -- reductions ----------------------------------------------------------------------

_DENSE = {"sum": R.reduce_sum, "max": R.reduce_max, "min": R.reduce_min,
          "mean": R.reduce_mean}


def _identity(kind: str, dtype: Any) -> Any:
    np_dt = dtype._numpy()
    if kind == "sum":
        return np.zeros((), np_dt)
    info = np.finfo(np_dt) if np_dt.kind == "f" else np.iinfo(np_dt)
    return np.asarray(info.min if kind == "max" else info.max, np_dt)


def _reduce(kind: str, rt: RaggedTensor, axis: Any, keepdims: bool) -> Any:
    op = f"reduce_{kind}"
    if not rt.dtype.is_floating and not rt.dtype.is_integer:
        raise TypeError(f"{op}: a ragged tensor of {rt.dtype.name} has no {kind}; it needs "
                        f"numbers.")
    rank = len(rt.shape)
    axes = rules.normalize_axes(op, axis, rank)
    if axes is None or axes == tuple(range(rank)):
        out = _DENSE[kind](rt.values)
        return A.reshape(out, [1] * rank) if keepdims else out
    if kind == "mean":
        ones = rt.with_values(A.ones_like(rt.values))
        return M.truediv(_reduce("sum", rt, axes, keepdims),
                         _reduce("sum", ones, axes, keepdims))
    inner = [a - 1 for a in axes if a >= 2]
    if 0 not in axes and 1 not in axes:  # uniform inner axes only: a ragged result
        return rt.with_values(_DENSE[kind](rt.values, axis=inner, keepdims=keepdims))
    if 1 in axes and 0 in axes:
        out = _DENSE[kind](rt.values, axis=[0] + inner, keepdims=keepdims)
        return A.expand_dims(out, 0) if keepdims else out
    if 1 in axes:
        out = bind(reduce_p, rt.values, rt.row_splits, op=kind)
        if inner:
            out = _DENSE[kind](out, axis=inner, keepdims=keepdims)
        return A.expand_dims(out, 1) if keepdims else out
    dense = rt.to_tensor(default_value=convert_to_tensor(_identity(kind, rt.dtype)))
    return _DENSE[kind](dense, axis=list(axes), keepdims=keepdims)


_EMPTY_ROW = {"sum": "0", "mean": "nan", "max": "the lowest value",
              "min": "the highest value"}


def _dispatching(kind: str) -> Callable:
    dense = _DENSE[kind]

    def reduce(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: str | None = None) -> Any:
        if isinstance(input_tensor, RaggedTensor):
            return _reduce(kind, input_tensor, axis, bool(keepdims))
        return dense(input_tensor, axis, keepdims)

    reduce.__name__ = reduce.__qualname__ = f"reduce_{kind}"
    reduce.__doc__ = (
        f"`tf.reduce_{kind}`, for dense and ragged tensors: a RaggedTensor reduced over "
        f"axis 1 (its rows) gives one value per row (an empty row gives "
        f"{_EMPTY_ROW[kind]}"
        f"), over axis 0 one value per column, over None one value.\n\n"
        f"    Example:\n"
        f"        >>> import ember as tf\n"
        f"        >>> r = tf.reduce_{kind}(tf.ragged.constant([[1.0, 4.0], [2.0]]), axis=1)\n")
    return reduce


reduce_sum = _dispatching("sum")
reduce_mean = _dispatching("mean")
reduce_max = _dispatching("max")
reduce_min = _dispatching("min")

"""Keras 3's top-level math reductions (`keras.ops.math` in Keras 3): `logsumexp`,
`top_k`, `in_top_k` and the segment reductions `segment_sum`, `segment_max`,
`segment_min`, `segment_prod`, on ember's ops.

Segments follow Keras 3 on TensorFlow (`tf.math.unsorted_segment_*`): negative ids are
dropped; an empty segment holds 0 (sum), 1 (prod), the dtype's lowest value (max) or
its highest (min). Without `num_segments` there are `max(segment_ids) + 1` segments,
read from the ids' values (so they must be concrete).

Example:
    >>> from ember import keras
    >>> keras.ops.segment_sum([1.0, 2.0, 3.0], [0, 0, 1]).numpy()
    array([3., 3.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ops import array_ops as A
from ...ops import gather_ops as G
from ...ops import math_ops as M
from ...ops import reduce_ops as R
from ...ops import sort_ops as S
from ...prims.array import symbolic
from ...prims.sort import top_k as _top_k
from ._dtypes import result_type
from ._reduce_common import cast_to, dims, is_floating, norm_axes, rank_of, tensor

__all__ = ["in_top_k", "logsumexp", "segment_max", "segment_min", "segment_prod",
           "segment_sum", "top_k"]


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """`log(sum(exp(x)))` over `axis`, computed stably.

    Example:
        >>> from ember import keras
        >>> round(float(keras.ops.logsumexp([0.0, 0.0])), 4)
        0.6931
    """
    x = tensor(x)
    if not is_floating(x):
        x = cast_to(x, result_type(x.dtype.name, float))
    return R.reduce_logsumexp(x, norm_axes("logsumexp", axis, rank_of("logsumexp", x)),
                              keepdims=keepdims)


def top_k(x: Any, k: int, sorted: bool = True) -> tuple:  # noqa: A002
    """The `k` largest values along the last axis and their int32 indices (the lower
    index first among equal values; always sorted, descending).

    Example:
        >>> from ember import keras
        >>> values, indices = keras.ops.top_k([1, 5, 3, 4], 2)
        >>> values.numpy(), indices.numpy()
        (array([5, 4], dtype=int32), array([1, 3], dtype=int32))
    """
    x = tensor(x)
    if rank_of("top_k", x) == 0:
        raise ValueError("keras.ops.top_k: needs a tensor of rank >= 1, received a scalar.")
    values, indices = _top_k(x, k=k, sorted=sorted)
    return values, indices


def in_top_k(targets: Any, predictions: Any, k: int) -> Any:
    """Whether each `targets[i]` class is among the `k` highest `predictions[i]` (ties at
    the boundary count as in).

    Example:
        >>> from ember import keras
        >>> keras.ops.in_top_k([2, 0], [[0.1, 0.2, 0.7], [0.3, 0.5, 0.2]], 1).numpy()
        array([ True, False])
    """
    t, p = tensor(targets), tensor(predictions)
    if t.dtype.name not in ("int32", "int64"):
        if "int" not in t.dtype.name:
            raise TypeError(f"keras.ops.in_top_k: targets must hold integer class ids, "
                            f"received dtype {t.dtype.name}.")
        t = cast_to(t, "int32")
    if not is_floating(p) or p.dtype.name in ("float16", "bfloat16"):
        p = cast_to(p, "float32")
    return S.in_top_k(t, p, k)


# -- segments ------------------------------------------------------------------------

def _extreme(dtype: str, lowest: bool) -> Any:
    info = np.finfo(dtype) if "float" in dtype else np.iinfo(dtype)
    return np.asarray(info.min if lowest else info.max, dtype)


def _segments(op: str, data: Any, segment_ids: Any, num_segments: Any) -> tuple:
    data, ids = tensor(data), tensor(segment_ids)
    if "int" not in ids.dtype.name:
        raise TypeError(f"keras.ops.{op}: segment_ids must be integers, received dtype "
                        f"{ids.dtype.name}.")
    if ids.dtype.name not in ("int32", "int64"):
        ids = cast_to(ids, "int32")
    if ids.shape.rank != 1 or rank_of(op, data) == 0 or (
            None not in (ids.shape[0], data.shape[0]) and ids.shape[0] != data.shape[0]):
        raise ValueError(f"keras.ops.{op}: segment_ids must be 1-D with one id per row of "
                         f"data; received data shape {tuple(data.shape)}, segment_ids "
                         f"shape {tuple(ids.shape)}.")
    if num_segments is None:
        if symbolic(ids):
            raise NotImplementedError(
                f"keras.ops.{op}: without num_segments the number of segments is read "
                f"from the values of segment_ids, which a symbolic tensor (KerasTensor) "
                f"does not have yet; pass num_segments.")
        values = ids.numpy()
        n = int(values.max()) + 1 if values.size else 0
    else:
        n = int(num_segments)
    return data, ids, max(n, 0)


def _scatter_segments(op: str, mode: str, data: Any, segment_ids: Any,
                      num_segments: Any) -> Any:
    data, ids, n = _segments(op, data, segment_ids, num_segments)
    dtype = data.dtype.name
    start = {"add": np.asarray(0, dtype), "max": _extreme(dtype, True),
             "min": _extreme(dtype, False)}[mode]
    valid = M.greater_equal(ids, 0)
    mask = A.reshape(valid, [-1] + [1] * (data.shape.rank - 1))
    updates = M.where(mask, data, A.fill([], start))
    index = A.expand_dims(M.where(valid, ids, A.zeros_like(ids)), 1)
    base = A.fill([n] + dims(data)[1:], start)
    scatter = {"add": G.tensor_scatter_nd_add, "max": G.tensor_scatter_nd_max,
               "min": G.tensor_scatter_nd_min}[mode]
    return scatter(base, index, updates)


def segment_sum(data: Any, segment_ids: Any, num_segments: Any = None,
                sorted: bool = False) -> Any:  # noqa: A002
    """The sum of the rows of `data` in each segment (`segment_ids[i]` is row i's).

    Example:
        >>> from ember import keras
        >>> keras.ops.segment_sum([[1, 2], [3, 4], [5, 6]], [0, 1, 0]).numpy()
        array([[6, 8],
               [3, 4]], dtype=int32)
    """
    return _scatter_segments("segment_sum", "add", data, segment_ids, num_segments)


def segment_max(data: Any, segment_ids: Any, num_segments: Any = None,
                sorted: bool = False) -> Any:  # noqa: A002
    """The maximum of the rows of `data` in each segment.

    Example:
        >>> from ember import keras
        >>> keras.ops.segment_max([1.0, 5.0, 3.0], [0, 0, 1]).numpy()
        array([5., 3.], dtype=float32)
    """
    return _scatter_segments("segment_max", "max", data, segment_ids, num_segments)


def segment_min(data: Any, segment_ids: Any, num_segments: Any = None,
                sorted: bool = False) -> Any:  # noqa: A002
    """The minimum of the rows of `data` in each segment.

    Example:
        >>> from ember import keras
        >>> keras.ops.segment_min([1.0, 5.0, 3.0], [0, 0, 1]).numpy()
        array([1., 3.], dtype=float32)
    """
    return _scatter_segments("segment_min", "min", data, segment_ids, num_segments)


def segment_prod(data: Any, segment_ids: Any, num_segments: Any = None,
                 sorted: bool = False) -> Any:  # noqa: A002
    """The product of the rows of `data` in each segment.

    Example:
        >>> from ember import keras
        >>> keras.ops.segment_prod([2.0, 5.0, 3.0], [0, 0, 1]).numpy()
        array([10.,  3.], dtype=float32)
    """
    data, ids, n = _segments("segment_prod", data, segment_ids, num_segments)
    member = M.equal(A.expand_dims(A.range(n, dtype=ids.dtype.name), 1),
                     A.expand_dims(ids, 0))                     # [segments, rows]
    member = A.reshape(member, [n, -1] + [1] * (data.shape.rank - 1))
    ones = A.fill([], np.asarray(1, data.dtype.name))
    return R.reduce_prod(M.where(member, A.expand_dims(data, 0), ones), 1)

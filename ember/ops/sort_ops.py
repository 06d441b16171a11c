"""Sorting and selection: sort, argsort, top_k, unique, unique_with_counts, in_top_k.

Every order is stable: equal values keep their index order in both directions, so
`argsort(..., stable=False)` gives the same result as `stable=True`, and top_k puts the
lower index first among equal values, as TF. NaN counts as the largest value.

The primitives (sort, top_k, unique), their gradients and the ops that bind them (top_k,
unique, unique_with_counts) are in `prims/sort.py`, re-exported here; sort and argsort
(the two outputs of the sort primitive) and in_top_k are written here.

Example:
    >>> import ember as tf
    >>> tf.argsort(tf.constant([3, 1, 2])).numpy()
    array([1, 2, 0], dtype=int32)
"""

from __future__ import annotations

from typing import Any

from ..core.dtypes import NP_FLOATS, NP_INDEX, int32
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.registry import bind
from ..core.rules import describe, normalize_axis
from ..core.shape import TensorSpec
from ..prims.convert import as_tensor, cast
from ..prims.gather import gather
from ..prims.sort import (TopKV2, Unique, UniqueWithCounts, sort_p, top_k,  # noqa: F401
                          top_k_p, unique, unique_p, unique_with_counts)
from ..prims.values import static_int
from . import math_ops, reduce_ops

__all__ = ["sort", "argsort", "top_k", "unique", "unique_with_counts", "in_top_k"]


def _static_int(op: str, value: Any, what: str) -> int:
    return static_int(value, op, what)


# -- sort / argsort ------------------------------------------------------------------

def _sort_params(op: str, x: Any, axis: Any, direction: Any) -> dict:
    if direction not in ("ASCENDING", "DESCENDING"):
        raise InvalidArgumentError(
            f"{op}: direction must be 'ASCENDING' or 'DESCENDING', received {direction!r}.")
    rank = x.shape.rank
    if rank == 0:
        raise InvalidArgumentError(
            f"{op}: values must be at least 1-D, received a scalar "
            f"{describe(TensorSpec.from_tensor(x))}.")
    axis = normalize_axis(op, _static_int(op, axis, "axis"), rank)
    return {"axis": axis, "descending": direction == "DESCENDING"}


def sort(values: Any, axis: int = -1, direction: str = "ASCENDING",
         name: str | None = None) -> Any:
    """`values` sorted along `axis` (TF's `tf.sort`).

    Args:
        values: a numeric tensor, at least 1-D.
        axis: the axis to sort (default the last; may be negative).
        direction: 'ASCENDING' or 'DESCENDING'.
        name: ignored.

    Returns:
        A tensor of the same shape and dtype.

    Example:
        >>> import ember as tf
        >>> tf.sort(tf.constant([3.0, 1.0, 2.0])).numpy()
        array([1., 2., 3.], dtype=float32)
        >>> tf.sort(tf.constant([[3, 1], [2, 5]]), axis=0, direction="DESCENDING").numpy()
        array([[3, 5],
               [2, 1]], dtype=int32)
    """
    x = as_tensor(values)
    return bind(sort_p, x, **_sort_params("sort", x, axis, direction))[0]


def argsort(values: Any, axis: int = -1, direction: str = "ASCENDING", stable: bool = False,
            name: str | None = None) -> Any:
    """The int32 indices that sort `values` along `axis` (TF's `tf.argsort`).

    The sort is always stable: equal values keep their index order, in both directions.

    Args:
        values: a numeric tensor, at least 1-D.
        axis: the axis to sort (default the last; may be negative).
        direction: 'ASCENDING' or 'DESCENDING'.
        stable: accepted for TF compatibility; ember's sort is always stable.
        name: ignored.

    Returns:
        An int32 tensor of the shape of `values`.

    Example:
        >>> import ember as tf
        >>> tf.argsort([1, 10, 26.9, 2.8, 166.32, 62.3]).numpy()
        array([0, 3, 1, 2, 5, 4], dtype=int32)
        >>> tf.argsort([2, 1, 2, 1], direction="DESCENDING").numpy()
        array([0, 2, 1, 3], dtype=int32)
    """
    x = as_tensor(values)
    return bind(sort_p, x, **_sort_params("argsort", x, axis, direction))[1]


# -- in_top_k ------------------------------------------------------------------------

def in_top_k(targets: Any, predictions: Any, k: Any, name: str | None = None) -> Any:
    """Whether each target class is among the `k` highest predictions of its row
    (TF's `tf.math.in_top_k`).

    Ties straddling the top-k boundary all count as in the top k; a target whose
    prediction is not finite, or that is not a valid class id, gives False.

    Args:
        targets: a [batch] int32 or int64 tensor of class ids.
        predictions: a [batch, classes] floating tensor.
        k: the number of top predictions to look at.
        name: ignored.

    Returns:
        A [batch] bool tensor.

    Example:
        >>> import ember as tf
        >>> pred = tf.constant([[1.2, -0.3, 2.8, 5.2], [0.1, 0.0, 0.0, 0.0],
        ...                     [0.0, 0.5, 0.3, 0.3]])
        >>> tf.math.in_top_k(tf.constant([0, 1, 3]), pred, 2).numpy()
        array([False,  True,  True])
    """
    targets = as_tensor(targets)
    predictions = as_tensor(predictions)
    k = _static_int("in_top_k", k, "k")
    ts, ps = TensorSpec.from_tensor(targets), TensorSpec.from_tensor(predictions)
    got = f"(received targets {describe(ts)}, predictions {describe(ps)})"
    if ts.dtype._numpy() not in NP_INDEX:
        raise DTypeError(f"in_top_k: targets must be int32 or int64 class ids {got}.")
    if ps.dtype._numpy() not in NP_FLOATS:
        raise DTypeError(f"in_top_k: predictions must be floating {got}.")
    if ts.shape.rank != 1 or ps.shape.rank != 2:
        raise ShapeError(f"in_top_k: targets must be 1-D and predictions 2-D {got}.")
    batch, classes = ps.shape
    if batch is not None and ts.shape[0] is not None and batch != ts.shape[0]:
        raise ShapeError(f"in_top_k: targets and predictions must have the same batch "
                         f"size {got}.")
    if classes is None:
        raise InvalidArgumentError(f"in_top_k: the number of classes must be known {got}.")
    valid = math_ops.logical_and(math_ops.greater_equal(targets, 0),
                                 math_ops.less(targets, classes))
    if classes == 0:
        return valid  # all False: no class to be in the top k of
    safe = math_ops.where(valid, targets, 0)
    target_pred = gather(predictions, safe, batch_dims=1, axis=1)
    higher = math_ops.greater(predictions, target_pred[:, None])
    rank = reduce_ops.reduce_sum(cast(higher, int32), axis=1)
    ok = math_ops.logical_and(valid, math_ops.is_finite(target_pred))
    return math_ops.logical_and(ok, math_ops.less(rank, k))

"""Sorting and selection: sort, argsort, top_k, unique, unique_with_counts, in_top_k.

Every order is stable: equal values keep their index order in both directions, so
`argsort(..., stable=False)` gives the same result as `stable=True`, and top_k puts the
lower index first among equal values, as TF. NaN counts as the largest value.

Primitives: `sort` (values and int32 indices at once), `top_k`, `unique`.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..core.dtypes import NP_ALL, NP_FLOATS, NP_INDEX, NP_NUMERIC, NP_STRING, as_dtype, int32
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.registry import bind, defvjp, no_gradient, primitive
from ..core.rules import check_dtype, describe, index_dtype, normalize_axis
from ..core.shape import TensorSpec
from . import math_ops, reduce_ops
from ..prims.values import static_int
from ..prims.convert import as_tensor, cast
from .gather_ops import _scatter_add_along, gather

__all__ = ["sort", "argsort", "top_k", "unique", "unique_with_counts", "in_top_k"]

TopKV2 = namedtuple("TopKV2", ["values", "indices"])
Unique = namedtuple("Unique", ["y", "idx"])
UniqueWithCounts = namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _static_int(op: str, value: Any, what: str) -> int:
    return static_int(value, op, what)


# -- sort / argsort ------------------------------------------------------------------

def _sort_rule(x: TensorSpec, axis: int, descending: bool) -> tuple:
    normalize_axis("sort", axis, x.shape.rank)
    return TensorSpec(x.shape, x.dtype), TensorSpec(x.shape, int32)


sort_p = primitive("sort", _sort_rule, allowed=NP_NUMERIC, multiple_results=True)


# The values' cotangent goes back to the positions they came from (the returned
# indices); the indices output has no gradient.
def _sort_vjp(g: Any, ins: tuple, out: Any, axis: int, descending: bool) -> tuple:
    if g[0] is None:
        return (None,)
    return (_scatter_add_along(g[0], out[1], axis, ins[0]),)


defvjp(sort_p, _sort_vjp)


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


# -- top_k ---------------------------------------------------------------------------

def _top_k_rule(x: TensorSpec, k: int, index_type: np.dtype) -> tuple:
    check_dtype("top_k", x, NP_NUMERIC)
    rank = x.shape.rank
    if rank is None:
        return TensorSpec(None, x.dtype), TensorSpec(None, as_dtype(index_type))
    if rank == 0:
        raise InvalidArgumentError(
            f"top_k: input must be at least 1-D, received {describe(x)}.")
    if k < 0:
        raise InvalidArgumentError(f"top_k: k must be >= 0, received k={k}.")
    n = x.shape[-1]
    if n is not None and n < k:
        raise InvalidArgumentError(
            f"top_k: input must have at least k={k} entries on its last axis, received "
            f"{describe(x)} (last dim {n}). Use a smaller k.")
    shape = list(x.shape[:-1]) + [k]
    return TensorSpec(shape, x.dtype), TensorSpec(shape, as_dtype(index_type))


top_k_p = primitive("top_k", _top_k_rule, check="rule", multiple_results=True)


def _top_k_vjp(g: Any, ins: tuple, out: Any, k: int, index_type: Any) -> tuple:
    if g[0] is None:
        return (None,)
    x = ins[0]
    return (_scatter_add_along(g[0], out[1], x.shape.rank - 1, x),)


defvjp(top_k_p, _top_k_vjp)


def top_k(input: Any, k: Any = 1, sorted: bool = True, index_type: Any = int32,  # noqa: A002
          name: str | None = None) -> TopKV2:
    """The `k` largest entries along the last axis and their indices (TF's `tf.math.top_k`).

    Among equal values the lower index comes first. The result is always sorted by
    value, descending (`sorted=False` allows any order, so this order is valid too).

    Args:
        input: a numeric tensor, at least 1-D, with at least `k` entries on its last axis.
        k: the number of entries to keep (an int or a scalar int tensor).
        sorted: accepted for TF compatibility; the result is always sorted.
        index_type: the dtype of the indices, int32 (default) or int64.
        name: ignored.

    Returns:
        A named tuple `(values, indices)`, both of shape `input.shape[:-1] + [k]`.

    Example:
        >>> import ember as tf
        >>> values, indices = tf.math.top_k([1, 2, 98, 1, 1, 99, 3, 1, 3, 96, 4, 1], k=3)
        >>> values.numpy(), indices.numpy()
        (array([99, 98, 96], dtype=int32), array([5, 2, 9], dtype=int32))
        >>> tf.math.top_k([1, 1, 0, 1], k=2).indices.numpy()
        array([0, 1], dtype=int32)
    """
    x = as_tensor(input)
    k = _static_int("top_k", k, "k")
    itype = index_dtype("top_k", index_type, "index_type", NP_INDEX | {np.dtype(np.int16)})
    values, indices = bind(top_k_p, x, k=k, index_type=itype)
    return TopKV2(values, indices)


# -- unique --------------------------------------------------------------------------

def _unique_rule(x: TensorSpec, out_idx: np.dtype) -> tuple:
    check_dtype("unique", x, NP_ALL | NP_STRING)
    rank = x.shape.rank
    if rank is not None and rank != 1:
        raise InvalidArgumentError(
            f"unique: x must be 1-D, received {describe(x)}. Flatten it first, e.g. "
            f"ember.reshape(x, [-1]).")
    idx_dtype = as_dtype(out_idx)
    n = x.shape[0] if rank is not None else None
    return (TensorSpec([None], x.dtype), TensorSpec([n], idx_dtype),
            TensorSpec([None], idx_dtype))


unique_p = primitive("unique", _unique_rule, check="rule", multiple_results=True)
no_gradient(unique_p)  # as TF


def unique(x: Any, out_idx: Any = int32, name: str | None = None) -> Unique:
    """The distinct values of a 1-D tensor in order of first occurrence (TF's `tf.unique`).

    Not sorted: `y` lists values in the order they first appear, and `y[idx[i]] == x[i]`.

    Args:
        x: a 1-D tensor.
        out_idx: the dtype of `idx`, int32 (default) or int64.
        name: ignored.

    Returns:
        A named tuple `(y, idx)`.

    Example:
        >>> import ember as tf
        >>> y, idx = tf.unique([4, 5, 1, 2, 3, 3, 4, 5])
        >>> y.numpy(), idx.numpy()
        (array([4, 5, 1, 2, 3], dtype=int32), array([0, 1, 2, 3, 4, 4, 0, 1], dtype=int32))
    """
    y, idx, _ = _unique(x, out_idx, "unique")
    return Unique(y, idx)


def unique_with_counts(x: Any, out_idx: Any = int32, name: str | None = None) -> UniqueWithCounts:
    """`unique`, plus how often each distinct value occurs (TF's `tf.unique_with_counts`).

    Args:
        x: a 1-D tensor.
        out_idx: the dtype of `idx` and `count`, int32 (default) or int64.
        name: ignored.

    Returns:
        A named tuple `(y, idx, count)`.

    Example:
        >>> import ember as tf
        >>> y, idx, count = tf.unique_with_counts([1, 1, 2, 4, 4, 4, 7, 8, 8])
        >>> count.numpy()
        array([2, 1, 3, 1, 2], dtype=int32)
    """
    return UniqueWithCounts(*_unique(x, out_idx, "unique_with_counts"))


def _unique(x: Any, out_idx: Any, op: str) -> tuple:
    x = as_tensor(x)
    itype = index_dtype(op, out_idx, "out_idx")
    if x.shape.rank is not None and x.shape.rank != 1:
        raise InvalidArgumentError(
            f"{op}: x must be 1-D, received {describe(TensorSpec.from_tensor(x))}. Flatten "
            f"it first, e.g. ember.reshape(x, [-1]).")
    return bind(unique_p, x, out_idx=itype)


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

"""Ordering primitives, their rules and gradients: sort (values and int32 indices at
once), top_k, unique and searchsorted; with the thin ops that convert their operands and
bind them (top_k, unique, unique_with_counts, searchsorted).

Every order is stable: equal values keep their index order in both directions, and top_k
puts the lower index first among equal values, as TF. NaN counts as the largest value.
The gradient of sort and top_k sends each value's cotangent back to the position it came
from (`gather.scatter_add_along`); unique and searchsorted have none, as TF. The public
sort and argsort (two outputs of one primitive) and in_top_k are in `ops/sort_ops.py`.

Example:
    >>> import ember as tf
    >>> from ember.core.registry import bind
    >>> from ember.prims.sort import sort_p
    >>> values, indices = bind(sort_p, tf.constant([3, 1, 2]), axis=0, descending=False)
    >>> values.numpy(), indices.numpy()
    (array([1, 2, 3], dtype=int32), array([1, 2, 0], dtype=int32))
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..core.dtypes import NP_ALL, NP_INDEX, NP_NUMERIC, NP_STRING, as_dtype, int32
from ..core.errors import DTypeError, InvalidArgumentError
from ..core.registry import bind, defvjp, no_gradient, primitive
from ..core.rules import check_dtype, describe, index_dtype, normalize_axis
from ..core.shape import TensorSpec
from .convert import as_tensor
from .gather import scatter_add_along
from .values import static_int

__all__ = ["top_k", "unique", "unique_with_counts", "searchsorted"]

TopKV2 = namedtuple("TopKV2", ["values", "indices"])
Unique = namedtuple("Unique", ["y", "idx"])
UniqueWithCounts = namedtuple("UniqueWithCounts", ["y", "idx", "count"])


# -- sort ----------------------------------------------------------------------------

def _sort_rule(x: TensorSpec, axis: int, descending: bool) -> tuple:
    normalize_axis("sort", axis, x.shape.rank)
    return TensorSpec(x.shape, x.dtype), TensorSpec(x.shape, int32)


sort_p = primitive("sort", _sort_rule, allowed=NP_NUMERIC, multiple_results=True)


# The values' cotangent goes back to the positions they came from (the returned
# indices); the indices output has no gradient.
def _sort_vjp(g: Any, ins: tuple, out: Any, axis: int, descending: bool) -> tuple:
    if g[0] is None:
        return (None,)
    return (scatter_add_along(g[0], out[1], axis, ins[0]),)


defvjp(sort_p, _sort_vjp)


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
    return (scatter_add_along(g[0], out[1], x.shape.rank - 1, x),)


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
    k = static_int(k, "top_k", "k")
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


# -- searchsorted --------------------------------------------------------------------

def _rows(dims: tuple) -> int | None:
    total = 1
    for d in dims:
        if d is None:
            return None
        total *= d
    return total


def _searchsorted_rule(seq: TensorSpec, values: TensorSpec, side: str,
                       out_type: np.dtype) -> TensorSpec:
    check_dtype("searchsorted", seq, NP_NUMERIC, "sorted_sequence")
    got = f"(received sorted_sequence {describe(seq)}, values {describe(values)})"
    if seq.dtype != values.dtype:
        raise DTypeError(f"searchsorted: sorted_sequence and values must have the same dtype "
                         f"{got}; cast one of them.")
    if seq.shape.rank == 0 or values.shape.rank == 0:
        raise InvalidArgumentError(f"searchsorted: sorted_sequence and values must be at "
                                   f"least 1-D {got}.")
    if seq.shape.rank is not None and values.shape.rank is not None:
        a, b = _rows(tuple(seq.shape)[:-1]), _rows(tuple(values.shape)[:-1])
        if a is not None and b is not None and a != b:
            raise InvalidArgumentError(
                f"searchsorted: sorted_sequence [..., N] and values [..., M] must have the "
                f"same leading dims {got}.")
    return TensorSpec(values.shape, as_dtype(out_type))


searchsorted_p = primitive("searchsorted", _searchsorted_rule, check="rule")
no_gradient(searchsorted_p)  # as TF


def searchsorted(sorted_sequence: Any, values: Any, side: str = "left", out_type: Any = int32,
                 name: str | None = None) -> Any:
    """Where each value would go in its row of `sorted_sequence` to keep it sorted
    (TF's `tf.searchsorted`), by binary search.

    `sorted_sequence` is `[..., N]` and `values` `[..., M]` with the same leading dims:
    row `r` of `values` is searched in row `r` of `sorted_sequence`. Unsorted rows are
    accepted (no check, as TF) but give binary-search results with no particular meaning.

    Args:
        sorted_sequence: a numeric tensor, at least 1-D, sorted along its last axis.
        values: a tensor of the same dtype, at least 1-D.
        side: "left" (first suitable index) or "right" (last suitable index).
        out_type: int32 (default) or int64.
        name: ignored.

    Returns:
        A tensor of `values`' shape and dtype `out_type`. No gradient.

    Example:
        >>> import ember as tf
        >>> seq = tf.constant([[0, 3, 9, 9, 10], [1, 2, 3, 4, 5]])
        >>> tf.searchsorted(seq, tf.constant([[2, 4, 9], [0, 2, 6]]), side="right").numpy()
        array([[1, 2, 4],
               [0, 2, 5]], dtype=int32)
    """
    if side not in ("left", "right"):
        raise InvalidArgumentError(
            f"searchsorted: side must be 'left' or 'right', received {side!r}.")
    dt = index_dtype("searchsorted", out_type, "out_type")
    return bind(searchsorted_p, as_tensor(sorted_sequence), as_tensor(values), side=side,
                out_type=dt)

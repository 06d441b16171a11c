"""`tf.nn.embedding_lookup_sparse` and `tf.nn.safe_embedding_lookup_sparse` made of graph
ops (gather, boolean_mask, unsorted segment sums), so they run inside `ember.function`
(the SparseTensor's indices and values symbolic) as well as eagerly, with gradients
with respect to the params.

The row count of `embedding_lookup_sparse` is `max(row) + 1` (as TF), computed as a
tensor; `safe_embedding_lookup_sparse` gives every row of `dense_shape[:-1]` a result
and reshapes to `dense_shape[:-1] + [dim]`.

Example:
    >>> import ember as tf
    >>> from ember.ops.nn_embedding_sparse import embedding_lookup_sparse
    >>> p = tf.reshape(tf.range(6.0), (3, 2))
    >>> ids = tf.sparse.SparseTensor([[0, 0], [0, 1]], tf.constant([0, 2], tf.int64), [1, 2])
    >>> embedding_lookup_sparse(p, ids, None).numpy()
    array([[2., 3.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import InvalidArgumentError
from ..prims.convert import as_tensor, cast
from . import creation_ops as co
from . import math_ops as m
from . import reduce_ops as r
from . import shape_ops as s
from .gather_ops import boolean_mask
from .math_more import unsorted_segment_sum
from .nn_stats import embedding_lookup

__all__ = ["embedding_lookup_sparse", "safe_embedding_lookup_sparse"]


def _combine(op: str, emb: Any, seg: Any, weights: Any, nrows: Any, combiner: str) -> Any:
    """Per-row combination of the embeddings `emb [n, ...]` grouped by `seg`."""
    if combiner not in ("sum", "mean", "sqrtn"):
        raise InvalidArgumentError(f"{op}: combiner must be 'sum', 'mean' or 'sqrtn', "
                                   f"received {combiner!r}.")
    tail = emb.shape.rank - 1
    w = co.ones_like(seg, dtype=emb.dtype) if weights is None else cast(weights, emb.dtype)
    wb = s.reshape(w, [-1] + [1] * tail)
    total = unsorted_segment_sum(m.multiply(emb, wb), seg, nrows)
    if combiner == "sum":
        return total
    wsum = unsorted_segment_sum(w if combiner == "mean" else m.square(w), seg, nrows)
    if combiner == "sqrtn":
        wsum = m.sqrt(wsum)
    return m.divide_no_nan(total, s.reshape(wsum, [-1] + [1] * tail))


def _values(op: str, sp: Any, what: str) -> Any:
    if not all(hasattr(sp, a) for a in ("indices", "values", "dense_shape")):
        raise InvalidArgumentError(f"{op}: {what} must be a SparseTensor, received "
                                   f"{type(sp).__name__}.")
    return as_tensor(sp.values)


def embedding_lookup_sparse(params: Any, sp_ids: Any, sp_weights: Any, combiner: Any = None,
                            max_norm: Any = None, name: str | None = None,
                            allow_fast_lookup: bool = False) -> Any:
    """Combined embeddings per row of the SparseTensor `sp_ids` (weighted by
    `sp_weights`'s values if given), as `tf.nn.embedding_lookup_sparse`; `combiner` is
    'sum', 'mean' (default) or 'sqrtn'. The result has `max(row) + 1` rows, as TF.

    Example:
        >>> import ember as tf
        >>> from ember.ops.nn_embedding_sparse import embedding_lookup_sparse
        >>> p = tf.reshape(tf.range(6.0), (3, 2))
        >>> ids = tf.sparse.SparseTensor([[0, 0], [1, 0]], tf.constant([2, 1], tf.int64),
        ...                              [2, 1])
        >>> embedding_lookup_sparse(p, ids, None, combiner="sum").numpy()
        array([[4., 5.],
               [2., 3.]], dtype=float32)
    """
    op = "embedding_lookup_sparse"
    ids = _values(op, sp_ids, "sp_ids")
    seg = cast(as_tensor(sp_ids.indices)[:, 0], "int64")
    nrows = r.reduce_max(s.concat([m.add(seg, np.int64(1)), co.zeros([1], "int64")], 0))
    emb = embedding_lookup(params, ids, max_norm=max_norm)
    weights = None if sp_weights is None else _values(op, sp_weights, "sp_weights")
    return _combine(op, emb, seg, weights, nrows, combiner or "mean")


def safe_embedding_lookup_sparse(embedding_weights: Any, sparse_ids: Any,
                                 sparse_weights: Any = None, combiner: str = "mean",
                                 default_id: Any = None, max_norm: Any = None,
                                 name: str | None = None, allow_fast_lookup: bool = False
                                 ) -> Any:
    """Like embedding_lookup_sparse, but drops invalid ids (< 0) and (unless `combiner` is
    'sum', as TF) non-positive weights, and gives every row of `dense_shape[:-1]` a
    result (empty rows: the `default_id` embedding, or zeros), as
    `tf.nn.safe_embedding_lookup_sparse`.

    Example:
        >>> import ember as tf
        >>> from ember.ops.nn_embedding_sparse import safe_embedding_lookup_sparse
        >>> p = tf.reshape(tf.range(6.0), (3, 2))
        >>> ids = tf.sparse.SparseTensor([[0, 0]], tf.constant([2], tf.int64), [2, 1])
        >>> safe_embedding_lookup_sparse(p, ids, default_id=0).numpy()
        array([[4., 5.],
               [0., 1.]], dtype=float32)
    """
    op = "safe_embedding_lookup_sparse"
    vals = cast(_values(op, sparse_ids, "sparse_ids"), "int64")
    ind = cast(as_tensor(sparse_ids.indices), "int64")
    dims = _static_dims(sparse_ids.dense_shape)
    dshape = as_tensor(np.array(dims, np.int64)) if dims is not None else \
        cast(as_tensor(sparse_ids.dense_shape), "int64")
    outer = dshape[:-1]
    # row-major flat index of each entry's outer position
    strides = r.cumprod(outer, exclusive=True, reverse=True)
    flat = r.reduce_sum(m.multiply(ind[:, :-1], s.expand_dims(strides, 0)), 1)
    nrows = r.reduce_prod(outer)
    keep = m.greater_equal(vals, np.int64(0))
    wvals = None
    if sparse_weights is not None:
        wt = _values(op, sparse_weights, "sparse_weights")
        if combiner != "sum":  # as TF: weights <= 0 are pruned except for 'sum'
            keep = m.logical_and(keep, m.greater(wt, co.zeros_like(wt)))
        wvals = boolean_mask(wt, keep)
    seg, ids = boolean_mask(flat, keep), boolean_mask(vals, keep)
    emb = embedding_lookup(embedding_weights, ids, max_norm=max_norm)
    out = _combine(op, emb, seg, wvals, nrows, combiner)
    if default_id is not None:
        count = unsorted_segment_sum(co.ones_like(seg, dtype="int32"), seg, nrows)
        empty = s.reshape(m.equal(count, 0), [-1] + [1] * (out.shape.rank - 1))
        d = embedding_lookup(embedding_weights, as_tensor(np.array([int(default_id)],
                                                                  np.int64)),
                             max_norm=max_norm)
        out = m.where(empty, m.add(co.zeros_like(out), d), out)
    if dims is not None:
        return s.reshape(out, dims[:-1] + list(out.shape[1:]))
    return s.reshape(out, s.concat([outer, s.shape(out, out_type="int64")[1:]], 0))


def _static_dims(shape: Any) -> list | None:
    """The dense shape as ints when known (a tuple inside ember.function, or a concrete
    tensor), else None."""
    if isinstance(shape, (tuple, list)):
        return [int(d) for d in shape]
    try:
        return [int(d) for d in np.asarray(shape.numpy())]
    except Exception:  # symbolic inside ember.function
        return None

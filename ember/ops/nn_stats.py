"""`tf.nn` statistics, losses and embeddings (composites): sufficient_statistics,
normalize_moments, weighted_moments, log_poisson_loss, compute_average_loss,
scale_regularization_loss, zero_fraction, batch_norm_with_global_normalization,
collapse_repeated, approx_max_k / approx_min_k (exact top-k) and embedding_lookup (the
sparse lookups, which also run traced, are in `nn_embedding_sparse`).

NOTE: collapse_repeated has a data-dependent output shape; it reads values eagerly (not
inside `ember.function`).

Example:
    >>> import ember as tf
    >>> tf.nn.zero_fraction(tf.constant([0, 1, 0, 2])).numpy()
    np.float32(0.5)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.errors import InvalidArgumentError, ShapeError
from ..prims.convert import as_tensor, cast
from . import creation_ops as c
from . import gather_ops as g
from . import math_ops as m
from . import reduce_ops as r
from . import shape_ops as s
from .nn_ops import batch_normalization
from .sort_ops import top_k

__all__ = ["approx_max_k", "approx_min_k", "batch_norm_with_global_normalization",
           "collapse_repeated", "compute_average_loss", "embedding_lookup", "isotonic_regression",
           "log_poisson_loss", "normalize_moments", "scale_regularization_loss",
           "sufficient_statistics", "weighted_moments", "zero_fraction"]


def _as(v: Any, dtype: Any) -> Any:
    """`v` as a tensor of `dtype` (tensors cast, other values converted)."""
    t = as_tensor(v)
    return t if t.dtype == dtype else cast(t, dtype)


def _axes(x: Any, axes: Any) -> list:
    rank = x.shape.rank
    out = [int(a) for a in ([axes] if isinstance(axes, (int, np.integer)) else axes)]
    return sorted(a + rank if a < 0 else a for a in out)


def sufficient_statistics(x: Any, axes: Any, shift: Any = None, keepdims: bool = False,
                          name: str | None = None) -> tuple:
    """`(count, sum(x - shift), sum((x - shift)**2), shift)` over `axes`, as
    `tf.nn.sufficient_statistics` (the sums of `x` and `x**2` when shift is None).

    Example:
        >>> import ember as tf
        >>> n, s1, s2, _ = tf.nn.sufficient_statistics(tf.constant([1.0, 2.0, 3.0]), [0])
        >>> float(n), float(s1), float(s2)
        (3.0, 6.0, 14.0)
    """
    x = as_tensor(x)
    ax = _axes(x, axes)
    dims = [x.shape[a] for a in ax]
    if any(d is None for d in dims):
        count = r.reduce_prod(cast(g.gather(s.shape(x), ax), x.dtype))
    else:
        count = as_tensor(np.asarray(math.prod(dims), x.dtype._numpy()))
    if shift is not None:
        shift = _as(shift, x.dtype)
        d = m.subtract(x, shift)
        m_ss = r.reduce_sum(d, ax, keepdims=keepdims)
        v_ss = r.reduce_sum(m.square(d), ax, keepdims=keepdims)
    else:
        m_ss = r.reduce_sum(x, ax, keepdims=keepdims)
        v_ss = r.reduce_sum(m.square(x), ax, keepdims=keepdims)
    return count, m_ss, v_ss, shift


def normalize_moments(counts: Any, mean_ss: Any, variance_ss: Any, shift: Any,
                      name: str | None = None) -> tuple:
    """Mean and variance from sufficient statistics, as `tf.nn.normalize_moments`.

    Example:
        >>> import ember as tf
        >>> mean, var = tf.nn.normalize_moments(3.0, 6.0, 14.0, None)
        >>> float(mean), round(float(var), 4)
        (2.0, 0.6667)
    """
    mean_ss = as_tensor(mean_ss)
    divisor = m.reciprocal(_as(counts, mean_ss.dtype))
    shifted = m.multiply(mean_ss, divisor)
    mean = shifted if shift is None else m.add(shifted, _as(shift, mean_ss.dtype))
    variance = m.subtract(m.multiply(_as(variance_ss, mean_ss.dtype), divisor),
                          m.square(shifted))
    return mean, variance


def weighted_moments(x: Any, axes: Any, frequency_weights: Any, keepdims: bool = False,
                     name: str | None = None) -> tuple:
    """Frequency-weighted mean and variance over `axes`, as `tf.nn.weighted_moments`.

    Example:
        >>> import ember as tf
        >>> mean, var = tf.nn.weighted_moments(tf.constant([1.0, 3.0]), [0],
        ...                                    tf.constant([3.0, 1.0]))
        >>> float(mean), float(var)
        (1.5, 0.75)
    """
    x = as_tensor(x)
    w = _as(frequency_weights, x.dtype)
    ax = _axes(x, axes)
    wsum = r.reduce_sum(m.multiply(w, x), ax, keepdims=True)
    total = r.reduce_sum(m.add(w, c.zeros_like(x)), ax, keepdims=True)
    mean = m.divide_no_nan(wsum, total)
    var = m.divide_no_nan(r.reduce_sum(m.multiply(w, m.squared_difference(x, mean)), ax,
                                       keepdims=True), total)
    if not keepdims:
        mean, var = s.squeeze(mean, ax), s.squeeze(var, ax)
    return mean, var


def log_poisson_loss(targets: Any, log_input: Any, compute_full_loss: bool = False,
                     name: str | None = None) -> Any:
    """`exp(log_input) - log_input * targets` (+ Stirling's term for targets > 1 with
    `compute_full_loss`), as `tf.nn.log_poisson_loss`.

    Example:
        >>> import ember as tf
        >>> tf.nn.log_poisson_loss(tf.constant([1.0]), tf.constant([0.0])).numpy()
        array([1.], dtype=float32)
    """
    li = as_tensor(log_input)
    t = _as(targets, li.dtype)
    if t.shape.rank is not None and li.shape.rank is not None and \
            not t.shape.is_compatible_with(li.shape):
        raise ShapeError(f"log_poisson_loss: log_input and targets must have the same shape, "
                         f"received {li.shape} and {t.shape}.")
    loss = m.subtract(m.exp(li), m.multiply(li, t))
    if compute_full_loss:
        safe = m.maximum(t, _as(1.0, li.dtype))
        stirling = m.add(m.subtract(m.multiply(safe, m.log(safe)), safe),
                         m.multiply(0.5, m.log(m.multiply(2.0 * math.pi, safe))))
        loss = m.add(loss, m.where(m.less_equal(t, 1.0), c.zeros_like(t), stirling))
    return loss


def compute_average_loss(per_example_loss: Any, sample_weight: Any = None,
                         global_batch_size: Any = None) -> Any:
    """`sum(per_example_loss * sample_weight) / global_batch_size` (one replica: the
    global batch is the local batch), as `tf.nn.compute_average_loss`.

    Example:
        >>> import ember as tf
        >>> float(tf.nn.compute_average_loss(tf.constant([1.0, 2.0, 3.0]), 2.0))
        4.0
    """
    loss = as_tensor(per_example_loss)
    if sample_weight is not None:
        loss = m.multiply(loss, _as(sample_weight, loss.dtype))
    if global_batch_size is None:
        n = loss.shape[0] if loss.shape.rank else None
        batch = (as_tensor(np.asarray(n, loss.dtype._numpy())) if n is not None else
                 cast(s.shape(loss)[0], loss.dtype)) if loss.shape.rank else \
            as_tensor(np.asarray(1, loss.dtype._numpy()))
    else:
        batch = as_tensor(global_batch_size)
        if batch.dtype.is_floating:
            raise InvalidArgumentError("compute_average_loss: global_batch_size must be an "
                                       f"integer, received dtype {batch.dtype.name}.")
        batch = cast(batch, loss.dtype)
    return m.divide_no_nan(r.reduce_sum(loss), batch)


def scale_regularization_loss(regularization_loss: Any) -> Any:
    """The sum of the regularization losses divided by the number of replicas (one), as
    `tf.nn.scale_regularization_loss`.

    Example:
        >>> import ember as tf
        >>> float(tf.nn.scale_regularization_loss([tf.constant(1.0), tf.constant(2.0)]))
        3.0
    """
    if isinstance(regularization_loss, (list, tuple)):
        regularization_loss = m.add_n([as_tensor(v) for v in regularization_loss])
    return r.reduce_sum(as_tensor(regularization_loss))


def zero_fraction(value: Any, name: str | None = None) -> Any:
    """The fraction of zeros in `value` (float32), as `tf.nn.zero_fraction`.

    Example:
        >>> import ember as tf
        >>> float(tf.nn.zero_fraction(tf.constant([[0.0, 1.0], [0.0, 0.0]])))
        0.75
    """
    v = as_tensor(value)
    return r.reduce_mean(cast(m.equal(v, c.zeros_like(v)), "float32"))


def batch_norm_with_global_normalization(t: Any = None, m_: Any = None, v: Any = None,
                                         beta: Any = None, gamma: Any = None,
                                         variance_epsilon: Any = None,
                                         scale_after_normalization: Any = None,
                                         name: str | None = None, input: Any = None,
                                         mean: Any = None, variance: Any = None) -> Any:
    """Batch normalization with given moments, as
    `tf.nn.batch_norm_with_global_normalization` (`input, mean, variance, beta, gamma,
    variance_epsilon, scale_after_normalization`).

    Example:
        >>> import ember as tf
        >>> tf.nn.batch_norm_with_global_normalization(tf.constant([2.0]), tf.constant([1.0]),
        ...     tf.constant([4.0]), tf.constant([0.0]), tf.constant([3.0]), 0.0, True).numpy()
        array([1.5], dtype=float32)
    """
    x = input if input is not None else t
    mu = mean if mean is not None else m_
    var = variance if variance is not None else v
    if x is None or mu is None or var is None or beta is None or gamma is None or \
            variance_epsilon is None or scale_after_normalization is None:
        raise InvalidArgumentError("batch_norm_with_global_normalization: input, mean, "
                                   "variance, beta, gamma, variance_epsilon and "
                                   "scale_after_normalization are all required.")
    return batch_normalization(x, mu, var, beta, gamma if scale_after_normalization else None,
                               variance_epsilon)


def collapse_repeated(labels: Any, seq_length: Any, name: str | None = None) -> tuple:
    """Merges repeated labels of each row (within `seq_length`), left-aligned and
    zero-padded, as `tf.nn.collapse_repeated`. Returns `(collapsed, new_seq_length)`.

    Example:
        >>> import ember as tf
        >>> out, n = tf.nn.collapse_repeated(tf.constant([[1, 1, 2, 2, 3]]), tf.constant([5]))
        >>> out.numpy(), n.numpy()
        (array([[1, 2, 3]], dtype=int32), array([3], dtype=int32))
    """
    lab = as_tensor(labels)
    lengths = as_tensor(seq_length)
    a, n = lab.numpy(), lengths.numpy()
    if a.ndim != 2 or n.shape != (a.shape[0],):
        raise ShapeError(f"collapse_repeated: labels must be [batch, max_len] and seq_length "
                         f"[batch], received {a.shape} and {n.shape}.")
    keep = np.ones(a.shape, bool)
    keep[:, 1:] = a[:, 1:] != a[:, :-1]
    keep &= np.arange(a.shape[1])[None, :] < n[:, None]
    new_len = keep.sum(1)
    width = int(new_len.max()) if a.shape[0] else 0
    out = np.zeros((a.shape[0], width), a.dtype)
    for i in range(a.shape[0]):
        row = a[i][keep[i]]
        out[i, :len(row)] = row
    return as_tensor(out), as_tensor(new_len.astype(n.dtype))


def _approx_k(op: str, operand: Any, k: int, dim: int, sign: float) -> tuple:
    x = as_tensor(operand)
    rank = x.shape.rank
    d = dim + rank if dim < 0 else dim
    if not 0 <= d < rank:
        raise InvalidArgumentError(f"{op}: reduction_dimension {dim} is out of range for "
                                   f"rank {rank}.")
    perm = list(range(rank))
    perm[d], perm[-1] = perm[-1], perm[d]
    xt = s.transpose(x, perm) if d != rank - 1 else x
    vals, idx = top_k(xt if sign > 0 else m.negative(xt), k)
    if sign < 0:
        vals = m.negative(vals)
    if d != rank - 1:
        vals, idx = s.transpose(vals, perm), s.transpose(idx, perm)
    return vals, idx


def approx_max_k(operand: Any, k: int, reduction_dimension: int = -1,
                 recall_target: float = 0.95, reduction_input_size_override: int = -1,
                 aggregate_to_topk: bool = True, name: str | None = None) -> tuple:
    """The top `k` values and their indices along `reduction_dimension` (computed exactly),
    as `tf.nn.approx_max_k`.

    Example:
        >>> import ember as tf
        >>> v, i = tf.nn.approx_max_k(tf.constant([[1.0, 5.0, 3.0]]), 2)
        >>> v.numpy(), i.numpy()
        (array([[5., 3.]], dtype=float32), array([[1, 2]], dtype=int32))
    """
    return _approx_k("approx_max_k", operand, k, reduction_dimension, 1.0)


def approx_min_k(operand: Any, k: int, reduction_dimension: int = -1,
                 recall_target: float = 0.95, reduction_input_size_override: int = -1,
                 aggregate_to_topk: bool = True, name: str | None = None) -> tuple:
    """The `k` smallest values and their indices (computed exactly), as
    `tf.nn.approx_min_k`.

    Example:
        >>> import ember as tf
        >>> v, i = tf.nn.approx_min_k(tf.constant([[1.0, 5.0, 3.0]]), 2)
        >>> v.numpy(), i.numpy()
        (array([[1., 3.]], dtype=float32), array([[0, 2]], dtype=int32))
    """
    return _approx_k("approx_min_k", operand, k, reduction_dimension, -1.0)


# -- embeddings -------------------------------------------------------------------------

def _clip_rows(emb: Any, max_norm: Any) -> Any:
    if max_norm is None:
        return emb
    rank = emb.shape.rank
    axes = list(range(1, rank)) if rank and rank > 1 else None
    norm = m.sqrt(r.reduce_sum(m.square(emb), axes, keepdims=True)) if axes else m.abs(emb)
    mx = _as(max_norm, emb.dtype)
    scale = m.where(m.greater(norm, mx), m.divide(mx, m.maximum(norm, 1e-30)),
                    c.ones_like(norm))
    return m.multiply(emb, scale)


def embedding_lookup(params: Any, ids: Any, max_norm: Any = None, name: str | None = None,
                     partition_strategy: str = "div") -> Any:
    """Rows `params[ids]`, as `tf.nn.embedding_lookup`; `params` may be a list of shards
    split by `partition_strategy` ('div': contiguous blocks, TF 2's; 'mod': id % shards),
    and rows with an L2 norm above `max_norm` are scaled down to it.

    Example:
        >>> import ember as tf
        >>> shards = [tf.constant([[0.0], [2.0]]), tf.constant([[1.0], [3.0]])]
        >>> tf.nn.embedding_lookup(shards, [3, 1], partition_strategy="mod").numpy().ravel()
        array([3., 1.], dtype=float32)
    """
    ids_t = as_tensor(ids)
    if isinstance(params, (list, tuple)):
        shards = [as_tensor(p) for p in params]
        if not shards:
            raise InvalidArgumentError("embedding_lookup: params must not be an empty list.")
        if len(shards) == 1:
            table = shards[0]
        elif partition_strategy == "div":
            table = s.concat(shards, 0)
        elif partition_strategy == "mod":
            sizes = [p.shape[0] for p in shards]
            if any(z is None for z in sizes):
                raise ShapeError("embedding_lookup: shard sizes must be known.")
            offsets = np.cumsum([0] + sizes[:-1])
            nshard = len(shards)
            total = sum(sizes)
            order = np.array([offsets[i % nshard] + i // nshard for i in range(total)],
                             np.int64)
            table = g.gather(s.concat(shards, 0), as_tensor(order))
        else:
            raise InvalidArgumentError(f"embedding_lookup: partition_strategy must be 'div' "
                                       f"or 'mod', received {partition_strategy!r}.")
    else:
        table = as_tensor(params)
    return _clip_rows(g.gather(table, ids_t), max_norm) if max_norm is not None else \
        g.gather(table, ids_t)


def _pava(row: np.ndarray) -> np.ndarray:
    """Segment ids of the non-increasing least-squares fit of `row` (pool adjacent
    violators: a block merges with the one before while its mean is larger)."""
    sums, counts = [], []
    for v in row.tolist():
        sums.append(v)
        counts.append(1)
        while len(sums) > 1 and sums[-1] / counts[-1] > sums[-2] / counts[-2]:
            top_sum, top_count = sums.pop(), counts.pop()
            sums[-1] += top_sum
            counts[-1] += top_count
    return np.repeat(np.arange(len(counts), dtype=np.int32), counts)


def isotonic_regression(inputs: Any, decreasing: bool = True, axis: int = -1,
                        name: str | None = None) -> tuple:
    """The least-squares monotone (non-increasing, or non-decreasing with
    `decreasing=False`) fit along `axis`, as `tf.nn.isotonic_regression`. Returns
    `(output, segments)`: each element's block index. The output (block means of the
    inputs) is differentiable; the blocks are found eagerly.

    Example:
        >>> import ember as tf
        >>> out, seg = tf.nn.isotonic_regression(tf.constant([[1.0, 3.0, 2.0, 0.0]]))
        >>> out.numpy(), seg.numpy()
        (array([[2., 2., 2., 0.]], dtype=float32), array([[0, 0, 1, 2]], dtype=int32))
    """
    x = as_tensor(inputs)
    rank = x.shape.rank
    ax = axis + rank if axis < 0 else axis
    if not 0 <= ax < rank:
        raise InvalidArgumentError(f"isotonic_regression: axis {axis} is out of range for "
                                   f"rank {rank}.")
    perm = [i for i in range(rank) if i != ax] + [ax]
    inv = list(np.argsort(perm))
    xt = s.transpose(x, perm)
    shape = list(xt.shape)
    n = shape[-1]
    flat = s.reshape(xt, [-1, n])
    vals = np.asarray(flat.numpy(), np.float64)
    if not decreasing:
        vals = -vals
    seg = np.stack([_pava(row) for row in vals]) if vals.size else \
        np.zeros(vals.shape, np.int32)
    gid = (seg + np.arange(vals.shape[0])[:, None] * max(n, 1)).ravel().astype(np.int64)
    counts = np.bincount(gid, minlength=vals.size).astype(x.dtype._numpy())
    sums = g.tensor_scatter_nd_add(c.zeros([vals.size], x.dtype), as_tensor(gid[:, None]),
                                   s.reshape(flat, [-1]))
    means = m.divide_no_nan(sums, as_tensor(counts))
    out = s.reshape(g.gather(means, as_tensor(gid)), shape)
    segs = as_tensor(seg.reshape(shape).astype(np.int32))
    return s.transpose(out, inv), s.transpose(segs, inv)

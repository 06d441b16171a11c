"""Candidate samplers and sampled losses: `tf.random.*_candidate_sampler` (uniform,
log-uniform, fixed unigram, learned unigram, all), `compute_accidental_hits`, `nce_loss`
and `sampled_softmax_loss`.

The samplers draw on the host with NumPy, keyed by ember's random state (so
`tf.random.set_seed` and op seeds make them reproducible); inside `ember.function` the
draw is a `numpy_function` node fed with the call's random key, so each call of the
graph draws anew and a traced call gives what the same eager call gives. Each returns
`(sampled_candidates [num_sampled] int64, true_expected_count [batch, num_true] float32,
sampled_expected_count [num_sampled] float32)`; with `unique=True` the expected count of
a class of probability p after n draws is `1 - (1 - p)**n`, else `p * num_sampled`.

`compute_accidental_hits` and the sampled losses are graph ops (gathers, a dense hit mask,
matmul), differentiable with respect to weights, biases and inputs.

NOTE: learned_unigram_candidate_sampler keeps no state between calls: it samples from
counts of 1 per class plus the classes of this call's `true_classes`.

Example:
    >>> import ember as tf
    >>> s, t, e = tf.nn.all_candidate_sampler(tf.constant([[1]], tf.int64), 1, 3, True)
    >>> s.numpy(), t.numpy(), e.numpy()
    (array([0, 1, 2]), array([[1.]], dtype=float32), array([1., 1., 1.], dtype=float32))
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..core.errors import InvalidArgumentError, ShapeError
from ..core.shape import TensorSpec
from ..core.tensor import TensorOps
from ..prims.convert import as_tensor, cast, convert_to_tensor, stop_gradient
from . import creation_ops as co
from . import math_ops as m
from . import reduce_ops as r
from . import shape_ops as s
from .linalg_ops import matmul
from .nn_ops import sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits
from .nn_stats import embedding_lookup
from .py_ops import numpy_function
from .random_ops import _next_key

__all__ = ["all_candidate_sampler", "compute_accidental_hits",
           "fixed_unigram_candidate_sampler", "learned_unigram_candidate_sampler",
           "log_uniform_candidate_sampler", "nce_loss", "sampled_softmax_loss",
           "uniform_candidate_sampler"]

_Sampled = namedtuple("CandidateSampler", ["sampled_candidates", "true_expected_count",
                                           "sampled_expected_count"])


def _true(op: str, true_classes: Any, num_true: int) -> Any:
    """The true classes as a tensor (symbolic inside ember.function), shape-checked."""
    t = as_tensor(true_classes) if isinstance(true_classes, TensorOps) else \
        convert_to_tensor(true_classes, dtype="int64")
    if t.shape.rank != 2 or t.shape[1] not in (None, num_true):
        raise ShapeError(f"{op}: true_classes must be [batch_size, num_true = {num_true}], "
                         f"received shape {t.shape}.")
    if t.dtype.name != "int64":
        raise InvalidArgumentError(f"{op}: true_classes must be int64 (as TF), received "
                                   f"{t.dtype.name}.")
    return t


def _host_sample(op: str, key: np.ndarray, probs: np.ndarray, true: np.ndarray,
                 num_sampled: int, unique: bool) -> tuple:
    """The draw itself, on NumPy arrays: (sampled, true_expected, sampled_expected)."""
    n = len(probs)
    if true.size and (true.min() < 0 or true.max() >= n):
        raise InvalidArgumentError(f"{op}: true_classes must be in [0, {n}), received "
                                   f"{true.tolist()}.")
    rng = np.random.default_rng([int(k) for k in key.astype(np.uint64)])
    p = probs / probs.sum()
    if unique:
        picked: list = []
        seen: set = set()
        tries = 0
        while len(picked) < num_sampled:
            batch = rng.choice(n, size=max(2 * (num_sampled - len(picked)), 8), p=p)
            for k in batch.tolist():
                tries += 1
                if k not in seen:
                    seen.add(k)
                    picked.append(k)
                    if len(picked) == num_sampled:
                        break
        sampled = np.array(picked, np.int64)

        def expected(q):
            return -np.expm1(tries * np.log1p(-np.minimum(q, 1 - 1e-12)))
    else:
        sampled = rng.choice(n, size=num_sampled, p=p).astype(np.int64)

        def expected(q):
            return q * num_sampled
    return (sampled, expected(p[true]).astype(np.float32),
            expected(p[sampled]).astype(np.float32))


def _sample(op: str, probs: Any, true: Any, num_sampled: int, unique: bool,
            seed: Any) -> _Sampled:
    """Draws on the host from `probs` (an array, or a function of the true classes'
    values giving one): eagerly at once, inside ember.function as a numpy_function node
    fed by the random key of the call (so each call of the graph draws anew)."""
    num_sampled = int(num_sampled)
    n = len(probs) if not callable(probs) else None
    if num_sampled < 0 or (unique and n is not None and num_sampled > n):
        raise InvalidArgumentError(f"{op}: num_sampled ({num_sampled}) must be in [0, "
                                   f"range_max = {n}] with unique=True.")
    key = _next_key(op, seed)

    def draw(k: np.ndarray, t: np.ndarray) -> tuple:
        return _host_sample(op, k, probs(t) if callable(probs) else probs, t, num_sampled,
                            unique)

    specs = [TensorSpec([num_sampled], "int64"), TensorSpec(true.shape, "float32"),
             TensorSpec([num_sampled], "float32")]
    return _Sampled(*numpy_function(draw, [key, true], specs))


def uniform_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int,
                              unique: bool, range_max: int, seed: Any = None,
                              name: str | None = None) -> _Sampled:
    """Samples classes uniformly from [0, range_max), as
    `tf.random.uniform_candidate_sampler`.

    Example:
        >>> import ember as tf
        >>> from ember.ops.nn_sampled import uniform_candidate_sampler
        >>> s, t, e = uniform_candidate_sampler(tf.constant([[0]], tf.int64), 1, 2, False, 4,
        ...                                     seed=1)
        >>> s.shape, t.numpy()
        (TensorShape([2]), array([[0.5]], dtype=float32))
    """
    op = "uniform_candidate_sampler"
    return _sample(op, np.full(int(range_max), 1.0), _true(op, true_classes, num_true),
                   num_sampled, unique, seed)


def log_uniform_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int,
                                  unique: bool, range_max: int, seed: Any = None,
                                  name: str | None = None) -> _Sampled:
    """Samples from the Zipfian `P(k) = log((k + 2) / (k + 1)) / log(range_max + 1)`, as
    `tf.random.log_uniform_candidate_sampler`.

    Example:
        >>> import ember as tf
        >>> from ember.ops.nn_sampled import log_uniform_candidate_sampler
        >>> s, t, e = log_uniform_candidate_sampler(tf.constant([[0]], tf.int64), 1, 1, False,
        ...                                         3, seed=1)
        >>> round(float(t[0, 0]), 4)
        0.5
    """
    op = "log_uniform_candidate_sampler"
    k = np.arange(int(range_max), dtype=np.float64)
    probs = np.log((k + 2) / (k + 1)) / np.log(range_max + 1)
    return _sample(op, probs, _true(op, true_classes, num_true), num_sampled, unique, seed)


def fixed_unigram_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int,
                                    unique: bool, range_max: int, vocab_file: str = "",
                                    distortion: float = 1.0, num_reserved_ids: int = 0,
                                    num_shards: int = 1, shard: int = 0, unigrams: Any = (),
                                    seed: Any = None, name: str | None = None) -> _Sampled:
    """Samples from given unigram counts raised to `distortion` (from `unigrams` or the
    last column of a CSV `vocab_file`; `num_reserved_ids` classes of count 0 first), as
    `tf.random.fixed_unigram_candidate_sampler`.

    Example:
        >>> import ember as tf
        >>> s, t, e = tf.nn.fixed_unigram_candidate_sampler(
        ...     tf.constant([[1]], tf.int64), 1, 3, False, 2, unigrams=[0.0, 1.0], seed=1)
        >>> s.numpy(), t.numpy()
        (array([1, 1, 1]), array([[3.]], dtype=float32))
    """
    op = "fixed_unigram_candidate_sampler"
    if vocab_file:
        with open(vocab_file) as f:
            counts = [float(line.strip().split(",")[-1]) for line in f if line.strip()]
    else:
        counts = [float(v) for v in unigrams]
    counts = [0.0] * int(num_reserved_ids) + counts
    if len(counts) != int(range_max):
        raise InvalidArgumentError(f"{op}: the unigrams (with num_reserved_ids) must have "
                                   f"range_max = {range_max} entries, received {len(counts)}.")
    probs = np.asarray(counts, np.float64) ** float(distortion)
    if num_shards > 1:
        probs = np.where(np.arange(len(probs)) % num_shards == shard, probs, 0.0)
    if probs.sum() <= 0:
        raise InvalidArgumentError(f"{op}: the unigram counts must not all be zero.")
    return _sample(op, probs, _true(op, true_classes, num_true), num_sampled, unique, seed)


def learned_unigram_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int,
                                      unique: bool, range_max: int, seed: Any = None,
                                      name: str | None = None) -> _Sampled:
    """Samples from counts of the classes seen in `true_classes` (plus one per class; see
    the module NOTE), as `tf.random.learned_unigram_candidate_sampler`.

    Example:
        >>> import ember as tf
        >>> s, t, e = tf.nn.learned_unigram_candidate_sampler(
        ...     tf.constant([[1]], tf.int64), 1, 2, True, 3, seed=1)
        >>> s.shape
        TensorShape([2])
    """
    op = "learned_unigram_candidate_sampler"
    n = int(range_max)
    if unique and int(num_sampled) > n:
        raise InvalidArgumentError(f"{op}: num_sampled ({num_sampled}) must be in [0, "
                                   f"range_max = {n}] with unique=True.")

    def counts(true: np.ndarray) -> np.ndarray:
        out = np.ones(n)
        if true.size and 0 <= true.min() and true.max() < n:
            np.add.at(out, true.ravel(), 1.0)
        return out
    return _sample(op, counts, _true(op, true_classes, num_true), num_sampled, unique, seed)


def all_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int, unique: bool,
                          seed: Any = None, name: str | None = None) -> _Sampled:
    """Every class in [0, num_sampled) with expected counts 1, as
    `tf.random.all_candidate_sampler`.

    Example:
        >>> import ember as tf
        >>> tf.nn.all_candidate_sampler(tf.constant([[0]], tf.int64), 1, 2,
        ...                             True).sampled_candidates.numpy()
        array([0, 1])
    """
    true = _true("all_candidate_sampler", true_classes, num_true)
    return _Sampled(as_tensor(np.arange(int(num_sampled), dtype=np.int64)),
                    co.ones_like(true, dtype="float32"),
                    as_tensor(np.ones(int(num_sampled), np.float32)))


def compute_accidental_hits(true_classes: Any, sampled_candidates: Any, num_true: int,
                            seed: Any = None, name: str | None = None) -> tuple:
    """Where a sampled candidate equals one of a row's true classes:
    `(indices (rows) int32, ids (sampled positions) int64, weights (-FLT_MAX) float32)`,
    as `tf.nn.compute_accidental_hits`.

    Example:
        >>> import ember as tf
        >>> i, d, w = tf.nn.compute_accidental_hits(tf.constant([[1], [2]], tf.int64),
        ...                                         tf.constant([2, 0], tf.int64), 1)
        >>> i.numpy(), d.numpy()
        (array([1], dtype=int32), array([0]))
    """
    true = _true("compute_accidental_hits", true_classes, num_true)
    samp = s.reshape(cast(as_tensor(sampled_candidates), "int64"), [-1])
    at = m.where(_hits(true, samp))                                # [N, 2]: (row, position)
    big = np.float32(np.finfo(np.float32).max)
    return (cast(at[:, 0], "int32"), at[:, 1],
            m.multiply(co.ones_like(at[:, 0], dtype="float32"), -big))


def _hits(true: Any, sampled: Any) -> Any:
    """[batch, num_sampled] bool: whether a sampled class is one of the row's true ones."""
    same = m.equal(s.expand_dims(true, 2), s.reshape(sampled, [1, 1, -1]))
    return r.reduce_any(same, 1)


def _sampled_logits(op: str, weights: Any, biases: Any, labels: Any, inputs: Any,
                    num_sampled: int, num_classes: int, num_true: int, sampled_values: Any,
                    subtract_log_q: bool, remove_accidental_hits: bool, seed: Any) -> tuple:
    lab = as_tensor(labels)
    if lab.dtype.name != "int64":
        lab = cast(lab, "int64")
    x = as_tensor(inputs)
    if sampled_values is None:
        sampled_values = log_uniform_candidate_sampler(lab, num_true, num_sampled, True,
                                                       num_classes, seed=seed)
    sampled, true_exp, samp_exp = (stop_gradient(as_tensor(v)) for v in sampled_values)
    sampled = cast(sampled, "int64")
    flat = s.reshape(lab, [-1])
    true_w = embedding_lookup(weights, flat)
    samp_w = embedding_lookup(weights, sampled)
    true_b = embedding_lookup(biases, flat)
    samp_b = embedding_lookup(biases, sampled)
    dim = x.shape[1]
    if x.shape.rank != 2 or dim is None:
        raise ShapeError(f"{op}: inputs must be [batch_size, dim] with a known dim, received "
                         f"shape {x.shape}.")
    tw = s.reshape(true_w, [-1, num_true, dim])
    true_logits = m.add(r.reduce_sum(m.multiply(s.expand_dims(x, 1), tw), -1),
                        s.reshape(true_b, [-1, num_true]))
    samp_logits = m.add(matmul(x, samp_w, transpose_b=True), samp_b)
    if remove_accidental_hits:
        # NOTE: TF scatters -FLT_MAX at compute_accidental_hits' positions; the same
        # mask, built densely, so it is plain graph ops.
        big = float(np.finfo(np.float32).max)  # TF adds -FLT_MAX in every float dtype
        hit = _hits(s.reshape(lab, [-1, num_true]), sampled)
        penalty = m.where(hit, m.multiply(co.ones_like(samp_logits), -big),
                          co.zeros_like(samp_logits))
        samp_logits = m.add(samp_logits, penalty)
    if subtract_log_q:
        true_logits = m.subtract(true_logits, m.log(cast(true_exp, true_logits.dtype)))
        samp_logits = m.subtract(samp_logits, m.log(cast(samp_exp, samp_logits.dtype)))
    logits = s.concat([true_logits, samp_logits], 1)
    out_labels = s.concat([m.divide(co.ones_like(true_logits), float(num_true)),
                           co.zeros_like(samp_logits)], 1)
    return logits, out_labels


def nce_loss(weights: Any, biases: Any, labels: Any, inputs: Any, num_sampled: int,
             num_classes: int, num_true: int = 1, sampled_values: Any = None,
             remove_accidental_hits: bool = False, name: str = "nce_loss") -> Any:
    """Noise-contrastive estimation loss per example, as `tf.nn.nce_loss`: logistic
    losses of the true classes against `num_sampled` log-uniform negatives (logits
    corrected by `log(expected count)`). Weights may be a list of 'div' shards.

    Example:
        >>> import ember as tf
        >>> w, b = tf.ones((4, 2)), tf.zeros((4,))
        >>> sv = tf.nn.all_candidate_sampler(tf.constant([[0]], tf.int64), 1, 2, True)
        >>> tf.nn.nce_loss(w, b, tf.constant([[0]]), tf.zeros((1, 2)), 2, 4,
        ...                sampled_values=sv).numpy().round(4)
        array([2.0794], dtype=float32)
    """
    logits, lab = _sampled_logits("nce_loss", weights, biases, labels, inputs, num_sampled,
                                  num_classes, num_true, sampled_values, True,
                                  remove_accidental_hits, None)
    return r.reduce_sum(sigmoid_cross_entropy_with_logits(labels=lab, logits=logits), 1)


def sampled_softmax_loss(weights: Any, biases: Any, labels: Any, inputs: Any,
                         num_sampled: int, num_classes: int, num_true: int = 1,
                         sampled_values: Any = None, remove_accidental_hits: bool = True,
                         seed: Any = None, name: str = "sampled_softmax_loss") -> Any:
    """Softmax cross-entropy over the true classes and `num_sampled` sampled ones per
    example, as `tf.nn.sampled_softmax_loss`.

    Example:
        >>> import ember as tf
        >>> w, b = tf.ones((4, 2)), tf.zeros((4,))
        >>> sv = tf.nn.all_candidate_sampler(tf.constant([[0]], tf.int64), 1, 4, True)
        >>> tf.nn.sampled_softmax_loss(w, b, tf.constant([[0]]), tf.zeros((1, 2)), 4, 4,
        ...                            sampled_values=sv).numpy().round(4)
        array([1.3863], dtype=float32)
    """
    logits, lab = _sampled_logits("sampled_softmax_loss", weights, biases, labels, inputs,
                                  num_sampled, num_classes, num_true, sampled_values, True,
                                  remove_accidental_hits, seed)
    return softmax_cross_entropy_with_logits(labels=stop_gradient(lab), logits=logits)

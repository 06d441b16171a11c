"""The composites that used to read tensor values (CTC decoders, candidate samplers,
sampled losses, sparse embedding lookups) inside ember.function: traced == eager, TF 2.21
values pinned, gradients against central finite differences in float64."""

import numpy as np
import pytest

import ember as tf
from ember.ops import nn_sampled as ns
from ember.ops.nn_ctc import ctc_beam, ctc_greedy
from ember.ops.nn_embedding_sparse import (embedding_lookup_sparse,
                                           safe_embedding_lookup_sparse)


def _np(parts):
    return [np.asarray(tf.convert_to_tensor(p).numpy()).tolist() for p in parts]


def _fd_check(f, args, rng, which):
    """d f / d args[which] (a tape) against central differences in a random direction."""
    ts = [tf.constant(a) for a in args]
    with tf.GradientTape() as tape:
        tape.watch(ts[which])
        loss = f(*ts)
    g = tf.convert_to_tensor(tape.gradient(loss, ts[which])).numpy()
    u = rng.standard_normal(args[which].shape)
    eps = 1e-6

    def at(sign):
        moved = list(args)
        moved[which] = args[which] + sign * eps * u
        return float(f(*[tf.constant(a) for a in moved]))
    np.testing.assert_allclose(np.sum(g * u), (at(1) - at(-1)) / (2 * eps), rtol=1e-6,
                               atol=1e-8)


# -- CTC decoders ---------------------------------------------------------------------------

XS = np.random.default_rng(0).standard_normal((6, 3, 4)).astype(np.float32)


def test_ctc_greedy_traced_equals_eager_and_tf():
    [(ind, vals, shape)], neg = ctc_greedy(XS, [6, 3, 0])
    # TF 2.21's tf.nn.ctc_greedy_decoder on the same input
    assert ind.numpy().tolist() == [[0, 0], [0, 1], [0, 2], [0, 3], [0, 4], [1, 0], [1, 1]]
    assert vals.numpy().tolist() == [2, 1, 0, 0, 2, 2, 1]
    assert shape.numpy().tolist() == [3, 5]
    np.testing.assert_allclose(neg.numpy().ravel(), [-6.359535, -2.5667083, 0.0], rtol=1e-6)
    f = tf.function(lambda x, n: ctc_greedy(x, n),
                    input_signature=[tf.TensorSpec([None, None, 4], tf.float32),
                                     tf.TensorSpec([None], tf.int32)])
    [parts], neg_t = f(XS, np.array([6, 3, 0], np.int32))
    assert _np(parts) == _np((ind, vals, shape))
    np.testing.assert_array_equal(neg_t.numpy(), neg.numpy())


def test_ctc_greedy_merge_and_blank_index():
    x = np.array([[[0.0, 5.0, 0.0]], [[0.0, 5.0, 0.0]], [[0.0, 0.0, 5.0]], [[4.0, 1, 0]]],
                 np.float32)
    [(ind, vals, shape)], neg = ctc_greedy(x, [4])
    assert vals.numpy().tolist() == [1, 0] and shape.numpy().tolist() == [1, 2]
    assert neg.numpy().tolist() == [[-19.0]]  # TF 2.21
    [(_, vals, _)], _ = ctc_greedy(x, [4], merge_repeated=False)
    assert vals.numpy().tolist() == [1, 1, 0]
    [(_, vals, _)], _ = tf.function(lambda v: ctc_greedy(v, [4], blank_index=0))(x)
    assert vals.numpy().tolist() == [1, 2]


def test_ctc_beam_traced_equals_eager_and_tf():
    paths, lp = ctc_beam(XS, [6, 3, 2], 5, 2)
    # TF 2.21's tf.nn.ctc_beam_search_decoder(x, [6, 3, 2], 5, 2)
    assert _np(paths[0]) == [[[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [2, 0]],
                             [2, 1, 0, 2, 2, 1, 1], [3, 4]]
    assert _np(paths[1]) == [[[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [2, 0], [2, 1]],
                             [1, 0, 0, 2, 2, 2, 1], [3, 4]]
    np.testing.assert_allclose(lp.numpy(), [[-3.2815228, -3.4868567], [-1.551333, -1.8609233],
                                            [-1.0424111, -2.02095]], rtol=1e-5)
    f = tf.function(lambda x, n: ctc_beam(x, n, 5, 2),
                    input_signature=[tf.TensorSpec([None, 3, 4], tf.float32),
                                     tf.TensorSpec([3], tf.int64)])
    paths_t, lp_t = f(XS, np.array([6, 3, 2]))
    assert [_np(p) for p in paths_t] == [_np(p) for p in paths]
    np.testing.assert_array_equal(lp_t.numpy(), lp.numpy())
    assert lp_t.shape == (3, 2)


def test_tf_nn_decoders_still_work_eagerly():
    (d,), neg = tf.nn.ctc_greedy_decoder(XS, [6, 3, 0])
    assert d.values.numpy().tolist() == [2, 1, 0, 0, 2, 2, 1]
    (d,), lp = tf.nn.ctc_beam_search_decoder(XS, [6, 3, 2], beam_width=5)
    assert d.dense_shape.numpy().tolist() == [3, 4]


# -- candidate samplers ---------------------------------------------------------------------

LAB = np.array([[1, 3], [0, 5]], np.int64)
SAMPLERS = [
    (ns.uniform_candidate_sampler, dict(range_max=8)),
    (ns.log_uniform_candidate_sampler, dict(range_max=8)),
    (ns.learned_unigram_candidate_sampler, dict(range_max=8)),
    (ns.fixed_unigram_candidate_sampler, dict(range_max=6, unigrams=[1, 2, 3, 4, 5, 6])),
]


@pytest.mark.parametrize("fn,kw", SAMPLERS, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("unique", [True, False])
def test_samplers_traced_equal_eager(fn, kw, unique):
    # NOTE: the first call of a traced function draws what the first eager call draws;
    # later graph calls continue ember's graph key sequence (as for tf.random.* ops).
    tf.random.set_seed(2)
    eager = fn(LAB, 2, 4, unique, seed=4, **kw)
    tf.random.set_seed(2)
    f = tf.function(lambda t: fn(t, 2, 4, unique, seed=4, **kw),
                    input_signature=[tf.TensorSpec([None, 2], tf.int64)])
    traced = [f(LAB) for _ in range(2)]
    tf.random.set_seed(2)
    again = [f(LAB) for _ in range(2)]
    tf.random.set_seed(None)
    assert _np(eager) == _np(traced[0])
    assert [_np(t) for t in traced] == [_np(t) for t in again]  # set_seed replays
    for s, te, se in traced:
        assert s.shape == (4,) and te.shape == (2, 2) and se.shape == (4,)
        assert s.dtype == tf.int64 and te.dtype == tf.float32
        v = s.numpy()
        assert v.min() >= 0 and v.max() < kw["range_max"]
        if unique:
            assert len(set(v.tolist())) == 4


def test_traced_sampler_draws_anew_each_call():
    f = tf.function(lambda t: ns.uniform_candidate_sampler(t, 2, 5, False, 1000)[0])
    draws = {tuple(f(LAB).numpy().tolist()) for _ in range(4)}
    assert len(draws) > 1


def test_uniform_expected_counts():
    s, te, se = tf.function(lambda t: ns.uniform_candidate_sampler(t, 2, 3, False, 8,
                                                                   seed=1))(LAB)
    np.testing.assert_allclose(te.numpy(), np.full((2, 2), 3 / 8))
    np.testing.assert_allclose(se.numpy(), np.full(3, 3 / 8))
    s, te, se = ns.uniform_candidate_sampler(LAB, 2, 3, True, 8, seed=1)
    assert len(set(s.numpy().tolist())) == 3
    assert np.all((te.numpy() > 1 - (7 / 8) ** 3 - 1e-6) & (te.numpy() < 1))  # 1-(1-p)^tries


def test_all_candidate_sampler_and_accidental_hits_traced():
    f = tf.function(lambda t: ns.all_candidate_sampler(t, 2, 3, True),
                    input_signature=[tf.TensorSpec([None, 2], tf.int64)])
    s, te, se = f(LAB)
    assert s.numpy().tolist() == [0, 1, 2] and te.numpy().tolist() == [[1, 1], [1, 1]]
    samp = np.array([5, 1, 1], np.int64)
    eager = ns.compute_accidental_hits(LAB, samp, 2)
    traced = tf.function(lambda t, c: ns.compute_accidental_hits(t, c, 2))(LAB, samp)
    assert _np(eager) == _np(traced)
    assert eager[0].numpy().tolist() == [0, 0, 1] and eager[1].numpy().tolist() == [1, 2, 0]
    assert eager[0].dtype == tf.int32 and eager[2].dtype == tf.float32
    assert np.all(eager[2].numpy() == -np.finfo(np.float32).max)


# -- sampled losses -------------------------------------------------------------------------

R = np.random.default_rng(5)
W, B, X = R.standard_normal((10, 4)), R.standard_normal(10), R.standard_normal((3, 4))
LABELS = np.array([[1], [4], [7]], np.int64)


@pytest.mark.parametrize("loss", [ns.nce_loss, ns.sampled_softmax_loss])
def test_sampled_losses_traced_equal_eager_with_gradients(loss):
    w, b, x = tf.Variable(W), tf.Variable(B), tf.Variable(X)

    def run():
        with tf.GradientTape() as tape:
            out = loss(w, b, LABELS, x, 4, 10, remove_accidental_hits=True)
            total = tf.reduce_sum(out)
        return [out] + [tf.convert_to_tensor(g) for g in tape.gradient(total, [w, b, x])]

    tf.random.set_seed(1)
    eager = run()
    tf.random.set_seed(1)
    traced = tf.function(run)()
    tf.random.set_seed(None)
    for e, t in zip(eager, traced):
        np.testing.assert_allclose(t.numpy(), e.numpy(), rtol=1e-12)
    assert eager[1].shape == (10, 4) and eager[3].shape == (3, 4)


@pytest.mark.parametrize("loss", [ns.nce_loss, ns.sampled_softmax_loss])
@pytest.mark.parametrize("which", [0, 1, 2])
def test_sampled_losses_gradients_match_finite_differences(loss, which):
    rng = np.random.default_rng(7)
    # sampled class 4 is a true class of row 1: an accidental hit to remove
    sv = (tf.constant([4, 2, 9], tf.int64), tf.constant([[0.3], [0.5], [0.2]]),
          tf.constant([0.5, 0.4, 0.1]))
    u = rng.standard_normal(3)

    def f(w, b, x):
        return tf.reduce_sum(loss(w, b, LABELS, x, 3, 10, sampled_values=sv,
                                  remove_accidental_hits=True) * u)
    _fd_check(f, [W, B, X], rng, which)


def test_nce_loss_value_with_accidental_hit_removed():
    sv = (tf.constant([4, 2], tf.int64), tf.constant([[0.5], [0.5], [0.5]], tf.float64),
          tf.constant([0.5, 0.25], tf.float64))
    out = ns.nce_loss(W, B, LABELS, X, 2, 10, sampled_values=sv,
                      remove_accidental_hits=True).numpy()
    big = np.finfo(np.float32).max
    true = np.sum(X * W[LABELS[:, 0]], 1) + B[LABELS[:, 0]] - np.log(0.5)
    samp = X @ W[[4, 2]].T + B[[4, 2]] - np.log([0.5, 0.25])
    samp[1, 0] -= big

    def sce(z, y):
        return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    np.testing.assert_allclose(out, sce(true, 1) + sce(samp, 0).sum(1), rtol=1e-10)


# -- sparse embedding lookups ---------------------------------------------------------------

P = np.arange(18.0).reshape(6, 3) / 10
IND = [[0, 0], [0, 1], [2, 0], [3, 1], [3, 2]]
IDS_BAD = tf.sparse.SparseTensor(IND, tf.constant([1, 4, -1, 5, 0], tf.int64), [5, 3])
IDS = tf.sparse.SparseTensor(IND, tf.constant([1, 4, 2, 5, 0], tf.int64), [5, 3])
WTS = tf.sparse.SparseTensor(IND, tf.constant([0.5, 2.0, 1.0, -1.0, 3.0], tf.float64), [5, 3])

# TF 2.21's values on these inputs
TF_SAFE = {
    "sum": [[2.55, 2.8, 3.05], [0.6, 0.7, 0.8], [0.6, 0.7, 0.8], [-1.5, -1.3, -1.1],
            [0.6, 0.7, 0.8]],
    "mean": [[1.02, 1.12, 1.22], [0.6, 0.7, 0.8], [0.6, 0.7, 0.8], [0.0, 0.1, 0.2],
             [0.6, 0.7, 0.8]],
    "sqrtn": [[1.236931687685298, 1.3581995002034648, 1.4794673127216311], [0.6, 0.7, 0.8],
              [0.6, 0.7, 0.8], [0.0, 0.1, 0.2], [0.6, 0.7, 0.8]],
}
TF_PLAIN = {
    "sum": [[2.55, 2.8, 3.05], [0, 0, 0], [0.6, 0.7, 0.8], [-1.5, -1.3, -1.1]],
    "mean": [[1.02, 1.12, 1.22], [0, 0, 0], [0.6, 0.7, 0.8], [-0.75, -0.65, -0.55]],
    "sqrtn": [[1.236931687685298, 1.3581995002034648, 1.4794673127216311], [0, 0, 0],
              [0.6, 0.7, 0.8], [-0.4743416490252569, -0.41109609582188933,
                                -0.34785054261852166]],
}


@pytest.mark.parametrize("combiner", ["sum", "mean", "sqrtn"])
def test_embedding_lookups_match_tf_traced_and_eager(combiner):
    p = tf.constant(P)
    safe = safe_embedding_lookup_sparse(p, IDS_BAD, WTS, combiner, default_id=2)
    plain = embedding_lookup_sparse(p, IDS, WTS, combiner)
    np.testing.assert_allclose(safe.numpy(), TF_SAFE[combiner], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(plain.numpy(), TF_PLAIN[combiner], rtol=1e-12, atol=1e-12)
    f_safe = tf.function(lambda i, w: safe_embedding_lookup_sparse(p, i, w, combiner,
                                                                   default_id=2))
    f_plain = tf.function(lambda i, w: embedding_lookup_sparse(p, i, w, combiner))
    np.testing.assert_array_equal(f_safe(IDS_BAD, WTS).numpy(), safe.numpy())
    np.testing.assert_array_equal(f_plain(IDS, WTS).numpy(), plain.numpy())


def test_safe_lookup_rank3_ids_and_no_default():
    ids = tf.sparse.SparseTensor([[0, 0, 0], [1, 1, 1]], tf.constant([1, 4], tf.int64),
                                 [2, 2, 3])
    eager = safe_embedding_lookup_sparse(tf.constant(P), ids)
    assert eager.shape == (2, 2, 3)
    np.testing.assert_allclose(eager.numpy()[0, 0], P[1])
    np.testing.assert_allclose(eager.numpy()[1, 1], P[4])
    np.testing.assert_array_equal(eager.numpy()[0, 1], [0, 0, 0])
    traced = tf.function(lambda i: safe_embedding_lookup_sparse(tf.constant(P), i))(ids)
    np.testing.assert_array_equal(traced.numpy(), eager.numpy())


@pytest.mark.parametrize("combiner", ["sum", "mean", "sqrtn"])
def test_embedding_lookup_gradients(combiner):
    rng = np.random.default_rng(3)
    u = rng.standard_normal((5, 3))

    def f_safe(p):
        return tf.reduce_sum(safe_embedding_lookup_sparse(p, IDS_BAD, WTS, combiner,
                                                          default_id=2) * u)

    def f_plain(p):
        return tf.reduce_sum(embedding_lookup_sparse(p, IDS, WTS, combiner) * u[:4])
    _fd_check(f_safe, [P], rng, 0)
    _fd_check(f_plain, [P], rng, 0)
    pv = tf.Variable(P)

    @tf.function
    def traced_grad():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(embedding_lookup_sparse(pv, IDS, WTS, combiner) * u[:4])
        return tf.convert_to_tensor(tape.gradient(loss, pv))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(embedding_lookup_sparse(pv, IDS, WTS, combiner) * u[:4])
    np.testing.assert_allclose(traced_grad().numpy(),
                               tf.convert_to_tensor(tape.gradient(loss, pv)).numpy(),
                               rtol=1e-12)


# -- ragged_fill_empty_rows -----------------------------------------------------------------

def test_ragged_fill_empty_rows_matches_tf_traced_and_eager():
    from ember.ops.top_ragged_fill import ragged_fill_empty_rows
    args = (tf.constant([1, 1, 3], tf.int64), tf.constant([10.0, 20.0, 30.0]),
            tf.constant(5, tf.int64), tf.constant(-1.0))
    out = ragged_fill_empty_rows(*args)
    # TF 2.21's tf.ragged_fill_empty_rows on these inputs
    assert out.output_value_rowids.numpy().tolist() == [0, 1, 1, 2, 3, 4]
    assert out.output_values.numpy().tolist() == [-1, 10, 20, -1, 30, -1]
    assert out.empty_row_indicator.numpy().tolist() == [True, False, True, False, True]
    assert out.reverse_index_map.numpy().tolist() == [1, 2, 4]
    traced = tf.function(ragged_fill_empty_rows)(*args)
    assert _np(traced) == _np(out)
    none = ragged_fill_empty_rows(tf.constant([], tf.int64), tf.constant([], tf.float32), 2,
                                  7.0)
    assert none.output_values.numpy().tolist() == [7, 7]
    assert none.output_value_rowids.numpy().tolist() == [0, 1]


def test_ragged_fill_empty_rows_gradient_is_its_grad_op():
    from ember.ops.top_ragged_fill import (ragged_fill_empty_rows,
                                           ragged_fill_empty_rows_grad)
    vals, default = tf.constant([10.0, 20.0, 30.0]), tf.constant(-1.0)
    up = tf.constant([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    with tf.GradientTape() as tape:
        tape.watch([vals, default])
        out = ragged_fill_empty_rows(tf.constant([1, 1, 3], tf.int64), vals, 5, default)
        loss = tf.reduce_sum(out.output_values * up)
    dv, dd = tape.gradient(loss, [vals, default])
    ref = ragged_fill_empty_rows_grad(out.reverse_index_map, up)
    # TF 2.21: d_values [2, 3, 5], d_default_value 11
    assert ref.d_values.numpy().tolist() == [2, 3, 5] and float(ref.d_default_value) == 11
    assert tf.convert_to_tensor(dv).numpy().tolist() == [2, 3, 5] and float(dd) == 11


def test_ragged_fill_empty_rows_rejects_matrices():
    from ember.ops.top_ragged_fill import ragged_fill_empty_rows
    with pytest.raises(ValueError, match="vectors"):
        ragged_fill_empty_rows(tf.constant([0, 0], tf.int64), tf.ones((2, 2)), 2, 0.0)


# -- through the public tf.nn names --------------------------------------------------------

def test_tf_nn_ctc_greedy_decoder_traced():
    f = tf.function(lambda x, n: tf.nn.ctc_greedy_decoder(x, n)[0][0].values)
    assert f(XS, np.array([6, 3, 0])).numpy().tolist() == [2, 1, 0, 0, 2, 2, 1]


def test_tf_nn_embedding_lookup_sparse_traced():
    f = tf.function(lambda i: tf.nn.embedding_lookup_sparse(tf.constant(P), i, None, "sum"))
    np.testing.assert_allclose(f(IDS).numpy()[0], P[1] + P[4])

"""The tf.nn additions of issue 18 (ember/ops/nn_more.py, nn_space.py, nn_stats.py,
nn_sampled.py): values against NumPy loops / formulas (and numbers from TensorFlow 2.21
where noted), gradients against central finite differences, errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.core.errors import InvalidArgumentError, ShapeError

R = np.random.default_rng(3)


def _fd_check(fn, x, eps=1e-6, tol=1e-5):
    """d sum(fn(x) * w) / dx by the tape vs central differences (float64)."""
    x = np.asarray(x, np.float64)
    w = R.standard_normal(np.shape(fn(tf.constant(x)).numpy()))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(fn(xt) * w)
    got = tape.gradient(loss, xt).numpy()
    want = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        want[i] = (np.sum(fn(tf.constant(x + e)).numpy() * w)
                   - np.sum(fn(tf.constant(x - e)).numpy() * w)) / (2 * eps)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def _dilation_ref(x, f, st, dl, pads):
    B, H, W, C = x.shape
    kh, kw, _ = f.shape
    xp = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)], constant_values=-np.inf)
    oh = (xp.shape[1] - (kh - 1) * dl[0] - 1) // st[0] + 1
    ow = (xp.shape[2] - (kw - 1) * dl[1] - 1) // st[1] + 1
    out = np.full((B, oh, ow, C), -np.inf)
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    out[:, i, j] = np.maximum(out[:, i, j], xp[:, i * st[0] + a * dl[0],
                                                              j * st[1] + b * dl[1]] + f[a, b])
    return out


def test_dilation_erosion_match_loops_and_gradients():
    x = R.standard_normal((2, 5, 6, 2))
    f = R.standard_normal((2, 3, 2))
    got = tf.nn.dilation2d(x, f, [1, 2, 1, 1], "SAME", "NHWC", [1, 1, 2, 1]).numpy()
    # SAME: out = ceil(n / s); effective window 2 x 5
    want = _dilation_ref(x, f, (2, 1), (1, 2), [(0, 1), (2, 2)])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    ero = tf.nn.erosion2d(x, f, [1, 1, 1, 1], "VALID", "NHWC", [1, 1, 1, 1]).numpy()
    np.testing.assert_allclose(ero, -_dilation_ref(-x, f[::-1, ::-1], (1, 1), (1, 1),
                                                   [(0, 0), (0, 0)]), rtol=1e-12)
    _fd_check(lambda v: tf.nn.dilation2d(v, f, [1, 1, 1, 1], "VALID", "NHWC", [1, 1, 1, 1]), x)
    with pytest.raises(ShapeError, match="dilation2d"):
        tf.nn.dilation2d(x, f[:, :, :1], [1, 1, 1, 1], "VALID", "NHWC", [1, 1, 1, 1])


def test_max_pool_with_argmax_flat_index():
    x = R.standard_normal((2, 5, 4, 3)).astype(np.float32)
    out, idx = tf.nn.max_pool_with_argmax(x, 2, 2, "SAME", include_batch_in_index=True)
    flat = x.ravel()
    np.testing.assert_array_equal(flat[idx.numpy()], out.numpy())
    np.testing.assert_array_equal(out.numpy(), tf.nn.max_pool2d(x, 2, 2, "SAME").numpy())
    _, idx2 = tf.nn.max_pool_with_argmax(x, 2, 2, "SAME")
    np.testing.assert_array_equal(idx2.numpy(), idx.numpy() % (5 * 4 * 3))
    assert idx.dtype == tf.int64


def test_pool_rank_generic_and_dilated():
    x = R.standard_normal((2, 7, 3)).astype(np.float32)
    np.testing.assert_allclose(tf.nn.max_pool(x, 2, 2, "VALID").numpy(),
                               tf.nn.max_pool1d(x, 2, 2, "VALID").numpy())
    x4 = R.standard_normal((1, 4, 4, 2)).astype(np.float32)
    np.testing.assert_allclose(tf.nn.avg_pool(x4, 2, 1, "SAME").numpy(),
                               tf.nn.avg_pool2d(x4, 2, 1, "SAME").numpy())
    got = tf.nn.pool(x, [2], "AVG", dilations=[3]).numpy()
    np.testing.assert_allclose(got, (x[:, :4] + x[:, 3:7]) / 2, rtol=1e-6)
    with pytest.raises(InvalidArgumentError, match="SAME"):
        tf.nn.pool(x, [2], "MAX", padding="SAME", dilations=[2])


def test_convolution_and_transposes():
    x = R.standard_normal((2, 9, 3))
    w = R.standard_normal((3, 3, 4))
    y = tf.nn.convolution(x, w, padding="VALID", dilations=[2]).numpy()
    want = sum(np.einsum("bwc,co->bwo", x[:, k * 2:k * 2 + 5], w[k]) for k in range(3))
    np.testing.assert_allclose(y, want, rtol=1e-10)
    # conv1d_transpose is the adjoint of conv1d: <conv(x), g> == <x, conv_t(g)>
    g = R.standard_normal((2, 5, 4))
    wt = np.transpose(w, (0, 2, 1))  # [width, out_channels (3), in_channels (4)]
    xt = tf.nn.conv1d_transpose(g, w, [2, 9, 3], 2, "SAME").numpy()
    y2 = tf.nn.conv1d(x, w, 2, "SAME").numpy()
    np.testing.assert_allclose(np.sum(y2 * g), np.sum(x * xt), rtol=1e-10)
    assert wt.shape == (3, 4, 3)
    z = tf.nn.conv_transpose(R.standard_normal((1, 3, 3, 2)), R.standard_normal((2, 2, 1, 2)),
                             [1, 6, 6, 1], 2)
    assert z.shape == (1, 6, 6, 1)
    a = tf.nn.atrous_conv2d(R.standard_normal((1, 6, 6, 1)), np.ones((2, 2, 1, 1)), 2, "SAME")
    assert a.shape == (1, 6, 6, 1)


def test_depthwise_backprops_are_the_gradients():
    x = tf.constant(R.standard_normal((1, 5, 5, 2)))
    w = tf.constant(R.standard_normal((3, 3, 2, 2)))
    g = R.standard_normal((1, 3, 3, 4))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, w])
        y = tf.reduce_sum(tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME") * g)
    dx = tf.nn.depthwise_conv2d_backprop_input([1, 5, 5, 2], w, g, [1, 2, 2, 1], "SAME")
    dw = tf.nn.depthwise_conv2d_backprop_filter(x, [3, 3, 2, 2], g, [1, 2, 2, 1], "SAME")
    np.testing.assert_allclose(dx.numpy(), tape.gradient(y, x).numpy(), rtol=1e-10)
    np.testing.assert_allclose(dw.numpy(), tape.gradient(y, w).numpy(), rtol=1e-10)


def test_space_depth_batch_rearrangements():
    x = R.standard_normal((2, 4, 6, 3))
    d = tf.nn.space_to_depth(x, 2).numpy()
    assert d.shape == (2, 2, 3, 12)
    np.testing.assert_array_equal(d[0, 0, 0], x[0, :2, :2].reshape(-1))
    np.testing.assert_array_equal(tf.nn.depth_to_space(d, 2).numpy(), x)
    nchw = tf.nn.space_to_depth(np.transpose(x, (0, 3, 1, 2)), 2, "NCHW").numpy()
    np.testing.assert_array_equal(nchw, np.transpose(d, (0, 3, 1, 2)))
    b = tf.nn.space_to_batch(x, [2, 3], [[0, 0], [0, 0]]).numpy()
    assert b.shape == (12, 2, 2, 3)
    np.testing.assert_array_equal(b[(1 * 3 + 2) * 2 + 1], x[1, 1::2, 2::3])
    # with_space_to_batch + VALID conv == the dilated conv (SAME padding)
    w = R.standard_normal((3, 3, 3, 2))
    conv = lambda v, n, p: tf.nn.conv2d(v, w, 1, p)  # noqa: E731
    got = tf.nn.with_space_to_batch(x, [2, 2], "SAME", conv, filter_shape=[3, 3]).numpy()
    want = tf.nn.conv2d(x, w, 1, "SAME", dilations=2).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_crelu_and_lrn():
    x = R.standard_normal((1, 2, 2, 7))
    np.testing.assert_array_equal(tf.nn.crelu(x).numpy(),
                                  np.concatenate([np.maximum(x, 0), np.maximum(-x, 0)], -1))
    sq = np.pad(x ** 2, [(0, 0)] * 3 + [(2, 2)])
    s = sum(sq[..., k:k + 7] for k in range(5))
    np.testing.assert_allclose(tf.nn.lrn(x, 2, 1.5, 0.3, 0.7).numpy(),
                               x / (1.5 + 0.3 * s) ** 0.7, rtol=1e-12)
    _fd_check(lambda v: tf.nn.local_response_normalization(v, 1, 1.0, 0.5, 0.75), x)


def test_moments_and_losses():
    x = R.standard_normal((4, 3))
    n, s1, s2, sh = tf.nn.sufficient_statistics(x, [0], shift=0.5)
    mean, var = tf.nn.normalize_moments(n, s1, s2, sh)
    np.testing.assert_allclose(mean.numpy(), x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(var.numpy(), x.var(0), rtol=1e-10)
    w = R.uniform(0.5, 2.0, (4, 1))
    wm, wv = tf.nn.weighted_moments(x, [0], w)
    m_ = (w * x).sum(0) / w.sum()
    np.testing.assert_allclose(wm.numpy(), m_, rtol=1e-12)
    np.testing.assert_allclose(wv.numpy(), (w * (x - m_) ** 2).sum(0) / w.sum(), rtol=1e-12)
    # TF 2.21: log_poisson_loss([0, 1, 2, 3], 0.5, compute_full_loss=True)
    got = tf.nn.log_poisson_loss(tf.constant([0., 1, 2, 3]), tf.fill([4], 0.5), True)
    np.testing.assert_allclose(got.numpy(), [1.6487212, 1.1487212, 1.3005277, 1.9128028],
                               rtol=1e-6)
    assert float(tf.nn.compute_average_loss(tf.constant([1., 2, 3]), 2.0)) == 4.0
    assert float(tf.nn.compute_average_loss(tf.constant([1., 2]), global_batch_size=4)) == 0.75
    assert float(tf.nn.scale_regularization_loss(tf.constant([1.0, 2.0]))) == 3.0
    assert float(tf.nn.zero_fraction(tf.constant([0, 1, 0, 2]))) == 0.5
    bn = tf.nn.batch_norm_with_global_normalization(x, x.mean(0), x.var(0), np.zeros(3),
                                                    np.full(3, 2.0), 0.0, False)
    np.testing.assert_allclose(bn.numpy(), (x - x.mean(0)) / x.std(0), rtol=1e-10)


def test_collapse_isotonic_approx_topk():
    # values from TF 2.21
    out, n = tf.nn.collapse_repeated(tf.constant([[1, 1, 2, 2, 3], [4, 4, 4, 0, 0]]),
                                     tf.constant([5, 2]))
    np.testing.assert_array_equal(out.numpy(), [[1, 2, 3], [4, 0, 0]])
    np.testing.assert_array_equal(n.numpy(), [3, 1])
    o, s = tf.nn.isotonic_regression(tf.constant([[1., 1, 3, 2, 0]]))
    np.testing.assert_allclose(o.numpy(), [[1.75, 1.75, 1.75, 1.75, 0.]])
    np.testing.assert_array_equal(s.numpy(), [[0, 0, 0, 0, 1]])
    o, s = tf.nn.isotonic_regression(tf.constant([[1., 3], [2, 0]]), axis=0)
    np.testing.assert_allclose(o.numpy(), [[1.5, 3.], [1.5, 0.]])
    _fd_check(lambda v: tf.nn.isotonic_regression(v, decreasing=False)[0],
              np.array([[0.3, 0.1, 0.7, 0.2]]))
    x = R.standard_normal((3, 5))
    v, i = tf.nn.approx_max_k(x, 2, reduction_dimension=0)
    np.testing.assert_array_equal(v.numpy(), -np.sort(-x, 0)[:2])
    v, i = tf.nn.approx_min_k(x, 2)
    np.testing.assert_array_equal(i.numpy(), np.argsort(x, 1)[:, :2])


def test_embedding_lookups():
    p = np.arange(12.0).reshape(4, 3)
    shards = [p[0::2], p[1::2]]
    np.testing.assert_array_equal(
        tf.nn.embedding_lookup(shards, [3, 0, 2], partition_strategy="mod").numpy(), p[[3, 0, 2]])
    np.testing.assert_array_equal(tf.nn.embedding_lookup([p[:2], p[2:]], [3, 1]).numpy(),
                                  p[[3, 1]])
    clipped = tf.nn.embedding_lookup(p, [2], max_norm=1.0).numpy()
    np.testing.assert_allclose(clipped, p[[2]] / np.linalg.norm(p[2]))
    sp = tf.sparse.SparseTensor([[0, 0], [0, 1], [2, 0]], tf.constant([1, 3, 2], tf.int64), [4, 2])
    # values from TF 2.21
    got = tf.nn.embedding_lookup_sparse(p.astype(np.float32), sp, None).numpy()
    np.testing.assert_allclose(got, [[6, 7, 8], [0, 0, 0], [6, 7, 8]])
    got = tf.nn.embedding_lookup_sparse(p.astype(np.float32), sp, None, combiner="sqrtn")
    np.testing.assert_allclose(got.numpy()[0], [8.485281, 9.899495, 11.313708], rtol=1e-6)
    safe = tf.nn.safe_embedding_lookup_sparse(p.astype(np.float32), sp).numpy()
    np.testing.assert_allclose(safe, [[6, 7, 8], [0, 0, 0], [6, 7, 8], [0, 0, 0]])
    safe = tf.nn.safe_embedding_lookup_sparse(p, sp, default_id=0, combiner="sum").numpy()
    np.testing.assert_allclose(safe[1], p[0])
    np.testing.assert_allclose(safe[0], p[1] + p[3])
    wts = tf.sparse.SparseTensor([[0, 0], [0, 1], [2, 0]], tf.constant([1.0, 3.0, 2.0],
                                                                     tf.float64), [4, 2])
    pt = tf.constant(p)
    with tf.GradientTape() as tape:
        tape.watch(pt)
        y = tf.reduce_sum(tf.nn.embedding_lookup_sparse(pt, sp, wts, combiner="mean"))
    want = np.zeros_like(p)
    want[1] += 0.25
    want[3] += 0.75
    want[2] += 1.0
    np.testing.assert_allclose(tape.gradient(y, pt).numpy(), want)


def test_samplers_and_sampled_losses():
    true = tf.constant([[0, 1], [2, 3]], tf.int64)
    s = tf.nn.fixed_unigram_candidate_sampler(true, 2, 4, False, 5, unigrams=[1, 1, 0, 1, 1],
                                              seed=7)
    assert s.sampled_candidates.shape == (4,) and 2 not in s.sampled_candidates.numpy()
    np.testing.assert_allclose(s.true_expected_count.numpy(), [[1, 1], [0, 1]])
    hits = tf.nn.compute_accidental_hits(true, tf.constant([3, 1, 5], tf.int64), 2)
    np.testing.assert_array_equal(hits[0].numpy(), [0, 1])
    np.testing.assert_array_equal(hits[1].numpy(), [1, 0])
    w = R.standard_normal((6, 3))
    b = R.standard_normal(6)
    x = R.standard_normal((2, 3))
    lab = tf.constant([[1], [4]], tf.int64)
    sv = tf.nn.all_candidate_sampler(lab, 1, 6, True)
    # with every class sampled (expected count 1) and hits removed, sampled softmax is
    # the full softmax cross-entropy
    got = tf.nn.sampled_softmax_loss(w, b, lab, x, 6, 6, sampled_values=sv).numpy()
    logits = x @ w.T + b
    full = -logits[[0, 1], [1, 4]] + np.log(np.exp(logits).sum(1))
    np.testing.assert_allclose(got, full, rtol=1e-10)
    nce = tf.nn.nce_loss(w, b, lab, x, 6, 6, sampled_values=sv).numpy()
    sig = lambda z, y: np.maximum(z, 0) - z * y + np.log1p(np.exp(-abs(z)))  # noqa: E731
    want = sig(logits[[0, 1], [1, 4]], 1) + sig(logits, 0).sum(1)
    np.testing.assert_allclose(nce, want, rtol=1e-10)
    wt = tf.constant(w)
    with tf.GradientTape() as tape:
        tape.watch(wt)
        loss = tf.reduce_sum(tf.nn.sampled_softmax_loss(wt, b, lab, x, 3, 6, seed=1))
    assert tape.gradient(loss, wt).shape == (6, 3)


def _rnn_pair(wrap, seed=0):
    from ember import keras
    keras.utils.set_random_seed(seed)
    cell = keras.layers.SimpleRNNCell(3)
    x = R.standard_normal((2, 5, 3)).astype(np.float32)
    plain = keras.layers.RNN(cell, return_sequences=True)
    want = plain(x).numpy()
    got = keras.layers.RNN(wrap(cell), return_sequences=True)(x).numpy()
    return x, want, got


def test_rnn_cell_wrappers_as_tf():
    x, want, got = _rnn_pair(tf.nn.RNNCellResidualWrapper)
    np.testing.assert_allclose(got, want + x, rtol=1e-6)  # states are the cell's
    _, want, got = _rnn_pair(lambda c: tf.nn.RNNCellDeviceWrapper(c, "/cpu:0"))
    np.testing.assert_allclose(got, want, rtol=1e-6)
    _, want, got = _rnn_pair(lambda c: tf.nn.RNNCellDropoutWrapper(c))  # keep 1.0: no-op
    np.testing.assert_allclose(got, want, rtol=1e-6)
    # output dropout only: every output is either dropped or scaled by 1 / keep
    _, want, got = _rnn_pair(lambda c: tf.nn.RNNCellDropoutWrapper(c, output_keep_prob=0.5,
                                                                    seed=3))
    kept = np.isclose(got, 2 * want, rtol=1e-5)
    assert np.all(kept | (got == 0)) and 0 < kept.mean() < 1
    with pytest.raises(NotImplementedError, match="variational"):
        tf.nn.RNNCellDropoutWrapper(_cell(), variational_recurrent=True)
    with pytest.raises(ValueError, match=r"input_keep_prob must be in \(0, 1\]"):
        tf.nn.RNNCellDropoutWrapper(_cell(), input_keep_prob=0.0)
    with pytest.raises(TypeError, match="RNN cell"):
        tf.nn.RNNCellResidualWrapper(None)
    assert "RNNCellDropoutWrapper" in dir(tf.nn)


def _cell():
    from ember import keras
    return keras.layers.LSTMCell(2)


def test_rnn_cell_wrapper_trains_in_fit():
    from ember import keras
    keras.utils.set_random_seed(1)
    cell = tf.nn.RNNCellDropoutWrapper(keras.layers.LSTMCell(4), input_keep_prob=0.9)
    model = keras.Sequential([keras.Input((6, 2)), keras.layers.RNN(cell),
                              keras.layers.Dense(1)])
    model.compile("adam", "mse")
    x = R.standard_normal((16, 6, 2)).astype(np.float32)
    before = [w.numpy().copy() for w in cell.trainable_weights]
    model.fit(x, np.ones((16, 1), np.float32), epochs=1, verbose=0)
    assert len(before) == 3
    assert all(not np.allclose(b, w.numpy()) for b, w in zip(before, cell.trainable_weights))


def test_traced_equals_eager_with_unknown_batch():
    x = R.standard_normal((2, 4, 4, 4)).astype(np.float32)
    fns = [lambda v: tf.nn.pool(v, [2, 2], "MAX", dilations=[2, 1]),
           lambda v: tf.nn.dilation2d(v, tf.zeros((2, 2, 4)), [1, 1, 1, 1], "SAME", "NHWC",
                                      [1, 1, 1, 1]),
           lambda v: tf.nn.lrn(v), lambda v: tf.nn.depth_to_space(v, 2),
           lambda v: tf.nn.space_to_batch(v, [2, 2], [[0, 0], [0, 0]]),
           lambda v: tf.nn.max_pool_with_argmax(v, 2, 2, "SAME", include_batch_in_index=True)[1],
           lambda v: tf.nn.weighted_moments(v, [0, 1], tf.ones((1, 4, 4, 1)))[1]]
    for fn in fns:
        traced = tf.function(fn, input_signature=[tf.TensorSpec([None, 4, 4, 4], tf.float32)])
        np.testing.assert_allclose(traced(x).numpy(), fn(x).numpy(), rtol=1e-6)

"""tf.nn.ctc_loss and the CTC decoders: values from TensorFlow 2.21 on fixed inputs,
gradients against central finite differences, sparse labels, batch-major logits, graphs."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.core.errors import InvalidArgumentError

LOGITS = np.random.default_rng(0).standard_normal((5, 2, 4)).astype(np.float32)
LABELS = np.array([[1, 2], [3, 3]], np.int32)


def test_ctc_loss_matches_tensorflow():
    got = tf.nn.ctc_loss(LABELS, LOGITS, [2, 2], [5, 4]).numpy()
    np.testing.assert_allclose(got, [4.660435, 5.0731544], rtol=1e-5)
    batch_major = tf.nn.ctc_loss(LABELS, np.transpose(LOGITS, (1, 0, 2)), [2, 2], [5, 4],
                                 logits_time_major=False).numpy()
    np.testing.assert_allclose(batch_major, got, rtol=1e-6)
    sparse = tf.sparse.SparseTensor([[0, 0], [0, 1], [1, 0], [1, 1]],
                                    tf.constant([1, 2, 3, 3], tf.int32), [2, 2])
    np.testing.assert_allclose(tf.nn.ctc_loss(sparse, LOGITS, None, [5, 4], blank_index=0),
                               got, rtol=1e-6)
    with pytest.raises(InvalidArgumentError, match="blank_index"):
        tf.nn.ctc_loss(sparse, LOGITS, None, [5, 4])
    # blank at the end (-1): the same as shifting the classes
    shifted = np.concatenate([LOGITS[..., 1:], LOGITS[..., :1]], -1)
    np.testing.assert_allclose(
        tf.nn.ctc_loss(LABELS - 1, shifted, [2, 2], [5, 4], blank_index=-1).numpy(), got,
        rtol=1e-5)
    traced = tf.function(lambda x: tf.nn.ctc_loss(LABELS, x, [2, 2], [5, 4]))(LOGITS)
    np.testing.assert_allclose(traced.numpy(), got, rtol=1e-6)


def test_ctc_loss_gradient_finite_differences():
    x = LOGITS.astype(np.float64)
    w = np.array([1.0, -2.0])

    def f(v):
        return float(np.sum(tf.nn.ctc_loss(LABELS, tf.constant(v), [2, 2], [5, 4]).numpy() * w))

    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(tf.nn.ctc_loss(LABELS, xt, [2, 2], [5, 4]) * w)
    got = tape.gradient(loss, xt).numpy()
    want = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = 1e-6
        want[i] = (f(x + e) - f(x - e)) / 2e-6
    np.testing.assert_allclose(got, want, atol=1e-7)
    assert np.all(got[4, 1] == 0)  # past row 1's logit_length


def test_ctc_loss_errors():
    with pytest.raises(InvalidArgumentError, match="labels"):
        tf.nn.ctc_loss(np.array([[1, 9]]), LOGITS[:, :1], [2], [5])
    with pytest.raises(InvalidArgumentError, match="logit_length"):
        tf.nn.ctc_loss(LABELS, LOGITS, [2, 2], [6, 4])


def test_decoders_match_tensorflow():
    (d,), neg = tf.nn.ctc_greedy_decoder(LOGITS, [5, 4])
    np.testing.assert_array_equal(d.values.numpy(), [2, 0, 1, 2, 1])
    np.testing.assert_array_equal(d.dense_shape.numpy(), [2, 3])
    np.testing.assert_allclose(neg.numpy().ravel(), [-3.168578, -2.671867], rtol=1e-6)
    decoded, lp = tf.nn.ctc_beam_search_decoder(LOGITS, [5, 4], beam_width=3, top_paths=2)
    np.testing.assert_array_equal(decoded[0].values.numpy(), [2, 0, 2, 1])
    np.testing.assert_array_equal(decoded[1].values.numpy(), [2, 0, 1, 1])
    np.testing.assert_allclose(lp.numpy(), [[-2.9563289, -3.2394466], [-1.4983301, -2.232156]],
                               rtol=1e-5)
    u, i = tf.nn.ctc_unique_labels(tf.constant([[3, 4, 4, 3], [1, 1, 0, 0]]))
    np.testing.assert_array_equal(u.numpy(), [[3, 4, 0, 0], [1, 0, 0, 0]])
    np.testing.assert_array_equal(i.numpy(), [[0, 1, 1, 0], [0, 0, 1, 1]])

"""tf.linalg.diag / diag_part / set_diag with bands and TF's alignments (ember/ops/
linalg_diag.py). The expected values are TF 2.21's for the same inputs."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf

X = np.arange(1, 13).reshape(3, 4)


def test_diag_part_bands_and_alignments_as_tf():
    x = tf.constant(X)
    assert tf.linalg.diag_part(x, k=(-1, 2)).numpy().tolist() == [
        [0, 3, 8], [2, 7, 12], [1, 6, 11], [5, 10, 0]]
    assert tf.linalg.diag_part(x, k=(-1, 2), align="LEFT_RIGHT",
                               padding_value=-1).numpy().tolist() == [
        [3, 8, -1], [2, 7, 12], [1, 6, 11], [-1, 5, 10]]
    assert tf.linalg.diag_part(x, k=-2).numpy().tolist() == [9]
    assert tf.linalg.diag_part(tf.constant(np.stack([X, -X])), k=1).numpy().tolist() == [
        [2, 7, 12], [-2, -7, -12]]


def test_set_diag_and_diag_bands_as_tf():
    d = tf.constant([[1, 2, 0], [3, 4, 5], [6, 7, 8], [0, 9, 10]], tf.int64)
    got = tf.linalg.set_diag(tf.zeros((3, 4), tf.int64), d, k=(-1, 2))
    assert got.numpy().tolist() == [[6, 3, 2, 0], [0, 7, 4, 0], [0, 9, 8, 5]]
    assert tf.linalg.diag(tf.constant([[1, 2], [3, 4]]), k=(0, 1)).numpy().tolist() == [
        [3, 2], [0, 4]]
    assert tf.linalg.diag(tf.constant([1, 2]), k=1, num_rows=3,
                          padding_value=9).numpy().tolist() == [[9, 1, 9], [9, 9, 2], [9, 9, 9]]
    assert tf.linalg.diag(tf.constant([1, 2]), k=-1).numpy().tolist() == [
        [0, 0, 0], [1, 0, 0], [0, 2, 0]]


def test_inf_and_nan_stay_where_they_are():
    d = tf.constant([np.inf, 1.0, np.nan])
    y = tf.linalg.set_diag(tf.ones((3, 3)), d).numpy()
    assert y[0, 0] == np.inf and np.isnan(y[2, 2]) and y[1, 1] == 1.0
    off = y[~np.eye(3, dtype=bool)]
    assert (off == 1.0).all()  # no 0 * inf spread off the diagonal
    z = tf.linalg.diag(d).numpy()
    assert (z[~np.eye(3, dtype=bool)] == 0).all()


def test_gradients_and_traced():
    a = tf.constant(np.random.default_rng(0).standard_normal((2, 3, 4)))
    d = tf.constant(np.random.default_rng(1).standard_normal((2, 2, 3)))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(a)
        tape.watch(d)
        y = tf.linalg.set_diag(a, d, k=(0, 1))
        loss = tf.reduce_sum(y * y) + tf.reduce_sum(tf.linalg.diag_part(a, k=(-1, 0)))
    ga, gd = tape.gradient(loss, [a, d])
    band = tf.linalg.set_diag(tf.zeros((3, 4), tf.float64),
                              tf.ones((2, 3), tf.float64), k=(0, 1)).numpy() == 1
    want_a = np.where(band, 0.0, 2 * a.numpy())
    want_a += tf.linalg.set_diag(tf.zeros((3, 4), tf.float64), tf.ones((2, 3), tf.float64),
                                 k=(-1, 0)).numpy()
    np.testing.assert_allclose(ga.numpy(), want_a)
    np.testing.assert_allclose(gd.numpy(), 2 * d.numpy())
    f = tf.function(lambda x: tf.linalg.diag_part(x, k=(-1, 1)))
    spec = tf.TensorSpec([None, 3, 4], tf.float64)
    np.testing.assert_array_equal(f.get_concrete_function(spec)(a).numpy(),
                                  tf.linalg.diag_part(a, k=(-1, 1)).numpy())


def test_errors_name_the_op_and_the_fix():
    with pytest.raises(tf.errors.InvalidArgumentError, match="diag_part: k=.*reaches outside"):
        tf.linalg.diag_part(tf.constant(X), k=4)
    with pytest.raises(tf.errors.InvalidArgumentError, match="align must be one of"):
        tf.linalg.diag_part(tf.constant(X), k=(0, 1), align="UP")
    with pytest.raises(ValueError, match=r"set_diag: the diagonal must end in \[2, 3\]"):
        tf.linalg.set_diag(tf.zeros((3, 4)), tf.zeros((3, 3)), k=(0, 1))
    with pytest.raises(tf.errors.InvalidArgumentError, match="k0 <= k1"):
        tf.linalg.diag(tf.zeros((2, 2)), k=(1, 0))

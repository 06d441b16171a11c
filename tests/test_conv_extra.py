"""conv2d_transpose, depthwise_conv2d and separable_conv2d (ember/ops/conv_extra.py):
values vs NumPy loop references (tests/helpers.py; several strides, paddings, dilations,
float32/float64), a few numbers from TF 2.21, gradients vs float64 central differences,
an unknown batch inside ember.function, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.errors import InvalidArgumentError, ShapeError
from ember.ops.conv_extra import conv2d_transpose, depthwise_conv2d, separable_conv2d
from tests.helpers import assert_close, ref_depthwise, ref_transpose

R = np.random.default_rng(11)


@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-4), (np.float64, 1e-10)])
@pytest.mark.parametrize("xs, ws, out, s, padding, d", [
    ((2, 3, 4, 2), (3, 3, 5, 2), (2, 6, 8, 5), (2, 2), "SAME", (1, 1)),
    ((1, 3, 3, 3), (3, 3, 2, 3), (1, 7, 7, 2), (2, 2), "VALID", (1, 1)),
    ((2, 4, 3, 1), (2, 3, 2, 1), (2, 9, 10, 2), (2, 3), "VALID", (1, 1)),
    ((1, 5, 5, 2), (3, 3, 1, 2), (1, 5, 5, 1), (1, 1), "SAME", (2, 2)),
    ((1, 3, 3, 2), (3, 3, 2, 2), (1, 7, 7, 2), (1, 1), "VALID", (2, 2)),
    ((2, 3, 3, 2), (4, 4, 2, 2), (2, 6, 6, 2), (2, 2), "SAME", (1, 1)),
    ((1, 3, 3, 2), (3, 3, 2, 2), (1, 5, 5, 2), (2, 2), "SAME", (1, 1)),  # odd size
])
def test_conv2d_transpose_values(dtype, tol, xs, ws, out, s, padding, d):
    x, w = R.standard_normal(xs).astype(dtype), R.standard_normal(ws).astype(dtype)
    y = conv2d_transpose(x, w, list(out), list(s), padding, dilations=list(d))
    assert y.dtype == tf.as_dtype(dtype) and tuple(y.shape) == out
    assert_close(y, ref_transpose(x.astype(np.float64), w.astype(np.float64), out, s, padding, d),
                 tol)


def test_conv2d_transpose_nchw_and_tensor_shape():
    x, w = R.standard_normal((2, 3, 3, 2)), R.standard_normal((3, 3, 4, 2))
    want = ref_transpose(x, w, (2, 6, 6, 4), (2, 2), "SAME")
    y = conv2d_transpose(np.transpose(x, (0, 3, 1, 2)), w, tf.constant([2, 4, 6, 6]), 2,
                         data_format="NCHW")
    assert_close(np.transpose(y.numpy(), (0, 2, 3, 1)), want, 1e-10)


@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-4), (np.float64, 1e-10)])
@pytest.mark.parametrize("xs, ws, s, padding, d", [
    ((2, 6, 5, 3), (3, 3, 3, 1), (1, 1), "SAME", (1, 1)),
    ((2, 7, 7, 2), (3, 2, 2, 3), (2, 2), "SAME", (1, 1)),
    ((1, 8, 6, 2), (2, 3, 2, 2), (2, 1), "VALID", (1, 1)),
    ((1, 7, 7, 3), (3, 3, 3, 2), (1, 1), "VALID", (2, 2)),
    ((2, 6, 6, 2), (3, 3, 2, 1), (1, 1), "SAME", (2, 1)),
])
def test_depthwise_values(dtype, tol, xs, ws, s, padding, d):
    x, w = R.standard_normal(xs).astype(dtype), R.standard_normal(ws).astype(dtype)
    y = depthwise_conv2d(x, w, [1, *s, 1], padding, dilations=list(d))
    assert y.dtype == tf.as_dtype(dtype)
    assert_close(y, ref_depthwise(x.astype(np.float64), w.astype(np.float64), s, padding, d), tol)


def test_separable_values():
    x = R.standard_normal((2, 6, 5, 3))
    dw, pw = R.standard_normal((3, 3, 3, 2)), R.standard_normal((1, 1, 6, 4))
    y = separable_conv2d(x, dw, pw, [1, 2, 2, 1], "SAME")
    assert_close(y, ref_depthwise(x, dw, (2, 2), "SAME") @ pw[0, 0], 1e-10)


# Numbers printed by TF 2.21 (tf.nn.*) for these inputs.
def _peer_inputs():
    x = np.arange(36, dtype=np.float32).reshape(2, 3, 3, 2) / 10
    w = (np.arange(72, dtype=np.float32).reshape(3, 3, 4, 2) - 30) / 20
    xx = np.sin(np.arange(50, dtype=np.float32)).reshape(1, 5, 5, 2)
    dw = (np.arange(54, dtype=np.float32).reshape(3, 3, 2, 3) - 20) / 15
    pw = (np.arange(12, dtype=np.float32).reshape(1, 1, 6, 2) - 5) / 7
    return x, w, xx, dw, pw


def test_matches_tensorflow_numbers():
    x, w, xx, dw, pw = _peer_inputs()
    y = conv2d_transpose(x, w, [2, 6, 6, 4], 2, "SAME").numpy()
    assert_close(y[0, 0, 0], [-0.145, -0.135, -0.125, -0.115], 1e-5)
    assert_close(y[1, 5, 4], [1.52, 2.86, 4.2, 5.54], 1e-5)
    assert_close(y.sum(), 12.8, 1e-4)
    y = conv2d_transpose(x, w, [2, 7, 7, 4], 2, "VALID").numpy()
    assert_close(y[0, 6, 6], [5.695, 6.025, 6.355, 6.685], 1e-5)
    assert_close(y.sum(), 625.32007, 1e-3)
    y = depthwise_conv2d(xx, dw, [1, 2, 2, 1], "SAME").numpy()
    assert_close(y[0, 2, 1], [0.0280181, 0.0341314, 0.0402448, -0.1559867, -0.1512606, -0.1465343],
                 1e-5)
    y = depthwise_conv2d(xx, dw, [1, 1, 1, 1], "VALID", dilations=[2, 2]).numpy()
    assert_close(y[0, 0, 0], [-0.6172436, -0.5835509, -0.5498584, -1.7228036, -1.7178795,
                              -1.7129552], 1e-5)
    y = separable_conv2d(xx, dw, pw, [1, 1, 1, 1], "SAME").numpy()
    assert_close(y[0, 0, 0], [1.2280076, 0.6017852], 1e-5)
    assert_close(y[0, 4, 3], [0.164323, 0.0379056], 1e-5)


def _check_grads(f, args, eps=1e-6):
    """Tape gradients of sum(f(*args) * P) vs float64 central differences along a random
    direction, for every argument."""
    ts = [tf.constant(a) for a in args]
    with tf.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = f(*ts)
        p = tf.constant(R.standard_normal(tuple(y.shape)))
        loss = tf.reduce_sum(y * p)
    grads = tape.gradient(loss, ts)
    for i, (a, g) in enumerate(zip(args, grads)):
        v = R.standard_normal(a.shape)

        def at(step):
            moved = [b + step * v if k == i else b for k, b in enumerate(args)]
            return float(tf.reduce_sum(f(*moved) * p))
        numeric = (at(eps) - at(-eps)) / (2 * eps)
        assert_close(np.sum(g.numpy() * v), numeric, 1e-6 * max(1.0, abs(numeric)))


@pytest.mark.parametrize("s, padding, out, d", [
    (2, "SAME", (2, 6, 6, 3), 1), (2, "VALID", (2, 7, 7, 3), 1), (1, "SAME", (2, 3, 3, 3), 2)])
def test_conv2d_transpose_gradients(s, padding, out, d):
    x, w = R.standard_normal((2, 3, 3, 2)), R.standard_normal((3, 3, 3, 2))
    _check_grads(lambda a, b: conv2d_transpose(a, b, list(out), s, padding, dilations=d),
                 [x, w])


def test_depthwise_and_separable_gradients():
    x, dw = R.standard_normal((2, 5, 6, 3)), R.standard_normal((3, 2, 3, 2))
    pw = R.standard_normal((1, 1, 6, 2))
    _check_grads(lambda a, b: depthwise_conv2d(a, b, [1, 2, 1, 1], "SAME"), [x, dw])
    _check_grads(lambda a, b: depthwise_conv2d(a, b, 1, "VALID", dilations=2), [x, dw])
    _check_grads(lambda a, b, c: separable_conv2d(a, b, c, [1, 1, 2, 1], "VALID"),
                 [x, dw, pw])


def test_unknown_batch_in_function():
    w = tf.constant(R.standard_normal((2, 2, 3, 2)).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([None, 3, 3, 2], tf.float32)])
    def up(x):
        return conv2d_transpose(x, w, [None, 6, 6, 3], 2, "VALID")

    for n in (1, 4):
        x = R.standard_normal((n, 3, 3, 2)).astype(np.float32)
        assert_close(up(x), ref_transpose(x, w.numpy(), (n, 6, 6, 3), (2, 2), "VALID"), 1e-4)


def test_errors():
    x, w = tf.ones((1, 3, 3, 2)), tf.ones((3, 3, 4, 2))
    with pytest.raises(ShapeError, match="does not match the input"):
        conv2d_transpose(x, w, [1, 9, 9, 4], 2, "SAME")
    with pytest.raises(ShapeError, match="channels"):
        conv2d_transpose(x, w, [1, 6, 6, 5], 2, "SAME")
    with pytest.raises(ShapeError, match="expect 2"):
        conv2d_transpose(tf.ones((1, 3, 3, 3)), w, [1, 6, 6, 4], 2, "SAME")
    with pytest.raises(InvalidArgumentError, match="output_shape"):
        conv2d_transpose(x, w, [6, 6, 4], 2, "SAME")
    with pytest.raises(InvalidArgumentError, match="padding"):
        conv2d_transpose(x, w, [1, 6, 6, 4], 2, "FULL")

    @tf.function(input_signature=[tf.TensorSpec([None, 3, 3, 2], tf.float32)])
    def dynamic(x):
        return conv2d_transpose(x, w, tf.stack([tf.shape(x)[0], 6, 6, 4]), 2)

    with pytest.raises(NotImplementedError, match="output_shape"):
        dynamic(np.ones((1, 3, 3, 2), np.float32))
    with pytest.raises(ShapeError, match="expects 3"):
        depthwise_conv2d(x, tf.ones((3, 3, 3, 1)), 1, "SAME")
    with pytest.raises(ShapeError, match="4-D"):
        depthwise_conv2d(x, tf.ones((3, 3, 2)), 1, "SAME")
    with pytest.raises(ShapeError, match="larger than"):
        depthwise_conv2d(x, tf.ones((5, 5, 2, 1)), 1, "VALID")
    with pytest.raises(ShapeError, match="pointwise_filter"):
        separable_conv2d(x, tf.ones((3, 3, 2, 2)), tf.ones((1, 1, 3, 4)), 1, "SAME")

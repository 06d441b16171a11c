"""ember.nn ops against NumPy formulas, TF's semantics, stability and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember as tf
from ember.errors import DTypeError, InvalidArgumentError, ShapeError

R = np.random.default_rng(5)
FLOATS = [np.float32, np.float64]
EXTREME = np.array([-1000.0, -100.0, -20.0, -1.0, 0.0, 1.0, 20.0, 100.0, 1000.0])


def sample(dtype, *shape):
    return (R.standard_normal(shape or (3, 4)) * 3).astype(dtype)


def close(got, want, dtype=None):
    got = np.asarray(got)
    want = np.asarray(want)
    if dtype is not None:
        assert got.dtype == dtype, (got.dtype, dtype)
    tol = 2e-6 if got.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want.astype(got.dtype), rtol=tol, atol=tol)


def _erf(x):
    return np.vectorize(math.erf)(x.astype(np.float64))


def _sigmoid(x):
    x = x.astype(np.float64)
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))),
                    np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


ALPHA, SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
ACTIVATIONS = {
    "relu": (tf.nn.relu, lambda x: np.maximum(x, 0)),
    "relu6": (tf.nn.relu6, lambda x: np.minimum(np.maximum(x, 0), 6)),
    "leaky_relu": (tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    "leaky_relu_0.5": (lambda x: tf.nn.leaky_relu(x, alpha=0.5),
                       lambda x: np.where(x > 0, x, 0.5 * x)),
    "elu": (tf.nn.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    "selu": (tf.nn.selu, lambda x: SCALE * np.where(x > 0, x, ALPHA * np.expm1(np.minimum(x, 0)))),
    "gelu": (tf.nn.gelu, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2.0)))),
    "gelu_tanh": (lambda x: tf.nn.gelu(x, approximate=True),
                  lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    "silu": (tf.nn.silu, lambda x: x * _sigmoid(x)),
    "swish_beta": (lambda x: tf.nn.swish(x, beta=2.0), lambda x: x * _sigmoid(2.0 * x)),
    "softsign": (tf.nn.softsign, lambda x: x / (1 + np.abs(x))),
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_numpy(name, dtype):
    op, ref = ACTIVATIONS[name]
    x = sample(dtype)
    x[0, :3] = [0.0, 6.0, -0.0]
    close(op(x), ref(x.astype(np.float64)), dtype)
    close(op(tf.constant(x)), ref(x.astype(np.float64)), dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_is_finite_at_extremes(name, dtype):
    op, ref = ACTIVATIONS[name]
    x = EXTREME.astype(dtype)
    out = op(x).numpy()
    assert np.all(np.isfinite(out)), out
    if not name.startswith("gelu_tanh"):
        np.testing.assert_allclose(out, ref(x.astype(np.float64)).astype(dtype), rtol=1e-6,
                                   atol=1e-40)


def test_gelu_tf_doc_values():
    # TF's documented float32 values, within their own float32 rounding.
    x = np.array([-3.0, -1.0, 0.0, 1.0, 3.0], np.float32)
    np.testing.assert_allclose(tf.nn.gelu(x).numpy(),
                               [-0.00404951, -0.15865529, 0.0, 0.8413447, 2.9959507], rtol=1e-4)
    np.testing.assert_allclose(tf.nn.gelu(x, approximate=True).numpy(),
                               [-0.00363752, -0.15880796, 0.0, 0.841192, 2.9963627], rtol=1e-4)


def test_relu_on_integers_and_swish_alias():
    out = tf.nn.relu(np.array([-2, 0, 3], np.int32))
    assert out.dtype == tf.int32
    np.testing.assert_array_equal(out.numpy(), [0, 0, 3])
    assert tf.nn.swish is tf.nn.silu
    out = tf.nn.leaky_relu(np.array([-10, 5], np.int32))
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), [-2.0, 5.0])


@pytest.mark.parametrize("op", [tf.nn.elu, tf.nn.selu, tf.nn.gelu, tf.nn.silu, tf.nn.softsign,
                                tf.nn.softmax, tf.nn.log_softmax, tf.math.l2_normalize])
def test_float_only_ops_reject_integers(op):
    with pytest.raises(DTypeError, match=f"{op.__name__}: needs a floating tensor"):
        op(np.array([1, 2], np.int32))


def test_sigmoid_tanh_softplus_in_nn():
    x = np.array([-1.0, 0.0, 2.0], np.float32)
    close(tf.nn.sigmoid(x), _sigmoid(x))
    close(tf.nn.tanh(x), np.tanh(x))
    close(tf.nn.softplus(x), np.log1p(np.exp(x.astype(np.float64))))


# -- softmax -------------------------------------------------------------------------

def np_softmax(x, axis=-1):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("axis", [None, -1, 0, 1])
def test_softmax_and_log_softmax(dtype, axis):
    x = sample(dtype, 3, 4, 5)
    a = -1 if axis is None else axis
    close(tf.nn.softmax(x, axis=axis), np_softmax(x, a), dtype)
    close(tf.nn.log_softmax(x, axis=axis), np.log(np_softmax(x, a)), dtype)
    close(tf.math.softmax(x, axis), np_softmax(x, a), dtype)


def test_softmax_is_stable_for_huge_logits():
    x = np.array([[1000.0, 0.0, -1000.0], [-1e30, -1e30, -1e30]], np.float32)
    out = tf.nn.softmax(x).numpy()
    np.testing.assert_allclose(out, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    ls = tf.nn.log_softmax(x).numpy()
    assert np.all(np.isfinite(ls))
    np.testing.assert_allclose(ls[0], [0.0, -1000.0, -2000.0])


def test_softmax_errors():
    with pytest.raises(ShapeError, match="rank >= 1"):
        tf.nn.softmax(np.float32(1.0))
    with pytest.raises(InvalidArgumentError, match="out of range"):
        tf.nn.softmax(sample(np.float32), axis=2)


# -- normalisation ---------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_l2_normalize(dtype):
    x = sample(dtype)
    close(tf.nn.l2_normalize(x), x / np.sqrt((x.astype(np.float64) ** 2).sum()), dtype)
    close(tf.math.l2_normalize(x, axis=1),
          x / np.linalg.norm(x.astype(np.float64), axis=1, keepdims=True), dtype)
    close(tf.nn.l2_normalize(x, axis=[0, 1]), tf.nn.l2_normalize(x).numpy(), dtype)
    zero = tf.nn.l2_normalize(np.zeros((2, 3), dtype), axis=-1).numpy()
    np.testing.assert_array_equal(zero, 0)
    close(tf.nn.l2_normalize(np.array([1e-8], dtype), epsilon=1.0), np.array([1e-8]))


def test_l2_loss():
    x = sample(np.float64)
    close(tf.nn.l2_loss(x), np.sum(x ** 2) / 2)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("axes,keep", [([0], False), ([0, 1], False), ([1], True),
                                       ([-1, 0], True)])
def test_moments(dtype, axes, keep):
    x = sample(dtype, 3, 4, 2)
    mean, var = tf.nn.moments(x, axes=axes, keepdims=keep)
    xs = x.astype(np.float64)
    close(mean, xs.mean(tuple(axes), keepdims=keep), dtype)
    close(var, xs.var(tuple(axes), keepdims=keep), dtype)


def test_moments_float16_and_int():
    x = np.array([[1.0, 2.0], [3.0, 6.0]], np.float16)
    mean, var = tf.nn.moments(x, axes=[0])
    assert mean.dtype == tf.float16 and var.dtype == tf.float16
    np.testing.assert_allclose(var.numpy(), [1.0, 4.0])
    mean, var = tf.nn.moments(np.array([1, 3, 5], np.int32), axes=[0])
    assert mean.dtype == tf.int32 and int(mean) == 3 and int(var) == 2


def test_batch_normalization():
    x = sample(np.float32, 4, 3)
    mean, var = x.mean(0), x.var(0)
    offset, scale = sample(np.float32, 3), sample(np.float32, 3)
    out = tf.nn.batch_normalization(x, mean, var, offset, scale, 1e-3)
    close(out, (x - mean) / np.sqrt(var + 1e-3) * scale + offset)
    with pytest.raises(DTypeError, match="variance"):
        tf.nn.batch_normalization(x, mean, tf.constant(var.astype(np.float64)), None, None, 0.1)


# -- bias_add --------------------------------------------------------------------------

def test_bias_add_formats():
    x, b = sample(np.float32, 2, 3, 4), sample(np.float32, 4)
    close(tf.nn.bias_add(x, b), x + b)
    close(tf.nn.bias_add(x, b, data_format="NWC"), x + b)
    b3 = sample(np.float32, 3)
    close(tf.nn.bias_add(x, b3, data_format="NCW"), x + b3[:, None])
    x4 = sample(np.float32, 2, 3, 4, 5)
    close(tf.nn.bias_add(x4, b3, data_format="NCHW"), x4 + b3[:, None, None])
    x2 = sample(np.float32, 2, 3)
    close(tf.nn.bias_add(x2, b3, data_format="NC"), x2 + b3)
    i = np.arange(6, dtype=np.int32).reshape(2, 3)
    np.testing.assert_array_equal(tf.nn.bias_add(i, [1, 2, 3]).numpy(), i + [1, 2, 3])


def test_bias_add_errors():
    x = sample(np.float32, 2, 3, 4)
    with pytest.raises(ShapeError,
                       match=r"bias float32\[3\] must match the last dimension.*\(3 vs 4\)"):
        tf.nn.bias_add(x, np.zeros(3, np.float32))
    with pytest.raises(ShapeError, match=r"must match dimension 1 \('NC...'\).*\(4 vs 3\)"):
        tf.nn.bias_add(x, np.zeros(4, np.float32), data_format="NCHW")
    with pytest.raises(ShapeError, match="bias must be 1-D"):
        tf.nn.bias_add(x, np.zeros((1, 4), np.float32))
    with pytest.raises(ShapeError, match="rank >= 2"):
        tf.nn.bias_add(np.zeros(4, np.float32), np.zeros(4, np.float32))
    with pytest.raises(InvalidArgumentError, match="data_format"):
        tf.nn.bias_add(x, np.zeros(4, np.float32), data_format="HWC")
    with pytest.raises(DTypeError, match="same dtype"):
        tf.nn.bias_add(x, tf.constant(np.zeros(4)))


# -- cross-entropies ----------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_cross_entropy(dtype):
    logits = sample(dtype, 4, 5)
    labels = np_softmax(sample(dtype, 4, 5)).astype(dtype)
    want = -(labels * np.log(np_softmax(logits))).sum(-1)
    close(tf.nn.softmax_cross_entropy_with_logits(labels, logits), want, dtype)
    want0 = -(labels * np.log(np_softmax(logits, 0))).sum(0)
    close(tf.nn.softmax_cross_entropy_with_logits(labels, logits, axis=0), want0, dtype)
    onehot = np.eye(5, dtype=dtype)[[0, 2, 4, 1]]
    out = tf.nn.softmax_cross_entropy_with_logits(labels=onehot, logits=logits)
    close(out, -np.log(np_softmax(logits))[np.arange(4), [0, 2, 4, 1]], dtype)


def test_softmax_cross_entropy_extremes_and_float16():
    logits = np.array([[100.0, -100.0], [-100.0, 100.0]], np.float32)
    labels = np.array([[1.0, 0.0], [1.0, 0.0]], np.float32)
    out = tf.nn.softmax_cross_entropy_with_logits(labels, logits).numpy()
    np.testing.assert_allclose(out, [0.0, 200.0])
    out16 = tf.nn.softmax_cross_entropy_with_logits(labels.astype(np.float16),
                                                    logits.astype(np.float16))
    assert out16.dtype == tf.float16 and np.all(np.isfinite(out16.numpy()))


def test_softmax_cross_entropy_errors():
    with pytest.raises(ShapeError, match="same shape"):
        tf.nn.softmax_cross_entropy_with_logits(np.zeros((2, 3), np.float32),
                                                np.zeros((2, 4), np.float32))
    with pytest.raises(DTypeError, match="labels .* and logits .* same dtype"):
        tf.nn.softmax_cross_entropy_with_logits(tf.constant(np.zeros((2, 3))),
                                                np.zeros((2, 3), np.float32))


def test_sparse_softmax_cross_entropy_tf_example():
    logits = np.array([[2., -5., .5, -.1], [0., 0., 1.9, 1.4], [-100., 100., -100., -100.]],
                      np.float32)
    out = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([0, 3, 1]),
                                                         logits=logits)
    np.testing.assert_allclose(out.numpy(), [0.29750752, 1.1448325, 0.0], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("label_dtype", [np.int32, np.int64])
def test_sparse_softmax_cross_entropy(dtype, label_dtype):
    logits = sample(dtype, 2, 3, 5)
    labels = R.integers(0, 5, (2, 3)).astype(label_dtype)
    want = -np.take_along_axis(np.log(np_softmax(logits)), labels[..., None], -1)[..., 0]
    out = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
    close(out, want, dtype)
    dense = tf.nn.softmax_cross_entropy_with_logits(np.eye(5, dtype=dtype)[labels], logits)
    close(out, dense.numpy(), dtype)


def test_sparse_softmax_cross_entropy_extremes():
    logits = np.array([[100.0, -100.0, -100.0]], np.float32)
    out = tf.nn.sparse_softmax_cross_entropy_with_logits([2], logits).numpy()
    np.testing.assert_allclose(out, [200.0])
    out = tf.nn.sparse_softmax_cross_entropy_with_logits(np.array(0), logits[0]).numpy()
    assert out == 0.0


def test_sparse_softmax_cross_entropy_errors():
    logits = np.zeros((2, 3), np.float32)
    with pytest.raises(InvalidArgumentError, match=r"label value of 3 .* range of \[0, 3\)"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.array([0, 3]), logits)
    with pytest.raises(InvalidArgumentError, match=r"label value of -1"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.array([-1, 0]), logits)
    with pytest.raises(ShapeError, match=r"without its last \(class\) dimension"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.zeros((2, 3), np.int32), logits)
    with pytest.raises(ShapeError, match="without its last"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.zeros(3, np.int32), logits)
    with pytest.raises(ShapeError, match="rank >= 1"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.int32(0), np.float32(1.0))
    with pytest.raises(DTypeError, match="int32 or int64 class indices.*softmax_cross_entropy"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.zeros(2, np.float32), logits)


@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_cross_entropy(dtype):
    logits = sample(dtype)
    labels = R.random((3, 4)).astype(dtype)
    p = _sigmoid(logits)
    want = -labels * np.log(p) - (1 - labels) * np.log(1 - p)
    out = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
    close(out, want, dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_cross_entropy_extremes(dtype):
    logits = np.array([100.0, -100.0, 100.0, -100.0, 0.0], dtype)
    labels = np.array([1.0, 0.0, 0.0, 1.0, 0.5], dtype)
    out = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits).numpy()
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, [0.0, 0.0, 100.0, 100.0, np.log(2.0)], atol=1e-6)


def test_sigmoid_cross_entropy_errors():
    with pytest.raises(ValueError, match="both labels and logits are required"):
        tf.nn.sigmoid_cross_entropy_with_logits(logits=np.zeros(2, np.float32))
    with pytest.raises(ShapeError, match="same shape"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=np.zeros(3, np.float32),
                                                logits=np.zeros(2, np.float32))
    with pytest.raises(DTypeError, match="same dtype"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(np.zeros(2)),
                                                logits=np.zeros(2, np.float32))


def test_weighted_cross_entropy():
    logits, labels = sample(np.float64), R.random((3, 4))
    p = _sigmoid(logits)
    want = -3.0 * labels * np.log(p) - (1 - labels) * np.log(1 - p)
    close(tf.nn.weighted_cross_entropy_with_logits(labels, logits, 3.0), want)
    ext = tf.nn.weighted_cross_entropy_with_logits(np.array([1.0, 0.0]),
                                                   np.array([-100.0, 100.0]), 2.0)
    np.testing.assert_allclose(ext.numpy(), [200.0, 100.0])


def test_nn_dropout_drops_rate_and_scales_the_rest():
    x = tf.ones((200, 50))
    y = tf.nn.dropout(x, rate=0.3, seed=4).numpy()
    assert set(np.unique(y).tolist()) <= {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.02
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = tf.nn.dropout(x, rate=0.5, seed=5)
    g = tape.gradient(out, x).numpy()
    np.testing.assert_array_equal(g, out.numpy())  # d(x*mask/(1-r))/dx = mask/(1-r), x=1
    shared = tf.nn.dropout(tf.ones((4, 6)), rate=0.5, noise_shape=[4, 1], seed=6).numpy()
    assert all(len(set(row.tolist())) == 1 for row in shared)  # one draw per row
    assert tf.nn.dropout(x, rate=0.0) is x or np.array_equal(tf.nn.dropout(x, 0.0), x)
    with pytest.raises(ValueError, match="rate must be a number in \\[0, 1\\)"):
        tf.nn.dropout(x, rate=1.0)
    with pytest.raises(tf.errors.DTypeError, match="dropout: x must be a floating"):
        tf.nn.dropout(tf.constant([1, 2]), rate=0.5)

"""keras.activations: values vs NumPy formulas, extremes, tracing, gradients, get/serialize."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember as tf
from ember.keras import activations as A

R = np.random.default_rng(11)
FLOATS = [np.float32, np.float64]
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
# Large |x| and the kinks of the piecewise functions (0, +-2.5, +-3, 6).
EXTREME = np.array([-1000.0, -100.0, -20.0, -3.0, -2.5, -1.0, -0.0, 0.0, 1.0, 2.5, 3.0,
                    6.0, 20.0, 100.0, 1000.0])


def _erf(x):
    return np.vectorize(math.erf)(x)


def _sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def _softplus(x):
    return np.logaddexp(0.0, x)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _log_softmax(x, axis=-1):
    z = x - x.max(axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis, keepdims=True))


def _relu_keras(x, alpha=0.0, max_value=None, threshold=0.0):
    y = np.where(x > threshold, x, 0.0)
    if max_value is not None:
        y = np.clip(y, 0.0, max_value)
    return y - alpha * np.maximum(threshold - x, 0.0)


# name -> (ember function, float64 NumPy reference)
CASES = {
    "relu": (A.relu, lambda x: np.maximum(x, 0.0)),
    "relu_alpha": (lambda x: A.relu(x, alpha=0.3), lambda x: _relu_keras(x, alpha=0.3)),
    "relu_max": (lambda x: A.relu(x, max_value=4.0), lambda x: np.clip(x, 0.0, 4.0)),
    "relu_threshold": (lambda x: A.relu(x, threshold=1.5),
                       lambda x: _relu_keras(x, threshold=1.5)),
    "relu_all": (lambda x: A.relu(x, alpha=0.1, max_value=6.0, threshold=2.0),
                 lambda x: _relu_keras(x, 0.1, 6.0, 2.0)),
    "sigmoid": (A.sigmoid, _sigmoid),
    "tanh": (A.tanh, np.tanh),
    "linear": (A.linear, lambda x: x),
    "gelu": (A.gelu, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2.0)))),
    "gelu_tanh": (lambda x: A.gelu(x, approximate=True),
                  lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi)
                                                   * (x + 0.044715 * x ** 3)))),
    "silu": (A.silu, lambda x: x * _sigmoid(x)),
    "elu": (A.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    "elu_alpha": (lambda x: A.elu(x, alpha=0.5),
                  lambda x: np.where(x > 0, x, 0.5 * np.expm1(np.minimum(x, 0)))),
    "selu": (A.selu, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA
                                                     * np.expm1(np.minimum(x, 0)))),
    "softplus": (A.softplus, _softplus),
    "softsign": (A.softsign, lambda x: x / (1 + np.abs(x))),
    "leaky_relu": (A.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    "leaky_relu_slope": (lambda x: A.leaky_relu(x, negative_slope=0.5),
                         lambda x: np.where(x > 0, x, 0.5 * x)),
    "leaky_relu_alpha": (lambda x: A.leaky_relu(x, alpha=0.01),
                         lambda x: np.where(x > 0, x, 0.01 * x)),
    "relu6": (A.relu6, lambda x: np.clip(x, 0.0, 6.0)),
    "hard_sigmoid": (A.hard_sigmoid, lambda x: np.clip(x + 3.0, 0.0, 6.0) / 6.0),
    "hard_silu": (A.hard_silu, lambda x: x * np.clip(x + 3.0, 0.0, 6.0) / 6.0),
    "exponential": (A.exponential, np.exp),
    "mish": (A.mish, lambda x: x * np.tanh(_softplus(x))),
    "softmax": (A.softmax, _softmax),
    "log_softmax": (A.log_softmax, lambda x: _log_softmax(x)),
}


def close(got, want, dtype):
    got = np.asarray(got)
    assert got.dtype == dtype, (got.dtype, dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want.astype(dtype), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_activation_matches_numpy(name, dtype):
    fn, ref = CASES[name]
    x = (R.standard_normal((4, 5)) * 3).astype(dtype)
    x[0, :4] = [0.0, 2.5, -3.0, 6.0]
    want = ref(x.astype(np.float64))
    close(fn(tf.constant(x)), want, dtype)
    close(fn(tf.Variable(x)), want, dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(set(CASES) - {"exponential"}))
def test_activation_is_finite_and_exact_at_large_inputs(name, dtype):
    fn, ref = CASES[name]
    x = EXTREME.astype(dtype)[None]  # rank 2, for softmax
    out = np.asarray(fn(tf.constant(x)))
    assert np.all(np.isfinite(out)), out
    want = ref(x.astype(np.float64)).astype(dtype)
    # float32: gelu near -3 loses digits to 1 + erf(x) ~ 0, inherent to the formula
    rtol, atol = (2e-5, 1e-7) if dtype == np.float32 else (1e-12, 1e-300)
    np.testing.assert_allclose(out, want, rtol=rtol, atol=atol)


def test_saturating_functions_at_extremes():
    x = tf.constant([-100.0, 100.0])
    np.testing.assert_array_equal(A.sigmoid(x).numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(A.softplus(x).numpy()[1], 100.0)
    # exp(-100) is a float32 denormal: the stable formula keeps it instead of log(1) = 0
    assert float(A.softplus(x)[0]) == pytest.approx(math.exp(-100.0), rel=1e-2)
    assert float(A.sigmoid(tf.constant(-100.0, tf.float64))) == pytest.approx(
        math.exp(-100.0), rel=1e-12)
    assert float(A.exponential(tf.constant(1000.0))) == np.inf  # as exp itself


def test_keras_doc_examples():
    foo = tf.constant([-10.0, -5.0, 0.0, 5.0, 10.0])
    np.testing.assert_array_equal(A.relu(foo, alpha=0.5).numpy(), [-5, -2.5, 0, 5, 10])
    np.testing.assert_array_equal(A.relu(foo, max_value=5.0).numpy(), [0, 0, 0, 5, 5])
    np.testing.assert_array_equal(A.relu(foo, threshold=5.0).numpy(), [0, 0, 0, 0, 10])
    a = tf.constant([-3.0, -1.0, 0.0, 1.0, 3.0])
    # Keras 3's hard_sigmoid (TF 2.21): relu6(x + 3) / 6, not Keras 2's 0.2 * x + 0.5
    np.testing.assert_allclose(A.hard_sigmoid(a).numpy(), [0, 1 / 3, 0.5, 2 / 3, 1],
                               rtol=1e-6)


@pytest.mark.parametrize("axis", [0, 1, -1, (1, 2), [0, 2]])
def test_softmax_axes(axis):
    x = R.standard_normal((2, 3, 4))
    ax = tuple(axis) if isinstance(axis, list) else axis
    close(A.softmax(tf.constant(x), axis=axis), _softmax(x, ax), np.float64)
    close(A.log_softmax(tf.constant(x), axis=axis), _log_softmax(x, ax), np.float64)


def test_softmax_1d_and_scalar():
    close(A.softmax(tf.constant([1.0, 2.0])), _softmax(np.array([1.0, 2.0])), np.float32)
    with pytest.raises(ValueError, match="rank >= 1"):
        A.softmax(tf.constant(1.0))


def test_plain_python_and_numpy_inputs_are_converted():
    np.testing.assert_array_equal(A.relu([-1.0, 2.0]).numpy(), [0.0, 2.0])
    assert A.sigmoid(np.zeros(2, np.float64)).dtype == tf.float64


@pytest.mark.parametrize("name", sorted(CASES))
def test_traced_matches_eager(name):
    fn, _ = CASES[name]
    x = tf.constant((R.standard_normal((3, 4)) * 4).astype(np.float32))
    traced = tf.function(lambda t: tf.identity(fn(t)))
    np.testing.assert_allclose(traced(x).numpy(), fn(x).numpy(), rtol=1e-6, atol=1e-7)
    # an unknown batch dim (a second signature) too
    y = tf.constant((R.standard_normal((5, 4)) * 4).astype(np.float32))
    np.testing.assert_allclose(traced(y).numpy(), fn(y).numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["relu_all", "hard_sigmoid", "hard_silu", "mish", "elu_alpha",
                                  "softmax", "gelu", "selu"])
def test_gradient_matches_finite_differences(name):
    fn, _ = CASES[name]
    # away from the kinks, where the derivative is defined
    x = np.array([[-3.7, -1.3, -0.4, 0.6, 1.1, 1.9, 2.2, 3.4, 5.1, 7.3]])
    t = tf.constant(x)
    w = np.linspace(0.5, 1.5, x.size).reshape(x.shape)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.reduce_sum(fn(t) * w)
    g = tape.gradient(y, t).numpy()
    eps = 1e-6
    fd = np.zeros_like(x)
    for i in range(x.size):
        d = np.zeros_like(x)
        d.flat[i] = eps
        fd.flat[i] = (np.sum(np.asarray(fn(tf.constant(x + d))) * w)
                      - np.sum(np.asarray(fn(tf.constant(x - d))) * w)) / (2 * eps)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


# -- get / serialize ---------------------------------------------------------------------

NAMES = ["relu", "sigmoid", "softmax", "tanh", "linear", "gelu", "silu", "elu", "selu",
         "softplus", "softsign", "leaky_relu", "relu6", "hard_sigmoid", "hard_silu",
         "exponential", "log_softmax", "mish"]


@pytest.mark.parametrize("name", NAMES)
def test_get_serialize_round_trip(name):
    fn = A.get(name)
    assert fn is getattr(A, name)
    assert A.serialize(fn) == name
    assert A.deserialize(A.serialize(fn)) is fn
    assert A.get({"class_name": name, "config": {}}) is fn
    assert A.get({"class_name": "function", "config": name}) is fn  # Keras 3's form


def test_get_aliases_none_and_callables():
    assert A.get("swish") is A.silu and A.swish is A.silu
    assert A.get("hard_swish") is A.hard_silu
    assert A.get(None) is A.linear

    def custom(x):
        return x * 2.0

    assert A.get(custom) is custom
    assert A.serialize(custom) == "custom"
    assert A.deserialize("custom", custom_objects={"custom": custom}) is custom


@pytest.mark.parametrize("bad", ["no_such_fn", 3, {"config": {}}, {"class_name": "nope"}])
def test_get_rejects_unknown_identifiers(bad):
    with pytest.raises(ValueError, match="Could not interpret activation function identifier"
                                         ".*relu"):
        A.get(bad)


def test_serialize_rejects_lambdas():
    with pytest.raises(ValueError, match="named function"):
        A.serialize(lambda x: x)

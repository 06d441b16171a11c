"""keras.layers RMSNormalization, GroupNormalization and SpectralNormalization (issue 16).

Oracles: real Keras 3 (NumPy backend) with the same weights, both ways, for values, the
training-time update of SpectralNormalization, configs and `.keras` files; NumPy formulas;
float64 central differences for gradients."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import ember as tf
from ember import keras
from tests.helpers import numeric_gradient
from tests.keras3_oracle import keras3

# Keras 3's own variables warn about NumPy 2's copy keyword when read as arrays
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
L = keras.layers
R = np.random.default_rng(61)


def _f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


X = _f32(2, 5, 8)

CASES = [
    ("rms", lambda M: M.RMSNormalization(), X),
    ("rms_two_axes", lambda M: M.RMSNormalization(axis=[1, 2], epsilon=1e-3), X),
    ("group", lambda M: M.GroupNormalization(4), X),
    ("group_axis1_no_center", lambda M: M.GroupNormalization(2, axis=1, center=False),
     _f32(2, 4, 3, 3)),
    ("instance", lambda M: M.GroupNormalization(-1, scale=False), X),
    ("group_one_is_layer_norm", lambda M: M.GroupNormalization(1), _f32(3, 4, 4, 2)),
    ("spectral_dense", lambda M: M.SpectralNormalization(M.Dense(3)), X),
    ("spectral_conv", lambda M: M.SpectralNormalization(M.Conv2D(3, 2), power_iterations=2),
     _f32(2, 5, 5, 2)),
]


@pytest.mark.parametrize("make,x", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_same_values_as_keras3_with_the_same_weights_both_ways(make, x):
    K = keras3()
    theirs, ours = make(K.layers), make(L)
    want = np.asarray(theirs(x))
    ours(x)
    assert [w.shape for w in ours.get_weights()] == \
        [tuple(w.shape) for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(x).numpy(), want, rtol=1e-5, atol=2e-6)
    ours.set_weights([w + R.uniform(0.1, 0.5, w.shape).astype(w.dtype)
                      for w in ours.get_weights()])
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), rtol=1e-5, atol=2e-6)


def test_formulas_as_numpy():
    x = R.standard_normal((3, 4, 6))
    rms = L.RMSNormalization(dtype="float64")
    want = x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-6)
    np.testing.assert_allclose(rms(x).numpy(), want, rtol=1e-12)
    gn = L.GroupNormalization(3, epsilon=1e-3, dtype="float64")
    g = x.reshape(3, 4, 3, 2)
    mean, var = g.mean((1, 3), keepdims=True), g.var((1, 3), keepdims=True)
    np.testing.assert_allclose(gn(x).numpy(), ((g - mean) / np.sqrt(var + 1e-3)).reshape(
        x.shape), rtol=1e-10, atol=1e-12)
    assert gn.gamma.shape == (6,) and gn.beta.shape == (6,)
    h = L.RMSNormalization(dtype="float16")(tf.cast(_f32(2, 3), tf.float16))
    assert h.dtype == tf.float16 and np.isfinite(h.numpy()).all()


def test_mixed_precision_computes_in_float16_with_float32_weights():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        x = np.ones((2, 4), np.float32)
        for layer in (L.RMSNormalization(), L.GroupNormalization(2),
                      L.SpectralNormalization(L.Dense(3))):
            out = layer(x, training=True)
            assert out.dtype == tf.float16 and np.isfinite(out.numpy()).all()
            assert all(w.dtype == tf.float32 for w in layer.weights)
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_float64_gradients_match_central_differences():
    x0 = R.standard_normal((2, 3, 4))
    u = R.standard_normal((2, 3, 4))
    for layer in (L.RMSNormalization(axis=[1, 2], dtype="float64"),
                  L.GroupNormalization(2, dtype="float64")):
        layer.build(x0.shape)
        layer.set_weights([R.uniform(0.5, 1.5, w.shape) for w in layer.get_weights()])
        x = tf.constant(x0)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(layer(x) * u)
        gx, gw = tape.gradient(y, [x, layer.weights[0]])
        num = numeric_gradient(lambda a: float(tf.reduce_sum(layer(tf.constant(a)) * u)), x0)
        np.testing.assert_allclose(gx.numpy(), num, rtol=1e-6, atol=1e-8)
        w = layer.weights[0]
        w0 = w.numpy().copy()

        def at(a):
            w.assign(a)
            return float(tf.reduce_sum(layer(x) * u))
        num_w = numeric_gradient(at, w0)
        w.assign(w0)
        np.testing.assert_allclose(gw.numpy(), num_w, rtol=1e-6, atol=1e-8)


def test_spectral_normalization_updates_only_in_training_as_keras3():
    K = keras3()
    x = _f32(4, 6)
    theirs = K.layers.SpectralNormalization(K.layers.Dense(5), power_iterations=2)
    ours = L.SpectralNormalization(L.Dense(5), power_iterations=2)
    theirs(x)
    ours(x)
    ours.set_weights(theirs.get_weights())
    before = ours.get_weights()
    ours(x)
    ours(x, training=False)
    for a, b in zip(ours.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    for _ in range(3):  # each training call: vector_u and the kernel move as Keras 3's
        np.testing.assert_allclose(ours(x, training=True).numpy(),
                                   np.asarray(theirs(x, training=True)), rtol=1e-5,
                                   atol=1e-6)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)
    assert abs(np.linalg.svd(ours.layer.kernel.numpy())[1][0] - 1) < 0.05
    # a model in fit trains the kernel and updates vector_u; predict doesn't
    inp = keras.Input((6,))
    sn = L.SpectralNormalization(L.Dense(1))
    model = keras.Model(inp, sn(inp))
    model.compile("sgd", "mse")
    u0 = sn.vector_u.numpy().copy()
    model.predict(x, verbose=0)
    np.testing.assert_array_equal(sn.vector_u.numpy(), u0)
    model.fit(x, np.ones((4, 1)), epochs=2, verbose=0)
    assert not np.allclose(sn.vector_u.numpy(), u0)
    assert sn.weights[1] is sn.vector_u and not sn.vector_u.trainable


def test_spectral_normalization_gradients_alike_eagerly_and_in_function():
    x = tf.constant(_f32(3, 4))

    def grads(layer):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(layer(x, training=True) ** 2)
        return tape.gradient(y, layer.layer.kernel)
    a = L.SpectralNormalization(L.Dense(2))
    b = L.SpectralNormalization(L.Dense(2))
    a(x)
    b(x)
    b.set_weights(a.get_weights())
    eager = grads(a).numpy()
    traced = tf.function(lambda: grads(b))().numpy()
    np.testing.assert_allclose(traced, eager, rtol=1e-5, atol=1e-6)
    for p, q in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("make", [
    lambda: L.RMSNormalization(axis=[1, 2], epsilon=1e-4),
    lambda: L.GroupNormalization(4, axis=-1, center=False, gamma_regularizer="l2"),
    lambda: L.SpectralNormalization(L.Dense(3, activation="relu"), power_iterations=2)])
def test_config_round_trips_and_keras3_accepts_it(make):
    K = keras3()
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(copy.deepcopy(config))
    assert clone.get_config() == config
    again = L.deserialize(L.serialize(layer))
    assert type(again) is type(layer) and again.get_config() == config
    if isinstance(layer, L.SpectralNormalization):
        return  # its nested layer config needs Keras 3's schema: see the file test below
    theirs = getattr(K.layers, type(layer).__name__).from_config(copy.deepcopy(config))
    assert set(theirs.get_config()) == set(config)


def test_functional_sequential_function_and_files_both_ways(tmp_path):
    K = keras3()

    def build(M):
        inp = M.Input((6, 8))
        x = M.layers.GroupNormalization(4)(inp)
        x = M.layers.RMSNormalization()(x)
        x = M.layers.SpectralNormalization(M.layers.Dense(4))(x)
        return M.Model(inp, M.layers.SpectralNormalization(M.layers.Conv1D(2, 3))(x))

    x = _f32(3, 6, 8)
    ours = build(keras)
    want = ours.predict(x, verbose=0)
    assert want.shape == (3, 4, 2)
    fn = tf.function(lambda a: ours(a))
    np.testing.assert_allclose(fn(x).numpy(), want, rtol=1e-6, atol=1e-6)
    ours.save(tmp_path / "ember.keras")
    theirs = K.models.load_model(tmp_path / "ember.keras")
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)), want, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "ember.keras").predict(
        x, verbose=0), want, rtol=1e-6, atol=1e-6)
    made = build(K)
    made.save(tmp_path / "keras3.keras")
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "keras3.keras").predict(
        x, verbose=0), np.asarray(made.predict(x, verbose=0)), rtol=1e-5, atol=1e-6)
    inp = keras.Input((None, 8))  # an unknown number of steps
    gn = L.GroupNormalization(4)
    np.testing.assert_allclose(keras.Model(inp, gn(inp)).predict(x, verbose=0),
                               gn(x).numpy(), rtol=1e-6, atol=1e-6)
    seq = keras.Sequential([keras.Input((5,)), L.SpectralNormalization(L.Dense(3)),
                            L.RMSNormalization()])
    seq.compile("adam", "mse")
    seq.fit(_f32(8, 5), _f32(8, 3), epochs=1, verbose=0)
    assert seq.output_shape.as_list() == [None, 3]


@pytest.mark.parametrize("call,match", [
    (lambda: L.GroupNormalization(3)(_f32(2, 8)),
     r'GroupNormalization ".*": groups=3 must divide the 8 channels'),
    (lambda: L.GroupNormalization(0), r"groups must be a positive int"),
    (lambda: L.RMSNormalization(axis=3)(_f32(2, 8)),
     r'RMSNormalization ".*": axis=3 is out of range for inputs of rank 2 \(shape \(2, 8\)\)'),
    (lambda: L.SpectralNormalization(L.Flatten())(_f32(2, 3)),
     r"has no `kernel` nor `embeddings`"),
    (lambda: L.SpectralNormalization(L.Dense(2), power_iterations=0),
     r"power_iterations must be an int > 0"),
])
def test_bad_arguments_get_a_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
    with pytest.raises(TypeError, match="must be a keras Layer"):
        L.SpectralNormalization("dense")

"""keras.layers normalization layers: LayerNormalization, BatchNormalization,
UnitNormalization, Normalization (adapt), Rescaling. Oracles are NumPy formulas written
here and float64 central differences for gradients."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from tests.helpers import assert_close, run_layer_test, x32

L = keras.layers
R = np.random.default_rng(11)


def _ln_ref(x, axes, eps, gamma=None, beta=None):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    bshape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]
    if gamma is not None:
        y = y * gamma.reshape(bshape)
    if beta is not None:
        y = y + beta.reshape(bshape)
    return y


def _num_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


# -- LayerNormalization ---------------------------------------------------------------------

@pytest.mark.parametrize("shape, axis, axes", [((4, 5), -1, (1,)), ((2, 3, 4), [1, 2], (1, 2)),
                                               ((2, 3, 4), 1, (1,)),
                                               ((2, 3, 4, 2), (-1, -3), (1, 3))])
def test_layer_norm_values(shape, axis, axes):
    x = x32(*shape)
    pshape = tuple(shape[a] for a in axes)
    gamma = R.uniform(0.5, 2, pshape).astype(np.float32)
    beta = R.uniform(-1, 1, pshape).astype(np.float32)
    out = run_layer_test(L.LayerNormalization, {"axis": axis, "epsilon": 1e-3}, x,
                         _ln_ref(x.astype(np.float64), axes, 1e-3, gamma, beta),
                         weights=[gamma, beta], tol=1e-5)
    assert out.shape == shape
    layer = L.LayerNormalization(axis=axis)
    layer.build(shape)
    assert tuple(layer.gamma.shape) == pshape and tuple(layer.beta.shape) == pshape


def test_layer_norm_float64_no_center_scale():
    x = R.normal(size=(3, 6)) * 5 + 2
    layer = L.LayerNormalization(center=False, scale=False, epsilon=1e-5, dtype="float64")
    y = layer(x)
    assert y.dtype == tf.float64 and layer.weights == []
    assert_close(y.numpy(), _ln_ref(x, (1,), 1e-5), 1e-12)


def test_layer_norm_gradients():
    x = R.normal(size=(3, 4))
    gamma, beta = R.uniform(0.5, 2, 4), R.normal(size=4)
    w = R.normal(size=(3, 4))
    layer = L.LayerNormalization(dtype="float64", epsilon=1e-2)
    layer.build(x.shape)
    layer.set_weights([gamma, beta])
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(layer(xt) * w)
    gx, gg, gb = tape.gradient(loss, [xt, layer.gamma, layer.beta])
    f = lambda xx: float(np.sum(_ln_ref(xx, (1,), 1e-2, gamma, beta) * w))  # noqa: E731
    assert_close(gx.numpy(), _num_grad(f, x), 1e-6)
    assert_close(gg.numpy(), _num_grad(lambda g: float(np.sum(_ln_ref(x, (1,), 1e-2, g, beta) * w)),
                                       gamma), 1e-6)
    assert_close(gb.numpy(), w.sum(0), 1e-9)


def test_layer_norm_regularizer_constraint_config():
    layer = L.LayerNormalization(gamma_regularizer="l2", beta_constraint="non_neg",
                                 beta_initializer="ones", name="ln")
    layer(x32(2, 3))
    assert len(layer.losses) == 1
    assert_close(layer.losses[0].numpy(), 0.01 * 3, 1e-6)
    assert layer.beta.constraint is not None
    cfg = layer.get_config()
    assert cfg["epsilon"] == 1e-3 and cfg["axis"] == -1
    assert L.LayerNormalization.from_config(cfg).get_config() == cfg


# -- BatchNormalization ---------------------------------------------------------------------

def _bn_ref(x, mean, var, eps, gamma=1.0, beta=0.0):
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def test_batch_norm_inference_uses_moving_stats():
    x = x32(5, 3)
    w = [R.uniform(0.5, 2, 3), R.normal(size=3), R.normal(size=3), R.uniform(0.5, 2, 3)]
    w = [a.astype(np.float32) for a in w]
    run_layer_test(L.BatchNormalization, {}, x, _bn_ref(x, w[2], w[3], 1e-3, w[0], w[1]),
                   weights=w)


@pytest.mark.parametrize("shape, axis, dtype", [((6, 3), -1, "float32"),
                                                ((4, 3, 5), 1, "float64"),
                                                ((2, 3, 4, 2), -1, "float32"),
                                                ((4, 3, 2), [1, 2], "float64")])
def test_batch_norm_training_values_and_update(shape, axis, dtype):
    x = R.normal(size=shape).astype(dtype) * 3 + 1
    layer = L.BatchNormalization(axis=axis, momentum=0.9, dtype=dtype,
                                 moving_variance_initializer="ones")
    axes = tuple(sorted(a % len(shape) for a in ((axis,) if isinstance(axis, int) else axis)))
    red = tuple(a for a in range(len(shape)) if a not in axes)
    mean, var = x.mean(red, keepdims=True), x.var(red, keepdims=True)  # biased variance
    y = layer(x, training=True)
    tol = 1e-5 if dtype == "float32" else 1e-12
    assert_close(y.numpy(), _bn_ref(x, mean, var, 1e-3), tol)
    assert y.dtype.name == dtype
    pshape = (shape[axes[0]],) if len(axes) == 1 else tuple(
        shape[a] if a in axes else 1 for a in range(len(shape)))
    assert tuple(layer.moving_mean.shape) == pshape
    assert_close(layer.moving_mean.numpy(), 0.1 * mean.reshape(pshape), tol)
    assert_close(layer.moving_variance.numpy(), 0.9 + 0.1 * var.reshape(pshape), tol)
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2


def test_batch_norm_training_in_function_and_tensor_flag():
    x = x32(8, 2)
    layer = L.BatchNormalization(momentum=0.5)
    fn = tf.function(lambda t: layer(t, training=True))
    for _ in range(2):
        fn(tf.constant(x))
    mean, var = x.mean(0), x.var(0)
    assert_close(layer.moving_mean.numpy(), 0.75 * mean, 1e-5)
    assert_close(layer.moving_variance.numpy(), 0.25 + 0.75 * var, 1e-5)
    before = layer.get_weights()
    y = layer(x, training=tf.constant(False))
    assert_close(y.numpy(), _bn_ref(x, before[2], before[3], 1e-3), 1e-5)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    y = layer(x, training=tf.constant(True))
    assert_close(y.numpy(), _bn_ref(x, mean, var, 1e-3), 1e-5)
    assert_close(layer.moving_mean.numpy(), 0.5 * before[2] + 0.5 * mean, 1e-5)


def test_batch_norm_gradients_training():
    x = R.normal(size=(5, 3))
    gamma, beta = R.uniform(0.5, 2, 3), R.normal(size=3)
    w = R.normal(size=(5, 3))
    layer = L.BatchNormalization(dtype="float64", epsilon=1e-2)
    layer.build(x.shape)
    layer.set_weights([gamma, beta, np.zeros(3), np.ones(3)])
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(layer(xt, training=True) * w)
    gx, gg = tape.gradient(loss, [xt, layer.gamma])

    def f(xx, g=gamma):
        return float(np.sum(_bn_ref(xx, xx.mean(0), xx.var(0), 1e-2, g, beta) * w))

    assert_close(gx.numpy(), _num_grad(f, x), 1e-6)
    assert_close(gg.numpy(), _num_grad(lambda g: f(x, g), gamma), 1e-6)


def test_batch_norm_fit_moving_stats_and_predict():
    x = R.normal(size=(24, 3)).astype(np.float32) * 2 + 3
    y = R.normal(size=(24, 1)).astype(np.float32)
    inputs = keras.Input((3,))
    bn = L.BatchNormalization(momentum=0.8)
    model = keras.Model(inputs, L.Dense(1)(bn(inputs)))
    model.compile("sgd", "mse")
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    mm, mv = np.zeros(3), np.ones(3)
    for _ in range(2):
        for i in range(0, 24, 8):
            b = x[i:i + 8].astype(np.float64)
            mm = mm * 0.8 + b.mean(0) * 0.2
            mv = mv * 0.8 + b.var(0) * 0.2
    assert_close(bn.moving_mean.numpy(), mm, 1e-5)
    assert_close(bn.moving_variance.numpy(), mv, 1e-5)
    gamma, beta = bn.gamma.numpy(), bn.beta.numpy()
    kernel, bias = model.layers[-1].get_weights()
    want = _bn_ref(x, mm, mv, 1e-3, gamma, beta) @ kernel + bias
    assert_close(model.predict(x, verbose=0), want, 1e-4)
    before = bn.get_weights()
    loss = model.evaluate(x, y, verbose=0)
    assert_close(loss, np.mean((want - y) ** 2), 1e-4)
    for a, b in zip(before, bn.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_batch_norm_sequential_fit_updates():
    x = R.normal(size=(16, 2)).astype(np.float32) + 5
    model = keras.Sequential([keras.Input((2,)), L.BatchNormalization(momentum=0.0)])
    model.compile("sgd", "mse")
    model.fit(x, np.zeros_like(x), batch_size=16, epochs=1, verbose=0)
    assert_close(model.layers[0].moving_mean.numpy(), x.mean(0), 1e-5)


def test_batch_norm_trainable_false_runs_inference():
    x = x32(6, 2)
    layer = L.BatchNormalization()
    layer.build(x.shape)
    w = [np.array([2.0, 3.0]), np.array([0.5, -0.5]), np.array([1.0, -1.0]),
         np.array([4.0, 0.25])]
    layer.set_weights([a.astype(np.float32) for a in w])
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4
    y = layer(x, training=True)
    assert_close(y.numpy(), _bn_ref(x, w[2], w[3], 1e-3, w[0], w[1]), 1e-5)
    assert_close(layer.moving_mean.numpy(), w[2], 0)
    model = keras.Sequential([keras.Input((2,)), layer])
    model.compile("sgd", "mse")
    model.fit(x, np.zeros_like(x), batch_size=3, epochs=1, verbose=0)
    for a, b in zip(w, layer.get_weights()):
        assert_close(b, a, 1e-6)


def test_batch_norm_symbolic_training_does_not_update():
    layer = L.BatchNormalization()
    out = layer(keras.Input((4, 3)), training=True)
    assert tuple(out.shape) == (None, 4, 3)
    assert_close(layer.moving_mean.numpy(), np.zeros(3), 0)
    assert tuple(layer.compute_output_shape((None, 4, 3))) == (None, 4, 3)


def test_batch_norm_config():
    layer = L.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-4, center=False,
                                 moving_mean_initializer="ones", gamma_regularizer="l1")
    cfg = layer.get_config()
    assert cfg["axis"] == 1 and cfg["momentum"] == 0.9 and cfg["center"] is False
    again = L.deserialize(L.serialize(layer))
    assert type(again) is L.BatchNormalization and again.get_config() == cfg
    again.build((None, 3, 2))
    assert_close(again.moving_mean.numpy(), np.ones(3), 0)
    assert again.beta is None and len(again.weights) == 3


# -- UnitNormalization, Rescaling -----------------------------------------------------------

@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_unit_normalization(axis):
    x = x32(2, 3, 4)
    axes = tuple(a % 3 for a in ((axis,) if isinstance(axis, int) else axis))
    want = x / np.sqrt(np.maximum((x.astype(np.float64) ** 2).sum(axes, keepdims=True),
                                  1e-12))
    run_layer_test(L.UnitNormalization, {"axis": axis}, x, want)


def test_rescaling():
    x = x32(3, 4)
    run_layer_test(L.Rescaling, {"scale": 0.5, "offset": 1.0}, x, x * 0.5 + 1.0)
    run_layer_test(L.Rescaling, {"scale": [1.0, 2.0, 3.0, 4.0]}, x,
                   x * np.array([1.0, 2.0, 3.0, 4.0]))
    y = L.Rescaling(1 / 255)(np.array([[0, 255]], np.uint8))
    assert y.dtype == tf.float32
    assert_close(y.numpy(), [[0.0, 1.0]], 1e-7)
    y64 = L.Rescaling(2.0, dtype="float64")(np.array([1.5]))
    assert y64.dtype == tf.float64
    with pytest.raises(ValueError, match='"r".*scale must be a finite number'):
        L.Rescaling("big", name="r")


# -- Normalization --------------------------------------------------------------------------

def test_normalization_given_stats():
    x = x32(4, 3)
    mean, var = np.array([1.0, -1.0, 0.5]), np.array([4.0, 0.25, 0.0])
    want = (x - mean) / np.maximum(np.sqrt(var), 1e-7)
    run_layer_test(L.Normalization, {"mean": mean.tolist(), "variance": var.tolist()}, x,
                   want, tol=1e-4)
    inv = L.Normalization(mean=2.0, variance=9.0, invert=True)
    assert_close(inv(x).numpy(), 2.0 + 3.0 * x, 1e-6)


@pytest.mark.parametrize("axis, keep", [(-1, (2,)), (1, (1,)), ((1, 2), (1, 2)),
                                        (None, ())])
def test_normalization_adapt_array(axis, keep):
    data = R.normal(size=(20, 3, 4)) * 3 + 2
    layer = L.Normalization(axis=axis)
    layer.adapt(data)
    red = tuple(a for a in range(3) if a not in keep)
    mean, var = data.mean(red, keepdims=True), data.var(red, keepdims=True)
    assert_close(layer.mean.numpy(), mean, 1e-5)
    assert_close(layer.variance.numpy(), var, 1e-5)
    x = x32(2, 3, 4)
    assert_close(layer(x).numpy(), (x - mean) / np.sqrt(var), 1e-5)
    kin = keras.Input((3, 4))
    model = keras.Model(kin, layer(kin))
    assert_close(model.predict(x, verbose=0), (x - mean) / np.sqrt(var), 1e-5)
    assert_close(tf.function(layer)(tf.constant(x)).numpy(), (x - mean) / np.sqrt(var), 1e-5)
    assert int(layer.count.numpy()) == data.size // int(np.prod([data.shape[a] for a in keep]))


def test_normalization_adapt_dataset_and_readapt():
    data = (R.normal(size=(23, 3)) * [1, 5, 10] + [0, 1, -2]).astype(np.float32)
    layer = L.Normalization()
    layer.adapt(tf.data.Dataset.from_tensor_slices(data).batch(5))
    d64 = data.astype(np.float64)
    assert_close(layer.adapt_mean.numpy(), d64.mean(0), 1e-5)
    assert_close(layer.adapt_variance.numpy(), d64.var(0), 1e-5)
    layer.adapt(data[:4])  # starts over
    assert_close(layer.adapt_mean.numpy(), d64[:4].mean(0), 1e-5)
    layer.adapt(tf.data.Dataset.from_tensor_slices(data).batch(5), steps=2)
    assert_close(layer.adapt_mean.numpy(), d64[:10].mean(0), 1e-5)
    cfg = layer.get_config()
    assert cfg["mean"] is None and cfg["axis"] == -1
    assert L.Normalization.from_config(cfg).get_config() == cfg
    with pytest.raises(ValueError, match="dataset of input batches"):
        layer.adapt(tf.data.Dataset.from_tensor_slices((data, data)).batch(5))
    with pytest.raises(tf.errors.ShapeError, match="does not match"):
        layer.adapt(np.zeros((4, 5)))


def test_normalization_adapted_model_sees_readapt():
    layer = L.Normalization()
    layer.adapt(np.array([[0.0], [2.0]]))
    kin = keras.Input((1,))
    model = keras.Model(kin, layer(kin))
    assert_close(model.predict(np.array([[3.0]]), verbose=0), [[2.0]], 1e-6)
    layer.adapt(np.array([[0.0], [4.0]]))
    assert_close(model.predict(np.array([[3.0]]), verbose=0), [[0.5]], 1e-6)


# -- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [L.LayerNormalization, L.BatchNormalization,
                                 L.UnitNormalization, L.Normalization])
def test_axis_out_of_range(cls):
    with pytest.raises(ValueError, match=r'"nm".*axis=3 is out of range for inputs of rank 2 '
                                         r"\(shape \(2, 3\)\)"):
        cls(axis=3, name="nm")(x32(2, 3))
    with pytest.raises(ValueError, match=r'"nk".*rank 3 \(shape \(None, 4, 5\)\)'):
        cls(axis=-4, name="nk")(keras.Input((4, 5)))


def test_argument_errors():
    with pytest.raises(TypeError, match='"a".*axis must be'):
        L.LayerNormalization(axis="x", name="a")
    with pytest.raises(ValueError, match="momentum must be"):
        L.BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match="epsilon must be"):
        L.LayerNormalization(epsilon=-1.0)
    with pytest.raises(NotImplementedError, match="renorm"):
        L.BatchNormalization(renorm=True)
    with pytest.raises(ValueError, match="both mean and variance"):
        L.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="batch axis 0"):
        L.Normalization(axis=0)
    x = x32(2, 3)
    with pytest.warns(UserWarning, match=r"used before adapt\(\).*mean 0 and variance 1"):
        np.testing.assert_allclose(L.Normalization()(x).numpy(), x, rtol=1e-6)  # Keras 3
    with pytest.raises(tf.errors.ShapeError, match="does not broadcast"):
        L.Normalization(mean=[1.0, 2.0], variance=1.0)(x32(2, 3))
    with pytest.raises(ValueError, match="known size"):
        L.LayerNormalization(axis=1)(keras.Input((None, 3)))
    with pytest.raises(tf.errors.ShapeError, match="expected axis 1 to have value 3"):
        bn = L.BatchNormalization()
        bn(x32(2, 3))
        bn(x32(2, 4))


def test_setting_trainable_takes_effect_without_a_new_compile():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    y = rng.standard_normal((64, 1)).astype(np.float32)
    inp = keras.Input((4,))
    bn = keras.layers.BatchNormalization()
    base = keras.layers.Dense(3)
    out = keras.layers.Dense(1)(bn(base(inp)))
    model = keras.Model(inp, out)
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=1, verbose=0)
    frozen = [w.copy() for w in base.get_weights() + bn.get_weights()]
    base.trainable = False  # transfer-learning style, no compile() again (tf.keras needs one)
    bn.trainable = False
    head_before = model.layers[-1].get_weights()[0].copy()
    model.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(frozen, base.get_weights() + bn.get_weights()):
        np.testing.assert_array_equal(a, b)  # neither trained nor moving statistics updated
    assert not np.array_equal(head_before, model.layers[-1].get_weights()[0])
    moving = bn.moving_mean.numpy().copy()
    model(x, training=True)  # inference mode for a frozen BatchNormalization
    np.testing.assert_array_equal(moving, bn.moving_mean.numpy())

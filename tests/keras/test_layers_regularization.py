"""keras.layers regularization layers: Dropout (and spatial variants), GaussianNoise,
GaussianDropout, ActivityRegularization. Statistics use a fixed global seed and bounds of
at least 5 standard deviations, so they cannot flake."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.errors import DTypeError, ShapeError
from tests.helpers import assert_close, run_layer_test, x32

L = keras.layers
N = (100, 1000)  # 1e5 samples per statistic


@pytest.fixture(autouse=True)
def _seed():
    tf.random.set_seed(1234)
    yield
    tf.random.set_seed(None)


def _check_dropout(y, rate, x=None):
    """Zeros ~ rate, kept values scaled by 1 / (1 - rate), mean preserved."""
    x = np.ones_like(y) if x is None else x
    zero = y == 0
    n = y.size
    sigma = math.sqrt(rate * (1 - rate) / n)
    assert abs(zero.mean() - rate) < max(6 * sigma, 1e-3)
    assert_close(y[~zero], x[~zero] / (1 - rate), 1e-6)
    spread = math.sqrt(rate / (1 - rate) / n) * float(np.abs(x).max())
    assert abs(y.mean() - x.mean()) < 6 * spread


# -- identity unless training --------------------------------------------------------------

@pytest.mark.parametrize("cls, kwargs", [
    (L.Dropout, {"rate": 0.5}), (L.Dropout, {"rate": 0.3, "noise_shape": (None, 1),
                                             "seed": 3}),
    (L.GaussianNoise, {"stddev": 0.5}), (L.GaussianDropout, {"rate": 0.4, "seed": 1}),
    (L.ActivityRegularization, {"l1": 0.1, "l2": 0.2})])
def test_identity_when_not_training(cls, kwargs):
    x = x32(3, 4)
    run_layer_test(cls, kwargs, x, x, tol=0)
    layer = cls(**kwargs)
    for training in (False, None, 0):
        np.testing.assert_array_equal(layer(x, training=training).numpy(), x)


@pytest.mark.parametrize("cls, dims", [(L.SpatialDropout1D, (2, 3, 4)),
                                       (L.SpatialDropout2D, (2, 3, 4, 5)),
                                       (L.SpatialDropout3D, (2, 3, 4, 5, 2))])
def test_spatial_dropout_identity_and_config(cls, dims):
    x = x32(*dims)
    run_layer_test(cls, {"rate": 0.5}, x, x, tol=0)
    with pytest.raises(ShapeError, match=f'layer "sd".*ndim={len(dims)}'):
        cls(0.5, name="sd")(x32(2, 3))


# -- Dropout --------------------------------------------------------------------------------

@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_training_eager(rate):
    layer = L.Dropout(rate)
    y = layer(np.ones(N, np.float32), training=True).numpy()
    _check_dropout(y, rate)
    x = x32(50, 40)
    y2 = layer(x, training=True).numpy()
    kept = y2 != 0
    assert_close(y2[kept], x[kept] / (1 - rate), 1e-6)


def test_dropout_new_mask_each_call_and_seeding():
    layer = L.Dropout(0.5)
    x = np.ones((20, 50), np.float32)
    a, b = (layer(x, training=True).numpy() for _ in range(2))
    assert (a != b).any()
    tf.random.set_seed(1234)
    np.testing.assert_array_equal(layer(x, training=True).numpy(), a)
    seeded = L.Dropout(0.5, seed=7)
    tf.random.set_seed(5)
    c = seeded(x, training=True).numpy()
    tf.random.set_seed(5)
    np.testing.assert_array_equal(seeded(x, training=True).numpy(), c)


def test_dropout_rate_zero_and_gradient():
    x = x32(3, 4)
    np.testing.assert_array_equal(L.Dropout(0.0)(x, training=True).numpy(), x)
    layer = L.Dropout(0.5)
    v = tf.Variable(np.ones((4, 6), np.float32))
    with tf.GradientTape() as tape:
        y = layer(v, training=True)
        loss = tf.reduce_sum(y)
    g = tape.gradient(loss, v).numpy()
    np.testing.assert_array_equal(g, y.numpy())  # d(x * mask * 2)/dx = mask * 2 = y at x=1


def test_dropout_inside_ember_function():
    layer = L.Dropout(0.3)

    @tf.function
    def static(x):
        return layer(x, training=True)

    @tf.function(input_signature=[tf.TensorSpec([None, N[1]])])
    def dynamic(x):
        return layer(x, training=True)

    x = np.ones(N, np.float32)
    for fn in (static, dynamic):
        a, b = fn(x).numpy(), fn(x).numpy()
        _check_dropout(a, 0.3)
        assert (a != b).mean() > 0.3  # a new mask on every call

    @tf.function
    def switch(x, training):
        return layer(x, training=training)

    _check_dropout(switch(x, tf.constant(True)).numpy(), 0.3)
    np.testing.assert_array_equal(switch(x, tf.constant(False)).numpy(), x)


def test_dropout_in_model_training_flag():
    inp = keras.Input((N[1],))
    model = keras.Model(inp, L.Dense(N[1], kernel_initializer="identity",
                                     bias_initializer="zeros")(L.Dropout(0.4)(inp)))
    x = np.ones(N, np.float32)
    _check_dropout(model(x, training=True).numpy(), 0.4)
    np.testing.assert_array_equal(model(x).numpy(), x)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    seq = keras.Sequential([keras.Input((N[1],)), L.Dropout(0.4)])
    _check_dropout(seq(x, training=True).numpy(), 0.4)


def test_dropout_noise_shape():
    layer = L.Dropout(0.5, noise_shape=(None, 1, None))
    x = np.ones((50, 4, 60), np.float32)
    y = layer(x, training=True).numpy()
    assert (y == y[:, :1, :]).all()  # one mask for every step of axis 1
    _check_dropout(y[:, 0, :], 0.5)
    sym = keras.Input((4, 60))
    model = keras.Model(sym, layer(sym))
    y2 = model(x, training=True).numpy()
    assert (y2 == y2[:, :1, :]).all() and 0.35 < (y2 == 0).mean() < 0.65
    with pytest.raises(ShapeError, match=r'Layer "dn".*noise_shape \(None, 3\).*\(2, 4\)'):
        L.Dropout(0.5, noise_shape=(None, 3), name="dn")(x32(2, 4), training=True)
    with pytest.raises(ShapeError, match=r'Layer "dn2".*noise_shape'):
        L.Dropout(0.5, noise_shape=(None,), name="dn2")(x32(2, 4), training=True)


def test_spatial_dropout_masks_whole_channels():
    x = np.ones((40, 3, 4, 50), np.float32)
    y = L.SpatialDropout2D(0.5)(x, training=True).numpy()
    assert (y == y[:, :1, :1, :]).all()
    _check_dropout(y[:, 0, 0, :], 0.5)
    xf = np.ones((40, 50, 3, 4), np.float32)
    yf = L.SpatialDropout2D(0.5, data_format="channels_first")(xf, training=True).numpy()
    assert (yf == yf[:, :, :1, :1]).all() and 0.3 < (yf == 0).mean() < 0.7
    y1 = L.SpatialDropout1D(0.5)(np.ones((40, 5, 50), np.float32), training=True).numpy()
    assert (y1 == y1[:, :1, :]).all()


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, True, "0.5", None])
def test_dropout_rate_errors(rate):
    with pytest.raises(ValueError, match=r'Layer "d".*rate must be a number in \[0, 1\).*'
                                         r"received rate="):
        L.Dropout(rate, name="d")
    with pytest.raises(ValueError, match='Layer "gd".*rate'):
        L.GaussianDropout(rate, name="gd")


def test_dropout_argument_errors():
    with pytest.raises(ValueError, match='Layer "d".*noise_shape'):
        L.Dropout(0.5, noise_shape=(0, 2), name="d")
    with pytest.raises(ValueError, match='Layer "d2".*seed'):
        L.Dropout(0.5, seed=1.5, name="d2")
    with pytest.raises(ValueError, match='Layer "g".*stddev'):
        L.GaussianNoise(-1.0, name="g")
    with pytest.raises(DTypeError, match='Layer "d3".*float.*int32'):
        L.Dropout(0.5, name="d3")(tf.constant([[1, 2]]), training=True)


# -- Gaussian layers ---------------------------------------------------------------------------

def _check_normal(z, mean, std):
    n = z.size
    assert abs(z.mean() - mean) < 6 * std / math.sqrt(n)
    assert abs(z.std() / std - 1) < 6 / math.sqrt(2 * n)
    within = (np.abs(z - mean) < std).mean()  # 0.6827 for a normal distribution
    assert abs(within - 0.6827) < 6 * math.sqrt(0.6827 * 0.3173 / n)


def test_gaussian_noise():
    layer = L.GaussianNoise(0.5)
    x = np.full(N, 2.0, np.float32)
    _check_normal(layer(x, training=True).numpy() - 2.0, 0.0, 0.5)
    inp = keras.Input((N[1],))
    model = keras.Model(inp, layer(inp))  # traced for any batch size
    a, b = model(x, training=True).numpy(), model(x, training=True).numpy()
    _check_normal(a - 2.0, 0.0, 0.5)
    assert (a != b).mean() > 0.99
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_gaussian_dropout():
    rate = 0.3
    layer = L.GaussianDropout(rate)
    x = np.ones(N, np.float32)
    _check_normal(layer(x, training=True).numpy(), 1.0, math.sqrt(rate / (1 - rate)))
    inp = keras.Input((N[1],))
    model = keras.Model(inp, layer(inp))
    _check_normal(model(x, training=True).numpy(), 1.0, math.sqrt(rate / (1 - rate)))
    np.testing.assert_array_equal(L.GaussianDropout(0.0)(x, training=True).numpy(), x)


# -- ActivityRegularization --------------------------------------------------------------------

def test_activity_regularization_losses():
    layer = L.ActivityRegularization(l1=0.1, l2=0.2)
    x = x32(4, 5)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    want = (0.1 * np.abs(x).sum() + 0.2 * (x * x).sum()) / 4  # per sample, as Keras
    assert len(layer.losses) == 1
    assert_close(float(layer.losses[0]), want, 1e-5)
    assert layer.get_config()["l1"] == 0.1 and layer.get_config()["l2"] == 0.2
    with pytest.raises(ValueError, match='Layer "ar".*l2 must be a finite number'):
        L.ActivityRegularization(l2="0.1", name="ar")

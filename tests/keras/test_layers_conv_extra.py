"""keras.layers: Conv2DTranspose, DepthwiseConv2D and SeparableConv2D through
`run_layer_test` (eager, functional predict, ember.function, compute_output_shape,
config round trip) vs the NumPy loop references of tests/test_conv_extra.py, Keras'
output sizes (checked against Keras 3 by hand), errors, and a tiny autoencoder that trains."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.errors import ShapeError
from tests.helpers import ref_depthwise, ref_transpose, run_layer_test

L = keras.layers
R = np.random.default_rng(7)


def x32(*shape):
    return R.standard_normal(shape).astype(np.float32)


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _deconv_len(n, k, s, padding, op, d=1):
    """Keras' deconv_output_length, written out again for the test."""
    k = (k - 1) * d + 1
    if op is None:
        return n * s + max(k - s, 0) if padding == "valid" else n * s
    return (n - 1) * s + k - 2 * (k // 2 if padding == "same" else 0) + op


@pytest.mark.parametrize("kwargs", [
    {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"},
    {"filters": 2, "kernel_size": (2, 3), "strides": (2, 1)},
    {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1,
     "activation": "relu"},
    {"filters": 2, "kernel_size": 2, "strides": 3, "output_padding": (2, 1), "use_bias": False},
    {"filters": 1, "kernel_size": 3, "dilation_rate": 2, "padding": "same"},
])
def test_conv2d_transpose_layer(kwargs):
    x = x32(2, 4, 5, 3)
    k, s = _pair(kwargs["kernel_size"]), _pair(kwargs.get("strides", 1))
    d = _pair(kwargs.get("dilation_rate", 1))
    pad = kwargs.get("padding", "valid")
    op = kwargs.get("output_padding")
    op = None if op is None else _pair(op)
    out = (2,) + tuple(_deconv_len(x.shape[1 + i], k[i], s[i], pad, None if op is None
                                   else op[i], d[i]) for i in range(2)) + (kwargs["filters"],)
    kernel, bias = x32(*k, kwargs["filters"], 3), x32(kwargs["filters"])
    y = ref_transpose(x.astype(np.float64), kernel.astype(np.float64), out, s, pad.upper(), d)
    weights = [kernel]
    if kwargs.get("use_bias", True):
        y, weights = y + bias, [kernel, bias]
    if kwargs.get("activation") == "relu":
        y = np.maximum(y, 0)
    run_layer_test(L.Conv2DTranspose, kwargs, x, y, weights=weights, tol=1e-4)


@pytest.mark.parametrize("kwargs, shape", [  # shapes printed by Keras 3.x
    ({"kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1}, (10, 10)),
    ({"kernel_size": 4, "strides": 3}, (16, 16)),
    ({"kernel_size": 2, "strides": 3, "output_padding": 2}, (16, 16)),
])
def test_conv2d_transpose_output_shape(kwargs, shape):
    layer = L.Conv2DTranspose(3, **kwargs)
    assert layer.compute_output_shape((None, 5, 5, 2)) == (None,) + shape + (3,)
    assert tuple(layer(np.ones((1, 5, 5, 2), np.float32)).shape) == (1,) + shape + (3,)


@pytest.mark.parametrize("kwargs", [
    {"kernel_size": 3},
    {"kernel_size": (3, 2), "strides": 2, "padding": "same", "depth_multiplier": 2},
    {"kernel_size": 3, "dilation_rate": 2, "activation": "relu", "use_bias": False},
])
def test_depthwise_layer(kwargs):
    x = x32(2, 7, 6, 3)
    k, s = _pair(kwargs["kernel_size"]), _pair(kwargs.get("strides", 1))
    d, m = _pair(kwargs.get("dilation_rate", 1)), kwargs.get("depth_multiplier", 1)
    kernel, bias = x32(*k, 3, m), x32(3 * m)
    y = ref_depthwise(x.astype(np.float64), kernel.astype(np.float64), s,
                      kwargs.get("padding", "valid").upper(), d)
    weights = [kernel]
    if kwargs.get("use_bias", True):
        y, weights = y + bias, [kernel, bias]
    if kwargs.get("activation") == "relu":
        y = np.maximum(y, 0)
    run_layer_test(L.DepthwiseConv2D, kwargs, x, y, weights=weights, tol=1e-4)


@pytest.mark.parametrize("kwargs", [
    {"filters": 4, "kernel_size": 3},
    {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "depth_multiplier": 2,
     "activation": "relu"},
])
def test_separable_layer(kwargs):
    x = x32(2, 7, 6, 3)
    s, m = _pair(kwargs.get("strides", 1)), kwargs.get("depth_multiplier", 1)
    dk, pk, bias = x32(3, 3, 3, m), x32(1, 1, 3 * m, kwargs["filters"]), x32(kwargs["filters"])
    y = ref_depthwise(x.astype(np.float64), dk.astype(np.float64), s,
                      kwargs.get("padding", "valid").upper()) @ pk[0, 0] + bias
    if kwargs.get("activation") == "relu":
        y = np.maximum(y, 0)
    run_layer_test(L.SeparableConv2D, kwargs, x, y, weights=[dk, pk, bias], tol=1e-4)


def test_weights_and_config_keys():
    d = L.DepthwiseConv2D(3, depthwise_regularizer="l2")
    d.build((None, 5, 5, 2))
    assert [tuple(w.shape) for w in d.weights] == [(3, 3, 2, 1), (2,)]
    assert "depthwise_regularizer" in d.get_config()
    s = L.SeparableConv2D(4, 3, depth_multiplier=2, pointwise_initializer="ones")
    s.build((None, 5, 5, 2))
    assert [tuple(w.shape) for w in s.weights] == [(3, 3, 2, 2), (1, 1, 4, 4), (4,)]
    assert np.all(s.pointwise_kernel.numpy() == 1)
    cfg = s.get_config()
    assert {"pointwise_initializer", "depthwise_initializer", "depth_multiplier"} <= set(cfg)
    t = L.Conv2DTranspose(2, 3)
    t.build((None, 4, 4, 5))
    assert tuple(t.kernel.shape) == (3, 3, 2, 5)


def test_errors():
    with pytest.raises(ValueError, match="output_padding must be smaller than strides"):
        L.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="output_padding"):
        L.Conv2DTranspose(2, 3, strides=2, output_padding=-1)
    with pytest.raises(ValueError, match="filters"):
        L.Conv2DTranspose(0, 3)
    with pytest.raises(ValueError, match="depth_multiplier"):
        L.DepthwiseConv2D(3, depth_multiplier=0)
    with pytest.raises(ValueError, match='data_format must be "channels_last" or'):
        L.SeparableConv2D(2, 3, data_format="NCHW")
    with pytest.raises(ValueError, match="padding"):
        L.DepthwiseConv2D(3, padding="full")
    with pytest.raises(ShapeError, match="kernel_size"):
        L.DepthwiseConv2D(5)(keras.Input((3, 3, 2)))
    with pytest.raises(NotImplementedError, match="spatial dims"):
        L.Conv2DTranspose(2, 3)(keras.Input((None, None, 2)))


def test_tiny_autoencoder_trains():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((64, 4, 4, 1)).astype(np.float32)
    x = np.repeat(np.repeat(base, 2, axis=1), 2, axis=2)  # 8x8 images, smooth 2x2 blocks
    tf.random.set_seed(1)
    inp = keras.Input((8, 8, 1))
    h = L.Conv2D(4, 3, strides=2, padding="same", activation="relu")(inp)
    h = L.DepthwiseConv2D(3, padding="same", depth_multiplier=2)(h)
    h = L.SeparableConv2D(4, 3, padding="same", activation="relu")(h)
    out = L.Conv2DTranspose(1, 3, strides=2, padding="same", output_padding=1)(h)
    model = keras.Model(inp, out)
    assert tuple(model.output_shape) == (None, 8, 8, 1)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    before = model.evaluate(x, x, verbose=0)
    hist = model.fit(x, x, epochs=5, batch_size=16, verbose=0)
    after = model.evaluate(x, x, verbose=0)
    assert len(hist.history["loss"]) == 5 and after < 0.8 * before

"""keras.layers: Conv1D/Conv2D, Max/AveragePooling1D/2D and the global poolings, through
`run_layer_test` (eager, functional predict, ember.function with an unknown batch,
compute_output_shape, config round trip), their errors, and a small CNN that trains."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.errors import ShapeError
from tests.helpers import run_layer_test
from tests.op_specs.conv_specs import ref_avg_pool, ref_conv2d, ref_max_pool

L = keras.layers
R = np.random.default_rng(5)


def x32(*shape):
    return R.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("kwargs", [
    {"filters": 4, "kernel_size": 3},
    {"filters": 2, "kernel_size": (2, 3), "strides": (2, 1), "padding": "same"},
    {"filters": 3, "kernel_size": 3, "dilation_rate": 2, "padding": "same",
     "activation": "relu"},
    {"filters": 2, "kernel_size": 1, "use_bias": False},
])
def test_conv2d(kwargs):
    x = x32(2, 7, 6, 3)
    k = kwargs["kernel_size"]
    k = (k, k) if isinstance(k, int) else k
    kernel = x32(*k, 3, kwargs["filters"])
    bias = x32(kwargs["filters"])
    s = kwargs.get("strides", (1, 1))
    d = kwargs.get("dilation_rate", 1)
    y = ref_conv2d(x.astype(np.float64), kernel.astype(np.float64), s,
                   kwargs.get("padding", "valid").upper(), (d, d))
    weights = [kernel]
    if kwargs.get("use_bias", True):
        y, weights = y + bias, [kernel, bias]
    if kwargs.get("activation") == "relu":
        y = np.maximum(y, 0)
    run_layer_test(L.Conv2D, kwargs, x, y, weights=weights, tol=1e-4)


def test_conv1d():
    x = x32(2, 9, 3)
    kernel, bias = x32(3, 3, 4), x32(4)
    y = ref_conv2d(x[:, None].astype(np.float64), kernel[None].astype(np.float64), (1, 2),
                   "SAME", (1, 1))[:, 0] + bias
    run_layer_test(L.Conv1D, {"filters": 4, "kernel_size": 3, "strides": 2,
                              "padding": "same"}, x, y, weights=[kernel, bias], tol=1e-4)


@pytest.mark.parametrize("cls, ref", [(L.MaxPooling2D, ref_max_pool),
                                      (L.AveragePooling2D, ref_avg_pool)])
@pytest.mark.parametrize("kwargs, k, s, pad", [
    ({}, (2, 2), (2, 2), "VALID"),
    ({"pool_size": 3, "strides": 2, "padding": "same"}, (3, 3), (2, 2), "SAME"),
    ({"pool_size": (2, 3), "strides": (1, 2), "padding": "same"}, (2, 3), (1, 2), "SAME"),
])
def test_pooling2d(cls, ref, kwargs, k, s, pad):
    x = x32(2, 7, 6, 3)
    run_layer_test(cls, kwargs, x, ref(x.astype(np.float64), k, s, pad), tol=1e-5)


@pytest.mark.parametrize("cls, ref", [(L.MaxPooling1D, ref_max_pool),
                                      (L.AveragePooling1D, ref_avg_pool)])
def test_pooling1d(cls, ref):
    x = x32(2, 7, 3)
    want = ref(x[:, None].astype(np.float64), (1, 3), (1, 2), "SAME")[:, 0]
    run_layer_test(cls, {"pool_size": 3, "strides": 2, "padding": "same"}, x, want, tol=1e-5)


@pytest.mark.parametrize("cls, fn, axes", [
    (L.GlobalAveragePooling2D, np.mean, (1, 2)), (L.GlobalMaxPooling2D, np.max, (1, 2)),
    (L.GlobalAveragePooling1D, np.mean, (1,)), (L.GlobalMaxPooling1D, np.max, (1,))])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling(cls, fn, axes, keepdims):
    x = x32(2, 5, 4, 3) if len(axes) == 2 else x32(2, 5, 3)
    run_layer_test(cls, {"keepdims": keepdims}, x, fn(x, axis=axes, keepdims=keepdims))


def test_config_and_defaults():
    cfg = L.Conv2D(8, 3).get_config()
    assert (cfg["kernel_size"], cfg["strides"], cfg["padding"], cfg["dilation_rate"],
            cfg["data_format"], cfg["groups"]) == ((3, 3), (1, 1), "valid", (1, 1),
                                                   "channels_last", 1)
    assert L.MaxPooling2D(3).get_config()["strides"] == (3, 3)
    assert L.MaxPooling1D().get_config()["pool_size"] == (2,)
    conv = L.Conv2D(5, 3, padding="same")
    assert tuple(conv.compute_output_shape((None, 9, 9, 2))) == (None, 9, 9, 5)
    assert tuple(L.MaxPooling2D().compute_output_shape((None, 7, 7, 2))) == (None, 3, 3, 2)
    assert conv.kernel.shape == (3, 3, 2, 5)


def test_errors_name_the_layer_and_shapes():
    with pytest.raises(ShapeError, match=r'layer "c" is incompatible: expected ndim=4, '
                                         r"found ndim=3"):
        L.Conv2D(2, 3, name="c")(np.ones((1, 5, 5), np.float32))
    with pytest.raises(ShapeError, match=r'"c2" \(Conv2D\): the kernel_size=\(3, 3\) is '
                                         r"larger than the input's spatial dims \(2, 2\)"):
        L.Conv2D(2, 3, name="c2")(keras.Input((2, 2, 1)))
    with pytest.raises(ShapeError, match=r'"p" \(MaxPooling2D\): the pool_size=\(2, 2\)'):
        L.MaxPooling2D(name="p")(np.ones((1, 1, 1, 3), np.float32))
    with pytest.raises(ValueError, match='data_format must be "channels_last" or'):
        L.Conv2D(2, 3, data_format="NCHW")
    with pytest.raises(ValueError, match='padding must be "valid" or "same"'):
        L.MaxPooling2D(padding="full")
    with pytest.raises(ValueError, match="kernel_size must be a positive int or a tuple "
                                         "of 2"):
        L.Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="dilation_rate > 1"):
        L.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(NotImplementedError, match="Conv1D only"):
        L.Conv2D(2, 3, padding="causal")


@pytest.mark.parametrize("dilation,strides", [(1, 1), (2, 1), (1, 2)])
def test_conv1d_causal_padding_sees_only_the_past(dilation, strides):
    rng = np.random.default_rng(dilation + 3 * strides)
    layer = L.Conv1D(3, 3, padding="causal", dilation_rate=dilation, strides=strides)
    x = rng.standard_normal((2, 9, 2)).astype(np.float32)
    y = layer(x).numpy()
    k, b = (w.numpy() for w in layer.weights)
    left = dilation * 2
    xp = np.pad(x, [(0, 0), (left, 0), (0, 0)])
    want = np.stack([sum(xp[:, t * strides + j * dilation] @ k[j] for j in range(3)) + b
                     for t in range(y.shape[1])], axis=1)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6)
    assert y.shape[1] == -(-9 // strides)  # as 'same' in length, shifted to the past
    x2 = x.copy()
    x2[:, 5:] += 10.0  # a change in the future never reaches earlier outputs
    seen = -(-5 // strides)  # outputs t with t * strides < 5
    np.testing.assert_allclose(layer(x2).numpy()[:, :seen], y[:, :seen], rtol=1e-6)
    assert not np.allclose(layer(x2).numpy()[:, seen:], y[:, seen:])
    model = keras.Sequential([keras.Input((None, 2)), layer])
    assert model.output_shape == (None, None, 3)


def test_small_cnn_trains():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 8, 8, 1)).astype(np.float32)
    y = (x[:, :4].mean(axis=(1, 2, 3)) > x[:, 4:].mean(axis=(1, 2, 3))).astype(np.int32)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((8, 8, 1)),
                              L.Conv2D(4, 3, padding="same", activation="relu"),
                              L.MaxPooling2D(), L.Flatten(), L.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = model.evaluate(x, y, verbose=0)
    hist = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    after = model.evaluate(x, y, verbose=0)
    assert len(hist.history["loss"]) == 2 and after < before
    fn = tf.function(lambda t: model(t), input_signature=[tf.TensorSpec([None, 8, 8, 1])])
    np.testing.assert_allclose(fn(x[:5]).numpy(), model.predict(x[:5], verbose=0),
                               rtol=1e-5, atol=1e-5)

"""data_format="channels_first" on convolutions and pooling, against real Keras 3 with
the same weights (ember transposes to channels_last and back)."""

from __future__ import annotations

import numpy as np
import pytest

from ember import keras
from tests.keras3_oracle import keras3

rng = np.random.default_rng(0)


@pytest.mark.parametrize("name,kwargs,shape", [
    ("Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"},
     (2, 3, 7, 6)),
    ("Conv2D", {"filters": 2, "kernel_size": (2, 3), "strides": 2}, (2, 3, 8, 9)),
    ("Conv1D", {"filters": 5, "kernel_size": 3, "dilation_rate": 2}, (2, 4, 11)),
    ("MaxPooling2D", {"pool_size": 2}, (2, 3, 6, 8)),
    ("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 3, 7, 7)),
    ("MaxPooling1D", {"pool_size": 2}, (2, 3, 9)),
    ("GlobalAveragePooling2D", {}, (2, 3, 5, 4)),
    ("GlobalMaxPooling2D", {"keepdims": True}, (2, 3, 5, 4)),
    ("GlobalAveragePooling1D", {}, (2, 3, 6)),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2}, (2, 3, 6, 7)),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 2, "padding": "same"}, (2, 3, 5, 6)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2}, (2, 3, 4, 5)),
])
def test_channels_first_equals_keras3(name, kwargs, shape):
    k = keras3()
    x = rng.standard_normal(shape).astype("float32")
    ours = getattr(keras.layers, name)(data_format="channels_first", **kwargs)
    theirs = getattr(k.layers, name)(data_format="channels_first", **kwargs)
    y = ours(x)
    theirs.build(shape)
    if ours.weights:
        theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(y.numpy(), np.asarray(theirs(x)), rtol=1e-5, atol=1e-5)
    # in a functional model, with the symbolic shape right
    inp = keras.Input(shape[1:])
    out = ours(inp)
    assert out.shape.as_list()[1:] == list(y.shape[1:])
    np.testing.assert_allclose(keras.Model(inp, out).predict(x, verbose=0), y.numpy(),
                               rtol=1e-6)


def test_channels_first_from_the_global_setting_and_masked_average():
    keras.config.set_image_data_format("channels_first")
    try:
        conv = keras.layers.Conv2D(2, 3)
        assert conv.data_format == "channels_first"
        assert conv(np.ones((1, 4, 5, 5), "float32")).shape.as_list() == [1, 2, 3, 3]
        assert conv.kernel.shape.as_list() == [3, 3, 4, 2]
    finally:
        keras.config.set_image_data_format("channels_last")
    x = np.array([[[1.0, 3.0, 8.0], [2.0, 4.0, 9.0]]], "float32")  # (1, channels 2, 3 steps)
    mask = np.array([[True, True, False]])
    pool = keras.layers.GlobalAveragePooling1D(data_format="channels_first")
    np.testing.assert_allclose(pool(x, mask=mask).numpy(), [[2.0, 3.0]])


def test_conv1d_transpose_runs_channels_first():  # against Keras 3: test_layers_extra_misc
    layer = keras.layers.Conv1DTranspose(2, 3, strides=2, data_format="channels_first")
    assert layer(np.ones((1, 4, 5), "float32")).shape.as_list() == [1, 2, 11]

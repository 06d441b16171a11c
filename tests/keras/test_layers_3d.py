"""keras.layers 3-D: Conv3D, Conv3DTranspose, Max/AveragePooling3D, the global 3-D
poolings, ZeroPadding3D, Cropping3D and UpSampling3D against real Keras 3 (same weights,
same outputs, both data formats), their symbolic shapes, configs, Keras 3 files both
ways, gradients in a model that trains, and their errors."""

from __future__ import annotations

import numpy as np
import pytest

from ember import keras
from ember.errors import ShapeError
from tests.keras.layer_oracle import check_against_keras3, check_file_interop

R = np.random.default_rng(11)
L = keras.layers


def _x(*shape):
    return R.standard_normal(shape).astype("float32")


def _channels_first(shape):
    return (shape[0], shape[-1]) + tuple(shape[1:-1])


CONV3D = [
    {"filters": 3, "kernel_size": 2},
    {"filters": 2, "kernel_size": (3, 2, 2), "strides": (2, 1, 2), "padding": "same",
     "activation": "relu"},
    {"filters": 2, "kernel_size": 2, "dilation_rate": (2, 1, 2), "use_bias": False},
    {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "valid"},
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kwargs", CONV3D)
def test_conv3d_equals_keras3(kwargs, data_format):
    shape = (2, 5, 6, 5, 3)
    x = _x(*(shape if data_format == "channels_last" else _channels_first(shape)))
    check_against_keras3("Conv3D", {**kwargs, "data_format": data_format}, x)


CONV3D_T = [
    {"filters": 2, "kernel_size": 3},
    {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
    {"filters": 3, "kernel_size": (2, 3, 4), "strides": (2, 1, 2), "padding": "same"},
    {"filters": 2, "kernel_size": 2, "strides": 3, "output_padding": (2, 1, 0)},
    {"filters": 2, "kernel_size": (3, 4, 2), "strides": 2, "padding": "same",
     "output_padding": 1, "activation": "tanh"},
    {"filters": 1, "kernel_size": 3, "dilation_rate": (2, 1, 2), "padding": "same"},
    {"filters": 2, "kernel_size": 2, "strides": (1, 2, 3), "use_bias": False},
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kwargs", CONV3D_T)
def test_conv3d_transpose_equals_keras3(kwargs, data_format):
    shape = (2, 3, 4, 3, 2)
    x = _x(*(shape if data_format == "channels_last" else _channels_first(shape)))
    check_against_keras3("Conv3DTranspose", {**kwargs, "data_format": data_format}, x)


POOLS = [
    ("MaxPooling3D", {}),
    ("MaxPooling3D", {"pool_size": (2, 3, 2), "strides": (1, 2, 2), "padding": "same"}),
    ("AveragePooling3D", {"pool_size": 2}),
    ("AveragePooling3D", {"pool_size": 3, "strides": 2, "padding": "same"}),
    ("GlobalMaxPooling3D", {}),
    ("GlobalAveragePooling3D", {"keepdims": True}),
    ("ZeroPadding3D", {"padding": ((1, 0), (2, 1), (0, 3))}),
    ("ZeroPadding3D", {"padding": (1, 2, 0)}),
    ("Cropping3D", {"cropping": ((1, 0), (2, 1), (0, 2))}),
    ("Cropping3D", {"cropping": 1}),
    ("UpSampling3D", {"size": (2, 1, 3)}),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("name, kwargs", POOLS, ids=[f"{n}-{i}" for i, (n, _) in
                                                    enumerate(POOLS)])
def test_pooling_and_reshaping_equal_keras3(name, kwargs, data_format):
    shape = (2, 5, 6, 4, 3)
    x = _x(*(shape if data_format == "channels_last" else _channels_first(shape)))
    check_against_keras3(name, {**kwargs, "data_format": data_format}, x)


def test_aliases_are_the_same_classes():
    assert L.Convolution3D is L.Conv3D and L.Convolution3DTranspose is L.Conv3DTranspose
    assert L.MaxPool3D is L.MaxPooling3D and L.AvgPool3D is L.AveragePooling3D
    assert L.GlobalMaxPool3D is L.GlobalMaxPooling3D
    assert L.GlobalAvgPool3D is L.GlobalAveragePooling3D


FILES = [
    ("Conv3D", lambda M: M.Conv3D(2, 2, padding="same"), (4, 4, 4, 2)),
    ("Conv3DTranspose", lambda M: M.Conv3DTranspose(2, 3, strides=2, padding="same"),
     (3, 3, 3, 2)),
    ("MaxPooling3D", lambda M: M.MaxPooling3D(data_format="channels_first"), (2, 4, 4, 4)),
    ("AveragePooling3D", lambda M: M.AveragePooling3D(2, padding="same"), (3, 4, 5, 2)),
    ("GlobalAveragePooling3D", lambda M: M.GlobalAveragePooling3D(), (3, 4, 5, 2)),
    ("ZeroPadding3D", lambda M: M.ZeroPadding3D(((1, 0), (0, 1), (2, 2))), (2, 2, 2, 1)),
    ("Cropping3D", lambda M: M.Cropping3D(1), (4, 4, 4, 1)),
    ("UpSampling3D", lambda M: M.UpSampling3D((1, 2, 2)), (2, 2, 2, 1)),
]


@pytest.mark.parametrize("name, make, shape", FILES, ids=[f[0] for f in FILES])
def test_keras3_files_both_ways(name, make, shape, tmp_path):
    pytest.importorskip("h5py")
    check_file_interop(make, shape, tmp_path)


def test_small_3d_autoencoder_trains_and_saves(tmp_path):
    model = keras.Sequential([
        keras.Input((4, 4, 4, 1)), L.Conv3D(4, 3, padding="same", activation="relu"),
        L.MaxPool3D(), L.UpSampling3D(), L.Conv3DTranspose(2, 3, padding="same"),
        L.AveragePooling3D(2), L.ZeroPadding3D(1), L.Cropping3D(1), L.GlobalMaxPool3D(),
        L.Dense(1)])
    x, y = _x(8, 4, 4, 4, 1), _x(8, 1)
    model.compile(keras.optimizers.Adam(0.01), "mse")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first
    model.save(str(tmp_path / "m.keras"))
    back = keras.models.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match=r'"c3" \(Conv3D\).*kernel_size'):
        L.Conv3D(2, (2, 2), name="c3")
    with pytest.raises(ValueError, match="output_padding must be smaller than strides"):
        L.Conv3DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="strides > 1 is not supported together"):
        L.Conv3DTranspose(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="data_format"):
        L.MaxPooling3D(data_format="NDHWC")
    with pytest.raises(ValueError, match=r"\(ZeroPadding3D\): padding must be"):
        L.ZeroPadding3D((1, 2))
    with pytest.raises(ValueError, match=r"\(UpSampling3D\): size must be"):
        L.UpSampling3D(0)
    with pytest.raises(ValueError, match="expected ndim=5"):
        L.Conv3D(2, 2)(np.ones((1, 4, 4, 1), "float32"))
    with pytest.raises(ShapeError, match=r"kernel_size=\(3, 3, 3\).*larger than"):
        L.Conv3D(2, 3)(np.ones((1, 2, 4, 4, 1), "float32"))
    with pytest.raises(ShapeError, match="Cropping3D.*removes 4 entries"):
        L.Cropping3D(2)(np.ones((1, 4, 5, 5, 1), "float32"))
    with pytest.raises(NotImplementedError, match="groups"):
        L.Conv3D(2, 2, groups=2)
    with pytest.raises(NotImplementedError, match="spatial dims"):
        L.Conv3DTranspose(2, 2)(keras.Input((None, 4, 4, 1)))

"""keras.layers image preprocessing (issue 16): Resizing, CenterCrop, AutoContrast,
Equalization, Solarization, MaxNumBoundingBoxes and Pipeline. Real Keras 3 (NumPy
backend) is the oracle of the values and of the config keys; `.keras` files go both
ways."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember as tf
from ember import keras
from tests.helpers import run_layer_test
from tests.keras3_oracle import keras3

L = keras.layers
R = np.random.default_rng(16)
X = (R.random((2, 7, 9, 3)) * 255).astype("float32")


def _same(ours, theirs, atol=1e-3):
    a, b = np.asarray(ours), np.asarray(theirs)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), atol=atol,
                               rtol=1e-4)


def _both(name, *args, x=X, call=None, atol=1e-3, **kwargs):
    """The layer `name` built alike in ember and Keras 3 gives the same output on x."""
    K = keras3()
    call = call or {}
    ours = getattr(L, name)(*args, **kwargs)(x, **call)
    theirs = getattr(K.layers, name)(*args, **kwargs)(x, **call)
    _same(ours, theirs, atol)
    return ours


# -- values against Keras 3 -----------------------------------------------------------------

@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic", "lanczos3",
                                           "lanczos5"])
@pytest.mark.parametrize("aspect", [{}, {"crop_to_aspect_ratio": True},
                                    {"pad_to_aspect_ratio": True, "fill_value": 3.0}])
def test_resizing_matches_keras3(interpolation, aspect):
    _both("Resizing", 5, 4, interpolation, **aspect)


def test_resizing_variants_match_keras3():
    _both("Resizing", 3, 4, antialias=True)
    y = _both("Resizing", 5, 12, x=X.astype("uint8"))
    assert y.dtype == tf.uint8  # Keras keeps the input dtype
    _both("Resizing", 5, 4, data_format="channels_first", x=X.transpose(0, 3, 1, 2))
    assert _both("Resizing", 5, 4, x=X[0]).shape == (5, 4, 3)


def test_resizing_area_averages_boxes():
    x = np.arange(16.0, dtype="float32").reshape(1, 4, 4, 1)
    y = L.Resizing(2, 2, "area")(x).numpy()[0, ..., 0]
    np.testing.assert_allclose(y, x[0, ..., 0].reshape(2, 2, 2, 2).mean(axis=(1, 3)))
    y = L.Resizing(1, 2, "area")(np.array([[[0.0], [3.0], [6.0]]], "float32")).numpy()
    np.testing.assert_allclose(y[0, :, 0], [(0 + 3 * 0.5) / 1.5, (3 * 0.5 + 6) / 1.5])


@pytest.mark.parametrize("hw", [(3, 4), (7, 9), (8, 3), (10, 12)])
def test_center_crop_matches_keras3(hw):
    _both("CenterCrop", *hw)


def test_center_crop_channels_first_and_segmentation_masks():
    _both("CenterCrop", 3, 2, data_format="channels_first", x=X.transpose(0, 3, 1, 2))
    masks = R.integers(0, 4, (2, 7, 9, 1)).astype("int32")
    out = L.CenterCrop(3, 5)({"images": X, "segmentation_masks": masks})
    assert out["segmentation_masks"].dtype == tf.int32
    np.testing.assert_array_equal(out["segmentation_masks"].numpy(), masks[:, 2:5, 2:7])


def test_auto_contrast_matches_keras3():
    _both("AutoContrast")
    flat = X.copy()
    flat[1, ..., 0] = 7.0  # a constant channel is left as is
    _both("AutoContrast", x=flat)
    _both("AutoContrast", value_range=(0, 1), x=X / 255)


@pytest.mark.parametrize("kwargs,x", [({}, X[:1]), ({}, X[1]), ({"bins": 16}, X[:1]),
                                      ({"value_range": (0, 1)}, X[:1] / 255),
                                      ({}, np.round(X[:1]))])
def test_equalization_matches_keras3(kwargs, x):
    _both("Equalization", x=x, **kwargs)


def test_equalization_is_per_image_and_keeps_single_bin_channels():
    both = L.Equalization()(X).numpy()
    for i in range(2):
        np.testing.assert_allclose(both[i], L.Equalization()(X[i]).numpy())
    flat = np.full((1, 4, 4, 3), 9.0, "float32")
    np.testing.assert_array_equal(L.Equalization()(flat).numpy(), flat)


def test_solarization_matches_keras3_when_training_only():
    _both("Solarization", call={"training": True})
    _both("Solarization", value_range=(0, 1), x=X / 255, call={"training": True})
    _both("Solarization", call={"training": False})
    layer = L.Solarization(threshold_factor=(0.5, 0.5))
    y = layer(np.array([[[50.0], [200.0]]], "float32"), training=True).numpy()
    np.testing.assert_allclose(y[0, :, 0], [50.0, 55.0])
    np.testing.assert_array_equal(layer(X, training=False).numpy(), X)  # the identity


def test_config_keys_are_keras3s():
    K = keras3()
    for name, args in (("Resizing", (4, 5)), ("CenterCrop", (4, 5)), ("AutoContrast", ()),
                       ("Equalization", ()), ("Solarization", ())):
        ours = set(getattr(L, name)(*args).get_config())
        theirs = set(getattr(K.layers, name)(*args).get_config())
        assert ours == theirs, name


# -- the layer contract: symbolic shapes, predict, ember.function, config ----------------

@pytest.mark.parametrize("cls,kwargs", [
    (L.Resizing, {"height": 4, "width": 6}), (L.Resizing, {"height": 4, "width": 6,
                                                          "interpolation": "area"}),
    (L.CenterCrop, {"height": 3, "width": 5}), (L.AutoContrast, {}),
    (L.Equalization, {"bins": 64})])
def test_layer_contract(cls, kwargs):
    expected = cls(**kwargs)(X).numpy()
    run_layer_test(cls, kwargs, X, expected, tol=1e-4)


def test_symbolic_shapes_with_unknown_sizes_and_channels_first():
    out = L.Resizing(4, 6)(keras.Input((None, None, 3)))
    assert tuple(out.shape) == (None, 4, 6, 3)
    out = L.CenterCrop(4, 6, data_format="channels_first")(keras.Input((3, 8, 8)))
    assert tuple(out.shape) == (None, 3, 4, 6)
    assert tuple(L.Resizing(4, 6).compute_output_shape((None, 9, 9, 1))) == (None, 4, 6, 1)
    model = keras.Sequential([keras.Input((None, None, 3)), L.Resizing(4, 4),
                              L.GlobalAveragePooling2D(), L.Dense(1)])
    assert model.predict(X, verbose=0).shape == (2, 1)


def test_in_fit_and_in_dataset_map():
    model = keras.Sequential([keras.Input((7, 9, 3)), L.CenterCrop(5, 5), L.AutoContrast(),
                              L.Resizing(4, 4), L.Flatten(), L.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(X / 255, np.zeros((2, 1)), batch_size=1, epochs=1, verbose=0)
    layer = L.Resizing(4, 4)
    ds = tf.data.Dataset.from_tensor_slices(X).map(layer).batch(2)
    out = next(iter(ds))
    np.testing.assert_allclose(out.numpy(), layer(X).numpy(), atol=1e-4)


def test_jit_compiled_function():
    layers = [L.Resizing(4, 5), L.Equalization(), L.AutoContrast()]
    fn = tf.function(lambda x: [la(x) for la in layers], jit_compile=True)
    for got, la in zip(fn(tf.constant(X)), layers):
        np.testing.assert_allclose(got.numpy(), la(X).numpy(), atol=1e-3)


# -- MaxNumBoundingBoxes and Pipeline --------------------------------------------------------

def test_max_num_bounding_boxes_pads_and_truncates():
    boxes = R.random((2, 3, 4)).astype("float32")
    labels = np.array([[1, 2, 3], [4, 5, 6]], "int32")
    data = {"images": X, "bounding_boxes": {"boxes": boxes, "labels": labels}}
    out = L.MaxNumBoundingBoxes(5)(data)
    assert out["images"] is not None and out["bounding_boxes"]["boxes"].shape == (2, 5, 4)
    np.testing.assert_array_equal(out["bounding_boxes"]["labels"].numpy()[:, 3:], -1)
    short = L.MaxNumBoundingBoxes(2)(data)["bounding_boxes"]
    np.testing.assert_array_equal(short["labels"].numpy(), labels[:, :2])
    assert L.MaxNumBoundingBoxes(2)(X) is not None
    assert L.MaxNumBoundingBoxes(2).get_config()["max_number"] == 2


def test_pipeline_applies_in_order_and_round_trips():
    pipe = L.Pipeline([L.CenterCrop(5, 5), L.Resizing(4, 4), L.Solarization()])
    y = pipe(X).numpy()
    np.testing.assert_allclose(y, L.Resizing(4, 4)(L.CenterCrop(5, 5)(X)).numpy(), atol=1e-4)
    trained = pipe(X, training=True).numpy()  # Solarization acts when training
    np.testing.assert_allclose(trained, 255.0 - y, atol=1e-3)
    again = L.Pipeline.from_config(pipe.get_config())
    assert [type(la).__name__ for la in again.layers] == ["CenterCrop", "Resizing",
                                                          "Solarization"]
    np.testing.assert_allclose(again(X).numpy(), y, atol=1e-4)
    assert tuple(pipe.compute_output_shape((None, 7, 9, 3))) == (None, 4, 4, 3)


def test_pipeline_keras_files_both_ways(tmp_path):
    K = keras3()
    model = keras.Sequential([keras.Input((7, 9, 3)), L.Pipeline([
        L.RandomFlip(seed=1), L.Rescaling(0.5), L.Dense(2)])])
    path = str(tmp_path / "p.keras")
    model.save(path)
    back = keras.models.load_model(path)
    np.testing.assert_allclose(back.predict(X, verbose=0), model.predict(X, verbose=0),
                               atol=1e-5)
    kpath = str(tmp_path / "k.keras")
    with warnings.catch_warnings():  # Keras' own Variable.__array__ warns on NumPy 2
        warnings.simplefilter("ignore")
        theirs = K.models.load_model(path)
        theirs.save(kpath)
    np.testing.assert_allclose(theirs.predict(X, verbose=0), model.predict(X, verbose=0),
                               atol=1e-4)
    ours = keras.models.load_model(kpath)
    np.testing.assert_allclose(ours.predict(X, verbose=0), model.predict(X, verbose=0),
                               atol=1e-4)


# -- files -----------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda: L.Resizing(4, 5, "bicubic"),
                                  lambda: L.CenterCrop(4, 5), lambda: L.AutoContrast(),
                                  lambda: L.Solarization(0.1, 0.2, seed=3)],
                         ids=["Resizing", "CenterCrop", "AutoContrast", "Solarization"])
def test_keras_file_ember_and_keras3_load_same(tmp_path, make):
    K = keras3()
    model = keras.Sequential([keras.Input((7, 9, 3)), make()])
    path = str(tmp_path / "m.keras")
    model.save(path)
    expected = model.predict(X, verbose=0)
    np.testing.assert_allclose(keras.models.load_model(path).predict(X, verbose=0),
                               expected, atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = K.models.load_model(path)
    np.testing.assert_allclose(theirs.predict(X, verbose=0), expected, atol=1e-3)


def test_equalization_keras_file(tmp_path):
    model = keras.Sequential([keras.Input((7, 9, 3)), L.Equalization(bins=32)])
    path = str(tmp_path / "e.keras")
    model.save(path)
    back = keras.models.load_model(path)
    np.testing.assert_allclose(back.predict(X, verbose=0), model.predict(X, verbose=0))
    assert back.layers[0].bins == 32


# -- errors ------------------------------------------------------------------------------------

def test_clear_errors():
    with pytest.raises(ValueError, match=r'"resizing.*\(Resizing\): expected images of rank '
                                         r'3 .* or rank 4 .*received shape \(4, 4\)'):
        L.Resizing(2, 2)(np.zeros((4, 4), "float32"))
    with pytest.raises(ValueError, match="interpolation must be one of"):
        L.Resizing(2, 2, interpolation="cubic")
    with pytest.raises(ValueError, match="only one of crop_to_aspect_ratio"):
        L.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match=r"height must be a positive int, received "
                                         r"height=0"):
        L.CenterCrop(0, 2)
    with pytest.raises(ValueError, match=r"value_range must be a pair .* received "
                                         r"value_range=\(1, 1\)"):
        L.AutoContrast(value_range=(1, 1))
    with pytest.raises(ValueError, match="data_format must be"):
        L.Equalization(data_format="NHWC")
    with pytest.raises(ValueError, match=r"threshold_factor must be .* in \[0, 1\], "
                                         r"received threshold_factor=2"):
        L.Solarization(threshold_factor=2)
    with pytest.raises(NotImplementedError, match="bounding boxes are not supported"):
        L.Resizing(2, 2)({"images": X, "bounding_boxes": {"boxes": np.zeros((2, 1, 4)),
                                                         "labels": np.zeros((2, 1))}})
    with pytest.raises(ValueError, match="layers must be a list of layers"):
        L.Pipeline("flip")

"""keras.applications (issue 16): `weights="imagenet"` reads Keras' published `.h5` file
from the Keras cache ($KERAS_HOME/models) under the name Keras uses, and loads it as Keras
does; `preprocess_input` and `decode_predictions` give Keras 3's values.

The oracle for the weights: a weights file (Keras' randomized weights, in tf.keras 2's
HDF5 layout) that real Keras 3 loads too (its download function patched to return the
file); both models then give the same outputs, and ember asked for the file name Keras
asked for."""

from __future__ import annotations

import os

import numpy as np
import pytest

from ember import keras
from ember.keras import applications as apps
from ember.keras.applications import imagenet_utils
from tests.keras.applications_helpers import (assert_close, build_pair, images, randomize,
                                              write_tf2_h5)
from tests.keras3_oracle import keras3

pytest.importorskip("h5py")
pytestmark = [
    pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning"),
    # MobileNet's with ImageNet weights and inputs of other sizes than Keras' files
    pytest.mark.filterwarnings("ignore:`input_shape` is undefined or non-square:UserWarning"),
]


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    return tmp_path / "keras_home"


def _imagenet_pair(name, keras_home, monkeypatch, tmp_path, writer=write_tf2_h5,
                   **kwargs):
    """Writes a Keras model's randomized weights to a file, builds Keras' model with
    weights="imagenet" reading that file and ember's reading it from the cache under the
    name Keras asked for; returns (keras model, ember model, the file name)."""
    K = keras3()
    from keras.src.utils import file_utils
    source, _ = build_pair(getattr(K.applications, name), lambda **kw: None, weights=None,
                           **kwargs)
    randomize(source, seed=3)
    path = str(tmp_path / "source.h5")
    writer(path, source)
    asked = []

    def fake_get_file(fname=None, origin=None, **_):
        asked.append((fname, origin))
        return path
    monkeypatch.setattr(file_utils, "get_file", fake_get_file)
    k_model, _ = build_pair(getattr(K.applications, name), lambda **kw: None,
                            weights="imagenet", **kwargs)
    (fname, origin), = asked
    file_name = os.path.basename(fname)  # DenseNet passes the URL as the name
    os.makedirs(keras_home / "models", exist_ok=True)
    os.replace(path, keras_home / "models" / file_name)
    keras.backend.clear_session()
    e_model = getattr(apps, name)(weights="imagenet", **kwargs)
    return k_model, e_model, file_name, origin or fname


def _check_imagenet(name, keras_home, monkeypatch, tmp_path, shape=(32, 32, 3), **kwargs):
    k_model, e_model, _, _ = _imagenet_pair(name, keras_home, monkeypatch, tmp_path,
                                            include_top=False, input_shape=shape, **kwargs)
    x = images(shape, batch=1)
    assert_close(e_model.predict(x, verbose=0), np.asarray(k_model(x)))


@pytest.mark.parametrize("name,kwargs", [
    ("MobileNetV3Small", dict(minimalistic=True)),
    ("MobileNetV2", dict(alpha=0.35)),
    ("VGG16", dict(pooling="avg")),
])
def test_imagenet_weights_load_like_keras(name, kwargs, keras_home, monkeypatch, tmp_path):
    _check_imagenet(name, keras_home, monkeypatch, tmp_path, **kwargs)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ResNet50", "ResNet50V2", "MobileNetV3Large",
                                  "EfficientNetB0", "DenseNet121", "ConvNeXtTiny", "VGG19"])
def test_imagenet_weights_load_like_keras_full(name, keras_home, monkeypatch, tmp_path):
    _check_imagenet(name, keras_home, monkeypatch, tmp_path)


def test_imagenet_file_names_and_urls_are_keras(keras_home, monkeypatch, tmp_path):
    _, _, file_name, url = _imagenet_pair("MobileNetV3Small", keras_home, monkeypatch,
                                          tmp_path, include_top=False, minimalistic=True,
                                          input_shape=(32, 32, 3))
    assert file_name == "weights_mobilenet_v3_small_minimalistic_224_1.0_float_no_top_v2.h5"
    assert url.endswith("/mobilenet_v3/" + file_name)


def test_missing_weights_file_names_file_url_and_folder(keras_home):
    with pytest.raises(FileNotFoundError) as e:
        apps.VGG16(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    msg = str(e.value)
    name = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
    assert name in msg
    assert ("https://storage.googleapis.com/tensorflow/keras-applications/vgg16/" + name) \
        in msg
    assert str(keras_home / "models" / name) in msg


def test_keras3_written_h5_file_loads(keras_home, monkeypatch, tmp_path):
    """A whole-model `.h5` file written by Keras 3 (`model.save`) works as well."""
    k_model, e_model, _, _ = _imagenet_pair(
        "MobileNetV3Small", keras_home, monkeypatch, tmp_path,
        writer=lambda path, m: m.save(path), include_top=False, alpha=0.75,
        input_shape=(32, 32, 3))
    x = images((32, 32, 3), batch=1)
    assert_close(e_model.predict(x, verbose=0), np.asarray(k_model(x)))


def test_weights_path_argument(tmp_path):
    K = keras3()
    k_model, _ = build_pair(K.applications.VGG16, lambda **kw: None, weights=None,
                            include_top=False, input_shape=(32, 32, 3))
    randomize(k_model)
    path = str(tmp_path / "w.h5")
    write_tf2_h5(path, k_model)
    e_model = apps.VGG16(weights=path, include_top=False, input_shape=(32, 32, 3))
    x = images((32, 32, 3), batch=1)
    assert_close(e_model.predict(x, verbose=0), np.asarray(k_model(x)))
    # ember's own weights files work too
    ours = str(tmp_path / "ours.weights.h5")
    e_model.save_weights(ours)
    again = apps.VGG16(weights=ours, include_top=False, input_shape=(32, 32, 3))
    assert_close(again.predict(x, verbose=0), e_model.predict(x, verbose=0))


def test_wrong_file_changes_nothing(tmp_path):
    K = keras3()
    k_model, _ = build_pair(K.applications.MobileNetV3Small, lambda **kw: None,
                            weights=None, include_top=False, minimalistic=True,
                            input_shape=(32, 32, 3))
    path = str(tmp_path / "small.h5")
    write_tf2_h5(path, k_model)
    model = apps.MobileNetV3Large(weights=None, include_top=False, minimalistic=True,
                                  input_shape=(32, 32, 3))
    before = model.get_weights()
    with pytest.raises(ValueError, match="No weight was changed"):
        model.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_auto_named_layers_load_in_keras_order(tmp_path):
    """Layers Keras names itself (EfficientNet's Normalization, ConvNeXt's last
    LayerNormalization) may be named otherwise in the session loading the file: those
    are matched in Keras' layer order."""
    def build():
        x = keras.Input((4,))
        a = keras.layers.Dense(3, name="named")(x)
        b = keras.layers.LayerNormalization()(keras.layers.Dense(3)(x))
        return keras.Model(x, keras.layers.Add(name="add")([a, b]))
    keras.backend.clear_session()
    src = build()
    src.set_weights([np.random.RandomState(i).normal(size=w.shape).astype("float32")
                     for i, w in enumerate(src.get_weights())])
    path = str(tmp_path / "src.h5")
    src.save_weights(path)  # ember's legacy HDF5 writer: tf.keras 2's layout
    keras.layers.Dense(1), keras.layers.LayerNormalization()  # shifts the automatic names
    dst = build()
    assert {la.name for la in dst.layers} != {la.name for la in src.layers}
    dst.load_weights(path)
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(dst.predict(x, verbose=0), src.predict(x, verbose=0))


# -- preprocess_input ----------------------------------------------------------------

@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("shape", [(2, 4, 5, 3), (4, 5, 3)])
def test_preprocess_input_numpy_matches_keras(mode, data_format, shape):
    K = keras3()
    if data_format == "channels_first":
        shape = shape[:-3] + (3,) + shape[-3:-1]
    x = np.random.RandomState(0).uniform(0, 255, shape).astype("float32")
    mine, theirs = x.copy(), x.copy()
    got = imagenet_utils.preprocess_input(mine, data_format=data_format, mode=mode)
    want = K.applications.imagenet_utils.preprocess_input(theirs, data_format=data_format,
                                                          mode=mode)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_array_equal(mine, theirs)  # the same in-place changes
    ints = x.astype("uint8")
    np.testing.assert_allclose(
        imagenet_utils.preprocess_input(ints.copy(), data_format=data_format, mode=mode),
        K.applications.imagenet_utils.preprocess_input(ints.copy(), data_format=data_format,
                                                       mode=mode), rtol=1e-6)


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_preprocess_input_tensors(mode):
    import ember as tf
    K = keras3()
    x = np.random.RandomState(1).uniform(0, 255, (2, 3, 4, 3)).astype("float32")
    want = K.applications.imagenet_utils.preprocess_input(x.copy(), mode=mode)
    got = imagenet_utils.preprocess_input(tf.constant(x), mode=mode)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)
    first = imagenet_utils.preprocess_input(tf.constant(x.transpose(0, 3, 1, 2)),
                                            data_format="channels_first", mode=mode)
    np.testing.assert_allclose(first.numpy().transpose(0, 2, 3, 1), want, rtol=1e-5,
                               atol=1e-5)
    inp = keras.Input((3, 4, 3))
    model = keras.Model(inp, imagenet_utils.preprocess_input(inp, mode=mode))
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("module", ["resnet50", "resnet", "resnet_v2", "mobilenet_v2",
                                    "mobilenet_v3", "efficientnet", "vgg16", "vgg19",
                                    "densenet", "convnext"])
def test_module_preprocess_input_matches_keras(module):
    K = keras3()
    x = np.random.RandomState(2).uniform(0, 255, (1, 2, 2, 3)).astype("float32")
    want = getattr(K.applications, module).preprocess_input(x.copy())
    np.testing.assert_allclose(getattr(apps, module).preprocess_input(x.copy()), want,
                               rtol=1e-6)


def test_preprocess_input_errors():
    with pytest.raises(ValueError, match="mode"):
        imagenet_utils.preprocess_input(np.zeros((1, 3)), mode="keras")
    with pytest.raises(ValueError, match="data_format"):
        imagenet_utils.preprocess_input(np.zeros((1, 3)), data_format="nhwc")


# -- decode_predictions ----------------------------------------------------------------

def _fake_index():
    return {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}


def test_decode_predictions_matches_keras(keras_home, monkeypatch):
    import json
    K = keras3()
    from keras.src.applications import imagenet_utils as k_utils
    index = _fake_index()
    monkeypatch.setattr(k_utils, "CLASS_INDEX", index)
    os.makedirs(keras_home / "models")
    with open(keras_home / "models" / "imagenet_class_index.json", "w") as f:
        json.dump(index, f)
    preds = np.random.RandomState(0).uniform(size=(2, 1000)).astype("float32")
    for top in (1, 5):
        want = K.applications.imagenet_utils.decode_predictions(preds, top=top)
        assert imagenet_utils.decode_predictions(preds, top=top) == want
        assert apps.resnet50.decode_predictions(preds, top=top) == want
    import ember as tf
    assert apps.efficientnet.decode_predictions(tf.constant(preds))[1][0][:2] == \
        tuple(want[1][0][:2])


def test_decode_predictions_errors(keras_home):
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))
    with pytest.raises(FileNotFoundError) as e:
        imagenet_utils.decode_predictions(np.zeros((1, 1000)))
    msg = str(e.value)
    assert "imagenet_class_index.json" in msg
    assert imagenet_utils.CLASS_INDEX_URL in msg
    assert str(keras_home / "models" / "imagenet_class_index.json") in msg

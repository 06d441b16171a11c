"""keras.applications EfficientNetV2 (B0-B3, S, M, L): each is Keras 3's model (real
Keras 3 on its NumPy backend is the oracle): the same model name, output shape, layer
names in Keras' order and weight shapes, and the same outputs once Keras' weights are
copied in; `weights="imagenet"` reads the file Keras downloads, by Keras' name."""

from __future__ import annotations

import inspect
import os

import numpy as np
import pytest

from ember import keras
from ember.keras import applications as apps
from tests.keras.applications_helpers import assert_close, build_pair, check_parity, \
    copy_weights, images, keras_layers, randomize, weighted_or_named_layers, write_tf2_h5
from tests.keras3_oracle import keras3

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation:DeprecationWarning")

_VARIANTS = ["B0", "B1", "B2", "B3", "S", "M", "L"]


@pytest.fixture(scope="module", autouse=True)
def _oracle():
    """Imports Keras 3 once, before the timed tests."""
    return keras3()


def test_b0_headless_matches_keras():
    K = keras3()
    check_parity(K.applications.EfficientNetV2B0, apps.EfficientNetV2B0, weights=None,
                 include_top=False, batch=1)


def test_b0_with_top_matches_keras():
    K = keras3()
    check_parity(K.applications.EfficientNetV2B0, apps.EfficientNetV2B0, weights=None,
                 classes=3, classifier_activation=None, batch=1)


def test_b0_without_preprocessing_matches_keras():
    # without its preprocessing the model expects inputs in [-1, 1] (values in [0, 255]
    # overflow the random network's activations)
    K = keras3()
    k_model, e_model = build_pair(K.applications.EfficientNetV2B0, apps.EfficientNetV2B0,
                                  weights=None, include_top=False, pooling="max",
                                  include_preprocessing=False, input_shape=(32, 32, 3))
    assert [la.name for la in weighted_or_named_layers(e_model)] == \
        [la.name for la in keras_layers(k_model)]
    assert not [la for la in e_model.layers
                if type(la).__name__ in ("Rescaling", "Normalization")]
    randomize(k_model)
    copy_weights(k_model, e_model)
    x = images((32, 32, 3), batch=1) / 127.5 - 1.0
    assert_close(e_model.predict(x, verbose=0), np.asarray(k_model(x)))


def _check_deep(k_fn, e_fn, input_shape, **kwargs):
    """`check_parity` for the deep variants: with the helper's random batch-norm
    statistics their activations grow block after block (to thousands) and float32
    rounding differences grow with them, so the residual branches' last batch norms are
    damped (scale and shift times 0.2) before comparing."""
    k_model, e_model = build_pair(k_fn, e_fn, input_shape=input_shape, **kwargs)
    assert e_model.name == k_model.name
    assert tuple(e_model.output_shape) == tuple(k_model.output_shape)
    ours, theirs = weighted_or_named_layers(e_model), keras_layers(k_model)
    assert [la.name for la in ours] == [la.name for la in theirs]
    assert [[tuple(w.shape) for w in la.weights] for la in ours] == \
        [[tuple(w.shape) for w in la.weights] for la in theirs]
    randomize(k_model)
    for layer in k_model.layers:
        if layer.name.endswith("project_bn"):
            gamma, beta, *stats = layer.get_weights()
            layer.set_weights([gamma * 0.2, beta * 0.2, *stats])
    copy_weights(k_model, e_model)
    x = images(input_shape, batch=1)
    assert_close(e_model.predict(x, verbose=0), np.asarray(k_model(x)))


@pytest.mark.slow
@pytest.mark.parametrize("variant", _VARIANTS[1:])
def test_larger_variants_match_keras(variant):
    K = keras3()
    name = f"EfficientNetV2{variant}"
    _check_deep(getattr(K.applications, name), getattr(apps, name), (64, 48, 3),
                weights=None, include_top=False, pooling="avg")


@pytest.mark.slow
def test_s_with_top_on_one_channel_matches_keras():
    K = keras3()
    _check_deep(K.applications.EfficientNetV2S, apps.EfficientNetV2S, (32, 32, 1),
                weights=None, classes=4)
    _check_deep(K.applications.EfficientNetV2B1, apps.EfficientNetV2B1, (32, 32, 1),
                weights=None, include_top=False)


# -- the API: module, constructors, errors -------------------------------------------------

def test_module_and_constructors_are_keras():
    K = keras3()
    theirs = {n for n in dir(K.applications.efficientnet_v2) if not n.startswith("_")}
    ours = apps.efficientnet_v2
    assert not [n for n in theirs if not hasattr(ours, n)]
    for v in _VARIANTS:
        name = f"EfficientNetV2{v}"
        assert getattr(apps, name) is getattr(ours, name) is \
            getattr(keras.applications, name)
        k_sig = inspect.signature(getattr(K.applications, name)).parameters
        e_sig = inspect.signature(getattr(apps, name)).parameters
        assert list(e_sig) == list(k_sig)
        assert [p.default for p in e_sig.values()] == [p.default for p in k_sig.values()]
    x = np.random.RandomState(0).uniform(0, 255, (2, 3, 3, 3)).astype("float32")
    np.testing.assert_array_equal(ours.preprocess_input(x.copy()),
                                  K.applications.efficientnet_v2.preprocess_input(x.copy()))
    assert ours.preprocess_input(x) is x
    from keras.src.applications import efficientnet_v2 as k_v2
    assert ours.DEFAULT_BLOCKS_ARGS == k_v2.DEFAULT_BLOCKS_ARGS
    assert ours.BASE_WEIGHTS_PATH == k_v2.BASE_WEIGHTS_PATH


@pytest.mark.parametrize("kwargs", [
    dict(weights="imagenet", classes=10),
    dict(weights=None, input_shape=(31, 32, 3), include_top=False),
    dict(weights="no/such/file.h5"),
    dict(weights=None, include_top=True, input_shape=(None, None, 3)),
])
def test_argument_errors_match_keras(kwargs):
    K = keras3()
    for fn in (K.applications.EfficientNetV2B0, apps.EfficientNetV2B0):
        with pytest.raises(ValueError):
            fn(**kwargs)


def test_names_input_tensor_and_pooling():
    keras.backend.clear_session()
    inp = keras.Input((40, 40, 3), name="image")
    model = apps.EfficientNetV2B0(input_tensor=inp, weights=None, include_top=False,
                                  pooling="avg", name="v2")
    assert model.name == "v2" and model.inputs[0] is inp
    assert model.output_shape == (None, 1280)
    assert model.get_layer("block6h_add") is not None


# -- weights="imagenet": Keras' file names, loaded as Keras loads them ---------------------

@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    return tmp_path / "keras_home"


def _keras_asks(monkeypatch, name, **kwargs):
    """The (file name, URL) Keras' `name(weights="imagenet", **kwargs)` downloads."""
    K = keras3()
    from keras.src.utils import file_utils
    asked = []

    class _Stop(Exception):
        pass

    def fake_get_file(fname=None, origin=None, **_):
        asked.append((os.path.basename(fname), origin))
        raise _Stop
    monkeypatch.setattr(file_utils, "get_file", fake_get_file)
    K.backend.clear_session()
    with pytest.raises(_Stop):
        getattr(K.applications, name)(weights="imagenet", **kwargs)
    return asked[0]


@pytest.mark.parametrize("variant,top", [("B0", True), ("B0", False), ("B3", False),
                                         ("S", False), ("M", True), ("L", False)])
def test_missing_weights_file_is_the_one_keras_downloads(variant, top, keras_home,
                                                          monkeypatch):
    name = f"EfficientNetV2{variant}"
    kwargs = dict(include_top=top) if top else dict(include_top=False,
                                                   input_shape=(32, 32, 3))
    _one_block_models(monkeypatch)
    file_name, url = _keras_asks(monkeypatch, name, **kwargs)
    with pytest.raises(FileNotFoundError) as e:
        getattr(apps, name)(weights="imagenet", **kwargs)
    msg = str(e.value)
    assert repr(file_name) in msg and url in msg
    assert str(keras_home / "models" / file_name) in msg


def _one_block_models(monkeypatch):
    """Cuts every variant (in Keras and ember) to its first block: the file name and URL
    are all the test needs, and building the big models takes seconds."""
    keras3()
    from keras.src.applications import efficientnet_v2 as k_v2
    monkeypatch.setattr(k_v2, "DEFAULT_BLOCKS_ARGS", {
        n: [dict(a[0], num_repeat=1)] for n, a in k_v2.DEFAULT_BLOCKS_ARGS.items()})
    fn = apps.efficientnet_v2.EfficientNetV2

    def cheap(*args, **kwargs):
        kwargs["blocks_args"] = [dict(kwargs["blocks_args"][0], num_repeat=1)]
        return fn(*args, **kwargs)
    monkeypatch.setattr(apps.efficientnet_v2, "EfficientNetV2", cheap)


def test_imagenet_weights_load_like_keras(keras_home, monkeypatch, tmp_path):
    pytest.importorskip("h5py")
    K = keras3()
    kwargs = dict(input_shape=(32, 32, 3), include_top=False)
    K.backend.clear_session()
    source = K.applications.EfficientNetV2B0(weights=None, **kwargs)
    randomize(source, seed=3)
    file_name, _ = _keras_asks(monkeypatch, "EfficientNetV2B0", **kwargs)
    assert file_name == "efficientnetv2-b0_notop.h5"
    os.makedirs(keras_home / "models")
    write_tf2_h5(str(keras_home / "models" / file_name), source)
    keras.backend.clear_session()
    model = apps.EfficientNetV2B0(weights="imagenet", **kwargs)
    x = images((32, 32, 3), batch=1)
    assert_close(model.predict(x, verbose=0), np.asarray(source(x)))

"""keras.applications MobileNet (v1), Xception and InceptionV3: each is Keras 3's model
(real Keras 3 on its NumPy backend is the oracle): the same model name, output shape,
layer names in Keras' order and weight shapes, and the same outputs once Keras' weights
are copied in; `weights=` loads Keras' `.h5` files (tf.keras 2's layout) by the file
names Keras publishes."""

from __future__ import annotations

import inspect
import os

import numpy as np
import pytest

from ember import keras
from ember.keras import applications as apps
from tests.keras.applications_helpers import assert_close, check_parity, images, \
    write_tf2_h5
from tests.keras3_oracle import keras3

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation:DeprecationWarning")


def test_mobilenet_matches_keras():
    K = keras3()
    check_parity(K.applications.MobileNet, apps.MobileNet, weights=None, alpha=0.25,
                 classes=3, classifier_activation=None, dropout=0.2)
    check_parity(K.applications.MobileNet, apps.MobileNet, weights=None, alpha=0.25,
                 depth_multiplier=2, include_top=False, pooling="avg")


def test_xception_matches_keras():
    K = keras3()
    check_parity(K.applications.Xception, apps.Xception, input_shape=(71, 71, 3),
                 weights=None, classes=3, classifier_activation=None, batch=1)


def test_xception_headless_matches_keras():
    K = keras3()
    check_parity(K.applications.Xception, apps.Xception, input_shape=(71, 71, 3),
                 weights=None, include_top=False, pooling="max", batch=1)


def test_inception_v3_matches_keras():
    K = keras3()
    check_parity(K.applications.InceptionV3, apps.InceptionV3, input_shape=(75, 75, 3),
                 weights=None, classes=3, classifier_activation=None, batch=1)


def test_inception_v3_headless_matches_keras():
    K = keras3()
    check_parity(K.applications.InceptionV3, apps.InceptionV3, input_shape=(75, 75, 3),
                 weights=None, include_top=False, batch=1)


@pytest.mark.slow
@pytest.mark.parametrize("name,kwargs", [
    ("MobileNet", dict(input_shape=(224, 224, 3), classes=5, classifier_activation=None)),
    ("MobileNet", dict(input_shape=(40, 36, 3), include_top=False, alpha=0.75)),
    ("Xception", dict(input_shape=(96, 80, 3), include_top=False, pooling="avg")),
    ("InceptionV3", dict(input_shape=(139, 120, 3), include_top=False, pooling="max")),
])
def test_larger_models_match_keras(name, kwargs):
    K = keras3()
    kwargs = dict(kwargs)
    shape = kwargs.pop("input_shape")
    check_parity(getattr(K.applications, name), getattr(apps, name), input_shape=shape,
                 weights=None, batch=1, **kwargs)


# -- the API: module names, arguments, names, errors ------------------------------------

_NAMES = {"mobilenet": "MobileNet", "xception": "Xception", "inception_v3": "InceptionV3"}


@pytest.mark.parametrize("module", sorted(_NAMES))
def test_modules_and_constructors_are_keras(module):
    K = keras3()
    theirs = {n for n in dir(getattr(K.applications, module)) if not n.startswith("_")}
    ours = getattr(apps, module)
    assert not [n for n in theirs if not hasattr(ours, n)]
    name = _NAMES[module]
    assert getattr(apps, name) is getattr(ours, name) is getattr(keras.applications, name)
    k_sig = inspect.signature(getattr(K.applications, name)).parameters
    e_sig = inspect.signature(getattr(apps, name)).parameters
    assert list(e_sig) == list(k_sig)
    assert [p.default for p in e_sig.values()] == [p.default for p in k_sig.values()]
    x = np.random.RandomState(0).uniform(0, 255, (2, 3, 3, 3)).astype("float32")
    np.testing.assert_allclose(ours.preprocess_input(x.copy()),
                               getattr(K.applications, module).preprocess_input(x.copy()),
                               rtol=1e-6)


@pytest.mark.parametrize("name,kwargs", [
    ("MobileNet", dict(weights="imagenet", depth_multiplier=2, include_top=False)),
    ("MobileNet", dict(weights="imagenet", alpha=0.3, include_top=False)),
    ("MobileNet", dict(weights=None, input_shape=(31, 32, 3), include_top=False)),
    ("MobileNet", dict(weights="imagenet", classes=10)),
    ("Xception", dict(weights=None, input_shape=(70, 71, 3), include_top=False)),
    ("Xception", dict(weights="imagenet", input_shape=(71, 71, 3))),
    ("InceptionV3", dict(weights=None, input_shape=(75, 74, 3), include_top=False)),
    ("InceptionV3", dict(weights="no/such/file.h5")),
    ("InceptionV3", dict(weights=None, input_shape=(None, None, 3))),
])
def test_argument_errors_match_keras(name, kwargs):
    K = keras3()
    for fn in (getattr(K.applications, name), getattr(apps, name)):
        with pytest.raises(ValueError):
            fn(**kwargs)


def test_names_input_tensor_and_pooling():
    keras.backend.clear_session()
    assert apps.MobileNet(weights=None, input_shape=(128, 128, 3), alpha=0.5,
                          include_top=False).name == "mobilenet_0.50_128"
    inp = keras.Input((75, 75, 3), name="image")
    model = apps.InceptionV3(input_tensor=inp, weights=None, include_top=False,
                             pooling="avg", name="iv3")
    assert model.inputs[0] is inp and model.output_shape == (None, 2048)
    assert model.get_layer("mixed10").output.shape[-1] == 2048
    model = apps.MobileNet(weights=None, include_top=False, alpha=0.25, pooling="max",
                           input_shape=(32, 32, 3))
    assert model.output_shape == (None, 256)


# -- weights="imagenet": Keras' file names, loaded as Keras loads them ----------------------

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


@pytest.mark.filterwarnings("ignore:`input_shape` is undefined:UserWarning")
@pytest.mark.parametrize("name,kwargs", [
    ("MobileNet", dict(alpha=0.25, input_shape=(128, 128, 3))),
    ("MobileNet", dict(alpha=0.5, input_shape=(32, 32, 3), include_top=False)),
    ("Xception", dict(include_top=False, input_shape=(71, 71, 3))),
    ("InceptionV3", dict(include_top=False, input_shape=(75, 75, 3))),
])
def test_missing_weights_file_is_the_one_keras_downloads(name, kwargs, keras_home,
                                                          monkeypatch):
    file_name, url = _keras_asks(monkeypatch, name, **kwargs)
    with pytest.raises(FileNotFoundError) as e:
        getattr(apps, name)(weights="imagenet", **kwargs)
    msg = str(e.value)
    assert repr(file_name) in msg and url in msg
    assert str(keras_home / "models" / file_name) in msg


def test_imagenet_weights_load_like_keras(keras_home, monkeypatch, tmp_path):
    pytest.importorskip("h5py")
    K = keras3()
    from tests.keras.applications_helpers import randomize
    kwargs = dict(alpha=0.25, input_shape=(128, 128, 3), include_top=False)
    K.backend.clear_session()
    source = K.applications.MobileNet(weights=None, **kwargs)
    randomize(source, seed=3)
    file_name, _ = _keras_asks(monkeypatch, "MobileNet", **kwargs)
    os.makedirs(keras_home / "models")
    write_tf2_h5(str(keras_home / "models" / file_name), source)
    model = apps.MobileNet(weights="imagenet", **kwargs)
    x = images((128, 128, 3), batch=1)
    assert_close(model.predict(x, verbose=0), np.asarray(source(x)))
    # a weights file given by path loads the same way
    model = apps.MobileNet(weights=str(keras_home / "models" / file_name), **kwargs)
    assert_close(model.predict(x, verbose=0), np.asarray(source(x)))

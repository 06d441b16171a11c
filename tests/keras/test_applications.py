"""keras.applications (issue 16): each family built by ember is Keras 3's model: the same
model name, output shape, layer names (in Keras' order) and weight shapes, and the same
outputs once Keras' weights are copied in (real Keras 3 on its NumPy backend is the
oracle). The default run checks each family through its builder with a small
configuration (the same code path as the full models); the full-size models are checked
in `make test-slow`."""

from __future__ import annotations

import numpy as np
import pytest

from ember import keras
from ember.keras import applications as apps
from tests.keras.applications_helpers import check_parity
from tests.keras3_oracle import keras3

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation:DeprecationWarning")


def _ksrc(name):
    keras3()
    import importlib
    return importlib.import_module(f"keras.src.applications.{name}")


# -- one fast parity check per family ---------------------------------------------------

def test_resnet_v1_builder_matches_keras():
    kr = _ksrc("resnet")

    def stacks(mod):
        return lambda x: mod.stack_residual_blocks_v1(
            mod.stack_residual_blocks_v1(x, 8, 2, stride1=1, name="conv2"), 8, 1,
            name="conv3")
    check_parity(lambda **kw: kr.ResNet(stacks(kr), False, True, **kw),
                 lambda **kw: apps.resnet.ResNet(stacks(apps.resnet), False, True, **kw),
                 weights=None, classes=3, classifier_activation=None, name="small_resnet")


def test_resnet_v2_builder_matches_keras():
    kr = _ksrc("resnet")

    def stacks(mod):  # the last block of a stack is strided: the 1x1 max-pool shortcut
        return lambda x: mod.stack_residual_blocks_v2(x, 8, 3, name="conv2")
    check_parity(lambda **kw: kr.ResNet(stacks(kr), True, True, **kw),
                 lambda **kw: apps.resnet.ResNet(stacks(apps.resnet), True, True, **kw),
                 weights=None, include_top=False, pooling="max", name="small_resnet_v2")


def test_mobilenet_v2_matches_keras():
    K = keras3()
    check_parity(K.applications.MobileNetV2, apps.MobileNetV2, weights=None, alpha=0.35,
                 classes=3, classifier_activation=None)


def test_mobilenet_v3_small_matches_keras():
    K = keras3()
    check_parity(K.applications.MobileNetV3Small, apps.MobileNetV3Small, weights=None,
                 alpha=0.75, classes=3, classifier_activation=None)


def test_efficientnet_builder_matches_keras():
    ke = _ksrc("efficientnet")
    check_parity(lambda **kw: ke.EfficientNet(0.25, 0.2, 224, 0.2, **kw),
                 lambda **kw: apps.efficientnet.EfficientNet(0.25, 0.2, 224, 0.2, **kw),
                 weights=None, classes=3, classifier_activation=None, name="small_effnet")


def test_vgg16_matches_keras():
    K = keras3()
    check_parity(K.applications.VGG16, apps.VGG16, weights=None, include_top=False,
                 pooling="avg")


def test_densenet_builder_matches_keras():
    kd = _ksrc("densenet")
    check_parity(lambda **kw: kd.DenseNet([1, 2, 1, 1], **kw),
                 lambda **kw: apps.densenet.DenseNet([1, 2, 1, 1], **kw),
                 weights=None, classes=3, classifier_activation=None, name="small_densenet")


def test_convnext_builder_matches_keras():
    kc = _ksrc("convnext")
    dims = ([1, 1, 2, 1], [8, 8, 16, 16])
    check_parity(lambda **kw: kc.ConvNeXt(*dims, **kw),
                 lambda **kw: apps.convnext.ConvNeXt(*dims, **kw),
                 weights=None, classes=3, classifier_activation=None, name="small_convnext")
    check_parity(lambda **kw: kc.ConvNeXt(*dims, **kw),
                 lambda **kw: apps.convnext.ConvNeXt(*dims, **kw),
                 weights=None, include_top=False, include_preprocessing=False,
                 name="small_convnext")


# -- the full-size models (make test-slow) ------------------------------------------------

_FULL = [
    ("ResNet50", dict(classes=3, classifier_activation=None)),
    ("ResNet101", dict(include_top=False, pooling="avg")),
    ("ResNet152", dict(include_top=False)),
    ("ResNet50V2", dict(classes=3, classifier_activation=None)),
    ("ResNet101V2", dict(include_top=False, pooling="max")),
    ("MobileNetV2", dict(include_top=False, alpha=1.4, input_shape=(35, 33, 3))),
    ("MobileNetV3Small", dict(include_top=False, minimalistic=True, pooling="avg")),
    ("MobileNetV3Large", dict(classes=3, classifier_activation=None)),
    ("MobileNetV3Large", dict(include_top=False, minimalistic=True,
                              include_preprocessing=False)),
    ("EfficientNetB0", dict(classes=3, classifier_activation=None)),
    ("EfficientNetB0", dict(include_top=False, pooling="avg")),
    ("EfficientNetB3", dict(include_top=False)),
    ("VGG16", dict(classes=3, classifier_activation=None)),
    ("VGG19", dict(include_top=False, pooling="max")),
    ("DenseNet121", dict(classes=3, classifier_activation=None)),
    ("DenseNet169", dict(include_top=False, pooling="avg")),
    ("ConvNeXtTiny", dict(classes=3, classifier_activation=None)),
    ("ConvNeXtTiny", dict(include_top=False, pooling="avg")),
]


@pytest.mark.slow
@pytest.mark.parametrize("name,kwargs", _FULL, ids=[f"{n}-{i}" for i, (n, _) in
                                                     enumerate(_FULL)])
def test_full_model_matches_keras(name, kwargs):
    K = keras3()
    kwargs = dict(kwargs)
    shape = kwargs.pop("input_shape", (32, 32, 3))
    check_parity(getattr(K.applications, name), getattr(apps, name), input_shape=shape,
                 weights=None, batch=1, **kwargs)


# -- the API: module names, arguments, errors -----------------------------------------

_MODULES = ["convnext", "densenet", "efficientnet", "imagenet_utils", "mobilenet_v2",
            "mobilenet_v3", "resnet", "resnet50", "resnet_v2", "vgg16", "vgg19"]


@pytest.mark.parametrize("module", _MODULES)
def test_module_exports_keras_names(module):
    K = keras3()
    theirs = {n for n in dir(getattr(K.applications, module)) if not n.startswith("_")}
    ours = getattr(apps, module)
    missing = [n for n in theirs if not hasattr(ours, n)]
    assert not missing


def test_every_keras_application_is_there():
    K = keras3()
    names = [n for n in dir(K.applications) if n[:1].isupper()]
    assert names and all(callable(getattr(apps, n)) for n in names)
    assert keras.applications.ResNet50 is apps.resnet50.ResNet50 is apps.resnet.ResNet50
    with pytest.raises(NotImplementedError, match="NASNetMobile is not available"):
        apps.NASNetMobile(weights=None)


def test_constructor_arguments_match_keras():
    import inspect
    K = keras3()
    for name in ["ResNet50", "ResNet50V2", "MobileNetV2", "MobileNetV3Small",
                 "EfficientNetB0", "VGG16", "VGG19", "DenseNet121", "ConvNeXtTiny"]:
        theirs = inspect.signature(getattr(K.applications, name)).parameters
        ours = inspect.signature(getattr(apps, name)).parameters
        assert list(ours) == list(theirs), name
        assert [p.default for p in ours.values()] == [p.default for p in theirs.values()]


def test_input_tensor_and_names():
    inp = keras.Input((32, 32, 3), name="image")
    model = apps.MobileNetV3Small(input_tensor=inp, weights=None, include_top=False,
                                  minimalistic=True, pooling="max")
    assert model.inputs[0] is inp and model.output_shape == (None, 576)
    keras.backend.clear_session()
    assert apps.MobileNetV2(weights=None, input_shape=(96, 96, 3), alpha=0.5,
                            include_top=False).name == "mobilenetv2_0.50_96"


def test_argument_errors_match_keras():
    K = keras3()
    cases = [dict(weights="no/such/file.h5"),
             dict(weights="imagenet", classes=10),
             dict(weights=None, include_top=False, input_shape=(16, 16, 3)),
             dict(weights=None, include_top=False, input_shape=(32, 32)),
             dict(weights=None, include_top=True, input_shape=(None, None, 3)),
             dict(weights="imagenet", include_top=True, input_shape=(64, 64, 3))]
    for kwargs in cases:
        for fn in (K.applications.VGG16, apps.VGG16):
            with pytest.raises(ValueError):
                fn(**kwargs)
    for fn in (K.applications.ResNet50, apps.ResNet50):
        with pytest.raises(ValueError, match="classifier_activation"):
            fn(weights="imagenet", classifier_activation="relu")


def test_model_trains_and_runs_in_a_function():
    model = apps.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=2,
                                  minimalistic=True, alpha=0.75)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = np.random.RandomState(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    history = model.fit(x, np.array([0, 1, 0, 1]), epochs=1, batch_size=2, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.predict(x, verbose=0).shape == (4, 2)


def test_convnext_layers_save_load_and_clone(tmp_path):
    model = apps.convnext.ConvNeXt([1, 1, 1, 1], [8, 8, 16, 16], input_shape=(32, 32, 3),
                                   classes=3, name="tiny_cx", drop_path_rate=0.1)
    x = np.random.RandomState(0).uniform(0, 255, (1, 32, 32, 3)).astype("float32")
    path = str(tmp_path / "cx.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    assert type(loaded.get_layer("tiny_cx_stage_0_block_0_layer_scale")).__name__ == \
        "LayerScale"
    assert len(keras.models.clone_model(model).layers) == len(model.layers)
    # StochasticDepth drops whole residual branches while training
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(np.repeat(x, 2, axis=0), np.array([0, 1]), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])

"""keras.layers: Conv1DTranspose channels_first, DepthwiseConv1D, SeparableConv1D, the
adaptive poolings, AlphaDropout, Wrapper, ReversibleEmbedding and Keras 3's aliases,
against real Keras 3 (same weights, same outputs), with their configs, Keras 3 files both
ways and errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from tests.keras.layer_oracle import check_against_keras3, check_file_interop, check_config
from tests.keras3_oracle import keras3

R = np.random.default_rng(5)
L = keras.layers


def _x(*shape):
    return R.standard_normal(shape).astype("float32")


CONV1D_T = [
    {"filters": 2, "kernel_size": 3, "strides": 2},
    {"filters": 3, "kernel_size": 4, "strides": 2, "padding": "same", "output_padding": 1},
    {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same",
     "activation": "relu"},
]


@pytest.mark.parametrize("kwargs", CONV1D_T)
def test_conv1d_transpose_channels_first_equals_keras3(kwargs):
    layer, y = check_against_keras3(
        "Conv1DTranspose", {**kwargs, "data_format": "channels_first"}, _x(2, 3, 7))
    assert layer.kernel.shape.as_list() == [kwargs["kernel_size"], kwargs["filters"], 3]


DEPTHWISE = [
    {"kernel_size": 3},
    {"kernel_size": 2, "strides": 2, "padding": "same", "depth_multiplier": 2},
    {"kernel_size": 3, "dilation_rate": 2, "activation": "relu", "use_bias": False},
    {"kernel_size": 2, "strides": 2, "dilation_rate": 2, "depth_multiplier": 3},
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kwargs", DEPTHWISE)
def test_depthwise_conv1d_equals_keras3(kwargs, data_format):
    x = _x(2, 9, 3) if data_format == "channels_last" else _x(2, 3, 9)
    check_against_keras3("DepthwiseConv1D", {**kwargs, "data_format": data_format}, x)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kwargs", [{"filters": 4, **k} for k in DEPTHWISE])
def test_separable_conv1d_equals_keras3(kwargs, data_format):
    x = _x(2, 9, 3) if data_format == "channels_last" else _x(2, 3, 9)
    check_against_keras3("SeparableConv1D", {**kwargs, "data_format": data_format}, x)


ADAPTIVE = [(1, (7, 3), 3), (1, (5, 2), 7), (2, (9, 7, 2), (4, 3)), (2, (6, 6, 1), 6),
            (3, (5, 6, 7, 2), (2, 4, 3))]


@pytest.mark.parametrize("kind", ["Average", "Max"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("rank, shape, size", ADAPTIVE)
def test_adaptive_pooling_equals_keras3(kind, data_format, rank, shape, size):
    if data_format == "channels_first":
        shape = (shape[-1],) + shape[:-1]
    check_against_keras3(f"Adaptive{kind}Pooling{rank}D",
                         {"output_size": size, "data_format": data_format}, _x(2, *shape))


def test_adaptive_pooling_gradients():
    x = tf.constant(_x(2, 5, 7, 3).astype("float64"))
    for layer in (L.AdaptiveAveragePooling2D((2, 3), dtype="float64"),
                  L.AdaptiveMaxPooling2D((3, 2), dtype="float64")):
        with tf.GradientTape() as tape:
            tape.watch(x)
            total = tf.reduce_sum(layer(x) ** 2)
        g = tape.gradient(total, x).numpy()
        eps, v = 1e-6, R.standard_normal(x.shape)
        f = lambda a: float(tf.reduce_sum(layer(tf.constant(a)) ** 2))  # noqa: E731
        numeric = (f(x.numpy() + eps * v) - f(x.numpy() - eps * v)) / (2 * eps)
        np.testing.assert_allclose(np.sum(g * v), numeric, rtol=1e-5)


def test_alpha_dropout_matches_keras3_when_not_training_and_keeps_the_moments():
    check_against_keras3("AlphaDropout", {"rate": 0.3, "noise_shape": (None, 1, 4),
                                          "seed": 3}, _x(2, 3, 4))
    x = _x(200, 500)
    y = L.AlphaDropout(0.2)(x, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1.0) < 0.02
    alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    a = ((1 - 0.2) * (1 + 0.2 * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * 0.2
    dropped = np.isclose(y, a * alpha_p + b, atol=1e-5)
    kept = np.isclose(y, a * x + b, atol=1e-5)
    assert (dropped | kept).all() and abs(dropped.mean() - 0.2) < 0.01
    z = L.AlphaDropout(0.5, noise_shape=(None, 1))(np.zeros((4, 6), "float32"),
                                                  training=True).numpy()
    assert (z == z[:, :1]).all()  # one draw per row


def test_wrapper_base_class():
    class Twice(L.Wrapper):
        def call(self, inputs):
            return 2.0 * self.layer(inputs)

    w = Twice(L.Dense(3, name="inner"), name="twice")
    y = w(_x(2, 4))
    assert y.shape.as_list() == [2, 3] and w.layer.built
    assert [v.name for v in w.trainable_weights] == [v.name for v in w.layer.weights]
    config = w.get_config()
    assert config["layer"]["class_name"] == "Dense"
    assert config["layer"]["config"]["name"] == "inner"
    clone = Twice.from_config(config)
    assert clone.get_config() == config and clone.layer is not w.layer
    w.layer.trainable = False
    assert w.trainable_weights == []
    with pytest.raises(ValueError, match="must be a keras Layer"):
        Twice("dense")
    with pytest.raises(NotImplementedError, match="abstract base class"):
        L.Wrapper(L.Dense(2))(np.ones((1, 2), "float32"))
    sym = Twice(L.Dense(5))(keras.Input((4,)))
    assert tuple(sym.shape) == (None, 5)


def test_wrapper_subclass_in_keras_files(tmp_path):
    """A registered Wrapper subclass: ember's file loads back in ember and in Keras 3 (the
    wrapped layer's config written in Keras 3's schema), Keras 3's loads in ember."""
    pytest.importorskip("h5py")
    K = keras3()

    @keras.saving.register_keras_serializable("ember_misc_test")
    class Halved(L.Wrapper):
        def call(self, inputs):
            return 0.5 * self.layer(inputs)

    @K.saving.register_keras_serializable("ember_misc_test")
    class Halved(K.layers.Wrapper):  # noqa: F811 - Keras 3's twin of the class above
        def call(self, inputs):
            return 0.5 * self.layer(inputs)

        def compute_output_shape(self, input_shape):
            return self.layer.compute_output_shape(input_shape)

    ours = keras.saving.get_registered_object("ember_misc_test>Halved")
    x = _x(2, 4)
    model = keras.Sequential([keras.Input((4,)), ours(L.Dense(3))])
    model.save(str(tmp_path / "m.keras"))
    back = keras.models.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)
    in_keras = K.models.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(np.asarray(in_keras.predict(x, verbose=0)),
                               model.predict(x, verbose=0), atol=1e-6)
    theirs = K.Sequential([K.Input((4,)), Halved(K.layers.Dense(3))])
    theirs.save(str(tmp_path / "k.keras"))
    loaded = keras.models.load_model(str(tmp_path / "k.keras"))
    assert type(loaded.layers[-1]) is ours and type(loaded.layers[-1].layer) is L.Dense
    np.testing.assert_allclose(loaded.predict(x, verbose=0),
                               np.asarray(theirs.predict(x, verbose=0)), atol=1e-6)


@pytest.mark.parametrize("kwargs", [{}, {"tie_weights": False, "logit_soft_cap": 2.0},
                                    {"mask_zero": True, "tie_weights": False}])
def test_reversible_embedding_equals_keras3(kwargs):
    K = keras3()
    ids = R.integers(0, 10, (2, 5)).astype("int32")
    ours = L.ReversibleEmbedding(10, 4, **kwargs)
    theirs = K.layers.ReversibleEmbedding(10, 4, **kwargs)
    h = ours(ids)
    theirs.build(ids.shape)
    theirs.set_weights(ours.get_weights())
    assert [w.shape for w in ours.get_weights()] == \
        [tuple(w.shape) for w in theirs.weights]
    np.testing.assert_allclose(h.numpy(), np.asarray(theirs(ids)), atol=1e-7)
    hidden = _x(2, 5, 4)
    logits = ours(hidden, reverse=True)
    np.testing.assert_allclose(logits.numpy(), np.asarray(theirs(hidden, reverse=True)),
                               rtol=1e-5, atol=1e-6)
    check_config(ours, theirs)
    # a functional model calling the layer both ways, with the mask of mask_zero
    inp = keras.Input((5,), dtype="int32")
    out = ours(ours(inp), reverse=True)
    assert tuple(out.shape) == (None, 5, 10)
    np.testing.assert_allclose(keras.Model(inp, out).predict(ids, verbose=0),
                               np.asarray(theirs(theirs(ids), reverse=True)), rtol=1e-5,
                               atol=1e-6)
    if kwargs.get("mask_zero"):
        assert ours.compute_mask(ids).numpy().tolist() == (ids != 0).tolist()
        assert ours.compute_mask(hidden) is None


def test_reversible_embedding_keras3_files_both_ways(tmp_path):
    pytest.importorskip("h5py")
    K = keras3()
    ids = R.integers(0, 10, (2, 5)).astype("int32")

    def build(M):
        inp = M.Input((5,), dtype="int32")
        emb = M.layers.ReversibleEmbedding(10, 4, tie_weights=False, name="emb")
        return M.Model(inp, emb(M.layers.Dense(4)(emb(inp)), reverse=True))

    model = build(keras)
    model.save(str(tmp_path / "e.keras"))
    loaded = K.models.load_model(str(tmp_path / "e.keras"))
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0),
                               atol=1e-6)
    theirs = build(K)
    theirs.save(str(tmp_path / "k.keras"))
    back = keras.models.load_model(str(tmp_path / "k.keras"))
    np.testing.assert_allclose(back.predict(ids, verbose=0), theirs.predict(ids, verbose=0),
                               atol=1e-6)


FILES = [
    ("Conv1DTranspose", lambda M: M.Conv1DTranspose(2, 3, strides=2,
                                                    data_format="channels_first"), (3, 6)),
    ("DepthwiseConv1D", lambda M: M.DepthwiseConv1D(3, depth_multiplier=2), (7, 2)),
    ("SeparableConv1D", lambda M: M.SeparableConv1D(3, 2, padding="same"), (7, 2)),
    ("AdaptiveAveragePooling2D", lambda M: M.AdaptiveAveragePooling2D((2, 3)), (5, 7, 2)),
    ("AdaptiveMaxPooling1D", lambda M: M.AdaptiveMaxPooling1D(3,
                                                              data_format="channels_first"),
     (2, 7)),
    ("AdaptiveMaxPooling3D", lambda M: M.AdaptiveMaxPooling3D(2), (3, 4, 5, 1)),
    ("AlphaDropout", lambda M: M.AlphaDropout(0.2), (4,)),
    ("MaxPool1D alias", lambda M: M.MaxPool1D(), (6, 2)),
]


@pytest.mark.parametrize("name, make, shape", FILES, ids=[f[0] for f in FILES])
def test_keras3_files_both_ways(name, make, shape, tmp_path):
    pytest.importorskip("h5py")
    check_file_interop(make, shape, tmp_path)


def test_every_keras3_alias_is_the_same_class():
    K = keras3()
    aliases = ["MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
               "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D",
               "GlobalAvgPool2D", "GlobalAvgPool3D", "Convolution1D", "Convolution2D",
               "Convolution3D", "Convolution1DTranspose", "Convolution2DTranspose",
               "Convolution3DTranspose", "SeparableConvolution1D", "SeparableConvolution2D"]
    for name in aliases:
        theirs = getattr(K.layers, name)
        ours = getattr(L, name)
        assert ours is getattr(L, theirs.__name__), name
        args, config = ((), {}) if "Pool" in name else ((2, 3), {"filters": 2,
                                                                 "kernel_size": 3})
        assert keras.layers.serialize(ours(*args))["class_name"] == theirs.__name__
        assert type(keras.layers.deserialize({"class_name": name, "config": config})) is ours


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match=r'"dw" \(DepthwiseConv1D\): depth_multiplier'):
        L.DepthwiseConv1D(3, depth_multiplier=0, name="dw")
    with pytest.raises(ValueError, match=r"\(SeparableConv1D\): filters must be"):
        L.SeparableConv1D(0, 3)
    with pytest.raises(NotImplementedError, match="causal"):
        L.DepthwiseConv1D(3, padding="causal")
    with pytest.raises(ValueError, match="expected ndim=3"):
        L.DepthwiseConv1D(3)(np.ones((1, 4, 4, 1), "float32"))
    with pytest.raises(ValueError, match=r"\(AdaptiveMaxPooling2D\): output_size must be"):
        L.AdaptiveMaxPooling2D((2, 2, 2))
    with pytest.raises(ValueError, match="spatial dims of the inputs must be known"):
        L.AdaptiveAveragePooling1D(2)(keras.Input((None, 3)))
    with pytest.raises(ValueError, match=r"\(AlphaDropout\): rate must be"):
        L.AlphaDropout(1.5)
    with pytest.raises(ValueError, match="output_dim=4.*last dim 3"):
        L.ReversibleEmbedding(10, 4)(np.ones((1, 3), "float32"), reverse=True)
    with pytest.raises(ValueError, match="logit_soft_cap"):
        L.ReversibleEmbedding(10, 4, logit_soft_cap=-1.0)

"""keras.layers: activation, reshaping and Lambda layers, each through `run_layer_test`
(tests/helpers.py), the harness every layer test file uses (values vs NumPy eagerly, in a
functional model via predict, in ember.function; symbolic shape == eager shape;
get_config/from_config round trip)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras import _objects
from ember.errors import ShapeError
from tests.helpers import assert_close, run_layer_test, x32

L = keras.layers


def _relu_ref(x, alpha=0.0, max_value=None, threshold=0.0):
    y = np.where(x > threshold, x, 0.0)
    if max_value is not None:
        y = np.clip(y, 0.0, max_value)
    return y - alpha * np.maximum(threshold - x, 0.0)


def _softmax_ref(x, axis=-1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def double(x):
    return x * 2.0


# -- activation layers ------------------------------------------------------------------

@pytest.mark.parametrize("activation, ref", [
    ("relu", lambda x: np.maximum(x, 0)), ("tanh", np.tanh), (None, lambda x: x),
    ("softmax", _softmax_ref)])
def test_activation(activation, ref):
    x = x32(3, 5)
    run_layer_test(L.Activation, {"activation": activation}, x, ref(x))


def test_activation_custom_function():
    layer = L.Activation(double)
    x = x32(2, 3)
    assert_close(layer(x).numpy(), 2 * x, 0)
    config = layer.get_config()
    assert config["activation"] == "double"
    clone = L.deserialize(L.serialize(layer), custom_objects={"double": double})
    assert clone.activation is double
    with pytest.raises(ValueError, match="'double'"):
        L.Activation.from_config(config)


@pytest.mark.parametrize("kwargs", [{}, {"max_value": 2.0}, {"negative_slope": 0.2},
                                    {"threshold": 1.0},
                                    {"max_value": 6.0, "negative_slope": 0.1,
                                     "threshold": -0.5}])
def test_relu(kwargs):
    x = x32(4, 6)
    ref = _relu_ref(x, kwargs.get("negative_slope", 0.0), kwargs.get("max_value"),
                    kwargs.get("threshold", 0.0))
    run_layer_test(L.ReLU, kwargs, x, ref)


@pytest.mark.parametrize("kwargs, bad", [({"max_value": -1.0}, "max_value"),
                                         ({"negative_slope": -0.1}, "negative_slope"),
                                         ({"threshold": None}, "threshold"),
                                         ({"max_value": "6"}, "max_value")])
def test_relu_errors(kwargs, bad):
    with pytest.raises(ValueError, match=f'Layer "r".*{bad}.*received {bad}='):
        L.ReLU(name="r", **kwargs)


@pytest.mark.parametrize("axis", [-1, 1, (1, 2)])
def test_softmax(axis):
    x = x32(2, 3, 4)
    run_layer_test(L.Softmax, {"axis": axis}, x, _softmax_ref(x, axis))


def test_softmax_mask_eager_and_in_model():
    x = x32(3, 5)
    mask = np.array([[1, 1, 0, 1, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], bool)
    e = np.where(mask, np.exp(x - x.max(-1, keepdims=True)), 0.0)
    want = e / e.sum(-1, keepdims=True)
    layer = L.Softmax()
    got = layer(x, mask=mask).numpy()
    assert_close(got, want, 1e-5)
    assert (got[~mask] < 1e-6).all()
    xi, mi = keras.Input((5,)), keras.Input((5,), dtype="bool")
    out = layer(xi, mask=mi)
    assert tuple(out.shape) == (None, 5)
    model = keras.Model([xi, mi], out)
    assert_close(model.predict([x, mask], verbose=0), want, 1e-5)


def test_softmax_bad_axis():
    with pytest.raises(ValueError, match='Layer "sm".*axis'):
        L.Softmax(axis="last", name="sm")


def test_leaky_relu():
    x = x32(4, 5)
    out = run_layer_test(L.LeakyReLU, {}, x, np.where(x > 0, x, 0.3 * x))
    assert out.dtype == tf.float32
    run_layer_test(L.LeakyReLU, {"alpha": 0.1}, x, np.where(x > 0, x, 0.1 * x))
    k3 = L.LeakyReLU(negative_slope=0.05)
    assert k3.get_config()["alpha"] == 0.05 and k3.negative_slope == 0.05
    assert_close(k3(x).numpy(), np.where(x > 0, x, 0.05 * x), 1e-6)
    with pytest.raises(ValueError, match='Layer "lr".*not both'):
        L.LeakyReLU(alpha=0.1, negative_slope=0.2, name="lr")
    with pytest.raises(ValueError, match='Layer "lr2".*alpha'):
        L.LeakyReLU(alpha=-1.0, name="lr2")


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_elu(alpha):
    x = x32(3, 4)
    run_layer_test(L.ELU, {"alpha": alpha}, x, np.where(x > 0, x, alpha * np.expm1(x)))


def test_thresholded_relu():
    x = x32(3, 4)
    run_layer_test(L.ThresholdedReLU, {"theta": 0.5}, x, np.where(x > 0.5, x, 0.0))


def test_prelu():
    x = x32(2, 3, 4)
    alpha = x32(3, 4, low=0.0, high=1.0)
    run_layer_test(L.PReLU, {}, x, np.where(x > 0, x, alpha * x), weights=[alpha])
    shared = x32(1, 4, low=0.0, high=1.0)
    run_layer_test(L.PReLU, {"shared_axes": [1]}, x, np.where(x > 0, x, shared * x),
                   weights=[shared])
    layer = L.PReLU(name="p")
    layer(x)
    assert layer.alpha.shape == (3, 4) and float(np.abs(layer.alpha.numpy()).sum()) == 0.0
    with pytest.raises(ShapeError, match='layer "p"'):
        layer(x32(2, 3, 5))


def test_prelu_errors():
    with pytest.raises(ValueError, match='Layer "p".*shared_axes'):
        L.PReLU(shared_axes=[0], name="p")
    with pytest.raises(ShapeError, match='Layer "p2".*known'):
        L.PReLU(name="p2")(keras.Input((None, 3)))


# -- reshaping layers -------------------------------------------------------------------

def test_flatten():
    x = x32(2, 3, 4)
    run_layer_test(L.Flatten, {}, x, x.reshape(2, 12))
    run_layer_test(L.Flatten, {"data_format": "channels_first"}, x,
                   x.transpose(0, 2, 1).reshape(2, 12))
    y = x32(3, 5)
    run_layer_test(L.Flatten, {}, y, y)
    assert L.Flatten().get_config()["data_format"] == "channels_last"


def test_flatten_1d_and_unknown_dims():
    v = x32(4)
    assert tuple(L.Flatten()(v).shape) == (4, 1)
    layer = L.Flatten()
    x = keras.Input((None, 3))
    assert tuple(layer(x).shape) == (None, None)
    fn = tf.function(layer, input_signature=[tf.TensorSpec([None, None, 3])])
    data = x32(2, 5, 3)
    assert_close(fn(data).numpy(), data.reshape(2, 15), 0)
    assert_close(keras.Model(x, layer(x)).predict(data, verbose=0), data.reshape(2, 15), 0)
    with pytest.raises(ValueError, match='Layer "f".*data_format'):
        L.Flatten(data_format="NHWC", name="f")


@pytest.mark.parametrize("target, shape", [((3, 4), (3, 4)), ((-1, 2), (6, 2)),
                                           ((2, -1, 3), (2, 2, 3)), (12, (12,))])
def test_reshape(target, shape):
    x = x32(2, 12)
    run_layer_test(L.Reshape, {"target_shape": target}, x, x.reshape((2,) + shape))


def test_reshape_unknown_dims_in_function():
    layer = L.Reshape((-1, 2))
    x = keras.Input((None,))
    assert tuple(layer(x).shape) == (None, None, 2)
    data = x32(3, 8)
    assert_close(keras.Model(x, layer(x)).predict(data, verbose=0), data.reshape(3, 4, 2), 0)


def test_reshape_errors():
    with pytest.raises(ShapeError, match=r'Layer "rs".*\(None, 12\).*12 values.*\(5, 2\)'):
        L.Reshape((5, 2), name="rs")(keras.Input((12,)))
    with pytest.raises(ShapeError, match=r'Layer "rs2".*\(2, 12\).*\(5, -1\)'):
        L.Reshape((5, -1), name="rs2")(x32(2, 12))
    with pytest.raises(ValueError, match='Layer "rs3".*at most one -1'):
        L.Reshape((-1, -1), name="rs3")
    with pytest.raises(ValueError, match='Layer "rs4".*positive'):
        L.Reshape((0, 3), name="rs4")
    with pytest.raises(ValueError, match='Layer "rs5".*target_shape'):
        L.Reshape("3x4", name="rs5")


def test_repeat_vector():
    x = x32(2, 3)
    run_layer_test(L.RepeatVector, {"n": 4}, x, np.repeat(x[:, None, :], 4, axis=1))
    with pytest.raises(ShapeError, match='layer "rv".*ndim=2'):
        L.RepeatVector(2, name="rv")(x32(2, 3, 4))
    with pytest.raises(ValueError, match='Layer "rv2".*n must'):
        L.RepeatVector(0, name="rv2")


@pytest.mark.parametrize("dims", [(2, 1, 3), (3, 1, 2), (1, 2, 3)])
def test_permute(dims):
    x = x32(2, 3, 4, 5)
    run_layer_test(L.Permute, {"dims": dims}, x, x.transpose((0,) + dims))


def test_permute_errors():
    with pytest.raises(ValueError, match=r'Layer "pm".*permutation.*\(0, 1\)'):
        L.Permute((0, 1), name="pm")
    with pytest.raises(ValueError, match='Layer "pm2"'):
        L.Permute((1, 3), name="pm2")
    with pytest.raises(ShapeError, match='layer "pm3".*ndim=3'):
        L.Permute((2, 1), name="pm3")(x32(2, 3))


# -- Lambda -------------------------------------------------------------------------------

def scale_by(x, k=1.0):
    return x * k


def test_lambda():
    x = x32(3, 4)
    # a lambda is saved as bytecode, which keras.layers.deserialize reads only outside
    # safe mode (the user's explicit choice); a named function by registration
    with _objects.safe_mode_scope(False):
        run_layer_test(L.Lambda, {"function": lambda t: tf.reduce_sum(t, -1)}, x, x.sum(-1))
        run_layer_test(L.Lambda, {"function": lambda ts: ts[0] - ts[1]}, [x, 2 * x], -x)
    with keras.saving.custom_object_scope({"scale_by": scale_by}):
        run_layer_test(L.Lambda, {"function": scale_by, "arguments": {"k": 3.0}}, x, 3 * x)


def test_lambda_config_describes_the_function():
    layer = L.Lambda(scale_by, arguments={"k": 2.0}, output_shape=(4,))
    config = layer.get_config()
    assert config["function"] == {"module": __name__, "class_name": "function",
                                  "config": "scale_by", "registered_name": "function"}
    assert config["output_shape"] == (4,)
    json.dumps(config)  # plain data
    # a direct from_config in the user's own code may import the module it names
    clone = L.Lambda.from_config(config)
    assert clone.function is scale_by and clone.arguments == {"k": 2.0}
    by_name = {**config, "function": {**config["function"], "module": None}}
    assert L.Lambda.from_config(by_name, custom_objects={"scale_by": scale_by}).function \
        is scale_by
    with pytest.raises(ValueError, match="custom_objects"):
        L.Lambda.from_config(by_name)
    # ember's own ops are found by name, never by importing
    op = L.Lambda(tf.math.reduce_logsumexp).get_config()
    assert (op["function"]["config"], op["function"]["module"]) == ("reduce_logsumexp",
                                                                     "ember")
    assert L.deserialize({"class_name": "Lambda", "config": op}).function \
        is tf.math.reduce_logsumexp
    # a lambda with a closure round-trips outside safe mode
    k = 5.0
    lam = L.Lambda(lambda t: t * k, output_shape=lambda s: s)
    cfg = lam.get_config()
    assert cfg["function"]["class_name"] == cfg["output_shape"]["class_name"] == "__lambda__"
    with _objects.safe_mode_scope(False):
        again = L.deserialize(L.serialize(lam))
    assert_close(again(np.ones((1, 2), np.float32)).numpy(), np.full((1, 2), 5.0), 0)
    assert tuple(again.compute_output_shape((None, 2))) == (None, 2)


def test_lambda_passes_mask_and_training():
    seen = {}

    def fn(x, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return x

    layer = L.Lambda(fn, mask=None)
    layer(x32(1, 2), training=True)
    assert seen == {"mask": None, "training": True}
    x = keras.Input((2,))
    model = keras.Model(x, layer(x))
    model(x32(1, 2), training=True)
    assert seen["training"] is True
    model.predict(x32(1, 2), verbose=0)
    assert not seen["training"]


def test_lambda_output_shape_and_sequential():
    assert tuple(L.Lambda(lambda t: t, output_shape=(4,)).compute_output_shape((None, 4))) \
        == (None, 4)
    assert tuple(L.Lambda(lambda t: t, output_shape=lambda s: (s[0], 7))
                 .compute_output_shape((5, 4))) == (5, 7)
    assert tuple(L.Lambda(lambda t: t[:, :2]).compute_output_shape((None, 4))) == (None, 2)
    model = keras.Sequential([keras.Input((3,)), L.Lambda(lambda t: t + 1.0), L.Flatten()])
    x = x32(2, 3)
    assert_close(model.predict(x, verbose=0), x + 1, 1e-6)


def test_lambda_errors():
    with pytest.raises(TypeError, match='Layer "lm".*callable'):
        L.Lambda(3, name="lm")
    with pytest.raises(TypeError, match='Layer "lm2".*arguments'):
        L.Lambda(scale_by, arguments=[1], name="lm2")
    with pytest.raises(TypeError, match='Layer "lm3".*output_shape'):
        L.Lambda(scale_by, output_shape="4", name="lm3")


def test_layers_in_sequential_end_to_end():
    model = keras.Sequential([
        keras.Input((2, 3)), L.Permute((2, 1)), L.Flatten(), L.RepeatVector(2),
        L.Reshape((12,)), L.LeakyReLU(0.5), L.Softmax()])
    x = x32(4, 2, 3)
    h = np.repeat(x.transpose(0, 2, 1).reshape(4, 1, 6), 2, axis=1).reshape(4, 12)
    want = _softmax_ref(np.where(h > 0, h, 0.5 * h))
    assert_close(model.predict(x, verbose=0), want, 1e-5)
    assert tuple(model.output_shape) == (None, 12)

"""Every model a user can build can be saved: raw ops on KerasTensors (OpLayer), Lambda
layers (registered functions by name, lambdas as bytecode behind safe_mode) and subclassed
models and layers (their constructor's arguments, or a clear error and the weights path).
"""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras.engine.op_layer import OpLayer
from tests.keras3_oracle import keras3

L = keras.layers
RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 4)).astype("float32")
IDS = np.array([[0, 1, 2, 1], [2, 2, 0, 1], [1, 0, 0, 2]], "int32")


def _json_round_trip(model):
    """keras.Model.from_config of the model's config after a trip through JSON text."""
    config = json.loads(json.dumps(model.get_config()))
    again = keras.Model.from_config(config)
    again.set_weights(model.get_weights())
    return again


def _file_round_trip(model, tmp_path, **load_kwargs):
    path = tmp_path / "model.keras"
    model.save(path)
    return keras.models.load_model(path, **load_kwargs)


# -- raw ops on KerasTensors -------------------------------------------------------------

def test_demo_functional_model_with_raw_ops_saves_and_loads(tmp_path):
    inputs = L.Input(shape=(2,))
    hidden = L.Dense(4, activation="relu")(inputs)
    outputs = L.Dense(1, activation="sigmoid")(
        hidden + tf.reduce_sum(inputs, axis=-1, keepdims=True))
    model = keras.Model(inputs, outputs)
    x = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    expected = model.predict(x, verbose=0)
    assert any(isinstance(layer, OpLayer) for layer in model.layers)
    for again in (_json_round_trip(model), _file_round_trip(model, tmp_path)):
        assert [type(la).__name__ for la in again.layers] == \
            [type(la).__name__ for la in model.layers]
        assert [la.name for la in again.layers] == [la.name for la in model.layers]
        np.testing.assert_array_equal(again.predict(x, verbose=0), expected)


_OPS = {
    "arithmetic": lambda x, i: x * 2.0 + 1.0,
    "reduce_sum": lambda x, i: tf.reduce_sum(x, axis=-1),
    "index": lambda x, i: x[:, 0],
    "slice": lambda x, i: x[:, 1:3],
    "newaxis": lambda x, i: x[..., None],
    "concat": lambda x, i: tf.concat([x, x * x], -1),
    "cast": lambda x, i: tf.cast(i, tf.float32) - x,
    "reshape": lambda x, i: tf.reshape(x, (-1, 2, 2)),
    "one_hot": lambda x, i: tf.one_hot(i, 3),
    "split": lambda x, i: tf.split(x, 2, axis=-1)[1],
    "matmul_constant": lambda x, i: x @ tf.constant(np.arange(8.0, dtype="float32")
                                                    .reshape(4, 2)),
    "gather": lambda x, i: tf.gather(x, [0, 2], axis=1),
    "softmax": lambda x, i: tf.nn.softmax(x),
    "where": lambda x, i: tf.where(x > 0, x, 0.0),
    "transpose": lambda x, i: tf.transpose(x),
    "keras_ops": lambda x, i: keras.ops.concatenate(
        [keras.ops.mean(x, axis=1, keepdims=True), keras.ops.max(x, axis=1, keepdims=True)],
        axis=-1),
}


@pytest.mark.parametrize("op", sorted(_OPS))
def test_raw_op_models_round_trip(op, tmp_path):
    x, ids = L.Input((4,)), L.Input((4,), dtype="int32")
    model = keras.Model([x, ids], _OPS[op](x, ids))
    expected = model.predict([X, IDS], verbose=0)
    for again in (_json_round_trip(model), _file_round_trip(model, tmp_path)):
        np.testing.assert_array_equal(again.predict([X, IDS], verbose=0), expected)


def test_op_config_names_the_primitive_and_its_params():
    x = L.Input((4,))
    layer = tf.reduce_sum(x[:, 1:], axis=-1)._keras_history[0]
    config = layer.get_config()
    assert config["primitive"] == "reduce_sum"
    assert config["params"]["axis"] == {"class_name": "__tuple__", "config": {"value": [1]}}
    assert config["arguments"] == [{"class_name": "__input__", "config": {}}]
    sliced = layer._inbound_nodes[0].call_args[0][0]._keras_history[0].get_config()
    assert sliced["params"]["index"]["config"]["value"][1] == {
        "class_name": "__slice__", "config": {"start": 1, "stop": None, "step": None}}
    cast = tf.cast(x, tf.int32)._keras_history[0].get_config()
    assert cast["params"]["dtype"]["config"]["value"] == "int32"


def test_captured_variable_is_a_weight_saved_with_the_model(tmp_path):
    scale = tf.Variable(np.arange(4, dtype="float32"), name="scale")
    x = L.Input((4,))
    model = keras.Model(x, L.Dense(2)(x * scale))
    expected = model.predict(X, verbose=0)
    config = model.get_config()
    op = [c for c in config["layers"] if c["class_name"] == "OpLayer"][0]["config"]
    saved = op["arguments"][1]
    assert saved["class_name"] == "__variable__"
    assert saved["config"].pop("key").startswith("scale@")
    assert saved["config"] == {"name": "scale", "shape": [4], "dtype": "float32",
                               "trainable": True}
    fresh = keras.Model.from_config(config)  # new weights, like any layer's
    assert len(fresh.weights) == len(model.weights)
    loaded = _file_round_trip(model, tmp_path)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), expected)
    loaded_scale = [w for w in loaded.weights if w.shape == (4,)][0]
    np.testing.assert_array_equal(loaded_scale.numpy(), np.arange(4))
    loaded.compile(optimizer="sgd", loss="mse")  # the Variable still trains
    loaded.fit(X, np.ones((3, 2), np.float32), epochs=1, verbose=0)
    assert not np.array_equal(loaded_scale.numpy(), np.arange(4))


def test_variable_shared_by_two_ops_is_one_variable_after_loading(tmp_path):
    shared = tf.Variable(np.full((4,), 2.0, "float32"), name="shared")
    x = L.Input((4,))
    model = keras.Model(x, x * shared + x / shared)
    for loaded in (_json_round_trip(model), _file_round_trip(model, tmp_path)):
        assert len(loaded.weights) == 1
        np.testing.assert_allclose(loaded.predict(X, verbose=0), X * 2.5, rtol=1e-6)
        loaded.weights[0].assign(np.full((4,), 4.0, "float32"))  # both ops see it
        np.testing.assert_allclose(loaded.predict(X, verbose=0), X * 4.25, rtol=1e-6)


def test_op_layer_from_config_refuses_what_is_not_a_registered_primitive():
    inp = {"class_name": "__input__", "config": {}}
    with pytest.raises(ValueError, match=r'Layer "bad" \(OpLayer\).*\'system\'.*not one of '
                                         r"ember's registered primitives"):
        OpLayer.from_config({"name": "bad", "primitive": "system", "params": {},
                             "arguments": [inp]})
    with pytest.raises(ValueError, match="sub-graphs"):
        OpLayer.from_config({"name": "bad", "primitive": "cond", "params": {},
                             "arguments": [inp]})
    with pytest.raises(ValueError, match=r"unknown value kind '__import__'"):
        OpLayer.from_config({"name": "bad", "primitive": "add", "params": {}, "arguments": [
            inp, {"class_name": "__import__", "config": {"module": "os"}}]})
    with pytest.raises(ValueError, match="no KerasTensor input"):
        OpLayer.from_config({"name": "bad", "primitive": "add", "params": {},
                             "arguments": [1.0, 2.0]})
    with pytest.raises(ValueError, match="damaged"):
        OpLayer.from_config({"name": "bad", "primitive": "add", "params": {}, "arguments": [
            inp, {"class_name": "__tensor__", "config": {"value": [1.0]}}]})
    layer = OpLayer.from_config({"name": "neg", "primitive": "negative", "params": {},
                                 "arguments": [inp]})
    with pytest.raises(ValueError, match=r'Layer "neg".*takes 1 tensor input\(s\), '
                                         r"received 2"):
        layer([np.ones(2, np.float32), np.ones(2, np.float32)])


def test_tampered_file_naming_another_primitive_is_refused(tmp_path):
    x = L.Input((4,))
    model = keras.Model(x, tf.reduce_sum(x, axis=-1))
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    text = members["config.json"].decode()
    assert '"reduce_sum"' in text
    members["config.json"] = text.replace('"primitive": "reduce_sum"',
                                          '"primitive": "exec"').encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(ValueError, match="'exec'.*registered primitives"):
        keras.models.load_model(path)


def test_unsavable_op_argument_says_what_and_how(tmp_path):
    x = L.Input((2,))
    model = keras.Model(x, x + 1.0)
    layer = model.layers[-1]
    layer.params = {"fn": print}  # a param no config can hold
    with pytest.raises(NotImplementedError, match=r'Layer "tf.add.*builtin_function_or_'
                                                  r"method.*custom layer.*save_weights"):
        model.get_config()
    with pytest.raises(NotImplementedError):
        model.save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()


# -- Lambda -------------------------------------------------------------------------------

@keras.saving.register_keras_serializable(package="every_model")
def _add_bias(x, bias=0.5):
    return x + bias


def test_lambda_with_registered_function_is_saved_by_name(tmp_path):
    model = keras.Sequential([L.Input((4,)), L.Lambda(_add_bias, arguments={"bias": 2.0},
                                                      name="biased")])
    config = model.layers[-1].get_config()
    assert config["function"] == {"module": __name__, "class_name": "function",
                                  "config": "every_model>_add_bias",
                                  "registered_name": "function"}
    loaded = _file_round_trip(model, tmp_path)  # no safe_mode=False needed
    assert loaded.layers[-1].function is _add_bias
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), X + 2.0)


def test_lambda_bytecode_is_refused_by_default_and_loads_when_trusted(tmp_path):
    k = 3.0
    model = keras.Sequential([L.Input((4,)), L.Lambda(lambda t: t * k, name="times_k")])
    path = tmp_path / "lam.keras"
    model.save(path)
    config = model.layers[-1].get_config()["function"]
    assert config["class_name"] == "__lambda__"
    assert {"code", "defaults", "closure"} <= set(config["config"])
    refusal = (r'Layer "times_k" \(Lambda\).*bytecode.*safe_mode=False.*'
               r"enable_unsafe_deserialization")
    with pytest.raises(ValueError, match=r"bytecode.*safe_mode=False"):
        keras.models.load_model(path)
    with pytest.raises(ValueError, match=refusal):
        L.deserialize(L.serialize(model.layers[-1]))
    with pytest.raises(ValueError, match=refusal):  # a direct from_config is safe too
        L.Lambda.from_config(model.layers[-1].get_config())
    loaded = keras.models.load_model(path, safe_mode=False)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), X * 3.0)
    direct = L.Lambda.from_config(model.layers[-1].get_config(), safe_mode=False)
    np.testing.assert_array_equal(direct(X).numpy(), X * 3.0)


def test_lambda_arguments_with_arrays_round_trip(tmp_path):
    shift = np.arange(4, dtype="float32")
    model = keras.Sequential([L.Input((4,)), L.Lambda(_add_bias, arguments={"bias": shift})])
    json.dumps(model.get_config())
    loaded = _file_round_trip(model, tmp_path)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), X + shift)


def test_lambda_configs_written_by_keras3_load():
    k3 = keras3()

    @k3.saving.register_keras_serializable(package="every_model")
    def _add_bias(x, bias=0.5):  # noqa: F811 - the same registered name in Keras 3
        return x + bias

    named = k3.saving.serialize_keras_object(k3.layers.Lambda(_add_bias, name="n"))
    named["config"].pop("dtype")  # a Keras 3 dtype policy: the file loader's business
    layer = L.deserialize(json.loads(json.dumps(named)))
    assert layer.function is globals()["_add_bias"]
    lam = json.loads(json.dumps(k3.saving.serialize_keras_object(
        k3.layers.Lambda(lambda t: t * 2.0, name="lam"))))
    lam["config"].pop("dtype")
    with pytest.raises(ValueError, match=r'Layer "lam" \(Lambda\).*safe_mode=False'):
        L.deserialize(lam)
    with keras.saving.custom_object_scope({}):
        again = L.Lambda.from_config(lam["config"], safe_mode=False)
    np.testing.assert_array_equal(again(X).numpy(), X * 2.0)
    # and Keras 3 reads ember's config of a function registered on both sides
    ours = L.Lambda(globals()["_add_bias"], name="ours").get_config()
    theirs = k3.layers.Lambda.from_config(json.loads(json.dumps(ours)))
    assert theirs.function is _add_bias


# -- subclassed models and layers ----------------------------------------------------------

class _Mlp(keras.Model):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = L.Dense(units, activation="relu")
        self.out = L.Dense(1)

    def call(self, x):
        return self.out(self.hidden(x))


class _Wraps(keras.Model):
    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def call(self, x):
        return self.inner(x)


def test_subclassed_model_with_plain_arguments_saves_its_constructor_call(tmp_path):
    model = _Mlp(5, name="mlp")
    expected = model.predict(X, verbose=0)
    assert model.get_config()["units"] == 5
    path = tmp_path / "mlp.keras"
    model.save(path)
    with pytest.raises(ValueError, match=r"Unknown layer: '_Mlp'.*custom_objects.*"
                                         r"register_keras_serializable"):
        keras.models.load_model(path)
    with keras.utils.custom_object_scope({"_Mlp": _Mlp}):
        assert keras.utils.get_registered_object("_Mlp") is _Mlp
        loaded = keras.models.load_model(path)
    assert isinstance(loaded, _Mlp) and loaded.units == 5
    np.testing.assert_allclose(loaded.predict(X, verbose=0), expected, rtol=1e-6)
    loaded = keras.models.load_model(path, custom_objects={"_Mlp": _Mlp})
    np.testing.assert_allclose(loaded.predict(X, verbose=0), expected, rtol=1e-6)


def test_registered_subclassed_model_loads_without_custom_objects(tmp_path):
    registered = keras.saving.register_keras_serializable(package="every_model",
                                                          name="Mlp")(
        type("RegisteredMlp", (_Mlp,), {}))
    assert keras.utils.get_registered_object("every_model>Mlp") is registered
    model = registered(4)
    expected = model.predict(X, verbose=0)
    loaded = _file_round_trip(model, tmp_path)
    assert type(loaded) is registered
    np.testing.assert_allclose(loaded.predict(X, verbose=0), expected, rtol=1e-6)


def test_model_whose_config_cant_be_made_says_so_and_saves_weights(tmp_path):
    model = _Wraps(L.Dense(2))
    expected = model.predict(X, verbose=0)
    with pytest.raises(NotImplementedError, match=r"(?s)_Wraps.*get_config.*inner.*save_weights"):
        model.save(tmp_path / "w.keras")
    assert not (tmp_path / "w.keras").exists()
    np.testing.assert_array_equal(model.predict(X, verbose=0), expected)  # unchanged
    model.save_weights(tmp_path / "w.weights.h5")
    again = _Wraps(L.Dense(2))
    again(X)
    again.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(again.predict(X, verbose=0), expected)


class _Scale(L.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor


def test_custom_layer_without_get_config_in_functional_model(tmp_path):
    x = L.Input((4,))
    model = keras.Model(x, L.Dense(2)(_Scale(3.0, name="scale")(x) - 1.0))
    expected = model.predict(X, verbose=0)
    with pytest.raises(ValueError, match="Unknown layer: '_Scale'"):
        _file_round_trip(model, tmp_path)
    loaded = keras.models.load_model(tmp_path / "model.keras",
                                     custom_objects={"_Scale": _Scale})
    assert loaded.get_layer("scale").factor == 3.0
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), expected)


class _BuildsItself(keras.Model):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2), name="w")

    def call(self, x):
        return x @ self.w


def test_subclassed_model_with_its_own_build_loads_its_weights(tmp_path):
    model = _BuildsItself()
    expected = model.predict(X, verbose=0)
    loaded = _file_round_trip(model, tmp_path, custom_objects={"_BuildsItself": _BuildsItself})
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), expected)

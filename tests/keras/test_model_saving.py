"""Whole-model saving: model.save / keras.models.load_model (.keras archives), get_config /
from_config of functional models, to_json / model_from_json, clone_model, error cases."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

import ember as tf
from ember import keras

RNG = np.random.default_rng(0)


def _same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb) and len(wa) > 0
    for x, y in zip(wa, wb):
        np.testing.assert_array_equal(x, y)


def _predict_equal(a, b, x):
    pa, pb = a.predict(x, verbose=0), b.predict(x, verbose=0)
    for u, v in zip(pa if isinstance(pa, list) else [pa], pb if isinstance(pb, list) else [pb]):
        np.testing.assert_array_equal(u, v)


def _two_tower():
    """Two inputs, two outputs, a layer shared by two nodes."""
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    shared = keras.layers.Dense(5, activation="tanh", name="shared")
    x = keras.layers.Concatenate(name="cat")([shared(a), keras.layers.Dense(5, name="db")(b)])
    y1 = keras.layers.Dense(2, name="out1")(x)
    y2 = keras.layers.Dense(1, name="out2")(shared(keras.layers.Dense(4, name="pre")(b)))
    return keras.Model([a, b], [y1, y2], name="two_tower")


def _data():
    xs = [RNG.random((8, 4), dtype=np.float32), RNG.random((8, 3), dtype=np.float32)]
    ys = [RNG.random((8, 2)).astype(np.float32), RNG.random((8, 1)).astype(np.float32)]
    return xs, ys


def test_sequential_round_trip_continues_training(tmp_path):
    model = keras.Sequential([keras.layers.Dense(6, activation="relu", input_shape=(3,)),
                              keras.layers.Dropout(0.0), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), loss=keras.losses.Huber(delta=2.0),
                  metrics=["mae", keras.metrics.RootMeanSquaredError(name="rmse")])
    x, y = RNG.random((16, 3), dtype=np.float32), RNG.random((16, 1), dtype=np.float32)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "seq.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is keras.Sequential and loaded.name == model.name
    assert [la.name for la in loaded.layers] == [la.name for la in model.layers]
    _same_weights(model, loaded)
    _predict_equal(model, loaded, x)
    assert isinstance(loaded.loss, keras.losses.Huber)
    assert loaded.loss.get_config()["delta"] == 2.0
    assert type(loaded.optimizer).__name__ == "Adam"
    assert np.isclose(float(loaded.optimizer.learning_rate), 0.01)
    # optimizer slots and iterations are restored: both models train identically
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 4
    h1 = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
    h2 = loaded.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
    assert h1 == h2 and set(h2) == {"loss", "mae", "rmse"}
    _same_weights(model, loaded)


def test_functional_multi_io_shared_layer_round_trip(tmp_path):
    model = _two_tower()
    model.compile("rmsprop", loss=["mse", "mae"], loss_weights=[1.0, 0.5],
                  metrics={"out1": ["mae"]})
    xs, ys = _data()
    model.fit(xs, ys, verbose=0)
    model.save(str(tmp_path / "f.keras"))
    loaded = keras.models.load_model(str(tmp_path / "f.keras"))
    assert isinstance(loaded, keras.Model) and loaded.name == "two_tower"
    assert loaded.input_names == ["a", "b"] and loaded.output_names == ["out1", "out2"]
    assert len(loaded.get_layer("shared").inbound_nodes) == 2
    _same_weights(model, loaded)
    _predict_equal(model, loaded, xs)
    h1 = model.fit(xs, ys, shuffle=False, verbose=0).history
    h2 = loaded.fit(xs, ys, shuffle=False, verbose=0).history
    assert h1 == h2 and "out1_mae" in h2


def test_functional_config_format_and_from_config():
    model = _two_tower()
    cfg = model.get_config()
    assert cfg["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert cfg["output_layers"] == [["out1", 0, 0], ["out2", 0, 0]]
    by_name = {la["name"]: la for la in cfg["layers"]}
    assert by_name["cat"]["inbound_nodes"] == [[["shared", 0, 0, {}], ["db", 0, 0, {}]]]
    assert by_name["shared"]["inbound_nodes"] == [[["a", 0, 0, {}]], [["pre", 0, 0, {}]]]
    json.dumps(cfg)
    rebuilt = keras.Model.from_config(cfg)
    assert rebuilt.get_config() == cfg
    rebuilt.set_weights(model.get_weights())
    _predict_equal(model, rebuilt, _data()[0])


def test_node_indices_count_only_this_models_nodes():
    dense = keras.layers.Dense(2, name="reused")
    dense(keras.Input((3,)))  # a node outside the model below
    x = keras.Input((3,), name="x")
    model = keras.Model(x, keras.layers.ReLU(name="r")(dense(x)))
    cfg = model.get_config()
    by_name = {la["name"]: la for la in cfg["layers"]}
    assert by_name["reused"]["inbound_nodes"] == [[["x", 0, 0, {}]]]
    assert by_name["r"]["inbound_nodes"] == [[["reused", 0, 0, {}]]]
    keras.Model.from_config(cfg)


def test_dict_inputs_call_kwargs_and_nested_model(tmp_path):
    inner_in = keras.Input((4,), name="inner_in")
    inner = keras.Model(inner_in, keras.layers.Dense(3, name="inner_d")(inner_in), name="inner")
    a = keras.Input((4,), name="a")
    b = keras.Input((4,), name="b")
    h = keras.layers.Dropout(0.5, name="drop")(inner(a), training=False)
    out = keras.layers.Add(name="add")([h, inner(b)])
    model = keras.Model({"a": a, "b": b}, out, name="outer")
    path = tmp_path / "n.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    x = {"a": RNG.random((5, 4), dtype=np.float32), "b": RNG.random((5, 4), dtype=np.float32)}
    _same_weights(model, loaded)
    _predict_equal(model, loaded, x)
    np.testing.assert_array_equal(model(x, training=True).numpy(),
                                  loaded(x, training=True).numpy())  # training=False kept


class Scale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def scaled_mse(y_true, y_pred):
    return tf.reduce_mean(tf.square(y_true - y_pred)) * 3.0


def test_custom_layer_and_loss_need_custom_objects(tmp_path):
    model = keras.Sequential([keras.Input((3,)), Scale(3.0, name="scale"), keras.layers.Dense(1)])
    model.compile("sgd", loss=scaled_mse)
    x, y = RNG.random((4, 3), dtype=np.float32), RNG.random((4, 1), dtype=np.float32)
    model.fit(x, y, verbose=0)
    path = tmp_path / "c.keras"
    model.save(path)
    with pytest.raises(ValueError, match=r"Unknown layer: 'Scale'.*custom_objects"):
        keras.models.load_model(path)
    with pytest.raises(ValueError, match=r"scaled_mse.*custom_objects"):
        keras.models.load_model(path, custom_objects={"Scale": Scale})
    loaded = keras.models.load_model(path, custom_objects={"Scale": Scale,
                                                           "scaled_mse": scaled_mse})
    assert loaded.layers[0].factor == 3.0 and loaded.loss is scaled_mse
    _same_weights(model, loaded)
    _predict_equal(model, loaded, x)
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0),
                               model.evaluate(x, y, verbose=0), rtol=1e-6)
    uncompiled = keras.models.load_model(path, custom_objects={"Scale": Scale}, compile=False)
    assert not getattr(uncompiled, "_is_compiled", False)


def test_to_json_model_from_json_and_clone_model():
    model = _two_tower()
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Functional"
    fresh = keras.models.model_from_json(text)
    assert fresh.to_json() == text
    assert [w.shape for w in fresh.weights] == [w.shape for w in model.weights]
    seq = keras.Sequential([keras.Input((3,)), Scale(name="s"), keras.layers.Dense(2)])
    back = keras.models.model_from_json(seq.to_json(), custom_objects={"Scale": Scale})
    assert back.output_shape == seq.output_shape and back.layers[0] is not seq.layers[0]
    with pytest.raises(ValueError, match="not valid JSON"):
        keras.models.model_from_json("{nope")
    clone = keras.models.clone_model(model)
    assert clone.get_config() == model.get_config()
    assert all(u is not v for u, v in zip(clone.weights, model.weights))
    with pytest.raises(NotImplementedError, match="clone_function"):
        keras.models.clone_model(model, clone_function=lambda la: la)


def test_archive_layout_and_atomic_overwrite(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        # Keras 3's layout (see tests/keras/test_keras3_files.py)
        assert sorted(z.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        meta = json.loads(z.read("metadata.json"))
        assert "keras_version" in meta and "date_saved" in meta
        assert json.loads(z.read("config.json"))["class_name"] == "Sequential"
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save(path, overwrite=False)
    bad = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda t: t)])
    bad.layers[0].get_config = lambda: {"f": object()}  # not JSON-serializable
    with pytest.raises(TypeError, match="JSON-serializable"):
        bad.save(path)
    assert path.read_bytes() == before  # the failed save left the file alone
    assert os.listdir(tmp_path) == ["m.keras"]  # and no temporary file behind


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no file"):
        keras.models.load_model(tmp_path / "missing.keras")
    junk = tmp_path / "junk.keras"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="not a .keras archive.*not a zip"):
        keras.models.load_model(junk)
    other = tmp_path / "other.keras"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.0.0"}))
        z.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="not a Keras object config"):
        keras.models.load_model(other)
    with pytest.raises(ValueError, match="not a .keras archive"):
        keras.models.load_model(tmp_path)
    newer = tmp_path / "newer.keras"
    with zipfile.ZipFile(newer, "w") as z:
        z.writestr("metadata.json", json.dumps({"format": "ember.keras", "version": 99}))
        z.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="version 99"):
        keras.models.load_model(newer)


def test_save_errors(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(NotImplementedError, match=r"\.keras"):
        model.save(tmp_path / "m.weights.h5")  # a weights file name, as Keras 3 refuses
    with pytest.raises(NotImplementedError, match="SavedModel"):
        model.save(tmp_path / "m.keras", save_format="tf")

    class Sub(keras.Model):  # a constructor argument that is not a plain value
        def __init__(self, dense):
            super().__init__()
            self.d = dense

        def call(self, x):
            return self.d(x)

    sub = Sub(keras.layers.Dense(2))
    sub(np.ones((1, 3), np.float32))
    with pytest.raises(NotImplementedError, match="(?s)argument `dense`.*get_config.*"
                                                  "save_weights"):
        sub.save(tmp_path / "s.keras")
    x = keras.Input((3,))
    assert not os.listdir(tmp_path)
    # raw ops on KerasTensors are saved too (tests/keras/test_saving_every_model.py)
    ops_model = keras.Model(x, keras.layers.Dense(2)(x) * 2.0)
    ops_model.save(tmp_path / "o.keras")
    np.testing.assert_array_equal(
        keras.models.load_model(tmp_path / "o.keras").predict(np.ones((1, 3)), verbose=0),
        ops_model.predict(np.ones((1, 3)), verbose=0))


def test_registered_and_scoped_custom_objects_load_without_custom_objects(tmp_path):
    @keras.saving.register_keras_serializable(package="test_saving")
    class Scale(keras.layers.Layer):
        def __init__(self, k=2.0, **kwargs):
            super().__init__(**kwargs)
            self.k = k

        def call(self, x):
            return x * self.k

        def get_config(self):
            return {**super().get_config(), "k": self.k}

    model = keras.Sequential([keras.Input((2,)), Scale(3.0), keras.layers.Dense(1)])
    assert json.loads(model.to_json())["config"]["layers"][1]["class_name"] == \
        "test_saving>Scale"
    path = tmp_path / "reg.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.layers[0]) is Scale and loaded.layers[0].k == 3.0
    x = np.ones((1, 2), np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))

    class Unregistered(Scale):
        pass

    other = keras.Sequential([keras.Input((2,)), Unregistered(5.0)])
    text = other.to_json()
    with pytest.raises(ValueError, match="Unknown layer: 'Unregistered'"):
        keras.models.model_from_json(text)
    with keras.utils.custom_object_scope({"Unregistered": Unregistered}):
        assert keras.models.model_from_json(text).layers[0].k == 5.0

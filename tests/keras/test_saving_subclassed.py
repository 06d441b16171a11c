"""Saving subclassed layers and models that define no get_config (Keras 3's default config).

Keras 3 records the constructor's arguments (`Operation.__new__`) and, when a subclass
doesn't override `get_config`, returns them (with `name`, `trainable`, `dtype`) if they are
all plain Python values; otherwise `get_config()` raises NotImplementedError. `load_model`
finds the class by its registered name or in `custom_objects` and calls
`cls.from_config(config)`, i.e. `cls(**config)`. The expected configs below were printed by
Keras 3.15.1 (TensorFlow backend); ember writes `dtype` as a string where Keras writes a
DTypePolicy dict, and records a Model subclass's given arguments where Keras 3.15's
`Model.__new__` drops them (its config then holds `__init__`'s defaults).
"""

import json
import os
import zipfile

import numpy as np
import pytest

from ember import keras

X = np.arange(6, dtype=np.float32).reshape(2, 3) / 5


@keras.saving.register_keras_serializable(package="test_subclassed")
class Block(keras.Model):
    def __init__(self, units=3, activation="relu", sizes=(1, 2), extra=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = keras.layers.Dense(units, activation=activation)
        self.out = keras.layers.Dense(sizes[-1])

    def call(self, x):
        return self.out(self.dense(x))


@keras.saving.register_keras_serializable(package="test_subclassed")
class Scale(keras.layers.Layer):
    def __init__(self, units, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")

    def call(self, x):
        return (x @ self.w) * self.factor


class Bare(keras.Model):  # only **kwargs, as the intro_to_modules guide's model
    def __init__(self, name=None, **kwargs):
        super().__init__(**kwargs)
        self.d = keras.layers.Dense(2)

    def call(self, x):
        return self.d(x)


def _saved_config(path):
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("config.json"))


def _without_dtype(config):
    return {k: v for k, v in config.items() if k != "dtype"}


def test_subclassed_model_round_trip(tmp_path):
    model = Block(units=4, sizes=[5, 2], extra={"a": [1, 2.5, None]}, name="blk")
    y = model(X)
    config = model.get_config()
    # Keras 3 (for a Layer; a Model's arguments are dropped by Keras 3.15): name, the
    # arguments in __init__'s order with defaults filled in, then trainable and dtype
    assert list(config) == ["name", "units", "activation", "sizes", "extra", "trainable",
                            "dtype"]
    assert config == {"name": "blk", "units": 4, "activation": "relu", "sizes": [5, 2],
                      "extra": {"a": [1, 2.5, None]}, "trainable": True, "dtype": "float32"}
    path = tmp_path / "block.keras"
    model.save(path)
    saved = _saved_config(path)
    assert saved["registered_name"] == "test_subclassed>Block"  # Keras 3's schema
    assert saved["class_name"] == "Block"
    assert saved["build_config"] == {"input_shape": [2, 3]}  # as Keras 3 writes it
    loaded = keras.models.load_model(path)
    assert type(loaded) is Block and loaded.name == "blk" and loaded.units == 4
    assert loaded.get_config() == config
    np.testing.assert_allclose(loaded(X), y, rtol=1e-6)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_tuples_come_back_as_lists_after_json():
    model = Block(sizes=(1, 2))
    assert model.get_config()["sizes"] == (1, 2)  # as given, like Keras 3
    back = Block.from_config(json.loads(json.dumps(model.get_config())))
    assert back.get_config()["sizes"] == [1, 2]


def test_subclassed_layer_round_trip_in_a_sequential_model(tmp_path):
    layer = Scale(4, factor=3.0, name="scale")
    # Keras 3: {'name': 'scale', 'units': 4, 'factor': 3.0, 'trainable': True, 'dtype': ...}
    assert _without_dtype(layer.get_config()) == {"name": "scale", "units": 4,
                                                  "factor": 3.0, "trainable": True}
    model = keras.Sequential([keras.Input((3,)), layer])
    y = model.predict(X, verbose=0)
    path = tmp_path / "seq.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    got = loaded.layers[0]
    assert type(got) is Scale and got.get_config() == layer.get_config()
    np.testing.assert_allclose(loaded.predict(X, verbose=0), y, rtol=1e-6)
    again = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(again) is Scale and again.get_config() == layer.get_config()


def test_layer_whose_init_takes_no_kwargs():
    class Plain(keras.layers.Layer):
        def __init__(self, units, scale=2.0):
            super().__init__()
            self.units, self.scale = units, scale

    layer = Plain(5, scale=3.0)
    layer.trainable = False
    config = layer.get_config()
    # Keras 3 leaves `name` out (__init__ can't take it back) but keeps trainable and
    # dtype, and its from_config then fails with a TypeError; ember leaves them out of the
    # constructor call and sets trainable afterwards
    assert _without_dtype(config) == {"units": 5, "scale": 3.0, "trainable": False}
    back = Plain.from_config(config)
    assert (back.units, back.scale, back.trainable) == (5, 3.0, False)


def test_model_arguments_are_the_given_ones_not_the_defaults():
    model = Block(7, "tanh")  # positional arguments are matched to __init__'s names
    config = model.get_config()
    assert (config["units"], config["activation"], config["sizes"]) == (7, "tanh", (1, 2))


def test_model_with_only_kwargs_needs_registration_or_custom_objects(tmp_path):
    model = Bare(name="ignored", trainable=True)
    y = model(X)
    # Keras 3: {'name': 'bare', 'trainable': True, 'dtype': ...} (Bare drops its `name`)
    assert _without_dtype(model.get_config()) == {"name": model.name, "trainable": True}
    path = tmp_path / "bare.keras"
    model.save(path)
    assert _saved_config(path)["class_name"] == "Bare"
    with pytest.raises(ValueError, match=r"(?s)Unknown layer: 'Bare'.*custom_objects="
                                         r"\{'Bare': Bare\}.*register_keras_serializable"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, custom_objects={"Bare": Bare})
    assert type(loaded) is Bare
    np.testing.assert_allclose(loaded(X), y, rtol=1e-6)
    with keras.saving.custom_object_scope({"Bare": Bare}):
        assert type(keras.models.load_model(path)) is Bare


def test_registered_name_also_resolves_by_the_class_name_in_custom_objects():
    # a file written where Bare was registered as "pkg>Bare", loaded where it is not
    text = json.dumps({"class_name": "pkg>Bare", "config": {"name": "b", "trainable": True,
                                                            "dtype": "float32"}})
    with pytest.raises(ValueError, match=r"Unknown layer: 'pkg>Bare'.*\{'Bare': Bare\}"):
        keras.models.model_from_json(text)
    assert type(keras.models.model_from_json(text, custom_objects={"Bare": Bare})) is Bare


def test_names_in_a_file_never_import_modules():
    # Keras 3 in safe mode, and ember always: a name is looked up, never imported
    for name in ("os>system", "collections.OrderedDict", "builtins>eval"):
        text = json.dumps({"class_name": name, "config": {}})
        with pytest.raises(ValueError, match="Unknown layer"):
            keras.models.model_from_json(text)


def test_non_serializable_argument_is_a_clear_error(tmp_path):
    class WithInit(keras.Model):
        def __init__(self, init=None, **kwargs):
            super().__init__(**kwargs)
            self.d = keras.layers.Dense(2, kernel_initializer=init)

        def call(self, x):
            return self.d(x)

    # Keras 3 raises NotImplementedError too: only plain values are saved automatically
    # (an initializer or a layer passed to __init__ needs get_config / from_config)
    model = WithInit(init=keras.initializers.Ones())
    model(X)
    with pytest.raises(NotImplementedError, match=r"(?s)Model WithInit .*argument `init` "
                                                  r"is a Ones.*Implement get_config\(\)"):
        model.get_config()
    with pytest.raises(NotImplementedError, match=r"(?s)save: .*WithInit.*`init`.*"
                                                  r"save_weights"):
        model.save(tmp_path / "w.keras")
    assert not os.listdir(tmp_path)

    class WithLayer(keras.layers.Layer):
        def __init__(self, inner, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner

    with pytest.raises(NotImplementedError, match=r"(?s)Layer WithLayer .*`inner` is a "
                                                  r"Dense"):
        WithLayer(keras.layers.Dense(1)).get_config()
    with pytest.raises(NotImplementedError, match=r"`inner` is a ndarray .*inside list"):
        WithLayer([1, np.zeros(2)]).get_config()


def test_positional_only_and_varargs_are_clear_errors():
    class PosOnly(keras.layers.Layer):
        def __init__(self, a, /, **kwargs):
            super().__init__(**kwargs)

    class VarArgs(keras.layers.Layer):
        def __init__(self, *args, **kwargs):
            super().__init__(**kwargs)

    with pytest.raises(NotImplementedError, match="(?s)PosOnly.*positional-only.*"
                                                  "get_config"):
        PosOnly(1).get_config()
    assert _without_dtype(VarArgs(name="v").get_config()) == {"name": "v", "trainable": True}
    with pytest.raises(NotImplementedError, match=r"(?s)VarArgs.*\*args.*get_config"):
        VarArgs(1).get_config()


def test_a_class_defining_get_config_keeps_it():
    class Own(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def get_config(self):
            return {**super().get_config(), "units": self.units, "own": True}

    class Child(Own):  # inherits Own's get_config, as Keras 3
        pass

    assert Own(2).get_config()["own"] and Child(3).get_config()["units"] == 3
    # a built-in layer's config is its own, not the constructor's arguments
    assert "kernel_initializer" in keras.layers.Dense(2).get_config()


def test_base_keyword_arguments_are_the_layers_own():
    # trainable, dtype and activity_regularizer in the config are the layer's own values,
    # serialized (Keras 3 raises NotImplementedError for a regularizer object passed to a
    # subclass's **kwargs; ember saves it as Layer.get_config would)
    reg = keras.regularizers.L2(0.1)
    layer = Scale(2, dtype="float64", trainable=False, activity_regularizer=reg, name="s")
    config = layer.get_config()
    assert (config["dtype"], config["trainable"]) == ("float64", False)
    assert config["activity_regularizer"]["class_name"] == "L2"
    back = Scale.from_config(json.loads(json.dumps(config)))
    assert (back.dtype, back.trainable, back.name) == ("float64", False, "s")
    assert back.activity_regularizer.get_config() == reg.get_config()


def test_unbuilt_and_multi_input_subclassed_models(tmp_path):
    unbuilt = Block(units=2)
    unbuilt.save(tmp_path / "u.keras")
    assert "build_config" not in _saved_config(tmp_path / "u.keras")
    loaded = keras.models.load_model(tmp_path / "u.keras")
    assert not loaded.built
    assert loaded.get_config() == json.loads(json.dumps(unbuilt.get_config()))

    class Two(keras.Model):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.a, self.b = keras.layers.Dense(units), keras.layers.Dense(units)

        def call(self, inputs):
            return self.a(inputs[0]) + self.b(inputs[1])

    two = Two(units=3)
    x = [X, np.ones((2, 4), np.float32)]
    y = two(x)
    two.save(tmp_path / "two.keras")
    assert _saved_config(tmp_path / "two.keras")["build_config"] == {
        "input_shape": [[2, 3], [2, 4]]}
    back = keras.models.load_model(tmp_path / "two.keras", custom_objects={"Two": Two})
    np.testing.assert_allclose(back(x), y, rtol=1e-6)


def test_compiled_subclassed_model_and_json(tmp_path):
    model = Block(units=3, sizes=(1, 1))
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, np.ones((2, 1), np.float32), epochs=2, verbose=0)
    path = tmp_path / "fit.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.optimizer).__name__ == "Adam" and loaded.loss == "mse"
    assert int(loaded.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy())
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0),
                               rtol=1e-6)
    # model_from_json builds it too (fresh weights), as Keras 3
    from_json = keras.models.model_from_json(model.to_json())
    assert from_json.built and len(from_json.weights) == len(model.weights)


def test_subclassed_model_in_a_legacy_h5_file(tmp_path):
    pytest.importorskip("h5py")
    model = Block(units=2, name="h")
    y = model(X)
    model.save(tmp_path / "b.h5")
    loaded = keras.models.load_model(tmp_path / "b.h5")
    assert type(loaded) is Block
    np.testing.assert_allclose(loaded(X), y, rtol=1e-6)

"""Keras 3's `.keras` and `.weights.h5` files, both ways, with real Keras 3 (NumPy
backend) as the oracle: ember writes, Keras 3 loads and predicts the same (and the
reverse); compile state and optimizer variables come through; a Lambda's bytecode is
refused by default; legacy tf.keras 2 `.h5` weights load by name."""

from __future__ import annotations

import json
import warnings
import zipfile

import numpy as np
import pytest

pytest.importorskip("h5py")
from tests.keras3_oracle import keras3  # noqa: E402

from ember import keras  # noqa: E402
from ember.keras.saving import model_file  # noqa: E402

RNG = np.random.default_rng(0)


def _x(shape, dtype="float32"):
    return RNG.random(shape).astype(dtype)


def _fit_one_step(model, x, y):
    model.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    model.fit(x, y, epochs=1, batch_size=len(x) if not isinstance(x, list) else len(x[0]),
              verbose=0)


def _k3_loads_same(model, x, path, atol=1e-5):
    K = keras3()
    model.save(path)
    loaded = K.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=atol, rtol=1e-4)
    return loaded


# -- ember writes, Keras 3 reads --------------------------------------------------------

LAYERS = [
    ("Dense", lambda L: L.Dense(3, activation="relu", kernel_regularizer="l2"), (4,)),
    ("Conv1D", lambda L: L.Conv1D(2, 3, padding="same"), (6, 2)),
    ("Conv2D", lambda L: L.Conv2D(2, 3, strides=2), (6, 6, 2)),
    ("DepthwiseConv2D", lambda L: L.DepthwiseConv2D(3), (6, 6, 2)),
    ("SeparableConv2D", lambda L: L.SeparableConv2D(3, 3), (6, 6, 2)),
    ("Conv2DTranspose", lambda L: L.Conv2DTranspose(2, 3), (4, 4, 2)),
    ("MaxPooling1D", lambda L: L.MaxPooling1D(), (6, 2)),
    ("AveragePooling2D", lambda L: L.AveragePooling2D(), (6, 6, 2)),
    ("GlobalAveragePooling2D", lambda L: L.GlobalAveragePooling2D(), (6, 6, 2)),
    ("GlobalMaxPooling1D", lambda L: L.GlobalMaxPooling1D(), (6, 2)),
    ("BatchNormalization", lambda L: L.BatchNormalization(), (4,)),
    ("LayerNormalization", lambda L: L.LayerNormalization(), (4,)),
    ("Dropout", lambda L: L.Dropout(0.3), (4,)),
    ("SpatialDropout1D", lambda L: L.SpatialDropout1D(0.3), (6, 2)),
    ("GRU", lambda L: L.GRU(3, return_sequences=True), (5, 2)),
    ("SimpleRNN", lambda L: L.SimpleRNN(3), (5, 2)),
    ("LSTM", lambda L: L.LSTM(3), (5, 2)),
    ("Flatten", lambda L: L.Flatten(), (2, 3)),
    ("Reshape", lambda L: L.Reshape((3, 2)), (6,)),
    ("Permute", lambda L: L.Permute((2, 1)), (2, 3)),
    ("RepeatVector", lambda L: L.RepeatVector(2), (3,)),
    ("Activation", lambda L: L.Activation("tanh"), (4,)),
    ("ReLU", lambda L: L.ReLU(max_value=0.5), (4,)),
    ("LeakyReLU", lambda L: L.LeakyReLU(0.2), (4,)),
    ("Softmax", lambda L: L.Softmax(), (4,)),
    ("Rescaling", lambda L: L.Rescaling(0.5, offset=1.0), (4,)),
    ("ZeroPadding2D", lambda L: L.ZeroPadding2D(1), (3, 3, 2)),
    ("Cropping1D", lambda L: L.Cropping1D(1), (5, 2)),
    ("UpSampling2D", lambda L: L.UpSampling2D(), (3, 3, 2)),
    ("TimeDistributed", lambda L: L.TimeDistributed(L.Dense(2)), (3, 4)),
]


@pytest.mark.parametrize("name,make,shape", LAYERS, ids=[c[0] for c in LAYERS])
def test_keras3_loads_each_layer_ember_saved(tmp_path, name, make, shape):
    model = keras.Sequential([keras.Input(shape), make(keras.layers)])
    x = _x((2,) + shape)
    loaded = _k3_loads_same(model, x, str(tmp_path / "m.keras"))
    assert type(loaded.layers[-1]).__name__ == name


def test_conv_model_fit_save_keras3_predicts_same_with_compile_state(tmp_path):
    L = keras.layers
    model = keras.Sequential([keras.Input((8, 8, 3)), L.Conv2D(4, 3), L.BatchNormalization(),
                              L.MaxPooling2D(), L.Dropout(0.2), L.Flatten(), L.Dense(2)])
    x = _x((4, 8, 8, 3))
    _fit_one_step(model, x, _x((4, 2)))
    loaded = _k3_loads_same(model, x, str(tmp_path / "m.keras"))
    assert type(loaded.optimizer).__name__ == "Adam"
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.01)
    assert int(loaded.optimizer.iterations) == 1
    # the optimizer's slots came through (Adam's m of the first kernel)
    ours = model.optimizer.variables[2].numpy()
    np.testing.assert_allclose(np.asarray(loaded.optimizer.variables[2]), ours, atol=1e-7)
    z = zipfile.ZipFile(tmp_path / "m.keras")
    assert sorted(z.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
    assert "keras_version" in json.loads(z.read("metadata.json"))


def test_functional_two_inputs_merge_both_ways(tmp_path):
    K = keras3()
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    shared = keras.layers.Dense(4, name="shared")
    h = keras.layers.Concatenate()([shared(a), shared(b)])
    out = keras.layers.Add()([keras.layers.Dense(2)(h), keras.layers.Dense(2)(h)])
    model = keras.Model([a, b], out)
    x = [_x((3, 3)), _x((3, 3))]
    _fit_one_step(model, x, _x((3, 2)))
    loaded = _k3_loads_same(model, x, str(tmp_path / "m.keras"))
    assert [t.name for t in loaded.inputs] == ["a", "b"]
    loaded.save(str(tmp_path / "k.keras"))
    back = keras.models.load_model(str(tmp_path / "k.keras"))
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-5)
    assert int(back.optimizer.iterations.numpy()) == 1


def test_embedding_lstm_both_ways(tmp_path):
    model = keras.Sequential([keras.Input((5,), dtype="int32"),
                              keras.layers.Embedding(10, 4), keras.layers.LSTM(3),
                              keras.layers.Dense(1)])
    x = RNG.integers(0, 10, (4, 5)).astype("int32")
    _fit_one_step(model, x, _x((4, 1)))
    loaded = _k3_loads_same(model, x, str(tmp_path / "m.keras"))
    loaded.save(str(tmp_path / "k.keras"))
    back = keras.models.load_model(str(tmp_path / "k.keras"))
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-5)


# -- Keras 3 writes, ember reads --------------------------------------------------------

def _k3_model(K):
    L = K.layers
    a, b = K.Input((6, 6, 2), name="img"), K.Input((3,), name="vec")
    h = L.Conv2D(3, 3, activation="relu")(a)
    h = L.BatchNormalization()(h)
    h = L.GlobalAveragePooling2D()(h)
    h = L.Concatenate()([h, L.Dense(3)(b)])
    return K.Model([a, b], L.Dense(2, activation="softmax")(h))


def test_ember_loads_keras3_saved_model_with_compile_state(tmp_path):
    K = keras3()
    km = _k3_model(K)
    km.compile(K.optimizers.SGD(0.05, momentum=0.9), "categorical_crossentropy",
               metrics=["accuracy"])
    km.optimizer.build(km.trainable_variables)
    km.optimizer.iterations.assign(7)
    path = str(tmp_path / "k.keras")
    km.save(path)
    x = [_x((2, 6, 6, 2)), _x((2, 3))]
    model = keras.models.load_model(path)
    np.testing.assert_allclose(model.predict(x, verbose=0), km.predict(x, verbose=0),
                               atol=1e-5)
    assert type(model.optimizer).__name__ == "SGD"
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.05)
    assert int(model.optimizer.iterations.numpy()) == 7
    model.fit(x, np.eye(2, dtype="float32"), verbose=0)  # trains after loading


def test_keras3_lambda_model_refused_by_default(tmp_path):
    K = keras3()
    x = K.Input((3,))
    km = K.Model(x, K.layers.Lambda(lambda t: t * 2)(x))
    path = str(tmp_path / "lam.keras")
    km.save(path)
    with pytest.raises(ValueError, match="safe_mode"):
        keras.models.load_model(path)


# -- registered subclassed layer and model ----------------------------------------------

def _register_both():
    K = keras3()

    def classes(lib, reg):
        @reg(package="interop", name="Block")
        class Block(lib.layers.Layer):
            def __init__(self, units=3, **kwargs):
                super().__init__(**kwargs)
                self.units = units
                self.inner = lib.layers.Dense(units)
                self.extra = [lib.layers.Dense(2), lib.layers.Dense(2)]

            def build(self, input_shape):
                self.scale = self.add_weight(shape=(input_shape[-1],), name="scale",
                                             initializer="ones")

            def call(self, x):
                return self.extra[1](self.extra[0](self.inner(x * self.scale)))

            def get_config(self):
                return {**super().get_config(), "units": self.units}

        @reg(package="interop", name="Net")
        class Net(lib.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.zeta = lib.layers.Dense(4)
                self.block = Block()

            def call(self, x):
                return self.block(self.zeta(x))
        return Block, Net

    return classes(keras, keras.saving.register_keras_serializable), \
        classes(K, K.saving.register_keras_serializable)


def test_registered_subclassed_layer_and_model_both_ways(tmp_path):
    (EBlock, ENet), (KBlock, KNet) = _register_both()
    K = keras3()
    x = _x((4, 3))
    # a functional model with the custom layer
    inp = keras.Input((3,))
    func = keras.Model(inp, EBlock(name="blk")(inp))
    _fit_one_step(func, x, _x((4, 2)))
    _k3_loads_same(func, x, str(tmp_path / "f.keras"))
    # the subclassed model
    net = ENet()
    _fit_one_step(net, x, _x((4, 2)))
    loaded = _k3_loads_same(net, x, str(tmp_path / "n.keras"))
    assert type(loaded).__name__ == "Net"
    assert int(loaded.optimizer.iterations) == 1
    # Keras 3 writes a Net, ember reads it
    knet = KNet()
    knet(x)
    knet.save(str(tmp_path / "k.keras"))
    back = keras.models.load_model(str(tmp_path / "k.keras"))
    np.testing.assert_allclose(back.predict(x, verbose=0), knet.predict(x, verbose=0),
                               atol=1e-5)


# -- .weights.h5 both ways --------------------------------------------------------------

def test_weights_h5_both_ways(tmp_path):
    K = keras3()
    km = _k3_model(K)
    path = str(tmp_path / "k.weights.h5")
    km.save_weights(path)
    L = keras.layers
    a, b = keras.Input((6, 6, 2)), keras.Input((3,))
    h = L.GlobalAveragePooling2D()(L.BatchNormalization()(L.Conv2D(3, 3, activation="relu")(a)))
    model = keras.Model([a, b], L.Dense(2, activation="softmax")(
        L.Concatenate()([h, L.Dense(3)(b)])))
    model.load_weights(path)
    x = [_x((2, 6, 6, 2)), _x((2, 3))]
    np.testing.assert_allclose(model.predict(x, verbose=0), km.predict(x, verbose=0),
                               atol=1e-5)
    # and back: ember writes, a fresh Keras 3 model reads
    for w in model.weights:
        w.assign(w.numpy() + 0.5)
    model.save_weights(str(tmp_path / "e.weights.h5"))
    km2 = _k3_model(K)
    km2.load_weights(str(tmp_path / "e.weights.h5"))
    np.testing.assert_allclose(km2.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-5)


def test_weights_h5_mismatch_leaves_model_unchanged_and_skip_mismatch(tmp_path):
    small = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2),
                              keras.layers.Dense(1)])
    path = str(tmp_path / "s.weights.h5")
    small.save_weights(path)
    big = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4),
                            keras.layers.Dense(1)])
    before = big.get_weights()
    with pytest.raises(ValueError, match="does not match the model.*skip_mismatch"):
        big.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(before, big.get_weights()))
    with pytest.warns(UserWarning, match="skipped"):
        big.load_weights(path, skip_mismatch=True)
    after = big.get_weights()
    for i in (0, 1, 2):  # the kernels (3, 2) / (2, 1) and bias (2,) don't fit: kept
        assert np.array_equal(after[i], before[i])
    np.testing.assert_array_equal(after[3], small.get_weights()[3])  # the (1,) bias loaded


def test_legacy_h5_by_name_and_skip_mismatch(tmp_path):
    a = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="one"),
                          keras.layers.Dense(1, name="two")])
    path = str(tmp_path / "w.h5")
    a.save_weights(path)
    b = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="one"),
                          keras.layers.Dense(5, name="other")])
    b.load_weights(path, by_name=True)
    np.testing.assert_array_equal(b.get_layer("one").get_weights()[0],
                                  a.get_layer("one").get_weights()[0])
    c = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="one",
                                                                 use_bias=False),
                          keras.layers.Dense(1, name="two")])
    before = c.get_weights()
    with pytest.raises(ValueError, match="skip_mismatch"):
        c.load_weights(path, by_name=True)
    assert all(np.array_equal(x, y) for x, y in zip(before, c.get_weights()))
    with pytest.warns(UserWarning, match="skipped"):
        c.load_weights(path, by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(c.get_layer("two").get_weights()[0],
                                  a.get_layer("two").get_weights()[0])


def test_old_ember_npz_keras_files_still_load(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("adam", "mse")
    monkeypatch.setattr(model_file, "_has_h5py", lambda: False)
    path = str(tmp_path / "old.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(path)
    assert "model.weights.npz" in zipfile.ZipFile(path).namelist()
    monkeypatch.undo()
    loaded = keras.models.load_model(path)
    x = _x((2, 3))
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_unmappable_keras3_option_is_a_clear_error(tmp_path):
    K = keras3()
    km = K.Sequential([K.Input((4,)), K.layers.LayerNormalization(rms_scaling=True)])
    path = str(tmp_path / "rms.keras")
    km.save(path)
    with pytest.raises(NotImplementedError, match="rms_scaling"):
        keras.models.load_model(path)


def test_keras3_op_nodes_load_as_ember_ops_and_save_back(tmp_path):
    """A functional model real Keras 3 builds with keras.ops on KerasTensors (op nodes in
    its config) loads in ember, each node running ember's op of that name, and ember's
    file of it loads back in Keras 3: the same predictions all the way."""
    k = keras3()
    a, b = k.Input((4,), name="a"), k.Input((4,), name="b")
    h = k.ops.add(a * 2.0, b)
    h = k.ops.concatenate([k.ops.nn.relu(h), a[:, :2]], axis=-1)
    h = k.ops.reshape(k.layers.Dense(6)(h), (-1, 2, 3))
    out = k.ops.mean(k.ops.square(h), axis=1)
    model = k.Model([a, b], out)
    rng = np.random.default_rng(3)
    xa, xb = rng.standard_normal((5, 4)).astype("float32"), rng.standard_normal((5, 4)).astype("float32")
    expected = model.predict([xa, xb], verbose=0)
    model.save(tmp_path / "k3.keras")
    ours = keras.models.load_model(tmp_path / "k3.keras")
    np.testing.assert_allclose(ours.predict([xa, xb], verbose=0), expected, rtol=1e-5, atol=1e-6)
    ours.save(tmp_path / "back.keras")
    back = k.models.load_model(tmp_path / "back.keras")
    np.testing.assert_allclose(back.predict([xa, xb], verbose=0), expected, rtol=1e-5, atol=1e-6)

"""Legacy HDF5 files: `model.save("m.h5")`, `load_model`, `save_weights("w.h5")`,
`ModelCheckpoint("x.h5")`, in tf.keras 2's layout.

`files/tfkeras2_*.h5` were written by tf.keras 2 (the `tf_keras` package 2.21 on
TensorFlow 2.21): a compiled functional model (Dense, BatchNormalization, Dropout, Dense;
Adam after 3 steps) and a Sequential's weights; `tfkeras2_expected.npz` holds its inputs
and predictions. The other direction was checked by hand on 2026-12-04: TF 2.21's
`tf.keras.models.load_model` (Keras 3.15) reads ember's `.h5` of the same model, compiled
with Adam, and predicts within 1.2e-7 of ember; `load_weights` reads ember's weights `.h5`.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

from ember import keras
from ember.keras.saving import DamagedFileError

h5py = pytest.importorskip("h5py")
L = keras.layers
FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files")


def _functional():
    keras.utils.set_random_seed(3)
    inp = keras.Input((4,), name="x")
    h = L.Dense(5, activation="relu", name="d1")(inp)
    h = L.BatchNormalization(name="bn")(h)
    out = L.Dense(3, activation="softmax", name="d2")(h)
    model = keras.Model(inp, out, name="func")
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x = np.random.default_rng(0).standard_normal((32, 4)).astype(np.float32)
    model.fit(x, np.arange(32) % 3, epochs=2, verbose=0, shuffle=False)
    return model, x


def test_round_trip_keeps_weights_compile_and_optimizer_state(tmp_path):
    model, x = _functional()
    path = tmp_path / "m.h5"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert type(loaded.optimizer).__name__ == "Adam" and loaded.loss == model.loss
    assert loaded.optimizer.iterations.numpy() == model.optimizer.iterations.numpy()
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # training continues exactly where it stopped
    y = np.arange(32) % 3
    model.fit(x, y, epochs=1, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_file_layout_is_tf_keras_2s(tmp_path):
    model, _ = _functional()
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r") as f:
        assert set(f.attrs) >= {"keras_version", "backend", "model_config", "training_config"}
        config = json.loads(f.attrs["model_config"])
        assert config["class_name"] == "Functional" or config["class_name"] == "Model"
        training = json.loads(f.attrs["training_config"])
        assert training["optimizer_config"]["class_name"] == "Adam"
        assert training["loss"] == "sparse_categorical_crossentropy"
        g = f["model_weights"]
        assert [n.decode() for n in g.attrs["layer_names"]] == ["x", "d1", "bn", "d2"]
        assert [n.decode() for n in g["bn"].attrs["weight_names"]] == [
            "bn/gamma:0", "bn/beta:0", "bn/moving_mean:0", "bn/moving_variance:0"]
        np.testing.assert_array_equal(g["d1/d1/kernel:0"][()], model.layers[1].kernel.numpy())
        assert len(f["optimizer_weights"].attrs["weight_names"]) == \
            len(model.optimizer.variables)


def test_reads_tf_keras_2_files():
    expected = np.load(os.path.join(FILES, "tfkeras2_expected.npz"))
    model = keras.models.load_model(os.path.join(FILES, "tfkeras2_functional.h5"))
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected["pred"],
                               atol=2e-7)
    assert [la.name for la in model.layers] == ["x", "d1", "bn", "drop", "d2"]
    assert model.optimizer.iterations.numpy() == expected["iterations"]
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.01)
    with h5py.File(os.path.join(FILES, "tfkeras2_functional.h5"), "r") as f:
        m0 = f["optimizer_weights"]["Adam/m/d1/kernel:0"][()]
    slot = [v for v in model.optimizer.variables if tuple(v.shape) == m0.shape][0]
    np.testing.assert_array_equal(slot.numpy(), m0)
    seq = keras.Sequential([keras.Input((4,)), L.Dense(4, activation="tanh"), L.Dense(1)])
    seq.load_weights(os.path.join(FILES, "tfkeras2_seq_weights.h5"))
    np.testing.assert_allclose(seq.predict(expected["x"], verbose=0), expected["seq"],
                               atol=2e-7)


def test_weights_h5_round_trip_and_mismatch_leaves_model_unchanged(tmp_path):
    model, x = _functional()
    path = tmp_path / "w.h5"
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert "layer_names" in f.attrs and "model_weights" not in f
    other, _ = _functional()
    other.set_weights([w * 0 for w in other.get_weights()])
    other.load_weights(path)
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))
    small = keras.Sequential([keras.Input((4,)), L.Dense(2)])
    before = small.get_weights()
    with pytest.raises(ValueError, match="layers with weights.*No weight was changed"):
        small.load_weights(path)
    wrong = keras.Sequential([keras.Input((4,)), L.Dense(7, name="d1"),
                              L.BatchNormalization(), L.Dense(3)])
    wbefore = wrong.get_weights()
    with pytest.raises(ValueError, match=r"shape \(4, 5\).*\(4, 7\)"):
        wrong.load_weights(path)
    for a, b in zip(before + wbefore, small.get_weights() + wrong.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_damaged_and_foreign_files(tmp_path):
    model, _ = _functional()
    path = tmp_path / "m.h5"
    model.save(path)
    data = path.read_bytes()
    (tmp_path / "cut.h5").write_bytes(data[: len(data) // 2])
    with pytest.raises(DamagedFileError, match="cut.h5"):
        keras.models.load_model(tmp_path / "cut.h5")
    weights = tmp_path / "w.h5"
    model.save_weights(weights)
    with pytest.raises(ValueError, match="without a model config"):
        keras.models.load_model(weights)
    with h5py.File(tmp_path / "k3.weights.h5", "w") as f:  # Keras 3's new weights layout
        f.create_group("layers")
    with pytest.raises(ValueError, match="does not match the model"):  # read as Keras 3's
        model.load_weights(tmp_path / "k3.weights.h5")


def test_a_lambda_in_an_h5_file_needs_safe_mode_false(tmp_path):
    model = keras.Sequential([keras.Input((2,)), L.Lambda(lambda t: t * 3.0)])
    path = tmp_path / "lam.h5"
    model.save(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, safe_mode=False)
    np.testing.assert_array_equal(loaded.predict(np.ones((1, 2), np.float32), verbose=0),
                                  [[3.0, 3.0]])


def test_without_h5py_the_error_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)
    model = keras.Sequential([keras.Input((2,)), L.Dense(1)])
    with pytest.raises(ImportError, match=r"pip install 'ember\[h5\]'"):
        model.save(tmp_path / "m.h5")
    assert not os.listdir(tmp_path)

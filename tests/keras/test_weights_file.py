"""ember's weights file: round trips, exact paths, atomic writes, mismatch and format errors."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from ember import keras
from ember.keras import saving
from ember.keras.saving import load_weights, read_manifest, save_weights


def dense_model(units=2, dtype=None, layers=1):
    stack = [keras.Input((3,))]
    for _ in range(layers):
        stack.append(keras.layers.Dense(units, dtype=dtype))
    return keras.Sequential(stack)


def randomize(model, seed):
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(w.shape).astype(w.dtype) for w in model.get_weights()]
    model.set_weights(values)
    return values


def assert_weights(model, values):
    got = model.get_weights()
    assert len(got) == len(values)
    for g, v in zip(got, values):
        assert g.dtype == np.asarray(v).dtype
        np.testing.assert_array_equal(g, v)


class Counter(keras.layers.Layer):
    """A layer with a float (trainable) and an int64 (non-trainable) weight."""

    def build(self, input_shape):
        self.count = self.add_weight(name="count", shape=(2,), dtype="int64", trainable=False,
                                     initializer="zeros")
        self.scale = self.add_weight(name="scale", shape=(input_shape[-1],), initializer="ones")

    def call(self, x):
        return x * self.scale


# -- round trips ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["model.weights.h5", "ckpt", "w.npz", "sub/dir/weights"])
def test_round_trip_writes_exactly_the_path(tmp_path, name):
    src = dense_model()
    values = randomize(src, 0)
    path = tmp_path / name
    save_weights(src, str(path))
    assert path.is_file()
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no suffix, no temp
    dst = dense_model()
    randomize(dst, 1)
    load_weights(dst, path)  # os.PathLike accepted too
    assert_weights(dst, values)


def test_manifest_lists_names_shapes_dtypes_in_model_order(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), Counter()])
    path = tmp_path / "w"
    save_weights(model, path)
    m = read_manifest(path)
    assert (m["format"], m["version"]) == (saving.FORMAT_NAME, saving.FORMAT_VERSION)
    assert [w["name"] for w in m["weights"]] == [v.name for v in model.weights]
    assert [tuple(w["shape"]) for w in m["weights"]] == [tuple(v.shape) for v in model.weights]
    assert [w["dtype"] for w in m["weights"]] == ["float32", "float32", "float32", "int64"]
    assert m["weights"][2]["shape"] == [2]
    assert [w["trainable"] for w in m["weights"]] == [True, True, True, False]
    # the archive is a plain .npz that NumPy reads without pickle
    with np.load(path, allow_pickle=False) as z:
        assert sorted(z.files) == ["__ember_manifest__", "weight_00000", "weight_00001",
                                   "weight_00002", "weight_00003"]
        assert json.loads(bytes(z["__ember_manifest__"]).decode())["format"] == "ember.weights"


def test_round_trip_int_and_non_trainable_weights(tmp_path):
    src = keras.Sequential([keras.Input((3,)), Counter()])
    values = [np.array([1.5, -2.0, 3.0], np.float32), np.array([7, -9], np.int64)]
    src.set_weights(values)
    save_weights(src, tmp_path / "c")
    dst = keras.Sequential([keras.Input((3,)), Counter()])
    load_weights(dst, tmp_path / "c")
    assert_weights(dst, values)


def test_round_trip_bfloat16(tmp_path):
    pytest.importorskip("ml_dtypes")
    src = dense_model(dtype="bfloat16")
    values = randomize(src, 2)
    save_weights(src, tmp_path / "bf16")
    assert [w["dtype"] for w in read_manifest(tmp_path / "bf16")["weights"]] == ["bfloat16"] * 2
    dst = dense_model(dtype="bfloat16")
    load_weights(dst, tmp_path / "bf16")
    assert_weights(dst, values)


# -- writing: overwrite, atomicity ------------------------------------------------------

def test_overwrite(tmp_path):
    path = tmp_path / "w.weights.h5"
    a, b = dense_model(), dense_model()
    va = randomize(a, 0)
    vb = randomize(b, 1)
    save_weights(a, path)
    with pytest.raises(FileExistsError, match="exists and overwrite=False"):
        save_weights(b, path, overwrite=False)
    probe = dense_model()
    load_weights(probe, path)
    assert_weights(probe, va)
    save_weights(b, path)  # overwrite=True replaces
    load_weights(probe, path)
    assert_weights(probe, vb)


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "w"
    model = dense_model()
    values = randomize(model, 0)
    save_weights(model, path)
    before = path.read_bytes()

    def broken(f, **arrays):
        f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    randomize(model, 1)
    with pytest.raises(OSError, match="disk full"):
        save_weights(model, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["w"]
    monkeypatch.undo()
    probe = dense_model()
    load_weights(probe, path)
    assert_weights(probe, values)


def test_directory_and_bad_paths(tmp_path):
    model = dense_model()
    with pytest.raises(IsADirectoryError, match="is a folder"):
        save_weights(model, tmp_path)
    with pytest.raises(TypeError, match="filepath must be a str or os.PathLike"):
        save_weights(model, 3)
    with pytest.raises(ValueError, match="filepath is empty"):
        save_weights(model, "")


# -- loading: mismatches change nothing -------------------------------------------------

def test_shape_mismatch_names_weights_and_changes_nothing(tmp_path):
    save_weights(dense_model(units=2), tmp_path / "w")
    dst = dense_model(units=4)
    values = randomize(dst, 3)
    with pytest.raises(ValueError) as err:
        load_weights(dst, tmp_path / "w")
    msg = str(err.value)
    assert "has shape (3, 2) in the file, (3, 4) in the model" in msg
    assert "has shape (2,) in the file, (4,) in the model" in msg
    assert dst.weights[0].name in msg and "No weight was changed" in msg
    assert_weights(dst, values)


def test_count_mismatch_changes_nothing(tmp_path):
    save_weights(dense_model(layers=1), tmp_path / "w")
    dst = dense_model(layers=2)
    values = randomize(dst, 4)
    with pytest.raises(ValueError, match=r"holds 2 weights .* has 4 .*No weight was changed"):
        load_weights(dst, tmp_path / "w")
    assert_weights(dst, values)


def test_dtype_mismatch_changes_nothing(tmp_path):
    save_weights(dense_model(dtype="float64"), tmp_path / "w")
    dst = dense_model()
    values = randomize(dst, 5)
    with pytest.raises(ValueError, match="has dtype float64 in the file, float32 in the model"):
        load_weights(dst, tmp_path / "w")
    assert_weights(dst, values)


def test_unbuilt_model_is_told_to_build(tmp_path):
    save_weights(dense_model(), tmp_path / "w")
    with pytest.raises(ValueError, match="has no weights yet: build it first"):
        load_weights(keras.Sequential([keras.layers.Dense(2)]), tmp_path / "w")


def test_skip_mismatch_loads_the_rest(tmp_path):
    src = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(5)])
    src_values = randomize(src, 6)
    save_weights(src, tmp_path / "w")
    dst = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(4)])
    dst_values = randomize(dst, 7)
    with pytest.warns(UserWarning, match="skipped 2 mismatching weights"):
        load_weights(dst, tmp_path / "w", skip_mismatch=True)
    assert_weights(dst, src_values[:2] + dst_values[2:])


# -- files that are not ember's ---------------------------------------------------------

def test_not_ember_files(tmp_path):
    model = dense_model()
    values = randomize(model, 8)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not an ember weights file .*not a NumPy .npz"):
        load_weights(model, text)
    h5 = tmp_path / "keras.weights.h5"
    h5.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(ValueError, match="damaged or not a Keras HDF5 file"):
        load_weights(model, h5)
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.zeros(3))
    with pytest.raises(ValueError, match="without ember's manifest"):
        load_weights(model, plain)
    fake = tmp_path / "fake"
    with open(fake, "wb") as f:
        np.savez(f, __ember_manifest__=np.frombuffer(b'{"format": "other"}', np.uint8))
    with pytest.raises(ValueError, match="names another format"):
        load_weights(model, fake)
    newer = tmp_path / "newer"
    manifest = {"format": "ember.weights", "version": 99, "weights": []}
    with open(newer, "wb") as f:
        np.savez(f, __ember_manifest__=np.frombuffer(json.dumps(manifest).encode(), np.uint8))
    with pytest.raises(ValueError, match="version 99, newer than this ember reads"):
        load_weights(model, newer)
    truncated = tmp_path / "truncated"
    save_weights(model, truncated)
    truncated.write_bytes(truncated.read_bytes()[:100])
    with pytest.raises(ValueError, match="is damaged .it is not a readable zip"):
        load_weights(model, truncated)
    assert_weights(model, values)


def test_missing_file_dir_and_tf_checkpoint(tmp_path):
    model = dense_model()
    with pytest.raises(FileNotFoundError, match="no file at"):
        load_weights(model, tmp_path / "nothing")
    (tmp_path / "ckpt.index").write_bytes(b"x")
    with pytest.raises(ValueError, match="TensorFlow checkpoint prefix"):
        load_weights(model, tmp_path / "ckpt")
    with pytest.raises(ValueError, match="it is a folder"):
        load_weights(model, tmp_path)

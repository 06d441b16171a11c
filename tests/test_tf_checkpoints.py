"""ember reads checkpoints written by TensorFlow itself (TensorBundle: an SSTable index and
a data shard). The fixtures in tests/data/tf_checkpoints were written by TF 2.21 + Keras 3
(tests/data/make_tf_checkpoints.py); their values are pinned in expected.npz."""

import os
import shutil
import sys

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras.saving.weights_file import DamagedFileError

HERE = os.path.join(os.path.dirname(__file__), "data", "tf_checkpoints")
MODULE = os.path.join(HERE, "module", "ckpt-1")
KERAS = os.path.join(HERE, "keras", "weights")
SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
GRAPH = "_CHECKPOINTABLE_OBJECT_GRAPH"


def expected(which):
    with np.load(os.path.join(HERE, "expected.npz")) as f:
        return {k.split(":", 1)[1]: f[k] for k in f.files if k.startswith(which + ":")}


class Inner(tf.Module):
    def __init__(self):
        super().__init__()
        self.scale = tf.Variable(np.zeros(3), name="scale")
        self.flag = tf.Variable(np.array([False, True]), name="flag")


class Net(tf.Module):
    def __init__(self, w_shape=(2, 3)):
        super().__init__()
        self.w = tf.Variable(np.zeros(w_shape, np.float32), name="w")
        self.count = tf.Variable(np.int64(0), name="count")
        self.inner = Inner()


def copy_module(tmp_path):
    dst = tmp_path / "module"
    shutil.copytree(os.path.dirname(MODULE), dst)
    return str(dst / "ckpt-1")


@pytest.mark.parametrize("which,prefix", [("module", MODULE), ("keras", KERAS),
                                          ("functional", os.path.join(HERE, "functional",
                                                                      "weights"))])
def test_reader_matches_tf_values(which, prefix):
    want = expected(which)
    reader = tf.train.load_checkpoint(prefix)
    shapes = reader.get_variable_to_shape_map()
    assert set(shapes) == set(want) | {GRAPH}
    assert shapes[GRAPH] == []
    dtypes = reader.get_variable_to_dtype_map()
    assert dtypes[GRAPH] == tf.string
    for key, value in want.items():
        got = reader.get_tensor(key)
        assert reader.has_tensor(key)
        assert shapes[key] == list(value.shape)
        assert dtypes[key] == tf.as_dtype(value.dtype)
        assert got.dtype == value.dtype
        np.testing.assert_array_equal(got, value)
    assert not reader.has_tensor("model/nope" + SUFFIX)
    with pytest.raises(FileNotFoundError, match="not found in checkpoint"):
        reader.get_tensor("model/nope" + SUFFIX)


def test_module_values_and_dtypes():
    reader = tf.train.load_checkpoint(MODULE)
    np.testing.assert_array_equal(reader.get_tensor("model/w" + SUFFIX),
                                  np.arange(6, dtype=np.float32).reshape(2, 3) / 4)
    assert reader.get_tensor("model/count" + SUFFIX).dtype == np.int64
    assert int(reader.get_tensor("model/count" + SUFFIX)) == 7
    np.testing.assert_array_equal(reader.get_tensor("model/inner/flag" + SUFFIX),
                                  [True, False])
    assert reader.get_variable_to_dtype_map()["model/inner/scale" + SUFFIX] == tf.float64
    graph = reader.get_tensor(GRAPH)
    assert graph.shape == () and isinstance(graph.item(), bytes) and len(graph.item()) > 100


def test_list_load_variable_and_latest_checkpoint():
    folder = os.path.dirname(MODULE)
    assert tf.train.latest_checkpoint(folder) == MODULE  # TF's `checkpoint` state file
    names = [k for k, _ in tf.train.list_variables(folder)]
    assert names == sorted(names) and "model/inner/scale" + SUFFIX in names
    assert dict(tf.train.list_variables(MODULE))["model/w" + SUFFIX] == [2, 3]
    np.testing.assert_array_equal(tf.train.load_variable(folder, "model/inner/scale"),
                                  [1.5, -2.0, 0.25])
    assert int(tf.train.load_variable(MODULE, "save_counter" + SUFFIX)) == 1


def test_restore_module_by_object_graph():
    pytest.importorskip("tensorboard")
    net = Net()
    ckpt = tf.train.Checkpoint(model=net)
    ckpt.restore(MODULE).assert_consumed()
    want = expected("module")
    for key, var in [("model/w", net.w), ("model/count", net.count),
                     ("model/inner/scale", net.inner.scale),
                     ("model/inner/flag", net.inner.flag)]:
        np.testing.assert_array_equal(var.numpy(), want[key + SUFFIX])
    assert int(ckpt.save_counter.numpy()) == 1
    # the restored values are used by computations as any others
    np.testing.assert_allclose(tf.reduce_sum(net.w * 2.0).numpy(), 2 * want["model/w" + SUFFIX].sum())


def test_restore_module_checks_shapes_first():
    pytest.importorskip("tensorboard")
    net = Net(w_shape=(3, 2))
    with pytest.raises(ValueError, match="has shape \\(2, 3\\)"):
        tf.train.Checkpoint(model=net).restore(MODULE)
    np.testing.assert_array_equal(net.inner.scale.numpy(), [0.0, 0.0, 0.0])  # untouched


def test_restore_without_tensorboard_names_the_package(monkeypatch):
    for name in ("tensorboard", "tensorboard.compat", "tensorboard.compat.proto",
                 "tensorboard.compat.proto.trackable_object_graph_pb2"):
        monkeypatch.setitem(sys.modules, name, None)  # as if it were not installed
    with pytest.raises(ImportError, match="pip install tensorboard"):
        tf.train.Checkpoint(model=Net()).restore(MODULE)
    # plain values need no tensorboard
    assert int(tf.train.load_checkpoint(MODULE).get_tensor("model/count" + SUFFIX)) == 7


def keras_model():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(2)])


def test_keras_weights_by_manual_assignment():
    # Keras 3 on TF names a Sequential's Dense layers 'model/_functional/_operations/<i>/
    # _kernel' (0 is its InputLayer); ember names them 'model/layer-<i>/kernel'. Values
    # can always be read by key and assigned (restore also maps the names, see below).
    reader = tf.train.load_checkpoint(KERAS)
    model = keras_model()
    for i, layer in enumerate(model.layers):
        base = f"model/_functional/_operations/{i + 1}/"
        layer.kernel.assign(reader.get_tensor(base + "_kernel" + SUFFIX))
        layer.bias.assign(reader.get_tensor(base + "bias" + SUFFIX))
    want = expected("keras")
    x = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]], np.float32)
    k1, b1 = want["model/_functional/_operations/1/_kernel" + SUFFIX], \
        want["model/_functional/_operations/1/bias" + SUFFIX]
    k2, b2 = want["model/_functional/_operations/2/_kernel" + SUFFIX], \
        want["model/_functional/_operations/2/bias" + SUFFIX]
    np.testing.assert_allclose(model(x).numpy(), (x @ k1 + b1) @ k2 + b2, rtol=1e-6)


def test_keras_sequential_restore_by_object_graph():
    pytest.importorskip("tensorboard")
    want = expected("keras")
    x = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]], np.float32)
    ref = (x @ want["model/_functional/_operations/1/_kernel" + SUFFIX]
           + want["model/_functional/_operations/1/bias" + SUFFIX]) \
        @ want["model/_functional/_operations/2/_kernel" + SUFFIX] \
        + want["model/_functional/_operations/2/bias" + SUFFIX]
    model = keras_model()
    tf.train.Checkpoint(model=model).restore(KERAS).assert_consumed()
    np.testing.assert_allclose(model(x).numpy(), ref, rtol=1e-6)
    # not built yet: the values wait for build, as in TF
    lazy = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)])
    status = tf.train.Checkpoint(model=lazy).restore(KERAS)
    np.testing.assert_allclose(lazy(x).numpy(), ref, rtol=1e-6)
    status.assert_consumed()


def test_keras_functional_restore_by_object_graph():
    pytest.importorskip("tensorboard")
    want = expected("functional")
    inputs = keras.Input((3,))
    outputs = keras.layers.BatchNormalization()(keras.layers.Dense(4)(inputs))
    model = keras.Model(inputs, outputs)
    tf.train.Checkpoint(model=model).restore(
        os.path.join(HERE, "functional", "weights")).assert_consumed()
    dense, norm = model.layers[1], model.layers[2]
    np.testing.assert_array_equal(dense.kernel.numpy(),
                                  want["model/_operations/1/_kernel" + SUFFIX])
    np.testing.assert_array_equal(norm.moving_mean.numpy(), [0.5, -0.5, 1.0, 0.0])
    np.testing.assert_array_equal(norm.moving_variance.numpy(),
                                  want["model/_operations/2/moving_variance" + SUFFIX])


# -- damaged files -------------------------------------------------------------------
def test_missing_and_truncated_data_shard(tmp_path):
    prefix = copy_module(tmp_path)
    data = prefix + ".data-00000-of-00001"
    with open(data, "rb") as f:
        raw = f.read()
    with open(data, "wb") as f:
        f.write(raw[:100])
    with pytest.raises(DamagedFileError, match="the index needs"):
        tf.train.load_checkpoint(prefix)
    os.remove(data)
    with pytest.raises(FileNotFoundError, match="data file .* is missing"):
        tf.train.load_checkpoint(prefix)


def test_corrupted_tensor_bytes_fail_their_checksum(tmp_path):
    prefix = copy_module(tmp_path)
    reader = tf.train.load_checkpoint(prefix)
    entry = reader.entries["model/w" + SUFFIX]
    with open(prefix + ".data-00000-of-00001", "r+b") as f:
        f.seek(entry["offset"] + 1)
        byte = f.read(1)
        f.seek(entry["offset"] + 1)
        f.write(bytes([byte[0] ^ 0x40]))
    with pytest.raises(DamagedFileError, match="fails its checksum"):
        reader.get_tensor("model/w" + SUFFIX)
    net = Net()
    with pytest.raises(DamagedFileError, match="fails its checksum"):
        tf.train.Checkpoint(model=net).restore(prefix)
    assert int(net.count.numpy()) == 0  # nothing was restored


def test_bad_magic(tmp_path):
    prefix = copy_module(tmp_path)
    with open(prefix + ".index", "r+b") as f:
        f.seek(-1, os.SEEK_END)
        f.write(b"\x00")
    with pytest.raises(ValueError, match="lacks TF's table magic"):
        tf.train.load_checkpoint(prefix)


def test_every_damage_to_the_index_is_a_clear_error(tmp_path):
    prefix = copy_module(tmp_path)
    with open(prefix + ".index", "rb") as f:
        raw = f.read()
    allowed = (ValueError, NotImplementedError, FileNotFoundError)
    cases = [raw[:n] for n in range(len(raw))]  # every truncation
    cases += [raw[:i] + bytes([raw[i] ^ 0x5A]) + raw[i + 1:] for i in range(len(raw))]
    for damaged in cases:
        with open(prefix + ".index", "wb") as f:
            f.write(damaged)
        try:
            reader = tf.train.load_checkpoint(prefix)
            for key in reader.get_variable_to_shape_map():
                reader.get_tensor(key)
        except allowed:
            continue
        # a flip that leaves every checksum valid (footer padding) must read the same
        np.testing.assert_array_equal(reader.get_tensor("model/w" + SUFFIX),
                                      expected("module")["model/w" + SUFFIX])


def test_ember_checkpoints_still_read(tmp_path):
    v = tf.Variable([1.0, 2.0])
    path = tf.train.Checkpoint(v=v).write(str(tmp_path / "e"))
    with open(path + ".index", "rb") as f:
        assert f.read(1) == b"{"
    v.assign([0.0, 0.0])
    tf.train.Checkpoint(v=v).restore(path).assert_consumed()
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])

"""tf.saved_model.save / load, model.export, keras.export.ExportArchive and TFSMLayer
(issue 19): what is stored runs without the model's source, dispatches on signatures,
fine-tunes, and refuses what it can't store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.export.graph_io import GraphLoadError

R = np.random.default_rng(0)


class CustomModule(tf.Module):  # the TF guide's (saved_model.ipynb)
    def __init__(self):
        super().__init__()
        self.v = tf.Variable(1.0)

    @tf.function
    def __call__(self, x):
        return x * self.v

    @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
    def mutate(self, new_v):
        self.v.assign(new_v)


def test_the_tf_guide_module_round_trip_and_fine_tuning(tmp_path):
    module = CustomModule()
    module(tf.constant(0.0))
    module.__call__.get_concrete_function(x=tf.TensorSpec([None], tf.float32))
    tf.saved_model.save(module, str(tmp_path))
    imported = tf.saved_model.load(str(tmp_path))
    assert imported(tf.constant(3.0)).numpy() == 3
    imported.mutate(tf.constant(2.0))
    assert imported(tf.constant(3.0)).numpy() == 6
    assert float(module.v) == 1.0  # the original is not the restored object
    np.testing.assert_allclose(imported(tf.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(imported(x=tf.constant([1.0])).numpy(), [2.0])
    with pytest.raises(ValueError, match="matching"):
        imported(tf.constant([[1.0]]))  # traced for [] and [None] only
    assert [v.name for v in imported.variables] == ["Variable:0"]
    assert list(imported.signatures) == ["serving_default"]  # mutate: the one signature
    optimizer = keras.optimizers.SGD(0.05)
    losses = []
    for _ in range(5):
        with tf.GradientTape() as tape:
            loss = (10.0 - imported(tf.constant(2.0))) ** 2
        variables = tape.watched_variables()
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))
        losses.append(float(loss))
    assert losses[-1] < losses[0] and float(imported.v) > 2.0


def test_python_values_are_part_of_the_signature(tmp_path):
    class M(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])

        @tf.function
        def __call__(self, x, scale=1.0):
            return tf.matmul(tf.convert_to_tensor(x), self.w) * scale

    m = M()
    m([[1.0, 1.0, 1.0]])
    m(tf.ones((2, 3)), scale=2.0)
    tf.saved_model.save(m, str(tmp_path))
    loaded = tf.saved_model.load(str(tmp_path))
    np.testing.assert_allclose(loaded([[1.0, 1.0, 1.0]]).numpy(), [[9.0, 12.0]])
    np.testing.assert_allclose(loaded(tf.ones((2, 3)), scale=2.0).numpy(),
                               [[18.0, 24.0], [18.0, 24.0]])
    with pytest.raises(ValueError, match="scale"):
        loaded(tf.ones((2, 3)), scale=3.0)  # 3.0 was never traced


def test_object_tree_names_and_trainable_flags(tmp_path):
    class Dense(tf.Module):
        def __init__(self, n_in, n_out, name=None):
            super().__init__(name=name)
            self.w = tf.Variable(R.standard_normal((n_in, n_out)).astype(np.float32), name="w")
            self.b = tf.Variable(tf.zeros([n_out]), name="b", trainable=False)

        def __call__(self, x):
            return tf.matmul(x, self.w) + self.b

    class Net(tf.Module):
        def __init__(self):
            super().__init__()
            self.layers = [Dense(3, 4, name="first"), Dense(4, 2, name="second")]
            self.first = self.layers[0]  # the same object twice: stored once

        @tf.function(input_signature=[tf.TensorSpec([None, 3])])
        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    net = Net()
    tf.saved_model.save(net, str(tmp_path))
    loaded = tf.saved_model.load(str(tmp_path))
    assert loaded.first is loaded.layers[0] and loaded.layers[1].name == "second"
    np.testing.assert_array_equal(loaded.layers[0].w.numpy(), net.layers[0].w.numpy())
    assert not loaded.layers[0].b.trainable and loaded.layers[0].w.trainable
    assert len(loaded.trainable_variables) == 2 and len(loaded.variables) == 4
    x = R.standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(loaded(x).numpy(), net(x).numpy(), rtol=1e-6)
    sig = loaded.signatures["serving_default"]
    out = sig(x=tf.constant(x))
    assert list(out) == ["output_0"]
    np.testing.assert_allclose(out["output_0"].numpy(), net(x).numpy(), rtol=1e-6)
    assert sig.structured_input_signature[1]["x"].shape.as_list() == [None, 3]
    with pytest.raises(TypeError, match="keyword"):
        sig(tf.constant(x))


def _mlp():
    keras.utils.set_random_seed(1)
    return keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dropout(0.3), keras.layers.Dense(4,
                                                                           activation="softmax")])


def _cnn():
    keras.utils.set_random_seed(2)
    return keras.Sequential([keras.Input((8, 8, 2)), keras.layers.Conv2D(4, 3, padding="same"),
                             keras.layers.BatchNormalization(), keras.layers.ReLU(),
                             keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                             keras.layers.Dense(3)])


def _lstm():
    keras.utils.set_random_seed(3)
    return keras.Sequential([keras.Input((None,), dtype="int32"),
                             keras.layers.Embedding(20, 6), keras.layers.LSTM(5),
                             keras.layers.Dense(2)])


def _transformer():
    keras.utils.set_random_seed(4)
    inp = keras.Input((6, 8))
    a = keras.layers.MultiHeadAttention(2, 4)(inp, inp)
    x = keras.layers.LayerNormalization()(inp + a)
    f = keras.layers.Dense(8)(keras.layers.Dense(16, activation="gelu")(x))
    return keras.Model(inp, keras.layers.LayerNormalization()(x + f))


def _data(model, n):
    spec = model.inputs[0]
    if spec.dtype == tf.int32:
        return R.integers(0, 20, (n, 7)).astype(np.int32)
    return R.standard_normal((n,) + tuple(spec.shape[1:])).astype(np.float32)


@pytest.mark.parametrize("make", [_mlp, _cnn, _lstm, _transformer],
                         ids=["mlp", "cnn", "lstm", "transformer"])
def test_keras_models_saved_and_exported_equal_predict(make, tmp_path):
    model = make()
    tf.saved_model.save(model, str(tmp_path / "sm"))
    model.export(str(tmp_path / "ex"), verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "sm"))
    exported = tf.saved_model.load(str(tmp_path / "ex"))
    for n in (1, 5):
        x = _data(model, n)
        want = model.predict(x, verbose=0)
        np.testing.assert_allclose(loaded(x).numpy(), want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(exported.serve(x).numpy(), want, rtol=1e-5, atol=1e-6)
        (name,) = loaded.signatures["serving_default"].structured_input_signature[1]
        out = loaded.signatures["serving_default"](**{name: x})
        np.testing.assert_allclose(out["output_0"].numpy(), want, rtol=1e-5, atol=1e-6)
    assert len(exported.variables) == len(model.variables)


def test_export_onnx_format(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model = _mlp()
    path = str(tmp_path / "m.onnx")
    model.export(path, format="onnx", verbose=False)
    sess = ort.InferenceSession(path)
    x = _data(model, 3)
    (got,) = sess.run(None, {sess.get_inputs()[0].name: x})
    np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    with pytest.raises(NotImplementedError, match="litert"):
        model.export(str(tmp_path / "m.tflite"), format="litert")
    with pytest.raises(ValueError, match="unknown format"):
        model.export(str(tmp_path / "m.x"), format="pickle")


_SAVE_SCRIPT = """
import numpy as np, ember as tf
from ember import keras

class Twice(keras.layers.Layer):  # a custom layer the loading process never sees
    def build(self, shape):
        self.k = self.add_weight(shape=(shape[-1],), initializer="ones")
    def call(self, x):
        return tf.cond(tf.reduce_sum(x) > 0, lambda: x * self.k * 2.0, lambda: x - self.k)

keras.utils.set_random_seed(5)
model = keras.Sequential([keras.Input((4,)), Twice(), keras.layers.Dense(3)])
model.export({path!r}, verbose=False)
x = np.stack([np.ones(4, np.float32), -np.ones(4, np.float32)])
np.save({want!r}, np.concatenate([model(x[:1]).numpy(), model(x[1:]).numpy()]))
"""

_LOAD_SCRIPT = """
import sys, numpy as np, ember as tf
loaded = tf.saved_model.load({path!r})
x = np.stack([np.ones(4, np.float32), -np.ones(4, np.float32)])
got = np.concatenate([loaded.serve(x[:1]).numpy(), loaded.serve(x[1:]).numpy()])
np.testing.assert_allclose(got, np.load({want!r}), rtol=1e-6)
print("ok", "Twice" not in sys.modules.get("__main__").__dict__)
"""


def test_a_fresh_process_runs_the_export_without_the_models_source(tmp_path):
    path, want = str(tmp_path / "model"), str(tmp_path / "want.npy")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for script in (_SAVE_SCRIPT, _LOAD_SCRIPT):
        run = subprocess.run([sys.executable, "-c", textwrap.dedent(
            script.format(path=path, want=want))], capture_output=True, text=True, env=env,
            timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["ok", "True"]


def test_py_function_is_refused_at_save_time_and_nothing_is_written(tmp_path):
    m = tf.Module()
    m.f = tf.function(lambda x: tf.py_function(lambda a: a * 2, [x],
                                               tf.TensorSpec([2], tf.float32)),
                      input_signature=[tf.TensorSpec([2])])
    target = tmp_path / "out"
    with pytest.raises(tf.saved_model.SaveError, match="Python code"):
        tf.saved_model.save(m, str(target))
    assert not target.exists()


def test_variable_arguments_are_refused(tmp_path):
    m = tf.Module()
    m.f = tf.function(lambda v: v * 2.0)
    m.f(tf.Variable(1.0))
    with pytest.raises(tf.saved_model.SaveError, match="Variable as an argument"):
        tf.saved_model.save(m, str(tmp_path))


def _saved(tmp_path):
    m = tf.Module()
    m.f = tf.function(lambda x: tf.nn.relu(x), input_signature=[tf.TensorSpec([None])])
    tf.saved_model.save(m, str(tmp_path))
    return tmp_path / "saved_model.json"


def test_unknown_versions_primitives_and_tf_directories_are_clear_errors(tmp_path):
    meta_path = _saved(tmp_path / "a")
    meta = json.loads(meta_path.read_text())
    meta["version"] = 99
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(GraphLoadError, match="version 99"):
        tf.saved_model.load(str(tmp_path / "a"))
    meta_path = _saved(tmp_path / "b")
    text = meta_path.read_text().replace('"p": "relu"', '"p": "relu_from_the_future"')
    meta_path.write_text(text)
    with pytest.raises(GraphLoadError, match="relu_from_the_future"):
        tf.saved_model.load(str(tmp_path / "b"))
    tf_dir = tmp_path / "tf"
    tf_dir.mkdir()
    (tf_dir / "saved_model.pb").write_bytes(b"\x08\x01")
    with pytest.raises(OSError, match="saved_model.pb"):
        tf.saved_model.load(str(tf_dir))
    assert not tf.saved_model.contains_saved_model(str(tf_dir))


def test_loading_never_unpickles(tmp_path):
    _saved(tmp_path)
    np.savez(tmp_path / "constants.npz", c0=np.array([{"code": 1}], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        tf.saved_model.load(str(tmp_path))


def test_control_flow_strings_and_dict_outputs_round_trip(tmp_path):
    m = tf.Module()
    m.k = tf.Variable(1.5)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: x * m.k, lambda: -x)
        _, z = tf.while_loop(lambda i, z: i < 3, lambda i, z: (i + 1, z + 1.0),
                             [tf.constant(0), y])
        return {"z": z, "label": tf.strings.join([tf.constant("n="),
                                                  tf.strings.as_string(tf.size(x))])}

    m.f = f
    tf.saved_model.save(m, str(tmp_path))
    loaded = tf.saved_model.load(str(tmp_path))
    for x in ([1.0, 2.0], [-1.0, -4.0, 0.0]):
        got, want = loaded.f(tf.constant(x)), f(tf.constant(x))
        np.testing.assert_allclose(got["z"].numpy(), want["z"].numpy())
        assert got["label"].numpy() == want["label"].numpy()
    assert sorted(loaded.signatures["serving_default"](x=tf.constant([1.0]))) == ["label", "z"]


def test_a_loaded_function_inside_a_new_function_and_a_tape(tmp_path):
    module = CustomModule()
    module.mutate(tf.constant(3.0))
    tf.saved_model.save(module, str(tmp_path))
    loaded = tf.saved_model.load(str(tmp_path))
    loaded.mutate(tf.constant(4.0))

    @tf.function
    def twice(x):
        loaded.mutate(x)
        return loaded.v * 2.0

    assert float(twice(tf.constant(5.0))) == 10.0 and float(loaded.v) == 5.0


def test_export_archive_endpoints_collections_and_errors(tmp_path):
    model = _mlp()
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serve", lambda x: model(x, training=False),
                         input_signature=[keras.InputSpec(shape=(None, 12))])
    archive.add_endpoint("train_call", lambda x: model(x, training=True),
                         input_signature=[tf.TensorSpec([None, 12])])
    archive.add_variable_collection("kernels", [model.layers[0].kernel])
    with pytest.raises(ValueError, match="exists"):
        archive.add_endpoint("serve", lambda x: x, input_signature=[tf.TensorSpec([1])])
    with pytest.raises(ValueError, match="input_signature is required"):
        archive.add_endpoint("other", lambda x: x)
    archive.write_out(str(tmp_path), verbose=False)
    loaded = tf.saved_model.load(str(tmp_path))
    x = _data(model, 4)
    np.testing.assert_allclose(loaded.serve(x).numpy(), model(x).numpy(), rtol=1e-6)
    assert sorted(loaded.signatures) == ["serving_default", "train_call"]
    assert loaded.kernels[0].shape == (12, 16)
    dropped = loaded.train_call(np.ones((64, 12), np.float32)).numpy()
    assert dropped.shape == (64, 4)
    with pytest.raises(ValueError, match="no endpoint"):
        keras.export.ExportArchive().write_out(str(tmp_path / "empty"))


def test_tfsm_layer_in_a_functional_model_fine_tunes(tmp_path):
    base = _mlp()
    base.export(str(tmp_path), verbose=False)
    layer = keras.layers.TFSMLayer(str(tmp_path), call_endpoint="serve")
    inp = keras.Input((12,))
    model = keras.Model(inp, keras.layers.Dense(1)(layer(inp)))
    x = _data(base, 32)
    np.testing.assert_allclose(layer(x).numpy(), base(x).numpy(), rtol=1e-6)
    before = [w.numpy().copy() for w in layer.trainable_weights]
    model.compile(keras.optimizers.SGD(0.1), "mse")
    model.fit(x, np.ones((32, 1), np.float32), epochs=1, verbose=0)
    assert any(not np.allclose(b, w.numpy()) for b, w in zip(before, layer.trainable_weights))
    with pytest.raises(ValueError, match="no endpoint 'nope'"):
        keras.layers.TFSMLayer(str(tmp_path), call_endpoint="nope")


# -- the reader of every format version written (tests/data/saved_model_v1, written by
# tests/data/make_saved_model_v1.py with version 1 of the format) --------------------------

DATA = os.path.join(os.path.dirname(__file__), "data")


def test_reads_format_version_1():
    path = os.path.join(DATA, "saved_model_v1")
    meta = json.load(open(os.path.join(path, "saved_model.json")))
    assert meta["version"] == 1
    loaded = tf.saved_model.load(path)
    np.testing.assert_allclose(loaded(tf.constant([[1.0, -2.0, 0.5]])).numpy(),
                               [[1.25, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(loaded.loop(tf.constant(3.0)).numpy(), 24.0)
    out = loaded.signatures["serving_default"](x=tf.constant([[0.0, 0.0, 4.0]]))
    np.testing.assert_allclose(out["output_0"].numpy(), [[6.0, 2.0]], rtol=1e-6)
    assert [v.name for v in loaded.variables] == ["b:0", "w:0"]  # tf.Module's order


def test_a_subclassed_model_called_once_is_saved_with_its_call(tmp_path):
    class Twice(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(2)

        def call(self, x):
            return self.d(x) * 2.0

    model = Twice()
    x = R.standard_normal((3, 4)).astype(np.float32)
    model(x)
    tf.saved_model.save(model, str(tmp_path))
    loaded = tf.saved_model.load(str(tmp_path))
    np.testing.assert_allclose(loaded(x[:2]).numpy(), model(x[:2]).numpy(), rtol=1e-6)
    assert list(loaded.signatures) == ["serving_default"]
    never_called = Twice()
    tf.saved_model.save(never_called, str(tmp_path / "bare"))
    with pytest.raises(TypeError, match="not callable"):
        tf.saved_model.load(str(tmp_path / "bare"))(x)


def test_loading_a_saved_model_does_not_import_keras(tmp_path):
    model = _mlp()
    model.export(str(tmp_path), verbose=False)
    x = _data(model, 2)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "want.npy", model(x).numpy())
    script = textwrap.dedent(f"""
        import sys, numpy as np, ember as tf
        loaded = tf.saved_model.load({str(tmp_path)!r})
        got = loaded.serve(np.load({str(tmp_path / 'x.npy')!r})).numpy()
        np.testing.assert_allclose(got, np.load({str(tmp_path / 'want.npy')!r}), rtol=1e-6)
        print("ember.keras" in sys.modules)
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["False"]  # tf.keras loads on first use, as TF's

"""Models built from raw ember ops on KerasTensors (OpLayers) written as Keras 3 op nodes:
real Keras 3 (NumPy backend) loads the `.keras` file and predicts the same; ember reads
its own primitives back exactly."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

pytest.importorskip("h5py")
from tests.keras3_oracle import keras3  # noqa: E402

import ember as tf  # noqa: E402
from ember import keras  # noqa: E402
from ember.keras.engine.op_layer import OpLayer  # noqa: E402

L = keras.layers
RNG = np.random.default_rng(1)
X = RNG.normal(size=(3, 4)).astype("float32")
IDS = np.array([[0, 1, 2, 1], [2, 2, 0, 1], [1, 0, 0, 2]], "int32")

OPS = {
    "arithmetic": lambda x, i: (x * 2.0 + 1.0) / (tf.abs(x) + 1.0) - tf.maximum(x, 0.5),
    "unary": lambda x, i: tf.exp(-tf.square(x)) + tf.tanh(x) + tf.sqrt(tf.abs(x) + 1.0),
    "reductions": lambda x, i: tf.concat([tf.reduce_sum(x, 1, keepdims=True),
                                          tf.reduce_mean(x, axis=[1], keepdims=True),
                                          tf.reduce_max(x, -1, keepdims=True)], axis=-1),
    "index": lambda x, i: x[:, 0] + x[:, -1],
    "slices_newaxis": lambda x, i: x[:, 1:3][..., None] * x[:, None, :2],
    "cast_compare": lambda x, i: tf.cast(i, tf.float32) - tf.cast(x > 0, tf.float32),
    "reshape_transpose": lambda x, i: tf.transpose(tf.reshape(x, (-1, 2, 2)), [0, 2, 1]),
    "one_hot": lambda x, i: tf.one_hot(i, 3),
    "split": lambda x, i: tf.split(x, [1, 3], axis=-1)[1] * tf.split(x, 2, axis=-1)[0][:, :1],
    "matmul_constant": lambda x, i: x @ tf.constant(np.arange(8.0, dtype="float32")
                                                    .reshape(4, 2)),
    "gather": lambda x, i: tf.gather(x, [0, 2], axis=1),
    "softmax": lambda x, i: tf.nn.softmax(x),
    "where": lambda x, i: tf.where(x > 0, x, 0.0),
    "activations": lambda x, i: tf.nn.relu(x) + tf.sigmoid(x) + tf.nn.softplus(x),
    "tile_reverse_pad": lambda x, i: tf.pad(tf.reverse(tf.tile(x, [1, 2]), [1]),
                                            [[0, 0], [1, 2]], constant_values=0.5),
    "argmax_cumsum_sort": lambda x, i: tf.cast(tf.argmax(x, axis=1), tf.float32)[:, None]
    + tf.cumsum(x, axis=1) + tf.sort(x, axis=-1),
}


def _model(op):
    x, i = L.Input((4,), name="x"), L.Input((4,), dtype="int32", name="i")
    return keras.Model([x, i], op(x, i))


@pytest.mark.parametrize("name", sorted(OPS))
def test_keras3_loads_raw_op_models_and_predicts_the_same(name, tmp_path):
    k = keras3()
    model = _model(OPS[name])
    expected = model.predict([X, IDS], verbose=0)
    path = tmp_path / "ops.keras"
    model.save(path)
    layers = json.loads(zipfile.ZipFile(path).read("config.json"))["config"]["layers"]
    assert not [e["class_name"] for e in layers if e["class_name"] == "OpLayer"]
    theirs = k.models.load_model(path)
    np.testing.assert_allclose(np.asarray(theirs.predict([X, IDS], verbose=0)), expected,
                               rtol=1e-5, atol=1e-6)
    ours = keras.models.load_model(path)  # ember reads its primitives back
    assert [type(la).__name__ for la in ours.layers] == \
        [type(la).__name__ for la in model.layers]
    np.testing.assert_array_equal(ours.predict([X, IDS], verbose=0), expected)


def test_op_node_names_keras3_class_and_keeps_ember_config(tmp_path):
    x = L.Input((4,))
    model = keras.Model(x, tf.reduce_sum(x * 3.0, axis=-1))
    model.save(tmp_path / "m.keras")
    layers = json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("config.json"))[
        "config"]["layers"]
    mul, total = layers[1], layers[2]
    assert (mul["module"], mul["class_name"]) == ("keras.src.ops.numpy", "Multiply")
    assert mul["inbound_nodes"][0]["args"][1] == {
        "class_name": "__tensor__", "config": {"value": 3.0, "dtype": "float32"}}
    assert total["config"]["axis"] == [1] and total["config"]["keepdims"] is False
    assert total["ember"]["config"]["primitive"] == "reduce_sum"


def test_ops_without_a_keras3_counterpart_stay_ember_op_layers(tmp_path):
    k = keras3()
    x = L.Input((4,))
    shared = tf.Variable(np.full((4,), 2.0, "float32"), name="w")
    model = keras.Model(x, tf.cumsum(x, axis=1, exclusive=True) + x * shared)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert sum(isinstance(la, OpLayer) for la in loaded.layers) == 3
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    with pytest.raises(Exception, match="OpLayer"):  # Keras 3 names what it lacks
        k.models.load_model(tmp_path / "m.keras")


def test_keras3_loads_the_demo_model_with_its_compile_state(tmp_path):
    k = keras3()
    inputs = L.Input(shape=(2,))
    hidden = L.Dense(4, activation="relu")(inputs)
    outputs = L.Dense(1, activation="sigmoid")(
        hidden + tf.reduce_sum(inputs, axis=-1, keepdims=True))
    model = keras.Model(inputs, outputs)  # the demo's model
    model.compile("adam", "binary_crossentropy")
    xs = RNG.normal(size=(16, 2)).astype("float32")
    model.save(tmp_path / "demo.keras")
    theirs = k.models.load_model(tmp_path / "demo.keras")
    np.testing.assert_allclose(theirs.predict(xs, verbose=0), model.predict(xs, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert [op.name for op in theirs.operations] == [la.name for la in model.layers]
    assert theirs.loss == "binary_crossentropy"

"""keras.ops on KerasTensors as Keras 3 op nodes: the functional model lists each op by
Keras 3's class, and its file loads in real Keras 3 with the same predictions."""

from __future__ import annotations

import json
import zipfile

import numpy as np

import ember as tf
from ember import keras
from tests.keras3_oracle import keras3

ops = keras.ops
rng = np.random.default_rng(0)
XA = rng.standard_normal((5, 4)).astype("float32")
XB = rng.standard_normal((5, 4)).astype("float32")


def _model():
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    h = ops.add(ops.multiply(a, 2.0), b)
    h = ops.concatenate([ops.nn.relu(h), ops.get_item(a, (slice(None), slice(None, 2)))],
                        axis=-1)
    h = ops.reshape(keras.layers.Dense(6)(h), (-1, 2, 3))
    h = ops.where(ops.greater(h, 0.0), h, ops.full((2, 3), 0.5))
    out = ops.logsumexp(ops.square(h), axis=1)
    return keras.Model([a, b], out)


def test_ops_on_keras_tensors_are_keras3_op_nodes():
    model = _model()
    kinds = [getattr(layer, "_display_class", type(layer).__name__) for layer in model.layers]
    assert kinds[2:] == ["Multiply", "Add", "Relu", "GetItem", "Concatenate", "Dense",
                         "Reshape", "Greater", "Where", "Square", "Logsumexp"]
    expected = ops.logsumexp  # the same computation eagerly, op by op
    h = np.maximum(XA * 2.0 + XB, 0.0)
    h = np.concatenate([h, XA[:, :2]], -1) @ model.layers[7].kernel.numpy() + \
        model.layers[7].bias.numpy()
    h = h.reshape(-1, 2, 3)
    h = np.where(h > 0, h, 0.5) ** 2
    np.testing.assert_allclose(model.predict([XA, XB], verbose=0),
                               expected(h, axis=1).numpy(), rtol=1e-5, atol=1e-6)


def test_the_saved_model_loads_in_keras3(tmp_path):
    k = keras3()
    model = _model()
    expected = model.predict([XA, XB], verbose=0)
    model.save(tmp_path / "ops.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "ops.keras").read("config.json"))
    sums = [e for e in config["config"]["layers"] if e["class_name"] == "Logsumexp"]
    assert sums[0]["module"] == "keras.src.ops.math" and sums[0]["config"]["axis"] == 1
    theirs = k.models.load_model(tmp_path / "ops.keras")
    np.testing.assert_allclose(theirs.predict([XA, XB], verbose=0), expected, rtol=1e-5,
                               atol=1e-6)
    ours = keras.models.load_model(tmp_path / "ops.keras")
    np.testing.assert_allclose(ours.predict([XA, XB], verbose=0), expected, rtol=1e-5,
                               atol=1e-6)


def test_inside_a_layer_and_on_values_nothing_is_recorded():
    class Scale(keras.layers.Layer):
        def call(self, x):
            return ops.multiply(ops.sum(x, axis=-1, keepdims=True), x)
    x = keras.Input((3,))
    model = keras.Model(x, Scale()(x))
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Scale"]
    v = np.array([[1.0, 2.0, 3.0]], "float32")
    np.testing.assert_allclose(model(v).numpy(), v * 6.0)
    assert isinstance(ops.sum(tf.constant(v)), tf.Tensor)  # eager: a tensor, no layer


def test_a_keras_tensor_in_an_op_config_records_the_primitives():
    """trapezoid's sample points are a config value in Keras 3; a KerasTensor there is
    recorded as ember's primitives (the model still computes, but is ember-only)."""
    y, x = keras.Input((5,)), keras.Input((5,))
    model = keras.Model([y, x], ops.trapezoid(y, x=x))
    yv = rng.standard_normal((2, 5)).astype("float32")
    xv = np.cumsum(rng.random((2, 5)), axis=1).astype("float32")
    np.testing.assert_allclose(model([yv, xv]).numpy(), np.trapezoid(yv, xv, axis=-1),
                               rtol=1e-5)
    assert not any(type(layer).__name__ == "KerasOp" for layer in model.layers)

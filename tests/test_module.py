"""ember.Module (tf.Module): variables and sub-modules found in attributes, in TF's order."""

import numpy as np
import pytest

import ember as tf
from ember import keras


class Dense(tf.Module):
    def __init__(self, n_in, n_out, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.ones([n_in, n_out]), name="w")
        self.b = tf.Variable(tf.zeros([n_out]), name="b")

    def __call__(self, x):
        return tf.matmul(x, self.w) + self.b


class MLP(tf.Module):
    def __init__(self):
        super().__init__()
        self.zeta = Dense(2, 2, name="z")
        self.layers = [Dense(3, 4, name="first"), Dense(4, 1, name="second")]
        self.table = {"k2": tf.Variable(3.0, name="k2"), "k1": tf.Variable(4.0, name="k1")}
        self.scale = tf.Variable(2.0, trainable=False, name="scale")
        self.alias = self.table["k1"]


def test_variables_and_submodules_in_tfs_order():
    m = MLP()
    # the order real TensorFlow 2.21 gives for the same module
    assert [v.name for v in m.variables] == [
        "k1:0", "scale:0", "k2:0", "b:0", "w:0", "b:0", "w:0", "b:0", "w:0"]
    assert [v.name for v in m.trainable_variables] == [
        "k1:0", "k2:0", "b:0", "w:0", "b:0", "w:0", "b:0", "w:0"]
    assert [v.name for v in m.non_trainable_variables] == ["scale:0"]
    assert [s.name for s in m.submodules] == ["first", "second", "z"]
    assert isinstance(m.variables, tuple) and m.name == "mlp"


def test_names_and_scopes():
    class HTTPHandler2(tf.Module):
        @tf.Module.with_name_scope
        def where(self):
            with tf.name_scope("op") as scope:
                return scope

    h = HTTPHandler2()
    assert h.name == "http_handler2" and h.where() == "http_handler2/op/"
    with pytest.raises(ValueError, match="valid Python identifier"):
        tf.Module(name="bad name")
    assert tf.Module(name="box").name == "box"


def test_cycles_and_shared_variables_are_visited_once():
    a, b = tf.Module(name="a"), tf.Module(name="b")
    a.child, b.parent = b, a
    a.v = tf.Variable(1.0)
    b.same = a.v
    b.own = tf.Variable(2.0)
    assert len(a.variables) == 2 and [m.name for m in a.submodules] == ["b"]


def test_training_a_module_with_a_tape_and_a_keras_optimizer():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    model = Dense(3, 1)
    opt = keras.optimizers.SGD(0.1)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x) - y) ** 2)
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                model.trainable_variables))
        return loss

    losses = [float(step(x, y)) for _ in range(100)]
    assert losses[-1] < 1e-3 < losses[0]
    np.testing.assert_allclose(model.w.numpy().ravel(), [1.0, -2.0, 0.5], atol=0.02)


def test_keras_layers_and_models_are_modules():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d1"),
                              keras.layers.Dense(1, name="d2")])
    assert isinstance(model, tf.Module) and isinstance(model.layers[0], tf.Module)
    assert {"d1", "d2"} <= {m.name for m in model.submodules}
    holder = tf.Module(name="holder")
    holder.model = model
    assert len(holder.trainable_variables) == 4  # found through the model's layers

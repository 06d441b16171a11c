"""Basic training loops: a linear model as tf.Module, trained by hand, then as a Keras Model.

Source: https://www.tensorflow.org/guide/basic_training_loops
(tensorflow/docs site/en/guide/basic_training_loops.ipynb)

Changes: imports (`import ember as tf`); the noise `tf.random.normal(shape=[201])` is a
seeded NumPy draw converted with `tf.constant`, so that TF and ember train on the same data
and the printed W, b, loss can be compared; plots dropped; the save path is a temporary
directory, with the `.weights.h5` suffix Keras 3 requires (`"my_checkpoint"` in the guide).
"""

import os
import tempfile

import numpy as np
import pytest

import ember as tf


TRUE_W = 3.0
TRUE_B = 2.0
NUM_EXAMPLES = 201


def data():
    x = tf.linspace(-2, 2, NUM_EXAMPLES)
    x = tf.cast(x, tf.float32)

    def f(x):
        return x * TRUE_W + TRUE_B

    noise = tf.constant(np.random.default_rng(0).normal(size=[NUM_EXAMPLES]).astype("float32"))
    y = f(x) + noise
    return x, y


class MyModel(tf.Module):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.w = tf.Variable(5.0)
        self.b = tf.Variable(0.0)

    def __call__(self, x):
        return self.w * x + self.b


def loss(target_y, predicted_y):
    return tf.reduce_mean(tf.square(target_y - predicted_y))


def train(model, x, y, learning_rate):
    with tf.GradientTape() as t:
        current_loss = loss(y, model(x))
    dw, db = t.gradient(current_loss, [model.w, model.b])
    model.w.assign_sub(learning_rate * dw)
    model.b.assign_sub(learning_rate * db)


def report(model, loss):
    return f"W = {model.w.numpy():1.2f}, b = {model.b.numpy():1.2f}, loss={loss:2.5f}"


def training_loop(model, x, y, lines):
    for epoch in range(10):
        train(model, x, y, learning_rate=0.1)
        current_loss = loss(y, model(x))
        print(f"Epoch {epoch:2d}:")
        print("    ", report(model, current_loss))
        lines.append(report(model, current_loss))


def program_module():
    x, y = data()
    model = MyModel()
    print("Variables:", model.variables)
    n_vars = len(model.variables)
    assert model(3.0).numpy() == 15.0
    lines = [report(model, loss(y, model(x)))]
    training_loop(model, x, y, lines)
    return dict(n_vars=n_vars, lines=lines)


def program_keras():
    x, y = data()

    class MyModelKeras(tf.keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.w = tf.Variable(5.0)
            self.b = tf.Variable(0.0)

        def call(self, x):
            return self.w * x + self.b

    keras_model = MyModelKeras()
    lines = []
    training_loop(keras_model, x, y, lines)
    with tempfile.TemporaryDirectory() as d:
        keras_model.save_weights(os.path.join(d, "my_checkpoint.weights.h5"))

    keras_model = MyModelKeras()
    keras_model.compile(
        run_eagerly=False,
        optimizer=tf.keras.optimizers.SGD(learning_rate=0.1),
        loss=tf.keras.losses.mean_squared_error,
    )
    print(x.shape[0])
    history = keras_model.fit(x, y, epochs=10, batch_size=1000, verbose=0)
    return dict(lines=lines, fit_losses=[round(v, 5) for v in history.history["loss"]],
                w=round(float(keras_model.w.numpy()), 4))


# TF 2.21 on the same data (noise from NumPy's default_rng(0)); deterministic
TF_LINES = ['W = 5.00, b = 0.00, loss=10.64626', 'W = 4.45, b = 0.40, loss=6.54106',
            'W = 4.04, b = 0.72, loss=4.19476', 'W = 3.75, b = 0.98, loss=2.84315',
            'W = 3.53, b = 1.19, loss=2.05823', 'W = 3.37, b = 1.35, loss=1.59864',
            'W = 3.26, b = 1.48, loss=1.32733', 'W = 3.17, b = 1.59, loss=1.16588',
            'W = 3.11, b = 1.67, loss=1.06906', 'W = 3.07, b = 1.74, loss=1.01057',
            'W = 3.04, b = 1.80, loss=0.97499']


def same_lines(got, want):
    """W and b exactly as printed; the loss to 1e-5 (float32 summation order)."""
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.split("loss=")[0] == w.split("loss=")[0]
        assert float(g.split("loss=")[1]) == pytest.approx(float(w.split("loss=")[1]), abs=2e-5)


def test_module_loop():
    r = program_module()
    assert r["n_vars"] == 2
    same_lines(r["lines"], TF_LINES)


def test_keras_model():
    # TF 2.21 stops at `tf.keras.losses.mean_squared_error` (Keras 3 has no such alias);
    # the hand loop gives the same numbers, and full-batch SGD(0.1) in fit the same losses.
    r = program_keras()
    same_lines(r["lines"], TF_LINES[1:])
    want = [float(w.split("loss=")[1]) for w in TF_LINES[:-1]]
    assert r["fit_losses"] == pytest.approx(want, abs=2e-5)

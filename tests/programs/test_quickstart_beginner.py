"""TensorFlow 2 quickstart for beginners.

Source: https://www.tensorflow.org/tutorials/quickstart/beginner
(tensorflow/docs site/en/tutorials/quickstart/beginner.ipynb)

Changes: imports (`import ember as tf`); MNIST is 600 + 200 synthetic 28x28 uint8 images
(tests/programs/_data.py) passed in instead of `mnist.load_data()` (Keras and ember
check mnist.npz's hash, so a stand-in file in the cache would be downloaded over; the
loader itself is exercised on Fashion-MNIST in test_basic_classification.py);
epochs 5 -> 3; `verbose=0` on fit; notebook cell displays become returns.
"""

import numpy as np
import pytest

import ember as tf
from tests.programs import _data


def program(data=None):
    print("TensorFlow version:", tf.__version__)
    (x_train, y_train), (x_test, y_test) = data or _data.mnist()
    x_train, x_test = x_train / 255.0, x_test / 255.0
    model = tf.keras.models.Sequential([
        tf.keras.layers.Flatten(input_shape=(28, 28)),
        tf.keras.layers.Dense(128, activation='relu'),
        tf.keras.layers.Dropout(0.2),
        tf.keras.layers.Dense(10)
    ])
    predictions = model(x_train[:1]).numpy()
    probs = tf.nn.softmax(predictions).numpy()
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    initial_loss = loss_fn(y_train[:1], predictions).numpy()
    model.compile(optimizer='adam',
                  loss=loss_fn,
                  metrics=['accuracy'])
    model.fit(x_train, y_train, epochs=3, verbose=0)
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=2)
    probability_model = tf.keras.Sequential([
        model,
        tf.keras.layers.Softmax()
    ])
    out = probability_model(x_test[:5])
    return dict(pred_shape=predictions.shape, probs_sum=float(probs.sum()),
                initial_loss=float(initial_loss), test_acc=test_acc,
                out_shape=tuple(out.shape), out_rows=np.asarray(out).sum(axis=1).round(5).tolist())


def test_program():
    r = program()
    assert r["pred_shape"] == (1, 10)
    assert r["probs_sum"] == pytest.approx(1.0, abs=1e-5)
    # An untrained 10-way classifier: loss near -log(1/10) = 2.3 (TF: 1.6 .. 3.3).
    assert 1.0 < r["initial_loss"] < 4.5
    assert r["test_acc"] > 0.9          # TF 2.21 on the same data: 1.0
    assert r["out_shape"] == (5, 10)
    assert r["out_rows"] == [1.0] * 5

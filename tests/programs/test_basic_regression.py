"""Basic regression: predict fuel efficiency (Auto MPG).

Source: https://www.tensorflow.org/tutorials/keras/regression
(tensorflow/docs site/en/tutorials/keras/regression.ipynb)

Changes: imports (`import ember as tf`, `from ember import keras`); pandas / seaborn are
not used: the cleaned Auto MPG table (dropna, one-hot Origin) is 120 synthetic rows of the
same 9 feature columns + MPG as NumPy arrays (`_data.auto_mpg`), a DataFrame column
`train_features['Horsepower']` becomes the 1-D array `train_features[:, 2]` and the 80/20
`sample(frac=0.8, random_state=0)` split a fixed permutation; plots and
`%%time` dropped; `summary()` output not compared.
"""

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras import layers
from tests.programs import _data


def split():
    features, mpg, names = _data.auto_mpg()
    idx = np.random.default_rng(0).permutation(len(mpg))
    tr, te = idx[:96], idx[96:]
    return features[tr], features[te], mpg[tr], mpg[te]


def program_linear():
    """The normalizer, the one-variable and multi-variable linear models, the DNN, save/load."""
    train_features, test_features, train_labels, test_labels = split()
    normalizer = tf.keras.layers.Normalization(axis=-1)
    normalizer.adapt(np.array(train_features))
    mean = normalizer.mean.numpy()
    first = np.array(train_features[:1])
    normalized = normalizer(first).numpy()

    test_results = {}
    linear_model = tf.keras.Sequential([
        normalizer,
        layers.Dense(units=1)
    ])
    p10 = linear_model.predict(train_features[:10], verbose=0)
    kernel_shape = tuple(linear_model.layers[1].kernel.shape)
    linear_model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate=0.1),
        loss='mean_absolute_error')
    history = linear_model.fit(
        train_features,
        train_labels,
        epochs=100,
        verbose=0,
        validation_split=0.2)
    test_results['linear_model'] = linear_model.evaluate(
        test_features, test_labels, verbose=0)

    return dict(mean=mean, normalized=normalized, p10_shape=p10.shape,
                kernel_shape=kernel_shape, history_keys=sorted(history.history),
                epochs=len(history.epoch), results=test_results)


def program_dnn():
    """The DNN on all features, reusing an adapted normalizer in a new Sequential."""
    train_features, test_features, train_labels, test_labels = split()
    normalizer = tf.keras.layers.Normalization(axis=-1)
    normalizer.adapt(np.array(train_features))
    test_results = {}

    def build_and_compile_model(norm):
        model = keras.Sequential([
            norm,
            layers.Dense(64, activation='relu'),
            layers.Dense(64, activation='relu'),
            layers.Dense(1)
        ])
        model.compile(loss='mean_absolute_error',
                      optimizer=tf.keras.optimizers.Adam(0.001))
        return model

    dnn_model = build_and_compile_model(normalizer)
    history = dnn_model.fit(
        train_features,
        train_labels,
        validation_split=0.2,
        verbose=0, epochs=100)
    test_results['dnn_model'] = dnn_model.evaluate(test_features, test_labels, verbose=0)
    test_predictions = dnn_model.predict(test_features, verbose=0).flatten()
    return dict(results=test_results, test_predictions_shape=test_predictions.shape)


def program_horsepower(tmp="/tmp"):
    """The one-feature models: 1-D arrays in and out (`input_shape=[1,]`, `axis=None`)."""
    import os
    train_features, test_features, train_labels, test_labels = split()
    horsepower = np.array(train_features[:, 2])
    horsepower_normalizer = layers.Normalization(input_shape=[1,], axis=None)
    horsepower_normalizer.adapt(horsepower)
    horsepower_model = tf.keras.Sequential([
        horsepower_normalizer,
        layers.Dense(units=1)
    ])
    p = horsepower_model.predict(horsepower[:10], verbose=0)
    horsepower_model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate=0.1),
        loss='mean_absolute_error')
    history = horsepower_model.fit(
        train_features[:, 2],
        train_labels,
        epochs=100,
        verbose=0,
        validation_split=0.2)
    mae = horsepower_model.evaluate(test_features[:, 2], test_labels, verbose=0)
    x = tf.linspace(0.0, 250, 251)
    y = horsepower_model.predict(x, verbose=0)
    path = os.path.join(tmp, 'dnn_model.keras')
    horsepower_model.save(path)
    reloaded = tf.keras.models.load_model(path)
    return dict(p_shape=p.shape, y_shape=y.shape, mae=mae,
                reloaded=reloaded.evaluate(test_features[:, 2], test_labels, verbose=0))


def test_linear():
    r = program_linear()
    train_features = split()[0]
    np.testing.assert_allclose(r["mean"], train_features.mean(0, keepdims=True), rtol=1e-5)
    assert r["normalized"].shape == (1, 9)
    assert r["p10_shape"] == (10, 1) and r["kernel_shape"] == (9, 1)
    assert r["history_keys"] == ["loss", "val_loss"] and r["epochs"] == 100
    assert r["results"]["linear_model"] < 2.0  # MAE [MPG]; TF 2.21: 1.14 .. 1.26


def test_dnn():
    r = program_dnn()
    assert r["results"]["dnn_model"] < 3.5  # TF 2.21: 2.2 .. 2.4
    assert r["test_predictions_shape"] == (24,)


def test_horsepower_1d(tmp_path):
    r = program_horsepower(str(tmp_path))
    assert r["p_shape"] == (10, 1) and r["y_shape"] == (251, 1)
    assert r["mae"] < 3.5  # TF 2.21: 2.35
    assert r["reloaded"] == pytest.approx(r["mae"], rel=1e-6)

"""model.fit / evaluate / predict on ember.data Datasets equal the same on arrays."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras

D = tf.data.Dataset
RNG = np.random.default_rng(0)
X = RNG.normal(size=(90, 4)).astype(np.float32)
Y = (X @ np.array([[1.0], [-2.0], [0.5], [0.0]], np.float32) + 0.1).astype(np.float32)
SW = RNG.uniform(0.5, 1.5, size=90).astype(np.float32)


def make_model():
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="tanh",
                                                                kernel_initializer="ones"),
                          keras.layers.Dense(1, kernel_initializer="ones")])
    m.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=["mae"])
    return m


def assert_history_close(h1, h2):
    assert h1.history.keys() == h2.history.keys()
    for k in h1.history:
        np.testing.assert_allclose(h1.history[k], h2.history[k], rtol=1e-5, atol=1e-6)


def test_fit_evaluate_predict_on_a_dataset_equal_arrays():
    m1, m2 = make_model(), make_model()
    h1 = m1.fit(X, Y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                validation_data=(X[:30], Y[:30]))
    ds = D.from_tensor_slices((X, Y)).batch(16).prefetch(tf.data.AUTOTUNE)
    val = D.from_tensor_slices((X[:30], Y[:30])).batch(16)
    h2 = m2.fit(ds, epochs=3, verbose=0, validation_data=val)
    assert_history_close(h1, h2)
    for w1, w2 in zip(m1.get_weights(), m2.get_weights()):
        np.testing.assert_allclose(w1, w2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m1.evaluate(X, Y, batch_size=16, verbose=0),
                               m2.evaluate(ds, verbose=0), rtol=1e-5)
    p1 = m1.predict(X, batch_size=16, verbose=0)
    np.testing.assert_allclose(m2.predict(ds, verbose=0), p1, rtol=1e-5, atol=1e-6)
    x_only = D.from_tensor_slices(X).batch(16)
    np.testing.assert_allclose(m2.predict(x_only, verbose=0), p1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m2.predict(ds.map(lambda x, y: x), verbose=0), p1, rtol=1e-5,
                               atol=1e-6)


def test_sample_weights_and_mapped_pipeline():
    m1, m2 = make_model(), make_model()
    h1 = m1.fit(X, Y, sample_weight=SW, batch_size=32, epochs=2, shuffle=False, verbose=0)
    ds = D.from_tensor_slices((X * 2.0, Y, SW)).map(lambda x, y, w: (x / 2.0, y, w)).batch(32)
    h2 = m2.fit(ds, epochs=2, verbose=0)
    assert_history_close(h1, h2)
    np.testing.assert_allclose(m1.evaluate(X, Y, sample_weight=SW, batch_size=32, verbose=0),
                               m2.evaluate(ds, verbose=0), rtol=1e-5)


def test_infinite_dataset_with_steps_per_epoch():
    batches = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: batches.append(b))
    ds = D.from_tensor_slices((X, Y)).shuffle(90, seed=1).batch(16).repeat()
    assert int(ds.cardinality()) == tf.data.INFINITE_CARDINALITY
    m = make_model()
    h = m.fit(ds, epochs=3, steps_per_epoch=4, verbose=0, callbacks=[cb],
              validation_data=D.from_tensor_slices((X, Y)).batch(45).repeat(),
              validation_steps=2)
    assert batches == [0, 1, 2, 3] * 3
    assert len(h.history["loss"]) == 3 and np.all(np.isfinite(h.history["val_loss"]))
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert m.predict(D.from_tensor_slices(X).batch(10).repeat(), steps=2,
                     verbose=0).shape == (20, 1)


def test_shuffled_training_converges_and_dict_inputs():
    a = keras.Input((3,), name="a")
    b = keras.Input((1,), name="b")
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([a, b]))
    m = keras.Model({"a": a, "b": b}, out)
    m.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    ds = D.from_tensor_slices(({"a": X[:, :3], "b": X[:, 3:]}, Y)).shuffle(90, seed=2).batch(15)
    h = m.fit(ds, epochs=8, verbose=0)
    assert h.history["loss"][-1] < 0.2 * h.history["loss"][0]
    plain = D.from_tensor_slices({"a": X[:, :3], "b": X[:, 3:]}).batch(15)
    expected = m.predict({"a": X[:, :3], "b": X[:, 3:]}, batch_size=15, verbose=0)
    np.testing.assert_allclose(m.predict(plain, verbose=0), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("bs", [1, 7])
def test_batch_sizes_through_fit(bs):
    m1, m2 = make_model(), make_model()
    h1 = m1.fit(X[:20], Y[:20], batch_size=bs, epochs=1, shuffle=False, verbose=0)
    h2 = m2.fit(D.from_tensor_slices((X[:20], Y[:20])).batch(bs), epochs=1, verbose=0)
    assert_history_close(h1, h2)


def _recording_dataset(n, seen):
    def gen():
        for i in range(n):
            seen.append(i)
            yield np.full((2, 4), i, np.float32), np.zeros((2, 1), np.float32)
    return D.from_generator(gen, output_signature=(tf.TensorSpec([None, 4], tf.float32),
                                                   tf.TensorSpec([None, 1], tf.float32)))


def test_fewer_steps_than_batches_go_on_where_the_last_epoch_stopped():
    seen = []
    make_model().fit(_recording_dataset(10, seen), epochs=3, steps_per_epoch=3, verbose=0)
    assert seen == list(range(9))  # as tf.keras: one iterator across the epochs
    seen.clear()
    make_model().fit(_recording_dataset(4, seen), epochs=2, verbose=0)
    assert seen == [0, 1, 2, 3] * 2  # whole epochs: a new pass each time


def test_an_infinite_dataset_needs_steps_and_changes_nothing_without():
    model = make_model()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="infinite.*steps_per_epoch"):
        model.fit(D.from_tensor_slices((X, Y)).batch(10).repeat(), epochs=1, verbose=0)
    for b, w in zip(before, model.get_weights()):
        np.testing.assert_array_equal(b, w)
    hist = model.fit(D.from_tensor_slices((X, Y)).batch(10).repeat(), epochs=2,
                     steps_per_epoch=4, verbose=0)
    assert len(hist.history["loss"]) == 2


def test_the_progress_bar_knows_a_finite_datasets_length(capsys):
    make_model().fit(D.from_tensor_slices((X, Y)).batch(10), epochs=1, verbose=1)
    assert "9/9" in capsys.readouterr().out  # Keras 3 bar: "9/9 ━━━━ ..."

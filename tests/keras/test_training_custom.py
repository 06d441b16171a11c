"""fit/evaluate with added losses, custom train/test steps, callbacks and progress output.

Oracles: NumPy formulas on the model's weights and `predict` outputs; weights recorded by a
LambdaCallback at each epoch's end for the callbacks that keep or restore the best epoch.
"""

from __future__ import annotations

import csv
import re
import warnings

import numpy as np
import pytest

import ember as tf
from ember import keras

RNG = np.random.default_rng(1)
X = RNG.normal(size=(32, 3)).astype(np.float32)
W_TRUE = np.array([[1.0], [2.0], [-1.0]], np.float32)
Y = X @ W_TRUE


def dense_model(seed=1, **kw):
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(
        1, kernel_initializer=keras.initializers.GlorotUniform(seed), **kw)])


# -- add_loss and regularizers ----------------------------------------------------------------

class ActivityPenalty(keras.layers.Layer):
    """Adds 0.5 * sum(inputs^2) / batch to the loss in call."""

    def call(self, inputs):
        batch = tf.cast(tf.shape(inputs)[0], tf.float32)
        self.add_loss(0.5 * tf.reduce_sum(tf.square(inputs)) / batch)
        return inputs


def test_add_loss_in_call_model_level_callable_and_kernel_regularizer_count():
    inp = keras.Input((3,))
    hidden = ActivityPenalty()(inp)
    dense = keras.layers.Dense(1, kernel_regularizer=keras.regularizers.l2(0.1),
                               kernel_initializer=keras.initializers.GlorotUniform(3))
    model = keras.Model(inp, dense(hidden))
    model.add_loss(lambda: 0.25 * tf.reduce_sum(tf.abs(dense.kernel)))
    model.compile(keras.optimizers.SGD(0.0), "mse")
    k, _ = model.get_weights()
    err2 = (model.predict(X, verbose=0) - Y) ** 2
    extra = 0.1 * np.sum(k ** 2) + 0.25 * np.sum(np.abs(k))
    # The call's loss is per batch: with one batch it is 0.5 * mean over samples.
    want = err2.mean() + 0.5 * np.sum(X ** 2) / 32 + extra
    assert model.evaluate(X, Y, batch_size=32, verbose=0) == pytest.approx(want, rel=1e-5)
    h = model.fit(X, Y, batch_size=32, verbose=0)
    assert h.history["loss"][0] == pytest.approx(want, rel=1e-5)
    # Batches of 8: the loss tracker averages per-batch totals weighted by batch size.
    per_batch = [err2[i:i + 8].mean() + 0.5 * np.sum(X[i:i + 8] ** 2) / 8 + extra
                 for i in range(0, 32, 8)]
    h = model.fit(X, Y, batch_size=8, shuffle=False, verbose=0)
    assert h.history["loss"][0] == pytest.approx(np.mean(per_batch), rel=1e-5)


def test_regularizer_gradient_enters_the_update():
    model = dense_model(kernel_regularizer=keras.regularizers.l2(0.5))
    model.compile(keras.optimizers.SGD(0.1), "mse")
    k, b = model.get_weights()
    model.train_on_batch(X, Y)
    err = X @ k + b - Y
    grad_k = X.T @ (2 * err / 32) + 2 * 0.5 * k
    np.testing.assert_allclose(model.get_weights()[0], k - 0.1 * grad_k, rtol=1e-5, atol=1e-6)


def test_loss_none_trains_on_added_losses_only():
    inp = keras.Input((3,))
    dense = keras.layers.Dense(1, kernel_initializer="ones", use_bias=False)
    model = keras.Model(inp, dense(inp))
    model.add_loss(lambda: tf.reduce_sum(tf.square(dense.kernel)))
    model.compile(keras.optimizers.SGD(0.1), loss=None)
    h = model.fit(X, epochs=3, batch_size=32, verbose=0)
    # Each step logs the loss before its update; the update scales the kernel by 0.8.
    assert h.history["loss"] == pytest.approx([3.0, 3.0 * 0.8 ** 2, 3.0 * 0.8 ** 4], rel=1e-5)
    np.testing.assert_allclose(dense.kernel.numpy(), np.full((3, 1), 0.8 ** 3), rtol=1e-5)


# -- custom train_step / test_step ------------------------------------------------------------

class CompiledLossModel(keras.Model):
    """The tf.keras 2 guide's train_step: compiled_loss and compiled_metrics."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(4))
        self.steps_seen = 0

    def call(self, x, training=None):
        return self.dense(x)

    def train_step(self, data):
        x, y = data  # (x, y) batches arrive as a 2-tuple, as in Keras
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


class ComputeLossModel(CompiledLossModel):
    """The newer guide's train_step: compute_loss with sample weights; own test_step."""

    def train_step(self, data):
        x, y, sw = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sw)
        self.optimizer.minimize(loss, self.trainable_variables, tape=tape)
        return self.compute_metrics(x, y, y_pred, sw)

    def test_step(self, data):
        x, y, sw = keras.utils.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        self.compute_loss(x, y, y_pred, sw)
        return self.compute_metrics(x, y, y_pred, sw)


@pytest.mark.parametrize("cls", [CompiledLossModel, ComputeLossModel])
def test_overridden_train_step_is_used_by_fit_and_matches_the_default(cls):
    model = cls()
    model.compile(keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
    reference = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model(X[:1])
    reference.set_weights(model.get_weights())
    reference.compile(keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
    h = model.fit(X, Y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    ref = reference.fit(X, Y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    for k in ("loss", "mae"):
        np.testing.assert_allclose(h.history[k], ref.history[k], rtol=1e-5)
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert model.evaluate(X, Y, verbose=0) == pytest.approx(
        reference.evaluate(X, Y, verbose=0), rel=1e-5)


def test_custom_metrics_property_and_loss_tracker_pattern():
    class Tracked(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1, kernel_initializer="zeros")
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")

        def call(self, x, training=None):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = tf.reduce_mean(tf.square(y - y_pred))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            self.loss_tracker.update_state(tf.reduce_mean(tf.square(y - y_pred)))
            self.mae_metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]  # reset at each epoch by fit

    model = Tracked()
    model.compile(optimizer=keras.optimizers.SGD(0.0))  # no loss: train_step has its own
    h = model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    want_loss = np.mean([np.mean(Y[i:i + 8] ** 2) for i in range(0, 32, 8)])
    assert h.history["loss"] == pytest.approx([want_loss] * 2, rel=1e-5)  # reset per epoch
    assert h.history["mae"] == pytest.approx([np.mean(np.abs(Y))] * 2, rel=1e-5)
    assert model.metrics_names == ["loss", "mae"]
    logs = model.evaluate(X, Y, batch_size=32, verbose=0, return_dict=True)
    assert logs == pytest.approx({"loss": np.mean(Y ** 2), "mae": np.mean(np.abs(Y))},
                                 rel=1e-5)
    model.compile(optimizer=keras.optimizers.SGD(0.05))
    h = model.fit(X, Y, epochs=5, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]


# -- callbacks through fit --------------------------------------------------------------------

def overfitting_setup(seed=2):
    """A model whose validation loss falls and then rises: the validation targets lie
    part of the way from the initial weights to the training targets."""
    model = dense_model(seed)
    k0, b0 = model.get_weights()
    xv = RNG.normal(size=(16, 3)).astype(np.float32)
    yv = xv @ (k0 + 0.4 * (W_TRUE - k0)) + b0
    model.compile(keras.optimizers.SGD(0.1), "mse")
    saved = {}
    record = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: saved.update(
        {epoch: (logs["val_loss"], model.get_weights())}))
    return model, (xv, yv), saved, record


def test_early_stopping_restores_the_best_weights():
    model, val, saved, record = overfitting_setup()
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2,
                                         restore_best_weights=True)
    h = model.fit(X, Y, epochs=40, validation_data=val, verbose=0, callbacks=[record, stop])
    best = min(saved, key=lambda e: saved[e][0])
    assert 0 < best < len(h.epoch) - 1 < 39  # it fell, rose, and stopped early
    assert h.epoch[-1] == best + 2
    for got, want in zip(model.get_weights(), saved[best][1]):
        np.testing.assert_array_equal(got, want)
    assert model.evaluate(*val, verbose=0) == pytest.approx(saved[best][0], rel=1e-5)


def test_model_checkpoint_save_best_only_writes_the_best_epoch(tmp_path):
    model, val, saved, record = overfitting_setup()
    path = str(tmp_path / "best.weights.h5")
    ckpt = keras.callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True,
                                           save_weights_only=True)
    model.fit(X, Y, epochs=10, validation_data=val, verbose=0, callbacks=[record, ckpt])
    best = min(saved, key=lambda e: saved[e][0])
    assert 0 < best < 9
    model.load_weights(path)
    for got, want in zip(model.get_weights(), saved[best][1]):
        np.testing.assert_array_equal(got, want)


def test_reduce_lr_on_plateau_lowers_the_optimizer_rate():
    model, val, _, _ = overfitting_setup()
    reduce = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1,
                                               min_lr=0.01)
    h = model.fit(X, Y, epochs=12, validation_data=val, verbose=0, callbacks=[reduce])
    lr = float(np.asarray(model.optimizer.learning_rate))
    assert 0.0099 < lr < 0.09
    assert h.history["learning_rate"][0] == pytest.approx(0.1) and h.history["learning_rate"][-1] < 0.1


def test_csv_logger_writes_the_history(tmp_path):
    model = dense_model()
    model.compile(keras.optimizers.SGD(0.05), "mse", metrics=["mae"])
    path = tmp_path / "log.csv"
    h = model.fit(X, Y, epochs=3, validation_split=0.25, verbose=0,
                  callbacks=[keras.callbacks.CSVLogger(str(path))])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    for key in ("loss", "mae", "val_loss", "val_mae"):
        np.testing.assert_allclose([float(r[key]) for r in rows], h.history[key], rtol=1e-6)


def test_terminate_on_nan_stops_at_the_bad_batch_of_a_generator(capsys):
    model = dense_model()
    model.compile("sgd", "mse")

    def batches():
        for i in range(6):
            yield (X[:4] * np.nan if i == 2 else X[:4]), Y[:4]

    with pytest.warns(UserWarning, match=r"loss became nan at epoch 1, batch 3 \(batch index "
                                         r"2\), and is nan at the end of the epoch"):
        h = model.fit(batches(), epochs=3, verbose=0,
                      callbacks=[keras.callbacks.TerminateOnNaN()])
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out
    assert int(model.optimizer.iterations.numpy()) == 3
    assert len(h.history["loss"]) == 1 and np.isnan(h.history["loss"][0])


def test_a_nan_loss_warns_once_with_what_was_seen_and_what_to_check():
    model = dense_model()
    model.compile(keras.optimizers.SGD(1e20), "mse")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        model.fit(X * 1e6, Y, epochs=3, verbose=0)
    msgs = [str(w.message) for w in seen if w.category is UserWarning]
    assert len(msgs) == 1, msgs  # once per fit, for the epoch where it happened
    # what it observed: the epoch and batch, and the weights that are no longer finite
    assert re.search(r"loss became (nan|inf) at epoch \d, batch \d+ \(batch index \d+\)",
                     msgs[0])
    assert re.search(r"\d+ of \d+ weights now hold NaN or inf", msgs[0])
    # what to check, without claiming a cause it did not check
    assert "learning rate" in msgs[0] and "labels" in msgs[0] and "TerminateOnNaN" in msgs[0]
    assert "cause" not in msgs[0].lower()


def test_stop_training_from_a_callback_at_epoch_and_batch_end():
    model = dense_model()
    model.compile("sgd", "mse")

    class AtEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    assert model.fit(X, Y, epochs=5, verbose=0, callbacks=[AtEpoch()]).epoch == [0, 1]

    class AtBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    before = int(model.optimizer.iterations.numpy())
    h = model.fit(X, Y, epochs=5, batch_size=4, verbose=0, callbacks=[AtBatch()])
    assert h.epoch == [0] and int(model.optimizer.iterations.numpy()) - before == 2


def test_callbacks_see_keras_hooks_and_logs_in_order():
    model = dense_model()
    model.compile("sgd", "mse", metrics=["mae"])
    events = []

    class Spy(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            events.append(("train_begin", self.params))

        def on_epoch_end(self, epoch, logs=None):
            events.append(("epoch_end", epoch, sorted(logs)))

        def on_train_batch_end(self, batch, logs=None):
            events.append(("batch_end", batch, sorted(logs)))

        def on_test_end(self, logs=None):
            events.append(("test_end", sorted(logs)))

    model.fit(X, Y, epochs=1, batch_size=16, validation_data=(X, Y), verbose=0,
              callbacks=[Spy()])
    assert events == [
        ("train_begin", {"verbose": 0, "epochs": 1, "steps": 2}),
        ("batch_end", 0, ["loss", "mae"]), ("batch_end", 1, ["loss", "mae"]),
        ("test_end", ["loss", "mae"]),
        ("epoch_end", 0, ["loss", "mae", "val_loss", "val_mae"])]


# -- progress output --------------------------------------------------------------------------

def test_progress_output_for_verbose_1_2_and_0(capsys):
    model = dense_model()
    model.compile("sgd", "mse", metrics=["mae"])
    model.fit(X, Y, epochs=3, batch_size=8, verbose=1, validation_data=(X, Y))
    out = capsys.readouterr().out
    assert out.startswith("Epoch 1/3\n")
    assert [line for line in out.split("\n") if line.startswith("Epoch")] == [
        "Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    out = re.sub(r"\x1b\[\d+m", "", out)  # Keras 3's bar: bold count, coloured bar
    finals = re.findall(r"4/4 ━{20} \d+s \d+(?:us|ms|s)/step - loss: \d+\.\d{4} - "
                        r"mae: \d+\.\d{4} - val_loss: \d+\.\d{4} - val_mae: \d+\.\d{4}\n", out)
    assert len(finals) == 3
    model.fit(X, Y, epochs=2, batch_size=8, verbose=2)
    lines = capsys.readouterr().out.strip().split("\n")
    assert len(lines) == 4 and lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert re.fullmatch(r"4/4 - .*loss: \d+\.\d{4} - mae: \d+\.\d{4}.*", lines[1])
    assert "\r" not in lines[1] and "[" not in lines[1]
    model.fit(X, Y, epochs=2, verbose=0)
    model.evaluate(X, Y, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(X, Y, epochs=1, verbose="auto")  # 'auto' is 1; one epoch prints no header
    out = capsys.readouterr().out
    out = re.sub(r"\x1b\[\d+m", "", out)
    assert not out.startswith("Epoch") and re.search(r"1/1 ━{20} .*loss: ", out)
    model.evaluate(X, Y, batch_size=16)
    assert re.search(r"2/2 ━{20} .*/step - loss: \d+\.\d{4} - mae: \d+\.\d{4}\n$",
                     re.sub(r"\x1b\[\d+m", "", capsys.readouterr().out))

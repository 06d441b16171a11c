"""keras.callbacks driven standalone: a real small model, a stand-in optimizer, scripted logs."""

from __future__ import annotations

import math
import os
import re
import warnings

import numpy as np
import pytest

import ember as tf
import ember.keras.callbacks as callbacks
from ember import keras
from ember.keras.saving import load_weights


class Opt:
    """A stand-in optimizer: only `learning_rate`."""

    def __init__(self, lr=0.1):
        self.learning_rate = lr


def make_model(lr=None):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    if lr is not None:
        model.optimizer = Opt(lr)
    return model


def weights_of(epoch):
    """Distinct weights per epoch for a Dense(3 -> 2): every entry equals `epoch`."""
    return [np.full((3, 2), epoch, np.float32), np.full((2,), epoch, np.float32)]


def assert_weights(model, values):
    for got, want in zip(model.get_weights(), values):
        np.testing.assert_array_equal(got, want)


def run_fit(model, cbs, epoch_logs, steps=1, batch_logs=None, set_weights=False):
    """fit's callback contract with scripted logs: returns the epochs that ran."""
    cbl = callbacks.CallbackList(cbs, add_history=True, model=model, verbose=0,
                                 epochs=len(epoch_logs), steps=steps)
    model.stop_training = False
    cbl.on_train_begin()
    ran = []
    for epoch, logs in enumerate(epoch_logs):
        cbl.on_epoch_begin(epoch)
        if set_weights:
            model.set_weights(weights_of(epoch))
        for b in range(steps):
            cbl.on_train_batch_begin(b)
            cbl.on_train_batch_end(b, (batch_logs or {}).get((epoch, b), {"loss": 1.0}))
        cbl.on_epoch_end(epoch, dict(logs))
        ran.append(epoch)
        if model.stop_training:
            break
    cbl.on_train_end()
    return ran


# -- Callback / CallbackList -------------------------------------------------------------

def test_callback_defaults_and_legacy_batch_aliases():
    cb = callbacks.Callback()
    assert cb.model is None and cb.params == {}
    for name in callbacks.base.HOOKS:
        args = () if name.endswith(("train_begin", "train_end", "test_begin", "test_end",
                                    "predict_begin", "predict_end")) else (0,)
        assert getattr(cb, name)(*args) is None
    assert not (cb._implements_train_batch_hooks() or cb._implements_test_batch_hooks()
                or cb._implements_predict_batch_hooks())

    class Legacy(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.calls = []

        def on_batch_begin(self, batch, logs=None):
            self.calls.append(("begin", batch, logs))

        def on_batch_end(self, batch, logs=None):
            self.calls.append(("end", batch, logs))

    cb = Legacy()
    assert cb._implements_train_batch_hooks() and not cb._implements_test_batch_hooks()
    cb.on_train_batch_begin(2, {"a": 1})
    cb.on_train_batch_end(2, {"b": 2})
    cb.on_test_batch_end(2, {"c": 3})  # not aliased
    assert cb.calls == [("begin", 2, {"a": 1}), ("end", 2, {"b": 2})]


class Recorder(callbacks.Callback):
    def __init__(self, tag, log):
        super().__init__()
        self.tag, self.log = tag, log

    def on_epoch_end(self, epoch, logs=None):
        self.log.append((self.tag, epoch, dict(logs)))
        logs[self.tag] = epoch  # later callbacks see what earlier ones add

    def on_test_batch_end(self, batch, logs=None):
        self.log.append((self.tag, "test", batch, logs))


def test_callback_list_order_shared_logs_and_params():
    log = []
    model = make_model()
    a, b = Recorder("a", log), Recorder("b", log)
    cbl = callbacks.CallbackList([a, [b]], add_history=True, add_progbar=True, model=model,
                                 verbose=0, epochs=2, steps=3)
    assert [type(c).__name__ for c in cbl] == ["Recorder", "Recorder", "History",
                                               "ProgbarLogger"]
    assert a.model is model and b.params == {"verbose": 0, "epochs": 2, "steps": 3}
    assert model.history is cbl.callbacks[2]
    cbl.on_epoch_end(0, {"loss": tf.constant(0.5), "acc": np.float32(0.25)})
    assert log == [("a", 0, {"loss": 0.5, "acc": 0.25}),
                   ("b", 0, {"loss": 0.5, "acc": 0.25, "a": 0})]
    assert type(log[0][2]["loss"]) is float
    assert model.history.history == {"loss": [0.5], "acc": [0.25], "a": [0], "b": [0]}
    # existing History / ProgbarLogger are not duplicated
    h, p = callbacks.History(), callbacks.ProgbarLogger()
    cbl = callbacks.CallbackList([h, p], add_history=True, add_progbar=True)
    assert cbl.callbacks == [h, p]


def test_callback_list_skips_batch_hooks_nobody_uses():
    log = []
    cbl = callbacks.CallbackList([callbacks.History(), callbacks.EarlyStopping()])
    assert not (cbl.needs_train_batch_logs or cbl.needs_test_batch_logs
                or cbl.needs_predict_batch_logs)
    cbl.append(Recorder("r", log))
    assert cbl.needs_test_batch_logs and not cbl.needs_train_batch_logs
    cbl.on_test_batch_end(4, {"loss": 1.0})
    assert log == [("r", "test", 4, {"loss": 1.0})]

    class Quiet(callbacks.Callback):  # overrides a hook but says it needs no batch logs
        def on_train_batch_end(self, batch, logs=None):
            log.append("called")

        def _implements_train_batch_hooks(self):
            return False

    cbl = callbacks.CallbackList([Quiet()])
    cbl.on_train_batch_end(0, {"loss": 1.0})
    cbl.on_batch_end(0, {"loss": 1.0})
    assert log[-1] != "called"
    # ProgbarLogger needs batch logs at verbose=1 only; ModelCheckpoint when saving by batch
    for verbose, needed in [(1, True), (2, False), (0, False)]:
        cbl = callbacks.CallbackList([], add_progbar=True, verbose=verbose, epochs=1, steps=2)
        assert cbl.needs_train_batch_logs is needed and cbl.needs_test_batch_logs is needed
    cbl = callbacks.CallbackList([callbacks.ModelCheckpoint("w", save_freq=3)])
    assert cbl.needs_train_batch_logs and not cbl.needs_test_batch_logs


def test_callback_list_rejects_non_callbacks():
    with pytest.raises(TypeError, match="callbacks must be keras.callbacks.Callback"):
        callbacks.CallbackList([lambda logs: None])
    cbl = callbacks.CallbackList(None, model=make_model(), verbose=1, epochs=1, steps=1)
    with pytest.raises(TypeError, match="LambdaCallback"):
        cbl.append("history")
    h = callbacks.History()
    cbl.append(h)
    assert h.model is cbl.model and h.params == {"verbose": 1, "epochs": 1, "steps": 1}


def test_history():
    model = make_model()
    h = callbacks.History()
    h.set_model(model)
    h.set_params({"verbose": 0, "epochs": 2, "steps": 1})
    h.on_train_begin()
    h.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.75})
    h.on_epoch_end(1, {"loss": 0.25, "val_loss": 0.5})
    assert h.history == {"loss": [0.5, 0.25], "val_loss": [0.75, 0.5]}
    assert h.epoch == [0, 1] and h.params["epochs"] == 2 and model.history is h


# -- ProgbarLogger -----------------------------------------------------------------------

# Keras 3's finished bar (ANSI colour codes removed by `plain`), metrics in sorted order
BAR_END = re.compile(r"^3/3 ━{20} \d+s \d+(us|ms|s)/step - accuracy: 0\.7500 - "
                     r"loss: 0\.5000 - val_accuracy: 0\.2500 - val_loss: 0\.6000$")


def plain(text: str) -> str:
    """A bar frame without ANSI codes, backspaces and trailing blanks."""
    return re.sub(r"\x1b\[\d+m", "", text).replace("\b", "").rstrip()


def drive_progbar(verbose, epochs=2, steps=3):
    model = make_model()
    cbl = callbacks.CallbackList([], add_progbar=True, model=model, verbose=verbose,
                                 epochs=epochs, steps=steps)
    pl = cbl.callbacks[0]
    cbl.on_train_begin()
    for epoch in range(epochs):
        cbl.on_epoch_begin(epoch)
        pl.progbar.interval = 0  # draw every batch
        for b, (loss, acc) in enumerate([(0.7, 0.25), (0.6, 0.5), (0.5, 0.75)][:steps]):
            cbl.on_train_batch_begin(b)
            cbl.on_train_batch_end(b, {"loss": loss, "accuracy": acc})
        cbl.on_test_begin()  # validation inside fit prints nothing
        cbl.on_test_batch_end(0, {"loss": 9.0})
        cbl.on_test_end({"loss": 9.0})
        cbl.on_epoch_end(epoch, {"loss": 0.5, "accuracy": 0.75, "val_loss": 0.6,
                                 "val_accuracy": 0.25})
    cbl.on_train_end()


def test_progbar_verbose_1(capsys):
    drive_progbar(1)
    out = capsys.readouterr().out
    lines = out.split("\n")
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and lines[4] == ""
    frames = [plain(f) for f in lines[1].split("\r")]
    assert frames[0] == ""
    # running averages are shown as given (stateful), with an ETA while running
    assert re.fullmatch(r"1/3 ━{20} 0s \d+(us|ms|s)/step - accuracy: 0\.2500 - "
                        r"loss: 0\.7000", frames[1]), frames[1]
    assert re.fullmatch(r"2/3 ━{20} 0s \d+(us|ms|s)/step - accuracy: 0\.5000 - "
                        r"loss: 0\.6000", frames[2]), frames[2]
    assert BAR_END.match(frames[-1]), frames[-1]
    frames2 = [plain(f) for f in lines[3].split("\r")]  # epoch 2 draws the same frames
    assert len(frames2) == len(frames) and BAR_END.match(frames2[-1])
    assert "9.0000" not in out  # validation inside fit is silent


def test_progbar_verbose_2(capsys):
    drive_progbar(2)
    lines = capsys.readouterr().out.split("\n")
    assert len(lines) == 5 and lines[-1] == ""
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    for line in (lines[1], lines[3]):  # one line per epoch: count, time, metrics
        assert line.startswith("3/3 - ") and "\r" not in line and "ETA" not in line
        assert " - accuracy: 0.7500 - loss: 0.5000 - val_accuracy: 0.2500 - val_loss: " \
               "0.6000" in line, line


def test_progbar_one_epoch_verbose_0_and_unknown_steps(capsys):
    drive_progbar(1, epochs=1)
    out = capsys.readouterr().out
    assert "Epoch" not in out and out.endswith("val_loss: 0.6000\n")
    drive_progbar(0)
    assert capsys.readouterr().out == ""
    drive_progbar(2, epochs=1, steps=None)  # steps unknown: counted during the epoch
    out = capsys.readouterr().out
    assert out.startswith("3/3 - ") and " - loss: 0.5000 - " in out
    with pytest.raises(ValueError, match="count_mode must be 'samples' or 'steps'"):
        callbacks.ProgbarLogger(count_mode="batches")


def test_progbar_evaluate_and_predict(capsys):
    cbl = callbacks.CallbackList([], add_progbar=True, model=make_model(), verbose=1,
                                 epochs=1, steps=2)
    cbl.on_test_begin()
    cbl.on_test_batch_end(0, {"loss": 1.5})
    cbl.on_test_batch_end(1, {"loss": 1.25})
    cbl.on_test_end({"loss": 1.25})
    out = capsys.readouterr().out
    out = plain(out) + "\n"
    assert re.match(r"\r1/2 ━{20} 0s \d+(us|ms|s)/step - loss: 1\.5000", out), out
    assert re.search(r"\r2/2 ━{20} \d+s \d+(us|ms|s)/step - loss: 1\.2500\n$", out)
    cbl.on_predict_begin()
    cbl.on_predict_batch_end(0, {"outputs": [np.zeros(3)]})
    cbl.on_predict_batch_end(1, {"outputs": [np.zeros(3)]})
    cbl.on_predict_end()
    out = capsys.readouterr().out
    out = plain(out) + "\n"
    assert re.search(r"\r2/2 ━{20} \d+s \d+(us|ms|s)/step\n$", out) and "outputs" not in out


# -- EarlyStopping -----------------------------------------------------------------------

def test_early_stopping_stops_at_the_right_epoch():
    model = make_model()
    stop = callbacks.EarlyStopping(patience=2)  # val_loss, min
    ran = run_fit(model, [stop], [{"val_loss": v} for v in [1.0, 0.8, 0.9, 0.85, 0.7, 0.6]])
    assert ran == [0, 1, 2, 3]
    assert (stop.stopped_epoch, stop.best, stop.wait, stop.best_epoch) == (3, 0.8, 2, 1)
    assert model.stop_training is True
    # patience=0 stops at the first epoch without improvement (never at epoch 0)
    stop = callbacks.EarlyStopping(monitor="loss")
    assert run_fit(model, [stop], [{"loss": v} for v in [1.0, 1.0, 0.5]]) == [0, 1]
    # the instance is reused: on_train_begin resets it
    assert run_fit(model, [stop], [{"loss": v} for v in [3.0, 2.0, 1.0]]) == [0, 1, 2]
    assert stop.stopped_epoch == 0 and stop.best == 1.0


def test_early_stopping_min_delta_and_mode():
    model = make_model()
    stop = callbacks.EarlyStopping(monitor="loss", min_delta=0.1, patience=1)
    # 0.95 improves by 0.05 < min_delta: no improvement
    assert run_fit(model, [stop], [{"loss": v} for v in [1.0, 0.95, 0.5]]) == [0, 1]
    for monitor in ["val_accuracy", "acc", "val_auc"]:  # auto -> max
        stop = callbacks.EarlyStopping(monitor=monitor, patience=1)
        assert run_fit(model, [stop], [{monitor: v} for v in [0.5, 0.6, 0.55, 0.9]]) == \
            [0, 1, 2]
        assert stop.best == 0.6
    stop = callbacks.EarlyStopping(monitor="loss", mode="max", patience=1)
    assert run_fit(model, [stop], [{"loss": v} for v in [0.5, 0.4]]) == [0, 1]
    with pytest.warns(UserWarning, match="mode 'biggest' is unknown, fallback to auto"):
        stop = callbacks.EarlyStopping(monitor="val_accuracy", mode="biggest")
    assert stop.monitor_op is np.greater


def test_early_stopping_baseline_and_start_from_epoch():
    model = make_model()
    values = [{"loss": v} for v in [0.8, 0.9, 0.95, 0.99]]
    assert run_fit(model, [callbacks.EarlyStopping("loss", patience=2)], values) == [0, 1, 2]
    # the baseline is never beaten: the epochs count towards patience from the start
    assert run_fit(model, [callbacks.EarlyStopping("loss", patience=2, baseline=0.5)],
                   values) == [0, 1]
    # beating the baseline resets the count as without one
    assert run_fit(model, [callbacks.EarlyStopping("loss", patience=2, baseline=0.85)],
                   values) == [0, 1, 2]
    # warm-up: the first 2 epochs are not monitored
    warm = [{"loss": v} for v in [0.1, 0.1, 1.0, 1.0, 1.0]]
    assert run_fit(model, [callbacks.EarlyStopping("loss", patience=1)], warm) == [0, 1]
    stop = callbacks.EarlyStopping("loss", patience=1, start_from_epoch=2)
    assert run_fit(model, [stop], warm) == [0, 1, 2, 3]
    assert stop.best == 1.0 and stop.best_epoch == 2


def test_early_stopping_restores_best_weights(capsys):
    model = make_model()
    stop = callbacks.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    ran = run_fit(model, [stop], [{"val_loss": v} for v in [1.0, 0.5, 0.7, 0.8, 0.1]],
                  set_weights=True)
    assert ran == [0, 1, 2, 3]
    assert_weights(model, weights_of(1))
    out = capsys.readouterr().out
    assert out == "Epoch 4: early stopping\n" \
                  "Restoring model weights from the end of the best epoch: 2.\n"
    # restored at the end of training when it ran to the end, too
    stop = callbacks.EarlyStopping(patience=5, restore_best_weights=True)
    run_fit(model, [stop], [{"val_loss": v} for v in [1.0, 0.2, 0.7]], set_weights=True)
    assert_weights(model, weights_of(1))
    # without restore_best_weights the last weights stay
    run_fit(model, [callbacks.EarlyStopping(patience=1)],
            [{"val_loss": v} for v in [1.0, 0.2, 0.7]], set_weights=True)
    assert_weights(model, weights_of(2))
    # no improvement ever after the warm-up: the first monitored epoch is restored
    stop = callbacks.EarlyStopping("loss", patience=1, restore_best_weights=True,
                                   baseline=0.0, start_from_epoch=1)
    run_fit(model, [stop], [{"loss": v} for v in [0.5, 0.6, 0.7, 0.8]], set_weights=True)
    assert_weights(model, weights_of(1))


def test_early_stopping_missing_metric_warns():
    model = make_model()
    stop = callbacks.EarlyStopping(patience=0)
    with pytest.warns(UserWarning, match="Early stopping conditioned on metric `val_loss` "
                                         "which is not available. Available metrics are: "
                                         "loss,accuracy"):
        ran = run_fit(model, [stop], [{"loss": 1.0, "accuracy": 0.5}] * 3)
    assert ran == [0, 1, 2]
    with pytest.raises(TypeError, match="monitor must be the name"):
        callbacks.EarlyStopping(monitor=None)


# -- ModelCheckpoint ---------------------------------------------------------------------

def test_checkpoint_every_epoch_with_pattern(tmp_path):
    model = make_model()
    pattern = str(tmp_path / "ckpt" / "w.{epoch:02d}-{val_loss:.2f}.weights.h5")
    cp = callbacks.ModelCheckpoint(pattern, save_weights_only=True)
    run_fit(model, [cp], [{"val_loss": v} for v in [0.5, 0.75, 0.25]], set_weights=True)
    names = sorted(os.listdir(tmp_path / "ckpt"))
    assert names == ["w.01-0.50.weights.h5", "w.02-0.75.weights.h5", "w.03-0.25.weights.h5"]
    for epoch, name in enumerate(names):
        probe = make_model()
        load_weights(probe, tmp_path / "ckpt" / name)
        assert_weights(probe, weights_of(epoch))


def test_checkpoint_best_only(tmp_path, capsys):
    model = make_model()
    path = tmp_path / "best.weights.h5"
    cp = callbacks.ModelCheckpoint(path, save_best_only=True, save_weights_only=True,
                                   verbose=1)
    run_fit(model, [cp], [{"val_loss": v} for v in [0.5, 0.7, 0.3, 0.4]], set_weights=True)
    probe = make_model()
    load_weights(probe, path)
    assert_weights(probe, weights_of(2))
    assert cp.best == 0.3
    assert capsys.readouterr().out == (
        f"\nEpoch 1: val_loss improved from None to 0.50000, saving model to {path}\n"
        f"\nEpoch 1: finished saving model to {path}\n"
        f"\nEpoch 2: val_loss did not improve from 0.50000\n"
        f"\nEpoch 3: val_loss improved from 0.50000 to 0.30000, saving model to {path}\n"
        f"\nEpoch 3: finished saving model to {path}\n"
        f"\nEpoch 4: val_loss did not improve from 0.30000\n")
    # auto mode: max for accuracy; pattern + best only writes only improving epochs
    cp = callbacks.ModelCheckpoint(str(tmp_path / "acc{epoch}"), monitor="val_acc",
                                   save_best_only=True)
    with pytest.warns(UserWarning, match="saved the weights only"):
        run_fit(model, [cp], [{"val_acc": v} for v in [0.5, 0.4, 0.6]])
    assert sorted(p for p in os.listdir(tmp_path) if p.startswith("acc")) == ["acc1", "acc3"]


def test_checkpoint_initial_threshold_and_missing_monitor(tmp_path):
    model = make_model()
    cp = callbacks.ModelCheckpoint(tmp_path / "w", save_best_only=True, save_weights_only=True,
                                   initial_value_threshold=0.2)
    run_fit(model, [cp], [{"val_loss": v} for v in [0.5, 0.3]])
    assert not (tmp_path / "w").exists()
    run_fit(model, [cp], [{"val_loss": 0.1}])
    assert (tmp_path / "w").exists()
    cp = callbacks.ModelCheckpoint(tmp_path / "m", save_best_only=True, save_weights_only=True)
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        run_fit(model, [cp], [{"loss": 0.5}])
    assert not (tmp_path / "m").exists()


def test_checkpoint_save_freq_counts_batches(tmp_path):
    model = make_model()
    cp = callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}b{batch}"), save_freq=2,
                                   save_weights_only=True)
    run_fit(model, [cp], [{"loss": 1.0}] * 2, steps=5)
    assert sorted(os.listdir(tmp_path)) == sorted(["e1b2", "e1b4", "e2b1", "e2b3", "e2b5"])


def test_checkpoint_weights_only_false_warns_once(tmp_path):
    model = make_model()
    cp = callbacks.ModelCheckpoint(str(tmp_path / "w{epoch}"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_fit(model, [cp], [{"val_loss": 1.0}] * 3, set_weights=True)
    assert [str(w.message)[:50] for w in caught] == \
        ["ModelCheckpoint(save_weights_only=False) saved the"]
    probe = make_model()
    load_weights(probe, tmp_path / "w3")
    assert_weights(probe, weights_of(2))


def test_checkpoint_saves_whole_models_to_keras_and_h5_paths(tmp_path):
    x = np.random.default_rng(0).standard_normal((32, 3)).astype(np.float32)
    y = x.sum(1, keepdims=True)
    for name in ("best.keras", "best.h5"):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, "relu"),
                                  keras.layers.Dense(1)])
        model.compile("adam", "mse", metrics=["mae"])
        cp = callbacks.ModelCheckpoint(str(tmp_path / name), save_best_only=True,
                                       monitor="loss")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a whole model: no "weights only" warning
            model.fit(x, y, epochs=3, verbose=0, callbacks=[cp])
        loaded = keras.models.load_model(tmp_path / name)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                                   rtol=1e-6)
        assert loaded.optimizer.iterations.numpy() == model.optimizer.iterations.numpy()


def test_checkpoint_errors(tmp_path):
    model = make_model()
    cp = callbacks.ModelCheckpoint(str(tmp_path / "w-{val_acc:.2f}"), save_weights_only=True)
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        run_fit(model, [cp], [{"val_loss": 1.0}])
    cp = callbacks.ModelCheckpoint(tmp_path, save_weights_only=True)
    with pytest.raises(IOError, match="non-directory filepath"):
        run_fit(model, [cp], [{"val_loss": 1.0}])
    for bad in ["batch", 0, 2.5, True]:
        with pytest.raises(ValueError, match="Unrecognized save_freq"):
            callbacks.ModelCheckpoint("w", save_freq=bad)
    with pytest.raises(NotImplementedError, match="options"):
        callbacks.ModelCheckpoint("w", options=object())


# -- learning rate callbacks -------------------------------------------------------------

def test_reduce_lr_on_plateau():
    model = make_model(lr=0.1)
    cb = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2, cooldown=1,
                                     min_lr=0.02)
    run_fit(model, [cb], [{"loss": 1.0}] * 9)
    # wait 2 epochs, halve, 1 cooldown epoch, ...; the rate logged is the epoch's own
    assert model.history.history["learning_rate"] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02]
    assert model.optimizer.learning_rate == 0.02 and type(model.optimizer.learning_rate) is float
    # improvements (by more than min_delta) keep the rate
    model = make_model(lr=0.1)
    cb = callbacks.ReduceLROnPlateau(monitor="val_accuracy", patience=1)  # auto: max
    run_fit(model, [cb], [{"val_accuracy": v} for v in [0.1, 0.2, 0.3, 0.30005]])
    assert model.optimizer.learning_rate == pytest.approx(0.01)
    assert model.history.history["learning_rate"][:4] == [0.1, 0.1, 0.1, 0.1]
    # a float32 Variable rate is logged as NumPy float32, as tf.keras logs it
    model = make_model(lr=tf.Variable(0.1))
    run_fit(model, [callbacks.ReduceLROnPlateau("loss", patience=1)], [{"loss": 1.0}] * 2)
    lrs = model.history.history["learning_rate"]
    assert [type(v) for v in lrs] == [np.float32] * 2 and lrs == [np.float32(0.1)] * 2
    assert model.optimizer.learning_rate == pytest.approx(0.01)


def test_reduce_lr_on_plateau_messages_and_errors(capsys):
    model = make_model(lr=0.5)
    cb = callbacks.ReduceLROnPlateau(monitor="loss", patience=1, verbose=1)
    run_fit(model, [cb], [{"loss": 1.0}] * 2)
    assert capsys.readouterr().out == "\nEpoch 2: ReduceLROnPlateau reducing learning rate " \
                                      "to 0.05.\n"
    with pytest.warns(UserWarning, match="Learning rate reduction is conditioned on metric "
                                         "`val_loss` which is not available"):
        run_fit(model, [callbacks.ReduceLROnPlateau()], [{"loss": 1.0}])
    with pytest.raises(ValueError, match="does not support a factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=1.5)
    with pytest.raises(ValueError, match="the model has no optimizer"):
        run_fit(make_model(), [callbacks.ReduceLROnPlateau("loss")], [{"loss": 1.0}])


def test_learning_rate_scheduler(capsys):
    model = make_model(lr=0.1)
    cb = callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr * 0.5)
    run_fit(model, [cb], [{"loss": 1.0}] * 4)
    assert model.history.history["learning_rate"] == [0.1, 0.1, 0.05, 0.025]
    assert model.optimizer.learning_rate == 0.025
    # the one-argument API, NumPy and tensor results
    model = make_model(lr=0.1)
    for schedule in [lambda epoch: 0.01 * (epoch + 1), lambda epoch: np.float32(0.5),
                     lambda epoch, lr: tf.constant(0.25)]:
        cb = callbacks.LearningRateScheduler(schedule, verbose=1)
        run_fit(model, [cb], [{"loss": 1.0}] * 2)
    assert model.optimizer.learning_rate == 0.25
    out = capsys.readouterr().out
    assert "\nEpoch 2: LearningRateScheduler setting learning rate to 0.02.\n" in out
    for bad, match in [("0.1", "should be float"), (tf.constant([0.1, 0.2]), "scalar"),
                       (tf.constant(1), "must be a float")]:
        cb = callbacks.LearningRateScheduler(lambda epoch, lr, bad=bad: bad)
        with pytest.raises(ValueError, match=match):
            run_fit(model, [cb], [{"loss": 1.0}])
    with pytest.raises(TypeError, match="schedule must be a function"):
        callbacks.LearningRateScheduler(0.1)


# -- CSVLogger, TerminateOnNaN, LambdaCallback ---------------------------------------------

def test_csv_logger(tmp_path):
    path = tmp_path / "log.csv"
    model = make_model()
    logs = [{"loss": tf.constant(0.5), "accuracy": 0.25, "val_loss": 0.75},
            {"loss": 0.375, "accuracy": 0.5}]
    run_fit(model, [callbacks.CSVLogger(path)], logs)
    assert path.read_bytes() == b"epoch,accuracy,loss,val_loss\r\n0,0.25,0.5,0.75\r\n" \
                                b"1,0.5,0.375,NA\r\n"
    # append: no second header; separator
    run_fit(model, [callbacks.CSVLogger(path, append=True)], logs[:1])
    assert path.read_bytes().endswith(b"1,0.5,0.375,NA\r\n0,0.25,0.5,0.75\r\n")
    path2 = tmp_path / "semi.csv"
    run_fit(model, [callbacks.CSVLogger(path2, separator=";")], [{"loss": 1.5}])
    # no val_ keys in the first epoch: val_ columns are kept for later epochs
    assert path2.read_text() == "epoch;loss;val_loss\n0;1.5;NA\n"
    with pytest.raises(ValueError, match="one-character string"):
        callbacks.CSVLogger(path, separator="::")
    # NumPy scalars are written as str() writes them
    path3 = tmp_path / "np.csv"
    csv_logger = callbacks.CSVLogger(path3)
    csv_logger.on_train_begin()
    csv_logger.on_epoch_end(0, {"lr": np.float32(0.05), "val_lr": tf.constant(1)})
    csv_logger.on_train_end()
    assert path3.read_text() == "epoch,lr,val_lr\n0,0.05,1\n"


def test_terminate_on_nan(capsys):
    model = make_model()
    cb = callbacks.TerminateOnNaN()
    batch_logs = {(0, 0): {"loss": 1.0}, (0, 1): {"loss": 2.0}, (0, 2): {"loss": math.inf},
                  (1, 0): {"loss": 1.0}}
    ran = run_fit(model, [cb], [{"loss": 1.0}] * 3, steps=3, batch_logs=batch_logs)
    assert ran == [0] and model.stop_training is True
    assert capsys.readouterr().out == "Batch 2: Invalid loss, terminating training\n"
    model.stop_training = False
    cb.on_train_batch_end(5, {"loss": tf.constant(float("nan"))})
    assert model.stop_training is True
    model.stop_training = False
    cb.on_train_batch_end(6, {"loss": 0.5})
    cb.on_train_batch_end(7, {})
    assert model.stop_training is False


def test_lambda_callback():
    log = []
    cb = callbacks.LambdaCallback(
        on_train_begin=lambda logs: log.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: log.append(("epoch_begin", epoch)),
        on_batch_end=lambda batch, logs: log.append(("batch_end", batch, logs["loss"])),
        on_epoch_end=lambda epoch, logs: log.append(("epoch_end", epoch, logs)),
        on_train_end=lambda logs: log.append("train_end"),
        on_test_end=lambda logs: log.append(("test_end", logs)))
    model = make_model()
    run_fit(model, [cb], [{"loss": 0.5}], steps=2)
    assert log == ["train_begin", ("epoch_begin", 0), ("batch_end", 0, 1.0),
                   ("batch_end", 1, 1.0), ("epoch_end", 0, {"loss": 0.5}), "train_end"]
    cbl = callbacks.CallbackList([cb])
    assert cbl.needs_train_batch_logs and not cbl.needs_test_batch_logs
    cbl.on_test_end({"loss": 2.0})
    assert log[-1] == ("test_end", {"loss": 2.0})
    with pytest.raises(TypeError, match="unknown hook 'on_epoch_start'"):
        callbacks.LambdaCallback(on_epoch_start=print)
    with pytest.raises(TypeError, match="on_epoch_end must be a function"):
        callbacks.LambdaCallback(on_epoch_end=3)


@pytest.mark.parametrize("cls, args", [(callbacks.RemoteMonitor, ())])  # TensorBoard and
# BackupAndRestore exist now: tests/test_summary.py, tests/test_checkpoint.py
def test_callbacks_not_in_ember(cls, args):
    with pytest.raises(NotImplementedError, match=f"keras.callbacks.{cls.__name__} is not "
                                                  f"available in ember"):
        cls(*args)

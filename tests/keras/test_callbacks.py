"""keras.callbacks driven standalone: a real small model, a stand-in optimizer, scripted logs
(Callback, CallbackList, History, ProgbarLogger, EarlyStopping; the other callbacks are in
test_callbacks_monitors.py)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import ember as tf
import ember.keras.callbacks as callbacks
from tests.keras.callback_helpers import assert_weights, make_model, run_fit, weights_of


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

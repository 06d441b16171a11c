"""keras.callbacks: ModelCheckpoint, the learning-rate callbacks, CSVLogger, TerminateOnNaN,
LambdaCallback (helpers shared with test_callbacks.py in callback_helpers.py)."""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pytest

import ember as tf
import ember.keras.callbacks as callbacks
from ember import keras
from ember.keras.saving import load_weights
from tests.keras.callback_helpers import assert_weights, make_model, run_fit, weights_of


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

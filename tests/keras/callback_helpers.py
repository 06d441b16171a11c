"""What the callback tests share: a stand-in optimizer, a small model, scripted weights,
and fit's callback contract driven with scripted logs."""

from __future__ import annotations

import numpy as np

import ember.keras.callbacks as callbacks
from ember import keras


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

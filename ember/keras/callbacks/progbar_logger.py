"""ProgbarLogger: the progress output of fit/evaluate/predict, as Keras 3 prints it.

verbose=1: `Epoch 1/10` (when epochs > 1), then one bar redrawn in place while the
epoch runs, finished with the elapsed time, the time per step and the metrics (the `val_`
ones too): `32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.5000 - loss: 0.6900`.
verbose=2: one line per epoch, `32/32 - 0s - 2ms/step - accuracy: ... - loss: ...`.
Inside `fit`, validation prints nothing of its own.

Example:
    >>> import ember.keras.callbacks as callbacks
    >>> cb = callbacks.ProgbarLogger()
    >>> cb.set_params({"verbose": 2, "epochs": 2, "steps": 4})
    >>> cb.on_train_begin(); cb.on_epoch_begin(0)
    Epoch 1/2
    >>> cb.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.75})
    4/4 - ...s/step - loss: 0.5000 - val_loss: 0.7500
"""

from __future__ import annotations

import sys
from typing import Any

from ..utils.progbar import Progbar, print_msg
from .base import Callback, sync_logs

__all__ = ["ProgbarLogger"]


class ProgbarLogger(Callback):
    """Prints progress and metrics to stdout (fit/evaluate/predict add one when verbose).

    Args:
        count_mode: tf.keras 2's argument (Keras 3 counts steps and takes none):
            "steps", or "samples" (counts samples only when the run's params have
            'samples' and batch logs have 'size'; otherwise steps).
        stateful_metrics: names shown as given rather than averaged over the epoch. The
            logs of ember's fit/evaluate already hold running averages, so every key in
            the logs is shown as given.

    Example:
        >>> import ember.keras.callbacks as callbacks
        >>> cb = callbacks.ProgbarLogger()
        >>> cb.set_params({"verbose": 1, "epochs": 1, "steps": 2})
        >>> cb._implements_train_batch_hooks()
        True
    """

    def __init__(self, count_mode: str = "samples", stateful_metrics: Any = None):
        super().__init__()
        if count_mode not in ("samples", "steps"):
            raise ValueError(f"ProgbarLogger: count_mode must be 'samples' or 'steps', "
                             f"received {count_mode!r}.")
        self.use_steps = count_mode == "steps"
        self.stateful_metrics = set(stateful_metrics or ())
        self.seen = 0
        self.progbar: Progbar | None = None
        self.target: int | None = None
        self.verbose = 1
        self.epochs = 1
        self._count_samples = False
        self._call_batch_hooks = True
        self._called_in_fit = False

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else int(verbose)
        self.epochs = params.get("epochs", 1)
        self._count_samples = not self.use_steps and params.get("samples") is not None
        self.target = params.get("samples") if self._count_samples else params.get("steps")
        # The bar needs every batch at verbose=1, and the step count when it is unknown.
        self._call_batch_hooks = self.verbose == 1 or self.target is None

    def _implements_train_batch_hooks(self) -> bool:
        return self._call_batch_hooks

    def _implements_test_batch_hooks(self) -> bool:
        return self._call_batch_hooks

    def _implements_predict_batch_hooks(self) -> bool:
        return self._call_batch_hooks

    # -- hooks -------------------------------------------------------------------------
    def on_train_begin(self, logs: dict | None = None) -> None:
        self._called_in_fit = True  # validation inside fit is silent

    def on_train_end(self, logs: dict | None = None) -> None:
        self._called_in_fit = False

    def on_test_begin(self, logs: dict | None = None) -> None:
        if not self._called_in_fit:
            self._reset()

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._reset()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._reset()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")
            sys.stdout.flush()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._batch_update(batch, logs)

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if not self._called_in_fit:
            self._batch_update(batch, logs)

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._batch_update(batch, None)  # the outputs are not shown

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._finalize(logs)

    def on_test_end(self, logs: dict | None = None) -> None:
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_end(self, logs: dict | None = None) -> None:
        self._finalize(logs)

    # -- the bar -----------------------------------------------------------------------
    def _reset(self) -> None:
        self.seen = 0
        self.progbar = Progbar(self.target, verbose=self.verbose,
                               stateful_metrics=set(self.stateful_metrics),
                               unit_name="sample" if self._count_samples else "step")

    def _bar(self, logs: dict) -> Progbar:
        # NOTE: the bar is built on the first logs it gets; their keys in sorted order, as
        # Keras 3's trainer hands them (accuracy before loss)
        if self.progbar is None:
            self._reset()
        bar = self.progbar
        bar.stateful_metrics.update(logs)  # logs hold running averages: shown as given
        return bar

    def _batch_update(self, batch: int, logs: dict | None) -> None:
        logs = sync_logs(logs)
        if self._count_samples:
            size = logs.pop("size", 0)
            self.seen += int(logs.pop("num_steps", 1)) * int(size)
            logs.pop("batch", None)
        else:
            self.seen = batch + 1
        bar = self._bar(logs)
        if self.verbose == 1:
            bar.update(self.seen, sorted(logs.items()), finalize=False)

    def _finalize(self, logs: dict | None) -> None:
        logs = sync_logs(logs)
        bar = self._bar(logs)
        if self.target is None:  # unknown step count: learnt from the first epoch
            self.target = self.seen
            bar.target = self.target
        bar.update(self.target, sorted(logs.items()), finalize=True)

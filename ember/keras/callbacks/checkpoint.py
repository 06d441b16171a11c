"""ModelCheckpoint: saves the model's weights every epoch, every N batches, or when the
monitored metric improves (tf.keras 2 semantics, ember's weights file).

Example:
    >>> import os, tempfile
    >>> from ember import keras
    >>> import ember.keras.callbacks as callbacks
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> folder = tempfile.mkdtemp()
    >>> cb = callbacks.ModelCheckpoint(os.path.join(folder, "w.{epoch:02d}.weights.h5"),
    ...                                save_weights_only=True)
    >>> cb.set_model(model)
    >>> for epoch in range(2):
    ...     cb.on_epoch_begin(epoch); cb.on_epoch_end(epoch, {"loss": 0.5})
    >>> sorted(os.listdir(folder))
    ['w.01.weights.h5', 'w.02.weights.h5']
"""

from __future__ import annotations

import math
import operator
import os
import warnings
from typing import Any

from ..saving.legacy_h5 import is_legacy_h5_path
from ..saving.weights_file import save_weights
from .base import Callback, sync_logs
from .monitors import check_mode, check_monitor
from ..utils.progbar import print_msg

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(Callback):
    """Saves the model (or its weights) during training, to a fixed path or a pattern.

    `filepath` may hold `str.format` fields filled with `epoch` (1-based, as Keras),
    `batch` (1-based, when saving by batch) and the keys of the logs, e.g.
    'ckpt/w.{epoch:02d}-{val_loss:.2f}.weights.h5'.

    With `save_weights_only=False` a path ending in '.keras' or '.h5' gets the whole model
    (`model.save`; load it with `keras.models.load_model`); any other path, or a model
    that can't be saved whole (a subclassed model without get_config), gets the weights,
    with a warning, once. With `save_weights_only=True` the weights are written
    (`model.save_weights`: '.h5' in tf.keras 2's HDF5 layout, other names in ember's
    weights file); load them with `model.load_weights(path)`.

    Args:
        filepath: the file to write (str or os.PathLike), or a pattern as above.
        monitor: the logged metric that decides "best" (with save_best_only).
        verbose: 1 prints a line for each save decision.
        save_best_only: save only when `monitor` improves on the best so far.
        save_weights_only: True saves only the weights (see above).
        mode: 'min', 'max', or 'auto' (max when the name contains 'acc' or starts with
            'fmeasure').
        save_freq: 'epoch', or an int: save every that many training batches.
        options: not supported (TF's CheckpointOptions/SaveOptions); must be None.
        initial_value_threshold: the initial "best" value for save_best_only.

    Example:
        >>> import os, tempfile
        >>> from ember import keras
        >>> import ember.keras.callbacks as callbacks
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "best.weights.h5")
        >>> cb = callbacks.ModelCheckpoint(path, save_best_only=True, save_weights_only=True,
        ...                                verbose=1)
        >>> cb.set_model(model)
        >>> cb.on_epoch_end(0, {"val_loss": 0.5})  # doctest: +ELLIPSIS
        <BLANKLINE>
        Epoch 1: val_loss improved from None to 0.50000, saving model to ...best.weights.h5
        <BLANKLINE>
        Epoch 1: finished saving model to ...best.weights.h5
        >>> cb.on_epoch_end(1, {"val_loss": 0.75})
        <BLANKLINE>
        Epoch 2: val_loss did not improve from 0.50000
    """

    def __init__(self, filepath: Any, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq: Any = "epoch", options: Any = None,
                 initial_value_threshold: float | None = None, **kwargs: Any):
        super().__init__()
        try:
            self.filepath = os.fspath(filepath)
        except TypeError:
            raise TypeError(f"ModelCheckpoint: filepath must be a str or os.PathLike, "
                            f"received {filepath!r}.") from None
        if not self.filepath:
            raise ValueError("ModelCheckpoint: filepath is empty; pass the file to write, "
                             "e.g. 'ckpt/w.{epoch:02d}.weights.h5'.")
        self.monitor = check_monitor("ModelCheckpoint", monitor)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        if options is not None:
            raise NotImplementedError(
                "ModelCheckpoint: `options` (tf.train.CheckpointOptions / "
                "tf.saved_model.SaveOptions) is not supported by ember; leave it None.")
        if "period" in kwargs:  # tf.keras 2's deprecated "save every `period` epochs"
            warnings.warn("ModelCheckpoint: `period` is deprecated, use `save_freq`.",
                          stacklevel=2)
        self.period = kwargs.pop("period", 1)
        if kwargs:
            raise TypeError(f"ModelCheckpoint: unexpected arguments {sorted(kwargs)}.")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(
                save_freq, int) or save_freq < 1):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq "
                             f"are 'epoch' or a positive integer (a number of batches).")
        self.save_freq = save_freq
        mode = check_mode("ModelCheckpoint", mode)
        if mode == "auto":
            mode = "max" if "acc" in monitor or monitor.startswith("fmeasure") else "min"
        self.monitor_op = operator.gt if mode == "max" else operator.lt
        if initial_value_threshold is not None:
            self.best = float(initial_value_threshold)
        else:
            self.best = -math.inf if mode == "max" else math.inf
        self.epochs_since_last_save = 0
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = -1
        self._current_epoch = 0
        self._warned_weights_only = False

    def _implements_train_batch_hooks(self) -> bool:
        return self.save_freq != "epoch"  # batch logs are needed only to save by batch

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epochs_since_last_save += 1
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:  # a new epoch: batches count from 0 again
            add = batch + 1
        else:
            add = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _get_file_path(self, epoch: int, batch: int | None, logs: dict) -> str:
        values = dict(logs)
        values["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            values["batch"] = batch + 1
        try:
            return self.filepath.format(**values)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: the logs have no key {e}; the keys are "
                           f"{sorted(values)}.") from None

    def _save_model(self, epoch: int, batch: int | None, logs: dict | None) -> None:
        if not (isinstance(self.save_freq, int) or self.epochs_since_last_save >= self.period):
            return
        logs = sync_logs(logs)
        self.epochs_since_last_save = 0
        filepath = self._get_file_path(epoch, batch, logs)
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            self._write_and_say(epoch, filepath)
            return
        current = logs.get(self.monitor)
        best = "None" if math.isinf(self.best) else f"{self.best:.5f}"  # Keras 3's words
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available, skipping. "
                          f"Available metrics are: {','.join(logs)}", stacklevel=3)
        elif self.monitor_op(current, self.best):
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} "
                      f"to {current:.5f}, saving model to {filepath}")
            self.best = current
            self._write_and_say(epoch, filepath)
        elif self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")

    def _write_and_say(self, epoch: int, filepath: str) -> None:
        self._write(filepath)
        if self.verbose > 0:  # Keras 3 reports the finished save too
            print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _write(self, filepath: str) -> None:
        model = self._need_model()
        if os.path.isdir(filepath):
            raise IOError(f"Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}")
        whole = not self.save_weights_only and (
            filepath.endswith(".keras") or is_legacy_h5_path(filepath))
        if whole:
            try:
                model.save(filepath, overwrite=True)
                return
            except NotImplementedError as e:  # e.g. a subclassed model without get_config
                reason = str(e)
        else:
            reason = (f"the path {filepath!r} ends neither in '.keras' nor '.h5' (ember has "
                      f"no SavedModel)")
        if not self.save_weights_only and not self._warned_weights_only:
            self._warned_weights_only = True
            warnings.warn(
                f"ModelCheckpoint(save_weights_only=False) saved the weights only: {reason}. "
                f"Restore the checkpoint with model.load_weights(path) into a model built "
                f"the same way.", stacklevel=4)
        save = getattr(model, "save_weights", None)
        if callable(save):
            save(filepath, overwrite=True)
        else:
            save_weights(model, filepath, overwrite=True)

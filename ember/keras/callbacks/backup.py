"""`keras.callbacks.BackupAndRestore`: resume an interrupted `fit` where it stopped.

Built on `tf.train.Checkpoint`: each backup holds the model's weights, the optimizer's
state (iterations, learning rate, slots) and the epoch to resume at, written atomically
in `backup_dir` (`ckpt-<n>.index` / `.data-...` and a `checkpoint` state file).
When `fit` starts and a backup exists, it is restored and training goes on from the
epoch after the last one backed up (with `save_freq=N`, the interrupted epoch restarts
from the weights of its last backup). When `fit` ends normally, the backup is deleted
(`delete_checkpoint=True`).

NOTE: `tf.train` sits above keras (it tracks Keras layers and optimizers), so this module
imports it inside its methods; `fit` resumes at `model._initial_epoch` when set here.

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> from ember import keras
    >>> backup = tempfile.mkdtemp()
    >>> class Stop(keras.callbacks.Callback):  # simulate a crash during epoch 3
    ...     def on_epoch_begin(self, epoch, logs=None):
    ...         if epoch == 2: raise RuntimeError("interrupted")
    >>> def make():
    ...     m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    ...     m.compile(optimizer="adam", loss="mse")
    ...     return m
    >>> x, y = np.ones((4, 2)), np.ones((4, 1))
    >>> try:
    ...     make().fit(x, y, epochs=4, verbose=0,
    ...                callbacks=[keras.callbacks.BackupAndRestore(backup), Stop()])
    ... except RuntimeError:
    ...     pass
    >>> history = make().fit(x, y, epochs=4, verbose=0,
    ...                      callbacks=[keras.callbacks.BackupAndRestore(backup)])
    >>> history.epoch  # resumed at epoch index 2
    [2, 3]
    >>> os.listdir(backup)  # deleted once fit completed
    []
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ...core.variable import Variable
from .base import Callback

__all__ = ["BackupAndRestore"]


class BackupAndRestore(Callback):
    """Backs up the training state to `backup_dir` and restores it when `fit` restarts.

    Args:
        backup_dir: the folder of the backup (str or os.PathLike); use one per run.
        save_freq: 'epoch' (a backup at each epoch end), an int N (every N training
            batches as well as at each epoch end), or False (no backups, only restoring).
        double_checkpoint: keep the previous backup as well (two instead of one), so a
            crash while writing can fall back to it.
        delete_checkpoint: delete the backup when `fit` completes.
    """

    def __init__(self, backup_dir: Any, save_freq: Any = "epoch",
                 double_checkpoint: bool = False, delete_checkpoint: bool = True):
        super().__init__()
        try:
            self.backup_dir = os.fspath(backup_dir)
        except TypeError:
            raise TypeError(f"BackupAndRestore: backup_dir must be a str or os.PathLike, "
                            f"received {backup_dir!r}.") from None
        if not self.backup_dir:
            raise ValueError("BackupAndRestore: backup_dir is empty; pass a folder such as "
                             "'/tmp/backup'.")
        if save_freq is not False and save_freq != "epoch" and (
                isinstance(save_freq, bool) or not isinstance(save_freq, int)
                or save_freq < 1):
            raise ValueError(f"BackupAndRestore: save_freq must be 'epoch', a positive int or "
                             f"False, received {save_freq!r}.")
        self.save_freq = save_freq
        self.double_checkpoint = bool(double_checkpoint)
        self.delete_checkpoint = bool(delete_checkpoint)
        self._manager: Any = None
        self._next_epoch: Any = None
        self._epoch = 0
        self._batches = 0

    def _setup(self) -> Any:
        if self._manager is None:
            # ember.train sits above keras (a Checkpoint tracks layers): a true cycle
            from ...train import Checkpoint, CheckpointManager
            model = self._need_model()
            self._next_epoch = Variable(np.int64(0), trainable=False, name="epoch")
            ckpt = Checkpoint(model=model, epoch=self._next_epoch)
            self._manager = CheckpointManager(
                ckpt, self.backup_dir, max_to_keep=2 if self.double_checkpoint else 1)
        return self._manager

    def set_model(self, model: Any) -> None:
        if model is not self.model:
            self._manager = None
        super().set_model(model)

    def on_train_begin(self, logs: dict | None = None) -> None:
        manager = self._setup()
        latest = manager.latest_checkpoint
        if latest is None:
            return
        manager.checkpoint.restore(latest).expect_partial()
        self.model._initial_epoch = int(self._next_epoch.numpy())

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._batches += 1
        if isinstance(self.save_freq, int) and self.save_freq is not False and \
                self._batches % self.save_freq == 0:
            self._save(self._epoch)  # restart this epoch from here

    def _implements_train_batch_hooks(self) -> bool:
        return isinstance(self.save_freq, int) and not isinstance(self.save_freq, bool)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.save_freq is not False:  # also with save_freq=N: the epoch is complete
            self._save(epoch + 1)

    def _save(self, next_epoch: int) -> None:
        manager = self._setup()
        self._next_epoch.assign(np.int64(next_epoch))
        manager.save()

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            from ...train._format import remove_bundle  # ember.train is above keras (as above)
            for path in self._manager.checkpoints if self._manager else []:
                remove_bundle(path)
            state = os.path.join(self.backup_dir, "checkpoint")
            if os.path.exists(state):
                os.remove(state)
        self._manager = None

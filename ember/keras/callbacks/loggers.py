"""CSVLogger, TerminateOnNaN, LambdaCallback, and the callback ember does not provide
(RemoteMonitor), tf.keras 2 semantics. TensorBoard is in tensorboard.py, BackupAndRestore
in backup.py.

Example:
    >>> import ember.keras.callbacks as callbacks
    >>> cb = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs))
    >>> cb.on_epoch_end(0, {"loss": 0.5})
    0 {'loss': 0.5}
"""

from __future__ import annotations

import collections.abc
import csv
import os
from typing import Any, Callable

import numpy as np

from .base import HOOKS, Callback, sync_logs

__all__ = ["CSVLogger", "LambdaCallback", "RemoteMonitor", "TerminateOnNaN"]


class CSVLogger(Callback):
    """Writes one CSV row per epoch: 'epoch' (0-based) then the logs' keys, sorted.

    The columns are fixed by the first epoch; when it has no `val_` keys, `val_` columns
    are added for each key (validation may run on later epochs only), and missing values
    are written as 'NA', as tf.keras does. Rows use the csv module's excel dialect
    ('\\r\\n' line ends) with `separator` as delimiter.

    Args:
        filename: the CSV file (str or os.PathLike).
        separator: the one-character delimiter.
        append: append to an existing file (no second header) instead of overwriting.

    Example:
        >>> import os, tempfile
        >>> import ember.keras.callbacks as callbacks
        >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
        >>> cb = callbacks.CSVLogger(path)
        >>> cb.on_train_begin()
        >>> cb.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.75}); cb.on_train_end()
        >>> open(path, newline="").read()
        'epoch,loss,val_loss\\r\\n0,0.5,0.75\\r\\n'
    """

    def __init__(self, filename: Any, separator: str = ",", append: bool = False):
        super().__init__()
        try:
            self.filename = os.fspath(filename)
        except TypeError:
            raise TypeError(f"CSVLogger: filename must be a str or os.PathLike, received "
                            f"{filename!r}.") from None
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"CSVLogger: separator must be a one-character string, received "
                             f"{separator!r}.")
        self.sep = separator
        self.append = append
        self.writer: Any = None
        self.keys: list | None = None
        self.append_header = True
        self.csv_file: Any = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, newline="") as f:
                    self.append_header = not f.readline()
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None:
            self.csv_file.close()
        self.writer = None
        self.csv_file = open(self.filename, mode, newline="")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        # NOTE: only tensors are converted: a NumPy float32 (the 'lr' that ReduceLROnPlateau
        # logs) is written as str() writes it, '0.05', as tf.keras does.
        logs = {k: v if isinstance(v, np.generic) else sync_logs({k: v})[k]
                for k, v in (logs or {}).items()}
        if self.csv_file is None:
            self.on_train_begin()
        if self.keys is None:
            self.keys = sorted(logs)
            if not any(k.startswith("val_") for k in self.keys):
                self.keys.extend(["val_" + k for k in self.keys])
        if self.writer is None:
            class Dialect(csv.excel):
                delimiter = self.sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=Dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, _csv_value(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.csv_file is not None:
            self.csv_file.close()
            self.csv_file = None
        self.writer = None


def _csv_value(v: Any) -> Any:
    if isinstance(v, str):
        return v
    if isinstance(v, collections.abc.Iterable) and not (isinstance(v, np.ndarray)
                                                         and v.ndim == 0):
        return f"\"[{', '.join(map(str, v))}]\""
    return v


class TerminateOnNaN(Callback):
    """Stops training when a batch's loss is NaN or infinite.

    Example:
        >>> from ember import keras
        >>> import ember.keras.callbacks as callbacks
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> cb = callbacks.TerminateOnNaN(); cb.set_model(model)
        >>> cb.on_train_batch_end(3, {"loss": float("nan")})
        Batch 3: Invalid loss, terminating training
        >>> model.stop_training
        True
    """

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = sync_logs({"loss": loss})["loss"]
        if np.any(np.isnan(loss)) or np.any(np.isinf(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self._need_model().stop_training = True


class LambdaCallback(Callback):
    """A callback made of functions, one per hook you pass.

    `on_epoch_begin/end(epoch, logs)`, `on_batch_begin/end(batch, logs)`,
    `on_train_begin/end(logs)`, and any other hook by keyword, e.g.
    `on_train_batch_end=lambda batch, logs: ...` or `on_test_end=lambda logs: ...`.
    Functions are called with positional arguments.

    Example:
        >>> import ember.keras.callbacks as callbacks
        >>> seen = []
        >>> cb = callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
        >>> cb.on_train_batch_end(0, {}); seen, cb._implements_train_batch_hooks()
        ([0], True)
    """

    def __init__(self, on_epoch_begin: Callable | None = None,
                 on_epoch_end: Callable | None = None, on_batch_begin: Callable | None = None,
                 on_batch_end: Callable | None = None, on_train_begin: Callable | None = None,
                 on_train_end: Callable | None = None, **kwargs: Any):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_batch_begin=on_batch_begin, on_batch_end=on_batch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end, **kwargs)
        for name, fn in hooks.items():
            if name not in HOOKS:
                raise TypeError(f"LambdaCallback: unknown hook {name!r}. The hooks are "
                                f"{', '.join(HOOKS)}.")
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: {name} must be a function, received "
                                f"{fn!r}.")
            setattr(self, name, fn)


def _not_in_ember(name: str, why: str) -> NotImplementedError:
    return NotImplementedError(f"keras.callbacks.{name} is not available in ember: {why}")


class RemoteMonitor(Callback):
    """Not available in ember: constructing it raises NotImplementedError.

    Example:
        >>> import ember.keras.callbacks as callbacks
        >>> callbacks.RemoteMonitor()
        Traceback (most recent call last):
        ...
        NotImplementedError: keras.callbacks.RemoteMonitor is not available in ember: ...
    """

    def __init__(self, *args: Any, **kwargs: Any):
        raise _not_in_ember("RemoteMonitor", "it posts each epoch's logs to an HTTP server. "
                            "Write a LambdaCallback(on_epoch_end=lambda epoch, logs: ...) "
                            "that sends them with the client of your choice.")


"""`CallbackList`: how fit / evaluate / predict call a list of callbacks.

It calls each hook on each callback in order with one shared `logs` dict (a copy whose
tensors are Python numbers), adds a `History` and a `ProgbarLogger` where asked, and skips
the per-batch hooks when no callback overrides them.

Example:
    >>> import ember.keras.callbacks as callbacks
    >>> class Printer(callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, logs)
    >>> cbs = callbacks.CallbackList([Printer()], add_history=True, epochs=2, steps=1)
    >>> cbs.on_epoch_end(0, {"loss": 0.5})
    0 {'loss': 0.5}
    >>> cbs.needs_train_batch_logs
    False
"""

from __future__ import annotations

from typing import Any

from .base import Callback, History, sync_logs
from .progbar_logger import ProgbarLogger

__all__ = ["CallbackList"]


def _flatten(who: str, callbacks: Any) -> list:
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    if isinstance(callbacks, CallbackList):
        return list(callbacks.callbacks)
    if isinstance(callbacks, (list, tuple)):
        out: list = []
        for cb in callbacks:
            out.extend(_flatten(who, cb))
        return out
    raise TypeError(f"{who}: callbacks must be keras.callbacks.Callback instances (or a list "
                    f"of them), received {callbacks!r} (type {type(callbacks).__name__}). "
                    f"Subclass keras.callbacks.Callback, or wrap a function in "
                    f"keras.callbacks.LambdaCallback.")


class CallbackList:
    """Calls each hook on each of a list of callbacks, in order (tf.keras' CallbackList).

    Args:
        callbacks: a Callback or a list of them.
        add_history: append a `History` unless one is in the list.
        add_progbar: append a `ProgbarLogger(count_mode='steps')` unless one is there.
        model: the model, passed to every callback's `set_model`.
        **params: the run's parameters, passed to every callback's `set_params`.

    The per-batch hooks are called only when some callback overrides them; fit can read
    `needs_train_batch_logs` / `needs_test_batch_logs` / `needs_predict_batch_logs` to
    skip computing per-batch logs. They are updated by `append`, `set_params` and
    `set_model`. Logs are handed on as a copy whose tensors are Python numbers.

    Example:
        >>> from ember import keras
        >>> import ember.keras.callbacks as callbacks
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> cbs = callbacks.CallbackList(None, add_history=True, model=model, verbose=0,
        ...                              epochs=1, steps=2)
        >>> cbs.on_train_begin(); cbs.on_epoch_begin(0)
        >>> cbs.on_epoch_end(0, {"loss": 0.25}); cbs.on_train_end()
        >>> model.history.history, model.history.params
        ({'loss': [0.25]}, {'verbose': 0, 'epochs': 1, 'steps': 2})
    """

    def __init__(self, callbacks: Any = None, add_history: bool = False,
                 add_progbar: bool = False, model: Any = None, **params: Any):
        self.callbacks = _flatten("CallbackList", callbacks)
        self.model: Any = None
        self.params: dict = {}
        self._add_default_callbacks(add_history, add_progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)
        self._refresh()

    def _add_default_callbacks(self, add_history: bool, add_progbar: bool) -> None:
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)),
                             None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger(count_mode="steps")
            self.callbacks.append(self._progbar)

    def _refresh(self) -> None:
        cbs = self.callbacks
        self._train_batch = any(cb._implements_train_batch_hooks() for cb in cbs)
        self._test_batch = any(cb._implements_test_batch_hooks() for cb in cbs)
        self._predict_batch = any(cb._implements_predict_batch_hooks() for cb in cbs)

    @property
    def needs_train_batch_logs(self) -> bool:
        """Whether some callback overrides a train-batch hook (else they are skipped)."""
        return self._train_batch

    @property
    def needs_test_batch_logs(self) -> bool:
        """Whether some callback overrides a test-batch hook (else they are skipped)."""
        return self._test_batch

    @property
    def needs_predict_batch_logs(self) -> bool:
        """Whether some callback overrides a predict-batch hook (else they are skipped)."""
        return self._predict_batch

    def append(self, callback: Callback) -> None:
        """Adds a callback at the end."""
        new = _flatten("CallbackList.append", callback)
        for cb in new:
            if self.model is not None:
                cb.set_model(self.model)
            if self.params:
                cb.set_params(self.params)
        self.callbacks.extend(new)
        self._refresh()

    def set_params(self, params: dict) -> None:
        """Passes the run's parameters to every callback."""
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)
        self._refresh()

    def set_model(self, model: Any) -> None:
        """Passes the model to every callback; sets `model.history` to the History."""
        self.model = model
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)
        self._refresh()

    def __iter__(self) -> Any:
        return iter(self.callbacks)

    def _call(self, name: str, logs: Any, *args: Any) -> None:
        logs = sync_logs(logs)
        for cb in self.callbacks:
            getattr(cb, name)(*args, logs)

    # -- batch hooks (skipped when no callback overrides them) --------------------------
    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if self._train_batch:
            self._call("on_train_batch_begin", logs, batch)

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._train_batch:
            self._call("on_train_batch_end", logs, batch)

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if self._train_batch:
            self._call("on_train_batch_begin", logs, batch)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._train_batch:
            self._call("on_train_batch_end", logs, batch)

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if self._test_batch:
            self._call("on_test_batch_begin", logs, batch)

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._test_batch:
            self._call("on_test_batch_end", logs, batch)

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if self._predict_batch:
            self._call("on_predict_batch_begin", logs, batch)

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._predict_batch:
            self._call("on_predict_batch_end", logs, batch)

    # -- epoch and run hooks -----------------------------------------------------------
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._call("on_epoch_begin", logs, epoch)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._call("on_epoch_end", logs, epoch)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._call("on_train_begin", logs)

    def on_train_end(self, logs: dict | None = None) -> None:
        self._call("on_train_end", logs)

    def on_test_begin(self, logs: dict | None = None) -> None:
        self._call("on_test_begin", logs)

    def on_test_end(self, logs: dict | None = None) -> None:
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs: dict | None = None) -> None:
        self._call("on_predict_end", logs)

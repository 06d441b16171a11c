"""`Callback` (the hooks fit/evaluate/predict call) and `History`.

tf.keras 2 semantics: a callback overrides any of the `on_*` hooks; `fit` wraps the
callbacks in a `CallbackList` (callback_list.py), sets `params` ({'verbose', 'epochs',
'steps'}) and the model, and calls each hook on each callback in order with one shared
`logs` dict (so a callback that adds a key, as ReduceLROnPlateau adds 'lr', is seen by the
later ones).

Example:
    >>> import ember.keras.callbacks as callbacks
    >>> class Printer(callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, logs)
    >>> Printer().on_epoch_end(0, {"loss": 0.5})
    0 {'loss': 0.5}
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

__all__ = ["Callback", "History", "sync_logs"]

_TRAIN_BATCH = ("on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end")
_TEST_BATCH = ("on_test_batch_begin", "on_test_batch_end")
_PREDICT_BATCH = ("on_predict_batch_begin", "on_predict_batch_end")
HOOKS = ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin",
         "on_predict_end", "on_epoch_begin", "on_epoch_end") + _TRAIN_BATCH + _TEST_BATCH \
    + _PREDICT_BATCH


def _default(fn: Callable) -> Callable:
    """Marks a base-class hook as "does nothing", so a CallbackList can skip it."""
    fn._is_default = True  # type: ignore[attr-defined]
    return fn


def _overrides(cb: Any, names: tuple) -> bool:
    """Whether `cb` defines any of the hooks `names` itself (a method or a function set on
    the instance, as LambdaCallback does)."""
    return any(not getattr(getattr(cb, n, None), "_is_default", False) for n in names)


def _to_python(v: Any) -> Any:
    if type(v) in (float, int, str):
        return v
    if not isinstance(v, (np.ndarray, np.generic)) and callable(getattr(v, "numpy", None)):
        v = v.numpy()  # an ember Tensor or Variable
    if isinstance(v, (np.ndarray, np.generic)) and v.ndim == 0:
        return v.item()
    return v


def sync_logs(logs: dict | None) -> dict:
    """A copy of `logs` whose tensors and NumPy scalars are Python numbers (arrays stay
    arrays), as tf.keras hands logs to callbacks.

    Example:
        >>> import numpy as np
        >>> import ember as tf
        >>> from ember.keras.callbacks.base import sync_logs
        >>> sync_logs({"loss": tf.constant(0.5), "acc": np.float32(0.25), "n": 3})
        {'loss': 0.5, 'acc': 0.25, 'n': 3}
    """
    if not logs:
        return {}
    return {k: _to_python(v) for k, v in logs.items()}


class Callback:
    """Base class of callbacks: override the hooks you need (tf.keras 2's contract).

    Attributes:
        model: the model being trained/evaluated/predicted (set by `set_model`).
        params: the run's parameters, e.g. {'verbose': 1, 'epochs': 10, 'steps': 32}.

    The train-batch hooks default to the legacy `on_batch_begin` / `on_batch_end`, as in
    tf.keras. A CallbackList calls per-batch hooks only when some callback overrides
    them, so `fit` can skip computing per-batch logs.

    Example:
        >>> import ember.keras.callbacks as callbacks
        >>> class CountBatches(callbacks.Callback):
        ...     def on_train_begin(self, logs=None):
        ...         self.n = 0
        ...     def on_train_batch_end(self, batch, logs=None):
        ...         self.n += 1
        >>> cb = CountBatches()
        >>> cb.on_train_begin(); cb.on_train_batch_end(0, {"loss": 1.0}); cb.n
        1
        >>> cb._implements_train_batch_hooks(), cb._implements_test_batch_hooks()
        (True, False)
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict = {}
        self.validation_data = None  # tf.keras 2 keeps this attribute; always None

    def set_params(self, params: dict) -> None:
        """Stores the run's parameters (`fit` passes {'verbose', 'epochs', 'steps'})."""
        self.params = params

    def set_model(self, model: Any) -> None:
        """Stores the model the callback acts on."""
        self.model = model

    def _need_model(self) -> Any:
        if self.model is None:
            raise ValueError(f"{type(self).__name__}: no model is set. fit/evaluate set it; "
                             f"when calling the hooks yourself, call set_model(model) first.")
        return self.model

    # -- batch hooks -------------------------------------------------------------------
    @_default
    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Legacy alias: called by the default `on_train_batch_begin`."""

    @_default
    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Legacy alias: called by the default `on_train_batch_end`."""

    @_default
    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before training batch `batch` (0-based within the epoch)."""
        self.on_batch_begin(batch, logs)

    @_default
    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after training batch `batch`; `logs` holds the running metric values."""
        self.on_batch_end(batch, logs)

    @_default
    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before evaluation batch `batch`."""

    @_default
    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after evaluation batch `batch`; `logs` holds the running metric values."""

    @_default
    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before prediction batch `batch`."""

    @_default
    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after prediction batch `batch`; `logs` has the batch's 'outputs'."""

    # -- epoch and run hooks -----------------------------------------------------------
    @_default
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the start of epoch `epoch` (0-based) of `fit`."""

    @_default
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the end of an epoch; `logs` has the epoch's metrics and the `val_`
        ones when `fit` validates."""

    @_default
    def on_train_begin(self, logs: dict | None = None) -> None:
        """Called at the start of `fit`."""

    @_default
    def on_train_end(self, logs: dict | None = None) -> None:
        """Called at the end of `fit` (also after an early stop)."""

    @_default
    def on_test_begin(self, logs: dict | None = None) -> None:
        """Called at the start of `evaluate` (and of validation inside `fit`)."""

    @_default
    def on_test_end(self, logs: dict | None = None) -> None:
        """Called at the end of `evaluate`; `logs` has the final metrics."""

    @_default
    def on_predict_begin(self, logs: dict | None = None) -> None:
        """Called at the start of `predict`."""

    @_default
    def on_predict_end(self, logs: dict | None = None) -> None:
        """Called at the end of `predict`."""

    # -- which per-batch hooks are used ------------------------------------------------
    def _implements_train_batch_hooks(self) -> bool:
        return _overrides(self, _TRAIN_BATCH)

    def _implements_test_batch_hooks(self) -> bool:
        return _overrides(self, _TEST_BATCH)

    def _implements_predict_batch_hooks(self) -> bool:
        return _overrides(self, _PREDICT_BATCH)


class _Logs(dict):
    """`History.history`: a dict whose missing key 'lr' (tf.keras 2's name of the
    learning-rate entry) reads 'learning_rate' (Keras 3's), with a warning."""

    def __missing__(self, key: Any) -> Any:
        if key == "lr" and "learning_rate" in self:
            warnings.warn("history['lr'] is tf.keras 2's name; Keras 3 records the "
                          "learning rate as 'learning_rate'. Read "
                          "history.history['learning_rate'].", UserWarning, stacklevel=2)
            return self["learning_rate"]
        raise KeyError(key)


class History(Callback):
    """Records each epoch's logs: `history` {name: [value per epoch]}, `epoch` [indices].

    `fit` adds one to every run and returns it; it is also `model.history`.

    Example:
        >>> import ember.keras.callbacks as callbacks
        >>> h = callbacks.History()
        >>> h.on_train_begin()
        >>> h.on_epoch_end(0, {"loss": 0.5}); h.on_epoch_end(1, {"loss": 0.25})
        >>> h.history, h.epoch
        ({'loss': [0.5, 0.25]}, [0, 1])
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict = _Logs()
        self.epoch: list = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self

"""Callbacks that watch a metric or the epoch: EarlyStopping, ReduceLROnPlateau,
LearningRateScheduler (tf.keras 2 semantics).

The learning-rate callbacks read `float(model.optimizer.learning_rate)` and set
`model.optimizer.learning_rate = new_value` (a float), and write the epoch's rate to the
logs as 'learning_rate', as Keras 3 does (tf.keras 2 said 'lr').

Example:
    >>> from ember import keras
    >>> import ember.keras.callbacks as callbacks
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> stop = callbacks.EarlyStopping(monitor="loss", patience=1)
    >>> stop.set_model(model); stop.on_train_begin()
    >>> for epoch, loss in enumerate([0.5, 0.4, 0.45]):
    ...     stop.on_epoch_end(epoch, {"loss": loss})
    >>> model.stop_training, stop.stopped_epoch, stop.best
    (True, 2, 0.4)
"""

from __future__ import annotations

import inspect
import math
import warnings
from typing import Any, Callable

import numpy as np

from .base import Callback, sync_logs
from ..utils.progbar import print_msg

__all__ = ["EarlyStopping", "LearningRateScheduler", "ReduceLROnPlateau"]


def check_mode(who: str, mode: Any) -> str:
    """A monitoring callback's `mode` ('auto', 'min' or 'max'); anything else warns and
    gives 'auto', as Keras.

    Example:
        >>> check_mode("EarlyStopping", "min")
        'min'
    """
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{who} mode {mode!r} is unknown, fallback to auto mode. Use 'auto', "
                      f"'min' or 'max'.", stacklevel=3)
        return "auto"
    return mode


def check_monitor(who: str, monitor: Any) -> str:
    """A monitoring callback's `monitor`: the name of a logged metric (a TypeError naming
    `who` otherwise).

    Example:
        >>> check_monitor("EarlyStopping", "val_loss")
        'val_loss'
    """
    if not isinstance(monitor, str):
        raise TypeError(f"{who}: monitor must be the name of a logged metric (a str such as "
                        f"'val_loss'), received {monitor!r}.")
    return monitor


def _missing_metric(what: str, monitor: str, logs: dict) -> None:
    warnings.warn(f"{what} conditioned on metric `{monitor}` which is not available. "
                  f"Available metrics are: {','.join(logs)}", stacklevel=3)


def _optimizer(who: str, model: Any) -> Any:
    opt = getattr(model, "optimizer", None)
    if opt is None:
        raise ValueError(f"{who}: the model has no optimizer. Compile it first: "
                         f"model.compile(optimizer=..., loss=...).")
    if not hasattr(opt, "learning_rate"):
        raise ValueError(f'{who}: the optimizer {type(opt).__name__} has no "learning_rate" '
                         f"attribute.")
    return opt


def get_lr(who: str, model: Any) -> float:
    """`float(model.optimizer.learning_rate)`, or a clear error."""
    lr = _optimizer(who, model).learning_rate
    try:
        return float(lr)
    except (TypeError, ValueError):
        raise TypeError(f"{who}: the optimizer's learning_rate must be a number (a float or "
                        f"a scalar Variable), received {lr!r}. A LearningRateSchedule "
                        f"cannot be changed by this callback.") from None


def lr_for_logs(who: str, model: Any) -> Any:
    """The rate as logged under 'learning_rate': a float32 Variable's value stays a NumPy float32 (as
    tf.keras logs it, so History and CSVLogger show 0.05, not 0.05000000074505806)."""
    lr = _optimizer(who, model).learning_rate
    if callable(getattr(lr, "numpy", None)):
        arr = np.asarray(lr.numpy())
        if arr.shape == () and arr.dtype.kind == "f":
            return arr[()]
    return get_lr(who, model)


def set_lr(who: str, model: Any, value: float) -> None:
    """Sets `model.optimizer.learning_rate = value` (a float)."""
    _optimizer(who, model).learning_rate = float(value)


class EarlyStopping(Callback):
    """Stops training when the monitored metric has stopped improving.

    At each epoch end (from epoch `start_from_epoch` on) the value of `monitor` is
    compared with the best so far: an improvement of more than `min_delta` resets the
    wait counter, otherwise it grows, and when it reaches `patience` (after the first
    epoch) `model.stop_training` is set. With a `baseline`, the counter is reset only by
    values that also beat the baseline. With `restore_best_weights`, the weights of the
    best epoch are restored at the end of training (stopped or not).

    Args:
        monitor: the logged metric to watch.
        min_delta: the smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        verbose: 1 prints when it stops and restores.
        mode: 'min', 'max', or 'auto' (max for names ending in 'acc', 'accuracy', 'auc').
        baseline: a value the metric must beat.
        restore_best_weights: restore the best epoch's weights at the end of training.
        start_from_epoch: epochs to wait before monitoring (a warm-up).

    Example:
        >>> from ember import keras
        >>> import ember.keras.callbacks as callbacks
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> stop = callbacks.EarlyStopping(monitor="val_accuracy", patience=2, verbose=1)
        >>> stop.set_model(model); stop.on_train_begin()
        >>> for epoch, acc in enumerate([0.5, 0.75, 0.7, 0.75]):
        ...     stop.on_epoch_end(epoch, {"val_accuracy": acc})
        >>> stop.on_train_end()
        Epoch 4: early stopping
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0):
        super().__init__()
        self.monitor = check_monitor("EarlyStopping", monitor)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        mode = check_mode("EarlyStopping", mode)
        if mode == "auto":
            mode = "max" if monitor.endswith(("acc", "accuracy", "auc")) else "min"
        self.monitor_op = np.greater if mode == "max" else np.less
        # NOTE: the improvement test is monitor_op(current - min_delta, best), so min_delta
        # carries the sign of the direction (tf.keras's convention).
        self.min_delta = abs(min_delta) if mode == "max" else -abs(min_delta)
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best = -math.inf if self.monitor_op is np.greater else math.inf
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._reset()  # the instance can be reused across fit calls

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # The first monitored epoch is the best so far even if it beats nothing.
            self.best_weights = self._need_model().get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self._need_model().get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self._need_model().stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self._need_model().set_weights(self.best_weights)

    def get_monitor_value(self, logs: dict | None) -> Any:
        """The monitored value in `logs`, or None (with a warning listing the keys)."""
        logs = sync_logs(logs)
        value = logs.get(self.monitor)
        if value is None:
            _missing_metric("Early stopping", self.monitor, logs)
        return value

    def _is_improvement(self, value: Any, reference: Any) -> bool:
        return bool(self.monitor_op(value - self.min_delta, reference))


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by `factor` when the metric stops improving.

    After `patience` epochs without an improvement larger than `min_delta`, the rate
    becomes `max(lr * factor, min_lr)`; then `cooldown` epochs pass before counting
    again. Each epoch's rate is logged as 'learning_rate'.

    Args:
        monitor: the logged metric to watch.
        factor: the multiplier, < 1.
        patience: epochs without improvement before reducing.
        verbose: 1 prints each reduction.
        mode: 'min', 'max', or 'auto' (max when the name contains 'acc').
        min_delta: the smallest change that counts as an improvement.
        cooldown: epochs to wait after a reduction.
        min_lr: the lowest rate.

    Example:
        >>> from ember import keras
        >>> import ember.keras.callbacks as callbacks
        >>> class SGD:
        ...     learning_rate = 0.1
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> model.optimizer = SGD()
        >>> cb = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
        >>> cb.set_model(model); cb.on_train_begin()
        >>> for epoch in range(3):
        ...     cb.on_epoch_end(epoch, {"loss": 1.0})
        >>> model.optimizer.learning_rate
        0.025
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0, **kwargs: Any):
        super().__init__()
        self.monitor = check_monitor("ReduceLROnPlateau", monitor)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Got "
                             f"{factor}")
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warnings.warn("ReduceLROnPlateau: `epsilon` is deprecated, use `min_delta`.",
                          stacklevel=2)
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: unexpected arguments {sorted(kwargs)}.")
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.mode = check_mode("ReduceLROnPlateau", mode)
        self._reset()

    def _reset(self) -> None:
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: a < b - self.min_delta
            self.best = math.inf
        else:
            self.monitor_op = lambda a, b: a > b + self.min_delta
            self.best = -math.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._reset()

    def in_cooldown(self) -> bool:
        """Whether the callback is waiting after a reduction."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs if logs is not None else {}
        model = self._need_model()
        logs["learning_rate"] = lr_for_logs("ReduceLROnPlateau", model)
        current = logs.get(self.monitor)
        if current is None:
            _missing_metric("Learning rate reduction is", self.monitor, logs)
            return
        current = sync_logs({"v": current})["v"]
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = get_lr("ReduceLROnPlateau", model)
                # NOTE: compared with min_lr in float32, as tf.keras does, so a rate stored
                # in float32 that equals min_lr is not reduced again.
                if np.float32(old_lr) > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    set_lr("ReduceLROnPlateau", model, new_lr)
                    if self.verbose > 0:
                        print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                              f"to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


def _positional_arity(fn: Callable) -> int | None:
    """How many positional arguments `fn` accepts (None: unknown or unbounded)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    kinds = [p.kind for p in params]
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        return None
    return sum(k in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
               for k in kinds)


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of each epoch from `schedule`.

    Args:
        schedule: `schedule(epoch, lr) -> new_lr` (epoch 0-based, lr the current rate)
            or the older `schedule(epoch) -> new_lr`.
        verbose: 1 prints each new rate.

    The epoch's rate is logged as 'learning_rate'.

    Example:
        >>> from ember import keras
        >>> import ember.keras.callbacks as callbacks
        >>> class SGD:
        ...     learning_rate = 0.1
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> model.optimizer = SGD()
        >>> cb = callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch < 1 else lr / 2)
        >>> cb.set_model(model)
        >>> for epoch in range(3):
        ...     cb.on_epoch_begin(epoch)
        >>> model.optimizer.learning_rate
        0.025
    """

    def __init__(self, schedule: Callable, verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be a function "
                            f"schedule(epoch, lr) -> new_lr, received {schedule!r}.")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        model = self._need_model()
        lr = get_lr("LearningRateScheduler", model)
        arity = _positional_arity(self.schedule)
        if arity is None:
            try:
                new = self.schedule(epoch, lr)
            except TypeError:  # tf.keras's fallback to the old one-argument API
                new = self.schedule(epoch)
        elif arity >= 2:
            new = self.schedule(epoch, lr)
        else:
            new = self.schedule(epoch)
        value = self._check(new)
        set_lr("LearningRateScheduler", model, value)
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{value}.")

    def _check(self, new: Any) -> float:
        """The schedule's result as a float: a Python/NumPy number or a float scalar tensor."""
        if isinstance(new, (float, int, np.floating, np.integer)) and not isinstance(new, bool):
            return float(new)
        if isinstance(new, np.ndarray) or callable(getattr(new, "numpy", None)):
            arr = np.asarray(new if isinstance(new, np.ndarray) else new.numpy())
            if arr.shape != ():
                raise ValueError(f"LearningRateScheduler: the schedule must return a scalar "
                                 f"learning rate, received shape {arr.shape}.")
            if arr.dtype.kind != "f" and arr.dtype.name != "bfloat16":
                raise ValueError(f"LearningRateScheduler: the schedule returned a tensor of "
                                 f"dtype {arr.dtype.name}; it must be a float.")
            return float(arr)
        raise ValueError(f'The output of the "schedule" function should be float. Got: '
                         f"{new!r}")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = lr_for_logs("LearningRateScheduler", self._need_model())

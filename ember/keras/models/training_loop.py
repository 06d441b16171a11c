"""The epoch and batch loops of `Model.fit` and `Model.evaluate`.

A `keras.utils.Sequence` gets its `on_epoch_end()` after each epoch of fit (after the
validation and the callbacks' `on_epoch_end`, as tf.keras 2) and after each pass of
evaluate or of fit's validation.

Each step hands the batch's arrays (views or one gather per array when shuffling) to the
compiled step function; metric values become Python floats only where a callback asks for
per-batch logs, and at the end of each epoch.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> m.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    >>> sorted(m.evaluate(np.zeros((4, 2)), np.zeros((4, 1)), verbose=0,
    ...                   return_dict=True))
    ['loss', 'mae']
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ...core.tensor import wrap
from .. import config
from ..callbacks.callback_list import CallbackList
from ..callbacks.loggers import TerminateOnNaN
from .data import capped_steps, check_batch_size, check_no_batch_size, is_batch_iterable
from .data_adapter import DataHandler, unpack_x_y_sample_weight, warn_ran_out
from ..engine.naming import user_stacklevel


def _verbosity(verbose: Any) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2) or isinstance(verbose, bool) and verbose not in (0, 1):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2, received {verbose!r}.")
    return int(verbose)


def _check_epochs(epochs: Any, initial_epoch: Any) -> None:
    for name, v in (("epochs", epochs), ("initial_epoch", initial_epoch)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise ValueError(f"fit: {name} must be an int >= 0, received {v!r}.")


def _validation_handler(validation_data: Any, batch_size: int, steps: Any) -> DataHandler:
    what = "fit (validation_data)"
    if is_batch_iterable(validation_data):  # a generator, iterable or keras.utils.Sequence
        return DataHandler(validation_data, batch_size=batch_size, steps_per_epoch=steps,
                           what=what)
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError(f"fit: validation_data must be a tuple (x_val, y_val) or (x_val, "
                         f"y_val, val_sample_weight), a generator of batches or a "
                         f"keras.utils.Sequence; received "
                         f"{type(validation_data).__name__}.")
    vx, vy, vsw = unpack_x_y_sample_weight(tuple(validation_data))
    return DataHandler(vx, vy, vsw, batch_size=batch_size, steps_per_epoch=steps,
                       shuffle=False, what=what)


def _should_validate(epoch: int, freq: Any) -> bool:
    if isinstance(freq, int):
        if freq < 1:
            raise ValueError(f"fit: validation_freq must be >= 1, received {freq}.")
        return (epoch + 1) % freq == 0
    return (epoch + 1) in set(freq)


def _capped(epochs: int, steps: Any) -> tuple:
    """`epochs` and `steps_per_epoch` under keras.config.max_epochs / max_steps_per_epoch
    (a warning says when a cap applies, as Keras)."""
    cap = config.max_epochs()
    if cap and cap < epochs:
        warnings.warn(f"Limiting epochs to {cap} (keras.config.max_epochs).",
                      stacklevel=user_stacklevel())
        epochs = cap
    return epochs, capped_steps(steps)


def fit(model: Any, *, x: Any, y: Any, batch_size: Any, epochs: int, verbose: Any,
        callbacks: Any, validation_split: float, validation_data: Any, shuffle: Any,
        class_weight: Any, sample_weight: Any, initial_epoch: int, steps_per_epoch: Any,
        validation_steps: Any, validation_batch_size: Any, validation_freq: Any) -> Any:
    """See `Model.fit` (which passes every argument by keyword)."""
    model._check_compiled("training")
    check_no_batch_size(x, batch_size, "fit")
    check_no_batch_size(validation_data, validation_batch_size, "fit",
                        "validation_batch_size")
    bs = check_batch_size(batch_size, "fit")
    verbose = _verbosity(verbose)
    _check_epochs(epochs, initial_epoch)
    epochs, steps_per_epoch = _capped(epochs, steps_per_epoch)
    if x is None:
        raise ValueError("fit: no training data was given (x is None).")
    data = DataHandler(x, y, sample_weight, batch_size=bs, steps_per_epoch=steps_per_epoch,
                       shuffle=shuffle, class_weight=class_weight, what="fit")
    val = None
    if validation_data is not None:
        val = _validation_handler(validation_data, validation_batch_size or bs,
                                  validation_steps)
    elif validation_split:
        val = data.split(validation_split)
    cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model,
                       verbose=verbose, epochs=epochs, steps=data.steps)
    model.stop_training = False
    spe = model._steps_per_execution
    batch_logs = cbs.needs_train_batch_logs
    epoch_logs: dict = {}
    cbs.on_train_begin()
    resume = getattr(model, "_initial_epoch", None)  # set by BackupAndRestore
    if resume is not None:
        model._initial_epoch = None
        initial_epoch = max(initial_epoch, int(resume))
    fn, fn_key = None, None
    first_steps = None  # batches in the first epoch (a generator's unknown length)
    nan_reported = False
    for epoch in range(initial_epoch, epochs):
        model.reset_metrics()
        cbs.on_epoch_begin(epoch)
        logs = None
        step = -1
        first_bad = None  # (index, loss) of the epoch's first batch with a non-finite loss
        pending: list = []  # (index, device loss): read once, at the end of the epoch
        for step, batch in enumerate(data.epoch()):
            if batch_logs and step % spe == 0:  # batch hooks once per execution, as Keras
                cbs.on_train_batch_begin(step)
            key = data.structure
            if key is not fn_key:  # a new structure of batches (generators): look it up
                fn, fn_key = model._step_function("train", key, batch), key
            logs = fn([wrap(a) for a in batch])
            if first_bad is None:
                loss = _loss_value(logs)
                if isinstance(loss, _Pending):
                    pending.append((step, loss.value))
                elif loss is not None and not math.isfinite(loss):
                    first_bad = (step, loss)
            if batch_logs and (step + 1) % spe == 0:
                cbs.on_train_batch_end(step, logs_to_floats(logs))
            if model.stop_training:
                break
        if batch_logs and logs is not None and (step + 1) % spe:  # a last, short execution
            cbs.on_train_batch_end(step, logs_to_floats(logs))
        if logs is None:
            if epoch == initial_epoch:
                raise ValueError("fit: the training data yielded no batches (an empty "
                                 "generator or iterable?). Pass at least one batch.")
            warn_ran_out("fit", data.steps or first_steps, epochs - initial_epoch)
            break
        if first_steps is None:
            first_steps = step + 1
        epoch_logs = dict(sorted(logs_to_floats(logs).items()))  # Keras 3 sorts its logs
        if first_bad is None and pending and not _finite(epoch_logs.get("loss")):
            first_bad = _first_bad(pending)
        if not nan_reported:
            nan_reported = _report_nan(model, epoch_logs, epoch, first_bad, cbs)
        if val is not None and _should_validate(epoch, validation_freq):
            val_logs = _run_test(model, val, cbs, in_fit=True)
            epoch_logs.update({f"val_{k}": v for k, v in sorted(val_logs.items())})
        cbs.on_epoch_end(epoch, epoch_logs)
        data.on_epoch_end()  # a Sequence's on_epoch_end, after validation (as tf.keras 2)
        if model.stop_training:
            break
    opt = model.optimizer
    if getattr(opt, "use_ema", False):
        opt.finalize_variable_values(model.trainable_variables)
    cbs.on_train_end(epoch_logs)
    return model.history


class _Pending:
    """A step's loss on a device (XLA): kept unread, so the loop doesn't wait for the
    device each step; read at the end of the epoch if the loss is then not finite."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


def _finite(x: Any) -> bool:
    return not isinstance(x, float) or math.isfinite(x)


def _first_bad(pending: list) -> tuple | None:
    """(index, loss) of the first non-finite one among the epoch's device losses."""
    for step, v in pending:
        loss = float(np.asarray(v))
        if not math.isfinite(loss):
            return step, loss
    return None


def _loss_value(logs: Any) -> Any:
    """A step's (running) loss as a float (a `_Pending` for a device array); None where
    there is no numeric loss log."""
    v = logs.get("loss") if isinstance(logs, dict) else None
    v = getattr(v, "_value", v)
    if v is not None and not isinstance(v, (np.ndarray, np.generic, float, int)):
        return _Pending(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _report_nan(model: Any, logs: dict, epoch: int, first_bad: tuple | None,
                cbs: Any) -> bool:
    """Warns (and returns True) if the epoch's loss is not finite, stating what was seen:
    the first batch whose loss was not finite and which weights are no longer finite.
    It names no cause, since none was checked; it lists what to check."""
    loss = logs.get("loss")
    if not isinstance(loss, float) or math.isfinite(loss):
        return False
    if first_bad is None:
        when = f"the loss is {loss} at the end of epoch {epoch + 1}"
    else:
        b, value = first_bad
        when = (f"the loss became {value} at epoch {epoch + 1}, batch {b + 1} (batch index "
                f"{b}), and is {loss} at the end of the epoch")
    weights = list(getattr(model, "weights", ()))
    bad = [w for w in weights if not np.isfinite(np.asarray(w.numpy())).all()]
    if bad:
        names = ", ".join(getattr(w, "path", None) or w.name for w in bad[:3])
        state = (f"{len(bad)} of {len(weights)} weights now hold NaN or inf values "
                 f"({names}{', ...' if len(bad) > 3 else ''})")
    else:
        state = "every weight is still finite"
    hint = "" if any(isinstance(cb, TerminateOnNaN) for cb in cbs) else (
        " Add callbacks=[keras.callbacks.TerminateOnNaN()] to stop at the first bad batch.")
    which = "the data's" if first_bad is None else "that batch's"
    warnings.warn(
        f"fit: {when}; {state}. To find out why, check {which} inputs and labels "
        f"(NaN or inf values, labels outside the classes of the loss), the loss (log(0) or "
        f"a division by zero in a custom loss) and the learning rate (too high a rate "
        f"makes training diverge).{hint}", UserWarning, stacklevel=user_stacklevel())
    return True


def _run_test(model: Any, data: DataHandler, cbs: Any, in_fit: bool = False) -> dict:
    """One pass over `data` with the test step; returns the logs as floats."""
    model.reset_metrics()
    cbs.on_test_begin()
    batch_logs = cbs.needs_test_batch_logs
    logs = None
    fn, fn_key = None, None
    spe = model._steps_per_execution
    step = -1
    for step, batch in enumerate(data.epoch()):
        if batch_logs and step % spe == 0:
            cbs.on_test_batch_begin(step)
        if data.structure is not fn_key:
            fn, fn_key = model._step_function("test", data.structure, batch), data.structure
        logs = fn([wrap(a) for a in batch])
        if batch_logs and (step + 1) % spe == 0:
            cbs.on_test_batch_end(step, logs_to_floats(logs))
    if batch_logs and logs is not None and (step + 1) % spe:
        cbs.on_test_batch_end(step, logs_to_floats(logs))
    data.on_epoch_end()
    if logs is None:
        if in_fit:
            raise ValueError("fit (validation_data): the validation data yielded no batches. "
                             "A generator is used up after one pass: pass validation_steps "
                             "(and a generator that yields that many batches per epoch) or "
                             "a re-iterable object (whose __iter__ starts over).")
        raise ValueError("evaluate: the data yielded no batches (an empty generator or "
                         "iterable?). Pass at least one batch.")
    out = logs_to_floats(logs)
    cbs.on_test_end(out)
    return out


def evaluate(model: Any, *, x: Any, y: Any, batch_size: Any, verbose: Any,
             sample_weight: Any, steps: Any, callbacks: Any, return_dict: bool) -> Any:
    """See `Model.evaluate` (which passes every argument by keyword)."""
    model._check_compiled("evaluating")
    check_no_batch_size(x, batch_size, "evaluate")
    bs = check_batch_size(batch_size, "evaluate")
    verbose = _verbosity(verbose)
    if x is None:
        raise ValueError("evaluate: no data was given (x is None).")
    data = DataHandler(x, y, sample_weight, batch_size=bs, steps_per_epoch=capped_steps(steps),
                       shuffle=False, what="evaluate")
    cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=model, verbose=verbose,
                       epochs=1, steps=data.steps)
    logs = _run_test(model, data, cbs)
    return format_result(model, logs, return_dict)


def logs_to_floats(logs: Any) -> dict:
    """A step's logs (a dict of scalar tensors) as Python floats.

    Example:
        >>> import ember as tf
        >>> logs_to_floats({"loss": tf.constant(0.5), "m": {"a": tf.constant(1.0)}})
        {'loss': 0.5, 'a': 1.0}
    """
    if not isinstance(logs, dict):
        raise TypeError(f"train_step/test_step must return a dict of metric results, "
                        f"received {type(logs).__name__}.")
    out = {}
    for k, v in logs.items():
        if isinstance(v, dict):
            out.update(logs_to_floats(v))
            continue
        try:
            out[k] = float(np.asarray(v._value if hasattr(v, "_value") else v))
        except (TypeError, ValueError):
            out[k] = v
    return out


def format_result(model: Any, logs: Any, return_dict: bool) -> Any:
    """What evaluate / train_on_batch / test_on_batch return for a step's logs: the dict
    of floats by sorted name (`return_dict`, Keras 3's order), else the values in `model.metrics_names` order (then the
    other keys, sorted), a lone value unwrapped.

    Example:
        >>> from ember import keras
        >>> m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        >>> m.compile("sgd", "mse")
        >>> format_result(m, {"loss": 0.5}, False), format_result(m, {"loss": 0.5}, True)
        (0.5, {'loss': 0.5})
    """
    logs = logs_to_floats(logs)
    if return_dict:
        return dict(sorted(logs.items()))  # as Keras 3 (TF 2.21) returns it
    names = model.metrics_names  # Keras' order: metrics_names, then other keys sorted
    values = [logs[k] for k in names if k in logs]
    values += [logs[k] for k in sorted(logs) if k not in names]
    return values[0] if len(values) == 1 else values

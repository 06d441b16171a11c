"""Learning rate schedules (`keras.optimizers.schedules`), with Keras 3 semantics.

A schedule is called with the optimizer's step and returns the learning rate for it:
`schedule(step)`. The step may be a Python number, an ember Tensor or Variable of any
numeric dtype, or a traced tensor inside `ember.function` (where the optimizer passes its
int64 `iterations` Variable), so every schedule is written with ember ops only and no
Python `if` on the step's value. The result is a scalar Tensor of the learning rate's dtype:
float32 for Python numbers, or the floating dtype of a Tensor/NumPy learning rate.

NOTE: the arithmetic runs in float64 and is cast to the result dtype at the end, so int64
steps are exact up to 2**53 and restart points of CosineDecayRestarts land on the right
period (Keras computes in the learning rate's dtype; values agree to float32 rounding).

Example:
    >>> from ember import keras
    >>> lr = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> round(float(lr(20)), 6)
    0.025
"""

from __future__ import annotations

import math
from typing import Any

import ember as tf
from ember.core.dtypes import DType

from .. import serialization

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts",
           "serialize", "deserialize"]

_F64 = tf.float64


# -- argument checks and shared helpers ------------------------------------------------------

def _number(who: str, name: str, value: Any, *, positive: bool = False,
            nonnegative: bool = False) -> float:
    """`value` as a Python float, after checking it is a real number (and its sign)."""
    number = None
    if not isinstance(value, bool) and value is not None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            pass
    if number is None:
        raise TypeError(f"{who}: `{name}` must be a real number, received {name}={value!r}.")
    if positive and not number > 0:
        raise ValueError(f"{who}: argument `{name}` must be > 0. Received: {name}={value!r}.")
    if nonnegative and not number >= 0:
        raise ValueError(f"{who}: argument `{name}` must be >= 0. Received: {name}={value!r}.")
    if not math.isfinite(number) and (positive or nonnegative):
        raise ValueError(f"{who}: argument `{name}` must be finite. Received: "
                         f"{name}={value!r}.")
    return number


def _result_dtype(value: Any) -> DType:
    """The dtype of the learning rate `value` gives: its own floating dtype (a Tensor or
    NumPy value), else float32."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        try:
            dtype = tf.as_dtype(dtype)
        except (TypeError, ValueError):
            return tf.float32
        if dtype.is_floating:
            return dtype
    return tf.float32


def _f64(value: Any) -> Any:
    """`value` (a number, Tensor, Variable or traced tensor) as a float64 tensor."""
    return tf.cast(value, _F64)


class LearningRateSchedule:
    """Base class of learning rate schedules: subclasses implement `__call__(step)` (with
    ember ops, so it traces) and `get_config()`.

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> class InverseStep(keras.optimizers.schedules.LearningRateSchedule):
        ...     def __init__(self, initial_learning_rate):
        ...         self.initial_learning_rate = initial_learning_rate
        ...     def __call__(self, step):
        ...         return self.initial_learning_rate / (tf.cast(step, tf.float32) + 1.0)
        ...     def get_config(self):
        ...         return {"initial_learning_rate": self.initial_learning_rate}
        >>> float(InverseStep(0.5)(4))
        0.10000000149011612
    """

    def __call__(self, step: Any) -> Any:
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  f"override `__call__(self, step)`.")

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-friendly dict."""
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  f"override `get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        """A schedule built from `get_config()`'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        try:
            config = self.get_config()
        except NotImplementedError:
            return f"<{type(self).__name__}>"
        args = ", ".join(f"{k}={v!r}" for k, v in config.items())
        return f"{type(self).__name__}({args})"


class _StepDecay(LearningRateSchedule):
    """The arguments, config and `step / decay_steps` (floored with `staircase`) that
    ExponentialDecay and InverseTimeDecay share."""

    def __init__(self, initial_learning_rate: Any, decay_steps: Any, decay_rate: Any,
                 staircase: bool = False, name: str | None = None):
        who = type(self).__name__
        _number(who, "decay_steps", decay_steps, positive=True)
        _number(who, "decay_rate", decay_rate)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name or who

    def _progress(self, step: Any) -> Any:
        p = _f64(step) / _f64(self.decay_steps)
        return tf.floor(p) if self.staircase else p

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`; with `staircase=True`
    the exponent is floored, so the rate drops every `decay_steps` steps.

    Args:
        initial_learning_rate: the rate at step 0 (a float, or a floating Tensor).
        decay_steps: a positive number: the steps over which the rate is multiplied by
            `decay_rate` once.
        decay_rate: the factor per `decay_steps`.
        staircase: floor `step / decay_steps` (decay at discrete intervals).
        name: the name of the schedule.

    Example:
        >>> from ember import keras
        >>> lr = keras.optimizers.schedules.ExponentialDecay(1.0, 10, 0.5, staircase=True)
        >>> [float(lr(s)) for s in (0, 9, 10, 25)]
        [1.0, 1.0, 0.5, 0.25]
    """

    def __init__(self, initial_learning_rate: Any, decay_steps: Any, decay_rate: Any,
                 staircase: bool = False, name: str = "ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> Any:
        lr = _f64(self.initial_learning_rate) * tf.pow(_f64(self.decay_rate),
                                                       self._progress(step))
        return tf.cast(lr, _result_dtype(self.initial_learning_rate))


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, and `values[-1]` once
    `step > boundaries[-1]`.

    Args:
        boundaries: strictly increasing numbers (steps).
        values: one more number than `boundaries`: the rate in each interval.
        name: the name of the schedule.

    Example:
        >>> from ember import keras
        >>> lr = keras.optimizers.schedules.PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])
        >>> [round(float(lr(s)), 6) for s in (0, 100, 101, 200, 201)]
        [1.0, 1.0, 0.5, 0.5, 0.1]
    """

    def __init__(self, boundaries: Any, values: Any, name: str = "PiecewiseConstant"):
        who = type(self).__name__
        try:
            boundaries, values = list(boundaries), list(values)
        except TypeError:
            raise TypeError(f"{who}: `boundaries` and `values` must be lists of numbers, "
                            f"received boundaries={boundaries!r}, values={values!r}.") from None
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"{who}: the length of `values` must be the length of "
                             f"`boundaries` plus 1. Received: len(boundaries)="
                             f"{len(boundaries)}, len(values)={len(values)}.")
        points = [_number(who, f"boundaries[{i}]", b) for i, b in enumerate(boundaries)]
        for i, v in enumerate(values):
            _number(who, f"values[{i}]", v)
        if any(b >= c for b, c in zip(points, points[1:])):
            raise ValueError(f"{who}: `boundaries` must be strictly increasing. Received: "
                             f"boundaries={boundaries!r}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step: Any) -> Any:
        # NOTE: boundaries are compared in float64, which equals Keras's comparison in the
        # step's int dtype for integer steps, and a chain of `where` (not a sum of
        # indicator * value) keeps each value exact.
        step = _f64(step)
        dtype = _result_dtype(self.values[0])
        lr = tf.cast(self.values[-1], dtype)
        for boundary, value in zip(reversed(self.boundaries), reversed(self.values[:-1])):
            lr = tf.where(step <= _f64(boundary), tf.cast(value, dtype), lr)
        return lr

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """`(initial - end) * (1 - step / decay_steps) ** power + end`, with the step clipped
    to `decay_steps`; with `cycle=True`, `decay_steps` is instead multiplied by
    `ceil(step / decay_steps)` (1 at step 0), so the decay restarts from a lower rate.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: a positive number of steps.
        end_learning_rate: the rate reached at `decay_steps`.
        power: the power of the polynomial (1.0: linear).
        cycle: keep decaying past `decay_steps` as described above.
        name: the name of the schedule.

    Example:
        >>> from ember import keras
        >>> lr = keras.optimizers.schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.0)
        >>> [float(lr(s)) for s in (0, 5, 10, 20)]
        [1.0, 0.5, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate: Any, decay_steps: Any,
                 end_learning_rate: Any = 0.0001, power: Any = 1.0, cycle: bool = False,
                 name: str = "PolynomialDecay"):
        who = type(self).__name__
        _number(who, "decay_steps", decay_steps, positive=True)
        _number(who, "end_learning_rate", end_learning_rate)
        _number(who, "power", power)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step: Any) -> Any:
        step = _f64(step)
        decay_steps = _f64(self.decay_steps)
        if self.cycle:
            multiplier = tf.where(tf.equal(step, 0.0), tf.constant(1.0, _F64),
                                  tf.math.ceil(step / decay_steps))
            decay_steps = decay_steps * multiplier
        else:
            step = tf.minimum(step, decay_steps)
        initial, end = _f64(self.initial_learning_rate), _f64(self.end_learning_rate)
        lr = (initial - end) * tf.pow(1.0 - step / decay_steps, _f64(self.power)) + end
        return tf.cast(lr, _result_dtype(self.initial_learning_rate))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_StepDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`; with
    `staircase=True` the ratio `step / decay_steps` is floored.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: a positive number of steps.
        decay_rate: how fast the rate falls.
        staircase: decay at discrete intervals of `decay_steps`.
        name: the name of the schedule.

    Example:
        >>> from ember import keras
        >>> lr = keras.optimizers.schedules.InverseTimeDecay(1.0, 10, 1.0)
        >>> [float(lr(s)) for s in (0, 10, 30)]
        [1.0, 0.5, 0.25]
    """

    def __init__(self, initial_learning_rate: Any, decay_steps: Any, decay_rate: Any,
                 staircase: bool = False, name: str = "InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> Any:
        lr = _f64(self.initial_learning_rate) / (1.0 + _f64(self.decay_rate) *
                                                 self._progress(step))
        return tf.cast(lr, _result_dtype(self.initial_learning_rate))


def _cosine(fraction: Any, alpha: float) -> Any:
    """`(1 - alpha) * (1 + cos(pi * fraction)) / 2 + alpha`: from 1 at 0 to alpha at 1."""
    cosine = 0.5 * (1.0 + tf.cos(math.pi * fraction))
    return (1.0 - alpha) * cosine + alpha


class CosineDecay(LearningRateSchedule):
    """A cosine decay, optionally after a linear warmup (SGDR without restarts).

    Without `warmup_target`: `initial_learning_rate * d(min(step, decay_steps))` where
    `d(s) = (1 - alpha) * (1 + cos(pi * s / decay_steps)) / 2 + alpha`. With
    `warmup_target`: for `step < warmup_steps` the rate rises linearly from
    `initial_learning_rate` to `warmup_target`, then it is
    `warmup_target * d(min(step - warmup_steps, decay_steps))`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: a positive number of steps to decay over (after the warmup).
        alpha: the final rate as a fraction of the decay's starting rate.
        warmup_target: the rate the warmup reaches, or None for no warmup.
        warmup_steps: the length of the warmup (>= 0; used only with `warmup_target`).
        name: the name of the schedule.

    Example:
        >>> from ember import keras
        >>> lr = keras.optimizers.schedules.CosineDecay(0.0, 10, warmup_target=1.0,
        ...                                             warmup_steps=4)
        >>> [round(float(lr(s)), 6) for s in (0, 2, 4, 9, 14, 99)]
        [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate: Any, decay_steps: Any, alpha: Any = 0.0,
                 name: str = "CosineDecay", warmup_target: Any = None, warmup_steps: Any = 0):
        who = type(self).__name__
        _number(who, "decay_steps", decay_steps, positive=True)
        _number(who, "alpha", alpha)
        _number(who, "warmup_steps", warmup_steps, nonnegative=True)
        if warmup_target is not None:
            _number(who, "warmup_target", warmup_target)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def __call__(self, step: Any) -> Any:
        step = _f64(step)
        decay_steps = _f64(self.decay_steps)
        initial = _f64(self.initial_learning_rate)
        alpha = float(self.alpha)
        dtype = _result_dtype(self.initial_learning_rate)
        if self.warmup_target is None:
            fraction = tf.minimum(step, decay_steps) / decay_steps
            return tf.cast(initial * _cosine(fraction, alpha), dtype)
        target = _f64(self.warmup_target)
        warmup_steps = float(self.warmup_steps)
        step = tf.minimum(step, decay_steps + warmup_steps)
        # NOTE: both branches are computed and `where` picks one (no cond, so it traces
        # to a flat graph); max(warmup_steps, 1) keeps the unused warmup branch finite
        # when warmup_steps is 0.
        warm = initial + (target - initial) * (step / max(warmup_steps, 1.0))
        decayed = target * _cosine((step - warmup_steps) / decay_steps, alpha)
        return tf.cast(tf.where(step < warmup_steps, warm, decayed), dtype)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2016).

    Period i (i = 0, 1, ...) lasts `first_decay_steps * t_mul**i` steps; within it the rate
    falls from `initial_learning_rate * m_mul**i` along a cosine to `alpha` times
    `initial_learning_rate` (as `initial * ((1 - alpha) * m_mul**i * (1 + cos(pi * f)) / 2
    + alpha)`, f the fraction of the period done), then restarts. With `t_mul < 1` the
    periods' total length is finite and the schedule gives NaN past it, as Keras does.

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: a positive number: the length of the first period.
        t_mul: the factor of each period's length over the previous one (> 0).
        m_mul: the factor of each period's starting rate over the previous one.
        alpha: the minimum rate as a fraction of `initial_learning_rate`.
        name: the name of the schedule.

    Example:
        >>> from ember import keras
        >>> lr = keras.optimizers.schedules.CosineDecayRestarts(1.0, 10, t_mul=2.0,
        ...                                                     m_mul=0.5)
        >>> [round(float(lr(s)), 6) for s in (0, 5, 10, 20, 30, 70)]
        [1.0, 0.5, 0.5, 0.25, 0.25, 0.125]
    """

    def __init__(self, initial_learning_rate: Any, first_decay_steps: Any,
                 t_mul: Any = 2.0, m_mul: Any = 1.0, alpha: Any = 0.0,
                 name: str = "SGDRDecay"):
        who = type(self).__name__
        _number(who, "first_decay_steps", first_decay_steps, positive=True)
        _number(who, "t_mul", t_mul, positive=True)
        _number(who, "m_mul", m_mul)
        _number(who, "alpha", alpha)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step: Any) -> Any:
        fraction = _f64(step) / _f64(self.first_decay_steps)  # in units of the 1st period
        t_mul, m_mul, alpha = float(self.t_mul), float(self.m_mul), float(self.alpha)
        if t_mul == 1.0:
            i_restart = tf.floor(fraction)
            fraction = fraction - i_restart
        else:
            # Period i starts at (1 - t**i) / (1 - t) first periods, so the period holding
            # `fraction` is floor(log(1 - fraction * (1 - t)) / log(t)).
            i_restart = tf.floor(tf.math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            # NOTE: the log ratio can round to just below an integer at a restart step
            # (t_mul=3, first_decay_steps=10, step 1210 gives 4 for 5); check the period
            # against its start points and move one period if rounding missed it.
            t = tf.constant(t_mul, _F64)
            next_start = (1.0 - tf.pow(t, i_restart + 1.0)) / (1.0 - t_mul)
            i_restart = tf.where(fraction >= next_start, i_restart + 1.0, i_restart)
            start = (1.0 - tf.pow(t, i_restart)) / (1.0 - t_mul)
            i_restart = tf.where(fraction < start, i_restart - 1.0, i_restart)
            start = (1.0 - tf.pow(t, i_restart)) / (1.0 - t_mul)
            fraction = (fraction - start) / tf.pow(t, i_restart)
        m_factor = tf.pow(tf.constant(m_mul, _F64), i_restart)
        cosine = 0.5 * m_factor * (1.0 + tf.cos(math.pi * fraction))
        lr = _f64(self.initial_learning_rate) * ((1.0 - alpha) * cosine + alpha)
        return tf.cast(lr, _result_dtype(self.initial_learning_rate))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


# -- serialization ---------------------------------------------------------------------------

_CLASSES = (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay,
            CosineDecay, CosineDecayRestarts)
_ALL: dict[str, type] = {c.__name__: c for c in _CLASSES}


def _unknown(config: Any) -> ValueError:
    return ValueError(f"Could not interpret learning rate schedule config: {config!r}. Pass "
                      f"a dict {{'class_name': ..., 'config': {{...}}}} whose class_name is "
                      f"one of {', '.join(sorted(_ALL))}, or add your class to "
                      f"`custom_objects`.")


def serialize(learning_rate_schedule: LearningRateSchedule) -> dict:
    """`{"class_name": ..., "config": schedule.get_config()}`.

    Example:
        >>> from ember import keras
        >>> lr = keras.optimizers.schedules.InverseTimeDecay(0.1, 5, 0.5)
        >>> keras.optimizers.schedules.serialize(lr)["config"]["decay_rate"]
        0.5
    """
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise TypeError(f"serialize: expected a keras.optimizers.schedules."
                        f"LearningRateSchedule, received {learning_rate_schedule!r}.")
    return serialization.serialize_object(learning_rate_schedule, "learning rate schedule",
                                    "LearningRateSchedule")


def deserialize(config: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """The schedule that `serialize` described (Keras 3 dicts with `module` and
    `registered_name` keys are accepted too); `custom_objects` maps extra class names to
    `LearningRateSchedule` subclasses.

    Example:
        >>> from ember import keras
        >>> keras.optimizers.schedules.deserialize(
        ...     {"class_name": "PiecewiseConstantDecay",
        ...      "config": {"boundaries": [5], "values": [1.0, 0.1]}})
        PiecewiseConstantDecay(boundaries=[5], values=[1.0, 0.1], name='PiecewiseConstant')
    """
    if not isinstance(config, dict):
        raise _unknown(config)
    schedule = serialization.deserialize_object(config, _ALL, custom_objects, _unknown)
    if not isinstance(schedule, LearningRateSchedule):
        raise ValueError(f"deserialize: {config.get('class_name')!r} did not give a "
                         f"LearningRateSchedule (got {schedule!r}).")
    return schedule

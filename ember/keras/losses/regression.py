"""Regression losses: squared, absolute, percentage, logarithmic, Huber, log-cosh and
cosine-similarity errors, as functions (per-sample losses) and `Loss` classes.

Each function casts `y_true` to `y_pred`'s floating dtype, squeezes or adds a trailing 1
so the ranks agree (Keras's rule), and averages over the last axis.

Example:
    >>> from ember.keras import losses
    >>> losses.mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
    array([0.5], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

import ember as tf

from ..config import epsilon
from .loss import LossFunctionWrapper, prepare

__all__ = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error", "huber", "log_cosh", "cosine_similarity",
           "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "Huber", "LogCosh", "CosineSimilarity"]

_SOBS = "sum_over_batch_size"


# -- functions ---------------------------------------------------------------------------

def mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    """`mean(square(y_pred - y_true), axis=-1)`.

    Example:
        >>> from ember.keras import losses
        >>> losses.mean_squared_error([[0.0, 2.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]])
        <tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 0.], dtype=float32)>
    """
    y_true, y_pred = prepare(y_true, y_pred, "mean_squared_error")
    return tf.reduce_mean(tf.math.squared_difference(y_pred, y_true), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    """`mean(abs(y_pred - y_true), axis=-1)`.

    Example:
        >>> from ember.keras import losses
        >>> losses.mean_absolute_error([[0.0, 2.0]], [[1.0, 1.5]]).numpy()
        array([0.75], dtype=float32)
    """
    y_true, y_pred = prepare(y_true, y_pred, "mean_absolute_error")
    return tf.reduce_mean(tf.abs(tf.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Any:
    """`100 * mean(abs((y_true - y_pred) / maximum(abs(y_true), epsilon)), axis=-1)`,
    epsilon = 1e-7 guarding the division.

    Example:
        >>> from ember.keras import losses
        >>> losses.mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 5.0]]).numpy()
        array([37.5], dtype=float32)
    """
    y_true, y_pred = prepare(y_true, y_pred, "mean_absolute_percentage_error")
    diff = tf.abs(tf.divide(tf.subtract(y_true, y_pred),
                            tf.maximum(tf.abs(y_true), epsilon())))
    return tf.multiply(tf.reduce_mean(diff, axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Any:
    """`mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)`,
    eps = 1e-7 (values <= 0 count as eps).

    Example:
        >>> import math
        >>> from ember.keras import losses
        >>> loss = losses.mean_squared_logarithmic_error([[0.0]], [[math.e - 1.0]])
        >>> round(float(loss[0]), 5)
        1.0
    """
    y_true, y_pred = prepare(y_true, y_pred, "mean_squared_logarithmic_error")
    first = tf.math.log1p(tf.maximum(y_pred, epsilon()))
    second = tf.math.log1p(tf.maximum(y_true, epsilon()))
    return tf.reduce_mean(tf.math.squared_difference(first, second), axis=-1)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Any:
    """The Huber loss, averaged over the last axis: with `e = y_pred - y_true`,
    `0.5 * e**2` where `|e| <= delta`, else `delta * |e| - 0.5 * delta**2`.

    Example:
        >>> from ember.keras import losses
        >>> losses.huber([[0.0, 0.0]], [[0.5, 3.0]]).numpy()
        array([1.3125], dtype=float32)
    """
    y_true, y_pred = prepare(y_true, y_pred, "huber")
    error = tf.subtract(y_pred, y_true)
    abs_error = tf.abs(error)
    delta = float(delta)
    quadratic = tf.multiply(tf.square(error), 0.5)
    linear = tf.subtract(tf.multiply(abs_error, delta), 0.5 * delta * delta)
    return tf.reduce_mean(tf.where(abs_error <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true: Any, y_pred: Any) -> Any:
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, computed without overflow as
    `x + softplus(-2x) - log(2)`.

    Example:
        >>> from ember.keras import losses
        >>> losses.log_cosh([[0.0, 0.0]], [[1000.0, 0.0]]).numpy()
        array([499.6534], dtype=float32)
    """
    y_true, y_pred = prepare(y_true, y_pred, "log_cosh")
    x = tf.subtract(y_pred, y_true)
    # NOTE: log(cosh(x)) = x + log(1 + exp(-2x)) - log(2); cosh overflows for |x| > ~89
    # in float32, softplus does not.
    value = tf.add(x, tf.nn.softplus(tf.multiply(x, -2.0)))
    return tf.reduce_mean(tf.subtract(value, math.log(2.0)), axis=-1)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """`-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`: -1 for the same
    direction, 0 for orthogonal vectors or a zero vector, 1 for opposite directions.

    Example:
        >>> from ember.keras import losses
        >>> loss = losses.cosine_similarity([[0.0, 1.0], [3.0, 4.0]], [[1.0, 0.0], [6.0, 8.0]])
        >>> loss.numpy().round(4)
        array([-0., -1.], dtype=float32)
    """
    y_true, y_pred = prepare(y_true, y_pred, "cosine_similarity")
    y_true = tf.math.l2_normalize(y_true, axis=axis)
    y_pred = tf.math.l2_normalize(y_pred, axis=axis)
    return tf.negative(tf.reduce_sum(tf.multiply(y_true, y_pred), axis=axis))


# -- classes -----------------------------------------------------------------------------

class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors (`mean_squared_error`), weighted and reduced.

    Example:
        >>> from ember.keras import losses
        >>> mse = losses.MeanSquaredError()
        >>> float(mse([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]))
        0.5
    """

    _label_check = "elementwise"

    def __init__(self, reduction: str = _SOBS, name: str = "mean_squared_error",
                 dtype: Any = None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors (`mean_absolute_error`), weighted and reduced.

    Example:
        >>> from ember.keras import losses
        >>> float(losses.MeanAbsoluteError()([[0.0, 1.0]], [[1.0, 1.0]]))
        0.5
    """

    _label_check = "elementwise"

    def __init__(self, reduction: str = _SOBS, name: str = "mean_absolute_error",
                 dtype: Any = None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error (`mean_absolute_percentage_error`), weighted and
    reduced.

    Example:
        >>> from ember.keras import losses
        >>> float(losses.MeanAbsolutePercentageError()([[2.0, 4.0]], [[1.0, 5.0]]))
        37.5
    """

    _label_check = "elementwise"

    def __init__(self, reduction: str = _SOBS,
                 name: str = "mean_absolute_percentage_error", dtype: Any = None):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name,
                         dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error (`mean_squared_logarithmic_error`), weighted and
    reduced.

    Example:
        >>> from ember.keras import losses
        >>> round(float(losses.MeanSquaredLogarithmicError()([[0.0]], [[1.0]])), 4)
        0.4805
    """

    _label_check = "elementwise"

    def __init__(self, reduction: str = _SOBS,
                 name: str = "mean_squared_logarithmic_error", dtype: Any = None):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name,
                         dtype=dtype)


class Huber(LossFunctionWrapper):
    """The Huber loss (`huber`): quadratic for errors up to `delta`, linear beyond.

    Example:
        >>> from ember.keras import losses
        >>> float(losses.Huber(delta=2.0)([[0.0, 0.0]], [[1.0, 3.0]]))
        2.25
    """

    _label_check = "elementwise"

    def __init__(self, delta: float = 1.0, reduction: str = _SOBS, name: str = "huber_loss",
                 dtype: Any = None):
        if isinstance(delta, bool) or not isinstance(delta, (int, float)) or not delta >= 0:
            raise ValueError(f"Huber: delta must be a number >= 0 (where the loss turns "
                             f"from quadratic to linear), received delta={delta!r}.")
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype,
                         delta=float(delta))


class LogCosh(LossFunctionWrapper):
    """The logarithm of the hyperbolic cosine of the error (`log_cosh`).

    Example:
        >>> from ember.keras import losses
        >>> round(float(losses.LogCosh()([[0.0, 0.0]], [[1.0, 0.0]])), 4)
        0.2169
    """

    _label_check = "elementwise"

    def __init__(self, reduction: str = _SOBS, name: str = "log_cosh", dtype: Any = None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """The negated cosine similarity of `y_true` and `y_pred` along `axis`
    (`cosine_similarity`), weighted and reduced.

    Example:
        >>> from ember.keras import losses
        >>> loss = losses.CosineSimilarity()
        >>> round(float(loss([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])), 4)
        -0.5
    """

    _label_check = "elementwise"

    def __init__(self, axis: int = -1, reduction: str = _SOBS,
                 name: str = "cosine_similarity", dtype: Any = None):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype,
                         axis=axis)

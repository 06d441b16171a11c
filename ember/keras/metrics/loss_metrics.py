"""Every loss as a metric: the running weighted mean of a per-sample loss function of
`ember.keras.losses` (a `MeanMetricWrapper` whose config holds the loss's options).

Example:
    >>> import ember.keras.metrics as metrics
    >>> m = metrics.MeanSquaredError()
    >>> float(m([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]))
    0.5
"""

from __future__ import annotations

from typing import Any

import ember as tf

from ..losses import (binary_crossentropy, categorical_crossentropy, categorical_hinge,
                      hinge, kl_divergence, log_cosh, mean_absolute_error,
                      mean_absolute_percentage_error, mean_squared_error,
                      mean_squared_logarithmic_error, poisson,
                      sparse_categorical_crossentropy, squared_hinge)
from .base import MeanMetricWrapper, fit_weights, static_dims, to_dtype

__all__ = ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "LogCoshError", "Hinge", "SquaredHinge",
           "CategoricalHinge", "KLDivergence", "Poisson", "BinaryCrossentropy",
           "CategoricalCrossentropy", "SparseCategoricalCrossentropy"]


class MeanSquaredError(MeanMetricWrapper):
    """The mean of `(y_true - y_pred)^2`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> float(metrics.MeanSquaredError()([[0.0, 1.0]], [[1.0, 1.0]]))
        0.5
    """

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean of `|y_true - y_pred|`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> float(metrics.MeanAbsoluteError()([[0.0, 1.0]], [[2.0, 1.0]]))
        1.0
    """

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The mean of `100 * |y_true - y_pred| / max(|y_true|, epsilon)`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> float(metrics.MeanAbsolutePercentageError()([[2.0, 4.0]], [[1.0, 4.0]]))
        25.0
    """

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype: Any = None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The mean of `(log(1 + y_true) - log(1 + y_pred))^2` (inputs clipped at 0).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> round(float(metrics.MeanSquaredLogarithmicError()([[0.0]], [[1.0]])), 4)
        0.4805
    """

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype: Any = None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    """The mean of `log(cosh(y_pred - y_true))`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> round(float(metrics.LogCoshError()([[0.0]], [[1.0]])), 4)
        0.4338
    """

    def __init__(self, name: str = "logcosh", dtype: Any = None):
        super().__init__(log_cosh, name=name, dtype=dtype)


class Hinge(MeanMetricWrapper):
    """The mean of `max(1 - y_true * y_pred, 0)` (labels in {0, 1} become {-1, 1}).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> float(metrics.Hinge()([[1.0, -1.0]], [[0.5, 0.5]]))
        1.0
    """

    def __init__(self, name: str = "hinge", dtype: Any = None):
        super().__init__(hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """The mean of `max(1 - y_true * y_pred, 0)^2` (labels in {0, 1} become {-1, 1}).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> float(metrics.SquaredHinge()([[1.0, -1.0]], [[0.5, 0.5]]))
        1.25
    """

    def __init__(self, name: str = "squared_hinge", dtype: Any = None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """The mean of `max(0, 1 + max((1 - y_true) * y_pred) - sum(y_true * y_pred))`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> float(metrics.CategoricalHinge()([[0.0, 1.0]], [[0.5, 0.25]]))
        1.25
    """

    def __init__(self, name: str = "categorical_hinge", dtype: Any = None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)


class KLDivergence(MeanMetricWrapper):
    """The mean Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred))`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> round(float(metrics.KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]])), 4)
        0.1438
    """

    def __init__(self, name: str = "kullback_leibler_divergence", dtype: Any = None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """The mean of `y_pred - y_true * log(y_pred)`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> float(metrics.Poisson()([[0.0, 0.0]], [[1.0, 3.0]]))
        2.0
    """

    def __init__(self, name: str = "poisson", dtype: Any = None):
        super().__init__(poisson, name=name, dtype=dtype)


class BinaryCrossentropy(MeanMetricWrapper):
    """The mean binary crossentropy of probabilities (or logits, `from_logits=True`).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> round(float(metrics.BinaryCrossentropy()([[1.0, 0.0]], [[0.5, 0.5]])), 4)
        0.6931
    """

    def __init__(self, name: str = "binary_crossentropy", dtype: Any = None,
                 from_logits: bool = False, label_smoothing: float = 0.0):
        super().__init__(binary_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean crossentropy of one-hot labels and class probabilities (or logits).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> round(float(metrics.CategoricalCrossentropy()([[0.0, 1.0]], [[0.5, 0.5]])), 4)
        0.6931
    """

    def __init__(self, name: str = "categorical_crossentropy", dtype: Any = None,
                 from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1):
        super().__init__(categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The mean crossentropy of integer labels and class probabilities (or logits);
    labels equal to `ignore_class` count as weight 0.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> round(float(metrics.SparseCategoricalCrossentropy()([1], [[0.5, 0.5]])), 4)
        0.6931
    """

    def __init__(self, name: str = "sparse_categorical_crossentropy", dtype: Any = None,
                 from_logits: bool = False, ignore_class: int | None = None, axis: int = -1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds the batch's losses; with `ignore_class`, those labels get weight 0, so
        they count in neither the sum nor the number of samples."""
        ignore = self._fn_kwargs["ignore_class"]
        if ignore is not None:
            labels = to_dtype(y_true, self._dtype)
            y_pred = to_dtype(y_pred, self._dtype)
            t, p = static_dims(labels), static_dims(y_pred)
            if t and p and len(t) == len(p) and t[-1] == 1:
                labels = tf.squeeze(labels, -1)
            keep = tf.cast(tf.not_equal(labels, float(ignore)), self._dtype)
            if sample_weight is not None:
                _, weights = fit_weights(f"{self._who()}.update_state", keep,
                                         to_dtype(sample_weight, self._dtype), None)
                keep = tf.multiply(keep, weights)
            sample_weight = keep
        super().update_state(y_true, y_pred, sample_weight=sample_weight)

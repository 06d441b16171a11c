"""Regression metrics that are not plain means of a loss: `RootMeanSquaredError`,
`CosineSimilarity` (the metric counts similarity up, where the loss counts it down),
`MeanRelativeError` and `R2Score`.

Example:
    >>> import ember.keras.metrics as metrics
    >>> m = metrics.RootMeanSquaredError()
    >>> float(m([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]]))
    0.5
"""

from __future__ import annotations

from typing import Any

import ember as tf
from ember.errors import ShapeError

from .base import (Mean, MeanMetricWrapper, Metric, fit_weights, match_ranks, static_dims,
                   to_dtype)

__all__ = ["cosine_similarity", "RootMeanSquaredError", "CosineSimilarity",
           "MeanRelativeError", "R2Score"]


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """The cosine of the angle between `y_true` and `y_pred` along `axis` (1: same
    direction, -1: opposite), each L2-normalized first. Unlike the loss of the same name,
    this is not negated.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> metrics.cosine_similarity([[0.0, 1.0], [1.0, 1.0]],
        ...                           [[1.0, 0.0], [1.0, 1.0]]).numpy().round(4)
        array([0., 1.], dtype=float32)
    """
    y_pred = y_pred if tf.is_tensor(y_pred) else tf.convert_to_tensor(y_pred)
    if not y_pred.dtype.is_floating:
        y_pred = tf.cast(y_pred, tf.float32)
    y_true = to_dtype(y_true, y_pred.dtype)
    y_true = tf.math.l2_normalize(y_true, axis=axis)
    y_pred = tf.math.l2_normalize(y_pred, axis=axis)
    return tf.reduce_sum(y_true * y_pred, axis=axis)


class RootMeanSquaredError(Mean):
    """`sqrt(weighted mean of (y_pred - y_true)^2)` over all entries seen.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.RootMeanSquaredError()
        >>> float(m([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]],
        ...         sample_weight=[1, 0]))
        0.7071067690849304
    """

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds the batch's squared errors to the running (weighted) mean."""
        y_true = to_dtype(y_true, self._dtype)
        y_pred = to_dtype(y_pred, self._dtype)
        y_pred, y_true = match_ranks(y_pred, y_true)
        super().update_state(tf.math.squared_difference(y_pred, y_true),
                             sample_weight=sample_weight)

    def result(self) -> Any:
        return tf.sqrt(tf.divide_no_nan(self.total, self.count))


class CosineSimilarity(MeanMetricWrapper):
    """The mean cosine similarity between labels and predictions along `axis`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.CosineSimilarity(axis=1)
        >>> round(float(m([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])), 4)
        0.5
    """

    def __init__(self, name: str = "cosine_similarity", dtype: Any = None, axis: int = -1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class MeanRelativeError(Mean):
    """The weighted mean of `|y_pred - y_true| / normalizer` (0 where normalizer is 0).

    Args:
        normalizer: a tensor (or values) broadcastable to `y_pred`, e.g. `y_true`'s
            scale.
        name, dtype: as `Metric`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.MeanRelativeError(normalizer=[1, 3, 2, 3])
        >>> round(float(m([1, 3, 2, 3], [2, 4, 6, 8])), 4)
        1.25
    """

    def __init__(self, normalizer: Any, name: str | None = None,  # type: ignore[override]
                 dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.normalizer = to_dtype(normalizer, self._dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds the batch's relative errors to the running (weighted) mean."""
        y_true = to_dtype(y_true, self._dtype)
        y_pred = to_dtype(y_pred, self._dtype)
        y_pred, y_true = match_ranks(y_pred, y_true)
        errors = tf.divide_no_nan(tf.abs(y_true - y_pred), self.normalizer)
        super().update_state(errors, sample_weight=sample_weight)

    def get_config(self) -> dict:
        return {**super().get_config(), "normalizer": self.normalizer.numpy().tolist()}


_R2_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """The coefficient of determination `1 - SS_res / SS_tot` of (samples, outputs)
    regression targets, per output or aggregated.

    Args:
        class_aggregation: None (one score per output), 'uniform_average' (their mean) or
            'variance_weighted_average' (weighted by each output's variance).
        num_regressors: with p > 0, the adjusted R2 `1 - (1 - R2) (n - 1) / (n - p - 1)`.
        name, dtype: as `Metric`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.R2Score()
        >>> round(float(m([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])), 4)
        0.5714
    """

    def __init__(self, class_aggregation: str | None = "uniform_average",
                 num_regressors: int = 0, name: str = "r2_score", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in _R2_AGGREGATIONS:
            raise ValueError(f"R2Score: class_aggregation must be one of "
                             f"{_R2_AGGREGATIONS}, received {class_aggregation!r}.")
        if isinstance(num_regressors, bool) or not isinstance(num_regressors, int) \
                or num_regressors < 0:
            raise ValueError(f"R2Score: num_regressors must be an int >= 0, received "
                             f"{num_regressors!r}.")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_weight("num_samples")
        self._built = False

    def _build(self, y_true: Any, y_pred: Any) -> None:
        t, p = static_dims(y_true), static_dims(y_pred)
        if t is None or p is None or len(t) != 2 or len(p) != 2 or p[-1] is None:
            raise ShapeError(f"{self._who()}: expects 2D inputs of shape (num_samples, "
                             f"num_outputs), received y_true {y_true.shape} and y_pred "
                             f"{y_pred.shape}.")
        shape = (p[-1],)
        self.squared_sum = self.add_weight("squared_sum", shape=shape)
        self.sum = self.add_weight("sum", shape=shape)
        self.total_mse = self.add_weight("residual", shape=shape)
        self.count = self.add_weight("count", shape=shape)
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds the batch's weighted sums of y, y^2 and squared residuals per output."""
        y_true = to_dtype(y_true, self._dtype)
        y_pred = to_dtype(y_pred, self._dtype)
        if not self._built:
            self._build(y_true, y_pred)
        if not y_true.shape.is_compatible_with(y_pred.shape):
            raise ShapeError(f"{self._who()}.update_state: y_true and y_pred must have the "
                             f"same shape, received {y_true.shape} and {y_pred.shape}.")
        if sample_weight is None:
            weights = tf.ones_like(y_true)
        else:
            weights = to_dtype(sample_weight, self._dtype)
            _, weights = fit_weights(f"{self._who()}.update_state", y_true, weights, None)
            weights = tf.broadcast_to(weights, tf.shape(y_true))
        weighted = y_true * weights
        self.sum.assign_add(tf.reduce_sum(weighted, axis=0))
        self.squared_sum.assign_add(tf.reduce_sum(y_true * weighted, axis=0))
        self.total_mse.assign_add(tf.reduce_sum(tf.square(y_true - y_pred) * weights, axis=0))
        self.count.assign_add(tf.reduce_sum(weights, axis=0))
        # NOTE: as Keras, n counts entries (samples x outputs), not rows.
        self.num_samples.assign_add(tf.cast(tf.size(y_true), self._dtype))

    def result(self) -> Any:
        if not self._built:
            return tf.constant(0.0, dtype=self._dtype)
        mean = tf.identity(self.sum) / self.count
        total = self.squared_sum - self.sum * mean
        raw = 1.0 - self.total_mse / total
        raw = tf.where(tf.math.is_inf(raw), tf.zeros_like(raw), raw)
        if self.class_aggregation == "uniform_average":
            r2 = tf.reduce_mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            r2 = tf.reduce_sum(total * raw) / tf.reduce_sum(total)
        else:
            r2 = raw
        if self.num_regressors:
            n, p = self.num_samples, float(self.num_regressors)
            # NOTE: the adjustment needs n > p + 1 samples; with fewer, R2 is returned as
            # is (Keras warns and does the same).
            adjusted = 1.0 - (1.0 - r2) * ((n - 1.0) / tf.maximum(n - p - 1.0, 1.0))
            r2 = tf.where(n > p + 1.0, adjusted, r2)
        return r2

    def get_config(self) -> dict:
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}

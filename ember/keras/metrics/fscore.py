"""`FBetaScore` and `F1Score`: the weighted harmonic mean of precision and recall, per
class or averaged ('micro', 'macro', 'weighted'), for (batch, classes) inputs.

`F_beta = (1 + beta^2) * precision * recall / (beta^2 * precision + recall)`, with a
small epsilon in each division (so empty classes give 0).

Example:
    >>> import ember.keras.metrics as metrics
    >>> m = metrics.F1Score(average="micro", threshold=0.5)
    >>> round(float(m([[1, 0], [0, 1]], [[0.9, 0.8], [0.2, 0.7]])), 4)
    0.8
"""

from __future__ import annotations

import math
from typing import Any

import ember as tf
from ember.errors import ShapeError

from ..config import epsilon
from .base import Metric, fit_weights, static_dims, to_dtype

__all__ = ["FBetaScore", "F1Score"]

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """The F-beta score of (batch, classes) multi-class or multi-label predictions.

    Args:
        average: None (one score per class), 'micro' (pool the counts of all classes),
            'macro' (the mean of per-class scores) or 'weighted' (per-class scores
            weighted by each class's (weighted) number of true labels).
        beta: how much more recall weighs than precision (> 0).
        threshold: predictions above it are positive; None takes each row's largest
            prediction(s) as positive (argmax, ties included).
        name, dtype: as `Metric`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.FBetaScore(beta=2.0, threshold=0.5)
        >>> m([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
        ...   [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]).numpy().round(4)
        array([0.3846, 0.9091, 0.8333], dtype=float32)
    """

    def __init__(self, average: str | None = None, beta: float = 1.0,
                 threshold: float | None = None, name: str = "fbeta_score",
                 dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        who = type(self).__name__
        if average not in _AVERAGES:
            raise ValueError(f"{who}: average must be one of {_AVERAGES}, received "
                             f"{average!r}.")
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not beta > 0 \
                or not math.isfinite(beta):
            raise ValueError(f"{who}: beta must be a float > 0, received {beta!r}.")
        if threshold is not None and (isinstance(threshold, bool)
                                      or not isinstance(threshold, (int, float))
                                      or not 0.0 < threshold <= 1.0):
            raise ValueError(f"{who}: threshold must be None or a float in (0, 1], "
                             f"received {threshold!r}.")
        self.average = average
        self.beta = float(beta)
        self.threshold = None if threshold is None else float(threshold)
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true: Any, y_pred: Any) -> None:
        t, p = static_dims(y_true), static_dims(y_pred)
        if t is None or p is None or len(t) != 2 or len(p) != 2 or p[-1] is None:
            raise ShapeError(f"{self._who()}: expects 2D inputs of shape (batch_size, "
                             f"num_classes), received y_true {y_true.shape} and y_pred "
                             f"{y_pred.shape}.")
        shape = () if self.average == "micro" else (p[-1],)
        self.num_classes = p[-1]
        self.true_positives = self.add_weight("true_positives", shape=shape)
        self.false_positives = self.add_weight("false_positives", shape=shape)
        self.false_negatives = self.add_weight("false_negatives", shape=shape)
        self.intermediate_weights = self.add_weight("intermediate_weights", shape=shape)
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds the batch's (weighted) true positive, false positive and false negative
        counts, per class or pooled ('micro')."""
        y_true = to_dtype(y_true, self._dtype)
        y_pred = to_dtype(y_pred, self._dtype)
        if not self._built:
            self._build(y_true, y_pred)
        if not y_true.shape.is_compatible_with(y_pred.shape):
            raise ShapeError(f"{self._who()}.update_state: y_true and y_pred must have the "
                             f"same shape, received {y_true.shape} and {y_pred.shape}.")
        if self.threshold is None:
            top = tf.reduce_max(y_pred, axis=-1, keepdims=True)
            # NOTE: as Keras, an all-zero row predicts no class at all.
            hits = tf.logical_and(y_pred >= top, tf.abs(y_pred) > 1e-9)
        else:
            hits = y_pred > self.threshold
        y_pred = tf.cast(hits, self._dtype)
        if sample_weight is not None:
            weights = to_dtype(sample_weight, self._dtype)
            _, weights = fit_weights(f"{self._who()}.update_state", y_pred, weights, None)
        else:
            weights = None

        def weighted_sum(values: Any) -> Any:
            if weights is not None:
                values = tf.multiply(values, weights)
            return tf.reduce_sum(values, axis=self.axis)

        tp = y_pred * y_true
        self.true_positives.assign_add(weighted_sum(tp))
        self.false_positives.assign_add(weighted_sum(y_pred - tp))
        self.false_negatives.assign_add(weighted_sum(y_true - tp))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self) -> Any:
        if not self._built:
            return tf.constant(0.0, dtype=self._dtype)
        eps = epsilon()
        tp = tf.identity(self.true_positives)
        precision = tp / (tp + self.false_positives + eps)
        recall = tp / (tp + self.false_negatives + eps)
        b2 = self.beta ** 2
        score = (precision * recall) / (b2 * precision + recall + eps) * (1.0 + b2)
        if self.average == "weighted":
            w = tf.identity(self.intermediate_weights)
            return tf.reduce_sum(score * (w / (tf.reduce_sum(w) + eps)))
        if self.average == "macro":
            return tf.reduce_mean(score)
        return score

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> dict:
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F1 score (`FBetaScore` with beta=1): `2 * precision * recall / (precision +
    recall)`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.F1Score(threshold=0.5)
        >>> m([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
        ...   [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]).numpy().round(4)
        array([0.5   , 0.8   , 0.6667], dtype=float32)
    """

    def __init__(self, average: str | None = None, threshold: float | None = None,
                 name: str = "f1_score", dtype: Any = None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name,
                         dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config

"""One rate at the best threshold where another reaches a target: SensitivityAtSpecificity,
SpecificityAtSensitivity, PrecisionAtRecall and RecallAtPrecision.

Confusion counts are kept at `num_thresholds` thresholds `[0, 1/(n-1), ..., 1]` (a
prediction is positive when `y_pred > t`); the result is the largest value of the
dependent rate over the thresholds whose constrained rate is >= the target (0 if none).

Example:
    >>> import ember.keras.metrics as metrics
    >>> m = metrics.PrecisionAtRecall(0.5)
    >>> float(m([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]))
    0.5
"""

from __future__ import annotations

from typing import Any

import ember as tf

from .base import Metric
from .confusion import check_index, update_confusion

__all__ = ["SensitivityAtSpecificity", "SpecificityAtSensitivity", "PrecisionAtRecall",
           "RecallAtPrecision"]


class _AtValue(Metric):
    """Base: tp, fp, tn, fn at evenly spaced thresholds; subclasses pick the rates."""

    _arg = ""

    def __init__(self, value: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        who = type(self).__name__
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not 0 <= value <= 1:
            raise ValueError(f"{who}: {self._arg} must be a number in [0, 1], received "
                             f"{value!r}.")
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) \
                or num_thresholds < 1:
            raise ValueError(f"{who}: num_thresholds must be a positive int, received "
                             f"{num_thresholds!r}.")
        self.value = float(value)
        self.num_thresholds = num_thresholds
        self.class_id = check_index(who, "class_id", class_id, 0)
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            self.thresholds = [i / (num_thresholds - 1) for i in range(num_thresholds)]
        self._thresholds = tf.constant(self.thresholds, dtype=self._dtype)
        n = len(self.thresholds)
        self.true_positives = self.add_weight("true_positives", shape=(n,))
        self.false_positives = self.add_weight("false_positives", shape=(n,))
        self.true_negatives = self.add_weight("true_negatives", shape=(n,))
        self.false_negatives = self.add_weight("false_negatives", shape=(n,))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds the batch's confusion counts at every threshold."""
        update_confusion(self, {"tp": self.true_positives, "fp": self.false_positives,
                                "tn": self.true_negatives, "fn": self.false_negatives},
                         y_true, y_pred, self._thresholds, sample_weight,
                         class_id=self.class_id)

    def _rates(self) -> dict:
        tp, fp, tn, fn = (tf.identity(v) for v in (
            self.true_positives, self.false_positives, self.true_negatives,
            self.false_negatives))
        return {"sensitivity": tf.divide_no_nan(tp, tp + fn),
                "specificity": tf.divide_no_nan(tn, tn + fp),
                "precision": tf.divide_no_nan(tp, tp + fp)}

    def _best(self, constrained: Any, dependent: Any) -> Any:
        """max(dependent where constrained >= value), 0 when no threshold qualifies (the
        rates are >= 0, so a masked max equals the max over the feasible ones)."""
        feasible = tf.greater_equal(constrained, self.value)
        return tf.reduce_max(tf.where(feasible, dependent, tf.zeros_like(dependent)))

    def get_config(self) -> dict:
        return {**super().get_config(), self._arg: self.value,
                "num_thresholds": self.num_thresholds, "class_id": self.class_id}


class SensitivityAtSpecificity(_AtValue):
    """The best sensitivity (recall) at a specificity >= `specificity`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.SensitivityAtSpecificity(0.5)
        >>> float(m([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]))
        0.5
    """

    _arg = "specificity"

    def __init__(self, specificity: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self) -> Any:
        r = self._rates()
        return self._best(r["specificity"], r["sensitivity"])


class SpecificityAtSensitivity(_AtValue):
    """The best specificity at a sensitivity (recall) >= `sensitivity`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.SpecificityAtSensitivity(0.5)
        >>> round(float(m([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])), 4)
        0.6667
    """

    _arg = "sensitivity"

    def __init__(self, sensitivity: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self) -> Any:
        r = self._rates()
        return self._best(r["sensitivity"], r["specificity"])


class PrecisionAtRecall(_AtValue):
    """The best precision at a recall >= `recall`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.PrecisionAtRecall(0.8)
        >>> round(float(m([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])), 4)
        0.6667
    """

    _arg = "recall"

    def __init__(self, recall: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self) -> Any:
        r = self._rates()
        return self._best(r["sensitivity"], r["precision"])


class RecallAtPrecision(_AtValue):
    """The best recall at a precision >= `precision`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.RecallAtPrecision(0.8)
        >>> float(m([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]))
        0.5
    """

    _arg = "precision"

    def __init__(self, precision: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self) -> Any:
        r = self._rates()
        return self._best(r["precision"], r["sensitivity"])

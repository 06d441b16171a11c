"""`AUC`: the area under the ROC or precision-recall curve, approximated from confusion
counts at a fixed set of thresholds (Keras' streaming AUC).

The thresholds are `[-eps, 1/(n-1), ..., (n-2)/(n-1), 1+eps]` for `num_thresholds=n`
(or the user's, with -eps and 1+eps added). Each pair of neighbouring thresholds gives one
Riemann term: its width on the x axis (false-positive rate for ROC, recall for PR) times a
height from the y values at both ends: their mean ('interpolation'), minimum ('minoring')
or maximum ('majoring'). The PR curve with 'interpolation' uses the interpolation of
Davis & Goadrich (2006) instead: precision is interpolated along the number of predicted
positives, which integrates in closed form.

Example:
    >>> import ember.keras.metrics as metrics
    >>> m = metrics.AUC(num_thresholds=3)
    >>> float(m([0, 0, 1, 1], [0.0, 0.5, 0.3, 0.9]))
    0.75
"""

from __future__ import annotations

from typing import Any

import ember as tf
from ember.errors import ShapeError

from ..config import epsilon
from .base import Metric, static_dims, to_dtype
from .confusion import parse_thresholds, update_confusion

__all__ = ["AUC"]

_CURVES = {"roc": "ROC", "pr": "PR"}
_SUMMATIONS = ("interpolation", "minoring", "majoring")


class AUC(Metric):
    """The area under the ROC or PR curve, from confusion counts at `num_thresholds`
    thresholds.

    Args:
        num_thresholds: how many thresholds (> 1) split [0, 1]; more is more accurate.
        curve: 'ROC' or 'PR' (precision-recall), any case.
        summation_method: 'interpolation' (trapezoids; for PR, Davis & Goadrich's
            interpolation), 'minoring' (lower Riemann sum) or 'majoring' (upper).
        name, dtype: as `Metric`.
        thresholds: explicit thresholds in [0, 1] (num_thresholds is then ignored).
        multi_label: with (batch, labels) inputs, compute one AUC per label and average
            them; otherwise all entries are pooled into one curve.
        num_labels: the number of labels with `multi_label` (else taken from the first
            batch).
        label_weights: non-negative weights of the labels: with `multi_label`, the
            weights of the per-label average; otherwise they weight the counts.
        from_logits: apply a sigmoid to predictions first.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.AUC(curve="PR", num_thresholds=3)
        >>> round(float(m([0, 0, 1, 1], [0.0, 0.5, 0.3, 0.9])), 4)
        0.8207
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None,
                 dtype: Any = None, thresholds: Any = None, multi_label: bool = False,
                 num_labels: int | None = None, label_weights: Any = None,
                 from_logits: bool = False):
        super().__init__(name=name, dtype=dtype)
        who = "AUC"
        if str(curve).lower() not in _CURVES:
            raise ValueError(f'{who}: invalid curve "{curve}"; expected "ROC" or "PR".')
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(f'{who}: invalid summation_method "{summation_method}"; '
                             f"expected one of {_SUMMATIONS}.")
        self.curve = _CURVES[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(parse_thresholds(who, thresholds, 0.5))
            num_thresholds = len(inner) + 2
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) \
                    or num_thresholds <= 1:
                raise ValueError(f"{who}: num_thresholds must be an int > 1, received "
                                 f"{num_thresholds!r}.")
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        eps = epsilon()
        self.num_thresholds = num_thresholds
        self.thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self._thresholds = tf.constant(self.thresholds, dtype=self._dtype)
        self.multi_label = bool(multi_label)
        self.from_logits = bool(from_logits)
        if num_labels is not None and (isinstance(num_labels, bool)
                                       or not isinstance(num_labels, int) or num_labels < 1):
            raise ValueError(f"{who}: num_labels must be None or a positive int, received "
                             f"{num_labels!r}.")
        self.num_labels = num_labels
        if label_weights is not None:
            lw = tf.cast(tf.convert_to_tensor(label_weights), self._dtype)
            if lw.shape.rank != 1:
                raise ShapeError(f"{who}: label_weights must be a 1-D list of per-label "
                                 f"weights, received shape {lw.shape}.")
            if bool(tf.reduce_any(lw < 0)):
                raise ValueError(f"{who}: label_weights must be non-negative, received "
                                 f"{label_weights!r}.")
            self.label_weights = lw
        else:
            self.label_weights = None
        self._built = False
        if not self.multi_label or num_labels is not None:
            self._build(num_labels)

    def _build(self, num_labels: int | None) -> None:
        shape = (self.num_thresholds,) if not self.multi_label else \
            (self.num_thresholds, num_labels)
        self.num_labels = num_labels
        self.true_positives = self.add_weight("true_positives", shape=shape)
        self.false_positives = self.add_weight("false_positives", shape=shape)
        self.true_negatives = self.add_weight("true_negatives", shape=shape)
        self.false_negatives = self.add_weight("false_negatives", shape=shape)
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds the batch's confusion counts at every threshold."""
        if not self._built:
            dims = static_dims(to_dtype(y_pred, self._dtype))
            if not dims or dims[-1] is None:
                raise ShapeError(f"{self._who()}.update_state: with multi_label=True, "
                                 f"y_pred must have a known last axis (labels), received "
                                 f"shape {dims}; or pass num_labels=.")
            self._build(dims[-1])
        if self.from_logits:
            y_pred = tf.sigmoid(to_dtype(y_pred, self._dtype))
        update_confusion(self, {"tp": self.true_positives, "fp": self.false_positives,
                                "tn": self.true_negatives, "fn": self.false_negatives},
                         y_true, y_pred, self._thresholds, sample_weight,
                         multi_label=self.multi_label,
                         label_weights=None if self.multi_label else self.label_weights)

    def _average(self, terms: Any) -> Any:
        """Sums Riemann terms over thresholds; with multi_label, (weighted) averages the
        per-label areas."""
        if not self.multi_label:
            return tf.reduce_sum(terms)
        by_label = tf.reduce_sum(terms, axis=0)
        if self.label_weights is None:
            return tf.reduce_mean(by_label)
        return tf.divide_no_nan(tf.reduce_sum(by_label * self.label_weights),
                                tf.reduce_sum(self.label_weights))

    def interpolate_pr_auc(self) -> Any:
        """The PR-AUC with Davis & Goadrich's interpolation: between neighbouring
        thresholds, precision is interpolated along p = tp + fp (predicted positives),
        tp = slope * p + intercept, whose integral over recall is closed-form."""
        tp, fp, fn = (tf.identity(v) for v in (self.true_positives, self.false_positives,
                                               self.false_negatives))
        tp_hi, tp_lo = tp[:-1], tp[1:]  # lower thresholds come first: more positives
        p = tp + fp
        p_hi, p_lo = p[:-1], p[1:]
        dtp = tp_hi - tp_lo
        slope = tf.divide_no_nan(dtp, tf.maximum(p_hi - p_lo, 0.0))
        intercept = tp_lo - slope * p_lo
        both = tf.logical_and(p_hi > 0, p_lo > 0)
        ratio = tf.where(both, tf.divide_no_nan(p_hi, tf.maximum(p_lo, 0.0)),
                         tf.ones_like(p_lo))
        terms = tf.divide_no_nan(slope * (dtp + intercept * tf.math.log(ratio)),
                                 tf.maximum(tp_lo + fn[1:], 0.0))
        return self._average(terms)

    def result(self) -> Any:
        if not self._built:
            return tf.constant(0.0, dtype=self._dtype)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp, tn, fn = (tf.identity(v) for v in (
            self.true_positives, self.false_positives, self.true_negatives,
            self.false_negatives))
        recall = tf.divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = tf.divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, tf.divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = tf.minimum(y[:-1], y[1:])
        else:
            heights = tf.maximum(y[:-1], y[1:])
        return self._average((x[:-1] - x[1:]) * heights)

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> dict:
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None
                  else self.label_weights.numpy().tolist(),
                  "from_logits": self.from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config

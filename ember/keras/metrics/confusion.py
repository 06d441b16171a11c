"""Confusion-matrix metrics: TruePositives / FalsePositives / TrueNegatives /
FalseNegatives, Precision and Recall, and the thresholded update they share with AUC.

A prediction counts as positive at threshold `t` when `y_pred > t` (strictly); a label is
positive when it is nonzero. Counts are weighted by `sample_weight`.

Example:
    >>> import ember.keras.metrics as metrics
    >>> m = metrics.Precision()
    >>> round(float(m([0, 1, 1, 1], [1, 0, 1, 1])), 4)
    0.6667
"""

from __future__ import annotations

import math
from typing import Any

import ember as tf
from ember.errors import ShapeError
from ember.ops import debug_ops

from .base import Metric, fit_weights, match_ranks, static_dims, to_dtype

__all__ = ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives",
           "Precision", "Recall"]

# NOTE: Keras' value for "below every threshold": entries outside the top k are set to it,
# and it is the default threshold with top_k, so only the top k count as positive.
NEG_INF = -1e10


def parse_thresholds(who: str, thresholds: Any, default: float) -> list:
    """`thresholds` (None, a number or a list of numbers in [0, 1]) as a list of floats;
    None gives `[default]`."""
    if thresholds is None:
        return [float(default)]
    values = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
    if not values:
        raise ValueError(f"{who}: thresholds must not be empty; pass a float in [0, 1] or a "
                         f"list of them.")
    out = []
    for t in values:
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t <= 1 \
                or math.isnan(t):
            raise ValueError(f"{who}: threshold values must be numbers in [0, 1], received "
                             f"thresholds={thresholds!r}.")
        out.append(float(t))
    return out


def check_index(who: str, arg: str, value: Any, minimum: int) -> int | None:
    """None, or `value` as an int >= minimum; a clear error otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{who}: {arg} must be None or an int >= {minimum}, received "
                         f"{value!r}.")
    return value


def filter_top_k(x: Any, k: int) -> Any:
    """`x` with every entry outside the `k` largest of its last axis set to NEG_INF."""
    classes = static_dims(x)[-1]
    _, idx = tf.math.top_k(x, k=k)
    depth = classes if classes is not None else tf.shape(x)[-1]
    mask = tf.reduce_sum(tf.one_hot(idx, depth, dtype=x.dtype), axis=-2)
    return tf.where(mask > 0, x, tf.cast(NEG_INF, x.dtype))


def update_confusion(metric: Metric, counts: dict, y_true: Any, y_pred: Any, thresholds: Any,
                     sample_weight: Any = None, top_k: int | None = None,
                     class_id: int | None = None, multi_label: bool = False,
                     label_weights: Any = None) -> None:
    """Adds the weighted confusion counts of a batch at each threshold.

    Args:
        metric: the metric (for its dtype and error messages).
        counts: Variables to update, keyed by 'tp', 'fp', 'tn', 'fn' (any subset), each of
            shape (T,), or (T, labels) with `multi_label`.
        thresholds: a (T,) tensor of the metric's dtype.
        top_k: only the k largest predictions of each row can be positive.
        class_id: count only this class (the last axis).
        multi_label: keep the last axis (labels) apart instead of flattening.
        label_weights: a (labels,) weighting of the last axis, when not `multi_label`.
    """
    who = f"{metric._who()}.update_state"
    dt = metric._dtype
    y_true = to_dtype(y_true, dt)
    y_pred = to_dtype(y_pred, dt)
    y_pred, y_true = match_ranks(y_pred, y_true)
    if not y_pred.shape.is_compatible_with(y_true.shape):
        raise ShapeError(f"{who}: y_true and y_pred must have the same shape, received "
                         f"y_true {y_true.shape} and y_pred {y_pred.shape}.")
    dims = static_dims(y_pred)
    if (top_k is not None or class_id is not None or multi_label) and not dims:
        raise ShapeError(f"{who}: with top_k, class_id or multi_label, y_pred needs a class "
                         f"axis (shape (batch, classes)), received {y_pred.shape}.")
    if sample_weight is not None:
        _, weights = fit_weights(who, y_pred, to_dtype(sample_weight, dt), None)
    else:
        weights = None
    # tf.keras 2 checks the range before anything is counted (probabilities expected; for
    # logits, apply a sigmoid or softmax first)
    debug_ops.assert_greater_equal(y_pred, 0.0, message=f"{who}: predictions must be >= 0")
    debug_ops.assert_less_equal(y_pred, 1.0, message=f"{who}: predictions must be <= 1")
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if dims[-1] is not None and class_id >= dims[-1]:
            raise ValueError(f"{who}: class_id={class_id} is out of range for predictions "
                             f"with {dims[-1]} classes.")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    labels = tf.cast(tf.not_equal(y_true, 0), dt)
    if weights is not None and weights.shape != y_pred.shape:
        weights = tf.broadcast_to(weights, tf.shape(y_pred))
    if label_weights is not None and not multi_label:
        lw = tf.broadcast_to(label_weights, tf.shape(y_pred))
        weights = lw if weights is None else tf.multiply(weights, lw)
    pos_w = labels if weights is None else tf.multiply(labels, weights)
    neg_w = (1.0 - labels) if weights is None else tf.multiply(1.0 - labels, weights)
    if multi_label:
        width = dims[-1] if dims[-1] is not None else tf.shape(y_pred)[-1]
        shape = tf.stack([-1, width])
        y_pred, pos_w, neg_w = (tf.transpose(tf.reshape(t, shape))
                                for t in (y_pred, pos_w, neg_w))  # each (labels, N)
        stacked = tf.stack([pos_w, neg_w], axis=1)  # (labels, 2, N)
    else:
        y_pred, pos_w, neg_w = (tf.reshape(t, [-1]) for t in (y_pred, pos_w, neg_w))
        stacked = tf.stack([pos_w, neg_w])  # (2, N)
    above = tf.cast(tf.greater(tf.expand_dims(y_pred, -1), thresholds), dt)  # (..., N, T)
    # NOTE: the counts are contractions over the batch: (weights of the positive and
    # negative labels) @ (prediction above / not above each threshold); one matmul each.
    if "tp" in counts or "fp" in counts:
        _add_counts(counts, "tp", "fp", tf.matmul(stacked, above), multi_label)
    if "fn" in counts or "tn" in counts:
        _add_counts(counts, "fn", "tn", tf.matmul(stacked, 1.0 - above), multi_label)


def _add_counts(counts: dict, pos_key: str, neg_key: str, both: Any,
                multi_label: bool) -> None:
    """Adds row 0 (positive labels) and row 1 (negative labels) of `both` ((2, T), or
    (labels, 2, T) with multi_label) to the counts that are asked for."""
    for key, row in ((pos_key, 0), (neg_key, 1)):
        if key in counts:
            value = both[:, row, :] if multi_label else both[row]
            counts[key].assign_add(tf.transpose(value) if multi_label else value)


class _ConfusionCount(Metric):
    """Base of TruePositives & co: one weighted count per threshold."""

    _key = ""

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(type(self).__name__, thresholds, 0.5)
        self._thresholds = tf.constant(self.thresholds, dtype=self._dtype)
        self.accumulator = self.add_weight("accumulator", shape=(len(self.thresholds),))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds the weighted count of a batch at each threshold."""
        update_confusion(self, {self._key: self.accumulator}, y_true, y_pred,
                         self._thresholds, sample_weight)

    def result(self) -> Any:
        if len(self.thresholds) == 1:
            return self.accumulator[0]
        return tf.identity(self.accumulator)

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionCount):
    """The weighted number of positive labels predicted above the threshold(s) (a list of
    thresholds gives one count each).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> float(metrics.TruePositives()([0, 1, 1, 1], [1, 0, 1, 1]))
        2.0
    """

    _key = "tp"


class FalsePositives(_ConfusionCount):
    """The weighted number of negative labels predicted above the threshold(s).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> float(metrics.FalsePositives()([0, 1, 0, 0], [0, 0, 1, 1]))
        2.0
    """

    _key = "fp"


class TrueNegatives(_ConfusionCount):
    """The weighted number of negative labels predicted at or below the threshold(s).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> float(metrics.TrueNegatives()([0, 1, 0, 0], [1, 1, 0, 0]))
        2.0
    """

    _key = "tn"


class FalseNegatives(_ConfusionCount):
    """The weighted number of positive labels predicted at or below the threshold(s).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> float(metrics.FalseNegatives()([0, 1, 1, 1], [0, 1, 0, 0]))
        2.0
    """

    _key = "fn"


class _PrecisionRecall(Metric):
    """Base of Precision and Recall: true positives and one other count per threshold."""

    _other = ""

    def __init__(self, thresholds: Any = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        who = type(self).__name__
        self.init_thresholds = thresholds
        self.top_k = check_index(who, "top_k", top_k, 1)
        self.class_id = check_index(who, "class_id", class_id, 0)
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_thresholds(who, thresholds, default)
        self._thresholds = tf.constant(self.thresholds, dtype=self._dtype)
        n = len(self.thresholds)
        self.true_positives = self.add_weight("true_positives", shape=(n,))
        other = {"fp": "false_positives", "fn": "false_negatives"}[self._other]
        setattr(self, other, self.add_weight(other, shape=(n,)))
        self._other_var = getattr(self, other)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds the batch's weighted counts at each threshold (after top_k / class_id)."""
        update_confusion(self, {"tp": self.true_positives, self._other: self._other_var},
                         y_true, y_pred, self._thresholds, sample_weight, top_k=self.top_k,
                         class_id=self.class_id)

    def result(self) -> Any:
        tp = self.true_positives
        value = tf.divide_no_nan(tp, tf.add(tp, self._other_var))
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """`tp / (tp + fp)`: the fraction of positive predictions that are right.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5; with `top_k`, the
            top k predictions are positive whatever their value); a list gives one
            precision per threshold.
        top_k: only the k largest predictions of each row count as positive.
        class_id: compute the precision of this class (last axis) only.
        name, dtype: as `Metric`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.Precision(top_k=2)
        >>> float(m([0, 0, 1, 1], [1, 1, 1, 1]))
        0.0
    """

    _other = "fp"


class Recall(_PrecisionRecall):
    """`tp / (tp + fn)`: the fraction of positive labels predicted positive.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5; with `top_k`, the
            top k predictions are positive whatever their value).
        top_k: only the k largest predictions of each row count as positive.
        class_id: compute the recall of this class (last axis) only.
        name, dtype: as `Metric`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.Recall()
        >>> round(float(m([0, 1, 1, 1], [1, 0, 1, 1])), 4)
        0.6667
    """

    _other = "fn"

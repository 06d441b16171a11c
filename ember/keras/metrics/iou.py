"""Intersection-over-union metrics: IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU.

A weighted confusion matrix (rows: labels, columns: predicted classes) is accumulated;
per class `iou = tp / (tp + fp + fn)` = `cm[c, c] / (row_c + col_c - cm[c, c])`, and the
result is the mean over the target classes that occurred (nonzero denominator).

Example:
    >>> import ember.keras.metrics as metrics
    >>> m = metrics.MeanIoU(num_classes=2)
    >>> float(m([0, 0, 1, 1], [0, 1, 0, 1]))
    0.3333333432674408
"""

from __future__ import annotations

from typing import Any

import ember as tf

from .base import Metric, fit_weights, to_dtype

__all__ = ["IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU"]


def _check_classes(who: str, num_classes: Any, target_class_ids: Any) -> list:
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"{who}: num_classes must be a positive int, received "
                         f"{num_classes!r}.")
    ids = list(target_class_ids)
    if not ids or any(isinstance(i, bool) or not isinstance(i, int)
                      or not 0 <= i < num_classes for i in ids):
        raise ValueError(f"{who}: target_class_ids must be a non-empty list of class ids "
                         f"in [0, {num_classes}), received {target_class_ids!r}.")
    return ids


class IoU(Metric):
    """The mean IoU of the classes `target_class_ids` (one id: that class's IoU).

    Args:
        num_classes: the number of classes (the confusion matrix is num_classes^2).
        target_class_ids: the classes whose IoUs are averaged.
        name, dtype: as `Metric`.
        ignore_class: a label value left out of the matrix (e.g. a "void" class).
        sparse_y_true, sparse_y_pred: whether labels / predictions are class ids (True)
            or scores along `axis` (False: argmax is taken).
        axis: the class axis of non-sparse inputs.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.IoU(num_classes=2, target_class_ids=[0])
        >>> float(m([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1]))
        0.3333333432674408
    """

    def __init__(self, num_classes: int, target_class_ids: Any, name: str | None = None,
                 dtype: Any = None, ignore_class: int | None = None,
                 sparse_y_true: bool = True, sparse_y_pred: bool = True, axis: int = -1):
        super().__init__(name=name, dtype=dtype)
        self.target_class_ids = _check_classes(type(self).__name__, num_classes,
                                               target_class_ids)
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = bool(sparse_y_true)
        self.sparse_y_pred = bool(sparse_y_pred)
        self.axis = axis
        self.total_cm = self.add_weight("total_confusion_matrix",
                                        shape=(num_classes, num_classes))

    def _ids(self, x: Any, sparse: bool) -> Any:
        """Float class ids (argmax of scores unless sparse)."""
        x = x if tf.is_tensor(x) else tf.convert_to_tensor(x)
        if not sparse:
            x = tf.argmax(x, axis=self.axis)
        return to_dtype(x, self._dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds the batch's weighted (label, prediction) pairs to the confusion matrix;
        `sample_weight` broadcasts to the labels (one weight per sample is fine)."""
        labels = self._ids(y_true, self.sparse_y_true)
        preds = tf.reshape(self._ids(y_pred, self.sparse_y_pred), [-1])
        weights = None
        if sample_weight is not None:
            _, weights = fit_weights(f"{self._who()}.update_state", labels,
                                     to_dtype(sample_weight, self._dtype), None)
            weights = tf.reshape(tf.broadcast_to(weights, tf.shape(labels)), [-1])
        labels = tf.reshape(labels, [-1])
        if self.ignore_class is not None:
            keep = tf.cast(tf.not_equal(labels, float(self.ignore_class)), self._dtype)
            weights = keep if weights is None else weights * keep
        n = self.num_classes
        rows = tf.one_hot(tf.cast(labels, tf.int32), n, dtype=self._dtype)  # (N, n)
        cols = tf.one_hot(tf.cast(preds, tf.int32), n, dtype=self._dtype)
        if weights is not None:
            rows = rows * tf.expand_dims(weights, -1)
        # NOTE: cm[i, j] = sum of weights with label i and prediction j, one matmul;
        # ids outside [0, num_classes) get an all-zero one-hot row and are not counted.
        self.total_cm.assign_add(tf.matmul(rows, cols, transpose_a=True))

    def result(self) -> Any:
        cm = tf.identity(self.total_cm)
        tp = tf.linalg.diag_part(cm)
        denominator = tf.reduce_sum(cm, axis=0) + tf.reduce_sum(cm, axis=1) - tp
        ids = tf.constant(self.target_class_ids, dtype=tf.int32)
        tp, denominator = tf.gather(tp, ids), tf.gather(denominator, ids)
        valid = tf.reduce_sum(tf.cast(tf.not_equal(denominator, 0), self._dtype))
        return tf.divide_no_nan(tf.reduce_sum(tf.divide_no_nan(tp, denominator)), valid)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class MeanIoU(IoU):
    """The mean IoU over all `num_classes` classes (those that occurred).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.MeanIoU(num_classes=3)
        >>> round(float(m([0, 1, 2, 2], [0, 1, 1, 2])), 4)
        0.6667
    """

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None,
                 ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1):
        super().__init__(num_classes, list(range(num_classes)) if isinstance(
            num_classes, int) else [], name=name, dtype=dtype, ignore_class=ignore_class,
            sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["target_class_ids"]
        return config


class BinaryIoU(IoU):
    """IoU of a binary task: predictions >= `threshold` are class 1, others class 0;
    averages the IoUs of `target_class_ids` ((0, 1) by default).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
        >>> round(float(m([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])), 4)
        0.3333
    """

    def __init__(self, target_class_ids: Any = (0, 1), threshold: float = 0.5,
                 name: str | None = None, dtype: Any = None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = float(threshold)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Thresholds the predictions into classes 0 / 1, then adds the batch."""
        y_pred = to_dtype(y_pred, self._dtype)
        super().update_state(y_true, tf.cast(y_pred >= self.threshold, self._dtype),
                             sample_weight)

    def get_config(self) -> dict:
        return {**Metric.get_config(self), "target_class_ids": self.target_class_ids,
                "threshold": self.threshold}


class OneHotIoU(IoU):
    """IoU of `target_class_ids` with one-hot labels and class scores (argmax taken).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2])
        >>> float(m([[0, 0, 1], [1, 0, 0]], [[0.2, 0.3, 0.5], [0.7, 0.2, 0.1]]))
        1.0
    """

    def __init__(self, num_classes: int, target_class_ids: Any, name: str | None = None,
                 dtype: Any = None, ignore_class: int | None = None,
                 sparse_y_pred: bool = False, axis: int = -1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """The mean IoU over all classes, with one-hot labels and class scores.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.OneHotMeanIoU(num_classes=2)
        >>> float(m([[0, 1], [1, 0]], [[0.2, 0.8], [0.7, 0.3]]))
        1.0
    """

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None,
                 ignore_class: int | None = None, sparse_y_pred: bool = False,
                 axis: int = -1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config

"""Accuracy metrics: the per-sample functions and their streaming classes.

Each function returns per-sample match values (1.0 or 0.0, floatx) and its class is a
`MeanMetricWrapper` around it, so the result is the weighted fraction of matches.

Example:
    >>> import ember.keras.metrics as metrics
    >>> m = metrics.SparseCategoricalAccuracy()
    >>> float(m([2, 1], [[0.1, 0.6, 0.3], [0.05, 0.95, 0.0]]))
    0.5
"""

from __future__ import annotations

from typing import Any

import ember as tf
from ember.errors import ShapeError

from ..config import floatx
from .base import MeanMetricWrapper, static_dims

__all__ = ["accuracy", "binary_accuracy", "categorical_accuracy",
           "sparse_categorical_accuracy", "top_k_categorical_accuracy",
           "sparse_top_k_categorical_accuracy", "Accuracy", "BinaryAccuracy",
           "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
           "SparseTopKCategoricalAccuracy"]


def _tensor(x: Any) -> Any:
    return x if tf.is_tensor(x) else tf.convert_to_tensor(x)


def _floatx() -> Any:
    return tf.as_dtype(floatx())


def _check_k(who: str, k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"{who}: k must be a positive int (how many top predictions "
                         f"count), received {k!r}.")
    return k


def accuracy(y_true: Any, y_pred: Any) -> Any:
    """Elementwise `y_true == y_pred` as floats (no averaging).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> metrics.accuracy([[1.0, 2.0]], [[1.0, 3.0]]).numpy()
        array([[1., 0.]], dtype=float32)
    """
    y_true, y_pred = _tensor(y_true), _tensor(y_pred)
    if not y_true.shape.is_compatible_with(y_pred.shape):
        raise ShapeError(f"accuracy: y_true and y_pred must have the same shape, received "
                         f"y_true {y_true.shape} and y_pred {y_pred.shape}.")
    if y_pred.dtype != y_true.dtype:
        y_pred = tf.cast(y_pred, y_true.dtype)
    return tf.cast(tf.equal(y_true, y_pred), _floatx())


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Any:
    """The fraction of `(y_pred > threshold) == y_true` along the last axis.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> metrics.binary_accuracy([[1.0], [0.0], [1.0]], [[0.9], [0.6], [0.3]]).numpy()
        array([1., 0., 0.], dtype=float32)
    """
    y_pred = _tensor(y_pred)
    if not y_pred.dtype.is_floating:
        y_pred = tf.cast(y_pred, _floatx())
    y_true = _tensor(y_true)
    y_true = y_true if y_true.dtype == y_pred.dtype else tf.cast(y_true, y_pred.dtype)
    hits = tf.greater(y_pred, tf.cast(threshold, y_pred.dtype))
    matches = tf.cast(tf.equal(y_true, tf.cast(hits, y_pred.dtype)), _floatx())
    return tf.reduce_mean(matches, axis=-1)


def _sparse_true(y_true: Any, y_pred: Any) -> tuple:
    """(y_true with a trailing size-1 axis dropped when it has y_pred's rank, the
    original y_true shape if it was reshaped, else None)."""
    t, p = static_dims(y_true), static_dims(y_pred)
    if t is not None and p is not None and len(t) == len(p) and t and t[-1] == 1:
        return tf.squeeze(y_true, -1), tf.shape(y_true)
    return y_true, None


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """Whether the integer label equals `argmax(y_pred)`; labels of shape `(batch,)` or
    `(batch, 1)`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> metrics.sparse_categorical_accuracy([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
        ...                                     ).numpy()
        array([0., 1.], dtype=float32)
    """
    y_true, y_pred = _tensor(y_true), _tensor(y_pred)
    y_true, shape = _sparse_true(y_true, y_pred)
    predicted = tf.argmax(y_pred, axis=-1)
    if predicted.dtype != y_true.dtype:
        predicted = tf.cast(predicted, y_true.dtype)
    matches = tf.cast(tf.equal(y_true, predicted), _floatx())
    return matches if shape is None else tf.reshape(matches, shape)


def categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """Whether `argmax(y_true) == argmax(y_pred)` (one-hot labels).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> metrics.categorical_accuracy([[0, 0, 1], [0, 1, 0]],
        ...                              [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]).numpy()
        array([0., 1.], dtype=float32)
    """
    y_true = _tensor(y_true)
    return sparse_categorical_accuracy(tf.argmax(y_true, axis=-1), y_pred)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Any:
    """Whether the integer label is among the `k` largest predictions (ties at the
    boundary count as in, as `tf.math.in_top_k`).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> metrics.sparse_top_k_categorical_accuracy(
        ...     [2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1).numpy()
        array([0., 1.], dtype=float32)
    """
    k = _check_k("sparse_top_k_categorical_accuracy", k)
    y_true, y_pred = _tensor(y_true), _tensor(y_pred)
    if not y_pred.dtype.is_floating:
        y_pred = tf.cast(y_pred, _floatx())
    y_true, shape = _sparse_true(y_true, y_pred)
    p = static_dims(y_pred)
    if p is None or len(p) < 2:
        raise ShapeError(f"sparse_top_k_categorical_accuracy: y_pred must have shape "
                         f"(batch, classes), received {y_pred.shape}.")
    if shape is None and len(p) > 2:
        shape = tf.shape(y_true)
    if len(p) > 2:
        classes = p[-1] if p[-1] is not None else tf.shape(y_pred)[-1]
        y_pred = tf.reshape(y_pred, tf.stack([-1, classes]))
        y_true = tf.reshape(y_true, [-1])
    targets = tf.cast(y_true, tf.int32)
    matches = tf.cast(tf.math.in_top_k(targets=targets, predictions=y_pred, k=k), _floatx())
    return matches if shape is None else tf.reshape(matches, shape)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Any:
    """Whether `argmax(y_true)` is among the `k` largest predictions (one-hot labels).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> metrics.top_k_categorical_accuracy(
        ...     [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=2).numpy()
        array([1., 1.], dtype=float32)
    """
    y_true = _tensor(y_true)
    return sparse_top_k_categorical_accuracy(tf.argmax(y_true, axis=-1), y_pred, k=k)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels (elementwise).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.Accuracy()
        >>> float(m([[1], [2], [3], [4]], [[0], [2], [3], [4]]))
        0.75
    """

    def __init__(self, name: str = "accuracy", dtype: Any = None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` matches the binary labels.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.BinaryAccuracy()
        >>> float(m([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]))
        0.75
    """

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None,
                 threshold: float = 0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often `argmax(y_pred)` matches the one-hot labels.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.CategoricalAccuracy()
        >>> float(m([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
        0.5
    """

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often `argmax(y_pred)` matches the integer labels.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.SparseCategoricalAccuracy()
        >>> float(m([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]))
        0.5
    """

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the top `k` predictions.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.TopKCategoricalAccuracy(k=1)
        >>> float(m([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
        0.5
    """

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy",
                 dtype: Any = None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype,
                         k=_check_k("TopKCategoricalAccuracy", k))


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the top `k` predictions.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.SparseTopKCategoricalAccuracy(k=1)
        >>> float(m([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
        0.5
    """

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy",
                 dtype: Any = None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype,
                         k=_check_k("SparseTopKCategoricalAccuracy", k))

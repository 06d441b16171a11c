"""Hinge losses (maximum-margin classification), as functions and `Loss` classes.

Labels are -1/1; `hinge` and `squared_hinge` also accept 0/1 labels and convert them
(when every label is 0 or 1) to -1/1, as Keras does.

Example:
    >>> from ember.keras import losses
    >>> losses.hinge([[1.0, 0.0]], [[0.5, -2.0]]).numpy()
    array([0.25], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import ember as tf

from .loss import LossFunctionWrapper, prepare

__all__ = ["hinge", "squared_hinge", "categorical_hinge", "Hinge", "SquaredHinge",
           "CategoricalHinge"]

_SOBS = "sum_over_batch_size"


def _signed_labels(y_true: Any) -> Any:
    """0/1 labels as -1/1 when every label is 0 or 1, else the labels unchanged (a
    `where`, not a Python branch, so it also works on symbolic tensors)."""
    binary = tf.reduce_all(tf.logical_or(tf.equal(y_true, 0.0), tf.equal(y_true, 1.0)))
    return tf.where(binary, tf.subtract(tf.multiply(y_true, 2.0), 1.0), y_true)


def _margin(y_true: Any, y_pred: Any, who: str) -> Any:
    y_true, y_pred = prepare(y_true, y_pred, who)
    return tf.maximum(tf.subtract(1.0, tf.multiply(_signed_labels(y_true), y_pred)), 0.0)


def hinge(y_true: Any, y_pred: Any) -> Any:
    """`mean(maximum(1 - y_true * y_pred, 0), axis=-1)`.

    Example:
        >>> from ember.keras import losses
        >>> losses.hinge([[-1.0, 1.0]], [[0.5, 2.0]]).numpy()
        array([0.75], dtype=float32)
    """
    return tf.reduce_mean(_margin(y_true, y_pred, "hinge"), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Any:
    """`mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`.

    Example:
        >>> from ember.keras import losses
        >>> losses.squared_hinge([[-1.0, 1.0]], [[0.5, 2.0]]).numpy()
        array([1.125], dtype=float32)
    """
    return tf.reduce_mean(tf.square(_margin(y_true, y_pred, "squared_hinge")), axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Any:
    """`maximum(neg - pos + 1, 0)` with `pos = sum(y_true * y_pred, -1)` and
    `neg = max((1 - y_true) * y_pred, -1)`, for one-hot `y_true`.

    Example:
        >>> from ember.keras import losses
        >>> losses.categorical_hinge([[0.0, 1.0, 0.0]], [[0.3, 0.9, 0.5]]).numpy()
        array([0.6], dtype=float32)
    """
    y_true, y_pred = prepare(y_true, y_pred, "categorical_hinge")
    pos = tf.reduce_sum(tf.multiply(y_true, y_pred), axis=-1)
    neg = tf.reduce_max(tf.multiply(tf.subtract(1.0, y_true), y_pred), axis=-1)
    return tf.maximum(tf.add(tf.subtract(neg, pos), 1.0), 0.0)


class Hinge(LossFunctionWrapper):
    """The hinge loss (`hinge`), weighted and reduced.

    Example:
        >>> from ember.keras import losses
        >>> float(losses.Hinge()([[0.0, 1.0]], [[0.5, 2.0]]))
        0.75
    """

    _label_check = "elementwise"

    def __init__(self, reduction: str = _SOBS, name: str = "hinge", dtype: Any = None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """The squared hinge loss (`squared_hinge`), weighted and reduced.

    Example:
        >>> from ember.keras import losses
        >>> float(losses.SquaredHinge()([[0.0, 1.0]], [[0.5, 2.0]]))
        1.125
    """

    _label_check = "elementwise"

    def __init__(self, reduction: str = _SOBS, name: str = "squared_hinge",
                 dtype: Any = None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """The categorical hinge loss (`categorical_hinge`), weighted and reduced.

    Example:
        >>> from ember.keras import losses
        >>> round(float(losses.CategoricalHinge()([[0.0, 1.0, 0.0]], [[0.3, 0.9, 0.5]])), 4)
        0.6
    """

    _label_check = "elementwise"

    def __init__(self, reduction: str = _SOBS, name: str = "categorical_hinge",
                 dtype: Any = None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)

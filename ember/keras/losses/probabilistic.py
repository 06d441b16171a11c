"""Binary cross-entropies, KL divergence and Poisson losses, as functions (per-sample
losses) and `Loss` classes.

Probabilities are clipped to [epsilon, 1 - epsilon] (epsilon = 1e-7, as Keras). With
`from_logits=True` the losses are computed from logits in a stable form: finite, with
finite gradients, for logits of any size.

Example:
    >>> from ember.keras import losses
    >>> loss = losses.binary_crossentropy([[1.0, 0.0]], [[100.0, -90.0]], from_logits=True)
    >>> loss.numpy().round(4)
    array([0.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import ember as tf

from ..config import epsilon
from .loss import LossFunctionWrapper, prepare

__all__ = ["binary_crossentropy", "binary_focal_crossentropy", "kl_divergence", "poisson",
           "BinaryCrossentropy", "BinaryFocalCrossentropy", "KLDivergence", "Poisson"]

_SOBS = "sum_over_batch_size"
TINY = 1.1754944e-38  # the smallest normal float32


def check_smoothing(who: str, label_smoothing: Any) -> float:
    """`label_smoothing` as a float in [0, 1], or a ValueError naming `who`."""
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float)) \
            or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{who}: label_smoothing must be a float in [0, 1], received "
                         f"label_smoothing={label_smoothing!r}.")
    return float(label_smoothing)


def _logistic_loss(labels: Any, logits: Any) -> Any:
    # NOTE: the stable form of tf.nn.sigmoid_cross_entropy_with_logits,
    # softplus(x) - x*z, written out so that labels may broadcast against logits (the nn
    # op wants equal shapes); its gradient sigmoid(x) - z is finite for any |x|.
    return tf.subtract(tf.nn.softplus(logits), tf.multiply(logits, labels))


def _clipped_bce(labels: Any, probs: Any) -> Any:
    """`-(z*log(p) + (1-z)*log(1-p))` with p clipped to [eps, 1 - eps]."""
    p = tf.clip_by_value(probs, epsilon(), 1.0 - epsilon())
    return tf.negative(tf.add(tf.multiply(labels, tf.math.log(p)),
                              tf.multiply(tf.subtract(1.0, labels),
                                          tf.math.log(tf.subtract(1.0, p)))))


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                        label_smoothing: float = 0.0, axis: int = -1) -> Any:
    """The binary cross-entropy of labels `y_true` (in [0, 1]) and probabilities (or,
    with `from_logits=True`, logits) `y_pred`, averaged over `axis`.

    `label_smoothing` moves the labels toward 0.5: `z * (1 - s) + 0.5 * s`.

    Example:
        >>> from ember.keras import losses
        >>> losses.binary_crossentropy([[0.0, 1.0], [0.0, 0.0]],
        ...                            [[0.6, 0.4], [0.4, 0.6]]).numpy().round(4)
        array([0.9163, 0.7136], dtype=float32)
    """
    s = check_smoothing("binary_crossentropy", label_smoothing)
    y_true, y_pred = prepare(y_true, y_pred, "binary_crossentropy")
    if s:
        y_true = tf.add(tf.multiply(y_true, 1.0 - s), 0.5 * s)
    bce = _logistic_loss(y_true, y_pred) if from_logits else _clipped_bce(y_true, y_pred)
    return tf.reduce_mean(bce, axis=axis)


def binary_focal_crossentropy(y_true: Any, y_pred: Any, apply_class_balancing: bool = False,
                              alpha: float = 0.25, gamma: float = 2.0,
                              from_logits: bool = False, label_smoothing: float = 0.0,
                              axis: int = -1) -> Any:
    """The focal loss of Lin et al. (2018): binary cross-entropy scaled by
    `(1 - p_t) ** gamma`, where `p_t` is the predicted probability of the true class;
    with `apply_class_balancing`, also by `alpha` for class 1 and `1 - alpha` for class 0.
    Averaged over `axis`.

    Example:
        >>> from ember.keras import losses
        >>> losses.binary_focal_crossentropy([[0.0, 1.0], [0.0, 0.0]],
        ...     [[0.6, 0.4], [0.4, 0.6]], gamma=2.0).numpy().round(3)
        array([0.33 , 0.206], dtype=float32)
    """
    s = check_smoothing("binary_focal_crossentropy", label_smoothing)
    y_true, y_pred = prepare(y_true, y_pred, "binary_focal_crossentropy")
    if s:
        y_true = tf.add(tf.multiply(y_true, 1.0 - s), 0.5 * s)
    if from_logits:
        bce = _logistic_loss(y_true, y_pred)
        p, q = tf.sigmoid(y_pred), tf.sigmoid(tf.negative(y_pred))  # q = 1 - p, precisely
    else:
        bce = _clipped_bce(y_true, y_pred)
        p, q = y_pred, tf.subtract(1.0, y_pred)
    # 1 - p_t = z * (1 - p) + (1 - z) * p
    miss = tf.add(tf.multiply(y_true, q), tf.multiply(tf.subtract(1.0, y_true), p))
    # NOTE: d/dm m**gamma is infinite at m = 0 for gamma < 1 (and 0 * inf for gamma = 0);
    # flooring m at the smallest normal float32 keeps the gradient finite and changes the
    # loss by at most tiny**gamma * bce, where bce is itself ~m ~ 0.
    miss = tf.maximum(miss, TINY)
    focal = tf.multiply(tf.pow(miss, float(gamma)), bce)
    if apply_class_balancing:
        weight = tf.add(tf.multiply(y_true, float(alpha)),
                        tf.multiply(tf.subtract(1.0, y_true), 1.0 - float(alpha)))
        focal = tf.multiply(weight, focal)
    return tf.reduce_mean(focal, axis=axis)


def kl_divergence(y_true: Any, y_pred: Any) -> Any:
    """`sum(z * log(z / p), axis=-1)` with z and p clipped to [1e-7, 1].

    Example:
        >>> from ember.keras import losses
        >>> losses.kl_divergence([[0.5, 0.5]], [[0.25, 0.75]]).numpy().round(4)
        array([0.1438], dtype=float32)
    """
    y_true, y_pred = prepare(y_true, y_pred, "kl_divergence")
    z = tf.clip_by_value(y_true, epsilon(), 1.0)
    p = tf.clip_by_value(y_pred, epsilon(), 1.0)
    return tf.reduce_sum(tf.multiply(z, tf.math.log(tf.divide(z, p))), axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Any:
    """`mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)`.

    Example:
        >>> from ember.keras import losses
        >>> losses.poisson([[1.0, 0.0]], [[1.0, 2.0]]).numpy().round(4)
        array([1.5], dtype=float32)
    """
    y_true, y_pred = prepare(y_true, y_pred, "poisson")
    log_pred = tf.math.log(tf.add(y_pred, epsilon()))
    return tf.reduce_mean(tf.subtract(y_pred, tf.multiply(y_true, log_pred)), axis=-1)


# -- classes -----------------------------------------------------------------------------

class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy (`binary_crossentropy`), weighted and reduced.

    Args:
        from_logits: whether `y_pred` holds logits (True) or probabilities.
        label_smoothing: in [0, 1]; labels become `z * (1 - s) + 0.5 * s`.
        axis: the axis averaged over (default -1).
        reduction, name, dtype: as `Loss`.

    Example:
        >>> from ember.keras import losses
        >>> bce = losses.BinaryCrossentropy(from_logits=True)
        >>> round(float(bce([[0.0, 1.0]], [[0.0, 0.0]])), 4)
        0.6931
    """

    _label_check = "elementwise"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0,
                 axis: int = -1, reduction: str = _SOBS, name: str = "binary_crossentropy",
                 dtype: Any = None):
        s = check_smoothing("BinaryCrossentropy", label_smoothing)
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=bool(from_logits), label_smoothing=s, axis=axis)
        self.from_logits = bool(from_logits)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """The focal loss (`binary_focal_crossentropy`), weighted and reduced.

    Args:
        apply_class_balancing: weight class 1 by `alpha` and class 0 by `1 - alpha`.
        alpha: the class-balancing weight of class 1 (default 0.25).
        gamma: the focusing exponent (default 2.0; 0 gives binary cross-entropy).
        from_logits, label_smoothing, axis: as `BinaryCrossentropy`.
        reduction, name, dtype: as `Loss`.

    Example:
        >>> from ember.keras import losses
        >>> loss = losses.BinaryFocalCrossentropy(gamma=2.0)
        >>> round(float(loss([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])), 4)
        0.2678
    """

    _label_check = "elementwise"

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25,
                 gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                 axis: int = -1, reduction: str = _SOBS,
                 name: str = "binary_focal_crossentropy", dtype: Any = None):
        s = check_smoothing("BinaryFocalCrossentropy", label_smoothing)
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or gamma < 0:
            raise ValueError(f"BinaryFocalCrossentropy: gamma must be a number >= 0, "
                             f"received gamma={gamma!r}.")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
            raise ValueError(f"BinaryFocalCrossentropy: alpha must be a number (the weight "
                             f"of class 1), received alpha={alpha!r}.")
        super().__init__(binary_focal_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, apply_class_balancing=bool(apply_class_balancing),
                         alpha=float(alpha), gamma=float(gamma),
                         from_logits=bool(from_logits), label_smoothing=s, axis=axis)
        self.from_logits = bool(from_logits)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence (`kl_divergence`), weighted and reduced.

    Example:
        >>> from ember.keras import losses
        >>> round(float(losses.KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]])), 4)
        0.1438
    """

    _label_check = "elementwise"

    def __init__(self, reduction: str = _SOBS, name: str = "kl_divergence",
                 dtype: Any = None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """The Poisson loss (`poisson`), weighted and reduced.

    Example:
        >>> from ember.keras import losses
        >>> round(float(losses.Poisson()([[1.0, 0.0]], [[1.0, 2.0]])), 4)
        1.5
    """

    _label_check = "elementwise"

    def __init__(self, reduction: str = _SOBS, name: str = "poisson", dtype: Any = None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)

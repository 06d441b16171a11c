"""Overlap losses for segmentation masks: Dice and Tversky (Keras 3 names and semantics),
as functions and `Loss` classes.

Both compare `y_true` and `y_pred` element by element and sum over `axis`: None (the
default, as Keras) sums over every axis, batch included, and gives one scalar; a tuple
such as `(1, 2, 3)` gives one loss per sample. A smoothing epsilon of 1e-7 keeps the
denominators away from 0.

Example:
    >>> from ember.keras import losses
    >>> y_true = [[1.0, 1.0, 0.0, 0.0]]
    >>> float(losses.dice(y_true, y_true))
    0.0
    >>> losses.dice(y_true, [[0.0, 1.0, 0.0, 1.0]], axis=-1).numpy().round(4)
    array([0.5], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import ember as tf

from ..config import epsilon
from .loss import LossFunctionWrapper, describe, \
    prepare

__all__ = ["dice", "tversky", "Dice", "Tversky"]

_SOBS = "sum_over_batch_size"


def check_axis(who: str, axis: Any) -> int | list | None:
    """`axis` as None, an int, or a list of distinct ints, or a ValueError naming `who`."""
    def is_int(a: Any) -> bool:
        return isinstance(a, int) and not isinstance(a, bool)

    if axis is None or is_int(axis):
        return axis
    if isinstance(axis, (list, tuple)) and all(is_int(a) for a in axis):
        return list(axis)
    raise ValueError(f"{who}: axis must be None (every axis), an int, or a tuple of ints, "
                     f"received axis={axis!r}.")


def _inputs(who: str, y_true: Any, y_pred: Any, axis: Any) -> tuple:
    """Checked `(y_true, y_pred, axis)`: floating tensors of the same shape (after Keras's
    squeeze/expand of a trailing 1) and axes in range, or a ValueError naming `who`."""
    axis = check_axis(who, axis)
    y_true, y_pred = prepare(y_true, y_pred, who)
    st, sp = y_true.shape, y_pred.shape
    if st.rank is not None and sp.rank is not None and (
            st.rank != sp.rank or not st.is_compatible_with(sp)):
        raise ValueError(f"{who}: y_true {describe(y_true)} and y_pred {describe(y_pred)} "
                         f"must have the same shape (the loss compares masks element by "
                         f"element); check that the labels match the model's output.")
    rank = sp.rank
    if rank is not None and axis is not None:
        axes = [axis] if isinstance(axis, int) else axis
        if any(not -rank <= a < rank for a in axes) or \
                len({a % rank for a in axes}) != len(axes):
            raise ValueError(f"{who}: axis={axis!r} must hold distinct axes in "
                             f"[{-rank}, {rank}) for y_pred {describe(y_pred)}.")
    return y_true, y_pred, axis


def dice(y_true: Any, y_pred: Any, axis: int | tuple | None = None) -> Any:
    """The Dice loss `1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + 1e-7)`,
    the sums taken over `axis` (None: every axis, giving a scalar).

    Example:
        >>> from ember.keras import losses
        >>> y_true = [[[1.0], [1.0]], [[1.0], [0.0]]]
        >>> y_pred = [[[0.0], [1.0]], [[0.5], [0.5]]]
        >>> losses.dice(y_true, y_pred, axis=(1, 2)).numpy().round(4)
        array([0.3333, 0.5   ], dtype=float32)
        >>> round(float(losses.dice(y_true, y_pred)), 4)
        0.4
    """
    y_true, y_pred, axis = _inputs("dice", y_true, y_pred, axis)
    overlap = tf.reduce_sum(tf.multiply(y_true, y_pred), axis=axis)
    total = tf.add(tf.reduce_sum(y_true, axis=axis), tf.reduce_sum(y_pred, axis=axis))
    return tf.subtract(1.0, tf.divide(tf.multiply(overlap, 2.0), tf.add(total, epsilon())))


def _check_weight(who: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{who}: {name} must be a number, received {name}={value!r}.")
    return float(value)


def tversky(y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5,
            axis: int | tuple | None = None) -> Any:
    """The Tversky loss `1 - T / (T + alpha * M + beta * E + 1e-7)`, with the overlap
    `T = sum(y_true * y_pred)`, the missed mass `M = sum(y_true * (1 - y_pred))` and the
    extra mass `E = sum((1 - y_true) * y_pred)`, summed over `axis` (None: every axis).
    `alpha = beta = 0.5` gives (nearly) the Dice loss.

    Keras 3's docs call `alpha` the weight of false positives, but its code (whose numbers
    this function matches) weights the missed mass `M`, i.e. the false negatives, by
    `alpha`, and the false positives `E` by `beta`.

    Example:
        >>> from ember.keras import losses
        >>> y_true, y_pred = [[1.0, 1.0, 0.0, 0.0]], [[1.0, 0.0, 1.0, 1.0]]
        >>> losses.tversky(y_true, y_pred, alpha=0.7, beta=0.3, axis=-1).numpy().round(4)
        array([0.5652], dtype=float32)
    """
    who = "tversky"
    alpha, beta = _check_weight(who, "alpha", alpha), _check_weight(who, "beta", beta)
    y_true, y_pred, axis = _inputs(who, y_true, y_pred, axis)
    overlap = tf.reduce_sum(tf.multiply(y_true, y_pred), axis=axis)
    missed = tf.reduce_sum(tf.multiply(y_true, tf.subtract(1.0, y_pred)), axis=axis)
    extra = tf.reduce_sum(tf.multiply(tf.subtract(1.0, y_true), y_pred), axis=axis)
    denominator = tf.add(tf.add(overlap, tf.multiply(missed, alpha)),
                         tf.add(tf.multiply(extra, beta), epsilon()))
    return tf.subtract(1.0, tf.divide(overlap, denominator))


# -- classes -----------------------------------------------------------------------------

class _OverlapLoss(LossFunctionWrapper):
    """Shared by Dice and Tversky: with axis=None the loss is one scalar per batch, which
    per-sample weights scale as in Keras 3 (the loss is broadcast to their shape)."""

    _label_check = "elementwise"


class Dice(_OverlapLoss):
    """The Dice loss (`dice`), weighted and reduced.

    Args:
        reduction, name, dtype: as `Loss`.
        axis: the axes summed over; None (default) sums over every axis, batch included,
            and gives one scalar per batch; e.g. (1, 2, 3) gives one loss per image.

    Example:
        >>> from ember.keras import losses
        >>> y_true = [[[1.0], [1.0]], [[1.0], [0.0]]]
        >>> y_pred = [[[0.0], [1.0]], [[0.5], [0.5]]]
        >>> losses.Dice(axis=(1, 2), reduction="none")(y_true, y_pred).numpy().round(4)
        array([0.3333, 0.5   ], dtype=float32)
        >>> round(float(losses.Dice()(y_true, y_pred)), 4)
        0.4
    """

    def __init__(self, reduction: str = _SOBS, name: str = "dice",
                 axis: int | tuple | None = None, dtype: Any = None):
        axis = check_axis("Dice", axis)
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class Tversky(_OverlapLoss):
    """The Tversky loss (`tversky`), weighted and reduced.

    Args:
        alpha: the weight of the missed mass `sum(y_true * (1 - y_pred))` (default 0.5;
            see `tversky` on Keras's naming).
        beta: the weight of the extra mass `sum((1 - y_true) * y_pred)` (default 0.5).
        reduction, name, dtype: as `Loss`.
        axis: as `Dice`.

    Example:
        >>> from ember.keras import losses
        >>> loss = losses.Tversky(alpha=0.7, beta=0.3)
        >>> round(float(loss([[1.0, 1.0, 0.0, 0.0]], [[1.0, 0.0, 1.0, 1.0]])), 4)
        0.5652
    """

    def __init__(self, alpha: float = 0.5, beta: float = 0.5, reduction: str = _SOBS,
                 name: str = "tversky", axis: int | tuple | None = None,
                 dtype: Any = None):
        alpha = _check_weight("Tversky", "alpha", alpha)
        beta = _check_weight("Tversky", "beta", beta)
        axis = check_axis("Tversky", axis)
        super().__init__(tversky, reduction=reduction, name=name, dtype=dtype,
                         alpha=alpha, beta=beta, axis=axis)
        self.alpha, self.beta, self.axis = alpha, beta, axis

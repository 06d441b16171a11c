"""Categorical cross-entropies: one-hot labels (`categorical_crossentropy`, and its focal
variant `categorical_focal_crossentropy`) and integer class indices
(`sparse_categorical_crossentropy`), as functions and `Loss` classes.

Probabilities are normalized by their sum and clipped to [1e-7, 1 - 1e-7]; with
`from_logits=True` the fused `ember.nn` cross-entropies are used (stable for any logits).
Label shapes are checked statically, so a mix-up between the two losses is reported at
call time, also on KerasTensors and inside `ember.function` traces.

Example:
    >>> from ember.keras import losses
    >>> losses.sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0.0],
    ...                                                 [0.1, 0.8, 0.1]]).numpy().round(4)
    array([0.0513, 2.3026], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import ember as tf

from ..config import epsilon
from .loss import LossFunctionWrapper, describe, float_tensor, like, \
    squeeze_or_expand
from .probabilistic import TINY, check_smoothing

__all__ = ["categorical_crossentropy", "categorical_focal_crossentropy",
           "sparse_categorical_crossentropy", "CategoricalCrossentropy",
           "CategoricalFocalCrossentropy", "SparseCategoricalCrossentropy"]

_SOBS = "sum_over_batch_size"


def _class_axis(who: str, y_pred: Any, axis: Any) -> int:
    rank = y_pred.shape.rank
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"{who}: axis must be an int, received axis={axis!r}.")
    if rank is None:
        return axis
    if rank == 0:
        raise ValueError(f"{who}: y_pred must have a class axis (rank >= 1), received "
                         f"y_pred {describe(y_pred)}.")
    if not -rank <= axis < rank:
        raise ValueError(f"{who}: axis={axis} is out of range for y_pred "
                         f"{describe(y_pred)}.")
    return axis % rank


# -- one-hot labels ----------------------------------------------------------------------

def check_categorical(who: str, y_true: Any, y_pred: Any, axis: int = -1) -> tuple:
    """`(y_true, y_pred)` with Keras's squeeze/expand, or a ValueError when `y_true` is
    not one-hot shaped like `y_pred` (integer labels get a hint to the sparse loss)."""
    y_true, y_pred = squeeze_or_expand(y_true, y_pred)
    rt, rp = y_true.shape.rank, y_pred.shape.rank
    if rt is None or rp is None:
        return y_true, y_pred
    a = _class_axis(who, y_pred, axis)
    classes = y_pred.shape[a]
    sparse_like = rt == rp - 1 or (rt == rp and y_true.shape[a] == 1)
    if sparse_like and classes != 1:
        raise ValueError(
            f"{who}: y_true {describe(y_true)} looks like integer class indices, but "
            f"categorical cross-entropy expects one-hot labels of y_pred's shape "
            f"{describe(y_pred)}. Use SparseCategoricalCrossentropy (or "
            f"sparse_categorical_crossentropy) for integer labels, or one-hot encode them "
            f"with ember.one_hot(labels, {classes}).")
    if rt != rp or not y_true.shape.is_compatible_with(y_pred.shape):
        raise ValueError(
            f"{who}: y_true {describe(y_true)} and y_pred {describe(y_pred)} must have the "
            f"same shape (one-hot or soft labels, one column per class).")
    return y_true, y_pred


def _smooth(y_true: Any, y_pred: Any, s: float, axis: int) -> Any:
    """Labels mixed with the uniform distribution over y_pred's classes (along `axis`)."""
    classes = y_pred.shape[axis] if y_pred.shape.rank is not None else None
    share = s / classes if classes is not None else tf.divide(
        s, tf.cast(tf.shape(y_pred)[axis], y_pred.dtype))
    return tf.add(tf.multiply(y_true, 1.0 - s), share)


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> Any:
    """`-sum(y_true * log(y_pred), axis)` for one-hot (or soft) labels; `y_pred` holds
    probabilities (normalized by their sum, clipped) or, with `from_logits`, logits.

    `label_smoothing` s mixes the labels with the uniform distribution:
    `z * (1 - s) + s / num_classes`.

    Example:
        >>> from ember.keras import losses
        >>> losses.categorical_crossentropy([[0, 1, 0], [0, 0, 1]],
        ...     [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]).numpy().round(4)
        array([0.0513, 2.3026], dtype=float32)
    """
    who = "categorical_crossentropy"
    s = check_smoothing(who, label_smoothing)
    y_pred = float_tensor(y_pred)
    y_true, y_pred = check_categorical(who, tf.convert_to_tensor(y_true), y_pred, axis)
    y_true = like(y_true, y_pred)
    if s:
        y_true = _smooth(y_true, y_pred, s, axis)
    if from_logits:
        return tf.nn.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred,
                                                       axis=axis)
    p = tf.divide(y_pred, tf.reduce_sum(y_pred, axis=axis, keepdims=True))
    p = tf.clip_by_value(p, epsilon(), 1.0 - epsilon())
    return tf.negative(tf.reduce_sum(tf.multiply(y_true, tf.math.log(p)), axis=axis))


def _check_focal(who: str, alpha: Any, gamma: Any) -> tuple:
    """`(alpha, gamma)` as a float (or a list of per-class floats) and a float >= 0, or
    a ValueError naming `who`."""
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or gamma < 0:
        raise ValueError(f"{who}: gamma must be a number >= 0, received gamma={gamma!r}.")

    def number(a: Any) -> bool:
        return isinstance(a, (int, float)) and not isinstance(a, bool)

    if isinstance(alpha, (list, tuple)) and alpha and all(number(a) for a in alpha):
        return [float(a) for a in alpha], float(gamma)
    if not number(alpha):
        raise ValueError(f"{who}: alpha must be a number or a non-empty list of numbers "
                         f"(one weight per class), received alpha={alpha!r}.")
    return float(alpha), float(gamma)


def _class_weights(who: str, alpha: list, y_pred: Any, axis: int) -> Any:
    """Per-class weights `alpha` shaped to broadcast along y_pred's class axis."""
    rank = y_pred.shape.rank
    if axis >= 0 and rank is None:
        raise ValueError(f"{who}: a per-class alpha with axis={axis} needs y_pred of known "
                         f"rank; pass a negative axis (e.g. -1) instead.")
    classes = y_pred.shape[axis] if rank is not None else None
    if classes is not None and classes != len(alpha):
        raise ValueError(f"{who}: alpha has {len(alpha)} per-class weights but y_pred "
                         f"{describe(y_pred)} has {classes} classes on axis {axis}; pass "
                         f"one weight per class or a single number.")
    trailing = -axis - 1 if axis < 0 else rank - 1 - axis  # axes after the class axis
    return tf.reshape(tf.constant(alpha, y_pred.dtype), [len(alpha)] + [1] * trailing)


def categorical_focal_crossentropy(y_true: Any, y_pred: Any, alpha: float | list = 0.25,
                                   gamma: float = 2.0, from_logits: bool = False,
                                   label_smoothing: float = 0.0, axis: int = -1) -> Any:
    """The focal loss of Lin et al. (2018) for one-hot (or soft) labels:
    `-sum(alpha * (1 - p) ** gamma * y_true * log(p), axis)`, where `p` holds the
    probabilities (normalized by their sum and clipped to [1e-7, 1 - 1e-7], as
    `categorical_crossentropy`) or, with `from_logits`, the softmax of the logits.

    Args:
        alpha: a weight for all classes, or a list of one weight per class.
        gamma: the focusing exponent (>= 0; 0 gives `alpha` * cross-entropy).
        from_logits, label_smoothing, axis: as `categorical_crossentropy`.

    Example:
        >>> from ember.keras import losses
        >>> loss = losses.categorical_focal_crossentropy([[0, 1, 0], [0, 0, 1]],
        ...     [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])
        >>> [round(float(v), 5) for v in loss]
        [0.00026, 0.67591]
    """
    who = "categorical_focal_crossentropy"
    s = check_smoothing(who, label_smoothing)
    alpha, gamma = _check_focal(who, alpha, gamma)
    y_pred = float_tensor(y_pred)
    y_true, y_pred = check_categorical(who, tf.convert_to_tensor(y_true), y_pred, axis)
    y_true = like(y_true, y_pred)
    if s:
        y_true = _smooth(y_true, y_pred, s, axis)
    if from_logits:
        # NOTE: log-softmax instead of Keras's clipped softmax: finite values and
        # gradients for any logits (a wrong class at -100 costs ~200 nats, not a clipped
        # 16), and 1 - p = -expm1(log p) keeps its precision as p -> 1. Equal to Keras
        # wherever the softmax lies inside the clip range.
        log_p = tf.nn.log_softmax(y_pred, axis=axis)
        miss = tf.negative(tf.math.expm1(log_p))
    else:
        p = tf.divide(y_pred, tf.reduce_sum(y_pred, axis=axis, keepdims=True))
        p = tf.clip_by_value(p, epsilon(), 1.0 - epsilon())
        log_p, miss = tf.math.log(p), tf.subtract(1.0, p)
    # NOTE: as in binary_focal_crossentropy, flooring 1 - p at the smallest normal float32
    # keeps d/dm m**gamma finite at m = 0 (gamma < 1); the loss changes by < 1e-38.
    miss = tf.maximum(miss, TINY)
    focal = tf.multiply(tf.pow(miss, gamma), tf.multiply(y_true, log_p))
    weight = _class_weights(who, alpha, y_pred, axis) if isinstance(alpha, list) else alpha
    return tf.negative(tf.reduce_sum(tf.multiply(focal, weight), axis=axis))


# -- integer labels ----------------------------------------------------------------------

def _dims(x: Any) -> tuple | None:
    """The static shape as a tuple (None dims allowed), or None for an unknown rank."""
    shape = x.shape
    return None if shape.rank is None else tuple(shape)


def check_sparse(who: str, y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """`y_true` as int32/int64 class indices of y_pred's shape without the class axis (a
    size-1 class axis is squeezed), or a ValueError (one-hot labels get a hint to the
    categorical loss)."""
    td, pd = _dims(y_true), _dims(y_pred)
    if td is not None and pd is not None:
        fast = type(axis) is int and -len(pd) <= axis < len(pd)
        a = axis % len(pd) if fast else _class_axis(who, y_pred, axis)
        expected = pd[:a] + pd[a + 1:]
        if len(td) == len(pd):
            if td[a] != 1:
                onehot = td[a] is not None and td[a] == pd[a]
                hint = ("it looks like one-hot labels: use CategoricalCrossentropy (or "
                        "categorical_crossentropy) for one-hot labels, or pass integer "
                        "class indices, e.g. ember.argmax(y_true, axis=-1)") if onehot else (
                        "pass one integer class index per sample")
                raise ValueError(
                    f"{who}: y_true {describe(y_true)} has the rank of y_pred "
                    f"{describe(y_pred)}, but sparse categorical cross-entropy expects "
                    f"integer class indices of shape {list(expected)}; {hint}.")
            y_true = tf.squeeze(y_true, axis=a)
            td = td[:a] + td[a + 1:]
        if len(td) != len(expected) or any(
                d1 is not None and d2 is not None and d1 != d2
                for d1, d2 in zip(td, expected)):
            raise ValueError(
                f"{who}: y_true {describe(y_true)} must hold one integer class index per "
                f"sample, of shape {list(expected)} (y_pred {describe(y_pred)} without its "
                f"class axis {a}), or that shape with a trailing 1.")
    if y_true.dtype.name not in ("int32", "int64"):
        y_true = tf.cast(y_true, tf.int32)  # float or small-int class indices, as Keras
    return y_true


def _sparse_xent(labels: Any, y_pred: Any, from_logits: bool, ignore_class: Any,
                 axis: int) -> Any:
    """The sparse cross-entropy of checked labels; ignored labels give a loss of 0."""
    rank = y_pred.shape.rank if axis != -1 else None
    if rank is not None and axis % rank != rank - 1:  # move the class axis last
        a = axis % rank
        y_pred = tf.transpose(y_pred, [i for i in range(rank) if i != a] + [a])
    logits = y_pred if from_logits else tf.math.log(
        tf.clip_by_value(y_pred, epsilon(), 1.0 - epsilon()))
    if ignore_class is None:
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
    valid = tf.not_equal(labels, ignore_class)
    labels = tf.where(valid, labels, tf.zeros_like(labels))
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
    return tf.where(valid, loss, tf.zeros_like(loss))


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> Any:
    """`-log(y_pred[y_true])` per sample, for integer class indices `y_true` (shape of
    `y_pred` without the class axis, or with a size-1 class axis). `y_pred` holds
    probabilities (clipped, normalized) or, with `from_logits`, logits.

    `ignore_class`: labels equal to it get a loss of 0 (e.g. a "void" class -1 in
    segmentation); `SparseCategoricalCrossentropy` also leaves them out of the average.

    Example:
        >>> from ember.keras import losses
        >>> losses.sparse_categorical_crossentropy([0, -1], [[0.0, 0.0], [5.0, 1.0]],
        ...     from_logits=True, ignore_class=-1).numpy().round(4)
        array([0.6931, 0.    ], dtype=float32)
    """
    who = "sparse_categorical_crossentropy"
    y_pred = float_tensor(y_pred)
    labels = check_sparse(who, tf.convert_to_tensor(y_true), y_pred, axis)
    return _sparse_xent(labels, y_pred, from_logits, ignore_class, axis)


sparse_categorical_crossentropy._sparse_labels = True  # wrappers keep its integer labels


# -- classes -----------------------------------------------------------------------------

class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy of one-hot (or soft) labels (`categorical_crossentropy`), weighted
    and reduced. For integer class indices use `SparseCategoricalCrossentropy`.

    Args:
        from_logits: whether `y_pred` holds logits (True) or probabilities.
        label_smoothing: in [0, 1]; labels become `z * (1 - s) + s / num_classes`.
        axis: the class axis (default -1).
        reduction, name, dtype: as `Loss`.

    Example:
        >>> from ember.keras import losses
        >>> cce = losses.CategoricalCrossentropy()
        >>> round(float(cce([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 4)
        1.1769
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0,
                 axis: int = -1, reduction: str = _SOBS,
                 name: str = "categorical_crossentropy", dtype: Any = None):
        s = check_smoothing("CategoricalCrossentropy", label_smoothing)
        super().__init__(categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=bool(from_logits), label_smoothing=s,
                         axis=axis)
        self.from_logits = bool(from_logits)

    def _align(self, y_true: Any, y_pred: Any) -> tuple:
        return check_categorical(type(self).__name__, y_true, y_pred,
                                 self._fn_kwargs["axis"])


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """The focal loss of one-hot (or soft) labels (`categorical_focal_crossentropy`),
    weighted and reduced: cross-entropy terms scaled by `alpha * (1 - p) ** gamma`, so
    well-classified samples count less.

    Args:
        alpha: a weight for all classes (default 0.25), or a list of one per class.
        gamma: the focusing exponent (default 2.0; 0 gives `alpha` * cross-entropy).
        from_logits, label_smoothing, axis: as `CategoricalCrossentropy`.
        reduction, name, dtype: as `Loss`.

    Example:
        >>> from ember.keras import losses
        >>> cfce = losses.CategoricalFocalCrossentropy()
        >>> round(float(cfce([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 4)
        0.2332
    """

    def __init__(self, alpha: float | list = 0.25, gamma: float = 2.0,
                 from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str = _SOBS, name: str = "categorical_focal_crossentropy",
                 dtype: Any = None):
        who = "CategoricalFocalCrossentropy"
        s = check_smoothing(who, label_smoothing)
        alpha, gamma = _check_focal(who, alpha, gamma)
        super().__init__(categorical_focal_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, alpha=alpha, gamma=gamma,
                         from_logits=bool(from_logits), label_smoothing=s, axis=axis)
        self.from_logits = bool(from_logits)

    def _align(self, y_true: Any, y_pred: Any) -> tuple:
        return check_categorical(type(self).__name__, y_true, y_pred,
                                 self._fn_kwargs["axis"])


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy of integer class indices (`sparse_categorical_crossentropy`),
    weighted and reduced. For one-hot labels use `CategoricalCrossentropy`.

    Args:
        from_logits: whether `y_pred` holds logits (True) or probabilities.
        ignore_class: a label value to leave out: its samples get loss 0 and are not
            counted by 'sum_over_batch_size' (None: keep all).
        axis: the class axis of `y_pred` (default -1).
        reduction, name, dtype: as `Loss`.

    Example:
        >>> from ember.keras import losses
        >>> scce = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
        >>> round(float(scce([0, -1], [[0.0, 0.0], [5.0, 1.0]])), 4)
        0.6931
    """

    _sparse_labels = True

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 axis: int = -1, reduction: str = _SOBS,
                 name: str = "sparse_categorical_crossentropy", dtype: Any = None):
        if ignore_class is not None and (isinstance(ignore_class, bool)
                                         or not isinstance(ignore_class, int)):
            raise ValueError(f"SparseCategoricalCrossentropy: ignore_class must be None or "
                             f"an int class index, received ignore_class={ignore_class!r}.")
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=bool(from_logits),
                         ignore_class=ignore_class, axis=axis)
        self.from_logits = bool(from_logits)
        self.ignore_class = ignore_class

    def _align(self, y_true: Any, y_pred: Any) -> tuple:
        return check_sparse(type(self).__name__, y_true, y_pred,
                            self._fn_kwargs["axis"]), y_pred

    def call(self, y_true: Any, y_pred: Any) -> Any:
        # NOTE: the checked labels go straight to the fused op (the speed path of
        # classifiers); `sparse_categorical_crossentropy` would only check them again.
        labels, y_pred = self._align(y_true, y_pred)
        kw = self._fn_kwargs
        return _sparse_xent(labels, y_pred, kw["from_logits"], kw["ignore_class"],
                            kw["axis"])

    def _mask(self, y_true: Any, y_pred: Any) -> Any:
        if self.ignore_class is None:
            return None
        return tf.not_equal(self._align(y_true, y_pred)[0], self.ignore_class)

"""The `Loss` base class, `LossFunctionWrapper`, `Reduction` and `compute_weighted_loss`.

A loss object is called as `loss(y_true, y_pred, sample_weight=None)`:

1. `y_pred` becomes a floating tensor (cast to the loss's `dtype` when one is given) and
   `y_true` is cast to `y_pred`'s dtype (integer labels of sparse losses stay integers).
2. `call(y_true, y_pred)` returns the per-sample losses.
3. `compute_weighted_loss` multiplies them by `sample_weight` (broadcast to their shape)
   and reduces them as `reduction` says.

Everything is written with ember ops, so it runs eagerly, on KerasTensors, inside
`ember.function` and under `GradientTape`.

Example:
    >>> import ember as tf
    >>> from ember.keras.losses.loss import Loss
    >>> class AbsError(Loss):
    ...     def call(self, y_true, y_pred):
    ...         return tf.reduce_mean(tf.abs(y_pred - y_true), axis=-1)
    >>> float(AbsError()([[0.0, 1.0]], [[1.0, 1.0]]))
    0.5
"""

from __future__ import annotations

from typing import Any, Callable

import ember as tf

from ...core.rules import describe  # `float32[None, 10]` in messages (also for the losses)
from ..config import epsilon
from .loss_serialization import deserialize, serialize

__all__ = ["Reduction", "Loss", "LossFunctionWrapper", "compute_weighted_loss"]

EPSILON = epsilon()  # keras.config.epsilon(): the clip of probabilities and denominators


class Reduction:
    """The ways a loss reduces its per-sample values (tf.keras 2 `losses.Reduction`).

    - `AUTO` ('auto'): `SUM_OVER_BATCH_SIZE` here (no distribution strategies).
    - `NONE` ('none'): no reduction, the weighted per-sample losses.
    - `SUM` ('sum'): the sum of the weighted losses.
    - `SUM_OVER_BATCH_SIZE` ('sum_over_batch_size'): that sum divided by the number of
      elements of the per-sample loss tensor.

    Example:
        >>> from ember.keras.losses import Reduction
        >>> Reduction.all()
        ('auto', 'none', 'sum', 'sum_over_batch_size')
    """

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls) -> tuple:
        """The four reduction names."""
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key: Any) -> str:
        """`key` as one of the names (None means 'none'), or a ValueError.

        Example:
            >>> from ember.keras.losses import Reduction
            >>> Reduction.validate(None)
            'none'
        """
        if key is None:
            return cls.NONE
        if not isinstance(key, str) or key not in cls.all():
            raise ValueError(f"Invalid loss reduction: expected one of {list(cls.all())} "
                             f"(or None for 'none'), received reduction={key!r}.")
        return key


# -- shapes and dtypes --------------------------------------------------------------------

def float_tensor(x: Any, dtype: Any = None) -> Any:
    """`x` as a tensor of `dtype`, or (dtype None) as is when float32 or float64, else
    float32: a float16 / bfloat16 prediction (mixed precision) is lost in float32, as
    Keras 3 computes losses in floatx."""
    x = tf.convert_to_tensor(x)
    if dtype is not None:
        return x if x.dtype == tf.as_dtype(dtype) else tf.cast(x, dtype)
    return x if x.dtype in (tf.float32, tf.float64) else tf.cast(x, tf.float32)


def like(x: Any, ref: Any) -> Any:
    """`x` as a tensor of `ref`'s dtype."""
    x = tf.convert_to_tensor(x)
    return x if x.dtype == ref.dtype else tf.cast(x, ref.dtype)


def prepare(y_true: Any, y_pred: Any, who: str) -> tuple:
    """A loss function's inputs: floating `y_pred`, `y_true` of its dtype, aligned ranks
    (`align`), or a ValueError naming `who`."""
    y_pred = float_tensor(y_pred)
    y_true, y_pred = align(tf.convert_to_tensor(y_true), y_pred, who)
    return like(y_true, y_pred), y_pred


def squeeze_or_expand(x1: Any, x2: Any) -> tuple:
    """Keras's rank rule: when the ranks differ by one and the longer has a trailing 1,
    the rank-1 partner gains a trailing axis ((batch,) vs (batch, 1) -> both (batch, 1)),
    otherwise the trailing 1 is squeezed away."""
    r1, r2 = x1.shape.rank, x2.shape.rank
    if r1 is None or r2 is None or r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1:
            return x1, tf.expand_dims(x2, -1)
        return tf.squeeze(x1, axis=-1), x2
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1:
            return tf.expand_dims(x1, -1), x2
        return x1, tf.squeeze(x2, axis=-1)
    return x1, x2


def _broadcastable(a: Any, b: Any) -> bool:
    """Whether two static shapes broadcast (NumPy rules; unknown dims and ranks pass)."""
    if a.rank is None or b.rank is None:
        return True
    for d1, d2 in zip(reversed(list(a)), reversed(list(b))):
        if d1 is not None and d2 is not None and d1 != d2 and 1 not in (d1, d2):
            return False
    return True


def align(y_true: Any, y_pred: Any, who: str) -> tuple:
    """`(y_true, y_pred)` after Keras's squeeze/expand of a trailing 1, or a ValueError
    naming `who` when the shapes cannot broadcast."""
    y_true, y_pred = squeeze_or_expand(y_true, y_pred)
    if not _broadcastable(y_true.shape, y_pred.shape):
        raise ValueError(
            f"{who}: y_true and y_pred have incompatible shapes: received y_true "
            f"{describe(y_true)} and y_pred {describe(y_pred)}. They must be equal up to "
            f"broadcasting (a trailing 1 is squeezed or added as needed); check that the "
            f"labels match the model's output.")
    return y_true, y_pred


# -- weighting and reduction ------------------------------------------------------------

def _align_weights(weights: Any, losses: Any, who: str) -> Any:
    """`weights` broadcastable to `losses`'s shape: (batch, 1) is squeezed for losses of
    shape (batch,), (batch,) is expanded for losses of shape (batch, d) (Keras 2 rules)."""
    given, rw, rl = weights, weights.shape.rank, losses.shape.rank
    if rw is not None and rl is not None and rw > 0:
        if rw == rl + 1 and weights.shape[-1] == 1:
            weights = tf.squeeze(weights, axis=-1)
        elif rw == rl - 1:
            weights = tf.expand_dims(weights, -1)
        ws, ls = weights.shape, losses.shape
        fits = ws.rank <= ls.rank and all(
            dw is None or dl is None or dw in (1, dl)
            for dw, dl in zip(reversed(list(ws)), reversed(list(ls))))
        if not fits:
            raise ValueError(
                f"{who}: sample_weight {describe(given)} cannot be broadcast to the "
                f"per-sample loss {describe(losses)}. Pass one weight per sample (shape "
                f"(batch,) or (batch, 1)), a scalar, or weights of the loss's shape.")
    return weights


def _count(x: Any) -> Any:
    """The number of elements of `x` in its dtype: a Python float when static."""
    n = x.shape.num_elements() if x.shape.rank is not None else None
    return float(n) if n is not None else tf.cast(tf.size(x), x.dtype)


def compute_weighted_loss(losses: Any, sample_weight: Any = None,
                          reduction: str = "sum_over_batch_size", *, mask: Any = None,
                          name: str = "compute_weighted_loss") -> Any:
    """Weights per-sample losses and reduces them, as `Loss.__call__` does.

    Args:
        losses: per-sample losses (cast to float32 when not floating).
        sample_weight: None, a scalar, or weights broadcastable to `losses` after Keras's
            squeeze of a trailing 1 / expansion of a missing one.
        reduction: a `Reduction` name; 'auto' is 'sum_over_batch_size'.
        mask: optional boolean tensor of `losses`'s shape; masked-out entries get weight 0
            and 'sum_over_batch_size' then divides by the number of kept entries.
        name: who is asking, for error messages.

    Returns:
        A scalar tensor, or the weighted losses for reduction 'none'. An empty batch
        gives 0.

    Example:
        >>> import ember as tf
        >>> from ember.keras.losses import compute_weighted_loss
        >>> losses = tf.constant([1.0, 2.0, 3.0, 4.0])
        >>> float(compute_weighted_loss(losses, sample_weight=[1.0, 0.0, 1.0, 0.0]))
        1.0
        >>> float(compute_weighted_loss(losses, reduction="sum"))
        10.0
    """
    reduction = Reduction.validate(reduction)
    losses = float_tensor(losses)
    if sample_weight is None and mask is None:  # the common case, in as few ops as can be
        if reduction == Reduction.NONE:
            return losses
        if reduction == Reduction.SUM:
            return tf.reduce_sum(losses)
        n = _count(losses)
        if isinstance(n, float):
            return tf.zeros([], losses.dtype) if n == 0 else tf.reduce_mean(losses)
        return tf.math.divide_no_nan(tf.reduce_sum(losses), n)
    weights = None
    if sample_weight is not None:
        weights = like(sample_weight, losses)
        if losses.shape.rank == 0 and weights.shape.rank:
            # NOTE: a loss that is one scalar for the batch (Dice, Tversky with axis=None)
            # is spread over the weights, as Keras 3 multiplies the two: with
            # 'sum_over_batch_size' that gives loss * mean(weights).
            losses = tf.broadcast_to(losses, tf.shape(weights))
        weights = _align_weights(weights, losses, name)
    if mask is not None:
        mask = tf.cast(mask, losses.dtype)
        weights = mask if weights is None else tf.multiply(weights, mask)
    if weights is not None:
        losses = tf.multiply(losses, weights)
    if reduction == Reduction.NONE:
        return losses
    total = tf.reduce_sum(losses)
    if reduction == Reduction.SUM:
        return total
    if mask is not None:
        # NOTE: Keras scales kept entries by total/kept; the sum over all entries divided
        # by the total count is then the sum divided by the number of kept entries.
        kept = tf.reduce_sum(tf.broadcast_to(mask, tf.shape(losses)))
        return tf.math.divide_no_nan(total, kept)
    n = _count(losses)
    if isinstance(n, float):
        return tf.zeros([], losses.dtype) if n == 0 else tf.divide(total, n)
    return tf.math.divide_no_nan(total, n)


# -- the classes -------------------------------------------------------------------------

def _snake(name: str) -> str:
    out = [c if c.islower() or c.isdigit() else f"_{c.lower()}" for c in name]
    return "".join(out).lstrip("_")


class Loss:
    """Base class of losses: subclasses implement `call(y_true, y_pred)`, returning the
    per-sample losses; `__call__` casts, weights and reduces them.

    Args:
        reduction: a `Reduction` name (default 'sum_over_batch_size').
        name: the loss's name (default: the class name in snake_case).
        dtype: the dtype of the computation; None keeps a floating `y_pred`'s dtype
            (other dtypes become float32).

    Example:
        >>> import ember as tf
        >>> from ember.keras import losses
        >>> class Sq(losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return tf.reduce_mean(tf.square(y_pred - y_true), axis=-1)
        >>> loss = Sq(reduction="sum")
        >>> float(loss([[0.0], [0.0]], [[1.0], [2.0]], sample_weight=[1.0, 0.5]))
        3.0
    """

    # Sparse losses keep integer labels: their y_true is not cast to y_pred's dtype.
    _sparse_labels = False
    # LossFunctionWrapper casts y_true after checking its shape (so errors show its dtype).
    _casts_in_call = False

    def __init__(self, reduction: str = "sum_over_batch_size", name: str | None = None,
                 dtype: Any = None):
        self.reduction = Reduction.validate(reduction)
        self.name = name or _snake(type(self).__name__)
        self.dtype = None if dtype is None else tf.as_dtype(dtype)
        if self.dtype is not None and not self.dtype.is_floating:
            raise ValueError(f"{type(self).__name__}: dtype must be a floating dtype, "
                             f"received dtype={dtype!r}.")

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """The weighted, reduced loss of `y_pred` against `y_true`."""
        y_pred = float_tensor(y_pred, self.dtype)
        y_true = tf.convert_to_tensor(y_true)
        if not (self._sparse_labels or self._casts_in_call):
            y_true = like(y_true, y_pred)
        losses = self.call(y_true, y_pred)
        return compute_weighted_loss(losses, sample_weight, self.reduction,
                                     mask=self._mask(y_true, y_pred),
                                     name=type(self).__name__)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        """The per-sample losses; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, "
                                  f"y_pred), returning the per-sample losses.")

    def _mask(self, y_true: Any, y_pred: Any) -> Any:
        """Entries to leave out of the reduction (boolean, per-sample shape), or None."""
        return None

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-friendly dict."""
        config = {"reduction": self.reduction, "name": self.name}
        if self.dtype is not None:
            config["dtype"] = self.dtype.name
        return config

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        """A loss built from `get_config()`'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except (NotImplementedError, ValueError):
            args = ""
        return f"{type(self).__name__}({args})"


class LossFunctionWrapper(Loss):
    """A `Loss` made from a function `fn(y_true, y_pred, **fn_kwargs)` of per-sample
    losses. Before calling `fn`, a trailing 1 is squeezed or added so that the ranks of
    `y_true` and `y_pred` agree (Keras's rule).

    Example:
        >>> from ember.keras import losses
        >>> loss = losses.LossFunctionWrapper(losses.huber, delta=0.5)
        >>> round(float(loss([[0.0], [0.0]], [[0.2], [2.0]])), 4)
        0.4475
    """

    # How the subclasses check label shapes: 'elementwise' (broadcastable), 'categorical',
    # 'sparse', or None (only the squeeze/expand of Keras).
    _label_check: str | None = None
    _casts_in_call = True

    def __init__(self, fn: Callable, reduction: str = "sum_over_batch_size",
                 name: str | None = None, dtype: Any = None, **fn_kwargs: Any):
        if not callable(fn):
            raise TypeError(f"{type(self).__name__}: fn must be a callable fn(y_true, "
                            f"y_pred, **kwargs), received {fn!r}.")
        super().__init__(reduction=reduction,
                         name=name or getattr(fn, "__name__", None), dtype=dtype)
        self.fn = fn
        self._fn_kwargs = fn_kwargs

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_true, y_pred = self._align(y_true, y_pred)
        if not (self._sparse_labels or getattr(self.fn, "_sparse_labels", False)):
            y_true = like(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def _align(self, y_true: Any, y_pred: Any) -> tuple:
        if self._label_check == "elementwise":
            return align(y_true, y_pred, type(self).__name__)
        return squeeze_or_expand(y_true, y_pred)

    def get_config(self) -> dict:
        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        config = dict(config)
        if isinstance(config.get("fn"), (str, dict)):
            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self) -> str:
        if type(self) is LossFunctionWrapper:
            fn = getattr(self.fn, "__name__", repr(self.fn))
            return f"LossFunctionWrapper({fn}, kwargs={self._fn_kwargs})"
        return super().__repr__()

"""Weight constraints (`keras.constraints`), tf.keras 2 style.

A constraint maps a weight tensor to its projection (same shape and dtype); optimizers
apply it after each update. The projections are written with ember ops. Norms are taken
along `axis` (0 by default: for a Dense kernel [in, out], the weights of each unit), and
`epsilon` (1e-7, Keras's `backend.epsilon()`) is added to the norm in the denominator.

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> keras.constraints.NonNeg()(tf.constant([-1.0, 2.0])).numpy()
    array([0., 2.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import ember as tf

from . import serialization
from .config import epsilon

__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", "max_norm",
           "non_neg", "unit_norm", "min_max_norm", "maxnorm", "nonneg", "unitnorm", "get",
           "serialize", "deserialize"]


def _epsilon() -> float:
    """Keras's fuzz factor, `keras.backend.epsilon()`."""
    return epsilon()


def _norms(w: Any, axis: Any) -> Any:
    """The L2 norms of `w` along `axis` (kept, so they broadcast against `w`)."""
    return tf.sqrt(tf.reduce_sum(tf.square(w), axis=axis, keepdims=True))


def _axis_config(axis: Any) -> Any:
    return list(axis) if isinstance(axis, tuple) else axis


class Constraint:
    """Base class of constraints: `__call__(w)` returns the projected weights (`w` here).

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> class Clip(keras.constraints.Constraint):
        ...     def __call__(self, w):
        ...         return tf.clip_by_value(w, -1.0, 1.0)
        >>> Clip()(tf.constant([-3.0, 0.5])).numpy()
        array([-1. ,  0.5], dtype=float32)
    """

    def __call__(self, w: Any) -> Any:
        return w

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-friendly dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Constraint:
        """A constraint built from `get_config()`'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescales the weights whose norm along `axis` exceeds `max_value` to that norm:
    `w * clip(norm, 0, max_value) / (epsilon + norm)`.

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> keras.constraints.MaxNorm(2.0)(tf.constant([[3.0, 0.1], [4.0, 0.0]])).numpy().round(4)
        array([[1.2, 0.1],
               [1.6, 0. ]], dtype=float32)
    """

    def __init__(self, max_value: float = 2, axis: int | list = 0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        norms = _norms(w, self.axis)
        desired = tf.clip_by_value(norms, 0, self.max_value)
        return tf.multiply(w, tf.divide(desired, tf.add(norms, _epsilon())))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": _axis_config(self.axis)}


class NonNeg(Constraint):
    """Sets negative weights to 0: `w * (w >= 0)`.

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> keras.constraints.NonNeg()(tf.constant([-0.5, 0.0, 1.5])).numpy()
        array([0. , 0. , 1.5], dtype=float32)
    """

    def __call__(self, w: Any) -> Any:
        return tf.where(tf.greater_equal(w, 0), w, 0)


class UnitNorm(Constraint):
    """Scales the weights to unit norm along `axis`: `w / (epsilon + norm)`.

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> keras.constraints.UnitNorm()(tf.constant([[3.0], [4.0]])).numpy()
        array([[0.6],
               [0.8]], dtype=float32)
    """

    def __init__(self, axis: int | list = 0):
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        return tf.divide(w, tf.add(_norms(w, self.axis), _epsilon()))

    def get_config(self) -> dict:
        return {"axis": _axis_config(self.axis)}


class MinMaxNorm(Constraint):
    """Moves the norm along `axis` into `[min_value, max_value]`, a fraction `rate` of the
    way: `w * (rate * clip(norm, min, max) + (1 - rate) * norm) / (epsilon + norm)`.

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> c = keras.constraints.MinMaxNorm(min_value=1.0, max_value=2.0)
        >>> c(tf.constant([[0.3, 6.0], [0.4, 8.0]])).numpy().round(4)
        array([[0.6, 1.2],
               [0.8, 1.6]], dtype=float32)
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis: int | list = 0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        norms = _norms(w, self.axis)
        clipped = tf.clip_by_value(norms, self.min_value, self.max_value)
        desired = tf.add(tf.multiply(clipped, self.rate),
                         tf.multiply(norms, 1.0 - self.rate))
        return tf.multiply(w, tf.divide(desired, tf.add(norms, _epsilon())))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value,
                "rate": self.rate, "axis": _axis_config(self.axis)}


max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm
# tf.keras 2's legacy aliases
maxnorm = MaxNorm
nonneg = NonNeg
unitnorm = UnitNorm

_ALL: dict[str, type] = {
    "Constraint": Constraint, "MaxNorm": MaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm,
    "MinMaxNorm": MinMaxNorm, "max_norm": MaxNorm, "non_neg": NonNeg,
    "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm, "maxnorm": MaxNorm,
    "nonneg": NonNeg, "unitnorm": UnitNorm,
}


def _unknown(identifier: Any) -> ValueError:
    return ValueError(f"Could not interpret constraint identifier: {identifier!r}. Pass "
                      f"None, a Constraint (or any callable), a config dict, or one of the "
                      f"names {', '.join(sorted(_ALL))}.")


def serialize(constraint: Any) -> dict | str | None:
    """`{"class_name": ..., "config": constraint.get_config()}`; a plain function gives its
    name, None gives None.

    Example:
        >>> from ember import keras
        >>> keras.constraints.serialize(keras.constraints.UnitNorm(axis=1))
        {'class_name': 'UnitNorm', 'config': {'axis': 1}}
    """
    return serialization.serialize_object(constraint, "constraint", "Constraint")


def deserialize(config: dict | str | None, custom_objects: dict | None = None) -> Any:
    """The constraint that `serialize` described (a config dict or a name);
    `custom_objects` maps extra names to classes or functions.

    Example:
        >>> from ember import keras
        >>> keras.constraints.deserialize({"class_name": "MaxNorm", "config": {"max_value": 3}})
        MaxNorm(max_value=3, axis=0)
    """
    return serialization.deserialize_object(config, _ALL, custom_objects, _unknown)


def get(identifier: Any) -> Any:
    """A constraint from an identifier: None -> None, a name or dict -> `deserialize`, a
    class -> an instance, a callable -> itself.

    Example:
        >>> from ember import keras
        >>> keras.constraints.get("max_norm"), keras.constraints.get(None)
        (MaxNorm(max_value=2, axis=0), None)
    """
    return serialization.get_object(identifier, deserialize, Constraint, _unknown)

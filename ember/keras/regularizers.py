"""Weight regularizers (`keras.regularizers`), tf.keras 2 style.

A regularizer maps a weight tensor to a scalar penalty tensor that a layer adds to its
losses. The penalties are written with ember ops, so a GradientTape differentiates them.

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> float(keras.regularizers.L2(0.1)(tf.constant([1.0, -2.0])))
    0.5
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import ember as tf

from . import serialization

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get", "serialize",
           "deserialize"]


def _penalty(who: str, name: str, value: Any, default: float) -> float:
    """`value` as a finite Python float (None -> `default`), or a clear error."""
    if value is None:
        return default
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)) or not math.isfinite(value):
        raise ValueError(f"{who}: {name} must be a finite int or float (the regularization "
                         f"factor), received {value!r}.")
    return float(value)


def _dtype(x: Any) -> Any:
    """The DType of a tensor, Variable, NumPy array or Python value."""
    return tf.as_dtype(x.dtype) if hasattr(x, "dtype") else tf.convert_to_tensor(x).dtype


class Regularizer:
    """Base class of regularizers: `__call__(x)` returns a scalar penalty (0 here).

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> class Sum(keras.regularizers.Regularizer):
        ...     def __call__(self, x):
        ...         return tf.reduce_sum(x)
        ...     def get_config(self):
        ...         return {}
        >>> float(Sum()(tf.constant([1.0, 2.0])))
        3.0
    """

    def __call__(self, x: Any) -> Any:
        return tf.zeros([], dtype=_dtype(x))

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-friendly dict."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config(); "
                                  f"define it to serialize this regularizer.")

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        """A regularizer built from `get_config()`'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1(Regularizer):
    """The L1 penalty `l1 * reduce_sum(abs(x))` (`l` is accepted for `l1`, as tf.keras).

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> float(keras.regularizers.L1(0.5)(tf.constant([1.0, -2.0])))
        1.5
    """

    def __init__(self, l1: float = 0.01, **kwargs: Any):
        l1 = kwargs.pop("l", l1)
        if kwargs:
            raise TypeError(f"L1: unexpected keyword argument(s) {sorted(kwargs)}; "
                            f"use L1(l1=0.01).")
        self.l1 = _penalty("L1", "l1", l1, 0.01)

    def __call__(self, x: Any) -> Any:
        return tf.multiply(tf.reduce_sum(tf.abs(x)), self.l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """The L2 penalty `l2 * reduce_sum(square(x))` (no factor 1/2; `l` is accepted for
    `l2`, as tf.keras).

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> float(keras.regularizers.L2()(tf.constant([3.0, 4.0])))
        0.25
    """

    def __init__(self, l2: float = 0.01, **kwargs: Any):
        l2 = kwargs.pop("l", l2)
        if kwargs:
            raise TypeError(f"L2: unexpected keyword argument(s) {sorted(kwargs)}; "
                            f"use L2(l2=0.01).")
        self.l2 = _penalty("L2", "l2", l2, 0.01)

    def __call__(self, x: Any) -> Any:
        return tf.multiply(tf.reduce_sum(tf.square(x)), self.l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


class L1L2(Regularizer):
    """`l1 * reduce_sum(abs(x)) + l2 * reduce_sum(square(x))`; both factors default to 0
    (the function `l1_l2` defaults both to 0.01).

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> float(keras.regularizers.L1L2(l1=1.0, l2=1.0)(tf.constant([-2.0])))
        6.0
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _penalty("L1L2", "l1", l1, 0.0)
        self.l2 = _penalty("L1L2", "l2", l2, 0.0)

    def __call__(self, x: Any) -> Any:
        penalty = tf.zeros([], dtype=_dtype(x))
        if self.l1:
            penalty = tf.add(penalty, tf.multiply(tf.reduce_sum(tf.abs(x)), self.l1))
        if self.l2:
            penalty = tf.add(penalty, tf.multiply(tf.reduce_sum(tf.square(x)), self.l2))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


l1 = L1
l2 = L2


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    """An `L1L2` regularizer, with both factors 0.01 by default.

    Example:
        >>> from ember import keras
        >>> keras.regularizers.l1_l2()
        L1L2(l1=0.01, l2=0.01)
    """
    return L1L2(l1=l1, l2=l2)


_ALL: dict[str, Any] = {"Regularizer": Regularizer, "L1": L1, "L2": L2, "L1L2": L1L2,
                        "l1": L1, "l2": L2, "l1_l2": l1_l2}


def _unknown(identifier: Any) -> ValueError:
    return ValueError(f"Could not interpret regularizer identifier: {identifier!r}. Pass "
                      f"None, a Regularizer (or any callable), a config dict, or one of the "
                      f"names {', '.join(sorted(_ALL))}.")


def serialize(regularizer: Any) -> dict | str | None:
    """`{"class_name": ..., "config": regularizer.get_config()}`; a plain function gives its
    name, None gives None.

    Example:
        >>> from ember import keras
        >>> keras.regularizers.serialize(keras.regularizers.L1(0.5))
        {'class_name': 'L1', 'config': {'l1': 0.5}}
    """
    return serialization.serialize_object(regularizer, "regularizer", "Regularizer")


def deserialize(config: dict | str | None, custom_objects: dict | None = None) -> Any:
    """The regularizer that `serialize` described (a config dict or a name: 'l1_l2' gives
    `L1L2(0.01, 0.01)`, as tf.keras); `custom_objects` maps extra names to classes or
    functions.

    Example:
        >>> from ember import keras
        >>> keras.regularizers.deserialize({"class_name": "L2", "config": {"l2": 0.1}})
        L2(l2=0.1)
    """
    return serialization.deserialize_object(config, _ALL, custom_objects, _unknown,
                                      factories=(l1_l2,))


def get(identifier: Any) -> Any:
    """A regularizer from an identifier: None -> None, a name or dict -> `deserialize`, a
    class -> an instance, a callable -> itself.

    Example:
        >>> from ember import keras
        >>> keras.regularizers.get("l2"), keras.regularizers.get("l1_l2")
        (L2(l2=0.01), L1L2(l1=0.01, l2=0.01))
    """
    return serialization.get_object(identifier, deserialize, Regularizer, _unknown)

"""`keras.backend`: session and dtype helpers (`floatx` and `epsilon` are keras.config's).

Example:
    >>> from ember import keras
    >>> keras.backend.floatx(), keras.backend.epsilon()
    ('float32', 1e-07)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.random_ops import normal, uniform
from .config import epsilon, floatx
from .engine.keras_tensor import is_keras_tensor
from .engine.naming import clear_session
from .ops._dtypes import result_type, standardize_dtype

__all__ = ["clear_session", "epsilon", "floatx", "int_shape", "is_keras_tensor", "random_normal",
           "random_uniform", "result_type", "standardize_dtype"]


def int_shape(x: Any) -> tuple:
    """The static shape of a tensor or KerasTensor as a tuple (None for unknown dims)."""
    return tuple(x.shape)


def get_value(x: Any) -> Any:
    """The value of a Variable or tensor as NumPy (tf.keras.backend.get_value).

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> float(keras.backend.get_value(tf.Variable(0.5)))
        0.5
    """
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


def set_value(x: Any, value: Any) -> None:
    """Assigns `value` to Variable `x` (tf.keras.backend.set_value), e.g. a learning rate.

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> v = tf.Variable(0.5)
        >>> keras.backend.set_value(v, 0.1)
        >>> round(float(v), 4)
        0.1
    """
    if not getattr(x, "_is_variable", False):
        raise TypeError(f"set_value: expected a Variable (e.g. optimizer.learning_rate), "
                        f"received {type(x).__name__}.")
    x.assign(np.asarray(value, dtype=x.dtype._numpy()))


def random_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
                  seed: int | None = None) -> Any:
    """Normal samples of `shape` (tf.keras 2's `keras.backend.random_normal`; Keras 3 has
    `keras.random.normal`). Works on symbolic shapes inside layers and graphs too.

    Example:
        >>> from ember import keras
        >>> keras.backend.random_normal((2, 3), seed=1).shape
        TensorShape([2, 3])
    """
    return normal(shape, mean=mean, stddev=stddev, dtype=dtype or floatx(), seed=seed)


def random_uniform(shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None,
                   seed: int | None = None) -> Any:
    """Uniform samples in [minval, maxval) (tf.keras 2's `keras.backend.random_uniform`).

    Example:
        >>> from ember import keras
        >>> float(keras.backend.random_uniform((100,), seed=2).numpy().max()) < 1.0
        True
    """
    return uniform(shape, minval=minval, maxval=maxval, dtype=dtype or floatx(), seed=seed)

"""`keras.utils`: set_random_seed, to_categorical, Progbar, Sequence, PyDataset, and (as in
tf.keras 2) the registration of custom objects."""

from __future__ import annotations

import random as _random
from typing import Any

import numpy as np

from .._objects import (CustomObjectScope, custom_object_scope, get_custom_objects,
                        get_registered_name, get_registered_object,
                        register_keras_serializable)
from ..models.data_adapter import pack_x_y_sample_weight, unpack_x_y_sample_weight
from .progbar import Progbar
from .sequence import PyDataset, Sequence

__all__ = ["CustomObjectScope", "Progbar", "PyDataset", "Sequence", "custom_object_scope",
           "get_custom_objects", "get_registered_name", "get_registered_object",
           "pack_x_y_sample_weight", "register_keras_serializable", "set_random_seed",
           "to_categorical", "unpack_x_y_sample_weight"]


def set_random_seed(seed: int) -> None:
    """Seeds Python's `random`, NumPy's global RNG and ember's global seed at once.

    Example:
        >>> from ember import keras
        >>> keras.utils.set_random_seed(1); a = keras.layers.Dense(2)
        >>> a.build((None, 2)); w1 = a.get_weights()[0]
        >>> keras.utils.set_random_seed(1); b = keras.layers.Dense(2)
        >>> b.build((None, 2)); bool((b.get_weights()[0] == w1).all())
        True
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"set_random_seed: seed must be an int, received {seed!r}.")
    from ...ops.random_ops import set_seed
    _random.seed(seed)
    np.random.seed(seed % 2**32)
    set_seed(seed)


def to_categorical(y: Any, num_classes: int | None = None, dtype: str = "float32") -> Any:
    """One-hot rows for integer class ids (NumPy in, NumPy out).

    Example:
        >>> from ember import keras
        >>> keras.utils.to_categorical([0, 2], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    y = np.asarray(y._value if hasattr(y, "_value") else y)
    if y.dtype.kind == "f":
        if not np.all(y == np.round(y)):
            raise ValueError("to_categorical: class ids must be whole numbers.")
        y = y.astype(np.int64)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.size and y.min() < 0:
        raise ValueError(f"to_categorical: class ids must be >= 0, received {y.min()}.")
    n = int(y.max()) + 1 if num_classes is None else int(num_classes)
    if y.size and y.max() >= n:
        raise ValueError(f"to_categorical: class id {int(y.max())} is out of range for "
                         f"num_classes={n}.")
    out = np.zeros(y.shape + (n,), dtype=dtype)
    np.put_along_axis(out, y[..., None], 1, axis=-1)
    return out

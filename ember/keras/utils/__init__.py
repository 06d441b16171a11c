"""`keras.utils`: set_random_seed, to_categorical, Progbar, Sequence, PyDataset, (as in
tf.keras 2) the registration of custom objects, and Keras' data utilities: get_file,
pad_sequences, normalize, the image helpers, the `*_dataset_from_*` builders,
split_dataset, model_to_dot / plot_model and get_source_inputs."""

from __future__ import annotations

import random as _random
from typing import Any

import numpy as np

from ...prims.convert import convert_to_tensor as _convert_to_tensor  # (not keras.utils API)
from ...ops.random_ops import set_seed as _set_seed
from ..serialization_registry import (CustomObjectScope, custom_object_scope,
                                      get_custom_objects, get_registered_name,
                                      get_registered_object, register_keras_serializable)
from .data_adapter_utils import pack_x_y_sample_weight, unpack_x_y_sample_weight
from .dataset_utils import split_dataset
from .file_utils import get_file
from .image_dataset_utils import image_dataset_from_directory
from .image_utils import array_to_img, img_to_array, load_img, save_img
from .layer_utils import get_source_inputs
from .model_visualization import model_to_dot, plot_model
from .numerical_utils import normalize
from .progbar import Progbar
from .sequence import PyDataset, Sequence
from .sequence_utils import pad_sequences
from .text_dataset_utils import text_dataset_from_directory
from .timeseries_dataset_utils import timeseries_dataset_from_array

__all__ = ["CustomObjectScope", "Progbar", "PyDataset", "Sequence", "array_to_img",
           "custom_object_scope", "get_custom_objects", "get_file", "get_registered_name",
           "get_registered_object", "get_source_inputs", "image_dataset_from_directory",
           "img_to_array", "load_img", "model_to_dot", "normalize", "pack_x_y_sample_weight",
           "pad_sequences", "plot_model", "register_keras_serializable", "save_img",
           "set_random_seed", "split_dataset", "text_dataset_from_directory",
           "timeseries_dataset_from_array", "to_categorical", "unpack_x_y_sample_weight"]


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
        raise ValueError(f"set_random_seed: expected `seed` to be an int (as Keras 3). "
                         f"Received: seed={seed!r} (of type {type(seed).__name__}).")
    _random.seed(seed)
    np.random.seed(seed % 2**32)
    _set_seed(seed)


def to_categorical(y: Any, num_classes: int | None = None, dtype: Any = None) -> Any:
    """One-hot rows for integer class ids, as Keras 3: NumPy (or list) in, float64 NumPy
    out; an ember Tensor in, a float32 Tensor out. A trailing axis of size 1 is dropped.
    `dtype` (tf.keras 2's argument) picks another output dtype.

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> keras.utils.to_categorical([0, 2], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.]])
        >>> keras.utils.to_categorical(tf.constant([[1], [0]])).numpy()
        array([[0., 1.],
               [1., 0.]], dtype=float32)
    """
    is_tensor = hasattr(y, "_value") and hasattr(y, "numpy")
    if dtype is None:
        dtype = "float32" if is_tensor else "float64"
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
    if is_tensor:
        return _convert_to_tensor(out)
    return out

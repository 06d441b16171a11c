"""`keras.applications.imagenet_utils`: the ImageNet input preprocessing and label
decoding shared by the application models, and the input-shape checks they all use.

`preprocess_input(x, mode=...)` applies one of Keras' three conventions to images with
values in [0, 255]:

- "caffe": RGB -> BGR, then subtract the ImageNet mean pixel (103.939, 116.779, 123.68);
- "tf": scale to [-1, 1] (`x / 127.5 - 1`);
- "torch": scale to [0, 1], then subtract (0.485, 0.456, 0.406) and divide by
  (0.229, 0.224, 0.225) per channel.

A float NumPy array is changed in place (as in Keras: pass `np.copy(x)` to keep the
original); other NumPy dtypes are converted to `floatx` first. Tensors (ember Tensors or
KerasTensors) give new tensors.

`decode_predictions(preds)` reads Keras' ImageNet class index,
`imagenet_class_index.json`, from the Keras cache (`$KERAS_HOME/models/` or
`~/.keras/models/`); ember does not download it.

Example:
    >>> import numpy as np
    >>> from ember.keras.applications import imagenet_utils
    >>> imagenet_utils.preprocess_input(np.array([[0.0, 127.5, 255.0]]), mode="tf")
    array([[-1.,  0.,  1.]])
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import numpy as np

from .. import activations, config, ops
from ..utils.file_utils import keras_home

__all__ = ["decode_predictions", "preprocess_input"]

CLASS_INDEX_FILE = "imagenet_class_index.json"
CLASS_INDEX_URL = ("https://storage.googleapis.com/download.tensorflow.org/data/"
                   "imagenet_class_index.json")
_CAFFE_MEAN = (103.939, 116.779, 123.68)  # B, G, R
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)
_class_index_cache: dict = {}


def _check_format(data_format: str | None) -> str:
    if data_format is None:
        return config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("preprocess_input: data_format must be 'channels_first' or "
                         f"'channels_last'. Received: data_format={data_format!r}")
    return data_format


def preprocess_input(x: Any, data_format: str | None = None, mode: str = "caffe") -> Any:
    """Preprocesses a batch of images (or one image) with values in [0, 255].

    Args:
        x: a 3D or 4D NumPy array, ember Tensor or KerasTensor with 3 color channels.
        data_format: "channels_last" or "channels_first" (default:
            `keras.config.image_data_format()`).
        mode: "caffe" (BGR, mean pixel subtracted), "tf" (scaled to [-1, 1]) or
            "torch" (scaled to [0, 1] and normalized per channel).

    Returns:
        The preprocessed array or tensor (float). A float NumPy array is changed in place.

    Raises:
        ValueError: for an unknown `mode` or `data_format`.

    Example:
        >>> import numpy as np
        >>> from ember.keras.applications import imagenet_utils
        >>> x = np.full((1, 1, 1, 3), 255.0, "float32")
        >>> imagenet_utils.preprocess_input(x, mode="torch").round(3)
        array([[[[2.249, 2.429, 2.64 ]]]], dtype=float32)
    """
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError("preprocess_input: mode must be one of 'caffe', 'tf' or 'torch'. "
                         f"Received: mode={mode!r}")
    data_format = _check_format(data_format)
    if isinstance(x, (list, tuple)):
        x = np.asarray(x)
    if isinstance(x, np.ndarray):
        return _preprocess_numpy(x, data_format, mode)
    return _preprocess_tensor(x, data_format, mode)


def _channel_index(ndim: int, data_format: str, c: int) -> tuple:
    """The index of channel `c` in an array of rank `ndim`."""
    if data_format == "channels_last":
        return (Ellipsis, c)
    return (c,) if ndim == 3 else (slice(None), c)


def _preprocess_numpy(x: np.ndarray, data_format: str, mode: str) -> np.ndarray:
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(config.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        # a reversed view, as Keras does: the caller's float array is changed too
        if data_format == "channels_last":
            x = x[..., ::-1]
        elif x.ndim == 3:
            x = x[::-1, ...]
        else:
            x = x[:, ::-1, ...]
        mean, std = _CAFFE_MEAN, None
    for c in range(3):
        idx = _channel_index(x.ndim, data_format, c)
        x[idx] -= mean[c]
        if std is not None:
            x[idx] /= std[c]
    return x


def _preprocess_tensor(x: Any, data_format: str, mode: str) -> Any:
    x = ops.convert_to_tensor(x)
    if not str(getattr(x.dtype, "name", x.dtype)).startswith(("float", "bfloat")):
        x = ops.cast(x, config.floatx())
    ndim = len(x.shape)
    if mode == "tf":
        return x / 127.5 - 1.0
    if mode == "torch":
        x = x / 255.0
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        axis = -1 if data_format == "channels_last" else (0 if ndim == 3 else 1)
        channels = [x[_channel_index(ndim, data_format, c)] for c in (2, 1, 0)]
        x = ops.stack(channels, axis=axis)
        mean, std = _CAFFE_MEAN, None
    if data_format == "channels_last":
        shape = (1,) * (ndim - 1) + (3,)
    else:
        shape = (3, 1, 1) if ndim == 3 else (1, 3) + (1,) * (ndim - 2)
    x = x - ops.reshape(ops.convert_to_tensor(np.array(mean), dtype=x.dtype), shape)
    if std is not None:
        x = x / ops.reshape(ops.convert_to_tensor(np.array(std), dtype=x.dtype), shape)
    return x


def class_index_path() -> str:
    """Where `decode_predictions` looks for Keras' ImageNet class index."""
    return os.path.join(keras_home(), "models", CLASS_INDEX_FILE)


def _class_index() -> dict:
    path = class_index_path()
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"decode_predictions needs Keras' ImageNet class index {CLASS_INDEX_FILE!r}, "
            f"which is not in the Keras cache: no file at {path}. ember does not download "
            f"it: fetch {CLASS_INDEX_URL} and put it at {path} (the cache folder is "
            f"$KERAS_HOME/models, or ~/.keras/models when KERAS_HOME is not set).")
    key = (path, os.path.getmtime(path))
    if key not in _class_index_cache:
        with open(path, encoding="utf-8") as f:
            _class_index_cache.clear()
            _class_index_cache[key] = json.load(f)
    return _class_index_cache[key]


def decode_predictions(preds: Any, top: int = 5) -> list:
    """Decodes the predictions of an ImageNet model (a batch of 1000 scores each).

    Args:
        preds: array or tensor of shape (samples, 1000).
        top: how many of the best guesses to return per sample.

    Returns:
        One list per sample of `(class_name, class_description, score)` tuples, best
        first.

    Raises:
        ValueError: when `preds` is not of shape (samples, 1000).
        FileNotFoundError: when the class index is not in the Keras cache (the message
            names the file, its URL and where to put it).

    Example:
        >>> import numpy as np
        >>> from ember.keras.applications import imagenet_utils
        >>> try:
        ...     imagenet_utils.decode_predictions(np.zeros((1, 10)))
        ... except ValueError as e:
        ...     print(str(e)[:40])
        decode_predictions expects a batch of pr
    """
    shape = tuple(getattr(preds, "shape", np.shape(preds)))
    if len(shape) != 2 or shape[1] != 1000:
        raise ValueError("decode_predictions expects a batch of predictions, a 2D array "
                         f"of shape (samples, 1000). Received an array of shape {shape}.")
    index = _class_index()
    preds = ops.convert_to_numpy(preds)
    results = []
    for pred in preds:
        best = pred.argsort()[-top:][::-1]
        rows = [tuple(index[str(i)]) + (pred[i],) for i in best]
        rows.sort(key=lambda r: r[2], reverse=True)
        results.append(rows)
    return results


# -- the input checks shared by the application models ---------------------------------

def obtain_input_shape(input_shape: Any, default_size: int, min_size: int,
                       data_format: str, require_flatten: bool,
                       weights: Any = None) -> tuple:
    """The model's input shape (without the batch axis) from the user's `input_shape`,
    checked as Keras checks it: 3 dims, at least `min_size` pixels per side, 3 channels
    for ImageNet weights, the model's default size when the top (with ImageNet weights)
    needs it, and a fully known shape whenever the top is included.

    Example:
        >>> obtain_input_shape(None, 224, 32, "channels_last", require_flatten=False)
        (None, None, 3)
    """
    last = data_format != "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[-1] if last else input_shape[0]
        if channels not in (1, 3):
            warnings.warn("This model usually expects 1 or 3 input channels. However, it "
                          f"was passed an input_shape with {channels} input channels.",
                          stacklevel=3)
        default = (default_size, default_size, channels) if last else \
            (channels, default_size, default_size)
    else:
        default = (default_size, default_size, 3) if last else (3, default_size, default_size)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default:
            raise ValueError("When setting `include_top=True` and loading `imagenet` "
                             f"weights, `input_shape` should be {default}. Received: "
                             f"input_shape={input_shape}")
        return default
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers. Received: "
                             f"input_shape={input_shape}")
        channels = input_shape[-1] if last else input_shape[0]
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received "
                             f"`input_shape={input_shape}`")
        sides = input_shape[:2] if last else input_shape[1:]
        if any(s is not None and s < min_size for s in sides):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; "
                             f"Received: input_shape={input_shape}")
    elif require_flatten:
        input_shape = default
    else:
        input_shape = (None, None, 3) if last else (3, None, None)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static "
                         f"`input_shape`. Received: input_shape={input_shape}")
    return tuple(input_shape)


def correct_pad(inputs: Any, kernel_size: Any) -> tuple:
    """The ((top, bottom), (left, right)) zero padding before a strided 'valid' conv of
    `kernel_size` that matches TensorFlow's 'same' padding for even and odd sizes.

    Example:
        >>> from ember import keras
        >>> correct_pad(keras.Input((32, 32, 3)), 3)
        ((0, 1), (0, 1))
    """
    first = 2 if config.image_data_format() == "channels_first" else 1
    size = tuple(inputs.shape)[first:first + 2]
    k = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    half = (k[0] // 2, k[1] // 2)
    return ((half[0] - adjust[0], half[0]), (half[1] - adjust[1], half[1]))


def validate_activation(classifier_activation: Any, weights: Any) -> None:
    """Raises when pretrained weights are combined with a classifier activation other
    than None or "softmax".

    Example:
        >>> validate_activation("softmax", "imagenet")
    """
    if weights is None:
        return
    act = activations.get(classifier_activation)
    if act not in (activations.get("softmax"), activations.get(None)):
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained weights, "
                         "with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")

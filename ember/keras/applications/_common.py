"""What every application model shares: checking the `weights` argument, the input
tensor, the classifier head's pooling, and finding Keras' published weights files in
the Keras cache.

Pretrained weights are Keras' own `.h5` files (tf.keras 2's HDF5 layout), read from
`$KERAS_HOME/models/<file>` (or `~/.keras/models/<file>`), the folder Keras downloads them
to. ember does not download them: a missing file raises `FileNotFoundError` naming the
file, its URL and where to put it. `model.load_weights` reads them layer by layer in
order, which works because a functional model's `model.layers` is in Keras' order (by
depth from the outputs), so layers Keras names automatically need not have the same
names here.

Example:
    >>> from ember.keras.applications import _common
    >>> _common.check_weights_arg(None, include_top=True, classes=10)
"""

from __future__ import annotations

import os
from typing import Any

from .. import config, layers
from ..backend import is_keras_tensor
from ..models import Model
from ..utils.file_utils import keras_home
from ..utils.layer_utils import get_source_inputs
from . import imagenet_utils

__all__ = ["cached_weights_path", "check_weights_arg", "finish", "load", "make_input",
           "pool"]


def check_weights_arg(weights: Any, include_top: bool, classes: int) -> None:
    """Raises ValueError for a `weights` that is not None, "imagenet" or an existing
    file, and for ImageNet weights with a top of other than 1000 classes."""
    if not (weights is None or weights == "imagenet" or
            (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random "
                         "initialization), 'imagenet' (pre-training on ImageNet), or the "
                         f"path to the weights file to be loaded. Received: "
                         f"weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights='imagenet'` with `include_top=True`, "
                         f"`classes` should be 1000. Received: classes={classes}")


def image_input(weights: Any, include_top: bool, classes: int, input_tensor: Any,
                input_shape: Any, default_size: int, min_size: int) -> tuple:
    """(input shape, image input): the checks and the input every application starts
    with: the `weights` / `classes` check, the input shape (Keras' `obtain_input_shape`
    rules for this model's default and minimum sizes), and the input layer
    (`make_input`)."""
    check_weights_arg(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=min_size,
        data_format=config.image_data_format(), require_flatten=include_top, weights=weights)
    return input_shape, make_input(input_tensor, input_shape)


def make_input(input_tensor: Any, input_shape: tuple) -> Any:
    """The model's image input: `input_tensor` when it is a KerasTensor, else a new
    `keras.Input` (wrapping `input_tensor` when one is given)."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if is_keras_tensor(input_tensor):
        return input_tensor
    return layers.Input(tensor=input_tensor, shape=input_shape)


def pool(x: Any, pooling: str | None, names: bool = True) -> Any:
    """The optional global pooling of a headless model ('avg', 'max' or None)."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool" if names else None)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool" if names else None)(x)
    return x


def finish(img_input: Any, input_tensor: Any, outputs: Any, name: str | None) -> Model:
    """The functional model from the image input (or `input_tensor`'s sources)."""
    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    return Model(inputs, outputs, name=name)


def cached_weights_path(file_name: str, origin: str, who: str) -> str:
    """The path of Keras' weights file `file_name` in the Keras cache; raises
    FileNotFoundError (naming the file, its URL and the folder) when it is not there.

    Example:
        >>> import os, tempfile
        >>> os.environ["KERAS_HOME"], old = tempfile.mkdtemp(), os.environ.get("KERAS_HOME")
        >>> try:
        ...     cached_weights_path("w.h5", "https://example.com/w.h5", "Net")
        ... except FileNotFoundError as e:
        ...     print("https://example.com/w.h5" in str(e))
        True
        >>> _ = os.environ.pop("KERAS_HOME") if old is None else os.environ.update(KERAS_HOME=old)
    """
    folder = os.path.join(keras_home(), "models")
    path = os.path.join(folder, file_name)
    if os.path.exists(path):
        return path
    raise FileNotFoundError(
        f"{who}(weights='imagenet') needs Keras' pretrained weights file {file_name!r}, "
        f"which is not in the Keras cache: no file at {path}. ember does not download "
        f"weights: fetch {origin} (on a machine with network access, e.g. with "
        f"keras.utils.get_file) and put it at {path} (the cache folder is "
        f"$KERAS_HOME/models, or ~/.keras/models when KERAS_HOME is not set), or pass "
        f"weights='/path/to/{file_name}'.")


def load(model: Model, weights: Any, file_name: str | None, origin: str | None,
         who: str) -> Model:
    """Loads ImageNet weights from the cache (or the file `weights` names) into `model`."""
    if weights == "imagenet":
        if file_name is None:
            raise ValueError(f"{who}: Keras publishes no ImageNet weights for this "
                             f"configuration; pass weights=None or a weights file.")
        model.load_weights(cached_weights_path(file_name, origin or "", who))
    elif weights is not None:
        model.load_weights(os.fspath(weights))  # Keras' .h5 layout or an ember file
    return model

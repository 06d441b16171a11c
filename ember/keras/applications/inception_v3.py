"""`keras.applications.inception_v3`: Inception v3 (Szegedy et al., "Rethinking the
Inception Architecture for Computer Vision", 2016), built as Keras 3 builds it (same layer
names, order and weights; most layers are named automatically, as in Keras).

Inputs: images with values in [0, 255], `inception_v3.preprocess_input` ("tf" mode:
scaled to [-1, 1]); at least 75x75 pixels (default 299x299).

Example:
    >>> from ember.keras import applications
    >>> model = applications.InceptionV3(weights=None, include_top=False,
    ...                                  input_shape=(75, 75, 3))
    >>> model.output_shape
    TensorShape([None, 1, 1, 2048])
"""

from __future__ import annotations

from typing import Any

from .. import config, layers
from ..models import Model
from . import _common, imagenet_utils

__all__ = ["InceptionV3", "conv2d_bn", "decode_predictions", "preprocess_input"]

BASE_WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                     "inception_v3/")
WEIGHTS_PATH = BASE_WEIGHTS_PATH + "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = (BASE_WEIGHTS_PATH +
                       "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")


def _axis() -> int:
    return 1 if config.image_data_format() == "channels_first" else 3


def conv2d_bn(x: Any, filters: int, num_row: int, num_col: int, padding: str = "same",
              strides: tuple = (1, 1), name: str | None = None) -> Any:
    """A bias-free `num_row`x`num_col` Conv2D, a batch norm without scale and a ReLU
    (named `<name>_conv`, `<name>_bn` and `<name>`, or automatically when `name` is None).

    Example:
        >>> from ember import keras
        >>> from ember.keras.applications import inception_v3
        >>> inception_v3.conv2d_bn(keras.Input((8, 8, 3)), 4, 3, 3, name="b").shape
        TensorShape([None, 8, 8, 4])
    """
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=None if name is None else f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=_axis(), scale=False,
                                  name=None if name is None else f"{name}_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _avg_branch(x: Any, filters: int) -> Any:
    x = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(x, filters, 1, 1)


def _block_35(x: Any, pool_filters: int, name: str) -> Any:
    """mixed0-2 (35x35): 1x1; 1x1 -> 5x5; 1x1 -> 3x3 -> 3x3; avg pool -> 1x1."""
    b1 = conv2d_bn(x, 64, 1, 1)
    b5 = conv2d_bn(conv2d_bn(x, 48, 1, 1), 64, 5, 5)
    b3 = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
    bp = _avg_branch(x, pool_filters)
    return layers.concatenate([b1, b5, b3, bp], axis=_axis(), name=name)


def _block_17(x: Any, mid: int, name: str) -> Any:
    """mixed4-7 (17x17): 1x1; 1x1 -> 1x7 -> 7x1; 1x1 -> (7x1 -> 1x7) x 2; avg pool ->
    1x1; `mid` filters inside the factorized 7x7 branches."""
    b1 = conv2d_bn(x, 192, 1, 1)
    b7 = conv2d_bn(x, mid, 1, 1)
    b7 = conv2d_bn(b7, mid, 1, 7)
    b7 = conv2d_bn(b7, 192, 7, 1)
    bd = conv2d_bn(x, mid, 1, 1)
    bd = conv2d_bn(bd, mid, 7, 1)
    bd = conv2d_bn(bd, mid, 1, 7)
    bd = conv2d_bn(bd, mid, 7, 1)
    bd = conv2d_bn(bd, 192, 1, 7)
    bp = _avg_branch(x, 192)
    return layers.concatenate([b1, b7, bd, bp], axis=_axis(), name=name)


def _block_8(x: Any, i: int) -> Any:
    """mixed9, mixed10 (8x8): 1x1; 1x1 -> (1x3 | 3x1); 1x1 -> 3x3 -> (1x3 | 3x1);
    avg pool -> 1x1."""
    axis = _axis()
    b1 = conv2d_bn(x, 320, 1, 1)
    b3 = conv2d_bn(x, 384, 1, 1)
    b3 = layers.concatenate([conv2d_bn(b3, 384, 1, 3), conv2d_bn(b3, 384, 3, 1)],
                            axis=axis, name=f"mixed9_{i}")
    bd = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
    bd = layers.concatenate([conv2d_bn(bd, 384, 1, 3), conv2d_bn(bd, 384, 3, 1)],
                            axis=axis)
    bp = _avg_branch(x, 192)
    return layers.concatenate([b1, b3, bd, bp], axis=axis, name=f"mixed{9 + i}")


def InceptionV3(include_top: bool = True, weights: Any = "imagenet",
                input_tensor: Any = None, input_shape: Any = None,
                pooling: str | None = None, classes: int = 1000,
                classifier_activation: Any = "softmax",
                name: str = "inception_v3") -> Model:
    """Instantiates the Inception v3 architecture (Keras 3's layers and weights).

    Args:
        include_top: whether to include the classifier (global average pooling and a
            Dense layer of `classes` units).
        weights: None (random initialization), "imagenet" (Keras' published weights,
            read from the Keras cache) or the path of a weights file.
        input_tensor: an optional KerasTensor to use as the image input.
        input_shape: the image shape, at least 75x75; with the top and ImageNet weights
            it must be (299, 299, 3).
        pooling: without the top, None (4D output), "avg" or "max" (2D output).
        classes: the number of classes of the top.
        classifier_activation: the top's activation (None gives logits).
        name: the model's name.

    Returns:
        A functional `keras.Model`.

    Example:
        >>> from ember.keras import applications
        >>> m = applications.InceptionV3(weights=None, input_shape=(75, 75, 3), classes=3)
        >>> m.name, m.output_shape
        ('inception_v3', TensorShape([None, 3]))
    """
    input_shape, img_input = _common.image_input(
        weights, include_top, classes, input_tensor, input_shape, 299, 75)
    axis = _axis()

    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _block_35(x, 32, "mixed0")
    x = _block_35(x, 64, "mixed1")
    x = _block_35(x, 64, "mixed2")
    # mixed3: grid reduction 35 -> 17
    b3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    bd = conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3)
    bd = conv2d_bn(bd, 96, 3, 3, strides=(2, 2), padding="valid")
    bp = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([b3, bd, bp], axis=axis, name="mixed3")
    x = _block_17(x, 128, "mixed4")
    x = _block_17(x, 160, "mixed5")
    x = _block_17(x, 160, "mixed6")
    x = _block_17(x, 192, "mixed7")
    # mixed8: grid reduction 17 -> 8
    b3 = conv2d_bn(conv2d_bn(x, 192, 1, 1), 320, 3, 3, strides=(2, 2), padding="valid")
    b7 = conv2d_bn(x, 192, 1, 1)
    b7 = conv2d_bn(b7, 192, 1, 7)
    b7 = conv2d_bn(b7, 192, 7, 1)
    b7 = conv2d_bn(b7, 192, 3, 3, strides=(2, 2), padding="valid")
    bp = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([b3, b7, bp], axis=axis, name="mixed8")
    x = _block_8(x, 0)
    x = _block_8(x, 1)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling, names=False)
    model = _common.finish(img_input, input_tensor, x, name)
    path = WEIGHTS_PATH if include_top else WEIGHTS_PATH_NO_TOP
    return _common.load(model, weights, path.rsplit("/", 1)[1], path, "InceptionV3")


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """Inception v3's preprocessing: `imagenet_utils.preprocess_input` in "tf" mode
    (pixels scaled to [-1, 1]).

    Example:
        >>> import numpy as np
        >>> from ember.keras.applications import inception_v3
        >>> inception_v3.preprocess_input(np.array([255.0]))
        array([1.])
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


# Keras' per-model decode_predictions is imagenet_utils' own.
decode_predictions = imagenet_utils.decode_predictions

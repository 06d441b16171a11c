"""`keras.applications.xception`: Xception (Chollet, "Xception: Deep Learning with
Depthwise Separable Convolutions", 2017), built as Keras 3 builds it (same layer names,
order and weights).

Inputs: images with values in [0, 255], `xception.preprocess_input` ("tf" mode: scaled
to [-1, 1]); at least 71x71 pixels (default 299x299).

Example:
    >>> from ember.keras import applications
    >>> model = applications.Xception(weights=None, include_top=False,
    ...                               input_shape=(71, 71, 3))
    >>> model.output_shape
    TensorShape([None, 3, 3, 2048])
"""

from __future__ import annotations

from typing import Any

from .. import config, layers
from ..models import Model
from . import _common, imagenet_utils

__all__ = ["Xception", "decode_predictions", "preprocess_input"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/xception/"
WEIGHTS_PATH = BASE_WEIGHTS_PATH + "xception_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = (BASE_WEIGHTS_PATH +
                       "xception_weights_tf_dim_ordering_tf_kernels_notop.h5")


def _sep_bn(x: Any, filters: int, name: str, axis: int) -> Any:
    """A 3x3 "same" SeparableConv2D without bias (`name`) and its batch norm."""
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False,
                               name=name)(x)
    return layers.BatchNormalization(axis=axis, name=f"{name}_bn")(x)


def _shortcut(x: Any, filters: int, axis: int) -> Any:
    """The strided 1x1 conv and batch norm (named automatically) of a downsampling
    block's residual branch."""
    r = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    return layers.BatchNormalization(axis=axis)(r)


def _down_block(x: Any, filters: tuple, block: int, axis: int, first_relu: bool) -> Any:
    """Two separable convs (ReLU before each, except the first of block 2), 3x3/2 max
    pooling, plus the strided 1x1 shortcut."""
    residual = _shortcut(x, filters[1], axis)
    if first_relu:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sep_bn(x, filters[0], f"block{block}_sepconv1", axis)
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sep_bn(x, filters[1], f"block{block}_sepconv2", axis)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same",
                            name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
             input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
             classifier_activation: Any = "softmax", name: str = "xception") -> Model:
    """Instantiates the Xception architecture (Keras 3's layers and weights).

    Args:
        include_top: whether to include the classifier (global average pooling and a
            Dense layer of `classes` units).
        weights: None (random initialization), "imagenet" (Keras' published weights,
            read from the Keras cache) or the path of a weights file.
        input_tensor: an optional KerasTensor to use as the image input.
        input_shape: the image shape, at least 71x71; with the top and ImageNet weights
            it must be (299, 299, 3).
        pooling: without the top, None (4D output), "avg" or "max" (2D output).
        classes: the number of classes of the top.
        classifier_activation: the top's activation (None gives logits).
        name: the model's name.

    Returns:
        A functional `keras.Model`.

    Example:
        >>> from ember.keras import applications
        >>> m = applications.Xception(weights=None, input_shape=(71, 71, 3), classes=3)
        >>> m.name, m.output_shape
        ('xception', TensorShape([None, 3]))
    """
    input_shape, img_input = _common.image_input(
        weights, include_top, classes, input_tensor, input_shape, 299, 71)
    axis = 1 if config.image_data_format() == "channels_first" else -1

    # entry flow
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False,
                      name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    x = _down_block(x, (128, 128), 2, axis, first_relu=False)
    x = _down_block(x, (256, 256), 3, axis, first_relu=True)
    x = _down_block(x, (728, 728), 4, axis, first_relu=True)
    # middle flow: 8 residual blocks of three ReLU + separable conv
    for block in range(5, 13):
        residual = x
        for i in (1, 2, 3):
            x = layers.Activation("relu", name=f"block{block}_sepconv{i}_act")(x)
            x = _sep_bn(x, 728, f"block{block}_sepconv{i}", axis)
        x = layers.add([x, residual])
    # exit flow
    x = _down_block(x, (728, 1024), 13, axis, first_relu=True)
    x = _sep_bn(x, 1536, "block14_sepconv1", axis)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sep_bn(x, 2048, "block14_sepconv2", axis)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling, names=False)
    model = _common.finish(img_input, input_tensor, x, name)
    path = WEIGHTS_PATH if include_top else WEIGHTS_PATH_NO_TOP
    return _common.load(model, weights, path.rsplit("/", 1)[1], path, "Xception")


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """Xception's preprocessing: `imagenet_utils.preprocess_input` in "tf" mode (pixels
    scaled to [-1, 1]).

    Example:
        >>> import numpy as np
        >>> from ember.keras.applications import xception
        >>> xception.preprocess_input(np.array([0.0, 127.5]))
        array([-1.,  0.])
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


# Keras' per-model decode_predictions is imagenet_utils' own.
decode_predictions = imagenet_utils.decode_predictions

"""`keras.applications.densenet`: DenseNet121, DenseNet169, DenseNet201 (Huang et al.,
"Densely Connected Convolutional Networks", 2017), built as Keras 3 builds them (same
layer names, order and weights). channels_last only, as in Keras.

Inputs: images with values in [0, 255], `densenet.preprocess_input` ("torch" mode:
scaled to [0, 1], then normalized per channel); at least 32x32 pixels.

Example:
    >>> from ember.keras import applications
    >>> model = applications.DenseNet121(weights=None, include_top=False,
    ...                                  input_shape=(32, 32, 3))
    >>> model.output_shape
    TensorShape([None, 1, 1, 1024])
"""

from __future__ import annotations

from typing import Any

from .. import config, layers
from ..models import Model
from . import _common, imagenet_utils

__all__ = ["DenseNet121", "DenseNet169", "DenseNet201", "decode_predictions",
           "preprocess_input"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
_NAMES = {(6, 12, 24, 16): "densenet121", (6, 12, 32, 32): "densenet169",
          (6, 12, 48, 32): "densenet201"}
_EPS = 1.001e-5


def dense_block(x: Any, blocks: int, name: str) -> Any:
    """`blocks` conv blocks, each concatenating 32 new feature maps to its input."""
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x: Any, reduction: float, name: str) -> Any:
    """BN, ReLU, a 1x1 conv keeping `reduction` of the channels, 2x2 average pooling."""
    x = layers.BatchNormalization(axis=3, epsilon=_EPS, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[3] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def conv_block(x: Any, growth_rate: int, name: str) -> Any:
    """BN-ReLU-1x1 conv (4 * growth_rate), BN-ReLU-3x3 conv (growth_rate), concatenated
    to the block's input."""
    x1 = layers.BatchNormalization(axis=3, epsilon=_EPS, name=f"{name}_0_bn")(x)
    x1 = layers.Activation("relu", name=f"{name}_0_relu")(x1)
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(x1)
    x1 = layers.BatchNormalization(axis=3, epsilon=_EPS, name=f"{name}_1_bn")(x1)
    x1 = layers.Activation("relu", name=f"{name}_1_relu")(x1)
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False,
                       name=f"{name}_2_conv")(x1)
    return layers.Concatenate(axis=3, name=f"{name}_concat")([x, x1])


def DenseNet(blocks: Any, include_top: bool = True, weights: Any = "imagenet",
             input_tensor: Any = None, input_shape: Any = None, pooling: str | None = None,
             classes: int = 1000, classifier_activation: Any = "softmax",
             name: str = "densenet") -> Model:
    """A DenseNet with `blocks` conv blocks in each of its four dense blocks.

    Example:
        >>> from ember.keras.applications import densenet
        >>> m = densenet.DenseNet([1, 1, 1, 1], weights=None, include_top=False,
        ...                       input_shape=(32, 32, 3))
        >>> m.output_shape
        TensorShape([None, 1, 1, 68])
    """
    if config.image_data_format() == "channels_first":
        raise ValueError("DenseNet does not support the `channels_first` image data format. "
                         "Switch to `channels_last` (keras.config.set_image_data_format).")
    input_shape, img_input = _common.image_input(
        weights, include_top, classes, input_tensor, input_shape, 224, 32)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=_EPS, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for i, n in enumerate(blocks):
        x = dense_block(x, n, name=f"conv{i + 2}")
        if i < 3:
            x = transition_block(x, 0.5, name=f"pool{i + 2}")
    x = layers.BatchNormalization(axis=3, epsilon=_EPS, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling)
    model = _common.finish(img_input, input_tensor, x, name)
    family = _NAMES.get(tuple(blocks))
    if weights == "imagenet" and family is None:
        raise ValueError("Keras publishes ImageNet weights only for DenseNet121, 169 and 201 "
                         f"(blocks {list(_NAMES)}); received blocks={list(blocks)}.")
    file_name = (f"{family}_weights_tf_dim_ordering_tf_kernels"
                 f"{'' if include_top else '_notop'}.h5")
    return _common.load(model, weights, file_name, BASE_WEIGHTS_PATH + file_name, name)


_DOC = """Instantiates the DenseNet{depth} architecture (Keras 3's layers and weights).

    Args:
        include_top: whether to include the classifier (global average pooling and a
            Dense layer of `classes` units).
        weights: None (random initialization), "imagenet" (Keras' published weights,
            read from the Keras cache) or the path of a weights file.
        input_tensor: an optional KerasTensor to use as the image input.
        input_shape: the image shape, at least 32x32; with the top and ImageNet weights
            it must be (224, 224, 3).
        pooling: without the top, None (4D output), "avg" or "max" (2D output).
        classes: the number of classes of the top.
        classifier_activation: the top's activation (None gives logits).
        name: the model's name.

    Returns:
        A functional `keras.Model`.

    Example:
        >>> from ember.keras import applications
        >>> m = applications.DenseNet{depth}(weights=None, input_shape=(32, 32, 3),
        ...                                  classes=3)
        >>> m.output_shape
        TensorShape([None, 3])
    """


def DenseNet121(include_top: bool = True, weights: Any = "imagenet",
                input_tensor: Any = None, input_shape: Any = None,
                pooling: str | None = None, classes: int = 1000,
                classifier_activation: Any = "softmax", name: str = "densenet121") -> Model:
    return DenseNet([6, 12, 24, 16], include_top, weights, input_tensor, input_shape,
                    pooling, classes, classifier_activation, name=name)


def DenseNet169(include_top: bool = True, weights: Any = "imagenet",
                input_tensor: Any = None, input_shape: Any = None,
                pooling: str | None = None, classes: int = 1000,
                classifier_activation: Any = "softmax", name: str = "densenet169") -> Model:
    return DenseNet([6, 12, 32, 32], include_top, weights, input_tensor, input_shape,
                    pooling, classes, classifier_activation, name=name)


def DenseNet201(include_top: bool = True, weights: Any = "imagenet",
                input_tensor: Any = None, input_shape: Any = None,
                pooling: str | None = None, classes: int = 1000,
                classifier_activation: Any = "softmax", name: str = "densenet201") -> Model:
    return DenseNet([6, 12, 48, 32], include_top, weights, input_tensor, input_shape,
                    pooling, classes, classifier_activation, name=name)


DenseNet121.__doc__ = _DOC.format(depth=121)
DenseNet169.__doc__ = _DOC.format(depth=169)
DenseNet201.__doc__ = _DOC.format(depth=201)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """DenseNet's preprocessing: `imagenet_utils.preprocess_input` in "torch" mode
    (scaled to [0, 1], then normalized with the ImageNet channel means and stds).

    Example:
        >>> import numpy as np
        >>> from ember.keras.applications import densenet
        >>> densenet.preprocess_input(np.zeros((1, 3))).round(3)
        array([[-2.118, -2.036, -1.804]])
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


# Keras' per-model decode_predictions is imagenet_utils' own.
decode_predictions = imagenet_utils.decode_predictions

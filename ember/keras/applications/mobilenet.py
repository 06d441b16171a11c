"""`keras.applications.mobilenet`: MobileNet v1 (Howard et al., "MobileNets: Efficient
Convolutional Neural Networks for Mobile Vision Applications", 2017), built as Keras 3
builds it (same layer names, order and weights).

Inputs: images with values in [0, 255], `mobilenet.preprocess_input` ("tf" mode: scaled
to [-1, 1]); at least 32x32 pixels. `alpha` scales every layer's width and
`depth_multiplier` the depthwise convolutions' outputs; Keras publishes ImageNet weights
for alpha in (0.25, 0.5, 0.75, 1.0), depth_multiplier 1 and square inputs of 128, 160,
192 or 224 pixels.

Example:
    >>> from ember.keras import applications
    >>> model = applications.MobileNet(weights=None, include_top=False,
    ...                                input_shape=(32, 32, 3), alpha=0.25)
    >>> model.output_shape
    TensorShape([None, 1, 1, 256])
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import config, layers
from ..models import Model
from . import _common, imagenet_utils

__all__ = ["MobileNet", "decode_predictions", "preprocess_input"]

BASE_WEIGHT_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                    "mobilenet/")
_SIZES = (128, 160, 192, 224)
_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
# (pointwise filters, stride) of the 13 depthwise separable blocks
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def _rows_cols(shape: Any) -> tuple:
    if config.image_data_format() == "channels_first":
        return shape[1], shape[2]
    return shape[0], shape[1]


def MobileNet(input_shape: Any = None, alpha: float = 1.0, depth_multiplier: int = 1,
              dropout: float = 1e-3, include_top: bool = True, weights: Any = "imagenet",
              input_tensor: Any = None, pooling: str | None = None, classes: int = 1000,
              classifier_activation: Any = "softmax", name: str | None = None) -> Model:
    """Instantiates the MobileNet (v1) architecture (Keras 3's layers and weights).

    Args:
        input_shape: the image shape, at least 32x32 (default (224, 224, 3) with the top).
        alpha: the width multiplier (< 1 thinner, > 1 wider; 1.0 is the paper's model).
        depth_multiplier: the depthwise convolutions' depth multiplier.
        dropout: the dropout rate before the classifier.
        include_top: whether to include the classifier (global average pooling, dropout
            and a 1x1 convolution of `classes` filters).
        weights: None (random initialization), "imagenet" (Keras' published weights,
            read from the Keras cache) or the path of a weights file.
        input_tensor: an optional KerasTensor to use as the image input.
        pooling: without the top, None (4D output), "avg" or "max" (2D output).
        classes: the number of classes of the top.
        classifier_activation: the top's activation (None gives logits).
        name: the model's name (default `mobilenet_<alpha>_<rows>`).

    Returns:
        A functional `keras.Model`.

    Example:
        >>> from ember.keras import applications
        >>> m = applications.MobileNet(weights=None, input_shape=(32, 32, 3), classes=3,
        ...                            alpha=0.25)
        >>> m.name, m.output_shape
        ('mobilenet_0.25_32', TensorShape([None, 3]))
    """
    _common.check_weights_arg(weights, include_top, classes)
    default_size = 224
    if input_shape is not None:
        rows, cols = _rows_cols(tuple(input_shape))
        if rows == cols and rows in _SIZES:
            default_size = rows
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=config.image_data_format(), require_flatten=include_top,
        weights=weights)
    rows, cols = _rows_cols(input_shape)
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("If imagenet weights are being loaded, depth multiplier must "
                             f"be 1. Received depth_multiplier={depth_multiplier}")
        if alpha not in _ALPHA_TEXT:
            raise ValueError("If imagenet weights are being loaded, alpha can be one of "
                             "`0.25`, `0.50`, `0.75` or `1.0` only. Received "
                             f"alpha={alpha}")
        if rows != cols or rows not in _SIZES:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in "
                          "[128, 160, 192, 224]. Weights for input shape (224, 224) will "
                          "be loaded as the default.", stacklevel=2)
    img_input = _common.make_input(input_tensor, input_shape)
    axis = 1 if config.image_data_format() == "channels_first" else -1

    x = layers.Conv2D(int(32 * alpha), (3, 3), padding="same", use_bias=False,
                      strides=(2, 2), name="conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for block_id, (filters, stride) in enumerate(_BLOCKS, 1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, stride, block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling, names=False)
    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{rows}"
    model = _common.finish(img_input, input_tensor, x, name)
    file_name = None
    if weights == "imagenet":
        file_name = (f"mobilenet_{_ALPHA_TEXT[alpha]}_{rows}_tf"
                     f"{'' if include_top else '_no_top'}.h5")
    return _common.load(model, weights, file_name,
                        BASE_WEIGHT_PATH + (file_name or ""), "MobileNet")


def _depthwise_conv_block(inputs: Any, pointwise_filters: int, alpha: float,
                          depth_multiplier: int, stride: int, block_id: int) -> Any:
    """Depthwise 3x3 conv (zero-padded bottom/right and "valid" when strided), batch
    norm, ReLU6, then a pointwise 1x1 conv, batch norm and ReLU6."""
    axis = 1 if config.image_data_format() == "channels_first" else -1
    x = inputs
    if stride != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if stride == 1 else "valid",
                               depth_multiplier=depth_multiplier, strides=(stride, stride),
                               use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_filters * alpha), (1, 1), padding="same",
                      use_bias=False, strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """MobileNet's preprocessing: `imagenet_utils.preprocess_input` in "tf" mode (pixels
    scaled to [-1, 1]).

    Example:
        >>> import numpy as np
        >>> from ember.keras.applications import mobilenet
        >>> mobilenet.preprocess_input(np.array([0.0, 255.0]))
        array([-1.,  1.])
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


# Keras' per-model decode_predictions is imagenet_utils' own.
decode_predictions = imagenet_utils.decode_predictions

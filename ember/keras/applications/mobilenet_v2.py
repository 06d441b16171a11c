"""`keras.applications.mobilenet_v2`: MobileNetV2 (Sandler et al., "MobileNetV2: Inverted
Residuals and Linear Bottlenecks", 2018), built as Keras 3 builds it (same layer names,
order and weights).

Inputs: images with values in [0, 255], `mobilenet_v2.preprocess_input` ("tf" mode:
scaled to [-1, 1]); at least 32x32 pixels. `alpha` scales every layer's width; Keras
publishes ImageNet weights for alpha in (0.35, 0.5, 0.75, 1.0, 1.3, 1.4) and square inputs
of 96, 128, 160, 192 or 224 pixels.

Example:
    >>> from ember.keras import applications
    >>> model = applications.MobileNetV2(weights=None, include_top=False,
    ...                                  input_shape=(32, 32, 3), alpha=0.35)
    >>> model.output_shape
    TensorShape([None, 1, 1, 1280])
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import config, layers
from ..backend import is_keras_tensor
from ..models import Model
from . import _common, imagenet_utils

__all__ = ["MobileNetV2", "decode_predictions", "preprocess_input"]

BASE_WEIGHT_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                    "mobilenet_v2/")
_SIZES = (96, 128, 160, 192, 224)
_ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
# (filters, stride, expansion) of the 17 inverted residual blocks
_BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6),
           (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6),
           (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6))


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """`v` rounded to a multiple of `divisor` (at least `min_value`), never more than
    10% below `v`."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _rows_cols(shape: Any) -> tuple:
    if config.image_data_format() == "channels_first":
        return shape[1], shape[2]
    return shape[0], shape[1]


def _default_size(input_shape: Any, input_tensor: Any) -> int:
    """224, or the input's side when it is square and one Keras has weights for."""
    if input_shape is None and input_tensor is not None and is_keras_tensor(input_tensor):
        rows, cols = _rows_cols(tuple(input_tensor.shape)[1:])
    elif input_shape is not None:
        rows, cols = _rows_cols(tuple(input_shape))
    else:
        return 224
    return rows if rows == cols and rows in _SIZES else 224


def _check_tensor_shape(input_shape: Any, input_tensor: Any) -> None:
    if input_shape is None or input_tensor is None:
        return
    if not is_keras_tensor(input_tensor):
        raise ValueError(f"input_tensor is not a Keras tensor; Received "
                         f"`input_tensor={input_tensor}`")
    first = config.image_data_format() == "channels_first"
    got = tuple(input_tensor.shape)[1 if first else 2]
    if got != tuple(input_shape)[1]:
        raise ValueError(f"input_shape[1] must equal the matching dimension of "
                         f"input_tensor; Received `input_tensor.shape={input_tensor.shape}`, "
                         f"`input_shape={input_shape}`")


def MobileNetV2(input_shape: Any = None, alpha: float = 1.0, include_top: bool = True,
                weights: Any = "imagenet", input_tensor: Any = None,
                pooling: str | None = None, classes: int = 1000,
                classifier_activation: Any = "softmax", name: str | None = None) -> Model:
    """Instantiates the MobileNetV2 architecture (Keras 3's layers and weights).

    Args:
        input_shape: the image shape, at least 32x32 (default (224, 224, 3) with the top).
        alpha: the width multiplier (< 1 thinner, > 1 wider; 1.0 is the paper's model).
        include_top: whether to include the classifier (global average pooling and a
            Dense layer of `classes` units).
        weights: None (random initialization), "imagenet" (Keras' published weights,
            read from the Keras cache) or the path of a weights file.
        input_tensor: an optional KerasTensor to use as the image input.
        pooling: without the top, None (4D output), "avg" or "max" (2D output).
        classes: the number of classes of the top.
        classifier_activation: the top's activation (None gives logits).
        name: the model's name (default `mobilenetv2_<alpha>_<rows>`).

    Returns:
        A functional `keras.Model`.

    Example:
        >>> from ember.keras import applications
        >>> m = applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), classes=3)
        >>> m.name, m.output_shape
        ('mobilenetv2_1.00_32', TensorShape([None, 3]))
    """
    _common.check_weights_arg(weights, include_top, classes)
    _check_tensor_shape(input_shape, input_tensor)
    default_size = _default_size(input_shape, input_tensor)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=config.image_data_format(), require_flatten=include_top,
        weights=weights)
    rows, cols = _rows_cols(input_shape)
    if weights == "imagenet":
        if alpha not in _ALPHAS:
            raise ValueError("If imagenet weights are being loaded, alpha must be one of "
                             "`0.35`, `0.50`, `0.75`, `1.0`, `1.3` or `1.4` only; "
                             f"Received `alpha={alpha}`")
        if rows != cols or rows not in _SIZES:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in "
                          "[96, 128, 160, 192, 224]. Weights for input shape (224, 224) "
                          "will be loaded as the default.", stacklevel=2)
    img_input = _common.make_input(input_tensor, input_shape)
    axis = 1 if config.image_data_format() == "channels_first" else -1

    x = layers.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2),
                      padding="same", use_bias=False, name="Conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                                  name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride,
                                expansion=expansion, block_id=block_id)
    last = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                                  name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling, names=False)
    if name is None:
        name = f"mobilenetv2_{alpha:0.2f}_{rows}"
    model = _common.finish(img_input, input_tensor, x, name)
    file_name = (f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
                 f"{'' if include_top else '_no_top'}.h5")
    return _common.load(model, weights, file_name, BASE_WEIGHT_PATH + file_name,
                        "MobileNetV2")


def _inverted_res_block(inputs: Any, expansion: int, stride: int, alpha: float,
                        filters: int, block_id: int) -> Any:
    """Expand (1x1, except block 0), depthwise 3x3, project (1x1, linear); a residual
    add when the shapes allow."""
    axis = 1 if config.image_data_format() == "channels_first" else -1
    in_channels = inputs.shape[axis]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same",
                          use_bias=False, activation=None, name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                                      name=f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3),
                                 name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None,
                               use_bias=False, padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                                  name=f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                                  name=f"{prefix}project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """MobileNetV2's preprocessing: `imagenet_utils.preprocess_input` in "tf" mode
    (pixels scaled to [-1, 1]).

    Example:
        >>> import numpy as np
        >>> from ember.keras.applications import mobilenet_v2
        >>> mobilenet_v2.preprocess_input(np.array([127.5]))
        array([0.])
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


# Keras' per-model decode_predictions is imagenet_utils' own.
decode_predictions = imagenet_utils.decode_predictions

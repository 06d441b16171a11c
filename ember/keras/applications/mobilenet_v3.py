"""`keras.applications.mobilenet_v3`: MobileNetV3Small and MobileNetV3Large (Howard et
al., "Searching for MobileNetV3", 2019), built as Keras 3 builds them (same layer names,
order and weights).

The models include their preprocessing (a `Rescaling` layer to [-1, 1], unless
`include_preprocessing=False`): feed images with values in [0, 255];
`mobilenet_v3.preprocess_input` is the identity. `minimalistic=True` gives the variant
without squeeze-and-excite, hard-swish and 5x5 convolutions.

Keras writes hard-sigmoid as raw ops on the tensors (`relu6(x + 3) / 6`); in Keras 3 these
are op nodes, not layers, while ember lists them among the model's layers (OpLayers named
`tf.add`, `tf.multiply`, like tf.keras 2's TFOpLambda). They hold no weights.

Example:
    >>> from ember.keras import applications
    >>> model = applications.MobileNetV3Small(weights=None, include_top=False,
    ...                                       input_shape=(32, 32, 3))
    >>> model.output_shape
    TensorShape([None, 1, 1, 576])
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

from .. import config, layers
from ..backend import is_keras_tensor
from ..models import Model
from . import _common, imagenet_utils

__all__ = ["MobileNetV3Large", "MobileNetV3Small", "decode_predictions",
           "preprocess_input"]

BASE_WEIGHT_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                    "mobilenet_v3/")


def relu(x: Any) -> Any:
    return layers.ReLU()(x)


def hard_sigmoid(x: Any) -> Any:
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def hard_swish(x: Any) -> Any:
    return layers.Activation("hard_swish")(x)


def _depth(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """`v` rounded to a multiple of `divisor`, never more than 10% below `v`."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _channel_axis() -> int:
    return 1 if config.image_data_format() == "channels_first" else -1


def _se_block(inputs: Any, filters: int, se_ratio: float, prefix: str) -> Any:
    x = layers.GlobalAveragePooling2D(keepdims=True,
                                      name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv_1")(x)
    x = hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x: Any, expansion: float, filters: int, kernel_size: int,
                        stride: int, se_ratio: float | None, activation: Callable,
                        block_id: int) -> Any:
    axis = _channel_axis()
    shortcut = x
    prefix = "expanded_conv_"
    infilters = x.shape[axis]
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(_depth(infilters * expansion), kernel_size=1, padding="same",
                          use_bias=False, name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                                      name=f"{prefix}expand_bn")(x)
        x = activation(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride,
                               padding="same" if stride == 1 else "valid", use_bias=False,
                               name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                                  name=f"{prefix}depthwise_bn")(x)
    x = activation(x)
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False,
                      name=f"{prefix}project")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                                  name=f"{prefix}project_bn")(x)
    if stride == 1 and infilters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def _input_shape(input_shape: Any, input_tensor: Any) -> tuple:
    first = config.image_data_format() == "channels_first"
    if input_shape is not None and input_tensor is not None:
        if not is_keras_tensor(input_tensor):
            raise ValueError(f"input_tensor specified: {input_tensor} is not a keras tensor")
        if tuple(input_tensor.shape)[1 if first else 2] != tuple(input_shape)[1]:
            raise ValueError(f"input_shape[1] must equal the matching dimension of "
                             f"input_tensor. Received input_shape={input_shape}, "
                             f"input_tensor.shape={input_tensor.shape}")
    if input_shape is None and input_tensor is not None and is_keras_tensor(input_tensor):
        shape = tuple(input_tensor.shape)
        rows, cols = (shape[2], shape[3]) if first else (shape[1], shape[2])
        input_shape = (3, cols, rows) if first else (cols, rows, 3)
    if input_shape is None:
        input_shape = (3, None, None) if first else (None, None, 3)
    return tuple(input_shape)


def MobileNetV3(stack_fn: Callable, last_point_ch: int, input_shape: Any = None,
                alpha: float = 1.0, model_type: str = "large", minimalistic: bool = False,
                include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                classes: int = 1000, pooling: str | None = None, dropout_rate: float = 0.2,
                classifier_activation: Any = "softmax", include_preprocessing: bool = True,
                name: str | None = None) -> Model:
    """The MobileNetV3 stem, head and weights around the blocks `stack_fn` builds."""
    _common.check_weights_arg(weights, include_top, classes)
    input_shape = _input_shape(input_shape, input_tensor)
    first = config.image_data_format() == "channels_first"
    rows, cols = (input_shape[1], input_shape[2]) if first else (input_shape[0], input_shape[1])
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received "
                         f"`input_shape={input_shape}`")
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic and alpha != 1.0):
            raise ValueError("If imagenet weights are being loaded, alpha can be one of "
                             "`0.75`, `1.0` for non minimalistic or `1.0` for minimalistic "
                             "only.")
        if rows != cols or rows != 224:
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not 224. "
                          "Weights for input shape (224, 224) will be loaded as the "
                          "default.", stacklevel=3)
    img_input = _common.make_input(input_tensor, input_shape)
    axis = _channel_axis()
    if minimalistic:
        kernel, activation, se_ratio = 3, relu, None
    else:
        kernel, activation, se_ratio = 5, hard_swish, 0.25

    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
                      name="conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                                  name="conv_bn")(x)
    x = activation(x)
    x = stack_fn(x, kernel, activation, se_ratio)
    last_conv_ch = _depth(x.shape[axis] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False,
                      name="conv_1")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                                  name="conv_1_bn")(x)
    x = activation(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True,
                          name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling)
    model = _common.finish(img_input, input_tensor, x, name)
    key = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
    file_name = f"weights_mobilenet_v3_{key}{'' if include_top else '_no_top_v2'}.h5"
    return _common.load(model, weights, file_name, BASE_WEIGHT_PATH + file_name,
                        name or "MobileNetV3")


_DOC = """Instantiates the {name} architecture (Keras 3's layers and weights).

    Args:
        input_shape: the image shape, at least 32x32 (default: any size, (None, None, 3)).
        alpha: the width multiplier of the blocks (ImageNet weights: 0.75 or 1.0).
        minimalistic: the variant without squeeze-and-excite, hard-swish and 5x5 convs.
        include_top: whether to include the classifier (1x1 convs on the pooled features).
        weights: None (random initialization), "imagenet" (Keras' published weights,
            read from the Keras cache) or the path of a weights file.
        input_tensor: an optional KerasTensor to use as the image input.
        classes: the number of classes of the top.
        pooling: without the top, None (4D output), "avg" or "max" (2D output).
        dropout_rate: the dropout before the top's last conv.
        classifier_activation: the top's activation (None gives logits).
        include_preprocessing: whether the model rescales [0, 255] inputs to [-1, 1].
        name: the model's name.

    Returns:
        A functional `keras.Model`.

    Example:
        >>> from ember.keras import applications
        >>> m = applications.{name}(weights=None, input_shape=(32, 32, 3), classes=3)
        >>> m.output_shape
        TensorShape([None, 3])
    """


def MobileNetV3Small(input_shape: Any = None, alpha: float = 1.0, minimalistic: bool = False,
                     include_top: bool = True, weights: Any = "imagenet",
                     input_tensor: Any = None, classes: int = 1000,
                     pooling: str | None = None, dropout_rate: float = 0.2,
                     classifier_activation: Any = "softmax",
                     include_preprocessing: bool = True,
                     name: str = "MobileNetV3Small") -> Model:
    def stack_fn(x: Any, kernel: int, activation: Callable, se_ratio: Any) -> Any:
        def depth(d: float) -> int:
            return _depth(d * alpha)
        # (expansion, filters, kernel, stride, se_ratio, activation)
        blocks = [(1, 16, 3, 2, se_ratio, relu), (72.0 / 16, 24, 3, 2, None, relu),
                  (88.0 / 24, 24, 3, 1, None, relu)]
        blocks += [(e, f, kernel, s, se_ratio, activation) for e, f, s in (
            (4, 40, 2), (6, 40, 1), (6, 40, 1), (3, 48, 1), (3, 48, 1), (6, 96, 2),
            (6, 96, 1), (6, 96, 1))]
        for i, (e, f, k, s, se, act) in enumerate(blocks):
            x = _inverted_res_block(x, e, depth(f), k, s, se, act, i)
        return x
    return MobileNetV3(stack_fn, 1024, input_shape, alpha, "small", minimalistic,
                       include_top, weights, input_tensor, classes, pooling, dropout_rate,
                       classifier_activation, include_preprocessing, name=name)


def MobileNetV3Large(input_shape: Any = None, alpha: float = 1.0, minimalistic: bool = False,
                     include_top: bool = True, weights: Any = "imagenet",
                     input_tensor: Any = None, classes: int = 1000,
                     pooling: str | None = None, dropout_rate: float = 0.2,
                     classifier_activation: Any = "softmax",
                     include_preprocessing: bool = True,
                     name: str = "MobileNetV3Large") -> Model:
    def stack_fn(x: Any, kernel: int, activation: Callable, se_ratio: Any) -> Any:
        def depth(d: float) -> int:
            return _depth(d * alpha)
        blocks = [(1, 16, 3, 1, None, relu), (4, 24, 3, 2, None, relu),
                  (3, 24, 3, 1, None, relu), (3, 40, kernel, 2, se_ratio, relu),
                  (3, 40, kernel, 1, se_ratio, relu), (3, 40, kernel, 1, se_ratio, relu),
                  (6, 80, 3, 2, None, activation), (2.5, 80, 3, 1, None, activation),
                  (2.3, 80, 3, 1, None, activation), (2.3, 80, 3, 1, None, activation),
                  (6, 112, 3, 1, se_ratio, activation), (6, 112, 3, 1, se_ratio, activation),
                  (6, 160, kernel, 2, se_ratio, activation),
                  (6, 160, kernel, 1, se_ratio, activation),
                  (6, 160, kernel, 1, se_ratio, activation)]
        for i, (e, f, k, s, se, act) in enumerate(blocks):
            x = _inverted_res_block(x, e, depth(f), k, s, se, act, i)
        return x
    return MobileNetV3(stack_fn, 1280, input_shape, alpha, "large", minimalistic,
                       include_top, weights, input_tensor, classes, pooling, dropout_rate,
                       classifier_activation, include_preprocessing, name=name)


MobileNetV3Small.__doc__ = _DOC.format(name="MobileNetV3Small")
MobileNetV3Large.__doc__ = _DOC.format(name="MobileNetV3Large")


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """The identity: MobileNetV3 models rescale their inputs themselves (kept for API
    compatibility with the other applications).

    Example:
        >>> from ember.keras.applications import mobilenet_v3
        >>> mobilenet_v3.preprocess_input([1, 2])
        [1, 2]
    """
    return x


# Keras' per-model decode_predictions is imagenet_utils' own.
decode_predictions = imagenet_utils.decode_predictions

"""`keras.applications.efficientnet_v2`: EfficientNetV2B0 ... B3, S, M and L (Tan and
Le, "EfficientNetV2: Smaller Models and Faster Training", 2021), built as Keras 3 builds
them (same layer names, order and weights).

The early stages are Fused-MBConv blocks (one full 3x3 convolution instead of the 1x1
expansion and the depthwise convolution), the later ones MBConv blocks with
squeeze-and-excite. With `include_preprocessing=True` (the default) the models take
images with values in [0, 255]: the B variants rescale them to [0, 1] and normalize with
the ImageNet mean and variance, S/M/L (and B variants on other than 3 channels) rescale
them to [-1, 1]; `efficientnet_v2.preprocess_input` is the identity. With
`include_preprocessing=False` the models expect inputs already in [-1, 1].

Example:
    >>> from ember.keras import applications
    >>> model = applications.EfficientNetV2B0(weights=None, include_top=False,
    ...                                       input_shape=(32, 32, 3))
    >>> model.output_shape
    TensorShape([None, 1, 1, 1280])
"""

from __future__ import annotations

import copy
import math
from typing import Any

from .. import config, layers
from ..models import Model
from . import _common, imagenet_utils

__all__ = ["EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
           "EfficientNetV2S", "EfficientNetV2M", "EfficientNetV2L", "decode_predictions",
           "preprocess_input"]

BASE_WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                     "efficientnet_v2/")

_KEYS = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio",
         "se_ratio", "strides", "conv_type")
# (kernel_size, num_repeat, input_filters, output_filters, expand_ratio, se_ratio, strides,
# conv_type) of each stage; conv_type 1 is Fused-MBConv, 0 MBConv
_B = ((3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
      (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0),
      (3, 8, 112, 192, 6, 0.25, 2, 0))
_STAGES = {
    "efficientnetv2-s": ((3, 2, 24, 24, 1, 0, 1, 1), (3, 4, 24, 48, 4, 0, 2, 1),
                         (3, 4, 48, 64, 4, 0, 2, 1), (3, 6, 64, 128, 4, 0.25, 2, 0),
                         (3, 9, 128, 160, 6, 0.25, 1, 0), (3, 15, 160, 256, 6, 0.25, 2, 0)),
    "efficientnetv2-m": ((3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1),
                         (3, 5, 48, 80, 4, 0, 2, 1), (3, 7, 80, 160, 4, 0.25, 2, 0),
                         (3, 14, 160, 176, 6, 0.25, 1, 0), (3, 18, 176, 304, 6, 0.25, 2, 0),
                         (3, 5, 304, 512, 6, 0.25, 1, 0)),
    "efficientnetv2-l": ((3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1),
                         (3, 7, 64, 96, 4, 0, 2, 1), (3, 10, 96, 192, 4, 0.25, 2, 0),
                         (3, 19, 192, 224, 6, 0.25, 1, 0), (3, 25, 224, 384, 6, 0.25, 2, 0),
                         (3, 7, 384, 640, 6, 0.25, 1, 0)),
    **{f"efficientnetv2-b{i}": _B for i in range(4)}}
DEFAULT_BLOCKS_ARGS = {name: [dict(zip(_KEYS, s)) for s in stages]
                       for name, stages in _STAGES.items()}
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out",
                                      "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out",
                                       "distribution": "uniform"}}
# Keras' name, width_coefficient, depth_coefficient, default_size, weights_name
_VARIANTS = {"B0": ("efficientnetv2-b0", 1.0, 1.0, 224, "b0"),
             "B1": ("efficientnetv2-b1", 1.0, 1.1, 240, "b1"),
             "B2": ("efficientnetv2-b2", 1.1, 1.2, 260, "b2"),
             "B3": ("efficientnetv2-b3", 1.2, 1.4, 300, "b3"),
             "S": ("efficientnetv2-s", 1.0, 1.0, 384, "-s"),
             "M": ("efficientnetv2-m", 1.0, 1.0, 480, "-m"),
             "L": ("efficientnetv2-l", 1.0, 1.0, 480, "-l")}


def round_filters(filters: float, width_coefficient: float, min_depth: int | None,
                  depth_divisor: int) -> int:
    """`filters * width_coefficient` rounded to a multiple of `depth_divisor` (at least
    `min_depth`, or `depth_divisor` when that is None/0).

    Example:
        >>> from ember.keras.applications.efficientnet_v2 import round_filters
        >>> round_filters(32, 1.1, 8, 8), round_filters(1280, 1.2, 8, 8)
        (32, 1536)
    """
    filters *= width_coefficient
    return int(max(min_depth or depth_divisor,
                   int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats: int, depth_coefficient: float) -> int:
    """The number of blocks of a stage: `ceil(depth_coefficient * repeats)`."""
    return int(math.ceil(depth_coefficient * repeats))


def _bn(x: Any, bn_axis: int, momentum: float, name: str) -> Any:
    return layers.BatchNormalization(axis=bn_axis, momentum=momentum, name=name)(x)


def _conv(x: Any, filters: int, kernel_size: int, name: str, strides: int = 1,
          activation: Any = None, use_bias: bool = False) -> Any:
    return layers.Conv2D(filters, kernel_size, strides=strides, padding="same",
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=CONV_KERNEL_INITIALIZER, name=name)(x)


def _squeeze_excite(x: Any, input_filters: int, filters: int, se_ratio: float,
                    activation: Any, bn_axis: int, name: str) -> Any:
    filters_se = max(1, int(input_filters * se_ratio))
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se_shape = (filters, 1, 1) if bn_axis == 1 else (1, 1, filters)
    se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
    se = _conv(se, filters_se, 1, f"{name}se_reduce", activation=activation, use_bias=True)
    se = _conv(se, filters, 1, f"{name}se_expand", activation="sigmoid", use_bias=True)
    return layers.multiply([x, se], name=f"{name}se_excite")


def _skip(x: Any, inputs: Any, survival_probability: float, name: str) -> Any:
    if survival_probability:
        # NOTE: as in Keras 3, the dropout rate is the `survival_probability` argument
        x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1),
                           name=f"{name}drop")(x)
    return layers.add([x, inputs], name=f"{name}add")


def MBConvBlock(input_filters: int, output_filters: int, expand_ratio: int = 1,
                kernel_size: int = 3, strides: int = 1, se_ratio: float = 0.0,
                bn_momentum: float = 0.9, activation: Any = "swish",
                survival_probability: float = 0.8, name: str = "") -> Any:
    """An MBConv block (1x1 expansion, depthwise conv, squeeze-and-excite, 1x1
    projection, and the skip when shapes allow), as a function of its input tensor.

    Example:
        >>> from ember import keras
        >>> from ember.keras.applications.efficientnet_v2 import MBConvBlock
        >>> x = keras.Input((8, 8, 16))
        >>> MBConvBlock(16, 24, 4, strides=2, se_ratio=0.25, name="b_")(x).shape
        TensorShape([None, 4, 4, 24])
    """
    bn_axis = 3 if config.image_data_format() == "channels_last" else 1

    def apply(inputs: Any) -> Any:
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv(x, filters, 1, f"{name}expand_conv")
            x = _bn(x, bn_axis, bn_momentum, f"{name}expand_bn")
            x = layers.Activation(activation, name=f"{name}expand_activation")(x)
        x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding="same",
                                   use_bias=False,
                                   depthwise_initializer=CONV_KERNEL_INITIALIZER,
                                   name=f"{name}dwconv2")(x)
        x = _bn(x, bn_axis, bn_momentum, f"{name}bn")
        x = layers.Activation(activation, name=f"{name}activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, input_filters, filters, se_ratio, activation, bn_axis,
                                name)
        x = _conv(x, output_filters, 1, f"{name}project_conv")
        x = _bn(x, bn_axis, bn_momentum, f"{name}project_bn")
        if strides == 1 and input_filters == output_filters:
            x = _skip(x, inputs, survival_probability, name)
        return x
    return apply


def FusedMBConvBlock(input_filters: int, output_filters: int, expand_ratio: int = 1,
                     kernel_size: int = 3, strides: int = 1, se_ratio: float = 0.0,
                     bn_momentum: float = 0.9, activation: Any = "swish",
                     survival_probability: float = 0.8, name: str = "") -> Any:
    """A Fused-MBConv block (a full `kernel_size` expansion conv, optional
    squeeze-and-excite, 1x1 projection; without expansion a single conv followed by an
    activation), as a function of its input tensor.

    Example:
        >>> from ember import keras
        >>> from ember.keras.applications.efficientnet_v2 import FusedMBConvBlock
        >>> x = keras.Input((8, 8, 16))
        >>> FusedMBConvBlock(16, 16, name="f_")(x).shape
        TensorShape([None, 8, 8, 16])
    """
    bn_axis = 3 if config.image_data_format() == "channels_last" else 1

    def apply(inputs: Any) -> Any:
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv(x, filters, kernel_size, f"{name}expand_conv", strides=strides)
            x = _bn(x, bn_axis, bn_momentum, f"{name}expand_bn")
            x = layers.Activation(activation, name=f"{name}expand_activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, input_filters, filters, se_ratio, activation, bn_axis,
                                name)
        fused = expand_ratio == 1
        x = _conv(x, output_filters, kernel_size if fused else 1, f"{name}project_conv",
                  strides=strides if fused else 1)
        x = _bn(x, bn_axis, bn_momentum, f"{name}project_bn")
        if fused:
            x = layers.Activation(activation, name=f"{name}project_activation")(x)
        if strides == 1 and input_filters == output_filters:
            x = _skip(x, inputs, survival_probability, name)
        return x
    return apply


def EfficientNetV2(width_coefficient: float, depth_coefficient: float, default_size: int,
                   dropout_rate: float = 0.2, drop_connect_rate: float = 0.2,
                   depth_divisor: int = 8, min_depth: int = 8, bn_momentum: float = 0.9,
                   activation: Any = "swish", blocks_args: Any = "default",
                   name: str = "efficientnetv2", include_top: bool = True,
                   weights: Any = "imagenet", input_tensor: Any = None,
                   input_shape: Any = None, pooling: str | None = None,
                   classes: int = 1000, classifier_activation: Any = "softmax",
                   include_preprocessing: bool = True,
                   weights_name: str | None = None) -> Model:
    """An EfficientNetV2 of the given scaling; `blocks_args="default"` takes the stages
    of the Keras model called `name` (see `EfficientNetV2B0`).

    Example:
        >>> from ember.keras.applications import efficientnet_v2
        >>> m = efficientnet_v2.EfficientNetV2(0.25, 0.25, 224, name="efficientnetv2-b0",
        ...                                    weights=None, include_top=False,
        ...                                    input_shape=(32, 32, 3))
        >>> m.output_shape
        TensorShape([None, 1, 1, 320])
    """
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS[name]
    input_shape, img_input = _common.image_input(
        weights, include_top, classes, input_tensor, input_shape, default_size, 32)
    bn_axis = 3 if config.image_data_format() == "channels_last" else 1

    x = img_input
    if include_preprocessing:
        # the B variants keep EfficientNet (V1)'s preprocessing when there are 3 channels
        variant = str(weights_name or name).split("-")[-1]  # a renamed model keeps it
        if variant.startswith("b") and input_shape[bn_axis - 1] == 3:
            x = layers.Rescaling(1.0 / 255)(x)
            x = layers.Normalization(mean=[0.485, 0.456, 0.406],
                                     variance=[0.229 ** 2, 0.224 ** 2, 0.225 ** 2],
                                     axis=bn_axis)(x)
        else:
            x = layers.Rescaling(1.0 / 128.0, offset=-1)(x)

    def filters_of(n: float) -> int:
        return round_filters(n, width_coefficient, min_depth, depth_divisor)

    x = _conv(x, filters_of(blocks_args[0]["input_filters"]), 3, "stem_conv", strides=2)
    x = _bn(x, bn_axis, bn_momentum, "stem_bn")
    x = layers.Activation(activation, name="stem_activation")(x)

    blocks_args = copy.deepcopy(list(blocks_args))
    total = float(sum(args["num_repeat"] for args in blocks_args))  # unscaled, as Keras
    b = 0
    for i, args in enumerate(blocks_args):
        if args["num_repeat"] <= 0:
            raise ValueError(f"The number of repeats in `EfficientNetV2` must be > 0. "
                             f"Received: num_repeat={args['num_repeat']}")
        args["input_filters"] = filters_of(args["input_filters"])
        args["output_filters"] = filters_of(args["output_filters"])
        block = {0: MBConvBlock, 1: FusedMBConvBlock}[args.pop("conv_type")]
        for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = block(activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * b / total,
                      name=f"block{i + 1}{chr(j + 97)}_", **args)(x)
            b += 1

    x = _conv(x, filters_of(1280), 1, "top_conv")
    x = _bn(x, bn_axis, bn_momentum, "top_bn")
    x = layers.Activation(activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation,
                         kernel_initializer=DENSE_KERNEL_INITIALIZER,
                         bias_initializer="zeros", name="predictions")(x)
    else:
        x = _common.pool(x, pooling)
    model = _common.finish(img_input, input_tensor, x, name)
    # Keras' files are named after the default model names ("efficientnetv2-b0.h5", ...)
    file_name = None
    if weights_name:
        file_name = f"efficientnetv2-{weights_name.lstrip('-')}" + (
            ".h5" if include_top else "_notop.h5")
    return _common.load(model, weights, file_name,
                        BASE_WEIGHTS_PATH + (file_name or ""), name)


_DOC = """Instantiates the EfficientNetV2{v} architecture (Keras 3's layers and weights).

    Args:
        include_top: whether to include the classifier (global average pooling, dropout
            and a Dense layer of `classes` units).
        weights: None (random initialization), "imagenet" (Keras' published weights,
            `{file}.h5` / `{file}_notop.h5`, read from the Keras cache) or the path of a
            weights file.
        input_tensor: an optional KerasTensor to use as the image input.
        input_shape: the image shape, at least 32x32; with the top and ImageNet weights
            it must be ({size}, {size}, 3).
        pooling: without the top, None (4D output), "avg" or "max" (2D output).
        classes: the number of classes of the top.
        classifier_activation: the top's activation (None gives logits).
        include_preprocessing: whether the model rescales (and, for the B variants,
            normalizes) its [0, 255] inputs itself; without it inputs should be in
            [-1, 1].
        name: the model's name.

    Returns:
        A functional `keras.Model`.

    Example:
{example}    """

_EXAMPLE = {  # building the big variants takes seconds: their examples stay cheap
    True: """        >>> from ember.keras import applications
        >>> m = applications.EfficientNetV2{v}(weights=None, include_top=False,
        ...                                   input_shape=(32, 32, 3), pooling="avg")
        >>> m.output_shape
        TensorShape([None, 1280])
""",
    False: """        >>> from ember.keras import applications
        >>> applications.EfficientNetV2{v}.__name__
        'EfficientNetV2{v}'
"""}


def _variant(v: str) -> Any:
    default_name, width, depth, size, weights_name = _VARIANTS[v]

    def constructor(include_top: bool = True, weights: Any = "imagenet",
                    input_tensor: Any = None, input_shape: Any = None,
                    pooling: str | None = None, classes: int = 1000,
                    classifier_activation: Any = "softmax",
                    include_preprocessing: bool = True,
                    name: str = default_name) -> Model:
        # NOTE: `blocks_args` follows the variant, not `name` (which the user may change)
        return EfficientNetV2(width, depth, size, name=name,
                              blocks_args=DEFAULT_BLOCKS_ARGS[default_name],
                              include_top=include_top, weights=weights,
                              input_tensor=input_tensor, input_shape=input_shape,
                              pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing,
                              weights_name=weights_name)
    constructor.__name__ = constructor.__qualname__ = f"EfficientNetV2{v}"
    constructor.__doc__ = _DOC.format(v=v, size=size, file=default_name,
                                      example=_EXAMPLE[v == "B0"].format(v=v))
    constructor.__module__ = __name__
    return constructor


EfficientNetV2B0 = _variant("B0")
EfficientNetV2B1 = _variant("B1")
EfficientNetV2B2 = _variant("B2")
EfficientNetV2B3 = _variant("B3")
EfficientNetV2S = _variant("S")
EfficientNetV2M = _variant("M")
EfficientNetV2L = _variant("L")


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """The identity: EfficientNetV2 models preprocess their inputs themselves (kept for
    API compatibility with the other applications).

    Example:
        >>> from ember.keras.applications import efficientnet_v2
        >>> efficientnet_v2.preprocess_input(3.0)
        3.0
    """
    return x


# Keras' per-model decode_predictions is imagenet_utils' own.
decode_predictions = imagenet_utils.decode_predictions

"""`keras.applications.efficientnet`: EfficientNetB0 ... B7 (Tan and Le, "EfficientNet:
Rethinking Model Scaling for Convolutional Neural Networks", 2019), built as Keras 3
builds them (same layer names, order and weights).

The models include their preprocessing (`Rescaling(1/255)` and a `Normalization` layer
whose statistics come with the ImageNet weights): feed images with values in [0, 255];
`efficientnet.preprocess_input` is the identity. With `weights=None` the Normalization
layer starts at mean 0 and variance 1, as in Keras 3 (where it may be used unadapted).

Example:
    >>> from ember.keras import applications
    >>> model = applications.EfficientNetB0(weights=None, include_top=False,
    ...                                     input_shape=(32, 32, 3))
    >>> model.output_shape
    TensorShape([None, 1, 1, 1280])
"""

from __future__ import annotations

import math
from typing import Any

from .. import config, layers
from ..models import Model
from . import _common, imagenet_utils

__all__ = [f"EfficientNetB{i}" for i in range(8)] + ["decode_predictions",
                                                     "preprocess_input"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
# (kernel_size, repeats, filters_in, filters_out, expand_ratio, strides) of the 7 stages;
# every block has the identity skip (where shapes allow) and se_ratio 0.25
_STAGES = ((3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2),
           (3, 3, 40, 80, 6, 2), (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2),
           (3, 1, 192, 320, 6, 1))
DEFAULT_BLOCKS_ARGS = [
    {"kernel_size": k, "repeats": r, "filters_in": fi, "filters_out": fo,
     "expand_ratio": e, "id_skip": True, "strides": s, "se_ratio": 0.25}
    for k, r, fi, fo, e, s in _STAGES]
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out",
                                      "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out",
                                       "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]
# (width_coefficient, depth_coefficient, default_size, dropout_rate) of B0 ... B7
_SCALING = {0: (1.0, 1.0, 224, 0.2), 1: (1.0, 1.1, 240, 0.2), 2: (1.1, 1.2, 260, 0.3),
            3: (1.2, 1.4, 300, 0.3), 4: (1.4, 1.8, 380, 0.4), 5: (1.6, 2.2, 456, 0.4),
            6: (1.8, 2.6, 528, 0.5), 7: (2.0, 3.1, 600, 0.5)}


def EfficientNet(width_coefficient: float, depth_coefficient: float, default_size: int,
                 dropout_rate: float = 0.2, drop_connect_rate: float = 0.2,
                 depth_divisor: int = 8, activation: Any = "swish",
                 blocks_args: Any = "default", name: str = "efficientnet",
                 include_top: bool = True, weights: Any = "imagenet",
                 input_tensor: Any = None, input_shape: Any = None,
                 pooling: str | None = None, classes: int = 1000,
                 classifier_activation: Any = "softmax",
                 weights_name: str | None = None) -> Model:
    """An EfficientNet of the given width and depth scaling (see `EfficientNetB0`).

    Example:
        >>> from ember.keras.applications import efficientnet
        >>> m = efficientnet.EfficientNet(0.25, 0.25, 224, weights=None,
        ...                               include_top=False, input_shape=(32, 32, 3))
        >>> m.output_shape
        TensorShape([None, 1, 1, 320])
    """
    blocks_args = DEFAULT_BLOCKS_ARGS if blocks_args == "default" else blocks_args
    input_shape, img_input = _common.image_input(
        weights, include_top, classes, input_tensor, input_shape, default_size, 32)
    bn_axis = 3 if config.image_data_format() == "channels_last" else 1

    def round_filters(filters: float, divisor: int = depth_divisor) -> int:
        filters *= width_coefficient
        new = max(divisor, int(filters + divisor / 2) // divisor * divisor)
        return int(new + divisor if new < 0.9 * filters else new)

    def round_repeats(repeats: int) -> int:
        return int(math.ceil(depth_coefficient * repeats))

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    norm = layers.Normalization(axis=bn_axis)
    x = norm(x)
    if hasattr(norm, "_adapted"):
        # NOTE: Keras 3 runs an unadapted Normalization (mean 0, variance 1); ember's
        # refuses until adapt() or loaded statistics, so mark it ready.
        norm._adapted = True
    if weights == "imagenet":
        # as Keras 3 does for its ImageNet weights (a scale of 1/sqrt(stddev) per channel)
        x = layers.Rescaling([1.0 / math.sqrt(s) for s in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3),
                             name="stem_conv_pad")(x)
    x = layers.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    stages = [dict(a) for a in blocks_args]
    total = float(sum(round_repeats(a["repeats"]) for a in stages))
    b = 0
    for i, args in enumerate(stages):
        if args["repeats"] <= 0:
            raise ValueError(f"The number of repeats in `EfficientNet` must be > 0. "
                             f"Received: repeats={args['repeats']}")
        args["filters_in"] = round_filters(args["filters_in"])
        args["filters_out"] = round_filters(args["filters_out"])
        for j in range(round_repeats(args.pop("repeats"))):
            if j > 0:
                args["strides"] = 1
                args["filters_in"] = args["filters_out"]
            x = block(x, activation, drop_connect_rate * b / total,
                      name=f"block{i + 1}{chr(j + 97)}_", **args)
            b += 1

    x = layers.Conv2D(round_filters(1280), 1, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name="top_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation,
                         kernel_initializer=DENSE_KERNEL_INITIALIZER, name="predictions")(x)
    else:
        x = _common.pool(x, pooling)
    model = _common.finish(img_input, input_tensor, x, name)
    file_name = f"{name}{'.h5' if include_top else '_notop.h5'}"
    return _common.load(model, weights, file_name if weights_name else None,
                        BASE_WEIGHTS_PATH + file_name, name)


def block(inputs: Any, activation: Any = "swish", drop_rate: float = 0.0, name: str = "",
          filters_in: int = 32, filters_out: int = 16, kernel_size: int = 3,
          strides: int = 1, expand_ratio: int = 1, se_ratio: float = 0.0,
          id_skip: bool = True) -> Any:
    """One inverted residual (MBConv) block: 1x1 expansion, depthwise conv,
    squeeze-and-excite, 1x1 projection, and (when shapes allow) dropout + the skip."""
    bn_axis = 3 if config.image_data_format() == "channels_last" else 1
    filters = filters_in * expand_ratio
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False,
                          kernel_initializer=CONV_KERNEL_INITIALIZER,
                          name=f"{name}expand_conv")(inputs)
        x = layers.BatchNormalization(axis=bn_axis, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    else:
        x = inputs
    if strides == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"{name}dwconv_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides,
                               padding="valid" if strides == 2 else "same", use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        filters_se = max(1, int(filters_in * se_ratio))
        se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
        se_shape = (filters, 1, 1) if bn_axis == 1 else (1, 1, filters)
        se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
        se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                           kernel_initializer=CONV_KERNEL_INITIALIZER,
                           name=f"{name}se_reduce")(se)
        se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                           kernel_initializer=CONV_KERNEL_INITIALIZER,
                           name=f"{name}se_expand")(se)
        x = layers.multiply([x, se], name=f"{name}se_excite")
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER,
                      name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


_DOC = """Instantiates the EfficientNetB{i} architecture (Keras 3's layers and weights).

    Args:
        include_top: whether to include the classifier (global average pooling, dropout
            and a Dense layer of `classes` units).
        weights: None (random initialization), "imagenet" (Keras' published weights,
            read from the Keras cache) or the path of a weights file.
        input_tensor: an optional KerasTensor to use as the image input.
        input_shape: the image shape, at least 32x32; with the top and ImageNet weights
            it must be ({size}, {size}, 3).
        pooling: without the top, None (4D output), "avg" or "max" (2D output).
        classes: the number of classes of the top.
        classifier_activation: the top's activation (None gives logits).
        name: the model's name.

    Returns:
        A functional `keras.Model` taking images with values in [0, 255].

    Example:
{example}    """


_EXAMPLE = {  # building the big variants takes seconds: their examples stay cheap
    True: """        >>> from ember.keras import applications
        >>> m = applications.EfficientNetB{i}(weights=None, include_top=False,
        ...                                  input_shape=(32, 32, 3), pooling="avg")
        >>> m.output_shape
        TensorShape([None, 1280])
""",
    False: """        >>> from ember.keras import applications
        >>> applications.EfficientNetB{i}.__name__
        'EfficientNetB{i}'
"""}


def _variant(i: int) -> Any:
    width, depth, size, dropout = _SCALING[i]

    def constructor(include_top: bool = True, weights: Any = "imagenet",
                    input_tensor: Any = None, input_shape: Any = None,
                    pooling: str | None = None, classes: int = 1000,
                    classifier_activation: Any = "softmax",
                    name: str = f"efficientnetb{i}") -> Model:
        return EfficientNet(width, depth, size, dropout, name=name, include_top=include_top,
                            weights=weights, input_tensor=input_tensor,
                            input_shape=input_shape, pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation,
                            weights_name=f"b{i}")
    constructor.__name__ = constructor.__qualname__ = f"EfficientNetB{i}"
    constructor.__doc__ = _DOC.format(i=i, size=size, example=_EXAMPLE[i == 0].format(i=i))
    constructor.__module__ = __name__
    return constructor


EfficientNetB0 = _variant(0)
EfficientNetB1 = _variant(1)
EfficientNetB2 = _variant(2)
EfficientNetB3 = _variant(3)
EfficientNetB4 = _variant(4)
EfficientNetB5 = _variant(5)
EfficientNetB6 = _variant(6)
EfficientNetB7 = _variant(7)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """The identity: EfficientNet models rescale and normalize their inputs themselves
    (kept for API compatibility with the other applications).

    Example:
        >>> from ember.keras.applications import efficientnet
        >>> efficientnet.preprocess_input(3.0)
        3.0
    """
    return x


# Keras' per-model decode_predictions is imagenet_utils' own.
decode_predictions = imagenet_utils.decode_predictions

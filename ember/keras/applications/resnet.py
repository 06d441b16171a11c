"""`keras.applications.resnet`: ResNet50, ResNet101, ResNet152 (He et al., "Deep Residual
Learning for Image Recognition", 2015), built as Keras 3 builds them: the same layer
names, order and weight shapes, so Keras' weights (`set_weights`, or its published `.h5`
files with `weights="imagenet"`) load unchanged.

The ResNet V2 models (pre-activation blocks) are in `resnet_v2`; this module also holds the
builder and the blocks both use.

Inputs: images with values in [0, 255], `resnet.preprocess_input` ("caffe" mode: BGR,
ImageNet mean pixel subtracted); at least 32x32 pixels.

Example:
    >>> from ember.keras import applications
    >>> model = applications.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    >>> model.output_shape
    TensorShape([None, 1, 1, 2048])
"""

from __future__ import annotations

from typing import Any, Callable

from .. import config, layers
from ..models import Model
from . import _common, imagenet_utils

__all__ = ["ResNet50", "ResNet101", "ResNet152", "decode_predictions", "preprocess_input"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
_EPS = 1.001e-5


def _bn_axis() -> int:
    return 3 if config.image_data_format() == "channels_last" else 1


def ResNet(stack_fn: Callable, preact: bool, use_bias: bool, include_top: bool = True,
           weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
           pooling: str | None = None, classes: int = 1000,
           classifier_activation: Any = "softmax", name: str = "resnet",
           weights_name: str | None = None) -> Model:
    """The ResNet family's common stem and head around the residual stacks `stack_fn`
    builds (`preact`: V2's pre-activation layout; `use_bias`: the stem conv's bias).

    Example:
        >>> from ember.keras.applications import resnet
        >>> stacks = lambda x: resnet.stack_residual_blocks_v1(x, 8, 1, name="conv2")
        >>> m = resnet.ResNet(stacks, False, True, weights=None, include_top=False,
        ...                   input_shape=(32, 32, 3))
        >>> m.output_shape
        TensorShape([None, 4, 4, 32])
    """
    input_shape, img_input = _common.image_input(
        weights, include_top, classes, input_tensor, input_shape, 224, 32)
    axis = _bn_axis()
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name="conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name="post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling)
    model = _common.finish(img_input, input_tensor, x, name)
    file_name = origin = None
    if weights_name is not None:
        file_name = (f"{weights_name}_weights_tf_dim_ordering_tf_kernels"
                     f"{'' if include_top else '_notop'}.h5")
        origin = BASE_WEIGHTS_PATH + file_name
    return _common.load(model, weights, file_name, origin, name)


def residual_block_v1(x: Any, filters: int, kernel_size: int = 3, stride: int = 1,
                      conv_shortcut: bool = True, name: str | None = None) -> Any:
    """A V1 bottleneck block: 1x1 -> kxk -> 1x1 (4 * filters), batch norm after each
    conv, added to the shortcut (a strided 1x1 conv, or the input), then ReLU."""
    axis = _bn_axis()
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=axis, epsilon=_EPS,
                                             name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="SAME", name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_residual_blocks_v1(x: Any, filters: int, blocks: int, stride1: int = 2,
                             name: str | None = None) -> Any:
    """`blocks` V1 blocks; the first has the conv shortcut and the stride `stride1`."""
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def residual_block_v2(x: Any, filters: int, kernel_size: int = 3, stride: int = 1,
                      conv_shortcut: bool = False, name: str | None = None) -> Any:
    """A V2 (pre-activation) bottleneck block: BN + ReLU first, the stride on the 3x3
    conv, the shortcut a 1x1 conv of the pre-activation, a 1x1 max pool (stride > 1) or
    the input."""
    axis = _bn_axis()
    preact = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride,
                                 name=f"{name}_0_conv")(preact)
    elif stride > 1:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x)  # unnamed, as in Keras
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False,
                      name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(x: Any, filters: int, blocks: int, stride1: int = 2,
                             name: str | None = None) -> Any:
    """`blocks` V2 blocks: the first with the conv shortcut, the last with the stride."""
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _v1(depths: tuple) -> Callable:
    def stack_fn(x: Any) -> Any:
        for i, (filters, n) in enumerate(zip((64, 128, 256, 512), depths)):
            x = stack_residual_blocks_v1(x, filters, n, stride1=1 if i == 0 else 2,
                                         name=f"conv{i + 2}")
        return x
    return stack_fn


def _doc(depth: int) -> str:
    return f"""Instantiates the ResNet{depth} architecture (Keras 3's layers and weights).

    Args:
        include_top: whether to include the classifier (global average pooling and a
            Dense layer of `classes` units).
        weights: None (random initialization), "imagenet" (Keras' published weights,
            read from the Keras cache) or the path of a weights file.
        input_tensor: an optional KerasTensor to use as the image input.
        input_shape: the image shape, e.g. (224, 224, 3), at least 32x32; with the top and
            ImageNet weights it must be (224, 224, 3).
        pooling: without the top, None (4D output), "avg" or "max" (2D output).
        classes: the number of classes of the top.
        classifier_activation: the top's activation (None gives logits).
        name: the model's name.

    Returns:
        A functional `keras.Model`.

    Example:
        >>> from ember.keras import applications
        >>> m = applications.ResNet{depth}(weights=None, input_shape=(32, 32, 3), classes=3)
        >>> m.output_shape
        TensorShape([None, 3])
    """


def ResNet50(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
             input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
             classifier_activation: Any = "softmax", name: str = "resnet50") -> Model:
    return ResNet(_v1((3, 4, 6, 3)), False, True, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name, "resnet50")


def ResNet101(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
              input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
              classifier_activation: Any = "softmax", name: str = "resnet101") -> Model:
    return ResNet(_v1((3, 4, 23, 3)), False, True, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name, "resnet101")


def ResNet152(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
              input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
              classifier_activation: Any = "softmax", name: str = "resnet152") -> Model:
    return ResNet(_v1((3, 8, 36, 3)), False, True, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name, "resnet152")


ResNet50.__doc__ = _doc(50)
ResNet101.__doc__ = _doc(101)
ResNet152.__doc__ = _doc(152)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """ResNet's preprocessing: `imagenet_utils.preprocess_input` in "caffe" mode (RGB to
    BGR, the ImageNet mean pixel subtracted, no scaling).

    Example:
        >>> import numpy as np
        >>> from ember.keras.applications import resnet
        >>> resnet.preprocess_input(np.zeros((1, 1, 3), "float32"))[0, 0]
        array([-103.939, -116.779, -123.68 ], dtype=float32)
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


# Keras' per-model decode_predictions is imagenet_utils' own.
decode_predictions = imagenet_utils.decode_predictions

"""`keras.applications.resnet_v2`: ResNet50V2, ResNet101V2, ResNet152V2 (He et al.,
"Identity Mappings in Deep Residual Networks", 2016): pre-activation residual blocks,
built as Keras 3 builds them (same layer names, order and weights).

Inputs: images with values in [0, 255], `resnet_v2.preprocess_input` ("tf" mode: scaled
to [-1, 1]); at least 32x32 pixels.

Example:
    >>> from ember.keras import applications
    >>> model = applications.ResNet50V2(weights=None, include_top=False,
    ...                                 input_shape=(32, 32, 3))
    >>> model.output_shape
    TensorShape([None, 1, 1, 2048])
"""

from __future__ import annotations

from typing import Any, Callable

from ..models import Model
from . import imagenet_utils
from .resnet import ResNet, stack_residual_blocks_v2

__all__ = ["ResNet50V2", "ResNet101V2", "ResNet152V2", "decode_predictions",
           "preprocess_input"]


def _v2(depths: tuple) -> Callable:
    def stack_fn(x: Any) -> Any:
        for i, (filters, n) in enumerate(zip((64, 128, 256, 512), depths)):
            x = stack_residual_blocks_v2(x, filters, n, stride1=1 if i == 3 else 2,
                                         name=f"conv{i + 2}")
        return x
    return stack_fn


def _doc(depth: int) -> str:
    return f"""Instantiates the ResNet{depth}V2 architecture (Keras 3's layers and weights).

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
        >>> m = applications.ResNet{depth}V2(weights=None, input_shape=(32, 32, 3), classes=3)
        >>> m.output_shape
        TensorShape([None, 3])
    """


def ResNet50V2(include_top: bool = True, weights: Any = "imagenet",
               input_tensor: Any = None, input_shape: Any = None,
               pooling: str | None = None, classes: int = 1000,
               classifier_activation: Any = "softmax", name: str = "resnet50v2") -> Model:
    return ResNet(_v2((3, 4, 6, 3)), True, True, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name, "resnet50v2")


def ResNet101V2(include_top: bool = True, weights: Any = "imagenet",
                input_tensor: Any = None, input_shape: Any = None,
                pooling: str | None = None, classes: int = 1000,
                classifier_activation: Any = "softmax",
                name: str = "resnet101v2") -> Model:
    return ResNet(_v2((3, 4, 23, 3)), True, True, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name, "resnet101v2")


def ResNet152V2(include_top: bool = True, weights: Any = "imagenet",
                input_tensor: Any = None, input_shape: Any = None,
                pooling: str | None = None, classes: int = 1000,
                classifier_activation: Any = "softmax",
                name: str = "resnet152v2") -> Model:
    return ResNet(_v2((3, 8, 36, 3)), True, True, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name, "resnet152v2")


ResNet50V2.__doc__ = _doc(50)
ResNet101V2.__doc__ = _doc(101)
ResNet152V2.__doc__ = _doc(152)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """ResNet V2's preprocessing: `imagenet_utils.preprocess_input` in "tf" mode (pixels
    scaled to [-1, 1]).

    Example:
        >>> import numpy as np
        >>> from ember.keras.applications import resnet_v2
        >>> resnet_v2.preprocess_input(np.array([0.0, 255.0]))
        array([-1.,  1.])
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


# Keras' per-model decode_predictions is imagenet_utils' own.
decode_predictions = imagenet_utils.decode_predictions

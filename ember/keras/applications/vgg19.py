"""`keras.applications.vgg19`: VGG19 (Simonyan and Zisserman, 2015), built as Keras 3
builds it (same layer names, order and weights): VGG16 with four convs in each of the
last three blocks.

Inputs: images with values in [0, 255], `vgg19.preprocess_input` ("caffe" mode).

Example:
    >>> from ember.keras import applications
    >>> model = applications.VGG19(weights=None, include_top=False, input_shape=(32, 32, 3))
    >>> len(model.layers)
    22
"""

from __future__ import annotations

from typing import Any

from ..models import Model
from .vgg16 import VGG, decode_predictions, preprocess_input

__all__ = ["VGG19", "decode_predictions", "preprocess_input"]


def VGG19(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
          input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
          classifier_activation: Any = "softmax", name: str = "vgg19") -> Model:
    """Instantiates the VGG19 architecture (Keras 3's layers and weights); the arguments
    are VGG16's.

    Example:
        >>> from ember.keras import applications
        >>> m = applications.VGG19(weights=None, include_top=False, pooling="avg",
        ...                        input_shape=(32, 32, 3))
        >>> m.output_shape
        TensorShape([None, 512])
    """
    return VGG((2, 2, 4, 4, 4), include_top, weights, input_tensor, input_shape, pooling,
               classes, classifier_activation, name, "vgg19")

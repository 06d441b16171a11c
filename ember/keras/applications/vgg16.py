"""`keras.applications.vgg16`: VGG16 (Simonyan and Zisserman, "Very Deep Convolutional
Networks for Large-Scale Image Recognition", 2015), built as Keras 3 builds it (same layer
names, order and weights). `vgg19` uses the same builder.

Inputs: images with values in [0, 255], `vgg16.preprocess_input` ("caffe" mode: BGR,
ImageNet mean pixel subtracted); at least 32x32 pixels.

Example:
    >>> from ember.keras import applications
    >>> model = applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    >>> model.output_shape
    TensorShape([None, 1, 1, 512])
"""

from __future__ import annotations

from typing import Any

from .. import layers
from ..models import Model
from . import _common, imagenet_utils

__all__ = ["VGG16", "decode_predictions", "preprocess_input"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/"


def VGG(convs_per_block: tuple, include_top: bool = True, weights: Any = "imagenet",
        input_tensor: Any = None, input_shape: Any = None, pooling: str | None = None,
        classes: int = 1000, classifier_activation: Any = "softmax",
        name: str = "vgg16", weights_name: str | None = "vgg16") -> Model:
    """A VGG network: five blocks of `convs_per_block[i]` 3x3 ReLU convs (64, 128, 256,
    512, 512 filters), each followed by 2x2 max pooling; the top is Flatten and Dense
    layers of 4096, 4096 and `classes` units."""
    input_shape, img_input = _common.image_input(
        weights, include_top, classes, input_tensor, input_shape, 224, 32)
    x = img_input
    for b, (filters, n) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), 1):
        for c in range(1, n + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{b}_conv{c}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{b}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling, names=False)
    model = _common.finish(img_input, input_tensor, x, name)
    file_name = (f"{weights_name}_weights_tf_dim_ordering_tf_kernels"
                 f"{'' if include_top else '_notop'}.h5")
    return _common.load(model, weights, file_name,
                        f"{BASE_WEIGHTS_PATH}{weights_name}/{file_name}", name)


def VGG16(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
          input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
          classifier_activation: Any = "softmax", name: str = "vgg16") -> Model:
    """Instantiates the VGG16 architecture (Keras 3's layers and weights).

    Args:
        include_top: whether to include the 3 fully-connected layers at the top.
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
        >>> m = applications.VGG16(weights=None, include_top=False, pooling="max",
        ...                        input_shape=(32, 32, 3))
        >>> m.output_shape
        TensorShape([None, 512])
    """
    return VGG((2, 2, 3, 3, 3), include_top, weights, input_tensor, input_shape, pooling,
               classes, classifier_activation, name, "vgg16")


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """VGG's preprocessing: `imagenet_utils.preprocess_input` in "caffe" mode (RGB to
    BGR, the ImageNet mean pixel subtracted, no scaling).

    Example:
        >>> import numpy as np
        >>> from ember.keras.applications import vgg16
        >>> vgg16.preprocess_input(np.array([[0.0, 0.0, 255.0]]))
        array([[ 151.061, -116.779, -123.68 ]])
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


# Keras' per-model decode_predictions is imagenet_utils' own.
decode_predictions = imagenet_utils.decode_predictions

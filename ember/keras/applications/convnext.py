"""`keras.applications.convnext`: ConvNeXt Tiny, Small, Base, Large and XLarge (Liu et al.,
"A ConvNet for the 2020s", 2022), built as Keras 3 builds them (same layer names, order
and weights). channels_last only, as in Keras.

The models include their preprocessing (a `Normalization` layer with the ImageNet
statistics, unless `include_preprocessing=False`): feed images with values in [0, 255];
`convnext.preprocess_input` is the identity.

Model-specific layers (as in Keras): `LayerScale` (a learned per-channel scale),
`StochasticDepth` (drops whole residual branches while training), and `GroupedConv2D`,
the 7x7 depthwise conv that Keras writes as `Conv2D(groups=channels)` (ember's Conv2D has
no `groups`): same kernel shape `(7, 7, 1, channels)` and values as Keras'. The residual
additions are raw ops (`inputs + branch`): op nodes in Keras 3, OpLayers (`tf.add`) in
ember's layer list.

Example:
    >>> from ember.keras import applications
    >>> model = applications.ConvNeXtTiny(weights=None, include_top=False,
    ...                                   input_shape=(32, 32, 3))
    >>> model.output_shape
    TensorShape([None, 1, 1, 768])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ops import random_ops
from ...ops.shape_ops import shape as dynamic_shape
from .. import config, initializers, layers, ops, serialization_registry
from ..engine.layer import Layer
from ..models import Model, Sequential
from ..utils.layer_utils import get_source_inputs
from . import _common, imagenet_utils

__all__ = ["ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny",
           "ConvNeXtXLarge", "GroupedConv2D", "LayerScale", "StochasticDepth",
           "decode_predictions", "preprocess_input"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"
MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768]},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768]},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024]},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536]},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048]},
}


class StochasticDepth(Layer):
    """Drops the whole input of a sample with probability `drop_path_rate` while
    training (scaling the kept ones by 1 / keep probability); the identity otherwise.

    Example:
        >>> import numpy as np
        >>> StochasticDepth(0.5)(np.ones((2, 3), "float32")).numpy().tolist()
        [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """

    def __init__(self, drop_path_rate: float, **kwargs: Any):
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate

    def call(self, x: Any, training: Any = None) -> Any:
        if not training or not self.drop_path_rate:
            return x
        keep = 1.0 - self.drop_path_rate
        batch = x.shape[0] if x.shape[0] is not None else dynamic_shape(x)[0]
        noise = random_ops.uniform([batch] + [1] * (len(x.shape) - 1), dtype=x.dtype)
        return (x / keep) * ops.floor(keep + noise)

    def get_config(self) -> dict:
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}


class LayerScale(Layer):
    """Multiplies the last axis by a learned vector `gamma` of `projection_dim` values,
    initialized to `init_values`.

    Example:
        >>> import numpy as np
        >>> LayerScale(0.5, 2)(np.ones((1, 2), "float32")).numpy()
        array([[0.5, 0.5]], dtype=float32)
    """

    def __init__(self, init_values: float, projection_dim: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, input_shape: Any) -> None:
        self.gamma = self.add_weight(name="gamma", shape=(self.projection_dim,),
                                     initializer=initializers.Constant(self.init_values),
                                     trainable=True)
        self.built = True

    def call(self, x: Any) -> Any:
        return x * self.gamma

    def get_config(self) -> dict:
        return {**super().get_config(), "init_values": self.init_values,
                "projection_dim": self.projection_dim}


class GroupedConv2D(Layer):
    """Keras' `Conv2D(filters, kernel_size, padding="same", groups=filters)` on an input
    of `filters` channels (a depthwise conv, stride 1): kernel
    `(kernel_size, kernel_size, 1, filters)` and bias `(filters,)`, as Keras stores them.

    Example:
        >>> from ember import keras
        >>> layer = GroupedConv2D(4, 3)
        >>> layer(keras.Input((8, 8, 4))).shape, tuple(layer.kernel.shape)
        (TensorShape([None, 8, 8, 4]), (3, 3, 1, 4))
    """

    def __init__(self, filters: int, kernel_size: int, padding: str = "same",
                 **kwargs: Any):
        super().__init__(**kwargs)
        if padding.lower() not in ("same", "valid"):
            raise ValueError(f"GroupedConv2D: padding must be 'same' or 'valid', received "
                             f"{padding!r}.")
        self.filters, self.kernel_size, self.padding = filters, kernel_size, padding.lower()

    def build(self, input_shape: Any) -> None:
        channels = tuple(input_shape)[-1]
        if channels != self.filters:
            raise ValueError(f"GroupedConv2D {self.name!r}: needs inputs of {self.filters} "
                             f"channels (one group per channel), received {channels}.")
        k = self.kernel_size
        self.kernel = self.add_weight(name="kernel", shape=(k, k, 1, self.filters),
                                      initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")
        self.built = True

    def call(self, x: Any) -> Any:
        k = self.kernel_size
        kernel = ops.reshape(self.kernel, (k, k, self.filters, 1))
        y = ops.depthwise_conv(x, kernel, strides=1, padding=self.padding)
        return y + self.bias

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "padding": self.padding}


# known to load_model / clone_model / layers.deserialize by their class names, as Keras
# finds its own (a Keras 3 file names LayerScale and StochasticDepth this way)
serialization_registry.register_builtin_layers(
    {c.__name__: c for c in (StochasticDepth, LayerScale, GroupedConv2D)})


def ConvNeXtBlock(projection_dim: int, drop_path_rate: float = 0.0,
                  layer_scale_init_value: float | None = 1e-6, name: str = "block") -> Any:
    """The ConvNeXt block as a function of its input: 7x7 depthwise conv, LayerNorm,
    Dense (4x) + GELU, Dense, LayerScale, stochastic depth, residual add."""
    def apply(inputs: Any) -> Any:
        x = GroupedConv2D(projection_dim, 7, padding="same",
                          name=f"{name}_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim,
                           name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            branch = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            branch = layers.Activation("linear", name=f"{name}_identity")
        return inputs + branch(x)
    return apply


def ConvNeXt(depths: list, projection_dims: list, drop_path_rate: float = 0.0,
             layer_scale_init_value: float = 1e-6, default_size: int = 224,
             name: str = "convnext", include_preprocessing: bool = True,
             include_top: bool = True, weights: Any = None, input_tensor: Any = None,
             input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
             classifier_activation: Any = "softmax",
             weights_name: str | None = None) -> Model:
    """A ConvNeXt with the given stage depths and widths (see `ConvNeXtTiny`).

    Example:
        >>> from ember.keras.applications import convnext
        >>> m = convnext.ConvNeXt([1, 1, 1, 1], [8, 8, 16, 16], include_top=False,
        ...                       input_shape=(32, 32, 3))
        >>> m.output_shape
        TensorShape([None, 1, 1, 16])
    """
    if config.image_data_format() == "channels_first":
        raise ValueError("ConvNeXt does not support the `channels_first` image data format. "
                         "Switch to `channels_last` (keras.config.set_image_data_format).")
    input_shape, img_input = _common.image_input(
        weights, include_top, classes, input_tensor, input_shape, default_size, 32)
    if input_tensor is not None:
        inputs, x = get_source_inputs(input_tensor)[0], input_tensor
    else:
        inputs = x = img_input
    if include_preprocessing and input_shape[2] == 3:
        x = layers.Normalization(
            mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
            variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
            name=f"{name}_prestem_normalization")(x)
    stages = [Sequential([
        layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm"),
    ], name=f"{name}_stem")]
    for i in range(3):
        stages.append(Sequential([
            layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
            layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2,
                          name=f"{name}_downsampling_conv_{i}"),
        ], name=f"{name}_downsampling_block_{i}"))
    rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    cur = 0
    for i in range(4):
        x = stages[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dims[i], drop_path_rate=rates[cur + j],
                              layer_scale_init_value=layer_scale_init_value,
                              name=f"{name}_stage_{i}_block_{j}")(x)
        cur += depths[i]
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        x = layers.Dense(classes, activation=classifier_activation,
                         name=f"{name}_head_dense")(x)
    else:
        x = _common.pool(x, pooling, names=False)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    model = Model(inputs=inputs, outputs=x, name=name)
    if weights == "imagenet":
        variant = MODEL_CONFIGS.get(str(weights_name).split("convnext_")[-1])
        if variant is None or list(depths) != variant["depths"] or \
                list(projection_dims) != variant["projection_dims"]:
            raise ValueError(f"Architecture configuration does not match the {weights_name} "
                             f"variant: the ImageNet weights need its depths and "
                             f"projection_dims exactly.")
        if weights_name not in name:
            raise ValueError(f'Model name "{name}" does not match weights variant '
                             f'"{weights_name}". When using imagenet weights, the model name '
                             f"must contain the weights variant.")
    file_name = f"{name}{'.h5' if include_top else '_notop.h5'}"
    return _common.load(model, weights, file_name, BASE_WEIGHTS_PATH + file_name, name)


_DOC = """Instantiates the {cls} architecture (Keras 3's layers and weights).

    Args:
        include_top: whether to include the classifier (global average pooling,
            LayerNorm and a Dense layer of `classes` units).
        include_preprocessing: whether the model normalizes [0, 255] inputs itself.
        weights: None (random initialization), "imagenet" (Keras' published weights,
            read from the Keras cache) or the path of a weights file.
        input_tensor: an optional KerasTensor to use as the image input.
        input_shape: the image shape, at least 32x32; with the top and ImageNet weights
            it must be (224, 224, 3).
        pooling: without the top, None (4D output), "avg" or "max" (2D output).
        classes: the number of classes of the top.
        classifier_activation: the top's activation (None gives logits).
        name: the model's name (with ImageNet weights it must contain "{key}").

    Returns:
        A functional `keras.Model`.

    Example:
{example}    """


_EXAMPLE = {  # building the big variants takes seconds: their examples stay cheap
    True: """        >>> from ember.keras import applications
        >>> m = applications.{cls}(weights=None, input_shape=(32, 32, 3), classes=3)
        >>> m.output_shape
        TensorShape([None, 3])
""",
    False: """        >>> from ember.keras import applications
        >>> applications.{cls}.__name__
        '{cls}'
"""}


def _variant(size: str, cls: str) -> Any:
    key = f"convnext_{size}"

    def constructor(include_top: bool = True, include_preprocessing: bool = True,
                    weights: Any = "imagenet", input_tensor: Any = None,
                    input_shape: Any = None, pooling: str | None = None,
                    classes: int = 1000, classifier_activation: Any = "softmax",
                    name: str = key) -> Model:
        cfg = MODEL_CONFIGS[size]
        return ConvNeXt(cfg["depths"], cfg["projection_dims"], drop_path_rate=0.0,
                        layer_scale_init_value=1e-6, default_size=224, name=name,
                        include_preprocessing=include_preprocessing,
                        include_top=include_top, weights=weights, input_tensor=input_tensor,
                        input_shape=input_shape, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation, weights_name=key)
    constructor.__name__ = constructor.__qualname__ = cls
    constructor.__doc__ = _DOC.format(cls=cls, key=key,
                                      example=_EXAMPLE[size == "tiny"].format(cls=cls))
    constructor.__module__ = __name__
    return constructor


ConvNeXtTiny = _variant("tiny", "ConvNeXtTiny")
ConvNeXtSmall = _variant("small", "ConvNeXtSmall")
ConvNeXtBase = _variant("base", "ConvNeXtBase")
ConvNeXtLarge = _variant("large", "ConvNeXtLarge")
ConvNeXtXLarge = _variant("xlarge", "ConvNeXtXLarge")


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """The identity: ConvNeXt models normalize their inputs themselves (kept for API
    compatibility with the other applications).

    Example:
        >>> from ember.keras.applications import convnext
        >>> convnext.preprocess_input(255.0)
        255.0
    """
    return x


# Keras' per-model decode_predictions is imagenet_utils' own.
decode_predictions = imagenet_utils.decode_predictions

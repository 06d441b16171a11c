"""1-D depthwise and separable convolution layers: DepthwiseConv1D and SeparableConv1D,
over `ember.nn.depthwise_conv2d` / `separable_conv2d` with a unit height (channels_last
`(batch, steps, channels)`; channels_first between two transposes).

Example:
    >>> from ember import keras
    >>> x = keras.Input((10, 3))
    >>> keras.layers.DepthwiseConv1D(3, depth_multiplier=2)(x).shape
    TensorShape([None, 8, 6])
    >>> keras.layers.SeparableConv1D(4, 3, padding="same")(x).shape
    TensorShape([None, 10, 4])
"""

from __future__ import annotations

from typing import Any

from ...ops import conv_extra
from ...ops.shape_ops import expand_dims, squeeze
from .. import activations, constraints, initializers, regularizers
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from .convolutional import (as_int_tuple, check_data_format, check_padding, check_window_fits,
                            to_channels_first, to_channels_last)
from .core import kernel_options_config, set_kernel_options

__all__ = ["DepthwiseConv1D", "SeparableConv1D"]


def _positive(layer: Layer, what: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}): {what} must be a '
                         f"positive int, received {what}={value!r}.")
    return value


def _renamed(config: dict, prefix: str) -> dict:
    """kernel_options_config with the kernel_* keys renamed to `prefix`_*."""
    return {(prefix + k[len("kernel"):] if k.startswith("kernel_") else k): v
            for k, v in config.items()}


class _DepthwiseBase1D(Layer):
    """The arguments and the call shared by the two layers."""

    def _common(self, kernel_size: Any, strides: Any, padding: Any, data_format: Any,
                dilation_rate: Any, depth_multiplier: Any) -> None:
        cls = type(self).__name__
        self.kernel_size = as_int_tuple(cls, self.name, "kernel_size", kernel_size, 1)
        self.strides = as_int_tuple(cls, self.name, "strides", strides, 1)
        self.dilation_rate = as_int_tuple(cls, self.name, "dilation_rate", dilation_rate, 1)
        self.padding = check_padding(cls, self.name, padding)
        self.data_format = check_data_format(cls, self.name, data_format, channels_first=True)
        self.depth_multiplier = _positive(self, "depth_multiplier", depth_multiplier)
        self.input_spec = InputSpec(ndim=3)

    @property
    def _axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    def _channels(self, input_shape: Any) -> int | None:
        if len(input_shape) != 3:
            return None  # the input spec check reports the wrong rank
        if input_shape[self._axis] is None:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}): the channel dim '
                             f"(axis {self._axis}) of the inputs must be known to create the "
                             f"kernel, received input shape {tuple(input_shape)}.")
        check_window_fits(self, input_shape, self.kernel_size, self.dilation_rate,
                          "kernel_size")
        return input_shape[self._axis]

    def _add_bias(self, size: int) -> None:
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", shape=(size,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def _convolve(self, x: Any) -> Any:
        raise NotImplementedError

    def call(self, inputs: Any) -> Any:
        check_window_fits(self, inputs.shape, self.kernel_size, self.dilation_rate,
                          "kernel_size")
        first = self.data_format == "channels_first"
        x = to_channels_last(inputs, 1) if first else inputs
        y = squeeze(self._convolve(expand_dims(x, 1)), 1)
        if self.bias is not None:
            y = y + self.bias
        y = self.activation(y) if self.activation is not activations.linear else y
        return to_channels_first(y, 1) if first else y

    def _params(self) -> dict:
        return {"strides": (1, self.strides[0]), "padding": self.padding.upper(),
                "dilations": (1, self.dilation_rate[0])}

    def _base_config(self) -> dict:
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate}


class DepthwiseConv1D(_DepthwiseBase1D):
    """Depthwise 1-D convolution (TF's `keras.layers.DepthwiseConv1D`): each input
    channel is convolved with its own `depth_multiplier` filters; the kernel is
    `(kernel_size, in_channels, depth_multiplier)` and output channel `c * M + m` comes
    from input channel c and filter `[:, c, m]`.

    Args:
        kernel_size, strides, dilation_rate: an int or a 1-tuple.
        padding: 'valid' or 'same'. data_format: 'channels_last' or 'channels_first'.
        depth_multiplier: filters per input channel.
        depthwise_initializer / _regularizer / _constraint: for the kernel;
        activation, use_bias, bias_*: as Conv1D.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> layer = keras.layers.DepthwiseConv1D(2, depthwise_initializer="ones")
        >>> layer(np.array([[[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]])).numpy()
        array([[[ 3., 30.],
                [ 5., 50.]]], dtype=float32)
    """

    def __init__(self, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 depth_multiplier: int = 1, data_format: str | None = None,
                 dilation_rate: Any = 1, activation: Any = None, use_bias: bool = True,
                 depthwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, depthwise_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._common(kernel_size, strides, padding, data_format, dilation_rate,
                     depth_multiplier)
        set_kernel_options(self, activation, use_bias, depthwise_initializer, bias_initializer,
                           depthwise_regularizer, bias_regularizer, depthwise_constraint,
                           bias_constraint)

    def build(self, input_shape: Any) -> None:
        channels = self._channels(input_shape)
        if channels is None:
            return
        self.kernel = self.add_weight(
            "kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self._add_bias(channels * self.depth_multiplier)
        self.input_spec = InputSpec(ndim=3, axes={self._axis: channels})
        self.built = True

    def _convolve(self, x: Any) -> Any:
        return conv_extra.depthwise_conv2d(x, expand_dims(self.kernel, 0), **self._params())

    def get_config(self) -> dict:
        return {**self._base_config(), **_renamed(kernel_options_config(self), "depthwise")}


class SeparableConv1D(_DepthwiseBase1D):
    """Depthwise-separable 1-D convolution (TF's `keras.layers.SeparableConv1D`): a
    DepthwiseConv1D (kernel `depthwise_kernel`, `(kernel_size, in, depth_multiplier)`)
    then a pointwise convolution (`pointwise_kernel`, `(1, in * depth_multiplier,
    filters)`).

    Args:
        filters: the number of output channels; depth_multiplier: as DepthwiseConv1D.
        depthwise_* / pointwise_*: initializer, regularizer and constraint of each kernel.
        Others: as DepthwiseConv1D.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> layer = keras.layers.SeparableConv1D(1, 2, depthwise_initializer="ones",
        ...                                      pointwise_initializer="ones")
        >>> layer(np.array([[[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]])).numpy()[0, :, 0]
        array([33., 55.], dtype=float32)
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1,
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = 1, depth_multiplier: int = 1, activation: Any = None,
                 use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, pointwise_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, pointwise_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = _positive(self, "filters", filters)
        self._common(kernel_size, strides, padding, data_format, dilation_rate,
                     depth_multiplier)
        set_kernel_options(self, activation, use_bias, depthwise_initializer, bias_initializer,
                           depthwise_regularizer, bias_regularizer, depthwise_constraint,
                           bias_constraint)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape: Any) -> None:
        channels = self._channels(input_shape)
        if channels is None:
            return
        mid = channels * self.depth_multiplier
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", shape=(1, mid, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self._add_bias(self.filters)
        self.input_spec = InputSpec(ndim=3, axes={self._axis: channels})
        self.built = True

    def _convolve(self, x: Any) -> Any:
        return conv_extra.separable_conv2d(x, expand_dims(self.depthwise_kernel, 0),
                                           expand_dims(self.pointwise_kernel, 0),
                                           **self._params())

    def get_config(self) -> dict:
        return {**self._base_config(), "filters": self.filters,
                **_renamed(kernel_options_config(self), "depthwise"),
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                "pointwise_constraint": constraints.serialize(self.pointwise_constraint)}

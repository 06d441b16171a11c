"""More convolution layers: Conv2DTranspose, DepthwiseConv2D and SeparableConv2D, over
`ember.ops.conv_extra` (channels_last; channels_first between two transposes).

Example:
    >>> from ember import keras
    >>> keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same")(
    ...     keras.Input((7, 7, 2))).shape
    TensorShape([None, 14, 14, 4])
"""

from __future__ import annotations

from typing import Any

from ...ops import conv_extra
from ...ops.shape_ops import expand_dims, squeeze
from .. import activations, constraints, initializers, regularizers
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from .convolutional import (as_int_tuple, check_data_format, check_output_padding, check_padding,
                            check_window_fits, last_shape, to_channels_first, to_channels_last)
from .core import kernel_options_config, set_kernel_options

__all__ = ["Conv1DTranspose", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D"]


def deconv_output_length(n: int | None, k: int, padding: str, output_padding: int | None,
                         stride: int, dilation: int = 1) -> int | None:
    """The output size of a transposed convolution along one axis, as Keras."""
    if n is None:
        return None
    k = (k - 1) * dilation + 1
    if output_padding is None:
        return n * stride + (max(k - stride, 0) if padding == "valid" else 0)
    pad = k // 2 if padding == "same" else 0
    return (n - 1) * stride + k - 2 * pad + output_padding


class _Base(Layer):
    """Shared arguments of the three layers (2-D; channels_first runs as channels_last
    between two transposes)."""

    _channels_first_ok = True

    def _common(self, kernel_size: Any, strides: Any, padding: Any, data_format: Any,
                dilation_rate: Any) -> None:
        cls = type(self).__name__
        self.kernel_size = as_int_tuple(cls, self.name, "kernel_size", kernel_size, 2)
        self.strides = as_int_tuple(cls, self.name, "strides", strides, 2)
        self.dilation_rate = as_int_tuple(cls, self.name, "dilation_rate", dilation_rate, 2)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f'Layer "{self.name}" ({cls}): strides > 1 is not supported '
                             f"together with dilation_rate > 1, received "
                             f"strides={self.strides} and dilation_rate={self.dilation_rate}.")
        self.padding = check_padding(cls, self.name, padding)
        self.data_format = check_data_format(cls, self.name, data_format,
                                             channels_first=self._channels_first_ok)
        self.input_spec = InputSpec(ndim=4)

    @property
    def _axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    def _channels(self, input_shape: Any) -> int | None:
        if len(input_shape) != 4:
            return None  # the input spec check reports the wrong rank
        if input_shape[self._axis] is None:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}): the channel dim '
                             f"(axis {self._axis}) of the inputs must be known to create the "
                             f"kernel, received input shape {tuple(input_shape)}.")
        return input_shape[self._axis]

    def call(self, inputs: Any) -> Any:
        if self.data_format == "channels_first":
            return to_channels_first(self._call_last(to_channels_last(inputs, 2)), 2)
        return self._call_last(inputs)

    def _call_last(self, inputs: Any) -> Any:
        raise NotImplementedError

    def _bias(self, size: int) -> None:
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", shape=(size,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def _finish(self, y: Any) -> Any:
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y) if self.activation is not activations.linear else y

    def _base_config(self) -> dict:
        return {**super().get_config(), "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding,
                "data_format": self.data_format, "dilation_rate": self.dilation_rate}


def _check_filters(layer: Layer, value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}): {what} must be a '
                         f"positive int, received {what}={value!r}.")
    return value


class Conv2DTranspose(_Base):
    """Transposed 2-D convolution ("deconvolution", TF's `keras.layers.Conv2DTranspose`):
    the gradient of a Conv2D w.r.t. its input; the kernel is `kernel_size + (filters,
    in_channels)`. Output size per axis (Keras' deconv_output_length): 'valid'
    `n * s + max(k - s, 0)`, 'same' `n * s`; with `output_padding` p,
    `(n - 1) * s + k - 2 * pad + p` (pad = k // 2 for 'same', 0 for 'valid').

    Args:
        filters: the number of output channels.
        kernel_size, strides, dilation_rate: an int or a pair.
        padding: 'valid' or 'same'. output_padding: None, an int or a pair (< strides).
        data_format: 'channels_last' or 'channels_first'.
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as Conv2D.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> up = keras.layers.Conv2DTranspose(1, 2, strides=2, kernel_initializer="ones")
        >>> up(np.ones((1, 2, 2, 1))).shape
        TensorShape([1, 4, 4, 1])
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1),
                 padding: str = "valid", output_padding: Any = None,
                 data_format: str | None = None, dilation_rate: Any = (1, 1),
                 activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = _check_filters(self, filters, "filters")
        self._common(kernel_size, strides, padding, data_format, dilation_rate)
        self.output_padding = check_output_padding("Conv2DTranspose", self.name,
                                                   output_padding, self.strides)
        set_kernel_options(self, activation, use_bias, kernel_initializer, bias_initializer,
                           kernel_regularizer, bias_regularizer, kernel_constraint,
                           bias_constraint)

    def build(self, input_shape: Any) -> None:
        channels = self._channels(input_shape)
        if channels is None:
            return
        self.kernel = self.add_weight("kernel", shape=self.kernel_size + (self.filters, channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._bias(self.filters)
        self.input_spec = InputSpec(ndim=4, axes={self._axis: channels})
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple:
        if self.data_format == "channels_first":
            b, *hw_, c = self._output_shape_last(last_shape(input_shape, "channels_first"))
            return (b, c, *hw_)
        return self._output_shape_last(input_shape)

    def _output_shape_last(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        hw = tuple(deconv_output_length(
            shape[1 + i], self.kernel_size[i], self.padding,
            None if self.output_padding is None else self.output_padding[i],
            self.strides[i], self.dilation_rate[i]) for i in range(2))
        return (shape[0],) + hw + (self.filters,)

    def _call_last(self, inputs: Any) -> Any:
        out = self._output_shape_last(inputs.shape)
        if None in out[1:3]:
            raise NotImplementedError(
                f'Layer "{self.name}" (Conv2DTranspose): the spatial dims of the inputs must '
                f"be known, received input shape {tuple(inputs.shape)}; give keras.Input "
                f"a full shape, e.g. keras.Input((28, 28, 1)).")
        y = conv_extra.conv2d_transpose(inputs, self.kernel, [None, *out[1:]], self.strides,
                                        self.padding.upper(), dilations=self.dilation_rate)
        return self._finish(y)

    def get_config(self) -> dict:
        return {**self._base_config(), "filters": self.filters,
                "output_padding": self.output_padding, **kernel_options_config(self)}


def _renamed(config: dict, prefix: str) -> dict:
    """kernel_options_config with kernel_* keys renamed to `prefix`_*."""
    return {(prefix + k[len("kernel"):] if k.startswith("kernel_") else k): v
            for k, v in config.items()}


class DepthwiseConv2D(_Base):
    """Depthwise 2-D convolution (TF's `keras.layers.DepthwiseConv2D`): each input
    channel is convolved with its own `depth_multiplier` filters; the kernel is
    `kernel_size + (in_channels, depth_multiplier)` and the output has
    `in_channels * depth_multiplier` channels.

    Args:
        kernel_size, strides, padding, data_format, dilation_rate: as Conv2D.
        depth_multiplier: filters per input channel.
        depthwise_initializer / _regularizer / _constraint: for the kernel;
        activation, use_bias, bias_*: as Conv2D.

    Example:
        >>> from ember import keras
        >>> keras.layers.DepthwiseConv2D(3, depth_multiplier=2)(keras.Input((8, 8, 3))).shape
        TensorShape([None, 6, 6, 6])
    """

    def __init__(self, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 depth_multiplier: int = 1, data_format: str | None = None,
                 dilation_rate: Any = (1, 1), activation: Any = None, use_bias: bool = True,
                 depthwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, depthwise_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.depth_multiplier = _check_filters(self, depth_multiplier, "depth_multiplier")
        self._common(kernel_size, strides, padding, data_format, dilation_rate)
        set_kernel_options(self, activation, use_bias, depthwise_initializer, bias_initializer,
                           depthwise_regularizer, bias_regularizer, depthwise_constraint,
                           bias_constraint)

    def build(self, input_shape: Any) -> None:
        channels = self._channels(input_shape)
        if channels is None:
            return
        check_window_fits(self, input_shape, self.kernel_size, self.dilation_rate,
                          "kernel_size")
        self.kernel = self.add_weight(
            "kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self._bias(channels * self.depth_multiplier)
        self.input_spec = InputSpec(ndim=4, axes={self._axis: channels})
        self.built = True

    def _call_last(self, inputs: Any) -> Any:
        check_window_fits(self, inputs.shape, self.kernel_size, self.dilation_rate,
                          "kernel_size", "channels_last")
        y = conv_extra.depthwise_conv2d(inputs, self.kernel, self.strides,
                                        self.padding.upper(), dilations=self.dilation_rate)
        return self._finish(y)

    def get_config(self) -> dict:
        return {**self._base_config(), "depth_multiplier": self.depth_multiplier,
                **_renamed(kernel_options_config(self), "depthwise")}


class SeparableConv2D(_Base):
    """Depthwise-separable 2-D convolution (TF's `keras.layers.SeparableConv2D`): a
    DepthwiseConv2D (kernel `depthwise_kernel`, `kernel_size + (in, depth_multiplier)`)
    then a 1x1 convolution (`pointwise_kernel`, `(1, 1, in * depth_multiplier, filters)`).

    Args:
        filters: the number of output channels; depth_multiplier: as DepthwiseConv2D.
        depthwise_* / pointwise_*: initializer, regularizer and constraint of each kernel.
        Others: as Conv2D.

    Example:
        >>> from ember import keras
        >>> keras.layers.SeparableConv2D(5, 3, padding="same")(keras.Input((8, 8, 3))).shape
        TensorShape([None, 8, 8, 5])
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1),
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = (1, 1), depth_multiplier: int = 1,
                 activation: Any = None, use_bias: bool = True,
                 depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, pointwise_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, pointwise_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = _check_filters(self, filters, "filters")
        self.depth_multiplier = _check_filters(self, depth_multiplier, "depth_multiplier")
        self._common(kernel_size, strides, padding, data_format, dilation_rate)
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
        check_window_fits(self, input_shape, self.kernel_size, self.dilation_rate,
                          "kernel_size")
        mid = channels * self.depth_multiplier
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", shape=(1, 1, mid, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self._bias(self.filters)
        self.input_spec = InputSpec(ndim=4, axes={self._axis: channels})
        self.built = True

    def _call_last(self, inputs: Any) -> Any:
        check_window_fits(self, inputs.shape, self.kernel_size, self.dilation_rate,
                          "kernel_size", "channels_last")
        y = conv_extra.separable_conv2d(inputs, self.depthwise_kernel, self.pointwise_kernel,
                                        self.strides, self.padding.upper(),
                                        dilations=self.dilation_rate)
        return self._finish(y)

    def get_config(self) -> dict:
        return {**self._base_config(), "filters": self.filters,
                "depth_multiplier": self.depth_multiplier,
                **_renamed(kernel_options_config(self), "depthwise"),
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                "pointwise_constraint": constraints.serialize(self.pointwise_constraint)}



def _one(layer_name: str, what: str, value: Any) -> int:
    """An int from an int or a 1-tuple/list (Conv1DTranspose's arguments)."""
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f'Layer "{layer_name}" (Conv1DTranspose): {what} must be an int or '
                         f"a 1-tuple, received {what}={value!r}.")
    return value


class Conv1DTranspose(Conv2DTranspose):
    """Transposed 1-D convolution over `(batch, steps, channels)` inputs (TF's
    `keras.layers.Conv1DTranspose`): Conv2DTranspose over a width-1 axis. The kernel is
    `(kernel_size, filters, in_channels)`, as in Keras 3; output length as
    Conv2DTranspose's along the steps axis. data_format 'channels_first' takes
    `(batch, channels, steps)` (run channels_last between two transposes).

    Example:
        >>> from ember import keras
        >>> keras.layers.Conv1DTranspose(2, 3, strides=2)(keras.Input((4, 3))).shape
        TensorShape([None, 9, 2])
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1,
                 padding: str = "valid", output_padding: Any = None,
                 data_format: str | None = None, dilation_rate: Any = 1, **kwargs: Any):
        name = kwargs.get("name") or "conv1d_transpose"
        k = _one(name, "kernel_size", kernel_size)
        s = _one(name, "strides", strides)
        d = _one(name, "dilation_rate", dilation_rate)
        op = None if output_padding is None else (
            _one(name, "output_padding", output_padding), 0)
        super().__init__(filters, (k, 1), strides=(s, 1), padding=padding, output_padding=op,
                         data_format=data_format, dilation_rate=(d, 1), **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape: Any) -> None:
        if len(input_shape) != 3:
            return  # the input spec check reports the wrong rank
        channels = input_shape[self._axis]
        if channels is None:
            raise ValueError(f'Layer "{self.name}" (Conv1DTranspose): the channel dim (axis '
                             f"{self._axis}) of the inputs must be known to create the "
                             f"kernel, received input shape {tuple(input_shape)}.")
        self.kernel = self.add_weight("kernel", shape=(self.kernel_size[0], self.filters,
                                                       channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._bias(self.filters)
        self.input_spec = InputSpec(ndim=3, axes={self._axis: channels})
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> tuple:
        b, n, f = self._output_shape_1d(last_shape(input_shape, self.data_format))
        return (b, f, n) if self.data_format == "channels_first" else (b, n, f)

    def call(self, inputs: Any) -> Any:
        if self.data_format == "channels_first":
            return to_channels_first(self._call_last(to_channels_last(inputs, 1)), 1)
        return self._call_last(inputs)

    def _call_last(self, inputs: Any) -> Any:
        out = self._output_shape_1d(inputs.shape)
        if out[1] is None:
            raise NotImplementedError(
                f'Layer "{self.name}" (Conv1DTranspose): the steps dim of the inputs must be '
                f"known, received input shape {tuple(inputs.shape)}; give keras.Input a "
                f"full shape, e.g. keras.Input((16, 3)).")
        y = conv_extra.conv2d_transpose(expand_dims(inputs, 2), expand_dims(self.kernel, 1),
                                        [None, out[1], 1, self.filters], self.strides,
                                        self.padding.upper(), dilations=self.dilation_rate)
        return self._finish(squeeze(y, 2))

    def _output_shape_1d(self, shape: Any) -> tuple:
        """compute_output_shape of channels_last inputs."""
        n = deconv_output_length(
            tuple(shape)[1], self.kernel_size[0], self.padding,
            None if self.output_padding is None else self.output_padding[0],
            self.strides[0], self.dilation_rate[0])
        return (tuple(shape)[0], n, self.filters)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(kernel_size=self.kernel_size[:1], strides=self.strides[:1],
                      dilation_rate=self.dilation_rate[:1],
                      output_padding=None if self.output_padding is None
                      else self.output_padding[:1])
        return config

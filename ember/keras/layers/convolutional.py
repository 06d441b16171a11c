"""Convolution layers: Conv1D and Conv2D (channels_last), over `ember.nn.conv1d/conv2d`.

Example:
    >>> from ember import keras
    >>> keras.layers.Conv2D(8, 3, padding="same")(keras.Input((28, 28, 1))).shape
    TensorShape([None, 28, 28, 8])
"""

from __future__ import annotations

from typing import Any

from ...core.errors import ShapeError
from ...ops import conv_ops
from ...ops.shape_ops import pad, transpose
from .. import activations
from ..config import image_data_format
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from .core import kernel_options_config, set_kernel_options

__all__ = ["Conv1D", "Conv2D"]


def as_int_tuple(layer: str, name: str, what: str, value: Any, rank: int) -> tuple:
    """An int or a sequence of `rank` positive ints as a `rank`-tuple (a ValueError naming
    the layer and the argument otherwise).

    Example:
        >>> as_int_tuple("Conv2D", "c", "strides", 2, 2)
        (2, 2)
    """
    vals = (value,) * rank if isinstance(value, int) else tuple(value) \
        if isinstance(value, (list, tuple)) else None
    if vals is None or len(vals) != rank or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in vals):
        raise ValueError(f'Layer "{name}" ({layer}): {what} must be a positive int or a '
                         f"tuple of {rank} positive ints, received {what}={value!r}.")
    return vals


def check_data_format(layer: str, name: str, data_format: Any,
                      channels_first: bool = False) -> str:
    """'channels_last' or 'channels_first' (None: keras.config.image_data_format());
    channels_first raises NotImplementedError unless the layer runs it (`channels_first`:
    by transposing to channels_last and back, `to_channels_last` / `to_channels_first`)."""
    fmt = image_data_format() if data_format is None else data_format
    if fmt == "channels_first" and channels_first:
        return fmt
    if fmt == "channels_first":
        raise NotImplementedError(
            f'Layer "{name}" ({layer}): data_format="channels_first" is not supported; '
            f'ember runs convolutions and pooling channels_last (NHWC). Transpose the '
            f'inputs, e.g. ember.transpose(x, [0, 2, 3, 1]), and use "channels_last".')
    if fmt != "channels_last":
        raise ValueError(f'Layer "{name}" ({layer}): data_format must be "channels_last" '
                         f'or "channels_first", received data_format={data_format!r}.')
    return fmt


def check_padding(layer: str, name: str, padding: Any, causal: bool = False) -> str:
    pad = padding.lower() if isinstance(padding, str) else padding
    if pad == "causal" and causal:
        return pad
    if pad == "causal":
        raise NotImplementedError(f'Layer "{name}" ({layer}): padding="causal" is for '
                                  f'Conv1D only (as Keras); use "valid" or "same".')
    if pad not in ("valid", "same"):
        raise ValueError(f'Layer "{name}" ({layer}): padding must be "valid" or "same", '
                         f"received padding={padding!r}.")
    return pad


def check_output_padding(layer: str, name: str, output_padding: Any, strides: tuple) -> Any:
    """None, or a tuple of one non-negative int per spatial dim (an int is repeated), each
    smaller than its stride (a transposed convolution's `output_padding`).

    Example:
        >>> check_output_padding("Conv2DTranspose", "t", 1, (2, 2))
        (1, 1)
    """
    if output_padding is None:
        return None
    rank = len(strides)
    op = (output_padding,) * rank if isinstance(output_padding, int) else output_padding
    op = tuple(op) if isinstance(op, (list, tuple)) else ()
    if len(op) != rank or not all(isinstance(p, int) and not isinstance(p, bool) and p >= 0
                                  for p in op):
        what = {1: "an int", 2: "a pair of them", 3: "a triple of them"}.get(rank, "a tuple")
        raise ValueError(f'Layer "{name}" ({layer}): output_padding must be None, a '
                         f"non-negative int or {what}, received "
                         f"output_padding={output_padding!r}.")
    if any(p >= s for p, s in zip(op, strides)):
        raise ValueError(f'Layer "{name}" ({layer}): output_padding must be smaller than '
                         f"strides in each dim, received output_padding={op} and "
                         f"strides={strides}.")
    return op


def to_channels_last(x: Any, rank: int) -> Any:
    """(batch, channels, *spatial) -> (batch, *spatial, channels)."""
    return transpose(x, [0, *range(2, rank + 2), 1])


def to_channels_first(x: Any, rank: int) -> Any:
    """(batch, *spatial, channels) -> (batch, channels, *spatial)."""
    return transpose(x, [0, rank + 1, *range(1, rank + 1)])


def last_shape(input_shape: Any, data_format: str) -> tuple:
    """An input shape as channels_last orders it."""
    shape = tuple(input_shape)
    return shape if data_format != "channels_first" or len(shape) < 3 else \
        (shape[0], *shape[2:], shape[1])


def check_window_fits(layer: Any, input_shape: Any, window: tuple, dilation: tuple,
                      what: str, data_format: str | None = None) -> None:
    """ShapeError naming the layer when a 'valid' window is larger than the input (whose
    layout is `data_format`, by default the layer's)."""
    fmt = data_format or getattr(layer, "data_format", "channels_last")
    input_shape = last_shape(input_shape, fmt)
    if layer.padding != "valid" or len(input_shape) != len(window) + 2:
        return
    for n, k, d in zip(tuple(input_shape)[1:-1], window, dilation):
        if n is not None and n < (k - 1) * d + 1:
            dil = f" and dilation_rate={dilation}" if max(dilation) > 1 else ""
            raise ShapeError(
                f'Layer "{layer.name}" ({type(layer).__name__}): the {what}={window}{dil} '
                f"is larger than the input's spatial dims {tuple(input_shape)[1:-1]} with "
                f'padding="valid" (full input shape {tuple(input_shape)}): the output '
                f'would be empty. Use padding="same", a smaller {what} or larger inputs.')


class _Conv(Layer):
    """The shared convolution layer: `activation(conv(inputs, kernel) + bias)`."""

    _rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1, groups: int = 1,
                 activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls, n = type(self).__name__, self._rank
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f'Layer "{self.name}" ({cls}): filters must be a positive int, '
                             f"received filters={filters!r}.")
        if groups != 1:
            raise NotImplementedError(f'Layer "{self.name}" ({cls}): groups={groups!r} '
                                      f"(grouped convolution) is not supported; use groups=1.")
        self.filters = filters
        self.kernel_size = as_int_tuple(cls, self.name, "kernel_size", kernel_size, n)
        self.strides = as_int_tuple(cls, self.name, "strides", strides, n)
        self.dilation_rate = as_int_tuple(cls, self.name, "dilation_rate", dilation_rate, n)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f'Layer "{self.name}" ({cls}): strides > 1 is not supported '
                             f"together with dilation_rate > 1, received "
                             f"strides={self.strides} and dilation_rate={self.dilation_rate}.")
        self.padding = check_padding(cls, self.name, padding, causal=cls == "Conv1D")
        self.data_format = check_data_format(cls, self.name, data_format, channels_first=True)
        self.groups = groups
        set_kernel_options(self, activation, use_bias, kernel_initializer, bias_initializer,
                           kernel_regularizer, bias_regularizer, kernel_constraint,
                           bias_constraint)
        self.input_spec = InputSpec(ndim=n + 2)

    def build(self, input_shape: Any) -> None:
        cls = type(self).__name__
        if len(input_shape) != self._rank + 2:
            return  # the input spec check reports the wrong rank
        axis = 1 if self.data_format == "channels_first" else -1
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f'Layer "{self.name}" ({cls}): the channel dim (axis {axis}) '
                             f"of the inputs must be known to create the kernel, received "
                             f"input shape {tuple(input_shape)}.")
        check_window_fits(self, input_shape, self.kernel_size, self.dilation_rate,
                          "kernel_size")
        self.kernel = self.add_weight("kernel", shape=self.kernel_size + (channels, self.filters),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", shape=(self.filters,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=self._rank + 2, axes={axis: channels})
        self.built = True

    def _convolve(self, x: Any) -> Any:
        raise NotImplementedError

    def call(self, inputs: Any) -> Any:
        check_window_fits(self, inputs.shape, self.kernel_size, self.dilation_rate,
                          "kernel_size")
        first = self.data_format == "channels_first"
        y = self._convolve(to_channels_last(inputs, self._rank) if first else inputs)
        if self.bias is not None:
            y = y + self.bias
        y = self.activation(y) if self.activation is not activations.linear else y
        return to_channels_first(y, self._rank) if first else y

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "groups": self.groups,
                **kernel_options_config(self)}


class Conv2D(_Conv):
    """2-D convolution over `(batch, height, width, channels)` inputs (TF's
    `keras.layers.Conv2D`); the kernel is `kernel_size + (in_channels, filters)`.

    Args:
        filters: the number of output channels.
        kernel_size, strides, dilation_rate: an int or a pair (strides > 1 and
            dilation_rate > 1 can't be combined, as Keras).
        padding: 'valid' (windows inside the input) or 'same' (ceil(size / stride)
            outputs, TF's padding split).
        data_format: 'channels_last' or 'channels_first' (None: keras.config.image_data_format()).
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as Dense.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> conv = keras.layers.Conv2D(2, 3, kernel_initializer="ones")
        >>> conv(np.ones((1, 4, 4, 1))).numpy()[0, :, :, 0]
        array([[9., 9.],
               [9., 9.]], dtype=float32)
    """

    _rank = 2

    def _convolve(self, x: Any) -> Any:
        return conv_ops.conv2d(x, self.kernel, self.strides, self.padding.upper(),
                               dilations=self.dilation_rate)


class Conv1D(_Conv):
    """1-D convolution over `(batch, steps, channels)` inputs (TF's
    `keras.layers.Conv1D`); the kernel is `(kernel_size, in_channels, filters)`.

    Args: as Conv2D, with ints (or 1-tuples) for kernel_size, strides, dilation_rate;
    padding 'causal' pads `dilation_rate * (kernel_size - 1)` steps on the left only, so
    output step t sees inputs up to t (WaveNet / TCN layers).

    Example:
        >>> from ember import keras
        >>> keras.layers.Conv1D(4, 3, strides=2)(keras.Input((10, 2))).shape
        TensorShape([None, 4, 4])
    """

    _rank = 1

    def _convolve(self, x: Any) -> Any:
        padding = self.padding.upper()
        if padding == "CAUSAL":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            x, padding = pad(x, [[0, 0], [left, 0], [0, 0]]), "VALID"
        return conv_ops.conv1d(x, self.kernel, self.strides[0], padding,
                               dilations=self.dilation_rate[0])

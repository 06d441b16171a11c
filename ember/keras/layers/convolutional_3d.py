"""3-D convolution and pooling layers: Conv3D, Conv3DTranspose, MaxPooling3D,
AveragePooling3D, GlobalMaxPooling3D and GlobalAveragePooling3D, over `ember.nn.conv3d`,
`conv3d_transpose`, `max_pool3d` and `avg_pool3d` (channels_last `(batch, depth, height,
width, channels)`; channels_first between two transposes).

Example:
    >>> from ember import keras
    >>> x = keras.Input((8, 8, 8, 1))
    >>> keras.layers.Conv3D(4, 3, padding="same")(x).shape
    TensorShape([None, 8, 8, 8, 4])
    >>> keras.layers.MaxPooling3D()(x).shape, keras.layers.GlobalAveragePooling3D()(x).shape
    (TensorShape([None, 4, 4, 4, 1]), TensorShape([None, 1]))
"""

from __future__ import annotations

from typing import Any

from ...ops import nn3d, reduce_ops
from ...ops.shape_ops import pad
from .. import activations
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from .convolutional import (_Conv, as_int_tuple, check_data_format, check_output_padding,
                            check_padding, last_shape, to_channels_first, to_channels_last)
from .convolutional_extra import deconv_output_length
from .core import kernel_options_config, set_kernel_options
from .pooling import _GlobalPooling, _Pooling

__all__ = ["AveragePooling3D", "Conv3D", "Conv3DTranspose", "GlobalAveragePooling3D",
           "GlobalMaxPooling3D", "MaxPooling3D"]


class Conv3D(_Conv):
    """3-D convolution over `(batch, depth, height, width, channels)` inputs (TF's
    `keras.layers.Conv3D`); the kernel is `kernel_size + (in_channels, filters)`.

    Args:
        filters: the number of output channels.
        kernel_size, strides, dilation_rate: an int or a triple (strides > 1 and
            dilation_rate > 1 can't be combined, as Keras).
        padding: 'valid' or 'same'. data_format: 'channels_last' or 'channels_first'.
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as Conv2D.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> conv = keras.layers.Conv3D(1, 2, kernel_initializer="ones")
        >>> conv(np.ones((1, 3, 3, 3, 1))).numpy()[0, 0, 0, 0]
        array([8.], dtype=float32)
    """

    _rank = 3

    def _convolve(self, x: Any) -> Any:
        return nn3d.conv3d(x, self.kernel, self.strides, self.padding.upper(),
                           dilations=self.dilation_rate)


class Conv3DTranspose(Layer):
    """Transposed 3-D convolution (TF's `keras.layers.Conv3DTranspose`): the gradient of
    a Conv3D w.r.t. its input; the kernel is `kernel_size + (filters, in_channels)`.
    Output size per axis as Keras 3: 'valid' `n * s + max(k - s, 0)`, 'same' `n * s`;
    with `output_padding` p, `(n - 1) * s + k - 2 * pad + p` (pad = k // 2 for 'same').

    Args:
        filters: the number of output channels.
        kernel_size, strides, dilation_rate: an int or a triple.
        padding: 'valid' or 'same'. output_padding: None, an int or a triple (< strides).
        data_format: 'channels_last' or 'channels_first'.
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as Conv3D.

    Example:
        >>> from ember import keras
        >>> keras.layers.Conv3DTranspose(2, 3, strides=2, padding="same")(
        ...     keras.Input((4, 4, 4, 3))).shape
        TensorShape([None, 8, 8, 8, 2])
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1, 1),
                 padding: str = "valid", data_format: str | None = None,
                 output_padding: Any = None, dilation_rate: Any = (1, 1, 1),
                 activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = "Conv3DTranspose"
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f'Layer "{self.name}" ({cls}): filters must be a positive int, '
                             f"received filters={filters!r}.")
        self.filters = filters
        self.kernel_size = as_int_tuple(cls, self.name, "kernel_size", kernel_size, 3)
        self.strides = as_int_tuple(cls, self.name, "strides", strides, 3)
        self.dilation_rate = as_int_tuple(cls, self.name, "dilation_rate", dilation_rate, 3)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f'Layer "{self.name}" ({cls}): strides > 1 is not supported '
                             f"together with dilation_rate > 1, received "
                             f"strides={self.strides} and dilation_rate={self.dilation_rate}.")
        self.padding = check_padding(cls, self.name, padding)
        self.data_format = check_data_format(cls, self.name, data_format, channels_first=True)
        self.output_padding = check_output_padding(cls, self.name, output_padding,
                                                   self.strides)
        set_kernel_options(self, activation, use_bias, kernel_initializer, bias_initializer,
                           kernel_regularizer, bias_regularizer, kernel_constraint,
                           bias_constraint)
        self.input_spec = InputSpec(ndim=5)

    @property
    def _axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    def build(self, input_shape: Any) -> None:
        if len(input_shape) != 5:
            return  # the input spec check reports the wrong rank
        channels = input_shape[self._axis]
        if channels is None:
            raise ValueError(f'Layer "{self.name}" (Conv3DTranspose): the channel dim (axis '
                             f"{self._axis}) of the inputs must be known to create the "
                             f"kernel, received input shape {tuple(input_shape)}.")
        self.kernel = self.add_weight("kernel", shape=self.kernel_size + (self.filters, channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", shape=(self.filters,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=5, axes={self._axis: channels})
        self.built = True

    def _sizes(self, spatial: tuple) -> tuple:
        return tuple(deconv_output_length(
            spatial[i], self.kernel_size[i], self.padding,
            None if self.output_padding is None else self.output_padding[i],
            self.strides[i], self.dilation_rate[i]) for i in range(3))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = last_shape(input_shape, self.data_format)
        sizes = self._sizes(tuple(shape)[1:4])
        if self.data_format == "channels_first":
            return (shape[0], self.filters) + sizes
        return (shape[0],) + sizes + (self.filters,)

    def _crop_before(self, i: int) -> int:
        """Where Keras 3's output starts in the full (uncropped) transposed convolution."""
        k = (self.kernel_size[i] - 1) * self.dilation_rate[i] + 1
        if self.padding == "valid":
            return 0
        op = self.output_padding
        total = self.strides[i] + k - 2 if op is None else k + k % 2 - 2 + op[i]
        return k - 1 - min(total // 2 + total % 2, k - 1)

    def call(self, inputs: Any) -> Any:
        first = self.data_format == "channels_first"
        x = to_channels_last(inputs, 3) if first else inputs
        spatial = tuple(x.shape[1:4])
        if None in spatial:
            raise NotImplementedError(
                f'Layer "{self.name}" (Conv3DTranspose): the spatial dims of the inputs must '
                f"be known, received input shape {tuple(inputs.shape)}; give keras.Input a "
                f"full shape, e.g. keras.Input((8, 8, 8, 1)).")
        # the full transposed convolution, then Keras 3's window of it
        full = [(n - 1) * s + (k - 1) * d + 1 for n, s, k, d in
                zip(spatial, self.strides, self.kernel_size, self.dilation_rate)]
        y = nn3d.conv3d_transpose(x, self.kernel, [None, *full, self.filters], self.strides,
                                  "VALID", dilations=self.dilation_rate)
        sizes = self._sizes(spatial)
        starts = [self._crop_before(i) for i in range(3)]
        y = y[:, starts[0]:starts[0] + sizes[0], starts[1]:starts[1] + sizes[1],
              starts[2]:starts[2] + sizes[2]]
        extra = [max(b + n - f, 0) for b, n, f in zip(starts, sizes, full)]
        if any(extra):
            y = pad(y, [[0, 0]] + [[0, e] for e in extra] + [[0, 0]])
        if self.bias is not None:
            y = y + self.bias
        y = self.activation(y) if self.activation is not activations.linear else y
        return to_channels_first(y, 3) if first else y

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "output_padding": self.output_padding,
                "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                **kernel_options_config(self)}


class MaxPooling3D(_Pooling):
    """The maximum of each `pool_size` window of `(batch, depth, height, width,
    channels)` inputs (TF's `keras.layers.MaxPooling3D`).

    Args:
        pool_size: an int or a triple (default (2, 2, 2)); strides: default pool_size;
        padding: 'valid' or 'same'; data_format: 'channels_last' or 'channels_first'.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> x = np.arange(8.0).reshape(1, 2, 2, 2, 1)
        >>> keras.layers.MaxPooling3D()(x).numpy().ravel()
        array([7.], dtype=float32)
    """

    _rank = 3

    def _pool(self, x: Any) -> Any:
        return nn3d.max_pool3d(x, self.pool_size, self.strides, self.padding.upper())


class AveragePooling3D(_Pooling):
    """The mean of each `pool_size` window (TF's `keras.layers.AveragePooling3D`); with
    padding 'same' a border window averages its valid elements only.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> x = np.arange(8.0).reshape(1, 2, 2, 2, 1)
        >>> keras.layers.AveragePooling3D(2)(x).numpy().ravel()
        array([3.5], dtype=float32)
    """

    _rank = 3

    def _pool(self, x: Any) -> Any:
        return nn3d.avg_pool3d(x, self.pool_size, self.strides, self.padding.upper())


class GlobalAveragePooling3D(_GlobalPooling):
    """The mean over depth, height and width: `(batch, d, h, w, c)` -> `(batch, c)` (or
    `(batch, 1, 1, 1, c)` with keepdims) (TF's `keras.layers.GlobalAveragePooling3D`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.GlobalAveragePooling3D()(np.ones((2, 3, 3, 3, 4))).shape
        TensorShape([2, 4])
    """

    _rank = 3


class GlobalMaxPooling3D(_GlobalPooling):
    """The maximum over depth, height and width (TF's
    `keras.layers.GlobalMaxPooling3D`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.GlobalMaxPooling3D(keepdims=True)(np.ones((2, 3, 3, 3, 4))).shape
        TensorShape([2, 1, 1, 1, 4])
    """

    _rank = 3
    _reduce = staticmethod(reduce_ops.reduce_max)

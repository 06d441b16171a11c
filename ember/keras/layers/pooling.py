"""Pooling layers (channels_last): Max/AveragePooling1D/2D and the global poolings.

Example:
    >>> from ember import keras
    >>> x = keras.Input((8, 8, 3))
    >>> keras.layers.MaxPooling2D()(x).shape, keras.layers.GlobalAveragePooling2D()(x).shape
    (TensorShape([None, 4, 4, 3]), TensorShape([None, 3]))
"""

from __future__ import annotations

from typing import Any

from ...ops import conv_ops
from ...ops import reduce_ops, shape_ops
from ...prims.convert import cast
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from .convolutional import (as_int_tuple, check_data_format, check_padding, check_window_fits,
                            to_channels_first, to_channels_last)

__all__ = ["AveragePooling1D", "AveragePooling2D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
           "MaxPooling1D", "MaxPooling2D"]


class _Pooling(Layer):
    """The shared windowed pooling layer; `pool_size` windows, `strides` default to it."""

    _rank = 2

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        cls, n = type(self).__name__, self._rank
        self.pool_size = as_int_tuple(cls, self.name, "pool_size", pool_size, n)
        self.strides = self.pool_size if strides is None else \
            as_int_tuple(cls, self.name, "strides", strides, n)
        self.padding = check_padding(cls, self.name, padding)
        self.data_format = check_data_format(cls, self.name, data_format, channels_first=True)
        self.input_spec = InputSpec(ndim=n + 2)

    def _pool(self, x: Any) -> Any:
        raise NotImplementedError

    def call(self, inputs: Any) -> Any:
        check_window_fits(self, inputs.shape, self.pool_size, (1,) * self._rank, "pool_size")
        if self.data_format == "channels_first":
            return to_channels_first(self._pool(to_channels_last(inputs, self._rank)),
                                     self._rank)
        return self._pool(inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "pool_size": self.pool_size,
                "padding": self.padding, "strides": self.strides,
                "data_format": self.data_format}


class MaxPooling2D(_Pooling):
    """The maximum of each `pool_size` window of `(batch, height, width, channels)`
    inputs (TF's `keras.layers.MaxPooling2D`).

    Args:
        pool_size: an int or a pair (default (2, 2)); strides: default pool_size;
        padding: 'valid' or 'same'; data_format: 'channels_last' or 'channels_first'.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
        >>> keras.layers.MaxPooling2D()(x).numpy()[0, :, :, 0]
        array([[ 5.,  7.],
               [13., 15.]], dtype=float32)
    """

    def _pool(self, x: Any) -> Any:
        return conv_ops.max_pool2d(x, self.pool_size, self.strides, self.padding.upper())


class AveragePooling2D(_Pooling):
    """The mean of each `pool_size` window (TF's `keras.layers.AveragePooling2D`); with
    padding 'same' a border window averages its valid elements only.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
        >>> keras.layers.AveragePooling2D(padding="same")(x).numpy()[0, :, :, 0]
        array([[2. , 3.5],
               [6.5, 8. ]], dtype=float32)
    """

    def _pool(self, x: Any) -> Any:
        return conv_ops.avg_pool2d(x, self.pool_size, self.strides, self.padding.upper())


class MaxPooling1D(_Pooling):
    """MaxPooling2D over the steps of `(batch, steps, channels)` inputs (TF's
    `keras.layers.MaxPooling1D`; pool_size defaults to 2).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.MaxPooling1D()(np.array([[[1.0], [3.0], [2.0], [0.0]]])).numpy()[0, :, 0]
        array([3., 2.], dtype=float32)
    """

    _rank = 1

    def _pool(self, x: Any) -> Any:
        return conv_ops.max_pool1d(x, self.pool_size[0], self.strides[0],
                                   self.padding.upper())


class AveragePooling1D(_Pooling):
    """AveragePooling2D over the steps of `(batch, steps, channels)` inputs (TF's
    `keras.layers.AveragePooling1D`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.AveragePooling1D()(np.array([[[1.0], [3.0], [2.0], [0.0]]])).numpy()[0, :, 0]
        array([2., 1.], dtype=float32)
    """

    _rank = 1

    def _pool(self, x: Any) -> Any:
        return conv_ops.avg_pool1d(x, self.pool_size[0], self.strides[0],
                                   self.padding.upper())


class _GlobalPooling(Layer):
    """Reduces over every spatial axis; `keepdims` keeps them as size 1."""

    _rank = 2
    _reduce = staticmethod(reduce_ops.reduce_mean)

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = check_data_format(type(self).__name__, self.name, data_format,
                                             channels_first=True)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _spatial(self) -> list:
        start = 2 if self.data_format == "channels_first" else 1
        return list(range(start, start + self._rank))

    def call(self, inputs: Any) -> Any:
        return type(self)._reduce(inputs, self._spatial(), keepdims=self.keepdims)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalAveragePooling2D(_GlobalPooling):
    """The mean over height and width: `(batch, h, w, c)` -> `(batch, c)` (or
    `(batch, 1, 1, c)` with keepdims) (TF's `keras.layers.GlobalAveragePooling2D`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.GlobalAveragePooling2D()(np.ones((2, 3, 3, 4))).shape
        TensorShape([2, 4])
    """


class GlobalMaxPooling2D(_GlobalPooling):
    """The maximum over height and width (TF's `keras.layers.GlobalMaxPooling2D`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.GlobalMaxPooling2D(keepdims=True)(np.ones((2, 3, 3, 4))).shape
        TensorShape([2, 1, 1, 4])
    """

    _reduce = staticmethod(reduce_ops.reduce_max)


class GlobalAveragePooling1D(_GlobalPooling):
    """The mean over the steps: `(batch, steps, c)` -> `(batch, c)` (TF's
    `keras.layers.GlobalAveragePooling1D`). With a mask `(batch, steps)` (from
    `Embedding(mask_zero=True)`, `Masking`, or `mask=`), the mean of the unmasked steps
    only; the output carries no mask.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.GlobalAveragePooling1D()(np.ones((2, 5, 3))).shape
        TensorShape([2, 3])
        >>> x = np.array([[[1.0], [3.0], [8.0]]])
        >>> keras.layers.GlobalAveragePooling1D()(x, mask=np.array([[True, True, False]])).numpy()
        array([[2.]], dtype=float32)
    """

    _rank = 1

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return super().call(inputs)
        # NOTE: as tf.keras 2, sum(x * m) / sum(m): a row with every step masked is 0/0.
        steps, channels = (2, 1) if self.data_format == "channels_first" else (1, 2)
        m = shape_ops.expand_dims(cast(mask, inputs.dtype), channels)
        total = reduce_ops.reduce_sum(inputs * m, steps, keepdims=self.keepdims)
        return total / reduce_ops.reduce_sum(m, steps, keepdims=self.keepdims)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None


class GlobalMaxPooling1D(_GlobalPooling):
    """The maximum over the steps (TF's `keras.layers.GlobalMaxPooling1D`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.GlobalMaxPooling1D()(np.ones((2, 5, 3))).shape
        TensorShape([2, 3])
    """

    _rank = 1
    _reduce = staticmethod(reduce_ops.reduce_max)

"""Adaptive pooling layers (Keras 3): AdaptiveAveragePooling1D/2D/3D and
AdaptiveMaxPooling1D/2D/3D pool each spatial axis to a fixed `output_size`.

Output cell `j` of an axis of length L covers `[floor(j L / out), ceil((j + 1) L / out))`
(PyTorch's and Keras 3's windows). Each axis is pooled in turn: the windows are gathered
(`[..., out, widest window, ...]`, short windows repeat their first entry) and reduced,
the mean with weights that are 0 on the repeats. The spatial dims must be known.

Example:
    >>> from ember import keras
    >>> keras.layers.AdaptiveAveragePooling2D(4)(keras.Input((9, 7, 3))).shape
    TensorShape([None, 4, 4, 3])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core.errors import ShapeError
from ...prims.convert import cast
from ...prims.gather import gather
from ...prims.reduce import reduce_max, reduce_sum
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from .convolutional import check_data_format

__all__ = ["AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
           "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"]


def _windows(n: int, out: int) -> tuple:
    """(index [out, widest], weight [out, widest]) of the adaptive windows of one axis."""
    starts = [(j * n) // out for j in range(out)]
    ends = [-(-((j + 1) * n) // out) for j in range(out)]
    wide = max(e - s for s, e in zip(starts, ends))
    index = np.array([[min(s + t, e - 1) for t in range(wide)]
                      for s, e in zip(starts, ends)], np.int32)
    weight = np.array([[1.0 / (e - s) if t < e - s else 0.0 for t in range(wide)]
                       for s, e in zip(starts, ends)])
    return index, weight


class _AdaptivePooling(Layer):
    """Pools each spatial axis to `output_size` (`_rank` axes, `_mode` 'max' or 'avg')."""

    _rank = 1
    _mode = "avg"

    def __init__(self, output_size: Any, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        cls, n = type(self).__name__, self._rank
        vals = (output_size,) * n if isinstance(output_size, int) else tuple(output_size) \
            if isinstance(output_size, (list, tuple)) else None
        if vals is None or len(vals) != n or not all(
                isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in vals):
            raise ValueError(f'Layer "{self.name}" ({cls}): output_size must be a positive '
                             f"int or a tuple of {n} positive ints, received "
                             f"output_size={output_size!r}.")
        self.output_size = vals
        self.data_format = check_data_format(cls, self.name, data_format, channels_first=True)
        self.input_spec = InputSpec(ndim=n + 2)

    def _axes(self) -> list:
        start = 2 if self.data_format == "channels_first" else 1
        return list(range(start, start + self._rank))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = list(input_shape)
        for axis, size in zip(self._axes(), self.output_size):
            shape[axis] = size
        return tuple(shape)

    def call(self, inputs: Any) -> Any:
        x = inputs
        rank = self._rank + 2
        for axis, out in zip(self._axes(), self.output_size):
            n = x.shape[axis]
            if n is None:
                raise ShapeError(
                    f'Layer "{self.name}" ({type(self).__name__}): the spatial dims of the '
                    f"inputs must be known, received input shape {tuple(inputs.shape)} "
                    f"(axis {axis} is None). Give keras.Input a full shape.")
            index, weight = _windows(n, out)
            g = gather(x, index, axis=axis)  # [..., out, widest, ...]
            if self._mode == "max":
                x = reduce_max(g, axis + 1)
            else:
                w = weight.reshape(weight.shape + (1,) * (rank - axis - 1))
                x = reduce_sum(g * cast(w, x.dtype), axis + 1)
        return x

    def get_config(self) -> dict:
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}


class AdaptiveAveragePooling1D(_AdaptivePooling):
    """Average pooling of `(batch, steps, channels)` inputs to `output_size` steps (Keras
    3's `keras.layers.AdaptiveAveragePooling1D`).

    Args:
        output_size: an int or a 1-tuple. data_format: 'channels_last' or 'channels_first'.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> x = np.array([[[1.0], [3.0], [2.0]]])
        >>> keras.layers.AdaptiveAveragePooling1D(2)(x).numpy()[0, :, 0]
        array([2. , 2.5], dtype=float32)
    """


class AdaptiveAveragePooling2D(_AdaptivePooling):
    """Average pooling of 4-D inputs to `output_size` rows and columns (Keras 3's
    `keras.layers.AdaptiveAveragePooling2D`).

    Args:
        output_size: an int or a pair. data_format: 'channels_last' or 'channels_first'.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
        >>> keras.layers.AdaptiveAveragePooling2D(2)(x).numpy()[0, :, :, 0]
        array([[ 2.5,  4.5],
               [10.5, 12.5]], dtype=float32)
    """

    _rank = 2


class AdaptiveAveragePooling3D(_AdaptivePooling):
    """Average pooling of 5-D inputs to `output_size` (Keras 3's
    `keras.layers.AdaptiveAveragePooling3D`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.AdaptiveAveragePooling3D((1, 2, 3))(np.ones((2, 4, 5, 6, 3))).shape
        TensorShape([2, 1, 2, 3, 3])
    """

    _rank = 3


class AdaptiveMaxPooling1D(_AdaptivePooling):
    """Max pooling of `(batch, steps, channels)` inputs to `output_size` steps (Keras 3's
    `keras.layers.AdaptiveMaxPooling1D`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> x = np.array([[[1.0], [3.0], [2.0]]])
        >>> keras.layers.AdaptiveMaxPooling1D(2)(x).numpy()[0, :, 0]
        array([3., 3.], dtype=float32)
    """

    _mode = "max"


class AdaptiveMaxPooling2D(_AdaptivePooling):
    """Max pooling of 4-D inputs to `output_size` rows and columns (Keras 3's
    `keras.layers.AdaptiveMaxPooling2D`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
        >>> keras.layers.AdaptiveMaxPooling2D(2)(x).numpy()[0, :, :, 0]
        array([[ 5.,  7.],
               [13., 15.]], dtype=float32)
    """

    _rank = 2
    _mode = "max"


class AdaptiveMaxPooling3D(_AdaptivePooling):
    """Max pooling of 5-D inputs to `output_size` (Keras 3's
    `keras.layers.AdaptiveMaxPooling3D`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.AdaptiveMaxPooling3D(1)(np.ones((2, 4, 5, 6, 3))).shape
        TensorShape([2, 1, 1, 1, 3])
    """

    _rank = 3
    _mode = "max"

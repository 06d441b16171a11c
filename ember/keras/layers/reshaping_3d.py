"""3-D reshaping layers: ZeroPadding3D, Cropping3D and UpSampling3D, on `(batch, dim1,
dim2, dim3, channels)` inputs (channels_last) or `(batch, channels, dim1, dim2, dim3)`
(channels_first). Written with ember's ops (pad, slicing, repeat), so they run eagerly,
under GradientTape and inside `ember.function` with an unknown batch size.

Example:
    >>> from ember import keras
    >>> x = keras.Input((4, 5, 6, 2))
    >>> keras.layers.ZeroPadding3D(1)(x).shape, keras.layers.Cropping3D(1)(x).shape
    (TensorShape([None, 6, 7, 8, 2]), TensorShape([None, 2, 3, 4, 2]))
    >>> keras.layers.UpSampling3D((1, 2, 1))(x).shape
    TensorShape([None, 4, 10, 6, 2])
"""

from __future__ import annotations

from typing import Any

from ...core.errors import ShapeError
from ...ops.shape_ops import pad, repeat
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from .convolutional import check_data_format

__all__ = ["Cropping3D", "UpSampling3D", "ZeroPadding3D"]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _pairs_3d(layer: Layer, what: str, value: Any) -> tuple:
    """An int, a triple `(d1, d2, d3)` or three pairs `((b1, a1), (b2, a2), (b3, a3))`
    of non-negative ints as three (before, after) pairs."""
    if _is_int(value):
        value = (value,) * 3
    ok = isinstance(value, (list, tuple)) and len(value) == 3
    if ok and all(_is_int(v) for v in value):
        value = tuple((v, v) for v in value)
    ok = ok and all(isinstance(v, (list, tuple)) and len(v) == 2 and
                    all(_is_int(u) and u >= 0 for u in v) for v in value)
    if not ok:
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}): {what} must be a '
                         f"non-negative int, a triple (dim1, dim2, dim3) or three pairs "
                         f"((before, after), (before, after), (before, after)) of "
                         f"non-negative ints, received {what}={value!r}.")
    return tuple(tuple(v) for v in value)


def _spatial_axes(data_format: str) -> tuple:
    return (2, 3, 4) if data_format == "channels_first" else (1, 2, 3)


class ZeroPadding3D(Layer):
    """Adds zeros around the three spatial dims of 5-D inputs (TF's
    `keras.layers.ZeroPadding3D`).

    Args:
        padding: an int (every side), a triple (symmetric per dim) or three pairs
            `((before, after), ...)`.
        data_format: 'channels_last' or 'channels_first'.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.ZeroPadding3D(((1, 0), (0, 0), (0, 1)))(np.ones((1, 1, 1, 1, 1))
        ...     ).numpy()[0, ..., 0]
        array([[[0., 0.]],
        <BLANKLINE>
               [[1., 0.]]], dtype=float32)
    """

    def __init__(self, padding: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.padding = _pairs_3d(self, "padding", padding)
        self.data_format = check_data_format("ZeroPadding3D", self.name, data_format,
                                             channels_first=True)
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs: Any) -> Any:
        pads = [[0, 0]] * 5
        for axis, p in zip(_spatial_axes(self.data_format), self.padding):
            pads[axis] = list(p)
        return pad(inputs, pads)

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding,
                "data_format": self.data_format}


class Cropping3D(Layer):
    """Removes entries at the borders of the three spatial dims of 5-D inputs (TF's
    `keras.layers.Cropping3D`).

    Args:
        cropping: an int (every side), a triple (symmetric per dim) or three pairs
            `((before, after), ...)`.
        data_format: 'channels_last' or 'channels_first'.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> x = np.arange(27.0).reshape(1, 3, 3, 3, 1)
        >>> keras.layers.Cropping3D(((1, 1), (0, 2), (2, 0)))(x).numpy().ravel()
        array([11.], dtype=float32)
    """

    def __init__(self, cropping: Any = ((1, 1), (1, 1), (1, 1)),
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.cropping = _pairs_3d(self, "cropping", cropping)
        self.data_format = check_data_format("Cropping3D", self.name, data_format,
                                             channels_first=True)
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs: Any) -> Any:
        index: list = [slice(None)] * 5
        for axis, (a, b) in zip(_spatial_axes(self.data_format), self.cropping):
            dim = inputs.shape[axis]
            if dim is not None and a + b >= dim:
                raise ShapeError(
                    f'Layer "{self.name}" (Cropping3D): the cropping {(a, b)} of axis {axis} '
                    f"removes {a + b} entries, but the input has only {dim} there (input "
                    f"shape {tuple(inputs.shape)}, cropping {self.cropping}); the output "
                    f"would be empty. Use a smaller cropping or a larger input.")
            index[axis] = slice(a, (dim - b) if dim is not None else (-b if b else None))
        return inputs[tuple(index)]

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}


class UpSampling3D(Layer):
    """Repeats each entry of the three spatial dims `size` times (nearest neighbour)
    (TF's `keras.layers.UpSampling3D`).

    Args:
        size: an int or a triple of positive ints.
        data_format: 'channels_last' or 'channels_first'.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.UpSampling3D(2)(np.ones((1, 1, 2, 3, 4))).shape
        TensorShape([1, 2, 4, 6, 4])
    """

    def __init__(self, size: Any = (2, 2, 2), data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        vals = (size,) * 3 if _is_int(size) else tuple(size) \
            if isinstance(size, (list, tuple)) else None
        if vals is None or len(vals) != 3 or not all(_is_int(v) and v > 0 for v in vals):
            raise ValueError(f'Layer "{self.name}" (UpSampling3D): size must be a positive '
                             f"int or a triple of positive ints, received size={size!r}.")
        self.size = vals
        self.data_format = check_data_format("UpSampling3D", self.name, data_format,
                                             channels_first=True)
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs: Any) -> Any:
        y = inputs
        for axis, n in zip(_spatial_axes(self.data_format), self.size):
            y = repeat(y, n, axis=axis)
        return y

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}

"""More reshaping layers: ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D, TimeDistributed.

All are channels_last: 1-D layers take `(batch, steps, features)`, 2-D layers take
`(batch, rows, cols, channels)`. They are written with ember's ops (pad, slicing, repeat,
reshape), so they run eagerly, under GradientTape and inside `ember.function` with an
unknown batch size.

Example:
    >>> from ember import keras
    >>> x = keras.Input((4, 5, 3))
    >>> keras.layers.ZeroPadding2D(1)(x).shape, keras.layers.Cropping2D(1)(x).shape
    (TensorShape([None, 6, 7, 3]), TensorShape([None, 2, 3, 3]))
    >>> keras.layers.UpSampling2D(2)(x).shape
    TensorShape([None, 8, 10, 3])
"""

from __future__ import annotations

from typing import Any

from ...core.errors import ShapeError
from ...prims.index import dim_of
from ...ops.image_ops import resize
from ...ops.shape_ops import pad, repeat, reshape
from ...prims.convert import cast
from ..config import image_data_format
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from .serialization import deserialize, serialize

__all__ = ["Cropping1D", "Cropping2D", "TimeDistributed", "UpSampling1D", "UpSampling2D",
           "ZeroPadding1D", "ZeroPadding2D"]

_ALL = slice(None)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _pair(layer: Layer, what: str, value: Any) -> tuple:
    """An int `n` or a pair `(a, b)` of non-negative ints as the pair `(a, b)`."""
    vals = (value, value) if _is_int(value) else tuple(value) \
        if isinstance(value, (list, tuple)) else None
    if vals is None or len(vals) != 2 or not all(_is_int(v) and v >= 0 for v in vals):
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}): {what} must be a '
                         f"non-negative int or a pair (before, after) of non-negative "
                         f"ints, received {what}={value!r}.")
    return vals


def _pairs_2d(layer: Layer, what: str, value: Any) -> tuple:
    """An int, a pair `(h, w)` or `((top, bottom), (left, right))` as the latter."""
    if _is_int(value):
        value = (value, value)
    ok = isinstance(value, (list, tuple)) and len(value) == 2
    if ok and all(_is_int(v) for v in value):
        value = ((value[0], value[0]), (value[1], value[1]))
    ok = ok and all(isinstance(v, (list, tuple)) and len(v) == 2 and
                    all(_is_int(u) and u >= 0 for u in v) for v in value)
    if not ok:
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}): {what} must be a '
                         f"non-negative int, a pair (rows, cols) or a pair of pairs "
                         f"((top, bottom), (left, right)), received {what}={value!r}.")
    return tuple(tuple(v) for v in value)


def _channels_last(layer: Layer, data_format: Any) -> str:
    fmt = image_data_format() if data_format is None else data_format
    if fmt == "channels_first":
        raise NotImplementedError(
            f'Layer "{layer.name}" ({type(layer).__name__}): data_format="channels_first" '
            f"is not supported; ember's layers are channels_last. Transpose the inputs, "
            f'e.g. ember.transpose(x, [0, 2, 3, 1]), and use "channels_last".')
    if fmt != "channels_last":
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}): data_format must '
                         f'be "channels_last" or "channels_first", received '
                         f"data_format={data_format!r}.")
    return fmt


# -- zero padding --------------------------------------------------------------------------

class ZeroPadding1D(Layer):
    """Adds zeros before and after the steps axis of `(batch, steps, features)` inputs
    (TF's `keras.layers.ZeroPadding1D`).

    Args:
        padding: an int (the same on both sides) or a pair `(left, right)`.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.ZeroPadding1D((1, 2))(np.ones((1, 2, 1))).numpy()[0, :, 0]
        array([0., 1., 1., 0., 0.], dtype=float32)
    """

    def __init__(self, padding: Any = 1, **kwargs: Any):
        super().__init__(**kwargs)
        self.padding = _pair(self, "padding", padding)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs: Any) -> Any:
        return pad(inputs, [[0, 0], list(self.padding), [0, 0]])

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding}


class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros around `(batch, rows, cols, channels)` inputs (TF's
    `keras.layers.ZeroPadding2D`).

    Args:
        padding: an int (all four sides), a pair `(rows, cols)` (symmetric) or
            `((top, bottom), (left, right))`.
        data_format: 'channels_last' only (channels_first raises NotImplementedError).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> layer = keras.layers.ZeroPadding2D(((1, 0), (0, 1)))
        >>> layer(np.ones((1, 1, 1, 1))).numpy()[0, ..., 0]
        array([[0., 0.],
               [1., 0.]], dtype=float32)
    """

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.padding = _pairs_2d(self, "padding", padding)
        self.data_format = _channels_last(self, data_format)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Any) -> Any:
        return pad(inputs, [[0, 0], list(self.padding[0]), list(self.padding[1]), [0, 0]])

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding,
                "data_format": self.data_format}


# -- cropping ------------------------------------------------------------------------------

def _crop(layer: Layer, x: Any, crops: tuple) -> Any:
    """`x` cropped by `crops[i] = (before, after)` along axis i + 1; raises when a crop
    leaves nothing of a known dim."""
    index: list = [_ALL]
    for axis, (a, b) in enumerate(crops, start=1):
        dim = x.shape[axis]
        if dim is not None and a + b >= dim:
            raise ShapeError(
                f'Layer "{layer.name}" ({type(layer).__name__}): the cropping {(a, b)} of '
                f"axis {axis} removes {a + b} entries, but the input has only {dim} there "
                f"(input shape {tuple(x.shape)}, cropping {layer.cropping}); the output "
                f"would be empty. Use a smaller cropping or a larger input.")
        stop = (dim - b) if dim is not None else (-b if b else None)
        index.append(slice(a, stop))
    return x[tuple(index)]


class Cropping1D(Layer):
    """Removes entries at the start and end of the steps axis of `(batch, steps,
    features)` inputs (TF's `keras.layers.Cropping1D`).

    Args:
        cropping: an int (both ends) or a pair `(start, end)`.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.Cropping1D((1, 2))(np.arange(5.0).reshape(1, 5, 1)).numpy()[0, :, 0]
        array([1., 2.], dtype=float32)
    """

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any):
        super().__init__(**kwargs)
        self.cropping = _pair(self, "cropping", cropping)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs: Any) -> Any:
        return _crop(self, inputs, (self.cropping,))

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": self.cropping}


class Cropping2D(Layer):
    """Removes rows and columns at the borders of `(batch, rows, cols, channels)` inputs
    (TF's `keras.layers.Cropping2D`).

    Args:
        cropping: an int (all four sides), a pair `(rows, cols)` (symmetric) or
            `((top, bottom), (left, right))`.
        data_format: 'channels_last' only (channels_first raises NotImplementedError).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
        >>> keras.layers.Cropping2D(((1, 2), (0, 1)))(x).numpy()[0, ..., 0]
        array([[4., 5., 6.]], dtype=float32)
    """

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.cropping = _pairs_2d(self, "cropping", cropping)
        self.data_format = _channels_last(self, data_format)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Any) -> Any:
        return _crop(self, inputs, self.cropping)

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}


# -- upsampling ----------------------------------------------------------------------------

def _positive(layer: Layer, what: str, value: Any, n: int) -> tuple:
    vals = (value,) * n if _is_int(value) else tuple(value) \
        if isinstance(value, (list, tuple)) else None
    if vals is None or len(vals) != n or not all(_is_int(v) and v > 0 for v in vals):
        want = "a positive int" if n == 1 else \
            f"a positive int or a tuple of {n} positive ints"
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}): {what} must be '
                         f"{want}, received {what}={value!r}.")
    return vals


class UpSampling1D(Layer):
    """Repeats each step `size` times: `(batch, steps, features)` -> `(batch, steps * size,
    features)` (TF's `keras.layers.UpSampling1D`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.UpSampling1D(2)(np.array([[[1.0], [2.0]]])).numpy()[0, :, 0]
        array([1., 1., 2., 2.], dtype=float32)
    """

    def __init__(self, size: int = 2, **kwargs: Any):
        super().__init__(**kwargs)
        self.size = _positive(self, "size", size, 1)[0]
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs: Any) -> Any:
        return repeat(inputs, self.size, axis=1)

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size}


class UpSampling2D(Layer):
    """Repeats rows `size[0]` times and columns `size[1]` times (nearest neighbour) in
    `(batch, rows, cols, channels)` inputs (TF's `keras.layers.UpSampling2D`).

    Args:
        size: an int or a pair `(rows, cols)` of positive ints.
        data_format: 'channels_last' only (channels_first raises NotImplementedError).
        interpolation: 'nearest', or 'bilinear' (`tf.image.resize`'s half-pixel centres,
            as Keras 3; needs known rows and cols); others raise NotImplementedError.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.UpSampling2D((1, 2))(np.array([[[[1.0], [2.0]]]])).numpy()[0, ..., 0]
        array([[1., 1., 2., 2.]], dtype=float32)
    """

    def __init__(self, size: Any = (2, 2), data_format: str | None = None,
                 interpolation: str = "nearest", **kwargs: Any):
        super().__init__(**kwargs)
        self.size = _positive(self, "size", size, 2)
        self.data_format = _channels_last(self, data_format)
        if interpolation in ("bicubic", "area", "gaussian", "lanczos3", "lanczos5",
                             "mitchellcubic"):
            raise NotImplementedError(
                f'Layer "{self.name}" (UpSampling2D): interpolation={interpolation!r} is not '
                f'supported yet; use "nearest" or "bilinear".')
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f'Layer "{self.name}" (UpSampling2D): interpolation must be '
                             f'"nearest" or "bilinear", received '
                             f"interpolation={interpolation!r}.")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Any) -> Any:
        if self.interpolation == "bilinear":
            h, w = inputs.shape[1], inputs.shape[2]
            if h is None or w is None:
                raise ShapeError(f'Layer "{self.name}" (UpSampling2D): bilinear '
                                 f"interpolation needs known rows and cols, received "
                                 f"shape {inputs.shape}; give the Input a full image shape.")
            out = resize(inputs, [h * self.size[0], w * self.size[1]], "bilinear")
            return out if out.dtype == inputs.dtype else cast(out, inputs.dtype)
        return repeat(repeat(inputs, self.size[0], axis=1), self.size[1], axis=2)

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


# -- TimeDistributed -----------------------------------------------------------------------

def _reshape_parts(x: Any, parts: list) -> Any:
    """`x` reshaped to `parts` (ints and scalar int tensors); a single unknown part
    becomes -1 so the reshape stays static."""
    unknown = [i for i, p in enumerate(parts) if not _is_int(p)]
    if len(unknown) <= 1 and not any(_is_int(p) and p == -1 for p in parts):
        return reshape(x, [-1 if i in unknown else p for i, p in enumerate(parts)])
    return reshape(x, parts)


class TimeDistributed(Layer):
    """Applies `layer` to every time step (axis 1) of the inputs (TF's
    `keras.layers.TimeDistributed`).

    The inputs `(batch, time, ...)` are reshaped to `(batch * time, ...)`, passed through
    `layer` and reshaped back to `(batch, time, ...)`, so one set of weights (the inner
    layer's) serves every step. The batch and time sizes may be unknown (None).

    Args:
        layer: a Layer instance, applied to inputs of shape `(batch, ...)`.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> td = keras.layers.TimeDistributed(keras.layers.Dense(4))
        >>> td(np.zeros((2, 5, 3))).shape, [w.shape for w in td.weights]
        (TensorShape([2, 5, 4]), [TensorShape([3, 4]), TensorShape([4])])
    """

    def __init__(self, layer: Layer, **kwargs: Any):
        if not isinstance(layer, Layer):
            raise TypeError(f"TimeDistributed: `layer` must be a keras Layer instance, "
                            f"received {layer!r}. Pass e.g. TimeDistributed(Dense(4)).")
        super().__init__(**kwargs)
        self.layer = layer
        self.input_spec = InputSpec(min_ndim=3)

    def _check(self, shape: Any) -> None:
        if not hasattr(shape, "__len__") or any(
                isinstance(d, (list, tuple)) for d in shape):
            raise NotImplementedError(
                f'Layer "{self.name}" (TimeDistributed): only a single input tensor is '
                f"supported, received input shape(s) {shape!r}.")

    def build(self, input_shape: Any) -> None:
        self._check(input_shape)
        shape = tuple(input_shape)
        if len(shape) < 3:
            raise ShapeError(
                f'Layer "{self.name}" (TimeDistributed): the inputs must have rank >= 3 '
                f"(batch, time, ...), received input shape {shape}.")
        if not self.layer.built:
            inner = (None,) + shape[2:]
            self.layer.build(inner)
            self.layer.built = True
            if self.layer._build_input_shape is None:
                self.layer._build_input_shape = inner
        super().build(input_shape)

    def call(self, inputs: Any, training: Any = None) -> Any:
        x = inputs
        rank = len(x.shape)
        flat = _reshape_parts(x, [-1] + [dim_of(x, i) for i in range(2, rank)]) \
            if any(x.shape[i] is None for i in range(2, rank)) else \
            reshape(x, [-1] + list(x.shape)[2:])
        kwargs = {} if training is None else {"training": training}
        y = self.layer(flat, **kwargs)
        if not hasattr(y, "shape") or isinstance(y, (list, tuple, dict)):
            raise NotImplementedError(
                f'Layer "{self.name}" (TimeDistributed): the inner layer '
                f'"{self.layer.name}" returned {type(y).__name__}; only layers that '
                f"return a single tensor are supported.")
        parts = [dim_of(x, 0), dim_of(x, 1)] + [dim_of(y, i) for i in range(1, len(y.shape))]
        return _reshape_parts(y, parts)

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> TimeDistributed:
        """A new TimeDistributed from `get_config()`'s dict; the inner layer is rebuilt by
        `keras.layers.deserialize` (`custom_objects` maps names of your layer classes)."""
        config = dict(config)
        layer = deserialize(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)

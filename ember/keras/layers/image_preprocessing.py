"""Deterministic image preprocessing layers (Keras 3): Resizing, CenterCrop, AutoContrast,
Equalization, Solarization, MaxNumBoundingBoxes and Pipeline.

Resizing, CenterCrop, AutoContrast and Equalization transform the images on every call
(training or not); Solarization acts only when training, as Keras'. Images are rank 3
(one image) or rank 4 (a batch), laid out by `data_format` (default
`keras.config.image_data_format()`). See `_image_base.py` for the shared call pipeline.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> keras.layers.Resizing(2, 3)(np.zeros((4, 4, 3), "float32")).shape
    TensorShape([2, 3, 3])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ops import math_ops as m
from ...ops import reduce_ops as r
from ...ops import shape_ops as s
from ...ops.creation_ops import ones, zeros
from ...ops.gather_ops import gather, tensor_scatter_nd_add
from ...ops.linalg_ops import tensordot
from ...prims.convert import cast
from ..engine.keras_tensor import KerasTensor
from ..engine.layer import Layer
from ..ops import image as kimage
from ..random import uniform
from ._image_base import (BaseImageLayer, batch_index, batch_size, c, choice_of, clip, dims,
                          factor_range, per_image, rescale, size_of, spatial, value_range_of,
                          who)

__all__ = ["AutoContrast", "CenterCrop", "Equalization", "MaxNumBoundingBoxes", "Pipeline",
           "Resizing", "Solarization"]

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5", "area")


def _area_weights(n_in: int, n_out: int) -> np.ndarray:
    """TF's area resampling: output j averages the input over [j, j + 1) * n_in / n_out."""
    scale = n_in / n_out
    lo = np.arange(n_out)[None, :] * scale
    hi = lo + scale
    i = np.arange(n_in)[:, None]
    overlap = np.clip(np.minimum(i + 1, hi) - np.maximum(i, lo), 0, None)
    return (overlap / scale).astype(np.float32)


def _aspect(x: Any, th: int, tw: int, crop: bool, fill: float) -> Any:
    """A channels_last batch cropped (centred) or padded (evenly) to the aspect th / tw."""
    h, w = int(x.shape[1]), int(x.shape[2])
    if crop:
        ch = max(min(h, int(float(w * th) / tw)), 1)
        cw = max(min(w, int(float(h * tw) / th)), 1)
        top, left = int(float(h - ch) / 2), int(float(w - cw) / 2)
        return x[:, top:top + ch, left:left + cw, :]
    ph, pw = max(h, int(float(w * th) / tw)), max(w, int(float(h * tw) / th))
    top, left = int(float(ph - h) / 2), int(float(pw - w) / 2)
    if top > 0:
        return s.pad(x, [[0, 0], [top, top], [0, 0], [0, 0]], constant_values=c(x, fill))
    if left > 0:
        return s.pad(x, [[0, 0], [0, 0], [left, left], [0, 0]], constant_values=c(x, fill))
    return x


def _resize_area(x: Any, th: int, tw: int) -> Any:
    f = x if x.dtype.is_floating else cast(x, "float32")
    for axis, n in ((1, th), (2, tw)):
        if f.shape[axis] == n:
            continue
        wts = cast(_area_weights(int(f.shape[axis]), n), f.dtype)
        y = tensordot(f, wts, [[axis], [0]])  # the new axis comes last
        perm = [0, 1, 2]
        perm.insert(axis, 3)
        f = s.transpose(y, perm)
    if x.dtype.is_floating:
        return f
    info = np.iinfo(x.dtype.as_numpy_dtype)
    return cast(clip(m.round(f), max(float(info.min), -2.0 ** 31), float(info.max)), x.dtype)


class Resizing(BaseImageLayer):
    """Resizes images to `(height, width)` (Keras 3's `keras.layers.Resizing`).

    Args:
        height, width: the output size.
        interpolation: "bilinear" (default), "nearest", "bicubic", "lanczos3",
            "lanczos5" (as Keras 3's resize) or "area" (TF's box averaging).
        crop_to_aspect_ratio: crop the largest centred window of the target aspect
            ratio first, so the image is not distorted.
        pad_to_aspect_ratio: pad evenly (with `fill_value`) to the target aspect ratio
            first instead.
        fill_mode: only "constant".
        fill_value: the padding value of `pad_to_aspect_ratio`.
        antialias: low-pass filter when downsampling (not with "nearest" / "area").
        data_format: "channels_last" or "channels_first".

    The output keeps the input's dtype (integers are rounded), as Keras'.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.array([[[0.0], [1.0]]], "float32")
        >>> keras.layers.Resizing(1, 4)(x)[0, :, 0].numpy()
        array([0.  , 0.25, 0.75, 1.  ], dtype=float32)
    """

    _RANDOM = False
    _KEEP_DTYPE = True

    def __init__(self, height: int, width: int, interpolation: str = "bilinear",
                 crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
                 fill_mode: str = "constant", fill_value: float = 0.0, antialias: bool = False,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        self.height = size_of(self, "height", height)
        self.width = size_of(self, "width", width)
        self.interpolation = choice_of(self, "interpolation", interpolation,
                                       RESIZE_INTERPOLATIONS)
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(f"{who(self)}: only one of crop_to_aspect_ratio and "
                             f"pad_to_aspect_ratio can be True.")
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = choice_of(self, "fill_mode", fill_mode, ("constant",))
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def _output_hw(self, h: Any, w: Any) -> tuple:
        return self.height, self.width

    def _apply(self, x: Any, params: Any = None, interpolation: str | None = None) -> Any:
        method = interpolation or self.interpolation
        if x.shape[1] is None or x.shape[2] is None:
            return self._resize_dynamic(x, method)
        spatial(self, x)
        if method != "area":
            return kimage.resize(x, (self.height, self.width), interpolation=method,
                                 antialias=self.antialias,
                                 crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                                 pad_to_aspect_ratio=self.pad_to_aspect_ratio,
                                 fill_value=self.fill_value, data_format="channels_last")
        if self.crop_to_aspect_ratio or self.pad_to_aspect_ratio:
            x = _aspect(x, self.height, self.width, self.crop_to_aspect_ratio,
                        self.fill_value)
        return _resize_area(x, self.height, self.width)

    def _apply_masks(self, masks: Any, params: Any) -> Any:
        return self._apply(masks, params, "nearest")

    def _resize_dynamic(self, x: Any, method: str) -> Any:
        """Bilinear / nearest resizing of images whose height or width is known only when
        the graph runs (half-pixel centres, edges clamped: Keras' values)."""
        if method not in ("bilinear", "nearest") or self.antialias or \
                self.crop_to_aspect_ratio or self.pad_to_aspect_ratio:
            raise ValueError(
                f"{who(self)}: images of unknown height or width (shape "
                f"{tuple(x.shape)}) can only be resized with interpolation 'bilinear' or "
                f"'nearest', without antialias or aspect-ratio cropping / padding. Give "
                f"keras.Input the image size, or resize the data before the model.")
        f = x if x.dtype.is_floating else cast(x, "float32")
        size = s.shape(f)
        for axis, n in ((1, self.height), (2, self.width)):
            n_in = size[axis]
            last = m.subtract(n_in, 1)
            scale = m.truediv(cast(n_in, f.dtype), c(f, float(n)))
            centres = cast(np.arange(n, dtype=np.float32) + 0.5, f.dtype)
            if method == "nearest":
                idx = m.minimum(cast(m.floor(m.multiply(centres, scale)), "int32"), last)
                f = gather(f, idx, axis=axis)
                continue
            src = clip(m.subtract(m.multiply(centres, scale), c(f, 0.5)), 0.0, 1e9)
            src = m.minimum(src, cast(last, f.dtype))
            lo = m.floor(src)
            frac = s.reshape(m.subtract(src, lo), [1, n, 1, 1] if axis == 1 else [1, 1, n, 1])
            lo_i = cast(lo, "int32")
            hi_i = m.minimum(m.add(lo_i, 1), last)
            a, b = gather(f, lo_i, axis=axis), gather(f, hi_i, axis=axis)
            f = m.add(m.multiply(a, m.subtract(c(f, 1.0), frac)), m.multiply(b, frac))
        if x.dtype.is_floating or method == "nearest":
            return cast(f, x.dtype) if f.dtype != x.dtype else f
        return cast(m.round(f), x.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


def smart_resize(x: Any, height: int, width: int) -> Any:
    """A channels_last batch cropped to the aspect ratio height / width, then resized
    (bilinear) to (height, width): Keras' `smart_resize`."""
    return kimage.resize(x, (height, width), interpolation="bilinear",
                         crop_to_aspect_ratio=True, data_format="channels_last")


class CenterCrop(BaseImageLayer):
    """Crops the central `(height, width)` window of the images (Keras 3's
    `keras.layers.CenterCrop`); an image smaller than that is cropped to the aspect ratio
    and resized up instead. The output is in the layer's dtype.

    Args:
        height, width: the output size.
        data_format: "channels_last" or "channels_first".

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.arange(16.0, dtype="float32").reshape(4, 4, 1)
        >>> keras.layers.CenterCrop(2, 2)(x)[..., 0].numpy()
        array([[ 5.,  6.],
               [ 9., 10.]], dtype=float32)
    """

    _RANDOM = False
    _GEOMETRIC = True

    def __init__(self, height: int, width: int, data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        self.height = size_of(self, "height", height)
        self.width = size_of(self, "width", width)

    def _output_hw(self, h: Any, w: Any) -> tuple:
        return self.height, self.width

    def _apply(self, x: Any, params: Any = None, interpolation: str = "bilinear") -> Any:
        h, w = x.shape[1], x.shape[2]
        if h is None or w is None:  # known when the graph runs: crop (no upscaling)
            size = s.shape(x)
            for axis, n in ((1, self.height), (2, self.width)):
                start = m.floordiv(m.subtract(size[axis], n), 2)
                idx = m.add(cast(np.arange(n, dtype=np.int32), "int32"), start)
                x = gather(x, idx, axis=axis)
            return x
        if h >= self.height and w >= self.width:
            top, left = (h - self.height) // 2, (w - self.width) // 2
            return x[:, top:top + self.height, left:left + self.width, :]
        return smart_resize(x, self.height, self.width)

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width}


class AutoContrast(BaseImageLayer):
    """Stretches each channel of each image to the full `value_range` (its minimum to
    the low end, its maximum to the high end); a constant channel is left as is (Keras
    3's `keras.layers.AutoContrast`).

    Args:
        value_range: the range of the image values, e.g. (0, 255) or (0, 1).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.array([[[0.2], [0.6]]], "float32")
        >>> keras.layers.AutoContrast(value_range=(0, 1))(x)[0, :, 0].numpy()
        array([0., 1.], dtype=float32)
    """

    _RANDOM = False

    def __init__(self, value_range: Any = (0, 255), data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range_of(self, value_range)

    def _apply(self, x: Any, params: Any = None) -> Any:
        v = rescale(x, self.value_range, (0, 255))
        low = r.reduce_min(v, axis=[1, 2], keepdims=True)
        high = r.reduce_max(v, axis=[1, 2], keepdims=True)
        spread = m.greater(high, low)
        scale = m.truediv(c(v, 255.0), m.where(spread, m.subtract(high, low), c(v, 1.0)))
        out = clip(m.multiply(m.subtract(v, low), scale), 0.0, 255.0)
        out = rescale(out, (0, 255), self.value_range)
        return m.where(spread, out, x)

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range}


class Equalization(BaseImageLayer):
    """Histogram equalization of each channel of each image (Keras 3's
    `keras.layers.Equalization`): values are remapped by their channel's cumulative
    histogram over `bins` bins so they spread over `value_range`; a channel with a single
    occupied bin is left as is.

    Unlike Keras 3 (whose histogram spans the whole batch, and which passes images
    through when not training), each image is equalized on its own, on every call.

    Args:
        value_range: the range of the image values, e.g. (0, 255) or (0, 1).
        bins: the number of histogram bins (default 256).
        data_format: "channels_last" or "channels_first".

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.array([[[0.0], [0.0], [64.0], [128.0]]], "float32")
        >>> keras.layers.Equalization()(x)[0, :, 0].numpy()
        array([  0.,   0., 128., 255.], dtype=float32)
    """

    _RANDOM = False

    def __init__(self, value_range: Any = (0, 255), bins: int = 256,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = size_of(self, "bins", bins)
        self.value_range = value_range_of(self, value_range)

    def _apply(self, x: Any, params: Any = None) -> Any:
        bins = self.bins
        v = cast(rescale(x, self.value_range, (0, 255)), "float32")
        ch = int(x.shape[3])
        hist_idx = clip(cast(m.truediv(m.multiply(v, c(v, bins - 1)), c(v, 255.0)), "int32"),
                        0, bins - 1)
        slot = m.add(m.multiply(s.reshape(batch_index(x), [-1, 1, 1, 1]), ch),
                     cast(np.arange(ch, dtype=np.int32), "int32"))  # (b, 1, 1, c)
        flat = s.reshape(m.add(m.multiply(slot, bins), hist_idx), [-1, 1])
        b = batch_size(x)
        total = b * ch * bins if isinstance(b, int) else m.multiply(b, ch * bins)
        hist = tensor_scatter_nd_add(zeros(dims(total), "float32"), flat,
                                     ones(s.shape(flat)[:1], "float32"))
        hist = s.reshape(hist, [-1, ch, bins])
        occupied = r.reduce_sum(cast(m.greater(hist, c(hist, 0.0)), "int32"), axis=-1)
        cdf = r.cumsum(hist, axis=-1)
        cdf_min = r.reduce_min(m.where(m.greater(cdf, c(cdf, 0.0)), cdf, c(cdf, np.inf)),
                               axis=-1, keepdims=True)
        denom = m.subtract(cdf[..., -1:], cdf_min)
        denom = m.where(m.equal(denom, c(denom, 0.0)), c(denom, 1.0), denom)
        lut = clip(m.round(m.truediv(m.multiply(m.subtract(cdf, cdf_min), c(cdf, 255.0)),
                                     denom)), 0.0, 255.0)
        lut_idx = cast(clip(m.multiply(m.truediv(v, c(v, 255.0)), c(v, bins - 1)), 0,
                            bins - 1), "int32")
        eq = gather(s.reshape(lut, [-1]), m.add(m.multiply(slot, bins), lut_idx))
        keep = s.reshape(m.less_equal(occupied, 1), [-1, 1, 1, ch])
        eq = m.where(keep, v, eq)
        return cast(rescale(eq, (0, 255), self.value_range), x.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "bins": self.bins, "value_range": self.value_range}


class Solarization(BaseImageLayer):
    """Solarizes images when training (Keras 3's `keras.layers.Solarization`): a random
    `addition` is added to each image (values clipped), then values at or above a random
    `threshold` are inverted (`255 - v`, in a 0-255 scale).

    Args:
        addition_factor: a number f or a range (lower, upper) in [0, 1]; the addition is
            drawn from it (a number means (0, f)) and scaled by 255.
        threshold_factor: as addition_factor, for the threshold; the default 0 inverts
            every value.
        value_range: the range of the image values.
        seed: an int for reproducible draws.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.Solarization(threshold_factor=(0.5, 0.5))
        >>> layer(np.array([[[50.0], [200.0]]]), training=True)[0, :, 0].numpy()
        array([50., 55.], dtype=float32)
    """

    def __init__(self, addition_factor: Any = 0.0, threshold_factor: Any = 0.0,
                 value_range: Any = (0, 255), seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.addition_factor = factor_range(self, addition_factor, "addition_factor", 0, 1,
                                            "from_lo")
        self.threshold_factor = factor_range(self, threshold_factor, "threshold_factor", 0, 1,
                                             "from_lo")
        self.value_range = value_range_of(self, value_range)

    def _draw(self, x: Any) -> Any:
        shape = dims(batch_size(x))
        dt = x.dtype.name
        (a0, a1), (t0, t1) = self.addition_factor, self.threshold_factor
        return (uniform(shape, a0 * 255.0, a1 * 255.0, dtype=dt, seed=self.generator),
                uniform(shape, t0 * 255.0, t1 * 255.0, dtype=dt, seed=self.generator))

    def _apply(self, x: Any, params: Any) -> Any:
        additions, thresholds = params
        v = rescale(x, self.value_range, (0, 255))
        v = clip(m.add(v, per_image(additions)), 0.0, 255.0)
        v = m.where(m.less(v, per_image(thresholds)), v, m.subtract(c(v, 255.0), v))
        return rescale(v, (0, 255), self.value_range)

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "addition_factor": self.addition_factor,
                "threshold_factor": self.threshold_factor, "seed": self.seed}


class MaxNumBoundingBoxes(BaseImageLayer):
    """Pads (with `fill_value`) or truncates the bounding boxes of each image to
    `max_number` boxes, so batches of boxes have one shape (Keras 3's
    `keras.layers.MaxNumBoundingBoxes`). Images pass through unchanged.

    Takes a dict `{"images": ..., "bounding_boxes": {"boxes": (batch, n, 4),
    "labels": (batch, n)}}` (or unbatched `(n, 4)` / `(n,)`), or images alone.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> data = {"images": np.zeros((1, 4, 4, 3), "float32"),
        ...         "bounding_boxes": {"boxes": np.ones((1, 1, 4), "float32"),
        ...                            "labels": np.array([[2]], "int32")}}
        >>> keras.layers.MaxNumBoundingBoxes(3)(data)["bounding_boxes"]["labels"].numpy()
        array([[ 2, -1, -1]], dtype=int32)
    """

    _RANDOM = False

    def __init__(self, max_number: int, fill_value: int = -1, data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        self.max_number = size_of(self, "max_number", max_number)
        self.fill_value = int(fill_value)

    def _fit(self, t: Any, axis: int) -> Any:
        n = t.shape[axis]
        if n is None:
            raise ValueError(f"{who(self)}: needs a known number of boxes (axis {axis}), "
                             f"received shape {tuple(t.shape)}.")
        if n >= self.max_number:
            index = [slice(None)] * t.shape.rank
            index[axis] = slice(0, self.max_number)
            return t[tuple(index)]
        pads = [[0, 0]] * t.shape.rank
        pads[axis] = [0, self.max_number - n]
        return s.pad(t, pads, constant_values=cast(self.fill_value, t.dtype))

    def call(self, inputs: Any, training: Any = None) -> Any:
        if not isinstance(inputs, dict) or "bounding_boxes" not in inputs:
            return inputs
        boxes = inputs["bounding_boxes"]
        if not isinstance(boxes, dict) or set(boxes) - {"boxes", "labels"}:
            raise ValueError(f"{who(self)}: bounding_boxes must be a dict with 'boxes' and "
                             f"'labels', received {boxes!r}.")
        out = dict(inputs)
        fitted = {}
        for key, t in boxes.items():
            axis = 1 if t.shape.rank == (3 if key == "boxes" else 2) else 0
            if isinstance(t, KerasTensor):
                shape = list(t.shape)
                shape[axis] = self.max_number
                fitted[key] = KerasTensor(shape, t.dtype)
            else:
                fitted[key] = self._fit(t, axis)
        out["bounding_boxes"] = fitted
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "max_number": self.max_number,
                "fill_value": self.fill_value}


class Pipeline(Layer):
    """Applies a list of layers in order, passing `training` on (Keras 3's
    `keras.layers.Pipeline`), e.g. a chain of augmentations for `tf.data.Dataset.map`.

    Args:
        layers: the layers, applied first to last.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> pipe = keras.layers.Pipeline([keras.layers.CenterCrop(2, 2),
        ...                               keras.layers.Resizing(4, 4)])
        >>> pipe(np.zeros((1, 6, 6, 3), "float32")).shape
        TensorShape([1, 4, 4, 3])
    """

    def __init__(self, layers: Any, name: str | None = None, **kwargs: Any):
        super().__init__(name=name, **kwargs)
        if not isinstance(layers, (list, tuple)) or not all(
                isinstance(x, Layer) for x in layers):
            raise ValueError(f"{who(self)}: layers must be a list of layers, received "
                             f"layers={layers!r}.")
        self._pipeline_layers = list(layers)

    @property
    def layers(self) -> list:
        return self._pipeline_layers

    def call(self, inputs: Any, training: Any = None) -> Any:
        for layer in self._pipeline_layers:
            inputs = layer(inputs, training=training)
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self) -> dict:
        from .. import serialization_registry as registry
        from .serialization import serialize
        layers = []
        for layer in self._pipeline_layers:
            entry = serialize(layer)
            if registry.builtin_layer_class(type(layer).__name__) is type(layer):
                # Keras 3's schema, so that Keras 3 finds the class too
                entry = {"module": "keras.layers", **entry, "registered_name": None}
            layers.append(entry)
        return {"layers": layers, "name": self.name}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "Pipeline":
        from .serialization import deserialize
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(f"Pipeline.from_config: the config needs 'layers', a list of "
                             f"serialized layers, received layers={layers!r}.")
        config = {k: v for k, v in config.items() if k in ("name",)}
        return cls([x if isinstance(x, Layer) else deserialize(x, custom_objects)
                    for x in layers], **config)

"""The machinery shared by the image preprocessing and augmentation layers (Keras 3's
`BaseImagePreprocessingLayer`): argument checks, the call pipeline and the tensor helpers.

A layer's call takes images (rank 3: one image, rank 4: a batch, laid out by
`data_format`) or a dict with "images" and optionally "labels" / "segmentation_masks".
The pipeline turns the images into a float channels_last batch, asks the layer for its
random parameters (`_draw`, from the layer's `SeedGenerator`) and applies them
(`_apply`), then restores the input's layout. Random layers act when training: as in
Keras 3, their `training` defaults to True, so a direct call `layer(x)` and `model(x)`
augment (what a tutorial plots), `fit` augments, and `predict` / `evaluate` /
`layer(x, training=False)` return the inputs (in the layer's compute dtype). On
KerasTensors only the output shape and dtype are computed.

Every step is an ember op that works on unknown batch sizes, so the layers also run
inside `ember.function`, in `tf.data.Dataset.map` and on the JAX backend.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> x = np.arange(12.0, dtype="float32").reshape(2, 2, 3)
    >>> flip = keras.layers.RandomFlip("horizontal", seed=1)
    >>> bool((flip(x, training=False).numpy() == x).all())  # inference: the identity
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core.dtypes import as_dtype
from ...core.shape import TensorShape
from ...core.tensor import TensorOps
from ...ops import math_ops as m
from ...ops import reduce_ops as r
from ...ops import shape_ops as s
from ...ops.control_flow import cond
from ...ops.creation_ops import ones
from ...ops.gather_ops import gather
from ...prims.convert import cast
from ..config import image_data_format
from ..engine.keras_tensor import KerasTensor
from ..engine.layer import Layer
from ..random import SeedGenerator

__all__: list = []

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
WARP_INTERPOLATIONS = ("nearest", "bilinear")
_DICT_KEYS = ("images", "labels", "segmentation_masks", "bounding_boxes")


# -- argument checks ------------------------------------------------------------------------

def who(layer: Any) -> str:
    """`Layer "name" (Class)`, the start of every error message."""
    name = getattr(layer, "_name", None) or type(layer).__name__
    return f'Layer "{name}" ({type(layer).__name__})'


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def data_format_of(layer: Any, data_format: Any) -> str:
    fmt = image_data_format() if data_format is None else str(data_format).lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(f"{who(layer)}: data_format must be 'channels_last' or "
                         f"'channels_first', received data_format={data_format!r}.")
    return fmt


def seed_of(layer: Any, seed: Any) -> Any:
    if seed is None or isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return None if seed is None else int(seed)
    raise ValueError(f"{who(layer)}: seed must be an int or None, received seed={seed!r}.")


def factor_range(layer: Any, value: Any, name: str, lo: float, hi: float,
                 number: str = "symmetric", open_lo: bool = False) -> tuple:
    """A `(lower, upper)` range from a number or a pair, every number in [lo, hi] (or
    (lo, hi] with `open_lo`). A number f gives (-f, f) ("symmetric"), (max(-f, lo), f)
    ("clipped", Keras' base layers) or (lo, f) ("from_lo")."""
    lo_txt = "(" if open_lo else "["
    example = f"{0.2 * hi:g}" if hi <= 1 else f"{int(hi) // 2}"
    msg = (f"{who(layer)}: {name} must be a number or a pair (lower, upper) of numbers in "
           f"{lo_txt}{lo}, {hi}], received {name}={value!r}. Pass e.g. {name}={example}.")

    def ok(v: Any) -> bool:
        return _is_number(v) and (lo < v if open_lo else lo <= v) and v <= hi

    if isinstance(value, (list, tuple)):
        if len(value) != 2 or not all(ok(v) for v in value):
            raise ValueError(msg)
        a, b = sorted(float(v) if isinstance(v, float) else v for v in value)
        return (a, b)
    if not _is_number(value) or not ok(value):
        raise ValueError(msg)
    f = abs(value)
    if number == "symmetric":
        return (-f, f)
    if number == "clipped":
        return (max(-f, lo), f)
    return (lo, value)


def value_range_of(layer: Any, value_range: Any) -> list:
    if not isinstance(value_range, (list, tuple)) or len(value_range) != 2 or not all(
            _is_number(v) for v in value_range) or value_range[0] == value_range[1]:
        raise ValueError(f"{who(layer)}: value_range must be a pair (min, max) of two "
                         f"different numbers, the range of the image values, e.g. (0, 255) "
                         f"or (0, 1); received value_range={value_range!r}.")
    return sorted(value_range)


def choice_of(layer: Any, name: str, value: Any, choices: tuple) -> str:
    if value not in choices:
        raise ValueError(f"{who(layer)}: {name} must be one of {choices}, received "
                         f"{name}={value!r}.")
    return value


def size_of(layer: Any, name: str, value: Any) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{who(layer)}: {name} must be a positive int, received "
                         f"{name}={value!r}.")
    return int(value)


# -- tensor helpers (images are channels_last batches) ------------------------------------

def batch_size(x: Any) -> Any:
    """The batch size of `x`: an int, or a scalar int32 tensor when unknown."""
    b = x.shape[0]
    return int(b) if b is not None else s.shape(x)[0]


def dims(*ds: Any) -> Any:
    """A shape from ints and scalar tensors (a list when all are ints)."""
    if all(isinstance(d, (int, np.integer)) for d in ds):
        return [int(d) for d in ds]
    return s.stack([cast(d, "int32") if isinstance(d, TensorOps) else d for d in ds])


def batch_index(x: Any) -> Any:
    """`[0, 1, ..., batch - 1]` (int32), also for an unknown batch size."""
    b = batch_size(x)
    if isinstance(b, int):
        return cast(np.arange(b, dtype=np.int32), "int32")
    return m.subtract(r.cumsum(ones(dims(b), "int32")), 1)


def spatial(layer: Any, x: Any) -> tuple:
    """(height, width, channels) of a channels_last batch, all known."""
    h, w, c = x.shape[1], x.shape[2], x.shape[3]
    if h is None or w is None or c is None:
        raise ValueError(f"{who(layer)}: needs images of known height, width and channels, "
                         f"received shape {tuple(x.shape)} (channels_last). Give keras.Input "
                         f"a full shape, e.g. keras.Input((224, 224, 3)).")
    return int(h), int(w), int(c)


def c(x: Any, v: Any) -> Any:
    """`v` as a constant of `x`'s dtype."""
    return cast(v, x.dtype)


def clip(x: Any, lo: float, hi: float) -> Any:
    return m.minimum(m.maximum(x, c(x, lo)), c(x, hi))


def rescale(x: Any, src: Any, dst: Any) -> Any:
    """`x` mapped linearly from the range `src` to the range `dst`."""
    if float(src[0]) == float(dst[0]) and float(src[1]) == float(dst[1]):
        return x
    scale = (float(dst[1]) - float(dst[0])) / (float(src[1]) - float(src[0]))
    return m.add(m.multiply(m.subtract(x, c(x, src[0])), c(x, scale)), c(x, dst[0]))


def per_image(v: Any, rank: int = 4) -> Any:
    """A `[batch]` (or `[batch, 1]`) tensor shaped to broadcast over `[batch, h, w, c]`."""
    return s.reshape(v, [-1] + [1] * (rank - 1))


def _fix(i: Any, n: int, mode: str) -> Any:
    """Integer indices into an axis of size n, mapped by the fill mode."""
    if mode in ("constant", "nearest"):
        return m.minimum(m.maximum(i, 0), n - 1)
    if mode == "wrap":
        return m.floormod(i, n)
    j = m.floormod(i, 2 * n)  # reflect: c b a | a b c d | d c b
    return m.where(m.greater_equal(j, n), m.subtract(2 * n - 1, j), j)


def warp(layer: Any, x: Any, matrix: Any, interpolation: str = "bilinear",
         fill_mode: str = "reflect", fill_value: float = 0.0) -> Any:
    """Projective warp of a channels_last batch: output pixel (x, y) of image i reads the
    input at `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`, `k = c0 x + c1 y + 1`,
    with `matrix[i] = [a0, a1, a2, b0, b1, b2, c0, c1]` (Keras' `affine_transform`)."""
    h, w, ch = spatial(layer, x)
    t = cast(matrix, x.dtype)
    gy, gx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    gy = cast(gy[None].astype(np.float32), x.dtype)
    gx = cast(gx[None].astype(np.float32), x.dtype)
    a = [s.reshape(t[:, i], [-1, 1, 1]) for i in range(8)]
    k = m.add(m.add(m.multiply(a[6], gx), m.multiply(a[7], gy)), c(x, 1.0))
    # clipped: far-away coordinates (a degenerate warp) stay within int32
    xin = clip(m.truediv(m.add(m.add(m.multiply(a[0], gx), m.multiply(a[1], gy)), a[2]), k),
               -1e6, 1e6)
    yin = clip(m.truediv(m.add(m.add(m.multiply(a[3], gx), m.multiply(a[4], gy)), a[5]), k),
               -1e6, 1e6)
    flat = s.reshape(x, [-1, ch])
    base = s.reshape(m.multiply(batch_index(x), h * w), [-1, 1, 1])
    if interpolation == "nearest":
        half = c(x, 0.5)
        taps = [(m.floor(m.add(yin, half)), m.floor(m.add(xin, half)), None)]
    else:
        y0, x0 = m.floor(yin), m.floor(xin)
        fy, fx = m.subtract(yin, y0), m.subtract(xin, x0)
        one = c(x, 1.0)
        gy_, gx_ = m.subtract(one, fy), m.subtract(one, fx)
        y1, x1 = m.add(y0, one), m.add(x0, one)
        taps = [(y0, x0, m.multiply(gy_, gx_)), (y0, x1, m.multiply(gy_, fx)),
                (y1, x0, m.multiply(fy, gx_)), (y1, x1, m.multiply(fy, fx))]
    out = None
    for yf, xf, weight in taps:
        yi, xi = cast(yf, "int32"), cast(xf, "int32")
        idx = m.add(base, m.add(m.multiply(_fix(yi, h, fill_mode), w), _fix(xi, w, fill_mode)))
        v = gather(flat, idx)
        if fill_mode == "constant":
            ok = m.logical_and(m.logical_and(m.greater_equal(yi, 0), m.less(yi, h)),
                               m.logical_and(m.greater_equal(xi, 0), m.less(xi, w)))
            v = m.where(s.expand_dims(ok, -1), v, c(x, fill_value))
        if weight is not None:
            v = m.multiply(v, s.expand_dims(weight, -1))
        out = v if out is None else m.add(out, v)
    return out


def filter2d(x: Any, kernel: Any, pad: tuple) -> Any:
    """Zero-padded 'same' correlation of each channel of a channels_last batch with a
    small 2-D `kernel` (a NumPy array, or a list of lists of scalar tensors)."""
    kh, kw = len(kernel), len(kernel[0])
    (pt, pb), (pl, pr) = pad
    xp = s.pad(x, [[0, 0], [pt, pb], [pl, pr], [0, 0]])
    out = None
    for i in range(kh):
        for j in range(kw):
            kv = kernel[i][j]
            if not isinstance(kv, TensorOps) and float(kv) == 0.0:
                continue
            window = xp[:, i:(i - kh + 1) or None, j:(j - kw + 1) or None, :]
            term = m.multiply(window, c(x, kv) if not isinstance(
                kv, TensorOps) else cast(kv, x.dtype))
            out = term if out is None else m.add(out, term)
    return out if out is not None else m.multiply(x, c(x, 0.0))


def grayscale(x: Any) -> Any:
    """Luma `0.2989 R + 0.587 G + 0.114 B` of a channels_last batch, keeping a channel
    dim of 1 (Keras' `rgb_to_grayscale`)."""
    wts = cast(np.array([0.2989, 0.5870, 0.1140], np.float32), x.dtype)
    return r.reduce_sum(m.multiply(x, wts), axis=-1, keepdims=True)


class Untracked:
    """Holds a composite layer's weightless helper layers out of ember's tracking, so
    they are neither weights' owners nor sub-layers in saved files (Keras 3 rebuilds
    them from the composite's config)."""

    __slots__ = ("items",)

    def __init__(self, items: Any):
        self.items = list(items)


# -- the layers' base class -----------------------------------------------------------------

class BaseImageLayer(Layer):
    """The base of the image layers (see the module docstring).

    Subclasses set `_RANDOM` (identity unless training), `_GEOMETRIC` (segmentation masks
    follow the transform, with nearest interpolation) and implement `_draw(x)` (the
    random parameters for a float channels_last batch x) and `_apply(x, params)`.
    """

    _RANDOM = True
    _GEOMETRIC = False
    _KEEP_DTYPE = False
    _CHANNELS: tuple = ()  # the channel counts the layer accepts (empty: any)

    def __init__(self, data_format: str | None = None, seed: int | None = None,
                 bounding_box_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = data_format_of(self, data_format)
        self.bounding_box_format = bounding_box_format
        if self._RANDOM or seed is not None:
            self.seed = seed_of(self, seed)
            self.generator = SeedGenerator(self.seed)

    # -- what subclasses implement --------------------------------------------------------
    def _draw(self, x: Any) -> Any:
        return None

    def _apply(self, x: Any, params: Any) -> Any:
        return x

    def _apply_labels(self, labels: Any, params: Any) -> Any:
        return labels

    def _apply_masks(self, masks: Any, params: Any) -> Any:
        if self._GEOMETRIC:
            return self._apply(masks, params, "nearest")  # type: ignore[call-arg]
        return masks

    def _output_hw(self, h: Any, w: Any) -> tuple:
        return h, w

    # -- the pipeline ---------------------------------------------------------------------
    def _out_dtype(self, dtype: Any) -> Any:
        return as_dtype(dtype) if self._KEEP_DTYPE else self._dtype

    def _check(self, images: Any) -> int:
        rank = images.shape.rank
        if rank not in (3, 4):
            raise ValueError(
                f"{who(self)}: expected images of rank 3 (one image: height, width, "
                f"channels) or rank 4 (a batch), received shape {tuple(images.shape)}. "
                f"Add the missing dims (e.g. ember.expand_dims(x, -1) for one grayscale "
                f"image) or batch the data.")
        ax = -1 if self.data_format == "channels_last" else -3
        ch = images.shape[ax]
        if self._CHANNELS and ch is not None and ch not in self._CHANNELS:
            raise ValueError(
                f"{who(self)}: expected images with {' or '.join(map(str, self._CHANNELS))} "
                f"channels (axis {ax}, data_format={self.data_format!r}), received shape "
                f"{tuple(images.shape)}. Check data_format, or convert the images to RGB.")
        return rank

    def _batched(self, images: Any, rank: int, dtype: Any = None) -> Any:
        x = images
        dtype = dtype if dtype is not None else self._out_dtype(x.dtype)
        if not self._KEEP_DTYPE and x.dtype != dtype:
            x = cast(x, dtype)
        if rank == 3:
            x = s.expand_dims(x, 0)
        if self.data_format == "channels_first":
            x = s.transpose(x, [0, 2, 3, 1])
        return x

    def _unbatched(self, y: Any, rank: int) -> Any:
        if self.data_format == "channels_first":
            y = s.transpose(y, [0, 3, 1, 2])
        return s.squeeze(y, [0]) if rank == 3 else y

    def _symbolic(self, images: Any) -> Any:
        shape = list(images.shape)
        hax, wax = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        shape[hax], shape[wax] = self._output_hw(shape[hax], shape[wax])
        return KerasTensor(shape, self._out_dtype(images.dtype))

    def _inference(self, data: dict) -> dict:
        out = dict(data)
        x = data["images"]
        dt = self._out_dtype(x.dtype)
        out["images"] = cast(x, dt) if x.dtype != dt else x
        return out

    def _augment(self, data: dict, rank: int) -> dict:
        x = self._batched(data["images"], rank)
        params = self._draw(x)
        out = dict(data)
        out["images"] = self._unbatched(self._apply(x, params), rank)
        if "labels" in data:
            labels = data["labels"]
            if rank == 3:
                labels = s.expand_dims(labels, 0)
            labels = self._apply_labels(labels, params)
            out["labels"] = s.squeeze(labels, [0]) if rank == 3 else labels
        if "segmentation_masks" in data:
            masks = data["segmentation_masks"]
            mdt = masks.dtype if masks.dtype.is_floating else self._dtype
            xm = self._batched(masks, rank, mdt)
            ym = self._apply_masks(cast(xm, mdt) if xm.dtype != mdt else xm, params)
            ym = self._unbatched(ym, rank)
            out["segmentation_masks"] = cast(ym, masks.dtype) if ym.dtype != masks.dtype \
                else ym
        return out

    def _run(self, data: dict, training: Any) -> dict:
        rank = self._check(data["images"])
        if any(isinstance(v, KerasTensor) for v in data.values()):
            out = dict(data)
            out["images"] = self._symbolic(data["images"])
            if "segmentation_masks" in data:
                msk = data["segmentation_masks"]
                sym = self._symbolic(msk)
                out["segmentation_masks"] = KerasTensor(sym.shape, msk.dtype)
            return out
        if not self._RANDOM:
            return self._augment(data, rank)
        if training is None or training is False:
            return self._inference(data)
        if isinstance(training, TensorOps):
            return cond(cast(training, "bool"), lambda: self._augment(data, rank),
                        lambda: self._inference(data))
        return self._augment(data, rank) if training else self._inference(data)

    def call(self, inputs: Any, training: Any = True) -> Any:
        if isinstance(inputs, dict):
            unknown = set(inputs) - set(_DICT_KEYS)
            if "images" not in inputs or unknown:
                raise ValueError(
                    f"{who(self)}: a dict input needs the key 'images' and may have "
                    f"'labels' and 'segmentation_masks'; received keys {sorted(inputs)}.")
            if "bounding_boxes" in inputs:
                raise NotImplementedError(
                    f"{who(self)}: bounding boxes are not supported yet by ember's image "
                    f"layers; pass {{'images': ..., 'labels': ...}} (and segmentation_masks) "
                    f"without 'bounding_boxes'.")
            return self._run(dict(inputs), training)
        return self._run({"images": inputs}, training)["images"]

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for `input_shape` (images, or a dict with "images")."""
        if isinstance(input_shape, dict):
            return {k: self.compute_output_shape(v) if k in ("images", "segmentation_masks")
                    else v for k, v in input_shape.items()}
        shape = list(TensorShape(input_shape).as_list())
        if len(shape) not in (3, 4):
            raise ValueError(f"{who(self)}: expected an input shape of rank 3 or 4, "
                             f"received {tuple(shape)}.")
        hax, wax = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        shape[hax], shape[wax] = self._output_hw(shape[hax], shape[wax])
        return TensorShape(shape)

    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype,
                  "data_format": self.data_format}
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

"""Geometric image augmentation layers (Keras 3): RandomCrop, RandomFlip, RandomRotation,
RandomZoom, RandomTranslation, RandomShear and RandomPerspective.

Each acts only when training (`layer(x, training=True)`, or in `fit`) and is otherwise
the identity (RandomCrop then crops the centre to its size). Draws come from the layer's
`keras.random.SeedGenerator`, so a `seed` makes them reproducible. Warps sample the
images with Keras' `affine_transform` conventions (see `_image_base.warp`): `fill_mode`
'reflect', 'wrap', 'constant' (with `fill_value`) or 'nearest', and `interpolation`
'bilinear' or 'nearest'.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> x = np.arange(4.0, dtype="float32").reshape(2, 2, 1)
    >>> layer = keras.layers.RandomRotation((0.5, 0.5), interpolation="nearest")
    >>> layer(x, training=True)[..., 0].numpy()
    array([[3., 2.],
           [1., 0.]], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...ops import math_ops as m
from ...ops import shape_ops as s
from ...ops.gather_ops import gather
from ...prims.convert import cast
from ..ops.linalg import solve
from ..random import uniform
from .image_preprocessing import smart_resize
from ._image_base import (FILL_MODES, WARP_INTERPOLATIONS, BaseImageLayer, batch_size, c,
                          choice_of, dims, factor_range, size_of, spatial, warp, who)

__all__ = ["RandomCrop", "RandomFlip", "RandomPerspective", "RandomRotation", "RandomShear",
           "RandomTranslation", "RandomZoom"]


def rotation_matrix(angle: Any, h: int, w: int) -> Any:
    """`[batch, 8]` transforms rotating each image by `angle` (radians, a `[batch]`
    tensor) about its centre."""
    cos, sin = m.cos(angle), m.sin(angle)
    cx, cy = c(angle, (w - 1) / 2.0), c(angle, (h - 1) / 2.0)
    zero = m.multiply(angle, c(angle, 0.0))
    a2 = m.subtract(m.subtract(cx, m.multiply(cx, cos)), m.multiply(cy, m.negative(sin)))
    b2 = m.subtract(m.subtract(cy, m.multiply(cx, sin)), m.multiply(cy, cos))
    return s.stack([cos, m.negative(sin), a2, sin, cos, b2, zero, zero], axis=1)


class _Warp(BaseImageLayer):
    """A random warp: `_matrix(x)` draws the `[batch, 8]` transforms."""

    _GEOMETRIC = True

    def _warp_args(self, fill_mode: str, interpolation: str, fill_value: Any) -> None:
        self.fill_mode = choice_of(self, "fill_mode", fill_mode, FILL_MODES)
        self.interpolation = choice_of(self, "interpolation", interpolation,
                                       WARP_INTERPOLATIONS)
        self.fill_value = fill_value

    def _draw(self, x: Any) -> Any:
        return self._matrix(x)

    def _apply(self, x: Any, params: Any, interpolation: str | None = None) -> Any:
        return warp(self, x, params, interpolation or self.interpolation, self.fill_mode,
                    float(self.fill_value))

    def _warp_config(self) -> dict:
        return {"fill_mode": self.fill_mode, "fill_value": self.fill_value,
                "interpolation": self.interpolation, "seed": self.seed}


class RandomCrop(BaseImageLayer):
    """Crops a random `(height, width)` window when training, the same for the whole
    batch (Keras 3's `keras.layers.RandomCrop`). At inference, and for images smaller
    than the window, the images are cropped to the target aspect ratio (centred) and
    resized to `(height, width)` instead, so the output size is always the same.

    Args:
        height, width: the output size.
        seed: an int for reproducible crops.
        data_format: "channels_last" or "channels_first".

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.RandomCrop(2, 3, seed=1)
        >>> layer(np.zeros((5, 5, 3), "float32"), training=True).shape
        TensorShape([2, 3, 3])
    """

    _GEOMETRIC = True

    def __init__(self, height: int, width: int, seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.height = size_of(self, "height", height)
        self.width = size_of(self, "width", width)

    def _output_hw(self, h: Any, w: Any) -> tuple:
        return self.height, self.width

    def _draw(self, x: Any) -> Any:
        h, w, _ = spatial(self, x)
        if h < self.height or w < self.width:
            return None
        top = cast(uniform([], 0.0, float(h - self.height + 1), seed=self.generator), "int32")
        left = cast(uniform([], 0.0, float(w - self.width + 1), seed=self.generator), "int32")
        return top, left

    def _apply(self, x: Any, params: Any, interpolation: str = "bilinear") -> Any:
        if params is None:
            return smart_resize(x, self.height, self.width)
        top, left = params
        rows = m.add(cast(np.arange(self.height, dtype=np.int32), "int32"), top)
        cols = m.add(cast(np.arange(self.width, dtype=np.int32), "int32"), left)
        return gather(gather(x, rows, axis=1), cols, axis=2)

    def _inference(self, data: dict) -> dict:
        out = dict(data)
        for key in ("images", "segmentation_masks"):
            if key in data:
                t = data[key]
                rank = t.shape.rank
                dt = self._dtype if key == "images" or not t.dtype.is_floating else t.dtype
                y = self._unbatched(smart_resize(self._batched(t, rank, dt), self.height,
                                                 self.width), rank)
                out[key] = y if key == "images" else cast(y, t.dtype)
        return out

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width,
                "seed": self.seed}


class RandomFlip(BaseImageLayer):
    """Flips each image horizontally and/or vertically at random when training (Keras 3's
    `keras.layers.RandomFlip`); each flip has probability 1/2, drawn per image (and, in
    "horizontal_and_vertical" mode, independently for the two axes).

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (default).
        seed: an int for reproducible flips.
        data_format: "channels_last" or "channels_first".

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.arange(3.0, dtype="float32").reshape(1, 3, 1)
        >>> y = keras.layers.RandomFlip("horizontal", seed=0)(x, training=True)[0, :, 0]
        >>> y.numpy().tolist() in ([0.0, 1.0, 2.0], [2.0, 1.0, 0.0])
        True
    """

    _GEOMETRIC = True
    MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.mode = choice_of(self, "mode", mode, self.MODES)

    def _draw(self, x: Any) -> Any:
        shape = dims(batch_size(x), 1, 1, 1)
        out = []
        for axis_mode in ("horizontal", "vertical"):
            if axis_mode in self.mode:
                out.append(m.less(uniform(shape, seed=self.generator), 0.5))
            else:
                out.append(None)
        return tuple(out)

    def _apply(self, x: Any, params: Any, interpolation: str | None = None) -> Any:
        for flips, axis in zip(params, (2, 1)):
            if flips is not None:
                x = m.where(flips, s.reverse(x, [axis]), x)
        return x

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}


class RandomRotation(_Warp):
    """Rotates each image by a random angle when training (Keras 3's
    `keras.layers.RandomRotation`).

    Args:
        factor: a fraction of a full turn: a number f (angles in [-f, f] * 360 degrees)
            or a range (lower, upper), in [-1, 1]. Positive angles turn counter-clockwise.
        fill_mode: how to fill points outside the image: "reflect" (default), "wrap",
            "constant" or "nearest".
        interpolation: "bilinear" (default) or "nearest".
        fill_value: the value of `fill_mode="constant"`.
        seed: an int for reproducible draws.
        data_format: "channels_last" or "channels_first".

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.arange(4.0, dtype="float32").reshape(2, 2, 1)
        >>> layer = keras.layers.RandomRotation((0.25, 0.25), interpolation="nearest")
        >>> layer(x, training=True)[..., 0].numpy()
        array([[1., 3.],
               [0., 2.]], dtype=float32)
    """

    def __init__(self, factor: Any, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = factor_range(self, factor, "factor", -1.0, 1.0)
        self._warp_args(fill_mode, interpolation, fill_value)

    def _matrix(self, x: Any) -> Any:
        h, w, _ = spatial(self, x)
        lo, hi = self.factor
        turns = uniform(dims(batch_size(x)), lo, hi, seed=self.generator)
        return rotation_matrix(m.multiply(turns, c(turns, 2.0 * math.pi)), h, w)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, **self._warp_config()}


class RandomZoom(_Warp):
    """Zooms each image in or out by a random amount when training (Keras 3's
    `keras.layers.RandomZoom`).

    Args:
        height_factor: a number f or a range (lower, upper) in (-1, 1]: the vertical
            zoom is drawn from [1 + lower, 1 + upper] (a number f means [-f, f]);
            positive values zoom out, negative values zoom in.
        width_factor: the same for the horizontal zoom; None (default) keeps the aspect
            ratio (the vertical zoom is used).
        fill_mode, interpolation, fill_value, seed, data_format: as RandomRotation.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.arange(16.0, dtype="float32").reshape(4, 4, 1)
        >>> y = keras.layers.RandomZoom((-0.5, -0.5), interpolation="nearest")(x, training=True)
        >>> y[..., 0].numpy()
        array([[ 5.,  5.,  6.,  6.],
               [ 5.,  5.,  6.,  6.],
               [ 9.,  9., 10., 10.],
               [ 9.,  9., 10., 10.]], dtype=float32)
    """

    def __init__(self, height_factor: Any, width_factor: Any = None,
                 fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.height_factor = height_factor
        self._height_range = factor_range(self, height_factor, "height_factor", -1.0, 1.0,
                                          open_lo=True)
        self.width_factor = width_factor
        self._width_range = None if width_factor is None else factor_range(
            self, width_factor, "width_factor", -1.0, 1.0, open_lo=True)
        self._warp_args(fill_mode, interpolation, fill_value)

    def _matrix(self, x: Any) -> Any:
        h, w, _ = spatial(self, x)
        shape = dims(batch_size(x))
        lo, hi = self._height_range
        zy = uniform(shape, 1.0 + lo, 1.0 + hi, seed=self.generator)
        if self._width_range is None:
            zx = zy
        else:
            lo, hi = self._width_range
            zx = uniform(shape, 1.0 + lo, 1.0 + hi, seed=self.generator)
        zero = m.multiply(zx, c(zx, 0.0))
        one = c(zx, 1.0)
        ox = m.multiply(c(zx, (w - 1) / 2.0), m.subtract(one, zx))
        oy = m.multiply(c(zy, (h - 1) / 2.0), m.subtract(one, zy))
        return s.stack([zx, zero, ox, zero, zy, oy, zero, zero], axis=1)

    def get_config(self) -> dict:
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, **self._warp_config()}


class RandomTranslation(_Warp):
    """Shifts each image by a random offset when training (Keras 3's
    `keras.layers.RandomTranslation`).

    Args:
        height_factor: a fraction of the height: a number f (shifts in [-f, f] * height)
            or a range (lower, upper), in [-1, 1]; positive values shift down.
        width_factor: the same for the width; positive values shift right.
        fill_mode, interpolation, fill_value, seed, data_format: as RandomRotation.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.arange(4.0, dtype="float32").reshape(1, 4, 1)
        >>> layer = keras.layers.RandomTranslation(0.0, (0.25, 0.25), fill_mode="constant")
        >>> layer(x, training=True)[0, :, 0].numpy()
        array([0., 0., 1., 2.], dtype=float32)
    """

    def __init__(self, height_factor: Any, width_factor: Any, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.height_factor = height_factor
        self._height_range = factor_range(self, height_factor, "height_factor", -1.0, 1.0)
        self.width_factor = width_factor
        self._width_range = factor_range(self, width_factor, "width_factor", -1.0, 1.0)
        self._warp_args(fill_mode, interpolation, fill_value)

    def _matrix(self, x: Any) -> Any:
        h, w, _ = spatial(self, x)
        shape = dims(batch_size(x))
        dy = m.multiply(uniform(shape, *self._height_range, seed=self.generator),
                        c(x, float(h)))
        dx = m.multiply(uniform(shape, *self._width_range, seed=self.generator),
                        c(x, float(w)))
        zero = m.multiply(dx, c(dx, 0.0))
        one = m.add(zero, c(dx, 1.0))
        return s.stack([one, zero, m.negative(dx), zero, one, m.negative(dy), zero, zero],
                       axis=1)

    def get_config(self) -> dict:
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, **self._warp_config()}


class RandomShear(_Warp):
    """Shears each image by a random amount when training (Keras 3's
    `keras.layers.RandomShear`); one random sign per image applies to both axes.

    Args:
        x_factor: the horizontal shear: a number f in [0, 1] (amounts in [-f, f]) or a
            range (lower, upper) in [-1, 1].
        y_factor: the same, vertically.
        interpolation, fill_mode, fill_value, seed, data_format: as RandomRotation.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.RandomShear(x_factor=0.3, seed=2)
        >>> layer(np.ones((2, 5, 5, 3), "float32"), training=True).shape
        TensorShape([2, 5, 5, 3])
    """

    def __init__(self, x_factor: Any = 0.0, y_factor: Any = 0.0,
                 interpolation: str = "bilinear", fill_mode: str = "reflect",
                 fill_value: float = 0.0, data_format: str | None = None,
                 seed: int | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.x_factor = self._shear_range(x_factor, "x_factor")
        self.y_factor = self._shear_range(y_factor, "y_factor")
        self._warp_args(fill_mode, interpolation, fill_value)

    def _shear_range(self, value: Any, name: str) -> tuple:
        if isinstance(value, (list, tuple)):
            return factor_range(self, value, name, -1.0, 1.0)
        return factor_range(self, value, name, 0.0, 1.0)

    def _matrix(self, x: Any) -> Any:
        shape = dims(batch_size(x))
        sign = m.where(m.greater(uniform(shape, seed=self.generator), 0.5), -1.0, 1.0)
        sy = uniform(shape, *self.y_factor, seed=self.generator)
        sx = uniform(shape, *self.x_factor, seed=self.generator)
        sx, sy = m.multiply(sx, sign), m.multiply(sy, sign)
        zero = m.multiply(sx, c(sx, 0.0))
        one = m.add(zero, c(sx, 1.0))
        return s.stack([one, sx, zero, sy, one, zero, zero, zero], axis=1)

    def get_config(self) -> dict:
        return {**super().get_config(), "x_factor": self.x_factor, "y_factor": self.y_factor,
                **self._warp_config()}


def homography(start: Any, end: Any) -> Any:
    """`[batch, 8]` projective transforms whose output at the `end` points (x, y) reads
    the input at the `start` points (`[batch, 4, 2]` each)."""
    zero = m.multiply(start[:, 0, 0], c(start, 0.0))
    one = m.add(zero, c(start, 1.0))
    rows, rhs = [], []
    for p in range(4):
        sx, sy, ex, ey = start[:, p, 0], start[:, p, 1], end[:, p, 0], end[:, p, 1]
        rows.append(s.stack([ex, ey, one, zero, zero, zero, m.negative(m.multiply(sx, ex)),
                             m.negative(m.multiply(sx, ey))], axis=-1))
        rows.append(s.stack([zero, zero, zero, ex, ey, one, m.negative(m.multiply(sy, ex)),
                             m.negative(m.multiply(sy, ey))], axis=-1))
        rhs += [sx, sy]
    return s.reshape(solve(s.stack(rows, axis=1), s.expand_dims(s.stack(rhs, -1), -1)),
                     [-1, 8])


class RandomPerspective(_Warp):
    """Applies a random perspective warp to each image with probability drawn from
    `factor` when training (Keras 3's `keras.layers.RandomPerspective`): the corners
    move by up to `scale / 2` of the image size; points outside are `fill_value`.

    Args:
        factor: the probability of warping an image: a number f (drawn from [0, f]) or a
            range (lower, upper), in [0, 1]; default 1.
        scale: the strength of the warp, in [0, 1]; default 1.
        interpolation: "bilinear" (default) or "nearest".
        fill_value: the value of points outside the image.
        seed, data_format: as RandomRotation.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.RandomPerspective(scale=0.5, seed=3)
        >>> layer(np.ones((2, 6, 6, 3), "float32"), training=True).shape
        TensorShape([2, 6, 6, 3])
    """

    def __init__(self, factor: Any = 1.0, scale: float = 1.0, interpolation: str = "bilinear",
                 fill_value: float = 0.0, seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = factor_range(self, factor, "factor", 0.0, 1.0, "clipped")
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or \
                not 0.0 <= scale <= 1.0:
            raise ValueError(f"{who(self)}: scale must be a number in [0, 1], received "
                             f"scale={scale!r}.")
        self.scale = scale
        self._warp_args("constant", interpolation, fill_value)

    def _matrix(self, x: Any) -> Any:
        h, w, _ = spatial(self, x)
        b = batch_size(x)
        chance = uniform(dims(b), *self.factor, seed=self.generator)
        apply = m.less(uniform(dims(b), seed=self.generator), chance)
        half = 0.5 * float(self.scale)
        jitter = uniform(dims(b, 4, 2), -half, half, dtype=x.dtype.name, seed=self.generator)
        corners = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]], np.float32)
        start = m.add(m.multiply(jitter, c(x, 0.0)), cast(corners, x.dtype))
        end = m.add(start, m.multiply(start, jitter))
        matrix = homography(cast(start, "float32"), cast(end, "float32"))
        identity = cast(np.array([1, 0, 0, 0, 1, 0, 0, 0], np.float32), matrix.dtype)
        return m.where(s.expand_dims(apply, -1), matrix, identity)

    def get_config(self) -> dict:
        cfg = {**super().get_config(), "factor": self.factor, "scale": self.scale,
               "interpolation": self.interpolation, "fill_value": self.fill_value,
               "seed": self.seed}
        return cfg


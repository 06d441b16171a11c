"""Two more image layers of Keras 3: `RandomElasticTransform` (a random augmentation) and
`ContrastLimitedAdaptiveHistogramEqualization` (CLAHE, a deterministic preprocessing
layer).

Both follow ember's image layers (`_image_base.BaseImageLayer`): images of rank 3 or 4
laid out by `data_format`, or a dict with "images" (and "labels" /
"segmentation_masks"); unknown batch sizes work, so they run in functional models,
`ember.function` and `tf.data.Dataset.map`.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> x = np.array([[[0.0], [64.0]], [[128.0], [255.0]]], "float32")
    >>> clahe = keras.layers.ContrastLimitedAdaptiveHistogramEqualization(
    ...     tile_grid_size=(1, 1), clip_limit=0)  # one tile, no clipping: equalization
    >>> clahe(x)[..., 0].numpy()
    array([[  0.,  85.],
           [170., 255.]], dtype=float32)
    >>> keras.layers.RandomElasticTransform(seed=1)(x, training=False).shape
    TensorShape([2, 2, 1])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ops import math_ops as m
from ...ops import reduce_ops as r
from ...ops import shape_ops as s
from ...ops.creation_ops import ones, zeros
from ...ops.gather_ops import gather, tensor_scatter_nd_add
from ...prims.convert import cast
from ..random import normal, uniform
from ._image_base import (FILL_MODES, WARP_INTERPOLATIONS, BaseImageLayer, _is_number,
                          batch_index, batch_size, c, choice_of, clip, dims, factor_range,
                          filter2d, per_image, rescale, spatial, value_range_of, who)

__all__ = ["ContrastLimitedAdaptiveHistogramEqualization", "RandomElasticTransform"]

ELASTIC_FILL_MODES = FILL_MODES + ("mirror",)


# -- sampling at arbitrary coordinates -----------------------------------------------------

def _fold(i: Any, n: int, mode: str) -> Any:
    """Integer indices into an axis of size n, mapped into [0, n) by the fill mode
    (Keras' `map_coordinates` conventions)."""
    if mode in ("constant", "nearest"):
        return m.minimum(m.maximum(i, 0), n - 1)
    if mode == "wrap":
        return m.floormod(i, n)
    if mode == "mirror":  # c d c b | a b c d | c b a b
        if n == 1:
            return m.multiply(i, 0)
        j = m.floormod(i, 2 * n - 2)
        return m.where(m.greater_equal(j, n), m.subtract(2 * n - 2, j), j)
    j = m.floormod(i, 2 * n)  # reflect: d c b a | a b c d | d c b a
    return m.where(m.greater_equal(j, n), m.subtract(2 * n - 1, j), j)


def sample(layer: Any, x: Any, xin: Any, yin: Any, interpolation: str = "bilinear",
           fill_mode: str = "reflect", fill_value: float = 0.0) -> Any:
    """Samples a channels_last batch `x` at the `[batch, h, w]` coordinates
    (`xin` columns, `yin` rows; pixel centres at integers), filling points outside the
    image by `fill_mode` (Keras' `map_coordinates` with order 0 or 1)."""
    h, w, ch = spatial(layer, x)
    xin, yin = clip(xin, -1e6, 1e6), clip(yin, -1e6, 1e6)
    flat = s.reshape(x, [-1, ch])
    base = s.reshape(m.multiply(batch_index(x), h * w), [-1, 1, 1])
    if interpolation == "nearest":
        half = c(xin, 0.5)
        taps = [(m.floor(m.add(yin, half)), m.floor(m.add(xin, half)), None)]
    else:
        y0, x0 = m.floor(yin), m.floor(xin)
        fy, fx = m.subtract(yin, y0), m.subtract(xin, x0)
        one = c(xin, 1.0)
        gy, gx = m.subtract(one, fy), m.subtract(one, fx)
        y1, x1 = m.add(y0, one), m.add(x0, one)
        taps = [(y0, x0, m.multiply(gy, gx)), (y0, x1, m.multiply(gy, fx)),
                (y1, x0, m.multiply(fy, gx)), (y1, x1, m.multiply(fy, fx))]
    out = None
    for yf, xf, weight in taps:
        yi, xi = cast(yf, "int32"), cast(xf, "int32")
        idx = m.add(base, m.add(m.multiply(_fold(yi, h, fill_mode), w),
                                _fold(xi, w, fill_mode)))
        v = gather(flat, idx)
        if fill_mode == "constant":
            ok = m.logical_and(m.logical_and(m.greater_equal(yi, 0), m.less(yi, h)),
                               m.logical_and(m.greater_equal(xi, 0), m.less(xi, w)))
            v = m.where(s.expand_dims(ok, -1), v, c(x, fill_value))
        if weight is not None:
            v = m.multiply(v, s.expand_dims(cast(weight, x.dtype), -1))
        out = v if out is None else m.add(out, v)
    return out


def _blur_taps(size: int, sigma: Any) -> list:
    """`size` Gaussian weights of standard deviation `sigma` (a scalar tensor), zero
    beyond Keras' kernel `int(6 sigma) | 1` and normalized over it: Keras' kernel,
    centred in a fixed-size window so that the graph does not depend on `sigma`."""
    offsets = cast(np.arange(size, dtype=np.float32) - (size - 1) / 2.0, sigma.dtype)
    half = m.floor(m.multiply(m.floor(m.multiply(sigma, c(sigma, 6.0))), c(sigma, 0.5)))
    safe = m.maximum(sigma, c(sigma, 1e-6))
    wts = m.exp(m.multiply(c(sigma, -0.5), m.square(m.truediv(offsets, safe))))
    wts = m.where(m.less_equal(m.abs(offsets), half), wts, c(wts, 0.0))
    wts = m.truediv(wts, r.reduce_sum(wts))
    return [wts[i] for i in range(size)]


class RandomElasticTransform(BaseImageLayer):
    """Distorts each image by a random, smooth displacement field, with a probability
    drawn from `factor`, when training (Keras 3's `keras.layers.RandomElasticTransform`).

    A distortion `d` is drawn from `scale` for the batch; each image's displacement field
    is Gaussian noise times `sigma = 0.05 d min(h, w)`, blurred by a Gaussian of standard
    deviation `sigma` and scaled by `alpha = 0.1 d max(h, w)` pixels. The images are then
    resampled at the displaced points and clipped to `value_range`. At inference (or with
    `factor` or `scale` 0) the images pass through unchanged.

    Args:
        factor: the probability of distorting an image: a number f (drawn from [0, f]) or
            a range (lower, upper), in [0, 1]; default 1.
        scale: the distortion: a number s (drawn from [0, s]) or a range in [0, 1];
            default 1.
        interpolation: "bilinear" (default) or "nearest".
        fill_mode: how points outside the image read it: "reflect" (default), "mirror",
            "wrap", "constant" or "nearest".
        fill_value: the value of `fill_mode="constant"`.
        value_range: the range of the image values (outputs are clipped to it);
            default (0, 255).
        seed: an int for reproducible draws.
        data_format: "channels_last" or "channels_first".

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.random.default_rng(0).uniform(0, 255, (2, 16, 16, 3)).astype("float32")
        >>> layer = keras.layers.RandomElasticTransform(seed=1)
        >>> layer(x, training=True).shape
        TensorShape([2, 16, 16, 3])
        >>> bool((layer(x, training=False).numpy() == x).all())
        True
    """

    _GEOMETRIC = True

    def __init__(self, factor: Any = 1.0, scale: Any = 1.0, interpolation: str = "bilinear",
                 fill_mode: str = "reflect", fill_value: float = 0.0,
                 value_range: Any = (0, 255), seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = factor_range(self, factor, "factor", 0.0, 1.0, "clipped")
        self.scale = factor_range(self, scale, "scale", 0.0, 1.0, "clipped")
        self.interpolation = choice_of(self, "interpolation", interpolation,
                                       WARP_INTERPOLATIONS)
        self.fill_mode = choice_of(self, "fill_mode", fill_mode, ELASTIC_FILL_MODES)
        if not _is_number(fill_value):
            raise ValueError(f"{who(self)}: fill_value must be a number, received "
                             f"fill_value={fill_value!r}.")
        self.fill_value = fill_value
        self.value_range = value_range_of(self, value_range)

    def _draw(self, x: Any) -> Any:
        if float(self.factor[1]) == 0.0 or float(self.scale[1]) == 0.0:
            return None
        h, w, _ = spatial(self, x)
        b = batch_size(x)
        chance = uniform(dims(b), *self.factor, seed=self.generator)
        apply = m.less(uniform(dims(b), seed=self.generator), chance)
        distortion = uniform([], *self.scale, dtype=x.dtype.name, seed=self.generator)
        noise = normal(dims(b, h, w, 2), dtype=x.dtype.name, seed=self.generator)
        return apply, distortion, noise

    def displaced(self, x: Any, distortion: Any, noise: Any,
                  interpolation: str | None = None) -> Any:
        """`x` (a float channels_last batch) resampled at the grid displaced by the
        blurred `noise` (`[batch, h, w, 2]`: x then y) for the `distortion` (a scalar),
        without the clipping; what Keras' `ops.image.elastic_transform` computes from its
        noise."""
        h, w, _ = spatial(self, x)
        d = cast(distortion, x.dtype)
        alpha = m.multiply(c(x, max(h, w)), m.multiply(c(x, 0.1), d))
        sigma = m.multiply(c(x, min(h, w)), m.multiply(c(x, 0.05), d))
        field = m.multiply(cast(noise, x.dtype), sigma)
        sigma_max = min(h, w) * 0.05 * float(self.scale[1])
        size = (int(6 * sigma_max) | 1) + 2  # the largest kernel, with room for rounding
        taps = _blur_taps(size, sigma)
        pad = ((size - 1) // 2, size - 1 - (size - 1) // 2)
        field = filter2d(field, [taps], ((0, 0), pad))
        field = filter2d(field, [[t] for t in taps], (pad, (0, 0)))
        gy, gx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
        xin = m.add(cast(gx[None].astype(np.float32), x.dtype),
                    m.multiply(alpha, field[..., 0]))
        yin = m.add(cast(gy[None].astype(np.float32), x.dtype),
                    m.multiply(alpha, field[..., 1]))
        return sample(self, x, xin, yin, interpolation or self.interpolation,
                      self.fill_mode, float(self.fill_value))

    def _apply(self, x: Any, params: Any, interpolation: str | None = None) -> Any:
        if params is None:
            return x
        apply, distortion, noise = params
        out = self.displaced(x, distortion, noise, interpolation)
        out = m.where(per_image(apply), out, x)
        return clip(out, *self.value_range)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "value_range": self.value_range,
                "seed": self.seed}


# -- CLAHE ------------------------------------------------------------------------------------

def _symmetric(n: int, size: int) -> np.ndarray:
    """Indices `0 .. size - 1` into an axis of length n, padded symmetrically at the end
    (NumPy's `pad(mode="symmetric")`: a b c d | d c b a | a b ...)."""
    j = np.arange(size) % (2 * n)
    return np.where(j >= n, 2 * n - 1 - j, j).astype(np.int32)


class ContrastLimitedAdaptiveHistogramEqualization(BaseImageLayer):
    """Contrast limited adaptive histogram equalization (CLAHE) of each channel of each
    image, on every call (Keras 3's
    `keras.layers.ContrastLimitedAdaptiveHistogramEqualization`).

    The image (in 0..255 after mapping from `value_range`, padded symmetrically to whole
    tiles) is cut into `tile_grid_size` tiles; each tile's 256-bin histogram is clipped
    at `clip_limit * tile_pixels / 256` with the excess spread evenly over the bins, and
    its cumulative histogram maps values to 0..255. Each pixel takes the bilinear
    interpolation of the maps of its four nearest tile centres. The output has the
    input's dtype (integer images are truncated).

    Args:
        value_range: the range of the image values; default (0, 255).
        clip_limit: the histogram clip limit (a number >= 0; 0 turns clipping off);
            default 4.
        tile_grid_size: (rows, columns) of tiles; default (8, 8).
        data_format: "channels_last" or "channels_first".

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.array([[[0.0], [64.0]], [[128.0], [255.0]]], "float32")
        >>> layer = keras.layers.ContrastLimitedAdaptiveHistogramEqualization(
        ...     tile_grid_size=(1, 1), clip_limit=0)
        >>> layer(x)[..., 0].numpy()
        array([[  0.,  85.],
               [170., 255.]], dtype=float32)
    """

    _RANDOM = False
    _KEEP_DTYPE = True

    def __init__(self, value_range: Any = (0, 255), clip_limit: float = 4.0,
                 tile_grid_size: Any = (8, 8), data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range_of(self, value_range)
        if not _is_number(clip_limit) or clip_limit < 0:
            raise ValueError(f"{who(self)}: clip_limit must be a number >= 0 (0 turns the "
                             f"clipping off), received clip_limit={clip_limit!r}.")
        self.clip_limit = clip_limit
        if not isinstance(tile_grid_size, (list, tuple)) or len(tile_grid_size) != 2 or \
                not all(isinstance(t, (int, np.integer)) and not isinstance(t, bool) and t > 0
                        for t in tile_grid_size):
            raise ValueError(f"{who(self)}: tile_grid_size must be a pair (rows, columns) "
                             f"of positive ints, received tile_grid_size="
                             f"{tile_grid_size!r}. Pass e.g. tile_grid_size=(8, 8).")
        self.tile_grid_size = (int(tile_grid_size[0]), int(tile_grid_size[1]))

    def _apply(self, x: Any, params: Any = None) -> Any:
        v = rescale(cast(x, "float32"), self.value_range, (0, 255))
        out = self._clahe(v)
        return cast(rescale(out, (0, 255), self.value_range), x.dtype)

    def _clahe(self, v: Any) -> Any:
        h, w, ch = spatial(self, v)
        gh, gw = self.tile_grid_size
        th, tw = -(-h // gh), -(-w // gw)
        hp, wp = th * gh, tw * gw
        if hp != h:
            v = gather(v, _symmetric(h, hp), axis=1)
        if wp != w:
            v = gather(v, _symmetric(w, wp), axis=2)
        pixels = cast(clip(v, 0.0, 255.0), "int32")  # [b, hp, wp, ch]
        # histograms: one slot of 256 bins per (image, tile row, tile column, channel)
        ty, tx = np.arange(hp) // th, np.arange(wp) // tw
        tile = ((ty[:, None, None] * gw + tx[None, :, None]) * ch
                + np.arange(ch)[None, None, :]) * 256
        per_img = gh * gw * ch * 256
        first = s.reshape(m.multiply(batch_index(v), per_img), [-1, 1, 1, 1])
        slots = m.add(m.add(first, cast(tile.astype(np.int32), "int32")), pixels)
        flat = s.reshape(slots, [-1, 1])
        b = batch_size(v)
        total = b * per_img if isinstance(b, int) else m.multiply(b, per_img)
        hist = tensor_scatter_nd_add(zeros(dims(total), "float32"), flat,
                                     ones(s.shape(flat)[:1], "float32"))
        hist = s.reshape(hist, [-1, gh, gw, ch, 256])
        if self.clip_limit > 0:
            limit = c(hist, float(self.clip_limit) * (th * tw) / 256.0)
            clipped = m.minimum(hist, limit)
            excess = r.reduce_sum(m.subtract(hist, clipped), axis=-1, keepdims=True)
            hist = m.add(clipped, m.truediv(excess, c(hist, 256.0)))
        cdf = r.cumsum(hist, axis=-1)
        cdf_min = r.reduce_min(cdf, axis=-1, keepdims=True)
        denom = m.subtract(c(cdf, float(th * tw)), cdf_min)
        denom = m.where(m.equal(denom, c(denom, 0.0)), c(denom, 1.0), denom)
        lut = clip(m.truediv(m.multiply(m.subtract(cdf, cdf_min), c(cdf, 255.0)), denom),
                   0.0, 255.0)
        # the maps of the tiles, with a border of copies: [b, gh + 2, gw + 2, ch, 256]
        lut = gather(lut, np.clip(np.arange(-1, gh + 1), 0, gh - 1).astype(np.int32), axis=1)
        lut = gather(lut, np.clip(np.arange(-1, gw + 1), 0, gw - 1).astype(np.int32), axis=2)
        lut = s.reshape(lut, [-1])

        def grid(n: int, t: int, g: int) -> tuple:
            pos = (np.arange(n, dtype=np.float32) - np.float32(t / 2.0)) / np.float32(t) \
                + np.float32(1.0)
            lo = np.floor(pos)
            wt = (pos - lo).astype(np.float32)
            return (np.clip(lo, 0, g + 1).astype(np.int32),
                    np.clip(lo + 1, 0, g + 1).astype(np.int32), wt)

        y0, y1, wy = grid(hp, th, gh)
        x0, x1, wx = grid(wp, tw, gw)
        sx = 256 * ch
        sy = sx * (gw + 2)
        start = m.add(s.reshape(m.multiply(batch_index(v), sy * (gh + 2)), [-1, 1, 1, 1]),
                      m.add(cast((np.arange(ch) * 256).astype(np.int32), "int32"), pixels))

        def at(yi: np.ndarray, xi: np.ndarray) -> Any:
            offset = (yi[:, None, None] * sy + xi[None, :, None] * sx).astype(np.int32)
            return gather(lut, m.add(start, cast(offset, "int32")))

        wx_ = cast(wx[None, None, :, None], "float32")
        wy_ = cast(wy[None, :, None, None], "float32")
        one = c(wx_, 1.0)
        top = m.add(m.multiply(at(y0, x0), m.subtract(one, wx_)), m.multiply(at(y0, x1), wx_))
        bot = m.add(m.multiply(at(y1, x0), m.subtract(one, wx_)), m.multiply(at(y1, x1), wx_))
        out = m.add(m.multiply(top, m.subtract(one, wy_)), m.multiply(bot, wy_))
        return out[:, :h, :w, :]

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "clip_limit": self.clip_limit, "tile_grid_size": self.tile_grid_size}

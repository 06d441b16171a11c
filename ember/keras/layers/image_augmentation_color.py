"""Colour image augmentation layers (Keras 3): RandomContrast, RandomBrightness,
RandomGrayscale, RandomHue, RandomSaturation, RandomInvert, RandomPosterization,
RandomSharpness, RandomColorDegeneration, RandomColorJitter and RandomGaussianBlur.

Each acts only when training (`layer(x, training=True)`, or in `fit`) and is otherwise
the identity; each draws once per image from its `keras.random.SeedGenerator` (a `seed`
makes the draws reproducible) and keeps values in `value_range`.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> layer = keras.layers.RandomBrightness((0.2, 0.2), value_range=(0, 1))
    >>> layer(np.full((1, 1, 3), 0.5, "float32"), training=True).numpy().round(3)
    array([[[0.7, 0.7, 0.7]]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ops import math_ops as m
from ...ops import reduce_ops as r
from ...ops import shape_ops as s
from ...prims.convert import cast
from ..ops import image as kimage
from ..random import randint, uniform
from ._image_base import (BaseImageLayer, batch_size, c, clip, dims, factor_range, filter2d,
                          grayscale, per_image, rescale, value_range_of, who, Untracked)

__all__ = ["RandomBrightness", "RandomColorDegeneration", "RandomColorJitter",
           "RandomContrast", "RandomGaussianBlur", "RandomGrayscale", "RandomHue",
           "RandomInvert", "RandomPosterization", "RandomSaturation", "RandomSharpness"]


class _Colour(BaseImageLayer):
    """A colour layer: `factor`, `value_range` and `seed`, drawn per image."""

    def _setup(self, factor: Any, value_range: Any, lo: float = -1.0, hi: float = 1.0) -> None:
        self.factor = factor_range(self, factor, "factor", lo, hi, "clipped")
        self.value_range = value_range_of(self, value_range)

    def _uniform(self, x: Any, lo: float, hi: float, per: bool = True) -> Any:
        shape = dims(batch_size(x), 1, 1, 1) if per else dims(batch_size(x))
        return uniform(shape, lo, hi, dtype=x.dtype.name, seed=self.generator)

    def _clip(self, x: Any) -> Any:
        return clip(x, *self.value_range)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range, "seed": self.seed}


class RandomContrast(_Colour):
    """Scales each image's contrast about its per-channel mean by a random factor when
    training (Keras 3's `keras.layers.RandomContrast`).

    Args:
        factor: a number f in [0, 1] (the contrast factor is drawn from [1, 1 + f],
            Keras 3's reading) or a pair in [-1, 1], sorted to (lower, upper): the
            factor is drawn from [1 - lower, 1 + upper].
        value_range: the range of the image values (outputs are clipped to it).
        seed: an int for reproducible draws.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.RandomContrast((-0.5, 0.5), value_range=(0, 1))
        >>> layer(np.array([[[0.2], [0.6]]], "float32"), training=True)[0, :, 0].numpy().round(3)
        array([0.1, 0.7], dtype=float32)
    """

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if isinstance(factor, (list, tuple)):  # Keras 3 takes any pair in [-1, 1]
            self._setup(factor, value_range)
        else:
            self._setup(factor, value_range, 0.0, 1.0)

    def _draw(self, x: Any) -> Any:
        return self._uniform(x, 1.0 - self.factor[0], 1.0 + self.factor[1])

    def _apply(self, x: Any, params: Any) -> Any:
        mean = r.reduce_mean(x, axis=[1, 2], keepdims=True)
        return self._clip(m.add(m.multiply(m.subtract(x, mean), params), mean))


class RandomBrightness(_Colour):
    """Adds a random offset to each image when training (Keras 3's
    `keras.layers.RandomBrightness`).

    Args:
        factor: a fraction of the value range: a number f (offsets in [-f, f]) or a
            range (lower, upper), in [-1, 1].
        value_range: the range of the image values (outputs are clipped to it).
        seed: an int for reproducible draws.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.RandomBrightness((0.2, 0.2))
        >>> layer(np.array([[[10.0, 250.0, 0.0]]]), training=True).numpy()
        array([[[ 61., 255.,  51.]]], dtype=float32)
    """

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self._setup(factor, value_range)

    def _draw(self, x: Any) -> Any:
        span = float(self.value_range[1] - self.value_range[0])
        return m.multiply(self._uniform(x, *self.factor), c(x, span))

    def _apply(self, x: Any, params: Any) -> Any:
        return self._clip(m.add(x, params))


class RandomGrayscale(BaseImageLayer):
    """Turns each image to grayscale (kept with its channels) with probability `factor`
    when training (Keras 3's `keras.layers.RandomGrayscale`).

    Args:
        factor: the probability, in [0, 1] (default 0.5).
        seed, data_format: as the other layers.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.array([[[255.0, 0.0, 0.0]]], "float32")
        >>> keras.layers.RandomGrayscale(1.0)(x, training=True).numpy().round(2)
        array([[[76.22, 76.22, 76.22]]], dtype=float32)
    """

    _CHANNELS = (1, 3)

    def __init__(self, factor: float = 0.5, data_format: str | None = None,
                 seed: int | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or \
                not 0 <= factor <= 1:
            raise ValueError(f"{who(self)}: factor must be a probability in [0, 1], "
                             f"received factor={factor!r}.")
        self.factor = factor

    def _draw(self, x: Any) -> Any:
        u = uniform(dims(batch_size(x), 1, 1, 1), seed=self.generator)
        return m.less(u, float(self.factor))

    def _apply(self, x: Any, params: Any) -> Any:
        if x.shape[3] == 1:
            return x
        return m.where(params, m.add(grayscale(x), m.multiply(x, c(x, 0.0))), x)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}


class RandomHue(_Colour):
    """Rotates each image's hue by a random amount when training (Keras 3's
    `keras.layers.RandomHue`).

    Args:
        factor: a number f or a range (lower, upper) in [0, 1]; the shift is a random
            sign times a value drawn from it (a number means [0, f]), in half turns of
            the colour wheel (1 turns red into cyan).
        value_range: the range of the image values.
        seed, data_format: as the other layers.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.RandomHue((1.0, 1.0), value_range=(0, 1))
        >>> layer(np.array([[[1.0, 0.0, 0.0]]], "float32"), training=True).numpy()
        array([[[0., 1., 1.]]], dtype=float32)
    """

    _CHANNELS = (3,)

    def __init__(self, factor: Any, value_range: Any = (0, 255),
                 data_format: str | None = None, seed: int | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self._setup(factor, value_range, 0.0, 1.0)

    def _draw(self, x: Any) -> Any:
        sign = m.where(m.greater(self._uniform(x, 0.0, 1.0, False), 0.5), -1.0, 1.0)
        amount = self._uniform(x, *self.factor, per=False)
        return m.multiply(m.multiply(cast(sign, x.dtype), amount), c(x, 0.5))

    def _apply(self, x: Any, params: Any) -> Any:
        v = rescale(x, self.value_range, (0, 1))
        hsv = kimage.rgb_to_hsv(v, data_format="channels_last")
        hue = m.add(hsv[..., 0], s.reshape(params, [-1, 1, 1]))
        hue = m.where(m.greater(hue, c(hue, 1.0)), m.subtract(hue, c(hue, 1.0)), hue)
        hue = m.where(m.less(hue, c(hue, 0.0)), m.add(hue, c(hue, 1.0)), hue)
        rgb = kimage.hsv_to_rgb(s.stack([hue, hsv[..., 1], hsv[..., 2]], axis=-1),
                                data_format="channels_last")
        return rescale(clip(rgb, 0.0, 1.0), (0, 1), self.value_range)


class RandomSaturation(_Colour):
    """Scales each image's saturation by a random factor when training (Keras 3's
    `keras.layers.RandomSaturation`): a drawn value f multiplies the saturation by
    `f / (1 - f)`, so 0.5 keeps the image, 0 makes it gray and values near 1 saturate it.

    Args:
        factor: a number f (values drawn from [-f, f], Keras 3's reading) or a range
            (lower, upper) in [-1, 1]; e.g. (0.3, 0.7) desaturates or saturates a bit.
        value_range: the range of the image values.
        seed, data_format: as the other layers.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.RandomSaturation((0.0, 0.0), value_range=(0, 1))
        >>> layer(np.array([[[1.0, 0.5, 0.0]]], "float32"), training=True).numpy()
        array([[[1., 1., 1.]]], dtype=float32)
    """

    _CHANNELS = (3,)

    def __init__(self, factor: Any, value_range: Any = (0, 255),
                 data_format: str | None = None, seed: int | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self._setup(factor, value_range)

    def _draw(self, x: Any) -> Any:
        f = self._uniform(x, *self.factor, per=False)
        return m.truediv(f, m.add(m.subtract(c(f, 1.0), f), c(f, 1e-7)))

    def _apply(self, x: Any, params: Any) -> Any:
        v = rescale(x, self.value_range, (0, 1))
        hsv = kimage.rgb_to_hsv(v, data_format="channels_last")
        sat = clip(m.multiply(hsv[..., 1], s.reshape(params, [-1, 1, 1])), 0.0, 1.0)
        rgb = kimage.hsv_to_rgb(s.stack([hsv[..., 0], sat, hsv[..., 2]], axis=-1),
                                data_format="channels_last")
        return rescale(rgb, (0, 1), self.value_range)


class RandomInvert(_Colour):
    """Inverts each image (`low + high - x` in `value_range`) with a probability drawn
    from `factor` when training (Keras 3's `keras.layers.RandomInvert`).

    Args:
        factor: the probability: a number f (drawn from [0, f]) or a range in [0, 1];
            default 1.
        value_range: the range of the image values.
        seed, data_format: as the other layers.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.RandomInvert((1.0, 1.0))
        >>> layer(np.array([[[0.0, 55.0, 255.0]]]), training=True).numpy()
        array([[[255., 200.,   0.]]], dtype=float32)
    """

    def __init__(self, factor: Any = 1.0, value_range: Any = (0, 255), seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self._setup(factor, value_range, 0.0, 1.0)

    def _draw(self, x: Any) -> Any:
        chance = self._uniform(x, *self.factor)
        return m.less(self._uniform(x, 0.0, 1.0), chance)

    def _apply(self, x: Any, params: Any) -> Any:
        lo, hi = self.value_range
        return m.where(params, m.subtract(c(x, float(lo + hi)), x), x)


class RandomPosterization(_Colour):
    """Keeps a random number of the high bits of each 8-bit channel value when training
    (Keras 3's `keras.layers.RandomPosterization`).

    Args:
        factor: the number of bits to keep, in [1, 8]: a number f (drawn from [1, f)) or
            a range (lower, upper) (drawn from [lower, upper), or exactly lower when
            lower == upper).
        value_range: the range of the image values.
        seed, data_format: as the other layers.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.RandomPosterization((2, 2))
        >>> layer(np.array([[[10.0, 100.0, 255.0]]]), training=True).numpy()
        array([[[  0.,  64., 192.]]], dtype=float32)
    """

    def __init__(self, factor: Any, value_range: Any = (0, 255),
                 data_format: str | None = None, seed: int | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self._setup(factor, value_range, 1, 8)
        self.factor = tuple(int(v) for v in self.factor)

    def _draw(self, x: Any) -> Any:
        lo, hi = self.factor
        if lo == hi:
            bits = m.add(m.multiply(uniform(dims(batch_size(x)), seed=self.generator),
                                    c(x, 0.0)), c(x, float(lo)))
        else:
            bits = cast(randint(dims(batch_size(x)), lo, hi, seed=self.generator), x.dtype)
        return per_image(m.pow(c(x, 2.0), m.subtract(c(x, 8.0), bits)))

    def _apply(self, x: Any, params: Any) -> Any:
        v = m.floor(clip(rescale(x, self.value_range, (0, 255)), 0.0, 255.0))
        v = m.multiply(m.floor(m.truediv(v, params)), params)
        return rescale(v, (0, 255), self.value_range)


class RandomSharpness(_Colour):
    """Sharpens or blurs each image by a random amount when training (Keras 3's
    `keras.layers.RandomSharpness`): the image is blended with a 3x3 smoothed copy,
    `x + (1 - 2 f) (smooth(x) - x)`; f = 0.5 keeps the image.

    Args:
        factor: a number f (drawn from [0, f]) or a range (lower, upper) in [0, 1].
        value_range: the range of the image values (outputs are clipped to it).
        seed, data_format: as the other layers.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.RandomSharpness((0.5, 0.5))
        >>> layer(np.full((3, 3, 1), 9.0), training=True)[..., 0].numpy()
        array([[9., 9., 9.],
               [9., 9., 9.],
               [9., 9., 9.]], dtype=float32)
    """

    _KERNEL = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], np.float64) / 13.0

    def __init__(self, factor: Any, value_range: Any = (0, 255),
                 data_format: str | None = None, seed: int | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self._setup(factor, value_range, 0.0, 1.0)

    def _draw(self, x: Any) -> Any:
        return m.multiply(self._uniform(x, *self.factor), c(x, 2.0))

    def _apply(self, x: Any, params: Any) -> Any:
        smooth = filter2d(x, self._KERNEL.tolist(), ((1, 1), (1, 1)))
        return self._clip(m.add(x, m.multiply(m.subtract(c(x, 1.0), params),
                                              m.subtract(smooth, x))))


class RandomColorDegeneration(_Colour):
    """Blends each image towards its grayscale version by a random amount when training
    (Keras 3's `keras.layers.RandomColorDegeneration`).

    Args:
        factor: a number f (amounts in [-f, f]) or a range (lower, upper) in [-1, 1]; 1
            gives the grayscale image, negative values exaggerate the colours.
        value_range: the range of the image values (outputs are clipped to it).
        seed, data_format: as the other layers.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.RandomColorDegeneration((1.0, 1.0))
        >>> layer(np.array([[[255.0, 0.0, 0.0]]]), training=True).numpy().round(2)
        array([[[76.22, 76.22, 76.22]]], dtype=float32)
    """

    _CHANNELS = (3,)

    def __init__(self, factor: Any, value_range: Any = (0, 255),
                 data_format: str | None = None, seed: int | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self._setup(factor, value_range)

    def _draw(self, x: Any) -> Any:
        return self._uniform(x, *self.factor)

    def _apply(self, x: Any, params: Any) -> Any:
        return self._clip(m.add(x, m.multiply(params, m.subtract(grayscale(x), x))))


class RandomColorJitter(BaseImageLayer):
    """Random brightness, contrast, saturation and hue changes, in that order, when
    training (Keras 3's `keras.layers.RandomColorJitter`); each is skipped when its factor
    is None.

    Args:
        value_range: the range of the image values.
        brightness_factor, contrast_factor, saturation_factor, hue_factor: the `factor`
            of RandomBrightness, RandomContrast, RandomSaturation and RandomHue.
        seed, data_format: as the other layers.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.RandomColorJitter(brightness_factor=0.2, hue_factor=0.1,
        ...                                        seed=1)
        >>> y = layer(np.full((2, 4, 4, 3), 128.0), training=True).numpy()
        >>> y.shape, bool((y >= 0).all() and (y <= 255).all())
        ((2, 4, 4, 3), True)
    """

    def __init__(self, value_range: Any = (0, 255), brightness_factor: Any = None,
                 contrast_factor: Any = None, saturation_factor: Any = None,
                 hue_factor: Any = None, seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.value_range = value_range_of(self, value_range)
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        parts = []
        for k, (cls, f) in enumerate(((RandomBrightness, brightness_factor),
                                      (RandomContrast, contrast_factor),
                                      (RandomSaturation, saturation_factor),
                                      (RandomHue, hue_factor))):
            if f is not None:
                sub_seed = None if seed is None else int(seed) + 1 + k
                parts.append(cls(f, value_range=value_range, seed=sub_seed,
                                 data_format=self.data_format, dtype=kwargs.get("dtype")))
        self._parts = Untracked(parts)

    def _draw(self, x: Any) -> Any:
        return [part._draw(x) for part in self._parts.items]

    def _apply(self, x: Any, params: Any) -> Any:
        for part, p in zip(self._parts.items, params):
            x = part._apply(x, p)
        return x

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "brightness_factor": self.brightness_factor,
                "contrast_factor": self.contrast_factor,
                "saturation_factor": self.saturation_factor, "hue_factor": self.hue_factor,
                "seed": self.seed}


def _gauss_taps(size: int, sigma: Any) -> list:
    """The `size` normalized Gaussian weights of standard deviation `sigma` (a tensor)."""
    offsets = np.arange(size, dtype=np.float32) - (size - 1) / 2.0
    w = m.exp(m.multiply(c(sigma, -0.5), m.square(m.truediv(
        cast(offsets, sigma.dtype), sigma))))
    w = m.truediv(w, r.reduce_sum(w))
    return [w[i] for i in range(size)]


class RandomGaussianBlur(_Colour):
    """Blurs each image with a Gaussian filter of random width, with a probability
    drawn from `factor`, when training (Keras 3's `keras.layers.RandomGaussianBlur`).

    Args:
        factor: the probability: a number f (drawn from [0, f]) or a range in [0, 1];
            default 1.
        kernel_size: an odd int or a pair of odd ints (width, height) (default 3).
        sigma: the filter's standard deviation: a number s (drawn from [0, s]) or a
            range (lower, upper) in [0, 1] (default 1).
        value_range: the range of the image values (outputs are clipped to it).
        seed, data_format: as the other layers.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.RandomGaussianBlur((1.0, 1.0), sigma=(1.0, 1.0))
        >>> x = np.zeros((3, 3, 1)); x[1, 1] = 100.0
        >>> layer(x, training=True)[..., 0].numpy().round(1)
        array([[ 7.5, 12.4,  7.5],
               [12.4, 20.4, 12.4],
               [ 7.5, 12.4,  7.5]], dtype=float32)
    """

    def __init__(self, factor: Any = 1.0, kernel_size: Any = 3, sigma: Any = 1.0,
                 value_range: Any = (0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self._setup(factor, value_range, 0.0, 1.0)
        sizes = kernel_size if isinstance(kernel_size, (list, tuple)) else (kernel_size,) * 2
        if len(sizes) != 2 or not all(isinstance(k, (int, np.integer)) and not isinstance(
                k, bool) and k > 0 and k % 2 == 1 for k in sizes):
            raise ValueError(f"{who(self)}: kernel_size must be an odd positive int or a "
                             f"pair of them, received kernel_size={kernel_size!r}.")
        self.kernel_size = (int(sizes[0]), int(sizes[1]))
        self.sigma = factor_range(self, sigma, "sigma", 0.0, 1.0, "clipped")

    def _draw(self, x: Any) -> Any:
        chance = self._uniform(x, *self.factor)
        apply = m.less(self._uniform(x, 0.0, 1.0), chance)
        sigma = m.add(uniform([2], *self.sigma, dtype=x.dtype.name, seed=self.generator),
                      c(x, 1e-6))
        return apply, sigma

    def _apply(self, x: Any, params: Any) -> Any:
        apply, sigma = params
        kx, ky = self.kernel_size
        row = _gauss_taps(kx, sigma[0])
        col = _gauss_taps(ky, sigma[1])
        blurred = filter2d(x, [row], ((0, 0), ((kx - 1) // 2, kx - 1 - (kx - 1) // 2)))
        blurred = filter2d(blurred, [[w] for w in col],
                           (((ky - 1) // 2, ky - 1 - (ky - 1) // 2), (0, 0)))
        return self._clip(m.where(apply, blurred, x))

    def get_config(self) -> dict:
        return {**super().get_config(), "kernel_size": self.kernel_size, "sigma": self.sigma}

"""Image augmentation layers that mix images or chain other layers (Keras 3):
RandomErasing, MixUp, CutMix, RandAugment and AugMix.

Like the other random layers they act only when training. MixUp and CutMix also mix
the labels when called on a dict `{"images": ..., "labels": ...}` (as in
`dataset.map(layer)` after batching). RandAugment and AugMix apply randomly chosen
augmentation layers; eagerly only the chosen ones run, in a traced function all are
traced and one is selected at run time (`ember.switch_case`).

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> data = {"images": np.ones((4, 8, 8, 3), "float32"),
    ...         "labels": np.eye(4, dtype="float32")}
    >>> out = keras.layers.MixUp(seed=1)(data, training=True)
    >>> out["labels"].numpy().sum(axis=1).round(3).tolist()
    [1.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core.tensor import TensorOps
from ...ops import math_ops as m
from ...ops import reduce_ops as r
from ...ops import shape_ops as s
from ...ops.control_case import switch_case
from ...ops.gather_ops import gather
from ...prims.convert import cast
from ..random import beta, gamma, normal, randint, shuffle, uniform
from ._image_base import (BaseImageLayer, batch_index, batch_size, c, choice_of, clip, dims,
                          factor_range, per_image, spatial, value_range_of, who, Untracked)
from .image_augmentation import RandomRotation, RandomShear, RandomTranslation
from .image_augmentation_color import (RandomBrightness, RandomColorDegeneration,
                                       RandomContrast, RandomPosterization, RandomSharpness)
from .image_preprocessing import AutoContrast, Equalization, Solarization

__all__ = ["AugMix", "CutMix", "MixUp", "RandAugment", "RandomErasing"]


def _box_mask(x: Any, x0: Any, x1: Any, y0: Any, y1: Any) -> Any:
    """A `[batch, h, w, 1]` mask of the boxes `[x0, x1) x [y0, y1)` (`[batch]` each)."""
    h, w = int(x.shape[1]), int(x.shape[2])
    gy, gx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    gy = cast(gy[None, :, :, None].astype(np.float32), x.dtype)
    gx = cast(gx[None, :, :, None].astype(np.float32), x.dtype)
    x0, x1, y0, y1 = (per_image(v) for v in (x0, x1, y0, y1))
    inside_x = m.logical_and(m.greater_equal(gx, x0), m.less(gx, x1))
    inside_y = m.logical_and(m.greater_equal(gy, y0), m.less(gy, y1))
    return m.logical_and(inside_x, inside_y)


def _bounds(layer: Any, x: Any, length: int, ratio: Any) -> tuple:
    """A random `[start, end)` of `ratio * length` along an axis, per image."""
    size = m.multiply(ratio, c(x, float(length)))
    start = m.multiply(uniform(dims(batch_size(x)), dtype=x.dtype.name, seed=layer.generator),
                       m.subtract(c(x, float(length)), size))
    return start, m.add(start, size)


class RandomErasing(BaseImageLayer):
    """Erases a random rectangle of each image, with a probability drawn from `factor`,
    when training (Keras 3's `keras.layers.RandomErasing`).

    Args:
        factor: the probability: a number f (drawn from [0, f]) or a range in [0, 1];
            default 1.
        scale: the range (lower, upper) in [0, 1] of the rectangle's size; each side is
            `sqrt(drawn value)` times the image's side.
        fill_value: the fill: None (default, Gaussian noise scaled to the range), a
            number, or 3 numbers (one per channel); clipped to value_range.
        value_range: the range of the image values.
        seed, data_format: as the other layers.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.RandomErasing((1.0, 1.0), (0.25, 0.25), 0.0, seed=1)
        >>> int((layer(np.ones((4, 4, 1)), training=True).numpy() == 0).sum())
        4
    """

    def __init__(self, factor: Any = 1.0, scale: Any = (0.02, 0.33), fill_value: Any = None,
                 value_range: Any = (0, 255), seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = factor_range(self, factor, "factor", 0.0, 1.0, "clipped")
        self.scale = factor_range(self, scale, "scale", 0.0, 1.0, "clipped")
        ok = fill_value is None or isinstance(fill_value, (int, float)) and not isinstance(
            fill_value, bool) or isinstance(fill_value, (list, tuple)) and len(
            fill_value) == 3 and all(isinstance(v, (int, float)) for v in fill_value)
        if not ok:
            raise ValueError(f"{who(self)}: fill_value must be None, a number or 3 numbers "
                             f"(one per channel), received fill_value={fill_value!r}.")
        self.fill_value = fill_value
        self.value_range = value_range_of(self, value_range)

    def _draw(self, x: Any) -> Any:
        h, w, ch = spatial(self, x)
        b = batch_size(x)
        sides = m.sqrt(uniform(dims(b, 2), *self.scale, dtype=x.dtype.name,
                               seed=self.generator))
        x0, x1 = _bounds(self, x, w, sides[:, 0])
        y0, y1 = _bounds(self, x, h, sides[:, 1])
        chance = uniform(dims(b), *self.factor, seed=self.generator)
        apply = m.less(uniform(dims(b), seed=self.generator), chance)
        mask = m.logical_and(_box_mask(x, x0, x1, y0, y1), per_image(apply))
        if self.fill_value is None:
            fill = m.multiply(normal(dims(b, h, w, ch), dtype=x.dtype.name,
                                     seed=self.generator), c(x, float(self.value_range[1])))
        else:
            fill = cast(np.asarray(self.fill_value, np.float32), x.dtype)
        return mask, clip(fill, *self.value_range)

    def _apply(self, x: Any, params: Any) -> Any:
        mask, fill = params
        return m.where(mask, m.add(fill, m.multiply(x, c(x, 0.0))), x)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "fill_value": self.fill_value, "value_range": self.value_range,
                "seed": self.seed}


def _mix_labels(labels: Any, weight: Any, order: Any, dtype: Any) -> Any:
    y = labels if labels.dtype.is_floating else cast(labels, dtype)
    wt = s.reshape(cast(weight, y.dtype), [-1] + [1] * (y.shape.rank - 1))
    return m.add(m.multiply(wt, y), m.multiply(m.subtract(c(y, 1.0), wt),
                                               gather(y, order)))


class MixUp(BaseImageLayer):
    """Blends each image (and its label) with another image of the batch when training
    (Keras 3's `keras.layers.MixUp`): `w x_i + (1 - w) x_j`, w ~ Beta(alpha, alpha).

    Args:
        alpha: the Beta distribution's parameter (default 0.2).
        seed, data_format: as the other layers.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.stack([np.zeros((2, 2, 1)), np.ones((2, 2, 1))]).astype("float32")
        >>> y = keras.layers.MixUp(seed=0)(x, training=True).numpy()
        >>> y.shape, bool(((y >= 0) & (y <= 1)).all())
        ((2, 2, 2, 1), True)
    """

    def __init__(self, alpha: float = 0.2, data_format: str | None = None,
                 seed: int | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f"{who(self)}: alpha must be a positive number, received "
                             f"alpha={alpha!r}.")
        self.alpha = alpha

    def _draw(self, x: Any) -> Any:
        order = shuffle(batch_index(x), seed=self.generator)
        weight = beta(dims(batch_size(x)), float(self.alpha), float(self.alpha),
                      dtype=x.dtype.name, seed=self.generator)
        return weight, order

    def _apply(self, x: Any, params: Any) -> Any:
        weight, order = params
        wt = per_image(weight)
        return m.add(m.multiply(wt, x), m.multiply(m.subtract(c(x, 1.0), wt), gather(x, order)))

    def _apply_labels(self, labels: Any, params: Any) -> Any:
        return _mix_labels(labels, params[0], params[1], self._dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha, "seed": self.seed}


class CutMix(BaseImageLayer):
    """Pastes a random rectangle of another image of the batch into each image when
    training, and mixes the labels by the share of pasted pixels (Keras 3's
    `keras.layers.CutMix`).

    Args:
        factor: the range (lower, upper) in [0, 1] (a number f means [0, f]) of the Beta
            parameter of the pasted fraction; default 1.
        seed, data_format: as the other layers.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> data = {"images": np.stack([np.zeros((4, 4, 1)), np.ones((4, 4, 1))]),
        ...         "labels": np.array([[1.0, 0.0], [0.0, 1.0]])}
        >>> out = keras.layers.CutMix(seed=3)(data, training=True)
        >>> out["labels"].numpy().sum(axis=1).round(3).tolist()
        [1.0, 1.0]
    """

    _GEOMETRIC = True

    def __init__(self, factor: Any = 1.0, seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = factor_range(self, factor, "factor", 0.0, 1.0, "clipped")

    def _draw(self, x: Any) -> Any:
        h, w, _ = spatial(self, x)
        b = batch_size(x)
        alpha = m.add(uniform([], *self.factor, dtype="float64", seed=self.generator), 1e-6)
        kept = cast(beta(dims(b), alpha, alpha, dtype="float64", seed=self.generator),
                    x.dtype)
        ratio = m.sqrt(m.subtract(c(x, 1.0), kept))
        x0, x1 = _bounds(self, x, w, ratio)
        y0, y1 = _bounds(self, x, h, ratio)
        mask = _box_mask(x, x0, x1, y0, y1)
        # the labels' weight: the share of pixels kept (Keras 3 uses the box's real area,
        # which differs from the pasted pixels' share by up to a border's worth)
        weight = m.subtract(c(x, 1.0), r.reduce_mean(cast(mask, x.dtype), axis=[1, 2, 3]))
        order = shuffle(batch_index(x), seed=self.generator)
        return mask, weight, order

    def _apply(self, x: Any, params: Any, interpolation: str | None = None) -> Any:
        mask, _, order = params
        return m.where(mask, gather(x, order), x)

    def _apply_labels(self, labels: Any, params: Any) -> Any:
        return _mix_labels(labels, params[1], params[2], self._dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}


def _pick(x: Any, index: Any, layers: list) -> Any:
    """`x` through `layers[index]` (an index past the end: unchanged). A concrete index
    runs only that layer; a symbolic one traces all and picks at run time."""
    if not isinstance(index, TensorOps) or hasattr(index, "_value"):
        k = int(np.asarray(index.numpy() if isinstance(index, TensorOps) else index))
        if k >= len(layers):
            return x
        return layers[k]._apply(x, layers[k]._draw(x))
    params = [layer._draw(x) for layer in layers]
    fns = [(lambda lyr=lyr, p=p: lyr._apply(x, p)) for lyr, p in zip(layers, params)]
    fns.append(lambda: m.add(x, c(x, 0.0)))
    return switch_case(index, fns)


def _ops(names: list, factor: tuple, value_range: list, interpolation: str, seed: Any,
         fmt: str, dtype: Any) -> Untracked:
    """The augmentation layers of RandAugment / AugMix, each with its own seed."""
    def sub_seed(k: int) -> Any:
        return None if seed is None else int(seed) + 1 + k

    kw = {"data_format": fmt, "dtype": dtype}
    make = {
        "random_shear": lambda k: RandomShear(factor, factor, interpolation=interpolation,
                                              seed=sub_seed(k), **kw),
        "random_translation": lambda k: RandomTranslation(
            factor, factor, interpolation=interpolation, seed=sub_seed(k), **kw),
        "random_rotation": lambda k: RandomRotation(factor, interpolation=interpolation,
                                                    seed=sub_seed(k), **kw),
        "random_brightness": lambda k: RandomBrightness(factor, value_range,
                                                        seed=sub_seed(k), **kw),
        "random_color_degeneration": lambda k: RandomColorDegeneration(
            factor, value_range, seed=sub_seed(k), **kw),
        "random_contrast": lambda k: RandomContrast(factor, value_range, seed=sub_seed(k),
                                                    **kw),
        "random_sharpness": lambda k: RandomSharpness(factor, value_range, seed=sub_seed(k),
                                                      **kw),
        "random_posterization": lambda k: RandomPosterization(
            max(1, int(8 * factor[1])), value_range, seed=sub_seed(k), **kw),
        "solarization": lambda k: Solarization(factor, factor, value_range, seed=sub_seed(k),
                                               **kw),
        "auto_contrast": lambda k: AutoContrast(value_range, **kw),
        "equalization": lambda k: Equalization(value_range, **kw),
    }
    return Untracked(make[name](k) for k, name in enumerate(names))


RAND_AUGMENT_OPS = ["random_shear", "random_translation", "random_rotation",
                    "random_brightness", "random_color_degeneration", "random_contrast",
                    "random_sharpness", "random_posterization", "solarization",
                    "auto_contrast", "equalization"]
AUG_MIX_OPS = ["random_shear", "random_translation", "random_rotation",
               "random_posterization", "solarization", "auto_contrast", "equalization"]
AUG_MIX_ALL_OPS = AUG_MIX_OPS + ["random_brightness", "random_color_degeneration",
                                 "random_contrast", "random_sharpness"]


class RandAugment(BaseImageLayer):
    """Applies `num_ops` augmentations, each chosen at random (the same for the whole
    batch) among shear, translation, rotation, brightness, colour degeneration,
    contrast, sharpness, posterization, solarization, auto-contrast and equalization,
    when training (Keras 3's `keras.layers.RandAugment`).

    Args:
        value_range: the range of the image values.
        num_ops: how many augmentations to apply (default 2).
        factor: the strength of each: a number f (range [0, f]) or a range in [0, 1].
        interpolation: of the geometric ones: "bilinear" (default) or "nearest".
        seed, data_format: as the other layers.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> y = keras.layers.RandAugment(seed=4)(np.full((2, 8, 8, 3), 100.0), training=True)
        >>> y.shape, bool((y.numpy() >= 0).all() and (y.numpy() <= 255).all())
        (TensorShape([2, 8, 8, 3]), True)
    """

    def __init__(self, value_range: Any = (0, 255), num_ops: int = 2, factor: Any = 0.5,
                 interpolation: str = "bilinear", seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.value_range = value_range_of(self, value_range)
        if isinstance(num_ops, bool) or not isinstance(num_ops, int) or num_ops < 0:
            raise ValueError(f"{who(self)}: num_ops must be an int >= 0, received "
                             f"num_ops={num_ops!r}.")
        self.num_ops = num_ops
        self.factor = factor_range(self, factor, "factor", 0.0, 1.0, "clipped")
        self.interpolation = choice_of(self, "interpolation", interpolation,
                                       ("bilinear", "nearest"))
        self._ops = _ops(RAND_AUGMENT_OPS, self.factor, self.value_range,
                         interpolation, seed, self.data_format, kwargs.get("dtype"))

    def _draw(self, x: Any) -> Any:
        return randint([self.num_ops], 0, len(self._ops.items), seed=self.generator)

    def _apply(self, x: Any, params: Any) -> Any:
        for i in range(self.num_ops):
            x = _pick(x, params[i], self._ops.items)
        return x

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "num_ops": self.num_ops, "factor": self.factor,
                "interpolation": self.interpolation, "seed": self.seed}


class AugMix(BaseImageLayer):
    """AugMix (Hendrycks et al., 2020) when training (Keras 3's `keras.layers.AugMix`):
    `num_chains` chains of up to `chain_depth` random augmentations are mixed with
    Dirichlet(alpha) weights, and the mix is blended with the image by a Beta(alpha,
    alpha) weight.

    Args:
        value_range: the range of the image values.
        num_chains: the number of chains (default 3).
        chain_depth: the augmentations per chain (each may be skipped; default 3).
        factor: the strength of each augmentation: a number f (range [0, f]) or a range
            in [0, 1].
        alpha: the Dirichlet and Beta parameter (default 1).
        all_ops: also use brightness, colour degeneration, contrast and sharpness.
        interpolation: of the geometric ones: "bilinear" (default) or "nearest".
        seed, data_format: as the other layers.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> y = keras.layers.AugMix(seed=2)(np.full((1, 8, 8, 3), 50.0), training=True)
        >>> y.shape
        TensorShape([1, 8, 8, 3])
    """

    def __init__(self, value_range: Any = (0, 255), num_chains: int = 3, chain_depth: int = 3,
                 factor: Any = 0.3, alpha: float = 1.0, all_ops: bool = True,
                 interpolation: str = "bilinear", seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.value_range = value_range_of(self, value_range)
        for name, v in (("num_chains", num_chains), ("chain_depth", chain_depth)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{who(self)}: {name} must be a positive int, received "
                                 f"{name}={v!r}.")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f"{who(self)}: alpha must be a positive number, received "
                             f"alpha={alpha!r}.")
        self.num_chains, self.chain_depth = num_chains, chain_depth
        self.factor = factor_range(self, factor, "factor", 0.0, 1.0, "clipped")
        self.alpha = alpha
        self.all_ops = bool(all_ops)
        self.interpolation = choice_of(self, "interpolation", interpolation,
                                       ("bilinear", "nearest"))
        self._ops = _ops(AUG_MIX_ALL_OPS if self.all_ops else AUG_MIX_OPS,
                         self.factor, self.value_range, interpolation, seed,
                         self.data_format, kwargs.get("dtype"))

    def _draw(self, x: Any) -> Any:
        g = gamma([self.num_chains], float(self.alpha), dtype=x.dtype.name,
                  seed=self.generator)
        mixing = m.truediv(g, r.reduce_sum(g))
        blend = beta([], float(self.alpha), float(self.alpha), dtype=x.dtype.name,
                     seed=self.generator)
        choices = randint([self.num_chains, self.chain_depth], 0, len(self._ops.items) + 1,
                          seed=self.generator)
        return mixing, blend, choices

    def _apply(self, x: Any, params: Any) -> Any:
        mixing, blend, choices = params
        mixed = None
        for i in range(self.num_chains):
            y = x
            for j in range(self.chain_depth):
                y = _pick(y, choices[i, j], self._ops.items)
            term = m.multiply(y, mixing[i])
            mixed = term if mixed is None else m.add(mixed, term)
        out = m.add(m.multiply(blend, x), m.multiply(m.subtract(c(x, 1.0), blend), mixed))
        return clip(out, *self.value_range)

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "num_chains": self.num_chains, "chain_depth": self.chain_depth,
                "factor": self.factor, "alpha": self.alpha, "all_ops": self.all_ops,
                "interpolation": self.interpolation, "seed": self.seed}

"""Regularization layers: Dropout, SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
ActivityRegularization.

The noise layers act only when called with `training=True` (given directly, or by the
enclosing model call, e.g. `model(x, training=True)` or training in `fit`); otherwise
they return their inputs. `training` may also be a bool tensor, symbolic inside
`ember.function`. Noise comes from `ember.random`, so it follows `ember.random.set_seed`
and a traced function draws new noise on every call.

Example:
    >>> import ember as tf, numpy as np
    >>> from ember import keras
    >>> layer = keras.layers.Dropout(0.5)
    >>> layer(np.ones((1, 4))).numpy()  # not training: the identity
    array([[1., 1., 1., 1.]], dtype=float32)
    >>> y = layer(np.ones((1, 1000)), training=True).numpy()
    >>> sorted(set(y.ravel().tolist()))  # kept values are scaled by 1 / (1 - rate)
    [0.0, 2.0]
"""

from __future__ import annotations

import math
from typing import Any

from ...core.errors import DTypeError, ShapeError
from ...core.tensor import TensorOps
from ...ops import math_ops as m
from ...ops import random_ops
from ...ops.control_flow import cond
from ...prims.convert import cast
from ...ops.shape_ops import shape as dynamic_shape
from .. import regularizers
from ..config import image_data_format
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer

__all__ = [
    "ActivityRegularization",
    "Dropout",
    "GaussianDropout",
    "GaussianNoise",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
]

# -- noise of a possibly unknown shape ----------------------------------------------------

def _dims(x: Any, noise_shape: Any = None) -> list:
    """The noise shape: `noise_shape` with None entries read from `x`; each entry an int
    or a scalar shape tensor (an unknown dim)."""
    known = list(x.shape)
    dims = known if noise_shape is None else [
        k if d is None else d for d, k in zip(noise_shape, known)]
    if all(d is not None for d in dims):
        return dims
    s = dynamic_shape(x)
    return [s[i] if d is None else d for i, d in enumerate(dims)]


def _uniform(dims: list, dtype: Any, seed: int | None) -> Any:
    """Uniform [0, 1) noise of shape `dims` (entries may be scalar shape tensors)."""
    return random_ops.uniform(dims, dtype=dtype, seed=seed)


def _normal(dims: list, dtype: Any, seed: int | None, mean: float, stddev: float) -> Any:
    """Normal noise of shape `dims` (entries may be scalar shape tensors)."""
    return random_ops.normal(dims, mean=mean, stddev=stddev, dtype=dtype, seed=seed)


# -- shared argument handling -------------------------------------------------------------

def _check_seed(layer: Layer, seed: Any) -> int | None:
    if seed is None or isinstance(seed, int) and not isinstance(seed, bool):
        return seed
    raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}): seed must be an int or '
                     f"None, received seed={seed!r}.")


def _check_rate(layer: Layer, rate: Any, what: str = "rate") -> float:
    ok = isinstance(rate, (int, float)) and not isinstance(rate, bool) and 0 <= rate < 1
    if not ok:
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}): {what} must be a '
                         f"number in [0, 1) (the fraction of inputs to drop), received "
                         f"{what}={rate!r}.")
    return float(rate)


def _when_training(training: Any, inputs: Any, noisy: Any) -> Any:
    """`noisy()` when training, else `inputs`; a bool tensor `training` picks with cond."""
    if training is None or training is False:
        return inputs
    if isinstance(training, TensorOps):
        return cond(cast(training, "bool"), noisy, lambda: inputs)
    return noisy() if training else inputs


def _check_float(layer: Layer, inputs: Any) -> None:
    if not inputs.dtype.is_floating:
        raise DTypeError(f'Layer "{layer.name}" ({type(layer).__name__}): inputs must be a '
                         f"float tensor, received {inputs.dtype.name}. Cast them with "
                         f"ember.cast(x, 'float32').")


class Dropout(Layer):
    """Sets a random fraction `rate` of the inputs to 0 during training, and scales the
    rest by `1 / (1 - rate)` so the expected sum is unchanged (TF's
    `keras.layers.Dropout`).

    Args:
        rate: the fraction of inputs to drop, in [0, 1).
        noise_shape: the shape of the keep/drop mask, broadcast over the inputs; a None
            entry takes the input's dim (e.g. `(None, 1, None)` drops whole timesteps'
            features alike along axis 1).
        seed: an int op seed (see `ember.random.set_seed`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.Dropout(0.2)(np.ones((2, 3)), training=False).shape
        TensorShape([2, 3])
    """

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.rate = _check_rate(self, rate)
        if noise_shape is not None:
            if not isinstance(noise_shape, (list, tuple)) or not all(
                    d is None or isinstance(d, int) and not isinstance(d, bool) and d >= 1
                    for d in noise_shape):
                raise ValueError(f'Layer "{self.name}" (Dropout): noise_shape must be a tuple '
                                 f"of positive ints or None, received "
                                 f"noise_shape={noise_shape!r}.")
            noise_shape = tuple(noise_shape)
        self.noise_shape = noise_shape
        self.seed = _check_seed(self, seed)

    def _noise_shape(self, inputs: Any) -> Any:
        """The noise shape for `inputs` (None entries are the input's dims), checked."""
        ns = self.noise_shape
        if ns is None:
            return None
        shape = inputs.shape
        ok = len(ns) == shape.rank and all(
            d is None or d == 1 or k is None or d == k for d, k in zip(ns, shape))
        if not ok:
            raise ShapeError(f'Layer "{self.name}" ({type(self).__name__}): noise_shape '
                             f"{ns} does not broadcast to the inputs' shape "
                             f"{tuple(shape)}: it needs one entry per axis, each 1, None or "
                             f"the input's dim.")
        return ns

    def call(self, inputs: Any, training: Any = None) -> Any:
        if self.rate == 0:
            return inputs
        noise_shape = self._noise_shape(inputs)

        def dropped() -> Any:
            _check_float(self, inputs)
            u = _uniform(_dims(inputs, noise_shape), inputs.dtype, self.seed)
            keep = cast(m.greater_equal(u, self.rate), inputs.dtype)
            return m.multiply(inputs, m.multiply(keep, 1.0 / (1.0 - self.rate)))

        return _when_training(training, inputs, dropped)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: one keep/drop draw per (sample, channel)."""

    _rank = 3

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None,
                 **kwargs: Any):
        kwargs.pop("noise_shape", None)
        super().__init__(rate, seed=seed, **kwargs)
        fmt = image_data_format() if data_format is None else data_format
        if fmt not in ("channels_last", "channels_first"):
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}): data_format must '
                             f"be 'channels_last' or 'channels_first', received "
                             f"data_format={data_format!r}.")
        self.data_format = fmt
        self.input_spec = InputSpec(ndim=self._rank)

    def _noise_shape(self, inputs: Any) -> Any:
        ones_ = (1,) * (self._rank - 2)
        if self.data_format == "channels_first":
            return (None, None) + ones_
        return (None,) + ones_ + (None,)

    def get_config(self) -> dict:
        config = {**super().get_config(), "data_format": self.data_format}
        config.pop("noise_shape")
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of `(batch, steps, channels)` inputs (TF's
    `keras.layers.SpatialDropout1D`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> y = keras.layers.SpatialDropout1D(0.5)(np.ones((1, 3, 200)), training=True)
        >>> bool((y.numpy() == y.numpy()[:, :1]).all())  # the same mask at every step
        True
    """

    _rank = 3

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any):
        kwargs.pop("data_format", None)
        super().__init__(rate, seed=seed, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("data_format")
        return config


class SpatialDropout2D(_SpatialDropout):
    """Drops whole channels of 4-D image inputs (TF's `keras.layers.SpatialDropout2D`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.SpatialDropout2D(0.5)(np.ones((1, 2, 2, 3))).shape
        TensorShape([1, 2, 2, 3])
    """

    _rank = 4


class SpatialDropout3D(_SpatialDropout):
    """Drops whole channels of 5-D volume inputs (TF's `keras.layers.SpatialDropout3D`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.SpatialDropout3D(0.5)(np.ones((1, 2, 2, 2, 3))).shape
        TensorShape([1, 2, 2, 2, 3])
    """

    _rank = 5


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of standard deviation `stddev` during training (TF's
    `keras.layers.GaussianNoise`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> y = keras.layers.GaussianNoise(0.1, seed=1)(np.zeros((1, 10000)), training=True)
        >>> 0.09 < float(np.std(y.numpy())) < 0.11
        True
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        ok = isinstance(stddev, (int, float)) and not isinstance(stddev, bool) and \
            math.isfinite(stddev) and stddev >= 0
        if not ok:
            raise ValueError(f'Layer "{self.name}" (GaussianNoise): stddev must be a finite '
                             f"number >= 0, received stddev={stddev!r}.")
        self.stddev = float(stddev)
        self.seed = _check_seed(self, seed)

    def call(self, inputs: Any, training: Any = None) -> Any:
        def noisy() -> Any:
            _check_float(self, inputs)
            return m.add(inputs, _normal(_dims(inputs), inputs.dtype, self.seed, 0.0,
                                         self.stddev))

        return _when_training(training, inputs, noisy)

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """Multiplies the inputs by Gaussian noise of mean 1 and standard deviation
    `sqrt(rate / (1 - rate))` during training (TF's `keras.layers.GaussianDropout`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> y = keras.layers.GaussianDropout(0.5, seed=1)(np.ones((1, 10000)), training=True)
        >>> 0.9 < float(np.mean(y.numpy())) < 1.1, 0.9 < float(np.std(y.numpy())) < 1.1
        (True, True)
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.rate = _check_rate(self, rate)
        self.seed = _check_seed(self, seed)

    def call(self, inputs: Any, training: Any = None) -> Any:
        if self.rate == 0:
            return inputs

        def noisy() -> Any:
            _check_float(self, inputs)
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            return m.multiply(inputs, _normal(_dims(inputs), inputs.dtype, self.seed, 1.0,
                                              stddev))

        return _when_training(training, inputs, noisy)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class ActivityRegularization(Layer):
    """Returns its inputs and adds `l1 * sum(|x|) + l2 * sum(x**2)` (divided by the batch
    size) to `losses` (TF's `keras.layers.ActivityRegularization`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> layer = keras.layers.ActivityRegularization(l1=0.5)
        >>> _ = layer(np.array([[1.0, -3.0]]))
        >>> [float(loss) for loss in layer.losses]
        [2.0]
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any):
        kwargs.pop("activity_regularizer", None)
        super().__init__(**kwargs)
        self.supports_masking = True
        for what, v in (("l1", l1), ("l2", l2)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f'Layer "{self.name}" (ActivityRegularization): {what} must '
                                 f"be a finite number, received {what}={v!r}.")
        self.l1, self.l2 = float(l1), float(l2)
        self.activity_regularizer = regularizers.L1L2(l1=self.l1, l2=self.l2)

    def call(self, inputs: Any) -> Any:
        return inputs

    def get_config(self) -> dict:
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}

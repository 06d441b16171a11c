"""Weight initializers (`keras.initializers`), tf.keras 2 style.

An initializer is called as `init(shape, dtype=None)` and returns an ember Tensor of that
shape (dtype float32 unless given). Random initializers follow tf.keras 2's seeding:

- `seed=None`: values come from ember.random's global RNG, so `ember.random.set_seed(s)`
  makes a whole program's weights reproducible, and each call draws new values;
- an int `seed`: values depend on the seed alone (stateless ops with seed `[seed, 0]`), so
  every call of that initializer returns the same values.

`get` turns an identifier (None, a name like 'glorot_uniform' or 'GlorotUniform', a
config dict, a class or an instance) into an initializer.

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> w = keras.initializers.get("glorot_uniform")((3, 4))
    >>> w.shape, w.dtype
    (TensorShape([3, 4]), tf.float32)
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

import ember as tf
from ember.core.dtypes import DType
from ember.errors import DTypeError, ShapeError
from ember.ops.random_samplers import to_shape

from . import serialization
from .config import floatx

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal",
    "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal", "Identity", "zeros", "ones",
    "constant", "random_normal", "random_uniform", "normal", "uniform", "truncated_normal",
    "variance_scaling", "glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
    "lecun_normal", "lecun_uniform", "orthogonal", "identity", "get", "serialize", "deserialize",
]

# NOTE: the stddev of a standard normal truncated to [-2, 2]; VarianceScaling divides by
# it so the truncated samples have the intended variance (Keras's constant).
_TRUNC_STDDEV = 0.87962566103423978


def _floatx() -> DType:
    """The default dtype of weights: `keras.backend.floatx()`."""
    return tf.as_dtype(floatx())


def _compute_fans(shape: tuple) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape, as Keras computes them.

    Rank 0: (1, 1); rank 1: (n, n); rank 2: (in, out); higher ranks (convolution
    kernels [..., in, out]): both multiplied by the receptive field size.
    """
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    receptive = int(np.prod(shape[:-2]))
    return int(shape[-2]) * receptive, int(shape[-1]) * receptive


def _check_seed(who: str, seed: Any) -> int | None:
    if seed is None:
        return None
    try:
        if isinstance(seed, (bool, np.bool_)):
            raise TypeError
        value = operator.index(seed)
    except TypeError:
        raise TypeError(f"{who}: seed must be an int or None, received {seed!r}.") from None
    if not -2**63 <= value < 2**63:
        raise ValueError(f"{who}: seed must fit in 64 bits, received {value}.")
    return value


class Initializer:
    """Base class of initializers: subclasses implement `__call__(shape, dtype=None)`.

    Example:
        >>> from ember import keras
        >>> class Fives(keras.initializers.Initializer):
        ...     def __call__(self, shape, dtype=None, **kwargs):
        ...         return keras.initializers.Constant(5.0)(shape, dtype)
        >>> Fives()((2,)).numpy()
        array([5., 5.], dtype=float32)
    """

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, "
                                  f"dtype=None, **kwargs).")

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-friendly dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        """An initializer built from `get_config()`'s dict."""
        config = dict(config)
        config.pop("dtype", None)  # tf.keras 1 configs carried one
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    # -- shared argument checks --------------------------------------------------------
    def _args(self, shape: Any, dtype: Any, kwargs: dict, floating: bool) -> tuple:
        """(shape tuple, DType) after checking the call's arguments."""
        who = type(self).__name__
        unknown = sorted(k for k, v in kwargs.items()
                         if k not in ("partition_shape", "partition_offset") or v is not None)
        if unknown:
            if set(unknown) <= {"partition_shape", "partition_offset"}:
                raise NotImplementedError(f"{who}: partitioned variables are not supported "
                                          f"by ember; received {unknown}.")
            raise TypeError(f"{who}: unexpected keyword argument(s) {unknown}; an "
                            f"initializer is called as init(shape, dtype=None).")
        shape = to_shape(who, shape)
        dt = _floatx() if dtype is None else tf.as_dtype(dtype)
        if floating and not dt.is_floating:
            raise DTypeError(f"{who}: dtype must be a floating type (float16, bfloat16, "
                             f"float32, float64), received {dt.name}. Pass e.g. "
                             f"dtype='float32'.")
        return shape, dt


def _draw(kind: str, shape: tuple, dtype: DType, seed: int | None, **params: Any) -> Any:
    """Samples of `kind` (normal, truncated_normal, uniform): from the global RNG when
    `seed` is None, else determined by `seed` alone (the stateless op, seed [seed, 0])."""
    if seed is None:
        fn = {"normal": tf.random.normal, "truncated_normal": tf.random.truncated_normal,
              "uniform": tf.random.uniform}[kind]
        return fn(shape, dtype=dtype, **params)
    fn = {"normal": tf.random.stateless_normal,
          "truncated_normal": tf.random.stateless_truncated_normal,
          "uniform": tf.random.stateless_uniform}[kind]
    return fn(shape, seed=np.array([seed, 0], np.int64), dtype=dtype, **params)


# -- constant initializers ------------------------------------------------------------------

class Zeros(Initializer):
    """Initializes to 0.

    Example:
        >>> from ember import keras
        >>> keras.initializers.Zeros()((2,), dtype="int32").numpy()
        array([0, 0], dtype=int32)
    """

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        shape, dt = self._args(shape, dtype, kwargs, floating=False)
        return tf.zeros(shape, dtype=dt)


class Ones(Initializer):
    """Initializes to 1.

    Example:
        >>> from ember import keras
        >>> keras.initializers.Ones()((2,)).numpy()
        array([1., 1.], dtype=float32)
    """

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        shape, dt = self._args(shape, dtype, kwargs, floating=False)
        return tf.ones(shape, dtype=dt)


class Constant(Initializer):
    """Initializes to `value`: a scalar (broadcast), or a value with as many elements as
    the shape (reshaped, as `ember.constant(value, shape=...)`).

    Example:
        >>> from ember import keras
        >>> keras.initializers.Constant(3.0)((2, 2)).numpy()
        array([[3., 3.],
               [3., 3.]], dtype=float32)
    """

    def __init__(self, value: Any = 0):
        self.value = value

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        shape, dt = self._args(shape, dtype, kwargs, floating=False)
        try:
            return tf.constant(self.value, dtype=dt, shape=shape)
        except (ValueError, TypeError) as e:
            raise type(e)(f"Constant: cannot make a {dt.name} tensor of shape {list(shape)} "
                          f"from value {self.value!r}; pass a scalar or a value with "
                          f"{int(np.prod(shape))} elements. ({e})") from None

    def get_config(self) -> dict:
        value = self.value
        if hasattr(value, "numpy"):
            value = value.numpy()
        if isinstance(value, np.ndarray | np.generic):
            value = value.tolist()
        return {"value": value}


# -- random initializers ---------------------------------------------------------------------

class RandomNormal(Initializer):
    """Samples from N(mean, stddev**2).

    Example:
        >>> from ember import keras
        >>> w = keras.initializers.RandomNormal(stddev=1.0, seed=1)((2, 2))
        >>> bool((w == keras.initializers.RandomNormal(stddev=1.0, seed=1)((2, 2))).numpy().all())
        True
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        self.mean = mean
        self.stddev = stddev
        self.seed = _check_seed("RandomNormal", seed)

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        shape, dt = self._args(shape, dtype, kwargs, floating=True)
        return _draw("normal", shape, dt, self.seed, mean=self.mean, stddev=self.stddev)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Samples from N(mean, stddev**2), redrawing values more than 2 stddev from the mean.

    Example:
        >>> from ember import keras
        >>> w = keras.initializers.TruncatedNormal(stddev=1.0)((1000,))
        >>> float(abs(w).numpy().max()) <= 2.0
        True
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        self.mean = mean
        self.stddev = stddev
        self.seed = _check_seed("TruncatedNormal", seed)

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        shape, dt = self._args(shape, dtype, kwargs, floating=True)
        return _draw("truncated_normal", shape, dt, self.seed, mean=self.mean,
                     stddev=self.stddev)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Samples uniformly from [minval, maxval); integer dtypes work too (as tf.keras 2),
    with integer bounds.

    Example:
        >>> from ember import keras
        >>> w = keras.initializers.RandomUniform(0, 10)((5,), dtype="int32")
        >>> w.dtype, bool(((w >= 0) & (w < 10)).numpy().all())
        (tf.int32, True)
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        self.minval = minval
        self.maxval = maxval
        self.seed = _check_seed("RandomUniform", seed)

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        shape, dt = self._args(shape, dtype, kwargs, floating=False)
        if dt.is_bool:
            raise DTypeError("RandomUniform: dtype must be a float or integer type, "
                             "received bool.")
        if dt.is_integer and not all(isinstance(v, int | np.integer)
                                     for v in (self.minval, self.maxval)):
            raise DTypeError(f"RandomUniform: for integer dtype {dt.name}, minval and maxval "
                             f"must be integers; received minval={self.minval!r}, "
                             f"maxval={self.maxval!r}. Use e.g. RandomUniform(0, 10).")
        return _draw("uniform", shape, dt, self.seed, minval=self.minval, maxval=self.maxval)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class VarianceScaling(Initializer):
    """Samples scaled to the weight's fan: variance `scale / n`, n the fan_in, fan_out or
    their mean (`mode`).

    `distribution`: 'truncated_normal' (stddev `sqrt(scale / n) / 0.8796...`, so the
    truncated samples keep that variance; 'normal' is accepted as its alias),
    'untruncated_normal' (stddev `sqrt(scale / n)`) or 'uniform' (in `[-limit, limit]`,
    `limit = sqrt(3 * scale / n)`).

    Example:
        >>> from ember import keras
        >>> init = keras.initializers.VarianceScaling(2.0, "fan_in", "uniform", seed=0)
        >>> w = init((50, 10))
        >>> float(abs(w).numpy().max()) <= (3 * 2.0 / 50) ** 0.5
        True
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: int | None = None):
        who = type(self).__name__
        if not isinstance(scale, int | float | np.floating | np.integer) or not scale > 0:
            raise ValueError(f"{who}: scale must be a positive float, received {scale!r}.")
        modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in modes:
            raise ValueError(f"{who}: mode must be one of {modes}, received {mode!r}.")
        dist = str(distribution).lower()
        dist = "truncated_normal" if dist == "normal" else dist
        dists = ("truncated_normal", "untruncated_normal", "uniform")
        if dist not in dists:
            raise ValueError(f"{who}: distribution must be one of {dists} (or 'normal'), "
                             f"received {distribution!r}.")
        self.scale = scale
        self.mode = mode
        self.distribution = dist
        self.seed = _check_seed(who, seed)

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        shape, dt = self._args(shape, dtype, kwargs, floating=True)
        fan_in, fan_out = _compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        variance = self.scale / max(1.0, n[self.mode])
        if self.distribution == "truncated_normal":
            return _draw("truncated_normal", shape, dt, self.seed, mean=0.0,
                         stddev=math.sqrt(variance) / _TRUNC_STDDEV)
        if self.distribution == "untruncated_normal":
            return _draw("normal", shape, dt, self.seed, mean=0.0, stddev=math.sqrt(variance))
        limit = math.sqrt(3.0 * variance)
        return _draw("uniform", shape, dt, self.seed, minval=-limit, maxval=limit)

    def get_config(self) -> dict:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed (scale, mode, distribution); its config is the seed."""

    _SETTINGS: tuple = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed: int | None = None):
        super().__init__(*self._SETTINGS, seed=seed)

    def get_config(self) -> dict:
        return {"seed": self.seed}


class GlorotUniform(_Preset):
    """Glorot (Xavier) uniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)).

    Example:
        >>> from ember import keras
        >>> keras.initializers.get("glorot_uniform")
        GlorotUniform(seed=None)
    """

    _SETTINGS = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Glorot (Xavier) normal: truncated normal, stddev = sqrt(2 / (fan_in + fan_out)).

    Example:
        >>> from ember import keras
        >>> keras.initializers.GlorotNormal(seed=1)((4, 3)).shape
        TensorShape([4, 3])
    """

    _SETTINGS = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_Preset):
    """He normal: truncated normal, stddev = sqrt(2 / fan_in).

    Example:
        >>> from ember import keras
        >>> keras.initializers.HeNormal(seed=1)((3, 3, 2, 8)).shape
        TensorShape([3, 3, 2, 8])
    """

    _SETTINGS = (2.0, "fan_in", "truncated_normal")


class HeUniform(_Preset):
    """He uniform: U(-limit, limit), limit = sqrt(6 / fan_in).

    Example:
        >>> from ember import keras
        >>> keras.initializers.HeUniform().get_config()
        {'seed': None}
    """

    _SETTINGS = (2.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    """LeCun normal: truncated normal, stddev = sqrt(1 / fan_in).

    Example:
        >>> from ember import keras
        >>> keras.initializers.LecunNormal(seed=5).distribution
        'truncated_normal'
    """

    _SETTINGS = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    """LeCun uniform: U(-limit, limit), limit = sqrt(3 / fan_in).

    Example:
        >>> from ember import keras
        >>> keras.initializers.LecunUniform().mode
        'fan_in'
    """

    _SETTINGS = (1.0, "fan_in", "uniform")


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times `gain`, of the QR decomposition of a normal sample.

    Shapes of rank > 2 are treated as matrices [prod(shape[:-1]), shape[-1]]; the rows
    (or, if fewer, the columns) are orthonormal.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> w = keras.initializers.Orthogonal(seed=3)((4, 4)).numpy()
        >>> bool(np.allclose(w.T @ w, np.eye(4), atol=1e-5))
        True
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None):
        self.gain = gain
        self.seed = _check_seed("Orthogonal", seed)

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        shape, dt = self._args(shape, dtype, kwargs, floating=True)
        if len(shape) < 2:
            raise ShapeError(f"Orthogonal: the shape must have rank >= 2, received "
                             f"{list(shape)}; use e.g. RandomNormal for vectors.")
        rows, cols = int(np.prod(shape[:-1])), int(shape[-1])
        sample_dt = tf.float64 if dt == tf.float64 else tf.float32
        a = _draw("normal", (max(rows, cols), min(rows, cols)), sample_dt, self.seed)
        # NOTE: ember has no QR op; an initializer runs on concrete values only (never in
        # a trace), so NumPy's QR of the concrete sample is used, in float64.
        q, r = np.linalg.qr(a.numpy().astype(np.float64))
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)  # sign fix: uniform over rotations
        if rows < cols:
            q = q.T
        return tf.constant(self.gain * q.reshape(shape), dtype=dt)

    def get_config(self) -> dict:
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only; non-square is fine).

    Example:
        >>> from ember import keras
        >>> keras.initializers.Identity(2.0)((2, 3)).numpy()
        array([[2., 0., 0.],
               [0., 2., 0.]], dtype=float32)
    """

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        shape, dt = self._args(shape, dtype, kwargs, floating=True)
        if len(shape) != 2:
            raise ShapeError(f"Identity: only 2-D shapes can be initialized to an identity "
                             f"matrix, received shape {list(shape)}; use Orthogonal or "
                             f"a Constant for other ranks.")
        return tf.multiply(tf.eye(shape[0], shape[1], dtype=dt), self.gain)

    def get_config(self) -> dict:
        return {"gain": self.gain}


# -- aliases and identifiers -------------------------------------------------------------------

zeros = Zeros
ones = Ones
constant = Constant
random_normal = RandomNormal
random_uniform = RandomUniform
normal = RandomNormal  # tf.keras's short names ('uniform': Embedding's default)
uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = Orthogonal
identity = Identity

_CLASSES = (Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal,
            VarianceScaling, GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal,
            LecunUniform, Orthogonal, Identity)
_ALL: dict[str, type] = {**{c.__name__: c for c in _CLASSES},
                         **{k: v for k, v in globals().items() if v in _CLASSES
                            and k[0].islower()}}


def _unknown(identifier: Any) -> ValueError:
    return ValueError(f"Could not interpret initializer identifier: {identifier!r}. Pass "
                      f"None, an Initializer (class or instance), a config dict, or one of "
                      f"the names {', '.join(sorted(_ALL))}.")


def serialize(initializer: Any) -> dict | str | None:
    """`{"class_name": ..., "config": initializer.get_config()}`; a plain function gives
    its name, None gives None.

    Example:
        >>> from ember import keras
        >>> keras.initializers.serialize(keras.initializers.HeNormal(seed=2))
        {'class_name': 'HeNormal', 'config': {'seed': 2}}
    """
    return serialization.serialize_object(initializer, "initializer", "Initializer")


def deserialize(config: dict | str | None, custom_objects: dict | None = None) -> Any:
    """The initializer that `serialize` described (a config dict or a name);
    `custom_objects` maps extra names to classes or functions.

    Example:
        >>> from ember import keras
        >>> keras.initializers.deserialize({"class_name": "Constant", "config": {"value": 2}})
        Constant(value=2)
    """
    return serialization.deserialize_object(config, _ALL, custom_objects, _unknown)


def get(identifier: Any) -> Any:
    """An initializer from an identifier: None -> None, a name ('glorot_uniform' or
    'GlorotUniform') or dict -> `deserialize`, a class -> an instance, an instance or
    other callable -> itself.

    Example:
        >>> from ember import keras
        >>> keras.initializers.get("he_uniform"), keras.initializers.get(None)
        (HeUniform(seed=None), None)
    """
    return serialization.get_object(identifier, deserialize, Initializer, _unknown)

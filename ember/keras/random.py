"""`keras.random`: Keras 3's random ops and `SeedGenerator`.

Every op takes `seed`: an int gives the same numbers on every call (a stateless draw, as
in Keras 3), a `SeedGenerator` gives new numbers on every call (its state, a Variable,
advances, also inside a compiled function or a training step), and None draws from a
global generator seeded by `keras.utils.set_random_seed` / `ember.random.set_seed`.
Built on ember's stateless random ops, so each works on both backends and in graphs;
the numbers differ from Keras 3's (each backend of Keras draws its own).

Example:
    >>> from ember import keras
    >>> a = keras.random.normal((2,), seed=3)
    >>> bool((a.numpy() == keras.random.normal((2,), seed=3).numpy()).all())
    True
    >>> gen = keras.random.SeedGenerator(7)
    >>> bool((keras.random.uniform((2,), seed=gen).numpy() != keras.random.uniform((2,), seed=gen).numpy()).all())
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.tensor import TensorOps
from ..core.variable import Variable
from ..ops import math_ops
from ..ops.gather_ops import gather
from ..ops.random_ops import uniform as random_uniform
from ..ops.random_ops import (stateless_categorical, stateless_normal,
                              stateless_truncated_normal, stateless_uniform)
from ..ops.reduce_ops import reduce_sum
from ..ops.shape_ops import reshape
from ..ops.shape_ops import shape as dynamic_shape
from ..ops.sort_ops import argsort
from ..prims.convert import cast
from ..prims.math import where
from .ops._dtypes import standardize_dtype, to_tensor

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal",
           "randint", "shuffle", "truncated_normal", "uniform"]


class SeedGenerator:
    """A seed that advances: each op given it draws new numbers (its `state` Variable
    moves on by one each time, in eager code and in compiled steps alike).

    Example:
        >>> from ember import keras
        >>> gen = keras.random.SeedGenerator(42)
        >>> gen.state.numpy().tolist()
        [42, 0]
        >>> _ = gen.next(); gen.state.numpy().tolist()
        [42, 1]
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs: Any):
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        if not isinstance(seed, (int, np.integer)):
            raise ValueError(f"SeedGenerator: seed must be an int or None, received "
                             f"{seed!r}.")
        self.name = name or "seed_generator"
        self._initial_seed = int(seed)
        self.state = Variable(np.array([int(seed), 0], np.int64), trainable=False,
                              name=f"{self.name}_state")

    def next(self, ordered: bool = True) -> Any:
        """The seed for one draw (a [2] int64 tensor); the state moves on."""
        seed = self.state.read_value()
        self.state.assign_add(np.array([0, 1], np.int64))
        return seed

    def get_config(self) -> dict:
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config: dict) -> "SeedGenerator":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name!r} seed={self._initial_seed}>"


def _global_seed() -> Any:
    """The seed of a `seed=None` draw: two numbers from ember's stateful random ops, which
    follow the global seed (`keras.utils.set_random_seed`) and advance in compiled steps."""
    return random_uniform((2,), minval=0, maxval=2**31 - 1, dtype="int64")


def _seed(seed: Any) -> Any:
    """A [2] int64 seed tensor for one stateless draw."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return _global_seed()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return to_tensor(np.array([int(seed), 0], np.int64))
    if isinstance(seed, TensorOps) and seed.shape.as_list() == [2]:
        return seed
    raise ValueError(f"keras.random: seed must be an int, a keras.random.SeedGenerator or "
                     f"None, received {seed!r}.")


def _float(dtype: Any) -> str:
    d = standardize_dtype(dtype)
    if not d.startswith(("float", "bfloat")):
        raise ValueError(f"keras.random: dtype must be a float dtype, received {dtype!r}.")
    return d


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
           seed: Any = None) -> Any:
    """Numbers from a normal distribution.

    Example:
        >>> from ember import keras
        >>> keras.random.normal((2, 3), seed=1).shape
        TensorShape([2, 3])
    """
    return stateless_normal(shape, _seed(seed), mean=mean, stddev=stddev,
                            dtype=_float(dtype))


def uniform(shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None,
            seed: Any = None) -> Any:
    """Numbers uniform in `[minval, maxval)`.

    Example:
        >>> from ember import keras
        >>> x = keras.random.uniform((100,), 2.0, 3.0, seed=1).numpy()
        >>> bool((x >= 2.0).all() and (x < 3.0).all())
        True
    """
    return stateless_uniform(shape, _seed(seed), minval=minval, maxval=maxval,
                             dtype=_float(dtype))


def randint(shape: Any, minval: int, maxval: int, dtype: Any = "int32",
            seed: Any = None) -> Any:
    """Integers uniform in `[minval, maxval)`.

    Example:
        >>> from ember import keras
        >>> x = keras.random.randint((50,), 0, 3, seed=2).numpy()
        >>> sorted(set(x.tolist())), x.dtype.name
        ([0, 1, 2], 'int32')
    """
    d = standardize_dtype(dtype)
    if not d.startswith(("int", "uint")):
        raise ValueError(f"keras.random.randint: dtype must be an integer dtype, received "
                         f"{dtype!r}.")
    u = stateless_uniform(shape, _seed(seed), dtype="float64")
    lo, hi = cast(to_tensor(minval), "float64"), cast(to_tensor(maxval), "float64")
    return cast(math_ops.floor(lo + u * (hi - lo)), d)


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
                     seed: Any = None) -> Any:
    """Normal numbers redrawn where more than two standard deviations from the mean.

    Example:
        >>> from ember import keras
        >>> bool((abs(keras.random.truncated_normal((200,), seed=3).numpy()) <= 2).all())
        True
    """
    return stateless_truncated_normal(shape, _seed(seed), mean=mean, stddev=stddev,
                                      dtype=_float(dtype))


def dropout(inputs: Any, rate: float, noise_shape: Any = None, seed: Any = None) -> Any:
    """`inputs` with a fraction `rate` of entries zeroed and the rest scaled by
    `1 / (1 - rate)`; `noise_shape` shares one draw along its dims of size 1.

    Example:
        >>> from ember import keras
        >>> sorted(set(keras.random.dropout([1.0] * 8, 0.5, seed=1).numpy().tolist()))
        [0.0, 2.0]
    """
    x = to_tensor(inputs)
    if not 0 <= float(rate) < 1:
        raise ValueError(f"keras.random.dropout: rate must be in [0, 1), received {rate}.")
    if noise_shape is None:
        noise_shape = dynamic_shape(x)
    else:
        noise_shape = [d if d is not None else x.shape[i] for i, d in enumerate(noise_shape)]
    keep = stateless_uniform(noise_shape, _seed(seed), dtype=x.dtype) >= rate
    return where(keep, x * (1.0 / (1.0 - rate)), x * 0.0)


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> Any:
    """`x` with its slices along `axis` in a random order.

    Example:
        >>> from ember import keras
        >>> sorted(keras.random.shuffle([1, 2, 3, 4], seed=5).numpy().tolist())
        [1, 2, 3, 4]
    """
    x = to_tensor(x)
    n = dynamic_shape(x)[axis]
    order = argsort(stateless_uniform(reshape(n, (1,)), _seed(seed)))
    return gather(x, order, axis=axis)


def categorical(logits: Any, num_samples: int, dtype: Any = "int32", seed: Any = None) -> Any:
    """`num_samples` class ids per row of `logits` (unnormalized log-probabilities).

    Example:
        >>> from ember import keras
        >>> keras.random.categorical([[0.0, -1e9], [-1e9, 0.0]], 3, seed=1).numpy()
        array([[0, 0, 0],
               [1, 1, 1]], dtype=int32)
    """
    logits = to_tensor(logits)
    if logits.shape.rank != 2:
        raise ValueError(f"keras.random.categorical: logits must be 2-D (batch, classes), "
                         f"received shape {logits.shape}.")
    return stateless_categorical(logits, num_samples, _seed(seed),
                                 dtype=standardize_dtype(dtype))


def gamma(shape: Any, alpha: Any, dtype: Any = None, seed: Any = None) -> Any:
    """Numbers from a gamma distribution of concentration `alpha` (scale 1).

    Marsaglia and Tsang's method, vectorized: 8 rounds of proposals (each accepted with
    probability > 0.95), and `alpha < 1` boosted through `alpha + 1`.

    Example:
        >>> from ember import keras
        >>> x = keras.random.gamma((4000,), 3.0, seed=1).numpy()
        >>> bool(abs(x.mean() - 3.0) < 0.15)
        True
    """
    d = _float(dtype)
    return cast(_gamma(shape, alpha, _seed(seed)), d)


def _gamma(shape: Any, alpha: Any, seed: Any) -> Any:
    a = to_tensor(alpha, "float64")
    a = a + stateless_uniform(shape, seed, dtype="float64") * 0.0  # broadcast to shape
    boosted = where(a < 1.0, a + 1.0, a)
    dd = boosted - 1.0 / 3.0
    c = 1.0 / math_ops.sqrt(9.0 * dd)
    out = dd * 0.0 - 1.0  # -1: not drawn yet
    for r in range(8):
        s = seed + to_tensor(np.array([0, 1000 + 2 * r], np.int64))
        z = stateless_normal(shape, s, dtype="float64")
        u = stateless_uniform(shape, s + to_tensor(np.array([0, 1], np.int64)),
                              dtype="float64")
        v = (1.0 + c * z) ** 3
        ok = (v > 0) & (math_ops.log(u + 1e-300) < 0.5 * z * z + dd - dd * v +
                        dd * math_ops.log(math_ops.maximum(v, 1e-300)))
        out = where((out < 0) & ok, dd * v, out)
    out = where(out < 0, dd, out)  # (never in practice) the mode
    u = stateless_uniform(shape, seed + to_tensor(np.array([0, 999], np.int64)),
                          dtype="float64")
    return where(a < 1.0, out * u ** (1.0 / a), out)


def beta(shape: Any, alpha: Any, beta: Any, dtype: Any = None, seed: Any = None) -> Any:
    """Numbers from a beta distribution (`X / (X + Y)` of two gamma draws).

    Example:
        >>> from ember import keras
        >>> x = keras.random.beta((4000,), 2.0, 6.0, seed=1).numpy()
        >>> bool(abs(x.mean() - 0.25) < 0.02)
        True
    """
    d = _float(dtype)
    s = _seed(seed)
    x = _gamma(shape, alpha, s)
    y = _gamma(shape, beta, s + to_tensor(np.array([7919, 0], np.int64)))
    return cast(x / (x + y), d)


def binomial(shape: Any, counts: Any, probabilities: Any, dtype: Any = None,
             seed: Any = None) -> Any:
    """Numbers of successes in `counts` trials of probability `probabilities` (sums of
    Bernoulli draws; `counts` must be known, as a number or concrete values).

    Example:
        >>> from ember import keras
        >>> x = keras.random.binomial((3000,), 10, 0.3, seed=1).numpy()
        >>> bool(abs(x.mean() - 3.0) < 0.15), float(x.max()) <= 10
        (True, True)
    """
    d = _float(dtype)
    n = to_tensor(counts, "float64")
    if not hasattr(n, "_value"):
        raise NotImplementedError("keras.random.binomial: `counts` must have values (a "
                                  "number or a concrete tensor), not a symbolic tensor.")
    most = int(np.max(n.numpy())) if n.shape.num_elements() else 0
    shape_list = [int(v) for v in np.asarray(shape).reshape(-1)] if not isinstance(
        shape, TensorOps) else [int(v) for v in shape.numpy()]
    p = to_tensor(probabilities, "float64")
    u = stateless_uniform([max(most, 1)] + shape_list, _seed(seed), dtype="float64")
    trial = reshape(to_tensor(np.arange(max(most, 1), dtype=np.float64)),
                    [max(most, 1)] + [1] * len(shape_list))
    hits = cast((u < p) & (trial < n), "float64")
    return cast(reduce_sum(hits, axis=0), d)





"""Random ops with TensorFlow's seed semantics: `ember.random`.

The random primitives are stateless: each takes a key tensor (an integer array of shape
[2]) and static params, and the same key always gives the same values. All state lives
here, in the op layer: the global seed and its counters (`set_seed`), and the state of
each `Generator` (see `random_generator.py`). `_next_key` is the one place that turns
that state into the key of a call.

Seed rules, as `tf.random.set_seed` documents them, for an op called with `seed`:
1. no global seed, no op seed: a fresh nondeterministic key for every call;
2. global seed, no op seed: the op seed comes from the global seed and a counter that
   `set_seed` resets, so a re-run (or `set_seed` again) repeats the sequence;
3. op seed, no global seed: a default global seed (TF's 87654321) is used with it;
4. both: determined by both. Repeated calls of one op with one seed continue a
   sequence (as TF eager's kernel cache does); `set_seed` restarts it.

Scaling (mean/stddev, [minval, maxval)), integer ranges and categorical sampling are the
samplers of `random_samplers.py` (on the primitives of `prims/random.py`), with the key
helpers (`mix`, `make_key`) shared with the Generator; seed splitting is a composite here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.context import CTX
from ..core.dtypes import float32, int32, int64, uint32, uint64
from ..core.errors import InvalidArgumentError, fmt_spec
from ..core.registry import bind
from ..core.tensor import TensorOps, wrap
from ..core.variable import Variable
from ..prims.convert import as_tensor, cast, convert_to_tensor
from ..prims.math import add
from ..prims.random import random_bits_p, random_shuffle_p, random_truncated_normal_p
from .random_generator import Generator, get_global_generator, set_global_generator
from .random_samplers import (  # noqa: F401 - re-exported
    ENTROPY,
    categorical_sampler,
    make_key,
    mix,
    normal_sampler,
    seed_int,
    uniform_sampler,
)
from .shape_ops import stack

__all__ = [
    "set_seed", "normal", "uniform", "truncated_normal", "shuffle", "categorical",
    "stateless_normal", "stateless_uniform", "stateless_truncated_normal",
    "stateless_categorical", "split", "Generator", "get_global_generator",
    "set_global_generator",
]

# -- keys and the global seed ------------------------------------------------------

_MASK = (1 << 64) - 1
DEFAULT_GLOBAL_SEED = 87654321  # TF's default graph seed (rule 3)


class _SeedState:
    """The global seed (None: unset), the counter of rule 2 and the per-(op, seed) call
    counts of rules 3 and 4. `set_seed` resets all three."""

    def __init__(self):
        self.global_seed: int | None = None
        self.counter = 0
        self.streams: dict = {}
        self.entropy = ENTROPY  # rule 1: OS entropy, never seeded


_STATE = _SeedState()


def set_seed(seed: int | None) -> None:
    """Sets the global random seed (None unsets it), and restarts every seeded sequence.

    With a global seed, random ops without an op seed give the same sequence on every run
    of the program; ops with an op seed restart their sequence.

    Example:
        >>> import ember as tf
        >>> tf.random.set_seed(5)
        >>> a = tf.random.uniform([2])
        >>> tf.random.set_seed(5)
        >>> bool(tf.reduce_all(tf.random.uniform([2]) == a))
        True
        >>> tf.random.set_seed(None)
    """
    _STATE.global_seed = None if seed is None else seed_int("set_seed", seed) & _MASK
    _STATE.counter = 0
    _STATE.streams = {}
    if _CALLS:
        _CALLS[0].assign(np.int64(0))


_CALLS: list = []  # a hidden int64 Variable counting calls of traced random ops


def _next_key(op: str, seed: Any) -> Any:
    """The key of the next call of stateful op `op` with op seed `seed` (TF's rules 1-4).

    NOTE: the only place where the global random state is read and advanced. Inside
    ember.function the key computed at trace time is offset by a hidden counter Variable
    that the graph reads and increments, so each call of the function draws new numbers
    (and `set_seed` makes the sequence of calls reproducible).
    """
    key = _python_key(op, seed)
    if not CTX.traces:
        return key
    if not _CALLS:
        _CALLS.append(Variable(np.int64(0), trainable=False, name="random_calls"))
    calls = _CALLS[0]
    n = cast(calls, uint64)
    calls.assign_add(np.int64(1))
    return add(key, stack([cast(0, uint64), n]))


def _python_key(op: str, seed: Any) -> Any:
    g = _STATE.global_seed
    if seed is None:
        if g is None:  # rule 1
            return wrap(_STATE.entropy.integers(0, _MASK, size=2, dtype=np.uint64,
                                                endpoint=True))
        _STATE.counter += 1  # rule 2
        return make_key(mix(1, g), mix(2, _STATE.counter))
    s = seed_int(op, seed) & _MASK
    if g is None:
        g = DEFAULT_GLOBAL_SEED  # rule 3
    n = _STATE.streams.get((op, s), 0)  # rules 3 and 4: the call count of this op seed
    _STATE.streams[(op, s)] = n + 1
    return make_key(mix(3, g, s), mix(4, n))


def _stateless_key(op: str, seed: Any) -> Any:
    """The user's stateless seed (shape [2], int32 or int64), used as the key itself."""
    try:
        key = as_tensor(seed) if isinstance(seed, TensorOps) else convert_to_tensor(seed)
    except (TypeError, ValueError) as e:
        raise InvalidArgumentError(f"{op}: seed must be a shape [2] int32 or int64 tensor, "
                                   f"e.g. seed=[1, 2]; {e}") from None
    if key.dtype not in (int32, int64) or tuple(key.shape) != (2,):
        raise InvalidArgumentError(
            f"{op}: seed must be a shape [2] int32 or int64 tensor, e.g. seed=[1, 2]; "
            f"received {fmt_spec(tuple(key.shape), key.dtype)}.")
    return key


# -- stateful ops ----------------------------------------------------------------------

def normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = float32,
           seed: int | None = None, name: str | None = None) -> Any:
    """Samples from a normal distribution N(mean, stddev**2).

    Example:
        >>> import ember as tf
        >>> x = tf.random.normal([2, 3], mean=1.0, stddev=0.5, seed=1)
        >>> x.shape, x.dtype
        (TensorShape([2, 3]), tf.float32)
    """
    sampler = normal_sampler("normal", shape, mean, stddev, dtype)
    return sampler.run(_next_key("normal", seed))


def truncated_normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = float32,
                     seed: int | None = None, name: str | None = None) -> Any:
    """Samples from a normal distribution whose values beyond 2 stddev of the mean are
    drawn again.

    Example:
        >>> import ember as tf
        >>> x = tf.random.truncated_normal([1000], stddev=3.0)
        >>> bool(tf.reduce_all(tf.abs(x) <= 6.0))
        True
    """
    sampler = normal_sampler("truncated_normal", shape, mean, stddev, dtype,
                             random_truncated_normal_p)
    return sampler.run(_next_key("truncated_normal", seed))


def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = float32,
            seed: int | None = None, name: str | None = None) -> Any:
    """Samples uniformly from [minval, maxval): [0, 1) by default for floats; integer
    dtypes need `maxval`.

    Example:
        >>> import ember as tf
        >>> x = tf.random.uniform([5], minval=5, maxval=10, dtype=tf.int64)
        >>> x.dtype, bool(tf.reduce_all((x >= 5) & (x < 10)))
        (tf.int64, True)
    """
    sampler = uniform_sampler("uniform", shape, minval, maxval, dtype, full_range_ok=False)
    return sampler.run(_next_key("uniform", seed))


def shuffle(value: Any, seed: int | None = None, name: str | None = None) -> Any:
    """`value` with its first dimension randomly permuted.

    Example:
        >>> import ember as tf
        >>> x = tf.random.shuffle(tf.constant([[1, 2], [3, 4], [5, 6]]))
        >>> sorted(x.numpy()[:, 0].tolist())
        [1, 3, 5]
    """
    value = value if isinstance(value, TensorOps) else convert_to_tensor(value)
    return bind(random_shuffle_p, _next_key("shuffle", seed), value)


def categorical(logits: Any, num_samples: Any, dtype: Any = None, seed: int | None = None,
                name: str | None = None) -> Any:
    """Draws `num_samples` class indices per row of `logits` [batch, num_classes]
    (unnormalised log-probabilities); int64 unless `dtype`.

    Example:
        >>> import ember as tf
        >>> tf.random.categorical(tf.constant([[-1e9, 0.0], [0.0, -1e9]]), 3).numpy()
        array([[1, 1, 1],
               [0, 0, 0]])
    """
    sampler = categorical_sampler("categorical", logits, num_samples, dtype)
    return sampler.run(_next_key("categorical", seed))


# -- stateless ops -----------------------------------------------------------------------

def stateless_normal(shape: Any, seed: Any, mean: Any = 0.0, stddev: Any = 1.0,
                     dtype: Any = float32, name: str | None = None,
                     alg: Any = "auto_select") -> Any:
    """Normal samples determined by `seed` (shape [2], int32 or int64) alone.

    Example:
        >>> import ember as tf
        >>> a = tf.random.stateless_normal([3], seed=[1, 2])
        >>> bool(tf.reduce_all(a == tf.random.stateless_normal([3], seed=[1, 2])))
        True
    """
    sampler = normal_sampler("stateless_normal", shape, mean, stddev, dtype)
    return sampler.run(_stateless_key("stateless_normal", seed))


def stateless_truncated_normal(shape: Any, seed: Any, mean: Any = 0.0, stddev: Any = 1.0,
                               dtype: Any = float32, name: str | None = None,
                               alg: Any = "auto_select") -> Any:
    """Truncated normal samples (within 2 stddev) determined by `seed` alone.

    Example:
        >>> import ember as tf
        >>> x = tf.random.stateless_truncated_normal([100], seed=[3, 4])
        >>> float(tf.reduce_max(tf.abs(x))) <= 2.0
        True
    """
    sampler = normal_sampler("stateless_truncated_normal", shape, mean, stddev, dtype,
                             random_truncated_normal_p)
    return sampler.run(_stateless_key("stateless_truncated_normal", seed))


def stateless_uniform(shape: Any, seed: Any, minval: Any = 0, maxval: Any = None,
                      dtype: Any = float32, name: str | None = None,
                      alg: Any = "auto_select") -> Any:
    """Uniform samples in [minval, maxval) determined by `seed` alone; for integer dtypes
    pass `maxval`, or `minval=None, maxval=None` for the full range of the dtype.

    Example:
        >>> import ember as tf
        >>> tf.random.stateless_uniform([2], seed=[1, 2], minval=None, maxval=None,
        ...                             dtype=tf.uint32).dtype
        tf.uint32
    """
    sampler = uniform_sampler("stateless_uniform", shape, minval, maxval, dtype,
                              full_range_ok=True)
    return sampler.run(_stateless_key("stateless_uniform", seed))


def stateless_categorical(logits: Any, num_samples: Any, seed: Any, dtype: Any = int64,
                          name: str | None = None) -> Any:
    """`categorical`, determined by `seed` alone.

    Example:
        >>> import ember as tf
        >>> tf.random.stateless_categorical([[0.0, 0.0]], 4, seed=[7, 8]).shape
        TensorShape([1, 4])
    """
    sampler = categorical_sampler("stateless_categorical", logits, num_samples, dtype)
    return sampler.run(_stateless_key("stateless_categorical", seed))


def split(seed: Any, num: int = 2, alg: Any = "auto_select") -> Any:
    """`num` new stateless seeds ([num, 2], the dtype of `seed`) derived from `seed`.

    Example:
        >>> import ember as tf
        >>> seeds = tf.random.split([1, 2], num=3)
        >>> seeds.shape, seeds.dtype
        (TensorShape([3, 2]), tf.int32)
    """
    key = _stateless_key("split", seed)
    n = seed_int("split", num, "num")
    if n < 0:
        raise InvalidArgumentError(f"split: num must be >= 0, received {n}.")
    bits_dt = uint32 if key.dtype == int32 else uint64
    return cast(bind(random_bits_p, key, shape=(n, 2), dtype=bits_dt._numpy()), key.dtype)


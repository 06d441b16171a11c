"""`ember.random.Generator`: a random-number generator with its own state (TF's
`tf.random.Generator`), independent of the global seed.

The state is an int64 Variable of shape [3], `[counter_lo, counter_hi, key]`, as TF's
Philox state. Every call takes the key of the stateless primitives from (key, counter)
and advances the counter by one, so a generator made from a seed repeats its sequence.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.context import CTX
from ..core.dtypes import float32, int64, uint64
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.registry import bind
from ..core.tensor import ConcreteTensor
from ..core.variable import Variable
from ..prims.convert import cast
from ..prims.random import random_bits_p, random_truncated_normal_p
from .random_samplers import (ENTROPY, make_key, mix, normal_sampler, seed_int,
                              uniform_sampler)

__all__ = ["Generator", "get_global_generator", "set_global_generator"]

_MASK = (1 << 64) - 1
_ALGS = (None, "philox", "auto_select", 1)  # TF's Algorithm.PHILOX is 1


def _check_alg(alg: Any) -> None:
    name = getattr(alg, "name", alg)
    if isinstance(name, str):
        name = name.lower()
    value = getattr(alg, "value", None)
    if name not in _ALGS and value != 1:
        raise InvalidArgumentError(
            f"Generator: unsupported algorithm {alg!r}; ember implements 'philox' (also "
            f"used for 'auto_select').")


def _seed_words(seed: Any) -> list:
    if isinstance(seed, (ConcreteTensor, np.ndarray, list, tuple)):
        return [seed_int("Generator.from_seed", s) for s in np.asarray(seed).ravel().tolist()]
    return [seed_int("Generator.from_seed", seed)]


def _state_from_words(counter_lo: int, counter_hi: int, key: int) -> np.ndarray:
    words = np.array([counter_lo & _MASK, counter_hi & _MASK, key & _MASK], dtype=np.uint64)
    return words.view(np.int64)


def _as_state(state: Any) -> np.ndarray:
    arr = np.asarray(state._value if isinstance(state, ConcreteTensor) else state)
    if arr.shape != (3,) or arr.dtype.kind not in "iu":
        raise ShapeError(f"Generator: a Philox state is an integer tensor of shape [3] "
                         f"([counter_lo, counter_hi, key]), received {arr.dtype}"
                         f"{list(arr.shape)}.")
    return arr.astype(np.int64)


class Generator:
    """A random-number generator with its own state (TF's `tf.random.Generator`).

    Make one with `Generator.from_seed(seed)` (reproducible) or
    `Generator.from_non_deterministic_state()`. The global seed does not affect it.

    Example:
        >>> import ember as tf
        >>> g = tf.random.Generator.from_seed(1234)
        >>> a = g.normal(shape=(2, 3))
        >>> b = tf.random.Generator.from_seed(1234).normal(shape=(2, 3))
        >>> bool(tf.reduce_all(a == b)), bool(tf.reduce_all(a == g.normal(shape=(2, 3))))
        (True, False)
    """

    def __init__(self, copy_from: "Generator | None" = None, state: Any = None,
                 alg: Any = None):
        _check_alg(alg)
        if copy_from is not None:
            if state is not None:
                raise ValueError("Generator: pass either copy_from or state, not both.")
            state = copy_from._state._value
        elif state is None:
            raise ValueError("Generator: pass a state, or use Generator.from_seed(seed) or "
                             "Generator.from_non_deterministic_state().")
        self._state = Variable(_as_state(state), trainable=False, name="generator_state")

    # -- constructors ------------------------------------------------------------
    @classmethod
    def from_seed(cls, seed: Any, alg: Any = None) -> "Generator":
        """A generator whose sequence is determined by `seed` (an int or list of ints)."""
        return cls(state=_state_from_words(0, 0, mix(5, *_seed_words(seed))), alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg: Any = None) -> "Generator":
        """A generator seeded from OS entropy: a different sequence on every run."""
        words = ENTROPY.integers(0, _MASK, size=3, dtype=np.uint64, endpoint=True)
        return cls(state=words.view(np.int64), alg=alg)

    @classmethod
    def from_state(cls, state: Any, alg: Any) -> "Generator":
        """A generator with the given state ([counter_lo, counter_hi, key])."""
        return cls(state=state, alg=alg)

    @classmethod
    def from_key_counter(cls, key: Any, counter: Any, alg: Any) -> "Generator":
        """A generator from a key (an int) and a counter (two ints)."""
        c = np.asarray(counter).ravel().tolist()
        if len(c) != 2:
            raise ShapeError(f"Generator.from_key_counter: counter must have 2 entries, "
                             f"received {counter!r}.")
        k = int(np.asarray(key).ravel()[0])
        return cls(state=_state_from_words(int(c[0]), int(c[1]), k), alg=alg)

    # -- state -------------------------------------------------------------------
    @property
    def state(self) -> Variable:
        """The int64 Variable holding `[counter_lo, counter_hi, key]`."""
        return self._state

    @property
    def algorithm(self) -> int:
        """The RNG algorithm: 1, TF's `Algorithm.PHILOX`."""
        return 1

    def reset(self, state: Any) -> None:
        """Sets the state."""
        self._state.assign(_as_state(state))

    def reset_from_seed(self, seed: Any) -> None:
        """Resets to the state `Generator.from_seed(seed)` starts from."""
        self._state.assign(_state_from_words(0, 0, mix(5, *_seed_words(seed))))

    def skip(self, delta: int) -> None:
        """Advances the state as `delta` calls would."""
        self._advance(seed_int("Generator.skip", delta, "delta"))

    def _words(self) -> tuple:
        lo, hi, key = (int(w) for w in self._state._value.view(np.uint64))
        return lo, hi, key

    def _advance(self, delta: int) -> None:
        lo, hi, key = self._words()
        counter = (lo | (hi << 64)) + delta
        self._state.assign(_state_from_words(counter, counter >> 64, key))

    def _next_key(self) -> Any:
        """The key of the next call, advancing the counter.

        NOTE: the only place where a generator's state is read and advanced.
        """
        if CTX.traces:
            raise NotImplementedError(
                "ember.random.Generator can't be used inside ember.function yet (its state "
                "would be frozen at trace time). Use ember.random.uniform / normal there "
                "(they draw new numbers on every call), or call the generator outside.")
        lo, hi, key = self._words()
        self._advance(1)
        return make_key(mix(6, key), mix(7, lo, hi))

    # -- sampling ------------------------------------------------------------------
    def normal(self, shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = float32,
               name: str | None = None) -> Any:
        """Normal samples N(mean, stddev**2).

        Example:
            >>> import ember as tf
            >>> tf.random.Generator.from_seed(1).normal([2], dtype=tf.float64).dtype
            tf.float64
        """
        sampler = normal_sampler("Generator.normal", shape, mean, stddev, dtype)
        return sampler.run(self._next_key())

    def truncated_normal(self, shape: Any, mean: Any = 0.0, stddev: Any = 1.0,
                         dtype: Any = float32, name: str | None = None) -> Any:
        """Normal samples, those beyond 2 stddev of the mean drawn again.

        Example:
            >>> import ember as tf
            >>> x = tf.random.Generator.from_seed(1).truncated_normal([100])
            >>> float(tf.reduce_max(tf.abs(x))) <= 2.0
            True
        """
        sampler = normal_sampler("Generator.truncated_normal", shape, mean, stddev, dtype,
                                   random_truncated_normal_p)
        return sampler.run(self._next_key())

    def uniform(self, shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = float32,
                name: str | None = None) -> Any:
        """Uniform samples in [minval, maxval); integer dtypes need `maxval`, or both
        `minval` and `maxval` None for the full range.

        Example:
            >>> import ember as tf
            >>> x = tf.random.Generator.from_seed(1).uniform([4], maxval=3, dtype=tf.int32)
            >>> bool(tf.reduce_all((x >= 0) & (x < 3)))
            True
        """
        sampler = uniform_sampler("Generator.uniform", shape, minval, maxval, dtype,
                                    full_range_ok=True)
        return sampler.run(self._next_key())

    def uniform_full_int(self, shape: Any, dtype: Any = uint64,
                         name: str | None = None) -> Any:
        """Integers uniform over the whole range of `dtype`.

        Example:
            >>> import ember as tf
            >>> tf.random.Generator.from_seed(1).uniform_full_int([2], tf.int32).dtype
            tf.int32
        """
        sampler = uniform_sampler("Generator.uniform_full_int", shape, None, None, dtype,
                                    full_range_ok=True)
        return sampler.run(self._next_key())

    def make_seeds(self, count: int = 1) -> Any:
        """`count` seeds for stateless ops, as an int64 tensor of shape [2, count].

        Example:
            >>> import ember as tf
            >>> seeds = tf.random.Generator.from_seed(1).make_seeds(3)
            >>> seeds.shape, seeds.dtype
            (TensorShape([2, 3]), tf.int64)
        """
        n = seed_int("Generator.make_seeds", count, "count")
        if n < 0:
            raise InvalidArgumentError(f"Generator.make_seeds: count must be >= 0, received "
                                       f"{n}.")
        bits = bind(random_bits_p, self._next_key(), shape=(2, n), dtype=np.dtype(np.uint64))
        return cast(bits, int64)

    def split(self, count: int = 1) -> list:
        """`count` new generators with independent states, derived from this one (whose
        state advances).

        Example:
            >>> import ember as tf
            >>> g1, g2 = tf.random.Generator.from_seed(1).split(2)
            >>> bool(tf.reduce_all(g1.normal([3]) == g2.normal([3])))
            False
        """
        seeds = self.make_seeds(count).numpy().view(np.uint64)
        return [Generator(state=_state_from_words(0, 0, mix(8, int(a), int(b))))
                for a, b in zip(seeds[0], seeds[1])]


_GLOBAL: list = [None]


def get_global_generator() -> Generator:
    """The global Generator, created from a nondeterministic state on first use.

    Example:
        >>> import ember as tf
        >>> tf.random.get_global_generator().normal([2]).shape
        TensorShape([2])
    """
    if _GLOBAL[0] is None:
        _GLOBAL[0] = Generator.from_non_deterministic_state()
    return _GLOBAL[0]


def set_global_generator(generator: Generator) -> None:
    """Replaces the global Generator (existing references keep the old one).

    Example:
        >>> import ember as tf
        >>> tf.random.set_global_generator(tf.random.Generator.from_seed(7))
    """
    if not isinstance(generator, Generator):
        raise TypeError(f"set_global_generator: expected an ember.random.Generator, "
                        f"received {type(generator).__name__}.")
    _GLOBAL[0] = generator

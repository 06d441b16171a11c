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

Scaling (mean/stddev, [minval, maxval)), integer ranges, categorical sampling and seed
splitting are composites of the primitives with ember ops.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..core import registry, rules
from ..core.dtypes import (BY_NP, DType, NP_INTS, as_dtype, float32, int32, int64, uint32,
                           uint64)
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError, fmt_spec
from ..core.registry import bind, no_gradient, primitive
from ..core.shape import TensorSpec
from ..core.tensor import ConcreteTensor, TensorOps, wrap
from . import math_ops as m
from .convert import as_tensor, cast, convert_to_tensor
from .reduce_ops import argmax
from .index_ops import getitem
from .shape_info import shape as dynamic_shape
from .shape_info import shape_arg, symbolic

__all__ = [
    "set_seed", "normal", "uniform", "truncated_normal", "shuffle", "categorical",
    "stateless_normal", "stateless_uniform", "stateless_truncated_normal",
    "stateless_categorical", "split",
]

# -- primitives ------------------------------------------------------------------

_FLOAT_NAMES = ("float16", "bfloat16", "float32", "float64")
_INT_DTYPES = (int32, int64, uint32, uint64)


def _check_key(op: str, key: TensorSpec) -> None:
    rules.check_dtype(op, key, NP_INTS, " for the key")
    if key.shape.rank is not None and (key.shape.rank != 1 or key.shape[0] not in (None, 2)):
        raise ShapeError(f"{op}: the key must have shape [2], received {rules.describe(key)}.")


def _sample_rule(op: str, unsigned: bool = False):
    def rule(key: TensorSpec, shape: tuple, dtype: np.dtype) -> TensorSpec:
        _check_key(op, key)
        dt = BY_NP[np.dtype(dtype)]
        if not (dt.is_unsigned if unsigned else dt.is_floating):
            kind = "uint32 or uint64" if unsigned else "a float dtype"
            raise DTypeError(f"{op}: the output dtype must be {kind}, received {dt.name}.")
        return TensorSpec(shape, dt)
    return rule


def _shuffle_rule(key: TensorSpec, value: TensorSpec) -> TensorSpec:
    _check_key("random_shuffle", key)
    return TensorSpec(value.shape, value.dtype)


random_uniform_p = primitive("random_uniform", _sample_rule("random_uniform"),
                             allowed=NP_INTS)
random_normal_p = primitive("random_normal", _sample_rule("random_normal"),
                            allowed=NP_INTS)
random_truncated_normal_p = primitive(
    "random_truncated_normal", _sample_rule("random_truncated_normal"), allowed=NP_INTS)
random_bits_p = primitive("random_bits", _sample_rule("random_bits", unsigned=True),
                          allowed=NP_INTS)
random_shuffle_p = primitive("random_shuffle", _shuffle_rule, allowed=NP_INTS)


def _dynamic_rule(op: str, unsigned: bool = False):
    """The rule of a sampler whose shape is a 1-D int tensor read at run time; `dims` is
    its static hint (None where unknown)."""
    static = _sample_rule(op, unsigned)

    def rule(key: TensorSpec, shape: TensorSpec, dims: tuple, dtype: np.dtype) -> TensorSpec:
        if shape.shape.rank != 1 or shape.shape[0] not in (None, len(dims)):
            raise ShapeError(f"{op}: the shape must be a 1-D int tensor of {len(dims)} "
                             f"entries, received {rules.describe(shape)}.")
        return static(key, dims, dtype)
    return rule


# Samplers of a shape known only at run time (inside ember.function, e.g. the batch dim):
# the same kernels, given the shape as a tensor.
random_uniform_dynamic_p = primitive(
    "random_uniform_dynamic", _dynamic_rule("random_uniform"), allowed=NP_INTS)
random_normal_dynamic_p = primitive(
    "random_normal_dynamic", _dynamic_rule("random_normal"), allowed=NP_INTS)
random_truncated_normal_dynamic_p = primitive(
    "random_truncated_normal_dynamic", _dynamic_rule("random_truncated_normal"),
    allowed=NP_INTS)
random_bits_dynamic_p = primitive(
    "random_bits_dynamic", _dynamic_rule("random_bits", unsigned=True), allowed=NP_INTS)
_DYNAMIC = {random_uniform_p: random_uniform_dynamic_p,
            random_normal_p: random_normal_dynamic_p,
            random_truncated_normal_p: random_truncated_normal_dynamic_p,
            random_bits_p: random_bits_dynamic_p}


def _sample(prim: Any, key: Any, shape: tuple, dtype: np.dtype) -> Any:
    """Binds sampler `prim` for `shape` from `to_shape`: static dims, or `(dims, tensor)`
    when some dim is known only at run time."""
    if type(shape) is _RunTimeShape:
        return bind(_DYNAMIC[prim], key, shape.tensor, dims=shape.dims, dtype=dtype)
    return bind(prim, key, shape=shape, dtype=dtype)

# NOTE: no sample has a gradient with respect to the key, and shuffle none with respect
# to its value, as TF (RandomShuffle is not differentiable there). The distribution
# parameters (mean, stddev, minval, maxval) are applied by differentiable ops afterwards.
no_gradient(random_uniform_p, random_normal_p, random_truncated_normal_p, random_bits_p,
            random_shuffle_p, *_DYNAMIC.values())

# -- keys and the global seed ------------------------------------------------------

_MASK = (1 << 64) - 1
DEFAULT_GLOBAL_SEED = 87654321  # TF's default graph seed (rule 3)


def _splitmix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def mix(*words: int) -> int:
    """A 64-bit hash of Python ints (chained splitmix64 steps)."""
    h = 0
    for w in words:
        h = _splitmix(h ^ (int(w) & _MASK))
    return h


def make_key(a: int, b: int) -> Any:
    """A key tensor (uint64[2]) from two 64-bit words."""
    return wrap(np.array([a & _MASK, b & _MASK], dtype=np.uint64))


class _SeedState:
    """The global seed (None: unset), the counter of rule 2 and the per-(op, seed) call
    counts of rules 3 and 4. `set_seed` resets all three."""

    def __init__(self):
        self.global_seed: int | None = None
        self.counter = 0
        self.streams: dict = {}
        self.entropy = np.random.default_rng()  # rule 1: OS entropy, never seeded


_STATE = _SeedState()


def seed_int(op: str, seed: Any, what: str = "seed") -> int:
    """`seed` as a Python int, or a clear error."""
    if isinstance(seed, (bool, np.bool_)) or (isinstance(seed, ConcreteTensor)
                                              and not seed.dtype.is_integer):
        seed = object()  # rejected below
    try:
        return operator.index(seed)
    except TypeError:
        raise InvalidArgumentError(f"{op}: {what} must be an integer (or None), received "
                                   f"{seed!r}.") from None


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
    if not registry._TRACES:
        return key
    from ..core.variable import Variable
    from .math_ops import add
    from .shape_ops import stack
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


# -- argument checks ------------------------------------------------------------------

class _RunTimeShape(tuple):
    """An output shape with dims known only at run time: the static `dims` (None where
    unknown) and the 1-D int `tensor` that holds the shape when the graph runs."""

    def __new__(cls, dims: tuple, tensor: Any):
        obj = super().__new__(cls, dims)
        obj.dims, obj.tensor = dims, tensor
        return obj


def to_shape(op: str, shape: Any) -> tuple:
    """The output shape from a list, tuple, TensorShape or 1-D int tensor: a tuple of
    non-negative ints, or inside ember.function, where a dim may be known only at run
    time (`[ember.shape(x)[0], 10]`, `ember.shape(x)`), a `_RunTimeShape`."""
    if symbolic(shape) or (type(shape) in (list, tuple) and any(map(symbolic, shape))):
        dims, tensor = shape_arg(shape, op)
        if any(d is not None and d < 0 for d in dims):
            raise InvalidArgumentError(
                f"{op}: shape dimensions must be >= 0, received {list(dims)}.")
        return dims if tensor is None else _RunTimeShape(dims, tensor)
    if isinstance(shape, (ConcreteTensor, np.ndarray)):
        arr = np.asarray(shape)
        if arr.ndim != 1 or (arr.dtype.kind not in "iu" and arr.size):
            raise InvalidArgumentError(
                f"{op}: shape must be a 1-D integer tensor or a list of ints, received "
                f"{fmt_spec(arr.shape, BY_NP.get(arr.dtype, arr.dtype))}.")
        dims = arr.tolist()
    elif isinstance(shape, (list, tuple)):
        if getattr(shape, "rank", 0) is None:  # TensorShape(None)
            raise InvalidArgumentError(f"{op}: shape must be fully defined, received an "
                                       f"unknown shape.")
        dims = list(shape)
    else:
        raise InvalidArgumentError(
            f"{op}: shape must be a list of ints (or a 1-D int tensor), e.g. [{shape!r}], "
            f"received {shape!r}.")
    out = []
    for d in dims:
        try:
            if isinstance(d, (bool, np.bool_)) or d is None:
                raise TypeError
            d = operator.index(d)
        except TypeError:
            raise InvalidArgumentError(
                f"{op}: shape must be fully defined, a list of non-negative ints; received "
                f"{shape!r}.") from None
        if d < 0:
            raise InvalidArgumentError(
                f"{op}: shape dimensions must be >= 0, received {list(dims)}.")
        out.append(d)
    return tuple(out)


def float_dtype(op: str, dtype: Any) -> DType:
    dt = as_dtype(dtype)
    if not dt.is_floating:
        raise DTypeError(f"{op}: dtype must be a floating type ({', '.join(_FLOAT_NAMES)}), "
                         f"received {dt.name}.")
    dt._numpy()  # bfloat16 without ml_dtypes: a clear TypeError now
    return dt


def _param(op: str, what: str, value: Any, dt: DType, shape: tuple, scalar: bool = False):
    """`value` (mean, stddev, minval, maxval) as a tensor of `dt` broadcastable to shape."""
    try:
        t = convert_to_tensor(value, dtype=dt)
    except (TypeError, ValueError) as e:
        raise DTypeError(f"{op}: {what} must be a number or tensor of dtype {dt.name} "
                         f"(the output dtype); {e}") from None
    tshape = tuple(t.shape)
    if scalar and tshape:
        raise ShapeError(f"{op}: {what} must be a scalar for integer dtypes, received "
                         f"{fmt_spec(tshape, dt)}.")
    if None in tshape or None in shape:  # known at run time: 1 where the output's is None
        ok = len(tshape) <= len(shape) and all(
            a == 1 or (a is not None and a == b) for a, b in zip(tshape[::-1], shape[::-1]))
    else:
        try:
            ok = np.broadcast_shapes(tshape, shape) == shape
        except ValueError:
            ok = False
    if not ok:
        raise ShapeError(f"{op}: {what} {fmt_spec(tshape, dt)} does not broadcast to the "
                         f"output shape {list(shape)}; pass a scalar or a tensor "
                         f"broadcastable to it.")
    return t


def _is_py(value: Any, number: float) -> bool:
    return type(value) in (int, float) and value == number


# -- samplers from a key (shared by the stateful, stateless and Generator ops) ---------

class _Sampler:
    """A validated call: the arguments are checked before any key is taken, so a bad
    call never advances random state. `run(key)` computes the values."""

    __slots__ = ("run",)

    def __init__(self, run):
        self.run = run


def normal_sampler(op: str, shape: Any, mean: Any, stddev: Any, dtype: Any,
                   prim=random_normal_p) -> _Sampler:
    shape = to_shape(op, shape)
    dt = float_dtype(op, dtype)
    mean = None if _is_py(mean, 0) else _param(op, "mean", mean, dt, shape)
    stddev = None if _is_py(stddev, 1) else _param(op, "stddev", stddev, dt, shape)

    def run(key):
        z = _sample(prim, key, shape, dt._numpy())
        if stddev is not None:
            z = m.multiply(z, stddev)
        return z if mean is None else m.add(z, mean)
    return _Sampler(run)


def uniform_sampler(op: str, shape: Any, minval: Any, maxval: Any, dtype: Any,
                    full_range_ok: bool) -> _Sampler:
    shape = to_shape(op, shape)
    dt = as_dtype(dtype)
    if dt.is_floating:
        float_dtype(op, dt)
        lo = None if _is_py(minval, 0) else _param(op, "minval", minval, dt, shape)
        hi = None if maxval is None or _is_py(maxval, 1) else _param(op, "maxval", maxval,
                                                                      dt, shape)

        def run_float(key):
            u = _sample(random_uniform_p, key, shape, dt._numpy())
            if lo is None and hi is None:
                return u
            low = lo if lo is not None else convert_to_tensor(0, dtype=dt)
            high = hi if hi is not None else convert_to_tensor(1, dtype=dt)
            return m.add(m.multiply(u, m.subtract(high, low)), low)
        return _Sampler(run_float)
    if dt not in _INT_DTYPES:
        raise DTypeError(f"{op}: dtype must be a float type ({', '.join(_FLOAT_NAMES)}) or "
                         f"int32, int64, uint32, uint64; received {dt.name}.")
    bits_dt = uint32 if dt.size == 4 else uint64
    if minval is None and maxval is None and full_range_ok:
        return _Sampler(lambda key: cast(_sample(random_bits_p, key, shape,
                                                 bits_dt._numpy()), dt))
    if maxval is None or minval is None:
        raise ValueError(
            f"{op}: for integer dtype {dt.name}, maxval must be given (values are drawn "
            f"from [minval, maxval)), e.g. {op}([3], maxval=10, dtype=ember.{dt.name})"
            + (", or both minval and maxval None for the full range." if full_range_ok
               else "."))
    lo = _param(op, "minval", minval, dt, shape, scalar=True)
    hi = _param(op, "maxval", maxval, dt, shape, scalar=True)
    if isinstance(lo, ConcreteTensor) and isinstance(hi, ConcreteTensor) and not (
            lo._value < hi._value):
        raise InvalidArgumentError(f"{op}: need minval < maxval for an integer dtype (values "
                                   f"are drawn from [minval, maxval)); received minval="
                                   f"{lo._value}, maxval={hi._value}.")

    def run_int(key):
        # NOTE: (bits mod range) + minval, in wrapping unsigned arithmetic, as TF: exact for
        # any range of the dtype, slightly biased unless the range is a power of two.
        bits = _sample(random_bits_p, key, shape, bits_dt._numpy())
        span = cast(m.subtract(hi, lo), bits_dt)
        return m.add(cast(m.floormod(bits, span), dt), lo)
    return _Sampler(run_int)


def categorical_sampler(op: str, logits: Any, num_samples: Any, dtype: Any) -> _Sampler:
    logits = as_tensor(logits)
    if not logits.dtype.is_floating:
        raise DTypeError(f"{op}: logits must be a float tensor, received "
                         f"{fmt_spec(tuple(logits.shape), logits.dtype)}. Cast it with "
                         f"ember.cast(logits, ember.float32).")
    if logits.ndim != 2 or logits.shape[1] == 0:
        raise ShapeError(f"{op}: logits must have shape [batch_size, num_classes] with "
                         f"num_classes >= 1, received "
                         f"{fmt_spec(tuple(logits.shape), logits.dtype)}.")
    n = seed_int(op, num_samples, "num_samples")
    if n < 0:
        raise InvalidArgumentError(f"{op}: num_samples must be >= 0, received {n}.")
    dt = int64 if dtype is None else as_dtype(dtype)
    if dt not in (int32, int64):
        raise DTypeError(f"{op}: dtype must be int32 or int64, received {dt.name}.")
    work = logits.dtype if logits.dtype.name == "float64" else float32
    batch, classes = tuple(logits.shape)
    if batch is None:  # inside ember.function: the batch is read at run time
        batch = getitem(dynamic_shape(logits), 0)
    out_shape = to_shape(op, [batch, n, classes])

    def run(key):
        # NOTE: the Gumbel-max trick: argmax(logits + Gumbel noise) is a sample of
        # softmax(logits). u is clamped to the smallest normal float so log(u) is finite.
        u = _sample(random_uniform_p, key, out_shape, work._numpy())
        u = m.maximum(u, float(np.finfo(work._numpy()).tiny))
        gumbel = m.negative(m.log(m.negative(m.log(u))))
        scores = m.add(cast(logits, work)[:, None, :], gumbel)
        return argmax(scores, axis=2, output_type=dt)
    return _Sampler(run)


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


from .random_generator import (Generator, get_global_generator,  # noqa: E402
                               set_global_generator)

__all__ += ["Generator", "get_global_generator", "set_global_generator"]

"""The samplers built on the random primitives (`prims/random.py`), shared by
`random_ops`' stateful and stateless ops and by `random_generator`'s Generator, and the
pieces both make keys with: `seed_int`, `mix`, `make_key` and the one source of OS
entropy.

A primitive is stateless: a key tensor (an integer array of shape [2]) and static params
in, values out; the same key always gives the same values. A sampler validates an op's
arguments first (so a bad call never advances random state), then `run(key)` binds the
primitives and applies the distribution's parameters with ember ops. Inside
ember.function a shape may be known only at run time (`ember.shape(x)`): `to_shape` then
gives a `RunTimeShape`, for which the samplers bind the `*_dynamic` primitives, which take
the shape as a tensor.

Example:
    >>> import ember as tf
    >>> from ember.ops.random_samplers import normal_sampler
    >>> s = normal_sampler("normal", [2], mean=1.0, stddev=0.0, dtype=tf.float32)
    >>> s.run(tf.constant([1, 2])).numpy()
    array([1., 1.], dtype=float32)
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..core import rules
from ..core.dtypes import (
    BY_NP,
    DType,
    as_dtype,
    float32,
    int32,
    int64,
    uint32,
    uint64,
)
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError, fmt_spec
from ..core.tensor import ConcreteTensor, wrap
from ..prims.array import shape_arg, symbolic
from ..prims.convert import as_tensor, cast, convert_to_tensor
from ..prims.index import basic_getitem as getitem
from ..prims.random import (  # noqa: F401 - re-exported
    RunTimeShape,
    random_bits_dynamic_p,
    random_bits_p,
    random_normal_dynamic_p,
    random_normal_p,
    random_shuffle_p,
    random_truncated_normal_dynamic_p,
    random_truncated_normal_p,
    random_uniform_dynamic_p,
    random_uniform_p,
    sample,
)
from ..prims.reduce import argmax
from . import math_ops as m
from ..prims.effects import enforce
from .shape_ops import shape as dynamic_shape

_FLOAT_NAMES = ("float16", "bfloat16", "float32", "float64")
_INT_DTYPES = (int32, int64, uint32, uint64)

# -- keys (shared by random_ops' seeds and random_generator's Generator) ---------------

_MASK = (1 << 64) - 1

# NOTE: OS entropy, never seeded; one source for the keys of unseeded stateful ops (rule
# 1 of random_ops) and the states of Generator.from_non_deterministic_state.
ENTROPY = np.random.default_rng()


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


# -- argument checks ------------------------------------------------------------------

def to_shape(op: str, shape: Any) -> tuple:
    """The output shape from a list, tuple, TensorShape or 1-D int tensor: a tuple of
    non-negative ints, or inside ember.function, where a dim may be known only at run
    time (`[ember.shape(x)[0], 10]`, `ember.shape(x)`), a `RunTimeShape`."""
    if symbolic(shape) or (type(shape) in (list, tuple) and any(map(symbolic, shape))):
        dims, tensor = shape_arg(shape, op)
        if any(d is not None and d < 0 for d in dims):
            raise InvalidArgumentError(
                f"{op}: shape dimensions must be >= 0, received {list(dims)}.")
        return dims if tensor is None else RunTimeShape(dims, tensor, op)
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
        z = sample(prim, key, shape, dt._numpy())
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
            u = sample(random_uniform_p, key, shape, dt._numpy())
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
        return _Sampler(lambda key: cast(sample(random_bits_p, key, shape,
                                                 bits_dt._numpy()), dt))
    if maxval is None or minval is None:
        raise ValueError(
            f"{op}: for integer dtype {dt.name}, maxval must be given (values are drawn "
            f"from [minval, maxval)), e.g. {op}([3], maxval=10, dtype=ember.{dt.name})"
            + (", or both minval and maxval None for the full range." if full_range_ok
               else "."))
    lo = _param(op, "minval", minval, dt, shape, scalar=True)
    hi = _param(op, "maxval", maxval, dt, shape, scalar=True)

    def explain(ok: np.ndarray, low: np.ndarray, high: np.ndarray) -> str:
        return (f"{op}: need minval < maxval for an integer dtype (values are drawn from "
                f"[minval, maxval)); received minval={low}, maxval={high}.")
    # NOTE: now if both are known, else each time the compiled function runs (before the
    # samples are drawn); eager mode and graphs raise the same error.
    enforce(m.less(lo, hi), explain, (lo, hi))

    def run_int(key):
        # NOTE: (bits mod range) + minval, in wrapping unsigned arithmetic, as TF: exact for
        # any range of the dtype, slightly biased unless the range is a power of two.
        bits = sample(random_bits_p, key, shape, bits_dt._numpy())
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
    dt = as_dtype(rules.index_dtype(op, int64 if dtype is None else dtype, "dtype"))
    work = logits.dtype if logits.dtype.name == "float64" else float32
    batch, classes = tuple(logits.shape)
    if batch is None:  # inside ember.function: the batch is read at run time
        batch = getitem(dynamic_shape(logits), 0)
    out_shape = to_shape(op, [batch, n, classes])

    def run(key):
        # NOTE: the Gumbel-max trick: argmax(logits + Gumbel noise) is a sample of
        # softmax(logits). u is clamped to the smallest normal float so log(u) is finite.
        u = sample(random_uniform_p, key, out_shape, work._numpy())
        u = m.maximum(u, float(np.finfo(work._numpy()).tiny))
        gumbel = m.negative(m.log(m.negative(m.log(u))))
        scores = m.add(cast(logits, work)[:, None, :], gumbel)
        return argmax(scores, axis=2, output_type=dt)
    return _Sampler(run)

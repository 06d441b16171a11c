"""NumPy kernels of the random primitives. They are stateless: each takes a key (an
integer array of shape [2]) and static params, and the same key always gives the same
values. The state (global seed, counters, Generator state) lives in `ember.ops.random_ops`,
which makes a fresh key for each call.

The key seeds a counter-based Philox bit generator, so nearby keys give independent
streams and constructing one costs microseconds.
"""

from __future__ import annotations

import numpy as np

_F16 = np.dtype(np.float16)
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)


def _rng(key) -> np.random.Generator:
    k = np.asarray(key)
    if k.shape != (2,) or k.dtype.kind not in "iu":
        raise ValueError(f"the key must be an integer array of shape [2], got "
                         f"{k.dtype}{list(k.shape)}")
    # int32/int64/uint64 keys with the same values give the same stream.
    words = k if k.dtype == np.uint64 else k.astype(np.int64).view(np.uint64)
    return np.random.Generator(np.random.Philox(key=words))


def _work(dtype: np.dtype) -> np.dtype:
    """The dtype NumPy draws in: float64 stays, everything else draws float32."""
    return _F64 if dtype == _F64 else _F32


def random_uniform(key, shape, dtype):
    """Floats uniform in [0, 1)."""
    dtype = np.dtype(dtype)
    u = _rng(key).random(shape, dtype=_work(dtype))
    if dtype.itemsize == 2:
        # NOTE: rounding a float32 in [0, 1) to a 16-bit float can give 1.0; flooring
        # onto the grid k / 2**p (p = significand bits) keeps the range half-open.
        scale = np.float32(2 ** (11 if dtype == _F16 else 8))
        u = np.floor(u * scale) / scale
    return u.astype(dtype, copy=False)


def random_normal(key, shape, dtype):
    """Standard normal floats."""
    dtype = np.dtype(dtype)
    return _rng(key).standard_normal(shape, dtype=_work(dtype)).astype(dtype, copy=False)


def random_truncated_normal(key, shape, dtype):
    """Standard normal floats, those with |x| > 2 drawn again until none is left."""
    dtype = np.dtype(dtype)
    work = _work(dtype)
    rng = _rng(key)
    out = rng.standard_normal(shape, dtype=work)
    bad = np.abs(out) > 2
    n = int(bad.sum())
    while n:
        out[bad] = rng.standard_normal(n, dtype=work)
        bad = np.abs(out) > 2
        n = int(bad.sum())
    return out.astype(dtype, copy=False)


def random_bits(key, shape, dtype):
    """Unsigned integers uniform over the whole range of `dtype` (uint32 or uint64)."""
    dtype = np.dtype(dtype)
    return _rng(key).integers(0, np.iinfo(dtype).max, size=shape, dtype=dtype,
                              endpoint=True)


def random_shuffle(key, value):
    """`value` with its first axis randomly permuted (a scalar is returned as is)."""
    if value.ndim == 0:
        return value.copy()
    return value[_rng(key).permutation(value.shape[0])]


def _at_run_time(kernel):
    """The kernel of a sampler whose shape arrives as a 1-D int array (`dims`, the static
    hint, is not needed)."""
    def run(key, shape, dims, dtype):
        return kernel(key, tuple(int(d) for d in shape), dtype)
    run.__name__ = kernel.__name__ + "_dynamic"
    return run


KERNELS = {
    "random_uniform": random_uniform,
    "random_normal": random_normal,
    "random_truncated_normal": random_truncated_normal,
    "random_bits": random_bits,
    "random_shuffle": random_shuffle,
}
KERNELS.update({name + "_dynamic": _at_run_time(KERNELS[name]) for name in
                ("random_uniform", "random_normal", "random_truncated_normal", "random_bits")})

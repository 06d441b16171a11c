"""JAX kernels of the random primitives, with `jax.random`. As on NumPy they are stateless:
each takes ember's key (an integer array of shape [2]) and static params, and the same key
always gives the same values; different keys give independent streams.

The key's two words, read as uint64 (int32/int64/uint64 keys with the same values are the
same key, as on NumPy), become a threefry2x32 key: the first word is the key data, the
second is folded in (`jax.random.fold_in`, 32 bits at a time). The numbers differ from the
NumPy backend's (another generator), with the same shapes, dtypes and distributions:
uniform in [0, 1) (16-bit floats on the grid k / 2**p, as on NumPy), standard normal,
normal truncated to [-2, 2], uniform bits over the whole uint32 / uint64 range, and a
uniform permutation of the first axis.

The `*_dynamic` samplers get their shape as a tensor. XLA needs it static: it must be
concrete when the function is traced (as a shape computed from `ember.shape(x)` is: the
lowering computes it with NumPy); a shape that is only known when the compiled function
runs raises NotImplementedError.

Example:
    >>> import numpy as np
    >>> from ember.backend.jax.random import random_uniform  # doctest: +SKIP
    >>> random_uniform(np.array([1, 2]), (2,), np.dtype(np.float32)).shape  # doctest: +SKIP
    (2,)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .array import static_shape

_F16 = np.dtype(np.float16)
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)


def _key(key):
    """A threefry2x32 jax key from ember's [2] integer key (concrete or traced)."""
    k = jnp.asarray(key)
    if k.shape != (2,) or not jnp.issubdtype(k.dtype, jnp.integer):
        raise ValueError(f"the key must be an integer array of shape [2], got "
                         f"{k.dtype}{list(k.shape)}")
    if jnp.issubdtype(k.dtype, jnp.signedinteger):
        words = jax.lax.bitcast_convert_type(k.astype(jnp.int64), jnp.uint64)
    else:
        words = k.astype(jnp.uint64)
    hi = (words >> np.uint64(32)).astype(jnp.uint32)
    lo = (words & np.uint64(0xFFFFFFFF)).astype(jnp.uint32)
    out = jax.random.wrap_key_data(jnp.stack([hi[0], lo[0]]), impl="threefry2x32")
    return jax.random.fold_in(jax.random.fold_in(out, hi[1]), lo[1])


def _work(dtype: np.dtype) -> np.dtype:
    """The dtype drawn in, as on NumPy: float64 stays, everything else draws float32."""
    return _F64 if dtype == _F64 else _F32


def _shape(shape) -> tuple:
    return tuple(int(d) for d in shape)


def random_uniform(key, shape, dtype):
    """Floats uniform in [0, 1)."""
    dtype = np.dtype(dtype)
    u = jax.random.uniform(_key(key), _shape(shape), _work(dtype))
    if dtype.itemsize == 2:
        # NOTE: rounding a float32 in [0, 1) to a 16-bit float can give 1.0; flooring
        # onto the grid k / 2**p (p = significand bits) keeps the range half-open.
        scale = np.float32(2 ** (11 if dtype == _F16 else 8))
        u = jnp.floor(u * scale) / scale
    return u.astype(dtype)


def random_normal(key, shape, dtype):
    """Standard normal floats."""
    dtype = np.dtype(dtype)
    return jax.random.normal(_key(key), _shape(shape), _work(dtype)).astype(dtype)


def random_truncated_normal(key, shape, dtype):
    """Standard normal floats conditioned on |x| <= 2 (NumPy draws again those outside;
    jax.random samples the same truncated distribution by its inverse CDF)."""
    dtype = np.dtype(dtype)
    work = _work(dtype)
    out = jax.random.truncated_normal(_key(key), -2.0, 2.0, _shape(shape), work)
    return out.astype(dtype)


def random_bits(key, shape, dtype):
    """Unsigned integers uniform over the whole range of `dtype` (uint32 or uint64)."""
    return jax.random.bits(_key(key), _shape(shape), np.dtype(dtype))


def random_shuffle(key, value):
    """`value` with its first axis randomly permuted (a scalar is returned as is)."""
    value = jnp.asarray(value)
    if value.ndim == 0 or value.shape[0] < 2:
        return value
    perm = jax.random.permutation(_key(key), value.shape[0])
    return jnp.take(value, perm, axis=0)


def _at_run_time(kernel):
    """The kernel of a sampler whose shape arrives as a 1-D int array: it must be concrete
    at trace time (XLA's shapes are static); `dims`, the static hint, is not needed."""
    def run(key, shape, dims, dtype):
        dims_now = static_shape(shape)
        if any(d < 0 for d in dims_now):
            raise ValueError(f"{run.__name__}: shape dimensions must be >= 0, received "
                             f"{list(dims_now)}.")
        return kernel(key, dims_now, dtype)
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

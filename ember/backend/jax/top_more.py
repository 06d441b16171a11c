"""JAX kernels for `prims/top_more.py`: ensure_shape, bitcast, random_index_shuffle (the
same Feistel cipher as the NumPy kernel, its cycle walking in a `lax.while_loop`)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..numpy import top_more as np_top


def ensure_shape(x, shape):
    return np_top.ensure_shape(x, shape)  # shapes are static under jit: checked now


def bitcast(x, type):  # noqa: A002
    out = np.dtype(type)
    return lax.bitcast_convert_type(x, out)  # TF's shape rules, as the NumPy kernel


def random_index_shuffle(index, seed, max_index, rounds):
    keys = np_top.round_keys(jnp, seed, rounds)
    h = np_top.half_bits(max_index)
    top = jnp.uint64(max_index)
    v = np_top.encrypt(jnp, jnp.asarray(index).astype(jnp.uint64), keys, h)

    def cond(v):
        return jnp.any(v > top)

    def body(v):
        return jnp.where(v > top, np_top.encrypt(jnp, v, keys, h), v)

    v = lax.while_loop(cond, body, v)
    return v.astype(index.dtype)


KERNELS = {"ensure_shape": ensure_shape, "bitcast": bitcast,
           "random_index_shuffle": random_index_shuffle}

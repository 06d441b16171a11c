"""NumPy kernels for `prims/top_more.py`: ensure_shape, bitcast, random_index_shuffle.

`shuffle_index(xp, ...)` is written for any NumPy-like module `xp` so the JAX backend runs
the same cipher (see the primitive's docstring): a Feistel network over the smallest even
bit width covering max_index, with cycle walking. A failing kernel raises ValueError;
dispatch turns it into the op's InvalidArgumentError.
"""

from __future__ import annotations

import numpy as np


def ensure_shape(x, shape):
    if shape is not None and (len(shape) != x.ndim or any(
            d is not None and d != s for d, s in zip(shape, x.shape))):
        want = "(" + ", ".join("None" if d is None else str(d) for d in shape) + \
            ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"ensure_shape: Shape of tensor x {tuple(x.shape)} is not "
                                   f"compatible with expected shape {want}.")
    return x


def bitcast(x, type):  # noqa: A002
    out = np.dtype(type)
    src = x.dtype
    arr = np.asarray(x)
    arr = arr if arr.flags.c_contiguous else arr.copy()
    if src.itemsize == out.itemsize:
        return arr.view(out)
    if src.itemsize > out.itemsize:
        return arr.reshape(arr.shape + (1,)).view(out).reshape(
            arr.shape + (src.itemsize // out.itemsize,))
    need = out.itemsize // src.itemsize
    if arr.ndim == 0 or arr.shape[-1] != need:
        raise ValueError(f"bitcast: the last dim must be {need}, received shape "
                                   f"{arr.shape}.")
    return arr.view(out).reshape(arr.shape[:-1])


def _splitmix(xp, z):
    """splitmix64's finalizer on uint64 values (wrapping arithmetic)."""
    z = z + xp.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> xp.uint64(30))) * xp.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> xp.uint64(27))) * xp.uint64(0x94D049BB133111EB)
    return z ^ (z >> xp.uint64(31))


def round_keys(xp, seed, rounds):
    """The Feistel round keys (uint64 scalars) from the 3 seed integers."""
    seed = xp.asarray(seed).reshape(-1).astype(xp.int64).astype(xp.uint64)
    k = xp.uint64(0)
    for i in range(seed.shape[0]):
        k = _splitmix(xp, k ^ seed[i])
    keys = []
    for r in range(rounds):
        k = _splitmix(xp, k + xp.uint64(r + 1))
        keys.append(k)
    return keys


def half_bits(max_index):
    """Bits per Feistel half: the smallest h >= 1 with 4**h > max_index."""
    h = 1
    while (1 << (2 * h)) <= max_index:
        h += 1
    return h


def encrypt(xp, v, keys, h):
    """One pass of the Feistel network on uint64 values of 2h bits."""
    mask = xp.uint64((1 << h) - 1)
    left, right = v >> xp.uint64(h), v & mask
    for k in keys:
        f = _splitmix(xp, right ^ k) & mask
        left, right = right, left ^ f
    return (left << xp.uint64(h)) | right


def random_index_shuffle(index, seed, max_index, rounds):
    h = half_bits(max_index)
    v = np.asarray(index).astype(np.uint64)
    top = np.uint64(max_index)
    with np.errstate(over="ignore"):
        keys = round_keys(np, seed, rounds)
        v = encrypt(np, v, keys, h)
        bad = v > top
        while bad.any():
            v = np.where(bad, encrypt(np, v, keys, h), v)
            bad = v > top
    return v.astype(index.dtype)


KERNELS = {"ensure_shape": ensure_shape, "bitcast": bitcast,
           "random_index_shuffle": random_index_shuffle}

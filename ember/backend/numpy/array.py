"""NumPy kernels: shape manipulation (reshape, transpose, broadcast_to, concat, split, pad,
tile, reverse), their run-time-shape variants (broadcast_to_dynamic, reshape_dynamic,
split_like) and the `range` creation primitive.

Kernels trust their static params: the ops (and the shape rules) validate them first.
Several kernels return views (reshape, transpose, broadcast_to, reverse); tensors are
immutable, so a view is as good as a copy and costs nothing.
"""

from __future__ import annotations

import numpy as np

_NP_PAD_MODES = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}


def reshape(x, shape):
    return x.reshape(shape)  # the method: np.reshape's Python wrapper costs more


def transpose(x, perm):
    return np.transpose(x, perm)


def broadcast_to(x, shape):
    # NOTE: large targets get a read-only view (a filled tensor of zeros, ones, fill costs
    # one element of memory); small ones a filled copy, which is several times faster than
    # np.broadcast_to's Python-level setup.
    n = 1
    for d in shape:
        n *= d
    if n > 4096:
        return np.broadcast_to(x, shape)
    x = np.asarray(x)
    if len(shape) < x.ndim or any(
            a != b and a != 1 for a, b in zip(x.shape[::-1], tuple(shape)[::-1])):
        return np.broadcast_to(x, shape)  # raises NumPy's error, explained by bind
    out = np.empty(shape, x.dtype)
    out[...] = x
    return out


def broadcast_to_dynamic(x, shape, dims):
    """`shape` is a 1-D int array read at run time; `dims` (its static hint) is unused."""
    return broadcast_to(x, tuple(shape.tolist()))


def reshape_dynamic(x, shape, dims):
    """`shape` is a 1-D int array read at run time (one entry may be -1)."""
    dims = tuple(shape.tolist())
    if dims and min(dims) < -1:  # NumPy would take any negative entry for -1
        raise ValueError(f"shape {list(dims)} has a dimension below -1")
    return np.reshape(x, dims)


def concat(*xs, axis):
    return np.concatenate(xs, axis=axis)


def split(x, sizes, axis):
    """`sizes` is an int (that many equal parts) or a tuple of sizes (one may be -1)."""
    if isinstance(sizes, int):
        return tuple(np.split(x, sizes, axis=axis))
    if -1 in sizes:
        rest = x.shape[axis] - sum(s for s in sizes if s != -1)
        sizes = tuple(rest if s == -1 else s for s in sizes)
    return tuple(np.split(x, np.cumsum(sizes[:-1]), axis=axis))


def split_like(x, *likes, axis):
    """`x` cut along `axis` into pieces as long as each of `likes` is along it."""
    ends = np.cumsum([t.shape[axis] for t in likes[:-1]], dtype=np.int64)
    return tuple(np.split(x, ends, axis=axis))


def pad(x, paddings, mode, constant_values):
    if not paddings:  # a scalar
        return x
    if mode == "CONSTANT":
        return np.pad(x, paddings, mode="constant", constant_values=constant_values)
    return np.pad(x, paddings, mode=_NP_PAD_MODES[mode])


def tile(x, multiples):
    return np.tile(x, multiples)


def reverse(x, axis):
    return np.flip(x, axis) if axis else x


def range_with(xp, start, delta, size, dtype):
    """`start + i * delta` for i in [0, size), in `dtype`; written once for NumPy and
    jax.numpy (`xp`)."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":  # floats, bfloat16 included
        # NOTE: computed in float64 and rounded once, so each value is the closest `dtype`
        # number to start + i * delta (no error accumulates along the sequence).
        out = np.float64(start) + xp.arange(size, dtype=np.float64) * np.float64(delta)
        return out.astype(dtype)
    return xp.arange(size, dtype=dtype) * dtype.type(delta) + dtype.type(start)


def range_(start, delta, size, dtype):
    return range_with(np, start, delta, size, dtype)


KERNELS = {
    "reshape": reshape,
    "transpose": transpose,
    "broadcast_to": broadcast_to,
    "concat": concat,
    "split": split,
    "broadcast_to_dynamic": broadcast_to_dynamic,
    "reshape_dynamic": reshape_dynamic,
    "split_like": split_like,
    "pad": pad,
    "tile": tile,
    "reverse": reverse,
    "range": range_,
}


def _shape(x, out_type):
    return np.array(x.shape, dtype=out_type)


KERNELS["shape"] = _shape

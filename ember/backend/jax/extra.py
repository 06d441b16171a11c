"""JAX kernels for roll and searchsorted (their primitives: ember/prims/roll.py, sort.py).

`roll` takes its shifts as a (possibly traced) tensor: `jnp.roll` slices dynamically.
`searchsorted` is the NumPy kernel's vectorized binary search over every row at once,
unrolled into a fixed number of steps (bit length of the row size + 1), so it compares
exactly as NumPy does (`<` for side="left", `<=` for "right").

`bincount` is not lowered: its output has `max(arr) + 1` bins (bounded by `minlength`
and `maxlength`), a length that depends on the values unless `maxlength` fixes it.

Example:
    >>> import numpy as np
    >>> from ember.backend.jax.extra import searchsorted  # doctest: +SKIP
    >>> searchsorted(np.array([1, 3, 5]), np.array([3, 6]), side="left",
    ...              out_type=np.dtype(np.int32))  # doctest: +SKIP
    Array([1, 3], dtype=int32)
"""

from __future__ import annotations

import math

import jax.numpy as jnp


def _rows(x):
    """x as a matrix of its last axis: [prod(leading dims), last dim]."""
    return x.reshape(math.prod(x.shape[:-1]), x.shape[-1])


def roll(x, shift, axis):
    x, shift = jnp.asarray(x), jnp.asarray(shift)
    shifts = shift.reshape(-1)
    if shifts.shape[0] != len(axis):
        raise ValueError(
            f"shift and axis must have the same length, received {shifts.shape[0]} "
            f"shift(s) for axis {list(axis)}.")
    if not axis or x.size == 0:
        return x
    # repeated axes add their shifts, as TF (jnp.roll applies one axis at a time)
    return jnp.roll(x, tuple(shifts[i] for i in range(len(axis))), tuple(axis))


def searchsorted(sorted_sequence, values, side, out_type):
    sorted_sequence, values = jnp.asarray(sorted_sequence), jnp.asarray(values)
    n = sorted_sequence.shape[-1]
    seq = _rows(sorted_sequence)
    vals = _rows(values)
    if seq.shape[0] != vals.shape[0]:
        raise ValueError(
            f"sorted_sequence and values must have the same leading dims "
            f"(the same number of rows), received shapes {list(sorted_sequence.shape)} "
            f"and {list(values.shape)}.")
    lo = jnp.zeros(vals.shape, dtype=jnp.int64)
    if n == 0 or vals.size == 0:
        return lo.astype(out_type).reshape(values.shape)
    hi = jnp.full(vals.shape, n, dtype=jnp.int64)
    for _ in range(n.bit_length() + 1):  # enough halvings of [0, n] to converge
        active = lo < hi
        mid = (lo + hi) // 2
        probe = jnp.take_along_axis(seq, jnp.minimum(mid, n - 1), axis=1)
        right = probe < vals if side == "left" else probe <= vals
        lo = jnp.where(active & right, mid + 1, lo)
        hi = jnp.where(active & ~right, mid, hi)
    return lo.astype(out_type).reshape(values.shape)


KERNELS = {"roll": roll, "searchsorted": searchsorted}

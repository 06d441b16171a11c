"""JAX kernels for roll and searchsorted (their primitives: ember/prims/roll.py, sort.py).

`roll` takes its shifts as a (possibly traced) tensor: `jnp.roll` slices dynamically.
`searchsorted` is the NumPy kernel's vectorized binary search over every row at once
(`numpy.extra.searchsorted_with`, written once over `xp`), a fixed number of steps (bit
length of the row size + 1), so it compares exactly as NumPy does.

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

from ..numpy.extra import searchsorted_with


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
    return searchsorted_with(jnp, jnp.asarray(sorted_sequence), jnp.asarray(values), side,
                             out_type)


KERNELS = {"roll": roll, "searchsorted": searchsorted}

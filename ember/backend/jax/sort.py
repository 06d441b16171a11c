"""JAX kernels for sort (values and int32 indices) and top_k.

The orders are the NumPy kernels' (`backend/numpy/sort.py`): stable in both directions
(equal values keep their index order: the lower index first), NaN counts as the largest
value, and -0.0 equals 0.0. `sort` is a stable `jnp.argsort` (descending: of the
reversed array, reversal undone); `top_k` is `lax.top_k` (lower index first among equal
values) on a key where -0.0 is 0.0 and every NaN the same positive NaN, as XLA's float
order is otherwise total (-0.0 < 0.0, -NaN below everything).

`unique` is not lowered: its output's length depends on the values.

Example:
    >>> import numpy as np
    >>> from ember.backend.jax.sort import top_k  # doctest: +SKIP
    >>> top_k(np.array([3, 1, 3, 2]), k=2, index_type=np.dtype(np.int32))  # doctest: +SKIP
    (Array([3, 3], dtype=int64), Array([0, 2], dtype=int32))
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np


def _argsort(x, axis, descending):
    if not descending:
        return jnp.argsort(x, axis=axis, stable=True)
    # NOTE: a stable descending order for every dtype (negation would overflow unsigned
    # and minimum ints), as the NumPy kernel: sort the reversed array stably, then undo
    # the reversal; among equal values the lower index comes first.
    n = x.shape[axis]
    idx = jnp.argsort(jnp.flip(x, axis), axis=axis, stable=True)
    return (n - 1) - jnp.flip(idx, axis)


def sort(x, axis, descending):
    x = jnp.asarray(x)
    if x.size == 0:
        return x, jnp.zeros(x.shape, jnp.int32)
    idx = _argsort(x, axis, descending)
    return jnp.take_along_axis(x, idx, axis), idx.astype(jnp.int32)


def _order_key(x):
    """x with NumPy's order under XLA's total float order: -0.0 -> 0.0, NaN -> +NaN."""
    if not jnp.issubdtype(x.dtype, jnp.floating):
        return x.astype(jnp.uint8) if x.dtype == np.bool_ else x
    zero = jnp.zeros((), x.dtype)
    x = jnp.where(x == zero, zero, x)
    return jnp.where(jnp.isnan(x), jnp.asarray(np.nan, x.dtype), x)


def top_k(x, k, index_type):
    x = jnp.asarray(x)
    n = x.shape[-1]
    lead = x.shape[:-1]
    index_type = np.dtype(index_type)
    if k == 0 or math.prod(lead) == 0 or n == 0:
        return (jnp.zeros(lead + (k,), x.dtype), jnp.zeros(lead + (k,), index_type))
    _, cols = jax.lax.top_k(_order_key(x), k)  # lower index first on ties
    values = jnp.take_along_axis(x, cols, axis=-1)  # -0.0 and NaN payloads kept
    return values, cols.astype(index_type)


KERNELS = {"sort": sort, "top_k": top_k}

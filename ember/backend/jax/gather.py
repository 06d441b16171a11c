"""JAX kernels for gather / gather_nd / tensor_scatter_nd (every mode) and
scatter_add_axis (the transpose of gather, used by its gradient).

They follow the NumPy kernels (`backend/numpy/gather.py`) step by step, with XLA's
gathers and scatters (`.at[...].get` / `.set` / `.add` / `.min` / `.max`).

NOTE: the NumPy kernels raise IndexError for an index outside its dim (or negative); a
compiled XLA function can't check index values. On this backend a gather clamps each
index into [0, dim - 1], and a scatter drops an update whose index vector has an entry
outside [0, dim) (negative ones included, as TF on GPU), so shapes stay static.

In `update` mode, of several updates at one index the last one is written, as on NumPy
(an XLA scatter leaves that order undefined): each update first learns whether a later
one targets its slot, by scattering the update numbers with `max`.

Example:
    >>> import numpy as np
    >>> from ember.backend.jax.gather import gather  # doctest: +SKIP
    >>> gather(np.array([10, 20, 30]), np.array([2, 0]), axis=0, batch_dims=0)  # doctest: +SKIP
    Array([30, 10], dtype=int64)
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from ..numpy.gather import axis_rows


def _clamp(indices, size: int):
    """Indices clamped into [0, size - 1] (a gather's out-of-range policy here)."""
    # NOTE: no range check on this backend (the NumPy kernel raises IndexError).
    return jnp.clip(jnp.asarray(indices), 0, max(size - 1, 0))


def _drop_out_of_range(indices, dims: tuple):
    """Index vectors (last axis) with every entry outside [0, dim) replaced by dim, which
    a scatter in mode="drop" skips (negative entries would otherwise count from the end)."""
    indices = jnp.asarray(indices)
    cols = []
    for j, d in enumerate(dims):
        c = indices[..., j]
        cols.append(jnp.where((c < 0) | (c >= d), d, c))
    return cols


def gather(params, indices, axis, batch_dims):
    params = jnp.asarray(params)
    indices = _clamp(indices, params.shape[axis])
    if batch_dims == 0:
        return jnp.take(params, indices, axis=axis, mode="clip")
    b = batch_dims
    bshape = params.shape[:b]
    nb = math.prod(bshape)
    p = params.reshape((nb,) + params.shape[b:])
    idx = indices.reshape((nb,) + indices.shape[b:])
    p = jnp.moveaxis(p, axis - b + 1, 1)  # (nb, size, pre..., post...)
    rows = jnp.arange(nb).reshape((nb,) + (1,) * (idx.ndim - 1))
    g = p.at[rows, idx].get(mode="clip")  # (nb, idx dims..., pre..., post...)
    ni, npre = idx.ndim - 1, axis - b
    perm = ([0] + list(range(1 + ni, 1 + ni + npre)) + list(range(1, 1 + ni))
            + list(range(1 + ni + npre, g.ndim)))
    g = jnp.transpose(g, perm)
    return g.reshape(bshape + g.shape[1:])


def gather_nd(params, indices, batch_dims):
    params, indices = jnp.asarray(params), jnp.asarray(indices)
    b = batch_dims
    k = indices.shape[-1]
    bshape = params.shape[:b]
    nb = math.prod(bshape)
    mid = indices.shape[b:-1]
    rest = params.shape[b + k:]
    p = params.reshape((nb,) + params.shape[b:])
    idx = indices.reshape((nb,) + mid + (k,))
    rows = jnp.arange(nb).reshape((nb,) + (1,) * len(mid))
    cols = tuple(_clamp(idx[..., j], params.shape[b + j]) for j in range(k))
    out = p.at[(rows,) + cols].get(mode="clip")
    if k == 0:  # each (empty) index vector selects the whole per-batch params
        out = jnp.broadcast_to(out, (nb,) + mid + rest)
    return out.reshape(bshape + mid + rest)


def _fold(mode: str, out, upd):
    """`out` combined with every row of `upd` (the updates that address all of `out`)."""
    if mode == "add":
        return out + jnp.sum(upd, axis=0, dtype=out.dtype)
    if mode == "sub":
        return out - jnp.sum(upd, axis=0, dtype=out.dtype)
    if mode == "min":
        return jnp.minimum(out, jnp.min(upd, axis=0))
    return jnp.maximum(out, jnp.max(upd, axis=0))


def tensor_scatter_nd(tensor, indices, updates, mode):
    tensor, indices, updates = jnp.asarray(tensor), jnp.asarray(indices), jnp.asarray(updates)
    k = indices.shape[-1]
    n = math.prod(indices.shape[:-1])
    upd = updates.reshape((n,) + tensor.shape[k:]).astype(tensor.dtype)
    if k == 0:  # every update addresses the whole tensor
        if n == 0:
            return tensor
        if mode == "update":
            return jnp.broadcast_to(upd[-1], tensor.shape)
        return _fold(mode, tensor, upd)
    # NOTE: no range check on this backend (NumPy raises IndexError): an update with an
    # index outside the tensor is dropped.
    at = tuple(c.reshape(-1) for c in _drop_out_of_range(indices, tensor.shape[:k]))
    if mode == "update":
        # the last of several updates at one slot wins, as NumPy's assignment
        ids = jnp.arange(n, dtype=jnp.int64)
        last = jnp.full(tensor.shape[:k], -1, jnp.int64).at[at].max(ids, mode="drop")
        won = last.at[at].get(mode="fill", fill_value=-1) == ids
        at = (jnp.where(won, at[0], tensor.shape[0]),) + at[1:]  # losers: dropped
        return tensor.at[at].set(upd, mode="drop")
    ref = tensor.at[at]
    if mode == "add":
        return ref.add(upd, mode="drop")
    if mode == "sub":
        return ref.subtract(upd, mode="drop")
    if mode == "min":
        return ref.min(upd, mode="drop")
    if mode == "max":
        return ref.max(upd, mode="drop")
    raise ValueError(f"tensor_scatter_nd: unknown mode {mode!r}")


def scatter_add_axis(updates, indices, like, axis, batch_dims):
    """Zeros of shape B + pre + [size] + post, size = like.shape[axis] (only the shape of
    `like` is read), with each slice of `updates` added at its index along `axis`."""
    updates, indices = jnp.asarray(updates), jnp.asarray(indices)
    size = like.shape[axis]
    u, idx, nb, fold = axis_rows(jnp, updates, indices, axis, batch_dims)  # NumPy's layout
    # NOTE: no range check on this backend (NumPy raises IndexError): a slice with an
    # index outside [0, size) is dropped.
    bad = (idx < 0) | (idx >= size)
    rows = idx + jnp.arange(nb, dtype=jnp.int64)[:, None] * size
    rows = jnp.where(bad, nb * size, rows).reshape(-1)
    out = jnp.zeros((nb * size, u.shape[1]), dtype=updates.dtype).at[rows].add(u, mode="drop")
    return fold(out, size)


KERNELS = {
    "scatter_add_axis": scatter_add_axis,
    "gather": gather,
    "gather_nd": gather_nd,
    "tensor_scatter_nd": tensor_scatter_nd,
}

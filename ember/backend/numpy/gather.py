"""NumPy kernels for gather / gather_nd / tensor_scatter_nd, and scatter_add_axis (the
transpose of gather, used by its gradient).

Index checks live here, not only in the shape rules: a shape rule sees shapes, not index
values. Out-of-range and negative indices raise IndexError (TF on CPU raises too; NumPy
would wrap negative indices silently). The caller turns it into an ember error.
"""

from __future__ import annotations

import math

import numpy as np

from . import conv as _conv  # the compiled loops (`_conv._C`), where built


def _where(pos: tuple) -> str:
    return "[" + ",".join(str(int(p)) for p in pos) + "]" if pos else ""


def _check_range(indices: np.ndarray, size: int, what: str) -> None:
    """IndexError naming the first index outside [0, size)."""
    if indices.size == 0:
        return
    if indices.min() >= 0 and indices.max() < size:
        return
    bad = int(np.flatnonzero((indices < 0) | (indices >= size))[0])
    value = int(indices.reshape(-1)[bad])
    pos = np.unravel_index(bad, indices.shape) if indices.ndim else ()
    msg = f"indices{_where(pos)} = {value} is not in [0, {size}), the size of {what}"
    if value < 0:
        msg += ("; negative indices are not allowed (as in TensorFlow), add the size to "
                "count from the end")
    raise IndexError(msg)


def _check_nd(indices: np.ndarray, shape: tuple, what: str) -> None:
    """IndexError naming the first index vector (last axis of `indices`) outside `shape`."""
    k = indices.shape[-1]
    if indices.size == 0 or k == 0:
        return
    bounds = np.asarray(shape[:k], dtype=np.int64)
    if indices.min() >= 0 and (indices < bounds).all():
        return
    bad = ((indices < 0) | (indices >= bounds)).any(axis=-1)
    first = int(np.flatnonzero(bad)[0])
    pos = np.unravel_index(first, bad.shape) if bad.ndim else ()
    vec = indices.reshape(-1, k)[first]
    vals = ", ".join(str(int(v)) for v in vec)
    dims = ", ".join(str(d) for d in shape)
    msg = f"indices{_where(pos)} = [{vals}] does not index into {what} shape [{dims}]"
    if (vec < 0).any():
        msg += "; negative indices are not allowed (as in TensorFlow)"
    raise IndexError(msg)


def gather(params, indices, axis, batch_dims):
    _check_range(indices, params.shape[axis], f"params axis {axis}")
    if batch_dims == 0:
        return np.take(params, indices, axis=axis)
    b = batch_dims
    bshape = params.shape[:b]
    nb = math.prod(bshape)
    p = params.reshape((nb,) + params.shape[b:])
    idx = indices.reshape((nb,) + indices.shape[b:])
    p = np.moveaxis(p, axis - b + 1, 1)  # (nb, size, pre..., post...)
    rows = np.arange(nb).reshape((nb,) + (1,) * (idx.ndim - 1))
    g = p[rows, idx]  # (nb, idx dims..., pre..., post...)
    ni, npre = idx.ndim - 1, axis - b
    perm = ([0] + list(range(1 + ni, 1 + ni + npre)) + list(range(1, 1 + ni))
            + list(range(1 + ni + npre, g.ndim)))
    g = g.transpose(perm)
    return g.reshape(bshape + g.shape[1:])


def gather_nd(params, indices, batch_dims):
    b = batch_dims
    k = indices.shape[-1]
    _check_nd(indices, params.shape[b:], "param" if b == 0 else "per-batch param")
    bshape = params.shape[:b]
    nb = math.prod(bshape)
    mid = indices.shape[b:-1]
    rest = params.shape[b + k:]
    p = params.reshape((nb,) + params.shape[b:])
    idx = indices.reshape((nb,) + mid + (k,))
    rows = np.arange(nb).reshape((nb,) + (1,) * len(mid))
    out = p[(rows,) + tuple(idx[..., j] for j in range(k))]
    if k == 0:  # each (empty) index vector selects the whole per-batch params
        out = np.broadcast_to(out, (nb,) + mid + rest).copy()
    return out.reshape(bshape + mid + rest)


_REDUCERS = {"add": np.add, "sub": np.subtract, "min": np.minimum, "max": np.maximum}


def tensor_scatter_nd(tensor, indices, updates, mode):
    _check_nd(indices, tensor.shape, "tensor")
    out = tensor.copy()
    k = indices.shape[-1]
    upd = updates.reshape((math.prod(indices.shape[:-1]),) + tensor.shape[k:])
    if k == 0:  # every update addresses the whole tensor
        if upd.shape[0] == 0:
            return out
        if mode == "update":
            out[...] = upd[-1]
        else:
            for u in upd:
                out = _REDUCERS[mode](out, u)
        return out
    at = tuple(indices[..., j].reshape(-1) for j in range(k))
    if mode == "update":
        out[at] = upd
    else:
        _REDUCERS[mode].at(out, at, upd)
    return out


def axis_rows(xp, updates, indices, axis: int, batch_dims: int) -> tuple:
    """The layout scatter_add_axis sums in, on any array module `xp` (NumPy, jax.numpy):
    `updates` (B + pre + indices.shape[b:] + post) as rows (n, width) in (batch, index
    position) order, the indices as (nb, k) int64, the batch count nb, and `fold(sums,
    size)`, which turns the (nb * size, width) sums into B + pre + [size] + post."""
    b = batch_dims
    bshape = indices.shape[:b]
    nb = math.prod(bshape)
    ishape = indices.shape[b:]
    ni = len(ishape)
    pre = updates.shape[b:axis]
    post = updates.shape[axis + ni:]
    u = updates.reshape((nb,) + updates.shape[b:])  # (nb, pre..., I..., post...)
    npre = len(pre)
    u = xp.moveaxis(u, list(range(1 + npre, 1 + npre + ni)), list(range(1, 1 + ni)))
    u = u.reshape(nb * math.prod(ishape), math.prod(pre) * math.prod(post))
    idx = indices.reshape(nb, math.prod(ishape)).astype(xp.int64)

    def fold(out, size: int):
        out = xp.moveaxis(out.reshape((nb, size) + pre + post), 1, 1 + npre)
        return out.reshape(bshape + pre + (size,) + post)
    return u, idx, nb, fold


def scatter_add_axis(updates, indices, like, axis, batch_dims):
    """Zeros of shape B + pre + [size] + post, size = like.shape[axis] (only the shape of
    `like` is read), with each slice of `updates` (shape B + pre + indices.shape[b:] +
    post) added at its index along `axis`."""
    size = like.shape[axis]
    _check_range(indices, size, f"output axis {axis}")
    u, rows, nb, fold = axis_rows(np, updates, indices, axis, batch_dims)
    width = u.shape[1]
    rows = (rows + np.arange(nb, dtype=np.int64)[:, None] * size).reshape(-1)
    if width == 1 and updates.dtype.kind == "f" and updates.dtype.itemsize <= 8:
        # NOTE: bincount sums in float64 and is much faster than add.at for one column.
        out = np.bincount(rows, u[:, 0], minlength=nb * size).astype(updates.dtype)
        out = out.reshape(nb * size, 1)
    elif (_conv._C is not None and updates.dtype.char in "fd" and rows.size >= 64
          and u.flags.c_contiguous):
        # the compiled loop: each destination row sums its rows in index order, on the
        # pool (~10x the sort + reduceat below for an embedding's gradient)
        out = np.zeros((nb * size, width), dtype=updates.dtype)
        _conv._C.scatter_rows(u, rows.astype(np.int64, copy=False), out)
    elif rows.size >= 64 and updates.dtype.kind in "fc":
        # NOTE: rows sorted, each run summed by np.add.reduceat and written once: ~1.6x
        # faster than np.add.at for an embedding's gradient (2048 ids, 128 wide)
        order = np.argsort(rows, kind="stable")
        r = rows[order]
        starts = np.flatnonzero(np.concatenate(([True], r[1:] != r[:-1])))
        out = np.zeros((nb * size, width), dtype=updates.dtype)
        out[r[starts]] = np.add.reduceat(u[order], starts, axis=0)
    else:
        out = np.zeros((nb * size, width), dtype=updates.dtype)
        np.add.at(out, rows, u)
    return fold(out, size)


KERNELS = {
    "scatter_add_axis": scatter_add_axis,
    "gather": gather,
    "gather_nd": gather_nd,
    "tensor_scatter_nd": tensor_scatter_nd,
}

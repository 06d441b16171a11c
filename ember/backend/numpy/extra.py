"""NumPy kernels for roll, searchsorted and bincount (their primitives: ember/prims/roll.py,
sort.py, gather.py).

A failing kernel raises ValueError; dispatch turns it into the op's InvalidArgumentError.
"""

from __future__ import annotations

import numpy as np


def _rows(x: np.ndarray) -> np.ndarray:
    """x as a matrix of its last axis: [prod(leading dims), last dim] (no -1: the last
    dim may be 0)."""
    return x.reshape(int(np.prod(x.shape[:-1], dtype=np.int64)), x.shape[-1])


def roll(x, shift, axis):
    shifts = tuple(int(s) for s in np.reshape(shift, -1))
    if len(shifts) != len(axis):
        raise ValueError(
            f"shift and axis must have the same length, received {len(shifts)} "
            f"shift(s) for axis {list(axis)}.")
    if not axis:
        return x.copy()
    return np.roll(x, shifts, axis)  # repeated axes add their shifts, as TF


def searchsorted_with(xp, sorted_sequence, values, side, out_type):
    """searchsorted over the rows of the last axis, written once for NumPy and jax.numpy
    (`xp`): one vectorized binary search over every row at once (log2(n) + 1 passes of
    array ops, a fixed count, so XLA compiles it), not a loop of calls, one per row."""
    n = sorted_sequence.shape[-1]
    seq = _rows(sorted_sequence)
    vals = _rows(values)
    if seq.shape[0] != vals.shape[0]:
        raise ValueError(
            f"sorted_sequence and values must have the same leading dims "
            f"(the same number of rows), received shapes {list(sorted_sequence.shape)} "
            f"and {list(values.shape)}.")
    lo = xp.zeros(vals.shape, dtype=np.int64)
    if n == 0 or vals.size == 0:
        return lo.astype(out_type).reshape(values.shape)
    hi = xp.full(vals.shape, n, dtype=np.int64)
    for _ in range(n.bit_length() + 1):  # enough halvings of [0, n] to converge
        active = lo < hi
        mid = (lo + hi) // 2
        probe = xp.take_along_axis(seq, xp.minimum(mid, n - 1), axis=1)
        right = probe < vals if side == "left" else probe <= vals
        lo = xp.where(active & right, mid + 1, lo)
        hi = xp.where(active & ~right, mid, hi)
    return lo.astype(out_type).reshape(values.shape)


def searchsorted(sorted_sequence, values, side, out_type):
    return searchsorted_with(np, sorted_sequence, values, side, out_type)


def bincount(arr, weights, minlength, maxlength, binary_output, axis):
    # `weights` of size 0 (and arr not empty) means "no weights": it carries the dtype.
    if arr.size and arr.min() < 0:
        raise ValueError(
            f"arr must be non-negative, found the value {arr.min()}; counts "
            f"are per non-negative integer id.")
    size = int(arr.max()) + 1 if arr.size else 0
    if minlength is not None:
        size = max(size, minlength)
    if maxlength is not None:
        size = min(size, maxlength)
    size = max(size, 0)
    rows = _rows(arr) if axis == -1 else arr.reshape(1, -1)
    keep = rows < size
    flat = (np.arange(rows.shape[0])[:, None] * size + rows)[keep]
    n_out = rows.shape[0] * size
    if binary_output or weights.size != arr.size:
        out = np.bincount(flat, minlength=n_out)
        if binary_output:
            out = np.minimum(out, 1)
    elif weights.dtype.kind == "f":
        out = np.bincount(flat, weights.reshape(rows.shape)[keep], minlength=n_out)
    else:  # exact integer sums (np.bincount would add them as float64)
        out = np.zeros(n_out, dtype=weights.dtype)
        np.add.at(out, flat, weights.reshape(rows.shape)[keep])
    shape = (rows.shape[0], size) if axis == -1 else (size,)
    return out.astype(weights.dtype, copy=False).reshape(shape)


KERNELS = {"roll": roll, "searchsorted": searchsorted, "bincount": bincount}

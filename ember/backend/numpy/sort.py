"""NumPy kernels for sort (values and int32 indices), top_k and unique.

Every order is stable: equal values keep their index order, in both directions (TF's
top_k puts the lower index first among equal values; ember's sort does the same).
"""

from __future__ import annotations

import numpy as np


def _argsort(x, axis, descending):
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    # NOTE: a stable descending order, for every dtype (negation would overflow unsigned
    # and minimum ints): sort the reversed array stably, then undo the reversal. Among
    # equal values the lower index comes first. NaN counts as the largest value.
    n = x.shape[axis]
    idx = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
    return (n - 1) - np.flip(idx, axis)


def sort(x, axis, descending):
    idx = _argsort(x, axis, descending)
    return np.take_along_axis(x, idx, axis), idx.astype(np.int32)


def _has_nan(x) -> bool:
    return x.dtype.kind not in "iub" and bool(np.isnan(x).any())


def _top_columns(x2, k):
    """The columns of the k largest entries of each row (lower index first on ties), in
    O(n) per row: partition finds the k-th largest value, then the ties at that value
    are taken in index order."""
    rows, n = x2.shape
    thr = np.partition(x2, n - k, axis=1)[:, n - k:n - k + 1]
    greater = x2 > thr
    equal = x2 == thr
    need = k - greater.sum(axis=1, keepdims=True)
    chosen = greater | (equal & (np.cumsum(equal, axis=1) <= need))
    cols = np.nonzero(chosen)[1].reshape(rows, k)
    order = _argsort(np.take_along_axis(x2, cols, 1), 1, True)
    return np.take_along_axis(cols, order, 1)


def top_k(x, k, index_type):
    n = x.shape[-1]
    lead = x.shape[:-1]
    x2 = x.reshape(int(np.prod(lead, dtype=np.int64)), n)  # not -1: n may be 0
    if k == 0 or x2.shape[0] == 0:
        cols = np.zeros((x2.shape[0], k), dtype=np.int64)
    elif 4 * k < n and not _has_nan(x2):
        # NOTE: a partial selection is O(n) against O(n log n) for a full sort; with NaN
        # present the full stable sort keeps NaN ordering identical to `sort`.
        cols = _top_columns(x2, k)
    else:
        cols = _argsort(x2, 1, True)[:, :k]
    values = np.take_along_axis(x2, cols, 1)
    return values.reshape(lead + (k,)), cols.astype(index_type).reshape(lead + (k,))


def unique(x, out_idx):
    if x.size == 0:
        empty = np.zeros((0,), dtype=out_idx)
        return x.copy(), empty, empty.copy()
    # equal_nan=False: every NaN is its own value, as TF's hash-based unique.
    values, first, inverse, counts = np.unique(
        x, return_index=True, return_inverse=True, return_counts=True, equal_nan=False)
    order = np.argsort(first, kind="stable")  # first occurrence order, as TF
    position = np.empty_like(order)
    position[order] = np.arange(order.size)
    idx = position[inverse.reshape(-1)]
    return values[order], idx.astype(out_idx), counts[order].astype(out_idx)


KERNELS = {"sort": sort, "top_k": top_k, "unique": unique}

"""Specs of sort, top_k and unique (ember/prims/sort.py).

The references order with Python's (stable) `sorted` over (value, index) keys, one 1-D
slice at a time, independently of the kernels.
"""

from __future__ import annotations

import numpy as np

from . import NO_NAN, Case, rng, varying

R = rng(11)


def _order(row, descending):
    """Stable order of a 1-D row; equal values keep index order in both directions."""
    idx = range(len(row))
    if descending:
        return sorted(idx, key=lambda i: (-float(row[i]), i))
    return sorted(idx, key=lambda i: (float(row[i]), i))


def _sort_ref(x, axis, descending):
    xm = np.moveaxis(x, axis, -1)
    vals = np.empty_like(xm)
    idx = np.empty(xm.shape, dtype=np.int32)
    for pos in np.ndindex(*xm.shape[:-1]):
        order = _order(xm[pos], descending)
        idx[pos] = order
        vals[pos] = xm[pos][order]
    return np.moveaxis(vals, -1, axis), np.moveaxis(idx, -1, axis)


def _top_k_ref(x, k, index_type):
    vals = np.empty(x.shape[:-1] + (k,), dtype=x.dtype)
    idx = np.empty(x.shape[:-1] + (k,), dtype=index_type)
    for pos in np.ndindex(*x.shape[:-1]):
        order = _order(x[pos], True)[:k]
        idx[pos] = order
        vals[pos] = x[pos][order]
    return vals, idx


def _unique_ref(x, out_idx):
    seen: dict = {}
    y, idx, count = [], [], []
    for v in x.tolist():
        if v not in seen:
            seen[v] = len(y)
            y.append(v)
            count.append(0)
        idx.append(seen[v])
        count[seen[v]] += 1
    return (np.array(y, dtype=x.dtype), np.array(idx, dtype=out_idx),
            np.array(count, dtype=out_idx))


TIES = np.array([[3, 1, 3, 2, 1, 3], [0, 0, 0, 0, 0, 0], [5, -2, 7, 7, -2, 5]], np.int32)
WIDE = R.integers(0, 5, (4, 40)).astype(np.float64)  # many ties, k small: partial path

def _top_k_invalid(x, k, index_type):
    return k > x.shape[-1]  # TF: "input must have at least k columns"


# nan has no defined place in an order (TF's sort puts it anywhere)
SPECS = {
    "sort": varying([
        Case((R.standard_normal(7),), _sort_ref, {"axis": 0, "descending": False},
             diff_args=(0,)),
        Case((R.standard_normal((3, 5)),), _sort_ref, {"axis": 1, "descending": True},
             diff_args=(0,)),
        Case((R.standard_normal((4, 3, 2)).astype(np.float32),), _sort_ref,
             {"axis": 0, "descending": False}, diff_args=(0,)),
        Case((R.standard_normal((4, 3, 2)),), _sort_ref, {"axis": 0, "descending": True},
             diff_args=(0,)),
        Case((R.standard_normal((2, 5, 3)),), _sort_ref, {"axis": 1, "descending": False},
             diff_args=(0,)),
        Case((TIES,), _sort_ref, {"axis": 1, "descending": True}),
        Case((TIES,), _sort_ref, {"axis": 0, "descending": False}),
        Case((TIES.astype(np.uint8),), _sort_ref, {"axis": 1, "descending": True}),
    ], specials=NO_NAN, shapes="sort"),
    "top_k": varying([
        Case((R.standard_normal((3, 6)),), _top_k_ref, {"k": 2, "index_type": np.dtype(np.int32)},
             diff_args=(0,)),
        Case((R.standard_normal(5).astype(np.float32),), _top_k_ref,
             {"k": 5, "index_type": np.dtype(np.int32)}, diff_args=(0,)),
        Case((R.standard_normal((2, 2, 50)),), _top_k_ref,
             {"k": 3, "index_type": np.dtype(np.int64)}, diff_args=(0,)),
        Case((R.standard_normal((4, 5)),), _top_k_ref, {"k": 5, "index_type": np.dtype(np.int64)},
             diff_args=(0,)),
        Case((R.standard_normal((2, 3, 4)),), _top_k_ref,
             {"k": 2, "index_type": np.dtype(np.int16)}, diff_args=(0,)),
        Case((R.standard_normal((3, 4)),), _top_k_ref, {"k": 0, "index_type": np.dtype(np.int32)},
             diff_args=(0,)),
        Case((TIES,), _top_k_ref, {"k": 4, "index_type": np.dtype(np.int32)}),
        Case((WIDE,), _top_k_ref, {"k": 7, "index_type": np.dtype(np.int32)},
             diff_args=()),  # ties: finite differences are meaningless there
        Case((TIES,), _top_k_ref, {"k": 0, "index_type": np.dtype(np.int32)}),
        Case((np.zeros((3, 0)),), _top_k_ref, {"k": 0, "index_type": np.dtype(np.int32)}),
        Case((np.zeros((0, 5)),), _top_k_ref, {"k": 2, "index_type": np.dtype(np.int32)}),
    ], specials=NO_NAN, invalid=_top_k_invalid, shapes="top_k"),
    "unique": varying([
        Case((np.array([4, 5, 1, 2, 3, 3, 4, 5], np.int32),), _unique_ref,
             {"out_idx": np.dtype(np.int32)}),
        Case((np.array([2.5, -1.0, 2.5, 0.0, -1.0]),), _unique_ref,
             {"out_idx": np.dtype(np.int64)}),
        Case((np.array([True, True, False], np.bool_),), _unique_ref,
             {"out_idx": np.dtype(np.int32)}),
        Case((np.zeros(0, np.float32),), _unique_ref, {"out_idx": np.dtype(np.int32)}),
    ], shapes="vector"),
}

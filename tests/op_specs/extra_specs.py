"""Specs of roll, searchsorted and bincount (ember/prims/roll.py, sort.py, gather.py).

The references are plain Python loops over indices, independent of the kernels.
"""

from __future__ import annotations

import numpy as np


from . import Case, rng, varying

R = rng(23)
F64 = np.float64


def _roll_ref(x, shift, axis):
    shifts = np.reshape(shift, -1)
    out = np.empty_like(x)
    for idx in np.ndindex(*x.shape):
        dst = list(idx)
        for s, a in zip(shifts, axis):
            dst[a] = (dst[a] + int(s)) % x.shape[a]
        out[tuple(dst)] = x[idx]
    return out


def _searchsorted_ref(seq, values, side, out_type):
    s2 = seq.reshape(int(np.prod(seq.shape[:-1])), seq.shape[-1])
    v2 = values.reshape(int(np.prod(values.shape[:-1])), values.shape[-1])
    out = np.empty(v2.shape, dtype=out_type)
    for r in range(v2.shape[0]):
        for j, v in enumerate(v2[r]):
            row = list(s2[r])
            out[r, j] = sum(1 for e in row if (e < v if side == "left" else e <= v))
    return out.reshape(values.shape)


def _bincount_ref(arr, weights, minlength, maxlength, binary_output, axis):
    rows = arr.reshape(int(np.prod(arr.shape[:-1])), arr.shape[-1]) if axis == -1 \
        else arr.reshape(1, -1)
    size = int(arr.max()) + 1 if arr.size else 0
    size = max(size, minlength or 0) if minlength is not None else size
    size = min(size, maxlength) if maxlength is not None else size
    has_w = weights.size == arr.size and arr.size > 0
    w = weights.reshape(rows.shape) if has_w else None
    out = np.zeros((rows.shape[0], size), dtype=weights.dtype)
    for r in range(rows.shape[0]):
        for j, v in enumerate(rows[r]):
            if v < size:
                out[r, v] = 1 if binary_output else out[r, v] + (w[r, j] if has_w else 1)
    return out if axis == -1 else out[0]


X = R.standard_normal((3, 4, 5))
SEQ = np.sort(R.integers(0, 10, (2, 3, 6)), axis=-1).astype(np.int32)
VALS = R.integers(-1, 12, (2, 3, 4)).astype(np.int32)
ARR = np.array([1, 1, 3, 0, 5, 3], np.int32)

# The shifts, sorted sequences and weights are written for these shapes: the fuzzer
# keeps them, and the zero-size cases are listed here.
SPECS = {
    "roll": varying([
        Case((X, np.array(2, np.int32)), _roll_ref, {"axis": (1,)}, diff_args=(0,)),
        Case((X, np.array([1, -3, 7], np.int64)), _roll_ref, {"axis": (0, 1, 2)},
             diff_args=(0,)),
        Case((X.astype(np.float32), np.array([1, 1], np.int32)), _roll_ref,
             {"axis": (2, 2)}),
        Case((np.arange(6, dtype=np.int64), np.array(-4, np.int32)), _roll_ref,
             {"axis": (0,)}),
        Case((X[:, :0], np.array([1, 2], np.int32)), _roll_ref, {"axis": (0, 1)},
             diff_args=(0,)),
    ], vary="values", shapes="roll"),
    # the sequences must stay sorted (vary="none"); nan has no place in an order
    "searchsorted": varying([
        Case((SEQ, VALS), _searchsorted_ref, {"side": "left", "out_type": np.dtype(np.int32)}),
        Case((SEQ, VALS), _searchsorted_ref, {"side": "right", "out_type": np.dtype(np.int64)}),
        Case((np.sort(R.standard_normal(9)), R.standard_normal(5)), _searchsorted_ref,
             {"side": "left", "out_type": np.dtype(np.int32)}),
        Case((SEQ, VALS[..., :0]), _searchsorted_ref,
             {"side": "left", "out_type": np.dtype(np.int32)}),
        Case((SEQ[..., :0], VALS), _searchsorted_ref,
             {"side": "right", "out_type": np.dtype(np.int32)}),
        Case((SEQ[:0], VALS[:0]), _searchsorted_ref,
             {"side": "right", "out_type": np.dtype(np.int64)}),
    ], vary="none", shapes="searchsorted"),
    "bincount": varying([
        Case((ARR, np.zeros(0, np.int32)), _bincount_ref,
             {"minlength": None, "maxlength": None, "binary_output": False, "axis": 0}),
        Case((ARR, R.standard_normal(6)), _bincount_ref,
             {"minlength": 9, "maxlength": None, "binary_output": False, "axis": 0}),
        Case((ARR.reshape(2, 3), np.arange(6, dtype=np.int64).reshape(2, 3)), _bincount_ref,
             {"minlength": None, "maxlength": 4, "binary_output": False, "axis": -1}),
        Case((ARR.reshape(3, 2), np.zeros(0, np.float32)), _bincount_ref,
             {"minlength": None, "maxlength": None, "binary_output": True, "axis": -1}),
        Case((ARR[:0], np.zeros(0, np.float32)), _bincount_ref,
             {"minlength": 3, "maxlength": None, "binary_output": False, "axis": 0}),
        Case((ARR.reshape(2, 3)[:0], np.zeros(0, np.float64)), _bincount_ref,
             {"minlength": None, "maxlength": None, "binary_output": False, "axis": -1}),
    ], vary="values"),
}

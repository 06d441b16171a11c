"""Specs of the ragged primitives (ember/prims/ragged.py): loops over rows in NumPy."""

from __future__ import annotations

import numpy as np

from . import Case, varying

SPLITS = np.array([0, 2, 2, 5, 6], np.int64)  # rows of 2, 0, 3 and 1 values
FULL_SPLITS = np.array([0, 2, 5, 6], np.int64)
VALUES = np.array([1.5, -2.0, 3.25, 0.5, -1.0, 4.0])
VALUES_2D = np.arange(12.0).reshape(6, 2) - 5.5


def _rows(splits):
    return [(int(splits[i]), int(splits[i + 1])) for i in range(len(splits) - 1)]


def _to_dense(values, splits, default, shape=None):
    rows = _rows(splits)
    width = max([b - a for a, b in rows], default=0)
    n, w = len(rows), width
    if shape is not None:
        n = n if shape[0] is None else shape[0]
        w = w if shape[1] is None else shape[1]
    out = np.full((n, w) + values.shape[1:], default, dtype=values.dtype)
    for i, (a, b) in enumerate(rows[:n]):
        for j in range(min(b - a, w)):
            out[i, j] = values[a + j]
    return out


def _gather_dense(dense, splits):
    out = np.zeros((int(splits[-1]),) + dense.shape[2:], dtype=dense.dtype)
    for i, (a, b) in enumerate(_rows(splits)):
        for j in range(b - a):
            if i < dense.shape[0] and j < dense.shape[1]:
                out[a + j] = dense[i, j]
    return out


def _reduce(values, splits, op):
    fn = {"sum": np.sum, "max": np.max, "min": np.min}[op]
    dt = values.dtype
    empty = {"sum": 0, "max": np.finfo(dt).min if dt.kind == "f" else np.iinfo(dt).min,
             "min": np.finfo(dt).max if dt.kind == "f" else np.iinfo(dt).max}[op]
    rows = _rows(splits)
    out = np.full((len(rows),) + values.shape[1:], empty, dtype=dt)
    for i, (a, b) in enumerate(rows):
        if b > a:
            out[i] = fn(values[a:b], axis=0)
    return out


def _row_ids(splits):
    return np.concatenate([np.full(b - a, i, splits.dtype) for i, (a, b) in
                           enumerate(_rows(splits))] + [np.zeros(0, splits.dtype)])


def _from_ids(ids, nrows):
    out = [0]
    for r in range(int(nrows)):
        out.append(out[-1] + int(np.sum(ids == r)))
    return np.array(out, dtype=ids.dtype)


SPECS = {
    "ragged_to_dense": varying([
        Case((VALUES, SPLITS, np.array(0.0)), _to_dense),
        Case((VALUES_2D, SPLITS, np.array(-1.0)), _to_dense, {"shape": (3, 2, 2)}),
        Case((np.array([3, 1, 4], np.int32), np.array([0, 1, 3], np.int32),
              np.array(9, np.int32)), _to_dense, {"shape": (4, None)}),
        Case((np.zeros(0), np.array([0, 0, 0], np.int64), np.array(7.0)), _to_dense),
    ], vary="values"),
    "ragged_gather_dense": varying([
        Case((np.arange(12.0).reshape(4, 3), np.array([0, 2, 2, 5, 6], np.int64)),
             _gather_dense),
        Case((np.arange(8, dtype=np.int32).reshape(2, 2, 2), np.array([0, 1, 3], np.int32)),
             _gather_dense),
        Case((np.zeros((2, 0)), np.array([0, 0, 0], np.int64)), _gather_dense),
    ], vary="values"),
    "ragged_reduce": varying([
        Case((VALUES, SPLITS), _reduce, {"op": "sum"}),
        # (no empty rows where the max/min of a row is differentiated: the lowest float
        # of an empty row would drown the finite differences)
        Case((VALUES, FULL_SPLITS), _reduce, {"op": "max"}),
        Case((VALUES_2D, FULL_SPLITS), _reduce, {"op": "min"}),
        Case((np.array([5, -3, 2], np.int64), np.array([0, 0, 3], np.int64)), _reduce,
             {"op": "max"}),
        Case((np.zeros(0), np.array([0], np.int64)), _reduce, {"op": "sum"}),
    ], vary="values"),
    "ragged_row_ids": varying([
        Case((SPLITS,), _row_ids),
        Case((np.array([0, 0, 3], np.int32),), _row_ids),
        Case((np.array([0], np.int64),), _row_ids),
    ], vary="values"),
    "ragged_splits_from_ids": varying([
        Case((np.array([0, 0, 2, 2, 2, 3], np.int64), np.array(5, np.int64)), _from_ids),
        Case((np.zeros(0, np.int32), np.array(2, np.int32)), _from_ids),
    ], vary="values"),
}

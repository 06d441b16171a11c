"""NumPy kernels of the ragged primitives (ember/prims/ragged.py): a ragged tensor is
`values` (rows concatenated) and `row_splits` (row i is values[splits[i]:splits[i+1]]).

A failing kernel raises ValueError; dispatch turns it into the op's InvalidArgumentError.
"""

from __future__ import annotations

import numpy as np


def check_splits(splits: np.ndarray, nvalues: int | None = None) -> None:
    """ValueError unless `splits` starts at 0, never decreases (and ends at nvalues)."""
    if splits.size == 0:
        raise ValueError("row_splits must have at least one entry (0), received an empty "
                         "tensor")
    if splits[0] != 0:
        raise ValueError(f"row_splits must start at 0, received {splits[0]}")
    if splits.size > 1 and np.any(splits[1:] < splits[:-1]):
        raise ValueError(f"row_splits must be non-decreasing, received {splits.tolist()}")
    if nvalues is not None and splits[-1] != nvalues:
        raise ValueError(f"row_splits must end at the number of values ({nvalues}), "
                         f"received {splits[-1]}")


def _positions(splits: np.ndarray) -> tuple:
    """(row id, column) of each value."""
    lengths = np.diff(splits).astype(np.int64)
    rows = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
    cols = np.arange(rows.size, dtype=np.int64) - splits[:-1].astype(np.int64)[rows]
    return rows, cols


def ragged_to_dense(values, row_splits, default, shape=None):
    check_splits(row_splits, values.shape[0])
    nrows = row_splits.size - 1
    lengths = np.diff(row_splits)
    width = int(lengths.max()) if lengths.size else 0
    dims = [nrows, width]
    if shape is not None:
        dims = [d if s is None else int(s) for d, s in zip(dims, shape[:2])]
    out = np.full(tuple(dims) + values.shape[1:], default, dtype=values.dtype)
    rows, cols = _positions(row_splits)
    keep = (rows < dims[0]) & (cols < dims[1])
    out[rows[keep], cols[keep]] = values[keep]
    return out


def ragged_gather_dense(dense, row_splits):
    check_splits(row_splits)
    rows, cols = _positions(row_splits)
    out = np.zeros((rows.size,) + dense.shape[2:], dtype=dense.dtype)
    if dense.dtype == object:
        out[...] = b""
    keep = (rows < dense.shape[0]) & (cols < dense.shape[1])  # outside: 0 (a gradient)
    out[keep] = dense[rows[keep], cols[keep]]
    return out


_EMPTY = {"sum": lambda dt: 0,
          "max": lambda dt: np.finfo(dt).min if dt.kind == "f" else np.iinfo(dt).min,
          "min": lambda dt: np.finfo(dt).max if dt.kind == "f" else np.iinfo(dt).max}
_UFUNC = {"sum": np.add, "max": np.maximum, "min": np.minimum}


def ragged_reduce(values, row_splits, op):
    check_splits(row_splits, values.shape[0])
    lengths = np.diff(row_splits)
    out = np.full((lengths.size,) + values.shape[1:], _EMPTY[op](values.dtype),
                  dtype=values.dtype)
    full = lengths > 0
    if np.any(full):
        starts = row_splits[:-1][full].astype(np.int64)
        out[full] = _UFUNC[op].reduceat(values, starts, axis=0)
    return out


def ragged_row_ids(row_splits):
    check_splits(row_splits)
    lengths = np.diff(row_splits).astype(np.int64)
    return np.repeat(np.arange(lengths.size, dtype=row_splits.dtype), lengths)


def ragged_splits_from_ids(value_rowids, nrows):
    n = int(nrows)
    if n < 0:
        raise ValueError(f"nrows must be non-negative, received {n}")
    ids = value_rowids.astype(np.int64)
    if ids.size and (ids[0] < 0 or np.any(ids[1:] < ids[:-1]) or ids[-1] >= n):
        raise ValueError(f"value_rowids must be sorted and in [0, nrows={n}), received "
                         f"{value_rowids.tolist()}")
    out = np.zeros(n + 1, dtype=value_rowids.dtype)
    np.cumsum(np.bincount(ids, minlength=n), out=out[1:])
    return out


KERNELS = {"ragged_to_dense": ragged_to_dense, "ragged_gather_dense": ragged_gather_dense,
           "ragged_reduce": ragged_reduce, "ragged_row_ids": ragged_row_ids,
           "ragged_splits_from_ids": ragged_splits_from_ids}

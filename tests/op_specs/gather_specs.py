"""Specs of gather, gather_nd, tensor_scatter_nd and scatter_add_axis (ember/prims/gather.py).

The references loop over index positions in plain Python, independently of the kernels.
"""

from __future__ import annotations

import itertools

import numpy as np

from . import Case, rng, varying

R = rng(7)


def _gather_ref(params, indices, axis, batch_dims):
    b = batch_dims
    out_shape = params.shape[:axis] + indices.shape[b:] + params.shape[axis + 1:]
    out = np.zeros(out_shape, dtype=params.dtype)
    for pos in itertools.product(*[range(d) for d in out_shape]):
        batch = pos[:b]
        pre = pos[b:axis]
        ipos = pos[axis:axis + indices.ndim - b]
        post = pos[axis + indices.ndim - b:]
        i = indices[batch + ipos]
        out[pos] = params[batch + pre + (i,) + post]
    return out


def _gather_nd_ref(params, indices, batch_dims):
    b = batch_dims
    k = indices.shape[-1]
    out_shape = indices.shape[:-1] + params.shape[b + k:]
    out = np.zeros(out_shape, dtype=params.dtype)
    for pos in itertools.product(*[range(d) for d in indices.shape[:-1]]):
        vec = tuple(int(v) for v in indices[pos])
        out[pos] = params[pos[:b] + vec]
    return out


def _scatter_ref(tensor, indices, updates, mode):
    out = tensor.copy()
    for pos in itertools.product(*[range(d) for d in indices.shape[:-1]]):
        at = tuple(int(v) for v in indices[pos])
        u = updates[pos]
        if mode == "update":
            out[at] = u
        elif mode == "add":
            out[at] = out[at] + u
        elif mode == "sub":
            out[at] = out[at] - u
        elif mode == "min":
            out[at] = np.minimum(out[at], u)
        else:
            out[at] = np.maximum(out[at], u)
    return out


def _scatter_add_axis_ref(updates, indices, like, axis, batch_dims):
    size = like.shape[axis]
    b = batch_dims
    ni = indices.ndim - b
    out_shape = updates.shape[:axis] + (size,) + updates.shape[axis + ni:]
    out = np.zeros(out_shape, dtype=updates.dtype)
    for pos in itertools.product(*[range(d) for d in updates.shape]):
        ipos = pos[:b] + pos[axis:axis + ni]
        at = pos[:axis] + (int(indices[ipos]),) + pos[axis + ni:]
        out[at] += updates[pos]
    return out


def _i(a, dtype=np.int32):
    return np.asarray(a, dtype=dtype)


P3 = R.standard_normal((3, 4, 5))
C3 = P3 + 1j * R.standard_normal((3, 4, 5))  # complex: update and add (no order for min/max)
P2 = R.standard_normal((4, 3)).astype(np.float32)
I5 = R.integers(-3, 3, (6, 5), dtype=np.int32)  # int values for integer params

# The indices are written for these shapes: the fuzzer keeps them (vary="values"), and
# the zero-size cases are listed here.
SPECS = {
    "gather": [
        Case((P3, _i([2, 0, 2])), _gather_ref, {"axis": 0, "batch_dims": 0}, diff_args=(0,)),
        Case((P3, _i([[3, 1], [0, 0]], np.int64)), _gather_ref, {"axis": 1, "batch_dims": 0},
             diff_args=(0,)),
        Case((P3, _i(4)), _gather_ref, {"axis": 2, "batch_dims": 0}, diff_args=(0,)),
        Case((P2, _i([[2, 0], [1, 1], [0, 0], [2, 2]])), _gather_ref,
             {"axis": 1, "batch_dims": 1}, diff_args=(0,)),
        Case((P3, _i([[1, 0, 1], [2, 2, 0], [3, 3, 3]])), _gather_ref,
             {"axis": 2, "batch_dims": 1}, diff_args=(0,)),
        Case((P3, _i([[[4], [0], [1], [2]]] * 3)), _gather_ref,
             {"axis": 2, "batch_dims": 2}, diff_args=(0,)),
        Case((I5, _i([5, 0, 0])), _gather_ref, {"axis": 0, "batch_dims": 0}),
        # float64, repeated indices (the gradient accumulates), axis 1 with batch dims
        Case((P3, _i([[1, 1, 3], [0, 2, 0], [3, 3, 3]])), _gather_ref,
             {"axis": 1, "batch_dims": 1}, diff_args=(0,)),
        Case((P3, _i([[[2, 2], [0, 2]], [[1, 1], [1, 1]], [[3, 0], [0, 3]]], np.int64)),
             _gather_ref, {"axis": 1, "batch_dims": 1}, diff_args=(0,)),
        Case((P3, _i([[4, 4], [1, 4]])), _gather_ref, {"axis": 2, "batch_dims": 0},
             diff_args=(0,)),
        Case((P3, _i(np.zeros((0, 2)))), _gather_ref, {"axis": 1, "batch_dims": 0},
             diff_args=(0,)),
        Case((np.zeros((2, 0)), _i([1, 0, 1])), _gather_ref, {"axis": 0, "batch_dims": 0},
             diff_args=(0,)),
        Case((np.zeros((0, 3)), _i(np.zeros(0))), _gather_ref, {"axis": 0, "batch_dims": 0},
             diff_args=(0,)),
        Case((np.zeros((0, 3)), _i(np.zeros((0, 2)))), _gather_ref,
             {"axis": 1, "batch_dims": 1}, diff_args=(0,)),
    ],
    "gather_nd": [
        Case((P3, _i([[0, 1], [2, 3], [1, 0]])), _gather_nd_ref, {"batch_dims": 0},
             diff_args=(0,)),
        Case((P3, _i([[[2, 3, 4]], [[0, 0, 0]]], np.int64)), _gather_nd_ref,
             {"batch_dims": 0}, diff_args=(0,)),
        Case((P3, _i([2, 1])), _gather_nd_ref, {"batch_dims": 0}, diff_args=(0,)),
        Case((P3, _i([[[3], [0]], [[1], [1]], [[2], [0]]])), _gather_nd_ref,
             {"batch_dims": 1}, diff_args=(0,)),
        Case((P2, _i([[2], [0], [1], [1]])), _gather_nd_ref, {"batch_dims": 1},
             diff_args=(0,)),
        Case((I5, _i([[5, 4], [0, 0]])), _gather_nd_ref, {"batch_dims": 0}),
        # float64, repeated index vectors, batch dims
        Case((P3, _i([[[3, 1], [0, 4], [3, 1]], [[2, 2], [2, 2], [1, 0]],
                      [[0, 0], [3, 4], [0, 0]]], np.int64)), _gather_nd_ref,
             {"batch_dims": 1}, diff_args=(0,)),
        Case((P3, _i([[[[4], [4]], [[0], [1]], [[2], [2]], [[3], [0]]]] * 3)),
             _gather_nd_ref, {"batch_dims": 2}, diff_args=(0,)),
        Case((P3, _i([[1, 2, 3], [1, 2, 3], [0, 0, 0]])), _gather_nd_ref, {"batch_dims": 0},
             diff_args=(0,)),
        # no index vectors; index vectors into empty slices; an empty batch
        Case((P3, _i(np.zeros((0, 2)))), _gather_nd_ref, {"batch_dims": 0}, diff_args=(0,)),
        Case((P3, _i(np.zeros((2, 0, 3)))), _gather_nd_ref, {"batch_dims": 0},
             diff_args=(0,)),
        Case((np.zeros((3, 0)), _i([[1], [2]])), _gather_nd_ref, {"batch_dims": 0},
             diff_args=(0,)),
        Case((np.zeros((0, 4, 5)), _i(np.zeros((0, 2, 1)))), _gather_nd_ref,
             {"batch_dims": 1}, diff_args=(0,)),
        Case((np.zeros((0, 4)), _i(np.zeros((0, 1)))), _gather_nd_ref, {"batch_dims": 0},
             diff_args=(0,)),
    ],
    "tensor_scatter_nd": [
        Case((P3, _i([[0, 1], [2, 3]]), R.standard_normal((2, 5))), _scatter_ref,
             {"mode": "update"}, diff_args=(0, 2)),
        Case((P3, _i([[0, 1], [2, 3], [0, 1]]), R.standard_normal((3, 5))), _scatter_ref,
             {"mode": "add"}, diff_args=(0, 2)),
        Case((P3, _i([[1], [1]], np.int64), R.standard_normal((2, 4, 5))), _scatter_ref,
             {"mode": "sub"}, diff_args=(0, 2)),
        Case((C3, _i([[0, 1], [2, 3]]), C3[:2, 0] * 2), _scatter_ref,
             {"mode": "update"}, diff_args=(0, 2)),
        Case((C3, _i([[0, 1], [2, 3], [0, 1]]), C3[:, 1] * 1j), _scatter_ref,
             {"mode": "add"}, diff_args=(0, 2)),
        Case((P2, _i([[0, 0], [3, 2], [0, 0]]), R.standard_normal(3).astype(np.float32)),
             _scatter_ref, {"mode": "min"}, diff_args=(0, 2)),
        Case((P2, _i([[1, 1], [3, 2]]), R.standard_normal(2).astype(np.float32)),
             _scatter_ref, {"mode": "max"}, diff_args=(0, 2)),
        Case((I5, _i([[5, 0], [5, 0], [1, 4]]), _i([1, 2, 3])), _scatter_ref, {"mode": "add"}),
        Case((I5 > 0, _i([[5, 0], [1, 4]]), np.array([True, False])), _scatter_ref,
             {"mode": "update"}),
        # float64: repeated indices in update mode (only the written update gets a
        # gradient), scalar positions, min/max without ties
        Case((P3, _i([[1, 2], [0, 0], [1, 2], [2, 3], [1, 2]]), R.standard_normal((5, 5))),
             _scatter_ref, {"mode": "update"}, diff_args=(0, 2)),
        Case((P3, _i([[0, 1, 2], [2, 3, 4], [0, 1, 2]]), R.standard_normal(3)),
             _scatter_ref, {"mode": "update"}, diff_args=(0, 2)),
        Case((P3, _i([[2, 0, 1], [1, 1, 1], [2, 0, 1], [0, 3, 4]], np.int64),
              R.standard_normal(4)), _scatter_ref, {"mode": "add"}, diff_args=(0, 2)),
        Case((P3, _i([[0, 1], [2, 3], [0, 1]]), R.standard_normal((3, 5))), _scatter_ref,
             {"mode": "min"}, diff_args=(0, 2)),
        Case((P3, _i([[1], [0], [1]]), R.standard_normal((3, 4, 5))), _scatter_ref,
             {"mode": "max"}, diff_args=(0, 2)),
        Case((P3, _i(np.zeros((0, 2))), np.zeros((0, 5))), _scatter_ref, {"mode": "add"},
             diff_args=(0, 2)),
        Case((np.zeros((3, 0)), _i([[1], [1]]), np.zeros((2, 0))), _scatter_ref,
             {"mode": "update"}, diff_args=(0, 2)),
    ],
    "scatter_add_axis": [
        Case((C3[0, :3, :3].copy(), _i([1, 0, 1]), np.zeros((4, 3), complex)),
             _scatter_add_axis_ref, {"axis": 0, "batch_dims": 0}, diff_args=(0,)),
        Case((R.standard_normal((3, 5)), _i([1, 0, 1]), np.zeros((4, 5))),
             _scatter_add_axis_ref, {"axis": 0, "batch_dims": 0}, diff_args=(0,)),
        Case((R.standard_normal((3, 2, 2, 5)), _i([[1, 3], [3, 3]], np.int64),
              np.zeros((3, 4, 5))),
             _scatter_add_axis_ref, {"axis": 1, "batch_dims": 0}, diff_args=(0,)),
        Case((R.standard_normal((3, 4, 3)), _i([[1, 0, 1], [2, 2, 0], [3, 3, 3]]),
              np.zeros((3, 4, 5), np.float32)),
             _scatter_add_axis_ref, {"axis": 2, "batch_dims": 1}, diff_args=(0,)),
        Case((R.standard_normal((3, 4, 1)), _i([[[4], [0], [1], [1]]] * 3),
              np.zeros((3, 4, 5), np.int32)),
             _scatter_add_axis_ref, {"axis": 2, "batch_dims": 2}, diff_args=(0,)),
        Case((R.standard_normal((2, 3)).astype(np.float32), _i([[2, 0, 2], [1, 1, 1]]),
              np.zeros((2, 3), np.float32)),
             _scatter_add_axis_ref, {"axis": 1, "batch_dims": 1}, diff_args=(0,)),
        Case((I5[:, :2], _i([0, 2, 2, 1, 0, 0]), np.zeros((3, 2), np.int32)),
             _scatter_add_axis_ref, {"axis": 0, "batch_dims": 0}),
        Case((R.standard_normal((0, 3)), _i(np.zeros(0)), np.zeros((2, 3))),
             _scatter_add_axis_ref, {"axis": 0, "batch_dims": 0}, diff_args=(0,)),
    ],
}
for _cases in SPECS.values():
    varying(_cases, vary="values")
# gather's random shapes come with indices drawn for them (tests/test_registry_shapes.py)
varying(SPECS["gather"], shapes="gather")

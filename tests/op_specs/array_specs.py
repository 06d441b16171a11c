"""Specs of the array primitives (ember/prims/array.py; pad is in prims/index.py, tile in
prims/reduce.py).

The references move elements one index at a time (np.ndindex loops), so they don't share
code with the kernels, which call NumPy's reshape/transpose/pad/... directly.
"""

from __future__ import annotations

import numpy as np

from . import Case, rng, varying

R = rng(5)
F64 = R.standard_normal((2, 3, 4))
F32 = R.standard_normal((3, 4)).astype(np.float32)
I32 = R.integers(-9, 10, (2, 3)).astype(np.int32)
I64 = R.integers(-9, 10, (4,)).astype(np.int64)
B = R.random((2, 3)) > 0.5
ROW = R.standard_normal((1, 3))
COL = R.standard_normal((3, 1))
M64 = R.standard_normal((4, 5))


def _reshape(x, shape):
    if -1 in shape:
        known = int(np.prod([d for d in shape if d != -1]))
        shape = tuple(x.size // known if d == -1 else d for d in shape)
    out = np.empty(shape, x.dtype)
    for i, v in enumerate(x.flat):
        out.flat[i] = v
    return out


def _transpose(x, perm):
    out = np.empty([x.shape[p] for p in perm], x.dtype)
    for idx in np.ndindex(*out.shape):
        src = [0] * x.ndim
        for i, p in enumerate(perm):
            src[p] = idx[i]
        out[idx] = x[tuple(src)]
    return out


def _broadcast_to(x, shape):
    out = np.empty(shape, x.dtype)
    lead = len(shape) - x.ndim
    for idx in np.ndindex(*shape):
        out[idx] = x[tuple(0 if d == 1 else i for i, d in zip(idx[lead:], x.shape))]
    return out


def _concat(*xs, axis):
    shape = list(xs[0].shape)
    shape[axis] = sum(x.shape[axis] for x in xs)
    out = np.empty(shape, xs[0].dtype)
    start = 0
    for x in xs:
        for idx in np.ndindex(*x.shape):
            dst = list(idx)
            dst[axis] += start
            out[tuple(dst)] = x[idx]
        start += x.shape[axis]
    return out


def _split(x, sizes, axis):
    n = x.shape[axis]
    if isinstance(sizes, int):
        sizes = [n // sizes] * sizes
    sizes = [n - sum(s for s in sizes if s != -1) if s == -1 else s for s in sizes]
    outs, start = [], 0
    for s in sizes:
        key = [slice(None)] * x.ndim
        key[axis] = slice(start, start + s)
        outs.append(x[tuple(key)].copy())
        start += s
    return tuple(outs)


def _source(i, n, mode):
    """The source index of output position i (already shifted by the before-padding)."""
    if 0 <= i < n:
        return i
    if mode == "CONSTANT":
        return None
    if mode == "REFLECT":
        return -i if i < 0 else 2 * (n - 1) - i
    return -i - 1 if i < 0 else 2 * n - 1 - i


def _pad(x, paddings, mode, constant_values):
    shape = [d + a + b for d, (a, b) in zip(x.shape, paddings)]
    out = np.empty(shape, x.dtype)
    for idx in np.ndindex(*shape):
        src = [_source(i - a, d, mode) for i, d, (a, _) in zip(idx, x.shape, paddings)]
        out[idx] = constant_values if None in src else x[tuple(src)]
    return out


def _tile(x, multiples):
    out = np.empty([d * m for d, m in zip(x.shape, multiples)], x.dtype)
    for idx in np.ndindex(*out.shape):
        out[idx] = x[tuple(i % d for i, d in zip(idx, x.shape))]
    return out


def _reverse(x, axis):
    return x[tuple(slice(None, None, -1) if i in axis else slice(None)
                   for i in range(x.ndim))].copy()


def _split_like(x, *likes, axis):
    return _split(x, tuple(t.shape[axis] for t in likes), axis)


def _pad_invalid(x, paddings, mode, constant_values):
    """TF's MirrorPad: REFLECT pads less than the dim, SYMMETRIC at most the dim."""
    if mode == "CONSTANT":
        return False
    limit = (lambda d: d - 1) if mode == "REFLECT" else (lambda d: d)
    return any(max(p) > limit(d) for p, d in zip(paddings, x.shape))


Z64 = np.zeros((0, 3))  # zero-size inputs for the cases whose sizes the fuzzer keeps


def _i32(*v):
    return np.array(v, np.int32)


def _range(start, delta, size, dtype):
    return np.array([start + i * delta for i in range(size)], dtype=dtype)


SPECS = {
    "reshape": varying([
        Case((F64,), _reshape, {"shape": (6, 4)}),
        Case((F64,), _reshape, {"shape": (-1, 2)}),
        Case((M64,), _reshape, {"shape": (5, 1, 4)}),
        Case((F32,), _reshape, {"shape": (2, 2, 3)}),
        Case((I32,), _reshape, {"shape": (6,)}),
        Case((B,), _reshape, {"shape": (3, -1, 1)}),
        Case((np.float64(2.5),), _reshape, {"shape": (1, 1)}),
        Case((Z64,), _reshape, {"shape": (3, 0, 1)}),
        Case((Z64,), _reshape, {"shape": (-1, 3)}),
        Case((Z64.astype(np.int32),), _reshape, {"shape": (3, -1)}),
    ], vary="values", shapes="reshape"),
    "transpose": varying([
        Case((F64,), _transpose, {"perm": (2, 1, 0)}),
        Case((F64,), _transpose, {"perm": (0, 2, 1)}),
        Case((F64,), _transpose, {"perm": (1, 2, 0)}),
        Case((F32,), _transpose, {"perm": (1, 0)}),
        Case((I32,), _transpose, {"perm": (1, 0)}),
    ], shapes="transpose"),
    "broadcast_to": varying([
        Case((ROW,), _broadcast_to, {"shape": (2, 4, 3)}),
        Case((COL,), _broadcast_to, {"shape": (2, 3, 4)}),
        Case((M64,), _broadcast_to, {"shape": (4, 5)}),
        Case((M64[:1, :1],), _broadcast_to, {"shape": (3, 2, 5)}),
        Case((F32[:1],), _broadcast_to, {"shape": (3, 4)}),
        Case((I64,), _broadcast_to, {"shape": (2, 4)}),
        Case((np.float64(1.5),), _broadcast_to, {"shape": (2, 2)}),
        Case((B[:, :1],), _broadcast_to, {"shape": (2, 3)}),
        Case((Z64,), _broadcast_to, {"shape": (2, 0, 3)}),
        Case((ROW,), _broadcast_to, {"shape": (0, 3)}),
    ], vary="values", shapes="broadcast_to"),
    "concat": varying([
        Case((F64, F64[:, :2]), _concat, {"axis": 1}),
        Case((F64[:1], F64, F64[1:]), _concat, {"axis": 0}),
        Case((M64, M64[:, :1], M64[:, 2:]), _concat, {"axis": 1}),
        Case((F64, F64[..., :1]), _concat, {"axis": 2}),
        Case((M64,), _concat, {"axis": 0}),
        Case((F32, F32), _concat, {"axis": 1}),
        Case((I32, I32[:1]), _concat, {"axis": 0}),
        Case((B,), _concat, {"axis": 1}),
    ], shapes="concat"),
    "split": varying([
        Case((F64,), _split, {"sizes": 2, "axis": 0}),
        Case((F64,), _split, {"sizes": (1, -1, 1), "axis": 2}),
        Case((M64,), _split, {"sizes": (2, 0, 3), "axis": 1}),
        Case((M64,), _split, {"sizes": (3, 1), "axis": 0}),
        Case((F64,), _split, {"sizes": 3, "axis": 1}),
        Case((M64,), _split, {"sizes": 1, "axis": 0}),
        Case((F32,), _split, {"sizes": (0, 3), "axis": 0}),
        Case((I32,), _split, {"sizes": 3, "axis": 1}),
        Case((Z64,), _split, {"sizes": 2, "axis": 0}),
        Case((Z64,), _split, {"sizes": (1, -1), "axis": 1}),
    ], vary="values", shapes="split"),
    "broadcast_to_dynamic": varying([
        Case((ROW, _i32(2, 4, 3)), lambda x, s, dims: _broadcast_to(x, tuple(s)),
             {"dims": (2, None, 3)}, diff_args=(0,)),
        Case((COL, np.array([3, 5], np.int64)), lambda x, s, dims: _broadcast_to(x, tuple(s)),
             {"dims": (None, None)}, diff_args=(0,)),
        Case((np.float64(1.5), _i32(2, 3)), lambda x, s, dims: _broadcast_to(x, tuple(s)),
             {"dims": (None, 3)}, diff_args=(0,)),
        Case((M64, _i32(2, 4, 5)), lambda x, s, dims: _broadcast_to(x, tuple(s)),
             {"dims": (None, 4, 5)}, diff_args=(0,)),
        Case((F32[:1], _i32(3, 4)), lambda x, s, dims: _broadcast_to(x, tuple(s)),
             {"dims": (None, None)}),
        Case((I64, _i32(2, 4)), lambda x, s, dims: _broadcast_to(x, tuple(s)),
             {"dims": (None, None)}),
        Case((Z64, _i32(2, 0, 3)), lambda x, s, dims: _broadcast_to(x, tuple(s)),
             {"dims": (None, None, 3)}, diff_args=(0,)),
    ], vary="values", shapes="broadcast_to_dynamic"),
    "reshape_dynamic": varying([
        Case((F64, _i32(6, 4)), lambda x, s, dims: _reshape(x, tuple(s)),
             {"dims": (None, None)}, diff_args=(0,)),
        Case((F64, np.array([2, -1, 3], np.int64)), lambda x, s, dims: _reshape(x, tuple(s)),
             {"dims": (2, None, 3)}, diff_args=(0,)),
        Case((M64, _i32(5, 2, 2)), lambda x, s, dims: _reshape(x, tuple(s)),
             {"dims": (None, None, 2)}, diff_args=(0,)),
        Case((I32, _i32(3, 2)), lambda x, s, dims: _reshape(x, tuple(s)), {"dims": (None, 2)}),
        Case((Z64, _i32(3, 0, 1)), lambda x, s, dims: _reshape(x, tuple(s)),
             {"dims": (None, 0, 1)}, diff_args=(0,)),
    ], vary="values", shapes="reshape_dynamic"),
    "split_like": varying([
        Case((F64, F64[:1], F64[1:]), _split_like, {"axis": 0}, diff_args=(0,)),
        Case((M64, M64[:, :2], M64[:, :0], M64[:, :3]), _split_like, {"axis": 1},
             diff_args=(0,)),
        Case((F64, F64[..., :1].astype(np.int32), F64[..., :3]), _split_like, {"axis": 2},
             diff_args=(0,)),
        Case((M64, M64), _split_like, {"axis": 0}, diff_args=(0,)),
        Case((F32, F32[:1], F32[1:]), _split_like, {"axis": 0}),
        Case((Z64, Z64[:, :1], Z64[:, 1:]), _split_like, {"axis": 1}, diff_args=(0,)),
    ], vary="values", shapes="split_like"),
    "pad": varying([
        Case((F64,), _pad, {"paddings": ((0, 1), (2, 0), (1, 1)), "mode": "CONSTANT",
                            "constant_values": 0.0}),
        Case((F64,), _pad, {"paddings": ((1, 1), (2, 2), (3, 0)), "mode": "REFLECT",
                            "constant_values": 0.0}),
        Case((F64,), _pad, {"paddings": ((2, 2), (3, 1), (0, 4)), "mode": "SYMMETRIC",
                            "constant_values": 0.0}),
        Case((M64,), _pad, {"paddings": ((3, 0), (1, 4)), "mode": "REFLECT",
                            "constant_values": 0.0}),
        Case((M64,), _pad, {"paddings": ((0, 3), (4, 0)), "mode": "REFLECT",
                            "constant_values": 0.0}),
        Case((M64,), _pad, {"paddings": ((4, 4), (0, 5)), "mode": "SYMMETRIC",
                            "constant_values": 0.0}),
        Case((M64,), _pad, {"paddings": ((1, 0), (0, 2)), "mode": "SYMMETRIC",
                            "constant_values": 0.0}),
        Case((M64,), _pad, {"paddings": ((2, 1), (3, 3)), "mode": "CONSTANT",
                            "constant_values": 1.5}),
        Case((M64,), _pad, {"paddings": ((0, 0), (0, 0)), "mode": "REFLECT",
                            "constant_values": 0.0}),
        Case((F32,), _pad, {"paddings": ((1, 0), (0, 2)), "mode": "CONSTANT",
                            "constant_values": -1.5}),
        Case((I32,), _pad, {"paddings": ((1, 1), (2, 2)), "mode": "REFLECT",
                            "constant_values": 0}),
        Case((B,), _pad, {"paddings": ((0, 1), (1, 0)), "mode": "CONSTANT",
                          "constant_values": True}),
    ], invalid=_pad_invalid, shapes="pad"),
    "tile": varying([
        Case((F64,), _tile, {"multiples": (1, 2, 3)}),
        Case((F64,), _tile, {"multiples": (2, 1, 2)}),
        Case((M64,), _tile, {"multiples": (3, 2)}),
        Case((M64,), _tile, {"multiples": (1, 1)}),
        Case((M64,), _tile, {"multiples": (0, 2)}),
        Case((COL,), _tile, {"multiples": (1, 4)}),
        Case((F32,), _tile, {"multiples": (2, 1)}),
        Case((I64,), _tile, {"multiples": (3,)}),
        Case((I32,), _tile, {"multiples": (0, 2)}),
    ], shapes="tile"),
    "reverse": varying([
        Case((F64,), _reverse, {"axis": (0, 2)}),
        Case((F64,), _reverse, {"axis": (1,)}),
        Case((M64,), _reverse, {"axis": (0, 1)}),
        Case((F32,), _reverse, {"axis": ()}),
        Case((I32,), _reverse, {"axis": (0, 1)}),
    ], shapes="reverse"),
    "range": varying([
        Case((), _range, {"start": 0, "delta": 1, "size": 5, "dtype": np.dtype(np.int32)}),
        Case((), _range, {"start": 10, "delta": -3, "size": 4, "dtype": np.dtype(np.int64)}),
        Case((), _range, {"start": 0.5, "delta": 0.25, "size": 6,
                          "dtype": np.dtype(np.float32)}),
        Case((), _range, {"start": -1.0, "delta": 0.1, "size": 21,
                          "dtype": np.dtype(np.float64)}),
        Case((), _range, {"start": 3, "delta": 1, "size": 0, "dtype": np.dtype(np.int32)}),
    ], vary="none"),
    "shape": varying([
        Case((np.zeros((2, 3, 0)),), lambda x, out_type: np.array(x.shape, out_type),
             {"out_type": np.dtype(np.int32)}),
        Case((np.zeros((4,), np.float32),), lambda x, out_type: np.array(x.shape, out_type),
             {"out_type": np.dtype(np.int64)})], shapes="elementwise"),
}

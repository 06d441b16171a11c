"""Specs of reductions and scans (ember/ops/reduce_ops.py)."""

from __future__ import annotations

import itertools

import numpy as np

from . import NO_NAN, Case, rng, varying

R = rng(3)
F64 = R.standard_normal((2, 3, 4))
I32 = R.integers(-9, 10, (2, 3, 4)).astype(np.int32)
B = R.random((2, 3, 4)) > 0.3
F64_ZEROS = np.where(R.random((2, 3, 4)) < 0.15, 0.0, F64)
C128 = R.standard_normal((2, 3, 4)) + 1j * R.standard_normal((2, 3, 4))
C128_ZEROS = np.where(R.random((2, 3, 4)) < 0.15, 0.0, C128)


def _nan_wins(fn):
    """fn(acc, v), but nan as soon as either is nan (TF's and NumPy's max/min)."""
    return lambda a, v: a if a != a else v if v != v else fn(a, v)


def _lowest(x):
    return -np.inf if x.dtype.kind == "f" else int(np.iinfo(x.dtype).min)


def _highest(x):
    return np.inf if x.dtype.kind == "f" else int(np.iinfo(x.dtype).max)


def _wrap(v, dtype):
    """An exact integer wrapped around into `dtype`'s range (as integer ops overflow)."""
    if dtype.kind not in "iu":
        return v
    bits = 8 * dtype.itemsize
    lo = -(1 << (bits - 1)) if dtype.kind == "i" else 0
    return (int(v) - lo) % (1 << bits) + lo


def _loop_reduce(fn, identity):
    """A reference that reduces by explicit loops over the kept index (independent of
    NumPy's own reduction functions); `identity` may be a function of x (its dtype)."""
    def ref(x, axis=None, keepdims=False):
        axes = tuple(range(x.ndim)) if axis is None else axis
        kept = [d for i, d in enumerate(x.shape) if i not in axes]
        out = np.empty(kept, dtype=x.dtype)
        for idx in itertools.product(*[range(d) for d in kept]):
            it = iter(idx)
            full = [slice(None) if i in axes else next(it) for i in range(x.ndim)]
            acc = identity(x) if callable(identity) else identity
            for v in np.asarray(x[tuple(full)]).ravel().tolist():
                acc = fn(acc, v)
            out[idx] = _wrap(acc, x.dtype)
        if keepdims:
            out = out.reshape([1 if i in axes else d for i, d in enumerate(x.shape)])
        return out
    return ref


def _mean_ref(x, axis, keepdims):
    """Sum by loops, then divide (floats) or divide truncating toward zero (ints), as TF."""
    total = _loop_reduce(lambda a, v: a + v, 0)(x, axis, keepdims)
    axes = tuple(range(x.ndim)) if axis is None else axis
    n = 1
    for a in axes:
        n *= x.shape[a]
    if x.dtype.kind in "iu":
        t = np.asarray(total).astype(np.int64)
        return (np.sign(t) * (np.abs(t) // max(n, 1))).astype(x.dtype)  # none: 0, as TF
    return np.asarray(total / n, dtype=x.dtype)


def _cases(ref, inputs):
    out = []
    for x in inputs:
        for axis, keep in [(None, False), ((1,), False), ((0, 2), True), ((2,), False)]:
            out.append(Case((x,), ref, {"axis": axis, "keepdims": keep}, rtol=1e-10,
                            shapes="reduce"))
    return out


def _scan(op, identity):
    """cumsum/cumprod by a loop along the axis (in reverse order if `reverse`); exclusive
    scans write the running value before taking each element in."""
    def ref(x, axis, exclusive, reverse):
        xm = np.moveaxis(x, axis, -1)
        out = np.empty_like(xm)
        n = xm.shape[-1]
        for pos in np.ndindex(*xm.shape[:-1]):
            acc = identity
            for i in (range(n - 1, -1, -1) if reverse else range(n)):
                v = xm[pos + (i,)].item()
                if exclusive:
                    out[pos + (i,)], acc = _wrap(acc, x.dtype), op(acc, v)
                else:
                    acc = op(acc, v)
                    out[pos + (i,)] = _wrap(acc, x.dtype)
        return np.moveaxis(out, -1, axis)
    return ref


def _scan_cases(ref, inputs):
    return [Case((x,), ref, {"axis": axis, "exclusive": e, "reverse": r}, rtol=1e-10,
                 shapes="scan")
            for x in inputs for axis, e, r in [(2, False, False), (0, True, True),
                                               (1, True, False), (2, False, True)]]


def _arg_ref(better):
    """argmax/argmin by a scan: the first index whose value no later one beats."""
    def ref(x, axis, output_type):
        xm = np.moveaxis(x, axis, -1)
        out = np.empty(xm.shape[:-1], output_type)
        for pos in np.ndindex(*out.shape):
            row = xm[pos].tolist()
            best = 0
            for k, v in enumerate(row):
                if better(v, row[best]):
                    best = k
            out[pos] = best
        return out
    return ref


def _arg_cases(better, axes_types):
    """An empty reduction axis is an error (as TF); nan has no defined place."""
    return [Case((F64,), _arg_ref(better), {"axis": a, "output_type": np.dtype(t)},
                 specials=NO_NAN, invalid=lambda x, axis, output_type: x.shape[axis] == 0,
                 shapes="arg_reduce")
            for a, t in axes_types]


SPECS = {
    "reduce_sum": _cases(_loop_reduce(lambda a, v: a + v, 0), (F64, I32, C128)),
    # with zeros too: the gradient is exact there (the product of the other elements)
    "reduce_mean": _cases(lambda x, axis=None, keepdims=False: _mean_ref(x, axis, keepdims),
                          (F64, I32, C128)),
    "reduce_prod": _cases(_loop_reduce(lambda a, v: a * v, 1), (F64, I32 % 3 + 1, F64_ZEROS,
                                                                    C128_ZEROS)),
    # over no elements: the lowest (highest) value of the dtype, as TF
    "reduce_max": _cases(_loop_reduce(_nan_wins(max), _lowest), (F64, I32)),
    "reduce_min": _cases(_loop_reduce(_nan_wins(min), _highest), (F64, I32)),
    "reduce_any": _cases(_loop_reduce(lambda a, v: a or bool(v), False), (B,)),
    "reduce_all": _cases(_loop_reduce(lambda a, v: a and bool(v), True), (B,)),
    "argmax": _arg_cases(lambda v, best: v > best, [(0, np.int64), (2, np.int32)]),
    "argmin": _arg_cases(lambda v, best: v < best, [(1, np.int64)]),
    "cumsum": _scan_cases(_scan(lambda a, v: a + v, 0), (I32, F64, C128)),
    # with zeros too: the gradient must be exact there (it can't divide by x)
    "cumprod": _scan_cases(_scan(lambda a, v: a * v, 1), (I32 % 3 + 1, F64, F64_ZEROS,
                                                              C128_ZEROS)),
    "sum_to_like": [
        Case((F64, np.zeros((1, 3, 1))), lambda g, like: g.sum(axis=(0, 2), keepdims=True)[0:1],
             diff_args=(0,)),
        Case((F64, np.zeros((4,))), lambda g, like: g.sum(axis=(0, 1)), diff_args=(0,)),
        Case((F64, np.zeros((2, 3, 4))), lambda g, like: g, diff_args=(0,)),
    ],
    # the static twin of sum_to_like (core/grad_prims.py): the shape is a param
    "sum_to": [
        Case((F64,), lambda g, shape: g.sum(axis=(0, 2), keepdims=True)[0:1],
             params={"shape": (1, 3, 1)}, diff_args=(0,), vary="values"),
        Case((F64,), lambda g, shape: g.sum(axis=(0, 1)), params={"shape": (4,)},
             diff_args=(0,), vary="values"),
        Case((F64,), lambda g, shape: g, params={"shape": (2, 3, 4)}, diff_args=(0,),
             vary="values"),
        Case((np.zeros((0, 3)),), lambda g, shape: g.sum(axis=0), params={"shape": (3,)},
             diff_args=(0,), vary="values"),
    ],
    # the seeds of the backward walk: value in x's shape and dtype (no gradient)
    "fill_like": varying([
        Case((F64,), lambda x, value: np.full_like(x, value), params={"value": 1}),
        Case((I32,), lambda x, value: np.full_like(x, value), params={"value": 0}),
        Case((B,), lambda x, value: np.full_like(x, value), params={"value": 1}),
        Case((np.zeros((0, 3)),), lambda x, value: np.full_like(x, value),
             params={"value": 0}),
    ], shapes="elementwise"),
}

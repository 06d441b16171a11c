"""Specs of basic indexing (ember/ops/index_ops.py): strided_slice and its gradient
primitive strided_slice_grad."""

from __future__ import annotations

import itertools

import numpy as np

from . import Case, rng, varying

R = rng(4)
X = R.standard_normal((4, 5, 6))
M = R.standard_normal((5, 3))
F32 = R.standard_normal((3, 4)).astype(np.float32)
I32 = R.integers(-9, 10, (3, 4)).astype(np.int32)


def _pairs(shape, index):
    """(source position in x, position in x[index]) for each selected element, found
    element by element (no NumPy slicing)."""
    expanded, dim = [], 0
    n_used = sum(1 for k in index if k is not None and k is not Ellipsis)
    for k in index:
        if k is Ellipsis:
            for _ in range(len(shape) - n_used):
                expanded.append(("axis", list(range(shape[dim]))))
                dim += 1
        elif k is None:
            expanded.append(("new", None))
        elif isinstance(k, slice):
            expanded.append(("axis", list(range(*k.indices(shape[dim])))))
            dim += 1
        else:
            expanded.append(("int", k % shape[dim]))
            dim += 1
    while dim < len(shape):
        expanded.append(("axis", list(range(shape[dim]))))
        dim += 1
    out_shape = [len(v) if t == "axis" else 1 for t, v in expanded if t != "int"]
    ranges = [range(len(v)) if t == "axis" else [0] for t, v in expanded if t != "int"]
    pairs = []
    for pos in itertools.product(*ranges):
        it = iter(pos)
        src = []
        for t, v in expanded:
            if t == "int":
                src.append(v)
            elif t == "axis":
                src.append(v[next(it)])
            else:
                next(it)
        pairs.append((tuple(src), pos))
    return out_shape, pairs


def _ref(x, index):
    out_shape, pairs = _pairs(x.shape, index)
    out = np.empty(out_shape, x.dtype)
    for src, pos in pairs:
        out[pos] = x[src]
    return out


def _grad_ref(g, like, index):
    out = np.zeros(like.shape, g.dtype)
    for src, pos in _pairs(like.shape, index)[1]:
        out[src] = g[pos]
    return out


def _idx(index, x=X):
    return Case((x,), _ref, {"index": index})


def _gidx(shape, index, dtype=np.float64, like_dtype=None):
    """A case of strided_slice_grad: `like` (only its shape matters) is not differentiated."""
    out_shape = _pairs(shape, index)[0]
    g = R.standard_normal(out_shape).astype(dtype)
    like = R.standard_normal(shape).astype(like_dtype or dtype)
    return Case((g, like), _grad_ref, {"index": index}, diff_args=(0,))


# The indices are written for these shapes: the fuzzer keeps them (vary="values"), and
# the zero-size cases are listed here.
Z = np.zeros((0, 3))
Z3 = R.standard_normal((2, 0, 3))
SPECS = {
    "strided_slice": [
        _idx((1,)),
        _idx((-1, slice(None, None, 2))),
        _idx((Ellipsis, None, 0)),
        _idx((slice(3, 0, -1), slice(1, 4), 2)),
        _idx((slice(None), None, slice(-2, None))),
        _idx((slice(None, None, -2), None, Ellipsis, slice(4, None, -3))),
        _idx((Ellipsis, slice(-1, None, -1))),
        _idx((None, -2, slice(None, 1, -1), None)),
        _idx((slice(2, 2),)),
        _idx((-1, -1)),
        _idx((slice(1, None), None), x=M),
        _idx((Ellipsis, slice(None, None, -1)), x=F32),
        _idx((1, slice(None, None, 2)), x=I32),
        _idx((slice(None), 1), x=Z),
        _idx((Ellipsis, slice(1, None)), x=Z3),
        _idx((slice(3, 3), None), x=M),
    ],
    "strided_slice_grad": [
        _gidx((4, 5, 6), (1,)),
        _gidx((4, 5, 6), (slice(3, 0, -1), slice(1, 4), 2)),
        _gidx((4, 5, 6), (slice(None, None, -2), None, Ellipsis, slice(4, None, -3))),
        _gidx((4, 5, 6), (None, -2, slice(None, 1, -1), None)),
        _gidx((4, 5, 6), (slice(2, 2),)),
        _gidx((5, 3), (-1, -1)),
        _gidx((5, 3), (slice(1, None),)),
        _gidx((3, 4), (Ellipsis, slice(None, None, -1)), np.float32),
        _gidx((3, 4), (slice(None, None, -2), slice(1, -1)), like_dtype=np.int32),
        _gidx((6, 2), (slice(-3, None), 0)),
        _gidx((0, 3), (slice(None), 1)),
        _gidx((2, 0, 3), (Ellipsis, slice(1, None))),
        _gidx((5, 3), (slice(3, 3), None)),
    ],
}


# -- strided_slice_dynamic: templates whose `(k,)` entries are the scalar inputs ---------

def _resolve(index, bounds, shape, sizes):
    """The plain index a template stands for (tf.slice's begin:size made begin:stop)."""
    def val(p):
        return int(bounds[p[0]]) if isinstance(p, tuple) else p
    out, axis = [], 0
    n_used = sum(1 for k in index if k is not None and k is not Ellipsis)
    for k in index:
        if k is Ellipsis:
            out.append(k)
            axis += len(shape) - n_used
        elif k is None:
            out.append(k)
        elif isinstance(k, slice):
            a, b, c = val(k.start), val(k.stop), val(k.step)
            out.append(slice(a, shape[axis] if b == -1 else a + b) if sizes
                       else slice(a, b, c))
            axis += 1
        else:
            out.append(val(k))
            axis += 1
    return tuple(out)


def _dyn_ref(x, *bounds, index, sizes=False):
    return _ref(x, _resolve(index, bounds, x.shape, sizes))


def _dyn_grad_ref(g, like, *bounds, index, sizes=False):
    return _grad_ref(g, like, _resolve(index, bounds, like.shape, sizes))


def _s(*values, dtype=np.int32):
    return tuple(np.array(v, dtype) for v in values)


def _didx(index, bounds, x=X, sizes=False):
    params = {"index": index, "sizes": True} if sizes else {"index": index}
    return Case((x,) + bounds, _dyn_ref, params, diff_args=(0,))


def _dgidx(shape, index, bounds, dtype=np.float64, sizes=False):
    plain = _resolve(index, bounds, shape, sizes)
    g = R.standard_normal(_pairs(shape, plain)[0]).astype(dtype)
    like = R.standard_normal(shape).astype(dtype)
    params = {"index": index, "sizes": True} if sizes else {"index": index}
    return Case((g, like) + bounds, _dyn_grad_ref, params, diff_args=(0,))


_A, _B, _C = (0,), (1,), (2,)
SPECS["strided_slice_dynamic"] = [
    _didx((_A,), _s(2)),
    _didx((_A,), _s(-1)),
    _didx((slice(_A, _B),), _s(1, 2)),
    _didx((slice(None), slice(_A, _B)), _s(-4, 100)),
    _didx((_A, slice(2, _B)), _s(3, 5)),
    _didx((slice(None, None, _A),), _s(-2)),
    _didx((Ellipsis, slice(_A, None, _B), None), _s(-1, -2)),
    _didx((None, _A, Ellipsis, slice(_B, _C, 2)), _s(1, -9, 9, dtype=np.int64)),
    _didx((slice(_A, _B), _C), _s(5, 1, -5)),
    _didx((slice(2, 1), slice(_A, None)), _s(0)),
    _didx((slice(_A, _B), slice(_A, _B)), _s(1, 3), x=M),
    _didx((_A, slice(None, None, -1)), _s(2), x=I32),
    _didx((slice(_A, _B), slice(_B, -1)), _s(0, 2), x=M, sizes=True),
    _didx((slice(1, _A), slice(0, 3), slice(_B, _C)), _s(3, 2, 4), sizes=True),
    _didx((slice(None), _A), _s(1), x=Z),
    _didx((slice(_A, _B),), _s(2, 2)),
]
SPECS["strided_slice_dynamic_grad"] = [
    _dgidx((4, 5, 6), (_A,), _s(-2)),
    _dgidx((4, 5, 6), (slice(_A, _B), _C), _s(3, 0, 1)),
    _dgidx((4, 5, 6), (Ellipsis, None, slice(None, None, _A)), _s(-3)),
    _dgidx((4, 5, 6), (slice(_A, _B),), _s(9, 12)),
    _dgidx((5, 3), (slice(_A, _B), _A), _s(-1, 2), dtype=np.float32),
    _dgidx((5, 3), (slice(_A, _B), slice(1, -1)), _s(2, 3), sizes=True),
    _dgidx((0, 3), (slice(None), _A), _s(1)),
    _dgidx((4, 5, 6), (slice(_A, _B),), _s(2, 2)),
]
for _cases in SPECS.values():
    varying(_cases, vary="values")

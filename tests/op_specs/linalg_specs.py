"""Specs of the linear-algebra primitives (ember/prims/linalg.py): matmul and einsum, and
einsum_bias and einsum_relu_grad (prims/fusion_einsum.py: the executor's rewrites of an
einsum and the elementwise work after it).

The references never call np.matmul or np.einsum: matmul is a broadcast product summed
over the inner axis, einsum a loop over every assignment of its labels.
"""

from __future__ import annotations

import itertools

import numpy as np

from . import Case, rng, varying

R = rng(7)


def _f64(*shape):
    return R.standard_normal(shape)


def _f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


def _i32(*shape):
    return R.integers(-5, 6, shape).astype(np.int32)


def _c128(*shape):
    return R.standard_normal(shape) + 1j * R.standard_normal(shape)


def _matmul_ref(a, b, transpose_a=False, transpose_b=False):
    if transpose_a:
        a = np.swapaxes(a, -1, -2)
    if transpose_b:
        b = np.swapaxes(b, -1, -2)
    # [..., m, k, 1] * [..., 1, k, n] summed over k
    return np.sum(a[..., :, :, None] * b[..., None, :, :], axis=-2, dtype=a.dtype)


def _matmul_case(a, b, **flags):
    tol = 1e-5 if a.dtype in (np.float32, np.complex64) else 1e-12
    return Case((a, b), _matmul_ref, dict(flags), rtol=tol, atol=tol, shapes="matmul")


def _loop_einsum(*operands, equation):
    """Einsum by brute force: for every value of every label, multiply the operands'
    entries and add into the output entry (no ellipsis)."""
    lhs, out = equation.split("->")
    terms = lhs.split(",")
    sizes = {}
    for term, op in zip(terms, operands):
        for c, d in zip(term, op.shape):
            sizes[c] = d
    labels = sorted(sizes)
    dtype = operands[0].dtype
    result = np.zeros([sizes[c] for c in out], dtype=dtype)
    for values in itertools.product(*[range(sizes[c]) for c in labels]):
        at = dict(zip(labels, values))
        prod = dtype.type(1)
        for term, op in zip(terms, operands):
            prod = prod * op[tuple(at[c] for c in term)]
        result[tuple(at[c] for c in out)] += prod
    return result


def _einsum_case(equation, *args, ref=_loop_einsum):
    tol = 1e-5 if args[0].dtype in (np.float32, np.complex64) else 1e-12
    # (_mid_ellipsis is written for the ranks of its case: its shapes stay)
    return Case(tuple(args), ref, {"equation": equation}, rtol=tol, atol=tol,
                shapes=None if ref is _mid_ellipsis else "einsum")


def _einsum_bias_ref(a, b, bias, *z, equation, relu, residual):
    """The loop einsum plus the bias over the output's last axes [plus z], then relu (nan
    kept)."""
    y = _loop_einsum(a, b, equation=equation) + bias
    if residual:
        y = y + z[0]
    return np.where((y > 0) | np.isnan(y), y, 0).astype(y.dtype) if relu else y


def _einsum_bias_case(equation, a, b, bias, relu, *z):
    tol = 1e-5 if a.dtype == np.float32 else 1e-12
    return Case((a, b, bias, *z), _einsum_bias_ref,
                {"equation": equation, "relu": relu, "residual": bool(z)},
                rtol=tol, atol=tol, shapes="einsum_bias")


def _einsum_relu_grad_ref(a, b, y, equation):
    """The loop einsum times (y > 0) (a nan or inf product stays nan where y <= 0)."""
    g = _loop_einsum(a, b, equation=equation)
    return (g * (y > 0)).astype(g.dtype)


def _einsum_relu_grad_case(equation, a, b, y):
    tol = 1e-5 if a.dtype == np.float32 else 1e-12
    return Case((a, b, y), _einsum_relu_grad_ref, {"equation": equation}, rtol=tol,
                atol=tol, diff_args=(0, 1), shapes="einsum_relu_grad")


def _batched_transpose(x, equation):
    return np.swapaxes(x, -1, -2)


def _batched_diag(x, equation):
    n = np.arange(x.shape[-1])
    return x[..., n, n]


def _batched_trace(x, equation):
    total = np.zeros(x.shape[:-2], x.dtype)
    for i in range(x.shape[-1]):
        total = total + x[..., i, i]
    return total


def _batched_matvec(a, v, equation):
    return np.sum(a * v, axis=-1)


def _mid_ellipsis(a, b, equation):
    # a [A, 3, 1, B], b [5, B] -> [A, 3, 5]: the '...' dims [3, 1] and [5] broadcast.
    return np.sum(a[:, :, :, :] * b[None, None, :, :], axis=-1)


def _broadcast_bmm(a, b, equation):
    return _matmul_ref(a, b)


SPECS = {
    "matmul": [
        _matmul_case(_f64(3, 4), _f64(4, 5)),
        _matmul_case(_c128(3, 4), _c128(4, 5)),
        _matmul_case(_c128(2, 4, 3), _c128(5, 4), transpose_a=True, transpose_b=True),
        _matmul_case(_c128(3, 4).astype(np.complex64), _c128(4, 2).astype(np.complex64)),
        _matmul_case(_f32(3, 4), _f32(4, 2)),
        _matmul_case(_i32(3, 4), _i32(4, 2)),
        _matmul_case(_f64(2, 3, 4), _f64(2, 4, 2)),
        _matmul_case(_f32(2, 1, 3, 4), _f32(5, 4, 2)),  # batch dims broadcast
        _matmul_case(_f64(4, 3), _f64(4, 2), transpose_a=True, transpose_b=False),
        _matmul_case(_f64(3, 4), _f64(2, 4), transpose_a=False, transpose_b=True),
        _matmul_case(_f64(2, 4, 3), _f64(5, 4), transpose_a=True, transpose_b=True),
        # float64 batch broadcasting, for the gradient check: [2,1,3,4] @ [5,4,2]
        _matmul_case(_f64(2, 1, 3, 4), _f64(5, 4, 2)),
        _matmul_case(_f64(1, 4, 3), _f64(2, 5, 4), transpose_a=True, transpose_b=True),
        _matmul_case(_f64(3, 1, 4, 3), _f64(2, 4, 2), transpose_a=True),
        _matmul_case(_f64(3, 3, 4), _f64(3, 2, 4), transpose_b=True),
    ],
    # NOTE: einsum may sum a label out of one operand before multiplying (as TF does), and
    # with an inf that order decides between nan (0 * inf) and inf: no inf in its cases.
    "einsum_bias": [
        _einsum_bias_case("abc,cd->abd", _f64(2, 3, 4), _f64(4, 5), _f64(5), False),
        _einsum_bias_case("abc,cde->abde", _f64(2, 3, 4), _f64(4, 2, 3), _f64(2, 3), True),
        _einsum_bias_case("abc,cd->abd", _f32(2, 3, 4), _f32(4, 5), _f32(5), True),
        _einsum_bias_case("abcd,cde->abe", _f64(2, 3, 2, 2), _f64(2, 2, 4), _f64(4), False),
        _einsum_bias_case("ab,cb->ac", _f64(0, 3), _f64(4, 3), _f64(4), True),
        _einsum_bias_case("abc,cd->abd", _f64(2, 3, 4), _f64(4, 5), _f64(5), False,
                          _f64(2, 3, 5)),
        _einsum_bias_case("abc,cde->abde", _f32(2, 3, 4), _f32(4, 2, 3), _f32(2, 3), True,
                          _f32(2, 3, 2, 3))],
    "einsum_relu_grad": [
        _einsum_relu_grad_case("abe,ce->abc", _f64(2, 3, 4), _f64(5, 4), _f64(2, 3, 5)),
        _einsum_relu_grad_case("abc,cde->abde", _f32(2, 3, 4), _f32(4, 2, 3),
                               _f32(2, 3, 2, 3)),
        _einsum_relu_grad_case("ij,kj->ik", _f64(0, 3), _f64(4, 3), _f64(0, 4))],
    "einsum": varying([
        _einsum_case("ij,jk->ik", _f64(3, 4), _f64(4, 2)),
        _einsum_case("ij,jk->ik", _c128(3, 4), _c128(4, 2)),
        _einsum_case("bij,bkj->bik", _c128(2, 3, 4), _c128(2, 2, 4)),
        _einsum_case("ii->", _c128(3, 3)),
        _einsum_case("bij,bjk->bik", _f32(2, 3, 4), _f32(2, 4, 2)),
        _einsum_case("ii->", _f64(3, 3)),
        _einsum_case("ij->ji", _f64(2, 3)),
        _einsum_case("i,i->", _i32(5), _i32(5)),
        _einsum_case("ij,ij->ij", _f64(2, 3), _f64(2, 3)),
        _einsum_case("i,j->ij", _f64(3), _f64(2)),
        _einsum_case("abc,cd,de->abe", _f64(2, 2, 3), _f64(3, 2), _f64(2, 3)),
        _einsum_case("ijk->k", _i32(2, 3, 4)),
        _einsum_case("...ij->...ji", _f64(2, 3, 4), ref=_batched_transpose),
        _einsum_case("...ii->...i", _f64(2, 3, 3), ref=_batched_diag),
        _einsum_case("...ij,...jk->...ik", _f64(2, 1, 3, 4), _f64(5, 4, 2),
                     ref=_broadcast_bmm),
        # float64 cases for the gradient rule: labels summed within one operand, labels
        # repeated within one operand (diagonals), '...' broadcasting, many operands.
        _einsum_case("ij->i", _f64(3, 4)),
        _einsum_case("ij->", _f64(2, 3)),
        _einsum_case("ijk,jl->il", _f64(2, 3, 4), _f64(3, 2)),
        _einsum_case("ii->i", _f64(3, 3)),
        _einsum_case("iii->i", _f64(2, 2, 2)),
        _einsum_case("iij->ji", _f64(3, 3, 2)),
        _einsum_case("ii,i->i", _f64(3, 3), _f64(3)),
        _einsum_case("bii,bj->bij", _f64(2, 3, 3), _f64(2, 4)),
        _einsum_case("i,i->", _f64(5), _f64(5)),
        _einsum_case("i,j,k->ijk", _f64(2), _f64(3), _f64(2)),
        _einsum_case("ij,jk,kl->il", _f64(2, 3), _f64(3, 4), _f64(4, 2)),
        _einsum_case("ij->j", _f64(1, 3)),
        _einsum_case("...ii->...", _f64(2, 3, 3), ref=_batched_trace),
        _einsum_case("...ii->...i", _f64(3, 3), ref=_batched_diag),
        _einsum_case("...j,j->...", _f64(2, 3, 4), _f64(4), ref=_batched_matvec),
        _einsum_case("a...b,...b->a...", _f64(2, 3, 1, 4), _f64(5, 4), ref=_mid_ellipsis),
        _einsum_case("...ij,...jk->...ik", _f64(3, 1, 2, 3), _f64(1, 4, 3, 2),
                     ref=_broadcast_bmm),
    ], specials=(np.nan, -0.0)),
}

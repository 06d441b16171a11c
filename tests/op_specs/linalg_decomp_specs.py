"""Specs of the decomposition primitives (ember/prims/linalg_decomp.py). The references
are SciPy's (scipy.linalg, one matrix at a time), not numpy.linalg, which the kernels use.

The inputs are well conditioned (a multiple of the identity added) so that float32
variants agree; the values stay fixed (vary="none": a random matrix is not positive
definite, and LAPACK's results on nan/inf are not specified).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sl

from . import Case, rng

R = rng(18)


def _gen(*shape, dtype=np.float64):
    x = R.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * R.standard_normal(shape)
    return x.astype(dtype)


def _wellcond(*shape, dtype=np.float64):
    return (_gen(*shape, dtype=dtype) + 3 * np.eye(shape[-1])).astype(dtype)


def _spd(*shape, dtype=np.float64):
    x = _gen(*shape, dtype=dtype)
    return (x @ np.conj(np.swapaxes(x, -1, -2)) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def _per_matrix(fn, *arrays, n_out=1):
    """Applies fn to each matrix of the (broadcast) batch; stacks each output."""
    batch = np.broadcast_shapes(*[a.shape[:-2] for a in arrays])
    arrays = [np.broadcast_to(a, batch + a.shape[-2:]) for a in arrays]
    outs = None
    if 0 in batch:  # an empty batch: the output shapes from an identity matrix
        res = fn(*[np.eye(*a.shape[-2:], dtype=a.dtype) for a in arrays])
        res = res if isinstance(res, tuple) else (res,)
        outs = [np.zeros(batch + np.shape(r), np.asarray(r).dtype) for r in res]
    for idx in np.ndindex(*batch):
        res = fn(*[a[idx] for a in arrays])
        res = res if isinstance(res, tuple) else (res,)
        if outs is None:
            outs = [np.empty(batch + np.shape(r), np.asarray(r).dtype) for r in res]
        for o, r in zip(outs, res):
            o[idx] = r
    return outs if n_out > 1 else outs[0]


def _cholesky_ref(a):
    return _per_matrix(lambda m: sl.cholesky(m, lower=True), a).astype(a.dtype)


def _tri_ref(a, b, lower=True, adjoint=False):
    def one(m, r):
        return sl.solve_triangular(m, r, lower=lower, trans=2 if adjoint else 0)
    return _per_matrix(one, a, b).astype(a.dtype)


def _solve_ref(a, b, adjoint=False):
    return _per_matrix(lambda m, r: sl.solve(np.conj(m.T) if adjoint else m, r),
                       a, b).astype(a.dtype)


def _det_ref(a):
    return _per_matrix(lambda m: np.array(sl.det(m)).reshape(1, 1), a)[..., 0, 0].astype(
        a.dtype)


def _slogdet_ref(a):
    def one(m):
        lu_, piv = sl.lu_factor(m)
        d = np.diag(lu_)
        swaps = np.sum(piv != np.arange(len(piv)))
        sign = (-1) ** swaps * np.prod(d / np.abs(d))
        return np.array(sign).reshape(1, 1), np.array(np.sum(np.log(np.abs(d)))).reshape(1, 1)
    s, l = _per_matrix(one, a, n_out=2)
    return s[..., 0, 0].astype(a.dtype), l[..., 0, 0].astype(a.dtype)


def _qr_ref(a, full_matrices=False):
    q, r = _per_matrix(lambda m: sl.qr(m, mode="full" if full_matrices else "economic"),
                       a, n_out=2)
    return q.astype(a.dtype), r.astype(a.dtype)


def _real_dtype(dt):
    return {np.dtype(np.complex64): np.float32, np.dtype(np.complex128): np.float64}.get(
        np.dtype(dt), dt)


def _svd_ref(a, compute_uv=True, full_matrices=False):
    real = _real_dtype(a.dtype)
    if not compute_uv:
        s = _per_matrix(lambda m: sl.svd(m, compute_uv=False)[None, :], a)[..., 0, :]
        return (s.astype(real),)
    u, s, vh = _per_matrix(lambda m: sl.svd(m, full_matrices=full_matrices), a, n_out=3)
    return s.astype(real), u.astype(a.dtype), np.conj(np.swapaxes(vh, -1, -2)).astype(a.dtype)


def _canonical(v):
    """Each eigenvector's largest entry made real positive (as the kernels do)."""
    out = v.copy()
    for idx in np.ndindex(*v.shape[:-2]):
        for j in range(v.shape[-1]):
            col = v[idx][:, j]
            k = int(np.argmax(np.abs(col)))
            if abs(col[k]) > 0:
                out[idx + (slice(None), j)] = col * np.conj(col[k]) / abs(col[k])
    return out


def _eigh_ref(a):
    e, v = _per_matrix(lambda m: sl.eigh(m, lower=True), a, n_out=2)
    return e.astype(_real_dtype(a.dtype)), _canonical(v).astype(a.dtype)


def _eig_ref(a, compute_v=True):
    c = np.complex64 if a.dtype in (np.float32, np.complex64) else np.complex128
    e, v = _per_matrix(lambda m: sl.eig(m), a, n_out=2)
    return e.astype(c), _canonical(v.astype(c))


def _lu_ref(a, output_idx_type=np.int32):
    def one(m):
        lu_, piv = sl.lu_factor(m)
        perm = np.arange(len(piv))
        for i, p in enumerate(piv):
            perm[i], perm[p] = perm[p], perm[i]
        return lu_, perm
    lu_, p = _per_matrix(one, a, n_out=2)
    return lu_.astype(a.dtype), p.astype(output_idx_type)


def _fn_ref(fn):
    def ref(a):
        return _per_matrix(lambda m: np.asarray(fn(m)), a).astype(a.dtype) if a.size else \
            np.zeros_like(a)
    return ref


def _real_sqrtm(m):
    return np.real_if_close(sl.sqrtm(m))


def _case(args, ref, params=None, tol=1e-9, diff=None, **kw):
    return Case(tuple(args), ref, dict(params or {}), rtol=tol, atol=tol, diff_args=diff,
                vary="none", specials=(), shapes=None, **kw)


_Z = np.zeros((0, 3, 3))

SPECS = {
    # cholesky's gradient is TF's symmetric one, while the kernel reads the lower
    # triangle only: finite differences of single entries can't check it (see
    # tests/test_linalg_decomp.py, which checks it through a symmetric parametrization).
    "cholesky": [_case([_spd(2, 3, 3)], _cholesky_ref, diff=()),
                 _case([_spd(3, 3, dtype=np.complex128)], _cholesky_ref, diff=()),
                 _case([_Z], _cholesky_ref, diff=())],
    "matrix_triangular_solve": [
        _case([_wellcond(2, 3, 3), _gen(2, 3, 2)], _tri_ref, dict(lower=True, adjoint=False)),
        _case([_wellcond(3, 3), _gen(2, 3, 2)], _tri_ref, dict(lower=False, adjoint=True)),
        _case([_wellcond(3, 3, dtype=np.complex128), _gen(3, 1, dtype=np.complex128)],
              _tri_ref, dict(lower=True, adjoint=True)),
        _case([_Z, np.zeros((0, 3, 2))], _tri_ref, dict(lower=True, adjoint=False))],
    "matrix_solve": [
        _case([_wellcond(2, 3, 3), _gen(2, 3, 2)], _solve_ref, dict(adjoint=False)),
        _case([_wellcond(3, 3), _gen(3, 4)], _solve_ref, dict(adjoint=True)),
        _case([_wellcond(2, 2, dtype=np.complex128), _gen(2, 1, dtype=np.complex128)],
              _solve_ref, dict(adjoint=False)),
        _case([_Z, np.zeros((0, 3, 1))], _solve_ref, dict(adjoint=False))],
    "matrix_determinant": [_case([_wellcond(2, 3, 3)], _det_ref),
                           _case([_wellcond(3, 3, dtype=np.complex128)], _det_ref),
                           _case([_Z], _det_ref)],
    "log_matrix_determinant": [_case([_wellcond(2, 3, 3)], _slogdet_ref),
                               _case([_wellcond(3, 3, dtype=np.complex128)], _slogdet_ref),
                               _case([_Z], _slogdet_ref)],
    "qr": [_case([_gen(2, 4, 3)], _qr_ref, dict(full_matrices=False)),
           _case([_gen(3, 3)], _qr_ref, dict(full_matrices=True)),
           # wide (its own generator: the shared one's later draws stay as they were)
           _case([np.random.default_rng(18).standard_normal((2, 3, 5))], _qr_ref,
                 dict(full_matrices=False)),
           _case([_gen(2, 4, 3, dtype=np.complex128)], _qr_ref, dict(full_matrices=False)),
           _case([np.zeros((0, 4, 3))], _qr_ref, dict(full_matrices=False))],
    "svd": [_case([_gen(2, 4, 3)], _svd_ref, dict(compute_uv=True, full_matrices=False),
                  tol=1e-8),
            _case([_gen(3, 5)], _svd_ref, dict(compute_uv=True, full_matrices=False),
                  tol=1e-8),
            _case([_gen(3, 3)], _svd_ref, dict(compute_uv=False, full_matrices=False)),
            _case([_gen(3, 2, dtype=np.complex128)], _svd_ref,
                  dict(compute_uv=False, full_matrices=False)),
            _case([np.zeros((0, 4, 3))], _svd_ref, dict(compute_uv=True,
                                                        full_matrices=False))],
    "self_adjoint_eig": [_case([_spd(2, 3, 3)], _eigh_ref, tol=1e-8),
                         _case([np.zeros((0, 3, 3))], _eigh_ref)],
    # eig's outputs are complex (phases are LAPACK's choice): checked by value; its
    # gradient is checked in tests/test_linalg_decomp.py through the eigenvalues.
    "eig": [_case([_gen(2, 3, 3)], _eig_ref, dict(compute_v=True), diff=(), tol=1e-8),
            _case([np.zeros((0, 3, 3))], _eig_ref, dict(compute_v=True), diff=())],
    "lu": [_case([_gen(2, 4, 4)], _lu_ref, dict(output_idx_type=np.int32), tol=1e-8),
           _case([_gen(3, 3, dtype=np.complex128)], _lu_ref,
                 dict(output_idx_type=np.int64), diff=()),
           _case([_Z], _lu_ref, dict(output_idx_type=np.int32))],
    "matrix_exponential": [_case([0.5 * _gen(2, 3, 3)], _fn_ref(sl.expm), tol=1e-8),
                           _case([3.0 * _gen(4, 4)], _fn_ref(sl.expm), tol=1e-7),
                           _case([_Z], _fn_ref(sl.expm))],
    "matrix_square_root": [_case([_spd(2, 3, 3)], _fn_ref(_real_sqrtm), tol=1e-8),
                           _case([_Z], _fn_ref(_real_sqrtm), diff=())],
    "matrix_logarithm": [_case([_spd(3, 3, dtype=np.complex128)], _fn_ref(sl.logm),
                               tol=1e-8),
                         _case([np.zeros((0, 3, 3), np.complex128)], _fn_ref(sl.logm),
                               diff=())],
}

SHAPE_SKIPS = {
    "square matrices with values chosen to be well conditioned (or positive definite); "
    "the random shapes of the strategies give singular or non-square operands":
        tuple(SPECS),
}

"""NumPy kernels of the decompositions and matrix functions (prims/linalg_decomp.py):
LAPACK through numpy.linalg, batched over leading axes; LU with partial pivoting and the
Pade matrix exponential written here."""

from __future__ import annotations

import numpy as np

from .linalg_schur import logm_kernel, sqrtm_kernel

_REAL = {np.dtype(np.complex64): np.float32, np.dtype(np.complex128): np.float64}
_CPLX = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128,
         np.dtype(np.complex64): np.complex64, np.dtype(np.complex128): np.complex128}


def _empty_batch(a: np.ndarray) -> bool:
    return a.size == 0


def cholesky(a):
    if _empty_batch(a):
        return np.zeros_like(a)
    low = np.tril(a)
    herm = low + np.conj(np.swapaxes(np.tril(a, -1), -1, -2))
    return np.linalg.cholesky(herm).astype(a.dtype)


def matrix_triangular_solve(a, b, lower=True, adjoint=False):
    t = np.tril(a) if lower else np.triu(a)
    if adjoint:
        t = np.conj(np.swapaxes(t, -1, -2))
    return _solve(t, b)


def _solve(a, b):
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    if a.size == 0 or b.size == 0:
        return np.zeros(batch + b.shape[-2:], a.dtype)
    return np.linalg.solve(a, b).astype(a.dtype)


def matrix_solve(a, b, adjoint=False):
    if adjoint:
        a = np.conj(np.swapaxes(a, -1, -2))
    return _solve(a, b)


def matrix_determinant(a):
    if a.shape[-1] == 0:
        return np.ones(a.shape[:-2], a.dtype)
    if a.size == 0:
        return np.zeros(a.shape[:-2], a.dtype)
    return np.asarray(np.linalg.det(a), a.dtype)


def log_matrix_determinant(a):
    if a.size == 0:
        n0 = a.shape[-1] == 0
        return (np.full(a.shape[:-2], 1 if n0 else 0, a.dtype),
                np.zeros(a.shape[:-2], a.dtype))
    sign, logdet = np.linalg.slogdet(a)
    return np.asarray(sign, a.dtype), np.asarray(logdet, a.dtype)


def qr(a, full_matrices=False):
    m, n = a.shape[-2:]
    k = m if full_matrices else min(m, n)
    if a.size == 0:
        q = np.zeros(a.shape[:-2] + (m, k), a.dtype)
        q[..., range(min(m, k)), range(min(m, k))] = 1
        return q, np.zeros(a.shape[:-2] + (k, n), a.dtype)
    q, r = np.linalg.qr(a, mode="complete" if full_matrices else "reduced")
    return q.astype(a.dtype), r.astype(a.dtype)


def svd(a, compute_uv=True, full_matrices=False):
    m, n = a.shape[-2:]
    k = min(m, n)
    real = _REAL.get(a.dtype, a.dtype)
    if a.size == 0:
        s = np.zeros(a.shape[:-2] + (k,), real)
        if not compute_uv:
            return (s,)
        ku, kv = (m, n) if full_matrices else (k, k)
        u = np.zeros(a.shape[:-2] + (m, ku), a.dtype)
        v = np.zeros(a.shape[:-2] + (n, kv), a.dtype)
        u[..., range(min(m, ku)), range(min(m, ku))] = 1
        v[..., range(min(n, kv)), range(min(n, kv))] = 1
        return s, u, v
    if not compute_uv:
        return (np.linalg.svd(a, compute_uv=False).astype(real),)
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    v = np.conj(np.swapaxes(vh, -1, -2))
    return s.astype(real), u.astype(a.dtype), v.astype(a.dtype)


def _canonical(v):
    """Eigenvectors with a fixed phase: each column's largest entry (the first of equal
    ones) made real and positive, so every LAPACK driver gives the same vectors."""
    idx = np.argmax(np.abs(v), axis=-2)[..., None, :]
    top = np.take_along_axis(v, idx, axis=-2)
    mag = np.abs(top)
    return v * (np.conj(top) / np.where(mag == 0, 1, mag))


def self_adjoint_eig(a):
    real = _REAL.get(a.dtype, a.dtype)
    if a.size == 0:
        v = np.zeros_like(a)
        n = a.shape[-1]
        v[..., range(n), range(n)] = 1
        return np.zeros(a.shape[:-1], real), v
    e, v = np.linalg.eigh(a, UPLO="L")
    return e.astype(real), _canonical(v).astype(a.dtype)


def eig(a, compute_v=True):
    c = _CPLX[a.dtype]
    if a.size == 0:
        v = np.zeros(a.shape, c)
        n = a.shape[-1]
        v[..., range(n), range(n)] = 1
        e = np.zeros(a.shape[:-1], c)
        return (e, v) if compute_v else (e,)
    e, v = np.linalg.eig(a)
    v = _canonical(v.astype(c))
    return (e.astype(c), v.astype(c)) if compute_v else (e.astype(c),)


def lu(a, output_idx_type=np.int32):
    n = a.shape[-1]
    batch = a.shape[:-2]
    x = np.array(a.reshape((-1, n, n)), copy=True)
    perm = np.tile(np.arange(n), (x.shape[0], 1))
    rows = np.arange(x.shape[0])
    for j in range(n):
        piv = j + np.argmax(np.abs(x[:, j:, j]), axis=1)
        x[rows, j], x[rows, piv] = x[rows, piv].copy(), x[rows, j].copy()
        perm[rows, j], perm[rows, piv] = perm[rows, piv].copy(), perm[rows, j].copy()
        d = x[:, j, j]
        safe = np.where(d == 0, 1, d)
        f = np.where((d == 0)[:, None], 0, x[:, j + 1:, j] / safe[:, None])
        x[:, j + 1:, j] = f
        x[:, j + 1:, j + 1:] -= f[:, :, None] * x[:, j, None, j + 1:]
    return x.reshape(a.shape).astype(a.dtype), perm.reshape(batch + (n,)).astype(
        output_idx_type)


# Pade (13, 13) coefficients b_k = (26 - k)! 13! / (26! (13 - k)! k!).
_B13 = [64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
        129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
        40840800., 960960., 16380., 182., 1.]
_THETA13 = 5.371920351148152


def _expm_one(a: np.ndarray) -> np.ndarray:
    n = a.shape[-1]
    eye = np.eye(n, dtype=a.dtype)
    norm = np.max(np.sum(np.abs(a), axis=0)) if n else 0.0
    if not np.isfinite(norm):
        return np.full_like(a, np.nan)
    s = max(0, int(np.ceil(np.log2(norm / _THETA13)))) if norm > 0 else 0
    x = a / (2.0 ** s)
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    b = _B13
    u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4
             + b[3] * x2 + b[1] * eye)
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 \
        + b[0] * eye
    r = np.linalg.solve(v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r


def matrix_exponential(a):
    if a.size == 0:
        return np.zeros_like(a)
    work = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)
    flat = work.reshape((-1,) + a.shape[-2:])
    out = np.stack([_expm_one(m) for m in flat])
    return out.reshape(a.shape).astype(a.dtype)


KERNELS = {
    "cholesky": cholesky,
    "matrix_triangular_solve": matrix_triangular_solve,
    "matrix_solve": matrix_solve,
    "matrix_determinant": matrix_determinant,
    "log_matrix_determinant": log_matrix_determinant,
    "qr": qr,
    "svd": svd,
    "self_adjoint_eig": self_adjoint_eig,
    "eig": eig,
    "lu": lu,
    "matrix_exponential": matrix_exponential,
    # a complex Schur decomposition: every matrix with a square root / logarithm, the
    # non-diagonalizable ones too
    "matrix_square_root": sqrtm_kernel,
    "matrix_logarithm": logm_kernel,
}

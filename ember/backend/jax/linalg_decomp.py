"""JAX kernels of the decompositions and matrix functions (prims/linalg_decomp.py), with
jax.numpy.linalg / jax.lax.linalg / jax.scipy.linalg; the same outputs (and dtypes) as
the NumPy kernels."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.linalg  # noqa: F401 - jax.scipy.linalg.sqrtm
import numpy as np


def _real(dt):
    return jnp.finfo(dt).dtype if jnp.issubdtype(dt, jnp.complexfloating) else dt


def _cplx(dt):
    return jnp.complex64 if dt in (jnp.float32, jnp.complex64) else jnp.complex128


def _eyes(shape, dtype):
    m, k = shape[-2:]
    return jnp.broadcast_to(jnp.eye(m, k, dtype=dtype), shape)


def cholesky(a):
    if a.size == 0:
        return jnp.zeros_like(a)
    herm = jnp.tril(a) + jnp.conj(jnp.swapaxes(jnp.tril(a, -1), -1, -2))
    return jnp.linalg.cholesky(herm)


def _solve(a, b):
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    if a.size == 0 or b.size == 0:
        return jnp.zeros(batch + b.shape[-2:], a.dtype)
    return jnp.linalg.solve(a, b)


def matrix_triangular_solve(a, b, lower=True, adjoint=False):
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    if a.size == 0 or b.size == 0:
        return jnp.zeros(batch + b.shape[-2:], a.dtype)
    return jax.lax.linalg.triangular_solve(a, b, left_side=True, lower=lower,
                                           transpose_a=adjoint, conjugate_a=adjoint)


def matrix_solve(a, b, adjoint=False):
    if adjoint:
        a = jnp.conj(jnp.swapaxes(a, -1, -2))
    return _solve(a, b)


def matrix_determinant(a):
    if a.size == 0:
        return jnp.full(a.shape[:-2], 1 if a.shape[-1] == 0 else 0, a.dtype)
    return jnp.linalg.det(a)


def log_matrix_determinant(a):
    if a.size == 0:
        return (jnp.full(a.shape[:-2], 1 if a.shape[-1] == 0 else 0, a.dtype),
                jnp.zeros(a.shape[:-2], a.dtype))
    sign, logdet = jnp.linalg.slogdet(a)
    return sign.astype(a.dtype), logdet.astype(a.dtype)


def qr(a, full_matrices=False):
    m, n = a.shape[-2:]
    k = m if full_matrices else min(m, n)
    if a.size == 0:
        return _eyes(a.shape[:-2] + (m, k), a.dtype), jnp.zeros(a.shape[:-2] + (k, n), a.dtype)
    return jnp.linalg.qr(a, mode="complete" if full_matrices else "reduced")


def svd(a, compute_uv=True, full_matrices=False):
    m, n = a.shape[-2:]
    k = min(m, n)
    real = _real(a.dtype)
    if a.size == 0:
        s = jnp.zeros(a.shape[:-2] + (k,), real)
        if not compute_uv:
            return (s,)
        ku, kv = (m, n) if full_matrices else (k, k)
        return s, _eyes(a.shape[:-2] + (m, ku), a.dtype), _eyes(a.shape[:-2] + (n, kv), a.dtype)
    if not compute_uv:
        return (jnp.linalg.svd(a, compute_uv=False).astype(real),)
    u, s, vh = jnp.linalg.svd(a, full_matrices=full_matrices)
    return s.astype(real), u, jnp.conj(jnp.swapaxes(vh, -1, -2))


def _canonical(v):
    idx = jnp.argmax(jnp.abs(v), axis=-2)[..., None, :]
    top = jnp.take_along_axis(v, idx, axis=-2)
    mag = jnp.abs(top)
    return v * (jnp.conj(top) / jnp.where(mag == 0, 1, mag))


def self_adjoint_eig(a):
    if a.size == 0:
        return jnp.zeros(a.shape[:-1], _real(a.dtype)), _eyes(a.shape, a.dtype)
    e, v = jnp.linalg.eigh(a, UPLO="L", symmetrize_input=False)
    return e, _canonical(v)


def eig(a, compute_v=True):
    c = _cplx(a.dtype)
    if a.size == 0:
        e = jnp.zeros(a.shape[:-1], c)
        return (e, _eyes(a.shape, c)) if compute_v else (e,)
    e, v = jnp.linalg.eig(a)
    v = _canonical(v.astype(c))
    return (e.astype(c), v.astype(c)) if compute_v else (e.astype(c),)


def lu(a, output_idx_type=np.int32):
    if a.size == 0:
        return a, jnp.broadcast_to(jnp.arange(a.shape[-1], dtype=output_idx_type),
                                   a.shape[:-1])
    out, _, perm = jax.lax.linalg.lu(a)
    return out, perm.astype(output_idx_type)


def matrix_exponential(a):
    if a.size == 0:
        return jnp.zeros_like(a)
    return jax.scipy.linalg.expm(a)


def _eig_function(a, fn):
    if a.size == 0:
        return jnp.zeros_like(a)
    e, v = jnp.linalg.eig(a.astype(jnp.complex128))
    out = (v * fn(e)[..., None, :]) @ jnp.linalg.inv(v)
    return (out if jnp.iscomplexobj(a) else out.real).astype(a.dtype)


def matrix_square_root(a):
    # Schur-based (every matrix with a square root); NOTE: XLA runs it on the CPU only
    if a.size == 0:
        return jnp.zeros_like(a)
    out = jnp.vectorize(jax.scipy.linalg.sqrtm, signature="(n,n)->(n,n)")(a)
    return (out if jnp.iscomplexobj(a) else jnp.real(out)).astype(a.dtype)


def matrix_logarithm(a):
    # NOTE: JAX has no Schur-based logm: an eigendecomposition, right for diagonalizable
    # matrices only (the NumPy backend's kernel takes every matrix)
    return _eig_function(a, jnp.log)


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
    "matrix_square_root": matrix_square_root,
    "matrix_logarithm": matrix_logarithm,
}

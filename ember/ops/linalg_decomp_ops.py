"""tf.linalg composites over the decomposition primitives (prims/linalg_decomp.py):
inv, det, slogdet, logdet, cholesky_solve, lu_solve, lu_reconstruct, lu_matrix_inverse,
lstsq, pinv, matrix_rank, eigvalsh, eigvals, band_part, set_diag, tensor_diag,
tensor_diag_part, cross, l2_normalize, normalize, tridiagonal_matmul, tridiagonal_solve,
and `norm` with the matrix norms that need a decomposition (ord=2, 'nuc').

Example:
    >>> import ember as tf
    >>> tf.linalg.inv(tf.constant([[2.0, 0.0], [0.0, 4.0]])).numpy()
    array([[0.5 , 0.  ],
           [0.  , 0.25]], dtype=float32)
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..core import rules
from ..core.errors import InvalidArgumentError, ShapeError
from ..prims.convert import as_tensor, cast
from ..prims.linalg import einsum, matmul
from ..prims.linalg_lu import lu  # noqa: F401
from ..prims.linalg_decomp import (cholesky, eig, log_matrix_determinant,  # noqa: F401
                                   matrix_determinant, matrix_solve,
                                   matrix_triangular_solve, qr, self_adjoint_eig, svd)
from ..prims.linalg_matfunc import (matrix_exponential, matrix_logarithm,  # noqa: F401
                                    matrix_square_root)
from . import math_ops as m
from . import reduce_ops as r
from . import shape_ops as sh
from .creation_ops import ones_like, zeros_like
from .linalg_diag import set_diag  # noqa: F401 - tf.linalg.set_diag
from .linalg_extra import adjoint, diag_part, matrix_transpose
from .linalg_extra import norm as _vector_norm
from .nn_ops import l2_normalize  # noqa: F401 - TF's tf.linalg.l2_normalize is tf.nn's

__all__ = ["cholesky", "cholesky_solve", "det", "eig", "eigh", "eigvals", "eigvalsh", "expm",
           "inv", "logdet", "logm", "lstsq", "lu", "lu_matrix_inverse", "lu_reconstruct",
           "lu_solve", "matrix_rank", "pinv", "qr", "slogdet", "solve", "sqrtm", "svd",
           "triangular_solve", "band_part", "set_diag", "tensor_diag", "tensor_diag_part",
           "cross", "l2_normalize", "normalize", "tridiagonal_matmul", "tridiagonal_solve",
           "norm", "adjoint", "matrix_transpose"]

det = matrix_determinant
slogdet = log_matrix_determinant
solve = matrix_solve
triangular_solve = matrix_triangular_solve
eigh = self_adjoint_eig
expm = matrix_exponential
sqrtm = matrix_square_root
logm = matrix_logarithm


def _eye_for(x: Any, n: int) -> Any:
    return as_tensor(np.eye(n, dtype=x.dtype._numpy()))


def _square_n(x: Any, op: str) -> int:
    if x.shape.rank is None or x.shape.rank < 2 or x.shape[-1] is None:
        raise ShapeError(f"{op}: needs matrices [..., M, M] of known size, received "
                         f"{rules.describe(x)}.")
    return x.shape[-1]


def inv(input: Any, adjoint: bool = False, name: str | None = None) -> Any:
    """The inverse (or the inverse of the adjoint) of square matrices (TF's
    `tf.linalg.inv`), by a solve against the identity.

    Example:
        >>> import ember as tf
        >>> tf.linalg.inv(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy().round(3)
        array([[-2. ,  1. ],
               [ 1.5, -0.5]], dtype=float32)
    """
    x = as_tensor(input)
    return matrix_solve(x, _eye_for(x, _square_n(x, "inv")), adjoint=adjoint)


matrix_inverse = inv


def logdet(matrix: Any, name: str | None = None) -> Any:
    """log(det(A)) of Hermitian positive-definite matrices, via Cholesky: 2 * sum(log
    diag(L)) (TF's `tf.linalg.logdet`).

    Example:
        >>> import ember as tf
        >>> round(float(tf.linalg.logdet(tf.constant([[4.0, 0.0], [0.0, 1.0]]))), 4)
        1.3863
    """
    l_ = cholesky(matrix)
    d = diag_part(l_)
    if d.dtype.is_complex:
        d = m.real(d)
    out = m.multiply(2.0, r.reduce_sum(m.log(d), axis=-1))
    return cast(out, l_.dtype) if l_.dtype.is_complex else out


def cholesky_solve(chol: Any, rhs: Any, name: str | None = None) -> Any:
    """Solves `A X = rhs` given the Cholesky factor `chol` of A (TF's
    `tf.linalg.cholesky_solve`).

    Example:
        >>> import ember as tf
        >>> c = tf.linalg.cholesky(tf.constant([[4.0, 2.0], [2.0, 5.0]]))
        >>> tf.linalg.cholesky_solve(c, tf.constant([[6.0], [7.0]])).numpy().round(4)
        array([[1.],
               [1.]], dtype=float32)
    """
    y = matrix_triangular_solve(chol, rhs, lower=True, adjoint=False)
    return matrix_triangular_solve(chol, y, lower=True, adjoint=True)


def _perm_matrix(perm: Any, dtype: Any, n: int) -> Any:
    """P with P[i, perm[i]] = 1 (so P @ A = A[perm])."""
    idx = as_tensor(np.arange(n, dtype=perm.dtype._numpy()))
    return cast(m.equal(perm[..., :, None], idx), dtype)


def lu_reconstruct(lower_upper: Any, perm: Any, validate_args: bool = False,
                   name: str | None = None) -> Any:
    """The matrix `A` from `lu(A)`: `P^T L U` (TF's `tf.linalg.lu_reconstruct`).

    Example:
        >>> import ember as tf
        >>> a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> tf.linalg.lu_reconstruct(*tf.linalg.lu(a)).numpy()
        array([[1., 2.],
               [3., 4.]], dtype=float32)
    """
    x, p = as_tensor(lower_upper), as_tensor(perm)
    n = _square_n(x, "lu_reconstruct")
    low = m.add(band_part(x, -1, 0) - band_part(x, 0, 0), _eye_for(x, n))
    up = band_part(x, 0, -1)
    return matmul(_perm_matrix(p, x.dtype, n), matmul(low, up), transpose_a=True)


def lu_solve(lower_upper: Any, perm: Any, rhs: Any, validate_args: bool = False,
             name: str | None = None) -> Any:
    """Solves `A X = rhs` given `lu(A)` (TF's `tf.linalg.lu_solve`).

    Example:
        >>> import ember as tf
        >>> a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> lu_, p = tf.linalg.lu(a)
        >>> tf.linalg.lu_solve(lu_, p, tf.constant([[5.0], [11.0]])).numpy().round(4)
        array([[1.],
               [2.]], dtype=float32)
    """
    x, p = as_tensor(lower_upper), as_tensor(perm)
    n = _square_n(x, "lu_solve")
    b = matmul(_perm_matrix(p, x.dtype, n), as_tensor(rhs))
    low = m.add(band_part(x, -1, 0) - band_part(x, 0, 0), _eye_for(x, n))
    y = matrix_triangular_solve(low, b, lower=True)
    return matrix_triangular_solve(x, y, lower=False)


def lu_matrix_inverse(lower_upper: Any, perm: Any, validate_args: bool = False,
                      name: str | None = None) -> Any:
    """The inverse of A from `lu(A)` (TF's `tf.linalg.lu_matrix_inverse`).

    Example:
        >>> import ember as tf
        >>> lu_, p = tf.linalg.lu(tf.constant([[2.0, 0.0], [0.0, 4.0]]))
        >>> tf.linalg.lu_matrix_inverse(lu_, p).numpy()
        array([[0.5 , 0.  ],
               [0.  , 0.25]], dtype=float32)
    """
    x = as_tensor(lower_upper)
    return lu_solve(x, perm, _eye_for(x, _square_n(x, "lu_matrix_inverse")))


def lstsq(matrix: Any, rhs: Any, l2_regularizer: float = 0.0, fast: bool = True,
          name: str | None = None) -> Any:
    """The least-squares solution of `matrix X = rhs` with an optional L2 penalty (TF's
    `tf.linalg.lstsq`). Both `fast` paths solve the regularized normal equations by
    Cholesky (TF's fast path): `(A^H A + l2 I)^-1 A^H B` for M >= N, `A^H (A A^H + l2
    I)^-1 B` for M < N; so A must have full rank unless l2_regularizer > 0.

    Example:
        >>> import ember as tf
        >>> a = tf.constant([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> tf.linalg.lstsq(a, tf.constant([[1.0], [1.0], [2.0]])).numpy().round(4)
        array([[1.],
               [1.]], dtype=float32)
    """
    a, b = as_tensor(matrix), as_tensor(rhs)
    if a.shape.rank is None or a.shape.rank < 2 or None in (a.shape[-2], a.shape[-1]):
        raise ShapeError(f"lstsq: matrix must be [..., M, N] with known M, N, received "
                         f"{rules.describe(a)}.")
    rows, cols = a.shape[-2], a.shape[-1]
    if rows >= cols:
        gram = matmul(a, a, adjoint_a=True)
        if l2_regularizer:
            gram = m.add(gram, m.multiply(_eye_for(a, cols), l2_regularizer))
        return cholesky_solve(cholesky(gram), matmul(a, b, adjoint_a=True))
    gram = matmul(a, a, adjoint_b=True)
    if l2_regularizer:
        gram = m.add(gram, m.multiply(_eye_for(a, rows), l2_regularizer))
    return matmul(a, cholesky_solve(cholesky(gram), b), adjoint_a=True)


def pinv(a: Any, rcond: Any = None, validate_args: bool = False,
         name: str | None = None) -> Any:
    """The Moore-Penrose pseudo-inverse by SVD, singular values below `rcond * max(s)`
    dropped; rcond defaults to `10 * max(M, N) * eps` (TF's `tf.linalg.pinv`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.pinv(tf.constant([[1.0, 0.0], [0.0, 0.0]])).numpy()
        array([[1., 0.],
               [0., 0.]], dtype=float32)
    """
    x = as_tensor(a)
    if x.shape.rank is None or x.shape.rank < 2:
        raise ShapeError(f"pinv: needs matrices [..., M, N], received {rules.describe(x)}.")
    if rcond is None:
        eps = np.finfo(x.dtype._numpy()).eps
        rcond = 10.0 * max(x.shape[-2], x.shape[-1]) * eps
    s, u, v = svd(x, full_matrices=False, compute_uv=True)
    cutoff = m.multiply(rcond, r.reduce_max(s, axis=-1, keepdims=True))
    keep = m.greater(s, cutoff)
    safe = m.where(keep, s, ones_like(s))
    s_inv = m.where(keep, m.reciprocal(safe), zeros_like(s))
    s_inv = cast(s_inv, x.dtype) if x.dtype.is_complex else s_inv
    return matmul(m.multiply(v, s_inv[..., None, :]), u, adjoint_b=True)


def matrix_rank(a: Any, tol: Any = None, validate_args: bool = False,
                name: str | None = None) -> Any:
    """The number of singular values above `tol` (default `max(s) * max(M, N) * eps`)
    (TF's `tf.linalg.matrix_rank`), int32.

    Example:
        >>> import ember as tf
        >>> int(tf.linalg.matrix_rank(tf.constant([[1.0, 2.0], [2.0, 4.0]])))
        1
    """
    x = as_tensor(a)
    s = svd(x, compute_uv=False)
    if tol is None:
        eps = np.finfo(s.dtype._numpy()).eps
        tol = m.multiply(r.reduce_max(s, axis=-1, keepdims=True),
                         float(max(x.shape[-2], x.shape[-1]) * eps))
    else:
        tol = cast(as_tensor(tol), s.dtype)
        tol = tol[..., None] if tol.shape.rank else tol
    return r.reduce_sum(cast(m.greater(s, tol), "int32"), axis=-1)


def eigvalsh(tensor: Any, name: str | None = None) -> Any:
    """The eigenvalues (ascending) of Hermitian matrices (TF's `tf.linalg.eigvalsh`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.eigvalsh(tf.constant([[2.0, 1.0], [1.0, 2.0]])).numpy().round(4)
        array([1., 3.], dtype=float32)
    """
    return self_adjoint_eig(tensor)[0]


def eigvals(tensor: Any, name: str | None = None) -> Any:
    """The complex eigenvalues of square matrices (TF's `tf.linalg.eigvals`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.eigvals(tf.constant([[0.0, 1.0], [-1.0, 0.0]])).numpy()
        array([0.+1.j, 0.-1.j], dtype=complex64)
    """
    return eig(tensor)[0]


# -- bands and diagonals -------------------------------------------------------------

def _static_int(v: Any, op: str, what: str) -> int:
    if hasattr(v, "numpy"):
        v = v.numpy()
    if not isinstance(v, (numbers.Integral, np.integer)):
        raise InvalidArgumentError(f"{op}: {what} must be an int, received {v!r}.")
    return int(v)


def band_part(input: Any, num_lower: Any, num_upper: Any, name: str | None = None) -> Any:
    """Keeps the band `-num_lower <= j - i <= num_upper` of the last two axes, zeros
    elsewhere; a negative count keeps that whole triangle (TF's `tf.linalg.band_part`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.band_part(tf.ones((3, 3)), 0, -1).numpy()
        array([[1., 1., 1.],
               [0., 1., 1.],
               [0., 0., 1.]], dtype=float32)
    """
    x = as_tensor(input)
    lo = _static_int(num_lower, "band_part", "num_lower")
    hi = _static_int(num_upper, "band_part", "num_upper")
    if x.shape.rank is None or x.shape.rank < 2 or None in (x.shape[-2], x.shape[-1]):
        raise ShapeError(f"band_part: needs [..., M, N] with known M, N, received "
                         f"{rules.describe(x)}.")
    i = np.arange(x.shape[-2])[:, None]
    j = np.arange(x.shape[-1])[None, :]
    keep = ((lo < 0) | (i - j <= lo)) & ((hi < 0) | (j - i <= hi))
    return m.where(as_tensor(keep), x, zeros_like(x))


def tensor_diag(diagonal: Any, name: str | None = None) -> Any:
    """The tensor of rank 2k with `diagonal` (rank k) on its diagonal (TF's
    `tf.linalg.tensor_diag`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.tensor_diag(tf.constant([1, 2])).numpy()
        array([[1, 0],
               [0, 2]], dtype=int32)
    """
    d = as_tensor(diagonal)
    shape = tuple(d.shape)
    size = int(np.prod(shape)) if shape else 1
    eye = np.eye(size, dtype=bool).reshape(shape + shape)
    flat = d
    for _ in shape:
        flat = flat[..., None]
    return m.where(as_tensor(eye), flat, zeros_like(flat))


def tensor_diag_part(input: Any, name: str | None = None) -> Any:
    """The diagonal of a tensor of rank 2k: out[i..] = input[i.., i..] (TF's
    `tf.linalg.tensor_diag_part`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.tensor_diag_part(tf.constant([[1, 0], [0, 2]])).numpy()
        array([1, 2], dtype=int32)
    """
    x = as_tensor(input)
    rank = x.shape.rank
    if rank is None or rank % 2:
        raise ShapeError(f"tensor_diag_part: needs a tensor of even rank, received "
                         f"{rules.describe(x)}.")
    k = rank // 2
    if tuple(x.shape[:k]) != tuple(x.shape[k:]):
        raise ShapeError(f"tensor_diag_part: the first half of the dimensions must equal "
                         f"the second half, received {rules.describe(x)}.")
    letters = "abcdefghij"[:k]
    return einsum(f"{letters}{letters}->{letters}", x)


# -- vectors -------------------------------------------------------------------------

def cross(a: Any, b: Any, name: str | None = None) -> Any:
    """The cross product of 3-vectors along the last axis (TF's `tf.linalg.cross`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.cross(tf.constant([1.0, 0.0, 0.0]), tf.constant([0.0, 1.0, 0.0])).numpy()
        array([0., 0., 1.], dtype=float32)
    """
    u, v = as_tensor(a), as_tensor(b)
    for x in (u, v):
        if x.shape.rank is None or x.shape.rank < 1 or x.shape[-1] != 3:
            raise ShapeError(f"cross: needs vectors of 3 elements in the last axis, "
                             f"received {rules.describe(u, v)}.")
    eps = np.zeros((3, 3, 3), u.dtype._numpy())
    eps[0, 1, 2] = eps[1, 2, 0] = eps[2, 0, 1] = 1
    eps[0, 2, 1] = eps[2, 1, 0] = eps[1, 0, 2] = -1
    return einsum("...j,...k,ijk->...i", u, v, as_tensor(eps))


def normalize(tensor: Any, ord: Any = "euclidean", axis: Any = None,
              name: str | None = None) -> tuple:
    """(tensor / norm, norm) with `norm = tf.norm(tensor, ord, axis, keepdims=True)`
    (TF's `tf.linalg.normalize`).

    Example:
        >>> import ember as tf
        >>> t, n = tf.linalg.normalize(tf.constant([3.0, 4.0]))
        >>> t.numpy(), float(n[0])
        (array([0.6, 0.8], dtype=float32), 5.0)
    """
    x = as_tensor(tensor)
    n = norm(x, ord=ord, axis=axis, keepdims=True)
    return m.divide(x, cast(n, x.dtype) if x.dtype.is_complex else n), n


def norm(tensor: Any, ord: Any = "euclidean", axis: Any = None, keepdims: Any = None,
         name: str | None = None) -> Any:
    """The vector or matrix norm (TF's `tf.norm`): everything `ember.norm` computes, plus
    the matrix norms ord=2 (the largest singular value) and 'nuc' (the sum of singular
    values) for a 2-tuple axis.

    Example:
        >>> import ember as tf
        >>> from ember.ops.linalg_decomp_ops import norm
        >>> x = tf.constant([[3.0, 0.0], [0.0, -4.0]])
        >>> float(norm(x, ord=2, axis=[-2, -1])), float(norm(x, 'nuc', [0, 1]))
        (4.0, 7.0)
    """
    if isinstance(axis, (list, tuple)) and len(axis) == 2 and (
            ord == "nuc" or (not isinstance(ord, str) and ord == 2)):
        x = as_tensor(tensor)
        rank = x.shape.rank
        a0, a1 = (rules.normalize_axis("norm", v, rank) for v in axis)
        if a0 == a1:
            raise InvalidArgumentError(f"norm: a matrix norm needs two different axes, "
                                       f"received {tuple(axis)}.")
        others = [i for i in range(rank) if i not in (a0, a1)]
        moved = sh.transpose(x, others + [a0, a1])
        s = svd(moved, compute_uv=False)
        out = r.reduce_sum(s, axis=-1) if ord == "nuc" else r.reduce_max(s, axis=-1)
        if keepdims:
            for a in sorted((a0, a1)):
                out = sh.expand_dims(out, a)
        return out
    return _vector_norm(tensor, ord=ord, axis=axis, keepdims=keepdims)


# -- tridiagonal ---------------------------------------------------------------------

def _tridiag_parts(diagonals: Any, diagonals_format: str, op: str) -> tuple:
    """(super, main, sub), each [..., M], in TF's 'compact' alignment (super's last and
    sub's first entries unused)."""
    if diagonals_format == "compact":
        d = as_tensor(diagonals)
        if d.shape.rank is None or d.shape.rank < 2 or d.shape[-2] != 3:
            raise ShapeError(f"{op}: diagonals in 'compact' format are [..., 3, M], "
                             f"received {rules.describe(d)}.")
        return d[..., 0, :], d[..., 1, :], d[..., 2, :]
    if diagonals_format == "sequence":
        sup, main, sub = (as_tensor(t) for t in diagonals)
        return sup, main, sub
    if diagonals_format == "matrix":
        x = as_tensor(diagonals)
        n = _square_n(x, op)
        zero = zeros_like(x[..., :1, 0])
        sup = _concat([diag_part(x, k=1), zero]) if n > 1 else zero
        sub = _concat([zero, diag_part(x, k=-1)]) if n > 1 else zero
        return sup, diag_part(x), sub
    raise InvalidArgumentError(f"{op}: diagonals_format must be 'compact', 'sequence' or "
                               f"'matrix', received {diagonals_format!r}.")


def _concat(parts: list) -> Any:
    return sh.concat(parts, axis=-1)


def _tridiag_dense(sup: Any, main: Any, sub: Any) -> Any:
    n = main.shape[-1]
    dt = main.dtype._numpy()
    up = as_tensor(np.eye(n, k=1, dtype=dt))      # (i, i+1): super[i]
    dn = as_tensor(np.eye(n, k=-1, dtype=dt))     # (i, i-1): sub[i]
    return m.add(m.add(m.multiply(sup[..., :, None], up), m.multiply(main[..., :, None],
                 _eye_for(main, n))), m.multiply(sub[..., :, None], dn))


def tridiagonal_matmul(diagonals: Any, rhs: Any, diagonals_format: str = "compact",
                       name: str | None = None) -> Any:
    """The product of a tridiagonal matrix, given by its diagonals, with `rhs [..., M, N]`
    (TF's `tf.linalg.tridiagonal_matmul`; formats 'compact' [..., 3, M], 'sequence'
    (super, main, sub) and 'matrix').

    Example:
        >>> import ember as tf
        >>> d = tf.constant([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 1.0, 1.0]])
        >>> tf.linalg.tridiagonal_matmul(d, tf.ones((3, 1))).numpy()
        array([[3.],
               [4.],
               [3.]], dtype=float32)
    """
    sup, main, sub = _tridiag_parts(diagonals, diagonals_format, "tridiagonal_matmul")
    return matmul(_tridiag_dense(sup, main, sub), as_tensor(rhs))


def tridiagonal_solve(diagonals: Any, rhs: Any, diagonals_format: str = "compact",
                      transpose_rhs: bool = False, conjugate_rhs: bool = False,
                      name: str | None = None, partial_pivoting: bool = True,
                      perturb_singular: bool = False) -> Any:
    """Solves a tridiagonal system (TF's `tf.linalg.tridiagonal_solve`), as a dense solve
    with partial pivoting; rhs [..., M, K] or [..., M].

    Example:
        >>> import ember as tf
        >>> d = tf.constant([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 1.0, 1.0]])
        >>> tf.linalg.tridiagonal_solve(d, tf.constant([3.0, 4.0, 3.0])).numpy().round(4)
        array([1., 1., 1.], dtype=float32)
    """
    sup, main, sub = _tridiag_parts(diagonals, diagonals_format, "tridiagonal_solve")
    b = as_tensor(rhs)
    if transpose_rhs:
        b = matrix_transpose(b)
    if conjugate_rhs and b.dtype.is_complex:
        b = m.conj(b)
    vector = b.shape.rank == main.shape.rank
    x = matrix_solve(_tridiag_dense(sup, main, sub), b[..., None] if vector else b)
    return x[..., 0] if vector else x


adjoint = adjoint
matrix_transpose = matrix_transpose

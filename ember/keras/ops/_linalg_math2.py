"""Keras 3's linear algebra (`keras.ops.linalg`, also top level) on ember's ops: LU with
partial pivoting (`det`, `slogdet`, `inv`, `solve`, `lu_factor`), Cholesky, triangular
solves, Householder QR, Jacobi eigenvalues (`eigh`) and one-sided Jacobi SVD (`svd`);
its users (`pinv`, `lstsq`, `matrix_rank`, `norm`) and `jvp` are in `_linalg_math4.py`.

The algorithms loop over the (static) matrix size in Python and are written with
ember's ops, so they run on batches, on KerasTensors and give gradients; they suit the
small matrices of models (their cost grows as n^3 to n^4 ops of size n). The Jacobi
methods run a fixed number of sweeps (enough for float64 at these sizes). `eig`
(non-symmetric) has no ember formulation: it runs on concrete values only.

Integer and boolean inputs are converted to floatx (float64 stays float64).

Example:
    >>> from ember import keras
    >>> round(float(keras.ops.linalg.det([[1.0, 2.0], [3.0, 4.0]])), 4)
    -2.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core.shape import TensorSpec
from ...core.tensor import Tensor
from ...ops import array_ops as A
from ...ops import linalg_ops as L
from ...ops import math_ops as M
from ...ops import reduce_ops as R
from ...ops.py_ops import numpy_function
from ...ops.sort_ops import argsort
from ...prims.convert import cast, convert_to_tensor
from ..engine.keras_tensor import KerasTensor
from ._dtypes import result_type, to_tensor

__all__ = ["cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "lu_factor", "qr",
           "solve", "solve_triangular", "svd", "slogdet", "logdet"]

_SWEEPS = 12  # Jacobi sweeps: quadratic convergence; ample for float64, n <= ~30


# -- helpers -------------------------------------------------------------------------

def _float(x: Any) -> Any:
    t = to_tensor(x)
    if t.dtype.is_floating or t.dtype.is_complex:
        return t
    return cast(t, result_type(t.dtype.name, float))


def _matrix(x: Any, op: str, square: bool = True, real: bool = True) -> tuple:
    """x as a float tensor of rank >= 2 with known matrix dims: (x, rows, cols)."""
    t = _float(x)
    if t.shape.rank is None or t.shape.rank < 2:
        raise ValueError(f"keras.ops.linalg.{op}: expected input to have rank >= 2 (a "
                         f"matrix or a batch of matrices), received shape {t.shape}.")
    m, n = t.shape[-2], t.shape[-1]
    if m is None or n is None:
        raise ValueError(f"keras.ops.linalg.{op}: the matrix dimensions must be known, "
                         f"received shape {t.shape}.")
    if square and m != n:
        raise ValueError(f"keras.ops.linalg.{op}: expected a square matrix (last two "
                         f"dimensions equal), received shape {t.shape}.")
    if real and t.dtype.is_complex:
        raise NotImplementedError(f"keras.ops.linalg.{op}: complex matrices are not "
                                  f"supported by ember; received dtype {t.dtype.name}.")
    return t, m, n


def _eye(n: int, dtype: str) -> np.ndarray:
    return np.eye(n, dtype=dtype)


def _unit(n: int, k: int, dtype: str) -> np.ndarray:
    e = np.zeros(n, dtype=dtype)
    e[k] = 1
    return e


def _outer(u: Any, v: Any) -> Any:
    return M.multiply(A.expand_dims(u, -1), A.expand_dims(v, -2))


def _mT(x: Any) -> Any:
    rank = x.shape.rank
    return A.transpose(x, list(range(rank - 2)) + [rank - 1, rank - 2])


def _diag(x: Any) -> Any:
    """The diagonal of the last two axes (square)."""
    return L.einsum("...ii->...i", x)


def _safe(d: Any) -> Any:
    """d with its zeros replaced by ones (a divisor that is never 0)."""
    return M.where(M.equal(d, 0.0), M.add(M.multiply(d, 0.0), 1.0), d)


def _symmetric(a: Any) -> Any:
    """(a + a^T) / 2: the same matrix for a symmetric one; gradients come out symmetric,
    as TensorFlow's for cholesky and eigh."""
    return M.multiply(M.add(a, _mT(a)), 0.5)


def _concrete(t: Any) -> bool:
    return isinstance(t, Tensor) and hasattr(t, "numpy")


def _vector_b(a: Any, b: Any) -> bool:
    """b is a (batch of) vector(s): 1-D, or one rank below a (Keras 3 on TensorFlow)."""
    return b.shape.rank == 1 or b.shape.rank == a.shape.rank - 1


# -- LU with partial pivoting ------------------------------------------------------------

def _swap(x: Any, k: int, e_p: Any, size: int) -> Any:
    """x with row k swapped with row p (e_p: one-hot of p) along axis -2."""
    e_k = _unit(size, k, x.dtype.name)
    row_k = x[..., k, :]
    row_p = L.einsum("...m,...mn->...n", e_p, x)
    diff = M.subtract(row_p, row_k)
    return M.add(M.add(x, M.multiply(e_k[:, None], A.expand_dims(diff, -2))),
                 M.multiply(A.expand_dims(e_p, -1), A.expand_dims(M.negative(diff), -2)))


def _lu(a: Any) -> tuple:
    """Packed LU of a (..., m, n) with partial pivoting: (lu, pivots, one-hot pivots,
    parity sign). pivots[k]: the row swapped with row k at step k (LAPACK's ipiv)."""
    m, n = a.shape[-2], a.shape[-1]
    dtype = a.dtype.name
    rows = np.arange(m)
    pivots, onehots = [], []
    sign = None
    for k in range(min(m, n)):
        below = M.multiply(M.abs(a[..., :, k]), (rows >= k).astype(dtype))
        p = R.argmax(M.subtract(below, (rows < k).astype(dtype)), axis=-1)
        e_p = A.one_hot(p, m, dtype=dtype)
        a = _swap(a, k, e_p, m)
        flip = M.subtract(1.0, M.multiply(2.0, cast(M.not_equal(p, k), dtype)))
        sign = flip if sign is None else M.multiply(sign, flip)
        pivots.append(p)
        onehots.append(e_p)
        col = a[..., :, k]
        pivot = A.expand_dims(_safe(a[..., k, k]), -1)
        lower = M.multiply(M.divide(col, pivot), (rows > k).astype(dtype))
        top = M.multiply(a[..., k, :], (np.arange(n) > k).astype(dtype))
        a = M.subtract(a, _outer(lower, top))  # eliminate below the pivot
        fix = M.subtract(lower, M.multiply(col, (rows > k).astype(dtype)))
        a = M.add(a, _outer(fix, _unit(n, k, dtype)))  # store the multipliers in column k
    if sign is None:
        sign = M.add(M.multiply(R.reduce_sum(a, axis=[-2, -1]), 0.0), 1.0)
    return a, pivots, onehots, sign


def _tri_solve(a: Any, b: Any, lower: bool, unit: bool = False) -> Any:
    """Solves a x = b for triangular a (..., n, n), b (..., n, k), row by row; only a's
    `lower` (or upper) triangle is read."""
    n = a.shape[-1]
    xs: list = [None] * n
    order = range(n) if lower else range(n - 1, -1, -1)
    for i in order:
        rhs = b[..., i, :]
        done = [j for j in (range(i) if lower else range(i + 1, n))]
        if done:
            coef = A.stack([a[..., i, j] for j in done], -1)
            prev = A.stack([xs[j] for j in done], -2)
            rhs = M.subtract(rhs, L.einsum("...j,...jk->...k", coef, prev))
        xs[i] = rhs if unit else M.divide(rhs, A.expand_dims(a[..., i, i], -1))
    return A.stack(xs, -2)


def _lu_solve(lu: Any, onehots: list, b: Any) -> Any:
    n = lu.shape[-1]
    for k, e_p in enumerate(onehots):  # the row swaps of the factorization, in order
        b = _swap(b, k, e_p, n)
    y = _tri_solve(lu, b, lower=True, unit=True)
    return _tri_solve(lu, y, lower=False)


def det(x: Any) -> Any:
    """The determinant of a square matrix (or of each in a batch).

    Example:
        >>> from ember import keras
        >>> float(keras.ops.linalg.det([[2.0, 1.0], [1.0, 3.0]]))
        5.0
    """
    a, _, _ = _matrix(x, "det")
    lu, _, _, sign = _lu(a)
    return M.multiply(sign, R.reduce_prod(_diag(lu), axis=-1))


def slogdet(x: Any) -> tuple:
    """The sign and the natural log of the absolute value of the determinant.

    Example:
        >>> from ember import keras
        >>> sign, logabsdet = keras.ops.slogdet([[-2.0, 0.0], [0.0, 1.0]])
        >>> float(sign), round(float(logabsdet), 4)
        (-1.0, 0.6931)
    """
    a, _, _ = _matrix(x, "slogdet")
    lu, _, _, sign = _lu(a)
    d = _diag(lu)
    sign = M.multiply(sign, R.reduce_prod(M.sign(d), axis=-1))
    return sign, R.reduce_sum(M.log(M.abs(d)), axis=-1)


def logdet(x: Any) -> Any:
    """The log-determinant of a symmetric positive-definite matrix (from its Cholesky
    factor: 2 * sum(log(diag(L)))).

    Example:
        >>> from ember import keras
        >>> round(float(keras.ops.logdet([[4.0, 0.0], [0.0, 1.0]])), 4)
        1.3863
    """
    a, _, _ = _matrix(x, "logdet")
    chol = _cholesky(_symmetric(a))
    return M.multiply(2.0, R.reduce_sum(M.log(_diag(chol)), axis=-1))


def lu_factor(x: Any) -> tuple:
    """The LU factorization with partial pivoting, packed as SciPy's `lu_factor`: (lu,
    pivots), L's unit diagonal implied; pivots[k] (int32) is the row swapped with row k.

    Example:
        >>> from ember import keras
        >>> lu, piv = keras.ops.linalg.lu_factor([[1.0, 2.0], [4.0, 4.0]])
        >>> lu.numpy(), piv.numpy()
        (array([[4.  , 4.  ],
               [0.25, 1.  ]], dtype=float32), array([1, 1], dtype=int32))
    """
    a, m, n = _matrix(x, "lu_factor", square=False)
    lu, pivots, _, _ = _lu(a)
    return lu, cast(A.stack(pivots, -1), "int32")


def solve(a: Any, b: Any) -> Any:
    """Solves a x = b for square a (..., n, n); b is (..., n, k) or (..., n).

    Example:
        >>> from ember import keras
        >>> keras.ops.linalg.solve([[2.0, 0.0], [0.0, 4.0]], [2.0, 2.0]).numpy()
        array([1. , 0.5], dtype=float32)
    """
    a, _, _ = _matrix(a, "solve")
    b = _float(b)
    dtype = result_type(a.dtype.name, b.dtype.name)
    a, b = cast(a, dtype), cast(b, dtype)
    vector = _vector_b(a, b)
    _check_rhs(a, b, vector, "solve")
    lu, _, onehots, _ = _lu(a)
    out = _lu_solve(lu, onehots, A.expand_dims(b, -1) if vector else b)
    return out[..., 0] if vector else out


def _check_rhs(a: Any, b: Any, vector: bool, op: str) -> None:
    rows = b.shape[-1] if vector else (b.shape[-2] if b.shape.rank >= 2 else None)
    if b.shape.rank < 1 or (rows is not None and rows != a.shape[-1]):
        raise ValueError(f"keras.ops.linalg.{op}: b must be (..., {a.shape[-1]}, k) or "
                         f"(..., {a.shape[-1]}) to match a of shape {a.shape}, received "
                         f"shape {b.shape}.")


def inv(x: Any) -> Any:
    """The inverse of a square matrix (or of each in a batch).

    Example:
        >>> from ember import keras
        >>> keras.ops.linalg.inv([[2.0, 0.0], [0.0, 4.0]]).numpy()
        array([[0.5 , 0.  ],
               [0.  , 0.25]], dtype=float32)
    """
    a, n, _ = _matrix(x, "inv")
    lu, _, onehots, _ = _lu(a)
    eye = M.add(M.multiply(a, 0.0), _eye(n, a.dtype.name))
    return _lu_solve(lu, onehots, eye)


def solve_triangular(a: Any, b: Any, lower: bool = False) -> Any:
    """Solves a x = b for triangular a (its `lower` or upper triangle is read); b is
    (..., n, k) or (..., n).

    Example:
        >>> from ember import keras
        >>> keras.ops.linalg.solve_triangular([[2.0, 1.0], [0.0, 1.0]], [3.0, 1.0]).numpy()
        array([1., 1.], dtype=float32)
    """
    a, _, _ = _matrix(a, "solve_triangular")
    b = _float(b)
    dtype = result_type(a.dtype.name, b.dtype.name)
    a, b = cast(a, dtype), cast(b, dtype)
    vector = _vector_b(a, b)
    _check_rhs(a, b, vector, "solve_triangular")
    out = _tri_solve(a, A.expand_dims(b, -1) if vector else b, lower=bool(lower))
    return out[..., 0] if vector else out


# -- Cholesky ----------------------------------------------------------------------------

def _cholesky(a: Any) -> Any:
    n = a.shape[-1]
    dtype = a.dtype.name
    cols: list = []
    for j in range(n):
        c = a[..., :, j]
        if cols:
            prev = A.stack(cols, -1)  # (..., n, j)
            c = M.subtract(c, L.einsum("...ik,...k->...i", prev, prev[..., j, :]))
        d = M.sqrt(c[..., j])
        below = (np.arange(n) > j).astype(dtype)
        col = M.add(M.multiply(M.divide(c, A.expand_dims(d, -1)), below),
                    M.multiply(A.expand_dims(d, -1), _unit(n, j, dtype)))
        cols.append(col)
    return A.stack(cols, -1)


def cholesky(x: Any, upper: bool = False) -> Any:
    """The Cholesky factor L (lower, a = L L^T) of a symmetric positive-definite matrix
    (a is symmetrized: (a + a^T) / 2); `upper=True` gives L^T. A concrete matrix that is not positive definite raises
    ValueError.

    Example:
        >>> from ember import keras
        >>> keras.ops.linalg.cholesky([[4.0, 2.0], [2.0, 2.0]]).numpy()
        array([[2., 0.],
               [1., 1.]], dtype=float32)
    """
    a, _, _ = _matrix(x, "cholesky")
    out = _cholesky(_symmetric(a))
    if _concrete(out) and not np.all(np.isfinite(out.numpy())):
        raise ValueError("keras.ops.linalg.cholesky: Cholesky decomposition failed: the "
                         "matrix is not positive definite.")
    return _mT(out) if upper else out


def cholesky_inverse(x: Any, upper: bool = False) -> Any:
    """The inverse of a = L L^T from its Cholesky factor L (`upper=True`: from U = L^T).

    Example:
        >>> from ember import keras
        >>> keras.ops.linalg.cholesky_inverse([[2.0, 0.0], [1.0, 1.0]]).numpy()
        array([[ 0.5, -0.5],
               [-0.5,  1. ]], dtype=float32)
    """
    a, n, _ = _matrix(x, "cholesky_inverse")
    eye = M.add(M.multiply(a, 0.0), _eye(n, a.dtype.name))
    inv_chol = _tri_solve(a, eye, lower=not upper)
    if upper:
        return L.matmul(inv_chol, _mT(inv_chol))
    return L.matmul(_mT(inv_chol), inv_chol)


# -- QR ------------------------------------------------------------------------------

def _householder(a: Any, complete: bool) -> tuple:
    m, n = a.shape[-2], a.shape[-1]
    dtype = a.dtype.name
    q = M.add(M.multiply(a[..., :1, :1], 0.0), _eye(m, dtype))  # (..., m, m)
    r = a
    rows = np.arange(m)
    for k in range(min(m - 1, n)):
        x = M.multiply(r[..., :, k], (rows >= k).astype(dtype))
        xk = r[..., k, k]
        size = M.sqrt(R.reduce_sum(M.square(x), axis=-1))
        alpha = M.multiply(M.negative(M.where(M.greater_equal(xk, 0.0),
                                              M.add(M.multiply(xk, 0.0), 1.0),
                                              M.add(M.multiply(xk, 0.0), -1.0))), size)
        v = M.subtract(x, M.multiply(A.expand_dims(alpha, -1), _unit(m, k, dtype)))
        vn = M.sqrt(R.reduce_sum(M.square(v), axis=-1))
        v = M.divide(v, A.expand_dims(_safe(vn), -1))
        r = M.subtract(r, M.multiply(2.0, _outer(v, L.einsum("...m,...mn->...n", v, r))))
        q = M.subtract(q, M.multiply(2.0, _outer(L.einsum("...im,...m->...i", q, v), v)))
    r = M.multiply(r, np.triu(np.ones((m, n), dtype)))
    if not complete:
        k = min(m, n)
        q, r = q[..., :, :k], r[..., :k, :]
    return q, r


def qr(x: Any, mode: str = "reduced") -> tuple:
    """The QR decomposition a = q r (Householder): `mode` 'reduced' gives q (..., m, k),
    r (..., k, n) with k = min(m, n); 'complete' gives q (..., m, m), r (..., m, n).

    Example:
        >>> from ember import keras
        >>> q, r = keras.ops.linalg.qr([[3.0, 0.0], [4.0, 5.0]])
        >>> (q @ r).numpy().round(4) + 0.0
        array([[3., 0.],
               [4., 5.]], dtype=float32)
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f"keras.ops.linalg.qr: mode argument value not supported; "
                         f"expected one of {{'reduced', 'complete'}}, received "
                         f"mode={mode!r}.")
    a, _, _ = _matrix(x, "qr", square=False)
    return _householder(a, mode == "complete")


# -- Jacobi: eigh, svd ----------------------------------------------------------------

def _rotation(n: int, p: int, q: int, c: Any, s: Any, dtype: str) -> Any:
    """The Jacobi rotation J (..., n, n): identity but J[p,p] = J[q,q] = c, J[p,q] = s,
    J[q,p] = -s."""
    pp = np.zeros((n, n), dtype)
    pp[p, p] = pp[q, q] = 1
    pq = np.zeros((n, n), dtype)
    pq[p, q], pq[q, p] = 1, -1
    c, s = A.expand_dims(A.expand_dims(c, -1), -1), A.expand_dims(A.expand_dims(s, -1), -1)
    return M.add(M.add(_eye(n, dtype) - pp, M.multiply(c, pp)), M.multiply(s, pq))


def _angle(diag_p: Any, diag_q: Any, off: Any) -> tuple:
    """cos and sin of the rotation that zeroes `off` in [[diag_p, off], [off, diag_q]].

    t = tan = 2 off sgn(d) / (|d| + sqrt(d^2 + 4 off^2)), d = diag_q - diag_p: no division
    by `off` (which goes to 0 as the method converges), so no inf * 0 in gradients."""
    d = M.subtract(diag_q, diag_p)
    one = M.add(M.multiply(d, 0.0), 1.0)
    sgn = M.where(M.greater_equal(d, 0.0), one, M.negative(one))
    r = M.add(M.square(d), M.multiply(4.0, M.square(off)))
    root = M.where(M.equal(r, 0.0), M.multiply(r, 0.0), M.sqrt(_safe(r)))
    t = M.divide(M.multiply(M.multiply(2.0, off), sgn), _safe(M.add(M.abs(d), root)))
    c = M.rsqrt(M.add(M.square(t), 1.0))
    return c, M.multiply(t, c)


def _sort_by(values: Any, vectors: Any, descending: bool) -> tuple:
    """values sorted along the last axis, and the columns of vectors in that order."""
    n = values.shape[-1]
    order = argsort(values, axis=-1, direction="DESCENDING" if descending else "ASCENDING",
                    stable=True)
    perm = A.one_hot(order, n, dtype=values.dtype.name)  # perm[..., i, k]: order[i] == k
    sorted_values = L.einsum("...ik,...k->...i", perm, values)
    if vectors is None:
        return sorted_values, None
    return sorted_values, L.einsum("...mk,...ik->...mi", vectors, perm)


def _jacobi_eigh(a: Any) -> tuple:
    n = a.shape[-1]
    dtype = a.dtype.name
    v = M.add(M.multiply(a, 0.0), _eye(n, dtype))
    for _ in range(_SWEEPS if n > 1 else 0):
        for p in range(n - 1):
            for q in range(p + 1, n):
                c, s = _angle(a[..., p, p], a[..., q, q], a[..., p, q])
                j = _rotation(n, p, q, c, s, dtype)
                a = L.matmul(_mT(j), L.matmul(a, j))
                v = L.matmul(v, j)
    return _diag(a), v


def eigh(x: Any) -> tuple:
    """The eigenvalues (ascending) and eigenvectors (columns) of a real symmetric matrix
    (Jacobi's method; the lower and upper triangles are averaged).

    Example:
        >>> from ember import keras
        >>> w, v = keras.ops.linalg.eigh([[2.0, 1.0], [1.0, 2.0]])
        >>> w.numpy().round(4)
        array([1., 3.], dtype=float32)
    """
    a, _, _ = _matrix(x, "eigh")
    a = _symmetric(a)
    w, v = _jacobi_eigh(a)
    return _sort_by(w, v, descending=False)


def _one_sided_jacobi(a: Any) -> tuple:
    """a (..., m, n), m >= n: (w, v) with w = a v of orthogonal columns, v orthogonal."""
    n = a.shape[-1]
    dtype = a.dtype.name
    v = M.add(M.multiply(a[..., :1, :1], 0.0), _eye(n, dtype))
    for _ in range(_SWEEPS if n > 1 else 0):
        for p in range(n - 1):
            for q in range(p + 1, n):
                wp, wq = a[..., :, p], a[..., :, q]
                c, s = _angle(R.reduce_sum(M.square(wp), -1), R.reduce_sum(M.square(wq), -1),
                              R.reduce_sum(M.multiply(wp, wq), -1))
                j = _rotation(n, p, q, c, s, dtype)
                a = L.matmul(a, j)
                v = L.matmul(v, j)
    return a, v


def _svd(a: Any, full: bool, uv: bool) -> Any:
    m, n = a.shape[-2], a.shape[-1]
    if m < n:
        out = _svd(_mT(a), full, uv)
        if not uv:
            return out
        u, s, vh = out
        return _mT(vh), s, _mT(u)
    w, v = _one_sided_jacobi(a)
    s = M.sqrt(R.reduce_sum(M.square(w), axis=-2))
    s, v = _sort_by(s, v, descending=True)
    if not uv:
        return s
    w = L.matmul(a, v)  # the sorted columns
    u0 = M.divide(w, A.expand_dims(_safe(s), -2))
    q, r = _householder(u0, complete=full)  # orthonormal, completed where needed
    signs = M.sign(_diag(r[..., :n, :]))
    signs = M.where(M.equal(signs, 0.0), M.add(M.multiply(signs, 0.0), 1.0), signs)
    first = M.multiply(q[..., :, :n], A.expand_dims(signs, -2))
    u = A.concat([first, q[..., :, n:]], -1) if full and m > n else first
    return u, s, _mT(v)


def svd(x: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """The singular value decomposition a = u diag(s) vh: (u, s, vh), singular values
    descending; `compute_uv=False` gives s only; `full_matrices=False` gives u (..., m, k)
    and vh (..., k, n), k = min(m, n). One-sided Jacobi.

    Example:
        >>> from ember import keras
        >>> keras.ops.linalg.svd([[3.0, 0.0], [0.0, -4.0]], compute_uv=False).numpy()
        array([4., 3.], dtype=float32)
    """
    a, _, _ = _matrix(x, "svd", square=False)
    return _svd(a, bool(full_matrices), bool(compute_uv))


def eig(x: Any) -> tuple:
    """The eigenvalues and right eigenvectors (columns) of a square matrix, complex (as
    Keras 3 on TensorFlow). No gradient: ember has no general eigen-solver op, so the
    values come from NumPy (inside `ember.function` as a host call; on KerasTensors the
    outputs are complex KerasTensors of the eigen shapes). For symmetric matrices `eigh`
    is differentiable.

    Example:
        >>> from ember import keras
        >>> w, v = keras.ops.linalg.eig([[2.0, 0.0], [0.0, 3.0]])
        >>> w.numpy()
        array([2.+0.j, 3.+0.j], dtype=complex64)
    """
    a, _, _ = _matrix(x, "eig")
    cdt = "complex128" if a.dtype.name == "float64" else "complex64"
    shape = list(a.shape)
    if isinstance(a, KerasTensor):  # Keras 3 says float; the values are complex
        return KerasTensor(tuple(shape[:-1]), cdt), KerasTensor(tuple(shape), cdt)

    def run(m: np.ndarray) -> tuple:
        w, v = np.linalg.eig(m)
        return w.astype(cdt), v.astype(cdt)

    if not _concrete(a):  # inside ember.function
        return tuple(numpy_function(run, [a], [TensorSpec(shape[:-1], cdt),
                                               TensorSpec(shape, cdt)]))
    w, v = run(a.numpy())
    return convert_to_tensor(w), convert_to_tensor(v)

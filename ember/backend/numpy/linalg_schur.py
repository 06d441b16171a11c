"""NumPy kernels of the matrix square root and logarithm by a complex Schur decomposition,
exact for every matrix that has a principal root / logarithm, diagonalizable or not
(a Jordan block included). Plain NumPy functions over arrays: no ember types.

- `schur(a)`: `a = z t z^H`, t upper triangular, z unitary. SciPy's LAPACK kernel
  (`scipy.linalg.schur`) when SciPy is importable, else `schur_numpy`: Householder
  reduction to Hessenberg form, then single-shift complex QR iterations (Wilkinson shifts,
  exceptional shifts when stuck) with deflation.
- `sqrtm_triangular(t)`: the principal square root of an upper-triangular t by the
  Bjorck-Hammarling recurrence `u_ij = (t_ij - sum_k u_ik u_kj) / (u_ii + u_jj)`.
- `logm_triangular(t)`: the principal logarithm by inverse scaling and squaring: square
  roots until `||t - I||_1 <= 1/4`, then the [8/8] Pade approximant of log(I + X) in its
  partial-fraction form (8-point Gauss-Legendre quadrature of `X (I + sX)^-1` over s in
  [0, 1]), times `2^s`.

Example:
    >>> import numpy as np
    >>> from ember.backend.numpy.linalg_schur import sqrtm_kernel
    >>> sqrtm_kernel(np.array([[4.0, 1.0], [0.0, 4.0]]))
    array([[2.  , 0.25],
           [0.  , 2.  ]])
"""

from __future__ import annotations

import importlib

import numpy as np

__all__ = ["schur", "schur_numpy", "sqrtm_triangular", "logm_triangular", "sqrtm_kernel",
           "logm_kernel"]

_EPS = np.finfo(np.float64).eps
# NOTE: the [m/m] Pade approximant of log(1 + x) is accurate to double precision for
# |x| <= 0.264 at m = 7 (Higham, "Functions of Matrices", table 11.1); m = 8 with the
# threshold 0.25 leaves a margin for non-normal X.
_PADE_M = 8
_THETA = 0.25
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(_PADE_M)
_NODES, _WEIGHTS = (_NODES + 1) / 2, _WEIGHTS / 2


def _scipy_schur():
    """scipy.linalg.schur, or None where SciPy is not installed (looked up on each call:
    importing ember never loads SciPy, and tests can hide it)."""
    try:
        return importlib.import_module("scipy.linalg").schur
    except ImportError:  # pragma: no cover - SciPy is an optional kernel
        return None


def _hessenberg(a: np.ndarray) -> tuple:
    """(h, q) with a = q h q^H, h upper Hessenberg, q unitary (Householder)."""
    h = np.array(a, np.complex128)
    n = h.shape[0]
    q = np.eye(n, dtype=np.complex128)
    for k in range(n - 2):
        x = h[k + 1:, k].copy()
        alpha = np.linalg.norm(x)
        if alpha == 0.0:
            continue
        phase = x[0] / abs(x[0]) if x[0] != 0 else 1.0
        x[0] += phase * alpha
        v = x / np.linalg.norm(x)
        h[k + 1:, k:] -= 2.0 * np.outer(v, v.conj() @ h[k + 1:, k:])
        h[:, k + 1:] -= 2.0 * np.outer(h[:, k + 1:] @ v, v.conj())
        q[:, k + 1:] -= 2.0 * np.outer(q[:, k + 1:] @ v, v.conj())
        h[k + 2:, k] = 0.0
    return h, q


def _shift(t: np.ndarray, hi: int, it: int) -> complex:
    """The Wilkinson shift: the eigenvalue of the trailing 2 x 2 nearest t[hi, hi];
    an exceptional shift every 10th iteration without deflation."""
    if it % 10 == 0:
        return t[hi, hi] + abs(t[hi, hi - 1])
    a, b, c, d = t[hi - 1, hi - 1], t[hi - 1, hi], t[hi, hi - 1], t[hi, hi]
    half = (a - d) / 2
    disc = np.sqrt(half * half + b * c)
    mu1, mu2 = (a + d) / 2 + disc, (a + d) / 2 - disc
    return mu1 if abs(mu1 - d) <= abs(mu2 - d) else mu2


def _qr_sweep(t: np.ndarray, z: np.ndarray, lo: int, hi: int, mu: complex) -> None:
    """One explicit shifted QR step on the window [lo, hi], in place on the whole t (so t
    stays similar to the input) and z."""
    idx = np.arange(lo, hi + 1)
    t[idx, idx] -= mu
    rots = []
    for k in range(lo, hi):
        x, y = t[k, k], t[k + 1, k]
        r = np.hypot(abs(x), abs(y))
        c, s = (1.0, 0.0) if r == 0 else (x / r, y / r)
        g = np.array([[np.conj(c), np.conj(s)], [-s, c]])
        t[k:k + 2, k:] = g @ t[k:k + 2, k:]
        rots.append(g)
    for k, g in zip(range(lo, hi), rots):
        gh = g.conj().T
        t[:k + 2, k:k + 2] = t[:k + 2, k:k + 2] @ gh
        z[:, k:k + 2] = z[:, k:k + 2] @ gh
    t[idx, idx] += mu


def schur_numpy(a: np.ndarray) -> tuple:
    """The complex Schur decomposition `a = z t z^H` of one square matrix in NumPy alone.

    Example:
        >>> import numpy as np
        >>> from ember.backend.numpy.linalg_schur import schur_numpy
        >>> t, z = schur_numpy(np.array([[0.0, 1.0], [-2.0, -3.0]]))
        >>> np.sort(np.diag(t).real).round(6)
        array([-2., -1.])
    """
    n = a.shape[0]
    t, z = _hessenberg(a)
    scale = max(float(np.abs(t).sum(axis=0).max(initial=0.0)), np.finfo(float).tiny)
    hi, it, total = n - 1, 0, 0
    while hi > 0:
        lo = hi
        while lo > 0:
            s = abs(t[lo - 1, lo - 1]) + abs(t[lo, lo])
            if abs(t[lo, lo - 1]) <= _EPS * (s if s > 0 else scale):
                t[lo, lo - 1] = 0.0
                break
            lo -= 1
        if lo == hi:
            hi, it = hi - 1, 0
            continue
        it, total = it + 1, total + 1
        if total > 60 * n:
            raise np.linalg.LinAlgError("schur: the QR iteration did not converge")
        _qr_sweep(t, z, lo, hi, _shift(t, hi, it))
    return np.triu(t), z


def schur(a: np.ndarray) -> tuple:
    """(t, z): the complex Schur form of one square matrix, by SciPy's LAPACK kernel
    where SciPy is importable, else by `schur_numpy`.

    Example:
        >>> import numpy as np
        >>> from ember.backend.numpy.linalg_schur import schur
        >>> t, z = schur(np.array([[2.0, 1.0], [0.0, 3.0]]))
        >>> np.allclose(z @ t @ z.conj().T, [[2.0, 1.0], [0.0, 3.0]])
        True
    """
    sp_schur = _scipy_schur()
    if sp_schur is None:
        return schur_numpy(a)
    t, z = sp_schur(np.asarray(a, np.complex128), output="complex")
    return t, z


def sqrtm_triangular(t: np.ndarray) -> np.ndarray:
    """The principal square root of an upper-triangular matrix (NaN entries where none
    exists: two eigenvalues whose roots cancel with a non-zero coupling).

    Example:
        >>> import numpy as np
        >>> from ember.backend.numpy.linalg_schur import sqrtm_triangular
        >>> sqrtm_triangular(np.array([[4.0, 5.0], [0.0, 9.0]]) + 0j).real
        array([[2., 1.],
               [0., 3.]])
    """
    n = t.shape[0]
    u = np.zeros_like(t, dtype=np.complex128)
    d = np.sqrt(np.diag(t).astype(np.complex128))
    u[np.arange(n), np.arange(n)] = d
    for k in range(1, n):  # the k-th superdiagonal, all of its entries at once
        i = np.arange(n - k)
        j = i + k
        num = t[i, j].astype(np.complex128)
        if k > 1:
            mid = i[:, None] + np.arange(1, k)[None, :]
            num = num - np.sum(u[i[:, None], mid] * u[mid, j[:, None]], axis=1)
        den = d[i] + d[j]
        # NOTE: 0 / 0 (a zero eigenvalue, uncoupled) is 0, as SciPy; c / 0 has no root.
        with np.errstate(divide="ignore", invalid="ignore"):
            u[i, j] = np.where(den == 0, np.where(num == 0, 0, np.nan), num / np.where(
                den == 0, 1, den))
    return u


def logm_triangular(t: np.ndarray) -> np.ndarray:
    """The principal logarithm of an upper-triangular matrix by inverse scaling and
    squaring (-inf / NaN entries for a singular one, which has no logarithm).

    Example:
        >>> import numpy as np
        >>> from ember.backend.numpy.linalg_schur import logm_triangular
        >>> logm_triangular(np.array([[1.0, 1.0], [0.0, 1.0]]) + 0j).real.round(12)
        array([[0., 1.],
               [0., 0.]])
    """
    n = t.shape[0]
    t = t.astype(np.complex128)
    diag = np.diag(t)
    if np.any(diag == 0):
        out = np.full((n, n), np.nan + 0j)
        out[np.arange(n), np.arange(n)] = -np.inf
        return out
    eye = np.eye(n, dtype=np.complex128)
    r, s = t, 0
    while np.abs(r - eye).sum(axis=0).max(initial=0.0) > _THETA and s < 64:
        r, s = sqrtm_triangular(r), s + 1
    x = r - eye
    log = np.zeros_like(x)
    for node, w in zip(_NODES, _WEIGHTS):
        log += w * np.linalg.solve(eye + node * x, x)
    log *= 2.0 ** s
    # NOTE: the diagonal is known exactly; the quadrature's is a rounding of it.
    log[np.arange(n), np.arange(n)] = np.log(diag)
    return np.triu(log)


def _schur_function(a: np.ndarray, triangular) -> np.ndarray:
    """f(a) = z f(t) z^H for a batch [..., n, n]; real input gives the real part."""
    if a.size == 0:
        return np.zeros_like(a)
    flat = a.reshape((-1,) + a.shape[-2:]).astype(np.complex128)
    out = np.empty_like(flat)
    for k, m in enumerate(flat):
        if not np.all(np.isfinite(m)):
            out[k] = np.nan
            continue
        t, z = schur(m)
        out[k] = z @ triangular(t) @ z.conj().T
    out = out.reshape(a.shape)
    return (out if a.dtype.kind == "c" else out.real).astype(a.dtype)


def sqrtm_kernel(a: np.ndarray) -> np.ndarray:
    """The principal square roots of `[..., n, n]` matrices (Schur method).

    Example:
        >>> import numpy as np
        >>> from ember.backend.numpy.linalg_schur import sqrtm_kernel
        >>> sqrtm_kernel(np.array([[0.0, 0.0], [0.0, 9.0]]))
        array([[0., 0.],
               [0., 3.]])
    """
    return _schur_function(a, sqrtm_triangular)


def logm_kernel(a: np.ndarray) -> np.ndarray:
    """The principal logarithms of `[..., n, n]` matrices (Schur method, inverse scaling
    and squaring).

    Example:
        >>> import numpy as np
        >>> from ember.backend.numpy.linalg_schur import logm_kernel
        >>> logm_kernel(np.array([[1.0 + 0j, 1.0], [0.0, 1.0]])).real.round(12)
        array([[0., 1.],
               [0., 0.]])
    """
    return _schur_function(a, logm_triangular)

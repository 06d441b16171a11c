"""tf.linalg's banded and tridiagonal eigen helpers, as composites: banded_triangular_solve
(TF's band storage) and eigh_tridiagonal.

Example:
    >>> import ember as tf
    >>> tf.linalg.eigh_tridiagonal([2.0, 2.0], [1.0]).numpy().round(4)
    array([1., 3.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import rules
from ..core.errors import InvalidArgumentError, ShapeError
from ..prims.convert import as_tensor, cast
from ..prims.linalg import einsum
from ..prims.linalg_decomp import matrix_triangular_solve, self_adjoint_eig
from . import math_ops as m

__all__ = ["banded_triangular_solve", "eigh_tridiagonal"]


def _band_selector(k: int, n: int, lower: bool, dtype: Any) -> np.ndarray:
    """sel[r, i, j] = 1 where band row r, column i of TF's storage holds entry (i, j)."""
    sel = np.zeros((k, n, n), dtype)
    for r_ in range(k):
        off = r_ if lower else k - 1 - r_
        for i in range(n):
            j = i - off if lower else i + off
            if 0 <= j < n:
                sel[r_, i, j] = 1
    return sel


def banded_triangular_solve(bands: Any, rhs: Any, lower: bool = True, adjoint: bool = False,
                            name: str | None = None) -> Any:
    """Solves a triangular system whose matrix is given by its K bands `[..., K, N]`
    (TF's `tf.linalg.banded_triangular_solve`): lower: row 0 the diagonal, row k the k-th
    subdiagonal padded on the left; upper: the last row the diagonal, superdiagonals
    above it padded on the right.

    Example:
        >>> import ember as tf
        >>> bands = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> tf.linalg.banded_triangular_solve(bands, tf.constant([[1.0], [2.0], [3.0]])).numpy()
        array([[ 1. ],
               [-1.5],
               [ 4. ]], dtype=float32)
    """
    b = as_tensor(bands)
    if b.shape.rank is None or b.shape.rank < 2 or None in (b.shape[-2], b.shape[-1]):
        raise ShapeError(f"banded_triangular_solve: bands must be [..., K, N] with known "
                         f"K, N, received {rules.describe(b)}.")
    k, n = b.shape[-2], b.shape[-1]
    if k > n:
        raise ShapeError(f"banded_triangular_solve: K = {k} bands exceed N = {n}.")
    sel = as_tensor(_band_selector(k, n, lower, b.dtype._numpy()))
    dense = einsum("...ri,rij->...ij", b, sel)
    return matrix_triangular_solve(dense, cast(as_tensor(rhs), b.dtype), lower=lower,
                                   adjoint=adjoint)


def eigh_tridiagonal(alpha: Any, beta: Any, eigvals_only: bool = True, select: str = "a",
                     select_range: Any = None, tol: Any = None,
                     name: str | None = None) -> Any:
    """The eigenvalues (ascending), and with eigvals_only=False the eigenvectors, of the
    Hermitian tridiagonal matrix with diagonal `alpha [N]` and subdiagonal `beta [N-1]`
    (TF's `tf.linalg.eigh_tridiagonal`; select 'a' (all) or 'i' (an index range
    [lo, hi]); 'v' is not supported).

    Example:
        >>> import ember as tf
        >>> tf.linalg.eigh_tridiagonal([1.0, 2.0, 3.0], [1.0, 1.0]).numpy().round(4)
        array([0.2679, 2.    , 3.7321], dtype=float32)
    """
    a = as_tensor(alpha)
    b = cast(as_tensor(beta), a.dtype) if not as_tensor(beta).dtype.is_complex \
        else as_tensor(beta)
    if a.shape.rank != 1 or b.shape.rank != 1 or b.shape[0] != max(a.shape[0] - 1, 0):
        raise ShapeError(f"eigh_tridiagonal: alpha must be [N] and beta [N - 1], received "
                         f"{rules.describe(a, b)}.")
    n = a.shape[0]
    dt = b.dtype
    if dt.is_complex and not a.dtype.is_complex:
        a = cast(a, dt)
    npd = dt._numpy()
    sub = np.zeros((max(n - 1, 0), n, n), npd)
    sup = np.zeros((max(n - 1, 0), n, n), npd)
    for i in range(n - 1):
        sub[i, i + 1, i] = 1
        sup[i, i, i + 1] = 1
    dense = m.add(einsum("i,ij->ij", a, as_tensor(np.eye(n, dtype=npd))),
                  einsum("k,kij->ij", b, as_tensor(sub)))
    bc = m.conj(b) if dt.is_complex else b
    dense = m.add(dense, einsum("k,kij->ij", bc, as_tensor(sup)))
    e, v = self_adjoint_eig(dense)
    if select in ("i", "index"):
        lo, hi = (int(x) for x in select_range)
        e, v = e[lo:hi + 1], v[:, lo:hi + 1]
    elif select not in ("a", "all"):
        raise InvalidArgumentError(f"eigh_tridiagonal: select={select!r} is not supported; "
                                   f"use 'a' (all) or 'i' (an index range).")
    return e if eigvals_only else (e, v)

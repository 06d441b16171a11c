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
from ..core.errors import InvalidArgumentError, ShapeError, SymbolicValueError
from ..prims.convert import as_tensor, cast
from ..prims.linalg import einsum
from ..prims.linalg_decomp import matrix_triangular_solve, self_adjoint_eig
from . import math_ops as m
from .gather_ops import boolean_mask

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


def _check_select(select: Any, select_range: Any, n: int) -> tuple:
    """select normalized to 'a', 'v' or 'i', with its range checked (Python numbers where
    they are known; a 'v' range may be tensors)."""
    sel = {"a": "a", "all": "a", "v": "v", "value": "v", "i": "i", "index": "i"}.get(
        select if isinstance(select, str) else None)
    if sel is None:
        raise InvalidArgumentError(f"eigh_tridiagonal: select must be 'a' (all), 'v' (the "
                                   f"values in (vl, vu]) or 'i' (the indices [lo, hi]), "
                                   f"received {select!r}.")
    if sel == "a":
        return sel, None
    try:
        ok = len(select_range) == 2
    except TypeError:
        ok = False
    if not ok:
        raise InvalidArgumentError(f"eigh_tridiagonal: select={select!r} needs "
                                   f"select_range=(low, high), received {select_range!r}.")
    lo, hi = select_range[0], select_range[1]
    if sel == "i":
        lo, hi = int(lo), int(hi)
        if not 0 <= lo <= hi < n:
            raise InvalidArgumentError(f"eigh_tridiagonal: select='i' needs 0 <= lo <= hi < "
                                       f"N = {n}, received select_range=({lo}, {hi}).")
        return sel, (lo, hi)
    try:
        empty = float(lo) >= float(hi)
    except (TypeError, ValueError, SymbolicValueError):
        empty = False  # symbolic bounds: not checked until run
    if empty:
        raise InvalidArgumentError(f"eigh_tridiagonal: got an empty interval in "
                                   f"select_range: ({float(lo)}, {float(hi)}]; select='v' "
                                   f"needs vl < vu.")
    return sel, (lo, hi)


def eigh_tridiagonal(alpha: Any, beta: Any, eigvals_only: bool = True, select: str = "a",
                     select_range: Any = None, tol: Any = None,
                     name: str | None = None) -> Any:
    """The eigenvalues (ascending, real), and with eigvals_only=False the orthonormal
    eigenvectors (columns, `[N, K]`), of the Hermitian tridiagonal matrix with diagonal
    `alpha [N]`, superdiagonal `beta [N-1]` and subdiagonal `conj(beta)` (TF's
    `tf.linalg.eigh_tridiagonal`).

    Args:
        alpha: the diagonal `[N]`, real or complex (its imaginary part is ignored).
        beta: the superdiagonal `[N - 1]`, real or complex.
        eigvals_only: return the eigenvalues alone (default), else (values, vectors).
        select: 'a' all; 'v' those in the half-open interval `(vl, vu]`; 'i' the
            eigenvalues of indices `[lo, hi]` (inclusive, ascending order).
        select_range: `(vl, vu)` or `(lo, hi)`, for select 'v' or 'i'.
        tol: ignored (ember solves the dense Hermitian problem to machine precision).
        name: ignored.

    Returns:
        The eigenvalues `[K]`, or `(eigenvalues, eigenvectors [N, K])`.

    Example:
        >>> import ember as tf
        >>> tf.linalg.eigh_tridiagonal([1.0, 2.0, 3.0], [1.0, 1.0]).numpy().round(4)
        array([0.2679, 2.    , 3.7321], dtype=float32)
        >>> tf.linalg.eigh_tridiagonal([1.0, 2.0, 3.0], [1.0, 1.0], select="v",
        ...                            select_range=[1.0, 3.0]).numpy().round(4)
        array([2.], dtype=float32)
    """
    a = as_tensor(alpha)
    b = cast(as_tensor(beta), a.dtype) if not as_tensor(beta).dtype.is_complex \
        else as_tensor(beta)
    if a.shape.rank != 1 or b.shape.rank != 1 or b.shape[0] != max(a.shape[0] - 1, 0):
        raise ShapeError(f"eigh_tridiagonal: alpha must be [N] and beta [N - 1], received "
                         f"{rules.describe(a, b)}.")
    n = a.shape[0]
    sel, rng = _check_select(select, select_range, n)
    dt = b.dtype
    if dt.is_complex and not a.dtype.is_complex:
        a = cast(a, dt)
    npd = dt._numpy()
    sub = np.zeros((max(n - 1, 0), n, n), npd)
    sup = np.zeros((max(n - 1, 0), n, n), npd)
    for i in range(n - 1):
        sub[i, i + 1, i] = 1
        sup[i, i, i + 1] = 1
    # NOTE: TF's convention: beta above the diagonal, conj(beta) below (it matters for
    # the eigenvectors of complex input; self_adjoint_eig reads the lower triangle).
    bc = m.conj(b) if dt.is_complex else b
    dense = m.add(einsum("i,ij->ij", a, as_tensor(np.eye(n, dtype=npd))),
                  einsum("k,kij->ij", bc, as_tensor(sub)))
    dense = m.add(dense, einsum("k,kij->ij", b, as_tensor(sup)))
    e, v = self_adjoint_eig(dense)
    if sel == "i":
        e, v = e[rng[0]:rng[1] + 1], v[:, rng[0]:rng[1] + 1]
    elif sel == "v":
        vl, vu = (cast(as_tensor(x), e.dtype) for x in rng)
        keep = m.logical_and(m.greater(e, vl), m.less_equal(e, vu))
        e = boolean_mask(e, keep)
        v = boolean_mask(v, keep, axis=1)
    return e if eigvals_only else (e, v)

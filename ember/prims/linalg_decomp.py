"""The matrix decompositions of `tf.linalg` as primitives, with their gradients:
cholesky, matrix_triangular_solve, matrix_solve, matrix_determinant,
log_matrix_determinant, qr, svd, self_adjoint_eig and eig (lu is in `prims/linalg_lu.py`,
the matrix functions expm, sqrtm and logm in `prims/linalg_matfunc.py`). Every one works on the last two
axes and is batched over the leading ones.

The gradients follow TF's (`linalg_grad.py`) and are written with primitives (matmul,
einsum, the triangular solve ...), so gradients of gradients work. Where TF's gradient
is undefined the rule raises (repeated singular values / eigenvalues give inf-free but
meaningless results, as TF; a full SVD of a non-square matrix raises, as TF).

Example:
    >>> import ember as tf
    >>> from ember.prims.linalg_decomp import cholesky
    >>> cholesky(tf.constant([[4.0, 2.0], [2.0, 5.0]])).numpy()
    array([[2., 0.],
           [1., 2.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import rules
from ..core.dtypes import complex64, complex128, float32, float64
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.registry import bind, defvjp, primitive
from ..core.shape import TensorSpec
from ..core.tensor import ConcreteTensor
from .array import concat_p
from .convert import as_tensor, cast
from .linalg import einsum_p, matmul
from .math import add, conj, equal, imag, multiply, real, subtract, truediv, where

__all__ = ["cholesky", "matrix_triangular_solve", "matrix_solve", "matrix_determinant",
           "log_matrix_determinant", "qr", "svd", "self_adjoint_eig", "eig"]

FC = frozenset(d._np for d in (float32, float64, complex64, complex128))
_COMPLEX_OF = {float32: complex64, float64: complex128, complex64: complex64,
               complex128: complex128}
_REAL_OF = {float32: float32, float64: float64, complex64: float32, complex128: float64}


# -- shape helpers -------------------------------------------------------------------

def _matrix(op: str, a: TensorSpec, square: bool = True) -> tuple:
    """(batch, rows, cols) of a [..., M, N] operand, checked."""
    if a.shape.rank is None:
        return None, None, None
    if a.shape.rank < 2:
        raise ShapeError(f"{op}: needs a matrix or a batch of matrices (rank >= 2), "
                         f"received {rules.describe(a)}.")
    m, n = a.shape[-2], a.shape[-1]
    if square and m is not None and n is not None and m != n:
        raise ShapeError(f"{op}: needs square matrices, received {rules.describe(a)} "
                         f"({m} x {n}).")
    return tuple(a.shape[:-2]), m, n


def _square_rule(op: str):
    def rule(a: TensorSpec) -> TensorSpec:
        _matrix(op, a)
        return a
    return rule


def _solve_rule(op: str):
    def rule(a: TensorSpec, b: TensorSpec, **flags: Any) -> TensorSpec:
        batch, m, _ = _matrix(op, a)
        if batch is None or b.shape.rank is None:
            return TensorSpec(None, a.dtype)
        if b.shape.rank < 2:
            raise ShapeError(f"{op}: rhs must be a matrix [..., M, K] (rank >= 2), received "
                             f"{rules.describe(b)}; for a vector use rhs[..., None].")
        if m is not None and b.shape[-2] is not None and m != b.shape[-2]:
            raise ShapeError(f"{op}: the matrix and rhs disagree on M: "
                             f"{rules.describe(a, b)}; rhs must be [..., {m}, K].")
        try:
            out = rules.broadcast_shapes(op, TensorSpec(batch, a.dtype),
                                         TensorSpec(b.shape[:-2], a.dtype))
        except ShapeError:
            raise ShapeError(f"{op}: batch dimensions don't broadcast: "
                             f"{rules.describe(a, b)}.") from None
        return TensorSpec(out + (b.shape[-2], b.shape[-1]), a.dtype)
    return rule


def _adj(x: Any) -> Any:
    """The conjugate transpose of the last two axes."""
    if x.dtype.is_complex:
        x = conj(x)
    return bind(einsum_p, x, equation="...ij->...ji")


def _diag_part(x: Any) -> Any:
    return bind(einsum_p, x, equation="...ii->...i")


def _np_dtype(x: Any) -> Any:
    return x.dtype._numpy()


def _const(x: Any, value: np.ndarray) -> Any:
    return as_tensor(np.asarray(value, _np_dtype(x)))


def _eye(x: Any, n: int) -> Any:
    return _const(x, np.eye(n))


def _diag(v: Any, n: int) -> Any:
    """[..., n] -> [..., n, n] with v on the diagonal."""
    return multiply(v[..., None, :], _eye(v, n))


def _band(x: Any, lower: bool, k: int = 0) -> Any:
    m, n = x.shape[-2], x.shape[-1]
    mask = np.tril(np.ones((m, n)), k) if lower else np.triu(np.ones((m, n)), k)
    return multiply(x, _const(x, mask))


def _tri_solve(a: Any, b: Any, lower: bool, adjoint: bool = False) -> Any:
    return bind(matrix_triangular_solve_p, a, b, lower=lower, adjoint=adjoint)


def _safe_reciprocal(d: Any) -> Any:
    """1 / d where d != 0, else 0 (the off-diagonal factor of the eigen gradients)."""
    zero = equal(d, _const(d, 0))
    return where(zero, _const(d, 0), truediv(_const(d, 1), where(zero, _const(d, 1), d)))


def _check_distinct(vals: Any, op: str, what: str) -> None:
    """Eagerly, a clear error where the gradient through the {what} divides by the gap
    between two equal values (TF's caveat: it returns a finite but meaningless number
    there). Traced, values are unknown and the gradient is TF's."""
    if not isinstance(vals, ConcreteTensor) or vals.shape[-1] is None or vals.shape[-1] < 2:
        return
    v = np.sort(np.real(np.asarray(vals._value)), axis=-1)
    tol = 8 * np.finfo(v.dtype).eps * max(float(np.abs(v).max(initial=0.0)), 1e-300)
    gaps = np.diff(v, axis=-1)
    if v.size and np.any(np.abs(gaps) <= tol):
        i = np.unravel_index(int(np.argmin(np.abs(gaps))), gaps.shape)
        where = f" in matrix {tuple(int(j) for j in i[:-1])}" if len(i) > 1 else ""
        raise InvalidArgumentError(
            f"{op}: the gradient through the {what} is undefined where values repeat "
            f"(two equal to {v[i]:.6g}{where}); TF returns a finite but "
            f"meaningless value there. Differentiate the values alone, or perturb the "
            f"matrix to separate them.")


def _zeros_if_none(g: Any, like: Any) -> Any:
    return g if g is not None else _const(like, np.zeros(tuple(like.shape)))


# -- cholesky ------------------------------------------------------------------------

cholesky_p = primitive("cholesky", _square_rule("cholesky"), allowed=FC)


def _cholesky_vjp(g: Any, ins: tuple, out: Any) -> tuple:
    # TF's: phi(L^H g) with the diagonal halved, sandwiched by L^-1, symmetrized.
    l = out
    n = l.shape[-1]
    l_inv = _tri_solve(l, _eye(l, n), lower=True)
    middle = matmul(l, g, adjoint_a=True)
    middle = _band(subtract(middle, multiply(_diag(_diag_part(middle), n),
                                             _const(middle, 0.5))), lower=True)
    ga = matmul(matmul(l_inv, middle, adjoint_a=True), l_inv)
    return (multiply(add(ga, _adj(ga)), _const(ga, 0.5)),)


defvjp(cholesky_p, _cholesky_vjp)


def cholesky(input: Any, name: str | None = None) -> Any:
    """The lower Cholesky factor L of Hermitian positive-definite matrices (A = L L^H),
    reading the lower triangle only (TF's `tf.linalg.cholesky`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.cholesky(tf.constant([[4.0, 2.0], [2.0, 5.0]])).numpy()
        array([[2., 0.],
               [1., 2.]], dtype=float32)
    """
    return bind(cholesky_p, as_tensor(input))


# -- triangular and general solves ---------------------------------------------------

matrix_triangular_solve_p = primitive("matrix_triangular_solve",
                                      _solve_rule("matrix_triangular_solve"), allowed=FC,
                                      same_dtype=True, check="rule")


def _solve_vjp(solve: Any):
    def vjp(g: Any, ins: tuple, out: Any, adjoint: bool = False, **tri: Any) -> tuple:
        a, _ = ins
        gb = solve(a, g, not adjoint, **tri)
        ga = matmul(out, gb, adjoint_b=True) if adjoint else matmul(gb, out, adjoint_b=True)
        ga = multiply(ga, _const(ga, -1))
        if tri:
            ga = _band(ga, tri["lower"])
        return ga, gb
    return vjp


defvjp(matrix_triangular_solve_p, _solve_vjp(
    lambda a, g, adj, lower: _tri_solve(a, g, lower, adj)))


def matrix_triangular_solve(matrix: Any, rhs: Any, lower: bool = True,
                            adjoint: bool = False, name: str | None = None) -> Any:
    """Solves `A X = B` (or `A^H X = B` with adjoint) for triangular A, reading only its
    lower (or upper) triangle; batch dims broadcast (TF's `tf.linalg.triangular_solve`).

    Example:
        >>> import ember as tf
        >>> a = tf.constant([[2.0, 0.0], [1.0, 1.0]])
        >>> tf.linalg.triangular_solve(a, tf.constant([[2.0], [3.0]])).numpy()
        array([[1.],
               [2.]], dtype=float32)
    """
    return bind(matrix_triangular_solve_p, as_tensor(matrix), as_tensor(rhs),
                lower=bool(lower), adjoint=bool(adjoint))


matrix_solve_p = primitive("matrix_solve", _solve_rule("matrix_solve"), allowed=FC,
                           same_dtype=True, check="rule")
defvjp(matrix_solve_p, _solve_vjp(lambda a, g, adj: matrix_solve(a, g, adjoint=adj)))


def matrix_solve(matrix: Any, rhs: Any, adjoint: bool = False, name: str | None = None) -> Any:
    """Solves `A X = B` (or `A^H X = B`) for square A, batched (TF's `tf.linalg.solve`).

    Example:
        >>> import ember as tf
        >>> a = tf.constant([[2.0, 1.0], [1.0, 3.0]])
        >>> tf.linalg.solve(a, tf.constant([[3.0], [4.0]])).numpy()
        array([[1.],
               [1.]], dtype=float32)
    """
    return bind(matrix_solve_p, as_tensor(matrix), as_tensor(rhs), adjoint=bool(adjoint))


def _inverse_adjoint(a: Any) -> Any:
    """inv(A)^H = inv(A^H)."""
    return matrix_solve(a, _eye(a, a.shape[-1]), adjoint=True)


# -- determinants --------------------------------------------------------------------

def _det_rule(a: TensorSpec) -> TensorSpec:
    batch, _, _ = _matrix("matrix_determinant", a)
    return TensorSpec(batch, a.dtype)


matrix_determinant_p = primitive("matrix_determinant", _det_rule, allowed=FC)


def _det_vjp(g: Any, ins: tuple, out: Any) -> tuple:
    a, = ins
    scale = multiply(g, conj(out) if out.dtype.is_complex else out)
    return (multiply(scale[..., None, None], _inverse_adjoint(a)),)


defvjp(matrix_determinant_p, _det_vjp)


def matrix_determinant(input: Any, name: str | None = None) -> Any:
    """The determinants of square matrices `[..., M, M]` -> `[...]` (TF's `tf.linalg.det`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.det(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy().round(4)
        np.float32(-2.0)
    """
    return bind(matrix_determinant_p, as_tensor(input))


def _slogdet_rule(a: TensorSpec) -> tuple:
    batch, _, _ = _matrix("log_matrix_determinant", a)
    return TensorSpec(batch, a.dtype), TensorSpec(batch, a.dtype)


log_matrix_determinant_p = primitive("log_matrix_determinant", _slogdet_rule, allowed=FC,
                                     multiple_results=True)


def _slogdet_vjp(g: tuple, ins: tuple, out: tuple) -> tuple:
    # d log|det| = Re tr(A^-1 dA); for complex A, d sign = i sign Im tr(A^-1 dA) (TF
    # ignores the sign's gradient; it is 0 for real A). Both are multiples of A^-H.
    a, = ins
    g_sign, g_log = g
    if not a.dtype.is_complex:
        if g_log is None:
            return (None,)
        return (multiply(g_log[..., None, None], _inverse_adjoint(a)),)
    coef = None
    if g_log is not None:
        coef = cast(real(g_log), a.dtype)
    if g_sign is not None:
        c = multiply(imag(multiply(conj(g_sign), out[0])), _const(real(out[0]), -1.0))
        term = multiply(cast(c, a.dtype), _const(out[0], 1j))
        coef = term if coef is None else add(coef, term)
    if coef is None:
        return (None,)
    return (multiply(coef[..., None, None], _inverse_adjoint(a)),)


defvjp(log_matrix_determinant_p, _slogdet_vjp)


def log_matrix_determinant(input: Any, name: str | None = None) -> tuple:
    """(sign, log |det|) of square matrices (TF's `tf.linalg.slogdet`); for complex input
    the sign is a unit complex number and log |det| is complex with zero imaginary part.
    The gradient flows through both (TF's ignores the complex sign's).

    Example:
        >>> import ember as tf
        >>> s, l = tf.linalg.slogdet(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
        >>> float(s), round(float(l), 4)
        (-1.0, 0.6931)
    """
    return bind(log_matrix_determinant_p, as_tensor(input))


# -- qr ------------------------------------------------------------------------------

def _qr_rule(a: TensorSpec, full_matrices: bool = False) -> tuple:
    batch, m, n = _matrix("qr", a, square=False)
    if batch is None:
        return TensorSpec(None, a.dtype), TensorSpec(None, a.dtype)
    k = m if full_matrices or m is None or n is None else min(m, n)
    return TensorSpec(batch + (m, k), a.dtype), TensorSpec(batch + (k, n), a.dtype)


qr_p = primitive("qr", _qr_rule, allowed=FC, multiple_results=True)


def _r_solve(x: Any, r: Any) -> Any:
    """x @ inv(r)^H for upper-triangular r."""
    return _adj(_tri_solve(r, _adj(x), lower=False))


def _qr_grad_deep(q: Any, r: Any, dq: Any, dr: Any, n: int, is_complex: bool) -> Any:
    """The cotangent of A = Q R for a square or deep A (M >= N, reduced Q)."""
    qdq = matmul(q, dq, adjoint_a=True)
    rdr = matmul(r, dr, adjoint_b=True)
    low = _band(add(subtract(qdq, _adj(qdq)), subtract(rdr, _adj(rdr))), lower=True)
    ga = matmul(q, add(dr, _r_solve(low, r)))
    gb = _r_solve(subtract(dq, matmul(q, qdq)), r)
    out_g = add(ga, gb)
    if is_complex:  # the imaginary part of R's diagonal is fixed to 0
        d = _diag_part(subtract(rdr, _adj(qdq)))
        corr = _diag(subtract(d, cast(real(d), d.dtype)), n)
        out_g = add(out_g, _r_solve(matmul(q, _adj(corr)), r))
    return out_g


def _qr_vjp(g: tuple, ins: tuple, out: tuple, full_matrices: bool = False) -> tuple:
    a, = ins
    q, r = out
    m, n = a.shape[-2], a.shape[-1]
    if full_matrices and m > n:
        raise NotImplementedError(
            f"qr: the gradient with full_matrices=True is defined for M <= N only (the "
            f"extra columns of Q are not unique), as TF's; received {m} x {n}.")
    dq, dr = _zeros_if_none(g[0], q), _zeros_if_none(g[1], r)
    if m >= n:
        return (_qr_grad_deep(q, r, dq, dr, n, a.dtype.is_complex),)
    # A wide A = [X | Y] with R = [U | V]: X = Q U is a square QR, and Y = Q V, so
    # dY = Q dV and X's cotangent is the square one with dQ + Y dV^H (TF's rule).
    y, u, dv = a[..., :, m:], r[..., :, :m], dr[..., :, m:]
    dx = _qr_grad_deep(q, u, add(dq, matmul(y, dv, adjoint_b=True)), dr[..., :, :m], m,
                       a.dtype.is_complex)
    rank = len(a.shape)
    return (bind(concat_p, dx, matmul(q, dv), axis=rank - 1),)


defvjp(qr_p, _qr_vjp)


def qr(input: Any, full_matrices: bool = False, name: str | None = None) -> tuple:
    """(q, r) with `input = q @ r`, q with orthonormal columns and r upper triangular
    (TF's `tf.linalg.qr`): [..., M, K] and [..., K, N], K = min(M, N), or M with
    full_matrices.

    Example:
        >>> import ember as tf
        >>> q, r = tf.linalg.qr(tf.constant([[3.0, 1.0], [4.0, 2.0]]))
        >>> (q @ r).numpy().round(4)
        array([[3., 1.],
               [4., 2.]], dtype=float32)
    """
    return bind(qr_p, as_tensor(input), full_matrices=bool(full_matrices))


# -- svd -----------------------------------------------------------------------------

def _svd_rule(a: TensorSpec, compute_uv: bool = True, full_matrices: bool = False) -> Any:
    batch, m, n = _matrix("svd", a, square=False)
    real_dt = _REAL_OF[a.dtype]
    if batch is None:
        s = TensorSpec(None, real_dt)
        return (s, TensorSpec(None, a.dtype), TensorSpec(None, a.dtype)) if compute_uv \
            else (s,)
    k = None if m is None or n is None else min(m, n)
    s = TensorSpec(batch + (k,), real_dt)
    if not compute_uv:
        return (s,)
    ku, kv = (m, n) if full_matrices else (k, k)
    return s, TensorSpec(batch + (m, ku), a.dtype), TensorSpec(batch + (n, kv), a.dtype)


svd_p = primitive("svd", _svd_rule, allowed=FC, multiple_results=True)


def _svd_vjp(g: Any, ins: tuple, out: Any, compute_uv: bool = True,
             full_matrices: bool = False) -> tuple:
    a, = ins
    m, n = a.shape[-2], a.shape[-1]
    if not compute_uv:
        s, u, v = bind(svd_p, a, compute_uv=True, full_matrices=False)
        return (matmul(multiply(u, cast(g[0], a.dtype)[..., None, :]), v, adjoint_b=True),)
    if full_matrices and m != n:
        raise NotImplementedError(
            "svd: the gradient with full_matrices=True is defined for square matrices "
            f"only (the extra singular vectors are not unique), received {m} x {n}; use "
            f"full_matrices=False, as TF requires.")
    s, u, v = out
    if g[1] is not None or g[2] is not None:
        _check_distinct(s, "svd", "singular vectors")
    k = min(m, n)
    gs = cast(_zeros_if_none(g[0], s), a.dtype)
    gu = _zeros_if_none(g[1], u)
    gv = _zeros_if_none(g[2], v)
    # Undefined where singular values repeat (F's entries are then 0, as TF's).
    s2 = multiply(s, s)
    f = _safe_reciprocal(subtract(s2[..., None, :], s2[..., :, None]))
    f = cast(multiply(f, _const(f, 1 - np.eye(k))), a.dtype)
    s = cast(s, a.dtype)
    utgu = matmul(u, gu, adjoint_a=True)
    vtgv = matmul(v, gv, adjoint_a=True)
    j = multiply(f, subtract(utgu, _adj(utgu)))
    kk = multiply(f, subtract(vtgv, _adj(vtgv)))
    smat = _diag(s, k)
    core = add(add(matmul(j, smat), matmul(smat, kk)), _diag(gs, k))
    s_inv = _diag(_safe_reciprocal(s), k)
    if a.dtype.is_complex:
        # NOTE: a complex SVD is unique up to a phase per singular pair (u_i, v_i) ->
        # (u_i e^{it}, v_i e^{it}); the diagonal of U^H dU is imaginary. A loss invariant
        # to that phase gets TF's extra term 1/2 S^-1 (L^H - L), L = diag(V^H gV).
        lv = multiply(vtgv, _eye(vtgv, k))
        core = add(core, multiply(matmul(s_inv, subtract(_adj(lv), lv)),
                                  _const(core, 0.5)))
    out_g = matmul(matmul(u, core), v, adjoint_b=True)
    if m > k:
        proj = subtract(_eye(a, m), matmul(u, u, adjoint_b=True))
        out_g = add(out_g, matmul(matmul(matmul(proj, gu), s_inv), v, adjoint_b=True))
    if n > k:
        proj = subtract(_eye(a, n), matmul(v, v, adjoint_b=True))
        out_g = add(out_g, matmul(matmul(u, s_inv), matmul(proj, gv), adjoint_b=True))
    return (out_g,)


defvjp(svd_p, _svd_vjp)


def svd(tensor: Any, full_matrices: bool = False, compute_uv: bool = True,
        name: str | None = None) -> Any:
    """The singular value decomposition `tensor = u @ diag(s) @ adjoint(v)` (TF's
    `tf.linalg.svd`): returns (s, u, v), or s alone when compute_uv=False; s descending.

    The gradient (TF's) is undefined where singular values repeat or vanish (where U, V
    are used), and not defined for full_matrices=True on non-square matrices (raises).
    For complex input each pair (u_i, v_i) is unique up to a common phase only: the
    gradient through U and V is that of a loss invariant to those phases (e.g. of |U|,
    or of the products u_i v_i^H), as TF's.

    Example:
        >>> import ember as tf
        >>> s, u, v = tf.linalg.svd(tf.constant([[3.0, 0.0], [0.0, -4.0]]))
        >>> s.numpy()
        array([4., 3.], dtype=float32)
    """
    out = bind(svd_p, as_tensor(tensor), compute_uv=bool(compute_uv),
               full_matrices=bool(full_matrices))
    return out[0] if not compute_uv else tuple(out)


# -- eigen decompositions --------------------------------------------------------------

def _eigh_rule(a: TensorSpec) -> tuple:
    batch, m, _ = _matrix("self_adjoint_eig", a)
    if batch is None:
        return TensorSpec(None, _REAL_OF[a.dtype]), TensorSpec(None, a.dtype)
    return TensorSpec(batch + (m,), _REAL_OF[a.dtype]), a


self_adjoint_eig_p = primitive("self_adjoint_eig", _eigh_rule, allowed=FC,
                               multiple_results=True)


def _eigh_vjp(g: tuple, ins: tuple, out: tuple) -> tuple:
    e, v = out
    n = v.shape[-1]
    ge = _zeros_if_none(g[0], e)
    mid = cast(_diag(ge, n), v.dtype)
    if g[1] is not None:
        _check_distinct(e, "eigh", "eigenvectors")
        f = _safe_reciprocal(subtract(e[..., None, :], e[..., :, None]))
        f = cast(multiply(f, _const(f, 1 - np.eye(n))), v.dtype)
        mid = add(mid, multiply(f, matmul(v, g[1], adjoint_a=True)))
    ga = matmul(v, matmul(mid, v, adjoint_b=True))
    # The kernel reads the lower triangle: symmetrize and keep that triangle, as TF.
    ga = _band(add(ga, _adj(ga)), lower=True)
    return (subtract(ga, multiply(_diag(_diag_part(ga), n), _const(ga, 0.5))),)


defvjp(self_adjoint_eig_p, _eigh_vjp)


def self_adjoint_eig(tensor: Any, name: str | None = None) -> tuple:
    """(e, v): the eigenvalues (ascending, real) and eigenvectors (columns) of
    Hermitian matrices, reading the lower triangle (TF's `tf.linalg.eigh`). The gradient
    through v is undefined where eigenvalues repeat.

    Example:
        >>> import ember as tf
        >>> e, v = tf.linalg.eigh(tf.constant([[2.0, 1.0], [1.0, 2.0]]))
        >>> e.numpy().round(4)
        array([1., 3.], dtype=float32)
    """
    return bind(self_adjoint_eig_p, as_tensor(tensor))


def _eig_rule(a: TensorSpec, compute_v: bool = True) -> Any:
    batch, m, _ = _matrix("eig", a)
    c = _COMPLEX_OF[a.dtype]
    e = TensorSpec(None if batch is None else batch + (m,), c)
    return (e, TensorSpec(a.shape, c)) if compute_v else (e,)


eig_p = primitive("eig", _eig_rule, allowed=FC, multiple_results=True)


def _eig_vjp(g: tuple, ins: tuple, out: tuple, compute_v: bool = True) -> tuple:
    a, = ins
    if not compute_v:
        out = bind(eig_p, a, compute_v=True)
        g = (g[0], None)
    e, v = out
    n = v.shape[-1]
    vt = _adj(v)
    mid = _diag(_zeros_if_none(g[0], e), n)
    if g[1] is not None:
        f = _safe_reciprocal(subtract(e[..., None, :], e[..., :, None]))
        f = conj(multiply(f, _const(f, 1 - np.eye(n))))
        vgv = matmul(vt, g[1])
        dg = _diag(cast(real(_diag_part(vgv)), v.dtype), n)
        mid = add(mid, multiply(f, subtract(vgv, matmul(vt, matmul(v, dg)))))
    ga = matrix_solve(vt, matmul(mid, vt))
    return (ga if a.dtype.is_complex else cast(real(ga), a.dtype),)


defvjp(eig_p, _eig_vjp)


def eig(tensor: Any, name: str | None = None) -> tuple:
    """(e, v): the complex eigenvalues and unit eigenvectors (columns) of general square
    matrices (TF's `tf.linalg.eig`; complex64 for float32 input, complex128 for float64).
    The eigenvalues come in LAPACK's order, unsorted.

    Example:
        >>> import ember as tf
        >>> e, v = tf.linalg.eig(tf.constant([[2.0, 0.0], [0.0, 3.0]]))
        >>> e.numpy()
        array([2.+0.j, 3.+0.j], dtype=complex64)
    """
    return tuple(bind(eig_p, as_tensor(tensor), compute_v=True))

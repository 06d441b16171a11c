"""The matrix functions of `tf.linalg` as primitives: matrix_exponential (expm, Pade
(13, 13) with scaling and squaring), matrix_square_root (sqrtm) and matrix_logarithm
(logm, complex input, as TF), batched over the leading axes. sqrtm and logm use a
complex Schur decomposition (kernels in `backend/numpy/linalg_schur.py`), so every matrix with a
principal root / logarithm works, diagonalizable or not. Each gradient is the adjoint
of the function's Frechet derivative, `L_f(A^H, G)` (logm has one too, which TF lacks):
expm's by the block-matrix identity `f([[A^H, G], [0, A^H]])[upper right]`; sqrtm's and
logm's, for small matrices, by one n^2 x n^2 linear solve (the Sylvester equation
`X^H C + C X^H = G`; exp's Frechet derivative at logm(A)^H), and by the block identity
above that size.

Example:
    >>> import ember as tf
    >>> from ember.prims.linalg_matfunc import matrix_exponential
    >>> matrix_exponential(tf.constant([[0.0, 0.0], [0.0, 0.0]])).numpy()
    array([[1., 0.],
           [0., 1.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import complex64, complex128
from ..core.errors import InvalidArgumentError
from ..core.registry import bind, defvjp, primitive
from .array import reshape_p
from .convert import as_tensor, cast
from .linalg import einsum_p
from .linalg_decomp import FC, _adj, _const, _square_rule, matrix_solve
from .math import abs as abs_
from .math import add, greater, logical_and, multiply, truediv, where
from .reduce import reduce_max

__all__ = ["matrix_exponential", "matrix_square_root", "matrix_logarithm"]


# -- matrix functions ----------------------------------------------------------------

matrix_exponential_p = primitive("matrix_exponential", _square_rule("matrix_exponential"),
                                 allowed=FC)


def _frechet_adjoint(prim: Any, a: Any, g: Any) -> Any:
    """The cotangent of A for a primary matrix function f (exp, sqrt, log): the adjoint
    of its Frechet derivative, L_f(A^H, G), read off as the upper-right block of
    f([[A^H, G], [0, A^H]]) (Higham, "Functions of Matrices", thm 3.6): no
    diagonalizability needed, and the gradient of the gradient is the same rule again."""
    n = a.shape[-1]
    # NOTE: G scaled to A's size (the block is linear in G): a G far larger than A makes
    # the block matrix needlessly non-normal and costs accuracy.
    amax = reduce_max(abs_(a), axis=[-2, -1], keepdims=True)
    gmax = reduce_max(abs_(g), axis=[-2, -1], keepdims=True)
    ok = logical_and(greater(gmax, _const(gmax, 0)), greater(amax, _const(amax, 0)))
    alpha = where(ok, truediv(amax, where(ok, gmax, _const(gmax, 1))), _const(gmax, 1))
    alpha = cast(alpha, a.dtype)
    grid_a = _const(a, np.eye(2))                      # A^H at blocks (0, 0) and (1, 1)
    grid_g = _const(a, np.array([[0.0, 1.0], [0.0, 0.0]]))  # G at block (0, 1)
    blk = add(bind(einsum_p, _adj(a), grid_a, equation="...ij,pq->...piqj"),
              bind(einsum_p, multiply(g, alpha), grid_g, equation="...ij,pq->...piqj"))
    shape = tuple(blk.shape[:-4]) + (2 * n, 2 * n)
    big = bind(prim, bind(reshape_p, blk, shape=shape))
    return truediv(big[..., :n, n:], alpha)


def _expm_vjp(g: Any, ins: tuple, out: Any) -> tuple:
    return (_frechet_adjoint(matrix_exponential_p, ins[0], g),)


defvjp(matrix_exponential_p, _expm_vjp)


def matrix_exponential(input: Any, name: str | None = None) -> Any:
    """The matrix exponential of square matrices, by Pade (13, 13) approximation with
    scaling and squaring (TF's `tf.linalg.expm`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.expm(tf.constant([[0.0, 1.0], [0.0, 0.0]])).numpy()
        array([[1., 1.],
               [0., 1.]], dtype=float32)
    """
    return bind(matrix_exponential_p, as_tensor(input))


matrix_square_root_p = primitive("matrix_square_root", _square_rule("matrix_square_root"),
                                 allowed=FC)


# NOTE: up to this size the sqrtm gradient solves its Sylvester equation as one
# n^2 x n^2 linear system (any backend); above it, the block-matrix identity, which
# needs a Schur-based sqrtm kernel for the (always defective) block matrix.
_KRON_MAX_N = 48


def _products(y: Any, n: int) -> tuple:
    """The n^2 x n^2 matrices of C -> Y C and C -> C Y on row-major vec(C) (batched):
    Y_ik d_jl and d_ik Y_lj at ((i, j), (k, l))."""
    eye = _const(y, np.eye(n))
    batch = tuple(y.shape[:-2])
    left = bind(einsum_p, y, eye, equation="...ik,jl->...ijkl")
    right = bind(einsum_p, eye, y, equation="ik,...lj->...ijkl")
    return tuple(bind(reshape_p, t, shape=batch + (n * n, n * n)) for t in (left, right))


def _sqrtm_vjp(g: Any, ins: tuple, out: Any) -> tuple:
    # A = X X: the cotangent C of A solves X^H C + C X^H = G (= L_sqrt(A^H, G)).
    a, = ins
    n = a.shape[-1]
    if n > _KRON_MAX_N:
        return (_frechet_adjoint(matrix_square_root_p, a, g),)
    # Row-major vec: (X^H C + C X^H)_ij = sum_kl (Y_ik d_jl + d_ik Y_lj) C_kl, Y = X^H.
    left, right = _products(_adj(out), n)
    kron = add(left, right)
    batch = tuple(kron.shape[:-2])
    rhs = bind(reshape_p, cast(g, out.dtype), shape=batch + (n * n, 1))
    c = bind(reshape_p, matrix_solve(kron, rhs), shape=batch + (n, n))
    return (c,)


defvjp(matrix_square_root_p, _sqrtm_vjp)


def matrix_square_root(input: Any, name: str | None = None) -> Any:
    """The principal square root of square matrices (TF's `tf.linalg.sqrtm`), by a
    complex Schur decomposition: any matrix with a principal root, defective ones (a
    Jordan block) included. Real input gives the real part, so it needs a real root (no
    negative real eigenvalues). The gradient solves `X^H C + C X^H = G` (X the root) by
    the block-matrix identity, exact for non-diagonalizable matrices too.

    Example:
        >>> import ember as tf
        >>> tf.linalg.sqrtm(tf.constant([[4.0, 0.0], [0.0, 9.0]])).numpy()
        array([[2., 0.],
               [0., 3.]], dtype=float32)
        >>> tf.linalg.sqrtm(tf.constant([[4.0, 1.0], [0.0, 4.0]])).numpy()
        array([[2.  , 0.25],
               [0.  , 2.  ]], dtype=float32)
    """
    return bind(matrix_square_root_p, as_tensor(input))


matrix_logarithm_p = primitive("matrix_logarithm", _square_rule("matrix_logarithm"),
                               allowed=frozenset(d._np for d in (complex64, complex128)))


# NOTE: up to this size the logm gradient inverts exp's Frechet derivative as an n^2 x n^2
# matrix, itself a block of the expm of a 2n^2 x 2n^2 matrix (any backend); above it,
# the block-matrix identity, which needs a Schur-based logm kernel (NumPy's).
_KRON_LOG_MAX_N = 12


def _logm_vjp(g: Any, ins: tuple, out: Any) -> tuple:
    # TF declares none; ember's is the Frechet derivative's adjoint, C = L_log(A^H, G):
    # with L = logm(A), A = expm(L), so C solves L_exp(L^H, C) = G.
    a, = ins
    n = a.shape[-1]
    if n > _KRON_LOG_MAX_N:
        return (_frechet_adjoint(matrix_logarithm_p, a, g),)
    # Row-major vec: L_exp(Y, E) = int_0^1 e^{sY} E e^{(1-s)Y} ds has the matrix
    # int e^{(1-s)Q} e^{sP} ds, P = Y (x) I (left product), Q = I (x) Y^T (right one): the
    # upper-right block of expm([[Q, I], [0, P]]).
    batch = tuple(out.shape[:-2])
    nn = n * n
    left, right = _products(_adj(out), n)
    def at(block: Any, p: int, q: int) -> Any:  # block at (p, q) of a 2 x 2 grid
        grid = _const(out, np.eye(2)[[p]].T @ np.eye(2)[[q]])
        return bind(einsum_p, block, grid, equation="...ij,pq->...piqj")
    blk = add(add(at(right, 0, 0), at(left, 1, 1)), at(_const(out, np.eye(nn)), 0, 1))
    big = bind(matrix_exponential_p, bind(reshape_p, blk, shape=batch + (2 * nn, 2 * nn)))
    kron = big[..., :nn, nn:]
    rhs = bind(reshape_p, g, shape=batch + (nn, 1))
    return (bind(reshape_p, matrix_solve(kron, rhs), shape=batch + (n, n)),)


defvjp(matrix_logarithm_p, _logm_vjp)


def matrix_logarithm(input: Any, name: str | None = None) -> Any:
    """The principal logarithm of complex square matrices (TF's `tf.linalg.logm`, complex
    input only), by a complex Schur decomposition and inverse scaling and squaring: any
    matrix with no eigenvalue 0 (a singular one gives -inf / NaN), defective ones
    included. Unlike TF's, it has a gradient (the Frechet derivative's adjoint).

    Example:
        >>> import ember as tf
        >>> tf.linalg.logm(tf.constant([[1.0 + 0j, 0.0], [0.0, 1.0]])).numpy().real
        array([[0., 0.],
               [0., 0.]])
        >>> tf.linalg.logm(tf.constant([[1.0 + 0j, 1.0], [0.0, 1.0]])).numpy().real
        array([[0., 1.],
               [0., 0.]])
    """
    x = as_tensor(input)
    if not x.dtype.is_complex:
        raise InvalidArgumentError(f"logm: needs complex64 or complex128 input, received "
                                   f"{x.dtype.name}; cast with tf.cast(x, tf.complex128).")
    return bind(matrix_logarithm_p, x)

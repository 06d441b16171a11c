"""The matrix functions of `tf.linalg` as primitives: matrix_exponential (expm, Pade
(13, 13) with scaling and squaring; its gradient by the block-matrix identity),
matrix_square_root (sqrtm, by an eigendecomposition; its gradient a Sylvester solve in
the same eigenbasis) and matrix_logarithm (logm, complex input, no gradient, as TF).
Batched over the leading axes. The decompositions they use are in
`prims/linalg_decomp.py`.

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
from ..core.registry import bind, defvjp, no_gradient, primitive
from .array import reshape_p
from .convert import as_tensor, cast
from .linalg import einsum_p, matmul
from .linalg_decomp import FC, _adj, _const, _square_rule, eig_p, matrix_solve
from .math import add, conj, real, truediv

__all__ = ["matrix_exponential", "matrix_square_root", "matrix_logarithm"]


# -- matrix functions ----------------------------------------------------------------

matrix_exponential_p = primitive("matrix_exponential", _square_rule("matrix_exponential"),
                                 allowed=FC)


def _expm_vjp(g: Any, ins: tuple, out: Any) -> tuple:
    # The Frechet derivative's adjoint: the upper-right block of expm([[A^H, G], [0, A^H]]).
    a, = ins
    n = a.shape[-1]
    grid_a = _const(a, np.eye(2))                      # A^H at blocks (0, 0) and (1, 1)
    grid_g = _const(a, np.array([[0.0, 1.0], [0.0, 0.0]]))  # G at block (0, 1)
    blk = add(bind(einsum_p, _adj(a), grid_a, equation="...ij,pq->...piqj"),
              bind(einsum_p, g, grid_g, equation="...ij,pq->...piqj"))
    shape = tuple(blk.shape[:-4]) + (2 * n, 2 * n)
    big = bind(matrix_exponential_p, bind(reshape_p, blk, shape=shape))
    return (big[..., :n, n:],)


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


def _sqrtm_vjp(g: Any, ins: tuple, out: Any) -> tuple:
    # A = X X: dA = X dX + dX X, so the cotangent C of A solves X^H C + C X^H = G, a
    # Sylvester equation solved in X's eigenbasis (X = V D V^-1): with W = V^-H,
    # C = W Y V^H where Y = (V^H G W) / (conj(d_i) + conj(d_j)).
    a, = ins
    e, v = bind(eig_p, out, compute_v=True)
    gc = cast(g, v.dtype)
    mid = matmul(v, _adj(matrix_solve(v, _adj(gc))), adjoint_a=True)   # V^H G V^-H
    y = truediv(mid, conj(add(e[..., :, None], e[..., None, :])))
    c = matrix_solve(v, matmul(y, v, adjoint_b=True), adjoint=True)      # V^-H Y V^H
    return (c if a.dtype.is_complex else cast(real(c), a.dtype),)


defvjp(matrix_square_root_p, _sqrtm_vjp)


def matrix_square_root(input: Any, name: str | None = None) -> Any:
    """The principal square root of square matrices (TF's `tf.linalg.sqrtm`), computed by
    an eigendecomposition: diagonalizable matrices only (a defective matrix gives an
    inaccurate result); real input gives the real part, so it needs a real root (no
    negative real eigenvalues). The gradient solves a Sylvester equation in the same
    eigenbasis.

    Example:
        >>> import ember as tf
        >>> tf.linalg.sqrtm(tf.constant([[4.0, 0.0], [0.0, 9.0]])).numpy()
        array([[2., 0.],
               [0., 3.]], dtype=float32)
    """
    return bind(matrix_square_root_p, as_tensor(input))


matrix_logarithm_p = primitive("matrix_logarithm", _square_rule("matrix_logarithm"),
                               allowed=frozenset(d._np for d in (complex64, complex128)))
no_gradient(matrix_logarithm_p)


def matrix_logarithm(input: Any, name: str | None = None) -> Any:
    """The principal logarithm of complex square matrices (TF's `tf.linalg.logm`, complex
    input only, no gradient), computed by an eigendecomposition: diagonalizable matrices
    only.

    Example:
        >>> import ember as tf
        >>> tf.linalg.logm(tf.constant([[1.0 + 0j, 0.0], [0.0, 1.0]])).numpy().real
        array([[0., 0.],
               [0., 0.]])
    """
    x = as_tensor(input)
    if not x.dtype.is_complex:
        raise InvalidArgumentError(f"logm: needs complex64 or complex128 input, received "
                                   f"{x.dtype.name}; cast with tf.cast(x, tf.complex128).")
    return bind(matrix_logarithm_p, x)

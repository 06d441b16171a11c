"""The LU decomposition with partial pivoting as a primitive (TF's `tf.linalg.lu`), with
its gradient; batched over the leading axes. The other decompositions are in
`prims/linalg_decomp.py`.

Example:
    >>> import ember as tf
    >>> from ember.prims.linalg_lu import lu
    >>> lu(tf.constant([[4.0, 3.0], [6.0, 3.0]]))[1].numpy()
    array([1, 0], dtype=int32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import as_dtype, int32
from ..core.registry import bind, defvjp, primitive
from ..core.shape import TensorSpec
from .convert import as_tensor, cast
from .linalg import matmul
from .linalg_decomp import FC, _adj, _band, _eye, _matrix, _tri_solve
from .math import add, equal

__all__ = ["lu"]


# -- lu ------------------------------------------------------------------------------

def _lu_rule(a: TensorSpec, output_idx_type: Any = np.int32) -> tuple:
    batch, m, _ = _matrix("lu", a)
    p = TensorSpec(None if batch is None else batch + (m,), as_dtype(output_idx_type))
    return a, p


lu_p = primitive("lu", _lu_rule, allowed=FC, multiple_results=True)


def _lu_vjp(g: tuple, ins: tuple, out: tuple, output_idx_type: Any = np.int32) -> tuple:
    lu_, p = out
    if g[0] is None:
        return (None,)
    n = lu_.shape[-1]
    eye = _eye(lu_, n)
    low = add(_band(lu_, True, -1), eye)
    up = _band(lu_, False)
    middle = add(_band(matmul(low, g[0], adjoint_a=True), True, -1),
                 _band(matmul(g[0], up, adjoint_b=True), False))
    x = _tri_solve(low, middle, lower=True, adjoint=True)          # L^-H middle
    x = _adj(_tri_solve(up, _adj(x), lower=False))                  # ... U^-H
    # A[p] = L U: the gradient of A is P^T times that of A[p].
    perm = cast(equal(p[..., :, None], as_tensor(np.arange(n, dtype=p.dtype._numpy()))),
                lu_.dtype)
    return (matmul(perm, x, transpose_a=True),)


defvjp(lu_p, _lu_vjp)


def lu(input: Any, output_idx_type: Any = int32, name: str | None = None) -> tuple:
    """(lu, p): the LU decomposition with partial pivoting of square matrices, `L`
    (unit diagonal, strictly lower part of lu) and `U` (upper part) with `L @ U =
    input[p]` (TF's `tf.linalg.lu`).

    Example:
        >>> import ember as tf
        >>> lu_, p = tf.linalg.lu(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
        >>> p.numpy()
        array([1, 0], dtype=int32)
    """
    return tuple(bind(lu_p, as_tensor(input),
                      output_idx_type=as_dtype(output_idx_type)._numpy()))

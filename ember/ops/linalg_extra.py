"""Linear-algebra composites: norm, matrix_transpose, diag, diag_part, trace.

All are written with ember ops (einsum, reductions, where), so they need no kernels.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..core import rules
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.registry import bind
from . import math_ops as m
from . import reduce_ops as r
from ..prims.convert import as_tensor, cast
from ..prims.math import conj

from ..prims.linalg import einsum_p
from .linalg_diag import diag, diag_part  # noqa: F401 - tf.linalg.diag, diag_part

__all__ = ["norm", "matrix_transpose", "adjoint", "diag", "diag_part", "trace"]


# -- norm ------------------------------------------------------------------------

def _is_real_number(v: Any) -> bool:
    return isinstance(v, (numbers.Real, np.floating, np.integer)) and \
        not isinstance(v, (bool, np.bool_))


def norm(tensor: Any, ord: Any = "euclidean", axis: Any = None, keepdims: Any = None,
         name: str | None = None) -> Any:
    """The vector or matrix norm of `tensor` (TF's `tf.norm`).

    axis None: one vector norm of all elements; an int: vector norms along that axis; a
    2-tuple: matrix norms over those axes. Vector `ord`: 'euclidean' (= 2), 1, np.inf or
    any real p > 0. Matrix `ord`: 'fro' / 'euclidean' (Frobenius), 1 (max column sum),
    np.inf (max row sum).

    Example:
        >>> import ember as tf, numpy as np
        >>> x = tf.constant([[3.0, -4.0], [0.0, 1.0]])
        >>> tf.norm(x[0]).numpy(), tf.norm(x, ord=1, axis=-1).numpy()
        (np.float32(5.0), array([7., 1.], dtype=float32))
        >>> tf.norm(x, ord=np.inf, axis=(0, 1)).numpy()
        np.float32(7.0)
    """
    x = as_tensor(tensor)
    if x.dtype.is_complex:  # as TF: the norm of |x|, returned in x's complex dtype
        return cast(norm(m.abs(x), ord, axis, keepdims), x.dtype)
    x = rules.floating("norm", x)
    keep = bool(keepdims)
    rank = x.shape.rank
    if isinstance(axis, (list, tuple)) and len(axis) == 2:
        return _matrix_norm(x, ord, axis, keep, rank)
    if isinstance(axis, (list, tuple)) or not (
            axis is None or isinstance(axis, (numbers.Integral, np.integer))):
        raise InvalidArgumentError(
            f"norm: axis must be None, an int or a 2-tuple of ints, received {axis!r}.")
    axes = None if axis is None else (rules.normalize_axis("norm", axis, rank),)
    if ord in ("euclidean", 2):
        return m.sqrt(r.reduce_sum(m.square(x), axes, keep))
    if ord == 1:
        return r.reduce_sum(m.abs(x), axes, keep)
    if _is_real_number(ord) and ord == np.inf:
        return r.reduce_max(m.abs(x), axes, keep)
    if _is_real_number(ord) and ord > 0:
        p = float(ord)
        return m.pow(r.reduce_sum(m.pow(m.abs(x), p), axes, keep), 1.0 / p)
    hint = " 'fro' is a matrix norm: pass a 2-tuple axis." if ord == "fro" else ""
    raise InvalidArgumentError(
        f"norm: ord={ord!r} is not a supported vector norm; use 'euclidean', 1, 2, "
        f"np.inf or a real p > 0.{hint}")


def _matrix_norm(x: Any, ord: Any, axis: Any, keep: bool, rank: int) -> Any:
    if not all(isinstance(v, (numbers.Integral, np.integer)) for v in axis):
        raise InvalidArgumentError(f"norm: axis must hold two ints, received {axis!r}.")
    rows, cols = (rules.normalize_axis("norm", v, rank) for v in axis)
    if rows == cols:
        raise InvalidArgumentError(
            f"norm: a matrix norm needs two different axes, received {tuple(axis)}.")
    both = (rows, cols)
    if ord in ("euclidean", "fro"):
        return m.sqrt(r.reduce_sum(m.square(x), both, keep))
    if ord == 1:  # max over columns of the column sums
        return r.reduce_max(r.reduce_sum(m.abs(x), rows, keepdims=True), both, keep)
    if _is_real_number(ord) and ord == np.inf:  # max over rows of the row sums
        return r.reduce_max(r.reduce_sum(m.abs(x), cols, keepdims=True), both, keep)
    if ord == 2:
        raise NotImplementedError(
            "norm: ord=2 for matrices (the largest singular value) needs an SVD, which "
            "ember does not provide yet; use ord='fro' or compute it in NumPy.")
    raise InvalidArgumentError(
        f"norm: ord={ord!r} is not a supported matrix norm; use 'fro', 'euclidean', 1, "
        f"2 or np.inf.")


# -- matrix helpers ----------------------------------------------------------------

def _need_matrix(x: Any, op: str) -> None:
    if x.shape.rank is not None and x.shape.rank < 2:
        raise ShapeError(f"{op}: needs a tensor of rank >= 2 (a matrix or a batch of "
                         f"them), received {rules.describe(x)}.")


def matrix_transpose(a: Any, name: str = "matrix_transpose", conjugate: bool = False) -> Any:
    """Swaps the last two axes (TF's `tf.linalg.matrix_transpose`).

    Example:
        >>> import ember as tf, numpy as np
        >>> tf.linalg.matrix_transpose(tf.constant(np.zeros((2, 3, 4)))).shape
        TensorShape([2, 4, 3])
    """
    x = as_tensor(a)
    _need_matrix(x, "matrix_transpose")
    if conjugate and x.dtype.is_complex:
        x = conj(x)
    # NOTE: an einsum, not `transpose`, so linalg does not depend on the array module.
    return bind(einsum_p, x, equation="...ij->...ji")


def adjoint(matrix: Any, name: str | None = None) -> Any:
    """The conjugate transpose of the last two axes (TF's `tf.linalg.adjoint`); the
    transpose for real dtypes.

    Example:
        >>> import ember as tf
        >>> tf.linalg.adjoint(tf.constant([[1 + 2j, 3j]])).numpy()
        array([[1.-2.j],
               [0.-3.j]])
    """
    return matrix_transpose(matrix, conjugate=True)


def trace(x: Any, name: str | None = None) -> Any:
    """The sum of the main diagonal of the last two axes: `[..., M, N]` -> `[...]`.

    Example:
        >>> import ember as tf
        >>> tf.linalg.trace(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy()
        np.float32(5.0)
    """
    return r.reduce_sum(diag_part(x), axis=-1)

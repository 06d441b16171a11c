"""More of TF's LinearOperators: Kronecker, BlockDiag, BlockLowerTriangular,
LowRankUpdate, Permutation, Toeplitz, Householder and Tridiag (see `linear_operator.py`
for the base class and the simple ones; the circulants, re-exported here, are in
`linalg_circulant.py`).

Example:
    >>> import ember as tf
    >>> tf.linalg.LinearOperatorPermutation([2, 0, 1]).matvec([1.0, 2.0, 3.0]).numpy()
    array([3., 1., 2.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import float32
from ..core.errors import InvalidArgumentError, ShapeError
from ..prims.convert import as_tensor, cast
from ..prims.linalg import einsum, matmul
from . import math_ops as m
from . import shape_ops as sh
from .linalg_decomp_ops import _tridiag_dense, _tridiag_parts
from .linalg_circulant import (LinearOperatorCirculant, LinearOperatorCirculant2D,
                               LinearOperatorCirculant3D)
from .linear_operator import LinearOperator, _t

__all__ = ["LinearOperatorKronecker", "LinearOperatorBlockDiag",
           "LinearOperatorBlockLowerTriangular", "LinearOperatorLowRankUpdate",
           "LinearOperatorPermutation", "LinearOperatorToeplitz", "LinearOperatorCirculant",
           "LinearOperatorCirculant2D", "LinearOperatorCirculant3D",
           "LinearOperatorHouseholder", "LinearOperatorTridiag"]


def _zeros(shape: tuple, dtype: Any) -> Any:
    return as_tensor(np.zeros(shape, dtype._numpy()))


def _batch(ops: list) -> tuple:
    return tuple(np.broadcast_shapes(*[o._shape()[:-2] for o in ops]))


def _bcast(x: Any, batch: tuple) -> Any:
    if tuple(x.shape[:-2]) == batch:
        return x
    return m.add(x, _zeros(batch + tuple(x.shape[-2:]), x.dtype))


class LinearOperatorKronecker(LinearOperator):
    """The Kronecker product `A1 (x) A2 (x) ...` (TF's `tf.linalg.LinearOperatorKronecker`).

    Example:
        >>> import ember as tf
        >>> a = tf.linalg.LinearOperatorDiag([1.0, 2.0])
        >>> tf.linalg.LinearOperatorKronecker([a, a]).diag_part().numpy()
        array([1., 2., 2., 4.], dtype=float32)
    """

    def __init__(self, operators: list, is_non_singular: Any = None,
                 is_self_adjoint: Any = None, is_positive_definite: Any = None,
                 is_square: Any = None, name: str | None = None):
        self._ops = list(operators)
        if not self._ops:
            raise InvalidArgumentError("LinearOperatorKronecker: needs operators.")
        super().__init__(self._ops[0].dtype, None, is_non_singular, is_self_adjoint,
                         is_positive_definite, is_square,
                         name or "_x_".join(o.name for o in self._ops),
                         dict(operators=self._ops))

    operators = property(lambda self: list(self._ops))

    def _shape(self) -> tuple:
        rows = int(np.prod([o._shape()[-2] for o in self._ops]))
        cols = int(np.prod([o._shape()[-1] for o in self._ops]))
        return _batch(self._ops) + (rows, cols)

    def _to_dense(self) -> Any:
        out = self._ops[0].to_dense()
        for o in self._ops[1:]:
            b = o.to_dense()
            k = einsum("...ij,...kl->...ikjl", out, b)
            s = tuple(k.shape)
            out = sh.reshape(k, s[:-4] + (s[-4] * s[-3], s[-2] * s[-1]))
        return out

    def _determinant(self) -> Any:
        # det(A (x) B) = det(A)^n_B * det(B)^n_A for square factors.
        n = self._shape()[-1]
        out = None
        for o in self._ops:
            k = n // o._shape()[-1]
            term = m.pow(o.determinant(), cast(as_tensor(k), self.dtype))
            out = term if out is None else m.multiply(out, term)
        return out

    def _log_abs_determinant(self) -> Any:
        n = self._shape()[-1]
        out = None
        for o in self._ops:
            term = m.multiply(float(n // o._shape()[-1]), o.log_abs_determinant()) \
                if not self.dtype.is_complex else m.multiply(
                    cast(as_tensor(float(n // o._shape()[-1])), self.dtype),
                    o.log_abs_determinant())
            out = term if out is None else m.add(out, term)
        return out


def _block_matrix(rows: list, dtype: Any, batch: tuple) -> Any:
    return sh.concat([sh.concat([_bcast(b, batch) for b in row], axis=-1) for row in rows],
                     axis=-2)


class LinearOperatorBlockDiag(LinearOperator):
    """The block-diagonal operator of square operators (TF's
    `tf.linalg.LinearOperatorBlockDiag`).

    Example:
        >>> import ember as tf
        >>> a = tf.linalg.LinearOperatorDiag([2.0])
        >>> b = tf.linalg.LinearOperatorFullMatrix([[1.0, 1.0], [0.0, 1.0]])
        >>> tf.linalg.LinearOperatorBlockDiag([a, b]).to_dense().numpy()
        array([[2., 0., 0.],
               [0., 1., 1.],
               [0., 0., 1.]], dtype=float32)
    """

    def __init__(self, operators: list, is_non_singular: Any = None,
                 is_self_adjoint: Any = None, is_positive_definite: Any = None,
                 is_square: Any = True, name: str | None = None):
        self._ops = list(operators)
        if not self._ops:
            raise InvalidArgumentError("LinearOperatorBlockDiag: needs operators.")
        super().__init__(self._ops[0].dtype, None, is_non_singular, is_self_adjoint,
                         is_positive_definite, is_square,
                         name or "_ds_".join(o.name for o in self._ops),
                         dict(operators=self._ops))

    operators = property(lambda self: list(self._ops))

    def _shape(self) -> tuple:
        return _batch(self._ops) + (sum(o._shape()[-2] for o in self._ops),
                                    sum(o._shape()[-1] for o in self._ops))

    def _to_dense(self) -> Any:
        batch = _batch(self._ops)
        rows = []
        for i, o in enumerate(self._ops):
            row = [o.to_dense() if j == i else
                   _zeros((o._shape()[-2], p._shape()[-1]), self.dtype)
                   for j, p in enumerate(self._ops)]
            rows.append(row)
        return _block_matrix(rows, self.dtype, batch)

    def _determinant(self) -> Any:
        out = self._ops[0].determinant()
        for o in self._ops[1:]:
            out = m.multiply(out, o.determinant())
        return out

    def _log_abs_determinant(self) -> Any:
        out = self._ops[0].log_abs_determinant()
        for o in self._ops[1:]:
            out = m.add(out, o.log_abs_determinant())
        return out


class LinearOperatorBlockLowerTriangular(LinearOperator):
    """The block lower-triangular operator from rows of operators: row i holds i + 1
    operators, the last one on the diagonal (TF's
    `tf.linalg.LinearOperatorBlockLowerTriangular`).

    Example:
        >>> import ember as tf
        >>> a = tf.linalg.LinearOperatorDiag([2.0])
        >>> c = tf.linalg.LinearOperatorFullMatrix([[5.0]])
        >>> tf.linalg.LinearOperatorBlockLowerTriangular([[a], [c, a]]).to_dense().numpy()
        array([[2., 0.],
               [5., 2.]], dtype=float32)
    """

    def __init__(self, operators: list, is_non_singular: Any = None,
                 is_self_adjoint: Any = None, is_positive_definite: Any = None,
                 is_square: Any = None, name: str = "LinearOperatorBlockLowerTriangular"):
        self._rows = [list(row) for row in operators]
        for i, row in enumerate(self._rows):
            if len(row) != i + 1:
                raise ShapeError(f"{name}: row {i} must hold {i + 1} operators, received "
                                 f"{len(row)}.")
        self._diag_ops = [row[-1] for row in self._rows]
        super().__init__(self._rows[0][0].dtype, None, is_non_singular, is_self_adjoint,
                         is_positive_definite, True, name, dict(operators=operators))

    def _shape(self) -> tuple:
        ops = [o for row in self._rows for o in row]
        return _batch(ops) + (sum(o._shape()[-2] for o in self._diag_ops),
                              sum(o._shape()[-1] for o in self._diag_ops))

    def _to_dense(self) -> Any:
        batch = self._shape()[:-2]
        rows = []
        for i, row in enumerate(self._rows):
            n_i = self._diag_ops[i]._shape()[-2]
            blocks = [o.to_dense() for o in row]
            blocks += [_zeros((n_i, d._shape()[-1]), self.dtype)
                       for d in self._diag_ops[i + 1:]]
            rows.append(blocks)
        return _block_matrix(rows, self.dtype, batch)

    def _determinant(self) -> Any:
        out = self._diag_ops[0].determinant()
        for o in self._diag_ops[1:]:
            out = m.multiply(out, o.determinant())
        return out


class LinearOperatorLowRankUpdate(LinearOperator):
    """`base + U diag(d) V^H` (TF's `tf.linalg.LinearOperatorLowRankUpdate`; V = U and d =
    1 when not given).

    Example:
        >>> import ember as tf
        >>> base = tf.linalg.LinearOperatorIdentity(2)
        >>> op = tf.linalg.LinearOperatorLowRankUpdate(base, [[1.0], [1.0]])
        >>> op.to_dense().numpy()
        array([[2., 1.],
               [1., 2.]], dtype=float32)
    """

    def __init__(self, base_operator: LinearOperator, u: Any, diag_update: Any = None,
                 v: Any = None, is_diag_update_positive: Any = None,
                 is_non_singular: Any = None, is_self_adjoint: Any = None,
                 is_positive_definite: Any = None, is_square: Any = None,
                 name: str = "LinearOperatorLowRankUpdate"):
        self._base = base_operator
        self._u = _t(u, base_operator.dtype)
        self._v = self._u if v is None else _t(v, base_operator.dtype)
        self._d = None if diag_update is None else _t(diag_update, base_operator.dtype)
        if is_self_adjoint is None and v is None and base_operator.is_self_adjoint:
            is_self_adjoint = True
        super().__init__(base_operator.dtype, None, is_non_singular, is_self_adjoint,
                         is_positive_definite, base_operator.is_square, name,
                         dict(base_operator=base_operator, u=u, diag_update=diag_update,
                              v=v))

    base_operator = property(lambda self: self._base)
    u = property(lambda self: self._u)
    v = property(lambda self: self._v)
    diag_update = property(lambda self: self._d)

    def _shape(self) -> tuple:
        batch = np.broadcast_shapes(self._base._shape()[:-2], tuple(self._u.shape[:-2]))
        return tuple(batch) + self._base._shape()[-2:]

    def _to_dense(self) -> Any:
        u = self._u if self._d is None else m.multiply(self._u, self._d[..., None, :])
        return m.add(self._base.to_dense(), matmul(u, self._v, adjoint_b=True))


class LinearOperatorPermutation(LinearOperator):
    """The permutation matrix with `P[i, perm[i]] = 1`, so `P x = x[perm]` (TF's
    `tf.linalg.LinearOperatorPermutation`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.LinearOperatorPermutation([1, 0]).to_dense().numpy()
        array([[0., 1.],
               [1., 0.]], dtype=float32)
    """

    def __init__(self, perm: Any, dtype: Any = float32, is_non_singular: Any = None,
                 is_self_adjoint: Any = None, is_positive_definite: Any = None,
                 is_square: Any = None, name: str = "LinearOperatorPermutation"):
        self._perm = as_tensor(perm)
        if not self._perm.dtype.is_integer:
            raise InvalidArgumentError(f"{name}: perm must be integers, received "
                                       f"{self._perm.dtype.name}.")
        super().__init__(dtype, None, True, is_self_adjoint, is_positive_definite, True,
                         name, dict(perm=perm))

    perm = property(lambda self: self._perm)

    def _shape(self) -> tuple:
        s = tuple(self._perm.shape)
        return s + (s[-1],)

    def _to_dense(self) -> Any:
        n = self._shape()[-1]
        idx = as_tensor(np.arange(n, dtype=self._perm.dtype._numpy()))
        return cast(m.equal(self._perm[..., :, None], idx), self.dtype)

    def _solve(self, rhs: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        # P is orthogonal: P^-1 = P^T.
        return self._matmul(rhs, not adjoint, adjoint_arg)

    def _determinant(self) -> Any:
        return super()._determinant()


class LinearOperatorToeplitz(LinearOperator):
    """The Toeplitz matrix with first column `col` and first row `row` (`row[0]` is
    ignored, as TF's `tf.linalg.LinearOperatorToeplitz`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.LinearOperatorToeplitz([1.0, 2.0], [1.0, 3.0]).to_dense().numpy()
        array([[1., 3.],
               [2., 1.]], dtype=float32)
    """

    def __init__(self, col: Any, row: Any, is_non_singular: Any = None,
                 is_self_adjoint: Any = None, is_positive_definite: Any = None,
                 is_square: Any = None, name: str = "LinearOperatorToeplitz"):
        self._col = _t(col)
        self._row = _t(row, self._col.dtype)
        super().__init__(self._col.dtype, None, is_non_singular, is_self_adjoint,
                         is_positive_definite, True, name, dict(col=col, row=row))

    col = property(lambda self: self._col)
    row = property(lambda self: self._row)

    def _shape(self) -> tuple:
        batch = np.broadcast_shapes(tuple(self._col.shape[:-1]), tuple(self._row.shape[:-1]))
        n = self._col.shape[-1]
        return tuple(batch) + (n, n)

    def _to_dense(self) -> Any:
        n = self._shape()[-1]
        dt = self.dtype._numpy()
        i, j = np.arange(n)[:, None], np.arange(n)[None, :]
        # sel_c[i, j, k] = 1 where k = i - j >= 0; sel_r[i, j, k] = 1 where k = j - i > 0
        sel_c = ((i - j)[..., None] == np.arange(n)).astype(dt)
        sel_r = (((j - i)[..., None] == np.arange(n)) & (j > i)[..., None]).astype(dt)
        return m.add(einsum("...k,ijk->...ij", self._col, as_tensor(sel_c)),
                     einsum("...k,ijk->...ij", self._row, as_tensor(sel_r)))


class LinearOperatorHouseholder(LinearOperator):
    """The reflection `I - 2 v v^H / (v^H v)` about the hyperplane orthogonal to
    `reflection_axis` v (TF's `tf.linalg.LinearOperatorHouseholder`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.LinearOperatorHouseholder([1.0, 0.0]).to_dense().numpy()
        array([[-1.,  0.],
               [ 0.,  1.]], dtype=float32)
    """

    def __init__(self, reflection_axis: Any, is_non_singular: Any = None,
                 is_self_adjoint: Any = None, is_positive_definite: Any = None,
                 is_square: Any = None, name: str = "LinearOperatorHouseholder"):
        self._v = _t(reflection_axis)
        super().__init__(self._v.dtype, None, True, True, is_positive_definite, True, name,
                         dict(reflection_axis=reflection_axis))

    reflection_axis = property(lambda self: self._v)

    def _shape(self) -> tuple:
        s = tuple(self._v.shape)
        return s + (s[-1],)

    def _to_dense(self) -> Any:
        n = self._shape()[-1]
        v = self._v[..., :, None]
        vv = matmul(v, v, adjoint_a=True)
        outer = matmul(v, v, adjoint_b=True)
        eye = as_tensor(np.eye(n, dtype=self.dtype._numpy()))
        return m.subtract(eye, m.divide(m.multiply(outer, 2.0 if not self.dtype.is_complex
                                                   else cast(as_tensor(2.0), self.dtype)),
                                        vv))

    def _solve(self, rhs: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        return self._matmul(rhs, adjoint, adjoint_arg)  # a reflection is its own inverse

    def _determinant(self) -> Any:
        return m.negative(as_tensor(np.ones(self._shape()[:-2], self.dtype._numpy())))

    def _log_abs_determinant(self) -> Any:
        return as_tensor(np.zeros(self._shape()[:-2], self.dtype._numpy()))


class LinearOperatorTridiag(LinearOperator):
    """A tridiagonal operator from its diagonals, in TF's formats 'compact' ([..., 3, N]:
    super, main, sub), 'sequence' and 'matrix' (TF's `tf.linalg.LinearOperatorTridiag`).

    Example:
        >>> import ember as tf
        >>> d = tf.constant([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 3.0, 3.0]])
        >>> tf.linalg.LinearOperatorTridiag(d).to_dense().numpy()
        array([[2., 1., 0.],
               [3., 2., 1.],
               [0., 3., 2.]], dtype=float32)
    """

    def __init__(self, diagonals: Any, diagonals_format: str = "compact",
                 is_non_singular: Any = None, is_self_adjoint: Any = None,
                 is_positive_definite: Any = None, is_square: Any = None,
                 name: str = "LinearOperatorTridiag"):
        self._parts = _tridiag_parts(diagonals, diagonals_format, name)
        self._diagonals = diagonals
        self._format = diagonals_format
        super().__init__(self._parts[1].dtype, None, is_non_singular, is_self_adjoint,
                         is_positive_definite, True, name,
                         dict(diagonals=diagonals, diagonals_format=diagonals_format))

    diagonals = property(lambda self: self._diagonals)
    diagonals_format = property(lambda self: self._format)

    def _shape(self) -> tuple:
        s = tuple(self._parts[1].shape)
        return s + (s[-1],)

    def _to_dense(self) -> Any:
        return _tridiag_dense(*self._parts)

    def _diag_part(self) -> Any:
        return self._parts[1]

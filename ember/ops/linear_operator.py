"""TF's LinearOperator family (`tf.linalg.LinearOperator*`): matrices given by structure.

The base class computes every member from `to_dense()` (matmul, solve, determinant, ...);
each operator builds its dense matrix with differentiable ops and overrides the members
its structure makes cheap (a diagonal's solve, a triangle's determinant, ...). More
operators are in `linear_operator_more.py`.

Example:
    >>> import ember as tf
    >>> op = tf.linalg.LinearOperatorDiag([1.0, 2.0])
    >>> op.matvec(tf.constant([3.0, 4.0])).numpy()
    array([3., 8.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import as_dtype
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.shape import TensorShape
from ..prims.convert import as_tensor, cast, convert_to_tensor
from ..prims.linalg import matmul as _matmul
from . import math_ops as m
from . import reduce_ops as r
from .linalg_decomp_ops import (band_part, cholesky, det, eigvalsh, matrix_solve, slogdet,
                                matrix_triangular_solve, svd)
from .linalg_extra import adjoint as _adjoint
from .linalg_extra import diag as _diag
from .linalg_extra import diag_part as _diag_part

__all__ = ["LinearOperator", "LinearOperatorFullMatrix", "LinearOperatorDiag",
           "LinearOperatorLowerTriangular", "LinearOperatorAdjoint",
           "LinearOperatorInversion", "LinearOperatorComposition"]


def _t(x: Any, dtype: Any = None) -> Any:
    t = convert_to_tensor(x, dtype=dtype) if dtype is not None else as_tensor(x)
    return t


def _adj(x: Any) -> Any:
    return _adjoint(x)


class LinearOperator:
    """The base of the LinearOperator family: an abstract `[..., M, N]` matrix (TF's
    `tf.linalg.LinearOperator`). Subclasses implement `_shape()` and `_to_dense()`.

    Example:
        >>> import ember as tf
        >>> op = tf.linalg.LinearOperatorFullMatrix([[1.0, 2.0], [3.0, 4.0]])
        >>> op.shape, float(op.determinant())
        (TensorShape([2, 2]), -2.0)
    """

    def __init__(self, dtype: Any, graph_parents: Any = None, is_non_singular: Any = None,
                 is_self_adjoint: Any = None, is_positive_definite: Any = None,
                 is_square: Any = None, name: str | None = None, parameters: Any = None):
        self._dtype = as_dtype(dtype) if dtype is not None else None
        if is_positive_definite and is_non_singular is False:
            raise InvalidArgumentError(f"{type(self).__name__}: a positive-definite "
                                       f"operator is non-singular.")
        self._is_non_singular = is_non_singular
        self._is_self_adjoint = is_self_adjoint
        self._is_positive_definite = is_positive_definite
        self._is_square_hint = is_square
        self._name = name or type(self).__name__
        self._parameters = dict(parameters or {})

    # -- hints and shapes --------------------------------------------------------------
    dtype = property(lambda self: self._dtype)
    name = property(lambda self: self._name)
    parameters = property(lambda self: dict(self._parameters))
    is_non_singular = property(lambda self: self._is_non_singular)
    is_self_adjoint = property(lambda self: self._is_self_adjoint)
    is_positive_definite = property(lambda self: self._is_positive_definite)

    @property
    def is_square(self) -> Any:
        if self._is_square_hint is not None:
            return self._is_square_hint
        m_, n_ = self.shape[-2], self.shape[-1]
        return None if m_ is None or n_ is None else m_ == n_

    def _shape(self) -> tuple:
        return tuple(self.to_dense().shape)

    @property
    def shape(self) -> TensorShape:
        return TensorShape(list(self._shape()))

    def shape_tensor(self, name: str = "shape_tensor") -> Any:
        return as_tensor(np.asarray(self._shape(), np.int32))

    @property
    def batch_shape(self) -> TensorShape:
        return TensorShape(list(self._shape()[:-2]))

    @property
    def tensor_rank(self) -> int:
        return len(self._shape())

    @property
    def range_dimension(self) -> Any:
        return self._shape()[-2]

    @property
    def domain_dimension(self) -> Any:
        return self._shape()[-1]

    def range_dimension_tensor(self, name: str | None = None) -> Any:
        return as_tensor(np.int32(self.range_dimension))

    def domain_dimension_tensor(self, name: str | None = None) -> Any:
        return as_tensor(np.int32(self.domain_dimension))

    # -- dense fallbacks -----------------------------------------------------------------
    def to_dense(self, name: str = "to_dense") -> Any:
        """The operator as a dense `[..., M, N]` tensor."""
        return self._to_dense()

    def _to_dense(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement _to_dense.")

    def _check_square(self, what: str) -> None:
        if self.is_square is False:
            raise InvalidArgumentError(f"{self.name}: {what} needs a square operator, this "
                                       f"one has shape {self.shape}.")

    def _matmul(self, x: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        return _matmul(self.to_dense(), x, adjoint_a=adjoint, adjoint_b=adjoint_arg)

    def matmul(self, x: Any, adjoint: bool = False, adjoint_arg: bool = False,
               name: str = "matmul") -> Any:
        """`op(A) @ op(x)`; with a LinearOperator x, their composition."""
        if isinstance(x, LinearOperator):
            left = self.adjoint() if adjoint else self
            right = x.adjoint() if adjoint_arg else x
            return LinearOperatorComposition([left, right])
        x = _t(x, self.dtype)
        self._check_arg(x, adjoint, adjoint_arg, "matmul")
        return self._matmul(x, adjoint, adjoint_arg)

    def _check_arg(self, x: Any, adjoint: bool, adjoint_arg: bool, op: str) -> None:
        if x.shape.rank is not None and x.shape.rank < 2:
            raise ShapeError(f"{self.name}.{op}: x must be a matrix [..., N, R], received "
                             f"shape {x.shape}; use {op.replace('matmul', 'matvec')} for "
                             f"vectors.")
        inner = self.range_dimension if adjoint else self.domain_dimension
        got = x.shape[-1] if adjoint_arg else x.shape[-2]
        if op == "solve":
            inner = self.domain_dimension if adjoint else self.range_dimension
        if inner is not None and got is not None and inner != got:
            raise ShapeError(f"{self.name}.{op}: the operator of shape {self.shape} "
                             f"(adjoint={adjoint}) does not fit x of shape {x.shape} "
                             f"(adjoint_arg={adjoint_arg}): {inner} vs {got}.")

    def __matmul__(self, other: Any) -> Any:
        return self.matmul(other)

    def matvec(self, x: Any, adjoint: bool = False, name: str = "matvec") -> Any:
        """`op(A) @ x` for vectors x [..., N]."""
        x = _t(x, self.dtype)
        return self.matmul(x[..., None], adjoint=adjoint)[..., 0]

    def _solve(self, rhs: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        rhs = _adj(rhs) if adjoint_arg else rhs
        return matrix_solve(self.to_dense(), rhs, adjoint=adjoint)

    def solve(self, rhs: Any, adjoint: bool = False, adjoint_arg: bool = False,
              name: str = "solve") -> Any:
        """X with `op(A) X = op(rhs)`; with a LinearOperator rhs, `inv(A) @ rhs`."""
        self._check_square("solve")
        if isinstance(rhs, LinearOperator):
            left = self.adjoint() if adjoint else self
            right = rhs.adjoint() if adjoint_arg else rhs
            return LinearOperatorComposition([left.inverse(), right])
        rhs = _t(rhs, self.dtype)
        self._check_arg(rhs, adjoint, adjoint_arg, "solve")
        return self._solve(rhs, adjoint, adjoint_arg)

    def solvevec(self, rhs: Any, adjoint: bool = False, name: str = "solve") -> Any:
        """x with `op(A) x = rhs` for vectors rhs [..., M]."""
        rhs = _t(rhs, self.dtype)
        return self.solve(rhs[..., None], adjoint=adjoint)[..., 0]

    def _determinant(self) -> Any:
        return det(self.to_dense())

    def determinant(self, name: str = "det") -> Any:
        self._check_square("determinant")
        return self._determinant()

    def _log_abs_determinant(self) -> Any:
        return slogdet(self.to_dense())[1]

    def log_abs_determinant(self, name: str = "log_abs_det") -> Any:
        self._check_square("log_abs_determinant")
        return self._log_abs_determinant()

    def _diag_part(self) -> Any:
        return _diag_part(self.to_dense())

    def diag_part(self, name: str = "diag_part") -> Any:
        return self._diag_part()

    def trace(self, name: str = "trace") -> Any:
        return r.reduce_sum(self.diag_part(), axis=-1)

    def add_to_tensor(self, x: Any, name: str = "add_to_tensor") -> Any:
        return m.add(self.to_dense(), _t(x, self.dtype))

    def adjoint(self, name: str = "adjoint") -> "LinearOperator":
        if self.is_self_adjoint:
            return self
        return LinearOperatorAdjoint(self)

    H = property(lambda self: self.adjoint())

    def inverse(self, name: str = "inverse") -> "LinearOperator":
        if self.is_square is False:
            raise InvalidArgumentError(f"{self.name}: cannot invert a non-square operator.")
        if self.is_non_singular is False:
            raise InvalidArgumentError(f"{self.name}: cannot invert a singular operator.")
        return LinearOperatorInversion(self)

    def cholesky(self, name: str = "cholesky") -> "LinearOperator":
        if not (self.is_positive_definite and self.is_self_adjoint):
            raise InvalidArgumentError(f"{self.name}: cholesky needs an operator hinted "
                                       f"is_positive_definite=True and is_self_adjoint=True.")
        return LinearOperatorLowerTriangular(cholesky(self.to_dense()),
                                             is_non_singular=True, is_square=True)

    def eigvals(self, name: str = "eigvals") -> Any:
        if not self.is_self_adjoint:
            raise NotImplementedError(f"{self.name}: eigvals is implemented for operators "
                                      f"hinted is_self_adjoint=True only.")
        return eigvalsh(self.to_dense())

    def cond(self, name: str = "cond") -> Any:
        s = svd(self.to_dense(), compute_uv=False)
        return m.divide(r.reduce_max(s, axis=-1), r.reduce_min(s, axis=-1))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.name}' shape={self.shape} dtype={self.dtype}>"


# -- concrete operators ----------------------------------------------------------------

class LinearOperatorFullMatrix(LinearOperator):
    """A LinearOperator holding a dense `[..., M, N]` matrix (TF's
    `tf.linalg.LinearOperatorFullMatrix`).

    Example:
        >>> import ember as tf
        >>> op = tf.linalg.LinearOperatorFullMatrix([[1.0, 2.0], [3.0, 4.0]])
        >>> op.solvevec([5.0, 11.0]).numpy().round(4)
        array([1., 2.], dtype=float32)
    """

    def __init__(self, matrix: Any, is_non_singular: Any = None, is_self_adjoint: Any = None,
                 is_positive_definite: Any = None, is_square: Any = None,
                 name: str = "LinearOperatorFullMatrix"):
        self._matrix = _t(matrix)
        if self._matrix.shape.rank is not None and self._matrix.shape.rank < 2:
            raise ShapeError(f"{name}: matrix must have rank >= 2, received shape "
                             f"{self._matrix.shape}.")
        super().__init__(self._matrix.dtype, None, is_non_singular, is_self_adjoint,
                         is_positive_definite, is_square, name, dict(matrix=matrix))

    def _shape(self) -> tuple:
        return tuple(self._matrix.shape)

    def _to_dense(self) -> Any:
        return self._matrix


class LinearOperatorDiag(LinearOperator):
    """A diagonal operator `[..., N, N]` from its diagonal `[..., N]` (TF's
    `tf.linalg.LinearOperatorDiag`).

    Example:
        >>> import ember as tf
        >>> float(tf.linalg.LinearOperatorDiag([2.0, 3.0]).determinant())
        6.0
    """

    def __init__(self, diag: Any, is_non_singular: Any = None, is_self_adjoint: Any = None,
                 is_positive_definite: Any = None, is_square: Any = True,
                 name: str = "LinearOperatorDiag"):
        self._diag = _t(diag)
        if self._diag.shape.rank is not None and self._diag.shape.rank < 1:
            raise ShapeError(f"{name}: diag must have rank >= 1, received shape "
                             f"{self._diag.shape}.")
        if is_square is False:
            raise InvalidArgumentError(f"{name}: a diagonal operator is square.")
        if is_self_adjoint is None and not self._diag.dtype.is_complex:
            is_self_adjoint = True
        super().__init__(self._diag.dtype, None, is_non_singular, is_self_adjoint,
                         is_positive_definite, True, name, dict(diag=diag))

    diag = property(lambda self: self._diag)

    def _shape(self) -> tuple:
        s = tuple(self._diag.shape)
        return s + (s[-1],)

    def _to_dense(self) -> Any:
        return _diag(self._diag)

    def _d(self, adjoint: bool) -> Any:
        return m.conj(self._diag) if adjoint and self._diag.dtype.is_complex else self._diag

    def _matmul(self, x: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        x = _adj(x) if adjoint_arg else x
        return m.multiply(self._d(adjoint)[..., :, None], x)

    def _solve(self, rhs: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        rhs = _adj(rhs) if adjoint_arg else rhs
        return m.divide(rhs, self._d(adjoint)[..., :, None])

    def _determinant(self) -> Any:
        return r.reduce_prod(self._diag, axis=-1)

    def _log_abs_determinant(self) -> Any:
        out = r.reduce_sum(m.log(m.abs(self._diag)), axis=-1)
        return cast(out, self.dtype) if self.dtype.is_complex else out

    def _diag_part(self) -> Any:
        return self._diag


class LinearOperatorLowerTriangular(LinearOperator):
    """A lower-triangular operator; only the lower triangle of `tril` is read (TF's
    `tf.linalg.LinearOperatorLowerTriangular`).

    Example:
        >>> import ember as tf
        >>> op = tf.linalg.LinearOperatorLowerTriangular([[2.0, 9.0], [1.0, 1.0]])
        >>> op.to_dense().numpy()
        array([[2., 0.],
               [1., 1.]], dtype=float32)
    """

    def __init__(self, tril: Any, is_non_singular: Any = None, is_self_adjoint: Any = None,
                 is_positive_definite: Any = None, is_square: Any = None,
                 name: str = "LinearOperatorLowerTriangular"):
        self._tril = _t(tril)
        if is_square is False:
            raise InvalidArgumentError(f"{name}: a triangular operator is square.")
        super().__init__(self._tril.dtype, None, is_non_singular, is_self_adjoint,
                         is_positive_definite, True, name, dict(tril=tril))

    def _shape(self) -> tuple:
        return tuple(self._tril.shape)

    def _to_dense(self) -> Any:
        return band_part(self._tril, -1, 0)

    def _solve(self, rhs: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        rhs = _adj(rhs) if adjoint_arg else rhs
        return matrix_triangular_solve(self._tril, rhs, lower=True, adjoint=adjoint)

    def _determinant(self) -> Any:
        return r.reduce_prod(_diag_part(self._tril), axis=-1)

    def _log_abs_determinant(self) -> Any:
        out = r.reduce_sum(m.log(m.abs(_diag_part(self._tril))), axis=-1)
        return cast(out, self.dtype) if self.dtype.is_complex else out


class LinearOperatorAdjoint(LinearOperator):
    """The adjoint of another operator (TF's `tf.linalg.LinearOperatorAdjoint`).

    Example:
        >>> import ember as tf
        >>> op = tf.linalg.LinearOperatorFullMatrix([[1.0, 2.0], [3.0, 4.0]])
        >>> tf.linalg.LinearOperatorAdjoint(op).to_dense().numpy()
        array([[1., 3.],
               [2., 4.]], dtype=float32)
    """

    def __init__(self, operator: LinearOperator, is_non_singular: Any = None,
                 is_self_adjoint: Any = None, is_positive_definite: Any = None,
                 is_square: Any = None, name: str | None = None):
        self._op = operator
        super().__init__(operator.dtype, None,
                         operator.is_non_singular if is_non_singular is None else is_non_singular,
                         operator.is_self_adjoint if is_self_adjoint is None else is_self_adjoint,
                         operator.is_positive_definite if is_positive_definite is None
                         else is_positive_definite, operator.is_square, name or
                         operator.name + "_adjoint", dict(operator=operator))

    operator = property(lambda self: self._op)

    def _shape(self) -> tuple:
        s = self._op._shape()
        return s[:-2] + (s[-1], s[-2])

    def _to_dense(self) -> Any:
        return _adj(self._op.to_dense())

    def _matmul(self, x: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        return self._op._matmul(x, not adjoint, adjoint_arg)

    def _solve(self, rhs: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        return self._op._solve(rhs, not adjoint, adjoint_arg)

    def _determinant(self) -> Any:
        d = self._op.determinant()
        return m.conj(d) if d.dtype.is_complex else d

    def _log_abs_determinant(self) -> Any:
        return self._op.log_abs_determinant()

    def adjoint(self, name: str = "adjoint") -> LinearOperator:
        return self._op


class LinearOperatorInversion(LinearOperator):
    """The inverse of a square, non-singular operator (TF's
    `tf.linalg.LinearOperatorInversion`): its matmul is the operator's solve.

    Example:
        >>> import ember as tf
        >>> op = tf.linalg.LinearOperatorDiag([2.0, 4.0])
        >>> tf.linalg.LinearOperatorInversion(op).matvec([1.0, 1.0]).numpy()
        array([0.5 , 0.25], dtype=float32)
    """

    def __init__(self, operator: LinearOperator, is_non_singular: Any = None,
                 is_self_adjoint: Any = None, is_positive_definite: Any = None,
                 is_square: Any = None, name: str | None = None):
        if operator.is_square is False:
            raise InvalidArgumentError("LinearOperatorInversion: the operator must be "
                                       "square.")
        self._op = operator
        super().__init__(operator.dtype, None, True,
                         operator.is_self_adjoint if is_self_adjoint is None else is_self_adjoint,
                         operator.is_positive_definite if is_positive_definite is None
                         else is_positive_definite, True, name or operator.name + "_inverse",
                         dict(operator=operator))

    operator = property(lambda self: self._op)

    def _shape(self) -> tuple:
        return self._op._shape()

    def _to_dense(self) -> Any:
        n = self._shape()[-1]
        eye = as_tensor(np.eye(n, dtype=self.dtype._numpy()))
        return self._op._solve(eye, False, False)

    def _matmul(self, x: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        return self._op._solve(x, adjoint, adjoint_arg)

    def _solve(self, rhs: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        return self._op._matmul(rhs, adjoint, adjoint_arg)

    def _determinant(self) -> Any:
        return m.reciprocal(self._op.determinant())

    def _log_abs_determinant(self) -> Any:
        return m.negative(self._op.log_abs_determinant())

    def inverse(self, name: str = "inverse") -> LinearOperator:
        return self._op


class LinearOperatorComposition(LinearOperator):
    """The product `A1 @ A2 @ ... @ An` of operators (TF's
    `tf.linalg.LinearOperatorComposition`).

    Example:
        >>> import ember as tf
        >>> a = tf.linalg.LinearOperatorDiag([2.0, 3.0])
        >>> float(tf.linalg.LinearOperatorComposition([a, a]).determinant())
        36.0
    """

    def __init__(self, operators: list, is_non_singular: Any = None,
                 is_self_adjoint: Any = None, is_positive_definite: Any = None,
                 is_square: Any = None, name: str | None = None):
        ops = list(operators)
        if not ops:
            raise InvalidArgumentError("LinearOperatorComposition: needs at least one "
                                       "operator.")
        for a, b in zip(ops, ops[1:]):
            if a.domain_dimension is not None and b.range_dimension is not None and \
                    a.domain_dimension != b.range_dimension:
                raise ShapeError(f"LinearOperatorComposition: operators of shapes "
                                 f"{a.shape} and {b.shape} don't compose.")
        self._ops = ops
        if is_non_singular is None and all(o.is_non_singular for o in ops):
            is_non_singular = True
        super().__init__(ops[0].dtype, None, is_non_singular, is_self_adjoint,
                         is_positive_definite, is_square,
                         name or "_o_".join(o.name for o in ops), dict(operators=ops))

    operators = property(lambda self: list(self._ops))

    def _shape(self) -> tuple:
        batch = np.broadcast_shapes(*[o._shape()[:-2] for o in self._ops])
        return tuple(batch) + (self._ops[0]._shape()[-2], self._ops[-1]._shape()[-1])

    def _to_dense(self) -> Any:
        out = self._ops[-1].to_dense()
        for o in reversed(self._ops[:-1]):
            out = o.matmul(out)
        return out

    def _matmul(self, x: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        ops = self._ops if adjoint else list(reversed(self._ops))
        out = x
        for k, o in enumerate(ops):
            out = o._matmul(out, adjoint, adjoint_arg and k == 0)
        return out

    def _solve(self, rhs: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        ops = list(reversed(self._ops)) if adjoint else self._ops
        out = rhs
        for k, o in enumerate(ops):
            out = o._solve(out, adjoint, adjoint_arg and k == 0)
        return out

    def _determinant(self) -> Any:
        if any(o.is_square is False for o in self._ops):
            return super()._determinant()
        out = self._ops[0].determinant()
        for o in self._ops[1:]:
            out = m.multiply(out, o.determinant())
        return out

    def _log_abs_determinant(self) -> Any:
        if any(o.is_square is False for o in self._ops):
            return super()._log_abs_determinant()
        out = self._ops[0].log_abs_determinant()
        for o in self._ops[1:]:
            out = m.add(out, o.log_abs_determinant())
        return out

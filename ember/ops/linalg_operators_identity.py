"""TF's identity-like LinearOperators: Identity, ScaledIdentity and Zeros (the base class
is in `linear_operator.py`).

Example:
    >>> import ember as tf
    >>> tf.linalg.LinearOperatorScaledIdentity(2, 3.0).to_dense().numpy()
    array([[3., 0.],
           [0., 3.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import float32
from ..core.errors import InvalidArgumentError
from ..prims.convert import as_tensor, cast
from . import math_ops as m
from .linear_operator import LinearOperator, _adj, _t

__all__ = ["LinearOperatorIdentity", "LinearOperatorScaledIdentity", "LinearOperatorZeros"]


def _batch_tuple(batch_shape: Any) -> tuple:
    if batch_shape is None:
        return ()
    if hasattr(batch_shape, "numpy"):
        batch_shape = batch_shape.numpy()
    return tuple(int(d) for d in np.asarray(batch_shape).reshape(-1))


class LinearOperatorIdentity(LinearOperator):
    """The identity `[*batch_shape, N, N]` (TF's `tf.linalg.LinearOperatorIdentity`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.LinearOperatorIdentity(2).matvec([1.0, 2.0]).numpy()
        array([1., 2.], dtype=float32)
    """

    def __init__(self, num_rows: Any, batch_shape: Any = None, dtype: Any = None,
                 is_non_singular: Any = True, is_self_adjoint: Any = True,
                 is_positive_definite: Any = True, is_square: Any = True,
                 assert_proper_shapes: bool = False, name: str = "LinearOperatorIdentity"):
        n = int(num_rows.numpy() if hasattr(num_rows, "numpy") else num_rows)
        if n < 0:
            raise InvalidArgumentError(f"{name}: num_rows must be >= 0, received {n}.")
        self._n = n
        self._batch = _batch_tuple(batch_shape)
        super().__init__(dtype or float32, None, is_non_singular, is_self_adjoint,
                         is_positive_definite, is_square, name,
                         dict(num_rows=num_rows, batch_shape=batch_shape))

    def _shape(self) -> tuple:
        return self._batch + (self._n, self._n)

    def _to_dense(self) -> Any:
        eye = np.broadcast_to(np.eye(self._n, dtype=self.dtype._numpy()), self._shape())
        return as_tensor(np.ascontiguousarray(eye))

    def _matmul(self, x: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        x = _adj(x) if adjoint_arg else x
        zeros = np.zeros(self._batch + (1, 1), self.dtype._numpy())
        return m.add(x, as_tensor(zeros)) if self._batch else x

    _solve = _matmul

    def _determinant(self) -> Any:
        return as_tensor(np.ones(self._batch, self.dtype._numpy()))

    def _log_abs_determinant(self) -> Any:
        return as_tensor(np.zeros(self._batch, self.dtype._numpy()))


class LinearOperatorScaledIdentity(LinearOperator):
    """`multiplier * I` (TF's `tf.linalg.LinearOperatorScaledIdentity`); the batch shape
    is that of `multiplier`.

    Example:
        >>> import ember as tf
        >>> float(tf.linalg.LinearOperatorScaledIdentity(3, 2.0).determinant())
        8.0
    """

    def __init__(self, num_rows: Any, multiplier: Any, is_non_singular: Any = None,
                 is_self_adjoint: Any = None, is_positive_definite: Any = None,
                 is_square: Any = True, assert_proper_shapes: bool = False,
                 name: str = "LinearOperatorScaledIdentity"):
        self._n = int(num_rows.numpy() if hasattr(num_rows, "numpy") else num_rows)
        self._mult = _t(multiplier)
        super().__init__(self._mult.dtype, None, is_non_singular, is_self_adjoint,
                         is_positive_definite, is_square, name,
                         dict(num_rows=num_rows, multiplier=multiplier))

    multiplier = property(lambda self: self._mult)

    def _shape(self) -> tuple:
        return tuple(self._mult.shape) + (self._n, self._n)

    def _to_dense(self) -> Any:
        eye = as_tensor(np.eye(self._n, dtype=self.dtype._numpy()))
        return m.multiply(self._mult[..., None, None], eye)

    def _scale(self, adjoint: bool) -> Any:
        mult = m.conj(self._mult) if adjoint and self.dtype.is_complex else self._mult
        return mult[..., None, None]

    def _matmul(self, x: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        return m.multiply(self._scale(adjoint), _adj(x) if adjoint_arg else x)

    def _solve(self, rhs: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        return m.divide(_adj(rhs) if adjoint_arg else rhs, self._scale(adjoint))

    def _determinant(self) -> Any:
        return m.pow(self._mult, cast(as_tensor(self._n), self.dtype))

    def _log_abs_determinant(self) -> Any:
        out = m.multiply(float(self._n), m.log(m.abs(self._mult)))
        return cast(out, self.dtype) if self.dtype.is_complex else out


class LinearOperatorZeros(LinearOperator):
    """The zero matrix `[*batch_shape, M, N]` (TF's `tf.linalg.LinearOperatorZeros`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.LinearOperatorZeros(2, 3).to_dense().shape
        TensorShape([2, 3])
    """

    def __init__(self, num_rows: Any, num_columns: Any = None, batch_shape: Any = None,
                 dtype: Any = None, is_non_singular: Any = False,
                 is_self_adjoint: Any = True, is_positive_definite: Any = False,
                 is_square: Any = True, assert_proper_shapes: bool = False,
                 name: str = "LinearOperatorZeros"):
        self._m = int(num_rows)
        self._n = int(num_columns) if num_columns is not None else self._m
        self._batch = _batch_tuple(batch_shape)
        square = self._m == self._n
        super().__init__(dtype or float32, None, is_non_singular, square and is_self_adjoint,
                         is_positive_definite, square, name,
                         dict(num_rows=num_rows, num_columns=num_columns))

    def _shape(self) -> tuple:
        return self._batch + (self._m, self._n)

    def _to_dense(self) -> Any:
        return as_tensor(np.zeros(self._shape(), self.dtype._numpy()))

    def _solve(self, rhs: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        raise InvalidArgumentError(f"{self.name}: the zero operator is singular; it has no "
                                   f"solve.")

    def inverse(self, name: str = "inverse") -> "LinearOperator":
        raise InvalidArgumentError(f"{self.name}: the zero operator is singular; it has no "
                                   f"inverse.")

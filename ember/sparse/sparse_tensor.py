"""`tf.SparseTensor`: a tensor stored as its non-zero entries.

Three dense tensors make one: `indices` (int64 `[N, rank]`, the coordinates of the N
stored entries), `values` (`[N]`, their values) and `dense_shape` (int64 `[rank]`, the
shape of the dense tensor). Every entry not listed is zero. Like TF's, a SparseTensor is
a value (its parts are ordinary Tensors, so `values` can carry gradients) and a
composite for `tf.nest` (it flattens to its three tensors), so it passes through
`ember.function` and `tf.data`. The ops on it are in `ember/sparse/sparse_ops.py`.

Example:
    >>> import ember as tf
    >>> sp = tf.SparseTensor(indices=[[0, 0], [1, 2]], values=[1.0, 2.0],
    ...                      dense_shape=[3, 4])
    >>> sp.shape, sp.dtype
    (TensorShape([3, 4]), tf.float32)
    >>> tf.sparse.to_dense(sp).numpy()
    array([[1., 0., 0., 0.],
           [0., 0., 2., 0.],
           [0., 0., 0., 0.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import nest
from ..core.shape import TensorShape
from ..core.tensor import ConcreteTensor, TensorOps
from ..prims.convert import cast, convert_to_tensor

__all__ = ["SparseTensor", "SparseTensorValue", "is_sparse"]


def _as_int64(x: Any, what: str) -> Any:
    t = x if isinstance(x, TensorOps) else convert_to_tensor(np.asarray(x, dtype=np.int64)
                                                               if not hasattr(x, "dtype")
                                                               else x)
    if not t.dtype.is_integer:
        raise TypeError(f"SparseTensor: {what} must be integers, received dtype "
                        f"{t.dtype.name}.")
    return t if t.dtype.name == "int64" else cast(t, "int64")


def _static_shape(dense_shape: Any, rank: int | None) -> TensorShape:
    if isinstance(dense_shape, ConcreteTensor):
        return TensorShape([int(d) for d in dense_shape.numpy()])
    return TensorShape(None if rank is None else [None] * rank)


@nest.register_composite
class SparseTensor:
    """A sparse tensor: `indices [N, rank]`, `values [N]`, `dense_shape [rank]` (TF's
    `tf.sparse.SparseTensor`; see the module docstring).

    Example:
        >>> import ember as tf
        >>> sp = tf.SparseTensor([[0, 1]], [5], [2, 2])
        >>> sp.values.numpy(), sp.dense_shape.numpy()
        (array([5], dtype=int32), array([2, 2]))
    """

    def __init__(self, indices: Any, values: Any, dense_shape: Any):
        self._indices = _as_int64(indices, "indices")
        self._values = values if isinstance(values, TensorOps) else convert_to_tensor(values)
        self._dense_shape = _as_int64(dense_shape, "dense_shape")
        ir, vr, sr = (self._indices.shape.rank, self._values.shape.rank,
                      self._dense_shape.shape.rank)
        if ir != 2 or vr != 1 or sr != 1:
            raise ValueError(
                f"SparseTensor: expected indices of rank 2 [N, rank], values of rank 1 [N] "
                f"and dense_shape of rank 1 [rank]; received shapes "
                f"{self._indices.shape}, {self._values.shape}, {self._dense_shape.shape}.")
        n_i, n_v = self._indices.shape[0], self._values.shape[0]
        if n_i is not None and n_v is not None and n_i != n_v:
            raise ValueError(f"SparseTensor: indices give {n_i} entries but values has {n_v}; "
                             f"each stored entry needs one index row and one value.")
        rank = self._dense_shape.shape[0]
        if rank is not None and self._indices.shape[1] is not None and \
                self._indices.shape[1] != rank:
            raise ValueError(f"SparseTensor: each index row has {self._indices.shape[1]} "
                             f"coordinates but dense_shape has rank {rank}.")
        self._shape = _static_shape(self._dense_shape, rank)

    # -- the parts ---------------------------------------------------------------------
    @property
    def indices(self) -> Any:
        """int64 `[N, rank]`: the coordinates of the stored entries."""
        return self._indices

    @property
    def values(self) -> Any:
        """`[N]`: the stored values."""
        return self._values

    @property
    def dense_shape(self) -> Any:
        """int64 `[rank]`: the shape of the dense tensor."""
        return self._dense_shape

    @property
    def dtype(self) -> Any:
        return self._values.dtype

    @property
    def shape(self) -> TensorShape:
        """The static dense shape (dims unknown inside a traced function)."""
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    @property
    def ndim(self) -> int | None:
        return self._shape.rank

    def with_values(self, new_values: Any) -> "SparseTensor":
        """The same positions holding `new_values`.

        Example:
            >>> import ember as tf
            >>> sp = tf.SparseTensor([[0, 0]], [2.0], [1, 1])
            >>> sp.with_values(sp.values * 3).values.numpy()
            array([6.], dtype=float32)
        """
        return SparseTensor(self._indices, new_values, self._dense_shape)

    @classmethod
    def from_value(cls, value: Any) -> "SparseTensor":
        """A SparseTensor (as is) or a `SparseTensorValue` made into one."""
        if isinstance(value, SparseTensor):
            return value
        return cls(value.indices, value.values, value.dense_shape)

    def consumers(self) -> list:
        return []

    # -- composite (tf.nest, ember.function, tf.data) ----------------------------------
    def _nest_components(self) -> list:
        # NOTE: a known dense shape is a Python tuple, so ember.function keys its traces
        # on it (as TF's SparseTensorSpec holds the static shape) and the traced ops see
        # a static shape; an unknown one is a tensor like the other two parts.
        shape = self._dense_shape
        if isinstance(shape, ConcreteTensor):
            shape = tuple(int(d) for d in shape.numpy())
        return [self._indices, self._values, shape]

    def _nest_rebuild(self, parts: list) -> "SparseTensor":
        if all(isinstance(p, (TensorOps, tuple)) for p in parts):
            return SparseTensor(*parts)
        raw = object.__new__(SparseTensor)  # a structure of specs (a function signature)
        raw._indices, raw._values, raw._dense_shape = parts
        raw._shape = self._shape
        return raw

    # -- operators (TF's: with a dense tensor or a scalar, elementwise) ----------------
    def _dense_at_indices(self, other: Any) -> Any:
        from ..ops import array_ops, gather_ops
        other = other if isinstance(other, TensorOps) else convert_to_tensor(
            other, dtype=self.dtype)
        if other.shape.rank == 0:
            return other
        dense = array_ops.broadcast_to(other, cast(self._dense_shape, "int32"))
        return gather_ops.gather_nd(dense, self._indices)

    def __mul__(self, other: Any) -> "SparseTensor":
        if isinstance(other, SparseTensor):
            raise TypeError("SparseTensor * SparseTensor is not defined (as in TF); "
                            "multiply by a dense tensor or use tf.sparse.to_dense first.")
        return self.with_values(self._values * self._dense_at_indices(other))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> "SparseTensor":
        return self.with_values(self._values / self._dense_at_indices(other))

    def __neg__(self) -> "SparseTensor":
        return self.with_values(-self._values)

    def __abs__(self) -> "SparseTensor":
        from ..ops import math_ops
        return self.with_values(math_ops.abs(self._values))

    def __add__(self, other: Any) -> Any:
        from .sparse_ops import add
        return add(self, other)

    __radd__ = __add__

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self._indices!r}, values={self._values!r}, "
                f"dense_shape={self._dense_shape!r})")

    def __bool__(self) -> bool:
        raise TypeError("The truth value of a SparseTensor is ambiguous; use "
                        "tf.sparse.to_dense and reduce it.")


class SparseTensorValue:
    """TF 1's value triple (`indices`, `values`, `dense_shape` as NumPy arrays).

    Example:
        >>> import ember as tf
        >>> v = tf.sparse.SparseTensorValue([[0]], [1.0], [2])
        >>> tf.SparseTensor.from_value(v).shape
        TensorShape([2])
    """

    def __init__(self, indices: Any, values: Any, dense_shape: Any):
        self.indices, self.values, self.dense_shape = \
            np.asarray(indices), np.asarray(values), np.asarray(dense_shape)


def is_sparse(x: Any) -> bool:
    """Whether `x` is a SparseTensor (or a `SparseTensorValue`)."""
    return isinstance(x, (SparseTensor, SparseTensorValue))

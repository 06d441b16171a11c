"""`tf.RaggedTensorSpec`: the type of a RaggedTensor (shape with None for ragged dims,
dtype, ragged_rank, row_splits dtype), a nest composite like the RaggedTensor itself.

Example:
    >>> import ember as tf
    >>> tf.ragged.constant([[1, 2], [3]])._type_spec
    RaggedTensorSpec(TensorShape([2, None]), tf.int32, 1, tf.int64)
"""

from __future__ import annotations

from typing import Any

from ..core import nest
from ..core.dtypes import as_dtype, int64
from ..core.shape import TensorShape, TensorSpec
from .ragged_tensor import RaggedTensor, not_supported


@nest.register_composite
class RaggedTensorSpec:
    """The type of a RaggedTensor (TF's `tf.RaggedTensorSpec`): shape (None for ragged
    dims), dtype, ragged_rank and row_splits dtype. A spec of ragged_rank 0 describes the
    rows of a ragged tensor inside tf.data (plain tensors of a varying length).

    Example:
        >>> import ember as tf
        >>> tf.RaggedTensorSpec([None, None], tf.int32)
        RaggedTensorSpec(TensorShape([None, None]), tf.int32, 1, tf.int64)
    """

    def __init__(self, shape: Any = None, dtype: Any = "float32", ragged_rank: int | None = None,
                 row_splits_dtype: Any = int64, flat_values_spec: Any = None):
        self.shape = TensorShape(shape)
        self.dtype = as_dtype(dtype)
        rank = self.shape.rank
        if ragged_rank is None:
            if rank is None:
                raise ValueError("RaggedTensorSpec: pass ragged_rank when the rank is unknown.")
            ragged_rank = rank - 1
        if ragged_rank > 1:
            raise not_supported(f"RaggedTensorSpec: ragged_rank={ragged_rank}")
        if ragged_rank < 0 or (rank is not None and ragged_rank >= max(rank, 1)):
            raise ValueError(f"RaggedTensorSpec: ragged_rank must be in [0, rank), received "
                             f"{ragged_rank} for shape {self.shape}.")
        self.ragged_rank = ragged_rank
        self.row_splits_dtype = as_dtype(row_splits_dtype)

    @classmethod
    def from_value(cls, value: RaggedTensor) -> "RaggedTensorSpec":
        return value._type_spec

    def _component_specs(self) -> list:
        if self.ragged_rank == 0:
            return [TensorSpec(self.shape, self.dtype)]
        dims = list(self.shape) if self.shape.rank is not None else [None, None]
        n = dims[0]
        return [TensorSpec([None] + dims[2:], self.dtype),
                TensorSpec([None if n is None else n + 1], self.row_splits_dtype)]

    def _nest_components(self) -> list:
        return self._component_specs()

    def _nest_rebuild(self, parts: list) -> Any:
        if all(isinstance(p, TensorSpec) for p in parts):  # a spec mapped component-wise
            if self.ragged_rank == 0:
                return RaggedTensorSpec(parts[0].shape, parts[0].dtype, 0,
                                        self.row_splits_dtype)
            v, s = parts
            n = s.shape[0] if s.shape.rank else None
            inner = list(v.shape)[1:] if v.shape.rank is not None else []
            return RaggedTensorSpec([None if n is None else n - 1, None] + inner, v.dtype, 1,
                                    s.dtype)
        if self.ragged_rank == 0:
            return parts[0]
        return RaggedTensor(parts[0], parts[1], internal=True)

    def is_compatible_with(self, other: Any) -> bool:
        spec = other._type_spec if isinstance(other, RaggedTensor) else other
        return (isinstance(spec, RaggedTensorSpec) and spec.dtype == self.dtype
                and spec.ragged_rank == self.ragged_rank
                and self.shape.is_compatible_with(spec.shape))

    def most_specific_compatible_type(self, other: "RaggedTensorSpec") -> "RaggedTensorSpec":
        return RaggedTensorSpec(self.shape.most_specific_compatible_shape(other.shape),
                                self.dtype, self.ragged_rank, self.row_splits_dtype)

    def _key(self) -> tuple:
        dims = None if self.shape.rank is None else tuple(self.shape)
        return dims, self.dtype, self.ragged_rank, self.row_splits_dtype

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, RaggedTensorSpec) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"RaggedTensorSpec({self.shape!r}, {self.dtype!r}, {self.ragged_rank}, "
                f"{self.row_splits_dtype!r})")

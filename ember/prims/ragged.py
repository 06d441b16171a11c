"""The primitives behind `tf.RaggedTensor` (one ragged dimension): a ragged tensor is a
`values` tensor (its rows concatenated, shape [N, *inner]) and int `row_splits` (shape
[nrows + 1]; row i is `values[row_splits[i]:row_splits[i + 1]]`).

- `ragged_to_dense(values, row_splits, default, shape)`: the padded dense tensor
  (`RaggedTensor.to_tensor`); `shape` is a static target shape, None dims bounding.
- `ragged_gather_dense(dense, row_splits)`: the values of a ragged tensor read from a
  dense one (`RaggedTensor.from_tensor`); the transpose of ragged_to_dense.
- `ragged_reduce(values, row_splits, op)`: one value per row, op "sum", "max" or "min"
  (an empty row gives 0, the dtype's lowest or its highest value, as TF's segment ops).
- `ragged_row_ids(row_splits)`: the row of each value (`value_rowids`).
- `ragged_splits_from_ids(value_rowids, nrows)`: row_splits from sorted row ids.

The gradients of ragged_to_dense, ragged_gather_dense and ragged_reduce are written with
these primitives and gather; the index primitives have none. The RaggedTensor class and
its ops are in `ember/ragged/`.

Example:
    >>> import ember as tf
    >>> from ember.core.registry import bind
    >>> from ember.prims.ragged import reduce_p
    >>> bind(reduce_p, tf.constant([1, 2, 3]), tf.constant([0, 2, 2, 3], tf.int64),
    ...      op="sum").numpy()
    array([3, 0, 3], dtype=int32)
"""

from __future__ import annotations

from typing import Any

from ..core import rules
from ..core.dtypes import NP_ALL, NP_INDEX, NP_NUMERIC, string
from ..core.errors import DTypeError, ShapeError
from ..core.registry import bind, defvjp, no_gradient, primitive
from ..core.shape import TensorSpec
from .convert import cast
from .gather import gather
from .math import equal, multiply, subtract, truediv
from .reduce import reduce_sum

__all__ = ["to_dense_p", "gather_dense_p", "reduce_p", "row_ids_p", "splits_from_ids_p"]

_VALUES = NP_ALL | frozenset([string._np])


def _splits(op: str, splits: TensorSpec, what: str = "`row_splits`") -> None:
    rules.check_dtype(op, splits, NP_INDEX, what)
    if splits.shape.rank is not None and splits.shape.rank != 1:
        raise ShapeError(f"{op}: {what} must be 1-D, received {rules.describe(splits)}.")


def _nrows(splits: TensorSpec) -> Any:
    n = splits.shape[0] if splits.shape.rank else None
    return None if n is None else max(n - 1, 0)


def _values(op: str, values: TensorSpec) -> None:
    if values.shape.rank == 0:
        raise ShapeError(f"{op}: the values of a ragged tensor must have rank >= 1, "
                         f"received {rules.describe(values)}.")


def _to_dense_rule(values: TensorSpec, splits: TensorSpec, default: TensorSpec,
                   shape: tuple | None = None) -> TensorSpec:
    _values("ragged_to_dense", values)
    _splits("ragged_to_dense", splits)
    if default.dtype != values.dtype:
        raise DTypeError(f"ragged_to_dense: default_value is {default.dtype.name} but the "
                         f"values are {values.dtype.name}; pass a {values.dtype.name} "
                         f"default.")
    if default.shape.rank not in (None, 0):
        raise ShapeError(f"ragged_to_dense: default_value must be a scalar, received "
                         f"{rules.describe(default)}.")
    inner = tuple(values.shape)[1:] if values.shape.rank is not None else ()
    dims = [_nrows(splits), None, *inner]
    if shape is not None:
        if len(shape) != len(dims):
            raise ShapeError(f"ragged_to_dense: shape {list(shape)} has rank {len(shape)}, "
                             f"but the ragged tensor has rank {len(dims)}.")
        for k, want in enumerate(shape[2:], 2):
            if want is not None and dims[k] is not None and want != dims[k]:
                raise ShapeError(f"ragged_to_dense: shape {list(shape)} does not fit the "
                                 f"uniform inner dims {list(inner)} of the values.")
        dims = [d if s is None else s for d, s in zip(dims, shape)]
    return TensorSpec(dims, values.dtype)


def _gather_dense_rule(dense: TensorSpec, splits: TensorSpec) -> TensorSpec:
    _splits("ragged_gather_dense", splits)
    if dense.shape.rank is not None and dense.shape.rank < 2:
        raise ShapeError(f"ragged_gather_dense: the dense tensor must have rank >= 2, "
                         f"received {rules.describe(dense)}.")
    inner = tuple(dense.shape)[2:] if dense.shape.rank is not None else ()
    return TensorSpec([None, *inner], dense.dtype)


def _reduce_rule(values: TensorSpec, splits: TensorSpec, op: str) -> TensorSpec:
    rules.check_dtype("ragged_reduce", values, NP_NUMERIC)
    _values("ragged_reduce", values)
    _splits("ragged_reduce", splits)
    inner = tuple(values.shape)[1:] if values.shape.rank is not None else ()
    return TensorSpec([_nrows(splits), *inner], values.dtype)


def _row_ids_rule(splits: TensorSpec) -> TensorSpec:
    _splits("ragged_row_ids", splits)
    return TensorSpec([None], splits.dtype)


def _from_ids_rule(ids: TensorSpec, nrows: TensorSpec) -> TensorSpec:
    _splits("ragged_splits_from_ids", ids, "`value_rowids`")
    rules.check_dtype("ragged_splits_from_ids", nrows, NP_INDEX, "`nrows`")
    if nrows.shape.rank not in (None, 0):
        raise ShapeError(f"ragged_splits_from_ids: nrows must be a scalar, received "
                         f"{rules.describe(nrows)}.")
    return TensorSpec([None], ids.dtype)


to_dense_p = primitive("ragged_to_dense", _to_dense_rule, check="rule")
gather_dense_p = primitive("ragged_gather_dense", _gather_dense_rule, check="rule")
reduce_p = primitive("ragged_reduce", _reduce_rule, check="rule")
row_ids_p = primitive("ragged_row_ids", _row_ids_rule, check="rule")
splits_from_ids_p = primitive("ragged_splits_from_ids", _from_ids_rule, check="rule")
no_gradient(row_ids_p, splits_from_ids_p)


def _to_dense_vjp(g: Any, inputs: tuple, out: Any, shape: tuple | None = None) -> tuple:
    values, splits, default = inputs
    if not values.dtype.is_floating:
        return None, None, None
    g_values = bind(gather_dense_p, g, splits)
    g_default = subtract(reduce_sum(g), reduce_sum(g_values))
    return g_values, None, g_default


def _gather_dense_vjp(g: Any, inputs: tuple, out: Any) -> tuple:
    dense, splits = inputs
    if not dense.dtype.is_floating:
        return None, None
    # NOTE: the dense input's static dims; where one is unknown (inside a graph), the
    # gradient is as wide as the longest row, which fits inputs built by from_tensor.
    shape = tuple(dense.shape) if dense.shape.rank is not None else None
    zero = cast(0, g.dtype)
    return bind(to_dense_p, g, splits, zero, shape=shape), None


def _reduce_vjp(g: Any, inputs: tuple, out: Any, op: str) -> tuple:
    values, splits = inputs
    if not values.dtype.is_floating:
        return None, None
    ids = bind(row_ids_p, splits)
    if op == "sum":
        return gather(g, ids, axis=0), None
    hit = cast(equal(values, gather(out, ids, axis=0)), values.dtype)
    ties = bind(reduce_p, hit, splits, op="sum")
    return multiply(gather(truediv(g, ties), ids, axis=0), hit), None


defvjp(to_dense_p, _to_dense_vjp)
defvjp(gather_dense_p, _gather_dense_vjp)
defvjp(reduce_p, _reduce_vjp)

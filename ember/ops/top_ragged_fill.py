"""`tf.ragged_fill_empty_rows` and `tf.ragged_fill_empty_rows_grad`: TF's raw ops behind
filling the empty rows of a ragged tensor given as (value_rowids, values, nrows).

Made of graph ops (segment counts, cumsum, argsort, gather), so they run inside
`ember.function` with their data-dependent output lengths, and the fill differentiates
with respect to `values` and `default_value`. Each value moves to
`i + (number of empty rows before its row)`; each empty row gets one default at its
start; an argsort of those positions orders the output.

Example:
    >>> import ember as tf
    >>> from ember.ops.top_ragged_fill import ragged_fill_empty_rows
    >>> out = ragged_fill_empty_rows(tf.constant([1, 1, 3], tf.int64),
    ...                              tf.constant([10.0, 20.0, 30.0]), 5, -1.0)
    >>> out.output_values.numpy(), out.reverse_index_map.numpy()
    (array([-1., 10., 20., -1., 30., -1.], dtype=float32), array([1, 2, 4]))
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..core.errors import ShapeError
from ..core.tensor import TensorOps
from ..prims.convert import as_tensor, cast, convert_to_tensor
from . import creation_ops as co
from . import math_ops as m
from . import reduce_ops as r
from . import shape_ops as s
from .gather_ops import gather
from .math_more import unsorted_segment_sum
from .sort_ops import argsort

__all__ = ["ragged_fill_empty_rows", "ragged_fill_empty_rows_grad"]

_Fill = namedtuple("RaggedFillEmptyRows", ["output_value_rowids", "output_values",
                                           "empty_row_indicator", "reverse_index_map"])
_FillGrad = namedtuple("RaggedFillEmptyRowsGrad", ["d_values", "d_default_value"])


def _t(v: Any, dtype: Any = None) -> Any:
    return as_tensor(v) if isinstance(v, TensorOps) else convert_to_tensor(v, dtype=dtype)


def ragged_fill_empty_rows(value_rowids: Any, values: Any, nrows: Any, default_value: Any,
                           name: str | None = None) -> _Fill:
    """Inserts `default_value` as the single value of every empty row of the ragged
    tensor `(value_rowids, values, nrows)` (rowids sorted), as TF's raw
    `tf.ragged_fill_empty_rows`.

    Returns:
        `(output_value_rowids, output_values, empty_row_indicator [nrows] bool,
        reverse_index_map [len(values)] int64: where each input value went)`.

    Example:
        >>> import ember as tf
        >>> from ember.ops.top_ragged_fill import ragged_fill_empty_rows
        >>> ragged_fill_empty_rows(tf.constant([0, 2], tf.int64), tf.constant([5, 6]), 3,
        ...                        0).output_value_rowids.numpy()
        array([0, 1, 2])
    """
    op = "ragged_fill_empty_rows"
    rowids = cast(_t(value_rowids, "int64"), "int64")
    vals = _t(values)
    if vals.shape.rank != 1 or rowids.shape.rank != 1:
        raise ShapeError(f"{op}: values and value_rowids must be vectors (as TF), received "
                         f"shapes {vals.shape} and {rowids.shape}.")
    default = cast(_t(default_value, vals.dtype), vals.dtype)
    if default.shape.rank not in (0, None):
        raise ShapeError(f"{op}: default_value must be a scalar, received shape "
                         f"{default.shape}.")
    n = cast(_t(nrows, "int64"), "int64")
    counts = unsorted_segment_sum(co.ones_like(rowids), rowids, n)          # [nrows]
    empty = m.equal(counts, np.int64(0))
    empty_i = cast(empty, "int64")
    before = m.subtract(r.cumsum(empty_i), empty_i)       # empty rows before each row
    reverse = m.add(m.subtract(r.cumsum(co.ones_like(rowids)), np.int64(1)),
                    gather(before, rowids))
    starts = m.subtract(r.cumsum(m.add(counts, empty_i)), m.add(counts, empty_i))
    empty_rows = m.where(empty)[:, 0]
    positions = s.concat([reverse, gather(starts, empty_rows)], 0)
    order = argsort(positions)
    fill = gather(s.reshape(default, [1]), co.zeros_like(empty_rows))
    out_values = gather(s.concat([vals, fill], 0), order)
    out_rowids = gather(s.concat([rowids, empty_rows], 0), order)
    return _Fill(out_rowids, out_values, empty, reverse)


def ragged_fill_empty_rows_grad(reverse_index_map: Any, grad_values: Any,
                                name: str | None = None) -> _FillGrad:
    """The gradient of ragged_fill_empty_rows, as TF's raw
    `tf.ragged_fill_empty_rows_grad`: `d_values = grad_values[reverse_index_map]` and
    `d_default_value` the sum of the rest.

    Example:
        >>> import ember as tf
        >>> from ember.ops.top_ragged_fill import ragged_fill_empty_rows_grad
        >>> d = ragged_fill_empty_rows_grad(tf.constant([1, 2, 4], tf.int64),
        ...                                 tf.constant([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
        >>> d.d_values.numpy(), float(d.d_default_value)
        (array([2., 3., 5.], dtype=float32), 11.0)
    """
    rev = cast(_t(reverse_index_map, "int64"), "int64")
    g = _t(grad_values)
    if g.shape.rank != 1 or rev.shape.rank != 1:
        raise ShapeError(f"ragged_fill_empty_rows_grad: reverse_index_map and grad_values "
                         f"must be vectors, received shapes {rev.shape} and {g.shape}.")
    d_values = gather(g, rev)
    return _FillGrad(d_values, m.subtract(r.reduce_sum(g), r.reduce_sum(d_values)))

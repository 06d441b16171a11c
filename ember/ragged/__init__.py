"""`tf.ragged` and `tf.RaggedTensor`: tensors with one ragged dimension (ragged_rank 1).

`ragged_tensor` holds the RaggedTensor and RaggedTensorSpec classes, `ragged_ops` the
ops over them (constant, map_flat_values, reductions), `ragged_string_ops` the
`tf.strings` ops whose results are ragged (split, unicode_split, unicode_decode,
bytes_split, ngrams). Ragged tensors with more than one ragged dimension raise
NotImplementedError.

Example:
    >>> import ember as tf
    >>> rt = tf.ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    >>> rt.row_lengths().numpy(), rt.to_tensor().shape
    (array([4, 0, 3, 1, 0]), TensorShape([5, 4]))
"""

from __future__ import annotations

from .ragged_ops import (constant, map_flat_values, row_splits_to_segment_ids,  # noqa: F401
                         segment_ids_to_row_splits)
from .ragged_spec import RaggedTensorSpec  # noqa: F401
from .ragged_tensor import RaggedTensor  # noqa: F401

__all__ = ["RaggedTensor", "RaggedTensorSpec", "constant", "map_flat_values",
           "row_splits_to_segment_ids", "segment_ids_to_row_splits"]

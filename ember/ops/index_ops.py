"""`x[key]`: the basic index of TF (`prims/index.py`) and, beyond TF, a single int array
index (a gather along axis 0) or a bool mask (a boolean_mask), as NumPy does.

Example:
    >>> import ember as tf
    >>> x = tf.constant([10, 20, 30])
    >>> x[1:].numpy(), x[tf.constant([2, 0])].numpy(), x[x > 15].numpy()
    (array([20, 30], dtype=int32), array([30, 10], dtype=int32), array([20, 30], dtype=int32))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.tensor import TensorOps
from ..prims.convert import as_tensor
from ..prims.index import (basic_getitem, newaxis, slice,  # noqa: F401 - re-exported
                           strided_slice)
from .gather_ops import boolean_mask, gather

__all__ = ["strided_slice", "slice", "newaxis"]


def getitem(x: Any, key: Any) -> Any:
    """`x[key]` for ember tensors (the operator's implementation).

    Example:
        >>> import ember as tf
        >>> x = tf.reshape(tf.range(12), [3, 4])
        >>> x[-1, ::2].numpy(), x[..., tf.newaxis, 1].shape
        (array([ 8, 10], dtype=int32), TensorShape([3, 1]))
    """
    if _is_array_index(key):
        x, idx = as_tensor(x), as_tensor(key)
        if idx.dtype.is_bool:
            return boolean_mask(x, idx)
        return gather(x, idx, axis=0)
    return basic_getitem(x, key)


def _is_array_index(key: Any) -> bool:
    if isinstance(key, TensorOps):
        return key.shape.rank != 0 or key.dtype.is_bool
    if isinstance(key, np.ndarray):
        return key.ndim != 0 or key.dtype == np.bool_
    return isinstance(key, list)

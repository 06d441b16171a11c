"""`tf.sparse`: SparseTensor and the ops on it (see `sparse_tensor.py`, `sparse_ops.py`).

Example:
    >>> import ember as tf
    >>> sp = tf.sparse.SparseTensor([[0, 1]], [3.0], [2, 2])
    >>> tf.sparse.to_dense(sp).numpy()
    array([[0., 3.],
           [0., 0.]], dtype=float32)
"""

from __future__ import annotations

from .sparse_ops import *  # noqa: F401,F403
from .sparse_tensor import SparseTensor, SparseTensorValue, is_sparse  # noqa: F401

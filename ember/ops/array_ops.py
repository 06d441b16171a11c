"""Array ops: tensor creation and shape manipulation, as TF's `tf.*` array functions.

The primitives and their shape rules live in `ember/prims` (array, index, reduce); the
public ops in `shape_ops` (reshape, transpose, concat, split, pad, ...) and
`creation_ops` (zeros, range, eye, one_hot, ...). This module is their one public surface.

Example:
    >>> import ember as tf
    >>> tf.stack([tf.zeros([2]), tf.ones([2])]).numpy()
    array([[0., 0.],
           [1., 1.]], dtype=float32)
"""

from __future__ import annotations

from . import creation_ops as _creation
from . import shape_ops as _shape
from .creation_ops import (eye, fill, linspace, one_hot, ones, ones_like, range,  # noqa: A004
                           sequence_mask, zeros, zeros_like)
from .shape_ops import (broadcast_to, concat, expand_dims, pad, rank, repeat, reshape,
                        reverse, shape, size, split, squeeze, stack, tile, transpose, unstack)

__all__ = list(_shape.__all__) + list(_creation.__all__)

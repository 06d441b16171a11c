"""The fused sparse softmax cross-entropy, `sparse_softmax_xent(labels, logits) -> (loss,
softmax)`, and its gradient primitive: declared in `prims/nn.py`, re-exported here for the
modules that import them from this one. The public op with its checks is
`tf.nn.sparse_softmax_cross_entropy_with_logits` (`ops/nn_ops.py`).

Example:
    >>> import ember as tf
    >>> from ember.ops.xent_ops import sparse_softmax_xent
    >>> loss, p = sparse_softmax_xent(tf.constant([0]), tf.constant([[0.0, 0.0]]))
    >>> round(float(loss[0]), 4), p.numpy().tolist()
    (0.6931, [[0.5, 0.5]])
"""

from __future__ import annotations

from ..prims.nn import sparse_softmax_xent, xent_grad_p, xent_p  # noqa: F401 - re-exported

__all__ = ["sparse_softmax_xent"]

"""Fused cross-entropy primitives: the sparse softmax cross-entropy and its gradient.

Written with elementwise ops, `sparse_softmax_cross_entropy_with_logits` and its gradient
take some 60 small ops (one-hot, max, exp, sums, selects ...); at the sizes of a training
batch each op costs more in calls than in arithmetic. As primitives (as TF's
`SparseSoftmaxCrossEntropyWithLogits` kernel) they are one kernel each way:

- `sparse_softmax_xent(labels, logits) -> (loss, softmax)`;
- `sparse_softmax_xent_grad(g, softmax, labels) = g[..., None] * (softmax - one_hot)`.

Both are differentiable again (their gradient rules are written with ember ops), so
gradients of gradients still work.

Example:
    >>> import ember as tf
    >>> from ember.ops.xent_ops import sparse_softmax_xent
    >>> loss, p = sparse_softmax_xent(tf.constant([0]), tf.constant([[0.0, 0.0]]))
    >>> round(float(loss[0]), 4), p.numpy().tolist()
    (0.6931, [[0.5, 0.5]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import NP_FLOATS
from ..core.errors import ShapeError
from ..core.registry import bind, defvjp, primitive
from ..core.shape import TensorSpec
from . import math_ops as m
from . import reduce_ops as r
from ..prims.convert import as_tensor, cast


def _xent_rule(labels: TensorSpec, logits: TensorSpec) -> tuple:
    if logits.shape.rank is not None and labels.shape.rank is not None and (
            labels.shape.rank != logits.shape.rank - 1):
        raise ShapeError(f"sparse_softmax_xent: labels {labels.shape} must have the shape of "
                         f"logits {logits.shape} without the class axis.")
    return (TensorSpec(logits.shape[:-1], logits.dtype), TensorSpec(logits.shape, logits.dtype))


def _grad_rule(g: TensorSpec, probs: TensorSpec, labels: TensorSpec) -> TensorSpec:
    return TensorSpec(probs.shape, probs.dtype)


xent_p = primitive("sparse_softmax_xent", _xent_rule, multiple_results=True)
xent_grad_p = primitive("sparse_softmax_xent_grad", _grad_rule, allowed=NP_FLOATS)


def _one_hot(labels: Any, probs: Any) -> Any:
    n = probs.shape[-1]
    classes = np.arange(n, dtype=labels.dtype._numpy())
    return cast(m.equal(labels[..., None], as_tensor(classes)), probs.dtype)


def _xent_vjp(g: tuple, ins: tuple, out: tuple) -> tuple:
    g_loss, g_probs = g
    labels, _ = ins
    probs = out[1]
    grad = None
    if g_loss is not None:
        grad = bind(xent_grad_p, g_loss, probs, labels)
    if g_probs is not None:  # d softmax: p * (g - sum(g * p))
        gp = m.multiply(probs, m.subtract(
            g_probs, r.reduce_sum(m.multiply(g_probs, probs), -1, keepdims=True)))
        grad = gp if grad is None else m.add(grad, gp)
    return None, grad


def _xent_grad_vjp(gd: Any, ins: tuple, out: Any) -> tuple:
    g, probs, labels = ins
    d_g = r.reduce_sum(m.multiply(gd, m.subtract(probs, _one_hot(labels, probs))), -1)
    d_probs = m.multiply(gd, g[..., None])
    return d_g, d_probs, None


defvjp(xent_p, _xent_vjp)
defvjp(xent_grad_p, _xent_grad_vjp)


def sparse_softmax_xent(labels: Any, logits: Any) -> tuple:
    """(per-row loss, softmax) of checked `labels` and `logits`; see the module docstring."""
    return bind(xent_p, labels, logits)

"""The neural-network primitives, their rules and gradients: `relu` (and `relu_grad`, its
gradient) and the fused sparse softmax cross-entropy (`sparse_softmax_xent` and
`sparse_softmax_xent_grad`), with the thin ops that bind them.

Every other activation, softmax, the normalisations and the other cross-entropies are
composites in `ops/nn_ops.py`.

Example:
    >>> import ember as tf
    >>> from ember.prims.nn import relu, sparse_softmax_xent
    >>> relu(tf.constant([-1.0, 2.0])).numpy()
    array([0., 2.], dtype=float32)
    >>> loss, p = sparse_softmax_xent(tf.constant([0]), tf.constant([[0.0, 0.0]]))
    >>> round(float(loss[0]), 4), p.numpy().tolist()
    (0.6931, [[0.5, 0.5]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import rules
from ..core.dtypes import NP_FLOATS, NP_NUMERIC
from ..core.errors import ShapeError
from ..core.registry import bind, bind1, defvjp, primitive
from ..core.shape import TensorSpec
from .convert import as_tensor, cast
from .index import basic_getitem
from .math import add, equal, multiply, subtract
from .reduce import reduce_sum

__all__ = ["relu", "softmax", "sparse_softmax_xent"]


# -- relu ------------------------------------------------------------------------------

# NOTE: relu is a primitive for speed (one np.maximum instead of a compare and a select:
# it is in every network's forward pass). Its gradient is taken where x > 0 only, so
# relu'(0) = 0 as in TF.
relu_p = primitive("relu", rules.unary("relu"), allowed=NP_NUMERIC,
                   elementwise=True)
# relu's gradient is `g * (y > 0)` as one primitive (`relu_grad`), linear in g, so its own
# gradient is relu_grad again.
relu_grad_p = primitive("relu_grad", rules.binary("relu_grad"),
                        allowed=NP_NUMERIC, same_dtype=True)
defvjp(relu_p, lambda g, ins, out: (bind(relu_grad_p, g, out),))
defvjp(relu_grad_p, lambda g, ins, out: (bind(relu_grad_p, g, ins[1]), None))


def relu(features: Any, name: str | None = None) -> Any:
    """`max(features, 0)`.

    Example:
        >>> import ember as tf
        >>> tf.nn.relu(tf.constant([-1.0, 0.0, 2.0])).numpy()
        array([0., 0., 2.], dtype=float32)
    """
    return bind1(relu_p, as_tensor(features))


# -- softmax ---------------------------------------------------------------------------
# NOTE: a primitive for speed, as TF's Softmax op: composed, softmax is five ops forward
# (max, subtract, exp, sum, divide) and about ten backward, each a pass over an
# attention-sized array; as a primitive it is one kernel forward and, for its gradient
# y * (g - sum(g * y)), three ops (themselves differentiable, so higher derivatives work).

def _softmax_rule(x: TensorSpec, axis: int) -> TensorSpec:
    rank = x.shape.rank
    if rank is not None and not 0 <= axis < rank:
        raise ShapeError(f"softmax: axis {axis} is out of range for logits of rank {rank}.")
    return x


softmax_p = primitive("softmax", _softmax_rule, allowed=NP_FLOATS)


def _softmax_vjp(g: Any, ins: tuple, out: Any, axis: int) -> tuple:
    return (multiply(out, subtract(g, reduce_sum(multiply(g, out), axis, keepdims=True))),)


defvjp(softmax_p, _softmax_vjp)


def softmax(logits: Any, axis: int = -1) -> Any:
    """`exp(x - max) / sum(exp(x - max))` along `axis` (one kernel; see the note above).

    Example:
        >>> import ember as tf
        >>> from ember.prims.nn import softmax
        >>> softmax(tf.constant([0.0, 0.0, 1000.0])).numpy()
        array([0., 0., 1.], dtype=float32)
    """
    x = as_tensor(logits)
    rank = x.shape.rank
    a = axis + rank if rank is not None and axis < 0 else axis
    return bind1(softmax_p, x, axis=int(a))


# -- sparse softmax cross-entropy ----------------------------------------------------------
# NOTE: written with elementwise ops, sparse_softmax_cross_entropy_with_logits and its
# gradient take some 60 small ops (one-hot, max, exp, sums, selects ...); at the sizes of a
# training batch each op costs more in calls than in arithmetic. As primitives (as TF's
# SparseSoftmaxCrossEntropyWithLogits kernel) they are one kernel each way:
#   sparse_softmax_xent(labels, logits) -> (loss, softmax)
#   sparse_softmax_xent_grad(g, softmax, labels) = g[..., None] * (softmax - one_hot)
# Both are differentiable again, so gradients of gradients still work.

def _xent_rule(labels: TensorSpec, logits: TensorSpec) -> tuple:
    if logits.shape.rank is not None and labels.shape.rank is not None and (
            labels.shape.rank != logits.shape.rank - 1):
        raise ShapeError(f"sparse_softmax_xent: labels {labels.shape} must have the shape of "
                         f"logits {logits.shape} without the class axis.")
    return (TensorSpec(logits.shape[:-1], logits.dtype), TensorSpec(logits.shape, logits.dtype))


def _grad_rule(g: TensorSpec, probs: TensorSpec, labels: TensorSpec) -> TensorSpec:
    return TensorSpec(probs.shape, probs.dtype)


def _last_one(x: Any) -> Any:
    """`x[..., None]`: `x` with a new last axis of size 1."""
    return basic_getitem(x, (Ellipsis, None))


def _one_hot(labels: Any, probs: Any) -> Any:
    n = probs.shape[-1]
    classes = np.arange(n, dtype=labels.dtype._numpy())
    return cast(equal(_last_one(labels), as_tensor(classes)), probs.dtype)


xent_p = primitive("sparse_softmax_xent", _xent_rule, multiple_results=True)


def _xent_vjp(g: tuple, ins: tuple, out: tuple) -> tuple:
    g_loss, g_probs = g
    labels, _ = ins
    probs = out[1]
    grad = None
    if g_loss is not None:
        grad = bind(xent_grad_p, g_loss, probs, labels)
    if g_probs is not None:  # d softmax: p * (g - sum(g * p))
        gp = multiply(probs, subtract(
            g_probs, reduce_sum(multiply(g_probs, probs), -1, keepdims=True)))
        grad = gp if grad is None else add(grad, gp)
    return None, grad


defvjp(xent_p, _xent_vjp)
xent_grad_p = primitive("sparse_softmax_xent_grad", _grad_rule, allowed=NP_FLOATS)


def _xent_grad_vjp(gd: Any, ins: tuple, out: Any) -> tuple:
    g, probs, labels = ins
    d_g = reduce_sum(multiply(gd, subtract(probs, _one_hot(labels, probs))), -1)
    d_probs = multiply(gd, _last_one(g))
    return d_g, d_probs, None


defvjp(xent_grad_p, _xent_grad_vjp)


def sparse_softmax_xent(labels: Any, logits: Any) -> tuple:
    """(per-row loss, softmax) of checked `labels` and `logits` (see the NOTE above; the
    checks and messages are `tf.nn.sparse_softmax_cross_entropy_with_logits`'s).

    Example:
        >>> import ember as tf
        >>> loss, p = sparse_softmax_xent(tf.constant([1]), tf.constant([[0.0, 0.0]]))
        >>> p.shape
        TensorShape([1, 2])
    """
    return bind(xent_p, labels, logits)

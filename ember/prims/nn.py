"""The neural-network primitives, their rules and gradients: `relu` (and `relu_grad`, its
gradient), `softmax`, the fused sparse softmax cross-entropy (`sparse_softmax_xent` and
`sparse_softmax_xent_grad`) and the fused layer normalization (`layer_norm` and
`layer_norm_grad`), with the thin ops that bind them.

Every other activation, the other normalisations and the other cross-entropies are
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
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.registry import bind, bind1, defvjp, primitive
from ..core.rules import describe
from ..core.shape import TensorSpec
from ..core.tape import GradientTape
from .array import reshape_p
from .convert import as_tensor, cast, identity
from .index import basic_getitem
from .math import add, equal, multiply, rsqrt, subtract
from .reduce import reduce_mean, reduce_sum

__all__ = ["layer_norm", "relu", "softmax", "sparse_softmax_xent"]


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
# attention-sized array; as a primitive it is one kernel forward and one backward
# (softmax_grad, y * (g - sum(g * y)), itself differentiable, so higher derivatives work).

def _softmax_rule(x: TensorSpec, axis: int) -> TensorSpec:
    rank = x.shape.rank
    if rank is not None and not 0 <= axis < rank:
        raise ShapeError(f"softmax: axis {axis} is out of range for logits of rank {rank}.")
    return x


softmax_p = primitive("softmax", _softmax_rule, allowed=NP_FLOATS)


def _softmax_grad_rule(g: TensorSpec, y: TensorSpec, axis: int) -> TensorSpec:
    if not g.shape.is_compatible_with(y.shape):
        raise ShapeError(f"softmax_grad: the cotangent g must have the softmax output's "
                         f"shape; received {describe(g, y)}.")
    _softmax_rule(y, axis)
    return TensorSpec(y.shape if y.shape.rank is not None else g.shape, y.dtype)


# softmax's gradient y * (g - sum(g * y)) as one primitive too: three ops would be three
# passes over attention's scores and a temporary each.
softmax_grad_p = primitive("softmax_grad", _softmax_grad_rule, allowed=NP_FLOATS,
                           same_dtype=True)
defvjp(softmax_p, lambda g, ins, out, axis: (bind(softmax_grad_p, g, out, axis=axis),))


def _softmax_grad_vjp(c: Any, ins: tuple, out: Any, axis: int) -> tuple:
    """softmax_grad(g, y) = y * g - y * s with s = sum(g * y): linear in g (its adjoint
    is softmax_grad(c, y)); along y, c * (g - s) - g * sum(c * y)."""
    g, y = ins
    s = reduce_sum(multiply(g, y), axis, keepdims=True)
    cy = reduce_sum(multiply(c, y), axis, keepdims=True)
    return (bind(softmax_grad_p, c, y, axis=axis),
            subtract(multiply(c, subtract(g, s)), multiply(g, cy)))


defvjp(softmax_grad_p, _softmax_grad_vjp)


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


# -- layer normalization ----------------------------------------------------------------
# NOTE: a primitive for speed, as PyTorch's fused LayerNorm kernels. Composed,
# `gamma * (x - mean) * rsqrt(var + eps) + beta` is ten ops forward (mean, subtract,
# square, mean, add, rsqrt, multiply, multiply, add ...) and about twenty backward, each a
# pass over an activation-sized array: in a small transformer's training step
# (benchmarks/bench_transformer.py) some 12% of the step. As primitives it is one kernel
# each way:
#   layer_norm(x, [gamma], [beta]) = y over the sorted axes `axis`;
#   layer_norm_grad(g, x, [gamma]) = (dx, [dgamma], [dbeta]) with xhat = (x - mean) * inv:
#   dx = inv * (g*gamma - mean(g*gamma) - xhat * mean(g*gamma*xhat)) over `axis`,
#   dgamma = sum(g * xhat) and dbeta = sum(g) over the other axes.
# The backward kernel recomputes the statistics from x: keeping them as outputs of
# layer_norm would save it two passes of ten, for a second output everywhere. gamma and
# beta have the normalized axes' shape and are inputs only where `scale` / `center` say
# so. float16 / bfloat16 are computed in float32, as Keras 3. The gradient of
# layer_norm_grad (second derivatives, e.g. a gradient penalty) is that of the same
# formula written with ops (`_layer_norm_grad_ops`), so every order works.

def _layer_norm_check(op: str, x: TensorSpec, weights: tuple, axis: tuple, scale: bool,
                      center: bool, what: tuple) -> None:
    if len(weights) != len(what):
        raise InvalidArgumentError(
            f"{op}: scale={scale} and center={center} take {len(what)} weight inputs "
            f"({', '.join(what) or 'none'}), received {len(weights)}.")
    rank = x.shape.rank
    if rank is None:
        return
    if not axis or list(axis) != sorted(set(axis)) or not all(0 <= a < rank for a in axis):
        raise ShapeError(f"{op}: axis {axis} must be distinct axes of x in increasing order, "
                         f"each in [0, {rank}) for x of rank {rank}.")
    norm = [x.shape[a] for a in axis]
    for w, name in zip(weights, what):
        if not w.shape.is_compatible_with(norm):
            raise ShapeError(f"{op}: {name} must have the shape of x's normalized axes "
                             f"{axis}, {norm}; received {describe(x, *weights)}.")


def _layer_norm_rule(x: TensorSpec, *weights: TensorSpec, axis: tuple, epsilon: float,
                     scale: bool, center: bool) -> TensorSpec:
    what = ("gamma",) * scale + ("beta",) * center
    _layer_norm_check("layer_norm", x, weights, axis, scale, center, what)
    return TensorSpec(x.shape, x.dtype)


def _layer_norm_grad_rule(g: TensorSpec, x: TensorSpec, *weights: TensorSpec, axis: tuple,
                          epsilon: float, scale: bool, center: bool) -> tuple:
    _layer_norm_check("layer_norm_grad", x, weights, axis, scale, False, ("gamma",) * scale)
    if not g.shape.is_compatible_with(x.shape):
        raise ShapeError(f"layer_norm_grad: g must have x's shape; received "
                         f"{describe(g, x)}.")
    norm = None if x.shape.rank is None else [x.shape[a] for a in axis]
    outs = [TensorSpec(x.shape, x.dtype)]
    if scale:
        outs.append(TensorSpec(weights[0].shape, weights[0].dtype))
    if center:
        outs.append(TensorSpec(norm, x.dtype))
    return tuple(outs)


layer_norm_p = primitive("layer_norm", _layer_norm_rule, allowed=NP_FLOATS, same_dtype=True)


def _layer_norm_vjp(g: Any, ins: tuple, out: Any, axis: tuple, epsilon: float, scale: bool,
                    center: bool) -> tuple:
    gamma = ins[1:2] if scale else ()
    grads = bind(layer_norm_grad_p, g, ins[0], *gamma, axis=axis, epsilon=epsilon,
                 scale=scale, center=center)
    return tuple(grads)


defvjp(layer_norm_p, _layer_norm_vjp)
layer_norm_grad_p = primitive("layer_norm_grad", _layer_norm_grad_rule, allowed=NP_FLOATS,
                              same_dtype=True, multiple_results=True)


def _layer_norm_grad_ops(g: Any, x: Any, *weights: Any, axis: tuple, epsilon: float,
                         scale: bool, center: bool) -> list:
    """layer_norm_grad's outputs written with ops (its own gradient is theirs)."""
    dtype = x.dtype
    half = dtype.name in ("float16", "bfloat16")
    if half:  # as the kernels: float16 / bfloat16 computed in float32
        g, x = cast(g, "float32"), cast(x, "float32")
        weights = tuple(cast(w, "float32") for w in weights)
    others = tuple(a for a in range(x.shape.rank) if a not in axis)
    mean = reduce_mean(x, axis, keepdims=True)
    xc = subtract(x, mean)
    inv = rsqrt(add(reduce_mean(multiply(xc, xc), axis, keepdims=True), epsilon))
    xhat = multiply(xc, inv)
    gg = g
    if scale:
        bshape = tuple(-1 if d is None else d for d in _norm_dims(weights[0], x, axis))
        gg = multiply(g, bind(reshape_p, weights[0], shape=bshape))
    m1 = reduce_mean(gg, axis, keepdims=True)
    m2 = reduce_mean(multiply(gg, xhat), axis, keepdims=True)
    outs = [multiply(subtract(subtract(gg, m1), multiply(xhat, m2)), inv)]
    if scale:
        outs.append(reduce_sum(multiply(g, xhat), others))
    if center:
        outs.append(reduce_sum(g, others))
    return [cast(o, dtype) for o in outs] if half else outs


def _norm_dims(gamma: Any, x: Any, axis: tuple) -> list:
    """gamma's dims placed on x's normalized axes, 1 on the others (a broadcast shape)."""
    dims = list(gamma.shape)
    it = iter(dims)
    return [next(it) if a in axis else 1 for a in range(x.shape.rank)]


def _distinct(ins: tuple) -> list:
    """The inputs as distinct tensors (one entering twice gets an identity of it), so a
    tape gives each position its own gradient."""
    seen: set = set()
    out = []
    for t in ins:
        if id(t) in seen:
            t = identity(t)
        seen.add(id(t))
        out.append(t)
    return out


def _layer_norm_grad_vjp(cts: tuple, ins: tuple, outs: tuple, **params: Any) -> tuple:
    """The gradient of `_layer_norm_grad_ops` (a tape over the ops) for the cotangents."""
    srcs = _distinct(ins)
    with GradientTape() as tape:
        for s in srcs:
            tape.watch(s)
        ys = _layer_norm_grad_ops(*srcs, **params)
    pairs = [(y, c) for y, c in zip(ys, cts) if c is not None]
    if not pairs:
        return (None,) * len(ins)
    return tuple(tape.gradient([y for y, _ in pairs], srcs,
                               output_gradients=[c for _, c in pairs]))


defvjp(layer_norm_grad_p, _layer_norm_grad_vjp)


def layer_norm(x: Any, gamma: Any = None, beta: Any = None, axis: Any = -1,
               epsilon: float = 1e-3) -> Any:
    """`gamma * (x - mean) / sqrt(var + epsilon) + beta`, the mean and (population)
    variance taken over `axis` (an int or ints) for each sample, as one kernel (see the note
    above). `gamma` and `beta` (None: left out) have the normalized axes' shape and x's
    dtype; float16 / bfloat16 are computed in float32.

    Example:
        >>> import ember as tf
        >>> from ember.prims.nn import layer_norm
        >>> layer_norm(tf.constant([[1.0, 2.0, 3.0]]), epsilon=0.0).numpy().round(4)
        array([[-1.2247,  0.    ,  1.2247]], dtype=float32)
    """
    x = as_tensor(x)
    rank = x.shape.rank
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if rank is not None:
        axes = tuple(sorted(a + rank if a < 0 else a for a in axes))
    elif any(a < 0 for a in axes):
        raise ShapeError(f"layer_norm: a negative axis ({axis}) needs x of known rank.")
    weights = tuple(as_tensor(w) for w in (gamma, beta) if w is not None)
    return bind(layer_norm_p, x, *weights, axis=tuple(int(a) for a in axes),
                epsilon=float(epsilon), scale=gamma is not None, center=beta is not None)

"""The fused batch normalization of training: `batch_norm_train` (the normalized output
with the batch's statistics) and `batch_norm_train_grad` (its gradient), with the thin op
that binds them.

The statistics are taken over every axis but the last (channels last: [N, C],
[N, H, W, C], [N, T, C] ...), as BatchNormalization with its default `axis=-1` while it
trains. Its other forms (inference, other axes, `training` given as a tensor) are
composites of `ops/nn_ops.py` (moments, batch_normalization).

Example:
    >>> import ember as tf
    >>> from ember.prims.batch_norm import batch_norm_train
    >>> y, mean, var = batch_norm_train(tf.constant([[0.0], [2.0]]), epsilon=0.0)
    >>> y.numpy().ravel().tolist(), mean.numpy().tolist(), var.numpy().tolist()
    ([-1.0, 1.0], [1.0], [1.0])
"""

from __future__ import annotations

from typing import Any

from ..core.dtypes import NP_FLOATS
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.registry import bind, defvjp, primitive
from ..core.rules import describe
from ..core.shape import TensorSpec
from ..core.tape import GradientTape
from .array import broadcast_like
from .convert import as_tensor, cast
from .index import dim_of
from .math import add, multiply, rsqrt, subtract, truediv
from .nn import _distinct
from .reduce import reduce_sum

__all__ = ["batch_norm_train"]


# -- batch normalization (training) ------------------------------------------------------
# NOTE: primitives for speed, as TF's FusedBatchNormV3 / FusedBatchNormGradV3. Composed,
# BatchNormalization's training step is moments (mean, subtract, square, mean), then
# rsqrt, multiply, subtract, multiply, add forward and about twice as many ops backward,
# each a pass over an activation-sized array: in a ResNet-style block's training step
# (benchmarks/bench_cnn.py, "resnet") about half of the step. As primitives it is one
# kernel each way, over x seen as a (rows, C) matrix (M rows: every axis but the last):
#   batch_norm_train(x, [gamma], [beta]) = (y, mean, var), mean and population variance
#   over the rows, y = (x - mean) * (rsqrt(var + eps) * gamma) + beta (the composite's
#   order, so the values agree to rounding);
#   batch_norm_train_grad(dy, x, mean, var, [gamma]) = (dx, [dgamma], [dbeta]) with
#   inv = rsqrt(var + eps) and xhat = (x - mean) * inv:
#   dbeta = sum(dy), dgamma = sum(dy * xhat) over the rows and
#   dx = gamma * inv * (dy - dbeta / M - xhat * dgamma / M).
# The gradient takes the forward's mean and var as inputs (no second pass for them):
# for mean and var computed from x it is y's VJP, and as a function of all five inputs
# its own gradient (second derivatives, e.g. a gradient penalty) is that of the same
# formula written with ops (`_batch_norm_grad_ops`); the cotangents it gives mean and var
# reach x through batch_norm_train's VJP, which adds their terms (d mean / dx = 1 / M,
# d var / dx = 2 (x - mean) / M), so every order works. gamma and beta have shape (C,) and
# are inputs only where `scale` / `center` say so. float16 / bfloat16 are computed in
# float32, as Keras 3; the outputs keep x's dtype.

def _batch_norm_check(op: str, x: TensorSpec, weights: tuple, scale: bool, center: bool,
                      what: tuple) -> None:
    if len(weights) != len(what):
        raise InvalidArgumentError(
            f"{op}: scale={scale} and center={center} take {len(what)} weight inputs "
            f"({', '.join(what) or 'none'}), received {len(weights)}.")
    rank = x.shape.rank
    if rank is None:
        return
    if rank < 2:
        raise ShapeError(f"{op}: x must have rank >= 2 (rows, then the channels on its last "
                         f"axis); received {describe(x)}.")
    for w, name in zip(weights, what):
        if not w.shape.is_compatible_with([x.shape[-1]]):
            raise ShapeError(f"{op}: {name} must have shape (C,), C = {x.shape[-1]} the size "
                             f"of x's last axis; received {describe(x, *weights)}.")


def _channels(x: TensorSpec) -> list:
    """[C]: the shape of the per-channel vectors of x (C None where unknown)."""
    return [None if x.shape.rank is None else x.shape[-1]]


def _batch_norm_train_rule(x: TensorSpec, *weights: TensorSpec, epsilon: float, scale: bool,
                           center: bool) -> tuple:
    what = ("gamma",) * scale + ("beta",) * center
    _batch_norm_check("batch_norm_train", x, weights, scale, center, what)
    stat = TensorSpec(_channels(x), x.dtype)
    return TensorSpec(x.shape, x.dtype), stat, stat


def _batch_norm_train_grad_rule(dy: TensorSpec, x: TensorSpec, mean: TensorSpec,
                                var: TensorSpec, *weights: TensorSpec, epsilon: float,
                                scale: bool, center: bool) -> tuple:
    op = "batch_norm_train_grad"
    _batch_norm_check(op, x, weights, scale, False, ("gamma",) * scale)
    if not dy.shape.is_compatible_with(x.shape):
        raise ShapeError(f"{op}: dy must have x's shape; received {describe(dy, x)}.")
    c = _channels(x)
    for s, name in ((mean, "mean"), (var, "var")):
        if not s.shape.is_compatible_with(c):
            raise ShapeError(f"{op}: {name} must have shape (C,), C = {c[0]} the size of "
                             f"x's last axis; received {describe(x, mean, var)}.")
    outs = [TensorSpec(x.shape, x.dtype)]
    if scale:
        outs.append(TensorSpec(weights[0].shape, weights[0].dtype))
    if center:
        outs.append(TensorSpec(c, x.dtype))
    return tuple(outs)


batch_norm_train_p = primitive("batch_norm_train", _batch_norm_train_rule, allowed=NP_FLOATS,
                               same_dtype=True, multiple_results=True)
batch_norm_train_grad_p = primitive("batch_norm_train_grad", _batch_norm_train_grad_rule,
                                    allowed=NP_FLOATS, same_dtype=True,
                                    multiple_results=True)


def _rows(x: Any, dtype: Any) -> Any:
    """M, the number of rows of x (the product of its dims but the last): an int, or
    (unknown dims inside ember.function) a scalar tensor of `dtype` read at run time."""
    dims = list(x.shape)[:-1]
    if None not in dims:
        n = 1
        for d in dims:
            n *= d
        return n
    n = dim_of(x, 0)
    for i in range(1, len(dims)):
        n = multiply(n, dim_of(x, i))
    return cast(n, dtype)


def _wide(t: Any) -> Any:
    """t in float32 where it is float16 / bfloat16 (as the kernels compute)."""
    return cast(t, "float32") if t.dtype.name in ("float16", "bfloat16") else t


def _stat_terms(gmean: Any, gvar: Any, x: Any, mean: Any) -> Any:
    """x's cotangent from those of the mean and var outputs (either may be None):
    (gmean + 2 * gvar * (x - mean)) / M, of x's shape."""
    z = _wide(x)
    n = _rows(x, z.dtype)
    if gvar is None:
        out = truediv(broadcast_like(_wide(gmean), z), n)
    else:
        out = multiply(subtract(z, _wide(mean)), multiply(_wide(gvar), 2.0))
        if gmean is not None:
            out = add(out, _wide(gmean))
        out = truediv(out, n)
    return cast(out, x.dtype)


def _batch_norm_train_vjp(cts: tuple, ins: tuple, outs: tuple, epsilon: float, scale: bool,
                          center: bool) -> tuple:
    gy, gmean, gvar = cts
    x = ins[0]
    grads: list = [None] * len(ins)
    if gy is not None:
        gamma = ins[1:2] if scale else ()
        grads = list(bind(batch_norm_train_grad_p, gy, x, outs[1], outs[2], *gamma,
                          epsilon=epsilon, scale=scale, center=center))
    if gmean is not None or gvar is not None:  # rare: they feed the moving averages only
        extra = _stat_terms(gmean, gvar, x, outs[1])
        grads[0] = extra if grads[0] is None else add(grads[0], extra)
    return tuple(grads)


defvjp(batch_norm_train_p, _batch_norm_train_vjp)


def _batch_norm_grad_ops(dy: Any, x: Any, mean: Any, var: Any, *weights: Any,
                         epsilon: float, scale: bool, center: bool) -> list:
    """batch_norm_train_grad's outputs written with ops (its own gradient is theirs)."""
    dtype = x.dtype
    dy, x, mean, var, *weights = (_wide(t) for t in (dy, x, mean, var, *weights))
    rows = tuple(range(x.shape.rank - 1))
    n = _rows(x, x.dtype)
    inv = rsqrt(add(var, epsilon))
    xhat = multiply(subtract(x, mean), inv)
    dbeta = reduce_sum(dy, rows)
    dgamma = reduce_sum(multiply(dy, xhat), rows)
    a = multiply(inv, weights[0]) if scale else inv
    dx = multiply(a, subtract(subtract(dy, truediv(dbeta, n)),
                              multiply(xhat, truediv(dgamma, n))))
    return [cast(o, dtype) for o in [dx] + [dgamma] * scale + [dbeta] * center]


def _batch_norm_train_grad_vjp(cts: tuple, ins: tuple, outs: tuple, **params: Any) -> tuple:
    """The gradient of `_batch_norm_grad_ops` (a tape over the ops) for the cotangents."""
    srcs = _distinct(ins)
    with GradientTape() as tape:
        for s in srcs:
            tape.watch(s)
        ys = _batch_norm_grad_ops(*srcs, **params)
    pairs = [(y, c) for y, c in zip(ys, cts) if c is not None]
    if not pairs:
        return (None,) * len(ins)
    return tuple(tape.gradient([y for y, _ in pairs], srcs,
                               output_gradients=[c for _, c in pairs]))


defvjp(batch_norm_train_grad_p, _batch_norm_train_grad_vjp)


def batch_norm_train(x: Any, gamma: Any = None, beta: Any = None,
                     epsilon: float = 1e-3) -> tuple:
    """(y, mean, var): `x` normalized with its batch's statistics over every axis but the
    last, `y = (x - mean) * (rsqrt(var + epsilon) * gamma) + beta`, with the mean and
    (population) variance of shape (C,), as one kernel (see the note above). `gamma` and
    `beta` (None: left out) have shape (C,) and x's dtype; float16 / bfloat16 are computed
    in float32.

    Example:
        >>> import ember as tf
        >>> from ember.prims.batch_norm import batch_norm_train
        >>> x = tf.constant([[1.0, 10.0], [3.0, 30.0]])
        >>> y, mean, var = batch_norm_train(x, tf.constant([1.0, 2.0]), epsilon=0.0)
        >>> y.numpy().tolist(), mean.numpy().tolist(), var.numpy().tolist()
        ([[-1.0, -2.0], [1.0, 2.0]], [2.0, 20.0], [1.0, 100.0])
    """
    weights = tuple(as_tensor(w) for w in (gamma, beta) if w is not None)
    return tuple(bind(batch_norm_train_p, as_tensor(x), *weights, epsilon=float(epsilon),
                      scale=gamma is not None, center=beta is not None))

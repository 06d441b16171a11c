"""Fused products that only the NumPy executor's peephole rewrites create (core/rewrite.py),
with those rewrites: a two-operand einsum and the elementwise work right after it, done on
each block of the product while it is in cache (the `_conv.gemm_nd` epilogue):

- `einsum_bias(a, b, bias, [z]; equation, relu, residual)` = einsum(a, b) + bias [+ z],
  then relu when `relu`: a dense or EinsumDense layer's product and bias add (bias over
  the output's last axes), the residual add after it (z of the output's shape), the relu.
- `einsum_relu_grad(a, b, y; equation)` = relu_grad(einsum(a, b), y): a product whose
  result is a relu's gradient (a feed-forward layer's backward pass).

Each computes exactly the expression it replaces (the same operations in the same order,
so the same rounding). Their gradients are written with the unfused primitives.

Example:
    >>> import ember as tf
    >>> from ember.core.registry import bind
    >>> from ember.prims.fusion_einsum import einsum_bias_p
    >>> a, w = tf.ones((1, 2, 3)), tf.ones((3, 2))
    >>> bind(einsum_bias_p, a, w, tf.constant([0.5, -9.0]), equation="abc,cd->abd",
    ...      relu=True, residual=False).numpy().tolist()
    [[[3.5, 0.0], [3.5, 0.0]]]
"""

from __future__ import annotations

from typing import Any

from ..core import rules
from ..core.dtypes import NP_FLOATS
from ..core.grad_prims import sum_to_like_p
from ..core.graph import Eqn, Tracer
from ..core.registry import bind, defvjp, primitive
from ..core.rewrite import Uses, register
from ..core.shape import TensorSpec
from .linalg import _einsum_rule, _einsum_vjp
from .nn import relu_grad_p
from .reduce import reduce_sum

FLOAT_NAMES = {"float16", "bfloat16", "float32", "float64"}


# -- einsum + bias (+ residual) (+ relu) -------------------------------------------------

def _einsum_bias_rule(a: TensorSpec, b: TensorSpec, bias: TensorSpec, *z: TensorSpec,
                      equation: str, relu: bool, residual: bool) -> TensorSpec:
    y = _einsum_rule(a, b, equation=equation)
    k = bias.shape.rank
    if k is None or y.shape.rank is None or k > y.shape.rank or not bias.shape.is_compatible_with(
            tuple(y.shape)[y.shape.rank - k:]):
        raise rules.ShapeError(f"einsum_bias: the bias must have the shape of the output's "
                               f"last axes; got {rules.describe(a, b, bias)} for "
                               f"{equation!r} (output {y.shape}).")
    if len(z) != int(residual) or (z and not z[0].shape.is_compatible_with(y.shape)):
        raise rules.ShapeError(f"einsum_bias: residual={residual} takes {int(residual)} "
                               f"addend of the output's shape {y.shape}; got "
                               f"{rules.describe(*z)}.")
    return y


def _einsum_bias_vjp(g: Any, ins: tuple, out: Any, equation: str, relu: bool,
                     residual: bool) -> tuple:
    gy = bind(relu_grad_p, g, out) if relu else g
    da, db = _einsum_vjp(gy, ins[:2], None, equation)
    lead = gy.shape.rank - ins[2].shape.rank
    grads = (da, db, reduce_sum(gy, axis=tuple(range(lead))) if lead else gy)
    return grads + ((bind(sum_to_like_p, gy, ins[3]),) if residual else ())


einsum_bias_p = primitive("einsum_bias", _einsum_bias_rule, allowed=NP_FLOATS,
                          same_dtype=True, check="rule")
defvjp(einsum_bias_p, _einsum_bias_vjp)


def _is_einsum_bias(y: Any, bias: Any, uses: Uses, reader: Eqn) -> Eqn | None:
    """The two-operand einsum that gives y, when y is read by `reader` alone and bias
    (a float of y's dtype) has the shape of y's last axes; else None."""
    src = uses.source(y, "einsum")
    if src is None or len(src.ins) != 2 or not uses.only(y, reader):
        return None
    sy, sb = y.spec, bias.spec
    k = sb.shape.rank
    if (sy.shape.rank is None or k is None or not 1 <= k < sy.shape.rank
            or sy.dtype != sb.dtype or sy.dtype.name not in FLOAT_NAMES
            or None in tuple(sb.shape) or tuple(sy.shape)[sy.shape.rank - k:] != tuple(sb.shape)
            or "..." in src.params["equation"]):
        return None
    return src


def _is_residual(y: Any, z: Any, uses: Uses, reader: Eqn) -> Eqn | None:
    """The einsum_bias (no relu, no residual yet) that gives y, when y is read by `reader`
    alone and z is a full addend: y's rank, dtype and a compatible shape."""
    src = uses.source(y, "einsum_bias")
    if (src is None or src.params["relu"] or src.params["residual"] or not uses.only(y, reader)
            or not isinstance(z, Tracer) or z.spec.dtype != y.spec.dtype
            or z.spec.shape.rank != y.spec.shape.rank
            or not z.spec.shape.is_compatible_with(y.spec.shape)):
        return None
    return src


@register("add")
def _fuse_einsum_bias(e: Eqn, uses: Uses) -> Eqn | None:
    """add(einsum(a, b), bias) -> einsum_bias(a, b, bias); add(einsum_bias(a, b, bias), z)
    -> einsum_bias(a, b, bias, z, residual=True) (either order: addition commutes)."""
    for y, other in (e.ins, e.ins[::-1]):
        if not isinstance(y, Tracer):
            continue
        src = _is_einsum_bias(y, other, uses, e)
        if src is not None:
            return Eqn(einsum_bias_p, [*src.ins, other],
                       {"equation": src.params["equation"], "relu": False,
                        "residual": False}, e.outs, e.label)
        src = _is_residual(y, other, uses, e)
        if src is not None:
            return Eqn(einsum_bias_p, [*src.ins, other], dict(src.params, residual=True),
                       e.outs, e.label)
    return None


@register("bias_relu")
def _fuse_einsum_bias_relu(e: Eqn, uses: Uses) -> Eqn | None:
    """bias_relu(einsum(a, b), bias) -> einsum_bias(a, b, bias, relu=True)."""
    src = _is_einsum_bias(e.ins[0], e.ins[1], uses, e)
    if src is None:
        return None
    return Eqn(einsum_bias_p, [*src.ins, e.ins[1]],
               {"equation": src.params["equation"], "relu": True, "residual": False},
               e.outs, e.label)


@register("relu")
def _fuse_einsum_bias_then_relu(e: Eqn, uses: Uses) -> Eqn | None:
    """relu(einsum_bias(a, b, bias, ...)) -> einsum_bias(a, b, bias, ..., relu=True)."""
    src = uses.source(e.ins[0], "einsum_bias")
    if src is None or src.params["relu"] or not uses.only(e.ins[0], e):
        return None
    return Eqn(einsum_bias_p, list(src.ins), dict(src.params, relu=True), e.outs, e.label)


# -- einsum into relu's gradient ----------------------------------------------------------

def _einsum_relu_grad_rule(a: TensorSpec, b: TensorSpec, y: TensorSpec,
                           equation: str) -> TensorSpec:
    g = _einsum_rule(a, b, equation=equation)
    if not y.shape.is_compatible_with(g.shape):
        raise rules.ShapeError(f"einsum_relu_grad: y must have the product's shape {g.shape}; "
                               f"got {rules.describe(a, b, y)} for {equation!r}.")
    return g


def _einsum_relu_grad_vjp(c: Any, ins: tuple, out: Any, equation: str) -> tuple:
    a, b, y = ins
    da, db = _einsum_vjp(bind(relu_grad_p, c, y), (a, b), None, equation)
    return da, db, None


einsum_relu_grad_p = primitive("einsum_relu_grad", _einsum_relu_grad_rule,
                               allowed=NP_FLOATS, same_dtype=True, check="rule")
defvjp(einsum_relu_grad_p, _einsum_relu_grad_vjp)


@register("relu_grad")
def _fuse_einsum_relu_grad(e: Eqn, uses: Uses) -> Eqn | None:
    """relu_grad(einsum(a, b), y) -> einsum_relu_grad(a, b, y), also through a
    `sum_to_like(., like)` the backward walk may put between them (an identity: like is y,
    or has the product's static shape)."""
    g, y = e.ins
    reader = e
    summed = uses.source(g, "sum_to_like")
    if summed is not None:
        inner, like = summed.ins
        if not uses.only(g, e) or not (like is y or (
                None not in tuple(inner.spec.shape)
                and tuple(inner.spec.shape) == tuple(like.spec.shape))):
            return None
        reader, g = summed, inner
    src = uses.source(g, "einsum")
    if (src is None or len(src.ins) != 2 or not uses.only(g, reader)
            or "..." in src.params["equation"] or g.spec.dtype != y.spec.dtype
            or g.spec.dtype.name not in FLOAT_NAMES
            or not g.spec.shape.is_compatible_with(y.spec.shape)):
        return None
    return Eqn(einsum_relu_grad_p, [*src.ins, y], {"equation": src.params["equation"]},
               e.outs, e.label)

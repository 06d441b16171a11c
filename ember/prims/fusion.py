"""Fused primitives that only the NumPy executor's peephole rewrites create
(core/rewrite.py), with those rewrites:

- `bias_relu(x, b)` = relu(x + b), for b along x's last axis: a convolution's or a dense
  layer's bias add and relu as one pass over the activation (no intermediate array).
- `max_pool2d_grad_relu(dy, y; ksize, strides, padding)` = relu_grad(max_pool2d_grad(dy,
  y), y): max pooling's gradient routed into the relu output it pooled, the relu mask
  applied in the same pass.
- `conv2d_keep_cols(x, w) -> (y, cols)` and `conv2d_backprop_filter_cols(cols, x, dy, w)`:
  a convolution whose filter gradient is in the same plan keeps its im2col rows for it
  (the filter gradient is `cols^T @ dy`), instead of copying every window again. The rows
  are kept only while the kept rows of all convolutions stay under a budget (the NumPy
  kernel's `KEEP_BYTES`); past it `cols` is None and the gradient makes them anew.

Each computes exactly the expression it replaces (same operations, same order), so a plan
gives the same values with or without the rewrite. Their gradients are written with the
unfused primitives, so a graph that contains them (none does, unless built by hand) still
differentiates.

Example:
    >>> import ember as tf
    >>> from ember.core.registry import bind
    >>> from ember.prims.fusion import bias_relu_p
    >>> bind(bias_relu_p, tf.constant([[1.0, -2.0]]), tf.constant([0.5, 0.5])).numpy()
    array([[1.5, 0. ]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import rules
from ..core.dtypes import NP_FLOATS
from ..core.graph import Eqn
from ..core.registry import bind, defvjp, primitive
from ..core.rewrite import Uses, register
from ..core.shape import TensorSpec
from ..core.graph import Tracer
from .array import reshape_p
from .conv import (_backprop_filter_vjp, _conv_rule, _conv_vjp, conv2d_backprop_filter_p,
                   conv2d_backprop_input_p, max_pool2d_grad_grad_p, max_pool2d_grad_p)
from .convert import constant
from .math import add
from .nn import relu_grad_p
from .reduce import reduce_sum

FLOAT_NAMES = {"float16", "bfloat16", "float32", "float64"}


def _bias_relu_rule(x: TensorSpec, b: TensorSpec) -> TensorSpec:
    rules.same_dtype("bias_relu", x, b)
    if b.shape.rank != 1 or (x.shape.rank is not None and x.shape.rank < 1):
        raise rules.ShapeError(f"bias_relu: the bias must be 1-D along the last axis of x; "
                               f"got {rules.describe(x, b)}.")
    if x.shape.rank is not None:
        c, n = x.shape[-1], b.shape[0]
        if c is not None and n is not None and c != n:
            raise rules.ShapeError(f"bias_relu: x's last axis has {c} elements, the bias "
                                   f"{n}; got {rules.describe(x, b)}.")
    return TensorSpec(x.shape, x.dtype)


def _bias_relu_vjp(g: Any, ins: tuple, out: Any) -> tuple:
    gy = bind(relu_grad_p, g, out)
    rank = ins[0].shape.rank
    db = reduce_sum(gy, axis=tuple(range(rank - 1))) if rank and rank > 1 else gy
    return gy, db


bias_relu_p = primitive("bias_relu", _bias_relu_rule, allowed=NP_FLOATS, same_dtype=True,
                        check="rule")
defvjp(bias_relu_p, _bias_relu_vjp)


def _pool_grad_relu_rule(dy: TensorSpec, y: TensorSpec, **params: Any) -> TensorSpec:
    return max_pool2d_grad_p.rule(dy, y, **params)


max_pool2d_grad_relu_p = primitive("max_pool2d_grad_relu", _pool_grad_relu_rule,
                                   allowed=NP_FLOATS, same_dtype=True)
defvjp(max_pool2d_grad_relu_p, lambda g, ins, out, **p: (
    bind(max_pool2d_grad_grad_p, bind(relu_grad_p, g, ins[1]), ins[1], **p), None))


def _keep_cols_rule(x: TensorSpec, w: TensorSpec, **params: Any) -> tuple:
    y = _conv_rule(x, w, **params)
    k = None
    if w.shape.rank == 4 and None not in tuple(w.shape)[:3]:
        k = w.shape[0] * w.shape[1] * w.shape[2]
    return y, TensorSpec((None, k), x.dtype)


def _keep_cols_vjp(g: tuple, ins: tuple, out: tuple, **p: Any) -> tuple:
    """y's cotangent as conv2d's; the rows' cotangent goes back to x through im2col's
    adjoint, written as conv2d_backprop_input with a one-hot filter ([kh, kw, C, K]: tap
    and channel k of a window to row column k)."""
    gy, gc = g
    x, w = ins
    dx, dw = _conv_vjp(gy, ins, out[0], **p) if gy is not None else (None, None)
    if gc is not None:
        kh, kw, c, _ = tuple(w.shape)
        oh, ow = tuple(out[0].shape)[1:3]
        if None in (kh, kw, c, oh, ow):
            raise NotImplementedError("conv2d_keep_cols: the gradient of its im2col rows "
                                      "needs static filter and output sizes.")
        k = kh * kw * c
        eye = constant(np.eye(k, dtype=x.dtype.as_numpy_dtype).reshape(kh, kw, c, k))
        g4 = bind(reshape_p, gc, shape=(-1, oh, ow, k))
        dxc = bind(conv2d_backprop_input_p, g4, eye, x, **p)
        dx = dxc if dx is None else add(dx, dxc)
    return dx, dw


conv2d_keep_cols_p = primitive("conv2d_keep_cols", _keep_cols_rule, allowed=NP_FLOATS,
                               same_dtype=True, multiple_results=True)
defvjp(conv2d_keep_cols_p, _keep_cols_vjp)


def _filter_cols_rule(cols: TensorSpec, x: TensorSpec, dy: TensorSpec, w: TensorSpec,
                      **params: Any) -> TensorSpec:
    return conv2d_backprop_filter_p.rule(x, dy, w, **params)


conv2d_backprop_filter_cols_p = primitive("conv2d_backprop_filter_cols", _filter_cols_rule,
                                          allowed=NP_FLOATS, same_dtype=True)
defvjp(conv2d_backprop_filter_cols_p, lambda gw, ins, out, **p: (
    None, *_backprop_filter_vjp(gw, ins[1:], out, **p)))


# -- the rewrites ----------------------------------------------------------------------

def _is_bias(x: Any, b: Any) -> bool:
    sx, sb = x.spec, b.spec
    return (sb.shape.rank == 1 and sx.shape.rank is not None and sx.shape.rank >= 2
            and sx.shape[-1] is not None and sx.shape[-1] == sb.shape[0]
            and sx.dtype == sb.dtype and sx.dtype.name in FLOAT_NAMES)


@register("relu")
def _fuse_bias_relu(e: Eqn, uses: Uses) -> Eqn | None:
    """relu(add(x, b)) -> bias_relu(x, b), b a bias along x's last axis."""
    a = e.ins[0]
    add = uses.source(a, "add")
    if add is None or not uses.only(a, e):
        return None
    x, b = add.ins
    if not _is_bias(x, b):
        if not _is_bias(b, x):
            return None
        x, b = b, x  # b + x: the same sum (addition commutes exactly)
    return Eqn(bias_relu_p, [x, b], {}, e.outs, e.label)


@register("relu_grad")
def _fuse_pool_grad_relu(e: Eqn, uses: Uses) -> Eqn | None:
    """relu_grad(max_pool2d_grad(dy, y), y) -> max_pool2d_grad_relu(dy, y), also through
    the `sum_to_like(., y)` the backward walk puts between them (an identity there: the
    pool gradient has y's shape)."""
    g, y = e.ins
    reader = e
    summed = uses.source(g, "sum_to_like")
    if summed is not None:
        if not uses.only(g, e) or summed.ins[1] is not y:
            return None
        reader, g = summed, summed.ins[0]
    pool = uses.source(g, "max_pool2d_grad")
    if pool is None or pool.ins[1] is not y or not uses.only(g, reader):
        return None
    return Eqn(max_pool2d_grad_relu_p, [pool.ins[0], y], dict(pool.params), e.outs, e.label)


@register("conv2d_backprop_filter")
def _share_cols(e: Eqn, uses: Uses) -> Eqn | None:
    """conv2d(x, w) ... conv2d_backprop_filter(x, dy, w) -> conv2d_keep_cols(x, w) ...
    conv2d_backprop_filter_cols(cols, x, dy, w): the forward's im2col rows reused."""
    x, dy, w = e.ins
    if not isinstance(x, Tracer):
        return None
    for conv in uses.readers.get(id(x), ()):
        if (conv.prim.name == "conv2d" and conv.ins[0] is x and conv.params == e.params
                and id(conv) not in uses.replaced
                and tuple(conv.ins[1].spec.shape) == tuple(w.spec.shape)):
            y_spec, cols_spec = _keep_cols_rule(x.spec, conv.ins[1].spec, **conv.params)
            cols = Tracer(cols_spec, x.trace)
            uses.replace(conv, Eqn(conv2d_keep_cols_p, list(conv.ins), dict(conv.params),
                                   [conv.outs[0], cols], conv.label))
            return Eqn(conv2d_backprop_filter_cols_p, [cols, x, dy, w], dict(e.params),
                       e.outs, e.label)
    return None

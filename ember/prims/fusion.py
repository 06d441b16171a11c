"""Fused primitives that only the NumPy executor's peephole rewrites create
(core/rewrite.py), with those rewrites:

- `bias_relu(x, b)` = relu(x + b), for b along x's last axis: a convolution's or a dense
  layer's bias add and relu as one pass over the activation (no intermediate array).
- `max_pool2d_grad_relu(dy, y; ksize, strides, padding)` = relu_grad(max_pool2d_grad(dy,
  y), y): max pooling's gradient routed into the relu output it pooled, the relu mask
  applied in the same pass.
- `bias_relu_max_pool(z, b) -> (p, taps)` and `max_pool2d_grad_relu_taps(dy, p, taps)`:
  relu(z + b) max-pooled by windows that tile it, keeping each window's maximum and the
  tap it came from (uint8) instead of the relu's whole output; the gradient routes dy to
  that tap. The activation-sized relu output is never written nor read back.
- `batch_norm_relu_train(x, [gamma], [beta]) -> (relu(y), mean, var)` and
  `batch_norm_relu_train_grad(dy, r, x, mean, var, [gamma])`: a training BatchNorm and the
  relu after it, one pass each way (the relu's gradient applied inside the BatchNorm
  gradient's passes; r is the relu's output).
- (the products' fusions, einsum_bias and einsum_relu_grad, are in prims/fusion_einsum.py)
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
from ..core.rewrite import DELETE, Uses, register
from ..core.shape import TensorSpec
from ..core.graph import Tracer
from .array import reshape_p
from .conv import (_backprop_filter_vjp, _conv_rule, _conv_vjp, conv2d_backprop_filter_p,
                   conv2d_backprop_input_p, max_pool2d_grad_grad_p, max_pool2d_grad_p,
                   max_pool2d_p)
from .convert import cast, constant
from .array import transpose_p
from .batch_norm import (_batch_norm_train_grad_rule, _batch_norm_train_grad_vjp,
                         _batch_norm_train_rule, _batch_norm_train_vjp)
from .index import pad_p
from .math import add, equal, greater, multiply, select_p
from .index import basic_getitem
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


def _tiled(x: TensorSpec, ksize: tuple, strides: tuple, padding: Any) -> bool:
    """Whether pooling windows tile x from its top left (strides == ksize, no padding
    before), with H, W and C known."""
    h, w, c = tuple(x.shape)[1:4] if x.shape.rank == 4 else (None,) * 3
    if None in (h, w, c) or tuple(ksize) != tuple(strides) or ksize[0] * ksize[1] > 255:
        return False
    if padding == "VALID":
        return True
    # SAME: the padding before is half of (out - 1) * s + k - n, rounded down
    return padding == "SAME" and all(
        (-(-n // k) * k - n) // 2 == 0 for n, k in ((h, ksize[0]), (w, ksize[1])))


def _bias_relu_pool_rule(z: TensorSpec, b: TensorSpec, **params: Any) -> tuple:
    _bias_relu_rule(z, b)
    spec = max_pool2d_p.rule(z, **params)
    return spec, TensorSpec(spec.shape, np.dtype(np.uint8))


def _bias_relu_pool_vjp(g: tuple, ins: tuple, out: tuple, **p: Any) -> tuple:
    z, _ = ins
    h, w = tuple(z.shape)[1:3]
    if g[0] is None:
        return None, None
    if h is None or w is None:
        raise NotImplementedError("bias_relu_max_pool: its gradient needs the input's "
                                  "height and width known.")
    dz = bind(max_pool2d_grad_relu_taps_p, g[0], out[0], out[1], input_hw=(h, w), **p)
    return dz, reduce_sum(dz, axis=(0, 1, 2))


bias_relu_max_pool_p = primitive("bias_relu_max_pool", _bias_relu_pool_rule,
                                 allowed=NP_FLOATS, same_dtype=True, check="rule",
                                 multiple_results=True)
defvjp(bias_relu_max_pool_p, _bias_relu_pool_vjp)


def _grad_taps_rule(dy: TensorSpec, p: TensorSpec, taps: TensorSpec, ksize: tuple,
                    strides: tuple, padding: Any, input_hw: tuple) -> TensorSpec:
    rules.same_dtype("max_pool2d_grad_relu_taps", dy, p)
    n, c = (tuple(dy.shape)[0], tuple(dy.shape)[3]) if dy.shape.rank == 4 else (None, None)
    return TensorSpec((n, input_hw[0], input_hw[1], c), dy.dtype)


def _grad_taps_vjp(gx: Any, ins: tuple, out: Any, ksize: tuple, strides: tuple,
                   padding: Any, input_hw: tuple) -> tuple:
    """d dy: each window's tap of gx (the tap in `taps`) times (p > 0); linear in dy."""
    _, p, taps = ins
    (kh, kw), (h, w) = ksize, input_hw
    oh, ow = tuple(p.shape)[1:3]
    c = tuple(p.shape)[3]
    # gx cut or padded to the windows' extent, then [N, OH, OW, kh * kw, C]
    hh, ww = oh * kh, ow * kw
    if hh < h or ww < w:
        gx = basic_getitem(gx, (slice(None), slice(0, min(h, hh)), slice(0, min(w, ww))))
    if hh > h or ww > w:
        gx = bind(pad_p, gx, paddings=((0, 0), (0, max(hh - h, 0)), (0, max(ww - w, 0)),
                                       (0, 0)), mode="CONSTANT", constant_values=0)
    gw = bind(reshape_p, gx, shape=(-1, oh, kh, ow, kw, c))
    gw = bind(reshape_p, bind(transpose_p, gw, perm=(0, 1, 3, 2, 4, 5)),
              shape=(-1, oh, ow, kh * kw, c))
    ks = constant(np.arange(kh * kw, dtype=np.uint8).reshape(kh * kw, 1))
    hit = equal(bind(reshape_p, taps, shape=(-1, oh, ow, 1, c)), ks)
    picked = reduce_sum(bind(select_p, hit, gw, multiply(gw, 0)), axis=3)
    return multiply(picked, cast(greater(p, 0), p.dtype)), None, None


max_pool2d_grad_relu_taps_p = primitive("max_pool2d_grad_relu_taps", _grad_taps_rule,
                                        allowed=NP_FLOATS, check="rule")
defvjp(max_pool2d_grad_relu_taps_p, _grad_taps_vjp)


def _grad_taps_db_rule(dy: TensorSpec, p: TensorSpec, taps: TensorSpec, **params: Any) -> tuple:
    dx = _grad_taps_rule(dy, p, taps, **params)
    return dx, TensorSpec((dx.shape[3],), dy.dtype)


def _grad_taps_db_vjp(g: tuple, ins: tuple, out: tuple, **params: Any) -> tuple:
    """dx's cotangent as max_pool2d_grad_relu_taps'; db = the sum of dy * (p > 0) over
    the windows, so its cotangent reaches dy as gdb * (p > 0)."""
    gdx, gdb = g
    d = _grad_taps_vjp(gdx, ins, out[0], **params)[0] if gdx is not None else None
    if gdb is not None:
        p = ins[1]
        from_db = multiply(cast(greater(p, 0), p.dtype), gdb)
        d = from_db if d is None else add(d, from_db)
    return d, None, None


max_pool2d_grad_relu_taps_db_p = primitive("max_pool2d_grad_relu_taps_db", _grad_taps_db_rule,
                                           allowed=NP_FLOATS, check="rule",
                                           multiple_results=True)
defvjp(max_pool2d_grad_relu_taps_db_p, _grad_taps_db_vjp)


def _bn_relu_vjp(cts: tuple, ins: tuple, outs: tuple, **p: Any) -> tuple:
    """batch_norm_train's gradient for y's cotangent through the relu (relu_grad first)."""
    gy = bind(relu_grad_p, cts[0], outs[0]) if cts[0] is not None else None
    return _batch_norm_train_vjp((gy, cts[1], cts[2]), ins, outs, **p)


batch_norm_relu_train_p = primitive("batch_norm_relu_train", _batch_norm_train_rule,
                                    allowed=NP_FLOATS, same_dtype=True, multiple_results=True)
defvjp(batch_norm_relu_train_p, _bn_relu_vjp)


def _bn_relu_grad_rule(dy: TensorSpec, r: TensorSpec, *rest: TensorSpec, **p: Any) -> tuple:
    rules.same_dtype("batch_norm_relu_train_grad", dy, r)
    if not dy.shape.is_compatible_with(r.shape):
        raise rules.ShapeError(f"batch_norm_relu_train_grad: r must have dy's shape; got "
                               f"{rules.describe(dy, r)}.")
    return _batch_norm_train_grad_rule(dy, *rest, **p)


def _bn_relu_grad_vjp(cts: tuple, ins: tuple, outs: tuple, **p: Any) -> tuple:
    """batch_norm_train_grad's gradient at dy * (r > 0); dy's part masked again (r, a relu's
    output, gets none, as relu_grad's second input)."""
    dy, r, *rest = ins
    grads = _batch_norm_train_grad_vjp(cts, (bind(relu_grad_p, dy, r), *rest), outs, **p)
    d = grads[0]
    return (bind(relu_grad_p, d, r) if d is not None else None, None, *grads[1:])


batch_norm_relu_train_grad_p = primitive("batch_norm_relu_train_grad", _bn_relu_grad_rule,
                                         allowed=NP_FLOATS, same_dtype=True,
                                         multiple_results=True)
defvjp(batch_norm_relu_train_grad_p, _bn_relu_grad_vjp)


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


@register("max_pool2d_grad_relu")
def _pool_through_taps(e: Eqn, uses: Uses) -> Eqn | None:
    """y = bias_relu(z, b); p = max_pool2d(y) ... max_pool2d_grad_relu(dy, y), y read by
    nothing else, windows tiling y -> (p, taps) = bias_relu_max_pool(z, b) ...
    max_pool2d_grad_relu_taps(dy, p, taps): y is never made."""
    dy, y = e.ins
    act = uses.source(y, "bias_relu")
    readers = uses.readers.get(id(y), ())
    if act is None or uses.count.get(id(y)) != 2 or len(readers) != 2:
        return None
    pool = next((r for r in readers if r.prim.name == "max_pool2d"), None)
    if (pool is None or pool.params != e.params or id(pool) in uses.replaced
            or not _tiled(y.spec, **e.params)):
        return None
    p = pool.outs[0]
    taps = Tracer(TensorSpec(p.spec.shape, np.dtype(np.uint8)), y.trace)
    uses.replace(pool, Eqn(bias_relu_max_pool_p, list(act.ins), dict(pool.params),
                           [p, taps], pool.label))
    h, w = tuple(y.spec.shape)[1:3]
    return Eqn(max_pool2d_grad_relu_taps_p, [dy, p, taps], dict(e.params, input_hw=(h, w)),
               e.outs, e.label)


@register("sum_to")
def _bias_grad_with_taps(e: Eqn, uses: Uses) -> Any:
    """dx = max_pool2d_grad_relu_taps(...) ... sum_to(dx, (C,)) (a conv's bias gradient)
    -> (dx, db) = max_pool2d_grad_relu_taps_db(...): the sum made in the same pass."""
    (dx,) = e.ins
    grad = uses.source(dx, "max_pool2d_grad_relu_taps")
    c = tuple(dx.spec.shape)[3] if dx.spec.shape.rank == 4 else None
    if grad is None or c is None or tuple(e.params["shape"]) != (c,) or id(grad) in uses.replaced:
        return None
    uses.replace(grad, Eqn(max_pool2d_grad_relu_taps_db_p, list(grad.ins), dict(grad.params),
                           [dx, e.outs[0]], grad.label))
    return DELETE


@register("relu")
def _fuse_batch_norm_relu(e: Eqn, uses: Uses) -> Any:
    """(y, mean, var) = batch_norm_train(x, ...); r = relu(y), y read by nothing else ->
    (r, mean, var) = batch_norm_relu_train(x, ...)."""
    y = e.ins[0]
    bn = uses.source(y, "batch_norm_train")
    if bn is None or bn.outs[0] is not y or not uses.only(y, e) or id(bn) in uses.replaced:
        return None
    uses.replace(bn, Eqn(batch_norm_relu_train_p, list(bn.ins), dict(bn.params),
                         [e.outs[0], bn.outs[1], bn.outs[2]], bn.label))
    return DELETE


@register("batch_norm_train_grad")
def _fuse_batch_norm_relu_grad(e: Eqn, uses: Uses) -> Eqn | None:
    """batch_norm_train_grad(relu_grad(g, r), x, ...) with r from batch_norm_relu_train ->
    batch_norm_relu_train_grad(g, r, x, ...)."""
    rg = e.ins[0]
    grad = uses.source(rg, "relu_grad")
    if grad is None or not uses.only(rg, e):
        return None
    g, r = grad.ins
    if uses.source(r, "batch_norm_relu_train") is None:
        return None
    return Eqn(batch_norm_relu_train_grad_p, [g, r, *e.ins[1:]], dict(e.params), e.outs,
               e.label)

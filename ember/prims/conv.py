"""The convolution and pooling primitives, their shape rules and gradients: conv2d,
conv2d_backprop_input, conv2d_backprop_filter, max_pool2d, max_pool2d_grad,
max_pool2d_grad_grad, avg_pool2d and avg_pool2d_grad, all NHWC with static params
(`strides`, `padding`, `dilations` / `ksize`, already parsed).

The public ops (`tf.nn.conv2d`, `max_pool2d`, `conv1d`, ...: argument parsing, NCHW, 1-D
forms) are in `ops/conv_ops.py`; conv2d_transpose, depthwise and separable convolutions in
`ops/conv_extra.py`.

NOTE: conv2d and the pools are primitives for speed (one im2col matmul instead of
kh*kw sliced products). Their gradients are primitives too, each the adjoint of
another member of the family, so every derivative is exact and differentiable again:
  conv2d(x, w)                 d/dx: conv2d_backprop_input(g, w, x)
                               d/dw: conv2d_backprop_filter(x, g, w)
  conv2d_backprop_input(g, w)  d/dg: conv2d(G, w),  d/dw: conv2d_backprop_filter(G, g)
  conv2d_backprop_filter(x, g) d/dx: conv2d_backprop_input(g, G),  d/dg: conv2d(x, G)
  max_pool2d(x)                d/dx: max_pool2d_grad(g, x)   (to the first maximum)
  max_pool2d_grad(g, x)        d/dg: max_pool2d_grad_grad(G, x)  (and back)
  avg_pool2d(x)                d/dx: avg_pool2d_grad(g, x),  whose d/dg is avg_pool2d
The trailing `x` / `w` operands of the gradients are "like" tensors: only their shape
is read (at run time, so an unknown batch inside ember.function is fine).

Example:
    >>> import ember as tf
    >>> from ember.core.registry import bind
    >>> from ember.prims.conv import max_pool2d_p
    >>> x = tf.reshape(tf.range(16.0), (1, 4, 4, 1))
    >>> bind(max_pool2d_p, x, ksize=(2, 2), strides=(2, 2), padding="VALID")[0, :, :, 0].numpy()
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ..core import rules
from ..core.dtypes import NP_FLOATS
from ..core.errors import ShapeError
from ..core.registry import bind, defvjp, primitive
from ..core.shape import TensorSpec
from ..core.tape import needs_gradient


# -- shapes ----------------------------------------------------------------------------

def _out_size(op: str, n: Any, k: int, s: int, d: int, padding: Any, what: str) -> Any:
    """One spatial output size (None if `n` is unknown), as TF."""
    if n is None:
        return None
    if padding == "SAME":
        return -(-n // s)
    before, after = (0, 0) if padding == "VALID" else padding
    dk = (k - 1) * d + 1
    if n + before + after < dk:
        dil = f" dilated to {dk}" if d > 1 else ""
        raise ShapeError(
            f"{op}: the {what} ({k}{dil}) is larger than the {'padded ' if before + after else ''}"
            f"input ({n + before + after}) with padding {padding!r}: the output would be "
            f"empty. Use padding='SAME', a smaller window or a larger input.")
    return (n + before + after - dk) // s + 1


def _check_4d(op: str, x: TensorSpec, what: str, layout: str) -> None:
    if x.shape.rank is not None and x.shape.rank != 4:
        raise ShapeError(f"{op}: {what} must be 4-D {layout}, received "
                         f"{rules.describe(x)}.")


# -- convolution -----------------------------------------------------------------------

def _conv_rule(x: TensorSpec, w: TensorSpec, strides: tuple, padding: Any,
               dilations: tuple) -> TensorSpec:
    op = "conv2d"
    dt = x.dtype  # dtypes: the primitive's allowed / same_dtype
    _check_4d(op, x, "input", "[batch, height, width, in_channels]")
    _check_4d(op, w, "filters", "[height, width, in_channels, out_channels]")
    if x.shape.rank is None or w.shape.rank is None:
        return TensorSpec(None, dt)
    c, wc = x.shape[3], w.shape[2]
    if c is not None and wc is not None and c != wc:
        raise ShapeError(f"{op}: input {rules.describe(x)} has {c} channels but filters "
                         f"{rules.describe(w)} expect {wc} (filters are [height, width, "
                         f"in_channels, out_channels]).")
    pads = (padding, padding) if isinstance(padding, str) else padding
    oh = _out_size(op, x.shape[1], w.shape[0], strides[0], dilations[0], pads[0],
                   "filter height")
    ow = _out_size(op, x.shape[2], w.shape[1], strides[1], dilations[1], pads[1],
                   "filter width")
    return TensorSpec((x.shape[0], oh, ow, w.shape[3]), dt)


def _backprop_input_rule(g: TensorSpec, w: TensorSpec, x: TensorSpec, **params: Any) -> TensorSpec:
    return TensorSpec(x.shape, g.dtype)


def _backprop_filter_rule(x: TensorSpec, g: TensorSpec, w: TensorSpec,
                          **params: Any) -> TensorSpec:
    return TensorSpec(w.shape, x.dtype)


conv2d_p = primitive("conv2d", _conv_rule, allowed=NP_FLOATS, same_dtype=True)


def _conv_vjp(g: Any, ins: tuple, out: Any, **p: Any) -> tuple:
    x, w = ins
    dx = bind(conv2d_backprop_input_p, g, w, x, **p) if needs_gradient(0) else None
    dw = bind(conv2d_backprop_filter_p, x, g, w, **p) if needs_gradient(1) else None
    return dx, dw


defvjp(conv2d_p, _conv_vjp)
conv2d_backprop_input_p = primitive("conv2d_backprop_input", _backprop_input_rule,
                                    allowed=NP_FLOATS, same_dtype=True)


def _backprop_input_vjp(gg: Any, ins: tuple, out: Any, **p: Any) -> tuple:
    g, w, _ = ins
    d_g = bind(conv2d_p, gg, w, **p) if needs_gradient(0) else None
    d_w = bind(conv2d_backprop_filter_p, gg, g, w, **p) if needs_gradient(1) else None
    return d_g, d_w, None


defvjp(conv2d_backprop_input_p, _backprop_input_vjp)
conv2d_backprop_filter_p = primitive("conv2d_backprop_filter", _backprop_filter_rule,
                                     allowed=NP_FLOATS, same_dtype=True)


def _backprop_filter_vjp(gw: Any, ins: tuple, out: Any, **p: Any) -> tuple:
    x, g, _ = ins
    d_x = bind(conv2d_backprop_input_p, g, gw, x, **p) if needs_gradient(0) else None
    d_g = bind(conv2d_p, x, gw, **p) if needs_gradient(1) else None
    return d_x, d_g, None


defvjp(conv2d_backprop_filter_p, _backprop_filter_vjp)


# -- pooling ---------------------------------------------------------------------------

def _pool_rule(op: str):
    def rule(x: TensorSpec, ksize: tuple, strides: tuple, padding: str) -> TensorSpec:
        _check_4d(op, x, "input", "[batch, height, width, channels]")
        if x.shape.rank is None:
            return TensorSpec(None, x.dtype)
        oh = _out_size(op, x.shape[1], ksize[0], strides[0], 1, padding, "window height")
        ow = _out_size(op, x.shape[2], ksize[1], strides[1], 1, padding, "window width")
        return TensorSpec((x.shape[0], oh, ow, x.shape[3]), x.dtype)
    return rule


def _like_second(op: str):
    """Rule of a pooling gradient `(g, x_like) -> spec of x_like`."""
    def rule(g: TensorSpec, x: TensorSpec, **params: Any) -> TensorSpec:
        return TensorSpec(x.shape, g.dtype)
    return rule


def _grad_grad_rule(g: TensorSpec, x: TensorSpec, **params: Any) -> TensorSpec:
    rules.same_dtype("max_pool2d_grad_grad", g, x)
    return _pool_rule("max_pool2d_grad_grad")(x, **params)


max_pool2d_p = primitive("max_pool2d", _pool_rule("max_pool2d"), allowed=NP_FLOATS)
defvjp(max_pool2d_p, lambda g, ins, out, **p: (bind(max_pool2d_grad_p, g, ins[0], **p),))
max_pool2d_grad_p = primitive("max_pool2d_grad", _like_second("max_pool2d_grad"),
                              allowed=NP_FLOATS, same_dtype=True)
defvjp(max_pool2d_grad_p, lambda g, ins, out, **p: (
    bind(max_pool2d_grad_grad_p, g, ins[1], **p), None))
max_pool2d_grad_grad_p = primitive("max_pool2d_grad_grad", _grad_grad_rule,
                                   allowed=NP_FLOATS, same_dtype=True)
defvjp(max_pool2d_grad_grad_p, lambda g, ins, out, **p: (
    bind(max_pool2d_grad_p, g, ins[1], **p), None))
avg_pool2d_p = primitive("avg_pool2d", _pool_rule("avg_pool2d"), allowed=NP_FLOATS)
defvjp(avg_pool2d_p, lambda g, ins, out, **p: (bind(avg_pool2d_grad_p, g, ins[0], **p),))
avg_pool2d_grad_p = primitive("avg_pool2d_grad", _like_second("avg_pool2d_grad"),
                              allowed=NP_FLOATS, same_dtype=True)
defvjp(avg_pool2d_grad_p, lambda g, ins, out, **p: (bind(avg_pool2d_p, g, **p), None))

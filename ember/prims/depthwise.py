"""The depthwise convolution primitives, their shape rules and gradients:
depthwise_conv2d, depthwise_conv2d_backprop_input and depthwise_conv2d_backprop_filter,
NHWC with conv2d's static params (`strides`, `padding`, `dilations`, already parsed).

`depthwise_conv2d(x [N, H, W, C], w [kh, kw, C, M])` is `[N, OH, OW, C * M]`: output
channel `c * M + m` from input channel c and filter `[:, :, c, m]` (as TF). The public op
(`tf.nn.depthwise_conv2d`: argument parsing, NCHW) is in `ops/conv_extra.py`.

NOTE: a primitive, not conv2d with a block-diagonal `[kh, kw, C, C * M]` filter, which
costs C times the arithmetic and memory: its kernels do kh * kw multiply-adds per output
element. Its gradients are primitives too, each the adjoint of another member of the
family (as conv2d's), so every derivative is exact and differentiable again:
  depthwise_conv2d(x, w)                 d/dx: ..._backprop_input(g, w, x)
                                         d/dw: ..._backprop_filter(x, g, w)
  depthwise_conv2d_backprop_input(g, w)  d/dg: depthwise_conv2d(G, w)
                                         d/dw: ..._backprop_filter(G, g)
  depthwise_conv2d_backprop_filter(x, g) d/dx: ..._backprop_input(g, G)
                                         d/dg: depthwise_conv2d(x, G)
The trailing `x` / `w` operands of the gradients are "like" tensors: only their shape is
read (at run time, so an unknown batch inside ember.function is fine).

Example:
    >>> import ember as tf
    >>> from ember.core.registry import bind
    >>> from ember.prims.depthwise import depthwise_conv2d_p
    >>> x = tf.ones((1, 3, 3, 2))
    >>> w = tf.reshape(tf.constant([1.0, 10.0]), (1, 1, 2, 1))
    >>> bind(depthwise_conv2d_p, x, w, strides=(1, 1), padding="VALID",
    ...      dilations=(1, 1))[0, 0, 0].numpy()
    array([ 1., 10.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ..core import rules
from ..core.dtypes import NP_FLOATS
from ..core.errors import ShapeError
from ..core.registry import bind, defvjp, primitive
from ..core.shape import TensorSpec
from ..core.tape import needs_gradient
from .conv import _check_4d, _out_size

_FILTER = "[height, width, in_channels, channel_multiplier]"


# -- shapes ----------------------------------------------------------------------------

def _check_filter(op: str, x: TensorSpec, w: TensorSpec, what: str = "input") -> None:
    """`w` is a 4-D depthwise filter whose in_channels are `x`'s channels (when known)."""
    _check_4d(op, w, "filter", _FILTER)
    if x.shape.rank != 4 or w.shape.rank != 4:
        return
    c, wc = x.shape[3], w.shape[2]
    if c is not None and wc is not None and c != wc:
        raise ShapeError(f"{op}: {what} {rules.describe(x)} has {c} channels but the filter "
                         f"{rules.describe(w)} expects {wc} (filters are {_FILTER}).")


def _out_spec(op: str, x: TensorSpec, w: TensorSpec, strides: tuple, padding: Any,
              dilations: tuple) -> TensorSpec:
    """The spec of `depthwise_conv2d(x, w)` (a rank-4 `x` and `w`)."""
    pads = (padding, padding) if isinstance(padding, str) else padding
    oh = _out_size(op, x.shape[1], w.shape[0], strides[0], dilations[0], pads[0],
                   "filter height")
    ow = _out_size(op, x.shape[2], w.shape[1], strides[1], dilations[1], pads[1],
                   "filter width")
    c = x.shape[3] if x.shape[3] is not None else w.shape[2]
    out_c = None if c is None or w.shape[3] is None else c * w.shape[3]
    return TensorSpec((x.shape[0], oh, ow, out_c), x.dtype)


def _depthwise_rule(x: TensorSpec, w: TensorSpec, strides: tuple, padding: Any,
                    dilations: tuple) -> TensorSpec:
    op = "depthwise_conv2d"
    _check_4d(op, x, "input", "[batch, height, width, channels]")
    _check_filter(op, x, w)
    if x.shape.rank is None or w.shape.rank is None:
        return TensorSpec(None, x.dtype)  # dtypes: the primitive's allowed / same_dtype
    return _out_spec(op, x, w, strides, padding, dilations)


def _check_cotangent(op: str, g: TensorSpec, w: TensorSpec) -> None:
    """`g` is 4-D with in_channels * channel_multiplier channels of `w` (when known)."""
    _check_4d(op, g, "the output gradient", "[batch, height, width, channels]")
    if g.shape.rank != 4 or w.shape.rank != 4 or None in (g.shape[3], w.shape[2], w.shape[3]):
        return
    if g.shape[3] != w.shape[2] * w.shape[3]:
        raise ShapeError(f"{op}: the output gradient {rules.describe(g)} has {g.shape[3]} "
                         f"channels but the filter {rules.describe(w)} gives "
                         f"{w.shape[2] * w.shape[3]} (in_channels * channel_multiplier).")


def _backprop_input_rule(g: TensorSpec, w: TensorSpec, x: TensorSpec, **params: Any
                         ) -> TensorSpec:
    op = "depthwise_conv2d_backprop_input"
    _check_4d(op, x, "input", "[batch, height, width, channels]")
    _check_filter(op, x, w)
    _check_cotangent(op, g, w)
    return TensorSpec(x.shape, g.dtype)


def _backprop_filter_rule(x: TensorSpec, g: TensorSpec, w: TensorSpec, **params: Any
                          ) -> TensorSpec:
    op = "depthwise_conv2d_backprop_filter"
    _check_4d(op, x, "input", "[batch, height, width, channels]")
    _check_filter(op, x, w)
    _check_cotangent(op, g, w)
    return TensorSpec(w.shape, x.dtype)


# -- primitives and gradients ----------------------------------------------------------

depthwise_conv2d_p = primitive("depthwise_conv2d", _depthwise_rule, allowed=NP_FLOATS,
                               same_dtype=True)


def _depthwise_vjp(g: Any, ins: tuple, out: Any, **p: Any) -> tuple:
    x, w = ins
    dx = bind(depthwise_conv2d_backprop_input_p, g, w, x, **p) if needs_gradient(0) else None
    dw = bind(depthwise_conv2d_backprop_filter_p, x, g, w, **p) if needs_gradient(1) else None
    return dx, dw


defvjp(depthwise_conv2d_p, _depthwise_vjp)
depthwise_conv2d_backprop_input_p = primitive(
    "depthwise_conv2d_backprop_input", _backprop_input_rule, allowed=NP_FLOATS,
    same_dtype=True)


def _backprop_input_vjp(gg: Any, ins: tuple, out: Any, **p: Any) -> tuple:
    g, w, _ = ins
    d_g = bind(depthwise_conv2d_p, gg, w, **p) if needs_gradient(0) else None
    d_w = bind(depthwise_conv2d_backprop_filter_p, gg, g, w, **p) \
        if needs_gradient(1) else None
    return d_g, d_w, None


defvjp(depthwise_conv2d_backprop_input_p, _backprop_input_vjp)
depthwise_conv2d_backprop_filter_p = primitive(
    "depthwise_conv2d_backprop_filter", _backprop_filter_rule, allowed=NP_FLOATS,
    same_dtype=True)


def _backprop_filter_vjp(gw: Any, ins: tuple, out: Any, **p: Any) -> tuple:
    x, g, _ = ins
    d_x = bind(depthwise_conv2d_backprop_input_p, g, gw, x, **p) \
        if needs_gradient(0) else None
    d_g = bind(depthwise_conv2d_p, x, gw, **p) if needs_gradient(1) else None
    return d_x, d_g, None


defvjp(depthwise_conv2d_backprop_filter_p, _backprop_filter_vjp)

"""Convolution and pooling (TF's `tf.nn.conv2d`, `max_pool2d`, `avg_pool2d`, `conv1d`, ...).

Data is NHWC (NCHW is transposed to NHWC and back). `padding` is 'SAME' (ceil(n / stride)
outputs; an odd total pad goes at the end, as TF) or 'VALID' (windows inside the input);
conv2d also takes explicit pads `[[0, 0], [top, bottom], [left, right], [0, 0]]`.

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
"""

from __future__ import annotations

from typing import Any

from ..core import rules
from ..core.dtypes import NP_FLOATS
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.registry import bind, defvjp, primitive
from ..core.shape import TensorSpec
from ..core.tape import needs_gradient
from ..prims.convert import as_tensor
from .shape_ops import expand_dims, transpose

__all__ = ["conv2d", "conv1d", "max_pool2d", "avg_pool2d", "max_pool1d", "avg_pool1d"]


# -- static arguments ------------------------------------------------------------------

def _ints(op: str, what: str, value: Any, data_format: str, n: int = 2) -> tuple:
    """An int or a list of 1, n or n + 2 ints (the batch and channel entries must be 1)
    as an n-tuple of positive ints."""
    vals = [value] if isinstance(value, int) else list(value) if value is not None else [1]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        raise InvalidArgumentError(f"{op}: {what} must be an int or a list of ints, "
                                   f"received {value!r}.")
    if len(vals) == 1:
        vals = vals * n
    elif len(vals) == n + 2:
        first = data_format.startswith("NC")
        outer = (vals[0], vals[1]) if first else (vals[0], vals[-1])
        if outer != (1, 1):
            raise InvalidArgumentError(
                f"{op}: {what} {list(vals)} must be 1 in the batch and channel dimensions "
                f"(data_format {data_format!r}).")
        vals = vals[2:] if first else vals[1:-1]
    elif len(vals) != n:
        raise InvalidArgumentError(f"{op}: {what} must be an int or a list of 1, {n} or "
                                   f"{n + 2} ints, received {value!r}.")
    if any(v <= 0 for v in vals):
        raise InvalidArgumentError(f"{op}: {what} must be positive, received {value!r}.")
    return tuple(vals)


def _padding(op: str, padding: Any, data_format: str, explicit_ok: bool) -> Any:
    if isinstance(padding, str) and padding.upper() in ("SAME", "VALID"):
        return padding.upper()
    if explicit_ok and not isinstance(padding, str):
        try:
            pairs = [tuple(int(p) for p in pair) for pair in padding]
        except (TypeError, ValueError):
            pairs = []
        if len(pairs) == 4 and all(len(p) == 2 and min(p) >= 0 for p in pairs):
            spatial = pairs[2:] if data_format.startswith("NC") else pairs[1:3]
            outer = pairs[:2] if data_format.startswith("NC") else [pairs[0], pairs[3]]
            if outer == [(0, 0), (0, 0)]:
                return tuple(spatial)
    more = (" or explicit pads [[0, 0], [top, bottom], [left, right], [0, 0]]"
            if explicit_ok else "")
    raise InvalidArgumentError(f"{op}: padding must be 'SAME' or 'VALID'{more}, received "
                               f"{padding!r}.")


def _data_format(op: str, data_format: Any, ok: tuple) -> str:
    if data_format is None:
        return ok[0]
    if data_format not in ok:
        raise InvalidArgumentError(f"{op}: data_format must be one of {list(ok)}, received "
                                   f"{data_format!r}.")
    return data_format


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
conv2d_backprop_input_p = primitive("conv2d_backprop_input", _backprop_input_rule,
                                    allowed=NP_FLOATS, same_dtype=True)
conv2d_backprop_filter_p = primitive("conv2d_backprop_filter", _backprop_filter_rule,
                                     allowed=NP_FLOATS, same_dtype=True)


def _conv_vjp(g: Any, ins: tuple, out: Any, **p: Any) -> tuple:
    x, w = ins
    dx = bind(conv2d_backprop_input_p, g, w, x, **p) if needs_gradient(0) else None
    dw = bind(conv2d_backprop_filter_p, x, g, w, **p) if needs_gradient(1) else None
    return dx, dw


def _backprop_input_vjp(gg: Any, ins: tuple, out: Any, **p: Any) -> tuple:
    g, w, _ = ins
    d_g = bind(conv2d_p, gg, w, **p) if needs_gradient(0) else None
    d_w = bind(conv2d_backprop_filter_p, gg, g, w, **p) if needs_gradient(1) else None
    return d_g, d_w, None


def _backprop_filter_vjp(gw: Any, ins: tuple, out: Any, **p: Any) -> tuple:
    x, g, _ = ins
    d_x = bind(conv2d_backprop_input_p, g, gw, x, **p) if needs_gradient(0) else None
    d_g = bind(conv2d_p, x, gw, **p) if needs_gradient(1) else None
    return d_x, d_g, None


defvjp(conv2d_p, _conv_vjp)
defvjp(conv2d_backprop_input_p, _backprop_input_vjp)
defvjp(conv2d_backprop_filter_p, _backprop_filter_vjp)


def _to_nhwc(x: Any, channels_first: bool) -> Any:
    return transpose(x, [0, 2, 3, 1]) if channels_first else x


def _from_nhwc(y: Any, channels_first: bool) -> Any:
    return transpose(y, [0, 3, 1, 2]) if channels_first else y


def conv2d(input: Any, filters: Any, strides: Any, padding: Any, data_format: str = "NHWC",
           dilations: Any = None, name: str | None = None) -> Any:
    """The 2-D convolution (cross-correlation, as TF) of `input [batch, height, width,
    in_channels]` with `filters [fh, fw, in_channels, out_channels]`.

    Args:
        strides, dilations: an int or a list of 1, 2 or 4 ints (4: batch and channel 1).
        padding: 'SAME', 'VALID' or `[[0, 0], [top, bottom], [left, right], [0, 0]]`.
        data_format: 'NHWC' (default) or 'NCHW'.

    Example:
        >>> import ember as tf
        >>> from ember.ops.conv_ops import conv2d
        >>> x = tf.reshape(tf.range(16.0), (1, 4, 4, 1))
        >>> conv2d(x, tf.ones((2, 2, 1, 1)), strides=2, padding="VALID")[0, :, :, 0].numpy()
        array([[10., 18.],
               [42., 50.]], dtype=float32)
    """
    op = "conv2d"
    fmt = _data_format(op, data_format, ("NHWC", "NCHW"))
    x = rules.floating(op, as_tensor(input), "input")
    w = rules.floating(op, as_tensor(filters), "filters")
    params = {"strides": _ints(op, "strides", strides, fmt),
              "padding": _padding(op, padding, fmt, explicit_ok=True),
              "dilations": _ints(op, "dilations", dilations, fmt)}
    first = fmt == "NCHW"
    if x.shape.rank is not None and x.shape.rank != 4:
        raise ShapeError(f"{op}: input must be 4-D [batch, height, width, channels] "
                         f"({fmt}), received {rules.describe(x)}.")
    x = _to_nhwc(x, first)
    conv2d_p.rule(TensorSpec(x.shape, x.dtype), TensorSpec(w.shape, w.dtype), **params)
    return _from_nhwc(bind(conv2d_p, x, w, **params), first)


def conv1d(input: Any, filters: Any, stride: Any, padding: Any, data_format: str = "NWC",
           dilations: Any = None, name: str | None = None) -> Any:
    """The 1-D convolution of `input [batch, width, in_channels]` with `filters [fw,
    in_channels, out_channels]`: conv2d with a unit height.

    Example:
        >>> import ember as tf
        >>> from ember.ops.conv_ops import conv1d
        >>> x = tf.reshape(tf.range(5.0), (1, 5, 1))
        >>> conv1d(x, tf.ones((2, 1, 1)), stride=1, padding="SAME")[0, :, 0].numpy()
        array([1., 3., 5., 7., 4.], dtype=float32)
    """
    op = "conv1d"
    fmt = _data_format(op, data_format, ("NWC", "NCW"))
    x = rules.floating(op, as_tensor(input), "input")
    w = rules.floating(op, as_tensor(filters), "filters")
    if x.shape.rank is not None and x.shape.rank != 3:
        raise ShapeError(f"{op}: input must be 3-D [batch, width, channels] ({fmt}), "
                         f"received {rules.describe(x)}.")
    if w.shape.rank is not None and w.shape.rank != 3:
        raise ShapeError(f"{op}: filters must be 3-D [width, in_channels, out_channels], "
                         f"received {rules.describe(w)}.")
    s = _ints(op, "stride", stride, fmt, n=1)[0]
    d = _ints(op, "dilations", dilations, fmt, n=1)[0]
    pad = _padding(op, padding, fmt, explicit_ok=False)
    x = transpose(x, [0, 2, 1]) if fmt == "NCW" else x
    y = conv2d(expand_dims(x, 1), expand_dims(w, 0), (1, s), pad, dilations=(1, d))[:, 0]
    return transpose(y, [0, 2, 1]) if fmt == "NCW" else y


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
max_pool2d_grad_p = primitive("max_pool2d_grad", _like_second("max_pool2d_grad"),
                              allowed=NP_FLOATS, same_dtype=True)
max_pool2d_grad_grad_p = primitive("max_pool2d_grad_grad", _grad_grad_rule,
                                   allowed=NP_FLOATS, same_dtype=True)
avg_pool2d_p = primitive("avg_pool2d", _pool_rule("avg_pool2d"), allowed=NP_FLOATS)
avg_pool2d_grad_p = primitive("avg_pool2d_grad", _like_second("avg_pool2d_grad"),
                              allowed=NP_FLOATS, same_dtype=True)

defvjp(max_pool2d_p, lambda g, ins, out, **p: (bind(max_pool2d_grad_p, g, ins[0], **p),))
defvjp(max_pool2d_grad_p, lambda g, ins, out, **p: (
    bind(max_pool2d_grad_grad_p, g, ins[1], **p), None))
defvjp(max_pool2d_grad_grad_p, lambda g, ins, out, **p: (
    bind(max_pool2d_grad_p, g, ins[1], **p), None))
defvjp(avg_pool2d_p, lambda g, ins, out, **p: (bind(avg_pool2d_grad_p, g, ins[0], **p),))
defvjp(avg_pool2d_grad_p, lambda g, ins, out, **p: (bind(avg_pool2d_p, g, **p), None))


def _pool(op: str, prim: Any, input: Any, ksize: Any, strides: Any, padding: Any,
          data_format: Any) -> Any:
    fmt = _data_format(op, data_format, ("NHWC", "NCHW"))
    x = rules.floating(op, as_tensor(input), "input")
    if x.shape.rank is not None and x.shape.rank != 4:
        raise ShapeError(f"{op}: input must be 4-D [batch, height, width, channels] "
                         f"({fmt}), received {rules.describe(x)}.")
    params = {"ksize": _ints(op, "ksize", ksize, fmt),
              "strides": _ints(op, "strides", strides, fmt),
              "padding": _padding(op, padding, fmt, explicit_ok=False)}
    first = fmt == "NCHW"
    x = _to_nhwc(x, first)
    prim.rule(TensorSpec(x.shape, x.dtype), **params)
    return _from_nhwc(bind(prim, x, **params), first)


def max_pool2d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",
               name: str | None = None) -> Any:
    """The maximum of each `ksize` window of `input [batch, height, width, channels]`.
    The gradient goes to the first maximum of each window (row-major), as TF.

    Example:
        >>> import ember as tf
        >>> from ember.ops.conv_ops import max_pool2d
        >>> x = tf.reshape(tf.range(16.0), (1, 4, 4, 1))
        >>> max_pool2d(x, ksize=2, strides=2, padding="VALID")[0, :, :, 0].numpy()
        array([[ 5.,  7.],
               [13., 15.]], dtype=float32)
    """
    return _pool("max_pool2d", max_pool2d_p, input, ksize, strides, padding, data_format)


def avg_pool2d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",
               name: str | None = None) -> Any:
    """The mean of each `ksize` window of `input [batch, height, width, channels]`; with
    'SAME' padding, a window at the border is averaged over its valid elements only.

    Example:
        >>> import ember as tf
        >>> from ember.ops.conv_ops import avg_pool2d
        >>> x = tf.reshape(tf.range(9.0), (1, 3, 3, 1))
        >>> avg_pool2d(x, ksize=2, strides=2, padding="SAME")[0, :, :, 0].numpy()
        array([[2. , 3.5],
               [6.5, 8. ]], dtype=float32)
    """
    return _pool("avg_pool2d", avg_pool2d_p, input, ksize, strides, padding, data_format)


def _pool1d(op: str, fn: Any, input: Any, ksize: Any, strides: Any, padding: Any,
            data_format: Any) -> Any:
    fmt = _data_format(op, data_format, ("NWC", "NCW"))
    x = rules.floating(op, as_tensor(input), "input")
    if x.shape.rank is not None and x.shape.rank != 3:
        raise ShapeError(f"{op}: input must be 3-D [batch, width, channels] ({fmt}), "
                         f"received {rules.describe(x)}.")
    k = _ints(op, "ksize", ksize, fmt, n=1)[0]
    s = _ints(op, "strides", strides, fmt, n=1)[0]
    x = transpose(x, [0, 2, 1]) if fmt == "NCW" else x
    y = fn(expand_dims(x, 1), (1, k), (1, s), padding)[:, 0]
    return transpose(y, [0, 2, 1]) if fmt == "NCW" else y


def max_pool1d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NWC",
               name: str | None = None) -> Any:
    """max_pool2d over the width of `input [batch, width, channels]`.

    Example:
        >>> import ember as tf
        >>> from ember.ops.conv_ops import max_pool1d
        >>> max_pool1d(tf.constant([[[1.0], [3.0], [2.0]]]), 2, 1, "VALID")[0, :, 0].numpy()
        array([3., 3.], dtype=float32)
    """
    return _pool1d("max_pool1d", max_pool2d, input, ksize, strides, padding, data_format)


def avg_pool1d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NWC",
               name: str | None = None) -> Any:
    """avg_pool2d over the width of `input [batch, width, channels]`.

    Example:
        >>> import ember as tf
        >>> from ember.ops.conv_ops import avg_pool1d
        >>> avg_pool1d(tf.constant([[[1.0], [3.0], [2.0]]]), 2, 2, "SAME")[0, :, 0].numpy()
        array([2., 2.], dtype=float32)
    """
    return _pool1d("avg_pool1d", avg_pool2d, input, ksize, strides, padding, data_format)

"""More convolutions, composed from conv_ops' primitives (TF's `tf.nn.conv2d_transpose`,
`depthwise_conv2d`, `separable_conv2d`), NHWC.

  conv2d_transpose(x, w)  is conv2d's input gradient: `conv2d_backprop_input(x, w, out_like)`,
                          so its gradients are conv2d (d/dx) and conv2d_backprop_filter (d/dw).
  depthwise_conv2d(x, w)  binds the depthwise_conv2d primitive (prims/depthwise.py: input
                          channel c feeds only outputs c * M .. c * M + M - 1), whose
                          gradients are its two backprop primitives.
  separable_conv2d        is depthwise_conv2d then a 1x1 conv2d.

NOTE: depthwise_conv2d used to be conv2d with a block-diagonal filter `[kh, kw, C, C * M]`,
C times the arithmetic and memory of the dedicated primitive; no case needs that form now
(the primitive takes every stride, padding, dilation and multiplier, and an unknown
filter shape inside ember.function).
The `out_like` operand of conv2d_transpose is a broadcast zero (a view: no memory), whose
shape alone is read by the kernel.
"""

from __future__ import annotations

from typing import Any

from ..core import rules
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.registry import bind, autocast_read
from ..core.shape import TensorSpec
from ..prims.conv import _out_size, conv2d_backprop_input_p
from ..prims.convert import as_tensor
from ..prims.depthwise import depthwise_conv2d_p
from .conv_ops import _data_format, _from_nhwc, _ints, _padding, _to_nhwc, conv2d
from .creation_ops import zeros
from .shape_ops import shape as _shape
from .shape_ops import broadcast_to

__all__ = ["conv2d_transpose", "depthwise_conv2d", "separable_conv2d"]


def _spec(x: Any) -> TensorSpec:
    return TensorSpec(x.shape, x.dtype)


def _static_shape(op: str, output_shape: Any) -> list:
    """`output_shape` as a list of 4 ints (the batch may be None: the input's batch)."""
    if hasattr(output_shape, "numpy") and not isinstance(output_shape, (list, tuple)):
        try:
            output_shape = output_shape.numpy().tolist()
        except Exception:  # a symbolic tensor inside ember.function
            raise NotImplementedError(
                f"{op}: output_shape must be known when the op is built (a list of ints or "
                f"an eager tensor); a run-time output_shape tensor inside ember.function is "
                f"not supported. Pass a list, e.g. [batch, height, width, channels], with "
                f"None for the batch to take the input's.") from None
    try:
        dims = [None if d is None else int(d) for d in output_shape]
    except (TypeError, ValueError):
        dims = []
    if len(dims) != 4 or any(d is not None and d <= 0 for d in dims[1:]) or None in dims[1:]:
        raise InvalidArgumentError(f"{op}: output_shape must hold 4 positive ints [batch, "
                                   f"height, width, channels] (in data_format order), "
                                   f"received {output_shape!r}.")
    return dims


def conv2d_transpose(input: Any, filters: Any, output_shape: Any, strides: Any,
                     padding: Any = "SAME", data_format: str = "NHWC", dilations: Any = None,
                     name: str | None = None) -> Any:
    """The transpose of conv2d (the gradient of conv2d w.r.t. its input, "deconvolution"):
    `input [batch, height, width, in_channels]` and `filters [fh, fw, out_channels,
    in_channels]` give a tensor of `output_shape`.

    Args:
        output_shape: 4 ints in data_format order (the batch may be None: the input's).
            conv2d of that shape with the same filters, strides and padding must give
            the input's spatial shape. A run-time tensor raises NotImplementedError.
        strides, dilations: an int or a list of 1, 2 or 4 ints.
        padding: 'SAME', 'VALID' or explicit `[[0, 0], [top, bottom], [left, right], [0, 0]]`.
        data_format: 'NHWC' (default) or 'NCHW'.

    Example:
        >>> import ember as tf
        >>> from ember.ops.conv_extra import conv2d_transpose
        >>> x = tf.reshape(tf.constant([1.0, 2.0, 3.0, 4.0]), (1, 2, 2, 1))
        >>> y = conv2d_transpose(x, tf.ones((2, 2, 1, 1)), [1, 4, 4, 1], strides=2)
        >>> y[0, :, :, 0].numpy()
        array([[1., 1., 2., 2.],
               [1., 1., 2., 2.],
               [3., 3., 4., 4.],
               [3., 3., 4., 4.]], dtype=float32)
    """
    op = "conv2d_transpose"
    fmt = _data_format(op, data_format, ("NHWC", "NCHW"))
    x = rules.floating(op, as_tensor(input), "input")
    w = rules.floating(op, autocast_read(as_tensor(filters)), "filters")
    first = fmt == "NCHW"
    dims = _static_shape(op, output_shape)
    if first:
        dims = [dims[0], dims[2], dims[3], dims[1]]
    params = {"strides": _ints(op, "strides", strides, fmt),
              "padding": _padding(op, padding, fmt, explicit_ok=True),
              "dilations": _ints(op, "dilations", dilations, fmt)}
    if x.shape.rank is not None and x.shape.rank != 4:
        raise ShapeError(f"{op}: input must be 4-D [batch, height, width, channels] "
                         f"({fmt}), received {rules.describe(_spec(x))}.")
    if w.shape.rank is not None and w.shape.rank != 4:
        raise ShapeError(f"{op}: filters must be 4-D [height, width, out_channels, "
                         f"in_channels], received {rules.describe(_spec(w))}.")
    x = _to_nhwc(x, first)
    rules.same_dtype(op, _spec(x), _spec(w))
    return _from_nhwc(_transpose_nhwc(op, x, w, dims, **params), first)


def _transpose_nhwc(op: str, x: Any, w: Any, dims: list, strides: tuple, padding: Any,
                    dilations: tuple) -> Any:
    """conv2d_transpose on NHWC `x` to the NHWC shape `dims` (batch None: x's)."""
    if w.shape.rank == 4 and w.shape[2] is not None and w.shape[2] != dims[3]:
        raise ShapeError(f"{op}: output_shape {dims} has {dims[3]} channels but filters "
                         f"{rules.describe(_spec(w))} produce {w.shape[2]} (filters are "
                         f"[height, width, out_channels, in_channels]).")
    if x.shape.rank == 4 and w.shape.rank == 4 and None not in (x.shape[3], w.shape[3]) \
            and x.shape[3] != w.shape[3]:
        raise ShapeError(f"{op}: input {rules.describe(_spec(x))} has {x.shape[3]} channels "
                         f"but filters {rules.describe(_spec(w))} expect {w.shape[3]} "
                         f"(filters are [height, width, out_channels, in_channels]).")
    if dims[0] is not None and x.shape.rank == 4 and x.shape[0] is not None \
            and x.shape[0] != dims[0]:
        raise ShapeError(f"{op}: output_shape {dims} has batch {dims[0]} but the input "
                         f"{rules.describe(_spec(x))} has batch {x.shape[0]}.")
    # the conv2d of the output shape must give back the input's spatial shape
    pads = (padding, padding) if isinstance(padding, str) else padding
    if w.shape.rank == 4 and None not in (w.shape[0], w.shape[1]):
        want = tuple(_out_size(op, dims[1 + i], w.shape[i], strides[i], dilations[i], pads[i],
                               "filter " + ("height", "width")[i]) for i in range(2))
        got = tuple(x.shape[1:3]) if x.shape.rank == 4 else (None, None)
        if any(g is not None and g != o for g, o in zip(got, want)):
            raise ShapeError(
                f"{op}: output_shape {dims} does not match the input "
                f"{rules.describe(_spec(x))}: conv2d of that shape with these filters, "
                f"strides={strides} and padding={padding!r} has spatial shape {want}, not "
                f"{got}. Pick an output_shape whose conv2d gives the input's shape.")
    if dims[0] is None and (x.shape.rank != 4 or x.shape[0] is None):
        target = [_shape(x)[0]] + dims[1:]
    else:
        target = [x.shape[0] if dims[0] is None else dims[0]] + dims[1:]
    like = broadcast_to(zeros([], x.dtype), target)
    return bind(conv2d_backprop_input_p, x, w, like, strides=strides, padding=padding,
                dilations=dilations)


def _check_depthwise(op: str, x: Any, w: Any, what: str = "filter") -> None:
    if x.shape.rank is not None and x.shape.rank != 4:
        raise ShapeError(f"{op}: input must be 4-D [batch, height, width, channels], "
                         f"received {rules.describe(_spec(x))}.")
    if w.shape.rank != 4:
        raise ShapeError(f"{op}: {what} must be 4-D [height, width, in_channels, "
                         f"channel_multiplier], received {rules.describe(_spec(w))}.")
    if x.shape.rank == 4 and None not in (x.shape[3], w.shape[2]) and x.shape[3] != w.shape[2]:
        raise ShapeError(f"{op}: input {rules.describe(_spec(x))} has {x.shape[3]} channels "
                         f"but the {what} {rules.describe(_spec(w))} expects {w.shape[2]} "
                         f"([height, width, in_channels, channel_multiplier]).")
    rules.same_dtype(op, _spec(x), _spec(w))


def depthwise_conv2d(input: Any, filter: Any, strides: Any, padding: Any,
                     data_format: str = "NHWC", dilations: Any = None,
                     name: str | None = None) -> Any:
    """Convolves each input channel with its own `channel_multiplier` filters: `input
    [batch, height, width, C]`, `filter [fh, fw, C, M]` give `[batch, oh, ow, C * M]`,
    output channel `c * M + m` from input channel c and filter `[:, :, c, m]` (as TF).

    Args:
        strides: a list of 4 ints `[1, sh, sw, 1]` (or 1 or 2 ints); dilations: 2 ints.
        padding: 'SAME', 'VALID' or explicit `[[0, 0], [top, bottom], [left, right], [0, 0]]`.

    Example:
        >>> import ember as tf
        >>> from ember.ops.conv_extra import depthwise_conv2d
        >>> x = tf.ones((1, 3, 3, 2))
        >>> w = tf.reshape(tf.constant([1.0, 10.0]), (1, 1, 2, 1))
        >>> depthwise_conv2d(x, w, [1, 1, 1, 1], "VALID")[0, 0, 0].numpy()
        array([ 1., 10.], dtype=float32)
    """
    op = "depthwise_conv2d"
    fmt = _data_format(op, data_format, ("NHWC", "NCHW"))
    x = rules.floating(op, as_tensor(input), "input")
    w = rules.floating(op, autocast_read(as_tensor(filter)), "filter")
    first = fmt == "NCHW"
    x = _to_nhwc(x, first)
    _check_depthwise(op, x, w)
    params = {"strides": _ints(op, "strides", strides, fmt),
              "padding": _padding(op, padding, fmt, explicit_ok=True),
              "dilations": _ints(op, "dilations", dilations, fmt)}
    depthwise_conv2d_p.rule(_spec(x), _spec(w), **params)  # shape errors before any work
    return _from_nhwc(bind(depthwise_conv2d_p, x, w, **params), first)


def separable_conv2d(input: Any, depthwise_filter: Any, pointwise_filter: Any, strides: Any,
                     padding: Any, data_format: str = "NHWC", dilations: Any = None,
                     name: str | None = None) -> Any:
    """depthwise_conv2d with `depthwise_filter [fh, fw, C, M]` (and the strides,
    padding, dilations), then a 1x1 conv2d with `pointwise_filter [1, 1, C * M, out]`.

    Example:
        >>> import ember as tf
        >>> from ember.ops.conv_extra import separable_conv2d
        >>> y = separable_conv2d(tf.ones((1, 4, 4, 2)), tf.ones((3, 3, 2, 1)),
        ...                      tf.ones((1, 1, 2, 5)), [1, 1, 1, 1], "VALID")
        >>> y.shape, float(y[0, 0, 0, 0])
        (TensorShape([1, 2, 2, 5]), 18.0)
    """
    op = "separable_conv2d"
    fmt = _data_format(op, data_format, ("NHWC", "NCHW"))
    pw = rules.floating(op, autocast_read(as_tensor(pointwise_filter)), "pointwise_filter")
    dw = rules.floating(op, autocast_read(as_tensor(depthwise_filter)), "depthwise_filter")
    if pw.shape.rank != 4 or tuple(pw.shape[:2]) != (1, 1):
        raise ShapeError(f"{op}: pointwise_filter must be [1, 1, in_channels * "
                         f"channel_multiplier, out_channels], received "
                         f"{rules.describe(_spec(pw))}.")
    if dw.shape.rank == 4 and None not in (dw.shape[2], dw.shape[3], pw.shape[2]) and \
            dw.shape[2] * dw.shape[3] != pw.shape[2]:
        raise ShapeError(f"{op}: pointwise_filter {rules.describe(_spec(pw))} expects "
                         f"{pw.shape[2]} input channels but depthwise_filter "
                         f"{rules.describe(_spec(dw))} produces {dw.shape[2] * dw.shape[3]} "
                         f"(in_channels * channel_multiplier).")
    y = depthwise_conv2d(input, dw, strides, padding, fmt, dilations)
    return conv2d(y, pw, 1, "VALID", data_format=fmt)

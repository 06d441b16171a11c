"""Convolution and pooling (TF's `tf.nn.conv2d`, `max_pool2d`, `avg_pool2d`, `conv1d`, ...).

Data is NHWC (NCHW is transposed to NHWC and back). `padding` is 'SAME' (ceil(n / stride)
outputs; an odd total pad goes at the end, as TF) or 'VALID' (windows inside the input);
conv2d also takes explicit pads `[[0, 0], [top, bottom], [left, right], [0, 0]]`.

These ops parse their arguments and bind the primitives of `prims/conv.py` (conv2d, the
pools and their gradients, each the adjoint of another: see there); the 1-D forms are
the 2-D ones with a unit height.

Example:
    >>> import ember as tf
    >>> x = tf.reshape(tf.range(6.0), (1, 6, 1))
    >>> tf.nn.max_pool1d(x, 2, 2, "VALID")[0, :, 0].numpy()
    array([1., 3., 5.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ..core import rules
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.registry import bind, autocast_read
from ..core.shape import TensorSpec
from ..prims import fusion  # noqa: F401 - registers the executor's fused primitives
from ..prims.conv import avg_pool2d_p, conv2d_p, max_pool2d_p
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


# -- convolution -----------------------------------------------------------------------

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
    w = rules.floating(op, autocast_read(as_tensor(filters)), "filters")
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
    w = rules.floating(op, autocast_read(as_tensor(filters)), "filters")
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

"""3-D convolution and pooling (TF's `tf.nn.conv3d`, `conv3d_transpose`, `max_pool3d`,
`avg_pool3d`), NDHWC (NCDHW is transposed to NDHWC and back).

These are composites of the 2-D ops (no new primitive), so their gradients (of any
order), `ember.function` and the JAX backend come from the ops they are made of:

  conv3d            gathers the `kd` depth taps of every output depth next to the channels
                    (`[batch * out_depth, H, W, kd * C]`) and runs one conv2d with the
                    filter `[kh, kw, kd * C, out]`.
  conv3d_transpose  runs one conv2d_transpose with the filter `[kh, kw, kd * out, C]` on
                    every input depth slice, then gathers and sums, for every output
                    depth, the taps that land on it.
  max/avg_pool3d    pool each depth slice in 2-D, then pool along the depth (a window is a
                    box, so the two stages give the box's max or mean; 'SAME' averages the
                    valid elements only, as TF).

NOTE: the depth, height, width and channel dims must be known when the op is built (the
batch may be unknown); a run-time spatial size raises NotImplementedError.

Example:
    >>> import ember as tf
    >>> x = tf.ones((1, 3, 3, 3, 1))
    >>> tf.nn.conv3d(x, tf.ones((2, 2, 2, 1, 1)), [1, 1, 1, 1, 1], "VALID").shape
    TensorShape([1, 2, 2, 2, 1])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import rules
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.registry import autocast_read
from ..prims.convert import as_tensor
from ..prims.gather import gather
from ..prims.reduce import reduce_sum
from .conv_extra import conv2d_transpose
from .conv_ops import _data_format, _ints, _padding, avg_pool2d, conv2d, max_pool2d
from .shape_ops import pad, reshape, transpose

__all__ = ["avg_pool3d", "conv3d", "conv3d_transpose", "max_pool3d"]

_FORMATS = ("NDHWC", "NCDHW")
_LAYOUT = "[batch, depth, height, width, channels]"


def _to_last(x: Any, first: bool) -> Any:
    return transpose(x, [0, 2, 3, 4, 1]) if first else x


def _from_last(y: Any, first: bool) -> Any:
    return transpose(y, [0, 4, 1, 2, 3]) if first else y


def _check_input(op: str, x: Any, fmt: str) -> None:
    """A 5-D input whose depth, height, width and channels are known (NDHWC `x`)."""
    if x.shape.rank != 5:
        raise ShapeError(f"{op}: input must be 5-D {_LAYOUT} ({fmt}), received "
                         f"{rules.describe(x)}.")
    if None in tuple(x.shape[1:]):
        raise NotImplementedError(
            f"{op}: the depth, height, width and channel dims of the input must be known "
            f"when the op is built (only the batch may be unknown), received "
            f"{rules.describe(x)} (as NDHWC). Give the input a full static shape.")


def _check_filters(op: str, w: Any, layout: str) -> None:
    if w.shape.rank != 5 or None in tuple(w.shape):
        raise ShapeError(f"{op}: filters must be 5-D {layout} with a known shape, "
                         f"received {rules.describe(w)}.")


def _output_shape(op: str, output_shape: Any) -> list:
    """`output_shape` as 5 ints (the batch may be None: the input's)."""
    if hasattr(output_shape, "numpy") and not isinstance(output_shape, (list, tuple)):
        try:
            output_shape = output_shape.numpy().tolist()
        except Exception:  # a symbolic tensor inside ember.function
            raise NotImplementedError(
                f"{op}: output_shape must be known when the op is built (a list of ints or "
                f"an eager tensor), not a run-time tensor inside ember.function.") from None
    try:
        dims = [None if d is None else int(d) for d in output_shape]
    except (TypeError, ValueError):
        dims = []
    if len(dims) != 5 or None in dims[1:] or any(d <= 0 for d in dims[1:]):
        raise InvalidArgumentError(f"{op}: output_shape must hold 5 positive ints [batch, "
                                   f"depth, height, width, channels] (in data_format "
                                   f"order), received {output_shape!r}.")
    return dims


def _depth_out(op: str, n: int, k: int, s: int, d: int, padding: str) -> tuple:
    """(out_depth, pad_before, pad_after) of a conv or pool along the depth, as TF."""
    eff = (k - 1) * d + 1
    if padding == "SAME":
        out = -(-n // s)
        total = max((out - 1) * s + eff - n, 0)
        return out, total // 2, total - total // 2
    if n < eff:
        raise ShapeError(f"{op}: the filter depth {k} (dilation {d}, effective {eff}) is "
                         f"larger than the input depth {n} with padding='VALID': the output "
                         f"would be empty. Use padding='SAME' or a larger input.")
    return (n - eff) // s + 1, 0, 0


# -- convolution -----------------------------------------------------------------------

def conv3d(input: Any, filters: Any, strides: Any, padding: Any, data_format: str = "NDHWC",
           dilations: Any = None, name: str | None = None) -> Any:
    """The 3-D convolution (cross-correlation, as TF) of `input [batch, depth, height,
    width, in_channels]` with `filters [fd, fh, fw, in_channels, out_channels]`.

    Args:
        strides, dilations: an int or a list of 1, 3 or 5 ints (5: batch and channel 1).
        padding: 'SAME' (ceil(n / stride) outputs, an odd pad's extra at the end) or
            'VALID'.
        data_format: 'NDHWC' (default) or 'NCDHW'.

    Example:
        >>> import ember as tf
        >>> x = tf.reshape(tf.range(8.0), (1, 2, 2, 2, 1))
        >>> y = tf.nn.conv3d(x, tf.ones((2, 2, 2, 1, 1)), [1, 1, 1, 1, 1], "VALID")
        >>> float(y[0, 0, 0, 0, 0])
        28.0
    """
    op = "conv3d"
    fmt = _data_format(op, data_format, _FORMATS)
    first = fmt == "NCDHW"
    x = rules.floating(op, as_tensor(input), "input")
    w = rules.floating(op, autocast_read(as_tensor(filters)), "filters")
    st = _ints(op, "strides", strides, fmt, n=3)
    dil = _ints(op, "dilations", dilations, fmt, n=3)
    padding = _padding(op, padding, fmt, explicit_ok=False)
    if x.shape.rank == 5:
        x = _to_last(x, first)
    _check_input(op, x, fmt)
    _check_filters(op, w, "[depth, height, width, in_channels, out_channels]")
    _, depth, h, wd, c = x.shape
    kd, kh, kw, wc, out = w.shape
    if wc != c:
        raise ShapeError(f"{op}: input {rules.describe(x)} (NDHWC) has {c} channels but "
                         f"filters {rules.describe(w)} expect {wc} (filters are [depth, "
                         f"height, width, in_channels, out_channels]).")
    od, before, after = _depth_out(op, depth, kd, st[0], dil[0], padding)
    if before or after:
        x = pad(x, [[0, 0], [before, after], [0, 0], [0, 0], [0, 0]])
    taps = np.array([[o * st[0] + i * dil[0] for i in range(kd)] for o in range(od)],
                    np.int32).reshape(-1)
    if not (kd == 1 and st[0] == 1 and od == x.shape[1]):
        x = gather(x, taps, axis=1)  # [batch, od * kd, h, w, c]
    x = reshape(transpose(reshape(x, [-1, od, kd, h, wd, c]), [0, 1, 3, 4, 2, 5]),
                [-1, h, wd, kd * c])
    w2 = reshape(transpose(w, [1, 2, 0, 3, 4]), [kh, kw, kd * c, out])
    y = conv2d(x, w2, st[1:], padding, dilations=dil[1:])
    y = reshape(y, [-1, od] + list(y.shape[1:]))
    return _from_last(y, first)


def conv3d_transpose(input: Any, filters: Any, output_shape: Any, strides: Any,
                     padding: Any = "SAME", data_format: str = "NDHWC", dilations: Any = None,
                     name: str | None = None) -> Any:
    """The transpose of conv3d (its gradient w.r.t. the input): `input [batch, depth,
    height, width, in_channels]` and `filters [fd, fh, fw, out_channels, in_channels]`
    give a tensor of `output_shape`.

    Args:
        output_shape: 5 ints in data_format order (the batch may be None: the input's).
            conv3d of that shape with the same filters, strides and padding must give the
            input's spatial shape.
        strides, dilations: an int or a list of 1, 3 or 5 ints.
        padding: 'SAME' or 'VALID'. data_format: 'NDHWC' (default) or 'NCDHW'.

    Example:
        >>> import ember as tf
        >>> x = tf.ones((1, 2, 2, 2, 1))
        >>> y = tf.nn.conv3d_transpose(x, tf.ones((2, 2, 2, 1, 1)), [1, 4, 4, 4, 1], 2)
        >>> y.shape, float(tf.reduce_sum(y))
        (TensorShape([1, 4, 4, 4, 1]), 64.0)
    """
    op = "conv3d_transpose"
    fmt = _data_format(op, data_format, _FORMATS)
    first = fmt == "NCDHW"
    x = rules.floating(op, as_tensor(input), "input")
    w = rules.floating(op, autocast_read(as_tensor(filters)), "filters")
    dims = _output_shape(op, output_shape)
    if first:
        dims = [dims[0], *dims[2:], dims[1]]
    st = _ints(op, "strides", strides, fmt, n=3)
    dil = _ints(op, "dilations", dilations, fmt, n=3)
    padding = _padding(op, padding, fmt, explicit_ok=False)
    if x.shape.rank == 5:
        x = _to_last(x, first)
    _check_input(op, x, fmt)
    _check_filters(op, w, "[depth, height, width, out_channels, in_channels]")
    _, depth, h, wd, c = x.shape
    kd, kh, kw, out, wc = w.shape
    if wc != c:
        raise ShapeError(f"{op}: input {rules.describe(x)} (NDHWC) has {c} channels but "
                         f"filters {rules.describe(w)} expect {wc} (filters are [depth, "
                         f"height, width, out_channels, in_channels]).")
    if dims[4] != out:
        raise ShapeError(f"{op}: output_shape {dims} (NDHWC) has {dims[4]} channels but "
                         f"filters {rules.describe(w)} produce {out}.")
    od = dims[1]
    want, before, _ = _depth_out(op, od, kd, st[0], dil[0], padding)
    if want != depth:
        raise ShapeError(f"{op}: output_shape {dims} (NDHWC) does not match the input "
                         f"{rules.describe(x)}: conv3d of depth {od} with these filters, "
                         f"strides={st} and padding={padding!r} has depth {want}, not "
                         f"{depth}. Pick an output_shape whose conv3d gives the input's "
                         f"shape.")
    # every depth slice through the 2-D transpose, the kd taps side by side
    w2 = reshape(transpose(w, [1, 2, 0, 3, 4]), [kh, kw, kd * out, c])
    y = conv2d_transpose(reshape(x, [-1, h, wd, c]), w2, [None, dims[2], dims[3], kd * out],
                         st[1:], padding, dilations=dil[1:])
    y = reshape(y, [-1, depth, dims[2], dims[3], kd, out])
    y = reshape(transpose(y, [0, 1, 4, 2, 3, 5]), [-1, depth * kd, dims[2], dims[3], out])
    y = pad(y, [[0, 0], [0, 1], [0, 0], [0, 0], [0, 0]])  # row depth * kd: zeros
    # output depth o gets tap i of input depth j where o + before = j * stride + i * dil
    index = np.full((od, kd), depth * kd, np.int32)
    for o in range(od):
        for i in range(kd):
            j, rest = divmod(o + before - i * dil[0], st[0])
            if rest == 0 and 0 <= j < depth:
                index[o, i] = j * kd + i
    y = reshape(gather(y, index.reshape(-1), axis=1), [-1, od, kd, dims[2], dims[3], out])
    y = reduce_sum(y, 2)
    if dims[0] is not None and x.shape[0] is not None and dims[0] != x.shape[0]:
        raise ShapeError(f"{op}: output_shape {dims} has batch {dims[0]} but the input "
                         f"{rules.describe(x)} has batch {x.shape[0]}.")
    return _from_last(y, first)


# -- pooling ---------------------------------------------------------------------------

def _pool3d(op: str, pool2d: Any, input: Any, ksize: Any, strides: Any, padding: Any,
            data_format: Any) -> Any:
    fmt = _data_format(op, data_format, _FORMATS)
    first = fmt == "NCDHW"
    x = rules.floating(op, as_tensor(input), "input")
    ks = _ints(op, "ksize", ksize, fmt, n=3)
    st = _ints(op, "strides", strides, fmt, n=3)
    padding = _padding(op, padding, fmt, explicit_ok=False)
    if x.shape.rank == 5:
        x = _to_last(x, first)
    _check_input(op, x, fmt)
    _, depth, h, wd, c = x.shape
    _depth_out(op, depth, ks[0], st[0], 1, padding)  # the depth error, named
    y = pool2d(reshape(x, [-1, h, wd, c]), ks[1:], st[1:], padding)
    oh, ow = y.shape[1], y.shape[2]
    y = pool2d(reshape(y, [-1, depth, 1, oh * ow * c]), (ks[0], 1), (st[0], 1), padding)
    y = reshape(y, [-1, y.shape[1], oh, ow, c])
    return _from_last(y, first)


def max_pool3d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NDHWC",
               name: str | None = None) -> Any:
    """The maximum of each `ksize` window of `input [batch, depth, height, width,
    channels]` (TF's `tf.nn.max_pool3d`).

    Args:
        ksize, strides: an int or a list of 1, 3 or 5 ints.
        padding: 'SAME' or 'VALID'. data_format: 'NDHWC' (default) or 'NCDHW'.

    Example:
        >>> import ember as tf
        >>> x = tf.reshape(tf.range(8.0), (1, 2, 2, 2, 1))
        >>> tf.nn.max_pool3d(x, 2, 2, "VALID")[0, :, :, :, 0].numpy()
        array([[[7.]]], dtype=float32)
    """
    return _pool3d("max_pool3d", max_pool2d, input, ksize, strides, padding, data_format)


def avg_pool3d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NDHWC",
               name: str | None = None) -> Any:
    """The mean of each `ksize` window of `input [batch, depth, height, width, channels]`
    (TF's `tf.nn.avg_pool3d`); with 'SAME' a border window averages its valid elements.

    Example:
        >>> import ember as tf
        >>> x = tf.reshape(tf.range(8.0), (1, 2, 2, 2, 1))
        >>> tf.nn.avg_pool3d(x, 2, 2, "VALID")[0, :, :, :, 0].numpy()
        array([[[3.5]]], dtype=float32)
    """
    return _pool3d("avg_pool3d", avg_pool2d, input, ksize, strides, padding, data_format)

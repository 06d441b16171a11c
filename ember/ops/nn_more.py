"""More of `tf.nn`: rank-generic convolution and pooling, windowed ops (dilation2d,
erosion2d, max_pool_with_argmax), depth/space rearrangements, crelu and local response
normalization. All composites of existing primitives, so gradients come for free.

The windowed ops pad the input (with -inf for maxima, zeros otherwise) and stack one
strided slice per window offset on a new leading axis, then reduce over it.

Example:
    >>> import ember as tf
    >>> x = tf.reshape(tf.range(4.0), (1, 2, 2, 1))
    >>> tf.nn.space_to_depth(x, 2).numpy().ravel()
    array([0., 1., 2., 3.], dtype=float32)
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..core.errors import InvalidArgumentError, ShapeError
from ..core.registry import bind
from ..prims.depthwise import (depthwise_conv2d_backprop_filter_p,
                               depthwise_conv2d_backprop_input_p)
from ..prims.convert import as_tensor, cast, stop_gradient
from . import creation_ops as c
from . import math_ops as m
from . import reduce_ops as r
from . import shape_ops as s
from .conv_extra import conv2d_transpose
from .gather_ops import gather
from .conv_ops import avg_pool1d, avg_pool2d, conv1d, conv2d, max_pool1d, max_pool2d
from .nn3d import avg_pool3d, conv3d, conv3d_transpose, max_pool3d
from .nn_fractional import fractional_avg_pool, fractional_max_pool  # noqa: F401 - tf.nn

__all__ = ["atrous_conv2d", "atrous_conv2d_transpose", "avg_pool", "conv1d_transpose",
           "conv_transpose", "convolution",
           "depthwise_conv2d_backprop_filter", "depthwise_conv2d_backprop_input",
           "dilation2d", "erosion2d", "max_pool",
           "max_pool_with_argmax", "pool", "fractional_avg_pool", "fractional_max_pool"]

_FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}


def _spatial_rank(op: str, x: Any, data_format: Any) -> tuple:
    """(number of spatial dims, channels_first) from the input's rank and data_format."""
    rank = x.shape.rank
    if rank is None or rank not in (3, 4, 5):
        raise ShapeError(f"{op}: input must have rank 3, 4 or 5 ([batch, spatial..., "
                         f"channels]), received shape {x.shape}.")
    n = rank - 2
    fmt = data_format or _FORMATS[n][0]
    if fmt not in _FORMATS[n]:
        raise InvalidArgumentError(f"{op}: data_format for a rank-{rank} input must be one "
                                   f"of {_FORMATS[n]}, received {data_format!r}.")
    return n, fmt.startswith("NC"), fmt


def _ntuple(op: str, what: str, v: Any, n: int, first: bool = False) -> tuple:
    vals = [v] if isinstance(v, (int, np.integer)) else [1] if v is None else list(v)
    vals = [int(a) for a in vals]
    if len(vals) == 1:
        vals = vals * n
    elif len(vals) == n + 2:
        vals = vals[2:] if first else vals[1:-1]
    if len(vals) != n or any(a <= 0 for a in vals):
        raise InvalidArgumentError(f"{op}: {what} must be a positive int or a list of {n} "
                                   f"(or {n + 2}) positive ints, received {v!r}.")
    return tuple(vals)


def _to_last(x: Any, first: bool) -> Any:
    if not first:
        return x
    rank = x.shape.rank
    return s.transpose(x, [0] + list(range(2, rank)) + [1])


def _from_last(y: Any, first: bool) -> Any:
    if not first:
        return y
    rank = y.shape.rank
    return s.transpose(y, [0, rank - 1] + list(range(1, rank - 1)))


# -- rank-generic convolution and pooling ------------------------------------------------

def convolution(input: Any, filters: Any, strides: Any = None, padding: str = "VALID",
                data_format: str | None = None, dilations: Any = None,
                name: str | None = None) -> Any:
    """N-D convolution (1-D, 2-D or 3-D by the input's rank), as `tf.nn.convolution`.

    Example:
        >>> import ember as tf
        >>> tf.nn.convolution(tf.ones((1, 4, 1)), tf.ones((2, 1, 1))).numpy().ravel()
        array([2., 2., 2.], dtype=float32)
    """
    x = as_tensor(input)
    n, first, fmt = _spatial_rank("convolution", x, data_format)
    strides = 1 if strides is None else strides
    fn = {1: conv1d, 2: conv2d, 3: conv3d}[n]
    return fn(x, filters, strides, padding, data_format=fmt, dilations=dilations)


def conv1d_transpose(input: Any, filters: Any, output_shape: Any, strides: Any,
                     padding: str = "SAME", data_format: str = "NWC", dilations: Any = None,
                     name: str | None = None) -> Any:
    """Transposed 1-D convolution (the gradient of conv1d), as `tf.nn.conv1d_transpose`;
    filters are `[width, out_channels, in_channels]`.

    Example:
        >>> import ember as tf
        >>> tf.nn.conv1d_transpose(tf.ones((1, 2, 1)), tf.ones((2, 1, 1)), [1, 4, 1],
        ...                        2).numpy().ravel()
        array([1., 1., 1., 1.], dtype=float32)
    """
    if data_format not in ("NWC", "NCW"):
        raise InvalidArgumentError(f"conv1d_transpose: data_format must be 'NWC' or 'NCW', "
                                   f"received {data_format!r}.")
    first = data_format == "NCW"
    x = _to_last(as_tensor(input), first)
    shape = [int(v) for v in (output_shape.numpy() if hasattr(output_shape, "numpy")
                              else output_shape)]
    if first:
        shape = [shape[0], shape[2], shape[1]]
    st = _ntuple("conv1d_transpose", "strides", strides, 1, first)
    dl = _ntuple("conv1d_transpose", "dilations", dilations, 1, first)
    y = conv2d_transpose(s.expand_dims(x, 1), s.expand_dims(as_tensor(filters), 0),
                         [shape[0], 1, shape[1], shape[2]], [1, st[0]], padding,
                         dilations=[1, dl[0]])
    return _from_last(s.squeeze(y, [1]), first)


def conv_transpose(input: Any, filters: Any, output_shape: Any, strides: Any,
                   padding: str = "SAME", data_format: str | None = None,
                   dilations: Any = None, name: str | None = None) -> Any:
    """Transposed N-D convolution by the input's rank, as `tf.nn.conv_transpose`.

    Example:
        >>> import ember as tf
        >>> tf.nn.conv_transpose(tf.ones((1, 2, 2, 1)), tf.ones((1, 1, 1, 1)),
        ...                      [1, 4, 4, 1], 2).numpy()[0, :, :, 0].sum()
        np.float32(4.0)
    """
    x = as_tensor(input)
    n, first, fmt = _spatial_rank("conv_transpose", x, data_format)
    if n == 1:
        return conv1d_transpose(x, filters, output_shape, strides, padding, fmt, dilations)
    fn = conv2d_transpose if n == 2 else conv3d_transpose
    return fn(x, filters, output_shape, strides, padding, data_format=fmt, dilations=dilations)


def atrous_conv2d(value: Any, filters: Any, rate: int, padding: str,
                  name: str | None = None) -> Any:
    """2-D convolution with holes (dilation `rate`), as `tf.nn.atrous_conv2d`.

    Example:
        >>> import ember as tf
        >>> tf.nn.atrous_conv2d(tf.ones((1, 5, 5, 1)), tf.ones((2, 2, 1, 1)), 2,
        ...                     "VALID").shape
        TensorShape([1, 3, 3, 1])
    """
    return conv2d(value, filters, 1, padding, dilations=[rate, rate])


def atrous_conv2d_transpose(value: Any, filters: Any, output_shape: Any, rate: int,
                            padding: str, name: str | None = None) -> Any:
    """The transpose of `atrous_conv2d`, as `tf.nn.atrous_conv2d_transpose`.

    Example:
        >>> import ember as tf
        >>> tf.nn.atrous_conv2d_transpose(tf.ones((1, 3, 3, 1)), tf.ones((2, 2, 1, 1)),
        ...                               [1, 5, 5, 1], 2, "VALID").shape
        TensorShape([1, 5, 5, 1])
    """
    return conv2d_transpose(value, filters, output_shape, 1, padding, dilations=[rate, rate])


def _same_pads(n: int, k: int, st: int, d: int) -> tuple:
    eff = (k - 1) * d + 1
    out = -(-n // st)
    total = max((out - 1) * st + eff - n, 0)
    return total // 2, total - total // 2


def _windows(op: str, x: Any, ksize: tuple, strides: tuple, dilations: tuple, padding: str,
             fill: float) -> tuple:
    """Stack of the window slices of a channels-last `x` on a new axis 0, and the offsets.

    Returns (stack [K, batch, out..., C], offsets (K tuples), pads (before per dim))."""
    padding = str(padding).upper()
    if padding not in ("SAME", "VALID"):
        raise InvalidArgumentError(f"{op}: padding must be 'SAME' or 'VALID', received "
                                   f"{padding!r}.")
    dims = [x.shape[i + 1] for i in range(len(ksize))]
    if any(d is None for d in dims):
        raise ShapeError(f"{op}: the spatial dims of the input must be known, received "
                         f"shape {x.shape}.")
    pads, outs = [], []
    for n, k, st, d in zip(dims, ksize, strides, dilations):
        eff = (k - 1) * d + 1
        if padding == "SAME":
            pads.append(_same_pads(n, k, st, d))
            outs.append(-(-n // st))
        else:
            if n < eff:
                raise ShapeError(f"{op}: the window ({eff} with dilation) is larger than the "
                                 f"input ({n}) with padding 'VALID'.")
            pads.append((0, 0))
            outs.append((n - eff) // st + 1)
    if any(p != (0, 0) for p in pads):
        x = s.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=fill)
    slices, offsets = [], list(itertools.product(*[range(k) for k in ksize]))
    for off in offsets:
        idx = tuple(slice(o * d, o * d + (n - 1) * st + 1, st)
                    for o, d, n, st in zip(off, dilations, outs, strides))
        slices.append(x[(slice(None),) + idx + (Ellipsis,)])
    return s.stack(slices, 0), offsets, [p[0] for p in pads]


def pool(input: Any, window_shape: Any, pooling_type: str, strides: Any = None,
         padding: str = "VALID", data_format: str | None = None, dilations: Any = None,
         name: str | None = None) -> Any:
    """N-D max or average pooling with dilations, as `tf.nn.pool`.

    Example:
        >>> import ember as tf
        >>> x = tf.reshape(tf.range(5.0), (1, 5, 1))
        >>> tf.nn.pool(x, [2], "MAX", dilations=[2]).numpy().ravel()
        array([2., 3., 4.], dtype=float32)
    """
    x = as_tensor(input)
    n, first, fmt = _spatial_rank("pool", x, data_format)
    kind = str(pooling_type).upper()
    if kind not in ("MAX", "AVG"):
        raise InvalidArgumentError(f"pool: pooling_type must be 'MAX' or 'AVG', received "
                                   f"{pooling_type!r}.")
    k = _ntuple("pool", "window_shape", window_shape, n)
    st = _ntuple("pool", "strides", strides, n)
    dl = _ntuple("pool", "dilations", dilations, n)
    if any(d > 1 for d in dl) and any(v > 1 for v in st):
        raise InvalidArgumentError("pool: strides must all be 1 when any dilation rate is "
                                   f"above 1, received strides {list(st)}, dilations "
                                   f"{list(dl)}.")
    if any(d > 1 for d in dl) and str(padding).upper() == "SAME":
        raise InvalidArgumentError("pool: padding 'SAME' is not supported with dilations "
                                   "above 1 (as TF); use 'VALID'.")
    if all(d == 1 for d in dl):
        fn = max_pool if kind == "MAX" else avg_pool
        return fn(x, list(k), list(st), padding, data_format=fmt)
    xl = _to_last(x, first)
    if kind == "MAX":
        stack, _, _ = _windows("pool", xl, k, st, dl, padding, -np.inf)
        return _from_last(r.reduce_max(stack, 0), first)
    stack, _, _ = _windows("pool", xl, k, st, dl, padding, 0.0)
    ones = c.ones_like(xl[:1, ..., :1])
    count, _, _ = _windows("pool", ones, k, st, dl, padding, 0.0)
    return _from_last(m.divide(r.reduce_sum(stack, 0), r.reduce_sum(count, 0)), first)


def _rank_pool(op: str, fns: dict, input: Any, ksize: Any, strides: Any, padding: Any,
               data_format: Any) -> Any:
    x = as_tensor(input)
    n, first, fmt = _spatial_rank(op, x, data_format)
    return fns[n](x, ksize, strides, padding, data_format=fmt)


def max_pool(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None = None,
             name: str | None = None) -> Any:
    """Max pooling over 1, 2 or 3 spatial dims (by the input's rank), as `tf.nn.max_pool`.

    Example:
        >>> import ember as tf
        >>> tf.nn.max_pool(tf.reshape(tf.range(4.0), (1, 4, 1)), 2, 2, "VALID").numpy().ravel()
        array([1., 3.], dtype=float32)
    """
    return _rank_pool("max_pool", {1: max_pool1d, 2: max_pool2d, 3: max_pool3d}, input, ksize,
                      strides, padding, data_format)


def avg_pool(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None = None,
             name: str | None = None) -> Any:
    """Average pooling over 1, 2 or 3 spatial dims, as `tf.nn.avg_pool`.

    Example:
        >>> import ember as tf
        >>> tf.nn.avg_pool(tf.reshape(tf.range(4.0), (1, 4, 1)), 2, 2, "VALID").numpy().ravel()
        array([0.5, 2.5], dtype=float32)
    """
    return _rank_pool("avg_pool", {1: avg_pool1d, 2: avg_pool2d, 3: avg_pool3d}, input, ksize,
                      strides, padding, data_format)


def max_pool_with_argmax(input: Any, ksize: Any, strides: Any, padding: str,
                         data_format: str = "NHWC", output_dtype: Any = "int64",
                         include_batch_in_index: bool = False, name: str | None = None) -> tuple:
    """2-D max pooling and the flattened index of each maximum, as
    `tf.nn.max_pool_with_argmax`: `((b * height + y) * width + x) * channels + c`, the
    batch term only with `include_batch_in_index`. Returns `(output, argmax)`.

    Example:
        >>> import ember as tf
        >>> out, idx = tf.nn.max_pool_with_argmax(tf.reshape(tf.range(4.0), (1, 2, 2, 1)),
        ...                                       2, 2, "VALID")
        >>> out.numpy().ravel(), idx.numpy().ravel()
        (array([3.], dtype=float32), array([3]))
    """
    if data_format != "NHWC":
        raise InvalidArgumentError(f"max_pool_with_argmax: data_format must be 'NHWC' (as "
                                   f"TF), received {data_format!r}.")
    x = as_tensor(input)
    if x.shape.rank != 4:
        raise ShapeError(f"max_pool_with_argmax: input must be 4-D NHWC, received shape "
                         f"{x.shape}.")
    k = _ntuple("max_pool_with_argmax", "ksize", ksize, 2)
    st = _ntuple("max_pool_with_argmax", "strides", strides, 2)
    stack, offsets, pads = _windows("max_pool_with_argmax", x, k, st, (1, 1), padding, -np.inf)
    out = r.reduce_max(stack, 0)
    which = r.argmax(stop_gradient(stack), 0)  # [B, OH, OW, C]
    B, H, W, C = x.shape
    OH, OW = stack.shape[2], stack.shape[3]
    offs = np.array(offsets, np.int64)
    dy = s.reshape(as_tensor(offs[:, 0]), [-1])
    dx = s.reshape(as_tensor(offs[:, 1]), [-1])
    which = cast(which, "int64")
    ys = m.add(gather(dy, which), as_tensor((np.arange(OH) * st[0] - pads[0]).reshape(1, -1, 1, 1)))
    xs = m.add(gather(dx, which), as_tensor((np.arange(OW) * st[1] - pads[1]).reshape(1, 1, -1, 1)))
    idx = m.add(m.multiply(m.add(m.multiply(ys, W), xs), C),
                as_tensor(np.arange(C, dtype=np.int64).reshape(1, 1, 1, -1)))
    if include_batch_in_index:
        batch = m.subtract(r.cumsum(cast(c.ones_like(x[:, 0, 0, 0]), "int64")), np.int64(1)) \
            if B is None else as_tensor(np.arange(B, dtype=np.int64))
        bidx = s.reshape(m.multiply(batch, np.int64(H * W * C)), [-1, 1, 1, 1])
        idx = m.add(idx, bidx)
    return out, cast(idx, output_dtype)


def _morph_args(op: str, x: Any, f: Any, strides: Any, padding: str, data_format: str,
                dilations: Any) -> tuple:
    if data_format != "NHWC":
        raise InvalidArgumentError(f"{op}: data_format must be 'NHWC', received "
                                   f"{data_format!r}.")
    if x.shape.rank != 4 or f.shape.rank != 3:
        raise ShapeError(f"{op}: input must be 4-D [batch, height, width, depth] and filters "
                         f"3-D [filter_height, filter_width, depth], received {x.shape} and "
                         f"{f.shape}.")
    if f.shape[2] is not None and x.shape[3] is not None and f.shape[2] != x.shape[3]:
        raise ShapeError(f"{op}: filters depth {f.shape[2]} must equal input depth "
                         f"{x.shape[3]}.")
    st = _ntuple(op, "strides", strides, 2)
    dl = _ntuple(op, "dilations", dilations, 2)
    return st, dl


def dilation2d(input: Any, filters: Any, strides: Any, padding: str, data_format: str = "NHWC",
               dilations: Any = None, name: str | None = None) -> Any:
    """Grayscale morphological dilation: `max(input[window] + filters)`, as
    `tf.nn.dilation2d` (filters `[h, w, depth]`).

    Example:
        >>> import ember as tf
        >>> x = tf.reshape(tf.range(4.0), (1, 4, 1, 1))
        >>> tf.nn.dilation2d(x, tf.zeros((2, 1, 1)), [1, 1, 1, 1], "VALID").numpy().ravel()
        array([1., 2., 3.], dtype=float32)
    """
    x, f = as_tensor(input), as_tensor(filters)
    st, dl = _morph_args("dilation2d", x, f, strides, padding, data_format, dilations)
    stack, offsets, _ = _windows("dilation2d", x, tuple(f.shape[:2]), st, dl, padding,
                                 -np.inf)
    fw = s.reshape(f, [len(offsets), 1, 1, 1, -1])
    return r.reduce_max(m.add(stack, fw), 0)


def erosion2d(value: Any, filters: Any, strides: Any, padding: str, data_format: str = "NHWC",
              dilations: Any = None, name: str | None = None) -> Any:
    """Grayscale morphological erosion: `min(value[window] - filters[reversed])`, as
    `tf.nn.erosion2d`.

    Example:
        >>> import ember as tf
        >>> x = tf.reshape(tf.range(4.0), (1, 4, 1, 1))
        >>> tf.nn.erosion2d(x, tf.fill((2, 1, 1), 0.5), [1, 1, 1, 1], "VALID").numpy().ravel()
        array([-0.5,  0.5,  1.5], dtype=float32)
    """
    f = as_tensor(filters)
    return m.negative(dilation2d(m.negative(as_tensor(value)), s.reverse(f, [0, 1]), strides,
                                 padding, data_format, dilations))


# -- depthwise gradients ------------------------------------------------------------------

def _depthwise_params(op: str, strides: Any, padding: Any, data_format: str,
                      dilations: Any) -> tuple:
    if data_format not in ("NHWC", "NCHW"):
        raise InvalidArgumentError(f"{op}: data_format must be 'NHWC' or 'NCHW', received "
                                   f"{data_format!r}.")
    first = data_format == "NCHW"
    st = _ntuple(op, "strides", strides, 2, first)
    dl = _ntuple(op, "dilations", dilations, 2, first)
    pad = str(padding).upper()
    if pad not in ("SAME", "VALID"):
        raise InvalidArgumentError(f"{op}: padding must be 'SAME' or 'VALID', received "
                                   f"{padding!r}.")
    return first, st, dl, pad


def _sizes(v: Any) -> list:
    return [int(a) for a in (v.numpy() if hasattr(v, "numpy") else v)]


def depthwise_conv2d_backprop_input(input_sizes: Any, filter: Any, out_backprop: Any,
                                    strides: Any, padding: Any, data_format: str = "NHWC",
                                    dilations: Any = None, name: str | None = None) -> Any:
    """The gradient of depthwise_conv2d with respect to its input, as
    `tf.nn.depthwise_conv2d_backprop_input`.

    Example:
        >>> import ember as tf
        >>> tf.nn.depthwise_conv2d_backprop_input([1, 2, 2, 1], tf.ones((1, 1, 1, 1)),
        ...     tf.ones((1, 2, 2, 1)), [1, 1, 1, 1], "VALID").numpy().ravel()
        array([1., 1., 1., 1.], dtype=float32)
    """
    op = "depthwise_conv2d_backprop_input"
    first, st, dl, pad = _depthwise_params(op, strides, padding, data_format, dilations)
    g = _to_last(as_tensor(out_backprop), first)
    shape = _sizes(input_sizes)
    if first:
        shape = [shape[0], shape[2], shape[3], shape[1]]
    like = c.zeros(shape, g.dtype)
    y = bind(depthwise_conv2d_backprop_input_p, g, as_tensor(filter), like, strides=st,
             padding=pad, dilations=dl)
    return _from_last(y, first)


def depthwise_conv2d_backprop_filter(input: Any, filter_sizes: Any, out_backprop: Any,
                                     strides: Any, padding: Any, data_format: str = "NHWC",
                                     dilations: Any = None, name: str | None = None) -> Any:
    """The gradient of depthwise_conv2d with respect to its filter, as
    `tf.nn.depthwise_conv2d_backprop_filter`.

    Example:
        >>> import ember as tf
        >>> tf.nn.depthwise_conv2d_backprop_filter(tf.ones((1, 2, 2, 1)), [1, 1, 1, 1],
        ...     tf.ones((1, 2, 2, 1)), [1, 1, 1, 1], "VALID").numpy().ravel()
        array([4.], dtype=float32)
    """
    op = "depthwise_conv2d_backprop_filter"
    first, st, dl, pad = _depthwise_params(op, strides, padding, data_format, dilations)
    x = _to_last(as_tensor(input), first)
    g = _to_last(as_tensor(out_backprop), first)
    like = c.zeros(_sizes(filter_sizes), x.dtype)
    return bind(depthwise_conv2d_backprop_filter_p, x, g, like, strides=st, padding=pad,
                dilations=dl)

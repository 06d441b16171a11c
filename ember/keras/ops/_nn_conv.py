"""`keras.ops.nn`: convolutions (1-D, 2-D, 3-D; grouped, depthwise, separable,
transposed), pooling (fixed and adaptive), fold/unfold and depth/space rearrangements.

Everything is computed channels_last on ember's 2-D primitives (conv2d, its input
gradient, max_pool2d, avg_pool2d): a 1-D op is the 2-D one with a unit height, a 3-D op
a sum (or pool) over the depth of 2-D ops on depth slices. Kernels follow Keras 3:
`spatial + (in_channels // groups, out_channels)` for `conv`, `spatial + (out, in)` for
`conv_transpose`, `spatial + (in, multiplier)` for `depthwise_conv`.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> x = np.arange(4.0, dtype="float32").reshape(1, 4, 1)
    >>> keras.ops.nn.conv(x, np.ones((2, 1, 1), "float32"))[0, :, 0].numpy()
    array([1., 3., 5.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ...ops import math_ops as m
from ...ops import reduce_ops as r
from ...ops import shape_ops as s
from ...ops.conv_extra import conv2d_transpose, depthwise_conv2d
from ...ops.conv_ops import avg_pool2d, conv2d, max_pool2d
from ...prims.convert import cast
from ._dtypes import promote
from ._nn_common import data_format as _fmt
from ._nn_common import floating, int_tuple, padding_mode, rank_of
from ._nn_fold import depth_to_space, fold, space_to_depth, unfold  # noqa: F401

__all__ = ["adaptive_average_pool", "adaptive_max_pool", "average_pool", "conv",
           "conv_transpose", "depth_to_space", "depthwise_conv", "fold", "max_pool",
           "separable_conv", "space_to_depth", "unfold"]


# -- layouts ---------------------------------------------------------------------------

def to_last(x: Any, fmt: str) -> Any:
    """channels_first `x` as channels_last (others unchanged)."""
    if fmt == "channels_last":
        return x
    rank = x.shape.rank
    return s.transpose(x, [0] + list(range(2, rank)) + [1])


def from_last(y: Any, fmt: str) -> Any:
    """channels_last `y` back to channels_first where `fmt` asks."""
    if fmt == "channels_last":
        return y
    rank = y.shape.rank
    return s.transpose(y, [0, rank - 1] + list(range(1, rank - 1)))


def _spatial_in(x: Any, fmt: str) -> tuple:
    return tuple(x.shape[1:-1]) if fmt == "channels_last" else tuple(x.shape[2:])


def same_pads(n: int, k: int, st: int, d: int) -> tuple:
    """TF's 'same' padding (before, after) of one axis."""
    out = -(-n // st)
    total = max((out - 1) * st + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def _check_nonempty(op: str, y: Any, x: Any) -> Any:
    if 0 in tuple(d for d in y.shape if d is not None) and \
            0 not in tuple(d for d in x.shape if d is not None):
        raise ValueError(f"keras.ops.{op}: the operation resulted in an empty output "
                         f"{tuple(y.shape)}: the input {tuple(x.shape)} is too small for "
                         f"the kernel size, strides, dilation rate and padding.")
    return y


# -- convolution -----------------------------------------------------------------------

def _conv_last(op: str, x: Any, w: Any, st: tuple, pad: str, dil: tuple,
               kind: str = "conv") -> Any:
    """A channels_last convolution of rank-(n+2) `x`; kind 'conv' or 'depthwise'."""
    n = x.shape.rank - 2
    fn = conv2d if kind == "conv" else depthwise_conv2d
    if n == 1:
        y = fn(s.expand_dims(x, 1), s.expand_dims(w, 0), (1, st[0]), pad.upper(),
               dilations=(1, dil[0]))
        return s.squeeze(y, [1])
    if n == 2:
        return fn(x, w, st, pad.upper(), dilations=dil)
    # 3-D: a sum over the kernel's depth of 2-D convolutions of strided depth slices
    depth, kd = x.shape[1], w.shape[0]
    if pad == "same":
        before, after = same_pads(depth, kd, st[0], dil[0])
        x = s.pad(x, [[0, 0], [before, after], [0, 0], [0, 0], [0, 0]])
        depth += before + after
    out_d = (depth - (kd - 1) * dil[0] - 1) // st[0] + 1
    if out_d <= 0:
        raise ValueError(f"keras.ops.{op}: the kernel depth {kd} (dilation {dil[0]}) is "
                         f"larger than the input depth {depth}: the output would be empty.")
    h, wd, c = x.shape[2], x.shape[3], x.shape[4]
    total = None
    for i in range(kd):
        start = i * dil[0]
        part = x[:, start:start + (out_d - 1) * st[0] + 1:st[0]]
        flat = s.reshape(part, [-1, h, wd, c])
        y = fn(flat, w[i], st[1:], pad.upper(), dilations=dil[1:])
        total = y if total is None else m.add(total, y)
    return s.reshape(total, [-1, out_d] + list(total.shape[1:]))


def _parse(op: str, inputs: Any, kernel: Any, strides: Any, padding: Any, data_format: Any,
           dilation_rate: Any) -> tuple:
    x, w = promote(inputs, kernel)
    x, w = floating(x), floating(w)
    rank = rank_of(op, x, (3, 4, 5))
    n = rank - 2
    if w.shape.rank != rank:
        raise ValueError(f"keras.ops.{op}: kernel must have rank {rank} (spatial dims + 2) "
                         f"for inputs of rank {rank}. Received: kernel.shape="
                         f"{tuple(w.shape)}, inputs.shape={tuple(x.shape)}")
    fmt = _fmt(op, data_format)
    st = int_tuple(op, "strides", strides, n)
    dil = int_tuple(op, "dilation_rate", dilation_rate, n)
    return x, w, fmt, st, padding_mode(op, padding), dil


def conv(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
         data_format: str | None = None, dilation_rate: Any = 1) -> Any:
    """N-D convolution (1-D, 2-D, 3-D) of `inputs` with `kernel` of shape
    `spatial + (in_channels // groups, out_channels)` (grouped when the input has more
    channels than the kernel).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.ones((1, 3, 3, 1), "float32")
        >>> keras.ops.nn.conv(x, np.ones((2, 2, 1, 1), "float32"))[0, :, :, 0].numpy()
        array([[4., 4.],
               [4., 4.]], dtype=float32)
    """
    op = "conv"
    x, w, fmt, st, pad, dil = _parse(op, inputs, kernel, strides, padding, data_format,
                                     dilation_rate)
    x = to_last(x, fmt)
    c, kin, out = x.shape[-1], w.shape[-2], w.shape[-1]
    if c % kin:
        raise ValueError(f"keras.ops.{op}: the number of input channels must be divisible "
                         f"by kernel.shape[-2]. Received: input channels {c}, "
                         f"kernel.shape={tuple(w.shape)}")
    groups = c // kin
    if groups == 1:
        y = _conv_last(op, x, w, st, pad, dil)
    else:
        if out % groups:
            raise ValueError(f"keras.ops.{op}: with {groups} groups the number of output "
                             f"channels ({out}) must be divisible by {groups}.")
        xs = s.split(x, groups, axis=-1)
        ws = s.split(w, groups, axis=-1)
        y = s.concat([_conv_last(op, a, b, st, pad, dil) for a, b in zip(xs, ws)], -1)
    return from_last(_check_nonempty(op, y, x), fmt)


def depthwise_conv(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
                   data_format: str | None = None, dilation_rate: Any = 1) -> Any:
    """Depthwise N-D convolution: each input channel with its own `multiplier` filters,
    `kernel` of shape `spatial + (in_channels, multiplier)`.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.ones((1, 2, 2), "float32")
        >>> w = np.array([[[1.0], [10.0]]], "float32")
        >>> keras.ops.nn.depthwise_conv(x, w)[0, 0].numpy()
        array([ 1., 10.], dtype=float32)
    """
    op = "depthwise_conv"
    x, w, fmt, st, pad, dil = _parse(op, inputs, kernel, strides, padding, data_format,
                                     dilation_rate)
    if x.shape.rank == 5:
        raise ValueError(f"keras.ops.{op}: only 1-D and 2-D depthwise convolutions are "
                         f"supported (as Keras 3). Received inputs.shape={tuple(x.shape)}")
    x = to_last(x, fmt)
    if x.shape[-1] != w.shape[-2]:
        raise ValueError(f"keras.ops.{op}: the number of input channels must equal "
                         f"kernel.shape[-2]. Received: input channels {x.shape[-1]}, "
                         f"kernel.shape={tuple(w.shape)}")
    y = _conv_last(op, x, w, st, pad, dil, kind="depthwise")
    return from_last(_check_nonempty(op, y, x), fmt)


def separable_conv(inputs: Any, depthwise_kernel: Any, pointwise_kernel: Any,
                   strides: Any = 1, padding: str = "valid", data_format: str | None = None,
                   dilation_rate: Any = 1) -> Any:
    """depthwise_conv with `depthwise_kernel`, then a 1x1 conv with `pointwise_kernel`
    of shape `(1,) * n + (in_channels * multiplier, out_channels)`.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.ones((1, 2, 1), "float32")
        >>> keras.ops.nn.separable_conv(x, np.ones((1, 1, 2), "float32"),
        ...                             np.ones((1, 2, 3), "float32")).shape
        TensorShape([1, 2, 3])
    """
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    pw = floating(pointwise_kernel)
    return conv(y, cast(pw, y.dtype), 1, "valid", data_format, 1)


def conv_transpose(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
                   output_padding: Any = None, data_format: str | None = None,
                   dilation_rate: Any = 1) -> Any:
    """Transposed N-D convolution (the gradient of `conv` with respect to its input):
    `kernel` of shape `spatial + (out_channels, in_channels)`; the output size per axis
    is Keras 3's (`(n - 1) * stride + kernel` for 'valid', `n * stride` for 'same',
    adjusted by `output_padding`).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.ones((1, 2, 1), "float32")
        >>> keras.ops.nn.conv_transpose(x, np.ones((2, 1, 1), "float32"))[0, :, 0].numpy()
        array([1., 2., 1.], dtype=float32)
    """
    op = "conv_transpose"
    x, w, fmt, st, pad, dil = _parse(op, inputs, kernel, strides, padding, data_format,
                                     dilation_rate)
    n = x.shape.rank - 2
    x = to_last(x, fmt)
    if x.shape[-1] != w.shape[-1]:
        raise ValueError(f"keras.ops.{op}: the number of input channels must equal "
                         f"kernel.shape[-1]. Received: input channels {x.shape[-1]}, "
                         f"kernel.shape={tuple(w.shape)}")
    opad = [None] * n if output_padding is None else \
        list(int_tuple(op, "output_padding", output_padding, n))
    sizes = [_transpose_size(x.shape[1 + i], w.shape[i], st[i], pad, opad[i], dil[i])
             for i in range(n)]
    y = _transpose_last(x, w, st, pad, dil, sizes)
    return from_last(y, fmt)


def _transpose_size(n: int, k: int, st: int, pad: str, opad: int | None, d: int) -> int:
    k = (k - 1) * d + 1
    if pad == "valid":
        return (n - 1) * st + k + (max(k, st) - k if opad is None else opad)
    return n * st if opad is None else (n - 1) * st + k % 2 + opad


def _transpose_last(x: Any, w: Any, st: tuple, pad: str, dil: tuple, sizes: list) -> Any:
    n = x.shape.rank - 2
    out_c = w.shape[-2]
    if n == 1:
        y = conv2d_transpose(s.expand_dims(x, 1), s.expand_dims(w, 0),
                             [None, 1, sizes[0], out_c], (1, st[0]), pad.upper(),
                             dilations=(1, dil[0]))
        return s.squeeze(y, [1])
    if n == 2:
        return conv2d_transpose(x, w, [None] + sizes + [out_c], st, pad.upper(),
                                dilations=dil)
    # 3-D: each kernel depth slice's 2-D transposed convolution, spread along the depth
    depth, kd = x.shape[1], w.shape[0]
    h, wd, c = x.shape[2], x.shape[3], x.shape[4]
    out_d = sizes[0]
    before = 0
    if pad == "same":
        before = max((depth - 1) * st[0] + (kd - 1) * dil[0] + 1 - out_d, 0) // 2
    full = max((depth - 1) * st[0] + (kd - 1) * dil[0] + 1, before + out_d)
    flat = s.reshape(x, [-1, h, wd, c])
    total = None
    for i in range(kd):
        y = conv2d_transpose(flat, w[i], [None] + sizes[1:] + [out_c], st[1:], pad.upper(),
                             dilations=dil[1:])
        y = s.reshape(y, [-1, depth, 1] + sizes[1:] + [out_c])
        if st[0] > 1:  # interleave stride - 1 zero slices after each depth slice
            y = s.pad(y, [[0, 0], [0, 0], [0, st[0] - 1]] + [[0, 0]] * 3)
        y = s.reshape(y, [-1, depth * st[0]] + sizes[1:] + [out_c])
        y = y[:, :(depth - 1) * st[0] + 1]
        lead = i * dil[0]
        y = s.pad(y, [[0, 0], [lead, full - lead - y.shape[1]]] + [[0, 0]] * 3)
        total = y if total is None else m.add(total, y)
    return total[:, before:before + out_d]


# -- pooling ---------------------------------------------------------------------------

def _pool(op: str, inputs: Any, pool_size: Any, strides: Any, padding: Any,
          data_format: Any, kind: str) -> Any:
    x = floating(inputs)
    rank = rank_of(op, x, (3, 4, 5))
    n = rank - 2
    fmt = _fmt(op, data_format)
    ks = int_tuple(op, "pool_size", pool_size, n)
    st = ks if strides is None else int_tuple(op, "strides", strides, n)
    pad = padding_mode(op, padding).upper()
    fn = max_pool2d if kind == "max" else avg_pool2d
    x = to_last(x, fmt)
    if n == 1:
        y = s.squeeze(fn(s.expand_dims(x, 1), (1, ks[0]), (1, st[0]), pad), [1])
    elif n == 2:
        y = fn(x, ks, st, pad)
    else:  # 3-D: pool each depth slice in 2-D, then pool along the depth
        depth, h, wd, c = x.shape[1:]
        y = fn(s.reshape(x, [-1, h, wd, c]), ks[1:], st[1:], pad)
        oh, ow = y.shape[1], y.shape[2]
        y = s.reshape(y, [-1, depth, 1, oh * ow * c])
        y = fn(y, (ks[0], 1), (st[0], 1), pad)
        y = s.reshape(y, [-1, y.shape[1], oh, ow, c])
    return from_last(_check_nonempty(op, y, x), fmt)


def max_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid",
             data_format: str | None = None) -> Any:
    """The maximum over each `pool_size` window (1-D, 2-D or 3-D); strides default to
    `pool_size`.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.array([[[1.0], [3.0], [2.0], [0.0]]], "float32")
        >>> keras.ops.nn.max_pool(x, 2)[0, :, 0].numpy()
        array([3., 2.], dtype=float32)
    """
    return _pool("max_pool", inputs, pool_size, strides, padding, data_format, "max")


def average_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None) -> Any:
    """The mean over each `pool_size` window (1-D, 2-D or 3-D; with 'same' padding the
    border windows average their valid elements only); strides default to `pool_size`.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.array([[[1.0], [3.0], [2.0], [0.0]]], "float32")
        >>> keras.ops.nn.average_pool(x, 2)[0, :, 0].numpy()
        array([2., 1.], dtype=float32)
    """
    return _pool("average_pool", inputs, pool_size, strides, padding, data_format, "avg")


def _adaptive(op: str, inputs: Any, output_size: Any, data_format: Any, kind: str) -> Any:
    x = floating(inputs)
    rank = rank_of(op, x, (3, 4, 5))
    n = rank - 2
    fmt = _fmt(op, data_format)
    sizes = int_tuple(op, "output_size", output_size, n)
    first = 1 if fmt == "channels_last" else 2
    reduce = r.reduce_max if kind == "max" else r.reduce_mean
    for i, out in enumerate(sizes):
        ax = first + i
        length = x.shape[ax]
        if length is None:
            raise ValueError(f"keras.ops.{op}: the spatial dims of the input must be "
                             f"known. Received: inputs.shape={tuple(x.shape)}")
        pieces = []
        for j in range(out):
            lo, hi = (j * length) // out, -(-((j + 1) * length) // out)
            index = [slice(None)] * rank
            index[ax] = slice(lo, hi)
            pieces.append(reduce(x[tuple(index)], ax, keepdims=True))
        x = s.concat(pieces, ax)
    return x


def adaptive_max_pool(inputs: Any, output_size: Any, data_format: str | None = None) -> Any:
    """Max pooling to a fixed `output_size`: output cell `i` of an axis of length L covers
    `[floor(i L / out), ceil((i + 1) L / out))` (PyTorch's windows).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.array([[[1.0], [3.0], [2.0]]], "float32")
        >>> keras.ops.nn.adaptive_max_pool(x, 2)[0, :, 0].numpy()
        array([3., 3.], dtype=float32)
    """
    return _adaptive("adaptive_max_pool", inputs, output_size, data_format, "max")


def adaptive_average_pool(inputs: Any, output_size: Any,
                          data_format: str | None = None) -> Any:
    """Average pooling to a fixed `output_size` (PyTorch's adaptive windows).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.array([[[1.0], [3.0], [2.0]]], "float32")
        >>> keras.ops.nn.adaptive_average_pool(x, 2)[0, :, 0].numpy()
        array([2. , 2.5], dtype=float32)
    """
    return _adaptive("adaptive_average_pool", inputs, output_size, data_format, "avg")


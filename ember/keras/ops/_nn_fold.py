"""`keras.ops.nn`: unfold / fold (im2col / col2im, NCHW as PyTorch) and
depth_to_space / space_to_depth.

unfold is a conv2d with a one-hot "patch" kernel (each output channel copies one input
channel at one kernel offset), fold its transpose (conv2d_transpose with the same kernel,
which sums overlapping patches), so both are exact and differentiable.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> x = np.arange(4.0, dtype="float32").reshape(1, 1, 2, 2)
    >>> keras.ops.nn.unfold(x, 2).numpy()[0, :, 0]
    array([0., 1., 2., 3.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ops import shape_ops as s
from ...ops.conv_extra import conv2d_transpose
from ...ops.conv_ops import conv2d
from ._dtypes import to_tensor
from ._nn_common import data_format as _fmt
from ._nn_common import floating, int_tuple, rank_of

__all__ = ["depth_to_space", "fold", "space_to_depth", "unfold"]


def patch_kernel(ks: tuple, channels: int, channels_inner: bool, dtype: Any) -> Any:
    """The one-hot conv kernel `ks + (C, C * prod(ks))` copying channel c at kernel offset
    k to output channel `k * C + c` (channels_inner, TF's extract_patches order) or
    `c * prod(ks) + k` (PyTorch's unfold order)."""
    count = int(np.prod(ks))
    w = np.zeros((count, channels, channels * count), dtype.as_numpy_dtype)
    for k in range(count):
        for c in range(channels):
            w[k, c, k * channels + c if channels_inner else c * count + k] = 1
    return to_tensor(w.reshape(tuple(ks) + (channels, channels * count)))


def _unfold_args(op: str, kernel_size: Any, dilation: Any, padding: Any,
                 stride: Any) -> tuple:
    return (int_tuple(op, "kernel_size", kernel_size, 2),
            int_tuple(op, "dilation", dilation, 2),
            int_tuple(op, "padding", padding, 2), int_tuple(op, "stride", stride, 2))


def unfold(x: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Any:
    """Sliding local blocks of a batched NCHW image: `(N, C, H, W)` gives
    `(N, C * kh * kw, L)`, L the number of block positions (PyTorch's `unfold`).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> keras.ops.nn.unfold(np.ones((1, 2, 3, 3), "float32"), 2).shape
        TensorShape([1, 8, 4])
    """
    op = "unfold"
    x = floating(x)
    rank_of(op, x, (4,), "x")
    ks, dil, pad, st = _unfold_args(op, kernel_size, dilation, padding, stride)
    n, c = x.shape[0], x.shape[1]
    x = s.transpose(x, [0, 2, 3, 1])
    if any(pad):
        x = s.pad(x, [[0, 0], [pad[0], pad[0]], [pad[1], pad[1]], [0, 0]])
    y = conv2d(x, patch_kernel(ks, c, False, x.dtype), st, "VALID", dilations=dil)
    y = s.reshape(y, [-1 if n is None else n, y.shape[1] * y.shape[2], y.shape[3]])
    return s.transpose(y, [0, 2, 1])


def fold(x: Any, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Any:
    """The inverse arrangement of `unfold` (col2im): `(N, C * kh * kw, L)` blocks summed
    into an `(N, C) + output_size` image (overlaps add up, as PyTorch's `fold`).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> keras.ops.nn.fold(np.ones((1, 4, 4), "float32"), 3, 2)[0, 0].numpy()
        array([[1., 2., 1.],
               [2., 4., 2.],
               [1., 2., 1.]], dtype=float32)
    """
    op = "fold"
    x = floating(x)
    rank_of(op, x, (3,), "x")
    ks, dil, pad, st = _unfold_args(op, kernel_size, dilation, padding, stride)
    out = int_tuple(op, "output_size", output_size, 2)
    ckk = x.shape[1]
    if ckk % (ks[0] * ks[1]):
        raise ValueError(f"keras.ops.{op}: x.shape[1] ({ckk}) must be divisible by the "
                         f"kernel area {ks[0]} * {ks[1]}.")
    c = ckk // (ks[0] * ks[1])
    padded = [out[i] + 2 * pad[i] for i in range(2)]
    blocks = [(padded[i] - dil[i] * (ks[i] - 1) - 1) // st[i] + 1 for i in range(2)]
    if x.shape[2] is not None and blocks[0] * blocks[1] != x.shape[2]:
        raise ValueError(f"keras.ops.{op}: x.shape[2] ({x.shape[2]}) must be the number of "
                         f"blocks {blocks[0]} * {blocks[1]} for output_size={out}, "
                         f"kernel_size={ks}, dilation={dil}, padding={pad}, stride={st}.")
    cols = s.reshape(s.transpose(x, [0, 2, 1]), [-1, blocks[0], blocks[1], ckk])
    y = conv2d_transpose(cols, patch_kernel(ks, c, False, x.dtype), [None] + padded + [c],
                         st, "VALID", dilations=dil)
    y = y[:, pad[0]:pad[0] + out[0], pad[1]:pad[1] + out[1]]
    return s.transpose(y, [0, 3, 1, 2])


def _block_args(op: str, x: Any, block_size: Any) -> Any:
    x = to_tensor(x)
    rank_of(op, x, (4,), "x")
    if not isinstance(block_size, int) or isinstance(block_size, bool) or block_size < 2:
        raise ValueError(f"keras.ops.{op}: block_size must be an int >= 2. Received: "
                         f"block_size={block_size!r}")
    return x


def depth_to_space(x: Any, block_size: int, data_format: str = "channels_last") -> Any:
    """Moves channel blocks into `block_size x block_size` spatial blocks: `(N, H, W, C)`
    gives `(N, H * b, W * b, C / b^2)` (TF's order).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.arange(4.0, dtype="float32").reshape(1, 1, 1, 4)
        >>> keras.ops.nn.depth_to_space(x, 2)[0, :, :, 0].numpy()
        array([[0., 1.],
               [2., 3.]], dtype=float32)
    """
    op = "depth_to_space"
    x = _block_args(op, x, block_size)
    b = block_size
    fmt = _fmt(op, data_format)
    c = x.shape[-1] if fmt == "channels_last" else x.shape[1]
    if c % (b * b):
        raise ValueError(f"keras.ops.{op}: the number of channels ({c}) must be divisible "
                         f"by block_size ** 2 = {b * b}.")
    if fmt == "channels_last":
        _, h, w, _ = x.shape
        y = s.reshape(x, [-1, h, w, b, b, c // (b * b)])
        y = s.transpose(y, [0, 1, 3, 2, 4, 5])
        return s.reshape(y, [-1, h * b, w * b, c // (b * b)])
    _, _, h, w = x.shape  # channels_first: PyTorch's pixel-shuffle order, as Keras 3
    y = s.reshape(x, [-1, c // (b * b), b, b, h, w])
    y = s.transpose(y, [0, 1, 4, 2, 5, 3])
    return s.reshape(y, [-1, c // (b * b), h * b, w * b])


def space_to_depth(x: Any, block_size: int, data_format: str = "channels_last") -> Any:
    """Moves `block_size x block_size` spatial blocks into channels: `(N, H, W, C)` gives
    `(N, H / b, W / b, C * b^2)`; channels_first uses PyTorch's pixel-unshuffle order.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.arange(4.0, dtype="float32").reshape(1, 2, 2, 1)
        >>> keras.ops.nn.space_to_depth(x, 2)[0, 0, 0].numpy()
        array([0., 1., 2., 3.], dtype=float32)
    """
    op = "space_to_depth"
    x = _block_args(op, x, block_size)
    b = block_size
    fmt = _fmt(op, data_format)
    h, w = (x.shape[1], x.shape[2]) if fmt == "channels_last" else (x.shape[2], x.shape[3])
    if h % b or w % b:
        raise ValueError(f"keras.ops.{op}: the height ({h}) and width ({w}) must be "
                         f"divisible by block_size = {b}.")
    if fmt == "channels_last":
        c = x.shape[3]
        y = s.reshape(x, [-1, h // b, b, w // b, b, c])
        y = s.transpose(y, [0, 1, 3, 2, 4, 5])
        return s.reshape(y, [-1, h // b, w // b, c * b * b])
    c = x.shape[1]  # channels_first: PyTorch's pixel-unshuffle order, as Keras 3
    y = s.reshape(x, [-1, c, h // b, b, w // b, b])
    y = s.transpose(y, [0, 1, 3, 5, 2, 4])
    return s.reshape(y, [-1, c * b * b, h // b, w // b])

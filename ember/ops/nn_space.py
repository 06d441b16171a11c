"""`tf.nn` rearrangements and channel ops: depth_to_space, space_to_depth, space_to_batch,
with_space_to_batch, crelu and local response normalization (composites).

Example:
    >>> import ember as tf
    >>> tf.nn.crelu(tf.constant([[1.0, -2.0]])).numpy()
    array([[1., 0., 0., 2.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core.errors import InvalidArgumentError, ShapeError
from ..prims.convert import as_tensor
from ..prims.nn import relu
from . import math_ops as m
from . import shape_ops as s

__all__ = ["crelu", "depth_to_space", "local_response_normalization", "lrn",
           "space_to_batch", "space_to_depth", "with_space_to_batch"]


def _block(op: str, block_size: Any) -> int:
    b = int(block_size)
    if b < 2:
        raise InvalidArgumentError(f"{op}: block_size must be at least 2, received "
                                   f"{block_size!r}.")
    return b


def _nhwc(op: str, x: Any, data_format: str) -> bool:
    if data_format not in ("NHWC", "NCHW"):
        raise InvalidArgumentError(f"{op}: data_format must be 'NHWC' or 'NCHW', received "
                                   f"{data_format!r}.")
    if x.shape.rank != 4:
        raise ShapeError(f"{op}: input must be 4-D, received shape {x.shape}.")
    return data_format == "NCHW"


def depth_to_space(input: Any, block_size: int, data_format: str = "NHWC",
                   name: str | None = None) -> Any:
    """Moves depth blocks into spatial blocks, as `tf.nn.depth_to_space`:
    `[N, H, W, C]` -> `[N, H * b, W * b, C / b**2]`.

    Example:
        >>> import ember as tf
        >>> x = tf.reshape(tf.range(4.0), (1, 1, 1, 4))
        >>> tf.nn.depth_to_space(x, 2).numpy()[0, :, :, 0]
        array([[0., 1.],
               [2., 3.]], dtype=float32)
    """
    x = as_tensor(input)
    b = _block("depth_to_space", block_size)
    first = _nhwc("depth_to_space", x, data_format)
    if first:
        x = s.transpose(x, [0, 2, 3, 1])
    n, h, w, c = x.shape
    if c is None or h is None or w is None or c % (b * b):
        raise ShapeError(f"depth_to_space: the depth {c} must be known and divisible by "
                         f"block_size**2 = {b * b}.")
    y = s.reshape(x, [-1, h, w, b, b, c // (b * b)])
    y = s.transpose(y, [0, 1, 3, 2, 4, 5])
    y = s.reshape(y, [-1, h * b, w * b, c // (b * b)])
    return s.transpose(y, [0, 3, 1, 2]) if first else y


def space_to_depth(input: Any, block_size: int, data_format: str = "NHWC",
                   name: str | None = None) -> Any:
    """Moves spatial blocks into depth, as `tf.nn.space_to_depth` (the inverse of
    depth_to_space): `[N, H, W, C]` -> `[N, H / b, W / b, C * b**2]`.

    Example:
        >>> import ember as tf
        >>> tf.nn.space_to_depth(tf.reshape(tf.range(4.0), (1, 2, 2, 1)), 2).shape
        TensorShape([1, 1, 1, 4])
    """
    x = as_tensor(input)
    b = _block("space_to_depth", block_size)
    first = _nhwc("space_to_depth", x, data_format)
    if first:
        x = s.transpose(x, [0, 2, 3, 1])
    n, h, w, c = x.shape
    if h is None or w is None or c is None or h % b or w % b:
        raise ShapeError(f"space_to_depth: height {h} and width {w} must be known and "
                         f"divisible by block_size {b}.")
    y = s.reshape(x, [-1, h // b, b, w // b, b, c])
    y = s.transpose(y, [0, 1, 3, 2, 4, 5])
    y = s.reshape(y, [-1, h // b, w // b, c * b * b])
    return s.transpose(y, [0, 3, 1, 2]) if first else y


def _ints(v: Any) -> list:
    return np.asarray(v.numpy() if hasattr(v, "numpy") else v, dtype=np.int64).tolist()


def _space_to_batch_nd(x: Any, block: list, paddings: list) -> Any:
    m_ = len(block)
    shape = list(x.shape)
    if any(d is None for d in shape[1:m_ + 1]):
        raise ShapeError(f"space_to_batch: the spatial dims must be known, received shape "
                         f"{x.shape}.")
    x = s.pad(x, [[0, 0]] + [list(p) for p in paddings] + [[0, 0]] * (len(shape) - m_ - 1))
    padded = [shape[i + 1] + paddings[i][0] + paddings[i][1] for i in range(m_)]
    for i, (p, b) in enumerate(zip(padded, block)):
        if p % b:
            raise InvalidArgumentError(f"space_to_batch: padded dim {i + 1} ({p}) must be "
                                       f"divisible by block_shape[{i}] = {b}.")
    rest = shape[m_ + 1:]
    split = [-1]
    for p, b in zip(padded, block):
        split += [p // b, b]
    y = s.reshape(x, split + rest)
    perm = [2 + 2 * i for i in range(m_)] + [0] + [1 + 2 * i for i in range(m_)]
    perm += list(range(1 + 2 * m_, 1 + 2 * m_ + len(rest)))
    y = s.transpose(y, perm)
    return s.reshape(y, [-1] + [p // b for p, b in zip(padded, block)] + rest)


def _batch_to_space_nd(x: Any, block: list, crops: list) -> Any:
    m_ = len(block)
    shape = list(x.shape)
    rest = shape[m_ + 1:]
    y = s.reshape(x, list(block) + [-1] + shape[1:m_ + 1] + rest)
    perm = [m_]
    for i in range(m_):
        perm += [m_ + 1 + i, i]
    perm += list(range(2 * m_ + 1, 2 * m_ + 1 + len(rest)))
    y = s.transpose(y, perm)
    full = [shape[i + 1] * block[i] for i in range(m_)]
    y = s.reshape(y, [-1] + full + rest)
    idx = (slice(None),) + tuple(slice(c[0], f - c[1]) for c, f in zip(crops, full))
    return y[idx + (Ellipsis,)]


def space_to_batch(input: Any, block_shape: Any, paddings: Any, name: str | None = None) -> Any:
    """Zero-pads the spatial dims and moves blocks of them into the batch, as
    `tf.nn.space_to_batch` (`space_to_batch_nd`): `input` is
    `[batch, spatial (M dims), rest...]`, `block_shape` M ints, `paddings` `[M, 2]`.

    Example:
        >>> import ember as tf
        >>> x = tf.reshape(tf.range(4.0), (1, 2, 2, 1))
        >>> tf.nn.space_to_batch(x, [2, 2], [[0, 0], [0, 0]]).numpy().ravel()
        array([0., 1., 2., 3.], dtype=float32)
    """
    x = as_tensor(input)
    block = _ints(block_shape)
    pads = _ints(paddings)
    if np.ndim(block) != 1 or np.shape(pads) != (len(block), 2) or min(block) < 1:
        raise InvalidArgumentError(f"space_to_batch: block_shape must be M >= 1 positive "
                                   f"ints and paddings [M, 2], received {block_shape!r} and "
                                   f"{paddings!r}.")
    return _space_to_batch_nd(x, block, pads)


def with_space_to_batch(input: Any, dilation_rate: Any, padding: str, op: Callable,
                        filter_shape: Any = None, spatial_dims: Any = None,
                        data_format: str | None = None) -> Any:
    """Runs `op(converted_input, num_spatial_dims, "VALID")` on the space-to-batch form
    of `input` (block `dilation_rate`) and converts back, as `tf.nn.with_space_to_batch`.

    Example:
        >>> import ember as tf
        >>> x = tf.reshape(tf.range(5.0), (1, 5, 1))
        >>> pool = lambda v, n, p: tf.nn.max_pool1d(v, 2, 1, p)
        >>> tf.nn.with_space_to_batch(x, [2], "VALID", pool).numpy().ravel()
        array([2., 3., 4.], dtype=float32)
    """
    x = as_tensor(input)
    rate = _ints(dilation_rate)
    nd = len(rate)
    padding = str(padding).upper()
    if data_format is not None and str(data_format).startswith("NC"):
        raise InvalidArgumentError("with_space_to_batch: channels-first data formats are not "
                                   "supported; transpose to channels-last first.")
    dims = _ints(spatial_dims) if spatial_dims is not None else list(range(1, nd + 1))
    if dims != list(range(1, nd + 1)):
        raise InvalidArgumentError("with_space_to_batch: spatial_dims must be 1..N (the dims "
                                   f"after the batch), received {spatial_dims!r}.")
    if all(v == 1 for v in rate):
        return op(x, nd, padding)
    if padding == "SAME":
        if filter_shape is None:
            raise InvalidArgumentError("with_space_to_batch: filter_shape is required for "
                                       "padding 'SAME'.")
        fs = _ints(filter_shape)
        base = []
        for k, d in zip(fs, rate):
            total = (k - 1) * d
            base.append([total // 2, total - total // 2])
    elif padding == "VALID":
        base = [[0, 0]] * nd
    else:
        raise InvalidArgumentError(f"with_space_to_batch: padding must be 'SAME' or 'VALID', "
                                   f"received {padding!r}.")
    pads, crops = [], []
    for i in range(nd):
        n = x.shape[dims[i]]
        full = n + base[i][0] + base[i][1]
        extra = (rate[i] - full % rate[i]) % rate[i]
        pads.append([base[i][0], base[i][1] + extra])
        crops.append([0, extra])
    y = op(_space_to_batch_nd(x, rate, pads), nd, "VALID")
    return _batch_to_space_nd(y, rate, crops)


def crelu(features: Any, axis: int = -1, name: str | None = None) -> Any:
    """Concatenated ReLU: `concat([relu(x), relu(-x)], axis)`, as `tf.nn.crelu`.

    Example:
        >>> import ember as tf
        >>> tf.nn.crelu(tf.constant([-1.0, 3.0])).numpy()
        array([0., 3., 1., 0.], dtype=float32)
    """
    x = as_tensor(features)
    return s.concat([relu(x), relu(m.negative(x))], axis)


def local_response_normalization(input: Any, depth_radius: int = 5, bias: float = 1.0,
                                 alpha: float = 1.0, beta: float = 0.5,
                                 name: str | None = None) -> Any:
    """`input / (bias + alpha * sqr_sum) ** beta` with `sqr_sum` the sum of squares over
    the last axis within `depth_radius`, as `tf.nn.local_response_normalization`.

    Example:
        >>> import ember as tf
        >>> tf.nn.lrn(tf.constant([[[[1.0, 1.0]]]]), 1, 0.0, 1.0, 1.0).numpy().ravel()
        array([0.5, 0.5], dtype=float32)
    """
    x = as_tensor(input)
    if x.shape.rank != 4:
        raise ShapeError(f"local_response_normalization: input must be 4-D, received shape "
                         f"{x.shape}.")
    rad = int(depth_radius)
    c = x.shape[3]
    if c is None:
        raise ShapeError("local_response_normalization: the depth must be known.")
    sq = m.square(x)
    padded = s.pad(sq, [[0, 0], [0, 0], [0, 0], [rad, rad]])
    total = None
    for k in range(2 * rad + 1):
        part = padded[..., k:k + c]
        total = part if total is None else m.add(total, part)
    denom = m.pow(m.add(m.multiply(total, alpha), bias), beta)
    return m.divide(x, denom)


lrn = local_response_normalization

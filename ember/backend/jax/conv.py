"""JAX kernels for 2-D convolution and pooling (NHWC), and their gradients.

The params are the NumPy kernels' (`strides=(sh, sw)`, `padding` 'SAME' / 'VALID' /
explicit `((top, bottom), (left, right))`, `dilations=(dh, dw)`, `ksize=(kh, kw)`); the
padding is made explicit once, with TF's arithmetic (SAME: the odd pad at the end), by the
NumPy backend's geometry helpers, so both backends pad alike.

- conv2d is one `lax.conv_general_dilated` (HWIO filters); its two gradients are the
  transposes of that convolution (`jax.linear_transpose`, which XLA emits as the
  input-dilated / swapped-dims convolutions cuDNN runs), each shaped by its "like" input.
- the pools are one `lax.reduce_window` (max with -inf padding; a sum divided by the
  number of unpadded elements of each window, a static array); avg_pool2d_grad is the
  transpose of that window sum.
- max_pool2d_grad routes each cotangent to the first maximum of its window in row-major
  order, as NumPy's kernel: one variadic `lax.reduce_window` over (value, position) pairs
  finds it (ties to the smaller position; nan the largest, as np.argmax; the padding never
  chosen, even over -inf), and one scatter-add routes the cotangents there.
  max_pool2d_grad_grad gathers at those same positions. (XLA's select-and-scatter, the
  VJP of a max reduce_window, pads with -inf and sends the cotangent of an all -inf
  window at the top/left border into the padding instead.)

float16 window sums accumulate in float32, as on NumPy.

Example:
    >>> import numpy as np
    >>> from ember.backend.jax.conv import KERNELS  # doctest: +SKIP
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> KERNELS["max_pool2d"](x, ksize=(2, 2), strides=(2, 2), padding="VALID")[0, :, :, 0]  # doctest: +SKIP
    Array([[ 5.,  7.],
           [13., 15.]], dtype=float64)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..numpy.conv import _counts, _geometry

_DIMS = ("NHWC", "HWIO", "NHWC")
_ONE = (1, 1)


def _window(pair: tuple) -> tuple:
    return (1, pair[0], pair[1], 1)


def _pad4(pads: tuple) -> tuple:
    return ((0, 0), tuple(pads[0]), tuple(pads[1]), (0, 0))


def _acc(dtype) -> np.dtype:
    """The accumulation dtype of window sums (float32 for float16, as NumPy's kernels)."""
    return np.dtype(np.float32) if np.dtype(dtype) == np.float16 else np.dtype(dtype)


# -- convolution -----------------------------------------------------------------------

def _conv_fn(x_shape: tuple, w_shape: tuple, strides, padding, dilations):
    """`(x, w) -> conv2d(x, w)` for these shapes, the padding made explicit."""
    pads, _ = _geometry(x_shape, w_shape[:2], strides, padding, dilations)

    def conv(x, w):
        return jax.lax.conv_general_dilated(
            x, w, window_strides=tuple(strides), padding=[tuple(p) for p in pads],
            rhs_dilation=tuple(dilations), dimension_numbers=_DIMS)
    return conv


def conv2d(x, w, strides, padding, dilations):
    x, w = jnp.asarray(x), jnp.asarray(w)
    return _conv_fn(x.shape, w.shape, strides, padding, dilations)(x, w)


def conv2d_backprop_input(dy, w, x_like, strides, padding, dilations):
    dy, w = jnp.asarray(dy), jnp.asarray(w)
    shape = tuple(np.shape(x_like))
    conv = _conv_fn(shape, w.shape, strides, padding, dilations)
    (dx,) = jax.linear_transpose(lambda x: conv(x, w),
                                 jax.ShapeDtypeStruct(shape, dy.dtype))(dy)
    return dx


def conv2d_backprop_filter(x, dy, w_like, strides, padding, dilations):
    x, dy = jnp.asarray(x), jnp.asarray(dy)
    shape = tuple(np.shape(w_like))
    conv = _conv_fn(x.shape, shape, strides, padding, dilations)
    (dw,) = jax.linear_transpose(lambda w: conv(x, w),
                                 jax.ShapeDtypeStruct(shape, x.dtype))(dy)
    return dw


# -- pooling ---------------------------------------------------------------------------

def _max_pool(x, ksize, strides, pads):
    return jax.lax.reduce_window(x, np.array(-np.inf, x.dtype), jax.lax.max,
                                 _window(ksize), _window(strides), _pad4(pads))


def max_pool2d(x, ksize, strides, padding):
    x = jnp.asarray(x)
    pads, _ = _geometry(x.shape, ksize, strides, padding, _ONE)
    return _max_pool(x, ksize, strides, pads)


def _first_max(x, ksize, strides, pads):
    """`[N, OH, OW, C]`: for each window of `x`, the flat spatial position `row * W + col`
    of the first (row-major) maximum of its unpadded elements, as NumPy's kernel (nan
    counts as the largest, as np.argmax; the padding never wins, not even over -inf)."""
    n, h, w, c = x.shape
    pos = jax.lax.broadcasted_iota(jnp.int32, x.shape, 1) * w + \
        jax.lax.broadcasted_iota(jnp.int32, x.shape, 2)

    def pick(a, b):
        (va, ia), (vb, ib) = a, b
        a_nan, b_nan = jnp.isnan(va), jnp.isnan(vb)
        larger = (va > vb) | (a_nan & ~b_nan)
        tie = (va == vb) | (a_nan & b_nan)
        # ties go to the smaller position, the first in the window's row-major order:
        # a commutative, associative choice, whatever order XLA reduces a window in
        take_a = larger | (tie & (ia < ib))
        return jnp.where(take_a, va, vb), jnp.where(take_a, ia, ib)

    init = (np.array(-np.inf, x.dtype), np.array(np.iinfo(np.int32).max, np.int32))
    _, arg = jax.lax.reduce_window((x, pos), init, pick, _window(ksize), _window(strides),
                                   _pad4(pads))
    return arg


def max_pool2d_grad(dy, x, ksize, strides, padding):
    dy, x = jnp.asarray(dy), jnp.asarray(x)
    pads, _ = _geometry(x.shape, ksize, strides, padding, _ONE)
    n, h, w, c = x.shape
    if x.size == 0 or dy.size == 0:
        return jnp.zeros(x.shape, dy.dtype)
    arg = _first_max(x, ksize, strides, pads)
    flat = (jax.lax.broadcasted_iota(jnp.int32, arg.shape, 0) * (h * w) + arg) * c + \
        jax.lax.broadcasted_iota(jnp.int32, arg.shape, 3)
    acc = np.dtype(np.float32) if np.dtype(dy.dtype).itemsize < 4 else np.dtype(dy.dtype)
    dx = jnp.zeros(n * h * w * c, acc).at[flat.reshape(-1)].add(
        dy.astype(acc).reshape(-1), mode="drop")
    return dx.reshape(x.shape).astype(dy.dtype)


def max_pool2d_grad_grad(g, x, ksize, strides, padding):
    g, x = jnp.asarray(g), jnp.asarray(x)
    pads, (oh, ow) = _geometry(x.shape, ksize, strides, padding, _ONE)
    n, h, w, c = x.shape
    if x.size == 0:
        return jnp.zeros((n, oh, ow, c), g.dtype)
    arg = _first_max(x, ksize, strides, pads).reshape(n, oh * ow, c)
    out = jnp.take_along_axis(g.reshape(n, h * w, c), arg, axis=1, mode="clip")
    return out.reshape(n, oh, ow, c)


def _window_sum(x, ksize, strides, pads):
    return jax.lax.reduce_window(x, np.array(0, x.dtype), jax.lax.add, _window(ksize),
                                 _window(strides), _pad4(pads))


def avg_pool2d(x, ksize, strides, padding):
    x = jnp.asarray(x)
    counts, pads, _ = _counts(x.shape, ksize, strides, padding)
    acc = _acc(x.dtype)
    total = _window_sum(x.astype(acc), ksize, strides, pads)
    return (total / counts.astype(acc)).astype(x.dtype)


def avg_pool2d_grad(dy, x_like, ksize, strides, padding):
    dy = jnp.asarray(dy)
    shape = tuple(np.shape(x_like))
    counts, pads, _ = _counts(shape, ksize, strides, padding)
    acc = _acc(dy.dtype)
    g = (dy / counts.astype(dy.dtype)).astype(acc)
    (dx,) = jax.linear_transpose(lambda a: _window_sum(a, ksize, strides, pads),
                                 jax.ShapeDtypeStruct(shape, acc))(g)
    return dx.astype(dy.dtype)


def max_pool2d_grad_relu(dy, y, ksize, strides, padding):
    """relu_grad(max_pool2d_grad(dy, y), y) (the NumPy executor's fusion; XLA fuses it
    itself)."""
    g = max_pool2d_grad(dy, y, ksize, strides, padding)
    return jnp.where(y > 0, g, jnp.zeros((), jnp.result_type(g)))


def bias_relu(x, b):
    y = x + b
    return jnp.maximum(y, jnp.zeros((), jnp.result_type(y)))


def conv2d_keep_cols(x, w, strides, padding, dilations):
    """(conv2d(x, w), its im2col rows [N*OH*OW, kh*kw*C]) (the NumPy executor's rewrite;
    XLA plans its own)."""
    x, w = jnp.asarray(x), jnp.asarray(w)
    kh, kw, c, _ = w.shape
    pads, (oh, ow) = _geometry(x.shape, (kh, kw), strides, padding, dilations)
    xp = jnp.pad(x, _pad4(pads))
    sh, sw = strides
    taps = [xp[:, i * dilations[0]:i * dilations[0] + sh * (oh - 1) + 1:sh,
               j * dilations[1]:j * dilations[1] + sw * (ow - 1) + 1:sw, :]
            for i in range(kh) for j in range(kw)]
    cols = jnp.stack(taps, axis=3).reshape(-1, kh * kw * c)
    return conv2d(x, w, strides, padding, dilations), cols


def conv2d_backprop_filter_cols(cols, x, dy, w_like, strides, padding, dilations):
    return conv2d_backprop_filter(x, dy, w_like, strides, padding, dilations)


def _tile_view(y, ksize, out_hw, fill):
    """y ([N, H, W, C]) cut or padded (with `fill`) to the windows that tile it, as
    [N, OH, OW, kh * kw, C] (taps row-major)."""
    (kh, kw), (oh, ow) = ksize, out_hw
    n, h, w, c = y.shape
    y = y[:, :oh * kh, :ow * kw]
    y = jnp.pad(y, ((0, 0), (0, oh * kh - y.shape[1]), (0, ow * kw - y.shape[2]), (0, 0)),
                constant_values=fill)
    y = y.reshape(n, oh, kh, ow, kw, c).transpose(0, 1, 3, 2, 4, 5)
    return y.reshape(n, oh, ow, kh * kw, c)


def bias_relu_max_pool(z, b, ksize, strides, padding):
    z = jnp.asarray(z)
    y = bias_relu(z, b)
    _, out_hw = _geometry(z.shape, ksize, strides, padding, _ONE)
    win = _tile_view(y, ksize, out_hw, -jnp.inf)
    return max_pool2d(y, ksize, strides, padding), jnp.argmax(win, axis=3).astype(jnp.uint8)


def max_pool2d_grad_relu_taps(dy, p, taps, ksize, strides, padding, input_hw):
    dy = jnp.asarray(dy)
    (kh, kw), (h, w) = ksize, input_hw
    n, oh, ow, c = dy.shape
    g = (dy + 0) * (p > 0).astype(dy.dtype)
    hit = jnp.asarray(taps)[:, :, :, None, :] == jnp.arange(kh * kw, dtype=jnp.uint8)[:, None]
    full = jnp.where(hit, g[:, :, :, None, :], jnp.zeros((), dy.dtype))
    full = full.reshape(n, oh, ow, kh, kw, c).transpose(0, 1, 3, 2, 4, 5)
    full = full.reshape(n, oh * kh, ow * kw, c)[:, :h, :w]
    return jnp.pad(full, ((0, 0), (0, h - full.shape[1]), (0, w - full.shape[2]), (0, 0)))


def max_pool2d_grad_relu_taps_db(dy, p, taps, ksize, strides, padding, input_hw):
    dx = max_pool2d_grad_relu_taps(dy, p, taps, ksize, strides, padding, input_hw)
    return dx, dx.sum(axis=(0, 1, 2))


KERNELS = {
    "conv2d": conv2d, "conv2d_backprop_input": conv2d_backprop_input,
    "conv2d_backprop_filter": conv2d_backprop_filter,
    "max_pool2d": max_pool2d, "max_pool2d_grad": max_pool2d_grad,
    "max_pool2d_grad_relu": max_pool2d_grad_relu, "bias_relu": bias_relu,
    "conv2d_keep_cols": conv2d_keep_cols, "bias_relu_max_pool": bias_relu_max_pool,
    "max_pool2d_grad_relu_taps": max_pool2d_grad_relu_taps,
    "max_pool2d_grad_relu_taps_db": max_pool2d_grad_relu_taps_db,
    "conv2d_backprop_filter_cols": conv2d_backprop_filter_cols,
    "max_pool2d_grad_grad": max_pool2d_grad_grad,
    "avg_pool2d": avg_pool2d, "avg_pool2d_grad": avg_pool2d_grad,
}

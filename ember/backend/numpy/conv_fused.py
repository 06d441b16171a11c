"""NumPy kernels of the fused primitives the executor's rewrites create
(ember/prims/fusion.py, ember/core/rewrite.py): each computes the expression of the
equations it replaces, through the compiled loops of `_conv` where they are built
(float32 / float64), else with NumPy (the same values).

- `bias_relu`: relu(x + b), b along x's last axis.
- `max_pool2d_grad_relu`: relu_grad(max_pool2d_grad(dy, y), y).
- `bias_relu_max_pool` / `max_pool2d_grad_relu_taps` (and `..._taps_db`, with the bias
  gradient): relu(z + b) max-pooled by windows that tile it, keeping the tap of each
  window's first maximum (uint8) instead of the relu's output, and its gradient.
- `conv2d_keep_cols` / `conv2d_backprop_filter_cols`: a convolution that keeps its
  im2col rows for its filter gradient, within a budget of kept bytes (`KEEP_BYTES`).

Example:
    >>> import numpy as np
    >>> from ember.backend.numpy.conv_fused import bias_relu
    >>> bias_relu(np.array([[1.0, -2.0]], np.float32), np.array([0.5, 0.5], np.float32))
    array([[1.5, 0. ]], dtype=float32)
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from . import conv as _conv
from .conv import (_ONE, _c_ok, _cols, _cols_t_dy, _contig, _geo, _geometry, _max_pool_grad_c,
                   _pad, _same_dtype, _tap_max, _via_float32, _windows, conv2d,
                   conv2d_backprop_filter, max_pool2d_grad, relu_grad)


# -- bias + relu, and the pooling gradient with relu's -----------------------------------

def bias_relu(x, b):
    """relu(x + b), b along x's last axis, in one pass (prims/fusion.py)."""
    if x.size >= 65536 and _c_ok(x, b):
        y = np.empty(x.shape, x.dtype)
        _conv._C.bias_act(_contig(x), _contig(b), y, True)
        return y
    y = x + b
    return np.maximum(y, y.dtype.type(0), out=y)


def max_pool2d_grad_relu(dy, y, ksize, strides, padding):
    """relu_grad(max_pool2d_grad(dy, y), y) in one pass (prims/fusion.py)."""
    fast = _max_pool_grad_c(dy, y, ksize, strides, padding, True)
    if fast is not None:
        return fast
    return relu_grad(max_pool2d_grad(dy, y, ksize, strides, padding), y)



# -- bias + relu + pooling, with the window taps kept ---------------------------------

def _tap_slices(h: int, w: int, ksize, out_hw):
    """Per window tap k (row-major): the slices of an [N, H, W, C] array holding tap k of
    every window that tiles it from the top left, and how many window rows / columns
    reach that tap (the last ones may stop at the border)."""
    kh, kw = ksize
    oh, ow = out_hw
    for i in range(kh):
        rows = len(range(i, min(h, oh * kh), kh))
        for j in range(kw):
            cols = len(range(j, min(w, ow * kw), kw))
            yield (i * kw + j, (slice(None), slice(i, i + kh * rows, kh),
                                slice(j, j + kw * cols, kw)), rows, cols)


def bias_relu_max_pool(z, b, ksize, strides, padding):
    """(max_pool2d(relu(z + b)), the window tap of each first maximum as uint8), for
    windows that tile z (strides == ksize, no padding before; prims/fusion.py). The
    relu's output is not kept: its gradient needs only the maxima and their taps."""
    pads, out_hw = _geometry(z.shape, ksize, strides, padding, _ONE)
    shape = (z.shape[0],) + out_hw + (z.shape[3],)
    if _c_ok(z, b):
        p, taps = np.empty(shape, z.dtype), np.empty(shape, np.uint8)
        _conv._C.bias_relu_pool(_contig(z), _contig(b), p, taps,
                          _geo(ksize, strides, _ONE, pads, out_hw))
        return p, taps
    y = bias_relu(z, b)
    p = _tap_max(_windows(_pad(y, pads, -np.inf), ksize, strides, _ONE, out_hw))
    taps = np.zeros(shape, np.uint8)
    free = np.ones(shape, bool)  # no earlier tap of the window holds its maximum
    nan = np.isnan(p)
    for k, sl, rows, cols in _tap_slices(z.shape[1], z.shape[2], ksize, out_hw):
        t = y[sl]
        hit = (t == p[:, :rows, :cols]) | (np.isnan(t) & nan[:, :rows, :cols])
        hit &= free[:, :rows, :cols]
        free[:, :rows, :cols] &= ~hit
        taps[:, :rows, :cols][hit] = k
    return p, taps


def max_pool2d_grad_relu_taps(dy, p, taps, ksize, strides, padding, input_hw):
    """The gradient w.r.t. z of bias_relu_max_pool: dy at each window's first maximum
    times (p > 0), 0 elsewhere (the values of max_pool2d_grad_relu on relu(z + b))."""
    h, w = input_hw
    shape = (dy.shape[0], h, w, dy.shape[3])
    pads, out_hw = _geometry(shape, ksize, strides, padding, _ONE)
    if _c_ok(dy, p):
        dx = np.empty(shape, dy.dtype)
        _conv._C.pool_grad_taps(_contig(dy), _contig(p), _contig(taps), dx,
                          _geo(ksize, strides, _ONE, pads, out_hw))
        return dx
    g = (dy + dy.dtype.type(0)) * (p > 0).astype(dy.dtype)
    dx = np.zeros(shape, dy.dtype)
    for k, sl, rows, cols in _tap_slices(h, w, ksize, out_hw):
        dx[sl] = np.where(taps[:, :rows, :cols] == k, g[:, :rows, :cols], dy.dtype.type(0))
    return dx


def max_pool2d_grad_relu_taps_db(dy, p, taps, ksize, strides, padding, input_hw):
    """(max_pool2d_grad_relu_taps, its sum over every axis but the channels): the gradients
    w.r.t. z and the bias of bias_relu_max_pool, in one pass (the sum is made of each
    image's sum, added up over the images)."""
    h, w = input_hw
    shape = (dy.shape[0], h, w, dy.shape[3])
    if _c_ok(dy, p):
        pads, out_hw = _geometry(shape, ksize, strides, padding, _ONE)
        dx = np.empty(shape, dy.dtype)
        sums = np.empty((dy.shape[0], dy.shape[3]), dy.dtype)
        _conv._C.pool_grad_taps(_contig(dy), _contig(p), _contig(taps), dx,
                          _geo(ksize, strides, _ONE, pads, out_hw), sums)
        return dx, sums.sum(axis=0)
    dx = max_pool2d_grad_relu_taps(dy, p, taps, ksize, strides, padding, input_hw)
    return dx, dx.reshape(dx.shape[0], -1, dx.shape[3]).sum(axis=1).sum(axis=0)


# -- a convolution's rows kept for its filter gradient ----------------------------------

KEEP_BYTES = 256 << 20  # the most bytes of kept im2col rows alive at once, all plans
_kept = [0]  # bytes kept now (a budget, updated as kept rows are freed)
_kept_lock = threading.Lock()


def _released(nbytes: int) -> None:
    with _kept_lock:
        _kept[0] -= nbytes


def _keep(cols: np.ndarray, x: np.ndarray):
    """`cols` if keeping them fits the budget (they are then counted until freed), else
    None: the filter gradient makes them again. Rows that are x itself (a 1x1
    convolution) cost nothing to keep."""
    if np.shares_memory(cols, x):
        return cols
    with _kept_lock:
        if _kept[0] + cols.nbytes > KEEP_BYTES:
            return None
        _kept[0] += cols.nbytes
    weakref.finalize(cols, _released, cols.nbytes)
    return cols


def conv2d_keep_cols(x, w, strides, padding, dilations):
    """(conv2d(x, w), its im2col rows or None)."""
    kh, kw, c, o = w.shape
    cols, _, (oh, ow) = _cols(x, (kh, kw), strides, padding, dilations)
    if x.dtype.itemsize < 4:  # half floats: the sums in float32 (conv2d)
        cols = np.ascontiguousarray(cols)
        return conv2d(x, w, strides, padding, dilations), _keep(cols, x)
    y = _same_dtype(_conv._mm(cols, _contig(w).reshape(kh * kw * c, o)), x)
    y = y.reshape(x.shape[0], oh, ow, o)
    return y, _keep(cols, x)


def conv2d_backprop_filter_cols(cols, x, dy, w_like, strides, padding, dilations):
    """conv2d_backprop_filter(x, dy, w_like) from the forward's rows (None: anew)."""
    if cols is None or x.dtype.itemsize < 4:  # none kept, or half floats (float32 sums)
        return conv2d_backprop_filter(x, dy, w_like, strides, padding, dilations)
    kh, kw, c, o = w_like.shape
    return _same_dtype(_cols_t_dy(cols, dy, o), dy).reshape(kh, kw, c, o)


max_pool2d_grad_relu = _via_float32(max_pool2d_grad_relu)

KERNELS = {
    "bias_relu": bias_relu, "max_pool2d_grad_relu": max_pool2d_grad_relu,
    "bias_relu_max_pool": bias_relu_max_pool,
    "max_pool2d_grad_relu_taps": max_pool2d_grad_relu_taps,
    "max_pool2d_grad_relu_taps_db": max_pool2d_grad_relu_taps_db,
    "conv2d_keep_cols": conv2d_keep_cols,
    "conv2d_backprop_filter_cols": conv2d_backprop_filter_cols,
}

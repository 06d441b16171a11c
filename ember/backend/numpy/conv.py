"""NumPy kernels for 2-D convolution and pooling (NHWC), and their gradients.

Every kernel takes NumPy arrays and the static params `strides=(sh, sw)`,
`padding` ('SAME', 'VALID' or explicit `((top, bottom), (left, right))`) and, for the
convolutions, `dilations=(dh, dw)`; pooling takes `ksize=(kh, kw)`.

The forward convolution is im2col: a strided view of the (padded) input holding every
window, `[N, OH, OW, kh, kw, C]`, reshaped to rows and multiplied by the filters as one
`[kh*kw*C, O]` matrix. The gradients are the same two pieces the other way round:
w.r.t. the filters `cols^T @ dy`, w.r.t. the input `dy @ W^T` scattered back (col2im:
one strided add per filter tap).

Where ember's C extension `_conv` is built (`pip install` builds it when a C compiler is
present), the memory-bound loops run there instead, on every core: im2col, col2im, max
and average pooling and their gradients, relu's gradient, the depthwise convolution
(depthwise.py) and the fused kernels (conv_fused.py) (float32 and float64; other dtypes
take the NumPy path). `use_compiled(False)` or EMBER_NO_C_KERNELS=1 turns them off; both
paths give the same values (the tests run both).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import compiled

_compiled = compiled.load("_conv")  # the optional compiled loops (see _conv.c), or None
_C = _compiled  # what the kernels call now (None: the NumPy code)
compiled_available, use_compiled = compiled.switch(globals(), "conv")
_POOL_GEMM = _compiled is not None and compiled.hand_blas(_compiled)


def _mm(a: np.ndarray, b: np.ndarray, ta: bool = False, tb: bool = False) -> np.ndarray:
    """op(a) @ op(b) of 2-D arrays (`a.T` when ta, `b.T` when tb): on the compiled loops'
    threads, one single-threaded BLAS call per block of rows, where NumPy's OpenBLAS was
    handed to them (`compiled.hand_blas`; the BLAS's own threads then stay asleep instead
    of spinning between products), else np.matmul (the same BLAS, the same values)."""
    m = a.shape[1] if ta else a.shape[0]
    n = b.shape[0] if tb else b.shape[1]
    if (_POOL_GEMM and _C is not None and a.dtype == b.dtype and a.dtype.char in "fd"
            and a.flags.c_contiguous and b.flags.c_contiguous):
        out = np.empty((m, n), a.dtype)
        _C.gemm(a, b, out, ta, tb)
        return out
    return np.matmul(a.T if ta else a, b.T if tb else b)


def _c_ok(*arrays) -> bool:
    """Whether the compiled loops take these arrays (float32/float64, one dtype)."""
    return _C is not None and arrays[0].dtype.char in "fd" and all(
        a.dtype == arrays[0].dtype for a in arrays)


def _contig(a: np.ndarray) -> np.ndarray:
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def _geo(ksize, strides, dilations, pads, out_hw) -> tuple:
    """The geometry tuple of the compiled loops."""
    return (ksize[0], ksize[1], strides[0], strides[1], dilations[0], dilations[1],
            pads[0][0], pads[1][0], out_hw[0], out_hw[1])


def _pads(n: int, k: int, s: int, d: int, padding) -> tuple:
    """(pad_before, pad_after, out_size) along one spatial axis, as TF: SAME gives
    ceil(n / s) outputs and puts the odd pad at the end."""
    dk = (k - 1) * d + 1
    if padding == "SAME":
        out = -(-n // s)
        total = max((out - 1) * s + dk - n, 0)
        return total // 2, total - total // 2, out
    before, after = (0, 0) if padding == "VALID" else padding
    out = (n + before + after - dk) // s + 1
    if out <= 0:
        raise ValueError(f"the window (size {k}, dilation {d}, {dk} effective) is larger "
                         f"than the padded input ({n + before + after})")
    return before, after, out


def _geometry(shape: tuple, ksize: tuple, strides: tuple, padding, dilations: tuple) -> tuple:
    """((pt, pb), (pl, pr)), (OH, OW) for an NHWC `shape`."""
    explicit = (padding, padding) if isinstance(padding, str) else padding
    ph = _pads(shape[1], ksize[0], strides[0], dilations[0], explicit[0])
    pw = _pads(shape[2], ksize[1], strides[1], dilations[1], explicit[1])
    return ((ph[0], ph[1]), (pw[0], pw[1])), (ph[2], pw[2])


def _pad(x: np.ndarray, pads: tuple, value=0) -> np.ndarray:
    if pads == ((0, 0), (0, 0)):
        return x
    return np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=value)


def _crop(xp: np.ndarray, pads: tuple, shape: tuple) -> np.ndarray:
    (pt, _), (pl, _) = pads
    return xp[:, pt:pt + shape[1], pl:pl + shape[2], :]


def _windows(xp: np.ndarray, ksize: tuple, strides: tuple, dilations: tuple,
             out_hw: tuple) -> np.ndarray:
    """The read-only view `[N, OH, OW, kh, kw, C]` of every window of the padded input."""
    sn, sh, sw, sc = xp.strides
    shape = (xp.shape[0], out_hw[0], out_hw[1], ksize[0], ksize[1], xp.shape[3])
    st = (sn, sh * strides[0], sw * strides[1], sh * dilations[0], sw * dilations[1], sc)
    return as_strided(xp, shape, st, writeable=False)


def _cols(x: np.ndarray, ksize: tuple, strides: tuple, padding, dilations: tuple):
    """(im2col rows `[N*OH*OW, kh*kw*C]`, pads, (OH, OW))."""
    pads, out_hw = _geometry(x.shape, ksize, strides, padding, dilations)
    if (ksize == (1, 1) and strides == (1, 1) and pads == ((0, 0), (0, 0))
            and x.flags.c_contiguous):
        return x.reshape(-1, x.shape[3]), pads, out_hw  # a 1x1 convolution: x itself
    if _c_ok(x):
        n, c = x.shape[0], x.shape[3]
        cols = np.empty((n * out_hw[0] * out_hw[1], ksize[0] * ksize[1] * c), x.dtype)
        _C.im2col(_contig(x), cols, _geo(ksize, strides, dilations, pads, out_hw))
        return cols, pads, out_hw
    win = _windows(_pad(x, pads), ksize, strides, dilations, out_hw)
    return win.reshape(-1, ksize[0] * ksize[1] * x.shape[3]), pads, out_hw


def _col2im(cols: np.ndarray, shape: tuple, ksize: tuple, strides: tuple, pads: tuple,
            dilations: tuple, out_hw: tuple) -> np.ndarray:
    """The adjoint of `_windows`: sums `cols [N, OH, OW, kh, kw, C]` back into an input of
    `shape` (one strided add per tap)."""
    n, h, w, c = shape
    (pt, pb), (pl, pr) = pads
    acc = np.float32 if cols.dtype == np.float16 else cols.dtype
    xp = np.zeros((n, h + pt + pb, w + pl + pr, c), acc)
    oh, ow = out_hw
    sh, sw = strides
    for i in range(ksize[0]):
        r0 = i * dilations[0]
        for j in range(ksize[1]):
            c0 = j * dilations[1]
            xp[:, r0:r0 + sh * (oh - 1) + 1:sh, c0:c0 + sw * (ow - 1) + 1:sw, :] += \
                cols[:, :, :, i, j, :]
    return _crop(xp, pads, shape).astype(cols.dtype, copy=False)


# -- convolution -----------------------------------------------------------------------

def _via_float32(kernel):
    """The kernel for half floats (float16, bfloat16): its array inputs in float32, its
    result rounded back once. The sums of a convolution or a pooling gradient then
    accumulate in float32, as TF's CPU kernels do, and run on the float32 loops (NumPy's
    float16 matmul has no BLAS)."""
    def run(*args, **params):
        half = args[0].dtype
        if not (half.itemsize == 2 and (half.kind == "f" or half.name == "bfloat16")):
            return kernel(*args, **params)
        up = [a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype == half else a
              for a in args]
        return kernel(*up, **params).astype(half)
    run.__name__ = run.__qualname__ = kernel.__name__
    run.__doc__ = kernel.__doc__
    run.__wrapped__ = kernel
    return run


def _same_dtype(y: np.ndarray, like: np.ndarray) -> np.ndarray:
    """`y` in `like`'s dtype: `@` on bfloat16 (ml_dtypes) computes in float32."""
    return y if y.dtype == like.dtype else y.astype(like.dtype)


def conv2d(x, w, strides, padding, dilations):
    kh, kw, c, o = w.shape
    cols, _, (oh, ow) = _cols(x, (kh, kw), strides, padding, dilations)
    y = _mm(cols, _contig(w).reshape(kh * kw * c, o))
    return _same_dtype(y, x).reshape(x.shape[0], oh, ow, o)


def conv2d_backprop_input(dy, w, x_like, strides, padding, dilations):
    kh, kw, c, o = w.shape
    pads, (oh, ow) = _geometry(x_like.shape, (kh, kw), strides, padding, dilations)
    if _c_ok(dy, w) and kh * kw > 1:
        # one GEMM for every tap's columns, then the compiled col2im (parallel by image)
        dcols = _mm(_contig(dy).reshape(-1, o), _contig(w).reshape(kh * kw * c, o), tb=True)
        dx = np.empty(x_like.shape, dy.dtype)
        _C.col2im(dcols, dx, _geo((kh, kw), strides, dilations, pads, (oh, ow)))
        return dx
    if dy.dtype not in (np.float32, np.float64) or kh * kw == 1:
        dcols = _same_dtype(dy.reshape(-1, o) @ w.reshape(kh * kw * c, o).T, dy)
        dcols = dcols.reshape(dy.shape[0], oh, ow, kh, kw, c)
        return _col2im(dcols, x_like.shape, (kh, kw), strides, pads, dilations, (oh, ow))
    # NOTE: one GEMM per kernel tap, each giving a contiguous [N, OH, OW, C] block added
    # at the tap's offset (~1.2x faster than one GEMM whose per-tap columns are then read
    # back strided by col2im)
    n, h, wd, _ = x_like.shape
    (pt, pb), (pl, pr) = pads
    sh, sw = strides
    xp = np.zeros((n, h + pt + pb, wd + pl + pr, c), dy.dtype)
    d2 = dy.reshape(-1, o)
    for i in range(kh):
        r0 = i * dilations[0]
        for j in range(kw):
            c0 = j * dilations[1]
            xp[:, r0:r0 + sh * (oh - 1) + 1:sh, c0:c0 + sw * (ow - 1) + 1:sw, :] += \
                (d2 @ w[i, j].T).reshape(n, oh, ow, c)
    return _crop(xp, pads, x_like.shape)


def _cols_t_dy(cols: np.ndarray, dy: np.ndarray, o: int) -> np.ndarray:
    """cols^T @ dy ([K, M] @ [M, O]): a filter's gradient. For a short K (few input
    channels) and many rows, BLAS is slow at one [K, M] @ [M, O] product (~35 GFLOP/s
    here): it is then a batch of 32 products over blocks of rows, summed (~1.7x faster)."""
    d2 = dy.reshape(-1, o)
    m, k = cols.shape
    if k <= 32 and m >= 32 * 1024 and m % 32 == 0 and cols.dtype.char in "fd":
        parts = np.matmul(cols.reshape(32, m // 32, k).transpose(0, 2, 1),
                          d2.reshape(32, m // 32, o))
        return parts.sum(axis=0)
    return _mm(cols, _contig(d2), ta=True)


def conv2d_backprop_filter(x, dy, w_like, strides, padding, dilations):
    kh, kw, c, o = w_like.shape
    cols, _, _ = _cols(x, (kh, kw), strides, padding, dilations)
    return _same_dtype(_cols_t_dy(cols, dy, o), dy).reshape(kh, kw, c, o)


# -- pooling ---------------------------------------------------------------------------

_ONE = (1, 1)


def _tap_max(win):
    """The maximum over the window axes (3, 4) of `_windows`' view, as a chain of
    np.maximum over the taps (~2.5x faster than a reduction over the strided view;
    nan propagates the same)."""
    kh, kw = win.shape[3], win.shape[4]
    y = win[:, :, :, 0, 0, :].copy()
    for i in range(kh):
        for j in range(kw):
            if i or j:
                np.maximum(y, win[:, :, :, i, j, :], out=y)
    return y


def max_pool2d(x, ksize, strides, padding):
    pads, out_hw = _geometry(x.shape, ksize, strides, padding, _ONE)
    if _c_ok(x):
        y = np.empty((x.shape[0],) + out_hw + (x.shape[3],), x.dtype)
        _C.max_pool(_contig(x), y, _geo(ksize, strides, _ONE, pads, out_hw))
        return y
    xp = _pad(x, pads, -np.inf)
    return _tap_max(_windows(xp, ksize, strides, _ONE, out_hw))


def _argmax_flat(x, ksize, strides, padding):
    """For each output of max_pool2d, the flat index into the padded input of its first
    maximum (row-major order within the window, as TF), and the padded shape."""
    pads, (oh, ow) = _geometry(x.shape, ksize, strides, padding, _ONE)
    xp = _pad(x, pads, -np.inf)
    n, hp, wp, c = xp.shape
    kh, kw = ksize
    win = _windows(xp, ksize, strides, _ONE, (oh, ow)).reshape(n, oh, ow, kh * kw, c)
    arg = win.argmax(axis=3)  # [N, OH, OW, C]: the first maximum
    top = np.arange(oh).reshape(1, oh, 1, 1) * strides[0]
    left = np.arange(ow).reshape(1, 1, ow, 1) * strides[1]
    rows, cols = top + arg // kw, left + arg % kw
    (pt, _), (pl, _) = pads
    pad = (rows < pt) | (rows >= pt + x.shape[1]) | (cols < pl) | (cols >= pl + x.shape[2])
    if pad.any():
        # NOTE: a window whose elements are all -inf ties with its -inf padding, which
        # comes first at the top/left border: its first element gets the gradient (TF).
        rows = np.where(pad, np.maximum(top, pt), rows)
        cols = np.where(pad, np.maximum(left, pl), cols)
    flat = ((np.arange(n).reshape(n, 1, 1, 1) * hp + rows) * wp + cols) * c + \
        np.arange(c).reshape(1, 1, 1, c)
    return flat, pads, xp.shape


def _max_pool_grad_by_taps(dy, x, ksize, strides, padding):
    """max_pool2d's gradient tap by tap: each of the kh*kw window taps gets `dy` where it
    holds the window's maximum and no earlier tap (row-major) did, TF's first-maximum rule,
    as one vectorized compare per tap (no argmax, index arrays or bincount: ~5x faster).
    None when a window's maximum is nan or -inf (the tie rules there: `_argmax_flat`)."""
    pads, (oh, ow) = _geometry(x.shape, ksize, strides, padding, _ONE)
    xp = _pad(x, pads, -np.inf)
    win = _windows(xp, ksize, strides, _ONE, (oh, ow))
    kh, kw = ksize
    sh, sw = strides
    taps = [win[:, :, :, i, j, :] for i in range(kh) for j in range(kw)]
    y = _tap_max(win)
    if not np.isfinite(y).all() and (np.isnan(y).any() or np.isneginf(y).any()):
        return None
    free = np.ones(y.shape, dtype=bool)  # no earlier tap of the window holds its maximum
    hit = np.empty(y.shape, dtype=bool)
    n, _, _, c = y.shape
    if (sh, sw) == (kh, kw):
        # windows tile the input: each tap's gradient is written whole, then one
        # transpose lays them out (scattered strided writes are ~5x slower)
        per_tap = np.empty((kh, kw) + y.shape, dtype=dy.dtype)
        finite = bool(np.isfinite(dy).all())
        for k, t in enumerate(taps):
            np.equal(t, y, out=hit)
            hit &= free
            free ^= hit
            dst = per_tap[k // kw, k % kw]
            if finite:
                np.multiply(dy, hit, out=dst)
            else:  # dy * hit would spread a nan / inf dy to the window's other inputs
                dst.fill(0)
                np.copyto(dst, dy, where=hit)
        tiled = per_tap.transpose(2, 3, 0, 4, 1, 5).reshape(n, oh * kh, ow * kw, c)
        if tiled.shape == xp.shape:
            return _crop(tiled, pads, x.shape)
        dxp = np.zeros(xp.shape, dtype=dy.dtype)
        dxp[:, :oh * kh, :ow * kw, :] = tiled
        return _crop(dxp, pads, x.shape)
    dxp = np.zeros(xp.shape, dtype=dy.dtype)
    for k, t in enumerate(taps):
        i, j = divmod(k, kw)
        np.equal(t, y, out=hit)
        hit &= free
        free ^= hit
        dxp[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw, :] += \
            np.where(hit, dy, dy.dtype.type(0))
    return _crop(dxp, pads, x.shape)


def _max_pool_grad_c(dy, x, ksize, strides, padding, relu: bool):
    """The compiled max-pool gradient (relu: times (x > 0)), or None where it can't run."""
    if not _c_ok(dy, x):
        return None
    pads, out_hw = _geometry(x.shape, ksize, strides, padding, _ONE)
    dx = np.empty(x.shape, dy.dtype)
    _C.max_pool_grad(_contig(dy), _contig(x), dx, _geo(ksize, strides, _ONE, pads, out_hw),
                     relu)
    return dx


def max_pool2d_grad(dy, x, ksize, strides, padding):
    fast = _max_pool_grad_c(dy, x, ksize, strides, padding, False)
    if fast is not None:
        return fast
    g = dy.astype(np.float32) if dy.dtype == np.float16 else dy  # sums of half floats
    fast = _max_pool_grad_by_taps(g, x, ksize, strides, padding)
    if fast is not None:
        return fast.astype(dy.dtype, copy=False)
    flat, pads, pshape = _argmax_flat(x, ksize, strides, padding)
    size = int(np.prod(pshape))
    dxp = np.bincount(flat.ravel(), weights=dy.ravel(), minlength=size).reshape(pshape)
    return _crop(dxp, pads, x.shape).astype(dy.dtype)


def relu_grad(g, y):
    """g * (y > 0); compiled for large float arrays (the relu kernel's gradient)."""
    if g.size >= 65536 and g.shape == y.shape and _c_ok(g, y):
        out = np.empty(g.shape, g.dtype)
        _C.relu_grad(_contig(g), _contig(y), out)
        return out
    # NOTE: a multiply by the mask, not np.where: where's per-element branch is ~10x slower
    # on the random masks of a ReLU layer. (NaN in g where y <= 0 stays NaN, as in TF's
    # ReluGrad, which multiplies too.)
    return np.multiply(g, y > 0, dtype=g.dtype)


def max_pool2d_grad_grad(g, x, ksize, strides, padding):
    flat, pads, _ = _argmax_flat(x, ksize, strides, padding)
    return _pad(g, pads).reshape(-1)[flat]


def _counts(shape, ksize, strides, padding):
    """`[OH, OW, 1]`: how many input elements (not padding) each window covers."""
    pads, (oh, ow) = _geometry(shape, ksize, strides, padding, _ONE)
    per_axis = []
    for n, k, s, (before, _), o in ((shape[1], ksize[0], strides[0], pads[0], oh),
                                    (shape[2], ksize[1], strides[1], pads[1], ow)):
        start = np.arange(o) * s - before
        per_axis.append(np.minimum(start + k, n) - np.maximum(start, 0))
    return (per_axis[0][:, None] * per_axis[1][None, :])[:, :, None], pads, (oh, ow)


def avg_pool2d(x, ksize, strides, padding):
    if _c_ok(x):
        pads, out_hw = _geometry(x.shape, ksize, strides, padding, _ONE)
        y = np.empty((x.shape[0],) + out_hw + (x.shape[3],), x.dtype)
        _C.avg_pool(_contig(x), y, _geo(ksize, strides, _ONE, pads, out_hw), False)
        return y
    counts, pads, out_hw = _counts(x.shape, ksize, strides, padding)
    acc = np.float32 if x.dtype == np.float16 else x.dtype
    win = _windows(_pad(x, pads), ksize, strides, _ONE, out_hw)
    total = win.sum(axis=(3, 4), dtype=acc)
    return (total / counts.astype(acc)).astype(x.dtype, copy=False)


def avg_pool2d_grad(dy, x_like, ksize, strides, padding):
    if _c_ok(dy):
        pads, out_hw = _geometry(x_like.shape, ksize, strides, padding, _ONE)
        dx = np.empty(x_like.shape, dy.dtype)
        _C.avg_pool(_contig(dy), dx, _geo(ksize, strides, _ONE, pads, out_hw), True)
        return dx
    counts, pads, out_hw = _counts(x_like.shape, ksize, strides, padding)
    g = dy / counts.astype(dy.dtype)
    cols = np.broadcast_to(g[:, :, :, None, None, :],
                           g.shape[:3] + tuple(ksize) + g.shape[3:])
    return _col2im(cols, x_like.shape, ksize, strides, pads, _ONE, out_hw)


conv2d = _via_float32(conv2d)
conv2d_backprop_input = _via_float32(conv2d_backprop_input)
conv2d_backprop_filter = _via_float32(conv2d_backprop_filter)
max_pool2d_grad = _via_float32(max_pool2d_grad)
avg_pool2d = _via_float32(avg_pool2d)
avg_pool2d_grad = _via_float32(avg_pool2d_grad)

KERNELS = {
    "conv2d": conv2d, "conv2d_backprop_input": conv2d_backprop_input,
    "conv2d_backprop_filter": conv2d_backprop_filter,
    "max_pool2d": max_pool2d, "max_pool2d_grad": max_pool2d_grad,
    "max_pool2d_grad_grad": max_pool2d_grad_grad,
    "avg_pool2d": avg_pool2d, "avg_pool2d_grad": avg_pool2d_grad,
}

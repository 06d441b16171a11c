"""Specs of the convolution and pooling primitives (ember/prims/conv.py).

The references are plain loops over output positions and filter taps, with TF's padding
arithmetic written out again here (SAME: ceil(n / s) outputs, the odd pad at the end);
pooling looks only at the valid (unpadded) elements of each window.
"""

from __future__ import annotations

import numpy as np


from . import NO_NAN, Case, rng, varying

R = rng(11)


def tf_pads(n, k, s, d, padding):
    """(before, after, out) along one axis, as TF documents it."""
    eff = (k - 1) * d + 1
    if padding == "SAME":
        out = (n + s - 1) // s
        total = max((out - 1) * s + eff - n, 0)
        return total // 2, total - total // 2, out
    if padding == "VALID":
        return 0, 0, (n - eff) // s + 1
    before, after = padding
    return before, after, (n + before + after - eff) // s + 1


def _axes(shape, k, strides, padding, dilations=(1, 1)):
    p = (padding, padding) if isinstance(padding, str) else padding
    return (tf_pads(shape[1], k[0], strides[0], dilations[0], p[0]),
            tf_pads(shape[2], k[1], strides[1], dilations[1], p[1]))


def _taps(shape, k, strides, padding, dilations=(1, 1)):
    """Yields (oh, ow, i, j, r, c): output position, tap, input row/col (may be outside)."""
    (pt, _, oh), (pl, _, ow) = _axes(shape, k, strides, padding, dilations)
    for a in range(oh):
        for b in range(ow):
            for i in range(k[0]):
                for j in range(k[1]):
                    yield (a, b, i, j, a * strides[0] + i * dilations[0] - pt,
                           b * strides[1] + j * dilations[1] - pl)


def _inside(shape, r, c):
    return 0 <= r < shape[1] and 0 <= c < shape[2]


def _at(x, r, c):
    """x[:, r, c, :] in float64, zeros outside: the padding is multiplied in too, as TF's
    float64 kernels do (so 0 * inf = nan reaches the outputs next to the border)."""
    if _inside(x.shape, r, c):
        return x[:, r, c, :].astype(np.float64)
    return np.zeros((x.shape[0], x.shape[3]))


def ref_conv2d(x, w, strides, padding, dilations):
    (_, _, oh), (_, _, ow) = _axes(x.shape, w.shape[:2], strides, padding, dilations)
    y = np.zeros((x.shape[0], oh, ow, w.shape[3]))
    for a, b, i, j, r, c in _taps(x.shape, w.shape[:2], strides, padding, dilations):
        y[:, a, b, :] += _at(x, r, c) @ w[i, j]
    return y.astype(x.dtype)


def ref_backprop_input(g, w, x, strides, padding, dilations):
    dx = np.zeros(x.shape)
    for a, b, i, j, r, c in _taps(x.shape, w.shape[:2], strides, padding, dilations):
        if _inside(x.shape, r, c):
            dx[:, r, c, :] += g[:, a, b, :].astype(np.float64) @ w[i, j].T
    return dx.astype(g.dtype)


def ref_keep_cols(x, w, strides, padding, dilations):
    """(conv2d, the im2col rows [N*OH*OW, kh*kw*C]: window taps row-major, then channels;
    zeros in the padding)."""
    (_, _, oh), (_, _, ow) = _axes(x.shape, w.shape[:2], strides, padding, dilations)
    kh, kw = w.shape[:2]
    cols = np.zeros((x.shape[0], oh, ow, kh, kw, x.shape[3]), x.dtype)
    for a, b, i, j, r, c in _taps(x.shape, w.shape[:2], strides, padding, dilations):
        if _inside(x.shape, r, c):
            cols[:, a, b, i, j, :] = x[:, r, c, :]
    return ref_conv2d(x, w, strides, padding, dilations), cols.reshape(-1, kh * kw * x.shape[3])


def ref_backprop_filter_cols(cols, x, g, w, strides, padding, dilations):
    return ref_backprop_filter(x, g, w, strides, padding, dilations)


def ref_backprop_filter(x, g, w, strides, padding, dilations):
    dw = np.zeros(w.shape)
    for a, b, i, j, r, c in _taps(x.shape, w.shape[:2], strides, padding, dilations):
        dw[i, j] += _at(x, r, c).T @ g[:, a, b, :]
    return dw.astype(x.dtype)


def _windows(x, ksize, strides, padding):
    """{(oh, ow): [(r, c), ...]} the valid input positions of each window, row-major."""
    out: dict = {}
    for a, b, i, j, r, c in _taps(x.shape, ksize, strides, padding):
        out.setdefault((a, b), [])
        if _inside(x.shape, r, c):
            out[(a, b)].append((r, c))
    return out


def _out_shape(x, ksize, strides, padding):
    (_, _, oh), (_, _, ow) = _axes(x.shape, ksize, strides, padding)
    return (x.shape[0], oh, ow, x.shape[3])


def ref_max_pool(x, ksize, strides, padding):
    y = np.zeros(_out_shape(x, ksize, strides, padding), x.dtype)
    for (a, b), pos in _windows(x, ksize, strides, padding).items():
        y[:, a, b, :] = np.max([x[:, r, c, :] for r, c in pos], axis=0)
    return y


def _first_max(x, pos):
    """[N, C] index into `pos` of each (batch, channel)'s first maximum."""
    vals = np.stack([x[:, r, c, :] for r, c in pos])  # [P, N, C]
    return np.argmax(vals, axis=0)


def ref_max_pool_grad(g, x, ksize, strides, padding):
    dx = np.zeros(x.shape)
    n_idx, c_idx = np.indices((x.shape[0], x.shape[3]))
    for (a, b), pos in _windows(x, ksize, strides, padding).items():
        k = _first_max(x, pos)
        rows = np.array([p[0] for p in pos])[k]
        cols = np.array([p[1] for p in pos])[k]
        np.add.at(dx, (n_idx, rows, cols, c_idx), g[:, a, b, :])
    return dx.astype(g.dtype)


def ref_max_pool_grad_relu(g, y, ksize, strides, padding):
    """The fused pool-gradient-then-relu-gradient: relu_grad(max_pool2d_grad(g, y), y)."""
    return (ref_max_pool_grad(g, y, ksize, strides, padding) * (y > 0)).astype(g.dtype)


def ref_max_pool_grad_grad(gg, x, ksize, strides, padding):
    y = np.zeros(_out_shape(x, ksize, strides, padding), gg.dtype)
    n_idx, c_idx = np.indices((x.shape[0], x.shape[3]))
    for (a, b), pos in _windows(x, ksize, strides, padding).items():
        k = _first_max(x, pos)
        rows = np.array([p[0] for p in pos])[k]
        cols = np.array([p[1] for p in pos])[k]
        y[:, a, b, :] = gg[n_idx, rows, cols, c_idx]
    return y


def ref_avg_pool(x, ksize, strides, padding):
    y = np.zeros(_out_shape(x, ksize, strides, padding))
    for (a, b), pos in _windows(x, ksize, strides, padding).items():
        y[:, a, b, :] = np.mean([x[:, r, c, :].astype(np.float64) for r, c in pos], axis=0)
    return y.astype(x.dtype)


def ref_avg_pool_grad(g, x, ksize, strides, padding):
    dx = np.zeros(x.shape)
    for (a, b), pos in _windows(x, ksize, strides, padding).items():
        for r, c in pos:
            dx[:, r, c, :] += g[:, a, b, :] / len(pos)
    return dx.astype(g.dtype)


# -- cases -----------------------------------------------------------------------------

X = R.standard_normal((2, 5, 6, 3))
W = R.standard_normal((3, 2, 3, 4))
CONV_PARAMS = [
    {"strides": (1, 1), "padding": "SAME", "dilations": (1, 1)},
    {"strides": (2, 2), "padding": "VALID", "dilations": (1, 1)},
    {"strides": (2, 1), "padding": "SAME", "dilations": (2, 2)},
    {"strides": (1, 2), "padding": ((1, 0), (2, 1)), "dilations": (1, 1)},
]


def ref_bias_relu_max_pool(z, b, ksize, strides, padding):
    """(max pool of relu(z + b), the row-major tap of each window's first maximum)."""
    y = np.maximum(z + b, 0).astype(z.dtype)
    p = ref_max_pool(y, ksize, strides, padding)
    taps = np.zeros(p.shape, np.uint8)
    kh, kw = ksize
    for n in range(p.shape[0]):
        for a in range(p.shape[1]):
            for c in range(p.shape[2]):
                for ch in range(p.shape[3]):
                    for t in range(kh * kw):
                        r, q = a * kh + t // kw, c * kw + t % kw
                        if r < y.shape[1] and q < y.shape[2] and y[n, r, q, ch] == p[n, a, c, ch]:
                            taps[n, a, c, ch] = t
                            break
    return p, taps


def ref_grad_taps(dy, p, taps, ksize, strides, padding, input_hw):
    kh, kw = ksize
    dx = np.zeros((dy.shape[0],) + tuple(input_hw) + (dy.shape[3],), dy.dtype)
    for idx in np.ndindex(*dy.shape):
        n, a, c, ch = idx
        t = int(taps[idx])
        r, q = a * kh + t // kw, c * kw + t % kw
        if r < input_hw[0] and q < input_hw[1]:
            dx[n, r, q, ch] = dy[idx] * (p[idx] > 0)
    return dx


def ref_grad_taps_db(dy, p, taps, ksize, strides, padding, input_hw):
    dx = ref_grad_taps(dy, p, taps, ksize, strides, padding, input_hw)
    return dx, dx.sum(axis=(0, 1, 2)).astype(dy.dtype)


def _pool_taps_cases():
    """The executor's bias + relu + pooling fusion (prims/fusion.py), windows that tile."""
    fwd, bwd = [], []
    for p in ({"ksize": (2, 2), "strides": (2, 2), "padding": "VALID"},
              {"ksize": (2, 2), "strides": (2, 2), "padding": "SAME"},
              {"ksize": (3, 2), "strides": (3, 2), "padding": "VALID"}):
        b = R.standard_normal(3) * 0.5
        fwd.append(Case((XP, b), ref_bias_relu_max_pool, dict(p), diff_args=(0, 1)))
        pooled, taps = ref_bias_relu_max_pool(XP, b, **p)
        g = R.standard_normal(pooled.shape)
        bwd.append(Case((g, pooled, taps), ref_grad_taps, dict(p, input_hw=XP.shape[1:3]),
                        diff_args=(0,)))
    z0 = XP[:0]  # an empty batch
    pooled, taps = ref_bias_relu_max_pool(z0, b, **p)
    fwd.append(Case((z0, b), ref_bias_relu_max_pool, dict(p)))
    bwd.append(Case((pooled, pooled, taps), ref_grad_taps, dict(p, input_hw=XP.shape[1:3])))
    with_db = [Case(c.args, ref_grad_taps_db, dict(c.params), diff_args=c.diff_args)
               for c in bwd]
    return {"bias_relu_max_pool": varying(fwd, vary="none", specials=NO_NAN),
            "max_pool2d_grad_relu_taps": varying(bwd, vary="none", specials=NO_NAN),
            "max_pool2d_grad_relu_taps_db": varying(with_db, vary="none", specials=NO_NAN)}


def _keep_cols_cases():
    """The executor's im2col-sharing pair (prims/fusion.py); values vary, shapes stay."""
    keep, filt = [], []
    for p in CONV_PARAMS:
        y, cols = ref_keep_cols(X, W, **p)
        g = R.standard_normal(y.shape)
        keep.append(Case((X, W), ref_keep_cols, dict(p), rtol=1e-9, atol=1e-9,
                         diff_args=(0, 1)))
        filt.append(Case((cols, X, g, W), ref_backprop_filter_cols, dict(p), rtol=1e-9,
                         atol=1e-9, diff_args=(1, 2)))
    p, x0 = CONV_PARAMS[0], X[:0]  # an empty batch
    y, cols = ref_keep_cols(x0, W, **p)
    keep.append(Case((x0, W), ref_keep_cols, dict(p)))
    filt.append(Case((cols, x0, y, W), ref_backprop_filter_cols, dict(p)))
    return {"conv2d_keep_cols": varying(keep, vary="values"),
            "conv2d_backprop_filter_cols": varying(filt, vary="none")}


def _conv_cases():
    fwd, bi, bf = [], [], []
    for p in CONV_PARAMS:
        y = ref_conv2d(X, W, **p)
        g = R.standard_normal(y.shape)
        fwd.append(Case((X, W), ref_conv2d, dict(p), rtol=1e-9, atol=1e-9))
        bi.append(Case((g, W, X), ref_backprop_input, dict(p), rtol=1e-9, atol=1e-9,
                       diff_args=(0, 1)))
        bf.append(Case((X, g, W), ref_backprop_filter, dict(p), rtol=1e-9, atol=1e-9,
                       diff_args=(0, 1)))
    p = CONV_PARAMS[0]
    x32, w32 = X.astype(np.float32), W.astype(np.float32)
    g32 = R.standard_normal((2, 5, 6, 4)).astype(np.float32)
    fwd.append(Case((x32, w32), ref_conv2d, dict(p), rtol=1e-5, atol=1e-5))
    bi.append(Case((g32, w32, x32), ref_backprop_input, dict(p), rtol=1e-5, atol=1e-5))
    bf.append(Case((x32, g32, w32), ref_backprop_filter, dict(p), rtol=1e-5, atol=1e-4))
    return fwd, bi, bf


XP = R.standard_normal((2, 5, 7, 3))
POOL_PARAMS = [
    {"ksize": (2, 2), "strides": (2, 2), "padding": "VALID"},
    {"ksize": (3, 3), "strides": (2, 2), "padding": "SAME"},
    {"ksize": (2, 3), "strides": (1, 2), "padding": "SAME"},
]


def _pool_cases():
    out: dict = {k: [] for k in ("max_pool2d", "max_pool2d_grad", "max_pool2d_grad_grad",
                                 "avg_pool2d", "avg_pool2d_grad", "max_pool2d_grad_relu")}
    tol = {"rtol": 1e-9, "atol": 1e-9}
    for p in POOL_PARAMS:
        g = R.standard_normal(_out_shape(XP, **p))
        gg = R.standard_normal(XP.shape)
        out["max_pool2d"].append(Case((XP,), ref_max_pool, dict(p), **tol))
        out["max_pool2d_grad"].append(Case((g, XP), ref_max_pool_grad, dict(p),
                                           diff_args=(0,), **tol))
        out["max_pool2d_grad_grad"].append(Case((gg, XP), ref_max_pool_grad_grad, dict(p),
                                                diff_args=(0,), **tol))
        out["max_pool2d_grad_relu"].append(Case((g, XP), ref_max_pool_grad_relu, dict(p),
                                                diff_args=(0,), **tol))
        out["avg_pool2d"].append(Case((XP,), ref_avg_pool, dict(p), **tol))
        out["avg_pool2d_grad"].append(Case((g, XP), ref_avg_pool_grad, dict(p),
                                           diff_args=(0,), **tol))
    x32 = XP.astype(np.float32)
    p = POOL_PARAMS[1]
    g32 = R.standard_normal(_out_shape(XP, **p)).astype(np.float32)
    out["max_pool2d"].append(Case((x32,), ref_max_pool, dict(p)))
    out["max_pool2d_grad"].append(Case((g32, x32), ref_max_pool_grad, dict(p)))
    out["max_pool2d_grad_relu"].append(Case((g32, x32), ref_max_pool_grad_relu, dict(p)))
    out["avg_pool2d"].append(Case((x32,), ref_avg_pool, dict(p), rtol=1e-5))
    out["avg_pool2d_grad"].append(Case((g32, x32), ref_avg_pool_grad, dict(p), rtol=1e-5))
    return out


def _zero_cases(specs):
    """Zero-size batches, channels and (SAME-padded) spatial dims, as TF's float64 kernels
    (window geometry fixes the shapes, so the fuzzer keeps them: these are listed here)."""
    p, q = CONV_PARAMS[0], POOL_PARAMS[1]
    for x in (np.zeros((0, 5, 6, 3)), np.zeros((2, 0, 6, 3))):
        y = ref_conv2d(x, W, **p)
        specs["conv2d"].append(Case((x, W), ref_conv2d, dict(p)))
        specs["conv2d_backprop_input"].append(Case((y, W, x), ref_backprop_input, dict(p),
                                                   diff_args=(0, 1)))
        specs["conv2d_backprop_filter"].append(Case((x, y, W), ref_backprop_filter, dict(p),
                                                    diff_args=(0, 1)))
    for x in (np.zeros((0, 5, 7, 3)), np.zeros((2, 5, 7, 0)), np.zeros((2, 0, 7, 3))):
        y = ref_max_pool(x, **q)
        specs["max_pool2d"].append(Case((x,), ref_max_pool, dict(q)))
        specs["avg_pool2d"].append(Case((x,), ref_avg_pool, dict(q)))
        specs["max_pool2d_grad"].append(Case((y, x), ref_max_pool_grad, dict(q),
                                             diff_args=(0,)))
        specs["avg_pool2d_grad"].append(Case((y, x), ref_avg_pool_grad, dict(q),
                                             diff_args=(0,)))
        specs["max_pool2d_grad_grad"].append(Case((x, x), ref_max_pool_grad_grad, dict(q),
                                                  diff_args=(0,)))
        specs["max_pool2d_grad_relu"].append(Case((y, x), ref_max_pool_grad_relu, dict(q),
                                                  diff_args=(0,)))
    for name, cases in specs.items():
        # NOTE: TF's max pooling skips nan (its max ignores it), where ember's, as
        # reduce_max, propagates it: nan is left out of the max-pool cases.
        varying(cases, vary="values", **({"specials": NO_NAN} if "max" in name else {}))
    return specs


_FWD, _BI, _BF = _conv_cases()
SPECS: dict = _zero_cases({"conv2d": _FWD, "conv2d_backprop_input": _BI,
                           "conv2d_backprop_filter": _BF, **_pool_cases()})
SPECS.update(_keep_cols_cases())
SPECS.update(_pool_taps_cases())

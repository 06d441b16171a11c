"""Specs of the depthwise convolution primitives (ember/prims/depthwise.py).

The references are plain loops over output positions and filter taps, with TF's padding
arithmetic of conv_specs.py (`_taps`): output channel c * M + m is input channel c times
filter [:, :, c, m]. As conv2d's references, the forward and the filter gradient multiply
the zero padding in too (0 * inf = nan reaches the border, as TF's float64 kernels), the
input gradient adds only into the input's own positions.
"""

from __future__ import annotations

import numpy as np

from . import Case, rng, varying
from .conv_specs import _at, _axes, _inside, _taps

R = rng(17)


def ref_depthwise(x, w, strides, padding, dilations):
    n, _, _, c = x.shape
    m = w.shape[3]
    (_, _, oh), (_, _, ow) = _axes(x.shape, w.shape[:2], strides, padding, dilations)
    y = np.zeros((n, oh, ow, c * m))
    for a, b, i, j, r, q in _taps(x.shape, w.shape[:2], strides, padding, dilations):
        y[:, a, b, :] += (_at(x, r, q)[:, :, None] * w[i, j]).reshape(n, c * m)
    return y.astype(x.dtype)


def ref_backprop_input(g, w, x, strides, padding, dilations):
    n, _, _, c = x.shape
    m = w.shape[3]
    dx = np.zeros(x.shape)
    for a, b, i, j, r, q in _taps(x.shape, w.shape[:2], strides, padding, dilations):
        if _inside(x.shape, r, q):
            gab = g[:, a, b, :].astype(np.float64).reshape(n, c, m)
            dx[:, r, q, :] += (gab * w[i, j]).sum(axis=-1)
    return dx.astype(g.dtype)


def ref_backprop_filter(x, g, w, strides, padding, dilations):
    n, _, _, c = x.shape
    m = w.shape[3]
    dw = np.zeros(w.shape)
    for a, b, i, j, r, q in _taps(x.shape, w.shape[:2], strides, padding, dilations):
        gab = g[:, a, b, :].astype(np.float64).reshape(n, c, m)
        dw[i, j] += (_at(x, r, q)[:, :, None] * gab).sum(axis=0)
    return dw.astype(x.dtype)


# -- cases -----------------------------------------------------------------------------

X = R.standard_normal((2, 5, 6, 3))
W1 = R.standard_normal((3, 2, 3, 1))  # channel multiplier 1
W3 = R.standard_normal((2, 3, 3, 2))  # channel multiplier 2
PARAMS = [
    {"strides": (1, 1), "padding": "SAME", "dilations": (1, 1)},
    {"strides": (2, 2), "padding": "VALID", "dilations": (1, 1)},
    {"strides": (2, 1), "padding": "SAME", "dilations": (2, 2)},
    {"strides": (1, 2), "padding": ((1, 0), (2, 1)), "dilations": (1, 1)},
    {"strides": (1, 1), "padding": ((3, 0), (0, 4)), "dilations": (1, 2)},  # pads > window
]
TOL = {"rtol": 1e-9, "atol": 1e-9}


def _cases() -> dict:
    fwd, bi, bf = [], [], []
    for w in (W1, W3):
        for p in PARAMS:
            y = ref_depthwise(X, w, **p)
            g = R.standard_normal(y.shape)
            fwd.append(Case((X, w), ref_depthwise, dict(p), **TOL))
            bi.append(Case((g, w, X), ref_backprop_input, dict(p), diff_args=(0, 1), **TOL))
            bf.append(Case((X, g, w), ref_backprop_filter, dict(p), diff_args=(0, 1), **TOL))
    p = PARAMS[0]
    x32, w32 = X.astype(np.float32), W3.astype(np.float32)
    g32 = R.standard_normal((2, 5, 6, 6)).astype(np.float32)
    fwd.append(Case((x32, w32), ref_depthwise, dict(p), rtol=1e-5, atol=1e-5))
    bi.append(Case((g32, w32, x32), ref_backprop_input, dict(p), rtol=1e-5, atol=1e-5))
    bf.append(Case((x32, g32, w32), ref_backprop_filter, dict(p), rtol=1e-5, atol=1e-4))
    # zero-size batches, spatial dims (SAME) and channels: window geometry fixes the
    # shapes, so the fuzzer keeps them and they are listed here
    for x in (np.zeros((0, 5, 6, 3)), np.zeros((2, 0, 6, 3)), np.zeros((2, 5, 6, 0))):
        w = W3[:, :, :x.shape[3]]
        y = ref_depthwise(x, w, **p)
        fwd.append(Case((x, w), ref_depthwise, dict(p)))
        bi.append(Case((y, w, x), ref_backprop_input, dict(p), diff_args=(0, 1)))
        bf.append(Case((x, y, w), ref_backprop_filter, dict(p), diff_args=(0, 1)))
    specs = {"depthwise_conv2d": fwd, "depthwise_conv2d_backprop_input": bi,
             "depthwise_conv2d_backprop_filter": bf}
    for cases in specs.values():
        varying(cases, vary="values")
    return specs


SPECS: dict = _cases()

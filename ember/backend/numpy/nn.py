"""NumPy kernels for the neural-network primitives."""

from __future__ import annotations

import numpy as np


def relu(x):
    return np.maximum(x, x.dtype.type(0))


relu.inline = "np.maximum({0}, 0)"

def relu_grad(g, y):
    # NOTE: a multiply by the mask, not np.where: where's per-element branch is ~10x slower
    # on the random masks of a ReLU layer. (NaN in g where y <= 0 stays NaN, as in TF's
    # ReluGrad, which multiplies too.)
    return np.multiply(g, y > 0, dtype=g.dtype)


KERNELS = {"relu": relu, "relu_grad": relu_grad}


def sparse_softmax_xent(labels, logits):
    """(per-row loss, softmax) of logits [..., n] and class indices [...]; an index out of
    [0, n) gives a loss of nan."""
    x = logits.astype(np.float32) if logits.dtype == np.float16 else logits
    n = x.shape[-1]
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=-1, keepdims=True)
    rows = labels.size
    lab = labels.reshape(rows)
    ok = rows == 0 or (lab.min() >= 0 and lab.max() < n)
    idx = lab if ok else np.where((lab >= 0) & (lab < n), lab, 0)
    picked = z.reshape(rows, n)[_arange(rows), idx].reshape(labels.shape)
    loss = np.log(s)[..., 0] - picked
    if not ok:
        loss = np.where((labels >= 0) & (labels < n), loss, np.nan).astype(x.dtype,
                                                                          copy=False)
    e /= s
    return loss.astype(logits.dtype, copy=False), e.astype(logits.dtype, copy=False)


def sparse_softmax_xent_grad(g, probs, labels):
    """The logits' cotangent `g[..., None] * (softmax - one_hot(labels))` in one pass."""
    out = probs * g[..., None]
    n = probs.shape[-1]
    rows = labels.size
    flat = out.reshape(rows, n)
    lab = labels.reshape(rows)
    gf = g.reshape(rows)
    if rows and lab.min() >= 0 and lab.max() < n:
        flat[_arange(rows), lab] -= gf
    else:
        keep = np.nonzero((lab >= 0) & (lab < n))[0]
        flat[keep, lab[keep]] -= gf[keep]
    return out


_ARANGE: dict = {}


def _arange(n):
    a = _ARANGE.get(n)
    if a is None:
        a = _ARANGE[n] = np.arange(n)
        a.flags.writeable = False
    return a


KERNELS["sparse_softmax_xent"] = sparse_softmax_xent
KERNELS["sparse_softmax_xent_grad"] = sparse_softmax_xent_grad

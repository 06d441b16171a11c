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
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=-1, keepdims=True)
    n = x.shape[-1]
    valid = (labels >= 0) & (labels < n)
    ok = bool(valid.all())
    idx = labels if ok else np.where(valid, labels, 0)
    picked = np.take_along_axis(z, idx[..., None].astype(np.intp, copy=False), -1)[..., 0]
    loss = np.log(s)[..., 0] - picked
    if not ok:
        loss = np.where(valid, loss, np.nan).astype(x.dtype, copy=False)
    e /= s
    return loss.astype(logits.dtype, copy=False), e.astype(logits.dtype, copy=False)


def sparse_softmax_xent_grad(g, probs, labels):
    """The logits' cotangent `g[..., None] * (softmax - one_hot(labels))` in one pass."""
    out = probs * g[..., None]
    n = probs.shape[-1]
    flat = out.reshape(-1, n)
    lab = labels.reshape(-1)
    rows = np.nonzero((lab >= 0) & (lab < n))[0]
    flat[rows, lab[rows]] -= g.reshape(-1)[rows]
    return out


KERNELS["sparse_softmax_xent"] = sparse_softmax_xent
KERNELS["sparse_softmax_xent_grad"] = sparse_softmax_xent_grad

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


def softmax(x, axis):
    """exp(x - max) / sum, in place on one temporary (float16 computed in float32)."""
    if x.size == 0:
        return x.copy()
    z = x.astype(np.float32) if x.dtype == np.float16 else x
    e = np.subtract(z, z.max(axis=axis, keepdims=True))
    np.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e.astype(x.dtype, copy=False)


KERNELS = {"relu": relu, "relu_grad": relu_grad, "softmax": softmax}


def _check_labels(labels, n):
    """IndexError naming the first label outside [0, n), the class indices of n classes
    (TF's SparseSoftmaxCrossEntropyWithLogits raises too, on CPU)."""
    lab = labels.reshape(-1)
    if lab.size == 0 or (lab.min() >= 0 and lab.max() < n):
        return
    first = int(np.flatnonzero((lab < 0) | (lab >= n))[0])
    pos = np.unravel_index(first, labels.shape) if labels.ndim else ()
    where = "[" + ", ".join(str(int(p)) for p in pos) + "]" if pos else ""
    value = int(lab[first])
    hint = (f"the labels must be class indices 0..{n - 1}: check for labels counted from "
            f"1, for a sentinel value such as -1, or for a model whose output has fewer "
            f"units than there are classes" if n else "the logits have no classes")
    raise IndexError(
        f"received a label value of {value} which is outside the valid range of [0, {n}) "
        f"(labels{where} = {value}; the logits have {n} classes on their last axis); "
        f"{hint}")


def sparse_softmax_xent(labels, logits):
    """(per-row loss, softmax) of logits [..., n] and class indices [...]; an index out of
    [0, n) raises IndexError, eagerly and in a compiled graph alike."""
    x = logits.astype(np.float32) if logits.dtype == np.float16 else logits
    n = x.shape[-1]
    _check_labels(labels, n)
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=-1, keepdims=True)
    rows = labels.size
    picked = z.reshape(rows, n)[_arange(rows), labels.reshape(rows)].reshape(labels.shape)
    loss = np.log(s)[..., 0] - picked
    e /= s
    return loss.astype(logits.dtype, copy=False), e.astype(logits.dtype, copy=False)


def sparse_softmax_xent_grad(g, probs, labels):
    """The logits' cotangent `g[..., None] * (softmax - one_hot(labels))`: the difference
    first, then the product, as TF (an inf g gives inf * (p - 1), not inf - inf)."""
    out = probs.copy()
    n = probs.shape[-1]
    rows = labels.size
    flat = out.reshape(rows, n)
    lab = labels.reshape(rows)
    if rows and lab.min() >= 0 and lab.max() < n:
        flat[_arange(rows), lab] -= 1
    else:
        keep = np.nonzero((lab >= 0) & (lab < n))[0]
        flat[keep, lab[keep]] -= 1
    out *= g[..., None]
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

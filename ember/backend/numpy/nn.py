"""NumPy kernels for the neural-network primitives.

softmax, its gradient and layer normalization (with its gradient) over the last axes of
float32 / float64 arrays take the compiled row loops where ember's C extension is built
(`_conv.rows`: one pass per row on every core); otherwise, and for other axes or dtypes,
the NumPy code below (the same values to rounding; the tests run both).
"""

from __future__ import annotations

import numpy as np

from . import conv as _conv  # the compiled loops (`_conv._C`), where built
from .conv import relu_grad  # compiled for large arrays, beside the pooling loops

_ROW_BLOCKS = 64  # _rows.h's ROW_BLOCKS: layer_norm_grad's weight sums come in this many parts


def _rows_ok(*arrays) -> bool:
    """Whether the compiled row loops take these arrays: built and on, one float32 /
    float64 dtype, C-contiguous, not empty."""
    a = arrays[0]
    return (_conv._C is not None and a.dtype.char in "fd" and a.size > 0
            and all(b.dtype == a.dtype and b.flags.c_contiguous for b in arrays))


def relu(x):
    return np.maximum(x, x.dtype.type(0))


relu.inline = "np.maximum({0}, 0)"


def softmax(x, axis):
    """exp(x - max) / sum, in place on one temporary (float16 computed in float32)."""
    if x.size == 0:
        return x.copy()
    if axis == x.ndim - 1 and _rows_ok(x):
        y = np.empty(x.shape, x.dtype)
        _conv._C.rows(0, x, None, None, None, y, None, None, x.shape[-1], 0.0)
        return y
    z = x.astype(np.float32) if x.dtype == np.float16 else x
    e = np.subtract(z, z.max(axis=axis, keepdims=True))
    np.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e.astype(x.dtype, copy=False)


def softmax_grad(g, y, axis):
    """softmax's gradient for output y and cotangent g: y * (g - sum(g * y)) along `axis`
    (float16 computed in float32)."""
    if y.size == 0:
        return np.zeros(y.shape, y.dtype)
    if axis == y.ndim - 1 and _rows_ok(y, g):
        dx = np.empty(y.shape, y.dtype)
        _conv._C.rows(1, y, g, None, None, dx, None, None, y.shape[-1], 0.0)
        return dx
    gz, yz = _wide(g), _wide(y)
    dx = gz - (gz * yz).sum(axis=axis, keepdims=True)
    dx *= yz
    return dx.astype(y.dtype, copy=False)


def _wide(a):
    """float16 / bfloat16 as float32 (the precision the normalization computes in)."""
    return a.astype(np.float32) if a.dtype.itemsize < 4 else a


def _centered(x, axis, epsilon):
    """(xc, inv, rows): `xc = x - mean` and `inv = 1 / sqrt(var + epsilon)` over `axis`, in
    float32 at least. When `axis` are x's last axes (the usual case) xc is a (rows,
    features) matrix, inv a column and `rows` True: the sums over the features are then
    BLAS matrix-vector products; else both keep x's rank."""
    z = _wide(x)
    k = len(axis)
    rows = axis == tuple(range(x.ndim - k, x.ndim))
    if rows:
        d = int(np.prod(x.shape[x.ndim - k:]))
        m = z.reshape(z.size // d, d)
        mean = np.dot(m, np.full(d, 1.0 / d, z.dtype))[:, None]
        xc = np.subtract(m, mean, out=m if z is not x else None)
        var = np.einsum("ij,ij->i", xc, xc)[:, None]
        var *= z.dtype.type(1.0 / d)
    else:
        mean = z.mean(axis=axis, keepdims=True)
        xc = np.subtract(z, mean, out=z if z is not x else None)
        var = np.square(xc).mean(axis=axis, keepdims=True)
    var += z.dtype.type(epsilon)
    inv = np.sqrt(var, out=var)
    np.divide(1, inv, out=inv)
    return xc, inv, rows


def _weight(w, xc, rows, axis):
    """A weight of the normalized axes' shape, broadcastable against xc, in its dtype."""
    w = w.astype(xc.dtype, copy=False)
    if rows:
        return w.reshape(-1)
    it = iter(w.shape)
    return w.reshape([next(it) if a in axis else 1 for a in range(xc.ndim)])


def _trailing(x, axis) -> int:
    """The number of elements of the normalized axes when they are x's last axes, else 0."""
    k = len(axis)
    if tuple(axis) != tuple(range(x.ndim - k, x.ndim)):
        return 0
    return int(np.prod(x.shape[x.ndim - k:], dtype=np.int64))


def layer_norm(x, *weights, axis, epsilon, scale, center):
    """`gamma * (x - mean) / sqrt(var + epsilon) + beta` over `axis` (float16 and bfloat16
    computed in float32), in place on one temporary."""
    if x.size == 0:
        return np.empty(x.shape, x.dtype)
    d = _trailing(x, axis)
    if d and _rows_ok(x, *weights):
        y = np.empty(x.shape, x.dtype)
        gamma = weights[0] if scale else None
        beta = weights[-1] if center else None
        _conv._C.rows(2, x, None, gamma, beta, y, None, None, d, float(epsilon))
        return y
    y, inv, rows = _centered(x, axis, epsilon)
    y *= inv
    if scale:
        y *= _weight(weights[0], y, rows, axis)
    if center:
        y += _weight(weights[-1], y, rows, axis)
    return y.reshape(x.shape).astype(x.dtype, copy=False)


def layer_norm_grad(g, x, *weights, axis, epsilon, scale, center):
    """(dx, [dgamma], [dbeta]) of layer_norm for the output cotangent g (see
    ember/prims/nn.py): dx = inv * (g*gamma - mean(g*gamma) - xhat * mean(g*gamma*xhat))
    over `axis`, dgamma = sum(g * xhat) and dbeta = sum(g) over the other axes, with
    xhat = (x - mean) * inv never formed: `p = g * (x - mean)` gives dgamma and the second
    mean through matrix-vector products (`inv` folded into their vectors)."""
    norm = tuple(x.shape[a] for a in axis)
    if x.size == 0:
        outs = [np.zeros(x.shape, x.dtype)]
        outs += [np.zeros(norm, weights[0].dtype)] if scale else []
        return tuple(outs + ([np.zeros(norm, x.dtype)] if center else []))
    d = _trailing(x, axis)
    if d and _rows_ok(x, g, *weights):
        dx = np.empty(x.shape, x.dtype)
        parts = [np.empty((_ROW_BLOCKS, d), x.dtype) if want else None
                 for want in (scale, center)]
        _conv._C.rows(3, x, g, weights[0] if scale else None, None, dx, *parts, d,
                      float(epsilon))
        sums = [p.sum(axis=0).reshape(norm) for p in parts if p is not None]
        return (dx, *sums)
    xc, inv, rows = _centered(x, axis, epsilon)
    gz = _wide(g).reshape(xc.shape)
    gamma = _weight(weights[0], xc, rows, axis) if scale else None
    p = gz * xc
    outs = []
    if rows:  # (rows, features) matrices: BLAS products for the sums
        d = xc.shape[1]
        vec = gamma if scale else np.ones(d, xc.dtype)
        if scale:
            outs.append(np.dot(inv[:, 0], p))
        if center:
            outs.append(np.dot(np.ones(xc.shape[0], xc.dtype), gz))
        m1 = np.dot(gz, vec)[:, None]
        m1 *= xc.dtype.type(1.0 / d)
        m2 = np.dot(p, vec)[:, None]
        m2 *= xc.dtype.type(1.0 / d)
    else:
        others = tuple(a for a in range(x.ndim) if a not in axis)
        if scale:
            outs.append((p * inv).sum(axis=others))
        if center:
            outs.append(gz.sum(axis=others))
        m1 = (gz * gamma if scale else gz).mean(axis=axis, keepdims=True)
        m2 = (p * gamma if scale else p).mean(axis=axis, keepdims=True)
    # m2 = mean(g*gamma*xc) = mean(g*gamma*xhat) / inv, so
    # dx = inv * ((g*gamma - m1) - xc * (inv**2 * m2))
    m2 *= inv * inv
    dx = p  # reused: p is no longer needed
    if scale:
        np.multiply(gz, gamma, out=dx)
    else:
        np.copyto(dx, gz)
    dx -= m1
    xc *= m2
    dx -= xc
    dx *= inv
    if scale:
        outs[0] = outs[0].reshape(norm).astype(weights[0].dtype, copy=False)
    if center:
        outs[-1] = outs[-1].reshape(norm).astype(x.dtype, copy=False)
    return (dx.reshape(x.shape).astype(x.dtype, copy=False), *outs)


KERNELS = {"relu": relu, "relu_grad": relu_grad, "softmax": softmax,
           "softmax_grad": softmax_grad, "layer_norm": layer_norm,
           "layer_norm_grad": layer_norm_grad}


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

"""Specs of the nn primitives (ember/prims/nn.py).

Most of `ember.nn` is composite (checked against NumPy formulas in tests/test_nn_ops.py);
relu (and its gradient, relu_grad), softmax (and softmax_grad), the sparse softmax cross-entropy and layer
normalization (layer_norm, layer_norm_grad) are primitives for speed.
"""

from __future__ import annotations

import numpy as np

from . import Case, rng, varying

R = rng(7)
F64 = R.standard_normal((3, 4))
F32 = R.standard_normal((5,)).astype(np.float32)
I32 = R.integers(-3, 4, (4,)).astype(np.int32)


def _relu(x):
    """max(x, 0); nan stays nan (as TF)."""
    return np.array([v if v > 0 or v != v else 0 for v in x.ravel().tolist()],
                    dtype=x.dtype).reshape(x.shape)


def _bias_relu(x, b):
    return np.maximum(x + b, 0).astype(x.dtype)


def _relu_grad(g, y):
    """TF's ReluGrad: g * (y > 0), so a nan or inf g gives nan where y <= 0."""
    return np.array([a * (1.0 if b > 0 else 0.0) for a, b in zip(g.ravel().tolist(),
                                                                 y.ravel().tolist())],
                    dtype=g.dtype).reshape(g.shape)


G64 = R.standard_normal((3, 4))
LAB = np.array([0, 3, 1], np.int64)


def _xent(labels, logits):
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    loss = np.array([-np.log(p[i, k]) for i, k in enumerate(labels)], logits.dtype)
    return loss, p.astype(logits.dtype)


def _xent_grad(g, probs, labels):
    one_hot = np.eye(probs.shape[-1])[labels]
    return (g[:, None] * (probs - one_hot)).astype(probs.dtype)


P64 = _xent(LAB, G64)[1]


def _labels_out_of_range(labels, logits):
    """TF's SparseSoftmaxCrossEntropyWithLogits rejects a label outside [0, classes)."""
    return labels.size > 0 and (labels.min() < 0 or labels.max() >= logits.shape[-1])


def _softmax(x, axis):
    if x.size == 0:
        return x.copy()
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).astype(x.dtype)


def _softmax_grad(g, y, axis):
    """y * (g - sum(g * y)) along `axis`, in float64."""
    gz, yz = g.astype(np.float64), y.astype(np.float64)
    return (yz * (gz - (gz * yz).sum(axis=axis, keepdims=True))).astype(y.dtype)


def _ln_stats(x, axis, epsilon):
    """(xhat, inv, gamma's broadcast shape) of x over `axis`, in float64."""
    z = x.astype(np.float64)
    xc = z - z.mean(axis=axis, keepdims=True)
    inv = 1.0 / np.sqrt((xc * xc).mean(axis=axis, keepdims=True) + epsilon)
    return xc * inv, inv, [x.shape[a] if a in axis else 1 for a in range(x.ndim)]


def _layer_norm(x, *weights, axis, epsilon, scale, center):
    """gamma * (x - mean) / sqrt(var + epsilon) + beta over `axis` (float64 throughout)."""
    if x.size == 0:
        return x.copy()
    y, _, bshape = _ln_stats(x, axis, epsilon)
    if scale:
        y = y * weights[0].astype(np.float64).reshape(bshape)
    if center:
        y = y + weights[-1].astype(np.float64).reshape(bshape)
    return y.astype(x.dtype)


def _layer_norm_grad(g, x, *weights, axis, epsilon, scale, center):
    """dx = inv * (g*gamma - mean(g*gamma) - xhat * mean(g*gamma*xhat)) over `axis`,
    dgamma = sum(g * xhat) and dbeta = sum(g) over the other axes."""
    norm = tuple(x.shape[a] for a in axis)
    others = tuple(a for a in range(x.ndim) if a not in axis)
    if x.size == 0:
        return (np.zeros(x.shape, x.dtype),) + (np.zeros(norm, x.dtype),) * (scale + center)
    xhat, inv, bshape = _ln_stats(x, axis, epsilon)
    gz = g.astype(np.float64)
    gg = gz * weights[0].astype(np.float64).reshape(bshape) if scale else gz
    m1 = gg.mean(axis=axis, keepdims=True)
    m2 = (gg * xhat).mean(axis=axis, keepdims=True)
    outs = [((gg - m1) - xhat * m2) * inv]
    if scale:
        outs.append((gz * xhat).sum(axis=others).reshape(norm))
    if center:
        outs.append(gz.sum(axis=others).reshape(norm))
    return tuple(o.astype(x.dtype) for o in outs)


X3 = R.standard_normal((2, 3, 4))
G3 = R.standard_normal((2, 3, 4))
W4, B4 = R.uniform(0.5, 2.0, (4,)), R.standard_normal((4,))
W34, B34 = R.uniform(0.5, 2.0, (3, 4)), R.standard_normal((3, 4))
W24 = R.uniform(0.5, 2.0, (2, 4))
_LN = {"epsilon": 1e-3, "scale": True, "center": True}


SPECS: dict = {
    "layer_norm": [
        Case((F64, W4, B4), _layer_norm, params={"axis": (1,), **_LN}, shapes="layer_norm"),
        Case((X3, W34, B34), _layer_norm, params={"axis": (1, 2), **_LN},
             shapes="layer_norm"),
        Case((X3, W24), _layer_norm, params={"axis": (0, 2), "epsilon": 1e-5, "scale": True,
                                             "center": False}, shapes="layer_norm"),
        Case((X3, B4), _layer_norm, params={"axis": (2,), "epsilon": 0.1, "scale": False,
                                            "center": True}, shapes="layer_norm"),
        Case((X3,), _layer_norm, params={"axis": (1,), "epsilon": 1e-3, "scale": False,
                                         "center": False}, shapes="layer_norm"),
        Case(tuple(a.astype(np.float32) for a in (X3, W4, B4)), _layer_norm,
             params={"axis": (2,), **_LN}, rtol=1e-5, atol=1e-5, shapes="layer_norm"),
        Case((X3[:0], W34, B34), _layer_norm, params={"axis": (1, 2), **_LN},
             shapes="layer_norm")],
    "layer_norm_grad": [
        Case((G64, F64, W4), _layer_norm_grad, params={"axis": (1,), **_LN},
             shapes="layer_norm_grad"),
        Case((G3, X3, W34), _layer_norm_grad, params={"axis": (1, 2), "epsilon": 1e-3,
                                                      "scale": True, "center": False},
             shapes="layer_norm_grad"),
        Case((G3, X3), _layer_norm_grad, params={"axis": (0, 2), "epsilon": 1e-3,
                                                 "scale": False, "center": True},
             shapes="layer_norm_grad"),
        Case((G3, X3, W24), _layer_norm_grad, params={"axis": (0, 2), **_LN},
             shapes="layer_norm_grad"),
        Case(tuple(a.astype(np.float32) for a in (G3, X3, W4)), _layer_norm_grad,
             params={"axis": (2,), **_LN}, rtol=1e-4, atol=1e-5, shapes="layer_norm_grad"),
        Case((G3[:, :0], X3[:, :0], W4), _layer_norm_grad, params={"axis": (2,), **_LN},
             shapes="layer_norm_grad")],
    "softmax": varying([
        Case((F64,), _softmax, params={"axis": 1}),
        Case((F64,), _softmax, params={"axis": 0}),
        Case((F32,), _softmax, params={"axis": 0}, rtol=1e-5),
        Case((F64[:0],), _softmax, params={"axis": 1})], shapes="one_axis"),
    "softmax_grad": varying([
        Case((G64, _softmax(F64, 1)), _softmax_grad, params={"axis": 1}),
        Case((G64, _softmax(F64, 0)), _softmax_grad, params={"axis": 0}),
        Case((G3.astype(np.float32), _softmax(X3, 2).astype(np.float32)), _softmax_grad,
             params={"axis": 2}, rtol=1e-5, atol=1e-6),
        Case((G64[:0], F64[:0]), _softmax_grad, params={"axis": 1})], shapes="one_axis"),
    "sparse_softmax_xent": varying([
        Case((LAB, G64), _xent, diff_args=(1,), invalid=_labels_out_of_range),
        Case((LAB.astype(np.int32), G64.astype(np.float32)), _xent, rtol=1e-5, diff_args=(1,),
             invalid=_labels_out_of_range),
        Case((LAB[:0], G64[:0]), _xent, diff_args=(1,), invalid=_labels_out_of_range)],
        shapes="labels"),
    # the labels index the classes: the fuzzer keeps these shapes (vary="values")
    "sparse_softmax_xent_grad": varying([
        Case((G64[:, 0].copy(), P64, LAB), _xent_grad, diff_args=(0, 1)),
        Case((G64[:0, 0].copy(), P64[:0], LAB[:0]), _xent_grad, diff_args=(0, 1))],
        vary="values", shapes="labels"),
    "relu_grad": varying([
        Case((G64, F64), _relu_grad, diff_args=(0,)),
        Case((G64[0].astype(np.float32), np.array([-1.0, 0.0, 2.0, 3.0], np.float32)),
             _relu_grad, diff_args=(0,))], shapes="elementwise"),
    # relu(x + b), b along x's last axis (the executor's fused bias add + relu)
    "bias_relu": varying([
        Case((F64, F64[0] * 0.5), _bias_relu, diff_args=(0, 1)),
        Case((np.stack([F32, -F32]), np.linspace(-1, 1, 5, dtype=np.float32)), _bias_relu,
             diff_args=())], shapes="bias"),
    "relu": varying([Case((F64,), _relu), Case((F32,), _relu), Case((I32,), _relu),
                     Case((np.array([-1.0, 0.0, 2.0]),), _relu, diff_args=())],
                    shapes="elementwise"),
}

"""Spec cases of the fused batch normalization's training primitives (ember/prims/
batch_norm.py): batch_norm_train and batch_norm_train_grad, statistics over every axis but
the last, with float64 NumPy references written from the formulas."""

from __future__ import annotations

import numpy as np

from . import Case, rng

R = rng(17)


def _rows(x: np.ndarray) -> tuple:
    return tuple(range(x.ndim - 1))


def _batch_norm_train(x, *weights, epsilon, scale, center):
    """(y, mean, var): y = (x - mean) * (rsqrt(var + epsilon) * gamma) + beta, the mean
    and population variance over the rows (float64 throughout; nan for no rows)."""
    z = x.astype(np.float64)
    c = x.shape[-1]
    if x.size == 0:
        stat = np.full(c, np.nan, x.dtype)
        return x.copy(), stat, stat.copy()
    mean = z.mean(_rows(z))
    xc = z - mean
    var = (xc * xc).mean(_rows(z))
    a = 1.0 / np.sqrt(var + epsilon)
    if scale:
        a = a * weights[0].astype(np.float64)
    y = xc * a
    if center:
        y = y + weights[-1].astype(np.float64)
    return y.astype(x.dtype), mean.astype(x.dtype), var.astype(x.dtype)


def _batch_norm_train_grad(dy, x, mean, var, *weights, epsilon, scale, center):
    """(dx, [dgamma], [dbeta]) with inv = rsqrt(var + epsilon), xhat = (x - mean) * inv,
    M rows: dbeta = sum(dy), dgamma = sum(dy * xhat),
    dx = gamma * inv * (dy - dbeta / M - xhat * dgamma / M)."""
    z, g = x.astype(np.float64), dy.astype(np.float64)
    n = max(int(np.prod(x.shape[:-1])), 1)
    inv = 1.0 / np.sqrt(var.astype(np.float64) + epsilon)
    xhat = (z - mean.astype(np.float64)) * inv
    dbeta = g.sum(_rows(z))
    dgamma = (g * xhat).sum(_rows(z))
    a = inv * weights[0].astype(np.float64) if scale else inv
    outs = [a * ((g - dbeta / n) - xhat * (dgamma / n))]
    outs += [dgamma] * scale + [dbeta] * center
    return tuple(o.astype(x.dtype) for o in outs)


X2 = R.standard_normal((5, 3)) * 2 + 1
X3 = R.standard_normal((3, 2, 4)) * 3 - 2
X4 = R.standard_normal((2, 3, 2, 4)) + 0.5
G2, G3, G4 = (R.standard_normal(x.shape) for x in (X2, X3, X4))
W3, B3 = R.uniform(0.5, 2.0, (3,)), R.standard_normal((3,))
W4, B4 = R.uniform(0.5, 2.0, (4,)), R.standard_normal((4,))


def _stats(x: np.ndarray) -> tuple:
    """x's mean and population variance over the rows (the forward's outputs)."""
    return x.mean(_rows(x)), x.var(_rows(x))


def _params(epsilon: float = 1e-3, scale: bool = True, center: bool = True) -> dict:
    return {"epsilon": epsilon, "scale": scale, "center": center}


def _f32(*arrays: np.ndarray) -> tuple:
    return tuple(a.astype(np.float32) for a in arrays)


# NOTE: tests/test_registry_shapes.py draws new shapes with its "bias" strategy (x of
# rank >= 2 and one vector along its last axis): the cases with one weight or none. The
# gradient has no strategy there (dy, x and three per-channel vectors): see its SKIPPED.
SPECS: dict = {
    "batch_norm_train": [
        Case((X2, W3, B3), _batch_norm_train, params=_params()),
        Case((X3, W4), _batch_norm_train, params=_params(1e-2, center=False), shapes="bias"),
        Case((X3, B4), _batch_norm_train, params=_params(0.1, scale=False), shapes="bias"),
        Case((X2,), _batch_norm_train, params=_params(scale=False, center=False),
             shapes="bias"),
        Case((X4, W4, B4), _batch_norm_train, params=_params(1e-5)),
        Case(_f32(X3, W4, B4), _batch_norm_train, params=_params(), rtol=1e-5, atol=1e-5),
        Case((X3[:0], W4, B4), _batch_norm_train, params=_params())],
    "batch_norm_train_grad": [
        Case((G2, X2, *_stats(X2), W3), _batch_norm_train_grad, params=_params()),
        Case((G3, X3, *_stats(X3)), _batch_norm_train_grad, params=_params(scale=False)),
        Case((G3, X3, *_stats(X3), W4), _batch_norm_train_grad,
             params=_params(1e-2, center=False)),
        Case((G4, X4, *_stats(X4)), _batch_norm_train_grad,
             params=_params(0.1, scale=False, center=False)),
        Case((G4, X4, *_stats(X4), W4), _batch_norm_train_grad, params=_params(1e-5)),
        Case(_f32(G3, X3, *_stats(X3), W4), _batch_norm_train_grad, params=_params(),
             rtol=1e-4, atol=1e-5),
        Case((G3[:0], X3[:0], *_stats(X3), W4), _batch_norm_train_grad, params=_params())],
}

# -- the executor's fusion of a training BatchNorm and the relu after it (prims/fusion.py)

def _batch_norm_relu_train(x, *weights, epsilon, scale, center):
    y, mean, var = _batch_norm_train(x, *weights, epsilon=epsilon, scale=scale, center=center)
    return np.maximum(y, 0).astype(x.dtype), mean, var


def _batch_norm_relu_train_grad(dy, r, x, mean, var, *weights, epsilon, scale, center):
    """batch_norm_train_grad of relu's gradient dy * (r > 0)."""
    return _batch_norm_train_grad((dy * (r > 0)).astype(dy.dtype), x, mean, var, *weights,
                                  epsilon=epsilon, scale=scale, center=center)


def _relu_out(x, *weights, **params):
    return _batch_norm_relu_train(x, *weights, **params)[0]


SPECS["batch_norm_relu_train"] = [
    Case(c.args, _batch_norm_relu_train, params=dict(c.params), rtol=c.rtol, atol=c.atol,
         shapes=c.shapes) for c in SPECS["batch_norm_train"]]
SPECS["batch_norm_relu_train_grad"] = [
    Case((G2, _relu_out(X2, W3, B3, **_params()), X2, *_stats(X2), W3),
         _batch_norm_relu_train_grad, params=_params(), diff_args=(0, 2, 3, 4, 5)),
    Case((G3, _relu_out(X3, B4, **_params(scale=False)), X3, *_stats(X3)),
         _batch_norm_relu_train_grad, params=_params(scale=False), diff_args=(0, 2, 3, 4)),
    Case((G4, _relu_out(X4, W4, B4, **_params(1e-5)), X4, *_stats(X4), W4),
         _batch_norm_relu_train_grad, params=_params(1e-5), diff_args=(0, 2, 3, 4, 5)),
    Case(_f32(G3, _relu_out(X3, W4, B4, **_params()), X3, *_stats(X3), W4),
         _batch_norm_relu_train_grad, params=_params(), rtol=1e-4, atol=1e-5,
         diff_args=(0, 2, 3, 4, 5)),
    Case((G3[:0], X3[:0], X3[:0], *_stats(X3), W4), _batch_norm_relu_train_grad,
         params=_params(), diff_args=(0, 2, 3, 4, 5))]
# NOTE: r (a relu's output) enters through the mask r > 0 only: a step, so it is left out
# of the finite-difference checks (diff_args), as relu_grad's second input.


"""JAX kernels for the neural-network primitives: relu, its gradient, softmax, the fused
sparse softmax cross-entropy with its gradient, and layer normalization with its gradient.

NOTE: a label outside [0, n) raises on NumPy; inside a compiled XLA function it can't, so
on this backend such a row's loss is nan and its gradient row is the softmax (no class
is picked), the values TF's GPU kernel gives.

Example:
    >>> import numpy as np
    >>> from ember.backend.jax.nn import KERNELS  # doctest: +SKIP
    >>> KERNELS["relu"](np.array([-1.0, 2.0]))  # doctest: +SKIP
    Array([0., 2.], dtype=float64)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def relu(x):
    return jnp.maximum(x, jnp.zeros((), jnp.result_type(x)))


def relu_grad(g, y):
    return jnp.where(y > 0, g, jnp.zeros((), jnp.result_type(g)))


def sparse_softmax_xent(labels, logits):
    x = jnp.asarray(logits)
    dtype = x.dtype
    if dtype == np.float16:
        x = x.astype(np.float32)
    n = x.shape[-1]
    z = x - jax.lax.stop_gradient(jnp.max(x, axis=-1, keepdims=True))
    s = jnp.sum(jnp.exp(z), axis=-1, keepdims=True)
    labels = jnp.asarray(labels)
    valid = (labels >= 0) & (labels < n)
    picked = jnp.take_along_axis(z, jnp.clip(labels, 0, n - 1)[..., None], axis=-1)[..., 0]
    loss = jnp.where(valid, jnp.log(s)[..., 0] - picked, jnp.nan)
    return loss.astype(dtype), (jnp.exp(z) / s).astype(dtype)


def sparse_softmax_xent_grad(g, probs, labels):
    n = probs.shape[-1]
    hot = jax.nn.one_hot(labels, n, dtype=jnp.result_type(probs))  # zeros for a bad label
    return (probs - hot) * jnp.asarray(g)[..., None]


def softmax(x, axis):
    x = jnp.asarray(x)
    if x.dtype == np.float16:
        return jax.nn.softmax(x.astype(np.float32), axis=axis).astype(np.float16)
    return jax.nn.softmax(x, axis=axis)


def softmax_grad(g, y, axis):
    g, y = jnp.asarray(g), jnp.asarray(y)
    wide = y.dtype == np.float16
    gz, yz = (g.astype(np.float32), y.astype(np.float32)) if wide else (g, y)
    dx = yz * (gz - jnp.sum(gz * yz, axis=axis, keepdims=True))
    return dx.astype(y.dtype)


def _normalized(x, axis, epsilon):
    """(xhat, inv) over `axis`, in float32 at least (float16 / bfloat16 as Keras)."""
    z = jnp.asarray(x)
    if z.dtype.itemsize < 4:
        z = z.astype(np.float32)
    mean = jnp.mean(z, axis=axis, keepdims=True)
    xc = z - mean
    inv = jax.lax.rsqrt(jnp.mean(xc * xc, axis=axis, keepdims=True) + epsilon)
    return xc * inv, inv


def _weight(w, like, axis):
    it = iter(w.shape)
    return jnp.asarray(w).astype(like.dtype).reshape(
        [next(it) if a in axis else 1 for a in range(like.ndim)])


def layer_norm(x, *weights, axis, epsilon, scale, center):
    y, _ = _normalized(x, axis, epsilon)
    if scale:
        y = y * _weight(weights[0], y, axis)
    if center:
        y = y + _weight(weights[-1], y, axis)
    return y.astype(jnp.result_type(x))


def layer_norm_grad(g, x, *weights, axis, epsilon, scale, center):
    xhat, inv = _normalized(x, axis, epsilon)
    gz = jnp.asarray(g).astype(xhat.dtype)
    dtype = jnp.result_type(x)
    others = tuple(a for a in range(xhat.ndim) if a not in axis)
    gg = gz * _weight(weights[0], xhat, axis) if scale else gz
    m1 = jnp.mean(gg, axis=axis, keepdims=True)
    m2 = jnp.mean(gg * xhat, axis=axis, keepdims=True)
    outs = [(((gg - m1) - xhat * m2) * inv).astype(dtype)]
    if scale:
        outs.append(jnp.sum(gz * xhat, axis=others).astype(jnp.result_type(weights[0])))
    if center:
        outs.append(jnp.sum(gz, axis=others).astype(dtype))
    return tuple(outs)


KERNELS = {"relu": relu, "relu_grad": relu_grad, "softmax": softmax,
           "softmax_grad": softmax_grad,
           "layer_norm": layer_norm, "layer_norm_grad": layer_norm_grad,
           "sparse_softmax_xent": sparse_softmax_xent,
           "sparse_softmax_xent_grad": sparse_softmax_xent_grad}

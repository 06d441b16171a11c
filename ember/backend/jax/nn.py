"""JAX kernels for the neural-network primitives: relu, its gradient, and the fused sparse
softmax cross-entropy with its gradient.

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


KERNELS = {"relu": relu, "relu_grad": relu_grad, "softmax": softmax,
           "sparse_softmax_xent": sparse_softmax_xent,
           "sparse_softmax_xent_grad": sparse_softmax_xent_grad}

"""JAX kernels of the fused batch normalization (ember/prims/batch_norm.py):
`batch_norm_train` and `batch_norm_train_grad`, statistics over every axis but the last,
float16 / bfloat16 computed in float32 (XLA fuses the passes itself).

Example:
    >>> import numpy as np
    >>> from ember.backend.jax.batch_norm import KERNELS  # doctest: +SKIP
    >>> y, mean, var = KERNELS["batch_norm_train"](
    ...     np.array([[0.0], [2.0]]), epsilon=0.0, scale=False, center=False)  # doctest: +SKIP
    >>> mean, var  # doctest: +SKIP
    (Array([1.], dtype=float64), Array([1.], dtype=float64))
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def _wide(a):
    """a as a jax array, float16 / bfloat16 in float32."""
    z = jnp.asarray(a)
    return z.astype(np.float32) if z.dtype.itemsize < 4 else z


def _rows(x) -> int:
    """M, the number of rows (at least 1: dividing sums over no rows must not raise)."""
    return max(int(np.prod(x.shape[:-1])), 1)


def batch_norm_train(x, *weights, epsilon, scale, center):
    z = _wide(x)
    dtype = jnp.result_type(x)
    rows = tuple(range(z.ndim - 1))
    mean = jnp.mean(z, axis=rows)
    xc = z - mean
    var = jnp.mean(xc * xc, axis=rows)
    a = jax.lax.rsqrt(var + epsilon)
    if scale:
        a = a * _wide(weights[0])
    y = xc * a
    if center:
        y = y + _wide(weights[-1])
    return y.astype(dtype), mean.astype(dtype), var.astype(dtype)


def batch_norm_train_grad(dy, x, mean, var, *weights, epsilon, scale, center):
    z, g = _wide(x), _wide(dy)
    dtype = jnp.result_type(x)
    rows = tuple(range(z.ndim - 1))
    n = _rows(z)
    inv = jax.lax.rsqrt(_wide(var) + epsilon)
    xhat = (z - _wide(mean)) * inv
    dbeta = jnp.sum(g, axis=rows)
    dgamma = jnp.sum(g * xhat, axis=rows)
    a = inv * _wide(weights[0]) if scale else inv
    outs = [(a * ((g - dbeta / n) - xhat * (dgamma / n))).astype(dtype)]
    if scale:
        outs.append(dgamma.astype(jnp.result_type(weights[0])))
    if center:
        outs.append(dbeta.astype(dtype))
    return tuple(outs)


def batch_norm_relu_train(x, *weights, epsilon, scale, center):
    y, mean, var = batch_norm_train(x, *weights, epsilon=epsilon, scale=scale, center=center)
    return jnp.maximum(y, jnp.zeros((), y.dtype)), mean, var


def batch_norm_relu_train_grad(dy, r, x, mean, var, *weights, epsilon, scale, center):
    dy = jnp.where(jnp.asarray(r) > 0, dy, jnp.zeros((), jnp.result_type(dy)))
    return batch_norm_train_grad(dy, x, mean, var, *weights, epsilon=epsilon, scale=scale,
                                 center=center)


KERNELS = {"batch_norm_train": batch_norm_train,
           "batch_norm_train_grad": batch_norm_train_grad,
           "batch_norm_relu_train": batch_norm_relu_train,
           "batch_norm_relu_train_grad": batch_norm_relu_train_grad}

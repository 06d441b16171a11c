"""JAX kernels for linear algebra: matmul and einsum.

Example:
    >>> import numpy as np
    >>> from ember.backend.jax.linalg import KERNELS  # doctest: +SKIP
    >>> KERNELS["matmul"](np.eye(2), np.ones((2, 2)), transpose_b=True)  # doctest: +SKIP
    Array([[1., 1.],
           [1., 1.]], dtype=float64)
"""

from __future__ import annotations

import jax.numpy as jnp


def matmul(a, b, transpose_a=False, transpose_b=False, out=None):
    """Batched matrix product (`out`, the NumPy executor's buffer, is not used here)."""
    if transpose_a:
        a = jnp.swapaxes(a, -1, -2)
    if transpose_b:
        b = jnp.swapaxes(b, -1, -2)
    return jnp.matmul(a, b)


def einsum(*operands, equation):
    return jnp.einsum(equation, *operands)


def einsum_bias(a, b, bias, *z, equation, relu=False, residual=False):
    y = jnp.einsum(equation, a, b) + bias
    if z:
        y = y + z[0]
    return jnp.maximum(y, jnp.zeros((), y.dtype)) if relu else y


def einsum_relu_grad(a, b, y, equation):
    g = jnp.einsum(equation, a, b)
    return g * (y > 0).astype(g.dtype)


KERNELS = {"matmul": matmul, "einsum": einsum, "einsum_bias": einsum_bias,
           "einsum_relu_grad": einsum_relu_grad}

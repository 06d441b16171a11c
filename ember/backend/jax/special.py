"""JAX kernels of the special-function primitives (`ember/prims/special.py`), from
`jax.scipy.special`, with TF's conventions at the edges as the NumPy kernels have them.

Example:
    >>> import numpy as np
    >>> from ember.backend.jax.special import KERNELS  # doctest: +SKIP
    >>> KERNELS["lgamma"](np.array([1.0, 3.0]))  # doctest: +SKIP
    Array([0.        , 0.69314718], dtype=float64)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp


def _lgamma(x):
    return jnp.where(x == -jnp.inf, jnp.inf, jsp.gammaln(x))


def _digamma(x):
    return jnp.where(x == 0, jnp.nan, jsp.digamma(x))


def _polygamma(n, x):
    n, x = jnp.broadcast_arrays(n, x)
    ok = (n >= 0) & (n == jnp.floor(n))
    k = jnp.where(ok, n, 1.0)
    sign = jnp.where(k % 2 == 1, 1.0, -1.0).astype(x.dtype)
    higher = sign * jnp.exp(jsp.gammaln(k + 1)) * jsp.zeta(k + 1, x)
    y = jnp.where(n == 0, _digamma(x), higher)
    y = jnp.where((x == -jnp.inf) | jnp.isnan(x), jnp.nan,
                  jnp.where(n == jnp.inf, jnp.inf, y))
    return jnp.where(ok, y, jnp.nan).astype(x.dtype)


def _igamma(fn):
    def kernel(a, x):
        return jnp.where(a <= 0, jnp.nan, fn(a, x))
    return kernel


def _igamma_grad_a(a, x):
    a, x = jnp.broadcast_arrays(a, x)
    da = jax.lax.igamma_grad_a(a, x)
    return jnp.where((a <= 0) | jnp.isnan(x), jnp.nan, jnp.where(x == 0, 0.0, da))


def _betainc(a, b, x):
    return jnp.where((a <= 0) | (b <= 0), jnp.nan, jsp.betainc(a, b, x))


KERNELS = {
    "lgamma": _lgamma, "digamma": _digamma, "erfinv": jsp.erfinv, "ndtri": jsp.ndtri,
    "bessel_i0": jsp.i0, "bessel_i0e": jsp.i0e, "bessel_i1": jsp.i1, "bessel_i1e": jsp.i1e,
    "polygamma": _polygamma, "igamma": _igamma(jsp.gammainc),
    "igammac": _igamma(jsp.gammaincc), "igamma_grad_a": _igamma_grad_a,
    "betainc": _betainc, "zeta": jsp.zeta,
}

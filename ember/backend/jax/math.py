"""JAX kernels: elementwise math, comparisons, logic, casts and reductions.

The NumPy kernels that are raw ufuncs (`np.add`, `np.exp`, ...) are written once: their
JAX kernel is the `jax.numpy` function of the same name, taken from the NumPy table. The
rest mirror the NumPy kernels' semantics (TF's: integer means truncate toward zero,
reductions of nothing give the identity, exclusive and reverse scans).

NOTE: value checks that a NumPy kernel makes by raising (integer division by zero, an
integer to a negative power) can't raise inside a compiled XLA function; on this backend
those give XLA's result instead (a departure, listed in docs/backends.md).

Example:
    >>> import numpy as np
    >>> from ember.backend.jax.math import KERNELS  # doctest: +SKIP
    >>> KERNELS["reduce_mean"](np.array([1, 2, 4]), axis=None)  # doctest: +SKIP
    Array(2, dtype=int64)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..numpy.math import KERNELS as _NUMPY

KERNELS: dict = {name: getattr(jnp, k.__name__) for name, k in _NUMPY.items()
                 if isinstance(k, np.ufunc)}


def _same(x):
    return x


def _cast(x, dtype):
    x = jnp.asarray(x)
    dtype = np.dtype(dtype)
    if x.dtype == dtype:
        return x
    if jnp.iscomplexobj(x) and dtype.kind != "c":
        if dtype.kind == "b":
            return x != 0
        x = jnp.real(x)
    return x.astype(dtype)


def _complex(re, im):
    re, im = jnp.broadcast_arrays(re, im)
    return jax.lax.complex(re, im)


def _reduce(fn):
    def kernel(x, axis=None, keepdims=False):
        x = jnp.asarray(x)
        return fn(x, axis=axis, dtype=x.dtype, keepdims=keepdims)
    return kernel


def _reduce_mean(x, axis=None, keepdims=False):
    x = jnp.asarray(x)
    total = jnp.sum(x, axis=axis, dtype=x.dtype, keepdims=keepdims)
    n = x.size if axis is None else int(np.prod([x.shape[a] for a in axis]))
    if jnp.issubdtype(x.dtype, jnp.integer):
        if n == 0:
            return total
        if jnp.issubdtype(x.dtype, jnp.unsignedinteger):
            return total // n
        return (jnp.sign(total) * (jnp.abs(total) // n)).astype(x.dtype)
    return total / n if n else total * jnp.nan


def _reduce_extreme(fn, floor):
    def kernel(x, axis=None, keepdims=False):
        x = jnp.asarray(x)
        if x.size == 0:  # TF's identity: -inf/lowest for max, +inf/highest for min
            if jnp.issubdtype(x.dtype, jnp.floating):
                init = np.inf * floor
            else:
                info = np.iinfo(x.dtype)
                init = info.min if floor < 0 else info.max
            return fn(x, axis=axis, keepdims=keepdims, initial=init)
        return fn(x, axis=axis, keepdims=keepdims)
    return kernel


def _reduce_bool(fn):
    def kernel(x, axis=None, keepdims=False):
        return fn(x, axis=axis, keepdims=keepdims)
    return kernel


def _arg(fn):
    def kernel(x, axis, output_type):
        return fn(x, axis=axis).astype(output_type)
    return kernel


def _cumulative(fn, identity):
    def kernel(x, axis, exclusive=False, reverse=False):
        x = jnp.asarray(x)
        if reverse:
            x = jnp.flip(x, axis)
        out = fn(x, axis=axis, dtype=x.dtype)
        if exclusive:
            n = x.shape[axis]
            head = jnp.full(x.shape[:axis] + (1,) + x.shape[axis + 1:], identity, x.dtype)
            out = jnp.concatenate([head, jax.lax.slice_in_dim(out, 0, n - 1, axis=axis)],
                                  axis=axis)
        if reverse:
            out = jnp.flip(out, axis)
        return out
    return kernel


def _floormod(x, y):
    return jnp.mod(x, y)


def _sum_to(g, shape):
    g = jnp.asarray(g)
    lead = g.ndim - len(shape)
    if lead > 0:
        g = jnp.sum(g, axis=tuple(range(lead)), dtype=g.dtype)
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and g.shape[i] != 1)
    if axes:
        g = jnp.sum(g, axis=axes, keepdims=True, dtype=g.dtype)
    return g


def _sum_to_like(g, like):
    return _sum_to(g, jnp.shape(like))


def _fill_like(x, value):
    return jnp.full(jnp.shape(x), value, dtype=jnp.result_type(x))


KERNELS.update({
    "abs": jnp.abs, "complex_abs": jnp.abs, "divide": jnp.true_divide,
    "rsqrt": jax.lax.rsqrt, "sigmoid": jax.nn.sigmoid,
    "softplus": lambda x: jnp.logaddexp(0, x), "erf": jax.scipy.special.erf, "erfc": jax.scipy.special.erfc,
    "round": jnp.round, "cast": _cast, "stop_gradient": _same, "identity": _same,
    "complex": _complex, "real": jnp.real, "imag": jnp.imag, "angle": jnp.angle,
    "floordiv": jnp.floor_divide, "floormod": _floormod, "pow": jnp.power,
    "select": jnp.where,
    "reduce_sum": _reduce(jnp.sum), "reduce_prod": _reduce(jnp.prod),
    "reduce_mean": _reduce_mean,
    "reduce_max": _reduce_extreme(jnp.max, -1), "reduce_min": _reduce_extreme(jnp.min, 1),
    "reduce_any": _reduce_bool(jnp.any), "reduce_all": _reduce_bool(jnp.all),
    "argmax": _arg(jnp.argmax), "argmin": _arg(jnp.argmin),
    "cumsum": _cumulative(jnp.cumsum, 0), "cumprod": _cumulative(jnp.cumprod, 1),
    "sum_to": _sum_to, "sum_to_like": _sum_to_like, "fill_like": _fill_like,
})

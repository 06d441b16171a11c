"""JAX kernels: shape manipulation (reshape, transpose, broadcast_to, concat, split, pad,
tile, reverse), their run-time-shape variants, `range` and `shape`.

Shapes are static under jax.jit: the run-time-shape variants receive their shape as a
concrete array (the executor runs shape arithmetic on NumPy, see ember/core/xla.py) and
read it as Python ints; `shape` gives a NumPy array, so what is computed from it stays
static too.

Example:
    >>> import numpy as np

from ..numpy.array import range_with
    >>> from ember.backend.jax.array import KERNELS  # doctest: +SKIP
    >>> KERNELS["tile"](np.array([1, 2]), multiples=(2,))  # doctest: +SKIP
    Array([1, 2, 1, 2], dtype=int64)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

_PAD_MODES = {"REFLECT": "reflect", "SYMMETRIC": "symmetric"}


def static_shape(shape) -> tuple:
    """A shape tensor's entries as Python ints (it must be concrete under jit: its values
    are known when the function is compiled; a clear error otherwise)."""
    if isinstance(shape, jax.core.Tracer):
        raise NotImplementedError(
            "The JAX backend needs shapes known when the function is compiled; this shape "
            "is computed from tensor values. Compute it from ember.shape(x) and constants, "
            "or run the function on the NumPy backend.")
    return tuple(int(d) for d in np.asarray(shape).reshape(-1))


def reshape(x, shape):
    return jnp.reshape(x, shape)


def broadcast_to_dynamic(x, shape, dims):
    return jnp.broadcast_to(x, static_shape(shape))


def reshape_dynamic(x, shape, dims):
    return jnp.reshape(x, static_shape(shape))


def concat(*xs, axis):
    return jnp.concatenate(xs, axis=axis)


def _cut(x, sizes, axis):
    out, start = [], 0
    for s in sizes:
        out.append(jax.lax.slice_in_dim(x, start, start + s, axis=axis))
        start += s
    return tuple(out)


def split(x, sizes, axis):
    x = jnp.asarray(x)
    n = x.shape[axis]
    if isinstance(sizes, int):
        return _cut(x, (n // sizes,) * sizes, axis)
    if -1 in sizes:
        rest = n - sum(s for s in sizes if s != -1)
        sizes = tuple(rest if s == -1 else s for s in sizes)
    return _cut(x, sizes, axis)


def split_like(x, *likes, axis):
    return _cut(jnp.asarray(x), tuple(jnp.shape(t)[axis] for t in likes), axis)


def pad(x, paddings, mode, constant_values):
    if not paddings:
        return x
    if mode == "CONSTANT":
        return jnp.pad(x, paddings, mode="constant", constant_values=constant_values)
    return jnp.pad(x, paddings, mode=_PAD_MODES[mode])


def range_(start, delta, size, dtype):
    return range_with(jnp, start, delta, size, dtype)


def _shape(x, out_type):
    return np.array(jnp.shape(x), dtype=out_type)


KERNELS = {
    "reshape": reshape,
    "transpose": lambda x, perm: jnp.transpose(x, perm),
    "broadcast_to": lambda x, shape: jnp.broadcast_to(x, shape),
    "concat": concat,
    "split": split,
    "broadcast_to_dynamic": broadcast_to_dynamic,
    "reshape_dynamic": reshape_dynamic,
    "split_like": split_like,
    "pad": pad,
    "tile": lambda x, multiples: jnp.tile(x, multiples),
    "reverse": lambda x, axis: jnp.flip(x, axis) if axis else x,
    "range": range_,
    "shape": _shape,
}

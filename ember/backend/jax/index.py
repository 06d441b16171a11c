"""JAX kernels for basic indexing: strided_slice, strided_slice_dynamic and their
gradients (NumPy / TF strided_slice semantics).

A static index (Python ints, slices, None, Ellipsis) is applied as `jax.numpy` basic
indexing, which lowers to static slices. A gradient is the transpose of its slice
(`jax.linear_transpose`: zeros with the cotangent written at the index, as pads and
dynamic-update-slices), so no scatter is needed.

strided_slice_dynamic reads the `(k,)` entries of its template from the scalar inputs.
Entries whose value is concrete when the kernel runs (a constant, a shape) resolve to a
static index. Entries traced by jax.jit keep static output shapes only where the value
can't change a size: an integer index (`lax.dynamic_index_in_dim`) and a tf.slice begin
whose size is a Python int (`lax.dynamic_slice_in_dim`). A slice bound or step, or a
tf.slice size, known only at run time sizes its axis by its value: XLA needs static
shapes, so such an index raises NotImplementedError (run it on the NumPy backend).

NOTE: the range checks the NumPy kernels make on run-time values (an integer index out of
range, a tf.slice begin/size that leaves its axis) are not made on this backend: XLA
clamps the index or the begin into range instead.

Example:
    >>> import numpy as np
    >>> from ember.backend.jax.index import KERNELS  # doctest: +SKIP
    >>> KERNELS["strided_slice"](np.arange(6.0), index=(slice(None, None, -2),))  # doctest: +SKIP
    Array([5., 3., 1.], dtype=float64)
    >>> KERNELS["strided_slice_grad"](np.ones(2), np.zeros(4), index=(slice(1, 3),))  # doctest: +SKIP
    Array([0., 1., 1., 0.], dtype=float64)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..numpy.index import _resolve


def _transpose_into(fwd, g, shape):
    """The cotangent of `fwd` (a linear slice of an array of `shape`) for output `g`:
    zeros of `shape` with `g` written where `fwd` reads."""
    g = jnp.asarray(g)
    like = jax.ShapeDtypeStruct(tuple(shape), g.dtype)
    want = jax.eval_shape(fwd, like).shape
    if want != g.shape:
        raise ValueError(f"the cotangent has shape {list(g.shape)} but the slice selects "
                         f"{list(want)}")
    if g.size == 0 or not (jnp.issubdtype(g.dtype, jnp.inexact)
                           or jnp.issubdtype(g.dtype, jnp.integer)):
        # nothing to write (or a bool cotangent, which linear_transpose does not take)
        return _write(fwd, g, shape)
    (out,) = jax.linear_transpose(fwd, like)(g)
    return out


def _write(fwd, g, shape):
    """`zeros(shape)` with `g` written where `fwd` reads (an index-tracking fallback)."""
    n = int(np.prod(shape))
    pos = fwd(jnp.arange(n, dtype=jnp.int64).reshape(shape))
    return jnp.zeros(n, g.dtype).at[pos.reshape(-1)].set(g.reshape(-1)).reshape(shape)


# -- static indices -------------------------------------------------------------------

def strided_slice(x, index):
    """`index`: a tuple of ints, slices, None and Ellipsis (a NumPy basic index)."""
    return jnp.asarray(x)[index]


def strided_slice_grad(g, like, index):
    """Zeros of the shape of `like` with `g` written at `index` (`like`'s shape only)."""
    return _transpose_into(lambda a: a[index], g, np.shape(like))


KERNELS = {"strided_slice": strided_slice, "strided_slice_grad": strided_slice_grad}


# -- indices with run-time entries ----------------------------------------------------

def _traced(v) -> bool:
    return isinstance(v, jax.core.Tracer)


def _not_static(index, sizes) -> NotImplementedError:
    what = "tf.slice size" if sizes else "slice bound or step"
    return NotImplementedError(
        f"strided_slice_dynamic: a {what} known only at run time (index {index!r}) sizes "
        f"the output by its value, and XLA needs static shapes. Compute the bound from "
        f"shapes or constants, use an integer index or a tf.slice with a constant size, "
        f"or run this function on the NumPy backend (jit_compile=False).")


def _indexer(index, bounds, shape, sizes):
    """A function `a -> a[index]` for arrays of `shape`, with the `(k,)` entries of
    `index` read from `bounds` (concrete ones resolved statically)."""
    if not any(_traced(bounds[p[0]]) for k in index for p in _parts(k)):
        key = _resolve(index, [np.asarray(b) for b in bounds], shape, sizes)
        return lambda a: a[key]

    def val(p):
        if type(p) is not tuple:
            return p
        b = bounds[p[0]]
        return b if _traced(b) else int(np.asarray(b))

    n_used = sum(1 for k in index if k is not None and k is not Ellipsis)
    if n_used > len(shape):
        raise IndexError(f"index has {n_used} dimensions but the tensor has rank "
                         f"{len(shape)}")
    key, dynamic, axis, out_axis = [], [], 0, 0
    for k in index:
        if k is Ellipsis:
            key.append(k)
            n = len(shape) - n_used
            axis += n
            out_axis += n
            continue
        if k is None:
            key.append(k)
            out_axis += 1
            continue
        d = shape[axis]
        if type(k) is slice:
            a, b, c = val(k.start), val(k.stop), val(k.step)
            if sizes:
                if _traced(b) or (b == -1 and _traced(a)):
                    raise _not_static(index, sizes)
                if _traced(a):
                    # NOTE: begin is clamped into [0, d - size], not checked, on this backend
                    key.append(slice(None))
                    dynamic.append(("slice", out_axis, a, b))
                else:
                    key.extend(_resolve((slice(a, b),), (), (d,), True))
            elif _traced(a) or _traced(b) or _traced(c):
                raise _not_static(index, sizes)
            else:
                if c == 0:
                    raise ValueError("slice step cannot be zero")
                key.append(slice(a, b, c))
            out_axis += 1
        else:
            i = val(k)
            if _traced(i):
                # NOTE: an index out of range is clamped, not checked, on this backend
                key.append(slice(None))
                dynamic.append(("index", out_axis, i, d))
                out_axis += 1
            else:
                key.extend(_resolve((i,), (), (d,), False))
        axis += 1
    key = tuple(key)

    def take(a):
        a = a[key]
        drop = []
        for kind, ax, i, n in dynamic:
            if kind == "slice":
                a = jax.lax.dynamic_slice_in_dim(a, i, n, axis=ax)
            else:
                i = jnp.where(i < 0, i + n, i)
                a = jax.lax.dynamic_index_in_dim(a, i, axis=ax, keepdims=True)
                drop.append(ax)
        return jnp.squeeze(a, axis=tuple(drop)) if drop else a
    return take


def _parts(k):
    """The `(k,)` entries of one index entry."""
    if type(k) is slice:
        return [p for p in (k.start, k.stop, k.step) if type(p) is tuple]
    return [k] if type(k) is tuple else []


def strided_slice_dynamic(x, *bounds, index, sizes=False):
    """`x[index]` where the `(k,)` entries of `index` are read from the scalars `bounds`."""
    x = jnp.asarray(x)
    return _indexer(index, bounds, x.shape, sizes)(x)


def strided_slice_dynamic_grad(g, like, *bounds, index, sizes=False):
    """The cotangent of `strided_slice_dynamic`: `g` written into zeros shaped as `like`."""
    shape = np.shape(like)
    return _transpose_into(_indexer(index, bounds, shape, sizes), g, shape)


KERNELS["strided_slice_dynamic"] = strided_slice_dynamic
KERNELS["strided_slice_dynamic_grad"] = strided_slice_dynamic_grad

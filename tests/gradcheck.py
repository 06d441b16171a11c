"""Shared gradient-test helpers."""

import numpy as np

import ember as tf


def nested_grads(f, x):
    """(g, h) as NumPy arrays: g = d sum(f(x)) / dx, h = d sum(g) / dx, by nested tapes
    (for an elementwise f, h is f'' elementwise; in general, the Hessian's row sums)."""
    t = tf.constant(np.asarray(x))
    with tf.GradientTape() as outer:
        outer.watch(t)
        with tf.GradientTape() as inner:
            inner.watch(t)
            y = tf.reduce_sum(f(t))
        g = inner.gradient(y, t)
        s = tf.reduce_sum(g)
    return g.numpy(), outer.gradient(s, t).numpy()


def directional(loss, x, direction, eps: float = 1e-6) -> tuple:
    """(the tape's derivative of the real scalar `loss` at x along `direction`, the same
    by central differences, the tape's gradient as NumPy). Complex x: TF's convention,
    the derivative along d is Re(sum(conj(g) * d))."""
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = loss(t)
    g = tape.gradient(y, t).numpy()
    analytic = float(np.sum(np.real(np.conj(g) * direction)))
    numeric = (float(loss(tf.constant(x + eps * direction)))
               - float(loss(tf.constant(x - eps * direction)))) / (2 * eps)
    return analytic, numeric, g


# -- finite-difference check of one primitive's gradient rule ----------------------------

FD_EPS = 1e-6


def _outputs(out):
    return list(out) if isinstance(out, tuple) else [out]


def _loss_np(prim, arrays, params, us) -> float:
    from ember.core.registry import eager_bind
    from ember.core.tensor import wrap
    outs = _outputs(eager_bind(prim, tuple(wrap(a) for a in arrays), params))
    # NOTE: a complex output enters as Re(conj(u) o), a real loss (u complex).
    return sum(float(np.sum(np.real(np.conj(u) * np.asarray(o._value))))
               for u, o in zip(us, outs) if u is not None)


def _draw(rng: np.random.Generator, shape: tuple, dtype) -> np.ndarray:
    """Standard normal values; complex (independent real and imaginary parts) where
    `dtype` is complex."""
    if np.dtype(dtype).kind == "c":
        return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    return rng.standard_normal(shape)


def check_vjp(prim, arrays: list, params: dict, diff: list, rng: np.random.Generator,
              what: str = "") -> None:
    """Asserts that `prim`'s gradient rule matches central finite differences in float64,
    in a random direction, for inputs `arrays` (the indices `diff` differentiated) and a
    random output cotangent. A primitive declared without gradient must give None; one
    whose floating outputs are not float64 is checked for gradient shapes and dtypes only.
    """
    from ember.core.registry import _no_gradient, bind
    from ember.core.tensor import wrap
    name = what or prim.name
    tensors = [wrap(a) for a in arrays]
    with tf.GradientTape() as tape:
        for k in diff:
            tape.watch(tensors[k])
        outs = _outputs(bind(prim, *tensors, **params))
        us = [_draw(rng, o.shape, o.dtype._numpy()) if o.dtype.is_floating
              or o.dtype.is_complex else None for o in outs]
        terms = [tf.reduce_sum(o * tf.constant(u, dtype=o.dtype)) if not o.dtype.is_complex
                 else tf.reduce_sum(tf.math.real(o * tf.constant(np.conj(u), dtype=o.dtype)))
                 for o, u in zip(outs, us) if u is not None]
        loss = tf.add_n(terms) if terms else None
    if loss is None:
        return  # no floating output: nothing to differentiate
    grads = tape.gradient(loss, [tensors[k] for k in diff])
    if prim.vjp is _no_gradient:
        assert all(g is None for g in grads), f"{name} declares no gradient but got one"
        return
    for g, k in zip(grads, diff):
        assert g is None or (g.shape == tensors[k].shape and g.dtype == tensors[k].dtype), (
            f"{name}: gradient {g.shape} {g.dtype} for input {k} of "
            f"{tensors[k].shape} {tensors[k].dtype}")
    if any(o.dtype not in (tf.float64, tf.complex128) for o in outs
           if o.dtype.is_floating or o.dtype.is_complex):
        return  # finite differences need float64 outputs; the rule ran and fit the inputs
    if not np.isfinite(_loss_np(prim, arrays, params, us)):
        return  # e.g. the -inf max of no elements: no finite differences to compare with
    # NOTE: TF's gradient of a real loss L at a complex z = x + iy is dL/dx + i dL/dy, so
    # the derivative in a complex direction d is Re(sum(conj(grad) d)).
    dirs = {k: _draw(rng, arrays[k].shape, arrays[k].dtype) for k in diff}
    analytic = sum(float(np.sum(np.real(np.conj(np.asarray(g._value)) * dirs[k])))
                   for g, k in zip(grads, diff) if g is not None)
    plus = [a + FD_EPS * dirs[k] if k in dirs else a for k, a in enumerate(arrays)]
    minus = [a - FD_EPS * dirs[k] if k in dirs else a for k, a in enumerate(arrays)]
    numeric = (_loss_np(prim, plus, params, us)
               - _loss_np(prim, minus, params, us)) / (2 * FD_EPS)
    assert np.isfinite(analytic), f"{name}: gradient {analytic} is not finite"
    assert abs(analytic - numeric) <= 1e-6 + 1e-5 * abs(numeric), (
        f"{name}: gradient {analytic} vs finite differences {numeric}")

"""The optimizers' update rules as pure functions: `(g, p, *slots, ...) -> (p', *slots')`.

The NumPy backend updates weights in place (`numpy/fused.py`: a compiled loop, or NumPy
passes); a compiled XLA step (the JAX backend) can't write into buffers, so it runs these
forms, whose outputs replace the buffers (donated on a GPU, so XLA updates them in
place there). Each computes the same expressions in the same order as the in-place NumPy
passes, so both backends take the same steps (to rounding). They work on NumPy and JAX
arrays alike: `namespace(a)` is the array module of `a`.

Example:
    >>> import numpy as np
    >>> from ember.backend.pure_updates import sgd
    >>> sgd(np.array([1.0]), np.array([2.0]), None, 0.0, False, 0.5, None)
    (array([1.5]),)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["namespace", "adam", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
           "lion", "ema", "rows_sub"]


def namespace(a: Any) -> Any:
    """The array module of `a`: jax.numpy for a JAX array or tracer, else NumPy."""
    if type(a).__module__.split(".")[0] in ("jax", "jaxlib"):
        import jax.numpy as jnp  # optional dependency: only reached with JAX values
        return jnp
    return np


def _decayed(p: Any, decay: Any) -> Any:
    return p if decay is None else p * decay


def adam(g, p, m, v, vhat, beta_1, beta_2, epsilon, alpha, decay) -> tuple:
    """Adam (AdamW with `decay`, amsgrad with `vhat`); see `numpy.fused.adam`."""
    xp = namespace(g)
    p = _decayed(p, decay)
    m = m * beta_1 + g * (1 - beta_1)
    v = v * beta_2 + (g * g) * (1 - beta_2)
    if vhat is not None:
        vhat = xp.maximum(vhat, v)
    p = p - m / (xp.sqrt(v if vhat is None else vhat) + epsilon) * alpha
    return (p, m, v) if vhat is None else (p, m, v, vhat)


def sgd(g, p, m, momentum, nesterov, lr, decay) -> tuple:
    """SGD (momentum `m` or None, nesterov); see `numpy.fused.sgd`."""
    p = _decayed(p, decay)
    t = g * lr
    if m is None:
        return (p - t,)
    m = m * momentum - t
    p = (p - t) + m * momentum if nesterov else p + m
    return p, m


def rmsprop(g, p, v, m, avg, rho, momentum, epsilon, lr, decay) -> tuple:
    """RMSprop (momentum `m`, centered `avg`, each or None); see `numpy.fused.rmsprop`."""
    xp = namespace(g)
    p = _decayed(p, decay)
    v = v * rho + (g * g) * (1 - rho)
    if avg is not None:
        avg = avg * rho + g * (1 - rho)
        t = (v - avg * avg) + epsilon
    else:
        t = v + epsilon
    t = g / xp.sqrt(t) * lr
    slots = [v] + ([] if m is None else [None]) + ([] if avg is None else [avg])
    if m is None:
        p = p - t
    else:
        m = m * momentum + t
        p = p - m
        slots[1] = m
    return (p, *slots)


def adagrad(g, p, acc, epsilon, lr, decay) -> tuple:
    """Adagrad; see `numpy.fused.adagrad`."""
    xp = namespace(g)
    p = _decayed(p, decay)
    acc = acc + g * g
    return p - g / xp.sqrt(acc + epsilon) * lr, acc


def adadelta(g, p, ag, ad, rho, epsilon, lr, decay) -> tuple:
    """Adadelta; see `numpy.fused.adadelta`."""
    xp = namespace(g)
    p = _decayed(p, decay)
    ag = ag * rho + (g * g) * (1 - rho)
    t = xp.sqrt(ad + epsilon) * g / xp.sqrt(ag + epsilon)
    ad = ad * rho + (t * t) * (1 - rho)
    return p - t * lr, ag, ad


def adamax(g, p, m, u, beta_1, beta_2, epsilon, lr, correction, decay) -> tuple:
    """Adamax; see `numpy.fused.adamax`."""
    xp = namespace(g)
    p = _decayed(p, decay)
    m = m + (g - m) * (1 - beta_1)
    u = xp.maximum(u * beta_2, xp.abs(g))
    return p - m / ((u + epsilon) * correction) * lr, m, u


def nadam(g, p, m, v, beta_1, beta_2, epsilon, lr, coef_m, coef_g, correction,
          decay) -> tuple:
    """Nadam; see `numpy.fused.nadam`."""
    xp = namespace(g)
    p = _decayed(p, decay)
    m = m + (g - m) * (1 - beta_1)
    v = v + (g * g - v) * (1 - beta_2)
    a = (m * coef_m + g * coef_g) * lr
    return p - a / (xp.sqrt(v / correction) + epsilon), m, v


def lion(g, p, m, beta_1, beta_2, lr, decay) -> tuple:
    """Lion; see `numpy.fused.lion`."""
    xp = namespace(g)
    p = _decayed(p, decay)
    p = p - xp.sign(m * beta_1 + g * (1 - beta_1)) * lr
    return p, m * beta_2 + g * (1 - beta_2)


def ema(p, avg, momentum, overwrite) -> tuple:
    """The moving average of the weights (`use_ema`): `avg = avg * momentum + (1 -
    momentum) * p`, copied into `p` where `overwrite`."""
    xp = namespace(avg)
    avg = avg * momentum + (1 - momentum) * p
    return xp.where(overwrite, avg, p), avg


def rows_sub(p: Any, values: Any, indices: Any, lr: Any, decay: Any = None) -> tuple:
    """`p[indices] -= lr * values` (repeated indices add up), with `p` first scaled by
    `decay` if given: SGD's update of the rows an IndexedSlices gradient names."""
    xp = namespace(p)
    p = _decayed(p, decay)
    idx = xp.reshape(indices, (-1,))
    rows = xp.reshape(values, (idx.shape[0],) + tuple(p.shape[1:])) * lr
    if xp is np:
        out = np.array(p, copy=True)
        np.subtract.at(out, idx, rows)
        return (out,)
    return (p.at[idx].add(-rows),)


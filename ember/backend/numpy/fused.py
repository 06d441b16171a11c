"""Fused in-place optimizer updates over NumPy buffers.

An update such as Adam's is a dozen elementwise operations per weight. As NumPy passes
(`m *= b1`, `np.multiply(g, c1, out=t)`, `m += t`, ...) each reads and writes the whole
array again, and on a CPU the step is then bound by memory traffic, not arithmetic. When
ember's C extension `_fused` is built (`pip install` builds it where a C compiler is
present), each update is one loop over the elements instead, about four times faster.
Otherwise, or for dtypes the extension does not take (float16, bfloat16), the NumPy passes
run. Both compute the same expressions in the same order and precision: they agree
bit for bit, which the tests check.

Example:
    >>> import numpy as np
    >>> from ember.backend.numpy import fused
    >>> p = np.ones(3, np.float32)
    >>> m, v = np.zeros(3, np.float32), np.zeros(3, np.float32)
    >>> g = np.array([1.0, -2.0, 0.5], np.float32)
    >>> alpha = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9)   # lr 0.1, bias-corrected for step 1
    >>> fused.adam(g, p, m, v, None, 0.9, 0.999, 1e-7, alpha, None)
    >>> p.round(4)   # the first Adam step moves each weight by the learning rate
    array([0.9, 1.1, 0.9], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import compiled

_compiled = compiled.load("_fused")  # the optional compiled loops (see _fused.c), or None
_C = _compiled  # what the kernels call now (None: the NumPy code)
compiled_available, use_compiled = compiled.switch(globals(), "fused")


def _fits(g: np.ndarray, p: np.ndarray) -> bool:
    """Whether the compiled loops take these arrays (float32/64, one dtype, contiguous;
    the updated buffers are C-contiguous by construction, see `prims.effects._own`)."""
    return (_C is not None and g.dtype == p.dtype and p.dtype.char in "fd"
            and g.flags.c_contiguous)


def adam(g: np.ndarray, p: np.ndarray, m: np.ndarray, v: np.ndarray,
         vhat: np.ndarray | None, beta_1: float, beta_2: float, epsilon: float, alpha: Any,
         decay: Any, scratch: Callable = np.empty_like) -> None:
    """One Adam step in place (Keras' formula, `alpha` the bias-corrected step size):

        p *= decay                         (when decay is not None: AdamW)
        m = m * beta_1 + g * (1 - beta_1)
        v = v * beta_2 + g*g * (1 - beta_2)
        vhat = max(vhat, v)                (when vhat is not None: amsgrad)
        p -= m / (sqrt(vhat or v) + epsilon) * alpha

    `scratch(g)` gives a temporary shaped like `g` (the NumPy passes need one).
    """
    if _fits(g, p):
        _C.adam(g, p, m, v, vhat, beta_1, beta_2, epsilon, alpha, decay)
        return
    adam_numpy(g, p, m, v, vhat, beta_1, beta_2, epsilon, alpha, decay, scratch(g))


def adam_numpy(g: np.ndarray, p: np.ndarray, m: np.ndarray, v: np.ndarray,
               vhat: np.ndarray | None, beta_1: float, beta_2: float, epsilon: float,
               alpha: Any, decay: Any, t: np.ndarray) -> None:
    """`adam` as NumPy passes (the reference the compiled loop matches)."""
    if decay is not None:
        p *= decay
    # NOTE: m*b1 + g*(1-b1) and v*b2 + g*g*(1-b2) equal Keras' m + (g-m)*(1-b1) and
    # v + (g*g-v)*(1-b2) but take 5 passes over memory instead of 7 (to rounding).
    m *= beta_1
    np.multiply(g, 1 - beta_1, out=t)
    m += t
    v *= beta_2
    np.square(g, out=t)
    t *= 1 - beta_2
    v += t
    if vhat is not None:
        np.maximum(vhat, v, out=vhat)
        v = vhat
    np.sqrt(v, out=t)
    t += epsilon
    np.divide(m, t, out=t)
    t *= alpha
    p -= t


def sgd(g: np.ndarray, p: np.ndarray, m: np.ndarray | None, momentum: float, nesterov: bool,
        lr: Any, decay: Any, scratch: Callable = np.empty_like) -> None:
    """One SGD step in place (Keras' formula; `m` is None without momentum):

        p *= decay                          (when decay is not None)
        m = m * momentum - g * lr;  p += m  (nesterov: p += m * momentum - g * lr)
        p -= g * lr                         (without momentum)

    Example:
        >>> import numpy as np
        >>> from ember.backend.numpy import fused
        >>> p, m = np.ones(2, np.float32), np.zeros(2, np.float32)
        >>> fused.sgd(np.array([1.0, -1.0], np.float32), p, m, 0.9, False, 0.5, None)
        >>> p
        array([0.5, 1.5], dtype=float32)
    """
    if _fits(g, p):
        _C.sgd(g, p, m, momentum, nesterov, lr, decay)
        return
    sgd_numpy(g, p, m, momentum, nesterov, lr, decay, scratch(g))


def sgd_numpy(g: np.ndarray, p: np.ndarray, m: np.ndarray | None, momentum: float,
              nesterov: bool, lr: Any, decay: Any, t: np.ndarray) -> None:
    """`sgd` as NumPy passes (the reference the compiled loop matches)."""
    if decay is not None:
        p *= decay
    np.multiply(g, lr, out=t)
    if m is None:
        p -= t
        return
    m *= momentum
    m -= t
    if nesterov:
        p -= t
        np.multiply(m, momentum, out=t)
        p += t
    else:
        p += m


def rmsprop(g: np.ndarray, p: np.ndarray, v: np.ndarray, m: np.ndarray | None,
            avg: np.ndarray | None, rho: float, momentum: float, epsilon: float, lr: Any,
            decay: Any, scratch: Callable = np.empty_like) -> None:
    """One RMSprop step in place (Keras' formula; `m` is None without momentum, `avg`
    None unless centered):

        p *= decay                                  (when decay is not None)
        v = v * rho + g*g * (1 - rho)
        avg = avg * rho + g * (1 - rho)             (centered)
        t = g / sqrt(v - avg*avg + epsilon) * lr    (not centered: v + epsilon)
        m = m * momentum + t;  p -= m               (without momentum: p -= t)

    Example:
        >>> import numpy as np
        >>> from ember.backend.numpy import fused
        >>> p, v = np.ones(1, np.float32), np.zeros(1, np.float32)
        >>> fused.rmsprop(np.array([2.0], np.float32), p, v, None, None, 0.9, 0.0, 1e-7,
        ...               0.1, None)
        >>> p.round(4)   # 1 - 0.1 * 2 / sqrt(0.1 * 4)
        array([0.6838], dtype=float32)
    """
    if _fits(g, p):
        _C.rmsprop(g, p, v, m, avg, rho, momentum, epsilon, lr, decay)
        return
    rmsprop_numpy(g, p, v, m, avg, rho, momentum, epsilon, lr, decay, scratch(g))


def rmsprop_numpy(g: np.ndarray, p: np.ndarray, v: np.ndarray, m: np.ndarray | None,
                  avg: np.ndarray | None, rho: float, momentum: float, epsilon: float,
                  lr: Any, decay: Any, t: np.ndarray) -> None:
    """`rmsprop` as NumPy passes (the reference the compiled loop matches)."""
    if decay is not None:
        p *= decay
    v *= rho
    np.multiply(g, g, out=t)
    t *= 1 - rho
    v += t
    if avg is not None:
        avg *= rho
        np.multiply(g, 1 - rho, out=t)
        avg += t
        np.multiply(avg, avg, out=t)
        np.subtract(v, t, out=t)
        t += epsilon
    else:
        np.add(v, epsilon, out=t)
    np.sqrt(t, out=t)
    np.divide(g, t, out=t)
    t *= lr
    if m is None:
        p -= t
    else:
        m *= momentum
        m += t
        p -= m


def _pair(scratch: Callable, g: np.ndarray) -> tuple:
    """Two disjoint temporaries shaped like `g`, from one `scratch` call."""
    # NOTE: `scratch` only reads dtype/size/shape, so a broadcast view (no data) asks it
    # for room for both at once.
    buf = scratch(np.broadcast_to(g, (2, *g.shape)))
    return buf[0, ...], buf[1, ...]  # `[i, ...]`: a view even for 0-d


def adagrad(g: np.ndarray, p: np.ndarray, acc: np.ndarray, epsilon: float, lr: Any,
            decay: Any, scratch: Callable = np.empty_like) -> None:
    """One Adagrad step in place (Keras' formula):

        p *= decay                          (when decay is not None)
        acc += g*g
        p -= g / sqrt(acc + epsilon) * lr

    Example:
        >>> import numpy as np
        >>> from ember.backend.numpy import fused
        >>> p, acc = np.ones(1, np.float32), np.full(1, 0.1, np.float32)
        >>> fused.adagrad(np.array([2.0], np.float32), p, acc, 1e-7, 0.1, None)
        >>> acc, p.round(4)   # 1 - 0.1 * 2 / sqrt(0.1 + 4)
        (array([4.1], dtype=float32), array([0.9012], dtype=float32))
    """
    if _fits(g, p):
        _C.adagrad(g, p, acc, epsilon, lr, decay)
        return
    adagrad_numpy(g, p, acc, epsilon, lr, decay, scratch(g))


def adagrad_numpy(g: np.ndarray, p: np.ndarray, acc: np.ndarray, epsilon: float, lr: Any,
                  decay: Any, t: np.ndarray) -> None:
    """`adagrad` as NumPy passes (the reference the compiled loop matches)."""
    if decay is not None:
        p *= decay
    np.multiply(g, g, out=t)
    acc += t
    np.add(acc, epsilon, out=t)
    np.sqrt(t, out=t)
    np.divide(g, t, out=t)
    t *= lr
    p -= t


def adadelta(g: np.ndarray, p: np.ndarray, ag: np.ndarray, ad: np.ndarray, rho: float,
             epsilon: float, lr: Any, decay: Any, scratch: Callable = np.empty_like) -> None:
    """One Adadelta step in place (Keras' formula; `ag` and `ad` are the running averages
    of the squared gradients and of the squared updates):

        p *= decay                                      (when decay is not None)
        ag = ag * rho + g*g * (1 - rho)
        t = sqrt(ad + epsilon) * g / sqrt(ag + epsilon)     (minus the update)
        ad = ad * rho + t*t * (1 - rho)
        p -= t * lr

    Example:
        >>> import numpy as np
        >>> from ember.backend.numpy import fused
        >>> p, ag, ad = np.ones(1), np.zeros(1), np.zeros(1)
        >>> fused.adadelta(np.array([2.0]), p, ag, ad, 0.95, 1e-3, 1.0, None)
        >>> p.round(4)   # 1 - sqrt(1e-3) * 2 / sqrt(0.05 * 4 + 1e-3)
        array([0.8589])
    """
    if _fits(g, p):
        _C.adadelta(g, p, ag, ad, rho, 1 - rho, epsilon, lr, decay)
        return
    adadelta_numpy(g, p, ag, ad, rho, epsilon, lr, decay, *_pair(scratch, g))


def adadelta_numpy(g: np.ndarray, p: np.ndarray, ag: np.ndarray, ad: np.ndarray, rho: float,
                   epsilon: float, lr: Any, decay: Any, t: np.ndarray, u: np.ndarray) -> None:
    """`adadelta` as NumPy passes (the reference the compiled loop matches)."""
    if decay is not None:
        p *= decay
    ag *= rho
    np.multiply(g, g, out=t)
    t *= 1 - rho
    ag += t
    np.add(ad, epsilon, out=t)          # t = -delta = rms(ad) * g / rms(ag)
    np.sqrt(t, out=t)
    t *= g
    np.add(ag, epsilon, out=u)
    np.sqrt(u, out=u)
    t /= u
    ad *= rho
    np.multiply(t, t, out=u)
    u *= 1 - rho
    ad += u
    t *= lr
    p -= t


def adamax(g: np.ndarray, p: np.ndarray, m: np.ndarray, u: np.ndarray, beta_1: float,
           beta_2: float, epsilon: float, lr: Any, correction: Any, decay: Any,
           scratch: Callable = np.empty_like) -> None:
    """One Adamax step in place (Keras' formula; `correction` is `1 - beta_1**t`):

        p *= decay                          (when decay is not None)
        m += (g - m) * (1 - beta_1)
        u = max(u * beta_2, |g|)            (NaN propagates, as np.maximum)
        p -= m / ((u + epsilon) * correction) * lr

    Example:
        >>> import numpy as np
        >>> from ember.backend.numpy import fused
        >>> p, m, u = np.ones(2, np.float32), np.zeros(2, np.float32), np.zeros(2, np.float32)
        >>> fused.adamax(np.array([5.0, -0.5], np.float32), p, m, u, 0.9, 0.999, 1e-7, 0.1,
        ...              np.float32(0.1), None)
        >>> p.round(4)   # the first step moves each weight by lr, against the gradient
        array([0.9, 1.1], dtype=float32)
    """
    if _fits(g, p):
        _C.adamax(g, p, m, u, 1 - beta_1, beta_2, epsilon, lr, correction, decay)
        return
    adamax_numpy(g, p, m, u, beta_1, beta_2, epsilon, lr, correction, decay, scratch(g))


def adamax_numpy(g: np.ndarray, p: np.ndarray, m: np.ndarray, u: np.ndarray, beta_1: float,
                 beta_2: float, epsilon: float, lr: Any, correction: Any, decay: Any,
                 t: np.ndarray) -> None:
    """`adamax` as NumPy passes (the reference the compiled loop matches)."""
    if decay is not None:
        p *= decay
    np.subtract(g, m, out=t)
    t *= 1 - beta_1
    m += t
    u *= beta_2
    np.abs(g, out=t)
    np.maximum(u, t, out=u)
    np.add(u, epsilon, out=t)
    t *= correction
    np.divide(m, t, out=t)
    t *= lr
    p -= t


def nadam(g: np.ndarray, p: np.ndarray, m: np.ndarray, v: np.ndarray, beta_1: float,
          beta_2: float, epsilon: float, lr: Any, coef_m: Any, coef_g: Any, correction: Any,
          decay: Any, scratch: Callable = np.empty_like) -> None:
    """One Nadam step in place (Keras' formula; the optimizer computes the momentum
    schedule's `coef_m`, `coef_g` and `correction = 1 - beta_2**t` per step):

        p *= decay                          (when decay is not None)
        m += (g - m) * (1 - beta_1)
        v += (g*g - v) * (1 - beta_2)
        p -= (m * coef_m + g * coef_g) * lr / (sqrt(v / correction) + epsilon)

    Example:
        >>> import numpy as np
        >>> from ember.backend.numpy import fused
        >>> p, m, v = np.ones(1), np.zeros(1), np.zeros(1)
        >>> fused.nadam(np.array([2.0]), p, m, v, 0.9, 0.999, 1e-7, 0.1, 1.0, 0.0, 0.001,
        ...             None)
        >>> m, v, p.round(4)   # 1 - 0.1 * 0.2 / sqrt(0.004 / 0.001)
        (array([0.2]), array([0.004]), array([0.99]))
    """
    if _fits(g, p):
        _C.nadam(g, p, m, v, 1 - beta_1, 1 - beta_2, epsilon, lr, coef_m, coef_g, correction,
                 decay)
        return
    nadam_numpy(g, p, m, v, beta_1, beta_2, epsilon, lr, coef_m, coef_g, correction, decay,
                *_pair(scratch, g))


def nadam_numpy(g: np.ndarray, p: np.ndarray, m: np.ndarray, v: np.ndarray, beta_1: float,
                beta_2: float, epsilon: float, lr: Any, coef_m: Any, coef_g: Any,
                correction: Any, decay: Any, a: np.ndarray, b: np.ndarray) -> None:
    """`nadam` as NumPy passes (the reference the compiled loop matches)."""
    if decay is not None:
        p *= decay
    np.subtract(g, m, out=a)
    a *= 1 - beta_1
    m += a
    np.multiply(g, g, out=a)
    a -= v
    a *= 1 - beta_2
    v += a
    np.multiply(m, coef_m, out=a)   # a = m_hat
    np.multiply(g, coef_g, out=b)
    a += b
    np.divide(v, correction, out=b)
    np.sqrt(b, out=b)
    b += epsilon
    a *= lr
    a /= b
    p -= a


def lion(g: np.ndarray, p: np.ndarray, m: np.ndarray, beta_1: float, beta_2: float, lr: Any,
         decay: Any, scratch: Callable = np.empty_like) -> None:
    """One Lion step in place (Keras' formula):

        p *= decay                                      (when decay is not None)
        p -= sign(m * beta_1 + g * (1 - beta_1)) * lr   (np.sign: 0 at 0, NaN kept)
        m = m * beta_2 + g * (1 - beta_2)

    Example:
        >>> import numpy as np
        >>> from ember.backend.numpy import fused
        >>> p, m = np.ones(3, np.float32), np.zeros(3, np.float32)
        >>> fused.lion(np.array([3.0, -0.5, 0.0], np.float32), p, m, 0.9, 0.99, 0.1, None)
        >>> p
        array([0.9, 1.1, 1. ], dtype=float32)
    """
    if _fits(g, p):
        _C.lion(g, p, m, beta_1, 1 - beta_1, beta_2, 1 - beta_2, lr, decay)
        return
    lion_numpy(g, p, m, beta_1, beta_2, lr, decay, *_pair(scratch, g))


def lion_numpy(g: np.ndarray, p: np.ndarray, m: np.ndarray, beta_1: float, beta_2: float,
               lr: Any, decay: Any, a: np.ndarray, b: np.ndarray) -> None:
    """`lion` as NumPy passes (the reference the compiled loop matches)."""
    if decay is not None:
        p *= decay
    np.multiply(m, beta_1, out=a)
    np.multiply(g, 1 - beta_1, out=b)
    a += b
    np.sign(a, out=b)  # NOTE: not in place: NumPy's in-place sign is ~8x slower
    b *= lr
    p -= b
    m *= beta_2
    np.multiply(g, 1 - beta_2, out=b)
    m += b

"""Special-function primitives of `tf.math`: log-gamma and its derivatives, the incomplete
gamma and beta functions, the Hurwitz zeta function, the inverse error function, the
normal quantile and the modified Bessel functions of order 0 and 1 (plain and
exponentially scaled), with TF's gradients; and the composites lbeta and erfcinv.

Their NumPy kernels (`ember/backend/numpy/special.py`) use SciPy where it is installed
(`pip install ember[special]`); without it lgamma, digamma, erfinv, ndtri and the Bessel
functions fall back to NumPy implementations and the others raise an ImportError.

Gradients (TF's): lgamma' = digamma, digamma' = polygamma(1, .), polygamma(n, x) w.r.t. x
= polygamma(n + 1, x) (none w.r.t. n), igamma/igammac w.r.t. x (w.r.t. a by the
`igamma_grad_a` primitive), betainc w.r.t. x (none w.r.t. a, b, as TF), zeta w.r.t. q
(none w.r.t. x, as TF), erfinv' = sqrt(pi)/2 exp(erfinv^2), ndtri' = sqrt(2 pi)
exp(ndtri^2 / 2), i0' = i1, i1' = i0 - i1/x, and their scaled forms.

Example:
    >>> import ember as tf
    >>> from ember.prims.special import lgamma
    >>> lgamma(tf.constant([1.0, 3.0])).numpy()
    array([0.       , 0.6931472], dtype=float32)
"""

from __future__ import annotations

import math as _math
from typing import Any

from ..backend.numpy import special as _kernels
from ..core import grad_prims, rules
from ..core.dtypes import NP_FLOATS, float32, float64
from ..core.registry import bind, bind1, bind2, defvjp, no_gradient, primitive
from ..core.shape import TensorSpec
from ..core.tape import needs_gradient
from .convert import as_tensor, pair
from .math import (add, equal, exp, greater, less, log, logical_and, multiply, negative, sign,
                   subtract, truediv, where)
from .reduce import reduce_sum

_F3264 = NP_FLOATS & {float32._np, float64._np}


def _need_scipy(op: str) -> None:
    """The ImportError for an op whose NumPy kernel needs SciPy, raised by the op itself
    (eagerly and when traced) where SciPy is missing."""
    if _kernels.scipy_special() is None:
        raise ImportError(f"{op}: this special function needs SciPy, which is not "
                          f"installed; install it with `pip install ember[special]` (or "
                          f"`pip install scipy`).")


def _unary(name: str, what: str):
    p = primitive(name, rules.unary(name), allowed=NP_FLOATS, elementwise=True)

    def op(x: Any, name: str | None = None) -> Any:
        return bind1(p, as_tensor(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"Elementwise {what}, as `tf.math.{name}`.\n\n"
                  f"    Example:\n"
                  f"        >>> import ember as tf\n"
                  f"        >>> y = tf.math.{name}(tf.constant([0.25, 0.5]))\n")
    return p, op


def _binary(name: str, what: str):
    p = primitive(name, rules.binary(name), allowed=_F3264, same_dtype=True,
                  elementwise=True)

    def op(x: Any, y: Any, name: str | None = None) -> Any:
        x, y = pair(x, y)
        return bind2(p, x, y)

    op.__name__ = op.__qualname__ = name
    return p, op


lgamma_p, lgamma = _unary("lgamma", "log |Gamma(x)|")
digamma_p, digamma = _unary("digamma", "digamma (psi) function, d/dx lgamma(x)")
erfinv_p, erfinv = _unary("erfinv", "inverse error function")
ndtri_p, ndtri = _unary("ndtri", "standard normal quantile (inverse of ndtr)")
bessel_i0_p, bessel_i0 = _unary("bessel_i0", "modified Bessel function I0")
bessel_i0e_p, bessel_i0e = _unary("bessel_i0e", "exponentially scaled I0, exp(-|x|) I0(x)")
bessel_i1_p, bessel_i1 = _unary("bessel_i1", "modified Bessel function I1")
bessel_i1e_p, bessel_i1e = _unary("bessel_i1e", "exponentially scaled I1, exp(-|x|) I1(x)")
polygamma_p, _polygamma = _binary("polygamma", "polygamma")
igamma_p, _igamma = _binary("igamma", "regularized lower incomplete gamma P(a, x)")
igammac_p, _igammac = _binary("igammac", "regularized upper incomplete gamma Q(a, x)")
igamma_grad_a_p, _ = _binary("igamma_grad_a", "d/da P(a, x)")
zeta_p, _zeta = _binary("zeta", "Hurwitz zeta")


def _betainc_rule(a: TensorSpec, b: TensorSpec, x: TensorSpec) -> TensorSpec:
    return TensorSpec(rules.broadcast_shapes("betainc", a, b, x), a.dtype)


betainc_p = primitive("betainc", _betainc_rule, allowed=_F3264, same_dtype=True,
                      elementwise=True)

defvjp(lgamma_p, lambda g, ins, out: (multiply(g, digamma(ins[0])),))
defvjp(digamma_p, lambda g, ins, out: (
    multiply(g, bind2(polygamma_p, _filled(ins[0], 1.0), ins[0])),))
_HALF_SQRT_PI = _math.sqrt(_math.pi) / 2
_SQRT_2PI = _math.sqrt(2 * _math.pi)
defvjp(erfinv_p, lambda g, ins, out: (multiply(g, multiply(_HALF_SQRT_PI, exp(multiply(out, out)))),))
defvjp(ndtri_p, lambda g, ins, out: (
    multiply(g, multiply(_SQRT_2PI, exp(multiply(multiply(out, out), 0.5)))),))
defvjp(bessel_i0_p, lambda g, ins, out: (multiply(g, bessel_i1(ins[0])),))
defvjp(bessel_i0e_p, lambda g, ins, out: (
    multiply(g, subtract(bessel_i1e(ins[0]), multiply(sign(ins[0]), out))),))


def _i1_over_x(x: Any, i1x: Any) -> Any:
    """i1(x) / x, with its limit 1/2 at x = 0."""
    zero = equal(x, 0)
    return where(zero, 0.5, truediv(i1x, where(zero, 1, x)))


defvjp(bessel_i1_p, lambda g, ins, out: (
    multiply(g, subtract(bessel_i0(ins[0]), _i1_over_x(ins[0], out))),))
defvjp(bessel_i1e_p, lambda g, ins, out: (
    multiply(g, subtract(subtract(bessel_i0e(ins[0]), multiply(sign(ins[0]), out)),
                         _i1_over_x(ins[0], out))),))
defvjp(polygamma_p, lambda g, ins, out: (
    None, multiply(g, bind2(polygamma_p, add(ins[0], 1), ins[1]))))


def _filled(x: Any, value: float) -> Any:
    return grad_prims.fill_like(x, value)


def _igamma_dx(a: Any, x: Any) -> Any:
    """d/dx P(a, x) = exp(-x + (a - 1) log x - lgamma(a)), 0 for x <= 0."""
    pos = greater(x, 0)
    xs = where(pos, x, 1)
    val = exp(subtract(subtract(multiply(subtract(a, 1), log(xs)), xs), lgamma(a)))
    return where(pos, val, 0)


def _igamma_vjp(sgn: float):
    def rule(g, ins, out):
        a, x = ins
        ga = multiply(g, multiply(sgn, bind2(igamma_grad_a_p, a, x))) \
            if needs_gradient(0) else None
        gx = multiply(g, multiply(sgn, _igamma_dx(a, x))) if needs_gradient(1) else None
        return ga, gx
    return rule


defvjp(igamma_p, _igamma_vjp(1.0))
defvjp(igammac_p, _igamma_vjp(-1.0))
no_gradient(igamma_grad_a_p)


def _betainc_vjp(g: Any, ins: tuple, out: Any) -> tuple:
    # d/dx I_x(a, b) = x^(a-1) (1-x)^(b-1) / B(a, b), in logs; 0 outside (0, 1)
    a, b, x = ins
    ok = logical_and(greater(x, 0), less(x, 1))
    xs = where(ok, x, 0.5)
    logb = subtract(add(lgamma(a), lgamma(b)), lgamma(add(a, b)))
    val = exp(subtract(add(multiply(subtract(a, 1), log(xs)),
                           multiply(subtract(b, 1), log(subtract(1, xs)))), logb))
    return None, None, multiply(g, where(ok, val, 0))


defvjp(betainc_p, _betainc_vjp)
defvjp(zeta_p, lambda g, ins, out: (
    None, multiply(g, negative(multiply(ins[0], bind2(zeta_p, add(ins[0], 1), ins[1]))))))


def polygamma(a: Any, x: Any, name: str | None = None) -> Any:
    """The polygamma function psi^(a)(x), the a-th derivative of digamma (`a` a
    non-negative integer-valued float; nan otherwise), as `tf.math.polygamma`.

    Example:
        >>> import ember as tf
        >>> round(float(tf.math.polygamma(1.0, 1.0)), 6)  # pi^2 / 6
        1.644934
    """
    _need_scipy("polygamma")
    a, x = pair(a, x)
    return bind2(polygamma_p, a, x)


def igamma(a: Any, x: Any, name: str | None = None) -> Any:
    """The regularized lower incomplete gamma function P(a, x), as `tf.math.igamma`.

    Example:
        >>> import ember as tf
        >>> round(float(tf.math.igamma(2.0, 1.0)), 6)
        0.264241
    """
    _need_scipy("igamma")
    a, x = pair(a, x)
    return bind2(igamma_p, a, x)


def igammac(a: Any, x: Any, name: str | None = None) -> Any:
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x), as
    `tf.math.igammac`.

    Example:
        >>> import ember as tf
        >>> round(float(tf.math.igammac(2.0, 1.0)), 6)
        0.735759
    """
    _need_scipy("igammac")
    a, x = pair(a, x)
    return bind2(igammac_p, a, x)


def zeta(x: Any, q: Any, name: str | None = None) -> Any:
    """The Hurwitz zeta function sum_n (n + q)^-x, as `tf.math.zeta`.

    Example:
        >>> import ember as tf
        >>> round(float(tf.math.zeta(2.0, 1.0)), 6)
        1.644934
    """
    _need_scipy("zeta")
    x, q = pair(x, q)
    return bind2(zeta_p, x, q)


def betainc(a: Any, b: Any, x: Any, name: str | None = None) -> Any:
    """The regularized incomplete beta function I_x(a, b) (broadcasting), as
    `tf.math.betainc`; differentiable w.r.t. x only, as TF.

    Example:
        >>> import ember as tf
        >>> round(float(tf.math.betainc(2.0, 3.0, 0.5)), 6)
        0.6875
    """
    _need_scipy("betainc")
    a, b = pair(a, b)
    a, x = pair(a, x)
    b, _ = pair(b, x)
    return bind(betainc_p, a, b, x)


def lbeta(x: Any, name: str | None = None) -> Any:
    """log|B(x)| = sum(lgamma(x)) - lgamma(sum(x)) over the last axis, as
    `tf.math.lbeta` (an empty last axis gives -inf).

    Example:
        >>> import ember as tf
        >>> round(float(tf.math.lbeta(tf.constant([1.0, 2.0]))), 6)  # log(1/2)
        -0.693147
    """
    x = rules.floating("lbeta", as_tensor(x))
    return subtract(reduce_sum(lgamma(x), -1), lgamma(reduce_sum(x, -1)))


def erfcinv(x: Any, name: str | None = None) -> Any:
    """The inverse of erfc on [0, 2]: -ndtri(x / 2) / sqrt(2), as `tf.math.erfcinv`.

    Example:
        >>> import ember as tf
        >>> round(float(tf.math.erfcinv(tf.constant(0.5))), 6)
        0.476936
    """
    x = rules.floating("erfcinv", as_tensor(x))
    return multiply(ndtri(multiply(x, 0.5)), -1 / _math.sqrt(2))

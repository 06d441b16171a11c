"""Keras 3's elementwise math ops outside `keras.ops.numpy` (top-level `keras.ops` and
`keras.ops.math`): `erf`, `erfc`, `erfinv` and `rsqrt`.

ember has an `erf` primitive; `erfc` is `1 - erf` where that is accurate and a continued
fraction where erfc is tiny, `erfinv` a rational first guess (Giles, 2010) refined by
Newton steps on `erf`, so all work on KerasTensors and have gradients.

Example:
    >>> from ember import keras
    >>> keras.ops.erfinv(keras.ops.erf([0.25])).numpy()
    array([0.25], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...ops.math_ops import (abs as _abs, add, equal, erf as _erf, exp as _exp,
                             greater_equal, less, log as _log, logical_not, multiply, negative,
                             rsqrt as _rsqrt, sign, sqrt as _sqrt, square, subtract,
                             truediv, where as _where)
from ...prims.convert import cast
from ._numpy_elementwise import _as_float, _name
from ._numpy_elementwise2 import _c, _exp_float, _safe

__all__ = ["erf", "erfc", "erfinv", "rsqrt"]

_HALF = ("float16", "bfloat16")


def rsqrt(x: Any) -> Any:
    """`1 / sqrt(x)` elementwise; integers give floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.rsqrt([4.0, 16.0]).numpy()
        array([0.5 , 0.25], dtype=float32)
    """
    return _rsqrt(_as_float(x))


def erf(x: Any) -> Any:
    """The error function elementwise; integers give floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.erf([0.0, 1.0]).numpy()
        array([0.       , 0.8427008], dtype=float32)
    """
    x = _exp_float(x)
    if _name(x) in ("float16", "bfloat16"):
        return cast(_erf(cast(x, "float32")), _name(x))
    return _erf(x)


def _erfc_tail(x: Any) -> Any:
    """erfc(x) for x >= 2 by its continued fraction, exp(-x^2)/sqrt(pi) / (x + 1/2 /
    (x + 1 / (x + 3/2 / (x + ...)))), summed from the 60th term up."""
    acc = x
    for k in range(60, 0, -1):
        acc = add(x, truediv(_c(k / 2.0, x), acc))
    return truediv(multiply(_exp(negative(square(x))), _c(1.0 / math.sqrt(math.pi), x)),
                   acc)


def erfc(x: Any) -> Any:
    """`1 - erf(x)` elementwise, accurate where it is tiny (large `x`); integers give
    floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.erfc([0.0, 1.0]).numpy()
        array([1.        , 0.15729922], dtype=float32)
    """
    x = _exp_float(x)
    dt = _name(x)
    if dt in ("float16", "bfloat16"):
        return cast(erfc(cast(x, "float32")), dt)
    tail = greater_equal(x, _c(2.0, x))
    direct = subtract(_c(1.0, x), _erf(x))
    return _where(tail, _erfc_tail(_safe(tail, x, 2.0)), direct)


def erfinv(x: Any) -> Any:
    """The inverse error function elementwise (+-inf at +-1, NaN beyond); integers give
    floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.erfinv([0.0, 0.5]).numpy()
        array([0.        , 0.47693628], dtype=float32)
    """
    x = _exp_float(x)
    dt = _name(x)
    if dt in ("float16", "bfloat16"):
        return cast(erfinv(cast(x, "float32")), dt)
    inside = less(_abs(x), _c(1.0, x))
    y = _safe(inside, x, 0.0)
    # Giles' single-precision approximation as the start, then Newton steps on erf
    w = negative(_log(multiply(subtract(_c(1.0, y), y), add(_c(1.0, y), y))))
    central = less(w, _c(5.0, w))
    wc = subtract(_safe(central, w, 2.5), _c(2.5, w))
    wt = subtract(_sqrt(_safe(logical_not(central), w, 5.0)), _c(3.0, w))
    pc = _poly(wc, (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                    0.00021858087, -0.00125372503, -0.00417768164, 0.246640727,
                    1.50140941))
    pt = _poly(wt, (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                    0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682))
    z = multiply(_where(central, pc, pt), y)
    two_over_sqrt_pi = _c(2.0 / math.sqrt(math.pi), z)
    for _ in range(2 if dt == "float32" else 3):
        z = subtract(z, truediv(subtract(_erf(z), y),
                                multiply(two_over_sqrt_pi, _exp(negative(square(z))))))
    edge = _where(equal(_abs(x), _c(1.0, x)), multiply(sign(x), _c(np.inf, x)),
                  _c(np.nan, x))
    return _where(inside, z, edge)


def _poly(t: Any, coeffs: tuple) -> Any:
    """Horner's sum of a polynomial, highest power first."""
    acc = _c(coeffs[0], t)
    for c in coeffs[1:]:
        acc = add(multiply(acc, t), _c(c, t))
    return acc

"""Specs of the special-function primitives (ember/prims/special.py) and of the inverse
trigonometric / hyperbolic, erfc, rint and nextafter primitives of ember/prims/math.py.

References: NumPy's ufuncs and Python's math module; SciPy (the test extra) for the
special functions, with TF's conventions at the edges written out here.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special as sc

from . import Case, rng

R = rng(18)
F64 = R.standard_normal((3, 4))
F32 = F64.astype(np.float32)
UNIT64 = R.uniform(-0.9, 0.9, (3, 4))      # inside (-1, 1)
ABOVE1 = R.uniform(1.2, 3.0, (3, 4))       # acosh's domain
POS64 = R.uniform(0.3, 3.0, (3, 4))
POS64B = R.uniform(0.3, 3.0, (3, 4))
PROB64 = R.uniform(0.05, 0.95, (3, 4))
ROW_POS = R.uniform(0.5, 2.5, (4,))
ORDERS = np.array([0.0, 1.0, 2.0, 3.0])    # polygamma's orders, one per column
ZETA_S = R.uniform(1.5, 4.0, (3, 4))


def _each(fn):
    def ref(*xs):
        b = np.broadcast_arrays(*[np.asarray(x, np.float64) for x in xs])
        flat = [fn(*(v.item() for v in vals)) for vals in zip(*(a.ravel() for a in b))]
        return np.array(flat, dtype=np.float64).reshape(b[0].shape).astype(xs[0].dtype)
    return ref


def _tol(x):
    return (1e-5, 1e-6) if x.dtype == np.float32 else (1e-10, 1e-12)


def _unary(fn, inputs, diff=True, shapes="elementwise"):
    out = []
    for x in inputs:
        rtol, atol = _tol(x)
        out.append(Case((x,), fn, rtol=rtol, atol=atol, shapes=shapes,
                        diff_args=None if diff else ()))
    return out


def _f64ref(fn):
    """A reference computed in float64 and returned in the first input's dtype."""
    def ref(*xs):
        with np.errstate(all="ignore"):
            y = fn(*[np.asarray(x, np.float64) for x in xs])
        return np.asarray(y, np.float64).astype(np.asarray(xs[0]).dtype)
    return ref


def _erfc1(v):
    return math.erfc(v)


def _lgamma(x):
    return np.where(x == -np.inf, np.inf, sc.gammaln(x))  # TF: lgamma(-inf) = inf


def _digamma(x):
    return np.where(x == 0, np.nan, sc.psi(x))  # TF: nan at 0 (SciPy: +-inf)


def _polygamma1(n, x):
    if n != n or x != x or n < 0 or x == -math.inf:
        return math.nan
    if n == math.inf:
        return math.inf  # TF
    if n != math.floor(n):
        return math.nan
    if n == 0:
        return math.nan if x == 0 else float(sc.psi(x))
    return (-1) ** (int(n) + 1) * math.gamma(n + 1) * float(sc.zeta(n + 1, x))


def _igamma(upper):
    def ref(a, x):
        y = (sc.gammaincc if upper else sc.gammainc)(a, x)
        return np.where(a <= 0, np.nan, y)
    return ref


def _igamma_grad_a(a, x):
    # a five-point central difference of P(., x) in a
    h = 1e-3 * np.maximum(a, 1.0)
    f = sc.gammainc
    d = (-f(a + 2 * h, x) + 8 * f(a + h, x) - 8 * f(a - h, x) + f(a - 2 * h, x)) / (12 * h)
    return np.where(x == 0, 0.0, d)


def _betainc(a, b, x):
    return np.where((a <= 0) | (b <= 0), np.nan, sc.betainc(a, b, x))


SPECS = {
    "asin": _unary(np.arcsin, (UNIT64, UNIT64.astype(np.float32))),
    "acos": _unary(np.arccos, (UNIT64, UNIT64.astype(np.float32))),
    "atan": _unary(np.arctan, (F64, F32)),
    "sinh": _unary(np.sinh, (F64, F32)),
    "cosh": _unary(np.cosh, (F64, F32)),
    "asinh": _unary(np.arcsinh, (F64, F32)),
    "acosh": _unary(np.arccosh, (ABOVE1, ABOVE1.astype(np.float32))),
    "atanh": _unary(np.arctanh, (UNIT64, UNIT64.astype(np.float32))),
    "erfc": _unary(_each(_erfc1), (F64 * 2, F32, np.array([-7.0, -1.0, 0.0, 3.0, 30.0]))),
    "rint": _unary(np.rint, (np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6]), F32 * 3),
                   diff=False),
    "atan2": [Case((F64, R.standard_normal((3, 4))), np.arctan2, rtol=1e-12, atol=1e-12,
                   shapes="broadcast"),
              Case((F32, F32[:1]), np.arctan2, rtol=1e-6, atol=1e-6, shapes="broadcast")],
    "nextafter": [Case((F64, R.standard_normal((4,))), np.nextafter, rtol=0, atol=0,
                       diff_args=(), shapes="broadcast"),
                  Case((F32, np.float32(np.inf) * np.ones((3, 1), np.float32)),
                       np.nextafter, rtol=0, atol=0, diff_args=(), shapes="broadcast")],
    "lgamma": _unary(_f64ref(_lgamma), (POS64 * 3, F64 * 3, F32 * 3)),
    "digamma": _unary(_f64ref(_digamma), (POS64 * 3, F64 * 3 + 0.05, F32 + 2)),
    "erfinv": _unary(_f64ref(sc.erfinv), (UNIT64, UNIT64.astype(np.float32))),
    "ndtri": _unary(_f64ref(sc.ndtri), (PROB64, PROB64.astype(np.float32))),
    "bessel_i0": _unary(_f64ref(sc.i0), (F64 * 3, F32 * 3)),
    "bessel_i0e": _unary(_f64ref(sc.i0e), (F64 * 3, F32 * 3)),
    "bessel_i1": _unary(_f64ref(sc.i1), (F64 * 3, F32 * 3)),
    "bessel_i1e": _unary(_f64ref(sc.i1e), (F64 * 3, F32 * 3)),
    "polygamma": [Case((ORDERS, POS64), _each(_polygamma1), rtol=1e-9, atol=1e-10,
                       diff_args=(1,), shapes="broadcast"),
                  Case((ORDERS[:2].astype(np.float32), POS64[:, :2].astype(np.float32)),
                       _each(_polygamma1), rtol=1e-5, atol=1e-5, diff_args=(1,),
                       shapes="broadcast")],
    "igamma": [Case((POS64, POS64B), _f64ref(_igamma(False)), rtol=1e-10, atol=1e-12,
                    shapes="broadcast"),
               Case((POS64.astype(np.float32), ROW_POS.astype(np.float32)),
                    _f64ref(_igamma(False)), rtol=1e-5, atol=1e-6, shapes="broadcast")],
    "igammac": [Case((POS64, POS64B), _f64ref(_igamma(True)), rtol=1e-10, atol=1e-12,
                     shapes="broadcast"),
                Case((POS64.astype(np.float32), ROW_POS.astype(np.float32)),
                     _f64ref(_igamma(True)), rtol=1e-5, atol=1e-6, shapes="broadcast")],
    "igamma_grad_a": [Case((POS64, POS64B), _f64ref(_igamma_grad_a), rtol=1e-7, atol=1e-9,
                           diff_args=(), shapes="broadcast")],
    "betainc": [Case((POS64, POS64B, PROB64), _f64ref(_betainc), rtol=1e-9, atol=1e-11,
                     diff_args=(2,), shapes="broadcast"),
                Case((POS64.astype(np.float32), ROW_POS.astype(np.float32),
                      PROB64.astype(np.float32)), _f64ref(_betainc), rtol=1e-5, atol=1e-6,
                     diff_args=(2,), shapes="broadcast")],
    "zeta": [Case((ZETA_S, POS64), _f64ref(sc.zeta), rtol=1e-10, atol=1e-12, diff_args=(1,),
                  shapes="broadcast"),
             Case((ZETA_S.astype(np.float32), ROW_POS.astype(np.float32)), _f64ref(sc.zeta),
                  rtol=1e-5, atol=1e-6, diff_args=(1,), shapes="broadcast")],
}

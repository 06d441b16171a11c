"""NumPy kernels of the special-function primitives (`ember/prims/special.py`).

SciPy (`scipy.special`, the `special` extra: `pip install ember[special]`) computes them
where it is installed, with TF's conventions at the edges patched in (lgamma(-inf) = inf,
digamma(0) = nan, igamma and betainc nan for a parameter <= 0). Without SciPy, lgamma,
digamma, erfinv, ndtri and the Bessel functions I0, I1 (plain and exponentially scaled)
have NumPy implementations here (relative error below about 1e-13 in float64; digamma
about 1e-12 for negative x, near its poles); the other
kernels then raise an ImportError naming the op and the extra.

Every kernel computes in float64 and returns its input's dtype.

Example:
    >>> import numpy as np
    >>> from ember.backend.numpy.special import KERNELS
    >>> KERNELS["lgamma"](np.array([1.0, 3.0]))
    array([0.        , 0.69314718])
"""

from __future__ import annotations

import math

import numpy as np


def scipy_special():
    """`scipy.special`, or None where SciPy is not installed (looked up on each call, so
    tests can hide it)."""
    try:
        import scipy.special as sc
    except ImportError:
        return None
    return sc


def _need_scipy(op: str):
    sc = scipy_special()
    if sc is None:
        raise ImportError(f"{op}: this special function needs SciPy, which is not "
                          f"installed; install it with `pip install ember[special]` (or "
                          f"`pip install scipy`).")
    return sc


def _f64(*xs):
    return [np.asarray(x, dtype=np.float64) for x in xs]


def _out(y, like):
    return np.asarray(y, dtype=np.float64).astype(like.dtype, copy=False)


# -- NumPy implementations (used without SciPy) ---------------------------------------

def _lgamma1(v: float) -> float:
    if math.isnan(v):
        return v
    try:
        return math.lgamma(v)
    except (ValueError, OverflowError):  # poles at 0, -1, -2, ... and overflow
        return math.inf


_LGAMMA = np.frompyfunc(_lgamma1, 1, 1)


def np_lgamma(x):
    """log|Gamma(x)| by libm's lgamma, element by element (exact to an ulp or so)."""
    return np.asarray(_LGAMMA(np.asarray(x, np.float64)), dtype=np.float64)


# Bernoulli-number coefficients B_2k / (2k) of digamma's asymptotic series in 1/x^2
_PSI_ASYM = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)


def np_digamma(x):
    """digamma by reflection (x < 0.5), the recurrence psi(x) = psi(x + 1) - 1/x up to
    x >= 10, and the asymptotic series; nan at the poles 0, -1, -2, ..."""
    x = np.array(x, dtype=np.float64, copy=True)
    out = np.zeros_like(x)
    pole = (x <= 0) & (x == np.floor(x))
    refl = (x < 0.5) & ~pole & np.isfinite(x)
    with np.errstate(all="ignore"):
        # psi(x) = psi(1 - x) - pi / tan(pi x)
        out[refl] = -np.pi / np.tan(np.pi * x[refl])
        x[refl] = 1 - x[refl]
        x[pole] = np.nan
        small = np.isfinite(x) & (x < 10)
        while small.any():
            out[small] -= 1 / x[small]
            x[small] += 1
            small = np.isfinite(x) & (x < 10)
        inv2 = 1 / (x * x)
        series = np.zeros_like(x)
        for c in reversed(_PSI_ASYM):
            series = series * inv2 + c
        res = out + np.log(x) - 0.5 / x - series * inv2
    res[np.isnan(x)] = np.nan
    res[x == np.inf] = np.inf
    res[np.asarray(x) == -np.inf] = np.nan
    return res


_ERFC = np.frompyfunc(math.erfc, 1, 1)
_ERF = np.frompyfunc(math.erf, 1, 1)


def _erfc(x):
    return np.asarray(_ERFC(x), dtype=np.float64)


def _erf(x):
    return np.asarray(_ERF(x), dtype=np.float64)


# Acklam's rational approximation of the normal quantile (relative error < 1.2e-9),
# refined below by a Halley step on ndtr(x) - p.
_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
      1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
      6.680131188771972e+01, -1.328068155288572e+01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
      3.754408661907416e+00)


def _poly(coefs, t):
    out = np.zeros_like(t)
    for c in coefs:
        out = out * t + c
    return out


def np_ndtri(p):
    """The standard normal quantile: Acklam's approximation and two Halley steps."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(all="ignore"):
        q = np.minimum(p, 1 - p)
        lo = q < 0.02425
        t = np.sqrt(-2 * np.log(np.where(lo, q, 0.5)))
        tail = _poly(_C, t) / (_poly(_D, t) * t + 1)  # for the lower tail
        r = p - 0.5
        s = r * r
        mid = r * _poly(_A, s) / (_poly(_B, s) * s + 1)
        x = np.where(lo, np.where(p < 0.5, tail, -tail), mid)
        for _ in range(2):
            # ndtr(x) - p, from the tail nearer to x for accuracy
            # ndtr(x) - p from the form without cancellation: erf near the centre
            # (p - 0.5 is exact there), erfc in the tails
            e = np.where(np.abs(x) < 0.5, 0.5 * _erf(x / math.sqrt(2)) - (p - 0.5),
                         np.where(x < 0, 0.5 * _erfc(-x / math.sqrt(2)) - p,
                                  (1 - p) - 0.5 * _erfc(x / math.sqrt(2))))
            u = e * math.sqrt(2 * math.pi) * np.exp(x * x / 2)
            step = u / (1 + x * u / 2)
            x = np.where(np.isfinite(step), x - step, x)
    x = np.where(p == 0, -np.inf, np.where(p == 1, np.inf, x))
    return np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, x)


def np_erfinv(y):
    """The inverse error function: a start from ndtri, then Newton steps on erf (or on
    erfc where |y| > 0.5, for accuracy near +-1)."""
    y = np.asarray(y, dtype=np.float64)
    a = np.abs(y)
    with np.errstate(all="ignore"):
        x = np_ndtri((a + 1) / 2) / math.sqrt(2)
        x = np.where(np.isfinite(x), x, 0.0)
        for _ in range(3):
            # erf(x) - a, written as (1 - a) - erfc(x) near 1 (1 - a is exact there)
            resid = np.where(a > 0.5, (1 - a) - _erfc(x), _erf(x) - a)
            step = resid / (2 / math.sqrt(math.pi) * np.exp(-x * x))
            x = np.where(np.isfinite(step) & (a < 1), x - step, x)
    x = np.where(a == 1, np.inf, x)
    x = np.where((a > 1) | np.isnan(a), np.nan, x)
    return np.copysign(x, y)


def _bessel_scaled(x, nu: int):
    """exp(-|x|) I_nu(|x|) for nu in (0, 1): the power series (|x| <= 40) or the
    asymptotic expansion (|x| > 40)."""
    a = np.abs(np.asarray(x, dtype=np.float64))
    out = np.empty_like(a)
    small = a <= 40
    xs = a[small]
    if xs.size:
        h2 = (xs / 2) ** 2
        term = np.ones_like(xs) if nu == 0 else xs / 2
        total = term.copy()
        for k in range(1, 140):
            term = term * h2 / (k * (k + nu))
            total += term
        out[small] = total * np.exp(-xs)
    xl = a[~small]
    if xl.size:
        mu = 4.0 * nu * nu
        term = np.ones_like(xl)
        total = term.copy()
        with np.errstate(all="ignore"):
            for k in range(1, 30):
                term = -term * (mu - (2 * k - 1) ** 2) / (k * 8 * xl)
                total += term
            out[~small] = np.where(np.isinf(xl), 0.0, total / np.sqrt(2 * np.pi * xl))
    out[np.isnan(a)] = np.nan
    return out


def np_i0e(x):
    return _bessel_scaled(x, 0)


def np_i1e(x):
    x = np.asarray(x, dtype=np.float64)
    return np.copysign(_bessel_scaled(x, 1), x)


def _unscale(scaled, x):
    """I(x) from exp(-|x|) I(x), without overflowing before the result does."""
    a = np.abs(x)
    with np.errstate(all="ignore"):
        big = a > 700
        out = scaled * np.exp(np.where(big, 0, a))
        out = np.where(big, np.exp(a + np.log(np.abs(scaled))) * np.sign(scaled), out)
    return np.where(np.isinf(x), np.nan, out)


def np_i0(x):
    x = np.asarray(x, dtype=np.float64)
    return _unscale(np_i0e(x), x)


def np_i1(x):
    x = np.asarray(x, dtype=np.float64)
    return _unscale(np_i1e(x), x)


# -- the kernels ------------------------------------------------------------------------

def _unary(scipy_name: str, fallback, fix=None):
    def kernel(x):
        sc = scipy_special()
        (v,) = _f64(x)
        with np.errstate(all="ignore"):
            y = getattr(sc, scipy_name)(v) if sc is not None else fallback(v)
            if fix is not None:
                y = fix(v, y)
        return _out(y, x)
    kernel.__name__ = scipy_name
    return kernel


def _lgamma_fix(x, y):
    return np.where(x == -np.inf, np.inf, y)


def _digamma_fix(x, y):
    return np.where(x == 0, np.nan, y)


def _polygamma(n, x):
    sc = _need_scipy("polygamma")
    nv, xv = np.broadcast_arrays(*_f64(n, x))
    with np.errstate(all="ignore"):
        ok = (nv >= 0) & (nv == np.floor(nv))
        k = np.where(ok, nv, 1.0)
        # psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x) for n >= 1
        higher = np.where(k % 2 == 1, 1.0, -1.0) * sc.gamma(k + 1) * sc.zeta(k + 1, xv)
        y = np.where(nv == 0, _digamma_fix(xv, sc.psi(xv)), higher)
    y = np.where((xv == -np.inf) | np.isnan(xv), np.nan,
                 np.where(nv == np.inf, np.inf, y))  # TF's edges
    return _out(np.where(ok, y, np.nan), np.asarray(x))


def _igamma(upper: bool):
    def kernel(a, x):
        sc = _need_scipy("igammac" if upper else "igamma")
        av, xv = _f64(a, x)
        with np.errstate(all="ignore"):
            y = (sc.gammaincc if upper else sc.gammainc)(av, xv)
        return _out(np.where(av <= 0, np.nan, y), a)
    return kernel


def _igamma_grad_a(a, x):
    """d/da P(a, x) by Richardson-extrapolated central differences of SciPy's gammainc
    (relative error about 1e-10): SciPy has no closed form of it."""
    sc = _need_scipy("igamma")
    av, xv = np.broadcast_arrays(*_f64(a, x))
    with np.errstate(all="ignore"):
        h = np.minimum(1e-3 * np.maximum(av, 1.0), av / 4)

        def d(step):
            return (sc.gammainc(av + step, xv) - sc.gammainc(av - step, xv)) / (2 * step)
        y = (4 * d(h / 2) - d(h)) / 3
    y = np.where((av <= 0) | np.isnan(xv), np.nan, np.where(xv == 0, 0.0, y))
    return _out(y, np.asarray(a))


def _betainc(a, b, x):
    sc = _need_scipy("betainc")
    av, bv, xv = _f64(a, b, x)
    with np.errstate(all="ignore"):
        y = sc.betainc(av, bv, xv)
    return _out(np.where((av <= 0) | (bv <= 0), np.nan, y), a)


def _zeta(x, q):
    sc = _need_scipy("zeta")
    xv, qv = _f64(x, q)
    with np.errstate(all="ignore"):
        return _out(sc.zeta(xv, qv), x)


def _need(op):
    def fallback(v):
        return _need_scipy(op)
    return fallback


KERNELS = {
    "lgamma": _unary("gammaln", np_lgamma, _lgamma_fix),
    "digamma": _unary("psi", np_digamma, _digamma_fix),
    "erfinv": _unary("erfinv", np_erfinv),
    "ndtri": _unary("ndtri", np_ndtri),
    "bessel_i0": _unary("i0", np_i0),
    "bessel_i0e": _unary("i0e", np_i0e),
    "bessel_i1": _unary("i1", np_i1),
    "bessel_i1e": _unary("i1e", np_i1e),
    "polygamma": _polygamma,
    "igamma": _igamma(False),
    "igammac": _igamma(True),
    "igamma_grad_a": _igamma_grad_a,
    "betainc": _betainc,
    "zeta": _zeta,
}

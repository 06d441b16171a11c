"""Keras 3's elementwise NumPy-style ops, part 2: exponentials and logarithms,
trigonometric and hyperbolic functions, `hypot`, `heaviside`, `sinc`, `i0`, and rounding
(`floor`, `ceil`, `trunc`, `round`, `clip`, `copy`).

Functions ember has no primitive for are written with its ops (`arctan2` is the angle of
`x2 + i x1`, the hyperbolic functions from `exp`/`log1p`, `i0` by Chebyshev series), so
each works on KerasTensors and has gradients. Integers give floatx (Keras 3 on TF: int64
gives floatx too, except for `cbrt`, `deg2rad`, `rad2deg`, `i0`, `hypot` and `heaviside`,
where it gives float64).

Example:
    >>> from ember import keras
    >>> keras.ops.arctan2([1.0], [1.0]).numpy()
    array([0.7853982], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

from ...ops.array_ops import broadcast_to, shape as _shape, zeros_like
from ...ops.math_ops import (abs as _abs, add, angle as _angle, complex as _complex,
                             cos as _cos, divide_no_nan, equal, exp as _exp, expm1 as _expm1,
                             greater, is_nan, less, less_equal, log as _log,
                             log1p as _log1p, logical_not, maximum, minimum, multiply,
                             negative, pow as _pow, sign, sin as _sin, sqrt as _sqrt, square,
                             subtract, tan as _tan, tanh as _tanh, truediv, where as _where)
from ...ops.math_ops import ceil as _ceil, floor as _floor, round as _round
from ...prims.convert import cast, identity
from .. import config
from ._dtypes import dtype_of, promote, result_type, to_tensor
from ._numpy_elementwise import _as_float, _float_pair, _name

__all__ = [
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "cbrt",
    "ceil", "clip", "copy", "cos", "cosh", "deg2rad", "exp", "exp2", "expm1", "floor",
    "heaviside", "hypot", "i0", "log", "log10", "log1p", "log2", "logaddexp", "logaddexp2",
    "rad2deg", "round", "sin", "sinc", "sinh", "sqrt", "tan", "tanh", "trunc",
]

_SMALL_INTS = ("bool", "int8", "int16", "int32", "uint8", "uint16", "uint32")


def _c(value: float, like: Any) -> Any:
    """A Python constant as a tensor of `like`'s dtype."""
    return to_tensor(value, _name(like))


def _safe(cond: Any, x: Any, fill: float) -> Any:
    """`x` where `cond`, else `fill`: keeps NaN/inf out of the untaken branch of a
    `where` (so its gradient stays finite)."""
    return _where(cond, x, _c(fill, x))


def _via_float64(fn, *xs: Any) -> Any:
    """`fn` computed in float64 for lower-precision float tensors, cast back (for
    composites whose float32 rounding errors would add up)."""
    dt = _name(xs[0])
    if dt in ("float16", "bfloat16", "float32"):
        return cast(fn(*(cast(x, "float64") for x in xs)), dt)
    return fn(*xs)


def _exp_float(x: Any) -> Any:
    """`x` as a float tensor for exp-like ops: integers and bool give floatx."""
    x = to_tensor(x)
    if x.dtype.is_integer or _name(x) == "bool":
        x = cast(x, config.floatx())
    return x


def _float64_for_int64(x: Any) -> Any:
    """`x` as a float tensor where int64 gives float64 and smaller ints floatx."""
    x = to_tensor(x)
    dt = _name(x)
    if dt == "int64":
        return cast(x, "float64")
    if dt in _SMALL_INTS:
        return cast(x, config.floatx())
    return x


def _float_unary(name: str, fn, doc: str, arg: str, out: str):
    def op(x: Any) -> Any:
        return fn(_as_float(x))
    op.__name__ = op.__qualname__ = name
    op.__annotations__ = {"x": "Any", "return": "Any"}
    op.__doc__ = (f"{doc} elementwise; integers give floatx.\n\n"
                  f"    Example:\n"
                  f"        >>> from ember import keras\n"
                  f"        >>> keras.ops.{name}({arg}).numpy()\n"
                  f"        {out}\n")
    return op


# -- exponentials and logarithms ------------------------------------------------------------
def exp(x: Any) -> Any:
    """`e ** x` elementwise; integers and bool give floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.exp([0.0, 1.0]).numpy()
        array([1.      , 2.718282], dtype=float32)
    """
    return _exp(_exp_float(x))


def exp2(x: Any) -> Any:
    """`2 ** x` elementwise; integers and bool give floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.exp2([3, -1]).numpy()
        array([8. , 0.5], dtype=float32)
    """
    x = _exp_float(x)
    return _pow(_c(2.0, x), x)


def expm1(x: Any) -> Any:
    """`e ** x - 1` elementwise, accurate for small `x`; integers give floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.expm1([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return _expm1(_exp_float(x))


log = _float_unary("log", _log, "The natural logarithm", "[1.0]", "array([0.], dtype=float32)")
log1p = _float_unary("log1p", _log1p, "`log(1 + x)`, accurate for small `x`,", "[0]",
                     "array([0.], dtype=float32)")
sqrt = _float_unary("sqrt", _sqrt, "The square root", "[4, 9]",
                    "array([2., 3.], dtype=float32)")


def log2(x: Any) -> Any:
    """The base-2 logarithm elementwise; integers give floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.log2([8]).numpy()
        array([3.], dtype=float32)
    """
    x = _as_float(x)
    return truediv(_log(x), _log(_c(2.0, x)))


def log10(x: Any) -> Any:
    """The base-10 logarithm elementwise; integers give floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.log10([100.0]).numpy()
        array([2.], dtype=float32)
    """
    x = _as_float(x)
    return truediv(_log(x), _log(_c(10.0, x)))


def _logaddexp(x1: Any, x2: Any, base_log: float) -> Any:
    a, b = _float_pair(x1, x2)
    delta = subtract(a, b)
    nan = is_nan(delta)  # both inf of one sign (or a NaN operand): a + b is the answer
    d = _safe(logical_not(nan), _abs(delta), 0.0)
    tail = _log1p(_exp(multiply(negative(d), _c(base_log, d))))
    out = add(maximum(a, b), truediv(tail, _c(base_log, d)))
    return _where(nan, add(a, b), out)


def logaddexp(x1: Any, x2: Any) -> Any:
    """`log(exp(x1) + exp(x2))` elementwise, computed without overflow.

    Example:
        >>> from ember import keras
        >>> keras.ops.logaddexp([0.0], [0.0]).numpy()
        array([0.6931472], dtype=float32)
    """
    return _logaddexp(x1, x2, 1.0)


def logaddexp2(x1: Any, x2: Any) -> Any:
    """`log2(2 ** x1 + 2 ** x2)` elementwise, computed without overflow.

    Example:
        >>> from ember import keras
        >>> keras.ops.logaddexp2([1.0], [1.0]).numpy()
        array([2.], dtype=float32)
    """
    return _logaddexp(x1, x2, math.log(2.0))


def cbrt(x: Any) -> Any:
    """The real cube root elementwise (negative for negative `x`); ints give floatx,
    int64 float64.

    Example:
        >>> from ember import keras
        >>> keras.ops.cbrt([-8.0, 27.0]).numpy()
        array([-2.,  3.], dtype=float32)
    """
    return _via_float64(lambda v: multiply(sign(v), _pow(_abs(v), _c(1.0 / 3.0, v))),
                        _float64_for_int64(x))


# -- trigonometric and hyperbolic ---------------------------------------------------------------
sin = _float_unary("sin", _sin, "The sine", "[0.0]", "array([0.], dtype=float32)")
cos = _float_unary("cos", _cos, "The cosine", "[0]", "array([1.], dtype=float32)")
tan = _float_unary("tan", _tan, "The tangent", "[0.0]", "array([0.], dtype=float32)")
tanh = _float_unary("tanh", _tanh, "The hyperbolic tangent", "[0.0]",
                    "array([0.], dtype=float32)")


def _atan2(y: Any, x: Any) -> Any:
    """atan2 of two float tensors of one dtype: the angle of the complex `x + iy`."""
    def angle_of(v: Any, u: Any) -> Any:
        shape = _shape_of(v, u)
        return _angle(_complex(broadcast_to(u, shape), broadcast_to(v, shape)))
    return _via_float64(angle_of, y, x)


def _shape_of(a: Any, b: Any) -> Any:
    """The broadcast shape of two tensors, as a tensor (also for symbolic ones)."""
    return _shape(add(zeros_like(a), zeros_like(b)))


def arctan2(x1: Any, x2: Any) -> Any:
    """The angle of the point `(x2, x1)` in radians, in `[-pi, pi]` (`atan(x1 / x2)` in
    the right quadrant).

    Example:
        >>> from ember import keras
        >>> keras.ops.arctan2([1.0, 1.0], [-1.0, 0.0]).numpy()
        array([2.3561945, 1.5707964], dtype=float32)
    """
    a, b = _float_pair(x1, x2)
    return _atan2(a, b)


def arctan(x: Any) -> Any:
    """The inverse tangent elementwise, in `(-pi/2, pi/2)`; integers give floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.arctan([1.0]).numpy()
        array([0.7853982], dtype=float32)
    """
    x = _as_float(x)
    return _atan2(x, _c(1.0, x))


def _one_minus_square(x: Any) -> Any:
    # (1 - x)(1 + x): accurate near |x| = 1
    return multiply(subtract(_c(1.0, x), x), add(_c(1.0, x), x))


def arcsin(x: Any) -> Any:
    """The inverse sine elementwise, in `[-pi/2, pi/2]` (NaN outside `[-1, 1]`).

    Example:
        >>> from ember import keras
        >>> keras.ops.arcsin([1.0]).numpy()
        array([1.5707964], dtype=float32)
    """
    x = _as_float(x)
    return _atan2(x, _sqrt(_one_minus_square(x)))


def arccos(x: Any) -> Any:
    """The inverse cosine elementwise, in `[0, pi]` (NaN outside `[-1, 1]`).

    Example:
        >>> from ember import keras
        >>> keras.ops.arccos([1.0, -1.0]).numpy()
        array([0.       , 3.1415927], dtype=float32)
    """
    x = _as_float(x)
    return _atan2(_sqrt(_one_minus_square(x)), x)


def sinh(x: Any) -> Any:
    """The hyperbolic sine elementwise; integers give floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.sinh([0.0]).numpy()
        array([0.], dtype=float32)
    """
    x = _as_float(x)
    half = _c(0.5, x)
    return multiply(half, subtract(_expm1(x), _expm1(negative(x))))


def cosh(x: Any) -> Any:
    """The hyperbolic cosine elementwise; integers give floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.cosh([0.0]).numpy()
        array([1.], dtype=float32)
    """
    x = _as_float(x)
    return multiply(_c(0.5, x), add(_exp(x), _exp(negative(x))))


def arcsinh(x: Any) -> Any:
    """The inverse hyperbolic sine elementwise; integers give floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.arcsinh([0.0]).numpy()
        array([0.], dtype=float32)
    """
    x = _as_float(x)
    a = _abs(x)
    big = greater(a, _c(1e8, a))  # |x|**2 would overflow float32 / lose x: log(2|x|)
    small_a = _safe(logical_not(big), a, 0.0)
    # log(a + sqrt(a^2 + 1)) = log1p(a + a^2 / (1 + sqrt(a^2 + 1)))
    sq = square(small_a)
    near = _log1p(add(small_a, truediv(sq, add(_c(1.0, a), _sqrt(add(sq, _c(1.0, a)))))))
    far = add(_log(_safe(big, a, 1.0)), _c(math.log(2.0), a))
    return multiply(sign(x), _where(big, far, near))


def arccosh(x: Any) -> Any:
    """The inverse hyperbolic cosine elementwise (NaN below 1); integers give floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.arccosh([1.0]).numpy()
        array([0.], dtype=float32)
    """
    x = _as_float(x)
    big = greater(x, _c(1e8, x))
    xs = _safe(logical_not(big), x, 1.0)
    t = subtract(xs, _c(1.0, x))
    near = _log1p(add(t, _sqrt(multiply(t, add(xs, _c(1.0, x))))))
    far = add(_log(_safe(big, x, 1.0)), _c(math.log(2.0), x))
    return _where(big, far, near)


def arctanh(x: Any) -> Any:
    """The inverse hyperbolic tangent elementwise (+-inf at +-1, NaN beyond).

    Example:
        >>> from ember import keras
        >>> keras.ops.arctanh([0.0]).numpy()
        array([0.], dtype=float32)
    """
    x = _as_float(x)
    # 0.5 * log((1 + x) / (1 - x)) = 0.5 * log1p(2x / (1 - x))
    return multiply(_c(0.5, x), _log1p(truediv(add(x, x), subtract(_c(1.0, x), x))))


def deg2rad(x: Any) -> Any:
    """Degrees to radians elementwise; ints give floatx, int64 float64.

    Example:
        >>> from ember import keras
        >>> keras.ops.deg2rad([180]).numpy()
        array([3.1415927], dtype=float32)
    """
    x = _float64_for_int64(x)
    return multiply(x, _c(math.pi / 180.0, x))


def rad2deg(x: Any) -> Any:
    """Radians to degrees elementwise; ints give floatx, int64 float64.

    Example:
        >>> from ember import keras
        >>> keras.ops.rad2deg([0.0]).numpy()
        array([0.], dtype=float32)
    """
    x = _float64_for_int64(x)
    return multiply(x, _c(180.0 / math.pi, x))


def hypot(x1: Any, x2: Any) -> Any:
    """`sqrt(x1**2 + x2**2)` elementwise, without overflow; ints give floatx (int64
    float64).

    Example:
        >>> from ember import keras
        >>> keras.ops.hypot([3.0], [4.0]).numpy()
        array([5.], dtype=float32)
    """
    a, b = promote(x1, x2, dtype=_heavy_float(x1, x2))
    a, b = _abs(a), _abs(b)
    hi, lo = maximum(a, b), minimum(a, b)
    ratio = divide_no_nan(lo, hi)
    return multiply(hi, _sqrt(add(_c(1.0, hi), square(ratio))))


def _heavy_float(x1: Any, x2: Any) -> str:
    """The promoted dtype of two operands with ints made floatx (int64: float64)."""
    dt = result_type(dtype_of(x1), dtype_of(x2))
    return "float64" if dt == "int64" else (config.floatx() if dt in _SMALL_INTS else dt)


def heaviside(x1: Any, x2: Any) -> Any:
    """The Heaviside step: 0 where `x1 < 0`, 1 where `x1 > 0`, `x2` where `x1 == 0`.

    Example:
        >>> from ember import keras
        >>> keras.ops.heaviside([-1.0, 0.0, 2.0], 0.5).numpy()
        array([0. , 0.5, 1. ], dtype=float32)
    """
    a, b = promote(x1, x2, dtype=_heavy_float(x1, x2))
    one = add(zeros_like(a), _c(1.0, a))
    return _where(less(a, _c(0.0, a)), zeros_like(a),
                  _where(greater(a, _c(0.0, a)), one, add(b, zeros_like(a))))


def sinc(x: Any) -> Any:
    """`sin(pi x) / (pi x)` elementwise (1 at 0); integers give floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.sinc([0.0, 0.5]).numpy()
        array([1.        , 0.63661975], dtype=float32)
    """
    x = _as_float(x)
    zero = equal(x, _c(0.0, x))
    px = multiply(_safe(logical_not(zero), x, 1.0), _c(math.pi, x))
    return _where(zero, _c(1.0, x), truediv(_sin(px), px))


# -- special functions -----------------------------------------------------------------------
# Chebyshev coefficients of exp(-x) I0(x) on [0, 8] (in x/2 - 2) and of exp(-x) sqrt(x)
# I0(x) on (8, inf) (in 32/x - 2), from the Cephes library (as NumPy's and TF's i0).
_I0_A = (
    -4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16,
    1.71539128555513303061e-15, -1.16853328779934516808e-14, 7.67618549860493561688e-14,
    -4.85644678311192946090e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11,
    9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-9,
    -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7,
    1.11738753912010371815e-6, -4.41673835845875056359e-6, 1.64484480707288970893e-5,
    -5.75419501008210370398e-5, 1.88502885095841655729e-4, -5.76375574538582365885e-4,
    1.63947561694133579842e-3, -4.32430999505057594430e-3, 1.05464603945949983183e-2,
    -2.37374148058994688156e-2, 4.93052842396707084878e-2, -9.49010970480476444210e-2,
    1.71620901522208775349e-1, -3.04682672343198398683e-1, 6.76795274409476084995e-1)
_I0_B = (
    -7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17,
    3.46122286769746109310e-17, -2.82762398051658348494e-16, -3.42548561967721913462e-16,
    1.77256013305652638360e-15, 3.81168066935262242075e-15, -9.55484669882830764870e-15,
    -4.15056934728722208663e-14, 1.54008621752140982691e-14, 3.85277838274214270114e-13,
    7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11,
    -3.14991652796324136454e-11, 1.18891471078464383424e-11, 4.94060238822496958910e-10,
    3.39623202570838634515e-9, 2.26666899049817806459e-8, 2.04891858946906374183e-7,
    2.89137052083475648297e-6, 6.88975834691682398426e-5, 3.36911647825569408990e-3,
    8.04490411014108831608e-1)


def _chebyshev(t: Any, coeffs: tuple) -> Any:
    """Clenshaw's sum of a Chebyshev series (Cephes' convention: half the last term)."""
    b0, b1, b2 = _c(coeffs[0], t), _c(0.0, t), _c(0.0, t)
    for c in coeffs[1:]:
        b2, b1 = b1, b0
        b0 = add(subtract(multiply(t, b1), b2), _c(c, t))
    return multiply(_c(0.5, t), subtract(b0, b2))


def i0(x: Any) -> Any:
    """The modified Bessel function of the first kind, order 0, elementwise; ints give
    floatx, int64 float64.

    Example:
        >>> from ember import keras
        >>> keras.ops.i0([0.0, 1.0]).numpy()
        array([1.       , 1.2660658], dtype=float32)
    """
    return _via_float64(_i0, _float64_for_int64(x))


def _i0(x: Any) -> Any:
    a = _abs(x)
    small = less_equal(a, _c(8.0, a))
    a_small = _safe(small, a, 0.0)
    a_big = _safe(logical_not(small), a, 9.0)
    near = multiply(_exp(a_small), _chebyshev(subtract(multiply(a_small, _c(0.5, a)),
                                                       _c(2.0, a)), _I0_A))
    far = truediv(multiply(_exp(a_big), _chebyshev(
        subtract(truediv(_c(32.0, a), a_big), _c(2.0, a)), _I0_B)), _sqrt(a_big))
    return _where(small, near, far)


# -- rounding ------------------------------------------------------------------------------
def floor(x: Any) -> Any:
    """The largest integer not above each element, as a float (ints give floatx).

    Example:
        >>> from ember import keras
        >>> keras.ops.floor([1.5, -1.5]).numpy()
        array([ 1., -2.], dtype=float32)
    """
    return _floor(_as_float(x))


def ceil(x: Any) -> Any:
    """The smallest integer not below each element, as a float (ints give floatx).

    Example:
        >>> from ember import keras
        >>> keras.ops.ceil([1.5, -1.5]).numpy()
        array([ 2., -1.], dtype=float32)
    """
    return _ceil(_as_float(x))


def trunc(x: Any) -> Any:
    """Each element rounded toward zero (integers and bool as they are).

    Example:
        >>> from ember import keras
        >>> keras.ops.trunc([1.7, -1.7]).numpy()
        array([ 1., -1.], dtype=float32)
    """
    x = to_tensor(x)
    if not x.dtype.is_floating:
        return x
    return _where(less(x, 0), _ceil(x), _floor(x))


def round(x: Any, decimals: int = 0) -> Any:  # noqa: A001 - Keras' name
    """Each element rounded to `decimals` decimal places, halves to even; an integer
    tensor with `decimals < 0` rounds to tens, hundreds, ... .

    Example:
        >>> from ember import keras
        >>> keras.ops.round([0.5, 1.5, 2.26], decimals=0).numpy()
        array([0., 2., 2.], dtype=float32)
        >>> keras.ops.round([1234], decimals=-2).numpy()
        array([1200], dtype=int32)
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int):
        raise TypeError(f"keras.ops.round: decimals must be a Python int, received "
                        f"{decimals!r}.")
    x = to_tensor(x)
    if decimals == 0:
        return _round(x)
    dt = _name(x)
    if x.dtype.is_integer or dt == "bool":
        if decimals > 0:
            return x
        work = cast(x, config.floatx())
    else:
        work = x
    factor = to_tensor(10.0 ** decimals, _name(work))
    return cast(truediv(_round(multiply(work, factor)), factor), dt)


def clip(x: Any, x_min: Any, x_max: Any) -> Any:
    """`x` with each element clipped into `[x_min, x_max]`, in `x`'s dtype (bool gives
    int32).

    Example:
        >>> from ember import keras
        >>> keras.ops.clip([-2.0, 0.5, 3.0], -1, 1).numpy()
        array([-1. ,  0.5,  1. ], dtype=float32)
    """
    x = to_tensor(x)
    if _name(x) == "bool":
        x = cast(x, "int32")
    lo, hi = to_tensor(x_min, _name(x)), to_tensor(x_max, _name(x))
    return minimum(maximum(x, lo), hi)


def copy(x: Any) -> Any:
    """A copy of `x` (a tensor with the same values and dtype).

    Example:
        >>> from ember import keras
        >>> keras.ops.copy([1, 2]).numpy()
        array([1, 2], dtype=int32)
    """
    return identity(to_tensor(x))

"""The elementwise primitives, their rules and gradients: arithmetic, comparisons, logic,
unary functions, select, and complex numbers (`complex`, `real`, `imag`, `angle`,
`complex_abs`, `conj`), with the thin ops that convert their operands and bind them.

Each elementwise primitive is one line of data (name, dtypes, output dtype) and its
gradient rule follows it, written with the ops of this module. `holomorphic` turns a
primitive's real gradient rule into TF's rule for complex inputs. Composites (square,
divide_no_nan, clip_by_value, ...) are in `ops/math_ops.py`.

Example:
    >>> import ember as tf
    >>> from ember.prims.math import multiply
    >>> multiply(tf.constant([1.5, 2.0]), 2).numpy()
    array([3., 4.], dtype=float32)
"""

from __future__ import annotations

import math as _math
from typing import Any

from ..core import grad_prims, rules
from ..core.dtypes import (NP_ALL, NP_ARITH, NP_BOOL, NP_COMPLEX, NP_FLOATS, NP_INEXACT, NP_INTS,
                           NP_NUMERIC, NP_STRING, as_dtype, bool as bool_, float32, float64,
                           int64, result_type_of_division)
from ..core.errors import DTypeError
from ..core.registry import bind, bind1, bind2, defvjp, no_gradient, primitive
from ..core.shape import TensorSpec
from ..core.tape import needs_gradient
from .convert import as_tensor, cast, pair



def _example_input(allowed: frozenset) -> str:
    if allowed is NP_BOOL:
        return "[True, False]"
    return "[1, 2]" if allowed is NP_INTS else "[0.5, 1.0]"


def _unary(name: str, allowed: frozenset, out=None, what: str = "", public: str = ""):
    p = primitive(name, rules.unary(name, out), allowed=allowed, elementwise=True)

    def op(x: Any, name: str | None = None) -> Any:
        return bind1(p, as_tensor(x))

    public = public or f"math.{name}"
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"Elementwise {what or name}, as `tf.{public}`.\n\n"
                  f"    Example:\n"
                  f"        >>> import ember as tf\n"
                  f"        >>> y = tf.{public}(tf.constant({_example_input(allowed)}))\n")
    return p, op


def _binary(name: str, allowed: frozenset, out=None, what: str = "", prim: Any = None):
    p = prim if prim is not None else primitive(
        name, rules.binary(name, out), allowed=allowed, same_dtype=True,
        elementwise=True)

    def op(x: Any, y: Any, name: str | None = None) -> Any:
        x, y = pair(x, y)
        return bind2(p, x, y)

    op.__name__ = op.__qualname__ = name
    ns = "bitwise" if name.startswith("bitwise") else "math"
    arg = _example_input(allowed)
    op.__doc__ = (f"Elementwise {what or name} with broadcasting, as `tf.{ns}.{name}`.\n\n"
                  f"    Python numbers take the tensor's dtype; two tensors must share a dtype.\n\n"
                  f"    Example:\n"
                  f"        >>> import ember as tf\n"
                  f"        >>> z = tf.{ns}.{name}(tf.constant({arg}), tf.constant({arg}))\n")
    return p, op


def _conj(x: Any) -> Any:
    """conj(x) for a complex tensor, x itself otherwise (no op on real gradients)."""
    return bind1(conj_p, x) if x.dtype.is_complex else x


def holomorphic(vjp):
    """The VJP rule of a holomorphic primitive for complex inputs from its real rule.

    TF's gradient of a real loss L with respect to z = x + iy is dL/dx + i dL/dy (the
    conjugate of 2 dL/dz); for f holomorphic its VJP is then g * conj(f'(z)). The real
    rule computes g * f'(z) (J^T g); conj(rule(conj(g))) = J^H g is TF's. A real `g`
    (the float path) goes straight to the real rule.
    """
    def rule(g, ins, out, **params):
        if not g.dtype.is_complex:
            return vjp(g, ins, out, **params)
        return tuple(None if c is None else _conj(c)
                     for c in vjp(_conj(g), ins, out, **params))
    rule.__name__ = getattr(vjp, "__name__", "vjp")
    return rule


# -- unary ---------------------------------------------------------------------
# Each gradient rule follows its primitive and returns one cotangent per input (None: no
# gradient); cotangents may have the broadcast output shape, which the tape sums back to
# each input's shape. The rules of primitives that accept complex inputs go through
# _holomorphic (TF's conjugate convention); on real gradients it calls the rule as it is.
negative_p, negative = _unary("negative", NP_ARITH, what="-x")
defvjp(negative_p, lambda g, ins, out: (negative(g),))
abs_p, _real_abs = _unary("abs", NP_NUMERIC, what="|x|")
defvjp(abs_p, lambda g, ins, out: (multiply(g, sign(ins[0])),))  # abs'(0) = 0, as TF
sign_p, sign = _unary("sign", NP_ARITH)  # complex: z / |z| (0 at 0), as TF
# NOTE: sign's derivative is 0 wherever it exists: a zero gradient, as TF gives.
defvjp(sign_p, lambda g, ins, out: (grad_prims.fill_like(ins[0], 0),))
exp_p, exp = _unary("exp", NP_INEXACT, what="e**x")
defvjp(exp_p, holomorphic(lambda g, ins, out: (multiply(g, out),)))
log_p, log = _unary("log", NP_INEXACT, what="natural logarithm")
defvjp(log_p, holomorphic(lambda g, ins, out: (truediv(g, ins[0]),)))
log1p_p, log1p = _unary("log1p", NP_INEXACT, what="log(1 + x)")
defvjp(log1p_p, holomorphic(lambda g, ins, out: (truediv(g, add(ins[0], 1)),)))
expm1_p, expm1 = _unary("expm1", NP_INEXACT, what="e**x - 1")
defvjp(expm1_p, holomorphic(lambda g, ins, out: (multiply(g, add(out, 1)),)))
sqrt_p, sqrt = _unary("sqrt", NP_INEXACT)
defvjp(sqrt_p, holomorphic(lambda g, ins, out: (truediv(multiply(g, 0.5), out),)))
rsqrt_p, rsqrt = _unary("rsqrt", NP_INEXACT, what="1 / sqrt(x)")
defvjp(rsqrt_p, holomorphic(lambda g, ins, out: (
    multiply(g, multiply(-0.5, multiply(out, multiply(out, out)))),)))
sin_p, sin = _unary("sin", NP_INEXACT)
defvjp(sin_p, holomorphic(lambda g, ins, out: (multiply(g, cos(ins[0])),)))
cos_p, cos = _unary("cos", NP_INEXACT)
defvjp(cos_p, holomorphic(lambda g, ins, out: (negative(multiply(g, sin(ins[0]))),)))
tan_p, tan = _unary("tan", NP_INEXACT)
defvjp(tan_p, holomorphic(lambda g, ins, out: (multiply(g, add(multiply(out, out), 1)),)))
tanh_p, tanh = _unary("tanh", NP_INEXACT)
defvjp(tanh_p, holomorphic(lambda g, ins, out: (multiply(g, subtract(1, multiply(out, out))),)))
# NOTE: sigmoid and softplus are primitives, not composites, for numerical stability
# (no overflow for |x| large) and exact gradients at 0.
sigmoid_p, sigmoid = _unary("sigmoid", NP_INEXACT, what="1 / (1 + e**-x)")  # complex: as TF
defvjp(sigmoid_p, holomorphic(lambda g, ins, out: (
    multiply(g, multiply(out, subtract(1, out))),)))
softplus_p, softplus = _unary("softplus", NP_FLOATS, what="log(1 + e**x)")
defvjp(softplus_p, lambda g, ins, out: (multiply(g, sigmoid(ins[0])),))
erf_p, erf = _unary("erf", NP_FLOATS, what="error function")
_TWO_OVER_SQRT_PI = 2.0 / _math.sqrt(_math.pi)
defvjp(erf_p, lambda g, ins, out: (
    multiply(g, multiply(_TWO_OVER_SQRT_PI, exp(negative(multiply(ins[0], ins[0]))))),))
erfc_p, erfc = _unary("erfc", NP_FLOATS, what="complementary error function 1 - erf(x)")
defvjp(erfc_p, lambda g, ins, out: (
    multiply(g, multiply(-_TWO_OVER_SQRT_PI, exp(negative(multiply(ins[0], ins[0]))))),))
# -- inverse trigonometric and hyperbolic functions (TF's gradient formulas) ---------
asin_p, asin = _unary("asin", NP_INEXACT, what="arcsine")
defvjp(asin_p, holomorphic(lambda g, ins, out: (
    multiply(g, rsqrt(subtract(1, multiply(ins[0], ins[0])))),)))
acos_p, acos = _unary("acos", NP_INEXACT, what="arccosine")
defvjp(acos_p, holomorphic(lambda g, ins, out: (
    negative(multiply(g, rsqrt(subtract(1, multiply(ins[0], ins[0]))))),)))
atan_p, atan = _unary("atan", NP_INEXACT, what="arctangent")
defvjp(atan_p, holomorphic(lambda g, ins, out: (
    truediv(g, add(multiply(ins[0], ins[0]), 1)),)))
sinh_p, sinh = _unary("sinh", NP_INEXACT, what="hyperbolic sine")
defvjp(sinh_p, holomorphic(lambda g, ins, out: (multiply(g, cosh(ins[0])),)))
cosh_p, cosh = _unary("cosh", NP_INEXACT, what="hyperbolic cosine")
defvjp(cosh_p, holomorphic(lambda g, ins, out: (multiply(g, sinh(ins[0])),)))
asinh_p, asinh = _unary("asinh", NP_INEXACT, what="inverse hyperbolic sine")
defvjp(asinh_p, holomorphic(lambda g, ins, out: (truediv(g, cosh(out)),)))
acosh_p, acosh = _unary("acosh", NP_INEXACT, what="inverse hyperbolic cosine")
defvjp(acosh_p, holomorphic(lambda g, ins, out: (truediv(g, sinh(out)),)))
atanh_p, atanh = _unary("atanh", NP_INEXACT, what="inverse hyperbolic tangent")
defvjp(atanh_p, holomorphic(lambda g, ins, out: (
    truediv(g, subtract(1, multiply(ins[0], ins[0]))),)))
rint_p, rint = _unary("rint", NP_FLOATS, what="rounding to the nearest integer, half to even")
floor_p, floor = _unary("floor", NP_FLOATS)
ceil_p, ceil = _unary("ceil", NP_FLOATS)
round_p, round = _unary("round", NP_NUMERIC, what="rounding, half to even")  # noqa: A001
is_nan_p, is_nan = _unary("is_nan", NP_FLOATS, bool_)
is_inf_p, is_inf = _unary("is_inf", NP_FLOATS, bool_)
is_finite_p, is_finite = _unary("is_finite", NP_FLOATS, bool_)
logical_not_p, logical_not = _unary("logical_not", NP_BOOL)
bitwise_invert_p, _bitwise_invert = _unary("bitwise_invert", NP_INTS, public="bitwise.invert")
no_gradient(floor_p, ceil_p, round_p, rint_p, is_nan_p, is_inf_p, is_finite_p, logical_not_p,
            bitwise_invert_p)

# -- binary --------------------------------------------------------------------
add_p, add = _binary("add", NP_ARITH, what="x + y", prim=grad_prims.add_p)  # core: the
# backward walk accumulates with it (its gradient rule is there too)
subtract_p, subtract = _binary("subtract", NP_ARITH, what="x - y")
defvjp(subtract_p, lambda g, ins, out: (g, negative(g)))
multiply_p, multiply = _binary("multiply", NP_ARITH, what="x * y")
defvjp(multiply_p, holomorphic(lambda g, ins, out: (
    multiply(g, ins[1]) if needs_gradient(0) else None,
    multiply(g, ins[0]) if needs_gradient(1) else None)))
divide_p, _real_divide = _binary("divide", NP_INEXACT, what="x / y")
defvjp(divide_p, holomorphic(lambda g, ins, out: (
    truediv(g, ins[1]) if needs_gradient(0) else None,
    negative(multiply(g, truediv(out, ins[1]))) if needs_gradient(1) else None)))
floordiv_p, floordiv = _binary("floordiv", NP_NUMERIC, what="floor(x / y)")
no_gradient(floordiv_p)
floormod_p, floormod = _binary("floormod", NP_NUMERIC, what="x mod y (sign of y)")
# floormod(x, y) = x - floor(x / y) * y
defvjp(floormod_p, lambda g, ins, out: (
    g, negative(multiply(g, floordiv(ins[0], ins[1])))))
pow_p, pow = _binary("pow", NP_ARITH, what="x ** y")  # noqa: A001


def _pow_vjp(g: Any, ins: tuple, out: Any) -> tuple:
    x, y = ins
    if x.dtype.is_complex:  # (through _holomorphic) d/dy x**y = x**y log x, 0 at x = 0
        gx = multiply(g, multiply(y, pow(x, subtract(y, 1)))) if needs_gradient(0) else None
        if not needs_gradient(1):
            return gx, None
        nz = not_equal(x, 0)
        return gx, multiply(g, where(nz, multiply(out, log(where(nz, x, 1))), 0))
    if not x.dtype.is_floating:
        return None, None
    gx = multiply(g, multiply(y, pow(x, subtract(y, 1)))) if needs_gradient(0) else None
    if not needs_gradient(1):
        return gx, None  # e.g. a constant exponent: no log to compute
    # NOTE: d/dy x**y = x**y log x, taken as 0 where x <= 0 (TF's convention).
    pos = greater(x, 0)
    gy = multiply(g, where(pos, multiply(out, log(where(pos, x, 1))), 0))
    return gx, gy


defvjp(pow_p, holomorphic(_pow_vjp))


# NOTE: at ties the whole gradient goes to x (x >= y for maximum, x <= y for
# minimum), as TF's Maximum/Minimum gradients.
def _extremum_vjp(pick_x):
    def rule(g, ins, out):
        mask = pick_x(*ins)
        return where(mask, g, 0), where(mask, 0, g)
    return rule


maximum_p, maximum = _binary("maximum", NP_NUMERIC)
defvjp(maximum_p, _extremum_vjp(lambda x, y: greater_equal(x, y)))
minimum_p, minimum = _binary("minimum", NP_NUMERIC)
defvjp(minimum_p, _extremum_vjp(lambda x, y: less_equal(x, y)))
equal_p, equal = _binary("equal", NP_ALL | NP_STRING | NP_COMPLEX, bool_, what="x == y")
not_equal_p, not_equal = _binary("not_equal", NP_ALL | NP_STRING | NP_COMPLEX, bool_, what="x != y")
less_p, less = _binary("less", NP_NUMERIC, bool_, what="x < y")
less_equal_p, less_equal = _binary("less_equal", NP_NUMERIC, bool_, what="x <= y")
greater_p, greater = _binary("greater", NP_NUMERIC, bool_, what="x > y")
greater_equal_p, greater_equal = _binary("greater_equal", NP_NUMERIC, bool_, what="x >= y")
logical_and_p, logical_and = _binary("logical_and", NP_BOOL)
logical_or_p, logical_or = _binary("logical_or", NP_BOOL)
logical_xor_p, logical_xor = _binary("logical_xor", NP_BOOL)
bitwise_and_p, bitwise_and = _binary("bitwise_and", NP_INTS)
bitwise_or_p, bitwise_or = _binary("bitwise_or", NP_INTS)
bitwise_xor_p, bitwise_xor = _binary("bitwise_xor", NP_INTS)
no_gradient(equal_p, not_equal_p, less_p, less_equal_p, greater_p, greater_equal_p,
            logical_and_p, logical_or_p, logical_xor_p, bitwise_and_p, bitwise_or_p,
            bitwise_xor_p)
mod = floormod
atan2_p, _atan2 = _binary("atan2", NP_FLOATS, what="arctangent of y / x in (-pi, pi]")


def _atan2_vjp(g: Any, ins: tuple, out: Any) -> tuple:
    y, x = ins
    share = truediv(g, add(multiply(x, x), multiply(y, y)))
    return multiply(share, x), negative(multiply(share, y))


defvjp(atan2_p, _atan2_vjp)
nextafter_p, _nextafter = _binary("nextafter", NP_FLOATS & {float32._np, float64._np},
                                 what="next representable value after x toward y")
no_gradient(nextafter_p)


def abs(x: Any, name: str | None = None) -> Any:  # noqa: A001 - TF's name
    """Elementwise |x|; for a complex tensor the magnitude, of its real dtype (TF's
    ComplexAbs: complex64 -> float32).

    Example:
        >>> import ember as tf
        >>> tf.abs(tf.constant([-1.5, 2.0])).numpy()
        array([1.5, 2. ], dtype=float32)
        >>> tf.abs(tf.constant([3 + 4j])).numpy()
        array([5.])
    """
    x = as_tensor(x)
    if x.dtype.is_complex:
        return bind1(complex_abs_p, x)
    return bind1(abs_p, x)


def truediv(x: Any, y: Any, name: str | None = None) -> Any:
    """`x / y`; integers are first cast to float as TF does (int8/16 -> float32,
    int32/64 -> float64).

    Example:
        >>> import ember as tf
        >>> (tf.constant([1, 2]) / 2).dtype
        tf.float64
    """
    x, y = pair(x, y)
    if x.dtype.is_integer and y.dtype == x.dtype:
        dt = result_type_of_division(x.dtype)
        x, y = cast(x, dt), cast(y, dt)
    return bind2(divide_p, x, y)


divide = truediv


# -- select --------------------------------------------------------------------

def _select_rule(cond, x, y):
    if cond.dtype != bool_:
        raise DTypeError(f"where: condition must be bool, received {rules.describe(cond)}. "
                         f"Compare first, e.g. ember.where(x > 0, a, b), or cast to bool.")
    dt = rules.same_dtype("where", x, y)
    return TensorSpec(rules.broadcast_shapes("where", cond, x, y), dt)


def _where_index_rule(cond):
    return TensorSpec((None, cond.shape.rank), int64)


# NOTE: no eager rule run: `where` checks the dtypes itself (NumPy would promote mixed
# dtypes or accept a non-bool condition silently); shape errors come from the kernel.
select_p = primitive("select", _select_rule)
# NOTE: a select with 0, not g * 0, which is nan where g is inf or nan
defvjp(select_p, lambda g, ins, out: (None, where(ins[0], g, 0), where(ins[0], 0, g)))
where_index_p = primitive("where_index", _where_index_rule, allowed=NP_ALL)
no_gradient(where_index_p)


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Any:
    """With `x` and `y`: elements of `x` where `condition`, else of `y` (broadcasting).
    Alone: the int64 coordinates [N, rank] of the true (non-zero) elements.

    Example:
        >>> import ember as tf
        >>> tf.where(tf.constant([True, False]), 1.0, 2.0).numpy()
        array([1., 2.], dtype=float32)
        >>> tf.where(tf.constant([0, 3, 5])).numpy()
        array([[1],
               [2]])
    """
    cond = as_tensor(condition)
    if x is None and y is None:
        return bind(where_index_p, cond)
    if x is None or y is None:
        raise ValueError("where: pass both x and y, or neither (to get the indices of "
                         "true elements).")
    x, y = pair(x, y)
    if cond.dtype is not bool_ or x.dtype is not y.dtype:
        _select_rule(*[TensorSpec(t.shape, t.dtype) for t in (cond, x, y)])
    return bind(select_p, cond, x, y)


# -- complex numbers -------------------------------------------------------------

_COMPLEX_OF = {float32: "complex64", float64: "complex128"}


def _complex_rule(re: TensorSpec, im: TensorSpec) -> TensorSpec:
    dt = rules.same_dtype("complex", re, im)
    rules.check_dtype("complex", re, NP_FLOATS & {float32._np, float64._np})
    return TensorSpec(rules.broadcast_shapes("complex", re, im), as_dtype(_COMPLEX_OF[dt]))


def _to_real_rule(op: str):
    def rule(x: TensorSpec) -> TensorSpec:
        rules.check_dtype(op, x, NP_COMPLEX)
        return TensorSpec(x.shape, x.dtype.real_dtype)
    return rule


def _as_complex(x: Any) -> Any:
    """A real tensor as complex with a zero imaginary part (in gradient rules)."""
    return complex(x, grad_prims.fill_like(x, 0))


complex_p = primitive("complex", _complex_rule, allowed=NP_FLOATS & {float32._np, float64._np},
                      same_dtype=True, elementwise=True)
defvjp(complex_p, lambda g, ins, out: (real(g) if needs_gradient(0) else None,
                                       bind1(imag_p, g) if needs_gradient(1) else None))
real_p = primitive("real", _to_real_rule("real"), allowed=NP_COMPLEX, elementwise=True)
defvjp(real_p, lambda g, ins, out: (_as_complex(g),))
imag_p = primitive("imag", _to_real_rule("imag"), allowed=NP_COMPLEX, elementwise=True)
defvjp(imag_p, lambda g, ins, out: (complex(grad_prims.fill_like(g, 0), g),))
angle_p = primitive("angle", _to_real_rule("angle"), allowed=NP_COMPLEX, elementwise=True)


def _angle_vjp(g: Any, ins: tuple, out: Any) -> tuple:
    # angle(z) = atan2(y, x): (-y + ix) / |z|^2 = -g / (y + ix)
    z = ins[0]
    return (negative(truediv(_as_complex(g), complex(bind1(imag_p, z), real(z)))),)


defvjp(angle_p, _angle_vjp)
complex_abs_p = primitive("complex_abs", _to_real_rule("complex_abs"), allowed=NP_COMPLEX,
                          elementwise=True)


def _complex_abs_vjp(g: Any, ins: tuple, out: Any) -> tuple:
    # |z|: g z / |z| (0 at z = 0, as TF's div_no_nan)
    num, den = multiply(_as_complex(g), ins[0]), _as_complex(out)
    zero = equal(den, 0)
    return (where(zero, 0, truediv(num, where(zero, 1, den))),)


defvjp(complex_abs_p, _complex_abs_vjp)
conj_p = primitive("conj", rules.unary("conj"), allowed=NP_COMPLEX,
                   elementwise=True)
defvjp(conj_p, lambda g, ins, out: (conj(g),))


def complex(real: Any, imag: Any, name: str | None = None) -> Any:  # noqa: A001 - TF's name
    """The complex tensor `real + imag * 1j` (broadcasting): float32 parts give complex64,
    float64 parts complex128, as `tf.complex`.

    Example:
        >>> import ember as tf
        >>> tf.complex(tf.constant([1.0]), tf.constant([2.0])).numpy()
        array([1.+2.j], dtype=complex64)
    """
    re, im = pair(real, imag)
    if re.dtype is not im.dtype or re.dtype not in (float32, float64):
        _complex_rule(TensorSpec(re.shape, re.dtype), TensorSpec(im.shape, im.dtype))
    return bind(complex_p, re, im)


def real(input: Any, name: str | None = None) -> Any:
    """The real part of a complex tensor (of its real dtype); a real tensor as it is.

    Example:
        >>> import ember as tf
        >>> tf.math.real(tf.constant([1 + 2j])).numpy()
        array([1.])
    """
    x = as_tensor(input)
    if not x.dtype.is_complex:
        _check_real_numeric("real", x)
        return x
    return bind1(real_p, x)


def conj(x: Any, name: str | None = None) -> Any:
    """The complex conjugate; a real tensor as it is, as `tf.math.conj`.

    Example:
        >>> import ember as tf
        >>> tf.math.conj(tf.constant([1 + 2j])).numpy()
        array([1.-2.j])
    """
    x = as_tensor(x)
    if not x.dtype.is_complex:
        _check_real_numeric("conj", x)
        return x
    return bind1(conj_p, x)


def imag(input: Any, name: str | None = None) -> Any:
    """The imaginary part of a complex tensor (of its real dtype); zeros for a real one.

    Example:
        >>> import ember as tf
        >>> tf.math.imag(tf.constant([1 + 2j])).numpy()
        array([2.])
    """
    x = as_tensor(input)
    if not x.dtype.is_complex:
        _check_real_numeric("imag", x)
        return grad_prims.fill_like(x, 0)  # zeros of x's shape and dtype (core's seed)
    return bind1(imag_p, x)


def angle(input: Any, name: str | None = None) -> Any:
    """The argument (phase) of each element, in (-pi, pi], of the real dtype; for a real
    tensor pi where it is negative, else 0, as `tf.math.angle`.

    Example:
        >>> import ember as tf
        >>> tf.math.angle(tf.constant([1j])).numpy()
        array([1.57079633])
    """
    x = as_tensor(input)
    if not x.dtype.is_complex:
        _check_real_numeric("angle", x)
        return where(less(x, 0), _math.pi, 0) if x.dtype.is_floating else \
            cast(where(less(x, 0), _math.pi, 0.0), float32)
    return bind1(angle_p, x)


def _check_real_numeric(op: str, x: Any) -> None:
    rules.check_dtype(op, TensorSpec(x.shape, x.dtype), NP_ARITH)


def atan2(y: Any, x: Any, name: str | None = None) -> Any:
    """The angle of (x, y) in (-pi, pi], elementwise with broadcasting, as `tf.math.atan2`.

    Example:
        >>> import ember as tf
        >>> print(f"{float(tf.math.atan2(tf.constant(1.0), tf.constant(-1.0))):.6f}")
        2.356194
    """
    y, x = pair(y, x)
    return bind2(atan2_p, y, x)


def nextafter(x1: Any, x2: Any, name: str | None = None) -> Any:
    """The next representable float after x1 toward x2 (float32/float64), as
    `tf.math.nextafter`.

    Example:
        >>> import ember as tf
        >>> float(tf.math.nextafter(tf.constant(1.0, tf.float64), 2.0)) - 1.0
        2.220446049250313e-16
    """
    x1, x2 = pair(x1, x2)
    return bind2(nextafter_p, x1, x2)

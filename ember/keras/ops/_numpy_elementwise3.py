"""Keras 3's elementwise NumPy-style ops, part 3: floating-point predicates (`isnan`,
`signbit`, `isclose`, ...), complex parts (`real`, `imag`, `conj`, `angle`), selection
(`where`, `select`, `nan_to_num`), and integer / bit-level functions (`gcd`, `lcm`,
`ldexp`, `nextafter`).

Example:
    >>> from ember import keras
    >>> keras.ops.isclose([1.0, 2.0], [1.0, 2.1]).numpy()
    array([ True, False])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...core.symbolic import SymbolicTensor
from ...ops.array_ops import broadcast_to, shape as _shape, unstack, zeros_like
from ...ops.control_flow import while_loop
from ...ops.math_ops import (abs as _abs, add, angle as _angle, conj as _conj, equal,
                             floor, floordiv, floormod, greater, greater_equal,
                             imag as _imag, is_finite, is_inf, is_nan, less, log as _log,
                             logical_and, logical_not, logical_or, multiply, negative,
                             not_equal, pow as _pow, real as _real, subtract, truediv,
                             where as _where)
from ...ops.reduce_ops import reduce_all, reduce_any
from ...prims.convert import cast
from ._dtypes import dtype_of, promote, result_type, to_tensor
from ._numpy_elementwise import (_UINTS, _as_bool, _as_float, _check_integer, _name,
                                  _strong)
from ._numpy_elementwise2 import _c, _safe

__all__ = [
    "allclose", "angle", "bitwise_left_shift", "bitwise_right_shift", "conj", "conjugate",
    "gcd", "imag", "isclose", "isfinite", "isinf", "isnan", "isneginf", "isposinf",
    "isreal", "lcm", "ldexp", "left_shift", "nan_to_num", "nextafter", "real",
    "right_shift", "select", "signbit", "where",
]


def _is_float(t: Any) -> bool:
    return t.dtype.is_floating


def _all_false(x: Any) -> Any:
    """False in `x`'s shape, computed from `x` so that it is recorded for a KerasTensor
    (`x != x` for a non-float; NaN != NaN, so `isnan & ~isnan` for a float)."""
    if _is_float(x):
        return logical_and(is_nan(x), logical_not(is_nan(x)))
    return not_equal(x, x)


# -- predicates ------------------------------------------------------------------------------
def isnan(x: Any) -> Any:
    """Whether each element is NaN (always False for integers and bool).

    Example:
        >>> from ember import keras
        >>> keras.ops.isnan([1.0, float("nan")]).numpy()
        array([False,  True])
    """
    x = to_tensor(x)
    if x.dtype.is_complex:
        return logical_or(is_nan(_real(x)), is_nan(_imag(x)))
    return is_nan(x) if _is_float(x) else _all_false(x)


def isinf(x: Any) -> Any:
    """Whether each element is +-inf (always False for integers and bool).

    Example:
        >>> from ember import keras
        >>> keras.ops.isinf([1.0, -float("inf")]).numpy()
        array([False,  True])
    """
    x = to_tensor(x)
    if x.dtype.is_complex:
        return logical_or(is_inf(_real(x)), is_inf(_imag(x)))
    return is_inf(x) if _is_float(x) else _all_false(x)


def isfinite(x: Any) -> Any:
    """Whether each element is finite (always True for integers and bool).

    Example:
        >>> from ember import keras
        >>> keras.ops.isfinite([1.0, float("inf")]).numpy()
        array([ True, False])
    """
    x = to_tensor(x)
    if x.dtype.is_complex:
        return logical_and(is_finite(_real(x)), is_finite(_imag(x)))
    return is_finite(x) if _is_float(x) else logical_not(_all_false(x))


def isposinf(x: Any) -> Any:
    """Whether each element is +inf.

    Example:
        >>> from ember import keras
        >>> keras.ops.isposinf([float("inf"), -float("inf")]).numpy()
        array([ True, False])
    """
    x = to_tensor(x)
    return equal(x, _c(np.inf, x)) if _is_float(x) else _all_false(x)


def isneginf(x: Any) -> Any:
    """Whether each element is -inf.

    Example:
        >>> from ember import keras
        >>> keras.ops.isneginf([float("inf"), -float("inf")]).numpy()
        array([False,  True])
    """
    x = to_tensor(x)
    return equal(x, _c(-np.inf, x)) if _is_float(x) else _all_false(x)


def isreal(x: Any) -> Any:
    """Whether each element has a zero imaginary part (always True for real dtypes).

    Example:
        >>> from ember import keras
        >>> keras.ops.isreal([1.0, 2.0]).numpy()
        array([ True,  True])
    """
    x = to_tensor(x)
    if x.dtype.is_complex:
        return equal(_imag(x), 0)
    return logical_not(_all_false(x))


def signbit(x: Any) -> Any:
    """Whether each element's sign bit is set: True for negative numbers and -0.0.

    A NaN counts as positive (ember has no bit-level view of floats to read a NaN's sign).

    Example:
        >>> from ember import keras
        >>> keras.ops.signbit([-1.0, -0.0, 0.0, 2.0]).numpy()
        array([ True,  True, False, False])
    """
    x = to_tensor(x)
    if _name(x) == "bool":
        return _all_false(x)
    if not _is_float(x):
        return less(x, _c(0, x))
    zero = equal(x, _c(0.0, x))
    # -0.0 == 0.0, but 1 / -0.0 is -inf
    neg_zero = logical_and(zero, less(truediv(_c(1.0, x), _safe(zero, x, 1.0)), _c(0.0, x)))
    return logical_or(less(x, _c(0.0, x)), neg_zero)


def _close(a: Any, b: Any, rtol: float, atol: float) -> Any:
    """|a - b| <= atol + rtol |b| where both are finite; infinities close only to
    themselves (NumPy's rule)."""
    tol = add(_c(atol, b), multiply(_c(rtol, b), _abs(b)))
    diff = _abs(subtract(a, b))
    close = logical_and(logical_and(isfinite(a), isfinite(b)),
                        logical_or(less(diff, tol), equal(diff, tol)))
    return logical_or(close, equal(a, b))


def _check_tolerance(op: str, rtol: Any, atol: Any) -> None:
    for name, v in (("rtol", rtol), ("atol", atol)):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"keras.ops.{op}: {name} must be a Python number, received "
                            f"{v!r}.")


def isclose(x1: Any, x2: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Any:
    """Whether `|x1 - x2| <= atol + rtol * |x2|` elementwise (exact equality for
    integers; NaNs equal each other with `equal_nan`).

    Example:
        >>> from ember import keras
        >>> keras.ops.isclose([1.0, float("nan")], [1.0 + 1e-7, float("nan")],
        ...                   equal_nan=True).numpy()
        array([ True,  True])
    """
    _check_tolerance("isclose", rtol, atol)
    a, b = _strong(x1, x2)
    if not (_is_float(a) or a.dtype.is_complex):
        return equal(a, b)
    out = _close(a, b, rtol, atol)
    if equal_nan:
        out = logical_or(out, logical_and(is_nan(a), is_nan(b)))
    return out


def allclose(x1: Any, x2: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> Any:
    """Whether all elements are close (`isclose`), with infinities close only to equal
    infinities; a scalar bool tensor.

    Example:
        >>> from ember import keras
        >>> bool(keras.ops.allclose([1.0, 2.0], [1.0, 2.000001]))
        True
    """
    _check_tolerance("allclose", rtol, atol)
    a, b = _strong(x1, x2)
    if not (_is_float(a) or a.dtype.is_complex):
        return reduce_all(equal(a, b))
    out = _close(a, b, rtol, atol)
    if equal_nan:
        out = logical_or(out, logical_and(isnan(a), isnan(b)))
    return reduce_all(out)


# -- complex parts -------------------------------------------------------------------------
def real(x: Any) -> Any:
    """The real part of each element (a real tensor as it is).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.ops.real(np.array([1 + 2j], "complex64")).numpy()
        array([1.], dtype=float32)
    """
    return _real(to_tensor(x))


def imag(x: Any) -> Any:
    """The imaginary part of each element (zeros for a real tensor).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.ops.imag(np.array([1 + 2j], "complex64")).numpy()
        array([2.], dtype=float32)
    """
    x = to_tensor(x)
    return _imag(x) if x.dtype.is_complex else cast(_all_false(x), _name(x))


def conjugate(x: Any) -> Any:
    """The complex conjugate of each element (a real tensor as it is).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.ops.conjugate(np.array([1 + 2j], "complex64")).numpy()
        array([1.-2.j], dtype=complex64)
    """
    return _conj(to_tensor(x))


def conj(x: Any) -> Any:
    """The complex conjugate (the same as `keras.ops.conjugate`).

    Example:
        >>> from ember import keras
        >>> keras.ops.conj([1.0]).numpy()
        array([1.], dtype=float32)
    """
    return conjugate(x)


def angle(x: Any) -> Any:
    """The argument of each element in radians, in `(-pi, pi]` (`pi` for negative reals);
    integers give floatx.

    Example:
        >>> from ember import keras
        >>> keras.ops.angle([-1.0, 2.0]).numpy()
        array([3.1415927, 0.       ], dtype=float32)
    """
    x = to_tensor(x)
    if not x.dtype.is_complex:
        x = _as_float(x)
    return _angle(x)


# -- selection --------------------------------------------------------------------------------
def where(condition: Any, x1: Any = None, x2: Any = None) -> Any:
    """Elements of `x1` where `condition`, else of `x2` (broadcast, promoted); with only
    `condition`, the indices of its nonzero elements, one int tensor per axis.

    Example:
        >>> from ember import keras
        >>> keras.ops.where([True, False], [1, 2], [10, 20]).numpy()
        array([ 1, 20], dtype=int32)
        >>> [i.numpy() for i in keras.ops.where([[0, 1], [1, 1]])]
        [array([0, 1, 1]), array([1, 0, 1])]
    """
    if (x1 is None) != (x2 is None):
        raise ValueError("keras.ops.where: `x1` and `x2` either both should be `None` or "
                         f"both should have non-None value. Received: x1={x1!r}, "
                         f"x2={x2!r}.")
    cond = _as_bool(condition)
    if x1 is None:
        idx = _where(cond)  # [n, rank] int64 indices
        rank = cond.shape.rank
        if rank is None:
            raise ValueError("keras.ops.where: the condition's rank must be known to "
                             "return one index tensor per axis.")
        if rank == 0:
            raise ValueError("keras.ops.where: a scalar condition has no indices; pass "
                             "x1 and x2, or a condition of rank >= 1.")
        return tuple(unstack(idx, num=rank, axis=1))
    a, b = promote(x1, x2)
    return _where(cond, a, b)


def select(condlist: list, choicelist: list, default: Any = 0) -> Any:
    """From `choicelist[i]` where `condlist[i]` is the first true condition, else
    `default` (all broadcast; choices promoted with the default).

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> x = tf.constant([0, 1, 2, 3])
        >>> keras.ops.select([x < 1, x > 2], [x, x * 10], default=-1).numpy()
        array([ 0, -1, -1, 30], dtype=int32)
    """
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise ValueError("keras.ops.select: condlist and choicelist must be lists. "
                         f"Received: type(condlist) = {type(condlist)}, "
                         f"type(choicelist) = {type(choicelist)}")
    if not condlist or not choicelist:
        raise ValueError("keras.ops.select: condlist and choicelist must not be empty. "
                         f"Received: condlist = {condlist}, choicelist = {choicelist}")
    if len(condlist) != len(choicelist):
        raise ValueError("keras.ops.select: condlist and choicelist must have the same "
                         f"length, received {len(condlist)} and {len(choicelist)}.")
    *choices, fallback = promote(*choicelist, default)
    out = fallback
    for cond, choice in zip(reversed(condlist), reversed(choices)):
        out = _where(_as_bool(cond), choice, out)
    # the result has the shape of all operands broadcast together
    for cond in condlist:
        out = _where(_as_bool(cond), out, out)
    return out


def nan_to_num(x: Any, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Any:
    """`x` with NaN replaced by `nan` and +-inf by `posinf` / `neginf` (default: the
    dtype's largest / lowest finite value); integers as they are.

    Example:
        >>> from ember import keras
        >>> keras.ops.nan_to_num([float("nan"), float("inf"), 1.0], posinf=9.0).numpy()
        array([0., 9., 1.], dtype=float32)
    """
    x = to_tensor(x)
    if x.dtype.is_complex:
        from ...ops.math_ops import complex as _complex
        parts = [nan_to_num(p, nan, posinf, neginf) for p in (_real(x), _imag(x))]
        return _complex(*parts)
    if not _is_float(x):
        return x
    info = np.finfo(_name(x) if _name(x) != "bfloat16" else "float32")
    hi = float(info.max) if posinf is None else posinf
    lo = float(info.min) if neginf is None else neginf
    x = _where(is_nan(x), _c(nan, x), x)
    x = _where(equal(x, _c(np.inf, x)), _c(hi, x), x)
    return _where(equal(x, _c(-np.inf, x)), _c(lo, x), x)


# -- integer and bit-level functions ---------------------------------------------------------
def _shift_operands(name: str, x: Any, y: Any) -> tuple:
    x = to_tensor(x)
    if isinstance(y, int) and not isinstance(y, bool):
        a, b = x, to_tensor(y, _name(x) if _name(x) != "bool" else "int32")
    else:
        a, b = promote(x, y)
    _check_integer(name, a, b)
    if _name(a) == "bool":
        a, b = cast(a, "int32"), cast(b, "int32")
    return a, b


def _bits(dtype: str) -> int:
    return int("".join(c for c in dtype if c.isdigit()))


def bitwise_left_shift(x: Any, y: Any) -> Any:
    """`x << y` elementwise for integers (bits shifted out are lost; a shift by the width
    or more gives 0).

    Example:
        >>> from ember import keras
        >>> keras.ops.bitwise_left_shift([1, 3], 2).numpy()
        array([ 4, 12], dtype=int32)
    """
    a, b = _shift_operands("bitwise_left_shift", x, y)
    bits = _bits(_name(a))
    ok = logical_and(greater_equal(b, 0), less(b, bits))
    safe = _where(ok, b, zeros_like(b))
    # x * 2**y wraps around exactly as the shift does (two's complement)
    out = multiply(a, _pow(to_tensor(2, _name(a)), safe))
    return _where(ok, out, zeros_like(out))


def bitwise_right_shift(x: Any, y: Any) -> Any:
    """`x >> y` elementwise for integers (arithmetic shift: a negative `x` keeps its
    sign; a shift by the width or more gives 0 or -1).

    Example:
        >>> from ember import keras
        >>> keras.ops.bitwise_right_shift([16, -16], 2).numpy()
        array([ 4, -4], dtype=int32)
    """
    a, b = _shift_operands("bitwise_right_shift", x, y)
    dt = _name(a)
    bits = _bits(dt)
    top = bits if dt in _UINTS else bits - 1  # 2**top is the first that overflows
    ok = logical_and(greater_equal(b, 0), less(b, top))
    safe = _where(ok, b, zeros_like(b))
    out = floordiv(a, _pow(to_tensor(2, dt), safe))
    if dt in _UINTS:
        return _where(ok, out, zeros_like(out))
    return _where(ok, out, _where(less(a, 0), to_tensor(-1, dt), zeros_like(a)))


def left_shift(x: Any, y: Any) -> Any:
    """`x << y` elementwise (the same as `keras.ops.bitwise_left_shift`).

    Example:
        >>> from ember import keras
        >>> keras.ops.left_shift([1], 3).numpy()
        array([8], dtype=int32)
    """
    return bitwise_left_shift(x, y)


def right_shift(x: Any, y: Any) -> Any:
    """`x >> y` elementwise (the same as `keras.ops.bitwise_right_shift`).

    Example:
        >>> from ember import keras
        >>> keras.ops.right_shift([8], 3).numpy()
        array([1], dtype=int32)
    """
    return bitwise_right_shift(x, y)



def _int_operands(op: str, x1: Any, x2: Any) -> list:
    a, b = _strong(x1, x2)
    if not a.dtype.is_integer:
        raise TypeError(f"keras.ops.{op}: arguments must be integers. Received: "
                        f"x1.dtype={_name(to_tensor(x1))}, x2.dtype={_name(to_tensor(x2))}")
    a, b = broadcast_to(a, _shape(add(a, b))), broadcast_to(b, _shape(add(a, b)))
    if not _name(a).startswith("uint"):
        a, b = _abs(a), _abs(b)
    return [a, b]


def _euclid_step(a: Any, b: Any) -> tuple:
    nz = not_equal(b, 0)
    safe = _where(nz, b, _c(1, b))
    return _where(nz, b, a), _where(nz, floormod(a, safe), zeros_like(b))


# The most Euclid steps two n-bit numbers can need (consecutive Fibonacci numbers).
_EUCLID_STEPS = {8: 13, 16: 25, 32: 48, 64: 94}


def _gcd(a: Any, b: Any) -> Any:
    if isinstance(a, SymbolicTensor):  # a KerasTensor: while_loop needs values
        bits = int("".join(c for c in _name(a) if c.isdigit()))
        for _ in range(_EUCLID_STEPS[bits]):  # symbolic: no early exit, unrolled
            a, b = _euclid_step(a, b)
        return a
    out, _ = while_loop(lambda u, v: reduce_any(not_equal(v, 0)), _euclid_step, [a, b])
    return out


def gcd(x1: Any, x2: Any) -> Any:
    """The greatest common divisor of `|x1|` and `|x2|` elementwise (integers only;
    gcd(0, 0) = 0).

    Example:
        >>> from ember import keras
        >>> keras.ops.gcd([12, 7, 0], [18, 3, 5]).numpy()
        array([6, 1, 5], dtype=int32)
    """
    return _gcd(*_int_operands("gcd", x1, x2))


def lcm(x1: Any, x2: Any) -> Any:
    """The least common multiple of `|x1|` and `|x2|` elementwise (integers only;
    0 where either is 0).

    Example:
        >>> from ember import keras
        >>> keras.ops.lcm([4, 6, 0], [6, 4, 5]).numpy()
        array([12, 12,  0], dtype=int32)
    """
    a, b = _int_operands("lcm", x1, x2)
    d = _gcd(a, b)
    zero = equal(d, 0)
    out = multiply(a, floordiv(b, _where(zero, _c(1, d), d)))
    return _where(zero, zeros_like(out), out)


def ldexp(x1: Any, x2: Any) -> Any:
    """`x1 * 2 ** x2` elementwise, `x2` an integer exponent; a float result.

    Example:
        >>> from ember import keras
        >>> keras.ops.ldexp([1.5, 3.0], [2, -1]).numpy()
        array([6. , 1.5], dtype=float32)
    """
    e = to_tensor(x2)
    if not e.dtype.is_integer:
        raise TypeError(f"keras.ops.ldexp: the exponent x2 must be of an integer type. "
                        f"Received: x2 dtype={_name(e)}")
    dt = result_type(dtype_of(x1), dtype_of(x2), float)
    m = to_tensor(x1, dt)
    out = multiply(m, _pow(_c(2.0, m), cast(e, dt)))
    return _where(logical_or(is_inf(m), equal(m, _c(0.0, m))), add(m, zeros_like(out)), out)


_TINY64 = 5e-324  # the smallest positive float64 (subnormal)
_MIN_NORMAL64 = 2.0 ** -1022


def _nextafter64(x: Any, y: Any) -> Any:
    """nextafter on float64 tensors: one unit in the last place toward `y`."""
    a = _abs(x)
    finite_nz = logical_and(is_finite(x), not_equal(x, _c(0.0, x)))
    a_safe = _safe(finite_nz, a, 1.0)
    e = floor(truediv(_log(a_safe), _c(math.log(2.0), a)))  # about floor(log2|x|)
    e = subtract(e, cast(greater(_pow(_c(2.0, e), e), a_safe), "float64"))
    e = add(e, cast(greater_equal(a_safe, _pow(_c(2.0, e), add(e, _c(1.0, e)))),
                    "float64"))
    normal = greater_equal(a_safe, _c(_MIN_NORMAL64, a))
    ulp = _where(normal, _pow(_c(2.0, e), subtract(e, _c(52.0, e))), _c(_TINY64, a))
    power_of_two = logical_and(normal, equal(a_safe, _pow(_c(2.0, e), e)))
    below = _where(logical_and(power_of_two, greater(a_safe, _c(_MIN_NORMAL64, a))),
                   multiply(ulp, _c(0.5, ulp)), ulp)
    up = greater(y, x)  # the direction of the step
    away = equal(up, greater(x, _c(0.0, x)))  # the step grows |x|
    step = _where(away, ulp, below)
    moved = _where(up, add(x, step), subtract(x, step))
    big = _c(float(np.finfo(np.float64).max), x)
    from_inf = _where(greater(x, _c(0.0, x)), big, negative(big))
    from_zero = _where(up, _c(_TINY64, x), _c(-_TINY64, x))
    out = _where(finite_nz, moved, _where(is_inf(x), from_inf, from_zero))
    out = _where(equal(x, y), y, out)
    return _where(logical_or(is_nan(x), is_nan(y)), add(x, y), out)


def nextafter(x1: Any, x2: Any) -> Any:
    """The next float after `x1` toward `x2`, elementwise; computed in float64 and cast
    to the result dtype (as Keras 3 on TF).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> float(keras.ops.nextafter(np.float64(1.0), np.float64(2.0))) - 1.0
        2.220446049250313e-16
    """
    dt = result_type(dtype_of(x1), dtype_of(x2), float)
    a, b = to_tensor(to_tensor(x1), "float64"), to_tensor(to_tensor(x2), "float64")
    a, b = add(a, zeros_like(b)), add(b, zeros_like(a))
    return cast(_nextafter64(a, b), dt)


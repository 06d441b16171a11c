"""Keras 3's elementwise NumPy-style ops, part 1: arithmetic, comparisons, logic and
bitwise logic (`keras.ops.add`, `keras.ops.less`, `keras.ops.bitwise_and`, ...).

Each op converts its operands with Keras 3's dtype promotion (`_dtypes.promote`: a Python
number is weak, `int8 tensor + 3` stays int8, `int32 tensor + 1.5` is floatx) and then
computes with ember's ops, so it works on Tensors, Variables, NumPy arrays and
KerasTensors and has gradients. Part 2 (`_numpy_elementwise2.py`) holds the
transcendental functions and rounding, part 3 (`_numpy_elementwise3.py`) predicates,
selection, complex parts, shifts and integer functions; `_elementwise_math.py` the math
ops erf, erfc, erfinv, rsqrt.

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> keras.ops.multiply(np.array([1, 2], "int8"), 3).numpy()
    array([3, 6], dtype=int8)
"""

from __future__ import annotations

from typing import Any

from ...core.tensor import TensorOps
from ...ops.math_ops import (abs as _abs, add as _add, bitwise_and as _bit_and,
                             bitwise_or as _bit_or, bitwise_xor as _bit_xor,
                             divide_no_nan as _divide_no_nan, equal as _equal,
                             floordiv as _floordiv, floormod as _floormod,
                             greater as _greater, greater_equal as _greater_equal,
                             invert as _invert, less as _less, less_equal as _less_equal,
                             logical_and as _land, logical_not as _lnot, logical_or as _lor,
                             logical_xor as _lxor, maximum as _maximum, minimum as _minimum,
                             multiply as _multiply, negative as _negative,
                             not_equal as _not_equal, pow as _pow, reciprocal as _reciprocal,
                             sign as _sign, square as _square,
                             subtract as _subtract, truediv as _truediv, where as _where)
from ...prims.convert import cast
from .. import config
from ._dtypes import dtype_of, promote, result_type, standardize_dtype, to_tensor

__all__ = [
    "abs", "absolute", "add", "bitwise_and", "bitwise_invert", "bitwise_not", "bitwise_or",
    "bitwise_xor", "divide", "divide_no_nan", "equal", "fabs", "floor_divide", "fmax",
    "fmin", "fmod", "greater", "greater_equal", "less", "less_equal", "logical_and",
    "logical_not", "logical_or", "logical_xor", "maximum", "minimum", "mod", "multiply",
    "negative", "not_equal", "power", "reciprocal", "sign", "square", "subtract",
    "true_divide",
]

_UINTS = ("uint8", "uint16", "uint32", "uint64")


# -- helpers -------------------------------------------------------------------------------
def _name(t: Any) -> str:
    return t.dtype.name


def _float_dtype(x: Any) -> str:
    """Keras 3's (TF backend) dtype of a float function of `x`: int64 -> floatx, else
    `result_type(dtype, float)` (ints and bool -> floatx, floats kept)."""
    d = standardize_dtype(dtype_of(x)) if not isinstance(x, (int, float)) else \
        standardize_dtype(type(x))
    return config.floatx() if d == "int64" else result_type(d, float)


def _as_float(x: Any) -> Any:
    """`x` as a tensor of its float function dtype (see `_float_dtype`)."""
    return to_tensor(to_tensor(x), _float_dtype(to_tensor(x)))


def _strong(*xs: Any) -> list:
    """Operands promoted as Keras 3 does where it converts Python numbers to tensors
    first (int -> int32, float -> floatx: not weak; `int8 tensor % 3` is int32)."""
    return promote(*(x if isinstance(x, TensorOps) else to_tensor(x) for x in xs))


def _float_pair(x1: Any, x2: Any) -> list:
    """Both operands promoted with a weak float: `result_type(x1, x2, float)`."""
    return promote(x1, x2, dtype=result_type(dtype_of(x1), dtype_of(x2), float))


def _check_integer(op: str, *ts: Any) -> None:
    for t in ts:
        if not (t.dtype.is_integer or _name(t) == "bool"):
            raise TypeError(f"keras.ops.{op}: expected integer (or bool) tensors, "
                            f"received dtype {_name(t)}.")


def _unsigned_via_int32(fn, *ts: Any) -> Any:
    """`fn` computed in int32 for uint8/16/32 operands (ember's sign/abs/pow accept
    them, but Keras 3 on TF computes these in int32 and casts back)."""
    dt = _name(ts[0])
    if dt in ("uint8", "uint16", "uint32"):
        return cast(fn(*(cast(t, "int32") for t in ts)), dt)
    return fn(*ts)


# -- arithmetic ------------------------------------------------------------------------------
def add(x1: Any, x2: Any) -> Any:
    """`x1 + x2` elementwise, with broadcasting (bool + bool is logical or, as NumPy).

    Example:
        >>> from ember import keras
        >>> keras.ops.add([1, 2], 0.5).numpy()
        array([1.5, 2.5], dtype=float32)
    """
    a, b = promote(x1, x2)
    return _lor(a, b) if _name(a) == "bool" else _add(a, b)


def subtract(x1: Any, x2: Any) -> Any:
    """`x1 - x2` elementwise, with broadcasting.

    Example:
        >>> from ember import keras
        >>> keras.ops.subtract([3, 4], [1, 1]).numpy()
        array([2, 3], dtype=int32)
    """
    a, b = promote(x1, x2)
    if _name(a) == "bool":
        raise TypeError("keras.ops.subtract: bool operands cannot be subtracted; use "
                        "keras.ops.logical_xor, or cast them to an integer dtype first.")
    return _subtract(a, b)


def multiply(x1: Any, x2: Any) -> Any:
    """`x1 * x2` elementwise, with broadcasting (bool * bool is logical and).

    Example:
        >>> from ember import keras
        >>> keras.ops.multiply([1.5, 2.0], 2).numpy()
        array([3., 4.], dtype=float32)
    """
    a, b = promote(x1, x2)
    return _land(a, b) if _name(a) == "bool" else _multiply(a, b)


def divide(x1: Any, x2: Any) -> Any:
    """`x1 / x2` elementwise: true division, integers give floatx (int64: float64 kept
    only with a float64 operand).

    Example:
        >>> from ember import keras
        >>> keras.ops.divide([1, 3], 2).numpy()
        array([0.5, 1.5], dtype=float32)
    """
    a, b = _float_pair(x1, x2)
    return _truediv(a, b)


def true_divide(x1: Any, x2: Any) -> Any:
    """`x1 / x2` elementwise (the same as `keras.ops.divide`).

    Example:
        >>> from ember import keras
        >>> keras.ops.true_divide([1.0], [4.0]).numpy()
        array([0.25], dtype=float32)
    """
    return divide(x1, x2)


def divide_no_nan(x1: Any, x2: Any) -> Any:
    """`x1 / x2` elementwise, but 0 where `x2` is 0.

    Example:
        >>> from ember import keras
        >>> keras.ops.divide_no_nan([1.0, 2.0], [0.0, 4.0]).numpy()
        array([0. , 0.5], dtype=float32)
    """
    a, b = _float_pair(x1, x2)
    return _divide_no_nan(a, b)


def floor_divide(x1: Any, x2: Any) -> Any:
    """`floor(x1 / x2)` elementwise, in the promoted dtype.

    Example:
        >>> from ember import keras
        >>> keras.ops.floor_divide([7, -7], 2).numpy()
        array([ 3, -4], dtype=int32)
    """
    a, b = promote(x1, x2)
    return _floordiv(a, b)


def mod(x1: Any, x2: Any) -> Any:
    """`x1 mod x2` elementwise, with the sign of `x2` (Python's `%`); bool gives int32.

    Example:
        >>> from ember import keras
        >>> keras.ops.mod([7, -7], 3).numpy()
        array([1, 2], dtype=int32)
    """
    a, b = _strong(x1, x2)
    if _name(a) == "bool":
        a, b = cast(a, "int32"), cast(b, "int32")
    return _floormod(a, b)


def fmod(x1: Any, x2: Any) -> Any:
    """The remainder of `x1 / x2` with the sign of `x1` (C's `fmod`); bool gives int32.

    Example:
        >>> from ember import keras
        >>> keras.ops.fmod([7, -7], 3).numpy()
        array([ 1, -1], dtype=int32)
    """
    a, b = _strong(x1, x2)
    if _name(a) == "bool":
        a, b = cast(a, "int32"), cast(b, "int32")
    return _unsigned_via_int32(
        lambda u, v: _multiply(_sign(u), _floormod(_abs(u), _abs(v))), a, b)


def power(x1: Any, x2: Any) -> Any:
    """`x1 ** x2` elementwise, in the promoted dtype.

    Example:
        >>> from ember import keras
        >>> keras.ops.power([2, 3], 2).numpy()
        array([4, 9], dtype=int32)
    """
    a, b = promote(x1, x2)
    if _name(a) == "bool":
        a, b = cast(a, "int32"), cast(b, "int32")
        return cast(_pow(a, b), "bool")
    return _unsigned_via_int32(_pow, a, b)


def negative(x: Any) -> Any:
    """`-x` elementwise.

    Example:
        >>> from ember import keras
        >>> keras.ops.negative([1, -2]).numpy()
        array([-1,  2], dtype=int32)
    """
    x = to_tensor(x)
    if _name(x) == "bool":
        raise TypeError("keras.ops.negative: a bool tensor cannot be negated; use "
                        "keras.ops.logical_not.")
    return _negative(x)


def absolute(x: Any) -> Any:
    """`|x|` elementwise (a complex input gives its magnitude, of the real dtype).

    Example:
        >>> from ember import keras
        >>> keras.ops.absolute([-1.5, 2.0]).numpy()
        array([1.5, 2. ], dtype=float32)
    """
    x = to_tensor(x)
    if _name(x) in _UINTS or _name(x) == "bool":
        return x
    return _abs(x)


def abs(x: Any) -> Any:  # noqa: A001 - Keras' name
    """`|x|` elementwise (the same as `keras.ops.absolute`).

    Example:
        >>> from ember import keras
        >>> keras.ops.abs([-3, 2]).numpy()
        array([3, 2], dtype=int32)
    """
    return absolute(x)


def fabs(x: Any) -> Any:
    """`|x|` elementwise as a float (integers and bool give floatx).

    Example:
        >>> from ember import keras
        >>> keras.ops.fabs([-3, 2]).numpy()
        array([3., 2.], dtype=float32)
    """
    x = to_tensor(x)
    if x.dtype.is_integer or _name(x) == "bool":
        x = cast(x, config.floatx())
    return _abs(x)


def sign(x: Any) -> Any:
    """-1, 0 or 1 by the sign of each element, in `x`'s dtype.

    Example:
        >>> from ember import keras
        >>> keras.ops.sign([-2.0, 0.0, 3.0]).numpy()
        array([-1.,  0.,  1.], dtype=float32)
    """
    x = to_tensor(x)
    if _name(x) == "bool":
        return x
    return _unsigned_via_int32(_sign, x)


def square(x: Any) -> Any:
    """`x * x` elementwise (bool gives int32).

    Example:
        >>> from ember import keras
        >>> keras.ops.square([2, -3]).numpy()
        array([4, 9], dtype=int32)
    """
    x = to_tensor(x)
    if _name(x) == "bool":
        x = cast(x, "int32")
    return _square(x)


def reciprocal(x: Any) -> Any:
    """`1 / x` elementwise, in `x`'s dtype.

    Example:
        >>> from ember import keras
        >>> keras.ops.reciprocal([2.0, 4.0]).numpy()
        array([0.5 , 0.25], dtype=float32)
    """
    x = to_tensor(x)
    if x.dtype.is_integer or _name(x) == "bool":
        return cast(_floordiv(to_tensor(1, _name(x) if _name(x) != "bool" else "int32"),
                              cast(x, "int32") if _name(x) == "bool" else x), _name(x))
    return _reciprocal(x)


def maximum(x1: Any, x2: Any) -> Any:
    """The larger of `x1` and `x2` elementwise (NaN wins), in the promoted dtype.

    Example:
        >>> from ember import keras
        >>> keras.ops.maximum([1, 5], 3).numpy()
        array([3, 5], dtype=int32)
    """
    a, b = promote(x1, x2)
    return _lor(a, b) if _name(a) == "bool" else _maximum(a, b)


def minimum(x1: Any, x2: Any) -> Any:
    """The smaller of `x1` and `x2` elementwise (NaN wins), in the promoted dtype.

    Example:
        >>> from ember import keras
        >>> keras.ops.minimum([1, 5], 3).numpy()
        array([1, 3], dtype=int32)
    """
    a, b = promote(x1, x2)
    return _land(a, b) if _name(a) == "bool" else _minimum(a, b)


def _nan_ignoring(pick):
    def op(x1: Any, x2: Any) -> Any:
        a, b = promote(x1, x2)
        out = pick(a, b)
        if not a.dtype.is_floating:
            return out
        nan_a, nan_b = _not_equal(a, a), _not_equal(b, b)
        out = _where(_land(nan_a, _lnot(nan_b)), b, out)
        return _where(_land(nan_b, _lnot(nan_a)), a, out)
    return op


def fmax(x1: Any, x2: Any) -> Any:
    """The larger of `x1` and `x2` elementwise, ignoring NaN (NaN only where both are).

    Example:
        >>> from ember import keras
        >>> keras.ops.fmax([1.0, float("nan")], [2.0, 0.5]).numpy()
        array([2. , 0.5], dtype=float32)
    """
    return _nan_ignoring(maximum)(x1, x2)


def fmin(x1: Any, x2: Any) -> Any:
    """The smaller of `x1` and `x2` elementwise, ignoring NaN (NaN only where both are).

    Example:
        >>> from ember import keras
        >>> keras.ops.fmin([1.0, float("nan")], [2.0, 0.5]).numpy()
        array([1. , 0.5], dtype=float32)
    """
    return _nan_ignoring(minimum)(x1, x2)


# -- comparisons and logic ---------------------------------------------------------------------
def _comparison(name: str, fn, ordered: bool):
    def op(x1: Any, x2: Any) -> Any:
        a, b = _strong(x1, x2)
        if ordered and _name(a) == "bool":
            a, b = cast(a, "int32"), cast(b, "int32")
        return fn(a, b)
    op.__name__ = op.__qualname__ = name
    return op


_SYMBOL = {"equal": "==", "not_equal": "!=", "greater": ">", "greater_equal": ">=",
           "less": "<", "less_equal": "<="}


def _make_comparison(name: str, fn, ordered: bool):
    op = _comparison(name, fn, ordered)
    op.__doc__ = (f"`x1 {_SYMBOL[name]} x2` elementwise (operands promoted), a bool tensor.\n\n"
                  f"    Example:\n"
                  f"        >>> from ember import keras\n"
                  f"        >>> keras.ops.{name}([1, 2, 3], 2).numpy().tolist()\n"
                  f"        {[eval(f'{v} {_SYMBOL[name]} 2') for v in (1, 2, 3)]}\n")
    op.__annotations__ = {"x1": "Any", "x2": "Any", "return": "Any"}
    return op


equal = _make_comparison("equal", _equal, False)
not_equal = _make_comparison("not_equal", _not_equal, False)
greater = _make_comparison("greater", _greater, True)
greater_equal = _make_comparison("greater_equal", _greater_equal, True)
less = _make_comparison("less", _less, True)
less_equal = _make_comparison("less_equal", _less_equal, True)


def _as_bool(x: Any) -> Any:
    """`x` as a bool tensor: nonzero values are True (a cast, not a conversion)."""
    t = to_tensor(x)
    return t if _name(t) == "bool" else cast(t, "bool")


def logical_and(x1: Any, x2: Any) -> Any:
    """Elementwise `x1 and x2` (nonzero values are True).

    Example:
        >>> from ember import keras
        >>> keras.ops.logical_and([True, True], [1, 0]).numpy()
        array([ True, False])
    """
    return _land(_as_bool(x1), _as_bool(x2))


def logical_or(x1: Any, x2: Any) -> Any:
    """Elementwise `x1 or x2` (nonzero values are True).

    Example:
        >>> from ember import keras
        >>> keras.ops.logical_or([True, False], [0, 0]).numpy()
        array([ True, False])
    """
    return _lor(_as_bool(x1), _as_bool(x2))


def logical_xor(x1: Any, x2: Any) -> Any:
    """Elementwise `x1 xor x2` (nonzero values are True).

    Example:
        >>> from ember import keras
        >>> keras.ops.logical_xor([True, False], [True, True]).numpy()
        array([False,  True])
    """
    return _lxor(_as_bool(x1), _as_bool(x2))


def logical_not(x: Any) -> Any:
    """Elementwise `not x` (nonzero values are True).

    Example:
        >>> from ember import keras
        >>> keras.ops.logical_not([True, False]).numpy()
        array([False,  True])
    """
    return _lnot(_as_bool(x))


# -- bitwise ---------------------------------------------------------------------------------
def _bitwise(name: str, ints, bools):
    def op(x: Any, y: Any) -> Any:
        a, b = _strong(x, y)
        _check_integer(name, a, b)
        return (bools if _name(a) == "bool" else ints)(a, b)
    return op


def bitwise_and(x: Any, y: Any) -> Any:
    """Bitwise AND of integer (or bool) tensors, elementwise.

    Example:
        >>> from ember import keras
        >>> keras.ops.bitwise_and([12, 10], 6).numpy()
        array([4, 2], dtype=int32)
    """
    return _bitwise("bitwise_and", _bit_and, _land)(x, y)


def bitwise_or(x: Any, y: Any) -> Any:
    """Bitwise OR of integer (or bool) tensors, elementwise.

    Example:
        >>> from ember import keras
        >>> keras.ops.bitwise_or([12, 10], 1).numpy()
        array([13, 11], dtype=int32)
    """
    return _bitwise("bitwise_or", _bit_or, _lor)(x, y)


def bitwise_xor(x: Any, y: Any) -> Any:
    """Bitwise XOR of integer (or bool) tensors, elementwise.

    Example:
        >>> from ember import keras
        >>> keras.ops.bitwise_xor([12, 10], 6).numpy()
        array([10, 12], dtype=int32)
    """
    return _bitwise("bitwise_xor", _bit_xor, _lxor)(x, y)


def bitwise_invert(x: Any) -> Any:
    """Bitwise NOT of an integer (or bool) tensor, elementwise (`~x`).

    Example:
        >>> from ember import keras
        >>> keras.ops.bitwise_invert([0, 5]).numpy()
        array([-1, -6], dtype=int32)
    """
    x = to_tensor(x)
    _check_integer("bitwise_invert", x)
    return _lnot(x) if _name(x) == "bool" else _invert(x)


def bitwise_not(x: Any) -> Any:
    """Bitwise NOT (the same as `keras.ops.bitwise_invert`).

    Example:
        >>> from ember import keras
        >>> keras.ops.bitwise_not([1]).numpy()
        array([-2], dtype=int32)
    """
    return bitwise_invert(x)


# Parts 2 and 3 are re-exported here, so that `keras.ops` and `keras.ops.numpy` (which
# import this module's `__all__`) get them.
from . import _numpy_elementwise2 as _part2  # noqa: E402
from . import _numpy_elementwise3 as _part3  # noqa: E402
from ._numpy_elementwise2 import *  # noqa: E402,F401,F403
from ._numpy_elementwise3 import *  # noqa: E402,F401,F403

__all__ += _part2.__all__ + _part3.__all__

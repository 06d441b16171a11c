"""Elementwise math for users: the primitives' ops (`prims/math.py`) and the composites
written with them (square, divide_no_nan, clip_by_value, add_n, ...), and the operators'
dtype-dependent meanings (`~`, `&`, `==` as TF 2).

Example:
    >>> import ember as tf
    >>> tf.math.squared_difference(3.0, tf.constant([1.0])).numpy()
    array([4.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ..core.dtypes import bool as bool_
from ..core.errors import DTypeError, OpError, ShapeError, fmt_dims
from ..prims.convert import as_tensor, constant, pair
from ..prims.math import (  # noqa: F401 - the primitives' ops, re-exported
    abs, add, angle, bitwise_and, bitwise_or, bitwise_xor, ceil, complex, conj, cos, divide,
    equal, erf, exp, expm1, floor, floordiv, floormod, greater, greater_equal, imag, is_finite,
    is_inf, is_nan, less, less_equal, log, log1p, logical_and, logical_not, logical_or,
    logical_xor, maximum, minimum, mod, multiply, negative, not_equal, pow, real, round,
    rsqrt, sigmoid, sign, sin, softplus, sqrt, subtract, tan, tanh, truediv, where,
    _bitwise_invert)

__all__ = [
    "add", "subtract", "multiply", "divide", "truediv", "floordiv", "floormod", "mod", "pow",
    "maximum", "minimum", "negative", "abs", "sign", "square", "sqrt", "rsqrt",
    "reciprocal", "exp", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "sigmoid",
    "log_sigmoid", "softplus", "erf", "floor", "ceil", "round", "is_nan", "is_inf",
    "is_finite", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
    "logical_and", "logical_or", "logical_not", "logical_xor", "where", "divide_no_nan",
    "clip_by_value", "add_n", "squared_difference", "bitwise_and", "bitwise_or",
    "bitwise_xor", "invert", "complex", "real", "imag", "conj", "angle",
]


def square(x: Any, name: str | None = None) -> Any:
    """`x * x`.

    Example:
        >>> import ember as tf
        >>> tf.square(tf.constant([3.0])).numpy()
        array([9.], dtype=float32)
    """
    x = as_tensor(x)
    return multiply(x, x)


def reciprocal(x: Any, name: str | None = None) -> Any:
    """`1 / x`.

    Example:
        >>> import ember as tf
        >>> tf.math.reciprocal(tf.constant([4.0])).numpy()
        array([0.25], dtype=float32)
    """
    x = as_tensor(x)
    return truediv(1, x)


def log_sigmoid(x: Any, name: str | None = None) -> Any:
    """`log(sigmoid(x)) = -softplus(-x)`, stable for large |x|.

    Example:
        >>> import ember as tf
        >>> float(tf.math.log_sigmoid(tf.constant(-100.0)))
        -100.0
    """
    return negative(softplus(negative(x)))


def squared_difference(x: Any, y: Any, name: str | None = None) -> Any:
    """`(x - y) ** 2`; for complex inputs `(x - y) * conj(x - y)` (|x - y|^2, complex), as TF.

    Example:
        >>> import ember as tf
        >>> tf.math.squared_difference(3.0, tf.constant([1.0])).numpy()
        array([4.], dtype=float32)
    """
    d = subtract(x, y)
    return multiply(d, conj(d)) if d.dtype.is_complex else square(d)


def add_n(inputs: list, name: str | None = None) -> Any:
    """The sum of a list of same-shape, same-dtype tensors.

    Example:
        >>> import ember as tf
        >>> tf.add_n([tf.constant([1, 2]), tf.constant([3, 4])]).numpy()
        array([4, 6], dtype=int32)
    """
    if not inputs:
        raise ValueError("add_n: inputs must be a non-empty list of tensors.")
    total = as_tensor(inputs[0])
    for t in inputs[1:]:
        total = add(total, t)
    return total


def divide_no_nan(x: Any, y: Any, name: str | None = None) -> Any:
    """`x / y`, but 0 where `y` is 0 (even where `x` is 0, inf or nan).

    Example:
        >>> import ember as tf
        >>> tf.math.divide_no_nan(tf.constant([1.0, 2.0]), tf.constant([0.0, 4.0])).numpy()
        array([0. , 0.5], dtype=float32)
    """
    x, y = pair(x, y)
    zero = equal(y, 0)
    safe = where(zero, 1, y)
    return where(zero, 0, truediv(x, safe))


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any,
                  name: str | None = None) -> Any:
    """`t` with values clipped into [clip_value_min, clip_value_max] (bounds broadcast).

    Example:
        >>> import ember as tf
        >>> tf.clip_by_value(tf.constant([-2.0, 0.5, 3.0]), -1.0, 1.0).numpy()
        array([-1. ,  0.5,  1. ], dtype=float32)
    """
    t = as_tensor(t)
    out = minimum(maximum(t, clip_value_min), clip_value_max)
    if not out.shape.is_compatible_with(t.shape):
        _bounds_broadcast_error(t, out, clip_value_min, clip_value_max)
    return out


def _bounds_broadcast_error(t: Any, out: Any, lo: Any, hi: Any) -> None:
    """The ShapeError of clip_by_value whose bounds broadcast `t` to a larger shape (TF
    rejects that too: the result must have t's shape)."""
    def dims(x: Any) -> str:
        return fmt_dims(x.shape if hasattr(x, "shape") else as_tensor(x).shape)
    raise ShapeError(
        f"clip_by_value: the bounds would broadcast t of shape {dims(t)} to the larger shape "
        f"{dims(out)} (clip_value_min {dims(lo)}, clip_value_max {dims(hi)}); the result "
        f"must have t's shape, as in TensorFlow. Give bounds that broadcast to t's shape "
        f"(scalars, or t's trailing dims), or broadcast t first: "
        f"ember.broadcast_to(t, {dims(out)}).")


# -- operator helpers (dtype-dependent meaning, as in TF) -------------------------

def invert(x: Any, name: str | None = None) -> Any:
    """`~x`: logical not for bool, bitwise not for integers.

    Example:
        >>> import ember as tf
        >>> (~tf.constant([True, False])).numpy()
        array([False,  True])
    """
    x = as_tensor(x)
    return logical_not(x) if x.dtype == bool_ else _bitwise_invert(x)


def _logic(logical, bitwise):
    def op(x: Any, y: Any) -> Any:
        x, y = pair(x, y)
        return logical(x, y) if x.dtype == bool_ else bitwise(x, y)
    return op


_and = _logic(logical_and, bitwise_and)
_or = _logic(logical_or, bitwise_or)
_xor = _logic(logical_xor, bitwise_xor)


def _tensor_eq(fn, default: bool):
    """`==` / `!=` as TF 2: elementwise; Python False/True for None or unconvertible
    values, and a scalar bool tensor for incompatible shapes or dtypes, not an error."""
    def op(x: Any, y: Any) -> Any:
        if y is None or x is None:
            return default
        try:
            x, y = pair(x, y)
        except (TypeError, ValueError):
            return default
        try:
            return fn(x, y)
        except (OpError, DTypeError, ValueError):
            return constant(default)
    return op


_eq = _tensor_eq(equal, False)
_ne = _tensor_eq(not_equal, True)

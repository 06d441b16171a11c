"""Specs of the elementwise primitives (ember/ops/math_ops.py)."""

from __future__ import annotations

import math

import numpy as np

from . import Case, rng, varying

R = rng(1)
F32 = R.standard_normal((3, 4)).astype(np.float32)
F64 = R.standard_normal((3, 4))
POS64 = R.uniform(0.5, 2.0, (3, 4))
ROW64 = R.standard_normal((4,))
I32 = R.integers(-5, 6, (3, 4)).astype(np.int32)
NZ32 = np.where(I32 == 0, 3, I32).astype(np.int32)
B = R.random((3, 4)) > 0.5
B2 = R.random((4,)) > 0.5
# complex inputs: independent normal real and imaginary parts (none near a branch cut's
# axis by more than chance; the fuzzer redraws complex values only from these)
C128 = R.standard_normal((3, 4)) + 1j * R.standard_normal((3, 4))
C128B = R.standard_normal((3, 4)) + 1j * R.standard_normal((3, 4))
CROW = R.standard_normal((4,)) + 1j * R.standard_normal((4,))
C64 = C128.astype(np.complex64)
C128_EQ = np.where(B, C128, C128B)  # equal to C128 at some places


def _each(fn, dtype=None):
    """A reference applying the Python function `fn` to each element (as a float or int),
    with the input's dtype unless `dtype`."""
    def ref(*xs):
        b = np.broadcast_arrays(*xs)
        flat = [fn(*(v.item() for v in vals)) for vals in zip(*(a.ravel() for a in b))]
        return np.array(flat, dtype=dtype or xs[0].dtype).reshape(b[0].shape)
    return ref


def _sig(v):
    return 0.0 if v < -700 else 1 / (1 + math.exp(-v))


def _softplus1(v):
    return math.log1p(math.exp(v)) if v < 30 else v + math.log1p(math.exp(-v))


_sigmoid = _each(_sig)
_softplus = _each(_softplus1)
_erf = _each(math.erf)


def _round1(v):
    """Half to even; inf and nan stay, zeros keep their sign."""
    return math.copysign(float(round(v)), v) if math.isfinite(v) else v


def _floordiv1(a, b):
    """TF's floordiv for floats: floor(a / b) of the rounded quotient, IEEE where b is 0."""
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * \
            math.copysign(1.0, b)
    return math.floor(a / b) if math.isfinite(a / b) else a / b


def _floormod1(a, b):
    """TF's floormod: the remainder of a truncated division (its sign is a's), moved by b
    where the signs differ, so it has b's sign; nan where a is inf or b is 0."""
    if isinstance(a, int):
        return a % b
    if math.isinf(a) or b == 0 or math.isnan(a) or math.isnan(b):
        return math.nan
    r = math.fmod(a, b)
    return r + b if r != 0 and (r < 0) != (b < 0) else r


def _pow1(a, b):
    if isinstance(a, int):
        return a ** b
    odd = math.isfinite(b) and float(b).is_integer() and int(b) % 2 == 1
    if a == 0 and b < 0:  # a pole: inf, signed like a for odd powers
        return math.copysign(math.inf, a) if odd else math.inf
    try:
        return math.pow(a, b)
    except ValueError:  # a negative base to a non-integer power
        return math.nan
    except OverflowError:
        return -math.inf if a < 0 and odd else math.inf


def _extreme(pick):
    """maximum/minimum: nan wins, as TF and NumPy."""
    return _each(lambda a, b: math.nan if a != a or b != b else pick(a, b))


def _unary(fn, inputs=(F64, F32)):
    return [Case((x,), fn, rtol=1e-5 if x.dtype == np.float32 else 1e-12,
                 atol=1e-6 if x.dtype == np.float32 else 1e-12, shapes="elementwise")
            for x in inputs]


def _binary(fn, pairs):
    return [Case((x, y), fn, rtol=1e-6, atol=1e-6, shapes="broadcast") for x, y in pairs]


def _cunary(fn, inputs=(C128, C64)):
    """Cases of a unary op over complex inputs (NumPy's complex functions as reference)."""
    return [Case((x,), fn, rtol=1e-5 if x.dtype == np.complex64 else 1e-12,
                 atol=1e-5 if x.dtype == np.complex64 else 1e-12, shapes="elementwise")
            for x in inputs]


def _make_complex(re, im):
    """complex(re, im) by parts (re + 1j * im would turn inf parts into nan)."""
    out = np.empty(np.broadcast_shapes(re.shape, im.shape),
                   np.complex64 if re.dtype == np.float32 else np.complex128)
    out.real, out.imag = re, im
    return out


COMPLEX_PAIRS = [(C128, C128B), (C128, CROW), (C64, C64[:1])]

FLOAT_PAIRS = [(F64, R.standard_normal((3, 4))), (F64, ROW64), (F32, F32[:1])]
NUMERIC_PAIRS = FLOAT_PAIRS + [(I32, NZ32)]

SPECS = {
    "negative": _unary(np.negative, (F64, F32, I32)) + _cunary(np.negative),
    "abs": _unary(np.abs, (F64, F32, I32)),
    # complex: z / |z|, 0 at 0; its gradient is 0, as TF's Sign (not the phase's
    # derivative, so no finite differences there)
    "sign": _unary(np.sign, (F64, I32)) + varying(_cunary(lambda z: np.where(
        z == 0, 0, z / np.where(z == 0, 1, np.abs(z))).astype(z.dtype)), diff_args=()),
    "exp": _unary(np.exp) + _cunary(np.exp),
    "log": _unary(np.log, (POS64,)) + _cunary(np.log),
    "log1p": _unary(np.log1p, (POS64,)) + _cunary(np.log1p),
    "expm1": _unary(np.expm1) + _cunary(np.expm1),
    "sqrt": _unary(np.sqrt, (POS64,)) + _cunary(np.sqrt),
    "rsqrt": _unary(lambda x: 1.0 / np.sqrt(x), (POS64,)) + _cunary(lambda x: 1 / np.sqrt(x)),
    "sin": _unary(np.sin) + _cunary(np.sin),
    "cos": _unary(np.cos) + _cunary(np.cos),
    "tan": _unary(np.tan) + _cunary(np.tan),
    "tanh": _unary(np.tanh) + _cunary(np.tanh),
    "sigmoid": _unary(_sigmoid, (F64, F32, np.array([-100.0, 0.0, 100.0]))),
    "softplus": _unary(_softplus, (F64, F32, np.array([-100.0, 0.0, 100.0]))),
    "erf": _unary(_erf, (F64 * 2, F32, np.array([-7.0, -3.0, 0.0, 2.999, 5.0]))),
    "floor": _unary(np.floor),
    "ceil": _unary(np.ceil),
    "round": [Case((np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.4]),), _each(_round1),
                   shapes="elementwise")]
    + _unary(np.round, (I32,)),
    "is_nan": [Case((np.array([np.nan, 1.0, np.inf]),), _each(math.isnan, bool),
                    shapes="elementwise")],
    "is_inf": [Case((np.array([np.nan, 1.0, -np.inf]),), _each(math.isinf, bool),
                    shapes="elementwise")],
    "is_finite": [Case((np.array([np.nan, 1.0, np.inf]),), _each(math.isfinite, bool),
                       shapes="elementwise")],
    "logical_not": [Case((B,), lambda x: ~x, shapes="elementwise")],
    "bitwise_invert": [Case((I32,), lambda x: -x - 1, shapes="elementwise")],
    "add": _binary(lambda x, y: x + y, NUMERIC_PAIRS + COMPLEX_PAIRS),
    "subtract": _binary(lambda x, y: x - y, NUMERIC_PAIRS + COMPLEX_PAIRS),
    "multiply": _binary(lambda x, y: x * y, NUMERIC_PAIRS + COMPLEX_PAIRS),
    "divide": _binary(lambda x, y: x / y, [(F64, POS64), (F32, F32[:1] + 3)] + COMPLEX_PAIRS),
    "floordiv": _binary(lambda x, y: np.floor(x / y).astype(x.dtype),
                        [(F64, POS64), (I32, NZ32)])
    + _binary(_each(_floordiv1), [(F64, -POS64[:1]), (F32, F32[:1] + 3)]),
    "floormod": _binary(_each(_floormod1), [(F64, POS64), (I32, NZ32), (F64, -POS64[:1]),
                                            (F32, F32[:1] + 3)]),
    # negative bases to integer powers: differentiable in the base only
    "pow": _binary(_each(_pow1), [(POS64, F64), (I32, np.abs(I32))])
    + [Case((F64, np.round(F64[:1] * 3)), _each(_pow1), diff_args=(0,), shapes="broadcast")]
    + _binary(np.power, [(C128, C128B), (C64, C64[:1])]),
    "maximum": _binary(_extreme(max), NUMERIC_PAIRS),
    "minimum": _binary(_extreme(min), NUMERIC_PAIRS),
    "equal": _binary(lambda x, y: x == y, [(I32, NZ32), (B, B2), (C128, C128_EQ)]),
    "not_equal": _binary(lambda x, y: x != y, [(I32, NZ32), (B, B2), (C128, C128_EQ)]),
    "less": _binary(lambda x, y: x < y, NUMERIC_PAIRS),
    "less_equal": _binary(lambda x, y: x <= y, NUMERIC_PAIRS),
    "greater": _binary(lambda x, y: x > y, NUMERIC_PAIRS),
    "greater_equal": _binary(lambda x, y: x >= y, NUMERIC_PAIRS),
    "logical_and": _binary(lambda x, y: x & y, [(B, B2)]),
    "logical_or": _binary(lambda x, y: x | y, [(B, B2)]),
    "logical_xor": _binary(lambda x, y: x ^ y, [(B, B2)]),
    "bitwise_and": _binary(lambda x, y: x & y, [(I32, NZ32)]),
    "bitwise_or": _binary(lambda x, y: x | y, [(I32, NZ32)]),
    "bitwise_xor": _binary(lambda x, y: x ^ y, [(I32, NZ32)]),
    # (the first reference is written for a 2-D c and x and a 1-D y: its shapes stay)
    "select": [Case((B, F64, ROW64), lambda c, x, y: np.array(
        [[a if k else b for k, a, b in zip(cr, xr, y)] for cr, xr in zip(c, x)]).reshape(
            np.broadcast_shapes(c.shape, x.shape, y.shape))),
        Case((B2, I32, NZ32), lambda c, x, y: np.where(c, x, y), shapes="broadcast")],
    # complex numbers (references by parts: NumPy's .real/.imag, arctan2, hypot)
    "complex": _binary(_make_complex, [(F64, R.standard_normal((3, 4))), (F64, ROW64),
                                       (F32, F32[:1])]),
    "real": _cunary(lambda z: z.real.copy()),
    "imag": _cunary(lambda z: z.imag.copy()),
    "conj": _cunary(lambda z: _make_complex(z.real, -z.imag)),
    "angle": _cunary(lambda z: np.arctan2(z.imag, z.real)),
    "complex_abs": _cunary(lambda z: np.hypot(z.real, z.imag)),
    "where_index": [Case((B,), lambda c: np.array(
        [[i, j] for i in range(c.shape[0]) for j in range(c.shape[1]) if c[i, j]],
        dtype=np.int64).reshape(-1, 2))],
}

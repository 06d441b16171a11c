"""keras.ops' elementwise ops (ember/keras/ops/_numpy_elementwise*.py, _elementwise_math.py)
against real Keras 3 on its NumPy backend: values and dtypes on NumPy arrays, Tensors,
Variables and KerasTensors; dtype promotion; gradients; errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.keras3_oracle import assert_same, check_op, keras3

F = np.array([[-1.5, 0.0, 2.25], [3.0, -0.5, 1.0]], "float32")
G = np.array([[0.5, -2.0, 2.25], [1.0, 4.0, -1.0]], "float32")
P = np.array([0.25, 1.0, 2.5, 7.0], "float32")  # positive
U = np.array([-0.9, -0.25, 0.0, 0.5, 0.99], "float32")  # in (-1, 1)
D = np.array([-2.5, 0.0, 1.5, 4.0], "float64")
I = np.array([[-3, 0, 2], [5, -7, 1]], "int32")
J = np.array([[2, 3, -4], [1, 2, 3]], "int32")
I8 = np.array([-4, 0, 3, 7], "int8")
U8 = np.array([0, 3, 200, 7], "uint8")
I64 = np.array([-4, 0, 3, 9], "int64")
B = np.array([True, False, True, False])
B2 = np.array([True, True, False, False])
S = np.array([-np.inf, -1.0, np.nan, 0.0, -0.0, np.inf], "float32")
C = np.array([1 + 2j, -3 - 0.5j, 0j], "complex64")

FLOAT_UNARY = ["exp", "exp2", "expm1", "sin", "cos", "tan", "tanh", "sinh", "cosh",
               "arctan", "arcsinh", "sqrt", "cbrt", "deg2rad", "rad2deg", "sinc", "i0",
               "erf", "erfc", "floor", "ceil", "trunc", "round", "sign", "negative",
               "abs", "absolute", "fabs", "square", "copy"]


@pytest.mark.parametrize("name", FLOAT_UNARY)
@pytest.mark.parametrize("x", [F, I, D], ids=["float32", "int32", "float64"])
def test_unary_on_reals(name, x):
    if name == "erf" and x.dtype.kind == "i":
        # Keras' NumPy backend truncates erf of ints to ints (on TF it raises): floatx here
        assert_same(check_op(name, x.astype("float32")), keras3().ops.erf(x.astype("float32")))
        from ember import keras
        assert keras.ops.erf(x).dtype.name == "float32"
        return
    if name == "sqrt":
        x = np.abs(x)
    check_op(name, x, rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize("name,x", [
    ("log", P), ("log1p", P), ("log2", P), ("log10", P), ("sqrt", P), ("rsqrt", P),
    ("reciprocal", P), ("arcsin", U), ("arccos", U), ("arctanh", U), ("erfinv", U),
    ("arccosh", P + 1), ("log", np.array([1, 4, 8], "int32")),
    ("rsqrt", np.array([1.0, 4.0], "float64")), ("erfinv", U.astype("float64")),
    ("arccosh", np.array([1.0, 3.0, 1e10], "float64")),
    ("arcsinh", np.array([-1e10, -3.0, 1e-9, 0.5, 1e10], "float32")),
    ("sinh", np.array([-30.0, -1e-4, 0.0, 1e-4, 20.0], "float32")),
    ("cosh", np.array([-20.0, 0.0, 3.0], "float64")),
    ("erfc", np.array([-3.0, 0.0, 1.0, 1.9, 2.0, 2.5, 4.0, 6.0, 9.0], "float64")),
    ("erfc", np.array([-2.0, 0.5, 2.0, 3.0, 5.0], "float32")),
    ("i0", np.array([-20.0, -8.0, 0.0, 7.9, 8.1, 30.0], "float64")),
])
def test_unary_domains(name, x):
    got = check_op(name, x, rtol=2e-5, atol=1e-6)
    if x.dtype == np.float64 and name in ("erfc", "i0", "erfinv", "arccosh"):
        ref = {"erfc": np.vectorize(math.erfc), "i0": np.i0}.get(name)
        if ref is not None:  # float64 accuracy, not only float32's
            np.testing.assert_allclose(got.numpy(), ref(x), rtol=1e-13)


def test_erfinv_edges_and_accuracy():
    from ember import keras
    x = np.array([-1.0, -0.999999, -0.3, 0.0, 1e-8, 0.7, 0.9999999, 1.0, 1.5], "float64")
    got = keras.ops.erfinv(x).numpy()
    np.testing.assert_array_equal(got[[0, 7, 8]], [-np.inf, np.inf, np.nan])
    np.testing.assert_allclose(np.vectorize(math.erf)(got[1:7]), x[1:7], rtol=1e-14)


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "isposinf", "isneginf",
                                  "signbit", "nan_to_num", "isreal", "sign", "abs",
                                  "exp", "floor", "round", "trunc", "sqrt", "log"])
def test_unary_special_values(name):
    check_op(name, S)


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "isposinf", "isneginf",
                                  "signbit", "isreal", "nan_to_num", "logical_not",
                                  "bitwise_invert", "bitwise_not"])
@pytest.mark.parametrize("x", [I, B, I8], ids=["int32", "bool", "int8"])
def test_unary_predicates_on_ints(name, x):
    check_op(name, x)


@pytest.mark.parametrize("name", ["real", "imag", "conj", "conjugate", "angle", "isreal",
                                  "abs", "isnan", "isfinite"])
def test_complex_parts(name):
    check_op(name, C, symbolic=False)  # keras.Input takes no complex dtype
    if name not in ("isnan", "isfinite"):
        check_op(name, F)


BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "divide_no_nan",
          "floor_divide", "mod", "fmod", "power", "maximum", "minimum", "fmax", "fmin",
          "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
          "logical_and", "logical_or", "logical_xor", "arctan2", "hypot", "heaviside",
          "logaddexp", "logaddexp2", "isclose", "allclose", "nextafter"]

PAIRS = {
    "float32": (F, G), "int32+float32": (I, G), "int8+pyint": (I8, 3),
    "float32+pyfloat": (F, 0.5), "int32+pyfloat": (I, 2.5), "float64": (D, D[::-1].copy()),
    "int32": (I, J), "uint8+int8": (U8, I8),
    "bool+float32": (np.array([[True, False, True], [False, True, True]]), G),
}


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("pair", list(PAIRS), ids=list(PAIRS))
def test_binary_promotion(name, pair):
    x1, x2 = PAIRS[pair]
    if name in ("floor_divide", "mod", "fmod", "divide_no_nan") and \
            pair in ("int32", "uint8+int8"):
        x2 = np.where(x2 == 0, 1, x2).astype(x2.dtype)  # integer division by 0 differs
    if name == "power" and np.asarray(x2).dtype.kind in "iu":
        x2 = np.abs(x2).astype(np.asarray(x2).dtype)  # int ** negative int raises in NumPy
        if pair == "uint8+int8":
            x1 = np.array([0, 3, 2, 1], "uint8")  # no overflow
    if name == "power" and isinstance(x2, float):
        x1 = np.abs(x1)
    if name in ("hypot", "nextafter") and pair == "uint8+int8":
        pytest.skip("Keras' NumPy backend computes this in float16 (int16 inputs), "
                    "then casts to float32: its values are off by float16 rounding")
    check_op(name, x1, x2, rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["add", "multiply", "maximum", "minimum", "equal",
                                  "not_equal", "less", "greater_equal", "logical_and",
                                  "logical_xor", "bitwise_and", "bitwise_or",
                                  "bitwise_xor", "where_like"])
def test_binary_bool(name):
    if name == "where_like":
        check_op("where", B, B2, B)
        return
    check_op(name, B, B2)


@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor",
                                  "bitwise_left_shift", "left_shift",
                                  "bitwise_right_shift", "right_shift"])
@pytest.mark.parametrize("x,y", [
    (I, np.array([[1, 0, 3], [2, 4, 31]], "int32")), (I8, 2), (U8, np.uint8(1)),
    (np.array([-100, 100, 7], "int8"), np.array([7, 6, 0], "int8")),
    (I64, np.array([1, 30, 2, 0], "int64")),
], ids=["int32", "int8+pyint", "uint8", "int8-edges", "int64-edges"])
def test_bitwise(name, x, y):
    if isinstance(y, np.generic):
        y = np.full(x.shape, y, y.dtype)
    check_op(name, x, y)


def test_shift_wraps_like_keras():
    from ember import keras
    x, y = np.array([-4, 3, 3, 1, -9], "int64"), np.array([1, 62, 63, 64, 70], "int64")
    got = keras.ops.left_shift(x, y).numpy()  # (the oracle computes int64 as int32)
    np.testing.assert_array_equal(got[:3], np.left_shift(x[:3], y[:3]))
    np.testing.assert_array_equal(got[3:], [0, 0])
    got = keras.ops.right_shift(x, y).numpy()
    np.testing.assert_array_equal(got, [-2, 0, 0, 0, -1])
    check_op("left_shift", np.array([1, -1, 3], "int32"), np.array([31, 31, 30], "int32"))
    check_op("right_shift", np.array([-5, 5, -1], "int32"), np.array([1, 1, 31], "int32"))


@pytest.mark.parametrize("x1,x2", [
    (np.array([12, 7, 0, -8, 0, 35], "int32"), np.array([18, 3, 5, 12, 0, -21], "int32")),
    (np.array([6, 100], "int8"), 4),
    (np.array([2 ** 10, 9], "int64"), np.array([2 ** 8 * 3, 6], "int64")),
], ids=["int32", "int8+pyint", "int64"])
@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_gcd_lcm(name, x1, x2):
    check_op(name, x1, x2)


def test_gcd_lcm_int64_wide():
    from ember import keras
    a, b = np.array([2 ** 40 * 3, 0, -(2 ** 33)], "int64"), np.array([2 ** 35 * 9, 7, 6], "int64")
    np.testing.assert_array_equal(keras.ops.gcd(a, b).numpy(), np.gcd(a, b))
    np.testing.assert_array_equal(keras.ops.lcm(a, b).numpy(), np.lcm(a, b))


@pytest.mark.parametrize("kwargs", [{}, {"rtol": 0.1}, {"atol": 0.6}, {"equal_nan": True}])
@pytest.mark.parametrize("name", ["isclose", "allclose"])
def test_isclose_allclose(name, kwargs):
    a = np.array([1.0, np.nan, np.inf, 2.0, -np.inf], "float32")
    b = np.array([1.0 + 1e-6, np.nan, np.inf, 2.5, np.inf], "float32")
    check_op(name, a, b, **kwargs)
    check_op(name, np.array([1.0, 2.0], "float32"), np.array([1.05, 2.0], "float32"),
             **kwargs)
    check_op(name, I, I, **kwargs)


@pytest.mark.parametrize("args", [
    (F, -1.0, 1.0), (I, -2, 3), (I8, 0, 5), (B, 0, 1), (D, -1, 2.5),
    (F, np.array([-1.0, 0.0, 0.5], "float32"), 2.0),
])
def test_clip(args):
    check_op("clip", *args)


@pytest.mark.parametrize("x,decimals", [
    (np.array([0.5, 1.5, 2.5, -0.5, 1.2345, -7.25], "float32"), 0),
    (np.array([0.125, 1.2345, -7.25], "float32"), 2),
    (np.array([1234, -1250, 1350, 7], "int32"), -2),
    (np.array([12, 15], "int32"), 1), (np.array([1234.5678], "float64"), -1),
])
def test_round(x, decimals):
    check_op("round", x, decimals=decimals)


@pytest.mark.parametrize("args,kwargs", [
    ((S,), {}), ((S,), {"nan": 1.5, "posinf": 9.0, "neginf": -9.0}),
    ((S.astype("float64"),), {"nan": -1.0}), ((I,), {"nan": 3.0}),
])
def test_nan_to_num(args, kwargs):
    check_op("nan_to_num", *args, **kwargs)


def test_ldexp():
    check_op("ldexp", F, np.array([[1, 2, -3], [0, 5, -1]], "int32"))
    check_op("ldexp", I, np.array([[1, 2, 3], [0, 5, 1]], "int32"))
    check_op("ldexp", np.array([0.0, np.inf, -2.0], "float32"), np.array([3, 1, 2], "int8"))


def test_nextafter_float64_is_exact():
    from ember import keras
    x = np.array([1.0, 1.0, -1.0, 0.0, 0.0, 2.0, 2.0, 1e-310, np.inf, 3.0, np.nan,
                  2.0 ** -1022, -0.75], "float64")
    y = np.array([2.0, 0.0, -5.0, 1.0, -1.0, 0.0, 3.0, 0.0, 0.0, 3.0, 1.0, 0.0, 0.0],
                 "float64")
    got = keras.ops.nextafter(x, y).numpy()
    np.testing.assert_array_equal(got, np.nextafter(x, y))
    finite = np.isfinite(x) & (np.abs(x) > 1e-30)  # the oracle computes in float32
    check_op("nextafter", x[finite], y[finite])
    check_op("nextafter", F, G)


@pytest.mark.parametrize("args", [
    (np.array([True, False, True]), np.array([1, 2, 3], "int32"),
     np.array([4.0, 5.0, 6.0], "float32")),
    (F > 0, F, 0), (F > 0, 1.5, I), (I, I8[:3], 7),
])
def test_where(args):
    check_op("where", *args)


def test_where_indices():
    check_op("where", np.array([[0, 1, 0], [1, 1, 0]], "int32"), symbolic=False)
    check_op("where", B, symbolic=False)


def test_select():
    x = np.array([0, 1, 2, 3, 4], "int32")
    check_op("select", [x < 1, x > 2], [x, x * 10], default=-1)
    check_op("select", [x < 2, x < 4], [x * 1.5, x.astype("float32")])
    check_op("select", [np.array([True, False, False])], [np.array([1, 2, 3], "int8")],
             default=9)


def test_symbolic_recording():
    """Ops whose composite forms were written for KerasTensors (gcd's unrolled loop,
    select's list arguments) run inside a functional model."""
    from ember import keras
    a = keras.Input(batch_shape=(3,), dtype="int32")
    b = keras.Input(batch_shape=(3,), dtype="int32")
    model = keras.Model([a, b], [keras.ops.gcd(a, b), keras.ops.lcm(a, b),
                                 keras.ops.select([a > b], [a], default=b)])
    x1, x2 = np.array([12, 7, 1071], "int32"), np.array([18, 0, 462], "int32")
    k = keras3()
    out = model([x1, x2])
    for got, want in zip(out, [k.ops.gcd(x1, x2), k.ops.lcm(x1, x2), np.maximum(x1, x2)]):
        assert_same(got, want)


# -- gradients -------------------------------------------------------------------------------
def _grad(name, x, *args, **kwargs):
    import ember as tf
    from ember import keras
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = getattr(keras.ops, name)(v, *args, **kwargs)
        loss = tf.reduce_sum(y)
    return tape.gradient(loss, v).numpy()


def _finite_difference(name, x, *args, eps=1e-6, **kwargs):
    from ember import keras
    f = lambda v: np.sum(getattr(keras.ops, name)(v, *args, **kwargs).numpy())  # noqa: E731
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


X64 = np.array([-0.8, -0.3, 0.2, 0.6, 0.9], "float64")
POS64 = np.array([0.3, 1.2, 2.5, 6.0, 9.0], "float64")


@pytest.mark.parametrize("name,x", [
    ("arcsin", X64), ("arccos", X64), ("arctan", X64 * 3), ("arctanh", X64),
    ("sinh", X64 * 3), ("cosh", X64 * 3), ("arcsinh", X64 * 3), ("arccosh", POS64 + 1),
    ("cbrt", X64 * 5), ("i0", POS64 * 2 - 9), ("erfinv", X64), ("erfc", POS64 - 1),
    ("sinc", X64 * 2), ("exp2", X64), ("log2", POS64), ("log10", POS64),
    ("rsqrt", POS64), ("deg2rad", X64), ("tan", X64), ("expm1", X64), ("log1p", POS64),
])
def test_gradient_unary(name, x):
    np.testing.assert_allclose(_grad(name, x), _finite_difference(name, x),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["arctan2", "hypot", "logaddexp", "logaddexp2",
                                  "divide", "power", "fmax", "fmin", "mod", "multiply",
                                  "subtract", "divide_no_nan"])
def test_gradient_binary(name):
    x = POS64
    other = np.array([1.1, -0.7, 2.0, 3.5, 0.4], "float64")
    np.testing.assert_allclose(_grad(name, x, other), _finite_difference(name, x, other),
                               rtol=1e-6, atol=1e-8)


def test_gradient_clip_where_select():
    x = np.array([-2.0, -0.5, 0.3, 1.7], "float64")
    np.testing.assert_allclose(_grad("clip", x, -1.0, 1.0), [0, 1, 1, 0])
    assert np.all(np.isfinite(_grad("sinc", np.array([0.0, 1.0]))))
    assert np.all(np.isfinite(_grad("arcsinh", np.array([0.0, 1e10]))))


# -- bad input -------------------------------------------------------------------------------
def test_errors():
    from ember import keras
    with pytest.raises(ValueError, match="x1.*x2.*both"):
        keras.ops.where(B, F[0, :1])
    with pytest.raises(ValueError, match="must be lists"):
        keras.ops.select(B, [I])
    with pytest.raises(ValueError, match="must not be empty"):
        keras.ops.select([], [])
    with pytest.raises(TypeError, match="gcd.*integers.*float32"):
        keras.ops.gcd(F, F)
    with pytest.raises(TypeError, match="lcm.*integers"):
        keras.ops.lcm(I, 1.5)
    with pytest.raises(TypeError, match="ldexp.*integer.*float32"):
        keras.ops.ldexp(F, F)
    with pytest.raises(TypeError, match="bitwise_and.*integer.*float32"):
        keras.ops.bitwise_and(F, I)
    with pytest.raises(TypeError, match="round.*decimals.*Python int"):
        keras.ops.round(F, decimals=1.5)
    with pytest.raises(TypeError, match="isclose.*rtol"):
        keras.ops.isclose(F, F, rtol="big")
    with pytest.raises(TypeError, match="subtract.*bool"):
        keras.ops.subtract(B, B)
    with pytest.raises(Exception, match="broadcast|shape|compatible"):
        keras.ops.add(np.ones((2, 3), "float32"), np.ones((4,), "float32"))

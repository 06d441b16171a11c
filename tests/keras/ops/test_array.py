"""keras.ops array creation and manipulation ops (`ember/keras/ops/_numpy_array*.py`)
against real Keras 3 (NumPy backend) with `check_op`, plus gradients and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from tests.keras3_oracle import assert_same, check_op, keras3

rng = np.random.default_rng(0)
F = rng.normal(size=(2, 3, 4)).astype("float32")
F64 = rng.normal(size=(3, 4))
M = rng.normal(size=(3, 4)).astype("float32")
SQ = rng.normal(size=(4, 4)).astype("float32")
I32 = np.arange(12, dtype="int32").reshape(3, 4)
I8 = np.arange(6, dtype="int8").reshape(2, 3)
U8 = np.arange(6, dtype="uint8").reshape(2, 3)
F16 = np.arange(6, dtype="float16").reshape(2, 3)
B = np.array([[True, False], [False, True]])
V = np.array([3.0, 1.0, 2.0], "float32")


def case(name, *args, **kwargs):
    return pytest.param(name, args, kwargs, id=f"{name}-{len(args)}-{sorted(kwargs)}")


# -- creation ops (Python values in; no tensor inputs) -----------------------------------

CREATION = [
    case("arange", 5), case("arange", 0.5), case("arange", 1, 7, 2), case("arange", 5, 1, -1),
    case("arange", 0, 1, 0.25), case("arange", 3, dtype="float16"), case("arange", 2, 2),
    case("arange", 1.5, 4), case("arange", 4, dtype="int8"),
    case("eye", 3), case("eye", 2, 4, k=1), case("eye", 4, 2, k=-1, dtype="int32"),
    case("eye", 3, k=5), case("identity", 3), case("identity", 2, dtype="bool"),
    case("tri", 3), case("tri", 3, 4, k=1, dtype="int32"), case("tri", 3, k=-1),
    case("zeros", (2, 3)), case("zeros", 3, dtype="int32"), case("ones", (2,)),
    case("ones", (1, 2), dtype="uint8"), case("full", (2, 2), 3),
    case("full", (2,), 7, dtype="int8"), case("full", (2, 3), np.array([1.0, 2.0, 3.0])),
    case("full", 2, 2.5, dtype="int32"),
    case("linspace", 0, 1), case("linspace", 0, 1, 5), case("linspace", 2, 3, 4, endpoint=False),
    case("linspace", 0, 10, 4, dtype="int32"), case("linspace", 0, 1, 1),
    case("linspace", 0, 1, 0), case("linspace", 0, 1, 5, retstep=True),
    case("linspace", 0, 1, 5, endpoint=False, retstep=True),
    case("logspace", 0, 2, 3), case("logspace", 0, 3, 4, base=2, endpoint=False),
    case("geomspace", 1, 1000, 4), case("geomspace", 2, 32, 5, endpoint=False),
    case("geomspace", -1, -8, 4),
    case("hamming", 5), case("hamming", 1), case("hanning", 6), case("blackman", 7),
    case("bartlett", 5), case("bartlett", 6), case("kaiser", 6, 5.0), case("kaiser", 4, 0.5),
    case("hamming", 0),
    case("array", [1, 2]), case("array", [1.5, 2]), case("array", [[1, 2]], dtype="float16"),
]


@pytest.mark.parametrize("name,args,kwargs", CREATION)
def test_creation(name, args, kwargs):
    check_op(name, *args, **kwargs)


TENSOR_CREATION = [
    case("zeros_like", I32), case("zeros_like", F, dtype="int8"), case("ones_like", M),
    case("ones_like", I8, dtype="float32"),
    case("full_like", I32, 2.7), case("full_like", M, 3, dtype="float16"),
    case("full_like", B, 1), case("array", M), case("array", I32, dtype="float32"),
    case("linspace", np.array([0.0, 1.0], "float32"), np.array([1.0, 3.0], "float32"), 3),
    case("linspace", np.array([0.0, 1.0], "float32"), 4.0, 3, axis=-1),
    case("linspace", np.array([[0.0], [1.0]], "float32"), np.array([2.0, 4.0], "float32"),
         5, axis=1),
    case("logspace", np.array([0.0, 1.0], "float32"), 2.0, 3, axis=1),
    case("geomspace", np.array([1.0, 2.0], "float32"), 16.0, 5),
]


@pytest.mark.parametrize("name,args,kwargs", TENSOR_CREATION)
def test_creation_from_tensors(name, args, kwargs):
    check_op(name, *args, **kwargs)


def test_empty_shapes_and_dtypes():
    # Keras' values of `empty` are uninitialized memory: compare shapes and dtypes only
    k = keras3()
    for ours, theirs in [(keras.ops.empty((2, 3)), k.ops.empty((2, 3))),
                         (keras.ops.empty(2, "int8"), k.ops.empty(2, "int8")),
                         (keras.ops.empty_like(F16), k.ops.empty_like(F16)),
                         (keras.ops.empty_like(M, "int32"), k.ops.empty_like(M, "int32"))]:
        assert tuple(ours.shape) == theirs.shape and ours.dtype.name == theirs.dtype.name
    x = keras.Input(shape=(3,))
    assert keras.ops.empty_like(x).shape.as_list() == [None, 3]


# -- shape and permutation ------------------------------------------------------------

SHAPE = [
    case("reshape", F, (4, -1)), case("reshape", I32, 12), case("reshape", F, (-1,)),
    case("ravel", F), case("ravel", I8), case("expand_dims", F, 0), case("expand_dims", F, -1),
    case("expand_dims", M, (0, 3)), case("expand_dims", M, (-1, 1)),
    case("squeeze", np.zeros((1, 3, 1), "float32")),
    case("squeeze", np.zeros((1, 3, 1), "float32"), axis=-1),
    case("squeeze", np.zeros((1, 3, 1), "float32"), axis=(0, 2)),
    case("transpose", F), case("transpose", F, (1, 0, 2)), case("transpose", F, (-1, 0, 1)),
    case("moveaxis", F, 0, -1), case("moveaxis", F, (0, 1), (2, 0)),
    case("moveaxis", F, -1, 0), case("swapaxes", F, 0, 2), case("swapaxes", F, -1, -2),
    case("broadcast_to", V, (2, 3)), case("broadcast_to", I32[:1], (3, 2, 4)),
    case("repeat", I32, 2), case("repeat", M, 2, axis=-1), case("repeat", M, [1, 0, 2], axis=0),
    case("tile", M, 2), case("tile", M, (2, 1)), case("tile", V, (2, 1, 2)),
    case("roll", I32, 2), case("roll", I32, -1, axis=1), case("roll", F, (1, 2), axis=(0, -1)),
    case("roll", F, 1, axis=(0, 2)),
    case("flip", F), case("flip", F, 1), case("flip", F, (0, -1)), case("fliplr", M),
    case("flipud", I32), case("rot90", M), case("rot90", M, 2), case("rot90", M, 3),
    case("rot90", M, -1), case("rot90", F, 1, (2, 0)), case("rot90", F, k=5, axes=(-1, -2)),
]


@pytest.mark.parametrize("name,args,kwargs", SHAPE)
def test_shape_ops(name, args, kwargs):
    check_op(name, *args, **kwargs)


def test_ndim_and_size():
    for x in (F, I32, np.float32(2.0)):
        check_op("ndim", x, symbolic=False)
        check_op("size", x, check_dtype=False)
    assert keras.ops.ndim(keras.Input(shape=(3, 4))) == 3
    assert keras.ops.size(tf.zeros([2, 5])).dtype == tf.int32


# -- joins and splits ---------------------------------------------------------------

JOINS = [
    case("concatenate", [M, M], axis=-1), case("concatenate", [I8, F16]),
    case("concatenate", [I32, M], axis=None), case("concatenate", [U8, I8], axis=1),
    case("append", M, I32), case("append", I8, U8, axis=0), case("append", V, [4.0]),
    case("stack", [M, M]), case("stack", [M, I32], axis=-1), case("stack", [I8, U8], axis=1),
    case("hstack", [V, V]), case("hstack", [M, I32]), case("vstack", [M, I32]),
    case("vstack", [I8, F16]), case("dstack", [M, I32]), case("dstack", [V, V]),
    case("dstack", [F, F]),
]


@pytest.mark.parametrize("name,args,kwargs", JOINS)
def test_joins(name, args, kwargs):
    # list arguments: check_op passes the arrays as they are; also as ember tensors here
    got = check_op(name, *args, **kwargs)
    k = keras3()
    as_t = [[tf.constant(a) for a in x] if isinstance(x, list) and
            all(isinstance(a, np.ndarray) for a in x) else x for x in args]
    assert_same(getattr(keras.ops, name)(*as_t, **kwargs),
                getattr(k.ops, name)(*args, **kwargs), where=name)
    assert got is not None


def test_joins_of_keras_tensors():
    a, b = keras.Input(batch_shape=(3, 4)), keras.Input(batch_shape=(3, 4), dtype="int32")
    out = keras.ops.concatenate([a, b], axis=-1)
    model = keras.Model([a, b], [out, keras.ops.stack([a, b], 1), keras.ops.hstack([a, b])])
    k = keras3()
    for got, want in zip(model([M, I32]), [k.ops.concatenate([M, I32], -1),
                                           k.ops.stack([M, I32], 1), k.ops.hstack([M, I32])]):
        assert_same(got, want)


SPLITS = [
    case("split", F, 2), case("split", F, 4, axis=-1), case("split", F, [1, 3], axis=2),
    case("split", np.arange(10, dtype="float32"), [3, 3, 8]),
    case("split", np.arange(10, dtype="float32"), [-3]),
    case("array_split", np.arange(7, dtype="float32"), 3),
    case("array_split", F, 3, axis=-1), case("array_split", M, 5),
    case("hsplit", M, 2), case("hsplit", V, 3), case("vsplit", np.zeros((4, 2), "float32"), [1]),
    case("dsplit", F, 2),
]


@pytest.mark.parametrize("name,args,kwargs", SPLITS)
def test_splits(name, args, kwargs):
    check_op(name, *args, **kwargs)


# -- indexing, diagonals, triangles ----------------------------------------------

IDX = np.array([2, 0, -1], "int32")
INDEXING = [
    case("take", M, IDX), case("take", M, IDX, axis=1),
    case("take", M, np.array([[0, 1]]), axis=0),
    case("take", F, np.array([-1, 0], "int64"), axis=-1), case("take", I32, [1, 11]),
    case("take_along_axis", M, np.argsort(M, axis=1), axis=1),
    case("take_along_axis", M, np.array([[0, 2, 1, 0]]), axis=0),
    case("take_along_axis", F, np.array([[[0], [-1], [2]]]), axis=-1),
    case("take_along_axis", M, np.array([5, -1, 0]), axis=None),
    case("unravel_index", np.array([5, 7, 11], "int32"), (3, 4)),
    case("unravel_index", np.array([[1, 22]], "int64"), (2, 3, 4)),
    case("get_item", M, (slice(1, None), -1)), case("get_item", F, (Ellipsis, 0)),
    case("get_item", M, (None, 1)), case("get_item", I32, 2),
]


@pytest.mark.parametrize("name,args,kwargs", INDEXING)
def test_indexing(name, args, kwargs):
    check_op(name, *args, **kwargs)


DIAGS = [
    case("diagonal", M), case("diagonal", M, 1), case("diagonal", M, -2),
    case("diagonal", M, 7), case("diagonal", F, 1, 0, 2), case("diagonal", F, -1, -1, 1),
    case("trace", M), case("trace", F, 1, 1, 2), case("trace", I8, -1), case("trace", U8),
    case("trace", B), case("trace", F64), case("diag", V), case("diag", V, 2),
    case("diag", V, -1), case("diag", M), case("diag", M, -1), case("diag", I32, 3),
    case("diagflat", M[:2, :2]), case("diagflat", I8, -1),
    case("tril", M), case("tril", F, 1), case("tril", F, -2), case("triu", M), case("triu", F, 2),
    case("triu", I32, -1), case("tril", B),
]


@pytest.mark.parametrize("name,args,kwargs", DIAGS)
def test_diagonals(name, args, kwargs):
    check_op(name, *args, **kwargs)


OTHERS = [
    case("pad", M, 1), case("pad", M, (1, 2)), case("pad", M, ((0, 1), (2, 0))),
    case("pad", I32, [[1], [2]], constant_values=7), case("pad", M, 1, constant_values=2.5),
    case("pad", M, (1, 2), mode="reflect"), case("pad", M, ((2, 1), (0, 3)), mode="symmetric"),
    case("pad", M, ((2, 1), (0, 5)), mode="edge"), case("pad", I32, ((4, 1), (6, 9)), mode="wrap"),
    case("pad", B, 1),
    case("meshgrid", V, np.array([1, 2], "int32")),
    case("meshgrid", V, np.array([1.0, 2.0], "float32"), indexing="ij"),
    case("meshgrid", V, V[:2], np.zeros(4, "float32")),
    case("vander", V), case("vander", V, 2, increasing=True), case("vander", np.array([1, 2, 3])),
    case("vander", np.array([1.0, 2.0, 3.0], "float16"), 4),
    case("rearrange", F, "b h w -> b w h"), case("rearrange", F, "b h w -> (b h) w"),
    case("rearrange", F, "b h (w1 w) -> b (w1 h) w", w1=2),
    case("rearrange", F, "b (h1 h) w -> h1 b h w", h=1), case("rearrange", F, "b h w -> b (h w)"),
    case("rearrange", F, "b h w -> w b h"),
]


@pytest.mark.parametrize("name,args,kwargs", OTHERS)
def test_other_ops(name, args, kwargs):
    check_op(name, *args, **kwargs)


def test_view():
    for x, dt in [(V, "int32"), (V, "uint8"), (np.arange(4, dtype="int8"), "int16"),
                  (I32, "float32")]:
        check_op("view", x, dt)  # KerasTensors too: a node of the bytes' new shape
    assert_same(keras.ops.view(V), V)  # dtype=None: the same bytes (NumPy refuses None)
    with pytest.raises(ValueError, match="do not divide by the new item size"):
        keras.ops.view(keras.Input(shape=(3,), dtype="int8"), "int16")
    f = tf.function(lambda t: keras.ops.view(t, "int32"))
    assert_same(f(tf.constant(V)), V.view("int32"))


def test_arange_from_scalar_tensors_and_int64():
    assert keras.ops.arange(np.int64(3)).dtype == tf.int64  # 64-bit kept (TF backend)
    assert_same(keras.ops.arange(tf.constant(4)), np.arange(4, dtype="int32"))


def test_keras_tensor_with_unknown_batch():
    x = keras.Input(shape=(3, 4))
    outs = [keras.ops.roll(x, 1), keras.ops.full_like(x, 2.0), keras.ops.ravel(x),
            keras.ops.take(x, [-1], axis=0), keras.ops.rearrange(x, "b h w -> b (w h)"),
            keras.ops.tril(x), keras.ops.flip(x, 0), keras.ops.moveaxis(x, 0, -1)]
    model = keras.Model(x, outs)
    k = keras3()
    want = [k.ops.roll(F[:, :3], 1), k.ops.full_like(F[:, :3], 2.0), k.ops.ravel(F[:, :3]),
            k.ops.take(F[:, :3], [-1], axis=0), k.ops.rearrange(F[:, :3], "b h w -> b (w h)"),
            k.ops.tril(F[:, :3]), k.ops.flip(F[:, :3], 0), k.ops.moveaxis(F[:, :3], 0, -1)]
    for got, w in zip(model(F[:, :3]), want):
        assert_same(got, w)


# -- gradients ---------------------------------------------------------------------

def _grad(fn, x):
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(fn(v) * WEIGHTS[tuple(fn(tf.constant(x)).shape)])
    return tape.gradient(y, v).numpy()


WEIGHTS: dict = {}


def _numeric(fn, x, eps=1e-6):
    w = WEIGHTS[tuple(fn(tf.constant(x)).shape)]
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[i] += eps
        lo[i] -= eps
        g[i] = (np.sum(fn(tf.constant(hi)).numpy() * w) -
                np.sum(fn(tf.constant(lo)).numpy() * w)) / (2 * eps)
    return g


GRADS = [
    (lambda t: keras.ops.reshape(keras.ops.transpose(t), (-1, 2)), 1e-6, 1e-5),
    (lambda t: keras.ops.rot90(keras.ops.roll(t, 1, axis=0), 1), 1e-6, 1e-5),
    (lambda t: keras.ops.concatenate([t, keras.ops.flip(t, 1)], axis=-1), 1e-6, 1e-5),
    (lambda t: keras.ops.stack(keras.ops.array_split(t, 2, axis=1)[:1] * 2), 1e-6, 1e-5),
    (lambda t: keras.ops.take_along_axis(t, np.array([[2, 0, 0, 1]]), axis=0), 1e-6, 1e-5),
    (lambda t: keras.ops.take(t, np.array([-1, 0, 0]), axis=1), 1e-6, 1e-5),
    (lambda t: keras.ops.diag(keras.ops.diagonal(t, 1), -1) + keras.ops.trace(t), 1e-6, 1e-5),
    (lambda t: keras.ops.tril(t, -1) + keras.ops.triu(t, 2), 1e-6, 1e-5),
    (lambda t: keras.ops.pad(t, ((1, 2), (3, 0)), mode="symmetric"), 1e-6, 1e-5),
    (lambda t: keras.ops.pad(t, ((1, 2), (3, 5)), mode="wrap"), 1e-6, 1e-5),
    (lambda t: keras.ops.vander(keras.ops.ravel(t)[:3] + 2.0, 3), 1e-6, 1e-5),
    (lambda t: keras.ops.linspace(t[0], t[1], 5, axis=1), 1e-6, 1e-5),
    (lambda t: keras.ops.geomspace(t[0] ** 2 + 1.0, 4.0, 3), 1e-6, 1e-5),
    (lambda t: keras.ops.rearrange(t, "(a b) c -> c (b a)", a=3), 1e-6, 1e-5),
    (lambda t: keras.ops.full_like(t, t[0, 0]) * t, 1e-6, 1e-5),
    (lambda t: keras.ops.kaiser(4, t[0, 0] ** 2 + 1.0), 1e-3, 1e-3),
]


@pytest.mark.parametrize("i", range(len(GRADS)))
def test_gradients(i):
    fn, eps, rtol = GRADS[i]
    x = rng.normal(size=(3, 4))
    shape = tuple(fn(tf.constant(x)).shape)
    WEIGHTS.setdefault(shape, rng.normal(size=shape))
    np.testing.assert_allclose(_grad(fn, x), _numeric(fn, x, eps), rtol=rtol, atol=rtol / 10)


# -- bad input ---------------------------------------------------------------------

BAD = [
    (lambda: keras.ops.squeeze(M, axis=0), ValueError, "squeeze.*axis=0.*not 1"),
    (lambda: keras.ops.expand_dims(M, 3), ValueError, "expand_dims.*out of bounds"),
    (lambda: keras.ops.transpose(F, (0, 0, 1)), ValueError, "permutation"),
    (lambda: keras.ops.moveaxis(F, (0, 1), 2), ValueError, "same number"),
    (lambda: keras.ops.split(F, 3), ValueError, "equal division"),
    (lambda: keras.ops.vsplit(V, 1), ValueError, "vsplit.*at least 2"),
    (lambda: keras.ops.rot90(V), ValueError, "rot90.*at least 2"),
    (lambda: keras.ops.rot90(M, axes=(1, 1)), ValueError, "different axes"),
    (lambda: keras.ops.diag(F), ValueError, "diag.*1-D or 2-D"),
    (lambda: keras.ops.pad(M, 1, mode="reflect", constant_values=1), ValueError,
     "constant_values"),
    (lambda: keras.ops.pad(M, 1, mode="median"), ValueError, "mode"),
    (lambda: keras.ops.pad(M, ((1, 2, 3),)), ValueError, "pad_width"),
    (lambda: keras.ops.take(M, [0.5]), TypeError, "take.*integers"),
    (lambda: keras.ops.take_along_axis(M, np.array([0, 1]), axis=0), ValueError,
     "same number of dimensions"),
    (lambda: keras.ops.linspace(0, 1, -1), ValueError, "num"),
    (lambda: keras.ops.arange(0, 3, 0), ValueError, "step"),
    (lambda: keras.ops.eye(2.5), TypeError, "eye.*N"),
    (lambda: keras.ops.reshape(M, (-1, -1)), ValueError, "at most one -1"),
    (lambda: keras.ops.rearrange(F, "b h w -> b h"), ValueError, "same axes"),
    (lambda: keras.ops.rearrange(F, "b h -> b h"), ValueError, "2 input axes"),
    (lambda: keras.ops.rearrange(F, "b (h1 h) w -> b h w"), ValueError, "same axes"),
    (lambda: keras.ops.rearrange(F, "b (h1 h) w -> b (h1 h) w"), ValueError, "infer"),
    (lambda: keras.ops.rearrange(F, "b h w -> b h w", q=2), ValueError, "not in pattern"),
    (lambda: keras.ops.meshgrid(V, indexing="xx"), ValueError, "indexing"),
    (lambda: keras.ops.stack([M, F]), ValueError, "same shape"),
    (lambda: keras.ops.unravel_index(IDX, (3, None)), ValueError, "shape"),
    (lambda: keras.ops.arange(keras.Input(shape=())), ValueError, "concrete"),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_bad_input(i):
    fn, err, msg = BAD[i]
    with pytest.raises(err, match=msg):
        fn()


def test_inside_ember_function():
    k = keras3()

    @tf.function
    def f(t):
        return [keras.ops.roll(t, 1), keras.ops.zeros_like(t), keras.ops.tril(t, 1),
                keras.ops.rearrange(t, "b h w -> h (b w)"), keras.ops.arange(3),
                keras.ops.split(t, [1], axis=1)[1]]

    want = [k.ops.roll(F, 1), k.ops.zeros_like(F), k.ops.tril(F, 1),
            k.ops.rearrange(F, "b h w -> h (b w)"), k.ops.arange(3), k.ops.split(F, [1], 1)[1]]
    for got, w in zip(f(tf.constant(F)), want):
        assert_same(got, w)

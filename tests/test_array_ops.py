"""Array ops: creation and shape manipulation vs NumPy, TF semantics, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.core.errors import DTypeError, InvalidArgumentError, ShapeError
from ember.core.shape import TensorSpec
from ember.prims import array as P
from ember.prims.index import pad_p
from ember.prims.reduce import tile_p

R = np.random.default_rng(0)
X = R.standard_normal((2, 3, 4)).astype(np.float32)


def eq(t, want, dtype=None):
    got = t.numpy() if hasattr(t, "numpy") else t
    want = np.asarray(want)
    assert np.asarray(got).dtype == (want.dtype if dtype is None else np.dtype(dtype))
    np.testing.assert_array_equal(got, want)


# -- creation --------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [[2, 3], (2, 3), tf.TensorShape([2, 3]),
                                   np.array([2, 3]), tf.constant([2, 3]),
                                   [tf.constant(2), np.int64(3)]])
def test_zeros_ones_shape_forms(shape):
    eq(tf.zeros(shape), np.zeros((2, 3), np.float32))
    eq(tf.ones(shape), np.ones((2, 3), np.float32))


def test_zeros_ones_dtypes_and_scalar_shapes():
    eq(tf.zeros(3, dtype=tf.int32), np.zeros(3, np.int32))
    eq(tf.ones([], dtype="float64"), np.float64(1))
    eq(tf.ones([2], dtype=tf.bool), np.ones(2, bool))
    eq(tf.zeros([0, 2]), np.zeros((0, 2), np.float32))


def test_filled_tensor_is_a_fresh_value():
    z = tf.zeros([3])
    a = z.numpy()
    a[0] = 5.0
    eq(z, np.zeros(3, np.float32))
    v = tf.Variable(tf.zeros([3]))
    v.assign([1.0, 2.0, 3.0])
    eq(v, np.array([1, 2, 3], np.float32))


def test_zeros_bad_shapes():
    with pytest.raises(InvalidArgumentError, match=r"zeros: shape .*unknown \(None\)"):
        tf.zeros(tf.TensorShape([None, 3]))
    with pytest.raises(InvalidArgumentError, match="negative dimension"):
        tf.ones([2, -1])
    with pytest.raises(DTypeError, match="must be an integer"):
        tf.zeros([2.5])
    with pytest.raises(DTypeError, match="must hold integers"):
        tf.zeros(tf.constant([2.0, 3.0]))


def test_zeros_like_ones_like():
    v = tf.Variable([[1, 2]])
    eq(tf.zeros_like(v), np.zeros((1, 2), np.int32))
    eq(tf.ones_like(v, dtype=tf.float32), np.ones((1, 2), np.float32))
    eq(tf.zeros_like([1.0, 2.0]), np.zeros(2, np.float32))
    eq(tf.ones_like(np.arange(3.0)), np.ones(3))
    z = tf.zeros_like(v)
    v.assign([[7, 8]])
    eq(z, np.zeros((1, 2), np.int32))


def test_fill():
    eq(tf.fill([2, 2], 1.5), np.full((2, 2), 1.5, np.float32))
    eq(tf.fill([3], 1), np.ones(3, np.int32))
    eq(tf.fill(tf.constant([2]), tf.constant(2.0, dtype=tf.float64)), np.full(2, 2.0))
    eq(tf.fill([2], True), np.ones(2, bool))
    with pytest.raises(InvalidArgumentError, match=r"fill: value must be a scalar, received "
                                                   r"float32\[2\]"):
        tf.fill([2], [1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match="fill: dims"):
        tf.fill([-2], 1)


def test_eye():
    eq(tf.eye(3), np.eye(3, dtype=np.float32))
    eq(tf.eye(2, 4, dtype=tf.int64), np.eye(2, 4, dtype=np.int64))
    eq(tf.eye(2, batch_shape=[3]), np.broadcast_to(np.eye(2, dtype=np.float32), (3, 2, 2)))
    eq(tf.eye(0), np.zeros((0, 0), np.float32))
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        tf.eye(-1)


def test_range_values_and_dtypes():
    eq(tf.range(5), np.arange(5, dtype=np.int32))
    eq(tf.range(1, 8, 3), np.array([1, 4, 7], np.int32))
    eq(tf.range(5, 1, -2), np.array([5, 3], np.int32))
    eq(tf.range(0), np.zeros(0, np.int32))
    eq(tf.range(3, 3), np.zeros(0, np.int32))
    eq(tf.range(0, 1, 0.25), np.array([0, 0.25, 0.5, 0.75], np.float32))
    eq(tf.range(1, 2.0), np.array([1.0], np.float32))  # any float -> float32
    eq(tf.range(tf.constant(3, tf.int64)), np.arange(3, dtype=np.int64))
    eq(tf.range(np.float64(2)), np.arange(2.0))
    eq(tf.range(4, dtype=tf.float64), np.arange(4.0))
    eq(tf.range(2, delta=tf.constant(0.5, tf.float64)), np.arange(0, 2, 0.5))
    assert tf.range(0, 1, 0.1).shape == (10,)
    assert tf.range(0.0, 1.0, 1 / 3).shape == (3,)
    assert tf.range(-5, 5, 3).numpy().tolist() == [-5, -2, 1, 4]


def test_range_errors():
    with pytest.raises(InvalidArgumentError, match="delta must not be 0"):
        tf.range(0, 5, 0)
    with pytest.raises(InvalidArgumentError, match="start must be <= limit"):
        tf.range(5, 1)
    with pytest.raises(InvalidArgumentError, match="start must be >= limit"):
        tf.range(1, 5, -1)
    with pytest.raises(DTypeError, match="int32"):
        tf.range(0.5, 3, dtype=tf.int32)
    with pytest.raises(DTypeError, match="dtype must be an integer or floating"):
        tf.range(3, dtype=tf.bool)
    with pytest.raises(InvalidArgumentError, match="finite"):
        tf.range(0.0, float("inf"))
    with pytest.raises(InvalidArgumentError, match="scalar"):
        tf.range(tf.constant([1, 2]))


def test_linspace():
    eq(tf.linspace(10.0, 12.0, 3), np.array([10, 11, 12], np.float32))
    out = tf.linspace([0.0, 5.0], [10.0, 40.0], 5)
    eq(out, np.linspace([0.0, 5.0], [10.0, 40.0], 5).astype(np.float32))
    out = tf.linspace(tf.constant([0.0, 5.0], tf.float64), 1.0, 4, axis=-1)
    np.testing.assert_allclose(out.numpy(), np.linspace([0.0, 5.0], 1.0, 4, axis=-1))
    assert out.dtype == tf.float64 and out.shape == (2, 4)
    r = tf.linspace(0.1, 0.7, 7).numpy()
    assert r[0] == np.float32(0.1) and r[-1] == np.float32(0.7)  # exact end points
    eq(tf.linspace(3.0, 4.0, 1), np.array([3.0], np.float32))
    eq(tf.linspace(3.0, 4.0, 0), np.zeros(0, np.float32))
    eq(tf.linspace(0, 4, 3), np.array([0.0, 2.0, 4.0]))  # int32 / int32 -> float64, as TF
    eq(tf.linspace(np.zeros((2, 1)), np.ones((1, 3)), 2, axis=1).shape, (2, 2, 3), np.int64)
    with pytest.raises(InvalidArgumentError, match="num must be non-negative"):
        tf.linspace(0.0, 1.0, -1)
    with pytest.raises(ShapeError, match="linspace: incompatible shapes"):
        tf.linspace([0.0, 1.0], [1.0, 2.0, 3.0], 3)
    with pytest.raises(DTypeError, match="numbers"):
        tf.linspace(True, False, 2)


def test_one_hot():
    eq(tf.one_hot([0, 2, -1, 3], 3), np.array(
        [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]], np.float32))
    eq(tf.one_hot([0, 1], 3, axis=0), np.array([[1, 0], [0, 1], [0, 0]], np.float32))
    eq(tf.one_hot([[0], [1]], 2), np.array([[[1, 0]], [[0, 1]]], np.float32))
    eq(tf.one_hot([[0, 1]], 2, axis=1), np.array([[[1, 0], [0, 1]]], np.float32))
    eq(tf.one_hot([1], 2, on_value=5, off_value=-1), np.array([[-1, 5]], np.int32))
    eq(tf.one_hot([1], 2, dtype=tf.int64), np.array([[0, 1]], np.int64))
    eq(tf.one_hot([1], 2, on_value=3, dtype=tf.float64), np.array([[0, 3.0]]))
    eq(tf.one_hot(tf.constant([1], tf.uint8), 2, off_value=tf.constant(2.0, tf.float64)),
       np.array([[2.0, 1.0]]))
    eq(tf.one_hot(tf.constant(1), 3), np.array([0, 1, 0], np.float32))
    assert tf.one_hot([1, 2], 0).shape == (2, 0)


def test_one_hot_errors():
    with pytest.raises(DTypeError, match="one_hot: indices must be integers"):
        tf.one_hot([0.0, 1.0], 2)
    with pytest.raises(DTypeError, match="on_value has dtype float64 but the output dtype is "
                                         "float32"):
        tf.one_hot([0], 2, on_value=tf.constant(1.0, tf.float64), dtype=tf.float32)
    with pytest.raises(DTypeError, match="off_value has dtype"):
        tf.one_hot([0], 2, on_value=1.0, off_value=tf.constant(0, tf.int32))
    with pytest.raises(InvalidArgumentError, match="depth must be non-negative"):
        tf.one_hot([0], -1)
    with pytest.raises(InvalidArgumentError, match="on_value must be a scalar"):
        tf.one_hot([0], 2, on_value=[1.0, 2.0])


def test_sequence_mask():
    eq(tf.sequence_mask([1, 3, 2]), np.array(
        [[1, 0, 0], [1, 1, 1], [1, 1, 0]], bool))
    eq(tf.sequence_mask([1, 3], 4, dtype=tf.float32),
       np.array([[1, 0, 0, 0], [1, 1, 1, 0]], np.float32))
    eq(tf.sequence_mask([[1], [0]], 2), np.array([[[1, 0]], [[0, 0]]], bool))
    eq(tf.sequence_mask(tf.constant([2], tf.int64), tf.constant(3)), np.array([[1, 1, 0]], bool))
    assert tf.sequence_mask(tf.zeros([0], tf.int32)).shape == (0, 0)
    with pytest.raises(DTypeError, match="lengths must be integers"):
        tf.sequence_mask([1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match="maxlen must be non-negative"):
        tf.sequence_mask([1], -2)


# -- reshape / transpose / expand_dims / squeeze --------------------------------------------

def test_reshape():
    eq(tf.reshape(X, [6, -1]), X.reshape(6, 4))
    eq(tf.reshape(tf.constant(X), (-1,)), X.reshape(-1))
    eq(tf.reshape(X, tf.constant([4, 6])), X.reshape(4, 6))
    x = tf.Variable(X)
    eq(tf.reshape(x, [tf.shape(x)[0], -1]), X.reshape(2, 12))
    eq(tf.reshape(tf.constant(3.0), [1, 1]), np.full((1, 1), 3.0, np.float32))
    eq(tf.reshape(tf.zeros([0, 3]), [-1, 3]), np.zeros((0, 3), np.float32))


def test_reshape_errors():
    with pytest.raises(ShapeError, match=r"cannot reshape float32\[2, 3, 4\] \(24 elements\) "
                                         r"into shape \[5, 5\] \(25 elements\)"):
        tf.reshape(X, [5, 5])
    with pytest.raises(ShapeError, match="not a multiple of 5"):
        tf.reshape(X, [5, -1])
    with pytest.raises(InvalidArgumentError, match="more than one -1"):
        tf.reshape(X, [-1, -1])
    with pytest.raises(InvalidArgumentError, match="below -1"):
        tf.reshape(X, [-2, 12])
    with pytest.raises(InvalidArgumentError, match=r"unknown \(None\).*use -1"):
        tf.reshape(X, [None, 12])


def test_transpose():
    eq(tf.transpose(X), X.T)
    eq(tf.transpose(X, [0, 2, 1]), X.transpose(0, 2, 1))
    eq(tf.transpose(X, perm=[-1, 0, 1]), X.transpose(2, 0, 1))
    eq(tf.transpose(tf.Variable([[1, 2]]), conjugate=True), np.array([[1], [2]], np.int32))
    eq(tf.transpose(tf.constant(1.0)), np.float32(1.0))
    with pytest.raises(InvalidArgumentError, match=r"perm \[0, 0, 1\] is not a permutation"):
        tf.transpose(X, [0, 0, 1])
    with pytest.raises(InvalidArgumentError, match=r"transpose: perm \[1, 0\] is not"):
        tf.transpose(X, [1, 0])
    with pytest.raises(InvalidArgumentError, match="out of range"):
        tf.transpose(X, [0, 1, 3])


def test_expand_dims_and_squeeze():
    for axis in (0, 1, 3, -1, -4):
        eq(tf.expand_dims(X, axis), np.expand_dims(X, axis))
    eq(tf.expand_dims(tf.constant(2), 0), np.array([2], np.int32))
    eq(tf.expand_dims(X, tf.constant(1)), X[:, None])
    with pytest.raises(InvalidArgumentError, match=r"expand_dims: axis 4 is out of range"):
        tf.expand_dims(X, 4)
    with pytest.raises(DTypeError, match="axis must be an integer"):
        tf.expand_dims(X, [0])
    y = np.zeros((1, 2, 1, 3, 1), np.float32)
    eq(tf.squeeze(y), y.reshape(2, 3))
    eq(tf.squeeze(y, axis=[]), y.reshape(2, 3))
    eq(tf.squeeze(y, 2), y.reshape(1, 2, 3, 1))
    eq(tf.squeeze(y, [0, -1]), y.reshape(2, 1, 3))
    eq(tf.squeeze(tf.ones([1, 1], tf.int32)), np.int32(1))
    with pytest.raises(InvalidArgumentError, match=r"squeeze: cannot squeeze axis 1 of "
                                                   r"float32\[1, 2, 1, 3, 1\]: its size is 2"):
        tf.squeeze(y, 1)
    with pytest.raises(InvalidArgumentError, match="repeats an axis"):
        tf.squeeze(y, [0, 0])


# -- concat / stack / unstack / split ------------------------------------------------------

def test_concat():
    a, b = X, X[:, :1]
    eq(tf.concat([a, b], 1), np.concatenate([a, b], 1))
    eq(tf.concat([a, a], -1), np.concatenate([a, a], -1))
    eq(tf.concat([tf.constant([1.0]), [2.0, 3.0], np.array([4.0])], 0),
       np.array([1, 2, 3, 4], np.float32))
    eq(tf.concat([tf.constant([1], tf.int64), [2]], 0), np.array([1, 2], np.int64))
    eq(tf.concat([a], 0), a)
    eq(tf.concat((tf.Variable([[1]]), [[2]]), axis=tf.constant(1)), np.array([[1, 2]], np.int32))


def test_concat_errors():
    f64 = tf.constant([1.0], tf.float64)
    with pytest.raises(DTypeError, match=r"concat: mixed dtypes float32 and float64"):
        tf.concat([tf.constant([1.0]), f64], 0)
    with pytest.raises(ShapeError, match=r"same rank, received float32\[2, 3, 4\] \(rank 3\) "
                                         r"and float32\[3, 4\] \(rank 2\)"):
        tf.concat([X, X[0]], 0)
    with pytest.raises(ShapeError, match=r"float32\[2, 3, 4\] and float32\[2, 1, 4\] differ "
                                         r"in dimension 1 \(3 vs 1\)"):
        tf.concat([X, X[:, :1]], 0)
    with pytest.raises(ShapeError, match="can't concatenate scalars.*stack"):
        tf.concat([tf.constant(1.0), tf.constant(2.0)], 0)
    with pytest.raises(InvalidArgumentError, match="non-empty list"):
        tf.concat([], 0)
    with pytest.raises(InvalidArgumentError, match="axis 3 is out of range"):
        tf.concat([X, X], 3)


def test_stack_unstack():
    a, b = X[0], X[1]
    for axis in (0, 1, 2, -1):
        eq(tf.stack([a, b], axis), np.stack([a, b], axis))
    eq(tf.stack([1.0, tf.constant(2.0)]), np.array([1, 2], np.float32))
    eq(tf.stack([tf.constant(1, tf.int64)]), np.array([1], np.int64))
    eq(tf.stack([1, 2.5]), np.array([1, 2.5], np.float32))  # one Python list, as TF
    eq(tf.concat([[1], [2]], 0), np.array([1, 2], np.int32))
    for axis in (0, 1, -1):
        parts = tf.unstack(X, axis=axis)
        want = np.moveaxis(X, axis, 0)
        assert len(parts) == len(want)
        for p, w in zip(parts, want):
            eq(p, w)
    assert tf.unstack(np.zeros((0, 2))) == []
    eq(tf.unstack(X, num=2)[1], X[1])
    with pytest.raises(ShapeError, match=r"stack: all values must have the same shape; "
                                         r"value 0 is float32\[3, 4\], value 1 is float32\[4\]"):
        tf.stack([a, b[0]])
    with pytest.raises(DTypeError, match="stack: mixed dtypes float32 and int32"):
        tf.stack([tf.constant([1.0]), tf.constant([1])])
    with pytest.raises(InvalidArgumentError, match=r"unstack: num=3 but axis 0"):
        tf.unstack(X, num=3)
    with pytest.raises(ShapeError, match="can't unstack a scalar"):
        tf.unstack(tf.constant(1.0))


def test_split():
    parts = tf.split(X, 2, axis=2)
    for p, w in zip(parts, np.split(X, 2, axis=2)):
        eq(p, w)
    parts = tf.split(X, [1, -1, 1], axis=-1)
    assert [p.shape for p in parts] == [(2, 3, 1), (2, 3, 2), (2, 3, 1)]
    eq(parts[1], X[..., 1:3])
    parts = tf.split(X, tf.constant([2, 1]), axis=1, num=2)
    eq(parts[0], X[:, :2])
    assert [p.shape for p in tf.split(X, [0, 3], 1)] == [(2, 0, 4), (2, 3, 4)]
    assert len(tf.split(X, tf.constant(3), 1)) == 3


def test_split_errors():
    with pytest.raises(InvalidArgumentError, match=r"dimension 1 of float32\[2, 3, 4\] has "
                                                   r"size 3, which is not divisible by "
                                                   r"num_or_size_splits=2"):
        tf.split(X, 2, axis=1)
    with pytest.raises(InvalidArgumentError, match=r"sizes \[1, 1\] must add up to 3"):
        tf.split(X, [1, 1], axis=1)
    with pytest.raises(InvalidArgumentError, match=r"sizes \[3, 2, -1\] must add up to 4"):
        tf.split(X, [3, 2, -1], axis=2)
    with pytest.raises(InvalidArgumentError, match="at most one -1"):
        tf.split(X, [-1, -1], axis=2)
    with pytest.raises(InvalidArgumentError, match="must be >= 1"):
        tf.split(X, 0)
    with pytest.raises(InvalidArgumentError, match="num=3 but 2 sizes"):
        tf.split(X, [1, 2], axis=1, num=3)
    with pytest.raises(ShapeError, match="can't split a scalar"):
        tf.split(tf.constant(1.0), 1)


# -- tile / repeat / pad / reverse / broadcast_to ---------------------------------------------

def test_tile():
    eq(tf.tile(X, [1, 2, 3]), np.tile(X, (1, 2, 3)))
    eq(tf.tile(tf.constant([1, 2]), tf.constant([0])), np.zeros(0, np.int32))
    with pytest.raises(InvalidArgumentError, match=r"tile: multiples must have one entry per "
                                                   r"dimension of float32\[2, 3, 4\] \(3\)"):
        tf.tile(X, [2, 2])
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        tf.tile(X, [1, -1, 1])


@pytest.mark.parametrize("repeats,axis", [
    (2, None), (3, 0), (2, -1), ([1, 2, 0], 1), ([2, 2, 1], 1), ([0, 0, 0], 1), ([1], 2),
    ([0, 1], 0), (0, 2), (np.array([4, 4]), 0), (tf.constant([2, 0, 1, 1]), 2),
])
def test_repeat_matches_numpy(repeats, axis):
    reps = np.asarray(getattr(repeats, "_value", repeats))
    eq(tf.repeat(X, repeats, axis=axis), np.repeat(X, reps, axis=axis))


def test_repeat_more():
    eq(tf.repeat([1, 2], [3, 1]), np.array([1, 1, 1, 2], np.int32))
    eq(tf.repeat(tf.constant(5), 3), np.array([5, 5, 5], np.int32))
    with pytest.raises(InvalidArgumentError, match=r"repeats has 2 entries but axis 1 of "
                                                   r"float32\[2, 3, 4\] has size 3"):
        tf.repeat(X, [1, 2], axis=1)
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        tf.repeat(X, -1, axis=0)
    with pytest.raises(InvalidArgumentError, match="out of range"):
        tf.repeat(X, 2, axis=3)


@pytest.mark.parametrize("mode", ["CONSTANT", "reflect", "Symmetric"])
def test_pad_modes(mode):
    pads = [[1, 0], [2, 2], [0, 3]]
    want = np.pad(X, pads, mode=mode.lower())
    eq(tf.pad(X, pads, mode), want)
    eq(tf.pad(tf.constant(X), tf.constant(pads), mode=mode), want)


def test_pad_constant_values_and_limits():
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    eq(tf.pad(x, [[1, 1], [0, 1]], constant_values=7),
       np.pad(x, [[1, 1], [0, 1]], constant_values=7))
    eq(tf.pad(X, [[0, 0], [1, 0], [0, 0]], constant_values=tf.constant(-1.0)),
       np.pad(X, [[0, 0], [1, 0], [0, 0]], constant_values=-1))
    eq(tf.pad(x, [[1, 1], [2, 2]], "REFLECT"), np.pad(x, [[1, 1], [2, 2]], "reflect"))
    eq(tf.pad(x, [[2, 2], [3, 3]], "SYMMETRIC"), np.pad(x, [[2, 2], [3, 3]], "symmetric"))
    eq(tf.pad(tf.constant(1.0), []), np.float32(1.0))
    with pytest.raises(InvalidArgumentError, match=r"REFLECT padding of dimension 1 of "
                                                   r"int32\[2, 3\] can be at most 2"):
        tf.pad(x, [[0, 0], [3, 0]], "REFLECT")
    with pytest.raises(InvalidArgumentError, match="SYMMETRIC padding of dimension 0 .* at "
                                                   "most 2"):
        tf.pad(x, [[0, 3], [0, 0]], "symmetric")
    with pytest.raises(InvalidArgumentError, match=r"non-negative, received \[-1, 0\]"):
        tf.pad(x, [[-1, 0], [0, 0]])
    with pytest.raises(InvalidArgumentError, match=r"paddings must be integers of shape "
                                                   r"\[2, 2\].*received shape \[1, 2\]"):
        tf.pad(x, [[1, 1]])
    with pytest.raises(InvalidArgumentError, match="paddings must be integers"):
        tf.pad(x, [[1.5, 1], [0, 0]])
    with pytest.raises(InvalidArgumentError, match="mode must be one of CONSTANT, REFLECT, "
                                                   "SYMMETRIC"):
        tf.pad(x, [[1, 1], [0, 0]], "edge")
    with pytest.raises(DTypeError, match="int32"):
        tf.pad(x, [[1, 1], [0, 0]], constant_values=1.5)
    with pytest.raises(DTypeError, match="constant_values"):
        tf.pad(X, [[0, 0]] * 3, constant_values=tf.constant(1.0, tf.float64))
    with pytest.raises(InvalidArgumentError, match="constant_values must be a scalar"):
        tf.pad(x, [[1, 1], [0, 0]], constant_values=[1, 2])


def test_reverse_and_broadcast_to():
    eq(tf.reverse(X, [0, 2]), X[::-1, :, ::-1])
    eq(tf.reverse(X, axis=[-1]), X[..., ::-1])
    eq(tf.reverse(X, tf.constant([1])), X[:, ::-1])
    eq(tf.reverse(X, []), X)
    with pytest.raises(InvalidArgumentError, match=r"reverse: axis \[0, 0\] repeats an axis"):
        tf.reverse(X, [0, 0])
    with pytest.raises(InvalidArgumentError, match="axis 3 is out of range"):
        tf.reverse(X, [3])
    eq(tf.broadcast_to([1, 2, 3], [2, 3]), np.broadcast_to(np.int32([1, 2, 3]), (2, 3)))
    eq(tf.broadcast_to(X[:, :1], tf.constant([5, 2, 3, 4])),
       np.broadcast_to(X[:, :1], (5, 2, 3, 4)))
    with pytest.raises(ShapeError, match=r"broadcast_to: cannot broadcast float32\[2, 3, 4\] "
                                         r"to shape \[2, 3, 5\]: dimension -1 is 4"):
        tf.broadcast_to(X, [2, 3, 5])
    with pytest.raises(ShapeError, match="fewer dimensions"):
        tf.broadcast_to(X, [3, 4])
    with pytest.raises(InvalidArgumentError, match="negative dimension"):
        tf.broadcast_to(1.0, [-1])


def test_shape_rank_size():
    eq(tf.shape(X), np.array([2, 3, 4], np.int32))
    eq(tf.shape(tf.Variable([1.0]), out_type=tf.int64), np.array([1], np.int64))
    eq(tf.shape(3.0), np.zeros(0, np.int32))
    eq(tf.rank(X), np.int32(3))
    eq(tf.rank([[1, 2]]), np.int32(2))
    eq(tf.size(X), np.int32(24))
    eq(tf.size(np.zeros((0, 3)), out_type="int64"), np.int64(0))
    with pytest.raises(DTypeError, match="out_type must be int32 or int64"):
        tf.shape(X, out_type=tf.float32)


# -- rules with unknown dims -----------------------------------------------------------------

def _rule(prim, *shapes, **params):
    out = prim.abstract_eval(*[TensorSpec(s, tf.float32) for s in shapes], **params)
    return [tuple(o.shape) for o in out] if isinstance(out, tuple) else tuple(out.shape)


def test_rules_with_unknown_dims():
    assert _rule(P.reshape_p, (None, 6), shape=(-1, 3, 2)) == (None, 3, 2)
    assert _rule(P.reshape_p, (None, 6), shape=(4, 3)) == (4, 3)
    assert _rule(P.reshape_p, (4, 6), shape=(-1, 3)) == (8, 3)
    assert _rule(P.transpose_p, (None, 2, 3), perm=(2, 0, 1)) == (3, None, 2)
    assert _rule(P.broadcast_to_p, (None, 1), shape=(4, 5)) == (4, 5)
    assert _rule(P.concat_p, (None, 3), (2, 3), axis=0) == (None, 3)
    assert _rule(P.concat_p, (None, 3), (2, None), axis=1) == (2, None)
    assert _rule(P.split_p, (None, 4), sizes=2, axis=0) == [(None, 4), (None, 4)]
    assert _rule(P.split_p, (2, None), sizes=(1, -1), axis=1) == [(2, 1), (2, None)]
    assert _rule(pad_p, (None, 3), paddings=((1, 1), (2, 2)), mode="REFLECT",
                 constant_values=0.0) == (None, 7)
    assert _rule(tile_p, (None, 3), multiples=(2, 2)) == (None, 6)
    assert _rule(tile_p, (None, 3), multiples=(0, 2)) == (0, 6)
    assert _rule(P.reverse_p, (None, 3), axis=(0,)) == (None, 3)
    with pytest.raises(ShapeError, match=r"dimension 1 \(3 vs 4\)"):
        _rule(P.concat_p, (None, 3), (2, 4), axis=0)


def _dyn_rule(prim, x, n, **params):
    """The output shape for an input of shape `x` and an int32 shape tensor of length n."""
    out = prim.abstract_eval(TensorSpec(x, tf.float32), TensorSpec([n], tf.int32), **params)
    return tuple(out.shape)


def test_rules_of_the_run_time_shape_primitives():
    # broadcast_to_dynamic: a known dim other than 1 is the target's, whatever it is
    assert _dyn_rule(P.broadcast_to_dynamic_p, (None, 1, 4), 3, dims=(None, None, None)) \
        == (None, None, 4)
    assert _dyn_rule(P.broadcast_to_dynamic_p, (3,), 2, dims=(5, None)) == (5, 3)
    with pytest.raises(ShapeError, match="dimension -1 is 3 but the target is 4"):
        _dyn_rule(P.broadcast_to_dynamic_p, (2, 3), 2, dims=(None, 4))
    with pytest.raises(ShapeError, match="fewer dimensions"):
        _dyn_rule(P.broadcast_to_dynamic_p, (2, 3), 1, dims=(None,))
    with pytest.raises(InvalidArgumentError, match="one dim per entry"):
        _dyn_rule(P.broadcast_to_dynamic_p, (2, 3), 3, dims=(None, None))
    with pytest.raises(DTypeError, match="1-D integer tensor"):
        P.broadcast_to_dynamic_p.abstract_eval(TensorSpec((2,), tf.float32),
                                               TensorSpec((1,), tf.float32), dims=(None,))
    # reshape_dynamic infers the one unknown dim when the input is fully known
    assert _dyn_rule(P.reshape_dynamic_p, (4, 6), 2, dims=(None, 3)) == (8, 3)
    assert _dyn_rule(P.reshape_dynamic_p, (None, 6), 3, dims=(None, 2, None)) \
        == (None, 2, None)
    with pytest.raises(ShapeError, match="element counts can't match"):
        _dyn_rule(P.reshape_dynamic_p, (4, 6), 2, dims=(None, 5))
    # split_like: piece sizes from the like tensors, checked when known
    assert _rule(P.split_like_p, (None, 4), (None, 4), (2, 4), axis=0) == [(None, 4), (2, 4)]
    assert _rule(P.split_like_p, (3, 5), (3, 2), (None, 3), axis=1) == [(3, 2), (3, 3)]
    with pytest.raises(ShapeError, match="add up to 6 along axis 1"):
        _rule(P.split_like_p, (3, 5), (3, 2), (3, 4), axis=1)


def test_shape_arguments_read_at_run_time():
    seen = {}

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def f(x):
        n = tf.shape(x)[0]
        seen["ones"] = tf.ones([n, 2]).shape
        seen["eye"] = tf.eye(2, batch_shape=[n]).shape
        seen["repeat"] = tf.repeat(x, 2, axis=1).shape
        seen["known_entry"] = tf.zeros([tf.shape(x)[1]]).shape
        return tf.reshape(tf.broadcast_to(x, tf.shape(x)), tf.stack([n, 3, 1]))

    f.get_concrete_function()
    assert seen == {"ones": (None, 2), "eye": (None, 2, 2), "repeat": (None, 6),
                    "known_entry": (3,)}
    x = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    eq(f(tf.constant(x)), x[..., None])
    # a scalar entry must be an integer tensor
    g = tf.function(lambda x: tf.zeros([tf.reduce_sum(x), 2]),
                    input_signature=[tf.TensorSpec([None], tf.float32)])
    with pytest.raises(DTypeError, match="each entry of shape must be an integer"):
        g.get_concrete_function()


def test_errors_are_ember_errors_not_numpy():
    bad = [
        lambda: tf.reshape(tf.Variable(X), [7]),
        lambda: tf.transpose(X, [0, 1]),
        lambda: tf.broadcast_to(X, [4]),
        lambda: tf.split(X, [1, 5], 1),
        lambda: tf.tile(X, [1]),
    ]
    for f in bad:
        with pytest.raises((ShapeError, InvalidArgumentError)):
            f()


def test_one_hot_truncates_numpy_float_indices_but_refuses_float_tensors():
    # TF 2.21: tf.one_hot(np.array([1., 2.]), 3) works, 1.5 truncates to 1; a float32
    # tensor or a Python list of floats raises (OneHot takes only integer indices)
    got = tf.one_hot(np.array([1.0, 2.0, 1.5], np.float32), depth=3).numpy()
    np.testing.assert_array_equal(got, [[0, 1, 0], [0, 0, 1], [0, 1, 0]])
    for refused in (tf.constant([1.0]), [1.0]):  # TF refuses these too
        with pytest.raises(tf.errors.DTypeError, match="one_hot: indices must be integers"):
            tf.one_hot(refused, depth=3)

"""Tensor and Variable: construction, operators, protocols, printing, assignment."""

import copy
import pickle

import numpy as np
import pytest

import ember as tf


def test_tensor_basics_and_numpy_roundtrip():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert x.shape == (2, 2) and x.dtype == tf.float32 and x.ndim == 2
    assert isinstance(x, tf.Tensor) and tf.is_tensor(x)
    n = x.numpy()
    n[0, 0] = 100.0  # numpy() is a copy: the tensor is immutable
    assert x.numpy()[0, 0] == 1.0
    assert x[0, 1].numpy() == np.float32(2.0)


def test_array_protocol_is_zero_copy_and_read_only():
    x = tf.constant(np.arange(6.0).reshape(2, 3))
    a = np.asarray(x)
    assert np.shares_memory(a, x._value) and not a.flags.writeable
    v = tf.Variable(np.ones(3))
    assert np.shares_memory(np.asarray(v), v._value)
    assert np.array(x).flags.writeable  # np.array copies
    assert np.asarray(x, dtype=np.float32).dtype == np.float32
    assert float(np.sum(x)) == 15.0 and np.exp(tf.constant([0.0]))[0] == 1.0


def test_constant_copies_numpy_input():
    arr = np.array([1.0, 2.0])
    t = tf.constant(arr)
    c = tf.convert_to_tensor(arr)
    arr[0] = 9.0
    assert t.numpy()[0] == 1.0 and c.numpy()[0] == 1.0


def test_operators_match_numpy():
    a = np.array([[1.5, -2.0], [3.0, 4.0]], np.float32)
    b = np.array([[2.0, 0.5], [-1.0, 3.0]], np.float32)
    x, y = tf.constant(a), tf.constant(b)
    for got, want in [(x + y, a + b), (x - y, a - b), (x * y, a * b), (x / y, a / b),
                      (x // y, a // b), (x % y, a % b), (abs(x) ** y, abs(a) ** b),
                      (-x, -a), (abs(x), abs(a)), (2 - x, 2 - a), (1 / x, 1 / a),
                      (a + y, a + b), (x < y, a < b), (x <= y, a <= b), (x > y, a > b),
                      (x >= y, a >= b), (x == y, a == b), (x != y, a != b)]:
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)
        assert isinstance(got, tf.Tensor)
    if hasattr(tf, "matmul"):
        np.testing.assert_allclose((x @ y).numpy(), a @ b, rtol=1e-6)


def test_logical_and_bitwise_operators():
    p = tf.constant([True, True, False])
    q = tf.constant([True, False, False])
    np.testing.assert_array_equal((p & q).numpy(), [True, False, False])
    np.testing.assert_array_equal((p | q).numpy(), [True, True, False])
    np.testing.assert_array_equal((p ^ q).numpy(), [False, True, False])
    np.testing.assert_array_equal((~p).numpy(), [False, False, True])
    i = tf.constant([6, 3])
    np.testing.assert_array_equal((i & 5).numpy(), [4, 1])
    np.testing.assert_array_equal((i | 1).numpy(), [7, 3])
    np.testing.assert_array_equal((~i).numpy(), [-7, -4])


def test_eq_with_none_and_incompatible_shapes_is_false():
    x = tf.constant([1, 2])
    assert (x == None) is False  # noqa: E711 - TF semantics
    assert (x != None) is True  # noqa: E711
    neq = x == tf.constant([1, 2, 3])
    assert isinstance(neq, tf.Tensor) and neq.shape == () and not bool(neq)
    assert bool(x != tf.constant([1.0, 2.0, 3.0]))


def test_scalar_conversions_and_errors():
    assert float(tf.constant(2.5)) == 2.5 and int(tf.constant(3)) == 3
    assert bool(tf.constant(True)) and not bool(tf.constant([0]))
    assert [10, 20, 30][tf.constant(1)] == 20
    with pytest.raises(ValueError, match=r"bool\(\) of a tensor needs a single value.*"
                                         r"float32\[2\]"):
        bool(tf.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match="float"):
        float(tf.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match="int"):
        int(tf.constant([1]))
    with pytest.raises(TypeError, match="integer"):
        [1, 2][tf.constant(1.0)]


def test_len_iteration_and_format():
    x = tf.constant([[1, 2], [3, 4], [5, 6]])
    assert len(x) == 3
    rows = list(x)
    assert len(rows) == 3 and rows[2].numpy().tolist() == [5, 6]
    with pytest.raises(TypeError, match="len"):
        len(tf.constant(1.0))
    with pytest.raises(TypeError, match="iterate"):
        iter(tf.constant(1.0)).__next__()
    assert f"{tf.constant(2.5):.1f}" == "2.5"
    assert f"{tf.constant([1.0, 2.0])}" == "[1. 2.]"
    v = tf.Variable([1.0])
    assert f"{v}" == repr(v)


def test_repr_and_str_like_tf():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert str(x) == ("tf.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)")
    assert repr(x) == ("<tf.Tensor: shape=(2, 2), dtype=float32, numpy=\n"
                       "array([[1., 2.],\n       [3., 4.]], dtype=float32)>")
    assert repr(tf.constant(1.0)) == "<tf.Tensor: shape=(), dtype=float32, numpy=1.0>"
    assert str(tf.constant([1, 2])) == "tf.Tensor([1 2], shape=(2,), dtype=int32)"
    v = tf.Variable([1.0, 2.0])
    assert repr(v) == ("<tf.Variable 'Variable:0' shape=(2,) dtype=float32, "
                       "numpy=array([1., 2.], dtype=float32)>")


def test_unhashable_with_ref():
    x = tf.constant(1.0)
    v = tf.Variable(1.0)
    for obj in (x, v):
        with pytest.raises(TypeError, match=r"unhashable.*ref\(\)"):
            hash(obj)
    d = {x.ref(): 1, v.ref(): 2}
    assert d[x.ref()] == 1 and d[v.ref()] == 2 and x.ref().deref() is x
    assert x.ref() != tf.constant(1.0).ref()


def test_variable_construction_and_properties():
    v = tf.Variable(np.random.rand(1, 10), dtype=tf.float32)
    assert v.dtype == tf.float32 and v.shape == (1, 10)
    assert v.name == "Variable:0" and v.trainable and v.constraint is None
    w = tf.Variable(lambda: tf.constant([1, 2]), name="w", trainable=False)
    assert w.name == "w:0" and not w.trainable and w.dtype == tf.int32
    assert not isinstance(v, tf.Tensor) and tf.is_tensor(v)
    assert isinstance(v.read_value(), tf.Tensor) and isinstance(v.value(), tf.Tensor)
    c = tf.Variable(1.0, constraint=lambda t: t)
    assert callable(c.constraint)
    with pytest.raises(ValueError, match="initial_value"):
        tf.Variable()


def test_variable_assign_family_returns_variable():
    v = tf.Variable([1.0, 2.0])
    r = v.assign([3.0, 4.0])
    assert r is v and v.numpy().tolist() == [3.0, 4.0]
    assert v.assign_add([1.0, 1.0]) is v and v.numpy().tolist() == [4.0, 5.0]
    assert v.assign_sub(1.0) is v and v.numpy().tolist() == [3.0, 4.0]
    assert v.assign([0.0, 0.0], read_value=False) is None


def test_variable_reads_are_stable_after_assign():
    v = tf.Variable([1.0, 2.0])
    before = v.read_value()
    row = v + 0
    v.assign([5.0, 6.0])
    assert before.numpy().tolist() == [1.0, 2.0] and row.numpy().tolist() == [1.0, 2.0]


def test_variable_in_ops_without_copy():
    v = tf.Variable([[1.0, 2.0]])
    t = tf.identity(v)
    assert np.shares_memory(t._value, v._value)
    np.testing.assert_array_equal((v * 2).numpy(), [[2.0, 4.0]])
    np.testing.assert_array_equal(tf.reduce_sum(v).numpy(), 3.0)
    assert tf.convert_to_tensor(v).dtype == tf.float32


def test_sliced_assignment():
    v = tf.Variable(np.zeros((2, 3), np.float32))
    assert v[0, :2].assign([1.0, 2.0]) is v
    np.testing.assert_array_equal(v.numpy(), [[1, 2, 0], [0, 0, 0]])
    v[1].assign(7.0)
    v[:, -1].assign(tf.constant([8.0, 9.0]))
    np.testing.assert_array_equal(v.numpy(), [[1, 2, 8], [7, 7, 9]])
    v[tf.constant(0), ::2].assign([5.0, 5.0])
    np.testing.assert_array_equal(v.numpy()[0], [5, 2, 5])
    before = v.numpy()
    with pytest.raises(ValueError, match=r"does not fit the slice float32\[2\]"):
        v[0, :2].assign([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="float64"):
        v[0, :2].assign(tf.constant([1.0, 2.0], dtype=tf.float64))
    np.testing.assert_array_equal(v.numpy(), before)


def test_bad_assignments_leave_variable_unchanged():
    v = tf.Variable([[1.0, 2.0]])
    for bad, err, msg in [([1.0, 2.0, 3.0], ValueError, r"float32\[1, 2\] to float32\[3\]"),
                          (tf.constant([[1.0, 2.0]], dtype=tf.float64), TypeError, "float64"),
                          ([["a", "b"]], TypeError, "strings"),
                          ([[1.0], [2.0, 3.0]], ValueError, "non-rectangular")]:
        with pytest.raises(err, match=msg):
            v.assign(bad)
        assert v.numpy().tolist() == [[1.0, 2.0]]
    with pytest.raises(ValueError, match="does not fit"):
        v.assign_add([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="int32"):
        tf.Variable([1, 2]).assign_add(0.5)
    assert v.numpy().tolist() == [[1.0, 2.0]]
    with pytest.raises(TypeError, match="assign_add"):
        v += 1


def test_variable_with_flexible_shape():
    v = tf.Variable([1.0], shape=tf.TensorShape([None]))
    v.assign([1.0, 2.0, 3.0])
    assert v.shape == (3,)
    with pytest.raises(ValueError, match="shape"):
        v.assign([[1.0]])


def test_pickle_and_copy():
    x = tf.constant([1.0, 2.0])
    v = tf.Variable([3.0], name="p")
    x2 = pickle.loads(pickle.dumps(x))
    v2 = pickle.loads(pickle.dumps(v))
    assert x2.numpy().tolist() == [1.0, 2.0] and v2.name == "p:0"
    assert copy.deepcopy(v).numpy().tolist() == [3.0]


def test_newaxis_indexes_like_tf():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert x[..., tf.newaxis].shape == (2, 2, 1) and x[tf.newaxis].shape == (1, 2, 2)


def test_variable_value_reads_as_property_and_as_call():
    """Keras 3 spells it `v.value`, TensorFlow `v.value()`: both read the value, also
    under a tape and inside ember.function."""
    from ember import keras
    v = tf.Variable([1.0, 2.0])
    np.testing.assert_array_equal(v.value.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(v.value().numpy(), [1.0, 2.0])
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    assert (layer.kernel.value + 1.0).shape.as_list() == [3, 2]
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v.value * 3.0) + tf.reduce_sum(v.value())
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [4.0, 4.0])
    f = tf.function(lambda: v.value * 2.0 + v.value())
    np.testing.assert_array_equal(f().numpy(), [3.0, 6.0])
    v.assign([5.0, 6.0])
    np.testing.assert_array_equal(f().numpy(), [15.0, 18.0])

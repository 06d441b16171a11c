"""dtypes, weak typing of Python numbers, TensorShape and TensorSpec."""

import numpy as np
import pytest

import ember as tf


def test_dtype_objects_and_as_dtype():
    assert tf.float32.name == "float32" and repr(tf.float32) == "tf.float32"
    assert tf.as_dtype("float64") is tf.float64
    assert tf.as_dtype(np.int8) is tf.int8
    assert tf.as_dtype(np.dtype("uint8")) is tf.uint8
    assert tf.as_dtype(float) is tf.float32 and tf.as_dtype(int) is tf.int32
    assert tf.as_dtype(bool) is tf.bool
    assert tf.dtypes.float16 == "float16" and tf.float32 == np.float32
    assert tf.double is tf.float64 and tf.half is tf.float16
    assert tf.float32.as_numpy_dtype is np.float32
    assert tf.int8.min == -128 and tf.uint8.max == 255 and tf.int16.size == 2
    assert tf.float64.is_floating and tf.int32.is_integer and tf.uint8.is_unsigned
    assert tf.bool.is_bool and not tf.bool.is_floating
    assert len({tf.float32, tf.as_dtype("float32")}) == 1
    with pytest.raises(TypeError, match="Cannot convert 'float128'"):
        tf.as_dtype("float128")
    with pytest.raises(TypeError, match="Cannot convert"):
        tf.as_dtype(np.timedelta64)  # no ember dtype (complex64 is one now)


@pytest.mark.parametrize("dt", ["float16", "float32", "float64", "int8", "int16", "int32",
                                "int64", "uint8", "bool"])
def test_every_dtype_makes_tensors(dt):
    t = tf.zeros([2], dtype=dt)
    assert t.dtype == tf.as_dtype(dt)
    assert tf.cast(t, tf.float32).dtype == tf.float32


def test_weak_typing_of_python_numbers():
    assert tf.constant(1.5).dtype == tf.float32
    assert tf.constant(1).dtype == tf.int32
    assert tf.constant(2**40).dtype == tf.int64
    assert tf.constant(True).dtype == tf.bool
    assert tf.constant(np.array([1.0, 2.0])).dtype == tf.float64  # NumPy keeps float64
    assert tf.constant(np.float64(1.0)).dtype == tf.float64
    assert tf.constant([1, 2.5]).dtype == tf.float32
    h = tf.constant([1.0], dtype=tf.float16)
    assert (h + 1).dtype == tf.float16 and (1.5 * h).dtype == tf.float16
    d = tf.constant([1.0], dtype=tf.float64)
    assert (d + 1.5).dtype == tf.float64
    i8 = tf.constant([1], dtype=tf.int8)
    assert (i8 + 1).dtype == tf.int8
    assert (tf.constant([1.0, 2.0]) + np.array([1.0, 2.0])).dtype == tf.float32
    assert (1 + 2.5) == 3.5 and tf.add(1, 2.5).dtype == tf.float32


def test_mixed_float_dtypes_raise_with_cast_hint():
    a = tf.constant([1.0], dtype=tf.float32)
    b = tf.constant([1.0], dtype=tf.float64)
    with pytest.raises(TypeError, match=r"float32 and float64.*ember\.cast"):
        a + b
    with pytest.raises(TypeError, match="float32 and float64"):
        tf.multiply(a, b)
    with pytest.raises(TypeError, match=r"2\.5.*int32"):
        tf.constant([1, 2]) + 2.5
    # TF silently wraps (int8 1 + 1000 == -23) or truncates here; ember raises instead.
    with pytest.raises(TypeError, match="out of range"):
        tf.constant([1], dtype=tf.int8) + 1000
    with pytest.raises(TypeError, match="int32"):
        tf.constant([1, 2]) + np.array([1.5, 2.5])
    with pytest.raises(TypeError, match="int32"):
        tf.constant(1.0, dtype=tf.int32)
    assert tf.constant(np.array([2.0]), dtype=tf.int32).numpy().tolist() == [2]


def test_int_division_follows_tf():
    assert (tf.constant([1, 2]) / 2).dtype == tf.float64
    assert (tf.constant([1, 2], dtype=tf.int16) / 2).dtype == tf.float32
    np.testing.assert_array_equal((tf.constant([7, -7]) // 2).numpy(), [3, -4])
    np.testing.assert_array_equal((tf.constant([7, -7]) % 3).numpy(), [1, 2])
    np.testing.assert_allclose((tf.constant([7.0, -7.0]) % 3).numpy(), [1.0, 2.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="division by zero"):
        tf.constant([1]) // 0


def test_tensorshape_behaves_as_tuple_and_tf_shape():
    s = tf.TensorShape([None, 10])
    assert s == (None, 10) and s == [None, 10] and isinstance(s, tuple)
    assert s.rank == 2 and s.ndims == 2 and len(s) == 2 and list(s) == [None, 10]
    assert s.as_list() == [None, 10] and s[0] is None and s[-1] == 10
    assert s[1:] == tf.TensorShape([10]) and isinstance(s[1:], tf.TensorShape)
    assert s.num_elements() is None and tf.TensorShape([2, 3]).num_elements() == 6
    assert s.is_compatible_with([5, 10]) and not s.is_compatible_with([5, 11])
    assert not s.is_compatible_with([5, 10, 1])
    assert s.merge_with([4, None]) == (4, 10)
    with pytest.raises(ValueError, match="not compatible"):
        s.merge_with([4, 11])
    assert not s.is_fully_defined() and tf.TensorShape([1]).is_fully_defined()
    assert str(s) == "(None, 10)" and repr(s) == "TensorShape([None, 10])"
    assert str(tf.TensorShape([3])) == "(3,)"
    assert s + [3] == (None, 10, 3)
    assert np.zeros(tf.TensorShape([2, 3])).shape == (2, 3)
    assert tf.TensorShape([]) == () and tf.TensorShape([]).rank == 0


def test_unknown_rank_shape():
    u = tf.TensorShape(None)
    assert u.rank is None and u.dims is None
    assert u.is_compatible_with([1, 2, 3]) and u != tf.TensorShape([])
    assert u.merge_with([1, 2]) == (1, 2)
    with pytest.raises(ValueError, match="unknown"):
        u.as_list()
    with pytest.raises(ValueError, match="unknown rank"):
        len(u)


def test_tensorshape_rejects_bad_dims():
    with pytest.raises(TypeError, match="integers or None"):
        tf.TensorShape([1.5])
    with pytest.raises(ValueError, match=">= 0"):
        tf.TensorShape([-2])


def test_tensorspec():
    spec = tf.TensorSpec([None, 3], tf.float32, name="x")
    assert repr(spec) == "TensorSpec(shape=(None, 3), dtype=tf.float32, name='x')"
    assert spec.is_compatible_with(tf.constant(np.zeros((5, 3), np.float32)))
    assert not spec.is_compatible_with(tf.constant(np.zeros((5, 3))))
    assert tf.TensorSpec.from_tensor(tf.constant([1, 2])) == tf.TensorSpec([2], tf.int32)
    assert hash(spec) == hash(tf.TensorSpec([None, 3], "float32", name="x"))


def test_bfloat16_with_ml_dtypes():
    pytest.importorskip("ml_dtypes")
    x = tf.constant([1.5, 2.25], dtype=tf.bfloat16)
    assert x.dtype == tf.bfloat16 and tf.bfloat16.is_floating
    assert (x * 2.0).dtype == tf.bfloat16
    np.testing.assert_allclose(tf.cast(tf.exp(x), tf.float32).numpy(), np.exp([1.5, 2.25]),
                               rtol=1e-2)
    with pytest.raises(TypeError, match="bfloat16 and float32"):
        x + tf.constant([1.0, 2.0])


def test_bfloat16_matmul_and_conv_keep_bfloat16_eagerly_traced_and_in_gradients():
    """NumPy (ml_dtypes) computes `@` on bfloat16 in float32; the kernels hand back the
    dtype the rule promises, also through the executor's inline matmul."""
    pytest.importorskip("ml_dtypes")
    a = tf.cast(tf.reshape(tf.range(6.0), (2, 3)), tf.bfloat16)
    b = tf.cast(tf.ones((3, 2)), tf.bfloat16)
    for f in (tf.matmul, tf.function(lambda a, b: tf.matmul(a, b))):
        out = f(a, b)
        assert out.dtype == tf.bfloat16 and out.numpy().dtype == tf.bfloat16.as_numpy_dtype
        np.testing.assert_array_equal(out.numpy().astype(np.float32), [[3, 3], [12, 12]])
    x = tf.cast(tf.ones((1, 4, 4, 2)), tf.bfloat16)
    w = tf.cast(tf.ones((3, 3, 2, 3)), tf.bfloat16)
    with tf.GradientTape() as tape:
        tape.watch([x, w])
        y = tf.nn.conv2d(x, w, 1, "SAME")
        loss = tf.reduce_sum(y)
    gx, gw = tape.gradient(loss, [x, w])
    assert y.dtype == gx.dtype == gw.dtype == tf.bfloat16
    assert y.numpy().dtype == gx.numpy().dtype == gw.numpy().dtype == tf.bfloat16.as_numpy_dtype

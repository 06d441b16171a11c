"""tf.make_tensor_proto / tf.make_ndarray against TensorFlow 2.21's protos (values pinned
from TF's output)."""

import numpy as np
import pytest

import ember as tf

pytest.importorskip("tensorboard")


def test_typed_fields_and_fill_as_tf():
    p = tf.make_tensor_proto([1.0, 2.0], shape=[4])
    assert list(p.float_val) == [1.0, 2.0] and not p.tensor_content
    assert p.dtype == 1  # DT_FLOAT
    np.testing.assert_array_equal(tf.make_ndarray(p), [1.0, 2.0, 2.0, 2.0])
    p = tf.make_tensor_proto(3, shape=[2, 2])
    assert list(p.int_val) == [3] and p.dtype == 3  # DT_INT32
    np.testing.assert_array_equal(tf.make_ndarray(p), np.full((2, 2), 3, np.int32))
    p = tf.make_tensor_proto(True)
    assert list(p.bool_val) == [True] and p.HasField("tensor_shape")
    p = tf.make_tensor_proto(1 + 2j)
    assert list(p.dcomplex_val) == [1.0, 2.0] and p.dtype == 18  # DT_COMPLEX128
    assert tf.make_ndarray(p) == 1 + 2j


def test_tensor_content_bytes_as_tf():
    p = tf.make_tensor_proto(np.arange(6, dtype=np.int64).reshape(2, 3))
    assert p.dtype == 9 and [d.size for d in p.tensor_shape.dim] == [2, 3]  # DT_INT64
    assert p.tensor_content == np.arange(6, dtype="<i8").tobytes()
    p = tf.make_tensor_proto([1, 2], dtype=tf.float16)
    assert p.dtype == 19 and p.tensor_content == b"\x00<\x00@"  # DT_HALF, TF's bytes
    np.testing.assert_array_equal(tf.make_ndarray(p), np.array([1, 2], np.float16))


def test_strings_tensors_and_round_trips():
    p = tf.make_tensor_proto(["ab", b"c"])
    assert p.dtype == 7 and list(p.string_val) == [b"ab", b"c"]  # DT_STRING
    assert tf.make_ndarray(p).tolist() == [b"ab", b"c"]
    for value in (np.float32([[1.5, -2.0]]), np.int8([1, -2, 3]), np.uint64([7, 8]),
                  np.complex64([1 + 1j, 2]), np.bool_([True, False]),
                  tf.constant([[1.0, 2.0], [3.0, 4.0]])):
        back = tf.make_ndarray(tf.make_tensor_proto(value))
        want = np.asarray(value)
        assert back.dtype == want.dtype
        np.testing.assert_array_equal(back, want)


def test_bad_shapes_as_tf():
    with pytest.raises(TypeError, match="shape"):
        tf.make_tensor_proto([1.0, 2.0], shape=[4], verify_shape=True)
    with pytest.raises(ValueError, match="at most 2"):
        tf.make_tensor_proto([1.0, 2.0, 3.0], shape=[2])

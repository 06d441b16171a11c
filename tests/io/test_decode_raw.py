"""tf.io.decode_raw: values against NumPy's frombuffer, big-endian, fixed_length, inside
ember.function, and TF's errors."""

import numpy as np
import pytest

import ember as tf


def test_values_shapes_and_byte_order():
    data = np.arange(6, dtype="<i4").tobytes()
    out = tf.io.decode_raw(tf.constant([data, data[::-1]]), tf.int32)
    assert out.shape == (2, 6) and out.dtype == tf.int32
    np.testing.assert_array_equal(out.numpy()[0], np.arange(6))
    big = tf.io.decode_raw(tf.constant(np.arange(3, dtype=">u2").tobytes()), tf.uint16,
                           little_endian=False)
    np.testing.assert_array_equal(big.numpy(), [0, 1, 2])
    floats = tf.io.decode_raw(tf.constant(np.array([1.5, -2.0], "<f8").tobytes()),
                              tf.float64)
    np.testing.assert_array_equal(floats.numpy(), [1.5, -2.0])


def test_fixed_length_pads_and_cuts():
    out = tf.io.decode_raw(tf.constant([b"ab", b"abcd"]), tf.uint8, fixed_length=3)
    np.testing.assert_array_equal(out.numpy(), [[97, 98, 0], [97, 98, 99]])


def test_inside_a_function():
    f = tf.function(lambda s: tf.io.decode_raw(s, tf.uint8))
    np.testing.assert_array_equal(f(tf.constant(["Duck", "Swan"])).numpy(),
                                  [list(b"Duck"), list(b"Swan")])


def test_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="not a multiple of 4"):
        tf.io.decode_raw(tf.constant(b"abcde"), tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="different lengths"):
        tf.io.decode_raw(tf.constant([b"ab", b"abcd"]), tf.uint8)
    with pytest.raises(TypeError, match="must be a string tensor"):
        tf.io.decode_raw(tf.constant([1, 2]), tf.uint8)

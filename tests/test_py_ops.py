"""tf.py_function / tf.numpy_function: eagerly, under a tape, and inside ember.function."""

import numpy as np
import pytest

import ember as tf
from ember.errors import InvalidArgumentError


def test_eager_calls_get_tensors_or_arrays_and_check_tout():
    seen = []
    out = tf.numpy_function(lambda a, b: (seen.append(type(a)), a + b)[1],
                            [tf.constant([1.0, 2.0]), np.array([3.0, 4.0], np.float32)],
                            tf.float32)
    assert seen == [np.ndarray] and out.numpy().tolist() == [4.0, 6.0]
    first, second = tf.py_function(lambda a: (a * 2.0, tf.reduce_sum(a)),
                                   [tf.constant([1.0, 2.0])], [tf.float32, tf.float32])
    assert first.numpy().tolist() == [2.0, 4.0] and float(second) == 3.0
    assert tf.py_function(lambda: 7, [], tf.int64).dtype == tf.int64  # numbers take Tout
    with pytest.raises(InvalidArgumentError, match="output 0 is float64, but Tout says "
                                                   "float32"):
        tf.numpy_function(lambda a: a.astype(np.float64), [tf.constant([1.0])], tf.float32)
    with pytest.raises(InvalidArgumentError, match="returned 1 value"):
        tf.py_function(lambda a: a, [tf.constant(1.0)], [tf.float32, tf.float32])


def test_py_function_is_differentiable_eagerly():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.py_function(lambda v: v * v * v, [x], tf.float32)
    assert float(tape.gradient(y, x)) == 27.0


def test_inside_a_function_it_runs_on_every_call():
    calls = []

    def sort(a):
        calls.append(len(a))
        return np.sort(a)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return tf.numpy_function(sort, [x], tf.TensorSpec([None], tf.float32)) * 2.0

    np.testing.assert_array_equal(f(np.array([3.0, 1.0, 2.0], np.float32)).numpy(),
                                  [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(f(np.array([5.0, 4.0], np.float32)).numpy(), [8.0, 10.0])
    assert calls == [3, 2]
    g = tf.function(lambda x: tf.py_function(lambda v: v + 1.0, [x],
                                             tf.TensorSpec([2], tf.float32)))
    np.testing.assert_array_equal(g(tf.constant([1.0, 2.0])).numpy(), [2.0, 3.0])


def test_inside_a_function_tout_needs_shapes_and_outputs_must_fit():
    with pytest.raises(NotImplementedError, match="TensorSpec"):
        tf.function(lambda x: tf.numpy_function(np.sort, [x], tf.float32))(tf.constant([1.0]))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return tf.numpy_function(lambda a: np.concatenate([a, a]), [x],
                                 tf.TensorSpec([3], tf.float32))

    with pytest.raises(InvalidArgumentError, match=r"output 0 has shape \(4,\)"):
        f(np.array([1.0, 2.0], np.float32))

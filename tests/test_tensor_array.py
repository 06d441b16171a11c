"""TensorArray (ember/ops/tensor_array.py): eager API against Python/NumPy, the while_loop
pattern inside ember.function (values and float64 central-difference gradients), errors,
and map_fn with an unknown batch (built on it)."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.core.errors import DTypeError, InvalidArgumentError, OutOfRangeError, ShapeError
from ember.ops.extra_ops import map_fn
from ember.ops.tensor_array import TensorArray
from tests.helpers import numeric_gradient

R = np.random.default_rng(11)


# -- eager ---------------------------------------------------------------------------

def test_eager_write_read_stack_size():
    rows = [R.normal(size=3).astype(np.float32) for _ in range(4)]
    ta = TensorArray(tf.float32, size=4, clear_after_read=False)
    for i, r in enumerate(rows):
        ta = ta.write(i, r)
    np.testing.assert_array_equal(ta.stack().numpy(), np.stack(rows))
    np.testing.assert_array_equal(ta.read(2).numpy(), rows[2])
    assert int(ta.size()) == 4 and ta.dtype == tf.float32
    assert ta.element_shape.as_list() == [3]


def test_eager_unwritten_reads_zero_and_dynamic_growth():
    ta = TensorArray(tf.float32, size=0, dynamic_size=True).write(2, [1.0, 2.0])
    np.testing.assert_array_equal(ta.stack().numpy(), [[0, 0], [0, 0], [1, 2]])
    assert int(ta.size()) == 3


def test_eager_unstack_gather_scatter_concat():
    v = np.arange(12, dtype=np.float32).reshape(4, 3)
    ta = TensorArray(tf.float32, size=4).unstack(v)
    np.testing.assert_array_equal(ta.gather([3, 1]).numpy(), v[[3, 1]])
    np.testing.assert_array_equal(ta.concat().numpy(), v.reshape(-1))
    sc = TensorArray(tf.int32, size=3).scatter([2, 0], [[5], [6]])
    np.testing.assert_array_equal(sc.stack().numpy(), [[6], [0], [5]])
    ragged = TensorArray(tf.int32, size=2, infer_shape=False).write(0, [1, 2]).write(1, [3])
    np.testing.assert_array_equal(ragged.concat().numpy(), [1, 2, 3])


def test_eager_clear_after_read():
    ta = TensorArray(tf.float32, size=1).write(0, 1.0)
    assert float(ta.read(0)) == 1.0
    with pytest.raises(InvalidArgumentError, match="twice"):
        ta.read(0)


def test_eager_gradient_through_reads():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        ta = TensorArray(tf.float32, size=3)
        for i in range(3):
            ta = ta.write(i, x[i] * x[i])
        y = tf.reduce_sum(ta.stack() * tf.constant([1.0, 10.0, 100.0]))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2.0, 40.0, 600.0])


def test_eager_errors():
    ta = TensorArray(tf.float32, size=2, element_shape=[2])
    with pytest.raises(OutOfRangeError, match="not resizeable.*dynamic_size=True"):
        ta.write(5, [1.0, 2.0])
    with pytest.raises(OutOfRangeError, match="index 7.*size is 2"):
        ta.read(7)
    with pytest.raises(ShapeError, match=r"incompatible element shape.*\(2,\)|\[2\]"):
        ta.write(0, [1.0, 2.0, 3.0])
    with pytest.raises(DTypeError, match="float32.*int32.*cast"):
        ta.write(0, tf.constant([1, 2]))
    with pytest.raises(ValueError, match="size is required"):
        TensorArray(tf.float32)


# -- inside ember.function -------------------------------------------------------------

def _doubled(x):
    ta = TensorArray(x.dtype, size=tf.shape(x)[0])

    def body(i, ta):
        return i + 1, ta.write(i, x[i] * x[i] * 2.0)
    _, ta = tf.while_loop(lambda i, ta: i < tf.shape(x)[0], body, [0, ta])
    return ta.stack()


@pytest.mark.parametrize("signature", [None, [tf.TensorSpec([None, 3], tf.float64)]])
def test_while_loop_pattern_values_and_gradient(signature):
    f = tf.function(_doubled, input_signature=signature)
    x = R.normal(size=(4, 3))
    np.testing.assert_allclose(f(tf.constant(x)).numpy(), 2 * x * x)
    w = R.normal(size=(4, 3))

    @tf.function(input_signature=signature)
    def loss(xt):
        return tf.reduce_sum(_doubled(xt) * tf.constant(w))

    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = loss(xt)
    got = tape.gradient(y, xt).numpy()
    np.testing.assert_allclose(got, numeric_gradient(lambda v: float(np.sum(2 * v * v * w)), x),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got, 4 * x * w, rtol=1e-10)


def test_traced_gradient_when_grad_taken_inside_function():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float64)])
    def grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.sin(_doubled(x)))
        return tape.gradient(y, x)
    x = R.normal(size=5)
    fd = numeric_gradient(lambda v: float(np.sum(np.sin(2 * v * v))), x)
    np.testing.assert_allclose(grad(tf.constant(x)).numpy(), fd, rtol=1e-6, atol=1e-8)


def test_traced_dynamic_size_grows_and_reads_back():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def prefix(x):
        ta = TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=[])

        def body(i, ta):
            prev = tf.cond(i > 0, lambda: ta.read(tf.maximum(i - 1, 0)), lambda: 0.0)
            return i + 1, ta.write(i, prev + x[i])
        _, ta = tf.while_loop(lambda i, ta: i < tf.shape(x)[0], body, [0, ta])
        return ta.stack(), ta.size()
    x = np.array([1, 2, 3, 4, 5], np.float32)
    out, n = prefix(tf.constant(x))
    np.testing.assert_allclose(out.numpy(), np.cumsum(x))
    assert int(n) == 5


def test_traced_unstack_gather_scatter_concat():
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def f(v):
        ta = TensorArray(tf.float32, size=tf.shape(v)[0]).unstack(v)
        sc = TensorArray(tf.float32, size=3).scatter([2, 0], v[:2])
        return ta.gather([2, 0]), ta.concat(), sc.stack(), ta.read(1)
    v = np.arange(8, dtype=np.float32).reshape(4, 2)
    g, c, s, r = f(tf.constant(v))
    np.testing.assert_array_equal(g.numpy(), v[[2, 0]])
    np.testing.assert_array_equal(c.numpy(), v.reshape(-1))
    np.testing.assert_array_equal(s.numpy(), [v[1], [0, 0], v[0]])
    np.testing.assert_array_equal(r.numpy(), v[1])


def test_traced_errors():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def overflow(x):
        ta = TensorArray(tf.float32, size=2)

        def body(i, ta):
            return i + 1, ta.write(i, x[i])
        _, ta = tf.while_loop(lambda i, ta: i < tf.shape(x)[0], body, [0, ta])
        return ta.stack()
    np.testing.assert_array_equal(overflow(tf.constant([1.0, 2.0])).numpy(), [1, 2])
    # the errors of eager mode (see test_eager_errors), raised when the graph runs
    with pytest.raises(OutOfRangeError, match="write to index 2 .*not resizeable.*size is 2"):
        overflow(tf.constant([1.0, 2.0, 3.0]))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def bad_read(x):
        return TensorArray(tf.float32, size=2, element_shape=[]).read(tf.shape(x)[0])
    with pytest.raises(OutOfRangeError, match="read index 3 but the array size is 2"):
        bad_read(tf.constant([1.0, 2.0, 3.0]))

    @tf.function
    def bad_dtype(x):
        return TensorArray(tf.float32, size=1).write(0, tf.cast(x, tf.int32)).stack()
    with pytest.raises(DTypeError, match="cast"):
        bad_dtype(tf.constant([1.0]))

    @tf.function
    def bad_shape(x):
        return TensorArray(tf.float32, size=2).write(0, x).write(1, x[:1]).stack()
    with pytest.raises(ShapeError, match="incompatible element shape"):
        bad_shape(tf.constant([1.0, 2.0]))


# -- map_fn with an unknown batch --------------------------------------------------------

def test_map_fn_unknown_batch_values_and_gradient():
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float64)])
    def loss(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = map_fn(lambda r: tf.reduce_sum(r * r) * r, x)
            s = tf.reduce_sum(tf.tanh(y))
        return y, tape.gradient(s, x)

    x = R.normal(size=(5, 3))
    y, g = loss(tf.constant(x))

    def ref(v):
        return (v * v).sum(1, keepdims=True) * v
    np.testing.assert_allclose(y.numpy(), ref(x), rtol=1e-12)
    fd = numeric_gradient(lambda v: float(np.tanh(ref(v)).sum()), x)
    np.testing.assert_allclose(g.numpy(), fd, rtol=1e-6, atol=1e-8)

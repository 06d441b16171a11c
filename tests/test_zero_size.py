"""Zero-size tensors give TF's empty results, values and gradients (issue 11, point 4).
tests/test_fuzz_registry.py walks every primitive on zero-size variants; these are the
cases the issue names, through the public ops."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf


def _value_and_grad(f, x):
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = f(t)
        loss = tf.reduce_sum(y)
    g = tape.gradient(loss, t)
    return y, g


@pytest.mark.parametrize("op", [tf.math.cumsum, tf.math.cumprod])
@pytest.mark.parametrize("reverse", [False, True])
def test_exclusive_scan_of_an_empty_axis(op, reverse):
    for shape, axis in (((2, 0), 1), ((0,), 0), ((0, 3), 0)):
        y, g = _value_and_grad(lambda t: op(t, axis=axis, exclusive=True, reverse=reverse),
                               np.zeros(shape))
        assert y.shape == shape and y.dtype == tf.float64
        assert g.shape == shape
    y = op(tf.zeros([2, 0], tf.int32), axis=1, exclusive=True)
    assert y.shape == (2, 0) and y.dtype == tf.int32


@pytest.mark.parametrize("shape,k", [((3, 0), 0), ((0, 5), 2), ((2, 0, 5), 2), ((0, 0), 0),
                                     ((4,), 0)])
def test_top_k_of_empty_inputs(shape, k):
    x = np.random.default_rng(0).standard_normal(shape)
    values, indices = tf.math.top_k(tf.constant(x), k=k)
    assert values.shape == shape[:-1] + (k,) and indices.shape == shape[:-1] + (k,)
    assert indices.dtype == tf.int32
    _, g = _value_and_grad(lambda t: tf.math.top_k(t, k=k)[0], x)
    assert g.shape == shape


def test_top_k_with_too_few_entries_still_raises():
    with pytest.raises(ValueError, match="top_k"):
        tf.math.top_k(tf.zeros([3, 0]), k=1)


@pytest.mark.parametrize("axis", [1, [1, 2], [0, 1], None])
def test_reduce_prod_gradient_over_an_empty_axis(axis):
    x = np.zeros((2, 0, 3))
    y, g = _value_and_grad(lambda t: tf.reduce_prod(t, axis=axis), x)
    axes = None if axis is None else tuple(np.atleast_1d(axis))
    np.testing.assert_array_equal(y.numpy(), np.prod(x, axis=axes))  # ones: the identity
    assert g.shape == x.shape


@pytest.mark.parametrize("params_shape,indices,out_shape", [
    ((3, 4), np.zeros((0, 2), np.int32), (0,)),
    ((3, 4), np.zeros((0, 1), np.int32), (0, 4)),
    ((3, 4), np.zeros((2, 0, 1), np.int64), (2, 0, 4)),
    ((3, 0), np.array([[1], [2]], np.int32), (2, 0)),
    ((0, 4), np.zeros((0, 1), np.int32), (0, 4)),
])
def test_gather_nd_with_empty_indices_or_params(params_shape, indices, out_shape):
    x = np.arange(np.prod(params_shape), dtype=np.float64).reshape(params_shape)
    y, g = _value_and_grad(lambda t: tf.gather_nd(t, indices), x)
    assert y.shape == out_shape
    np.testing.assert_array_equal(g.numpy(), np.zeros(params_shape))


def test_gather_with_empty_params_and_batch_dims():
    x = np.zeros((0, 3))
    y, g = _value_and_grad(lambda t: tf.gather(t, np.zeros((0, 2), np.int32), axis=1,
                                               batch_dims=1), x)
    assert y.shape == (0, 2) and g.shape == (0, 3)


def test_tensor_scatter_nd_into_empty_slices():
    out = tf.tensor_scatter_nd_update(tf.zeros([3, 0]), [[1], [2]], tf.zeros([2, 0]))
    assert out.shape == (3, 0)


@pytest.mark.parametrize("op", [tf.math.floordiv, tf.math.floormod, tf.pow])
def test_integer_ops_with_an_empty_result_check_no_values(op):
    # TF computes nothing, so a zero divisor or a negative exponent can't fail
    for x, y in ((np.zeros([0], np.int32), np.array([0, -1][:1], np.int32)),
                 (np.zeros([0, 2], np.int32), np.array([[0, -1]], np.int32)),
                 (np.zeros([0], np.int64), np.zeros([0], np.int64))):
        bad = y if op is not tf.pow else -np.abs(y) - 1
        out = op(tf.constant(x), tf.constant(bad))
        assert out.shape == np.broadcast_shapes(x.shape, y.shape) and out.dtype == x.dtype
    with pytest.raises(ValueError):  # with elements, the checks stay
        op(tf.constant([4]), tf.constant([0 if op is not tf.pow else -1]))


def test_integer_mean_of_no_elements_is_zero():
    # TF 2.21: the integer mean of nothing is 0 (the float mean is nan)
    assert tf.reduce_mean(tf.zeros([2, 0], tf.int32), axis=1).numpy().tolist() == [0, 0]
    assert np.isnan(tf.reduce_mean(tf.zeros([2, 0]), axis=1).numpy()).all()


def test_searchsorted_and_bincount_of_empty_rows():
    seq = tf.constant([[1, 3, 5], [2, 4, 6]])
    assert tf.searchsorted(seq, tf.zeros([2, 0], tf.int32)).shape == (2, 0)
    assert tf.searchsorted(tf.zeros([2, 0], tf.int32), tf.ones([2, 3], tf.int32)
                           ).numpy().tolist() == [[0, 0, 0], [0, 0, 0]]
    assert tf.math.bincount(tf.zeros([0, 3], tf.int32), axis=-1).shape == (0, 0)


def test_higher_order_and_effect_primitives_on_zero_size():
    # the primitives tests/test_fuzz_registry.py exempts: cond, while_loop (and its
    # gradient, while_grad), py_func, debug_check, debug_print, fused_update
    x = np.zeros((0, 3))

    @tf.function
    def f(p, v):
        v = tf.cond(p, lambda: v * 2.0, lambda: v + 1.0)
        v = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2.0),
                          [tf.constant(0), v])[1]
        v = tf.debugging.check_numerics(v, "empty")
        tf.print(v, output_stream=None)
        return tf.numpy_function(lambda a: a * 3.0, [v], tf.TensorSpec([None, 3], "float64"))

    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = f(tf.constant(True), t)
        loss = tf.reduce_sum(tf.while_loop(lambda i, a: i < 2, lambda i, a: (i + 1, a * t),
                                           [tf.constant(0), t])[1])
    assert y.shape == (0, 3) and tape.gradient(loss, t).shape == (0, 3)
    v = tf.Variable(tf.zeros([0, 3]))
    step = tf.function(lambda o: o.apply_gradients([(tf.zeros([0, 3]), v)]))
    from ember import keras
    for opt in (keras.optimizers.SGD(0.1, momentum=0.9), keras.optimizers.Adam()):
        opt.apply_gradients([(tf.zeros([0, 3]), v)])
        step(opt)
    assert v.shape == (0, 3)

"""Indexing with scalar int tensors known only at run time (ember/ops/index_dynamic.py):
values against NumPy's basic indexing (whose slice clamping TF's strided_slice shares),
static shapes, gradients against central finite differences, while_loop reads, run-time
errors, and tf.strided_slice / tf.slice with tensor begin, end and size."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.core.errors import InvalidArgumentError

R = np.random.default_rng(11)
X3 = R.standard_normal((4, 5, 6))
X2 = R.standard_normal((5, 3))

# (key built from the scalars, the scalars' values, the input)
FORMS = [
    (lambda i: (i,), [(0,), (3,), (-1,), (-4,)], X3),
    (lambda i: (slice(i, i + 1),), [(0,), (3,), (-1,), (4,), (-9,)], X3),
    (lambda a, b: (slice(None), slice(a, b)), [(1, 4), (-4, 100), (3, 1), (-100, -2)], X3),
    (lambda i, n: (i, slice(2, n)), [(1, 5), (-2, -1), (0, 0)], X3),
    (lambda s: (slice(None, None, s),), [(1,), (2,), (-1,), (-3,), (7,)], X3),
    (lambda a, s: (Ellipsis, slice(a, None, s)), [(4, -2), (-1, -1), (9, -1), (-9, 2)], X3),
    (lambda i, a: (None, i, Ellipsis, None, slice(a, None)), [(2, -2), (-1, 0)], X3),
    (lambda a, b, s: (slice(a, b, s), 1), [(4, 0, -1), (-1, -7, -2), (0, 9, 3)], X2),
    (lambda i: (slice(1, None), i), [(2,), (-3,)], X2),
    (lambda i, j: (i, j), [(4, 2), (-5, -3)], X2),
]
CASES = [(k, v, x) for k, vs, x in FORMS for v in vs]


def _scalars(values):
    return [tf.constant(v, tf.int32) for v in values]


def _traced(key, x, n, dtype=tf.float64):
    sig = [tf.TensorSpec([None] * x.ndim, dtype)] + [tf.TensorSpec([], tf.int32)] * n
    return tf.function(lambda x, *s: x[key(*s)], input_signature=sig)


@pytest.mark.parametrize("key,values,x", CASES)
def test_values_match_numpy_inside_function(key, values, x):
    f = _traced(key, x, len(values))
    got = f(tf.constant(x), *_scalars(values))
    want = x[key(*values)]
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want)
    # the same key on a tensor whose dims are known statically, and on int32 values
    xi = tf.constant(np.arange(x.size, dtype=np.int32).reshape(x.shape))
    g = tf.function(lambda x, *s: x[key(*s)])
    np.testing.assert_array_equal(g(xi, *_scalars(values)).numpy(),
                                  np.arange(x.size).reshape(x.shape)[key(*values)])


def test_static_shapes_are_as_precise_as_tf():
    def shape_of(fn, dims, n=1):
        sig = [tf.TensorSpec(dims, tf.float32)] + [tf.TensorSpec([], tf.int32)] * n
        return tf.function(fn, input_signature=sig).get_concrete_function().graph.outputs[
            0].shape.as_list()

    assert shape_of(lambda x, i: x[i], [None, 3]) == [3]
    assert shape_of(lambda x, i: x[i:i + 1], [None, 3]) == [None, 3]
    assert shape_of(lambda x, i: x[:, i:], [4, 3]) == [4, None]
    assert shape_of(lambda x, i: x[i, 2:], [None, 5]) == [3]
    assert shape_of(lambda x, i: x[..., tf.newaxis, i], [2, None, 3]) == [2, None, 1]
    assert shape_of(lambda x, s: x[::s, 1], [6, 3]) == [None]
    # an entry whose value is known statically (a known dim of x) keeps the dim static
    assert shape_of(lambda x, i: x[i, 1:tf.shape(x)[1]], [None, 5]) == [4]
    assert shape_of(lambda x, i: tf.slice(x, [i, 0], [-1, 2]), [None, 3]) == [None, 2]


def _fd_check(fn, x, *rest):
    """Gradient of sum(u * fn(x, ...)) traced vs central differences in float64."""
    u = None

    def loss_of(xv):
        nonlocal u
        out = fn(tf.constant(xv), *rest).numpy()
        if u is None:
            u = np.random.default_rng(0).standard_normal(out.shape)
        return float(np.sum(u * out))

    loss_of(x)

    @tf.function
    def grad(x, *rest):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(fn(x, *rest) * tf.constant(u))
        return tape.gradient(loss, x)

    g = grad(tf.constant(x), *rest).numpy()
    d = np.random.default_rng(1).standard_normal(x.shape)
    eps = 1e-6
    numeric = (loss_of(x + eps * d) - loss_of(x - eps * d)) / (2 * eps)
    np.testing.assert_allclose(float(np.sum(g * d)), numeric, rtol=1e-6, atol=1e-8)
    return g


@pytest.mark.parametrize("key,values,x", CASES[::3])
def test_gradients_match_finite_differences(key, values, x):
    f = _traced(key, x, len(values))
    g = _fd_check(lambda x, *s: f(x, *s), x, *_scalars(values))
    mask = np.zeros_like(x)
    mask[key(*values)] = 1.0
    assert np.all(g[mask == 0] == 0)  # the cotangent lands in zeros of x's shape


def test_second_derivative_through_a_dynamic_slice():
    @tf.function
    def hess_diag(x, i):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(x[i:] ** 3)
            g = inner.gradient(y, x)
        return outer.gradient(g, x)

    x = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(hess_diag(tf.constant(x), tf.constant(2)).numpy(),
                               [0, 0, 18.0, 24.0])


def test_while_loop_reads_a_row_each_iteration():
    x = R.standard_normal((5, 3))

    def run(x):
        def body(k, acc):
            return k + 1, acc + x[k:k + 1] * tf.cast(k + 1, x.dtype)
        _, acc = tf.while_loop(lambda k, acc: k < tf.shape(x)[0], body,
                               (tf.constant(0), tf.zeros([1, 3], x.dtype)))
        return acc

    f = tf.function(run, input_signature=[tf.TensorSpec([None, 3], tf.float64)])
    want = np.sum(x * np.arange(1, 6)[:, None], axis=0, keepdims=True)
    np.testing.assert_allclose(f(tf.constant(x)).numpy(), want)
    g = _fd_check(f, x)
    np.testing.assert_allclose(g, np.random.default_rng(0).standard_normal((1, 3))
                               * np.arange(1, 6)[:, None])


def test_an_integer_index_out_of_range_raises_at_run_time():
    f = _traced(lambda i: (slice(None), i), X2, 1)
    for bad in (3, -4):
        with pytest.raises(InvalidArgumentError, match="out of bounds for axis 1"):
            f(tf.constant(X2), tf.constant(bad))
    g = _traced(lambda s: (slice(None, None, s),), X2, 1)
    with pytest.raises(InvalidArgumentError, match="step cannot be zero"):
        g(tf.constant(X2), tf.constant(0))


def test_bad_symbolic_indices_raise_clearly():
    f = tf.function(lambda x, i: x[i], input_signature=[tf.TensorSpec([None], tf.float32),
                                                        tf.TensorSpec([], tf.float32)])
    with pytest.raises(TypeError, match="scalar int tensors"):
        f.get_concrete_function()
    g = tf.function(lambda x, i: x[i, 2], input_signature=[
        tf.TensorSpec([None, 2], tf.float32), tf.TensorSpec([], tf.int32)])
    with pytest.raises(InvalidArgumentError, match="index 2 is out of bounds"):
        g.get_concrete_function()


def test_strided_slice_with_tensor_begin_end_strides():
    x = tf.constant(X3)

    @tf.function(input_signature=[tf.TensorSpec([None, None, 6], tf.float64),
                                  tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32)])
    def f(x, i, j):
        begin = tf.stack([i, 0, j])
        end = tf.stack([i + 2, 0, tf.shape(x)[2]])
        return tf.strided_slice(x, begin, end, [1, 1, -2], begin_mask=0, end_mask=0b100,
                                shrink_axis_mask=0b010)

    for i, j in [(1, 5), (-2, 3), (3, 9)]:
        np.testing.assert_array_equal(f(x, tf.constant(i), tf.constant(j)).numpy(),
                                      X3[i:i + 2, 0, j::-2])
    np.testing.assert_array_equal(
        tf.strided_slice(x, [1, 1], [3, 4], [1, 2]).numpy(), X3[1:3, 1:4:2])


def test_slice_with_tensor_begin_and_size():
    x = tf.constant(X2)
    sig = [tf.TensorSpec([None, 3], tf.float64), tf.TensorSpec([], tf.int32),
           tf.TensorSpec([], tf.int32)]
    f = tf.function(lambda x, b, s: tf.slice(x, [b, 1], [s, -1]), input_signature=sig)
    for b, s in [(0, 5), (2, 2), (3, -1), (5, 0)]:
        stop = 5 if s == -1 else b + s
        np.testing.assert_array_equal(f(x, tf.constant(b), tf.constant(s)).numpy(),
                                      X2[b:stop, 1:])
    for b, s in [(-1, 1), (2, 4), (6, -1), (1, -2)]:
        with pytest.raises(InvalidArgumentError, match="slice: begin"):
            f(x, tf.constant(b), tf.constant(s))
    h = tf.function(lambda x, b: tf.slice(x, tf.stack([b, 0]), [2, 3]),
                    input_signature=sig[:2])
    np.testing.assert_array_equal(h(x, tf.constant(1)).numpy(), X2[1:3])
    _fd_check(f, X2, tf.constant(1), tf.constant(3))


def test_python_ints_keep_the_static_primitive():
    f = tf.function(lambda x: x[1:3, -1], input_signature=[tf.TensorSpec([None, 3])])
    text = str(f.get_concrete_function().graph)
    assert "strided_slice[" in text and "dynamic" not in text
    x = tf.reshape(tf.range(12), [4, 3])
    np.testing.assert_array_equal(x[tf.constant(1):tf.constant(3)].numpy(),
                                  np.arange(12).reshape(4, 3)[1:3])

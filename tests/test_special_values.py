"""Values at nan, inf, -0.0 and zeros, against TF 2.21's answers (issue 11, points 3 and 7):
relu6, hard_sigmoid, softmax / log_softmax, floordiv / floormod, the cumprod gradient, and
clip_by_value's shape check."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras

NAN, INF = np.nan, np.inf


def _grad(f, x):
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.reduce_sum(f(t))
    return tape.gradient(y, t).numpy()


def test_relu6_passes_nan_on_and_has_tf_gradient():
    x = np.array([NAN, -INF, -1.0, 0.0, 3.0, 6.0, 8.0, INF], np.float32)
    np.testing.assert_array_equal(tf.nn.relu6(x).numpy(), [NAN, 0, 0, 0, 3, 6, 6, 6])
    g = _grad(tf.nn.relu6, np.array([-1.0, 0.0, 3.0, 6.0, 8.0]))
    np.testing.assert_array_equal(g, [0, 0, 1, 0, 0])  # 1 strictly inside (0, 6)
    assert tf.nn.relu6(tf.constant([-2, 3, 9])).numpy().tolist() == [0, 3, 6]


def test_hard_sigmoid_is_keras3():
    x = tf.constant([-4.0, -3.0, -1.0, 0.0, 1.0, 3.0, NAN])
    want = [0, 0, 1 / 3, 0.5, 2 / 3, 1, NAN]  # relu6(x + 3) / 6, TF 2.21 / Keras 3
    np.testing.assert_allclose(keras.activations.hard_sigmoid(x).numpy(), want, rtol=1e-6)
    layer = keras.layers.Dense(1, activation="hard_sigmoid", kernel_initializer="ones",
                               use_bias=False)
    np.testing.assert_allclose(layer(tf.constant([[-1.0]])).numpy(), [[1 / 3]], rtol=1e-6)


ROWS = [[1.0, NAN, 2.0], [NAN, NAN, NAN], [INF, 1.0, 2.0], [INF, INF, 1.0],
        [-INF, -INF, -INF], [-INF, 1.0, 2.0], [1.0, 2.0, 3.0]]


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_softmax_of_a_row_with_nan_or_inf_is_nan(dtype):
    # TF 2.21 (its Eigen kernels): a nan or +inf anywhere makes the whole row nan; -inf
    # elements get probability 0 (log-probability -inf) unless the whole row is -inf.
    x = tf.constant(ROWS, dtype)
    sm, lsm = tf.nn.softmax(x).numpy(), tf.nn.log_softmax(x).numpy()
    assert np.isnan(sm[:5]).all() and np.isnan(lsm[:5]).all()
    np.testing.assert_allclose(sm[5], [0, 0.26894142, 0.73105858], rtol=1e-6)
    np.testing.assert_allclose(lsm[5], [-INF, -1.31326169, -0.31326169], rtol=1e-6)
    np.testing.assert_allclose(sm[6], [0.09003057, 0.24472847, 0.66524096], rtol=1e-6)


# TF 2.21's answers (float32 and float64 alike): x, y, floordiv, floormod. A zero
# remainder keeps x's sign (fmod), where NumPy's mod gives y's.
FLOOR_TABLE = [
    (INF, 2.0, INF, NAN), (-INF, 2.0, -INF, NAN), (INF, -2.0, -INF, NAN),
    (5.0, INF, 0.0, 5.0), (-5.0, INF, -0.0, INF), (5.0, -INF, -0.0, -INF),
    (-5.0, -INF, 0.0, -5.0), (0.0, 3.0, 0.0, 0.0), (-0.0, 3.0, -0.0, -0.0),
    (0.0, -3.0, -0.0, 0.0), (-0.0, -3.0, 0.0, -0.0), (NAN, 1.0, NAN, NAN),
    (1.0, NAN, NAN, NAN), (INF, INF, NAN, NAN), (3.0, 0.0, INF, NAN), (-3.0, 0.0, -INF, NAN),
    (0.0, 0.0, NAN, NAN), (-6.0, 3.0, -2.0, -0.0), (6.0, -3.0, -2.0, 0.0),
    (-6.0, -3.0, 2.0, -0.0), (7.5, 2.5, 3.0, 0.0), (-7.0, 2.0, -4.0, 1.0),
    (7.0, -2.0, -4.0, -1.0), (1.0, 0.1, 10.0, 0.1),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_floordiv_and_floormod_match_tf(dtype):
    x, y, fd, fm = (np.array(c, dtype) for c in zip(*FLOOR_TABLE))
    got_fd = tf.math.floordiv(x, y).numpy()
    got_fm = tf.math.floormod(x, y).numpy()
    rows = [(a, b) for a, b in zip(x, y)]
    for got, want, what in ((got_fd, fd, "floordiv"), (got_fm, fm, "floormod")):
        np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=f"{what} of {rows}")
        np.testing.assert_array_equal(np.signbit(got[~np.isnan(want)]),
                                      np.signbit(want[~np.isnan(want)]),
                                      err_msg=f"{what}: sign of zero or inf")
    # the operators too
    np.testing.assert_array_equal((tf.constant(x) // tf.constant(y)).numpy(), got_fd)
    np.testing.assert_array_equal((tf.constant(x) % tf.constant(y)).numpy(), got_fm)
    assert (tf.constant([INF], dtype) // 2.0).numpy()[0] == INF


def test_integer_floordiv_and_floormod_keep_floor_semantics():
    x, y = tf.constant([7, -7, 7, -7]), tf.constant([2, 2, -2, -2])
    assert tf.math.floordiv(x, y).numpy().tolist() == [3, -4, -4, 3]
    assert tf.math.floormod(x, y).numpy().tolist() == [1, 1, -1, -1]


def _fd_grad(f, x, eps=1e-6):
    out = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        out[i] = (np.sum(f(x + d)) - np.sum(f(x - d))) / (2 * eps)
    return out


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumprod_gradient_is_exact_at_zeros(exclusive, reverse):
    x = np.array([[2.0, 0.0, 3.0, 0.0, 5.0, -1.5],
                  [0.0, 1.5, -2.0, 4.0, 0.5, 3.0],
                  [1.5, 2.0, 0.0, 0.5, -1.0, 2.0]])
    w = np.random.default_rng(3).standard_normal(x.shape)

    def f(v):
        return tf.math.cumprod(v, axis=1, exclusive=exclusive, reverse=reverse) * w
    got = _grad(f, x)
    want = _fd_grad(lambda v: f(tf.constant(v)).numpy(), x)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_cumprod_second_derivative_is_exact_at_zeros():
    x = np.array([2.0, 0.0, 3.0, -1.5, 0.0, 1.2])
    w = np.linspace(-1.0, 1.0, x.size)

    def grad(v):
        t = tf.constant(v)
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = tf.reduce_sum(tf.math.cumprod(t, exclusive=True) * w)
        return tape.gradient(y, t)
    t = tf.constant(x)
    with tf.GradientTape() as outer:
        outer.watch(t)
        with tf.GradientTape() as inner:
            inner.watch(t)
            y = tf.reduce_sum(tf.math.cumprod(t, exclusive=True) * w)
        s = tf.reduce_sum(inner.gradient(y, t) * w)
    want = _fd_grad(lambda v: grad(v).numpy() * w, x)
    np.testing.assert_allclose(outer.gradient(s, t).numpy(), want, rtol=1e-6, atol=1e-6)


def test_cumprod_gradient_with_an_unknown_axis_size():
    x = np.array([[2.0, 0.0, 3.0, 0.0, 5.0], [1.5, -2.0, 0.5, 0.0, 3.0]])

    @tf.function(input_signature=[tf.TensorSpec([2, None], tf.float64)])
    def grad(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = tf.reduce_sum(tf.math.cumprod(t, axis=1, reverse=True) * t)
        return tape.gradient(y, t)
    want = _fd_grad(lambda v: tf.math.cumprod(v, axis=1, reverse=True).numpy() * v, x)
    np.testing.assert_allclose(grad(tf.constant(x)).numpy(), want, rtol=1e-6, atol=1e-6)


def test_cumprod_gradient_example():
    # TF 2.21 divides by x and gives [1, 0, 0, 0, 0] here; d/dx1 is really 2 + 2*3 = 8
    g = _grad(tf.math.cumprod, np.array([2.0, 0.0, 3.0, 0.0, 5.0]))
    np.testing.assert_allclose(g, [1.0, 8.0, 0.0, 0.0, 0.0])


def test_max_pool_gradient_of_an_all_minus_inf_window_reaches_the_input():
    # SAME padding is -inf too: the window's first element, not the padding, gets the
    # gradient (TF: [4, 0, 0, 0])
    x = np.full((1, 2, 2, 1), -INF)
    g = _grad(lambda t: tf.nn.max_pool2d(t, 3, 1, "SAME"), x)
    np.testing.assert_array_equal(g.ravel(), [4, 0, 0, 0])


@pytest.mark.parametrize("lo,hi", [(np.zeros((3, 2)), 1.0), (0.0, np.ones((3, 2))),
                                   (np.zeros((3, 1)), 1.0)])
def test_clip_by_value_rejects_bounds_that_broadcast_t(lo, hi):
    t = tf.constant([[0.5, 2.0]]) if np.shape(lo) == (3, 1) else tf.constant([0.5, 2.0])
    with pytest.raises(ValueError, match=r"clip_by_value: .*shape \[3, 2\].*broadcast_to"):
        tf.clip_by_value(t, lo, hi)
    f = tf.function(lambda a: tf.clip_by_value(a, lo, hi))
    with pytest.raises(ValueError, match="clip_by_value"):
        f(t)


def test_clip_by_value_accepts_bounds_that_broadcast_to_t():
    t = tf.constant([[-2.0, 0.5], [3.0, 0.2]])
    got = tf.clip_by_value(t, tf.constant([0.0, 0.3]), 1.0)
    np.testing.assert_allclose(got.numpy(), [[0.0, 0.5], [1.0, 0.3]])
    assert tf.clip_by_value(keras.Input((2,)), tf.zeros([2]), 1.0).shape.as_list() == [None, 2]


def test_compiled_graphs_are_as_quiet_as_eager_ops():
    import warnings
    f = tf.function(lambda x: (tf.nn.log_softmax(x), 1.0 / x))
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("always")
        # ember's own filter (ember/__init__.py), which pytest's per-test filters replace
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ember\.")
        f(tf.constant([[INF, 1.0], [0.0, 1.0]]))
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], (
        [str(w.message) for w in caught])

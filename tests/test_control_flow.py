"""cond, case, switch_case and while_loop: eager, traced, and their gradients."""

import numpy as np
import pytest

import ember as tf
from ember.core.registry import PRIMITIVES


def test_higher_order_primitives_are_the_control_flow_ones():
    assert sorted(n for n, p in PRIMITIVES.items() if p.higher_order and not p.effect) == [
        "cond", "while_grad", "while_loop"]


def test_cond_eager_runs_one_branch():
    calls = []
    out = tf.cond(tf.constant(False), lambda: calls.append("t") or tf.constant(1.0),
                  lambda: calls.append("f") or tf.constant(2.0))
    assert float(out) == 2.0 and calls == ["f"]


@tf.function
def _piecewise(x):
    return tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x)


def test_cond_traced_picks_at_run_time_with_one_trace():
    np.testing.assert_array_equal(_piecewise(tf.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(_piecewise(tf.constant([-1.0, -2.0])).numpy(), [1.0, 2.0])
    assert _piecewise.experimental_get_tracing_count() == 1
    text = str(_piecewise.get_concrete_function(tf.TensorSpec([2])).graph)
    assert "cond" in text


def test_cond_branch_errors():
    @tf.function
    def bad_dtype(x):
        return tf.cond(x > 0, lambda: x, lambda: tf.constant(1))
    with pytest.raises(TypeError, match="different dtypes"):
        bad_dtype(tf.constant(1.0))

    @tf.function
    def bad_structure(x):
        return tf.cond(x > 0, lambda: (x, x), lambda: x)
    with pytest.raises(ValueError, match="different structures"):
        bad_structure(tf.constant(1.0))
    with pytest.raises(TypeError, match="callables"):
        tf.cond(tf.constant(True), 1, 2)


def test_cond_assigns_variables_in_a_branch():
    v = tf.Variable(0.0)

    @tf.function
    def f(x):
        tf.cond(x > 0, lambda: v.assign_add(x) and tf.constant(0.0), lambda: tf.constant(0.0))
        return v + 0.0
    assert float(f(tf.constant(2.0))) == 2.0
    assert float(f(tf.constant(-5.0))) == 2.0
    assert float(f(tf.constant(1.0))) == 3.0 and float(v) == 3.0


def test_case_and_switch_case_eager_and_traced():
    def sign(x):
        return tf.case([(x < 0, lambda: tf.constant(-1)), (x > 0, lambda: tf.constant(1))],
                       default=lambda: tf.constant(0))
    traced = tf.function(sign)
    for v, want in [(-3.0, -1), (0.0, 0), (2.0, 1)]:
        assert int(sign(tf.constant(v))) == want and int(traced(tf.constant(v))) == want

    def pick(i):
        return tf.switch_case(i, [lambda: tf.constant(10), lambda: tf.constant(20),
                                  lambda: tf.constant(30)])
    traced_pick = tf.function(pick)
    for i, want in [(0, 10), (2, 30), (7, 30)]:
        assert int(pick(tf.constant(i))) == want
        assert int(traced_pick(tf.constant(i))) == want


def test_while_loop_eager_and_traced():
    def collatz_steps(n):
        def body(n, steps):
            n = tf.where(n % 2 == 0, n // 2, 3 * n + 1)
            return n, steps + 1
        return tf.while_loop(lambda n, s: n > 1, body, (n, tf.constant(0)))[1]
    traced = tf.function(collatz_steps)
    for n, want in [(6, 8), (27, 111), (1, 0)]:
        assert int(collatz_steps(tf.constant(n))) == want
        assert int(traced(tf.constant(n))) == want
    assert traced.experimental_get_tracing_count() == 1


def test_while_loop_maximum_iterations_and_shape_invariants():
    out = tf.while_loop(lambda i: i < 100, lambda i: i + 1, [tf.constant(0)],
                        maximum_iterations=5)
    assert int(out[0]) == 5

    @tf.function
    def grow(n):
        return tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, tf.concat([v, [i]], 0)),
                             (tf.constant(0), tf.zeros([0], tf.int32)),
                             shape_invariants=(tf.TensorShape([]), tf.TensorShape([None])))[1]
    assert grow(tf.constant(4)).numpy().tolist() == [0, 1, 2, 3]

    @tf.function
    def no_invariant(n):
        return tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, tf.concat([v, [i]], 0)),
                             (tf.constant(0), tf.zeros([0], tf.int32)))[1]
    with pytest.raises(ValueError, match="shape_invariants"):
        no_invariant(tf.constant(3))


def test_while_loop_captures_outer_values():
    @tf.function
    def scaled_sum(x, k):
        return tf.while_loop(lambda i, acc: i < 3, lambda i, acc: (i + 1, acc + x * k),
                             (tf.constant(0), tf.zeros_like(x)))[1]
    np.testing.assert_allclose(scaled_sum(tf.constant([1.0, 2.0]), tf.constant(2.0)).numpy(),
                               [6.0, 12.0])


def test_gradients_through_cond_match_eager():
    w = tf.Variable(3.0)

    def f(x):
        return tf.cond(x > 0, lambda: w * x * x, lambda: w * tf.sin(x))
    traced = tf.function(f)
    for x0 in (2.0, -1.0):
        x = tf.constant(x0)
        results = []
        for fn in (f, traced):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = fn(x)
            results.append([float(g) for g in tape.gradient(y, [x, w])])
        np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


def test_gradient_tape_inside_function_through_cond():
    @tf.function
    def grad_of_branchy(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.cond(x > 0, lambda: x ** 3, lambda: -x)
        return tape.gradient(y, x)
    assert float(grad_of_branchy(tf.constant(2.0))) == 12.0
    assert float(grad_of_branchy(tf.constant(-2.0))) == -1.0


def test_gradient_through_a_traced_while_loop_on_a_tape():
    @tf.function
    def repeated_square(x):
        return tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * y),
                             (tf.constant(0), x))[1]
    x = tf.constant(1.5, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = repeated_square(x)
    assert float(y) == pytest.approx(1.5 ** 8)
    assert float(tape.gradient(y, x)) == pytest.approx(8 * 1.5 ** 7)


def test_gradient_tape_inside_function_through_while_loop():
    def f(x, w):
        with tf.GradientTape() as tape:
            tape.watch(x)
            _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, tf.sin(y) * w),
                                 (tf.constant(0), x))
            loss = tf.reduce_sum(y)
        return tape.gradient(loss, [x, w])
    traced = tf.function(f)
    x = tf.constant([0.3, -1.2], tf.float64)
    w = tf.Variable(1.7, dtype=tf.float64)
    eager = f(x, w)
    got = traced(x, w)
    for a, b in zip(eager, got):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    # against finite differences too
    def value(x0):
        return float(tf.reduce_sum(tf.while_loop(
            lambda i, y: i < 3, lambda i, y: (i + 1, tf.sin(y) * w), (tf.constant(0),
                                                                      tf.constant(x0)))[1]))
    eps = 1e-6
    for k in range(2):
        d = np.zeros(2)
        d[k] = eps
        fd = (value(x.numpy() + d) - value(x.numpy() - d)) / (2 * eps)
        assert got[0].numpy()[k] == pytest.approx(fd, rel=1e-6)


def test_traced_while_gradient_through_a_state_that_grows_each_iteration():
    # out gains a row per iteration (shape invariant [None, 3], initial [0, 3]): the body's
    # gradient must split each iteration's cotangent by that iteration's size
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float64)])
    def grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            n = tf.shape(x)[0]

            def body(i, out):
                return i + 1, tf.concat([out, tf.sin(tf.gather(x, i))[None] * 2.0], 0)

            _, out = tf.while_loop(lambda i, o: i < n, body,
                                   [tf.constant(0), tf.zeros([0, 3], tf.float64)],
                                   shape_invariants=[tf.TensorShape([]),
                                                     tf.TensorShape([None, 3])])
            total = tf.reduce_sum(out * out)
        return tape.gradient(total, x)

    x0 = np.random.default_rng(5).standard_normal((4, 3))
    want = 2.0 * (2.0 * np.sin(x0)) * 2.0 * np.cos(x0)  # d/dx of (2 sin x)^2
    np.testing.assert_allclose(grad(tf.constant(x0)).numpy(), want, rtol=1e-12)


def test_a_variable_captured_by_a_traced_while_body():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def f(x):
        n = tf.shape(x)[0]
        body = lambda i, a: (i + 1, a + tf.reduce_sum(tf.matmul(tf.gather(x, [i]), w)))  # noqa: E731
        return tf.while_loop(lambda i, a: i < n, body, [tf.constant(0), tf.constant(0.0)])[1]

    assert float(f(np.ones((3, 2), np.float32))) == 30.0
    w.assign([[0.0, 0.0], [0.0, 1.0]])  # read at run time, not frozen at trace time
    assert float(f(np.ones((3, 2), np.float32))) == 3.0

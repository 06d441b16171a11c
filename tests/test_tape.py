"""GradientTape: every documented behaviour, checked against closed forms."""

import warnings

import numpy as np
import pytest

import ember as tf


def test_trainable_variables_are_watched_on_read():
    w = tf.Variable([1.0, 2.0])
    frozen = tf.Variable([3.0, 4.0], trainable=False)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(w * frozen)
    gw, gf = tape.gradient(y, [w, frozen])
    np.testing.assert_allclose(gw.numpy(), [3.0, 4.0])
    assert gf is None
    watched = tape.watched_variables()
    assert len(watched) == 1 and watched[0] is w


def test_watch_accessed_variables_false_and_explicit_watch():
    w = tf.Variable(2.0)
    x = tf.constant(3.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x)
        y = w * x * x
    gw, gx = tape.gradient(y, [w, x])
    assert gw is None and float(gx) == pytest.approx(12.0)


def test_sources_as_nested_structure():
    a = tf.Variable(1.0)
    b = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = a * 3.0 + tf.reduce_sum(b * b)
    g = tape.gradient(y, {"a": a, "rest": [b]})
    assert set(g) == {"a", "rest"} and float(g["a"]) == 3.0
    np.testing.assert_allclose(g["rest"][0].numpy(), [2.0, 4.0])


def test_non_persistent_tape_only_once_and_persistent_many():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x ** 3
    assert float(tape.gradient(y, x)) == 12.0
    with pytest.raises(RuntimeError, match="persistent=True"):
        tape.gradient(y, x)
    with tf.GradientTape(persistent=True) as tape:
        y = x ** 3
        z = x * 5.0
    assert float(tape.gradient(y, x)) == 12.0 and float(tape.gradient(z, x)) == 5.0


def test_stop_recording_and_stop_gradient():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x
        with tape.stop_recording():
            z = x * x  # not recorded
        w = y + tf.stop_gradient(x * 10.0)
    assert float(tape.gradient(w, x)) == 6.0
    with tf.GradientTape() as tape:
        with tape.stop_recording():
            z = x * x
    assert tape.gradient(z, x) is None


def test_unconnected_gradients_none_and_zero():
    x = tf.Variable([1.0, 2.0])
    other = tf.Variable(5.0)
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(x)
    assert tape.gradient(y, other) is None
    z = tape.gradient(y, other, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert float(z) == 0.0
    z = tape.gradient(y, other, unconnected_gradients="zero")
    assert float(z) == 0.0


def test_output_gradients_and_multiple_targets():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        z = tf.reduce_sum(x)
    g = tape.gradient(y, x, output_gradients=tf.constant([10.0, 100.0]))
    np.testing.assert_allclose(g.numpy(), [20.0, 400.0])
    g = tape.gradient([y, z], x)  # several targets add up
    np.testing.assert_allclose(g.numpy(), [3.0, 5.0])


def test_integer_source_gives_none_with_warning():
    i = tf.constant(3)
    with tf.GradientTape() as tape:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tape.watch(i)
        y = tf.cast(i, tf.float32) * 2.0
    with pytest.warns(UserWarning, match="int32.*None"):
        g = tape.gradient(y, i)
    assert g is None


def test_nested_tapes_second_derivatives():
    x = tf.Variable(0.7, dtype=tf.float64)
    t = np.tanh(0.7)
    s = 1 / (1 + np.exp(-0.7))
    for fn, d1, d2 in [(tf.tanh, 1 - t * t, -2 * t * (1 - t * t)),
                       (tf.sigmoid, s * (1 - s), s * (1 - s) * (1 - 2 * s)),
                       (tf.exp, np.exp(0.7), np.exp(0.7))]:
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                y = fn(x)
            dy = inner.gradient(y, x)
        d2y = outer.gradient(dy, x)
        assert float(dy) == pytest.approx(d1, rel=1e-12)
        assert float(d2y) == pytest.approx(d2, rel=1e-12)


def test_second_derivative_of_variable_product():
    v = tf.Variable(3.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = v * v * v
        dy = t1.gradient(y, v)
    assert float(dy) == 27.0 and float(t2.gradient(dy, v)) == 18.0


def test_gradient_uses_the_value_read_not_a_later_assignment():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = v * v
        v.assign(100.0)
    assert float(tape.gradient(y, v)) == 4.0


def test_read_value_and_identity_are_recorded():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v.read_value() * 3.0) + tf.reduce_sum(tf.identity(v))
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), [4.0, 4.0])


def test_jacobian_and_batch_jacobian():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]], dtype=tf.float64)
    w = tf.constant([[1.0, -1.0, 0.5], [2.0, 0.0, 1.0]], dtype=tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.matmul(x, w) ** 2  # [2, 3]
    jac = tape.jacobian(y, x)
    assert jac.shape == (2, 3, 2, 2)
    xw = x.numpy() @ w.numpy()
    want = np.zeros((2, 3, 2, 2))
    for b in range(2):
        for j in range(3):
            want[b, j, b, :] = 2 * xw[b, j] * w.numpy()[:, j]
    np.testing.assert_allclose(jac.numpy(), want)
    bj = tape.batch_jacobian(y, x)
    assert bj.shape == (2, 3, 2)
    np.testing.assert_allclose(bj.numpy(), np.stack([want[b, :, b, :] for b in range(2)]))


def test_custom_gradient():
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(upstream):
            return upstream * (1 - 1 / (1 + e))
        return tf.math.log(1 + e), grad

    x = tf.constant(100.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    assert float(tape.gradient(y, x)) == 1.0  # the naive gradient would be nan
    assert float(log1pexp(tf.constant(0.0))) == pytest.approx(np.log(2.0))


def test_custom_gradient_with_variables():
    w = tf.Variable(2.0)

    @tf.custom_gradient
    def scale(x):
        def grad(upstream, variables=None):
            return upstream * w, [upstream * x * 10.0]
        return x * w, grad

    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = scale(x)
    gx, gw = tape.gradient(y, [x, w])
    assert float(gx) == 2.0 and float(gw) == 30.0


def test_reverse_walk_handles_a_10000_op_chain():
    x = tf.Variable(1.0, dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = x
        for _ in range(10_000):
            y = y * 1.0001
    assert float(tape.gradient(y, x)) == pytest.approx(1.0001 ** 10_000, rel=1e-9)


def test_tf_conventions_at_kinks():
    x = tf.constant([0.0, 1.0, 1.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        a = tf.reduce_sum(tf.abs(x))
        m = tf.reduce_max(x)
        mx = tf.reduce_sum(tf.maximum(x, 1.0))
    np.testing.assert_array_equal(tape.gradient(a, x).numpy(), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(tape.gradient(m, x).numpy(), [0.0, 0.5, 0.5])
    np.testing.assert_array_equal(tape.gradient(mx, x).numpy(), [0.0, 1.0, 1.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        s = tf.reduce_sum(tf.sign(x))
        f = tf.reduce_sum(tf.floor(x))
    # as TF: sign has a zero gradient, floor none
    np.testing.assert_array_equal(tape.gradient(s, x).numpy(), [0.0, 0.0, 0.0])
    assert tape.gradient(f, x) is None


def test_tape_reset_and_errors():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        x * 2.0  # recorded, then forgotten by reset()
        tape.reset()
        z = x * 3.0
    assert float(tape.gradient(z, x)) == 3.0
    with pytest.raises(ValueError, match="watch"):
        tf.GradientTape().watch("not a tensor")


def test_linear_classifier_from_scratch_reaches_97_percent():
    rng = np.random.default_rng(0)
    n = 1000
    a = rng.normal([-2.0, -2.0], 1.0, (n, 2))
    b = rng.normal([2.0, 2.0], 1.0, (n, 2))
    x = tf.constant(np.concatenate([a, b]).astype(np.float32))
    y = tf.constant(np.concatenate([np.zeros(n), np.ones(n)]).astype(np.float32)[:, None])
    w = tf.Variable(tf.zeros([2, 1]))
    bias = tf.Variable(tf.zeros([1]))
    for _ in range(100):
        with tf.GradientTape() as tape:
            logits = tf.matmul(x, w) + bias
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y,
                                                                          logits=logits))
        gw, gb = tape.gradient(loss, [w, bias])
        w.assign_sub(0.5 * gw)
        bias.assign_sub(0.5 * gb)
    pred = tf.cast(tf.matmul(x, w) + bias > 0, tf.float32)
    accuracy = float(tf.reduce_mean(tf.cast(tf.equal(pred, y), tf.float32)))
    assert accuracy >= 0.97


def test_recompute_grad_matches_the_plain_gradient():
    w = tf.Variable([[0.5, -1.0], [2.0, 0.3]], dtype=tf.float64)

    def block(x):
        return tf.tanh(tf.matmul(x, w)) * x

    x = tf.constant([[0.2, -0.4]], dtype=tf.float64)
    results = []
    for fn in (block, tf.recompute_grad(block)):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(fn(x) ** 2)
        results.append(tape.gradient(y, [x, w]))
    for a, b in zip(*results):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_read_after_assign_is_a_read_of_the_variable_traced_as_eagerly():
    """TF: a Variable read after an assign is a new read: the tape sees the Variable, not
    the computation that was assigned; ember.function gives what eager execution gives."""
    v = tf.Variable(1.0)

    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            v.assign(x * 3.0)
            y = v * 2.0 + v
        return tape.gradient(y, [x, v])

    for run in (f, tf.function(f)):
        gx, gv = run(tf.constant(2.0))
        assert gx is None and float(gv) == 3.0
        assert float(v) == 6.0

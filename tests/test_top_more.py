"""TF's top-level ops of issue 18 (ember/ops/top_*.py, ember/prims/top_more.py)."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.core.errors import InvalidArgumentError


def _fd(f, x, eps=1e-6):
    """Central finite differences of scalar f at float64 array x."""
    x = np.asarray(x, np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


def _grad(f, x):
    x = tf.constant(np.asarray(x, np.float64))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x).numpy()


# -- arithmetic -------------------------------------------------------------------------

def test_truncated_division_matches_c():
    a = np.array([-7, 7, -6, 7, -1, 0], np.int32)
    b = np.array([2, -2, 2, 2, 3, -5], np.int32)
    np.testing.assert_array_equal(tf.truncatediv(a, b).numpy(), np.trunc(a / b).astype(np.int32))
    np.testing.assert_array_equal(tf.truncatemod(a, b).numpy(), np.fmod(a, b))
    np.testing.assert_allclose(tf.truncatemod(-7.5, 2.0).numpy(), -1.5)
    np.testing.assert_allclose(tf.realdiv(tf.constant([7.0]), 2.0).numpy(), [3.5])
    with pytest.raises(tf.errors.DTypeError):
        tf.realdiv(tf.constant([7]), tf.constant([2]))


def test_saturate_cast_and_scalar_mul():
    np.testing.assert_array_equal(
        tf.saturate_cast(tf.constant([300.0, -5.0, 3e10, -3e10]), tf.int32).numpy(),
        [300, -5, 2147483520, -2147483648])
    np.testing.assert_array_equal(tf.saturate_cast(tf.constant([300, -5]), tf.uint8).numpy(),
                                  [255, 0])
    np.testing.assert_allclose(tf.scalar_mul(2.0, tf.constant([1.0, 2.0])).numpy(), [2, 4])
    with pytest.raises(InvalidArgumentError):
        tf.scalar_mul(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0]))


# -- shapes -----------------------------------------------------------------------------

def test_ensure_shape_eager_and_in_graphs():
    assert tf.ensure_shape(tf.zeros([2, 3]), [None, 3]).shape == (2, 3)
    with pytest.raises(InvalidArgumentError, match="not compatible"):
        tf.ensure_shape(tf.zeros([3]), [2])

    @tf.function
    def f(x):
        y = tf.ensure_shape(x, [None, 3])
        assert y.shape.as_list() == [None, 3]  # refined static shape
        return y

    cf = f.get_concrete_function(tf.TensorSpec([None, None]))
    assert cf is not None
    assert f(tf.zeros([4, 3])).shape == (4, 3)
    with pytest.raises(InvalidArgumentError, match="not compatible"):
        f(tf.zeros([2, 4]))
    np.testing.assert_allclose(_grad(lambda t: tf.reduce_sum(tf.ensure_shape(t, [2]) ** 2),
                                     [1.0, 2.0]), [2.0, 4.0])


def test_static_values_and_broadcast_shapes():
    assert tf.get_static_value(tf.constant([1, 2])).tolist() == [1, 2]
    assert tf.get_static_value(tf.Variable(1.0)) is None
    assert tf.broadcast_static_shape(tf.TensorShape([2, 1, 3]),
                                     tf.TensorShape([4, 1])).as_list() == [2, 4, 3]
    with pytest.raises(ValueError):
        tf.broadcast_static_shape(tf.TensorShape([2]), tf.TensorShape([3]))
    assert tf.broadcast_dynamic_shape([2, 1, 3], [4, 1]).numpy().tolist() == [2, 4, 3]
    assert [s.numpy().tolist() for s in tf.shape_n([tf.zeros([2, 3]), tf.zeros([4])])] == \
        [[2, 3], [4]]

    @tf.function
    def g(a, b):
        return tf.broadcast_dynamic_shape(tf.shape(a), tf.shape(b)), tf.get_static_value(a)

    shp, static = g(tf.zeros([2, 1]), tf.zeros([3]))
    assert shp.numpy().tolist() == [2, 3]


def test_unravel_index_matches_numpy():
    idx = np.array([0, 22, 41, 37], np.int32)
    np.testing.assert_array_equal(tf.unravel_index(idx, [7, 6]).numpy(),
                                  np.stack(np.unravel_index(idx, (7, 6))))
    with pytest.raises(InvalidArgumentError):
        tf.unravel_index([42], [7, 6])


def test_reverse_sequence_and_its_gradient():
    x = np.arange(24, dtype=np.float64).reshape(2, 4, 3)
    lens = np.array([3, 1])
    out = tf.reverse_sequence(x, lens, seq_axis=1, batch_axis=0).numpy()
    want = x.copy()
    for b, n in enumerate(lens):
        want[b, :n] = x[b, :n][::-1]
    np.testing.assert_array_equal(out, want)
    out2 = tf.reverse_sequence(np.transpose(x, (1, 0, 2)), lens, seq_axis=0, batch_axis=1)
    np.testing.assert_array_equal(out2.numpy(), np.transpose(want, (1, 0, 2)))
    w = np.random.default_rng(0).standard_normal(x.shape)
    f = lambda t: tf.reduce_sum(tf.reverse_sequence(t, lens, seq_axis=1) * w)  # noqa: E731
    np.testing.assert_allclose(_grad(f, x), _fd(lambda a: float(f(tf.constant(a))), x),
                               atol=1e-6)


def test_histograms_match_numpy():
    v = np.random.default_rng(1).uniform(-2, 7, 200)
    got = tf.histogram_fixed_width(v, [0.0, 5.0], nbins=5).numpy()
    want = np.histogram(np.clip(v, 0, 5 - 1e-9), bins=5, range=(0, 5))[0]
    np.testing.assert_array_equal(got, want)
    bins = tf.histogram_fixed_width_bins([-1.0, 0.0, 1.5, 2.0, 5.0, 15], [0.0, 5.0], nbins=5)
    assert bins.numpy().tolist() == [0, 0, 1, 2, 4, 4]


def test_identity_like_ops():
    a, b = tf.identity_n([tf.constant(1), tf.constant([2.0])])
    assert int(a) == 1 and b.numpy().tolist() == [2.0]
    assert tf.tuple([tf.constant(1.0), None])[1] is None
    assert float(tf.guarantee_const(tf.constant(3.0))) == 3.0
    assert tf.parallel_stack([tf.constant([1, 2]), tf.constant([3, 4])]).numpy().tolist() == \
        [[1, 2], [3, 4]]


# -- loops ------------------------------------------------------------------------------

def test_scan_fold_eager_and_traced():
    x = tf.constant([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(tf.scan(lambda a, e: a + e, x).numpy(), np.cumsum(x.numpy()))
    np.testing.assert_allclose(tf.scan(lambda a, e: a * e, x, reverse=True).numpy(),
                               [24, 24, 12, 4])
    np.testing.assert_allclose(tf.scan(lambda a, e: a + e, x, initializer=10.0).numpy(),
                               [11, 13, 16, 20])
    assert float(tf.foldl(lambda a, e: a - e, x)) == -8.0
    assert float(tf.foldr(lambda a, e: a - e, x)) == -2.0
    # a structured accumulator
    s, c = tf.scan(lambda a, e: (a[0] + e, a[1] * e), x, initializer=(0.0, 1.0))
    np.testing.assert_allclose(c.numpy(), np.cumprod(x.numpy()))

    @tf.function
    def f(v):
        return (tf.scan(lambda a, e: a * e, v, initializer=tf.constant(1.0)),
                tf.foldl(lambda a, e: a + e, v), tf.foldr(lambda a, e: a - e, v),
                tf.scan(lambda a, e: a + e, v, reverse=True))

    f.get_concrete_function(tf.TensorSpec([None]))  # unknown length: while_loop
    for got, want in zip(f(x), [np.cumprod(x.numpy()), 10.0, -2.0, [10, 9, 7, 4]]):
        np.testing.assert_allclose(got.numpy(), want)


def test_scan_gradients_eager_and_traced():
    x0 = np.array([1.0, 2.0, 3.0])

    def f(t):
        return tf.reduce_sum(tf.scan(lambda a, e: a * e + tf.sin(e), t))

    want = _fd(lambda a: float(f(tf.constant(a))), x0)
    np.testing.assert_allclose(_grad(f, x0), want, rtol=1e-6)

    @tf.function
    def g(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = f(t)
        return tape.gradient(y, t)

    g.get_concrete_function(tf.TensorSpec([None], tf.float64))
    np.testing.assert_allclose(g(tf.constant(x0)).numpy(), want, rtol=1e-6)


def test_dynamic_partition_and_stitch_round_trip_with_gradients():
    data = np.arange(12, dtype=np.float64).reshape(6, 2)
    parts = np.array([1, 0, 2, 1, 0, 1], np.int32)
    outs = tf.dynamic_partition(data, parts, 3)
    for i, o in enumerate(outs):
        np.testing.assert_array_equal(o.numpy(), data[parts == i])
    idx = [np.flatnonzero(parts == i).astype(np.int32) for i in range(3)]
    back = tf.dynamic_stitch(idx, outs)
    np.testing.assert_array_equal(back.numpy(), data)
    assert tf.dynamic_stitch([[0, 2], [1, 2]], [[1.0, 2.0], [3.0, 4.0]]).numpy().tolist() == \
        [1.0, 3.0, 4.0]
    w = np.random.default_rng(2).standard_normal(data.shape)

    def f(t):
        ps = tf.dynamic_partition(t, parts, 3)
        return tf.reduce_sum(tf.dynamic_stitch(idx, [p * (k + 1) for k, p in enumerate(ps)]) * w)

    np.testing.assert_allclose(_grad(f, data), _fd(lambda a: float(f(tf.constant(a))), data),
                               atol=1e-6)

    @tf.function
    def h(i, d):
        return tf.dynamic_stitch([i], [d])

    assert h(tf.constant([2, 0]), tf.constant([5.0, 6.0])).numpy().tolist() == [6.0, 0.0, 5.0]


# -- space to batch -----------------------------------------------------------------------

def test_space_to_batch_round_trip_and_gradient():
    x = np.random.default_rng(3).standard_normal((2, 4, 6, 3))
    y = tf.space_to_batch_nd(x, [2, 3], [[1, 1], [0, 3]])
    assert y.shape == (12, 3, 3, 3)
    z = tf.batch_to_space(y, [2, 3], [[1, 1], [0, 3]])
    np.testing.assert_array_equal(z.numpy(), x)
    # TF's documented example: [1, 2, 2, 1] with block 2 -> [4, 1, 1, 1]
    small = np.arange(1, 5).reshape(1, 2, 2, 1)
    assert tf.space_to_batch(small, [2, 2], [[0, 0], [0, 0]]).numpy().ravel().tolist() == \
        [1, 2, 3, 4]
    w = np.random.default_rng(4).standard_normal((12, 3, 3, 3))
    f = lambda t: tf.reduce_sum(tf.space_to_batch(t, [2, 3], [[1, 1], [0, 3]]) * w)  # noqa
    x0 = x[:, :, :, :1].copy()
    w = w[..., :1]
    np.testing.assert_allclose(_grad(f, x0), _fd(lambda a: float(f(tf.constant(a))), x0),
                               atol=1e-6)
    with pytest.raises(InvalidArgumentError):
        tf.space_to_batch(x, [4, 4], [[0, 0], [0, 0]])
    p, c = tf.required_space_to_batch_paddings([5, 7], [2, 3], [[1, 0], [0, 1]])
    assert p.numpy().tolist() == [[1, 0], [0, 2]] and c.numpy().tolist() == [[0, 0], [0, 1]]


# -- gradients ----------------------------------------------------------------------------

def test_tf_gradients_and_hessians_in_functions():
    with pytest.raises(RuntimeError, match="eager execution is enabled"):
        tf.gradients(tf.constant(1.0), tf.constant(1.0))

    @tf.function
    def f(x, y):
        return tf.gradients(x * y + x, [x, y])

    assert [float(g) for g in f(tf.constant(2.0), tf.constant(5.0))] == [6.0, 2.0]
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def gv():
        return tf.gradients(tf.reduce_sum(v * v), v)[0]

    assert gv().numpy().tolist() == [2.0, 4.0]

    @tf.function
    def stop(x):
        a = x * 2.0
        y = a * x
        return (tf.gradients(y, x, stop_gradients=[a])[0],
                tf.gradients(y, x, grad_ys=tf.constant(3.0))[0],
                tf.gradients(tf.constant(1.0) + 0.0 * 0.0, x, unconnected_gradients="zero")[0])

    assert [float(t) for t in stop(tf.constant(3.0))] == [6.0, 36.0, 0.0]

    @tf.function
    def h(x):
        return tf.hessians(tf.reduce_sum(x ** 3) + x[0] * x[1], x)[0]

    np.testing.assert_allclose(h(tf.constant([1.0, 2.0])).numpy(), [[6, 1], [1, 12]])


def test_register_gradient_and_no_gradient():
    @tf.RegisterGradient("tanh")
    def _grad(op, grad):
        assert op.type == "tanh" and len(op.inputs) == 1
        return 2.0 * grad * (1.0 - op.outputs[0] ** 2)

    try:
        x = tf.constant(0.5)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.tanh(x)
        assert float(tape.gradient(y, x)) == pytest.approx(2 * (1 - np.tanh(0.5) ** 2))
        with pytest.raises(KeyError, match="Registering two gradient"):
            tf.RegisterGradient("tanh")(_grad)
    finally:
        del tf.RegisterGradient.registry()["tanh"]
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.tanh(x)
    assert float(tape.gradient(y, x)) == pytest.approx(1 - np.tanh(0.5) ** 2)
    tf.no_gradient("sin")
    try:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.sin(x) + x
        assert float(tape.gradient(y, x)) == 1.0
    finally:
        del tf.RegisterGradient.registry()["sin"]
    with pytest.raises(TypeError):
        tf.no_gradient(3)


def test_grad_pass_through():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.grad_pass_through(tf.round)(x * 1.3)
    assert float(y) == 3.0
    assert float(tape.gradient(y, x)) == pytest.approx(1.3)


# -- primitives ---------------------------------------------------------------------------

def test_random_index_shuffle_is_a_seeded_permutation():
    for m in (0, 1, 9, 100, 1023):
        p = tf.random_index_shuffle(tf.range(m + 1, dtype=tf.int64), [1, 2, 3], m).numpy()
        assert sorted(p.tolist()) == list(range(m + 1))
    a = tf.random_index_shuffle(tf.range(50), [4, 5, 6], 49).numpy()
    b = tf.random_index_shuffle(tf.range(50), [4, 5, 7], 49).numpy()
    assert not np.array_equal(a, b)
    assert int(tf.random_index_shuffle(tf.constant(3), [4, 5, 6], 49)) == a[3]
    assert tf.random_index_shuffle(tf.constant(3, tf.int64), [1, 2, 3], 9).dtype == tf.int64


def test_bitcast_matches_numpy_views():
    x = np.array([1.0, -2.5], np.float32)
    np.testing.assert_array_equal(tf.bitcast(x, tf.int32).numpy(), x.view(np.int32))
    np.testing.assert_array_equal(tf.bitcast(x, tf.uint8).numpy(),
                                  x.view(np.uint8).reshape(2, 4))
    np.testing.assert_array_equal(tf.bitcast(x.view(np.uint8).reshape(2, 4), tf.float32).numpy(), x)
    with pytest.raises(InvalidArgumentError):
        tf.bitcast(tf.constant([1, 2, 3], tf.uint8), tf.int32)


# -- misc ---------------------------------------------------------------------------------

def test_initializers_and_context_helpers():
    assert tf.constant_initializer([1, 2, 3, 4])([2, 2]).numpy().tolist() == [[1, 2], [3, 4]]
    assert tf.ones_initializer()([2], tf.int32).numpy().tolist() == [1, 1]
    assert tf.zeros_initializer()([2]).dtype == tf.float32
    a = tf.random_normal_initializer(seed=3)([50]).numpy()
    assert np.array_equal(a, tf.random_normal_initializer(seed=3)([50]).numpy())
    assert abs(a.std() - 0.05) < 0.02
    u = tf.random_uniform_initializer(0.0, 1.0, seed=1)([100]).numpy()
    assert u.min() >= 0 and u.max() < 1
    assert tf.get_logger().name == "ember"
    assert tf.timestamp().dtype == tf.float64
    with tf.name_scope("a"), tf.name_scope("b"):
        assert tf.get_current_name_scope() == "a/b"
    assert tf.get_current_name_scope() == ""
    assert not tf.inside_function() and not tf.is_symbolic_tensor(tf.constant(1))

    @tf.function
    def f(x):
        with tf.init_scope():
            eager = tf.executing_eagerly()
        return x, eager, tf.inside_function(), tf.is_symbolic_tensor(x)

    assert f(tf.constant(1.0))[1:] == (True, True, True)
    with pytest.raises(NotImplementedError):
        tf.fingerprint(tf.constant([1]))
    from ember.ops.top_more import OUT_OF_SCOPE
    assert "Graph" in OUT_OF_SCOPE and all(isinstance(v, str) for v in OUT_OF_SCOPE.values())


def test_edit_distance_over_sparse_tensors():
    h = tf.sparse.SparseTensor([[0, 0, 0], [1, 0, 0]], ["a", "b"], [2, 1, 1])
    t = tf.sparse.SparseTensor([[0, 1, 0], [1, 0, 0]], ["a", "b"], [2, 2, 1])
    d = tf.edit_distance(h, t)
    np.testing.assert_array_equal(d.numpy(), [[np.inf, 1.0], [0.0, 0.0]])
    h = tf.sparse.SparseTensor([[0, 0], [0, 1]], ["a", "b"], [1, 2])
    t = tf.sparse.SparseTensor([[0, 0], [0, 1], [0, 2]], ["a", "c", "b"], [1, 3])
    np.testing.assert_allclose(tf.edit_distance(h, t).numpy(), [1 / 3])
    np.testing.assert_allclose(tf.edit_distance(h, t, normalize=False).numpy(), [1.0])

"""IndexedSlices: the sparse gradient of a Variable read by gather (issue 18)."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras


def _table(rows=6, dim=3):
    return tf.Variable(np.arange(rows * dim, dtype=np.float32).reshape(rows, dim))


def test_gather_gradient_of_a_variable_is_indexed_slices():
    v = _table()
    ids = tf.constant([[0, 2], [2, 5]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(v, ids) * 2.0)
    g = tape.gradient(loss, v)
    assert isinstance(g, tf.IndexedSlices)
    assert g.values.shape == (4, 3) and g.dtype == tf.float32
    assert g.indices.numpy().tolist() == [0, 2, 2, 5]
    assert g.dense_shape.numpy().tolist() == [6, 3] and g.shape == tf.TensorShape([6, 3])
    want = np.zeros((6, 3), np.float32)
    np.add.at(want, [0, 2, 2, 5], 2.0)
    np.testing.assert_allclose(tf.convert_to_tensor(g).numpy(), want)
    np.testing.assert_allclose(np.asarray(g), want)


def test_two_lookups_concatenate_and_a_dense_use_densifies():
    v = _table()
    with tf.GradientTape(persistent=True) as tape:
        a = tf.reduce_sum(tf.gather(v, [1, 3]))
        b = tf.reduce_sum(tf.gather(v, [3]))
        c = tf.reduce_sum(v)
        ab, ac = a + b, a + c
    g = tape.gradient(ab, v)
    assert isinstance(g, tf.IndexedSlices)
    assert g.indices.numpy().tolist() == [1, 3, 3]  # in program order, as TF
    g2 = tape.gradient(ac, v)
    assert not isinstance(g2, tf.IndexedSlices)
    want = np.ones((6, 3), np.float32)
    want[[1, 3]] += 1
    np.testing.assert_allclose(g2.numpy(), want)


def test_dense_where_tf_is_not_sparse_here():
    v = _table()
    with tf.GradientTape() as tape:  # along axis 1: dense
        loss = tf.reduce_sum(tf.gather(v, [0, 2], axis=1))
    assert not isinstance(tape.gradient(loss, v), tf.IndexedSlices)
    x = tf.constant(np.ones((4, 2), np.float32))
    with tf.GradientTape() as tape:  # a watched tensor (not a Variable): dense here
        tape.watch(x)
        loss = tf.reduce_sum(tf.gather(x, [1]))
    assert not isinstance(tape.gradient(loss, x), tf.IndexedSlices)


def test_function_returns_the_gradient_as_indexed_slices():
    v = _table()
    kinds = []

    @tf.function
    def step(ids):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.gather(v, ids) ** 2)
        g = tape.gradient(loss, v)
        kinds.append(type(g).__name__)
        return g  # TF returns the IndexedSlices (values, indices, dense_shape)

    ids = tf.constant([0, 0, 4])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(v, ids) ** 2)
    eager = tape.gradient(loss, v)
    got = step(ids)
    assert kinds == ["IndexedSlices"]
    assert isinstance(got, tf.IndexedSlices)
    table = np.arange(18, dtype=np.float32).reshape(6, 3)
    np.testing.assert_allclose(got.values.numpy(), 2 * table[[0, 0, 4]])  # TF's values
    assert got.indices.numpy().tolist() == [0, 0, 4]
    assert got.dense_shape.numpy().tolist() == [6, 3]
    np.testing.assert_allclose(tf.convert_to_tensor(got).numpy(),
                               tf.convert_to_tensor(eager).numpy())


def test_indexed_slices_flatten_like_sparse_tensor_and_pass_through_functions():
    s = tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([2]), tf.constant([3, 2]))
    flat = tf.nest.flatten([s, 5])  # ember's nest expands composites (as SparseTensor)
    assert len(flat) == 4 and flat[3] == 5
    rebuilt = tf.nest.pack_sequence_as([s, 5], flat)[0]
    assert isinstance(rebuilt, tf.IndexedSlices)
    doubled = tf.function(lambda x: x * 2.0)(s)
    assert isinstance(doubled, tf.IndexedSlices)
    np.testing.assert_allclose(doubled.values.numpy(), [[2.0, 4.0]])
    np.testing.assert_allclose(tf.convert_to_tensor(doubled).numpy(),
                               [[0, 0], [0, 0], [2, 4]])


def _graph_train(opt_fn, steps=3, jit=False):
    v = _table()
    opt = opt_fn()

    @tf.function(jit_compile=jit)
    def step(ids):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.gather(v, ids) ** 2)
        opt.apply_gradients([(tape.gradient(loss, v), v)])

    for i in range(steps):
        step(tf.constant([0, 3, 3, i % 2 + 1]))
    return v.numpy()


@pytest.mark.parametrize("opt_fn", [lambda: keras.optimizers.SGD(0.01),
                                    lambda: keras.optimizers.SGD(0.01, weight_decay=0.1),
                                    lambda: keras.optimizers.SGD(0.01, momentum=0.9),
                                    lambda: keras.optimizers.Adam(0.01)],
                         ids=["sgd", "sgd_decay", "sgd_momentum", "adam"])
def test_function_steps_apply_sparse_gradients_like_eager(opt_fn):
    want = _train(opt_fn, False, repeat=False)
    v = _table()
    opt = opt_fn()

    @tf.function
    def step(ids):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.gather(v, ids) ** 2)
        opt.apply_gradients([(tape.gradient(loss, v), v)])

    for i in range(3):
        step(tf.constant([0, 3, i % 2 + 1]))
    np.testing.assert_allclose(v.numpy(), want, rtol=1e-5, atol=1e-6)


def test_function_sgd_step_touches_only_the_looked_up_rows():
    v = _table()
    opt = keras.optimizers.SGD(0.1)

    @tf.function
    def step(ids):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.gather(v, ids))
        opt.apply_gradients([(tape.gradient(loss, v), v)])

    before = v.numpy().copy()
    step(tf.constant([1, 4, 4]))
    text = str(step.get_concrete_function(tf.TensorSpec([None], tf.int32)).graph)
    assert "scatter_add_axis" not in text  # the update never builds the dense gradient
    after = v.numpy()
    np.testing.assert_array_equal(after[[0, 2, 3, 5]], before[[0, 2, 3, 5]])
    np.testing.assert_allclose(after[[1, 4]], before[[1, 4]] - [[0.1], [0.2]], rtol=1e-6)


def test_jit_compiled_sgd_step_with_sparse_rows_matches_numpy():
    pytest.importorskip("jax")
    want = _graph_train(lambda: keras.optimizers.SGD(0.01))
    got = _graph_train(lambda: keras.optimizers.SGD(0.01), jit=True)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_keras_fit_of_an_embedding_matches_eager_training():
    def run(eager):
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((2,), dtype="int32"),
                                  keras.layers.Embedding(50, 4),
                                  keras.layers.Flatten(), keras.layers.Dense(1)])
        model.compile(keras.optimizers.SGD(0.1), "mse", run_eagerly=eager)
        before = model.layers[0].embeddings.numpy().copy()
        x = np.array([[1, 2], [2, 7], [7, 1]], np.int32)
        model.fit(x, np.ones((3, 1), np.float32), batch_size=3, epochs=2, verbose=0)
        return before, model.layers[0].embeddings.numpy()

    before, graph = run(False)
    _, eager = run(True)
    np.testing.assert_allclose(graph, eager, rtol=1e-5, atol=1e-7)
    untouched = [i for i in range(50) if i not in (1, 2, 7)]
    np.testing.assert_array_equal(graph[untouched], before[untouched])
    assert not np.allclose(graph[[1, 2, 7]], before[[1, 2, 7]])


def test_second_order_through_a_lookup_is_dense_and_correct():
    v = _table(4, 2)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            loss = tf.reduce_sum(tf.gather(v, [1, 2]) ** 3)
        g = inner.gradient(loss, v)
        s = tf.reduce_sum(g)
    h = outer.gradient(s, v)
    want = np.zeros((4, 2), np.float32)
    want[[1, 2]] = 6.0 * v.numpy()[[1, 2]]
    np.testing.assert_allclose(tf.convert_to_tensor(h).numpy(), want)


def test_indexed_slices_api():
    s = tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([2]), tf.constant([3, 2]))
    np.testing.assert_allclose((-s).values.numpy(), [[-1.0, -2.0]])
    np.testing.assert_allclose(tf.add(s, 1.0).numpy(), [[1, 1], [1, 1], [2, 3]])
    np.testing.assert_allclose((s * 2.0).values.numpy(), [[2.0, 4.0]])  # scalars only
    np.testing.assert_allclose((s / tf.constant(2.0)).values.numpy(), [[0.5, 1.0]])
    with pytest.raises(TypeError):
        s * tf.constant([1.0, 2.0])  # noqa: B018
    with pytest.raises(TypeError):
        s + s  # noqa: B018 - as TF: densify first


def test_clip_by_global_norm_takes_indexed_slices():
    s = tf.IndexedSlices(tf.constant([[3.0, 0.0]]), tf.constant([1]), [3, 2])
    (c, d), norm = tf.clip_by_global_norm([s, tf.constant([4.0])], 1.0)
    assert isinstance(c, tf.IndexedSlices)
    assert float(norm) == pytest.approx(5.0)
    np.testing.assert_allclose(c.values.numpy(), [[0.6, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(d.numpy(), [0.8], rtol=1e-6)


def _train(opt_fn, sparse, steps=3, repeat=False):
    v = _table()
    opt = opt_fn()
    for i in range(steps):
        ids = [0, 3, 3, i] if repeat else [0, 3, i % 2 + 1]
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.gather(v, ids) ** 2)
        g = tape.gradient(loss, v)
        if not sparse:
            g = tf.convert_to_tensor(g)
        opt.apply_gradients([(g, v)])
    return v.numpy()


@pytest.mark.parametrize("opt_fn", [
    lambda: keras.optimizers.SGD(0.01),
    lambda: keras.optimizers.SGD(0.01, momentum=0.9),
    lambda: keras.optimizers.SGD(0.01, weight_decay=0.1),
    lambda: keras.optimizers.SGD(0.01, global_clipnorm=1.0),
    lambda: keras.optimizers.SGD(0.01, clipnorm=1.0),
    lambda: keras.optimizers.Adam(0.01),
    lambda: keras.optimizers.RMSprop(0.01),
    lambda: keras.optimizers.Adagrad(0.1),
], ids=["sgd", "sgd_momentum", "sgd_decay", "sgd_global_clip", "sgd_clipnorm", "adam",
        "rmsprop", "adagrad"])
def test_optimizers_apply_indexed_slices_like_dense(opt_fn):
    np.testing.assert_allclose(_train(opt_fn, True), _train(opt_fn, False), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("opt_fn", [lambda: keras.optimizers.SGD(0.01),
                                    lambda: keras.optimizers.Adam(0.01)],
                         ids=["sgd", "adam"])
def test_repeated_ids_add_up(opt_fn):
    # NOTE: clipping differs with repeated ids, as in TF: the norm is the values' norm.
    np.testing.assert_allclose(_train(opt_fn, True, repeat=True),
                               _train(opt_fn, False, repeat=True), rtol=1e-5, atol=1e-6)


def test_sgd_touches_only_the_looked_up_rows():
    v = _table()
    before = v.numpy().copy()
    opt = keras.optimizers.SGD(0.1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(v, [1, 4]))
    opt.apply_gradients([(tape.gradient(loss, v), v)])
    after = v.numpy()
    np.testing.assert_array_equal(after[[0, 2, 3, 5]], before[[0, 2, 3, 5]])
    np.testing.assert_allclose(after[[1, 4]], before[[1, 4]] - 0.1)
    assert int(opt.iterations) == 1


def test_loss_scale_optimizer_takes_indexed_slices():
    v = _table()
    opt = keras.mixed_precision.LossScaleOptimizer(keras.optimizers.SGD(0.1))
    with tf.GradientTape() as tape:
        loss = opt.scale_loss(tf.reduce_sum(tf.gather(v, [2])))
    before = v.numpy().copy()
    opt.apply_gradients([(tape.gradient(loss, v), v)])
    np.testing.assert_allclose(v.numpy()[2], before[2] - 0.1)
    np.testing.assert_array_equal(v.numpy()[[0, 1, 3]], before[[0, 1, 3]])


def test_keras_embedding_trains_eagerly_with_sparse_gradients():
    layer = keras.layers.Embedding(10, 4)
    ids = tf.constant([[1, 2], [2, 9]])
    layer(ids)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(ids))
    (g,) = tape.gradient(loss, layer.trainable_variables)
    assert isinstance(g, tf.IndexedSlices)
    before = layer.embeddings.numpy().copy()
    keras.optimizers.SGD(1.0).apply_gradients([(g, layer.embeddings)])
    delta = before - layer.embeddings.numpy()
    np.testing.assert_allclose(delta[:, 0], [0, 1, 2, 0, 0, 0, 0, 0, 0, 1], atol=1e-5)

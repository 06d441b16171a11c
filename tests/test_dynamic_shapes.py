"""Ops and their gradients inside ember.function when dims are unknown (None).

Each function is called with batch sizes 3, 4 and 5: the second call retraces with the
batch dim relaxed to None, so the later calls run a graph whose shapes are only partly
known. Values and gradients must equal eager ones.
"""

import numpy as np
import pytest

import ember as tf

GRAD_CASES = {
    "concat_axis1": lambda x: tf.concat([x, x * 2.0], axis=1),
    "concat_axis0": lambda x: tf.concat([x, x * 2.0], axis=0),
    "slice_cols": lambda x: x[:, 1:3],
    "slice_rows": lambda x: x[1:],
    "index_row": lambda x: x[0],
    "strided": lambda x: x[::-2, ::2],
    "tile": lambda x: tf.tile(x, [2, 1]),
    "pad": lambda x: tf.pad(x, [[1, 1], [0, 2]]),
    "pad_reflect_features": lambda x: tf.pad(x, [[0, 0], [1, 1]], "REFLECT"),
    "reshape": lambda x: tf.reshape(x, [-1, 2]),
    "transpose": lambda x: tf.transpose(x),
    "reverse": lambda x: tf.reverse(x, [0]),
    "split": lambda x: tf.split(x, 2, axis=1)[0],
    "stack": lambda x: tf.stack([x, x], axis=1),
    "unstack": lambda x: tf.unstack(x, axis=1)[0],
    "expand_squeeze": lambda x: tf.squeeze(tf.expand_dims(x, 1), 1),
    "gather_cols": lambda x: tf.gather(x, [0, 2], axis=1),
    "gather_rows": lambda x: tf.gather(x, [0, 0]),
    "gather_nd": lambda x: tf.gather_nd(x, [[0, 1], [1, 2]]),
    "reduce_max": lambda x: tf.reduce_max(x, axis=0),
    "reduce_prod": lambda x: tf.reduce_prod(x, axis=0),
    "reduce_mean": lambda x: tf.reduce_mean(x, axis=0),
    "softmax": lambda x: tf.nn.softmax(x),
    "logsumexp": lambda x: tf.reduce_logsumexp(x, axis=0),
    "moments": lambda x: tf.nn.moments(x, axes=[0])[1],
    "l2norm": lambda x: tf.nn.l2_normalize(x, axis=0),
    "sort": lambda x: tf.sort(x, axis=0),
    "top_k": lambda x: tf.math.top_k(x, 2).values,
    "cumsum": lambda x: tf.math.cumsum(x, axis=0),
    "einsum": lambda x: tf.einsum("ij,ij->i", x, x),
    "matmul_T": lambda x: tf.matmul(x, x, transpose_b=True),
    "boolean_mask": lambda x: tf.boolean_mask(x, x[:, 0] > 0),
    "one_hot_mul": lambda x: x[:, :3] * tf.one_hot(tf.argmax(x[:, :3], axis=1), 3,
                                                   dtype=tf.float64),
    "norm": lambda x: tf.norm(x, axis=1),
    "clip_by_norm": lambda x: tf.clip_by_norm(x, 1.0, axes=[1]),
    "zeros_like_shape": lambda x: x + tf.zeros(tf.shape(x), dtype=tf.float64),
    "broadcast_to_shape": lambda x: tf.broadcast_to(x[:, :1], tf.shape(x)),
    "reshape_to_shape": lambda x: tf.reshape(tf.reverse(x, [1]), tf.shape(x)),
    "fill_shape": lambda x: x * tf.fill(tf.shape(x), tf.constant(2.0, tf.float64)),
    "pad_reflect_batch": lambda x: tf.pad(x, [[1, 2], [0, 0]], "REFLECT"),
    "pad_symmetric_both": lambda x: tf.pad(x, [[2, 1], [1, 1]], "SYMMETRIC"),
    "repeat_rows": lambda x: tf.repeat(x, 2, axis=0),
    "repeat_cols": lambda x: tf.repeat(x, 3, axis=1),
    "split_batch": lambda x: tf.split(x, [1, -1], axis=0)[1],
    "concat_three": lambda x: tf.concat([x[:1], x, x[1:] * 3.0], axis=0),
    "reshape_batch_first": lambda x: tf.reshape(x, [tf.shape(x)[0], 2, -1]) * 2.0,
    "reshape_known_dim": lambda x: tf.reshape(x, [-1, tf.shape(x)[1]]),
    "reshape_flat_back": lambda x: tf.reshape(tf.reshape(x, [-1]) * 2.0, tf.shape(x)),
    "broadcast_to_list": lambda x: tf.broadcast_to(x[:, None, :], [tf.shape(x)[0], 2, 4]),
    "broadcast_to_stack": lambda x: tf.broadcast_to(
        x[:, None, :], tf.stack([tf.shape(x)[0], 2, 4])),
    "fill_list": lambda x: x * tf.fill([tf.shape(x)[0], 4], tf.constant(3.0, tf.float64)),
    "ones_zeros_like": lambda x: x * tf.ones_like(x) + tf.zeros_like(x),
    "size_mean": lambda x: x / tf.cast(tf.size(x), tf.float64),
    "slice_fn": lambda x: tf.slice(x, [1, 1], [-1, 2]),
    "strided_slice_fn": lambda x: tf.strided_slice(x, [1, 0], [-1, 4], [2, 3]),
}


def _grad(fn):
    def g(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
            loss = tf.reduce_sum(y ** 2)
        return y, tape.gradient(loss, x)
    return g


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_values_and_gradients_with_an_unknown_batch_dim(name):
    fn = GRAD_CASES[name]
    traced = tf.function(_grad(fn))
    for n in (3, 4, 5):
        x = tf.constant(np.random.default_rng(n).standard_normal((n, 4)) + 0.1)
        y_e, g_e = _grad(fn)(x)
        y_t, g_t = traced(x)
        np.testing.assert_allclose(y_t.numpy(), y_e.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(g_t.numpy(), g_e.numpy(), rtol=1e-9, atol=1e-12)
    assert traced.experimental_get_tracing_count() == 2


def _hvp(f):
    """x -> Hessian-vector product of sum(f(x) * w) along v, by nested tapes."""
    def hvp(x, v, w):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(tf.sin(f(x)) * w)
            gv = tf.reduce_sum(inner.gradient(y, x) * v)
        return outer.gradient(gv, x)
    return hvp


SECOND_ORDER = {
    "slices": lambda x: tf.concat([x[1:, ::-2], x[:1, 1::2]], axis=0),
    "pad_mirror": lambda x: tf.pad(tf.pad(x, [[1, 1], [0, 1]], "REFLECT"), [[2, 0], [1, 1]],
                                   "SYMMETRIC"),
    "split_concat": lambda x: tf.concat(tf.split(x, [1, -1], axis=0)[::-1], axis=0),
    "tile_repeat": lambda x: tf.repeat(tf.tile(x, [2, 1]), 2, axis=0),
    "dynamic_shapes": lambda x: tf.reshape(tf.broadcast_to(x[:, None], tf.stack(
        [tf.shape(x)[0], 2, tf.shape(x)[1]])), [tf.shape(x)[0], 2, 2, -1]),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivatives_with_every_dim_unknown(name):
    f = _hvp(SECOND_ORDER[name])
    spec = tf.TensorSpec([None, None], tf.float64)
    rank = len(SECOND_ORDER[name](tf.zeros([3, 4], tf.float64)).shape)
    traced = tf.function(f, input_signature=[spec, spec,
                                             tf.TensorSpec([None] * rank, tf.float64)])
    for n, m in ((3, 4), (5, 2)):
        rng = np.random.default_rng(n)
        x, v = (tf.constant(rng.standard_normal((n, m))) for _ in range(2))
        w = tf.constant(rng.standard_normal(tuple(SECOND_ORDER[name](x).shape)))
        np.testing.assert_allclose(traced(x, v, w).numpy(), f(x, v, w).numpy(),
                                   rtol=1e-9, atol=1e-12)


def test_shapes_read_at_run_time_keep_their_known_dims():
    seen = {}

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    def f(x):
        seen["zeros"] = tf.zeros(tf.shape(x)).shape
        seen["fill"] = tf.fill([tf.shape(x)[0], 3], 1.0).shape
        seen["broadcast"] = tf.broadcast_to(x[:, :1], tf.shape(x)).shape
        seen["reshape"] = tf.reshape(x, [tf.shape(x)[0], 2, -1]).shape
        seen["reshape_other"] = tf.reshape(x * 2.0, [tf.shape(x)[0], 2, -1]).shape
        seen["reshape_known"] = tf.reshape(x, [-1, tf.shape(x)[1]]).shape
        seen["size"] = tf.size(x).shape
        return x

    f.get_concrete_function()
    assert seen == {"zeros": tf.TensorShape([None, 4]), "fill": tf.TensorShape([None, 3]),
                    "broadcast": tf.TensorShape([None, 4]),
                    "reshape": tf.TensorShape([None, 2, 2]),
                    "reshape_other": tf.TensorShape([None, 2, None]),
                    "reshape_known": tf.TensorShape([None, 4]), "size": tf.TensorShape([])}


def test_flattening_with_the_batch_dim_read_at_run_time_infers_the_rest():
    @tf.function(input_signature=[tf.TensorSpec([None, 3, 4], tf.float32),
                                  tf.TensorSpec([None, None, 2], tf.float32)])
    def f(x, y):
        a = tf.reshape(x, [tf.shape(x)[0], -1])
        b = tf.reshape(x, tf.stack([-1, tf.shape(x)[0]]))  # not recorded: all unknown
        c = tf.reshape(y, [tf.shape(y)[1], tf.shape(y)[0], -1])
        return a, b, c

    a, b, c = f.get_concrete_function().graph.outputs
    assert (a.shape, b.shape, c.shape) == ((None, 12), (None, None), (None, None, 2))
    x = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
    y = np.arange(12.0, dtype=np.float32).reshape(3, 2, 2)
    a, b, c = f(tf.constant(x), tf.constant(y))
    np.testing.assert_array_equal(a.numpy(), x.reshape(2, 12))
    np.testing.assert_array_equal(b.numpy(), x.reshape(12, 2))
    np.testing.assert_array_equal(c.numpy(), y.reshape(2, 3, 2))


def test_a_shape_read_at_run_time_must_be_a_1d_int_tensor():
    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    def f(x):
        return tf.zeros(tf.cast(tf.shape(x), tf.float32))

    with pytest.raises(tf.errors.DTypeError, match="zeros: shape must be a 1-D integer"):
        f.get_concrete_function()


def test_sliced_assignment_of_a_variable_with_an_unknown_dim():
    v = tf.Variable(np.zeros((3, 4)), shape=tf.TensorShape([None, 4]))

    @tf.function
    def f(c):
        v[1:, 1:3].assign(tf.ones_like(v[1:, 1:3]) * c)
        v[0].assign(tf.fill([4], c + 1.0))
        return v * 2.0

    for n in (3, 5, 2):
        v.assign(np.zeros((n, 4)))
        out = f(tf.constant(3.0, tf.float64))
        want = np.zeros((n, 4))
        want[1:, 1:3] = 3.0
        want[0] = 4.0
        np.testing.assert_allclose(v.numpy(), want)
        np.testing.assert_allclose(out.numpy(), want * 2.0)
    assert f.experimental_get_tracing_count() == 1


def test_gradient_of_a_run_time_broadcast_over_an_unknown_dim():
    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float64),
                                  tf.TensorSpec([None, 4], tf.float64)])
    def grad_a(a, b):
        with tf.GradientTape() as tape:
            tape.watch(a)
            y = tf.reduce_sum((a * b) ** 2)
        return tape.gradient(y, a)

    a = tf.constant(np.ones((1, 4)))  # broadcast against 5 rows at run time
    b = tf.constant(np.arange(20.0).reshape(5, 4))
    with tf.GradientTape() as tape:
        tape.watch(a)
        y = tf.reduce_sum((a * b) ** 2)
    np.testing.assert_allclose(grad_a(a, b).numpy(), tape.gradient(y, a).numpy())


def test_reduce_prod_of_everything_with_an_unknown_batch_dim():
    fn = lambda x: tf.reduce_prod(x)  # noqa: E731
    traced = tf.function(_grad(fn))
    for n in (3, 4, 5):
        x = tf.constant(np.random.default_rng(n).uniform(0.5, 1.5, (n, 4)))
        for a, b in zip(_grad(fn)(x), traced(x)):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9)


def test_run_time_sum_to_like_only_where_a_broadcast_can_happen():
    spec = tf.TensorSpec([None, 3], tf.float32)

    @tf.function(input_signature=[spec])
    def affine(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.relu(x * 2.0 + tf.constant([1.0, -2.0, 3.0]))
        return tape.gradient(y, x)

    names = [e.prim.name for e in affine.get_concrete_function().graph.eqns]
    assert "sum_to_like" not in names  # nothing can broadcast x: no sum, no kept shape
    x = np.array([[1.0, 1.0, -2.0], [0.5, 2.0, 0.0]], np.float32)
    np.testing.assert_array_equal(affine(x).numpy(), 2.0 * (2 * x + [1, -2, 3] > 0))

    @tf.function(input_signature=[spec, spec])
    def product(a, b):  # a's unknown rows may be 1 while b's are not: summed at run time
        with tf.GradientTape() as tape:
            tape.watch(a)
            y = a * b
        return tape.gradient(y, a)

    names = [e.prim.name for e in product.get_concrete_function().graph.eqns]
    assert "sum_to_like" in names
    b = np.arange(12, dtype=np.float32).reshape(4, 3)
    got = product(np.ones((1, 3), np.float32), b).numpy()
    np.testing.assert_array_equal(got, b.sum(0, keepdims=True))


def test_range_of_a_static_dim_read_with_shape_in_a_graph_and_in_a_layer_call():
    """`tf.range(tf.shape(x)[1])` where dim 1 is static: known while tracing (TF's
    positional-embedding layers do this), in ember.function and on KerasTensors."""
    from ember import keras
    f = tf.function(lambda x: tf.range(tf.shape(x)[1]),
                    input_signature=[tf.TensorSpec([None, 5], tf.float32)])
    np.testing.assert_array_equal(f(tf.ones((2, 5))).numpy(), np.arange(5))

    class AddPositions(keras.layers.Layer):
        def call(self, x):
            return x + tf.cast(tf.range(tf.shape(x)[-1]), x.dtype)

    inp = keras.Input((4,))
    model = keras.Model(inp, AddPositions()(inp))
    np.testing.assert_array_equal(model(np.zeros((2, 4), "float32")).numpy(),
                                  np.tile(np.arange(4.0), (2, 1)))
    g = tf.function(lambda x: tf.range(tf.shape(x)[0]),
                    input_signature=[tf.TensorSpec([None], tf.float32)])
    with pytest.raises(tf.errors.SymbolicValueError, match="range: limit must be known"):
        g(tf.ones(3))

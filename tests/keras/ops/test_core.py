"""keras.ops' core ops against real Keras 3 (NumPy backend): control flow, scatter and
slice updates, casts, conversion; and tf.cond / tf.while_loop inside a layer called on
KerasTensors."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from tests.keras3_oracle import assert_same, check_op, keras3

ops = keras.ops
rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4)).astype("float32")


@pytest.mark.parametrize("name,args,kwargs", [
    ("cast", (X, "int32"), {}),
    ("cast", (np.array([1, 0, 3], "int32"), "bool"), {}),
    ("saturate_cast", (np.array([-300.0, 1.5, 300.0], "float32"), "uint8"), {}),
    ("saturate_cast", (np.array([-3e9, 3e9], "float32"), "int32"), {}),
    ("saturate_cast", (np.array([-200, 5, 200], "int32"), "int8"), {}),
    ("stop_gradient", (X,), {}),
    ("slice", (X, (1, 1), (2, 3)), {}),
    ("slice_update", (X, (1, 2), np.ones((2, 2), "float32")), {}),
    ("scatter", (np.array([[0, 1], [2, 3], [0, 1]]), np.array([1.0, 2.0, 3.0], "float32"),
                 (3, 4)), {}),
    ("scatter_update", (X, np.array([[0, 0], [2, 3]]), np.array([9.0, 8.0], "float32")), {}),
    ("scatter_update", (X, np.array([[0, 0], [2, 3]]), np.array([9.0, 8.0], "float32")),
     {"reduction": "add"}),
    ("scatter_update", (X, np.array([[0, 0], [0, 0]]), np.array([9.0, -8.0], "float32")),
     {"reduction": "max"}),
    ("scatter_update", (X, np.array([[0, 0], [0, 0]]), np.array([9.0, -8.0], "float32")),
     {"reduction": "min"}),
    ("scatter_update", (X, np.array([[1, 1], [1, 1]]), np.array([2.0, -3.0], "float32")),
     {"reduction": "mul"}),
])
def test_core_ops_equal_keras3(name, args, kwargs):
    check_op(name, *args, **kwargs)


def test_unstack_shape_dtype_convert():
    keras3()
    check_op("unstack", X, axis=1)
    check_op("unstack", X, num=3, symbolic=False)
    assert ops.shape(tf.constant(X)) == (3, 4) and ops.shape(keras.Input((4,))) == (None, 4)
    assert ops.dtype(np.ones(2, "int16")) == "int16" and ops.dtype(tf.constant(1.0)) == "float32"
    assert ops.convert_to_tensor(3.0).dtype.name == "float32"  # Keras 3: floatx
    assert ops.convert_to_tensor([1, 2]).dtype.name == "int32"
    assert ops.convert_to_tensor(X, "float16").dtype.name == "float16"
    out = ops.convert_to_numpy(tf.Variable(X))
    assert isinstance(out, np.ndarray) and np.array_equal(out, X)
    assert ops.is_tensor(tf.constant(1)) and ops.is_tensor(tf.Variable(1.0))
    assert not ops.is_tensor(X) and not ops.is_tensor(1.0)


def test_control_flow_equals_keras3():
    k = keras3()
    for pred in (True, False):
        assert_same(ops.cond(pred, lambda: X * 2.0, lambda: X - 1.0),
                    k.ops.cond(pred, lambda: X * 2.0, lambda: X - 1.0))
    fns = [lambda a: a + 1.0, lambda a: a * 3.0, lambda a: -a]
    for i in (-2, 0, 1, 2, 5):  # out of range: the nearest branch, as Keras
        assert_same(ops.switch(i, fns, X), k.ops.switch(i, fns, X), where=f"switch {i}")
    ours = ops.while_loop(lambda i, s: i < 6, lambda i, s: (i + 1, s * 1.5), (0, X))
    theirs = k.ops.while_loop(lambda i, s: i < 6, lambda i, s: (i + 1, s * 1.5), (0, X))
    assert_same(ours[1], theirs[1]) and int(ours[0]) == int(theirs[0]) == 6
    single = ops.while_loop(lambda v: v < 100, lambda v: v * 3, 1)
    assert int(single) == int(k.ops.while_loop(lambda v: v < 100, lambda v: v * 3, 1)) == 243
    capped = ops.while_loop(lambda v: v < 100, lambda v: v * 3, 1, maximum_iterations=2)
    assert int(capped) == 9
    assert_same(ops.fori_loop(0, 5, lambda i, v: v * 2.0, X),
                k.ops.fori_loop(0, 5, lambda i, v: v * 2.0, X))


def test_scan_and_associative_scan_equal_keras3():
    k = keras3()
    xs = rng.standard_normal((5, 3)).astype("float32")
    init = np.zeros(3, "float32")

    def f(c, x):
        return c + x, c * x
    for reverse in (False, True):
        ours, theirs = ops.scan(f, init, xs, reverse=reverse), k.ops.scan(f, init, xs,
                                                                          reverse=reverse)
        assert_same(ours, theirs, where=f"scan reverse={reverse}")
    # no xs: `length` steps; a structured carry
    ours = ops.scan(lambda c, _: ((c[0] + 1.0, c[1] * 2.0), c[0]), (0.0, 1.0), length=4)
    theirs = k.ops.scan(lambda c, _: ((c[0] + 1.0, c[1] * 2.0), c[0]),
                        (np.float32(0.0), np.float32(1.0)), length=4)
    assert_same(ours, theirs, check_dtype=False)
    for reverse in (False, True):
        for axis in (0, 1):
            assert_same(ops.associative_scan(lambda a, b: a + b, xs, reverse, axis),
                        k.ops.associative_scan(lambda a, b: a + b, xs, reverse, axis),
                        where=f"associative_scan {reverse} {axis}")
    assert_same(ops.associative_scan(lambda a, b: a * b, xs[:, 0]),
                np.cumprod(xs[:, 0]))


def test_scan_inside_a_compiled_function_matches_eager():
    xs = rng.standard_normal((6, 2)).astype("float32")

    def run(xs):
        return ops.scan(lambda c, x: (c * 0.5 + x, c), tf.zeros((2,)), xs, reverse=True)
    eager = run(tf.constant(xs))
    graph = tf.function(run)(tf.constant(xs))
    assert_same(graph, eager, check_dtype=True)


def test_map_and_vectorized_map_equal_keras3():
    k = keras3()
    assert_same(ops.map(lambda r: r * r, X), k.ops.map(lambda r: r * r, X))
    assert_same(ops.vectorized_map(lambda r: r.sum() if False else r + 1.0, X),
                k.ops.vectorized_map(lambda r: r + 1.0, X))


def test_custom_gradient_with_keras_convention():
    @ops.custom_gradient
    def f(x):
        def grad(*args, upstream=None):
            upstream = args[0] if upstream is None else upstream
            return upstream * 10.0
        return x * x, grad
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(f(x))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [10.0, 10.0])


def test_scan_and_loops_have_gradients():
    """Gradients through scan (eager and compiled) against central differences."""
    x0 = rng.standard_normal((4,)).astype("float64")

    def loss(x):
        c, ys = ops.scan(lambda c, v: (c * 0.9 + tf.sin(v), c * v), tf.constant(0.0, "float64"),
                         x)
        return c + tf.reduce_sum(ys)
    for fn in (loss, tf.function(loss)):
        x = tf.constant(x0)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        g = tape.gradient(y, x).numpy()
        eps = 1e-6
        fd = [(float(loss(tf.constant(x0 + eps * e))) - float(loss(tf.constant(x0 - eps * e))))
              / (2 * eps) for e in np.eye(4)]
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="reduction must be None, 'add'"):
        ops.scatter_update(X, [[0, 0]], [1.0], reduction="sum")
    with pytest.raises(ValueError, match="pass `xs`, or `length`"):
        ops.scan(lambda c, x: (c, c), 0.0)
    with pytest.raises(ValueError, match="at least one callable"):
        ops.switch(0, [], 1.0)
    with pytest.raises(ValueError, match="`updates` has rank 1"):
        ops.slice_update(X, (0, 0), [1.0, 2.0])


class Branchy(keras.layers.Layer):
    """A layer whose call uses tensor-dependent control flow (TF programs do this)."""

    def call(self, x):
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x)
        _, z = tf.while_loop(lambda i, z: i < 3, lambda i, z: (i + 1, z + 1.0),
                             (tf.constant(0), y))
        return ops.cond(tf.reduce_max(z) > 100.0, lambda: z * 0.0, lambda: z)


def test_control_flow_in_a_layer_called_on_keras_tensors():
    inp = keras.Input((3,))
    out = Branchy()(inp)
    assert out.shape.as_list() == [None, 3]
    model = keras.Model(inp, out)
    pos, neg = np.ones((2, 3), "float32"), -np.ones((2, 3), "float32")
    np.testing.assert_allclose(model(pos).numpy(), pos * 2 + 3)
    np.testing.assert_allclose(model.predict(neg, verbose=0), -neg + 3)


def test_control_flow_on_keras_tensors_outside_a_layer_says_where_to_put_it():
    inp = keras.Input((3,))
    with pytest.raises(tf.errors.SymbolicValueError, match="Put the cond in a layer's call"):
        ops.cond(tf.reduce_sum(inp) > 0, lambda: inp, lambda: -inp)
    with pytest.raises(tf.errors.SymbolicValueError, match="different dtypes|same dtype"):
        class Bad(keras.layers.Layer):
            def call(self, x):
                return tf.cond(tf.reduce_sum(x) > 0, lambda: x, lambda: tf.cast(x, "int32"))
        Bad()(inp)

"""The NumPy executor's peephole rewrites (ember/core/rewrite.py, ember/prims/fusion.py):
which graphs they fuse, which they must leave alone, and that a fused plan computes what
the unfused one (and eager mode) does."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.backend.numpy import conv

R = np.random.default_rng(3)


def plan_prims(fn, *args) -> list:
    return [e.prim.name for e in fn.get_concrete_function(*args).plan._steps]


def test_bias_add_then_relu_becomes_one_primitive():
    f = tf.function(lambda x, b: tf.nn.relu(x + b))
    x = tf.constant(R.standard_normal((4, 5, 3)), tf.float32)
    b = tf.constant(R.standard_normal(3), tf.float32)
    assert plan_prims(f, x, b) == ["bias_relu"]
    np.testing.assert_array_equal(f(x, b).numpy(), np.maximum(x.numpy() + b.numpy(), 0))
    g = tf.function(lambda x, b: tf.nn.relu(b + x))  # the bias first: the same sum
    assert plan_prims(g, x, b) == ["bias_relu"]
    np.testing.assert_array_equal(g(x, b).numpy(), f(x, b).numpy())


@pytest.mark.parametrize("case", ["kept", "not_a_bias", "ints", "unknown_width"])
def test_bias_relu_is_not_fused_where_it_must_not_be(case):
    x = tf.constant(R.standard_normal((4, 3)), tf.float32)
    b = tf.constant(R.standard_normal(3), tf.float32)
    if case == "kept":  # the sum is an output too: it must still be computed
        f = tf.function(lambda x, b: (tf.nn.relu(x + b), x + b))
        f2 = tf.function(lambda x, b: [(s, tf.nn.relu(s)) for s in [x + b]][0])
        assert "bias_relu" not in plan_prims(f2, x, b)
        out = f2(x, b)
        np.testing.assert_array_equal(out[1].numpy(), np.maximum(out[0].numpy(), 0))
        return
    if case == "not_a_bias":  # two full arrays
        f = tf.function(lambda x, y: tf.nn.relu(x + y))
        assert "bias_relu" not in plan_prims(f, x, x)
        return
    if case == "ints":
        f = tf.function(lambda x, b: tf.nn.relu(x + b))
        assert "bias_relu" not in plan_prims(f, tf.constant([[1, -2, 3]]), tf.constant([1, 1, 1]))
        return
    f = tf.function(lambda x, b: tf.nn.relu(x + b))
    spec = tf.TensorSpec([None, None], tf.float32)
    cf = f.get_concrete_function(spec, tf.TensorSpec([None], tf.float32))
    assert "bias_relu" not in [e.prim.name for e in cf.plan._steps]
    np.testing.assert_array_equal(cf(x, b).numpy(), np.maximum(x.numpy() + b.numpy(), 0))


def _cnn(pool=2, stride=None):
    """Conv-relu-pool twice. Windows that tile (pool == stride, the default) fuse the
    bias, relu and pooling into bias_relu_max_pool; overlapping windows (pool 3, stride 2)
    keep bias_relu, max_pool2d and max_pool2d_grad_relu."""
    L = keras.layers
    m = keras.Sequential([keras.Input((12, 12, 2)), L.Conv2D(4, 3, activation="relu"),
                          L.MaxPooling2D(pool, stride), L.Conv2D(3, 3, padding="same",
                                                                 activation="relu"),
                          L.MaxPooling2D(pool, stride, padding="same"), L.Flatten(),
                          L.Dense(3)])
    return m


@pytest.mark.parametrize("pool,stride", [(2, None), (3, 2)])
@pytest.mark.parametrize("compiled", [True, False])
def test_cnn_gradients_equal_eager_with_the_fused_plan(compiled, pool, stride):
    if compiled and not conv.compiled_available():
        pytest.skip("ember's C extension _conv is not built here")
    before = conv.use_compiled(compiled) if conv.compiled_available() else None
    try:
        keras.utils.set_random_seed(0)
        m = _cnn(pool, stride)
        x = tf.constant(R.standard_normal((5, 12, 12, 2)), tf.float32)

        def grads(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(m(x) ** 2)
            return tape.gradient(loss, m.trainable_variables)

        eager = grads(x)
        f = tf.function(grads)
        steps = plan_prims(f, x)
        if stride is None:
            assert steps.count("bias_relu_max_pool") == 2
            assert steps.count("max_pool2d_grad_relu_taps_db") == 2  # + the bias gradient
            assert "max_pool2d" not in steps and "bias_relu" not in steps
        else:
            assert steps.count("bias_relu") == 2
            assert steps.count("max_pool2d_grad_relu") == 2
        assert "relu" not in steps and "relu_grad" not in steps
        assert steps.count("conv2d_keep_cols") == 2
        for a, b in zip(f(x), eager):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=2e-5, atol=1e-6)
    finally:
        if before is not None:
            conv.use_compiled(before)


def test_pool_grad_is_not_fused_when_its_result_is_needed_elsewhere():
    from ember.core.registry import bind
    from ember.prims.conv import max_pool2d_grad_p
    from ember.prims.nn import relu_grad_p
    y = tf.constant(np.maximum(R.standard_normal((2, 6, 6, 3)), 0), tf.float32)
    dy = tf.constant(R.standard_normal((2, 3, 3, 3)), tf.float32)
    p = dict(ksize=(2, 2), strides=(2, 2), padding="VALID")

    def both(dy, y):  # the pool gradient is an output too: it must still be computed
        g = bind(max_pool2d_grad_p, dy, y, **p)
        return bind(relu_grad_p, g, y), g

    def fused_only(dy, y):
        return bind(relu_grad_p, bind(max_pool2d_grad_p, dy, y, **p), y)

    assert "max_pool2d_grad_relu" not in plan_prims(tf.function(both), dy, y)
    assert plan_prims(tf.function(fused_only), dy, y) == ["max_pool2d_grad_relu"]
    out, g = tf.function(both)(dy, y)
    np.testing.assert_array_equal(out.numpy(), tf.function(fused_only)(dy, y).numpy())
    np.testing.assert_array_equal(out.numpy(), g.numpy() * (y.numpy() > 0))


@pytest.mark.parametrize("pool,stride", [(2, None), (3, 2)])
def test_fused_training_matches_unfused_training(pool, stride):
    """The same CNN trained for a few steps with the rewrites on and off ends with the same
    weights (the fused kernels compute the same expressions)."""
    from ember.core import rewrite
    x = R.standard_normal((16, 12, 12, 2)).astype(np.float32)
    y = R.integers(0, 3, 16)
    results = []
    saved = dict(rewrite.RULES)
    try:
        for rules in (saved, {}):
            rewrite.RULES.clear()
            rewrite.RULES.update(rules)
            keras.utils.set_random_seed(1)
            m = _cnn(pool, stride)
            m.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            m.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
            results.append(m.get_weights())
    finally:
        rewrite.RULES.clear()
        rewrite.RULES.update(saved)
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_batch_norm_then_relu_fuses_and_trains_the_same():
    """Conv - BatchNorm - ReLU: the training BatchNorm and its relu become one primitive
    each way, and a few fit steps end with the weights (and moving statistics) of the
    unfused plan."""
    from ember.core import rewrite
    L = keras.layers
    x = R.standard_normal((16, 10, 10, 3)).astype(np.float32)
    y = R.integers(0, 4, 16)

    def model():
        keras.utils.set_random_seed(2)
        m = keras.Sequential([keras.Input((10, 10, 3)), L.Conv2D(8, 3, use_bias=False),
                              L.BatchNormalization(), L.ReLU(), L.GlobalAveragePooling2D(),
                              L.Dense(4)])
        m.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return m

    m0 = model()

    def grads(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(m0(x, training=True) ** 2)
        return tape.gradient(loss, m0.trainable_variables)

    steps = plan_prims(tf.function(grads), tf.constant(x))
    assert "batch_norm_relu_train" in steps and "batch_norm_relu_train_grad" in steps
    assert "relu" not in steps and "relu_grad" not in steps
    results = []
    saved = dict(rewrite.RULES)
    try:
        for rules in (saved, {}):
            rewrite.RULES.clear()
            rewrite.RULES.update(rules)
            m = model()
            m.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
            results.append(m.get_weights())
    finally:
        rewrite.RULES.clear()
        rewrite.RULES.update(saved)
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _transformer_ffn():
    """Dense layers on sequences (einsum products) and an EinsumDense with a 2-D bias,
    each followed by a bias add, one with relu."""
    keras.utils.set_random_seed(4)
    L = keras.layers
    ids = keras.Input((6, 8))
    h = L.Dense(16, activation="relu")(ids)
    h = L.Add()([L.Dense(8)(h), ids])  # a residual add after the bias add
    h = L.EinsumDense("abc,cde->abde", output_shape=(6, 2, 4), bias_axes="de")(h)
    out = L.Dense(3)(L.Flatten()(h))
    m = keras.Model(ids, out)
    m.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return m


def test_einsum_then_bias_add_fuses_and_trains_the_same():
    """A product and the bias add after it (and a relu) become einsum_bias, forward; the
    product feeding the relu's gradient becomes einsum_relu_grad, backward; a few fit
    steps end with the weights of the unfused plan."""
    from ember.core import rewrite
    x = R.standard_normal((16, 6, 8)).astype(np.float32)
    y = R.integers(0, 3, 16)
    m0 = _transformer_ffn()
    f = tf.function(lambda x: m0(x))
    steps = plan_prims(f, tf.constant(x))
    assert steps.count("einsum_bias") == 3 and "einsum" not in steps
    assert "bias_relu" not in steps and "relu" not in steps
    assert steps.count("add") == 1  # the last Dense's (a 2-D matmul); the residual is fused

    def grads(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(m0(x) ** 2)
        return tape.gradient(loss, m0.trainable_variables)

    steps = plan_prims(tf.function(grads), tf.constant(x))
    assert "einsum_relu_grad" in steps and "relu_grad" not in steps
    saved = dict(rewrite.RULES)
    results = []
    try:
        for rules in (saved, {}):
            rewrite.RULES.clear()
            rewrite.RULES.update(rules)
            m = _transformer_ffn()
            results.append(tf.function(lambda x: m(x))(tf.constant(x)).numpy())
            m.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
            results.append(m.get_weights())
    finally:
        rewrite.RULES.clear()
        rewrite.RULES.update(saved)
    np.testing.assert_array_equal(results[0], results[2])  # the same values exactly
    for a, b in zip(results[1], results[3]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_einsum_bias_is_not_fused_where_the_product_is_needed():
    a = tf.constant(R.standard_normal((4, 3, 5)), tf.float32)
    w = tf.constant(R.standard_normal((5, 2)), tf.float32)
    b = tf.constant(R.standard_normal(2), tf.float32)
    kept = tf.function(lambda a, w, b: [(p, p + b) for p in [tf.einsum("abc,cd->abd", a, w)]][0])
    assert "einsum_bias" not in plan_prims(kept, a, w, b)
    full = tf.function(lambda a, w: tf.einsum("abc,cd->abd", a, w) + a[..., :2])
    assert "einsum_bias" not in plan_prims(full, a, w)  # not a bias: a full array
    lead = tf.function(lambda a, w: tf.einsum("abc,cd->abd", a, w) + tf.ones((4, 1, 1)))
    assert "einsum_bias" not in plan_prims(lead, a, w)  # broadcast over the leading axis

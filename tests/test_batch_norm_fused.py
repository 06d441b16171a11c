"""BatchNormalization's training path on the fused `batch_norm_train` /
`batch_norm_train_grad` primitives (ember/prims/batch_norm.py): the same outputs, moving
statistics and gradients as the composite (tf.nn.moments and the layer's formula, written
here with tf ops), gradients of every order against float64 central differences, the same
results inside ember.function and under XLA, the same values as real Keras 3, mixed
precision computed in float32, the composite kept where the fused path does not apply, and
errors that name the primitive."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.core.registry import PRIMITIVES, bind
from ember.prims.batch_norm import batch_norm_train
from tests.helpers import assert_close, numeric_gradient
from tests.keras.layer_oracle import check_against_keras3
from tests.keras3_oracle import keras3

L = keras.layers
R = np.random.default_rng(23)

# (input shape, center, scale, epsilon)
CONFIGS = [((8, 3), True, True, 1e-3), ((4, 5, 6, 3), True, True, 1e-5),
           ((3, 7, 5), True, False, 1e-3), ((6, 2, 4), False, True, 0.1),
           ((5, 4), False, False, 1e-3)]
IDS = ["dense", "image", "sequence-center-only", "scale-only", "plain"]


def _layer(shape, center, scale, eps, dtype="float32", cls=None, momentum=0.9):
    """A built BatchNormalization (or `cls`) with random weights and moving statistics."""
    layer = (cls or L.BatchNormalization)(center=center, scale=scale, epsilon=eps,
                                          momentum=momentum, dtype=dtype)
    layer.build(shape)
    layer.set_weights([R.uniform(0.5, 2.0, w.shape) if "gamma" in w.name or "variance" in
                       w.name else R.standard_normal(w.shape) for w in layer.weights])
    return layer


class _Composite(L.BatchNormalization):
    """The training step written with tf ops: tf.nn.moments, then the layer's formula
    `(x - mean) * (rsqrt(var + eps) * gamma) + beta` and the moving averages."""

    def call(self, inputs, training=None):
        if not training:
            return super().call(inputs, training=False)
        axes = list(range(inputs.shape.rank - 1))
        mean, var = tf.nn.moments(inputs, axes)
        inv = tf.math.rsqrt(var + self.epsilon)
        if self.gamma is not None:
            inv = inv * self.gamma
        out = (inputs - mean) * inv
        if self.beta is not None:
            out = out + self.beta
        for v, stat in ((self.moving_mean, mean), (self.moving_variance, var)):
            v.assign(v * self.momentum + stat * (1.0 - self.momentum))
        return out


def _twins(shape, center, scale, eps, dtype="float32"):
    """(fused layer, composite layer) with the same weights."""
    fused = _layer(shape, center, scale, eps, dtype)
    composite = _layer(shape, center, scale, eps, dtype, cls=_Composite)
    composite.set_weights(fused.get_weights())
    return fused, composite


def _loss_and_grads(layer, x, w):
    """sum(layer(x, training=True) * w) and its gradients wrt x and the trainable weights."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(layer(xt, training=True) * w)
    return loss, tape.gradient(loss, [xt] + layer.trainable_weights)


def _reference(x, eps, gamma=None, beta=None):
    """The training output in float64 NumPy."""
    rows = tuple(range(x.ndim - 1))
    y = (x - x.mean(rows)) / np.sqrt(x.var(rows) + eps)
    return y * (1.0 if gamma is None else gamma) + (0.0 if beta is None else beta)


# -- values, moving statistics, gradients: fused == composite ------------------------------

@pytest.mark.parametrize("shape, center, scale, eps", CONFIGS, ids=IDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_outputs_moving_stats_and_gradients_equal_the_composite(shape, center, scale, eps,
                                                                dtype):
    x = (R.standard_normal(shape) * 3 + 2).astype(dtype)
    w = R.standard_normal(shape).astype(dtype)
    fused, composite = _twins(shape, center, scale, eps, dtype)
    tol = 2e-5 if dtype == "float32" else 1e-12
    assert_close(fused(x, training=True).numpy(), composite(x, training=True).numpy(), tol)
    for a, b in zip(fused.get_weights(), composite.get_weights()):
        assert a.dtype == b.dtype
        assert_close(a, b, tol)
    (l1, g1), (l2, g2) = _loss_and_grads(fused, x, w), _loss_and_grads(composite, x, w)
    assert_close(l1.numpy(), l2.numpy(), 1e-4 if dtype == "float32" else 1e-10)
    assert len(g1) == len(g2) == 1 + center + scale
    for a, b in zip(g1, g2):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert_close(a.numpy(), b.numpy(), 1e-4 if dtype == "float32" else 1e-10)


def test_fit_gives_the_composites_moving_statistics_and_weights():
    """A few compiled fit steps of a conv-BN-relu model: the same moving statistics,
    weights and losses as the model with the composite layer."""
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((48, 6, 6, 2)) * 2 + 1).astype(np.float32)
    y = rng.integers(0, 3, 48)

    def run(cls):
        keras.utils.set_random_seed(11)
        model = keras.Sequential([keras.Input((6, 6, 2)), L.Conv2D(4, 3, use_bias=False),
                                  cls(momentum=0.8), L.ReLU(), L.Flatten(), L.Dense(3)])
        model.compile(keras.optimizers.SGD(0.05),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        hist = model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
        return model, hist.history["loss"]

    (m1, h1), (m2, h2) = run(L.BatchNormalization), run(_Composite)
    bn1, bn2 = m1.layers[1], m2.layers[1]
    assert type(bn2) is _Composite
    assert not np.allclose(bn1.moving_mean.numpy(), 0)  # updated
    for a, b in zip(bn1.get_weights(), bn2.get_weights()):
        assert_close(a, b, 1e-5)
    for a, b in zip(m1.get_weights(), m2.get_weights()):
        assert_close(a, b, 1e-5)
    assert_close(h1, h2, 1e-5)
    assert_close(m1.predict(x[:5], verbose=0), m2.predict(x[:5], verbose=0), 1e-5)


# -- gradients of every order ----------------------------------------------------------------

@pytest.mark.parametrize("shape, center, scale, eps", CONFIGS, ids=IDS)
def test_gradients_match_finite_differences_float64(shape, center, scale, eps):
    x = R.standard_normal(shape) * 2 + 1
    w = R.standard_normal(shape)
    layer = _layer(shape, center, scale, eps, "float64")
    gamma = layer.gamma.numpy() if scale else None
    beta = layer.beta.numpy() if center else None
    _, grads = _loss_and_grads(layer, x, w)
    assert_close(grads[0].numpy(), numeric_gradient(
        lambda v: float(np.sum(_reference(v, eps, gamma, beta) * w)), x), 1e-6)
    if scale:
        assert_close(grads[1].numpy(), numeric_gradient(
            lambda v: float(np.sum(_reference(x, eps, v, beta) * w)), gamma), 1e-6)
    if center:
        assert_close(grads[-1].numpy(), w.reshape(-1, shape[-1]).sum(0), 1e-12)


def test_mean_and_variance_outputs_have_gradients():
    """Cotangents of the mean and var outputs (a loss on the statistics) reach x."""
    x = R.standard_normal((4, 3, 2))
    wy, wm, wv = R.standard_normal(x.shape), R.standard_normal(2), R.standard_normal(2)

    def loss(xv):
        xt = tf.constant(xv)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y, mean, var = batch_norm_train(xt, epsilon=1e-2)
            total = tf.reduce_sum(y * wy) + tf.reduce_sum(mean * wm) + \
                tf.reduce_sum(var * wv)
        return float(total), tape.gradient(total, xt)

    want = numeric_gradient(lambda v: loss(v)[0], x)
    assert_close(loss(x)[1].numpy(), want, 1e-6)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:  # the statistics alone (no cotangent for y)
        tape.watch(xt)
        _, mean, var = batch_norm_train(xt)
        total = tf.reduce_sum(mean * wm) + tf.reduce_sum(var * wv)
    rows = (0, 1)
    want = wm / 12 + 2 * wv * (x - x.mean(rows)) / 12
    assert_close(tape.gradient(total, xt).numpy(), np.broadcast_to(want, x.shape), 1e-12)


def test_second_and_third_order_gradients():
    """A gradient penalty through the fused gradient: equal to the composite's and to
    central differences of the first gradient; a third order against differences too."""
    shape = (6, 2, 3)
    x = R.standard_normal(shape) * 2 + 1
    w = R.standard_normal(shape)

    def penalty(layer, xv):
        xt = tf.constant(xv)
        with tf.GradientTape() as outer:
            outer.watch(xt)
            with tf.GradientTape() as inner:
                inner.watch(xt)
                loss = tf.reduce_sum(layer(xt, training=True) * w)
            gx, gg = inner.gradient(loss, [xt, layer.gamma])
            pen = tf.reduce_sum(gx * gx) + tf.reduce_sum(gg * gg * gg)
        return pen, outer.gradient(pen, [xt, layer.gamma, layer.beta])

    fused, composite = _twins(shape, True, True, 1e-2, "float64")
    (p1, h1), (p2, h2) = penalty(fused, x), penalty(composite, x)
    assert_close(p1.numpy(), p2.numpy(), 1e-10)
    for a, b in zip(h1, h2):
        if b is None:  # beta does not reach the penalty: None or zeros
            assert a is None or not np.any(a.numpy())
            continue
        assert_close(a.numpy(), b.numpy(), 1e-9)
    assert_close(h1[0].numpy(), numeric_gradient(lambda v: float(penalty(fused, v)[0]), x),
                 1e-5)

    def third(xv):
        xt = tf.constant(xv)
        with tf.GradientTape() as t3:
            t3.watch(xt)
            with tf.GradientTape() as t2:
                t2.watch(xt)
                with tf.GradientTape() as t1:
                    t1.watch(xt)
                    loss = tf.reduce_sum(fused(xt, training=True) * w)
                g = t1.gradient(loss, xt)
                pen = tf.reduce_sum(g * g)
            h = tf.reduce_sum(tf.sin(t2.gradient(pen, xt)))
        return h, t3.gradient(h, xt)

    assert_close(third(x)[1].numpy(), numeric_gradient(lambda v: float(third(v)[0]), x),
                 1e-5)


# -- compiled --------------------------------------------------------------------------------

def _prims(fn, *args):
    return {e.prim.name for e in fn.get_concrete_function(*args).graph.eqns}


def test_in_function_equals_eager_and_uses_the_fused_primitives():
    shape = (8, 4, 4, 5)
    x = (R.standard_normal(shape) * 2 + 1).astype(np.float32)
    w = tf.constant(R.standard_normal(shape).astype(np.float32))
    eager_layer, graph_layer = _layer(shape, True, True, 1e-3), _layer(shape, True, True,
                                                                        1e-3)
    graph_layer.set_weights(eager_layer.get_weights())

    def step(layer):
        def run(t):
            with tf.GradientTape() as tape:
                tape.watch(t)
                loss = tf.reduce_sum(layer(t, training=True) * w)
            return loss, tape.gradient(loss, [t] + layer.trainable_weights)
        return run

    fn = tf.function(step(graph_layer))
    for _ in range(2):  # the moving statistics advance alike
        eager = step(eager_layer)(tf.constant(x))
        graph = fn(tf.constant(x))
    for a, b in zip(tf.nest.flatten(eager), tf.nest.flatten(graph)):
        assert_close(b.numpy(), a.numpy(), 1e-6)
    for a, b in zip(eager_layer.get_weights(), graph_layer.get_weights()):
        assert_close(b, a, 1e-6)
    prims = _prims(fn, tf.constant(x))
    assert {"batch_norm_train", "batch_norm_train_grad"} <= prims and "rsqrt" not in prims


def test_unknown_batch_size_inside_function():
    layer = _layer((None, 3), True, True, 1e-3, "float64")
    fn = tf.function(lambda t: tf.reduce_sum(batch_norm_train(t)[1] * t),
                     input_signature=[tf.TensorSpec([None, 3], tf.float64)])
    x = R.standard_normal((5, 3))
    assert_close(fn(tf.constant(x)).numpy(), np.sum(x.mean(0) * x), 1e-12)

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float64)])
    def grads(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y, mean, var = batch_norm_train(t, layer.gamma, layer.beta)
            loss = tf.reduce_sum(tf.sin(y)) + tf.reduce_sum(var) + tf.reduce_sum(mean)
        return tape.gradient(loss, t)

    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y, mean, var = batch_norm_train(xt, layer.gamma, layer.beta)
        loss = tf.reduce_sum(tf.sin(y)) + tf.reduce_sum(var) + tf.reduce_sum(mean)
    assert_close(grads(xt).numpy(), tape.gradient(loss, xt).numpy(), 1e-12)


def test_jit_compile_equals_numpy():
    pytest.importorskip("jax")
    shape = (6, 3, 4)
    x = tf.constant(R.standard_normal(shape).astype(np.float32))
    w = tf.constant(R.standard_normal(shape).astype(np.float32))
    for center, scale in ((True, True), (False, True), (True, False)):
        layers = [_layer(shape, center, scale, 1e-3) for _ in range(2)]
        layers[1].set_weights(layers[0].get_weights())

        def step(layer):
            def run(t):
                with tf.GradientTape() as tape:
                    tape.watch(t)
                    loss = tf.reduce_sum(layer(t, training=True) * w)
                return loss, tape.gradient(loss, [t] + layer.trainable_weights)
            return run

        on_numpy = tf.function(step(layers[0]))(x)
        on_xla = tf.function(step(layers[1]), jit_compile=True)(x)
        for a, b in zip(tf.nest.flatten(on_numpy), tf.nest.flatten(on_xla)):
            assert_close(np.asarray(b), np.asarray(a), 1e-5)
        for a, b in zip(layers[0].get_weights(), layers[1].get_weights()):
            assert_close(np.asarray(b), a, 1e-6)


# -- Keras 3, mixed precision, where the composite stays -------------------------------------

@pytest.mark.parametrize("shape, center, scale, eps", CONFIGS[:4], ids=IDS[:4])
def test_same_training_values_as_keras3(shape, center, scale, eps):
    x = (R.standard_normal((6,) + shape[1:]) * 3 + 1).astype(np.float32)
    check_against_keras3("BatchNormalization", {
        "center": center, "scale": scale, "epsilon": eps,
        "gamma_initializer": "random_uniform", "beta_initializer": "random_normal"},
        x, call_kwargs={"training": True}, configs=False)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_computes_in_float32(policy):
    if policy == "mixed_bfloat16":
        pytest.importorskip("ml_dtypes")
    K = keras3()
    x = (R.standard_normal((16, 4, 8)) * 2 + 3).astype(np.float32)
    ours = L.BatchNormalization(momentum=0.5, dtype=policy)
    theirs = K.layers.BatchNormalization(momentum=0.5, dtype=policy)
    ours.build(x.shape)
    theirs.build(x.shape)
    theirs.set_weights(ours.get_weights())
    y = ours(x, training=True)
    assert y.dtype.name == policy.split("_")[1]
    want = np.asarray(theirs(x, training=True)).astype(np.float64)
    ulp = 4e-3 if policy == "mixed_float16" else 3e-2  # an output rounding or two apart
    np.testing.assert_allclose(y.numpy().astype(np.float64), want, rtol=ulp, atol=ulp)
    # the moving statistics stay float32, computed in float32 (x is rounded to the
    # compute dtype first, as the layer's input)
    x16 = tf.cast(tf.constant(x), policy.split("_")[1]).numpy().astype(np.float64)
    for v, stat in ((ours.moving_mean, x16.mean((0, 1))),
                    (ours.moving_variance, x16.var((0, 1)))):
        assert v.dtype.name == "float32"
        start = 0.0 if v is ours.moving_mean else 1.0
        assert_close(v.numpy(), 0.5 * start + 0.5 * stat, 1e-2)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.cast(ours(xt, training=True), "float32"))
    grads = tape.gradient(loss, ours.trainable_weights)
    assert [g.dtype.name for g in grads] == ["float32", "float32"]
    assert_close(grads[1].numpy(), np.full(8, 64.0), 1e-6)


def test_other_forms_keep_the_composite():
    """Another axis, `training` as a tensor, inference and a frozen layer: no fused op."""
    x = tf.constant(R.standard_normal((4, 3, 5)).astype(np.float32))
    cases = [(L.BatchNormalization(axis=1), True), (L.BatchNormalization(), False),
             (L.BatchNormalization(), tf.constant(True))]
    frozen = L.BatchNormalization()
    frozen.trainable = False
    cases.append((frozen, True))
    for layer, training in cases:
        fn = tf.function(lambda t, layer=layer, training=training: layer(t, training=training))
        assert "batch_norm_train" not in _prims(fn, x)
    fused = L.BatchNormalization()
    fn = tf.function(lambda t: fused(t, training=True))
    assert "batch_norm_train" in _prims(fn, x)


# -- errors ----------------------------------------------------------------------------------

def test_bad_shapes_and_dtypes_name_the_primitive():
    x = tf.constant(R.standard_normal((4, 3)).astype(np.float32))
    v3 = tf.constant(np.ones(3, np.float32))
    with pytest.raises(tf.errors.ShapeError, match=r"batch_norm_train: x must have rank >= 2"):
        batch_norm_train(v3)
    with pytest.raises(tf.errors.ShapeError,
                       match=r"batch_norm_train: gamma must have shape \(C,\), C = 3"):
        batch_norm_train(x, tf.constant(np.ones(4, np.float32)))
    with pytest.raises(tf.errors.ShapeError, match=r"batch_norm_train: beta must have shape"):
        batch_norm_train(x, v3, tf.constant(np.ones((1, 3), np.float32)))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"batch_norm_train: scale=True and center=True take 2 weight"):
        bind(PRIMITIVES["batch_norm_train"], x, v3, epsilon=1e-3, scale=True, center=True)
    with pytest.raises(tf.errors.DTypeError, match="batch_norm_train"):
        batch_norm_train(x, tf.constant(np.ones(3)))
    with pytest.raises(tf.errors.DTypeError, match="batch_norm_train"):
        batch_norm_train(tf.constant(np.ones((2, 3), np.int32)))
    grad = PRIMITIVES["batch_norm_train_grad"]
    params = {"epsilon": 1e-3, "scale": True, "center": True}
    with pytest.raises(tf.errors.ShapeError,
                       match=r"batch_norm_train_grad: dy must have x's shape"):
        bind(grad, tf.constant(np.ones((4, 2), np.float32)), x, v3, v3, v3, **params)
    with pytest.raises(tf.errors.ShapeError,
                       match=r"batch_norm_train_grad: var must have shape \(C,\)"):
        bind(grad, x, x, v3, tf.constant(np.ones(2, np.float32)), v3, **params)
    with pytest.raises(tf.errors.ShapeError, match=r"batch_norm_train_grad: gamma must have"):
        bind(grad, x, x, v3, v3, tf.constant(np.ones(2, np.float32)), **params)

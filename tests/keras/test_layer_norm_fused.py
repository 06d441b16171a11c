"""LayerNormalization on the fused `layer_norm` / `layer_norm_grad` primitives
(ember/prims/nn.py): the same values as real Keras 3 (its NumPy backend) and as the
composed ops the layer used before, gradients of every order against float64 central
differences, mixed precision computed in float32, and the same results inside
ember.function, compiled fit and XLA (jit_compile)."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras.layers import normalization as N
from tests.helpers import assert_close, numeric_gradient
from tests.keras.layer_oracle import check_against_keras3
from tests.keras3_oracle import keras3

L = keras.layers
R = np.random.default_rng(5)

# (input shape, axis, center, scale, epsilon)
CONFIGS = [((4, 5), -1, True, True, 1e-3), ((2, 3, 4), [1, 2], True, True, 1e-5),
           ((2, 3, 4), 1, True, False, 1e-3), ((2, 3, 4, 2), (-1, -3), False, True, 0.1),
           ((3, 6), -1, False, False, 1e-3), ((2, 3, 4), [0, 2], True, True, 1e-3)]
IDS = ["last", "two-last", "middle-center-only", "split-scale-only", "plain", "first-last"]


def _axes(shape, axis):
    return tuple(sorted(a % len(shape) for a in ((axis,) if isinstance(axis, int) else axis)))


def _reference(x, axes, eps, gamma=None, beta=None):
    """The layer's formula in float64."""
    x = x.astype(np.float64)
    y = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)
    bshape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]
    if gamma is not None:
        y = y * np.asarray(gamma, np.float64).reshape(bshape)
    if beta is not None:
        y = y + np.asarray(beta, np.float64).reshape(bshape)
    return y


def _layer(shape, axis, center, scale, eps, dtype="float32", cls=L.LayerNormalization):
    """A built layer with random weights."""
    layer = cls(axis=axis, center=center, scale=scale, epsilon=eps, dtype=dtype)
    layer.build(shape)
    layer.set_weights([R.uniform(0.5, 2.0, w.shape) if w is layer.gamma else
                       R.standard_normal(w.shape) for w in layer.weights])
    return layer


def _weights(layer):
    """(gamma, beta) as arrays, None where the layer has none."""
    return tuple(None if v is None else v.numpy() for v in (layer.gamma, layer.beta))


class _Composed(L.LayerNormalization):
    """The layer as it was before the fused primitive: moments, then composed ops."""

    def call(self, inputs):
        mean, variance = N.moments(inputs, list(self._axes), keepdims=True)
        return self._normalize(inputs, mean, variance, self._bshape)


def _loss_and_grads(layer, x, w):
    """sum(layer(x) * w) and its gradients wrt x and the layer's weights."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(layer(xt) * w)
    return loss, tape.gradient(loss, [xt] + layer.trainable_weights)


# -- values --------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, axis, center, scale, eps", CONFIGS, ids=IDS)
def test_same_values_as_keras3(shape, axis, center, scale, eps):
    x = (R.standard_normal((3,) + shape[1:]) * 3 + 1).astype(np.float32)
    layer, y = check_against_keras3("LayerNormalization", {
        "axis": axis, "center": center, "scale": scale, "epsilon": eps,
        "gamma_initializer": "random_uniform", "beta_initializer": "random_normal"},
        x, configs=False)
    gamma, beta = _weights(layer)
    assert_close(y.numpy(), _reference(x, _axes(x.shape, axis), eps, gamma, beta), 1e-5)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_computes_in_float32_as_keras3(policy):
    if policy == "mixed_bfloat16":
        pytest.importorskip("ml_dtypes")
    K = keras3()
    x = (R.standard_normal((4, 3, 16)) * 2 + 3).astype(np.float32)
    ours = _layer((4, 3, 16), -1, True, True, 1e-3, dtype=policy)
    theirs = K.layers.LayerNormalization(epsilon=1e-3, dtype=policy)
    theirs.build(x.shape)
    theirs.set_weights(ours.get_weights())
    y = ours(x)
    assert y.dtype.name == policy.split("_")[1]
    want = np.asarray(theirs(x)).astype(np.float64)
    # at most one rounding of the output apart (both compute in float32)
    ulp = 2e-3 if policy == "mixed_float16" else 1.6e-2
    np.testing.assert_allclose(y.numpy().astype(np.float64), want, rtol=ulp, atol=ulp)
    # the weights stay float32 and get float32 gradients
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.cast(ours(xt), "float32"))
    grads = tape.gradient(loss, ours.trainable_weights)
    assert [g.dtype.name for g in grads] == ["float32", "float32"]
    assert_close(grads[1].numpy(), np.full(16, 12.0), 1e-6)


@pytest.mark.parametrize("shape, axis, center, scale, eps", CONFIGS, ids=IDS)
def test_values_and_gradients_equal_the_composed_ops(shape, axis, center, scale, eps):
    x = (R.standard_normal(shape) * 2 - 1).astype(np.float32)
    w = R.standard_normal(shape).astype(np.float32)
    fused = _layer(shape, axis, center, scale, eps)
    composed = _layer(shape, axis, center, scale, eps, cls=_Composed)
    composed.set_weights(fused.get_weights())
    (l1, g1), (l2, g2) = _loss_and_grads(fused, x, w), _loss_and_grads(composed, x, w)
    assert_close(fused(x).numpy(), composed(x).numpy(), 2e-6)
    assert_close(l1.numpy(), l2.numpy(), 1e-5)
    for a, b in zip(g1, g2):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert_close(a.numpy(), b.numpy(), 1e-5)


# -- gradients -----------------------------------------------------------------------------

@pytest.mark.parametrize("shape, axis, center, scale, eps", CONFIGS, ids=IDS)
def test_gradients_match_finite_differences_float64(shape, axis, center, scale, eps):
    x = R.standard_normal(shape) * 2 + 1
    w = R.standard_normal(shape)
    layer = _layer(shape, axis, center, scale, eps, dtype="float64")
    axes = _axes(shape, axis)
    gamma, beta = _weights(layer)
    _, grads = _loss_and_grads(layer, x, w)
    assert_close(grads[0].numpy(), numeric_gradient(
        lambda v: float(np.sum(_reference(v, axes, eps, gamma, beta) * w)), x), 1e-7)
    others = tuple(a for a in range(len(shape)) if a not in axes)
    k = 1
    if scale:
        assert_close(grads[k].numpy(), numeric_gradient(
            lambda v: float(np.sum(_reference(x, axes, eps, v, beta) * w)), gamma), 1e-7)
        k += 1
    if center:
        assert_close(grads[k].numpy(), w.sum(axis=others), 1e-12)


def test_second_and_third_order_gradients():
    """A gradient penalty (d/dx of |dL/dx|^2) through the fused gradient: equal to the
    composed ops' and to central differences of the first gradient."""
    shape = (3, 2, 5)
    x = R.standard_normal(shape)
    w = R.standard_normal(shape)

    def penalty(layer, xv):
        xt = tf.constant(xv)
        with tf.GradientTape(persistent=True) as outer:
            outer.watch(xt)
            with tf.GradientTape() as inner:
                inner.watch(xt)
                loss = tf.reduce_sum(layer(xt) * w)
            gx, gg = inner.gradient(loss, [xt, layer.gamma])
            pen = tf.reduce_sum(gx * gx) + tf.reduce_sum(gg * gg * gg)
        return pen, outer.gradient(pen, [xt, layer.gamma])

    fused = _layer(shape, [1, 2], True, True, 1e-2, dtype="float64")
    composed = _layer(shape, [1, 2], True, True, 1e-2, dtype="float64", cls=_Composed)
    composed.set_weights(fused.get_weights())
    (p1, (hx1, hg1)), (p2, (hx2, hg2)) = penalty(fused, x), penalty(composed, x)
    assert_close(p1.numpy(), p2.numpy(), 1e-10)
    assert_close(hx1.numpy(), hx2.numpy(), 1e-9)
    assert_close(hg1.numpy(), hg2.numpy(), 1e-9)
    assert_close(hx1.numpy(), numeric_gradient(lambda v: float(penalty(fused, v)[0]), x), 1e-5)
    # third order: the gradient of sin applied to the penalty's gradient
    def third(xv):
        xt = tf.constant(xv)
        with tf.GradientTape() as t3:
            t3.watch(xt)
            h = tf.reduce_sum(tf.sin(penalty_grad(xt)))
        return h, t3.gradient(h, xt)

    def penalty_grad(xt):
        with tf.GradientTape() as t2:
            t2.watch(xt)
            with tf.GradientTape() as t1:
                t1.watch(xt)
                loss = tf.reduce_sum(fused(xt) * w)
            g = t1.gradient(loss, xt)
            pen = tf.reduce_sum(g * g)
        return t2.gradient(pen, xt)

    assert_close(third(x)[1].numpy(), numeric_gradient(lambda v: float(third(v)[0]), x),
                 1e-5)


# -- compiled ------------------------------------------------------------------------------

def _prims(fn, *args):
    return {e.prim.name for e in fn.get_concrete_function(*args).graph.eqns}


def test_in_function_equals_eager_and_uses_the_fused_primitives():
    shape = (4, 6, 8)
    x = R.standard_normal(shape).astype(np.float32)
    w = tf.constant(R.standard_normal(shape).astype(np.float32))
    layer = _layer(shape, -1, True, True, 1e-5)

    def traced(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            loss = tf.reduce_sum(layer(t) * w)
        return loss, tape.gradient(loss, [t] + layer.trainable_weights)

    fn = tf.function(traced)
    eager = traced(tf.constant(x))
    graph = fn(tf.constant(x))
    for a, b in zip(tf.nest.flatten(eager), tf.nest.flatten(graph)):
        assert_close(b.numpy(), a.numpy(), 1e-6)
    prims = _prims(fn, tf.constant(x))
    assert {"layer_norm", "layer_norm_grad"} <= prims and "rsqrt" not in prims


def _fit(jit_compile, run_eagerly=False):
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((40, 5, 6)).astype(np.float32)
    y = rng.standard_normal((40, 2)).astype(np.float32)
    model = keras.Sequential([keras.Input((5, 6)), L.Dense(8),
                              L.LayerNormalization(axis=[1, 2], epsilon=1e-5),
                              L.Flatten(), L.Dense(2)])
    model.compile("adam", "mse", jit_compile=jit_compile, run_eagerly=run_eagerly)
    hist = model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    return model.get_weights(), hist.history["loss"], model.predict(x[:4], verbose=0)


def test_compiled_fit_equals_eager_fit():
    w0, h0, p0 = _fit(False, run_eagerly=True)
    w1, h1, p1 = _fit(False)
    for a, b in zip(w0, w1):
        assert_close(b, a, 1e-5)
    assert_close(h1, h0, 1e-5)
    assert_close(p1, p0, 1e-5)


def test_jit_compile_equals_numpy():
    pytest.importorskip("jax")
    shape = (4, 6, 8)
    x = tf.constant(R.standard_normal(shape).astype(np.float32))
    w = tf.constant(R.standard_normal(shape).astype(np.float32))
    for axis, center, scale in ((-1, True, True), ([0, 2], False, True), (1, True, False)):
        layer = _layer(shape, axis, center, scale, 1e-3)

        def step(t):
            with tf.GradientTape() as tape:
                tape.watch(t)
                loss = tf.reduce_sum(layer(t) * w)
            return layer(t), tape.gradient(loss, [t] + layer.trainable_weights)

        on_numpy = tf.function(step)(x)
        on_xla = tf.function(step, jit_compile=True)(x)
        for a, b in zip(tf.nest.flatten(on_numpy), tf.nest.flatten(on_xla)):
            assert_close(np.asarray(b), np.asarray(a), 1e-5)
    w0, h0, p0 = _fit(False)
    w1, h1, p1 = _fit(True)
    for a, b in zip(w0, w1):
        assert_close(np.asarray(b), a, 1e-5)
    assert_close(h1, h0, 1e-5)
    assert_close(np.asarray(p1), p0, 1e-5)

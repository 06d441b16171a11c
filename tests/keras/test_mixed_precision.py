"""Mixed precision (issue 14): keras.mixed_precision policies keep weights in float32 and
compute in float16 / bfloat16, on the NumPy backend and through XLA."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras

pytest.importorskip("ml_dtypes")  # bfloat16 on NumPy


@pytest.fixture(autouse=True)
def float32_after():
    yield
    keras.mixed_precision.set_global_policy("float32")


def test_policies_name_their_dtypes():
    p = keras.mixed_precision.DTypePolicy("mixed_bfloat16")
    assert (p.name, p.compute_dtype, p.variable_dtype) == ("mixed_bfloat16", "bfloat16",
                                                           "float32")
    assert keras.mixed_precision.Policy("float16").variable_dtype == "float16"
    assert keras.mixed_precision.global_policy().name == "float32"
    with pytest.raises(ValueError, match="'mixed_float8' is not a dtype or a policy name"):
        keras.mixed_precision.DTypePolicy("mixed_float8")


def test_a_mixed_dense_keeps_float32_weights_and_computes_in_bfloat16():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    layer = keras.layers.Dense(4)
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    with tf.GradientTape() as tape:
        y = layer(x)
        loss = tf.reduce_sum(tf.cast(y, tf.float32))
    assert layer.dtype == "float32" and layer.compute_dtype == "bfloat16"
    assert layer.kernel.dtype == tf.float32 and y.dtype == tf.bfloat16
    want = x @ layer.kernel.numpy() + layer.bias.numpy()
    np.testing.assert_allclose(y.numpy().astype(np.float32), want, rtol=3e-2, atol=3e-2)
    g = tape.gradient(loss, layer.kernel)
    assert g.dtype == tf.float32
    np.testing.assert_allclose(g.numpy(), np.repeat(x.sum(0)[:, None], 4, 1), rtol=3e-2,
                               atol=3e-2)


def test_a_layer_given_a_policy_and_a_float32_head():
    layer = keras.layers.Dense(2, dtype="mixed_float16")
    assert layer.dtype_policy.name == "mixed_float16" and layer.compute_dtype == "float16"
    head = keras.layers.Activation("linear", dtype="float32")
    out = head(layer(np.ones((1, 3), np.float32)))
    assert out.dtype == tf.float32


@pytest.mark.parametrize("jit", [False, True])
def test_fit_with_mixed_bfloat16_trains_float32_weights(jit):
    if jit:
        pytest.importorskip("jax")
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 8, 8, 1)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0).astype(np.int64)
    m = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                          keras.layers.Flatten(), keras.layers.Dense(2)])
    m.compile(keras.optimizers.Adam(0.01),
              keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              jit_compile=jit)
    h = m.fit(x, y, epochs=6, batch_size=32, verbose=0)
    assert all(w.dtype == tf.float32 for w in m.weights)
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert m.predict(x[:2], verbose=0).dtype == tf.bfloat16.as_numpy_dtype


@pytest.mark.parametrize("jit", [False, True])
def test_mixed_float16_fit_scales_the_loss(jit):
    if jit:
        pytest.importorskip("jax")
    keras.mixed_precision.set_global_policy("mixed_float16")
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 6)).astype(np.float32)
    y = x @ rng.standard_normal((6, 1)).astype(np.float32)
    m = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(1)])
    m.compile(keras.optimizers.SGD(0.05), "mse", jit_compile=jit)
    assert isinstance(m.optimizer, keras.mixed_precision.LossScaleOptimizer)
    h = m.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert all(w.dtype == tf.float32 for w in m.weights)
    assert h.history["loss"][-1] < h.history["loss"][0] * 0.7
    scale = float(m.optimizer.dynamic_scale)  # halved on each overflowing step, no growth
    assert scale <= 2.0 ** 15 and np.log2(scale) == int(np.log2(scale))  # in 32 steps


@pytest.mark.parametrize("jit", [False, True])
def test_a_step_with_an_inf_gradient_changes_nothing_and_halves_the_scale(jit):
    if jit:
        pytest.importorskip("jax")
    opt = keras.mixed_precision.LossScaleOptimizer(keras.optimizers.Adam(0.1),
                                                   initial_scale=8.0, dynamic_growth_steps=2)
    v = tf.Variable([1.0, 2.0])

    @tf.function(jit_compile=jit)
    def step(g):
        opt.apply([g], [v])

    step(tf.constant([8.0, 8.0]))  # scaled: an unscaled gradient of 1
    after_one = v.numpy()
    slots = [s.numpy() for s in opt.inner_optimizer.variables]
    step(tf.constant([np.inf, 8.0]))
    np.testing.assert_array_equal(v.numpy(), after_one)
    for a, b in zip(slots, [s.numpy() for s in opt.inner_optimizer.variables]):
        np.testing.assert_array_equal(a, b)
    assert float(opt.dynamic_scale) == 4.0
    step(tf.constant([4.0, 4.0]))
    step(tf.constant([4.0, 4.0]))  # two good steps in a row: the scale doubles
    assert float(opt.dynamic_scale) == 8.0
    plain = tf.Variable([1.0, 2.0])
    ref = keras.optimizers.Adam(0.1)
    for _ in range(3):
        ref.apply([tf.constant([1.0, 1.0])], [plain])
    np.testing.assert_allclose(v.numpy(), plain.numpy(), rtol=1e-6)


def test_loss_scale_optimizer_checks_its_arguments():
    with pytest.raises(ValueError, match="initial_scale must be > 0"):
        keras.mixed_precision.LossScaleOptimizer(keras.optimizers.SGD(), initial_scale=0)

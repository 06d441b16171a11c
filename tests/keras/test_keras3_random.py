"""keras.random (Keras 3): distributions by their moments, seeds (an int repeats, a
SeedGenerator advances, also in compiled functions), and bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember as tf
from ember import keras

R = keras.random
N = 20000


@pytest.mark.parametrize("draw,mean,var", [
    (lambda s: R.normal((N,), 1.0, 2.0, seed=s), 1.0, 4.0),
    (lambda s: R.uniform((N,), -1.0, 3.0, seed=s), 1.0, 16.0 / 12),
    (lambda s: R.truncated_normal((N,), 0.0, 1.0, seed=s), 0.0, 0.7737),
    (lambda s: R.gamma((N,), 2.5, seed=s), 2.5, 2.5),
    (lambda s: R.gamma((N,), 0.5, seed=s), 0.5, 0.5),
    (lambda s: R.beta((N,), 2.0, 3.0, seed=s), 0.4, 2 * 3 / (25 * 6)),
    (lambda s: R.binomial((N,), 12, 0.25, seed=s), 3.0, 12 * 0.25 * 0.75),
    (lambda s: R.randint((N,), 0, 10, seed=s), 4.5, 99 / 12),
])
def test_distributions_have_their_moments_and_int_seeds_repeat(draw, mean, var):
    x = draw(11).numpy().astype(np.float64)
    se = math.sqrt(var / N)
    assert abs(x.mean() - mean) < 5 * se + 1e-3
    assert abs(x.var() - var) < 0.06 * var
    np.testing.assert_array_equal(draw(11).numpy(), x.astype(draw(11).numpy().dtype))
    assert not np.array_equal(draw(12).numpy(), draw(11).numpy())


def test_dtypes_follow_keras3():
    assert R.normal((2,)).dtype.name == "float32"
    assert R.normal((2,), dtype="float64").dtype.name == "float64"
    assert R.randint((2,), 0, 5).dtype.name == "int32"
    assert R.categorical([[0.0, 0.0]], 2).dtype.name == "int32"
    assert R.gamma((2,), 1.0, dtype="float16").dtype.name == "float16"


def test_a_seed_generator_gives_new_numbers_each_call_also_compiled():
    gen = R.SeedGenerator(5)
    a, b = R.normal((4,), seed=gen).numpy(), R.normal((4,), seed=gen).numpy()
    assert not np.array_equal(a, b)
    again = R.SeedGenerator(5)
    np.testing.assert_array_equal(R.normal((4,), seed=again).numpy(), a)  # reproducible

    gen2 = R.SeedGenerator(9)

    @tf.function
    def draw():
        return R.uniform((3,), seed=gen2)
    first, second = draw().numpy(), draw().numpy()
    assert not np.array_equal(first, second)
    assert gen2.state.numpy().tolist() == [9, 2]


def test_unseeded_draws_follow_the_global_seed():
    keras.utils.set_random_seed(3)
    a = R.normal((3,)).numpy()
    b = R.normal((3,)).numpy()
    keras.utils.set_random_seed(3)
    np.testing.assert_array_equal(R.normal((3,)).numpy(), a)
    assert not np.array_equal(a, b)


def test_dropout_shuffle_categorical():
    x = np.ones((200, 50), "float32")
    y = R.dropout(x, 0.3, seed=1).numpy()
    assert set(np.unique(y).tolist()) <= {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.02
    shared = R.dropout(x, 0.5, noise_shape=(1, 50), seed=2).numpy()
    assert (shared == shared[0]).all()  # one draw along the batch
    v = np.arange(100)
    s = R.shuffle(v, seed=4).numpy()
    assert sorted(s.tolist()) == v.tolist() and not np.array_equal(s, v)
    m = np.arange(12).reshape(3, 4)
    cols = R.shuffle(m, axis=1, seed=4).numpy()
    assert sorted(cols[0].tolist()) == [0, 1, 2, 3] and (cols - cols[0] == [[0], [4], [8]]).all()
    logits = np.log(np.array([[0.2, 0.8], [0.9, 0.1]], "float32"))
    c = R.categorical(logits, 5000, seed=3).numpy()
    assert c.shape == (2, 5000)
    np.testing.assert_allclose(c.mean(axis=1), [0.8, 0.1], atol=0.03)


def test_in_a_layer_dropout_differs_each_training_step():
    class Noisy(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.gen = R.SeedGenerator(0)

        def call(self, x):
            return x + R.normal(tf.shape(x), stddev=0.1, seed=self.gen)
    inp = keras.Input((4,))
    model = keras.Model(inp, keras.layers.Dense(1)(Noisy()(inp)))
    model.compile("sgd", "mse")
    layer = model.layers[1]
    before = layer.gen.state.numpy()[1]
    model.fit(np.ones((32, 4)), np.ones((32, 1)), batch_size=8, epochs=1, verbose=0)
    assert layer.gen.state.numpy()[1] == before + 4  # one draw per step


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="seed must be an int, a keras.random.SeedGenerator"):
        R.normal((2,), seed="abc")
    with pytest.raises(ValueError, match="dtype must be a float dtype"):
        R.normal((2,), dtype="int32")
    with pytest.raises(ValueError, match="dtype must be an integer dtype"):
        R.randint((2,), 0, 3, dtype="float32")
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\)"):
        R.dropout(np.ones(3), 1.5)
    with pytest.raises(ValueError, match="logits must be 2-D"):
        R.categorical([0.0, 1.0], 2)
    with pytest.raises(ValueError, match="SeedGenerator: seed must be an int"):
        R.SeedGenerator("x")

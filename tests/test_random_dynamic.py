"""Random ops inside ember.function with dims known only at run time (the batch dim of a
model traced for every batch size): `ember.random.uniform(ember.shape(x))` and friends."""

import numpy as np
import pytest

import ember as tf
from ember.core.errors import DTypeError, InvalidArgumentError, ShapeError

ROWS = [tf.TensorSpec([None, 3], tf.float32)]


def _x(n):
    return np.zeros((n, 3), np.float32)


def test_uniform_takes_a_run_time_shape_and_draws_anew_each_call():
    f = tf.function(lambda x: tf.random.uniform(tf.shape(x)), input_signature=ROWS)
    assert f.get_concrete_function().graph.outputs[0].shape.as_list() == [None, 3]
    a, b = f(_x(4)).numpy(), f(_x(4)).numpy()
    assert a.shape == (4, 3) and f(_x(7)).shape == (7, 3)
    assert ((0 <= a) & (a < 1)).all() and not np.array_equal(a, b)


def test_normal_with_a_mixed_shape_list_has_its_distribution():
    f = tf.function(lambda x: tf.random.normal([tf.shape(x)[0], 3], mean=2.0, stddev=0.5),
                    input_signature=ROWS)
    z = f(_x(20000)).numpy()
    assert z.shape == (20000, 3) and z.dtype == np.float32
    assert abs(z.mean() - 2.0) < 0.02 and abs(z.std() - 0.5) < 0.02


def test_truncated_normal_and_integer_uniform_ranges():
    f = tf.function(lambda x: (tf.random.truncated_normal(tf.shape(x)),
                               tf.random.uniform([tf.shape(x)[0]], minval=3, maxval=9,
                                                 dtype=tf.int64)),
                    input_signature=ROWS)
    t, k = f(_x(5000))
    assert np.abs(t.numpy()).max() <= 2.0 and k.dtype == tf.int64
    assert set(np.unique(k.numpy())) == set(range(3, 9))


def test_stateless_ops_match_eager_for_the_same_concrete_shape():
    f = tf.function(lambda x: tf.random.stateless_normal(tf.shape(x), seed=[4, 2]),
                    input_signature=ROWS)
    np.testing.assert_array_equal(f(_x(6)).numpy(),
                                  tf.random.stateless_normal([6, 3], seed=[4, 2]).numpy())


def test_set_seed_repeats_the_traced_sequence():
    f = tf.function(lambda x: tf.random.uniform(tf.shape(x)), input_signature=ROWS)
    tf.random.set_seed(11)
    first = [f(_x(3)).numpy() for _ in range(2)]
    tf.random.set_seed(11)
    again = [f(_x(3)).numpy() for _ in range(2)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    tf.random.set_seed(None)


def test_categorical_with_an_unknown_batch():
    f = tf.function(lambda logits: tf.random.categorical(logits, 4),
                    input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    logits = np.log(np.array([[1e-9, 1.0, 1e-9]] * 6, np.float32))
    out = f(logits).numpy()
    assert out.shape == (6, 4) and (out == 1).all()


def test_noise_layers_in_a_model_traced_for_every_batch_size():
    from ember import keras
    model = keras.Sequential([keras.Input((200,)), keras.layers.Dropout(0.25),
                              keras.layers.GaussianNoise(1.0)])
    step = tf.function(lambda x: model(x, training=True),
                       input_signature=[tf.TensorSpec([None, 200], tf.float32)])
    y = step(np.full((300, 200), 10.0, np.float32)).numpy()
    dropped = np.abs(y) < 5.0  # a dropped unit is 0 + N(0, 1) noise; a kept one ~13.3
    assert abs(dropped.mean() - 0.25) < 0.01
    assert abs(y[~dropped].mean() - 10.0 / 0.75) < 0.02
    assert abs(y[~dropped].std() - 1.0) < 0.02


@pytest.mark.parametrize("bad,error,match", [
    (lambda x: tf.random.uniform([tf.shape(x)[0], -1]), InvalidArgumentError, ">= 0"),
    (lambda x: tf.random.normal(tf.shape(x), mean=tf.ones([4])), ShapeError,
     "does not broadcast"),
    (lambda x: tf.random.uniform(tf.cast(tf.shape(x), tf.float32)), DTypeError,
     "1-D integer tensor"),
])
def test_bad_run_time_shapes_are_refused_at_trace_time(bad, error, match):
    f = tf.function(bad, input_signature=[tf.TensorSpec([None], tf.float32)])
    with pytest.raises(error, match=match):
        f(np.zeros(3, np.float32))

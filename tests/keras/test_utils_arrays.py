"""keras.utils: pad_sequences, normalize, timeseries_dataset_from_array, split_dataset,
to_categorical, set_random_seed.

Oracle: the outputs of Keras 3.15.1 (TensorFlow 2.21 backend) for the same calls, written
in below as literals (ember's suite does not need Keras)."""

from __future__ import annotations

import random

import numpy as np
import pytest

import ember as tf
from ember import keras

U = keras.utils


# ------------------------------------------------------------------------ pad_sequences

@pytest.mark.parametrize("kwargs, seqs, expected", [
    ({}, [[1], [2, 3], [4, 5, 6]], [[0, 0, 1], [0, 2, 3], [4, 5, 6]]),
    (dict(maxlen=2, padding="post", truncating="post", value=-1), [[1, 2, 3], [4]],
     [[1, 2], [4, -1]]),
    (dict(maxlen=3, truncating="post"), [[1, 2, 3, 4], [5, 6], []],
     [[1, 2, 3], [0, 5, 6], [0, 0, 0]]),
    (dict(maxlen=2, dtype="float32", value=0.5), [[1.5, 2.5, 3.5], [4.5]],
     [[2.5, 3.5], [0.5, 4.5]]),
    (dict(dtype=object, value="<pad>"), [["a", "b"], ["c"]], [["a", "b"], ["<pad>", "c"]]),
    (dict(dtype="<U3", value="x"), [["aa", "b"], ["c"]], [["aa", "b"], ["x", "c"]]),
])
def test_pad_sequences_matches_keras3(kwargs, seqs, expected):
    out = U.pad_sequences(seqs, **kwargs)
    assert out.tolist() == expected
    assert out.dtype == np.dtype(kwargs.get("dtype", "int32"))


def test_pad_sequences_of_arrays_and_errors():
    seqs = [np.ones((2, 2)), np.zeros((0, 2)), 2 * np.ones((3, 2))]
    out = U.pad_sequences(seqs, maxlen=2, padding="post")
    assert out.tolist() == [[[1, 1], [1, 1]], [[0, 0], [0, 0]], [[2, 2], [2, 2]]]
    assert U.pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)
    with pytest.raises(ValueError, match='padding must be "pre" or "post"'):
        U.pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match='truncating must be "pre" or "post"'):
        U.pad_sequences([[1]], truncating="both")
    with pytest.raises(ValueError, match="item 1 is 3"):
        U.pad_sequences([[1], 3])
    with pytest.raises(ValueError, match="set dtype=object|Set dtype=object"):
        U.pad_sequences([["a"]], value="x")
    with pytest.raises(ValueError, match="items of sequence 1 have shape"):
        U.pad_sequences([np.ones((1, 2)), np.ones((1, 3))])
    with pytest.raises(ValueError, match="must be a list of sequences"):
        U.pad_sequences(iter([[1]]))


# ---------------------------------------------------------------------------- normalize

def test_normalize_matches_keras3():
    x = np.array([[3., 4.], [1., 0.], [0., 0.]])
    np.testing.assert_allclose(U.normalize(x), [[0.6, 0.8], [1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(U.normalize(x, axis=1, order=1),
                               [[3 / 7, 4 / 7], [1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(U.normalize(np.array([1., 2., 2.]), axis=None),
                               [[1 / 3, 2 / 3, 2 / 3]])
    np.testing.assert_allclose(U.normalize(np.arange(6.).reshape(2, 3), order=np.inf),
                               [[0.0, 0.5, 1.0], [0.6, 0.8, 1.0]])
    # axis=0 normalizes columns (Keras 3.15's NumPy path turns axis=0 into -1: a bug)
    np.testing.assert_allclose(U.normalize(x, axis=0), x / np.sqrt([10.0, 16.0]))


def test_normalize_tensor_in_tensor_out():
    t = U.normalize(tf.constant([[3.0, 4.0], [0.0, 0.0]]))
    assert isinstance(t, tf.Tensor) and t.dtype == tf.float32
    np.testing.assert_allclose(t.numpy(), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(U.normalize(tf.Variable([[1.0, 3.0]]), order=1).numpy(),
                               [[0.25, 0.75]])


# ----------------------------------------------------------- timeseries_dataset_from_array

def _dump(ds):
    out = []
    for b in ds:
        out.append([b[0].numpy().tolist(), b[1].numpy().tolist()] if isinstance(b, tuple)
                   else b.numpy().tolist())
    return out


DATA = np.arange(20)


@pytest.mark.parametrize("args, kwargs, expected", [
    ((DATA, None), dict(sequence_length=4, batch_size=3),
     [[[0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5]], [[3, 4, 5, 6], [4, 5, 6, 7], [5, 6, 7, 8]],
      [[6, 7, 8, 9], [7, 8, 9, 10], [8, 9, 10, 11]],
      [[9, 10, 11, 12], [10, 11, 12, 13], [11, 12, 13, 14]],
      [[12, 13, 14, 15], [13, 14, 15, 16], [14, 15, 16, 17]],
      [[15, 16, 17, 18], [16, 17, 18, 19]]]),
    ((DATA, DATA * 10), dict(sequence_length=3, sequence_stride=2, sampling_rate=2,
                             batch_size=4),
     [[[[0, 2, 4], [2, 4, 6], [4, 6, 8], [6, 8, 10]], [0, 20, 40, 60]],
      [[[8, 10, 12], [10, 12, 14], [12, 14, 16], [14, 16, 18]], [80, 100, 120, 140]]]),
    ((DATA, DATA), dict(sequence_length=3, start_index=5, end_index=15, batch_size=None),
     [[[5, 6, 7], 5], [[6, 7, 8], 6], [[7, 8, 9], 7], [[8, 9, 10], 8], [[9, 10, 11], 9],
      [[10, 11, 12], 10], [[11, 12, 13], 11], [[12, 13, 14], 12]]),
    ((np.arange(24.).reshape(12, 2), np.arange(12)), dict(sequence_length=5,
                                                          sequence_stride=3, batch_size=2),
     [[[[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0], [8.0, 9.0]],
        [[6.0, 7.0], [8.0, 9.0], [10.0, 11.0], [12.0, 13.0], [14.0, 15.0]]], [0, 3]],
      [[[[12.0, 13.0], [14.0, 15.0], [16.0, 17.0], [18.0, 19.0], [20.0, 21.0]]], [6]]]),
    ((DATA, DATA[3:]), dict(sequence_length=3, batch_size=8),
     [[[[i, i + 1, i + 2] for i in range(8)], list(range(3, 11))],
      [[[i, i + 1, i + 2] for i in range(8, 16)], list(range(11, 19))],
      [[[16, 17, 18]], [19]]]),
])
def test_timeseries_dataset_matches_keras3(args, kwargs, expected):
    ds = U.timeseries_dataset_from_array(*args, **kwargs)
    assert _dump(ds) == expected
    assert _dump(ds) == expected  # a dataset can be read again


def test_timeseries_shuffle_is_seeded_and_a_permutation():
    data = np.arange(30.0)
    ds = U.timeseries_dataset_from_array(data, data, sequence_length=4, batch_size=5,
                                         shuffle=True, seed=7)
    again = U.timeseries_dataset_from_array(data, data, sequence_length=4, batch_size=5,
                                            shuffle=True, seed=7)
    windows = [w for x, _ in ds for w in x.numpy().tolist()]
    assert windows == [w for x, _ in again for w in x.numpy().tolist()]
    assert sorted(w[0] for w in windows) == list(range(27))
    assert all(w == [w[0] + i for i in range(4)] for w in windows)
    assert ds.element_spec[0].shape.as_list() == [None, 4]


def test_timeseries_errors():
    f = U.timeseries_dataset_from_array
    with pytest.raises(ValueError, match="start_index must be lower than the length"):
        f(DATA, None, 3, start_index=20)
    with pytest.raises(ValueError, match="end_index must be higher than start_index"):
        f(DATA, None, 3, start_index=5, end_index=5)
    with pytest.raises(ValueError, match="sampling_rate must be a positive int"):
        f(DATA, None, 3, sampling_rate=0)
    with pytest.raises(ValueError, match="sequence_stride must be lower"):
        f(DATA, None, 3, sequence_stride=20)
    with pytest.raises(ValueError, match="sequence_length must be a positive int"):
        f(DATA, None, 0)


# ------------------------------------------------------------------------ split_dataset

def _rows(ds):
    return [[t.numpy().tolist() for t in e] if isinstance(e, tuple) else e.numpy().tolist()
            for e in ds]


def test_split_dataset_matches_keras3():
    a, b = np.arange(10), np.arange(10) * 2
    left, right = U.split_dataset((a, b), left_size=0.7)
    assert _rows(left) == [[i, 2 * i] for i in range(7)]
    assert _rows(right) == [[i, 2 * i] for i in range(7, 10)]
    left, right = U.split_dataset(a, right_size=3, shuffle=True, seed=7)
    assert (_rows(left), _rows(right)) == ([8, 3, 1, 4, 7, 0, 9], [6, 2, 5])
    left, right = U.split_dataset(a, left_size=4, right_size=0.3, shuffle=True, seed=1)
    assert (_rows(left), _rows(right)) == ([6, 8, 9, 7], [4, 1, 2])
    state = random.getstate()
    ds = tf.data.Dataset.from_tensor_slices((np.arange(8.).reshape(4, 2), np.arange(4)))
    left, right = U.split_dataset(ds.batch(3), left_size=0.5, shuffle=True, seed=3)
    assert random.getstate() == state  # the global `random` state is left alone
    assert _rows(left) == [[[[6.0, 7.0], [0.0, 1.0]], [3, 0]]]
    assert _rows(right) == [[[[4.0, 5.0], [2.0, 3.0]], [2, 1]]]


def test_split_dataset_dicts_and_lists():
    ds = tf.data.Dataset.from_tensor_slices({"x": np.arange(5.0), "y": np.arange(5)})
    left, right = U.split_dataset(ds, left_size=2)
    assert [float(e["x"]) for e in left] == [0.0, 1.0] and len(right) == 3
    left, right = U.split_dataset([np.arange(4), np.arange(4) + 10], right_size=0.25)
    assert _rows(right) == [[3, 13]]


def test_split_dataset_errors():
    with pytest.raises(ValueError, match="pass left_size or right_size"):
        U.split_dataset(np.arange(4))
    with pytest.raises(ValueError, match="left_size must be an int in"):
        U.split_dataset(np.arange(4), left_size=4)
    with pytest.raises(ValueError, match="left_size \\+ right_size = 1.2"):
        U.split_dataset(np.arange(4), left_size=0.6, right_size=0.6)
    with pytest.raises(TypeError, match="left_size must be an int"):
        U.split_dataset(np.arange(4), left_size="half")
    with pytest.raises(ValueError, match="same length"):
        U.split_dataset((np.arange(4), np.arange(3)), left_size=1)
    with pytest.raises(TypeError, match="must be an ember.data.Dataset"):
        U.split_dataset({"x": 1}, left_size=1)
    with pytest.raises(ValueError, match="right split empty"):
        U.split_dataset(np.arange(4), left_size=0.9)


# ---------------------------------------------------------- to_categorical, set_random_seed

def test_to_categorical_is_keras3s():
    out = U.to_categorical([0, 2], 3)
    assert out.dtype == np.float64 and out.tolist() == [[1, 0, 0], [0, 0, 1]]
    assert U.to_categorical([[1], [0]]).tolist() == [[0, 1], [1, 0]]
    t = U.to_categorical(tf.constant([1, 0]), 3)
    assert isinstance(t, tf.Tensor) and t.dtype == tf.float32
    assert U.to_categorical([1], 2, dtype="float32").dtype == np.float32  # tf.keras 2's arg


def test_set_random_seed_is_keras3s():
    U.set_random_seed(3)
    a = (random.random(), np.random.rand(), tf.random.uniform([2]).numpy().tolist())
    U.set_random_seed(3)
    assert a == (random.random(), np.random.rand(), tf.random.uniform([2]).numpy().tolist())
    with pytest.raises(ValueError, match="expected `seed` to be an int"):
        U.set_random_seed(1.5)

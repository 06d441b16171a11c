"""keras.layers categorical preprocessing (issue 16): CategoryEncoding, Hashing,
HashedCrossing and Discretization. Real Keras 3 on its NumPy backend runs CategoryEncoding
and Discretization (also its quantile summary, fed with update_state) and is compared
live; Hashing and HashedCrossing need TensorFlow there, so their bins were recorded with
TF 2.21 + Keras 3.15.1."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from tests.keras3_oracle import keras3

L = keras.layers
LETTERS = [["A"], ["B"], ["C"], ["D"], ["E"]]


def _np(x):
    return np.asarray(x.numpy()).tolist()


# -- Hashing / HashedCrossing (TF 2.21 + Keras 3.15.1) -----------------------------------
@pytest.mark.parametrize("kwargs,inputs,expected", [
    ({"num_bins": 3}, LETTERS, [[1], [0], [1], [1], [2]]),
    ({"num_bins": 3, "salt": 133}, LETTERS, [[0], [0], [2], [1], [0]]),
    ({"num_bins": 3, "salt": [133, 137]}, LETTERS, [[1], [2], [1], [0], [2]]),
    ({"num_bins": 3, "mask_value": ""}, [["A"], ["B"], [""], ["C"], ["D"]],
     [[1], [1], [0], [2], [2]]),
    ({"num_bins": 64, "salt": 1337}, np.array([[3], [10], [5], [1]]), [[17], [14], [19], [45]]),
    ({"num_bins": 64}, np.array([[3], [10], [5], [1]]), [[9], [46], [43], [33]]),
    ({"num_bins": 4, "mask_value": 0}, np.array([[3], [0], [5], [1]]), [[1], [0], [2], [1]]),
    ({"num_bins": 64}, np.array([[3.7], [-10.2]], "float32"), [[9], [61]]),
])
def test_hashing_bins_as_tf(kwargs, inputs, expected):
    out = L.Hashing(**kwargs)(tf.constant(inputs) if isinstance(inputs, list) else inputs)
    assert out.dtype == tf.int64 and _np(out) == expected


@pytest.mark.parametrize("mode,inputs,expected", [                 # TF 2.21 + Keras 3.15.1
    ("one_hot", ["A", "B", "C"], [[1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]),
    ("one_hot", [["A"], ["B"], ["C"]], [[1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]),
    ("multi_hot", [["A", "B"], ["C", "C"]], [[1, 0, 0, 0], [0, 0, 0, 1]]),
    ("count", [["A", "B"], ["C", "C"]], [[2, 0, 0, 0], [0, 0, 0, 2]]),
])
def test_hashing_encodings_as_tf(mode, inputs, expected):
    out = L.Hashing(num_bins=4, output_mode=mode)(tf.constant(inputs))
    assert out.dtype == tf.float32 and _np(out) == expected


def test_hashing_options():
    sp = L.Hashing(num_bins=4, output_mode="count", sparse=True)(tf.constant([["A", "B"],
                                                                             ["C", "C"]]))
    assert sp.indices.numpy().tolist() == [[0, 0], [1, 3]] and sp.values.numpy().tolist() == \
        [2.0, 2.0]                                                    # TF 2.21
    assert L.Hashing(num_bins=3, dtype="int32")(tf.constant(["a"])).dtype == tf.int32
    cfg = L.Hashing(num_bins=3, salt=5).get_config()
    assert cfg["salt"] == [5, 5] and cfg["dtype"] == "int64" and cfg["mask_value"] is None
    assert _np(L.Hashing(num_bins=3)(tf.ragged.constant([["A", "B"], ["C"]]).values)) == \
        [1, 0, 1]
    rt = L.Hashing(num_bins=3)(tf.ragged.constant([["A", "B"], ["C"]]))
    assert rt.to_list() == [[1, 0], [1]]


@pytest.mark.parametrize("inputs,bins,expected", [                 # TF 2.21 + Keras 3.15.1
    ((["A", "B", "A", "B", "A"], [101, 101, 101, 102, 102]), 5, [1, 4, 1, 1, 3]),
    (([["A"], ["B"]], [[101], [-5]]), 1000, [[891], [16]]),
    ((["A", "B"], ["x", "y"], [1, 2]), 1000, [30, 26]),
    ((3, 4), 1000, 786),
])
def test_hashed_crossing_as_tf(inputs, bins, expected):
    out = L.HashedCrossing(num_bins=bins)(tuple(tf.constant(x) for x in inputs))
    assert out.dtype == tf.int64 and _np(out) == expected


def test_hashed_crossing_one_hot_and_model():
    layer = L.HashedCrossing(num_bins=4, output_mode="one_hot")
    out = layer((tf.constant(["A", "B", "A"]), tf.constant([101, 101, 102])))
    assert _np(out) == [[0, 0, 0, 1], [0, 0, 1, 0], [0, 0, 0, 1]]     # TF 2.21
    a = keras.Input(shape=(1,), dtype="string")
    b = keras.Input(shape=(1,), dtype="int64")
    model = keras.Model([a, b], L.HashedCrossing(num_bins=5)((a, b)))
    got = model.predict([np.array([["A"], ["B"]]), np.array([[101], [101]])], verbose=0)
    assert got.tolist() == [[1], [4]]


# -- CategoryEncoding: live against Keras 3 -----------------------------------------------
@pytest.mark.parametrize("mode,x", [
    ("one_hot", [3, 2, 0, 1]), ("one_hot", [[1], [2], [3], [1]]),
    ("one_hot", [[0, 1], [2, 0]]), ("multi_hot", [[0, 1], [0, 0], [1, 2], [3, 1]]),
    ("multi_hot", [0, 1, 1]), ("count", [[0, 1, 1], [3, 3, 3]]),
    ("multi_hot", [[[0, 1], [2, 2]]]),
])
def test_category_encoding_as_keras3(mode, x):
    K = keras3()
    x = np.array(x)
    ours = L.CategoryEncoding(num_tokens=4, output_mode=mode)(x)
    theirs = K.layers.CategoryEncoding(num_tokens=4, output_mode=mode)(x)
    assert ours.dtype == tf.float32
    np.testing.assert_array_equal(ours.numpy(), np.asarray(theirs))


def test_category_encoding_weights_sparse_ragged():
    K = keras3()
    x, w = np.array([[0, 1], [0, 0], [1, 2], [3, 1]]), np.array([[.1, .2], [.1, .1],
                                                                  [.2, .3], [.4, .2]])
    ours = L.CategoryEncoding(4, output_mode="count")(x, count_weights=w)
    theirs = K.layers.CategoryEncoding(4, output_mode="count")(x, count_weights=w)
    np.testing.assert_allclose(ours.numpy(), np.asarray(theirs), atol=1e-6)
    sp = L.CategoryEncoding(4, output_mode="multi_hot", sparse=True)(x)
    assert sp.indices.numpy().tolist() == [[0, 0], [0, 1], [1, 0], [2, 1], [2, 2], [3, 1],
                                           [3, 3]]                   # TF 2.21
    assert _np(L.CategoryEncoding(3, output_mode="multi_hot")(
        tf.ragged.constant([[0, 1], [2]]))) == [[1, 1, 0], [0, 0, 1]]
    with pytest.raises(ValueError, match=r'"category_encoding.*token ids must be in \[0, '):
        L.CategoryEncoding(4)([[0, 7]])
    with pytest.raises(ValueError, match="only used with output_mode='count'"):
        L.CategoryEncoding(4, output_mode="multi_hot")([[0, 1]], count_weights=[[1.0, 1.0]])


# -- Discretization: live against Keras 3 --------------------------------------------------
X = np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]])


@pytest.mark.parametrize("mode,x", [
    ("int", X), ("one_hot", [-1., 0.5, 2.5]), ("one_hot", [[-1.], [1.5]]),
    ("multi_hot", [[-1., 0.5, 0.7], [3., 3., 3.]]), ("count", [[-1., 0.5, 0.7], [3., 3., 3.]]),
])
def test_discretization_as_keras3(mode, x):
    K = keras3()
    x = np.asarray(x, "float32")
    ours = L.Discretization(bin_boundaries=[0., 1., 2.], output_mode=mode)(x)
    theirs = K.layers.Discretization(bin_boundaries=[0., 1., 2.], output_mode=mode)(x)
    np.testing.assert_array_equal(ours.numpy(), np.asarray(theirs))
    assert ours.dtype == (tf.int32 if mode == "int" else tf.float32)


@pytest.mark.parametrize("num_bins,epsilon,batches", [
    (4, 0.01, [X]), (5, 0.01, [np.random.default_rng(0).normal(size=1000)]),
    (5, 0.05, np.array_split(np.random.default_rng(0).normal(size=1000), 4)),
    (3, 0.01, [np.arange(10.0)]), (4, 0.01, [np.array([1., 1., 1., 2., 5.])]),
])
def test_discretization_adapt_as_keras3(num_bins, epsilon, batches):
    K = keras3()
    ours = L.Discretization(num_bins=num_bins, epsilon=epsilon)
    ours.adapt(tf.data.Dataset.from_tensor_slices(np.concatenate(
        [np.ravel(b) for b in batches]).astype("float32")).batch(len(np.ravel(batches[0]))))
    theirs = K.layers.Discretization(num_bins=num_bins, epsilon=epsilon)
    for b in batches:  # Keras' adapt needs TensorFlow for datasets; its summary does not
        theirs.update_state(b)
    theirs.finalize_state()
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)


def test_discretization_details():
    d = L.Discretization(num_bins=5, epsilon=0.05)
    d.adapt(tf.data.Dataset.from_tensor_slices(
        np.random.default_rng(0).normal(size=(1000,)).astype("float32").reshape(-1, 1))
        .batch(300))                                                   # TF 2.21 + Keras 3.15.1
    np.testing.assert_allclose(d.bin_boundaries, [-0.744753, -0.265432, 0.245287, 0.833966],
                               atol=1e-5)
    out = L.Discretization(bin_boundaries=[0., 1., 2.])(tf.constant([[1.0, np.nan, np.inf,
                                                                      -np.inf]]))
    assert _np(out) == [[2, 3, 3, 0]]                                 # TF 2.21: NaN -> last
    assert _np(L.Discretization(bin_boundaries=[0, 1, 2])(tf.constant([[1, 0, 5]]))) == \
        [[2, 1, 3]]
    d = L.Discretization(num_bins=3)
    d.adapt(np.arange(10.0))
    cfg = d.get_config()
    assert sorted(cfg) == ["bin_boundaries", "dtype", "epsilon", "name", "num_bins",
                           "output_mode", "sparse"]                   # Keras 3's keys
    again = L.Discretization.from_config(cfg)
    assert again.bin_boundaries == d.bin_boundaries and again.num_bins == 3
    with pytest.raises(ValueError, match=r'"discretization.*adapt\(data\) first'):
        L.Discretization(num_bins=3)(np.ones((1, 2)))
    with pytest.raises(ValueError, match="not both"):
        L.Discretization(num_bins=3, bin_boundaries=[1.0])
    with pytest.raises(ValueError, match="sorted"):
        L.Discretization(bin_boundaries=[2.0, 1.0])


# -- the program recipe, models, datasets and files ----------------------------------------
def test_categorical_layers_in_models_and_datasets(tmp_path):
    pytest.importorskip("h5py")
    s_in = keras.Input(shape=(1,), dtype="string")
    i_in = keras.Input(shape=(1,), dtype="int64")
    f_in = keras.Input(shape=(3,))
    disc = L.Discretization(num_bins=3)
    disc.adapt(np.arange(12.0))
    outs = [L.Hashing(num_bins=5, salt=7)(s_in),
            L.HashedCrossing(num_bins=7, output_mode="one_hot")((s_in, i_in)),
            L.CategoryEncoding(num_tokens=6, output_mode="count")(i_in), disc(f_in)]
    model = keras.Model([s_in, i_in, f_in], outs)
    data = [np.array([["p"], ["zz"]]), np.array([[1], [5]]),
            np.array([[0.5, 4.2, 11.0], [7.0, 8.0, -1.0]], "float32")]
    expected = [[[2], [0]],                                            # TF 2.21 + Keras 3.15.1
                [[0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 1, 0]],
                [[0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]], [[0, 1, 2], [2, 2, 0]]]
    got = model.predict(data, verbose=0)
    assert [g.tolist() for g in got] == expected
    path = str(tmp_path / "categorical.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert [g.tolist() for g in loaded.predict(data, verbose=0)] == expected
    ds = tf.data.Dataset.from_tensor_slices(np.array([["A"], ["B"]])).batch(2)
    assert _np(next(iter(ds.map(L.Hashing(num_bins=3))))) == [[1], [0]]

"""keras.layers text preprocessing (issue 16): TextVectorization, StringLookup and
IntegerLookup. Real Keras 3 runs these layers only with TensorFlow, so the expected
values (vocabularies after adapt, tie orders, outputs, idf weights) were recorded with
TF 2.21 + Keras 3.15.1; a `.keras` file written by that Keras is loaded, and ember's files
have the archive layout Keras 3 reads (assets/<layer path>/vocabulary.txt)."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

import ember as tf
from ember import keras

L = keras.layers
DOCS = ["The cat sat.", "the Dog, sat!", "a cat; a DOG?", "dog"]
GREEK = ["ξεῖν᾽, ἦ τοι μὲν ὄνειροι ἀμήχανοι ἀκριτόμυθοι",
         "γίγνοντ᾽, οὐδέ τι πάντα τελείεται ἀνθρώποισι.",
         "δοιαὶ γάρ τε πύλαι ἀμενηνῶν εἰσὶν ὀνείρων:"]
FIXTURE = os.path.join(os.path.dirname(__file__), "files", "keras3_text_layers.keras")


def _np(x):
    if isinstance(x, tf.RaggedTensor):
        return x.to_list()
    return np.asarray(x.numpy()).tolist()


# -- TextVectorization: adapt, vocabulary order and outputs -------------------------------
# (layer kwargs, adapt data, inputs, vocabulary, output), TF 2.21 + Keras 3.15.1
TV_CASES = [
    ({}, DOCS, ["the cat", "a bird sat"], ["", "[UNK]", "dog", "the", "sat", "cat", "a"],
     [[3, 5, 0], [6, 1, 4]]),
    ({"max_tokens": 5, "output_sequence_length": 4}, DOCS, ["the cat sat on a dog", "dog"],
     ["", "[UNK]", "dog", "the", "sat"], [[3, 1, 4, 1], [2, 0, 0, 0]]),
    ({"ngrams": 2, "output_mode": "multi_hot"}, DOCS, ["the cat sat", "dog dog"],
     ["[UNK]", "dog", "the", "sat", "cat", "a", "the dog", "the cat", "dog sat", "cat sat",
      "cat a", "a dog", "a cat"],
     [[0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]),
    ({"output_mode": "count"}, DOCS, ["the cat the cat", "zzz dog"], None,
     [[0, 0, 2, 0, 2, 0], [1, 1, 0, 0, 0, 0]]),
    ({"standardize": "lower", "split": "character"}, ["Abba", "cab"], ["bad"],
     ["", "[UNK]", "b", "a", "c"], [[2, 3, 1]]),
    ({"standardize": None, "split": None}, np.array([["x y"], ["X"], ["x y"]]),
     np.array([["x y"], ["q"]]), ["", "[UNK]", "x y", "X"], [[2], [1]]),
    ({}, ["b a c", "c a b", "zz"], ["a"], ["", "[UNK]", "c", "b", "a", "zz"], [[4]]),
    ({"max_tokens": 10, "pad_to_max_tokens": True, "output_mode": "multi_hot"}, DOCS, ["cat"],
     None, [[0, 0, 0, 0, 1, 0, 0, 0, 0, 0]]),
    ({"standardize": "strip_punctuation"}, ["A-b c.d e'f [g] h\\i ©j «k» {l}"], None,
     ["", "[UNK]", "«k»", "©j", "l", "hi", "g", "ef", "cd", "Ab"], None),
    ({"ngrams": (2,)}, ["a b c", "b c d"], None, ["", "[UNK]", "b c", "c d", "a b"], None),
    ({}, GREEK, GREEK,
     ["", "[UNK]", "ὄνειροι", "ὀνείρων", "ἦ", "ἀνθρώποισι", "ἀμενηνῶν", "ἀμήχανοι",
      "ἀκριτόμυθοι", "τοι", "τι", "τελείεται", "τε", "πύλαι", "πάντα", "οὐδέ", "ξεῖν᾽",
      "μὲν", "εἰσὶν", "δοιαὶ", "γίγνοντ᾽", "γάρ"],
     [[16, 4, 9, 17, 2, 7, 8], [20, 15, 10, 14, 11, 5, 0], [19, 21, 12, 13, 6, 18, 3]]),
]


@pytest.mark.parametrize("kwargs,data,inputs,vocab,expected", TV_CASES)
def test_text_vectorization_as_tf(kwargs, data, inputs, vocab, expected):
    layer = L.TextVectorization(**kwargs)
    layer.adapt(data)
    if vocab is not None:
        assert layer.get_vocabulary() == vocab
        assert layer.vocabulary_size() == len(vocab)
    if expected is not None:
        out = layer(inputs)
        assert out.dtype == tf.int64 and _np(out) == expected


def test_text_vectorization_tf_idf_as_tf():
    layer = L.TextVectorization(output_mode="tf_idf")
    layer.adapt(DOCS)
    assert layer.get_vocabulary() == ["[UNK]", "dog", "the", "sat", "cat", "a"]
    out = layer(["the cat the cat", "zzz dog"])               # TF 2.21 + Keras 3.15.1
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), [[0, 0, 1.694596, 0, 1.694596, 0],
                                             [0.866731, 0.693147, 0, 0, 0, 0]], atol=1e-5)
    layer = L.TextVectorization(max_tokens=4, output_mode="tf_idf")
    layer.adapt(DOCS)
    np.testing.assert_allclose(layer(["the cat dog sat"]).numpy(),      # TF 2.21
                               [[0.795914, 0.693147, 0.847298, 0.847298]], atol=1e-5)
    layer = L.TextVectorization(max_tokens=6, output_mode="tf_idf", pad_to_max_tokens=True)
    layer.adapt(DOCS)
    np.testing.assert_allclose(layer(["the cat dog sat"]).numpy(),      # TF 2.21
                               [[0, 0.693147, 0.847298, 0.847298, 0.847298, 0]], atol=1e-5)
    layer = L.TextVectorization(vocabulary=["the", "cat", "dog"], output_mode="tf_idf",
                                idf_weights=[0.5, 1.0, 2.0])
    np.testing.assert_allclose(layer(["the cat ate the dog"]).numpy(),  # TF 2.21
                               [[1.166667, 1.0, 1.0, 2.0]], atol=1e-5)


def test_text_vectorization_vocabulary_and_shapes():
    v = ["the", "cat", "dog"]
    assert _np(L.TextVectorization(vocabulary=v)(["the cat ate the dog"])) == [[2, 3, 1, 2, 4]]
    # special tokens lead the list only in the right order (TF 2.21 keeps a lone "[UNK]")
    assert L.TextVectorization(vocabulary=["[UNK]", "the"]).get_vocabulary() == \
        ["", "[UNK]", "[UNK]", "the"]
    assert L.TextVectorization(vocabulary=["", "[UNK]", "the"]).get_vocabulary() == \
        ["", "[UNK]", "the"]
    layer = L.TextVectorization(vocabulary=v, output_sequence_length=2)
    assert _np(layer(tf.constant(["the cat dog", ""]))) == [[2, 3], [0, 0]]
    assert _np(layer(tf.constant("the cat dog"))) == [2, 3]          # a scalar: TF 2.21
    assert _np(L.TextVectorization(vocabulary=v, ragged=True)(["the cat", "a dog x", ""])) \
        == [[2, 3], [1, 4, 1], []]
    short = L.TextVectorization(vocabulary=v, ragged=True, output_sequence_length=1)
    assert _np(short(["the cat", "dog"])) == [[2], [4]]
    sp = L.TextVectorization(vocabulary=v, output_mode="multi_hot", sparse=True)(
        ["the cat ate the dog", "dog"])
    assert isinstance(sp, tf.SparseTensor)                            # TF 2.21 + Keras 3.15.1
    assert sp.indices.numpy().tolist() == [[0, 0], [0, 1], [0, 2], [0, 3], [1, 3]]
    assert sp.values.numpy().tolist() == [1] * 5 and sp.dense_shape.numpy().tolist() == [2, 4]
    layer = L.TextVectorization(vocabulary=v)
    layer.set_vocabulary(["x", "y"])
    assert layer.get_vocabulary(include_special_tokens=False) == ["x", "y"]
    assert L.TextVectorization(output_sequence_length=7).compute_output_shape((None,)) == \
        (None, 7)


def test_text_vectorization_adapt_sources():
    ds = tf.data.Dataset.from_tensor_slices(["a b", "b c", "c d", "d e", "e f"]).batch(2)
    layer = L.TextVectorization()
    layer.adapt(ds, steps=2)                                      # TF 2.21 + Keras 3.15.1
    assert layer.get_vocabulary() == ["", "[UNK]", "d", "c", "b", "e", "a"]
    layer.adapt(ds)
    assert layer.get_vocabulary() == ["", "[UNK]", "e", "d", "c", "b", "f", "a"]
    layer.adapt(np.array(["x y", "y"]), batch_size=1)
    assert layer.get_vocabulary() == ["", "[UNK]", "y", "x"]
    layer.adapt(tf.data.Dataset.from_tensor_slices(["q r", "r"]))  # unbatched strings
    assert layer.get_vocabulary() == ["", "[UNK]", "r", "q"]
    layer.adapt(iter([np.array(["k"]), np.array(["k l"])]))         # a generator of batches
    assert layer.get_vocabulary() == ["", "[UNK]", "k", "l"]


def test_text_vectorization_callables():
    def standardize(x):
        return tf.strings.regex_replace(tf.strings.lower(x), "<br />", " ")

    layer = L.TextVectorization(standardize=standardize,
                                split=lambda x: tf.strings.split(x, sep="-"))
    layer.adapt(["A-b<br />c-A"])
    assert layer.get_vocabulary() == ["", "[UNK]", "a", "b c"]
    assert _np(layer(["b c-a-z"])) == [[3, 2, 1]]


# -- StringLookup / IntegerLookup (TF 2.21 + Keras 3.15.1) --------------------------------
def test_string_lookup_as_tf():
    layer = L.StringLookup()
    layer.adapt(tf.constant([["a"], ["b"], ["c"], ["b"], ["c"], ["a"]]))
    assert layer.get_vocabulary() == ["[UNK]", "c", "b", "a"]          # ties: descending
    v4 = ["a", "b", "c", "d"]
    words = tf.constant(["a", "z", "x", "y", "d", "q", "hello"])
    assert _np(L.StringLookup(vocabulary=v4, num_oov_indices=2)(words)) == [2, 1, 0, 1, 5, 1, 0]
    assert _np(L.StringLookup(vocabulary=v4, num_oov_indices=3, salt=7)(words)) == \
        [3, 0, 0, 2, 6, 0, 2]
    masked = L.StringLookup(vocabulary=v4, mask_token="")
    assert masked.get_vocabulary() == ["", "[UNK]", "a", "b", "c", "d"]
    assert _np(masked(tf.constant([["a", "", "z"]]))) == [[2, 0, 1]]
    assert _np(masked.compute_mask(tf.constant([["a", "", "z"]]))) == [[True, False, True]]
    mh = L.StringLookup(vocabulary=v4, mask_token="", output_mode="multi_hot")
    assert mh.get_vocabulary() == ["[UNK]", "a", "b", "c", "d"]
    assert _np(mh(tf.constant([["a", "", "z"]]))) == [[1, 1, 0, 0, 0]]
    inv = L.StringLookup(vocabulary=v4, invert=True)
    assert _np(inv(tf.constant([[1, 3, 4], [4, 0, 2]]))) == \
        [[b"a", b"c", b"d"], [b"d", b"[UNK]", b"b"]]
    inv = L.StringLookup(vocabulary=v4, invert=True, mask_token="[M]")
    assert _np(inv(tf.constant([[1, 3, 4], [5, 0, 2]]))) == \
        [[b"[UNK]", b"b", b"c"], [b"d", b"[M]", b"a"]]
    layer = L.StringLookup(max_tokens=3)
    layer.adapt(["x", "y", "y", "z", "z", "z"])
    assert layer.get_vocabulary() == ["[UNK]", "z", "y"] and layer.vocabulary_size() == 3
    layer = L.StringLookup(mask_token="[M]", num_oov_indices=2)
    layer.adapt([["x", "[M]"], ["[UNK]", "x"]])
    assert layer.get_vocabulary() == ["[M]", "[UNK]", "[UNK]", "x"]
    assert _np(layer(tf.constant([["x", "[M]", "n", "[UNK]"]]))) == [[3, 0, 2, 1]]
    assert _np(L.StringLookup(vocabulary=v4)(tf.ragged.constant([["a", "q"], ["c"]]))) == \
        [[1, 0], [3]]


@pytest.mark.parametrize("mode,inputs,expected", [                 # TF 2.21 + Keras 3.15.1
    ("one_hot", ["a", "q", "c"], [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]),
    ("one_hot", [["a"], ["q"], ["c"]], [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]),
    ("one_hot", [["a", "b"], ["q", "c"]],
     [[[0, 1, 0, 0], [0, 0, 1, 0]], [[1, 0, 0, 0], [0, 0, 0, 1]]]),
    ("one_hot", "b", [[0, 0, 1, 0]]),
    ("multi_hot", [["a", "b", "a"], ["q", "c", "c"]], [[0, 1, 1, 0], [1, 0, 0, 1]]),
    ("multi_hot", ["a", "b", "a"], [0, 1, 1, 0]),
    ("multi_hot", [[["a", "b"], ["c", "c"]]], [[[0, 1, 0, 1], [0, 0, 1, 1]]]),
    ("count", [["a", "b", "a"], ["q", "c", "c"]], [[0, 2, 1, 0], [1, 0, 0, 2]]),
])
def test_string_lookup_encodings_as_tf(mode, inputs, expected):
    out = L.StringLookup(vocabulary=["a", "b", "c"], output_mode=mode)(tf.constant(inputs))
    assert out.dtype == tf.int64 and _np(out) == expected


def test_string_lookup_tf_idf_and_padding_as_tf():
    layer = L.StringLookup(vocabulary=["a", "b", "c"], output_mode="tf_idf",
                           idf_weights=[0.5, 0.25, 1.0])
    np.testing.assert_allclose(layer(tf.constant([["a", "b", "a"], ["q", "c", "c"]])).numpy(),
                               [[0, 1, 0.25, 0], [0.583333, 0, 0, 2]], atol=1e-5)
    layer = L.StringLookup(output_mode="tf_idf")
    layer.adapt(tf.constant([["x", "y"], ["y", "y"], ["z", "x"]]))
    assert layer.get_vocabulary() == ["[UNK]", "y", "x", "z"]
    np.testing.assert_allclose(layer(tf.constant([["x", "y", "q"]])).numpy(),
                               [[0.767528, 0.693147, 0.693147, 0]], atol=1e-5)
    padded = L.StringLookup(vocabulary=["a", "b", "c"], output_mode="multi_hot",
                            pad_to_max_tokens=True, max_tokens=6)
    assert _np(padded(tf.constant([["a", "b"]]))) == [[0, 1, 1, 0, 0, 0]]
    sp = L.StringLookup(vocabulary=["a", "b", "c"], output_mode="one_hot", sparse=True)(
        tf.constant(["a", "q", "c"]))
    assert sp.indices.numpy().tolist() == [[0, 1], [1, 0], [2, 3]]


def test_integer_lookup_as_tf():
    layer = L.IntegerLookup()
    layer.adapt(tf.constant([[12, 1138, 42], [42, 1000, 36]]))
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    v = [12, 36, 1138, 42]
    x = tf.constant([12, 7, 8, 9, 42, -3])
    assert _np(L.IntegerLookup(vocabulary=v, num_oov_indices=2)(x)) == [2, 1, 0, 1, 5, 1]
    assert _np(L.IntegerLookup(vocabulary=v, num_oov_indices=3, oov_method="farmhash")(x)) \
        == [3, 1, 1, 2, 6, 0]
    masked = L.IntegerLookup(vocabulary=v, mask_token=0)
    assert masked.get_vocabulary() == [0, -1, 12, 36, 1138, 42]
    assert _np(masked(tf.constant([[12, 0, 5]]))) == [[2, 0, 1]]
    assert _np(L.IntegerLookup(vocabulary=v, invert=True)(tf.constant([[1, 0, 3, 9]]))) == \
        [[12, -1, 1138, -1]]
    assert _np(L.IntegerLookup(vocabulary=v, output_mode="multi_hot")(
        tf.constant([[12, 36, 99], [42, 42, 42]]))) == [[1, 1, 1, 0, 0], [0, 0, 0, 0, 1]]
    layer = L.IntegerLookup()
    layer.adapt([3, 1, 2, 3, 1, -1, 0])             # the OOV token -1 is not learnt
    assert layer.get_vocabulary() == [-1, 3, 1, 2, 0]
    assert _np(L.IntegerLookup(vocabulary=np.array([4, 5]))(np.array([[4, 5, 6]], "int32"))) \
        == [[1, 2, 0]]


def test_lookup_vocabulary_file_and_config(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("earth\nwind\nfire\n")
    layer = L.StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]", "earth", "wind", "fire"]
    assert _np(layer(tf.constant(["fire", "water"]))) == [3, 0]
    cfg = L.StringLookup(vocabulary=["a", "b", "c"]).get_config()
    assert cfg["vocabulary"] == ["a", "b", "c"] and cfg["vocabulary_size"] == 4
    assert "vocabulary_dtype" not in cfg and cfg["encoding"] == "utf-8"
    again = L.StringLookup.from_config(cfg)
    assert again.get_vocabulary() == ["[UNK]", "a", "b", "c"]
    icfg = L.IntegerLookup(vocabulary=[1, 2]).get_config()
    assert icfg["vocabulary"] == [1, 2] and icfg["vocabulary_dtype"] == "int64"
    tcfg = L.TextVectorization(max_tokens=6, output_mode="tf_idf",
                               pad_to_max_tokens=True).get_config()
    assert sorted(tcfg) == sorted(                                  # TF 2.21's keys
        ["dtype", "encoding", "idf_weights", "max_tokens", "name", "ngrams", "output_mode",
         "output_sequence_length", "pad_to_max_tokens", "ragged", "sparse", "split",
         "standardize", "trainable", "vocabulary", "vocabulary_size"])


@pytest.mark.parametrize("make,call,match", [
    (lambda: L.StringLookup(vocabulary=["a"]), lambda la: la(tf.constant([1, 2])),
     "expects string inputs"),
    (lambda: L.IntegerLookup(vocabulary=[1]), lambda la: la(tf.constant(["a"])),
     "expects integer inputs"),
    (lambda: L.StringLookup(vocabulary=["a"], num_oov_indices=0),
     lambda la: la(tf.constant(["a", "zz"])), "Found OOV values"),
    (lambda: L.StringLookup(output_mode="multi_hot"), lambda la: la(tf.constant(["a"])),
     "vocabulary must be set"),
    (lambda: L.TextVectorization(vocabulary=["a"]), lambda la: la(tf.constant([["a", "b"]])),
     r"shape \(batch,\) or \(batch, 1\)"),
    (lambda: L.TextVectorization(vocabulary=["a"]), lambda la: la(tf.constant([1.0])),
     "expects string inputs"),
    (lambda: L.StringLookup(vocabulary=["a", "b", "a"]), None, "repeats the terms"),
    (lambda: L.StringLookup(vocabulary=["a", "b"], max_tokens=2), None, "more than max_tokens"),
    (lambda: L.StringLookup(output_mode="binaryish"), None, "output_mode must be one of"),
    (lambda: L.TextVectorization(output_mode="count", output_sequence_length=3), None,
     "output_sequence_length only applies"),
    (lambda: L.TextVectorization(standardize="upper"), None, "standardize must be one of"),
    (lambda: L.StringLookup(vocabulary=["a"]), lambda la: la.adapt(["b"]), "can't adapt"),
])
def test_errors_name_the_layer(make, call, match):
    with pytest.raises((ValueError, RuntimeError), match=match) as info:
        layer = make()
        call(layer)
    assert "Layer \"" in str(info.value)


# -- in datasets, functions and models ---------------------------------------------------
def test_in_dataset_map_function_and_model():
    layer = L.TextVectorization(output_sequence_length=4)
    layer.adapt(DOCS)
    ds = tf.data.Dataset.from_tensor_slices(["the cat", "a bird sat"]).batch(2)
    assert _np(next(iter(ds.map(layer)))) == [[3, 5, 0, 0], [6, 1, 4, 0]]
    traced = tf.function(lambda s: layer(s))
    assert _np(traced(tf.constant(["dog dog"]))) == [[2, 2, 0, 0]]
    for shape in [(), (1,)]:
        inp = keras.Input(shape=shape, dtype="string")
        out = layer(inp)
        assert tuple(out.shape) == (None, 4)
        model = keras.Model(inp, out)
        x = np.array(["the cat", "a bird sat"]).reshape((-1,) + shape)
        assert model.predict(x, verbose=0).tolist() == [[3, 5, 0, 0], [6, 1, 4, 0]]
    lookup = L.StringLookup(vocabulary=["a", "b"], mask_token="")
    inp = keras.Input(shape=(3,), dtype="string")
    out = lookup(inp)
    assert out._keras_mask is not None
    assert keras.Model(inp, out)(tf.constant([["a", "", "q"]])).numpy().tolist() == [[2, 0, 1]]


def test_text_classifier_trains_end_to_end():
    tf.keras.utils.set_random_seed(3)
    texts = np.array(["good great fine", "bad awful poor", "great good", "poor bad",
                      "fine good great", "awful bad"] * 4)
    labels = np.array([1, 0, 1, 0, 1, 0] * 4, "float32")
    vectorize = L.TextVectorization(max_tokens=20, output_sequence_length=4)
    vectorize.adapt(tf.data.Dataset.from_tensor_slices(texts).batch(8))
    inp = keras.Input(shape=(), dtype="string")
    x = L.Embedding(20, 8)(vectorize(inp))
    out = L.Dense(1, activation="sigmoid")(L.GlobalAveragePooling1D()(x))
    model = keras.Model(inp, out)
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    model.fit(tf.data.Dataset.from_tensor_slices((texts, labels)).batch(8), epochs=8,
              verbose=0)
    assert model.evaluate(texts, labels, verbose=0)[1] == 1.0
    p = model.predict(np.array(["good fine", "bad poor"]), verbose=0)
    assert p[0, 0] > 0.5 > p[1, 0]


# -- saving --------------------------------------------------------------------------------
def _text_model():
    inp = keras.Input(shape=(1,), dtype="string")
    tv = L.TextVectorization(output_sequence_length=4, name="tv")
    tv.adapt(DOCS)
    ti = L.TextVectorization(output_mode="tf_idf", name="ti")
    ti.adapt(DOCS)
    sl = L.StringLookup(name="sl")
    sl.adapt(["x", "y", "x"])
    given = L.StringLookup(vocabulary=["dog"], output_mode="count", name="given")
    return keras.Model(inp, [tv(inp), ti(inp), sl(inp), given(inp)])


def test_save_load_keeps_the_vocabularies(tmp_path):
    pytest.importorskip("h5py")
    model = _text_model()
    path = str(tmp_path / "text.keras")
    model.save(path)
    names = zipfile.ZipFile(path).namelist()
    # Keras 3's layout: the vocabulary of an adapted layer is an asset at its path (the
    # snake-cased class, numbered; also at its inner lookup layer's, as TF 2.21 + Keras
    # 3.15.1 writes); a vocabulary given to the constructor is in the config
    tv, ti = "assets/layers/text_vectorization", "assets/layers/text_vectorization_1"
    assert {n for n in names if n.startswith("assets/")} == {
        f"{tv}/vocabulary.txt", f"{tv}/_lookup_layer/vocabulary.txt",
        f"{ti}/vocabulary.txt", f"{ti}/_lookup_layer/vocabulary.txt",
        "assets/layers/string_lookup/vocabulary.txt"}
    z = zipfile.ZipFile(path)
    assert z.read(f"{tv}/vocabulary.txt") == b"\n[UNK]\ndog\nthe\nsat\ncat\na"
    config = json.loads(z.read("config.json"))
    tv_cfg = [la for la in config["config"]["layers"] if la["name"] == "tv"][0]["config"]
    assert tv_cfg["vocabulary"] is None and tv_cfg["vocabulary_size"] == 7
    loaded = keras.models.load_model(path)
    x = np.array([["the cat"], ["a dog zz"]])
    for a, b in zip(model.predict(x, verbose=0), loaded.predict(x, verbose=0)):
        np.testing.assert_allclose(a, b)
    assert loaded.get_layer("tv").get_vocabulary() == model.get_layer("tv").get_vocabulary()


def test_loads_a_keras3_file():
    pytest.importorskip("h5py")
    # written by TF 2.21 + Keras 3.15.1: TextVectorization (int, length 5) -> Embedding ->
    # GlobalAveragePooling1D, a tf_idf TextVectorization, a multi_hot IntegerLookup
    model = keras.models.load_model(FIXTURE)
    outs = model.predict([tf.constant(["the cat", "a dog sat on a mat"]),
                          tf.constant([[3, 9], [7, 5]], tf.int64)], verbose=0)
    np.testing.assert_allclose(outs[0], [[-0.024834, -0.018551], [0.003677, -0.020843]],
                               atol=1e-6)
    np.testing.assert_allclose(outs[1], [[0, 0, 0.847298, 0, 0.847298, 0],
                                         [1.733461, 0.693147, 0, 0.847298, 0, 2.197224]],
                               atol=1e-5)
    assert outs[2].tolist() == [[1, 0, 1, 0], [0, 1, 0, 1]]
    assert model.get_layer("tv").get_vocabulary() == ["", "[UNK]", "dog", "the", "sat", "cat",
                                                      "a"]


def plain(x):
    """A module-level standardize function: saved by its name."""
    return tf.strings.lower(x)


def test_saved_standardize_function_is_found_by_name(tmp_path):
    pytest.importorskip("h5py")

    @keras.saving.register_keras_serializable(package="test_layers_text")
    def strip_tags(x):
        return tf.strings.regex_replace(tf.strings.lower(x), "<br />", " ")

    inp = keras.Input(shape=(), dtype="string")
    for fn in (strip_tags, plain):
        layer = L.TextVectorization(standardize=fn, output_sequence_length=3)
        layer.adapt(["A<br />b", "b"])
        path = str(tmp_path / f"{fn.__name__}.keras")
        keras.Model(inp, layer(inp)).save(path)
    loaded = keras.models.load_model(str(tmp_path / "strip_tags.keras"))
    assert loaded.predict(np.array(["a<br />b"]), verbose=0).tolist() == [[3, 2, 0]]
    with pytest.raises(ValueError, match="custom_objects"):
        keras.models.load_model(str(tmp_path / "plain.keras"))
    loaded = keras.models.load_model(str(tmp_path / "plain.keras"),
                                     custom_objects={"plain": plain})
    assert loaded.predict(np.array(["B x"]), verbose=0).tolist() == [[2, 1, 0]]

"""tf.lookup (issue 16): StaticHashTable and StaticVocabularyTable against TF's documented
examples (tensorflow.org/api_docs/python/tf/lookup/..., as cited) and a Python dict;
string and integer keys; RaggedTensor keys; zero-size; ember.function == eager;
Dataset.map; clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.core.errors import InvalidArgumentError

WORDS = ["emerson", "lake", "palmer"]


def _vocab_file(tmp_path, lines):
    path = tmp_path / "vocab.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_static_hash_table_as_documented():
    # tensorflow.org/api_docs/python/tf/lookup/StaticHashTable
    keys_tensor = tf.constant(["a", "b", "c"])
    vals_tensor = tf.constant([7, 8, 9])
    input_tensor = tf.constant(["a", "f"])
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(keys_tensor, vals_tensor), default_value=-1)
    assert table.lookup(input_tensor).numpy().tolist() == [7, -1]
    assert table[input_tensor].numpy().tolist() == [7, -1]
    assert int(table.size()) == 3 and table.size().dtype == tf.int64
    keys, values = table.export()
    assert keys.numpy().tolist() == [b"a", b"b", b"c"] and values.numpy().tolist() == [7, 8, 9]
    assert table.key_dtype == tf.string and table.value_dtype == tf.int32
    assert int(table.default_value) == -1


def test_static_vocabulary_table_as_documented(tmp_path):
    # tensorflow.org/api_docs/python/tf/lookup/StaticVocabularyTable: OOV ids are
    # vocab_size + Fingerprint64(key) % num_oov_buckets
    init = tf.lookup.KeyValueTensorInitializer(
        keys=tf.constant(WORDS), values=tf.constant([0, 1, 2], dtype=tf.int64))
    table = tf.lookup.StaticVocabularyTable(init, num_oov_buckets=5)
    input_tensor = tf.constant(["emerson", "lake", "palmer", "king", "crimson"])
    assert table[input_tensor].numpy().tolist() == [0, 1, 2, 6, 7]
    assert int(table.size()) == 8
    # the same vocabulary from a file (TextFileInitializer, whole lines -> line numbers)
    path = _vocab_file(tmp_path, WORDS)
    init = tf.lookup.TextFileInitializer(
        path, key_dtype=tf.string, key_index=tf.lookup.TextFileIndex.WHOLE_LINE,
        value_dtype=tf.int64, value_index=tf.lookup.TextFileIndex.LINE_NUMBER)
    from_file = tf.lookup.StaticVocabularyTable(init, 5)
    assert from_file.lookup(input_tensor).numpy().tolist() == [0, 1, 2, 6, 7]
    only_oov = tf.lookup.StaticVocabularyTable(None, num_oov_buckets=3)
    assert only_oov.lookup(tf.constant(["Hello", "TensorFlow", "2.x"])).numpy().tolist() == \
        [0, 2, 2]  # the buckets of tf.strings.to_hash_bucket_fast's documented example


def test_against_a_python_dict():
    rng = np.random.default_rng(0)
    keys = [f"w{i}" for i in range(50)]
    vals = rng.integers(-100, 100, 50)
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(keys, tf.constant(vals, tf.int64)), -7)
    queries = [f"w{i}" for i in rng.integers(0, 80, (4, 6)).ravel()]
    ref = dict(zip(keys, vals.tolist()))
    got = table.lookup(tf.constant(np.array(queries, dtype=object).reshape(4, 6)))
    assert got.shape == (4, 6)
    assert got.numpy().ravel().tolist() == [ref.get(q, -7) for q in queries]


def test_integer_keys_and_string_values():
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant([3, 1, 2], tf.int64),
                                            tf.constant(["c", "a", "b"])), default_value="?")
    assert table.lookup(tf.constant([1, 5, 3], tf.int64)).numpy().tolist() == [b"a", b"?", b"c"]
    assert table.lookup(tf.constant([2], tf.int32)).numpy().tolist() == [b"b"]  # int32 cast
    vocab = tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant([10, 20], tf.int64),
                                            tf.constant([0, 1], tf.int64)), num_oov_buckets=4)
    ids = vocab.lookup(tf.constant([20, 10, 99], tf.int64)).numpy().tolist()
    oov = tf.strings.to_hash_bucket_fast(tf.strings.as_string(tf.constant(99, tf.int64)), 4)
    assert ids == [1, 0, 2 + int(oov)]  # TF hashes integer keys' decimal strings
    floats = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(["x", "y"], [0.5, 1.5]), 0.0)
    assert floats.lookup(["y", "z"]).numpy().tolist() == [1.5, 0.0]


def test_duplicate_keys():
    same = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a", "a"], [1, 1]), 0)
    assert int(same.size()) == 1
    with pytest.raises(InvalidArgumentError, match="appears twice with different values"):
        tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a", "a"], [1, 2]), 0)


def test_ragged_unicode_and_zero_size_keys():
    table = tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(["héllo", "wörld", ""], tf.constant([0, 1, 2],
                                                                             tf.int64)), 1)
    rt = tf.ragged.constant([["wörld", "héllo"], [], [""]])
    assert table.lookup(rt).to_list() == [[1, 0], [], [2]]
    assert table.lookup(tf.constant([], tf.string)).shape == (0,)
    empty = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant([], tf.string),
                                            tf.constant([], tf.int64)), -1)
    assert int(empty.size()) == 0
    assert empty.lookup(tf.constant(["a"])).numpy().tolist() == [-1]


def test_traced_equals_eager_and_dataset_map():
    table = tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(WORDS, tf.constant([0, 1, 2], tf.int64)), 3)

    def encode(text):
        return table.lookup(tf.strings.split(tf.strings.lower(text)))

    text = tf.constant(["Emerson Lake", "and Palmer", ""])
    eager = encode(text)
    traced = tf.function(encode)(text)
    assert traced.to_list() == eager.to_list()
    assert eager.to_list()[0] == [0, 1] and eager.to_list()[2] == []
    ds = tf.data.Dataset.from_tensor_slices(["lake palmer", "king"]).map(
        lambda s: table.lookup(tf.strings.split(s)))
    assert [x.numpy().tolist() for x in ds] == [[1, 2], table.lookup(["king"]).numpy().tolist()]
    batched = tf.data.Dataset.from_tensor_slices(["lake palmer", "emerson"]).batch(2).map(encode)
    assert [b.to_list() for b in batched] == [[[1, 2], [0]]]


def test_text_file_columns(tmp_path):
    path = _vocab_file(tmp_path, ["7\tseven", "8\teight"])
    init = tf.lookup.TextFileInitializer(path, tf.int64, 0, tf.string, 1)
    table = tf.lookup.StaticHashTable(init, "")
    assert table.lookup(tf.constant([8, 9], tf.int64)).numpy().tolist() == [b"eight", b""]
    with pytest.raises(InvalidArgumentError, match="vocab_size is 5 but"):
        tf.lookup.TextFileInitializer(path, tf.int64, 0, tf.string, 1, vocab_size=5)
    with pytest.raises(InvalidArgumentError, match="can't read the vocabulary file"):
        tf.lookup.TextFileInitializer(str(tmp_path / "missing.txt"), tf.string, -2, tf.int64, -1)


def test_errors_name_the_op_and_the_fix():
    table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a"], [1]), -1)
    with pytest.raises(TypeError, match="StaticHashTable.lookup: the keys are int32 but the "
                                        "table's keys are string; convert them"):
        table.lookup(tf.constant([1]))
    with pytest.raises(TypeError, match="default_value must be a int32"):
        tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a"], [1]), "x")
    with pytest.raises(ValueError, match="2 keys but 1 values"):
        tf.lookup.KeyValueTensorInitializer(["a", "b"], [1])
    with pytest.raises(ValueError, match="num_oov_buckets must be an int > 0"):
        tf.lookup.StaticVocabularyTable(None, 0)
    with pytest.raises(TypeError, match="values must be int64 ids"):
        tf.lookup.StaticVocabularyTable(tf.lookup.KeyValueTensorInitializer(["a"], [1]), 1)
    vocab = tf.lookup.StaticVocabularyTable(None, 2)
    with pytest.raises(TypeError, match="as_string first"):
        vocab.lookup(tf.constant([1, 2]))

"""tf.strings (issue 16): values against TF's documented examples (each from the
tensorflow.org API page of the op, as cited) and Python references; unicode and zero-size
inputs; ember.function == eager; Dataset.map; clear errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.backend.numpy.hashing import fingerprint64, siphash24
from ember.core.errors import DTypeError, InvalidArgumentError


def _list(t):
    if isinstance(t, tf.RaggedTensor):
        return t.to_list()
    v = t.numpy()
    return v.tolist() if isinstance(v, np.ndarray) else v


# -- TF's documented examples ------------------------------------------------------------

def test_documented_examples():
    # tensorflow.org/api_docs/python/tf/strings/lower, upper, strip
    assert _list(tf.strings.lower("CamelCase string and ALL CAPS")) == \
        b"camelcase string and all caps"
    assert _list(tf.strings.upper("CamelCase string and ALL CAPS")) == \
        b"CAMELCASE STRING AND ALL CAPS"
    assert _list(tf.strings.strip([b"\nTensorFlow", b"     The python library    "])) == \
        [b"TensorFlow", b"The python library"]
    # tf/strings/regex_replace
    assert _list(tf.strings.regex_replace("Text with tags.<br /><b>contains html</b>",
                                          "<[^>]+>", " ")) == b"Text with tags.  contains html "
    # tf/strings/regex_full_match
    assert _list(tf.strings.regex_full_match(["TF lib", "lib TF"], ".*lib$")) == [True, False]
    assert _list(tf.strings.regex_full_match(["TF lib", "lib TF"], ".*TF$")) == [False, True]
    # tf/strings/reduce_join
    x = [["abc", "123"], ["def", "456"]]
    assert _list(tf.strings.reduce_join(x)) == b"abc123def456"
    assert _list(tf.strings.reduce_join(x, axis=-1)) == [b"abc123", b"def456"]
    assert _list(tf.strings.reduce_join(x, -1, separator=".")) == [b"abc.123", b"def.456"]
    # tf/strings/length
    s = tf.constant("héllo")
    assert int(tf.strings.length(s)) == 6 and int(tf.strings.length(s, "UTF8_CHAR")) == 5
    # tf/strings/substr
    assert _list(tf.strings.substr([b"Hello", b"World"], [1, 2], [3, 2])) == [b"ell", b"rl"]
    assert _list(tf.strings.substr(b"Hello", 1, 3)) == b"ell"
    # tf/strings/format
    assert _list(tf.strings.format("tensor: {}, suffix: {}", (tf.range(5), "suffix"))) == \
        b"tensor: [0 1 2 3 4], suffix: suffix"
    assert _list(tf.strings.format("{}", tf.range(10), summarize=3)) == b"[0 1 2 ... 7 8 9]"
    # tf/strings/split
    assert _list(tf.strings.split("hello world")) == [b"hello", b"world"]
    assert _list(tf.strings.split(["hello world", "a b c"])) == \
        [[b"hello", b"world"], [b"a", b"b", b"c"]]
    assert _list(tf.strings.split(["1<>2<><>3"], sep="<>")) == [[b"1", b"2", b"", b"3"]]
    assert _list(tf.strings.split(["1 2 3"], maxsplit=1)) == [[b"1", b"2 3"]]
    # tf/strings/bytes_split
    assert _list(tf.strings.bytes_split("hello")) == [b"h", b"e", b"l", b"l", b"o"]
    assert _list(tf.strings.bytes_split(["hello", "123"])) == \
        [[b"h", b"e", b"l", b"l", b"o"], [b"1", b"2", b"3"]]
    # tf/strings/unicode_split and unicode_decode
    assert _list(tf.strings.unicode_split("hello", "UTF-8")) == [b"h", b"e", b"l", b"l", b"o"]
    assert _list(tf.strings.unicode_decode([u"G\xf6\xf6dnight", u"\U0001f60a"], "UTF-8")) == \
        [[71, 246, 246, 100, 110, 105, 103, 104, 116], [128522]]
    # tf/strings/ngrams
    assert _list(tf.strings.ngrams(["A", "B", "C", "D"], 2)) == [b"A B", b"B C", b"C D"]
    assert _list(tf.strings.ngrams(["TF", "and", "keras"], 1)) == [b"TF", b"and", b"keras"]


def test_hash_buckets_match_tf():
    # tf/strings/to_hash_bucket_fast and to_hash_bucket_strong
    assert _list(tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3)) == [0, 2, 2]
    assert _list(tf.strings.to_hash_bucket_strong(["Hello", "TF"], 3, [1, 2])) == [2, 0]
    # tf/keras/layers/Hashing: Hashing(num_bins=3) and Hashing(num_bins=3, salt=133), whose
    # salt is the key [133, 133]
    letters = ["A", "B", "C", "D", "E"]
    assert _list(tf.strings.to_hash_bucket_fast(letters, 3)) == [1, 0, 1, 1, 2]
    assert _list(tf.strings.to_hash_bucket_strong(letters, 3, [133, 133])) == [0, 0, 2, 1, 0]
    out = tf.strings.to_hash_bucket_fast(tf.constant([["a"], ["b"]]), 10)
    assert out.dtype == tf.int64 and out.shape == (2, 1)


# Fingerprint64 of each length branch (0-16, 17-32, 33-64, > 64 bytes), by pyfarmhash.
FINGERPRINTS = [(b"", 11160318154034397263), (b"\xff\x00\x01", 5320560220298709423),
                (b"abcdefgh", 18368443631171807497),
                (b"abcdefghijklmnopqrst", 7349542659848948094),
                (bytes(range(40)), 645241335607543436),
                (bytes(range(100)), 4395248839964844437)]


@pytest.mark.parametrize("data,want", FINGERPRINTS)
def test_fingerprint64_is_farmhash(data, want):
    assert fingerprint64(data) == want


def test_fingerprint64_against_pyfarmhash_when_installed():
    farmhash = pytest.importorskip("farmhash")
    rng = np.random.default_rng(0)
    for n in list(range(0, 140)) + [257, 1000]:
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert fingerprint64(data) == farmhash.fingerprint64(data), n


def test_siphash_reference_vector():
    # the SipHash paper's test vector: key 00..0f, message 00..0e
    key = (int.from_bytes(bytes(range(8)), "little"), int.from_bytes(bytes(range(8, 16)), "little"))
    assert siphash24(key, bytes(range(15))) == 0xA129CA6149BE45E5


# -- Python references, unicode, zero-size -------------------------------------------------

WORDS = ["Hello World", "  ÀÉÎ õü  ", "", "tab\tand\nnewline", "a1b22c333"]


def test_elementwise_ops_against_python():
    x = tf.constant(WORDS)
    b = [w.encode() for w in WORDS]
    assert _list(tf.strings.lower(x)) == [s.lower() for s in b]  # ASCII only, as TF
    assert _list(tf.strings.upper(x, encoding="utf-8")) == [w.upper().encode() for w in WORDS]
    assert _list(tf.strings.strip(x)) == [s.strip() for s in b]
    assert _list(tf.strings.regex_replace(x, r"\d+", "#")) == \
        [s.replace(b"1", b"#").replace(b"22", b"#").replace(b"333", b"#") for s in b]
    assert _list(tf.strings.regex_replace(x, r"(\w)(\w)", r"\2\1", replace_global=False))[0] \
        == b"eHllo World"
    assert _list(tf.strings.substr(x, 0, 3, unit="UTF8_CHAR")) == \
        [w[:3].encode() for w in WORDS]
    assert _list(tf.strings.substr(tf.constant("héllo"), -3, 10)) == b"llo"


def test_unicode_ops():
    s = tf.constant(["héllo", "😊", ""])
    assert _list(tf.strings.unicode_split(s, "UTF-8")) == \
        [[c.encode() for c in "héllo"], ["😊".encode()], []]
    assert _list(tf.strings.unicode_decode(s, "UTF-8")) == \
        [[ord(c) for c in "héllo"], [0x1F60A], []]
    bad = tf.constant([b"a\xffb"])
    assert _list(tf.strings.unicode_decode(bad, "UTF-8")) == [[97, 0xFFFD, 98]]
    assert _list(tf.strings.unicode_decode(bad, "UTF-8", errors="ignore")) == [[97, 98]]
    assert _list(tf.strings.unicode_decode(bad, "UTF-8", replacement_char=63)) == \
        [[97, 63, 98]]
    assert _list(tf.strings.unicode_decode(tf.constant("é".encode("utf-16-be")),
                                           "UTF-16-BE")) == [233]
    with pytest.raises(InvalidArgumentError, match="unicode_decode: .*errors='replace'"):
        tf.strings.unicode_decode(bad, "UTF-8", errors="strict")
    assert _list(tf.strings.lower("ÉCOLE", encoding="utf-8")) == "école".encode()


def test_ngrams_padding_and_ragged():
    rt = tf.ragged.constant([["a", "b", "c"], ["d"], []])
    assert tf.strings.ngrams(rt, 2).to_list() == [[b"a b", b"b c"], [], []]
    assert tf.strings.ngrams(rt, 2, pad_values="#").to_list() == \
        [[b"# a", b"a b", b"b c", b"c #"], [b"# d", b"d #"], [b"# #"]]  # TF pads empty rows
    assert tf.strings.ngrams(rt, 3, preserve_short_sequences=True).to_list() == \
        [[b"a b c"], [b"d"], []]
    assert tf.strings.ngrams(rt, [1, 2], separator="").to_list() == \
        [[b"a", b"b", b"c", b"ab", b"bc"], [b"d"], []]
    dense = tf.strings.ngrams(tf.constant([["a", "b", "c"], ["d", "e", "f"]]), 2)
    assert _list(dense) == [[b"a b", b"b c"], [b"d e", b"e f"]]


def test_zero_size_inputs():
    empty = tf.constant(np.zeros((0, 3), dtype=object).astype(bytes).astype(object))
    for op in (tf.strings.lower, tf.strings.upper, tf.strings.strip,
               lambda x: tf.strings.regex_replace(x, "a", "b"),
               lambda x: tf.strings.to_hash_bucket_fast(x, 5),
               lambda x: tf.strings.substr(x, 0, 1)):
        out = op(empty)
        assert out.shape == (0, 3)
    assert _list(tf.strings.reduce_join(empty, axis=1)) == []
    assert _list(tf.strings.reduce_join(empty, axis=0)) == [b"", b"", b""]
    assert tf.strings.split(tf.constant([], tf.string)).to_list() == []
    assert tf.strings.unicode_decode(tf.constant([], tf.string), "UTF-8").shape.as_list() == \
        [0, None]
    assert _list(tf.strings.ngrams(tf.constant([], tf.string), 2)) == []
    assert _list(tf.strings.format("{}", tf.zeros([0], tf.int32))) == b"[]"


def test_format_prints_as_tf():
    m = tf.reshape(tf.range(6), [2, 3])
    assert _list(tf.strings.format("{}", m)) == b"[[0 1 2]\n [3 4 5]]"
    assert _list(tf.strings.format("{}", tf.constant([1.5, 2.0, 0.1]))) == b"[1.5 2 0.1]"
    assert _list(tf.strings.format("{}", tf.constant(["a", "b"]))) == b'["a" "b"]'
    assert _list(tf.strings.format("x={}", 7)) == b"x=7"
    assert _list(tf.strings.format("[%s]", ["hi"], placeholder="%s")) == b"[hi]"


# -- traced == eager, datasets, ragged inputs ----------------------------------------------

def _pipeline(x):
    words = tf.strings.split(tf.strings.lower(tf.strings.regex_replace(x, "[.,!]", "")))
    return (words.to_tensor(default_value="<pad>"), tf.strings.to_hash_bucket_fast(words, 7),
            tf.strings.length(x, "UTF8_CHAR"), tf.strings.reduce_join(x, separator="|"),
            tf.strings.substr(x, 0, 2), tf.strings.regex_full_match(x, ".*!"),
            tf.strings.format("n={}", tf.size(x)), tf.strings.unicode_decode(x, "UTF-8"),
            tf.strings.ngrams(words, 2))


def test_traced_equals_eager():
    x = tf.constant(["Hello, World!", "Ünïcode text.", ""])
    eager = _pipeline(x)
    traced = tf.function(_pipeline)(x)
    for e, t in zip(eager, traced):
        assert type(e) is type(t)
        assert _list(e) == _list(t)


def test_in_dataset_map():
    ds = tf.data.Dataset.from_tensor_slices(["A b", "C d e", "f"])
    ds = ds.map(lambda s: tf.strings.split(tf.strings.lower(s)))
    assert [x.numpy().tolist() for x in ds] == [[b"a", b"b"], [b"c", b"d", b"e"], [b"f"]]
    batched = tf.data.Dataset.from_tensor_slices(["A b", "C d e", "f"]).batch(2).map(
        lambda s: tf.strings.to_hash_bucket_fast(tf.strings.split(s), 4))
    assert isinstance(batched.element_spec, tf.RaggedTensorSpec)
    want = [tf.strings.to_hash_bucket_fast(tf.strings.split(tf.constant(b)), 4).to_list()
            for b in (["A b", "C d e"], ["f"])]
    assert [b.to_list() for b in batched] == want


def test_elementwise_ops_keep_ragged_rows():
    rt = tf.ragged.constant([["Ab", "C"], [], ["d"]])
    assert tf.strings.upper(rt).to_list() == [[b"AB", b"C"], [], [b"D"]]
    assert tf.strings.length(rt).to_list() == [[2, 1], [], [1]]
    assert tf.strings.to_hash_bucket_fast(rt, 1).to_list() == [[0, 0], [], [0]]
    # joining the rows back (detokenizing): one string per row, "" for an empty one
    assert _list(tf.strings.reduce_join(rt, axis=1, separator=" ")) == [b"Ab C", b"", b"d"]
    assert _list(tf.function(lambda r: tf.strings.reduce_join(r, axis=-1))(rt)) == \
        [b"AbC", b"", b"d"]
    assert _list(tf.strings.reduce_join(rt)) == b"AbCd"


# -- errors name the op, what was expected, what was received ------------------------------

def test_bad_input_errors():
    with pytest.raises(DTypeError, match="string_lower: .*string tensor.*int32"):
        tf.strings.lower(tf.constant([1, 2]))
    with pytest.raises(InvalidArgumentError, match="regex_replace: invalid regular expression"):
        tf.strings.regex_replace(["a"], "(", "b")
    with pytest.raises(InvalidArgumentError, match=r"substr: pos 9 out of range.*b'abc'"):
        tf.strings.substr(["abc"], 9, 1)
    with pytest.raises(InvalidArgumentError, match="format: the template has 2 placeholders"):
        tf.strings.format("{} {}", [tf.constant(1)])
    with pytest.raises(InvalidArgumentError, match="num_buckets must be an int >= 1"):
        tf.strings.to_hash_bucket_fast(["a"], 0)
    with pytest.raises(InvalidArgumentError, match="key must be a list of two uint64"):
        tf.strings.to_hash_bucket_strong(["a"], 3, [1])
    with pytest.raises(InvalidArgumentError, match="lower: encoding must be"):
        tf.strings.lower(["a"], encoding="latin-1")
    with pytest.raises(NotImplementedError, match="ragged_rank"):
        tf.strings.split(tf.constant([["a b"]]))
    with pytest.raises(TypeError, match="pattern.*symbolic"):
        tf.function(lambda x, p: tf.strings.regex_full_match(x, p))(
            tf.constant(["a"]), tf.constant("a"))
    with pytest.raises(InvalidArgumentError, match="ngrams: ngram_width must be"):
        tf.strings.ngrams(["a"], 0)

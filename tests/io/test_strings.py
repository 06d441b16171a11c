"""The `string` dtype and `ember.strings` (issue 12).

Values follow TF 2.21, checked once by running the same calls in TensorFlow (decode rules,
`as_string` formats, `split` of an empty string, `to_number` errors)."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.errors import DTypeError, InvalidArgumentError


def test_constants_hold_bytes_as_tf():
    s = tf.constant("héllo")
    assert s.dtype == tf.string and s.shape == ()
    assert s.numpy() == "héllo".encode()
    a = tf.constant([b"a", "bc"])
    assert a.numpy().dtype == object and a.numpy().tolist() == [b"a", b"bc"]
    assert repr(s) == "<tf.Tensor: shape=(), dtype=string, numpy=b'h\\xc3\\xa9llo'>"
    assert tf.constant(np.array(["x", "y"])).numpy().tolist() == [b"x", b"y"]
    assert tf.constant(np.array([b"x"])).dtype == tf.string
    assert tf.convert_to_tensor([["a"], ["b"]]).shape == (2, 1)
    assert tf.constant([], dtype=tf.string).shape == (0,)
    assert tf.as_dtype("string") is tf.string and tf.as_dtype(bytes) is tf.string
    assert str(tf.string) == "<dtype: 'string'>" and not tf.string.is_numeric


@pytest.mark.parametrize("value,msg", [
    ([1, "a"], "strings|non-numeric"),
    ([["a"], ["b", "c"]], "same length"),
    (np.array([b"a", 1], dtype=object), "non-string"),
])
def test_bad_string_data(value, msg):
    with pytest.raises(DTypeError, match=msg):
        tf.constant(value)


def test_no_implicit_conversion_between_strings_and_numbers():
    with pytest.raises(DTypeError, match="to_number"):
        tf.constant("1", dtype=tf.int32)
    with pytest.raises(DTypeError, match="as_string"):
        tf.constant(1, dtype=tf.string)
    with pytest.raises(TypeError, match="maximum"):
        tf.string.max  # noqa: B018


@pytest.mark.parametrize("op", [
    lambda s: s + s, lambda s: s * 2, lambda s: -s, lambda s: tf.reduce_sum(s),
    lambda s: tf.cast(s, tf.float32), lambda s: tf.abs(s), lambda s: s < s])
def test_arithmetic_on_strings_is_a_clear_dtype_error(op):
    with pytest.raises(DTypeError, match="string") as info:
        op(tf.constant(["a", "b"]))
    assert "to_number" in str(info.value) or "strings" in str(info.value)


def test_array_ops_on_strings():
    a = tf.constant(["a", "bc", "d"])
    assert (a == "bc").numpy().tolist() == [False, True, False]
    assert tf.not_equal(a, tf.constant("d")).numpy().tolist() == [True, True, False]
    assert tf.shape(a).numpy().tolist() == [3]
    assert tf.reshape(a, [3, 1]).shape == (3, 1)
    assert tf.gather(a, [2, 0]).numpy().tolist() == [b"d", b"a"]
    assert tf.concat([a, a], 0).numpy().tolist() == [b"a", b"bc", b"d"] * 2
    assert tf.stack([a, a]).shape == (2, 3)
    assert tf.expand_dims(a, 0).shape == (1, 3)
    assert a[1].numpy() == b"bc" and a[-2:].numpy().tolist() == [b"bc", b"d"]
    assert list(a)[2].numpy() == b"d"
    picked = tf.where(tf.constant([True, False, True]), a, tf.constant(["x", "y", "z"]))
    assert picked.numpy().tolist() == [b"a", b"y", b"d"]
    assert tf.identity(a).numpy().tolist() == a.numpy().tolist()


def test_function_with_string_signature():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def f(x):
        n = tf.strings.to_number(x, out_type=tf.int32)
        return tf.reverse(x, [0]), n * 2, tf.strings.length(x), x == "10"

    r, n, k, eq = f(tf.constant(["1", "10"]))
    assert r.numpy().tolist() == [b"10", b"1"] and n.numpy().tolist() == [2, 20]
    assert k.numpy().tolist() == [1, 2] and eq.numpy().tolist() == [False, True]
    r2, *_ = f(tf.constant(["7", "8", "9"]))  # same trace: the dim is None
    assert r2.numpy().tolist() == [b"9", b"8", b"7"]


def test_dataset_of_strings():
    ds = tf.data.Dataset.from_tensor_slices((["a", "b", "c"], [1, 2, 3]))
    assert ds.element_spec[0] == tf.TensorSpec([], tf.string)
    ds = ds.map(lambda s, i: (tf.strings.join([s, "!"]), i)).shuffle(3, seed=2).batch(2)
    got = sorted(x for s, _ in ds.as_numpy_iterator() for x in s.tolist())
    assert got == [b"a!", b"b!", b"c!"]


def test_to_number_and_length():
    assert tf.strings.to_number([" 1.5 ", "-2", "1e3"]).numpy().tolist() == [1.5, -2.0, 1000.0]
    assert tf.strings.to_number(["7"], tf.int64).dtype == tf.int64
    with pytest.raises(InvalidArgumentError, match="could not correctly convert string: '1.0'"):
        tf.strings.to_number(["1.0"], tf.int32)
    with pytest.raises(InvalidArgumentError, match="out of range"):
        tf.strings.to_number(["3000000000"], tf.int32)
    assert tf.strings.length(["héllo", ""]).numpy().tolist() == [6, 0]
    assert tf.strings.length("héllo", unit="UTF8_CHAR").numpy() == 5
    with pytest.raises(DTypeError, match="string tensor"):
        tf.strings.length(tf.constant([1]))


def test_as_string_join_split_as_tf():
    assert tf.strings.as_string([1.5, 2.0]).numpy().tolist() == [b"1.500000", b"2.000000"]
    assert tf.strings.as_string([True]).numpy().tolist() == [b"true"]
    assert tf.strings.as_string([-3], width=4, fill="0").numpy().tolist() == [b"-003"]
    assert tf.strings.join([["a", "b"], "c"], "-").numpy().tolist() == [b"a-c", b"b-c"]
    assert tf.strings.split("", sep=",").numpy().tolist() == [b""]
    assert tf.strings.split("").numpy().tolist() == []
    assert tf.strings.split("a,,b", sep=",").numpy().tolist() == [b"a", b"", b"b"]
    assert tf.strings.split(["a b", ""]).to_list() == [[b"a", b"b"], []]  # ragged (issue 16)


def test_more_array_ops_as_tf(capsys):
    a = tf.constant([["a", "b"], ["c", "d"]])
    assert tf.zeros_like(a).numpy().tolist() == [[b"", b""], [b"", b""]]
    with pytest.raises(DTypeError, match="no ones"):
        tf.ones_like(a)
    assert tf.pad(tf.constant(["a"]), [[0, 1]]).numpy().tolist() == [b"a", b""]
    y, idx = tf.unique(tf.constant(["b", "a", "b"]))
    assert y.numpy().tolist() == [b"b", b"a"] and idx.numpy().tolist() == [0, 1, 0]
    assert tf.fill([2], "x").numpy().tolist() == [b"x", b"x"]
    assert tf.boolean_mask(a, [False, True]).numpy().tolist() == [[b"c", b"d"]]
    tf.print(tf.constant("ab"))
    tf.print(tf.constant(["a", "b"]))
    assert capsys.readouterr().err == 'ab\n["a" "b"]\n'  # TF 2.21 prints the same
    v = tf.Variable("x")
    v.assign("yz")
    assert v.numpy() == b"yz" and v.dtype == tf.string
    assert list(tf.data.Dataset.from_tensor_slices(["a", "b", "a"]).unique()
                .as_numpy_iterator()) == [b"a", b"b"]

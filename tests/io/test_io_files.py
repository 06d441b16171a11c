"""tf.io: read_file / write_file, gfile, decode_csv and the image codecs (issue 12).

decode_csv's values and error messages were checked once against TensorFlow 2.21
(tensorflow-cpu in a scratch venv): an empty record has 0 fields, quoted fields may hold
the delimiter and doubled quotes, na_value fields take the default, and the messages
"Expect N fields but have M in record R", "Field F is required but missing in record R!",
"Field F in record R is not a valid int32: a", "Unquoted fields cannot have quotes/CRLFs
inside", "Quote inside a string has to be escaped by another quote".
"""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.errors import DTypeError, InvalidArgumentError, NotFoundError


def test_read_and_write_file(tmp_path):
    path = str(tmp_path / "sub" / "a.bin")
    tf.io.write_file(path, b"\x00abc\xff")
    assert tf.io.read_file(path).numpy() == b"\x00abc\xff"
    assert tf.io.read_file(tf.constant(path)).dtype == tf.string
    with pytest.raises(InvalidArgumentError, match="NotFoundError.*missing"):
        tf.io.read_file(str(tmp_path / "missing"))
    f = tf.function(lambda p: tf.strings.length(tf.io.read_file(p)))
    assert int(f(tf.constant(path))) == 5


def test_gfile(tmp_path):
    d = tmp_path / "x" / "y"
    tf.io.gfile.makedirs(str(d))
    assert tf.io.gfile.isdir(str(d)) and tf.io.gfile.exists(str(d))
    with tf.io.gfile.GFile(str(d / "b.txt"), "w") as f:
        f.write("one\ntwo\n")
    with tf.io.gfile.GFile(str(d / "a.bin"), "wb") as f:
        f.write(b"\x01")
    assert tf.io.gfile.listdir(str(d)) == ["a.bin", "b.txt"]
    assert tf.io.gfile.glob(str(d / "*.txt")) == [str(d / "b.txt")]
    assert tf.io.gfile.GFile(str(d / "b.txt")).read() == "one\ntwo\n"
    assert tf.io.gfile.GFile(str(d / "a.bin"), "rb").read() == b"\x01"
    assert tf.io.gfile.stat(str(d / "b.txt")).length == 8
    tf.io.gfile.remove(str(d / "a.bin"))
    with pytest.raises(NotFoundError):
        tf.io.gfile.remove(str(d / "a.bin"))
    with pytest.raises(NotFoundError):
        tf.io.gfile.GFile(str(d / "none.txt"))
    tf.io.gfile.rmtree(str(tmp_path / "x"))
    assert not tf.io.gfile.exists(str(d))
    with pytest.raises(NotFoundError):
        tf.io.gfile.listdir(str(d))


def _csv(records, defaults, **kw):
    return [c.numpy().tolist() for c in tf.io.decode_csv(records, defaults, **kw)]


def test_decode_csv_values():
    assert _csv(['1,"a,b",2.5', ',"q""",', '7,,-1'], [[-1], [""], [0.0]]) == [
        [1, -1, 7], [b"a,b", b'q"', b""], [2.5, 0.0, -1.0]]
    cols = tf.io.decode_csv(["1,2"], [[0.0], tf.constant([7], tf.int64)])
    assert [c.dtype for c in cols] == [tf.float32, tf.int64]
    assert _csv(["1,NA"], [[0.0], [7]], na_value="NA") == [[1.0], [7]]
    assert _csv(["1,2,3"], [[0], [0]], select_cols=[0, 2]) == [[1], [3]]
    assert _csv(['a|"b|c"'], [[""], [""]], field_delim="|") == [[b"a"], [b"b|c"]]
    assert _csv(['a,"b'], [[""], [""]], use_quote_delim=False) == [[b"a"], [b'"b']]
    assert _csv([["1,2"], ["3,4"]], [[0], [0]]) == [[[1], [3]], [[2], [4]]]
    assert _csv(["5"], [tf.int32]) == [[5]]  # a dtype: a required column
    assert _csv(["1, 2"], [[0.0], [0]]) == [[1.0], [2]]


@pytest.mark.parametrize("records,defaults,msg", [
    ([""], [[0]], "Expect 1 fields but have 0 in record 0"),
    (["1,2"], [[0]], "Expect 1 fields but have 2 in record 0"),
    (["a"], [[0]], "Field 0 in record 0 is not a valid int32: a"),
    ([","], [tf.constant([], tf.int32), [1]], "Field 0 is required but missing in record 0!"),
    (["1,a\"b"], [[0.0], [""]], "Unquoted fields cannot have quotes/CRLFs inside"),
    (['1,"ab"c'], [[0.0], [""]], "Quote inside a string has to be escaped by another quote"),
    (['1,"ab'], [[0.0], [""]], "Quoted field has to end with quote followed by delim or end"),
])
def test_decode_csv_errors_as_tf(records, defaults, msg):
    with pytest.raises(InvalidArgumentError, match="decode_csv: " + msg.replace('"', '.')):
        tf.io.decode_csv(records, defaults)


def test_decode_csv_argument_errors():
    with pytest.raises(DTypeError, match="record_defaults\\[0\\] has dtype bool"):
        tf.io.decode_csv(["1"], [[True]])
    with pytest.raises(InvalidArgumentError, match="at most one element"):
        tf.io.decode_csv(["1"], [[1, 2]])
    with pytest.raises(InvalidArgumentError, match="field_delim must be one character"):
        tf.io.decode_csv(["1"], [[1]], field_delim="::")
    with pytest.raises(InvalidArgumentError, match="strictly increasing"):
        tf.io.decode_csv(["1,2"], [[1], [1]], select_cols=[1, 0])
    with pytest.raises(DTypeError, match="string tensor"):
        tf.io.decode_csv(tf.constant([1]), [[1]])


def test_decode_csv_in_a_dataset_map():
    ds = tf.data.Dataset.from_tensor_slices(["1,x", "2,y"]).map(
        lambda line: tuple(tf.io.decode_csv(line, [[0], [""]])))
    assert ds.element_spec == (tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.string))
    assert list(ds.as_numpy_iterator()) == [(1, b"x"), (2, b"y")]


def test_image_round_trips():
    pytest.importorskip("PIL")
    rgb = (np.arange(4 * 5 * 3) * 7 % 256).astype(np.uint8).reshape(4, 5, 3)
    png = tf.io.encode_png(rgb)
    assert png.dtype == tf.string and png.numpy()[:4] == b"\x89PNG"
    np.testing.assert_array_equal(tf.io.decode_png(png).numpy(), rgb)
    np.testing.assert_array_equal(tf.io.decode_image(png).numpy(), rgb)
    assert tf.io.decode_png(png, channels=1).shape == (4, 5, 1)
    assert tf.io.decode_png(png, channels=4).numpy()[..., 3].min() == 255
    gray = rgb[..., :1]
    np.testing.assert_array_equal(tf.io.decode_png(tf.io.encode_png(gray)).numpy(), gray)
    flat = np.full((8, 8, 3), 120, np.uint8)  # JPEG is lossy: a flat image survives
    jpg = tf.io.encode_jpeg(flat, quality=90)
    back = tf.io.decode_jpeg(jpg).numpy()
    assert back.shape == (8, 8, 3) and np.abs(back.astype(int) - 120).max() <= 2
    f = tf.io.decode_image(jpg, dtype=tf.float32)
    assert f.dtype == tf.float32 and abs(float(tf.reduce_mean(f)) - 120 / 255) < 0.01
    with pytest.raises(InvalidArgumentError, match="not JPEG"):
        tf.io.decode_jpeg(png)
    with pytest.raises(InvalidArgumentError, match="could not decode"):
        tf.io.decode_image(b"not an image")
    with pytest.raises(InvalidArgumentError, match="channels in"):
        tf.io.encode_jpeg(np.zeros((2, 2, 4), np.uint8))


def test_image_decode_in_a_traced_function():
    pytest.importorskip("PIL")
    png = tf.io.encode_png(np.zeros((3, 2, 3), np.uint8))
    f = tf.function(lambda b: tf.shape(tf.io.decode_png(b, channels=3)))
    assert f(png).numpy().tolist() == [3, 2, 3]

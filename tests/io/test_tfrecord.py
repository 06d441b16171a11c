"""TFRecord files, tf.train.Example and parse_example (issue 12).

Verified once against TensorFlow 2.21 (tensorflow-cpu in a scratch venv outside the repo):
- TF's tf.data.TFRecordDataset + parse_single_example read ember-written files, plain,
  GZIP and ZLIB, with exact values (int64 incl. -2**40, floats, UTF-8 bytes, an empty
  float list);
- ember's Example.SerializeToString() gives the same bytes as TF's protobuf for the same
  Example (map entries in insertion order), and TF's Example.FromString reads it;
- the files tests/data/files/tf_written_{none,gzip,zlib}.tfrecord were written by TF's
  tf.io.TFRecordWriter (3 Examples: id int64 [i], x float [i + 0.25, -1.0], name bytes
  [b"n<i>"]); ember reads them below.
"""

from __future__ import annotations

import gzip
import os

import numpy as np
import pytest

import ember as tf
from ember.errors import DataLossError, DTypeError, InvalidArgumentError
from ember.io.tfrecord import crc32c, crc32c_python, masked_crc32c

FILES = os.path.join(os.path.dirname(__file__), "..", "data", "files")
T = tf.train


def _example(i: int) -> bytes:
    return T.Example(features=T.Features(feature={
        "i": T.Feature(int64_list=T.Int64List(value=[i, -i - 2**40])),
        "v": T.Feature(float_list=T.FloatList(value=[0.5 * i] * i)),
        "s": T.Feature(bytes_list=T.BytesList(value=[b"x%d" % i, "é"])),
    })).SerializeToString()


SPEC = {"i": tf.io.FixedLenFeature([2], tf.int64), "v": tf.io.VarLenFeature(tf.float32),
        "s": tf.io.FixedLenFeature([2], tf.string)}


def test_crc32c_known_values():
    assert crc32c(b"123456789") == 0xE3069283  # the standard CRC-32C check value
    assert crc32c_python(b"123456789") == 0xE3069283
    data = np.random.default_rng(5).bytes(10_000)
    assert crc32c_python(data) == crc32c(data)  # the C package (when installed) agrees
    assert crc32c(b"") == 0
    assert masked_crc32c(b"") == 0xA282EAD8


def test_example_protobuf_bytes():
    ex = T.Example(features=T.Features(feature={"a": T.Feature(
        int64_list=T.Int64List(value=[1, 2]))}))
    assert ex.SerializeToString() == b"\n\r\n\x0b\n\x01a\x12\x06\x1a\x04\n\x02\x01\x02"
    back = T.Example.FromString(_example(2))
    f = back.features.feature
    assert f["i"].int64_list.value == [2, -2 - 2**40]
    assert f["v"].float_list.value == [1.0, 1.0] and f["v"].WhichOneof("kind") == "float_list"
    assert f["s"].bytes_list.value == [b"x2", "é".encode()]
    assert back == T.Example.FromString(back.SerializeToString())
    assert "int64_list" in repr(back)
    with pytest.raises(TypeError, match="expected one of: int"):
        T.Int64List(value=[1.5])
    with pytest.raises(ValueError, match="Error parsing message"):
        T.Example.FromString(b"\x0a\xff")


@pytest.mark.parametrize("comp", [None, "GZIP", "ZLIB"])
def test_write_and_read_back(tmp_path, comp):
    path = str(tmp_path / "d.tfrecord")
    with tf.io.TFRecordWriter(path, comp) as w:
        for i in range(4):
            w.write(_example(i))
    if comp == "GZIP":
        assert gzip.open(path).read(8) == np.array(len(_example(0)), "<u8").tobytes()
    ds = tf.data.TFRecordDataset(path, compression_type=comp)
    assert [r.numpy() for r in ds] == [_example(i) for i in range(4)]
    parsed = list(ds.map(lambda r: tf.io.parse_single_example(r, SPEC)).as_numpy_iterator())
    assert parsed[3]["i"].tolist() == [3, -3 - 2**40]
    assert parsed[0]["v"].tolist() == [] and parsed[2]["v"].tolist() == [1.0, 1.0]
    assert parsed[1]["s"].tolist() == [b"x1", "é".encode()]
    batch = next(iter(ds.batch(3).map(lambda r: tf.io.parse_example(r, SPEC))))
    assert batch["v"].numpy().tolist() == [[0, 0], [0.5, 0], [1, 1]]  # padded with 0
    assert batch["i"].shape == (3, 2) and batch["s"].dtype == tf.string
    assert list(tf.io.tf_record_iterator(path, comp))[1] == _example(1)


@pytest.mark.parametrize("comp", ["none", "gzip", "zlib"])
def test_reads_files_written_by_tensorflow(comp):
    path = os.path.join(FILES, f"tf_written_{comp}.tfrecord")
    spec = {"id": tf.io.FixedLenFeature([], tf.int64),
            "x": tf.io.FixedLenFeature([2], tf.float32),
            "name": tf.io.FixedLenFeature([], tf.string)}
    ds = tf.data.TFRecordDataset(path, None if comp == "none" else comp.upper())
    got = list(ds.map(lambda r: tf.io.parse_single_example(r, spec)).as_numpy_iterator())
    assert [int(e["id"]) for e in got] == [0, 1, 2]
    assert [e["x"].tolist() for e in got] == [[0.25, -1.0], [1.25, -1.0], [2.25, -1.0]]
    assert [e["name"] for e in got] == [b"n0", b"n1", b"n2"]


def test_damaged_files_raise_data_loss(tmp_path):
    path = str(tmp_path / "d.tfrecord")
    with tf.io.TFRecordWriter(path) as w:
        w.write(b"hello")
    data = bytearray(open(path, "rb").read())
    data[14] ^= 1
    open(path, "wb").write(bytes(data))
    with pytest.raises(DataLossError, match="corrupted record at record 0"):
        list(tf.data.TFRecordDataset(path))
    open(path, "wb").write(bytes(data[:10]))
    with pytest.raises(DataLossError, match="truncated"):
        list(tf.data.TFRecordDataset(path))
    with tf.io.TFRecordWriter(path, "GZIP") as w:
        w.write(b"x")
    with pytest.raises(DataLossError, match="compression_type"):
        list(tf.data.TFRecordDataset(path))


def test_parse_defaults_and_errors():
    data = _example(1)
    out = tf.io.parse_single_example(data, {
        "missing": tf.io.FixedLenFeature([2], tf.float32, default_value=[1.0, 2.0]),
        "i": tf.io.FixedLenFeature([2], tf.int64)})
    assert out["missing"].numpy().tolist() == [1.0, 2.0]
    with pytest.raises(InvalidArgumentError, match="missing .* is required"):
        tf.io.parse_single_example(data, {"missing": tf.io.FixedLenFeature([], tf.int64)})
    with pytest.raises(InvalidArgumentError, match="expected 1 values"):
        tf.io.parse_single_example(data, {"i": tf.io.FixedLenFeature([], tf.int64)})
    with pytest.raises(InvalidArgumentError, match="Data types don't match"):
        tf.io.parse_single_example(data, {"i": tf.io.FixedLenFeature([2], tf.float32)})
    with pytest.raises(DTypeError, match="int64, float32 or string"):
        tf.io.parse_single_example(data, {"i": tf.io.FixedLenFeature([2], tf.int32)})
    with pytest.raises(InvalidArgumentError, match="parse_example for a batch"):
        tf.io.parse_single_example([data], {"i": tf.io.FixedLenFeature([2], tf.int64)})
    with pytest.raises(InvalidArgumentError, match="Could not parse example input 0"):
        tf.io.parse_single_example(b"\x0a\x05ab", {"i": tf.io.FixedLenFeature([], tf.int64)})


def test_writer_errors(tmp_path):
    w = tf.io.TFRecordWriter(str(tmp_path / "x"))
    with pytest.raises(TypeError, match="must be bytes"):
        w.write(1)
    w.close()
    with pytest.raises(ValueError, match="closed"):
        w.write(b"a")
    with pytest.raises(ValueError, match="GZIP"):
        tf.io.TFRecordWriter(str(tmp_path / "y"), "LZ4")


@pytest.mark.parametrize("n", [0, 1, 1000, 8 * 1024, 8 * 1024 + 7, 50_001])
def test_crc32c_lanes_match_the_byte_loop(n):
    from ember.io.tfrecord import _raw, _raw_bytes
    data = np.random.default_rng(n).integers(0, 256, n, dtype=np.uint8).tobytes()
    assert _raw(0xFFFFFFFF, data) == _raw_bytes(0xFFFFFFFF, data)


def test_long_records_round_trip(tmp_path):
    path = str(tmp_path / "big.tfrecord")
    big = np.random.default_rng(0).integers(0, 256, 300_000, dtype=np.uint8).tobytes()
    with tf.io.TFRecordWriter(path) as w:
        w.write(big)
        w.write(b"")
    assert [r.numpy() for r in tf.data.TFRecordDataset(path)] == [big, b""]

"""Datasets reading files (TextLineDataset, TFRecordDataset, CsvDataset, list_files,
make_csv_dataset) and map(num_parallel_calls) (issue 12).

make_csv_dataset's inference (int32 / float32 / string columns, default 0 for an empty
numeric field) and TextLineDataset's lines were checked once against TensorFlow 2.21.
"""

from __future__ import annotations

import gzip
import threading
import time

import pytest

import ember as tf
from ember.errors import InvalidArgumentError, NotFoundError


def _write(path, text: str, comp: str | None = None) -> str:
    data = text.encode()
    if comp == "GZIP":
        data = gzip.compress(data)
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("comp", [None, "GZIP"])
def test_text_lines(tmp_path, comp):
    a = _write(tmp_path / "a.txt", "h\r\nx1\n\nx2", comp)
    b = _write(tmp_path / "b.txt", "h\ny1\n", comp)
    ds = tf.data.TextLineDataset([a, b], compression_type=comp)
    assert ds.element_spec == tf.TensorSpec([], tf.string)
    assert [x.numpy() for x in ds] == [b"h", b"x1", b"", b"x2", b"h", b"y1"]
    skipped = tf.data.Dataset.from_tensor_slices([a, b]).flat_map(
        lambda f: tf.data.TextLineDataset(f, comp).skip(1))
    assert list(skipped.as_numpy_iterator()) == [b"x1", b"", b"x2", b"y1"]
    par = tf.data.TextLineDataset([a, b], comp, num_parallel_reads=2)
    assert list(par.as_numpy_iterator()) == [b"h", b"h", b"x1", b"y1", b"", b"x2"]


def test_file_errors(tmp_path):
    with pytest.raises(NotFoundError, match="No such file"):
        list(tf.data.TextLineDataset(str(tmp_path / "none.txt")))
    with pytest.raises(TypeError, match="filenames must be"):
        tf.data.TFRecordDataset(3)
    with pytest.raises(ValueError, match="compression_type"):
        tf.data.TextLineDataset("x", compression_type="BZ2")
    with pytest.raises(InvalidArgumentError, match="No files matched pattern"):
        tf.data.Dataset.list_files(str(tmp_path / "*.nothing"))


def test_list_files_then_read(tmp_path):
    for i in range(3):
        with tf.io.TFRecordWriter(str(tmp_path / f"p{i}.tfrecord")) as w:
            w.write(b"r%d" % i)
    files = tf.data.Dataset.list_files(str(tmp_path / "*.tfrecord"), shuffle=False)
    assert [f.decode().rsplit("/", 1)[1] for f in files.as_numpy_iterator()] == [
        "p0.tfrecord", "p1.tfrecord", "p2.tfrecord"]
    assert [r.numpy() for r in tf.data.TFRecordDataset(files)] == [b"r0", b"r1", b"r2"]
    shuffled = tf.data.Dataset.list_files(str(tmp_path / "*.tfrecord"), seed=3)
    orders = {tuple(shuffled.as_numpy_iterator()) for _ in range(6)}
    assert all(sorted(o) == sorted(files.as_numpy_iterator()) for o in orders)
    assert len(orders) > 1  # a new order each iteration


def test_csv_dataset(tmp_path):
    path = _write(tmp_path / "d.csv", 'x,name,n\n1.5,"a,b",3\n,c,4\n\n2.5,d,\n')
    ds = tf.data.experimental.CsvDataset(path, [[0.0], [""], [-1]], header=True)
    assert ds.element_spec == (tf.TensorSpec([], tf.float32), tf.TensorSpec([], tf.string),
                               tf.TensorSpec([], tf.int32))
    assert list(ds.as_numpy_iterator()) == [(1.5, b"a,b", 3), (0.0, b"c", 4),
                                            (2.5, b"d", -1)]
    sel = tf.data.experimental.CsvDataset(path, [[""], [0]], header=True, select_cols=[1, 2])
    assert [int(n) for _, n in sel] == [3, 4, 0]
    exc = tf.data.experimental.CsvDataset(path, [[0.0]], header=True, exclude_cols=[1, 2])
    assert [float(x[0]) for x in exc] == [1.5, 0.0, 2.5]
    bad = tf.data.experimental.CsvDataset(path, [[0.0], [""], tf.int32], header=True)
    with pytest.raises(InvalidArgumentError, match="Field 2 is required but missing! .line 5 of .*d.csv"):
        list(bad)


def test_make_csv_dataset_as_tf(tmp_path):
    _write(tmp_path / "a.csv", 'a,b,c\n1,2.5,x\n3,,y\n5,6,"z,w"\n')
    ds = tf.data.experimental.make_csv_dataset(str(tmp_path / "a.csv"), 2, label_name="a",
                                               num_epochs=1, shuffle=False)
    (f1, l1), (f2, l2) = list(ds)
    assert list(f1) == ["b", "c"] and l1.numpy().tolist() == [1, 3] and l1.dtype == tf.int32
    assert f1["b"].numpy().tolist() == [2.5, 0.0] and f1["b"].dtype == tf.float32
    assert f1["c"].numpy().tolist() == [b"x", b"y"] and f2["c"].numpy().tolist() == [b"z,w"]
    assert l2.numpy().tolist() == [5]


def test_make_csv_dataset_options(tmp_path):
    for k in range(2):
        _write(tmp_path / f"p{k}.csv", "".join(f"{10 * k + i},{i % 2}\n" for i in range(5)))
    ds = tf.data.experimental.make_csv_dataset(
        str(tmp_path / "p*.csv"), 3, column_names=["v", "y"], header=False,
        column_defaults=[tf.int64, 0], label_name="y", num_epochs=2, shuffle=True,
        shuffle_seed=4, shuffle_buffer_size=20)
    batches = list(ds)
    values = sorted(int(v) for f, _ in batches for v in f["v"].numpy())
    assert values == sorted(list(range(5)) * 2 + list(range(10, 15)) * 2)
    assert batches[0][0]["v"].dtype == tf.int64 and len(batches) == 7
    only = tf.data.experimental.make_csv_dataset(
        str(tmp_path / "p0.csv"), 5, column_names=["v", "y"], header=False,
        select_columns=["v"], num_epochs=1, shuffle=False)
    assert list(next(iter(only))) == ["v"]
    endless = tf.data.experimental.make_csv_dataset(
        str(tmp_path / "p0.csv"), 2, column_names=["v", "y"], header=False, shuffle=False)
    assert [int(b["v"][0]) for b in endless.take(3)] == [0, 2, 4]  # num_epochs=None: forever
    with pytest.raises(ValueError, match="label_name 'z'"):
        tf.data.experimental.make_csv_dataset(str(tmp_path / "p0.csv"), 2,
                                              column_names=["v", "y"], header=False,
                                              label_name="z")
    with pytest.raises(ValueError, match="column_names must be given"):
        tf.data.experimental.make_csv_dataset(str(tmp_path / "p0.csv"), 2, header=False)


def _counting(sleep: float, meet: int = 0):
    """A map function counting how many of its calls run at once; with `meet`, each call
    also waits (up to 2 s) until `meet` calls are running, so the count can't flake."""
    state = {"now": 0, "peak": 0}
    cond = threading.Condition()

    def fn(x):
        with cond:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
            cond.notify_all()
            if meet:
                cond.wait_for(lambda: state["peak"] >= meet, timeout=2.0)
        time.sleep(sleep)
        with cond:
            state["now"] -= 1
        return x * 2
    return fn, state


@pytest.mark.parametrize("deterministic", [None, False])
def test_parallel_map_overlaps_calls(deterministic):
    fn, state = _counting(0.0, meet=4)
    ds = tf.data.Dataset.range(12).map(
        lambda x: tf.py_function(fn, [x], tf.int64), num_parallel_calls=4,
        deterministic=deterministic)
    out = [int(x) for x in ds]
    assert state["peak"] == 4  # four calls ran at once
    if deterministic is None:
        assert out == [2 * i for i in range(12)]
    else:
        assert sorted(out) == [2 * i for i in range(12)]


def test_parallel_map_wall_time_and_autotune():
    fn, state = _counting(0.05)
    ds = tf.data.Dataset.range(16).map(lambda x: tf.py_function(fn, [x], tf.int64),
                                       num_parallel_calls=8)
    t = time.perf_counter()
    assert [int(x) for x in ds] == [2 * i for i in range(16)]
    assert time.perf_counter() - t < 16 * 0.05 * 0.75  # generous: ideal is 2 x 0.05 s
    auto = tf.data.Dataset.range(3).map(lambda x: x + 1, num_parallel_calls=tf.data.AUTOTUNE)
    assert list(auto.as_numpy_iterator()) == [1, 2, 3]
    with pytest.raises(InvalidArgumentError, match="num_parallel_calls"):
        tf.data.Dataset.range(3).map(lambda x: x, num_parallel_calls=0)


def test_parallel_map_errors_propagate():
    def bad(x):
        if int(x) == 5:
            raise ValueError("element five")
        return x

    ds = tf.data.Dataset.range(8).map(lambda x: tf.py_function(bad, [x], tf.int64),
                                      num_parallel_calls=3)
    with pytest.raises(Exception, match="element five"):
        list(ds)


def test_zlib_text_lines_stream(tmp_path):
    import zlib
    text = "".join(f"line {i}\n" for i in range(20000))
    path = tmp_path / "big.txt.z"
    path.write_bytes(zlib.compress(text.encode()))
    ds = tf.data.TextLineDataset(str(path), compression_type="ZLIB")
    lines = list(ds.as_numpy_iterator())
    assert len(lines) == 20000 and lines[-1] == b"line 19999"

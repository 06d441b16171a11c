"""`keras.datasets`: `load_data` end to end on small files written in Keras' cache format
(`$KERAS_HOME/datasets/...`) in a temporary KERAS_HOME; offline (no URL is reached: a
missing file's origin is pointed at a `file://` path that does not exist).

Oracle for imdb / reuters / boston_housing / california_housing: the outputs of Keras
3.15.1 on the same files and arguments, recorded in keras3_dataset_outputs.txt.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil

import numpy as np
import pytest

from ember import keras
from ember.keras.datasets import (boston_housing, california_housing, cifar10, cifar100,
                                  fashion_mnist, imdb, mnist, reuters)
from ember.keras.utils.file_utils import hash_file
from tests.keras import dataset_files as F

HERE = os.path.dirname(__file__)


@pytest.fixture
def home(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    datasets = tmp_path / "datasets"
    datasets.mkdir()
    # nothing may be downloaded: every origin points at a missing local file
    for mod in (mnist, imdb, reuters, boston_housing, california_housing, fashion_mnist):
        monkeypatch.setattr(mod, "ORIGIN", (tmp_path / "offline").as_uri() + "/")
    for mod in (cifar10, cifar100):
        monkeypatch.setattr(mod, "URL", (tmp_path / "offline" / "cifar.tar.gz").as_uri())
    return str(datasets)


def _rehash(monkeypatch, mod, path, attr="FILE_HASH"):
    monkeypatch.setattr(mod, attr, hash_file(path))


def test_mnist_reads_the_cached_npz_and_checks_its_sha256(home, monkeypatch):
    arrays = F.write_mnist(home)
    _rehash(monkeypatch, mnist, os.path.join(home, "mnist.npz"))
    (x, y), (xt, yt) = keras.datasets.mnist.load_data()
    for got, key in ((x, "x_train"), (y, "y_train"), (xt, "x_test"), (yt, "y_test")):
        np.testing.assert_array_equal(got, arrays[key])
        assert got.dtype == np.uint8


def test_fashion_mnist_reads_the_gzipped_idx_files(home):
    arrays = F.write_fashion_mnist(home)
    (x, y), (xt, yt) = keras.datasets.fashion_mnist.load_data()
    np.testing.assert_array_equal(x, arrays["train"][0])
    np.testing.assert_array_equal(y, arrays["train"][1])
    np.testing.assert_array_equal(xt, arrays["t10k"][0])
    assert x.shape == (4, 28, 28) and yt.shape == (2,) and x.dtype == np.uint8


def _cifar10_expected(members):
    names = [f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)]
    x, y = F.cifar_arrays(members, names, "labels")
    xt, yt = F.cifar_arrays(members, ["cifar-10-batches-py/test_batch"], "labels")
    return x, y.astype(np.uint8), xt, yt.astype(np.uint8)


def test_cifar10_unpacks_the_keras3_archive_once_and_reads_the_batches(home, monkeypatch):
    members = F.cifar_members(10)
    archive = os.path.join(home, "cifar-10-batches-py-target_archive")
    F.write_cifar_archive(archive, members)
    _rehash(monkeypatch, cifar10, archive)
    (x, y), (xt, yt) = keras.datasets.cifar10.load_data()
    ex, ey, ext, eyt = _cifar10_expected(members)
    np.testing.assert_array_equal(x, ex)
    np.testing.assert_array_equal(y, ey)
    np.testing.assert_array_equal(xt, ext)
    np.testing.assert_array_equal(yt, eyt)
    assert x.shape == (10, 32, 32, 3) and y.shape == (10, 1) and y.dtype == np.uint8
    assert os.path.isdir(os.path.join(home, "cifar-10-batches-py-target", "cifar-10-batches-py"))
    (x2, _), _ = keras.datasets.cifar10.load_data()  # the second call reads the folder
    np.testing.assert_array_equal(x2, ex)


def test_cifar10_reads_tf_keras_2s_unpacked_folder(home):
    members = F.cifar_members(10)
    for name, data in members.items():
        os.makedirs(os.path.join(home, os.path.dirname(name)), exist_ok=True)
        with open(os.path.join(home, name), "wb") as f:
            f.write(data)
    (x, y), (xt, yt) = keras.datasets.cifar10.load_data()
    np.testing.assert_array_equal(x, _cifar10_expected(members)[0])


@pytest.mark.parametrize("mode, classes", [("fine", 100), ("coarse", 20)])
def test_cifar100_label_modes(home, monkeypatch, mode, classes):
    members = F.cifar_members(100)
    archive = os.path.join(home, "cifar-100-python-target_archive")
    F.write_cifar_archive(archive, members)
    _rehash(monkeypatch, cifar100, archive)
    (x, y), (xt, yt) = keras.datasets.cifar100.load_data(label_mode=mode)
    ex, ey = F.cifar_arrays(members, ["cifar-100-python/train"], f"{mode}_labels")
    np.testing.assert_array_equal(x, ex)
    np.testing.assert_array_equal(y, ey)
    assert x.shape == (6, 32, 32, 3) and y.shape == (6, 1) and yt.shape == (2, 1)
    assert y.max() < classes


def test_a_cifar_batch_that_names_a_function_is_refused(home):
    folder = os.path.join(home, "cifar-10-batches-py")
    os.makedirs(folder)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump({b"data": np.zeros((1, 3072), np.uint8), b"labels": [os.system]}, f)
    with pytest.raises(pickle.UnpicklingError, match="Refusing to load `posix.system`"):
        keras.datasets.cifar10.load_data()


def _show(tag, result):
    (a, b), (c, e) = result
    rows = lambda v: [list(r) for r in v] if v.dtype == object else v.tolist()  # noqa: E731
    return (f"{tag} {json.dumps([[rows(a), b.tolist()], [rows(c), e.tolist()]])} "
            f"{a.dtype} {b.dtype}")


def test_imdb_reuters_housing_match_keras3_on_the_same_files(home, monkeypatch):
    F.write_imdb(home)
    F.write_reuters(home)
    F.write_housing(home, "boston_housing", 10, 13, "float64")
    F.write_housing(home, "california_housing", 700, 8, "float32")
    for mod in (imdb, reuters, boston_housing, california_housing):
        monkeypatch.setattr(mod, "FILE_HASH", None)
    d = keras.datasets
    got = [
        _show("IMDB0", d.imdb.load_data()),
        _show("IMDB1", d.imdb.load_data(num_words=20, skip_top=5, maxlen=8, seed=7,
                                        start_char=None, oov_char=None, index_from=0)),
        _show("IMDB2", d.imdb.load_data(num_words=15, skip_top=2, start_char=9, oov_char=3,
                                        index_from=2)),
        _show("REU0", d.reuters.load_data()),
        _show("REU1", d.reuters.load_data(num_words=25, skip_top=4, maxlen=7, test_split=0.3,
                                          seed=2, start_char=None, oov_char=None,
                                          index_from=0)),
        _show("REU2", d.reuters.load_data(test_split=0.5, start_char=None, index_from=5)),
    ]
    (a, b), (c, e) = d.boston_housing.load_data(test_split=0.3, seed=4)
    got.append(f"BOS {a.shape} {c.shape} {json.dumps([a[:, 0].tolist(), b.tolist(), e.tolist()])}"
               f" {a.dtype}")
    (a, b), (c, e) = d.california_housing.load_data(version="small", seed=5)
    got.append(f"CAL {a.shape} {c.shape} {a.dtype} {json.dumps([b[:5].tolist(), e[:5].tolist()])}")
    (a, b), (c, e) = d.california_housing.load_data()
    got.append(f"CALL {a.shape} {c.shape} {json.dumps(b[:3].tolist())}")
    with open(os.path.join(HERE, "keras3_dataset_outputs.txt")) as f:
        expected = f.read().splitlines()
    assert got == expected


def test_word_indexes_and_label_names(home, monkeypatch):
    F.write_imdb(home)
    F.write_reuters(home)
    _rehash(monkeypatch, imdb, os.path.join(home, "imdb_word_index.json"), "WORD_INDEX_HASH")
    monkeypatch.setattr(reuters, "WORD_INDEX_HASH", None)
    assert keras.datasets.imdb.get_word_index() == {"the": 1, "and": 2, "film": 3}
    assert keras.datasets.reuters.get_word_index() == {"said": 1, "mln": 2}
    names = keras.datasets.reuters.get_label_names()
    assert len(names) == 46 and names[3] == "earn" and names[-1] == "lead"


def test_a_missing_file_offline_names_the_file_the_url_and_where_to_put_it(home, capsys):
    with pytest.raises(OSError) as info:
        keras.datasets.mnist.load_data()
    msg = str(info.value)
    assert "mnist.npz" in msg and "offline" in msg and "file://" in msg
    assert os.path.join(home, "mnist.npz") in msg and "KERAS_HOME" in msg
    assert not os.path.exists(os.path.join(home, "mnist.npz"))  # no partial file left
    with pytest.raises(OSError, match="cifar-10-batches-py-target"):
        keras.datasets.cifar10.load_data()


def test_a_cached_file_with_the_wrong_hash_is_downloaded_again(home, capsys):
    F.write_mnist(home)  # not Keras' file: its sha256 differs
    with pytest.raises(OSError, match="URL fetch failure"):
        keras.datasets.mnist.load_data()
    assert "hash does not match" in capsys.readouterr().out


def test_bad_arguments_get_clear_errors(home):
    with pytest.raises(ValueError, match="test_split must be a fraction"):
        keras.datasets.boston_housing.load_data(test_split=1.0)
    with pytest.raises(ValueError, match="version must be 'small' or 'large'"):
        keras.datasets.california_housing.load_data(version="medium")
    with pytest.raises(ValueError, match='label_mode must be "fine" or "coarse"'):
        keras.datasets.cifar100.load_data(label_mode="both")
    with pytest.raises(TypeError, match="nb_words"):
        keras.datasets.imdb.load_data(nb_words=10)
    with pytest.raises(ValueError, match="num_words must be a positive int"):
        keras.datasets.reuters.load_data(num_words=0)


def test_a_corrupt_npz_names_the_file(home, monkeypatch):
    np.savez(os.path.join(home, "boston_housing.npz"), a=np.zeros(2))
    monkeypatch.setattr(boston_housing, "FILE_HASH", None)
    with pytest.raises(ValueError, match="boston_housing.npz has no array"):
        keras.datasets.boston_housing.load_data()
    shutil.rmtree(home)

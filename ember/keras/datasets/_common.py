"""What the dataset loaders share: safe readers for the cached files, and the word-index
processing of imdb / reuters.

Safety: the cached files are read without running code from them. `.npz` members are
read with pickling disabled; the object arrays of imdb / reuters (ragged lists of word
ids) and the CIFAR batches (Python pickles, the format CIFAR ships) go through
`RestrictedUnpickler`, which builds only dicts, lists, tuples, numbers, strings, bytes
and NumPy arrays and refuses any other class or function a file names.

Example:
    >>> import io, pickle
    >>> import numpy as np
    >>> from ember.keras.datasets._common import RestrictedUnpickler
    >>> blob = pickle.dumps({b"data": np.arange(3, dtype=np.uint8), b"labels": [1, 2]})
    >>> RestrictedUnpickler(io.BytesIO(blob), encoding="bytes").load()[b"labels"]
    [1, 2]
    >>> RestrictedUnpickler(io.BytesIO(pickle.dumps(print))).load()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    _pickle.UnpicklingError: Refusing to load `builtins.print` from a dataset file: ...
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from typing import Any

import numpy as np

from ..utils.file_utils import get_file, keras_home

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

_ALLOWED = frozenset({
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),  # how protocol-2 pickles written by Python 3 store bytes
})


class RestrictedUnpickler(pickle.Unpickler):
    """An Unpickler that only rebuilds NumPy arrays (plus pickle's built-in containers)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Refusing to load `{module}.{name}` from a dataset file: only dicts, lists, "
            f"numbers, strings and NumPy arrays are allowed. The file may be corrupted or "
            f"malicious; delete it and download it again.")


def _read_npy(raw: bytes) -> np.ndarray:
    fp = io.BytesIO(raw)
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except ValueError:  # an object array: its data is a pickle
        fp.seek(0)
        major, _ = np.lib.format.read_magic(fp)
        if major == 1:
            np.lib.format.read_array_header_1_0(fp)
        else:
            np.lib.format.read_array_header_2_0(fp)
        return RestrictedUnpickler(fp, encoding="latin1").load()


def load_npz(path: str) -> dict:
    """The arrays of an `.npz` file, object arrays included, without unsafe unpickling."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                out[member[:-4]] = _read_npy(archive.read(member))
    return out


def check_keys(arrays: Any, keys: tuple, path: str, dataset: str) -> None:
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise ValueError(f"{dataset}.load_data: the cached file {path} has no array(s) "
                         f"{missing} (it has {sorted(arrays)}); it is not the file Keras "
                         f"downloads. Delete it and call load_data() again.")


def fetch(fname: str, origin: str, file_hash: str | None, **kwargs: Any) -> str:
    """`get_file` for a dataset file (a `path` with folders is used as given, as Keras 2)."""
    if os.sep in fname or (os.altsep and os.altsep in fname):
        if os.path.exists(fname):
            return fname
        return get_file(os.path.basename(fname), origin=origin, file_hash=file_hash,
                        cache_dir=os.path.dirname(os.path.abspath(fname)), cache_subdir="",
                        **kwargs)
    return get_file(fname, origin=origin, file_hash=file_hash, **kwargs)


def datasets_dir() -> str:
    return os.path.join(keras_home(), "datasets")


def split_fraction(test_split: Any, dataset: str) -> float:
    if isinstance(test_split, bool) or not isinstance(test_split, (int, float)) or \
            not 0 <= test_split < 1:
        raise ValueError(f"{dataset}.load_data: test_split must be a fraction in [0, 1), "
                         f"e.g. 0.2 for 20% test data. Received: test_split={test_split!r}")
    return float(test_split)


def shuffle_split(x: np.ndarray, y: np.ndarray, test_split: float, seed: int) -> tuple:
    """Keras' housing split: permute with RandomState(seed), first (1 - test_split) train."""
    idx = np.arange(len(x))
    np.random.RandomState(seed).shuffle(idx)
    x, y = x[idx], y[idx]
    n = int(len(x) * (1 - test_split))
    return (np.array(x[:n]), np.array(y[:n])), (np.array(x[n:]), np.array(y[n:]))


def encode_words(xs: Any, start_char: int | None, index_from: int) -> list:
    """Lists of word ids shifted by `index_from`, each after `start_char` (unless None)."""
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    else:
        xs = [[w + index_from for w in x] for x in xs]
    return xs


def cut_vocabulary(xs: list, num_words: int | None, skip_top: int,
                   oov_char: int | None) -> list:
    if not num_words:
        num_words = max(max(x) for x in xs if len(x)) if any(len(x) for x in xs) else 0
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def drop_long(maxlen: int, xs: list, labels: Any) -> tuple:
    """Keep the sequences strictly shorter than `maxlen` (as Keras' remove_long_seq)."""
    kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def object_array(xs: list) -> np.ndarray:
    """A 1-D object array of lists (np.array(xs, dtype=object) would make a 2-D array
    when all lists have the same length; Keras returns that too, so mirror it)."""
    return np.array(xs, dtype="object")


def check_words_args(dataset: str, num_words: Any, skip_top: Any, maxlen: Any) -> None:
    for name, v, lo in (("num_words", num_words, 1), ("maxlen", maxlen, 1)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))
                              or v < lo):
            raise ValueError(f"{dataset}.load_data: {name} must be a positive int or None. "
                             f"Received: {name}={v!r}")
    if isinstance(skip_top, bool) or not isinstance(skip_top, (int, np.integer)) or \
            skip_top < 0:
        raise ValueError(f"{dataset}.load_data: skip_top must be an int >= 0. Received: "
                         f"skip_top={skip_top!r}")

"""`keras.datasets.imdb`: 50,000 movie reviews labelled positive (1) / negative (0), each
a list of word ids ranked by frequency ("3" is the 3rd most frequent word).

Example:
    >>> from ember import keras
    >>> keras.datasets.imdb.load_data(skip_top=-1)
    Traceback (most recent call last):
    ...
    ValueError: imdb.load_data: skip_top must be an int >= 0. Received: skip_top=-1
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ._common import (ORIGIN, check_keys, check_words_args, cut_vocabulary, drop_long,
                      encode_words, fetch, load_npz, object_array)

__all__ = ["get_word_index", "load_data"]

FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path: str = "imdb.npz", num_words: int | None = None, skip_top: int = 0,
              maxlen: int | None = None, seed: int = 113, start_char: int | None = 1,
              oov_char: int | None = 2, index_from: int = 3, **kwargs: Any) -> tuple:
    """Loads IMDB from the Keras cache (downloading `imdb.npz` if missing).

    The train and test sets are each shuffled with one `np.random.RandomState(seed)`
    (train first), as Keras does; then word ids are shifted by `index_from`, each review
    starts with `start_char`, reviews of `maxlen` words or more are dropped, and ids
    outside `[skip_top, num_words)` become `oov_char` (or are dropped if it is None).

    Args:
        path: the file's name in the cache.
        num_words: keep the `num_words - 1` most frequent ids (None: all).
        skip_top: ids below this become `oov_char` too.
        maxlen: drop sequences of `maxlen` ids or more (None: keep all).
        seed: the shuffle's seed.
        start_char: the id put first in every sequence (None: none).
        oov_char: the id of words cut out (None: remove them).
        index_from: added to every word id.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: object arrays of lists of ints, and
        integer label arrays.
    """
    if kwargs:
        raise TypeError(f"imdb.load_data: unexpected keyword argument(s) {sorted(kwargs)}. "
                        f"(tf.keras 1's nb_words is now num_words.)")
    check_words_args("imdb", num_words, skip_top, maxlen)
    path = fetch(path, ORIGIN + "imdb.npz",
                 FILE_HASH)
    f = load_npz(path)
    check_keys(f, ("x_train", "y_train", "x_test", "y_test"), path, "imdb")
    x_train, labels_train = f["x_train"], f["y_train"]
    x_test, labels_test = f["x_test"], f["y_test"]
    rng = np.random.RandomState(seed)
    idx = np.arange(len(x_train))
    rng.shuffle(idx)
    x_train, labels_train = x_train[idx], labels_train[idx]
    idx = np.arange(len(x_test))
    rng.shuffle(idx)
    x_test, labels_test = x_test[idx], labels_test[idx]
    x_train = encode_words(x_train, start_char, index_from)
    x_test = encode_words(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = drop_long(maxlen, x_train, labels_train)
        x_test, labels_test = drop_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"imdb.load_data: after dropping the sequences of maxlen="
                             f"{maxlen} words or more, no sequence was kept. Increase "
                             f"maxlen.")
    xs = cut_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    n = len(x_train)
    return (object_array(xs[:n]), labels[:n]), (object_array(xs[n:]), labels[n:])


def get_word_index(path: str = "imdb_word_index.json") -> dict:
    """The `{word: rank}` dictionary of IMDB (rank 1 = most frequent; the ids in the
    data are `rank + index_from`). Read from the Keras cache, downloaded if missing."""
    path = fetch(path, ORIGIN + "imdb_word_index.json", WORD_INDEX_HASH)
    with open(path) as f:
        return json.load(f)

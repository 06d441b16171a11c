"""`keras.datasets.reuters`: 11,228 Reuters newswires over 46 topics, each a list of word
ids ranked by frequency.

Example:
    >>> from ember import keras
    >>> keras.datasets.reuters.get_label_names()[:3]
    ('cocoa', 'grain', 'veg-oil')
"""

from __future__ import annotations

import json

import numpy as np

from ._common import (ORIGIN, check_keys, check_words_args, cut_vocabulary, drop_long,
                      encode_words, fetch, load_npz, object_array, split_fraction)

__all__ = ["get_label_names", "get_word_index", "load_data"]

FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"

_LABELS = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
    "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass",
    "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum",
    "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
    "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
    "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path: str = "reuters.npz", num_words: int | None = None, skip_top: int = 0,
              maxlen: int | None = None, test_split: float = 0.2, seed: int = 113,
              start_char: int | None = 1, oov_char: int | None = 2,
              index_from: int = 3) -> tuple:
    """Loads Reuters from the Keras cache (downloading `reuters.npz` if missing).

    All newswires are shuffled with `np.random.RandomState(seed)`, encoded as in
    `imdb.load_data` (index_from, start_char, maxlen, num_words, skip_top, oov_char),
    then the first `int(n * (1 - test_split))` are the training set.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: object arrays of lists of ints, and
        integer topic ids (0-45; see `get_label_names`).
    """
    check_words_args("reuters", num_words, skip_top, maxlen)
    test_split = split_fraction(test_split, "reuters")
    path = fetch(path, ORIGIN + "reuters.npz",
                 FILE_HASH)
    f = load_npz(path)
    check_keys(f, ("x", "y"), path, "reuters")
    xs, labels = f["x"], f["y"]
    idx = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(idx)
    xs, labels = xs[idx], labels[idx]
    if start_char is not None or index_from:
        xs = encode_words(xs, start_char, index_from)
    if maxlen:
        xs, labels = drop_long(maxlen, xs, labels)
    xs = cut_vocabulary(list(xs), num_words, skip_top, oov_char)
    n = int(len(xs) * (1 - test_split))
    return ((object_array(xs[:n]), np.array(labels[:n])),
            (object_array(xs[n:]), np.array(labels[n:])))


def get_word_index(path: str = "reuters_word_index.json") -> dict:
    """The `{word: rank}` dictionary of Reuters (ids in the data are rank + index_from).
    Read from the Keras cache, downloaded if missing."""
    path = fetch(path, ORIGIN + "reuters_word_index.json",
                 WORD_INDEX_HASH)
    with open(path) as f:
        return json.load(f)


def get_label_names() -> tuple:
    """The 46 topic names, indexed by label id."""
    return _LABELS

"""`keras.datasets.boston_housing`: 506 houses, 13 attributes, median price in k$.

WARNING: the dataset's "B" attribute encodes a racial assumption; Keras discourages its
use except to illustrate ethical issues in data science.

Example:
    >>> from ember import keras
    >>> callable(keras.datasets.boston_housing.load_data)
    True
"""

from __future__ import annotations

import numpy as np

from ._common import ORIGIN, check_keys, fetch, shuffle_split, split_fraction

__all__ = ["load_data"]

FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2,
              seed: int = 113) -> tuple:
    """Loads Boston Housing from the Keras cache (downloading it if missing), shuffled
    with `np.random.RandomState(seed)` and split as Keras does.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: arrays (n, 13) and (n,) as stored; the
        first `int(506 * (1 - test_split))` shuffled samples are the training set.
    """
    test_split = split_fraction(test_split, "boston_housing")
    path = fetch(path, ORIGIN + "boston_housing.npz",
                 FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        check_keys(f, ("x", "y"), path, "boston_housing")
        x, y = f["x"], f["y"]
    return shuffle_split(x, y, test_split, seed)

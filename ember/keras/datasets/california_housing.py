"""`keras.datasets.california_housing`: 20,640 districts of the 1990 California census,
8 features, median house value in dollars.

Example:
    >>> from ember import keras
    >>> callable(keras.datasets.california_housing.load_data)
    True
"""

from __future__ import annotations

import numpy as np

from ._common import ORIGIN, check_keys, fetch, shuffle_split, split_fraction

__all__ = ["load_data"]

FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version: str = "large", path: str = "california_housing.npz",
              test_split: float = 0.2, seed: int = 113) -> tuple:
    """Loads California Housing from the Keras cache (downloading it if missing).

    Args:
        version: "large" (all 20,640 samples) or "small" (the first 600).
        path: the file's name in the cache.
        test_split: the fraction held out for testing.
        seed: the `np.random.RandomState` seed of the shuffle before the split.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: arrays (n, 8) and (n,) as stored.
    """
    if version not in ("large", "small"):
        raise ValueError(f"california_housing.load_data: version must be 'small' or "
                         f"'large'. Received: version={version!r}")
    test_split = split_fraction(test_split, "california_housing")
    path = fetch(path, ORIGIN + "california_housing.npz",
                 FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        check_keys(f, ("x", "y"), path, "california_housing")
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffle_split(x, y, test_split, seed)

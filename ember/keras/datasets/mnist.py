"""`keras.datasets.mnist`: 70,000 28x28 grayscale handwritten digits (Keras' `mnist.npz`).

Example:
    >>> from ember import keras
    >>> callable(keras.datasets.mnist.load_data)
    True
"""

from __future__ import annotations

import numpy as np

from ._common import ORIGIN, check_keys, fetch

__all__ = ["load_data"]

FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path: str = "mnist.npz") -> tuple:
    """Loads MNIST from the Keras cache (`~/.keras/datasets/mnist.npz`, or under
    `$KERAS_HOME`), downloading it first if it is not there.

    Args:
        path: the file's name in the cache.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28), (10000,); pixels 0-255, labels 0-9.
    """
    path = fetch(path, ORIGIN + "mnist.npz",
                 FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        check_keys(f, ("x_train", "y_train", "x_test", "y_test"), path, "mnist")
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])

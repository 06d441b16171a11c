"""`keras.datasets.cifar10`: 60,000 32x32 colour images in 10 classes.

Classes: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship,
9 truck. See `ember.keras.datasets.cifar` for where the cached batches are read from and
how they are unpickled safely.

Example:
    >>> from ember import keras
    >>> callable(keras.datasets.cifar10.load_data)
    True
"""

from __future__ import annotations

import os

import numpy as np

from .cifar import batches_dir, channels_last, load_batch

__all__ = ["load_data"]

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data() -> tuple:
    """Loads CIFAR-10 from the Keras cache, downloading (163 MB) and unpacking it if needed.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes (50000, 32, 32, 3),
        (50000, 1), (10000, 32, 32, 3), (10000, 1).
    """
    path = batches_dir("cifar-10-batches-py",
                       URL, FILE_HASH)
    xs, ys = [], []
    for i in range(1, 6):
        x, y = load_batch(os.path.join(path, f"data_batch_{i}"))
        xs.append(x.astype("uint8"))
        ys.append(np.asarray(y, dtype="uint8"))
    x_train, y_train = np.concatenate(xs), np.concatenate(ys)
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    y_train = y_train.reshape(len(y_train), 1)
    y_test = np.reshape(y_test, (len(y_test), 1)).astype(y_train.dtype)
    x_test = np.asarray(x_test).astype(x_train.dtype)
    return (channels_last(x_train, None), y_train), (channels_last(x_test, None), y_test)

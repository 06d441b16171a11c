"""`keras.datasets.cifar100`: 60,000 32x32 colour images in 100 fine classes grouped in
20 coarse ones. See `ember.keras.datasets.cifar` for where the cached batches are read
from and how they are unpickled safely.

Example:
    >>> from ember import keras
    >>> keras.datasets.cifar100.load_data(label_mode="medium")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: cifar100.load_data: label_mode must be "fine" or "coarse". Received: ...
"""

from __future__ import annotations

import os

import numpy as np

from .cifar import batches_dir, channels_last, load_batch

__all__ = ["load_data"]

URL = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode: str = "fine") -> tuple:
    """Loads CIFAR-100 from the Keras cache, downloading (161 MB) and unpacking it if
    needed.

    Args:
        label_mode: "fine" (100 classes) or "coarse" (20 superclasses).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images (50000, 32, 32, 3) and
        (10000, 32, 32, 3); labels of shape (n, 1) as stored in the batches (int64).
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'cifar100.load_data: label_mode must be "fine" or "coarse". '
                         f"Received: label_mode={label_mode!r}")
    path = batches_dir("cifar-100-python",
                       URL, FILE_HASH)
    key = f"{label_mode}_labels"
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=key)
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=key)
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    return (channels_last(x_train, None), y_train), (channels_last(x_test, None), y_test)

"""`keras.datasets.fashion_mnist`: 70,000 28x28 grayscale images of 10 kinds of clothing.

Keras caches its four gzipped IDX files in `~/.keras/datasets/fashion-mnist/`.
Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
7 Sneaker, 8 Bag, 9 Ankle boot.

Example:
    >>> from ember import keras
    >>> callable(keras.datasets.fashion_mnist.load_data)
    True
"""

from __future__ import annotations

import gzip
import os

import numpy as np

from ..utils.file_utils import get_file
from ._common import ORIGIN

__all__ = ["load_data"]

FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")


def _read(path: str, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data() -> tuple:
    """Loads Fashion-MNIST from the Keras cache, downloading the files that are missing.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28), (10000,).
    """
    subdir = os.path.join("datasets", "fashion-mnist")
    paths = [get_file(f, origin=ORIGIN + f, cache_subdir=subdir) for f in FILES]
    y_train = _read(paths[0], 8)
    x_train = _read(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _read(paths[2], 8)
    x_test = _read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)

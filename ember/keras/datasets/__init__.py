"""`keras.datasets`: Keras' small reference datasets, read from Keras' own cache.

Each module has `load_data()` returning what Keras returns (the same arrays, dtypes and
shuffles). Files are read from `~/.keras/datasets/` (or `$KERAS_HOME/datasets/`), where
Keras keeps them too; a missing file is downloaded once with `keras.utils.get_file`
(progress bar, checksum). Offline, the error names the file, its URL and where to put it.

Example:
    >>> from ember import keras
    >>> keras.datasets.__all__[:4]
    ['boston_housing', 'california_housing', 'cifar10', 'cifar100']
"""

from . import (boston_housing, california_housing, cifar10, cifar100, fashion_mnist, imdb,
               mnist, reuters)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist",
           "imdb", "mnist", "reuters"]

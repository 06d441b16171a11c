"""`keras.preprocessing`: the older home of Keras' data utilities, kept by Keras 3 as
aliases of `keras.utils` (many tutorials still import from here).

Example:
    >>> from ember import keras
    >>> keras.preprocessing.sequence.pad_sequences([[1, 2], [3]]).tolist()
    [[1, 2], [0, 3]]
"""

from ..utils import (image_dataset_from_directory, text_dataset_from_directory,  # noqa: F401
                     timeseries_dataset_from_array)
from . import image, sequence  # noqa: F401

__all__ = ["image", "image_dataset_from_directory", "sequence",
           "text_dataset_from_directory", "timeseries_dataset_from_array"]

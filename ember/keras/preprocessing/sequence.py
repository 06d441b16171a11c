"""`keras.preprocessing.sequence`: `pad_sequences` (an alias of `keras.utils`').

Example:
    >>> from ember import keras
    >>> keras.preprocessing.sequence.pad_sequences is keras.utils.pad_sequences
    True
"""

from ..utils import pad_sequences  # noqa: F401

__all__ = ["pad_sequences"]

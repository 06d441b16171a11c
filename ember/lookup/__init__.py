"""`tf.lookup`: static hash tables and vocabulary tables (see `lookup_ops`).

Example:
    >>> import ember as tf
    >>> table = tf.lookup.StaticHashTable(
    ...     tf.lookup.KeyValueTensorInitializer(["cat", "dog"], [0, 1]), default_value=-1)
    >>> table.lookup(tf.constant(["dog", "cow"])).numpy()
    array([ 1, -1], dtype=int32)
"""

from __future__ import annotations

from .lookup_ops import (KeyValueTensorInitializer, StaticHashTable,  # noqa: F401
                         StaticVocabularyTable, TextFileIndex, TextFileInitializer)

__all__ = ["KeyValueTensorInitializer", "StaticHashTable", "StaticVocabularyTable",
           "TextFileIndex", "TextFileInitializer"]

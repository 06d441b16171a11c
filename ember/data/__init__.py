"""`ember.data`: TF's `tf.data` input pipelines, eager, in memory or streamed from files.

`Dataset` builds pipelines that `model.fit`, `evaluate` and `predict` read batch by batch;
each iteration starts over. `TextLineDataset`, `TFRecordDataset`,
`experimental.CsvDataset` / `make_csv_dataset` and `Dataset.list_files` read files lazily.
`map(num_parallel_calls=N)` keeps N calls running at once in a pool of threads and
`prefetch` produces elements in a background thread, both while the consumer works (the
dispatch state is per thread, so a training step's tape never sees them); `Options` are
accepted for compatibility.

Example:
    >>> import numpy as np
    >>> import ember as tf
    >>> x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    >>> ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(5, seed=1).batch(2)
    >>> ds = ds.prefetch(tf.data.AUTOTUNE)
    >>> ds.element_spec[0], len(ds)
    (TensorSpec(shape=(None, 2), dtype=tf.float64, name=None), 3)
"""

from __future__ import annotations

from . import experimental
from .dataset import Dataset, Iterator, OutOfRangeError
from .options import Options
from .readers import TextLineDataset, TFRecordDataset
from .structure import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY

DatasetV2 = Dataset

__all__ = ["Dataset", "DatasetV2", "Iterator", "Options", "OutOfRangeError", "AUTOTUNE",
           "TextLineDataset", "TFRecordDataset",
           "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "experimental"]

"""Reading the CIFAR-10 / CIFAR-100 "python version" batches that Keras caches.

The batches are Python pickles (the format the CIFAR authors publish). ember reads them
only from the cache folder that `get_file` fills from the CIFAR site (checked against
Keras' sha256), and through `RestrictedUnpickler`, which refuses anything but dicts,
lists, numbers, strings and NumPy arrays: a tampered file can't run code.

Where the batches are looked for, first found wins:
1. Keras 3's layout: `~/.keras/datasets/<name>-target/<name>/` (the archive is
   `~/.keras/datasets/<name>-target_archive`, downloaded when missing);
2. tf.keras 2's layout, when Keras 3's archive is absent:
   `~/.keras/datasets/<name>/` (e.g. `cifar-10-batches-py/data_batch_1`).

Example:
    >>> import os, pickle, tempfile
    >>> import numpy as np
    >>> from ember.keras.datasets.cifar import load_batch
    >>> f = os.path.join(tempfile.mkdtemp(), "batch")
    >>> data = np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072)
    >>> with open(f, "wb") as fp:
    ...     pickle.dump({b"data": data, b"labels": [3, 7]}, fp, protocol=2)
    >>> x, y = load_batch(f)
    >>> x.shape, y
    ((2, 3, 32, 32), [3, 7])
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..config import image_data_format
from ..utils.file_utils import get_file
from ._common import RestrictedUnpickler, datasets_dir

__all__ = ["load_batch"]


def load_batch(fpath: str, label_key: str = "labels") -> tuple:
    """`(data, labels)` of one CIFAR batch file: data (n, 3, 32, 32) uint8, labels a list."""
    with open(fpath, "rb") as f:
        d = RestrictedUnpickler(f, encoding="bytes").load()
    if not isinstance(d, dict):
        raise ValueError(f"cifar: {fpath} is not a CIFAR batch (a pickled dict); delete it "
                         f"and load the data again.")
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in d.items()}
    if "data" not in d or label_key not in d:
        raise ValueError(f"cifar: {fpath} has no {'data' if 'data' not in d else label_key!r}"
                         f" entry (it has {sorted(d)}); it is not a CIFAR batch file.")
    data = np.asarray(d["data"])
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]


def batches_dir(name: str, origin: str, file_hash: str) -> str:
    """The folder holding the unpacked batches `name/` (see the module docstring)."""
    base = datasets_dir()
    keras3 = os.path.join(base, f"{name}-target")
    if not os.path.exists(keras3 + "_archive"):
        for folder in (os.path.join(keras3, name), os.path.join(base, name)):
            if os.path.isdir(folder):
                return folder
    path = get_file(fname=f"{name}-target", origin=origin, extract=True,
                    file_hash=file_hash)
    return os.path.join(path, name)


def channels_last(x: np.ndarray, data_format: Any) -> np.ndarray:
    if data_format is None:
        data_format = image_data_format()
    return x.transpose(0, 2, 3, 1) if data_format == "channels_last" else x

"""`keras.utils.timeseries_dataset_from_array`: sliding windows over a time series as an
`ember.data.Dataset` of batches.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> ds = keras.utils.timeseries_dataset_from_array(np.arange(6), None,
    ...                                                sequence_length=3, batch_size=2)
    >>> [b.numpy().tolist() for b in ds]
    [[[0, 1, 2], [1, 2, 3]], [[2, 3, 4], [3, 4, 5]]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

import ember as tf

from ...data.dataset import Dataset

__all__ = ["timeseries_dataset_from_array"]

_WHAT = "timeseries_dataset_from_array"


def _positive_int(name: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
        raise ValueError(f"{_WHAT}: {name} must be a positive int. Received: {name}={v!r}")
    return int(v)


def timeseries_dataset_from_array(data: Any, targets: Any, sequence_length: int,
                                  sequence_stride: int = 1, sampling_rate: int = 1,
                                  batch_size: int | None = 128, shuffle: bool = False,
                                  seed: int | None = None, start_index: int | None = None,
                                  end_index: int | None = None) -> Any:
    """Windows of `sequence_length` timesteps (every `sampling_rate`-th step) starting
    every `sequence_stride` steps, with `targets[i]` as the target of the window that
    starts at step `i`, as Keras makes them.

    Args:
        data: an array (or Tensor) whose first axis is time.
        targets: the target of each start step (None: the dataset yields windows only).
        sequence_length: timesteps per window.
        sequence_stride: steps between window starts.
        sampling_rate: steps between the timesteps of one window.
        batch_size: windows per batch (None: unbatched windows).
        shuffle: shuffle the window start positions (with `np.random.RandomState(seed)`,
            as Keras), then shuffle again through a buffer of `8 * batch_size` windows.
        seed: the seed of both shuffles (None: a random one).
        start_index, end_index: use only `data[start_index:end_index]` (and the targets
            from `start_index` on).

    Returns:
        An `ember.data.Dataset` of `windows` or `(windows, targets)` batches.

    NOTE: with `shuffle=True` the window order differs from Keras': the second shuffle is
    tf.data's buffer shuffle, whose random stream ember doesn't reproduce.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> t = np.arange(10)
        >>> ds = keras.utils.timeseries_dataset_from_array(
        ...     t, t * 10, sequence_length=3, sequence_stride=2, sampling_rate=2, batch_size=4)
        >>> [(w.numpy().tolist(), y.numpy().tolist()) for w, y in ds]
        [([[0, 2, 4], [2, 4, 6], [4, 6, 8]], [0, 20, 40])]
    """
    data = data.numpy() if hasattr(data, "numpy") else np.asarray(data)
    if data.ndim == 0:
        raise ValueError(f"{_WHAT}: data must have a time axis (at least 1 dimension); "
                         f"received a scalar.")
    n = len(data)
    sequence_length = _positive_int("sequence_length", sequence_length)
    if start_index:
        if start_index < 0:
            raise ValueError(f"{_WHAT}: start_index must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= n:
            raise ValueError(f"{_WHAT}: start_index must be lower than the length of the "
                             f"data. Received: start_index={start_index}, for data of length "
                             f"{n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"{_WHAT}: end_index must be higher than start_index. Received: "
                             f"start_index={start_index}, and end_index={end_index}")
        if end_index >= n:
            raise ValueError(f"{_WHAT}: end_index must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"{_WHAT}: end_index must be higher than 0. Received: "
                             f"end_index={end_index}")
    sampling_rate = _positive_int("sampling_rate", sampling_rate)
    if sampling_rate >= n:
        raise ValueError(f"{_WHAT}: sampling_rate must be lower than the length of the data. "
                         f"Received: sampling_rate={sampling_rate}, for data of length {n}")
    sequence_stride = _positive_int("sequence_stride", sequence_stride)
    if sequence_stride >= n:
        raise ValueError(f"{_WHAT}: sequence_stride must be lower than the length of the "
                         f"data. Received: sequence_stride={sequence_stride}, for data of "
                         f"length {n}")
    if batch_size is not None:
        batch_size = _positive_int("batch_size", batch_size)
    start = start_index or 0
    end = n if end_index is None else end_index
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = targets.numpy() if hasattr(targets, "numpy") else np.asarray(targets)
        num_seqs = min(num_seqs, len(targets))
    index_dtype = "int32" if num_seqs < 2147483647 else "int64"
    positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=index_dtype)
    if shuffle:
        if seed is None:
            seed = int(np.random.randint(1e6))
        np.random.RandomState(seed).shuffle(positions)
    steps = tf.constant(np.arange(sequence_length, dtype=index_dtype) * sampling_rate)
    series = tf.constant(data[start:end])
    if targets is not None:
        ds = Dataset.from_tensor_slices((positions, targets[start:end][positions]))
    else:
        ds = Dataset.from_tensor_slices(positions)
    if shuffle:
        ds = ds.shuffle(buffer_size=batch_size * 8 if batch_size is not None else 1024,
                        seed=seed)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    # The windows are gathered per batch when read: memory stays at one copy of the data.
    if targets is not None:
        return ds.map(lambda p, y: (tf.gather(series, p[..., None] + steps), y))
    return ds.map(lambda p: tf.gather(series, p[..., None] + steps))

"""`keras.utils.Sequence` (tf.keras 2) and `keras.utils.PyDataset` (Keras 3): datasets
written in Python that hand out whole batches by index.

A subclass defines `__len__` (the number of batches) and `__getitem__(index)` (batch
`index`: `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`; just `x` is enough for
`predict`), and optionally `on_epoch_end()` (e.g. to reshuffle its samples). `Model.fit`,
`evaluate` and `predict` take one as `x`:

- an epoch is `len(seq)` batches (fewer with `steps_per_epoch` / `steps`), and every epoch
  starts again from batch 0 (a Sequence is re-iterable, unlike a generator);
- `fit(shuffle=True)` (the default) shuffles the order of the batch indices each epoch;
  `shuffle=False` asks for batches 0, 1, 2, ... in order;
- `on_epoch_end()` runs after each epoch of `fit` (after its validation), and after each
  pass of `evaluate`, `predict` and fit's validation over a Sequence given as
  `validation_data`; a `PyDataset`'s `on_epoch_begin()` runs before each of them;
- `batch_size`, `y` and `sample_weight` must not be passed with a Sequence: it makes the
  batches itself.

NOTE: ember reads batches on the calling thread, one at a time. `PyDataset`'s `workers`,
`use_multiprocessing` and `max_queue_size` (and fit's arguments of the same names) are
stored and accepted for compatibility, but no thread or process pool is started.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> class Halves(keras.utils.Sequence):
    ...     def __len__(self):
    ...         return 2
    ...     def __getitem__(self, index):
    ...         x = np.full((3, 1), float(index), np.float32)
    ...         return x, 2 * x
    >>> [float(x[0, 0]) for x, y in Halves()]
    [0.0, 1.0]
"""

from __future__ import annotations

import itertools
from typing import Any, Iterator

__all__ = ["PyDataset", "Sequence"]


class Sequence:
    """Base class of a dataset that gives whole batches by index (tf.keras 2's Sequence).

    Define `__len__` (the number of batches) and `__getitem__(index)` (one complete batch,
    `(x, y)`, `(x, y, sample_weight)` or `x`); optionally `on_epoch_end()`. Iterating over
    a Sequence gives its batches in order; `Model.fit` / `evaluate` / `predict` take one
    directly (see the module docstring for the epoch semantics).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> class Batches(keras.utils.Sequence):
        ...     def __init__(self, x, y, batch_size):
        ...         self.x, self.y, self.batch_size = x, y, batch_size
        ...     def __len__(self):
        ...         return -(-len(self.x) // self.batch_size)
        ...     def __getitem__(self, index):
        ...         s = slice(index * self.batch_size, (index + 1) * self.batch_size)
        ...         return self.x[s], self.y[s]
        >>> x = np.linspace(-1, 1, 10, dtype=np.float32)[:, None]
        >>> seq = Batches(x, 3 * x, batch_size=4)
        >>> len(seq), [len(bx) for bx, by in seq]
        (3, [4, 4, 2])
        >>> m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        >>> m.compile(optimizer="sgd", loss="mse")
        >>> sorted(m.fit(seq, epochs=2, verbose=0).history)
        ['loss']
    """

    def __getitem__(self, index: int) -> Any:
        """Batch number `index` (0 <= index < len(self))."""
        raise NotImplementedError(
            f"{type(self).__name__} must define __getitem__(self, index) returning batch "
            f"number `index`: x, (x, y) or (x, y, sample_weight).")

    def __len__(self) -> int:
        """The number of batches in one epoch."""
        raise NotImplementedError(
            f"{type(self).__name__} must define __len__(self) returning the number of "
            f"batches (not samples), e.g. math.ceil(n_samples / batch_size).")

    def on_epoch_end(self) -> None:
        """Called after every epoch (override it, e.g. to reshuffle the samples)."""

    def __iter__(self) -> Iterator[Any]:
        """The batches in order, `self[0]` to `self[len(self) - 1]`."""
        for index in range(len(self)):
            yield self[index]


class PyDataset(Sequence):
    """Keras 3's name for a Sequence, with its parallelism settings.

    The protocol is `Sequence`'s (`__len__`, `__getitem__`, `on_epoch_end`), plus
    `on_epoch_begin()`, called before each epoch. A dataset of unknown or endless length
    may define the property `num_batches` returning None instead of `__len__`; fit then
    needs `steps_per_epoch` (and `evaluate` / `predict` need `steps`), and epochs go on
    from where the last one stopped.

    Args:
        workers: the number of workers Keras would read batches with.
        use_multiprocessing: whether Keras would use processes instead of threads.
        max_queue_size: how many batches Keras would read ahead.

    NOTE: ember reads the batches one at a time on the calling thread: these three
    settings are stored (and readable as properties) but start no threads or processes.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> class Ones(keras.utils.PyDataset):
        ...     def __init__(self, **kwargs):
        ...         super().__init__(**kwargs)
        ...     def __len__(self):
        ...         return 3
        ...     def __getitem__(self, index):
        ...         return np.ones((2, 1), np.float32), np.ones((2, 1), np.float32)
        >>> ds = Ones(workers=4)
        >>> ds.workers, ds.use_multiprocessing, ds.max_queue_size, ds.num_batches
        (4, False, 10, 3)
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    @property
    def workers(self) -> int:
        """The number of workers (stored only; ember reads batches on one thread)."""
        return getattr(self, "_workers", 1)

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        """Whether to use processes (stored only; ember starts none)."""
        return getattr(self, "_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        """How many batches to read ahead (stored only; ember reads one at a time)."""
        return getattr(self, "_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = value

    @property
    def num_batches(self) -> int | None:
        """The number of batches per epoch (`len(self)`), or None for an endless dataset."""
        if type(self).__len__ is Sequence.__len__:
            raise NotImplementedError(
                f"{type(self).__name__} must define __len__(self) (the number of batches) "
                f"or the property num_batches (None for an endless dataset).")
        return len(self)

    def on_epoch_begin(self) -> None:
        """Called before every epoch."""

    def __iter__(self) -> Iterator[Any]:
        """The batches in order (without end when `num_batches` is None)."""
        n = self.num_batches
        for index in (itertools.count() if n is None else range(n)):
            yield self[index]

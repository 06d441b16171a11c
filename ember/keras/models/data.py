"""Data given to predict, fit and evaluate: NumPy arrays, Python lists, Tensors,
Variables, lists/dicts of them for multi-input models, iterables of batches, or a
`keras.utils.Sequence` / `PyDataset` (read by index through `SequenceData`).

Arrays are read without copying (a Tensor's or Variable's buffer, a NumPy array) and
sliced into batches as views.

Example:
    >>> import numpy as np
    >>> d = ArrayData(np.zeros((5, 2)), "predict")
    >>> d.n, [b[0].shape for b in d.batches(2)]
    (5, [(2, 2), (2, 2), (1, 2)])
"""

from __future__ import annotations

import warnings
from typing import Any, Iterator

import numpy as np

from ...core import nest
from ...core.convert import to_array
from ...core.errors import InvalidArgumentError
from ...core.tensor import TensorOps
from ..engine.keras_tensor import KerasTensor
from ..engine.layer_utils import all_numbers
from ..utils.sequence import PyDataset, Sequence
from ..engine.naming import user_stacklevel
from .. import config


def _array(x: Any, what: str, text: bool = False) -> np.ndarray:
    if isinstance(x, KerasTensor):
        raise x._no_value(f"{what} on a KerasTensor")
    if isinstance(x, TensorOps):
        if not hasattr(x, "_value"):
            raise TypeError(f"{what}: received a symbolic tensor {x!r}; call the model "
                            f"directly (model(x)) inside ember.function.")
        return x._value
    arr = x if isinstance(x, np.ndarray) else to_array(x)
    return _text_as_bytes(arr) if text and arr.dtype.kind in "USO" else arr


def _text_as_bytes(a: np.ndarray) -> np.ndarray:
    """Text arrays (str, bytes, objects holding str) as tf.string holds them: objects
    of UTF-8 bytes (other arrays unchanged)."""
    if a.dtype == object and not (a.size and isinstance(a.flat[0], str)):
        return a
    out = np.empty(a.shape, dtype=object)
    out.reshape(-1)[:] = [v.encode("utf-8") if isinstance(v, str) else bytes(v)
                          for v in a.reshape(-1).tolist()]
    return out


def is_sequence(x: Any) -> bool:
    """Whether `x` is a `keras.utils.Sequence` (or `PyDataset`)."""
    return isinstance(x, Sequence)


def is_batch_iterable(x: Any) -> bool:
    """Whether `x` is a generator/iterator of batches (not an array-like)."""
    if isinstance(x, (np.ndarray, TensorOps, list, tuple, dict, str, bytes)):
        return False
    return hasattr(x, "__next__") or (hasattr(x, "__iter__") and not hasattr(x, "shape"))


class ArrayData:
    """In-memory inputs: `structure` (as given) and flat arrays of `n` samples each."""

    def __init__(self, x: Any, what: str, text: bool = True):
        if x is None:
            raise ValueError(f"{what}: no input data was given (x is None).")
        if isinstance(x, (list, tuple)) and x and all_numbers(x):
            x = to_array(x)  # a nested list of numbers is one array
        self.structure = x
        # NOTE: text inputs (for models that take strings) become tf.string's objects of
        # bytes; targets (text=False) keep their dtype, which fit then refuses by name
        self.arrays = [_array(a, what, text) for a in nest.flatten(x)]
        if not self.arrays:
            raise ValueError(f"{what}: the input data is empty (received {x!r}).")
        sizes = [a.shape[0] if a.ndim else None for a in self.arrays]
        if None in sizes:
            raise InvalidArgumentError(
                f"{what}: inputs must have a batch axis; received a scalar. Pass an array "
                f"of shape (n_samples, ...).")
        if len(set(sizes)) > 1:
            raise ValueError(
                f"Data cardinality is ambiguous: the {what} inputs have sizes "
                f"{', '.join(map(str, sizes))}. Make sure all arrays contain the same number "
                f"of samples.")
        self.n = sizes[0]
        if self.n == 0:
            raise ValueError(f"{what}: the input data has 0 samples. Pass at least one "
                             f"sample (shape (n_samples, ...), n_samples >= 1).")

    def batches(self, batch_size: int, steps: int | None = None) -> Iterator[list]:
        count = 0
        for start in range(0, self.n, batch_size):
            if steps is not None and count >= steps:
                return
            yield [a[start:start + batch_size] for a in self.arrays]
            count += 1

    def pack(self, flat: list) -> Any:
        return nest.pack_sequence_as(self.structure, flat) if nest.is_nested(
            self.structure) else flat[0]

    def num_batches(self, batch_size: int, steps: int | None = None) -> int:
        n = -(-self.n // batch_size)
        return n if steps is None else min(n, steps)


def check_batch_size(batch_size: Any, what: str) -> int:
    if batch_size is None:
        return 32
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) \
            or batch_size <= 0:
        raise ValueError(f"{what}: batch_size must be a positive int, received "
                         f"{batch_size!r}.")
    return int(batch_size)


def check_no_batch_size(x: Any, batch_size: Any, what: str, arg: str = "batch_size") -> None:
    """Raises if `batch_size` is given with a Sequence, which makes its own batches."""
    if batch_size is not None and is_sequence(x):
        raise ValueError(
            f"{what}: do not pass `{arg}` when the data is a keras.utils.Sequence / "
            f"PyDataset ({type(x).__name__}): its __getitem__ returns whole batches, so the "
            f"batch size is set inside it. Received: {arg}={batch_size!r}. Remove `{arg}`.")


def _describe(item: Any) -> str:
    if item is None:
        return "None"
    if isinstance(item, tuple):
        return f"a tuple of {len(item)} items"
    return f"a {type(item).__name__}"


class SequenceData:
    """A `keras.utils.Sequence` / `PyDataset` read batch by batch: its length, the order
    of the batch indices in each epoch, and every batch checked and split into
    `(x, y, sample_weight)`.

    `len(seq)` batches make an epoch (fewer with `steps`); each epoch starts again from
    batch 0, in a new random order when `shuffle`. Batch 0 is read once when this is made
    (`first_batch`, as tf.keras 2 peeks at it) so that a wrong structure is reported before
    any training step; the epochs then read every batch they use. An endless `PyDataset`
    (`num_batches` None) needs `steps` and goes on from where the last epoch stopped.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> class Three(keras.utils.Sequence):
        ...     def __len__(self):
        ...         return 3
        ...     def __getitem__(self, i):
        ...         return np.full((2, 1), i), np.zeros(2)
        >>> d = SequenceData(Three(), "fit", steps=2)
        >>> [(i, int(b[0][0, 0])) for i, b in d.epoch()]
        [(0, 0), (1, 1)]
    """

    def __init__(self, seq: Any, what: str, steps: int | None = None, shuffle: Any = False,
                 stacklevel: int = 5):
        self.seq, self.what = seq, what
        self.name = type(seq).__name__
        if steps is not None and (not isinstance(steps, (int, np.integer))
                                  or isinstance(steps, bool) or steps < 1):
            raise ValueError(f"{what}: the number of steps must be a positive int or None, "
                             f"received {steps!r}.")
        n = self._length()
        if n is None:
            if steps is None:
                raise ValueError(
                    f"{what}: {self.name}.num_batches is None (an endless dataset), so the "
                    f"length of an epoch is unknown. Pass steps_per_epoch (fit) or steps "
                    f"(evaluate / predict).")
            if shuffle:
                warnings.warn(f"{what}: shuffle=True is ignored for the endless dataset "
                              f"{self.name} (num_batches is None); shuffle it yourself.",
                              UserWarning, stacklevel=user_stacklevel())  # the user's fit call
            shuffle = False
        elif n == 0:
            raise ValueError(
                f"{what}: the {self.name} is empty: its __len__ returned 0, so there is "
                f"no batch to {'train on' if what.startswith('fit') else 'run'}. A "
                f"Sequence must hold at least one batch; check its __len__ (the number of "
                f"batches, e.g. math.ceil(n_samples / batch_size)).")
        self.n = n
        self.shuffle = bool(shuffle)
        self.steps = int(steps) if n is None else n if steps is None else min(int(steps), n)
        self._next = 0  # an endless dataset: the index the next epoch starts at
        self.first_batch = self.get(0)  # batch 0, read (and checked) up front

    def _length(self) -> int | None:
        try:
            n = self.seq.num_batches if isinstance(self.seq, PyDataset) else len(self.seq)
        except TypeError as e:
            raise TypeError(f"{self.what}: len() of the {self.name} failed ({e}); its "
                            f"__len__ must return the number of batches as an int.") from e
        if n is None:
            return None
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise TypeError(f"{self.what}: {self.name}.num_batches must be an int >= 0 or "
                            f"None, received {n!r}.")
        return int(n)

    def get(self, index: int) -> tuple:
        """Batch `index` as `(x, y, sample_weight)` (y and sample_weight may be None)."""
        item = self.seq[index]
        if isinstance(item, list):
            item = tuple(item)  # as Keras: a list batch is read as (x, y[, sample_weight])
        if isinstance(item, tuple) and 1 <= len(item) <= 3:
            x, y, sw = item + (None,) * (3 - len(item))
        elif isinstance(item, tuple):
            x = None
        else:
            x, y, sw = item, None, None
        if x is None:
            raise ValueError(
                f"{self.what}: {self.name}.__getitem__({index}) must return one batch: x, "
                f"(x,), (x, y) or (x, y, sample_weight) (a list is read as a tuple); "
                f"received {_describe(item)}.")
        return x, y, sw

    def _order(self) -> Any:
        if self.n is None:
            return range(self._next, self._next + self.steps)
        if self.shuffle:  # as Keras: shuffle all the indices, then take `steps` of them
            return [int(i) for i in np.random.permutation(self.n)[:self.steps]]
        return range(self.steps)

    def epoch(self) -> Iterator[tuple]:
        """`(index, (x, y, sample_weight))` for each batch of one epoch; a PyDataset's
        `on_epoch_begin` runs first."""
        begin = getattr(self.seq, "on_epoch_begin", None)
        if callable(begin):
            begin()
        for index in self._order():
            item = self.get(index)
            if self.n is None:
                self._next = index + 1
            yield index, item

    def on_epoch_end(self) -> None:
        """Calls the Sequence's `on_epoch_end` (after each epoch / pass)."""
        end = getattr(self.seq, "on_epoch_end", None)
        if callable(end):
            end()

    def predict_batches(self) -> tuple:
        """`(batches, steps, structure_of)` for predict: the x arrays of each batch (y and
        sample_weight are dropped), then `on_epoch_end` after the last one."""
        first: list = []

        def gen() -> Iterator[list]:
            for index, (x, _, _) in self.epoch():
                d = ArrayData(x, f"{self.what} ({self.name}[{index}])")
                if not first:
                    first.append(d)
                yield d.arrays
            self.on_epoch_end()

        def pack(flat: list) -> Any:
            return first[0].pack(flat)

        return gen(), self.steps, pack


def capped_steps(steps: Any) -> Any:
    """`steps` under `keras.config.max_steps_per_epoch` (fit, evaluate and predict; a
    warning says when the cap applies, as Keras 3).

    Example:
        >>> capped_steps(5)
        5
    """
    cap = config.max_steps_per_epoch()
    if cap and (not steps or cap < steps):
        warnings.warn(f"Limiting steps_per_epoch to {cap} (keras.config.max_steps_per_epoch).",
                      stacklevel=user_stacklevel())
        return cap
    return steps

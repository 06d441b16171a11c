"""Training data for fit / evaluate: `(x, y, sample_weight)` as arrays or as batches.

`DataHandler` turns what the user passed into epochs of batches, each a flat list of NumPy
arrays `[x leaves..., y leaves..., sample_weight leaves...]` plus `pack`, which rebuilds
`(x, y, sample_weight)` from the flat tensors inside the compiled step:

- In-memory data (NumPy arrays, lists, Tensors, Variables, lists/dicts of them) is checked
  once (equal lengths, not empty, no NaN/inf), optionally split for validation, shuffled
  each epoch and sliced into batches (views when not shuffled).
- An iterable (a generator or iterator, or an object whose `__iter__` starts over each
  epoch) yields `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)` batches.
- A `keras.utils.Sequence` / `PyDataset` is read by index (`SequenceData`): `len(seq)`
  batches an epoch, each epoch from batch 0, in a shuffled order when `shuffle`; the
  loops call `on_epoch_end()` after each epoch or pass.

Example:
    >>> import numpy as np
    >>> h = DataHandler(np.zeros((5, 2)), np.ones(5), batch_size=2, shuffle=False,
    ...                 what="fit")
    >>> [len(b[0]) for b in h.epoch()]
    [2, 2, 1]
"""

from __future__ import annotations

import warnings
from typing import Any, Iterator

import numpy as np

from ...core import nest
from ...core.function import structure_key
from ..utils.data_adapter_utils import pack_x_y_sample_weight, unpack_x_y_sample_weight
from .data import ArrayData, SequenceData, is_batch_iterable, is_sequence
from ..engine.naming import user_stacklevel


class _Structure:
    """Flattens `(x, y, sw)` to a list of arrays and packs a flat list back."""

    def __init__(self, x: Any, y: Any, sw: Any):
        self.x, self.y, self.sw = x, y, sw
        self.nx = len(nest.flatten(x))
        self.ny = 0 if y is None else len(nest.flatten(y))
        self.nsw = 0 if sw is None else len(nest.flatten(sw))

    def key(self) -> tuple:
        return (structure_key(self.x), structure_key(self.y), structure_key(self.sw))

    def pack(self, flat: list) -> Any:
        """The batch as `train_step` receives it: `x`, `(x,)`, `(x, y)` or `(x, y, sw)`."""
        xs = flat[:self.nx]
        ys = flat[self.nx:self.nx + self.ny]
        ws = flat[self.nx + self.ny:]
        x = nest.pack_sequence_as(self.x, xs) if nest.is_nested(self.x) else xs[0]
        y = None if self.y is None else (
            nest.pack_sequence_as(self.y, ys) if nest.is_nested(self.y) else ys[0])
        sw = None if self.sw is None else (
            nest.pack_sequence_as(self.sw, ws) if nest.is_nested(self.sw) else ws[0])
        return pack_x_y_sample_weight(x, y, sw)


def _check_finite(arrays: list, names: list, what: str) -> None:
    """Raises if float data holds NaN or inf (a min and a max per array, which NaN and inf
    both show in; then a count)."""
    for a, name in zip(arrays, names):
        if a.dtype.kind != "f" or a.size == 0:
            continue
        flat = a.reshape(-1)
        if np.isfinite(flat.min()) and np.isfinite(flat.max()):
            continue
        bad = ~np.isfinite(a)
        n = int(bad.sum())
        if n:
            first = int(np.argwhere(bad.reshape(a.shape[0], -1).any(axis=1))[0, 0])
            raise ValueError(
                f"{what}: {name} contains {n} NaN or infinite value(s) (the first in sample "
                f"{first}). Training on them makes the loss NaN. Clean the data first, e.g. "
                f"drop those samples or use np.nan_to_num.")


def _check_dtypes(arrays: list, names: list, what: str) -> None:
    """Raises for data that is not numbers (strings, objects), naming the input."""
    for a, name in zip(arrays, names):
        if name.startswith("x") and a.dtype == object and a.size and \
                isinstance(a.flat[0], bytes):
            continue  # text inputs (tf.string) of models that take strings
        if a.dtype.kind not in "biuf":
            raise TypeError(
                f"{what}: {name} has dtype {a.dtype} ({a.dtype.kind!r} kind), but models "
                f"train on numbers (bool, int or float arrays). Encode strings or objects as "
                f"numbers first, e.g. class labels as integer indices.")


def _names(x: Any, y: Any, sw: Any) -> list:
    """Readable names of the flat arrays: x, x[1], x['a'], y, sample_weight, ..."""
    def one(base: str, structure: Any) -> list:
        if structure is None:
            return []
        n = len(nest.flatten(structure))
        if isinstance(structure, dict) and n == len(structure):
            return [f"{base}[{k!r}]" for k in sorted(structure)]
        return [base] if n == 1 else [f"{base}[{i}]" for i in range(n)]
    return one("x", x) + one("y", y) + one("sample_weight", sw)


def class_weights_to_sample_weights(y: np.ndarray, class_weight: dict) -> np.ndarray:
    """Per-sample weights from `{class index: weight}` (one-hot or integer labels)."""
    y = np.asarray(y)
    labels = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else \
        y.reshape(y.shape[0], -1)[:, 0].astype(np.int64)
    out = np.ones(labels.shape[0], np.float32)
    for cls, w in class_weight.items():
        out[labels == int(cls)] = w
    return out


class DataHandler:
    """Epochs of flat batches for fit/evaluate; see the module docstring."""

    def __init__(self, x: Any, y: Any = None, sample_weight: Any = None,
                 batch_size: int = 32, steps_per_epoch: int | None = None,
                 shuffle: Any = False, class_weight: dict | None = None,
                 what: str = "fit", check_finite: bool = True):
        self.what = what
        self.batch_size = batch_size
        self.steps_per_epoch = steps_per_epoch
        self.shuffle = shuffle
        self._iter: Any = None
        self._keep_iter = False
        self.sequence: SequenceData | None = None
        if is_sequence(x) or is_batch_iterable(x):
            if y is not None or sample_weight is not None:
                kind = (f"a keras.utils.Sequence ({type(x).__name__}); return them from its "
                        f"__getitem__" if is_sequence(x) else "a generator or iterable of "
                        "batches; yield them")
                raise ValueError(f"{what}: y / sample_weight can't be passed when x is {kind} "
                                 f"as (x, y) or (x, y, sample_weight) batches.")
            self.source = x
            self.arrays = None
            self._class_weight = class_weight
            if is_sequence(x):
                self.sequence = SequenceData(x, what, steps_per_epoch, shuffle)
                self.steps = self.sequence.steps
                # NOTE: batch 0 is converted and checked now, before any weight changes.
                self._flat(*self.sequence.first_batch, f"{what} ({self.sequence.name}[0])",
                           f"batch 0 of the {self.sequence.name}")
                return
            card = _cardinality(x)
            if card == -1 and steps_per_epoch is None:
                raise ValueError(
                    f"{what}: the dataset is infinite (it repeats forever); pass the number "
                    f"of batches per epoch (steps_per_epoch in fit, validation_steps for "
                    f"validation, steps in evaluate / predict), or don't call .repeat() on "
                    f"it.")
            self.steps = steps_per_epoch if steps_per_epoch is not None else (
                card if card is not None and card >= 0 else None)
            # NOTE: as tf.keras, a Dataset's iterator starts over each epoch only when the
            # epoch is the whole dataset; with fewer steps it goes on where it stopped.
            self._keep_iter = (card is not None and steps_per_epoch is not None
                               and card != steps_per_epoch)
            return
        xd = ArrayData(x, what)
        parts = [xd]
        yd = wd = None
        if y is not None:
            yd = ArrayData(y, f"{what} (y)", text=False)
            parts.append(yd)
        if sample_weight is not None:
            wd = ArrayData(sample_weight, f"{what} (sample_weight)", text=False)
        if class_weight:
            if yd is None or len(yd.arrays) != 1:
                raise ValueError(f"{what}: class_weight needs a single target array y; for "
                                 f"several outputs pass sample_weight per output instead.")
            cw = class_weights_to_sample_weights(yd.arrays[0], class_weight)
            if wd is not None:
                cw = cw * np.asarray(wd.arrays[0]).reshape(cw.shape[0], -1)[:, 0]
            wd = ArrayData(cw, f"{what} (sample_weight)", text=False)
        if wd is not None:
            parts.append(wd)
        sizes = {d.n for d in parts}
        if len(sizes) > 1:
            raise ValueError(
                f"Data cardinality is ambiguous: x sizes: {xd.n}"
                + (f", y sizes: {yd.n}" if yd is not None else "")
                + (f", sample_weight sizes: {wd.n}" if wd is not None else "")
                + ". Make sure all arrays contain the same number of samples.")
        self.structure = _Structure(xd.structure, None if yd is None else yd.structure,
                                    None if wd is None else wd.structure)
        self.arrays = [a for d in parts for a in d.arrays]
        names = _names(xd.structure, None if yd is None else yd.structure,
                       None if wd is None else wd.structure)
        _check_dtypes(self.arrays, names, what)
        if check_finite:
            _check_finite(self.arrays, names, what)
        self.n = xd.n
        n_batches = -(-self.n // batch_size)
        self.steps = n_batches if steps_per_epoch is None else min(steps_per_epoch,
                                                                     n_batches)

    def split(self, fraction: float) -> "DataHandler":
        """Keras' validation_split: the last `fraction` of the samples (before any
        shuffling) becomes a new handler; this one keeps the rest."""
        if self.arrays is None:
            raise ValueError(f"{self.what}: validation_split is only supported for in-memory "
                             f"data (arrays / tensors), not for generators or "
                             f"keras.utils.Sequence; pass validation_data instead.")
        if not 0 < fraction < 1:
            raise ValueError(f"{self.what}: validation_split must be in (0, 1), received "
                             f"{fraction}.")
        cut = int(self.n * (1 - fraction))
        if cut == 0 or cut == self.n:
            raise ValueError(f"{self.what}: validation_split={fraction} leaves "
                             f"{'no training' if cut == 0 else 'no validation'} samples out "
                             f"of {self.n}. Use a different split or more data.")
        val = object.__new__(DataHandler)
        val.__dict__.update(self.__dict__)
        val.arrays = [a[cut:] for a in self.arrays]
        val.n = self.n - cut
        val.shuffle = False
        val.steps_per_epoch = None
        val.steps = -(-val.n // self.batch_size)
        self.arrays = [a[:cut] for a in self.arrays]
        self.n = cut
        n_batches = -(-self.n // self.batch_size)
        self.steps = n_batches if self.steps_per_epoch is None else min(
            self.steps_per_epoch, n_batches)
        return val

    def epoch(self) -> Iterator[list]:
        """The batches of one epoch, each a flat list of arrays."""
        if self.arrays is None:
            yield from self._iter_epoch()
            return
        bs, n, arrays = self.batch_size, self.n, self.arrays
        order = None
        if self.shuffle == "batch":
            order = np.random.permutation(-(-n // bs))
        elif self.shuffle:
            perm = np.random.permutation(n)
        for k in range(self.steps):
            if order is not None:
                s = int(order[k]) * bs
                yield [a[s:s + bs] for a in arrays]
            elif self.shuffle:
                idx = perm[k * bs:(k + 1) * bs]
                # NOTE: np.take with mode="clip" (the indices are a permutation, all valid)
                # skips fancy indexing's bounds handling: ~35% faster per batch.
                yield [np.take(a, idx, axis=0, mode="clip") for a in arrays]
            else:
                yield [a[k * bs:(k + 1) * bs] for a in arrays]

    def on_epoch_end(self) -> None:
        """Ends an epoch (or an evaluation pass): calls a Sequence's `on_epoch_end`."""
        if self.sequence is not None:
            self.sequence.on_epoch_end()

    def _iter_epoch(self) -> Iterator[list]:
        seq = self.sequence
        if seq is not None:
            for index, item in seq.epoch():
                yield self._flat(*item, f"{self.what} ({seq.name}[{index}])",
                                 f"batch {index} of the {seq.name}")
            return
        src = self.source
        if self._iter is None or not (_is_iterator(src) or self._keep_iter):
            self._iter = iter(src)  # a re-iterable starts over every epoch
        count = 0
        while self.steps_per_epoch is None or count < self.steps_per_epoch:
            try:
                item = next(self._iter)
            except StopIteration:
                return
            arrays = self._flat(*unpack_x_y_sample_weight(item), self.what,
                                f"batch {count} of the generator")
            count += 1
            yield arrays

    def _flat(self, x: Any, y: Any, sw: Any, what: str, label: str) -> list:
        """One batch `(x, y, sample_weight)` from a generator or Sequence as flat arrays
        (class weights applied); sets `self.structure`."""
        xd = ArrayData(x, what)
        arrays = list(xd.arrays)
        yd = wd = None
        if y is not None:
            yd = ArrayData(y, f"{what} (y)", text=False)
            arrays += yd.arrays
        if self._class_weight and yd is not None:
            cw = class_weights_to_sample_weights(yd.arrays[0], self._class_weight)
            sw = cw if sw is None else cw * np.asarray(sw).reshape(-1)
        if sw is not None:
            wd = ArrayData(sw, f"{what} (sample_weight)", text=False)
            arrays += wd.arrays
        sizes = [d.n for d in (xd, yd, wd) if d is not None]
        if len(set(sizes)) > 1:
            raise ValueError(f"{self.what}: {label} has {' / '.join(map(str, sizes))} "
                             f"samples in x / y{' / sample_weight' if wd is not None else ''}"
                             f"; each batch needs the same number of samples in all of them.")
        self.structure = _Structure(xd.structure, None if yd is None else yd.structure,
                                    None if wd is None else wd.structure)
        _check_dtypes(arrays, _names(xd.structure, None if yd is None else yd.structure,
                                     None if wd is None else wd.structure), what)
        return arrays


def _is_iterator(x: Any) -> bool:
    return hasattr(x, "__next__")


def _cardinality(x: Any) -> int | None:
    """A `tf.data.Dataset`'s number of elements (-1 infinite, -2 unknown), else None."""
    card = getattr(x, "cardinality", None)
    if not callable(card) or not hasattr(x, "element_spec"):
        return None
    return int(card())


def warn_ran_out(what: str, steps: Any, epochs: int) -> None:
    """Warns that a generator ended before the planned epochs (training stops there)."""
    need = f" ({steps * epochs} batches here)" if steps else ""
    warnings.warn(f"{what}: your input ran out of data; interrupting training. Make sure "
                  f"the generator or iterable can produce at least steps_per_epoch * epochs "
                  f"batches{need}; a re-iterable object (whose __iter__ starts over) "
                  f"serves every epoch.", UserWarning, stacklevel=user_stacklevel())

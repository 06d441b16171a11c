"""Data given to predict (and later fit/evaluate): NumPy arrays, Python lists, Tensors,
Variables, lists/dicts of them for multi-input models, or iterables of batches.

Arrays are read without copying (a Tensor's or Variable's buffer, a NumPy array) and
sliced into batches as views.

Example:
    >>> import numpy as np
    >>> d = ArrayData(np.zeros((5, 2)), "predict")
    >>> d.n, [b[0].shape for b in d.batches(2)]
    (5, [(2, 2), (2, 2), (1, 2)])
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from ...core import nest
from ...core.convert import to_array
from ...core.errors import InvalidArgumentError
from ...core.tensor import TensorOps
from ..engine.keras_tensor import KerasTensor
from ..engine.layer_utils import _all_numbers


def _array(x: Any, what: str) -> np.ndarray:
    if isinstance(x, KerasTensor):
        raise x._no_value(f"{what} on a KerasTensor")
    if isinstance(x, TensorOps):
        if not hasattr(x, "_value"):
            raise TypeError(f"{what}: received a symbolic tensor {x!r}; call the model "
                            f"directly (model(x)) inside ember.function.")
        return x._value
    if isinstance(x, np.ndarray):
        return x
    return to_array(x)


def is_batch_iterable(x: Any) -> bool:
    """Whether `x` is a generator/iterator of batches (not an array-like)."""
    if isinstance(x, (np.ndarray, TensorOps, list, tuple, dict, str, bytes)):
        return False
    return hasattr(x, "__next__") or (hasattr(x, "__iter__") and not hasattr(x, "shape"))


class ArrayData:
    """In-memory inputs: `structure` (as given) and flat arrays of `n` samples each."""

    def __init__(self, x: Any, what: str):
        if x is None:
            raise ValueError(f"{what}: no input data was given (x is None).")
        if isinstance(x, (list, tuple)) and x and _all_numbers(x):
            x = to_array(x)  # a nested list of numbers is one array
        self.structure = x
        self.arrays = [_array(a, what) for a in nest.flatten(x)]
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

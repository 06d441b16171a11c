"""Mixing several datasets: `sample_from_datasets` (random, by weight) and
`choose_from_datasets` (by a dataset of indices).

Example:
    >>> import ember as tf
    >>> a, b = tf.data.Dataset.range(3), tf.data.Dataset.range(10, 13)
    >>> choice = tf.data.Dataset.from_tensor_slices([0, 1, 1, 0]).map(lambda i: tf.cast(i, tf.int64))
    >>> [int(x) for x in tf.data.Dataset.choose_from_datasets([a, b], choice)]
    [0, 10, 11, 1]
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from ..core.errors import InvalidArgumentError
from ..core.shape import TensorSpec
from ..core.tensor import TensorOps
from .dataset import Dataset
from .structure import (
    UNKNOWN_CARDINALITY,
    _is_dataset,
    array_of,
    common_spec,
    make_rng,
    resolve_seed,
    uniforms,
)


def _check_datasets(datasets: Any, what: str) -> list:
    datasets = list(datasets)
    if not datasets:
        raise ValueError(f"{what}: `datasets` must hold at least one Dataset.")
    for d in datasets:
        if not _is_dataset(d):
            raise TypeError(f"{what}: `datasets` must be a list of Datasets, but it holds "
                            f"{type(d).__name__}.")
    return datasets


def _spec(datasets: list, what: str) -> Any:
    spec = datasets[0].element_spec
    for d in datasets[1:]:
        spec = common_spec(spec, d.element_spec, what)
    return spec


class ChooseDataset(Dataset):
    """`Dataset.choose_from_datasets`: element i comes from `datasets[choice[i]]`."""

    _tf_name = "_DirectedInterleaveDataset"

    def __init__(self, datasets: Any, choice: Any, stop_on_empty: bool):
        what = "choose_from_datasets"
        datasets = _check_datasets(datasets, what)
        cs = choice.element_spec if _is_dataset(choice) else None
        if not (isinstance(cs, TensorSpec) and cs.dtype.name == "int64" and cs.shape.rank == 0):
            raise TypeError(f"{what}: `choice_dataset` must be a Dataset of int64 scalars; "
                            f"received {cs if cs is not None else type(choice).__name__}.")
        super().__init__(_spec(datasets, what), UNKNOWN_CARDINALITY, tuple(datasets) + (choice,))
        self._datasets, self._choice, self._stop = datasets, choice, bool(stop_on_empty)

    def _generate(self) -> Iterator:
        iters = [d._elements() for d in self._datasets]
        empty = [False] * len(iters)
        for c in self._choice._elements():
            k = int(array_of(c))
            if not 0 <= k < len(iters):
                raise InvalidArgumentError(f"choose_from_datasets: the choice {k} is out of "
                                           f"range [0, {len(iters)}).")
            if empty[k]:
                continue
            try:
                yield next(iters[k])
            except StopIteration:
                if self._stop:
                    return
                empty[k] = True


class SampleDataset(Dataset):
    """`Dataset.sample_from_datasets`: each element from a dataset drawn with
    probability proportional to its weight (exhausted ones are dropped, unless
    `stop_on_empty_dataset`)."""

    _tf_name = "_DirectedInterleaveDataset"

    def __init__(self, datasets: Any, weights: Any, seed: Any, stop_on_empty: bool,
                 rerandomize: Any):
        what = "sample_from_datasets"
        datasets = _check_datasets(datasets, what)
        w = np.ones(len(datasets)) if weights is None else np.asarray(
            array_of(weights) if isinstance(weights, TensorOps) else weights, dtype=np.float64)
        if w.shape != (len(datasets),) or np.any(w < 0) or not np.isfinite(w).all() \
                or w.sum() <= 0:
            raise ValueError(f"{what}: `weights` must be {len(datasets)} non-negative numbers "
                             f"(one per dataset) with a positive sum; received {weights!r}.")
        super().__init__(_spec(datasets, what), UNKNOWN_CARDINALITY, tuple(datasets))
        self._datasets, self._w, self._stop = datasets, w, bool(stop_on_empty)
        self._base = resolve_seed(seed, what)
        self._rerandomize = True if rerandomize is None else bool(rerandomize)
        self._iterations = 0

    def _generate(self) -> Iterator:
        k = self._iterations if self._rerandomize else 0
        self._iterations += 1
        rand = uniforms(make_rng(self._base, k))
        iters = [d._elements() for d in self._datasets]
        w = self._w.copy()
        while w.sum() > 0:
            cum = np.cumsum(w)
            j = min(int(np.searchsorted(cum, next(rand) * cum[-1], side="right")), len(w) - 1)
            try:
                yield next(iters[j])
            except StopIteration:
                if self._stop:
                    return
                w[j] = 0.0

"""Transformations that run user functions or combine datasets: map, filter, take_while,
unique, enumerate, concatenate, flat_map and interleave.

User functions run eagerly, once per element, when the dataset is iterated (TF traces
them into a graph once instead). To know the `element_spec` up front, `map` traces the
function once on the input's specs with `ember.function`, as TF does; when it can't be
traced (it reads tensor values in Python, e.g. `if x > 0:` or `.numpy()`), the spec comes
from the output on the first element instead (and then has that element's exact shapes).

Example:
    >>> import ember as tf
    >>> ds = tf.data.Dataset.from_tensor_slices(([1, 2], [3, 4])).map(lambda a, b: a + b)
    >>> list(ds.as_numpy_iterator())
    [np.int32(4), np.int32(6)]
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterator

import numpy as np

from ..core import nest
from ..core.dtypes import int32, int64, string
from ..core.errors import InvalidArgumentError
from ..core.function import function
from ..core.shape import TensorSpec
from ..core.tensor import TensorOps, wrap
from .dataset import Dataset
from .threads import parallel_map
from .structure import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    _is_dataset,
    array_of,
    as_int,
    call_fn,
    check_arity,
    common_spec,
    make_packer,
    normalize_output,
    spec_of,
)


class _BadOutput(Exception):
    """Carries an error in the user function's output out of a trace unchanged."""


def traced_spec(fn: Callable, in_spec: Any, what: str) -> Any:
    """The spec of `fn`'s output, traced on `in_spec`; None if `fn` can't be traced."""
    flat = [in_spec] if isinstance(in_spec, TensorSpec) else nest.flatten(in_spec)
    box: list = []

    def flat_fn(*tensors: Any) -> Any:
        element = tensors[0] if isinstance(in_spec, TensorSpec) else \
            nest.pack_sequence_as(in_spec, list(tensors))
        out = call_fn(fn, element)
        if out is None or _is_dataset(out):  # the user's error, not the trace's: report it
            try:
                normalize_output(out, what)
            except (TypeError, ValueError) as e:
                raise _BadOutput(e) from None
        out = normalize_output(out, what)
        box.append(out)
        return out

    try:
        function(flat_fn, autograph=False).get_concrete_function(*flat)
    except _BadOutput as e:
        raise e.args[0] from None
    except Exception:  # noqa: BLE001 - any failure to trace: infer the spec eagerly later
        return None
    return spec_of(box[0]) if box else None


def first_spec(dataset: Dataset, what: str) -> Any:
    """The spec of a dataset's first element (for functions that can't be traced)."""
    for element in dataset._elements():
        return spec_of(element)
    raise ValueError(f"{what}: can't infer the element_spec: the function could not be "
                     f"traced and the dataset is empty.")


def _truth(value: Any, what: str) -> bool:
    """A predicate's result as a Python bool; it must be a scalar bool."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, TensorOps) and value.dtype.is_bool and value.shape.rank == 0:
        return bool(value)
    spec = spec_of(value) if isinstance(value, TensorOps) else repr(value)
    raise ValueError(f"{what}: `predicate` must return a scalar bool tensor (tf.bool, shape "
                     f"()), but it returned {spec}. Compare or reduce the value, e.g. "
                     f"`x > 0` or `tf.reduce_all(...)`.")


def _check_predicate(pred: Callable, in_spec: Any, what: str) -> None:
    check_arity(pred, in_spec, what, "predicate")
    spec = traced_spec(pred, in_spec, what)
    if spec is not None and not (isinstance(spec, TensorSpec) and spec.dtype.is_bool
                                 and spec.shape.rank == 0):
        raise ValueError(f"{what}: `predicate` must return a scalar bool tensor (tf.bool, "
                         f"shape ()), but its return type is {spec}.")


class _FnDataset(Dataset):
    """A dataset with one input and a user function."""

    def __init__(self, input_dataset: Dataset, fn: Callable, cardinality: int):
        super().__init__(None, cardinality, (input_dataset,))
        self._input, self._fn = input_dataset, fn

    def _compute_spec(self) -> Any:
        return self._input.element_spec


class MapDataset(_FnDataset):
    """`Dataset.map`: `fn(*element)` for each element."""

    _tf_name = "_MapDataset"

    def __init__(self, input_dataset: Dataset, fn: Callable, parallel: Any = None,
                 deterministic: Any = None):
        check_arity(fn, input_dataset.element_spec, "map", "map_func")
        super().__init__(input_dataset, fn, input_dataset._card)
        self._threads = 1
        if parallel is not None:
            self._tf_name = "_ParallelMapDataset"
            n = as_int(parallel, "map", "num_parallel_calls")
            if n != AUTOTUNE and n <= 0:
                raise InvalidArgumentError(f"map: num_parallel_calls must be positive or "
                                           f"tf.data.AUTOTUNE, received {n}.")
            self._threads = (os.cpu_count() or 1) if n == AUTOTUNE else n
        self._ordered = deterministic is None or bool(deterministic)
        self._spec = traced_spec(fn, input_dataset.element_spec, "map")

    def _compute_spec(self) -> Any:
        return first_spec(self, "map")

    def _generate(self) -> Iterator:
        fn = self._fn
        if self._threads > 1:
            yield from self._parallel(fn)
            return
        for element in self._input._elements():
            yield normalize_output(call_fn(fn, element), "map")

    def _parallel(self, fn: Callable) -> Iterator:
        """`fn` on up to `threads` elements at once, in a pool of threads that keeps
        working while the consumer runs (see data/threads.py); results in input order,
        or in the order they finish with deterministic=False."""
        def run(element: Any) -> Any:
            return normalize_output(call_fn(fn, element), "map")

        return parallel_map(self._input._elements(), run, self._threads, self._ordered)


class _PredicateDataset(_FnDataset):
    """filter / take_while / unique: decide per element, on indices when possible."""

    def _keep_all(self, elements: Iterator) -> Iterator:
        raise NotImplementedError

    def _index_stream(self) -> tuple | None:
        stream = self._input._index_stream()
        if stream is None:
            return None
        source, indices = stream
        pack, get = make_packer(source.element_spec), source._get
        pairs = ((i, pack(get(i))) for i in indices)
        return source, (i for i, _ in self._keep_all(pairs))

    def _generate(self) -> Iterator:
        return (e for _, e in self._keep_all((None, e) for e in self._input._elements()))


class FilterDataset(_PredicateDataset):
    """`Dataset.filter`: the elements for which `predicate(*element)` is True."""

    _tf_name = "_FilterDataset"

    def __init__(self, input_dataset: Dataset, predicate: Callable):
        _check_predicate(predicate, input_dataset.element_spec, "filter")
        super().__init__(input_dataset, predicate, UNKNOWN_CARDINALITY)

    def _keep_all(self, pairs: Iterator) -> Iterator:
        pred = self._fn
        return (p for p in pairs if _truth(call_fn(pred, p[1]), "filter"))


class TakeWhileDataset(_PredicateDataset):
    """`Dataset.take_while`: elements until `predicate` is first False."""

    _tf_name = "_TakeWhileDataset"

    def __init__(self, input_dataset: Dataset, predicate: Callable):
        _check_predicate(predicate, input_dataset.element_spec, "take_while")
        super().__init__(input_dataset, predicate, UNKNOWN_CARDINALITY)

    def _keep_all(self, pairs: Iterator) -> Iterator:
        pred = self._fn
        for p in pairs:
            if not _truth(call_fn(pred, p[1]), "take_while"):
                return
            yield p


class UniqueDataset(_PredicateDataset):
    """`Dataset.unique`: each distinct value once, at its first occurrence."""

    _tf_name = "_UniqueDataset"

    def __init__(self, input_dataset: Dataset):
        spec = input_dataset.element_spec
        if not isinstance(spec, TensorSpec) or spec.dtype not in (int32, int64, string):
            raise TypeError(f"unique: elements must be single int32 or int64 (or string) "
                            f"tensors; this dataset's elements are {spec}.")
        super().__init__(input_dataset, None, UNKNOWN_CARDINALITY)

    def _keep_all(self, pairs: Iterator) -> Iterator:
        seen: set = set()
        for p in pairs:
            a = array_of(p[1])
            key = (a.shape, a.tobytes() if a.dtype.kind != "O" else tuple(a.ravel().tolist()))
            if key not in seen:
                seen.add(key)
                yield p


class EnumerateDataset(Dataset):
    """`Dataset.enumerate`: `(index, element)` pairs, the index an int64 from `start`."""

    _tf_name = "_ZipDataset"  # as TF, which zips with a counter

    def __init__(self, input_dataset: Dataset, start: Any):
        super().__init__(None, input_dataset._card, (input_dataset,))
        self._input = input_dataset
        self._start = as_int(start, "enumerate", "start")
        self._ra_len = input_dataset._ra_len

    def _compute_spec(self) -> Any:
        return (TensorSpec([], int64), self._input.element_spec)

    def _get(self, i: int) -> list:
        return [np.asarray(self._start + i, np.int64)] + self._input._get(i)

    def _gather(self, idx: Any) -> list:
        pos = np.arange(self._ra_len)[idx] if isinstance(idx, slice) else np.asarray(idx)
        return [(self._start + pos).astype(np.int64)] + self._input._gather(idx)

    def _generate(self) -> Iterator:
        for k, element in enumerate(self._input._elements(), self._start):
            yield wrap(np.asarray(k, np.int64)), element


class ConcatenateDataset(Dataset):
    """`Dataset.concatenate`: the elements of one dataset, then those of another."""

    _tf_name = "_ConcatenateDataset"

    def __init__(self, first: Dataset, second: Dataset):
        if not _is_dataset(second):
            raise TypeError(f"concatenate: `dataset` must be a Dataset, received "
                            f"{type(second).__name__}.")
        spec = common_spec(first.element_spec, second.element_spec, "concatenate")
        n1, n2 = first._card, second._card
        if UNKNOWN_CARDINALITY in (n1, n2):
            card = UNKNOWN_CARDINALITY
        elif INFINITE_CARDINALITY in (n1, n2):
            card = INFINITE_CARDINALITY
        else:
            card = n1 + n2
        super().__init__(spec, card, (first, second))
        self._first, self._second = first, second

    def _generate(self) -> Iterator:
        yield from self._first._elements()
        yield from self._second._elements()


def _dataset_of(fn: Callable, element: Any, what: str) -> Dataset:
    d = call_fn(fn, element)
    if not _is_dataset(d):
        raise TypeError(f"{what}: `map_func` must return a Dataset (e.g. "
                        f"tf.data.Dataset.from_tensor_slices(x)), but it returned "
                        f"{type(d).__name__}.")
    return d


class FlatMapDataset(_FnDataset):
    """`Dataset.flat_map`: the elements of `map_func(*element)`, a dataset, one after
    another."""

    _tf_name = "_FlatMapDataset"

    def __init__(self, input_dataset: Dataset, fn: Callable):
        check_arity(fn, input_dataset.element_spec, "flat_map", "map_func")
        super().__init__(input_dataset, fn, UNKNOWN_CARDINALITY)

    def _compute_spec(self) -> Any:
        for element in self._input._elements():
            return _dataset_of(self._fn, element, "flat_map").element_spec
        raise ValueError("flat_map: can't infer the element_spec of an empty dataset.")

    def _generate(self) -> Iterator:
        for element in self._input._elements():
            yield from _dataset_of(self._fn, element, "flat_map")._elements()


class InterleaveDataset(FlatMapDataset):
    """`Dataset.interleave`: `cycle_length` datasets read round robin, `block_length`
    elements at a time; an exhausted one is replaced by the next input element's."""

    _tf_name = "_InterleaveDataset"

    def __init__(self, input_dataset: Dataset, fn: Callable, cycle_length: Any,
                 block_length: Any):
        super().__init__(input_dataset, fn)
        if cycle_length is None or cycle_length == AUTOTUNE:
            cycle_length = os.cpu_count() or 1  # NOTE: TF's default: the number of cores
        self._cycle = as_int(cycle_length, "interleave", "cycle_length")
        self._block = 1 if block_length is None else as_int(block_length, "interleave",
                                                            "block_length")
        for name, v in (("cycle_length", self._cycle), ("block_length", self._block)):
            if v <= 0:
                raise InvalidArgumentError(f"interleave: {name} must be greater than zero; "
                                           f"received {v}.")

    def _generate(self) -> Iterator:
        inputs = self._input._elements()
        slots: list = [None] * self._cycle
        index = block = n_open = 0
        end_of_input = False
        while True:
            it = slots[index]
            if it is not None:
                try:
                    x = next(it)
                except StopIteration:
                    slots[index], n_open = None, n_open - 1
                    index, block = (index + 1) % self._cycle, 0
                else:
                    block += 1
                    if block == self._block:
                        index, block = (index + 1) % self._cycle, 0
                    yield x
                    continue
            elif not end_of_input:
                try:
                    element = next(inputs)
                except StopIteration:
                    end_of_input = True
                else:
                    slots[index] = _dataset_of(self._fn, element, "interleave")._elements()
                    n_open += 1
                    continue
            else:
                index, block = (index + 1) % self._cycle, 0
            if end_of_input and n_open == 0:
                return

"""Transformations that choose which elements come and in what order, without looking at
their values: shuffle, repeat, take, skip, shard, cache, prefetch (in a background thread) and
with_options.

Over a random-access source they work on indices (see `Dataset._index_stream`), so a
following `batch` gathers whole batches at once; the elements are the same either way.

Example:
    >>> import ember as tf
    >>> ds = tf.data.Dataset.range(10).skip(2).take(5).repeat(2)
    >>> list(ds.as_numpy_iterator())[:6], len(ds)
    ([np.int64(2), np.int64(3), np.int64(4), np.int64(5), np.int64(6), np.int64(2)], 10)
"""

from __future__ import annotations

from itertools import islice
from typing import Any, Callable, Iterator

from ..core.errors import InvalidArgumentError
from .dataset import Dataset
from .structure import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    as_int,
    make_rng,
    resolve_seed,
    uniforms,
)
from .threads import prefetched


class _Unary(Dataset):
    """A dataset with one input whose elements it passes on unchanged."""

    def __init__(self, input_dataset: Dataset, cardinality: int):
        super().__init__(None, cardinality, (input_dataset,))
        self._input = input_dataset

    def _compute_spec(self) -> Any:
        return self._input.element_spec


class PassThroughDataset(_Unary):
    """The input's elements as they are (`prefetch`, `with_options`)."""

    def __init__(self, input_dataset: Dataset, tf_name: str):
        super().__init__(input_dataset, input_dataset._card)
        self._tf_name = tf_name
        self._ra_len = input_dataset._ra_len

    def _get(self, i: int) -> list:
        return self._input._get(i)

    def _gather(self, idx: Any) -> list:
        return self._input._gather(idx)

    def _index_stream(self) -> tuple | None:
        return self._input._index_stream()

    def _generate(self) -> Iterator:
        return self._input._elements()


class PrefetchDataset(PassThroughDataset):
    """`Dataset.prefetch`: the input's elements, produced by a background thread up to
    `buffer_size` ahead of the consumer (see data/threads.py). Random access (`_get`,
    `_gather`) passes through; an iteration always goes through the thread."""

    def __init__(self, input_dataset: Dataset, buffer_size: int):
        super().__init__(input_dataset, "_PrefetchDataset")
        # AUTOTUNE: two elements ahead (ember does not tune buffer sizes at run time)
        self._size = 2 if buffer_size == AUTOTUNE else buffer_size

    def _index_stream(self) -> tuple | None:
        return None

    def _generate(self) -> Iterator:
        return prefetched(self._input._elements(), self._size)


def shuffled(items: Iterator, buffer_size: int | None, rng: Any) -> Iterator:
    """TF's shuffle buffer: fill a buffer with `buffer_size` items, then repeatedly emit
    one chosen uniformly at random and put the next input item in its place; at the end
    emit the rest in random order. `buffer_size` None: a buffer holding everything."""
    rand = uniforms(rng)
    buf = list(items) if buffer_size is None else list(islice(items, buffer_size))
    for x in items:
        j = int(next(rand) * len(buf))
        yield buf[j]
        buf[j] = x
    while buf:
        j = int(next(rand) * len(buf))
        buf[j], buf[-1] = buf[-1], buf[j]
        yield buf.pop()


class ShuffleDataset(_Unary):
    """`Dataset.shuffle`: a buffer of `buffer_size` elements, sampled uniformly."""

    _tf_name = "_ShuffleDataset"

    def __init__(self, input_dataset: Dataset, buffer_size: Any, seed: Any,
                 reshuffle_each_iteration: Any):
        if buffer_size is None:
            raise TypeError(
                "shuffle: missing the required argument `buffer_size`: the number of "
                "elements held in the shuffle buffer. Use at least the dataset's size for a "
                "uniform shuffle, e.g. ds.shuffle(len(x)) or ds.shuffle(10000).")
        n = as_int(buffer_size, "shuffle", "buffer_size")
        if n <= 0 and n != UNKNOWN_CARDINALITY:
            raise InvalidArgumentError(
                f"shuffle: buffer_size must be greater than zero (or "
                f"tf.data.UNKNOWN_CARDINALITY for a buffer of the whole dataset); received "
                f"{n}.")
        super().__init__(input_dataset, input_dataset._card)
        self._buffer = None if n == UNKNOWN_CARDINALITY else n
        self._base = resolve_seed(seed, "shuffle")
        self._reshuffle = True if reshuffle_each_iteration is None else \
            bool(reshuffle_each_iteration)
        self._iterations = 0

    def _rng(self) -> Any:
        k = self._iterations if self._reshuffle else 0
        self._iterations += 1
        return make_rng(self._base, k)

    def _index_stream(self) -> tuple | None:
        stream = self._input._index_stream()
        if stream is None:
            return None
        source, indices = stream
        return source, shuffled(indices, self._buffer, self._rng())

    def _generate(self) -> Iterator:
        return shuffled(self._input._elements(), self._buffer, self._rng())


class RepeatDataset(_Unary):
    """`Dataset.repeat`: the input `count` times (forever when None or negative)."""

    _tf_name = "_RepeatDataset"

    def __init__(self, input_dataset: Dataset, count: Any):
        count = -1 if count is None else as_int(count, "repeat", "count")
        n = input_dataset._card
        if count < 0:
            card = 0 if n == 0 else INFINITE_CARDINALITY
        elif count == 0:
            card = 0
        elif n < 0:
            card = n
        else:
            card = n * count
        super().__init__(input_dataset, card)
        self._count = count

    def _passes(self, first: Iterator, again: Callable[[], Iterator]) -> Iterator:
        k, it = 0, first
        while self._count < 0 or k < self._count:
            produced = False
            for x in it:
                produced = True
                yield x
            k += 1
            if not produced and self._count < 0:
                return  # NOTE: as TF, an empty input repeated forever is empty, not a hang
            it = again()

    def _index_stream(self) -> tuple | None:
        stream = self._input._index_stream()
        if stream is None:
            return None
        source, first = stream
        return source, self._passes(first, lambda: self._input._index_stream()[1])

    def _generate(self) -> Iterator:
        return self._passes(self._input._elements(), self._input._elements)


class _Slice(_Unary):
    """take, skip and shard: an `islice` of the input, on indices or elements."""

    def _cut(self, it: Iterator) -> Iterator:
        raise NotImplementedError

    def _index_stream(self) -> tuple | None:
        stream = self._input._index_stream()
        if stream is None:
            return None
        return stream[0], self._cut(stream[1])

    def _generate(self) -> Iterator:
        return self._cut(self._input._elements())


class TakeDataset(_Slice):
    """`Dataset.take`: the first `count` elements (all when count is -1)."""

    _tf_name = "_TakeDataset"

    def __init__(self, input_dataset: Dataset, count: Any):
        count = as_int(count, "take", "count")
        n = input_dataset._card
        if count < 0:
            card = n
        elif n == UNKNOWN_CARDINALITY:
            card = n
        elif n == INFINITE_CARDINALITY:
            card = count
        else:
            card = min(n, count)
        super().__init__(input_dataset, card)
        self._count = count

    def _cut(self, it: Iterator) -> Iterator:
        return it if self._count < 0 else islice(it, self._count)


class SkipDataset(_Slice):
    """`Dataset.skip`: all but the first `count` elements (none when count is -1)."""

    _tf_name = "_SkipDataset"

    def __init__(self, input_dataset: Dataset, count: Any):
        count = as_int(count, "skip", "count")
        n = input_dataset._card
        if n < 0:
            card = n
        elif count < 0:
            card = 0
        else:
            card = max(0, n - count)
        super().__init__(input_dataset, card)
        self._count = count

    def _cut(self, it: Iterator) -> Iterator:
        if self._count < 0:
            for _ in it:
                pass
            return iter(())
        return islice(it, self._count, None)


class ShardDataset(_Slice):
    """`Dataset.shard`: every `num_shards`-th element, starting at `index`."""

    _tf_name = "_ShardDataset"

    def __init__(self, input_dataset: Dataset, num_shards: Any, index: Any):
        num = as_int(num_shards, "shard", "num_shards")
        idx = as_int(index, "shard", "index")
        if num <= 0:
            raise InvalidArgumentError(f"shard: num_shards must be > 0, received {num}.")
        if not 0 <= idx < num:
            raise InvalidArgumentError(f"shard: index must be in [0, num_shards) = "
                                       f"[0, {num}), received {idx}.")
        n = input_dataset._card
        card = n if n < 0 else n // num + (1 if idx < n % num else 0)
        super().__init__(input_dataset, card)
        self._num, self._index = num, idx

    def _cut(self, it: Iterator) -> Iterator:
        return islice(it, self._index, None, self._num)


class CacheDataset(_Unary):
    """`Dataset.cache`: the first complete iteration is recorded in memory and replayed
    by later ones (an iteration stopped early records nothing)."""

    _tf_name = "CacheDataset"

    def __init__(self, input_dataset: Dataset, filename: Any):
        if filename:
            raise NotImplementedError(
                f"cache: caching to a file ({filename!r}) is not supported by ember; use "
                f"cache() to cache in memory.")
        super().__init__(input_dataset, input_dataset._card)
        # NOTE: a random-access input gives the same elements every time: read it directly.
        self._ra_len = input_dataset._ra_len
        self._done: tuple | None = None  # ("index", source, indices) or ("element", elements)

    def _get(self, i: int) -> list:
        return self._input._get(i)

    def _gather(self, idx: Any) -> list:
        return self._input._gather(idx)

    def _record(self, it: Iterator, kind: str, source: Any = None) -> Iterator:
        buf = []
        for x in it:
            buf.append(x)
            yield x
        if self._done is None:
            self._done = (kind, source, buf)

    def _index_stream(self) -> tuple | None:
        if self._ra_len is not None:
            return self._input._index_stream()
        if self._done is not None:
            kind, source, data = self._done
            return (source, iter(data)) if kind == "index" else None
        stream = self._input._index_stream()
        if stream is None:
            return None
        source, indices = stream
        return source, self._record(indices, "index", source)

    def _generate(self) -> Iterator:
        if self._done is not None:
            return iter(self._done[2])
        return self._record(self._input._elements(), "element")


class AssertCardinalityDataset(PassThroughDataset):
    """`tf.data.experimental.assert_cardinality`: declares the number of elements and
    checks it while iterating."""

    def __init__(self, input_dataset: Dataset, expected: Any):
        super().__init__(input_dataset, "_AssertCardinalityDataset")
        self._card = as_int(expected, "assert_cardinality", "expected_cardinality")

    def _index_stream(self) -> tuple | None:
        stream = self._input._index_stream()
        return None if stream is None else (stream[0], self._check(stream[1]))

    def _generate(self) -> Iterator:
        return self._check(self._input._elements())

    def _check(self, it: Iterator) -> Iterator:
        n, want = 0, self._card
        for x in it:
            n += 1
            if want >= 0 and n > want:
                raise InvalidArgumentError(f"assert_cardinality: the dataset has more than "
                                           f"the expected {want} elements.")
            yield x
        if want == INFINITE_CARDINALITY or n < want:
            raise InvalidArgumentError(f"assert_cardinality: the dataset has {n} elements, "
                                       f"fewer than the expected "
                                       f"{'infinite' if want < 0 else want}.")

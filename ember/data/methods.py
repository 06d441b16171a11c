"""The transformation methods of `Dataset` (map, filter, batch, shuffle, ...).

Each returns a new dataset and leaves `self` unchanged; the work happens when the result
is iterated. The implementations live in `transforms`, `batching` and `ordering`.

Example:
    >>> import ember as tf
    >>> ds = tf.data.Dataset.range(10).shuffle(10, seed=1).batch(4)
    >>> sorted(int(v) for b in ds for v in b) == list(range(10)), len(ds)
    (True, 3)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from ..core.errors import InvalidArgumentError
from .structure import AUTOTUNE, as_int

if TYPE_CHECKING:
    from .dataset import Dataset


class TransformMethods:
    """Mixin holding `Dataset`'s transformations (see `ember.data.Dataset`).

    Example:
        >>> import ember as tf
        >>> [int(x) for x in tf.data.Dataset.range(3).repeat(2)]
        [0, 1, 2, 0, 1, 2]
    """

    # -- element-wise ----------------------------------------------------------------------
    def map(self, map_func: Callable, num_parallel_calls: Any = None,
            deterministic: Any = None, name: str | None = None) -> "Dataset":
        """`map_func` applied to each element. A tuple element is passed as separate
        positional arguments (`lambda x, y: ...`), any other element (a tensor, a dict) as
        one argument. `map_func` may use any ember op and return a tensor, a Python or
        NumPy value, or a tuple/dict of them (a returned list becomes a tuple).

        NOTE: TF traces `map_func` into a graph once; ember runs it eagerly on every
        element (it is traced once only to compute `element_spec`). With
        `num_parallel_calls` N (or `tf.data.AUTOTUNE`: the number of cores) N calls
        run at once in a pool of threads (NumPy releases the GIL in its kernels, file
        reads and `time.sleep` too); the output order is the input order unless
        `deterministic=False`.

        Example:
            >>> import ember as tf
            >>> ds = tf.data.Dataset.from_tensor_slices(([1.0, 2.0], [3, 4]))
            >>> ds = ds.map(lambda x, y: {"x": x * 2.0, "y": y})
            >>> ds.element_spec["x"], [float(e["x"]) for e in ds]
            (TensorSpec(shape=(), dtype=tf.float32, name=None), [2.0, 4.0])
        """
        from .transforms import MapDataset  # cycle: transforms subclasses Dataset
        return MapDataset(self, map_func, num_parallel_calls, deterministic)

    def filter(self, predicate: Callable, name: str | None = None) -> "Dataset":
        """The elements for which `predicate(*element)` returns True (a scalar bool).
        The cardinality becomes unknown (-2).

        Example:
            >>> import ember as tf
            >>> list(tf.data.Dataset.range(6).filter(lambda x: x % 2 == 0).as_numpy_iterator())
            [np.int64(0), np.int64(2), np.int64(4)]
        """
        from .transforms import FilterDataset  # cycle: transforms subclasses Dataset
        return FilterDataset(self, predicate)

    def take_while(self, predicate: Callable, name: str | None = None) -> "Dataset":
        """The elements up to (not including) the first for which `predicate` is False.

        Example:
            >>> import ember as tf
            >>> list(tf.data.Dataset.range(6).take_while(lambda x: x < 3).as_numpy_iterator())
            [np.int64(0), np.int64(1), np.int64(2)]
        """
        from .transforms import TakeWhileDataset  # cycle: transforms subclasses Dataset
        return TakeWhileDataset(self, predicate)

    def unique(self, name: str | None = None) -> "Dataset":
        """Each distinct element once, in order of first appearance (int32/int64 elements).

        Example:
            >>> import ember as tf
            >>> list(tf.data.Dataset.from_tensor_slices([1, 3, 1, 2, 3]).unique().as_numpy_iterator())
            [np.int32(1), np.int32(3), np.int32(2)]
        """
        from .transforms import UniqueDataset  # cycle: transforms subclasses Dataset
        return UniqueDataset(self)

    def enumerate(self, start: int = 0, name: str | None = None) -> "Dataset":
        """`(index, element)` pairs; the index is an int64 scalar counting from `start`.

        Example:
            >>> import ember as tf
            >>> [(int(i), int(x)) for i, x in tf.data.Dataset.range(10, 12).enumerate()]
            [(0, 10), (1, 11)]
        """
        from .transforms import EnumerateDataset  # cycle: transforms subclasses Dataset
        return EnumerateDataset(self, start)

    def flat_map(self, map_func: Callable, name: str | None = None) -> "Dataset":
        """`map_func(*element)` must return a dataset; their elements are chained.

        Example:
            >>> import ember as tf
            >>> ds = tf.data.Dataset.range(1, 4).flat_map(lambda n: tf.data.Dataset.range(n))
            >>> [int(x) for x in ds]
            [0, 0, 1, 0, 1, 2]
        """
        from .transforms import FlatMapDataset  # cycle: transforms subclasses Dataset
        return FlatMapDataset(self, map_func)

    def interleave(self, map_func: Callable, cycle_length: Any = None,
                   block_length: Any = None, num_parallel_calls: Any = None,
                   deterministic: Any = None, name: str | None = None) -> "Dataset":
        """Reads `cycle_length` of the datasets `map_func(*element)` round robin, taking
        `block_length` elements (default 1) from each in turn; an exhausted one is replaced
        by the next input element's dataset. Sequential and deterministic in ember;
        `cycle_length` None or AUTOTUNE means the number of CPU cores, as TF.

        Example:
            >>> import ember as tf
            >>> ds = tf.data.Dataset.range(1, 4).interleave(
            ...     lambda x: tf.data.Dataset.from_tensors(x).repeat(3), cycle_length=2,
            ...     block_length=2)
            >>> [int(x) for x in ds]
            [1, 1, 2, 2, 1, 2, 3, 3, 3]
        """
        from .transforms import InterleaveDataset  # cycle: transforms subclasses Dataset
        return InterleaveDataset(self, map_func, cycle_length, block_length)

    def concatenate(self, dataset: Any, name: str | None = None) -> "Dataset":
        """The elements of `self`, then those of `dataset` (same structure and dtypes; a
        dim that differs becomes None in `element_spec`).

        Example:
            >>> import ember as tf
            >>> ds = tf.data.Dataset.range(2).concatenate(tf.data.Dataset.range(5, 7))
            >>> [int(x) for x in ds], len(ds)
            ([0, 1, 5, 6], 4)
        """
        from .transforms import ConcatenateDataset  # cycle: transforms subclasses Dataset
        return ConcatenateDataset(self, dataset)

    def apply(self, transformation_func: Callable) -> "Dataset":
        """`transformation_func(self)`, which must return a dataset (for chaining).

        Example:
            >>> import ember as tf
            >>> len(tf.data.Dataset.range(10).apply(lambda d: d.take(3)))
            3
        """
        out = transformation_func(self)
        if not getattr(out, "_is_ember_dataset", False):
            raise TypeError(f"apply: `transformation_func` must return a Dataset, but it "
                            f"returned {type(out).__name__}.")
        return out

    # -- batching --------------------------------------------------------------------------
    def batch(self, batch_size: Any, drop_remainder: bool = False,
              num_parallel_calls: Any = None, deterministic: Any = None,
              name: str | None = None) -> "Dataset":
        """Consecutive elements stacked into batches of `batch_size` along a new first
        axis; the last batch may be smaller unless `drop_remainder=True`. All elements of
        a batch need the same shapes (else use `padded_batch`).

        Example:
            >>> import ember as tf
            >>> ds = tf.data.Dataset.from_tensor_slices(([1, 2, 3], [4, 5, 6])).batch(2)
            >>> [(x.numpy().tolist(), y.numpy().tolist()) for x, y in ds]
            [([1, 2], [4, 5]), ([3], [6])]
        """
        from .batching import BatchDataset  # cycle: batching subclasses Dataset
        return BatchDataset(self, batch_size, drop_remainder)

    def ragged_batch(self, batch_size: Any, drop_remainder: bool = False,
                     row_splits_dtype: Any = "int64", name: str | None = None) -> "Dataset":
        """Like `batch`, but elements may differ in their first dimension: such
        components (shape not fully known) are batched into `tf.RaggedTensor`s.

        Example:
            >>> import ember as tf
            >>> ds = tf.data.Dataset.range(4).map(lambda n: tf.fill([n], n)).ragged_batch(2)
            >>> [b.to_list() for b in ds]
            [[[], [1]], [[2, 2], [3, 3, 3]]]
        """
        from .batching import RaggedBatchDataset  # cycle: batching subclasses Dataset
        return RaggedBatchDataset(self, batch_size, drop_remainder, row_splits_dtype)

    def padded_batch(self, batch_size: Any, padded_shapes: Any = None,
                     padding_values: Any = None, drop_remainder: bool = False,
                     name: str | None = None) -> "Dataset":
        """Like `batch`, padding each component to `padded_shapes` (a structure of shapes
        like the elements; a None or -1 dim, or no `padded_shapes` at all, pads to the
        largest in the batch) with `padding_values` (a scalar per component, or one for
        all; default 0).

        Example:
            >>> import ember as tf
            >>> ds = tf.data.Dataset.range(1, 4).map(lambda n: tf.fill([n], n))
            >>> [b.numpy().tolist() for b in ds.padded_batch(2, padding_values=-1)]
            [[[1, -1], [2, 2]], [[3, 3, 3]]]
        """
        from .batching import PaddedBatchDataset  # cycle: batching subclasses Dataset
        return PaddedBatchDataset(self, batch_size, padded_shapes, padding_values,
                                  drop_remainder)

    def unbatch(self, name: str | None = None) -> "Dataset":
        """Splits each element along its first axis into several elements (the inverse
        of `batch`).

        Example:
            >>> import ember as tf
            >>> [int(x) for x in tf.data.Dataset.range(5).batch(2).unbatch()]
            [0, 1, 2, 3, 4]
        """
        from .batching import UnbatchDataset  # cycle: batching subclasses Dataset
        return UnbatchDataset(self)

    # -- order and count -------------------------------------------------------------------
    def shuffle(self, buffer_size: Any = None, seed: Any = None,
                reshuffle_each_iteration: Any = None, name: str | None = None) -> "Dataset":
        """Shuffles with a buffer of `buffer_size` elements: the buffer is filled, then
        each output element is drawn uniformly from it and replaced by the next input
        element. A buffer at least as large as the dataset gives a uniform permutation.
        With `reshuffle_each_iteration` (the default) each iteration (epoch) has a new
        order; with a `seed` the sequence of orders is reproducible.

        Example:
            >>> import ember as tf
            >>> ds = tf.data.Dataset.range(5).shuffle(5, seed=2, reshuffle_each_iteration=False)
            >>> a, b = [int(x) for x in ds], [int(x) for x in ds]
            >>> a == b, sorted(a)
            (True, [0, 1, 2, 3, 4])
        """
        from .ordering import ShuffleDataset  # cycle: ordering subclasses Dataset
        return ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count: Any = None, name: str | None = None) -> "Dataset":
        """The elements `count` times over (forever when `count` is None or -1).

        Example:
            >>> import ember as tf
            >>> ds = tf.data.Dataset.range(2)
            >>> [int(x) for x in ds.repeat(2)], int(ds.repeat().cardinality())
            ([0, 1, 0, 1], -1)
        """
        from .ordering import RepeatDataset  # cycle: ordering subclasses Dataset
        return RepeatDataset(self, count)

    def take(self, count: Any, name: str | None = None) -> "Dataset":
        """The first `count` elements (all of them when `count` is -1).

        Example:
            >>> import ember as tf
            >>> [int(x) for x in tf.data.Dataset.range(10).take(3)]
            [0, 1, 2]
        """
        from .ordering import TakeDataset  # cycle: ordering subclasses Dataset
        return TakeDataset(self, count)

    def skip(self, count: Any, name: str | None = None) -> "Dataset":
        """All but the first `count` elements (none when `count` is -1).

        Example:
            >>> import ember as tf
            >>> [int(x) for x in tf.data.Dataset.range(5).skip(3)]
            [3, 4]
        """
        from .ordering import SkipDataset  # cycle: ordering subclasses Dataset
        return SkipDataset(self, count)

    def shard(self, num_shards: Any, index: Any, name: str | None = None) -> "Dataset":
        """Every `num_shards`-th element, starting with element `index`.

        Example:
            >>> import ember as tf
            >>> [int(x) for x in tf.data.Dataset.range(7).shard(3, 1)]
            [1, 4]
        """
        from .ordering import ShardDataset  # cycle: ordering subclasses Dataset
        return ShardDataset(self, num_shards, index)

    def cache(self, filename: str = "", name: str | None = None) -> "Dataset":
        """Remembers the elements of the first complete iteration in memory and replays
        them afterwards (so `map` functions before it run once, and a `shuffle` before it
        keeps its first order). Files are not supported.

        Example:
            >>> import ember as tf
            >>> calls = []
            >>> ds = tf.data.Dataset.range(3).map(lambda x: calls.append(1) or x).cache()
            >>> n = len(calls)  # the trace for element_spec
            >>> _ = list(ds), list(ds)
            >>> len(calls) - n
            3
        """
        from .ordering import CacheDataset  # cycle: ordering subclasses Dataset
        return CacheDataset(self, filename)

    def prefetch(self, buffer_size: Any, name: str | None = None) -> "Dataset":
        """The same elements, prepared by a background thread up to `buffer_size` ahead
        of the consumer (`tf.data.AUTOTUNE`: 2), so the pipeline's work (maps, reads)
        overlaps the training step. `buffer_size=0` prefetches nothing.

        Example:
            >>> import ember as tf
            >>> ds = tf.data.Dataset.range(3).map(lambda x: x * 2).prefetch(tf.data.AUTOTUNE)
            >>> [int(x) for x in ds]
            [0, 2, 4]
        """
        # cycle: ordering subclasses Dataset
        from .ordering import PassThroughDataset, PrefetchDataset
        n = as_int(buffer_size, "prefetch", "buffer_size")
        if n < 0 and n != AUTOTUNE:
            raise InvalidArgumentError(f"prefetch: buffer_size must be >= 0 or "
                                       f"tf.data.AUTOTUNE (-1), received {n}.")
        if n == 0:
            return PassThroughDataset(self, "_PrefetchDataset")
        return PrefetchDataset(self, n)

    # -- not supported ---------------------------------------------------------------------
    def window(self, size: Any, shift: Any = None, stride: int = 1,
               drop_remainder: bool = False, name: str | None = None) -> "Dataset":
        """Not supported by ember (datasets of datasets); `batch` after a `map` that
        slices, or `Dataset.zip` of shifted `skip`s, build sliding windows.

        Example:
            >>> import ember as tf
            >>> tf.data.Dataset.range(3).window(2)
            Traceback (most recent call last):
            ...
            NotImplementedError: Dataset.window is not supported by ember (its elements would be datasets). For sliding windows, zip shifted copies: Dataset.zip(tuple(ds.skip(i) for i in range(size))).
        """
        raise NotImplementedError(
            "Dataset.window is not supported by ember (its elements would be datasets). "
            "For sliding windows, zip shifted copies: "
            "Dataset.zip(tuple(ds.skip(i) for i in range(size))).")

    def rebatch(self, batch_size: Any, drop_remainder: bool = False,
                name: str | None = None) -> "Dataset":
        """Not supported by ember; use `unbatch().batch(batch_size)`.

        Example:
            >>> import ember as tf
            >>> tf.data.Dataset.range(3).rebatch(2)
            Traceback (most recent call last):
            ...
            NotImplementedError: Dataset.rebatch is not supported by ember; use .unbatch().batch(batch_size, drop_remainder) instead.
        """
        raise NotImplementedError("Dataset.rebatch is not supported by ember; use "
                                  ".unbatch().batch(batch_size, drop_remainder) instead.")

    def group_by_window(self, key_func: Callable, reduce_func: Callable,
                        window_size: Any = None, window_size_func: Any = None,
                        name: str | None = None) -> "Dataset":
        """Not supported by ember.

        Example:
            >>> import ember as tf
            >>> tf.data.Dataset.range(3).group_by_window(None, None, 2)
            Traceback (most recent call last):
            ...
            NotImplementedError: Dataset.group_by_window / bucket_by_sequence_length are not supported by ember; sort or bucket the data in Python, then use padded_batch.
        """
        raise NotImplementedError(
            "Dataset.group_by_window / bucket_by_sequence_length are not supported by "
            "ember; sort or bucket the data in Python, then use padded_batch.")

    def bucket_by_sequence_length(self, *args: Any, **kwargs: Any) -> "Dataset":
        """Not supported by ember; see `group_by_window`.

        Example:
            >>> import ember as tf
            >>> tf.data.Dataset.range(3).bucket_by_sequence_length(len, [2], [1, 1])
            Traceback (most recent call last):
            ...
            NotImplementedError: Dataset.group_by_window / bucket_by_sequence_length are not supported by ember; sort or bucket the data in Python, then use padded_batch.
        """
        return self.group_by_window(None, None)

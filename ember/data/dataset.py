"""`ember.data.Dataset`: TF's `tf.data.Dataset`, in memory, single-threaded, eager.

A dataset is a recipe: iterating it (`for x in ds`, `iter(ds)`) runs the pipeline from
the start, so every epoch of `model.fit(ds)` sees all the data (reshuffled when a
`shuffle` asks for it). Elements are Tensors, or tuples and dicts of them.

Datasets that can read any element by index (`from_tensor_slices`, `range`,
`from_tensors`, and `zip` / `enumerate` of those) pass indices, not elements, through
`shuffle`, `repeat`, `take`, `skip`, `shard`, `cache`, `prefetch` and `filter`, so `batch`
gathers a whole batch with one NumPy indexing per component instead of stacking elements
one by one. The order of the elements (and the use of the random seeds) is the same
either way.

Example:
    >>> import ember as tf
    >>> ds = tf.data.Dataset.from_tensor_slices(([1, 2, 3], [4.0, 5.0, 6.0])).batch(2)
    >>> [(x.numpy().tolist(), y.numpy().tolist()) for x, y in ds]
    [([1, 2], [4.0, 5.0]), ([3], [6.0])]
"""

from __future__ import annotations

from typing import Any, Callable
from typing import Iterator as _PyIterator

from ..core import nest
from ..core.dtypes import int64
from ..core.errors import InvalidArgumentError, OutOfRangeError
from ..prims.convert import constant
from .methods import TransformMethods
from .options import Options
from .structure import (
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    make_packer,
    normalize_output,
    same_structure,
    spec_of,
    to_element,
    to_numpy,
)


class Dataset(TransformMethods):
    """A sequence of elements, built from sources and transformations (`tf.data.Dataset`).

    Don't construct it directly: start from `from_tensor_slices`, `from_tensors`,
    `range`, `from_generator`, `zip` or `random`, then chain transformations (`map`,
    `shuffle`, `batch`, ...). Each returns a new dataset; none changes its input.

    Example:
        >>> import ember as tf
        >>> ds = tf.data.Dataset.range(6).map(lambda x: x * 2).filter(lambda x: x > 2)
        >>> list(ds.as_numpy_iterator())
        [np.int64(4), np.int64(6), np.int64(8), np.int64(10)]
    """

    _is_ember_dataset = True
    _tf_name = "Dataset"  # the class name TF shows in repr (e.g. _BatchDataset)
    _ra_len: int | None = None  # set when elements can be read by index (`_get`, `_gather`)

    def __init__(self, spec: Any = None, cardinality: int = UNKNOWN_CARDINALITY,
                 inputs: tuple = ()):
        self._spec = spec
        self._card = int(cardinality)
        self._inputs = tuple(inputs)
        self._own_options: Any = None

    # -- what each kind of dataset implements ----------------------------------------
    def _compute_spec(self) -> Any:
        raise NotImplementedError(type(self).__name__)

    def _generate(self) -> _PyIterator:
        """The elements of one iteration, one by one."""
        raise NotImplementedError(type(self).__name__)

    def _index_stream(self) -> tuple | None:
        """`(source, indices)`: this iteration's elements as indices into a random-access
        dataset, or None when the elements must be generated."""
        if self._ra_len is None:
            return None
        return self, iter(range(self._ra_len))

    def _get(self, i: int) -> list:
        """The flat NumPy components of element `i` (random-access datasets)."""
        raise NotImplementedError(type(self).__name__)

    def _gather(self, idx: Any) -> list:
        """The flat components of the elements at `idx` (an index array or a slice),
        stacked along a new first axis (random-access datasets)."""
        raise NotImplementedError(type(self).__name__)

    def _elements(self) -> _PyIterator:
        """One iteration's elements, read by index when the pipeline allows it."""
        stream = self._index_stream()
        if stream is None:
            return self._generate()
        source, indices = stream
        pack, get = make_packer(source.element_spec), source._get
        return (pack(get(i)) for i in indices)

    # -- properties ----------------------------------------------------------------------
    @property
    def element_spec(self) -> Any:
        """The structure of `ember.TensorSpec`s of one element (a batch dim is None after
        `batch` unless `drop_remainder=True`).

        Example:
            >>> import ember as tf
            >>> tf.data.Dataset.range(5).batch(2).element_spec
            TensorSpec(shape=(None,), dtype=tf.int64, name=None)
        """
        if self._spec is None:
            self._spec = self._compute_spec()
        return self._spec

    def cardinality(self) -> Any:
        """The number of elements as an int64 scalar tensor; `tf.data.INFINITE_CARDINALITY`
        (-1) for an endless dataset, `tf.data.UNKNOWN_CARDINALITY` (-2) when it can't be
        known without iterating (after `filter`, `from_generator`, `flat_map`, ...).

        Example:
            >>> import ember as tf
            >>> ds = tf.data.Dataset.range(10)
            >>> [int(d.cardinality()) for d in (ds.batch(3), ds.repeat(), ds.filter(lambda x: x > 2))]
            [4, -1, -2]
        """
        return constant(self._card, dtype=int64)

    def __len__(self) -> int:
        """The number of elements; a TypeError when it is infinite or unknown (as TF)."""
        if self._card == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if self._card == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return self._card

    def __bool__(self) -> bool:
        return True  # NOTE: as TF; without this, bool() would call __len__, which may raise

    def __iter__(self) -> "Iterator":
        return Iterator(self)

    def __repr__(self) -> str:
        return f"<{self._tf_name} element_spec={self.element_spec}>"

    # -- options -------------------------------------------------------------------------
    def options(self) -> Any:
        """The `tf.data.Options` of this dataset (merged from its inputs); they have no
        effect in ember.

        Example:
            >>> import ember as tf
            >>> opts = tf.data.Options()
            >>> opts.deterministic = False
            >>> tf.data.Dataset.range(3).with_options(opts).options().deterministic
            False
        """
        out = Options()
        for d in self._inputs:
            out = out.merge(d.options())
        if self._own_options is not None:
            out = out.merge(self._own_options)
        return out

    def with_options(self, options: Any, name: str | None = None) -> "Dataset":
        """The same elements, with `options` recorded (accepted for compatibility; ember
        has no threads or optimizations to configure).

        Example:
            >>> import ember as tf
            >>> len(tf.data.Dataset.range(3).with_options(tf.data.Options()))
            3
        """
        from .ordering import PassThroughDataset  # cycle: ordering subclasses Dataset
        if not isinstance(options, Options):
            raise TypeError(f"with_options: `options` must be a tf.data.Options, received "
                            f"{type(options).__name__}.")
        out = PassThroughDataset(self, "_OptionsDataset")
        out._own_options = options
        return out

    # -- consuming -----------------------------------------------------------------------
    def as_numpy_iterator(self) -> _PyIterator:
        """An iterator over the elements as NumPy values (0-d tensors give NumPy scalars),
        keeping tuples and dicts.

        Example:
            >>> import ember as tf
            >>> list(tf.data.Dataset.from_tensor_slices({"a": [1, 2]}).as_numpy_iterator())
            [{'a': np.int32(1)}, {'a': np.int32(2)}]
        """
        return (to_numpy(e) for e in self._elements())

    def reduce(self, initial_state: Any, reduce_func: Callable) -> Any:
        """Folds the elements into one value: `state = reduce_func(state, element)` for
        each element in order, starting from `initial_state`; the state keeps its
        structure and dtypes. The element is passed as one argument (a tuple stays a
        tuple), as TF does.

        Example:
            >>> import ember as tf
            >>> import numpy as np
            >>> int(tf.data.Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x))
            10
        """
        if not callable(reduce_func):
            raise TypeError(f"reduce: `reduce_func` must be callable, received "
                            f"{reduce_func!r}.")
        state = to_element(initial_state, "reduce", "initial_state")
        spec0 = spec_of(state)
        for element in self._elements():
            new = normalize_output(reduce_func(state, element), "reduce")
            spec = spec_of(new)
            if not same_structure(spec, spec0) or any(
                    a.dtype != b.dtype for a, b in zip(_leaves(spec), _leaves(spec0))):
                raise TypeError(f"reduce: the new state must have the structure and dtypes "
                                f"of the initial state, {spec0}; `reduce_func` returned "
                                f"{spec}. Cast the result, or give initial_state the dtype "
                                f"of the elements (e.g. np.int64(0) for Dataset.range).")
            state = new
        return state

    def get_single_element(self, name: str | None = None) -> Any:
        """The one element of a dataset that has exactly one (else InvalidArgumentError).

        Example:
            >>> import ember as tf
            >>> int(tf.data.Dataset.range(1).get_single_element())
            0
        """
        it = self._elements()
        for first in it:
            for _ in it:
                raise InvalidArgumentError("get_single_element: Dataset had more than one "
                                           "element.")
            return first
        raise InvalidArgumentError("get_single_element: Dataset was empty.")

    # -- sources ---------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any, name: str | None = None) -> "Dataset":
        """One element per slice along the first axis of `tensors` (a tensor, array,
        Python list, or a tuple/dict of them, all with the same first dimension).

        Python lists of floats give float32, of ints int32; NumPy arrays keep their dtype
        (float64 stays float64). The data is copied, as TF does.

        Example:
            >>> import ember as tf
            >>> ds = tf.data.Dataset.from_tensor_slices(([[1, 2], [3, 4]], [0.5, 1.5]))
            >>> ds.element_spec
            (TensorSpec(shape=(2,), dtype=tf.int32, name=None), TensorSpec(shape=(), dtype=tf.float32, name=None))
            >>> [(a.numpy().tolist(), float(b)) for a, b in ds]
            [([1, 2], 0.5), ([3, 4], 1.5)]
        """
        from .sources import TensorSliceDataset  # cycle: sources subclasses Dataset
        return TensorSliceDataset(tensors)

    @staticmethod
    def from_tensors(tensors: Any, name: str | None = None) -> "Dataset":
        """A dataset of one element, `tensors` (a tensor or a tuple/dict of them).

        Example:
            >>> import ember as tf
            >>> ds = tf.data.Dataset.from_tensors([1, 2, 3])
            >>> ds.element_spec, len(ds)
            (TensorSpec(shape=(3,), dtype=tf.int32, name=None), 1)
        """
        from .sources import TensorDataset  # cycle: sources subclasses Dataset
        return TensorDataset(tensors)

    @staticmethod
    def range(*args: Any, output_type: Any = int64, name: str | None = None,
              **kwargs: Any) -> "Dataset":
        """Like Python's `range(stop)` / `range(start, stop[, step])`, as scalar tensors
        of `output_type` (int64 by default).

        Example:
            >>> import ember as tf
            >>> list(tf.data.Dataset.range(2, 10, 3).as_numpy_iterator())
            [np.int64(2), np.int64(5), np.int64(8)]
        """
        from .sources import RangeDataset  # cycle: sources subclasses Dataset
        if kwargs:
            raise TypeError(f"range: unexpected keyword argument(s) {sorted(kwargs)}; the "
                            f"dtype of the elements is set with output_type=, e.g. "
                            f"Dataset.range(10, output_type=tf.int32).")
        return RangeDataset(args, output_type)

    @staticmethod
    def counter(start: int = 0, step: int = 1, dtype: Any = int64,
                name: str | None = None) -> "Dataset":
        """An endless dataset counting `start, start + step, ...`.

        Example:
            >>> import ember as tf
            >>> list(tf.data.Dataset.counter(5).take(3).as_numpy_iterator())
            [np.int64(5), np.int64(6), np.int64(7)]
        """
        from .sources import RangeDataset  # cycle: sources subclasses Dataset
        return RangeDataset((start, None, step), dtype, what="counter")

    @staticmethod
    def from_generator(generator: Callable, output_types: Any = None,
                       output_shapes: Any = None, args: Any = None,
                       output_signature: Any = None, name: str | None = None) -> "Dataset":
        """Elements yielded by `generator()` (called anew at each iteration), converted to
        `output_signature` (a structure of `ember.TensorSpec`); the older
        `output_types` (+ `output_shapes`) is accepted too. A yielded value of the wrong
        shape or of a dtype that would lose information raises TypeError.

        `args` are passed to `generator` as NumPy values. The cardinality is unknown.

        Example:
            >>> import ember as tf
            >>> def gen():
            ...     for i in range(3):
            ...         yield i, [1.0] * i
            >>> sig = (tf.TensorSpec([], tf.int32), tf.TensorSpec([None], tf.float32))
            >>> ds = tf.data.Dataset.from_generator(gen, output_signature=sig)
            >>> [b.shape.as_list() for a, b in ds]
            [[0], [1], [2]]
        """
        from .sources import GeneratorDataset  # cycle: sources subclasses Dataset
        return GeneratorDataset(generator, output_types, output_shapes, args,
                                output_signature)

    @staticmethod
    def zip(*args: Any, datasets: Any = None, name: str | None = None) -> "Dataset":
        """Elements of several datasets side by side: `zip(a, b)` or `zip((a, b))` gives
        `(a_i, b_i)`, `zip({"x": a, "y": b})` gives dicts; it stops with the shortest.

        Example:
            >>> import ember as tf
            >>> a, b = tf.data.Dataset.range(3), tf.data.Dataset.range(10, 15)
            >>> [(int(x), int(y)) for x, y in tf.data.Dataset.zip(a, b)]
            [(0, 10), (1, 11), (2, 12)]
        """
        from .sources import ZipDataset  # cycle: sources subclasses Dataset
        if datasets is not None:
            if args:
                raise TypeError("zip: pass the datasets either positionally or as "
                                "`datasets=`, not both.")
            structure = datasets
        elif not args:
            raise TypeError("zip: expected at least one dataset (zip(a, b) or "
                            "zip((a, b))).")
        else:
            structure = args[0] if len(args) == 1 else tuple(args)
        return ZipDataset(structure)

    @staticmethod
    def random(seed: Any = None, rerandomize_each_iteration: bool | None = None,
               name: str | None = None) -> "Dataset":
        """An endless dataset of random int64 scalars in [0, 2**63 - 1). With
        `rerandomize_each_iteration=False` (the default) each iteration repeats the same
        numbers; with True each iteration draws new ones.

        Example:
            >>> import ember as tf
            >>> ds = tf.data.Dataset.random(seed=4).take(3)
            >>> list(ds.as_numpy_iterator()) == list(ds.as_numpy_iterator())
            True
        """
        from .sources import RandomDataset  # cycle: sources subclasses Dataset
        return RandomDataset(seed, bool(rerandomize_each_iteration))

    @staticmethod
    def sample_from_datasets(datasets: Any, weights: Any = None, seed: Any = None,
                             stop_on_empty_dataset: bool = False,
                             rerandomize_each_iteration: Any = None) -> "Dataset":
        """Elements drawn at random from `datasets`, each with probability proportional
        to its weight (equal by default). An exhausted dataset drops out, or ends the
        result when `stop_on_empty_dataset`.

        Example:
            >>> import ember as tf
            >>> a, b = tf.data.Dataset.range(5), tf.data.Dataset.range(100, 105)
            >>> xs = sorted(int(x) for x in tf.data.Dataset.sample_from_datasets([a, b], seed=1))
            >>> xs == list(range(5)) + list(range(100, 105))
            True
        """
        from .sampling import SampleDataset  # cycle: sampling subclasses Dataset
        return SampleDataset(datasets, weights, seed, stop_on_empty_dataset,
                             rerandomize_each_iteration)

    @staticmethod
    def choose_from_datasets(datasets: Any, choice_dataset: Any,
                             stop_on_empty_dataset: bool = True) -> "Dataset":
        """Element i is the next element of `datasets[c]`, where c is element i of
        `choice_dataset` (int64 scalars).

        Example:
            >>> import ember as tf
            >>> a, b = tf.data.Dataset.range(3), tf.data.Dataset.range(10, 13)
            >>> c = tf.data.Dataset.range(2).repeat(2)
            >>> [int(x) for x in tf.data.Dataset.choose_from_datasets([a, b], c)]
            [0, 10, 1, 11]
        """
        from .sampling import ChooseDataset  # cycle: sampling subclasses Dataset
        return ChooseDataset(datasets, choice_dataset, stop_on_empty_dataset)

    @staticmethod
    def list_files(file_pattern: Any, shuffle: Any = None, seed: Any = None,
                   name: str | None = None) -> "Dataset":
        """The file names matching a glob pattern (or a list of patterns), as scalar
        strings: shuffled anew each iteration unless `shuffle=False` (then sorted). No
        match raises InvalidArgumentError. See `ember.data.readers.list_files`.

        Example:
            >>> import os, tempfile, ember as tf
            >>> d = tempfile.mkdtemp()
            >>> open(os.path.join(d, "x.txt"), "w").close()
            >>> len(tf.data.Dataset.list_files(os.path.join(d, "*.txt")))
            1
        """
        from .readers import list_files  # cycle: readers subclasses Dataset
        return list_files(file_pattern, shuffle, seed)

    @staticmethod
    def load(path: Any, element_spec: Any = None, compression: Any = None,
             reader_func: Any = None) -> "Dataset":
        """Not supported (ember has no on-disk dataset format).

        Example:
            >>> import ember as tf
            >>> tf.data.Dataset.load("x")
            Traceback (most recent call last):
            ...
            NotImplementedError: Dataset.load / Dataset.save are not supported by ember; save the arrays with numpy.save and rebuild the dataset with from_tensor_slices.
        """
        raise NotImplementedError(
            "Dataset.load / Dataset.save are not supported by ember; save the arrays with "
            "numpy.save and rebuild the dataset with from_tensor_slices.")

    def save(self, path: Any, compression: Any = None, shard_func: Any = None,
             checkpoint_args: Any = None) -> None:
        """Not supported; see `Dataset.load`.

        Example:
            >>> import ember as tf
            >>> tf.data.Dataset.range(2).save("x")
            Traceback (most recent call last):
            ...
            NotImplementedError: Dataset.load / Dataset.save are not supported by ember; save the arrays with numpy.save and rebuild the dataset with from_tensor_slices.
        """
        Dataset.load(path)


def _leaves(spec: Any) -> list:
    return [spec] if not nest.is_nested(spec) else nest.flatten(spec)


class Iterator:
    """One pass over a dataset (`iter(dataset)`): `next(it)` or `it.get_next()`.

    Example:
        >>> import ember as tf
        >>> it = iter(tf.data.Dataset.range(2))
        >>> int(next(it)), int(it.get_next())
        (0, 1)
    """

    def __init__(self, dataset: Dataset):
        self._dataset = dataset
        self._it = dataset._elements()

    @property
    def element_spec(self) -> Any:
        return self._dataset.element_spec

    def __iter__(self) -> "Iterator":
        return self

    def __next__(self) -> Any:
        return next(self._it)

    def get_next(self) -> Any:
        """The next element; OutOfRangeError at the end (as TF's `get_next`)."""
        try:
            return next(self._it)
        except StopIteration:
            raise OutOfRangeError("End of sequence") from None

    def __repr__(self) -> str:
        return f"<Iterator element_spec={self.element_spec}>"

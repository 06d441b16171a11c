"""`tf.data.experimental`: the names of TF's experimental namespace that ember has.

Example:
    >>> import ember as tf
    >>> ds = tf.data.Dataset.range(4).filter(lambda x: x > 0)
    >>> int(tf.data.experimental.cardinality(ds)) == tf.data.experimental.UNKNOWN_CARDINALITY
    True
"""

from __future__ import annotations

from typing import Any, Callable

from .csv_dataset import make_csv_dataset
from .dataset import Dataset
from .ordering import AssertCardinalityDataset
from .readers import CsvDataset
from .structure import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY


def cardinality(dataset: Any) -> Any:
    """`dataset.cardinality()`: an int64 scalar tensor (-1 infinite, -2 unknown).

    Example:
        >>> import ember as tf
        >>> int(tf.data.experimental.cardinality(tf.data.Dataset.range(3)))
        3
    """
    return dataset.cardinality()


def assert_cardinality(expected_cardinality: Any) -> Callable:
    """A transformation (for `Dataset.apply`) declaring the number of elements: the
    result reports it as its cardinality, and iterating raises if the count differs.

    Example:
        >>> import ember as tf
        >>> ds = tf.data.Dataset.range(4).filter(lambda x: x < 2)
        >>> len(ds.apply(tf.data.experimental.assert_cardinality(2)))
        2
    """
    return lambda dataset: AssertCardinalityDataset(dataset, expected_cardinality)


def sample_from_datasets(datasets: Any, weights: Any = None, seed: Any = None,
                         stop_on_empty_dataset: bool = False) -> Any:
    """See `Dataset.sample_from_datasets`.

    Example:
        >>> import ember as tf
        >>> ds = tf.data.experimental.sample_from_datasets([tf.data.Dataset.range(2)])
        >>> [int(x) for x in ds]
        [0, 1]
    """
    return Dataset.sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)


def choose_from_datasets(datasets: Any, choice_dataset: Any,
                         stop_on_empty_dataset: bool = True) -> Any:
    """See `Dataset.choose_from_datasets`.

    Example:
        >>> import ember as tf
        >>> d = tf.data.Dataset.range(3)
        >>> [int(x) for x in tf.data.experimental.choose_from_datasets([d], tf.data.Dataset.range(1).repeat(2))]
        [0, 1]
    """
    return Dataset.choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)


def enable_debug_mode() -> None:
    """No-op: ember already runs dataset functions eagerly, element by element, in order.

    Example:
        >>> import ember as tf
        >>> tf.data.experimental.enable_debug_mode()
    """


__all__ = ["CsvDataset", "make_csv_dataset", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "cardinality",
           "assert_cardinality", "sample_from_datasets", "choose_from_datasets",
           "enable_debug_mode"]

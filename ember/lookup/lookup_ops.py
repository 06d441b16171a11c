"""`tf.lookup`: immutable hash tables from keys to values.

A table is built eagerly from an initializer (`KeyValueTensorInitializer`, or
`TextFileInitializer` for a vocabulary file) and holds its keys sorted, as constant
tensors; `lookup` binds one primitive (`lookup_table_find`), so it runs eagerly, inside
`ember.function` and in dataset `map`s. Keys are strings or int32/int64 integers; a
RaggedTensor of keys gives a RaggedTensor of values with the same rows.

`StaticVocabularyTable` gives out-of-vocabulary keys the ids `vocab_size + b`, where b
is the key's FarmHash Fingerprint64 bucket (`tf.strings.to_hash_bucket_fast`, integer
keys formatted with `as_string` first), as TF.

Example:
    >>> import ember as tf
    >>> init = tf.lookup.KeyValueTensorInitializer(["emerson", "lake", "palmer"],
    ...                                            tf.constant([0, 1, 2], tf.int64))
    >>> table = tf.lookup.StaticVocabularyTable(init, num_oov_buckets=5)
    >>> table.lookup(tf.constant(["emerson", "lake", "palmer", "king", "crimson"])).numpy()
    array([0, 1, 2, 6, 7])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import DType, as_dtype, int32, int64, string
from ..core.errors import InvalidArgumentError
from ..core.registry import bind
from ..core.tensor import ConcreteTensor, TensorOps, wrap
from ..ops import math_ops as M
from ..ops.string_ops import as_string
from ..ops.text_ops import to_hash_bucket_fast
from ..prims.convert import cast, convert_to_tensor
from ..prims.strings import table_find_p
from ..ragged.ragged_tensor import RaggedTensor

__all__ = ["TextFileIndex", "KeyValueTensorInitializer", "TextFileInitializer",
           "StaticHashTable", "StaticVocabularyTable"]

_KEY_DTYPES = (string, int32, int64)


class TextFileIndex:
    """Which part of a vocabulary file's line is the key or value: a column number, the
    whole line, or the line number."""

    WHOLE_LINE = -2
    LINE_NUMBER = -1


def _concrete(x: Any, dtype: Any, what: str) -> ConcreteTensor:
    t = x if isinstance(x, TensorOps) else convert_to_tensor(
        x, dtype=None if dtype is None else as_dtype(dtype))
    if not isinstance(t, ConcreteTensor):
        raise TypeError(f"{what}: ember builds lookup tables from concrete values; create "
                        f"the table outside ember.function (as a constant).")
    if dtype is not None and t.dtype != as_dtype(dtype):
        if t.dtype == string or as_dtype(dtype) == string:
            raise TypeError(f"{what}: the tensor is {t.dtype.name} but "
                            f"{as_dtype(dtype).name} was asked for.")
        t = cast(t, dtype)
    return t


class KeyValueTensorInitializer:
    """A table's contents from a tensor of keys and a tensor of values (1-D, one value
    per key).

    Example:
        >>> import ember as tf
        >>> init = tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2])
        >>> init.key_dtype, init.value_dtype
        (tf.string, tf.int32)
    """

    def __init__(self, keys: Any, values: Any, key_dtype: Any = None, value_dtype: Any = None,
                 name: str | None = None):
        what = "KeyValueTensorInitializer"
        self._keys = _concrete(keys, key_dtype, what)
        self._values = _concrete(values, value_dtype, what)
        for t, arg in ((self._keys, "keys"), (self._values, "values")):
            if t.shape.rank != 1:
                raise ValueError(f"{what}: {arg} must be 1-D, received shape {list(t.shape)}.")
        if self._keys.shape[0] != self._values.shape[0]:
            raise ValueError(f"{what}: {self._keys.shape[0]} keys but "
                             f"{self._values.shape[0]} values; pass one value per key.")

    @property
    def key_dtype(self) -> DType:
        return self._keys.dtype

    @property
    def value_dtype(self) -> DType:
        return self._values.dtype

    def _arrays(self) -> tuple:
        return self._keys._value, self._values._value


def _line_part(line: bytes, number: int, index: int, dtype: DType, delimiter: bytes,
               where: str) -> Any:
    if index == TextFileIndex.LINE_NUMBER:
        return number
    if index == TextFileIndex.WHOLE_LINE:
        text = line
    else:
        cols = line.split(delimiter)
        if index >= len(cols):
            raise InvalidArgumentError(f"TextFileInitializer: {where} has {len(cols)} "
                                       f"columns, column {index} was asked for.")
        text = cols[index]
    if dtype == string:
        return text
    try:
        return float(text) if dtype.is_floating else int(text)
    except ValueError:
        raise InvalidArgumentError(f"TextFileInitializer: {where}: {text!r} is not a "
                                   f"{dtype.name}.") from None


class TextFileInitializer(KeyValueTensorInitializer):
    """A table's contents from a text file, one entry per line: the key and value are a
    column (split at `delimiter`), the whole line (`TextFileIndex.WHOLE_LINE`) or the
    line number (`TextFileIndex.LINE_NUMBER`).

    Example:
        >>> import os, tempfile, ember as tf
        >>> path = os.path.join(tempfile.mkdtemp(), "vocab.txt")
        >>> _ = open(path, "w").write("emerson\\nlake\\npalmer\\n")
        >>> index = tf.lookup.TextFileIndex
        >>> init = tf.lookup.TextFileInitializer(path, tf.string, index.WHOLE_LINE,
        ...                                      tf.int64, index.LINE_NUMBER)
        >>> tf.lookup.StaticHashTable(init, -1).lookup(tf.constant(["lake", "x"])).numpy()
        array([ 1, -1])
    """

    def __init__(self, filename: Any, key_dtype: Any, key_index: int, value_dtype: Any,
                 value_index: int, vocab_size: int | None = None, delimiter: str = "\t",
                 name: str | None = None, value_index_offset: int = 0):
        what = "TextFileInitializer"
        kd, vd = as_dtype(key_dtype), as_dtype(value_dtype)
        for index, dt, arg in ((key_index, kd, "key"), (value_index, vd, "value")):
            if index < -2:
                raise ValueError(f"{what}: {arg}_index must be >= -2, received {index}.")
            if index == TextFileIndex.LINE_NUMBER and not dt.is_integer:
                raise ValueError(f"{what}: {arg}_index LINE_NUMBER needs an integer "
                                 f"{arg}_dtype, received {dt.name}.")
            if index == TextFileIndex.WHOLE_LINE and dt != string and not dt.is_integer:
                raise ValueError(f"{what}: {arg}_index WHOLE_LINE needs a string or integer "
                                 f"{arg}_dtype, received {dt.name}.")
        path = filename.numpy().decode() if isinstance(filename, ConcreteTensor) \
            else str(filename)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise InvalidArgumentError(f"{what}: can't read the vocabulary file {path!r}: "
                                       f"{e.strerror}.") from None
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
        if vocab_size is not None:
            if len(lines) < vocab_size:
                raise InvalidArgumentError(f"{what}: vocab_size is {vocab_size} but "
                                           f"{path!r} has only {len(lines)} lines.")
            lines = lines[:vocab_size]
        sep = delimiter.encode() if isinstance(delimiter, str) else bytes(delimiter)
        keys = [_line_part(ln, i, key_index, kd, sep, f"line {i + 1} of {path!r}")
                for i, ln in enumerate(lines)]
        vals = [_line_part(ln, i + value_index_offset if value_index == -1 else i,
                           value_index, vd, sep, f"line {i + 1} of {path!r}")
                for i, ln in enumerate(lines)]
        super().__init__(_array(keys, kd), _array(vals, vd), kd, vd)
        self.filename = path


def _array(items: list, dtype: DType) -> Any:
    if dtype == string:
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return wrap(out)
    return wrap(np.asarray(items, dtype=dtype._numpy()).reshape(len(items)))


class StaticHashTable:
    """An immutable table from keys to values; missing keys give `default_value`.

    Example:
        >>> import ember as tf
        >>> keys, values = tf.constant([1, 2, 3], tf.int64), tf.constant(["a", "b", "c"])
        >>> table = tf.lookup.StaticHashTable(
        ...     tf.lookup.KeyValueTensorInitializer(keys, values), default_value="?")
        >>> table.lookup(tf.constant([3, 9], tf.int64)).numpy(), int(table.size())
        (array([b'c', b'?'], dtype=object), 3)
    """

    def __init__(self, initializer: Any, default_value: Any, name: str | None = None,
                 experimental_is_anonymous: bool = False):
        what = "StaticHashTable"
        if not isinstance(initializer, KeyValueTensorInitializer):
            raise TypeError(f"{what}: initializer must be a tf.lookup.KeyValueTensorInitializer "
                            f"or TextFileInitializer, received {type(initializer).__name__}.")
        keys, values = initializer._arrays()
        if initializer.key_dtype not in _KEY_DTYPES:
            raise TypeError(f"{what}: keys must be string, int32 or int64, received "
                            f"{initializer.key_dtype.name}.")
        self._key_dtype, self._value_dtype = initializer.key_dtype, initializer.value_dtype
        try:
            self._default = convert_to_tensor(default_value, dtype=self._value_dtype)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{what}: default_value must be a {self._value_dtype.name} "
                            f"scalar like the table's values: {e}") from None
        if self._default.shape.rank != 0:
            raise ValueError(f"{what}: default_value must be a scalar, received shape "
                             f"{list(self._default.shape)}.")
        order = np.argsort(keys, kind="stable")
        keys, values = keys[order], values[order]
        if keys.size > 1:
            same = np.asarray(keys[1:] == keys[:-1], dtype=bool)
            if np.any(same):
                clash = same & np.asarray(values[1:] != values[:-1], dtype=bool)
                if np.any(clash):
                    k = keys[1:][clash][0]
                    raise InvalidArgumentError(f"{what}: the key {k!r} appears twice with "
                                               f"different values.")
                keep = np.concatenate([[True], ~same])
                keys, values = keys[keep], values[keep]
        self._keys, self._values = wrap(keys), wrap(values)
        self.name = name or "hash_table"

    @property
    def key_dtype(self) -> DType:
        return self._key_dtype

    @property
    def value_dtype(self) -> DType:
        return self._value_dtype

    @property
    def default_value(self) -> Any:
        return self._default

    def size(self, name: str | None = None) -> Any:
        """The number of entries, as an int64 scalar."""
        return convert_to_tensor(self._keys.shape[0], dtype=int64)

    def _keys_tensor(self, keys: Any, op: str) -> Any:
        k = keys if isinstance(keys, TensorOps) else convert_to_tensor(
            keys, dtype=self._key_dtype if not isinstance(keys, np.ndarray) else None)
        if k.dtype != self._key_dtype:
            if k.dtype.is_integer and self._key_dtype.is_integer:
                return cast(k, self._key_dtype)
            raise TypeError(f"{op}: the keys are {k.dtype.name} but the table's keys are "
                            f"{self._key_dtype.name}; convert them first (tf.strings."
                            f"as_string for numbers, tf.strings.to_number for strings).")
        return k

    def lookup(self, keys: Any, name: str | None = None) -> Any:
        """The value of each key (`default_value` for missing ones), in the keys' shape;
        a RaggedTensor of keys gives a RaggedTensor.

        Example:
            >>> import ember as tf
            >>> table = tf.lookup.StaticHashTable(
            ...     tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2]), -1)
            >>> table.lookup(tf.ragged.constant([["a", "z"], ["b"]])).to_list()
            [[1, -1], [2]]
        """
        if isinstance(keys, RaggedTensor):
            return keys.with_values(self.lookup(keys.values))
        k = self._keys_tensor(keys, "StaticHashTable.lookup")
        return bind(table_find_p, k, self._keys, self._values, self._default)

    __getitem__ = lookup

    def export(self, name: str | None = None) -> tuple:
        """(keys, values): the table's contents as two 1-D tensors (keys sorted)."""
        return self._keys, self._values


class StaticVocabularyTable:
    """A table from keys to int64 ids: the initializer's ids for known keys, and
    `vocab_size + bucket` for the others, where the bucket is the key's
    `to_hash_bucket_fast(key, num_oov_buckets)` (FarmHash Fingerprint64, as TF).

    Example:
        >>> import ember as tf
        >>> table = tf.lookup.StaticVocabularyTable(None, num_oov_buckets=3)
        >>> table.lookup(tf.constant(["Hello", "TensorFlow", "2.x"])).numpy(), int(table.size())
        (array([0, 2, 2]), 3)
    """

    def __init__(self, initializer: Any, num_oov_buckets: int, lookup_key_dtype: Any = None,
                 name: str | None = None, experimental_is_anonymous: bool = False):
        what = "StaticVocabularyTable"
        if isinstance(num_oov_buckets, bool) or not isinstance(num_oov_buckets, (int, np.integer)) \
                or num_oov_buckets <= 0:
            raise ValueError(f"{what}: num_oov_buckets must be an int > 0, received "
                             f"{num_oov_buckets!r}.")
        self._oov = int(num_oov_buckets)
        self._table = None
        key_dtype = string
        if initializer is not None:
            if initializer.value_dtype != int64:
                raise TypeError(f"{what}: the initializer's values must be int64 ids, "
                                f"received {initializer.value_dtype.name}.")
            self._table = StaticHashTable(initializer, convert_to_tensor(-1, dtype=int64))
            key_dtype = self._table.key_dtype
        self._key_dtype = key_dtype
        self._lookup_dtype = as_dtype(lookup_key_dtype) if lookup_key_dtype is not None \
            else key_dtype
        self.name = name or "vocabulary_table"

    @property
    def key_dtype(self) -> DType:
        return self._lookup_dtype

    @property
    def value_dtype(self) -> DType:
        return int64

    def size(self, name: str | None = None) -> Any:
        """The vocabulary size plus num_oov_buckets, as an int64 scalar."""
        n = 0 if self._table is None else int(self._table.size())
        return convert_to_tensor(n + self._oov, dtype=int64)

    def lookup(self, keys: Any, name: str | None = None) -> Any:
        """The id of each key (known keys: their id; others: vocab_size + hash bucket).

        Example:
            >>> import ember as tf
            >>> ids = tf.constant([0, 1], tf.int64)
            >>> init = tf.lookup.KeyValueTensorInitializer(["a", "b"], ids)
            >>> tf.lookup.StaticVocabularyTable(init, 2).lookup(tf.constant(["b", "a"])).numpy()
            array([1, 0])
        """
        if isinstance(keys, RaggedTensor):
            return keys.with_values(self.lookup(keys.values))
        op = "StaticVocabularyTable.lookup"
        k = keys if isinstance(keys, TensorOps) else convert_to_tensor(
            keys, dtype=self._lookup_dtype if not isinstance(keys, np.ndarray) else None)
        if k.dtype == string:
            if self._key_dtype != string:
                raise TypeError(f"{op}: the keys are strings but the table's keys are "
                                f"{self._key_dtype.name}.")
            text = k
        elif k.dtype.is_integer:
            if self._key_dtype == string:
                raise TypeError(f"{op}: the keys are {k.dtype.name} but the table's keys are "
                                f"strings; format them with tf.strings.as_string first.")
            k = cast(k, self._key_dtype) if k.dtype != self._key_dtype else k
            text = as_string(k)
        else:
            raise TypeError(f"{op}: keys must be strings or integers, received "
                            f"{k.dtype.name}.")
        buckets = to_hash_bucket_fast(text, self._oov)
        if self._table is None:
            return buckets
        ids = self._table.lookup(k)
        buckets = M.add(buckets, self._table.size())
        return M.where(M.not_equal(ids, convert_to_tensor(-1, dtype=int64)), ids, buckets)

    __getitem__ = lookup

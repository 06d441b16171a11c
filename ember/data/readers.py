"""Datasets that read files: TextLineDataset, TFRecordDataset, CsvDataset, list_files.

Files are read lazily, one record at a time, when the dataset is iterated, so data larger
than memory streams through. `filenames` is a path, a list of paths, a string tensor or a
dataset of file names (e.g. `Dataset.list_files`). With `num_parallel_reads` N > 1 the
files are read N at a time, one record from each in turn (TF's deterministic order);
ember reads them in the caller's thread. The cardinality is unknown.

Example:
    >>> import os, tempfile, ember as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "lines.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("header\\nfirst\\nsecond\\n")
    >>> [x.numpy() for x in tf.data.TextLineDataset(path).skip(1)]
    [b'first', b'second']
"""

from __future__ import annotations

import os
from typing import Any, Iterator

import numpy as np

# NOTE: the pipeline runs eagerly outside any trace and works on NumPy values, as the rest
# of ember.data; CSV lines are decoded in chunks with decode_csv's kernel directly.
from ..backend.numpy.records import decode_csv as _decode_csv_kernel
from ..backend.numpy.records import split_csv
from ..core.dtypes import as_dtype, string
from ..core.errors import InvalidArgumentError, NotFoundError
from ..core.shape import TensorSpec
from ..core.tensor import TensorOps, wrap
from ..io.gfile import glob
from ..io.parsing import _csv_default
from ..io.tfrecord import compression_of, open_stream, read_records
from .dataset import Dataset
from .sources import TensorSliceDataset
from .structure import UNKNOWN_CARDINALITY, _is_dataset


def _scalar(value: bytes) -> Any:
    arr = np.empty((), dtype=object)
    arr[()] = value
    return wrap(arr)


def _decode_name(x: Any) -> str:
    if isinstance(x, bytes):
        return x.decode("utf-8")
    return os.fspath(x)


class _FileDataset(Dataset):
    """A dataset reading records from each file of `filenames` in turn."""

    _what = "Dataset"

    def __init__(self, filenames: Any, compression_type: Any, num_parallel_reads: Any,
                 spec: Any):
        self._kind = compression_of(compression_type, self._what)
        if _is_dataset(filenames):
            es = filenames.element_spec
            if not isinstance(es, TensorSpec) or es.dtype != string or es.shape.rank != 0:
                raise TypeError(f"{self._what}: a dataset of filenames must have scalar "
                                f"string elements, but its element_spec is {es}.")
            self._names: Any = filenames
        else:
            self._names = self._static_names(filenames)
        n = 1 if num_parallel_reads is None else int(num_parallel_reads)
        self._parallel = max(1, os.cpu_count() or 1) if n == -1 else n
        if self._parallel <= 0:
            raise InvalidArgumentError(f"{self._what}: num_parallel_reads must be positive "
                                       f"or tf.data.AUTOTUNE, received {num_parallel_reads}.")
        super().__init__(spec, UNKNOWN_CARDINALITY,
                         (self._names,) if _is_dataset(self._names) else ())

    def _static_names(self, filenames: Any) -> list:
        if isinstance(filenames, TensorOps):
            if filenames.dtype != string:
                raise TypeError(f"{self._what}: filenames must be strings, received a "
                                f"{filenames.dtype.name} tensor.")
            items = np.asarray(filenames.numpy(), dtype=object).ravel().tolist()
        elif isinstance(filenames, (str, bytes, os.PathLike)):
            items = [filenames]
        elif isinstance(filenames, (list, tuple)):
            items = list(filenames)
        else:
            raise TypeError(f"{self._what}: filenames must be a path, a list of paths, a "
                            f"string tensor or a dataset of file names; received "
                            f"{type(filenames).__name__}.")
        if not items:
            raise ValueError(f"{self._what}: filenames is empty; pass at least one file.")
        names = []
        for x in items:
            if hasattr(x, "numpy"):
                x = x.numpy()
            if not isinstance(x, (str, bytes, os.PathLike)):
                raise TypeError(f"{self._what}: each file name must be a string, received "
                                f"{x!r}.")
            names.append(_decode_name(x))
        return names

    def _files(self) -> Iterator[str]:
        if isinstance(self._names, list):
            return iter(self._names)
        return (_decode_name(t.numpy()) for t in self._names._elements())

    def _records(self, path: str) -> Iterator:
        raise NotImplementedError

    def _open(self, path: str) -> Iterator:
        if not os.path.isfile(path):
            raise NotFoundError(f"{self._what}: {path}; No such file or directory")
        return self._records(path)

    def _generate(self) -> Iterator:
        files = self._files()
        if self._parallel == 1:
            for path in files:
                yield from self._open(path)
            return
        # N files open at once, one record from each in turn; a finished file is replaced
        # by the next (as interleave with cycle_length=N, block_length=1).
        slots: list = []
        for path in files:
            slots.append(self._open(path))
            if len(slots) == self._parallel:
                break
        i = 0
        while slots:
            try:
                x = next(slots[i])
            except StopIteration:
                nxt = next(files, None)
                if nxt is None:
                    del slots[i]
                else:
                    slots[i] = self._open(nxt)
                if slots:
                    i %= len(slots)
                continue
            yield x
            i = (i + 1) % len(slots)


def _lines(path: str, kind: str) -> Iterator[bytes]:
    """The lines of a file without their line ends (\\n or \\r\\n)."""
    with open_stream(path, kind) as f:
        for line in f:
            if line.endswith(b"\n"):
                line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
            yield line


class TextLineDataset(_FileDataset):
    """`tf.data.TextLineDataset(filenames, compression_type=None, buffer_size=None,
    num_parallel_reads=None)`: one scalar string element per line of each file, without
    the line end. Skip a header with `.skip(1)`.

    Example:
        >>> import os, tempfile, ember as tf
        >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
        >>> with open(path, "w") as f:
        ...     _ = f.write("1\\n22\\n")
        >>> list(tf.data.TextLineDataset(path).map(tf.strings.length).as_numpy_iterator())
        [np.int32(1), np.int32(2)]
    """

    _tf_name = "_TextLineDataset"
    _what = "TextLineDataset"

    def __init__(self, filenames: Any, compression_type: Any = None, buffer_size: Any = None,
                 num_parallel_reads: Any = None, name: str | None = None):
        super().__init__(filenames, compression_type, num_parallel_reads,
                         TensorSpec([], string))

    def _records(self, path: str) -> Iterator:
        return (_scalar(line) for line in _lines(path, self._kind))


class TFRecordDataset(_FileDataset):
    """`tf.data.TFRecordDataset(filenames, compression_type=None, buffer_size=None,
    num_parallel_reads=None)`: one scalar string element per record of TFRecord files
    (each record's CRCs are checked; a damaged file raises DataLossError).

    Example:
        >>> import os, tempfile, ember as tf
        >>> path = os.path.join(tempfile.mkdtemp(), "r.tfrecord")
        >>> with tf.io.TFRecordWriter(path, "ZLIB") as w:
        ...     w.write(b"a"); w.write(b"bc")
        >>> [r.numpy() for r in tf.data.TFRecordDataset([path], compression_type="ZLIB")]
        [b'a', b'bc']
    """

    _tf_name = "_TFRecordDataset"
    _what = "TFRecordDataset"

    def __init__(self, filenames: Any, compression_type: Any = None, buffer_size: Any = None,
                 num_parallel_reads: Any = None, name: str | None = None):
        super().__init__(filenames, compression_type, num_parallel_reads,
                         TensorSpec([], string))

    def _records(self, path: str) -> Iterator:
        return (_scalar(r) for r in read_records(path, self._kind, self._what))


class CsvDataset(_FileDataset):
    """`tf.data.experimental.CsvDataset`: one tuple of scalars per CSV line, typed and
    defaulted by `record_defaults` as in `tf.io.decode_csv` (`header=True` skips each
    file's first line; `select_cols` / `exclude_cols` pick columns). Empty lines are
    skipped. A quoted field may hold the delimiter but not a line break (ember reads line
    by line).

    Example:
        >>> import os, tempfile, ember as tf
        >>> path = os.path.join(tempfile.mkdtemp(), "d.csv")
        >>> with open(path, "w") as f:
        ...     _ = f.write("x,name\\n1.5,a\\n,b\\n")
        >>> ds = tf.data.experimental.CsvDataset(path, [[0.0], ["?"]], header=True)
        >>> [(float(x), s.numpy()) for x, s in ds]
        [(1.5, b'a'), (0.0, b'b')]
    """

    _tf_name = "_CSVDataset"
    _what = "CsvDataset"

    def __init__(self, filenames: Any, record_defaults: Any, compression_type: Any = None,
                 buffer_size: Any = None, header: bool = False, field_delim: str = ",",
                 use_quote_delim: bool = True, na_value: str = "", select_cols: Any = None,
                 exclude_cols: Any = None, name: str | None = None):
        if not isinstance(record_defaults, (list, tuple)) or not record_defaults:
            raise TypeError("CsvDataset: record_defaults must be a non-empty list with one "
                            "entry per (selected) column, e.g. [[0.0], [0], tf.string].")
        self._defaults = tuple(_csv_default(d, i) for i, d in enumerate(record_defaults))
        if select_cols is not None and exclude_cols is not None:
            raise ValueError("CsvDataset: pass select_cols or exclude_cols, not both.")
        self._select = None if select_cols is None else tuple(int(c) for c in select_cols)
        self._exclude = None if exclude_cols is None else {int(c) for c in exclude_cols}
        if self._select is not None and len(self._select) != len(self._defaults):
            raise ValueError(f"CsvDataset: len(select_cols) ({len(self._select)}) must equal "
                             f"len(record_defaults) ({len(self._defaults)}).")
        self._delim = field_delim.encode("utf-8")
        if len(self._delim) != 1:
            raise InvalidArgumentError(f"CsvDataset: field_delim must be one character, "
                                       f"received {field_delim!r}.")
        self._quote, self._header = bool(use_quote_delim), bool(header)
        self._na = na_value.encode("utf-8") or None
        spec = tuple(TensorSpec([], as_dtype(dt)) for dt, _ in self._defaults)
        super().__init__(filenames, compression_type, None, spec)

    def _records(self, path: str) -> Iterator:
        lines = enumerate(_lines(path, self._kind), 1)
        if self._header:
            next(lines, None)
        chunk: list = []
        for number, line in lines:
            if line:
                chunk.append((number, line))
            if len(chunk) == 256:
                yield from self._decode(chunk, path)
                chunk = []
        if chunk:
            yield from self._decode(chunk, path)

    def _decode(self, numbered: list, path: str) -> Iterator:
        lines = [line for _, line in numbered]
        try:
            cols = self._decode_lines(lines)
        except ValueError:
            for number, line in numbered:  # find the line at fault, to name it
                try:
                    self._decode_lines([line])
                except ValueError as e:
                    msg = str(e).replace(" in record 0", "")
                    raise InvalidArgumentError(f"CsvDataset: {msg} (line {number} of "
                                               f"{path!r}).") from None
            raise
        for i in range(len(lines)):
            yield tuple(wrap(c[i, ...]) if c.dtype.kind != "O" else _scalar(c[i])
                        for c in cols)

    def _decode_lines(self, lines: list) -> tuple:
        select = self._select
        if self._exclude is not None:
            n = len(split_csv(lines[0], self._delim, self._quote, 0))
            select = tuple(c for c in range(n) if c not in self._exclude)
        recs = np.empty(len(lines), dtype=object)
        recs[:] = lines
        return _decode_csv_kernel(recs, self._defaults, self._delim, self._quote, self._na,
                                  select)


def _static_files(file_pattern: Any, what: str = "make_csv_dataset") -> list:
    """The files matching a pattern (or a list of patterns / paths), sorted."""
    if isinstance(file_pattern, TensorOps):
        file_pattern = [p.decode("utf-8") for p in
                        np.asarray(file_pattern.numpy(), dtype=object).ravel().tolist()]
    names = glob(file_pattern)
    if not names:
        raise InvalidArgumentError(f"{what}: No files matched pattern: {file_pattern}")
    return names


def list_files(file_pattern: Any, shuffle: Any = None, seed: Any = None) -> Dataset:
    """`Dataset.list_files`: the file names matching a glob pattern (or a list of them),
    as scalar strings; shuffled (anew each iteration) unless `shuffle=False`, which gives
    them sorted.

    Example:
        >>> import os, tempfile, ember as tf
        >>> d = tempfile.mkdtemp()
        >>> for n in ("b.csv", "a.csv"):
        ...     open(os.path.join(d, n), "w").close()
        >>> ds = tf.data.Dataset.list_files(os.path.join(d, "*.csv"), shuffle=False)
        >>> [os.path.basename(p.numpy().decode()) for p in ds]
        ['a.csv', 'b.csv']
    """
    names = _static_files(file_pattern, "list_files")
    arr = np.empty(len(names), dtype=object)
    arr[:] = [n.encode("utf-8") for n in names]
    ds = TensorSliceDataset(wrap(arr))
    if shuffle is None or shuffle:
        ds = ds.shuffle(len(names), seed=seed)
    return ds

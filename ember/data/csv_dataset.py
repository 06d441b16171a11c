"""`tf.data.experimental.make_csv_dataset`: batches of (dict of columns, label) from CSV
files, with column names from the header and column types inferred from the first rows.

Example:
    >>> import os, tempfile, ember as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "train.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("age,city,y\\n30,Oslo,1\\n41,Rome,0\\n25,Oslo,1\\n")
    >>> ds = tf.data.experimental.make_csv_dataset(path, batch_size=2, label_name="y",
    ...                                            num_epochs=1, shuffle=False)
    >>> features, label = next(iter(ds))
    >>> list(features), features["age"].numpy(), label.numpy()
    (['age', 'city'], array([30, 41], dtype=int32), array([1, 0], dtype=int32))
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from ..backend.numpy.records import split_csv
from ..core.dtypes import float32, float64, int32, int64, string
from ..core.tensor import wrap
from ..io.tfrecord import compression_of
from .readers import CsvDataset, _lines, _static_files
from .sources import TensorSliceDataset

_ORDER = (int32, int64, float32, float64, string)


def _infer(field: bytes, prev: int) -> int:
    """The index in _ORDER of the narrowest type from `prev` on that parses `field`."""
    text = field.decode("utf-8", "replace").strip()
    for k in range(prev, len(_ORDER) - 1):
        dt = _ORDER[k]
        try:
            v = float(text) if dt.is_floating else int(text)
        except ValueError:
            continue
        if dt.is_integer and not dt.min <= v <= dt.max:
            continue
        if dt == float32 and np.isinf(np.float32(v)) and not np.isinf(v):
            continue
        return k
    return len(_ORDER) - 1


def _read_rows(files: list, kind: str, delim: bytes, quote: bool, header: bool,
               limit: int) -> tuple:
    """(header fields or None, the first `limit` data rows as field lists)."""
    head, rows = None, []
    for path in files:
        lines = _lines(path, kind)
        first = next(lines, None)
        if head is None and first is not None and header:
            head = split_csv(first, delim, quote, 0)
        elif not header and first:
            rows.append(split_csv(first, delim, quote, 0))
        for line in lines:
            if len(rows) >= limit:
                break
            if line:
                rows.append(split_csv(line, delim, quote, len(rows)))
        if len(rows) >= limit:
            break
    return head, rows


def make_csv_dataset(file_pattern: Any, batch_size: int, column_names: Any = None,
                     column_defaults: Any = None, label_name: Any = None,
                     select_columns: Any = None, field_delim: str = ",",
                     use_quote_delim: bool = True, na_value: str = "", header: bool = True,
                     num_epochs: Any = None, shuffle: bool = True,
                     shuffle_buffer_size: int = 10000, shuffle_seed: Any = None,
                     prefetch_buffer_size: Any = None, num_parallel_reads: Any = None,
                     sloppy: bool = False, num_rows_for_inference: int = 100,
                     compression_type: Any = None, ignore_errors: bool = False,
                     encoding: str = "utf-8") -> Any:
    """A dataset of `(features, label)` batches read from CSV files (TF's
    `tf.data.experimental.make_csv_dataset`): `features` is an ordered dict from column
    name to a [batch] tensor; without `label_name` the elements are the dicts alone.

    - `file_pattern`: a glob pattern or list of them/of paths;
    - `column_names`: from the first file's header when not given (needs `header=True`);
    - `column_defaults`: one default (or dtype, for a required column) per selected
      column; when not given, each column's type is inferred from the first
      `num_rows_for_inference` rows (int32, int64, float32, float64, then string), with
      default 0 (numbers) or "" (strings), as TF;
    - `select_columns`: names or indices of the columns to keep;
    - the files are shuffled and the rows shuffled with a `shuffle_buffer_size` buffer
      (seeded by `shuffle_seed`) unless `shuffle=False`, repeated `num_epochs` times
      (None: forever, the last partial batch then dropped).
    """
    kind = compression_of(compression_type, "make_csv_dataset")
    files = _static_files(file_pattern)
    delim = field_delim.encode("utf-8")
    head, rows = _read_rows(files, kind, delim, use_quote_delim, header,
                            max(1, int(num_rows_for_inference)))
    if column_names is None:
        if head is None:
            raise ValueError("make_csv_dataset: column_names must be given when the files "
                             "have no header (header=False).")
        column_names = [h.decode(encoding) for h in head]
    column_names = [str(c) for c in column_names]
    if len(set(column_names)) != len(column_names):
        raise ValueError(f"make_csv_dataset: column_names must be unique, received "
                         f"{column_names}.")
    indices = list(range(len(column_names)))
    if select_columns is not None:
        try:
            indices = sorted(column_names.index(c) if isinstance(c, str) else int(c)
                             for c in select_columns)
        except ValueError:
            raise ValueError(f"make_csv_dataset: select_columns {list(select_columns)} "
                             f"names a column not in {column_names}.") from None
        if column_defaults is not None and len(column_defaults) != len(indices):
            raise ValueError("make_csv_dataset: column_defaults must have one entry per "
                             "selected column.")
    names = [column_names[i] for i in indices]
    if label_name is not None and label_name not in names:
        raise ValueError(f"make_csv_dataset: label_name {label_name!r} is not one of the "
                         f"columns {names}.")
    if column_defaults is None:
        column_defaults = []
        for i in indices:
            k = 0
            for row in rows:
                if i < len(row) and row[i] and row[i] != na_value.encode("utf-8"):
                    k = _infer(row[i], k)
            dt = _ORDER[k]
            column_defaults.append([""] if dt == string else
                                   [np.asarray(0, dt.as_numpy_dtype)])
    else:
        column_defaults = [d if not isinstance(d, (int, float, str, bytes)) else [d]
                           for d in column_defaults]
    select = None if len(indices) == len(column_names) and select_columns is None \
        else indices
    filenames: Any = TensorSliceDataset(_names_tensor(files))
    if shuffle:
        filenames = filenames.shuffle(len(files), seed=shuffle_seed)

    def read(name: Any) -> Any:
        return CsvDataset(name, column_defaults, compression_type=compression_type,
                          header=header, field_delim=field_delim,
                          use_quote_delim=use_quote_delim, na_value=na_value,
                          select_cols=select)

    ds = filenames.interleave(read, cycle_length=int(num_parallel_reads or 1))
    if shuffle:
        ds = ds.shuffle(int(shuffle_buffer_size), seed=shuffle_seed)
    if num_epochs != 1:
        ds = ds.repeat(num_epochs)
    ds = ds.batch(int(batch_size), drop_remainder=num_epochs is None)

    def to_dict(*columns: Any) -> Any:
        feats = collections.OrderedDict(zip(names, columns))
        if label_name is None:
            return feats
        label = feats.pop(label_name)
        return feats, label

    if ignore_errors:
        raise NotImplementedError("make_csv_dataset: ignore_errors=True is not supported by "
                                  "ember; clean the files first.")
    return ds.map(to_dict).prefetch(-1 if prefetch_buffer_size is None
                                    else prefetch_buffer_size)


def _names_tensor(files: list) -> Any:
    arr = np.empty(len(files), dtype=object)
    arr[:] = [f.encode("utf-8") for f in files]
    return wrap(arr)


__all__ = ["make_csv_dataset"]

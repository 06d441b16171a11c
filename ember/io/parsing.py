"""tf.io ops on string tensors: read_file, write_file, decode_csv, parse_example.

They are primitives (no gradient), so they run eagerly, in `ember.function` and in dataset
`map`s. `VarLenFeature` gives a dense tensor padded with 0 (b"" for strings) to the
longest list in the batch, not a SparseTensor (ember has none): what TF's
`tf.sparse.to_dense(parsed[key])` gives.

Example:
    >>> import ember as tf
    >>> a, b = tf.io.decode_csv(["1,x", "2,"], record_defaults=[[0], ["?"]])
    >>> a.numpy(), b.numpy()
    (array([1, 2], dtype=int32), array([b'x', b'?'], dtype=object))
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import numpy as np

from ..core import registry, rules
from ..core.context import CTX
from ..core.dtypes import NP_STRING, as_dtype, float32, float64, int32, int64, string
from ..core.errors import DTypeError, InvalidArgumentError
from ..core.registry import bind, no_gradient, primitive
from ..core.shape import TensorShape, TensorSpec
from ..core.tensor import TensorOps
from ..prims.convert import convert_to_tensor


def _strings(x: Any, op: str, arg: str) -> Any:
    t = x if isinstance(x, TensorOps) else convert_to_tensor(x, dtype=string)
    if t.dtype != string:
        raise DTypeError(f"{op}: `{arg}` must be a string tensor, received "
                         f"{rules.describe(t)}.")
    return t


# -- files ---------------------------------------------------------------------------

def _read_file_rule(filename: TensorSpec) -> TensorSpec:
    rules.check_dtype("read_file", filename, NP_STRING)
    if filename.shape.rank not in (None, 0):
        raise InvalidArgumentError(f"read_file: filename must be a scalar string, "
                                   f"received {rules.describe(filename)}.")
    return TensorSpec([], string)


read_file_p = primitive("read_file", _read_file_rule, check="rule")


def read_file(filename: Any, name: str | None = None) -> Any:
    """The bytes of a file as a scalar string tensor.

    Example:
        >>> import os, tempfile, ember as tf
        >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
        >>> tf.io.write_file(path, "hi")
        >>> tf.io.read_file(path).numpy()
        b'hi'
    """
    return bind(read_file_p, _strings(filename, "read_file", "filename"))


def write_file(filename: Any, contents: Any, name: str | None = None) -> None:
    """Writes `contents` (a scalar string) to `filename`, creating parent directories
    (eager only: inside ember.function use tf.numpy_function).

    Example:
        >>> import os, tempfile, ember as tf
        >>> path = os.path.join(tempfile.mkdtemp(), "sub", "b.bin")
        >>> tf.io.write_file(path, b"\\x00\\x01")
        >>> os.path.getsize(path)
        2
    """
    if CTX.traces:
        raise NotImplementedError("write_file inside ember.function is not supported; call "
                                  "it eagerly, or through tf.numpy_function.")
    f = _strings(filename, "write_file", "filename")
    c = _strings(contents, "write_file", "contents")
    if f.shape.rank != 0 or c.shape.rank != 0:
        raise InvalidArgumentError(f"write_file: filename and contents must be scalars, "
                                   f"received shapes {list(f.shape)} and {list(c.shape)}.")
    path = f.numpy().decode("utf-8")
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(c.numpy())


# -- decode_csv --------------------------------------------------------------------------

_CSV_DTYPES = (float32, float64, int32, int64, string)


def _csv_rule(records: TensorSpec, defaults: tuple, **params: Any) -> tuple:
    rules.check_dtype("decode_csv", records, NP_STRING, "records")
    return tuple(TensorSpec(records.shape, as_dtype(dt)) for dt, _ in defaults)


decode_csv_p = primitive("decode_csv", _csv_rule, check="rule", multiple_results=True)


def _csv_default(d: Any, i: int) -> tuple:
    """(np dtype, default value or None) of one record_defaults entry."""
    if isinstance(d, (type, np.dtype)) or hasattr(d, "is_floating"):
        return as_dtype(d)._numpy(), None  # a dtype: the column is required
    t = d if isinstance(d, TensorOps) else convert_to_tensor(d)
    if t.dtype not in _CSV_DTYPES:
        raise DTypeError(f"decode_csv: record_defaults[{i}] has dtype {t.dtype.name}; "
                         f"columns may be float32, float64, int32, int64 or string.")
    v = np.asarray(t.numpy()).ravel()
    if v.size > 1:
        raise InvalidArgumentError(f"decode_csv: record_defaults[{i}] must have at most one "
                                   f"element (the default), received shape "
                                   f"{list(t.shape)}.")
    value = None if v.size == 0 else v[0]
    if value is not None and t.dtype != string:
        value = v.dtype.type(value)
    return t.dtype._numpy(), value


def decode_csv(records: Any, record_defaults: Any, field_delim: str = ",",
               use_quote_delim: bool = True, na_value: str = "", select_cols: Any = None,
               name: str | None = None) -> list:
    """Parses CSV records (a string tensor of any shape) into one tensor per column, of
    the shape of `records` (TF's `tf.io.decode_csv`).

    `record_defaults` gives each column's type and default: `[0.0]` float32 with default
    0.0, `[0]` int32, `[""]` string; an empty entry (`tf.constant([], tf.int64)`) or a
    dtype (`tf.int64`) makes the column required. Empty fields, and fields equal to
    `na_value`, take the default. With `use_quote_delim`, fields in double quotes may hold
    the delimiter, and `""` inside them is a quote. `select_cols` (increasing column
    indices) picks the columns to return.

    Example:
        >>> import ember as tf
        >>> cols = tf.io.decode_csv(['1.5,"a,b",7', ',c,NA'], [[0.0], [""], [-1]], na_value="NA")
        >>> [c.numpy().tolist() for c in cols]
        [[1.5, 0.0], [b'a,b', b'c'], [7, -1]]
    """
    recs = _strings(records, "decode_csv", "records")
    if not isinstance(record_defaults, (list, tuple)) or not record_defaults:
        raise TypeError("decode_csv: record_defaults must be a non-empty list with one "
                        "entry per column, e.g. [[0.0], [0], [''] ].")
    defaults = tuple(_csv_default(d, i) for i, d in enumerate(record_defaults))
    delim = field_delim.encode("utf-8") if isinstance(field_delim, str) else field_delim
    if len(delim) != 1:
        raise InvalidArgumentError(f"decode_csv: field_delim must be one character, "
                                   f"received {field_delim!r}.")
    cols = None
    if select_cols is not None:
        cols = tuple(int(c) for c in select_cols)
        if any(b <= a for a, b in zip(cols, cols[1:])) or (cols and cols[0] < 0):
            raise InvalidArgumentError(f"decode_csv: select_cols must be non-negative and "
                                       f"strictly increasing, received {list(cols)}.")
        if len(cols) != len(defaults):
            raise InvalidArgumentError(
                f"decode_csv: len(select_cols) ({len(cols)}) must equal "
                f"len(record_defaults) ({len(defaults)}).")
    na = na_value.encode("utf-8") if isinstance(na_value, str) else bytes(na_value)
    return list(bind(decode_csv_p, recs, defaults=defaults, field_delim=delim,
                     use_quote_delim=bool(use_quote_delim), na_value=na or None,
                     select_cols=cols))


# -- parse_example ---------------------------------------------------------------------

class FixedLenFeature(NamedTuple):
    """A feature of fixed `shape` and `dtype` (int64, float32 or string); without
    `default_value` it is required (`tf.io.FixedLenFeature`)."""

    shape: Any
    dtype: Any
    default_value: Any = None


class VarLenFeature(NamedTuple):
    """A feature with any number of values. ember parses it to a dense tensor padded with
    0 (b"" for strings) to the longest list in the batch, not a SparseTensor
    (`tf.io.VarLenFeature`)."""

    dtype: Any


_PARSE_DTYPES = (int64, float32, string)


def _feature_params(features: Any) -> tuple:
    if not isinstance(features, dict) or not features:
        raise TypeError("parse_example: features must be a non-empty dict of "
                        "tf.io.FixedLenFeature / VarLenFeature.")
    out = []
    for key in sorted(features):
        f = features[key]
        if not isinstance(f, (FixedLenFeature, VarLenFeature)):
            raise TypeError(f"parse_example: features[{key!r}] must be a FixedLenFeature or "
                            f"VarLenFeature, received {type(f).__name__}.")
        dt = as_dtype(f.dtype)
        if dt not in _PARSE_DTYPES:
            raise DTypeError(f"parse_example: features[{key!r}] has dtype {dt.name}; "
                             f"tf.train.Example holds int64, float32 or string.")
        if isinstance(f, VarLenFeature):
            out.append((key, True, dt._numpy(), None, None))
            continue
        shape = tuple(int(d) for d in TensorShape(f.shape))
        default = None
        if f.default_value is not None:
            default = np.asarray(convert_to_tensor(f.default_value, dtype=dt).numpy())
            try:
                default = np.broadcast_to(default, shape)
            except ValueError:
                raise InvalidArgumentError(
                    f"parse_example: the default_value of {key!r} has shape "
                    f"{list(default.shape)}, which does not fit shape {list(shape)}."
                ) from None
        out.append((key, False, dt._numpy(), shape, default))
    return tuple(out)


def _parse_rule(serialized: TensorSpec, features: tuple) -> tuple:
    rules.check_dtype("parse_example", serialized, NP_STRING, "serialized")
    lead = tuple(serialized.shape) if serialized.shape.rank is not None else (None,)
    return tuple(TensorSpec(lead + ((None,) if var else shape), as_dtype(dt))
                 for _, var, dt, shape, _ in features)


parse_example_p = primitive("parse_example", _parse_rule, check="rule",
                            multiple_results=True)
no_gradient(read_file_p, decode_csv_p, parse_example_p)


def parse_example(serialized: Any, features: Any, example_names: Any = None,
                  name: str | None = None) -> dict:
    """Parses a batch (a 1-D string tensor) of serialized `tf.train.Example`s into a dict
    of tensors, one per feature, each with a leading batch dim.

    Example:
        >>> import ember as tf
        >>> from ember.io.example_pb import Example, Features, Feature, Int64List
        >>> ex = lambda v: Example(features=Features(feature={"n": Feature(int64_list=Int64List(value=v))})).SerializeToString()
        >>> out = tf.io.parse_example([ex([1]), ex([2, 3])], {"n": tf.io.VarLenFeature(tf.int64)})
        >>> out["n"].numpy()
        array([[1, 0],
               [2, 3]])
    """
    return _parse("parse_example", serialized, 1, features, "a 1-D string tensor (a batch)",
                  "parse_single_example for one Example")


def parse_single_example(serialized: Any, features: Any, example_names: Any = None,
                         name: str | None = None) -> dict:
    """Parses one serialized `tf.train.Example` (a scalar string) into a dict of tensors.

    Example:
        >>> import ember as tf
        >>> from ember.io.example_pb import Example, Features, Feature, FloatList
        >>> data = Example(features=Features(feature={"x": Feature(float_list=FloatList(value=[1.5, 2.0]))})).SerializeToString()
        >>> spec = {"x": tf.io.FixedLenFeature([2], tf.float32), "y": tf.io.FixedLenFeature([], tf.int64, default_value=-1)}
        >>> {k: v.numpy().tolist() for k, v in tf.io.parse_single_example(data, spec).items()}
        {'x': [1.5, 2.0], 'y': -1}
    """
    return _parse("parse_single_example", serialized, 0, features, "a scalar string",
                  "parse_example for a batch")


def _parse(op: str, serialized: Any, rank: int, features: Any, what: str,
           other: str) -> dict:
    s = _strings(serialized, op, "serialized")
    if s.shape.rank not in (None, rank):
        raise InvalidArgumentError(f"{op}: serialized must be {what}, received shape "
                                   f"{list(s.shape)}; use {other}.")
    params = _feature_params(features)
    outs = bind(parse_example_p, s, features=params)
    return {p[0]: o for p, o in zip(params, outs)}

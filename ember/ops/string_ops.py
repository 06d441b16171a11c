"""A first part of `tf.strings`: to_number, length, as_string, join and split.

String tensors hold `bytes` (see `ember.string`); each op checks its arguments and binds
one primitive of `prims/strings.py`, so they run eagerly and inside `ember.function` and
dataset `map`s alike. They have no gradient. The rest of `tf.strings` is in
`ops/text_ops.py` and, for ops with ragged results, `ragged/ragged_string_ops.py`.

Example:
    >>> import ember as tf
    >>> tf.strings.to_number(tf.constant(["1.5", "-2"])).numpy()
    array([ 1.5, -2. ], dtype=float32)
    >>> tf.strings.length(tf.constant(["ab", ""])).numpy()
    array([2, 0], dtype=int32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import rules
from ..core.dtypes import NP_NUMERIC, as_dtype, float32, string
from ..core.errors import DTypeError, InvalidArgumentError
from ..core.registry import bind
from ..core.tensor import TensorOps
from ..prims.convert import convert_to_tensor
from ..prims.strings import as_string_p, join_p, length_p, split_p, to_number_p

__all__ = ["to_number", "length", "as_string", "join", "split"]


def _strings(x: Any, op: str, arg: str = "input") -> Any:
    """`x` as a string tensor, or a DTypeError naming the op."""
    t = x if isinstance(x, TensorOps) else convert_to_tensor(x, dtype=string) \
        if not isinstance(x, np.ndarray) or x.dtype.kind in "OSU" else convert_to_tensor(x)
    if t.dtype != string:
        raise DTypeError(f"{op}: `{arg}` must be a string tensor, received "
                         f"{rules.describe(t)}. Format numbers with "
                         f"ember.strings.as_string.")
    return t


def to_number(string_tensor: Any, out_type: Any = float32, name: str | None = None) -> Any:
    """Parses each string as a number of `out_type` (float32 by default; float16/32/64,
    int32, int64). A string that is not a number raises InvalidArgumentError, as TF.

    Example:
        >>> import ember as tf
        >>> tf.strings.to_number(["7", "-3"], out_type=tf.int64).numpy()
        array([ 7, -3])
    """
    dt = as_dtype(out_type)
    if dt._numpy() not in NP_NUMERIC:
        raise DTypeError(f"string_to_number: out_type must be a number dtype, received "
                         f"{dt.name}.")
    return bind(to_number_p, _strings(string_tensor, "string_to_number", "string_tensor"),
                out_type=dt._numpy())


def length(input: Any, unit: str = "BYTE", name: str | None = None) -> Any:
    """The length of each string, in bytes (`unit="BYTE"`) or Unicode code points
    (`"UTF8_CHAR"`), as int32.

    Example:
        >>> import ember as tf
        >>> tf.strings.length(["héllo"]).numpy(), tf.strings.length(["héllo"], unit="UTF8_CHAR").numpy()
        (array([6], dtype=int32), array([5], dtype=int32))
    """
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise InvalidArgumentError(f"string_length: unit must be 'BYTE' or 'UTF8_CHAR', "
                                   f"received {unit!r}.")
    return bind(length_p, _strings(input, "string_length"), unit=unit)


def as_string(input: Any, precision: int = -1, scientific: bool = False,
              shortest: bool = False, width: int = -1, fill: str = "",
              name: str | None = None) -> Any:
    """Each number (or bool) formatted as a string, as TF: floats with 6 decimals by
    default (`precision` digits when given, `%e` with `scientific`, shortest form with
    `shortest`), padded on the left to `width` with `fill` (" " or "0").

    Example:
        >>> import ember as tf
        >>> tf.strings.as_string([1.5, 2.0], precision=2).numpy()
        array([b'1.50', b'2.00'], dtype=object)
        >>> tf.strings.as_string(tf.constant([7, 42]), width=3, fill="0").numpy()
        array([b'007', b'042'], dtype=object)
    """
    x = input if isinstance(input, TensorOps) else convert_to_tensor(input)
    if x.dtype == string:
        raise DTypeError("as_string: the input is already a string tensor; as_string "
                         "formats numbers and bools.")
    if fill not in ("", " ", "0"):
        raise InvalidArgumentError(f"as_string: fill must be '', ' ' or '0', received "
                                   f"{fill!r}.")
    return bind(as_string_p, x, precision=int(precision), scientific=bool(scientific),
                shortest=bool(shortest), width=int(width), fill=fill)


def join(inputs: Any, separator: str = "", name: str | None = None) -> Any:
    """The elementwise concatenation of a list of string tensors (broadcast), with
    `separator` between them.

    Example:
        >>> import ember as tf
        >>> tf.strings.join([["a", "b"], "x"], separator="-").numpy()
        array([b'a-x', b'b-x'], dtype=object)
    """
    if isinstance(inputs, (TensorOps, str, bytes)):
        raise TypeError("join: `inputs` must be a list of string tensors, e.g. "
                        "tf.strings.join([a, b]).")
    xs = [_strings(x, "string_join", "inputs") for x in inputs]
    sep = separator.encode("utf-8") if isinstance(separator, str) else bytes(separator)
    return bind(join_p, *xs, separator=sep)


def split(input: Any, sep: Any = None, maxsplit: int = -1, name: str | None = None) -> Any:
    """Splits a scalar string at `sep` (None: runs of whitespace) into a 1-D string
    tensor, as TF does for a scalar. The public `tf.strings.split`
    (ember/ragged/ragged_string_ops.py) also splits vectors, into a RaggedTensor.

    Example:
        >>> import ember as tf
        >>> tf.strings.split("a,b,,c", sep=",").numpy()
        array([b'a', b'b', b'', b'c'], dtype=object)
        >>> tf.strings.split("  hello  world ").numpy()
        array([b'hello', b'world'], dtype=object)
    """
    x = _strings(input, "string_split")
    if sep is not None:
        sep = sep.encode("utf-8") if isinstance(sep, str) else bytes(sep)
        if not sep:
            raise InvalidArgumentError("string_split: sep must not be empty; use None to "
                                       "split at whitespace.")
    return bind(split_p, x, sep=sep, maxsplit=int(maxsplit))

"""The rest of `tf.strings` with dense results (issue 16): lower, upper, strip,
regex_replace, regex_full_match, substr, reduce_join, format and the hash buckets.

Each op checks its arguments and binds one primitive of `prims/strings.py` (host kernels
in `backend/numpy/text.py`), so it runs eagerly, inside `ember.function` and in dataset
`map`s alike; none has a gradient. Patterns, separators and templates are static: Python
strings (or concrete scalar string tensors). The ops with ragged results (split of a
vector, unicode_split, unicode_decode, bytes_split, ngrams) are in
`ember/ragged/ragged_string_ops.py`.

Example:
    >>> import ember as tf
    >>> tf.strings.regex_replace(["Text with tags.<br /><b>"], "<[^>]+>", " ").numpy()
    array([b'Text with tags.  '], dtype=object)
    >>> tf.strings.lower(["CamelCase"]).numpy()
    array([b'camelcase'], dtype=object)
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..backend.numpy.text import _rewrite, compile_pattern
from ..core import rules
from ..core.dtypes import int32, int64
from ..core.errors import DTypeError, InvalidArgumentError
from ..core.registry import bind
from ..core.tensor import ConcreteTensor, TensorOps
from ..prims.convert import convert_to_tensor
from ..prims.strings import (format_p, hash_bucket_p, lower_p, reduce_join_p,
                             regex_full_match_p, regex_replace_p, strip_p, substr_p, upper_p)
from .string_ops import _strings

__all__ = ["lower", "upper", "strip", "regex_replace", "regex_full_match", "substr",
           "reduce_join", "format", "to_hash_bucket_fast", "to_hash_bucket_strong",
           "static_bytes"]

_MAX_U64 = (1 << 64) - 1


def static_bytes(value: Any, op: str, arg: str) -> bytes:
    """A static string argument as bytes: a str, bytes, or a concrete scalar string tensor."""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value)
    if isinstance(value, ConcreteTensor) and value.shape.rank == 0 and \
            isinstance(value._value[()], bytes):
        return value._value[()]
    if isinstance(value, TensorOps):
        raise TypeError(f"{op}: `{arg}` must be a Python string or a constant scalar string "
                        f"tensor, received a symbolic {value.dtype.name} tensor; ember "
                        f"needs it when the op is built (pass a Python string).")
    raise TypeError(f"{op}: `{arg}` must be a string, received {value!r} of type "
                    f"{type(value).__name__}.")


def _encoding(encoding: Any, op: str) -> str:
    enc = (encoding or "").lower().replace("_", "-")
    if enc not in ("", "utf-8", "utf8"):
        raise InvalidArgumentError(f"{op}: encoding must be '' (ASCII letters only) or "
                                   f"'utf-8', received {encoding!r}.")
    return "utf-8" if enc else ""


def lower(input: Any, encoding: str = "", name: str | None = None) -> Any:
    """Each string in lower case: ASCII letters only (`encoding=""`, TF's default) or
    every letter of UTF-8 text (`encoding="utf-8"`).

    Example:
        >>> import ember as tf
        >>> tf.strings.lower(["ÀB"]).numpy(), tf.strings.lower(["ÀB"], encoding="utf-8").numpy()
        (array([b'\\xc3\\x80b'], dtype=object), array([b'\\xc3\\xa0b'], dtype=object))
    """
    return bind(lower_p, _strings(input, "string_lower"), encoding=_encoding(encoding, "lower"))


def upper(input: Any, encoding: str = "", name: str | None = None) -> Any:
    """Each string in upper case (ASCII letters, or all UTF-8 letters with
    `encoding="utf-8"`).

    Example:
        >>> import ember as tf
        >>> tf.strings.upper(["CamelCase", "abc"]).numpy()
        array([b'CAMELCASE', b'ABC'], dtype=object)
    """
    return bind(upper_p, _strings(input, "string_upper"), encoding=_encoding(encoding, "upper"))


def strip(input: Any, name: str | None = None) -> Any:
    """Each string without leading and trailing (ASCII) whitespace.

    Example:
        >>> import ember as tf
        >>> tf.strings.strip([b"\\nTensorFlow", b"     The python library    "]).numpy()
        array([b'TensorFlow', b'The python library'], dtype=object)
    """
    return bind(strip_p, _strings(input, "string_strip"))


def _pattern(pattern: Any, op: str) -> bytes:
    p = static_bytes(pattern, op, "pattern")
    try:
        compile_pattern(p)
    except re.error as e:
        raise InvalidArgumentError(f"{op}: invalid regular expression {p!r}: {e}.") from None
    return p


def regex_replace(input: Any, pattern: Any, rewrite: Any, replace_global: bool = True,
                  name: str | None = None) -> Any:
    """Each match of the regular expression `pattern` replaced by `rewrite` (where `\\0`
    is the whole match and `\\1`..`\\9` its groups, as RE2); only the first match with
    `replace_global=False`. Patterns use Python's `re` syntax, which shares RE2's for
    the common constructs.

    Example:
        >>> import ember as tf
        >>> tf.strings.regex_replace("Text with tags.<br /><b>contains html</b>",
        ...                          "<[^>]+>", " ").numpy()
        b'Text with tags.  contains html '
        >>> tf.strings.regex_replace(["a1b22"], r"(\\d+)", r"<\\1>").numpy()
        array([b'a<1>b<22>'], dtype=object)
    """
    p = _pattern(pattern, "regex_replace")
    r = static_bytes(rewrite, "regex_replace", "rewrite")
    try:
        _rewrite(r)
    except ValueError as e:
        raise InvalidArgumentError(f"regex_replace: {e}.") from None
    return bind(regex_replace_p, _strings(input, "regex_replace"), pattern=p, rewrite=r,
                replace_global=bool(replace_global))


def regex_full_match(input: Any, pattern: Any, name: str | None = None) -> Any:
    """Whether each whole string matches the regular expression `pattern` (bool).

    Example:
        >>> import ember as tf
        >>> tf.strings.regex_full_match(["TF lib", "lib TF"], ".*lib$").numpy()
        array([ True, False])
    """
    p = _pattern(pattern, "regex_full_match")
    return bind(regex_full_match_p, _strings(input, "regex_full_match"), pattern=p)


def _index_tensor(x: Any, op: str, arg: str) -> Any:
    t = x if isinstance(x, TensorOps) else convert_to_tensor(x)
    if t.dtype not in (int32, int64):
        raise DTypeError(f"{op}: `{arg}` must be int32 or int64, received "
                         f"{rules.describe(t)}.")
    return t


def substr(input: Any, pos: Any, len: Any, unit: str = "BYTE", name: str | None = None) -> Any:
    """The substring of `len` bytes (or UTF-8 characters with `unit="UTF8_CHAR"`) from
    `pos` of each string (`pos` < 0 counts from the end; a too long `len` stops at the
    end). `pos` and `len` are scalars or one per string. A `pos` past the end raises
    InvalidArgumentError, as TF.

    Example:
        >>> import ember as tf
        >>> tf.strings.substr(["Hello", "World"], pos=1, len=3).numpy()
        array([b'ell', b'orl'], dtype=object)
        >>> tf.strings.substr("héllo", 1, 2, unit="UTF8_CHAR").numpy().decode()
        'él'
    """
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise InvalidArgumentError(f"substr: unit must be 'BYTE' or 'UTF8_CHAR', received "
                                   f"{unit!r}.")
    p, n = _index_tensor(pos, "substr", "pos"), _index_tensor(len, "substr", "len")
    if p.dtype != n.dtype:
        n = convert_to_tensor(n.numpy(), dtype=p.dtype) if isinstance(n, ConcreteTensor) \
            else n
    return bind(substr_p, _strings(input, "substr"), p, n, unit=unit)


def reduce_join(inputs: Any, axis: Any = None, keepdims: bool = False, separator: str = "",
                name: str | None = None) -> Any:
    """The strings joined along `axis` (None: all) with `separator` between them.

    Example:
        >>> import ember as tf
        >>> tf.strings.reduce_join([["abc", "123"], ["def", "456"]]).numpy()
        b'abc123def456'
        >>> tf.strings.reduce_join([["abc", "123"], ["def", "456"]], axis=-1,
        ...                        separator=".").numpy()
        array([b'abc.123', b'def.456'], dtype=object)
    """
    x = _strings(inputs, "reduce_join", "inputs")
    axes = rules.normalize_axes("reduce_join", axis, x.shape.rank)
    return bind(reduce_join_p, x, axis=axes, keepdims=bool(keepdims),
                separator=static_bytes(separator, "reduce_join", "separator"))


def format(template: Any, inputs: Any, placeholder: str = "{}", summarize: int = 3,
           name: str | None = None) -> Any:
    """A scalar string: `template` with each `placeholder` replaced by the next tensor
    of `inputs`, printed as TF prints tensors (`[1 2 3]`, at most `summarize` entries at
    each end of a dimension; -1 prints all).

    Example:
        >>> import ember as tf
        >>> tf.strings.format("tensor: {}, suffix: {}", (tf.range(5), "suffix")).numpy()
        b'tensor: [0 1 2 3 4], suffix: suffix'
        >>> tf.strings.format("{}", tf.range(10), summarize=3).numpy()
        b'[0 1 2 ... 7 8 9]'
    """
    t = static_bytes(template, "format", "template")
    ph = static_bytes(placeholder, "format", "placeholder")
    if not ph:
        raise InvalidArgumentError("format: the placeholder must not be empty.")
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    xs = [x if isinstance(x, TensorOps) else convert_to_tensor(x) for x in items]
    n = t.count(ph)
    if n != len(xs):
        raise InvalidArgumentError(f"format: the template has {n} placeholders "
                                   f"{ph.decode(errors='replace')!r} but {len(xs)} inputs were "
                                   f"given; pass one input per placeholder.")
    return bind(format_p, *xs, template=t, placeholder=ph, summarize=int(summarize))


def _num_buckets(num_buckets: Any, op: str) -> int:
    if isinstance(num_buckets, bool) or not isinstance(num_buckets, (int, np.integer)) \
            or num_buckets < 1:
        raise InvalidArgumentError(f"{op}: num_buckets must be an int >= 1, received "
                                   f"{num_buckets!r}.")
    return int(num_buckets)


def to_hash_bucket_fast(input: Any, num_buckets: int, name: str | None = None) -> Any:
    """Each string's bucket in [0, num_buckets): its FarmHash Fingerprint64 modulo
    `num_buckets` (the same hash and buckets as TF's, stable across runs and machines).

    Example:
        >>> import ember as tf
        >>> tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3).numpy()
        array([0, 2, 2])
    """
    n = _num_buckets(num_buckets, "to_hash_bucket_fast")
    return bind(hash_bucket_p, _strings(input, "to_hash_bucket_fast"), num_buckets=n,
                method="fast", key=None)


def to_hash_bucket_strong(input: Any, num_buckets: int, key: Any,
                          name: str | None = None) -> Any:
    """Each string's bucket in [0, num_buckets) by a keyed hash: SipHash-2-4 under `key`
    (two uint64s), as TF.

    Example:
        >>> import ember as tf
        >>> tf.strings.to_hash_bucket_strong(["Hello", "TF"], 3, [1, 2]).numpy()
        array([2, 0])
    """
    n = _num_buckets(num_buckets, "to_hash_bucket_strong")
    k = list(key) if isinstance(key, (list, tuple, np.ndarray)) else None
    if k is None or len(k) != 2 or not all(
            isinstance(v, (int, np.integer)) and 0 <= int(v) <= _MAX_U64 for v in k):
        raise InvalidArgumentError(f"to_hash_bucket_strong: key must be a list of two "
                                   f"uint64 ints, received {key!r}.")
    return bind(hash_bucket_p, _strings(input, "to_hash_bucket_strong"), num_buckets=n,
                method="strong", key=(int(k[0]), int(k[1])))

"""The string primitives and their rules: string_to_number, string_length, as_string,
string_join and string_split; the text primitives of issue 16 (case, strip, regexes,
substr, reduce_join, format, hash buckets, ragged splits, unicode decoding, ngrams) and
the hash table lookup of `tf.lookup`.

String tensors hold `bytes` (see `ember.string`). None of these primitives has a
gradient. The public ops that check and convert their arguments (`tf.strings.to_number`,
`length`, `as_string`, `join`, `split`) are in `ops/string_ops.py`.

Example:
    >>> import ember as tf
    >>> from ember.core.registry import bind
    >>> from ember.prims.strings import join_p
    >>> bind(join_p, tf.constant([b"a", b"b"]), tf.constant(b"x"), separator=b"-").numpy()
    array([b'a-x', b'b-x'], dtype=object)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import rules
from ..core.dtypes import NP_ALL, NP_INDEX, NP_STRING, as_dtype, int32, int64, string
from ..core.dtypes import bool as bool_
from ..core.errors import DTypeError, ShapeError
from ..core.registry import no_gradient, primitive
from ..core.shape import TensorSpec

__all__ = ["to_number_p", "length_p", "as_string_p", "join_p", "split_p", "lower_p",
           "upper_p", "strip_p", "regex_replace_p", "regex_full_match_p", "substr_p",
           "reduce_join_p", "format_p", "hash_bucket_p", "split_rows_p", "chars_p",
           "unicode_decode_p", "ngrams_p", "table_find_p"]


def _to_number_rule(x: TensorSpec, out_type: np.dtype) -> TensorSpec:
    return TensorSpec(x.shape, as_dtype(out_type))


def _length_rule(x: TensorSpec, unit: str) -> TensorSpec:
    return TensorSpec(x.shape, int32)


def _as_string_rule(x: TensorSpec, **params: Any) -> TensorSpec:
    return TensorSpec(x.shape, string)


def _join_rule(*xs: TensorSpec, separator: bytes) -> TensorSpec:
    for x in xs:
        rules.check_dtype("string_join", x, NP_STRING)
    return TensorSpec(rules.broadcast_shapes("string_join", *xs) if xs else (), string)


def _split_rule(x: TensorSpec, sep: Any, maxsplit: int) -> TensorSpec:
    rules.check_dtype("string_split", x, NP_STRING)
    if x.shape.rank is not None and x.shape.rank != 0:
        raise NotImplementedError(
            f"string_split: this primitive splits one scalar string (received "
            f"{rules.describe(x)}); tf.strings.split splits a vector of strings into a "
            f"RaggedTensor (string_split_rows).")
    return TensorSpec([None], string)


to_number_p = primitive("string_to_number", _to_number_rule, allowed=NP_STRING)
length_p = primitive("string_length", _length_rule, allowed=NP_STRING)
as_string_p = primitive("as_string", _as_string_rule, allowed=NP_ALL)
join_p = primitive("string_join", _join_rule, check="rule")
split_p = primitive("string_split", _split_rule, check="rule")
no_gradient(to_number_p, length_p, as_string_p, join_p, split_p)


# -- issue 16: the rest of tf.strings, and tf.lookup's table lookup -----------------------

def _same_shape_rule(out_dtype: Any):
    def rule(x: TensorSpec, **params: Any) -> TensorSpec:
        return TensorSpec(x.shape, out_dtype)
    return rule


def _substr_rule(x: TensorSpec, pos: TensorSpec, length: TensorSpec, unit: str) -> TensorSpec:
    rules.check_dtype("substr", x, NP_STRING)
    for spec, arg in ((pos, "pos"), (length, "len")):
        rules.check_dtype("substr", spec, NP_INDEX, f"`{arg}`")
    if pos.dtype != length.dtype:
        raise DTypeError(f"substr: `pos` and `len` must have one dtype, received "
                         f"{rules.describe(pos, length)}.")
    return TensorSpec(rules.broadcast_shapes("substr", x, pos, length), string)


def _reduce_join_rule(x: TensorSpec, axis: Any = None, keepdims: bool = False,
                      separator: bytes = b"") -> TensorSpec:
    axes = rules.normalize_axes("reduce_join", axis, x.shape.rank)
    return TensorSpec(rules.reduce_shape(x.shape, axes, keepdims), string)


def _format_rule(*xs: TensorSpec, template: bytes, placeholder: bytes,
                 summarize: int) -> TensorSpec:
    return TensorSpec((), string)


def _rank1(op: str, x: TensorSpec) -> None:
    if x.shape.rank is not None and x.shape.rank != 1:
        raise ShapeError(f"{op}: expected a 1-D tensor (one row per string), received "
                         f"{rules.describe(x)}.")


def _split_rows_rule(x: TensorSpec, sep: Any, maxsplit: int) -> tuple:
    rules.check_dtype("string_split_rows", x, NP_STRING)
    _rank1("string_split_rows", x)
    return _ragged_specs(x, string)


def _ragged_specs(x: TensorSpec, dtype: Any) -> tuple:
    n = x.shape[0] if x.shape.rank else None
    return TensorSpec([None], dtype), TensorSpec([None if n is None else n + 1], int64)


def _chars_rule(x: TensorSpec, unit: str, errors: str = "replace",
                replacement_char: int = 0xFFFD) -> tuple:
    rules.check_dtype("string_chars", x, NP_STRING)
    _rank1("string_chars", x)
    return _ragged_specs(x, string)


def _decode_rule(x: TensorSpec, input_encoding: str, errors: str, replacement_char: int,
                 replace_control_characters: bool) -> tuple:
    rules.check_dtype("unicode_decode", x, NP_STRING)
    _rank1("unicode_decode", x)
    return _ragged_specs(x, int32)


def _ngrams_rule(values: TensorSpec, splits: TensorSpec, widths: tuple, separator: bytes,
                 left_pad: bytes, right_pad: bytes, pad_width: int,
                 preserve_short: bool) -> tuple:
    rules.check_dtype("string_ngrams", values, NP_STRING)
    rules.check_dtype("string_ngrams", splits, NP_INDEX, "`row_splits`")
    _rank1("string_ngrams", values)
    _rank1("string_ngrams", splits)
    return TensorSpec([None], string), TensorSpec(splits.shape, splits.dtype)


def _table_find_rule(keys: TensorSpec, table_keys: TensorSpec, table_values: TensorSpec,
                     default: TensorSpec) -> TensorSpec:
    if keys.dtype != table_keys.dtype:
        raise DTypeError(f"lookup_table_find: the keys are {keys.dtype.name} but the table's "
                         f"keys are {table_keys.dtype.name}; cast the keys (ember.cast, or "
                         f"ember.strings.as_string for numbers) to {table_keys.dtype.name}.")
    if default.dtype != table_values.dtype:
        raise DTypeError(f"lookup_table_find: the default value is {default.dtype.name} but "
                         f"the table's values are {table_values.dtype.name}.")
    if default.shape.rank not in (None, 0):
        raise ShapeError(f"lookup_table_find: the default value must be a scalar, received "
                         f"{rules.describe(default)}.")
    return TensorSpec(keys.shape, table_values.dtype)


lower_p = primitive("string_lower", _same_shape_rule(string), allowed=NP_STRING)
upper_p = primitive("string_upper", _same_shape_rule(string), allowed=NP_STRING)
strip_p = primitive("string_strip", _same_shape_rule(string), allowed=NP_STRING)
regex_replace_p = primitive("regex_replace", _same_shape_rule(string), allowed=NP_STRING)
regex_full_match_p = primitive("regex_full_match", _same_shape_rule(bool_),
                               allowed=NP_STRING)
substr_p = primitive("substr", _substr_rule, check="rule")
reduce_join_p = primitive("reduce_join", _reduce_join_rule, allowed=NP_STRING)
format_p = primitive("string_format", _format_rule)
hash_bucket_p = primitive("string_to_hash_bucket", _same_shape_rule(int64), allowed=NP_STRING)
split_rows_p = primitive("string_split_rows", _split_rows_rule, check="rule",
                         multiple_results=True)
chars_p = primitive("string_chars", _chars_rule, check="rule", multiple_results=True)
unicode_decode_p = primitive("unicode_decode", _decode_rule, check="rule",
                             multiple_results=True)
ngrams_p = primitive("string_ngrams", _ngrams_rule, check="rule", multiple_results=True)
table_find_p = primitive("lookup_table_find", _table_find_rule, check="rule")
no_gradient(lower_p, upper_p, strip_p, regex_replace_p, regex_full_match_p, substr_p,
            reduce_join_p, format_p, hash_bucket_p, split_rows_p, chars_p, unicode_decode_p,
            ngrams_p, table_find_p)

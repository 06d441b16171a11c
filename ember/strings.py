"""`ember.strings`: TF's `tf.strings`.

The elementwise ops also take a RaggedTensor (they then apply to its values and keep its
rows, as TF); split, bytes_split, unicode_split, unicode_decode and ngrams give ragged
results for vectors of strings.

Example:
    >>> import ember as tf
    >>> tf.strings.lower(tf.ragged.constant([["A", "B"], ["C"]])).to_list()
    [[b'a', b'b'], [b'c']]
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from .ops import string_ops as _dense
from .ops import text_ops as _text
from .ops.string_ops import join  # noqa: F401
from .ops.text_ops import format  # noqa: F401,A004
from .ragged.ragged_string_ops import (bytes_split, ngrams, reduce_join,  # noqa: F401
                                       split, unicode_decode, unicode_split)
from .ragged.ragged_tensor import RaggedTensor


def _ragged_values(fn: Callable) -> Callable:
    """`fn`, applied to the values of a RaggedTensor first argument (rows kept)."""
    @functools.wraps(fn)
    def op(input: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(input, RaggedTensor):
            return input.with_values(fn(input.values, *args, **kwargs))
        return fn(input, *args, **kwargs)
    return op


to_number = _ragged_values(_dense.to_number)
length = _ragged_values(_dense.length)
as_string = _ragged_values(_dense.as_string)
lower = _ragged_values(_text.lower)
upper = _ragged_values(_text.upper)
strip = _ragged_values(_text.strip)
regex_replace = _ragged_values(_text.regex_replace)
regex_full_match = _ragged_values(_text.regex_full_match)
substr = _ragged_values(_text.substr)
to_hash_bucket_fast = _ragged_values(_text.to_hash_bucket_fast)
to_hash_bucket_strong = _ragged_values(_text.to_hash_bucket_strong)

__all__ = ["as_string", "bytes_split", "format", "join", "length", "lower", "ngrams",
           "reduce_join", "regex_full_match", "regex_replace", "split", "strip", "substr",
           "to_hash_bucket_fast", "to_hash_bucket_strong", "to_number", "unicode_decode",
           "unicode_split", "upper"]

"""The string primitives and their rules: string_to_number, string_length, as_string,
string_join and string_split.

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
from ..core.dtypes import NP_ALL, NP_STRING, as_dtype, int32, string
from ..core.registry import no_gradient, primitive
from ..core.shape import TensorSpec

__all__ = ["to_number_p", "length_p", "as_string_p", "join_p", "split_p"]


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
            f"string_split: ember splits only a scalar string for now (received "
            f"{rules.describe(x)}); splitting rank >= 1 gives a RaggedTensor, which is "
            f"issue 16. Split each element in a dataset map, or use tf.map_fn.")
    return TensorSpec([None], string)


to_number_p = primitive("string_to_number", _to_number_rule, allowed=NP_STRING)
length_p = primitive("string_length", _length_rule, allowed=NP_STRING)
as_string_p = primitive("as_string", _as_string_rule, allowed=NP_ALL)
join_p = primitive("string_join", _join_rule, check="rule")
split_p = primitive("string_split", _split_rule, check="rule")
no_gradient(to_number_p, length_p, as_string_p, join_p, split_p)

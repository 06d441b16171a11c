"""The random primitives and their rules: random_uniform, random_normal,
random_truncated_normal, random_bits and random_shuffle; the `*_dynamic` samplers of a
shape known only at run time; and `sample`, which binds a sampler for a static or
run-time shape.

A primitive is stateless: a key tensor (an integer array of shape [2]) and static params
in, values out; the same key always gives the same values. None has a gradient. The
samplers that check an op's arguments and apply a distribution's parameters (mean,
stddev, [minval, maxval), categorical) are in `ops/random_samplers.py`; the state that
makes the keys (global seed, Generator) is in `ops/random_ops.py` and
`ops/random_generator.py`.

Example:
    >>> import numpy as np
    >>> import ember as tf
    >>> from ember.prims.random import random_uniform_p, sample
    >>> key = tf.constant([1, 2])
    >>> u = sample(random_uniform_p, key, (2, 3), np.dtype(np.float32))
    >>> u.shape, bool(tf.reduce_all(u == sample(random_uniform_p, key, (2, 3),
    ...                                          np.dtype(np.float32))))
    (TensorShape([2, 3]), True)
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core import rules
from ..core.dtypes import BY_NP, NP_INTS
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.registry import Primitive, bind, bind_as, no_gradient, primitive
from ..core.shape import TensorSpec

__all__ = ["random_uniform_p", "random_normal_p", "random_truncated_normal_p",
           "random_bits_p", "random_shuffle_p", "RunTimeShape", "sample"]


def _check_key(op: str, key: TensorSpec) -> None:
    rules.check_dtype(op, key, NP_INTS, " for the key")
    if key.shape.rank is not None and (key.shape.rank != 1 or key.shape[0] not in (None, 2)):
        raise ShapeError(f"{op}: the key must have shape [2], received {rules.describe(key)}.")


def _sample_rule(op: str, unsigned: bool = False):
    def rule(key: TensorSpec, shape: tuple, dtype: np.dtype) -> TensorSpec:
        _check_key(op, key)
        dt = BY_NP[np.dtype(dtype)]
        if not (dt.is_unsigned if unsigned else dt.is_floating):
            kind = "uint32 or uint64" if unsigned else "a float dtype"
            raise DTypeError(f"{op}: the output dtype must be {kind}, received {dt.name}.")
        return TensorSpec(shape, dt)
    return rule


def _shuffle_rule(key: TensorSpec, value: TensorSpec) -> TensorSpec:
    _check_key("random_shuffle", key)
    return TensorSpec(value.shape, value.dtype)


random_uniform_p = primitive("random_uniform", _sample_rule("random_uniform"),
                             allowed=NP_INTS)
random_normal_p = primitive("random_normal", _sample_rule("random_normal"),
                            allowed=NP_INTS)
random_truncated_normal_p = primitive(
    "random_truncated_normal", _sample_rule("random_truncated_normal"), allowed=NP_INTS)
random_bits_p = primitive("random_bits", _sample_rule("random_bits", unsigned=True),
                          allowed=NP_INTS)
random_shuffle_p = primitive("random_shuffle", _shuffle_rule, allowed=NP_INTS)

# NOTE: no sample has a gradient with respect to the key, and shuffle none with respect
# to its value, as TF (RandomShuffle is not differentiable there). The distribution
# parameters (mean, stddev, minval, maxval) are applied by differentiable ops afterwards.
no_gradient(random_uniform_p, random_normal_p, random_truncated_normal_p, random_bits_p,
            random_shuffle_p)


def _dynamic_rule(op: str, unsigned: bool = False):
    """The rule of a sampler whose shape is a 1-D int tensor read at run time; `dims` is
    its static hint (None where unknown)."""
    static = _sample_rule(op, unsigned)

    def rule(key: TensorSpec, shape: TensorSpec, dims: tuple, dtype: np.dtype) -> TensorSpec:
        if shape.shape.rank != 1 or shape.shape[0] not in (None, len(dims)):
            raise ShapeError(f"{op}: the shape must be a 1-D int tensor of {len(dims)} "
                             f"entries, received {rules.describe(shape)}.")
        return static(key, dims, dtype)
    return rule


def _dims_values(prim: str) -> Callable:
    """The value check of a dynamic sampler: the eager error for a negative dim (it names
    the primitive; `sample` binds under the public op's name, which replaces it)."""
    def check(key: np.ndarray, shape: np.ndarray, dims: tuple, dtype: np.dtype) -> None:
        got = [int(d) for d in np.asarray(shape).reshape(-1)]
        if any(d < 0 for d in got):
            raise InvalidArgumentError(f"{prim}: shape dimensions must be >= 0, received "
                                       f"{got}.")
    return check


def _dynamic(name: str, unsigned: bool = False) -> Primitive:
    return primitive(f"{name}_dynamic", _dynamic_rule(name, unsigned), allowed=NP_INTS,
                     value_check=_dims_values(f"{name}_dynamic"))


# Samplers of a shape known only at run time (inside ember.function, e.g. the batch dim):
# the same kernels, given the shape as a tensor.
random_uniform_dynamic_p = _dynamic("random_uniform")
random_normal_dynamic_p = _dynamic("random_normal")
random_truncated_normal_dynamic_p = _dynamic("random_truncated_normal")
random_bits_dynamic_p = _dynamic("random_bits", unsigned=True)

_DYNAMIC = {random_uniform_p: random_uniform_dynamic_p,
            random_normal_p: random_normal_dynamic_p,
            random_truncated_normal_p: random_truncated_normal_dynamic_p,
            random_bits_p: random_bits_dynamic_p}
no_gradient(*_DYNAMIC.values())


class RunTimeShape(tuple):
    """An output shape with dims known only at run time: the static `dims` (None where
    unknown) and the 1-D int `tensor` that holds the shape when the graph runs, for the
    public op `op` (whose name a bad shape's error carries)."""

    def __new__(cls, dims: tuple, tensor: Any, op: str):
        obj = super().__new__(cls, dims)
        obj.dims, obj.tensor, obj.op = dims, tensor, op
        return obj


def sample(prim: Primitive, key: Any, shape: tuple, dtype: np.dtype) -> Any:
    """Binds sampler `prim` (random_uniform_p, random_normal_p, random_truncated_normal_p
    or random_bits_p) for `shape`: static dims, or a `RunTimeShape`, for which it binds
    the `*_dynamic` sampler under the public op's name."""
    if type(shape) is RunTimeShape:
        return bind_as(shape.op, _DYNAMIC[prim], key, shape.tensor, dims=shape.dims,
                       dtype=dtype)
    return bind(prim, key, shape=shape, dtype=dtype)

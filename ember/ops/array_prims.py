"""The array primitives and their shape rules: reshape, transpose, broadcast_to, concat,
split, pad, tile, reverse, range; and, for shapes only known at run time (inside
ember.function), broadcast_to_dynamic, reshape_dynamic and split_like.

Every other array op (expand_dims, squeeze, stack, unstack, repeat, zeros, one_hot, eye,
linspace, ...) is a composite of these, written in `shape_ops` and `creation_ops`.
Rules accept unknown (None) dims and give None where a dim can't be known statically.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from ..core import rules
from ..core.dtypes import BY_NP
from ..core.errors import (DTypeError, InvalidArgumentError, ShapeError, SymbolicValueError,
                           fmt_dims, fmt_spec)
from ..core.registry import primitive
from ..core.shape import TensorShape, TensorSpec
from ..core.graph import Tracer
from ..core.tensor import ConcreteTensor
from ..core.rules import describe

PAD_MODES = ("CONSTANT", "REFLECT", "SYMMETRIC")


def spec(x: Any) -> TensorSpec:
    """The TensorSpec of a tensor (for error messages)."""
    return TensorSpec(x.shape, x.dtype)


def desc(x: Any) -> str:
    """`float32[2, 3]` for a tensor."""
    return describe(spec(x))


def _num(shape: Any) -> int | None:
    n = 1
    for d in shape:
        if d is None:
            return None
        n *= d
    return n


# -- reshape ---------------------------------------------------------------------

def _reshape_rule(x: TensorSpec, shape: tuple) -> TensorSpec:
    if sum(1 for d in shape if d == -1) > 1:
        raise InvalidArgumentError(f"reshape: shape {fmt_dims(shape)} has more than one -1; "
                                   f"only one dimension can be inferred.")
    if any(d is None or d < -1 for d in shape):
        raise InvalidArgumentError(f"reshape: shape {fmt_dims(shape)} has a dimension below "
                                   f"-1 or None; use non-negative sizes and at most one -1.")
    known = _num(d for d in shape if d != -1)
    total = _num(x.shape)
    if -1 not in shape:
        if total is not None and total != known:
            raise ShapeError(
                f"reshape: cannot reshape {describe(x)} ({total} elements) into shape "
                f"{fmt_dims(shape)} ({known} elements). The element counts must match; put "
                f"-1 in one dimension to infer it.")
        return TensorSpec(shape, x.dtype)
    if total is None:
        return TensorSpec([None if d == -1 else d for d in shape], x.dtype)
    if known == 0 or total % known:
        raise ShapeError(
            f"reshape: cannot reshape {describe(x)} ({total} elements) into shape "
            f"{fmt_dims(shape)}: {total} is not a multiple of {known}, the product of the "
            f"other dims, so -1 can't be inferred.")
    return TensorSpec([total // known if d == -1 else d for d in shape], x.dtype)


# -- transpose -------------------------------------------------------------------

def _transpose_rule(x: TensorSpec, perm: tuple) -> TensorSpec:
    if sorted(perm) != list(range(x.shape.rank)):
        raise InvalidArgumentError(
            f"transpose: perm {list(perm)} is not a permutation of the axes of {describe(x)}; "
            f"expected each of 0..{x.shape.rank - 1} exactly once.")
    return TensorSpec([x.shape[p] for p in perm], x.dtype)


# -- broadcast_to ----------------------------------------------------------------

def _broadcast_to_rule(x: TensorSpec, shape: tuple) -> TensorSpec:
    rank = x.shape.rank
    if any(d is not None and d < 0 for d in shape):
        raise InvalidArgumentError(f"broadcast_to: shape {fmt_dims(shape)} has a negative "
                                   f"dimension.")
    if rank > len(shape):
        raise ShapeError(f"broadcast_to: cannot broadcast {describe(x)} to shape "
                         f"{fmt_dims(shape)}, which has fewer dimensions.")
    for i in range(1, rank + 1):
        d, t = x.shape[-i], shape[-i]
        if d not in (1, None) and t is not None and d != t:
            raise ShapeError(
                f"broadcast_to: cannot broadcast {describe(x)} to shape {fmt_dims(shape)}: "
                f"dimension {-i} is {d} but the target is {t}. Each input dimension must be "
                f"1 or equal to the target's.")
    return TensorSpec(shape, x.dtype)


# -- concat / split ----------------------------------------------------------------

def _concat_rule(*xs: TensorSpec, axis: int) -> TensorSpec:
    if not xs:
        raise InvalidArgumentError("concat: needs at least one tensor.")
    dt = rules.same_dtype("concat", *xs)
    first = xs[0]
    rank = first.shape.rank
    if rank == 0:
        raise ShapeError(f"concat: can't concatenate scalars (received {describe(*xs)}); "
                         f"use ember.stack to join scalars into a vector.")
    out = list(first.shape)
    for s in xs[1:]:
        if s.shape.rank != rank:
            raise ShapeError(
                f"concat: all tensors must have the same rank, received {describe(first)} "
                f"(rank {rank}) and {describe(s)} (rank {s.shape.rank}).")
        for i, d in enumerate(s.shape):
            if i == axis:
                out[i] = None if out[i] is None or d is None else out[i] + d
            elif out[i] is None:
                out[i] = d
            elif d is not None and d != out[i]:
                raise ShapeError(
                    f"concat: shapes {describe(first)} and {describe(s)} differ in dimension "
                    f"{i} ({out[i]} vs {d}); along axis {axis} they may differ, every other "
                    f"dimension must match.")
    return TensorSpec(out, dt)


def _split_rule(x: TensorSpec, sizes: Any, axis: int) -> tuple:
    if x.shape.rank == 0:
        raise ShapeError(f"split: can't split a scalar ({describe(x)}).")
    dim = x.shape[axis]
    if isinstance(sizes, int):
        if sizes < 1:
            raise InvalidArgumentError(f"split: the number of splits must be >= 1, "
                                       f"received {sizes}.")
        if dim is not None and dim % sizes:
            raise InvalidArgumentError(
                f"split: dimension {axis} of {describe(x)} has size {dim}, which is not "
                f"divisible by num_or_size_splits={sizes}. Pass a list of sizes to split "
                f"unevenly.")
        part = None if dim is None else dim // sizes
        return tuple(_with_dim(x, axis, part) for _ in range(sizes))
    if sum(1 for s in sizes if s == -1) > 1 or any(s < -1 for s in sizes):
        raise InvalidArgumentError(f"split: sizes {list(sizes)} must be non-negative, with "
                                   f"at most one -1 (inferred).")
    known = sum(s for s in sizes if s != -1)
    if dim is not None:
        if (-1 in sizes and known > dim) or (-1 not in sizes and known != dim):
            raise InvalidArgumentError(
                f"split: sizes {list(sizes)} must add up to {dim}, the size of dimension "
                f"{axis} of {describe(x)}.")
        sizes = tuple(dim - known if s == -1 else s for s in sizes)
    return tuple(_with_dim(x, axis, None if s == -1 else s) for s in sizes)


def _with_dim(x: TensorSpec, axis: int, d: int | None) -> TensorSpec:
    shape = list(x.shape)
    shape[axis] = d
    return TensorSpec(shape, x.dtype)


# -- run-time shapes ---------------------------------------------------------------
# NOTE: inside ember.function a dim may be unknown (None) until the graph runs. These
# primitives take what they need to know of a shape as a tensor input, read at run time:
# the target shape (broadcast_to_dynamic, reshape_dynamic), or tensors whose sizes along
# `axis` give the pieces (split_like). `dims` is the static part of the target shape
# (None where unknown), for the shape rule only.

def _check_shape_input(op: str, s: TensorSpec, dims: tuple) -> None:
    if not s.dtype.is_integer or s.shape.rank != 1:
        raise (DTypeError if not s.dtype.is_integer else InvalidArgumentError)(
            f"{op}: the shape must be a 1-D integer tensor, received {describe(s)}.")
    if s.shape[0] is not None and s.shape[0] != len(dims):
        raise InvalidArgumentError(
            f"{op}: the static dims {fmt_dims(dims)} don't match the shape tensor "
            f"{describe(s)}; give one dim per entry.")


def _broadcast_to_dynamic_rule(x: TensorSpec, s: TensorSpec, dims: tuple) -> TensorSpec:
    _check_shape_input("broadcast_to", s, dims)
    if any(d is not None and d < 0 for d in dims):
        raise InvalidArgumentError(f"broadcast_to: shape {fmt_dims(dims)} has a negative "
                                   f"dimension.")
    rank = x.shape.rank
    if rank > len(dims):
        raise ShapeError(f"broadcast_to: cannot broadcast {describe(x)} to a shape of rank "
                         f"{len(dims)} {fmt_dims(dims)}, which has fewer dimensions.")
    out = list(dims)
    for i in range(1, rank + 1):
        d, t = x.shape[-i], dims[-i]
        if d is None or d == 1:
            continue
        if t is None:
            out[-i] = d  # a dim other than 1 can only broadcast to itself
        elif t != d:
            raise ShapeError(
                f"broadcast_to: cannot broadcast {describe(x)} to shape {fmt_dims(dims)}: "
                f"dimension {-i} is {d} but the target is {t}. Each input dimension must be "
                f"1 or equal to the target's.")
    return TensorSpec(out, x.dtype)


def _reshape_dynamic_rule(x: TensorSpec, s: TensorSpec, dims: tuple) -> TensorSpec:
    _check_shape_input("reshape", s, dims)
    out = list(dims)
    unknown = [i for i, d in enumerate(out) if d is None]
    known = _num(d for d in out if d is not None)
    total = _num(x.shape)
    if total is not None and len(unknown) <= 1:
        if (not unknown and known != total) or (unknown and known and total % known):
            raise ShapeError(
                f"reshape: cannot reshape {describe(x)} ({total} elements) into shape "
                f"{fmt_dims(dims)}: the element counts can't match.")
        if unknown and known:
            out[unknown[0]] = total // known
    return TensorSpec(out, x.dtype)


def _split_like_rule(x: TensorSpec, *likes: TensorSpec, axis: int) -> tuple:
    rank = x.shape.rank
    if not likes or not 0 <= axis < rank:
        raise InvalidArgumentError(f"split_like: needs at least one tensor to size the "
                                   f"pieces and an axis of {describe(x)}, received "
                                   f"{len(likes)} and axis={axis}.")
    outs, total = [], 0
    for t in likes:
        if t.shape.rank != rank:
            raise ShapeError(f"split_like: {describe(t)} must have the rank of "
                             f"{describe(x)}.")
        d = t.shape[axis]
        total = None if total is None or d is None else total + d
        outs.append(_with_dim(x, axis, d))
    if total is not None and x.shape[axis] is not None and total != x.shape[axis]:
        raise ShapeError(f"split_like: the pieces {describe(*likes)} add up to {total} along "
                         f"axis {axis}, but {describe(x)} has {x.shape[axis]}.")
    return tuple(outs)


# -- pad / tile / reverse --------------------------------------------------------------

def _pad_rule(x: TensorSpec, paddings: tuple, mode: str, constant_values: Any) -> TensorSpec:
    rank = x.shape.rank
    if len(paddings) != rank or any(len(p) != 2 for p in paddings):
        raise InvalidArgumentError(
            f"pad: paddings must have shape [{rank}, 2] (a [before, after] pair per "
            f"dimension of {describe(x)}), received {[list(p) for p in paddings]}.")
    if mode not in PAD_MODES:
        raise InvalidArgumentError(f"pad: mode must be one of {', '.join(PAD_MODES)} "
                                   f"(any case), received {mode!r}.")
    out = []
    for i, ((before, after), d) in enumerate(zip(paddings, x.shape)):
        if before < 0 or after < 0:
            raise InvalidArgumentError(f"pad: paddings must be non-negative, received "
                                       f"{[before, after]} for dimension {i}.")
        limit = None if d is None else d - 1 if mode == "REFLECT" else d
        if mode != "CONSTANT" and limit is not None and max(before, after) > limit:
            raise InvalidArgumentError(
                f"pad: {mode} padding of dimension {i} of {describe(x)} can be at most "
                f"{limit} (the dim size{' - 1' if mode == 'REFLECT' else ''}), received "
                f"{[before, after]}. Use a smaller padding or mode='CONSTANT'.")
        out.append(None if d is None else d + before + after)
    return TensorSpec(out, x.dtype)


def _tile_rule(x: TensorSpec, multiples: tuple) -> TensorSpec:
    if len(multiples) != x.shape.rank:
        raise InvalidArgumentError(
            f"tile: multiples must have one entry per dimension of {describe(x)} "
            f"({x.shape.rank}), received {list(multiples)}.")
    if any(m < 0 for m in multiples):
        raise InvalidArgumentError(f"tile: multiples must be non-negative, received "
                                   f"{list(multiples)}.")
    return TensorSpec([0 if m == 0 else None if d is None else d * m
                       for d, m in zip(x.shape, multiples)], x.dtype)


def _reverse_rule(x: TensorSpec, axis: tuple) -> TensorSpec:
    rules.normalize_axes("reverse", axis, x.shape.rank)
    return TensorSpec(x.shape, x.dtype)


# -- range --------------------------------------------------------------------------

def _range_rule(start: Any, delta: Any, size: int, dtype: Any) -> TensorSpec:
    return TensorSpec((size,), BY_NP[dtype])


reshape_p = primitive("reshape", _reshape_rule)
transpose_p = primitive("transpose", _transpose_rule)
broadcast_to_p = primitive("broadcast_to", _broadcast_to_rule)
# NOTE: NumPy would promote mixed dtypes (concat checks them inline), and split at any
# indices, reflect a pad larger than the dim and tile with too few multiples, silently:
# the rules of split, pad and tile run before their kernels.
concat_p = primitive("concat", _concat_rule, same_dtype=True)
split_p = primitive("split", _split_rule, check="rule", multiple_results=True)
pad_p = primitive("pad", _pad_rule, check="rule")
tile_p = primitive("tile", _tile_rule, check="rule")
reverse_p = primitive("reverse", _reverse_rule)
range_p = primitive("range", _range_rule)


def _spec_of_array(x: np.ndarray) -> TensorSpec:
    return TensorSpec(x.shape, BY_NP[x.dtype])


def _broadcast_to_values(x: np.ndarray, shape: np.ndarray, dims: tuple) -> None:
    """The eager error of broadcast_to for the shape read at run time."""
    _broadcast_to_rule(_spec_of_array(x), shape=tuple(int(d) for d in shape))


def _reshape_values(x: np.ndarray, shape: np.ndarray, dims: tuple) -> None:
    """The eager error of reshape for the shape read at run time."""
    _reshape_rule(_spec_of_array(x), shape=tuple(int(d) for d in shape))


# NOTE: their kernels read the shape at run time; a shape NumPy refuses gets the error the
# static rule gives eagerly (`value_check`), e.g. inside fit's compiled step.
broadcast_to_dynamic_p = primitive("broadcast_to_dynamic", _broadcast_to_dynamic_rule,
                                   value_check=_broadcast_to_values)
reshape_dynamic_p = primitive("reshape_dynamic", _reshape_dynamic_rule,
                              value_check=_reshape_values)
# NOTE: np.split cuts wherever it is told: the rule checks the pieces fill the axis.
split_like_p = primitive("split_like", _split_like_rule, check="rule",
                         multiple_results=True)


# -- partly known values of symbolic int tensors ----------------------------------------
# `ember.shape(x)` of a tensor with unknown dims is symbolic, but its other entries are
# x's static dims, and its unknown ones are x's own dims (`DimOf`). Recording them lets
# `zeros(shape(x))`, `reshape(y, shape(x))`, ... keep every known dim (and take the
# static path when nothing is unknown), and `reshape(x, [shape(x)[0], -1])` infer the -1.

_VALUES: dict = {}  # id(symbolic tensor) -> (weak reference, partly known value)


class DimOf:
    """An unknown dim known to be dim `axis` of the tensor `ref()` (held weakly)."""

    __slots__ = ("ref", "axis")

    def __init__(self, x: Any, axis: int):
        self.ref = weakref.ref(x)
        self.axis = axis


def note_value(t: Any, value: Any) -> None:
    """Records the partly known value of a symbolic int tensor: a tuple of ints, None and
    DimOf for a 1-D one, an int, None or a DimOf for a scalar."""
    key = id(t)
    try:
        ref = weakref.ref(t, lambda _, k=key: _VALUES.pop(k, None))
    except TypeError:  # a symbolic tensor type without weak references: not recorded
        return
    _VALUES[key] = (ref, value)


def known_value(t: Any, symbols: bool = False) -> Any:
    """The value of an int tensor as far as it is known: a concrete tensor's (a tuple, or
    an int for a scalar), a recorded one's (None where unknown; with `symbols`, a DimOf
    where it is a dim of a known tensor), else None."""
    if isinstance(t, ConcreteTensor):
        v = np.asarray(t._value)
        if v.dtype.kind not in "iu" or v.ndim > 1:
            return None
        return int(v) if v.ndim == 0 else tuple(int(i) for i in v)
    entry = _VALUES.get(id(t))
    if entry is None or entry[0]() is not t:
        return None
    value = entry[1]
    if symbols:
        return value
    if isinstance(value, tuple):
        return tuple(None if isinstance(d, DimOf) else d for d in value)
    return None if isinstance(value, DimOf) else value


# -- static arguments ----------------------------------------------------------------

def trace_time_value_error(op: str, what: str, value: Any) -> SymbolicValueError:
    """The error for a symbolic tensor (inside ember.function) where `op` needs the value
    of `what` while the function is traced."""
    return SymbolicValueError(
        f"{op}: {what} must be known when ember.function traces the function (a Python "
        f"value or a tensor computed from constants), received a symbolic "
        f"{describe(TensorSpec(value.shape, value.dtype))} tensor whose value is only known "
        f"when the function runs. Pass {what} as a Python value (e.g. an argument that is "
        f"not a tensor: each new value traces anew), or run the function eagerly.")


def static_int(value: Any, op: str, what: str) -> int:
    """A Python int from an int, NumPy integer or scalar int tensor (also a symbolic one
    whose value is known when traced, e.g. `ember.shape(x)[1]` of a static dim)."""
    if isinstance(value, Tracer):
        known = known_value(value)
        if type(known) is int:
            return known
        raise trace_time_value_error(op, what, value)
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise DTypeError(f"{op}: {what} must be an integer, received {value!r}.")
    if isinstance(value, (ConcreteTensor, np.ndarray)):
        arr = np.asarray(value._value if isinstance(value, ConcreteTensor) else value)
        if arr.ndim != 0 or arr.dtype.kind not in "iu":
            raise DTypeError(f"{op}: {what} must be a scalar integer, received a "
                             f"{_arr_desc(arr)} value.")
        return int(arr)
    try:
        return value.__index__()
    except (AttributeError, TypeError):
        raise DTypeError(f"{op}: {what} must be an integer, received {value!r} of type "
                         f"{type(value).__name__}.") from None


def static_ints(value: Any, op: str, what: str) -> list:
    """A list of Python ints from a shape-like value: an int, a list or tuple (of ints or
    scalar int tensors), a TensorShape, or a 1-D int tensor or array."""
    if isinstance(value, Tracer):
        raise trace_time_value_error(op, what, value)
    if isinstance(value, (ConcreteTensor, np.ndarray, np.generic)):
        arr = np.asarray(value._value if isinstance(value, ConcreteTensor) else value)
        if arr.dtype.kind not in "iu" and not (arr.size == 0 and arr.dtype.kind == "f"):
            raise DTypeError(f"{op}: {what} must hold integers, received a "
                             f"{_arr_desc(arr)} value.")
        if arr.ndim > 1:
            raise InvalidArgumentError(f"{op}: {what} must be a 1-D list of integers, "
                                       f"received a {_arr_desc(arr)} value.")
        return [int(v) for v in arr.reshape(-1)]
    if isinstance(value, TensorShape) and value.rank is None:
        raise InvalidArgumentError(f"{op}: {what} has unknown rank; pass a known shape.")
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            if v is None:
                raise InvalidArgumentError(
                    f"{op}: {what} {_show(value)} has an unknown (None) dimension; ember "
                    f"needs a known size here: use -1 in reshape to infer one dim, or "
                    f"pass ember.shape(x) (read at run time) instead of x.shape.")
            out.append(static_int(v, op, f"each entry of {what}"))
        return out
    return [static_int(value, op, what)]


def _arr_desc(arr: np.ndarray) -> str:
    name = BY_NP[arr.dtype].name if arr.dtype in BY_NP else str(arr.dtype)
    return fmt_spec(arr.shape, name)


def _show(value: Any) -> str:
    return fmt_dims(value) if isinstance(value, TensorShape) else repr(list(value))

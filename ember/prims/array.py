"""The array primitives, their shape rules and gradients: cast, reshape, transpose,
broadcast_to, concat, split, reverse, range and shape; for shapes only known at run time
(inside ember.function) broadcast_to_dynamic, reshape_dynamic and split_like; and the
helpers that build shapes read at run time.

pad lives with slicing (`prims/index.py`, its gradient is a slice) and tile with the
reductions (`prims/reduce.py`, its gradient is a sum). Every other array op (expand_dims,
squeeze, stack, zeros, one_hot, ...) is a composite in `ops/`. Rules accept unknown (None)
dims and give None where a dim can't be known statically; every gradient works with
unknown dims (sizes it can't know statically are read at run time).

Example:
    >>> import ember as tf
    >>> from ember.core.registry import bind
    >>> from ember.prims.array import reshape_p
    >>> bind(reshape_p, tf.range(6), shape=(2, 3)).shape
    TensorShape([2, 3])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import rules
from ..core.dtypes import BY_NP, NP_ALL, NP_COMPLEX
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError, fmt_dims
from ..core.registry import bind, defvjp, no_gradient, primitive
from ..core.rules import describe
from ..core.shape import TensorSpec
from ..core.tensor import ConcreteTensor, TensorOps, wrap
from .values import DimOf, desc, known_value, note_value, static_int, static_ints


def _num(shape: Any) -> int | None:
    n = 1
    for d in shape:
        if d is None:
            return None
        n *= d
    return n


# -- cast ----------------------------------------------------------------------------

def _cast_rule(x: TensorSpec, dtype: np.dtype) -> TensorSpec:
    return TensorSpec(x.shape, BY_NP[dtype])


cast_p = primitive("cast", _cast_rule, allowed=NP_ALL | NP_COMPLEX)


def _cast_vjp(g: Any, ins: tuple, out: Any, dtype: Any) -> tuple:
    # NOTE: between floating and complex dtypes, as TF's _CastGrad: a complex cotangent
    # cast to a real source keeps its real part (d/dx of the real part of x + 0i).
    src, dst = ins[0].dtype, out.dtype
    if (src.is_floating or src.is_complex) and (dst.is_floating or dst.is_complex):
        return (g if g.dtype == src else bind(cast_p, g, dtype=src._numpy()),)
    return (None,)


defvjp(cast_p, _cast_vjp)


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


# -- reverse / range ---------------------------------------------------------------------

def _reverse_rule(x: TensorSpec, axis: tuple) -> TensorSpec:
    rules.normalize_axes("reverse", axis, x.shape.rank)
    return TensorSpec(x.shape, x.dtype)


# -- range --------------------------------------------------------------------------

def _range_rule(start: Any, delta: Any, size: int, dtype: Any) -> TensorSpec:
    return TensorSpec((size,), BY_NP[dtype])


reshape_p = primitive("reshape", _reshape_rule)
transpose_p = primitive("transpose", _transpose_rule)
broadcast_to_p = primitive("broadcast_to", _broadcast_to_rule)
# NOTE: NumPy would promote mixed dtypes (concat checks them inline) and split at any
# indices silently: the rule of split runs before its kernel.
concat_p = primitive("concat", _concat_rule, same_dtype=True)
split_p = primitive("split", _split_rule, check="rule", multiple_results=True)
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


# -- shape ---------------------------------------------------------------------------

def _shape_rule(x: TensorSpec, out_type: Any) -> TensorSpec:
    return TensorSpec([x.shape.rank], BY_NP[np.dtype(out_type)])


# NOTE: a primitive only for tensors whose static shape has unknown dims (inside
# ember.function): elsewhere the shape is a constant.
shape_p = primitive("shape", _shape_rule)
no_gradient(shape_p)


def shape_of(x: Any, dtype: Any = np.int32) -> Any:
    """The shape of tensor `x` as a 1-D int tensor: a constant when fully known, else read
    at run time, its known entries recorded (`values.note_value`)."""
    dt = np.dtype(dtype)
    if x.shape.is_fully_defined():
        return wrap(np.array(tuple(x.shape), dtype=dt))
    out = bind(shape_p, x, out_type=dt)
    note_value(out, tuple(DimOf(x, i) if d is None else d for i, d in enumerate(x.shape)))
    return out


# -- shapes read at run time -----------------------------------------------------------

def symbolic(v: Any) -> bool:
    """Whether `v` is a tensor without a value yet (a Tracer inside ember.function)."""
    return isinstance(v, TensorOps) and not isinstance(v, ConcreteTensor)


def shape_tensor(parts: list) -> Any:
    """A 1-D int tensor from ints and scalar int tensors (int64 if any part is)."""
    wide = any(not isinstance(p, int) and p.dtype.name == "int64" for p in parts)
    dt = np.dtype(np.int64 if wide else np.int32)
    pieces: list = []
    run: list = []  # consecutive ints go in one constant
    for p in parts:
        if isinstance(p, int):
            run.append(p)
            continue
        if run:
            pieces.append(wrap(np.array(run, dt)))
            run = []
        p = p if p.dtype._numpy() == dt else bind(cast_p, p, dtype=dt)
        pieces.append(bind(reshape_p, p, shape=(1,)))
    if run:
        pieces.append(wrap(np.array(run, dt)))
    return pieces[0] if len(pieces) == 1 else bind(concat_p, *pieces, axis=0)


def shape_arg(value: Any, op: str, what: str = "shape") -> tuple:
    """A shape argument as `(dims, tensor)`: `dims` are its entries, None where unknown
    until run time, and `tensor` is None when every entry is static, else a 1-D int tensor
    holding the shape (e.g. `ember.shape(x)` inside ember.function, or a list mixing ints
    and scalar int tensors such as `[ember.shape(x)[0], -1]`)."""
    if type(value) in (list, tuple) and all(type(v) is int for v in value):
        return tuple(value), None  # the common eager case
    if symbolic(value):
        if not value.dtype.is_integer or value.shape.rank != 1 or value.shape[0] is None:
            raise (DTypeError if not value.dtype.is_integer else InvalidArgumentError)(
                f"{op}: {what} must be a 1-D integer tensor of known length, received "
                f"{desc(value)}.")
        kv = known_value(value)
        dims = tuple(kv) if isinstance(kv, tuple) else (None,) * value.shape[0]
        return dims, (None if None not in dims else value)
    if isinstance(value, (list, tuple)) and any(symbolic(v) for v in value):
        parts = []
        for v in value:
            if not symbolic(v):
                parts.append(static_int(v, op, f"each entry of {what}"))
                continue
            if not v.dtype.is_integer or v.shape.rank != 0:
                raise DTypeError(f"{op}: each entry of {what} must be an integer, "
                                 f"received a {desc(v)} tensor.")
            kv = known_value(v)
            parts.append(kv if isinstance(kv, int) else v)
        dims = tuple(p if isinstance(p, int) else None for p in parts)
        return dims, (None if None not in dims else shape_tensor(parts))
    return tuple(static_ints(value, op, what)), None


def dim_symbols(value: Any) -> tuple | None:
    """The entries of a shape argument (as `shape_arg` takes) as ints, DimOf (a dim of a
    known tensor) and None (unknown); None when it can't tell."""
    if symbolic(value):
        kv = known_value(value, symbols=True)
        return kv if isinstance(kv, tuple) else None
    if isinstance(value, (list, tuple)):
        return tuple(known_value(v, symbols=True) if symbolic(v) else
                     static_int(v, "reshape", "shape") for v in value)
    return None


def resolve_own_dims(x: Any, entries: tuple | None) -> tuple | None:
    """Static dims for reshaping `x` to `entries` (from `dim_symbols`) whose unknown
    entries are exactly x's own unknown dims (any order), with at most one -1, which is
    then inferred: reshape(x, [shape(x)[0], -1]) of x: [None, 3, 4] gives (None, 12).
    Returns the dims with None for those entries, or None if that isn't the case."""
    if entries is None or any(e is None for e in entries):
        return None
    own = sorted(i for i, d in enumerate(x.shape) if d is None)
    syms = [e for e in entries if isinstance(e, DimOf)]
    if any(e.ref() is not x for e in syms) or sorted(e.axis for e in syms) != own:
        return None
    k_in = int(np.prod([d for d in x.shape if d is not None], dtype=np.int64))
    k_out = int(np.prod([e for e in entries if isinstance(e, int) and e != -1],
                        dtype=np.int64))
    if -1 in entries:
        if k_out == 0 or k_in % k_out:
            return None
        entries = tuple(k_in // k_out if e == -1 else e for e in entries)
    elif k_in != k_out:
        return None
    return tuple(None if isinstance(e, DimOf) else e for e in entries)


def reshape_parts(x: Any, parts: list) -> Any:
    """`x` reshaped to dims given as ints and scalar int tensors (read at run time).

    With at most one dim unknown statically, a static reshape (-1 there) does it."""
    dims = tuple(p if isinstance(p, int) else None for p in parts)
    if sum(1 for d in dims if d is None or d == -1) <= 1:
        return bind(reshape_p, x, shape=tuple(-1 if d is None else d for d in dims))
    return bind(reshape_dynamic_p, x, shape_tensor(parts),
                dims=tuple(None if d == -1 else d for d in dims))


def reshape_like(x: Any, target: Any) -> Any:
    """`x` reshaped to the shape of `target` (read at run time if it has to be)."""
    dims = tuple(target.shape)
    if sum(1 for d in dims if d is None) <= 1:
        return bind(reshape_p, x, shape=tuple(-1 if d is None else d for d in dims))
    return bind(reshape_dynamic_p, x, shape_of(target), dims=dims)


def leading_one(x: Any) -> Any:
    """`x` with a new axis of size 1 in front (any unknown dims read at run time)."""
    dims = (1,) + tuple(x.shape)
    if sum(1 for d in dims if d is None) <= 1:
        return bind(reshape_p, x, shape=tuple(-1 if d is None else d for d in dims))
    one = wrap(np.ones((1,), np.int32))
    return bind(reshape_dynamic_p, x, bind(concat_p, one, shape_of(x), axis=0), dims=dims)


def broadcast_parts(x: Any, parts: list) -> Any:
    """`x` broadcast to dims given as ints and scalar int tensors (read at run time)."""
    dims = tuple(p if isinstance(p, int) else None for p in parts)
    if None not in dims:
        return bind(broadcast_to_p, x, shape=dims)
    return bind(broadcast_to_dynamic_p, x, shape_tensor(parts), dims=dims)


def broadcast_like(x: Any, target: Any) -> Any:
    """`x` broadcast to the shape of `target` (read at run time if it has to be)."""
    dims = tuple(target.shape)
    if None not in dims:
        return bind(broadcast_to_p, x, shape=dims)
    return bind(broadcast_to_dynamic_p, x, shape_of(target), dims=dims)


def filled_like(target: Any, value: np.ndarray) -> Any:
    """The scalar array `value` broadcast to the shape of `target` (a read-only view)."""
    dims = tuple(target.shape)
    if None not in dims:
        return bind(broadcast_to_p, wrap(value), shape=dims)
    return bind(broadcast_to_dynamic_p, wrap(value), shape_of(target), dims=dims)


# -- gradients -------------------------------------------------------------------------

def _zeros_like(t: Any) -> Any:
    """Zeros with the shape and dtype of `t` (a read-only view of one element)."""
    return filled_like(t, np.zeros((), t.dtype._numpy()))


def _pieces(gs: tuple, outs: tuple) -> list:
    """The cotangents of a split's pieces, zeros where none arrives."""
    return [_zeros_like(o) if g is None else g for g, o in zip(gs, outs)]


def _reshape_vjp(g: Any, ins: tuple, out: Any, **params: Any) -> tuple:
    back = reshape_like(g, ins[0])
    return (back,) if len(ins) == 1 else (back, None)


defvjp(reshape_p, _reshape_vjp)
defvjp(reshape_dynamic_p, _reshape_vjp)


def _transpose_vjp(g: Any, ins: tuple, out: Any, perm: tuple) -> tuple:
    inverse = [0] * len(perm)
    for i, p in enumerate(perm):
        inverse[p] = i
    return (bind(transpose_p, g, perm=tuple(inverse)),)


defvjp(transpose_p, _transpose_vjp)
# The cotangent has the broadcast shape; the tape sums it back to the input's shape.
defvjp(broadcast_to_p, lambda g, ins, out, shape: (g,))
defvjp(broadcast_to_dynamic_p, lambda g, ins, out, dims: (g, None))


def _concat_vjp(g: Any, ins: tuple, out: Any, axis: int) -> tuple:
    if len(ins) == 1:
        return (g,)
    sizes = tuple(x.shape[axis] for x in ins)
    if None in sizes:  # read at run time
        return tuple(bind(split_like_p, g, *ins, axis=axis))
    return tuple(bind(split_p, g, sizes=sizes, axis=axis))


defvjp(concat_p, _concat_vjp)


def _split_vjp(gs: tuple, ins: tuple, outs: tuple, sizes: Any, axis: int) -> tuple:
    parts = _pieces(gs, outs)
    return (parts[0] if len(parts) == 1 else bind(concat_p, *parts, axis=axis),)


defvjp(split_p, _split_vjp)


def _split_like_vjp(gs: tuple, ins: tuple, outs: tuple, axis: int) -> tuple:
    parts = _pieces(gs, outs)
    whole = parts[0] if len(parts) == 1 else bind(concat_p, *parts, axis=axis)
    return (whole,) + (None,) * (len(ins) - 1)


defvjp(split_like_p, _split_like_vjp)
defvjp(reverse_p, lambda g, ins, out, axis: (bind(reverse_p, g, axis=axis),))
no_gradient(range_p)

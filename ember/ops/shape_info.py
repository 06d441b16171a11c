"""A tensor's shape, static and at run time: shape, rank, size, and the helpers that build
shapes read at run time for dims unknown while an ember.function is traced.

Eagerly (and for fully known static shapes) `shape` is a constant and the array ops take
their static paths. Inside ember.function a dim may be None: `shape(x)` is then a
symbolic tensor whose known entries are recorded (`array_prims.note_value`), and ops
given such a shape bind the run-time-shape primitives (broadcast_to_dynamic,
reshape_dynamic) only when a dim is really unknown.

Example:
    >>> import ember as tf
    >>> @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    ... def f(x):
    ...     return x + tf.ones(tf.shape(x))
    >>> f.get_concrete_function().graph.outputs[0].shape
    TensorShape([None, 3])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import BY_NP
from ..core.errors import DTypeError, InvalidArgumentError
from ..core.registry import bind, no_gradient, primitive
from ..core.rules import index_dtype
from ..core.shape import TensorSpec
from ..core.tensor import ConcreteTensor, TensorOps, wrap
from .array_prims import (DimOf, broadcast_to_dynamic_p, broadcast_to_p, concat_p, desc,
                          known_value, note_value, reshape_dynamic_p, reshape_p, static_int,
                          static_ints)
from .convert import as_tensor, cast
from .index_ops import getitem

__all__ = ["shape", "rank", "size"]


def shape(input: Any, out_type: Any = "int32", name: str | None = None) -> Any:
    """The shape of `input` as a 1-D int tensor (TF's dynamic shape).

    Example:
        >>> import ember as tf
        >>> tf.shape(tf.zeros([2, 3])).numpy()
        array([2, 3], dtype=int32)
    """
    x = as_tensor(input)
    dt = index_dtype("shape", out_type, "out_type")
    if x.shape.is_fully_defined():
        return wrap(np.array(tuple(x.shape), dtype=dt))
    out = bind(shape_p, x, out_type=dt)  # unknown dims: read at run time
    note_value(out, tuple(DimOf(x, i) if d is None else d for i, d in enumerate(x.shape)))
    return out


def _shape_rule(x: TensorSpec, out_type: Any) -> TensorSpec:
    return TensorSpec([x.shape.rank], BY_NP[np.dtype(out_type)])


# NOTE: a primitive only for tensors whose static shape has unknown dims (inside
# ember.function): elsewhere the shape is a constant.
shape_p = primitive("shape", _shape_rule)
no_gradient(shape_p)


def rank(input: Any, name: str | None = None) -> Any:
    """The number of dimensions of `input`, as an int32 scalar tensor.

    Example:
        >>> import ember as tf
        >>> tf.rank(tf.zeros([2, 3])).numpy()
        np.int32(2)
    """
    x = as_tensor(input)
    return wrap(np.array(len(x.shape), dtype=np.int32))


def size(input: Any, out_type: Any = "int32", name: str | None = None) -> Any:
    """The number of elements of `input`, as a scalar int tensor (read at run time when
    a dim is unknown).

    Example:
        >>> import ember as tf
        >>> tf.size(tf.zeros([2, 3])).numpy()
        np.int32(6)
    """
    x = as_tensor(input)
    dt = index_dtype("size", out_type, "out_type")
    if not x.shape.is_fully_defined():
        from .reduce_ops import reduce_prod  # cycle: reduce_ops -> shape_ops -> this
        return reduce_prod(shape(x, out_type=dt))
    return wrap(np.array(int(np.prod(tuple(x.shape), dtype=np.int64)), dtype=dt))


# -- shapes read at run time -----------------------------------------------------------

def symbolic(v: Any) -> bool:
    """Whether `v` is a tensor without a value yet (a Tracer inside ember.function)."""
    return isinstance(v, TensorOps) and not isinstance(v, ConcreteTensor)


def dim_of(x: Any, i: int) -> Any:
    """Dim `i` of `x`: an int when static, else an int32 scalar tensor read at run time."""
    d = x.shape[i]
    return d if d is not None else getitem(shape(x), i)


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
        p = p if p.dtype._numpy() == dt else cast(p, dt)
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
    return bind(reshape_dynamic_p, x, shape(target), dims=dims)


def broadcast_parts(x: Any, parts: list) -> Any:
    """`x` broadcast to dims given as ints and scalar int tensors (read at run time)."""
    dims = tuple(p if isinstance(p, int) else None for p in parts)
    if None not in dims:
        return bind(broadcast_to_p, x, shape=dims)
    return bind(broadcast_to_dynamic_p, x, shape_tensor(parts), dims=dims)


def filled_like(target: Any, value: np.ndarray) -> Any:
    """The scalar array `value` broadcast to the shape of `target` (a read-only view)."""
    dims = tuple(target.shape)
    if None not in dims:
        return bind(broadcast_to_p, wrap(value), shape=dims)
    return bind(broadcast_to_dynamic_p, wrap(value), shape(target), dims=dims)

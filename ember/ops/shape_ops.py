"""Shape manipulation: reshape, transpose, expand_dims, squeeze, concat, stack, unstack,
split, tile, repeat, pad, reverse, broadcast_to, shape, rank and size.

Only reshape, transpose, broadcast_to, concat, split, pad, tile, reverse and shape are
primitives (see `prims/array.py`, `prims/index.py` and `prims/reduce.py`); the rest are
composites of them. reshape and
broadcast_to also take a shape known only at run time (e.g. `ember.shape(x)` inside
ember.function), through the primitives reshape_dynamic and broadcast_to_dynamic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import rules
from ..core.convert import to_array
from ..core.dtypes import float32
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.registry import bind, bind1, bind_as
from ..core.graph import Tracer
from ..core.tensor import ConcreteTensor, TensorOps, wrap
from ..core.errors import fmt_dims
from ..core.rules import index_dtype
from ..prims.array import (broadcast_parts, broadcast_to_dynamic_p, broadcast_to_p, concat_p,
                           dim_symbols, reshape_dynamic_p, reshape_p, reshape_parts,
                           resolve_own_dims, reverse_p, shape_arg, shape_of, split_p,
                           transpose_p)
from ..prims.convert import as_tensor, check_stackable, like
from ..prims.index import PAD_MODES, basic_getitem as getitem, dim_of, pad_p
from ..prims.math import conj
from ..prims.reduce import reduce_prod, tile_p
from ..prims.values import desc, spec, static_int, static_ints, trace_time_value_error

__all__ = [
    "reshape", "transpose", "expand_dims", "squeeze", "concat", "stack", "unstack", "split",
    "tile", "repeat", "pad", "reverse", "broadcast_to", "shape", "rank", "size",
]

_ALL = slice(None)


def shape(input: Any, out_type: Any = "int32", name: str | None = None) -> Any:
    """The shape of `input` as a 1-D int tensor (TF's dynamic shape).

    Example:
        >>> import ember as tf
        >>> tf.shape(tf.zeros([2, 3])).numpy()
        array([2, 3], dtype=int32)
    """
    x = as_tensor(input)
    dt = index_dtype("shape", out_type, "out_type")
    return shape_of(x, dt)  # unknown dims: read at run time




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
        return reduce_prod(shape(x, out_type=dt))
    return wrap(np.array(int(np.prod(tuple(x.shape), dtype=np.int64)), dtype=dt))


def _reshape_to(x: Any, dims: list, fallback=None) -> Any:
    """Reshape to `dims`, whose None entries stand for unknown dims of a symbolic tensor.

    One unknown dim becomes -1; with more, `fallback()` (a strided_slice) is used instead.
    """
    unknown = sum(1 for d in dims if d is None)
    if unknown <= 1:
        return bind(reshape_p, x, shape=tuple(-1 if d is None else d for d in dims))
    if fallback is None:
        raise ShapeError(f"reshape: {desc(x)} has more than one unknown dimension, so its "
                         f"new shape {fmt_dims(dims)} can't be expressed statically.")
    return fallback()


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Any:
    """`tensor` with the same elements in a new shape; one dim may be -1 (inferred).

    Args:
        tensor: a tensor (or a value convertible to one).
        shape: a list, tuple, TensorShape or 1-D int tensor; entries may be scalar tensors.
            Inside ember.function it may be known only at run time (`ember.shape(y)`).

    Returns:
        A tensor of `shape` holding the elements of `tensor` in row-major order.

    Example:
        >>> import ember as tf
        >>> tf.reshape(tf.range(6), [2, -1]).numpy()
        array([[0, 1, 2],
               [3, 4, 5]], dtype=int32)
    """
    x = as_tensor(tensor)
    if type(shape) in (list, tuple) and all(type(d) is int and d >= -1 for d in shape) \
            and shape.count(-1) <= 1:
        return bind1(reshape_p, x, shape=tuple(shape))  # NOTE: the common case, fast
    dims, known = shape_arg(shape, "reshape", "shape")
    if dims.count(-1) > 1 or any(d is not None and d < -1 for d in dims):
        reshape_p.rule(spec(x), shape=dims)  # NumPy would take these: explain instead
    if known is not None and sum(1 for d in dims if d is None or d == -1) > 1:
        # e.g. [shape(x)[0], -1]: the unknown entries may be x's own unknown dims
        dims = resolve_own_dims(x, dim_symbols(shape)) or dims
    if known is None or sum(1 for d in dims if d is None or d == -1) <= 1:
        return bind(reshape_p, x, shape=tuple(-1 if d is None else d for d in dims))
    return bind_as("reshape", reshape_dynamic_p, x, known,
                   dims=tuple(None if d == -1 else d for d in dims))


def transpose(a: Any, perm: Any = None, conjugate: bool = False, name: str | None = None) -> Any:
    """`a` with its axes permuted: axis i of the result is axis `perm[i]` of `a`.

    Args:
        a: a tensor.
        perm: a permutation of the axes; None reverses them (a matrix transpose for 2-D).
        conjugate: for complex `a`, conjugate it too (`tf.linalg.adjoint`'s transpose);
            ignored for real dtypes, as TF.

    Example:
        >>> import ember as tf
        >>> tf.transpose(tf.zeros([2, 3, 4]), perm=[0, 2, 1]).shape
        TensorShape([2, 4, 3])
    """
    x = as_tensor(a)
    rank = len(x.shape)
    if perm is None:
        p = tuple(range(rank - 1, -1, -1))
    else:
        p = tuple(rules.normalize_axis("transpose", i, rank)
                  for i in static_ints(perm, "transpose", "perm"))
    if conjugate and x.dtype.is_complex:
        x = conj(x)
    return bind(transpose_p, x, perm=p)


def expand_dims(input: Any, axis: Any, name: str | None = None) -> Any:
    """`input` with a new dimension of size 1 inserted at `axis` (in [-rank-1, rank]).

    Example:
        >>> import ember as tf
        >>> x = tf.zeros([2, 3])
        >>> tf.expand_dims(x, 0).shape, tf.expand_dims(x, -1).shape
        (TensorShape([1, 2, 3]), TensorShape([2, 3, 1]))
    """
    x = as_tensor(input)
    dims = list(x.shape)
    ax = rules.normalize_axis("expand_dims", static_int(axis, "expand_dims", "axis"),
                              len(dims), extra=1)
    dims.insert(ax, 1)
    return _reshape_to(x, dims, lambda: getitem(x, (_ALL,) * ax + (None,)))


def _squeeze(x: Any, axes: tuple) -> Any:
    dims = [d for i, d in enumerate(x.shape) if i not in axes]
    key = tuple(0 if i in axes else _ALL for i in range(len(x.shape)))
    return _reshape_to(x, dims, lambda: getitem(x, key))


def squeeze(input: Any, axis: Any = None, name: str | None = None) -> Any:
    """`input` without its size-1 dimensions (only those in `axis`, when given).

    Args:
        input: a tensor.
        axis: an int or list of ints; None (or []) removes every size-1 dimension.

    Raises:
        InvalidArgumentError: an axis in `axis` does not have size 1.

    Example:
        >>> import ember as tf
        >>> x = tf.zeros([1, 2, 1, 3])
        >>> tf.squeeze(x).shape, tf.squeeze(x, axis=[2]).shape
        (TensorShape([2, 3]), TensorShape([1, 2, 3]))
    """
    x = as_tensor(input)
    dims = list(x.shape)
    axes = None if axis is None else static_ints(axis, "squeeze", "axis")
    if not axes:
        return _squeeze(x, tuple(i for i, d in enumerate(dims) if d == 1))
    axes = rules.normalize_axes("squeeze", axes, len(dims))
    for a in axes:
        if dims[a] not in (1, None):
            raise InvalidArgumentError(
                f"squeeze: cannot squeeze axis {a} of {desc(x)}: its size is {dims[a]}, "
                f"not 1. Squeeze only size-1 axes, or use reshape.")
    return _squeeze(x, axes)


def _as_tensors(values: Any, op: str) -> list:
    """A list of tensors; plain values take the dtype of the first tensor among them."""
    if isinstance(values, TensorOps):
        values = [values]
    try:
        values = list(values)
    except TypeError:
        raise InvalidArgumentError(f"{op}: values must be a list of tensors, received "
                                   f"{type(values).__name__}.") from None
    if not values:
        raise InvalidArgumentError(f"{op}: values must be a non-empty list of tensors.")
    ref = next((v for v in values if isinstance(v, TensorOps)), None)
    if ref is None:  # Python data alone: ints beside floats become float32, as one list
        arrs = [to_array(v) for v in values]
        if ({a.dtype.kind for a in arrs} == {"i", "f"}
                and not any(isinstance(v, (np.ndarray, np.generic)) for v in values)):
            return [wrap(to_array(v, float32)) for v in values]
        return [wrap(a) for a in arrs]
    dt = ref.dtype._numpy()
    return [v if isinstance(v, TensorOps) else like(v, dt) for v in values]


def concat(values: Any, axis: Any, name: str | None = None) -> Any:
    """The tensors in `values` joined along an existing axis.

    All must share a dtype, a rank and every dimension except `axis`.

    Raises:
        DTypeError: the dtypes differ.
        ShapeError: ranks or non-`axis` dims differ.

    Example:
        >>> import ember as tf
        >>> tf.concat([tf.constant([[1, 2]]), tf.constant([[3, 4]])], axis=0).numpy()
        array([[1, 2],
               [3, 4]], dtype=int32)
    """
    xs = _as_tensors(values, "concat")
    rank = len(xs[0].shape)
    ax = static_int(axis, "concat", "axis")
    ax = rules.normalize_axis("concat", ax, rank) if rank else 0
    return bind(concat_p, *xs, axis=ax)


def stack(values: Any, axis: Any = 0, name: str | None = None) -> Any:
    """The same-shape tensors in `values` joined along a new axis.

    Example:
        >>> import ember as tf
        >>> tf.stack([tf.constant([1, 2]), tf.constant([3, 4])], axis=1).numpy()
        array([[1, 3],
               [2, 4]], dtype=int32)
    """
    xs = _as_tensors(values, "stack")
    first = check_stackable(xs)
    ax = rules.normalize_axis("stack", static_int(axis, "stack", "axis"), len(first.shape),
                              extra=1)
    return bind(concat_p, *[expand_dims(t, ax) for t in xs], axis=ax)


def unstack(value: Any, num: int | None = None, axis: int = 0, name: str | None = None) -> list:
    """The slices of `value` along `axis`, as a list of tensors of one rank less.

    Example:
        >>> import ember as tf
        >>> [t.numpy() for t in tf.unstack(tf.constant([[1, 2], [3, 4]]), axis=1)]
        [array([1, 3], dtype=int32), array([2, 4], dtype=int32)]
    """
    x = as_tensor(value)
    rank = len(x.shape)
    if rank == 0:
        raise ShapeError(f"unstack: can't unstack a scalar ({desc(x)}).")
    ax = rules.normalize_axis("unstack", static_int(axis, "unstack", "axis"), rank)
    dim = x.shape[ax]
    if num is not None:
        num = static_int(num, "unstack", "num")
        if dim is not None and num != dim:
            raise InvalidArgumentError(f"unstack: num={num} but axis {ax} of {desc(x)} has "
                                       f"size {dim}.")
        dim = num
    if dim is None:
        raise InvalidArgumentError(f"unstack: cannot infer num from {desc(x)}: axis {ax} is "
                                   f"unknown. Pass num=.")
    if dim == 0:
        return []
    pieces = bind(split_p, x, sizes=dim, axis=ax)
    return [_squeeze(p, (ax,)) for p in pieces]


def split(value: Any, num_or_size_splits: Any, axis: Any = 0, num: int | None = None,
          name: str | None = None) -> list:
    """`value` cut along `axis` into a list of tensors.

    Args:
        value: a tensor.
        num_or_size_splits: an int n (n equal parts; n must divide the axis) or a list of
            sizes adding up to the axis size, one of which may be -1 (inferred).
        axis: the axis to split.
        num: the number of outputs, only checked against a list of sizes.

    Example:
        >>> import ember as tf
        >>> a, b = tf.split(tf.range(5), [2, -1])
        >>> a.numpy(), b.numpy()
        (array([0, 1], dtype=int32), array([2, 3, 4], dtype=int32))
    """
    x = as_tensor(value)
    rank = len(x.shape)
    if rank == 0:
        raise ShapeError(f"split: can't split a scalar ({desc(x)}).")
    ax = rules.normalize_axis("split", static_int(axis, "split", "axis"), rank)
    nos = num_or_size_splits
    if isinstance(nos, (list, tuple)) or np.ndim(getattr(nos, "_value", nos)) == 1:
        sizes: Any = tuple(static_ints(nos, "split", "num_or_size_splits"))
        if not sizes:
            raise InvalidArgumentError("split: num_or_size_splits is an empty list; give "
                                       "at least one size.")
        if num is not None and static_int(num, "split", "num") != len(sizes):
            raise InvalidArgumentError(f"split: num={num} but {len(sizes)} sizes were "
                                       f"given: {list(sizes)}.")
    else:
        sizes = static_int(nos, "split", "num_or_size_splits")
    return list(bind(split_p, x, sizes=sizes, axis=ax))


def tile(input: Any, multiples: Any, name: str | None = None) -> Any:
    """`input` repeated `multiples[i]` times along each axis i.

    Example:
        >>> import ember as tf
        >>> tf.tile(tf.constant([[1, 2]]), [2, 2]).numpy()
        array([[1, 2, 1, 2],
               [1, 2, 1, 2]], dtype=int32)
    """
    x = as_tensor(input)
    return bind(tile_p, x, multiples=tuple(static_ints(multiples, "tile", "multiples")))


def _repeat_uniform(x: Any, ax: int, count: int) -> Any:
    """Each element along `ax` repeated `count` times (expand, broadcast, merge)."""
    if count == 1:
        return x
    if count == 0:
        return getitem(x, (_ALL,) * ax + (slice(0, 0),))
    dims = [dim_of(x, i) for i in range(len(x.shape))]  # ints, or read at run time
    wide = broadcast_parts(expand_dims(x, ax + 1), dims[:ax + 1] + [count] + dims[ax + 1:])
    return reshape_parts(wide, dims[:ax] + [dims[ax] * count] + dims[ax + 1:])


def repeat(input: Any, repeats: Any, axis: int | None = None, name: str | None = None) -> Any:
    """Each element of `input` repeated, as `np.repeat`.

    Args:
        input: a tensor.
        repeats: an int, or one count per element along `axis` (a single count is
            broadcast).
        axis: the axis to repeat along; None flattens `input` first.

    Example:
        >>> import ember as tf
        >>> tf.repeat(tf.constant([[1, 2], [3, 4]]), repeats=[1, 2], axis=0).numpy()
        array([[1, 2],
               [3, 4],
               [3, 4]], dtype=int32)
    """
    x = as_tensor(input)
    if axis is None:
        x, ax = reshape(x, [-1]), 0
    else:
        ax = rules.normalize_axis("repeat", static_int(axis, "repeat", "axis"), len(x.shape))
    counts = static_ints(repeats, "repeat", "repeats")
    if any(c < 0 for c in counts):
        raise InvalidArgumentError(f"repeat: repeats must be non-negative, received {counts}.")
    dim = x.shape[ax]
    if len(counts) == 1:
        return _repeat_uniform(x, ax, counts[0])
    if dim is None or len(counts) != dim:
        raise InvalidArgumentError(
            f"repeat: repeats has {len(counts)} entries but axis {ax} of {desc(x)} has size "
            f"{dim}; pass one count per element, or a single count.")
    # Runs of equal counts are repeated together: one split and one concat in all.
    runs: list = []
    for c in counts:
        if runs and runs[-1][0] == c:
            runs[-1][1] += 1
        else:
            runs.append([c, 1])
    if len(runs) == 1:
        return _repeat_uniform(x, ax, runs[0][0])
    pieces = bind(split_p, x, sizes=tuple(n for _, n in runs), axis=ax)
    parts = [_repeat_uniform(p, ax, c) for p, (c, _) in zip(pieces, runs) if c]
    if not parts:
        return _repeat_uniform(x, ax, 0)
    return parts[0] if len(parts) == 1 else bind(concat_p, *parts, axis=ax)


def pad(tensor: Any, paddings: Any, mode: str = "CONSTANT", constant_values: Any = 0,
        name: str | None = None) -> Any:
    """`tensor` padded with `paddings[i] = [before, after]` entries along each axis i.

    Args:
        tensor: a tensor of rank R.
        paddings: an int [R, 2] list, array or tensor of non-negative amounts.
        mode: "CONSTANT" (fill with `constant_values`), "REFLECT" (mirror, edge excluded:
            amounts at most dim - 1) or "SYMMETRIC" (mirror, edge included: amounts at most
            dim); any case.
        constant_values: a scalar of the tensor's dtype (Python numbers adapt).

    Example:
        >>> import ember as tf
        >>> x = tf.constant([1, 2, 3])
        >>> tf.pad(x, [[1, 2]]).numpy(), tf.pad(x, [[2, 2]], "REFLECT").numpy()
        (array([0, 1, 2, 3, 0, 0], dtype=int32), array([3, 2, 1, 2, 3, 2, 1], dtype=int32))
    """
    x = as_tensor(tensor)
    rank = len(x.shape)
    if isinstance(paddings, Tracer):
        raise trace_time_value_error("pad", "paddings", paddings)
    raw = paddings._value if isinstance(paddings, ConcreteTensor) else paddings
    try:
        arr = np.asarray(raw)
    except (TypeError, ValueError):
        arr = np.asarray(raw, dtype=object)
    if arr.size == 0 and rank == 0:
        arr = np.zeros((0, 2), np.int64)
    if arr.dtype.kind not in "iu" or arr.shape != (rank, 2):
        got = f"shape {fmt_dims(arr.shape)}" if arr.dtype.kind in "iu" else repr(raw)
        raise InvalidArgumentError(
            f"pad: paddings must be integers of shape [{rank}, 2] (a [before, after] pair "
            f"per dimension of {desc(x)}), received {got}.")
    mode_name = mode.upper() if isinstance(mode, str) else mode
    if mode_name not in PAD_MODES:
        raise InvalidArgumentError(f"pad: mode must be one of {', '.join(PAD_MODES)} (any "
                                   f"case), received {mode!r}.")
    if isinstance(constant_values, TensorOps):
        cv = constant_values
        if cv.dtype != x.dtype:
            raise DTypeError(f"pad: constant_values ({desc(cv)}) must have the dtype of the "
                             f"tensor ({desc(x)}); cast it first.")
    else:
        if x.dtype.is_string and type(constant_values) is int and constant_values == 0:
            constant_values = b""  # the default pads strings with "", as TF
        cv = like(constant_values, x.dtype._numpy())
    if len(cv.shape) != 0:
        raise InvalidArgumentError(f"pad: constant_values must be a scalar, received "
                                   f"{desc(cv)}.")
    if isinstance(cv, Tracer):
        raise trace_time_value_error("pad", "constant_values", cv)
    pairs = tuple((int(a), int(b)) for a, b in arr)
    return bind(pad_p, x, paddings=pairs, mode=mode_name,
                constant_values=np.asarray(cv._value).item())


def reverse(tensor: Any, axis: Any, name: str | None = None) -> Any:
    """`tensor` with the order of its elements reversed along each axis in `axis`.

    Example:
        >>> import ember as tf
        >>> tf.reverse(tf.constant([[1, 2], [3, 4]]), axis=[1]).numpy()
        array([[2, 1],
               [4, 3]], dtype=int32)
    """
    x = as_tensor(tensor)
    axes = rules.normalize_axes("reverse", static_ints(axis, "reverse", "axis"), len(x.shape))
    return bind(reverse_p, x, axis=axes)


def broadcast_to(input: Any, shape: Any, name: str | None = None) -> Any:
    """`input` broadcast to `shape` (NumPy rules: each dim is 1 or equal to the target).

    Example:
        >>> import ember as tf
        >>> tf.broadcast_to(tf.constant([1, 2]), [2, 2]).numpy()
        array([[1, 2],
               [1, 2]], dtype=int32)
    """
    x = as_tensor(input)
    dims, known = shape_arg(shape, "broadcast_to", "shape")
    if known is None:
        return bind1(broadcast_to_p, x, shape=dims)
    return bind_as("broadcast_to", broadcast_to_dynamic_p, x, known, dims=dims)  # at run time


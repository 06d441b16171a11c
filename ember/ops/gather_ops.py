"""Gather and scatter: gather, gather_nd, boolean_mask, scatter_nd, tensor_scatter_nd_*.

Indices are int32 or int64 and must lie in [0, size): out-of-range and negative indices
raise InvalidArgumentError, as TensorFlow does on CPU (NumPy would wrap negatives).

Primitives: `gather`, `gather_nd`, and `tensor_scatter_nd` (with a `mode`: update, add,
sub, min, max), plus `scatter_add_axis`, the transpose of `gather` (no public op: it is
the gradient of gather, and gather is its gradient; its output takes the shape of a `like`
input, so that it works with dims unknown until run time). `boolean_mask` and
`scatter_nd` are composites.

Gradients: gather and gather_nd scatter the cotangent back, duplicates adding up;
tensor_scatter_nd follows TF per mode, except that for repeated indices in `update`
mode only the update that was written gets a gradient (TF gives it to all of them).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.dtypes import NP_ALL, NP_ARITH, NP_COMPLEX, NP_INDEX, NP_NUMERIC, int32, int64
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.registry import bind, bind_as, defvjp, primitive
from ..core.rules import check_dtype, describe, normalize_axis
from ..core.shape import TensorShape, TensorSpec
from ..core.graph import Tracer
from ..core.tensor import ConcreteTensor, TensorOps
from . import math_ops
from ..prims.values import static_int, trace_time_value_error
from ..prims.convert import as_tensor, cast, constant, like
from .creation_ops import ones_like, range as range_, zeros, zeros_like
from ..prims.reduce import cumsum, reduce_sum
from .shape_ops import broadcast_to, concat, expand_dims, reshape, transpose

__all__ = [
    "gather", "gather_nd", "boolean_mask", "scatter_nd", "tensor_scatter_nd_update",
    "tensor_scatter_nd_add", "tensor_scatter_nd_sub", "tensor_scatter_nd_min",
    "tensor_scatter_nd_max",
]


# -- shared checks ---------------------------------------------------------------

def _static_int(op: str, value: Any, what: str) -> int:
    return static_int(value, op, what)


def _check_indices(op: str, indices: TensorSpec) -> None:
    if indices.dtype._numpy() not in NP_INDEX:
        raise DTypeError(
            f"{op}: indices must be int32 or int64, received indices {describe(indices)}. "
            f"Cast them first, e.g. ember.cast(indices, ember.int32).")


def _merge(op: str, a: Any, b: Any, what: str) -> Any:
    """Two dims that must agree (None = unknown): the known one, or ShapeError."""
    if a is None:
        return b
    if b is not None and a != b:
        raise ShapeError(f"{op}: {what}")
    return a


# -- gather --------------------------------------------------------------------------

def _gather_rule(params: TensorSpec, indices: TensorSpec, axis: int,
                 batch_dims: int) -> TensorSpec:
    _check_indices("gather", indices)
    pr, ir = params.shape.rank, indices.shape.rank
    if pr is None or ir is None:
        return TensorSpec(None, params.dtype)
    got = f"(received params {describe(params)}, indices {describe(indices)})"
    if pr == 0:
        raise InvalidArgumentError(f"gather: params must be at least 1-D {got}.")
    if not 0 <= batch_dims <= ir:
        raise InvalidArgumentError(
            f"gather: batch_dims={batch_dims} must be in [{-ir}, {ir}], the rank of "
            f"indices {got}.")
    if not batch_dims <= axis < pr:
        raise InvalidArgumentError(
            f"gather: axis={axis} must be >= batch_dims={batch_dims} and < the rank of "
            f"params, {pr} {got}.")
    batch = [_merge("gather", params.shape[i], indices.shape[i],
                    f"params.shape[:{batch_dims}] must equal indices.shape[:{batch_dims}] "
                    f"(batch_dims={batch_dims}); dimension {i} is {params.shape[i]} vs "
                    f"{indices.shape[i]} {got}.")
             for i in range(batch_dims)]
    shape = (batch + list(params.shape[batch_dims:axis]) + list(indices.shape[batch_dims:])
             + list(params.shape[axis + 1:]))
    return TensorSpec(shape, params.dtype)


gather_p = primitive("gather", _gather_rule, check="rule")
defvjp(gather_p, lambda g, ins, out, axis, batch_dims: (
    bind(scatter_add_axis_p, g, ins[1], ins[0], axis=axis, batch_dims=batch_dims), None))


def gather(params: Any, indices: Any, validate_indices: Any = None, axis: Any = None,
           batch_dims: int = 0, name: str | None = None) -> Any:
    """Slices of `params` along `axis` at `indices` (TF's `tf.gather`).

    The output shape is `params.shape[:axis] + indices.shape[batch_dims:] +
    params.shape[axis + 1:]`. With `batch_dims=b` the first `b` dims of params and
    indices are batch dims that must match, and each batch gathers from its own slice.
    `axis` defaults to `batch_dims`; both may be negative. Indices must be in
    [0, params.shape[axis]); `validate_indices` is ignored (they are always checked).

    Args:
        params: the tensor to gather from, at least 1-D.
        indices: an int32 or int64 tensor of any shape.
        validate_indices: deprecated, ignored.
        axis: the axis of `params` to gather along.
        batch_dims: the number of leading batch dims.
        name: ignored.

    Returns:
        A tensor with the dtype of `params`.

    Example:
        >>> import ember as tf
        >>> x = tf.constant([[1, 2, 3], [4, 5, 6]])
        >>> tf.gather(x, [2, 0], axis=1).numpy()
        array([[3, 1],
               [6, 4]], dtype=int32)
        >>> tf.gather(x, [[1], [0]], batch_dims=1, axis=1).numpy()
        array([[2],
               [4]], dtype=int32)
    """
    params = as_tensor(params)
    indices = as_tensor(indices)
    b = _static_int("gather", batch_dims, "batch_dims")
    axis = b if axis is None else _static_int("gather", axis, "axis")
    pr, ir = params.shape.rank, indices.shape.rank
    if pr == 0:
        raise InvalidArgumentError(
            f"gather: params must be at least 1-D, received params "
            f"{describe(TensorSpec.from_tensor(params))}.")
    if ir is not None and b < 0:
        if b < -ir:
            raise InvalidArgumentError(
                f"gather: batch_dims={b} is out of range for indices of rank {ir}; "
                f"expected a value in [{-ir}, {ir}].")
        b += ir
    axis = normalize_axis("gather", axis, pr)
    return bind(gather_p, params, indices, axis=axis, batch_dims=b)


# -- scatter_add_axis (the transpose of gather) ----------------------------------------

def _scatter_add_axis_rule(updates: TensorSpec, indices: TensorSpec, like: TensorSpec,
                           axis: int, batch_dims: int) -> TensorSpec:
    op = "scatter_add_axis"
    _check_indices(op, indices)
    check_dtype(op, updates, NP_ARITH)
    ur, ir, lr = updates.shape.rank, indices.shape.rank, like.shape.rank
    if ur is None or ir is None:
        return TensorSpec(like.shape, updates.dtype)
    b = batch_dims
    ni = ir - b
    got = (f"(received updates {describe(updates)}, indices {describe(indices)}, like "
           f"{describe(like)})")
    if not 0 <= b <= ir or axis < b or ur < axis + ni:
        raise InvalidArgumentError(
            f"{op}: updates must have shape batch + pre + indices.shape[batch_dims:] + post "
            f"with len(batch) = batch_dims = {b} <= axis = {axis} {got}.")
    shape = [_merge(op, updates.shape[i], indices.shape[i],
                    f"updates.shape[:{b}] must equal indices.shape[:{b}] (batch_dims={b}) "
                    f"{got}.") for i in range(b)]
    for j in range(ni):
        _merge(op, updates.shape[axis + j], indices.shape[b + j],
               f"updates.shape[{axis}:{axis + ni}] must equal indices.shape[{b}:] {got}.")
    shape += list(updates.shape[b:axis]) + [None] + list(updates.shape[axis + ni:])
    if lr is not None:
        # The output has the shape of `like` (whose dim `axis` is the output's size).
        if lr != len(shape):
            raise InvalidArgumentError(
                f"{op}: like must have rank {len(shape)}, the rank of the output {got}.")
        shape = [like.shape[i] if i == axis else _merge(
            op, d, like.shape[i], f"like must have the output's dims except at axis {axis} "
            f"{got}.") for i, d in enumerate(shape)]
    return TensorSpec(shape, updates.dtype)


scatter_add_axis_p = primitive("scatter_add_axis", _scatter_add_axis_rule, check="rule")
defvjp(scatter_add_axis_p, lambda g, ins, out, axis, batch_dims: (
    bind(gather_p, g, ins[1], axis=axis, batch_dims=batch_dims), None, None))


def _scatter_add_along(updates: Any, indices: Any, axis: int, like: Any) -> Any:
    """Zeros of the shape of `like` (which is `updates`' shape except at `axis`), with
    each entry of `updates` added at position `indices` (same shape as `updates`) along
    `axis`: the transpose of taking values along an axis (the gradient of sort, top_k)."""
    if indices.dtype._numpy() not in NP_INDEX:
        indices = cast(indices, int32)
    r = updates.shape.rank
    if axis == r - 1:
        return bind(scatter_add_axis_p, updates, indices, like, axis=axis, batch_dims=axis)
    perm = [i for i in range(r) if i != axis] + [axis]
    out = bind(scatter_add_axis_p, transpose(updates, perm), transpose(indices, perm),
               transpose(like, perm), axis=r - 1, batch_dims=r - 1)
    return transpose(out, [perm.index(i) for i in range(r)])


# -- gather_nd -----------------------------------------------------------------------

def _gather_nd_rule(params: TensorSpec, indices: TensorSpec, batch_dims: int) -> TensorSpec:
    _check_indices("gather_nd", indices)
    pr, ir = params.shape.rank, indices.shape.rank
    if pr is None or ir is None:
        return TensorSpec(None, params.dtype)
    got = f"(received params {describe(params)}, indices {describe(indices)})"
    if ir == 0:
        raise InvalidArgumentError(
            f"gather_nd: indices must be at least 1-D, its last axis holding index "
            f"vectors {got}.")
    b = batch_dims
    if not 0 <= b < ir or b > pr:
        raise InvalidArgumentError(
            f"gather_nd: batch_dims={b} must be >= 0 and less than the rank of indices "
            f"({ir}) and at most the rank of params ({pr}) {got}.")
    k = indices.shape[-1]
    if k is None:
        return TensorSpec(None, params.dtype)
    if b + k > pr:
        raise InvalidArgumentError(
            f"gather_nd: index vectors have length {k} (indices.shape[-1]) but params has "
            f"only {pr - b} non-batch dims {got}; use index vectors of length <= {pr - b}.")
    batch = [_merge("gather_nd", params.shape[i], indices.shape[i],
                    f"params.shape[:{b}] must equal indices.shape[:{b}] (batch_dims={b}); "
                    f"dimension {i} is {params.shape[i]} vs {indices.shape[i]} {got}.")
             for i in range(b)]
    shape = batch + list(indices.shape[b:-1]) + list(params.shape[b + k:])
    return TensorSpec(shape, params.dtype)


gather_nd_p = primitive("gather_nd", _gather_nd_rule, check="rule")


def _scatter_add_nd(params: Any, indices: Any, g: Any, batch_dims: int) -> Any:
    """Zeros of the shape of `params` with the slices of `g` added at the index vectors
    of `indices` (the transpose of gather_nd); the batch dims become leading index
    coordinates."""
    b = batch_dims
    if b == 0:
        return bind(tensor_scatter_nd_p, zeros_like(params), indices, g, mode="add")
    shape, ishape = list(params.shape), list(indices.shape)
    if None in shape or None in ishape:
        # Unknown dims (inside ember.function): the coordinate of each index vector
        # along batch dim i is an exclusive running count of ones along i.
        ones = ones_like(reduce_sum(indices, axis=-1, keepdims=True))
        coords = [cumsum(ones, axis=i, exclusive=True) for i in range(b)]
        return bind(tensor_scatter_nd_p, zeros_like(params), concat(coords + [indices], -1),
                    g, mode="add")
    nb = math.prod(shape[:b])
    mid, k = ishape[b:-1], ishape[-1]
    ids = reshape(range_(nb, dtype=indices.dtype), [nb] + [1] * (len(mid) + 1))
    idx = concat([broadcast_to(ids, [nb] + mid + [1]),
                  reshape(indices, [nb] + mid + [k])], axis=-1)
    flat = bind(tensor_scatter_nd_p, zeros([nb] + shape[b:], g.dtype), idx,
                reshape(g, [nb] + mid + shape[b + k:]), mode="add")
    return reshape(flat, shape)


defvjp(gather_nd_p, lambda g, ins, out, batch_dims: (
    _scatter_add_nd(ins[0], ins[1], g, batch_dims), None))


def gather_nd(params: Any, indices: Any, batch_dims: int = 0, name: str | None = None) -> Any:
    """Slices of `params` at index vectors, the last axis of `indices` (TF's `tf.gather_nd`).

    With index depth `K = indices.shape[-1]`, the output shape is
    `indices.shape[:-1] + params.shape[batch_dims + K:]`; batch dims lead both.

    Args:
        params: the tensor to gather from.
        indices: an int32 or int64 tensor whose last axis holds index vectors.
        batch_dims: the number of leading batch dims.
        name: ignored.

    Returns:
        A tensor with the dtype of `params`.

    Example:
        >>> import ember as tf
        >>> x = tf.constant([[1, 2], [3, 4]])
        >>> tf.gather_nd(x, [[1, 0], [0, 1]]).numpy()
        array([3, 2], dtype=int32)
        >>> tf.gather_nd(x, [[1]]).numpy()
        array([[3, 4]], dtype=int32)
    """
    params = as_tensor(params)
    indices = as_tensor(indices)
    b = _static_int("gather_nd", batch_dims, "batch_dims")
    ir = indices.shape.rank
    if b < 0 and ir is not None:
        b += ir
    return bind(gather_nd_p, params, indices, batch_dims=b)


# -- boolean_mask --------------------------------------------------------------------

def boolean_mask(tensor: Any, mask: Any, axis: Any = None, name: str = "boolean_mask") -> Any:
    """The entries of `tensor` where `mask` is True (TF's `tf.boolean_mask`).

    A K-D bool `mask` must match `tensor.shape[axis:axis + K]`; those K dims become one
    dim of length `count_nonzero(mask)`, in row-major order of the mask.

    Args:
        tensor: an N-D tensor.
        mask: a K-D bool tensor, 1 <= K, axis + K <= N.
        axis: the first dim of `tensor` that `mask` covers (default 0; may be negative).
        name: ignored.

    Returns:
        A tensor of rank N - K + 1 with the dtype of `tensor`.

    Example:
        >>> import ember as tf
        >>> x = tf.constant([[1, 2], [3, 4], [5, 6]])
        >>> tf.boolean_mask(x, [True, False, True]).numpy()
        array([[1, 2],
               [5, 6]], dtype=int32)
        >>> tf.boolean_mask(x, [False, True], axis=1).numpy()
        array([[2],
               [4],
               [6]], dtype=int32)
    """
    tensor = as_tensor(tensor)
    mask = as_tensor(mask)
    ts, ms = TensorSpec.from_tensor(tensor), TensorSpec.from_tensor(mask)
    got = f"(received tensor {describe(ts)}, mask {describe(ms)})"
    if not mask.dtype.is_bool:
        raise DTypeError(f"boolean_mask: mask must be bool {got}. Compare first, e.g. "
                         f"ember.boolean_mask(x, x > 0), or cast with "
                         f"ember.cast(mask, ember.bool).")
    k, n = ms.shape.rank, ts.shape.rank
    if k is None:
        raise InvalidArgumentError(f"boolean_mask: the rank of mask must be known {got}.")
    if k == 0:
        raise InvalidArgumentError(f"boolean_mask: mask cannot be a scalar; it needs at "
                                   f"least 1 dim {got}.")
    axis = 0 if axis is None else _static_int("boolean_mask", axis, "axis")
    if n is not None:
        if axis < 0:
            axis += n
        if axis < 0 or axis + k > n:
            raise InvalidArgumentError(
                f"boolean_mask: a {k}-D mask at axis {axis} needs a tensor of rank at least "
                f"axis + {k} {got}.")
        covered = ts.shape[axis:axis + k]
        if not covered.is_compatible_with(ms.shape):
            raise ShapeError(
                f"boolean_mask: mask shape {list(ms.shape)} must match tensor.shape"
                f"[{axis}:{axis + k}] = {list(covered)} {got}.")
    coords = math_ops.where(mask)  # [N, K] int64
    if k == 1:
        return gather(tensor, coords[:, 0], axis=axis)
    if axis == 0:
        return gather_nd(tensor, coords)
    # The same coordinates for every slice tensor[i0, ..., i_axis-1]: broadcast them
    # over the leading dims and gather with those dims as batch dims.
    lead = ts.shape[:axis]
    if lead.is_fully_defined():
        zeros = constant(0, dtype=int64, shape=list(lead) + [1, 1])
    elif n is None:
        raise InvalidArgumentError(f"boolean_mask: a multi-dimensional mask at axis {axis} "
                                   f"needs a tensor of known rank {got}.")
    else:  # unknown leading dims (inside ember.function): zeros of shape lead + [1, 1]
        zeros = reduce_sum(zeros_like(tensor, dtype=int64), list(range(axis + 2, n)))
        zeros = reduce_sum(zeros, [axis, axis + 1], keepdims=True)
    return gather_nd(tensor, math_ops.add(coords, zeros), batch_dims=axis)


# -- scatter -------------------------------------------------------------------------

def _scatter_check(op: str, tensor: TensorSpec, indices: TensorSpec,
                   updates: TensorSpec, allowed: frozenset) -> None:
    _check_indices(op, indices)
    check_dtype(op, tensor, allowed)
    if updates.dtype != tensor.dtype:
        raise DTypeError(
            f"{op}: updates must have the dtype of the tensor, {tensor.dtype.name}; received "
            f"updates {describe(updates)}. Cast them, e.g. ember.cast(updates, "
            f"ember.{tensor.dtype.name}).")
    tr, ir, ur = tensor.shape.rank, indices.shape.rank, updates.shape.rank
    if tr is None or ir is None:
        return
    got = (f"(received tensor {describe(tensor)}, indices {describe(indices)}, updates "
           f"{describe(updates)})")
    if ir == 0:
        raise InvalidArgumentError(
            f"{op}: indices must be at least 1-D, its last axis holding index vectors {got}.")
    k = indices.shape[-1]
    if k is None:
        return
    if k > tr:
        raise InvalidArgumentError(
            f"{op}: index vectors have length {k} (indices.shape[-1]) but the tensor has "
            f"rank {tr} {got}; use index vectors of length <= {tr}.")
    want = TensorShape(list(indices.shape[:-1]) + list(tensor.shape[k:]))
    if ur is not None and not want.is_compatible_with(updates.shape):
        raise ShapeError(
            f"{op}: updates must have shape indices.shape[:-1] + tensor.shape[{k}:] = "
            f"{list(want)} {got}.")


_SCATTER_OPS = {"update": "tensor_scatter_nd_update", "add": "tensor_scatter_nd_add",
                "sub": "tensor_scatter_nd_sub", "min": "tensor_scatter_nd_min",
                "max": "tensor_scatter_nd_max"}


def _scatter_rule(tensor: TensorSpec, indices: TensorSpec, updates: TensorSpec,
                  mode: str) -> TensorSpec:
    # NOTE: min/max need an order: no complex there
    allowed = (NP_ALL | NP_COMPLEX if mode == "update" else
               NP_ARITH if mode in ("add", "sub") else NP_NUMERIC)
    _scatter_check(_SCATTER_OPS[mode], tensor, indices, updates, allowed)
    return TensorSpec(tensor.shape, tensor.dtype)


tensor_scatter_nd_p = primitive("tensor_scatter_nd", _scatter_rule, check="rule")


def _written(tensor: Any, indices: Any) -> Any:
    """For tensor_scatter_nd's update mode: True for each update that was written, False
    for one overwritten by a later update at the same index (the kernel decides which
    wins; scattering the update numbers the same way finds out)."""
    lead, k, r = list(indices.shape[:-1]), indices.shape[-1], tensor.shape.rank
    if None not in lead:
        ids = reshape(range_(math.prod(lead), dtype=int64), lead)
    else:  # unknown dims: row-major numbers from running counts, axis by axis
        ones = ones_like(reduce_sum(indices, axis=-1), dtype=int64)
        ids, stride = 0, 1
        for j in reversed(range(len(lead))):
            ids = math_ops.add(ids, math_ops.multiply(cumsum(ones, j, exclusive=True), stride))
            stride = math_ops.multiply(stride, reduce_sum(ones, j, keepdims=True))
    if tensor.shape[:k].is_fully_defined():
        slots = constant(-1, dtype=int64, shape=list(tensor.shape[:k]))
    else:
        slots = math_ops.subtract(
            reduce_sum(zeros_like(tensor, dtype=int64), list(range(k, r))), 1)
    slots = bind(tensor_scatter_nd_p, slots, indices, ids, mode="update")
    won = math_ops.equal(bind(gather_nd_p, slots, indices, batch_dims=0), ids)
    for _ in range(r - k):
        won = expand_dims(won, -1)
    return won


def _scatter_vjp(g: Any, ins: tuple, out: Any, mode: str) -> tuple:
    tensor, indices, updates = ins
    if mode in ("add", "sub"):
        gu = bind(gather_nd_p, g, indices, batch_dims=0)
        return g, None, gu if mode == "add" else math_ops.negative(gu)
    if mode == "update":
        # NOTE: the overwritten entries of `tensor` get no gradient; among updates at
        # a repeated index only the one written does (TF gives every one of them
        # gather_nd(g, indices), which finite differences contradict).
        gt = bind(tensor_scatter_nd_p, g, indices, zeros_like(updates), mode="update")
        gu = bind(gather_nd_p, g, indices, batch_dims=0)
        return gt, None, math_ops.where(_written(tensor, indices), gu, 0)
    # min / max, TF's convention: the gradient of an entry goes to the operands equal
    # to the result (the tensor entry and/or updates), shared equally at ties.
    dt = g.dtype
    x_hit = cast(math_ops.equal(tensor, out), dt)
    y_hit = cast(math_ops.equal(updates, bind(gather_nd_p, out, indices, batch_dims=0)),
                 dt)
    count = math_ops.add(x_hit, bind(tensor_scatter_nd_p, zeros_like(tensor), indices,
                                     y_hit, mode="add"))
    share = math_ops.truediv(g, count)
    return (math_ops.multiply(share, x_hit), None,
            math_ops.multiply(bind(gather_nd_p, share, indices, batch_dims=0), y_hit))


defvjp(tensor_scatter_nd_p, _scatter_vjp)


def _scatter_op(mode: str, what: str, example: str):
    def op(tensor: Any, indices: Any, updates: Any, name: str | None = None) -> Any:
        tensor = as_tensor(tensor)
        indices = as_tensor(indices)
        updates = _like(updates, tensor)
        return _scatter(_SCATTER_OPS[mode], tensor, indices, updates, mode)

    op.__name__ = op.__qualname__ = _SCATTER_OPS[mode]
    op.__doc__ = (
        f"A copy of `tensor` with {what} at `indices` (TF's `tf.{_SCATTER_OPS[mode]}`).\n\n"
        f"    `indices` holds index vectors of length K on its last axis; `updates` has shape\n"
        f"    `indices.shape[:-1] + tensor.shape[K:]` and the dtype of `tensor`. Out-of-range\n"
        f"    indices raise InvalidArgumentError.\n\n"
        f"    Args:\n"
        f"        tensor: the tensor to update (it is not modified).\n"
        f"        indices: an int32 or int64 tensor whose last axis holds index vectors.\n"
        f"        updates: the new values; Python and NumPy values take the tensor's dtype.\n"
        f"        name: ignored.\n\n"
        f"    Returns:\n"
        f"        A tensor with the shape and dtype of `tensor`.\n\n"
        f"    Example:\n"
        f"        >>> import ember as tf\n"
        f"        >>> t = tf.constant([1, 1, 1, 1])\n"
        f"        >>> tf.{_SCATTER_OPS[mode]}(t, [[1], [3], [1]], [5, 6, 7]).numpy()\n"
        f"        {example}\n")
    return op


def _like(updates: Any, tensor: Any) -> Any:
    """`updates` as a tensor; a Python or NumPy value takes the dtype of `tensor`, as TF."""
    if isinstance(updates, TensorOps):
        return updates
    return like(updates, tensor.dtype._numpy())


tensor_scatter_nd_update = _scatter_op(
    "update", "`updates` written (for repeated indices, one of them wins)",
    "array([1, 7, 1, 6], dtype=int32)")
tensor_scatter_nd_add = _scatter_op(
    "add", "`updates` added (repeated indices add up)", "array([ 1, 13,  1,  7], dtype=int32)")
tensor_scatter_nd_sub = _scatter_op(
    "sub", "`updates` subtracted (repeated indices add up)",
    "array([  1, -11,   1,  -5], dtype=int32)")
tensor_scatter_nd_min = _scatter_op(
    "min", "the minimum of each entry and its `updates`", "array([1, 1, 1, 1], dtype=int32)")
tensor_scatter_nd_max = _scatter_op(
    "max", "the maximum of each entry and its `updates`", "array([1, 7, 1, 6], dtype=int32)")


def scatter_nd(indices: Any, updates: Any, shape: Any, name: str | None = None) -> Any:
    """A zero tensor of `shape` with `updates` added at `indices` (TF's `tf.scatter_nd`).

    Repeated indices add up. `updates` has shape `indices.shape[:-1] + shape[K:]` with
    `K = indices.shape[-1]`; `shape` must be known (a list or a concrete int tensor).

    Args:
        indices: an int32 or int64 tensor whose last axis holds index vectors.
        updates: the values to scatter.
        shape: the shape of the output.
        name: ignored.

    Returns:
        A tensor of `shape` with the dtype of `updates`.

    Example:
        >>> import ember as tf
        >>> tf.scatter_nd([[4], [3], [1], [4]], [9.0, 10.0, 11.0, 1.0], [6]).numpy()
        array([ 0., 11.,  0., 10., 10.,  0.], dtype=float32)
    """
    indices = as_tensor(indices)
    updates = as_tensor(updates)
    dims = _static_shape(shape)
    out = TensorSpec(dims, updates.dtype)
    _scatter_check("scatter_nd", out, TensorSpec.from_tensor(indices),
                   TensorSpec.from_tensor(updates), NP_ARITH)
    zeros = constant(0, dtype=updates.dtype, shape=dims)
    return _scatter("scatter_nd", zeros, indices, updates, "add")


def _scatter(op: str, tensor: Any, indices: Any, updates: Any, mode: str) -> Any:
    """Binds tensor_scatter_nd; a failure is reported under the public op's name, eagerly
    and when a compiled graph runs it."""
    return bind_as(op, tensor_scatter_nd_p, tensor, indices, updates, mode=mode)


def _static_shape(shape: Any) -> list:
    if isinstance(shape, Tracer):
        raise trace_time_value_error("scatter_nd", "shape", shape)
    values = shape._value if isinstance(shape, ConcreteTensor) else shape
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim > 1 or arr.dtype.kind not in "iu":
        raise InvalidArgumentError(
            f"scatter_nd: shape must be a list of ints or a 1-D int tensor, received "
            f"{shape!r}.")
    dims = [int(d) for d in arr.reshape(-1)]
    if any(d < 0 for d in dims):
        raise InvalidArgumentError(f"scatter_nd: shape must not have negative dims, "
                                   f"received {dims}.")
    return dims

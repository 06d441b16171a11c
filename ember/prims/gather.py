"""Gather and scatter primitives, their rules and gradients: gather, its transpose
scatter_add_axis, gather_nd, tensor_scatter_nd (with a `mode`: update, add, sub, min,
max) and bincount; with the thin ops that convert their operands and bind them (gather,
gather_nd, tensor_scatter_nd_*, bincount).

Indices are int32 or int64 and must lie in [0, size): out-of-range and negative indices
raise InvalidArgumentError, as TensorFlow does on CPU (NumPy would wrap negatives).

`scatter_add_axis` has no public op: it is the gradient of gather, and gather is its
gradient; its output takes the shape of a `like` input, so that it works with dims
unknown until run time. `scatter_add_along` (its use along one axis) is the gradient of
sort and top_k (`prims/sort.py`). The composites `boolean_mask` and `scatter_nd` are in
`ops/gather_ops.py`.

Gradients: gather and gather_nd scatter the cotangent back, duplicates adding up;
tensor_scatter_nd follows TF per mode, except that for repeated indices in `update`
mode only the update that was written gets a gradient (TF gives it to all of them).
bincount has none, as TF.

Example:
    >>> import ember as tf
    >>> from ember.core.registry import bind
    >>> from ember.prims.gather import scatter_add_axis_p
    >>> bind(scatter_add_axis_p, tf.constant([1.0, 2.0, 3.0]), tf.constant([2, 0, 2]),
    ...      tf.zeros([4]), axis=0, batch_dims=0).numpy()
    array([2., 0., 4., 0.], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.dtypes import NP_ALL, NP_ARITH, NP_COMPLEX, NP_INDEX, NP_NUMERIC, as_dtype, int32
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.indexed_slices import IndexedSlices
from ..core.registry import bind, bind_as, defvjp, no_gradient, primitive
from ..core.rules import check_dtype, describe, normalize_axis
from ..core.shape import TensorShape, TensorSpec
from ..core.tape import SPARSE_VJPS
from ..core.tensor import TensorOps, wrap
from .array import broadcast_to_p, concat_p, filled_like, range_p, reshape_p, transpose_p
from .convert import as_tensor, cast, like
from .index import basic_getitem
from .math import add, equal, multiply, negative, subtract, truediv, where
from .reduce import cumsum, reduce_sum
from .values import static_int

__all__ = [
    "gather", "gather_nd", "tensor_scatter_nd_update", "tensor_scatter_nd_add",
    "tensor_scatter_nd_sub", "tensor_scatter_nd_min", "tensor_scatter_nd_max", "bincount",
]


# -- shared checks and helpers -----------------------------------------------------

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


def _filled(t: Any, value: Any, dtype: Any = None) -> Any:
    """`value` in the shape of `t` and its dtype (or `dtype`, a NumPy dtype)."""
    return filled_like(t, np.asarray(value, t.dtype._numpy() if dtype is None else dtype))


def _arange(n: int, dtype: Any) -> Any:
    """0, 1, ..., n - 1 in the NumPy dtype `dtype`."""
    return bind(range_p, start=0, delta=1, size=n, dtype=np.dtype(dtype))


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


def scatter_add_along(updates: Any, indices: Any, axis: int, like: Any) -> Any:
    """Zeros of the shape of `like` (which is `updates`' shape except at `axis`), with
    each entry of `updates` added at position `indices` (same shape as `updates`) along
    `axis`: the transpose of taking values along an axis (the gradient of sort, top_k)."""
    if indices.dtype._numpy() not in NP_INDEX:
        indices = cast(indices, int32)
    r = updates.shape.rank
    if axis == r - 1:
        return bind(scatter_add_axis_p, updates, indices, like, axis=axis, batch_dims=axis)
    perm = tuple([i for i in range(r) if i != axis] + [axis])
    out = bind(scatter_add_axis_p, bind(transpose_p, updates, perm=perm),
               bind(transpose_p, indices, perm=perm), bind(transpose_p, like, perm=perm),
               axis=r - 1, batch_dims=r - 1)
    return bind(transpose_p, out, perm=tuple(perm.index(i) for i in range(r)))


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
        return bind(tensor_scatter_nd_p, _filled(params, 0), indices, g, mode="add")
    shape, ishape = list(params.shape), list(indices.shape)
    if None in shape or None in ishape:
        # Unknown dims (inside ember.function): the coordinate of each index vector
        # along batch dim i is an exclusive running count of ones along i.
        ones = _filled(reduce_sum(indices, axis=-1, keepdims=True), 1)
        coords = [cumsum(ones, axis=i, exclusive=True) for i in range(b)]
        return bind(tensor_scatter_nd_p, _filled(params, 0),
                    bind(concat_p, *coords, indices, axis=len(ishape) - 1), g, mode="add")
    nb = math.prod(shape[:b])
    mid, k = ishape[b:-1], ishape[-1]
    ids = bind(reshape_p, _arange(nb, indices.dtype._numpy()),
               shape=tuple([nb] + [1] * (len(mid) + 1)))
    idx = bind(concat_p, bind(broadcast_to_p, ids, shape=tuple([nb] + mid + [1])),
               bind(reshape_p, indices, shape=tuple([nb] + mid + [k])), axis=len(mid) + 1)
    zeros = bind(broadcast_to_p, wrap(np.zeros((), g.dtype._numpy())),
                 shape=tuple([nb] + shape[b:]))
    flat = bind(tensor_scatter_nd_p, zeros, idx,
                bind(reshape_p, g, shape=tuple([nb] + mid + shape[b + k:])), mode="add")
    return bind(reshape_p, flat, shape=tuple(shape))


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


# -- tensor_scatter_nd ---------------------------------------------------------------

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
        ids = bind(reshape_p, _arange(math.prod(lead), np.int64), shape=tuple(lead))
    else:  # unknown dims: row-major numbers from running counts, axis by axis
        ones = _filled(reduce_sum(indices, axis=-1), 1, np.int64)
        ids, stride = 0, 1
        for j in reversed(range(len(lead))):
            ids = add(ids, multiply(cumsum(ones, j, exclusive=True), stride))
            stride = multiply(stride, reduce_sum(ones, j, keepdims=True))
    if tensor.shape[:k].is_fully_defined():
        slots = wrap(np.full(tuple(tensor.shape[:k]), -1, np.int64))
    else:
        slots = subtract(reduce_sum(_filled(tensor, 0, np.int64), list(range(k, r))), 1)
    slots = bind(tensor_scatter_nd_p, slots, indices, ids, mode="update")
    won = equal(bind(gather_nd_p, slots, indices, batch_dims=0), ids)
    if r > k:  # one new axis per dim of a slice
        won = basic_getitem(won, (Ellipsis,) + (None,) * (r - k))
    return won


def _scatter_vjp(g: Any, ins: tuple, out: Any, mode: str) -> tuple:
    tensor, indices, updates = ins
    if mode in ("add", "sub"):
        gu = bind(gather_nd_p, g, indices, batch_dims=0)
        return g, None, gu if mode == "add" else negative(gu)
    if mode == "update":
        # NOTE: the overwritten entries of `tensor` get no gradient; among updates at
        # a repeated index only the one written does (TF gives every one of them
        # gather_nd(g, indices), which finite differences contradict).
        gt = bind(tensor_scatter_nd_p, g, indices, _filled(updates, 0), mode="update")
        gu = bind(gather_nd_p, g, indices, batch_dims=0)
        return gt, None, where(_written(tensor, indices), gu, 0)
    # min / max, TF's convention: the gradient of an entry goes to the operands equal
    # to the result (the tensor entry and/or updates), shared equally at ties.
    dt = g.dtype
    x_hit = cast(equal(tensor, out), dt)
    y_hit = cast(equal(updates, bind(gather_nd_p, out, indices, batch_dims=0)), dt)
    count = add(x_hit, bind(tensor_scatter_nd_p, _filled(tensor, 0), indices, y_hit,
                            mode="add"))
    share = truediv(g, count)
    return (multiply(share, x_hit), None,
            multiply(bind(gather_nd_p, share, indices, batch_dims=0), y_hit))


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


def _scatter(op: str, tensor: Any, indices: Any, updates: Any, mode: str) -> Any:
    """Binds tensor_scatter_nd; a failure is reported under the public op's name, eagerly
    and when a compiled graph runs it."""
    return bind_as(op, tensor_scatter_nd_p, tensor, indices, updates, mode=mode)


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


# -- bincount ------------------------------------------------------------------------

_BINCOUNT_DTYPES = frozenset(np.dtype(d) for d in ("int32", "int64", "float32", "float64"))


def _bincount_rule(arr: TensorSpec, weights: TensorSpec, minlength: Any, maxlength: Any,
                   binary_output: bool, axis: int) -> TensorSpec:
    check_dtype("bincount", arr, NP_INDEX, "arr")
    check_dtype("bincount", weights, _BINCOUNT_DTYPES, "weights")
    empty = weights.shape.rank == 1 and weights.shape[0] == 0
    if not empty and not weights.shape.is_compatible_with(arr.shape):
        raise ShapeError(f"bincount: weights must have the shape of arr, received arr "
                         f"{describe(arr)}, weights {describe(weights)}.")
    size = None
    if maxlength is not None and (maxlength <= 0 or (minlength is not None
                                                     and minlength >= maxlength)):
        size = max(maxlength, 0)
    if axis == -1 and arr.shape.rank == 2:
        return TensorSpec([arr.shape[0], size], weights.dtype)
    return TensorSpec([size], weights.dtype)


bincount_p = primitive("bincount", _bincount_rule, check="rule")
no_gradient(bincount_p)  # as TF


def bincount(arr: Any, weights: Any = None, minlength: Any = None, maxlength: Any = None,
             dtype: Any = int32, name: str | None = None, axis: int | None = None,
             binary_output: bool = False) -> Any:
    """How often each non-negative integer occurs in `arr` (TF's `tf.math.bincount`).

    The output has `max(arr) + 1` bins (0 for an empty `arr`), at least `minlength`
    and at most `maxlength` (values >= maxlength are skipped). With `weights`, bin `i`
    sums the weights of the entries equal to `i`.

    Args:
        arr: an int32/int64 tensor of non-negative values (other dtypes are cast to int32).
        weights: None, or a tensor of `arr`'s shape (int32, int64, float32 or float64).
        minlength: None or an int: the least number of bins.
        maxlength: None or an int: the most number of bins.
        dtype: the output dtype without weights (int32, int64, float32 or float64).
        name: ignored.
        axis: None or 0 (count over everything), or -1 (one count per row of a 2-D arr).
        binary_output: if True, 1 for each bin that occurs instead of its count (not with
            weights).

    Returns:
        A 1-D tensor (`[rows, bins]` for axis=-1) of `weights`' dtype, else `dtype`.
        No gradient, as TF.

    Raises:
        InvalidArgumentError: if `arr` holds a negative value.

    Example:
        >>> import ember as tf
        >>> tf.math.bincount(tf.constant([1, 1, 3])).numpy()
        array([0, 2, 0, 1], dtype=int32)
        >>> tf.math.bincount([1, 1, 3], weights=tf.constant([0.5, 1.0, 2.0])).numpy()
        array([0. , 1.5, 0. , 2. ], dtype=float32)
    """
    x = as_tensor(arr)
    if not x.dtype.is_integer:
        x = cast(x, int32)  # as TF
    elif x.dtype._numpy() not in NP_INDEX:
        raise DTypeError(f"bincount: arr must be int32 or int64, received {x.dtype.name}; "
                         f"cast it first, e.g. ember.cast(arr, ember.int32).")
    if axis not in (None, 0, -1):
        raise InvalidArgumentError(
            f"bincount: axis must be None, 0 or -1, received axis={axis!r}.")
    if axis == -1 and x.shape.rank is not None and x.shape.rank > 2:
        raise InvalidArgumentError(f"bincount: with axis=-1, arr must be at most 2-D, "
                                   f"received {describe(TensorSpec.from_tensor(x))}.")
    if weights is not None and binary_output:
        raise InvalidArgumentError("bincount: weights and binary_output=True are mutually "
                                   "exclusive; pass only one.")
    if weights is None:
        np_dtype = as_dtype(dtype)._numpy()
        if np_dtype not in _BINCOUNT_DTYPES:
            raise DTypeError(f"bincount: dtype must be int32, int64, float32 or float64, "
                             f"received {dtype!r}.")
        w = wrap(np.zeros((0,), np_dtype))  # carries the output dtype, as TF's empty weights
    else:
        w = as_tensor(weights)
    lo = None if minlength is None else static_int(minlength, "bincount", "minlength")
    hi = None if maxlength is None else static_int(maxlength, "bincount", "maxlength")
    return bind(bincount_p, x, w, minlength=lo, maxlength=hi,
                binary_output=bool(binary_output), axis=0 if axis is None else axis)


# -- the sparse gradient of gather (TF's IndexedSlices) ---------------------------------

def _gather_sparse_vjp(g: Any, ins: tuple, out: Any, axis: int, batch_dims: int) -> Any:
    """The cotangent of a Variable read by `gather(v, ids)` along axis 0, as an
    IndexedSlices of the looked-up rows (the tape uses it for a Variable read directly);
    None (the dense rule) along another axis or with batch dims."""
    params, ids = ins
    pshape = tuple(params._value.shape) if hasattr(params, "_value") else \
        tuple(params.shape)
    if axis != 0 or batch_dims != 0 or None in pshape:
        return None
    values = bind(reshape_p, g, shape=(-1,) + pshape[1:])
    indices = bind(reshape_p, ids, shape=(-1,))
    return IndexedSlices(values, indices, wrap(np.asarray(pshape, dtype=np.int32)))


SPARSE_VJPS["gather"] = _gather_sparse_vjp

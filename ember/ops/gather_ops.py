"""Gather and scatter: gather, gather_nd, boolean_mask, scatter_nd, tensor_scatter_nd_*.

The primitives (gather, scatter_add_axis, gather_nd, tensor_scatter_nd), their gradients
and the ops that bind them (gather, gather_nd, tensor_scatter_nd_*) are in
`prims/gather.py`, re-exported here; `boolean_mask` and `scatter_nd` are composites.

Example:
    >>> import ember as tf
    >>> tf.boolean_mask(tf.constant([1, 2, 3]), [True, False, True]).numpy()
    array([1, 3], dtype=int32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import NP_ARITH, int64
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.graph import Tracer
from ..core.shape import TensorSpec
from ..core.rules import describe
from ..core.tensor import ConcreteTensor
from ..prims.convert import as_tensor, constant
from ..prims.gather import (_scatter, _scatter_check, gather, gather_nd,  # noqa: F401
                            gather_nd_p, gather_p, scatter_add_axis_p, tensor_scatter_nd_add,
                            tensor_scatter_nd_max, tensor_scatter_nd_min, tensor_scatter_nd_p,
                            tensor_scatter_nd_sub, tensor_scatter_nd_update)
from ..prims.reduce import reduce_sum
from ..prims.values import static_int, trace_time_value_error
from . import math_ops
from .creation_ops import zeros_like

__all__ = [
    "gather", "gather_nd", "boolean_mask", "scatter_nd", "tensor_scatter_nd_update",
    "tensor_scatter_nd_add", "tensor_scatter_nd_sub", "tensor_scatter_nd_min",
    "tensor_scatter_nd_max",
]


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
    axis = 0 if axis is None else static_int(axis, "boolean_mask", "axis")
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


# -- scatter_nd ----------------------------------------------------------------------

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

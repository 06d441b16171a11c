"""`tf.sparse`: ops on SparseTensors, composed from ember's dense ops (gather, scatter,
where, argsort), so they run eagerly and inside `ember.function`, and gradients flow to
the `values` and to dense operands.

Positions are compared through their row-major linear index (`indices @ strides`), which
is how reorder, add and concat order and merge entries. Checks a TF op makes on concrete
values (indices in bounds and in order for `to_dense`) are made on concrete values.

Example:
    >>> import ember as tf
    >>> sp = tf.sparse.from_dense([[0.0, 2.0], [3.0, 0.0]])
    >>> sp.indices.numpy().tolist(), sp.values.numpy()
    ([[0, 1], [1, 0]], array([2., 3.], dtype=float32))
    >>> tf.sparse.sparse_dense_matmul(sp, tf.ones((2, 1))).numpy()
    array([[2.],
           [3.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import InvalidArgumentError
from ..core.tensor import ConcreteTensor, TensorOps
from ..ops.creation_ops import fill, one_hot, ones, ones_like, range as arange, zeros, zeros_like
from ..ops.gather_ops import (boolean_mask, gather, gather_nd, scatter_nd,
                              tensor_scatter_nd_add, tensor_scatter_nd_max)
from ..ops.shape_ops import broadcast_to, concat as concat_dense, shape as shape_of, stack
from ..ops.shape_ops import transpose as transpose_dense
from ..ops.sort_ops import argsort, unique
from ..prims.convert import cast, convert_to_tensor
from ..prims.math import abs as abs_, add as add_dense, conj, equal, greater_equal
from ..prims.math import not_equal, where
from ..prims.reduce import cumprod, reduce_prod, reduce_sum as reduce_sum_dense
from .sparse_tensor import SparseTensor

__all__ = ["add", "concat", "expand_dims", "eye", "from_dense", "matmul", "reduce_max",
           "reduce_sum", "reorder", "reshape", "retain", "sparse_dense_matmul", "to_dense",
           "transpose"]


def _sparse(x: Any, op: str) -> SparseTensor:
    if isinstance(x, SparseTensor):
        return x
    if hasattr(x, "indices") and hasattr(x, "dense_shape"):
        return SparseTensor.from_value(x)
    raise TypeError(f"tf.sparse.{op}: expected a SparseTensor, received "
                    f"{type(x).__name__}; make one with tf.sparse.from_dense(x).")


def _dense(x: Any) -> Any:
    return x if isinstance(x, TensorOps) else convert_to_tensor(x)


def _strides(dense_shape: Any) -> Any:
    return cumprod(dense_shape, exclusive=True, reverse=True)


def _linear(sp: SparseTensor) -> Any:
    """int64 `[N]`: each entry's row-major position in the dense tensor."""
    return reduce_sum_dense(sp.indices * _strides(sp.dense_shape)[None, :], axis=1)


def _concrete(*xs: Any) -> bool:
    return all(isinstance(x, ConcreteTensor) for x in xs)


def _check_indices(sp: SparseTensor, op: str) -> None:
    """TF's checks on concrete indices: in bounds, in row-major order, no repeats."""
    if not _concrete(sp.indices, sp.dense_shape):
        return
    idx, shape = sp.indices.numpy(), sp.dense_shape.numpy()
    if idx.size == 0:
        return
    bad = np.nonzero(((idx < 0) | (idx >= shape[None, :])).any(axis=1))[0]
    if bad.size:
        raise InvalidArgumentError(
            f"tf.sparse.{op}: indices[{bad[0]}] = {idx[bad[0]].tolist()} is out of bounds "
            f"for dense_shape {shape.tolist()}.")
    strides = np.cumprod(np.concatenate([shape[1:], [1]])[::-1])[::-1]
    lin = idx @ strides
    step = np.diff(lin)
    if (step == 0).any():
        k = int(np.nonzero(step == 0)[0][0]) + 1
        raise InvalidArgumentError(f"tf.sparse.{op}: indices[{k}] = {idx[k].tolist()} is "
                                   f"repeated; sum repeated entries first (tf.sparse.add).")
    if (step < 0).any():
        k = int(np.nonzero(step < 0)[0][0]) + 1
        raise InvalidArgumentError(
            f"tf.sparse.{op}: indices[{k}] = {idx[k].tolist()} is out of order; many sparse "
            f"ops need indices in row-major order: call tf.sparse.reorder first.")


def to_dense(sp_input: Any, default_value: Any = None, validate_indices: bool = True,
             name: str | None = None) -> Any:
    """The dense tensor: stored values at their indices, `default_value` (0) elsewhere.

    Example:
        >>> import ember as tf
        >>> sp = tf.SparseTensor([[1]], [7], [3])
        >>> tf.sparse.to_dense(sp, default_value=-1).numpy()
        array([-1,  7, -1], dtype=int32)
    """
    sp = _sparse(sp_input, "to_dense")
    if validate_indices:
        _check_indices(sp, "to_dense")
    dense = scatter_nd(sp.indices, sp.values, sp.dense_shape)
    if default_value is None:
        return dense
    default = cast(_dense(default_value), sp.dtype)
    where_set = scatter_nd(sp.indices, ones_like(sp.values, dtype="int8"),
                           sp.dense_shape)
    return where(greater_equal(where_set, cast(1, "int8")), dense,
                 broadcast_to(default, shape_of(dense)))


def from_dense(tensor: Any, name: str | None = None) -> SparseTensor:
    """A SparseTensor of the non-zero entries of `tensor`, in row-major order.

    Example:
        >>> import ember as tf
        >>> tf.sparse.from_dense([0, 5, 0, 6]).indices.numpy().tolist()
        [[1], [3]]
    """
    t = _dense(tensor)
    if t.shape.rank == 0:
        raise ValueError("tf.sparse.from_dense: expected a tensor of rank >= 1, received a "
                         "scalar.")
    zero = zeros_like(t) if t.dtype.name != "string" else convert_to_tensor(b"")
    indices = where(not_equal(t, zero))
    return SparseTensor(indices, gather_nd(t, indices), shape_of(t, out_type="int64"))


def sparse_dense_matmul(sp_a: Any, b: Any, adjoint_a: bool = False, adjoint_b: bool = False,
                        name: str | None = None) -> Any:
    """`sp_a @ b` for a rank-2 SparseTensor and a dense matrix (either operand may be the
    sparse one, as TF), without making `sp_a` dense; gradients flow to the values and to
    `b`.

    Example:
        >>> import ember as tf
        >>> sp = tf.SparseTensor([[0, 1]], [2.0], [1, 2])
        >>> tf.sparse.sparse_dense_matmul(sp, [[1.0, 1.0], [3.0, 4.0]]).numpy()
        array([[6., 8.]], dtype=float32)
    """
    if not isinstance(sp_a, SparseTensor) and isinstance(b, SparseTensor):
        # a @ sp = (sp^T @ a^T)^T
        out = sparse_dense_matmul(b, sp_a, adjoint_a=not adjoint_b, adjoint_b=not adjoint_a)
        return transpose_dense(conj(out) if out.dtype.is_complex else out)
    sp = _sparse(sp_a, "sparse_dense_matmul")
    b = _dense(b)
    if sp.shape.rank not in (None, 2) or b.shape.rank != 2:
        raise ValueError(f"tf.sparse.sparse_dense_matmul: expected a rank-2 SparseTensor and "
                         f"a rank-2 dense tensor, received ranks {sp.shape.rank} and "
                         f"{b.shape.rank}.")
    if b.dtype != sp.dtype:
        raise TypeError(f"tf.sparse.sparse_dense_matmul: the SparseTensor is "
                        f"{sp.dtype.name} and b is {b.dtype.name}; cast one of them.")
    rows, cols = sp.indices[:, 0], sp.indices[:, 1]
    m = sp.dense_shape[0]
    values = sp.values
    if adjoint_a:
        rows, cols, m = cols, rows, sp.dense_shape[1]
        values = conj(values) if values.dtype.is_complex else values
    if adjoint_b:
        b = transpose_dense(conj(b) if b.dtype.is_complex else b)
    inner_a = sp.shape[0] if adjoint_a else sp.shape[1]
    if inner_a is not None and b.shape[0] is not None and inner_a != b.shape[0]:
        raise ValueError(f"tf.sparse.sparse_dense_matmul: inner dimensions differ: "
                         f"{inner_a} (sparse) vs {b.shape[0]} (dense).")
    contrib = values[:, None] * gather(b, cols)
    shape = stack([m, cast(shape_of(b, out_type="int64")[1], "int64")])
    return scatter_nd(rows[:, None], contrib, shape)


matmul = sparse_dense_matmul


def _axes(axis: Any, rank: int, op: str) -> list:
    if axis is None:
        return list(range(rank))
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -rank <= a < rank:
            raise ValueError(f"tf.sparse.{op}: axis {a} is out of range for rank {rank}.")
        out.append(a % rank)
    return sorted(set(out))


def _reduce(sp_input: Any, axis: Any, keepdims: bool, op: str, scatter: Any,
            init: Any) -> Any:
    sp = _sparse(sp_input, op)
    rank = sp.shape.rank
    if rank is None:
        raise ValueError(f"tf.sparse.{op}: the SparseTensor's rank must be known.")
    axes = _axes(axis, rank, op)
    keep = [d for d in range(rank) if d not in axes]
    if keepdims:
        idx = stack([zeros_like(sp.indices[:, d]) if d in axes else sp.indices[:, d]
                       for d in range(rank)], axis=1) if rank else sp.indices
        shape = stack([cast(1, "int64") if d in axes else sp.dense_shape[d]
                         for d in range(rank)])
    elif keep:
        idx = stack([sp.indices[:, d] for d in keep], axis=1)
        shape = stack([sp.dense_shape[d] for d in keep])
    else:
        idx = zeros_like(sp.indices[:, :0])
        shape = zeros([0], dtype="int64")
    base = fill(cast(shape, "int32"), cast(init, sp.dtype)) if init is not None \
        else zeros(cast(shape, "int32"), dtype=sp.dtype)
    return scatter(base, idx, sp.values)


def reduce_sum(sp_input: Any, axis: Any = None, keepdims: bool = False,
               output_is_sparse: bool = False, name: str | None = None) -> Any:
    """The sum over `axis` (all axes when None): a dense tensor, or a SparseTensor with
    `output_is_sparse=True`.

    Example:
        >>> import ember as tf
        >>> sp = tf.SparseTensor([[0, 0], [0, 2], [1, 1]], [1, 1, 1], [2, 3])
        >>> tf.sparse.reduce_sum(sp, axis=1).numpy(), int(tf.sparse.reduce_sum(sp))
        (array([2, 1], dtype=int32), 3)
    """
    out = _reduce(sp_input, axis, keepdims, "reduce_sum", tensor_scatter_nd_add, None)
    return from_dense(out) if output_is_sparse else out


def reduce_max(sp_input: Any, axis: Any = None, keepdims: bool = False,
               output_is_sparse: bool = False, name: str | None = None) -> Any:
    """The maximum over `axis` of the stored values only (the implicit zeros are not
    values, as TF: `reduce_max` of stored -1 and -2 is -1); a slice with no stored value
    gives the dtype's lowest value (-inf for floats).

    Example:
        >>> import ember as tf
        >>> sp = tf.SparseTensor([[0, 0], [0, 2], [1, 1]], [-1.0, -2.0, -3.0], [2, 3])
        >>> tf.sparse.reduce_max(sp, axis=0).numpy()
        array([-1., -3., -2.], dtype=float32)
    """
    sp = _sparse(sp_input, "reduce_max")
    np_dt = np.dtype(sp.dtype.name)
    lowest = -np.inf if np_dt.kind in "fc" else np.iinfo(np_dt).min
    out = _reduce(sp, axis, keepdims, "reduce_max", tensor_scatter_nd_max,
                  convert_to_tensor(np.array(lowest, np_dt)))
    return from_dense(out) if output_is_sparse else out


def reorder(sp_input: Any, name: str | None = None) -> SparseTensor:
    """The same SparseTensor with its entries in row-major order.

    Example:
        >>> import ember as tf
        >>> sp = tf.sparse.reorder(tf.SparseTensor([[1], [0]], [5, 6], [2]))
        >>> sp.indices.numpy().tolist(), sp.values.numpy().tolist()
        ([[0], [1]], [6, 5])
    """
    sp = _sparse(sp_input, "reorder")
    order = argsort(_linear(sp), stable=True)
    return SparseTensor(gather(sp.indices, order), gather(sp.values, order),
                        sp.dense_shape)


def retain(sp_input: Any, to_retain: Any) -> SparseTensor:
    """The entries where the bool vector `to_retain` is True.

    Example:
        >>> import ember as tf
        >>> sp = tf.SparseTensor([[0], [2]], [1, 2], [3])
        >>> tf.sparse.retain(sp, [False, True]).values.numpy()
        array([2], dtype=int32)
    """
    sp = _sparse(sp_input, "retain")
    keep = _dense(to_retain)
    return SparseTensor(boolean_mask(sp.indices, keep), boolean_mask(sp.values, keep),
                        sp.dense_shape)


def add(a: Any, b: Any, threshold: Any = 0, name: str | None = None) -> Any:
    """`a + b`: sparse + dense is dense; sparse + sparse is sparse (entries at the same
    position summed, and kept only where `|sum| >= threshold`).

    Example:
        >>> import ember as tf
        >>> a = tf.SparseTensor([[0], [2]], [1.0, 2.0], [3])
        >>> b = tf.SparseTensor([[2]], [5.0], [3])
        >>> tf.sparse.to_dense(tf.sparse.add(a, b)).numpy()
        array([1., 0., 7.], dtype=float32)
    """
    if not isinstance(a, SparseTensor):
        a, b = b, a
    a = _sparse(a, "add")
    if not isinstance(b, SparseTensor):
        return add_dense(to_dense(a, validate_indices=False), cast(_dense(b), a.dtype))
    if a.dtype != b.dtype:
        raise TypeError(f"tf.sparse.add: the SparseTensors are {a.dtype.name} and "
                        f"{b.dtype.name}; cast one of them.")
    if _concrete(a.dense_shape, b.dense_shape) and \
            a.dense_shape.numpy().tolist() != b.dense_shape.numpy().tolist():
        raise ValueError(f"tf.sparse.add: dense shapes differ: {a.dense_shape.numpy()} vs "
                         f"{b.dense_shape.numpy()}.")
    both = SparseTensor(concat_dense([a.indices, b.indices], 0),
                        concat_dense([a.values, b.values], 0),
                        a.dense_shape)
    lin = _linear(both)
    positions, which = unique(lin)
    sums = scatter_nd(cast(which, "int64")[:, None], both.values,
                        shape_of(positions, out_type="int64"))
    coords = (positions[:, None] // _strides(a.dense_shape)[None, :]) % a.dense_shape[None, :]
    out = reorder(SparseTensor(coords, sums, a.dense_shape))
    if isinstance(threshold, (int, float)) and threshold == 0:
        return out
    return retain(out, greater_equal(abs_(out.values), cast(_dense(threshold),
                                                                out.dtype)))


def concat(axis: int, sp_inputs: list, expand_nonconcat_dims: bool = False,
           name: str | None = None) -> SparseTensor:
    """The SparseTensors joined along `axis` (their other dims equal).

    Example:
        >>> import ember as tf
        >>> a = tf.SparseTensor([[0, 0]], [1], [1, 2])
        >>> b = tf.SparseTensor([[0, 1]], [2], [1, 2])
        >>> tf.sparse.to_dense(tf.sparse.concat(1, [a, b])).numpy()
        array([[1, 0, 0, 2]], dtype=int32)
    """
    sps = [_sparse(s, "concat") for s in sp_inputs]
    if not sps:
        raise ValueError("tf.sparse.concat: expected at least one SparseTensor.")
    rank = sps[0].shape.rank
    if rank is None or any(s.shape.rank != rank for s in sps):
        raise ValueError(f"tf.sparse.concat: all inputs need the same known rank, received "
                         f"{[s.shape.rank for s in sps]}.")
    ax = _axes(axis, rank, "concat")[0]
    if expand_nonconcat_dims:
        raise NotImplementedError("tf.sparse.concat: expand_nonconcat_dims=True is not "
                                  "supported by ember; give the inputs equal other dims.")
    shapes = [s.shape.as_list() for s in sps]
    for s in shapes[1:]:
        if any(d0 is not None and d is not None and d0 != d
               for k, (d0, d) in enumerate(zip(shapes[0], s)) if k != ax):
            raise ValueError(f"tf.sparse.concat: the inputs' shapes {shapes} differ outside "
                             f"axis {ax}.")
    indices, offset = [], cast(0, "int64")
    one_hot_axis = one_hot(ax, rank, dtype="int64")
    for s in sps:
        indices.append(s.indices + offset * one_hot_axis[None, :])
        offset = offset + s.dense_shape[ax]
    shape = sps[0].dense_shape * (1 - one_hot_axis) + offset * one_hot_axis
    return reorder(SparseTensor(concat_dense(indices, 0), concat_dense([s.values for s in sps], 0),
                                shape))


def transpose(sp_input: Any, perm: Any = None, name: str | None = None) -> SparseTensor:
    """The SparseTensor with its dims permuted (reversed by default), reordered.

    Example:
        >>> import ember as tf
        >>> sp = tf.sparse.transpose(tf.SparseTensor([[0, 2]], [1], [1, 3]))
        >>> sp.indices.numpy().tolist(), sp.shape
        ([[2, 0]], TensorShape([3, 1]))
    """
    sp = _sparse(sp_input, "transpose")
    rank = sp.shape.rank
    perm = list(range(rank))[::-1] if perm is None else [int(p) for p in perm]
    if sorted(perm) != list(range(rank)):
        raise ValueError(f"tf.sparse.transpose: perm {perm} is not a permutation of the "
                         f"{rank} dims.")
    return reorder(SparseTensor(gather(sp.indices, perm, axis=1),
                                sp.values, gather(sp.dense_shape, perm)))


def reshape(sp_input: Any, shape: Any, name: str | None = None) -> SparseTensor:
    """The SparseTensor with a new dense shape of the same size (one dim may be -1).

    Example:
        >>> import ember as tf
        >>> sp = tf.sparse.reshape(tf.SparseTensor([[1, 1]], [4], [2, 2]), [-1])
        >>> sp.indices.numpy().tolist(), sp.shape
        ([[3]], TensorShape([4]))
    """
    sp = _sparse(sp_input, "reshape")
    new = cast(_dense(shape), "int64")
    size = reduce_prod(sp.dense_shape)
    known = reduce_prod(where(equal(new, -1), ones_like(new), new))
    new = where(equal(new, -1), size // known, new)
    if _concrete(new, size) and int(reduce_prod(new)) != int(size):
        raise ValueError(f"tf.sparse.reshape: can't reshape a SparseTensor of "
                         f"{int(size)} elements to shape {new.numpy().tolist()}.")
    lin = _linear(sp)
    strides = _strides(new)
    coords = (lin[:, None] // strides[None, :]) % new[None, :]
    return SparseTensor(coords, sp.values, new)


def expand_dims(sp_input: Any, axis: int | None = None, name: str | None = None) -> SparseTensor:
    """A dim of size 1 inserted at `axis`.

    Example:
        >>> import ember as tf
        >>> tf.sparse.expand_dims(tf.SparseTensor([[1]], [3], [2]), 0).shape
        TensorShape([1, 2])
    """
    sp = _sparse(sp_input, "expand_dims")
    rank = sp.shape.rank
    ax = -1 if axis is None else int(axis)
    ax = ax + rank + 1 if ax < 0 else ax
    if not 0 <= ax <= rank:
        raise ValueError(f"tf.sparse.expand_dims: axis {axis} is out of range for rank "
                         f"{rank}.")
    zeros = zeros_like(sp.indices[:, :1])
    idx = concat_dense([sp.indices[:, :ax], zeros, sp.indices[:, ax:]], 1)
    shape = concat_dense([sp.dense_shape[:ax], cast([1], "int64"), sp.dense_shape[ax:]], 0)
    return SparseTensor(idx, sp.values, shape)


def eye(num_rows: int, num_columns: int | None = None, dtype: Any = "float32",
        name: str | None = None) -> SparseTensor:
    """The identity matrix as a SparseTensor.

    Example:
        >>> import ember as tf
        >>> tf.sparse.eye(2).indices.numpy().tolist()
        [[0, 0], [1, 1]]
    """
    cols = num_rows if num_columns is None else num_columns
    n = min(int(num_rows), int(cols))
    diag = np.arange(n, dtype=np.int64)
    return SparseTensor(np.stack([diag, diag], 1).reshape(n, 2),
                        ones([n], dtype=dtype), [int(num_rows), int(cols)])

"""Loops and partitions of TF's top level: scan, foldl, foldr, dynamic_partition,
dynamic_stitch (composites, differentiable through the ops they use).

scan / foldl / foldr run `fn` in a Python loop eagerly and inside `ember.function` when
the number of elements is known at trace time (as `map_fn`, `ops/extra_ops.py`), else in
an ember `while_loop` (scan's rows go into TensorArrays). GradientTape differentiates
both.

Example:
    >>> import ember as tf
    >>> tf.scan(lambda a, x: a + x, tf.constant([1, 2, 3, 4])).numpy()
    array([ 1,  3,  6, 10], dtype=int32)
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core import nest
from ..core.errors import InvalidArgumentError
from ..prims import math as pm
from ..prims.convert import as_tensor, cast, convert_to_tensor
from ..prims.gather import gather
from .control_flow import while_loop
from .gather_ops import boolean_mask, tensor_scatter_nd_update
from .creation_ops import zeros
from .extra_ops import loop_elems
from .reduce_ops import reduce_max
from .shape_ops import concat, reshape, shape, stack, unstack
from .tensor_array import TensorArray

__all__ = ["scan", "foldl", "foldr", "dynamic_partition", "dynamic_stitch"]


def _elems(op: str, fn: Callable, elems: Any) -> tuple:
    return loop_elems(op, fn, elems, verb="iterated")


def _acc_leaves(op: str, acc: Any, structure: Any) -> list:
    flat = nest.flatten(acc)
    n = len(nest.flatten(structure))
    if len(flat) != n:
        raise ValueError(f"{op}: fn returned {len(flat)} tensor(s), the accumulator has "
                         f"{n}; fn(acc, x) must return the accumulator's structure.")
    return [as_tensor(a) for a in flat]


def _loop(op: str, fn: Callable, elems: Any, initializer: Any, reverse: bool,
          keep: bool) -> Any:
    """The shared loop: returns (stacked accumulators if keep, final accumulator)."""
    flat, n = _elems(op, fn, elems)
    pack = lambda items: nest.pack_sequence_as(elems, items)  # noqa: E731
    if n is not None:
        cols = [unstack(t, num=n) for t in flat]
        order = list(range(n))[::-1] if reverse else list(range(n))
        if initializer is None:
            if n == 0:
                raise InvalidArgumentError(f"{op}: elems must not be empty when no "
                                           f"initializer is given.")
            first = order[0]
            structure = elems
            acc = pack([c[first] for c in cols])
            rows = [nest.flatten(acc)]
            order = order[1:]
        else:
            structure = initializer
            acc = nest.map_structure(as_tensor, initializer)
            rows = []
        for i in order:
            acc = fn(acc, pack([c[i] for c in cols]))
            acc = nest.pack_sequence_as(structure, _acc_leaves(op, acc, structure))
            rows.append(nest.flatten(acc))
        if not keep:
            return acc
        if reverse:
            rows = rows[::-1]
        if not rows:
            raise NotImplementedError(f"{op}: empty elems with an initializer: the output "
                                      f"rows' shape is not known in ember.")
        return nest.pack_sequence_as(structure, [stack([r[k] for r in rows], axis=0)
                                                 for k in range(len(rows[0]))])
    return _while(op, fn, flat, pack, elems, initializer, reverse, keep)


def _while(op: str, fn: Callable, flat: list, pack: Callable, elems: Any, initializer: Any,
           reverse: bool, keep: bool) -> Any:
    """The loop as a `while_loop` (inside ember.function with an unknown element count)."""
    count = shape(flat[0])[0]
    if initializer is None:
        structure = elems
        start = count - 1 if reverse else 0
        init_acc = [gather(t, start) for t in flat]
        first = 1
    else:
        structure = initializer
        init_acc = [as_tensor(a) for a in nest.flatten(initializer)]
        first = 0
    k, m = len(flat), len(init_acc)
    specs = [(a.dtype, a.shape) for a in init_acc]
    if keep and any(not s.is_fully_defined() for _, s in specs):
        raise NotImplementedError(f"{op}: inside ember.function with an unknown number of "
                                  f"elements, the accumulator needs a fully known shape.")

    def index(i: Any) -> Any:
        return count - 1 - i if reverse else i

    def cond(i: Any, *xs: Any) -> Any:
        return pm.less(i, count)

    def body(i: Any, *xs: Any) -> tuple:
        items = list(xs[:k])
        acc = nest.pack_sequence_as(structure, list(xs[k:k + m]))
        new = fn(acc, pack([gather(t, index(i)) for t in items]))
        new = _acc_leaves(op, new, structure)
        new = [cast(a, d) if a.dtype != d else a for a, (d, _) in zip(new, specs)]
        tas = list(xs[k + m:])
        tas = [ta.write(index(i), a) for ta, a in zip(tas, new)]
        return (i + 1,) + tuple(items) + tuple(new) + tuple(tas)

    tas = []
    if keep:
        tas = [TensorArray(d, size=count, element_shape=s) for d, s in specs]
        if first:
            tas = [ta.write(index(0), a) for ta, a in zip(tas, init_acc)]
    res = while_loop(cond, body, [convert_to_tensor(first)] + flat + init_acc + tas)
    if keep:
        return nest.pack_sequence_as(structure, [ta.stack() for ta in res[1 + k + m:]])
    return nest.pack_sequence_as(structure, list(res[1 + k:1 + k + m]))


def scan(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations: int = 10,
         back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True,
         reverse: bool = False, name: str | None = None) -> Any:
    """The accumulators of `acc = fn(acc, x)` over the elements of `elems` along axis 0,
    stacked (TF's `tf.scan`). Without `initializer` the first element starts the
    accumulator (and is the first output row). `reverse` scans from the last element
    (outputs stay in element order).

    Example:
        >>> import ember as tf
        >>> tf.scan(lambda a, x: a * x, tf.constant([1.0, 2.0, 3.0]), reverse=True).numpy()
        array([6., 6., 3.], dtype=float32)
        >>> tf.scan(lambda a, x: a + x, tf.constant([1, 2]), initializer=10).numpy()
        array([11, 13], dtype=int32)
    """
    return _loop("scan", fn, elems, initializer, reverse, keep=True)


def foldl(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations: int = 10,
          back_prop: bool = True, swap_memory: bool = False, name: str | None = None) -> Any:
    """The final accumulator of `acc = fn(acc, x)` from the first element to the last
    (TF's `tf.foldl`). Without `initializer` the first element starts it.

    Example:
        >>> import ember as tf
        >>> tf.foldl(lambda a, x: a - x, tf.constant([1, 2, 3])).numpy()
        np.int32(-4)
    """
    return _loop("foldl", fn, elems, initializer, False, keep=False)


def foldr(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations: int = 10,
          back_prop: bool = True, swap_memory: bool = False, name: str | None = None) -> Any:
    """The final accumulator of `acc = fn(acc, x)` from the last element to the first
    (TF's `tf.foldr`). Without `initializer` the last element starts it.

    Example:
        >>> import ember as tf
        >>> tf.foldr(lambda a, x: a - x, tf.constant([1, 2, 3])).numpy()
        np.int32(0)
    """
    return _loop("foldr", fn, elems, initializer, True, keep=False)


# -- dynamic_partition / dynamic_stitch ---------------------------------------------------

def dynamic_partition(data: Any, partitions: Any, num_partitions: int,
                      name: str | None = None) -> list:
    """Splits `data` into `num_partitions` tensors by `partitions` (TF's
    `tf.dynamic_partition`): output i holds, in order, the slices `data[j]` with
    `partitions[j] == i`, where `partitions.shape` is a prefix of `data.shape`.

    Example:
        >>> import ember as tf
        >>> a, b = tf.dynamic_partition(tf.constant([10, 20, 30, 40]), [0, 1, 1, 0], 2)
        >>> a.numpy(), b.numpy()
        (array([10, 40], dtype=int32), array([20, 30], dtype=int32))
    """
    x = as_tensor(data)
    p = as_tensor(partitions)
    if p.dtype.name != "int32":
        raise InvalidArgumentError(f"dynamic_partition: partitions must be int32, received "
                                   f"{p.dtype.name}.")
    if not isinstance(num_partitions, (int, np.integer)) or num_partitions < 1:
        raise InvalidArgumentError(f"dynamic_partition: num_partitions must be an int >= 1, "
                                   f"received {num_partitions!r}.")
    pr, xr = p.shape.rank, x.shape.rank
    if pr is not None and xr is not None and (
            pr > xr or not x.shape[:pr].is_compatible_with(p.shape)):
        raise InvalidArgumentError(f"dynamic_partition: partitions.shape must be a prefix "
                                   f"of data.shape, received {p.shape} and {x.shape}.")
    if hasattr(p, "_value"):
        pv = np.asarray(p._value)
        if pv.size and (pv.min() < 0 or pv.max() >= num_partitions):
            raise InvalidArgumentError(f"dynamic_partition: partitions must be in [0, "
                                       f"{num_partitions}), received values {pv.min()}.."
                                       f"{pv.max()}.")
    return [boolean_mask(x, pm.equal(p, i)) for i in range(int(num_partitions))]


def dynamic_stitch(indices: Any, data: Any, name: str | None = None) -> Any:
    """Interleaves `data` by `indices` into one tensor (TF's `tf.dynamic_stitch`):
    `merged[indices[m][i]] = data[m][i]`; a later entry for the same index wins. The
    output has `max(indices) + 1` rows, shape `[rows] + data[m].shape[indices[m].ndim:]`.

    NOTE: the gradient of an overwritten entry is zero here; TF's DynamicStitch gradient
    gathers it anyway.

    Example:
        >>> import ember as tf
        >>> tf.dynamic_stitch([[0, 2], [1, 2]], [[1.0, 2.0], [3.0, 4.0]]).numpy()
        array([1., 3., 4.], dtype=float32)
    """
    if len(indices) != len(data):
        raise InvalidArgumentError(f"dynamic_stitch: {len(indices)} index tensors but "
                                   f"{len(data)} data tensors; pass one of each per piece.")
    if not indices:
        raise InvalidArgumentError("dynamic_stitch: pass at least one (indices, data) pair.")
    idx = [as_tensor(i) for i in indices]
    dat = [as_tensor(d) for d in data]
    if any(i.dtype.name != "int32" for i in idx):
        raise InvalidArgumentError("dynamic_stitch: indices must be int32 tensors.")
    dtypes = {d.dtype for d in dat}
    if len(dtypes) > 1:
        raise InvalidArgumentError(f"dynamic_stitch: every data tensor must have one "
                                   f"dtype, received {[d.dtype.name for d in dat]}.")
    tails = []
    for i, d in zip(idx, dat):
        r = i.shape.rank
        if r is not None and d.shape.rank is not None and (
                not d.shape[:r].is_compatible_with(i.shape)):
            raise InvalidArgumentError(f"dynamic_stitch: data[m].shape must start with "
                                       f"indices[m].shape, received {d.shape} and {i.shape}.")
        tails.append(d.shape[r:] if r is not None else None)
    tail = tails[0]
    for t in tails[1:]:
        if tail is not None and t is not None and not tail.is_compatible_with(t):
            raise InvalidArgumentError(f"dynamic_stitch: the data pieces' trailing shapes "
                                       f"differ: {tail} and {t}.")
    flat_i = concat([reshape(i, [-1]) for i in idx], axis=0)
    tail_list = [-1 if d is None else d for d in tail.as_list()]
    flat_d = concat([reshape(d, [-1] + tail_list) for d in dat], axis=0)
    if hasattr(flat_i, "_value"):
        iv = np.asarray(flat_i._value)
        if iv.size and iv.min() < 0:
            raise InvalidArgumentError(f"dynamic_stitch: indices must be >= 0, received "
                                       f"{iv.min()}.")
        rows = int(iv.max()) + 1 if iv.size else 0
        n = rows
    else:
        n = reduce_max(flat_i) + 1
    base = zeros(concat([reshape(n, [1]),
                         shape(flat_d)[1:]], axis=0) if not isinstance(n, int)
                 else [n] + list(flat_d.shape[1:]), flat_d.dtype)
    if isinstance(n, int) and n == 0:
        return base
    return tensor_scatter_nd_update(base, reshape(flat_i, [-1, 1]), flat_d)


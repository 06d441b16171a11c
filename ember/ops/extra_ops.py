"""Extra array ops as TF: roll, meshgrid, searchsorted, bincount, map_fn, vectorized_map.

The primitives and the ops that bind them are in the primitive layer, re-exported here:
roll (`prims/roll.py`, its gradient is the roll back), searchsorted (`prims/sort.py`) and
bincount (`prims/gather.py`), both without gradient, as TF. `meshgrid` is reshape +
broadcast_to; `map_fn` and `vectorized_map` run `fn` in a Python loop (during tracing
inside ember.function), or in a `while_loop` when the number of elements is unknown until
run time.

Example:
    >>> import ember as tf
    >>> from ember.ops import extra_ops
    >>> extra_ops.roll(tf.constant([1, 2, 3, 4]), 1, 0).numpy()
    array([4, 1, 2, 3], dtype=int32)
"""

from __future__ import annotations

from typing import Any, Callable

from ..core import nest
from ..core.context import CTX
from ..core.dtypes import as_dtype
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.graph import Trace
from ..core.shape import TensorSpec
from ..core.tensor import TensorOps
from ..prims.convert import as_tensor, convert_to_tensor
from ..prims.gather import bincount, bincount_p, gather  # noqa: F401
from ..prims.roll import roll, roll_p  # noqa: F401
from ..prims.sort import searchsorted, searchsorted_p  # noqa: F401
from . import math_ops
from .control_flow import while_loop
from .creation_ops import zeros
from .shape_ops import broadcast_to, reshape, shape, stack, unstack
from .tensor_array import TensorArray

__all__ = ["roll", "meshgrid", "searchsorted", "bincount", "map_fn", "vectorized_map"]


# -- meshgrid ------------------------------------------------------------------------

def meshgrid(*args: Any, indexing: str = "xy", name: str | None = None) -> list:
    """Coordinate grids from N coordinate vectors (TF's `tf.meshgrid`).

    Each input is flattened. With `indexing="ij"` output `k` has shape
    `[len(x0), ..., len(xN-1)]` and varies along axis `k`; with `"xy"` (Cartesian, the
    default) the first two dims are swapped, as NumPy's `np.meshgrid`.

    Args:
        *args: tensors of one dtype (flattened to 1-D).
        indexing: "xy" or "ij".
        name: ignored.

    Returns:
        A list of N tensors of the grid's shape.

    Example:
        >>> import ember as tf
        >>> from ember.ops.extra_ops import meshgrid
        >>> X, Y = meshgrid(tf.constant([1, 2, 3]), tf.constant([4, 5]))
        >>> X.numpy(), Y.numpy()
        (array([[1, 2, 3],
               [1, 2, 3]], dtype=int32), array([[4, 4, 4],
               [5, 5, 5]], dtype=int32))
    """
    if indexing not in ("xy", "ij"):
        raise InvalidArgumentError(
            f"meshgrid: indexing must be 'xy' or 'ij', received {indexing!r}.")
    xs = [as_tensor(a) for a in args]
    if not xs:
        return []
    dtypes = {x.dtype for x in xs}
    if len(dtypes) > 1:
        raise DTypeError(f"meshgrid: every input must have the same dtype, received "
                         f"{[x.dtype.name for x in xs]}; cast them first, e.g. ember.cast.")
    flats = [reshape(x, [-1]) for x in xs]
    sizes = [f.shape[0] if f.shape[0] is not None else shape(f)[0] for f in flats]
    n = len(flats)
    order = list(range(n))
    if indexing == "xy" and n > 1:
        order[0], order[1] = 1, 0  # output dim d holds input order[d]
    target = [sizes[k] for k in order]
    out = []
    for k, f in enumerate(flats):
        dims = [1] * n
        dims[order.index(k)] = -1
        out.append(broadcast_to(reshape(f, dims), target))
    return out


# -- map_fn / vectorized_map ---------------------------------------------------------

def _signature(op: str, sig: Any) -> list:
    """[(dtype, TensorShape or None)] for each leaf of an output signature."""
    out = []
    for s in nest.flatten(sig):
        if isinstance(s, TensorSpec):
            out.append((s.dtype, s.shape))
            continue
        try:
            out.append((as_dtype(s), None))
        except TypeError:
            raise NotImplementedError(
                f"{op}: fn_output_signature entries must be dtypes or ember.TensorSpec; "
                f"received {s!r} (ragged and sparse outputs are not supported).") from None
    return out


def _leaves(op: str, result: Any, structure: Any, sig: list | None) -> list:
    """The tensors of one result of fn, checked against the expected signature."""
    flat = nest.flatten(result)
    if sig is None:
        return [as_tensor(r) for r in flat]
    if len(flat) != len(sig):
        raise ValueError(f"{op}: fn returned {len(flat)} tensor(s) but {len(sig)} were "
                         f"expected (the structure of fn_output_signature, else of elems: "
                         f"{structure!r}). Pass fn_output_signature= for another structure.")
    out = []
    for k, (r, (dt, shp)) in enumerate(zip(flat, sig)):
        t = r if isinstance(r, TensorOps) else convert_to_tensor(r, dtype=dt)
        if t.dtype != dt:
            raise DTypeError(f"{op}: fn returned {t.dtype.name} for output {k} but "
                             f"{dt.name} was expected (fn_output_signature, else the dtype "
                             f"of elems); pass fn_output_signature=ember.{t.dtype.name}.")
        if shp is not None and not shp.is_compatible_with(t.shape):
            raise ShapeError(f"{op}: fn returned shape {t.shape} for output {k}, "
                             f"incompatible with fn_output_signature's {shp}.")
        out.append(t)
    return out


def loop_elems(op: str, fn: Callable, elems: Any, verb: str = "mapped") -> tuple:
    """(elems as a flat list of tensors, their common first dim or None) for a loop over
    axis 0 (map_fn, scan, foldl, foldr), with the errors of a bad fn or bad elems."""
    if not callable(fn):
        raise TypeError(f"{op}: fn must be callable, received {fn!r}.")
    flat = [as_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise InvalidArgumentError(f"{op}: elems must hold at least one tensor.")
    if any(t.shape.rank == 0 for t in flat):
        raise InvalidArgumentError(f"{op}: elements in elems must be 1+ dimensional tensors "
                                   f"({verb} along axis 0), not scalars.")
    known = {t.shape[0] for t in flat} - {None}
    if len(known) > 1:
        raise ShapeError(f"{op}: every tensor in elems must have the same first dim, "
                         f"received {[t.shape[0] for t in flat]}.")
    return flat, (known.pop() if known else None)


def _map(op: str, fn: Callable, elems: Any, sig: Any) -> Any:
    """map_fn's loop. `sig` None: the output structure is whatever fn returns."""
    flat, n = loop_elems(op, fn, elems)
    flat_sig = None if sig is None else _signature(op, sig)
    structure = [sig]  # the output structure; found from fn's first result if sig is None

    def call(items: list) -> list:
        result = fn(nest.pack_sequence_as(elems, items))
        if structure[0] is None:
            structure[0] = result
        return _leaves(op, result, sig, flat_sig)

    if n is None:  # only inside ember.function: the number of elements is symbolic
        outs = _while_map(op, call, flat)
    elif n == 0:
        # NOTE: fn runs once on zeros only to learn the outputs' shapes (TF's eager
        # map_fn returns shape [0] instead); the stacked result is then cut to 0 rows.
        one = [zeros([1] + list(t.shape[1:]), t.dtype)[0] for t in flat]
        outs = [o[:0] for o in _stack_results([call(one)])]
    else:
        columns = [unstack(t, num=n) for t in flat]
        outs = _stack_results([call([c[i] for c in columns]) for i in range(n)])
    return nest.pack_sequence_as(structure[0], outs)


def _stack_results(results: list) -> list:
    return [stack([r[k] for r in results], axis=0) for k in range(len(results[0]))]


def _while_map(op: str, call: Callable, flat: list) -> list:
    """The loop as a `while_loop` writing one row per element into TensorArrays."""

    # NOTE: fn is traced once in a throw-away sub-trace to learn its outputs' specs (the
    # TensorArrays' element shapes must be known before the loop); the body traces it again.
    with Trace(f"{op}_probe", parent=CTX.traces[-1]) as probe:
        specs = [TensorSpec(o.shape, o.dtype) for o in
                 call([probe.placeholder(TensorSpec(t.shape[1:], t.dtype)) for t in flat])]
    unknown = [s for s in specs if not s.shape.is_fully_defined()]
    if unknown:
        raise NotImplementedError(
            f"{op}: inside ember.function with an unknown number of elements, fn's outputs "
            f"must have fully known shapes; received {[str(s.shape) for s in specs]}. Give "
            f"elems a known first dim (e.g. an input_signature with a fixed batch size).")
    count = shape(flat[0])[0]

    k = len(flat)

    # NOTE: elems ride along as (unchanged) loop variables rather than captured values:
    # the traced while_loop gradient then reaches every row of them. The outputs go into
    # preallocated TensorArrays (one row written per element) instead of growing by
    # concat, which reallocated the accumulators every iteration.
    def cond(i: Any, *xs: Any) -> Any:
        return math_ops.less(i, count)

    def body(i: Any, *xs: Any) -> tuple:
        outs = call([gather(t, i) for t in xs[:k]])
        tas = xs[k:]
        return (i + 1,) + tuple(xs[:k]) + tuple(ta.write(i, o) for ta, o in zip(tas, outs))

    init = [TensorArray(s.dtype, size=count, element_shape=s.shape) for s in specs]
    result = while_loop(cond, body, [convert_to_tensor(0)] + flat + init)
    return [ta.stack() for ta in result[1 + k:]]


def map_fn(fn: Callable, elems: Any, dtype: Any = None, parallel_iterations: Any = None,
           back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True,
           name: str | None = None, fn_output_signature: Any = None) -> Any:
    """`fn` applied to each element of `elems` along axis 0, results stacked (TF's
    `tf.map_fn`).

    `elems` is a tensor or a nested structure of tensors with one first dim; `fn` gets
    the same structure of slices. `fn` must return the structure and dtypes of `elems`
    unless `fn_output_signature` (dtypes or ember.TensorSpec, nested) says otherwise.
    Eagerly, and inside ember.function when the first dim is known, this is a Python
    loop over ember ops (so GradientTape differentiates it); with an unknown first dim it
    is an ember `while_loop`, which needs fn's outputs to have fully known shapes.

    Args:
        fn: a callable of one element (a structure like `elems`).
        elems: a tensor or a nested structure of tensors, at least 1-D.
        dtype: deprecated alias of `fn_output_signature`.
        parallel_iterations: accepted for TF compatibility; ignored.
        back_prop: accepted for TF compatibility; ignored.
        swap_memory: accepted for TF compatibility; ignored.
        infer_shape: accepted for TF compatibility; ignored.
        name: ignored.
        fn_output_signature: the structure of dtypes / TensorSpecs fn returns.

    Returns:
        The stacked results, in fn's output structure.

    Example:
        >>> import ember as tf
        >>> from ember.ops.extra_ops import map_fn
        >>> map_fn(lambda x: x * x, tf.constant([1, 2, 3])).numpy()
        array([1, 4, 9], dtype=int32)
        >>> map_fn(lambda t: t[0] + t[1], (tf.constant([1, 2]), tf.constant([10, 20])),
        ...        fn_output_signature=tf.int32).numpy()
        array([11, 22], dtype=int32)
    """
    if fn_output_signature is None:
        fn_output_signature = dtype
    if fn_output_signature is None:
        fn_output_signature = nest.map_structure(lambda e: as_tensor(e).dtype, elems)
    return _map("map_fn", fn, elems, fn_output_signature)


def vectorized_map(fn: Callable, elems: Any, fallback_to_while_loop: bool = True,
                   warn: bool = True) -> Any:
    """`fn` applied to each element of `elems` along axis 0 (TF's `tf.vectorized_map`).

    NOTE: not vectorized: ember runs `map_fn`'s loop (same results as TF's, without the
    speed-up). The output structure and dtypes are whatever `fn` returns.

    Args:
        fn: a callable of one element (a structure like `elems`).
        elems: a tensor or a nested structure of tensors, at least 1-D.
        fallback_to_while_loop: accepted for TF compatibility; ignored.
        warn: accepted for TF compatibility; ignored.

    Returns:
        The stacked results, in fn's output structure.

    Example:
        >>> import ember as tf
        >>> from ember.ops.extra_ops import vectorized_map
        >>> vectorized_map(lambda x: tf.reduce_sum(x), tf.constant([[1, 2], [3, 4]])).numpy()
        array([3, 7], dtype=int32)
    """
    return _map("vectorized_map", fn, elems, None)

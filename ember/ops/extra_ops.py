"""Extra array ops as TF: roll, meshgrid, searchsorted, bincount, map_fn, vectorized_map.

Primitives: `roll` (its gradient is the roll back), `searchsorted` and `bincount` (no
gradient, as TF). `meshgrid` is reshape + broadcast_to; `map_fn` and `vectorized_map` run
`fn` in a Python loop (during tracing inside ember.function), or in a `while_loop` when
the number of elements is unknown until run time.

Example:
    >>> import ember as tf
    >>> from ember.ops import extra_ops
    >>> extra_ops.roll(tf.constant([1, 2, 3, 4]), 1, 0).numpy()
    array([4, 1, 2, 3], dtype=int32)
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core import nest
from ..core.context import CTX
from ..core.dtypes import NP_INDEX, NP_NUMERIC, as_dtype, int32
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.graph import Trace
from ..core.registry import bind, defvjp, no_gradient, primitive
from ..core.rules import check_dtype, describe, index_dtype, normalize_axis
from ..core.shape import TensorSpec
from ..core.tensor import TensorOps
from . import math_ops
from ..prims.values import static_int, static_ints
from .control_flow import while_loop
from ..prims.convert import as_tensor, cast, convert_to_tensor
from .creation_ops import zeros
from .gather_ops import gather
from .shape_ops import shape
from .shape_ops import broadcast_to, reshape, stack, unstack
from .tensor_array import TensorArray

__all__ = ["roll", "meshgrid", "searchsorted", "bincount", "map_fn", "vectorized_map"]

_BINCOUNT_DTYPES = frozenset(np.dtype(d) for d in ("int32", "int64", "float32", "float64"))


# -- roll ----------------------------------------------------------------------------

def _roll_rule(x: TensorSpec, shift: TensorSpec, axis: tuple) -> TensorSpec:
    if x.shape.rank == 0:
        raise InvalidArgumentError(f"roll: input must be 1-D or higher, received {describe(x)}.")
    check_dtype("roll", shift, NP_INDEX, "shift")
    if shift.shape.rank is not None:
        if shift.shape.rank > 1:
            raise InvalidArgumentError(
                f"roll: shift must be a scalar or a 1-D vector, received {describe(shift)}.")
        k = 1 if shift.shape.rank == 0 else shift.shape[0]
        if k is not None and k != len(axis):
            raise InvalidArgumentError(
                f"roll: shift and axis must have the same length, received {k} shift(s) "
                f"for axis {list(axis)}. Pass one shift per axis.")
    return TensorSpec(x.shape, x.dtype)


roll_p = primitive("roll", _roll_rule, check="rule")
# The roll back: the cotangent shifted by -shift along the same axes.
defvjp(roll_p, lambda g, ins, out, axis: (bind(roll_p, g, math_ops.negative(ins[1]),
                                               axis=axis), None))


def roll(input: Any, shift: Any, axis: Any, name: str | None = None) -> Any:  # noqa: A002
    """`input` with its elements shifted cyclically along `axis` (TF's `tf.roll`).

    Element `i` moves to `i + shift` (mod the dim); a negative shift moves elements
    the other way. Several axes: one shift per axis (an axis given twice adds its shifts).

    Args:
        input: a tensor, at least 1-D.
        shift: an int or a list of ints (or an int32/int64 tensor, also symbolic).
        axis: an int or a list of ints, as long as `shift`; may be negative.
        name: ignored.

    Returns:
        A tensor of the shape and dtype of `input`.

    Example:
        >>> import ember as tf
        >>> from ember.ops.extra_ops import roll
        >>> roll(tf.constant([[1, 2, 3], [4, 5, 6]]), shift=[1, -1], axis=[0, 1]).numpy()
        array([[5, 6, 4],
               [2, 3, 1]], dtype=int32)
    """
    x = as_tensor(input)
    rank = x.shape.rank
    if rank == 0:
        raise InvalidArgumentError(
            f"roll: input must be 1-D or higher, received {describe(TensorSpec.from_tensor(x))}.")
    axes = tuple(normalize_axis("roll", a, rank) for a in static_ints(axis, "roll", "axis"))
    if isinstance(shift, TensorOps):
        s = shift
    else:
        values = np.asarray(shift)
        if values.size == 0:
            values = values.astype(np.int32)
        if values.dtype.kind not in "iu":
            raise DTypeError(f"roll: shift must hold integers, received {shift!r}.")
        s = as_tensor(values.astype(np.int64 if values.dtype == np.int64 else np.int32))
    return bind(roll_p, x, s, axis=axes)


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


# -- searchsorted --------------------------------------------------------------------

def _rows(dims: tuple) -> int | None:
    total = 1
    for d in dims:
        if d is None:
            return None
        total *= d
    return total


def _searchsorted_rule(seq: TensorSpec, values: TensorSpec, side: str,
                       out_type: np.dtype) -> TensorSpec:
    check_dtype("searchsorted", seq, NP_NUMERIC, "sorted_sequence")
    got = f"(received sorted_sequence {describe(seq)}, values {describe(values)})"
    if seq.dtype != values.dtype:
        raise DTypeError(f"searchsorted: sorted_sequence and values must have the same dtype "
                         f"{got}; cast one of them.")
    if seq.shape.rank == 0 or values.shape.rank == 0:
        raise InvalidArgumentError(f"searchsorted: sorted_sequence and values must be at "
                                   f"least 1-D {got}.")
    if seq.shape.rank is not None and values.shape.rank is not None:
        a, b = _rows(tuple(seq.shape)[:-1]), _rows(tuple(values.shape)[:-1])
        if a is not None and b is not None and a != b:
            raise InvalidArgumentError(
                f"searchsorted: sorted_sequence [..., N] and values [..., M] must have the "
                f"same leading dims {got}.")
    return TensorSpec(values.shape, as_dtype(out_type))


searchsorted_p = primitive("searchsorted", _searchsorted_rule, check="rule")
no_gradient(searchsorted_p)  # as TF


def searchsorted(sorted_sequence: Any, values: Any, side: str = "left", out_type: Any = int32,
                 name: str | None = None) -> Any:
    """Where each value would go in its row of `sorted_sequence` to keep it sorted
    (TF's `tf.searchsorted`), by binary search.

    `sorted_sequence` is `[..., N]` and `values` `[..., M]` with the same leading dims:
    row `r` of `values` is searched in row `r` of `sorted_sequence`. Unsorted rows are
    accepted (no check, as TF) but give binary-search results with no particular meaning.

    Args:
        sorted_sequence: a numeric tensor, at least 1-D, sorted along its last axis.
        values: a tensor of the same dtype, at least 1-D.
        side: "left" (first suitable index) or "right" (last suitable index).
        out_type: int32 (default) or int64.
        name: ignored.

    Returns:
        A tensor of `values`' shape and dtype `out_type`. No gradient.

    Example:
        >>> import ember as tf
        >>> from ember.ops.extra_ops import searchsorted
        >>> seq = tf.constant([[0, 3, 9, 9, 10], [1, 2, 3, 4, 5]])
        >>> searchsorted(seq, tf.constant([[2, 4, 9], [0, 2, 6]]), side="right").numpy()
        array([[1, 2, 4],
               [0, 2, 5]], dtype=int32)
    """
    if side not in ("left", "right"):
        raise InvalidArgumentError(
            f"searchsorted: side must be 'left' or 'right', received {side!r}.")
    dt = index_dtype("searchsorted", out_type, "out_type")
    return bind(searchsorted_p, as_tensor(sorted_sequence), as_tensor(values), side=side,
                out_type=dt)


# -- bincount ------------------------------------------------------------------------

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
        >>> from ember.ops.extra_ops import bincount
        >>> bincount(tf.constant([1, 1, 3])).numpy()
        array([0, 2, 0, 1], dtype=int32)
        >>> bincount(tf.constant([1, 1, 3]), weights=tf.constant([0.5, 1.0, 2.0])).numpy()
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
        w = zeros([0], np_dtype)  # carries the output dtype, as TF's empty weights
    else:
        w = as_tensor(weights)
    lo = None if minlength is None else static_int(minlength, "bincount", "minlength")
    hi = None if maxlength is None else static_int(maxlength, "bincount", "maxlength")
    return bind(bincount_p, x, w, minlength=lo, maxlength=hi,
                binary_output=bool(binary_output), axis=0 if axis is None else axis)


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


def _map(op: str, fn: Callable, elems: Any, sig: Any) -> Any:
    """map_fn's loop. `sig` None: the output structure is whatever fn returns."""
    if not callable(fn):
        raise TypeError(f"{op}: fn must be callable, received {fn!r}.")
    flat = [as_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise InvalidArgumentError(f"{op}: elems must hold at least one tensor.")
    if any(t.shape.rank == 0 for t in flat):
        raise InvalidArgumentError(f"{op}: elements in elems must be 1+ dimensional tensors "
                                   f"(mapped along axis 0), not scalars.")
    known = {t.shape[0] for t in flat} - {None}
    if len(known) > 1:
        raise ShapeError(f"{op}: every tensor in elems must have the same first dim, "
                         f"received {[t.shape[0] for t in flat]}.")
    flat_sig = None if sig is None else _signature(op, sig)
    structure = [sig]  # the output structure; found from fn's first result if sig is None

    def call(items: list) -> list:
        result = fn(nest.pack_sequence_as(elems, items))
        if structure[0] is None:
            structure[0] = result
        return _leaves(op, result, sig, flat_sig)

    if not known:  # only inside ember.function: the number of elements is symbolic
        outs = _while_map(op, call, flat)
    elif (n := known.pop()) == 0:
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

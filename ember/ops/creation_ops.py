"""Tensor creation: zeros, ones, zeros_like, ones_like, fill, eye, range, linspace,
one_hot, sequence_mask.

`range` is the only creation primitive; the others broadcast a scalar (a filled tensor is
a read-only view of one element) or compare a range against something.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core import rules
from ..core.convert import to_array
from ..core.dtypes import BY_NP, DType, as_dtype, float32, int32, result_type_of_division
from ..core.errors import DTypeError, InvalidArgumentError
from ..core.registry import bind, bind1, bind_as
from ..core.graph import Tracer
from ..core.symbolic import SymbolicTensor
from ..core.tensor import ConcreteTensor, TensorOps, wrap
from ..prims.array import broadcast_to_dynamic_p, broadcast_to_p, concat_p, range_p
from ..prims.values import desc, known_value, spec, static_int, trace_time_value_error
from ..prims.convert import as_tensor, cast, like, pair, stop_gradient
from ..prims.index import basic_getitem as getitem
from ..prims.math import equal, less, where
from ..prims.array import filled_like, shape_arg
from .shape_ops import broadcast_to, expand_dims, reshape

__all__ = ["zeros", "ones", "zeros_like", "ones_like", "fill", "eye", "range", "linspace",
           "one_hot", "sequence_mask"]

_RANGE_ORDER = ("int32", "int64", "float32", "float64")


def _shape_arg(value: Any, op: str, what: str = "shape") -> tuple:
    """`(dims, tensor)` as `prims.array.shape_arg`: tensor is None for a static shape."""
    dims, known = shape_arg(value, op, what)
    if any(d is not None and d < 0 for d in dims):
        raise InvalidArgumentError(f"{op}: {what} {list(dims)} has a negative dimension.")
    return dims, known


def _filled(shape: tuple, value: Any, op: str) -> Any:
    """The scalar `value` (an array or tensor) broadcast to `shape`, from `_shape_arg`; a
    shape read at run time that fails is reported as op `op`'s."""
    dims, known = shape
    v = value if isinstance(value, TensorOps) else wrap(value)
    if known is None:
        return bind1(broadcast_to_p, v, shape=dims)
    return bind_as(op, broadcast_to_dynamic_p, v, known, dims=dims)  # read at run time


def zeros(shape: Any, dtype: Any = float32, name: str | None = None, layout: Any = None) -> Any:
    """A tensor of `shape` (list, tuple, TensorShape, int or 1-D int tensor) full of zeros.

    Inside ember.function `shape` may be known only at run time (e.g. `ember.shape(x)`).

    Example:
        >>> import ember as tf
        >>> tf.zeros([2, 3]).shape, tf.zeros(2, dtype=tf.int32).numpy()
        (TensorShape([2, 3]), array([0, 0], dtype=int32))
    """
    return _filled(_shape_arg(shape, "zeros"), np.zeros((), as_dtype(dtype)._numpy()),
                   "zeros")


def ones(shape: Any, dtype: Any = float32, name: str | None = None, layout: Any = None) -> Any:
    """A tensor of `shape` full of ones.

    Example:
        >>> import ember as tf
        >>> tf.ones([2]).numpy()
        array([1., 1.], dtype=float32)
    """
    return _filled(_shape_arg(shape, "ones"), np.ones((), as_dtype(dtype)._numpy()),
                   "ones")


def _filled_like(input: Any, dtype: Any, value: int) -> Any:
    x = as_tensor(input)
    dt = x.dtype if dtype is None else as_dtype(dtype)
    if dt.is_string:  # as TF: zeros_like gives empty strings; strings have no "one"
        if value:
            raise DTypeError("ones_like: a string tensor has no ones; use "
                             "ember.fill(ember.shape(x), b'...') for a string fill value.")
        return filled_like(x, np.full((), b"", object))
    return filled_like(x, np.full((), value, dt._numpy()))  # unknown dims: read at run time


def zeros_like(input: Any, dtype: Any = None, name: str | None = None, layout: Any = None) -> Any:
    """Zeros with the shape of `input` and its dtype (or `dtype`).

    Example:
        >>> import ember as tf
        >>> tf.zeros_like(tf.Variable([[1, 2]])).numpy()
        array([[0, 0]], dtype=int32)
    """
    return _filled_like(input, dtype, 0)


def ones_like(input: Any, dtype: Any = None, name: str | None = None, layout: Any = None) -> Any:
    """Ones with the shape of `input` and its dtype (or `dtype`).

    Example:
        >>> import ember as tf
        >>> tf.ones_like([1.0, 2.0], dtype=tf.float64).numpy()
        array([1., 1.])
    """
    return _filled_like(input, dtype, 1)


def fill(dims: Any, value: Any, name: str | None = None, layout: Any = None) -> Any:
    """A tensor of shape `dims` full of the scalar `value`, with the dtype of `value`
    (a Python float gives float32, an int int32).

    Example:
        >>> import ember as tf
        >>> tf.fill([2, 2], 9).numpy()
        array([[9, 9],
               [9, 9]], dtype=int32)
    """
    v = as_tensor(value)
    if len(v.shape) != 0:
        raise InvalidArgumentError(f"fill: value must be a scalar, received {desc(v)}; use "
                                   f"broadcast_to to repeat a tensor.")
    return _filled(_shape_arg(dims, "fill", "dims"), v, "fill")


def eye(num_rows: Any, num_columns: Any = None, batch_shape: Any = None, dtype: Any = float32,
        name: str | None = None) -> Any:
    """An identity matrix [num_rows, num_columns], or a batch of them.

    Example:
        >>> import ember as tf
        >>> tf.eye(2, 3, dtype=tf.int32).numpy()
        array([[1, 0, 0],
               [0, 1, 0]], dtype=int32)
    """
    n = static_int(num_rows, "eye", "num_rows")
    m = n if num_columns is None else static_int(num_columns, "eye", "num_columns")
    if n < 0 or m < 0:
        raise InvalidArgumentError(f"eye: num_rows and num_columns must be non-negative, "
                                   f"received {n} and {m}.")
    rows = reshape(range(n), [n, 1])
    cols = reshape(range(m), [1, m])
    out = cast(equal(rows, cols), dtype)
    if batch_shape is not None:
        dims, known = _shape_arg(batch_shape, "eye", "batch_shape")
        if known is not None:  # read at run time
            dims = bind(concat_p, known, wrap(np.array([n, m], known.dtype._numpy())), axis=0)
        out = broadcast_to(out, dims if known is not None else dims + (n, m))
    return out


# -- range -------------------------------------------------------------------------

def _range_dtype(arg: Any) -> DType:
    t = type(arg)
    if t is float:
        return float32
    if t is int and -2**31 <= arg < 2**31:
        return int32
    if isinstance(arg, TensorOps):
        return arg.dtype
    if isinstance(arg, (np.ndarray, np.generic)):
        return as_dtype(arg.dtype)
    return BY_NP[to_array(arg).dtype]


def _range_value(arg: Any, npd: np.dtype, what: str) -> Any:
    t = type(arg)
    if (t is float or t is int) and npd.kind == "f" or t is int and npd.kind in "iu":
        try:
            return npd.type(arg)
        except OverflowError:
            pass  # to_array below explains
    if isinstance(arg, (ConcreteTensor, np.ndarray, np.generic)):
        arr = np.asarray(arg._value if isinstance(arg, ConcreteTensor) else arg)
        if arr.ndim != 0:
            raise InvalidArgumentError(f"range: {what} must be a scalar, received shape "
                                       f"{list(arr.shape)}.")
        return arr.astype(npd)[()]  # tensors are cast, as TF
    if arg is None or isinstance(arg, bool):
        raise DTypeError(f"range: {what} must be a number, received {arg!r}.")
    if isinstance(arg, (Tracer, SymbolicTensor)):
        known = known_value(arg)  # e.g. ember.shape(x)[1] of a static dim
        if type(known) is int:
            return npd.type(known)
        raise trace_time_value_error("range", what, arg)
    return to_array(arg, BY_NP[npd])[()]


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None,  # noqa: A001
          name: str = "range") -> Any:
    """The numbers start, start + delta, ... up to but excluding `limit`.

    `range(n)` is 0..n-1. Without `dtype`, the dtype is the widest of the arguments'
    (int32 < int64 < float32 < float64; Python ints are int32, floats float32).

    Raises:
        InvalidArgumentError: `delta` is 0, or has the wrong sign to reach `limit`.

    Example:
        >>> import ember as tf
        >>> tf.range(5).numpy(), tf.range(1, 2, 0.25).numpy()
        (array([0, 1, 2, 3, 4], dtype=int32), array([1.  , 1.25, 1.5 , 1.75], dtype=float32))
    """
    if limit is None:
        start, limit = 0, start
    args = {"start": start, "limit": limit, "delta": delta}
    if dtype is None:
        dts = [_range_dtype(a) for a in args.values()]
        if all(d.name in _RANGE_ORDER for d in dts):
            dt = max(dts, key=lambda d: _RANGE_ORDER.index(d.name))
        elif len(set(d.name for d in dts)) == 1:
            dt = dts[0]
        else:
            raise DTypeError(f"range: can't infer a dtype from start, limit and delta of "
                             f"dtypes {', '.join(d.name for d in dts)}; pass dtype=.")
    else:
        dt = as_dtype(dtype)
    if not (dt.is_integer or dt.is_floating):
        raise DTypeError(f"range: dtype must be an integer or floating type, received "
                         f"{dt.name}.")
    npd = dt._numpy()
    s, lim, d = (_range_value(a, npd, k) for k, a in args.items())
    if dt.is_floating and not (math.isfinite(s) and math.isfinite(lim) and math.isfinite(d)):
        raise InvalidArgumentError(f"range: start, limit and delta must be finite, received "
                                   f"{s}, {lim} and {d}.")
    if d == 0:
        raise InvalidArgumentError("range: delta must not be 0.")
    if (d > 0 and s > lim) or (d < 0 and s < lim):
        sign, rel = ("positive", "<=") if d > 0 else ("negative", ">=")
        raise InvalidArgumentError(
            f"range: with a {sign} delta ({d}), start must be {rel} limit; received start="
            f"{s}, limit={lim}. Swap them or flip the sign of delta.")
    if dt.is_integer:
        s, lim, d = int(s), int(lim), int(d)
        size = (abs(lim - s) + abs(d) - 1) // abs(d)
    else:
        size = int(np.ceil(np.abs((lim - s) / d)))
        s, d = float(s), float(d)
    return bind(range_p, start=s, delta=d, size=size, dtype=npd)


def linspace(start: Any, stop: Any, num: Any, name: str | None = None, axis: int = 0) -> Any:
    """`num` evenly spaced values from `start` to `stop`, both included.

    `start` and `stop` may be tensors (broadcast together); the values run along `axis`
    of the result. Python floats give float32; integers are divided as TF does
    (int32 -> float64).

    Example:
        >>> import ember as tf
        >>> tf.linspace(0.0, 1.0, 5).numpy()
        array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
        >>> tf.linspace([0.0, 5.0], [10.0, 40.0], 3, axis=-1).numpy()
        array([[ 0. ,  5. , 10. ],
               [ 5. , 22.5, 40. ]], dtype=float32)
    """
    s, e = pair(start, stop)
    if s.dtype != e.dtype:
        raise DTypeError(f"linspace: start ({desc(s)}) and stop ({desc(e)}) must have the "
                         f"same dtype.")
    if not (s.dtype.is_floating or s.dtype.is_integer or s.dtype.is_complex):
        raise DTypeError(f"linspace: start and stop must be numbers, received {desc(s)}.")
    if s.dtype.is_integer:
        dt = result_type_of_division(s.dtype)
        s, e = cast(s, dt), cast(e, dt)
    n = static_int(num, "linspace", "num")
    if n < 0:
        raise InvalidArgumentError(f"linspace: num must be non-negative, received {n}.")
    dims = rules.broadcast_shapes("linspace", spec(s), spec(e))
    if tuple(s.shape) != dims:
        s = broadcast_to(s, dims)
    if tuple(e.shape) != dims:
        e = broadcast_to(e, dims)
    ax = rules.normalize_axis("linspace", static_int(axis, "linspace", "axis"), len(dims),
                              extra=1)
    first, last = expand_dims(s, ax), expand_dims(e, ax)
    if n <= 1:
        return first if n == 1 else getitem(first, (slice(None),) * ax + (slice(0, 0),))
    step = (last - first) / (n - 1)
    counts = range(1, n - 1, dtype=s.dtype.real_dtype)
    if s.dtype.is_complex:
        counts = cast(counts, s.dtype)
    steps = reshape(counts, [1] * ax + [n - 2] + [1] * (len(dims) - ax))
    # NOTE: the end points are exactly start and stop, as TF (no rounding in start + k*step).
    return bind(concat_p, first, first + step * steps, last, axis=ax)


# -- one_hot / sequence_mask ---------------------------------------------------------

def _on_off(value: Any, default: int, dt: DType, what: str) -> Any:
    if isinstance(value, TensorOps):
        if value.dtype != dt:
            raise DTypeError(f"one_hot: {what} has dtype {value.dtype.name} but the output "
                             f"dtype is {dt.name}; on_value, off_value and dtype must agree.")
        t = value
    else:
        t = like(default if value is None else value, dt._numpy())
    if len(t.shape) != 0:
        raise InvalidArgumentError(f"one_hot: {what} must be a scalar, received {desc(t)}.")
    return t


def one_hot(indices: Any, depth: Any, on_value: Any = None, off_value: Any = None,
            axis: Any = None, dtype: Any = None, name: str | None = None) -> Any:
    """A one-hot tensor: `on_value` where the new axis equals the index, else `off_value`.

    Indices outside [0, depth) give a row of `off_value`. The new axis of size `depth`
    goes at `axis` (default -1: last). As in TF, a float NumPy array of indices is
    truncated to int64; Python floats and float tensors are refused. The dtype is `dtype`, else that of `on_value` or
    `off_value`, else float32.

    Example:
        >>> import ember as tf
        >>> tf.one_hot([0, 2, 5], depth=3).numpy()
        array([[1., 0., 0.],
               [0., 0., 1.],
               [0., 0., 0.]], dtype=float32)
    """
    if isinstance(indices, np.ndarray) and indices.dtype.kind == "f":
        # NOTE: TF 2.21 converts a float NumPy array to int64 indices (truncating); Python
        # floats and float tensors it refuses
        indices = indices.astype(np.int64)
    idx = as_tensor(indices)
    if not idx.dtype.is_integer:
        raise DTypeError(f"one_hot: indices must be integers, received {desc(idx)}; cast "
                         f"them, e.g. ember.cast(indices, ember.int32).")
    d = static_int(depth, "one_hot", "depth")
    if d < 0:
        raise InvalidArgumentError(f"one_hot: depth must be non-negative, received {d}.")
    if dtype is not None:
        dt = as_dtype(dtype)
    else:
        given = on_value if on_value is not None else off_value
        dt = float32 if given is None else as_tensor(given).dtype
    on = _on_off(on_value, 1, dt, "on_value")
    off = _on_off(off_value, 0, dt, "off_value")
    rank = len(idx.shape)
    if axis is None or axis == -1:
        ax = rank
    else:
        ax = rules.normalize_axis("one_hot", static_int(axis, "one_hot", "axis"), rank, 1)
    if idx.dtype.name not in ("int32", "int64"):
        idx = cast(idx, "int64")
    positions = reshape(range(d, dtype=idx.dtype), [1] * ax + [d] + [1] * (rank - ax))
    # NOTE: as TF's OneHot, no gradient reaches on_value / off_value (nor the indices).
    if isinstance(on_value, TensorOps):
        on = stop_gradient(on)
    if isinstance(off_value, TensorOps):
        off = stop_gradient(off)
    return where(equal(expand_dims(idx, ax), positions), on, off)


def sequence_mask(lengths: Any, maxlen: Any = None, dtype: Any = "bool",
                  name: str | None = None) -> Any:
    """A mask [..., maxlen]: position j of row i is `j < lengths[i]`.

    `maxlen` defaults to the largest length.

    Example:
        >>> import ember as tf
        >>> tf.sequence_mask([1, 3], 4).numpy()
        array([[ True, False, False, False],
               [ True,  True,  True, False]])
    """
    lens = as_tensor(lengths)
    if not lens.dtype.is_integer:
        raise DTypeError(f"sequence_mask: lengths must be integers, received {desc(lens)}.")
    if lens.dtype.name not in ("int32", "int64"):
        lens = cast(lens, "int64")
    if maxlen is None:
        if not isinstance(lens, ConcreteTensor):
            raise InvalidArgumentError(
                f"sequence_mask: maxlen is needed inside ember.function: the lengths "
                f"{desc(lens)} are only known when the function runs, so the mask's width "
                f"(the largest length) is unknown while tracing. Pass maxlen=<int>.")
        v = lens._value
        n = max(int(v.max()), 0) if v.size else 0
    else:
        n = static_int(maxlen, "sequence_mask", "maxlen")
        if n < 0:
            raise InvalidArgumentError(f"sequence_mask: maxlen must be non-negative, "
                                       f"received {n}.")
    mask = less(range(n, dtype=lens.dtype), expand_dims(lens, -1))
    dt = as_dtype(dtype)
    return mask if dt.is_bool else cast(mask, dt)

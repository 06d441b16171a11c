"""The rest of `tf.math`, as composites of existing primitives (differentiable by them):
segment reductions (sorted and unsorted), the x*f(y)-with-zero ops (xlogy, xdivy,
xlog1py, multiply_no_nan, reciprocal_no_nan), reduce_euclidean_norm,
cumulative_logsumexp, polyval, confusion_matrix, invert_permutation, monotonicity tests,
zero_fraction, scalar_mul, accumulate_n, approx_max_k/approx_min_k (exact top-k, which
TF's documentation allows) and sobol_sample (SciPy). lbeta and erfcinv are composites in
`prims/special.py`; atan2 and nextafter are primitives of `prims/math.py`.

Example:
    >>> import ember as tf
    >>> tf.math.segment_sum(tf.constant([1.0, 2.0, 4.0]), tf.constant([0, 0, 2])).numpy()
    array([3., 0., 4.], dtype=float32)
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

import numpy as np

from ..core import rules
from ..core.dtypes import (NP_ARITH, NP_FLOATS, NP_INDEX, NP_INEXACT, NP_NUMERIC, as_dtype,
                           float32, int32)
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.tensor import ConcreteTensor
from ..prims import math as pm
from ..prims.convert import as_tensor, cast, constant, pair, stop_gradient
from ..prims.gather import tensor_scatter_nd_p
from ..prims.reduce import (cumsum, reduce_all, reduce_max, reduce_mean, reduce_prod,
                            reduce_sum)
from ..prims.sort import top_k
from ..prims.values import static_int
from ..core.registry import bind
from .math_ops import add_n
from .nn_ops import softsign  # noqa: F401 - tf.math.softsign is tf.nn.softsign
from .shape_ops import broadcast_to, concat, expand_dims, reshape, shape, transpose
from .creation_ops import range as _range

__all__ = [
    "segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod",
    "unsorted_segment_sum", "unsorted_segment_mean", "unsorted_segment_max",
    "unsorted_segment_min", "unsorted_segment_prod", "unsorted_segment_sqrt_n",
    "xlogy", "xdivy", "xlog1py", "reciprocal_no_nan", "multiply_no_nan",
    "reduce_euclidean_norm", "cumulative_logsumexp", "polyval", "confusion_matrix",
    "invert_permutation", "is_non_decreasing", "is_strictly_increasing", "zero_fraction",
    "scalar_mul", "accumulate_n", "approx_max_k", "approx_min_k", "softsign",
    "sobol_sample",
]


# -- segment reductions -----------------------------------------------------------------

def _eager(x: Any) -> bool:
    return isinstance(x, ConcreteTensor)


def _extreme(dt: Any, highest: bool) -> Any:
    """The dtype's highest (or lowest) finite value: TF's value for an empty segment."""
    npd = np.dtype(dt._numpy())
    info = np.finfo(npd) if npd.kind == "f" else np.iinfo(npd)
    return info.max if highest else info.min


def _full(op: str, n: Any, data: Any, k: int, value: Any) -> Any:
    """A tensor of shape [n] + data.shape[k:] full of `value` (data's dtype)."""
    v = constant(np.asarray(value, dtype=data.dtype._numpy()))
    inner = list(data.shape[k:])
    if isinstance(n, int) and None not in inner:
        return broadcast_to(v, [n] + inner)
    dims = concat([reshape(cast(n, int32), [1]), shape(data)[k:]], 0)
    return broadcast_to(v, dims)


def _check_ids(op: str, data: Any, ids: Any, sorted_: bool) -> int:
    rules.check_dtype(op, ids, NP_INDEX, "segment_ids")
    k, r = ids.shape.rank, data.shape.rank
    if k is None or r is None:
        raise ShapeError(f"{op}: data and segment_ids need known ranks, received "
                         f"{rules.describe(data, ids)}.")
    if sorted_ and k != 1:
        raise ShapeError(f"{op}: segment_ids must be 1-D, received {rules.describe(ids)}; "
                         f"use unsorted_segment_* for ids of higher rank.")
    if k > r or not ids.shape.is_compatible_with(data.shape[:k]):
        raise ShapeError(f"{op}: segment_ids' shape must be a prefix of data's shape, "
                         f"received data {rules.describe(data)} and segment_ids "
                         f"{rules.describe(ids)}.")
    return k


def _segment_count(op: str, data: Any, ids: Any, sorted_: bool,
                   num_segments: Any) -> Any:
    """The number of segments: static when known (checking the ids eagerly, as TF)."""
    if sorted_:
        if _eager(ids):
            v = np.asarray(ids._value)
            if v.size and (np.any(np.diff(v) < 0) or v[0] < 0):
                raise InvalidArgumentError(f"{op}: segment ids must be non-negative and "
                                           f"sorted (non-decreasing), received {v.tolist()}.")
            return int(v[-1]) + 1 if v.size else 0
        return pm.maximum(add(reduce_max(ids), 1), 0)
    try:
        n = static_int(num_segments, op, "num_segments")
    except Exception:  # a symbolic count: checked when the graph runs
        return as_tensor(num_segments)
    if n < 0:
        raise InvalidArgumentError(f"{op}: num_segments must be >= 0, received {n}.")
    if _eager(ids):
        v = np.asarray(ids._value)
        bad = np.flatnonzero(v.ravel() >= n)
        if bad.size:
            raise InvalidArgumentError(
                f"{op}: segment_ids[{bad[0]}] = {v.ravel()[bad[0]]} is out of range [0, {n}) "
                f"(num_segments = {n}); ids < 0 are dropped, larger ones are errors.")
    return n


def add(x: Any, y: Any) -> Any:
    return pm.add(*pair(x, y))


def _scatter(op: str, data: Any, ids: Any, n: Any, k: int, mode: str, init: Any) -> Any:
    keep = pm.greater_equal(ids, 0)
    mask = _trailing(keep, data.shape.rank - k)
    updates = pm.where(mask, data, constant(np.asarray(init, data.dtype._numpy())))
    safe = pm.where(keep, ids, pm.multiply(ids, 0))
    return bind(tensor_scatter_nd_p, _full(op, n, data, k, init), expand_dims(safe, -1),
                updates, mode=mode)


def _counts(op: str, data: Any, ids: Any, n: Any, k: int) -> Any:
    """How many entries each segment has, of data's dtype, shaped to divide the result."""
    like = _trailing(cast(pm.greater_equal(ids, 0), data.dtype), data.shape.rank - k)
    return _scatter(op, like, ids, n, k, "add", 0)


def _iota(n: Any, dt: Any) -> Any:
    """[0, 1, ..., n - 1] of dtype dt, also for a count known only when the graph runs."""
    if isinstance(n, int):
        return cast(_range(n), dt)
    ones = broadcast_to(constant(np.ones((), dt._numpy())), reshape(cast(n, int32), [1]))
    return cumsum(ones, 0, exclusive=True)


def _trailing(x: Any, count: int) -> Any:
    """x with `count` new trailing axes of size 1."""
    for _ in range(count):
        x = expand_dims(x, -1)
    return x


def _segment(op: str, data: Any, segment_ids: Any, num_segments: Any, kind: str,
             sorted_: bool) -> Any:
    data, ids = as_tensor(data), as_tensor(segment_ids)
    allowed = NP_NUMERIC if kind in ("max", "min") else (
        NP_FLOATS if kind == "sqrt_n" else NP_ARITH)
    rules.check_dtype(op, data, allowed, "data")
    k = _check_ids(op, data, ids, sorted_)
    n = _segment_count(op, data, ids, sorted_, num_segments)
    if kind == "sum":
        return _scatter(op, data, ids, n, k, "add", 0)
    if kind in ("max", "min"):
        init = _extreme(data.dtype, highest=kind == "min")
        out = _scatter(op, data, ids, n, k, kind, init)
        if sorted_:  # TF's sorted segment max/min of an empty segment is 0
            out = pm.where(pm.equal(_counts(op, data, ids, n, k), 0),
                           constant(np.zeros((), data.dtype._numpy())), out)
        return out
    if kind == "prod":
        onehot = pm.equal(expand_dims(ids, -1), _iota(n, ids.dtype))
        mask = _trailing(onehot, data.shape.rank - k)
        vals = pm.where(mask, expand_dims(data, k), constant(np.ones((), data.dtype._numpy())))
        return reduce_prod(vals, list(range(k)))
    total = _scatter(op, data, ids, n, k, "add", 0)
    count = pm.maximum(_counts(op, data, ids, n, k), constant(
        np.ones((), data.dtype._numpy())))
    if kind == "sqrt_n":
        return pm.truediv(total, pm.sqrt(count))
    if data.dtype.is_integer:  # truncation toward zero, as TF's integer mean
        q = pm.floordiv(pm.abs(total), count)
        return pm.multiply(pm.sign(total), q)
    return pm.truediv(total, count)


def _segment_op(kind: str, sorted_: bool):
    op = f"{'' if sorted_ else 'unsorted_'}segment_{kind}"
    empty = {"sum": "0", "mean": "0", "prod": "1", "sqrt_n": "0",
             "max": "0" if sorted_ else "the dtype's lowest value",
             "min": "0" if sorted_ else "the dtype's highest value"}[kind]
    what = {"sum": "sum", "mean": "mean", "max": "maximum", "min": "minimum",
            "prod": "product", "sqrt_n": "sum divided by sqrt(count)"}[kind]
    if sorted_:
        def fn(data: Any, segment_ids: Any, name: str | None = None) -> Any:
            return _segment(op, data, segment_ids, None, kind, True)
        fn.__doc__ = (
            f"The {what} of each segment of `data` along its first axis, as `tf.math.{op}`;"
            f"\n    `segment_ids` (1-D, sorted, non-negative) give each row's segment; the "
            f"result\n    has max(segment_ids) + 1 rows, {empty} for an empty segment.\n\n"
            f"    Example:\n        >>> import ember as tf\n"
            f"        >>> y = tf.math.{op}(tf.constant([1.0, 2.0, 4.0]), [0, 0, 2])\n")
    else:
        def fn(data: Any, segment_ids: Any, num_segments: Any,  # type: ignore[misc]
               name: str | None = None) -> Any:
            return _segment(op, data, segment_ids, num_segments, kind, False)
        fn.__doc__ = (
            f"The {what} of each of `num_segments` segments, as `tf.math.{op}`: "
            f"`segment_ids`\n    (any order, shape a prefix of data's) give each entry's "
            f"segment; ids < 0 are\n    dropped; an empty segment gives {empty}.\n\n"
            f"    Example:\n        >>> import ember as tf\n"
            f"        >>> y = tf.math.{op}(tf.constant([1.0, 2.0, 4.0]), [2, 0, 2], 3)\n")
    fn.__name__ = fn.__qualname__ = op
    return fn


segment_sum = _segment_op("sum", True)
segment_mean = _segment_op("mean", True)
segment_max = _segment_op("max", True)
segment_min = _segment_op("min", True)
segment_prod = _segment_op("prod", True)
unsorted_segment_sum = _segment_op("sum", False)
unsorted_segment_mean = _segment_op("mean", False)
unsorted_segment_max = _segment_op("max", False)
unsorted_segment_min = _segment_op("min", False)
unsorted_segment_prod = _segment_op("prod", False)
unsorted_segment_sqrt_n = _segment_op("sqrt_n", False)


# -- x * f(y) with x == 0 giving 0, and the no-nan ops --------------------------------------

def _zero_where_x_zero(op: str, x: Any, y: Any, f) -> Any:
    x, y = pair(x, y)
    rules.check_dtype(op, x, NP_INEXACT)
    zero = pm.equal(x, 0)
    safe_y = pm.where(zero, constant(np.ones((), y.dtype._numpy())), y)
    return pm.where(zero, constant(np.zeros((), x.dtype._numpy())), f(x, safe_y))


def xlogy(x: Any, y: Any, name: str | None = None) -> Any:
    """`x * log(y)`, 0 where x == 0 (even where y is 0 or nan), as `tf.math.xlogy`.

    Example:
        >>> import ember as tf
        >>> tf.math.xlogy(tf.constant([0.0, 2.0]), tf.constant([0.0, 1.0])).numpy()
        array([0., 0.], dtype=float32)
    """
    return _zero_where_x_zero("xlogy", x, y, lambda a, b: pm.multiply(a, pm.log(b)))


def xlog1py(x: Any, y: Any, name: str | None = None) -> Any:
    """`x * log1p(y)`, 0 where x == 0, as `tf.math.xlog1py`.

    Example:
        >>> import ember as tf
        >>> tf.math.xlog1py(tf.constant([0.0, 2.0]), tf.constant([-1.0, 0.0])).numpy()
        array([0., 0.], dtype=float32)
    """
    return _zero_where_x_zero("xlog1py", x, y, lambda a, b: pm.multiply(a, pm.log1p(b)))


def xdivy(x: Any, y: Any, name: str | None = None) -> Any:
    """`x / y`, 0 where x == 0 (even where y is 0), as `tf.math.xdivy`.

    Example:
        >>> import ember as tf
        >>> tf.math.xdivy(tf.constant([0.0, 2.0]), tf.constant([0.0, 4.0])).numpy()
        array([0. , 0.5], dtype=float32)
    """
    return _zero_where_x_zero("xdivy", x, y, pm.truediv)


def reciprocal_no_nan(x: Any, name: str | None = None) -> Any:
    """`1 / x`, 0 where x == 0, as `tf.math.reciprocal_no_nan`.

    Example:
        >>> import ember as tf
        >>> tf.math.reciprocal_no_nan(tf.constant([0.0, 2.0])).numpy()
        array([0. , 0.5], dtype=float32)
    """
    x = as_tensor(x)
    rules.check_dtype("reciprocal_no_nan", x, NP_INEXACT)
    zero = pm.equal(x, 0)
    one = constant(np.ones((), x.dtype._numpy()))
    return pm.where(zero, pm.multiply(one, 0), pm.truediv(one, pm.where(zero, one, x)))


def multiply_no_nan(x: Any, y: Any, name: str | None = None) -> Any:
    """`x * y`, 0 where y == 0 (even where x is inf or nan), as `tf.math.multiply_no_nan`.

    Example:
        >>> import ember as tf
        >>> tf.math.multiply_no_nan(tf.constant([float("inf"), 2.0]), tf.constant([0.0, 3.0])).numpy()
        array([0., 6.], dtype=float32)
    """
    x, y = pair(x, y)
    return _zero_where_x_zero("multiply_no_nan", y, x, pm.multiply)


# -- reductions and scans -----------------------------------------------------------------

def reduce_euclidean_norm(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                          name: str | None = None) -> Any:
    """sqrt(sum(|x|^2)) over `axis`, as `tf.math.reduce_euclidean_norm` (integers: the
    truncated root, in the input's dtype).

    Example:
        >>> import ember as tf
        >>> tf.math.reduce_euclidean_norm(tf.constant([[3.0, 4.0]]), axis=1).numpy()
        array([5.], dtype=float32)
    """
    x = as_tensor(input_tensor)
    rules.check_dtype("reduce_euclidean_norm", x, NP_ARITH)
    if x.dtype.is_complex:
        mag = pm.abs(x)
        return cast(pm.sqrt(reduce_sum(pm.multiply(mag, mag), axis, keepdims)), x.dtype)
    if x.dtype.is_integer:
        xf = cast(x, as_dtype("float64"))
        return cast(pm.floor(pm.sqrt(reduce_sum(pm.multiply(xf, xf), axis, keepdims))),
                    x.dtype)
    return pm.sqrt(reduce_sum(pm.multiply(x, x), axis, keepdims))


def cumulative_logsumexp(x: Any, axis: Any = 0, exclusive: bool = False,
                         reverse: bool = False, name: str | None = None) -> Any:
    """log(cumsum(exp(x))) along `axis`, shifted by the axis' maximum for stability, as
    `tf.math.cumulative_logsumexp` (an exclusive scan starts at -inf).

    NOTE: one shift per axis: values more than ~700 (float64; ~85 in float32) below
    the axis' maximum underflow in the running sum (TF's pairwise scan keeps them).

    Example:
        >>> import ember as tf
        >>> tf.math.cumulative_logsumexp(tf.constant([0.0, 0.0])).numpy()
        array([0.       , 0.6931472], dtype=float32)
    """
    x = rules.floating("cumulative_logsumexp", as_tensor(x))
    ax = static_int(axis, "cumulative_logsumexp", "axis")
    mx = stop_gradient(reduce_max(x, ax, keepdims=True))
    mx = pm.where(pm.is_finite(mx), mx, pm.multiply(mx, 0))
    total = cumsum(pm.exp(pm.subtract(x, mx)), ax, exclusive=exclusive, reverse=reverse)
    return pm.add(pm.log(total), mx)


def polyval(coeffs: Any, x: Any, name: str | None = None) -> Any:
    """The polynomial coeffs[0] * x^(n-1) + ... + coeffs[n-1] at x (Horner's scheme), as
    `tf.math.polyval`; `coeffs` is a list of tensors; no coefficients give 0.

    Example:
        >>> import ember as tf
        >>> tf.math.polyval([1.0, 2.0, 3.0], tf.constant(2.0)).numpy()
        np.float32(11.0)
    """
    if not isinstance(coeffs, (list, tuple)):
        raise InvalidArgumentError(f"polyval: coeffs must be a list of tensors, received "
                                   f"{type(coeffs).__name__}.")
    x = as_tensor(x)
    if not coeffs:
        return pm.multiply(x, 0)
    out = None
    for c in coeffs:
        c, xx = pair(c, x)
        out = c if out is None else pm.add(pm.multiply(out, xx), c)
    return out


# -- misc ----------------------------------------------------------------------------------

def _int_labels(op: str, v: Any, what: str) -> Any:
    v = as_tensor(v)
    rules.check_dtype(op, v, NP_INDEX, what)
    return v


def confusion_matrix(labels: Any, predictions: Any, num_classes: Any = None,
                     weights: Any = None, dtype: Any = int32, name: str | None = None) -> Any:
    """The [num_classes, num_classes] matrix counting (or summing `weights` of) each
    (label, prediction) pair, as `tf.math.confusion_matrix`; num_classes defaults to
    max(labels, predictions) + 1.

    Example:
        >>> import ember as tf
        >>> tf.math.confusion_matrix([1, 2], [2, 2]).numpy()
        array([[0, 0, 0],
               [0, 0, 1],
               [0, 0, 1]], dtype=int32)
    """
    op = "confusion_matrix"
    lab = _int_labels(op, labels, "labels")
    pred = _int_labels(op, predictions, "predictions")
    if lab.dtype != pred.dtype:
        pred = cast(pred, lab.dtype)
    if lab.shape.rank != 1 or pred.shape.rank != 1:
        raise ShapeError(f"{op}: labels and predictions must be 1-D, received "
                         f"{rules.describe(lab, pred)}.")
    dt = as_dtype(dtype)
    if num_classes is None:
        if not (_eager(lab) and _eager(pred)):
            n = add(pm.maximum(reduce_max(lab), reduce_max(pred)), 1)
        else:
            both = np.concatenate([np.asarray(lab._value), np.asarray(pred._value)])
            n = int(both.max()) + 1 if both.size else 0
    else:
        n = static_int(num_classes, op, "num_classes")
    if _eager(lab) and _eager(pred) and isinstance(n, int):
        both = np.concatenate([np.asarray(lab._value), np.asarray(pred._value)])
        if both.size and (both.min() < 0 or both.max() >= n):
            raise InvalidArgumentError(f"{op}: labels and predictions must be in [0, "
                                       f"{n}) (num_classes = {n}), received values from "
                                       f"{both.min()} to {both.max()}.")
    w = cast(pm.equal(lab, lab), dt) if weights is None else cast(as_tensor(weights), dt)
    idx = transpose(concat([expand_dims(lab, 0), expand_dims(pred, 0)], 0))
    zero = constant(np.zeros((), dt._numpy()))
    if isinstance(n, int):
        init = broadcast_to(zero, [n, n])
    else:
        n32 = reshape(cast(n, int32), [1])
        init = broadcast_to(zero, concat([n32, n32], 0))
    return bind(tensor_scatter_nd_p, init, idx, w, mode="add")


def invert_permutation(x: Any, name: str | None = None) -> Any:
    """The inverse permutation y (y[x[i]] = i) of a 1-D int tensor, as
    `tf.math.invert_permutation`.

    Example:
        >>> import ember as tf
        >>> tf.math.invert_permutation(tf.constant([2, 0, 1])).numpy()
        array([1, 2, 0], dtype=int32)
    """
    op = "invert_permutation"
    x = _int_labels(op, x, "x")
    if x.shape.rank != 1:
        raise ShapeError(f"{op}: x must be 1-D, received {rules.describe(x)}.")
    if _eager(x):
        v = np.asarray(x._value)
        if not np.array_equal(np.sort(v), np.arange(v.size)):
            raise InvalidArgumentError(f"{op}: x must be a permutation of 0..{v.size - 1}, "
                                       f"received {v.tolist()}.")
    n = x.shape[0] if x.shape[0] is not None else shape(x, out_type=x.dtype)[0]
    init = pm.multiply(x, 0)
    return bind(tensor_scatter_nd_p, init, expand_dims(x, -1), cast(_range(n), x.dtype),
                mode="update")


def _monotone(op: str, x: Any, strict: bool) -> Any:
    x = as_tensor(x)
    rules.check_dtype(op, x, NP_NUMERIC)
    flat = reshape(x, [-1])
    a, b = flat[1:], flat[:-1]
    return reduce_all(pm.greater(a, b) if strict else pm.greater_equal(a, b))


def is_non_decreasing(x: Any, name: str | None = None) -> Any:
    """True when x (flattened, row-major) never decreases; True for < 2 elements.

    Example:
        >>> import ember as tf
        >>> bool(tf.math.is_non_decreasing([1, 2, 2]))
        True
    """
    return _monotone("is_non_decreasing", x, False)


def is_strictly_increasing(x: Any, name: str | None = None) -> Any:
    """True when x (flattened, row-major) strictly increases; True for < 2 elements.

    Example:
        >>> import ember as tf
        >>> bool(tf.math.is_strictly_increasing([1, 2, 2]))
        False
    """
    return _monotone("is_strictly_increasing", x, True)


def zero_fraction(value: Any, name: str | None = None) -> Any:
    """The fraction of zero entries, a float32 scalar (nan for no entries), as
    `tf.math.zero_fraction`.

    Example:
        >>> import ember as tf
        >>> float(tf.math.zero_fraction([0, 1, 2, 0]))
        0.5
    """
    x = as_tensor(value)
    return reduce_mean(cast(pm.equal(x, constant(np.zeros((), x.dtype._numpy()))), float32))


def scalar_mul(scalar: Any, x: Any, name: str | None = None) -> Any:
    """`scalar * x` for a scalar (a 0-D tensor or Python number), as `tf.math.scalar_mul`.

    Example:
        >>> import ember as tf
        >>> tf.math.scalar_mul(2.0, tf.constant([1.0, 3.0])).numpy()
        array([2., 6.], dtype=float32)
    """
    s, t = pair(scalar, x)
    if s.shape.rank != 0:
        raise ShapeError(f"scalar_mul: scalar must be a 0-D tensor or a number, received "
                         f"{rules.describe(s)}.")
    return pm.multiply(s, t)


def accumulate_n(inputs: Any, shape: Any = None, tensor_dtype: Any = None,
                 name: str | None = None) -> Any:
    """The elementwise sum of a list of tensors of one shape and dtype (as add_n), as
    `tf.math.accumulate_n`.

    Example:
        >>> import ember as tf
        >>> tf.math.accumulate_n([tf.constant([1.0]), tf.constant([2.0])]).numpy()
        array([3.], dtype=float32)
    """
    return add_n(list(inputs))


def _approx_k(op: str, operand: Any, k: Any, reduction_dimension: int, is_max: bool) -> tuple:
    x = as_tensor(operand)
    rules.check_dtype(op, x, NP_NUMERIC)
    r = x.shape.rank
    ax = rules.normalize_axis(op, reduction_dimension, r)
    if ax != r - 1:
        perm = [i for i in range(r) if i != ax] + [ax]
        back = [perm.index(i) for i in range(r)]
        v, i = _approx_k(op, transpose(x, perm), k, -1, is_max)
        return transpose(v, back), transpose(i, back)
    v, i = top_k(x if is_max else pm.negative(x), k)
    return (v if is_max else pm.negative(v)), i


def approx_max_k(operand: Any, k: Any, reduction_dimension: int = -1,
                 recall_target: float = 0.95, reduction_input_size_override: int = -1,
                 aggregate_to_topk: bool = True, name: str | None = None) -> tuple:
    """The k largest values along `reduction_dimension` and their int32 indices, as
    `tf.math.approx_max_k` (computed exactly: recall 1 >= any recall_target).

    Example:
        >>> import ember as tf
        >>> v, i = tf.math.approx_max_k(tf.constant([[3.0, 1.0, 2.0]]), 2)
        >>> v.numpy(), i.numpy()
        (array([[3., 2.]], dtype=float32), array([[0, 2]], dtype=int32))
    """
    return _approx_k("approx_max_k", operand, k, reduction_dimension, True)


def approx_min_k(operand: Any, k: Any, reduction_dimension: int = -1,
                 recall_target: float = 0.95, reduction_input_size_override: int = -1,
                 aggregate_to_topk: bool = True, name: str | None = None) -> tuple:
    """The k smallest values along `reduction_dimension` and their int32 indices, as
    `tf.math.approx_min_k` (computed exactly).

    Example:
        >>> import ember as tf
        >>> v, i = tf.math.approx_min_k(tf.constant([[3.0, 1.0, 2.0]]), 2)
        >>> v.numpy(), i.numpy()
        (array([[1., 2.]], dtype=float32), array([[1, 2]], dtype=int32))
    """
    return _approx_k("approx_min_k", operand, k, reduction_dimension, False)


def sobol_sample(dim: Any, num_results: Any, skip: Any = 0, dtype: Any = float32,
                 name: str | None = None) -> Any:
    """The first `num_results` points (after `skip`) of the `dim`-dimensional Sobol
    sequence (Joe-Kuo directions, the all-zero point left out, as `tf.math.sobol_sample`).
    Needs SciPy (`pip install ember[special]`); the arguments must be known when traced.

    Example:
        >>> import ember as tf
        >>> tf.math.sobol_sample(2, 2).numpy()
        array([[0.5 , 0.5 ],
               [0.75, 0.25]], dtype=float32)
    """
    op = "sobol_sample"
    d, n = static_int(dim, op, "dim"), static_int(num_results, op, "num_results")
    s = static_int(skip, op, "skip")
    if d < 1 or n < 0 or s < 0:
        raise InvalidArgumentError(f"{op}: dim must be >= 1 and num_results, skip >= 0, "
                                   f"received dim={d}, num_results={n}, skip={s}.")
    dt = as_dtype(dtype)
    if not dt.is_floating:
        raise InvalidArgumentError(f"{op}: dtype must be float32 or float64, received {dt}.")
    try:
        qmc = importlib.import_module("scipy.stats.qmc")  # optional: SciPy
    except ImportError:
        raise ImportError(f"{op}: needs SciPy, which is not installed; install it with "
                          f"`pip install ember[special]`.") from None
    eng = qmc.Sobol(d, scramble=False)
    eng.fast_forward(s + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SciPy warns when n is not a power of 2
        pts = eng.random(n) if n else np.zeros((0, d))
    return constant(pts.astype(dt._numpy()))

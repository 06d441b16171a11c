"""Keras 3's reductions and statistics (`sum`, `mean`, `max`, `argmax`, `std`, `cumsum`,
the NaN-ignoring `nan*` ops, ...) on ember's ops; with the quantiles, sorting, searching
and set ops of `_numpy_reduce2.py` re-exported here.

dtypes follow Keras 3 on TensorFlow: `sum`/`prod` of bool, int8 and int16 give int32
(uint8/uint16 give uint32), `mean` and `var` of integers give floatx, `argmax` and
`count_nonzero` give int32; 64-bit dtypes stay 64-bit.

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> keras.ops.mean(np.array([[1, 2], [3, 5]], "int32"), axis=0).numpy()
    array([2. , 3.5], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ops import array_ops as A
from ...ops import linalg_ops as L
from ...ops import math_ops as M
from ...ops import reduce_ops as R
from ._dtypes import result_type
from ._numpy_reduce2 import *  # noqa: F401,F403
from ._numpy_reduce2 import __all__ as _ALL2
from ._reduce_common import (cast_to, is_floating, norm_axes, norm_axis, num_elements,
                             rank_of, tensor)

__all__ = ["all", "amax", "amin", "any", "argmax", "argmin", "average", "corrcoef",
           "count_nonzero", "cumprod", "cumsum", "diff", "max", "mean", "min",
           "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean",
           "nanmin", "nanprod", "nanstd", "nansum", "nanvar", "prod", "ptp", "std", "sum",
           "trapezoid", "var"] + list(_ALL2)

_WIDEN = {"bool": "int32", "int8": "int32", "int16": "int32", "uint8": "uint32",
          "uint16": "uint32"}


def _axes(op: str, x: Any, axis: Any) -> tuple | None:
    return norm_axes(op, axis, rank_of(op, x))


def _nan_free(x: Any, fill: Any) -> Any:
    """Floating `x` with NaNs replaced by `fill`; other dtypes unchanged."""
    return M.where(M.is_nan(x), A.fill([], np.asarray(fill, x.dtype.name)), x) \
        if is_floating(x) else x


# -- sums and products --------------------------------------------------------------

def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """The sum over `axis` (None: all; an int or a tuple); bool, int8, int16 sum as int32.

    Example:
        >>> from ember import keras
        >>> keras.ops.sum([[1, 2], [3, 4]], axis=-1).numpy()
        array([3, 7], dtype=int32)
    """
    x = tensor(x)
    x = cast_to(x, _WIDEN.get(x.dtype.name, x.dtype.name))
    return R.reduce_sum(x, _axes("sum", x, axis), keepdims=keepdims)


def prod(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Any:
    """The product over `axis`, in `dtype` if given (else bool, int8, int16 as int32).

    Example:
        >>> from ember import keras
        >>> keras.ops.prod([[1.0, 2.0], [3.0, 4.0]], axis=0).numpy()
        array([3., 8.], dtype=float32)
    """
    x = tensor(x)
    x = cast_to(x, dtype if dtype is not None else _WIDEN.get(x.dtype.name, x.dtype.name))
    return R.reduce_prod(x, _axes("prod", x, axis), keepdims=keepdims)


def nansum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """`sum` treating NaN as 0.

    Example:
        >>> from ember import keras
        >>> keras.ops.nansum([1.0, float("nan"), 2.0]).numpy()
        np.float32(3.0)
    """
    return sum(_nan_free(tensor(x), 0), axis=axis, keepdims=keepdims)


def nanprod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """`prod` treating NaN as 1.

    Example:
        >>> from ember import keras
        >>> keras.ops.nanprod([2.0, float("nan"), 3.0]).numpy()
        np.float32(6.0)
    """
    return prod(_nan_free(tensor(x), 1), axis=axis, keepdims=keepdims)


def _cumulative(op: str, fn: Any, x: Any, axis: Any, dtype: Any) -> Any:
    x = tensor(x, dtype)
    if x.dtype.name == "bool":
        x = cast_to(x, "int32")
    if axis is None:
        return fn(A.reshape(x, [-1]), axis=0)
    return fn(x, axis=norm_axis(op, axis, rank_of(op, x)))


def cumsum(x: Any, axis: Any = None, dtype: Any = None) -> Any:
    """The cumulative sum along `axis` (None: over the flattened tensor).

    Example:
        >>> from ember import keras
        >>> keras.ops.cumsum([[1, 2], [3, 4]]).numpy()
        array([ 1,  3,  6, 10], dtype=int32)
    """
    return _cumulative("cumsum", R.cumsum, x, axis, dtype)


def cumprod(x: Any, axis: Any = None, dtype: Any = None) -> Any:
    """The cumulative product along `axis` (None: over the flattened tensor).

    Example:
        >>> from ember import keras
        >>> keras.ops.cumprod([[1, 2], [3, 4]], axis=1).numpy()
        array([[ 1,  2],
               [ 3, 12]], dtype=int32)
    """
    return _cumulative("cumprod", R.cumprod, x, axis, dtype)


def nancumsum(x: Any, axis: Any = None, dtype: Any = None) -> Any:
    """`cumsum` treating NaN as 0.

    Example:
        >>> from ember import keras
        >>> keras.ops.nancumsum([1.0, float("nan"), 2.0]).numpy()
        array([1., 1., 3.], dtype=float32)
    """
    return cumsum(_nan_free(tensor(x), 0), axis=axis, dtype=dtype)


def nancumprod(x: Any, axis: Any = None, dtype: Any = None) -> Any:
    """`cumprod` treating NaN as 1.

    Example:
        >>> from ember import keras
        >>> keras.ops.nancumprod([2.0, float("nan"), 3.0]).numpy()
        array([2., 2., 6.], dtype=float32)
    """
    return cumprod(_nan_free(tensor(x), 1), axis=axis, dtype=dtype)


# -- extrema ------------------------------------------------------------------------

def _extremum(op: str, x: Any, axis: Any, keepdims: bool, initial: Any) -> Any:
    x = tensor(x)
    axes = _axes(op, x, axis)
    biggest = op == "max"
    if initial is None and num_elements(x) == 0:
        raise ValueError(f"keras.ops.{op}: cannot compute the {op} of an empty tensor "
                         f"(shape {tuple(x.shape)}); pass `initial`.")
    if x.dtype.name == "bool":
        out = (R.reduce_any if biggest else R.reduce_all)(x, axes, keepdims=keepdims)
        if initial is not None:
            out = (M.logical_or if biggest else M.logical_and)(out, bool(initial))
        return out
    out = (R.reduce_max if biggest else R.reduce_min)(x, axes, keepdims=keepdims)
    if initial is not None:
        out = (M.maximum if biggest else M.minimum)(out, tensor(initial, out.dtype.name))
    return out


def max(x: Any, axis: Any = None, keepdims: bool = False, initial: Any = None) -> Any:  # noqa: A001
    """The maximum over `axis`, at least `initial` if given.

    Example:
        >>> from ember import keras
        >>> keras.ops.max([[1, 5], [7, 2]], axis=1).numpy()
        array([5, 7], dtype=int32)
    """
    return _extremum("max", x, axis, keepdims, initial)


def min(x: Any, axis: Any = None, keepdims: bool = False, initial: Any = None) -> Any:  # noqa: A001
    """The minimum over `axis`, at most `initial` if given.

    Example:
        >>> from ember import keras
        >>> keras.ops.min([[1, 5], [7, 2]], axis=0, initial=3).numpy()
        array([1, 2], dtype=int32)
    """
    return _extremum("min", x, axis, keepdims, initial)


def amax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The maximum over `axis` (as `max`).

    Example:
        >>> from ember import keras
        >>> keras.ops.amax([1.0, 4.0, 2.0]).numpy()
        np.float32(4.0)
    """
    return _extremum("max", x, axis, keepdims, None)


def amin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The minimum over `axis` (as `min`).

    Example:
        >>> from ember import keras
        >>> keras.ops.amin([1.0, 4.0, 2.0]).numpy()
        np.float32(1.0)
    """
    return _extremum("min", x, axis, keepdims, None)


def _nan_extremum(biggest: bool, x: Any, axis: Any, keepdims: bool) -> Any:
    x = tensor(x)
    if not is_floating(x):
        return (max if biggest else min)(x, axis=axis, keepdims=keepdims)
    nan = M.is_nan(x)
    clean = _nan_free(x, -np.inf if biggest else np.inf)
    out = (max if biggest else min)(clean, axis=axis, keepdims=keepdims)
    return M.where(all(nan, axis=axis, keepdims=keepdims),
                   A.fill([], np.asarray(np.nan, x.dtype.name)), out)


def nanmax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """`max` ignoring NaNs (NaN where all are NaN).

    Example:
        >>> from ember import keras
        >>> keras.ops.nanmax([1.0, float("nan"), 3.0]).numpy()
        np.float32(3.0)
    """
    return _nan_extremum(True, x, axis, keepdims)


def nanmin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """`min` ignoring NaNs (NaN where all are NaN).

    Example:
        >>> from ember import keras
        >>> keras.ops.nanmin([1.0, float("nan"), 3.0]).numpy()
        np.float32(1.0)
    """
    return _nan_extremum(False, x, axis, keepdims)


def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The range (maximum - minimum) over `axis`.

    Example:
        >>> from ember import keras
        >>> keras.ops.ptp([[1, 5], [7, 2]], axis=0).numpy()
        array([6, 3], dtype=int32)
    """
    x = tensor(x)
    axes = _axes("ptp", x, axis)
    return M.subtract(R.reduce_max(x, axes, keepdims=keepdims),
                      R.reduce_min(x, axes, keepdims=keepdims))


def _arg_extremum(op: str, x: Any, axis: Any, keepdims: bool) -> Any:
    x = tensor(x)
    ndim = rank_of(op, x)
    biggest = op.endswith("max")
    if is_floating(x):
        # -0.0 is below 0.0 (as JAX and Keras: the first of them is not taken for both)
        x = cast_to(x, result_type(x.dtype.name, "float32"))
        negative_zero = M.logical_and(M.equal(x, 0), M.less(M.truediv(1, x), 0))
        tiny = np.finfo(x.dtype.name).tiny
        x = M.where(negative_zero, A.fill([], np.asarray(-tiny, x.dtype.name)), x)
    if axis is None or ndim == 0:
        out = R.argmax(A.reshape(x, [-1]), 0, output_type="int32") if biggest else \
            R.argmin(A.reshape(x, [-1]), 0, output_type="int32")
        return A.reshape(out, [1] * ndim) if keepdims else out
    a = norm_axis(op, axis, ndim)
    out = (R.argmax if biggest else R.argmin)(x, a, output_type="int32")
    return A.expand_dims(out, a) if keepdims else out


def argmax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The int32 index of the maximum along `axis` (None: of the flattened tensor).

    Example:
        >>> from ember import keras
        >>> keras.ops.argmax([[1, 5], [7, 2]], axis=1).numpy()
        array([1, 0], dtype=int32)
    """
    return _arg_extremum("argmax", x, axis, keepdims)


def argmin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The int32 index of the minimum along `axis` (None: of the flattened tensor).

    Example:
        >>> from ember import keras
        >>> keras.ops.argmin([[1, 5], [7, 2]]).numpy()
        np.int32(0)
    """
    return _arg_extremum("argmin", x, axis, keepdims)


def _nan_arg(op: str, x: Any, axis: Any, keepdims: bool) -> Any:
    x = tensor(x)
    if not is_floating(x):
        return _arg_extremum(op[3:], x, axis, keepdims)
    nan = M.is_nan(x)
    clean = _nan_free(x, -np.inf if op == "nanargmax" else np.inf)
    out = _arg_extremum(op[3:], clean, axis, keepdims)
    return M.where(all(nan, axis=axis, keepdims=keepdims), A.fill([], np.int32(-1)), out)


def nanargmax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """`argmax` ignoring NaNs (-1 where all are NaN).

    Example:
        >>> from ember import keras
        >>> keras.ops.nanargmax([1.0, float("nan"), 3.0]).numpy()
        np.int32(2)
    """
    return _nan_arg("nanargmax", x, axis, keepdims)


def nanargmin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """`argmin` ignoring NaNs (-1 where all are NaN).

    Example:
        >>> from ember import keras
        >>> keras.ops.nanargmin([float("nan"), 3.0, 1.0]).numpy()
        np.int32(2)
    """
    return _nan_arg("nanargmin", x, axis, keepdims)


# -- logic and counting -------------------------------------------------------------

def all(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Whether every element over `axis` is true (non-zero).

    Example:
        >>> from ember import keras
        >>> keras.ops.all([[1, 0], [2, 3]], axis=1).numpy()
        array([False,  True])
    """
    x = cast_to(tensor(x), "bool")
    return R.reduce_all(x, _axes("all", x, axis), keepdims=keepdims)


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Whether some element over `axis` is true (non-zero).

    Example:
        >>> from ember import keras
        >>> keras.ops.any([[1, 0], [0, 0]], axis=1).numpy()
        array([ True, False])
    """
    x = cast_to(tensor(x), "bool")
    return R.reduce_any(x, _axes("any", x, axis), keepdims=keepdims)


def count_nonzero(x: Any, axis: Any = None) -> Any:
    """The int32 number of non-zero elements over `axis`.

    Example:
        >>> from ember import keras
        >>> keras.ops.count_nonzero([[0, 1], [2, 3]], axis=0).numpy()
        array([1, 2], dtype=int32)
    """
    x = tensor(x)
    nonzero = cast_to(cast_to(x, "bool"), "int32")
    return R.reduce_sum(nonzero, _axes("count_nonzero", x, axis))


# -- moments --------------------------------------------------------------------------

def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The mean over `axis`; integers and bools give floatx, float16 is summed in float32.

    Example:
        >>> from ember import keras
        >>> keras.ops.mean([[1, 2], [3, 4]], axis=1).numpy()
        array([1.5, 3.5], dtype=float32)
    """
    x = tensor(x)
    own = x.dtype.name
    compute = result_type(own, "float32")
    out_dtype = compute if "int" in own or own == "bool" else own
    out = R.reduce_mean(cast_to(x, compute), _axes("mean", x, axis), keepdims=keepdims)
    return cast_to(out, out_dtype)


def var(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The (population) variance over `axis`.

    Example:
        >>> from ember import keras
        >>> keras.ops.var([1.0, 2.0, 3.0, 4.0]).numpy()
        np.float32(1.25)
    """
    x = tensor(x)
    own = x.dtype.name
    out = R.reduce_variance(cast_to(x, result_type(own, "float32")),
                            _axes("var", x, axis), keepdims=keepdims)
    return cast_to(out, result_type(own, float))


def std(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The (population) standard deviation over `axis`.

    Example:
        >>> from ember import keras
        >>> keras.ops.std([1.0, 3.0]).numpy()
        np.float32(1.0)
    """
    x = tensor(x)
    if not is_floating(x) and "complex" not in x.dtype.name:
        x = cast_to(x, result_type(x.dtype.name, float))
    return R.reduce_std(x, _axes("std", x, axis), keepdims=keepdims)


def nanmean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """`mean` ignoring NaNs.

    Example:
        >>> from ember import keras
        >>> keras.ops.nanmean([1.0, float("nan"), 3.0]).numpy()
        np.float32(2.0)
    """
    x = tensor(x)
    if axis in ((), []):
        return x
    if not is_floating(x):
        return mean(x, axis=axis, keepdims=keepdims)
    valid = cast_to(M.logical_not(M.is_nan(x)), x.dtype.name)
    axes = _axes("nanmean", x, axis)
    total = R.reduce_sum(_nan_free(x, 0), axes, keepdims=keepdims)
    return M.truediv(total, R.reduce_sum(valid, axes, keepdims=keepdims))


def nanvar(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """`var` ignoring NaNs.

    Example:
        >>> from ember import keras
        >>> keras.ops.nanvar([1.0, float("nan"), 3.0]).numpy()
        np.float32(1.0)
    """
    x = tensor(x)
    x = cast_to(x, result_type(x.dtype.name, float))
    axes = _axes("nanvar", x, axis)
    valid = M.logical_not(M.is_nan(x))
    centered = M.where(valid, M.subtract(x, nanmean(x, axis=axes, keepdims=True)),
                       A.zeros_like(x))
    count = R.reduce_sum(cast_to(valid, x.dtype.name), axes, keepdims=keepdims)
    return M.truediv(R.reduce_sum(M.square(centered), axes, keepdims=keepdims), count)


def nanstd(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """`std` ignoring NaNs.

    Example:
        >>> from ember import keras
        >>> keras.ops.nanstd([1.0, float("nan"), 3.0]).numpy()
        np.float32(1.0)
    """
    return M.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def average(x: Any, axis: Any = None, weights: Any = None) -> Any:
    """The (weighted) mean over `axis`; 1-D `weights` may weigh along one `axis`.

    Example:
        >>> from ember import keras
        >>> keras.ops.average([1.0, 2.0, 4.0], weights=[1.0, 0.0, 1.0]).numpy()
        np.float32(2.5)
    """
    x = tensor(x)
    if weights is None:
        x = cast_to(x, result_type(x.dtype.name, float))
        return R.reduce_mean(x, _axes("average", x, axis))
    w = tensor(weights)
    dtype = result_type(x.dtype.name, w.dtype.name, float)
    x, w = cast_to(x, dtype), cast_to(w, dtype)
    ndim = rank_of("average", x)
    if axis is None or w.shape.rank == ndim:
        if tuple(w.shape) != tuple(x.shape):
            raise ValueError(f"keras.ops.average: weights must have the shape of x, or be "
                             f"1-D along axis; received x {tuple(x.shape)}, weights "
                             f"{tuple(w.shape)}, axis={axis!r}.")
        axes = _axes("average", x, axis)
        return M.truediv(R.reduce_sum(M.multiply(x, w), axes), R.reduce_sum(w, axes))
    a = norm_axis("average", axis, ndim)
    if w.shape.rank != 1 or w.shape[0] != x.shape[a]:
        raise ValueError(f"keras.ops.average: 1-D weights must have the length of x's "
                         f"axis {a} ({x.shape[a]}); received weights {tuple(w.shape)}.")
    return M.truediv(L.tensordot(x, w, [[a], [0]]), R.reduce_sum(w))


# -- differences and integrals --------------------------------------------------------

def _along(x: Any, axis: int, start: Any, stop: Any) -> Any:
    return x[(slice(None),) * axis + (slice(start, stop),)]


def diff(a: Any, n: int = 1, axis: int = -1) -> Any:
    """The `n`-th discrete difference along `axis` (bool: whether neighbours differ).

    Example:
        >>> from ember import keras
        >>> keras.ops.diff([1, 4, 9, 16]).numpy()
        array([3, 5, 7], dtype=int32)
    """
    x = tensor(a)
    if n < 0:
        raise ValueError(f"keras.ops.diff: order n must be non-negative, received n={n}.")
    if n == 0:
        return x
    ndim = rank_of("diff", x)
    if ndim == 0:
        raise ValueError("keras.ops.diff: needs a tensor of rank >= 1, received a scalar.")
    ax = norm_axis("diff", axis, ndim)
    for _ in range(n):
        hi, lo = _along(x, ax, 1, None), _along(x, ax, None, -1)
        x = M.not_equal(hi, lo) if x.dtype.name == "bool" else M.subtract(hi, lo)
    return x


def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Any:
    """The integral of `y` along `axis` by the trapezoidal rule (sample points `x`, or a
    spacing `dx`).

    Example:
        >>> from ember import keras
        >>> keras.ops.trapezoid([1.0, 2.0, 3.0], dx=2.0).numpy()
        np.float32(8.0)
    """
    y = tensor(y)
    dtype = result_type(y.dtype.name, float)
    y = cast_to(y, dtype)
    ndim = rank_of("trapezoid", y)
    ax = norm_axis("trapezoid", axis, ndim)
    if x is None:
        spacing = tensor(dx, dtype)
    else:
        spacing = diff(cast_to(tensor(x), dtype), axis=-1 if tensor(x).shape.rank == 1
                       else ax)
        if spacing.shape.rank == 1 and ndim > 1:
            spacing = A.reshape(spacing, [-1] + [1] * (ndim - 1 - ax))
    heights = M.multiply(0.5, M.add(_along(y, ax, 1, None), _along(y, ax, None, -1)))
    return R.reduce_sum(M.multiply(heights, spacing), ax)


def corrcoef(x: Any) -> Any:
    """The Pearson correlation coefficients of the rows of `x` (variables in rows).

    Example:
        >>> from ember import keras
        >>> keras.ops.corrcoef([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]]).numpy()
        array([[ 1., -1.],
               [-1.,  1.]], dtype=float32)
    """
    x = tensor(x)
    if not is_floating(x):
        x = cast_to(x, result_type(x.dtype.name, float))
    ndim = rank_of("corrcoef", x)
    if ndim > 2:
        raise ValueError(f"keras.ops.corrcoef: x must be 1-D or 2-D, received shape "
                         f"{tuple(x.shape)}.")
    rows = x if ndim == 2 else A.reshape(x, [1, -1])
    centered = M.subtract(rows, R.reduce_mean(rows, -1, keepdims=True))
    cov = L.matmul(centered, centered, transpose_b=True)  # times (n - 1): cancels below
    stddev = M.sqrt(R.reduce_sum(M.square(centered), -1))  # sqrt of cov's diagonal
    outer = M.multiply(A.expand_dims(stddev, 1), A.expand_dims(stddev, 0))
    corr = M.clip_by_value(M.truediv(cov, outer), -1.0, 1.0)
    return A.reshape(corr, []) if ndim < 2 else corr

"""Reductions for users: the primitives' ops (`prims/reduce.py`) and the composites written
with them (reduce_variance, reduce_std, reduce_logsumexp, count_nonzero, sum_to_like).

Example:
    >>> import ember as tf
    >>> tf.math.reduce_std(tf.constant([1.0, 3.0])).numpy()
    np.float32(1.0)
"""

from __future__ import annotations

from typing import Any

from ..core import grad_prims, rules
from ..core.dtypes import int64
from ..core.errors import DTypeError
from ..prims.convert import as_tensor, cast, stop_gradient
from ..prims.reduce import (argmax, argmin, cumprod, cumsum, reduce_all,  # noqa: F401
                            reduce_any, reduce_max, reduce_mean, reduce_min, reduce_prod,
                            reduce_sum)
from . import math_ops as m
from .creation_ops import zeros_like

__all__ = [
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any",
    "reduce_all", "reduce_logsumexp", "reduce_std", "reduce_variance", "argmax", "argmin",
    "cumsum", "cumprod", "count_nonzero",
]


def reduce_variance(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                    name: str | None = None) -> Any:
    """The (population) variance over `axis`, of floating or complex inputs (for complex
    ones the mean of |x - mean|^2, of the real dtype, as TF).

    Example:
        >>> import ember as tf
        >>> tf.math.reduce_variance(tf.constant([1.0, 3.0])).numpy()
        np.float32(1.0)
    """
    x = as_tensor(input_tensor)
    if x.dtype.is_complex:
        mean = reduce_mean(x, axis, keepdims=True)
        return reduce_mean(m.square(m.abs(m.subtract(x, mean))), axis, keepdims)
    if not x.dtype.is_floating:
        raise DTypeError(f"reduce_variance: needs a floating or complex tensor, received "
                         f"{x.dtype.name}; cast it first, e.g. ember.cast(x, ember.float32).")
    mean = reduce_mean(x, axis, keepdims=True)
    return reduce_mean(m.square(m.subtract(x, mean)), axis, keepdims)


def reduce_std(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: str | None = None) -> Any:
    """The (population) standard deviation over `axis`, of floating or complex inputs
    (real for complex ones, as TF).

    Example:
        >>> import ember as tf
        >>> tf.math.reduce_std(tf.constant([1.0, 3.0])).numpy()
        np.float32(1.0)
    """
    return m.sqrt(reduce_variance(input_tensor, axis, keepdims))


def reduce_logsumexp(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                     name: str | None = None) -> Any:
    """`log(sum(exp(x)))` over `axis`, computed stably (shifted by the max).

    Example:
        >>> import ember as tf
        >>> float(tf.reduce_logsumexp(tf.constant([1000.0, 1000.0])))
        1000.6931762695312
    """
    x = rules.floating("reduce_logsumexp", as_tensor(input_tensor))
    # NOTE: the shift is a constant for autodiff; where the max is infinite it is
    # replaced by 0 so that inf - inf never makes a nan.
    def shift(keep):
        mx = stop_gradient(reduce_max(x, axis, keepdims=keep))
        return m.where(m.is_finite(mx), mx, zeros_like(mx))

    total = reduce_sum(m.exp(m.subtract(x, shift(True))), axis, keepdims)
    return m.add(m.log(total), shift(keepdims))


def count_nonzero(input: Any, axis: Any = None, keepdims: bool = False,
                  dtype: Any = int64, name: str | None = None) -> Any:
    """The number of non-zero (true) elements over `axis`.

    Example:
        >>> import ember as tf
        >>> tf.math.count_nonzero(tf.constant([0, 1, 2])).numpy()
        np.int64(2)
    """
    x = as_tensor(input)
    nz = m.not_equal(x, False if x.dtype.is_bool else 0)
    return reduce_sum(cast(nz, dtype), axis, keepdims)


# -- undoing a broadcast whose sizes are known only at run time ------------------------
# (the primitive sum_to_like is declared in core, where the backward walk binds it)


def sum_to_like(g: Any, like: Any) -> Any:
    """`g` summed down to the shape of `like` (undoing a broadcast), decided at run time.

    Example:
        >>> import ember as tf
        >>> from ember.ops.reduce_ops import sum_to_like
        >>> sum_to_like(tf.ones([3, 2]), tf.zeros([1, 2])).numpy()
        array([[3., 3.]], dtype=float32)
    """
    return grad_prims.sum_to_like(as_tensor(g), as_tensor(like))

"""Reductions and scans: reduce_*, argmax/argmin, cumsum/cumprod.

Axis arguments follow TF: an int, a list (negative allowed), or None for all axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import grad_prims, rules
from ..core.dtypes import BY_NP, NP_ARITH, NP_BOOL, NP_NUMERIC, as_dtype, int64
from ..core.registry import bind, bind1, defvjp, no_gradient, primitive
from ..core.shape import TensorSpec
from ..core.errors import DTypeError
from .convert import as_tensor, cast, stop_gradient
from . import math_ops as m
from .complex_ops import holomorphic
from .creation_ops import ones_like, zeros_like
from .shape_ops import broadcast_to, concat, expand_dims, reshape, transpose
from .shape_ops import reverse as reverse_, shape as dynamic_shape

__all__ = [
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any",
    "reduce_all", "reduce_logsumexp", "reduce_std", "reduce_variance", "argmax", "argmin",
    "cumsum", "cumprod", "count_nonzero",
]


def _reduce_rule(op: str):
    """Rule of a reduction (its dtypes are the primitive's `allowed`)."""
    def rule(x: TensorSpec, axis=None, keepdims=False) -> TensorSpec:
        axes = rules.normalize_axes(op, axis, x.shape.rank)
        return TensorSpec(rules.reduce_shape(x.shape, axes, keepdims), x.dtype)
    return rule


def _reduction(name: str, allowed: frozenset):
    p = primitive(name, _reduce_rule(name), allowed=allowed)

    def op(input_tensor: Any, axis: Any = None, keepdims: bool = False,
           name: str | None = None) -> Any:
        x = as_tensor(input_tensor)
        axes = None if axis is None else rules.normalize_axes(p.name, axis, x.ndim)
        return bind1(p, x, axis=axes, keepdims=bool(keepdims))

    op.__name__ = op.__qualname__ = name
    arg = "[[True, False]]" if allowed is NP_BOOL else "[[1.0, 2.0], [3.0, 4.0]]"
    op.__doc__ = (f"`{name}` over `axis` (int, list, or None for all), as `tf.math.{name}`.\n\n"
                  f"    Example:\n"
                  f"        >>> import ember as tf\n"
                  f"        >>> r = tf.{name}(tf.constant({arg}), axis=-1)\n")
    return p, op


reduce_sum_p, reduce_sum = _reduction("reduce_sum", NP_ARITH)
reduce_prod_p, reduce_prod = _reduction("reduce_prod", NP_ARITH)
reduce_max_p, reduce_max = _reduction("reduce_max", NP_NUMERIC)
reduce_min_p, reduce_min = _reduction("reduce_min", NP_NUMERIC)
reduce_any_p, reduce_any = _reduction("reduce_any", NP_BOOL)
reduce_all_p, reduce_all = _reduction("reduce_all", NP_BOOL)


def _spread(g, x, axis, keepdims):
    """A reduced cotangent broadcast back over the input's shape (which may have
    unknown dims inside ember.function)."""
    if not keepdims:
        for a in (range(x.ndim) if axis is None else sorted(axis)):
            g = expand_dims(g, a)
    if x.shape.is_fully_defined():
        return broadcast_to(g, list(x.shape))
    return m.add(g, zeros_like(x))


defvjp(reduce_sum_p, lambda g, ins, out, axis, keepdims: (
    _spread(g, ins[0], axis, keepdims),))


# NOTE: at ties the gradient is shared equally among the tied elements, as TF.
def _extreme_vjp(g, ins, out, axis, keepdims):
    x = ins[0]
    hit = cast(m.equal(x, _spread(out, x, axis, keepdims)), x.dtype)
    count = reduce_sum(hit, axis, keepdims=True)
    return (m.multiply(_spread(g, x, axis, keepdims), m.truediv(hit, count)),)


defvjp(reduce_max_p, _extreme_vjp)
defvjp(reduce_min_p, _extreme_vjp)


# NOTE: the product of all *other* elements, from exclusive cumulative products on
# both sides: exact where some elements are 0 (out / x would give nan there).
def _others_along(x, axes):
    """Per element, the product of the other elements of its slice over `axes`,
    axis by axis (no reshape, so unknown dims are fine): the others of (i, rest) are
    the others along axes[0] at the same rest, times the others over axes[1:] of the
    products along axes[0]."""
    a = axes[0]
    own = m.multiply(cumprod(x, axis=a, exclusive=True),
                     cumprod(x, axis=a, exclusive=True, reverse=True))
    if len(axes) == 1:
        return own
    return m.multiply(own, _others_along(reduce_prod(x, a, keepdims=True), axes[1:]))


def _prod_vjp(g, ins, out, axis, keepdims):
    x = ins[0]
    rank = x.ndim
    axes = tuple(range(rank)) if axis is None else tuple(axis)
    if not axes:
        return (_spread(g, x, axis, keepdims),)
    if len(axes) == 1 or not x.shape.is_fully_defined():
        return (m.multiply(_spread(g, x, axis, keepdims), _others_along(x, axes)),)
    # Several axes of a known shape: move them last and flatten them into one.
    kept = [i for i in range(rank) if i not in axes]
    perm = kept + list(axes)
    xt = transpose(x, perm)
    n = 1
    for i in axes:
        n *= x.shape[i]
    flat = reshape(xt, [x.shape[i] for i in kept] + [n])
    others = m.multiply(cumprod(flat, axis=-1, exclusive=True),
                        cumprod(flat, axis=-1, exclusive=True, reverse=True))
    others = reshape(others, [xt.shape[i] for i in range(rank)])
    inverse = [perm.index(i) for i in range(rank)]
    return (m.multiply(_spread(g, x, axis, keepdims), transpose(others, inverse)),)


defvjp(reduce_prod_p, holomorphic(_prod_vjp))
no_gradient(reduce_any_p, reduce_all_p)


def _count(x: Any, axes: tuple | None) -> Any:
    """The number of elements reduced: an int, or (unknown dims inside ember.function) a
    scalar tensor of x's dtype computed at run time."""
    shape = x.shape
    axes = range(len(shape)) if axes is None else axes
    dims = [shape[a] for a in axes]
    if None not in dims:
        n = 1
        for d in dims:
            n *= d
        return n
    from .gather_ops import gather  # cycle: gather_ops imports this module
    return cast(reduce_prod(gather(dynamic_shape(x), list(axes))), x.dtype)


def reduce_mean(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                name: str | None = None) -> Any:
    """The mean over `axis`. For an integer tensor the result is an integer (the sum
    divided with truncation), as TF.

    Example:
        >>> import ember as tf
        >>> tf.reduce_mean(tf.constant([1, 2])).numpy(), tf.reduce_mean(tf.constant([1.0, 2.0])).numpy()
        (np.int32(1), np.float32(1.5))
    """
    x = as_tensor(input_tensor)
    axes = None if axis is None else rules.normalize_axes("reduce_mean", axis, x.ndim)
    return bind1(reduce_mean_p, x, axis=axes, keepdims=bool(keepdims))


# NOTE: a primitive for speed (it is in nearly every loss) and because its kernel counts
# the elements at run time, so it needs no static sizes inside ember.function.
reduce_mean_p = primitive("reduce_mean", _reduce_rule("reduce_mean"),
                          allowed=NP_ARITH)


def _mean_vjp(g, ins, out, axis, keepdims):
    x = ins[0]
    if not (x.dtype.is_floating or x.dtype.is_complex):
        return (None,)
    return (m.truediv(_spread(g, x, axis, keepdims), _count(x, axis)),)


defvjp(reduce_mean_p, _mean_vjp)


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


# -- argmax / argmin --------------------------------------------------------------

def _arg_rule(op: str):
    def rule(x: TensorSpec, axis: int, output_type) -> TensorSpec:
        rules.check_dtype(op, x, NP_NUMERIC)
        a = rules.normalize_axis(op, axis, x.shape.rank)
        return TensorSpec(tuple(d for i, d in enumerate(x.shape) if i != a),
                          BY_NP[np.dtype(output_type)])
    return rule


argmax_p = primitive("argmax", _arg_rule("argmax"), check="rule")
argmin_p = primitive("argmin", _arg_rule("argmin"), check="rule")
no_gradient(argmax_p, argmin_p)


def _arg(p):
    def op(input: Any, axis: Any = None, output_type: Any = int64, name: str | None = None):
        x = as_tensor(input)
        if x.ndim == 0:
            raise ValueError(f"{p.name}: needs a tensor of rank >= 1, received a scalar.")
        a = rules.normalize_axis(p.name, 0 if axis is None else axis, x.ndim)
        if x.shape[a] == 0:
            raise ValueError(f"{p.name}: reduction axis {a} has no elements "
                             f"(shape {tuple(x.shape)}).")
        return bind(p, x, axis=a, output_type=as_dtype(output_type)._numpy())
    op.__name__ = op.__qualname__ = p.name
    op.__doc__ = (f"Index of the {p.name[3:]}imum along `axis` (default 0), int64 unless "
                  f"`output_type`.\n\n    Example:\n        >>> import ember as tf\n"
                  f"        >>> i = tf.{p.name}(tf.constant([[1, 5], [7, 2]]), axis=1)\n")
    return op


argmax = _arg(argmax_p)
argmin = _arg(argmin_p)


# -- cumulative -----------------------------------------------------------------

def _cum_rule(op: str):
    def rule(x: TensorSpec, axis: int, exclusive=False, reverse=False) -> TensorSpec:
        rules.check_dtype(op, x, NP_ARITH)
        rules.normalize_axis(op, axis, x.shape.rank)
        return TensorSpec(x.shape, x.dtype)
    return rule


cumsum_p = primitive("cumsum", _cum_rule("cumsum"), check="rule")
defvjp(cumsum_p, lambda g, ins, out, axis, exclusive, reverse: (
    cumsum(g, axis, exclusive=exclusive, reverse=not reverse),))
cumprod_p = primitive("cumprod", _cum_rule("cumprod"), check="rule")


# NOTE: the cotangent of x_k (scanning forward) is E_k * S_k: E_k the product of the
# elements before k (an exclusive cumprod), S_k the sum, over the outputs i that hold
# x_k, of g_i times the product of the elements between k and i. S solves the linear
# recurrence S_k = h_k + x_{k+1} S_{k+1} (h = g, or g shifted by one for exclusive
# scans), here in log2(n) doubling steps. No division: exact where x has zeros (TF
# divides by x, which gives nan, or 0 at the first zero), and so are its gradients.
def _cumprod_vjp(g, ins, out, axis, exclusive, reverse):
    x = ins[0]
    n = x.shape[axis]
    if n is None:  # the number of steps is unknown: the masked form
        return (_cumprod_grad_masked(g, x, out, axis, exclusive, reverse),)
    if reverse:
        x, g = reverse_(x, [axis]), reverse_(g, [axis])

    def part(t, start, stop=None):  # t[start:stop] along the axis
        return t[(slice(None),) * axis + (slice(start, stop),)]
    a = concat([part(x, 1), ones_like(part(x, 0, 1))], axis)  # a_k = x_{k+1}
    s = concat([part(g, 1), zeros_like(part(g, 0, 1))], axis) if exclusive else g
    d = 1
    while d < n:  # s_k += a_k s_{k+d}; a_k *= a_{k+d} (past the end: done already)
        head = part(a, 0, n - d)
        s = concat([m.add(part(s, 0, n - d), m.multiply(head, part(s, d))),
                    part(s, n - d)], axis)
        a = concat([m.multiply(head, part(a, d)), part(a, n - d)], axis)
        d *= 2
    grad = m.multiply(cumprod(x, axis, exclusive=True), s)
    return (reverse_(grad, [axis]) if reverse else grad,)


def _cumprod_grad_masked(g, x, out, axis, exclusive, reverse):
    """The same cotangent from `out / x` where no 0 comes at or before x_k, from the
    scan with the first 0 replaced by 1 at that 0, and 0 past it: exact, but its own
    gradient misses the terms of the first 0 (a fallback for an unknown axis size)."""
    def back(v):  # the sum over the outputs that hold element k
        return cumsum(v, axis, exclusive=exclusive, reverse=not reverse)
    zero = m.equal(x, 0)
    none_before = m.equal(cumsum(cast(zero, x.dtype), axis, exclusive=True,
                                 reverse=reverse), 0)
    clear = m.logical_and(none_before, m.logical_not(zero))
    first = m.logical_and(none_before, zero)
    from_clear = m.truediv(back(m.multiply(out, g)), m.where(clear, x, 1))
    skipped = cumprod(m.where(first, 1, x), axis, exclusive=exclusive, reverse=reverse)
    from_first = back(m.multiply(skipped, g))
    return m.where(clear, from_clear, m.where(first, from_first, 0))


defvjp(cumprod_p, holomorphic(_cumprod_vjp))


def _cum(p):
    def op(x: Any, axis: int = 0, exclusive: bool = False, reverse: bool = False,
           name: str | None = None) -> Any:
        x = as_tensor(x)
        if x.ndim == 0:
            raise ValueError(f"{p.name}: needs a tensor of rank >= 1, received a scalar.")
        a = rules.normalize_axis(p.name, axis, x.ndim)
        return bind(p, x, axis=a, exclusive=bool(exclusive), reverse=bool(reverse))
    op.__name__ = op.__qualname__ = p.name
    op.__doc__ = (f"Cumulative {p.name[3:]} along `axis`; `exclusive` starts from the "
                  f"identity, `reverse` runs from the end.\n\n    Example:\n"
                  f"        >>> import ember as tf\n"
                  f"        >>> c = tf.math.{p.name}(tf.constant([1, 2, 3]), exclusive=True)\n")
    return op


cumsum = _cum(cumsum_p)
cumprod = _cum(cumprod_p)


# -- undoing a broadcast whose sizes are known only at run time ------------------------
# (declared in core, where the backward walk binds it)
sum_to_like_p = grad_prims.sum_to_like_p


def sum_to_like(g: Any, like: Any) -> Any:
    """`g` summed down to the shape of `like` (undoing a broadcast), decided at run time.

    Example:
        >>> import ember as tf
        >>> from ember.ops.reduce_ops import sum_to_like
        >>> sum_to_like(tf.ones([3, 2]), tf.zeros([1, 2])).numpy()
        array([[3., 3.]], dtype=float32)
    """
    return grad_prims.sum_to_like(as_tensor(g), as_tensor(like))

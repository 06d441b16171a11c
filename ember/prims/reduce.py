"""Reduction primitives, their rules and gradients: reduce_sum, reduce_prod, reduce_max,
reduce_min, reduce_any, reduce_all, reduce_mean, argmax/argmin, cumsum/cumprod; and tile,
whose gradient is a sum over its copies.

Axis arguments follow TF: an int, a list (negative allowed), or None for all axes.
Composites (reduce_variance, reduce_std, reduce_logsumexp, count_nonzero) are in
`ops/reduce_ops.py`.

Example:
    >>> import ember as tf
    >>> from ember.prims.reduce import reduce_sum
    >>> reduce_sum(tf.constant([[1, 2], [3, 4]]), axis=0).numpy()
    array([4, 6], dtype=int32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import rules
from ..core.dtypes import BY_NP, NP_ARITH, NP_BOOL, NP_NUMERIC, as_dtype, int64
from ..core.errors import InvalidArgumentError
from ..core.registry import bind, bind1, defvjp, no_gradient, primitive
from ..core.rules import describe
from ..core.shape import TensorSpec
from .array import (broadcast_like, concat_p, filled_like, reshape_p, reshape_parts, reverse_p,
                    transpose_p)
from .convert import as_tensor, cast
from .index import basic_getitem, dim_of
from .math import (add, equal, holomorphic, logical_and, logical_not, multiply, truediv,
                   where)

_ALL = slice(None)


def _filled(t: Any, value: Any) -> Any:
    """`value` in the shape and dtype of `t`."""
    return filled_like(t, np.asarray(value, t.dtype._numpy()))


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
        axes = range(x.ndim) if axis is None else axis
        g = basic_getitem(g, tuple(None if i in axes else _ALL for i in range(x.ndim)))
    return broadcast_like(g, x)


defvjp(reduce_sum_p, lambda g, ins, out, axis, keepdims: (
    _spread(g, ins[0], axis, keepdims),))


# NOTE: at ties the gradient is shared equally among the tied elements, as TF.
def _extreme_vjp(g, ins, out, axis, keepdims):
    x = ins[0]
    hit = cast(equal(x, _spread(out, x, axis, keepdims)), x.dtype)
    count = reduce_sum(hit, axis, keepdims=True)
    return (multiply(_spread(g, x, axis, keepdims), truediv(hit, count)),)


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
    own = multiply(cumprod(x, axis=a, exclusive=True),
                     cumprod(x, axis=a, exclusive=True, reverse=True))
    if len(axes) == 1:
        return own
    return multiply(own, _others_along(reduce_prod(x, a, keepdims=True), axes[1:]))


def _prod_vjp(g, ins, out, axis, keepdims):
    x = ins[0]
    rank = x.ndim
    axes = tuple(range(rank)) if axis is None else tuple(axis)
    if not axes:
        return (_spread(g, x, axis, keepdims),)
    if len(axes) == 1 or not x.shape.is_fully_defined():
        return (multiply(_spread(g, x, axis, keepdims), _others_along(x, axes)),)
    # Several axes of a known shape: move them last and flatten them into one.
    kept = [i for i in range(rank) if i not in axes]
    perm = kept + list(axes)
    xt = bind(transpose_p, x, perm=tuple(perm))
    n = 1
    for i in axes:
        n *= x.shape[i]
    flat = bind(reshape_p, xt, shape=tuple(x.shape[i] for i in kept) + (n,))
    others = multiply(cumprod(flat, axis=-1, exclusive=True),
                        cumprod(flat, axis=-1, exclusive=True, reverse=True))
    others = bind(reshape_p, others, shape=tuple(xt.shape))
    inverse = [perm.index(i) for i in range(rank)]
    return (multiply(_spread(g, x, axis, keepdims), bind(transpose_p, others, perm=tuple(inverse))),)


defvjp(reduce_prod_p, holomorphic(_prod_vjp))
no_gradient(reduce_any_p, reduce_all_p)


def _count(x: Any, axes: tuple | None) -> Any:
    """The number of elements reduced: an int, or (unknown dims inside ember.function) a
    scalar tensor of x's dtype computed at run time."""
    shape = x.shape
    axes = tuple(range(len(shape))) if axes is None else axes
    dims = [shape[a] for a in axes]
    if None not in dims:
        n = 1
        for d in dims:
            n *= d
        return n
    n = dim_of(x, axes[0])
    for a in axes[1:]:
        n = multiply(n, dim_of(x, a))
    return cast(n, x.dtype)


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
    return (truediv(_spread(g, x, axis, keepdims), _count(x, axis)),)


defvjp(reduce_mean_p, _mean_vjp)


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
        x, g = bind(reverse_p, x, axis=(axis,)), bind(reverse_p, g, axis=(axis,))

    def part(t, start, stop=None):  # t[start:stop] along the axis
        return basic_getitem(t, (_ALL,) * axis + (slice(start, stop),))

    def concat(ts, axis):
        return bind(concat_p, *ts, axis=axis)
    a = concat([part(x, 1), _filled(part(x, 0, 1), 1)], axis)  # a_k = x_{k+1}
    s = concat([part(g, 1), _filled(part(g, 0, 1), 0)], axis) if exclusive else g
    d = 1
    while d < n:  # s_k += a_k s_{k+d}; a_k *= a_{k+d} (past the end: done already)
        head = part(a, 0, n - d)
        s = concat([add(part(s, 0, n - d), multiply(head, part(s, d))),
                    part(s, n - d)], axis)
        a = concat([multiply(head, part(a, d)), part(a, n - d)], axis)
        d *= 2
    grad = multiply(cumprod(x, axis, exclusive=True), s)
    return (bind(reverse_p, grad, axis=(axis,)) if reverse else grad,)


def _cumprod_grad_masked(g, x, out, axis, exclusive, reverse):
    """The same cotangent from `out / x` where no 0 comes at or before x_k, from the
    scan with the first 0 replaced by 1 at that 0, and 0 past it: exact, but its own
    gradient misses the terms of the first 0 (a fallback for an unknown axis size)."""
    def back(v):  # the sum over the outputs that hold element k
        return cumsum(v, axis, exclusive=exclusive, reverse=not reverse)
    zero = equal(x, 0)
    none_before = equal(cumsum(cast(zero, x.dtype), axis, exclusive=True,
                                 reverse=reverse), 0)
    clear = logical_and(none_before, logical_not(zero))
    first = logical_and(none_before, zero)
    from_clear = truediv(back(multiply(out, g)), where(clear, x, 1))
    skipped = cumprod(where(first, 1, x), axis, exclusive=exclusive, reverse=reverse)
    from_first = back(multiply(skipped, g))
    return where(clear, from_clear, where(first, from_first, 0))


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


# -- tile ------------------------------------------------------------------------------

def _tile_rule(x: TensorSpec, multiples: tuple) -> TensorSpec:
    if len(multiples) != x.shape.rank:
        raise InvalidArgumentError(
            f"tile: multiples must have one entry per dimension of {describe(x)} "
            f"({x.shape.rank}), received {list(multiples)}.")
    if any(m < 0 for m in multiples):
        raise InvalidArgumentError(f"tile: multiples must be non-negative, received "
                                   f"{list(multiples)}.")
    return TensorSpec([0 if m == 0 else None if d is None else d * m
                       for d, m in zip(x.shape, multiples)], x.dtype)


# NOTE: NumPy would tile with too few multiples silently: the rule runs first.
tile_p = primitive("tile", _tile_rule, check="rule")


def _tile_vjp(g: Any, ins: tuple, out: Any, multiples: tuple) -> tuple:
    x = ins[0]
    parts, axes = [], []
    for i, m in enumerate(multiples):
        if m != 1:
            axes.append(len(parts))
            parts.append(m)
        parts.append(dim_of(x, i))
    if not axes:
        return (g,)
    return (reduce_sum(reshape_parts(g, parts), axis=axes),)


defvjp(tile_p, _tile_vjp)

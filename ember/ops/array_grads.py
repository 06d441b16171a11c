"""Gradient rules of the array primitives (declared in `array_prims`).

They live apart from the primitives because they are written with the ops of
`shape_info` and `index_ops`, which import `array_prims`: declaring them there would be an
import cycle. `shape_ops` imports this module last, which registers them; each `defvjp`
follows its rule. reduce_ops is looked up when a rule runs (it imports shape_ops).

Every rule works with unknown (None) dims inside ember.function: sizes the rule can't
know statically are read at run time (split_like, strided_slice_grad with the input as
`like`, reshape_dynamic, broadcast_to_dynamic).

Example:
    >>> import ember as tf
    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = tf.reduce_sum(tf.pad(x, [[1, 0], [0, 1]]) * 2.0)
    >>> tape.gradient(y, x).numpy()
    array([[2., 2.],
           [2., 2.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.registry import bind, defvjp, no_gradient
from .array_prims import (broadcast_to_dynamic_p, broadcast_to_p, concat_p, pad_p, range_p,
                          reshape_dynamic_p, reshape_p, reverse_p, split_like_p, split_p,
                          tile_p, transpose_p)
from . import math_ops
from .index_ops import getitem, strided_slice_grad_p
from .shape_info import dim_of, filled_like, reshape_like, reshape_parts

_ALL = slice(None)


def _zeros_like(t: Any) -> Any:
    """Zeros with the shape and dtype of `t` (a read-only view of one element)."""
    return filled_like(t, np.zeros((), t.dtype._numpy()))


def _pieces(gs: tuple, outs: tuple) -> list:
    """The cotangents of a split's pieces, zeros where none arrives."""
    return [_zeros_like(o) if g is None else g for g, o in zip(gs, outs)]


def _fold_mirror(g: Any, ax: int, before: int, after: int, reflect: bool) -> Any:
    """The cotangent of a REFLECT/SYMMETRIC pad along one axis: the centre of `g` plus the
    mirrored borders added back onto the positions they were copied from.

    Positions are counted from the ends where they can be, so the axis size is never
    needed (it may be unknown inside ember.function)."""
    pre = (_ALL,) * ax
    total = getitem(g, pre + (slice(before, -after or None),))
    skip = 1 if reflect else 0  # REFLECT excludes the edge element from the mirror
    if before:
        # border position i (< before) copies source (before - i - 1 + skip), so the
        # reversed border lands on sources skip .. skip + before - 1
        left = getitem(g, pre + (slice(before - 1, None, -1),))
        index = pre + (slice(skip, skip + before),)
        total = math_ops.add(total, bind(strided_slice_grad_p, left, total, index=index))
    if after:
        # border position j copies source (n - 1 - skip - j): the reversed border (the
        # last `after` entries of g) lands on sources n - skip - after .. n - 1 - skip
        right = getitem(g, pre + (slice(-1, -after - 1, -1),))
        index = pre + (slice(-skip - after, -skip or None),)
        total = math_ops.add(total, bind(strided_slice_grad_p, right, total, index=index))
    return total


def _reshape_vjp(g: Any, ins: tuple, out: Any, **params: Any) -> tuple:
    back = reshape_like(g, ins[0])
    return (back,) if len(ins) == 1 else (back, None)


defvjp(reshape_p, _reshape_vjp)
defvjp(reshape_dynamic_p, _reshape_vjp)


def _transpose_vjp(g: Any, ins: tuple, out: Any, perm: tuple) -> tuple:
    inverse = [0] * len(perm)
    for i, p in enumerate(perm):
        inverse[p] = i
    return (bind(transpose_p, g, perm=tuple(inverse)),)


defvjp(transpose_p, _transpose_vjp)
# The cotangent has the broadcast shape; the tape sums it back to the input's shape.
defvjp(broadcast_to_p, lambda g, ins, out, shape: (g,))
defvjp(broadcast_to_dynamic_p, lambda g, ins, out, dims: (g, None))


def _concat_vjp(g: Any, ins: tuple, out: Any, axis: int) -> tuple:
    if len(ins) == 1:
        return (g,)
    sizes = tuple(x.shape[axis] for x in ins)
    if None in sizes:  # read at run time
        return tuple(bind(split_like_p, g, *ins, axis=axis))
    return tuple(bind(split_p, g, sizes=sizes, axis=axis))


defvjp(concat_p, _concat_vjp)


def _split_vjp(gs: tuple, ins: tuple, outs: tuple, sizes: Any, axis: int) -> tuple:
    parts = _pieces(gs, outs)
    return (parts[0] if len(parts) == 1 else bind(concat_p, *parts, axis=axis),)


defvjp(split_p, _split_vjp)


def _split_like_vjp(gs: tuple, ins: tuple, outs: tuple, axis: int) -> tuple:
    parts = _pieces(gs, outs)
    whole = parts[0] if len(parts) == 1 else bind(concat_p, *parts, axis=axis)
    return (whole,) + (None,) * (len(ins) - 1)


defvjp(split_like_p, _split_like_vjp)


def _pad_vjp(g: Any, ins: tuple, out: Any, paddings: tuple, mode: str,
             constant_values: Any) -> tuple:
    if not any(a or b for a, b in paddings):
        return (g,)
    if mode == "CONSTANT":
        return (getitem(g, tuple(slice(a, -b or None) for a, b in paddings)),)
    for ax, (a, b) in enumerate(paddings):
        if a or b:
            g = _fold_mirror(g, ax, a, b, mode == "REFLECT")
    return (g,)


defvjp(pad_p, _pad_vjp)


def _tile_vjp(g: Any, ins: tuple, out: Any, multiples: tuple) -> tuple:
    from . import reduce_ops  # cycle: reduce_ops -> shape_ops -> this
    x = ins[0]
    parts, axes = [], []
    for i, m in enumerate(multiples):
        if m != 1:
            axes.append(len(parts))
            parts.append(m)
        parts.append(dim_of(x, i))
    if not axes:
        return (g,)
    return (reduce_ops.reduce_sum(reshape_parts(g, parts), axis=axes),)


defvjp(tile_p, _tile_vjp)
defvjp(reverse_p, lambda g, ins, out, axis: (bind(reverse_p, g, axis=axis),))
no_gradient(range_p)

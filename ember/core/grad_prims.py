"""The primitives the backward walk binds itself, declared in core so the tape needs
nothing from the op library above it.

- `add`: cotangents reaching one tensor by several paths are summed. (The op library's
  `tf.add` binds this same primitive.)
- `sum_to_like(g, like)`: a cotangent of a broadcast shape summed back to the shape of
  `like` (the one place a broadcast is undone), decided by the run-time shapes: inside
  `ember.function` a dim may be None and turn out to be 1.
- `sum_to(g, shape=...)`: the same for a shape known when the gradient is built, so a
  graph need not keep the forward tensor alive just for its shape.
- `fill_like(x, value=...)`: `value` in the shape and dtype of `x` (a read-only view): the
  ones seed of `gradient` and the zeros of unconnected sources.

Each has its rule, kernel (looked up in the backend) and VJP here, side by side.

Example:
    >>> import ember as tf
    >>> from ember.core.grad_prims import sum_to_like
    >>> sum_to_like(tf.ones([3, 2]), tf.zeros([1, 2])).numpy()
    array([[3., 3.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import rules
from .dtypes import NP_ALL, NP_ARITH
from .errors import ShapeError
from .registry import bind, bind2, defvjp, primitive
from .shape import TensorSpec
from .tensor import wrap

# -- add ------------------------------------------------------------------------------
add_p = primitive("add", rules.binary("add"), allowed=NP_ARITH,
                  same_dtype=True, elementwise=True)
defvjp(add_p, lambda g, ins, out: (g, g))


def add(x: Any, y: Any) -> Any:
    """`x + y` of two tensors of one dtype (no conversion: the walk's accumulation)."""
    return bind2(add_p, x, y)


# -- sum_to_like: undoing a broadcast at run time --------------------------------------
def _sum_to_like_rule(g: TensorSpec, like: TensorSpec) -> TensorSpec:
    if g.shape.rank is not None and like.shape.rank is not None and \
            like.shape.rank > g.shape.rank:
        raise ShapeError(f"sum_to_like: {rules.describe(g)} can't be summed to the higher "
                         f"rank of {rules.describe(like)}.")
    return TensorSpec(like.shape, g.dtype)


sum_to_like_p = primitive("sum_to_like", _sum_to_like_rule, check="rule")
# d/dg: the cotangent broadcast back up to g's shape
defvjp(sum_to_like_p, lambda gg, ins, out: (add(gg, fill_like(ins[0], 0)), None))


def sum_to_like(g: Any, like: Any) -> Any:
    """`g` summed down to the shape of `like` (undoing a broadcast), decided at run time.

    Example:
        >>> import ember as tf
        >>> sum_to_like(tf.ones([2, 3]), tf.zeros([3])).numpy()
        array([2., 2., 2.], dtype=float32)
    """
    return bind(sum_to_like_p, g, like)


# -- sum_to: undoing a broadcast to a known shape ---------------------------------------
def _sum_to_rule(g: TensorSpec, shape: tuple) -> TensorSpec:
    if g.shape.rank is not None and len(shape) > g.shape.rank:
        raise ShapeError(f"sum_to: {rules.describe(g)} can't be summed to the higher rank "
                         f"shape {list(shape)}.")
    return TensorSpec(shape, g.dtype)


sum_to_p = primitive("sum_to", _sum_to_rule, check="rule")
# d/dg: the cotangent broadcast back up to g's shape
defvjp(sum_to_p, lambda gg, ins, out, shape: (add(gg, fill_like(ins[0], 0)),))


def sum_to(g: Any, shape: tuple) -> Any:
    """`g` summed down to the static `shape` (undoing a broadcast).

    Example:
        >>> import ember as tf
        >>> sum_to(tf.ones([2, 3]), (1, 3)).numpy()
        array([[2., 2., 2.]], dtype=float32)
    """
    return bind(sum_to_p, g, shape=tuple(shape))


# -- fill_like: seeds ------------------------------------------------------------------
def _fill_like_rule(x: TensorSpec, value: Any) -> TensorSpec:
    return TensorSpec(x.shape, x.dtype)


fill_like_p = primitive("fill_like", _fill_like_rule, allowed=NP_ALL)
defvjp(fill_like_p, lambda g, ins, out, value: (None,))


def fill_like(x: Any, value: Any) -> Any:
    """`value` in the shape and dtype of `x` (ones_like / zeros_like of the walk).

    NOTE: where x's shape is fully known (also while tracing), the result is a constant,
    not an equation: a graph's gradient then starts from a constant seed, and the ops
    that use it (a reduce_mean's spread of it, say) fold when the graph is planned.

    Example:
        >>> import ember as tf
        >>> fill_like(tf.zeros([2], tf.int32), 1).numpy()
        array([1, 1], dtype=int32)
    """
    shape = x.shape
    if shape.is_fully_defined():
        dt = x.dtype._numpy()
        return wrap(np.broadcast_to(np.asarray(value, dtype=dt), tuple(shape)))
    return bind(fill_like_p, x, value=value)

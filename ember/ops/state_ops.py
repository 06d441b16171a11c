"""Variable updates inside ops: `assign_traced_slice` (`v[key].assign(value)` inside
ember.function, a pure update), and `fused_update`, the op optimizers use to update groups
of Variables in place (declared with its effect primitive in `ember/prims/effects.py`,
re-exported here).

Example:
    >>> import ember as tf
    >>> from ember.ops.state_ops import fused_update
    >>> w = tf.Variable([1.0, 2.0])
    >>> def sgd(g, p, lr):
    ...     p -= lr * g
    >>> _ = fused_update(sgd, [(w,)], [tf.constant([1.0, 1.0])], [tf.constant(0.5)])
    >>> w.numpy()
    array([0.5, 1.5], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ..core.context import CTX
from ..core.errors import DTypeError
from ..core.registry import bind
from ..prims.convert import convert_to_tensor
from ..prims.effects import fused_update  # noqa: F401 - re-exported (optimizers use it)
from ..prims.index import _normalize, strided_slice_grad_p
from . import math_ops, shape_ops


def assign_traced_slice(v: Any, key: Any, sl: Any, value: Any) -> None:
    """`v[key].assign(value)` inside ember.function (`sl` is the traced slice): the update
    new = where(slice mask, value placed at the slice, current value), a pure one.

    Example:
        >>> import ember as tf
        >>> v = tf.Variable([1.0, 2.0, 3.0])
        >>> @tf.function
        ... def f():
        ...     v[1:].assign([20.0, 30.0])
        >>> f(); v.numpy()
        array([ 1., 20., 30.], dtype=float32)
    """
    cur = CTX.traces[-1].read(v)
    if not hasattr(value, "dtype") or not hasattr(value, "shape"):
        value = convert_to_tensor(value, dtype=v.dtype)
    if value.dtype != v.dtype:
        raise DTypeError(f"Variable {v.name!r}[...].assign: value has dtype "
                         f"{value.dtype.name} but the variable is {v.dtype.name}.")
    index = _normalize(key)
    place = strided_slice_grad_p  # writes into zeros shaped as cur
    slot = shape_ops.shape(sl)  # a constant, or read at run time when dims are unknown
    placed = bind(place, shape_ops.broadcast_to(value, slot), cur, index=index)
    one = convert_to_tensor(1, dtype=v.dtype) if not v.dtype.is_bool else \
        convert_to_tensor(True)
    mask = bind(place, shape_ops.broadcast_to(one, slot), cur, index=index)
    new = math_ops.where(math_ops.not_equal(mask, False if v.dtype.is_bool else 0),
                         placed, cur)
    v._traced(new, "assign (sliced)", None)

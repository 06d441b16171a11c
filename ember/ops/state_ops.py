"""`fused_update`: one op that updates groups of Variables in place (optimizers use it).

An optimizer step touches every trainable weight and its slots (Adam: the weight, `m`,
`v`) with a dozen elementwise operations each. Written as ordinary ops, each step allocates
a fresh buffer per operation and per Variable; on a CPU that allocation costs more than
the arithmetic. `fused_update` instead runs a NumPy function that writes into the
Variables' own buffers (`np.subtract(p, t, out=p)` ...), as one primitive:

- Eagerly it runs at once. In `ember.function` it is an *effect* equation: the plan keeps
  it even though no output uses it, and runs it where the trace put it (after the
  gradients that feed it). Later reads of the Variables in the same trace see the new
  values.
- Copy on write: a Tensor that shares a Variable's buffer (from `v.value()`,
  `np.asarray(v)`, a reshape of `v`, a recording tape ...) must keep its value, as Tensors
  are immutable. Any such alias holds a reference to the buffer, so before writing, the
  kernel checks the buffer's reference count; if anything besides the Variable holds it,
  the Variable gets a private copy first and the alias keeps the old values.

Example:
    >>> import numpy as np
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

import sys
from typing import Any, Callable, Sequence

import numpy as np

from ..core.context import CTX
from ..core.errors import DTypeError, ShapeError
from ..core.registry import bind, no_gradient, primitive
from ..core.shape import TensorShape, TensorSpec
from ..core.variable import Variable
from ..prims.convert import convert_to_tensor
from ..prims.index import _normalize, strided_slice_grad_p
from . import math_ops, shape_ops

_refcount = sys.getrefcount


def _own(v: Variable) -> np.ndarray:
    """The Variable's buffer, made private (and C-contiguous) first if anything else
    references it."""
    a = v._value
    if _refcount(a) > _EXCLUSIVE or not a.flags.writeable or not a.flags.c_contiguous:
        a = v._value = np.array(a, copy=True, order="C")
    return a


def _calibrate() -> int:
    """The reference count `_own` sees for a buffer only its Variable holds (CPython
    counts differ between versions, so it is measured, with the same code path)."""
    v = Variable(np.zeros(2, np.float32))
    a = v._value
    n = _refcount(a)
    del a
    return n


_EXCLUSIVE = _calibrate()


def _rule(*specs: TensorSpec, fn: Callable, groups: tuple, n_shared: int) -> tuple:
    per = specs[:len(specs) - n_shared]
    if len(per) % len(groups):
        raise ValueError(f"fused_update: {len(per)} per-group tensors do not divide among "
                         f"{len(groups)} groups of variables.")
    return tuple(TensorSpec(v._shape if v._shape is not None else v._value.shape, v.dtype)
                 for vs in groups for v in vs)


def _kernel(*values: Any, fn: Callable, groups: tuple, n_shared: int) -> tuple:
    shared = values[len(values) - n_shared:]
    per = values[:len(values) - n_shared]
    k = len(per) // len(groups)
    for i, vs in enumerate(groups):
        fn(*per[i * k:(i + 1) * k], *[_own(v) for v in vs], *shared)
    return tuple(v._value for vs in groups for v in vs)


fused_update_p = primitive("fused_update", _rule, kernel=_kernel, effect=True,
                           multiple_results=True)
no_gradient(fused_update_p)


def fused_update(fn: Callable, groups: Sequence[Sequence[Variable]], per_group: Sequence[Any],
                 shared: Sequence[Any] = ()) -> tuple:
    """Runs `fn(*group_tensors, *group_buffers, *shared)` once per group of Variables,
    where `fn` updates the buffers in place with NumPy.

    Args:
        fn: a NumPy function; it must write its results into the buffers it receives.
        groups: per group, the Variables it updates (e.g. `(weight, m, v)`).
        per_group: tensors for the groups in order, the same number for each (e.g. one
            gradient per group); each must match its group's first Variable in shape and
            dtype.
        shared: tensors every call receives (e.g. the step's learning rate), as 0-d or
            broadcastable arrays.

    Returns:
        The new values of every Variable, group by group.
    """
    groups = tuple(tuple(vs) for vs in groups)
    if not groups:
        return ()
    per = [convert_to_tensor(t) for t in per_group]
    k, rem = divmod(len(per), len(groups))
    if rem:
        raise ValueError(f"fused_update: {len(per)} per-group tensors for {len(groups)} "
                         f"groups; pass the same number for each group.")
    for i, vs in enumerate(groups):
        ref = vs[0]
        for t in per[i * k:(i + 1) * k]:
            if t.dtype != ref.dtype:
                raise DTypeError(f"fused_update: a tensor for variable {ref.name!r} is "
                                 f"{t.dtype.name}, the variable is {ref.dtype.name}.")
            declared = ref._shape if ref._shape is not None else TensorShape(ref.shape)
            if not declared.is_compatible_with(t.shape) or len(t.shape) != len(declared):
                raise ShapeError(f"fused_update: a tensor of shape {t.shape} for variable "
                                 f"{ref.name!r} of shape {declared}.")
    if CTX.traces:
        pending = [v.name for vs in groups for v in vs
                   if id(v) in CTX.traces[-1]._assigned]
        if pending:
            raise NotImplementedError(
                f"fused_update: variable(s) {pending} were assigned earlier in this "
                f"ember.function; an in-place update can't start from a pending "
                f"assignment. Apply the optimizer before assigning them, or assign in a "
                f"separate function call.")
    shared = [convert_to_tensor(t) for t in shared]
    outs = bind(fused_update_p, *per, *shared, fn=fn, groups=groups, n_shared=len(shared))
    if CTX.traces:
        trace = CTX.traces[-1]
        flat = [v for vs in groups for v in vs]
        for v, o in zip(flat, outs):
            trace.effect_assign(v, o)
    return outs


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

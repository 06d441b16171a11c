"""The run-time side of AutoGraph: what converted code calls as `ag__.<name>`.

Each operator looks at its condition or iterable when the converted code runs (at trace
time): on Python values (and concrete tensors) it does what Python does; on symbolic
tensors of `ember.function` it builds `ember.cond` / `ember.while_loop`. The converted
code hands over its variables through `get_state()` / `set_state(values)` closures, so a
branch or loop body can run as a traced function of them.

Example:
    >>> from ember.autograph import operators as ag
    >>> ag.and_(True, lambda: 3), ag.not_(0), ag.if_exp(False, lambda: 1, lambda: 2)
    (3, True, 2)
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..core import nest
from ..core.tensor import TensorOps
from ..ops import math_ops as m
from ..ops.control_flow import cond
from ..prims.convert import convert_to_tensor
from .loops import TensorRange, for_stmt, range_, while_stmt
from .special import (PENDING, AutoGraphError, Undefined, UndefinedReturnValue,  # noqa: F401
                      _as_bool, _check_try, _is_number, _spec_text, _symbolic, _tensorish,
                      _undefined, _where, _zeros_like, ld, retval)

__all__ = ["Undefined", "UndefinedReturnValue", "ld", "retval", "if_stmt", "while_stmt",
           "for_stmt", "and_", "or_", "not_", "if_exp", "range_", "converted_call",
           "AutoGraphError", "TensorRange"]


# -- if ------------------------------------------------------------------------------

def if_stmt(pred: Any, body: Callable, orelse: Callable, get_state: Callable,
            set_state: Callable, names: Sequence[str], opts: dict) -> None:
    """`if pred: body() else: orelse()`; a symbolic `pred` becomes `ember.cond` whose
    outputs are the variables `names` (assigned in a branch and used afterwards)."""
    if not _symbolic(pred):
        if pred:
            body()
        else:
            orelse()
        return
    _check_try(opts, "An `if`")
    init = get_state()
    first: list = []

    def branch(fn: Callable, k: int) -> Callable:
        def run() -> list:
            set_state(init)
            fn()
            vals = list(get_state())
            if k == 0:
                first[:] = vals
                # NOTE: cond converts the branches' results after tracing both, so the else
                # branch may still patch this list (see _merge_branches).
                return first
            return _merge_branches(first, vals, names, opts)
        return run

    out = cond(pred, branch(body, 0), branch(orelse, 1))
    set_state([o.value if type(o) is _Keep else o for o in out] if names else ())


class _Keep:
    """A value both branches agree on (the same Python object): not a cond output."""

    def __init__(self, value: Any):
        self.value = value

    def _nest_components(self) -> list:
        return []

    def _nest_rebuild(self, components: list) -> "_Keep":
        return self


nest.register_composite(_Keep)


def _merge_branches(a: list, b: list, names: Sequence[str], opts: dict) -> list:
    """Checks the two branches' values of each output (names the variable on a mismatch)
    and makes them alike: Python numbers take the other branch's tensor dtype. `a` (the
    list the if branch returned, not yet converted by cond) is patched in place."""
    branch = ("if", "else")
    for i, name in enumerate(names):
        x, y = a[i], b[i]
        if x is y:
            a[i] = b[i] = _Keep(x)
            continue
        ux, uy = _undefined(x), _undefined(y)
        if ux and uy:
            a[i] = b[i] = _Keep(x)
            continue
        if ux or uy:
            miss = branch[0] if ux else branch[1]
            if type(x if ux else y) is UndefinedReturnValue and opts.get("loop") and (
                    _tensorish(y if ux else x)):
                # inside a loop the flag `do_return` guards it: a dummy of the same type
                if ux:
                    a[i] = x = _zeros_like(y, numpy=True)
                else:
                    b[i] = y = _zeros_like(x, numpy=False)
            elif type(x if ux else y) is UndefinedReturnValue:
                raise AutoGraphError(
                    f"A value must also be returned from the {miss} branch of the `if` on a "
                    f"tensor{_where(opts)}. If a value is returned from one branch of a "
                    f"conditional, a value must be returned from all branches.")
            else:
                raise AutoGraphError(
                    f"{name!r} must also be initialized in the {miss} branch of the `if` on a "
                    f"tensor{_where(opts)}: it is used after the `if`, so both branches "
                    f"must give it a value. Assign it before the `if` or in both branches.")
        tx, ty = _tensorish(x), _tensorish(y)
        if not tx or not ty:
            if not tx and not ty and (x == y if not isinstance(x, TensorOps) else False):
                a[i] = b[i] = _Keep(x)
                continue
            raise AutoGraphError(
                f"{name!r} is {_spec_text(x)} in the if branch and {_spec_text(y)} in the "
                f"else branch of the `if` on a tensor{_where(opts)}: a tensor condition can "
                f"only choose between tensors. Give it a tensor value in both branches.")
        if type(x) is type(y) and _is_number(x) and not isinstance(x, np.ndarray) and x == y:
            a[i] = b[i] = _Keep(x)
            continue
        if isinstance(x, TensorOps) and _is_number(y):
            b[i] = y = convert_to_tensor(y, dtype=x.dtype)
        elif isinstance(y, TensorOps) and _is_number(x):
            a[i] = x = np.asarray(x, dtype=y.dtype.as_numpy_dtype)
        fx, fy = nest.flatten(x), nest.flatten(y)
        if len(fx) != len(fy):
            raise AutoGraphError(f"{name!r} has a different structure in the two branches "
                                 f"of the `if` on a tensor{_where(opts)}: {x!r} vs {y!r}.")
        for p, q in zip(fx, fy):
            dp = p.dtype if isinstance(p, TensorOps) else None
            dq = q.dtype if isinstance(q, TensorOps) else None
            if dp is not None and dq is not None and dp != dq:
                raise AutoGraphError(
                    f"{name!r} is {dp.name} in the if branch but {dq.name} in the else branch "
                    f"of the `if` on a tensor{_where(opts)}; both branches must give it one "
                    f"dtype. Cast one of them, e.g. ember.cast({name}, ember.{dp.name}).")
    return b


def if_exp(pred: Any, true_fn: Callable, false_fn: Callable) -> Any:
    """`true_fn() if pred else false_fn()`; `ember.cond` on a symbolic `pred`."""
    if _symbolic(pred):
        return cond(pred, true_fn, false_fn)
    return true_fn() if pred else false_fn()


# -- logical operators --------------------------------------------------------------

def and_(first: Any, *rest: Callable) -> Any:
    """Python's `and`: lazy; on a symbolic operand, `ember.cond` keeps it lazy."""
    value = first
    for i, fn in enumerate(rest):
        if _symbolic(value):
            tail = rest[i:]
            v = value
            return cond(_as_bool(v), lambda: _as_bool(and_(tail[0](), *tail[1:])),
                        lambda: _as_bool(v))
        if not value:
            return value
        value = fn()
    return value


def or_(first: Any, *rest: Callable) -> Any:
    """Python's `or`: lazy; on a symbolic operand, `ember.cond` keeps it lazy."""
    value = first
    for i, fn in enumerate(rest):
        if _symbolic(value):
            tail = rest[i:]
            v = value
            return cond(_as_bool(v), lambda: _as_bool(v),
                        lambda: _as_bool(or_(tail[0](), *tail[1:])))
        if value:
            return value
        value = fn()
    return value


def not_(x: Any) -> Any:
    """Python's `not`; `ember.logical_not` on a symbolic tensor."""
    if _symbolic(x):
        return m.logical_not(_as_bool(x))
    return not x


def converted_call(f: Any, args: tuple, kwargs: dict | None) -> Any:
    """Calls `f`, converted first when it is user code (recursive conversion)."""
    from .conversion import maybe_convert  # cycle: conversion imports this module
    return maybe_convert(f)(*args, **(kwargs or {}))

"""The values and checks AutoGraph's run time shares: undefined variables, what counts as
a tensor-valued state, and its error type.

Example:
    >>> from ember.autograph.special import Undefined, ld
    >>> try:
    ...     ld(Undefined("y"))
    ... except UnboundLocalError as e:
    ...     print(e)
    local variable 'y' referenced before assignment
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import nest
from ..core.graph import Tracer
from ..core.tensor import TensorOps
from ..ops import math_ops as m
from ..prims.convert import convert_to_tensor


class AutoGraphError(ValueError):
    """Code AutoGraph can't turn into graph control flow; the message names the line and
    the rewrite to use."""


class Undefined:
    """The value of a variable that has not been assigned yet (converted code defines every
    variable its control flow assigns; reading an Undefined one raises Python's error)."""

    __slots__ = ("name", "why")

    def __init__(self, name: str, why: str = ""):
        self.name = name
        self.why = why

    def __repr__(self) -> str:
        return f"<undefined {self.name}>"

    def error(self) -> UnboundLocalError:
        return UnboundLocalError(f"local variable {self.name!r} referenced before "
                                 f"assignment{self.why}")

    def __bool__(self) -> bool:
        raise self.error()

    def __getattr__(self, attr: str) -> Any:
        raise self.error()


class UndefinedReturnValue:
    """`retval_` before a converted `return` ran; the function returns None then."""

    def __repr__(self) -> str:
        return "<no return value>"


def ld(value: Any) -> Any:
    """A read of a variable that converted control flow may have left undefined."""
    if type(value) is Undefined:
        raise value.error()
    return value


def retval(value: Any) -> Any:
    return None if type(value) is UndefinedReturnValue else value


def _symbolic(x: Any) -> bool:
    return isinstance(x, Tracer)


def _undefined(v: Any) -> bool:
    return type(v) is Undefined or type(v) is UndefinedReturnValue


def _is_number(v: Any) -> bool:
    return isinstance(v, (bool, int, float, np.generic, np.ndarray)) and not isinstance(
        v, str)


def _tensorish(v: Any) -> bool:
    """Whether a state value is carried as tensors by cond / while_loop."""
    if isinstance(v, TensorOps) or _is_number(v):
        return True
    if v is None or isinstance(v, (str, bytes)) or callable(v):
        return False
    leaves = nest.flatten(v)
    return bool(leaves) and all(isinstance(x, TensorOps) or _is_number(x) for x in leaves)


def _where(opts: dict) -> str:
    return f" (line {opts.get('line', '?')} of {opts.get('file', '?')})"


# Errors raised inside a user's `try` (which may catch them): ember.function re-raises
# them once the traced function returns.
PENDING: list = []


def _check_try(opts: dict, what: str) -> None:
    if opts.get("try"):
        PENDING.append(AutoGraphError(
            f"{what} on a tensor{_where(opts)} sits inside the `try` at line {opts['try']}: "
            f"errors of a graph happen when it runs, after the try/except is gone, so "
            f"AutoGraph can't convert it. Move the try/except outside the ember.function, "
            f"or check values with ember.debugging.assert_* inside it."))
        raise PENDING[-1]


def _spec_text(v: Any) -> str:
    if isinstance(v, TensorOps):
        return f"a {v.dtype.name} tensor of shape {v.shape}"
    return f"the Python value {v!r}"


def _zeros_like(v: Any, numpy: bool) -> Any:
    """Zeros with v's structure and dtypes (unknown dims 0): a placeholder value."""
    def z(t: Any) -> Any:
        if not isinstance(t, TensorOps):
            return type(t)(0) if isinstance(t, (bool, int, float)) else np.zeros_like(t)
        arr = np.zeros([d if d is not None else 0 for d in t.shape], t.dtype.as_numpy_dtype)
        return arr if numpy else convert_to_tensor(arr)
    return nest.map_structure(z, v)


def _as_bool(x: Any) -> Any:
    x = convert_to_tensor(x) if not isinstance(x, TensorOps) else x
    return x if x.dtype.name == "bool" else m.not_equal(x, 0)

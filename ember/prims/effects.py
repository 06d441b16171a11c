"""The effect primitives, whose kernels act outside the dataflow: `debug_check` (raise
unless a condition holds), `debug_print` (write to a stream), `py_func` (call a user's
Python function) and `fused_update` (update Variables' buffers in place); their rules and
kernels (none has a gradient), and the ops that bind them: `enforce` and `fused_update`.

Eagerly an effect runs at once. Inside `ember.function` it is an *effect* equation: the
plan keeps it even though no output uses it, and runs it where the trace put it. The
public ops over them (`tf.debugging.*`, `tf.print`, `tf.py_function`) are in
`ops/debug_ops.py` and `ops/py_ops.py`.

Example:
    >>> import numpy as np
    >>> import ember as tf
    >>> from ember.prims.effects import enforce, format_tensor
    >>> format_tensor(np.arange(10))
    '[0 1 2 ... 7 8 9]'
    >>> try:
    ...     enforce(tf.constant([True, False]), lambda c: "not all true")
    ... except tf.errors.InvalidArgumentError as e:
    ...     str(e)
    'not all true'
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Sequence

import numpy as np

from ..core.context import CTX
from ..core.dtypes import as_dtype
from ..core.dtypes import bool as bool_
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.registry import bind, no_gradient, primitive
from ..core.shape import TensorShape, TensorSpec
from ..core.tensor import ConcreteTensor, TensorOps, wrap
from ..core.variable import Variable
from .convert import as_tensor, convert_to_tensor

# -- debug_check and debug_print ------------------------------------------------------------


def _check_rule(cond: TensorSpec, *data: TensorSpec, explain: Any) -> TensorSpec:
    return TensorSpec((), bool_)


def _check_kernel(cond: np.ndarray, *data: np.ndarray, explain: Any) -> np.ndarray:
    """Raises `InvalidArgumentError(explain(cond, *data))` unless every entry of cond holds
    (or the exception `explain` returns, for a check with another error class)."""
    if not np.all(cond):
        err = explain(np.asarray(cond), *map(np.asarray, data))
        raise err if isinstance(err, Exception) else InvalidArgumentError(err)
    return np.bool_(True)


def _print_rule(*values: TensorSpec, template: Any, stream: Any, sep: str, end: str,
                summarize: int) -> TensorSpec:
    return TensorSpec((), bool_)


def _print_kernel(*values: np.ndarray, template: Any, stream: Any, sep: str, end: str,
                  summarize: int) -> np.ndarray:
    write(stream, render(template, list(values), summarize, sep, end))
    return np.bool_(True)


check_p = primitive("debug_check", _check_rule, kernel=_check_kernel, effect=True)
print_p = primitive("debug_print", _print_rule, kernel=_print_kernel, effect=True)
no_gradient(check_p, print_p)


def value_now(t: Any) -> np.ndarray | None:
    """The value of `t` if known now (eager, or computed from constants while tracing)."""
    return t._value if isinstance(t, ConcreteTensor) else None


def enforce(cond: Any, explain: Any, data: tuple = ()) -> None:
    """Raises `InvalidArgumentError(explain(cond, *data))` where `cond` has a False entry:
    now if the values are known, else each time the traced function runs. `explain` gets
    NumPy arrays and returns the message, or the exception to raise (another class)."""
    cond = as_tensor(cond)
    c = value_now(cond)
    if c is not None and np.all(c):
        return None  # holds (also while tracing: nothing to check at run time)
    values = [value_now(t) for t in data]
    if c is not None and all(v is not None for v in values):
        _check_kernel(c, *values, explain=explain)
    bind(check_p, cond, *data, explain=explain)
    return None


# -- what debug_print writes ----------------------------------------------------------------

class Leaf:
    """The place of a tensor in `print`'s template."""

    __slots__ = ("i",)

    def __init__(self, i: int):
        self.i = i


def _scalar_str(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (bytes, np.bytes_)):
        return '"' + v.decode(errors="replace") + '"'
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, np.floating):
        # NOTE: TF's float printing: the shortest of %.6g / %.9g (float64: %.15g / %.17g)
        # that reads back as the same value.
        short, full = (15, 17) if v.dtype == np.float64 else (6, 9)
        text = f"{float(v):.{short}g}"
        return text if type(v)(text) == v or v != v else f"{float(v):.{full}g}"
    return str(v)


def format_tensor(a: np.ndarray, summarize: int = 3, depth: int = 0) -> str:
    """`a` as tf.print shows it: `[1 2 ... 9]`, nested rows on new lines, at most
    `summarize` entries at each end of an axis (-1: all).

    Example:
        >>> import numpy as np
        >>> from ember.prims.effects import format_tensor
        >>> format_tensor(np.arange(10))
        '[0 1 2 ... 7 8 9]'
    """
    if a.ndim == 0:
        v = a[()]
        if depth == 0 and isinstance(v, bytes):  # a string scalar prints bare, as TF
            return v.decode(errors="replace")
        return _scalar_str(v)
    n = a.shape[0]
    if 0 <= summarize and n > 2 * summarize:
        idx = [*range(summarize), None, *range(n - summarize, n)]
    else:
        idx = list(range(n))
    parts = ["..." if i is None else format_tensor(a[i, ...], summarize, depth + 1)
             for i in idx]
    sep = " " if a.ndim == 1 else "\n" + " " * (depth + 1)
    return "[" + sep.join(parts) + "]"


def render(template: Any, values: list, summarize: int, sep: str, end: str) -> str:
    """The text of a print: the template's Python values, and its `Leaf`s as the
    tensors' values (`values`)."""
    def show(t: Any, top: bool) -> str:
        if isinstance(t, Leaf):
            return format_tensor(np.asarray(values[t.i]), summarize)
        if isinstance(t, str):
            return t if top else repr(t)
        if isinstance(t, list):
            return "[" + ", ".join(show(v, False) for v in t) + "]"
        if isinstance(t, tuple):
            return "(" + ", ".join(show(v, False) for v in t) + ("," if len(t) == 1 else "") + ")"
        if isinstance(t, dict):
            return "{" + ", ".join(f"{k!r}: {show(v, False)}" for k, v in t.items()) + "}"
        return str(t)
    return sep.join(show(t, True) for t in template) + end


def write(stream: Any, text: str) -> None:
    """Writes `text` to a stream (flushed) or to a 'file://<path>' (appended)."""
    if isinstance(stream, str):
        if not stream.startswith("file://"):
            raise ValueError(f"print: output_stream must be sys.stdout, sys.stderr, a file "
                             f"object or 'file://<path>', received {stream!r}.")
        with open(stream[len("file://"):], "a", encoding="utf-8") as f:
            f.write(text)
        return
    stream.write(text)
    flush = getattr(stream, "flush", None)
    if flush is not None:
        flush()


# -- py_func --------------------------------------------------------------------------------

def _py_rule(*specs: TensorSpec, func: Callable, out_specs: tuple, single: bool,
             who: str) -> tuple:
    return out_specs


def _py_kernel(*values: np.ndarray, func: Callable, out_specs: tuple, single: bool,
               who: str) -> tuple:
    return tuple(a._value for a in py_outputs(who, func(*values), out_specs, single))


def py_outputs(who: str, out: Any, specs: tuple, single: bool) -> list:
    """The function's results as Tensors of `Tout`: Python numbers take Tout's dtype; an
    array or tensor of another dtype is an error, as in TF."""
    outs = [out] if single else list(out if isinstance(out, (list, tuple)) else [out])
    if len(outs) != len(specs):
        raise InvalidArgumentError(f"{who}: the function returned {len(outs)} value(s), "
                                   f"Tout lists {len(specs)}.")
    res = []
    for k, (o, spec) in enumerate(zip(outs, specs)):
        if isinstance(o, (TensorOps, np.ndarray, np.generic)):
            dt = o.dtype if isinstance(o, TensorOps) else as_dtype(np.asarray(o).dtype)
            if dt != spec.dtype:
                raise InvalidArgumentError(
                    f"{who}: output {k} is {dt.name}, but Tout says {spec.dtype.name}; "
                    f"return it as {spec.dtype.name} (e.g. arr.astype(np.{spec.dtype.name})) "
                    f"or change Tout.")
            t = as_tensor(o) if isinstance(o, TensorOps) else wrap(np.asarray(o))
        else:
            t = convert_to_tensor(o, dtype=spec.dtype)
        if not TensorShape(spec.shape).is_compatible_with(tuple(t.shape)):
            raise InvalidArgumentError(f"{who}: output {k} has shape {tuple(t.shape)}, but "
                                       f"Tout says {spec.shape}.")
        res.append(t)
    return res


pyfunc_p = primitive("py_func", _py_rule, kernel=_py_kernel, multiple_results=True,
                     effect=True)
no_gradient(pyfunc_p)


# -- fused_update ---------------------------------------------------------------------------
# An optimizer step touches every trainable weight and its slots (Adam: the weight, `m`,
# `v`) with a dozen elementwise operations each. Written as ordinary ops, each step
# allocates a fresh buffer per operation and per Variable; on a CPU that allocation costs
# more than the arithmetic. `fused_update` instead runs a NumPy function that writes into
# the Variables' own buffers (`np.subtract(p, t, out=p)` ...), as one primitive. In
# `ember.function` it runs after the gradients that feed it, and later reads of the
# Variables in the same trace see the new values.
#
# Copy on write: a Tensor that shares a Variable's buffer (from `v.value()`,
# `np.asarray(v)`, a reshape of `v`, a recording tape ...) must keep its value, as Tensors
# are immutable. Any such alias holds a reference to the buffer, so before writing, the
# kernel checks the buffer's reference count; if anything besides the Variable holds it,
# the Variable gets a private copy first and the alias keeps the old values.

_refcount = sys.getrefcount


def _own(v: Variable) -> np.ndarray:
    """The Variable's buffer, made private (and C-contiguous) first if anything else
    references it."""
    a = v._value
    if type(a) is not np.ndarray:  # a device array (JAX backend): a host copy to write
        a = v._value = np.array(a, copy=True, order="C")
    elif _refcount(a) > _EXCLUSIVE or not a.flags.writeable or not a.flags.c_contiguous:
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


def _fused_rule(*specs: TensorSpec, fn: Callable, groups: tuple, n_shared: int) -> tuple:
    per = specs[:len(specs) - n_shared]
    if len(per) % len(groups):
        raise ValueError(f"fused_update: {len(per)} per-group tensors do not divide among "
                         f"{len(groups)} groups of variables.")
    return tuple(TensorSpec(v._shape if v._shape is not None else v._value.shape, v.dtype)
                 for vs in groups for v in vs)


def _fused_kernel(*values: Any, fn: Callable, groups: tuple, n_shared: int) -> tuple:
    shared = values[len(values) - n_shared:]
    per = values[:len(values) - n_shared]
    k = len(per) // len(groups)
    for i, vs in enumerate(groups):
        fn(*per[i * k:(i + 1) * k], *[_own(v) for v in vs], *shared)
    return tuple(v._value for vs in groups for v in vs)


fused_update_p = primitive("fused_update", _fused_rule, kernel=_fused_kernel, effect=True,
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

    Example:
        >>> import ember as tf
        >>> w = tf.Variable([1.0, 2.0])
        >>> def sgd(g, p, lr):
        ...     p -= lr * g
        >>> _ = fused_update(sgd, [(w,)], [tf.constant([1.0, 1.0])], [tf.constant(0.5)])
        >>> w.numpy()
        array([0.5, 1.5], dtype=float32)
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

"""The effect primitives that call Python, lowered for the JAX backend: `debug_print`
(tf.print), `debug_check` (tf.debugging asserts, tf.Assert, check_numerics) and `py_func`
(tf.py_function, tf.numpy_function). Importing this module registers their lowerings in
`HOST_CALLS`, which the JAX executor (`ember.core.xla`) consults.

Each equation becomes one `jax.experimental.io_callback(..., ordered=True)`: the compiled
function calls back to the host with the equation's input values and runs the primitive's
NumPy kernel there (`ember/prims/effects.py`), so a jitted function prints the same text,
raises the same error and calls the same Python function as on the NumPy backend, each
time it runs. All these callbacks share JAX's one ordered effect, so they run in the order
the trace put them (a print before a failing check prints; one after it doesn't), inside
`cond` / `while_loop` bodies too.

Errors: JAX reports an exception raised in a host callback as its own runtime error, with
the original only as text. So the callback keeps the original exception here under a key,
raises `HostCallError` (whose message names the key) into JAX, and `reraise_pending(exc)`,
called by `XlaPlan.call` on any failure of the compiled function, raises the original
again: the user sees the NumPy backend's exception class and message. The failed call
returns nothing, so no Variable takes a new value.

Limits: a `py_func` output needs a fully known shape under XLA (the callback's result is a
static buffer), and strings have no XLA type; both raise NotImplementedError while the
function is compiled, naming the NumPy backend as the way out.
NOTE: on a CPU a callback's failure reaches the caller when the compiled function is called
(tested). On a GPU execution is asynchronous, so it may surface only when a result is read
(untested here: the caller should wait for the results of a graph with host calls before
applying its updates). On a multi-device mesh the callbacks run on the first device only;
a failing check or py_func stops that device's program while the others wait in their
next all-reduce, and XLA aborts the process (seen with 4 forced host devices).

Example:
    >>> import sys, ember as tf
    >>> import ember.core.xla_effects  # doctest: +SKIP
    >>> @tf.function(jit_compile=True)
    ... def f(x):
    ...     tf.print("x =", x, output_stream=sys.stdout)
    ...     tf.debugging.assert_positive(x)
    ...     return tf.numpy_function(lambda a: a * 2, [x], tf.TensorSpec([2], tf.float32))
    >>> f(tf.constant([1.0, 2.0])).numpy()  # doctest: +SKIP
    x = [1 2]
    array([2., 4.], dtype=float32)
    >>> try:  # doctest: +SKIP
    ...     f(tf.constant([1.0, -2.0]))
    ... except tf.errors.InvalidArgumentError as e:
    ...     str(e).splitlines()[0]
    x = [1 -2]
    'Condition x > y did not hold.'
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from typing import Any, Callable

import numpy as np

from .errors import InvalidArgumentError

__all__ = ["HostCallError", "reraise_pending"]

# -- the side channel for exceptions raised on the host --------------------------------------

_PENDING: dict = {}  # key -> the exception a host call raised, until re-raised
_LOCK = threading.Lock()
_KEYS = itertools.count(1)
_KEEP = 32  # at most this many kept (a failure no caller re-raised must not pile up)
_TAG = re.compile(r"\[ember host call #(\d+)\]")


class HostCallError(RuntimeError):
    """What a failing host call raises into JAX: the original exception's text, and the key
    under which `reraise_pending` finds the exception itself."""

    def __init__(self, key: int, original: BaseException):
        super().__init__(f"[ember host call #{key}] {type(original).__name__}: {original}")
        self.key = key


def _keep(exc: BaseException) -> int:
    with _LOCK:
        key = next(_KEYS)
        _PENDING[key] = exc
        while len(_PENDING) > _KEEP:
            del _PENDING[next(iter(_PENDING))]  # the oldest
    return key


def reraise_pending(exc: BaseException) -> None:
    """Raises the exception a host call (print, check, py_function) raised, if `exc` (the
    failure of a compiled function, as JAX reports it) came from one; else returns.

    Example:
        >>> reraise_pending(RuntimeError("unrelated")) is None
        True
    """
    keys: list = []
    seen: set = set()
    e: Any = exc
    while e is not None and id(e) not in seen:  # exc, then what it was raised from
        seen.add(id(e))
        if isinstance(e, HostCallError):
            keys.append(e.key)
        keys.extend(int(k) for k in reversed(_TAG.findall(str(e))))
        e = e.__cause__ or e.__context__
    with _LOCK:
        original = next((_PENDING.pop(k) for k in keys if k in _PENDING), None)
    if original is None:
        return None
    original.__suppress_context__ = True  # not "during handling of JaxRuntimeError ..."
    raise original


class _QuietHostErrors(logging.Filter):
    """JAX logs the traceback of every exception a callback raises; the ones this module
    raises reach the caller as they are, so their log lines are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        info = record.exc_info
        return not (info and isinstance(info[1], HostCallError))


logging.getLogger("jax._src.callback").addFilter(_QuietHostErrors())


# -- the lowerings ------------------------------------------------------------------------------

def _host(kernel: Callable) -> Callable:
    """`kernel` as a host callback: an exception is kept and its key raised into JAX."""
    def call(*values: Any) -> Any:
        try:
            return kernel(*values)
        except Exception as exc:  # noqa: BLE001 - every error reaches the caller, as is
            raise HostCallError(_keep(exc), exc) from exc
    return call


def _io_callback(jax: Any, fn: Callable, result: Any, ins: list) -> Any:
    from jax.experimental import io_callback  # optional (ember[jax])
    return io_callback(fn, result, *ins, ordered=True)


def _who(eqn: Any) -> str:
    return eqn.label or eqn.prim.name


def _no_strings(eqn: Any, ins: list) -> None:
    for a in ins:
        dtype = getattr(a, "dtype", None)
        if dtype is not None and np.dtype(dtype).kind in "OSU":
            raise NotImplementedError(
                f"{_who(eqn)}: string tensors have no XLA type, so this {eqn.prim.name} "
                f"can't run in an XLA-compiled function. Run the function on the NumPy "
                f"backend (jit_compile=False).")


_TRUE = ((), np.bool_)  # the shape and dtype of a print's or a check's output


def _print(jax: Any, eqn: Any, ins: list) -> Any:
    params, kernel = eqn.params, eqn.prim.kernel  # the NumPy backend's kernel
    _no_strings(eqn, ins)

    def run(*values: Any) -> np.ndarray:
        return np.asarray(kernel(*[np.asarray(v) for v in values], **params))
    return _io_callback(jax, _host(run), jax.ShapeDtypeStruct(*_TRUE), ins)


def _check(jax: Any, eqn: Any, ins: list) -> Any:
    params, kernel = eqn.params, eqn.prim.kernel  # the NumPy backend's kernel
    _no_strings(eqn, ins)

    def run(*values: Any) -> np.ndarray:
        return np.asarray(kernel(*[np.asarray(v) for v in values], **params))
    return _io_callback(jax, _host(run), jax.ShapeDtypeStruct(*_TRUE), ins)


def _result_type(eqn: Any, k: int, spec: Any) -> tuple:
    """The static shape and NumPy dtype of output `k` (a clear error if XLA can't have
    it)."""
    who = eqn.params.get("who") or _who(eqn)
    shape = spec.shape
    if shape.rank is None or not shape.is_fully_defined():
        raise NotImplementedError(
            f"{who}: output {k} has shape {shape} in Tout; in an XLA-compiled function "
            f"(jit_compile=True, or the JAX backend) each output's shape must be fully "
            f"known, as XLA's buffers have static shapes: give every dim in the "
            f"TensorSpec (no None), or run the function on the NumPy backend "
            f"(jit_compile=False).")
    np_dtype = np.dtype(spec.dtype._numpy())
    if np_dtype.kind in "OSU":
        raise NotImplementedError(
            f"{who}: output {k} is a string tensor, which has no XLA type. Run the function "
            f"on the NumPy backend (jit_compile=False).")
    return tuple(int(d) for d in shape.as_list()), np_dtype


def _py_func(jax: Any, eqn: Any, ins: list) -> tuple:
    params, kernel = eqn.params, eqn.prim.kernel  # the NumPy backend's kernel
    who = params.get("who") or _who(eqn)
    _no_strings(eqn, ins)
    types = [_result_type(eqn, k, o.spec) for k, o in enumerate(eqn.outs)]

    def run(*values: Any) -> tuple:
        # copies: the function may write into its arguments, as it may on NumPy
        outs = kernel(*[np.array(v) for v in values], **params)
        res = []
        for k, (o, (shape, dtype)) in enumerate(zip(outs, types)):
            a = np.asarray(o)
            if a.shape != shape or a.dtype != dtype:  # py_outputs checked Tout already
                raise InvalidArgumentError(
                    f"{who}: output {k} is {a.dtype.name} of shape {a.shape}, but Tout "
                    f"says {dtype.name} of shape {shape}.")
            res.append(a)
        return tuple(res)
    result = tuple(jax.ShapeDtypeStruct(s, d) for s, d in types)
    return tuple(_io_callback(jax, _host(run), result, ins))


# The lowerings of the effect primitives that call Python, by primitive name:
# `fn(jax, eqn, inputs) -> outputs` (the JAX executor, core/xla.py, consults it).
HOST_CALLS = {"debug_print": _print, "debug_check": _check, "py_func": _py_func}

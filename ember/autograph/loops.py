"""AutoGraph's loops: `while_stmt` and `for_stmt`, run by converted code.

On Python values a loop is a Python loop (unrolled into the graph). Once the condition is
a symbolic tensor, or the iterable a tensor (its first axis), a `range` with a tensor
bound, or an `ember.data.Dataset` inside ember.function, the rest of the loop is one
`ember.while_loop` whose loop variables are the converted code's variables that hold
tensors (TensorArrays included).

Example:
    >>> from ember.autograph.loops import for_stmt
    >>> seen = []
    >>> for_stmt([1, 2, 3], None, seen.append, lambda: (), lambda v: None, (), {})
    >>> seen
    [1, 2, 3]
"""

from __future__ import annotations

import builtins
import itertools
from typing import Any, Callable, Sequence

import numpy as np

from ..core import nest, registry
from ..core.context import CTX
from ..core.graph import Trace
from ..core.shape import TensorShape, TensorSpec
from ..core.tensor import TensorOps
from ..core.variable import Variable
from ..ops import math_ops as m
from ..ops.control_flow import while_loop
from ..prims.convert import convert_to_tensor
from ..ops.py_ops import numpy_function
from ..ops.shape_ops import shape as _shape
from .special import (AutoGraphError, Undefined, UndefinedReturnValue, _as_bool,
                      _check_try, _is_number, _spec_text, _symbolic, _tensorish, _undefined,
                      _where, _zeros_like)


def while_stmt(test: Callable, body: Callable, get_state: Callable, set_state: Callable,
               names: Sequence[str], opts: dict) -> None:
    """`while test(): body()`; once `test()` is a symbolic tensor, the rest of the loop
    is one `ember.while_loop` over the variables `names`."""
    while True:
        keep = test()
        if _symbolic(keep):
            _check_try(opts, "A `while` loop")
            _graph_loop(lambda e: test(), lambda e: (body(), ())[1], (), get_state,
                        set_state, names, opts)
            return
        if not keep:
            return
        body()


class TensorRange:
    """`range(...)` with a symbolic bound: iterated by a graph loop."""

    def __init__(self, *args: Any, dtype: Any = None):
        start, limit, delta = ((0, args[0], 1) if len(args) == 1 else
                               (args[0], args[1], 1) if len(args) == 2 else args)
        if dtype is None:
            dtype = next((a.dtype for a in (start, limit, delta) if isinstance(a, TensorOps)))
        self.start, self.limit, self.delta = (
            a if isinstance(a, TensorOps) else convert_to_tensor(a, dtype=dtype)
            for a in (start, limit, delta))
        self.py_delta = delta if isinstance(delta, int) else None


def range_(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """`range(*args)` or `ember.range(*args)` as a `for` loop's iterable: a TensorRange
    (iterated by a graph loop, nothing materialized) when a bound is a symbolic tensor."""
    ours = fn is builtins.range or (getattr(fn, "__name__", "") == "range" and getattr(
        fn, "__module__", "").startswith("ember."))
    bounds = list(args) + [kwargs[k] for k in ("start", "limit", "delta") if k in kwargs]
    if ours and any(_symbolic(a) for a in bounds):
        if "limit" in kwargs or "start" in kwargs or "delta" in kwargs:
            args = (kwargs.get("start", args[0] if args else 0),
                    kwargs.get("limit", args[1] if len(args) > 1 else None),
                    kwargs.get("delta", args[2] if len(args) > 2 else 1))
            if args[1] is None:
                args = (0, args[0], args[2])
        return TensorRange(*args, dtype=kwargs.get("dtype"))
    return fn(*args, **kwargs)


def for_stmt(iterable: Any, extra_test: Callable | None, body: Callable,
             get_state: Callable, set_state: Callable, names: Sequence[str],
             opts: dict) -> None:
    """`for x in iterable: body(x)` (with `extra_test()` checked before each iteration,
    from break / return). A symbolic tensor (its first axis), a `range` with a symbolic
    bound, or an `ember.data.Dataset` inside ember.function become a graph loop."""
    if isinstance(iterable, TensorRange) or _symbolic(iterable) or (
            CTX.traces and isinstance(iterable, TensorOps)):
        _check_try(opts, "A `for` loop")
        return _tensor_for(iterable, extra_test, body, get_state, set_state, names, opts)
    if CTX.traces and _is_dataset(iterable):
        _check_try(opts, "A `for` loop over a Dataset")
        return _dataset_for(iterable, extra_test, body, get_state, set_state, names, opts)
    for item in iterable:
        if extra_test is not None:
            keep = extra_test()
            if not _symbolic(keep) and not keep:
                break
        body(item)


def _is_dataset(x: Any) -> bool:
    data = __import__("sys").modules.get("ember.data")
    return data is not None and isinstance(x, data.Dataset)


def _extra(keep: Any, extra_test: Callable | None) -> Any:
    if extra_test is None:
        return keep
    more = extra_test()
    if not _symbolic(more) and not _symbolic(keep):
        return keep and more
    return m.logical_and(_as_bool(keep), _as_bool(more))


def _tensor_for(it: Any, extra_test: Callable | None, body: Callable, get_state: Callable,
                set_state: Callable, names: Sequence[str], opts: dict) -> None:
    if isinstance(it, TensorRange):
        start, limit, delta = it.start, it.limit, it.delta

        def test(e: tuple) -> Any:
            i = e[0]
            if it.py_delta is not None:
                k = m.less(i, limit) if it.py_delta > 0 else m.greater(i, limit)
            else:
                k = m.where(m.greater(delta, 0), m.less(i, limit), m.greater(i, limit))
            return _extra(k, extra_test)

        def step(e: tuple) -> tuple:
            body(e[0])
            return (m.add(e[0], delta),)
        _graph_loop(test, step, (start,), get_state, set_state, names, opts)
        return
    x = it
    if x.shape.rank == 0:
        raise AutoGraphError(f"Cannot iterate over a scalar tensor{_where(opts)}: a `for` "
                             f"loop on a tensor runs over its first axis.")
    n = _shape(x)[0]

    def test_t(e: tuple) -> Any:
        return _extra(m.less(e[0], n), extra_test)

    def step_t(e: tuple) -> tuple:
        body(x[e[0]])
        return (m.add(e[0], 1),)
    _graph_loop(test_t, step_t, (convert_to_tensor(0),), get_state, set_state, names, opts)


_DATASET_ITERS: dict = {}
_ANCHOR = Variable(np.int32(0), trainable=False, name="autograph_dataset_anchor")
_COUNTER = itertools.count()


def _dataset_for(ds: Any, extra_test: Callable | None, body: Callable, get_state: Callable,
                 set_state: Callable, names: Sequence[str], opts: dict) -> None:
    """A Dataset loop inside ember.function: each run of the graph iterates the dataset
    afresh, fetching elements through a `numpy_function` effect op."""
    spec = ds.element_spec
    specs = nest.flatten(spec)

    def start() -> np.ndarray:
        key = next(_COUNTER)
        _DATASET_ITERS[key] = iter(ds)
        return np.array(key, np.int64)

    def fetch(key: np.ndarray) -> list:
        it = _DATASET_ITERS.get(int(key))
        try:
            if it is None:
                raise StopIteration
            flat = [np.asarray(v) for v in nest.flatten(next(it))]
            return [np.array(True)] + flat
        except StopIteration:
            _DATASET_ITERS.pop(int(key), None)
            return [np.array(False)] + [np.zeros([d or 0 for d in s.shape],
                                                 s.dtype.as_numpy_dtype) for s in specs]

    out_specs = [TensorSpec([], "bool")] + list(specs)
    anchor = _any_symbolic(get_state())
    key = numpy_function(lambda _: start(), [m.equal(anchor, anchor)],
                         Tout=TensorSpec([], "int64"))
    first = numpy_function(fetch, [key], Tout=out_specs)

    def test(e: tuple) -> Any:
        return _extra(e[1], extra_test)

    inv = [TensorShape([]), TensorShape([])] + [s.shape for s in specs]
    _graph_loop(test, _fetch_step(body, spec, fetch, out_specs, numpy_function),
                (key, *first), get_state, set_state, names, opts, inv)


def _any_symbolic(state: Any) -> Any:
    """A symbolic tensor of the current trace (a variable's value, else an input)."""
    for t in nest.flatten(list(state)):
        if _symbolic(t):
            return t
    # NOTE: a function without tensor inputs: the read of a Variable is an input of the
    # graph, so the op starting the iteration runs each call (not once, at trace time).
    return CTX.traces[-1].read(_ANCHOR)


def _fetch_step(body: Callable, spec: Any, fetch: Callable, out_specs: list,
                numpy_function: Callable) -> Callable:
    def step(e: tuple) -> tuple:
        body(nest.pack_sequence_as(spec, list(e[2:])))
        return (e[0], *numpy_function(fetch, [e[0]], Tout=out_specs))
    return step


def _graph_loop(test: Callable, step: Callable, extra: tuple, get_state: Callable,
                set_state: Callable, names: Sequence[str], opts: dict,
                extra_inv: list | None = None) -> None:
    """One `ember.while_loop` over internal values `extra` and the tensor-valued
    variables among `names`; `test(extra)` / `step(extra)` run the converted code."""
    init = list(get_state())
    targets = opts.get("targets", ())
    declared = list(opts.get("shape_invariants") or ())
    carried = []
    for k, (name, v) in enumerate(zip(names, init)):
        if type(v) is Undefined:
            if name in targets:
                continue
            raise AutoGraphError(
                f"{name!r} must be defined before the loop{_where(opts)}: it is used after "
                f"the loop (or read in its body before it is assigned), and a loop on a "
                f"tensor may run zero times. Assign it a value of the right dtype and shape "
                f"before the loop.")
        if type(v) is UndefinedReturnValue:
            probed = _probe_return(k, step, extra, get_state, set_state, init, opts)
            declared.append((probed.value, probed.shape))
            v = init[k] = probed.value
        if _tensorish(v):
            carried.append(k)
    ne = len(extra)
    entry = [convert_to_tensor(v) if _is_number(v) else v for v in
             [init[k] for k in carried]]

    def state_of(lv: Sequence) -> list:
        s = list(init)
        for k, v in zip(carried, lv):
            s[k] = v
        return s

    def cond_fn(*lv: Any) -> Any:
        set_state(state_of(lv[ne:]))
        return _as_bool(test(tuple(lv[:ne])))

    def body_fn(*lv: Any) -> tuple:
        set_state(state_of(lv[ne:]))
        new_extra = step(tuple(lv[:ne]))
        vals = list(get_state())
        for k, (name, v0) in enumerate(zip(names, init)):
            if k not in carried and not _undefined(v0) and vals[k] is not v0:
                raise AutoGraphError(
                    f"{name!r} is {_spec_text(v0)} before the loop on a tensor{_where(opts)} "
                    f"and the loop body changes it to {_spec_text(vals[k])}; a graph loop can "
                    f"only carry tensors. Make it a tensor (or a TensorArray) before the loop.")
        outs = []
        for k, entered in zip(carried, lv[ne:]):
            outs.append(_loop_value(names[k], vals[k], entered, opts))
        return (*new_extra, *outs)

    inv = None
    if extra_inv is not None or declared:
        own = [_inv_of(v) for v in entry]
        for value, shp in declared:
            for j, k in enumerate(carried):
                if init[k] is value:
                    own[j] = TensorShape(shp)
        inv = list(extra_inv or [_inv_of(v) for v in extra]) + own
    res = while_loop(cond_fn, body_fn, [*extra, *entry], shape_invariants=inv,
                     maximum_iterations=opts.get("maximum_iterations"))
    set_state(state_of(list(res)[ne:]))


class _Probed:
    """A dummy initial value for `retval_` with the shape the loop body gives it."""

    def __init__(self, value: Any, shape: Any):
        self.value, self.shape = value, shape


def _probe_return(k: int, step: Callable, extra: tuple, get_state: Callable,
                  set_state: Callable, init: list, opts: dict) -> Any:
    """The value a `return` inside a tensor loop gives: the body is traced once in a
    throwaway sub-graph to learn its dtype and shape; the loop then starts from zeros."""
    tr = Trace("autograph_probe", parent=CTX.traces[-1])
    with tr:
        state = [tr.placeholder(TensorSpec(v.shape, v.dtype)) if isinstance(v, TensorOps)
                 else v for v in init]
        set_state(state)
        step(tuple(tr.placeholder(TensorSpec(e.shape, e.dtype)) if isinstance(e, TensorOps)
                   else e for e in extra))
        v = get_state()[k]
    set_state(init)
    if not isinstance(v, TensorOps):
        raise AutoGraphError(
            f"A `return` inside the loop on a tensor{_where(opts)} returns "
            f"{_spec_text(v)}; inside a graph loop it must return one tensor. Assign the "
            f"result to a variable, `break`, and return it after the loop.")
    return _Probed(_zeros_like(v, numpy=False), v.shape)


def _inv_of(v: Any) -> Any:
    if isinstance(v, TensorOps):
        return v.shape
    return [t.shape for t in nest.flatten(v)]


def _loop_value(name: str, v: Any, entered: Any, opts: dict) -> Any:
    """A loop variable's value at the end of the body, checked against how it entered."""
    if _undefined(v) or not _tensorish(v):
        raise AutoGraphError(f"{name!r} is {_spec_text(v)} at the end of the body of the "
                             f"loop on a tensor{_where(opts)}; it must stay a tensor.")
    if not isinstance(entered, TensorOps):
        return v
    if _is_number(v) and not isinstance(v, TensorOps):
        return convert_to_tensor(v, dtype=entered.dtype)
    if v.dtype != entered.dtype:
        raise AutoGraphError(
            f"{name!r} enters the loop on a tensor{_where(opts)} as {entered.dtype.name} but "
            f"the loop body makes it {v.dtype.name}; a loop variable keeps one dtype. Give "
            f"it the final dtype before the loop, e.g. {name} = ember.cast({name}, "
            f"ember.{v.dtype.name}) (or ember.constant(0, ember.{v.dtype.name})).")
    es, vs = entered.shape, v.shape
    if es.rank != vs.rank or not es.is_compatible_with(vs):
        raise AutoGraphError(
            f"{name!r} has shape {es} before the loop on a tensor{_where(opts)} but {vs} "
            f"after one iteration; a loop variable keeps its shape. Declare the dims that "
            f"change: ember.autograph.experimental.set_loop_options(shape_invariants=[("
            f"{name}, ember.TensorShape([None, ...]))]) as the first statement of the loop "
            f"body, or use a TensorArray.")
    return v

"""The higher-order primitives: `cond` and `while_loop` (and `cond_effect` /
`while_effect`, the same for sub-graphs holding an effect), whose params are traced
sub-graphs, and `while_grad`, the gradient of a while_loop traced inside ember.function;
their rules, kernels and gradients, and the builders that trace the branches / body into
sub-graphs and bind them (`trace_cond`, `trace_while`).

A builder runs inside a trace: each branch or body is traced once into a sub-graph that
captures the outer values it uses, and one equation runs the compiled sub-plans. The
public `tf.cond` / `tf.while_loop` (argument checks, the eager paths) are in
`ops/control_flow.py`.

Example:
    >>> import ember as tf
    >>> from ember.prims.control import trace_cond
    >>> @tf.function
    ... def absolute(x):
    ...     return trace_cond(x > 0, lambda: x, lambda: -x)
    >>> float(absolute(tf.constant(-2.0)))
    2.0
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..core import nest
from ..core.context import CTX
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.executor import Plan
from ..core.graph import Trace, Tracer
from ..core.registry import bind, defvjp, primitive
from ..core.rules import describe, is_trainable
from ..core.shape import TensorSpec
from ..core.tape import GradientTape
from ..core.tensor import TensorOps, wrap
from .convert import as_tensor, convert_to_tensor
from .math import add, multiply


def _symbolic(x: Any) -> bool:
    return isinstance(x, Tracer)


# -- sub-graphs ------------------------------------------------------------------------

class _SubGraph:
    """A traced branch or body: its graph, captured outer values, compiled lazily."""

    def __init__(self, trace: Trace, n_args: int):
        self.graph = trace.graph
        self.captured = [outer for outer, _ in trace.captured]
        self.n_args = n_args
        self._plan = None

    @property
    def plan(self) -> Plan:
        if self._plan is None:
            self._plan = Plan(self.graph)
        return self._plan

    def __repr__(self) -> str:
        return f"<subgraph of {len(self.graph.eqns)} eqns>"


def _has_effect(*subs: Any) -> bool:
    return any(e.prim.effect for s in subs for e in s.graph.eqns)


def _as_args(parent: Trace, captured: list) -> list:
    """Captured values as bind arguments: a captured Variable read goes in as the Variable
    itself, so a recording tape sees the read and gradients reach the Variable."""
    return [c if (v := parent.variable_of(c)) is None else v for c in captured]


def _trace_fn(fn: Callable, args: list, name: str) -> tuple:
    """Traces `fn(*args)` in a sub-trace of the current trace."""
    parent = CTX.traces[-1]
    trace = Trace(name, parent=parent)
    with trace:
        inner = [trace.placeholder(TensorSpec(a.shape, a.dtype)) for a in args]
        result = fn(*inner)
    return trace, result


def _replay(graph: Any, xs: list) -> list:
    """Runs a sub-graph op by op through `bind` (recorded by tapes, traced by traces)."""
    env = {id(t): x for t, x in zip(graph.inputs, xs)}

    def val(a: Any) -> Any:
        if isinstance(a, Tracer):
            return env[id(a)]
        return wrap(a.value)

    for e in graph.eqns:
        out = bind(e.prim, *[val(a) for a in e.ins], **e.params)
        for o, v in zip(e.outs, out if e.prim.multiple_results else (out,)):
            env[id(o)] = v
    return [val(o) for o in graph.outputs]


def _stored_rule(*specs: TensorSpec, out_specs: tuple, **params: Any) -> tuple:
    return out_specs


def _zero_cotangent(g: Any, like: Any) -> Any:
    """`g`, or zeros shaped as `like` where no cotangent arrived."""
    return g if g is not None else multiply(like, 0)


# -- cond -------------------------------------------------------------------------------

def _cond_kernel(pred: Any, *xs: Any, branches: tuple, input_maps: tuple,
                 out_specs: tuple) -> tuple:
    k = 0 if bool(pred) else 1
    plan = branches[k].plan
    outs, _ = plan.run(*[xs[j] for j in input_maps[k]])
    return outs


cond_p = primitive("cond", _stored_rule, multiple_results=True, kernel=_cond_kernel)
# The same, for sub-graphs holding an effect (tf.print, py_function, an assert): as effect
# primitives, the executor keeps them even when no output is used.
cond_effect_p = primitive("cond_effect", _stored_rule, multiple_results=True,
                          kernel=_cond_kernel, effect=True)


def _cond_vjp(g: tuple, ins: tuple, outs: tuple, branches: tuple, input_maps: tuple,
              out_specs: tuple) -> tuple:
    """A cond of the branches' gradients: each replays its branch under a tape and
    returns the cotangents of every trainable captured value (zeros for those it does
    not use)."""
    pred, captured = ins[0], ins[1:]

    def branch_grad(k: int) -> Callable:
        def fn():
            xs = [captured[j] for j in input_maps[k]]
            with GradientTape() as tape:
                for x in xs:
                    tape.watch(x)
                ys = _replay(branches[k].graph, xs)
            cts = [_zero_cotangent(gi, y) for gi, y in zip(g, ys)]
            grads = tape.gradient(ys, xs, output_gradients=cts,
                                  unconnected_gradients="zero")
            full = [multiply(c, 0) if is_trainable(c) else None for c in captured]
            for j, gr in zip(input_maps[k], grads):
                if full[j] is not None:
                    full[j] = add(full[j], gr)
            return [f for f in full if f is not None]
        return fn

    float_idx = [j for j, c in enumerate(captured) if is_trainable(c)]
    if not float_idx:
        return (None,) * len(ins)
    if _symbolic(pred):
        res = trace_cond(pred, branch_grad(0), branch_grad(1))
    else:  # the cond equation replayed on values
        res = branch_grad(0)() if bool(pred) else branch_grad(1)()
    res = list(res) if isinstance(res, (list, tuple)) else [res]
    out = [None] * len(captured)
    for j, r in zip(float_idx, res):
        out[j] = r
    return (None, *out)


defvjp(cond_p, _cond_vjp)
defvjp(cond_effect_p, _cond_vjp)


def trace_cond(pred: Any, true_fn: Callable, false_fn: Callable) -> Any:
    """Inside a trace, with `pred` a symbolic scalar bool: traces both branches (they must
    return the same structure of tensors with the same dtypes and ranks) and binds one
    `cond` equation choosing between them at run time. Variables either branch assigns
    are assigned the chosen branch's values."""
    parent = CTX.traces[-1]
    traces, results = [], []
    for fn, label in ((true_fn, "true"), (false_fn, "false")):
        tr, res = _trace_fn(fn, [], f"cond_{label}")
        traces.append(tr)
        results.append(res)
    flat_t, flat_f = nest.flatten(results[0]), nest.flatten(results[1])
    if len(flat_t) != len(flat_f):
        raise ValueError(f"cond: the branches return different structures: {results[0]!r} "
                         f"vs {results[1]!r}. Both must return the same tensors.")
    # Variables either branch assigns: both branches output their final values.
    assigned = {}
    for tr in traces:
        assigned.update(tr._assigned)
    outs_per_branch = []
    for tr, flat in zip(traces, (flat_t, flat_f)):
        with tr:
            outs = [convert_to_tensor(o) if not isinstance(o, TensorOps) else o for o in flat]
            outs += [tr.read(v) for v in assigned.values()]
        outs_per_branch.append(outs)
    specs = []
    for a, b in zip(*outs_per_branch):
        if a.dtype != b.dtype:
            raise DTypeError(f"cond: the branches return different dtypes: {a.dtype.name} "
                             f"vs {b.dtype.name}. Cast one branch's result.")
        if a.shape.rank != b.shape.rank:
            raise ShapeError(f"cond: the branches return tensors of different ranks: "
                             f"{a.shape} vs {b.shape}.")
        specs.append(TensorSpec(a.shape.most_specific_compatible_shape(b.shape), a.dtype))
    subs = []
    for tr, outs in zip(traces, outs_per_branch):
        tr.finish(outs)
        subs.append(_SubGraph(tr, 0))
    captured: list = []
    maps = []
    for sub in subs:
        idx = []
        for outer in sub.captured:
            for j, c in enumerate(captured):
                if c is outer:
                    break
            else:
                captured.append(outer)
                j = len(captured) - 1
            idx.append(j)
        maps.append(tuple(idx))
    prim = cond_effect_p if _has_effect(*subs) else cond_p
    out = bind(prim, pred, *_as_args(parent, captured), branches=tuple(subs),
               input_maps=tuple(maps), out_specs=tuple(specs))
    n = len(flat_t)
    for v, value in zip(assigned.values(), out[n:]):
        parent.assign(v, value)
    return nest.pack_sequence_as(results[0], list(out[:n]))


# -- while_loop ---------------------------------------------------------------------------

def _while_kernel(*xs: Any, cond_graph: Any, body_graph: Any, n_vars: int,
                  cond_map: tuple, body_map: tuple, maximum_iterations: Any,
                  out_specs: tuple) -> tuple:
    loop = list(xs[:n_vars])
    consts = xs[n_vars:]
    cplan, bplan = cond_graph.plan, body_graph.plan
    i = 0
    while maximum_iterations is None or i < maximum_iterations:
        env = loop + list(consts)
        (keep,), _ = cplan.run(*[env[j] for j in cond_map])
        if not bool(keep):
            break
        outs, _ = bplan.run(*[env[j] for j in body_map])
        loop = list(outs)
        i += 1
    return tuple(loop)


while_p = primitive("while_loop", _stored_rule, multiple_results=True, kernel=_while_kernel)
while_effect_p = primitive("while_effect", _stored_rule, multiple_results=True,
                           kernel=_while_kernel, effect=True)


def _while_vjp(g: tuple, ins: tuple, outs: tuple, cond_graph: Any, body_graph: Any,
               n_vars: int, cond_map: tuple, body_map: tuple, maximum_iterations: Any,
               out_specs: tuple) -> tuple:
    """On values: the loop replayed under a tape, which then walks it backwards. Inside a
    trace: a `while_grad` equation (`_traced_while_vjp`)."""
    floats = [k for k, x in enumerate(ins) if is_trainable(x)]
    if not floats:
        return (None,) * len(ins)
    cts = [_zero_cotangent(gi, o) for gi, o in zip(g, outs)]
    if any(_symbolic(x) for x in ins) or any(_symbolic(c) for c in cts):
        return _traced_while_vjp(cts, ins, cond_graph, body_graph, n_vars, cond_map,
                                 body_map, maximum_iterations)
    # NOTE: one tensor may enter twice (a loop variable's initial value that the body also
    # captures, e.g. `y = x` then `y = y * x`): each position gets its own source object, or
    # the tape would give both positions the total gradient and it would count twice.
    ins = tuple(wrap(x._value) if hasattr(x, "_value") else x for x in ins)
    with GradientTape() as tape:
        for k in floats:
            tape.watch(ins[k])
        loop = list(ins[:n_vars])
        consts = list(ins[n_vars:])
        i = 0
        while maximum_iterations is None or i < maximum_iterations:
            env = loop + consts
            (keep,) = _replay(cond_graph.graph, [env[j] for j in cond_map])
            if not bool(keep):
                break
            loop = _replay(body_graph.graph, [env[j] for j in body_map])
            i += 1
    ys = [(y, c) for y, c in zip(loop, cts) if is_trainable(y)]
    if not ys:
        return (None,) * len(ins)
    grads = tape.gradient([y for y, _ in ys], [ins[k] for k in floats],
                          output_gradients=[c for _, c in ys])
    out = [None] * len(ins)
    for k, gr in zip(floats, grads):
        out[k] = gr
    return tuple(out)


defvjp(while_p, _while_vjp)
defvjp(while_effect_p, _while_vjp)


def _traced_while_vjp(cts: list, ins: tuple, cond_graph: Any, body_graph: Any,
                      n_vars: int, cond_map: tuple, body_map: tuple,
                      maximum_iterations: Any) -> tuple:
    """The gradient of a while_loop inside ember.function: a `while_grad` equation whose
    kernel re-runs the loop keeping every state, then walks the iterations backwards
    through the body's gradient (itself traced once, here, as a sub-graph)."""
    states = list(ins[:n_vars])
    consts = list(ins[n_vars:])
    f_state = [k for k, x in enumerate(states) if is_trainable(x)]
    f_const = [k for k, x in enumerate(consts) if is_trainable(x)]
    parent = CTX.traces[-1]
    # NOTE: the placeholders take the specs the body was traced with (its shape
    # invariants, e.g. [None, 3] for a state that grows a row per iteration), not those of
    # the loop's initial values ([0, 3]): the body's gradient must not bake in sizes that
    # change from one iteration to the next.
    body_in = body_graph.graph.inputs
    traced = {e: TensorSpec(body_in[pos].shape, body_in[pos].dtype)
              for pos, e in reversed(list(enumerate(body_map)))}

    def spec(e: int, x: Any) -> TensorSpec:
        return traced.get(e) or TensorSpec(x.shape, x.dtype)

    trace = Trace("while_body_grad", parent=parent)
    with trace:
        s_in = [trace.placeholder(spec(k, x)) for k, x in enumerate(states)]
        c_in = [trace.placeholder(spec(n_vars + k, x)) for k, x in enumerate(consts)]
        g_in = [trace.placeholder(spec(k, states[k])) for k in f_state]
        env = s_in + c_in
        watched = [s_in[k] for k in f_state] + [c_in[k] for k in f_const]
        with GradientTape() as tape:
            for w in watched:
                tape.watch(w)
            ys = _replay(body_graph.graph, [env[j] for j in body_map])
        outs = tape.gradient([ys[k] for k in f_state], watched, output_gradients=g_in,
                             unconnected_gradients="zero") if watched else []
    if trace._assigned:
        raise NotImplementedError("while_loop gradient: the body assigns Variables.")
    trace.finish(list(outs))
    grad_sub = _SubGraph(trace, 0)
    captured = list(grad_sub.captured)
    specs = tuple(TensorSpec(states[k].shape, states[k].dtype) for k in f_state) + tuple(
        TensorSpec(consts[k].shape, consts[k].dtype) for k in f_const)
    res = bind(while_grad_p, *states, *consts, *[cts[k] for k in f_state], *captured,
               cond_graph=cond_graph, body_graph=body_graph, grad_graph=grad_sub,
               n_vars=n_vars, n_consts=len(consts), f_state=tuple(f_state),
               f_const=tuple(f_const), cond_map=cond_map, body_map=body_map,
               maximum_iterations=maximum_iterations, out_specs=specs)
    out = [None] * len(ins)
    for k, r in zip(list(f_state) + [n_vars + k for k in f_const], res):
        out[k] = r
    return tuple(out)


def _while_grad_kernel(*xs: Any, cond_graph: Any, body_graph: Any, grad_graph: Any,
                       n_vars: int, n_consts: int, f_state: tuple, f_const: tuple,
                       cond_map: tuple, body_map: tuple, maximum_iterations: Any,
                       out_specs: tuple) -> tuple:
    loop = list(xs[:n_vars])
    consts = list(xs[n_vars:n_vars + n_consts])
    ct = list(xs[n_vars + n_consts:n_vars + n_consts + len(f_state)])
    extra = list(xs[n_vars + n_consts + len(f_state):])
    cplan, bplan, gplan = cond_graph.plan, body_graph.plan, grad_graph.plan
    history = []
    i = 0
    while maximum_iterations is None or i < maximum_iterations:
        env = loop + consts
        (keep,), _ = cplan.run(*[env[j] for j in cond_map])
        if not bool(keep):
            break
        history.append(loop)
        outs, _ = bplan.run(*[env[j] for j in body_map])
        loop = list(outs)
        i += 1
    ct_consts = [np.zeros_like(consts[k]) for k in f_const]
    for state in reversed(history):
        outs, _ = gplan.run(*state, *consts, *ct, *extra)
        ct = list(outs[:len(f_state)])
        ct_consts = [a + b for a, b in zip(ct_consts, outs[len(f_state):])]
    return tuple(ct) + tuple(ct_consts)


while_grad_p = primitive("while_grad", _stored_rule, multiple_results=True,
                         kernel=_while_grad_kernel)


def _while_grad_vjp(*args: Any, **params: Any) -> tuple:
    raise NotImplementedError("Second derivatives through a while_loop traced inside "
                              "ember.function are not supported yet.")


defvjp(while_grad_p, _while_grad_vjp)


def trace_while(cond: Callable, body: Callable, loop_vars: Any, shape_invariants: Any = None,
                maximum_iterations: Any = None) -> Any:
    """Inside a trace: traces `cond` and `body` once into sub-graphs and binds one
    `while_loop` equation. Each loop variable keeps its dtype, and its shape unless
    `shape_invariants` relaxes it. A body that assigns Variables (or updates them in
    place) carries their values as extra loop variables."""
    single = not isinstance(loop_vars, (list, tuple))
    structure = [loop_vars] if single else loop_vars
    flat = nest.flatten(structure)
    tensors = [v if isinstance(v, TensorOps) else convert_to_tensor(v) for v in flat]
    if shape_invariants is not None:
        inv = [TensorSpec(s, t.dtype) for s, t in zip(nest.flatten(
            [shape_invariants] if single else shape_invariants), tensors)]
    else:
        inv = [TensorSpec(t.shape, t.dtype) for t in tensors]
    packed = (lambda xs: nest.pack_sequence_as(structure, xs))
    parent = CTX.traces[-1]
    ctrace = Trace("while_cond", parent=parent)
    with ctrace:
        cin = [ctrace.placeholder(s) for s in inv]
        keep = as_tensor(cond(*packed(cin)))
    if keep.dtype.name != "bool" or keep.shape.rank not in (0, None):
        raise InvalidArgumentError(f"while_loop: cond must return a scalar bool, returned "
                                   f"{describe(keep)}.")
    ctrace.finish([keep])
    btrace = Trace("while_body", parent=parent)
    with btrace:
        bin_ = [btrace.placeholder(s) for s in inv]
        out = body(*packed(bin_))
        out = [out] if single or not isinstance(out, (list, tuple)) else out
        bout = [o if isinstance(o, TensorOps) else convert_to_tensor(o)
                for o in nest.flatten(out)]
    updated = _updated_in_place(btrace, parent)
    if btrace._assigned or updated:
        # The body assigns Variables (or an optimizer updates them in place): trace again
        # carrying their values as extra loop variables.
        return _while_assigning(cond, body, loop_vars, list(btrace._assigned.values()),
                                updated, shape_invariants, maximum_iterations)
    if len(bout) != len(inv):
        raise ValueError(f"while_loop: body returned {len(bout)} values for {len(inv)} "
                         f"loop variables.")
    for k, (o, s) in enumerate(zip(bout, inv)):
        if o.dtype != s.dtype:
            raise DTypeError(f"while_loop: loop variable {k} enters as {s.dtype.name} but "
                             f"the body returns {o.dtype.name}; cast it in the body.")
        if not s.shape.is_compatible_with(o.shape) or s.shape.rank != o.shape.rank:
            raise ShapeError(
                f"while_loop: loop variable {k} has shape {s.shape} before the loop but "
                f"{o.shape} after one iteration. Pass shape_invariants with None for the "
                f"dims that change, e.g. ember.TensorShape([None]).")
    btrace.finish(bout)
    csub, bsub = _SubGraph(ctrace, len(inv)), _SubGraph(btrace, len(inv))
    captured: list = []

    def index_of(outer: Any) -> int:
        for j, c in enumerate(captured):
            if c is outer:
                return j
        captured.append(outer)
        return len(captured) - 1

    n = len(inv)
    cmap = tuple(range(n)) + tuple(n + index_of(o) for o in csub.captured)
    bmap = tuple(range(n)) + tuple(n + index_of(o) for o in bsub.captured)
    maxit = None if maximum_iterations is None else int(maximum_iterations)
    prim = while_effect_p if _has_effect(csub, bsub) else while_p
    result = bind(prim, *tensors, *_as_args(parent, captured), cond_graph=csub,
                  body_graph=bsub, n_vars=n,
                  cond_map=cmap, body_map=bmap, maximum_iterations=maxit,
                  out_specs=tuple(inv))
    final = packed(list(result))
    return final[0] if single else final


def _updated_in_place(btrace: Trace, parent: Trace) -> list:
    """The Variables a body reads and then updates in place (`fused_update`): their
    reads in the next iteration must see the update, so they are carried too."""
    inputs = {id(t) for t in btrace.graph.inputs}
    out = []
    for outer, _ in btrace.captured:
        v = parent.variable_of(outer)
        t = btrace._reads.get(id(v)) if v is not None else None
        if t is not None and id(t) not in inputs and id(v) not in btrace._assigned:
            out.append(v)
    return out


def _while_assigning(cond: Callable, body: Callable, loop_vars: Any, assigned: list,
                     updated: list, shape_invariants: Any, maximum_iterations: Any) -> Any:
    """A traced while_loop whose body assigns Variables (or updates them in place): their
    values are carried as extra loop variables (reads inside the loop see them) and
    assigned after the loop."""
    variables = assigned + updated
    single = not isinstance(loop_vars, (list, tuple))
    user = [loop_vars] if single else list(loop_vars)

    def seed(vals: Sequence) -> None:
        tr = CTX.traces[-1]
        for v, x in zip(variables, vals):
            tr._reads[id(v)] = x

    def args_of(xs: tuple) -> tuple:
        return (xs[0],) if single else tuple(xs[0])

    def c(*xs: Any) -> Any:
        seed(xs[1:])
        return cond(*args_of(xs))

    def b(*xs: Any) -> tuple:
        seed(xs[1:])
        out = body(*args_of(xs))
        tr = CTX.traces[-1]
        new = [tr.read(v) for v in variables]
        tr._assigned.clear()  # carried as loop variables instead
        if single:
            return (out, *new)
        return (list(out) if isinstance(out, (list, tuple)) else [out], *new)

    parent = CTX.traces[-1]
    inv = None
    if shape_invariants is not None:
        inv = [shape_invariants if single else list(shape_invariants)] + [
            v.shape for v in variables]
    res = trace_while(c, b, [loop_vars if single else user, *[parent.read(v)
                                                             for v in variables]],
                      shape_invariants=inv, maximum_iterations=maximum_iterations)
    for k, (v, x) in enumerate(zip(variables, res[1:])):
        if k < len(assigned):
            parent.assign(v, x)
        else:
            parent.effect_assign(v, x)  # its buffer is already updated
    return res[0] if single else type(loop_vars)(res[0]) if isinstance(
        loop_vars, tuple) else res[0]

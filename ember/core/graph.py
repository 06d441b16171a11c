"""The graph IR behind `ember.function`, and the tracer that builds it.

A `Graph` is pure: a flat list of equations `outs = prim(ins; params)` over `Tracer`
values, whose inputs are the function's tensor arguments followed by the Variables it
reads, and whose outputs are its results followed by the new values of the Variables it
assigns. In-place updates and buffer reuse are the executor's business, not the IR's.

While a `Trace` is active (the top of the dispatch context, core/context.py), every bind with a symbolic or
Variable input adds an equation, its output specs from the primitive's shape rule.
Ops on concrete tensors alone still run eagerly at trace time: they are constants.

Example:
    >>> import ember as tf
    >>> @tf.function
    ... def f(x):
    ...     return tf.nn.relu(x) * 2.0
    >>> print(f.get_concrete_function(tf.TensorSpec([None, 3])).graph)
    { lambda a:f32[None, 3] .
        b:f32[None, 3] = relu a
        c:f32[None, 3] = multiply b 2.0
      in (c) }
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import context
from .context import CTX
from .dtypes import BY_NP
from .errors import SymbolicValueError, fmt_spec
from .shape import TensorSpec
from .tape import record_bind
from .symbolic import SymbolicTensor


class Tracer(SymbolicTensor):
    """A symbolic tensor inside a function being traced: a shape and dtype, no values
    (the protocol of `core/symbolic.py`), and the trace whose graph it belongs to."""

    __slots__ = ("trace", "index")
    _NO_VALUE = (" inside ember.function: it has no value while the function is traced. "
                 "Use ember ops on it; for tensor-dependent control flow use ember.cond / "
                 "ember.while_loop; or run the function eagerly with "
                 "ember.config.run_functions_eagerly(True) to debug.")

    def __init__(self, spec: TensorSpec, trace: "Trace"):
        self.spec = spec
        self.trace = trace
        self.index = trace._new_index()

    @property
    def name(self) -> str:
        return f"{_letters(self.index)}:0"

    def _describe(self) -> str:
        return f"a symbolic tensor {fmt_spec(self.spec.shape, self.spec.dtype)}"

    def __bool__(self) -> bool:
        # A TypeError, as Python's own for a bool that can't be had (AutoGraph reads it).
        raise TypeError(
            f"Using {self._describe()} as a Python bool is not allowed inside "
            f"ember.function (e.g. `if x > 0:`): the condition has no value while the "
            f"function is traced. Use ember.cond(pred, true_fn, false_fn) (or ember.where "
            f"for elementwise choices) instead.")

    def __repr__(self) -> str:
        return (f"<tf.Tensor '{self.name}' shape={self.spec.shape} "
                f"dtype={self.spec.dtype.name}>")


class Const:
    """A concrete value captured by a graph (a Tensor used inside the function)."""

    __slots__ = ("value", "spec")

    def __init__(self, value: Any):
        self.value = value
        self.spec = TensorSpec(np.shape(value), BY_NP[np.asarray(value).dtype])


class Eqn:
    """One equation `outs = prim(ins; params)`. `label` is the public op that bound it
    (`registry.public_op`), whose name a failure at run time carries, as in eager mode."""

    __slots__ = ("prim", "ins", "params", "outs", "label")

    def __init__(self, prim: Any, ins: list, params: dict, outs: list,
                 label: str | None = None):
        self.prim = prim
        self.ins = ins
        self.params = params
        self.outs = outs
        self.label = label


class Graph:
    """A traced function: inputs, equations, outputs and Variable updates.

    `inputs` are Tracers: the tensor arguments, then one per Variable read (`reads`, the
    Variables in the same order). `outputs` are Tracers or Consts (None for a None result).
    `updates` pairs each assigned Variable with the Tracer/Const of its final value.
    """

    def __init__(self, name: str = "graph"):
        self.name = name
        self.inputs: list = []
        self.reads: list = []  # Variables read (their current values are inputs)
        self.eqns: list = []
        self.outputs: list = []
        self.updates: list = []  # (Variable, Tracer or Const)
        self.mesh: Any = None  # the device mesh it was traced for (data parallel, JAX)

    @property
    def arg_inputs(self) -> list:
        return self.inputs[: len(self.inputs) - len(self.reads)]

    def __str__(self) -> str:
        def text(spec: TensorSpec) -> str:  # the short form: f32[None, 3]
            return fmt_spec(spec.shape, spec.dtype, short=True)

        def atom(a: Any) -> str:
            if isinstance(a, Tracer):
                return _letters(a.index)
            if a is None:
                return "None"
            v = np.asarray(a.value)
            return repr(v.item()) if v.ndim == 0 else f"const:{text(a.spec)}"

        def decl(t: Tracer) -> str:
            return f"{_letters(t.index)}:{text(t.spec)}"

        n_args = len(self.inputs) - len(self.reads)
        ins = [decl(t) for t in self.inputs[:n_args]]
        ins += [f"{decl(t)}(read {v._name})" for t, v in zip(self.inputs[n_args:], self.reads)]
        lines = ["{ lambda " + " ".join(ins) + " ."]
        for e in self.eqns:
            params = " ".join(f"{k}={_short(v)}" for k, v in e.params.items())
            outs = " ".join(decl(o) for o in e.outs)
            args = " ".join(atom(a) for a in e.ins)
            lines.append(f"    {outs} = {e.prim.name}{'[' + params + ']' if params else ''} "
                         f"{args}".rstrip())
        tail = "  in (" + ", ".join(atom(o) for o in self.outputs) + ")"
        if self.updates:
            tail += " ; " + ", ".join(f"{v._name} <- {atom(a)}" for v, a in self.updates)
        lines.append(tail + " }")
        return "\n".join(lines)


def _letters(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(97 + r) + s
    return s


def _short(v: Any) -> str:
    if isinstance(v, np.dtype):
        return BY_NP[v].name
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


class Trace:
    """Builds a Graph while a Python function runs on Tracers.

    A trace with a `parent` builds a sub-graph (a `cond` branch, a `while_loop` body):
    values of enclosing traces it uses become extra inputs (`captured`), and Variables it
    reads are captured as the parent's current value of the Variable.
    """

    def __init__(self, name: str = "graph", parent: "Trace | None" = None):
        self.graph = Graph(name)
        self.parent = parent
        self._count = 0
        self._reads: dict = {}  # id(Variable) -> Tracer (its current value in this trace)
        self._assigned: dict = {}  # id(Variable) -> Variable, in first-assigned order
        self._effected: set = set()  # id(Variable) updated in place by an effect equation
        self._fresh: dict = {}  # id(Variable) -> (assigned value, its read for tapes)
        self.captured: list = []  # (outer value, inner placeholder), for sub-graphs
        self._captures: dict = {}
        self._read_of: dict = {}  # id(read input Tracer) -> its Variable
        self._slice_info: dict = {}  # id(Tracer of v[key]) -> (v, key), for sliced assign

    def _new_index(self) -> int:
        self._count += 1
        return self._count - 1

    def _is_ancestor(self, trace: "Trace") -> bool:
        t = self.parent
        while t is not None:
            if t is trace:
                return True
            t = t.parent
        return False

    def capture(self, outer: Any) -> Tracer:
        """An input of this sub-graph standing for a value of an enclosing trace."""
        inner = self._captures.get(id(outer))
        if inner is None:
            if isinstance(outer, Tracer) and outer.trace is not self.parent:
                outer = self.parent.capture(outer)  # through every level in between
            inner = self.placeholder(outer.spec)
            self._captures[id(outer)] = inner
            self.captured.append((outer, inner))
        return inner

    # An active trace is the top of the dispatch context: binds come to `process`, which
    # adds an equation for symbolic inputs (and records on tapes, as eager binds do).
    process = record_bind
    trace_top = True

    def __enter__(self) -> "Trace":
        context.push_trace(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        context.pop_trace(self)

    def placeholder(self, spec: TensorSpec) -> Tracer:
        t = Tracer(spec, self)
        self.graph.inputs.append(t)
        return t

    def read(self, v: Any) -> Tracer:
        """The value of Variable `v` in this trace: its latest assignment, else an input."""
        t = self._reads.get(id(v))
        if t is None and self.parent is not None:
            t = self.capture(self.parent.read(v))
            self._reads[id(v)] = t
        if t is None:
            t = Tracer(TensorSpec(v._shape if v._shape is not None else v._value.shape,
                                  BY_NP[v._value.dtype]), self)
            self._reads[id(v)] = t
            self._read_of[id(t)] = v
            self.graph.inputs.append(t)
            self.graph.reads.append(v)
        return t

    def variable_of(self, t: Any) -> Any:
        """The Variable whose read input `t` is (in this trace or an enclosing one)."""
        tr = self
        while tr is not None:
            v = tr._read_of.get(id(t))
            if v is not None:
                return v
            tr = tr.parent
        return None

    def assign(self, v: Any, value: Any) -> None:
        """Records that Variable `v` now holds `value` (a Tracer or a concrete tensor)."""
        self._reads[id(v)] = value if isinstance(value, Tracer) else self.atom(value)
        self._assigned[id(v)] = v

    def effect_assign(self, v: Any, value: Any) -> None:
        """Records that an effect equation has updated Variable `v` in place to `value`:
        later reads see it, and no update is left for the end of the call."""
        self._reads[id(v)] = value
        self._effected.add(id(v))

    def read_for_tape(self, v: Any, value: Any) -> Any:
        """What a recording tape sees when Variable `v` (now `value`) is read: after an
        assignment in this trace, a new identity of the assigned value, made once per
        assignment, so the tape records a read of the Variable and not the computation
        that was assigned (TF: a read after an assign is a new ReadVariableOp; eagerly the
        variable holds a new, unconnected array)."""
        key = id(v)
        if self._read_of.get(id(value)) is v or (key not in self._assigned and
                                                   key not in self._effected):
            return value
        hit = self._fresh.get(key)
        if hit is not None and hit[0] is value:
            return hit[1]
        from .registry import PRIMITIVES  # the identity primitive (registered by prims)
        out = self.add(PRIMITIVES["identity"], (value,), {})
        self._fresh[key] = (value, out)
        return out

    def atom(self, a: Any) -> Any:
        if isinstance(a, Tracer):
            if a.trace is not self and self._is_ancestor(a.trace):
                return self.capture(a)
            if a.trace is not self:
                raise SymbolicValueError(
                    "A symbolic tensor of another ember.function was used here; tensors "
                    "created while tracing one function can't leave it. Return it from "
                    "that function instead.")
            return a
        if isinstance(a, Const):
            return a
        if getattr(a, "_is_variable", False):
            return self.read(a)
        if hasattr(a, "_value"):
            return Const(a._value)
        raise SymbolicValueError(
            f"A symbolic tensor ({a!r}) was used inside ember.function where only the "
            f"function's own tensors can go (e.g. a KerasTensor). Call the model on data "
            f"inside the function instead.")

    def add(self, prim: Any, args: tuple, params: dict) -> Any:
        ins = [self.atom(a) for a in args]
        specs = prim.rule(*[a.spec for a in ins], **params)
        multiple = prim.multiple_results
        outs = [Tracer(s, self) for s in (specs if multiple else (specs,))]
        labels = CTX.labels
        label = labels[-1] if labels else None
        self.graph.eqns.append(Eqn(prim, ins, params, outs, label))
        return tuple(outs) if multiple else outs[0]

    def finish(self, outputs: list) -> Graph:
        g = self.graph
        g.outputs = [None if o is None else self.atom(o) for o in outputs]
        g.updates = [(v, self._reads[i]) for i, v in self._assigned.items()]
        return g

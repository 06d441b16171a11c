"""Peephole rewrites of a graph's equations before the NumPy executor plans them.

A rewrite replaces one equation, together with the equations that only feed it, by one
equation of a fused primitive: `relu(add(conv, bias))` becomes `bias_relu(conv, bias)`,
one pass over the activation instead of two. Primitive modules register their rewrites
with `register` (keyed by the name of the primitive whose equation is replaced); the
executor calls `rewrite` on the live equations of each plan. The replaced equation keeps
its outputs, so nothing downstream changes; the feeding equations, now unused, are
dropped. A rule gets the equation and a `Uses` view of the whole list, and returns the
replacement `Eqn`, None, or `DELETE` when another equation now gives its outputs
(`uses.replace` put it in place).

A rule must keep values exactly (the fused kernel computes the same expression in the
same order) and may only absorb an equation whose outputs nothing else reads
(`uses.only(tracer, eqn)`): an intermediate the rest of the graph needs is not fused away.

Example:
    >>> import ember as tf
    >>> f = tf.function(lambda x, b: tf.nn.relu(x + b))
    >>> x, b = tf.constant([[1.0, -2.0]]), tf.constant([0.5, 0.5])
    >>> f(x, b).numpy()
    array([[1.5, 0. ]], dtype=float32)
    >>> [e.prim.name for e in f.get_concrete_function(x, b).plan._steps]
    ['bias_relu']
"""

from __future__ import annotations

from typing import Any, Callable

from .graph import Eqn, Graph, Tracer

RULES: dict = {}  # primitive name -> [rule(eqn, uses) -> Eqn | DELETE | None]
DELETE = object()  # a rule's answer: drop the equation (another one now gives its outputs)


def register(name: str) -> Callable:
    """Decorator: registers a rewrite of equations of primitive `name`."""
    def add(rule: Callable) -> Callable:
        RULES.setdefault(name, []).append(rule)
        return rule
    return add


class Uses:
    """Who produces and who reads each Tracer in a list of equations (and the graph's
    outputs and updates, which count as readers)."""

    def __init__(self, eqns: list, graph: Graph):
        self.producer: dict = {}
        self.count: dict = {}
        self.readers: dict = {}  # id(Tracer) -> the equations that read it, in order
        self.replaced: dict = {}  # id(Eqn) -> the Eqn that takes its place (`replace`)
        for e in eqns:
            for o in e.outs:
                self.producer[id(o)] = e
            for a in e.ins:
                if isinstance(a, Tracer):
                    self.count[id(a)] = self.count.get(id(a), 0) + 1
                    self.readers.setdefault(id(a), []).append(e)
        for a in list(graph.outputs) + [a for _, a in graph.updates]:
            if isinstance(a, Tracer):
                self.count[id(a)] = self.count.get(id(a), 0) + 2  # never fused away

    def source(self, a: Any, name: str) -> Eqn | None:
        """The equation of primitive `name` that produced `a`, or None."""
        e = self.producer.get(id(a)) if isinstance(a, Tracer) else None
        return e if e is not None and e.prim.name == name else None

    def replace(self, old: Eqn, new: Eqn) -> None:
        """Puts `new` in the place of another equation `old` (one that is not the equation
        being rewritten, e.g. an earlier one that must give a second output). `new` keeps
        `old`'s outputs first, in order."""
        self.replaced[id(old)] = new
        self.producer.update((id(o), new) for o in new.outs)

    def only(self, a: Any, reader: Eqn) -> bool:
        """Whether `reader` is the one reader of `a` (and reads it once)."""
        return self.count.get(id(a), 0) == 1 and sum(x is a for x in reader.ins) == 1


def rewrite(eqns: list, graph: Graph, rounds: int = 4) -> list:
    """`eqns` with the registered rewrites applied until none applies (a fused equation
    may itself be fused further: relu_grad -> max_pool2d_grad_relu -> ..._taps), at most
    `rounds` sweeps, dead equations dropped."""
    for _ in range(rounds):
        new = _sweep(eqns, graph)
        if new is eqns:
            break
        eqns = new
    return eqns


def _sweep(eqns: list, graph: Graph) -> list:
    """One pass of the rewrites over `eqns` (the same list if nothing changed)."""
    if not RULES or not any(e.prim.name in RULES for e in eqns):
        return eqns
    uses = Uses(eqns, graph)
    out, changed = [], False
    for e in eqns:
        new = None
        for rule in RULES.get(e.prim.name, ()):
            new = rule(e, uses)
            if new is not None:
                break
        if new is not None:
            changed = True
            if new is not DELETE:
                uses.producer.update((id(o), new) for o in new.outs)
        if new is not DELETE:
            out.append(new if new is not None else e)
    if uses.replaced:
        out = [uses.replaced.get(id(e), e) for e in out]
    return live(out, graph) if changed else eqns


def live(eqns: list, graph: Graph) -> list:
    """The equations of `eqns` some output or update of `graph` needs, and every effect
    equation, in order (dead code removed)."""
    needed = {id(a) for a in graph.outputs if isinstance(a, Tracer)}
    needed |= {id(a) for _, a in graph.updates if isinstance(a, Tracer)}
    live = []
    for e in reversed(eqns):
        if e.prim.effect or any(id(o) in needed for o in e.outs):
            live.append(e)
            needed.update(id(a) for a in e.ins if isinstance(a, Tracer))
    live.reverse()
    return live

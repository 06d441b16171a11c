"""ONNX emitters of the higher-order primitives: `cond` as an ONNX If, `while_loop` as an
ONNX Loop, each sub-graph exported as an ONNX sub-graph.

A sub-graph's captured values (the outer tensors its equations use) are read by name from
the enclosing graph, as ONNX's lexical scoping allows. ember's while_loop tests its
condition before each step; an ONNX Loop takes the first test as an input and each
step's body returns the next, so the condition's sub-graph is emitted twice: before the
Loop, and at the end of the body on the new loop variables.

Example:
    >>> import ember as tf
    >>> from ember.export.onnx_export import graph_to_onnx
    >>> f = tf.function(lambda x: tf.while_loop(lambda i, y: i < 3,
    ...                                         lambda i, y: (i + 1, y * 2.0), [0, x])[1])
    >>> m = graph_to_onnx(f.get_concrete_function(tf.TensorSpec([None])).graph)
    >>> [n.op_type for n in m.graph.node]
    ['Less', 'Loop', 'Identity']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import bool as bool_
from ..core.dtypes import int64
from ..core.shape import TensorSpec
from .onnx_ops import emits

_WHILE = ("while_loop", "while_effect")
_COND = ("cond", "cond_effect")


def subgraphs_of(eqn: Any) -> list:
    """The ember sub-graphs an equation holds in its params (its branches, its body).

    Example:
        >>> import ember as tf
        >>> f = tf.function(lambda x: tf.cond(x[0] > 0, lambda: x, lambda: -x))
        >>> (eqn,) = [e for e in f.get_concrete_function(tf.TensorSpec([2])).graph.eqns
        ...           if e.prim.name == "cond"]
        >>> len(subgraphs_of(eqn))
        2
    """
    p = eqn.params
    if eqn.prim.name in _WHILE:
        return [p["cond_graph"].graph, p["body_graph"].graph]
    if eqn.prim.name in _COND:
        return [b.graph for b in p["branches"]]
    return []


@emits(*_WHILE)
def _while(ctx: Any) -> list:
    p = ctx.params
    n = int(p["n_vars"])
    cond, body = p["cond_graph"].graph, p["body_graph"].graph
    cmap, bmap = p["cond_map"], p["body_map"]
    specs = list(p["out_specs"])
    consts = list(ctx.ins[n:])
    (first,) = ctx.inline(cond, [(ctx.ins[:n] + consts)[j] for j in cmap])
    it, keep_in = ctx.fresh("iteration"), ctx.fresh("keep_going")
    carried = [ctx.fresh("loop_var") for _ in range(n)]

    def step() -> list:
        outs = ctx.inline(body, [(carried + consts)[j] for j in bmap])
        (keep,) = ctx.inline(cond, [(outs + consts)[j] for j in cmap])
        return [(keep, TensorSpec((), bool_))] + list(zip(outs, specs))

    graph = ctx.subgraph("while_body", [(it, TensorSpec((), int64)),
                                        (keep_in, TensorSpec((), bool_))]
                         + list(zip(carried, specs)), step)
    limit = p.get("maximum_iterations")
    trip = "" if limit is None else ctx.const(int(limit), np.int64)
    out = ctx.add_node("Loop", [trip, first] + list(ctx.ins[:n]), n_out=n, body=graph)
    return [out] if n == 1 else out


@emits(*_COND)
def _cond(ctx: Any) -> list:
    p = ctx.params
    pred, captured = ctx.ins[0], list(ctx.ins[1:])
    if ctx.in_specs[0].shape.rank:
        pred = ctx.add_node("Reshape", [pred, ctx.ints([])])
    specs = list(p["out_specs"])
    graphs = []
    for sub, m in zip(p["branches"], p["input_maps"]):
        def branch(sub: Any = sub, m: tuple = m) -> list:
            return list(zip(ctx.inline(sub.graph, [captured[j] for j in m]), specs))
        graphs.append(ctx.subgraph("cond_branch", [], branch))
    out = ctx.add_node("If", [pred], n_out=len(specs), then_branch=graphs[0],
                       else_branch=graphs[1])
    return [out] if len(specs) == 1 else out

"""ember's graph IR as data: a `Graph` (core/graph.py) to a JSON-able dict plus a list of
arrays, and back, with no pickled code.

A primitive is stored by name, its static parameters as tagged JSON values (tuples,
slices, dtypes, TensorSpecs, arrays, the sub-graphs of `cond` / `while_loop`); a captured
constant's value goes to the array list. A parameter that is Python code (a
`py_function`'s callable, an optimizer's fused in-place update) cannot be stored as data:
`encode_graph` refuses it, naming the primitive. Decoding looks primitives up in ember's
registry, so a saved graph runs only primitives ember has.

Example:
    >>> import ember as tf
    >>> f = tf.function(lambda x: tf.nn.relu(x) * 2.0)
    >>> g = f.get_concrete_function(tf.TensorSpec([None, 3])).graph
    >>> data, arrays = encode_graph(g, variable_index=None)
    >>> [e["p"] for e in data["eqns"]]
    ['relu', 'multiply']
    >>> print(decode_graph(data, arrays, variables=[]))
    { lambda a:f32[None, 3] .
        b:f32[None, 3] = relu a
        c:f32[None, 3] = multiply b 2.0
      in (c) }
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core.dtypes import DType, as_dtype
from ..core.graph import Const, Eqn, Graph, Trace, Tracer
from ..core.registry import PRIMITIVES
from ..core.shape import TensorShape, TensorSpec
from ..prims.control import _SubGraph

__all__ = ["encode_graph", "decode_graph", "GraphSaveError", "GraphLoadError"]


class GraphSaveError(ValueError):
    """A graph holds something a SavedModel can't store as data (Python code)."""


class GraphLoadError(ValueError):
    """A stored graph names something this ember doesn't have, or is malformed."""


# -- encoding ----------------------------------------------------------------------------

class _Encoder:
    def __init__(self, variable_index: Callable | None):
        self.arrays: list = []
        self.ids: dict = {}  # id(Tracer) -> its number (shared by nested sub-graphs)
        self.variable_index = variable_index
        self.where = ""  # the primitive being encoded, for errors

    def tracer(self, t: Tracer) -> list:
        n = self.ids.get(id(t))
        if n is None:
            n = self.ids[id(t)] = len(self.ids)
        return [n, _shape(t.spec.shape), t.spec.dtype.name]

    def ref(self, a: Any) -> Any:
        if a is None:
            return None
        if isinstance(a, Tracer):
            if id(a) not in self.ids:
                raise GraphSaveError(f"{self.where}: a value from outside the graph was "
                                     f"used without being captured.")
            return ["t", self.ids[id(a)]]
        if isinstance(a, Const):
            return ["c", self.array(a.value)]
        raise GraphSaveError(f"{self.where}: an operand of type {type(a).__name__} can't be "
                             f"stored.")

    def array(self, value: Any) -> int:
        self.arrays.append(np.asarray(value))
        return len(self.arrays) - 1

    def variable(self, v: Any) -> int:
        if self.variable_index is None:
            raise GraphSaveError(f"{self.where}: the graph reads Variable {v.name!r}; pass "
                                 f"variable_index to store it.")
        return self.variable_index(v)

    def param(self, v: Any, key: str) -> Any:
        if v is None or isinstance(v, (bool, int, str)) and not isinstance(v, np.generic):
            return v
        if isinstance(v, float):
            return {"f": repr(v)}  # repr keeps every bit (nan / inf too)
        if isinstance(v, tuple):
            return {"T": [self.param(x, key) for x in v]}
        if isinstance(v, list):
            return {"L": [self.param(x, key) for x in v]}
        if isinstance(v, dict):
            return {"D": [[self.param(k, key), self.param(x, key)] for k, x in v.items()]}
        if isinstance(v, frozenset):
            return {"S": sorted((self.param(x, key) for x in v), key=repr)}
        if isinstance(v, slice):
            return {"slice": [self.param(v.start, key), self.param(v.stop, key),
                              self.param(v.step, key)]}
        if v is Ellipsis:
            return {"ellipsis": True}
        if isinstance(v, complex):
            return {"complex": [repr(v.real), repr(v.imag)]}
        if isinstance(v, bytes):
            return {"bytes": v.decode("latin-1")}
        if isinstance(v, np.dtype):
            return {"dtype": v.str if v.kind != "V" else as_dtype(v).name}
        if isinstance(v, type) and issubclass(v, np.generic):
            return {"dtype": np.dtype(v).str}
        if isinstance(v, DType):
            return {"edtype": v.name}
        if isinstance(v, np.generic):
            return {"scalar": self.array(v)}
        if isinstance(v, np.ndarray):
            return {"array": self.array(v)}
        if isinstance(v, TensorSpec):
            return {"spec": [_shape(v.shape), v.dtype.name, v.name]}
        if isinstance(v, TensorShape):
            return {"shape": _shape(v)}
        if isinstance(v, _SubGraph):
            return {"sub": {"graph": self.graph(v.graph),
                            "captured": [self.ref(c) for c in v.captured],
                            "n_args": v.n_args}}
        if getattr(v, "_is_variable", False):
            return {"variable": self.variable(v)}
        if callable(v):
            name = getattr(v, "__qualname__", type(v).__name__)
            raise GraphSaveError(
                f"{self.where}: parameter {key!r} is Python code ({name}), which a "
                f"SavedModel can't store as data (e.g. a py_function / numpy_function, or "
                f"an optimizer's in-place update). Export a function without it (for "
                f"serving: the inference call), or keep the model's source and save its "
                f"weights instead.")
        raise GraphSaveError(f"{self.where}: parameter {key!r} of type {type(v).__name__} "
                             f"can't be stored as data.")

    def graph(self, g: Graph) -> dict:
        data: dict = {"name": g.name, "inputs": [self.tracer(t) for t in g.inputs],
                      "reads": [self.variable(v) for v in g.reads], "eqns": []}
        for e in g.eqns:
            self.where = f"{e.prim.name}" + (f" (from {e.label})" if e.label else "")
            ins = [self.ref(a) for a in e.ins]
            params = {k: self.param(v, k) for k, v in e.params.items()}
            outs = [self.tracer(o) for o in e.outs]
            data["eqns"].append({"p": e.prim.name, "i": ins, "a": params, "o": outs,
                                 "l": e.label})
        self.where = "outputs"
        data["outputs"] = [self.ref(o) for o in g.outputs]
        data["updates"] = [[self.variable(v), self.ref(a)] for v, a in g.updates]
        return data


def _shape(shape: Any) -> Any:
    shape = TensorShape(shape)
    return None if shape.rank is None else list(shape.as_list())


def encode_graph(graph: Graph, variable_index: Callable | None) -> tuple:
    """`(data, arrays)`: the graph as JSON-able data and the arrays it refers to by index.
    `variable_index(v)` numbers each Variable the graph reads or assigns (None: a graph
    that touches a Variable is refused). Raises GraphSaveError for a parameter that is
    Python code."""
    enc = _Encoder(variable_index)
    return enc.graph(graph), enc.arrays


# -- decoding ----------------------------------------------------------------------------

class _Decoder:
    def __init__(self, arrays: list, variables: list):
        self.arrays = arrays
        self.variables = variables
        self.tracers: dict = {}
        self.where = ""

    def new(self, decl: list, trace: Trace) -> Tracer:
        n, shape, dtype = decl
        t = Tracer(TensorSpec(shape, as_dtype(dtype)), trace)
        self.tracers[n] = t
        return t

    def ref(self, r: Any) -> Any:
        if r is None:
            return None
        kind, n = r
        if kind == "t":
            if n not in self.tracers:
                raise GraphLoadError(f"{self.where}: refers to value {n} before it is made.")
            return self.tracers[n]
        return Const(self.array(n))

    def array(self, n: int) -> Any:
        if not 0 <= n < len(self.arrays):
            raise GraphLoadError(f"{self.where}: refers to array {n}, the file has "
                                 f"{len(self.arrays)}.")
        return self.arrays[n]

    def variable(self, n: int) -> Any:
        if not 0 <= n < len(self.variables):
            raise GraphLoadError(f"{self.where}: refers to variable {n}, the file has "
                                 f"{len(self.variables)}.")
        return self.variables[n]

    def param(self, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        (tag, x), = v.items()
        if tag == "f":
            return float(x)
        if tag == "T":
            return tuple(self.param(e) for e in x)
        if tag == "L":
            return [self.param(e) for e in x]
        if tag == "D":
            return {_hashable(self.param(k)): self.param(e) for k, e in x}
        if tag == "S":
            return frozenset(self.param(e) for e in x)
        if tag == "slice":
            return slice(*(self.param(e) for e in x))
        if tag == "ellipsis":
            return Ellipsis
        if tag == "complex":
            return complex(float(x[0]), float(x[1]))
        if tag == "bytes":
            return x.encode("latin-1")
        if tag == "dtype":
            return np.dtype(x) if x[:1] in "<>|=" else as_dtype(x)._np
        if tag == "edtype":
            return as_dtype(x)
        if tag == "scalar":
            return self.array(x)[()]
        if tag == "array":
            return self.array(x)
        if tag == "spec":
            return TensorSpec(x[0], as_dtype(x[1]), name=x[2])
        if tag == "shape":
            return TensorShape(x)
        if tag == "sub":
            return self.sub(x)
        if tag == "variable":
            return self.variable(x)
        raise GraphLoadError(f"{self.where}: unknown parameter tag {tag!r} (a file written "
                             f"by a newer ember?).")

    def sub(self, x: dict) -> _SubGraph:
        sub = _SubGraph.__new__(_SubGraph)
        sub.captured = [self.ref(c) for c in x["captured"]]
        sub.graph = self.graph(x["graph"])
        sub.n_args = x["n_args"]
        sub._plan = None
        return sub

    def graph(self, data: dict) -> Graph:
        trace = Trace(data.get("name", "graph"))
        g = trace.graph
        g.inputs = [self.new(d, trace) for d in data["inputs"]]
        g.reads = [self.variable(n) for n in data["reads"]]
        for e in data["eqns"]:
            name = e["p"]
            self.where = name
            prim = PRIMITIVES.get(name)
            if prim is None:
                raise GraphLoadError(f"The saved graph uses primitive {name!r}, which this "
                                     f"ember doesn't have (saved by a newer version?).")
            ins = [self.ref(r) for r in e["i"]]
            params = {k: self.param(v) for k, v in e["a"].items()}
            outs = [self.new(d, trace) for d in e["o"]]
            g.eqns.append(Eqn(prim, ins, params, outs, e.get("l")))
        self.where = "outputs"
        g.outputs = [self.ref(r) for r in data["outputs"]]
        g.updates = [(self.variable(n), self.ref(r)) for n, r in data["updates"]]
        return g


def _hashable(k: Any) -> Any:
    return tuple(k) if isinstance(k, list) else k


def decode_graph(data: dict, arrays: list, variables: list) -> Graph:
    """The Graph `encode_graph` stored: primitives from ember's registry, Variables from
    `variables` (by the indices the encoder gave them). Raises GraphLoadError for an
    unknown primitive or a malformed graph."""
    return _Decoder(arrays, variables).graph(data)

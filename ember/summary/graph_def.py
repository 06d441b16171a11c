"""ember's graph IR (`ember.core.graph.Graph`) as TensorFlow's `GraphDef` protobuf.

TensorBoard's graph dashboard reads a `GraphDef`: a list of `NodeDef`s, each with a unique
name (`/` makes name scopes), an op name, its inputs by node name (`node` for output 0,
`node:k` for output k) and attributes. A graph of `ember.function` becomes:

- a `Placeholder` per tensor argument (named after the Python argument when known,
  `args_<i>` else), with attrs `dtype`, `shape` and `_output_shapes`;
- per Variable read, a `Placeholder` of dtype resource (`<var>/resource`) and a
  `ReadVariableOp` (`<var>/ReadVariableOp`), as TF captures a variable;
- a `Const` per captured constant (its value in `value`, up to `MAX_CONST_BYTES`);
- a node per equation, op = the primitive's name (`matmul`, `add`, `relu`: ember's names,
  not TF's `MatMul`), attrs `T` (the dtype of its first input), `_output_shapes` and its
  static params;
- an `Identity` per output, and an `AssignVariableOp` per Variable the function assigns.

The protos are the `tensorboard` package's compiled copies of TF's (`pip install
tensorboard`).

Example:
    >>> import ember as tf
    >>> from ember.summary.graph_def import graph_def
    >>> f = tf.function(lambda x: tf.nn.relu(x * 2.0))
    >>> gd = graph_def(f.get_concrete_function(tf.TensorSpec([None, 3])).graph)
    >>> [(n.name, n.op, list(n.input)) for n in gd.node]  # doctest: +NORMALIZE_WHITESPACE
    [('args_0', 'Placeholder', []), ('Const', 'Const', []),
     ('multiply', 'multiply', ['args_0', 'Const']), ('relu', 'relu', ['multiply']),
     ('Identity', 'Identity', ['relu'])]
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

from ..core.dtypes import BY_NP
from ..core.graph import Tracer
from .protos import tensorboard_protos as protos

__all__ = ["MAX_CONST_BYTES", "graph_def", "protos"]

# A constant larger than this goes into the GraphDef without its value (dtype and shape
# only): TensorBoard only displays a graph, and event files should stay small.
MAX_CONST_BYTES = 1 << 20

_ENUMS = {"float32": "DT_FLOAT", "float64": "DT_DOUBLE", "float16": "DT_HALF",
          "bfloat16": "DT_BFLOAT16", "bool": "DT_BOOL", "string": "DT_STRING",
          "complex64": "DT_COMPLEX64", "complex128": "DT_COMPLEX128",
          "resource": "DT_RESOURCE"}
_BAD = re.compile(r"[^A-Za-z0-9_.\-/]")


def _dtype_name(dtype: Any) -> str:
    if isinstance(dtype, np.dtype):
        return BY_NP[dtype].name if dtype in BY_NP else str(dtype)
    return getattr(dtype, "name", str(dtype))


def _enum(pb: Any, dtype: Any) -> int:
    name = _dtype_name(dtype)
    key = _ENUMS.get(name, "DT_" + name.upper())
    try:
        return pb.types_pb2.DataType.Value(key)
    except ValueError:
        return pb.types_pb2.DT_INVALID


def _shape(pb: Any, shape: Any) -> Any:
    proto = pb.tensor_shape_pb2.TensorShapeProto
    if shape is None or getattr(shape, "rank", 0) is None:
        return proto(unknown_rank=True)
    return proto(dim=[proto.Dim(size=-1 if d is None else int(d)) for d in shape])


def _tensor(pb: Any, value: Any) -> Any:
    """A TensorProto of a constant (its value left out above MAX_CONST_BYTES)."""
    arr = np.asarray(value)
    proto = pb.tensor_pb2.TensorProto(dtype=_enum(pb, arr.dtype),
                                      tensor_shape=_shape(pb, arr.shape))
    if arr.dtype.kind in "OSU":
        if arr.size and sum(len(s) for s in arr.ravel().tolist()) <= MAX_CONST_BYTES:
            proto.string_val.extend(s if isinstance(s, bytes) else str(s).encode("utf-8")
                                    for s in arr.ravel().tolist())
    elif arr.nbytes <= MAX_CONST_BYTES:
        proto.tensor_content = np.ascontiguousarray(arr).tobytes()
    return proto


def _attr(pb: Any, value: Any) -> Any:
    """A static param as an AttrValue: ints, floats, bools, strings, dtypes and lists of
    them as such; anything else as its (shortened) repr."""
    attr = pb.attr_value_pb2.AttrValue
    if isinstance(value, (bool, np.bool_)):
        return attr(b=bool(value))
    if isinstance(value, (int, np.integer)):
        return attr(i=int(value))
    if isinstance(value, (float, np.floating)):
        return attr(f=float(value))
    if isinstance(value, str):
        return attr(s=value.encode("utf-8"))
    if isinstance(value, bytes):
        return attr(s=value)
    if isinstance(value, np.dtype) or type(value).__name__ == "DType":
        return attr(type=_enum(pb, value))
    if isinstance(value, (list, tuple)) and value:
        items = list(value)
        lst = pb.attr_value_pb2.AttrValue.ListValue
        if all(isinstance(v, (bool, np.bool_)) for v in items):
            return attr(list=lst(b=[bool(v) for v in items]))
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
            return attr(list=lst(i=[int(v) for v in items]))
        if all(isinstance(v, (float, np.floating, int)) for v in items):
            return attr(list=lst(f=[float(v) for v in items]))
        if all(isinstance(v, str) for v in items):
            return attr(list=lst(s=[v.encode("utf-8") for v in items]))
    text = repr(value)
    return attr(s=(text if len(text) <= 200 else text[:197] + "...").encode("utf-8"))


def _clean(name: str) -> str:
    """`name` as a valid TF node name (other characters become `_`)."""
    name = _BAD.sub("_", name).strip("/") or "node"
    return name if re.match(r"[A-Za-z0-9.]", name) else "n" + name


def graph_def(graph: Any, input_names: Sequence[str | None] | None = None,
              scope: str | None = None, into: Any = None) -> Any:
    """The `GraphDef` of an ember `Graph` (see the module doc for the node layout).

    Args:
        graph: the graph, e.g. `concrete_function.graph`.
        input_names: names for the graph's tensor arguments (None entries: `args_<i>`).
        scope: a name scope put before every node name (`scope/...`), e.g. the
            function's name when several graphs share one GraphDef.
        into: a GraphDef to add the nodes to (names stay unique across it); a new one
            when None.

    Example:
        >>> import ember as tf
        >>> from ember.summary.graph_def import graph_def
        >>> w = tf.Variable([[1.0], [2.0]], name="w")
        >>> f = tf.function(lambda x: x @ w)
        >>> gd = graph_def(f.get_concrete_function(tf.TensorSpec([1, 2])).graph,
        ...                input_names=["x"], scope="f")
        >>> [(n.name, n.op) for n in gd.node]  # doctest: +NORMALIZE_WHITESPACE
        [('f/x', 'Placeholder'), ('f/w/resource', 'Placeholder'),
         ('f/w/ReadVariableOp', 'ReadVariableOp'), ('f/matmul', 'matmul'),
         ('f/Identity', 'Identity')]
    """
    if not hasattr(graph, "eqns") or not hasattr(graph, "inputs"):
        raise TypeError(f"graph_def: expected an ember graph (e.g. "
                        f"concrete_function.graph), received {type(graph).__name__}.")
    pb = protos()
    gd = pb.graph_pb2.GraphDef() if into is None else into
    used = {n.name for n in gd.node}
    prefix = _clean(scope) + "/" if scope else ""

    def fresh(base: str) -> str:
        name, k = base, 0
        while name in used:
            k += 1
            name = f"{base}_{k}"
        used.add(name)
        return name

    def node(name: str, op: str, inputs: Sequence[str] = (), dtype: Any = None,
             shapes: Sequence[Any] = (), **attrs: Any) -> Any:
        n = gd.node.add(name=name, op=op, input=list(inputs))
        if dtype is not None:
            n.attr["dtype"].type = _enum(pb, dtype)
        if shapes:
            n.attr["_output_shapes"].list.shape.extend(_shape(pb, s) for s in shapes)
        for key, value in attrs.items():
            n.attr[key].CopyFrom(value)
        return n

    refs: dict = {}  # id(Tracer) -> its input reference ("node" or "node:k")
    n_args = len(graph.inputs) - len(graph.reads)
    names = list(input_names or [])
    for i, t in enumerate(graph.inputs[:n_args]):
        base = names[i] if i < len(names) and names[i] else f"args_{i}"
        shape_attr = pb.attr_value_pb2.AttrValue(shape=_shape(pb, t.spec.shape))
        refs[id(t)] = node(fresh(prefix + _clean(base)), "Placeholder", dtype=t.spec.dtype,
                           shapes=[t.spec.shape], shape=shape_attr).name
    resources: dict = {}  # id(Variable) -> name scope of its nodes

    def var_scope(v: Any) -> str:
        got = resources.get(id(v))
        if got is None:
            base = str(getattr(v, "name", "Variable")).split(":")[0]
            got = resources[id(v)] = fresh(prefix + _clean(base))
            node(got + "/resource", "Placeholder", dtype="resource", shapes=[()])
            used.add(got + "/resource")
        return got

    for t, v in zip(graph.inputs[n_args:], graph.reads):
        vs = var_scope(v)
        used.add(vs + "/ReadVariableOp")
        refs[id(t)] = node(vs + "/ReadVariableOp", "ReadVariableOp", [vs + "/resource"],
                           dtype=t.spec.dtype, shapes=[t.spec.shape]).name
    consts: dict = {}

    def ref(a: Any) -> str:
        if isinstance(a, Tracer):
            return refs[id(a)]
        got = consts.get(id(a))
        if got is None:
            value = pb.attr_value_pb2.AttrValue(tensor=_tensor(pb, a.value))
            got = consts[id(a)] = node(fresh(prefix + "Const"), "Const", dtype=a.spec.dtype,
                                       shapes=[a.spec.shape], value=value).name
        return got

    for e in graph.eqns:
        inputs = [ref(a) for a in e.ins]
        attrs = {k: _attr(pb, v) for k, v in e.params.items() if not k.startswith("_")}
        if e.ins:
            attrs["T"] = pb.attr_value_pb2.AttrValue(type=_enum(pb, e.ins[0].spec.dtype))
        n = node(fresh(prefix + _clean(e.prim.name)), e.prim.name, inputs,
                 shapes=[o.spec.shape for o in e.outs], **attrs)
        for k, o in enumerate(e.outs):
            refs[id(o)] = n.name if k == 0 else f"{n.name}:{k}"
    for o in graph.outputs:
        if o is not None:
            node(fresh(prefix + "Identity"), "Identity", [ref(o)], shapes=[o.spec.shape],
                 T=pb.attr_value_pb2.AttrValue(type=_enum(pb, o.spec.dtype)))
    for v, a in graph.updates:
        res = var_scope(v) + "/resource"
        node(fresh(prefix + "AssignVariableOp"), "AssignVariableOp", [res, ref(a)],
             dtype=a.spec.dtype)
    return gd

"""A traced ember graph (`ember.function`'s IR, core/graph.py) as an ONNX model.

The graph is exported as traced, before the executor's rewrites (core/rewrite.py): each
equation goes to the emitter its primitive has in `EMITTERS` (the table filled by
`onnx_ops`, `onnx_ops_nn`, `onnx_ops_control` and `onnx_ops_more`), which adds ONNX
nodes through an `EmitContext`. Variables read by the graph and captured constants
become initializers (named after the Variables, made unique); unknown dims of the inputs
become symbolic dims (the leading one `batch`). A graph whose primitives have no emitter
is refused as a whole, before anything is built, with an error naming the primitive and
its op.

Example:
    >>> import ember as tf
    >>> f = tf.function(lambda x: tf.nn.relu(x) * 2.0)
    >>> graph = f.get_concrete_function(tf.TensorSpec([None, 3])).graph
    >>> model = graph_to_onnx(graph)
    >>> [n.op_type for n in model.graph.node]
    ['Relu', 'Mul', 'Identity']
    >>> model.graph.input[0].type.tensor_type.shape.dim[0].dim_param
    'batch'
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ..core.graph import Const, Graph, Tracer
from ..core.shape import TensorSpec
from . import onnx_ops, onnx_ops_control, onnx_ops_more, onnx_ops_nn
from .onnx_ops import EMITTERS

# the modules that fill EMITTERS
_TABLES = (onnx_ops, onnx_ops_nn, onnx_ops_control, onnx_ops_more)

DEFAULT_OPSET = 17
MIN_OPSET = 17


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the `onnx` package: pip install onnx (and "
                          "onnxruntime to run the exported model).") from None
    return onnx


def onnx_type(dtype: Any) -> int:
    """The ONNX element type (`onnx.TensorProto.FLOAT`, ...) of an ember or NumPy dtype.

    Example:
        >>> import ember as tf
        >>> onnx_type(tf.float32), onnx_type(np.int64)
        (1, 7)
    """
    onnx = _onnx()
    np_dtype = np.dtype(dtype._numpy() if hasattr(dtype, "_numpy") else dtype)
    try:
        return int(onnx.helper.np_dtype_to_tensor_dtype(np_dtype))
    except (KeyError, ValueError, TypeError):
        raise NotImplementedError(f"ONNX export: the dtype {np_dtype} has no ONNX element "
                                  f"type here; cast the tensor first.") from None


def _unmapped(graph: Graph) -> Iterator:
    """The equations (in this graph and every sub-graph) whose primitive has no emitter."""
    for e in graph.eqns:
        if e.prim.name not in EMITTERS:
            yield e
        for sub in onnx_ops_control.subgraphs_of(e):
            yield from _unmapped(sub)


class _Builder:
    """The ONNX graph under construction: nodes (one list per open graph scope), the
    initializers (all in the main graph, where every sub-graph sees them), unique names."""

    def __init__(self, opset: int):
        self.opset = opset
        self.scopes: list = [[]]
        self.initializers: list = []
        self._used: set = set()
        self._next: dict = {}  # base name -> the next suffix to try
        self._consts: dict = {}

    def fresh(self, hint: str) -> str:
        """A name not used yet in the model: `hint`, else `hint_1`, `hint_2`, ..."""
        base = "".join(c if c.isalnum() or c in "_/.:" else "_" for c in hint) or "t"
        name, k = base, self._next.get(base, 0)
        if k:
            name = f"{base}_{k}"
        while name in self._used:
            k += 1
            name = f"{base}_{k}"
        self._next[base] = k + 1
        self._used.add(name)
        return name

    def add_node(self, op_type: str, inputs: Sequence[str], n_out: int = 1,
                 hint: str | None = None, **attrs: Any) -> Any:
        onnx = _onnx()
        outs = [self.fresh(hint or op_type.lower()) for _ in range(n_out)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.scopes[-1].append(onnx.helper.make_node(
            op_type, list(inputs), outs, name=self.fresh("node_" + op_type), **attrs))
        return outs[0] if n_out == 1 else outs

    def initializer(self, value: np.ndarray, hint: str) -> str:
        onnx = _onnx()
        name = self.fresh(hint)
        self.initializers.append(onnx.numpy_helper.from_array(np.asarray(value), name))
        return name

    def const(self, value: Any, dtype: Any = None) -> str:
        arr = np.asarray(value, dtype=None if dtype is None else np.dtype(dtype))
        if arr.dtype == object:
            raise NotImplementedError("ONNX export: a constant of Python objects (strings) "
                                      "has no ONNX form here.")
        key = None
        if arr.size <= 64:
            key = (arr.dtype.str, arr.shape, arr.tobytes())
            hit = self._consts.get(key)
            if hit is not None:
                return hit
        name = self.initializer(arr, "const")
        if key is not None:
            self._consts[key] = name
        return name


class EmitContext:
    """What an emitter sees of one equation, and how it adds to the ONNX graph.

    Attributes: `ins` (the ONNX names of the equation's inputs), `in_specs` and
    `out_specs` (their `TensorSpec`s), `params` (the primitive's static parameters),
    `prim` (its name), `label` (the public op that bound it) and `opset`.
    """

    def __init__(self, builder: _Builder, eqn: Any, ins: list):
        self._b = builder
        self.eqn = eqn
        self.prim = eqn.prim.name
        self.label = eqn.label
        self.params = eqn.params
        self.ins = ins
        self.in_specs = [a.spec for a in eqn.ins]
        self.out_specs = [o.spec for o in eqn.outs]
        self.opset = builder.opset

    @property
    def out_spec(self) -> TensorSpec:
        return self.out_specs[0]

    def add_node(self, op_type: str, inputs: Sequence[str], n_out: int = 1,
                 **attrs: Any) -> Any:
        """Adds one ONNX node; returns its output name (a list of names for n_out > 1).
        An input name "" is an omitted optional input."""
        return self._b.add_node(op_type, inputs, n_out, hint=self.prim, **attrs)

    def const(self, value: Any, dtype: Any = None) -> str:
        """The name of a constant (an initializer) holding `value` (in `dtype`)."""
        return self._b.const(value, dtype)

    def ints(self, values: Sequence[int]) -> str:
        """A 1-D int64 constant: the shape / axes / pads inputs of ONNX ops."""
        return self._b.const(np.asarray(list(values), np.int64).reshape(-1))

    def cast(self, x: str, dtype: Any) -> str:
        return self.add_node("Cast", [x], to=onnx_type(dtype))

    def unsqueeze(self, x: str, axes: Sequence[int]) -> str:
        return self.add_node("Unsqueeze", [x, self.ints(axes)])

    def squeeze(self, x: str, axes: Sequence[int]) -> str:
        return self.add_node("Squeeze", [x, self.ints(axes)]) if len(axes) else x

    def reduce(self, op_type: str, x: str, axes: Sequence[int] | None,
               keepdims: bool) -> str:
        """A ReduceXxx node over `axes` (None: all), as the opset spells it (axes are an
        input of ReduceSum since opset 13, of the others since 18)."""
        keep = int(bool(keepdims))
        if axes is None:
            return self.add_node(op_type, [x], keepdims=keep)
        axes = [int(a) for a in axes]
        if not axes:
            return self.add_node("Identity", [x])
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.add_node(op_type, [x, self.ints(axes)], keepdims=keep)
        return self.add_node(op_type, [x], axes=axes, keepdims=keep)

    def unsupported(self, why: str) -> NotImplementedError:
        """The error for parameters of this primitive that have no ONNX mapping."""
        return NotImplementedError(
            f"ONNX export: primitive {self.prim!r} (op {self.label or self.prim!r}) {why} "
            f"Nothing was exported (no file written).")

    def subgraph(self, name: str, inputs: Sequence[tuple], body: Callable[[], list]) -> Any:
        """An ONNX GraphProto (a Loop body, an If branch): `inputs` are its formal inputs as
        `(onnx name, TensorSpec)`; `body()` emits its nodes (with `inline`) and returns its
        outputs as `(onnx name, TensorSpec)`."""
        onnx = _onnx()
        self._b.scopes.append([])
        try:
            outs = body()
            named = [(self.add_node("Identity", [n]), s) for n, s in outs]
        finally:
            nodes = self._b.scopes.pop()
        return onnx.helper.make_graph(
            nodes, self._b.fresh(name),
            [value_info(n, s) for n, s in inputs], [value_info(n, s) for n, s in named])

    def inline(self, graph: Graph, input_names: Sequence[str]) -> list:
        """Emits the equations of an ember (sub-)graph whose inputs are `input_names`,
        into the current scope; returns the names of its outputs."""
        return _emit_graph(self._b, graph, input_names)

    def fresh(self, hint: str) -> str:
        return self._b.fresh(hint)


def value_info(name: str, spec: TensorSpec, dims: Sequence | None = None) -> Any:
    """An ONNX ValueInfoProto for a tensor of `spec`; `dims` overrides its dims (ints,
    symbolic names, or None for unknown).

    Example:
        >>> import ember as tf
        >>> v = value_info("x", tf.TensorSpec([None, 3]), ["batch", 3])
        >>> v.name, v.type.tensor_type.shape.dim[0].dim_param
        ('x', 'batch')
    """
    onnx = _onnx()
    shape = None if spec.shape.rank is None else list(spec.shape if dims is None else dims)
    return onnx.helper.make_tensor_value_info(name, onnx_type(spec.dtype), shape)


def _emit_graph(builder: _Builder, graph: Graph, input_names: Sequence[str]) -> list:
    """Emits every equation of `graph` (inputs named `input_names`); the output names."""
    env = {id(t): n for t, n in zip(graph.inputs, input_names)}

    def name_of(a: Any) -> str:
        if isinstance(a, Tracer):
            return env[id(a)]
        if isinstance(a, Const):
            return builder.const(a.value, a.spec.dtype._numpy())
        raise TypeError(f"ONNX export: unexpected graph atom {a!r}")

    for e in graph.eqns:
        ctx = EmitContext(builder, e, [name_of(a) for a in e.ins])
        try:
            result = EMITTERS[e.prim.name](ctx)
        except NotImplementedError:
            raise
        except Exception as exc:  # an emitter's own failure: say which equation
            raise RuntimeError(f"ONNX export failed at primitive {e.prim.name!r} (op "
                               f"{e.label or e.prim.name!r}): {exc}") from exc
        names = [result] if isinstance(result, str) else list(result)
        if len(names) != len(e.outs):
            raise RuntimeError(f"ONNX export: the emitter of {e.prim.name!r} gave "
                               f"{len(names)} outputs for {len(e.outs)}.")
        for o, n in zip(e.outs, names):
            env[id(o)] = n
    return [None if o is None else name_of(o) for o in graph.outputs]


def graph_to_onnx(graph: Graph, *, opset: int = DEFAULT_OPSET,
                  input_names: Sequence[str] | None = None,
                  output_names: Sequence[str] | None = None,
                  batch_dim: str | None = "batch", name: str = "ember") -> Any:
    """An `onnx.ModelProto` computing `graph` (a traced `ember.function` graph).

    Args:
        graph: the `Graph` of a ConcreteFunction. It must not assign Variables.
        opset: the ONNX opset (17 or later).
        input_names / output_names: names of the tensor arguments / results (default
            `input_0`, ... / `output_0`, ...).
        batch_dim: the symbolic name of an unknown leading dim of the inputs (None: the
            unknown dims all get names `<input>_dim<k>`).
        name: the ONNX graph's name.

    Returns:
        The model (not checked; `onnx.checker.check_model` it if you wish).

    Raises:
        NotImplementedError: a primitive of the graph has no ONNX mapping (nothing built).

    Example:
        >>> import ember as tf
        >>> f = tf.function(lambda x: tf.reduce_sum(x * x, axis=1))
        >>> m = graph_to_onnx(f.get_concrete_function(tf.TensorSpec([None, 4])).graph)
        >>> [n.op_type for n in m.graph.node], m.opset_import[0].version
        (['Mul', 'ReduceSum', 'Identity'], 17)
    """
    onnx = _onnx()
    opset = int(opset)
    if opset < MIN_OPSET:
        raise ValueError(f"ONNX export: opset must be {MIN_OPSET} or later, received "
                         f"opset={opset}.")
    missing = next(_unmapped(graph), None)
    if missing is not None:
        raise NotImplementedError(
            f"ONNX export: primitive {missing.prim.name!r} (op "
            f"{missing.label or missing.prim.name!r}) has no ONNX mapping, so nothing was "
            f"exported (no file written). Compute it outside the exported function, or "
            f"write it with ops that map (see EMITTERS in ember/export/onnx_ops*.py).")
    if graph.updates:
        names = ", ".join(v._name for v, _ in graph.updates)
        raise NotImplementedError(
            f"ONNX export: the function assigns Variables ({names}); an ONNX model has no "
            f"state. Export a function without assignments (a Keras model: call it with "
            f"training=False).")
    args = graph.arg_inputs
    in_names = list(input_names or [f"input_{i}" for i in range(len(args))])
    builder = _Builder(opset)
    for n in in_names:
        builder._used.add(n)
    inputs = []
    for t, n in zip(args, in_names):
        dims = [d if d is not None else (batch_dim if j == 0 and batch_dim else f"{n}_dim{j}")
                for j, d in enumerate(t.spec.shape)] if t.spec.shape.rank is not None else None
        inputs.append(value_info(n, t.spec, dims))
    n_results = sum(1 for o in graph.outputs if o is not None)
    out_names = list(output_names or [f"output_{i}" for i in range(n_results)])
    builder._used.update(out_names)
    reads = [builder.initializer(np.asarray(v._value), v._name.split(":")[0])
             for v in graph.reads]
    outs = _emit_graph(builder, graph, in_names + reads)
    results = [(n, o.spec) for n, o in zip(outs, graph.outputs) if o is not None]
    outputs = []
    for (n, spec), want in zip(results, out_names):
        builder.scopes[-1].append(onnx.helper.make_node("Identity", [n], [want],
                                                        name=builder.fresh("node_Identity")))
        outputs.append(value_info(want, spec))
    g = onnx.helper.make_graph(builder.scopes[0], name, inputs, outputs,
                               initializer=builder.initializers)
    ops = [onnx.helper.make_opsetid("", opset)]
    model = onnx.helper.make_model(g, opset_imports=ops, producer_name="ember")
    model.ir_version = onnx.helper.find_min_ir_version_for(ops)
    return model

"""The functional graph: from a model's input and output KerasTensors to an ordered list
of Nodes, and its runs on concrete tensors (compiled) or KerasTensors (shape-only).

Example:
    >>> from ember import keras
    >>> a = keras.Input((2,), name="a")
    >>> b = keras.layers.Dense(3, name="h")(a)
    >>> g = FunctionalGraph(a, b)
    >>> [n.layer.name for n in g.nodes], [l.name for l in g.layers]
    (['h'], ['a', 'h'])
"""

from __future__ import annotations

from typing import Any


from ...core import nest
from ...core.convert import to_array
from ...core.errors import ShapeError
from ...core.shape import TensorSpec
from ...core.tensor import ConcreteTensor, TensorOps, wrap
from ..engine import op_serialization
from ..engine.input_layer import InputLayer
from ..engine.keras_tensor import KerasTensor
from ..engine.layer_utils import all_numbers
from ..engine.masking import get_mask
from ..layers.serialization import deserialize, serialize


class FunctionalGraph:
    """The nodes between `inputs` and `outputs`, in an order that runs them.

    `extras` are more KerasTensors computed on every run but not returned: the outputs of
    the AddLoss / AddMetric nodes of `model.add_loss(tensor)` / `model.add_metric(...)`.
    """

    def __init__(self, inputs: Any, outputs: Any, extras: Any = ()):
        if isinstance(inputs, dict):
            inputs = dict(inputs)
        self.nested_inputs = inputs
        self.nested_outputs = outputs
        self.inputs = nest.flatten(inputs)
        self.outputs = nest.flatten(outputs)
        self.extras = list(extras)
        for what, ts in (("inputs", self.inputs), ("outputs", self.outputs),
                         ("added losses and metrics", self.extras)):
            for t in ts:
                if not isinstance(t, KerasTensor) or t._keras_history is None:
                    raise TypeError(
                        f"Model: all {what} must be KerasTensors made by keras.Input or by "
                        f"layers called on them; received {t!r}. (To run a model on data, "
                        f"build it first, then call model(x).)")
        if len({id(t) for t in self.inputs}) != len(self.inputs):
            raise ValueError("Model: the same input tensor is listed twice in inputs.")
        self.nodes = self._order_nodes()
        self.layers = self._keras_layer_order()
        self.input_names = [t._keras_history[0].name if isinstance(
            t._keras_history[0], InputLayer) else t.name for t in self.inputs]
        self.output_names = [t._keras_history[0].name for t in self.outputs]
        self._out_slots = {id(n): [i for i, o in enumerate(nest.flatten(n.outputs))
                                   if isinstance(o, KerasTensor)] for n in self.nodes}

    def _keras_layer_order(self) -> list:
        """The layers in the order Keras (2 and 3) lists them (`model.layers`, and so
        `get_weights()`, configs and Keras' weight files): by depth from the outputs,
        deepest first; ties in the order a depth-first walk from the outputs first reaches
        them; the inputs first."""
        input_ids = {id(t) for t in self.inputs}
        first_seen: dict = {}  # id(layer) -> (first-visit index, layer)
        finished: set = set()
        post: list = []  # nodes, each after those it reads from
        for out in self.outputs + self.extras:
            stack: list = [(out, None)]
            while stack:
                t, pending = stack.pop()
                layer, node_index, _ = t._keras_history
                node = layer._inbound_nodes[node_index]
                is_input = isinstance(node.layer, InputLayer)
                if pending is None:
                    if id(node) in finished:
                        continue
                    if not is_input and id(t) in input_ids:
                        finished.add(id(node))
                        continue
                    first_seen.setdefault(id(layer), (len(first_seen), layer))
                    pending = iter([] if is_input else list(node.input_tensors))
                nxt = next(pending, None)
                if nxt is None:
                    finished.add(id(node))
                    post.append(node)
                else:
                    stack.append((t, pending))
                    stack.append((nxt, None))
        in_graph = {id(n) for n in post}
        node_depth: dict = {}
        layer_depth: dict = {}
        for node in reversed(post):
            d = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
            layer_depth[id(node.layer)] = node_depth[id(node)] = d
            for t in node.input_tensors:
                if t._keras_history is None:
                    continue
                parent = t._keras_history[0]._inbound_nodes[t._keras_history[1]]
                if id(parent) in in_graph:
                    node_depth[id(parent)] = max(d + 1, node_depth.get(id(parent), 0))
        inputs = []
        for t in self.inputs:  # the inputs first, in the model's order (as Keras)
            layer = t._keras_history[0]
            if id(layer) not in {id(x) for x in inputs}:
                inputs.append(layer)
        input_layers = {id(x) for x in inputs}
        rest = sorted((k for k in layer_depth if k not in input_layers),
                      key=lambda k: (-layer_depth[k], first_seen[k][0]))
        return inputs + [first_seen[k][1] for k in rest]

    def _order_nodes(self) -> list:
        """Nodes from the inputs to the outputs, each after the nodes it reads from."""
        input_ids = {id(t) for t in self.inputs}
        order: list = []
        done: set = set()
        for out in self.outputs + self.extras:
            stack = [(out, False)]
            while stack:  # iterative depth-first walk: deep graphs don't hit recursion limits
                t, expanded = stack.pop()
                if id(t) in input_ids:
                    continue
                node = t.node
                if id(node) in done:
                    continue
                if expanded:
                    done.add(id(node))
                    order.append(node)
                    continue
                if isinstance(node.layer, InputLayer):
                    raise ValueError(self._disconnected(t, order))
                stack.append((t, True))
                for inp in reversed(node.input_tensors):
                    if id(inp) not in input_ids and id(inp.node) not in done:
                        stack.append((inp, False))
        return order

    def _disconnected(self, t: KerasTensor, order: list) -> str:
        seen = [n.layer.name for n in order]
        return (f"Graph disconnected: cannot obtain value for tensor {t!r} at layer "
                f'"{t._keras_history[0].name}": it is not among the model inputs '
                f"({[x.name for x in self.inputs]}). The following previous layers were "
                f"accessed without issue: {seen}. Pass that Input to keras.Model(inputs=...).")

    # -- running ---------------------------------------------------------------------
    def run(self, flat_values: list) -> Any:
        """Runs every node on `flat_values` (one per input); returns the outputs' structure."""
        values = {id(t): v for t, v in zip(self.inputs, flat_values)}
        for node in self.nodes:
            out = node.run(values)
            flat = nest.flatten(out)
            slots = self._out_slots[id(node)]
            if len(flat) != len(nest.flatten(node.outputs)):
                raise ValueError(f'Layer "{node.layer.name}" returned {len(flat)} tensors '
                                 f"when run, but {len(slots)} when the model was built.")
            for t, i in zip(node.output_tensors, slots):
                values[id(t)] = flat[i]
        return nest.pack_sequence_as(self.nested_outputs,
                                     [values[id(t)] for t in self.outputs])

    @property
    def has_output_masks(self) -> bool:
        """Whether some output carries a Keras mask (known when the graph is built: the
        output KerasTensors carry shape-only masks). Masks flow with the tensors of a
        run: each node's layer reads its inputs' masks and attaches its outputs'.

        Example:
            >>> from ember import keras
            >>> x = keras.Input((3,), dtype="int32")
            >>> y = keras.layers.Embedding(5, 2, mask_zero=True)(x)
            >>> FunctionalGraph(x, y).has_output_masks
            True
        """
        return any(get_mask(t) is not None for t in self.outputs)

    def specs(self) -> list:
        return [TensorSpec(t.shape, t.dtype) for t in self.inputs]

    def flatten_inputs(self, x: Any, model_name: str) -> list:
        """The user's inputs in the order of `self.inputs` (a dict by input names)."""
        n = len(self.inputs)
        if isinstance(x, dict):
            names = self.input_names
            if isinstance(self.nested_inputs, dict):
                keyed = dict(zip(sorted(self.nested_inputs), self.inputs))
                names = [next(k for k, t in keyed.items() if t is kt) for kt in self.inputs]
            missing = [k for k in names if k not in x]
            if missing:
                raise ValueError(f'Model "{model_name}": missing input(s) {missing} in the '
                                 f"dict given (keys {sorted(x)}). Expected keys {names}.")
            return [x[k] for k in names]
        if n == 1:
            if isinstance(x, (list, tuple)) and len(x) == 1 and not all_numbers(x):
                return [x[0]]
            return [x]
        if not isinstance(x, (list, tuple)) or len(x) != n:
            got = f"{len(x)} inputs" if isinstance(x, (list, tuple)) else "1 input"
            raise ValueError(f'Model "{model_name}" expects {n} inputs '
                             f"({self.input_names}), but it received {got}. Pass a list "
                             f"of {n} arrays/tensors, or a dict keyed by input name.")
        return list(x)

    def conform(self, flat: list, model_name: str) -> list | None:
        """Concrete tensors of the inputs' dtypes and checked shapes, or None when an input
        is symbolic (a KerasTensor, or a tensor of a function being traced)."""
        out = []
        for i, (x, kt) in enumerate(zip(flat, self.inputs)):
            dt = kt.spec.dtype
            if isinstance(x, ConcreteTensor):
                if x.dtype is not dt:
                    x = wrap(to_array(x._value, dt))
            elif isinstance(x, TensorOps):
                return None
            else:
                x = wrap(to_array(x, dt))
            try:
                check_shape(i, x._value.shape, kt, model_name)
            except ShapeError:  # NOTE: off the fast path: Keras 3's +/- a trailing 1
                adjusted = adjusted_rank(x._value.shape, kt)
                if adjusted is None:
                    raise
                x = wrap(x._value.reshape(adjusted))
                check_shape(i, x._value.shape, kt, model_name)
            out.append(x)
        return out


def adjusted_rank(shape: tuple, kt: KerasTensor) -> tuple | None:
    """The shape an input of `shape` takes for the model input `kt`, as Keras 3's functional
    models adjust it (`Functional._adjust_input_rank`): one rank more ending in 1 drops
    that axis, one rank less gains a trailing 1 when the input's shape ends in 1; None
    when no adjustment applies (the shape check then decides).

    Example:
        >>> from ember import keras
        >>> adjusted_rank((3,), keras.Input((1,))), adjusted_rank((2, 3, 1), keras.Input((3,)))
        ((3, 1), (2, 3))
    """
    want = kt.spec.shape
    rank, want_rank = len(shape), want.rank
    if want_rank is None:
        return None
    if rank == want_rank + 1 and shape[-1] == 1:
        return tuple(shape[:-1])
    if rank == want_rank - 1 and want_rank and want[-1] == 1:
        return tuple(shape) + (1,)
    return None


def check_shape(i: int, shape: tuple, kt: KerasTensor, model_name: str) -> None:
    """Raises when an input of `shape` can't feed the model input `kt`."""
    want = kt.spec.shape
    if len(shape) == len(want) and all(w is None or w == d for w, d in zip(want, shape)):
        return
    exp = "(" + ", ".join("None" if d is None else str(d) for d in want) + \
        ("," if len(want) == 1 else "") + ")"
    msg = (f'Input {i} of layer "{model_name}" is incompatible: expected shape {exp}, '
           f"received shape {tuple(shape)}.")
    if len(shape) == len(want) - 1 and all(
            w is None or w == d for w, d in zip(list(want)[1:], shape)):
        msg += (" It looks like one sample without its batch axis: pass x[None] (or "
                "np.expand_dims(x, 0)) to make a batch of one.")
    elif len(shape) == len(want):
        bad = [a for a, (w, d) in enumerate(zip(want, shape)) if w is not None and w != d]
        msg += (f" Axis {bad[0] - len(want)} should be {want[bad[0]]}; check the data's "
                f"features, or build the model for this shape.")
    raise ShapeError(msg)


# -- config (tf.keras 2's functional format) -------------------------------------------
_KT = "__keras_tensor__"


def graph_config(model: Any) -> dict:
    """The functional config of `model` (a model with a FunctionalGraph), tf.keras 2 style:
    `layers` (each with `inbound_nodes`), `input_layers` and `output_layers`.

    A node called as `layer(x)` or `layer([x, y])` (keywords without tensors) is stored as
    tf.keras 2 stores it, `[[layer_name, node_index, tensor_index, kwargs], ...]`; any
    other call (several positional arguments, tensors among keywords) as
    `{"args": ..., "kwargs": ...}` with each tensor as `{"class_name": "__keras_tensor__",
    "config": {"keras_history": [layer_name, node_index, tensor_index]}}`.

    Example:
        >>> from ember import keras
        >>> x = keras.Input((2,), name="x")
        >>> m = keras.Model(x, keras.layers.Dense(1, name="d")(x), name="m")
        >>> cfg = graph_config(m)
        >>> cfg["layers"][1]["inbound_nodes"], cfg["input_layers"], cfg["output_layers"]
        ([[['x', 0, 0, {}]]], [['x', 0, 0]], [['d', 0, 0]])
    """
    g = model._graph
    if g.extras:
        raise NotImplementedError(
            f'Model "{model.name}" has losses or metrics added with model.add_loss / '
            f"model.add_metric on its tensors; their config can't be saved yet. Compute "
            f"them in a custom layer (self.add_loss in call), or save the weights only "
            f"(model.save_weights).")
    names: dict = {}
    for layer in g.layers:
        if layer.name in names and names[layer.name] is not layer:
            raise ValueError(f'Model "{model.name}": two layers are named {layer.name!r}; '
                             f"layer names must be unique to save the model's config. "
                             f"Pass name=... to one of them.")
        names[layer.name] = layer
    in_graph = {id(n) for n in g.nodes}
    in_graph.update(id(t.node) for t in g.inputs)
    index: dict = {}  # id(node) -> its index among the layer's nodes in this model
    for layer in g.layers:
        kept = [n for n in layer._inbound_nodes if id(n) in in_graph]
        index.update((id(n), i) for i, n in enumerate(kept))

    def ref(t: KerasTensor) -> list:
        layer, _, tensor_index = t._keras_history
        return [layer.name, index[id(t.node)], tensor_index]

    def encode(x: Any) -> Any:
        if isinstance(x, KerasTensor):
            return {"class_name": _KT, "config": {"keras_history": ref(x)}}
        if isinstance(x, (list, tuple)):
            return [encode(v) for v in x]
        if isinstance(x, dict):
            return {k: encode(v) for k, v in x.items()}
        return x

    nodes_of: dict = {id(layer): [] for layer in g.layers}
    for node in g.nodes:  # node order is a valid run order; sort each layer's by index
        nodes_of[id(node.layer)].append(node)
    layers = []
    for layer in g.layers:
        entries = []
        for node in sorted(nodes_of[id(layer)], key=lambda n: index[id(n)]):
            args, kwargs = node.call_args, node.call_kwargs
            first = args[0] if len(args) == 1 else None
            plain = not any(isinstance(t, KerasTensor) for t in nest.flatten(kwargs))
            if plain and isinstance(first, KerasTensor):
                entries.append([ref(first) + [encode(kwargs)]])
            elif plain and isinstance(first, list) and first and all(
                    isinstance(t, KerasTensor) for t in first):
                entries.append([ref(t) + [encode(kwargs)] for t in first])
            else:
                entries.append({"args": encode(list(args)), "kwargs": encode(kwargs)})
        layers.append({**serialize(layer), "name": layer.name, "inbound_nodes": entries})

    def io(nested: Any, flat: list) -> Any:
        if isinstance(nested, dict):
            return {k: ref(t) for k, t in nested.items()}
        return [ref(t) for t in flat]

    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": io(g.nested_inputs, g.inputs),
            "output_layers": io(g.nested_outputs, g.outputs)}


def graph_from_config(config: dict, custom_objects: dict | None = None) -> tuple:
    """(inputs, outputs, name) rebuilt from `graph_config`'s dict: each layer is
    deserialized, then called on its inputs in an order where those exist.

    Example:
        >>> from ember import keras
        >>> x = keras.Input((2,), name="x")
        >>> m = keras.Model(x, keras.layers.Dense(1, name="d")(x))
        >>> inputs, outputs, name = graph_from_config(graph_config(m))
        >>> outputs.shape
        TensorShape([None, 1])
    """
    with op_serialization.shared_variables():  # a Variable ops share stays one Variable
        return _rebuild_graph(config, custom_objects)


def _rebuild_graph(config: dict, custom_objects: dict | None) -> tuple:
    for key in ("layers", "input_layers", "output_layers"):
        if key not in config:
            raise ValueError(f"Model.from_config: the functional config has no {key!r} "
                             f"(keys {sorted(config)}); pass the dict of model.get_config().")
    done: dict = {}  # (layer name, node index) -> the node's output KerasTensors
    pending: list = []  # [name, layer, node entries, how many are done]
    for entry in config["layers"]:
        layer = deserialize(entry, custom_objects=custom_objects)
        name = entry.get("name", layer.name)
        if isinstance(layer, InputLayer):
            done[(name, 0)] = [layer._inbound_nodes[0].outputs]
        else:
            pending.append([name, layer, list(entry.get("inbound_nodes") or []), 0])

    def ready(x: Any) -> bool:  # every tensor `x` refers to exists
        if isinstance(x, dict):
            if x.get("class_name") == _KT:
                name, node_index, _ = x["config"]["keras_history"]
                return (name, node_index) in done
            return all(ready(v) for v in x.values())
        if isinstance(x, list):
            if len(x) == 4 and isinstance(x[0], str) and isinstance(x[1], int):
                return (x[0], x[1]) in done
            return all(ready(v) for v in x)
        return True

    def tensor(ref: list) -> KerasTensor:
        name, node_index, tensor_index = ref[:3]
        return done[(name, node_index)][tensor_index]

    def decode(x: Any) -> Any:
        if isinstance(x, dict):
            if x.get("class_name") == _KT:
                return tensor(x["config"]["keras_history"])
            return {k: decode(v) for k, v in x.items()}
        if isinstance(x, list):
            return [decode(v) for v in x]
        return x

    while pending:
        progress = False
        for item in pending:
            name, layer, entries, k = item
            while k < len(entries) and ready(entries[k]):
                entry = entries[k]
                if isinstance(entry, dict):
                    out = layer(*decode(entry["args"]), **decode(entry["kwargs"]))
                else:
                    ins = [tensor(e) for e in entry]
                    kwargs = decode(entry[0][3]) if entry and len(entry[0]) > 3 else {}
                    out = layer(ins[0] if len(ins) == 1 else ins, **(kwargs or {}))
                done[(name, k)] = [t for t in nest.flatten(out) if isinstance(t, KerasTensor)]
                k += 1
                progress = True
            item[3] = k
        pending = [item for item in pending if item[3] < len(item[2])]
        if pending and not progress:
            stuck = [f"{item[0]} (node {item[3]})" for item in pending]
            raise ValueError(f"Model.from_config: the config is inconsistent: the inputs of "
                             f"{stuck} are never produced by any layer. Pass a config from "
                             f"model.get_config().")

    def io(spec: Any) -> Any:
        if isinstance(spec, dict):
            return {k: tensor(v) for k, v in spec.items()}
        if len(spec) == 1:
            return tensor(spec[0])
        return [tensor(v) for v in spec]

    try:
        return io(config["input_layers"]), io(config["output_layers"]), config.get("name")
    except KeyError as e:
        raise ValueError(f"Model.from_config: input_layers / output_layers name a layer "
                         f"node that the config does not build: {e}.") from None

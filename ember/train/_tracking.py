"""The object graph of a checkpoint: which objects hold which Variables, by name.

Like TF's object-based checkpoints, a checkpoint saves a graph, not a flat list: each
object's children are named (an attribute name, a list index, a dict key, a Keras
layer's weight name, `layer-<i>` for the layers of a Sequential or functional model), and
a Variable's key is the path of names from the root, e.g.
'model/layer-0/kernel/.ATTRIBUTES/VARIABLE_VALUE'. Restoring walks the saved graph and
the live objects side by side, so values find their Variables by path, whatever the
order in which the program made them.

Trackable objects: Variables, `tf.Module`s (Keras layers and models included), Keras
optimizers (`iter`, `learning_rate`, other state by name, and slots attached to the
variables they belong to), `tf.train.Checkpoint`s, and lists, tuples and dicts of them.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..core.module import Module
from ..core.variable import Variable
from ..keras.engine.layer import Layer
from ..keras.optimizers.optimizer import Optimizer

__all__ = ["children", "is_trackable", "escape", "can_defer", "VALUE_SUFFIX"]

VALUE_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"

# Layer and Model attributes that are bookkeeping, not state (their Variables and
# layers are reached by name elsewhere, or are not checkpointed, e.g. compiled metrics).
_LAYER_SKIP = {"_inbound_nodes", "_call_losses", "_init_args", "_build_input_shape",
               "_metrics", "_own_weights", "_regularized", "_added_losses",
               "_initial_weights", "_graph", "_fast", "_compiled", "_predict_cache",
               "_graph_extras", "_graph_layers", "_stack", "_input_tensor",
               "compiled_loss", "compiled_metrics", "_compiled_loss", "_compiled_metrics",
               "build", "_module_name"}


def is_trackable(value: Any) -> bool:
    """Whether `value` (not a container) takes part in checkpoints."""
    from .checkpoint import Checkpoint  # cycle: checkpoint imports this module
    return isinstance(value, (Variable, Module, Checkpoint, Optimizer))


def escape(name: Any) -> str:
    """A child name safe inside a '/'-joined path (TF's escaping: '.' -> '..', '/' -> '.S')."""
    return str(name).replace(".", "..").replace("/", ".S")


def _container_children(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    """The trackables inside lists, tuples and dicts, named '<attr>/<index or key>'."""
    if isinstance(value, dict):
        for k in sorted(value, key=str):
            yield from _container_children(f"{prefix}/{escape(k)}", value[k])
    elif isinstance(value, (list, tuple)) and not hasattr(value, "as_list"):
        for i, v in enumerate(value):
            yield from _container_children(f"{prefix}/{i}", v)
    elif is_trackable(value):
        yield prefix, value


def _attribute_children(obj: Any, skip: set) -> Iterator[tuple[str, Any]]:
    """Trackable attributes in sorted-name order, public ones first."""
    attrs = vars(obj)
    names = sorted((k for k in attrs if k not in skip), key=lambda k: (k.startswith("_"), k))
    for k in names:
        v = attrs[k]
        if v is obj:
            continue
        yield from _container_children(escape(k), v)


def _weight_name(layer: Any, var: Variable) -> str:
    name = var.name[:-2] if var.name.endswith(":0") else var.name
    prefix = layer.name + "/"
    return name[len(prefix):] if name.startswith(prefix) else name.rsplit("/", 1)[-1]


def _layer_children(layer: Any) -> Iterator[tuple[str, Any]]:
    used: set = set()
    for var in list(layer._own_weights):
        name = base = escape(_weight_name(layer, var))
        n = 1
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        yield name, var
    if getattr(layer, "_graph", None) is not None or hasattr(layer, "_stack"):
        for i, sub in enumerate(layer.layers):  # Sequential and functional models
            yield f"layer-{i}", sub
    yield from _attribute_children(layer, _LAYER_SKIP)


def _optimizer_children(opt: Any) -> Iterator[tuple[str, Any]]:
    yield "iter", opt._iterations
    yield "learning_rate", opt._lr
    slot_ids = {id(s) for slots in opt._slots.values() for s in slots.values()}
    used = {"iter", "learning_rate"}
    for v in opt._variables[2:]:
        if id(v) in slot_ids:
            continue
        name = base = escape(v.name[:-2] if v.name.endswith(":0") else v.name)
        n = 1
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        yield name, v


def slots(opt: Any) -> Iterator[tuple[Variable, str, Variable]]:
    """(variable, slot name, slot Variable) for each slot of a Keras optimizer."""
    for var in opt._tracked:
        for name, slot in sorted(opt._slots.get(id(var), {}).items()):
            yield var, name, slot


def children(obj: Any) -> list[tuple[str, Any]]:
    """The named trackable children of `obj`, in a fixed order (see the module doc)."""
    from .checkpoint import Checkpoint  # cycle: checkpoint imports this module
    if isinstance(obj, Variable):
        return []
    if isinstance(obj, Checkpoint):
        out = [(escape(k), v) for k, v in obj._roots.items()]
        if obj._save_counter is not None:
            out.append(("save_counter", obj._save_counter))
        return out
    if isinstance(obj, Optimizer):
        return list(_optimizer_children(obj))
    if isinstance(obj, Layer):
        return list(_layer_children(obj))
    if isinstance(obj, Module):
        return list(_attribute_children(obj, {"_module_name"}))
    return []


def can_defer(obj: Any) -> bool:
    """Whether `obj` may create the missing children later: a Keras layer or optimizer
    in `build`, any other `tf.Module` by setting an attribute (e.g. in its first call)."""
    if isinstance(obj, (Layer, Optimizer)):
        return callable(getattr(type(obj), "build", None))
    return isinstance(obj, Module)


def builds_children(obj: Any) -> bool:
    """Whether `obj` creates its children in `build` (else by setting attributes)."""
    return isinstance(obj, (Layer, Optimizer))


def walk(root: Any) -> tuple[list[Any], list[list[tuple[str, int]]], dict[int, str]]:
    """Breadth-first: (objects, their children as (name, object index), paths by index).
    Each object appears once, under the first (shortest) path that reaches it."""
    objects = [root]
    index = {id(root): 0}
    paths = {0: ""}
    edges: list[list[tuple[str, int]]] = []
    i = 0
    while i < len(objects):
        obj = objects[i]
        out = []
        for name, child in children(obj):
            j = index.get(id(child))
            if j is None:
                j = index[id(child)] = len(objects)
                objects.append(child)
                paths[j] = f"{paths[i]}/{name}" if paths[i] else name
            out.append((name, j))
        edges.append(out)
        i += 1
    return objects, edges, paths

"""Model configs in Keras 3's serialization schema, both ways.

Keras 3 writes every object as `{"module", "class_name", "config", "registered_name"}`:
layers (with `build_config`), dtype policies (`DTypePolicy`), initializers, regularizers,
constraints, optimizers, losses, metrics. A functional model's nodes are
`{"args": [...], "kwargs": {...}}` with each tensor as `{"class_name": "__keras_tensor__",
"config": {"shape", "dtype", "keras_history"}}`, and a single input or output is written
flat (`["x", 0, 0]`).

`to_keras3(model, compiled)` turns ember's config of a live model (tf.keras 2 style) into
that schema, with the key names Keras 3's layers take (Keras 3's `from_config` rejects
unknown keys); `from_keras3(config, safe_mode)` turns a Keras 3 config back into what
ember's `keras.layers.deserialize` reads, refusing anything that would run code from the
file in safe mode (a `Lambda` holding Python bytecode) and any Keras 3 option ember's
layer can't honour.

Example:
    >>> from ember import keras
    >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")])
    >>> cfg = to_keras3(m)
    >>> cfg["class_name"], cfg["config"]["layers"][1]["config"]["dtype"]["class_name"]
    ('Sequential', 'DTypePolicy')
    >>> from_keras3(cfg)["config"]["layers"][1]["config"]["dtype"]
    'float32'
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ...core.tensor import TensorOps
from .. import serialization_registry as registry
from ..engine import op_serialization
from ..serialization_registry import builtin_layer_class
from .keras3_op_nodes import ember_op_layer, fill_inputs, keras3_op
from .model_config import model_config

__all__ = ["compile_from_keras3", "compile_to_keras3", "from_keras3", "to_keras3"]

_KT = "__keras_tensor__"
_MODELS = {"Sequential": "keras", "Functional": "keras.src.models.functional",
           "Model": "keras.src.models.functional"}
# keys ember writes that Keras 3's layer doesn't take: {class: {key: value it may drop}}
_EMBER_ONLY = {"Dense": {"activity_regularizer": None},
               "Embedding": {"input_length": None},
               "LSTM": {"time_major": False}, "GRU": {"time_major": False},
               "SimpleRNN": {"time_major": False},
               "SpatialDropout1D": {"trainable": True}, "SpatialDropout2D": {"trainable": True},
               "SpatialDropout3D": {"trainable": True}}
_RENAMED = {"LeakyReLU": {"alpha": "negative_slope"}}  # ember key -> Keras 3 key
_SUBLAYER_KEYS = ("layer", "cell", "backward_layer", "cells")  # a wrapper's layer config(s)
_ANY = object()
# keys Keras 3 writes that ember's layers may not take, and the value ember behaves as
_K3_ONLY = {"quantization_config": None, "lora_rank": None, "lora_alpha": None,
            "renorm": False, "renorm_clipping": None, "renorm_momentum": _ANY,
            "synchronized": False, "rms_scaling": False, "zero_output_for_mask": False,
            "seed": _ANY, "sparse": False, "ragged": False, "optional": False,
            "input_axes": None, "output_axes": None, "data_format": "channels_last",
            "shared_object_id": _ANY, "build_input_shape": _ANY}
_NESTED_MODULES = (("_initializer", "keras.initializers"),
                   ("_regularizer", "keras.regularizers"),
                   ("_constraint", "keras.constraints"))


# -- ember -> Keras 3 -------------------------------------------------------------------

def _shape(shape: Any) -> Any:
    if shape is None:
        return None
    if hasattr(shape, "as_list"):
        return shape.as_list() if shape.rank is not None else None
    if isinstance(shape, (list, tuple)):
        if all(d is None or isinstance(d, int) for d in shape):
            return [None if d is None else int(d) for d in shape]
        return [_shape(s) for s in shape]
    if isinstance(shape, dict):
        return {k: _shape(v) for k, v in shape.items()}
    return shape


def _policy(dtype: Any) -> Any:
    if isinstance(dtype, dict):
        name = (dtype.get("config") or {}).get("name")
    else:
        name = dtype
    if name is None:
        return None
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": str(name)},
            "registered_name": None}


def _object(obj: Any, module: str) -> Any:
    """An ember `{"class_name", "config"}` (or a name) as Keras 3 writes the object."""
    if not isinstance(obj, dict) or not isinstance(obj.get("class_name"), str) or \
            "module" in obj:
        return obj
    name = obj["class_name"]
    if ">" in name:
        found = registry.get_registered_object(name)
        return {"module": getattr(found, "__module__", None),
                "class_name": name.split(">", 1)[1], "config": obj.get("config"),
                "registered_name": name}
    config = obj.get("config")
    if isinstance(config, dict) and isinstance(config.get("learning_rate"), dict):
        config = {**config, "learning_rate": _object(config["learning_rate"],
                                                     "keras.optimizers.schedules")}
    return {"module": module, "class_name": name, "config": config, "registered_name": None}


def _layer_config(class_name: str, config: dict, layer_name: str) -> dict:
    out = {}
    drop = _EMBER_ONLY.get(class_name, {})
    renamed = _RENAMED.get(class_name, {})
    for key, value in config.items():
        if key in drop:
            if value != drop[key]:
                raise NotImplementedError(
                    f"save: layer {layer_name!r} ({class_name}) has {key}={value!r}, which "
                    f"Keras 3's {class_name} has no option for, so the .keras file could "
                    f"not be read by Keras 3. Use {key}={drop[key]!r}, or save the weights "
                    f"only (model.save_weights).")
            continue
        key = renamed.get(key, key)
        if key == "dtype" and class_name != "InputLayer":
            value = _policy(value)
        elif key in _SUBLAYER_KEYS and isinstance(value, dict) and "class_name" in value:
            value = _layer(value, None)
        elif key in _SUBLAYER_KEYS and isinstance(value, list):  # StackedRNNCells' cells
            value = [_layer(v, None) if isinstance(v, dict) and "class_name" in v else v
                     for v in value]
        elif isinstance(value, dict):
            for suffix, module in _NESTED_MODULES:
                if key.endswith(suffix):
                    value = _object(value, module)
        out[key] = value
    return out


def _tensor_table(model: Any) -> dict:
    """(layer name, node index) -> output KerasTensors, indexed as graph_config does."""
    g = getattr(model, "_graph", None)
    if g is None:
        return {}
    in_graph = {id(n) for n in g.nodes}
    in_graph.update(id(t.node) for t in g.inputs)
    table = {}
    for layer in g.layers:
        kept = [n for n in layer._inbound_nodes if id(n) in in_graph]
        for i, node in enumerate(kept):
            table[(layer.name, i)] = node.output_tensors
    return table


def _kt(ref: list, table: dict) -> dict:
    tensors = table.get((ref[0], ref[1])) or []
    t = tensors[ref[2]] if ref[2] < len(tensors) else None
    dtype = getattr(getattr(t, "dtype", None), "name", None) or "float32"
    return {"class_name": _KT, "config": {"shape": _shape(getattr(t, "shape", None)),
                                          "dtype": dtype, "keras_history": list(ref[:3])}}


def _enrich(x: Any, table: dict) -> Any:
    if isinstance(x, dict):
        if x.get("class_name") == _KT:
            return _kt(x["config"]["keras_history"], table)
        return {k: _enrich(v, table) for k, v in x.items()}
    if isinstance(x, (list, tuple)):  # Keras 3 writes a call's tuples as lists
        return [_enrich(v, table) for v in x]
    if isinstance(x, slice) or x is Ellipsis or isinstance(x, (np.ndarray, np.generic)) \
            or (isinstance(x, TensorOps) and hasattr(x, "_value")):  # a constant tensor
        return op_serialization.encode(x, "save")  # Keras 3's __slice__, __numpy__, ...
    return x


def _node(entry: Any, table: dict) -> dict:
    if isinstance(entry, dict):
        return {"args": _enrich(entry.get("args", []), table),
                "kwargs": _enrich(entry.get("kwargs", {}), table)}
    tensors = [_kt(ref, table) for ref in entry]
    kwargs = _enrich(entry[0][3], table) if entry and len(entry[0]) > 3 else {}
    return {"args": [tensors[0] if len(tensors) == 1 else tensors], "kwargs": kwargs or {}}


def _io(spec: Any) -> Any:
    if isinstance(spec, list) and len(spec) == 1 and isinstance(spec[0], list):
        return spec[0]
    return spec


def _layer(entry: dict, live: Any) -> dict:
    """One layer's (or nested model's) ember config entry in Keras 3's schema."""
    name = entry["class_name"]
    config = entry.get("config") or {}
    cls = builtin_layer_class(name)
    if name == "KerasOp":  # back to the Keras 3 op node it was read from
        return {"module": f"keras.src.ops.{config['module']}", "class_name": config["op"],
                "config": {"name": config.get("name"), **config.get("arguments", {})},
                "registered_name": config["op"]}
    if name in _MODELS or (live is not None and getattr(live, "_graph", None) is not None
                           and "layers" in config):
        out = _model(live, entry)
    elif cls is not None and ">" not in name and name != "Lambda":
        out = {"module": "keras.layers", "class_name": name,
               "config": _layer_config(name, config, config.get("name", name)),
               "registered_name": None}
    else:  # the user's class: its own config, only the dtype made a policy
        source = getattr(live, "config_source", live)  # a keras.Operation: the op's class
        obj = registry.get_registered_object(name) if ">" in name else type(source)
        cfg = dict(config)
        if "dtype" in cfg:
            cfg["dtype"] = _policy(cfg["dtype"])
        for key in _SUBLAYER_KEYS:  # a user's Wrapper: its wrapped layer in Keras 3's form
            if isinstance(cfg.get(key), dict) and "class_name" in cfg[key]:
                cfg[key] = _layer(cfg[key], getattr(live, key, None))
        out = {"module": getattr(obj, "__module__", None), "class_name": name.split(">")[-1],
               "config": cfg, "registered_name": name}
    shape = getattr(live, "_build_input_shape", None)
    if live is not None and getattr(live, "built", False) and shape is not None \
            and name not in ("InputLayer",):
        out["build_config"] = {"input_shape": _shape(shape)}
    return out


def _model(model: Any, entry: dict) -> dict:
    name = entry["class_name"]
    config = dict(entry.get("config") or {})
    layers = config.get("layers")
    if isinstance(layers, list) and model is not None:
        by_name = {la.name: la for la in model._flatten_layers(include_self=False,
                                                                recursive=False)}
        table = _tensor_table(model)
        converted = []
        for item in layers:
            live = by_name.get(item.get("name") or (item.get("config") or {}).get("name"))
            out = _layer(item, live)
            op = keras3_op(item.get("config") or {}) if item["class_name"] == "OpLayer" \
                and all(isinstance(e, list) for e in item.get("inbound_nodes", ())) \
                else None
            if op is not None:  # a raw ember op: the Keras 3 op node computing it
                out = op[0]
                out["name"] = item.get("name")
                out["inbound_nodes"] = [
                    {"args": fill_inputs(op[1], [_kt(ref, table) for ref in e]),
                     "kwargs": {}} for e in item.get("inbound_nodes", ())]
            elif "inbound_nodes" in item:
                out["name"] = item.get("name")
                out["inbound_nodes"] = [_node(e, table) for e in item["inbound_nodes"]]
            converted.append(out)
        config["layers"] = converted
        for key in ("input_layers", "output_layers"):
            if key in config:
                config[key] = _io(config[key])
        config.setdefault("trainable", getattr(model, "trainable", True))
    if name == "Sequential":
        config["dtype"] = _policy("float32")
        shape = getattr(model, "_build_input_shape", None)
        g = getattr(model, "_graph", None)
        if g is not None and g.inputs:
            shape = g.inputs[0].shape
        if shape is not None:
            config["build_input_shape"] = _shape(shape)
        return {"module": "keras", "class_name": "Sequential", "config": config,
                "registered_name": None,
                **({"build_config": {"input_shape": config["build_input_shape"]}}
                   if "build_input_shape" in config else {})}
    if name in _MODELS:
        return {"module": _MODELS[name], "class_name": "Functional", "config": config,
                "registered_name": "Functional", "build_config": {"input_shape": None}}
    obj = registry.get_registered_object(name) if ">" in name else type(model)
    return {"module": getattr(obj, "__module__", None), "class_name": name.split(">")[-1],
            "config": config, "registered_name": name}


def to_keras3(model: Any, compiled: dict | None = None) -> dict:
    """The config of `model` in Keras 3's schema (what a `.keras` file's config.json
    holds), with `compile_config` when `compiled` (model_config.compile_config) is given.

    Example:
        >>> from ember import keras
        >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> sorted(to_keras3(m)["config"]["layers"][1])
        ['build_config', 'class_name', 'config', 'module', 'registered_name']
    """
    entry = model_config(model, "save")
    build = entry.pop("build_config", None)
    out = _model(model, entry)
    if build is not None:
        out["build_config"] = build
    if compiled is not None:
        out["compile_config"] = compile_to_keras3(compiled)
    return out


def compile_to_keras3(compiled: dict) -> dict:
    """ember's compile_config with each optimizer, loss and metric object as Keras 3
    writes it.

    Example:
        >>> compile_to_keras3({"optimizer": {"class_name": "SGD", "config": {}},
        ...                    "loss": "mse"})["optimizer"]["module"]
        'keras.optimizers'
    """
    def objects(x: Any, module: str) -> Any:
        if isinstance(x, list):
            return [objects(v, module) for v in x]
        if isinstance(x, dict) and "class_name" not in x:
            return {k: objects(v, module) for k, v in x.items()}
        return _object(x, module)

    out = dict(compiled)
    out["optimizer"] = _object(compiled.get("optimizer"), "keras.optimizers")
    out["loss"] = objects(compiled.get("loss"), "keras.losses")
    for key in ("metrics", "weighted_metrics"):
        out[key] = objects(compiled.get(key), "keras.metrics")
    out["run_eagerly"] = bool(compiled.get("run_eagerly") or False)
    out.setdefault("jit_compile", False)
    return out


# -- Keras 3 -> ember -------------------------------------------------------------------

def _name_of(obj: dict) -> Any:
    """The name ember resolves: a built-in class by its class name (whatever module the
    file claims), else Keras 3's `"package>Name"` registered name."""
    name = obj.get("class_name")
    if not isinstance(name, str) or builtin_layer_class(name) is not None:
        return name
    registered = obj.get("registered_name")
    if isinstance(registered, str) and ">" in registered:
        return registered
    return name


def _strip(x: Any) -> Any:
    """Keras 3's `{"module", "class_name", "config", "registered_name"}` objects (nested
    anywhere) as ember's `{"class_name", "config"}`; dtype policies as their name."""
    if isinstance(x, list):
        return [_strip(v) for v in x]
    if not isinstance(x, dict):
        return x
    if isinstance(x.get("class_name"), str) and "config" in x and "module" in x:
        if x["class_name"] in ("DTypePolicy", "FloatDTypePolicy"):
            return (x.get("config") or {}).get("name")
        if x["class_name"] == "function" and isinstance(x.get("config"), str):
            return x["config"]
        config = _strip(x.get("config"))
        if x.get("module") == "keras.initializers" and isinstance(config, dict):
            for key in ("input_axes", "output_axes"):
                if config.get(key, None) is not None:
                    raise NotImplementedError(
                        f"load_model: initializer {x['class_name']} has {key}="
                        f"{config[key]!r} (a Keras 3 option ember's initializers lack).")
                config.pop(key, None)
        return {"class_name": _name_of(x), "config": config}
    return {k: _strip(v) for k, v in x.items() if k != "shared_object_id"}


def _accepted(cls: type) -> tuple:
    """(the keyword names `cls(...)` takes, whether it takes any)."""
    names, open_ = set(), False
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names.update(p.name for p in params if p.kind != p.VAR_KEYWORD)
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
        if klass.__name__ == "Layer":
            from ..engine.layer import _ALLOWED_KWARGS
            names.update(_ALLOWED_KWARGS)
            break
    else:
        open_ = True
    return names, open_


def _fit_config(cls: type, class_name: str, config: dict, layer: str) -> dict:
    names, open_ = _accepted(cls)
    out = {}
    back = {v: k for k, v in _RENAMED.get(class_name, {}).items()}
    for key, value in config.items():
        if key in names or open_:
            out[key] = value
        elif key in back and back[key] in names:
            out[back[key]] = value
        elif key in _K3_ONLY and (_K3_ONLY[key] is _ANY or value == _K3_ONLY[key]):
            continue
        else:
            raise NotImplementedError(
                f"load_model: layer {layer!r} ({class_name}) has the Keras 3 option "
                f"{key}={value!r}, which ember's {class_name} does not support (it takes "
                f"{sorted(names)}). Save the model without that option, or rebuild it in "
                f"code and load only its weights.")
    return out


def _layer_from(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry  # layers.deserialize names what is wrong
    name = _name_of(entry)
    if not isinstance(name, str):
        raise ValueError(f"Unknown layer: class_name {name!r} is not a string.")
    config = entry.get("config")
    module = entry.get("module")
    if isinstance(module, str) and module.startswith("keras.src.ops."):
        own = ember_op_layer(entry, _tensor_refs)  # a raw ember op ember wrote
        if own is not None:
            return own
        # a Keras 3 op node (keras.ops.sum(x) on KerasTensors): ember's op of that name
        # (not the layer class a same-named op like Multiply would otherwise resolve to)
        cfg = dict(config or {})
        out = {"class_name": "KerasOp",
               "config": {"name": cfg.pop("name", entry.get("name")), "op": name,
                          "module": module.rsplit(".", 1)[-1], "arguments": _strip(cfg)}}
        for key in ("name", "inbound_nodes"):
            if key in entry:
                out[key] = entry[key]
        if "inbound_nodes" in out:
            out["inbound_nodes"] = [_node_from(n) for n in out["inbound_nodes"]]
        return out
    out = {"class_name": name}
    for key in ("name", "inbound_nodes", "build_config"):
        if key in entry:
            out[key] = entry[key]
    if "inbound_nodes" in out:
        out["inbound_nodes"] = [_node_from(n) for n in out["inbound_nodes"]]
    if isinstance(config, dict) and isinstance(config.get("layers"), list):
        config = _model_config_from(name, config)
        out["config"] = config
        return out
    if name == "Lambda" and isinstance(config, dict):  # ember's Lambda reads Keras 3's
        out["config"] = {k: (_strip(v) if k == "dtype" else v) for k, v in config.items()}
        return out
    subs = {k: [_layer_from(e) for e in v] if isinstance(v, list) else _layer_from(v)
            for k, v in (config or {}).items() if k in _SUBLAYER_KEYS and (
                isinstance(v, dict) and "class_name" in v or isinstance(v, list) and all(
                    isinstance(e, dict) and "class_name" in e for e in v))} \
        if isinstance(config, dict) else {}
    config = _strip(config)
    if subs:
        config.update(subs)
    cls = builtin_layer_class(name) if ">" not in name else None
    if cls is not None and isinstance(config, dict) and isinstance(cls, type):
        config = _fit_config(cls, name, config, config.get("name", name))
    out["config"] = config
    return out


def _tensor_refs(node: Any) -> list:
    """The `keras_history` of each KerasTensor in a Keras 3 node's arguments, in order."""
    refs: list = []

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            if x.get("class_name") == _KT:
                refs.append(list(x["config"]["keras_history"][:3]))
            elif x.get("class_name") not in _VALUE_KINDS:
                for v in x.values():
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(node.get("args", []) if isinstance(node, dict) else node)
    return refs


def _node_from(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    # NOTE: Keras 3 records the `training` a layer saw when the graph was built and
    # overrides it with the model's own at run time; ember's files keep one set by hand
    kwargs = {k: v for k, v in (node.get("kwargs") or {}).items()
              if not (k == "training" and not _EMBER_FILE[0]) and
              not (k == "mask" and v is None)}
    return {"args": _values(node.get("args", [])), "kwargs": _values(kwargs)}


_VALUE_KINDS = ("__tuple__", "__slice__", "__ellipsis__", "__numpy__", "__tensor__")


def _values(x: Any) -> Any:
    """Keras 3's encoded call arguments (`__tuple__`, `__slice__`, ... as op nodes write
    them, e.g. `x[:, :2]`) as the Python values; KerasTensor references stay."""
    if isinstance(x, list):
        return [_values(v) for v in x]
    if isinstance(x, dict):
        if x.get("class_name") in _VALUE_KINDS and isinstance(x.get("config"), dict):
            if x["class_name"] == "__tuple__":
                return tuple(_values(v) for v in x["config"].get("value", ()))
            return op_serialization.decode(x, "load_model")
        return {k: _values(v) for k, v in x.items()}
    return x


def _model_config_from(name: str, config: dict) -> dict:
    out = {k: v for k, v in config.items()
           if k not in ("dtype", "build_input_shape", "shared_object_id")}
    out["layers"] = [_layer_from(e) for e in config["layers"]]
    for key in ("input_layers", "output_layers"):
        spec = out.get(key)
        if isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str):
            out[key] = [spec]
    return out


_EMBER_FILE = [False]  # whether the file being read was written by ember


def from_keras3(config: dict, safe_mode: bool = True, by_ember: bool = False) -> dict:
    """A Keras 3 model config (config.json of a `.keras` file) as ember's config, ready
    for `model_config.model_from_config`; `compile_config` is left out (see
    `compile_from_keras3`). In safe mode a Lambda's bytecode is refused.

    Example:
        >>> cfg = {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
        ...        "config": {"units": 2, "quantization_config": None, "dtype": {
        ...            "module": "keras", "class_name": "DTypePolicy",
        ...            "config": {"name": "float32"}, "registered_name": None}}}
        >>> from_keras3(cfg)["config"]
        {'units': 2, 'dtype': 'float32'}
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"load_model: config.json is not a Keras object config (no "
                         f"'class_name'); received {str(config)[:200]}.")
    # NOTE: code in the config (a Lambda's bytecode or module) is refused in safe mode by
    # ember's Lambda.from_config, which reads Keras 3's function configs
    _EMBER_FILE[0] = by_ember
    try:
        out = _layer_from({k: v for k, v in config.items() if k != "compile_config"})
    finally:
        _EMBER_FILE[0] = False
    if "build_config" in config:
        out["build_config"] = config["build_config"]
    return out


def compile_from_keras3(compiled: dict) -> dict:
    """A Keras 3 `compile_config` as ember's (objects as `{"class_name", "config"}`).

    Example:
        >>> compile_from_keras3({"optimizer": {"module": "keras.optimizers",
        ...     "class_name": "SGD", "config": {"learning_rate": 0.1},
        ...     "registered_name": None}, "loss": "mse"})["optimizer"]
        {'class_name': 'SGD', 'config': {'learning_rate': 0.1}}
    """
    out = {k: _strip(v) for k, v in compiled.items() if k != "jit_compile"}
    opt = out.get("optimizer")
    if isinstance(opt, dict) and isinstance(opt.get("config"), dict):
        opt["config"] = {k: v for k, v in opt["config"].items()
                         if not (k in ("loss_scale_factor", "gradient_accumulation_steps")
                                 and v is None)}
    if out.get("run_eagerly") is False:
        out["run_eagerly"] = None
    return out

"""ember's raw ops on KerasTensors (`OpLayer`s) as Keras 3 op nodes in a `.keras` file.

A functional model built with `tf.*` ops on KerasTensors (`x * 2.0`,
`tf.reduce_sum(x, axis=-1)`, `x[:, 0]`) holds one `OpLayer` per primitive. Keras 3 has
no such layer: its functional models record `keras.ops` calls as op nodes
(`{"module": "keras.src.ops.numpy", "class_name": "Sum", "config": {"axis", "keepdims"}}`,
called on the node's arguments). `keras3_op(config)` writes an OpLayer's config as the
Keras 3 op node computing the same thing, where one exists, so real Keras 3 loads the
model; the OpLayer's own config rides along under the entry's `"ember"` key (Keras 3
ignores it), so ember reads its primitive back exactly (`ember_op_layer`).

A primitive with no Keras 3 counterpart (or params Keras' op can't express, e.g.
`tf.cumsum(..., exclusive=True)`) stays an OpLayer entry: the file loads in ember, and
Keras 3 refuses it naming the class.

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> x = keras.Input((3,))
    >>> layer = tf.reduce_sum(x, axis=-1)._keras_history[0]
    >>> entry, args = keras3_op(layer.get_config())
    >>> entry["module"], entry["class_name"], entry["config"]["axis"], args
    ('keras.src.ops.numpy', 'Sum', [1], [{'class_name': '__input__', 'config': {}}])
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..engine import op_serialization as opser
from ..ops._keras3_names import OPS

__all__ = ["ember_op_layer", "fill_inputs", "keras3_op"]

_UNARY = {p: p for p in ("abs", "negative", "exp", "expm1", "log", "log1p", "sqrt", "sin",
                         "cos", "tan", "tanh", "sign", "floor", "ceil", "logical_not",
                         "relu", "sigmoid", "softplus", "real", "imag", "angle", "rsqrt",
                         "erf")}
_UNARY.update({"conj": "conjugate", "is_nan": "isnan", "is_inf": "isinf",
               "is_finite": "isfinite", "bitwise_invert": "bitwise_invert"})
_BINARY = {p: p for p in ("add", "subtract", "multiply", "divide", "maximum", "minimum",
                          "equal", "not_equal", "greater", "greater_equal", "less",
                          "less_equal", "logical_and", "logical_or", "logical_xor",
                          "bitwise_and", "bitwise_or", "bitwise_xor")}
_BINARY.update({"pow": "power", "floordiv": "floor_divide", "floormod": "mod",
                "select": "where"})
_REDUCE = {"reduce_sum": "sum", "reduce_mean": "mean", "reduce_max": "max",
           "reduce_min": "min", "reduce_prod": "prod", "reduce_any": "any",
           "reduce_all": "all"}
# Keras 3 classes _keras3_names has no keras.ops entry for
_EXTRA = {"stop_gradient": ("core", "StopGradient", ("variable",), ())}


def _plain(value: Any) -> Any:
    """A decoded param as JSON data Keras' op config takes (tuples as lists)."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if hasattr(value, "numpy"):
        return np.asarray(value.numpy()).tolist()
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if hasattr(value, "name") and not isinstance(value, str):  # a dtype
        return str(value.name)
    if isinstance(value, np.dtype):
        return value.name
    return value


def _axis(value: Any) -> Any:
    return None if value is None else _plain(value)


def _reduce(params: dict, args: list) -> Any:
    return {"axis": _axis(params.get("axis")), "keepdims": bool(params.get("keepdims"))}, \
        args


def _split(params: dict, args: list) -> Any:
    sizes, axis = params.get("sizes"), params.get("axis", 0)
    if isinstance(sizes, int):
        return {"indices_or_sections": sizes, "axis": axis}, args
    sizes = _plain(sizes)
    if not isinstance(sizes, list) or any(not isinstance(s, int) or s < 0 for s in sizes):
        return None
    return {"indices_or_sections": list(np.cumsum(sizes[:-1]).tolist()), "axis": axis}, args


def _pad(params: dict, args: list) -> Any:
    mode = str(params.get("mode", "CONSTANT")).lower()
    if mode not in ("constant", "reflect", "symmetric"):
        return None
    value = params.get("constant_values", 0)
    return {"pad_width": _plain(params.get("paddings")), "mode": mode}, \
        [args[0], opser.encode(value, "save") if mode == "constant" else None]


def _only(**required: Any) -> Callable:
    """A converter for ops whose params must have these values (else no Keras 3 op)."""
    def check(params: dict, args: list) -> Any:
        if any(params.get(k, v) != v for k, v in required.items()):
            return None
        return {}, args
    return check


# primitive -> (keras.ops name, converter(params, args) -> (init config, call args) | None)
_CONVERT: dict = {
    "reshape": ("reshape", lambda p, a: ({"newshape": _plain(p["shape"])}, a)),
    "transpose": ("transpose", lambda p, a: ({"axes": _axis(p.get("perm"))}, a)),
    "concat": ("concatenate", lambda p, a: ({"axis": p.get("axis", 0)}, [a])),
    "cast": ("cast", lambda p, a: ({"dtype": _plain(p["dtype"])}, a)),
    "strided_slice": ("get_item", lambda p, a: ({}, [a[0], opser.encode(p["index"], "save")])),
    "gather": ("take", lambda p, a: None if p.get("batch_dims", 0) else
               ({"axis": p.get("axis", 0)}, a)),
    "tile": ("tile", lambda p, a: ({"repeats": _plain(p["multiples"])}, a)),
    "reverse": ("flip", lambda p, a: ({"axis": _axis(p.get("axis"))}, a)),
    "broadcast_to": ("broadcast_to", lambda p, a: ({"shape": _plain(p["shape"])}, a)),
    "cumsum": ("cumsum", lambda p, a: None if p.get("exclusive") or p.get("reverse") else
               ({"axis": p.get("axis"), "dtype": None}, a)),
    "sort": ("sort", lambda p, a: None if p.get("descending") else
             ({"axis": p.get("axis", -1)}, a)),
    "argmax": ("argmax", lambda p, a: ({"axis": p.get("axis"), "keepdims": False}, a)),
    "argmin": ("argmin", lambda p, a: ({"axis": p.get("axis"), "keepdims": False}, a)),
    "round": ("round", lambda p, a: ({"decimals": 0}, a)),
    "matmul": ("matmul", _only(transpose_a=False, transpose_b=False, adjoint_a=False,
                                adjoint_b=False)),
    "split": ("split", _split),
    "pad": ("pad", _pad),
    "stop_gradient": ("stop_gradient", lambda p, a: ({}, a)),
    "softmax": ("softmax", lambda p, a: ({"axis": p.get("axis", -1)}, a)),
}
_CONVERT.update({prim: (name, _reduce) for prim, name in _REDUCE.items()})
_CONVERT.update({prim: (name, _only()) for prim, name in {**_UNARY, **_BINARY}.items()})


def keras3_op(config: dict) -> tuple[dict, list] | None:
    """`(entry, call arguments)`: the Keras 3 op node for an OpLayer's `config` (its
    `module`, `class_name`, `config`, `registered_name` and, under `"ember"`, the OpLayer
    config), and the node's call arguments with `{"class_name": "__input__"}` where each
    KerasTensor goes, in the order the OpLayer takes them; None when Keras 3 has no op
    for it (see the module docstring)."""
    found = _CONVERT.get(config.get("primitive"))
    if found is None:
        return None
    name, convert = found
    try:
        params = {k: opser.decode(v, "save") for k, v in (config.get("params") or {}).items()}
        args = list(config.get("arguments") or [])
        if any(isinstance(a, dict) and a.get("class_name") == "__variable__" for a in args):
            return None  # a captured Variable is a weight: Keras 3's op node has none
        converted = convert(params, args)
    except (KeyError, TypeError, ValueError):
        return None
    if converted is None:
        return None
    init, call_args = converted
    call_args = _keras3_values(call_args)
    if call_args is None:
        return None
    module, class_name = (_EXTRA.get(name) or OPS[name])[:2]
    entry = {"module": f"keras.src.ops.{module}", "class_name": class_name,
             "config": {"name": config.get("name"), **init}, "registered_name": class_name,
             "ember": {"class_name": "OpLayer", "config": config}}
    return entry, call_args


_KERAS3_KINDS = ("__input__", "__tuple__", "__slice__", "__ellipsis__", "__numpy__",
                 "__tensor__")


def _keras3_values(x: Any) -> Any:
    """Call arguments in the notation Keras 3 reads (tuples as lists, a NumPy scalar as a
    0-d `__numpy__`); None if one has no Keras 3 notation."""
    if isinstance(x, list):
        out = [_keras3_values(v) for v in x]
        return None if any(v is None and o is not None for v, o in zip(out, x)) else out
    if isinstance(x, dict):
        kind = x.get("class_name")
        if kind == "__numpy_scalar__":
            return {"class_name": "__numpy__", "config": x["config"]}
        if kind not in _KERAS3_KINDS:
            return None
        if kind == "__tuple__":  # Keras 3 writes a call's tuple as a list (x[:, 0])
            return _keras3_values(list(x["config"].get("value", [])))
    return x


def fill_inputs(template: Any, tensors: list) -> Any:
    """`template` with each `__input__` mark replaced by the next of `tensors`.

    Example:
        >>> fill_inputs([[opser.INPUT, 2.0], opser.INPUT], ["a", "b"])
        [['a', 2.0], 'b']
    """
    it = iter(tensors)

    def fill(x: Any) -> Any:
        if x == opser.INPUT:
            return next(it)
        if isinstance(x, list):
            return [fill(v) for v in x]
        return x
    return fill(template)


def ember_op_layer(entry: dict, node_refs: Callable[[Any], list]) -> dict | None:
    """The OpLayer entry ember wrote under a Keras 3 op node's `"ember"` key (None when
    the node has none): its config, name and nodes as ember's graph reads them, each
    node the KerasTensor references (`node_refs` finds them in a Keras 3 node)."""
    own = entry.get("ember")
    if not isinstance(own, dict) or own.get("class_name") != "OpLayer" or \
            not isinstance(own.get("config"), dict):
        return None
    out = {"class_name": "OpLayer", "config": own["config"]}
    if "name" in entry:
        out["name"] = entry["name"]
    if "inbound_nodes" in entry:
        out["inbound_nodes"] = [[[*ref, {}] for ref in node_refs(node)]
                                for node in entry["inbound_nodes"]]
    return out

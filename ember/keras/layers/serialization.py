"""`keras.layers.serialize` / `deserialize` / `get`: layer configs to layers and back.

Names resolve through `serialization_registry.py`: the user's registered and scoped
classes and `custom_objects`, then ember's own layer and model classes, which their
packages register there as they are imported (so this module needs neither the layer
modules nor `keras.models`).

Example:
    >>> from ember import keras
    >>> cfg = keras.layers.serialize(keras.layers.Dense(3, name="d"))
    >>> cfg["class_name"], keras.layers.deserialize(cfg).units
    ('Dense', 3)
"""

from __future__ import annotations

from typing import Any

from .. import serialization_registry as registry
from ..engine import op_layer as _op_layer  # noqa: F401  (registers OpLayer by name)
from ..engine.layer import Layer
from ..operation import Operation, as_layer

__all__ = ["deserialize", "get", "serialize"]


def serialize(layer: Layer) -> dict:
    """`{"class_name": ..., "config": layer.get_config()}`; a class registered with
    `register_keras_serializable` is named by its `"package>name"`.

    Example:
        >>> from ember import keras
        >>> keras.layers.serialize(keras.layers.Dense(2))["class_name"]
        'Dense'
    """
    source = getattr(layer, "config_source", layer)  # an Operation's layer: the op
    return {"class_name": registry.get_registered_name(type(source)),
            "config": layer.get_config()}


def _lookup(name: str, custom_objects: dict | None) -> Any:
    """The class `name` resolves to; a registered `"package>Name"` not registered in this
    program also resolves to `custom_objects["Name"]` (or a scope's)."""
    user = registry.merged(custom_objects)
    cls = user.get(name) or registry.builtin_layer_class(name)
    if cls is None and ">" in name:
        cls = user.get(name.split(">", 1)[1])
    return cls


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """A new layer from `serialize`'s dict (`custom_objects` maps names of your classes).

    Names resolve only to ember's layers, registered classes and `custom_objects`; the
    config is read in safe mode unless an enclosing call chose otherwise (see
    `ember/keras/serialization_registry.py`).

    Example:
        >>> from ember import keras
        >>> keras.layers.deserialize({"class_name": "Dense", "config": {"units": 2}}).units
        2
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"layers.deserialize: expected a dict with 'class_name' and "
                         f"'config', received {config!r}.")
    name = config["class_name"]
    cls = _lookup(name, custom_objects) if isinstance(name, str) else None
    if cls is None:
        short = name.split(">", 1)[-1] if isinstance(name, str) else name
        raise ValueError(
            f"Unknown layer: {name!r}. If it is your own layer or model class, pass it to "
            f"the loading call, e.g. load_model(path, custom_objects={{{short!r}: "
            f"{short}}}), or decorate the class with "
            f"@keras.saving.register_keras_serializable() and make sure the module defining "
            f"it is imported before loading (ember never imports a module a file names).")
    op = isinstance(cls, type) and issubclass(cls, Operation) and not issubclass(cls, Layer)
    if not isinstance(cls, type) or not (issubclass(cls, Layer) or op):
        raise ValueError(f"layers.deserialize: {name!r} names {cls!r}, which is not a "
                         f"layer class.")
    cfg = config.get("config", {})
    if not isinstance(cfg, dict):
        raise ValueError(f"layers.deserialize: the config of {name!r} must be a dict, "
                         f"received {type(cfg).__name__}.")
    if op:  # a keras.Operation of a functional model: its layer in the graph
        with registry.safe_mode_scope(None):
            return as_layer(cls.from_config(cfg))
    with registry.safe_mode_scope(None):
        if "custom_objects" in getattr(cls.from_config, "__code__", type("", (), {
                "co_varnames": ()})).co_varnames:
            return cls.from_config(cfg, custom_objects=custom_objects)
        return cls.from_config(cfg)


def get(identifier: Any) -> Any:
    """A layer as is; a config dict becomes a new layer (`deserialize`).

    Example:
        >>> from ember import keras
        >>> keras.layers.get({"class_name": "Dense", "config": {"units": 4}}).units
        4
    """
    if isinstance(identifier, Layer):
        return identifier
    return deserialize(identifier)

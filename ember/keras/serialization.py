"""The shared `get` / `serialize` / `deserialize` of initializers, regularizers,
constraints, losses, metrics, optimizers and schedules: each module passes its table of
names and its own error.

Example:
    >>> from ember.keras import serialization
    >>> class Zero:
    ...     def get_config(self): return {}
    >>> serialization.serialize_object(Zero(), "thing", "Thing")
    {'class_name': 'Zero', 'config': {}}
"""

from __future__ import annotations

from typing import Any, Callable

from .serialization_registry import get_registered_name, merged


def serialize_object(obj: Any, kind: str, base: str) -> dict | str | None:
    """`{"class_name", "config"}` for an object with get_config, a named function's name,
    None for None."""
    if obj is None:
        return None
    if hasattr(obj, "get_config"):
        return {"class_name": get_registered_name(type(obj)), "config": obj.get_config()}
    if callable(obj) and getattr(obj, "__name__", "<lambda>") != "<lambda>":
        return get_registered_name(obj)
    raise ValueError(f"Cannot serialize {kind} {obj!r}: give it get_config() (subclass "
                     f"keras.{kind}s.{base}) or use a named function.")


def deserialize_object(config: Any, table: dict, custom_objects: dict | None,
                       unknown: Callable, factories: tuple = ()) -> Any:
    """The object a config dict or name describes: a class is built from its config, a
    function in `factories` is called with the config, any other function is returned."""
    if config is None:
        return None
    if isinstance(config, str):
        name, args = config, {}
    elif isinstance(config, dict) and isinstance(config.get("class_name"), str):
        name, args = config["class_name"], config.get("config") or {}
    else:
        raise unknown(config)
    obj = merged(custom_objects).get(name) or table.get(name)
    if obj is None:
        raise unknown(config)
    if not isinstance(obj, type):
        return obj(**args) if obj in factories else obj  # a custom function as is
    return obj.from_config(args) if hasattr(obj, "from_config") else obj(**args)


def get_object(identifier: Any, deserialize: Callable, base: type, unknown: Callable) -> Any:
    """None -> None, a name or dict -> `deserialize`, a `base` subclass -> an instance, a
    callable -> itself."""
    if identifier is None or isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, base):
        return identifier()
    if callable(identifier):
        return identifier
    raise unknown(identifier)

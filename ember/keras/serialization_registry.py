"""What deserialization may resolve a name to, and whether it may run code from a config.

Three pieces of state, read whenever a config (from a file, a JSON string or a dict) is
turned back into objects:

- **built-in layer classes**: the classes `keras.layers.deserialize` knows by name. Each
  package that defines some registers them here when it is imported (`keras.layers` its
  layers, `keras.models` Model, Functional and Sequential), so the code that reads configs
  needs no import of the packages above it.
- **registered objects**: classes and functions the user registered with
  `register_keras_serializable` (global) or put in a `custom_object_scope` (for a block),
  looked up by name together with the `custom_objects=` argument of each call. Nothing
  else outside ember's own tables is ever looked up: a name in a file never makes ember
  import a module.
- **safe mode**: `load_model(safe_mode=True)`, `model_from_json`, `model_from_config` and
  `keras.layers.deserialize` refuse configs that would run code (a `Lambda` whose function
  is Python bytecode, or a function named by a module ember would have to import).
  `safe_mode=False`, `enable_unsafe_deserialization()` or `unsafe_scope()` are the user's
  explicit opt-in (that global switch is a setting: `keras/config.py`). A direct
  `Lambda.from_config(config)` call outside any such call is the user's own code passing
  its own dict, and is allowed (as in Keras 3).

Example:
    >>> from ember import keras
    >>> @keras.saving.register_keras_serializable(package="demo")
    ... def twice(x):
    ...     return x * 2
    >>> keras.saving.get_registered_name(twice)
    'demo>twice'
    >>> keras.saving.get_registered_object("demo>twice") is twice
    True
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Callable, Iterator

from .config import enable_unsafe_deserialization, unsafe_deserialization_enabled

__all__ = ["CustomObjectScope", "builtin_layer_class", "custom_object_scope",
           "enable_unsafe_deserialization", "get_custom_objects", "get_registered_name",
           "get_registered_object", "in_safe_mode", "merged", "register_builtin_layers",
           "register_keras_serializable", "safe_mode_scope"]

_GLOBAL: dict = {}  # "package>name" -> class or function
_NAMES: dict = {}  # id(object) -> "package>name"
_SCOPES: contextvars.ContextVar = contextvars.ContextVar("ember_custom_objects", default=())
# None: no deserialization call is running (a direct from_config is the user's own code);
# True / False: inside a call with that safe_mode.
_SAFE: contextvars.ContextVar = contextvars.ContextVar("ember_safe_mode", default=None)
_BUILTIN_LAYERS: dict = {}  # class name -> ember's own Layer / Model class


def register_builtin_layers(classes: dict) -> None:
    """Makes ember's own layer (or model) classes known to `keras.layers.deserialize` by
    the names `classes` maps to them; each package that defines some calls it as it is
    imported.

    Example:
        >>> from ember import keras
        >>> from ember.keras import serialization_registry as registry
        >>> registry.builtin_layer_class("Sequential") is keras.Sequential
        True
    """
    _BUILTIN_LAYERS.update(classes)


def builtin_layer_class(name: str) -> type | None:
    """ember's own layer or model class called `name`, else None.

    Example:
        >>> from ember import keras
        >>> from ember.keras import serialization_registry as registry
        >>> registry.builtin_layer_class("Dense") is keras.layers.Dense
        True
        >>> registry.builtin_layer_class("NoSuchLayer") is None
        True
    """
    return _BUILTIN_LAYERS.get(name)


def register_keras_serializable(package: str = "Custom", name: str | None = None
                                ) -> Callable[[Any], Any]:
    """A decorator registering a class or function under `"package>name"`, so a saved
    model refers to it by that name and loading finds it without `custom_objects`.

    Example:
        >>> from ember import keras
        >>> @keras.saving.register_keras_serializable(package="demo", name="Twice")
        ... class TwiceLayer(keras.layers.Layer):
        ...     def call(self, x):
        ...         return x * 2
        >>> keras.layers.serialize(TwiceLayer())["class_name"]
        'demo>Twice'
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_keras_serializable: package must be a string without "
                         f"'>', received {package!r}.")

    def decorator(obj: Any) -> Any:
        if not callable(obj):
            raise TypeError(f"register_keras_serializable: only classes and functions can "
                            f"be registered, received {obj!r}.")
        key = f"{package}>{name or obj.__name__}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"register_keras_serializable: class {obj.__name__} has no "
                             f"get_config(); define it so the object can be saved.")
        _GLOBAL[key] = obj
        _NAMES[id(obj)] = key
        return obj
    return decorator


def registered_key(obj: Any) -> str | None:
    """The `"package>name"` that `obj` is registered under, else None."""
    key = _NAMES.get(id(obj))
    return key if key is not None and _GLOBAL.get(key) is obj else None


def get_registered_name(obj: Any) -> str:
    """The name `obj` is saved under: its registered `"package>name"`, else its own name.

    Example:
        >>> from ember import keras
        >>> keras.saving.get_registered_name(keras.layers.Dense)
        'Dense'
    """
    return registered_key(obj) or obj.__name__


def get_custom_objects() -> dict:
    """The global registry `{"package>name": object}` (a live dict, as Keras returns).

    Example:
        >>> from ember import keras
        >>> isinstance(keras.saving.get_custom_objects(), dict)
        True
    """
    return _GLOBAL


def merged(custom_objects: dict | None = None) -> dict:
    """Every name a config may resolve to besides ember's own tables: the registered
    objects, then the open `custom_object_scope`s, then `custom_objects` (last wins)."""
    out = dict(_GLOBAL)
    for scope in _SCOPES.get():
        out.update(scope)
    if custom_objects:
        out.update(custom_objects)
    return out


def get_registered_object(name: str, custom_objects: dict | None = None,
                          module_objects: dict | None = None) -> Any:
    """The object registered (or passed, or in scope) under `name`, else None.

    Example:
        >>> from ember import keras
        >>> keras.saving.get_registered_object("nothing>here") is None
        True
    """
    found = merged(custom_objects).get(name)
    if found is None and module_objects:
        found = module_objects.get(name)
    return found


class CustomObjectScope:
    """`with CustomObjectScope({"name": obj}):` makes those names resolvable by every
    deserialization inside the block (also `custom_object_scope`).

    Example:
        >>> from ember import keras
        >>> def double(x): return x * 2
        >>> with keras.saving.custom_object_scope({"double": double}):
        ...     keras.saving.get_registered_object("double") is double
        True
    """

    def __init__(self, *objects: dict):
        for d in objects:
            if not isinstance(d, dict):
                raise TypeError(f"custom_object_scope: expected dicts of {{name: object}}, "
                                f"received {d!r}.")
        self._objects = {k: v for d in objects for k, v in d.items()}
        self._token: Any = None

    def __enter__(self) -> "CustomObjectScope":
        self._token = _SCOPES.set(_SCOPES.get() + (self._objects,))
        return self

    def __exit__(self, *exc: Any) -> None:
        _SCOPES.reset(self._token)


custom_object_scope = CustomObjectScope


def in_safe_mode() -> bool | None:
    """True inside a safe deserialization call (the default), False where the user opted
    out, None outside any deserialization call (a direct `from_config` in user code)."""
    if unsafe_deserialization_enabled():
        return False
    return _SAFE.get()


@contextlib.contextmanager
def safe_mode_scope(safe_mode: bool | None = True) -> Iterator[None]:
    """Deserializes the block in `safe_mode`; None keeps an enclosing call's mode and is
    safe when there is none (what `keras.layers.deserialize` uses).

    Example:
        >>> from ember.keras import serialization_registry as registry
        >>> with registry.safe_mode_scope(False):
        ...     with registry.safe_mode_scope(None):
        ...         registry.in_safe_mode()
        False
    """
    if safe_mode is None:
        safe_mode = _SAFE.get()
        if safe_mode is None:
            safe_mode = True
    token = _SAFE.set(bool(safe_mode))
    try:
        yield
    finally:
        _SAFE.reset(token)

"""The default `get_config()` of a layer or model subclass that defines none (Keras 3).

`Layer.__new__` keeps the constructor's arguments (one tuple per construction, nothing
else); when a subclass with its own `__init__` doesn't override `get_config`, the config is
those arguments, matched to `__init__`'s signature with its defaults filled in, so that
`cls.from_config(config)`, i.e. `cls(**config)`, rebuilds the object. As in Keras 3:

- only plain values are saved this way: `str`, `int`, `float`, `bool`, `None`, and lists,
  tuples and dicts of them; any other value (an initializer, a layer, an array) makes
  `get_config()` raise NotImplementedError naming the argument, and the class must define
  `get_config()` itself;
- positional-only parameters and values passed to `*args` can't be given back by keyword,
  and raise the same way;
- `name` comes from the layer (not the argument), and is left out when `__init__` takes
  neither `name` nor `**kwargs`.

Unlike Keras 3.15 (whose `Model.__new__` drops the arguments, so a model's config holds
`__init__`'s defaults), the arguments of a `Model` subclass are the ones given.

Example:
    >>> from ember import keras
    >>> class Scale(keras.layers.Layer):
    ...     def __init__(self, factor=2.0, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.factor = factor
    ...     def call(self, x):
    ...         return x * self.factor
    >>> cfg = Scale(3.0, name="s").get_config()
    >>> cfg["factor"], cfg["name"], Scale.from_config(cfg).factor
    (3.0, 's', 3.0)
"""

from __future__ import annotations

import inspect
from typing import Any

from ..serialization_registry import builtin_layer_class

__all__ = ["constructor_config", "init_config", "uses_default_config"]

_PLAIN = (str, int, float, bool, type(None))
_BASE_KEYS = ("name", "trainable", "dtype", "batch_input_shape")
# arguments that get_config replaces with the layer's own (serialized) values
_REPLACED = ("trainable", "dtype", "activity_regularizer")
_EXAMPLE = """
    class {cls}({base}):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def get_config(self):
            return {{**super().get_config(), "units": self.units}}

(an argument that is itself a Keras object, e.g. an initializer, is saved with
keras.initializers.serialize(...) in get_config and rebuilt in a `from_config` classmethod)"""


def uses_default_config(cls: type) -> bool:
    """Whether `cls` keeps the default `get_config` (marked `_is_default`), so its config
    is made from its constructor's arguments.

    Example:
        >>> from ember import keras
        >>> uses_default_config(keras.layers.Layer), uses_default_config(keras.layers.Dense)
        (True, False)
    """
    return bool(getattr(cls.get_config, "_is_default", False))


def _kind(obj: Any) -> str:
    # keras.models registers Model there (engine sits below models)
    if isinstance(obj, builtin_layer_class("Model")):
        return "Model"
    return getattr(type(obj), "_config_kind", "Layer")  # keras.Operation says "Operation"


def _unsupported(obj: Any, why: str) -> NotImplementedError:
    cls, kind = type(obj).__name__, _kind(obj)
    base = {"Model": "keras.Model", "Operation": "keras.Operation"}.get(
        kind, "keras.layers.Layer")
    return NotImplementedError(
        f"{kind} {cls} ({obj.name!r}) has no get_config(), and its config can't be made "
        f"from its constructor's arguments: {why}. Implement get_config() in {cls} "
        f"returning the arguments of __init__, e.g.\n{_EXAMPLE.format(cls=cls, base=base)}")


def _non_plain(value: Any) -> Any:
    """The first value inside `value` that is not a plain Python value, else None."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, (list, tuple)):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif not isinstance(v, _PLAIN):
            return v
    return None


def constructor_config(obj: Any) -> tuple[dict, bool]:
    """`(arguments, keep_name)`: the constructor's arguments of `obj` by name, defaults
    included, `name` and `self` left out; `keep_name` tells whether `__init__` can take a
    `name` back. Raises NotImplementedError (naming the class and the argument) when an
    argument can't be saved.

    Example:
        >>> from ember import keras
        >>> class Block(keras.Model):
        ...     def __init__(self, units, act="relu", **kwargs):
        ...         super().__init__(**kwargs)
        >>> constructor_config(Block(4, name="b"))
        ({'units': 4, 'act': 'relu'}, True)
    """
    args, kwargs = getattr(obj, "_init_args", ((), {}))
    init = type(obj).__init__
    signature = inspect.signature(init)
    params = list(signature.parameters.values())[1:]  # without self
    if any(p.kind is p.POSITIONAL_ONLY for p in params):
        raise _unsupported(obj, "__init__ has positional-only parameters, which "
                                "cls(**config) can't pass")
    try:
        bound = signature.bind(None, *args, **kwargs)
    except TypeError as e:
        raise _unsupported(obj, f"the arguments it was created with don't match the "
                                f"signature of __init__{signature} ({e})") from None
    bound.apply_defaults()
    config: dict = {}
    for p in params:
        value = bound.arguments.get(p.name)
        if p.kind is p.VAR_POSITIONAL:
            if value:
                raise _unsupported(obj, f"it was given {len(value)} value(s) for "
                                        f"*{p.name}, which cls(**config) can't pass")
        elif p.kind is p.VAR_KEYWORD:
            config.update(value or {})
        else:
            config[p.name] = value
    config.pop("name", None)
    for key, value in config.items():
        bad = None if key in _REPLACED else _non_plain(value)
        if bad is not None:
            shown = repr(bad)
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            where = "" if bad is value else f" (inside {type(value).__name__})"
            raise _unsupported(
                obj, f"argument `{key}` is a {type(bad).__name__} ({shown}){where}, and "
                     f"only plain values (str, int, float, bool, None, and lists, tuples "
                     f"and dicts of them) are saved automatically")
    keep_name = any(p.name == "name" or p.kind is p.VAR_KEYWORD for p in params)
    return config, keep_name


def init_config(cls: type, config: dict) -> tuple[dict, Any]:
    """`(arguments for cls(**...), trainable or None)`: for a class with the default
    config whose `__init__` takes no `**kwargs`, the base keys (`name`, `trainable`,
    `dtype`, `batch_input_shape`) that `__init__` doesn't accept are left out, and
    `trainable` is returned to be set after construction. (Keras 3 passes them and fails
    with a TypeError.)

    Example:
        >>> from ember import keras
        >>> class Plain(keras.layers.Layer):
        ...     def __init__(self, units):
        ...         super().__init__()
        >>> init_config(Plain, {"units": 2, "trainable": False, "dtype": "float32"})
        ({'units': 2}, False)
    """
    if not uses_default_config(cls):
        return config, None
    params = inspect.signature(cls.__init__).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return config, None
    drop = [k for k in _BASE_KEYS if k in config and k not in params]
    if not drop:
        return config, None
    trainable = config.get("trainable") if "trainable" in drop else None
    return {k: v for k, v in config.items() if k not in drop}, trainable

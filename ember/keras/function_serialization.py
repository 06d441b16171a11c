"""Python functions in configs (a `Lambda` layer's function): how they are written, and
the rules for reading them back, which is where a file could otherwise run code.

A function is written as one of:
- a name: a function registered with `register_keras_serializable` ('package>name'), one
  of ember's own public ops or activations (with `module` its namespace, e.g.
  'ember.math'), or any other module-level function (with `module` its module);
- Python bytecode (`{"class_name": "__lambda__", "config": {"code", "defaults",
  "closure", "python"}}`) for a lambda or a nested function.

Reading back, a name resolves to `custom_objects`, a registered or scoped object, or
ember's own function of that name. Anything else (importing the module a config names,
or bytecode) runs code from the config, so in safe mode (see `serialization_registry.py`)
it is refused with an error that names the layer and `safe_mode=False`.

Example:
    >>> import ember as tf
    >>> from ember.keras import function_serialization as functions
    >>> functions.encode(tf.math.exp, "Lambda")
    ('exp', 'function', 'ember')
    >>> functions.decode("exp", "function", "ember", None, "Lambda") is tf.math.exp
    True
"""

from __future__ import annotations

import base64
import builtins
import importlib
import inspect
import marshal
import sys
import types
from typing import Any, Callable

from . import serialization_registry as registry

__all__ = ["decode", "encode", "to_config"]

# Namespaces whose functions a config may name (in this order when a function is found
# in several), minus the ones that take callables or touch files.
_NAMESPACES = ("ember", "ember.math", "ember.nn", "ember.linalg", "ember.image",
               "ember.bitwise", "ember.keras.activations")
_EXCLUDED = frozenset({
    "print", "py_function", "numpy_function", "py_func", "function", "map_fn",
    "vectorized_map", "while_loop", "cond", "case", "switch_case", "scan", "foldl", "foldr",
    "custom_gradient", "recompute_grad", "get", "deserialize", "serialize", "Assert",
    "control_dependencies", "device", "name_scope", "init_scope", "group", "no_op",
    "set_seed"})
_TABLE: dict = {}  # (namespace, name) -> function, and id(function) -> (namespace, name)
_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"


def _ember_functions() -> dict:
    if not _TABLE:
        for ns in _NAMESPACES:
            mod = sys.modules.get(ns)
            if mod is None:
                continue
            for name, obj in vars(mod).items():
                if name.startswith("_") or name in _EXCLUDED or isinstance(obj, type):
                    continue
                if inspect.isfunction(obj) or inspect.isbuiltin(obj):
                    _TABLE[(ns, name)] = obj
                    _TABLE.setdefault(id(obj), (ns, name))
    return _TABLE


def _importable(fn: Callable) -> bool:
    """Whether `fn` is found again as `module.qualname`."""
    mod = sys.modules.get(getattr(fn, "__module__", None) or "")
    qual = getattr(fn, "__qualname__", "")
    if mod is None or not qual or "<" in qual:
        return False
    obj: Any = mod
    for part in qual.split("."):
        obj = getattr(obj, part, None)
    return obj is fn


def encode(fn: Callable, who: str) -> tuple:
    """`(function, function_type, module)` config fields describing `fn`.

    Example:
        >>> from ember.keras import function_serialization as functions
        >>> value, kind, module = functions.encode(lambda x: x + 1, "Lambda")
        >>> kind, sorted(value["config"])
        ('lambda', ['closure', 'code', 'defaults', 'python'])
    """
    key = registry.registered_key(fn)
    if key is not None:
        return key, "function", getattr(fn, "__module__", None)
    found = _ember_functions().get(id(fn))
    if found is not None and _TABLE.get(found) is fn:
        return found[1], "function", found[0]
    if _importable(fn):
        return fn.__qualname__, "function", fn.__module__
    code = getattr(fn, "__code__", None)
    if code is None:
        raise TypeError(f"{who}: cannot save the function {fn!r}: it is neither a Python "
                        f"function nor one of ember's ops. Wrap it in a named function.")
    closure = tuple(c.cell_contents for c in fn.__closure__ or ())
    # NOTE: marshal's bytes depend on reference counts, so a function read from a config
    # keeps the text it was read from: the config round-trips unchanged.
    text = getattr(fn, "_ember_bytecode", None)
    if text is None or text[0] is not code:
        text = (code, base64.b64encode(marshal.dumps(code)).decode("ascii"))
    return ({"class_name": "__lambda__",
             "config": {"code": text[1],
                        "defaults": fn.__defaults__, "closure": closure,
                        "python": _PYTHON}},
            "lambda", getattr(fn, "__module__", None))


def to_config(fn: Callable, who: str) -> dict:
    """`fn` as Keras 3 writes a function in a config: a name as `{"module", "class_name":
    "function", "config": name, "registered_name": "function"}`, bytecode as
    `{"class_name": "__lambda__", "config": {...}}` (see `encode`); `decode` reads both.

    Example:
        >>> import ember as tf
        >>> from ember.keras import function_serialization as functions
        >>> functions.to_config(tf.math.exp, "Lambda")
        {'module': 'ember', 'class_name': 'function', 'config': 'exp', 'registered_name': 'function'}
    """
    value, kind, module = encode(fn, who)
    if kind == "lambda":  # the module gives the bytecode its globals when it is loaded
        return {"module": module, **value}
    return {"module": module, "class_name": "function", "config": value,
            "registered_name": "function"}


def is_bytecode(value: Any, function_type: str | None = None) -> bool:
    """Whether a config's function is Python bytecode (Keras 3's `__lambda__` form, or
    tf.keras 2's `function_type="lambda"`), which only unsafe loading may run.

    Example:
        >>> from ember.keras import function_serialization as functions
        >>> functions.is_bytecode({"class_name": "__lambda__", "config": {}})
        True
    """
    if isinstance(value, dict):
        return value.get("class_name") == "__lambda__"
    return function_type == "lambda" or isinstance(value, (list, tuple))


def _refuse(who: str, what: str) -> ValueError:
    return ValueError(
        f"{who}: the config {what}, and loading it would run code from the file, which "
        f"safe_mode=True (the default) refuses. If you trust the file, pass "
        f"safe_mode=False to keras.models.load_model (or call "
        f"keras.config.enable_unsafe_deserialization()); or pass the function itself in "
        f"custom_objects={{name: function}}, or register it with "
        f"keras.saving.register_keras_serializable.")


def _lambda(value: Any, module: str | None, custom_objects: dict | None, who: str) -> Callable:
    if isinstance(value, dict):  # {"code", "defaults", "closure"}
        code, defaults, closure = value.get("code"), value.get("defaults"), value.get("closure")
        python = value.get("python")
    elif isinstance(value, (list, tuple)) and len(value) == 3:  # tf.keras 2: [code, d, c]
        (code, defaults, closure), python = value, None
    else:
        raise ValueError(f"{who}: the saved function is damaged: expected its bytecode, "
                         f"received {value!r:.120}.")
    if python is not None and python != _PYTHON:
        raise ValueError(f"{who}: the saved function is bytecode of Python {python}, and "
                         f"this is Python {_PYTHON}; bytecode is not portable between "
                         f"versions. Recreate the layer in code and load the weights.")
    try:
        raw = base64.b64decode(code.encode("ascii") if isinstance(code, str) else code)
        fn_code = marshal.loads(raw)
    except (ValueError, TypeError, EOFError, AttributeError) as e:
        raise ValueError(f"{who}: the saved function's bytecode is damaged ({e}).") from e
    if not isinstance(fn_code, types.CodeType):
        raise ValueError(f"{who}: the saved function's bytecode is damaged (no code object).")
    mod = sys.modules.get(module or "")
    glob = dict(vars(mod)) if mod is not None else {"__builtins__": builtins}
    glob.update(registry.merged(custom_objects))
    cells = tuple(types.CellType(c) for c in (closure or ()))
    if len(cells) != len(fn_code.co_freevars):
        raise ValueError(f"{who}: the saved function is damaged: it needs "
                         f"{len(fn_code.co_freevars)} closure values, the config has "
                         f"{len(cells)}.")
    fn = types.FunctionType(fn_code, glob, fn_code.co_name,
                            tuple(defaults) if defaults is not None else None, cells)
    fn._ember_bytecode = (fn_code, code if isinstance(code, str) else code.decode("ascii"))
    return fn


def decode(value: Any, function_type: str | None, module: str | None,
           custom_objects: dict | None, who: str) -> Callable:
    """The function that `encode` described, by the rules in the module docstring.

    Example:
        >>> from ember.keras import function_serialization as functions
        >>> from ember.keras import serialization_registry as registry
        >>> with registry.safe_mode_scope(True):
        ...     functions.decode("system", "function", "os", None, 'Layer "l" (Lambda)')
        Traceback (most recent call last):
        ...
        ValueError: Layer "l" (Lambda): the config names the function 'system' of module 'os', ...
    """
    if isinstance(value, dict) and value.get("class_name") == "function":
        value, module = value.get("config"), value.get("module", module)  # Keras 3 form
    if isinstance(value, dict) and value.get("class_name") == "__lambda__":
        value, function_type, module = value.get("config"), "lambda", value.get("module",
                                                                                 module)
    if function_type == "lambda" or isinstance(value, (list, tuple, dict)):
        if registry.in_safe_mode():
            raise _refuse(who, "holds a Python lambda as bytecode")
        return _lambda(value, module, custom_objects, who)
    if not isinstance(value, str):
        raise ValueError(f"{who}: expected a function name or bytecode in the config, "
                         f"received {value!r:.120}.")
    found = registry.get_registered_object(value, custom_objects)
    if found is not None:
        return found
    table = _ember_functions()
    if module in _NAMESPACES and (module, value) in table:
        return table[(module, value)]
    if module is None:  # a bare name (Keras 3's loader may drop the module): ember's own
        for ns in _NAMESPACES:
            if (ns, value) in table:
                return table[(ns, value)]
        raise ValueError(f"{who}: the function {value!r} is given by name only; pass it in "
                         f"custom_objects={{{value!r}: {value}}}.")
    if registry.in_safe_mode():
        raise _refuse(who, f"names the function {value!r} of module {module!r}")
    obj: Any = importlib.import_module(module)
    for part in value.split("."):
        obj = getattr(obj, part)
    return obj

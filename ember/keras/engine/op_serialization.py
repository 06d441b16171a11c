"""Configs of `OpLayer`s: a primitive applied to KerasTensors, written as plain JSON data.

An OpLayer's config names its primitive by its registry name (`"reduce_sum"`), its static
params and its bind arguments, each as JSON data in Keras 3's notation for values JSON
has no word for:

- a tuple: `{"class_name": "__tuple__", "config": {"value": [...]}}` (a list stays a list:
  `x[(0, 1)]` and `x[[0, 1]]` index differently);
- a slice / `...`: `{"class_name": "__slice__", "config": {"start", "stop", "step"}}` /
  `{"class_name": "__ellipsis__", "config": {}}`;
- a dtype: `{"class_name": "__dtype__", "config": {"value": "float32", "kind": "numpy"}}`;
- a constant tensor / NumPy array: `{"class_name": "__tensor__" / "__numpy__", "config":
  {"value": nested lists, "dtype": "float32"}}`;
- a Variable (kept by reference, so it is one of the layer's weights):
  `{"class_name": "__variable__", "config": {"name", "shape", "dtype", "trainable", "key"}}`;
  its value is saved with the model's weights, not in the config; `key` names it within
  the config, so a Variable several ops share is one Variable again when a model loads
  (inside `shared_variables()`);
- the place of a KerasTensor input: `{"class_name": "__input__", "config": {}}`.

Reading a config back only ever looks up a primitive in ember's registry
(`ember.core.registry.PRIMITIVES`) and builds the values above: no name in a config makes
ember import a module or run code.

Example:
    >>> import ember as tf
    >>> from ember.keras.engine import op_serialization as ops
    >>> ops.encode((slice(None, 2), Ellipsis), "op")
    {'class_name': '__tuple__', 'config': {'value': [{'class_name': '__slice__', \
'config': {'start': None, 'stop': 2, 'step': None}}, {'class_name': '__ellipsis__', \
'config': {}}]}}
    >>> ops.decode(ops.encode((slice(None, 2), Ellipsis), "op"), "op")
    (slice(None, 2, None), Ellipsis)
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import numpy as np

from ...core import registry
from ...core.dtypes import DType, as_dtype
from ...core.tensor import Tensor
from ...core.variable import Variable

__all__ = ["INPUT", "decode", "encode", "find_primitive", "shared_variables"]

INPUT = {"class_name": "__input__", "config": {}}  # where a KerasTensor argument goes
_SCALARS = (bool, int, float, str, type(None))
_LOADING: list = []  # one {key: Variable} per enclosing shared_variables()


@contextlib.contextmanager
def shared_variables() -> Iterator[dict]:
    """While a model's config is read: Variables with the same `key` decode to one
    Variable (one shared by several ops stays shared).

    Example:
        >>> from ember.keras.engine import op_serialization as ops
        >>> data = {"class_name": "__variable__",
        ...         "config": {"name": "v", "shape": [2], "key": "v1"}}
        >>> with ops.shared_variables():
        ...     ops.decode(data, "op") is ops.decode(data, "op")
        True
    """
    _LOADING.append({})
    try:
        yield _LOADING[-1]
    finally:
        _LOADING.pop()


def _dtype_name(dtype: Any) -> str:
    return as_dtype(dtype).name


class _Unsavable(TypeError):
    """A value with no config (the caller names the layer and the fix)."""


def encode(value: Any, who: str) -> Any:
    """`value` (an op's param or constant argument) as JSON data; see the module doc.

    Example:
        >>> import numpy as np
        >>> from ember.keras.engine import op_serialization as ops
        >>> ops.encode(np.dtype("int32"), "op")
        {'class_name': '__dtype__', 'config': {'value': 'int32', 'kind': 'numpy'}}
    """
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, tuple):
        return {"class_name": "__tuple__",
                "config": {"value": [encode(v, who) for v in value]}}
    if isinstance(value, list):
        return [encode(v, who) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"class_name": "__dict__",
                "config": {"value": {k: encode(v, who) for k, v in value.items()}}}
    if isinstance(value, slice):
        return {"class_name": "__slice__",
                "config": {"start": encode(value.start, who), "stop": encode(value.stop, who),
                           "step": encode(value.step, who)}}
    if value is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(value, DType):
        return {"class_name": "__dtype__", "config": {"value": value.name, "kind": "ember"}}
    if isinstance(value, np.dtype):
        return {"class_name": "__dtype__",
                "config": {"value": _dtype_name(value), "kind": "numpy"}}
    if isinstance(value, Variable):
        return {"class_name": "__variable__",
                "config": {"name": value.name.split(":")[0],
                           "shape": [int(d) for d in value.numpy().shape],
                           "dtype": value.dtype.name, "trainable": bool(value.trainable),
                           "key": f"{value.name.split(':')[0]}@{id(value):x}"}}
    if isinstance(value, Tensor):
        arr = np.asarray(value.numpy())
        if arr.dtype.kind in "OSU":
            raise _Unsavable(f"{who}: a string tensor constant has no config")
        return {"class_name": "__tensor__",
                "config": {"value": arr.tolist(), "dtype": value.dtype.name}}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        return {"class_name": "__numpy__",
                "config": {"value": value.tolist(), "dtype": _dtype_name(value.dtype)}}
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return {"class_name": "__numpy_scalar__",
                "config": {"value": value.item(), "dtype": _dtype_name(value.dtype)}}
    raise _Unsavable(f"{who}: {type(value).__name__} value {value!r:.80} has no config")


def _array(config: dict, who: str) -> np.ndarray:
    try:
        return np.array(config["value"], dtype=as_dtype(config["dtype"])._numpy())
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{who}: the saved constant {config!r:.120} is damaged ({e}); "
                         f"expected {{'value': nested lists, 'dtype': a dtype name}}.") from None


def decode(data: Any, who: str, weights: list | None = None) -> Any:
    """The value `encode` described; new Variables (zeros, until the weights are loaded)
    are appended to `weights` when given.

    Example:
        >>> from ember.keras.engine import op_serialization as ops
        >>> ops.decode({"class_name": "__tensor__",
        ...             "config": {"value": [1, 2], "dtype": "int32"}}, "op").numpy()
        array([1, 2], dtype=int32)
    """
    if isinstance(data, _SCALARS):
        return data
    if isinstance(data, list):
        return [decode(v, who, weights) for v in data]
    if not isinstance(data, dict) or not isinstance(data.get("config"), dict):
        raise ValueError(f"{who}: expected JSON data written by OpLayer.get_config, "
                         f"received {data!r:.120}.")
    kind, config = data.get("class_name"), data["config"]
    if kind == "__tuple__":
        return tuple(decode(v, who, weights) for v in config.get("value", ()))
    if kind == "__dict__":
        return {k: decode(v, who, weights) for k, v in config.get("value", {}).items()}
    if kind == "__slice__":
        return slice(decode(config.get("start"), who), decode(config.get("stop"), who),
                     decode(config.get("step"), who))
    if kind == "__ellipsis__":
        return Ellipsis
    if kind == "__dtype__":
        dt = as_dtype(config.get("value"))
        return dt if config.get("kind") == "ember" else dt._numpy()
    if kind == "__tensor__":
        return Tensor(_array(config, who))
    if kind == "__numpy__":
        return _array(config, who)
    if kind == "__numpy_scalar__":
        return _array(config, who)[()]
    if kind == "__variable__":
        shape = config.get("shape")
        if not isinstance(shape, list) or not all(isinstance(d, int) for d in shape):
            raise ValueError(f"{who}: the saved variable {config!r:.120} has no valid "
                             f"'shape' (a list of ints).")
        key = config.get("key")
        if _LOADING and key is not None and key in _LOADING[-1]:
            return _LOADING[-1][key]
        var = Variable(np.zeros(shape, as_dtype(config.get("dtype", "float32"))._numpy()),
                       trainable=bool(config.get("trainable", True)),
                       name=config.get("name") or "Variable")
        if _LOADING and key is not None:
            _LOADING[-1][key] = var
        if weights is not None:
            weights.append(var)
        return var
    raise ValueError(f"{who}: unknown value kind {kind!r} in the config; expected one of "
                     f"__tuple__, __dict__, __slice__, __ellipsis__, __dtype__, __tensor__, "
                     f"__numpy__, __numpy_scalar__, __variable__.")


def find_primitive(name: Any, who: str) -> Any:
    """The registered primitive called `name` (nothing else: a config names no code).

    Example:
        >>> from ember.keras.engine.op_serialization import find_primitive
        >>> find_primitive("add", "op").name
        'add'
    """
    prim = registry.PRIMITIVES.get(name) if isinstance(name, str) else None
    if prim is None:
        raise ValueError(f"{who}: the config names the primitive {name!r}, which is not "
                         f"one of ember's registered primitives; was it saved by another "
                         f"ember version? Recreate the model in code and load its weights.")
    if prim.higher_order:
        raise ValueError(f"{who}: the primitive {name!r} takes sub-graphs, which a config "
                         f"can't hold; put it in a custom layer's call.")
    return prim

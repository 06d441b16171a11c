"""KerasOp: a `keras.ops` call on KerasTensors, as a node of the functional model.

Keras 3 records `keras.ops.sum(x, axis=-1)` on KerasTensors as an operation node
(`{"module": "keras.src.ops.numpy", "class_name": "Sum", "config": {"name": "sum",
"axis": -1, ...}}`, the tensors in the node's arguments). ember does the same: each
`keras.ops` function (`recording`) called on KerasTensors outside a layer makes a KerasOp
layer node, its arguments split as Keras 3's op class splits them (`_keras3_names.py`), so
`model.summary()` shows the op by its Keras name and a saved file loads in real Keras 3.
Loading a file makes each op node a KerasOp that calls ember's `keras.ops` function of
that name: no code from the file runs, only ember's own ops, found by name.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> from ember.keras.ops.op_node import KerasOp
    >>> x = keras.Input((3,))
    >>> y = KerasOp("Sum", "numpy", {"axis": -1})(x)
    >>> keras.Model(x, y)(np.ones((1, 3), "float32")).numpy()
    array([3.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import functools
import inspect
import sys

from .. import serialization_registry
from ..engine.call_context import CALL
from ..engine.keras_tensor import KerasTensor
from ..engine.layer import Layer
from ..engine.naming import unique_name
from ._keras3_names import OPS

_SUBMODULES = ("numpy", "nn", "math", "core", "linalg", "image")


def _index() -> dict:
    """{(submodule, squashed lower-case name): function} over keras.ops: Keras 3's class
    names ("GetItem", "Argmax", "Sum") squash to the functions' names ("get_item")."""
    keras_ops = sys.modules[__name__.rsplit(".", 1)[0]]  # ember.keras.ops (loaded)
    out = {}
    for sub in _SUBMODULES:
        mod = getattr(keras_ops, sub, None)
        names = getattr(mod, "__all__", None) if mod is not None else None
        for name in names or [n for n in dir(keras_ops) if not n.startswith("_")]:
            fn = getattr(mod if mod is not None else keras_ops, name, None)
            if callable(fn):
                out[(sub, name.replace("_", "").lower())] = fn
    return out


_FUNCTIONS: dict = {}


def find_op(class_name: str, module: str) -> Any:
    """ember's keras.ops function behind Keras 3's op class `class_name` of
    `keras.src.ops.<module>`, or a ValueError naming it."""
    if not _FUNCTIONS:
        _FUNCTIONS.update(_index())
    key = class_name.replace("_", "").lower()
    fn = _FUNCTIONS.get((module, key))
    if fn is None:  # the math and core ops live at keras.ops' top level
        fn = next((f for (m, k), f in _FUNCTIONS.items() if k == key), None)
    if fn is None:
        raise ValueError(f"load_model: the file has a Keras 3 op {class_name!r} "
                         f"(keras.src.ops.{module}) that ember's keras.ops does not have.")
    return fn


class KerasOp(Layer):
    """One Keras 3 op node: `keras.ops.<op>(*node arguments, **config)`."""

    def __init__(self, op: str, module: str = "numpy", arguments: dict | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.autocast = False  # an op keeps its operands' dtypes (Keras 3's promotion)
        self.op, self.module = op, module
        self._display_class = op  # summary() shows Keras 3's op class, e.g. "Sum"
        self.arguments = dict(arguments or {})
        self._fn = find_op(op, module)
        entry = OPS.get(self._fn.__name__)
        self._call_params = entry[2] if entry is not None and entry[1] == op else None
        self.built = True

    def call(self, *args: Any, **kwargs: Any) -> Any:
        if self.op == "GetItem" and len(args) == 2 and isinstance(args[1], list) and any(
                k is None or k is Ellipsis or isinstance(k, slice) for k in args[1]):
            args = (args[0], tuple(args[1]))  # JSON wrote the index tuple as a list
        kwargs = {k: v for k, v in kwargs.items() if k not in ("training", "mask")}
        if self._call_params is not None and len(args) <= len(self._call_params):
            # by name: Keras 3's call parameters need not lead the function's (`full`'s
            # call takes fill_value, its config the shape)
            kwargs.update(zip(self._call_params, args))
            args = ()
        return self._fn(*args, **self.arguments, **kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), "op": self.op, "module": self.module,
                "arguments": self.arguments}


serialization_registry.register_builtin_layers({"KerasOp": KerasOp})


def _has_keras_tensor(args: tuple, kwargs: dict) -> bool:
    for a in (*args, *kwargs.values()):
        if isinstance(a, KerasTensor) or (isinstance(a, (list, tuple)) and any(
                isinstance(v, KerasTensor) for v in a)):
            return True
    return False


def records(fn: Any) -> bool:
    """Whether `fn` can be a Keras 3 op node: a fixed list of parameters (an op over
    `*operands`, as einsum or meshgrid, records its primitives instead)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return not any(p.kind == p.VAR_POSITIONAL for p in params)


def recording(fn: Any, name: str) -> Any:
    """`fn` (a keras.ops function), recording a KerasOp node when called on KerasTensors
    outside a layer's call (inside one, or on values, it is `fn` itself)."""
    module, class_name, call_params, _ = OPS[name]
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def op(*args: Any, **kwargs: Any) -> Any:
        if CALL.spec_only or not _has_keras_tensor(args, kwargs):
            return fn(*args, **kwargs)
        given = sig.bind(*args, **kwargs).arguments
        config = {k: v for k, v in given.items() if k not in call_params}
        if _has_keras_tensor((), config):  # a KerasTensor Keras 3 would keep in the
            return fn(*args, **kwargs)     # config: ember's primitives record it instead
        positional, keywords = [], {}
        for p in call_params:
            if p in given and not keywords:
                positional.append(given[p])
            elif p in given:
                keywords[p] = given[p]
            else:
                keywords.setdefault("_", None)  # a gap: later call arguments by name
        keywords.pop("_", None)
        layer = KerasOp(class_name, module, config, name=unique_name(name))
        return layer(*positional, **keywords)
    return op

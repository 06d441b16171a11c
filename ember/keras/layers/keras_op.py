"""KerasOp: a Keras 3 op node of a functional model written by real Keras 3.

Keras 3 records `keras.ops.sum(x, axis=-1)` on KerasTensors as an operation node
(`{"module": "keras.src.ops.numpy", "class_name": "Sum", "config": {"name": "sum",
"axis": -1, ...}}`, the tensors in the node's arguments). Loading such a file in ember
makes each node a KerasOp layer that calls ember's `keras.ops` function of that name with
the node's arguments and the op's config: no code from the file runs, only ember's own
ops, found by name.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> from ember.keras.layers.keras_op import KerasOp
    >>> x = keras.Input((3,))
    >>> y = KerasOp("Sum", "numpy", {"axis": -1})(x)
    >>> keras.Model(x, y)(np.ones((1, 3), "float32")).numpy()
    array([3.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from .. import ops as keras_ops
from .. import serialization_registry
from ..engine.layer import Layer

_SUBMODULES = ("numpy", "nn", "math", "core", "linalg", "image")


def _index() -> dict:
    """{(submodule, squashed lower-case name): function} over keras.ops: Keras 3's class
    names ("GetItem", "Argmax", "Sum") squash to the functions' names ("get_item")."""
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
        self.op, self.module = op, module
        self.arguments = dict(arguments or {})
        self._fn = find_op(op, module)
        self.built = True

    def call(self, *args: Any, **kwargs: Any) -> Any:
        if self.op == "GetItem" and len(args) == 2 and isinstance(args[1], list) and any(
                k is None or k is Ellipsis or isinstance(k, slice) for k in args[1]):
            args = (args[0], tuple(args[1]))  # JSON wrote the index tuple as a list
        return self._fn(*args, **self.arguments, **kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), "op": self.op, "module": self.module,
                "arguments": self.arguments}


serialization_registry.register_builtin_layers({"KerasOp": KerasOp})

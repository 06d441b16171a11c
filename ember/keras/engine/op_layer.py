"""OpLayer: an ember op applied to KerasTensors, recorded as a layer of the functional graph.

`x * 2 + 1`, `ember.reduce_sum(x, axis=-1)` or `x[:, 0]` on KerasTensors need no Lambda
layer: each primitive the op binds becomes an OpLayer node (`tf.multiply`, `tf.add`, ...),
holding the primitive, its static params and its non-symbolic arguments. Variables among
those arguments are kept by reference (read on every run) and tracked as the layer's
weights, so a model that multiplies by a Variable trains it.

Example:
    >>> from ember import keras
    >>> import ember as tf, numpy as np
    >>> x = keras.Input((3,))
    >>> model = keras.Model(x, tf.reduce_sum(x * 2.0, axis=-1))
    >>> model(np.ones((1, 3))).numpy()
    array([6.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ...core import registry
from .keras_tensor import KerasTensor
from .layer import Layer
from .naming import unique_name
from .node import Node

_SLOT = object()  # marks where a KerasTensor argument goes


class OpLayer(Layer):
    """One primitive on KerasTensors (Keras 2 calls these TFOpLambda layers)."""

    def __init__(self, prim: Any, params: dict, template: list, name: str | None = None):
        super().__init__(name=name or unique_name(f"tf.{prim.name}"))
        self.prim = prim
        self.params = params
        self._template = template  # the bind arguments, with _SLOT for each KerasTensor
        self.built = True

    def __call__(self, inputs: Any, **kwargs: Any) -> Any:
        it = iter(inputs)
        args = [next(it) if a is _SLOT else a for a in self._template]
        return registry.bind(self.prim, *args, **self.params)

    def call(self, inputs: Any) -> Any:
        return self(inputs)

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"Layer {self.name} (an ember op applied to KerasTensors) can't be serialized "
            f"to a config yet; wrap the computation in a keras.layers.Lambda or a custom "
            f"layer to save the model's config.")


def record_op(prim: Any, args: tuple, params: dict, outs: tuple) -> None:
    """Adds the node of `prim(*args, **params) -> outs` to the functional graph."""
    template = [_SLOT if isinstance(a, KerasTensor) else a for a in args]
    kts = [a for a in args if isinstance(a, KerasTensor)]
    layer = OpLayer(prim, params, template)
    Node(layer, (kts,), {}, outs if prim.multiple_results else outs[0])

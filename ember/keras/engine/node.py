"""Node: one call of a layer on KerasTensors, an edge bundle of the functional graph.

A node keeps the call's arguments (with the KerasTensors in place) and its output
KerasTensors. `Model(inputs, outputs)` walks nodes back from the outputs and replays
them in order when the model runs.

Example:
    >>> from ember import keras
    >>> x = keras.Input((4,))
    >>> y = keras.layers.Dense(2, name="d")(x)
    >>> node = y.node
    >>> node.layer.name, [t.shape for t in node.input_tensors]
    ('d', [TensorShape([None, 4])])
"""

from __future__ import annotations

from typing import Any

from ...core import nest
from .keras_tensor import KerasTensor


class Node:
    """A layer applied to KerasTensors: `layer(*call_args, **call_kwargs) -> outputs`."""

    def __init__(self, layer: Any, call_args: tuple, call_kwargs: dict, outputs: Any):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs  # the structure the layer returned
        flat_in = nest.flatten((call_args, call_kwargs))
        self.input_tensors = [t for t in flat_in if isinstance(t, KerasTensor)]
        self.output_tensors = [t for t in nest.flatten(outputs) if isinstance(t, KerasTensor)]
        index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for i, t in enumerate(self.output_tensors):
            t._keras_history = (layer, index, i)
            if t.name is None:
                t.name = layer.name if len(self.output_tensors) == 1 else f"{layer.name}_{i}"

    @property
    def parent_nodes(self) -> list:
        """The nodes that produced this node's inputs."""
        return [t.node for t in self.input_tensors if t._keras_history is not None]

    def run(self, values: dict, **extra: Any) -> Any:
        """Calls the layer with each input KerasTensor replaced by `values[id(kt)]`."""
        args, kwargs = nest.map_structure(
            lambda a: values[id(a)] if isinstance(a, KerasTensor) else a,
            (self.call_args, self.call_kwargs))
        if extra:
            kwargs = {**kwargs, **extra}
        return self.layer(*args, **kwargs)

    def __repr__(self) -> str:
        ins = ", ".join(t.name or "?" for t in self.input_tensors)
        return f"<Node {self.layer.name}({ins})>"

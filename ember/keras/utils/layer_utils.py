"""`keras.utils.get_source_inputs`: the `keras.Input` tensors a KerasTensor was computed from.

Example:
    >>> from ember import keras
    >>> a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    >>> y = keras.layers.Dense(1)(keras.layers.Add()([a, b]))
    >>> [t.name for t in keras.utils.get_source_inputs(y)]
    ['a', 'b']
"""

from __future__ import annotations

from typing import Any

from ..engine.input_layer import InputLayer

__all__ = ["get_source_inputs"]


def get_source_inputs(tensor: Any) -> list:
    """The input KerasTensors (from `keras.Input` / InputLayers) that `tensor` depends on,
    in first-visited order, each once. A tensor that no layer made is its own source."""
    if getattr(tensor, "_keras_history", None) is None:
        return [tensor]
    sources: list = []
    seen: set = set()
    stack = [tensor]
    while stack:
        t = stack.pop()
        history = getattr(t, "_keras_history", None)
        if history is None:
            found = [t]
        else:
            layer, node_index, _ = history
            node = layer._inbound_nodes[node_index]
            if isinstance(layer, InputLayer) or not node.input_tensors:
                found = list(node.output_tensors) or [t]
            else:
                stack.extend(reversed(node.input_tensors))
                continue
        for x in found:
            if id(x) not in seen:
                seen.add(id(x))
                sources.append(x)
    return sources

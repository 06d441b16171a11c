"""`keras.Sequential`: a linear stack of layers, a functional model once its input is known.

The input shape comes from a leading `keras.Input` (Keras 3 style), the first layer's
`input_shape=` (Keras 2 style), `build(input_shape)`, or the first call on data (batch dim
relaxed to None). Until then the model is "deferred": it has no weights or inputs yet.

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> model = keras.Sequential([keras.layers.Dense(5, activation="relu", input_shape=(10,)),
    ...                           keras.layers.Dense(1, activation="sigmoid")])
    >>> model.predict(np.random.rand(1, 10), verbose=0).shape
    (1, 1)
"""

from __future__ import annotations

from typing import Any

from ...core import nest
from ...core.shape import as_shape
from .. import config
from ..engine.input_layer import Input, InputLayer
from ..engine.keras_tensor import KerasTensor
from ..engine.layer import Layer
from ..engine.layer_utils import init_scope
from ..layers.serialization import deserialize, serialize
from ..serialization_registry import register_builtin_layers
from .model import Model


class Sequential(Model):
    """A model whose layers each feed the next (TF's `keras.Sequential`).

    Args:
        layers: a list of layers (may start with `keras.Input(...)`).
        name: the model's name.
    """

    def __init__(self, layers: Any = None, name: str | None = None, **kwargs: Any):
        super().__init__(name=name, **kwargs)
        self._stack: list = []
        self._input_tensor: KerasTensor | None = None
        self.built = False
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list:
        """The stacked layers (without the InputLayer)."""
        return list(self._stack)

    def add(self, layer: Any) -> None:
        """Appends a layer (or a `keras.Input`) to the stack.

        Example:
            >>> from ember import keras
            >>> m = keras.Sequential()
            >>> m.add(keras.Input((3,)))
            >>> m.add(keras.layers.Dense(2))
            >>> m.output_shape
            TensorShape([None, 2])
        """
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history[0], InputLayer):
            layer = layer._keras_history[0]
        if isinstance(layer, InputLayer):
            if self._stack or self._input_tensor is not None:
                raise ValueError(f'Sequential "{self.name}": an Input can only be the first '
                                 f"entry of the stack.")
            self._input_tensor = layer._inbound_nodes[0].outputs
            return
        if not isinstance(layer, Layer):
            raise TypeError(f'Sequential "{self.name}": add() expects a keras layer, received '
                            f"{type(layer).__name__} ({layer!r}).")
        if any(layer is existing for existing in self._stack):
            raise ValueError(f'Sequential "{self.name}": layer "{layer.name}" is already in '
                             f"the model; create a new layer to stack it again.")
        if self._graph is not None:
            out = layer(self._graph.nested_outputs)  # may raise: the stack is unchanged
            self._stack.append(layer)
            self._init_graph(self._graph.nested_inputs, out)
            return
        self._stack.append(layer)
        shape = self._known_input_shape()
        if shape is not None:
            try:
                self._build_graph(shape)
            except Exception:
                self._stack.pop()
                raise

    def pop(self) -> Layer:
        """Removes and returns the last layer."""
        if not self._stack:
            raise TypeError(f'Sequential "{self.name}": there are no layers to pop.')
        layer = self._stack.pop()
        if self._graph is not None:
            if self._stack:
                self._init_graph(self._graph.nested_inputs, self._stack[-1].output
                                 if len(self._stack[-1]._inbound_nodes) == 1
                                 else self._rerun_outputs())
            else:
                self._graph = None
                self._compiled = {}
                self._fast = None
                self.built = False
        return layer

    def _rerun_outputs(self) -> Any:
        g = self._graph
        nodes = [n for n in g.nodes if any(n.layer is la for la in self._stack)]
        return nodes[-1].outputs

    def _known_input_shape(self) -> Any:
        if self._input_tensor is not None:
            return self._input_tensor
        if self._stack and self._stack[0]._batch_input_shape is not None:
            return self._stack[0]._batch_input_shape
        return None

    def _build_graph(self, shape_or_input: Any, dtype: Any = None) -> None:
        if isinstance(shape_or_input, KerasTensor):
            x = inputs = shape_or_input
        else:
            first = self._stack[0] if self._stack else None
            name = f"{first.name}_input" if first is not None else None
            if dtype is None or dtype.is_floating:
                dtype = first._dtype if first is not None else config.floatx()
            x = inputs = Input(batch_shape=tuple(as_shape(shape_or_input)), dtype=dtype,
                               name=name)
            self._input_tensor = inputs
        for layer in self._stack:
            x = layer(x)
        self._init_graph(inputs, x)

    def build(self, input_shape: Any = None) -> None:
        """Creates the weights for inputs of `input_shape` (with the batch dim)."""
        if self._graph is not None:
            return
        if input_shape is None:
            input_shape = self._known_input_shape()
        if input_shape is None:
            raise ValueError(f'Sequential "{self.name}": build needs an input_shape, e.g. '
                             f"model.build((None, 10)), or give the first layer "
                             f"input_shape=(10,).")
        if not self._stack:
            raise ValueError(f'Sequential "{self.name}" has no layers to build.')
        self._build_graph(input_shape)

    def _graph_for(self, x: Any) -> Any:
        """A Sequential without an input shape builds its graph from its first input."""
        if not self._stack:
            raise ValueError(f'Sequential "{self.name}" has no layers; add some first.')
        leaves = nest.flatten(x)
        if len(leaves) == 1 or isinstance(x, KerasTensor) or hasattr(x, "shape"):
            t = self._convert_inputs(x)
            shape = (None,) + tuple(t.shape)[1:] if t.shape.rank else tuple(t.shape)
            # NOTE: outside any trace (a first call inside fit's step function), so
            # a layer's call reading its Variables (an adapted Normalization) builds
            # the graph from the Variables, not from the trace's tensors
            with init_scope():
                self._build_graph(shape, t.dtype)
        else:
            raise ValueError(f'Sequential "{self.name}" takes a single input tensor.')
        return self._graph

    def get_config(self) -> dict:
        return {"name": self.name,
                "layers": ([{"class_name": "InputLayer", "config":
                             self._input_tensor._keras_history[0].get_config()}]
                           if self._input_tensor is not None else [])
                + [serialize(layer) for layer in self._stack]}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "Sequential":
        model = cls(name=config.get("name"))
        for layer_config in config["layers"]:
            model.add(deserialize(layer_config, custom_objects=custom_objects))
        return model


register_builtin_layers({"Sequential": Sequential})  # for layers.deserialize

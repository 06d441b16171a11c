"""OpLayer: an ember op applied to KerasTensors, recorded as a layer of the functional graph.

`x * 2 + 1`, `ember.reduce_sum(x, axis=-1)` or `x[:, 0]` on KerasTensors need no Lambda
layer: each primitive the op binds becomes an OpLayer node (`tf.multiply`, `tf.add`, ...),
holding the primitive, its static params and its non-symbolic arguments. Variables among
those arguments are kept by reference (read on every run) and tracked as the layer's
weights, so a model that multiplies by a Variable trains it.

An OpLayer's config names the primitive by its registry name, with its params and
constant arguments as JSON data (see `op_serialization.py`), so functional models built
with raw ops save and load like any other.

Example:
    >>> from ember import keras
    >>> import ember as tf, numpy as np
    >>> x = keras.Input((3,))
    >>> model = keras.Model(x, tf.reduce_sum(x * 2.0, axis=-1))
    >>> model(np.ones((1, 3))).numpy()
    array([6.], dtype=float32)
    >>> keras.Model.from_config(model.get_config())(np.ones((1, 3))).numpy()
    array([6.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ...core import registry
from .. import serialization_registry
from . import op_serialization as opser
from .keras_tensor import KerasTensor
from .layer import Layer
from .naming import unique_name
from .node import Node

_SLOT = object()  # marks where a KerasTensor argument goes
_OWNER: list = []  # the OpLayer being called on KerasTensors: its node records the op


class OpLayer(Layer):
    """One primitive on KerasTensors (Keras 2 calls these TFOpLambda layers)."""

    def __init__(self, primitive: Any, params: dict | None = None,
                 arguments: list | None = None, name: str | None = None, **kwargs: Any):
        """`primitive` is a registered Primitive with `params` and `arguments` as bound
        (a KerasTensor's place marked), or, from a config, the primitive's registry name
        with both as `get_config` writes them (see `from_config`)."""
        if isinstance(primitive, str) or not hasattr(primitive, "rule"):
            who = f'Layer "{name}" (OpLayer)'
            primitive = opser.find_primitive(primitive, who)
            params, arguments = _decode_config(params, arguments, who)
        super().__init__(name=name or unique_name(f"tf.{primitive.name}"), **kwargs)
        self.prim = primitive
        self.params = dict(params or {})
        self._template = list(arguments or [])  # the bind arguments, _SLOT for each input
        self.built = True

    def __call__(self, inputs: Any, **kwargs: Any) -> Any:
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs]  # one tensor input, as a config's node passes it
        slots = sum(a is _SLOT for a in self._template)
        if len(inputs) != slots:
            raise ValueError(f'Layer "{self.name}" ({self.prim.name} on KerasTensors) takes '
                             f"{slots} tensor input(s), received {len(inputs)}.")
        it = iter(inputs)
        args = [next(it) if a is _SLOT else a for a in self._template]
        if not any(isinstance(a, KerasTensor) for a in args):
            return registry.bind(self.prim, *args, **self.params)
        _OWNER.append(self)  # rebuilt from a config: this layer is the node's layer
        try:
            return registry.bind(self.prim, *args, **self.params)
        finally:
            _OWNER.pop()

    def call(self, inputs: Any) -> Any:
        return self(inputs)

    def get_config(self) -> dict:
        """The primitive's registry name, its params and its arguments, as JSON data.

        Example:
            >>> from ember import keras
            >>> import ember as tf
            >>> x = keras.Input((3,))
            >>> layer = tf.reduce_sum(x, axis=-1)._keras_history[0]
            >>> cfg = layer.get_config()
            >>> cfg["primitive"], cfg["arguments"]
            ('reduce_sum', [{'class_name': '__input__', 'config': {}}])
        """
        who = f'Layer "{self.name}" ({self.prim.name} on KerasTensors)'
        if self.prim.higher_order:
            raise NotImplementedError(f"{who} takes sub-graphs and can't be saved; put it "
                                      f"in a custom layer's call.")
        try:
            params = {k: opser.encode(v, who) for k, v in self.params.items()}
            args = [opser.INPUT if a is _SLOT else opser.encode(a, who)
                    for a in self._template]
        except opser._Unsavable as e:
            raise NotImplementedError(
                f"{e}, so the model's config can't be saved. Wrap the computation in a "
                f"custom layer with get_config (or a keras.layers.Lambda), or save the "
                f"weights only (model.save_weights).") from None
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype,
                "primitive": self.prim.name, "params": params, "arguments": args}

    @classmethod
    def from_config(cls, config: dict) -> "OpLayer":
        """An OpLayer from `get_config()`'s dict; the primitive is looked up in ember's
        registry only, and Variables start at zeros until the weights are loaded.

        Example:
            >>> import ember as tf
            >>> from ember.keras.engine.op_layer import OpLayer
            >>> layer = OpLayer.from_config({"name": "neg", "primitive": "negative",
            ...     "params": {}, "arguments": [{"class_name": "__input__", "config": {}}]})
            >>> layer(tf.constant([2.0])).numpy()
            array([-2.], dtype=float32)
        """
        if not isinstance(config, dict):
            raise ValueError(f"OpLayer.from_config: expected the dict of get_config(), "
                             f"received {type(config).__name__}.")
        config = dict(config)
        trainable = config.pop("trainable", True)
        config.pop("dtype", None)
        layer = cls(config.pop("primitive", None), **config)
        if trainable is False:
            layer.trainable = False
        return layer


def _decode_config(params: Any, args: Any, who: str) -> tuple:
    """(params, bind template) from a config's JSON data."""
    params = {} if params is None else params
    if not isinstance(params, dict) or not isinstance(args, list):
        raise ValueError(f"{who}: the config needs 'params' (a dict) and 'arguments' "
                         f"(a list), received params={params!r:.80}, arguments={args!r:.80}.")
    if opser.INPUT not in args:
        raise ValueError(f"{who}: the config's arguments have no KerasTensor input "
                         f"({opser.INPUT}); an OpLayer applies an op to a tensor.")
    template = [_SLOT if a == opser.INPUT else opser.decode(a, who) for a in args]
    return {k: opser.decode(v, who) for k, v in params.items()}, template


def record_op(prim: Any, args: tuple, params: dict, outs: tuple) -> None:
    """Adds the node of `prim(*args, **params) -> outs` to the functional graph."""
    kts = [a for a in args if isinstance(a, KerasTensor)]
    if _OWNER and _OWNER[-1] is not None and _OWNER[-1].prim is prim:
        layer = _OWNER.pop()  # one node for one call; a nested bind gets its own layer
        _OWNER.append(None)
    else:
        template = [_SLOT if isinstance(a, KerasTensor) else a for a in args]
        layer = OpLayer(prim, params, template)
    Node(layer, (kts,), {}, outs if prim.multiple_results else outs[0])


serialization_registry.register_builtin_layers({"OpLayer": OpLayer})

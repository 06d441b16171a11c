"""Symbolic `add_loss` / `add_metric` on functional models (tf.keras 2). The compiled
graph that hands each call's loss terms back to the layers is `graph_function.py`.

`model.add_loss(t)`, `t` a scalar KerasTensor computed from the model's inputs, calls an
`AddLoss` layer on `t`; its node joins the model's graph (as an "extra" of the
FunctionalGraph: run on every call, not returned). Each call of the model then computes the
term from that call's inputs, the AddLoss layer adds it with `add_loss` in its call, and it
appears in `model.losses`, so `fit` / `evaluate` add it to the loss. `model.add_metric(t,
name=...)` does the same with an `AddMetric` layer, whose call updates a
`keras.metrics.Mean` named `name` (logged by fit / evaluate, kept in History).

Example:
    >>> import ember as tf, numpy as np
    >>> from ember import keras
    >>> inputs = keras.Input((2,))
    >>> model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    >>> model.add_loss(0.5 * tf.reduce_mean(tf.square(inputs)))
    >>> _ = model(np.array([[1.0, 3.0]]))
    >>> [float(v) for v in model.losses]
    [2.5]
"""

from __future__ import annotations

from typing import Any

from ..engine.keras_tensor import KerasTensor
from ..engine.layer import Layer
from .functional import FunctionalGraph


class AddLoss(Layer):
    """Adds its input (a scalar) to the losses of each call and returns it: the node that
    `model.add_loss(tensor)` puts in a functional model's graph.

    Example:
        >>> import ember as tf
        >>> layer = AddLoss()
        >>> _ = layer(tf.constant(2.0))
        >>> [float(v) for v in layer.losses]
        [2.0]
    """

    def call(self, inputs: Any) -> Any:
        self.add_loss(inputs)
        return inputs


class AddMetric(Layer):
    """Averages its input into a metric called `metric_name` on each call and returns it:
    the node that `model.add_metric(tensor, name)` puts in a functional model's graph.

    Example:
        >>> import ember as tf
        >>> layer = AddMetric(metric_name="m")
        >>> _ = layer(tf.constant(2.0)); _ = layer(tf.constant(4.0))
        >>> float(layer._metrics[0].result())
        3.0
    """

    def __init__(self, aggregation: str | None = None, metric_name: str | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.aggregation = aggregation
        self.metric_name = metric_name

    def call(self, inputs: Any) -> Any:
        self.add_metric(inputs, name=self.metric_name, aggregation=self.aggregation)
        return inputs

    def get_config(self) -> dict:
        return {**super().get_config(), "aggregation": self.aggregation,
                "metric_name": self.metric_name}


def _check_graph_tensor(model: Any, t: KerasTensor, what: str) -> FunctionalGraph:
    """The model's graph, once `t` is known to be computed from the model's inputs."""
    g = model._graph
    if g is None:
        raise ValueError(
            f'Model "{model.name}": {what} received the KerasTensor {t!r}, but the model has '
            f"no graph (a subclassed model, or a Sequential model without a known input). "
            f"Add the term inside call() with self.{what}(...), or pass a zero-argument "
            f"callable to add_loss.")
    try:
        FunctionalGraph(g.nested_inputs, g.nested_outputs, list(g.extras) + [t])
    except (TypeError, ValueError) as e:
        raise ValueError(
            f'Model "{model.name}": {what} received the KerasTensor {t!r}, which is not '
            f"computed from the model's inputs {[x.name for x in g.inputs]}. Build the term "
            f"from the tensors of this model (its keras.Input and the layers called on "
            f"it). Details: {e}") from None
    return g


def _rebuild(model: Any, g: FunctionalGraph, out: KerasTensor) -> None:
    """Adds `out` to the graph's extras and drops every compiled function of the model."""
    model._graph_extras.append(out)
    model._init_graph(g.nested_inputs, g.nested_outputs)
    for cache in ("_train_fns", "_test_fns", "_step_calls"):
        if isinstance(getattr(model, cache, None), dict):
            getattr(model, cache).clear()


def add_graph_loss(model: Any, loss: KerasTensor) -> None:
    """`model.add_loss(loss)` for a scalar KerasTensor of a functional model."""
    g = _check_graph_tensor(model, loss, "add_loss")
    if loss.shape.rank != 0:
        raise ValueError(
            f'Model "{model.name}": add_loss expects a scalar loss, received a KerasTensor '
            f"of shape {tuple(loss.shape)}. Reduce it first, e.g. "
            f"model.add_loss(tf.reduce_mean(t)).")
    dtype = loss.dtype if loss.dtype.is_floating else "float32"
    _rebuild(model, g, AddLoss(dtype=dtype)(loss))


def add_graph_metric(model: Any, value: KerasTensor, name: str,
                     aggregation: str | None = None) -> None:
    """`model.add_metric(value, name)` for a KerasTensor of a functional model."""
    g = _check_graph_tensor(model, value, "add_metric")
    taken = ["loss"] + [m.name for layer in model._flatten_layers()
                       for m in getattr(layer, "_metrics", ())]
    if getattr(model, "_is_compiled", False):
        taken += model.metrics_names
    if name in taken:
        raise ValueError(f'Model "{model.name}": add_metric name {name!r} is already used '
                         f"by another metric of the model ({sorted(set(taken))}); give "
                         f"each metric its own name.")
    dtype = value.dtype if value.dtype.is_floating else "float32"
    _rebuild(model, g, AddMetric(aggregation, name, dtype=dtype)(value))

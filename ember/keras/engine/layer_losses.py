"""`add_loss`, `losses` and `add_metric` of `keras.layers.Layer` (a mixin of Layer).

- Inside `call`, `add_loss(tensor)` / `add_metric(tensor, name=...)` record a term of
  this call: the loss replaces the previous call's (it is recomputed on every call), the
  metric value updates a `keras.metrics.Mean` of the layer.
- `add_loss(callable)` adds a zero-argument function, evaluated whenever `losses` is read.
- Outside a call, a tensor is only taken by a functional model, as a KerasTensor built from
  its inputs: `Model` turns it into an AddLoss / AddMetric node of its graph (see
  `ember.keras.models.symbolic_losses`). Elsewhere it raises, since the value would freeze.

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> layer = keras.layers.Dense(1, kernel_initializer="ones")
    >>> layer.build((None, 2))
    >>> layer.add_loss(lambda: tf.reduce_sum(layer.kernel))
    >>> [float(v) for v in layer.losses]
    [2.0]
"""

from __future__ import annotations

from typing import Any

from ...core import nest
from ...core.tensor import TensorOps
from ...prims.convert import convert_to_tensor
from .. import config
from ..metrics.base import Mean
from .call_context import CALL
from .keras_tensor import KerasTensor
from .layer_utils import init_scope

# NOTE: how many add_metric metrics exist anywhere; while 0, `Model.metrics` skips the walk
# over every layer (about 30 us a layer) that finds them.
ADDED_METRICS = [0]


def _in_call() -> bool:
    """Whether a layer's call (concrete, traced or symbolic) or a shape-only run of a
    `call` (a subclassed model's build) is running."""
    call = CALL
    return len(call.training) > 1 or call.spec_only > 0


def _as_tensor(value: Any) -> Any:
    """A tensor; Python numbers and arrays become float32 (Keras' floatx), as in Keras."""
    if isinstance(value, TensorOps):
        return value
    try:
        return convert_to_tensor(value, dtype=config.floatx())
    except (TypeError, ValueError):
        raise TypeError(f"Expected a tensor, a number or a zero-argument callable, "
                        f"received {type(value).__name__} ({value!r}).") from None


class LossesMetricsMixin:
    """The loss and metric terms a layer adds; see the module docstring."""

    _call_losses: list
    _added_losses: list
    _regularized: list
    _metrics: list
    name: str

    def add_loss(self, losses: Any, **kwargs: Any) -> None:
        """Adds loss terms to `losses` (and so to the training loss of a model).

        `losses` is a scalar tensor, a zero-argument callable (called each time `losses`
        is read, e.g. a penalty on a weight), or a list of them. A tensor is added inside
        `call` (it is recomputed, and replaces the previous call's, on every call); outside
        a call only a functional model takes one: a scalar KerasTensor built from the
        model's inputs, which becomes part of its graph (see `Model.add_loss`).

        Example:
            >>> import ember as tf
            >>> from ember import keras
            >>> class Penalty(keras.layers.Layer):
            ...     def call(self, x):
            ...         self.add_loss(tf.reduce_sum(tf.abs(x)))
            ...         return x
            >>> layer = Penalty()
            >>> _ = layer(tf.constant([[1.0, -2.0]]))
            >>> [float(v) for v in layer.losses]
            [3.0]
        """
        kwargs.pop("inputs", None)  # Keras 2's conditional-loss argument: not needed here
        if kwargs:
            raise TypeError(f'Layer "{self.name}": add_loss got unexpected keyword '
                            f"argument(s) {sorted(kwargs)}.")
        in_call = _in_call()
        for loss in nest.flatten(losses) if isinstance(losses, (list, tuple)) else [losses]:
            if loss is None:
                continue
            if callable(loss) and not isinstance(loss, TensorOps):
                self._added_losses.append(loss)
                continue
            loss = _as_tensor(loss)
            if in_call:
                self._call_losses.append(loss)
            elif isinstance(loss, KerasTensor):
                self._add_symbolic_loss(loss)
            else:
                raise ValueError(
                    f'Layer "{self.name}": add_loss outside of a call needs a KerasTensor '
                    f"(on a functional model) or a zero-argument callable; received "
                    f"{loss!r}, whose value would be frozen. Wrap the computation in a "
                    f"lambda, e.g. layer.add_loss(lambda: 0.01 * "
                    f"tf.reduce_sum(tf.square(layer.kernel))), or call add_loss inside "
                    f"the layer's call.")

    def _add_symbolic_loss(self, loss: KerasTensor) -> None:
        """`add_loss(KerasTensor)` outside a call: only a functional model takes it."""
        raise ValueError(
            f'Layer "{self.name}": add_loss received the KerasTensor {loss!r} outside of a '
            f"call. Only a functional model (keras.Model(inputs, outputs)) takes a symbolic "
            f"loss built from its inputs; in a layer, call self.add_loss(...) inside call().")

    @property
    def losses(self) -> list:
        """Weight-regularization terms, `add_loss` terms and those of sub-layers.

        Tensors added in `call` are those of the latest call (after a model call: of that
        call's inputs); callables are evaluated now."""
        out = []
        for layer in self._flatten_layers():  # type: ignore[attr-defined]
            out.extend(reg(v) for v, reg in layer._regularized)
            out.extend(f() for f in layer._added_losses)
            out.extend(layer._call_losses)
        return out

    def add_metric(self, value: Any, name: str | None = None, aggregation: str | None = None,
                   **kwargs: Any) -> None:
        """Tracks the mean of a tensor as a metric called `name` (tf.keras 2's add_metric).

        Inside `call`, the value updates a `keras.metrics.Mean` of this layer on every
        call: its elements are averaged over everything seen since the last reset, so a
        scalar is averaged over batches (each batch counts once). Outside a call only a
        functional model takes a KerasTensor built from its inputs (see
        `Model.add_metric`). `fit` / `evaluate` log the metric, and History keeps it,
        under `name` (`val_<name>` for validation).

        Args:
            value: the tensor to track.
            name: the metric's name (required).
            aggregation: None or "mean"; the value is averaged either way.

        Example:
            >>> import ember as tf
            >>> from ember import keras
            >>> class Act(keras.layers.Layer):
            ...     def call(self, x):
            ...         self.add_metric(tf.reduce_mean(x), name="mean_act")
            ...         return x
            >>> layer = Act()
            >>> _ = layer(tf.constant([1.0, 3.0])); _ = layer(tf.constant([5.0, 7.0]))
            >>> float(layer._metrics[0].result())
            4.0
        """
        if kwargs:
            raise TypeError(f'Layer "{self.name}": add_metric got unexpected keyword '
                            f"argument(s) {sorted(kwargs)}.")
        if aggregation is not None and aggregation != "mean":
            raise ValueError(f'Layer "{self.name}": add_metric supports only '
                             f"aggregation='mean' (or None), received {aggregation!r}.")
        if not isinstance(name, str) or not name:
            raise ValueError(f'Layer "{self.name}": add_metric needs a name, e.g. '
                             f"add_metric(tf.reduce_mean(x), name='mean_activation'); "
                             f"received name={name!r}.")
        value = _as_tensor(value)
        if _in_call():
            metric = self._metric_named(name, value)
            if not isinstance(value, KerasTensor):  # a symbolic call only creates it
                metric.update_state(value)
        elif isinstance(value, KerasTensor):
            self._add_symbolic_metric(value, name)
        else:
            raise ValueError(
                f'Layer "{self.name}": add_metric outside of a call needs a KerasTensor built '
                f"from a functional model's inputs; received {value!r}. Call add_metric "
                f"inside the layer's call instead.")

    def _metric_named(self, name: str, value: Any) -> Any:
        """This layer's Mean metric called `name`, made on first use."""
        for m in self._metrics:
            if m.name == name:
                return m
        dtype = value.dtype if value.dtype.is_floating else None
        with init_scope():  # real Variables even when first called inside ember.function
            metric = Mean(name=name, dtype=dtype)
        self._metrics.append(metric)
        ADDED_METRICS[0] += 1
        return metric

    def _add_symbolic_metric(self, value: KerasTensor, name: str) -> None:
        """`add_metric(KerasTensor)` outside a call: only a functional model takes it."""
        raise ValueError(
            f'Layer "{self.name}": add_metric received the KerasTensor {value!r} outside of '
            f"a call. Only a functional model (keras.Model(inputs, outputs)) takes a symbolic "
            f"metric built from its inputs; in a layer, call self.add_metric(...) inside "
            f"call().")

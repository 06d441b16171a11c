"""`GraphFunction`: a functional model's graph compiled with `ember.function` for one
`training` value, what `model(x)`, `predict` and the fast inference path call.

Its compiled function returns the outputs and every loss tensor the layers added in the
call (AddLoss nodes of `model.add_loss`, activity regularizers, `add_loss` in custom
layers), and the outputs' Keras masks when there are any; a call hands the losses back to
their layers, so `model.losses` holds that call's values.

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> inputs = keras.Input((2,))
    >>> model = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="ones")(inputs))
    >>> GraphFunction(model, training=False)._call_tensors([tf.ones((1, 2))]).numpy()
    array([[2.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ...core import nest
from ...core.function import Function
from ..engine.call_context import pop_training, push_training
from ..engine.masking import get_mask, set_mask

__all__ = ["GraphFunction"]


class GraphFunction:
    """A functional model's graph compiled for one `training` value.

    The compiled function returns the outputs and every loss tensor its layers added in
    call (AddLoss nodes, activity regularizers, `add_loss` in custom layers); a call hands
    them back to those layers, so `model.losses` holds the values of that call (recorded
    on the tape, when one records). `_call_tensors` returns the outputs only.
    """

    def __init__(self, model: Any, training: bool):
        g = model._graph
        self._holders: list = []  # (layer, number of its losses), in output order
        self._masked = g.has_output_masks  # the outputs' Keras masks come back too

        def run(*xs: Any) -> Any:
            layers = model._flatten_layers()
            for layer in layers:  # a model call starts every sub-layer's losses afresh
                layer._call_losses = []
            push_training(training)
            try:
                out = g.run(list(xs))
            finally:
                pop_training()
            self._holders = [(la, len(la._call_losses)) for la in layers if la._call_losses]
            losses = [v for la, _ in self._holders for v in la._call_losses]
            if self._masked:
                return out, losses, [get_mask(o) for o in nest.flatten(out)]
            return (out, losses) if losses else out

        jit = getattr(model, "_jit_compile", None) is True  # compile(jit_compile=True)
        self.cf = Function(run, input_signature=g.specs(), name=model.name,
                           jit_compile=jit).get_concrete_function()
        self.graph = self.cf.graph
        self.has_losses = bool(self._holders)

    @property
    def plan(self) -> Any:
        return self.cf.plan

    def _call_tensors(self, tensors: list) -> Any:
        """The model's outputs on `tensors`; the layers get this call's losses."""
        result = self.cf._call_tensors(tensors)
        if self._masked:
            out, losses, masks = result
            for o, m in zip(nest.flatten(out), masks):  # eager outputs carry their masks
                set_mask(o, m)
        elif not self._holders:
            return result
        else:
            out, losses = result
        i = 0
        for layer, n in self._holders:
            layer._call_losses = list(losses[i:i + n])
            i += n
        return out

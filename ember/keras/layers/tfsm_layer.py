"""`keras.layers.TFSMLayer`: a reloaded SavedModel endpoint as a Keras layer (Keras 3).

Example:
    >>> import tempfile, numpy as np
    >>> from ember import keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> path = tempfile.mkdtemp()
    >>> model.export(path, verbose=False)
    >>> layer = keras.layers.TFSMLayer(path, call_endpoint="serve")
    >>> x = np.ones((2, 3), np.float32)
    >>> bool(np.allclose(layer(x), model(x))), len(layer.trainable_weights)
    (True, 2)
"""

from __future__ import annotations

from typing import Any

from ...export.loaded import Signature
from ...export.saved_model import load
from ..engine.layer import Layer

__all__ = ["TFSMLayer"]


class TFSMLayer(Layer):
    """Calls endpoint `call_endpoint` of the SavedModel at `filepath` (written by
    `model.export` or `tf.saved_model.save`): a method of the reloaded object or one of
    its signatures. `call_training_endpoint` (optional) is called when `training=True`.
    The reloaded Variables are the layer's weights (trainable ones train, when
    `trainable`), so the layer can be fine-tuned inside a new model."""

    def __init__(self, filepath: Any, call_endpoint: str = "serve",
                 call_training_endpoint: str | None = None, trainable: bool = True,
                 name: str | None = None, dtype: Any = None):
        super().__init__(trainable=trainable, name=name, dtype=dtype)
        self.filepath = str(filepath)
        self.call_endpoint = call_endpoint
        self.call_training_endpoint = call_training_endpoint
        self._reloaded = load(self.filepath)
        self._call_fn = self._endpoint(call_endpoint)
        self._train_fn = (self._endpoint(call_training_endpoint)
                          if call_training_endpoint else None)
        self._reloaded_weights = list(self._reloaded.variables)
        self.built = True

    def _endpoint(self, name: str) -> Any:
        fn = self._reloaded.__dict__.get(name)
        if fn is None:
            fn = getattr(self._reloaded, "signatures", {}).get(name)
        if fn is None:
            have = sorted(k for k, v in self._reloaded.__dict__.items()
                          if callable(v) and not k.startswith("_"))
            sigs = sorted(getattr(self._reloaded, "signatures", {}))
            raise ValueError(f"TFSMLayer: the SavedModel at {self.filepath!r} has no "
                             f"endpoint {name!r}; endpoints: {have}, signatures: {sigs}.")
        return fn

    def call(self, inputs: Any, training: Any = False) -> Any:
        fn = self._train_fn if training and self._train_fn is not None else self._call_fn
        if isinstance(fn, Signature):
            names = list(fn.structured_input_signature[1])  # keyword arguments in
            xs = inputs if isinstance(inputs, (list, tuple)) else [inputs]
            return fn(**dict(zip(names, xs)))
        return fn(inputs)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(filepath=self.filepath, call_endpoint=self.call_endpoint,
                      call_training_endpoint=self.call_training_endpoint)
        return config

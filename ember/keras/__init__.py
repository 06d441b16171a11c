"""`ember.keras`: the Keras API on ember (`from ember import keras`).

Example:
    >>> from ember import keras
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model.output_shape
    TensorShape([None, 2])
"""

from . import (activations, backend, callbacks, config, constraints, initializers, layers,
               losses, metrics, models, optimizers, regularizers, saving, utils)
from .engine.input_layer import Input, InputLayer
from .engine.input_spec import InputSpec
from .engine.keras_tensor import KerasTensor
from .engine.layer import Layer
from .models import Functional, Model, Sequential

__all__ = ["Functional", "Input", "InputLayer", "InputSpec", "KerasTensor", "Layer", "Model",
           "Sequential", "activations", "backend", "callbacks", "config", "constraints",
           "initializers", "layers", "losses", "metrics", "models", "optimizers",
           "regularizers", "saving", "utils"]

"""`ember.keras`: the Keras API on ember (`from ember import keras`).

Example:
    >>> from ember import keras
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model.output_shape
    TensorShape([None, 2])
"""

from . import (activations, backend, callbacks, config, constraints, datasets,  # noqa: F401
               distribution, export, initializers, layers, losses, metrics, mixed_precision,
               models, ops, optimizers, preprocessing, random, regularizers, saving, utils)
from . import applications  # noqa: F401,E402  (after layers, models, utils: it builds on them)
from .engine.input_layer import Input, InputLayer
from .engine.input_spec import InputSpec
from .engine.keras_tensor import KerasTensor
from .engine.layer import Layer
from .variables import Variable
from .models import Functional, Model, Sequential
from .mixed_precision import DTypePolicy
from .operation import Operation
from .scopes import name_scope
from .. import __version__ as ember_version  # noqa: F401  (ember's own version)

# The Keras release whose behaviour ember.keras follows (TF 2.21 ships Keras 3): programs
# that check `keras.__version__` take the Keras 3 branch. ember's version: `ember_version`.
__version__ = "3.15.1"


def version() -> str:
    """The Keras version ember.keras follows (`keras.__version__`).

    Example:
        >>> from ember import keras
        >>> keras.version() == keras.__version__
        True
    """
    return __version__


__all__ = ["DTypePolicy", "Functional", "Input", "InputLayer", "InputSpec", "KerasTensor",
           "Layer", "Model", "Operation", "Sequential", "name_scope", "version", "activations",
           "applications", "backend", "callbacks", "config", "constraints",
           "datasets", "initializers", "layers", "losses", "metrics", "models", "optimizers",
           "preprocessing", "regularizers", "saving", "utils"]

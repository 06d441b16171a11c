"""`keras.models`: Model, Sequential, and whole-model saving (`save_model`, `load_model`,
`clone_model`, `model_from_json`).

Example:
    >>> from ember import keras
    >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> keras.models.clone_model(m).output_shape
    TensorShape([None, 2])
"""

from ..saving.model_config import clone_model, model_from_config, model_from_json
from ..saving.model_file import load_model, save_model
from .model import Functional, Model
from .sequential import Sequential

__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model",
           "model_from_config", "model_from_json",
           "save_model"]

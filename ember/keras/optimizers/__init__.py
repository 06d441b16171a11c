"""`ember.keras.optimizers`: Keras' optimizers and learning-rate schedules.

Example:
    >>> from ember import keras
    >>> type(keras.optimizers.get("adam")).__name__
    'Adam'
"""

from __future__ import annotations

from typing import Any

from .. import serialization
from ..serialization_registry import merged
from . import schedules
from .adagrad import Adadelta, Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax, Nadam
from .lion import Lion
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

_TABLE: dict = {}


def _register(*classes: type) -> None:
    for c in classes:
        _TABLE[c.__name__] = c
        _TABLE[c.__name__.lower()] = c


_register(Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion)


def _unknown(identifier: Any) -> ValueError:
    return ValueError(f"Could not interpret optimizer identifier: {identifier!r}. Use a name "
                      f"such as 'adam', 'sgd', 'rmsprop', an Optimizer instance or class, or "
                      f"a config dict.")


def serialize(optimizer: Optimizer) -> dict:
    """`{"class_name", "config"}` of an optimizer."""
    return serialization.serialize_object(optimizer, "optimizer", "Optimizer")


def deserialize(config: Any, custom_objects: dict | None = None) -> Optimizer:
    """The optimizer a name or config dict describes."""
    if isinstance(config, dict) and "class_name" in config:
        name = config["class_name"]
        cls = merged(custom_objects).get(name)
        if cls is None and isinstance(name, str):
            # tf.keras 2.11+ names its own optimizers 'Custom>Adam' in saved configs
            base = name[len("Custom>"):] if name.startswith("Custom>") else name
            cls = _TABLE.get(base) or _TABLE.get(base.lower())
        if cls is None:
            raise _unknown(config)
        return cls.from_config(config.get("config") or {})
    if isinstance(config, str):
        cls = _TABLE.get(config) or _TABLE.get(config.lower())
        if cls is None:
            raise _unknown(config)
        return cls()
    raise _unknown(config)


def get(identifier: Any) -> Optimizer:
    """An optimizer from a name, config dict, class or instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    raise _unknown(identifier)


from . import legacy  # noqa: E402  (it imports the classes above)

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Lion", "Nadam",
           "Optimizer", "RMSprop", "deserialize", "get", "legacy", "schedules", "serialize"]

"""`keras.models`: Model, Sequential."""

from .model import Functional, Model
from .sequential import Sequential

__all__ = ["Functional", "Model", "Sequential"]

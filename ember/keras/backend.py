"""`keras.backend`: session and dtype helpers.

Example:
    >>> from ember import keras
    >>> keras.backend.floatx(), keras.backend.epsilon()
    ('float32', 1e-07)
"""

from __future__ import annotations

from typing import Any

from .engine.keras_tensor import is_keras_tensor
from .engine.naming import clear_session

__all__ = ["clear_session", "epsilon", "floatx", "int_shape", "is_keras_tensor"]


def floatx() -> str:
    """The default float dtype of layers: 'float32'."""
    return "float32"


def epsilon() -> float:
    """The fuzz factor used by losses and metrics: 1e-7."""
    return 1e-7


def int_shape(x: Any) -> tuple:
    """The static shape of a tensor or KerasTensor as a tuple (None for unknown dims)."""
    return tuple(x.shape)

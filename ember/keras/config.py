"""`keras.config`: Keras 3's global settings that ember has so far.

Example:
    >>> from ember import keras
    >>> keras.config.floatx(), keras.config.backend()
    ('float32', 'numpy')
"""

from __future__ import annotations

from ._objects import enable_unsafe_deserialization
from .backend import epsilon, floatx

__all__ = ["backend", "enable_unsafe_deserialization", "epsilon", "floatx"]


def backend() -> str:
    """The name of the backend ember runs on ('numpy').

    Example:
        >>> from ember import keras
        >>> keras.config.backend()
        'numpy'
    """
    return "numpy"

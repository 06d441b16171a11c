"""`keras.config`: Keras 3's global settings that ember has so far.

The lowest module of `ember.keras`: it imports nothing from it, and every module that
reads a setting (the default float dtype, the fuzz factor, the image data format, whether
configs may run code) reads it here. `keras.backend.floatx` / `epsilon` are these
functions too.

Example:
    >>> from ember import keras
    >>> keras.config.floatx(), keras.config.epsilon(), keras.config.backend()
    ('float32', 1e-07, 'numpy')
"""

from __future__ import annotations

__all__ = ["backend", "enable_unsafe_deserialization", "epsilon", "floatx",
           "image_data_format"]

# Set by enable_unsafe_deserialization(); read by serialization_registry.in_safe_mode.
_UNSAFE_EVERYWHERE = [False]


def backend() -> str:
    """The name of the backend ember runs on ('numpy').

    Example:
        >>> from ember import keras
        >>> keras.config.backend()
        'numpy'
    """
    return "numpy"


def floatx() -> str:
    """The default float dtype of layers, weights and metrics: 'float32'.

    Example:
        >>> from ember import keras
        >>> keras.config.floatx()
        'float32'
    """
    return "float32"


def epsilon() -> float:
    """The fuzz factor used by losses, metrics and constraints: 1e-7.

    Example:
        >>> from ember import keras
        >>> keras.config.epsilon()
        1e-07
    """
    return 1e-7


def image_data_format() -> str:
    """Where image tensors keep their channels: 'channels_last' (`(batch, h, w, c)`).

    Example:
        >>> from ember import keras
        >>> keras.config.image_data_format()
        'channels_last'
    """
    return "channels_last"


def enable_unsafe_deserialization() -> None:
    """Lets every later deserialization run code from configs (Python bytecode of a
    `Lambda`, functions found by importing the module a config names). Only for files you
    trust; `load_model(..., safe_mode=False)` does it for one call.

    Example:
        >>> from ember.keras import config
        >>> config.enable_unsafe_deserialization(); config.unsafe_deserialization_enabled()
        True
        >>> config._UNSAFE_EVERYWHERE[0] = False  # (undo, for the other examples)
    """
    _UNSAFE_EVERYWHERE[0] = True


def unsafe_deserialization_enabled() -> bool:
    """Whether `enable_unsafe_deserialization()` was called.

    Example:
        >>> from ember.keras import config
        >>> config.unsafe_deserialization_enabled()
        False
    """
    return _UNSAFE_EVERYWHERE[0]

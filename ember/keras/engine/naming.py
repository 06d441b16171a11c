"""Unique layer names (`dense`, `dense_1`, ...) and `keras.backend.clear_session`.

Example:
    >>> from ember.keras.engine import naming
    >>> naming.to_snake_case("LeakyReLU"), naming.to_snake_case("Conv2D")
    ('leaky_re_lu', 'conv2d')
"""

from __future__ import annotations

import os
import sys

import re

_COUNTS: dict = {}


def to_snake_case(name: str) -> str:
    """`Dense` -> `dense`, `LeakyReLU` -> `leaky_re_lu`, as Keras names layers."""
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
    return s.lstrip("_") or "layer"


def unique_name(base: str, zero_based: bool = True) -> str:
    """`base` the first time, then `base_1`, `base_2`, ... (until `clear_session`);
    with `zero_based=False`, `base_1` first (Keras' `input_1`)."""
    n = _COUNTS.get(base, 0)
    _COUNTS[base] = n + 1
    if not zero_based:
        return f"{base}_{n + 1}"
    return base if n == 0 else f"{base}_{n}"


def clear_session() -> None:
    """Resets the layer-name counters (TF's `keras.backend.clear_session`).

    Example:
        >>> from ember import keras
        >>> keras.backend.clear_session()
        >>> keras.layers.Dense(1).name
        'dense'
    """
    _COUNTS.clear()


INPUT_SHAPE_WARNING = ("Do not pass an `input_shape`/`input_dim` argument to a layer. When "
                       "using Sequential models, prefer using an `Input(shape)` object as "
                       "the first layer in the model instead.")


def user_stacklevel() -> int:
    """The `stacklevel` that points a warning at the first caller outside ember.

    Example:
        >>> user_stacklevel() >= 1
        True
    """
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    level, frame = 1, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(root):
        frame = frame.f_back
        level += 1
    return level


def warn_input_shape_arg() -> None:
    """Keras 3's UserWarning for a layer given `input_shape=`/`input_dim=` (tf.keras 2's
    way to start a Sequential model; it still works). Python shows it once per line of
    the user's code.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as w:
        ...     warnings.simplefilter("always")
        ...     warn_input_shape_arg()
        >>> str(w[0].message).startswith("Do not pass an `input_shape`")
        True
    """
    import warnings
    warnings.warn(INPUT_SHAPE_WARNING, UserWarning, stacklevel=user_stacklevel())

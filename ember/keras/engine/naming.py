"""Unique layer names (`dense`, `dense_1`, ...) and `keras.backend.clear_session`.

Example:
    >>> from ember.keras.engine import naming
    >>> naming.to_snake_case("LeakyReLU"), naming.to_snake_case("Conv2D")
    ('leaky_re_lu', 'conv2d')
"""

from __future__ import annotations

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

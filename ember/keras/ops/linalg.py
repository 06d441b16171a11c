"""`keras.ops.linalg`: Keras 3's linear-algebra ops (also at `keras.ops`' top level).

Example:
    >>> from ember import keras
    >>> float(keras.ops.linalg.det([[2.0, 0.0], [0.0, 3.0]]))
    6.0
"""

from __future__ import annotations

from . import _linalg_math

__all__ = list(_linalg_math.LINALG_NAMES)
globals().update({name: getattr(_linalg_math, name) for name in __all__})

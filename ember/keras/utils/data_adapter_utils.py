"""Keras' `pack_x_y_sample_weight` / `unpack_x_y_sample_weight`: a batch as `x`, `(x,)`,
`(x, y)` or `(x, y, sample_weight)`, what `fit`'s data and `train_step` exchange.

Example:
    >>> from ember import keras
    >>> keras.utils.unpack_x_y_sample_weight((1, 2))
    (1, 2, None)
"""

from __future__ import annotations

from typing import Any

from ...core import nest

__all__ = ["pack_x_y_sample_weight", "unpack_x_y_sample_weight"]


def unpack_x_y_sample_weight(data: Any) -> tuple:
    """`(x, y, sample_weight)` from a batch: `x`, `(x,)`, `(x, y)` or `(x, y, sw)`.

    Example:
        >>> unpack_x_y_sample_weight((1, 2))
        (1, 2, None)
    """
    if not isinstance(data, tuple):  # a list is one structure of inputs, as in Keras
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(f"Data is expected to be x, (x,), (x, y) or (x, y, sample_weight); "
                     f"received a tuple of {len(data)} items.")


def pack_x_y_sample_weight(x: Any, y: Any = None, sample_weight: Any = None) -> tuple:
    """The inverse of `unpack_x_y_sample_weight` (a lone `x` that is not a structure
    stays as it is).

    Example:
        >>> pack_x_y_sample_weight(1, 2), pack_x_y_sample_weight(1), pack_x_y_sample_weight([1])
        ((1, 2), 1, ([1],))
    """
    if y is None:
        return (x,) if nest.is_nested(x) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)

"""`tf.nn.dropout`: zero a random fraction of a tensor and scale the rest up.

Example:
    >>> import ember as tf
    >>> y = tf.nn.dropout(tf.ones((2, 4)), rate=0.5, seed=1)
    >>> sorted(set(y.numpy().ravel().tolist())) in ([0.0, 2.0], [2.0], [0.0])
    True
"""

from __future__ import annotations

import numbers
from typing import Any

from ..core.rules import floating
from ..core.tensor import ConcreteTensor
from . import math_ops as m
from ..prims.convert import as_tensor, cast
from .random_ops import uniform
from .shape_ops import shape as shape_of

__all__ = ["dropout"]


def dropout(x: Any, rate: Any, noise_shape: Any = None, seed: int | None = None,
            name: str | None = None) -> Any:
    """Each element of `x` is 0 with probability `rate`, else `x / (1 - rate)` (TF's
    `tf.nn.dropout`); `noise_shape` (broadcast to `x`) shares one draw along its size-1
    axes.

    Example:
        >>> import ember as tf
        >>> tf.nn.dropout(tf.ones((1, 3)), rate=0.0).numpy()
        array([[1., 1., 1.]], dtype=float32)
    """
    x = floating("dropout", as_tensor(x), "x")
    if isinstance(rate, ConcreteTensor):
        rate = float(rate.numpy())
    if not isinstance(rate, numbers.Real) or isinstance(rate, bool) or not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be a number in [0, 1), received rate={rate!r}. "
                         f"(rate is the fraction dropped; TF 1's keep_prob is 1 - rate.)")
    if rate == 0:
        return x
    shape = noise_shape if noise_shape is not None else shape_of(x)
    u = uniform(shape, dtype=x.dtype, seed=seed)
    keep = cast(m.greater_equal(u, rate), x.dtype)
    return m.multiply(x, m.multiply(keep, 1.0 / (1.0 - rate)))

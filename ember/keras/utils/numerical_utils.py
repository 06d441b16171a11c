"""`keras.utils.normalize`: scale vectors to unit norm along an axis.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> keras.utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    array([[0.6, 0.8],
           [0. , 0. ]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

import ember as tf

__all__ = ["normalize"]


def normalize(x: Any, axis: int | None = -1, order: Any = 2) -> Any:
    """`x` divided by its `order`-norm along `axis` (zero vectors stay zero).

    A NumPy array (or list) gives a NumPy array, computed with `np.linalg.norm` as Keras
    does; an ember Tensor or Variable gives an ember Tensor (`x / max(norm, eps)` as
    Keras' `ops.nn.normalize`).

    Args:
        x: the array.
        axis: the axis of the vectors (None: the whole array, for 1-D or 2-D input).
        order: the norm's order (2 = L2, 1 = L1, np.inf, ...).

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> keras.utils.normalize(tf.constant([[1.0, 1.0, 2.0]]), order=1).numpy()
        array([[0.25, 0.25, 0.5 ]], dtype=float32)
    """
    if hasattr(x, "_value") or type(x).__module__.startswith("ember"):
        return _normalize_tensor(x, axis, order)
    x = np.asarray(x)
    if x.dtype.kind not in "fc":
        x = x.astype("float64") if x.dtype.kind in "biu" else x
    try:
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    except (ValueError, TypeError) as e:
        raise ValueError(f"normalize: can't take the order-{order!r} norm of an array of "
                         f"shape {x.shape} along axis={axis!r}: {e}") from None
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, -1 if axis is None else axis)


def _normalize_tensor(x: Any, axis: int | None, order: Any) -> Any:
    x = tf.convert_to_tensor(x)
    if not x.dtype.is_floating:
        x = tf.cast(x, "float32")
    if order == 2:
        sq = tf.reduce_sum(tf.square(x), axis=axis, keepdims=True)
        return x * tf.math.rsqrt(tf.maximum(sq, 1e-12))  # l2_normalize's epsilon
    norm = tf.norm(x, ord=order, axis=axis, keepdims=True)
    return x / tf.maximum(norm, 1e-7)

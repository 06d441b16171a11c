"""clip_by_norm and clip_by_global_norm (clip_by_value is elementwise, in math_ops)."""

from __future__ import annotations

from typing import Any, Sequence

from ..core.rules import floating
from ..core.tensor import TensorOps
from . import math_ops as m
from ..prims.convert import as_tensor, cast
from ..prims.reduce import reduce_sum

__all__ = ["clip_by_norm", "clip_by_global_norm", "global_norm"]


def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: str | None = None) -> Any:
    """`t * clip_norm / max(l2norm(t, axes), clip_norm)`: rescales so the L2 norm over
    `axes` (all, by default) is at most `clip_norm`.

    Example:
        >>> import ember as tf
        >>> tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0).numpy()
        array([0.6, 0.8], dtype=float32)
    """
    t = floating("clip_by_norm", as_tensor(t))
    sq = reduce_sum(m.square(t), axes, keepdims=True)
    # NOTE: the norm is taken where sq > 0 only, so a zero tensor stays zero (no 0/0).
    pos = m.greater(sq, 0)
    norm = m.where(pos, m.sqrt(m.where(pos, sq, 1)), 0)
    clip = cast(clip_norm, t.dtype) if isinstance(clip_norm, TensorOps) else clip_norm
    return m.truediv(m.multiply(t, clip), m.maximum(norm, clip))


def global_norm(t_list: Sequence, name: str | None = None) -> Any:
    """`sqrt(sum(l2norm(t)**2 for t in t_list))`, ignoring None entries.

    Example:
        >>> import ember as tf
        >>> tf.linalg.global_norm([tf.constant([3.0]), tf.constant([4.0])]).numpy()
        np.float32(5.0)
    """
    parts = [reduce_sum(m.square(floating("global_norm", as_tensor(t))))
             for t in t_list if t is not None]
    if not parts:
        raise ValueError("global_norm: t_list has no tensors.")
    dtype = parts[0].dtype
    return m.sqrt(m.add_n([cast(p, dtype) for p in parts]))


def clip_by_global_norm(t_list: Sequence, clip_norm: Any, use_norm: Any = None,
                        name: str | None = None) -> tuple:
    """Scales every tensor by `clip_norm / max(global_norm, clip_norm)`; returns
    `(clipped_list, global_norm)`. None entries stay None. If the global norm is
    infinite or nan, every entry becomes nan, as TF.

    Example:
        >>> import ember as tf
        >>> clipped, norm = tf.clip_by_global_norm([tf.constant([3.0]), tf.constant([4.0])], 1.0)
        >>> [c.numpy() for c in clipped], norm.numpy()
        ([array([0.6], dtype=float32), array([0.8], dtype=float32)], np.float32(5.0))
    """
    if isinstance(t_list, TensorOps) or not hasattr(t_list, "__iter__"):
        raise TypeError("clip_by_global_norm: t_list must be a list of tensors, received "
                        f"{type(t_list).__name__}. Wrap a single tensor in a list.")
    t_list = list(t_list)
    norm = global_norm(t_list) if use_norm is None else as_tensor(use_norm)
    scale = m.truediv(clip_norm, m.maximum(norm, clip_norm))
    # NOTE: TF turns everything into nan when the norm is not finite.
    scale = m.where(m.is_finite(norm), scale, float("nan"))
    out = [None if t is None else m.multiply(t, cast(scale, as_tensor(t).dtype))
           for t in t_list]
    return out, norm

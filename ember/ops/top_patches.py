"""`tf.extract_volume_patches`: the 3-D patches of a 5-D volume, flattened into the last
axis, as `tf.image.extract_patches` does for images.

Written like ember's other windowed ops (`nn_more._windows`): the input is padded (zeros,
for 'SAME'), one strided slice per window offset is stacked on a new axis, and the stack
is moved next to the channels and flattened. Slices, pads and reshapes are primitives
with gradients, so the op differentiates and traces inside `ember.function`.

Example:
    >>> import numpy as np, ember as tf
    >>> from ember.ops.top_patches import extract_volume_patches
    >>> x = np.arange(8.0, dtype="float32").reshape(1, 2, 2, 2, 1)
    >>> extract_volume_patches(x, [1, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID").numpy().ravel()
    array([0., 1., 2., 3., 4., 5., 6., 7.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ..core.errors import InvalidArgumentError, ShapeError
from ..core.tensor import TensorOps
from ..prims.convert import as_tensor, convert_to_tensor
from . import shape_ops as s
from .nn_more import _windows

__all__ = ["extract_volume_patches"]


def _five(op: str, what: str, v: Any) -> tuple:
    try:
        vals = [int(a) for a in v]
    except TypeError:
        vals = []
    if len(vals) != 5 or any(a <= 0 for a in vals):
        raise InvalidArgumentError(f"{op}: {what} must be a list of 5 positive ints [1, "
                                   f"planes, rows, cols, 1], received {v!r}.")
    if vals[0] != 1 or vals[4] != 1:
        raise InvalidArgumentError(f"{op}: {what} must be 1 in the batch and depth "
                                   f"dimensions (as TF: patches are taken across space "
                                   f"only), received {vals}.")
    return tuple(vals[1:4])


def extract_volume_patches(input: Any, ksizes: Any, strides: Any, padding: str,  # noqa: A002
                           name: str | None = None) -> Any:
    """The `[kp, kr, kc]` patches of a `[batch, planes, rows, cols, depth]` volume, one per
    stride step, flattened into the last axis in (plane, row, col, depth) order, as
    `tf.extract_volume_patches`. `ksizes` and `strides` are 5 ints with 1 for batch and
    depth; `padding` is 'VALID' or 'SAME' (zeros). Differentiable.

    Returns:
        `[batch, out_planes, out_rows, out_cols, kp * kr * kc * depth]`.

    Example:
        >>> import ember as tf
        >>> from ember.ops.top_patches import extract_volume_patches
        >>> x = tf.reshape(tf.range(4.0), (1, 1, 1, 4, 1))
        >>> extract_volume_patches(x, [1, 1, 1, 2, 1], [1, 1, 1, 2, 1], "VALID").numpy()
        array([[[[[0., 1.],
                  [2., 3.]]]]], dtype=float32)
    """
    op = "extract_volume_patches"
    x = as_tensor(input) if isinstance(input, TensorOps) else convert_to_tensor(input)
    if x.shape.rank != 5:
        raise ShapeError(f"{op}: input must be 5-D [batch, planes, rows, cols, depth], "
                         f"received shape {x.shape}.")
    if x.dtype.is_complex or x.dtype.name in ("bool", "string"):
        raise InvalidArgumentError(f"{op}: input must be a real number type, received "
                                   f"{x.dtype.name}.")
    k = _five(op, "ksizes", ksizes)
    st = _five(op, "strides", strides)
    if x.shape[4] is None:
        raise ShapeError(f"{op}: the depth (last dim) of the input must be known, received "
                         f"shape {x.shape}.")
    stack, _, _ = _windows(op, x, k, st, (1, 1, 1), padding, 0)  # [K, B, P, R, C, D]
    y = s.transpose(stack, [1, 2, 3, 4, 0, 5])
    out = stack.shape
    return s.reshape(y, [-1 if x.shape[0] is None else x.shape[0], out[2], out[3], out[4],
                         out[0] * x.shape[4]])

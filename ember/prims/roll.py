"""The roll primitive, its rule and gradient (the roll back), and `roll`, the op that
converts its operands and binds it: elements shifted cyclically along axes, by shifts
that may be known only at run time (a tensor input, not a static param).

Example:
    >>> import ember as tf
    >>> from ember.prims.roll import roll
    >>> roll(tf.constant([1, 2, 3, 4]), 1, 0).numpy()
    array([4, 1, 2, 3], dtype=int32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import NP_INDEX
from ..core.errors import DTypeError, InvalidArgumentError
from ..core.registry import bind, defvjp, primitive
from ..core.rules import check_dtype, describe, normalize_axis
from ..core.shape import TensorSpec
from ..core.tensor import TensorOps
from .convert import as_tensor
from .math import negative
from .values import static_ints

__all__ = ["roll"]


def _roll_rule(x: TensorSpec, shift: TensorSpec, axis: tuple) -> TensorSpec:
    if x.shape.rank == 0:
        raise InvalidArgumentError(f"roll: input must be 1-D or higher, received {describe(x)}.")
    check_dtype("roll", shift, NP_INDEX, "shift")
    if shift.shape.rank is not None:
        if shift.shape.rank > 1:
            raise InvalidArgumentError(
                f"roll: shift must be a scalar or a 1-D vector, received {describe(shift)}.")
        k = 1 if shift.shape.rank == 0 else shift.shape[0]
        if k is not None and k != len(axis):
            raise InvalidArgumentError(
                f"roll: shift and axis must have the same length, received {k} shift(s) "
                f"for axis {list(axis)}. Pass one shift per axis.")
    return TensorSpec(x.shape, x.dtype)


roll_p = primitive("roll", _roll_rule, check="rule")
# The roll back: the cotangent shifted by -shift along the same axes.
defvjp(roll_p, lambda g, ins, out, axis: (bind(roll_p, g, negative(ins[1]), axis=axis),
                                          None))


def roll(input: Any, shift: Any, axis: Any, name: str | None = None) -> Any:  # noqa: A002
    """`input` with its elements shifted cyclically along `axis` (TF's `tf.roll`).

    Element `i` moves to `i + shift` (mod the dim); a negative shift moves elements
    the other way. Several axes: one shift per axis (an axis given twice adds its shifts).

    Args:
        input: a tensor, at least 1-D.
        shift: an int or a list of ints (or an int32/int64 tensor, also symbolic).
        axis: an int or a list of ints, as long as `shift`; may be negative.
        name: ignored.

    Returns:
        A tensor of the shape and dtype of `input`.

    Example:
        >>> import ember as tf
        >>> tf.roll(tf.constant([[1, 2, 3], [4, 5, 6]]), shift=[1, -1], axis=[0, 1]).numpy()
        array([[5, 6, 4],
               [2, 3, 1]], dtype=int32)
    """
    x = as_tensor(input)
    rank = x.shape.rank
    if rank == 0:
        raise InvalidArgumentError(
            f"roll: input must be 1-D or higher, received {describe(TensorSpec.from_tensor(x))}.")
    axes = tuple(normalize_axis("roll", a, rank) for a in static_ints(axis, "roll", "axis"))
    if isinstance(shift, TensorOps):
        s = shift
    else:
        values = np.asarray(shift)
        if values.size == 0:
            values = values.astype(np.int32)
        if values.dtype.kind not in "iu":
            raise DTypeError(f"roll: shift must hold integers, received {shift!r}.")
        s = as_tensor(values.astype(np.int64 if values.dtype == np.int64 else np.int32))
    return bind(roll_p, x, s, axis=axes)

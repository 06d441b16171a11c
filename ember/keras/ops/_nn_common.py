"""Small helpers shared by `keras.ops.nn` and `keras.ops.image`: argument parsing (data
formats, int tuples, axes) and the float conversion of operands.

Example:
    >>> from ember.keras.ops._nn_common import int_tuple
    >>> int_tuple("conv", "strides", 2, 3)
    (2, 2, 2)
"""

from __future__ import annotations

from typing import Any

from ...core.tensor import TensorOps
from ...prims.convert import cast
from .. import config
from ._dtypes import result_type, to_tensor

FORMATS = ("channels_last", "channels_first")


def floating(x: Any, dtype: Any = None) -> Any:
    """`x` as a tensor of a floating dtype: its own if floating, else floatx (as Keras 3's
    `result_type(x.dtype, float)`); `dtype` forces one."""
    t = to_tensor(x)
    want = dtype if dtype is not None else result_type(t.dtype.name, float)
    return t if t.dtype.name == want else cast(t, want)


def data_format(op: str, value: Any) -> str:
    """'channels_last' or 'channels_first' (None: keras.config.image_data_format())."""
    if value is None:
        return config.image_data_format()
    if value not in FORMATS:
        raise ValueError(f"keras.ops.{op}: data_format must be 'channels_last' or "
                         f"'channels_first'. Received: data_format={value!r}")
    return value


def int_tuple(op: str, what: str, value: Any, n: int) -> tuple:
    """An int or a sequence of `n` ints as an n-tuple of ints."""
    vals = [value] * n if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        vals = tuple(int(v) for v in vals)
    except (TypeError, ValueError):
        vals = ()
    if len(vals) != n:
        raise ValueError(f"keras.ops.{op}: {what} must be an int or a tuple of {n} ints. "
                         f"Received: {what}={value!r}")
    return vals


def padding_mode(op: str, padding: Any) -> str:
    """'valid' or 'same' (case-insensitive), lower-cased."""
    if isinstance(padding, str) and padding.lower() in ("valid", "same"):
        return padding.lower()
    raise ValueError(f"keras.ops.{op}: padding must be 'valid' or 'same'. Received: "
                     f"padding={padding!r}")


def rank_of(op: str, x: Any, ranks: tuple, what: str = "inputs") -> int:
    """The static rank of `x`, checked to be one of `ranks`."""
    rank = x.shape.rank
    if rank not in ranks:
        raise ValueError(f"keras.ops.{op}: {what} must have rank "
                         f"{' or '.join(str(r) for r in ranks)}. Received: "
                         f"{what}.shape={tuple(x.shape)}")
    return rank


def axes_of(axis: Any, rank: int) -> list:
    """`axis` (None: all, an int or a sequence) as a sorted list of non-negative axes."""
    if axis is None:
        return list(range(rank))
    if isinstance(axis, (int,)) or (isinstance(axis, TensorOps) and axis.shape.rank == 0):
        axis = [int(axis)]
    return sorted(int(a) % rank if rank else int(a) for a in axis)

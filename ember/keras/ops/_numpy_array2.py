"""Keras 3's array-manipulation ops (part 2 of `keras.ops`' array ops): reshaping,
permuting, flipping and joining.

Each is built from ember's own ops (`ember/ops/shape_ops.py`), so it works on Tensors,
Variables, NumPy arrays and KerasTensors and has gradients. Operands of joins are
promoted with Keras 3's rules (`_dtypes.promote`). The small helpers at the top are
shared by `_numpy_array.py` and `_numpy_array3.py`.

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> keras.ops.concatenate([np.array([1], "int8"), np.array([2.5], "float16")]).numpy()
    array([1. , 2.5], dtype=float16)
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ...core.graph import Tracer
from ...core.symbolic import SymbolicTensor
from ...core.tensor import ConcreteTensor
from ...ops import math_ops as M
from ...ops import reduce_ops as R
from ...ops import shape_ops as S
from ...ops.extra_ops import roll as _roll
from ...prims.values import static_int
from ._dtypes import promote, to_tensor

__all__ = [
    "append", "broadcast_to", "concatenate", "dstack", "expand_dims", "flip", "fliplr",
    "flipud", "hstack", "moveaxis", "ndim", "ravel", "repeat", "reshape", "roll", "rot90",
    "size", "squeeze", "stack", "swapaxes", "tile", "transpose", "vstack",
]


# -- helpers (shared with _numpy_array.py and _numpy_array3.py) -----------------------

def py_int(value: Any, op: str, what: str) -> int:
    """A Python int from an int, NumPy integer or concrete scalar int tensor."""
    if isinstance(value, SymbolicTensor) and not isinstance(value, Tracer):
        raise ValueError(f"keras.ops.{op}: `{what}` must be a concrete integer (a Python "
                         f"int or an eager scalar tensor), received a symbolic tensor "
                         f"{value!r}.")
    try:
        return static_int(value, f"keras.ops.{op}", f"`{what}`")
    except Exception as err:  # ember's DTypeError: re-raised as Keras' TypeError
        raise TypeError(f"keras.ops.{op}: `{what}` must be an integer, received "
                        f"{value!r}.") from err


def py_ints(value: Any, op: str, what: str) -> list:
    """A list of Python ints from an int or a sequence / 1-D array of them."""
    if isinstance(value, ConcreteTensor):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [py_int(v, op, what) for v in value]
    return [py_int(value, op, what)]


def axis_of(op: str, axis: Any, rank: int, what: str = "axis") -> int:
    """`axis` in [0, rank), from a possibly negative int (ValueError when out of range)."""
    a = py_int(axis, op, what)
    if not -rank <= a < rank:
        raise ValueError(f"keras.ops.{op}: `{what}`={a} is out of bounds for a tensor of "
                         f"rank {rank}; expected a value in [{-rank}, {rank}).")
    return a % rank


def rank_of(x: Any) -> int:
    return len(x.shape)


def need_rank(op: str, x: Any, least: int, what: str = "x") -> None:
    if rank_of(x) < least:
        raise ValueError(f"keras.ops.{op}: `{what}` must have at least {least} "
                         f"dimension(s), received shape {tuple(x.shape)}.")


def dims_of(x: Any) -> list:
    """The shape of `x`: static ints where known, scalar tensors read at run time for the
    others (a KerasTensor's batch dim)."""
    dims = list(x.shape)
    if all(d is not None for d in dims):
        return dims
    dyn = S.shape(x)
    return [d if d is not None else dyn[i] for i, d in enumerate(dims)]


def tie(x: Any, value: Any) -> Any:
    """`value`, made to depend on a KerasTensor `x` (a select between two equal
    branches on an always-False condition read from `x`), so that a value that does not
    depend on `x`'s entries (`zeros_like`, `size`) is still a KerasTensor of the
    functional model, as in Keras 3. Other inputs: `value` itself."""
    if not isinstance(x, SymbolicTensor) or isinstance(value, SymbolicTensor):
        return value
    none = S.reshape(x, [-1])[:0]
    return M.where(R.reduce_any(M.not_equal(none, none)), value, value)


def along(x: Any, axis: int, key: Any) -> Any:
    """`x[..., key, ...]` with `key` (a slice or int) at `axis`."""
    return x[(slice(None),) * axis + (key,)]


def _tensors(xs: Any, op: str) -> list:
    if not isinstance(xs, (list, tuple)) or not xs:
        raise ValueError(f"keras.ops.{op}: expected a non-empty list or tuple of tensors, "
                         f"received {xs!r}.")
    return promote(*xs)


# -- shape and permutation ------------------------------------------------------------

def reshape(x: Any, newshape: Any) -> Any:
    """`x` with its elements in a new shape; one entry may be -1 (inferred).

    Example:
        >>> from ember import keras
        >>> keras.ops.reshape([1, 2, 3, 4], (2, -1)).numpy()
        array([[1, 2],
               [3, 4]], dtype=int32)
    """
    x = to_tensor(x)
    shape = py_ints(newshape, "reshape", "newshape")
    if shape.count(-1) > 1 or any(d < -1 for d in shape):
        raise ValueError(f"keras.ops.reshape: `newshape` may hold at most one -1 and no "
                         f"other negative value, received {tuple(shape)}.")
    return S.reshape(x, shape)


def ravel(x: Any) -> Any:
    """`x` flattened to 1-D.

    Example:
        >>> from ember import keras
        >>> keras.ops.ravel([[1, 2], [3, 4]]).numpy()
        array([1, 2, 3, 4], dtype=int32)
    """
    return S.reshape(to_tensor(x), [-1])


def expand_dims(x: Any, axis: int | Sequence[int]) -> Any:
    """`x` with new size-1 axes at `axis` (an int or a tuple, positions in the result).

    Example:
        >>> from ember import keras
        >>> keras.ops.expand_dims([1, 2], (0, -1)).shape
        TensorShape([1, 2, 1])
    """
    x = to_tensor(x)
    axes = py_ints(axis, "expand_dims", "axis")
    out_rank = rank_of(x) + len(axes)
    axes = sorted(axis_of("expand_dims", a, out_rank) for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"keras.ops.expand_dims: `axis` repeats an axis: {axis}.")
    for a in axes:
        x = S.expand_dims(x, a)
    return x


def squeeze(x: Any, axis: int | Sequence[int] | None = None) -> Any:
    """`x` without its size-1 axes (only those in `axis`, when given).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.ops.squeeze(np.zeros((1, 2, 1)), axis=-1).shape
        TensorShape([1, 2])
    """
    x = to_tensor(x)
    if axis is None:
        return S.squeeze(x)
    rank = rank_of(x)
    axes = sorted({axis_of("squeeze", a, rank) for a in py_ints(axis, "squeeze", "axis")})
    for a in axes:
        if x.shape[a] not in (1, None):
            raise ValueError(f"keras.ops.squeeze: cannot squeeze axis={a}, because the "
                             f"dimension is not 1 (x.shape={tuple(x.shape)}).")
    return S.squeeze(x, axes) if axes else x


def transpose(x: Any, axes: Sequence[int] | None = None) -> Any:
    """`x` with its axes permuted (reversed when `axes` is None).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.ops.transpose(np.zeros((2, 3, 4)), (0, -1, 1)).shape
        TensorShape([2, 4, 3])
    """
    x = to_tensor(x)
    rank = rank_of(x)
    if axes is None:
        return S.transpose(x)
    perm = [axis_of("transpose", a, rank, "axes") for a in py_ints(axes, "transpose", "axes")]
    if sorted(perm) != list(range(rank)):
        raise ValueError(f"keras.ops.transpose: `axes` must be a permutation of the "
                         f"{rank} axes of x (no duplicates), received {list(axes)}.")
    return S.transpose(x, perm)


def moveaxis(x: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Any:
    """`x` with the axes `source` moved to the positions `destination`.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.ops.moveaxis(np.zeros((2, 3, 4)), 0, -1).shape
        TensorShape([3, 4, 2])
    """
    x = to_tensor(x)
    rank = rank_of(x)
    src = [axis_of("moveaxis", a, rank, "source") for a in py_ints(source, "moveaxis", "source")]
    dst = [axis_of("moveaxis", a, rank, "destination")
           for a in py_ints(destination, "moveaxis", "destination")]
    if len(src) != len(dst):
        raise ValueError(f"keras.ops.moveaxis: `source` and `destination` must have the "
                         f"same number of axes, received source={source}, "
                         f"destination={destination}.")
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"keras.ops.moveaxis: repeated axis in source={source} or "
                         f"destination={destination}.")
    if src == dst:
        return x
    perm = [i for i in range(rank) if i not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return S.transpose(x, perm)


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """`x` with axes `axis1` and `axis2` interchanged.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.ops.swapaxes(np.zeros((2, 3, 4)), 0, -1).shape
        TensorShape([4, 3, 2])
    """
    x = to_tensor(x)
    rank = rank_of(x)
    a, b = axis_of("swapaxes", axis1, rank, "axis1"), axis_of("swapaxes", axis2, rank, "axis2")
    if a == b:
        return x
    perm = list(range(rank))
    perm[a], perm[b] = b, a
    return S.transpose(x, perm)


def broadcast_to(x: Any, shape: Any) -> Any:
    """`x` broadcast to `shape` (NumPy's rules).

    Example:
        >>> from ember import keras
        >>> keras.ops.broadcast_to([1, 2], (2, 2)).numpy()
        array([[1, 2],
               [1, 2]], dtype=int32)
    """
    return S.broadcast_to(to_tensor(x), py_ints(shape, "broadcast_to", "shape"))


def ndim(x: Any) -> int:
    """The number of axes of `x`, a Python int.

    Example:
        >>> from ember import keras
        >>> keras.ops.ndim([[1, 2]])
        2
    """
    return rank_of(to_tensor(x))


def size(x: Any) -> Any:
    """The number of elements of `x`, as an int32 scalar tensor.

    Example:
        >>> from ember import keras
        >>> int(keras.ops.size([[1, 2, 3]]))
        3
    """
    x = to_tensor(x)
    return tie(x, S.size(x))


def repeat(x: Any, repeats: int | Sequence[int], axis: int | None = None) -> Any:
    """Each element of `x` repeated `repeats` times (one count, or one per element)
    along `axis` (None: over the flattened `x`).

    Example:
        >>> from ember import keras
        >>> keras.ops.repeat([[1, 2], [3, 4]], 2, axis=1).numpy()
        array([[1, 1, 2, 2],
               [3, 3, 4, 4]], dtype=int32)
    """
    x = to_tensor(x)
    counts = py_ints(repeats, "repeat", "repeats")
    if any(c < 0 for c in counts):
        raise ValueError(f"keras.ops.repeat: `repeats` must be non-negative, received "
                         f"{repeats}.")
    if axis is not None:
        axis = axis_of("repeat", axis, rank_of(x))
    return S.repeat(x, counts if len(counts) > 1 else counts[0], axis=axis)


def tile(x: Any, repeats: int | Sequence[int]) -> Any:
    """`x` repeated `repeats[i]` times along each axis (NumPy's `tile`: a shorter
    `repeats` applies to the last axes, a longer one adds leading axes).

    Example:
        >>> from ember import keras
        >>> keras.ops.tile([1, 2], (2, 2)).numpy()
        array([[1, 2, 1, 2],
               [1, 2, 1, 2]], dtype=int32)
    """
    x = to_tensor(x)
    reps = py_ints(repeats, "tile", "repeats")
    if any(r < 0 for r in reps):
        raise ValueError(f"keras.ops.tile: `repeats` must be non-negative, received "
                         f"{repeats}.")
    rank = rank_of(x)
    reps = [1] * (rank - len(reps)) + reps
    if len(reps) > rank:
        x = S.reshape(x, [1] * (len(reps) - rank) + dims_of(x)) if rank else \
            S.reshape(x, [1] * len(reps))
    return S.tile(x, reps)


def roll(x: Any, shift: int | Sequence[int], axis: int | Sequence[int] | None = None) -> Any:
    """`x` with its elements shifted cyclically by `shift` along `axis` (None: over the
    flattened `x`, shape kept).

    Example:
        >>> from ember import keras
        >>> keras.ops.roll([[1, 2], [3, 4]], 1).numpy()
        array([[4, 1],
               [2, 3]], dtype=int32)
    """
    x = to_tensor(x)
    shifts = py_ints(shift, "roll", "shift")
    if axis is None:
        if len(shifts) != 1:
            raise ValueError(f"keras.ops.roll: with axis=None, `shift` must be one int, "
                             f"received {shift}.")
        flat = _roll(S.reshape(x, [-1]), shifts[0], 0)
        return S.reshape(flat, dims_of(x))
    rank = rank_of(x)
    axes = [axis_of("roll", a, rank) for a in py_ints(axis, "roll", "axis")]
    if len(shifts) == 1 and len(axes) > 1:
        shifts = shifts * len(axes)
    if len(shifts) != len(axes):
        raise ValueError(f"keras.ops.roll: `shift` and `axis` must have the same length, "
                         f"received shift={shift}, axis={axis}.")
    return _roll(x, shifts if len(axes) > 1 else shifts[0], axes if len(axes) > 1 else axes[0])


# -- flips ------------------------------------------------------------------------------

def flip(x: Any, axis: int | Sequence[int] | None = None) -> Any:
    """`x` with the order of its elements reversed along `axis` (None: all axes).

    Example:
        >>> from ember import keras
        >>> keras.ops.flip([[1, 2], [3, 4]], axis=-1).numpy()
        array([[2, 1],
               [4, 3]], dtype=int32)
    """
    x = to_tensor(x)
    rank = rank_of(x)
    if axis is None:
        axes = list(range(rank))
    else:
        axes = [axis_of("flip", a, rank) for a in py_ints(axis, "flip", "axis")]
    return S.reverse(x, axes) if axes else x


def fliplr(x: Any) -> Any:
    """`x` reversed along axis 1 (left/right); `x` must be at least 2-D.

    Example:
        >>> from ember import keras
        >>> keras.ops.fliplr([[1, 2], [3, 4]]).numpy()
        array([[2, 1],
               [4, 3]], dtype=int32)
    """
    x = to_tensor(x)
    need_rank("fliplr", x, 2)
    return S.reverse(x, [1])


def flipud(x: Any) -> Any:
    """`x` reversed along axis 0 (up/down); `x` must be at least 1-D.

    Example:
        >>> from ember import keras
        >>> keras.ops.flipud([[1, 2], [3, 4]]).numpy()
        array([[3, 4],
               [1, 2]], dtype=int32)
    """
    x = to_tensor(x)
    need_rank("flipud", x, 1)
    return S.reverse(x, [0])


def rot90(array: Any, k: int = 1, axes: tuple = (0, 1)) -> Any:
    """`array` rotated by 90 degrees `k` times in the plane of `axes`, from the first
    axis towards the second (NumPy's `rot90`).

    Example:
        >>> from ember import keras
        >>> keras.ops.rot90([[1, 2], [3, 4]]).numpy()
        array([[2, 4],
               [1, 3]], dtype=int32)
    """
    x = to_tensor(array)
    rank = rank_of(x)
    if rank < 2:
        raise ValueError(f"keras.ops.rot90: `array` must have at least 2 dimensions, "
                         f"received shape {tuple(x.shape)}.")
    ax = py_ints(axes, "rot90", "axes")
    if len(ax) != 2:
        raise ValueError(f"keras.ops.rot90: `axes` must be two axes, received {axes}.")
    a, b = (axis_of("rot90", v, rank, "axes") for v in ax)
    if a == b:
        raise ValueError(f"keras.ops.rot90: `axes` must be two different axes, received "
                         f"{axes}.")
    turns = py_int(k, "rot90", "k") % 4
    if turns == 0:
        return x
    if turns == 2:
        return S.reverse(x, sorted([a, b]))
    perm = list(range(rank))
    perm[a], perm[b] = b, a
    if turns == 1:
        return S.transpose(S.reverse(x, [b]), perm)
    return S.reverse(S.transpose(x, perm), [b])


# -- joins ------------------------------------------------------------------------------

def concatenate(xs: Sequence[Any], axis: int | None = 0) -> Any:
    """The tensors `xs` (promoted to one dtype) joined along an existing axis (None:
    flattened first).

    Example:
        >>> from ember import keras
        >>> keras.ops.concatenate([[[1, 2]], [[3, 4]]], axis=-1).numpy()
        array([[1, 2, 3, 4]], dtype=int32)
    """
    ts = _tensors(xs, "concatenate")
    if axis is None:
        return S.concat([S.reshape(t, [-1]) for t in ts], 0)
    rank = rank_of(ts[0])
    if rank == 0:
        raise ValueError("keras.ops.concatenate: zero-dimensional tensors can't be "
                         "concatenated; use keras.ops.stack.")
    return S.concat(ts, axis_of("concatenate", axis, rank))


def append(x1: Any, x2: Any, axis: int | None = None) -> Any:
    """`x2` appended after `x1` along `axis` (None: both flattened).

    Example:
        >>> from ember import keras
        >>> keras.ops.append([1, 2], [[3.5]]).numpy()
        array([1. , 2. , 3.5], dtype=float32)
    """
    a, b = promote(x1, x2)
    if axis is None:
        return S.concat([S.reshape(a, [-1]), S.reshape(b, [-1])], 0)
    return concatenate([a, b], axis=axis)


def stack(x: Sequence[Any], axis: int = 0) -> Any:
    """The same-shape tensors `x` (promoted to one dtype) joined along a new axis.

    Example:
        >>> from ember import keras
        >>> keras.ops.stack([[1, 2], [3, 4]], axis=-1).numpy()
        array([[1, 3],
               [2, 4]], dtype=int32)
    """
    ts = _tensors(x, "stack")
    shapes = {tuple(t.shape) for t in ts}
    if len(shapes) > 1:
        raise ValueError(f"keras.ops.stack: all tensors must have the same shape, "
                         f"received shapes {sorted(shapes, key=str)}.")
    return S.stack(ts, axis_of("stack", axis, rank_of(ts[0]) + 1))


def _at_least(t: Any, n: int) -> Any:
    """NumPy's atleast_2d / atleast_3d shapes for 0-, 1- and 2-D tensors."""
    r = rank_of(t)
    if r >= n:
        return t
    if r == 0:
        return S.reshape(t, [1] * n)
    if r == 1:
        t = S.expand_dims(t, 0)
    return S.expand_dims(t, 2) if n == 3 else t


def hstack(xs: Sequence[Any]) -> Any:
    """The tensors `xs` joined column-wise: along axis 1, or axis 0 for 1-D tensors.

    Example:
        >>> from ember import keras
        >>> keras.ops.hstack([[1, 2], [3]]).numpy()
        array([1, 2, 3], dtype=int32)
    """
    ts = [S.reshape(t, [1]) if rank_of(t) == 0 else t for t in _tensors(xs, "hstack")]
    return S.concat(ts, 0 if rank_of(ts[0]) == 1 else 1)


def vstack(xs: Sequence[Any]) -> Any:
    """The tensors `xs` joined row-wise, along axis 0 (as Keras 3 on TensorFlow: 1-D
    tensors are concatenated, not stacked).

    Example:
        >>> from ember import keras
        >>> keras.ops.vstack([[[1, 2]], [[3, 4]]]).numpy()
        array([[1, 2],
               [3, 4]], dtype=int32)
    """
    return concatenate(_tensors(xs, "vstack"), axis=0)


def dstack(xs: Sequence[Any]) -> Any:
    """The tensors `xs` joined depth-wise, along axis 2 (1-D `(N,)` taken as
    `(1, N, 1)`, 2-D `(M, N)` as `(M, N, 1)`).

    Example:
        >>> from ember import keras
        >>> keras.ops.dstack([[1, 2], [3, 4]]).numpy()
        array([[[1, 3],
                [2, 4]]], dtype=int32)
    """
    return S.concat([_at_least(t, 3) for t in _tensors(xs, "dstack")], 2)

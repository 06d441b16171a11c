"""Keras 3's array ops (part 3): indexing (get_item, take, take_along_axis,
unravel_index), diagonals and triangles (diag, diagflat, diagonal, trace, tril, triu),
pad, meshgrid, vander, view and the einops-style `rearrange`.

All but `view` are built from ember's ops (so they work on KerasTensors and have
gradients); `view` reinterprets bytes, which no ember op does (see its docstring).

Example:
    >>> from ember import keras
    >>> keras.ops.trace([[1, 2], [3, 4]]).numpy()
    np.int32(5)
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

from ...core.graph import Tracer
from ...core.shape import TensorSpec
from ...core.symbolic import SymbolicTensor
from ...core.tensor import ConcreteTensor, TensorOps
from ...ops import math_ops as M
from ...ops import reduce_ops as R
from ...ops import shape_ops as S
from ...ops.creation_ops import range as _range
from ...ops.creation_ops import zeros_like as _zeros_like
from ...ops.gather_ops import gather
from ...ops.linalg_ops import einsum
from ...ops.py_ops import numpy_function
from ...prims.convert import cast
from ..engine.keras_tensor import KerasTensor
from ._dtypes import standardize_dtype, result_type, to_tensor
from ._numpy_array2 import axis_of, dims_of, moveaxis, need_rank, py_int, py_ints, rank_of

__all__ = [
    "diag", "diagflat", "diagonal", "get_item", "meshgrid", "pad", "rearrange", "take",
    "take_along_axis", "trace", "tril", "triu", "unravel_index", "vander", "view",
]


def tri_mask(n: int, m: int, k: int) -> Any:
    """A bool [n, m] tensor, True where column j <= row i + k (ember ops on ranges)."""
    rows = S.reshape(_range(n, dtype="int64"), [n, 1])
    cols = S.reshape(_range(m, dtype="int64"), [1, m])
    return M.less_equal(cols, rows + k)


def eye_mask(n: int, m: int, k: int) -> Any:
    """A bool [n, m] tensor, True where column j == row i + k."""
    rows = S.reshape(_range(n, dtype="int64"), [n, 1])
    cols = S.reshape(_range(m, dtype="int64"), [1, m])
    return M.equal(cols, rows + k)


def _matrix_dims(op: str, x: Any) -> tuple:
    rows, cols = x.shape[-2], x.shape[-1]
    if rows is None or cols is None:
        raise ValueError(f"keras.ops.{op}: needs the sizes of the matrix axes to be known, "
                         f"received shape {tuple(x.shape)}.")
    return rows, cols


# -- indexing -----------------------------------------------------------------------------

def get_item(x: Any, key: Any) -> Any:
    """`x[key]` (ints, slices, None, Ellipsis, an int index array or a bool mask).

    Example:
        >>> from ember import keras
        >>> keras.ops.get_item([[1, 2], [3, 4]], (slice(None), -1)).numpy()
        array([2, 4], dtype=int32)
    """
    return to_tensor(x)[key]


def _int_indices(op: str, indices: Any, what: str = "indices") -> Any:
    idx = to_tensor(indices)
    if not idx.dtype.is_integer:
        raise TypeError(f"keras.ops.{op}: `{what}` must be integers, received dtype "
                        f"{idx.dtype.name}.")
    return idx


def _wrap_negative(idx: Any, dim: Any) -> Any:
    """Negative indices counted from the end of an axis of size `dim`."""
    size = cast(dim, idx.dtype) if isinstance(dim, TensorOps) else dim
    return M.where(M.less(idx, 0), idx + size, idx)


def take(x: Any, indices: Any, axis: int | None = None) -> Any:
    """The elements of `x` at `indices` along `axis` (None: of the flattened `x`);
    negative indices count from the end.

    Example:
        >>> from ember import keras
        >>> keras.ops.take([[1, 2], [3, 4]], [-1, 0], axis=1).numpy()
        array([[2, 1],
               [4, 3]], dtype=int32)
    """
    x = to_tensor(x)
    idx = _int_indices("take", indices)
    if axis is None:
        x, ax = S.reshape(x, [-1]), 0
    else:
        need_rank("take", x, 1)
        ax = axis_of("take", axis, rank_of(x))
    return gather(x, _wrap_negative(idx, dims_of(x)[ax]), axis=ax)


def _broadcast_dim(op: str, a: Any, b: Any) -> Any:
    if a == b or b == 1:
        return a
    if a == 1:
        return b
    raise ValueError(f"keras.ops.{op}: `x` and `indices` can't be broadcast together "
                     f"(sizes {a} and {b}).")


def take_along_axis(x: Any, indices: Any, axis: int | None = None) -> Any:
    """The elements of `x` at `indices` along `axis`, matched position by position on
    the other axes (broadcast); None: over the flattened `x` with 1-D `indices`.

    Example:
        >>> from ember import keras
        >>> keras.ops.take_along_axis([[10, 30, 20]], [[1, 2]], axis=1).numpy()
        array([[30, 20]], dtype=int32)
    """
    x = to_tensor(x)
    idx = _int_indices("take_along_axis", indices)
    if axis is None:
        if rank_of(idx) != 1:
            raise ValueError(f"keras.ops.take_along_axis: `indices` must be 1-D when "
                             f"axis=None, received shape {tuple(idx.shape)}.")
        flat = S.reshape(x, [-1])
        return gather(flat, _wrap_negative(idx, dims_of(flat)[0]), axis=0)
    rank = rank_of(x)
    if rank_of(idx) != rank or rank == 0:
        raise ValueError(f"keras.ops.take_along_axis: `x` and `indices` must have the same "
                         f"number of dimensions (at least 1), received shapes "
                         f"{tuple(x.shape)} and {tuple(idx.shape)}.")
    ax = axis_of("take_along_axis", axis, rank)
    xs, ids = list(x.shape), list(idx.shape)
    if any(xs[i] != ids[i] for i in range(rank) if i != ax):
        target = [_broadcast_dim("take_along_axis", xs[i], ids[i]) for i in range(rank)]
        if any(d is None for d in target):
            raise ValueError("keras.ops.take_along_axis: broadcasting `x` against "
                             "`indices` needs their sizes to be known.")
        x = S.broadcast_to(x, target[:ax] + [xs[ax]] + target[ax + 1:])
        idx = S.broadcast_to(idx, target[:ax] + [ids[ax]] + target[ax + 1:])
    idx = _wrap_negative(idx, dims_of(x)[ax])
    last = rank - 1
    out = gather(moveaxis(x, ax, last), moveaxis(idx, ax, last), axis=last, batch_dims=last)
    return moveaxis(out, last, ax)


def unravel_index(indices: Any, shape: Sequence[int]) -> tuple:
    """The coordinates, in an array of `shape`, of the flat `indices` (a tuple of one
    tensor per axis, of the dtype of `indices`).

    Example:
        >>> from ember import keras
        >>> [t.numpy() for t in keras.ops.unravel_index([5, 7], (3, 4))]
        [array([1, 1], dtype=int32), array([1, 3], dtype=int32)]
    """
    idx = _int_indices("unravel_index", indices)
    if shape is None or any(d is None for d in shape):
        raise ValueError(f"keras.ops.unravel_index: `shape` must hold known sizes, received "
                         f"shape={shape}.")
    dims = py_ints(shape, "unravel_index", "shape")
    coords = []
    for d in reversed(dims):
        coords.append(M.floormod(idx, d))
        idx = M.floordiv(idx, d)
    return tuple(reversed(coords))


# -- diagonals and triangles -------------------------------------------------------------

def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The `offset`-th diagonal of the matrices on axes (`axis1`, `axis2`), as a last
    axis (offset > 0: above the main diagonal, < 0: below).

    Example:
        >>> from ember import keras
        >>> keras.ops.diagonal([[1, 2, 3], [4, 5, 6]], offset=1).numpy()
        array([2, 6], dtype=int32)
    """
    x = to_tensor(x)
    need_rank("diagonal", x, 2)
    rank = rank_of(x)
    a1, a2 = axis_of("diagonal", axis1, rank, "axis1"), axis_of("diagonal", axis2, rank, "axis2")
    if a1 == a2:
        raise ValueError(f"keras.ops.diagonal: `axis1` and `axis2` must differ, received "
                         f"{axis1} and {axis2}.")
    k = py_int(offset, "diagonal", "offset")
    x = moveaxis(x, (a1, a2), (-2, -1))
    rows, cols = _matrix_dims("diagonal", x)
    r0, c0 = max(-k, 0), max(k, 0)
    n = max(0, min(rows - r0, cols - c0))
    square = x[..., r0:r0 + n, c0:c0 + n]
    return einsum("...ii->...i", square)


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The sum of the `offset`-th diagonal on axes (`axis1`, `axis2`); bool and small
    ints sum as int32 (uint8/uint16 as uint32).

    Example:
        >>> from ember import keras
        >>> keras.ops.trace([[1.0, 2.0], [3.0, 4.0]], offset=1).numpy()
        np.float32(2.0)
    """
    x = to_tensor(x)
    dt = x.dtype.name
    dt = {"bool": "int32", "int8": "int32", "int16": "int32", "uint8": "uint32",
          "uint16": "uint32"}.get(dt, dt)
    d = diagonal(x if x.dtype.name == dt else cast(x, dt), offset, axis1, axis2)
    return R.reduce_sum(d, axis=-1)


def diag(x: Any, k: int = 0) -> Any:
    """For 1-D `x`, the square matrix with `x` on its `k`-th diagonal; for 2-D `x`, its
    `k`-th diagonal.

    Example:
        >>> from ember import keras
        >>> keras.ops.diag([1, 2], k=1).numpy()
        array([[0, 1, 0],
               [0, 0, 2],
               [0, 0, 0]], dtype=int32)
    """
    x = to_tensor(x)
    k = py_int(k, "diag", "k")
    if rank_of(x) == 2:
        return diagonal(x, offset=k)
    if rank_of(x) != 1:
        raise ValueError(f"keras.ops.diag: `x` must be 1-D or 2-D, received shape "
                         f"{tuple(x.shape)}.")
    n = x.shape[0]
    if n is None:
        raise ValueError("keras.ops.diag: needs the length of `x` to be known.")
    square = M.where(eye_mask(n, n, 0), S.reshape(x, [1, n]), _zeros_like(x)[None])
    a = abs(k)
    pads = [[0, a], [a, 0]] if k >= 0 else [[a, 0], [0, a]]
    return S.pad(square, pads) if a else square


def diagflat(x: Any, k: int = 0) -> Any:
    """The square matrix with the flattened `x` on its `k`-th diagonal.

    Example:
        >>> from ember import keras
        >>> keras.ops.diagflat([[1, 2]]).numpy()
        array([[1, 0],
               [0, 2]], dtype=int32)
    """
    return diag(S.reshape(to_tensor(x), [-1]), k)


def _triangle(op: str, x: Any, k: Any, lower: bool) -> Any:
    x = to_tensor(x)
    need_rank(op, x, 2)
    k = py_int(k, op, "k")
    rows, cols = _matrix_dims(op, x)
    mask = tri_mask(rows, cols, k) if lower else M.logical_not(tri_mask(rows, cols, k - 1))
    return M.where(mask, x, _zeros_like(x))


def tril(x: Any, k: int = 0) -> Any:
    """`x` with the entries above its `k`-th diagonal (of the last two axes) zeroed.

    Example:
        >>> from ember import keras
        >>> keras.ops.tril([[1, 2], [3, 4]]).numpy()
        array([[1, 0],
               [3, 4]], dtype=int32)
    """
    return _triangle("tril", x, k, lower=True)


def triu(x: Any, k: int = 0) -> Any:
    """`x` with the entries below its `k`-th diagonal (of the last two axes) zeroed.

    Example:
        >>> from ember import keras
        >>> keras.ops.triu([[1, 2], [3, 4]]).numpy()
        array([[1, 2],
               [0, 4]], dtype=int32)
    """
    return _triangle("triu", x, k, lower=False)


# -- pad -----------------------------------------------------------------------------------

_PAD_MODES = ("constant", "reflect", "symmetric", "edge", "wrap")


def _pad_pairs(pad_width: Any, rank: int) -> list:
    raw = pad_width.numpy() if isinstance(pad_width, ConcreteTensor) else pad_width
    if isinstance(raw, SymbolicTensor):
        raise ValueError("keras.ops.pad: `pad_width` must be concrete integers, received "
                         "a symbolic tensor.")
    try:
        arr = np.asarray(raw)
        if arr.dtype.kind not in "iu" or arr.ndim > 2:
            raise ValueError
        pairs = np.broadcast_to(arr, (rank, 2))
    except ValueError:
        raise ValueError(f"keras.ops.pad: `pad_width` must be an int, a (before, after) "
                         f"pair, or one pair per axis ({rank}), received "
                         f"pad_width={pad_width!r}.") from None
    if (pairs < 0).any():
        raise ValueError(f"keras.ops.pad: `pad_width` must be non-negative, received "
                         f"{pad_width!r}.")
    return [[int(a), int(b)] for a, b in pairs]


def _pad_edge_wrap(x: Any, pairs: list, mode: str) -> Any:
    for ax, (before, after) in enumerate(pairs):
        if not (before or after):
            continue
        dim = x.shape[ax]
        if dim is None or dim == 0:
            raise ValueError(f"keras.ops.pad: mode={mode!r} needs a known, non-empty axis "
                             f"{ax}, received shape {tuple(x.shape)}.")
        parts = []
        if mode == "edge":
            reps = [1] * rank_of(x)
            if before:
                reps[ax] = before
                parts.append(S.tile(x[(slice(None),) * ax + (slice(0, 1),)], reps))
            parts.append(x)
            if after:
                reps[ax] = after
                parts.append(S.tile(x[(slice(None),) * ax + (slice(dim - 1, dim),)], reps))
        else:  # wrap: the axis repeated periodically, then cut
            reps = [1] * rank_of(x)
            left, right = -(-before // dim), -(-after // dim)
            reps[ax] = left + 1 + right
            long = S.tile(x, reps)
            start = left * dim - before
            parts.append(long[(slice(None),) * ax + (slice(start, start + before + dim + after),)])
        x = S.concat(parts, ax) if len(parts) > 1 else parts[0]
    return x


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = None) -> Any:
    """`x` padded by `pad_width` (an int, a (before, after) pair, or one pair per axis)
    with `mode`: "constant" (`constant_values`, default 0), "reflect", "symmetric",
    "edge" or "wrap".

    Example:
        >>> from ember import keras
        >>> keras.ops.pad([1, 2, 3], (1, 2), mode="reflect").numpy()
        array([2, 1, 2, 3, 2, 1], dtype=int32)
    """
    x = to_tensor(x)
    if mode not in _PAD_MODES:
        raise ValueError(f"keras.ops.pad: `mode` must be one of {_PAD_MODES}, received "
                         f"mode={mode!r}.")
    if constant_values is not None and mode != "constant":
        raise ValueError(f"keras.ops.pad: `constant_values` can only be given with "
                         f"mode='constant', received mode={mode!r}.")
    pairs = _pad_pairs(pad_width, rank_of(x))
    if mode in ("edge", "wrap"):
        return _pad_edge_wrap(x, pairs, mode)
    if constant_values is None:
        constant_values = 0
    if isinstance(constant_values, TensorOps):
        constant_values = cast(constant_values, x.dtype.name)
    elif isinstance(constant_values, (int, float, bool, np.generic)) and \
            not x.dtype.is_string:
        constant_values = np.asarray(constant_values).astype(x.dtype.name).item()
    return S.pad(x, pairs, mode=mode.upper(), constant_values=constant_values)


# -- grids and matrices --------------------------------------------------------------------

def meshgrid(*x: Any, indexing: str = "xy") -> list:
    """Coordinate grids from 1-D coordinate vectors (each keeps its dtype); "xy"
    (Cartesian) swaps the first two axes of the grids, "ij" (matrix) does not.

    Example:
        >>> from ember import keras
        >>> a, b = keras.ops.meshgrid([1, 2, 3], [4, 5])
        >>> a.numpy()
        array([[1, 2, 3],
               [1, 2, 3]], dtype=int32)
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"keras.ops.meshgrid: `indexing` must be 'xy' or 'ij', received "
                         f"indexing={indexing!r}.")
    vs = [S.reshape(to_tensor(v), [-1]) for v in x]
    n = len(vs)
    sizes = [dims_of(v)[0] for v in vs]
    if indexing == "xy" and n > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, v in enumerate(vs):
        pos = (1 - i if i < 2 else i) if indexing == "xy" and n > 1 else i
        shape = [1] * n
        shape[pos] = -1
        out.append(S.broadcast_to(S.reshape(v, shape), sizes))
    return out


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Any:
    """The Vandermonde matrix of the 1-D `x`: columns are powers of `x`, decreasing
    from N - 1 (or increasing from 0); the dtype of `x`.

    Example:
        >>> from ember import keras
        >>> keras.ops.vander([1, 2, 3], 3).numpy()
        array([[1, 1, 1],
               [4, 2, 1],
               [9, 3, 1]], dtype=int32)
    """
    x = to_tensor(x)
    if rank_of(x) != 1:
        raise ValueError(f"keras.ops.vander: `x` must be 1-D, received shape "
                         f"{tuple(x.shape)}.")
    n = x.shape[0] if N is None else py_int(N, "vander", "N")
    if n is None:
        raise ValueError("keras.ops.vander: needs `N` or a known length of `x`.")
    if n < 0:
        raise ValueError(f"keras.ops.vander: `N` must be non-negative, received {N}.")
    out_dt = x.dtype.name
    compute = result_type(out_dt, "float32")
    powers = _range(n, dtype="int64") if increasing else _range(n - 1, -1, -1, dtype="int64")
    out = M.pow(S.expand_dims(cast(x, compute), -1), cast(powers, compute))
    return out if out.dtype.name == out_dt else cast(out, out_dt)


# -- view ----------------------------------------------------------------------------------

def _view_numpy(arr: np.ndarray, dt: str) -> np.ndarray:
    return np.ascontiguousarray(arr).view(np.dtype(dt))


def view(x: Any, dtype: Any = None) -> Any:
    """`x`'s bytes reinterpreted as `dtype` (NumPy's `view`): the last axis grows or
    shrinks by the ratio of the item sizes.

    No ember op reinterprets bytes, so `view` runs on the concrete value (inside
    `ember.function` as a NumPy function, without a gradient); on a KerasTensor it gives
    the output's shape and dtype, and runs on the values when the model does.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.ops.view(np.array([1.0], "float32"), "int32").numpy()
        array([1065353216], dtype=int32)
    """
    x = x if isinstance(x, SymbolicTensor) else to_tensor(x)
    old = np.dtype(x.dtype.name)
    new = np.dtype(standardize_dtype(dtype if dtype is not None else x.dtype.name))
    shape = list(x.shape)
    if old.itemsize != new.itemsize:
        last = shape[-1] if shape else None
        if last is None or (last * old.itemsize) % new.itemsize:
            raise ValueError(f"keras.ops.view: cannot view a tensor of shape "
                             f"{tuple(x.shape)} and dtype {old.name} as {new.name}: the "
                             f"bytes of the last axis do not divide by the new item size.")
        shape[-1] = last * old.itemsize // new.itemsize
    if isinstance(x, KerasTensor):  # a functional model's node: the values come later
        return KerasTensor(tuple(shape), new.name)
    if isinstance(x, Tracer):
        return numpy_function(lambda a: _view_numpy(a, new.name), [x],
                              TensorSpec(shape, new.name))
    return to_tensor(_view_numpy(x.numpy(), new.name))


# -- rearrange ----------------------------------------------------------------------------

def _parse_side(op: str, text: str, pattern: str) -> list:
    """A side of an einops pattern as groups: each a list of axis names (a bare name is
    a group of one)."""
    groups, current = [], None
    for tok in re.findall(r"\(|\)|[^\s()]+", text):
        if tok == "(":
            if current is not None:
                raise ValueError(f"keras.ops.{op}: nested parentheses in pattern "
                                 f"{pattern!r}.")
            current = []
        elif tok == ")":
            if current is None:
                raise ValueError(f"keras.ops.{op}: unbalanced ')' in pattern {pattern!r}.")
            groups.append(current)
            current = None
        elif not tok.isidentifier():
            raise ValueError(f"keras.ops.{op}: axis names must be identifiers, received "
                             f"{tok!r} in pattern {pattern!r}.")
        elif current is not None:
            current.append(tok)
        else:
            groups.append([tok])
    if current is not None:
        raise ValueError(f"keras.ops.{op}: unbalanced '(' in pattern {pattern!r}.")
    names = [n for g in groups for n in g]
    if len(set(names)) != len(names):
        raise ValueError(f"keras.ops.{op}: an axis name repeats in {text.strip()!r} of "
                         f"pattern {pattern!r}.")
    return groups


def _group_lengths(group: list, dim: Any, lengths: dict, pattern: str) -> dict:
    if len(group) == 1 and group[0] not in lengths:
        return {group[0]: dim}
    unknown = [a for a in group if a not in lengths]
    known = int(np.prod([lengths[a] for a in group if a in lengths]))
    if len(unknown) > 1:
        raise ValueError(f"keras.ops.rearrange: can't infer the lengths of {unknown} in "
                         f"pattern {pattern!r}; pass all but one as keyword arguments.")
    if unknown:
        if dim is None:
            raise ValueError(f"keras.ops.rearrange: can't infer {unknown[0]!r} from an axis "
                             f"of unknown size; pass it as a keyword argument.")
        if known == 0 or dim % known:
            raise ValueError(f"keras.ops.rearrange: axis of size {dim} can't be split into "
                             f"{group} with the given lengths {lengths}.")
        return {**{a: lengths[a] for a in group if a in lengths}, unknown[0]: dim // known}
    if dim is not None and known != dim:
        raise ValueError(f"keras.ops.rearrange: the lengths of {group} multiply to "
                         f"{known}, but the axis has size {dim} (pattern {pattern!r}).")
    return {a: lengths[a] for a in group}


def _reshape_dims(dims: list) -> list:
    if sum(d is None for d in dims) > 1:
        raise ValueError("keras.ops.rearrange: more than one axis of unknown size would "
                         "be merged or split; give the tensor a known shape.")
    return [-1 if d is None else d for d in dims]


def rearrange(tensor: Any, pattern: str, **axes_lengths: int) -> Any:
    """The axes of `tensor` reordered, merged and split by an einops pattern such as
    `"b (h p) w -> b h (p w)"`; lengths of split axes are given as keywords.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.ops.rearrange(np.zeros((2, 6, 5)), "b (h p) w -> b h (p w)", p=2).shape
        TensorShape([2, 3, 10])
    """
    x = to_tensor(tensor)
    if not isinstance(pattern, str) or pattern.count("->") != 1:
        raise ValueError(f"keras.ops.rearrange: `pattern` must be a string 'input -> "
                         f"output', received {pattern!r}.")
    left, right = pattern.split("->")
    ins, outs = _parse_side("rearrange", left, pattern), _parse_side("rearrange", right, pattern)
    in_names = [n for g in ins for n in g]
    out_names = [n for g in outs for n in g]
    if set(in_names) != set(out_names):
        raise ValueError(f"keras.ops.rearrange: the input and output of pattern "
                         f"{pattern!r} must name the same axes; differing: "
                         f"{sorted(set(in_names) ^ set(out_names))}.")
    extra = set(axes_lengths) - set(in_names)
    if extra:
        raise ValueError(f"keras.ops.rearrange: axes_lengths name axes {sorted(extra)} "
                         f"that are not in pattern {pattern!r}.")
    if len(ins) != rank_of(x):
        raise ValueError(f"keras.ops.rearrange: pattern {pattern!r} has {len(ins)} input "
                         f"axes but the tensor has shape {tuple(x.shape)}.")
    lengths = {k: py_int(v, "rearrange", k) for k, v in axes_lengths.items()}
    sizes: dict = {}
    for group, dim in zip(ins, x.shape):
        sizes.update(_group_lengths(group, dim, lengths, pattern))
    if any(len(g) > 1 for g in ins):
        x = S.reshape(x, _reshape_dims([sizes[n] for n in in_names]))
    perm = [in_names.index(n) for n in out_names]
    if perm != sorted(perm):
        x = S.transpose(x, perm)
    if len(outs) != len(out_names):
        dims = [None if any(sizes[n] is None for n in g) else
                int(np.prod([sizes[n] for n in g])) for g in outs]
        x = S.reshape(x, _reshape_dims(dims))
    return x

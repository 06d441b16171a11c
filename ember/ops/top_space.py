"""space_to_batch / batch_to_space of TF's top level, required_space_to_batch_paddings,
and edit_distance over SparseTensors.

space_to_batch_nd pads the M spatial dims (after the batch dim) and moves each
`block_shape` block of positions into the batch: pad, reshape, transpose, reshape
(differentiable). batch_to_space is its inverse followed by a crop. block_shape,
paddings and crops must be known when the op is built (Python values or concrete
tensors).

Example:
    >>> import ember as tf
    >>> x = tf.reshape(tf.range(4), [1, 2, 2, 1])
    >>> tf.space_to_batch(x, [2, 2], [[0, 0], [0, 0]]).shape
    TensorShape([4, 1, 1, 1])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import InvalidArgumentError
from ..core.tensor import wrap
from ..prims.convert import as_tensor
from .shape_ops import pad, reshape, shape, transpose

__all__ = ["space_to_batch", "space_to_batch_nd", "batch_to_space",
           "required_space_to_batch_paddings", "edit_distance"]


def _static(op: str, value: Any, what: str) -> np.ndarray:
    v = getattr(value, "_value", None)
    if v is None and hasattr(value, "shape") and not isinstance(value, np.ndarray) \
            and not isinstance(value, (list, tuple)):
        raise InvalidArgumentError(f"{op}: {what} must be known when the op is built in "
                                   f"ember (a Python list or a concrete tensor).")
    return np.asarray(value if v is None else v).astype(np.int64)


def _check(op: str, x: Any, block: np.ndarray, pads: np.ndarray, what: str) -> int:
    if block.ndim != 1 or block.size < 1:
        raise InvalidArgumentError(f"{op}: block_shape must be 1-D and non-empty, received "
                                   f"shape {block.shape}.")
    m = block.size
    if pads.shape != (m, 2):
        raise InvalidArgumentError(f"{op}: {what} must have shape [{m}, 2] (one row per "
                                   f"block dim), received {list(pads.shape)}.")
    if (block < 1).any():
        raise InvalidArgumentError(f"{op}: block_shape must be >= 1, received "
                                   f"{block.tolist()}.")
    if (pads < 0).any():
        raise InvalidArgumentError(f"{op}: {what} must be >= 0, received {pads.tolist()}.")
    r = x.shape.rank
    if r is not None and r < m + 1:
        raise InvalidArgumentError(f"{op}: input must have rank >= {m + 1} (batch + {m} "
                                   f"block dims), received rank {r}.")
    return m


def space_to_batch_nd(input: Any, block_shape: Any, paddings: Any,  # noqa: A002
                      name: str | None = None) -> Any:
    """Zero-pads the M spatial dims and moves `block_shape` blocks into the batch (TF's
    `tf.space_to_batch_nd`): [B, P1, ..., PM, rest] -> [B * prod(block), P1/b1, ...,
    PM/bM, rest] with Pi the padded sizes, each divisible by bi.

    Example:
        >>> import ember as tf
        >>> x = tf.reshape(tf.range(1, 5), [1, 2, 2, 1])
        >>> tf.space_to_batch_nd(x, [2, 2], [[0, 0], [0, 0]]).numpy().ravel()
        array([1, 2, 3, 4], dtype=int32)
    """
    op = "space_to_batch_nd"
    x = as_tensor(input)
    block = _static(op, block_shape, "block_shape")
    pads = _static(op, paddings, "paddings")
    m = _check(op, x, block, pads, "paddings")
    r = x.shape.rank
    full = [[0, 0]] + pads.tolist() + [[0, 0]] * (r - m - 1)
    xp = pad(x, full) if pads.any() else x
    dims = xp.shape.as_list()
    for i in range(m):
        d = dims[1 + i]
        if d is not None and d % int(block[i]):
            raise InvalidArgumentError(
                f"{op}: padded spatial dim {i} has size {d}, not divisible by block_shape"
                f"[{i}]={int(block[i])} (received input shape {x.shape}, paddings "
                f"{pads.tolist()}).")
    b = dims[0] if dims[0] is not None else shape(xp)[0]
    rest = dims[1 + m:]
    split = [b]
    for i in range(m):
        split += [dims[1 + i] // int(block[i]), int(block[i])]
    y = reshape(xp, split + rest)
    perm = ([2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)]
            + list(range(1 + 2 * m, 1 + 2 * m + len(rest))))
    y = transpose(y, perm)
    return reshape(y, [-1] + [dims[1 + i] // int(block[i]) for i in range(m)] + rest)


def space_to_batch(input: Any, block_shape: Any, paddings: Any,  # noqa: A002
                   name: str | None = None) -> Any:
    """TF 2's `tf.space_to_batch`: `space_to_batch_nd` (see it).

    Example:
        >>> import ember as tf
        >>> tf.space_to_batch(tf.zeros([1, 4, 4, 3]), [2, 2], [[0, 0], [0, 0]]).shape
        TensorShape([4, 2, 2, 3])
    """
    return space_to_batch_nd(input, block_shape, paddings)


def batch_to_space(input: Any, block_shape: Any, crops: Any,  # noqa: A002
                   name: str | None = None) -> Any:
    """The inverse of space_to_batch_nd (TF 2's `tf.batch_to_space`): [B * prod(block),
    d1, ..., dM, rest] -> [B, d1*b1 - crop1, ..., rest], cropping `crops[i]` (start, end)
    from each spatial dim.

    Example:
        >>> import ember as tf
        >>> x = tf.reshape(tf.range(1, 5), [4, 1, 1, 1])
        >>> tf.batch_to_space(x, [2, 2], [[0, 0], [0, 0]]).numpy()[0, :, :, 0]
        array([[1, 2],
               [3, 4]], dtype=int32)
    """
    op = "batch_to_space"
    x = as_tensor(input)
    block = _static(op, block_shape, "block_shape")
    crop = _static(op, crops, "crops")
    m = _check(op, x, block, crop, "crops")
    dims = x.shape.as_list()
    prod = int(np.prod(block))
    if dims[0] is not None and dims[0] % prod:
        raise InvalidArgumentError(f"{op}: the batch dim {dims[0]} must be divisible by "
                                   f"prod(block_shape) = {prod}.")
    rest = dims[1 + m:]
    spatial = dims[1:1 + m]
    y = reshape(x, [int(b) for b in block] + [-1] + spatial + rest)
    perm = [m]
    for i in range(m):
        perm += [m + 1 + i, i]
    perm += list(range(2 * m + 1, 2 * m + 1 + len(rest)))
    y = transpose(y, perm)
    out_sp = [None if d is None else d * int(block[i]) for i, d in enumerate(spatial)]
    y = reshape(y, [-1] + [(-1 if d is None else d) for d in out_sp] + rest)
    if crop.any():
        for i in range(m):
            d = out_sp[i]
            if d is not None and crop[i].sum() > d:
                raise InvalidArgumentError(f"{op}: crops {crop[i].tolist()} exceed spatial "
                                           f"dim {i} of size {d}.")
        key = (slice(None),) + tuple(
            slice(int(crop[i, 0]), (None if crop[i, 1] == 0 else -int(crop[i, 1])))
            for i in range(m))
        y = y[key]
    return y


def required_space_to_batch_paddings(input_shape: Any, block_shape: Any,
                                     base_paddings: Any = None,
                                     name: str | None = None) -> tuple:
    """The (paddings, crops) making the spatial dims `input_shape` (plus `base_paddings`)
    divisible by `block_shape` (TF's `tf.required_space_to_batch_paddings`).

    Example:
        >>> import ember as tf
        >>> p, c = tf.required_space_to_batch_paddings([5, 7], [2, 3], [[1, 0], [0, 1]])
        >>> p.numpy().tolist(), c.numpy().tolist()
        ([[1, 0], [0, 2]], [[0, 0], [0, 1]])
    """
    op = "required_space_to_batch_paddings"
    shp = _static(op, input_shape, "input_shape").reshape(-1)
    block = _static(op, block_shape, "block_shape").reshape(-1)
    if shp.size != block.size:
        raise InvalidArgumentError(f"{op}: input_shape and block_shape must have the same "
                                   f"length, received {shp.size} and {block.size}.")
    base = np.zeros((block.size, 2), np.int64) if base_paddings is None else \
        _static(op, base_paddings, "base_paddings").reshape(block.size, 2)
    start = base[:, 0]
    full = shp + start + base[:, 1]
    end = base[:, 1] + (-full) % block
    pads = np.stack([start, end], axis=1).astype(np.int32)
    crops = np.stack([np.zeros_like(start), end - base[:, 1]], axis=1).astype(np.int32)
    return wrap(pads), wrap(crops)


# -- edit_distance ----------------------------------------------------------------------

def _levenshtein(a: list, b: list) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


def _groups(sp: Any) -> tuple:
    idx = np.asarray(sp.indices._value if hasattr(sp.indices, "_value") else sp.indices)
    val = np.asarray(sp.values._value if hasattr(sp.values, "_value") else sp.values)
    shp = np.asarray(sp.dense_shape._value if hasattr(sp.dense_shape, "_value")
                     else sp.dense_shape)
    out: dict = {}
    order = np.lexsort(idx.T[::-1]) if idx.size else np.arange(0)
    for k in order:
        out.setdefault(tuple(idx[k, :-1].tolist()), []).append(val[k])
    return out, shp


def edit_distance(hypothesis: Any, truth: Any, normalize: bool = True,
                  name: str = "edit_distance") -> Any:
    """Levenshtein distances between the sequences of two SparseTensors (TF's
    `tf.edit_distance`): the last dim indexes sequence elements, the others index the
    output (its shape: the max of both dense shapes without the last dim). `normalize`
    divides by the truth's length (an empty truth gives inf, or 0 when the hypothesis
    is empty too, as TF).

    Eager only (the values are compared in Python); no gradient.

    Example:
        >>> import ember as tf
        >>> h = tf.sparse.SparseTensor([[0, 0], [0, 1]], ["a", "b"], [1, 2])
        >>> t = tf.sparse.SparseTensor([[0, 0], [0, 1], [0, 2]], ["a", "c", "b"], [1, 3])
        >>> tf.edit_distance(h, t).numpy()
        array([0.33333334], dtype=float32)
    """
    for what, sp in (("hypothesis", hypothesis), ("truth", truth)):
        if not all(hasattr(sp, a) for a in ("indices", "values", "dense_shape")):
            raise TypeError(f"edit_distance: {what} must be a SparseTensor, received "
                            f"{type(sp).__name__}.")
        if not hasattr(sp.indices, "_value"):
            raise NotImplementedError("edit_distance: ember computes it eagerly only; call "
                                      "it outside ember.function.")
    hg, hs = _groups(hypothesis)
    tg, ts = _groups(truth)
    if hs.size != ts.size:
        raise InvalidArgumentError(f"edit_distance: hypothesis and truth must have the same "
                                   f"rank, received {hs.size} and {ts.size}.")
    out_shape = tuple(int(d) for d in np.maximum(hs[:-1], ts[:-1]))
    out = np.zeros(out_shape, np.float32)
    for pos in np.ndindex(*out_shape):
        a, b = hg.get(pos, []), tg.get(pos, [])
        d = float(_levenshtein(a, b))
        if normalize:
            d = d / len(b) if b else (np.inf if a else 0.0)
        out[pos] = d
    return wrap(out)

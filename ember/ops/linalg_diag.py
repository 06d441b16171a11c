"""The diagonals of batched matrices, as TF's MatrixDiag*V3 ops: `tf.linalg.diag`,
`diag_part` and `set_diag` with `k` one diagonal or a band `(k0, k1)` and TF's `align`.

A band's diagonals are stacked from k1 down to k0, each `max_diag_len` long: diagonal d of
an [M, N] matrix has `min(M + min(d, 0), N - max(d, 0))` entries, element j at (j +
max(-d, 0), j + max(d, 0)); a shorter one is padded on the left (aligned right) or on the
right (aligned left): 'RIGHT_LEFT' (TF's default) aligns the superdiagonals right and the
main and subdiagonals left. Every op is a gather and a select over index tables built
from the static sizes (no 0 * x products, so inf and nan stay where they are); gradients
flow through them.

Example:
    >>> import ember as tf
    >>> x = tf.constant([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    >>> tf.linalg.diag_part(x, k=(-1, 1)).numpy().tolist()
    [[0, 2, 6], [1, 5, 9], [4, 8, 0]]
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..core import rules
from ..core.errors import InvalidArgumentError, ShapeError
from ..prims.convert import as_tensor, cast
from . import math_ops as m
from .gather_ops import gather
from .shape_ops import reshape

ALIGNS = ("RIGHT_LEFT", "LEFT_RIGHT", "LEFT_LEFT", "RIGHT_RIGHT")


def _band(k: Any, op: str) -> tuple:
    """(k0, k1) from an int or a pair."""
    if isinstance(k, (numbers.Integral, np.integer)):
        return int(k), int(k)
    ks = [int(v) for v in np.asarray(getattr(k, "numpy", lambda: k)()).reshape(-1)]
    if len(ks) == 1:
        return ks[0], ks[0]
    if len(ks) != 2 or ks[0] > ks[1]:
        raise InvalidArgumentError(f"{op}: k must be an int or a pair (k0, k1) with k0 <= "
                                   f"k1, received {k!r}.")
    return ks[0], ks[1]


def _layout(rows: int, cols: int, k0: int, k1: int, align: str, op: str) -> tuple:
    """(max_diag_len, entries): entries (i, t, r, c) place diagonal row i, column t at
    matrix position (r, c)."""
    if align not in ALIGNS:
        raise InvalidArgumentError(f"{op}: align must be one of {ALIGNS}, received "
                                   f"{align!r}.")
    if not (-rows < k0 and k1 < cols):
        raise InvalidArgumentError(f"{op}: k=({k0}, {k1}) reaches outside the [{rows}, "
                                   f"{cols}] matrices; each k must be in ({-rows}, {cols}).")
    lens = {d: min(rows + min(d, 0), cols - max(d, 0)) for d in range(k0, k1 + 1)}
    width = max(lens.values())
    left_super = align in ("LEFT_LEFT", "LEFT_RIGHT")
    left_sub = align in ("LEFT_LEFT", "RIGHT_LEFT")
    entries = []
    for d in range(k1, k0 - 1, -1):
        left = (d >= 0 and left_super) or (d <= 0 and left_sub)
        offset = 0 if left else width - lens[d]
        for j in range(lens[d]):
            entries.append((k1 - d, j + offset, j + max(-d, 0), j + max(d, 0)))
    return width, np.array(entries, np.int64).reshape(-1, 4)


def _known_matrix(x: Any, op: str) -> tuple:
    if x.shape.rank is None or x.shape.rank < 2 or None in (x.shape[-2], x.shape[-1]):
        raise ShapeError(f"{op}: needs [..., M, N] matrices (rank >= 2) with known M and "
                         f"N, received {rules.describe(x)}.")
    return x.shape[-2], x.shape[-1]


def diag_part(input: Any, name: str = "diag_part", k: Any = 0, padding_value: Any = 0,
              align: str = "RIGHT_LEFT") -> Any:
    """The k-th diagonal of the last two axes (`[..., M, N]` -> `[..., L]`), or the band
    k = (k0, k1) stacked from k1 down (`[..., k1 - k0 + 1, L]`), short diagonals padded
    with `padding_value` as `align` says (TF's `tf.linalg.diag_part`).

    Example:
        >>> import ember as tf
        >>> x = tf.constant([[1, 2, 3], [4, 5, 6]])
        >>> tf.linalg.diag_part(x).numpy(), tf.linalg.diag_part(x, k=1).numpy()
        (array([1, 5], dtype=int32), array([2, 6], dtype=int32))
    """
    x = as_tensor(input)
    rows, cols = _known_matrix(x, "diag_part")
    k0, k1 = _band(k, "diag_part")
    width, e = _layout(rows, cols, k0, k1, align, "diag_part")
    nd = k1 - k0 + 1
    src = np.zeros((nd, width), np.int64)
    valid = np.zeros((nd, width), bool)
    src[e[:, 0], e[:, 1]] = e[:, 2] * cols + e[:, 3]
    valid[e[:, 0], e[:, 1]] = True
    flat = reshape(x, [-1 if d is None else d for d in x.shape[:-2]] + [rows * cols])
    out = gather(flat, as_tensor(src), axis=-1)
    if not valid.all():
        out = m.where(as_tensor(valid), out, cast(as_tensor(padding_value), x.dtype))
    return out[..., 0, :] if k0 == k1 else out


def _spread(diagonal: Any, base: Any, rows: int, cols: int, k0: int, k1: int, align: str,
            op: str) -> Any:
    """`base` with the band's positions taken from `diagonal`."""
    width, e = _layout(rows, cols, k0, k1, align, op)
    nd = k1 - k0 + 1
    d = diagonal
    want = (width,) if k0 == k1 else (nd, width)
    got = tuple(d.shape)[-len(want):] if d.shape.rank is not None else None
    if got is None or len(got) < len(want) or any(
            g is not None and g != w for g, w in zip(got, want)):
        raise ShapeError(f"{op}: the diagonal must end in {list(want)} for k=({k0}, {k1}) "
                         f"and [{rows}, {cols}] matrices, received {rules.describe(d)}.")
    if k0 == k1:
        d = d[..., None, :]
    src = np.zeros((rows, cols), np.int64)
    mask = np.zeros((rows, cols), bool)
    src[e[:, 2], e[:, 3]] = e[:, 0] * width + e[:, 1]
    mask[e[:, 2], e[:, 3]] = True
    flat = reshape(d, [-1 if s is None else s for s in d.shape[:-2]] + [nd * width])
    return m.where(as_tensor(mask), gather(flat, as_tensor(src), axis=-1), base)


def set_diag(input: Any, diagonal: Any, name: str = "set_diag", k: Any = 0,
             align: str = "RIGHT_LEFT") -> Any:
    """`input` with its k-th diagonal (or the band k = (k0, k1), stacked from k1 down,
    aligned as `align` says) replaced by `diagonal` (TF's `tf.linalg.set_diag`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.set_diag(tf.zeros((2, 3)), tf.constant([1.0, 2.0]), k=1).numpy()
        array([[0., 1., 0.],
               [0., 0., 2.]], dtype=float32)
    """
    x = as_tensor(input)
    rows, cols = _known_matrix(x, "set_diag")
    k0, k1 = _band(k, "set_diag")
    return _spread(cast(as_tensor(diagonal), x.dtype), x, rows, cols, k0, k1, align,
                   "set_diag")


def diag(diagonal: Any, name: str = "diag", k: Any = 0, num_rows: int = -1,
         num_cols: int = -1, padding_value: Any = 0, align: str = "RIGHT_LEFT") -> Any:
    """Batched matrices with `diagonal` on the k-th diagonal (or the band k = (k0, k1))
    and `padding_value` elsewhere; their size is the smallest that holds the band unless
    `num_rows` / `num_cols` say (TF's `tf.linalg.diag`).

    Example:
        >>> import ember as tf
        >>> tf.linalg.diag(tf.constant([1.0, 2.0])).numpy()
        array([[1., 0.],
               [0., 2.]], dtype=float32)
        >>> tf.linalg.diag(tf.constant([1, 2]), k=-1).numpy().tolist()
        [[0, 0, 0], [1, 0, 0], [0, 2, 0]]
    """
    d = as_tensor(diagonal)
    if d.shape.rank is None or d.shape.rank < 1 or d.shape[-1] is None:
        raise ShapeError(f"diag: diagonal must have rank >= 1 and a known last dim, "
                         f"received {rules.describe(d)}.")
    k0, k1 = _band(k, "diag")
    width = d.shape[-1]
    min_rows, min_cols = width - min(k1, 0), width + max(k0, 0)
    if num_rows == -1 and num_cols == -1:
        num_rows = num_cols = max(min_rows, min_cols)
    elif num_rows == -1:
        num_rows = min_rows
    elif num_cols == -1:
        num_cols = min_cols
    # the padding, a scalar, broadcasts against the band's gather in the select
    return _spread(d, cast(as_tensor(padding_value), d.dtype), num_rows, num_cols, k0, k1,
                   align, "diag")

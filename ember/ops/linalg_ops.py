"""Linear algebra for users: the primitives' ops `matmul` (the `@` operator) and `einsum`
(`prims/linalg.py`), and the composites written with them: matvec and tensordot (norm,
diag, trace, ... are in `linalg_extra.py`).

Example:
    >>> import ember as tf
    >>> tf.tensordot(tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0]), 1).numpy()
    np.float32(11.0)
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..core import rules
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.registry import bind
from ..core.shape import TensorSpec
from ..core.tensor import TensorOps
from ..prims import fusion_einsum  # noqa: F401 - registers the executor's fused products
from ..prims.convert import pair
from ..prims.linalg import _LETTERS, einsum, einsum_p, matmul  # noqa: F401 - re-exported

__all__ = ["matmul", "einsum", "tensordot", "matvec"]


def matvec(a: Any, b: Any, transpose_a: bool = False, adjoint_a: bool = False,
           a_is_sparse: bool = False, b_is_sparse: bool = False,
           name: str | None = None) -> Any:
    """The matrix-vector product over the last axes: `a [..., M, N]`, `b [..., N]` ->
    `[..., M]`.

    Example:
        >>> import ember as tf
        >>> tf.linalg.matvec(tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant([1.0, 1.0])).numpy()
        array([3., 7.], dtype=float32)
    """
    a, b = pair(a, b)
    if b.shape.rank is not None and b.shape.rank < 1:
        raise ShapeError(f"matvec: b must be a vector (or a batch of them), received a "
                         f"scalar {rules.describe(TensorSpec(b.shape, b.dtype))}.")
    col = matmul(a, b[..., None], transpose_a=transpose_a, adjoint_a=adjoint_a)
    return col[..., 0]


# -- tensordot -------------------------------------------------------------------

def _int(v: Any, what: str) -> int:
    if isinstance(v, TensorOps):
        v = v.numpy()
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Integral, np.integer)):
        raise InvalidArgumentError(f"tensordot: {what} must be integers, received {v!r}.")
    return int(v)


def _tensordot_axes(axes: Any, ra: int, rb: int) -> tuple[list, list]:
    if isinstance(axes, TensorOps):
        axes = axes.numpy().tolist()
    elif isinstance(axes, np.ndarray):
        axes = axes.tolist()
    if isinstance(axes, (numbers.Integral, np.integer)) and not isinstance(axes, bool):
        n = int(axes)
        if n < 0 or n > ra or n > rb:
            raise InvalidArgumentError(
                f"tensordot: axes={n} must be in [0, min(rank(a), rank(b))] = "
                f"[0, {min(ra, rb)}].")
        return list(range(ra - n, ra)), list(range(n))
    if not isinstance(axes, (list, tuple)) or len(axes) != 2:
        raise InvalidArgumentError(
            f"tensordot: axes must be an int or a pair [a_axes, b_axes], received {axes!r}.")
    pa, pb = ([x] if not isinstance(x, (list, tuple)) else list(x) for x in axes)
    pa = [_int(v, "axes") for v in pa]
    pb = [_int(v, "axes") for v in pb]
    if len(pa) != len(pb):
        raise InvalidArgumentError(
            f"tensordot: a_axes {pa} and b_axes {pb} must have the same length.")
    pa = [rules.normalize_axis("tensordot", v, ra) for v in pa]
    pb = [rules.normalize_axis("tensordot", v, rb) for v in pb]
    if len(set(pa)) != len(pa) or len(set(pb)) != len(pb):
        raise InvalidArgumentError(f"tensordot: axes {axes!r} repeat an axis.")
    return pa, pb


def tensordot(a: Any, b: Any, axes: Any, name: str | None = None) -> Any:
    """Sums the products of `a` and `b` over `axes` (TF's `tf.tensordot`): an int N
    contracts the last N axes of a with the first N of b; a pair [a_axes, b_axes]
    contracts those axes pairwise. The result has a's free axes, then b's.

    Example:
        >>> import ember as tf
        >>> u = tf.constant([1.0, 2.0, 3.0])
        >>> tf.tensordot(u, u, 1).numpy(), tf.tensordot(u, u, 0).shape
        (np.float32(14.0), TensorShape([3, 3]))
    """
    a, b = pair(a, b)
    ra, rb = a.shape.rank, b.shape.rank
    if ra is None or rb is None:
        raise ShapeError("tensordot: needs operands of known rank.")
    if ra + rb > len(_LETTERS):
        raise ShapeError(f"tensordot: rank(a) + rank(b) = {ra + rb} is too large "
                         f"(at most {len(_LETTERS)}).")
    pa, pb = _tensordot_axes(axes, ra, rb)
    for i, j in zip(pa, pb):
        da, db = a.shape[i], b.shape[j]
        if da is not None and db is not None and da != db:
            raise ShapeError(
                f"tensordot: contracted axes don't match: axis {i} of "
                f"{rules.describe(TensorSpec(a.shape, a.dtype))} has size {da} but axis "
                f"{j} of {rules.describe(TensorSpec(b.shape, b.dtype))} has size {db}.")
    sa = list(_LETTERS[:ra])
    sb = list(_LETTERS[ra:ra + rb])
    for i, j in zip(pa, pb):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in pa] + \
          [c for j, c in enumerate(sb) if j not in pb]
    return bind(einsum_p, a, b, equation=f"{''.join(sa)},{''.join(sb)}->{''.join(out)}")

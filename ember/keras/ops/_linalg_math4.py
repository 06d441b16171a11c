"""Keras 3's linear algebra built on the SVD of `_linalg_math2.py` (`pinv`, `lstsq`,
`matrix_rank`, `norm`), and `jvp` by double backward (two nested GradientTapes).

Example:
    >>> from ember import keras
    >>> float(keras.ops.linalg.norm([[3.0, 0.0], [0.0, 4.0]], ord=2))
    4.0
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...core import nest
from ...ops import array_ops as A
from ...ops import linalg_ops as L
from ...ops import math_ops as M
from ...ops import reduce_ops as R
from ...ops.gradient_tape import GradientTape
from ...prims.convert import cast
from ._dtypes import result_type, to_tensor
from ._linalg_math2 import _float, _matrix, _mT, _safe, _svd

__all__ = ["jvp", "lstsq", "matrix_rank", "norm", "pinv"]


# -- SVD users -----------------------------------------------------------------------

def _eps(dtype: str) -> float:
    return float(np.finfo(dtype).eps)


def pinv(x: Any, rcond: float | None = None) -> Any:
    """The Moore-Penrose pseudo-inverse (by SVD); singular values below rcond * max(s)
    count as 0 (default rcond: 10 * max(m, n) * eps, as TensorFlow).

    Example:
        >>> from ember import keras
        >>> keras.ops.linalg.pinv([[2.0, 0.0], [0.0, 0.0]]).numpy()
        array([[0.5, 0. ],
               [0. , 0. ]], dtype=float32)
    """
    a, m, n = _matrix(x, "pinv", square=False)
    cut = 10.0 * max(m, n) * _eps(a.dtype.name) if rcond is None else rcond
    u, s, vh = _svd(a, False, True)
    keep = M.greater(s, M.multiply(R.reduce_max(s, axis=-1, keepdims=True), cut))
    s_inv = M.where(keep, M.divide(1.0, _safe(s)), M.multiply(s, 0.0))
    return L.matmul(M.multiply(_mT(vh), A.expand_dims(s_inv, -2)), _mT(u))


def matrix_rank(x: Any, tol: float | None = None) -> Any:
    """The number of singular values above `tol` (default max(s) * max(m, n) * eps),
    int32.

    Example:
        >>> from ember import keras
        >>> int(keras.ops.linalg.matrix_rank([[1.0, 2.0], [2.0, 4.0]]))
        1
    """
    a, m, n = _matrix(x, "matrix_rank", square=False)
    s = _svd(a, False, False)
    if tol is None:
        tol = M.multiply(R.reduce_max(s, axis=-1, keepdims=True),
                         max(m, n) * _eps(a.dtype.name))
    return R.reduce_sum(cast(M.greater(s, tol), "int32"), axis=-1)


def lstsq(a: Any, b: Any, rcond: float | None = None) -> Any:
    """The least-squares solution x of a x = b for a (m, n), b (m,) or (m, k), by SVD;
    singular values below rcond * s[0] are dropped (default eps * max(m, n)).

    Example:
        >>> from ember import keras
        >>> keras.ops.linalg.lstsq([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]],
        ...                        [1.0, 2.0, 3.0]).numpy().round(4)
        array([1., 2.], dtype=float32)
    """
    a_t, b_t = _float(a), _float(b)
    dtype = result_type(a_t.dtype.name, b_t.dtype.name)
    a_t, b_t = cast(a_t, dtype), cast(b_t, dtype)
    if a_t.shape.rank != 2:
        raise TypeError(f"keras.ops.linalg.lstsq: {a_t.shape.rank}-dimensional array "
                        f"given; a must be two-dimensional.")
    if b_t.shape.rank not in (1, 2):
        raise TypeError(f"keras.ops.linalg.lstsq: {b_t.shape.rank}-dimensional array "
                        f"given; b must be one- or two-dimensional.")
    if a_t.shape[0] != b_t.shape[0]:
        raise ValueError(f"keras.ops.linalg.lstsq: leading dimensions of a and b must "
                         f"match, received shapes {a_t.shape} and {b_t.shape}.")
    m, n = a_t.shape
    vector = b_t.shape.rank == 1
    rhs = A.expand_dims(b_t, -1) if vector else b_t
    cut = _eps(dtype) * max(m, n) if rcond is None else (rcond if rcond >= 0 else _eps(dtype))
    u, s, vh = _svd(a_t, False, True)
    keep = M.greater_equal(s, M.multiply(s[..., :1], cut))
    s_inv = M.where(keep, M.divide(1.0, _safe(s)), M.multiply(s, 0.0))
    out = L.matmul(_mT(vh), M.multiply(A.expand_dims(s_inv, -1), L.matmul(_mT(u), rhs)))
    return out[..., 0] if vector else out


def _norm_axes(axis: Any, ndim: int) -> tuple:
    axes = tuple(range(ndim)) if axis is None else \
        (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if any(not -ndim <= ax < ndim for ax in axes):
        raise ValueError(f"keras.ops.linalg.norm: all axis values must be in the range "
                         f"[-ndim, ndim); received an input of ndim={ndim} and "
                         f"axis={axis}.")
    return tuple(int(ax) % ndim for ax in axes)


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """A vector norm (one axis; `ord` None/2, inf, -inf, 0 or any p) or a matrix norm
    (two axes; `ord` None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf), as NumPy's.

    Example:
        >>> from ember import keras
        >>> float(keras.ops.linalg.norm([3.0, 4.0]))
        5.0
    """
    t = to_tensor(x)
    dtype = "float32" if t.dtype.name == "int64" else result_type(t.dtype.name, float)
    t = cast(t, dtype) if t.dtype.name != dtype else t
    ndim = t.shape.rank
    axes = _norm_axes(axis, ndim)
    if axis is None and ord is not None and ndim > 2:
        raise ValueError(f"keras.ops.linalg.norm: an ord needs axis for inputs of more "
                         f"than 2 dimensions, received ndim={ndim}.")
    if axis is None and ord is None:
        return _keep(M.sqrt(R.reduce_sum(M.square(M.abs(t)), axis=list(axes))), axes,
                     keepdims)
    if len(axes) == 1:
        return _vector_norm(t, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(t, ord, axes, keepdims)
    raise ValueError(f"keras.ops.linalg.norm: invalid axis values, received axis={axis}.")


def _keep(out: Any, axes: tuple, keepdims: bool) -> Any:
    if keepdims:
        for ax in sorted(axes):
            out = A.expand_dims(out, ax)
    return out


def _vector_norm(t: Any, ord: Any, ax: int, keepdims: bool) -> Any:
    mag = M.abs(t)
    if ord is None or ord == 2:
        return M.sqrt(R.reduce_sum(M.square(mag), axis=ax, keepdims=keepdims))
    if isinstance(ord, str):
        raise ValueError(f"keras.ops.linalg.norm: invalid ord argument for a vector norm, "
                         f"received ord={ord!r}.")
    if ord == float("inf"):
        return R.reduce_max(mag, axis=ax, keepdims=keepdims)
    if ord == float("-inf"):
        return R.reduce_min(mag, axis=ax, keepdims=keepdims)
    if ord == 0:
        return R.reduce_sum(cast(M.not_equal(t, 0.0), t.dtype.name), axis=ax,
                            keepdims=keepdims)
    total = R.reduce_sum(M.pow(mag, float(ord)), axis=ax, keepdims=keepdims)
    return M.pow(total, 1.0 / float(ord))


def _matrix_norm(t: Any, ord: Any, axes: tuple, keepdims: bool) -> Any:
    row, col = axes
    if row == col:
        raise ValueError(f"keras.ops.linalg.norm: duplicate axes given, axis={axes}.")
    mag = M.abs(t)
    if ord is None or ord == "fro":
        return M.sqrt(R.reduce_sum(M.square(mag), axis=list(axes), keepdims=keepdims))
    if ord in (1, -1, float("inf"), float("-inf")) and not isinstance(ord, bool):
        summed, other = (row, col) if ord in (1, -1) else (col, row)
        sums = R.reduce_sum(mag, axis=summed, keepdims=True)
        pick = R.reduce_max if ord in (1, float("inf")) else R.reduce_min
        return _keep(A.squeeze(pick(sums, axis=other, keepdims=True), list(axes)), axes,
                     keepdims)
    if ord in ("nuc", 2, -2):
        rank = t.shape.rank
        rest = [i for i in range(rank) if i not in axes]
        s = _svd(A.transpose(t, rest + [row, col]), False, False)
        out = R.reduce_sum(s, axis=-1) if ord == "nuc" else \
            (R.reduce_max if ord == 2 else R.reduce_min)(s, axis=-1)
        return _keep(out, axes, keepdims)
    raise ValueError(f"keras.ops.linalg.norm: invalid ord argument for a matrix norm, "
                     f"received ord={ord!r}.")


# -- jvp -----------------------------------------------------------------------------

def jvp(fun: Callable, primals: Any, tangents: Any, has_aux: bool = False) -> tuple:
    """The Jacobian-vector product of `fun` at `primals` along `tangents`: (outputs,
    tangents_out), plus `fun`'s aux output where has_aux. Built by double backward
    (two nested GradientTapes), so eager only.

    Example:
        >>> from ember import keras
        >>> import ember as tf
        >>> out, tangent = keras.ops.linalg.jvp(lambda x: x ** 2, (tf.constant(3.0),),
        ...                                     (tf.constant(1.0),))
        >>> float(out), float(tangent)
        (9.0, 6.0)
    """
    if not callable(fun):
        raise TypeError(f"keras.ops.linalg.jvp: fun must be callable, received {fun!r}.")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("keras.ops.linalg.jvp: primals and tangents must be tuples (one "
                        "entry per argument of fun).")
    flat_p, flat_t = nest.flatten(list(primals)), nest.flatten(list(tangents))
    if len(flat_p) != len(flat_t):
        raise ValueError(f"keras.ops.linalg.jvp: primals and tangents must have the same "
                         f"structure, received {len(flat_p)} and {len(flat_t)} tensors.")
    xs = [to_tensor(p) for p in flat_p]
    ts = [cast(to_tensor(t), x.dtype.name) for t, x in zip(flat_t, xs)]
    args = nest.pack_sequence_as(list(primals), xs)
    with GradientTape(persistent=True) as outer:
        with GradientTape(persistent=True) as inner:
            inner.watch(xs)
            result = fun(*args)
        out, aux = (result[0], result[1]) if has_aux else (result, None)
        flat_out = nest.flatten(out)
        us = [M.multiply(to_tensor(o), 0.0) if to_tensor(o).dtype.is_floating else None
              for o in flat_out]
        outer.watch([u for u in us if u is not None])
        pairs = [(o, u) for o, u in zip(flat_out, us) if u is not None]
        grads = inner.gradient([o for o, _ in pairs], xs,
                               output_gradients=[u for _, u in pairs]) if pairs else []
    tangents_out = []
    for o, u in zip(flat_out, us):
        if u is None:
            tangents_out.append(M.multiply(cast(to_tensor(o), "float32"), 0.0))
            continue
        live = [(g, t) for g, t in zip(grads, ts) if g is not None]
        jv = outer.gradient([g for g, _ in live], u, output_gradients=[t for _, t in live]) \
            if live else None
        tangents_out.append(M.multiply(u, 0.0) if jv is None else jv)
    tangents_out = nest.pack_sequence_as(out, tangents_out)
    return (out, tangents_out, aux) if has_aux else (out, tangents_out)

"""Keras 3's products (`matmul`, `dot`, `einsum`, `tensordot`, ...), `cdist` and the
complex views, on ember's ops; with the linear algebra of `_linalg_math2.py` and
`_linalg_math4.py` and the FFT/signal math of `_linalg_math3.py` re-exported here.

Integer and boolean operands follow Keras 3: the result has the operands' promoted dtype
(`int8 @ int8` is int32, as JAX); booleans are multiplied as floats and cast back.
`LINALG_NAMES` are the ops of `keras.ops.linalg` (also at the top level).

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> keras.ops.matmul(np.ones((2, 3), "int8"), np.ones((3,), "int8")).numpy()
    array([3, 3], dtype=int32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ops import array_ops as A
from ...ops import linalg_ops as L
from ...ops import math_ops as M
from ...ops import reduce_ops as R
from ...ops.gather_ops import gather
from ...prims.convert import cast
from ._dtypes import dtype_of, promote, result_type, to_tensor
from ._linalg_math2 import *  # noqa: F401,F403
from ._linalg_math2 import __all__ as _ALL2
from ._linalg_math3 import *  # noqa: F401,F403
from ._linalg_math3 import __all__ as _ALL3
from ._linalg_math4 import *  # noqa: F401,F403
from ._linalg_math4 import __all__ as _ALL4

LINALG_NAMES = ["cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp",
                "lstsq", "lu_factor", "matrix_rank", "norm", "pinv", "qr", "solve",
                "solve_triangular", "svd"]

__all__ = ["cross", "correlate", "dot", "einsum", "inner", "kron", "matmul", "outer",
           "tensordot", "vdot", "cdist", "view_as_complex", "view_as_real"] + \
    list(_ALL2) + list(_ALL3) + list(_ALL4)


# -- helpers -------------------------------------------------------------------------

def _operands(x1: Any, x2: Any) -> tuple:
    """Both operands in their Keras result dtype, and that dtype."""
    a, b = promote(x1, x2)
    return a, b, a.dtype.name


def _computable(x: Any) -> Any:
    """Booleans have no products in ember: multiply them as floats."""
    return cast(x, "float32") if x.dtype.name == "bool" else x


def _finish(out: Any, dtype: str) -> Any:
    return out if out.dtype.name == dtype else cast(out, dtype)


def _rank(x: Any, op: str) -> int:
    rank = x.shape.rank
    if rank is None:
        raise ValueError(f"keras.ops.{op}: needs operands of known rank, received shape "
                         f"{x.shape}.")
    return rank


def _static_dims(x: Any, op: str) -> list:
    dims = list(x.shape)
    if any(d is None for d in dims):
        raise ValueError(f"keras.ops.{op}: needs a fully known shape, received {x.shape}.")
    return dims


def _moveaxis(x: Any, source: int, dest: int) -> Any:
    rank = x.shape.rank
    source, dest = source % rank, dest % rank
    if source == dest:
        return x
    perm = [i for i in range(rank) if i != source]
    perm.insert(dest, source)
    return A.transpose(x, perm)


# -- products ------------------------------------------------------------------------

def matmul(x1: Any, x2: Any) -> Any:
    """The matrix product of `x1` and `x2` (NumPy's `matmul`: batch dims broadcast; a 1-D
    operand is a vector). `int8 @ int8` gives int32.

    Example:
        >>> from ember import keras
        >>> keras.ops.matmul([[1.0, 2.0]], [[3.0], [4.0]]).numpy()
        array([[11.]], dtype=float32)
    """
    a, b = to_tensor(x1), to_tensor(x2)
    if a.dtype.name == "int8" and b.dtype.name == "int8":
        a, b, dtype = cast(a, "int32"), cast(b, "int32"), "int32"
    else:
        a, b, dtype = _operands(a, b)
    ra, rb = _rank(a, "matmul"), _rank(b, "matmul")
    if ra == 0 or rb == 0:
        raise ValueError(f"keras.ops.matmul: operands must not be scalars, received shapes "
                         f"{a.shape} and {b.shape}; use keras.ops.multiply.")
    a2 = A.expand_dims(a, 0) if ra == 1 else a
    b2 = A.expand_dims(b, -1) if rb == 1 else b
    out = L.matmul(_computable(a2), _computable(b2))
    if rb == 1:
        out = A.squeeze(out, -1)
    if ra == 1:
        out = A.squeeze(out, -2)
    return _finish(out, dtype)


def tensordot(x1: Any, x2: Any, axes: Any = 2) -> Any:
    """Sums products over `axes` (an int: the last `axes` of `x1` with the first of `x2`;
    or a pair of axis lists).

    Example:
        >>> from ember import keras
        >>> float(keras.ops.tensordot([1.0, 2.0], [3.0, 4.0], axes=1))
        11.0
    """
    a, b, dtype = _operands(x1, x2)
    return _finish(L.tensordot(_computable(a), _computable(b), axes), dtype)


def dot(x1: Any, x2: Any) -> Any:
    """NumPy's `dot`: a scalar operand multiplies; otherwise the last axis of `x1` is
    contracted with the last axis of a 1-D `x2`, else with its second-to-last.

    Example:
        >>> from ember import keras
        >>> keras.ops.dot([[1, 2], [3, 4]], [1, 1]).numpy()
        array([3, 7], dtype=int32)
    """
    a, b, dtype = _operands(x1, x2)
    ra, rb = _rank(a, "dot"), _rank(b, "dot")
    a, b = _computable(a), _computable(b)
    if ra == 0 or rb == 0:
        out = M.multiply(a, b)
    else:
        out = L.tensordot(a, b, [[ra - 1], [rb - 1 if rb == 1 else rb - 2]])
    return _finish(out, dtype)


def inner(x1: Any, x2: Any) -> Any:
    """NumPy's `inner`: sums products over the last axes of both (a scalar multiplies).

    Example:
        >>> from ember import keras
        >>> float(keras.ops.inner([1.0, 2.0], [3.0, 4.0]))
        11.0
    """
    a, b, dtype = _operands(x1, x2)
    ra, rb = _rank(a, "inner"), _rank(b, "inner")
    a, b = _computable(a), _computable(b)
    if ra == 0 or rb == 0:
        return _finish(M.multiply(a, b), dtype)
    return _finish(L.tensordot(a, b, [[ra - 1], [rb - 1]]), dtype)


def vdot(x1: Any, x2: Any) -> Any:
    """The dot product of the flattened operands (the first conjugated if complex).

    Example:
        >>> from ember import keras
        >>> float(keras.ops.vdot([[1.0, 2.0]], [[3.0, 4.0]]))
        11.0
    """
    a, b, dtype = _operands(x1, x2)
    a, b = A.reshape(_computable(a), [-1]), A.reshape(_computable(b), [-1])
    if a.dtype.is_complex:
        a = M.conj(a)
    return _finish(L.tensordot(a, b, 1), dtype)


def outer(x1: Any, x2: Any) -> Any:
    """The outer product of the flattened operands: shape (x1.size, x2.size).

    Example:
        >>> from ember import keras
        >>> keras.ops.outer([1, 2], [3, 4]).numpy()
        array([[3, 4],
               [6, 8]], dtype=int32)
    """
    a, b, dtype = _operands(x1, x2)
    out = M.multiply(A.reshape(_computable(a), [-1, 1]), A.reshape(_computable(b), [1, -1]))
    return _finish(out, dtype)


def kron(x1: Any, x2: Any) -> Any:
    """The Kronecker product (NumPy's `kron`; the lower-rank operand gets leading 1s).

    Example:
        >>> from ember import keras
        >>> keras.ops.kron([1, 2], [1, 10]).numpy()
        array([ 1, 10,  2, 20], dtype=int32)
    """
    a, b, dtype = _operands(x1, x2)
    rank = max(_rank(a, "kron"), _rank(b, "kron"))
    sa = [1] * (rank - a.shape.rank) + _static_dims(a, "kron")
    sb = [1] * (rank - b.shape.rank) + _static_dims(b, "kron")
    a = A.reshape(_computable(a), [d for s in sa for d in (s, 1)])
    b = A.reshape(_computable(b), [d for s in sb for d in (1, s)])
    out = A.reshape(M.multiply(a, b), [p * q for p, q in zip(sa, sb)])
    return _finish(out, dtype)


def einsum(subscripts: str, *operands: Any, **kwargs: Any) -> Any:
    """Einstein summation over `operands` as `subscripts` says ('ij,jk->ik', '...ii->...i'
    is not supported: repeated labels in the output are not allowed). Only int8 operands
    give int32, as JAX.

    Example:
        >>> from ember import keras
        >>> keras.ops.einsum("i,i->", [1.0, 2.0], [3.0, 4.0]).numpy()
        np.float32(11.0)
    """
    if not isinstance(subscripts, str):
        raise TypeError(f"keras.ops.einsum: subscripts must be a string like 'ij,jk->ik', "
                        f"received {subscripts!r}.")
    if not operands:
        raise ValueError("keras.ops.einsum: needs at least one operand.")
    kinds = {result_type(dtype_of(x)) for x in operands}
    if kinds == {"int8"}:
        tensors = promote(*operands, dtype="int32")
    else:
        tensors = promote(*operands)
    dtype = tensors[0].dtype.name
    return _finish(L.einsum(subscripts, *[_computable(t) for t in tensors], **kwargs), dtype)


def _cross_arg(x: Any, axis: int, name: str) -> Any:
    x = _moveaxis(x, axis, -1)
    n = x.shape[-1]
    if n not in (2, 3):
        raise ValueError(f"keras.ops.cross: {name} must have 2 or 3 entries along its "
                         f"vector axis, received shape {x.shape} (axis {axis}).")
    return x


def cross(x1: Any, x2: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Any:
    """The cross product of vectors of 2 or 3 entries along `axisa` / `axisb` (`axis`
    sets all three); two 2-vectors give the z component only.

    Example:
        >>> from ember import keras
        >>> keras.ops.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]).numpy()
        array([0., 0., 1.], dtype=float32)
    """
    a, b, dtype = _operands(x1, x2)
    if dtype == "bool":
        raise TypeError("keras.ops.cross: boolean operands are not supported (the cross "
                        "product subtracts); cast them to a numeric dtype first.")
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = _cross_arg(a, axisa, "x1"), _cross_arg(b, axisb, "x2")
    two = a.shape[-1] == 2 and b.shape[-1] == 2
    a1, a2, a3 = _components(a)
    b1, b2, b3 = _components(b)
    z = M.subtract(M.multiply(a1, b2), M.multiply(a2, b1))
    if two:
        return z
    x = M.subtract(M.multiply(a2, b3), M.multiply(a3, b2))
    y = M.subtract(M.multiply(a3, b1), M.multiply(a1, b3))
    return _moveaxis(A.stack(_broadcast(x, y, z), -1), -1, axisc)


def _components(v: Any) -> tuple:
    parts = [v[..., i] for i in range(v.shape[-1])]
    if len(parts) == 2:
        parts.append(M.multiply(parts[0], 0))
    return tuple(parts)


def _broadcast(*xs: Any) -> list:
    total = xs[0]
    for x in xs[1:]:
        total = M.add(total, M.multiply(x, 0))
    return [M.add(x, M.multiply(total, 0)) for x in xs]


def correlate(x1: Any, x2: Any, mode: str = "valid") -> Any:
    """The cross-correlation of two 1-D sequences (NumPy's `correlate`), `mode` 'valid',
    'same' or 'full'. Integers give float32 (int64: float64).

    Example:
        >>> from ember import keras
        >>> keras.ops.correlate([1.0, 2.0, 3.0], [0.0, 1.0], mode="full").numpy()
        array([1., 2., 3., 0.], dtype=float32)
    """
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"keras.ops.correlate: invalid mode {mode!r}; it must be one of "
                         f"'full', 'same', 'valid'.")
    dtype = result_type(dtype_of(x1), dtype_of(x2))
    dtype = "float64" if dtype == "int64" else \
        dtype if dtype in ("bfloat16", "float16", "float64") else "float32"
    a, b = promote(x1, x2, dtype=dtype)
    if a.shape.rank != 1 or b.shape.rank != 1:
        raise ValueError(f"keras.ops.correlate: both inputs must be 1-D, received shapes "
                         f"{a.shape} and {b.shape}.")
    n, m = _static_dims(a, "correlate")[0], _static_dims(b, "correlate")[0]
    if n == 0 or m == 0:
        raise ValueError("keras.ops.correlate: inputs must not be empty.")
    padded = A.pad(a, [[m - 1, m - 1]])  # full: out[k] = sum_j a[k - m + 1 + j] * b[j]
    idx = np.arange(n + m - 1)[:, None] + np.arange(m)[None, :]
    full = L.tensordot(gather(padded, idx.astype("int32")), b, 1)
    length = {"full": n + m - 1, "same": max(n, m), "valid": max(n, m) - min(n, m) + 1}[mode]
    start = (n + m - 1 - length) // 2 if mode == "same" else \
        (min(n, m) - 1 if mode == "valid" else 0)
    return full[start:start + length]


# -- distances, complex views ----------------------------------------------------------

def cdist(x: Any, y: Any) -> Any:
    """Euclidean distances between the rows of `x` (..., m, d) and `y` (..., n, d):
    shape (..., m, n).

    Example:
        >>> from ember import keras
        >>> keras.ops.cdist([[0.0, 0.0]], [[3.0, 4.0], [0.0, 1.0]]).numpy()
        array([[5., 1.]], dtype=float32)
    """
    a, b = to_tensor(x), to_tensor(y)
    if _rank(a, "cdist") < 2 or _rank(b, "cdist") < 2:
        raise ValueError(f"keras.ops.cdist: inputs must have rank >= 2, received shapes "
                         f"{a.shape} and {b.shape}.")
    if a.shape[-1] is not None and b.shape[-1] is not None and a.shape[-1] != b.shape[-1]:
        raise ValueError(f"keras.ops.cdist: the last dimensions of the inputs must match, "
                         f"received shapes {a.shape} and {b.shape}.")
    a, b = promote(a, b)
    diff = M.subtract(A.expand_dims(a, -2), A.expand_dims(b, -3))
    return M.sqrt(R.reduce_sum(M.square(diff), axis=-1))


def view_as_complex(x: Any) -> Any:
    """A complex tensor from a real one whose last axis (of size 2) holds the real and
    imaginary parts.

    Example:
        >>> from ember import keras
        >>> keras.ops.view_as_complex([[1.0, 2.0]]).numpy()
        array([1.+2.j], dtype=complex64)
    """
    t = to_tensor(x)
    if t.shape.rank is None or t.shape.rank == 0 or t.shape[-1] != 2:
        raise ValueError(f"keras.ops.view_as_complex: the last dimension must be 2 (real "
                         f"and imaginary parts), received shape {t.shape}.")
    if not t.dtype.is_floating:
        t = cast(t, result_type(t.dtype.name, float))
    return M.complex(t[..., 0], t[..., 1])


def view_as_real(x: Any) -> Any:
    """A real tensor with a last axis of size 2 (real and imaginary parts) from a
    complex one.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> keras.ops.view_as_real(np.array([1 + 2j], "complex64")).numpy()
        array([[1., 2.]], dtype=float32)
    """
    t = to_tensor(x)
    if not t.dtype.is_complex:
        raise ValueError(f"keras.ops.view_as_real: the input must be complex, received "
                         f"dtype {t.dtype.name}.")
    return A.stack([M.real(t), M.imag(t)], axis=-1)

"""Keras 3's array-creation ops (`arange`, `eye`, `full`, `linspace`, the windows, ...),
the splits (`split`, `array_split`, `hsplit`, `vsplit`, `dsplit`), and the package's
door to the array-manipulation ops of `_numpy_array2.py` and `_numpy_array3.py`
(re-exported here: `from ._numpy_array import *` gives them all).

Creation ops take Python values (or concrete scalar tensors) for sizes; their dtypes
follow Keras 3: `ones`, `eye`, `full`, the windows -> floatx; `arange(3)` -> int32,
`arange(0.5)` -> float32; `linspace` -> the start/stop dtype promoted with float.
Values are built with ember's ops (`range`, comparisons, `cast`), so `linspace` and
friends also take tensors (KerasTensors too) for `start` and `stop`, with gradients.

Example:
    >>> from ember import keras
    >>> keras.ops.arange(3), keras.ops.ones((2,)).dtype
    (<tf.Tensor: shape=(3,), dtype=int32, numpy=array([0, 1, 2], dtype=int32)>, tf.float32)
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ...core.symbolic import SymbolicTensor
from ...core.tensor import ConcreteTensor
from ...ops import math_ops as M
from ...ops import shape_ops as S
from ...ops.creation_ops import ones_like as _ones_like
from ...ops.creation_ops import range as _range
from ...ops.creation_ops import zeros as _zeros
from ...ops.creation_ops import zeros_like as _zeros_like
from ...prims.convert import cast
from .. import config
from . import _numpy_array2, _numpy_array3
from ._dtypes import dtype_of, result_type, standardize_dtype, to_tensor
from ._numpy_array2 import *  # noqa: F401,F403
from ._numpy_array2 import along, axis_of, dims_of, need_rank, py_int, py_ints, rank_of, tie
from ._numpy_array3 import *  # noqa: F401,F403
from ._numpy_array3 import eye_mask, tri_mask

_CREATION = [
    "arange", "array", "array_split", "bartlett", "blackman", "dsplit", "empty",
    "empty_like", "eye", "full", "full_like", "geomspace", "hamming", "hanning", "hsplit",
    "identity", "kaiser", "linspace", "logspace", "ones", "ones_like", "split", "tri",
    "vsplit", "zeros", "zeros_like",
]
__all__ = sorted(_CREATION + _numpy_array2.__all__ + _numpy_array3.__all__)


def _float_dtype(dtype: Any, op: str) -> str:
    return config.floatx() if dtype is None else standardize_dtype(dtype)


def _shape(shape: Any, op: str) -> list:
    dims = py_ints(shape, op, "shape")
    if any(d < 0 for d in dims):
        raise ValueError(f"keras.ops.{op}: `shape` must be non-negative, received "
                         f"{shape}.")
    return dims


def _number(value: Any, op: str, what: str) -> float | int:
    """A Python number from a number or a concrete scalar tensor / array."""
    if isinstance(value, SymbolicTensor):
        raise ValueError(f"keras.ops.{op}: `{what}` must be a concrete number (the length "
                         f"of the result depends on it), received a symbolic tensor.")
    arr = np.asarray(value.numpy() if isinstance(value, ConcreteTensor) else value)
    if arr.ndim != 0 or arr.dtype.kind not in "biuf":
        raise TypeError(f"keras.ops.{op}: `{what}` must be a real scalar, received "
                        f"{value!r}.")
    return arr.item()


def _value_as(value: Any, dtype: str) -> Any:
    """`value` as a tensor of `dtype`, cast (truncating) where a conversion would lose
    values, as NumPy's `full`."""
    t = to_tensor(value)
    return t if t.dtype.name == dtype else cast(t, dtype)


# -- filled tensors -----------------------------------------------------------------------

def zeros(shape: Any, dtype: Any = None) -> Any:
    """A tensor of `shape` filled with 0 (dtype: floatx by default).

    Example:
        >>> from ember import keras
        >>> keras.ops.zeros((2,), dtype="int32").numpy()
        array([0, 0], dtype=int32)
    """
    return _zeros(_shape(shape, "zeros"), dtype=_float_dtype(dtype, "zeros"))


def ones(shape: Any, dtype: Any = None) -> Any:
    """A tensor of `shape` filled with 1 (dtype: floatx by default).

    Example:
        >>> from ember import keras
        >>> keras.ops.ones((2,)).numpy()
        array([1., 1.], dtype=float32)
    """
    return full(shape, 1, dtype)


def empty(shape: Any, dtype: Any = None) -> Any:
    """A tensor of `shape` (its values are zeros in ember; dtype: floatx by default).

    Example:
        >>> from ember import keras
        >>> keras.ops.empty((1, 2)).shape
        TensorShape([1, 2])
    """
    return zeros(shape, dtype)


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Any:
    """A tensor of `shape` filled with `fill_value` (broadcast; dtype: floatx by
    default).

    Example:
        >>> from ember import keras
        >>> keras.ops.full((2,), 7, dtype="int8").numpy()
        array([7, 7], dtype=int8)
    """
    value = _value_as(fill_value, _float_dtype(dtype, "full"))
    return S.broadcast_to(value, _shape(shape, "full"))


def _like_dtype(x: Any, dtype: Any) -> str | None:
    return None if dtype is None else standardize_dtype(dtype)


def zeros_like(x: Any, dtype: Any = None) -> Any:
    """Zeros of the shape (and, by default, dtype) of `x`.

    Example:
        >>> from ember import keras
        >>> keras.ops.zeros_like([1, 2]).numpy()
        array([0, 0], dtype=int32)
    """
    x = to_tensor(x)
    return tie(x, _zeros_like(x, dtype=_like_dtype(x, dtype)))


def ones_like(x: Any, dtype: Any = None) -> Any:
    """Ones of the shape (and, by default, dtype) of `x`.

    Example:
        >>> from ember import keras
        >>> keras.ops.ones_like([1, 2], dtype="float32").numpy()
        array([1., 1.], dtype=float32)
    """
    x = to_tensor(x)
    return tie(x, _ones_like(x, dtype=_like_dtype(x, dtype)))


def empty_like(x: Any, dtype: Any = None) -> Any:
    """A tensor of the shape (and, by default, dtype) of `x` (zeros in ember).

    Example:
        >>> from ember import keras
        >>> keras.ops.empty_like([[1, 2]]).shape
        TensorShape([1, 2])
    """
    return zeros_like(x, dtype)


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> Any:
    """`fill_value` broadcast to the shape of `x`, with `dtype` (default: that of `x`).

    Example:
        >>> from ember import keras
        >>> keras.ops.full_like([1, 2], 2.7).numpy()
        array([2, 2], dtype=int32)
    """
    x = to_tensor(x)
    dt = x.dtype.name if dtype is None else standardize_dtype(dtype)
    value = _value_as(fill_value, dt)
    return tie(x, S.broadcast_to(value, dims_of(x) if None not in x.shape else S.shape(x)))


def array(x: Any, dtype: Any = None) -> Any:
    """`x` as a tensor (Python ints -> int32, floats -> floatx; a tensor is cast to
    `dtype` when given).

    Example:
        >>> from ember import keras
        >>> keras.ops.array([1, 2], dtype="float32").numpy()
        array([1., 2.], dtype=float32)
    """
    return to_tensor(x, dtype)


# -- identity matrices and triangles ----------------------------------------------------

def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Any:
    """The `N` x `M` matrix with ones on its `k`-th diagonal (dtype: floatx by default).

    Example:
        >>> from ember import keras
        >>> keras.ops.eye(2, 3, k=1).numpy()
        array([[0., 1., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    n = py_int(N, "eye", "N")
    m = n if M is None else py_int(M, "eye", "M")
    if n < 0 or m < 0:
        raise ValueError(f"keras.ops.eye: `N` and `M` must be non-negative, received "
                         f"N={N}, M={M}.")
    return cast(eye_mask(n, m, py_int(k, "eye", "k")), _float_dtype(dtype, "eye"))


def identity(n: int, dtype: Any = None) -> Any:
    """The `n` x `n` identity matrix (dtype: floatx by default).

    Example:
        >>> from ember import keras
        >>> keras.ops.identity(2, dtype="int32").numpy()
        array([[1, 0],
               [0, 1]], dtype=int32)
    """
    return eye(n, n, 0, dtype)


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Any:
    """The `N` x `M` matrix with ones at and below its `k`-th diagonal, zeros above
    (dtype: floatx by default).

    Example:
        >>> from ember import keras
        >>> keras.ops.tri(2, 3, dtype="int32").numpy()
        array([[1, 0, 0],
               [1, 1, 0]], dtype=int32)
    """
    n = py_int(N, "tri", "N")
    m = n if M is None else py_int(M, "tri", "M")
    if n < 0 or m < 0:
        raise ValueError(f"keras.ops.tri: `N` and `M` must be non-negative, received "
                         f"N={N}, M={M}.")
    return cast(tri_mask(n, m, py_int(k, "tri", "k")), _float_dtype(dtype, "tri"))


# -- ranges ------------------------------------------------------------------------------

def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> Any:
    """The numbers `start`, `start + step`, ... below `stop` (`arange(n)`: 0 .. n-1).
    Default dtype: Keras' promotion of the arguments' (Python ints -> int32, floats ->
    floatx).

    Example:
        >>> from ember import keras
        >>> keras.ops.arange(1, 2, 0.25).numpy()
        array([1.  , 1.25, 1.5 , 1.75], dtype=float32)
    """
    if dtype is None:
        dtype = result_type(*(dtype_of(a) for a in (start, stop, step) if a is not None))
    dt = standardize_dtype(dtype)
    if stop is None:
        start, stop = 0, start
    lo, hi = _number(start, "arange", "start"), _number(stop, "arange", "stop")
    d = 1 if step is None else _number(step, "arange", "step")
    if d == 0:
        raise ValueError("keras.ops.arange: `step` must not be 0.")
    if dt == "bool" or "complex" in dt or dt == "string":
        raise TypeError(f"keras.ops.arange: dtype must be an integer or floating type, "
                        f"received {dt}.")
    n = max(0, math.ceil((hi - lo) / d))
    if n == 0:
        return _zeros([0], dtype=dt)
    exact = all(isinstance(v, int) for v in (lo, hi, d))
    wide = "int64" if exact and "int" in dt else "float64"
    if exact:
        out = _range(lo, lo + n * d, d, dtype=wide)
    else:
        out = M.add(M.multiply(_range(n, dtype="float64"), float(d)), float(lo))
    return out if out.dtype.name == dt else cast(out, dt)


def _spaced(op: str, start: Any, stop: Any, num: Any, endpoint: bool, dtype: str) -> tuple:
    """`num` evenly spaced values from `start` to `stop` along a new leading axis, in
    the floating `dtype`, and the step."""
    n = py_int(num, op, "num")
    if n < 0:
        raise ValueError(f"keras.ops.{op}: `num` must be a non-negative integer, received "
                         f"num={num}.")
    a, b = to_tensor(start, dtype), to_tensor(stop, dtype)
    rank = max(len(a.shape), len(b.shape))
    i = cast(S.reshape(_range(n, dtype="int64"), [n] + [1] * rank), dtype)
    div = n - 1 if endpoint else n
    delta = b - a
    if div > 0:
        step = delta / div
        values = a + i * step
    else:
        step = delta * float("nan")
        values = a + i * delta
    if endpoint and n > 1:
        values = M.where(M.equal(i, n - 1), b, values)
    return values, step, i, n


def _finish(op: str, values: Any, axis: Any, dtype: str) -> Any:
    rank = len(values.shape)
    ax = axis_of(op, axis, rank)
    if ax:
        values = S.transpose(values, list(range(1, ax + 1)) + [0] + list(range(ax + 1, rank)))
    if "int" in dtype:
        values = M.floor(values)
    return values if values.dtype.name == dtype else cast(values, dtype)


def _space_dtype(start: Any, stop: Any, dtype: Any) -> tuple:
    dt = result_type(dtype_of(start), dtype_of(stop), float) if dtype is None else \
        standardize_dtype(dtype)
    return dt, ("complex128" if "complex" in dt else "float64")


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: Any = None, axis: int = 0) -> Any:
    """`num` evenly spaced values from `start` to `stop` (included when `endpoint`);
    array `start`/`stop` give one sequence per element along `axis`. With `retstep`,
    also the step.

    Example:
        >>> from ember import keras
        >>> keras.ops.linspace(0, 1, 5).numpy()
        array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
    """
    dt, compute = _space_dtype(start, stop, dtype)
    values, step, _, _ = _spaced("linspace", start, stop, num, endpoint, compute)
    out = _finish("linspace", values, axis, dt)
    if not retstep:
        return out
    return out, (step if "int" in dt or step.dtype.name == dt else cast(step, dt))


def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: Any = 10,
             dtype: Any = None, axis: int = 0) -> Any:
    """`base ** linspace(start, stop, num)`: `num` values evenly spaced on a log scale.

    Example:
        >>> from ember import keras
        >>> keras.ops.logspace(0, 2, 3).numpy()
        array([  1.,  10., 100.], dtype=float32)
    """
    dt, compute = _space_dtype(start, stop, dtype)
    values, _, _, _ = _spaced("logspace", start, stop, num, endpoint, compute)
    b = to_tensor(base, compute)
    if len(b.shape):
        b = S.expand_dims(b, 0)
    return _finish("logspace", M.pow(b, values), axis, dt)


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True,
              dtype: Any = None, axis: int = 0) -> Any:
    """`num` values from `start` to `stop` evenly spaced on a log scale (a geometric
    progression; `start` and `stop` of one sign, non-zero).

    Example:
        >>> from ember import keras
        >>> keras.ops.geomspace(1, 1000, 4).numpy()
        array([   1.,   10.,  100., 1000.], dtype=float32)
    """
    dt, compute = _space_dtype(start, stop, dtype)
    a, b = to_tensor(start, compute), to_tensor(stop, compute)
    logs, _, i, n = _spaced("geomspace", M.log(M.abs(a)), M.log(M.abs(b)), num, endpoint,
                            compute)
    values = M.exp(logs) * M.sign(a)
    values = M.where(M.equal(i, 0), a, values)
    if endpoint and n > 1:
        values = M.where(M.equal(i, n - 1), b, values)
    return _finish("geomspace", values, axis, dt)


# -- windows -------------------------------------------------------------------------------

def _window_len(x: Any, op: str) -> int:
    return py_int(x, op, "x")


def _centred(m: int) -> Any:
    """n = 1-M, 3-M, ..., M-1 (float64), NumPy's window abscissae."""
    return cast(_range(1 - m, m, 2, dtype="int64"), "float64") if m > 0 else \
        _zeros([0], dtype="float64")


def _cosine_window(x: Any, op: str, terms: Sequence[float]) -> Any:
    m = _window_len(x, op)
    if m <= 1:
        return _zeros([max(m, 0)], dtype=config.floatx()) + (1 if m == 1 else 0)
    n = _centred(m) * (math.pi / (m - 1))
    w = terms[0] + sum(c * M.cos(n * j) for j, c in enumerate(terms[1:], start=1))
    return cast(w, config.floatx())


def hamming(x: int) -> Any:
    """The Hamming window of `x` points (floatx).

    Example:
        >>> from ember import keras
        >>> keras.ops.hamming(3).numpy()
        array([0.08, 1.  , 0.08], dtype=float32)
    """
    return _cosine_window(x, "hamming", (0.54, 0.46))


def hanning(x: int) -> Any:
    """The Hann window of `x` points (floatx).

    Example:
        >>> from ember import keras
        >>> keras.ops.hanning(3).numpy()
        array([0., 1., 0.], dtype=float32)
    """
    return _cosine_window(x, "hanning", (0.5, 0.5))


def blackman(x: int) -> Any:
    """The Blackman window of `x` points (floatx).

    Example:
        >>> from ember import keras
        >>> keras.ops.blackman(5).numpy().round(4)
        array([0.  , 0.34, 1.  , 0.34, 0.  ], dtype=float32)
    """
    return _cosine_window(x, "blackman", (0.42, 0.5, 0.08))


def bartlett(x: int) -> Any:
    """The Bartlett (triangular) window of `x` points (floatx).

    Example:
        >>> from ember import keras
        >>> keras.ops.bartlett(5).numpy()
        array([0. , 0.5, 1. , 0.5, 0. ], dtype=float32)
    """
    m = _window_len(x, "bartlett")
    if m <= 1:
        return _zeros([max(m, 0)], dtype=config.floatx()) + (1 if m == 1 else 0)
    n = _centred(m) / (m - 1)
    return cast(1.0 - M.abs(n), config.floatx())


def _i0(z: Any, terms: int) -> Any:
    """The modified Bessel function I0 by its power series, in Horner form."""
    q = M.square(z / 2.0)
    s = M.add(_zeros_like(q), 1.0)
    for k in range(terms, 0, -1):
        s = 1.0 + s * q / float(k * k)
    return s


def kaiser(x: int, beta: Any) -> Any:
    """The Kaiser window of `x` points with shape parameter `beta` (floatx).

    Example:
        >>> from ember import keras
        >>> keras.ops.kaiser(3, 0.0).numpy()
        array([1., 1., 1.], dtype=float32)
    """
    m = _window_len(x, "kaiser")
    if m <= 1:
        return _zeros([max(m, 0)], dtype=config.floatx()) + (1 if m == 1 else 0)
    b = to_tensor(beta, "float64")
    bound = abs(b.numpy().item()) if isinstance(b, ConcreteTensor) and not len(b.shape) \
        else 50.0
    terms = int(30 + 1.5 * bound)
    n = _centred(m) / (m - 1)  # in [-1, 1]
    arg = b * M.sqrt(M.maximum(1.0 - M.square(n), 0.0))
    return cast(_i0(arg, terms) / _i0(b, terms), config.floatx())


# -- splits -----------------------------------------------------------------------------

def _pieces(x: Any, bounds: list, ax: int) -> list:
    return [along(x, ax, slice(lo, hi)) for lo, hi in zip(bounds[:-1], bounds[1:])]


def split(x: Any, indices_or_sections: int | Sequence[int], axis: int = 0) -> list:
    """`x` cut along `axis` into a list: `n` equal parts for an int `n` (it must divide
    the axis), or at the given indices for a list.

    Example:
        >>> from ember import keras
        >>> [t.numpy() for t in keras.ops.split([1, 2, 3, 4, 5], [2, 3])]
        [array([1, 2], dtype=int32), array([3], dtype=int32), array([4, 5], dtype=int32)]
    """
    x = to_tensor(x)
    need_rank("split", x, 1)
    ax = axis_of("split", axis, rank_of(x))
    dim = x.shape[ax]
    if isinstance(indices_or_sections, (list, tuple, np.ndarray, ConcreteTensor)):
        idx = py_ints(indices_or_sections, "split", "indices_or_sections")
        if dim is None:
            raise ValueError("keras.ops.split: splitting at indices needs the size of "
                             "`axis` to be known.")
        return _pieces(x, [0] + idx + [dim], ax)
    n = py_int(indices_or_sections, "split", "indices_or_sections")
    if n <= 0 or (dim is not None and dim % n):
        raise ValueError(f"keras.ops.split: {n} sections do not result in an equal "
                         f"division of axis {ax} of size {dim}; use array_split for "
                         f"unequal parts.")
    return S.split(x, n, axis=ax)


def array_split(x: Any, indices_or_sections: int, axis: int = 0) -> list:
    """`x` cut along `axis` into `indices_or_sections` parts of as equal a size as
    possible (the first ones one longer).

    Example:
        >>> from ember import keras
        >>> [t.numpy() for t in keras.ops.array_split([1, 2, 3, 4, 5], 2)]
        [array([1, 2, 3], dtype=int32), array([4, 5], dtype=int32)]
    """
    x = to_tensor(x)
    need_rank("array_split", x, 1)
    ax = axis_of("array_split", axis, rank_of(x))
    if isinstance(indices_or_sections, (list, tuple, np.ndarray)):
        return split(x, indices_or_sections, ax)
    n = py_int(indices_or_sections, "array_split", "indices_or_sections")
    if n <= 0:
        raise ValueError(f"keras.ops.array_split: the number of sections must be > 0, "
                         f"received {n}.")
    dim = x.shape[ax]
    if dim is None:
        raise ValueError("keras.ops.array_split: needs the size of `axis` to be known.")
    avg, rem = divmod(dim, n)
    bounds = [0]
    for i in range(n):
        bounds.append(bounds[-1] + avg + (1 if i < rem else 0))
    return _pieces(x, bounds, ax)


def hsplit(x: Any, indices_or_sections: int | Sequence[int]) -> list:
    """`split` along axis 1 (axis 0 for 1-D `x`).

    Example:
        >>> from ember import keras
        >>> [t.shape for t in keras.ops.hsplit([[1, 2], [3, 4]], 2)]
        [TensorShape([2, 1]), TensorShape([2, 1])]
    """
    x = to_tensor(x)
    need_rank("hsplit", x, 1)
    return split(x, indices_or_sections, 0 if rank_of(x) == 1 else 1)


def vsplit(x: Any, indices_or_sections: int | Sequence[int]) -> list:
    """`split` along axis 0; `x` must be at least 2-D.

    Example:
        >>> from ember import keras
        >>> [t.shape for t in keras.ops.vsplit([[1, 2], [3, 4]], 2)]
        [TensorShape([1, 2]), TensorShape([1, 2])]
    """
    x = to_tensor(x)
    need_rank("vsplit", x, 2)
    return split(x, indices_or_sections, 0)


def dsplit(x: Any, indices_or_sections: int | Sequence[int]) -> list:
    """`split` along axis 2; `x` must be at least 3-D.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> [t.shape for t in keras.ops.dsplit(np.zeros((1, 2, 4)), [1])]
        [TensorShape([1, 2, 1]), TensorShape([1, 2, 3])]
    """
    x = to_tensor(x)
    need_rank("dsplit", x, 3)
    return split(x, indices_or_sections, 2)

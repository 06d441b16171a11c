"""`tf.signal`'s Fourier transforms: the complex and real FFTs over the innermost 1, 2, 3
or chosen axes, fftshift/ifftshift, and the discrete cosine transforms (types I-IV).

The FFTs bind the primitives of `ember/prims/signal.py` (`fft`, `rfft`, `irfft`); the
DCTs are composites of them (the cosine sums as real parts of DFTs of an extended or
modulated sequence), differentiable like any composite.

Example:
    >>> import ember as tf
    >>> tf.signal.fft(tf.constant([1.0, 2.0], tf.complex64)).numpy()
    array([ 3.+0.j, -1.+0.j], dtype=complex64)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import as_dtype
from ..core.errors import InvalidArgumentError
from ..core.tensor import is_tensor
from ..prims.convert import as_tensor, cast, convert_to_tensor
from ..prims.index import basic_getitem
from ..prims.math import multiply, real
from ..prims.roll import roll
from ..prims.signal import fft_op, irfft_op, rfft_op
from .shape_ops import concat, pad, reverse

__all__ = ["dct", "fft", "fft2d", "fft3d", "fftnd", "fftshift", "idct", "ifft", "ifft2d",
           "ifft3d", "ifftnd", "ifftshift", "irfft", "irfft2d", "irfft3d", "irfftnd", "rfft",
           "rfft2d", "rfft3d", "rfftnd"]

_COMPLEX_OF = {"float32": "complex64", "float64": "complex128"}


# -- operands -----------------------------------------------------------------------------

def _complex_input(op: str, x: Any) -> Any:
    """A complex tensor: Python/NumPy values convert to complex64 as TF's wrapper
    (preferred dtype complex64); a tensor must be complex already."""
    if not is_tensor(x):
        arr = np.asarray(x)
        if arr.dtype.kind != "c":
            arr = arr.astype(np.complex64)
        return convert_to_tensor(arr)
    x = as_tensor(x)
    if not x.dtype.is_complex:
        raise InvalidArgumentError(
            f"{op}: the input must be complex64 or complex128, received {x.dtype.name}. "
            f"Make it complex first, e.g. ember.cast(x, ember.complex64), or use "
            f"ember.signal.rfft for real signals.")
    return x


def _real_input(op: str, x: Any) -> Any:
    """A float32/float64 tensor; Python and NumPy values convert to float32 (TF's
    preferred dtype for the real FFTs, even for float64 arrays)."""
    if not is_tensor(x):
        arr = np.asarray(x)
        x = convert_to_tensor(arr.astype(np.float32) if arr.dtype.kind in "iubf" else arr)
    x = as_tensor(x)
    if x.dtype.name not in ("float32", "float64"):
        raise InvalidArgumentError(f"{op} requires float32 or float64 inputs, received "
                                   f"{x.dtype.name}. Cast it, e.g. ember.cast(x, "
                                   f"ember.float32).")
    return x


def _spectrum_input(op: str, x: Any) -> Any:
    """The complex input of the inverse real FFTs: Python and NumPy values convert to
    complex64, as TF's wrapper."""
    if not is_tensor(x):
        return convert_to_tensor(np.asarray(x).astype(np.complex64))
    return _complex_input(op, x)


def _rank(op: str, x: Any, k: int) -> int:
    rank = x.shape.rank
    if rank is None or rank < k:
        raise InvalidArgumentError(f"{op}: the input must have rank >= {k} (a known rank), "
                                   f"received shape {x.shape}.")
    return rank


def _static_dims(op: str, x: Any, axes: tuple) -> tuple:
    dims = tuple(x.shape[a] for a in axes)
    if None in dims:
        raise InvalidArgumentError(f"{op}: the transformed dims of shape {x.shape} must be "
                                   f"known; pass fft_length explicitly.")
    return dims


def _lengths(op: str, fft_length: Any, k: int) -> tuple:
    if is_tensor(fft_length):
        fft_length = np.asarray(fft_length.numpy())
    out = tuple(int(n) for n in np.asarray(fft_length).reshape(-1))
    if len(out) != k or any(n < 0 for n in out):
        raise InvalidArgumentError(f"{op}: fft_length must hold {k} non-negative int(s), "
                                   f"received {list(out)}.")
    return out


def _fit(x: Any, axes: tuple, sizes: tuple) -> Any:
    """`x` cropped or zero-padded along `axes` (negative) to `sizes` (TF's fft_length)."""
    rank = x.shape.rank
    key = [slice(None)] * rank
    pads = [[0, 0] for _ in range(rank)]
    crop = padded = False
    for a, n in zip(axes, sizes):
        d = x.shape[a]
        if d is None or d == n:
            continue
        if d > n:
            key[rank + a], crop = slice(0, n), True
        else:
            pads[rank + a][1], padded = n - d, True
    if crop:
        x = basic_getitem(x, tuple(key))
    if padded:
        x = pad(x, pads)
    return x


# -- complex FFTs ---------------------------------------------------------------------------

def _cfft(op: str, x: Any, k: int, inverse: bool) -> Any:
    x = _complex_input(op, x)
    _rank(op, x, k)
    return fft_op(x, tuple(range(-k, 0)), inverse)


def fft(input: Any, name: str | None = None) -> Any:  # noqa: A002 - TF's name
    """The DFT over the innermost axis, as `tf.signal.fft`.

    Example:
        >>> import ember as tf
        >>> tf.signal.fft([1.0, 0.0, 0.0]).numpy()
        array([1.+0.j, 1.+0.j, 1.+0.j], dtype=complex64)
    """
    return _cfft("fft", input, 1, False)


def ifft(input: Any, name: str | None = None) -> Any:  # noqa: A002
    """The inverse DFT (scaled by 1/n) over the innermost axis, as `tf.signal.ifft`.

    Example:
        >>> import ember as tf
        >>> tf.signal.ifft([2.0, 0.0]).numpy()
        array([1.+0.j, 1.+0.j], dtype=complex64)
    """
    return _cfft("ifft", input, 1, True)


def fft2d(input: Any, name: str | None = None) -> Any:  # noqa: A002
    """The 2-D DFT over the innermost 2 axes, as `tf.signal.fft2d`.

    Example:
        >>> import ember as tf
        >>> complex(tf.signal.fft2d([[1.0, 1.0], [1.0, 1.0]]).numpy()[0, 0])
        (4+0j)
    """
    return _cfft("fft2d", input, 2, False)


def ifft2d(input: Any, name: str | None = None) -> Any:  # noqa: A002
    """The inverse 2-D DFT over the innermost 2 axes, as `tf.signal.ifft2d`.

    Example:
        >>> import ember as tf
        >>> tf.signal.ifft2d([[4.0, 0.0], [0.0, 0.0]]).numpy().real.tolist()
        [[1.0, 1.0], [1.0, 1.0]]
    """
    return _cfft("ifft2d", input, 2, True)


def fft3d(input: Any, name: str | None = None) -> Any:  # noqa: A002
    """The 3-D DFT over the innermost 3 axes, as `tf.signal.fft3d`.

    Example:
        >>> import ember as tf
        >>> complex(tf.signal.fft3d(tf.ones([2, 2, 2], tf.complex64)).numpy()[0, 0, 0])
        (8+0j)
    """
    return _cfft("fft3d", input, 3, False)


def ifft3d(input: Any, name: str | None = None) -> Any:  # noqa: A002
    """The inverse 3-D DFT over the innermost 3 axes, as `tf.signal.ifft3d`.

    Example:
        >>> import ember as tf
        >>> complex(tf.signal.ifft3d(tf.ones([2, 2, 2], tf.complex64)).numpy()[0, 0, 0])
        (1+0j)
    """
    return _cfft("ifft3d", input, 3, True)


def _nd_axes(op: str, x: Any, fft_length: Any, axes: Any) -> tuple:
    """(negative axes, lengths) of an N-D transform: axes default to the innermost
    len(fft_length) axes, or every axis; fft_length to the input's dims there."""
    rank = x.shape.rank
    if rank is None:
        raise InvalidArgumentError(f"{op}: the input's rank must be known.")
    if axes is None:
        k = rank if fft_length is None else len(np.asarray(fft_length).reshape(-1))
        axes = tuple(range(-k, 0))
    else:
        axes = tuple(int(a) for a in np.asarray(axes).reshape(-1))
        bad = [a for a in axes if not -rank <= a < rank]
        if bad or not axes:
            raise InvalidArgumentError(f"{op}: axes {list(axes)} are out of range for an "
                                       f"input of rank {rank}.")
        axes = tuple(a - rank if a >= 0 else a for a in axes)
        if len(set(axes)) != len(axes):
            raise InvalidArgumentError(f"{op}: axes {list(axes)} repeat an axis.")
    _rank(op, x, len(axes))
    lengths = _static_dims(op, x, axes) if fft_length is None else \
        _lengths(op, fft_length, len(axes))
    return axes, lengths


def _norm_scale(op: str, norm: Any, lengths: tuple, inverse: bool) -> float | None:
    """The factor TF's `norm` puts on the input ("backward", the default: none)."""
    if norm in (None, "backward"):
        return None
    n = float(np.prod(lengths))
    if norm == "ortho":
        return np.sqrt(n) if inverse else 1 / np.sqrt(n)
    if norm == "forward":
        return n if inverse else 1 / n
    raise InvalidArgumentError(f"{op}: norm must be None, 'backward', 'ortho' or 'forward', "
                               f"received {norm!r}.")


def _scaled(x: Any, s: float | None) -> Any:
    return x if s is None else multiply(x, as_tensor(np.asarray(s, x.dtype._numpy())))


def _fftnd(op: str, x: Any, fft_length: Any, axes: Any, norm: Any, inverse: bool) -> Any:
    x = _complex_input(op, x)
    axes, lengths = _nd_axes(op, x, fft_length, axes)
    order = sorted(range(len(axes)), key=lambda i: axes[i])
    axes, lengths = tuple(axes[i] for i in order), tuple(lengths[i] for i in order)
    x = _scaled(_fit(x, axes, lengths), _norm_scale(op, norm, lengths, inverse))
    return fft_op(x, axes, inverse)


def fftnd(input_tensor: Any, fft_length: Any = None, axes: Any = None, norm: Any = None,
          name: str | None = None) -> Any:
    """The N-D DFT over `axes` (default: all, or the innermost len(fft_length)), the input
    cropped/zero-padded to `fft_length`; `norm` "backward" (default), "ortho", "forward".

    Example:
        >>> import ember as tf
        >>> tf.signal.fftnd(tf.ones([2, 3], tf.complex64), axes=[0]).numpy()[:, 0]
        array([2.+0.j, 0.+0.j], dtype=complex64)
    """
    return _fftnd("fftnd", input_tensor, fft_length, axes, norm, False)


def ifftnd(input_tensor: Any, fft_length: Any = None, axes: Any = None, norm: Any = None,
           name: str | None = None) -> Any:
    """The inverse N-D DFT (see `fftnd`), as `tf.signal.ifftnd`.

    Example:
        >>> import ember as tf
        >>> complex(tf.signal.ifftnd(tf.ones([2, 2], tf.complex64)).numpy()[0, 0])
        (1+0j)
    """
    return _fftnd("ifftnd", input_tensor, fft_length, axes, norm, True)


# -- real FFTs ------------------------------------------------------------------------------

def _rfft(op: str, x: Any, k: int, fft_length: Any) -> Any:
    x = _real_input(op, x)
    axes = tuple(range(-k, 0))
    _rank(op, x, k)
    n = _static_dims(op, x, axes) if fft_length is None else _lengths(op, fft_length, k)
    return rfft_op(x, axes, n)


def _irfft(op: str, x: Any, k: int, fft_length: Any) -> Any:
    x = _spectrum_input(op, x)
    axes = tuple(range(-k, 0))
    _rank(op, x, k)
    if fft_length is None:
        dims = _static_dims(op, x, axes)
        n = dims[:-1] + (max(0, 2 * (dims[-1] - 1)),)
    else:
        n = _lengths(op, fft_length, k)
    return irfft_op(x, axes, n)


def rfft(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Any:
    """The DFT of a real signal over the innermost axis (cropped/padded to fft_length),
    its `fft_length // 2 + 1` non-negative frequencies; float32 -> complex64.

    Example:
        >>> import ember as tf
        >>> tf.signal.rfft(tf.constant([1.0, 2.0, 3.0]), fft_length=[4]).numpy()
        array([ 6.+0.j, -2.-2.j,  2.+0.j], dtype=complex64)
    """
    return _rfft("rfft", input_tensor, 1, fft_length)


def irfft(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Any:
    """The real signal (of fft_length, default 2 * (n - 1)) with half spectrum `input`.

    Example:
        >>> import ember as tf
        >>> tf.signal.irfft(tf.constant([6.0, -2 - 2j, 2.0], tf.complex64)).numpy()
        array([1., 2., 3., 0.], dtype=float32)
    """
    return _irfft("irfft", input_tensor, 1, fft_length)


def rfft2d(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Any:
    """The 2-D real DFT over the innermost 2 axes, as `tf.signal.rfft2d`.

    Example:
        >>> import ember as tf
        >>> tf.signal.rfft2d(tf.ones([2, 4])).shape
        TensorShape([2, 3])
    """
    return _rfft("rfft2d", input_tensor, 2, fft_length)


def irfft2d(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Any:
    """The inverse of `rfft2d`, as `tf.signal.irfft2d`.

    Example:
        >>> import ember as tf
        >>> tf.signal.irfft2d(tf.signal.rfft2d(tf.ones([2, 4]))).numpy().tolist()
        [[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]
    """
    return _irfft("irfft2d", input_tensor, 2, fft_length)


def rfft3d(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Any:
    """The 3-D real DFT over the innermost 3 axes, as `tf.signal.rfft3d`.

    Example:
        >>> import ember as tf
        >>> tf.signal.rfft3d(tf.ones([2, 2, 4])).shape
        TensorShape([2, 2, 3])
    """
    return _rfft("rfft3d", input_tensor, 3, fft_length)


def irfft3d(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Any:
    """The inverse of `rfft3d`, as `tf.signal.irfft3d`.

    Example:
        >>> import ember as tf
        >>> tf.signal.irfft3d(tf.signal.rfft3d(tf.ones([2, 2, 4]))).shape
        TensorShape([2, 2, 4])
    """
    return _irfft("irfft3d", input_tensor, 3, fft_length)


def _rnd(op: str, x: Any, fft_length: Any, axes: Any, norm: Any, inverse: bool) -> Any:
    x = _spectrum_input(op, x) if inverse else _real_input(op, x)
    if inverse and fft_length is None:
        axes_, dims = _nd_axes(op, x, None, axes)
        i = int(np.argmax(axes_))
        fft_length = tuple(d if j != i else max(0, 2 * (d - 1)) for j, d in enumerate(dims))
    axes, lengths = _nd_axes(op, x, fft_length, axes)
    order = sorted(range(len(axes)), key=lambda i: axes[i])
    axes, lengths = tuple(axes[i] for i in order), tuple(lengths[i] for i in order)
    s = _norm_scale(op, norm, lengths, inverse)
    if inverse:
        return irfft_op(_scaled(x, s), axes, lengths)
    return _scaled(rfft_op(x, axes, lengths), s)


def rfftnd(input_tensor: Any, fft_length: Any = None, axes: Any = None, norm: Any = None,
           name: str | None = None) -> Any:
    """The N-D real DFT over `axes` (the innermost of them halved), see `fftnd`.

    Example:
        >>> import ember as tf
        >>> tf.signal.rfftnd(tf.ones([2, 4]), axes=[0, 1]).shape
        TensorShape([2, 3])
    """
    return _rnd("rfftnd", input_tensor, fft_length, axes, norm, False)


def irfftnd(input_tensor: Any, fft_length: Any = None, axes: Any = None, norm: Any = None,
            name: str | None = None) -> Any:
    """The inverse of `rfftnd` (fft_length's last entry defaults to 2 * (n - 1)).

    Example:
        >>> import ember as tf
        >>> tf.signal.irfftnd(tf.ones([2, 3], tf.complex64)).shape
        TensorShape([2, 4])
    """
    return _rnd("irfftnd", input_tensor, fft_length, axes, norm, True)


# -- shifts ---------------------------------------------------------------------------------

def _shift(x: Any, axes: Any, inverse: bool) -> Any:
    x = as_tensor(x)
    rank = x.shape.rank
    axes = list(range(rank)) if axes is None else [int(a) for a in np.asarray(axes).reshape(-1)]
    dims = [x.shape[a] for a in axes]
    if None in dims:
        raise InvalidArgumentError(f"fftshift: the shifted dims of {x.shape} must be known.")
    shifts = [-(d // 2) if inverse else d // 2 for d in dims]
    return roll(x, shifts, axes) if axes else x


def fftshift(x: Any, axes: Any = None, name: str | None = None) -> Any:
    """Moves the zero frequency to the centre: rolls `axes` (default all) by n // 2.

    Example:
        >>> import ember as tf
        >>> tf.signal.fftshift(tf.range(6)).numpy()
        array([3, 4, 5, 0, 1, 2], dtype=int32)
    """
    return _shift(x, axes, False)


def ifftshift(x: Any, axes: Any = None, name: str | None = None) -> Any:
    """The inverse of `fftshift`: rolls `axes` (default all) by -(n // 2).

    Example:
        >>> import ember as tf
        >>> tf.signal.ifftshift(tf.range(5)).numpy()
        array([2, 3, 4, 0, 1], dtype=int32)
    """
    return _shift(x, axes, True)


# -- discrete cosine transforms -------------------------------------------------------------

def _const(values: np.ndarray, dtype: Any) -> Any:
    return as_tensor(np.asarray(values).astype(dtype._numpy()))


def _dct(x: Any, type: int, n: Any, axis: int, norm: Any, op: str) -> Any:  # noqa: A002
    if not is_tensor(x) and np.asarray(x).dtype.kind in "iub":
        x = np.asarray(x, np.float32)
    x = as_tensor(x)
    if x.dtype.name not in ("float32", "float64"):
        raise InvalidArgumentError(f"{op}: the input must be float32 or float64, received "
                                   f"{x.dtype.name}. Cast it first.")
    if type not in (1, 2, 3, 4):
        raise InvalidArgumentError(f"{op}: types I, II, III and IV are supported, received "
                                   f"type={type!r}.")
    if axis != -1:
        raise NotImplementedError(f"{op}: axis must be -1, received {axis}.")
    if norm not in (None, "ortho"):
        raise InvalidArgumentError(f"{op}: norm must be None or 'ortho', received {norm!r}.")
    if type == 1 and norm == "ortho":
        raise InvalidArgumentError(f"{op}: normalization is not supported for the Type-I "
                                   f"DCT; use norm=None.")
    _rank(op, x, 1)
    if n is not None:
        if int(n) < 1:
            raise InvalidArgumentError(f"{op}: n must be positive, received {n}.")
        x = _fit(x, (-1,), (int(n),))
    N = x.shape[-1]
    if N is None:
        raise InvalidArgumentError(f"{op}: the last dim of {x.shape} must be known.")
    cdt = as_dtype(_COMPLEX_OF[x.dtype.name])
    k = np.arange(N)
    if type == 1:
        if N < 2:
            raise InvalidArgumentError(f"{op}: the Type-I DCT requires the dimension to be "
                                       f"greater than one, received {x.shape}.")
        # x_0 + (-1)^k x_{N-1} + 2 sum x_n cos(pi k n / (N - 1)): the DFT of the even
        # extension [x, x[N-2:0:-1]]
        ext = concat([x, reverse(basic_getitem(x, (Ellipsis, slice(1, N - 1))), [-1])], -1) \
            if N > 2 else x
        return real(rfft_op(ext, (-1,), (2 * N - 2,)))
    if type == 2:
        # 2 sum x_n cos(pi k (2n + 1) / 2N) = 2 Re(e^{-i pi k / 2N} DFT_2N(x)_k)
        y = basic_getitem(rfft_op(x, (-1,), (2 * N,)), (Ellipsis, slice(0, N)))
        y = real(multiply(y, _const(2 * np.exp(-1j * np.pi * k / (2 * N)), cdt)))
        if norm == "ortho":
            w = np.full(N, np.sqrt(1 / (2 * N)))
            w[0] = np.sqrt(1 / (4 * N))
            y = multiply(y, _const(w, x.dtype))
        return y
    if type == 3:
        # x_0 + 2 sum_{n>0} x_n cos(pi n (2k + 1) / 2N) = Re(2N IDFT_2N(c x e^{i pi n/2N}))
        c = np.full(N, 2.0)
        c[0] = 1.0
        if norm == "ortho":
            c = c * np.sqrt(1 / (2 * N))
            c[0] = np.sqrt(1 / N)
        z = multiply(cast(x, cdt), _const(c * np.exp(1j * np.pi * k / (2 * N)) * 2 * N, cdt))
        y = fft_op(_fit(z, (-1,), (2 * N,)), (-1,), True)
        return real(basic_getitem(y, (Ellipsis, slice(0, N))))
    # type 4: 2 sum x_n cos(pi (2n + 1)(2k + 1) / 4N)
    #       = 2 Re(e^{-i pi (2k + 1) / 4N} DFT_2N(x e^{-i pi n / 2N})_k)
    z = multiply(cast(x, cdt), _const(np.exp(-1j * np.pi * k / (2 * N)), cdt))
    y = basic_getitem(fft_op(_fit(z, (-1,), (2 * N,)), (-1,), False), (Ellipsis, slice(0, N)))
    scale = 2 * (np.sqrt(1 / (2 * N)) if norm == "ortho" else 1.0)
    return real(multiply(y, _const(scale * np.exp(-1j * np.pi * (2 * k + 1) / (4 * N)), cdt)))


def dct(input: Any, type: int = 2, n: Any = None, axis: int = -1,  # noqa: A002
        norm: Any = None, name: str | None = None) -> Any:
    """The discrete cosine transform (types I-IV) over the last axis, as `tf.signal.dct`
    (unnormalized as scipy.fft.dct; `norm="ortho"` for types II-IV; `n` crops or pads).

    Example:
        >>> import ember as tf
        >>> tf.signal.dct(tf.constant([1.0, 1.0])).numpy().round(4)
        array([4., 0.], dtype=float32)
    """
    return _dct(input, type, n, axis, norm, "dct")


_INVERSE_TYPE = {1: 1, 2: 3, 3: 2, 4: 4}


def idct(input: Any, type: int = 2, n: Any = None, axis: int = -1,  # noqa: A002
         norm: Any = None, name: str | None = None) -> Any:
    """The inverse DCT: the DCT of the inverse type (II <-> III; I and IV their own),
    unscaled as TF (idct(dct(x)) == 2N x without norm, x with norm="ortho").

    Example:
        >>> import ember as tf
        >>> tf.signal.idct(tf.signal.dct(tf.constant([1.0, 2.0]), norm="ortho"),
        ...                norm="ortho").numpy().round(4)
        array([1., 2.], dtype=float32)
    """
    if type not in _INVERSE_TYPE:
        raise InvalidArgumentError(f"idct: types I, II, III and IV are supported, received "
                                   f"type={type!r}.")
    return _dct(input, _INVERSE_TYPE[type], n, axis, norm, "idct")

"""Keras 3's FFT and signal math on ember's ops: `fft`, `fft2`, `ifft2`, `rfft`, `irfft`,
`stft`, `istft`, `extract_sequences`.

Complex values travel as (real, imag) pairs of real tensors, as in Keras 3. Each
transform is a product with a constant DFT matrix (cosines and sines of the static
length), so it works on KerasTensors and has gradients; it costs O(n^2) per transform.
`stft`/`istft` follow Keras 3 (SciPy's framing, the window padded to `fft_length`,
`istft` normalised by the overlap-added squared window).

Example:
    >>> from ember import keras
    >>> real, imag = keras.ops.rfft([1.0, 0.0, 0.0, 0.0])
    >>> real.numpy(), imag.numpy()
    (array([1., 1., 1.], dtype=float32), array([0., 0., 0.], dtype=float32))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ops import array_ops as A
from ...ops import linalg_ops as L
from ...ops import math_ops as M
from ...ops.gather_ops import gather
from ...prims.convert import cast
from ._dtypes import result_type, to_tensor

__all__ = ["extract_sequences", "fft", "fft2", "ifft2", "rfft", "irfft", "stft", "istft"]


# -- helpers -------------------------------------------------------------------------

def _pair(x: Any, op: str) -> tuple:
    """The (real, imag) pair of a complex input, as float tensors of one shape."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"keras.ops.{op}: the input x should be a tuple of two tensors, "
                         f"the real and imaginary parts; received {type(x).__name__} "
                         f"{x!r:.80}.")
    real, imag = to_tensor(x[0]), to_tensor(x[1])
    if tuple(real.shape) != tuple(imag.shape):
        raise ValueError(f"keras.ops.{op}: the real and imaginary parts should have the "
                         f"same shape, received x[0].shape = {real.shape}, x[1].shape = "
                         f"{imag.shape}.")
    if not (real.dtype.is_floating and imag.dtype.is_floating):
        raise ValueError(f"keras.ops.{op}: the real and imaginary parts must be floating "
                         f"tensors, received dtypes {real.dtype.name} and "
                         f"{imag.dtype.name}.")
    if real.dtype != imag.dtype:
        dtype = result_type(real.dtype.name, imag.dtype.name)
        real, imag = cast(real, dtype), cast(imag, dtype)
    return real, imag


def _length(x: Any, axis: int, op: str) -> int:
    if x.shape.rank is None or x.shape.rank < -axis:
        raise ValueError(f"keras.ops.{op}: the input needs rank >= {-axis}, received "
                         f"shape {x.shape}.")
    n = x.shape[axis]
    if n is None:
        raise ValueError(f"keras.ops.{op}: the transformed axis must have a known size, "
                         f"received shape {x.shape}.")
    return n


def _dft(n: int, bins: int, dtype: str) -> tuple:
    """cos and sin of 2 pi j k / n, for j < n (rows) and k < bins (columns)."""
    turns = np.outer(np.arange(n), np.arange(bins)) % n  # exact: j k mod n
    angle = 2.0 * np.pi * turns / n
    cos, sin = np.cos(angle), np.sin(angle)
    cos[np.abs(cos) < 1e-12] = 0.0  # exact zeros where the angle is a multiple of pi / 2
    sin[np.abs(sin) < 1e-12] = 0.0
    return cos.astype(dtype), sin.astype(dtype)


def _apply(x: Any, matrix: np.ndarray, axis: int) -> Any:
    """`matrix` applied along `axis` (-1 or -2) of x."""
    eq = "...n,nk->...k" if axis == -1 else "...nm,nk->...km"
    return L.einsum(eq, x, matrix)


def _complex_dft(real: Any, imag: Any, axis: int, op: str) -> tuple:
    n = _length(real, axis, op)
    cos, sin = _dft(n, n, real.dtype.name)
    # (re + i im)(cos - i sin) = re cos + im sin + i (im cos - re sin)
    out_re = M.add(_apply(real, cos, axis), _apply(imag, sin, axis))
    out_im = M.add(_apply(imag, cos, axis), _apply(real, 0.0 - sin, axis))
    return out_re, out_im


def _float_input(x: Any) -> Any:
    t = to_tensor(x)
    if t.dtype.is_complex:
        raise TypeError(f"keras.ops: expected a real input, received dtype {t.dtype.name}; "
                        f"pass complex values as a (real, imag) pair.")
    return t if t.dtype.is_floating else cast(t, result_type(t.dtype.name, float))


def _fit(x: Any, n: int, op: str) -> Any:
    """x's last axis cut or zero-padded to n entries."""
    have = _length(x, -1, op)
    if have > n:
        return x[..., :n]
    if have < n:
        return A.pad(x, [[0, 0]] * (x.shape.rank - 1) + [[0, n - have]])
    return x


# -- FFTs ----------------------------------------------------------------------------

def fft(x: tuple) -> tuple:
    """The discrete Fourier transform along the last axis of a (real, imag) pair.

    Example:
        >>> from ember import keras
        >>> real, imag = keras.ops.fft(([1.0, 1.0], [0.0, 0.0]))
        >>> real.numpy(), imag.numpy()
        (array([2., 0.], dtype=float32), array([0., 0.], dtype=float32))
    """
    real, imag = _pair(x, "fft")
    return _complex_dft(real, imag, -1, "fft")


def fft2(x: tuple) -> tuple:
    """The 2-D discrete Fourier transform over the last two axes of a (real, imag) pair.

    Example:
        >>> from ember import keras
        >>> real, imag = keras.ops.fft2(([[1.0, 1.0], [1.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]))
        >>> real.numpy()
        array([[4., 0.],
               [0., 0.]], dtype=float32)
    """
    real, imag = _pair(x, "fft2")
    _length(real, -2, "fft2")
    real, imag = _complex_dft(real, imag, -1, "fft2")
    return _complex_dft(real, imag, -2, "fft2")


def ifft2(x: tuple) -> tuple:
    """The inverse 2-D discrete Fourier transform over the last two axes of a (real,
    imag) pair.

    Example:
        >>> from ember import keras
        >>> real, imag = keras.ops.ifft2(([[4.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]))
        >>> real.numpy()
        array([[1., 1.],
               [1., 1.]], dtype=float32)
    """
    real, imag = _pair(x, "ifft2")
    size = _length(real, -1, "ifft2") * _length(real, -2, "ifft2")
    out_re, out_im = fft2((real, M.negative(imag)))
    return M.divide(out_re, float(size)), M.divide(M.negative(out_im), float(size))


def rfft(x: Any, fft_length: int | None = None) -> tuple:
    """The DFT of a real signal along its last axis: the fft_length // 2 + 1 bins of
    non-negative frequency, as a (real, imag) pair; the signal is cut or zero-padded to
    `fft_length` (default: its length).

    Example:
        >>> from ember import keras
        >>> real, imag = keras.ops.rfft([0.0, 1.0, 0.0, -1.0])
        >>> imag.numpy()
        array([ 0., -2.,  0.], dtype=float32)
    """
    t = _float_input(x)
    n = _length(t, -1, "rfft") if fft_length is None else _check_length(fft_length, "rfft")
    t = _fit(t, n, "rfft")
    cos, sin = _dft(n, n // 2 + 1, t.dtype.name)
    return _apply(t, cos, -1), _apply(t, 0.0 - sin, -1)


def _check_length(n: Any, op: str, name: str = "fft_length") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"keras.ops.{op}: {name} must be a positive int, received {n!r}.")
    return int(n)


def irfft(x: tuple, fft_length: int | None = None) -> Any:
    """The inverse of `rfft`: a real signal of `fft_length` samples (default 2 * (bins -
    1)) from the (real, imag) pair of its non-negative-frequency bins.

    Example:
        >>> from ember import keras
        >>> keras.ops.irfft(([1.0, 1.0, 1.0], [0.0, 0.0, 0.0])).numpy()
        array([1., 0., 0., 0.], dtype=float32)
    """
    real, imag = _pair(x, "irfft")
    bins = _length(real, -1, "irfft")
    n = 2 * (bins - 1) if fft_length is None else _check_length(fft_length, "irfft")
    if n < 1:
        raise ValueError(f"keras.ops.irfft: the input has {bins} bin(s), too few for a "
                         f"signal; pass fft_length.")
    k = n // 2 + 1
    real, imag = _fit(real, k, "irfft"), _fit(imag, k, "irfft")
    weight = np.full(k, 2.0)
    weight[0] = 1.0
    if n % 2 == 0:
        weight[-1] = 1.0
    cos, sin = _dft(n, k, real.dtype.name)  # rows: samples, columns: bins
    cos = (cos * weight / n).T.astype(real.dtype.name)
    sin = (sin * weight / n).T.astype(real.dtype.name)
    return M.subtract(_apply(real, cos, -1), _apply(imag, sin, -1))


# -- framing, STFT ---------------------------------------------------------------------

def extract_sequences(x: Any, sequence_length: int, sequence_stride: int) -> Any:
    """Frames of `sequence_length` samples every `sequence_stride` samples along the last
    axis: shape (..., num_sequences, sequence_length), the incomplete tail dropped.

    Example:
        >>> from ember import keras
        >>> keras.ops.extract_sequences([1, 2, 3, 4, 5], 2, 2).numpy()
        array([[1, 2],
               [3, 4]], dtype=int32)
    """
    t = to_tensor(x)
    length = _check_length(sequence_length, "extract_sequences", "sequence_length")
    stride = _check_length(sequence_stride, "extract_sequences", "sequence_stride")
    n = _length(t, -1, "extract_sequences")
    count = max(0, (n - length) // stride + 1)
    index = np.arange(count)[:, None] * stride + np.arange(length)[None, :]
    return gather(t, index.astype("int32"), axis=t.shape.rank - 1)


def _window(window: Any, sequence_length: int, fft_length: int, dtype: str,
            op: str) -> Any:
    """The window padded (centred) to fft_length: a NumPy array, or a tensor when the
    window is one; None for no window."""
    if window is None:
        return None
    left = (fft_length - sequence_length) // 2
    right = fft_length - sequence_length - left
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f"keras.ops.{op}: a string window must be 'hann' or "
                             f"'hamming', received window={window!r}.")
        a = 0.5 if window == "hann" else 0.54
        win = a - (1 - a) * np.cos(2 * np.pi * np.arange(sequence_length) / sequence_length)
        return np.pad(win, [left, right]).astype(dtype)
    win = to_tensor(window, dtype)
    if win.shape.rank != 1 or win.shape[0] != sequence_length:
        raise ValueError(f"keras.ops.{op}: the shape of window must be [sequence_length] "
                         f"= [{sequence_length}], received window shape {win.shape}.")
    return A.pad(win, [[left, right]])


def _stft_args(op: str, sequence_length: Any, sequence_stride: Any, fft_length: Any) -> tuple:
    length = _check_length(sequence_length, op, "sequence_length")
    stride = _check_length(sequence_stride, op, "sequence_stride")
    n_fft = _check_length(fft_length, op)
    if n_fft < length:
        raise ValueError(f"keras.ops.{op}: fft_length must be >= sequence_length, received "
                         f"sequence_length={length}, fft_length={n_fft}.")
    return length, stride, n_fft


def stft(x: Any, sequence_length: int, sequence_stride: int, fft_length: int,
         window: str | Any = "hann", center: bool = True) -> tuple:
    """The short-time Fourier transform of a float32/float64 signal along its last axis:
    a (real, imag) pair of shape (..., num_sequences, fft_length // 2 + 1). `center` pads
    the signal by fft_length // 2 on each side (reflecting).

    Example:
        >>> from ember import keras
        >>> real, imag = keras.ops.stft([1.0, 2.0, 3.0, 4.0], 2, 2, 2, window=None,
        ...                             center=False)
        >>> real.numpy()
        array([[ 3., -1.],
               [ 7., -1.]], dtype=float32)
    """
    t = to_tensor(x)
    if t.dtype.name not in ("float32", "float64"):
        raise TypeError(f"keras.ops.stft: invalid input type; expected float32 or float64, "
                        f"received {t.dtype.name}.")
    length, stride, n_fft = _stft_args("stft", sequence_length, sequence_stride, fft_length)
    win = _window(window, length, n_fft, t.dtype.name, "stft")
    if center:
        half = n_fft // 2
        t = A.pad(t, [[0, 0]] * (t.shape.rank - 1) + [[half, half]], mode="REFLECT")
    frames = extract_sequences(t, n_fft, stride)
    if win is not None:
        frames = M.multiply(frames, win)
    return rfft(frames, n_fft)


def _overlap_add(frames: Any, stride: int) -> Any:
    """Sums frames (..., count, size) placed every `stride` samples: (..., size + stride *
    (count - 1))."""
    count, size = frames.shape[-2], frames.shape[-1]
    pieces = -(-size // stride)
    rank = frames.shape.rank
    padded = A.pad(frames, [[0, 0]] * (rank - 1) + [[0, pieces * stride - size]])
    blocks = A.reshape(padded, [-1 if d is None else d for d in frames.shape[:-2]] +
                       [count, pieces, stride]) if rank > 2 else \
        A.reshape(padded, [count, pieces, stride])
    total = None
    for j in range(pieces):  # piece j of frame f lands in block f + j
        part = A.pad(blocks[..., j, :], [[0, 0]] * (rank - 2) + [[j, pieces - 1 - j], [0, 0]])
        total = part if total is None else M.add(total, part)
    flat = A.reshape(total, [-1 if d is None else d for d in frames.shape[:-2]] +
                     [(count + pieces - 1) * stride])
    return flat[..., :size + stride * (count - 1)]


def istft(x: tuple, sequence_length: int, sequence_stride: int, fft_length: int,
          length: int | None = None, window: str | Any = "hann",
          center: bool = True) -> Any:
    """The inverse of `stft`: a signal from the (real, imag) pair of its frames' spectra
    (overlap-added, normalised by the overlap-added squared window); `length` cuts it.

    Example:
        >>> from ember import keras
        >>> spectrum = keras.ops.stft([1.0, 2.0, 3.0, 4.0], 2, 2, 2, window=None,
        ...                           center=False)
        >>> keras.ops.istft(spectrum, 2, 2, 2, window=None, center=False).numpy()
        array([1., 2., 3., 4.], dtype=float32)
    """
    real, imag = _pair(x, "istft")
    seq, stride, n_fft = _stft_args("istft", sequence_length, sequence_stride, fft_length)
    count = _length(real, -2, "istft")
    dtype = real.dtype.name
    win = _window(window, seq, n_fft, dtype, "istft")
    frames = irfft((real, imag), n_fft)
    if win is None:
        norm = _overlap_add_np(np.ones((count, n_fft)), stride)
        signal = M.multiply(_overlap_add(frames, stride),
                            (n_fft / stride / np.where(norm > 1e-10, norm, 1.0)).astype(dtype))
    elif isinstance(win, np.ndarray):
        norm = _overlap_add_np(np.tile(win.astype("float64") ** 2, (count, 1)), stride)
        scale = 1.0 / np.where(norm > 1e-10, norm, 1.0)
        signal = M.multiply(_overlap_add(M.multiply(frames, win), stride), scale.astype(dtype))
    else:
        norm = _overlap_add(A.tile(A.expand_dims(M.square(win), 0), [count, 1]), stride)
        safe = M.where(M.greater(norm, 1e-10), norm, M.add(M.multiply(norm, 0.0), 1.0))
        signal = M.divide(_overlap_add(M.multiply(frames, win), stride), safe)
    start = n_fft // 2 if center else 0
    total = n_fft + stride * (count - 1)
    if length is not None:
        end = start + _check_length(length, "istft", "length")
    else:
        end = total - n_fft // 2 if center else total
    return signal[..., start:end]


def _overlap_add_np(frames: np.ndarray, stride: int) -> np.ndarray:
    count, size = frames.shape
    out = np.zeros(size + stride * (count - 1))
    for f in range(count):
        out[f * stride:f * stride + size] += frames[f]
    return out

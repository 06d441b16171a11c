"""`tf.signal`'s framing, windows and spectral features: frame, overlap_and_add, the
windows (hann, hamming, kaiser, kaiser_bessel_derived, vorbis), stft / inverse_stft /
inverse_stft_window_fn, mdct / inverse_mdct, linear_to_mel_weight_matrix and
mfccs_from_log_mel_spectrograms.

All are composites (gather, pad, reshape, the FFT primitives), differentiable in their
signal inputs. Windows and the mel matrix depend only on static sizes: they are computed
with NumPy in float64 from TF's documented formulas and cast to `dtype`.

Example:
    >>> import ember as tf
    >>> tf.signal.frame(tf.range(5), 2, 2).numpy().tolist()
    [[0, 1], [2, 3]]
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core.dtypes import as_dtype, float32
from ..core.errors import InvalidArgumentError
from ..core.tensor import is_tensor
from ..prims.convert import as_tensor, cast, convert_to_tensor
from ..prims.gather import gather
from ..prims.index import basic_getitem
from ..prims.math import add, multiply, negative, subtract
from ..prims.reduce import reduce_sum
from ..prims.signal import irfft_op, rfft_op
from .shape_ops import concat, pad, reshape, reverse
from .signal_ops import dct

__all__ = ["frame", "hamming_window", "hann_window", "inverse_mdct", "inverse_stft",
           "inverse_stft_window_fn", "kaiser_bessel_derived_window", "kaiser_window",
           "linear_to_mel_weight_matrix", "mdct", "mfccs_from_log_mel_spectrograms",
           "overlap_and_add", "stft", "vorbis_window"]


def _int(op: str, what: str, v: Any, low: int) -> int:
    if is_tensor(v):
        v = v.numpy()
    try:
        n = int(np.asarray(v).reshape(()))
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{op}: {what} must be a scalar int, received {v!r}.")
    if n < low:
        raise InvalidArgumentError(f"{op}: {what} must be >= {low}, received {n}.")
    return n


def _signal(op: str, x: Any) -> Any:
    if not is_tensor(x) and not isinstance(x, np.ndarray) and np.asarray(x).dtype == np.float64:
        x = np.asarray(x, np.float32)  # Python floats: float32, as TF (arrays keep theirs)
    return as_tensor(x)


# -- frame / overlap_and_add ------------------------------------------------------------------

def frame(signal: Any, frame_length: Any, frame_step: Any, pad_end: bool = False,
          pad_value: Any = 0, axis: int = -1, name: str | None = None) -> Any:
    """Slides a window of `frame_length` over `axis` in steps of `frame_step`: that axis
    becomes [num_frames, frame_length]; with `pad_end` the end is padded with
    `pad_value` so that every sample starts a frame's step (ceil(n / step) frames).

    Example:
        >>> import ember as tf
        >>> tf.signal.frame(tf.range(5), 3, 2, pad_end=True).numpy().tolist()
        [[0, 1, 2], [2, 3, 4], [4, 0, 0]]
    """
    x = as_tensor(signal)
    L = _int("frame", "frame_length", frame_length, 0)
    step = _int("frame", "frame_step", frame_step, 1)
    rank = x.shape.rank
    if rank is None or rank < 1:
        raise InvalidArgumentError(f"frame: the signal must have rank >= 1, received "
                                   f"shape {x.shape}.")
    ax = int(axis) + rank if int(axis) < 0 else int(axis)
    if not 0 <= ax < rank:
        raise InvalidArgumentError(f"frame: axis {axis} is out of range for rank {rank}.")
    n = x.shape[ax]
    if n is None:
        raise InvalidArgumentError(f"frame: the framed dim of {x.shape} must be known.")
    if pad_end:
        count = -(-n // step)
        need = (count - 1) * step + L if count else 0
        if need > n:
            pads = [[0, 0] for _ in range(rank)]
            pads[ax][1] = need - n
            x = pad(x, pads, constant_values=pad_value)
    else:
        count = max(0, 1 + (n - L) // step) if n >= L else 0
    index = (np.arange(count)[:, None] * step + np.arange(L)[None, :]).astype(np.int32)
    return gather(x, as_tensor(index), axis=ax)


def overlap_and_add(signal: Any, frame_step: Any, name: str | None = None) -> Any:
    """Adds framed signals [..., frames, frame_length] back together, frame i starting at
    i * frame_step: [..., (frames - 1) * frame_step + frame_length].

    Example:
        >>> import ember as tf
        >>> tf.signal.overlap_and_add(tf.ones([3, 2]), 1).numpy()
        array([1., 2., 2., 1.], dtype=float32)
    """
    x = as_tensor(signal)
    step = _int("overlap_and_add", "frame_step", frame_step, 1)
    rank = x.shape.rank
    if rank is None or rank < 2:
        raise InvalidArgumentError(f"overlap_and_add: the signal must have rank >= 2 "
                                   f"([..., frames, frame_length]), received {x.shape}.")
    F, L = x.shape[-2], x.shape[-1]
    if F is None or L is None:
        raise InvalidArgumentError(f"overlap_and_add: the frame dims of {x.shape} must be "
                                   f"known.")
    out_len = max((F - 1) * step + L, 0)
    if F == 0 or L == 0:  # zeros of (F - 1) * frame_step + frame_length, as TF
        empty = reduce_sum(basic_getitem(x, (Ellipsis, slice(0, 1), slice(0, 0))), -2)
        return pad(empty, [[0, 0]] * (rank - 2) + [[0, out_len]])
    k = -(-L // step)  # segments of frame_step per frame
    batch = list(x.shape[:-2])
    if k * step > L:
        x = pad(x, [[0, 0]] * (rank - 1) + [[0, k * step - L]])
    seg = reshape(x, [-1 if d is None else d for d in batch] + [F, k, step])
    total = None
    for j in range(k):
        part = basic_getitem(seg, (Ellipsis, slice(None), j, slice(None)))  # [..., F, step]
        part = pad(part, [[0, 0]] * (rank - 2) + [[j, k - 1 - j], [0, 0]])
        total = part if total is None else add(total, part)
    flat = reshape(total, [-1 if d is None else d for d in batch] + [(F + k - 1) * step])
    return basic_getitem(flat, (Ellipsis, slice(0, out_len)))


# -- windows ------------------------------------------------------------------------------------

def _window(op: str, window_length: Any, dtype: Any) -> tuple:
    n = _int(op, "window_length", window_length, 0)
    dt = as_dtype(dtype)
    if not dt.is_floating:
        raise InvalidArgumentError(f"{op}: dtype must be a floating point type, received "
                                   f"{dt.name}.")
    return n, dt


def _out(w: np.ndarray, dt: Any) -> Any:
    return convert_to_tensor(np.asarray(w, np.float64).astype(dt._numpy()))


def _raised_cosine(op: str, window_length: Any, periodic: Any, dtype: Any, a: float,
                   b: float) -> Any:
    n, dt = _window(op, window_length, dtype)
    if n == 1:
        return _out(np.ones(1), dt)
    periodic = bool(periodic.numpy() if is_tensor(periodic) else periodic)
    denom = n if periodic and n % 2 == 0 else n - 1  # TF: periodic only for even lengths
    return _out(a - b * np.cos(2 * np.pi * np.arange(n) / max(denom, 1)), dt)


def hann_window(window_length: Any, periodic: Any = True, dtype: Any = float32,
                name: str | None = None) -> Any:
    """0.5 - 0.5 cos(2 pi n / N), N = window_length (periodic) or window_length - 1.

    Example:
        >>> import ember as tf
        >>> tf.signal.hann_window(4).numpy()
        array([0. , 0.5, 1. , 0.5], dtype=float32)
    """
    return _raised_cosine("hann_window", window_length, periodic, dtype, 0.5, 0.5)


def hamming_window(window_length: Any, periodic: Any = True, dtype: Any = float32,
                   name: str | None = None) -> Any:
    """0.54 - 0.46 cos(2 pi n / N), N = window_length (periodic) or window_length - 1.

    Example:
        >>> import ember as tf
        >>> tf.signal.hamming_window(4).numpy()
        array([0.08, 0.54, 1.  , 0.54], dtype=float32)
    """
    return _raised_cosine("hamming_window", window_length, periodic, dtype, 0.54, 0.46)


def _kaiser(n: int, beta: float) -> np.ndarray:
    if n == 1:
        return np.ones(1)
    r = 2 * np.arange(n) / (n - 1) - 1
    return np.i0(beta * np.sqrt(np.clip(1 - r * r, 0, None))) / np.i0(beta)


def _beta(beta: Any) -> float:
    return float(beta.numpy() if is_tensor(beta) else beta)


def kaiser_window(window_length: Any, beta: Any = 12.0, dtype: Any = float32,
                  name: str | None = None) -> Any:
    """I0(beta sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta), the Kaiser window.

    Example:
        >>> import ember as tf
        >>> tf.signal.kaiser_window(3, beta=0.0).numpy()
        array([1., 1., 1.], dtype=float32)
    """
    n, dt = _window("kaiser_window", window_length, dtype)
    return _out(_kaiser(n, _beta(beta)), dt)


def kaiser_bessel_derived_window(window_length: Any, beta: Any = 12.0, dtype: Any = float32,
                                 name: str | None = None) -> Any:
    """The Kaiser-Bessel-derived window: sqrt of the normalized running sum of a Kaiser
    window of window_length // 2 + 1, mirrored (length 2 * (window_length // 2), as TF).

    Example:
        >>> import ember as tf
        >>> tf.signal.kaiser_bessel_derived_window(4, beta=0.0).numpy().round(4)
        array([0.5774, 0.8165, 0.8165, 0.5774], dtype=float32)
    """
    n, dt = _window("kaiser_bessel_derived_window", window_length, dtype)
    half = n // 2
    csum = np.cumsum(_kaiser(half + 1, _beta(beta)))
    w = np.sqrt(csum[:-1] / csum[-1])
    return _out(np.concatenate([w, w[::-1]]), dt)


def vorbis_window(window_length: Any, dtype: Any = float32, name: str | None = None) -> Any:
    """sin(pi / 2 sin^2(pi (n + 0.5) / N)), the Vorbis power-complementary window.

    Example:
        >>> import ember as tf
        >>> tf.signal.vorbis_window(2).numpy()
        array([0.70710677, 0.70710677], dtype=float32)
    """
    n, dt = _window("vorbis_window", window_length, dtype)
    return _out(np.sin(np.pi / 2 * np.sin(np.pi * (np.arange(n) + 0.5) / max(n, 1)) ** 2), dt)


# -- stft ------------------------------------------------------------------------------------

def _real_signal(op: str, x: Any) -> Any:
    x = _signal(op, x)
    if x.dtype.name not in ("float32", "float64"):
        raise InvalidArgumentError(f"{op}: signals must be float32 or float64, received "
                                   f"{x.dtype.name}. Cast them first.")
    return x


def _fft_length(frame_length: int, fft_length: Any) -> int:
    if fft_length is None:
        return 1 if frame_length <= 1 else 1 << (frame_length - 1).bit_length()
    return _int("stft", "fft_length", fft_length, 1)


def stft(signals: Any, frame_length: Any, frame_step: Any, fft_length: Any = None,
         window_fn: Callable | None = hann_window, pad_end: bool = False,
         name: str | None = None) -> Any:
    """The short-time Fourier transform [..., frames, fft_length // 2 + 1] of real
    `signals` [..., samples]: frames windowed by `window_fn(frame_length, dtype=...)`,
    fft_length defaulting to the smallest power of 2 >= frame_length.

    Example:
        >>> import ember as tf
        >>> tf.signal.stft(tf.zeros([16]), 8, 4).shape
        TensorShape([3, 5])
    """
    x = _real_signal("stft", signals)
    L = _int("stft", "frame_length", frame_length, 1)
    n = _fft_length(L, fft_length)
    frames = frame(x, L, frame_step, pad_end=pad_end)
    if window_fn is not None:
        frames = multiply(frames, cast(window_fn(L, dtype=x.dtype), x.dtype))
    return rfft_op(frames, (-1,), (n,))


def inverse_stft(stfts: Any, frame_length: Any, frame_step: Any, fft_length: Any = None,
                 window_fn: Callable | None = hann_window, name: str | None = None) -> Any:
    """The signal [..., samples] back from `stfts` [..., frames, fft_length // 2 + 1]:
    each frame's irfft cropped/padded to frame_length, windowed, overlap-added. For
    perfect reconstruction pass `inverse_stft_window_fn(frame_step)` as window_fn.

    Example:
        >>> import ember as tf
        >>> tf.signal.inverse_stft(tf.zeros([3, 5], tf.complex64), 8, 4).shape
        TensorShape([16])
    """
    s = as_tensor(stfts)
    if not s.dtype.is_complex:
        raise InvalidArgumentError(f"inverse_stft: stfts must be complex64 or complex128, "
                                   f"received {s.dtype.name}.")
    L = _int("inverse_stft", "frame_length", frame_length, 1)
    n = _fft_length(L, fft_length)
    frames = irfft_op(s, (-1,), (n,))
    if n > L:
        frames = basic_getitem(frames, (Ellipsis, slice(0, L)))
    elif n < L:
        frames = pad(frames, [[0, 0]] * (frames.shape.rank - 1) + [[0, L - n]])
    if window_fn is not None:
        frames = multiply(frames, cast(window_fn(L, dtype=frames.dtype), frames.dtype))
    return overlap_and_add(frames, frame_step)


def inverse_stft_window_fn(frame_step: Any, forward_window_fn: Callable = hann_window,
                           name: str | None = None) -> Callable:
    """A window_fn for `inverse_stft` that inverts `stft` with `forward_window_fn`: the
    forward window divided by the overlap-added squares of it (every frame_step).

    Example:
        >>> import ember as tf
        >>> fn = tf.signal.inverse_stft_window_fn(2)
        >>> fn(4, dtype=tf.float32).numpy()
        array([0., 1., 1., 1.], dtype=float32)
    """
    step = _int("inverse_stft_window_fn", "frame_step", frame_step, 1)

    def inverse_window_fn(frame_length: Any, dtype: Any = float32) -> Any:
        L = _int("inverse_stft_window_fn", "frame_length", frame_length, 0)
        w = np.asarray(forward_window_fn(L, dtype=dtype).numpy(), np.float64)
        k = -(-L // step)
        sq = np.pad(w * w, (0, k * step - L)).reshape(k, step).sum(0)
        denom = np.tile(sq, k)[:L]
        return _out(w / denom, as_dtype(dtype))

    return inverse_window_fn


# -- mdct ------------------------------------------------------------------------------------

def _mdct_window(window_fn: Callable | None, length: int, dtype: Any) -> Any:
    """The window of (inverse_)mdct; without window_fn the flat Princen-Bradley window
    1 / sqrt(2), as TF."""
    if window_fn is None:
        return as_tensor(np.asarray(np.sqrt(0.5), dtype._numpy()))
    return cast(window_fn(length, dtype=dtype), dtype)


def mdct(signals: Any, frame_length: Any, window_fn: Callable | None = vorbis_window,
         pad_end: bool = False, norm: Any = None, name: str | None = None) -> Any:
    """The modified DCT [..., frames, frame_length / 2] of frames of `frame_length` (a
    multiple of 4) taken every frame_length / 2, windowed by `window_fn`; norm None or
    'ortho'.

    Example:
        >>> import ember as tf
        >>> tf.signal.mdct(tf.zeros([16]), 8).shape
        TensorShape([3, 4])
    """
    x = _real_signal("mdct", signals)
    L = _int("mdct", "frame_length", frame_length, 4)
    if L % 4:
        raise InvalidArgumentError(f"mdct: the frame length must be a multiple of 4, "
                                   f"received {L}.")
    if norm not in (None, "ortho"):
        raise InvalidArgumentError(f"mdct: norm must be None or 'ortho', received {norm!r}.")
    frames = frame(x, L, L // 2, pad_end=pad_end)
    frames = multiply(frames, _mdct_window(window_fn, L, x.dtype))
    q = L // 4
    a, b, c, d = (basic_getitem(frames, (Ellipsis, slice(i * q, (i + 1) * q)))
                  for i in range(4))
    u = concat([subtract(negative(reverse(c, [-1])), d), subtract(a, reverse(b, [-1]))], -1)
    return dct(u, type=4, norm=norm)


def inverse_mdct(mdcts: Any, window_fn: Callable | None = vorbis_window, norm: Any = None,
                 name: str | None = None) -> Any:
    """The signal back from `mdct` (time-domain aliasing cancelled by overlap-add with
    the same Princen-Bradley window).

    Example:
        >>> import ember as tf
        >>> tf.signal.inverse_mdct(tf.zeros([3, 4])).shape
        TensorShape([16])
    """
    X = _real_signal("inverse_mdct", mdcts)
    if norm not in (None, "ortho"):
        raise InvalidArgumentError(f"inverse_mdct: norm must be None or 'ortho', received "
                                   f"{norm!r}.")
    half = X.shape[-1]
    if half is None or half % 2:
        raise InvalidArgumentError(f"inverse_mdct: the last dim of {X.shape} must be known "
                                   f"and even.")
    u = dct(X, type=4, norm=norm)
    if norm != "ortho":
        u = multiply(u, as_tensor(np.asarray(1.0 / (2 * half), u.dtype._numpy())))
    h = half // 2
    r1 = basic_getitem(u, (Ellipsis, slice(0, h)))
    r2 = basic_getitem(u, (Ellipsis, slice(h, half)))
    frames = concat([r2, negative(reverse(r2, [-1])), negative(reverse(r1, [-1])),
                     negative(r1)], -1)
    frames = multiply(frames, _mdct_window(window_fn, 2 * half, X.dtype))
    return overlap_and_add(frames, half)


# -- mel and cepstra -------------------------------------------------------------------------

def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    return 1127.0 * np.log1p(np.asarray(f, np.float64) / 700.0)  # HTK


def linear_to_mel_weight_matrix(num_mel_bins: int = 20, num_spectrogram_bins: int = 129,
                                sample_rate: Any = 8000, lower_edge_hertz: float = 125.0,
                                upper_edge_hertz: float = 3800.0, dtype: Any = float32,
                                name: str | None = None) -> Any:
    """The [num_spectrogram_bins, num_mel_bins] matrix of triangular HTK-mel filters
    (mel = 1127 ln(1 + f / 700)) between lower_edge_hertz and upper_edge_hertz; the DC
    bin's row is zero, as TF.

    Example:
        >>> import ember as tf
        >>> tf.signal.linear_to_mel_weight_matrix().shape
        TensorShape([129, 20])
    """
    op = "linear_to_mel_weight_matrix"
    num_mel_bins = _int(op, "num_mel_bins", num_mel_bins, 0)
    bins = _int(op, "num_spectrogram_bins", num_spectrogram_bins, 0)
    rate = float(sample_rate.numpy() if is_tensor(sample_rate) else sample_rate)
    lo, hi = float(lower_edge_hertz), float(upper_edge_hertz)
    if num_mel_bins <= 0:
        raise InvalidArgumentError(f"{op}: num_mel_bins must be positive, received "
                                   f"{num_mel_bins}.")
    if lo < 0:
        raise InvalidArgumentError(f"{op}: lower_edge_hertz must be non-negative, received "
                                   f"{lo}.")
    if lo >= hi:
        raise InvalidArgumentError(f"{op}: lower_edge_hertz {lo} >= upper_edge_hertz {hi}.")
    if rate <= 0:
        raise InvalidArgumentError(f"{op}: sample_rate must be positive, received {rate}.")
    if hi > rate / 2:
        raise InvalidArgumentError(f"{op}: upper_edge_hertz must not be larger than the "
                                   f"Nyquist frequency (sample_rate / 2), received {hi} for "
                                   f"sample_rate {rate}.")
    dt = as_dtype(dtype)
    if not dt.is_floating:
        raise InvalidArgumentError(f"{op}: dtype must be floating, received {dt.name}.")
    freqs = np.linspace(0.0, rate / 2, bins)[1:]
    mel = _hz_to_mel(freqs)[:, None]
    edges = np.linspace(_hz_to_mel(lo), _hz_to_mel(hi), num_mel_bins + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (mel - lower) / (center - lower)
    falling = (upper - mel) / (upper - center)
    w = np.maximum(0.0, np.minimum(rising, falling))
    return _out(np.concatenate([np.zeros((1, num_mel_bins)), w], 0)[:bins], dt)


def mfccs_from_log_mel_spectrograms(log_mel_spectrograms: Any, name: str | None = None) -> Any:
    """Mel-frequency cepstral coefficients: the type-II DCT of the log-mel spectrograms
    over the last axis, scaled by 1 / sqrt(2 * num_mel_bins) (as TF).

    Example:
        >>> import ember as tf
        >>> tf.signal.mfccs_from_log_mel_spectrograms(tf.ones([1, 2])).numpy().round(4)
        array([[2., 0.]], dtype=float32)
    """
    x = _real_signal("mfccs_from_log_mel_spectrograms", log_mel_spectrograms)
    m = x.shape[-1] if x.shape.rank else None
    if not m:
        raise InvalidArgumentError(f"mfccs_from_log_mel_spectrograms: num_mel_bins (the last "
                                   f"dim of {x.shape}) must be known and positive.")
    y = dct(x, type=2)
    return multiply(y, as_tensor(np.asarray(1 / np.sqrt(2.0 * m), y.dtype._numpy())))

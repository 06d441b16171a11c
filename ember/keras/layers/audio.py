"""Audio layers of Keras 3: `STFTSpectrogram` and `MelSpectrogram`.

`STFTSpectrogram` holds the windowed DFT of a frame as two convolution kernels
(`real_kernel`, `imag_kernel`, shape `(frame_length, 1, fft_length // 2 + 1)`, trainable
with the layer), so its weights load from and into Keras 3's layer. `MelSpectrogram`
is a fixed transform: `keras.ops.stft` (centred, reflect-padded), a power of the
magnitude, the HTK mel filter bank and an optional dB scale.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> x = np.zeros((2, 64, 1), "float32")
    >>> keras.layers.STFTSpectrogram(frame_length=16, frame_step=8)(x).shape
    TensorShape([2, 7, 9])
    >>> keras.layers.MelSpectrogram(fft_length=32, sequence_stride=16,
    ...                             num_mel_bins=8)(np.ones((2, 64), "float32")).shape
    TensorShape([2, 8, 5])
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import ops
from ..config import epsilon, standardize_data_format
from ..engine.input_spec import InputSpec
from ..engine.keras_tensor import KerasTensor
from ..engine.layer import Layer

__all__ = ["MelSpectrogram", "STFTSpectrogram"]

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")
_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0

# scipy.signal's generalized cosine windows: coefficients a_k of sum (-1)^k a_k cos(k x)
_COSINE_WINDOWS = {
    "hann": (0.5, 0.5), "hanning": (0.5, 0.5),
    "hamming": (0.54, 0.46), "hamm": (0.54, 0.46),
    "blackman": (0.42, 0.50, 0.08), "black": (0.42, 0.50, 0.08),
    "boxcar": (1.0,), "box": (1.0,), "ones": (1.0,), "rect": (1.0,), "rectangular": (1.0,),
}


def get_window(window: Any, length: int, periodic: bool = False) -> np.ndarray:
    """The window `window` of `length` samples as scipy.signal.get_window gives it
    (`periodic` is its `fftbins`): hann, hamming, blackman and boxcar are built in; other
    names use SciPy when it is installed.

    Example:
        >>> get_window("hann", 4, periodic=True)
        array([0. , 0.5, 1. , 0.5])
    """
    if isinstance(window, str) and window.lower() in _COSINE_WINDOWS:
        coeffs = _COSINE_WINDOWS[window.lower()]
        if length == 1:
            return np.ones(1)
        n = length + 1 if periodic else length
        x = np.linspace(-np.pi, np.pi, n)
        win = sum(a * np.cos(k * x) for k, a in enumerate(coeffs))
        return np.asarray(win[:length], dtype="float64")
    try:
        from scipy import signal
    except ImportError:  # pragma: no cover - SciPy is optional
        raise NotImplementedError(
            f"STFTSpectrogram: window={window!r} needs SciPy (scipy.signal.get_window); "
            f"without it the windows are {', '.join(sorted(_COSINE_WINDOWS))}, or pass "
            f"the window's values.") from None
    return np.asarray(signal.get_window(window, length, periodic), dtype="float64")


def stft_kernel(side: str, frame_length: int, bins: int, window: Any, scaling: Any,
                periodic: bool, dtype: str = "float32") -> np.ndarray:
    """Keras 3's STFT initializer: the `side` ('real' or 'imag') of the windowed DFT,
    shape `(frame_length, 1, bins)`, computed in `dtype` as Keras does.

    Example:
        >>> stft_kernel("real", 2, 2, None, None, False)[:, 0, :]
        array([[ 1.,  1.],
               [ 1., -1.]], dtype=float32)
    """
    dt = np.dtype(dtype)
    freq = np.arange(bins, dtype=dt).reshape(1, 1, bins) / dt.type((bins - 1) * 2)
    time = np.arange(frame_length, dtype=dt).reshape(frame_length, 1, 1)
    args = (dt.type(-2) * time) * freq * np.arccos(dt.type(-1))
    kernel = (np.cos(args) if side == "real" else np.sin(args)).astype(dt)
    if window is None:
        return kernel
    win = get_window(window, frame_length, periodic) if isinstance(window, (str, tuple)) \
        else np.asarray(window)
    win = win.astype(dt)
    if win.ndim != 1 or win.shape[0] != frame_length:
        raise ValueError(f"STFTSpectrogram: the shape of `window` must be equal to "
                         f"[frame_length] = [{frame_length}]. Received: window shape="
                         f"{win.shape}")
    win = win.reshape(frame_length, 1, 1)
    scale = dt.type(1)
    if scaling == "density":
        scale = np.sqrt(np.sum(np.square(win)))
    elif scaling == "spectrum":
        scale = np.sum(np.abs(win))
    return ((kernel * win) / scale).astype(dt)


def _config_value(value: Any) -> Any:
    """A window array as a list, so that the config is JSON."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    return value.tolist() if isinstance(value, np.ndarray) else value


class STFTSpectrogram(Layer):
    """The short-time Fourier transform of 1-D signals as a spectrogram, computed with
    convolution kernels (`real_kernel`, `imag_kernel`) that can be trained (Keras 3's
    `keras.layers.STFTSpectrogram`).

    Args:
        mode: 'log' (default, log magnitude), 'magnitude', 'psd' (power spectral
            density), 'real', 'imag', 'angle', or 'stft' (real then imaginary bins).
        frame_length: samples per frame (window), default 256.
        frame_step: hop between frames, default `frame_length // 2`.
        fft_length: DFT size (>= frame_length), default the next power of two.
        window: 'hann' (default), 'hamming', another scipy.signal window name, an
            array of `frame_length` values, or None.
        periodic: a periodic rather than symmetric window. Default False.
        scaling: 'density' (default, L2-normalised window), 'spectrum' (L1), or None.
        padding: 'valid' (default) or 'same'.
        expand_dims: give `(..., time, freq, channels)` (channels_last) or
            `(..., channels, time, freq)` (channels_first) instead of folding the
            channels into the frequency axis.
        data_format: 'channels_last' (`(batch, time, channels)`) or 'channels_first'.

    Input shape: `(batch, time, channels)` (channels_last) or `(batch, channels, time)`.

    Output shape: `(batch, frames, channels * bins)` (channels_last) or
    `(batch, channels * bins, frames)`; `bins` is `fft_length // 2 + 1` (twice that for
    mode 'stft').

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.STFTSpectrogram(mode="magnitude", frame_length=8,
        ...                                      window=None, scaling=None, name="stft")
        >>> x = np.cos(np.pi * np.arange(16, dtype="float32"))[None, :, None]
        >>> np.round(layer(x)[0, 0].numpy(), 3)
        array([0., 0., 0., 0., 8.], dtype=float32)
        >>> [w.name for w in layer.weights]
        ['stft/real_kernel:0', 'stft/imag_kernel:0']
    """

    _default_name = "stft_spectrogram"

    def __init__(self, mode: str = "log", frame_length: int = 256,
                 frame_step: int | None = None, fft_length: int | None = None,
                 window: Any = "hann", periodic: bool = False,
                 scaling: str | None = "density", padding: str = "valid",
                 expand_dims: bool = False, data_format: str | None = None,
                 **kwargs: Any):
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError("STFTSpectrogram: `frame_step` should be a positive integer not "
                             f"greater than `frame_length`. Received frame_step="
                             f"{frame_step}, frame_length={frame_length}")
        if fft_length is not None and fft_length < frame_length:
            raise ValueError("STFTSpectrogram: `fft_length` should be not less than "
                             f"`frame_length`. Received fft_length={fft_length}, "
                             f"frame_length={frame_length}")
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn("`fft_length` is recommended to be a power of two. "
                          f"Received fft_length={fft_length}")
        if mode not in _MODES:
            raise ValueError(f"STFTSpectrogram: output mode is invalid, it must be one of "
                             f"{', '.join(_MODES)}. Received: mode={mode}")
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError("STFTSpectrogram: scaling is invalid, it must be `None`, "
                             f"'density' or 'spectrum'. Received scaling={scaling}")
        if padding not in ("valid", "same"):
            raise ValueError("STFTSpectrogram: padding is invalid, it should be 'valid', "
                             f"'same'. Received: padding={padding}")
        if isinstance(window, str):
            get_window(window, 1)  # an unknown window name fails here, as in Keras
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape: Any) -> None:
        bins = self._fft_length // 2 + 1
        shape = (self.frame_length, 1, bins)
        dtype = self.variable_dtype
        for side in ("real", "imag"):
            if self.mode == ("imag" if side == "real" else "real"):
                continue
            value = stft_kernel(side, self.frame_length, bins, self.window, self.scaling,
                                self.periodic, dtype)
            setattr(self, f"{side}_kernel", self.add_weight(
                name=f"{side}_kernel", shape=shape,
                initializer=lambda s, dtype=None, v=value: v))

    def _conv(self, signal: Any, kernel: Any) -> Any:
        """One channel `(batch, time, 1)` through `kernel`: `(batch, frames, bins)`."""
        return ops.conv(signal, ops.cast(kernel, signal.dtype), strides=self._frame_step,
                        padding=self.padding, data_format="channels_last")

    def _channel(self, signal: Any) -> Any:
        """The output of one channel, `(batch, frames, bins)`."""
        real = self._conv(signal, self.real_kernel) if self.mode != "imag" else None
        imag = self._conv(signal, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            return real
        if self.mode == "imag":
            return imag
        if self.mode == "angle":
            return ops.arctan2(imag, real)
        if self.mode == "stft":
            return ops.concatenate([real, imag], axis=-1)
        power = ops.add(ops.square(real), ops.square(imag))
        if self.mode == "psd":  # the bins but DC and Nyquist count twice (one-sided PSD)
            weight = np.ones(self._fft_length // 2 + 1)
            weight[1:-1] = 2.0
            return ops.multiply(power, ops.cast(weight, power.dtype))
        magnitude = ops.sqrt(ops.maximum(power, epsilon()))
        if self.mode == "magnitude":
            return magnitude
        return ops.log(ops.maximum(magnitude, epsilon()))

    def call(self, inputs: Any) -> Any:
        if inputs.dtype.name not in ("float16", "float32", "float64"):
            raise TypeError(f'Layer "{self.name}" (STFTSpectrogram): invalid input type. '
                            f"Expected `float16`, `float32` or `float64`. Received: input "
                            f"type={inputs.dtype.name}")
        if self.data_format == "channels_first":
            inputs = ops.transpose(inputs, [0, 2, 1])
        channels = inputs.shape[-1]
        if channels is None:
            raise ValueError(f'Layer "{self.name}" (STFTSpectrogram): the number of input '
                             f"channels must be known, received shape {inputs.shape}.")
        outs = [self._channel(inputs[:, :, c:c + 1]) for c in range(channels)]
        if self.expand_dims:  # (batch, frames, bins, channels) / (batch, channels, ...)
            return ops.stack(outs, axis=-1 if self.data_format == "channels_last" else 1)
        out = outs[0] if channels == 1 else ops.concatenate(outs, axis=-1)
        return out if self.data_format == "channels_last" else ops.transpose(out, [0, 2, 1])

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode,
                "frame_length": self.frame_length, "frame_step": self.frame_step,
                "fft_length": self.fft_length, "window": _config_value(self.window),
                "periodic": self.periodic, "scaling": self.scaling,
                "padding": self.padding, "data_format": self.data_format,
                "expand_dims": self.expand_dims}


def linear_to_mel_weight_matrix(num_mel_bins: int = 20, num_spectrogram_bins: int = 129,
                                sampling_rate: float = 8000,
                                lower_edge_hertz: float = 125.0,
                                upper_edge_hertz: float = 3800.0,
                                dtype: str = "float32") -> np.ndarray:
    """The HTK mel filter bank, `(num_spectrogram_bins, num_mel_bins)`: triangles of peak
    1 between mel-spaced edges in `[lower_edge_hertz, upper_edge_hertz]`, the DC bin
    zero (as Keras 3's `MelSpectrogram.linear_to_mel_weight_matrix`).

    Example:
        >>> linear_to_mel_weight_matrix(2, 5, 8000, 0.0, 4000.0).shape
        (5, 2)
    """
    def to_mel(hz: Any) -> Any:
        return _MEL_HIGH_FREQUENCY_Q * np.log(1.0 + np.asarray(hz, "float64") /
                                              _MEL_BREAK_FREQUENCY_HERTZ)

    linear = np.linspace(0.0, sampling_rate / 2.0, num_spectrogram_bins)[1:]
    bins_mel = to_mel(linear)[:, None]
    edges = np.linspace(to_mel(lower_edge_hertz), to_mel(upper_edge_hertz),
                        num_mel_bins + 2)
    lower, center, upper = (edges[i:i + num_mel_bins][None, :] for i in range(3))
    lower_slopes = (bins_mel - lower) / (center - lower)
    upper_slopes = (upper - bins_mel) / (upper - center)
    weights = np.maximum(0.0, np.minimum(lower_slopes, upper_slopes))
    return np.pad(weights, [[1, 0], [0, 0]]).astype(dtype)


class MelSpectrogram(Layer):
    """Mel spectrograms of raw audio (Keras 3's `keras.layers.MelSpectrogram`): the
    centred STFT, `|X| ** mag_exp`, the HTK mel filter bank, then optionally decibels.

    Args:
        fft_length: FFT size, default 2048.
        sequence_stride: hop between frames, default 512.
        sequence_length: window length (<= fft_length), default `fft_length`.
        window: 'hann' (default), 'hamming', an array of `sequence_length` values, or
            None.
        sampling_rate: samples per second, default 16000.
        num_mel_bins: mel bands, default 128.
        min_freq / max_freq: the band edges in Hz (defaults 20.0 and
            `sampling_rate / 2`).
        power_to_db: convert to decibels, `10 * log10(S / ref_power)`. Default True.
        top_db: the dB floor below the maximum (over the whole batch, as Keras).
        mag_exp: exponent of the magnitude: 1 magnitude, 2 power (default).
        min_power: the smallest power (and ref_power) for the log. Default 1e-10.
        ref_power: the reference power of 0 dB. Default 1.0.

    Input shape: `(samples,)` or `(batch, samples)`.
    Output shape: `(num_mel_bins, frames)` or `(batch, num_mel_bins, frames)`, with
    `frames = 1 + samples // sequence_stride`.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.MelSpectrogram(fft_length=64, sequence_stride=32,
        ...                                     sampling_rate=8000, num_mel_bins=16)
        >>> layer(np.ones((3, 256), "float32")).shape
        TensorShape([3, 16, 9])
    """

    def __init__(self, fft_length: int = 2048, sequence_stride: int = 512,
                 sequence_length: int | None = None, window: Any = "hann",
                 sampling_rate: int = 16000, num_mel_bins: int = 128,
                 min_freq: float = 20.0, max_freq: float | None = None,
                 power_to_db: bool = True, top_db: float = 80.0, mag_exp: float = 2.0,
                 min_power: float = 1e-10, ref_power: float = 1.0, **kwargs: Any):
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError("MelSpectrogram: `fft_length` must be greater than or equal to "
                             f"`sequence_length`. Received: `sequence_length`="
                             f"{self.sequence_length}, `fft_length`={self.fft_length}.")
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        super().__init__(**kwargs)
        self.input_spec = InputSpec(min_ndim=1, max_ndim=2)

    def call(self, inputs: Any) -> Any:
        compute = self.compute_dtype
        dtype = compute if compute in ("float32", "float64") else "float32"
        if isinstance(inputs, KerasTensor) and inputs.shape[-1] is None:
            # keras.ops.stft needs the length; the shape alone is known without it
            return KerasTensor(list(inputs.shape[:-1]) + [self.num_mel_bins, None], compute)
        x = ops.cast(inputs, dtype)
        real, imag = ops.stft(x, sequence_length=self.sequence_length,
                              sequence_stride=self.sequence_stride,
                              fft_length=self.fft_length, window=self.window, center=True)
        spec = ops.sqrt(ops.add(ops.square(real), ops.square(imag)))
        spec = ops.power(spec, ops.cast(self.mag_exp, dtype))
        matrix = linear_to_mel_weight_matrix(
            self.num_mel_bins, self.fft_length // 2 + 1, self.sampling_rate,
            self.min_freq, self.max_freq)
        out = ops.tensordot(spec, ops.cast(matrix, dtype), axes=1)
        if self.power_to_db:
            out = self._dbscale(out)
        return ops.cast(ops.swapaxes(out, -1, -2), compute)

    def _dbscale(self, x: Any) -> Any:
        log_spec = ops.multiply(10.0, ops.log10(ops.maximum(x, self.min_power)))
        ref = 10.0 * math.log10(max(abs(float(self.ref_power)), self.min_power))
        log_spec = ops.subtract(log_spec, ops.cast(ref, log_spec.dtype))
        if self.top_db is None:
            return log_spec
        return ops.maximum(log_spec, ops.subtract(ops.max(log_spec), self.top_db))

    def get_config(self) -> dict:
        return {**super().get_config(), "fft_length": self.fft_length,
                "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length,
                "window": _config_value(self.window), "sampling_rate": self.sampling_rate,
                "num_mel_bins": self.num_mel_bins, "min_freq": self.min_freq,
                "max_freq": self.max_freq, "power_to_db": self.power_to_db,
                "top_db": self.top_db, "mag_exp": self.mag_exp,
                "min_power": self.min_power, "ref_power": self.ref_power}

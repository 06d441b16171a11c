"""`tf.signal`: Fourier transforms, framing, windows, spectrograms and cepstra (issue 18).

Example:
    >>> import ember as tf
    >>> tf.signal.rfft(tf.constant([1.0, 0.0, 0.0, 0.0])).numpy()
    array([1.+0.j, 1.+0.j, 1.+0.j], dtype=complex64)
"""

from __future__ import annotations

from .ops.signal_ops import (dct, fft, fft2d, fft3d, fftnd, fftshift, idct, ifft, ifft2d,
                             ifft3d, ifftnd, ifftshift, irfft, irfft2d, irfft3d, irfftnd,
                             rfft, rfft2d, rfft3d, rfftnd)

__all__ = ["dct", "fft", "fft2d", "fft3d", "fftnd", "fftshift", "idct", "ifft",
                 "ifft2d", "ifft3d", "ifftnd", "ifftshift", "irfft", "irfft2d", "irfft3d",
                 "irfftnd", "rfft", "rfft2d", "rfft3d", "rfftnd"]
from .ops.signal_frames import (frame, hamming_window, hann_window, inverse_mdct,
                                inverse_stft, inverse_stft_window_fn,
                                kaiser_bessel_derived_window, kaiser_window,
                                linear_to_mel_weight_matrix, mdct,
                                mfccs_from_log_mel_spectrograms, overlap_and_add, stft,
                                vorbis_window)

__all__ += ["frame", "hamming_window", "hann_window", "inverse_mdct", "inverse_stft",
            "inverse_stft_window_fn", "kaiser_bessel_derived_window", "kaiser_window",
            "linear_to_mel_weight_matrix", "mdct", "mfccs_from_log_mel_spectrograms",
            "overlap_and_add", "stft", "vorbis_window"]

"""NumPy kernels of the FFT primitives (`fft`, `rfft`, `irfft`) with numpy.fft.

Example:
    >>> import numpy as np
    >>> from ember.backend.numpy.signal import KERNELS
    >>> KERNELS["rfft"](np.array([1.0, 1.0]), axes=(-1,), fft_length=(2,))
    array([2.+0.j, 0.+0.j])
"""

from __future__ import annotations

import numpy as np

_COMPLEX = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}
_REAL = {np.dtype(np.complex64): np.float32, np.dtype(np.complex128): np.float64}


def _out_shape(shape, axes, sizes):
    out = list(shape)
    for a, n in zip(axes, sizes):
        out[len(out) + a] = int(n)
    return out


def fft(x, axes, inverse):
    if x.size == 0:
        return np.zeros(x.shape, x.dtype)
    f = np.fft.ifftn if inverse else np.fft.fftn
    return f(x, axes=axes).astype(x.dtype, copy=False)


def rfft(x, axes, fft_length):
    dt = _COMPLEX[x.dtype]
    shape = _out_shape(x.shape, axes, fft_length)
    shape[-1] = int(fft_length[-1]) // 2 + 1
    if 0 in shape or 0 in fft_length or x.size == 0:
        return np.zeros(shape, dt)
    return np.fft.rfftn(x, s=fft_length, axes=axes).astype(dt, copy=False)


def irfft(x, axes, fft_length):
    dt = _REAL[x.dtype]
    shape = _out_shape(x.shape, axes, fft_length)
    if 0 in shape or x.size == 0:
        return np.zeros(shape, dt)
    return np.fft.irfftn(x, s=fft_length, axes=axes).astype(dt, copy=False)


KERNELS = {"fft": fft, "rfft": rfft, "irfft": irfft}

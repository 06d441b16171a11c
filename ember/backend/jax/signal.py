"""JAX kernels of the FFT primitives (`fft`, `rfft`, `irfft`) with jax.numpy.fft.

Example:
    >>> import numpy as np
    >>> from ember.backend.jax.signal import KERNELS  # doctest: +SKIP
    >>> KERNELS["rfft"](np.array([1.0, 1.0]), axes=(-1,), fft_length=(2,))  # doctest: +SKIP
    Array([2.+0.j, 0.+0.j], dtype=complex128)
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ..numpy.signal import _out_shape  # shape arithmetic, shared with the NumPy kernels

_COMPLEX = {np.dtype(np.float32): jnp.complex64, np.dtype(np.float64): jnp.complex128}
_REAL = {np.dtype(np.complex64): jnp.float32, np.dtype(np.complex128): jnp.float64}


def fft(x, axes, inverse):
    if x.size == 0:
        return jnp.zeros(x.shape, x.dtype)
    f = jnp.fft.ifftn if inverse else jnp.fft.fftn
    return f(x, axes=axes).astype(x.dtype)


def rfft(x, axes, fft_length):
    dt = _COMPLEX[np.dtype(x.dtype)]
    shape = _out_shape(x.shape, axes, fft_length)
    shape[-1] = int(fft_length[-1]) // 2 + 1
    if 0 in shape or 0 in fft_length or x.size == 0:
        return jnp.zeros(shape, dt)
    return jnp.fft.rfftn(x, s=fft_length, axes=axes).astype(dt)


def irfft(x, axes, fft_length):
    dt = _REAL[np.dtype(x.dtype)]
    shape = _out_shape(x.shape, axes, fft_length)
    if 0 in shape or x.size == 0:
        return jnp.zeros(shape, dt)
    return jnp.fft.irfftn(x, s=fft_length, axes=axes).astype(dt)


KERNELS = {"fft": fft, "rfft": rfft, "irfft": irfft}

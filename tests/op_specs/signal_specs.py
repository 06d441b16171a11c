"""Specs of the FFT primitives (ember/prims/signal.py): fft (and its inverse), rfft, irfft.

The references never call numpy.fft: each transform is a product with the DFT matrix
exp(-2 pi i j k / n) along one axis at a time, in float64/complex128, after the crop or
zero-pad TF's fft_length asks for; irfft rebuilds the full Hermitian spectrum first.
"""

from __future__ import annotations

import numpy as np

from . import Case, rng

R = rng(18)


def _c(*shape, dtype=np.complex128):
    return (R.standard_normal(shape) + 1j * R.standard_normal(shape)).astype(dtype)


def _f(*shape, dtype=np.float64):
    return R.standard_normal(shape).astype(dtype)


def _dft(x, axis, inverse=False):
    n = x.shape[axis]
    k = np.arange(n)
    m = np.exp((2j if inverse else -2j) * np.pi * np.outer(k, k) / max(n, 1))
    y = np.moveaxis(np.moveaxis(x.astype(np.complex128), axis, -1) @ m.T, -1, axis)
    return y / n if inverse and n else y


def _fit(x, axis, n):
    have = x.shape[axis]
    if have >= n:
        return np.take(x, np.arange(n), axis=axis)
    pad = [(0, 0)] * x.ndim
    pad[axis] = (0, n - have)
    return np.pad(x, pad)


_CPLX = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}
_REAL = {np.dtype(np.complex64): np.float32, np.dtype(np.complex128): np.float64}


def _fft_ref(x, axes, inverse):
    y = x.astype(np.complex128)
    for a in axes:
        y = _dft(y, a, inverse)
    return y.astype(x.dtype)


def _rfft_ref(x, axes, fft_length):
    y = x.astype(np.float64)
    for a, n in zip(axes, fft_length):
        y = _fit(y, a, n)
    for a in axes:
        y = _dft(y, a)
    y = np.take(y, np.arange(fft_length[-1] // 2 + 1), axis=-1)
    return y.astype(_CPLX[x.dtype])


def _irfft_ref(x, axes, fft_length):
    y = x.astype(np.complex128)
    for a, n in zip(axes[:-1], fft_length[:-1]):
        y = _fit(y, a, n)
    n = fft_length[-1]
    y = _fit(y, -1, n // 2 + 1)
    for a in axes[:-1]:
        y = _dft(y, a, inverse=True)
    # the last axis: the full Hermitian spectrum from the half (imaginary parts of the
    # terms without a partner dropped), then the inverse DFT's real part
    half = y.copy()
    half[..., 0] = half[..., 0].real
    if n % 2 == 0 and n:
        half[..., -1] = half[..., -1].real
    tail = np.conj(half[..., 1:(n + 1) // 2][..., ::-1])
    full = np.concatenate([half, tail], axis=-1)[..., :n]
    out = _dft(full, -1, inverse=True).real
    return out.astype(_REAL[x.dtype])


# inf and nan mix into the outputs by the order of the sums (inf - inf, nan * 0 dropped or
# kept): only -0.0 is compared
_SPECIALS = (-0.0,)


def _tol(x):
    return 1e-4 if x.dtype in (np.float32, np.complex64) else 1e-10


def _fft_case(x, axes, inverse=False):
    return Case((x,), _fft_ref, dict(axes=axes, inverse=inverse), rtol=_tol(x), atol=_tol(x),
                diff_args=(0,) if x.dtype == np.complex128 else None, shapes=None,
                specials=_SPECIALS)


def _rfft_case(x, axes, fft_length, prim="rfft"):
    ref = _rfft_ref if prim == "rfft" else _irfft_ref
    return Case((x,), ref, dict(axes=axes, fft_length=fft_length), rtol=_tol(x), atol=_tol(x),
                diff_args=(0,) if x.dtype in (np.float64, np.complex128) else None,
                shapes=None, specials=_SPECIALS)


SPECS = {
    "fft": [
        _fft_case(_c(3, 8), (-1,)),
        _fft_case(_c(5, dtype=np.complex64), (-1,)),
        _fft_case(_c(3, 8), (-1,), inverse=True),
        _fft_case(_c(2, 3, 4), (-2, -1)),
        _fft_case(_c(2, 3, 4), (-2, -1), inverse=True),
        _fft_case(_c(2, 3, 2, 3), (-3, -2, -1)),
        _fft_case(_c(3, 4, dtype=np.complex64), (-2,), inverse=True),
    ],
    "rfft": [
        _rfft_case(_f(3, 8), (-1,), (8,)),
        _rfft_case(_f(3, 7), (-1,), (7,)),
        _rfft_case(_f(2, 5), (-1,), (8,)),   # zero-padded
        _rfft_case(_f(2, 9), (-1,), (6,)),   # cropped
        _rfft_case(_f(4, 6, dtype=np.float32), (-1,), (6,)),
        _rfft_case(_f(2, 3, 4), (-2, -1), (3, 4)),
        _rfft_case(_f(2, 3, 5), (-2, -1), (4, 6)),
        _rfft_case(_f(2, 3, 2, 3), (-3, -2, -1), (3, 2, 3)),
    ],
    "irfft": [
        _rfft_case(_c(3, 5), (-1,), (8,), "irfft"),
        _rfft_case(_c(3, 4), (-1,), (7,), "irfft"),
        _rfft_case(_c(2, 3), (-1,), (8,), "irfft"),   # padded spectrum
        _rfft_case(_c(2, 7), (-1,), (6,), "irfft"),   # cropped spectrum
        _rfft_case(_c(4, 4, dtype=np.complex64), (-1,), (6,), "irfft"),
        _rfft_case(_c(2, 3, 3), (-2, -1), (3, 4), "irfft"),
        _rfft_case(_c(2, 3, 3), (-2, -1), (4, 5), "irfft"),
        _rfft_case(_c(2, 3, 2, 2), (-3, -2, -1), (3, 2, 3), "irfft"),
    ],
}

SHAPE_SKIPS = {
    "the transformed axes and fft_length are fixed by the params (rank >= len(axes))":
        ("fft", "rfft", "irfft"),
}

"""The Fourier-transform primitives of `tf.signal`, their rules and gradients.

Three primitives cover every FFT of TF 2.21:

- `fft` (params `axes`, `inverse`): the complex DFT (or its inverse, scaled by 1/n) over
  `axes` (negative ints, innermost last), complex64 -> complex64, complex128 -> complex128.
- `rfft` (params `axes`, `fft_length`): the DFT of a real tensor, cropped or zero-padded
  along `axes` to `fft_length` first, keeping the `fft_length[-1] // 2 + 1` non-negative
  frequencies of the last axis (float32 -> complex64, float64 -> complex128).
- `irfft` (params `axes`, `fft_length`): its inverse; the spectrum is cropped or padded to
  `fft_length[:-1] + [fft_length[-1] // 2 + 1]` and the real signal of `fft_length` rebuilt.

Gradients (TF's convention for complex inputs: dL/dx + i dL/dy) are the adjoints of
these linear maps, written with the same primitives: fft's is conj(fft(conj(g))); rfft's
an irfft of the cotangent weighted for the Hermitian half; irfft's an rfft weighted
likewise. The thin ops `fft_op`, `rfft_op` and `irfft_op` bind them; `ember.signal` holds
TF's names.

Example:
    >>> import ember as tf
    >>> from ember.prims.signal import fft_op
    >>> fft_op(tf.constant([1.0, 1.0], tf.complex64), (-1,)).numpy()
    array([2.+0.j, 0.+0.j], dtype=complex64)
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..core.dtypes import NP_COMPLEX, as_dtype, float32, float64
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.registry import bind1, defvjp, primitive
from ..core.rules import describe
from ..core.shape import TensorSpec
from .convert import as_tensor
from .index import basic_getitem, pad_p
from .math import conj, multiply

__all__ = ["fft_op", "irfft_op", "rfft_op"]

_REAL_OF = {"complex64": float32, "complex128": float64}
_COMPLEX_OF = {"float32": "complex64", "float64": "complex128"}
_REAL_FFT_TYPES = frozenset([np.dtype(np.float32), np.dtype(np.float64)])


def _check_axes(op: str, x: TensorSpec, axes: tuple) -> None:
    rank = x.shape.rank
    if rank is not None and rank < len(axes):
        raise ShapeError(f"{op}: the input must have rank >= {len(axes)} (the transform runs "
                         f"over its innermost {len(axes)} dimension(s)), received "
                         f"{describe(x)}. Add dimensions with ember.expand_dims or reshape.")
    if rank is not None and any(not -rank <= a < 0 for a in axes):
        raise ShapeError(f"{op}: axes {list(axes)} are out of range for {describe(x)}.")


def _check_lengths(op: str, fft_length: tuple, axes: tuple) -> None:
    if len(fft_length) != len(axes) or any(int(n) < 0 for n in fft_length):
        raise InvalidArgumentError(
            f"{op}: fft_length must hold {len(axes)} non-negative int(s) (one per transformed "
            f"dimension), received {list(fft_length)}.")


def _fft_rule(x: TensorSpec, axes: tuple, inverse: bool) -> TensorSpec:
    _check_axes("ifft" if inverse else "fft", x, axes)
    return x


def _resized(x: TensorSpec, axes: tuple, sizes: tuple) -> list:
    dims = list(x.shape)
    rank = len(dims)
    for a, n in zip(axes, sizes):
        dims[rank + a] = int(n)
    return dims


def _rfft_rule(x: TensorSpec, axes: tuple, fft_length: tuple) -> TensorSpec:
    _check_axes("rfft", x, axes)
    _check_lengths("rfft", fft_length, axes)
    dims = _resized(x, axes, fft_length)
    dims[-1] = int(fft_length[-1]) // 2 + 1
    return TensorSpec(dims, as_dtype(_COMPLEX_OF[x.dtype.name]))


def _irfft_rule(x: TensorSpec, axes: tuple, fft_length: tuple) -> TensorSpec:
    _check_axes("irfft", x, axes)
    _check_lengths("irfft", fft_length, axes)
    return TensorSpec(_resized(x, axes, fft_length), _REAL_OF[x.dtype.name])


fft_p = primitive("fft", _fft_rule, allowed=NP_COMPLEX, check="rule")
rfft_p = primitive("rfft", _rfft_rule, allowed=_REAL_FFT_TYPES, check="rule")
irfft_p = primitive("irfft", _irfft_rule, allowed=NP_COMPLEX, check="rule")


# -- gradients -----------------------------------------------------------------------------

def _fit(t: Any, axes: tuple, like: Any) -> Any:
    """`t` cropped or zero-padded along `axes` to the static sizes of `like`'s dims (the
    adjoint of the crop/pad the FFT kernels do); dims unknown at trace time are kept."""
    rank = t.shape.rank
    key, pads, crop, pad = [builtins.slice(None)] * rank, [(0, 0)] * rank, False, False
    for a in axes:
        have, want = t.shape[rank + a], like.shape[rank + a]
        if have is None or want is None or have == want:
            continue
        if have > want:
            key[rank + a], crop = builtins.slice(0, want), True
        else:
            pads[rank + a], pad = (0, want - have), True
    if crop:
        t = basic_getitem(t, tuple(key))
    if pad:
        t = bind1(pad_p, t, paddings=tuple(pads), mode="CONSTANT", constant_values=0)
    return t


def _half_weights(fft_length: tuple, dtype: Any, scale_inner: float, n_total: float) -> Any:
    """A complex constant of shape [n // 2 + 1] over the last axis: `scale_inner` on the
    frequencies that stand for two (k and n - k), 1 on 0 and the Nyquist term, times
    `n_total`."""
    n = int(fft_length[-1])
    w = np.full(n // 2 + 1, scale_inner, dtype=np.float64)
    w[0] = 1.0
    if n % 2 == 0 and n > 0:
        w[-1] = 1.0
    return as_tensor(np.asarray(w * n_total, dtype=dtype._numpy()))


def _fft_vjp(g: Any, ins: tuple, out: Any, axes: tuple, inverse: bool) -> tuple:
    # F^H g = conj(F conj(g)); for the inverse (conj(F) / n) likewise.
    return (conj(bind1(fft_p, conj(g), axes=axes, inverse=inverse)),)


def _rfft_vjp(g: Any, ins: tuple, out: Any, axes: tuple, fft_length: tuple) -> tuple:
    # dL/dx_m = Re sum_k g_k e^{+2 pi i k m / n} over the half spectrum = N * irfft(c * g),
    # c = 1/2 on the frequencies irfft counts twice.
    n_total = float(np.prod([int(n) for n in fft_length]))
    w = _half_weights(fft_length, out.dtype, 0.5, n_total)
    gx = bind1(irfft_p, multiply(g, w), axes=axes, fft_length=fft_length)
    return (_fit(gx, axes, ins[0]),)


def _irfft_vjp(g: Any, ins: tuple, out: Any, axes: tuple, fft_length: tuple) -> tuple:
    # y = irfft(X) counts X_k twice (as k and n - k) except 0 and the Nyquist term:
    # dL/dX = rfft(g) * c / N with c = 2 on those counted twice.
    n_total = float(np.prod([int(n) for n in fft_length]))
    w = _half_weights(fft_length, ins[0].dtype, 2.0, 1.0 / n_total if n_total else 0.0)
    gx = multiply(bind1(rfft_p, g, axes=axes, fft_length=fft_length), w)
    return (_fit(gx, axes, ins[0]),)


defvjp(fft_p, _fft_vjp)
defvjp(rfft_p, _rfft_vjp)
defvjp(irfft_p, _irfft_vjp)


# -- thin ops --------------------------------------------------------------------------------

def fft_op(x: Any, axes: tuple, inverse: bool = False) -> Any:
    """The (inverse) complex DFT of `x` over `axes` (negative ints).

    Example:
        >>> import ember as tf
        >>> fft_op(tf.constant([2.0, 0.0], tf.complex128), (-1,), inverse=True).numpy()
        array([1.+0.j, 1.+0.j])
    """
    return bind1(fft_p, as_tensor(x), axes=tuple(int(a) for a in axes), inverse=bool(inverse))


def rfft_op(x: Any, axes: tuple, fft_length: tuple) -> Any:
    """The DFT of real `x` over `axes`, cropped/padded to `fft_length`, half spectrum.

    Example:
        >>> import ember as tf
        >>> rfft_op(tf.constant([1.0, 2.0, 3.0]), (-1,), (4,)).numpy()
        array([ 6.+0.j, -2.-2.j,  2.+0.j], dtype=complex64)
    """
    return bind1(rfft_p, as_tensor(x), axes=tuple(int(a) for a in axes),
                 fft_length=tuple(int(n) for n in fft_length))


def irfft_op(x: Any, axes: tuple, fft_length: tuple) -> Any:
    """The real signal of `fft_length` whose half spectrum is `x` (cropped/padded).

    Example:
        >>> import ember as tf
        >>> irfft_op(tf.constant([6.0, -2 - 2j, 2.0], tf.complex64), (-1,), (4,)).numpy()
        array([1., 2., 3., 0.], dtype=float32)
    """
    return bind1(irfft_p, as_tensor(x), axes=tuple(int(a) for a in axes),
                 fft_length=tuple(int(n) for n in fft_length))

"""TF's circulant LinearOperators: `LinearOperatorCirculant` (circulant),
`LinearOperatorCirculant2D` (block circulant with circulant blocks) and
`LinearOperatorCirculant3D` (nested block circulant), all given by their spectrum.

With F the D-dimensional DFT over the trailing `block_shape` axes (D = 1, 2, 3) and x
reshaped to those axes, the operator is `A x = ifft(spectrum * fft(x))`: its dense matrix
has entries `h[(i - j) mod block_shape]` (multi-index arithmetic), `h = ifft(spectrum)`
the convolution kernel. Every member is computed with the FFT primitives, differentiable.

Example:
    >>> import ember as tf
    >>> op = tf.linalg.LinearOperatorCirculant2D(tf.constant([[4.0, 0.0], [0.0, 0.0]]),
    ...                                          input_output_dtype=tf.float32)
    >>> op.to_dense().numpy()
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import as_dtype, complex64, complex128, float64
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.shape import TensorShape
from ..prims.convert import as_tensor, cast
from . import math_ops as m
from . import reduce_ops as r
from . import shape_ops as sh
from . import signal_ops as sig
from .linear_operator import LinearOperator, _adj, _t

__all__ = ["LinearOperatorCirculant", "LinearOperatorCirculant2D",
           "LinearOperatorCirculant3D"]

_FFT = {1: (sig.fft, sig.ifft), 2: (sig.fft2d, sig.ifft2d), 3: (sig.fft3d, sig.ifft3d)}
_ALLOWED = ("float16", "float32", "float64", "complex64", "complex128")


def _to_complex(x: Any) -> Any:
    """float64 -> complex128, other floats -> complex64, complex unchanged (TF's rule)."""
    if x.dtype.is_complex:
        return x
    return cast(x, complex128 if x.dtype == float64 else complex64)


class _CirculantBase(LinearOperator):
    """The shared [nested] block circulant operator of depth `block_depth` (1, 2 or 3)."""

    _depth = 1

    def __init__(self, spectrum: Any, input_output_dtype: Any = complex64,
                 is_non_singular: Any = None, is_self_adjoint: Any = None,
                 is_positive_definite: Any = None, is_square: Any = True,
                 name: str | None = None):
        name = name or type(self).__name__
        s = _t(spectrum)
        if s.dtype.name not in _ALLOWED:
            raise InvalidArgumentError(f"{name}: spectrum must be one of {_ALLOWED}, "
                                       f"received {s.dtype.name}.")
        d = self._depth
        if s.shape.rank is not None and s.shape.rank < d:
            raise ShapeError(f"{name}: spectrum must have at least {d} dimensions "
                             f"([..., {', '.join(f'N{i}' for i in range(d))}]), received "
                             f"shape {s.shape}.")
        if None in tuple(s.shape[-d:]):
            raise ShapeError(f"{name}: the block shape (the last {d} dims of spectrum) "
                             f"must be known, received shape {s.shape}.")
        # TF's hints: a real spectrum is always self-adjoint; the operator is square.
        if not s.dtype.is_complex:
            if is_self_adjoint is False:
                raise InvalidArgumentError(
                    f"{name}: a real spectrum always gives a self-adjoint operator; "
                    f"expected is_self_adjoint=True or None, received False.")
            is_self_adjoint = True
        if is_square is False:
            raise InvalidArgumentError(f"{name}: a [[nested] block] circulant operator is "
                                       f"always square; received is_square=False.")
        self._spectrum = s
        super().__init__(as_dtype(input_output_dtype), None, is_non_singular,
                         is_self_adjoint, is_positive_definite, True, name,
                         dict(spectrum=spectrum, input_output_dtype=input_output_dtype,
                              is_non_singular=is_non_singular,
                              is_self_adjoint=is_self_adjoint,
                              is_positive_definite=is_positive_definite,
                              is_square=is_square, name=name))

    # -- structure -----------------------------------------------------------------------
    spectrum = property(lambda self: self._spectrum)
    block_depth = property(lambda self: self._depth)

    @property
    def block_shape(self) -> TensorShape:
        """The trailing `block_depth` dims of the spectrum, e.g. [N0, N1]."""
        return TensorShape(list(self._spectrum.shape[-self._depth:]))

    def block_shape_tensor(self) -> Any:
        """`block_shape` as an int32 tensor."""
        return as_tensor(np.asarray(list(self.block_shape), np.int32))

    def _shape(self) -> tuple:
        s = tuple(self._spectrum.shape)
        n = int(np.prod(s[-self._depth:]))
        return s[:-self._depth] + (n, n)

    def _like(self, spectrum: Any, **hints: Any) -> "_CirculantBase":
        return type(self)(spectrum, input_output_dtype=self.dtype, is_square=True, **hints)

    def _out(self, x: Any) -> Any:
        """A complex result in the operator's dtype (the real part for a real dtype)."""
        return cast(x if self.dtype.is_complex else m.real(x), self.dtype)

    # -- the FFT application ---------------------------------------------------------------
    def _apply(self, x: Any, adjoint: bool, adjoint_arg: bool, solve: bool) -> Any:
        x = _adj(x) if adjoint_arg else x
        spec = _to_complex(self._spectrum)
        if adjoint:
            spec = m.conj(spec)
        x = cast(x, spec.dtype)
        batch = tuple(np.broadcast_shapes(tuple(x.shape[:-2]), self._shape()[:-2]))
        n, cols = x.shape[-2], x.shape[-1]
        fft, ifft = _FFT[self._depth]
        # [..., N, R] -> [..., R, N0, (N1, (N2))]: the block axes innermost for the FFT.
        rank = len(x.shape)
        xt = sh.transpose(x, list(range(rank - 2)) + [rank - 1, rank - 2])
        xb = sh.reshape(xt, tuple(x.shape[:-2]) + (cols,) + tuple(self.block_shape))
        s_b = sh.expand_dims(spec, -self._depth - 1)  # [..., 1, N0, ...]
        fx = fft(xb)
        y = ifft(m.divide(fx, s_b) if solve else m.multiply(fx, s_b))
        y = sh.reshape(y, batch + (cols, n))
        rank = len(batch) + 2
        y = sh.transpose(y, list(range(rank - 2)) + [rank - 1, rank - 2])
        return self._out(y)

    def _matmul(self, x: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        return self._apply(x, adjoint, adjoint_arg, solve=False)

    def _solve(self, rhs: Any, adjoint: bool, adjoint_arg: bool) -> Any:
        return self._apply(rhs, adjoint, adjoint_arg, solve=True)

    def _to_dense(self) -> Any:
        n = self._shape()[-1]
        eye = as_tensor(np.eye(n, dtype=self.dtype._numpy()))
        return self._apply(eye, False, False, solve=False)

    def _axes(self) -> list:
        return [-(i + 1) for i in range(self._depth)]

    def _determinant(self) -> Any:
        return self._out(_to_complex(r.reduce_prod(self._spectrum, axis=self._axes())))

    def _log_abs_determinant(self) -> Any:
        lad = r.reduce_sum(m.log(m.abs(self._spectrum)), axis=self._axes())
        return cast(lad, self.dtype)

    def trace(self, name: str = "trace") -> Any:
        """The sum of the spectrum: every diagonal entry is its mean."""
        spec = _to_complex(self._spectrum)
        t = r.reduce_sum(spec, axis=self._axes())
        if self.dtype.is_complex and self.is_self_adjoint:
            t = _to_complex(m.real(t))
        return self._out(t)

    def _diag_part(self) -> Any:
        n = self._shape()[-1]
        value = m.divide(self.trace(), cast(as_tensor(float(n)), self.dtype))
        return m.multiply(value[..., None], as_tensor(np.ones(n, self.dtype._numpy())))

    def convolution_kernel(self, name: str = "convolution_kernel") -> Any:
        """The kernel h = ifft(spectrum) (shape of the spectrum, the operator's dtype):
        `A x` is the circular convolution of h with x over the block axes."""
        return self._out(_FFT[self._depth][1](_to_complex(self._spectrum)))

    def eigvals(self, name: str = "eigvals") -> Any:
        """The eigenvalues: the spectrum, flattened to `[..., N]`."""
        s = self._spectrum
        return sh.reshape(s, tuple(s.shape[:-self._depth]) + (self._shape()[-1],))

    def cond(self, name: str = "cond") -> Any:
        """max |spectrum| / min |spectrum| (real): A A^H = F |S|^2 F^H."""
        a = m.abs(self.eigvals())
        return m.divide(r.reduce_max(a, axis=-1), r.reduce_min(a, axis=-1))

    def assert_hermitian_spectrum(self, name: str = "assert_hermitian_spectrum") -> None:
        """Raises unless the spectrum is Hermitian (the operator is a real matrix): the
        convolution kernel's imaginary part is within eps * N of 0 (eager check)."""
        h = _FFT[self._depth][1](_to_complex(self._spectrum))
        eps = np.finfo(np.float32 if h.dtype == complex64 else np.float64).eps
        err = float(np.max(np.abs(np.imag(h.numpy())), initial=0.0))
        if err >= eps * self._shape()[-1]:
            raise InvalidArgumentError(f"{self.name}: spectrum was not Hermitian (the "
                                       f"convolution kernel has imaginary part {err:.3g}).")

    # -- algebra: these stay circulant -----------------------------------------------------
    def adjoint(self, name: str = "adjoint") -> LinearOperator:
        if self.is_self_adjoint:
            return self
        s = self._spectrum
        return self._like(m.conj(s) if s.dtype.is_complex else s,
                          is_non_singular=self.is_non_singular,
                          is_positive_definite=self.is_positive_definite)

    def inverse(self, name: str = "inverse") -> LinearOperator:
        if self.is_non_singular is False:
            raise InvalidArgumentError(f"{self.name}: cannot invert a singular operator.")
        s = self._spectrum
        one = cast(as_tensor(1.0), s.dtype)
        return self._like(m.divide(one, s), is_non_singular=self.is_non_singular,
                          is_self_adjoint=self.is_self_adjoint,
                          is_positive_definite=self.is_positive_definite)

    def matmul(self, x: Any, adjoint: bool = False, adjoint_arg: bool = False,
               name: str = "matmul") -> Any:
        """`op(A) @ op(x)`; with another circulant of this kind, the circulant with the
        product spectrum."""
        if type(x) is type(self) and not adjoint and not adjoint_arg \
                and x.spectrum.dtype == self._spectrum.dtype:
            return self._like(m.multiply(self._spectrum, x.spectrum))
        return super().matmul(x, adjoint, adjoint_arg, name)


class LinearOperatorCirculant(_CirculantBase):
    """The circulant operator `F^H diag(spectrum) F` (F the unitary DFT): dense entries
    `h[(i - j) mod N]` with `h = ifft(spectrum)`, spectrum `[..., N]` (TF's
    `tf.linalg.LinearOperatorCirculant`). A real spectrum makes it self-adjoint; a
    Hermitian spectrum makes it a real matrix (use a real input_output_dtype then).

    Example:
        >>> import ember as tf
        >>> op = tf.linalg.LinearOperatorCirculant(tf.constant([3.0 + 0j, 0j, 0j]))
        >>> op.to_dense().numpy().real.round(4)
        array([[1., 1., 1.],
               [1., 1., 1.],
               [1., 1., 1.]], dtype=float32)
    """

    _depth = 1


class LinearOperatorCirculant2D(_CirculantBase):
    """The block circulant operator with circulant blocks, from a spectrum
    `[..., N0, N1]`: shape `[..., N0 N1, N0 N1]`, `A x = ifft2d(spectrum * fft2d(x))` with x
    reshaped to `[N0, N1]` (TF's `tf.linalg.LinearOperatorCirculant2D`).

    Example:
        >>> import ember as tf
        >>> op = tf.linalg.LinearOperatorCirculant2D([[1.0, 2.0], [3.0, 4.0]],
        ...                                          input_output_dtype=tf.float32)
        >>> op.shape, op.block_shape, float(op.determinant())
        (TensorShape([4, 4]), TensorShape([2, 2]), 24.0)
    """

    _depth = 2


class LinearOperatorCirculant3D(_CirculantBase):
    """The nested block circulant operator from a spectrum `[..., N0, N1, N2]`: shape
    `[..., N, N]`, N = N0 N1 N2, `A x = ifft3d(spectrum * fft3d(x))` (TF's
    `tf.linalg.LinearOperatorCirculant3D`).

    Example:
        >>> import ember as tf
        >>> op = tf.linalg.LinearOperatorCirculant3D(tf.ones([2, 2, 2]),
        ...                                          input_output_dtype=tf.float32)
        >>> op.matvec(tf.ones([8])).numpy()
        array([1., 1., 1., 1., 1., 1., 1., 1.], dtype=float32)
    """

    _depth = 3

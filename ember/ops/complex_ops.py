"""Complex numbers: the primitives `complex`, `real`, `imag`, `angle`, `complex_abs` and
`conj`, the ops `tf.complex`, `tf.math.real` and `tf.math.conj`, and `holomorphic`, which
turns a primitive's real gradient rule into TF's rule for complex inputs (TF's rules,
math_grad.py, each after its primitive). `imag` and `angle` are in math_ops.py, which
builds on this.

Example:
    >>> import ember as tf
    >>> z = tf.complex(tf.constant([3.0]), tf.constant([4.0]))
    >>> tf.math.real(z).numpy(), tf.math.conj(z).numpy()
    (array([3.], dtype=float32), array([3.-4.j], dtype=complex64))
"""

from __future__ import annotations

from typing import Any

from ..core import rules
from ..core.dtypes import NP_ARITH, NP_COMPLEX, NP_FLOATS, as_dtype, float32, float64
from ..core.grad_prims import fill_like
from ..core.registry import bind, bind1, defvjp, primitive
from ..core.shape import TensorSpec
from ..core.tape import needs_gradient
from .convert import as_tensor, pair

__all__ = ["complex", "conj", "holomorphic", "real"]

_COMPLEX_OF = {float32: "complex64", float64: "complex128"}


def _complex_rule(re: TensorSpec, im: TensorSpec) -> TensorSpec:
    dt = rules.same_dtype("complex", re, im)
    rules.check_dtype("complex", re, NP_FLOATS & {float32._np, float64._np})
    return TensorSpec(rules.broadcast_shapes("complex", re, im), as_dtype(_COMPLEX_OF[dt]))


def _to_real_rule(op: str):
    def rule(x: TensorSpec) -> TensorSpec:
        rules.check_dtype(op, x, NP_COMPLEX)
        return TensorSpec(x.shape, x.dtype.real_dtype)
    return rule


def _as_complex(x: Any) -> Any:
    """A real tensor as complex with a zero imaginary part (in gradient rules)."""
    return complex(x, fill_like(x, 0))


complex_p = primitive("complex", _complex_rule, allowed=NP_FLOATS & {float32._np, float64._np},
                      same_dtype=True, elementwise=True)
defvjp(complex_p, lambda g, ins, out: (real(g) if needs_gradient(0) else None,
                                       bind1(imag_p, g) if needs_gradient(1) else None))
real_p = primitive("real", _to_real_rule("real"), allowed=NP_COMPLEX, elementwise=True)
defvjp(real_p, lambda g, ins, out: (_as_complex(g),))
imag_p = primitive("imag", _to_real_rule("imag"), allowed=NP_COMPLEX, elementwise=True)
defvjp(imag_p, lambda g, ins, out: (complex(fill_like(g, 0), g),))
angle_p = primitive("angle", _to_real_rule("angle"), allowed=NP_COMPLEX, elementwise=True)


def _angle_vjp(g: Any, ins: tuple, out: Any) -> tuple:
    # angle(z) = atan2(y, x): (-y + ix) / |z|^2 = -g / (y + ix)
    from . import math_ops as m  # cycle: math_ops imports this module
    z = ins[0]
    return (m.negative(m.truediv(_as_complex(g), complex(bind1(imag_p, z), real(z)))),)


defvjp(angle_p, _angle_vjp)
complex_abs_p = primitive("complex_abs", _to_real_rule("complex_abs"), allowed=NP_COMPLEX,
                          elementwise=True)


def _complex_abs_vjp(g: Any, ins: tuple, out: Any) -> tuple:
    # |z|: g z / |z| (0 at z = 0, as TF's div_no_nan)
    from . import math_ops as m  # cycle: math_ops imports this module
    return (m.divide_no_nan(m.multiply(_as_complex(g), ins[0]), _as_complex(out)),)


defvjp(complex_abs_p, _complex_abs_vjp)
conj_p = primitive("conj", rules.unary("conj"), allowed=NP_COMPLEX,
                   elementwise=True)
defvjp(conj_p, lambda g, ins, out: (conj(g),))


def complex(real: Any, imag: Any, name: str | None = None) -> Any:  # noqa: A001 - TF's name
    """The complex tensor `real + imag * 1j` (broadcasting): float32 parts give complex64,
    float64 parts complex128, as `tf.complex`.

    Example:
        >>> import ember as tf
        >>> tf.complex(tf.constant([1.0]), tf.constant([2.0])).numpy()
        array([1.+2.j], dtype=complex64)
    """
    re, im = pair(real, imag)
    if re.dtype is not im.dtype or re.dtype not in (float32, float64):
        _complex_rule(TensorSpec(re.shape, re.dtype), TensorSpec(im.shape, im.dtype))
    return bind(complex_p, re, im)


def real(input: Any, name: str | None = None) -> Any:
    """The real part of a complex tensor (of its real dtype); a real tensor as it is.

    Example:
        >>> import ember as tf
        >>> tf.math.real(tf.constant([1 + 2j])).numpy()
        array([1.])
    """
    x = as_tensor(input)
    if not x.dtype.is_complex:
        _check_real_numeric("real", x)
        return x
    return bind1(real_p, x)


def conj(x: Any, name: str | None = None) -> Any:
    """The complex conjugate; a real tensor as it is, as `tf.math.conj`.

    Example:
        >>> import ember as tf
        >>> tf.math.conj(tf.constant([1 + 2j])).numpy()
        array([1.-2.j])
    """
    x = as_tensor(x)
    if not x.dtype.is_complex:
        _check_real_numeric("conj", x)
        return x
    return bind1(conj_p, x)


def _check_real_numeric(op: str, x: Any) -> None:
    rules.check_dtype(op, TensorSpec(x.shape, x.dtype), NP_ARITH)


def _conj(x: Any) -> Any:
    """conj(x) for a complex tensor, x itself otherwise (no op on real gradients)."""
    return bind1(conj_p, x) if x.dtype.is_complex else x


def holomorphic(vjp):
    """The VJP rule of a holomorphic primitive for complex inputs from its real rule.

    TF's gradient of a real loss L with respect to z = x + iy is dL/dx + i dL/dy (the
    conjugate of 2 dL/dz); for f holomorphic its VJP is then g * conj(f'(z)). The real
    rule computes g * f'(z) (J^T g); conj(rule(conj(g))) = J^H g is TF's. A real `g`
    (the float path) goes straight to the real rule.
    """
    def rule(g, ins, out, **params):
        if not g.dtype.is_complex:
            return vjp(g, ins, out, **params)
        return tuple(None if c is None else _conj(c)
                     for c in vjp(_conj(g), ins, out, **params))
    rule.__name__ = getattr(vjp, "__name__", "vjp")
    return rule

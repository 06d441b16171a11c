"""`tf.linalg.experimental`: the conjugate-gradient solver, as a composite over a
LinearOperator's matvec (unrolled to `max_iter` steps; converged batch members stop
changing, so it works the same eagerly and inside ember.function).

Example:
    >>> import ember as tf
    >>> op = tf.linalg.LinearOperatorFullMatrix([[4.0, 1.0], [1.0, 3.0]],
    ...                                         is_self_adjoint=True, is_positive_definite=True)
    >>> tf.linalg.experimental.conjugate_gradient(op, [1.0, 2.0]).x.numpy().round(4)
    array([0.0909, 0.6364], dtype=float32)
"""

from __future__ import annotations

import collections
from typing import Any

from ..prims.convert import as_tensor, cast
from . import math_ops as m
from . import reduce_ops as r
from .creation_ops import zeros_like

__all__ = ["conjugate_gradient"]

CGState = collections.namedtuple("CGState", ["i", "x", "r", "p", "gamma"])


def _dot(a: Any, b: Any) -> Any:
    prod = m.multiply(m.conj(a), b) if a.dtype.is_complex else m.multiply(a, b)
    return r.reduce_sum(prod, axis=-1)


def conjugate_gradient(operator: Any, rhs: Any, preconditioner: Any = None, x: Any = None,
                       tol: float = 1e-5, max_iter: int = 20,
                       name: str = "conjugate_gradient") -> CGState:
    """Solves `A x = rhs` for a self-adjoint positive-definite LinearOperator A by
    (preconditioned) conjugate gradients (TF's `tf.linalg.experimental.conjugate_gradient`):
    stops at `max_iter` steps or once `||rhs - A x|| <= tol ||rhs||`; returns CGState(i, x,
    r, p, gamma).

    Example:
        >>> import ember as tf
        >>> op = tf.linalg.LinearOperatorDiag([2.0, 4.0])
        >>> tf.linalg.experimental.conjugate_gradient(op, [2.0, 2.0]).x.numpy()
        array([1. , 0.5], dtype=float32)
    """
    b = cast(as_tensor(rhs), operator.dtype)
    x = zeros_like(b) if x is None else cast(as_tensor(x), operator.dtype)

    def precond(v: Any) -> Any:
        return v if preconditioner is None else preconditioner.matvec(v)

    res = m.subtract(b, operator.matvec(x))
    z = precond(res)
    p = z
    gamma = _dot(res, z)
    limit = m.multiply(m.sqrt(m.real(_dot(b, b)) if b.dtype.is_complex else _dot(b, b)),
                       tol)
    steps = 0
    for _ in range(int(max_iter)):
        norm = m.sqrt(m.real(_dot(res, res)) if b.dtype.is_complex else _dot(res, res))
        active = m.greater(norm, limit)
        if _is_eager(active) and not bool(r.reduce_any(active).numpy()):
            break  # eagerly: every batch member has converged
        steps += 1
        ap = operator.matvec(p)
        alpha = m.divide(gamma, _dot(p, ap))
        x_new = m.add(x, m.multiply(alpha[..., None], p))
        r_new = m.subtract(res, m.multiply(alpha[..., None], ap))
        z = precond(r_new)
        gamma_new = _dot(r_new, z)
        p_new = m.add(z, m.multiply(m.divide(gamma_new, gamma)[..., None], p))
        keep = active[..., None]
        x, res, p = m.where(keep, x_new, x), m.where(keep, r_new, res), m.where(keep, p_new, p)
        gamma = m.where(active, gamma_new, gamma)
    return CGState(as_tensor(steps), x, res, p, gamma)


def _is_eager(t: Any) -> bool:
    try:
        t.numpy()
        return True
    except Exception:  # noqa: BLE001 - a symbolic tensor has no value
        return False

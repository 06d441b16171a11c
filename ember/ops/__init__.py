"""The op library: public ops by theme, over the primitives they declare.

Importing this package also gives Tensor, Variable, Tracer and KerasTensor their operators
(`_install_operators`: core's `OPS` table, see `ember.core.tensor.install_operators`).
"""

from __future__ import annotations

from ..core.tensor import install_operators
from . import (array_ops, clip_ops, control_flow, conv_ops, gather_ops,  # noqa: F401
               index_ops, linalg_ops, math_ops, nn_ops, extra_ops, random_ops, reduce_ops,
               sort_ops, state_ops)


def _install_operators() -> None:
    """Hands core the op behind each operator (`+` is `add`, `[]` is `getitem`, ...)."""
    m = math_ops
    install_operators(
        add=m.add, subtract=m.subtract, multiply=m.multiply, truediv=m.truediv,
        floordiv=m.floordiv, floormod=m.floormod, pow=m.pow, matmul=linalg_ops.matmul,
        negative=m.negative, abs=m.abs, invert=m.invert, and_=m._and, or_=m._or,
        xor=m._xor, less=m.less, less_equal=m.less_equal, greater=m.greater,
        greater_equal=m.greater_equal, eq=m._eq, ne=m._ne, getitem=index_ops.getitem,
        assign_slice=state_ops.assign_traced_slice)


_install_operators()

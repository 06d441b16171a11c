"""The op library: public ops by theme, over the primitives they declare.

Importing this package also gives Tensor, Variable (and later KerasTensor) their
operators, by filling the table `ember.core.tensor.OPS`.
"""

from __future__ import annotations

from ..core.tensor import OPS, TensorOps
from . import (array_ops, clip_ops, control_flow, conv_ops, convert, gather_ops, index_ops, linalg_ops, math_ops, nn_ops,
               extra_ops, random_ops, reduce_ops, sort_ops)

OPS.add = math_ops.add
OPS.subtract = math_ops.subtract
OPS.multiply = math_ops.multiply
OPS.truediv = math_ops.truediv
OPS.floordiv = math_ops.floordiv
OPS.floormod = math_ops.floormod
OPS.pow = math_ops.pow
OPS.negative = math_ops.negative
OPS.abs = math_ops.abs
OPS.invert = math_ops.invert
OPS.and_ = math_ops._and
OPS.or_ = math_ops._or
OPS.xor = math_ops._xor
OPS.less = math_ops.less
OPS.less_equal = math_ops.less_equal
OPS.greater = math_ops.greater
OPS.greater_equal = math_ops.greater_equal
OPS.eq = math_ops._eq
OPS.ne = math_ops._ne
OPS.getitem = index_ops.getitem
OPS.matmul = linalg_ops.matmul

# NOTE: the hottest forward operators call their op directly (no hop through OPS);
# each op's signature is (x, y, name=None), so it serves as the method itself.
TensorOps.__add__ = math_ops.add
TensorOps.__sub__ = math_ops.subtract
TensorOps.__mul__ = math_ops.multiply
TensorOps.__truediv__ = math_ops.truediv
TensorOps.__matmul__ = linalg_ops.matmul
TensorOps.__getitem__ = index_ops.getitem

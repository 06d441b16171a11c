"""`keras.ops.numpy`: the NumPy-style ops of Keras 3 (also at `keras.ops`' top level).

Example:
    >>> from ember import keras
    >>> keras.ops.numpy.add([1.0, 2.0], 1.0).numpy()
    array([2., 3.], dtype=float32)
"""

from __future__ import annotations

from ._numpy_array import *  # noqa: F401,F403
from ._numpy_array import __all__ as _array_names
from ._numpy_elementwise import *  # noqa: F401,F403
from ._numpy_elementwise import __all__ as _elementwise_names
from ._numpy_reduce import *  # noqa: F401,F403
from ._numpy_reduce import __all__ as _reduce_names
from ._linalg_math import (correlate, cross, dot, einsum, inner, kron, matmul,  # noqa: F401
                           outer, slogdet, tensordot, vdot)

_PRODUCTS = ["correlate", "cross", "dot", "einsum", "inner", "kron", "matmul", "outer",
             "slogdet", "tensordot", "vdot"]
# keras.ops.rearrange is at the top level only
__all__ = sorted((set(_array_names) | set(_elementwise_names) | set(_reduce_names) |
                  set(_PRODUCTS)) - {"rearrange"})
del rearrange  # noqa: F821

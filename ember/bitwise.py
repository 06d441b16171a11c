"""`ember.bitwise`: TF's `tf.bitwise` namespace (integer tensors)."""

from .prims.math import bitwise_and, bitwise_or, bitwise_xor  # noqa: F401
from .prims.math import _bitwise_invert as invert  # noqa: F401

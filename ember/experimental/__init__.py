"""`ember.experimental`: TF's `tf.experimental` namespace (`dlpack`, `Optional`).

Example:
    >>> import ember as tf
    >>> t = tf.experimental.dlpack.from_dlpack(tf.experimental.dlpack.to_dlpack(tf.ones([2])))
    >>> t.numpy()
    array([1., 1.], dtype=float32)
"""

from . import dlpack  # noqa: F401
from ..ops.type_spec import Optional  # noqa: F401 - tf.experimental.Optional

__all__ = ["dlpack", "Optional"]

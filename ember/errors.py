"""`ember.errors`: the exception classes (TF's `tf.errors`, plus ember's typed errors)."""

from .core.errors import (DTypeError, InvalidArgumentError, OpError,  # noqa: F401
                          OutOfRangeError, ShapeError, SymbolicValueError)
from .core.errors import DataLossError, NotFoundError  # noqa: F401 - tf.io (issue 12)

"""`ember.errors`: the exception classes (TF's `tf.errors`, plus ember's typed errors)."""

from .core.errors import (DTypeError, InvalidArgumentError, OpError,  # noqa: F401
                          OutOfRangeError, ShapeError, SymbolicValueError)

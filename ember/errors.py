"""`ember.errors`: the exception classes (TF's `tf.errors`, plus ember's typed errors)."""

from .core.errors import (DTypeError, InvalidArgumentError, OpError,  # noqa: F401
                          OutOfRangeError, ShapeError, SymbolicValueError)
from .core.errors import DataLossError, NotFoundError  # noqa: F401 - tf.io (issue 12)


class AlreadyExistsError(OpError):
    """Something to create exists already, e.g. a second profiler started while one runs
    (TF's `tf.errors.AlreadyExistsError`, error code 6)."""

    def __init__(self, message: str = "", node_def=None, op=None, error_code=6):
        super().__init__(message, node_def, op, error_code)


class UnavailableError(OpError):
    """The service asked for is not available now, e.g. stopping a profiler when none
    runs (TF's `tf.errors.UnavailableError`, error code 14)."""

    def __init__(self, message: str = "", node_def=None, op=None, error_code=14):
        super().__init__(message, node_def, op, error_code)

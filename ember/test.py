"""`ember.test`: TF's `tf.test` device queries (what the backend runs on).

Example:
    >>> import ember as tf
    >>> tf.test.gpu_device_name(), tf.test.is_built_with_cuda()
    ('', False)
"""

from __future__ import annotations

import warnings

from .core.devices import physical_devices

__all__ = ["gpu_device_name", "is_built_with_cuda", "is_built_with_gpu_support",
           "is_gpu_available"]


def gpu_device_name() -> str:
    """The name of the first GPU ('/device:GPU:0'), or '' when there is none (TF).

    Example:
        >>> import ember as tf
        >>> tf.test.gpu_device_name()
        ''
    """
    gpus = physical_devices("GPU")
    return "/device:GPU:0" if gpus else ""


def is_gpu_available(cuda_only: bool = False,
                     min_cuda_compute_capability: tuple | None = None) -> bool:
    """Whether a GPU is available (TF deprecates this for
    `tf.config.list_physical_devices('GPU')`, and so warns).

    Example:
        >>> import warnings
        >>> import ember as tf
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tf.test.is_gpu_available()
        False
    """
    warnings.warn("tf.test.is_gpu_available is deprecated (as in TF); use "
                  "tf.config.list_physical_devices('GPU') instead.", DeprecationWarning,
                  stacklevel=2)
    return bool(physical_devices("GPU"))


def is_built_with_cuda() -> bool:
    """False: the NumPy backend is not built with CUDA."""
    return False


def is_built_with_gpu_support() -> bool:
    """False: the NumPy backend has no GPU support."""
    return False

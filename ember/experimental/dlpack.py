"""`ember.experimental.dlpack` (TF's `tf.experimental.dlpack`): tensors to and from DLPack
without copying. ember's values live in host (NumPy) memory, so the tensors exchanged are
CPU tensors; `np.from_dlpack`, `torch.from_dlpack` and `jax.numpy.from_dlpack` also take an
ember Tensor directly (it has `__dlpack__`).

Example:
    >>> import numpy as np
    >>> import ember as tf
    >>> t = tf.experimental.dlpack.from_dlpack(np.arange(3.0))  # any __dlpack__ object
    >>> t.numpy()
    array([0., 1., 2.])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.tensor import ConcreteTensor, Tensor, wrap

__all__ = ["from_dlpack", "to_dlpack"]

_CPU = (1, 0)  # DLPack's (kDLCPU, device 0)


class _Capsule:
    """Gives a bare DLPack capsule the `__dlpack__` protocol that `np.from_dlpack` reads."""

    __slots__ = ("capsule",)

    def __init__(self, capsule: Any):
        self.capsule = capsule

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self.capsule

    def __dlpack_device__(self) -> tuple:
        return _CPU


def _is_capsule(x: Any) -> bool:
    return type(x).__name__ == "PyCapsule"


def to_dlpack(tensor: Any) -> Any:
    """A DLPack capsule ("dltensor") of an ember Tensor or Variable, sharing its memory;
    it can be consumed once, e.g. by `from_dlpack` or `torch.utils.dlpack.from_dlpack`.

    Example:
        >>> import ember as tf
        >>> capsule = tf.experimental.dlpack.to_dlpack(tf.constant([1, 2]))
        >>> type(capsule).__name__
        'PyCapsule'
    """
    if not isinstance(tensor, ConcreteTensor):
        raise TypeError(f"to_dlpack: expected an ember Tensor or Variable, received "
                        f"{type(tensor).__name__}. Convert it first with "
                        f"ember.convert_to_tensor.")
    return tensor.__dlpack__()


def from_dlpack(dlcapsule: Any) -> Tensor:
    """An ember Tensor over the memory of a DLPack capsule (as `to_dlpack` and
    `torch.utils.dlpack.to_dlpack` make) or of any object with `__dlpack__` (a NumPy array,
    a CPU torch tensor, a JAX array): no copy is made.

    Example:
        >>> import numpy as np
        >>> import ember as tf
        >>> a = np.zeros(2, np.float32)
        >>> t = tf.experimental.dlpack.from_dlpack(a)
        >>> a[0] = 5.0
        >>> t.numpy()
        array([5., 0.], dtype=float32)
    """
    if _is_capsule(dlcapsule):
        if '"used_' in repr(dlcapsule):
            raise ValueError("from_dlpack: this DLPack capsule was already consumed; a "
                             "capsule can be read once (call to_dlpack again).")
        source: Any = _Capsule(dlcapsule)
    elif hasattr(dlcapsule, "__dlpack__"):
        source = dlcapsule
        device = getattr(dlcapsule, "__dlpack_device__", lambda: _CPU)()
        if tuple(device)[0] not in (1, 3):  # kDLCPU, kDLCUDAHost
            raise ValueError(f"from_dlpack: the data is on device {tuple(device)} (DLPack "
                             f"device type, id), not in host memory, where ember keeps "
                             f"tensors: move it to the CPU first, e.g. x.cpu().")
    else:
        raise TypeError(f"from_dlpack: expected a DLPack capsule or an object with "
                        f"__dlpack__ (a NumPy array, a torch or JAX tensor), received "
                        f"{type(dlcapsule).__name__}.")
    try:
        arr = np.from_dlpack(source)
    except (BufferError, RuntimeError, TypeError, ValueError) as e:
        raise type(e)(f"from_dlpack: {e}") from e
    return wrap(arr)

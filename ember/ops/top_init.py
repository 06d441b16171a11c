"""TF 2's top-level initializer classes (`tf.zeros_initializer`, `tf.ones_initializer`,
`tf.constant_initializer`, `tf.random_normal_initializer`, `tf.random_uniform_initializer`:
`init(shape, dtype=float32)`), and the protobuf helpers ember leaves out
(fingerprint raises NotImplementedError; make_tensor_proto / make_ndarray: ember/tensor_proto.py).

Example:
    >>> import ember as tf
    >>> tf.ones_initializer()([2]).numpy()
    array([1., 1.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import as_dtype
from ..core.errors import DTypeError
from ..core.shape import TensorShape
from ..core.tensor import TensorOps, wrap

__all__ = ["constant_initializer", "ones_initializer", "zeros_initializer",
           "random_normal_initializer", "random_uniform_initializer", "fingerprint"]

_tuple = tuple


# -- TF 2 initializers ------------------------------------------------------------------

class _Init:
    """The base of TF 2's `tf.*_initializer` classes: `init(shape, dtype=float32)`."""

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        dt = as_dtype(dtype) if dtype is not None else as_dtype("float32")
        shape = [int(d) for d in (shape.as_list() if isinstance(shape, TensorShape)
                                  else np.asarray(shape).reshape(-1))]
        return self._make(shape, dt)

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "_Init":
        return cls(**config)


class zeros_initializer(_Init):  # noqa: N801 - TF's name
    """Tensors of zeros (TF's `tf.zeros_initializer`).

    Example:
        >>> import ember as tf
        >>> tf.zeros_initializer()([2]).numpy()
        array([0., 0.], dtype=float32)
    """

    def _make(self, shape: list, dt: Any) -> Any:
        return wrap(np.zeros(shape, dt._numpy()))


class ones_initializer(_Init):  # noqa: N801 - TF's name
    """Tensors of ones (TF's `tf.ones_initializer`).

    Example:
        >>> import ember as tf
        >>> tf.ones_initializer()([2], tf.int32).numpy()
        array([1, 1], dtype=int32)
    """

    def _make(self, shape: list, dt: Any) -> Any:
        return wrap(np.ones(shape, dt._numpy()))


class constant_initializer(_Init):  # noqa: N801 - TF's name
    """Tensors filled from `value`: a scalar, or a list/array of exactly the shape's size
    (TF's `tf.constant_initializer`).

    Example:
        >>> import ember as tf
        >>> tf.constant_initializer([1, 2, 3, 4])([2, 2]).numpy()
        array([[1., 2.],
               [3., 4.]], dtype=float32)
    """

    def __init__(self, value: Any = 0, support_partition: bool = False):
        if not (np.isscalar(value) or isinstance(value, (list, _tuple, np.ndarray))
                or isinstance(value, TensorOps)):
            raise TypeError(f"constant_initializer: invalid type for value: "
                            f"{type(value).__name__}; expected a Python scalar, list, "
                            f"tuple or array.")
        self.value = value
        self.support_partition = support_partition

    def _make(self, shape: list, dt: Any) -> Any:
        v = np.asarray(getattr(self.value, "_value", self.value)).astype(dt._numpy())
        size = int(np.prod(shape))
        if v.size == 1:
            return wrap(np.full(shape, v.reshape(()), dt._numpy()))
        if v.size != size:
            raise TypeError(f"constant_initializer: value has {v.size} elements, the shape "
                            f"{shape} needs {size} (or pass a scalar).")
        return wrap(v.reshape(shape))

    def get_config(self) -> dict:
        return {"value": self.value, "support_partition": self.support_partition}


def _generator(seed: Any) -> np.random.Generator:
    return np.random.default_rng(None if seed is None else int(seed))


class random_normal_initializer(_Init):  # noqa: N801 - TF's name
    """Normal samples (TF's `tf.random_normal_initializer`; mean 0, stddev 0.05).

    NOTE: drawn with NumPy's generator from `seed`: reproducible, not TF's numbers.

    Example:
        >>> import ember as tf
        >>> tf.random_normal_initializer(seed=1)([2, 3]).shape
        TensorShape([2, 3])
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def _make(self, shape: list, dt: Any) -> Any:
        if not dt.is_floating:
            raise DTypeError(f"random_normal_initializer: dtype must be floating, received "
                             f"{dt.name}.")
        arr = _generator(self.seed).normal(self.mean, self.stddev, shape)
        return wrap(arr.astype(dt._numpy()))

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class random_uniform_initializer(_Init):  # noqa: N801 - TF's name
    """Uniform samples in [minval, maxval) (TF's `tf.random_uniform_initializer`;
    default [-0.05, 0.05)).

    NOTE: drawn with NumPy's generator from `seed`: reproducible, not TF's numbers.

    Example:
        >>> import ember as tf
        >>> x = tf.random_uniform_initializer(0.0, 1.0, seed=1)([100])
        >>> bool(tf.reduce_all(x >= 0.0)) and bool(tf.reduce_all(x < 1.0))
        True
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: Any = None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def _make(self, shape: list, dt: Any) -> Any:
        rng = _generator(self.seed)
        if dt.is_integer:
            return wrap(rng.integers(int(self.minval), int(self.maxval), shape,
                                     dtype=dt._numpy()))
        if not dt.is_floating:
            raise DTypeError(f"random_uniform_initializer: dtype must be floating or "
                             f"integer, received {dt.name}.")
        return wrap(rng.uniform(self.minval, self.maxval, shape).astype(dt._numpy()))

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


# -- fingerprint (out of scope) ---------------------------------------------------------

def fingerprint(data: Any, method: str = "farmhash64", name: str | None = None) -> Any:
    """Not available: TF's Fingerprint64 (farmhash) bytes are not implemented by ember.

    Example:
        >>> import ember as tf
        >>> tf.fingerprint(tf.constant([1]))
        Traceback (most recent call last):
        ...
        NotImplementedError: fingerprint: TF's farmhash64 fingerprint is not implemented in ember; for a stable hash of strings use ember.strings.to_hash_bucket_fast.
    """
    raise NotImplementedError("fingerprint: TF's farmhash64 fingerprint is not implemented "
                              "in ember; for a stable hash of strings use "
                              "ember.strings.to_hash_bucket_fast.")




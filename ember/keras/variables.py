"""`keras.Variable`: Keras 3's variable, an ember Variable with Keras 3's constructor.

`keras.Variable(initializer, shape=None, dtype=None, trainable=True, name=None)` takes a
value, or an initializer (a name such as "glorot_uniform", or an initializer object)
with a `shape`. Every ember Variable, a layer's weights included, is a `keras.Variable`
for `isinstance`, as in Keras 3; `v.value` reads it (`v.value()` too, TensorFlow's
spelling).

Example:
    >>> from ember import keras
    >>> v = keras.Variable("ones", shape=(2,), name="w")
    >>> v.value.numpy(), v.path
    (array([1., 1.], dtype=float32), 'w')
    >>> isinstance(keras.layers.Dense(1).add_weight(shape=(1,)), keras.Variable)
    True
"""

from __future__ import annotations

from typing import Any

from ..core.tensor import TensorOps
from ..core.variable import Variable as _Variable
from . import initializers
from .ops._dtypes import standardize_dtype, to_tensor

__all__ = ["Variable"]


class _AnyVariable(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, _Variable)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, _Variable)


class Variable(_Variable, metaclass=_AnyVariable):
    """Keras 3's variable (see the module docstring).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> keras.Variable(np.array([1, 2], "int32")).dtype == "int32"
        True
    """

    def __init__(self, initializer: Any, shape: Any = None, dtype: Any = None,
                 trainable: bool = True, autocast: bool = True, aggregation: str = "none",
                 synchronization: str = "auto", name: str | None = None, **kwargs: Any):
        if isinstance(initializer, str) or (callable(initializer) and
                                            not isinstance(initializer, TensorOps)):
            if shape is None:
                raise ValueError(f"keras.Variable: an initializer ({initializer!r}) needs a "
                                 f"`shape`, e.g. keras.Variable('zeros', shape=(3,)).")
            init = initializers.get(initializer)
            value = init(tuple(shape), dtype=standardize_dtype(dtype))
        else:
            value = to_tensor(initializer, None if dtype is None else standardize_dtype(dtype))
            if shape is not None and tuple(value.shape.as_list()) != tuple(shape):
                raise ValueError(f"keras.Variable: initial value has shape {value.shape}, "
                                 f"but shape={tuple(shape)} was given.")
        super().__init__(value, trainable=trainable, name=name or "variable")
        self._autocast = autocast

    @property
    def path(self) -> str:
        return self.name.split(":")[0]

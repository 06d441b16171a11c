"""`keras.Input` and `keras.layers.InputLayer`: where a functional model starts.

Example:
    >>> from ember import keras
    >>> x = keras.Input(shape=(10,), name="features")
    >>> x.shape, x.dtype.name, x.name
    (TensorShape([None, 10]), 'float32', 'features')
    >>> keras.Input(batch_shape=(4, 2)).shape
    TensorShape([4, 2])
"""

from __future__ import annotations

from typing import Any

from ...core.dtypes import as_dtype
from ...core.shape import as_shape
from .. import config
from .keras_tensor import KerasTensor
from .layer import Layer
from .naming import unique_name
from .node import Node


class InputLayer(Layer):
    """The layer behind `keras.Input`: it has no weights and outputs one KerasTensor.

    Accepts `input_shape=`/`shape=` (without the batch dim), `batch_size=`,
    `batch_input_shape=`/`batch_shape=` (with it), `dtype=` and `name=`.

    Example:
        >>> from ember import keras
        >>> keras.layers.InputLayer(input_shape=(3,)).output.shape
        TensorShape([None, 3])
    """

    def __init__(self, input_shape: Any = None, batch_size: int | None = None,
                 dtype: Any = None, input_tensor: Any = None, sparse: Any = None,
                 name: str | None = None, ragged: Any = None, type_spec: Any = None,
                 batch_shape: Any = None, shape: Any = None, batch_input_shape: Any = None,
                 optional: bool = False, **kwargs: Any):
        if optional:
            raise NotImplementedError("InputLayer: optional inputs (optional=True, which "
                                      "accept None) are not supported by ember.")
        if sparse or ragged:
            raise NotImplementedError("InputLayer: sparse and ragged inputs are not "
                                      "supported by ember.")
        if type_spec is not None:
            raise NotImplementedError("InputLayer: type_spec is not supported; pass shape "
                                      "and dtype.")
        if shape is not None and input_shape is not None:
            raise ValueError("InputLayer: pass either shape or input_shape, not both.")
        shape = shape if shape is not None else input_shape
        batch_shape = batch_shape if batch_shape is not None else batch_input_shape
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise TypeError(f"InputLayer: input_tensor must be a KerasTensor, received "
                                f"{type(input_tensor).__name__}.")
            batch_shape = tuple(input_tensor.shape)
            dtype = dtype or input_tensor.dtype
        if batch_shape is not None and shape is not None:
            raise ValueError("InputLayer: pass either shape (without the batch dim) or "
                             "batch_shape (with it), not both.")
        if batch_shape is None:
            if shape is None:
                raise ValueError(
                    "Input: pass the shape of one sample, without the batch dim, e.g. "
                    "keras.Input(shape=(10,)) for batches of 10 features (or batch_shape= "
                    "to fix the batch size too).")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(as_shape(shape))
        batch_shape = tuple(as_shape(batch_shape))
        for d in batch_shape:
            if d is not None and d < 0:
                raise ValueError(f"Input: dims must be non-negative or None, received "
                                 f"shape {batch_shape}.")
        dt = as_dtype(dtype if dtype is not None else config.floatx())
        super().__init__(name=name or unique_name("input_layer"), dtype=dt, **kwargs)
        self._batch_input_shape = batch_shape
        self.built = True
        self.is_placeholder = True
        out = KerasTensor(batch_shape, dt, name=self.name)
        Node(self, (), {}, out)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f'InputLayer "{self.name}" is not called on tensors; use its output '
                        f"(keras.Input(...) returns it) as a model input.")

    def get_config(self) -> dict:
        return {"batch_shape": self._batch_input_shape, "dtype": self.dtype,
                "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> "InputLayer":
        return cls(**config)


def Input(shape: Any = None, batch_size: int | None = None, name: str | None = None,
          dtype: Any = None, sparse: Any = None, tensor: Any = None, ragged: Any = None,
          type_spec: Any = None, batch_shape: Any = None, **kwargs: Any) -> KerasTensor:
    """A symbolic input of a functional model (TF's `keras.Input`).

    Args:
        shape: the shape of one sample, without the batch dim (e.g. `(10,)`).
        batch_size: a fixed batch size (default: None, any size).
        name: the input's name (also the key for dict inputs).
        dtype: default float32.
        batch_shape: the full shape including the batch dim, instead of `shape`.

    Example:
        >>> from ember import keras
        >>> keras.Input((28, 28), dtype="uint8").shape
        TensorShape([None, 28, 28])
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                       sparse=sparse, input_tensor=tensor, ragged=ragged,
                       type_spec=type_spec, batch_shape=batch_shape, **kwargs)
    return layer._inbound_nodes[0].outputs

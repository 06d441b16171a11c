"""Core layers: Dense, Embedding, Identity.

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> d = keras.layers.Dense(2, kernel_initializer="ones", bias_initializer="zeros")
    >>> d(np.ones((1, 3))).numpy()
    array([[3., 3.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ...core.errors import InvalidArgumentError
from ...ops import linalg_ops
from ...prims.convert import cast
from ...ops.gather_ops import gather
from ...prims.math import not_equal
from .. import activations, constraints, initializers, regularizers
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer


class Dense(Layer):
    """`activation(inputs @ kernel + bias)` over the last axis (TF's `keras.layers.Dense`).

    Args:
        units: the output size.
        activation: a name ('relu', ...) or a function; None is linear.
        use_bias: whether to add a bias.
        kernel_initializer, bias_initializer: initializers (default glorot_uniform, zeros).
        kernel_regularizer, bias_regularizer, activity_regularizer: added to `losses`.
        kernel_constraint, bias_constraint: applied by optimizers after each update.

    Example:
        >>> from ember import keras
        >>> keras.layers.Dense(4, activation="relu")(keras.Input((3,))).shape
        TensorShape([None, 4])
    """

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f'Dense "{self.name}": units must be a positive int, received '
                             f"{units!r}.")
        self.units = units
        self.supports_masking = True  # a mask over the steps passes through (tf.keras 2)
        set_kernel_options(self, activation, use_bias, kernel_initializer, bias_initializer,
                           kernel_regularizer, bias_regularizer, kernel_constraint,
                           bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape: Any) -> None:
        last = input_shape[-1] if len(input_shape) else None
        if last is None:
            raise ValueError(f'Dense "{self.name}": the last dim of the inputs must be known '
                             f"to create the kernel, received input shape "
                             f"{tuple(input_shape)}.")
        self.kernel = self.add_weight("kernel", shape=(last, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", shape=(self.units,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last})
        self.built = True

    def call(self, inputs: Any) -> Any:
        if not inputs.dtype.is_floating and not inputs.dtype.is_complex:
            # Keras 3's matmul promotes int/bool inputs (multi-hot int64 data) to the
            # kernel's float dtype; autocast only converts floating inputs
            inputs = cast(inputs, self.kernel.dtype)
        if inputs.ndim > 2:
            y = linalg_ops.tensordot(inputs, self.kernel, [[inputs.ndim - 1], [0]])
        else:
            y = linalg_ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y) if self.activation is not activations.linear else y

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, **kernel_options_config(self)}


def set_kernel_options(layer: Layer, activation: Any, use_bias: Any, kernel_initializer: Any,
                       bias_initializer: Any, kernel_regularizer: Any, bias_regularizer: Any,
                       kernel_constraint: Any, bias_constraint: Any) -> None:
    """Sets the activation / use_bias / kernel and bias options shared by Dense and the
    convolutions, each resolved from a name, a config or an object."""
    layer.activation = activations.get(activation)
    layer.use_bias = bool(use_bias)
    layer.kernel_initializer = initializers.get(kernel_initializer)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)
    layer.kernel_constraint = constraints.get(kernel_constraint)
    layer.bias_constraint = constraints.get(bias_constraint)


def kernel_options_config(layer: Layer) -> dict:
    """The config entries of `set_kernel_options` (and the activity regularizer)."""
    return {"activation": activations.serialize(layer.activation),
            "use_bias": layer.use_bias,
            "kernel_initializer": initializers.serialize(layer.kernel_initializer),
            "bias_initializer": initializers.serialize(layer.bias_initializer),
            "kernel_regularizer": regularizers.serialize(layer.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(layer.bias_regularizer),
            "activity_regularizer": regularizers.serialize(layer.activity_regularizer),
            "kernel_constraint": constraints.serialize(layer.kernel_constraint),
            "bias_constraint": constraints.serialize(layer.bias_constraint)}


class Identity(Layer):
    """Returns its inputs unchanged (TF's `keras.layers.Identity`).

    Example:
        >>> from ember import keras
        >>> keras.layers.Identity()([1.0, 2.0]).numpy()
        array([1., 2.], dtype=float32)
    """

    def call(self, inputs: Any) -> Any:
        return inputs

    def get_config(self) -> dict:
        return super().get_config()


class Embedding(Layer):
    """A lookup table: integer ids -> rows of `embeddings` (TF's `keras.layers.Embedding`).

    Args:
        input_dim: the vocabulary size (ids must be in [0, input_dim)).
        output_dim: the size of each vector.
        embeddings_initializer: default 'uniform' (RandomUniform(-0.05, 0.05)).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> e = keras.layers.Embedding(10, 4)
        >>> e(np.array([[1, 2, 3]])).shape
        TensorShape([1, 3, 4])
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, activity_regularizer: Any = None,
                 embeddings_constraint: Any = None, mask_zero: bool = False,
                 input_length: int | None = None, **kwargs: Any):
        if input_length is not None and "input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for what, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ValueError(f'Embedding "{self.name}": {what} must be a positive int, '
                                 f"received {v!r}.")
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.input_length = input_length
        self.mask_zero = bool(mask_zero)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.autocast = False

    def build(self, input_shape: Any = None) -> None:
        self.embeddings = self.add_weight(
            "embeddings", shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer, regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs: Any) -> Any:
        if not inputs.dtype.is_integer:
            if not inputs.dtype.is_floating:
                raise InvalidArgumentError(
                    f'Embedding "{self.name}": ids must be integers, received '
                    f"{inputs.dtype.name}.")
            inputs = cast(inputs, "int32")
        return gather(self.embeddings, inputs)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """With `mask_zero=True`, `inputs != 0` (id 0 is padding); else None.

        Example:
            >>> import numpy as np
            >>> from ember import keras
            >>> e = keras.layers.Embedding(4, 2, mask_zero=True)
            >>> e.compute_mask(np.array([[2, 0]])).numpy()
            array([[ True, False]])
        """
        if not self.mask_zero:
            return None
        return not_equal(inputs, 0)

    def get_config(self) -> dict:
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero, "input_length": self.input_length}

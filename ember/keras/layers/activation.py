"""Activation layers: Activation, ReLU, Softmax, LeakyReLU, ELU, ThresholdedReLU, PReLU.

Each is written with ember ops, so it runs on Tensors, Variables, KerasTensors and inside
`ember.function`.

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> keras.layers.ReLU(max_value=1.0)(np.array([-1.0, 0.5, 3.0])).numpy()
    array([0. , 0.5, 1. ], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

from ...core.errors import ShapeError
from ...ops import math_ops as m
from ...ops import nn_ops
from ...prims.convert import cast
from .. import activations, constraints, initializers, regularizers
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer

__all__ = ["ELU", "Activation", "LeakyReLU", "PReLU", "ReLU", "Softmax", "ThresholdedReLU"]


def _number(layer: Layer, what: str, value: Any, minimum: float | None = 0.0,
            allow_none: bool = False) -> float | None:
    """`value` as a Python float, or a ValueError naming the layer and the argument."""
    if value is None and allow_none:
        return None
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) or (
        hasattr(value, "dtype") and getattr(value, "shape", None) == ())
    if ok:
        value = float(value)
        ok = math.isfinite(value) and (minimum is None or value >= minimum)
    if not ok:
        bound = "" if minimum is None else f" >= {minimum:g}"
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}): {what} must be a '
                         f"finite number{bound}, received {what}={value!r}.")
    return value


class Activation(Layer):
    """Applies an activation function (TF's `keras.layers.Activation`).

    Args:
        activation: a name ('relu', 'softmax', ...), a function, or None (linear).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.Activation("relu")(np.array([-2.0, 2.0])).numpy()
        array([0., 2.], dtype=float32)
    """

    def __init__(self, activation: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs: Any) -> Any:
        return self.activation(inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Activation:
        """A new layer from `get_config()`'s dict; a function of yours is found by name in
        `custom_objects`."""
        config = dict(config)
        name = config.get("activation")
        if isinstance(name, (str, dict)):
            config["activation"] = activations.deserialize(name, custom_objects)
        return cls(**config)


class ReLU(Layer):
    """Rectified linear unit with optional saturation, leak and threshold (TF's
    `keras.layers.ReLU`).

    `f(x) = max_value` for `x >= max_value`, `x` for `threshold <= x < max_value`, and
    `negative_slope * (x - threshold)` otherwise.

    Args:
        max_value: the largest output (None: no cap); >= 0.
        negative_slope: the slope below `threshold`; >= 0.
        threshold: where the unit switches on.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.ReLU(negative_slope=0.5)(np.array([-2.0, 3.0])).numpy()
        array([-1.,  3.], dtype=float32)
    """

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.max_value = _number(self, "max_value", max_value, allow_none=True)
        self.negative_slope = _number(self, "negative_slope", negative_slope)
        self.threshold = _number(self, "threshold", threshold, minimum=None)

    def call(self, inputs: Any) -> Any:
        return activations.relu(inputs, alpha=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def get_config(self) -> dict:
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class Softmax(Layer):
    """Softmax over `axis` (TF's `keras.layers.Softmax`), with an optional mask.

    Call it as `layer(inputs, mask=None)`: where `mask` is False (or 0) the input gets a
    large negative offset, so those positions receive ~0 probability (as Keras 2).

    Args:
        axis: the axis (or tuple of axes) to normalise over.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> layer = keras.layers.Softmax()
        >>> layer(np.zeros((1, 3)), mask=np.array([[True, True, False]])).numpy().round(3)
        array([[0.5, 0.5, 0. ]], dtype=float32)
    """

    def __init__(self, axis: int | tuple | list = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        ok = isinstance(axis, int) and not isinstance(axis, bool) or (
            isinstance(axis, (list, tuple)) and axis and all(
                isinstance(a, int) and not isinstance(a, bool) for a in axis))
        if not ok:
            raise ValueError(f'Layer "{self.name}" (Softmax): axis must be an int or a '
                             f"non-empty tuple of ints, received axis={axis!r}.")
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is not None:
            # NOTE: Keras 2's offset: -1e9, or float16's lowest value for float16 inputs.
            big = -65500.0 if inputs.dtype.name == "float16" else -1e9
            keep = cast(mask, inputs.dtype)
            inputs = m.add(inputs, m.multiply(m.subtract(1.0, keep), big))
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        if isinstance(axis, tuple) and len(axis) == 1:
            axis = axis[0]
        return activations.softmax(inputs, axis=axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class LeakyReLU(Layer):
    """`x` where positive, `alpha * x` elsewhere (TF's `keras.layers.LeakyReLU`).

    Args:
        alpha: the slope for negative inputs (Keras 2's name, default 0.3); Keras 3's
            `negative_slope` is accepted too.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.LeakyReLU()(np.array([-1.0, 2.0])).numpy()
        array([-0.3,  2. ], dtype=float32)
    """

    def __init__(self, alpha: float | None = None, negative_slope: float | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        if alpha is not None and negative_slope is not None and alpha != negative_slope:
            raise ValueError(f'Layer "{self.name}" (LeakyReLU): pass alpha (Keras 2) or '
                             f"negative_slope (Keras 3), not both; received alpha={alpha!r}, "
                             f"negative_slope={negative_slope!r}.")
        slope = alpha if alpha is not None else negative_slope
        self.alpha = _number(self, "alpha", 0.3 if slope is None else slope)

    @property
    def negative_slope(self) -> float:
        return self.alpha

    def call(self, inputs: Any) -> Any:
        return nn_ops.leaky_relu(inputs, alpha=self.alpha)

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}


class ELU(Layer):
    """Exponential linear unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)` (TF's
    `keras.layers.ELU`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.ELU(alpha=2.0)(np.array([-100.0, 1.0])).numpy()
        array([-2.,  1.], dtype=float32)
    """

    def __init__(self, alpha: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha = _number(self, "alpha", alpha, minimum=None)

    def call(self, inputs: Any) -> Any:
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}


class ThresholdedReLU(Layer):
    """`x` where `x > theta`, else 0 (TF's `keras.layers.ThresholdedReLU`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.ThresholdedReLU(theta=1.0)(np.array([0.5, 1.0, 2.0])).numpy()
        array([0., 0., 2.], dtype=float32)
    """

    def __init__(self, theta: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.theta = _number(self, "theta", theta)

    def call(self, inputs: Any) -> Any:
        return m.multiply(inputs, cast(m.greater(inputs, self.theta), inputs.dtype))

    def get_config(self) -> dict:
        return {**super().get_config(), "theta": self.theta}


class PReLU(Layer):
    """Leaky ReLU with a learned slope per unit: `max(x, 0) - alpha * max(-x, 0)` (TF's
    `keras.layers.PReLU`).

    Args:
        alpha_initializer, alpha_regularizer, alpha_constraint: for the `alpha` weight
            (default initializer 'zeros').
        shared_axes: axes (1-based, the batch axis is 0) along which one slope is shared,
            e.g. `[1, 2]` for one slope per channel of an image.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> layer = keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(0.5))
        >>> layer(np.array([[-2.0, 2.0]])).numpy(), layer.alpha.shape
        (array([[-1.,  2.]], dtype=float32), TensorShape([2]))
    """

    def __init__(self, alpha_initializer: Any = "zeros", alpha_regularizer: Any = None,
                 alpha_constraint: Any = None, shared_axes: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = [shared_axes] if isinstance(shared_axes, int) else shared_axes
            if not isinstance(axes, (list, tuple)) or not all(
                    isinstance(a, int) and not isinstance(a, bool) and a >= 1 for a in axes):
                raise ValueError(f'Layer "{self.name}" (PReLU): shared_axes must be ints >= 1 '
                                 f"(axis 0 is the batch), received "
                                 f"shared_axes={shared_axes!r}.")
            self.shared_axes = list(axes)

    def build(self, input_shape: Any) -> None:
        dims = list(input_shape)[1:]
        shared = set(self.shared_axes or [])
        bad = [a for a in shared if a > len(dims)]
        if bad:
            raise ShapeError(f'Layer "{self.name}" (PReLU): shared_axes {self.shared_axes} '
                             f"out of range for inputs of shape {tuple(input_shape)}.")
        shape = [1 if i + 1 in shared else d for i, d in enumerate(dims)]
        if any(d is None for d in shape):
            raise ShapeError(f'Layer "{self.name}" (PReLU): every non-batch dim that is not '
                             f"in shared_axes must be known to create alpha, received input "
                             f"shape {tuple(input_shape)}.")
        self.alpha = self.add_weight("alpha", shape=tuple(shape),
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.input_spec = InputSpec(ndim=len(dims) + 1, axes={
            i + 1: d for i, d in enumerate(dims) if i + 1 not in shared})
        self.built = True

    def call(self, inputs: Any) -> Any:
        pos = nn_ops.relu(inputs)
        neg = m.multiply(self.alpha, nn_ops.relu(m.negative(inputs)))
        return m.subtract(pos, neg)

    def get_config(self) -> dict:
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}

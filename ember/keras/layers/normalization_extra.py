"""More normalization layers (Keras 3): RMSNormalization, GroupNormalization and the
SpectralNormalization wrapper.

Weight names, shapes and order follow Keras 3 (`scale`; `gamma`, `beta`; the wrapped
layer's kernel and `vector_u`), so `set_weights(keras3_layer.get_weights())` works both
ways. Statistics are computed in float32 at least, also for float16 inputs.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> keras.layers.RMSNormalization()(np.array([[3.0, 4.0]])).numpy().round(4)
    array([[0.8485, 1.1314]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import ember as tf
from ...core.errors import ShapeError
from ...core.tensor import TensorOps
from ...ops.state_ops import fused_update
from .. import constraints, initializers, regularizers
from ..engine.call_context import CALL
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from ..engine.layer_utils import dedup
from .serialization import deserialize, serialize

__all__ = ["GroupNormalization", "RMSNormalization", "SpectralNormalization"]


def _who(layer: Layer) -> str:
    return f'{type(layer).__name__} "{layer.name}"'


def _axes(layer: Layer, axis: Any, shape: tuple) -> list:
    """`axis` (an int or ints) as sorted non-negative axes of `shape`, checked."""
    rank = len(shape)
    axes = [axis] if isinstance(axis, int) else list(axis)
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, int) or not -rank <= a < rank:
            raise ValueError(f"{_who(layer)}: axis={axis!r} is out of range for inputs of "
                             f"rank {rank} (shape {shape}); each axis must be in "
                             f"[{-rank}, {rank}).")
        if shape[a] is None:
            raise ShapeError(f"{_who(layer)}: the normalized axis {a} must have a known "
                             f"size to create the weights, received input shape {shape}.")
    return sorted(a % rank for a in axes)


def _read(weight: Any, dtype: Any) -> Any:
    """A weight's value (as the layer's autocast reads it) in `dtype`."""
    return tf.cast(tf.identity(weight), dtype)


def _stat_dtype(x: Any) -> Any:
    return tf.float64 if x.dtype == tf.float64 else tf.float32


class RMSNormalization(Layer):
    """Root-mean-square normalization (Keras 3's `keras.layers.RMSNormalization`):
    `x * rsqrt(mean(x**2, axis) + epsilon) * scale`, `scale` a learned weight of the
    normalized axes' shape (ones at first).

    Args:
        axis: an int or a list of ints (default -1). epsilon: default 1e-6.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.RMSNormalization(axis=[1, 2])
        >>> layer(np.ones((2, 3, 4))).shape, layer.scale.shape
        (TensorShape([2, 3, 4]), TensorShape([3, 4]))
    """

    def __init__(self, axis: Any = -1, epsilon: float = 1e-6, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(axis, int) and not (isinstance(axis, (list, tuple)) and axis):
            raise TypeError(f"{_who(self)}: axis must be an int or a non-empty list of "
                            f"ints, received axis={axis!r}.")
        self.axis = list(axis) if isinstance(axis, tuple) else axis
        self.epsilon = float(epsilon)

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        axes = _axes(self, self.axis, shape)
        # NOTE: Keras 3 keeps the axis as a sorted list once built (its config shows it)
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        self._axes = axes
        self._bshape = [shape[a] if a in axes else 1 for a in range(len(shape))]
        self.scale = self.add_weight("scale", shape=tuple(shape[a] for a in axes),
                                     initializer="ones")

    def call(self, inputs: Any) -> Any:
        x = tf.cast(inputs, _stat_dtype(inputs))
        rrms = tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=self._axes, keepdims=True)
                             + self.epsilon)
        out = x * rrms * tf.reshape(_read(self.scale, x.dtype), self._bshape)
        return tf.cast(out, inputs.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


class GroupNormalization(Layer):
    """Group normalization (Keras 3's `keras.layers.GroupNormalization`): the channels of
    `axis` are split into `groups`; each sample is normalized over each group (its
    channels and every other non-batch axis), then scaled by `gamma` and shifted by
    `beta` per channel. `groups=-1` is instance normalization, `groups=1` layer norm.

    Args:
        groups: the number of groups (it must divide the channels), or -1.
        axis: the channel axis (default -1). epsilon: default 1e-3.
        center, scale, beta_initializer, gamma_initializer, beta_regularizer,
            gamma_regularizer, beta_constraint, gamma_constraint: as LayerNormalization's.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.arange(8.0).reshape(1, 2, 4)
        >>> keras.layers.GroupNormalization(2, epsilon=0.0)(x).numpy().round(3)[0, 0]
        array([-1.213, -0.728, -1.213, -0.728], dtype=float32)
    """

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(groups, bool) or not isinstance(groups, int) or (
                groups <= 0 and groups != -1):
            raise ValueError(f"{_who(self)}: groups must be a positive int (or -1 for "
                             f"instance normalization), received groups={groups!r}.")
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"{_who(self)}: axis must be an int, received axis={axis!r}.")
        self.groups, self.axis, self.epsilon = groups, axis, float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.autocast = False
        self.gamma = self.beta = None

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        (axis,) = _axes(self, self.axis, shape)
        if axis == 0:
            raise ValueError(f"{_who(self)}: axis={self.axis} is the batch axis; give the "
                             f"channel axis (e.g. -1).")
        dim = shape[axis]
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups or dim % self.groups:
            raise ValueError(f"{_who(self)}: groups={self.groups} must divide the "
                             f"{dim} channels of axis {self.axis} (input shape {shape}); "
                             f"pick a divisor of {dim}.")
        self._axis = axis
        self.input_spec = InputSpec(ndim=len(shape), axes={self.axis: dim})
        kw = {"shape": (dim,)}
        if self.scale:
            self.gamma = self.add_weight("gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, **kw)
        if self.center:
            self.beta = self.add_weight("beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, **kw)

    def call(self, inputs: Any) -> Any:
        a, g, rank = self._axis, self.groups, len(inputs.shape)
        x = tf.cast(inputs, _stat_dtype(inputs))
        dims = [d if d is not None else tf.shape(x)[i] for i, d in enumerate(x.shape)]
        grouped = tf.reshape(x, [-1] + dims[1:a] + [g, dims[a] // g] + dims[a + 1:])
        reduce = [i for i in range(1, rank + 1) if i != a]
        mean, var = tf.nn.moments(grouped, axes=reduce, keepdims=True)
        bshape = [1] * (rank + 1)
        bshape[a], bshape[a + 1] = g, dims[a] // g
        inv = tf.math.rsqrt(var + self.epsilon)
        if self.gamma is not None:
            inv = inv * tf.reshape(_read(self.gamma, x.dtype), bshape)
        shift = -mean * inv
        if self.beta is not None:
            shift = shift + tf.reshape(_read(self.beta, x.dtype), bshape)
        known = all(d is not None for d in x.shape)
        out = tf.reshape(grouped * inv + shift, dims if known else tf.shape(x))
        return tf.cast(out, self._dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "groups": self.groups, "axis": self.axis,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}


def _overwrite(new: Any, buffer: Any) -> None:
    buffer[...] = new


_overwrite.pure = lambda new, buffer: (new,)  # type: ignore[attr-defined]  # JAX backend


def _l2_normalize(x: Any) -> Any:
    """`x / ||x||` over all entries (Keras' `normalize(x, axis=None)`, 1e-7 floor)."""
    inv = tf.math.rsqrt(tf.reduce_sum(tf.square(x)))
    return x * tf.minimum(inv, tf.cast(1e7, x.dtype))


class SpectralNormalization(Layer):
    """Spectral normalization of a layer's kernel (Keras 3's
    `keras.layers.SpectralNormalization`): while training, each call estimates the
    kernel's largest singular value `sigma` by `power_iterations` steps of the power
    method (its vector `vector_u` is kept between calls) and sets the kernel to
    `kernel / sigma` before running the wrapped layer. Outside training the layer runs
    as it is. A layer with `kernel` (Dense, Conv, EinsumDense) or `embeddings` works.

    Args:
        layer: the layer to wrap. power_iterations: power-method steps per call (>= 1).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> dense = keras.layers.Dense(2, kernel_initializer="ones")
        >>> sn = keras.layers.SpectralNormalization(dense)
        >>> _ = sn(np.ones((1, 3)), training=True)  # kernel / sigma, sigma = sqrt(6)
        >>> dense.kernel.numpy().round(4)
        array([[0.4082, 0.4082],
               [0.4082, 0.4082],
               [0.4082, 0.4082]], dtype=float32)
    """

    def __init__(self, layer: Layer, power_iterations: int = 1, **kwargs: Any):
        if not isinstance(layer, Layer):
            raise TypeError(f"SpectralNormalization: `layer` must be a keras Layer "
                            f"instance, received {layer!r}. Pass e.g. "
                            f"SpectralNormalization(Dense(4)).")
        super().__init__(**kwargs)
        if isinstance(power_iterations, bool) or not isinstance(power_iterations, int) or \
                power_iterations <= 0:
            raise ValueError(f"{_who(self)}: power_iterations must be an int > 0, received "
                             f"power_iterations={power_iterations!r}.")
        self.layer = layer
        self.power_iterations = power_iterations

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        if not self.layer.built:
            self.layer.build(shape)
            self.layer.built = True
            if self.layer._build_input_shape is None:
                self.layer._build_input_shape = shape
        self.input_spec = InputSpec(min_ndim=1, axes={-1: shape[-1]})
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(f"{_who(self)}: the wrapped layer {self.layer.name!r} "
                             f"({type(self.layer).__name__}) has no `kernel` nor "
                             f"`embeddings` weight to normalize.")
        self.kernel = kernel
        self.vector_u = self.add_weight(
            "vector_u", shape=(1, int(kernel.shape[-1])), trainable=False,
            initializer=initializers.TruncatedNormal(stddev=0.02), dtype=kernel.dtype)

    @property
    def weights(self) -> list:
        """Keras 3's order: the kernel, `vector_u`, then the wrapped layer's others."""
        return dedup([self.kernel, self.vector_u] + self.layer.weights) \
            if self.built and hasattr(self, "vector_u") else super().weights

    def normalized_weights(self) -> tuple:
        """(the next `vector_u`, `kernel / sigma`) by the power method."""
        w = tf.reshape(self.kernel, [-1, int(self.kernel.shape[-1])])
        u = tf.convert_to_tensor(self.vector_u)
        for _ in range(self.power_iterations):
            v = _l2_normalize(tf.matmul(u, w, transpose_b=True))
            u = _l2_normalize(tf.matmul(v, w))
        u, v = tf.stop_gradient(u), tf.stop_gradient(v)
        sigma = tf.matmul(tf.matmul(v, w), u, transpose_b=True)
        return u, tf.reshape(self.kernel / sigma, self.kernel.shape)

    def call(self, inputs: Any, training: Any = None) -> Any:
        if training is None or training is False or CALL.spec_only:
            return self._run(inputs)
        old_u, old_k = tf.convert_to_tensor(self.vector_u), tf.convert_to_tensor(self.kernel)
        new_u, new_k = self.normalized_weights()
        # NOTE: straight-through: the new kernel's value with the identity as gradient, so
        # the kernel trains as a plain read of the variable (Keras 3 on TensorFlow)
        new_k = old_k + tf.stop_gradient(new_k - old_k)
        keep = tf.reduce_all(tf.equal(old_k, 0))
        if isinstance(training, TensorOps):
            keep = tf.logical_or(keep, tf.logical_not(tf.cast(training, tf.bool)))
        new_u = tf.where(keep, old_u, tf.cast(new_u, old_u.dtype))
        new_k = tf.where(keep, old_k, new_k)
        # an in-place update (as an optimizer's), so the optimizer can update the kernel
        # again in the same compiled training step
        fused_update(_overwrite, [(self.kernel,), (self.vector_u,)],
                     [tf.cast(tf.stop_gradient(new_k), self.kernel.dtype),
                      tf.cast(new_u, self.vector_u.dtype)], [])
        return self._run(inputs, new_k)

    def _run(self, inputs: Any, kernel: Any = None) -> Any:
        """The wrapped layer on `inputs`, with `kernel` (a tensor) in place of its
        kernel Variable for this call when given."""
        if kernel is None:
            out = self.layer(inputs)
        else:
            attr = "kernel" if getattr(self.layer, "kernel", None) is self.kernel \
                else "embeddings"
            if self.layer._dtype != kernel.dtype and self.layer.autocast:
                kernel = tf.cast(kernel, self.layer._dtype)
            setattr(self.layer, attr, kernel)
            try:
                out = self.layer(inputs)
            finally:
                setattr(self.layer, attr, self.kernel)
        return tf.cast(out, inputs.dtype) if hasattr(out, "dtype") else out

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": serialize(self.layer),
                "power_iterations": self.power_iterations}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Layer:
        """A new wrapper from `get_config()`'s dict (the wrapped layer deserialized)."""
        config = dict(config)
        layer = deserialize(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)

"""Normalization layers: LayerNormalization, BatchNormalization, UnitNormalization.

`LayerNormalization` normalizes each sample over `axis`; `BatchNormalization` normalizes
each feature over the batch while training (`training=True`, e.g. in `fit`) and with its
moving statistics otherwise. Variances are population (biased) variances, as in Keras.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> x = np.array([[1.0, 2.0, 3.0]], "float32")
    >>> keras.layers.LayerNormalization(epsilon=0.0)(x).numpy().round(4)
    array([[-1.2247,  0.    ,  1.2247]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ...core.registry import autocast, autocast_read
from ...core.tensor import TensorOps
from ...ops import math_ops as m
from ...prims.convert import cast
from ...prims.batch_norm import batch_norm_train
from ...prims.nn import layer_norm
from ...ops.nn_ops import l2_normalize, moments
from ...ops.shape_ops import reshape
from .. import constraints, initializers, regularizers
from ..engine.input_spec import InputSpec
from ..engine.call_context import CALL
from ..engine.layer import Layer

__all__ = ["BatchNormalization", "LayerNormalization", "UnitNormalization"]


# -- axis handling shared by the normalization layers -------------------------------------

def _axis_arg(layer: Layer, axis: Any, allow_none: bool = False) -> Any:
    """`axis` checked at construction: an int, a list/tuple of ints (or None if allowed);
    returned as an int or a tuple."""
    if axis is None and allow_none:
        return None
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    if isinstance(axis, (list, tuple)) and axis and all(
            isinstance(a, int) and not isinstance(a, bool) for a in axis):
        return tuple(axis)
    raise TypeError(f'Layer "{layer.name}" ({type(layer).__name__}): axis must be an int or '
                    f"a non-empty list of ints{' or None' if allow_none else ''}, received "
                    f"axis={axis!r}.")


def _resolve_axes(layer: Layer, axis: Any, input_shape: Any) -> tuple:
    """`axis` (int or tuple) as sorted non-negative axes of `input_shape`, or a clear
    error naming the layer, the axis and the shape."""
    shape = tuple(input_shape)
    rank = len(shape)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(
                f'Layer "{layer.name}" ({type(layer).__name__}): axis={axis!r} is out of '
                f"range for inputs of rank {rank} (shape {shape}); each axis must be in "
                f"[{-rank}, {rank}).")
        out.append(a % rank)
    if len(set(out)) != len(out):
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}): axis={axis!r} '
                         f"names the same axis twice for inputs of rank {rank}.")
    for a in out:
        if shape[a] is None:
            raise ValueError(
                f'Layer "{layer.name}" ({type(layer).__name__}): the normalized axis {a} '
                f"must have a known size to create the weights, received input shape "
                f"{shape}.")
    return tuple(sorted(out))


def _config_axis(axis: Any) -> Any:
    return list(axis) if isinstance(axis, tuple) else axis


def _broadcast(value: Any, shape: tuple) -> Any:
    """`value` (a weight) reshaped to `shape` (1 on the other axes) when needed."""
    if value is None or tuple(value.shape) == shape:
        return value
    return reshape(value, list(shape))


class _Normalizer(Layer):
    """Shared constructor arguments of LayerNormalization and BatchNormalization."""

    def __init__(self, axis: Any, epsilon: float, center: bool, scale: bool,
                 beta_initializer: Any, gamma_initializer: Any, beta_regularizer: Any,
                 gamma_regularizer: Any, beta_constraint: Any, gamma_constraint: Any,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = _axis_arg(self, axis)
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon < 0:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}): epsilon must be a '
                             f"number >= 0, received epsilon={epsilon!r}.")
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None

    def _add_gamma_beta(self, param_shape: tuple) -> None:
        if self.scale:
            self.gamma = self.add_weight("gamma", shape=param_shape,
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight("beta", shape=param_shape,
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)

    def _normalize(self, x: Any, mean: Any, variance: Any, bshape: tuple) -> Any:
        """`gamma * (x - mean) / sqrt(variance + epsilon) + beta`, weights broadcast."""
        inv = m.rsqrt(m.add(variance, self.epsilon))
        if self.gamma is not None:
            inv = m.multiply(inv, _broadcast(self.gamma, bshape))
        out = m.multiply(m.subtract(x, mean), inv)
        if self.beta is not None:
            out = m.add(out, _broadcast(self.beta, bshape))
        return out

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": _config_axis(self.axis),
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}


class LayerNormalization(_Normalizer):
    """Normalizes each sample over `axis` to mean 0 and variance 1, then scales by `gamma`
    and shifts by `beta` (TF's `keras.layers.LayerNormalization`):
    `gamma * (x - mean) / sqrt(var + epsilon) + beta`, with the mean and population
    variance taken over `axis` for each sample.

    Args:
        axis: an int or a list of ints: the axes to normalize over (default -1).
        epsilon: added to the variance (default 1e-3).
        center, scale: whether to add `beta` / multiply by `gamma` (both of the normalized
            axes' shape).
        beta_initializer, gamma_initializer: default 'zeros' / 'ones'.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: as Dense's.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.LayerNormalization(axis=[1, 2])
        >>> layer(np.ones((2, 3, 4), "float32")).shape, layer.gamma.shape
        (TensorShape([2, 3, 4]), TensorShape([3, 4]))
    """

    def __init__(self, axis: Any = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        self._axes = _resolve_axes(self, self.axis, shape)
        self._add_gamma_beta(tuple(shape[a] for a in self._axes))
        self._bshape = tuple(shape[a] if a in self._axes else 1 for a in range(len(shape)))
        self.input_spec = InputSpec(ndim=len(shape),
                                    axes={a: shape[a] for a in self._axes})
        self.built = True

    def call(self, inputs: Any) -> Any:
        # NOTE: the fused primitive (ember/prims/nn.py: one kernel forward, one backward,
        # float16 / bfloat16 computed in float32 as Keras 3) wherever the weights, as this
        # call reads them (mixed precision: in the compute dtype), have the inputs' float
        # dtype; the composed ops otherwise (e.g. autocast=False with other inputs).
        weights = [autocast_read(w) for w in (self.gamma, self.beta) if w is not None]
        if inputs.dtype.is_floating and all(w.dtype == inputs.dtype for w in weights):
            gamma = weights[0] if self.scale else None
            beta = weights[-1] if self.center else None
            return layer_norm(inputs, gamma, beta, axis=self._axes, epsilon=self.epsilon)
        mean, variance = moments(inputs, list(self._axes), keepdims=True)
        return self._normalize(inputs, mean, variance, self._bshape)


class BatchNormalization(_Normalizer):
    """Normalizes each feature (entry of `axis`) over the batch (TF's
    `keras.layers.BatchNormalization`, Keras 2 semantics).

    With `training=True` (given, or set by `fit` / `model(x, training=True)`) the output
    is `gamma * (x - mean) / sqrt(var + epsilon) + beta` with the batch's mean and
    population variance over every axis but `axis`, and the moving statistics are updated:
    `moving = moving * momentum + batch_stat * (1 - momentum)`. Otherwise (`predict`,
    `evaluate`, a plain call) the moving statistics are used. A layer with
    `trainable = False` always runs in inference mode, as in Keras 2 and later.

    Args:
        axis: the feature axis (an int, or a list of ints), default -1.
        momentum: of the moving averages (default 0.99).
        epsilon: added to the variance (default 1e-3).
        center, scale: whether to add `beta` / multiply by `gamma`.
        beta_initializer, gamma_initializer, moving_mean_initializer,
            moving_variance_initializer: defaults 'zeros', 'ones', 'zeros', 'ones'.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: as Dense's.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> bn = keras.layers.BatchNormalization(momentum=0.5, epsilon=0.0)
        >>> bn(np.array([[0.0], [2.0]], "float32"), training=True).numpy()
        array([[-1.],
               [ 1.]], dtype=float32)
        >>> bn.moving_mean.numpy(), bn.moving_variance.numpy()
        (array([0.5], dtype=float32), array([1.], dtype=float32))
    """

    def __init__(self, axis: Any = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", moving_mean_initializer: Any = "zeros",
                 moving_variance_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, renorm: bool = False, fused: Any = None,
                 virtual_batch_size: Any = None, adjustment: Any = None,
                 synchronized: bool = False, **kwargs: Any):
        for what, v in (("renorm", renorm), ("virtual_batch_size", virtual_batch_size),
                        ("adjustment", adjustment), ("synchronized", synchronized)):
            if v:
                raise NotImplementedError(f"BatchNormalization: {what}={v!r} is not "
                                          f"supported by ember; leave it at its default.")
        kwargs.pop("renorm_clipping", None)
        kwargs.pop("renorm_momentum", None)
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or \
                not 0 <= momentum <= 1:
            raise ValueError(f'Layer "{self.name}" (BatchNormalization): momentum must be a '
                             f"number in [0, 1], received momentum={momentum!r}.")
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        self._axes = _resolve_axes(self, self.axis, shape)
        self._reduce = [a for a in range(len(shape)) if a not in self._axes]
        self._bshape = tuple(shape[a] if a in self._axes else 1 for a in range(len(shape)))
        # NOTE: Keras 2's parameter shape: (C,) for one axis, else the input's rank with 1
        # on the reduced axes.
        param = (shape[self._axes[0]],) if len(self._axes) == 1 else self._bshape
        self._add_gamma_beta(param)
        self.moving_mean = self.add_weight("moving_mean", shape=param,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape=param,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self.input_spec = InputSpec(ndim=len(shape),
                                    axes={a: shape[a] for a in self._axes})
        self.built = True

    def _training(self, training: Any) -> Any:
        """False, True or a bool tensor; a frozen layer is always in inference mode."""
        if not self.trainable or training is None:
            return False
        if isinstance(training, TensorOps):
            return cast(training, "bool")
        return bool(training)

    def call(self, inputs: Any, training: Any = None) -> Any:
        training = self._training(training)
        if training is True:
            fused = self._train_fused(inputs)
            if fused is not None:
                return fused
        moving_mean = _broadcast(self.moving_mean, self._bshape)
        moving_var = _broadcast(self.moving_variance, self._bshape)
        if training is False:
            return self._normalize(inputs, moving_mean, moving_var, self._bshape)
        mean, variance = moments(inputs, self._reduce, keepdims=True)
        if not isinstance(training, bool):  # a bool tensor: pick the statistics with it
            mean = m.where(training, mean, moving_mean)
            variance = m.where(training, variance, moving_var)
        if not CALL.spec_only:
            self._update_moving(mean, variance, training)
        return self._normalize(inputs, mean, variance, self._bshape)

    def _train_fused(self, inputs: Any) -> Any:
        """The training output on the fused primitive (ember/prims/batch_norm.py: one
        kernel forward, one backward; float16 / bfloat16 computed in float32), the moving
        statistics updated from its mean and variance; None where it does not apply: the
        statistics not over every axis but the last, or weights, as this call reads them
        (mixed precision: in the compute dtype), of another dtype than the inputs."""
        rank = inputs.shape.rank
        if rank is None or rank < 2 or self._axes != (rank - 1,) or \
                not inputs.dtype.is_floating:
            return None
        weights = [autocast_read(w) for w in (self.gamma, self.beta) if w is not None]
        if any(w.dtype != inputs.dtype for w in weights):
            return None
        gamma = weights[0] if self.scale else None
        beta = weights[-1] if self.center else None
        y, mean, variance = batch_norm_train(inputs, gamma, beta, epsilon=self.epsilon)
        if not CALL.spec_only:
            self._update_moving(mean, variance, True)
        return y

    def _update_moving(self, mean: Any, variance: Any, training: Any) -> None:
        shape = list(self.moving_mean.shape)
        # NOTE: in the variables' own dtype: under a mixed policy the layer's call reads
        # Variables in the compute dtype (float16), which would round the moving statistics
        # (and mix float16 with float32 here); Keras 3 keeps them in float32 too.
        with autocast(self.moving_mean.dtype):
            for var, stat in ((self.moving_mean, mean), (self.moving_variance, variance)):
                stat = cast(reshape(stat, shape), var.dtype)
                new = m.add(m.multiply(var, self.momentum),
                            m.multiply(stat, 1.0 - self.momentum))
                if not isinstance(training, bool):
                    new = m.where(training, new, var)
                var.assign(new)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            momentum=self.momentum,
            moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
            moving_variance_initializer=initializers.serialize(
                self.moving_variance_initializer))
        return config


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over `axis` (TF's
    `keras.layers.UnitNormalization`): `x / sqrt(max(sum(x**2, axis), 1e-12))`.

    Args:
        axis: an int or a list of ints (default -1).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> keras.layers.UnitNormalization()(np.array([[3.0, 4.0]])).numpy()
        array([[0.6, 0.8]], dtype=float32)
    """

    def __init__(self, axis: Any = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = _axis_arg(self, axis)

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        rank = len(shape)
        for a in ((self.axis,) if isinstance(self.axis, int) else self.axis):
            if not -rank <= a < rank:
                raise ValueError(
                    f'Layer "{self.name}" (UnitNormalization): axis={self.axis!r} is out of '
                    f"range for inputs of rank {rank} (shape {shape}); each axis must be in "
                    f"[{-rank}, {rank}).")
        self._axes = sorted({a % rank for a in ((self.axis,) if isinstance(self.axis, int)
                                                else self.axis)})
        self.built = True

    def call(self, inputs: Any) -> Any:
        if not inputs.dtype.is_floating:
            inputs = cast(inputs, self._dtype)
        return l2_normalize(inputs, axis=self._axes, epsilon=1e-12)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": _config_axis(self.axis)}

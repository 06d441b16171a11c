"""`keras.mixed_precision`: dtype policies. A layer of the policy "mixed_float16" or
"mixed_bfloat16" keeps its weights in float32 and computes in float16 / bfloat16: its
floating inputs are cast on the way in, and the weights it reads in `call` are cast as
they are read (`ember.core.registry.autocast`), so gradients reach them in float32.

Example:
    >>> from ember import keras
    >>> keras.mixed_precision.set_global_policy("mixed_bfloat16")
    >>> layer = keras.layers.Dense(2)
    >>> layer.compute_dtype, layer.variable_dtype
    ('bfloat16', 'float32')
    >>> keras.mixed_precision.set_global_policy("float32")

Float16 training needs loss scaling (`LossScaleOptimizer`, which `compile` adds); bfloat16
has float32's range and needs none.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import as_dtype
from ..core.variable import Variable
from ..ops.array_ops import stack, zeros_like
from ..ops.math_ops import is_finite, where
from ..ops.reduce_ops import reduce_all
from ..prims.convert import cast, constant, identity
from . import config

__all__ = ["DTypePolicy", "Policy", "global_policy", "set_global_policy",
           "LossScaleOptimizer"]

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}


class DTypePolicy:
    """A layer's dtypes: `compute_dtype` for its math, `variable_dtype` for its weights.
    A dtype name gives both; "mixed_float16" / "mixed_bfloat16" give float16 / bfloat16
    math over float32 weights.

    Example:
        >>> from ember import keras
        >>> p = keras.mixed_precision.DTypePolicy("mixed_float16")
        >>> p.name, p.compute_dtype, p.variable_dtype
        ('mixed_float16', 'float16', 'float32')
    """

    def __init__(self, name: Any = None):
        if name is None:
            name = config.floatx()
        if isinstance(name, DTypePolicy):
            name = name.name
        if not isinstance(name, str):
            name = as_dtype(name).name
        if name in _MIXED:
            compute, variable = _MIXED[name], "float32"
        else:
            try:
                compute = variable = as_dtype(name).name
            except (TypeError, ValueError):
                raise ValueError(f"DTypePolicy: {name!r} is not a dtype or a policy name; "
                                 f"use e.g. 'float32', 'mixed_float16' or "
                                 f"'mixed_bfloat16'.") from None
        self._name, self._compute, self._variable = name, compute, variable

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._compute

    @property
    def variable_dtype(self) -> str:
        return self._variable

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict) -> "DTypePolicy":
        return cls(config["name"])

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


Policy = DTypePolicy  # tf.keras 2's name
_GLOBAL: list = [None]  # None: floatx


def set_global_policy(policy: Any) -> None:
    """The policy of every layer created from now on that is given no dtype."""
    _GLOBAL[0] = None if policy is None else DTypePolicy(policy)


def global_policy() -> DTypePolicy:
    """The policy new layers get (floatx's unless `set_global_policy` set one)."""
    return _GLOBAL[0] if _GLOBAL[0] is not None else DTypePolicy(config.floatx())


class LossScaleOptimizer:
    """Dynamic loss scaling for float16 training (Keras' `LossScaleOptimizer`): the loss is
    multiplied by `scale` before the gradients are taken (`scale_loss`), so small float16
    gradients don't underflow; `apply` divides them back and applies them where they are
    all finite. A step with an inf or nan gradient changes no weight or slot and halves
    the scale; after `dynamic_growth_steps` finite steps the scale doubles. `compile`
    wraps the optimizer in one when the model computes in float16.

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> opt = keras.mixed_precision.LossScaleOptimizer(keras.optimizers.SGD(0.5))
        >>> v = tf.Variable([1.0])
        >>> _ = opt.apply([opt.scale_loss(tf.constant([2.0]))], [v])  # a scaled gradient
        >>> v.numpy(), float(opt.dynamic_scale)
        (array([0.], dtype=float32), 32768.0)
    """

    def __init__(self, inner_optimizer: Any, initial_scale: float = 2.0 ** 15,
                 dynamic_growth_steps: int = 2000, **kwargs: Any):
        from .optimizers import get as get_optimizer  # cycle: optimizers -> engine -> this
        self.inner_optimizer = get_optimizer(inner_optimizer)
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        if self.initial_scale <= 0 or self.dynamic_growth_steps < 1:
            raise ValueError(f"LossScaleOptimizer: initial_scale must be > 0 and "
                             f"dynamic_growth_steps >= 1, received {initial_scale!r} and "
                             f"{dynamic_growth_steps!r}.")
        self.dynamic_scale = Variable(np.float32(self.initial_scale), trainable=False,
                                      name="loss_scale")
        self._good_steps = Variable(np.int64(0), trainable=False, name="good_steps")

    def __getattr__(self, name: str) -> Any:  # learning_rate, iterations, variables, ...
        if name == "inner_optimizer":
            raise AttributeError(name)
        return getattr(self.inner_optimizer, name)

    def scale_loss(self, loss: Any) -> Any:
        """`loss * scale`, in the loss's dtype."""
        return loss * cast(self.dynamic_scale, loss.dtype)

    get_scaled_loss = scale_loss  # tf.keras 2's name

    def get_unscaled_gradients(self, grads: list) -> list:
        return [None if g is None else g / cast(self.dynamic_scale, g.dtype) for g in grads]

    def apply_gradients(self, grads_and_vars: Any, **kwargs: Any) -> Any:
        pairs = list(grads_and_vars)
        return self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def apply(self, grads: list, trainable_variables: list | None = None) -> Any:
        inner = self.inner_optimizer
        variables = list(trainable_variables if trainable_variables is not None
                         else inner._tracked)
        grads = self.get_unscaled_gradients(list(grads))
        present = [g for g in grads if g is not None]
        finite = reduce_all(stack([reduce_all(is_finite(g)) for g in present])) \
            if present else constant(True)
        new = [v for v in variables if id(v) not in inner._slots]
        if new:
            inner.build(new)
        state = [v for v in variables] + list(inner.variables)
        before = [identity(v) for v in state]  # kept: an in-place update copies first
        safe = [None if g is None else where(finite, g, zeros_like(g)) for g in grads]
        inner.apply(safe, variables)
        for v, old in zip(state, before):  # a step with inf/nan gradients changes nothing
            v.assign(where(finite, v, old))
        grown = self._good_steps + 1 >= self.dynamic_growth_steps
        self.dynamic_scale.assign(where(finite, where(grown, self.dynamic_scale * 2.0,
                                                      self.dynamic_scale),
                                        self.dynamic_scale * 0.5))
        self._good_steps.assign(where(finite, where(grown, constant(0, "int64"),
                                                    self._good_steps + 1),
                                      constant(0, "int64")))
        return inner.iterations

    def get_config(self) -> dict:
        from .optimizers import serialize  # cycle: optimizers -> engine -> this
        return {"inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config: dict, custom_objects: Any = None) -> "LossScaleOptimizer":
        from .optimizers import deserialize  # cycle: optimizers -> engine -> this
        config = dict(config)
        config["inner_optimizer"] = deserialize(config["inner_optimizer"],
                                                custom_objects=custom_objects)
        return cls(**config)

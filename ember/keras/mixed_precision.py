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
"""

from __future__ import annotations

from typing import Any

from ..core.dtypes import as_dtype
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
    """Loss scaling for float16 training: not built yet."""

    def __init__(self, *args: Any, **kwargs: Any):
        raise NotImplementedError(
            "LossScaleOptimizer (loss scaling for mixed_float16 training) is not built in "
            "ember yet. Train with the 'mixed_bfloat16' policy (bfloat16 has float32's "
            "range, so it needs no loss scaling), or in float32.")

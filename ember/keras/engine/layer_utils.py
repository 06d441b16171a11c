"""Helpers of the Layer pipeline: input conversion, init_scope, small utilities."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ...core.context import enter_mode, exit_mode, isolated
from ...core.convert import to_array
from ...core.shape import TensorShape
from ...core.tensor import TensorOps, wrap
from ...prims.convert import cast
from .call_context import CALL
from .keras_tensor import KerasTensor


class init_scope:
    """Runs weight creation outside any tape or trace (TF's `tf.init_scope`), so a layer
    built inside ember.function gets real Variables with real initial values."""

    def __enter__(self) -> None:
        self._isolated = isolated()
        self._isolated.__enter__()
        self._spec = CALL.spec_only
        CALL.spec_only = 0
        for _ in range(self._spec):
            exit_mode()

    def __exit__(self, *exc: Any) -> None:
        for _ in range(self._spec):
            enter_mode()
        CALL.spec_only = self._spec
        self._isolated.__exit__(*exc)


def call_info(cls: type) -> tuple:
    """(accepts `training`, accepts **kwargs) for `cls.call`, cached per class.

    Example:
        >>> from ember import keras
        >>> call_info(keras.layers.Dropout), call_info(keras.layers.Dense)
        ((True, False), (False, False))
    """
    info = cls.__dict__.get("_call_info_cache")
    if info is None:
        try:
            params = inspect.signature(cls.call).parameters
        except (TypeError, ValueError):
            params = {}
        var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
        info = ("training" in params, var_kw)
        setattr(cls, "_call_info_cache", info)
    return info


def dedup(vs: list) -> list:
    """`vs` without repeats (by identity), in order.

    Example:
        >>> a, b = [1], [2]
        >>> dedup([a, b, a]) == [a, b]
        True
    """
    seen, out = set(), []
    for v in vs:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def all_numbers(xs: Any) -> bool:
    """Whether `xs` is a number or a nested list / tuple of Python or NumPy numbers only.

    Example:
        >>> all_numbers([[1, 2.5], (3,)]), all_numbers([1, "a"])
        (True, False)
    """
    stack = [xs]
    while stack:
        x = stack.pop()
        if type(x) in (list, tuple):
            stack.extend(x)
        elif not isinstance(x, (int, float, bool, np.number, np.bool_)):
            return False
    return True


def to_tensor(x: Any, dt: Any) -> Any:
    """A layer input as a tensor: NumPy arrays, lists and numbers become Tensors (floats
    of dtype `dt` when given), floating tensors are cast to `dt`; KerasTensors and other
    objects pass as they are.

    Example:
        >>> import numpy as np
        >>> to_tensor(np.ones(2), "float32").dtype.name
        'float32'
    """
    if isinstance(x, TensorOps):
        if isinstance(x, KerasTensor):
            return x  # cast (if needed) in the shape-only call: no op node is recorded
        if dt is not None and x.dtype.is_floating and x.dtype != dt:
            return cast(x, dt)
        return x
    if isinstance(x, (np.ndarray, np.generic, list, tuple, float, int)) and not isinstance(
            x, bool):
        arr = np.asarray(x) if not isinstance(x, (list, tuple)) else to_array(x)
        if dt is not None and arr.dtype.kind == "f":
            return wrap(to_array(arr, dt, copy=True))
        return wrap(to_array(arr, None, copy=True))
    return x  # None, strings, Python objects: passed to call as they are


def placeholders(input_shape: Any, dtype: Any) -> Any:
    """KerasTensors for `input_shape` (a shape, or a list of shapes for several inputs).

    Example:
        >>> placeholders([(None, 2), (None, 3)], "float32")[1].shape
        TensorShape([None, 3])
    """
    if isinstance(input_shape, (list, tuple)) and input_shape and all(
            isinstance(s, (list, tuple, TensorShape)) for s in input_shape):
        return [KerasTensor(s, dtype) for s in input_shape]
    return KerasTensor(input_shape, dtype)


def batch_input_shape(kwargs: dict) -> Any:
    """The batch input shape a layer's constructor arguments give (`batch_input_shape`,
    or `input_shape` / `input_dim` with `batch_size`), else None.

    Example:
        >>> batch_input_shape({"input_shape": (3,)}), batch_input_shape({})
        ((None, 3), None)
    """
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    shape = kwargs.get("input_shape")
    if shape is None and kwargs.get("input_dim") is not None:
        shape = (kwargs["input_dim"],)
    if shape is None:
        return None
    if isinstance(shape, int):
        shape = (shape,)
    return (kwargs.get("batch_size"),) + tuple(shape)

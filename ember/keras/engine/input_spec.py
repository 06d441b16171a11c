"""InputSpec: what a layer accepts (rank, dtype, known axis sizes), checked on each call.

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> layer = keras.layers.Dense(2)
    >>> _ = layer(np.zeros((1, 10), "float32"))
    >>> layer(np.zeros((1, 12), "float32"))
    Traceback (most recent call last):
    ...
    ember.core.errors.ShapeError: Input 0 of layer "dense..." is incompatible: expected axis -1 to have value 10, received shape (1, 12). ...
"""

from __future__ import annotations

from typing import Any

from ...core import nest
from ...core.dtypes import as_dtype
from ...core.errors import DTypeError, ShapeError
from ...core.shape import as_shape


class InputSpec:
    """The rank, dtype and axis sizes a layer expects of an input (Keras' `InputSpec`).

    Example:
        >>> from ember import keras
        >>> keras.layers.InputSpec(min_ndim=2, axes={-1: 4})
        InputSpec(min_ndim=2, axes={-1: 4})
    """

    def __init__(self, dtype: Any = None, shape: Any = None, ndim: int | None = None,
                 max_ndim: int | None = None, min_ndim: int | None = None,
                 axes: dict | None = None, allow_last_axis_squeeze: bool = False,
                 name: str | None = None):
        self.dtype = None if dtype is None else as_dtype(dtype)
        self.shape = None if shape is None else as_shape(shape)
        self.ndim = self.shape.rank if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name

    def __repr__(self) -> str:
        parts = [f"{k}={getattr(self, k)!r}" for k in
                 ("dtype", "shape", "ndim", "max_ndim", "min_ndim")
                 if getattr(self, k) is not None]
        if self.axes:
            parts.append(f"axes={self.axes}")
        return f"InputSpec({', '.join(parts)})"

    def get_config(self) -> dict:
        return {"dtype": None if self.dtype is None else self.dtype.name,
                "shape": None if self.shape is None else tuple(self.shape),
                "ndim": self.ndim, "max_ndim": self.max_ndim, "min_ndim": self.min_ndim,
                "axes": self.axes}

    @classmethod
    def from_config(cls, config: dict) -> "InputSpec":
        return cls(**config)


def _shape_text(shape: Any) -> str:
    return str(tuple(shape))


def check_input_spec(layer: Any, inputs: Any) -> None:
    """Raises a ShapeError/DTypeError naming the layer when `inputs` break its input_spec."""
    specs = layer.input_spec
    if specs is None:
        return
    flat = nest.flatten(inputs)
    specs = nest.flatten(specs)
    if len(specs) != len(flat):
        if len(specs) == 1 and len(flat) > 1:
            raise ShapeError(f'Layer "{layer.name}" expects 1 input, but it received '
                             f"{len(flat)} input tensors. Pass a single tensor.")
        raise ShapeError(f'Layer "{layer.name}" expects {len(specs)} inputs, but it '
                         f"received {len(flat)} input tensors.")
    for i, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None:
            continue
        shape = x.shape
        rank = shape.rank
        head = f'Input {i} of layer "{layer.name}" is incompatible: '
        hint = _batch_hint(spec, shape)
        if spec.ndim is not None and rank != spec.ndim and not (
                spec.allow_last_axis_squeeze and abs(rank - spec.ndim) == 1):
            raise ShapeError(f"{head}expected ndim={spec.ndim}, found ndim={rank}. Full shape "
                             f"received: {_shape_text(shape)}.{hint}")
        if spec.max_ndim is not None and rank > spec.max_ndim:
            raise ShapeError(f"{head}expected max_ndim={spec.max_ndim}, found ndim={rank}. "
                             f"Full shape received: {_shape_text(shape)}.")
        if spec.min_ndim is not None and rank < spec.min_ndim:
            raise ShapeError(f"{head}expected min_ndim={spec.min_ndim}, found ndim={rank}. "
                             f"Full shape received: {_shape_text(shape)}.{hint}")
        if spec.dtype is not None and x.dtype != spec.dtype:
            raise DTypeError(f"{head}expected dtype={spec.dtype.name}, found "
                             f"dtype={x.dtype.name}. Cast the input with ember.cast.")
        for axis, value in spec.axes.items():
            if value is None or -rank > axis or axis >= rank:
                continue
            got = shape[axis]
            if got is not None and got != value:
                raise ShapeError(
                    f"{head}expected axis {axis} to have value {value}, received shape "
                    f"{_shape_text(shape)}. The layer was built for inputs whose axis "
                    f"{axis} is {value}; pass data of that size, or use a new layer.")
        if spec.shape is not None and rank == spec.shape.rank:
            for axis, (want, got) in enumerate(zip(spec.shape, shape)):
                if want is not None and got is not None and want != got:
                    raise ShapeError(f"{head}expected shape={_shape_text(spec.shape)}, found "
                                     f"shape={_shape_text(shape)}.{hint}")


def _batch_hint(spec: InputSpec, shape: Any) -> str:
    want = spec.ndim if spec.ndim is not None else spec.min_ndim
    if want is not None and shape.rank == want - 1:
        return (" It looks like one sample without its batch axis: add one with x[None] "
                "(or np.expand_dims(x, 0)).")
    return ""

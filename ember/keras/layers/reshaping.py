"""Reshaping layers: Flatten, Reshape, RepeatVector, Permute.

The batch axis (axis 0) is kept as it is and may be unknown (None) in a model or inside
`ember.function`: the layers then read it from `ember.shape` at run time.

Example:
    >>> from ember import keras
    >>> x = keras.Input((2, 3, 4))
    >>> keras.layers.Flatten()(x).shape, keras.layers.Reshape((6, -1))(x).shape
    (TensorShape([None, 24]), TensorShape([None, 6, 4]))
"""

from __future__ import annotations

import math
from typing import Any

from ...core.errors import ShapeError
from ...ops.shape_ops import shape as dynamic_shape
from ...ops.shape_ops import expand_dims, reshape, tile, transpose
from ..config import image_data_format
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer

__all__ = ["Flatten", "Permute", "RepeatVector", "Reshape"]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _shape_text(shape: Any) -> str:
    return str(tuple(shape))


def _reshape_keep_batch(x: Any, dims: list) -> Any:
    """`x` reshaped to `(batch,) + dims`, the batch size of `x` kept; `dims` may hold one
    -1. Uses a static shape when it can (keeps the known dims), else `ember.shape(x)[0]`."""
    batch = x.shape[0]
    if batch is not None:
        return reshape(x, [batch] + dims)
    if -1 not in dims and math.prod(dims) > 0:
        return reshape(x, [-1] + dims)
    return reshape(x, [dynamic_shape(x)[0]] + dims)


class Flatten(Layer):
    """Flattens each sample to one axis: `(batch, d1, d2, ...)` -> `(batch, d1*d2*...)`
    (TF's `keras.layers.Flatten`).

    A 1-D input `(batch,)` becomes `(batch, 1)`.

    Args:
        data_format: 'channels_last' (default) or 'channels_first'; with channels_first
            the channel axis is moved last before flattening, so the order of the values
            matches a channels_last model.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.Flatten()(np.zeros((2, 3, 4))).shape
        TensorShape([2, 12])
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        fmt = image_data_format() if data_format is None else data_format
        if fmt not in ("channels_last", "channels_first"):
            raise ValueError(f'Layer "{self.name}" (Flatten): data_format must be '
                             f"'channels_last' or 'channels_first', received "
                             f"data_format={data_format!r}.")
        self.data_format = fmt
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs: Any) -> Any:
        x = inputs
        rank = x.ndim
        if rank == 1:
            return expand_dims(x, 1)
        if self.data_format == "channels_first" and rank > 2:
            x = transpose(x, [0] + list(range(2, rank)) + [1])
        dims = list(x.shape)[1:]
        size = -1 if any(d is None for d in dims) else math.prod(dims)
        return _reshape_keep_batch(x, [size])

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (TF's `keras.layers.Reshape`).

    Args:
        target_shape: the new shape of one sample (the batch axis excluded); one entry
            may be -1, inferred from the input's size.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.Reshape((3, -1))(np.zeros((2, 12))).shape
        TensorShape([2, 3, 4])
    """

    def __init__(self, target_shape: Any, **kwargs: Any):
        super().__init__(**kwargs)
        dims = [target_shape] if _is_int(target_shape) else target_shape
        if not isinstance(dims, (list, tuple)) or not all(
                _is_int(d) and (d > 0 or d == -1) for d in dims):
            raise ValueError(f'Layer "{self.name}" (Reshape): target_shape must be a tuple of '
                             f"positive ints, with at most one -1, received "
                             f"target_shape={target_shape!r}.")
        if list(dims).count(-1) > 1:
            raise ValueError(f'Layer "{self.name}" (Reshape): target_shape may contain at '
                             f"most one -1 (an unknown dimension), received "
                             f"target_shape={tuple(dims)}.")
        self.target_shape = tuple(dims)

    def _resolve(self, input_shape: Any) -> list:
        """The target dims with the -1 filled in when the input's per-sample size is
        known; raises when the sizes can't match."""
        dims = list(self.target_shape)
        in_dims = list(input_shape)[1:]
        if any(d is None for d in in_dims):
            return dims
        total = math.prod(in_dims)
        known = math.prod(d for d in dims if d != -1)
        if -1 in dims:
            ok = known > 0 and total % known == 0
            if ok:
                dims[dims.index(-1)] = total // known
        else:
            ok = known == total
        if not ok:
            need = f"{known} values" if -1 not in dims else f"a multiple of {known} values"
            raise ShapeError(
                f'Layer "{self.name}" (Reshape): the total size of each sample must be '
                f"unchanged, but the input shape {_shape_text(input_shape)} has {total} "
                f"values per sample and target_shape {self.target_shape} needs {need}. "
                f"Received input shape {_shape_text(input_shape)}, target_shape "
                f"{self.target_shape}.")
        return dims

    def call(self, inputs: Any) -> Any:
        return _reshape_keep_batch(inputs, self._resolve(inputs.shape))

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": self.target_shape}


class RepeatVector(Layer):
    """Repeats each input vector `n` times: `(batch, features)` -> `(batch, n, features)`
    (TF's `keras.layers.RepeatVector`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.RepeatVector(2)(np.array([[1.0, 2.0]])).numpy()
        array([[[1., 2.],
                [1., 2.]]], dtype=float32)
    """

    def __init__(self, n: int, **kwargs: Any):
        super().__init__(**kwargs)
        if not _is_int(n) or n < 1:
            raise ValueError(f'Layer "{self.name}" (RepeatVector): n must be a positive int, '
                             f"received n={n!r}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs: Any) -> Any:
        return tile(expand_dims(inputs, 1), [1, self.n, 1])

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}


class Permute(Layer):
    """Permutes the non-batch axes (TF's `keras.layers.Permute`).

    Args:
        dims: a permutation of `1..rank-1` (1-based: the batch axis 0 stays first),
            e.g. `(2, 1)` swaps the two axes of each sample.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.Permute((2, 1))(np.zeros((5, 3, 4))).shape
        TensorShape([5, 4, 3])
    """

    def __init__(self, dims: Any, **kwargs: Any):
        super().__init__(**kwargs)
        ok = isinstance(dims, (list, tuple)) and all(_is_int(d) for d in dims) and \
            sorted(dims) == list(range(1, len(dims) + 1))
        if not ok:
            raise ValueError(f'Layer "{self.name}" (Permute): dims must be a permutation of '
                             f"1..n (1-based, the batch axis is not included), e.g. (2, 1); "
                             f"received dims={dims!r}.")
        self.dims = tuple(dims)
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs: Any) -> Any:
        return transpose(inputs, [0] + list(self.dims))

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": self.dims}

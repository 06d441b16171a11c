"""Preprocessing layers: Normalization (with `adapt`) and Rescaling.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> layer = keras.layers.Normalization()
    >>> layer.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
    >>> layer(np.array([[1.0, 20.0]])).numpy()
    array([[0., 0.]], dtype=float32)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ...core.errors import ShapeError
from ...data.dataset import Dataset
from ...ops import math_ops as m
from ...prims.convert import cast, constant
from ...ops.shape_ops import reshape
from ..config import epsilon
from ..engine.keras_tensor import KerasTensor
from ..engine.layer import Layer, init_scope

__all__ = ["Normalization", "Rescaling"]



def _as_numpy(x: Any) -> np.ndarray:
    if hasattr(x, "numpy"):
        x = x.numpy()
    return np.asarray(x, dtype=np.float64)


class Normalization(Layer):
    """Shifts and scales inputs to mean 0 and variance 1 per feature (TF's
    `keras.layers.Normalization`): `(x - mean) / max(sqrt(variance), 1e-7)`, or the
    inverse `mean + x * max(sqrt(variance), 1e-7)` with `invert=True`.

    The statistics are given (`mean` and `variance`, scalars or arrays of the kept axes'
    shape) or computed by `adapt(data)` over every axis except `axis`.

    Args:
        axis: the axis or axes that keep separate statistics (default -1, the features);
            None for one mean and variance over everything. The batch axis 0 cannot be kept.
        mean, variance: the statistics, both or neither.
        invert: whether to undo the normalization instead.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> keras.layers.Normalization(mean=2.0, variance=4.0)(np.array([[4.0]])).numpy()
        array([[1.]], dtype=float32)
    """

    def __init__(self, axis: Any = -1, mean: Any = None, variance: Any = None,
                 invert: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if axis is None:
            self.axis: tuple = ()
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = (axis,)
        elif isinstance(axis, (list, tuple)) and all(
                isinstance(a, int) and not isinstance(a, bool) for a in axis):
            self.axis = tuple(axis)
        else:
            raise TypeError(f'Layer "{self.name}" (Normalization): axis must be an int, a '
                            f"tuple of ints or None, received axis={axis!r}.")
        if 0 in self.axis:
            raise ValueError(f'Layer "{self.name}" (Normalization): the batch axis 0 is '
                             f"always reduced and cannot be in axis, received axis={axis!r}.")
        if (mean is None) != (variance is None):
            raise ValueError(f'Layer "{self.name}" (Normalization): pass both mean and '
                             f"variance, or neither (and call adapt), received mean={mean!r}, "
                             f"variance={variance!r}.")
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self._given_axis = axis
        self.adapt_mean = self.adapt_variance = None

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        rank = len(shape)
        for a in self.axis:
            if not -rank <= a < rank:
                raise ValueError(
                    f'Layer "{self.name}" (Normalization): axis={self._given_axis!r} is out '
                    f"of range for inputs of rank {rank} (shape {shape}); each axis must be "
                    f"in [{-rank}, {rank}).")
        keep = sorted({a % rank for a in self.axis})
        if 0 in keep:
            raise ValueError(f'Layer "{self.name}" (Normalization): axis='
                             f"{self._given_axis!r} names the batch axis 0 of inputs of "
                             f"shape {shape}; the batch axis is always reduced.")
        unknown = [a for a in keep if shape[a] is None]
        if unknown:
            raise ValueError(f'Layer "{self.name}" (Normalization): the kept axes {unknown} '
                             f"must have known sizes, received input shape {shape}.")
        self._keep = keep
        self._reduce = tuple(a for a in range(rank) if a not in keep)
        self._keep_shape = tuple(shape[a] for a in keep)
        self._bshape = [shape[a] if a in keep else 1 for a in range(rank)]
        self._rank = rank
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", shape=self._keep_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight("variance", shape=self._keep_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight("count", shape=(), dtype="int64",
                                         initializer="zeros", trainable=False)
            self._adapted = False
        else:
            stats = []
            for what, v in (("mean", self.input_mean), ("variance", self.input_variance)):
                arr = np.asarray(v, dtype=self._dtype._numpy())
                try:
                    arr = np.broadcast_to(arr, self._keep_shape)
                except ValueError:
                    raise ShapeError(
                        f'Layer "{self.name}" (Normalization): {what} of shape {arr.shape} '
                        f"does not broadcast to the kept axes' shape {self._keep_shape} of "
                        f"inputs of shape {shape} with axis={self._given_axis!r}.") from None
                stats.append(arr.reshape(self._bshape))
            with init_scope():
                self._mean_c, self._var_c = constant(stats[0]), constant(stats[1])
            self._adapted = True
        self.built = True

    def adapt(self, data: Any, batch_size: Any = None, steps: int | None = None) -> None:
        """Sets the mean and variance from `data`: an array (or Tensor) of samples, or an
        `ember.data.Dataset` of batches (read up to `steps` batches). The statistics are
        computed over every axis but `axis`, in float64; a new adapt starts over.

        Example:
            >>> import numpy as np, ember as tf
            >>> from ember import keras
            >>> layer = keras.layers.Normalization(axis=None)
            >>> layer.adapt(tf.data.Dataset.from_tensor_slices(np.arange(4.0)).batch(3))
            >>> layer.mean.numpy().tolist(), layer.variance.numpy().tolist()
            ([1.5], [1.25])
        """
        if self.input_mean is not None:
            raise ValueError(f'Layer "{self.name}" (Normalization): adapt() cannot be used '
                             f"when mean and variance were given to the constructor.")
        if isinstance(data, Dataset):
            batches = iter(data)
        else:
            batches = iter([data])
        n, mean, m2 = 0, None, None
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            if isinstance(batch, (tuple, list, dict)):
                raise ValueError(f'Layer "{self.name}" (Normalization): adapt needs a '
                                 f"dataset of input batches only, received elements of type "
                                 f"{type(batch).__name__}; map it to the inputs first, e.g. "
                                 f"ds.map(lambda x, y: x).")
            arr = _as_numpy(batch)
            if arr.ndim == 0:
                arr = arr.reshape(1)
            if not self.built:
                self._maybe_build_for(arr.shape)
            if arr.ndim != self._rank or tuple(arr.shape[a] for a in self._keep) != \
                    self._keep_shape:
                raise ShapeError(f'Layer "{self.name}" (Normalization): adapt data of shape '
                                 f"{arr.shape} does not match the layer's input rank "
                                 f"{self._rank} and kept axes {self._keep} of sizes "
                                 f"{self._keep_shape}.")
            k = int(np.prod([arr.shape[a] for a in self._reduce]))
            if k == 0:
                continue
            bm = arr.mean(axis=self._reduce).reshape(self._keep_shape)
            bm2 = ((arr - arr.mean(axis=self._reduce, keepdims=True)) ** 2).sum(
                axis=self._reduce).reshape(self._keep_shape)
            if mean is None:
                n, mean, m2 = k, bm, bm2
            else:  # NOTE: Chan et al.'s pairwise merge, stable for many batches
                delta = bm - mean
                total = n + k
                mean = mean + delta * (k / total)
                m2 = m2 + bm2 + delta ** 2 * (n * k / total)
                n = total
        if mean is None:
            raise ValueError(f'Layer "{self.name}" (Normalization): adapt received no data.')
        self.adapt_mean.assign(mean.astype(self._dtype._numpy()))
        self.adapt_variance.assign((m2 / n).astype(self._dtype._numpy()))
        self.count.assign(np.int64(n))
        self._adapted = True

    def _maybe_build_for(self, shape: tuple) -> None:
        with init_scope():
            self.build((None,) + tuple(shape[1:]))
        self._build_input_shape = (None,) + tuple(shape[1:])

    @property
    def mean(self) -> Any:
        """The mean, broadcastable against the inputs."""
        if self.input_mean is not None:
            return self._mean_c if self.built else self.input_mean
        return None if self.adapt_mean is None else reshape(self.adapt_mean, self._bshape)

    @property
    def variance(self) -> Any:
        """The variance, broadcastable against the inputs."""
        if self.input_variance is not None:
            return self._var_c if self.built else self.input_variance
        return None if self.adapt_variance is None else reshape(self.adapt_variance,
                                                                self._bshape)

    def call(self, inputs: Any) -> Any:
        if not self._adapted and self.input_mean is None:
            if int(np.asarray(self.count._value)) > 0:  # statistics loaded from a file
                self._adapted = True
        if not self._adapted and self.input_mean is None and not isinstance(
                inputs, KerasTensor):  # NOTE: building a graph (load_model) needs no stats
            # Keras 3 runs with the initial statistics (mean 0, variance 1); forgetting
            # adapt is a known trap, so say it once
            self._adapted = True
            warnings.warn(f'Layer "{self.name}" (Normalization) is used before adapt(): '
                          f"it normalizes with mean 0 and variance 1 (as Keras 3). Call "
                          f"adapt(data) first, or pass mean and variance to the "
                          f"constructor.", UserWarning, stacklevel=3)
        x = cast(inputs, self._dtype) if inputs.dtype != self._dtype else inputs
        std = m.maximum(m.sqrt(self.variance), epsilon())
        if self.invert:
            return m.add(self.mean, m.multiply(x, std))
        return m.divide(m.subtract(x, self.mean), std)

    def get_config(self) -> dict:
        def listify(v: Any) -> Any:
            return np.asarray(v).tolist() if isinstance(v, (np.ndarray, list, tuple)) or \
                hasattr(v, "numpy") else v

        axis = self._given_axis
        return {**super().get_config(), "axis": list(axis) if isinstance(axis, tuple)
                else axis, "mean": listify(self.input_mean),
                "variance": listify(self.input_variance), "invert": self.invert}


class Rescaling(Layer):
    """`inputs * scale + offset`, in the layer's dtype (TF's `keras.layers.Rescaling`),
    e.g. `Rescaling(1 / 255)` for uint8 images.

    Args:
        scale: a number (or an array broadcast against the inputs).
        offset: a number (or an array), default 0.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> keras.layers.Rescaling(1 / 127.5, offset=-1)(np.array([0, 255], "uint8")).numpy()
        array([-1.,  1.], dtype=float32)
    """

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        for what, v in (("scale", scale), ("offset", offset)):
            try:
                arr = np.asarray(v, dtype=np.float64)
            except (TypeError, ValueError):
                arr = None
            if arr is None or isinstance(v, bool) or not np.all(np.isfinite(arr)):
                raise ValueError(f'Layer "{self.name}" (Rescaling): {what} must be a finite '
                                 f"number (or an array of them), received {what}={v!r}.")
        self.scale = scale
        self.offset = offset

    def call(self, inputs: Any) -> Any:
        x = cast(inputs, self._dtype) if inputs.dtype != self._dtype else inputs
        dt = self._dtype._numpy()
        out = m.multiply(x, constant(np.asarray(self.scale, dt)))
        if np.any(np.asarray(self.offset) != 0):
            out = m.add(out, constant(np.asarray(self.offset, dt)))
        return out

    def get_config(self) -> dict:
        def listify(v: Any) -> Any:
            return np.asarray(v).tolist() if isinstance(v, (np.ndarray, list, tuple)) else v

        return {**super().get_config(), "scale": listify(self.scale),
                "offset": listify(self.offset)}

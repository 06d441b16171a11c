"""`keras.layers.Discretization`: buckets numbers by boundaries, given or learnt by
`adapt` from approximate quantiles.

`adapt` keeps Keras 3's quantile summary: each batch is sorted and thinned to about
1/epsilon weighted points, merged with the summary so far (new batch first) and
compressed back to 1/epsilon points by interpolating the cumulative weights; the
boundaries are the summary compressed to `num_bins` points (the last dropped). The
boundaries are therefore Keras 3's for the same data and batches.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> layer = keras.layers.Discretization(num_bins=4, epsilon=0.01)
    >>> layer.adapt(np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]]))
    >>> [round(b, 4) for b in layer.bin_boundaries]
    [0.0, 0.5, 1.3]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core.dtypes import float32, int32
from ...ops import creation_ops as C
from ...ops import math_ops as M
from ...ops import shape_ops as S
from ...ops.extra_ops import searchsorted
from ...prims.convert import cast, convert_to_tensor
from ...ragged.ragged_tensor import RaggedTensor
from ...sparse.sparse_tensor import SparseTensor
from ._categorical_utils import DataLayer, adapt_batches, check_choice, encode, what

__all__ = ["Discretization"]


def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """A batch as a (2, k) summary: about 1/epsilon of its sorted values, evenly spaced,
    each weighted by the number of values it stands for."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size / (1.0 / epsilon), 1)
    points = values[int(step - 1)::int(step)]
    return np.stack([points, np.ones_like(points) * step])


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """The summary resampled to 1/epsilon points (unchanged when it is smaller)."""
    if summary.shape[1] * epsilon < 1:
        return summary
    targets = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    share = cum / cum[-1]
    points = np.interp(targets, share, summary[0])
    cum_at = np.interp(targets, share, cum)
    weights = cum_at - np.concatenate((np.array([0]), cum_at[:-1]))
    return np.stack((points, weights)).astype("float32")


def _merge(new: np.ndarray, old: np.ndarray, epsilon: float) -> np.ndarray:
    both = np.concatenate((new, old), axis=1)
    both = np.take(both, np.argsort(both[0]), axis=1)
    return _compress(both, epsilon)


class Discretization(DataLayer):
    """Maps numbers to the index of their bucket (Keras 3's
    `keras.layers.Discretization`): bucket i holds `boundaries[i-1] <= x <
    boundaries[i]`, so `len(bin_boundaries) + 1` buckets (NaN goes to the last, as TF).

    Args:
        bin_boundaries: the sorted boundaries; or None and `num_bins` with `adapt`.
        num_bins: the number of buckets `adapt` makes (from approximate quantiles).
        epsilon: the quantile error tolerance of `adapt` (about 1/epsilon points kept).
        output_mode: "int" (int32 bucket ids), "one_hot", "multi_hot" or "count" (see
            CategoryEncoding).
        sparse: return a `tf.SparseTensor` (not with "int").

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
        >>> layer(np.array([[-1.5, 1.0, 3.4, 0.5]])).numpy()
        array([[0, 2, 3, 1]], dtype=int32)
    """

    def __init__(self, bin_boundaries: Any = None, num_bins: int | None = None,
                 epsilon: float = 0.01, output_mode: str = "int", sparse: bool = False,
                 dtype: Any = None, name: str | None = None, **kwargs: Any):
        super().__init__(name=name, dtype=dtype, **kwargs)
        check_choice(self, "output_mode", output_mode,
                     ("int", "one_hot", "multi_hot", "count"))
        if sparse and output_mode == "int":
            raise ValueError(f"{what(self)}: sparse=True needs output_mode 'one_hot', "
                             f"'multi_hot' or 'count', received output_mode='int'.")
        if num_bins is not None and (isinstance(num_bins, bool) or not isinstance(
                num_bins, (int, np.integer)) or num_bins < 0):
            raise ValueError(f"{what(self)}: num_bins must be an int >= 0, received "
                             f"num_bins={num_bins!r}.")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"{what(self)}: pass bin_boundaries or num_bins, not both "
                             f"(received num_bins={num_bins!r} and bin_boundaries="
                             f"{bin_boundaries!r}).")
        if num_bins is None and bin_boundaries is None:
            raise ValueError(f"{what(self)}: pass bin_boundaries (the bucket edges), or "
                             f"num_bins and call adapt(data).")
        if not 0 < float(epsilon) <= 1:
            raise ValueError(f"{what(self)}: epsilon must be in (0, 1], received "
                             f"epsilon={epsilon!r}.")
        if bin_boundaries is not None:
            bin_boundaries = self._boundaries(bin_boundaries)
        self.bin_boundaries = bin_boundaries
        self.num_bins = None if num_bins is None else int(num_bins)
        self.epsilon = float(epsilon)
        self.output_mode = output_mode
        self.sparse = bool(sparse)
        self.summary = None if bin_boundaries else np.array([[], []], dtype="float32")

    def _boundaries(self, values: Any) -> list:
        arr = np.asarray(values.numpy() if hasattr(values, "numpy") else values,
                         dtype=np.float64)
        if arr.ndim != 1:
            raise ValueError(f"{what(self)}: bin_boundaries must be a flat list of numbers, "
                             f"received shape {arr.shape}.")
        if np.any(np.diff(arr) < 0):
            raise ValueError(f"{what(self)}: bin_boundaries must be sorted in increasing "
                             f"order, received {arr.tolist()}.")
        return [float(v) for v in arr]

    @property
    def output_dtype(self) -> str:
        return "int32" if self.output_mode == "int" else self.dtype

    def adapt(self, data: Any, batch_size: Any = None, steps: int | None = None) -> None:
        """Learns `num_bins - 1` boundaries from approximate quantiles of `data` (an
        array, a tensor, a list of batches or a `tf.data.Dataset`, read up to `steps`
        batches).

        Example:
            >>> import numpy as np
            >>> from ember import keras
            >>> layer = keras.layers.Discretization(num_bins=3)
            >>> layer.adapt(np.arange(10.0))
            >>> [round(b, 4) for b in layer.bin_boundaries]
            [2.3333, 5.6667]
        """
        if self.num_bins is None:
            raise ValueError(f"{what(self)}: adapt needs num_bins; this layer was created "
                             f"with bin_boundaries. Create it with num_bins=... instead.")
        self.reset_state()
        seen = False
        for batch in adapt_batches(self, data, batch_size, steps):
            self.update_state(batch)
            seen = True
        if not seen:
            raise ValueError(f"{what(self)}: adapt received no data.")
        self.finalize_state()

    def update_state(self, data: Any) -> None:
        if isinstance(data, (RaggedTensor, SparseTensor)):
            data = data.values
        arr = np.asarray(data.numpy() if hasattr(data, "numpy") else data)
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"{what(self)}: adapt needs numbers, received data of dtype "
                             f"{arr.dtype}.")
        summary = _summarize(arr.astype("float32"), self.epsilon)
        self.summary = _merge(summary, self.summary, self.epsilon)

    def finalize_state(self) -> None:
        if self.num_bins is None:
            return
        self.bin_boundaries = [float(v) for v in
                               _compress(self.summary, 1.0 / self.num_bins)[0, :-1]]

    def reset_state(self) -> None:
        if self.num_bins is not None:
            self.summary = np.array([[], []], dtype="float32")

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        if self.output_mode == "int":
            return shape
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None \
            else self.num_bins
        if self.output_mode == "one_hot":
            if len(shape) > 1 and shape[-1] == 1:
                return shape[:-1] + (depth,)
            return shape + (depth,)
        return shape[:-1] + (depth,) if len(shape) >= 2 else (depth,)

    def call(self, inputs: Any) -> Any:
        if self.bin_boundaries is None:
            raise ValueError(f"{what(self)}: the layer has no bin boundaries yet; pass "
                             f"bin_boundaries to the constructor or call adapt(data) first.")
        if isinstance(inputs, (RaggedTensor, SparseTensor)):
            raise ValueError(f"{what(self)}: expects a dense tensor of numbers, received "
                             f"a {type(inputs).__name__}.")
        if inputs.dtype.is_bool or not (inputs.dtype.is_floating or inputs.dtype.is_integer):
            raise ValueError(f"{what(self)}: expects numbers, received a "
                             f"{inputs.dtype.name} tensor.")
        x = cast(inputs, float32) if inputs.dtype != float32 else inputs
        n = len(self.bin_boundaries)
        if n:
            edges = convert_to_tensor(np.asarray(self.bin_boundaries, np.float32))
            ids = searchsorted(edges, S.reshape(x, [-1]), side="right", out_type=int32)
            dims = list(x.shape)
            ids = S.reshape(ids, [-1 if d is None else d for d in dims]
                            if sum(d is None for d in dims) <= 1 else S.shape(x))
            ids = M.where(M.is_nan(x), C.fill(S.shape(x), convert_to_tensor(n, int32)), ids)
        else:
            ids = C.zeros_like(x, dtype=int32)
        return encode(ids, self.output_mode, n + 1, self.output_dtype, self.sparse)

    def get_config(self) -> dict:
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> "Discretization":
        config = dict(config)
        config.pop("trainable", None)
        boundaries = config.get("bin_boundaries")
        if boundaries is not None and config.get("num_bins") is not None:
            config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = layer._boundaries(boundaries)
            return layer
        return cls(**config)

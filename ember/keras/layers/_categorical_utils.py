"""Helpers shared by the categorical and text preprocessing layers (issue 16): input
conversion, argument checks with errors naming the layer, the adapt batch walk, and
`encode`, Keras 3's `encode_categorical_inputs` (one_hot / multi_hot / count of integer
ids, optionally weighted, dense or sparse).

Everything here is written with ember ops on tensors (no NumPy on values), so the layers
run eagerly, inside `ember.function`, in `Dataset.map` and on KerasTensors alike.

Example:
    >>> import ember as tf
    >>> encode(tf.constant([[0, 1, 1], [3, 3, 9]]), "count", 4, "float32").numpy()
    array([[1., 2., 0., 0.],
           [0., 0., 0., 2.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from ...core.dtypes import as_dtype, int32, int64, string
from ...core.tensor import TensorOps
from ...data.dataset import Dataset
from ...ops import creation_ops as C
from ...ops import gather_ops as G
from ...ops import math_ops as M
from ...ops import reduce_ops as R
from ...ops import shape_ops as S
from ...prims.convert import cast, convert_to_tensor
from ...ragged.ragged_tensor import RaggedTensor
from ...sparse.sparse_ops import from_dense
from ...sparse.sparse_tensor import SparseTensor
from ..engine.keras_tensor import KerasTensor
from ..engine.layer import Layer

__all__ = ["DataLayer", "encode", "to_input", "what", "check_choice", "adapt_batches", "is_symbolic",
           "as_numpy_tokens", "static_rank"]

ENCODE_MODES = ("one_hot", "multi_hot", "count")


def what(layer: Any) -> str:
    """`Layer "name" (Class)`, the start of every error message of these layers."""
    return f'Layer "{layer.name}" ({type(layer).__name__})'


def check_choice(layer: Any, arg: str, value: Any, allowed: tuple,
                 allow_none: bool = False, allow_callable: bool = False) -> None:
    """Raises ValueError naming the layer unless `value` is one of `allowed` (or None /
    a callable, where allowed)."""
    if value is None and allow_none or callable(value) and allow_callable:
        return
    if isinstance(value, str) and value in allowed:
        return
    extra = (" or None" if allow_none else "") + (" or a callable" if allow_callable else "")
    raise ValueError(f"{what(layer)}: {arg} must be one of {list(allowed)}{extra}, "
                     f"received {arg}={value!r}.")


def _strings_like(x: Any) -> bool:
    if isinstance(x, (str, bytes)):
        return True
    if isinstance(x, (list, tuple)):
        return bool(x) and all(_strings_like(v) for v in x)
    return False


def to_input(x: Any) -> Any:
    """A layer input as a tensor: Python strings and (nested) lists of strings, NumPy
    arrays of str / bytes / objects and lists of numbers become one tensor; Tensors,
    KerasTensors, RaggedTensors and SparseTensors pass through.

    Example:
        >>> to_input([["a b"], ["c"]]).shape
        TensorShape([2, 1])
    """
    if isinstance(x, (TensorOps, RaggedTensor, SparseTensor)):
        return x
    if isinstance(x, np.ndarray) and (x.dtype.kind in "US" or x.dtype == object and x.size
                                      and isinstance(x.flat[0], (str, bytes))):
        flat = [v.encode("utf-8") if isinstance(v, str) else v for v in x.ravel().tolist()]
        arr = np.empty(len(flat), dtype=object)
        arr[:] = flat
        return convert_to_tensor(arr.reshape(x.shape), dtype=string)
    if isinstance(x, (str, bytes)) or _strings_like(x):
        return convert_to_tensor(x, dtype=string)
    if isinstance(x, (np.ndarray, np.generic, list, tuple, int, float)) and \
            not isinstance(x, bool):
        return convert_to_tensor(x)
    return x


def is_symbolic(x: Any) -> bool:
    """Whether `x` (or a component of a ragged / sparse `x`) is a KerasTensor."""
    if isinstance(x, RaggedTensor):
        return isinstance(x.values, KerasTensor)
    if isinstance(x, SparseTensor):
        return isinstance(x.values, KerasTensor)
    return isinstance(x, KerasTensor)


def static_rank(x: Any) -> int | None:
    """The rank of a tensor (2 for ember's ragged tensors)."""
    if isinstance(x, RaggedTensor):
        return 2
    return x.shape.rank


def as_numpy_tokens(x: Any) -> tuple:
    """(flat NumPy values, row splits or None) of a concrete batch: a RaggedTensor
    gives its values and row_splits, a dense tensor its values flattened row by row
    (rank 0 and 1 are one row; rank >= 2 rows along the last axis)."""
    if isinstance(x, RaggedTensor):
        return np.asarray(x.values.numpy()), np.asarray(x.row_splits.numpy())
    if isinstance(x, SparseTensor):
        return np.asarray(x.values.numpy()), None
    arr = np.asarray(x.numpy() if hasattr(x, "numpy") else x)
    if arr.ndim <= 1:
        flat = arr.reshape(-1)
        return flat, np.array([0, flat.size])
    width = arr.shape[-1]
    flat = arr.reshape(-1)
    rows = flat.size // width if width else int(np.prod(arr.shape[:-1]))
    return flat, np.arange(rows + 1) * width


def adapt_batches(layer: Any, data: Any, batch_size: Any = None,
                  steps: int | None = None) -> Iterator:
    """The batches `adapt` reads: a Dataset's (at most `steps`), any other iterable's
    that is not an array (a generator of batches), or `data` itself (an array, a
    tensor, a list) as one batch, cut into `batch_size` rows when given. Rank-1 array
    data becomes a column (each element one sample), as Keras."""
    if isinstance(data, Dataset) or hasattr(data, "__iter__") and not isinstance(
            data, (list, tuple, np.ndarray, str, bytes, TensorOps, RaggedTensor,
                   SparseTensor)):
        for i, batch in enumerate(data):
            if steps is not None and i >= steps:
                break
            if isinstance(batch, (tuple, list, dict)) and isinstance(data, Dataset):
                raise ValueError(f"{what(layer)}: adapt needs a dataset of input batches "
                                 f"only, received elements of type {type(batch).__name__}; "
                                 f"map it to the inputs first, e.g. ds.map(lambda x, y: x).")
            yield to_input(batch)
        return
    if isinstance(data, KerasTensor):
        raise ValueError(f"{what(layer)}: adapt needs data with values (an array, a list, a "
                         f"tensor or a tf.data.Dataset), received a symbolic KerasTensor.")
    x = to_input(data)
    if isinstance(x, TensorOps) and x.shape.rank == 1:
        x = S.expand_dims(x, -1)
    if batch_size is None or isinstance(x, (RaggedTensor, SparseTensor)) or \
            x.shape.rank == 0:
        yield x
        return
    n = int(x.shape[0])
    for start in range(0, max(n, 1), int(batch_size)):
        yield x[start:start + int(batch_size)]


def _rows_of(ids: Any, weights: Any) -> tuple:
    """(values, row ids, number of rows, weights) of ids counted per row: a ragged
    tensor's rows, a dense tensor's rows along its last axis (rank 1: one row)."""
    if isinstance(ids, RaggedTensor):
        w = weights.values if isinstance(weights, RaggedTensor) else weights
        return ids.values, cast(ids.value_rowids(), int64), cast(ids.nrows(), int64), w
    if ids.shape.rank == 1:
        w = None if weights is None else S.reshape(weights, [-1])
        return ids, C.zeros_like(ids, dtype=int64), convert_to_tensor(1, int64), w
    width = ids.shape[-1] if ids.shape[-1] is not None else S.shape(ids)[-1]
    shape2 = S.stack([convert_to_tensor(-1, int32), cast(width, int32)]) \
        if isinstance(width, TensorOps) else [-1, width]
    ids2 = S.reshape(ids, shape2)
    rows = M.subtract(R.cumsum(C.ones_like(ids2, dtype=int64), axis=0), 1)
    w = None if weights is None else S.reshape(weights, [-1])
    return S.reshape(ids2, [-1]), S.reshape(rows, [-1]), cast(S.shape(ids2)[0], int64), w


def _bincount(ids: Any, depth: int, dtype: Any, binary: bool, weights: Any) -> Any:
    values, rows, nrows, w = _rows_of(ids, weights)
    values = cast(values, int64) if values.dtype != int64 else values
    in_range = M.logical_and(M.greater_equal(values, 0), M.less(values, depth))
    cols = M.where(in_range, values, C.fill(S.shape(values), convert_to_tensor(depth, int64)))
    updates = C.ones_like(values, dtype=dtype) if w is None else cast(w, dtype)
    zeros = C.zeros(S.stack([nrows, convert_to_tensor(depth + 1, int64)]), dtype=dtype)
    out = G.tensor_scatter_nd_add(zeros, S.stack([rows, cols], axis=1), updates)[:, :depth]
    if binary:
        out = M.minimum(out, C.ones_like(out))
    if not isinstance(ids, RaggedTensor) and ids.shape.rank == 1:
        return S.reshape(out, [depth])
    return S.reshape(out, [-1, depth])


def encode(ids: Any, output_mode: str, depth: int, dtype: Any, sparse: bool = False,
           count_weights: Any = None) -> Any:
    """Integer `ids` encoded as Keras 3 does: "one_hot" one vector per id (a last axis of
    size 1 is replaced), "multi_hot" / "count" one vector per sample (the last axis is
    the sample; a 1-D input is one sample), counts weighted by `count_weights`. Ids
    outside [0, depth) count nowhere. `sparse` gives a SparseTensor.

    Example:
        >>> import ember as tf
        >>> encode(tf.constant([[1], [0]]), "one_hot", 3, "int64").numpy().tolist()
        [[0, 1, 0], [1, 0, 0]]
        >>> encode(tf.ragged.constant([[1, 1], [2]]), "multi_hot", 3, "float32").numpy()
        array([[0., 1., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    dtype = as_dtype(dtype)
    if output_mode == "int":
        return cast(ids, dtype) if ids.dtype != dtype else ids
    ragged = isinstance(ids, RaggedTensor)
    if not ragged and ids.shape.rank == 0:
        ids = S.expand_dims(ids, -1)
        if count_weights is not None and not isinstance(count_weights, RaggedTensor):
            count_weights = S.expand_dims(count_weights, -1)
    if output_mode == "one_hot":
        if ragged:
            raise ValueError("one_hot encoding of a RaggedTensor is not supported: encode "
                             "a dense tensor (to_tensor()), or use multi_hot / count.")
        if ids.shape.rank is not None and ids.shape.rank > 1 and ids.shape[-1] == 1:
            ids = S.squeeze(ids, -1)
        out = C.one_hot(cast(ids, int64) if ids.dtype != int64 else ids, depth,
                        dtype=dtype)
    elif not ragged and ids.shape.rank is not None and ids.shape.rank > 2:
        # NOTE: Keras 3 reduces one-hot codes of rank >= 3 inputs over axis 1 (TF 2.21
        # gives the same), not over the last axis
        out = C.one_hot(cast(ids, int64) if ids.dtype != int64 else ids, depth, dtype=dtype)
        if count_weights is not None:
            out = M.multiply(out, S.expand_dims(cast(count_weights, dtype), -1))
        out = R.reduce_max(out, axis=1) if output_mode == "multi_hot" else \
            R.reduce_sum(out, axis=1)
    else:
        out = _bincount(ids, depth, dtype, output_mode == "multi_hot", count_weights)
    return from_dense(out) if sparse else out


class DataLayer(Layer):
    """The base of these layers: inputs may be strings, lists of strings, ragged or
    sparse tensors (converted by `to_input`), and nothing is built from input shapes
    (the layers have no weights)."""

    def _convert_inputs(self, inputs: Any) -> Any:
        if isinstance(inputs, (list, tuple)) and inputs and all(
                isinstance(x, (TensorOps, RaggedTensor, SparseTensor, np.ndarray))
                for x in inputs):
            return type(inputs)(to_input(x) for x in inputs)
        return to_input(inputs)

    def _maybe_build(self, inputs: Any) -> None:
        if not self.built:
            self.built = True
            if self._build_input_shape is None and isinstance(inputs, TensorOps):
                self._build_input_shape = inputs.shape

    def build(self, input_shape: Any = None) -> None:
        self.built = True

"""`IndexedSlices`: a sparse set of rows of a dense tensor (TF's `tf.IndexedSlices`).

It is what `GradientTape.gradient` returns for a Variable read directly by `tf.gather`
(axis 0, batch_dims 0) or `tf.nn.embedding_lookup`, as TF does: row `indices[i]` of the
gradient is `values[i]` (rows listed twice add up), every other row is zero. Its cost is
that of the looked-up rows, not of the table. Two of them for one variable (two lookups)
aggregate by concatenation; with a dense gradient they are densified and added.

`tf.convert_to_tensor(slices)` (and any op given one) densifies it, as TF does; `-slices`
negates the values; `slices * scalar` and `slices / scalar` scale them (an ember
extension, as Keras 3's ops do); other operators are a TypeError.

Densifying is a scatter-add of the rows (`_dense`, differentiable, and a graph op inside
`ember.function`); `np.asarray(slices)` uses `__array__`, which needs concrete values.

It is a `nest` composite (components `values`, `indices`, `dense_shape`), as ember's
SparseTensor is: `tf.nest.flatten` expands it (ember's nest always expands composites;
TF's does only with `expand_composites=True`), and an `ember.function` takes and returns
it as an IndexedSlices, as TF's tf.function does.

Example:
    >>> import ember as tf
    >>> s = tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([2]), tf.constant([3, 2]))
    >>> tf.convert_to_tensor(s).numpy()
    array([[0., 0.],
           [0., 0.],
           [1., 2.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import nest, registry
from .shape import TensorShape
from .tensor import ConcreteTensor, TensorOps, wrap


def _np(x: Any) -> np.ndarray:
    return np.asarray(x._value if hasattr(x, "_value") else x)


@nest.register_composite
class IndexedSlices:
    """Rows `values` of a tensor of shape `dense_shape` at row `indices` (TF's
    `tf.IndexedSlices`).

    Args:
        values: the rows, shape `[n, *dense_shape[1:]]`.
        indices: 1-D integer tensor of n row numbers (repeats add up when densified).
        dense_shape: the shape of the dense tensor (a 1-D integer tensor), or None.

    Example:
        >>> import ember as tf
        >>> s = tf.IndexedSlices(tf.ones([2, 3]), tf.constant([0, 0]), tf.constant([4, 3]))
        >>> s.shape, s.dtype, s.indices.numpy()
        (TensorShape([4, 3]), tf.float32, array([0, 0], dtype=int32))
        >>> tf.reduce_sum(tf.convert_to_tensor(s), axis=1).numpy()
        array([6., 0., 0., 0.], dtype=float32)
    """

    def __init__(self, values: Any, indices: Any, dense_shape: Any = None):
        self._values = values if isinstance(values, TensorOps) else wrap(np.asarray(values))
        self._indices = indices if isinstance(indices, TensorOps) else wrap(
            np.asarray(indices, dtype=np.int64 if np.asarray(indices).dtype == np.int64
                       else np.int32))
        if dense_shape is not None and not isinstance(dense_shape, TensorOps):
            dense_shape = wrap(np.asarray(dense_shape, dtype=np.int32))
        self._dense_shape = dense_shape

    @property
    def values(self) -> Any:
        """The rows, a tensor of shape `[n, *dense_shape[1:]]`."""
        return self._values

    @property
    def indices(self) -> Any:
        """The row numbers, a 1-D integer tensor."""
        return self._indices

    @property
    def dense_shape(self) -> Any:
        """The dense tensor's shape as a 1-D integer tensor (or None)."""
        return self._dense_shape

    @property
    def dtype(self) -> Any:
        """The dtype of `values`."""
        return self._values.dtype

    @property
    def shape(self) -> TensorShape:
        """The dense shape as a TensorShape (known dims only where it is concrete)."""
        if self._dense_shape is not None and hasattr(self._dense_shape, "_value"):
            return TensorShape([int(d) for d in _np(self._dense_shape)])
        rows = TensorShape([None])
        return rows.concatenate(self._values.shape[1:]) if self._values.shape.rank else rows

    @property
    def name(self) -> str | None:
        """Always None (kept for TF compatibility)."""
        return None

    @property
    def device(self) -> str:
        """The device of `values`."""
        return getattr(self._values, "device", "")

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """The dense value (what `convert_to_tensor` gives)."""
        vals = _np(self._values)
        idx = _np(self._indices).astype(np.int64).reshape(-1)
        if self._dense_shape is None:
            raise ValueError("IndexedSlices: cannot densify without dense_shape; pass "
                             "dense_shape= when creating it.")
        shape = tuple(int(d) for d in _np(self._dense_shape))
        out = np.zeros(shape, dtype=vals.dtype)
        if idx.size:
            np.add.at(out, idx, vals.reshape((idx.size,) + shape[1:]))
        return out if dtype is None else out.astype(dtype)

    def numpy(self) -> np.ndarray:
        """The dense value as a NumPy array.

        NOTE: an ember extension (TF's IndexedSlices has no `numpy()`): code written for
        dense gradients, `tape.gradient(loss, table).numpy()`, keeps working."""
        return self.__array__()

    def _dense(self) -> Any:
        """The dense tensor, differentiable w.r.t. `values` (a scatter-add of the rows)."""
        if self._dense_shape is None or not hasattr(self._dense_shape, "_value"):
            raise NotImplementedError("IndexedSlices: densifying needs a concrete dense_shape.")
        shape = tuple(int(d) for d in _np(self._dense_shape))
        like = wrap(np.zeros(shape, dtype=self._values.dtype.as_numpy_dtype))
        return registry.bind(registry.PRIMITIVES["scatter_add_axis"], self._values,
                             self._indices, like, axis=0, batch_dims=0)

    # -- composite (tf.nest, ember.function) ----------------------------------------
    def _nest_components(self) -> list:
        # NOTE: as SparseTensor's: a known dense shape is a Python tuple, so ember.function
        # keys its traces on it and the traced code can densify (`_dense` needs it); an
        # unknown one (a traced tensor) is a component like the other two.
        shape = self._dense_shape
        if isinstance(shape, ConcreteTensor):
            shape = tuple(int(d) for d in _np(shape))
        return [self._values, self._indices, shape]

    def _nest_rebuild(self, parts: list) -> "IndexedSlices":
        if all(p is None or isinstance(p, (TensorOps, tuple)) for p in parts):
            return IndexedSlices(*parts)
        raw = object.__new__(IndexedSlices)  # a structure of specs (a function signature)
        raw._values, raw._indices, raw._dense_shape = parts
        return raw

    def __neg__(self) -> "IndexedSlices":
        return IndexedSlices(-self._values, self._indices, self._dense_shape)

    # NOTE: an ember extension (TF's IndexedSlices has only negation; Keras 3's ops scale
    # them): multiplying or dividing by a SCALAR scales the values and stays sparse, so
    # code that rescales gradients (loss scaling, `g * lr`) keeps working. Anything else
    # is a TypeError: densify first with `ember.convert_to_tensor`.
    def _scalar(self, other: Any, op: str) -> Any:
        shape = getattr(other, "shape", np.shape(other))
        if len(tuple(shape)) != 0:
            raise TypeError(f"IndexedSlices {op} a non-scalar is not supported; densify "
                            f"first with ember.convert_to_tensor(slices).")
        return other

    def __mul__(self, other: Any) -> "IndexedSlices":
        return self._scaled(self._scalar(other, "*"))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> "IndexedSlices":
        return IndexedSlices(self._values / self._scalar(other, "/"), self._indices,
                             self._dense_shape)

    def __repr__(self) -> str:
        return (f"IndexedSlices(indices={self._indices!r}, values={self._values!r}, "
                f"dense_shape={self._dense_shape!r})")

    def _scaled(self, factor: Any) -> "IndexedSlices":
        """The same rows times a scalar tensor (used by clipping)."""
        return IndexedSlices(self._values * factor, self._indices, self._dense_shape)

    def _with_values(self, values: Any) -> "IndexedSlices":
        return IndexedSlices(values, self._indices, self._dense_shape)


def concat_slices(a: IndexedSlices, b: IndexedSlices) -> IndexedSlices:
    """The aggregate of two IndexedSlices of one tensor: values and indices concatenated
    (as TF aggregates sparse gradients)."""
    concat = registry.PRIMITIVES["concat"]
    ia, ib = a.indices, b.indices
    if ia.dtype != ib.dtype:
        ia = wrap(_np(ia).astype(np.int64))
        ib = wrap(_np(ib).astype(np.int64))
    return IndexedSlices(registry.bind(concat, a.values, b.values, axis=0),
                         registry.bind(concat, ia, ib, axis=0), a.dense_shape)

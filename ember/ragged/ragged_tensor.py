"""`tf.RaggedTensor`, with one ragged dimension (ragged_rank 1); its spec is in ragged_spec.

A RaggedTensor of shape [nrows, None, *inner] is a `values` tensor (its rows one after
the other, shape [nvals, *inner]) and int `row_splits` (shape [nrows + 1]): row i is
`values[row_splits[i]:row_splits[i + 1]]`. It is a nest composite (its components are
values and row_splits), so it goes in and out of `ember.function` and tf.data. Ragged
tensors with more than one ragged dimension (ragged_rank > 1) raise NotImplementedError.

Example:
    >>> import ember as tf
    >>> rt = tf.RaggedTensor.from_row_splits([3, 1, 4, 1, 5, 9, 2], row_splits=[0, 4, 4, 7])
    >>> rt
    <tf.RaggedTensor [[3, 1, 4, 1], [], [5, 9, 2]]>
    >>> rt.shape, rt.row_lengths().numpy()
    (TensorShape([3, None]), array([4, 0, 3]))
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np

from ..backend.numpy.ragged import check_splits
from ..core import nest
from ..core.dtypes import DType, as_dtype, int32, int64, string
from ..core.errors import InvalidArgumentError
from ..core.registry import bind
from ..core.shape import TensorShape
from ..core.tensor import ConcreteTensor, TensorOps, wrap
from ..ops import array_ops as A
from ..ops import math_ops as M
from ..ops import reduce_ops as R
from ..prims.convert import cast, convert_to_tensor
from ..prims.ragged import row_ids_p, splits_from_ids_p, to_dense_p

RAGGED_RANK_FIX = ("ember's RaggedTensor has one ragged dimension (ragged_rank 1); pad "
                   "the inner ragged dimensions to a dense shape first.")


def not_supported(what: str) -> NotImplementedError:
    return NotImplementedError(f"{what}: {RAGGED_RANK_FIX}")


def is_concrete(*ts: Any) -> bool:
    return all(isinstance(t, ConcreteTensor) for t in ts)


def as_values(values: Any, op: str) -> Any:
    if isinstance(values, RaggedTensor):
        raise not_supported(f"{op}: the values are a RaggedTensor (ragged_rank > 1)")
    v = values if isinstance(values, TensorOps) else convert_to_tensor(values)
    if v.shape.rank == 0:
        raise ValueError(f"{op}: the values must have rank >= 1 (one entry per value), "
                         f"received a scalar {v.dtype.name} tensor.")
    return v


def as_index(x: Any, op: str, what: str, dtype: Any = None) -> Any:
    """`x` as a 1-D int32/int64 tensor (Python lists become int64, as TF)."""
    if isinstance(x, TensorOps):
        t = x
    else:
        arr = np.asarray(x)
        if arr.dtype.kind not in "iu" and arr.size:
            raise TypeError(f"{op}: {what} must be integers, received {arr.dtype}.")
        t = convert_to_tensor(arr.astype(np.int64) if arr.dtype.kind != "i" or
                              not isinstance(x, np.ndarray) else arr)
    if t.dtype not in (int32, int64):
        raise TypeError(f"{op}: {what} must be int32 or int64, received {t.dtype.name}. "
                        f"Cast it with ember.cast(x, ember.int64).")
    if t.shape.rank is not None and t.shape.rank != 1:
        raise ValueError(f"{op}: {what} must be 1-D, received shape {list(t.shape)}.")
    return t if dtype is None or t.dtype == dtype else cast(t, dtype)


def validate_splits(op: str, splits: Any, values: Any) -> None:
    """The checks of `validate=True`, eagerly (inside a graph the ragged kernels check
    the splits when they run)."""
    if is_concrete(splits, values):
        try:
            check_splits(splits._value, values._value.shape[0])
        except ValueError as e:
            raise InvalidArgumentError(f"{op}: {e}.") from None


def _zero(dtype: DType) -> Any:
    return convert_to_tensor(b"" if dtype == string else np.zeros((), dtype._numpy()),
                             dtype=dtype)


@nest.register_composite
class RaggedTensor:
    """A tensor with one ragged dimension (TF's `tf.RaggedTensor`, ragged_rank 1).

    Build one with `tf.ragged.constant` or the `from_*` class methods, not the
    constructor. Arithmetic with scalars and with ragged tensors of the same row_splits
    works elementwise (`rt * 2`, `rt1 + rt2`); `tf.ragged.map_flat_values` applies any op
    to the values.

    Example:
        >>> import ember as tf
        >>> rt = tf.ragged.constant([[1, 2], [3]])
        >>> (rt * 10).to_list(), rt.to_tensor(default_value=-1).numpy().tolist()
        ([[10, 20], [30]], [[1, 2], [3, -1]])
    """

    __slots__ = ("_values", "_row_splits")
    ragged_rank = 1

    def __init__(self, values: Any, row_splits: Any, internal: bool = False):
        if not internal:
            raise ValueError("RaggedTensor: the constructor is private; build ragged "
                             "tensors with tf.ragged.constant or RaggedTensor.from_row_splits "
                             "/ from_row_lengths / from_value_rowids / from_tensor.")
        self._values = values
        self._row_splits = row_splits

    # -- factories -----------------------------------------------------------------
    @classmethod
    def from_row_splits(cls, values: Any, row_splits: Any, name: str | None = None,
                        validate: bool = True) -> "RaggedTensor":
        """Row i is `values[row_splits[i]:row_splits[i + 1]]`.

        Example:
            >>> import ember as tf
            >>> tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2, 2, 3]).to_list()
            [[1, 2], [], [3]]
        """
        op = "RaggedTensor.from_row_splits"
        v, s = as_values(values, op), as_index(row_splits, op, "row_splits")
        if validate:
            validate_splits(op, s, v)
        return cls(v, s, internal=True)

    @classmethod
    def from_row_lengths(cls, values: Any, row_lengths: Any, name: str | None = None,
                         validate: bool = True) -> "RaggedTensor":
        """Row i holds the next `row_lengths[i]` values.

        Example:
            >>> import ember as tf
            >>> tf.RaggedTensor.from_row_lengths([3, 1, 4, 1, 5], [2, 0, 3]).to_list()
            [[3, 1], [], [4, 1, 5]]
        """
        op = "RaggedTensor.from_row_lengths"
        v, n = as_values(values, op), as_index(row_lengths, op, "row_lengths")
        if validate and is_concrete(n) and np.any(n._value < 0):
            raise InvalidArgumentError(f"{op}: row_lengths must be non-negative, received "
                                       f"{n._value.tolist()}.")
        s = A.concat([A.zeros([1], n.dtype), R.cumsum(n)], axis=0)
        if validate:
            validate_splits(op, s, v)
        return cls(v, s, internal=True)

    @classmethod
    def from_value_rowids(cls, values: Any, value_rowids: Any, nrows: Any = None,
                          name: str | None = None, validate: bool = True) -> "RaggedTensor":
        """Value j goes to row `value_rowids[j]` (sorted); `nrows` rows (default: the
        last row id + 1).

        Example:
            >>> import ember as tf
            >>> rt = tf.RaggedTensor.from_value_rowids([3, 1, 4, 1, 5], [0, 0, 2, 2, 3], nrows=5)
            >>> rt.to_list()
            [[3, 1], [], [4, 1], [5], []]
        """
        op = "RaggedTensor.from_value_rowids"
        v, ids = as_values(values, op), as_index(value_rowids, op, "value_rowids")
        if nrows is None:  # the last row id + 1 (0 without values)
            nrows = M.add(R.reduce_max(A.concat([cast(A.fill([1], -1), ids.dtype), ids], 0)),
                          cast(1, ids.dtype))
        n = nrows if isinstance(nrows, TensorOps) else convert_to_tensor(nrows, dtype=ids.dtype)
        s = bind(splits_from_ids_p, ids, cast(n, ids.dtype) if n.dtype != ids.dtype else n)
        if validate:
            validate_splits(op, s, v)
        return cls(v, s, internal=True)

    @classmethod
    def from_row_starts(cls, values: Any, row_starts: Any, name: str | None = None,
                        validate: bool = True) -> "RaggedTensor":
        """Row i starts at `row_starts[i]` (and ends where the next starts).

        Example:
            >>> import ember as tf
            >>> tf.RaggedTensor.from_row_starts([1, 2, 3], [0, 1]).to_list()
            [[1], [2, 3]]
        """
        op = "RaggedTensor.from_row_starts"
        v, st = as_values(values, op), as_index(row_starts, op, "row_starts")
        end = cast(A.shape(v)[0:1], st.dtype)
        return cls.from_row_splits(v, A.concat([st, end], 0), validate=validate)

    @classmethod
    def from_row_limits(cls, values: Any, row_limits: Any, name: str | None = None,
                        validate: bool = True) -> "RaggedTensor":
        """Row i ends at `row_limits[i]` (and starts where the previous ends).

        Example:
            >>> import ember as tf
            >>> tf.RaggedTensor.from_row_limits([1, 2, 3], [1, 3]).to_list()
            [[1], [2, 3]]
        """
        op = "RaggedTensor.from_row_limits"
        v, lim = as_values(values, op), as_index(row_limits, op, "row_limits")
        return cls.from_row_splits(v, A.concat([A.zeros([1], lim.dtype), lim], 0),
                                   validate=validate)

    @classmethod
    def from_nested_row_splits(cls, flat_values: Any, nested_row_splits: Any,
                               name: str | None = None, validate: bool = True) -> "RaggedTensor":
        """`from_row_splits` for a list of one row_splits (more: ragged_rank > 1).

        Example:
            >>> import ember as tf
            >>> tf.RaggedTensor.from_nested_row_splits([1, 2], [[0, 1, 2]]).to_list()
            [[1], [2]]
        """
        splits = list(nested_row_splits)
        if len(splits) != 1:
            raise not_supported(f"RaggedTensor.from_nested_row_splits: {len(splits)} "
                                f"row_splits (ragged_rank {len(splits)})")
        return cls.from_row_splits(flat_values, splits[0], validate=validate)

    @classmethod
    def from_nested_row_lengths(cls, flat_values: Any, nested_row_lengths: Any,
                                name: str | None = None, validate: bool = True) -> "RaggedTensor":
        """`from_row_lengths` for a list of one row_lengths (more: ragged_rank > 1).

        Example:
            >>> import ember as tf
            >>> tf.RaggedTensor.from_nested_row_lengths([1, 2], [[2, 0]]).to_list()
            [[1, 2], []]
        """
        lengths = list(nested_row_lengths)
        if len(lengths) != 1:
            raise not_supported(f"RaggedTensor.from_nested_row_lengths: {len(lengths)} "
                                f"row_lengths (ragged_rank {len(lengths)})")
        return cls.from_row_lengths(flat_values, lengths[0], validate=validate)

    @classmethod
    def from_tensor(cls, tensor: Any, lengths: Any = None, padding: Any = None,
                    ragged_rank: int = 1, name: str | None = None,
                    row_splits_dtype: Any = int64) -> "RaggedTensor":
        """The rows of a dense tensor (rank >= 2), cut to `lengths`, or with trailing
        `padding` values removed, or whole.

        Example:
            >>> import ember as tf
            >>> dt = tf.constant([[5, 7, 0], [0, 3, 0], [6, 0, 0]])
            >>> tf.RaggedTensor.from_tensor(dt, padding=0).to_list()
            [[5, 7], [0, 3], [6]]
            >>> tf.RaggedTensor.from_tensor(dt, lengths=[1, 0, 3]).to_list()
            [[5], [], [6, 0, 0]]
        """
        from .ragged_ops import dense_to_ragged  # noqa: PLC0415 - ragged_ops imports this module
        return dense_to_ragged(tensor, lengths, padding, ragged_rank, row_splits_dtype)

    # -- properties ------------------------------------------------------------------
    @property
    def values(self) -> Any:
        """The rows' values, concatenated: shape [nvals, *inner]."""
        return self._values

    @property
    def flat_values(self) -> Any:
        """The innermost values (the same as `values` for ragged_rank 1)."""
        return self._values

    @property
    def row_splits(self) -> Any:
        """Where each row starts in `values` (and, last, where the last one ends)."""
        return self._row_splits

    @property
    def nested_row_splits(self) -> tuple:
        return (self._row_splits,)

    @property
    def dtype(self) -> DType:
        return self._values.dtype

    @property
    def shape(self) -> TensorShape:
        """[nrows, None, *inner]: None for the ragged dimension.

        Example:
            >>> import ember as tf
            >>> tf.ragged.constant([[1.0], [2.0, 3.0]]).shape
            TensorShape([2, None])
        """
        n = self._row_splits.shape[0]
        inner = list(self._values.shape)[1:] if self._values.shape.rank is not None else []
        return TensorShape([None if n is None else n - 1, None] + inner)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def _type_spec(self) -> Any:
        """Its `tf.RaggedTensorSpec`."""
        from .ragged_spec import RaggedTensorSpec  # noqa: PLC0415 - ragged_spec imports this
        return RaggedTensorSpec(self.shape, self.dtype, 1, self._row_splits.dtype)

    # -- row partition ---------------------------------------------------------------
    def nrows(self, out_type: Any = None, name: str | None = None) -> Any:
        """The number of rows, as a scalar tensor (row_splits' dtype by default)."""
        dt = self._row_splits.dtype if out_type is None else as_dtype(out_type)
        return cast(M.subtract(A.shape(self._row_splits, out_type=int64)[0], 1), dt)

    def row_lengths(self, axis: int = 1, name: str | None = None) -> Any:
        """The length of each row.

        Example:
            >>> import ember as tf
            >>> tf.ragged.constant([[3, 1, 4], [], [1]]).row_lengths().numpy()
            array([3, 0, 1])
        """
        if axis not in (1, -len(self.shape) + 1):
            raise NotImplementedError(f"RaggedTensor.row_lengths: axis={axis}; only the "
                                      f"ragged dimension (axis=1) has row lengths. "
                                      f"{RAGGED_RANK_FIX}")
        s = self._row_splits
        return M.subtract(s[1:], s[:-1])

    def row_starts(self, name: str | None = None) -> Any:
        return self._row_splits[:-1]

    def row_limits(self, name: str | None = None) -> Any:
        return self._row_splits[1:]

    def value_rowids(self, name: str | None = None) -> Any:
        """The row of each value.

        Example:
            >>> import ember as tf
            >>> tf.ragged.constant([[3, 1], [], [4]]).value_rowids().numpy()
            array([0, 0, 2])
        """
        return bind(row_ids_p, self._row_splits)

    def bounding_shape(self, axis: Any = None, name: str | None = None,
                       out_type: Any = None) -> Any:
        """[nrows, longest row, *inner] as a 1-D tensor."""
        dt = self._row_splits.dtype if out_type is None else as_dtype(out_type)
        lengths = self.row_lengths()
        longest = R.reduce_max(A.concat([A.zeros([1], lengths.dtype), lengths], 0))
        parts = [A.reshape(self.nrows(dt), [1]), A.reshape(cast(longest, dt), [1]),
                 A.shape(self._values, out_type=dt)[1:]]
        out = A.concat(parts, 0)
        return out if axis is None else out[axis]

    def with_values(self, new_values: Any) -> "RaggedTensor":
        """The same rows, new values (as many, same first dim)."""
        v = as_values(new_values, "RaggedTensor.with_values")
        n0, n1 = self._values.shape[0], v.shape[0]
        if n0 is not None and n1 is not None and n0 != n1:
            raise ValueError(f"RaggedTensor.with_values: the new values have {n1} entries, "
                             f"the ragged tensor {n0}; keep one value per value.")
        return RaggedTensor(v, self._row_splits, internal=True)

    with_flat_values = with_values

    def merge_dims(self, outer_axis: int, inner_axis: int) -> Any:
        """Axes 0 and 1 merged: the values."""
        if (outer_axis, inner_axis) != (0, 1):
            raise NotImplementedError("RaggedTensor.merge_dims: only (0, 1) is supported.")
        return self._values

    # -- to dense / Python -----------------------------------------------------------
    def to_tensor(self, default_value: Any = None, name: str | None = None,
                  shape: Any = None) -> Any:
        """A dense tensor, rows padded with `default_value` (0, or b"" for strings) to
        the longest row, or cut/padded to `shape` (None dims: the bounding size).

        Example:
            >>> import ember as tf
            >>> rt = tf.ragged.constant([[9, 8, 7], [], [6, 5], [4]])
            >>> rt.to_tensor().numpy().tolist()
            [[9, 8, 7], [0, 0, 0], [6, 5, 0], [4, 0, 0]]
            >>> rt.to_tensor(shape=[2, 2]).numpy().tolist()
            [[9, 8], [0, 0]]
        """
        dt = self.dtype
        if default_value is None:
            d = _zero(dt)
        else:
            d = default_value if isinstance(default_value, TensorOps) else \
                convert_to_tensor(default_value, dtype=dt)
        target = None
        if shape is not None:
            target = tuple(None if s is None or s == -1 else int(s)
                           for s in (shape.as_list() if hasattr(shape, "as_list")
                                     else list(shape)))
        return bind(to_dense_p, self._values, self._row_splits, d, shape=target)

    def _arrays(self, what: str) -> tuple:
        if not is_concrete(self._values, self._row_splits):
            raise ValueError(f"RaggedTensor.{what}: this ragged tensor is symbolic (inside "
                             f"ember.function); {what} needs values. Return it from the "
                             f"function, or use to_tensor().")
        return self._values._value, self._row_splits._value

    def to_list(self) -> list:
        """The rows as nested Python lists.

        Example:
            >>> import ember as tf
            >>> tf.ragged.constant([["a", "b"], []]).to_list()
            [[b'a', b'b'], []]
        """
        v, s = self._arrays("to_list")
        return [v[s[i]:s[i + 1]].tolist() for i in range(len(s) - 1)]

    def numpy(self) -> np.ndarray:
        """A NumPy object array holding one array per row (as TF).

        Example:
            >>> import ember as tf
            >>> tf.ragged.constant([[1, 2, 3], [4, 5]]).numpy()
            array([array([1, 2, 3], dtype=int32), array([4, 5], dtype=int32)],
                  dtype=object)
        """
        v, s = self._arrays("numpy")
        out = np.empty(len(s) - 1, dtype=object)
        for i in range(len(s) - 1):
            out[i] = v[s[i]:s[i + 1]]
        return out

    # -- indexing --------------------------------------------------------------------
    def _row(self, i: Any) -> Any:
        s = self._row_splits
        if isinstance(i, (int, np.integer)) and is_concrete(s, self._values):
            n = s._value.shape[0] - 1
            if not -n <= i < n:
                raise IndexError(f"RaggedTensor: row index {i} is out of range for "
                                 f"{n} rows.")
            i = int(i) % n
            return wrap(self._values._value[s._value[i]:s._value[i + 1]])
        if isinstance(i, (int, np.integer)) and i < 0:
            i = M.add(self.nrows(), i)
        return self._values[s[i]:s[i + 1]]

    def __getitem__(self, key: Any) -> Any:
        """`rt[i]`: row i (a dense tensor); `rt[a:b]`: a ragged tensor of those rows;
        `rt[i, j]`: value j of row i.

        Example:
            >>> import ember as tf
            >>> rt = tf.ragged.constant([[1, 2], [], [3, 4, 5]])
            >>> rt[2].numpy(), rt[1:].to_list(), int(rt[2, 1])
            (array([3, 4, 5], dtype=int32), [[], [3, 4, 5]], 4)
        """
        if isinstance(key, tuple):
            if len(key) == 1:
                return self[key[0]]
            if len(key) >= 2 and isinstance(key[0], (int, np.integer, TensorOps)) and \
                    not isinstance(key[0], bool):
                return self._row(key[0])[key[1:]]
            raise NotImplementedError(f"RaggedTensor: index {key!r} is not supported; "
                                      f"index rows (rt[i], rt[a:b], rt[i, j]) or use "
                                      f"to_tensor() first.")
        if isinstance(key, slice):
            if key.step not in (None, 1):
                raise NotImplementedError("RaggedTensor: row slices with a step are not "
                                          "supported.")
            s = self._row_splits
            if is_concrete(s):
                n = s._value.shape[0] - 1
                a, b, _ = key.indices(n)
                b = max(a, b)
                sv = s._value[a:b + 1]
                vals = wrap(self._values._value[sv[0]:sv[-1]]) if is_concrete(self._values) \
                    else self._values[int(sv[0]):int(sv[-1])]
                return RaggedTensor(vals, wrap(sv - sv[0]), internal=True)
            raise NotImplementedError("RaggedTensor: slicing rows of a symbolic ragged "
                                      "tensor is not supported; slice the dense "
                                      "to_tensor() or index single rows.")
        if isinstance(key, (int, np.integer)) or (isinstance(key, TensorOps)
                                                   and key.shape.rank == 0):
            return self._row(key)
        raise NotImplementedError(f"RaggedTensor: index {key!r} is not supported; index "
                                  f"rows (rt[i], rt[a:b], rt[i, j]).")

    def __iter__(self) -> Iterator:
        v, s = self._arrays("__iter__")
        return (wrap(v[s[i]:s[i + 1]]) for i in range(len(s) - 1))

    def __bool__(self) -> bool:
        raise TypeError("RaggedTensor: the truth value of a ragged tensor is ambiguous; "
                        "reduce it first (tf.reduce_any / tf.reduce_all).")

    # -- elementwise arithmetic --------------------------------------------------------
    def _binary(self, op: Callable, other: Any, reverse: bool = False) -> "RaggedTensor":
        from .ragged_ops import elementwise  # noqa: PLC0415 - ragged_ops imports this module
        return elementwise(op, self, other, reverse)

    def __add__(self, o): return self._binary(M.add, o)
    def __radd__(self, o): return self._binary(M.add, o, True)
    def __sub__(self, o): return self._binary(M.subtract, o)
    def __rsub__(self, o): return self._binary(M.subtract, o, True)
    def __mul__(self, o): return self._binary(M.multiply, o)
    def __rmul__(self, o): return self._binary(M.multiply, o, True)
    def __truediv__(self, o): return self._binary(M.truediv, o)
    def __rtruediv__(self, o): return self._binary(M.truediv, o, True)
    def __floordiv__(self, o): return self._binary(M.floordiv, o)
    def __rfloordiv__(self, o): return self._binary(M.floordiv, o, True)
    def __mod__(self, o): return self._binary(M.floormod, o)
    def __rmod__(self, o): return self._binary(M.floormod, o, True)
    def __pow__(self, o): return self._binary(M.pow, o)
    def __rpow__(self, o): return self._binary(M.pow, o, True)
    def __lt__(self, o): return self._binary(M.less, o)
    def __le__(self, o): return self._binary(M.less_equal, o)
    def __gt__(self, o): return self._binary(M.greater, o)
    def __ge__(self, o): return self._binary(M.greater_equal, o)
    def __and__(self, o): return self._binary(M.logical_and, o)
    def __or__(self, o): return self._binary(M.logical_or, o)
    def __neg__(self): return self.with_values(M.negative(self._values))
    def __abs__(self): return self.with_values(M.abs(self._values))
    def __invert__(self): return self.with_values(M.logical_not(self._values))

    # -- nest composite and printing -----------------------------------------------
    def _nest_components(self) -> list:
        return [self._values, self._row_splits]

    def _nest_rebuild(self, parts: list) -> "RaggedTensor":
        return RaggedTensor(parts[0], parts[1], internal=True)

    def __repr__(self) -> str:
        if is_concrete(self._values, self._row_splits):
            return f"<tf.RaggedTensor {self.to_list()}>"
        return f"tf.RaggedTensor(values={self._values!r}, row_splits={self._row_splits!r})"

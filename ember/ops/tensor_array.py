"""TF's `tf.TensorArray`: a list of same-dtype tensors, written functionally
(`ta = ta.write(i, x)`), that works eagerly and as a loop variable of `ember.while_loop`
inside `ember.function`.

Eagerly the elements live in a Python list (shared by the TensorArrays a write returns,
as TF's eager TensorArray). While tracing, a TensorArray is two tensors, which
`ember.core.nest` flattens and rebuilds (so while_loop / cond carry it): a flat 1-D buffer
holding the rows of a [capacity, *element_shape] array, and the int32 size. A write is a
functional `tensor_scatter_nd_update` of one row (its gradient reaches the value), a read
is a `gather`.

NOTE: the buffer's static shape is [None] (a 1-D buffer of unknown length) so that the
element shape may be learned at the first write inside a loop body and the buffer may grow
(dynamic_size) without changing the loop variable's shape. The element shape learned is
shared by every TensorArray derived from the same constructor call, as TF does.

Example:
    >>> import ember as tf
    >>> from ember.ops.tensor_array import TensorArray
    >>> ta = TensorArray(tf.float32, size=2)
    >>> ta = ta.write(0, [1.0, 2.0]).write(1, [3.0, 4.0])
    >>> ta.stack().numpy()
    array([[1., 2.],
           [3., 4.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import nest
from ..core.context import CTX
from ..core.dtypes import as_dtype, int32
from ..core.errors import DTypeError, InvalidArgumentError, OutOfRangeError, ShapeError
from ..core.rules import describe
from ..core.graph import Tracer
from ..core.shape import TensorShape
from ..core.tensor import TensorOps
from . import math_ops as m
from ..prims.convert import as_tensor, cast, convert_to_tensor
from .creation_ops import fill, zeros
from ..prims.effects import enforce
from ..prims.index_dynamic import strided_slice_dynamic_p
from .gather_ops import gather, tensor_scatter_nd_update
from ..prims.reduce import cumsum, reduce_max
from .shape_ops import shape
from .shape_ops import concat, reshape, stack

__all__ = ["TensorArray"]


def _empty_buffer(dtype: Any) -> Any:
    """An empty 1-D buffer whose static shape is [None].

    NOTE: bound straight into the trace (a constant op would run at trace time and keep
    its static shape [0]): `zeros([0])[k:]` with the bound k = 0 read at run time, so the
    buffer enters a while_loop as [None] and may grow there."""
    index = (slice((0,), None, None),)
    return CTX.traces[-1].add(strided_slice_dynamic_p, (
        zeros([0], dtype), convert_to_tensor(0, dtype=int32)), {"index": index})


class _Meta:
    """What the TensorArrays of one constructor call share (the learned element shape)."""

    def __init__(self, dtype: Any, dynamic_size: bool, clear_after_read: bool,
                 infer_shape: bool, element_shape: TensorShape):
        self.dtype = dtype
        self.dynamic_size = dynamic_size
        self.clear_after_read = clear_after_read
        self.infer_shape = infer_shape
        self.element_shape = element_shape


class _Store:
    """The eager elements: a tensor or None (not written, or cleared by a read) each."""

    def __init__(self, n: int):
        self.items: list = [None] * n
        self.cleared: set = set()


@nest.register_composite
class TensorArray:
    """A list of tensors of one dtype and shape, as TF's `tf.TensorArray` (TF 2 semantics:
    `write`, `scatter` and `unstack` return a new TensorArray; use the result).

    Args:
        dtype: the elements' dtype.
        size: the number of elements (an int or a scalar int tensor).
        dynamic_size: whether writes past the end grow the array.
        clear_after_read: eagerly, a read empties the element (a second read fails), as
            TF; ignored inside ember.function (as TF 2's graph TensorArray).
        tensor_array_name, handle, flow, colocate_with_first_write_call, name: ignored.
        infer_shape: whether every element must have the first element's shape (eagerly
            only; inside ember.function the elements always share one shape).
        element_shape: the elements' shape, else learned from the first write.

    Example:
        >>> import ember as tf
        >>> from ember.ops.tensor_array import TensorArray
        >>> @tf.function
        ... def doubled(x):
        ...     ta = TensorArray(tf.float32, size=tf.shape(x)[0])
        ...     def body(i, ta):
        ...         return i + 1, ta.write(i, x[i] * 2.0)
        ...     _, ta = tf.while_loop(lambda i, ta: i < tf.shape(x)[0], body, [0, ta])
        ...     return ta.stack()
        >>> doubled(tf.constant([1.0, 2.0, 3.0])).numpy()
        array([2., 4., 6.], dtype=float32)
    """

    def __init__(self, dtype: Any, size: Any = None, dynamic_size: bool | None = None,
                 clear_after_read: bool | None = None, tensor_array_name: str | None = None,
                 handle: Any = None, flow: Any = None, infer_shape: bool = True,
                 element_shape: Any = None, colocate_with_first_write_call: bool = True,
                 name: str | None = None):
        if handle is not None or flow is not None:
            raise NotImplementedError("TensorArray: handle= and flow= (TF 1 graph handles) "
                                      "are not supported; create it from dtype and size.")
        if size is None:
            if not dynamic_size:
                raise ValueError("TensorArray: size is required unless dynamic_size=True. "
                                 "Received size=None.")
            size = 0
        dt = as_dtype(dtype)
        self._meta = _Meta(dt, bool(dynamic_size), True if clear_after_read is None
                           else bool(clear_after_read), bool(infer_shape),
                           TensorShape(element_shape))
        self._traced = bool(CTX.traces)
        if not self._traced:
            n = _int(size, "size")
            if n < 0:
                raise InvalidArgumentError(f"TensorArray: size must be >= 0, received {n}.")
            self._store = _Store(n)
            return
        self._size = cast(as_tensor(size), int32)
        if self._size.shape.rank not in (0, None):
            raise InvalidArgumentError(f"TensorArray: size must be a scalar, received shape "
                                       f"{self._size.shape}.")
        self._buffer = _empty_buffer(dt)
        if self._meta.element_shape.is_fully_defined():
            self._buffer = self._grown(self._size)

    # -- nest: a traced TensorArray flattens to (buffer, size) -------------------------

    def _nest_components(self) -> list | None:
        return [self._buffer, self._size] if self._traced else None

    def _nest_rebuild(self, components: list) -> "TensorArray":
        return self._derive(*components)

    def _derive(self, buffer: Any = None, size: Any = None) -> "TensorArray":
        ta = object.__new__(TensorArray)
        ta._meta, ta._traced = self._meta, self._traced
        if self._traced:
            ta._buffer, ta._size = buffer, size
        else:
            ta._store = self._store
        return ta

    # -- properties -----------------------------------------------------------------------

    @property
    def dtype(self) -> Any:
        """The elements' dtype."""
        return self._meta.dtype

    @property
    def element_shape(self) -> TensorShape:
        """The elements' shape (what is known of it)."""
        return self._meta.element_shape

    @property
    def dynamic_size(self) -> bool:
        return self._meta.dynamic_size

    @property
    def flow(self) -> Any:
        return self._size if self._traced else None

    @property
    def handle(self) -> Any:
        return None

    def size(self, name: str | None = None) -> Any:
        """The number of elements, an int32 scalar.

        Example:
            >>> import ember as tf
            >>> from ember.ops.tensor_array import TensorArray
            >>> TensorArray(tf.float32, size=3).size().numpy()
            np.int32(3)
        """
        if self._traced:
            return self._size
        return convert_to_tensor(len(self._store.items), dtype=int32)

    def identity(self) -> "TensorArray":
        return self

    def mark_used(self) -> None:
        return None

    def close(self, name: str | None = None) -> None:
        return None

    def grad(self, source: Any, flow: Any = None, name: Any = None) -> Any:
        raise NotImplementedError("TensorArray.grad (TF 1 gradient arrays) is not supported; "
                                  "use GradientTape through read / stack.")

    # -- checks ---------------------------------------------------------------------------

    def _value(self, op: str, value: Any, leading: int = 0) -> Any:
        """`value` as a tensor of the array's dtype; merges its element shape."""
        dt = self._meta.dtype
        if isinstance(value, TensorOps):
            if value.dtype != dt:
                raise DTypeError(f"TensorArray.{op}: the array's dtype is {dt.name} but the "
                                 f"value is {value.dtype.name}; cast it (ember.cast).")
            t = value
        else:
            t = convert_to_tensor(value, dtype=dt)
        if not self._traced and isinstance(t, Tracer):
            raise NotImplementedError(
                f"TensorArray.{op}: this TensorArray was created eagerly but is written inside "
                f"ember.function; create the TensorArray inside the function.")
        if t.shape.rank is not None and t.shape.rank < leading:
            raise ShapeError(f"TensorArray.{op}: the value needs at least {leading} dim(s), "
                             f"received shape {t.shape}.")
        elem = t.shape[leading:] if t.shape.rank is not None else TensorShape(None)
        if self._meta.infer_shape or self._traced:
            known = self._meta.element_shape
            if not known.is_compatible_with(elem):
                raise ShapeError(f"TensorArray.{op}: incompatible element shape: the array's "
                                 f"elements are {known}, received a value of element shape "
                                 f"{elem}.")
            self._meta.element_shape = known.merge_with(elem)
        return t

    def _elem(self, op: str) -> list:
        """The fully known element shape (needed by the traced buffer)."""
        es = self._meta.element_shape
        if not es.is_fully_defined():
            raise NotImplementedError(
                f"TensorArray.{op}: inside ember.function the element shape must be fully "
                f"known (from element_shape= or the first write); it is {es}. Pass "
                f"element_shape= with every dim.")
        return es.as_list()

    # -- traced buffer helpers ------------------------------------------------------------

    def _grown(self, rows: Any) -> Any:
        """The buffer padded with zero rows to hold at least `rows` rows (a capacity that
        doubles when dynamic_size grows it, so growing costs amortized O(1) copies)."""
        n = int(np.prod(self._elem("write"), dtype=np.int64))
        if n == 0:
            return self._buffer
        cur = shape(self._buffer)[0] // n
        want = m.maximum(rows, cur)
        if self._meta.dynamic_size:
            want = m.where(m.greater(rows, cur), m.maximum(rows, cur * 2), cur)
        pad = zeros(reshape((want - cur) * n, [1]), self._meta.dtype)
        return concat([self._buffer, pad], 0)

    def _rows(self, op: str) -> Any:
        elem = self._elem(op)
        n = int(np.prod(elem, dtype=np.int64))
        return reshape(self._grown(self._size), [-1, n]), elem, n

    def _check_range(self, op: str, idx: Any, limit: Any) -> None:
        """The traced range check: the OutOfRangeError eager mode raises (`_get`, `_put`),
        each time the function runs."""
        ok = m.logical_and(m.greater_equal(idx, 0), m.less(idx, limit))

        def explain(c: Any, i: Any, size: Any) -> Exception:
            bad, size = int(np.asarray(i).reshape(-1)[~np.asarray(c).reshape(-1)][0]), int(size)
            if op in ("read", "gather"):
                return OutOfRangeError(f"TensorArray.{op}: tried to read index {bad} but the "
                                       f"array size is {size}.")
            if bad < 0:
                return OutOfRangeError(f"TensorArray.{op}: index must be >= 0, received "
                                       f"{bad}.")
            return OutOfRangeError(
                f"TensorArray.{op}: tried to write to index {bad} but the array is not "
                f"resizeable and its size is {size}; pass dynamic_size=True.")
        enforce(ok, explain, (idx, convert_to_tensor(limit, dtype=int32)))

    # -- reads ----------------------------------------------------------------------------

    def read(self, index: Any, name: str | None = None) -> Any:
        """The element at `index`.

        Example:
            >>> import ember as tf
            >>> from ember.ops.tensor_array import TensorArray
            >>> TensorArray(tf.int32, size=2).write(1, 7).read(1).numpy()
            np.int32(7)
        """
        if not self._traced:
            return self._get(_int(index, "index"), "read", self._meta.clear_after_read)
        i = cast(as_tensor(index), int32)
        self._check_range("read", i, self._size)
        rows, elem, _ = self._rows("read")
        return reshape(gather(rows, i), elem)

    def gather(self, indices: Any, name: str | None = None) -> Any:
        """The elements at `indices`, stacked.

        Example:
            >>> import ember as tf
            >>> from ember.ops.tensor_array import TensorArray
            >>> ta = TensorArray(tf.int32, size=3).unstack([10, 20, 30])
            >>> ta.gather([2, 0]).numpy()
            array([30, 10], dtype=int32)
        """
        if not self._traced:
            idx = np.asarray(as_tensor(indices).numpy()).reshape(-1)
            return self._stack_eager([self._get(int(i), "gather", False) for i in idx])
        idx = cast(reshape(as_tensor(indices), [-1]), int32)
        self._check_range("gather", idx, self._size)
        rows, elem, _ = self._rows("gather")
        return reshape(gather(rows, idx), [-1] + elem)

    def stack(self, name: str | None = None) -> Any:
        """All elements stacked along a new first axis.

        Example:
            >>> import ember as tf
            >>> from ember.ops.tensor_array import TensorArray
            >>> TensorArray(tf.float32, size=2, element_shape=[1]).stack().numpy()
            array([[0.],
                   [0.]], dtype=float32)
        """
        if not self._traced:
            n = len(self._store.items)
            return self._stack_eager([self._get(i, "stack", False) for i in range(n)])
        rows, elem, _ = self._rows("stack")
        return reshape(rows[:self._size], [-1] + elem)

    def concat(self, name: str | None = None) -> Any:
        """All elements concatenated along their first axis.

        Example:
            >>> import ember as tf
            >>> from ember.ops.tensor_array import TensorArray
            >>> ta = TensorArray(tf.int32, size=2, infer_shape=False)
            >>> ta.write(0, [1, 2]).write(1, [3]).concat().numpy()
            array([1, 2, 3], dtype=int32)
        """
        if not self._traced:
            items = [self._get(i, "concat", False) for i in range(len(self._store.items))]
            if not items:
                rest = self._meta.element_shape[1:] if self._meta.element_shape.rank else []
                return zeros([0] + list(rest), self._meta.dtype)
            if any(t.shape.rank == 0 for t in items):
                raise ShapeError("TensorArray.concat: the elements must be at least 1-D; "
                                 "they are scalars (use stack()).")
            return concat(items, 0)
        elem = self._elem("concat")
        if not elem:
            raise ShapeError("TensorArray.concat: the elements must be at least 1-D; they are "
                             "scalars (use stack()).")
        return reshape(self.stack(), [-1] + elem[1:])

    def _get(self, i: int, op: str, clear: bool) -> Any:
        st = self._store
        if i < 0 or i >= len(st.items):
            raise OutOfRangeError(f"TensorArray.{op}: tried to read index {i} but the array "
                                  f"size is {len(st.items)}.")
        t = st.items[i]
        if t is None:
            if i in st.cleared:
                raise InvalidArgumentError(
                    f"TensorArray.{op}: could not read index {i} twice because it was cleared "
                    f"after a previous read (pass clear_after_read=False).")
            es = self._meta.element_shape
            if not es.is_fully_defined():
                raise InvalidArgumentError(
                    f"TensorArray.{op}: index {i} was never written and the element shape "
                    f"({es}) is not fully known, so no zeros can stand for it.")
            return zeros(es.as_list(), self._meta.dtype)
        if clear:
            st.items[i] = None
            st.cleared.add(i)
        return t

    def _stack_eager(self, items: list) -> Any:
        if not items:
            es = self._meta.element_shape
            return zeros([0] + (es.as_list() if es.is_fully_defined() else []),
                         self._meta.dtype)
        if len({tuple(t.shape.as_list()) for t in items}) > 1:
            raise ShapeError(f"TensorArray.stack: the elements have different shapes "
                             f"{[t.shape.as_list() for t in items]}; use concat().")
        return stack(items, 0)

    # -- writes ---------------------------------------------------------------------------

    def write(self, index: Any, value: Any, name: str | None = None) -> "TensorArray":
        """A TensorArray with `value` at `index` (use the result: `ta = ta.write(i, x)`).

        Example:
            >>> import ember as tf
            >>> from ember.ops.tensor_array import TensorArray
            >>> TensorArray(tf.float32, size=0, dynamic_size=True).write(2, 5.0).stack().numpy()
            array([0., 0., 5.], dtype=float32)
        """
        if not self._traced:
            i = _int(index, "index")
            self._put(i, self._value("write", value), "write")
            return self._derive()
        i = cast(as_tensor(index), int32)
        if i.shape.rank not in (0, None):
            raise InvalidArgumentError(f"TensorArray.write: index must be a scalar, received "
                                       f"shape {i.shape}.")
        return self._scatter("write", reshape(i, [1]),
                             reshape(self._value("write", value), [1, -1]))

    def scatter(self, indices: Any, value: Any, name: str | None = None) -> "TensorArray":
        """A TensorArray with `value[k]` at `indices[k]`.

        Example:
            >>> import ember as tf
            >>> from ember.ops.tensor_array import TensorArray
            >>> ta = TensorArray(tf.int32, size=3).scatter([2, 0], [5, 6])
            >>> ta.stack().numpy()
            array([6, 0, 5], dtype=int32)
        """
        t = self._value("scatter", value, leading=1)
        if not self._traced:
            idx = np.asarray(as_tensor(indices).numpy()).reshape(-1)
            if t.shape[0] is not None and t.shape[0] != len(idx):
                raise ShapeError(f"TensorArray.scatter: {len(idx)} indices for a value with "
                                 f"{t.shape[0]} rows.")
            for k, i in enumerate(idx):
                self._put(int(i), t[k], "scatter")
            return self._derive()
        idx = cast(reshape(as_tensor(indices), [-1]), int32)
        return self._scatter("scatter", idx, reshape(t, [shape(t)[0], -1]))

    def unstack(self, value: Any, name: str | None = None) -> "TensorArray":
        """A TensorArray whose elements are the rows of `value`.

        Example:
            >>> import ember as tf
            >>> from ember.ops.tensor_array import TensorArray
            >>> TensorArray(tf.float32, size=2).unstack([[1.0], [2.0]]).read(1).numpy()
            array([2.], dtype=float32)
        """
        t = self._value("unstack", value, leading=1)
        if not self._traced:
            return self.scatter(np.arange(int(t.shape[0])), t)
        n = shape(t)[0]
        # NOTE: the row indices 0..n-1 as a cumulative sum of ones (works for a symbolic n)
        return self.scatter(cumsum(fill(reshape(n, [1]), 1)) - 1, t)

    def _put(self, i: int, t: Any, op: str) -> None:
        st = self._store
        if i < 0:
            raise OutOfRangeError(f"TensorArray.{op}: index must be >= 0, received {i}.")
        if i >= len(st.items):
            if not self._meta.dynamic_size:
                raise OutOfRangeError(
                    f"TensorArray.{op}: tried to write to index {i} but the array is not "
                    f"resizeable and its size is {len(st.items)}; pass dynamic_size=True.")
            st.items.extend([None] * (i + 1 - len(st.items)))
        st.items[i] = t
        st.cleared.discard(i)

    def _scatter(self, op: str, idx: Any, rows_value: Any) -> "TensorArray":
        """The traced write: `rows_value` [k, n] into rows `idx` [k] of the buffer."""
        elem = self._elem(op)
        n = int(np.prod(elem, dtype=np.int64))
        size = self._size
        if self._meta.dynamic_size:
            self._check_range(op, idx, np.iinfo(np.int32).max)
            top = reduce_max(concat([idx + 1, reshape(size, [1])], 0))
            size = m.maximum(size, top)
        else:
            self._check_range(op, idx, size)
        rows = reshape(self._grown(size), [-1, n])
        rows = tensor_scatter_nd_update(rows, reshape(idx, [-1, 1]), rows_value)
        return self._derive(reshape(rows, [-1]), size)

    def __repr__(self) -> str:
        how = "traced" if self._traced else f"size={len(self._store.items)}"
        return (f"<ember.TensorArray {how} dtype={self._meta.dtype.name} "
                f"element_shape={self._meta.element_shape}>")


def _int(value: Any, what: str) -> int:
    if isinstance(value, Tracer):
        raise NotImplementedError(f"TensorArray: an eager TensorArray got a symbolic {what}; "
                                  f"create the TensorArray inside ember.function.")
    t = as_tensor(value)
    if t.shape.rank != 0 or not t.dtype.is_integer:
        raise DTypeError(f"TensorArray: {what} must be a scalar integer, received "
                         f"{describe(t)}.")
    return int(t.numpy())

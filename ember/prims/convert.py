"""constant, convert_to_tensor, identity, cast: values into Tensors, with TF's dtype rules."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import rules
from ..core.convert import scalar_like, to_array
from ..core.dtypes import BY_NP, as_dtype
from ..core.errors import DTypeError, ShapeError
from ..core.indexed_slices import IndexedSlices
from ..core.registry import bind, defvjp, no_gradient, primitive
from ..core.tensor import ConcreteTensor, Tensor, TensorOps, wrap
from .array import cast_p, concat_p, leading_one
from .values import desc

__all__ = ["constant", "convert_to_tensor", "identity", "cast", "stop_gradient"]

_PY_SCALARS = (int, float, bool, complex)


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str | None = None) -> Tensor:
    """A Tensor holding a copy of `value` (TF's `tf.constant`).

    Python floats become float32, ints int32, bools bool; NumPy arrays keep their dtype.
    With `shape`, a scalar is broadcast and a same-size value reshaped.

    Example:
        >>> import ember as tf
        >>> tf.constant(1.5).dtype, tf.constant(1).dtype, tf.constant(0, shape=[2]).numpy()
        (tf.float32, tf.int32, array([0, 0], dtype=int32))
    """
    if isinstance(value, ConcreteTensor):
        arr = value._value
        if dtype is not None and as_dtype(dtype)._numpy() != arr.dtype:
            arr = to_array(arr, dtype)
        arr = np.array(arr, copy=True)
    else:
        arr = to_array(value, dtype, copy=True)
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        if arr.size == 1:
            arr = np.broadcast_to(arr.reshape(()), shape).copy()
        elif arr.size == int(np.prod(shape)):
            arr = arr.reshape(shape)
        else:
            raise ShapeError(f"constant: value of shape {arr.shape} ({arr.size} elements) "
                             f"cannot take shape {shape}; pass a scalar or a value with "
                             f"{int(np.prod(shape))} elements.")
    return wrap(arr)


def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None,
                      name: str | None = None) -> Any:
    """`value` as a Tensor. Tensors pass through; a Variable gives its current value
    (no copy); Python and NumPy values are converted (a copy, so later changes to a
    NumPy array don't reach the tensor).

    Example:
        >>> import ember as tf, numpy as np
        >>> tf.convert_to_tensor(np.arange(3.0)).dtype
        tf.float64
        >>> tf.convert_to_tensor([1, 2], dtype_hint=tf.float32).dtype
        tf.float32
    """
    if isinstance(value, TensorOps):
        if dtype is not None and as_dtype(dtype) != value.dtype:
            raise DTypeError(
                f"convert_to_tensor: requested dtype {as_dtype(dtype).name} for a tensor of "
                f"dtype {value.dtype.name}. Use ember.cast(x, ember.{as_dtype(dtype).name}) "
                f"to change a tensor's dtype."
            )
        if type(value) is Tensor or not isinstance(value, ConcreteTensor):
            return value
        return value.value() if value._is_variable else wrap(value._value)
    if isinstance(value, IndexedSlices):  # its dense tensor (a scatter-add: in graphs too)
        return convert_to_tensor(value._dense(), dtype=dtype)
    if isinstance(value, (list, tuple)) and _holds_tensors(value):
        return _pack(value, None if dtype is None else as_dtype(dtype))
    if dtype is None and dtype_hint is not None:
        try:
            return wrap(to_array(value, dtype_hint, copy=True))
        except (TypeError, ValueError):
            pass
    return wrap(to_array(value, dtype, copy=True))


def as_tensor(x: Any) -> Any:
    """Fast conversion used by ops: ember tensors pass through untouched."""
    if isinstance(x, TensorOps):
        return x
    if isinstance(x, IndexedSlices):
        return x._dense()
    if isinstance(x, (list, tuple)) and _holds_tensors(x):
        return _pack(x, None)
    return wrap(to_array(x))


def _holds_tensors(x: Any) -> bool:
    return any(isinstance(e, TensorOps) or (isinstance(e, (list, tuple)) and _holds_tensors(e))
               for e in x)


def _pack(x: Any, dtype: Any) -> Any:
    """A (nested) list mixing tensors and numbers, stacked into one tensor (TF's
    auto-packing): numbers take the dtype of the tensors."""
    items = [_pack(e, dtype) if isinstance(e, (list, tuple)) else e for e in x]
    if dtype is None:
        dtype = next((e.dtype for e in items if isinstance(e, TensorOps)), None)
    items = [e if isinstance(e, TensorOps) else convert_to_tensor(e, dtype=dtype) for e in items]
    check_stackable(items)
    return bind(concat_p, *[leading_one(e) for e in items], axis=0)


def check_stackable(items: list) -> Any:
    """The first of `items` after checking they share a dtype and shape (ember.stack's
    checks, also those of a list of tensors converted to one)."""
    first = items[0]
    for i, t in enumerate(items[1:], 1):
        if t.dtype != first.dtype:
            raise DTypeError(
                f"stack: mixed dtypes {first.dtype.name} and {t.dtype.name} (value 0 is "
                f"{desc(first)}, value {i} is {desc(t)}); cast them to one dtype first.")
        if not t.shape.is_compatible_with(first.shape):
            raise ShapeError(
                f"stack: all values must have the same shape; value 0 is {desc(first)}, "
                f"value {i} is {desc(t)}. Use concat to join along an existing axis.")
    return first


_SCALARS: dict = {}  # (type, value, dtype) -> Tensor; safe to share: Tensors are immutable


def like(value: Any, np_dtype: np.dtype) -> Any:
    """A non-tensor operand converted to the dtype of the tensor beside it (weak typing)."""
    t = type(value)
    if t in _PY_SCALARS:
        # NOTE: `x * 2.0` is common; a cached scalar Tensor halves its conversion cost.
        # Zero is keyed by its repr, so -0.0 and 0.0 differ. NaN never hits (nan != nan).
        key = (t, value if value else repr(value), np_dtype)
        hit = _SCALARS.get(key)
        if hit is None:
            hit = wrap(scalar_like(value, np_dtype))
            if len(_SCALARS) >= 1024:
                _SCALARS.clear()
            _SCALARS[key] = hit
        return hit
    if isinstance(value, (list, tuple)) and _holds_tensors(value):
        return _pack(value, BY_NP[np_dtype])
    return wrap(to_array(value, BY_NP[np_dtype]))


def pair(x: Any, y: Any) -> tuple:
    """Two operands as tensors of one dtype: a Python value takes the dtype of the tensor
    or NumPy array beside it; two Python values are converted together (1 + 2.5 is
    float32). NumPy arrays keep their dtypes, so float32 and float64 arrays don't mix."""
    if isinstance(x, TensorOps):
        if isinstance(y, TensorOps):
            return x, y
        return x, like(y, _np_dtype(x))
    if isinstance(y, TensorOps):
        return like(x, _np_dtype(y)), y
    x_np = isinstance(x, (np.ndarray, np.generic))
    y_np = isinstance(y, (np.ndarray, np.generic))
    if x_np and not y_np:
        xt = convert_to_tensor(x)
        return xt, like(y, xt._value.dtype)
    if y_np and not x_np:
        yt = convert_to_tensor(y)
        return like(x, yt._value.dtype), yt
    xa = to_array(x)
    ya = to_array(y)
    kinds = {xa.dtype.kind, ya.dtype.kind}
    if not x_np and xa.dtype != ya.dtype and kinds <= {"f", "i", "u", "c"}:
        target = xa.dtype if xa.dtype.kind == "f" else ya.dtype
        if "c" in kinds:  # 1.5 + 2j: complex128, as TF converts the Python complex
            target = xa.dtype if xa.dtype.kind == "c" else ya.dtype
        elif xa.dtype.kind == ya.dtype.kind:  # int32 and int64: take the wider
            target = max(xa.dtype, ya.dtype, key=lambda d: d.itemsize)
        return wrap(to_array(x, BY_NP[target])), wrap(to_array(y, BY_NP[target]))
    return wrap(xa), wrap(ya)


def _np_dtype(x: Any) -> np.dtype:
    v = getattr(x, "_value", None)
    return v.dtype if v is not None else x.dtype._numpy()


# -- primitives --------------------------------------------------------------

stop_gradient_p = primitive("stop_gradient", rules.unary("stop_gradient"))
no_gradient(stop_gradient_p)
identity_p = primitive("identity", rules.unary("identity"))
defvjp(identity_p, lambda g, ins, out: (g,))


def cast(x: Any, dtype: Any, name: str | None = None) -> Any:
    """`x` converted to `dtype` (floats to ints truncate toward zero, as TF). A complex
    value cast to a real dtype keeps its real part; a real one cast to complex gets a zero
    imaginary part (TF's Cast).

    Example:
        >>> import ember as tf
        >>> tf.cast(tf.constant([1.7, -1.7]), tf.int32).numpy()
        array([ 1, -1], dtype=int32)
    """
    dt = as_dtype(dtype)
    x = as_tensor(x) if isinstance(x, TensorOps) else convert_to_tensor(
        x, dtype_hint=dt if not isinstance(x, np.ndarray) else None)
    if x.dtype == dt:
        return x
    return bind(cast_p, x, dtype=dt._numpy())


def identity(input: Any, name: str | None = None) -> Any:
    """A Tensor with the same value (for a Variable: its current value, no copy).

    Example:
        >>> import ember as tf
        >>> v = tf.Variable([1.0, 2.0])
        >>> tf.identity(v).numpy()
        array([1., 2.], dtype=float32)
    """
    x = input if isinstance(input, TensorOps) else convert_to_tensor(input)
    return bind(identity_p, x)


def stop_gradient(input: Any, name: str | None = None) -> Any:
    """The same value, with no gradient flowing through it.

    Example:
        >>> import ember as tf
        >>> tf.stop_gradient(tf.constant(2.0)).numpy()
        np.float32(2.0)
    """
    return bind(stop_gradient_p, as_tensor(input))

"""`Tensor`: an immutable concrete value; the operator mixin shared by every tensor kind.

The mixin `TensorOps` gives Tensor, Variable and the symbolic tensors (Tracer, KerasTensor)
one set of operators. Its methods call the op library through `OPS`, a table that the
`ember.ops` layer fills at import with `install_operators`, so this layer never imports the
one above it.

Example:
    >>> import ember as tf
    >>> t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> print(t + 1)
    tf.Tensor(
    [[2. 3.]
     [4. 5.]], shape=(2, 2), dtype=float32)
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Callable

import numpy as np

from .convert import to_array
from .dtypes import BY_NP, DType
from .errors import fmt_spec
from .shape import TensorShape

# The ops behind the operators, filled by `install_operators` (the ops layer calls it once).
OPS = SimpleNamespace()
OPERATOR_OPS = ("add", "subtract", "multiply", "truediv", "floordiv", "floormod", "pow",
                "matmul", "negative", "abs", "invert", "and_", "or_", "xor", "less",
                "less_equal", "greater", "greater_equal", "eq", "ne", "getitem",
                "assign_slice")  # the last: `v[key].assign(x)` of a Variable inside a graph


class TensorOps:
    """Operators shared by Tensor, Variable and KerasTensor. They follow TF's semantics:
    elementwise comparisons, `&|^~` logical on bool and bitwise on integers, `/` true
    division (int32 / int32 -> float64, as TF), `//` floor division, `%` floor modulo."""

    __slots__ = ()
    __array_priority__ = 100  # `ndarray + tensor` defers to Tensor.__radd__
    _trace = None  # a symbolic value's trace (core/context.py); KerasTensor's builds Models

    def __add__(self, other): return OPS.add(self, other)
    def __radd__(self, other): return OPS.add(other, self)
    def __sub__(self, other): return OPS.subtract(self, other)
    def __rsub__(self, other): return OPS.subtract(other, self)
    def __mul__(self, other): return OPS.multiply(self, other)
    def __rmul__(self, other): return OPS.multiply(other, self)
    def __truediv__(self, other): return OPS.truediv(self, other)
    def __rtruediv__(self, other): return OPS.truediv(other, self)
    def __floordiv__(self, other): return OPS.floordiv(self, other)
    def __rfloordiv__(self, other): return OPS.floordiv(other, self)
    def __mod__(self, other): return OPS.floormod(self, other)
    def __rmod__(self, other): return OPS.floormod(other, self)
    def __pow__(self, other): return OPS.pow(self, other)
    def __rpow__(self, other): return OPS.pow(other, self)
    def __matmul__(self, other): return OPS.matmul(self, other)
    def __rmatmul__(self, other): return OPS.matmul(other, self)
    def __neg__(self): return OPS.negative(self)
    def __pos__(self): return self
    def __abs__(self): return OPS.abs(self)
    def __invert__(self): return OPS.invert(self)
    def __and__(self, other): return OPS.and_(self, other)
    def __rand__(self, other): return OPS.and_(other, self)
    def __or__(self, other): return OPS.or_(self, other)
    def __ror__(self, other): return OPS.or_(other, self)
    def __xor__(self, other): return OPS.xor(self, other)
    def __rxor__(self, other): return OPS.xor(other, self)
    def __lt__(self, other): return OPS.less(self, other)
    def __le__(self, other): return OPS.less_equal(self, other)
    def __gt__(self, other): return OPS.greater(self, other)
    def __ge__(self, other): return OPS.greater_equal(self, other)
    def __eq__(self, other): return OPS.eq(self, other)
    def __ne__(self, other): return OPS.ne(self, other)
    def __getitem__(self, key): return OPS.getitem(self, key)

    def __hash__(self):
        raise TypeError(
            f"{type(self).__name__} is unhashable (its == is elementwise, as in TensorFlow). "
            f"Use tensor.ref() as the key instead, and ref.deref() to get the tensor back."
        )

    def ref(self) -> "Reference":
        """A hashable reference to this object (`ref.deref()` gives it back).

        Example:
            >>> import ember as tf
            >>> x = tf.constant(1.0)
            >>> {x.ref(): "x"}[x.ref()]
            'x'
        """
        return Reference(self)

    experimental_ref = ref


# The hottest forward operators call their op directly, no hop through OPS: each of these
# ops takes (x, y, name=None) (getitem: (x, key)), so it serves as the method itself.
_DIRECT = {"__add__": "add", "__sub__": "subtract", "__mul__": "multiply",
           "__truediv__": "truediv", "__matmul__": "matmul", "__getitem__": "getitem"}


def install_operators(**ops: Callable) -> None:
    """Gives every tensor kind its operators: fills `OPS` with one op per name of
    `OPERATOR_OPS` (the ops layer calls it once, at import), and makes the hottest forward
    operators (`+ - * / @ []`) the ops themselves.

    Example:
        >>> import ember as tf
        >>> from ember.core.tensor import OPS, TensorOps
        >>> OPS.add is TensorOps.__add__
        True
        >>> print(tf.constant([1, 2]) < 2)
        tf.Tensor([ True False], shape=(2,), dtype=bool)
    """
    if set(ops) != set(OPERATOR_OPS):
        raise ValueError(f"install_operators: expected one op for each of {OPERATOR_OPS}; "
                         f"missing {[n for n in OPERATOR_OPS if n not in ops]}, unknown "
                         f"{[n for n in ops if n not in OPERATOR_OPS]}.")
    vars(OPS).update(ops)
    for method, name in _DIRECT.items():
        setattr(TensorOps, method, ops[name])


class Reference:
    """A hashable handle on a tensor or variable, compared by identity (TF's `ref()`)."""

    __slots__ = ("_obj",)

    def __init__(self, obj: Any):
        self._obj = obj

    def deref(self) -> Any:
        return self._obj

    def __hash__(self) -> int:
        return id(self._obj)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Reference) and other._obj is self._obj

    def __repr__(self) -> str:
        return f"<Reference wrapping {self._obj!r}>"


def _numpy_text(v: Any, is_repr: bool) -> str:
    if np.ndim(v) == 0:
        text = str(v[()] if isinstance(v, np.ndarray) else v)
    else:
        text = repr(v) if is_repr else str(v)
    return "\n" + text if "\n" in text else text


class ConcreteTensor(TensorOps):
    """What Tensor and Variable share: an array in `_value` and its read-only views."""

    __slots__ = ("_value",)
    _is_variable = False

    @property
    def shape(self) -> TensorShape:
        return tuple.__new__(TensorShape, self._value.shape)

    @property
    def dtype(self) -> DType:
        return BY_NP[self._value.dtype]

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def device(self) -> str:
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    def get_shape(self) -> TensorShape:
        return self.shape

    def numpy(self) -> Any:
        """A NumPy copy of the value (a NumPy scalar for a 0-d tensor), as TF."""
        v = self._value
        if type(v) is not np.ndarray:  # a device array (JAX backend) or a NumPy scalar
            v = np.asarray(v)
        return v[()] if v.ndim == 0 else np.array(v, copy=True)

    def __array__(self, dtype=None, copy=None):
        """Zero-copy for NumPy: a read-only view of the value (a copy when asked)."""
        v = np.asarray(self._value)
        if copy or (dtype is not None and np.dtype(dtype) != v.dtype):
            return np.array(v, dtype=dtype, copy=True)
        view = v.view()
        view.flags.writeable = False
        return view

    def __dlpack__(self, *, stream: Any = None, max_version: Any = None, dl_device: Any = None,
                   copy: Any = None) -> Any:
        """A DLPack capsule of the value: `np.from_dlpack(t)`, `torch.from_dlpack(t)` and
        `jax.numpy.from_dlpack(t)` share its memory (a Variable's: its current value)."""
        v = self._value
        if not hasattr(v, "__dlpack__"):  # a NumPy scalar
            v = np.asarray(v)
        kwargs = {k: a for k, a in (("stream", stream), ("max_version", max_version),
                                    ("dl_device", dl_device), ("copy", copy)) if a is not None}
        return v.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple:
        """(device type, device id) of the value for DLPack: (1, 0) is the CPU."""
        v = self._value
        return (v if hasattr(v, "__dlpack_device__") else np.asarray(v)).__dlpack_device__()

    def __len__(self) -> int:
        if self._value.ndim == 0:
            raise TypeError("Scalar tensor has no `len()`: it has shape (). "
                            "Use ember.size(x) for its number of elements.")
        return self._value.shape[0]

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor (shape ()).")
        getitem = OPS.getitem
        for i in range(self._value.shape[0]):
            yield getitem(self, i)

    def _scalar(self, kind: str) -> Any:
        v = self._value
        if v.ndim != 0 and not (kind == "bool" and v.size == 1):
            raise (ValueError if kind == "bool" else TypeError)(
                f"{kind}() of a tensor needs a single value, but this one is "
                f"{fmt_spec(v.shape, BY_NP[v.dtype])}. Reduce it first (ember.reduce_any, "
                f"ember.reduce_all, ember.reduce_sum) or index one element, e.g. x[0]."
            )
        return v.reshape(())[()]

    def __bool__(self) -> bool:
        return bool(self._scalar("bool"))

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def __float__(self) -> float:
        return float(self._scalar("float"))

    def __index__(self) -> int:
        if self._value.dtype.kind not in "iu":
            raise TypeError(f"Only integer tensors can be used as an index; this one is "
                            f"{BY_NP[self._value.dtype].name}. Cast it with ember.cast.")
        return int(self._scalar("int"))

    def __format__(self, spec: str) -> str:
        # As TF: f"{t}" formats the NumPy value, so f"{t:.2f}" works on scalars.
        v = self._value
        return format(v[()] if v.ndim == 0 else v, spec)


class Tensor(ConcreteTensor):
    """An immutable multi-dimensional array with a dtype and a shape (TF's `tf.Tensor`).

    Build one with `ember.constant` or `ember.convert_to_tensor`; ops return them.

    Example:
        >>> import ember as tf
        >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> x.shape, x.dtype, x[0, 1].numpy()
        (TensorShape([2, 2]), tf.float32, np.float32(2.0))
    """

    __slots__ = ("__weakref__",)

    def __new__(cls, value: Any = None, dtype: Any = None):
        t = object.__new__(cls)
        t._value = to_array(value, dtype, copy=True)
        return t

    def __repr__(self) -> str:
        return (f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
                f"numpy={_numpy_text(self._value, True)}>")

    def __str__(self) -> str:
        return (f"tf.Tensor({_numpy_text(self._value, False)}, shape={self.shape}, "
                f"dtype={self.dtype.name})")

    def __reduce__(self):
        return (Tensor, (np.asarray(self._value),))


_new = object.__new__


def wrap(value: Any) -> Tensor:
    """A Tensor around an array the caller will not mutate (no copy, no checks)."""
    t = _new(Tensor)
    t._value = value
    return t


def is_tensor(x: Any) -> bool:
    """True for ember tensors and variables (and symbolic tensors), as `tf.is_tensor`."""
    return isinstance(x, TensorOps)

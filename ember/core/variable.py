"""`Variable`: mutable state, accepted everywhere a Tensor is, without a copy.

An assignment validates the new value first (dtype, shape) and then swaps in a new
buffer, so a failed assignment leaves the variable unchanged, and Tensors read earlier
(`read_value()`, `value()`, results of ops that returned views) keep their values.

Example:
    >>> import ember as tf, numpy as np
    >>> v = tf.Variable(np.ones((1, 3)), dtype=tf.float32)
    >>> v.assign_add([[1.0, 2.0, 3.0]]).numpy()
    array([[2., 3., 4.]], dtype=float32)
    >>> v[0, :2].assign([0.0, 0.0]).numpy()
    array([[0., 0., 4.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import registry, tape
from .context import ACTIVE, CTX
from .convert import scalar_like, to_array
from .dtypes import BY_NP, as_dtype
from .errors import DTypeError, ShapeError, fmt_spec
from .shape import TensorShape, as_shape
from .graph import Tracer
from .tensor import ConcreteTensor, OPS, Tensor, _numpy_text, wrap


class VariableSynchronization:
    AUTO, NONE, ON_WRITE, ON_READ = 0, 1, 2, 3


class VariableAggregation:
    NONE, SUM, MEAN, ONLY_FIRST_REPLICA = 0, 1, 2, 3


class Variable(ConcreteTensor):
    """A mutable tensor (TF's `tf.Variable`).

    Args:
        initial_value: a value convertible to a tensor, or a callable returning one.
        trainable: whether gradient tapes watch it (default True).
        name: the variable's name; `.name` reads `"<name>:0"` as in TF.
        dtype: converts the initial value to this dtype (NumPy float64 -> float32 is fine).
        constraint: a function applied by optimizers after each update.
        shape: a TensorShape, possibly with None dims, that later assignments may vary in.

    Example:
        >>> import ember as tf
        >>> v = tf.Variable([1.0, 2.0], name="w")
        >>> v
        <tf.Variable 'w:0' shape=(2,) dtype=float32, numpy=array([1., 2.], dtype=float32)>
    """

    __slots__ = ("_name", "_trainable", "_constraint", "_shape", "_synchronization",
                 "_aggregation", "__weakref__")
    _is_variable = True

    def __init__(self, initial_value: Any = None, trainable: bool | None = None,
                 validate_shape: bool = True, caching_device: Any = None,
                 name: str | None = None, variable_def: Any = None, dtype: Any = None,
                 import_scope: Any = None, constraint: Callable | None = None,
                 synchronization: int = VariableSynchronization.AUTO,
                 aggregation: int = VariableAggregation.NONE, shape: Any = None,
                 experimental_enable_variable_lifting: bool = True):
        if initial_value is None:
            raise ValueError("Variable: initial_value must be provided, e.g. "
                             "ember.Variable(ember.zeros([3])) or ember.Variable(0.0).")
        if callable(initial_value):
            initial_value = initial_value()
        if constraint is not None and not callable(constraint):
            raise ValueError(f"Variable: constraint must be callable, received {constraint!r}.")
        if isinstance(initial_value, ConcreteTensor):
            value = initial_value._value
            if dtype is not None and as_dtype(dtype)._numpy() != value.dtype:
                value = value.astype(as_dtype(dtype)._numpy())
            value = np.array(value, copy=True)
        else:
            value = to_array(initial_value, dtype, copy=True)
        self._value = value
        self._name = name if name is not None else "Variable"
        if trainable is None:
            trainable = synchronization != VariableSynchronization.ON_READ
        self._trainable = bool(trainable)
        self._constraint = constraint
        if shape is not None:
            shape = as_shape(shape)
            if not shape.is_compatible_with(value.shape):
                raise ShapeError(f"Variable {self._name!r}: initial value of shape "
                                 f"{tuple(value.shape)} is incompatible with shape={shape}.")
        elif not validate_shape:
            shape = TensorShape(None)
        self._shape = shape
        self._synchronization = synchronization
        self._aggregation = aggregation

    # -- properties -----------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name if self._name.endswith(":0") else self._name + ":0"

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def constraint(self) -> Callable | None:
        return self._constraint

    @property
    def synchronization(self) -> int:
        return self._synchronization

    @property
    def aggregation(self) -> int:
        return self._aggregation

    @property
    def initial_value(self) -> Tensor:
        raise NotImplementedError("Variable.initial_value is not kept by ember; save the "
                                  "value yourself before assigning if you need it.")

    # -- reading --------------------------------------------------------------
    def read_value(self) -> Tensor:
        """The current value as a Tensor (no copy: assignments swap buffers). A read
        while a GradientTape records is recorded, so gradients flow to the variable."""
        if ACTIVE and CTX.top is not None:
            return registry.bind(registry.PRIMITIVES["identity"], self)
        return wrap(self._value)

    @property
    def value(self) -> Tensor:
        """The current value (`read_value()`), readable both ways: `v.value` as Keras 3
        spells it and `v.value()` as TensorFlow does (the tensor, called, is itself)."""
        t = self.read_value()
        t.__class__ = _callable_class(type(t))
        return t

    # -- writing --------------------------------------------------------------
    def _coerce(self, value: Any, what: str) -> np.ndarray:
        """`value` as an array of this variable's dtype, or a clear error."""
        npd = self._value.dtype
        if isinstance(value, ConcreteTensor):
            arr = value._value
            if arr.dtype != npd:
                raise DTypeError(
                    f"Variable {self.name!r}.{what}: value has dtype {BY_NP[arr.dtype].name} but "
                    f"the variable is {BY_NP[npd].name}. Cast it first: "
                    f"ember.cast(value, ember.{BY_NP[npd].name})."
                )
            return arr
        if type(value) in (int, float, bool):
            return np.asarray(scalar_like(value, npd))
        try:
            return to_array(value, BY_NP[npd])
        except DTypeError as e:
            raise DTypeError(f"Variable {self.name!r}.{what}: {e}") from None

    def _store(self, new: np.ndarray, what: str) -> None:
        declared = self._shape
        if declared is None:
            if new.shape != self._value.shape:
                raise ShapeError(self._shape_message(what, new))
        elif not declared.is_compatible_with(new.shape):
            raise ShapeError(self._shape_message(what, new))
        self._value = new

    def _shape_message(self, what: str, new: np.ndarray) -> str:
        want = self._shape if self._shape is not None else tuple(self._value.shape)
        return (f"Variable {self.name!r}.{what}: cannot change shape from "
                f"{fmt_spec(want, self.dtype)} to {fmt_spec(new.shape, self.dtype)}. Pass a "
                f"value of the variable's shape, or create the variable with "
                f"shape=ember.TensorShape(None) to allow changes. The variable is unchanged.")

    def _traced(self, value: Any, what: str, combine: Any) -> "Variable":
        """An assignment inside ember.function: recorded as an update of the graph."""
        trace = CTX.traces[-1]
        if not hasattr(value, "spec") and not hasattr(value, "_value"):
            value = wrap(to_array(value, self.dtype, copy=True))
        if value.dtype != self.dtype:
            raise DTypeError(f"Variable {self.name!r}.{what}: value has dtype "
                             f"{value.dtype.name} but the variable is {self.dtype.name}.")
        new = combine(trace.read(self), value) if combine is not None else value
        declared = self._shape if self._shape is not None else TensorShape(self._value.shape)
        if not declared.is_compatible_with(new.shape) or (
                declared.rank is not None and len(new.shape) != declared.rank):
            raise ShapeError(f"Variable {self.name!r}.{what}: value of shape {new.shape} "
                             f"does not fit the variable's shape {declared}.")
        trace.assign(self, new)
        return self

    def assign(self, value: Any, use_locking: Any = None, name: Any = None,
               read_value: bool = True) -> "Variable | None":
        """Sets the value; returns the variable (None if `read_value=False`)."""
        if CTX.traces:
            self._traced(value, "assign", None)
            return self if read_value else None
        arr = self._coerce(value, "assign")
        self._store(np.array(arr, copy=True), "assign")
        return self if read_value else None

    def _update(self, value: Any, ufunc: Any, what: str, read_value: bool):
        if CTX.traces:
            self._traced(value, what, OPS.add if ufunc is np.add else OPS.subtract)
            return self if read_value else None
        arr = self._coerce(value, what)
        cur = self._value
        try:
            shape = np.broadcast_shapes(cur.shape, arr.shape)
        except ValueError:
            shape = None
        if shape != cur.shape:
            raise ShapeError(
                f"Variable {self.name!r}.{what}: value {fmt_spec(arr.shape, self.dtype)} does "
                f"not fit the variable's shape {fmt_spec(cur.shape, self.dtype)}. The variable "
                f"is unchanged."
            )
        self._value = ufunc(cur, arr)
        return self if read_value else None

    def assign_add(self, delta: Any, use_locking: Any = None, name: Any = None,
                   read_value: bool = True) -> "Variable | None":
        """Adds `delta` to the value; returns the variable."""
        return self._update(delta, np.add, "assign_add", read_value)

    def assign_sub(self, delta: Any, use_locking: Any = None, name: Any = None,
                   read_value: bool = True) -> "Variable | None":
        """Subtracts `delta` from the value; returns the variable."""
        return self._update(delta, np.subtract, "assign_sub", read_value)

    def __getitem__(self, key: Any) -> Tensor:
        sliced = OPS.getitem(self, key)
        if CTX.traces:
            sliced.__class__ = _TracerSlice
            sliced.trace._slice_info[id(sliced)] = (self, key)
            return sliced
        ref = object.__new__(_VariableSlice)
        ref._value = sliced._value
        ref._variable = self
        ref._key = key
        if CTX.tapes:
            tape.alias(sliced, ref)  # gradients reach the variable through the slice
        return ref

    def _assign_slice(self, key: Any, value: Any) -> "Variable":
        np_key = _numpy_key(key)
        arr = self._coerce(value, "assign (sliced)")
        new = np.array(self._value, copy=True)
        target_shape = new[np_key].shape
        try:
            np.broadcast_to(arr, target_shape)
        except ValueError:
            raise ShapeError(
                f"Variable {self.name!r}[...].assign: value {fmt_spec(arr.shape, self.dtype)} "
                f"does not fit the slice {fmt_spec(target_shape, self.dtype)}. The variable is "
                f"unchanged."
            ) from None
        new[np_key] = arr
        self._value = new
        return self

    def __iadd__(self, other):
        raise TypeError("Variable does not support +=; use v.assign_add(x) to update it "
                        "in place, or y = v + x for a new tensor.")

    def __isub__(self, other):
        raise TypeError("Variable does not support -=; use v.assign_sub(x) to update it "
                        "in place, or y = v - x for a new tensor.")

    def __repr__(self) -> str:
        return (f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, "
                f"numpy={_numpy_text(self._value, True)}>")

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)  # as TF: f"{v}" shows the repr

    def __reduce__(self):
        return (_rebuild_variable, (np.array(self._value), self._name, self._trainable))


def _rebuild_variable(value, name, trainable):
    return Variable(value, name=name, trainable=trainable)


class _VariableSlice(Tensor):
    """The Tensor `v[...]` returns: a value, plus `.assign` to write that slice of `v`."""

    __slots__ = ("_variable", "_key")

    def assign(self, value: Any, use_locking: Any = None, name: Any = None,
               read_value: bool = True) -> "Variable | None":
        """Writes `value` into the slice of the variable; returns the variable."""
        v = self._variable._assign_slice(self._key, value)
        return v if read_value else None


class _TracerSlice(Tracer):
    """The symbolic slice `v[key]` inside ember.function (a Tracer of the graph), whose
    `.assign` records a sliced update of the variable. Same layout as Tracer: the
    variable and key live on the trace."""

    __slots__ = ()

    def assign(self, value: Any, use_locking: Any = None, name: Any = None,
               read_value: bool = True) -> "Variable | None":
        v, key = self.trace._slice_info[id(self)]
        OPS.assign_slice(v, key, self, value)  # an op composite, from the op layer
        return v if read_value else None


def _numpy_key(key: Any) -> Any:
    """An ember index (ints, slices, ..., None, int tensors) as a NumPy index."""
    def one(k):
        if isinstance(k, ConcreteTensor):
            return k._value
        if isinstance(k, slice):
            return slice(*(one(p) if p is not None else None
                           for p in (k.start, k.stop, k.step)))
        if isinstance(k, list):
            return np.asarray(k)
        return k
    return tuple(one(k) for k in key) if isinstance(key, tuple) else one(key)


_CALLABLE: dict = {}


def _callable_class(cls: type) -> type:
    """`cls` with `__call__` returning the tensor itself (the value of `Variable.value`);
    the same layout, so a tensor's class can be switched to it."""
    sub = _CALLABLE.get(cls)
    if sub is None:
        sub = _CALLABLE[cls] = type(cls.__name__, (cls,), {
            "__slots__": (), "__call__": lambda self: self, "__module__": cls.__module__,
            "__qualname__": cls.__qualname__})
    return sub

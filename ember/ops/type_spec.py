"""The TypeSpec family, as TF 2.21 has it: `tf.TypeSpec` (the abstract type of a value),
`tf.SparseTensorSpec`, `tf.TensorArraySpec`, `tf.OptionalSpec`, `tf.NoneTensorSpec`,
`tf.type_spec_from_value`, and the small `tf.experimental.Optional` value that
OptionalSpec describes.

A spec is a value object: it is defined by its `_serialize()` tuple (shapes, dtypes,
flags, nested specs). Equality, hashing, `repr` (`SparseTensorSpec(TensorShape([None,
3]), tf.float32)`, as TF prints it), compatibility and the most specific compatible type
all come from that tuple, field by field: shapes by `TensorShape` compatibility, nested
specs recursively, anything else by equality.

`ember.TensorSpec` (ember/core/shape.py) is registered as a virtual subclass, so
`isinstance(spec, tf.TypeSpec)` holds for it; `RaggedTensorSpec` (ember/ragged, a layer
above ops, so never imported here) is recognised by `__subclasshook__` once loaded.

Example:
    >>> import ember as tf
    >>> from ember.ops.type_spec import SparseTensorSpec, TypeSpec
    >>> spec = SparseTensorSpec([None, 3], tf.float32)
    >>> spec
    SparseTensorSpec(TensorShape([None, 3]), tf.float32)
    >>> isinstance(spec, TypeSpec), isinstance(tf.TensorSpec([2]), TypeSpec)
    (True, True)
"""

from __future__ import annotations

import abc
import sys
from typing import Any

import numpy as np

from ..core import nest
from ..core.dtypes import DType, as_dtype, float32
from ..core.errors import InvalidArgumentError
from ..core.shape import TensorShape, TensorSpec, as_shape
from ..core.tensor import TensorOps
from ..prims.convert import as_tensor, convert_to_tensor
from .tensor_array import TensorArray

__all__ = ["TypeSpec", "SparseTensorSpec", "TensorArraySpec", "OptionalSpec",
           "NoneTensorSpec", "Optional", "type_spec_from_value"]


# -- field-wise rules over the serialization ------------------------------------------------

def _compatible(a: Any, b: Any) -> bool:
    if isinstance(a, TensorShape) and isinstance(b, TensorShape):
        return a.is_compatible_with(b)
    if isinstance(a, (TypeSpec, TensorSpec)) and isinstance(b, (TypeSpec, TensorSpec)):
        return type(a) is type(b) and a.is_compatible_with(b)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_compatible(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _merge(op: str, a: Any, b: Any) -> Any:
    """The most specific value that both fields fit: shapes relax (differing dims become
    None, as TF), everything else must match (ValueError otherwise)."""
    if isinstance(a, TensorShape) and isinstance(b, TensorShape):
        return a.most_specific_compatible_shape(b)
    if isinstance(a, TensorSpec) and isinstance(b, TensorSpec):
        if a.dtype != b.dtype:
            raise ValueError(f"{op}: {a!r} and {b!r} have different dtypes, so no type is "
                             f"compatible with both.")
        return TensorSpec(a.shape.most_specific_compatible_shape(b.shape), a.dtype,
                          a.name if a.name == b.name else None)
    if isinstance(a, TypeSpec) and type(a) is type(b):
        return a.most_specific_compatible_type(b)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and len(a) == len(b):
        return type(a)(_merge(op, x, y) for x, y in zip(a, b))
    if type(a) is type(b) and a == b:
        return a
    raise ValueError(f"{op}: {a!r} and {b!r} differ, so no type is compatible with both.")


def _hashable(v: Any) -> Any:
    if isinstance(v, TensorShape):
        return ("shape", tuple(v) if v.rank is not None else None)
    if isinstance(v, (tuple, list)):
        return tuple(_hashable(x) for x in v)
    return v


class TypeSpec(abc.ABC):
    """The abstract type of a value (TF's `tf.TypeSpec`): subclasses give `value_type`
    and `_serialize()`, a tuple of the fields that define the type.

    Example:
        >>> import ember as tf
        >>> from ember.ops.type_spec import TypeSpec, NoneTensorSpec
        >>> isinstance(NoneTensorSpec(), TypeSpec), isinstance(tf.TensorSpec([]), TypeSpec)
        (True, True)
    """

    __slots__ = ()

    @property
    @abc.abstractmethod
    def value_type(self) -> type:
        """The Python type of the values this spec describes."""

    @abc.abstractmethod
    def _serialize(self) -> tuple:
        """The fields (shapes, dtypes, flags, nested specs) that define this type."""

    @classmethod
    def __subclasshook__(cls, C: type) -> Any:
        # NOTE: RaggedTensorSpec lives in ember/ragged, above ops; look it up only if it is
        # already loaded (imports point down), instead of importing it.
        if cls is TypeSpec:
            mod = sys.modules.get("ember.ragged.ragged_spec")
            if mod is not None and C is getattr(mod, "RaggedTensorSpec", None):
                return True
        return NotImplemented

    def is_compatible_with(self, spec_or_value: Any) -> bool:
        """True if `spec_or_value` (a spec, or a value whose spec is taken) has this type
        up to unknown dims: same spec class, compatible shapes, equal dtypes and flags."""
        other = _spec_of(spec_or_value)
        return type(other) is type(self) and _compatible(self._serialize(),
                                                         other._serialize())

    def most_specific_compatible_type(self, other: "TypeSpec") -> "TypeSpec":
        """The most specific spec that both fit (dims that differ become None, as TF);
        ValueError if their classes, dtypes or flags differ."""
        name = type(self).__name__
        if type(other) is not type(self):
            raise ValueError(f"{name}.most_specific_compatible_type: no TypeSpec is "
                             f"compatible with both {self!r} and {other!r}.")
        return type(self)(*_merge(f"{name}.most_specific_compatible_type",
                                  self._serialize(), other._serialize()))

    def most_specific_common_supertype(self, others: Any) -> "TypeSpec | None":
        """The most specific spec that all of `self` and `others` fit, or None."""
        out = self
        for o in list(others):
            try:
                out = out.most_specific_compatible_type(o)
            except ValueError:
                return None
        return out

    def is_subtype_of(self, other: "TypeSpec") -> bool:
        """True if every value of `self` is a value of `other`."""
        return (type(other) is type(self)
                and self.most_specific_common_supertype([other]) == other)

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and \
            _hashable(self._serialize()) == _hashable(other._serialize())

    def __ne__(self, other: Any) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((type(self).__name__, _hashable(self._serialize())))

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self._serialize()!r}"


TypeSpec.register(TensorSpec)


@nest.register_composite
class SparseTensorSpec(TypeSpec):
    """The type of a SparseTensor (TF's `tf.SparseTensorSpec`): its dense shape and dtype.

    Example:
        >>> import ember as tf
        >>> from ember.ops.type_spec import SparseTensorSpec
        >>> spec = SparseTensorSpec.from_value(tf.sparse.SparseTensor([[0, 1]], [1.0], [2, 3]))
        >>> spec, spec.is_compatible_with(SparseTensorSpec([None, 3]))
        (SparseTensorSpec(TensorShape([2, 3]), tf.float32), True)
    """

    __slots__ = ("_shape", "_dtype")

    def __init__(self, shape: Any = None, dtype: Any = float32):
        self._shape = as_shape(shape)
        self._dtype = as_dtype(dtype)

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> DType:
        return self._dtype

    @property
    def value_type(self) -> type:
        # ember.sparse is a layer above ops (loaded by `import ember`): looked up, not imported
        return sys.modules["ember.sparse.sparse_tensor"].SparseTensor

    def _serialize(self) -> tuple:
        return (self._shape, self._dtype)

    # A nest composite, as a SparseTensor is (so an input_signature can hold it): the specs
    # of indices and values, and the dense shape as a tuple when fully known (what a
    # SparseTensor gives too), else the spec of a 1-D int64 tensor.
    def _nest_components(self) -> list:
        rank = self._shape.rank
        dims = self._shape.as_list() if rank is not None else None
        shape = tuple(dims) if dims is not None and None not in dims else \
            TensorSpec([rank], "int64")
        return [TensorSpec([None, rank], "int64"), TensorSpec([None], self._dtype), shape]

    def _nest_rebuild(self, parts: list) -> Any:
        if all(isinstance(p, (TensorSpec, tuple)) for p in parts):
            return SparseTensorSpec(self._shape, parts[1].dtype)
        return self.value_type(*parts)

    @classmethod
    def from_value(cls, value: Any) -> "SparseTensorSpec":
        """The spec of a SparseTensor or SparseTensorValue."""
        if not _is_sparse(value):
            raise TypeError(f"SparseTensorSpec.from_value: expected a SparseTensor or "
                            f"SparseTensorValue, received {type(value).__name__}.")
        shape = getattr(value, "shape", None)
        if not isinstance(shape, TensorShape):
            shape = TensorShape([int(d) for d in np.asarray(_numpy(value.dense_shape))])
        return cls(shape, as_tensor(_to_tensor(value.values)).dtype)


class TensorArraySpec(TypeSpec):
    """The type of a TensorArray (TF's `tf.TensorArraySpec`): element shape, dtype,
    dynamic_size and infer_shape (infer_shape is left out of compatibility, as TF).

    Example:
        >>> import ember as tf
        >>> from ember.ops.type_spec import TensorArraySpec
        >>> TensorArraySpec([2], tf.int32)
        TensorArraySpec(TensorShape([2]), tf.int32, False, True)
    """

    __slots__ = ("_element_shape", "_dtype", "_dynamic_size", "_infer_shape")

    def __init__(self, element_shape: Any = None, dtype: Any = float32,
                 dynamic_size: bool = False, infer_shape: bool = True):
        self._element_shape = as_shape(element_shape)
        self._dtype = as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._infer_shape = bool(infer_shape)

    @property
    def element_shape(self) -> TensorShape:
        return self._element_shape

    @property
    def dtype(self) -> DType:
        return self._dtype

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    @property
    def infer_shape(self) -> bool:
        return self._infer_shape

    @property
    def value_type(self) -> type:
        return TensorArray

    def _serialize(self) -> tuple:
        return (self._element_shape, self._dtype, self._dynamic_size, self._infer_shape)

    def is_compatible_with(self, spec_or_value: Any) -> bool:
        other = _spec_of(spec_or_value)
        return (isinstance(other, TensorArraySpec) and other._dtype == self._dtype
                and other._dynamic_size == self._dynamic_size
                and self._element_shape.is_compatible_with(other._element_shape))

    def most_specific_compatible_type(self, other: "TypeSpec") -> "TensorArraySpec":
        # NOTE: TF 2.21 returns self's element shape here (it iterates a generator twice);
        # ember merges the shapes as every other spec does.
        if (not isinstance(other, TensorArraySpec) or other._dtype != self._dtype
                or other._dynamic_size != self._dynamic_size):
            raise ValueError(f"TensorArraySpec.most_specific_compatible_type: {self!r} and "
                             f"{other!r} are not compatible.")
        return TensorArraySpec(
            self._element_shape.most_specific_compatible_shape(other._element_shape),
            self._dtype, self._dynamic_size, self._infer_shape and other._infer_shape)

    @classmethod
    def from_value(cls, value: Any) -> "TensorArraySpec":
        """The spec of a TensorArray."""
        if not isinstance(value, TensorArray):
            raise TypeError(f"TensorArraySpec.from_value: expected a TensorArray, received "
                            f"{type(value).__name__}.")
        return cls(value.element_shape, value.dtype, value.dynamic_size,
                   value._meta.infer_shape)


class NoneTensorSpec(TypeSpec):
    """The type of None in a structure of values (TF's `tf.NoneTensorSpec`).

    Example:
        >>> from ember.ops.type_spec import NoneTensorSpec, type_spec_from_value
        >>> type_spec_from_value(None), NoneTensorSpec() == NoneTensorSpec()
        (NoneTensorSpec(), True)
    """

    __slots__ = ()

    @property
    def value_type(self) -> type:
        # NOTE: TF's value type is its internal NoneTensor; ember's None is just None.
        return type(None)

    def _serialize(self) -> tuple:
        return ()

    @classmethod
    def from_value(cls, value: Any) -> "NoneTensorSpec":
        if value is not None:
            raise TypeError(f"NoneTensorSpec.from_value: expected None, received "
                            f"{type(value).__name__}.")
        return cls()


class Optional:
    """A value that may hold a structure of tensors (TF's `tf.experimental.Optional`);
    eager only. Build it with `Optional.from_value(v)` or `Optional.empty(element_spec)`.

    Example:
        >>> import ember as tf
        >>> from ember.ops.type_spec import Optional
        >>> o = Optional.from_value(tf.constant([1, 2]))
        >>> bool(o.has_value()), o.get_value().numpy(), o.element_spec
        (True, array([1, 2], dtype=int32), TensorSpec(shape=(2,), dtype=tf.int32, name=None))
    """

    def __init__(self, value: Any, element_spec: Any, has: bool):
        self._value, self._element_spec, self._has = value, element_spec, has

    @staticmethod
    def from_value(value: Any) -> "Optional":
        """An Optional holding `value` (a tensor, or a tuple/list/dict of them)."""
        value = nest.map_structure(_to_tensor, value)
        return Optional(value, nest.map_structure(type_spec_from_value, value), True)

    @staticmethod
    def empty(element_spec: Any) -> "Optional":
        """An Optional with no value, of type `element_spec`."""
        return Optional(None, element_spec, False)

    @property
    def element_spec(self) -> Any:
        return self._element_spec

    def has_value(self, name: str | None = None) -> Any:
        """A scalar bool tensor: whether this Optional holds a value."""
        return as_tensor(np.bool_(self._has))

    def get_value(self, name: str | None = None) -> Any:
        """The value; InvalidArgumentError if the Optional is empty."""
        if not self._has:
            raise InvalidArgumentError("Optional.get_value: the Optional has no value; check "
                                       "has_value() first.")
        return self._value

    def __repr__(self) -> str:
        return f"<Optional element_spec={self._element_spec!r} has_value={self._has}>"


class OptionalSpec(TypeSpec):
    """The type of an Optional (TF's `tf.OptionalSpec`): the spec of the value it may hold.

    Example:
        >>> import ember as tf
        >>> from ember.ops.type_spec import OptionalSpec
        >>> OptionalSpec(tf.TensorSpec([2], tf.int32))
        OptionalSpec(TensorSpec(shape=(2,), dtype=tf.int32, name=None),)
    """

    __slots__ = ("_element_spec",)

    def __init__(self, element_spec: Any):
        self._element_spec = element_spec

    @property
    def element_spec(self) -> Any:
        return self._element_spec

    @property
    def value_type(self) -> type:
        return Optional

    def _serialize(self) -> tuple:
        return (self._element_spec,)

    @classmethod
    def from_value(cls, value: Any) -> "OptionalSpec":
        """The spec of an Optional (`OptionalSpec(value.element_spec)`)."""
        if not _is_optional(value):
            raise TypeError(f"OptionalSpec.from_value: expected an Optional, received "
                            f"{type(value).__name__}.")
        return cls(value.element_spec)


def _spec_of(v: Any) -> Any:
    """The spec of a spec or value; None for a value no TypeSpec describes."""
    if isinstance(v, TypeSpec):
        return v
    try:
        return type_spec_from_value(v)
    except TypeError:
        return None


def _is_sparse(v: Any) -> bool:
    return all(hasattr(v, a) for a in ("indices", "values", "dense_shape"))


def _is_optional(v: Any) -> bool:
    return hasattr(v, "element_spec") and callable(getattr(v, "has_value", None))


def _numpy(v: Any) -> Any:
    return v.numpy() if hasattr(v, "numpy") else v


def _to_tensor(v: Any) -> Any:
    return as_tensor(v) if isinstance(v, TensorOps) else convert_to_tensor(v)


def type_spec_from_value(value: Any) -> Any:
    """The TypeSpec of a value, as `tf.type_spec_from_value`: a Tensor (or anything
    convertible: NumPy arrays, numbers, lists of numbers, strings) gives a TensorSpec, a
    SparseTensor a SparseTensorSpec, a RaggedTensor a RaggedTensorSpec, a TensorArray a
    TensorArraySpec, an Optional an OptionalSpec and None a NoneTensorSpec. Structures
    (dicts, tuples of tensors) and other objects raise TypeError, as TF. A Variable gives
    a TensorSpec (TF: a VariableSpec, which ember does not have).

    Example:
        >>> import ember as tf
        >>> from ember.ops.type_spec import type_spec_from_value
        >>> type_spec_from_value(tf.constant([1.0, 2.0]))
        TensorSpec(shape=(2,), dtype=tf.float32, name=None)
        >>> type_spec_from_value([1, 2])
        TensorSpec(shape=(2,), dtype=tf.int32, name=None)
    """
    if value is None:
        return NoneTensorSpec()
    if isinstance(value, TensorOps):
        t = as_tensor(value)
        return TensorSpec(t.shape, t.dtype)
    if isinstance(value, TensorArray):
        return TensorArraySpec.from_value(value)
    spec = getattr(value, "_type_spec", None)  # RaggedTensor (and any composite with one)
    if isinstance(spec, TypeSpec):
        return spec
    if _is_sparse(value):
        return SparseTensorSpec.from_value(value)
    if _is_optional(value):
        return OptionalSpec.from_value(value)
    if not isinstance(value, (dict, set)) and not callable(value):
        try:
            t = convert_to_tensor(value)
        except Exception:  # not convertible: the TypeError below
            t = None
        if t is not None:
            return TensorSpec(t.shape, t.dtype)
    raise TypeError(f"type_spec_from_value: could not build a TypeSpec for {value!r} of "
                    f"unsupported type {type(value)}; pass a Tensor, SparseTensor, "
                    f"RaggedTensor, TensorArray, Optional or None.")

"""DTypes: TensorFlow's dtype objects over NumPy dtypes.

ember never promotes dtypes implicitly (as TensorFlow): a float32 and a float64 tensor
don't mix in a raw op. Python numbers are weakly typed and take the other operand's dtype.

complex64 and complex128 (real parts float32 / float64) are numeric but have no order:
they are not in NP_NUMERIC, so ops of real numbers (comparisons, max, relu, ...) reject
them, and each op that takes complex inputs names NP_COMPLEX (or NP_ARITH, NP_INEXACT).
A Python complex converts to complex128, as in TF.

Example:
    >>> import ember as tf
    >>> tf.float32
    tf.float32
    >>> tf.as_dtype("float64").is_floating
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:  # bfloat16 comes from ml_dtypes when it is installed (an optional extra).
    import ml_dtypes as _ml_dtypes

    _BF16 = np.dtype(_ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - depends on the environment
    _BF16 = None


_pybool = type(True)  # the builtin, before `bool` names the DType below


class DType:
    """A tensor element type (TF's `tf.dtypes.DType`).

    Example:
        >>> import ember as tf
        >>> tf.int32.max, tf.uint8.min, tf.float16.size
        (2147483647, 0, 2)
    """

    __slots__ = ("name", "_np", "is_floating", "is_integer", "is_unsigned", "is_bool",
                 "is_string", "is_complex", "_real")

    def __init__(self, name: str, np_dtype):
        self.name = name
        self._np = np_dtype
        kind = None if np_dtype is None else np_dtype.kind
        self.is_floating = name in ("float16", "float32", "float64", "bfloat16")
        self.is_integer = kind in ("i", "u")
        self.is_unsigned = kind == "u"
        self.is_bool = name == "bool"
        self.is_string = name == "string"
        self.is_complex = kind == "c"
        self._real = None  # complex64 -> float32, complex128 -> float64 (set below)

    # -- TF's DType surface -------------------------------------------------
    @property
    def as_numpy_dtype(self):
        """The NumPy scalar type, e.g. `numpy.float32`."""
        return self._numpy().type

    @property
    def base_dtype(self) -> "DType":
        return self

    @property
    def real_dtype(self) -> "DType":
        """The dtype of the real and imaginary parts (complex64 -> float32), else self."""
        return self._real or self

    @property
    def is_numeric(self) -> bool:
        return self.is_floating or self.is_integer or self.is_complex

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def size(self) -> int:
        """Bytes per element."""
        return self._numpy().itemsize

    @property
    def min(self):
        """Smallest representable value."""
        if self.is_string:
            raise TypeError("Cannot find minimum value of <dtype: 'string'>.")
        if self.is_complex:
            raise TypeError(f"Cannot find minimum value of <dtype: '{self.name}'>.")
        if self.is_bool:
            return False
        if self.is_floating:
            return float(_finfo(self._numpy()).min)
        return int(np.iinfo(self._numpy()).min)

    @property
    def max(self):
        """Largest representable value."""
        if self.is_string:
            raise TypeError("Cannot find maximum value of <dtype: 'string'>.")
        if self.is_complex:
            raise TypeError(f"Cannot find maximum value of <dtype: '{self.name}'>.")
        if self.is_bool:
            return True
        if self.is_floating:
            return float(_finfo(self._numpy()).max)
        return int(np.iinfo(self._numpy()).max)

    def is_compatible_with(self, other) -> bool:
        return self == as_dtype(other)

    def _numpy(self) -> np.dtype:
        if self._np is None:
            raise TypeError(
                f"dtype {self.name} needs the optional package ml_dtypes; "
                "install it with `pip install ml_dtypes`."
            )
        return self._np

    # -- comparison, hashing, printing ---------------------------------------
    def __eq__(self, other: Any) -> bool:
        if other is self:
            return True
        if isinstance(other, DType):
            return other.name == self.name
        try:
            return as_dtype(other).name == self.name
        except TypeError:
            return False

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: '{self.name}'>"

    def __reduce__(self):
        return (as_dtype, (self.name,))


float16 = DType("float16", np.dtype(np.float16))
half = float16
float32 = DType("float32", np.dtype(np.float32))
float64 = DType("float64", np.dtype(np.float64))
double = float64
bfloat16 = DType("bfloat16", _BF16)
int8 = DType("int8", np.dtype(np.int8))
int16 = DType("int16", np.dtype(np.int16))
int32 = DType("int32", np.dtype(np.int32))
int64 = DType("int64", np.dtype(np.int64))
uint8 = DType("uint8", np.dtype(np.uint8))
uint16 = DType("uint16", np.dtype(np.uint16))
uint32 = DType("uint32", np.dtype(np.uint32))
uint64 = DType("uint64", np.dtype(np.uint64))
bool = DType("bool", np.dtype(np.bool_))  # noqa: A001 - TF's public name
complex64 = DType("complex64", np.dtype(np.complex64))
complex128 = DType("complex128", np.dtype(np.complex128))
complex64._real, complex128._real = float32, float64
# tf.string: a tensor of byte strings, held as a NumPy object array of `bytes` (Python str
# input is UTF-8 encoded, as TF). It is not in ALL, the numeric and bool dtypes.
string = DType("string", np.dtype(object))

ALL: tuple[DType, ...] = (
    float16, float32, float64, bfloat16, int8, int16, int32, int64,
    uint8, uint16, uint32, uint64, bool, complex64, complex128,
)
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update({"half": float16, "float": float32, "double": float64,
                 "bool_": bool, "boolean": bool, "string": string})
# NumPy dtype -> DType, the lookup Tensor.dtype does on every access.
BY_NP: dict = {d._np: d for d in ALL if d._np is not None}
BY_NP[string._np] = string

# Sets of NumPy dtypes for fast checks in dispatch.
NP_FLOATS = frozenset(d._np for d in ALL if d.is_floating and d._np is not None)
NP_INTS = frozenset(d._np for d in ALL if d.is_integer)
# NOTE: complex dtypes are not in NP_NUMERIC (the real numbers, which have an order): ops
# that accept complex inputs name NP_COMPLEX too, so ordering ops reject complex by default.
NP_NUMERIC = NP_FLOATS | NP_INTS
NP_COMPLEX = frozenset([complex64._np, complex128._np])
NP_INEXACT = NP_FLOATS | NP_COMPLEX
NP_ARITH = NP_NUMERIC | NP_COMPLEX
NP_BOOL = frozenset([bool._np])
NP_ALL = NP_NUMERIC | NP_BOOL
NP_INDEX = frozenset([int32._np, int64._np])
NP_STRING = frozenset([string._np])


def _finfo(np_dtype: np.dtype):
    return _ml_dtypes.finfo(np_dtype) if np_dtype == _BF16 else np.finfo(np_dtype)


def kind(np_dtype: np.dtype) -> str:
    """NumPy's dtype kind, with bfloat16 (kind 'V' in ml_dtypes) reported as 'f'."""
    return "f" if np_dtype == _BF16 else np_dtype.kind


def as_dtype(type_value: Any) -> DType:
    """Converts a DType, NumPy dtype, Python type or name into a `DType`.

    Example:
        >>> import ember as tf, numpy as np
        >>> tf.as_dtype(np.float64), tf.as_dtype("int8"), tf.as_dtype(float)
        (tf.float64, tf.int8, tf.float32)
    """
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        d = _BY_NAME.get(type_value)
        if d is None:
            raise TypeError(
                f"Cannot convert {type_value!r} to a dtype. Known names: "
                f"{', '.join(sorted(_BY_NAME))}."
            )
        return d
    if type_value is float:
        return float32
    if type_value is int:
        return int32
    if type_value is _pybool:
        return bool
    if type_value is complex:
        return complex128
    if type_value is bytes or type_value is str:
        return string
    try:
        npd = np.dtype(type_value)
    except TypeError:
        npd = None
    if npd is not None and npd in BY_NP:
        return BY_NP[npd]
    if npd is not None and npd.kind in "SU":  # NumPy fixed-width bytes / str arrays
        return string
    raise TypeError(
        f"Cannot convert {type_value!r} to an ember dtype. Supported: "
        f"{', '.join(d.name for d in ALL)}, string."
    )


def result_type_of_division(dtype: DType) -> DType:
    """The dtype TF's true division gives for an integer input (int8/16 -> float32, else float64)."""
    if dtype.is_floating:
        return dtype
    if dtype.name in ("int8", "int16", "uint8", "uint16"):
        return float32
    return float64

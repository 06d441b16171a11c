"""Turning Python and NumPy values into arrays of an ember dtype, with TF's rules.

- Python numbers are weakly typed: alone, `1.5` is float32, `1` int32 (int64 when it does
  not fit), `True` bool; next to a tensor they take that tensor's dtype.
- A NumPy array keeps its dtype (float64 stays float64) unless a dtype is requested.
- A requested dtype never loses information silently: 1.5 to int32 raises a TypeError.
- Strings (str, bytes, NumPy str/bytes arrays) become `string` tensors: NumPy object
  arrays of `bytes`, str encoded as UTF-8 (as TF). They never mix with numbers.
- Ragged nested lists and other non-numeric data raise a clear error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .dtypes import BY_NP, DType, as_dtype, kind
from .errors import DTypeError

_I32 = np.dtype(np.int32)
_I64 = np.dtype(np.int64)
_F32 = np.dtype(np.float32)
_C128 = np.dtype(np.complex128)
_BOOL = np.dtype(np.bool_)
_OBJ = np.dtype(object)
_STR_TYPES = (bytes, str, np.bytes_, np.str_)
_PY_SCALARS = (int, float, bool)


def _describe(value: Any) -> str:
    r = repr(value)
    return r if len(r) <= 60 else r[:57] + "..."


def _default_np_dtype(arr: np.ndarray, from_python: bool) -> np.dtype:
    """The dtype TF gives a value converted without a requested dtype."""
    k = kind(arr.dtype)
    if from_python:
        if k == "f":
            return _F32
        if k in "iu":
            if arr.size and (arr.max() > 2**31 - 1 or arr.min() < -(2**31)):
                return _I64
            return _I32
        if k == "b":
            return _BOOL
        if k == "c":  # TF: a Python complex is complex128
            return _C128
    elif arr.dtype in BY_NP:
        return arr.dtype
    raise DTypeError(
        f"Cannot convert {_describe(arr if not from_python else arr.tolist())} to a tensor: "
        f"dtype {arr.dtype} is not supported (ember supports float16/32/64, bfloat16, "
        f"int8/16/32/64, uint8/16/32/64, complex64/128 and bool). Convert the data to numbers first."
    )


def _check_lossless(src: np.ndarray, target: np.dtype, original: Any) -> None:
    """Raises unless `src` converts to `target` without changing any value's kind."""
    sk, tk = kind(src.dtype), kind(target)
    if src.size == 0 and sk in "fiub":  # e.g. tf.constant([], tf.int64): no values to lose
        return
    if tk == "c":  # real numbers are complex numbers; complex64 <-> complex128 as floats
        if sk in "fiubc":
            return
    elif tk == "f":
        if sk in "fiub":
            return
    elif tk in "iu":
        if sk in "iub":
            if sk != "b" and src.size and src.dtype != target:
                info = np.iinfo(target)
                lo, hi = src.min(), src.max()
                if lo < info.min or hi > info.max:
                    raise DTypeError(
                        f"Cannot convert {_describe(original)} to a tensor of dtype "
                        f"{BY_NP[target].name}: values out of range [{info.min}, {info.max}]."
                    )
            return
        # NumPy float arrays with integral values may become ints; Python floats never
        # do (TF: "Cannot convert 1.0 to EagerTensor of dtype int32").
        if (sk == "f" and isinstance(original, (np.ndarray, np.generic))
                and np.all(np.isfinite(src)) and np.all(np.floor(src) == src)):
            return
    elif tk == "b" and sk == "b":
        return
    raise DTypeError(
        f"Cannot convert {_describe(original)} to a tensor of dtype {BY_NP[target].name}: "
        f"that would change values of kind {src.dtype.name}. Make the value "
        f"{BY_NP[target].name} first, or convert explicitly with ember.cast."
    )


def to_array(value: Any, dtype: DType | None = None, copy: bool = False) -> np.ndarray:
    """A NumPy array for a Python/NumPy value, with TF's dtype rules.

    Example:
        >>> from ember.core.convert import to_array
        >>> to_array([1, 2]).dtype, to_array(1.5).dtype, to_array([1.0, 2.0], dtype=None).dtype
        (dtype('int32'), dtype('float32'), dtype('float32'))
    """
    target = None if dtype is None else as_dtype(dtype)._numpy()
    strings = _string_array(value, target)
    if strings is not None:
        return strings
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        arr = value
        from_python = False
    else:
        try:
            arr = np.asarray(value)
        except ValueError as e:
            if "inhomogeneous" in str(e) or "sequence" in str(e):
                raise ValueError(
                    f"Can't convert non-rectangular Python sequence to Tensor: "
                    f"{_describe(value)}. Every row must have the same length; pad the rows "
                    f"(e.g. with ember.keras.utils.pad_sequences) or use equal lengths."
                ) from None
            raise DTypeError(f"Cannot convert {_describe(value)} to a tensor: {e}") from None
        except TypeError as e:
            raise DTypeError(f"Cannot convert {_describe(value)} to a tensor: {e}") from None
        from_python = True
        if arr.dtype.kind in "OUSV":
            raise DTypeError(
                f"Cannot convert {_describe(value)} to a tensor: it holds non-numeric data "
                f"({arr.dtype.kind == 'O' and 'mixed objects' or 'strings'}). Convert it to "
                f"numbers first."
            )
    if target is None:
        target = _default_np_dtype(arr, from_python)
    elif arr.dtype != target:
        _check_lossless(arr, target, value)
    if arr.dtype == target:
        return np.array(arr, copy=True) if copy and not from_python else np.asarray(arr)
    return arr.astype(target)


def _encode(x: Any) -> bytes:
    return x.encode("utf-8") if isinstance(x, str) else bytes(x)


def _string_array(value: Any, target: np.dtype | None) -> np.ndarray | None:
    """`value` as a `string` tensor's array (object array of bytes) when it holds strings
    (or `target` is string); None when it is not string data."""
    if isinstance(value, _STR_TYPES):
        items, shape = [value], ()
    elif isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind not in "OSU":
            if target is _OBJ:
                raise DTypeError(
                    f"Cannot convert {_describe(value)} (dtype {value.dtype}) to a tensor of "
                    f"dtype string. Format numbers with ember.strings.as_string.")
            return None
        arr = np.asarray(value)
        items, shape = arr.ravel().tolist(), arr.shape
    elif isinstance(value, (list, tuple)) and (target is _OBJ or _first_leaf_is_str(value)):
        try:
            arr = np.asarray(value, dtype=object)
        except ValueError:
            arr = None
        items = None if arr is None else arr.ravel().tolist()
        if items is None or not all(isinstance(x, _STR_TYPES) for x in items):
            raise DTypeError(
                f"Cannot convert {_describe(value)} to a string tensor: every element must "
                f"be a str or bytes, and every row must have the same length (no numbers "
                f"mixed with strings, no ragged rows).")
        shape = arr.shape
    else:
        if target is _OBJ:
            raise DTypeError(f"Cannot convert {_describe(value)} to a tensor of dtype string: "
                             f"it is not str/bytes data. Format numbers with "
                             f"ember.strings.as_string.")
        return None
    if not all(isinstance(x, _STR_TYPES) for x in items):
        raise DTypeError(
            f"Cannot convert {_describe(value)} to a tensor: its object array holds "
            f"non-string values; ember tensors hold numbers, booleans or strings.")
    if target is not None and target is not _OBJ:
        raise DTypeError(
            f"Cannot convert {_describe(value)} to a tensor of dtype "
            f"{BY_NP[target].name}: it holds strings. Parse them with "
            f"ember.strings.to_number(x, out_type=...).")
    out = np.empty(len(items), dtype=object)
    out[:] = [_encode(x) for x in items]
    return out.reshape(shape)


def _first_leaf_is_str(value: Any) -> bool:
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    return isinstance(value, _STR_TYPES)


def scalar_like(value: Any, np_dtype: np.dtype) -> Any:
    """A Python scalar as a NumPy scalar of `np_dtype` (a weakly typed operand).

    Raises a TypeError where TF does: a float for an integer tensor, anything but a bool
    for a bool tensor, an out-of-range integer.
    """
    k = kind(np_dtype)
    t = type(value)
    if k == "f":
        if t is not bool and t is not complex:
            return np_dtype.type(value)
    elif k == "c":
        if t is not bool:
            return np_dtype.type(value)
    elif k in "iu":
        if t is int:
            info = np.iinfo(np_dtype)
            if info.min <= value <= info.max:
                return np_dtype.type(value)
            raise DTypeError(
                f"Cannot convert {value} to a tensor of dtype {BY_NP[np_dtype].name}: "
                f"out of range [{info.min}, {info.max}]. Cast the tensor to a wider dtype."
            )
    elif k == "b" and t is bool:
        return np_dtype.type(value)
    elif k == "O":
        raise DTypeError(
            f"Cannot convert {value!r} (a Python {t.__name__}) to a tensor of dtype string: "
            f"strings and numbers don't mix, and string tensors support no arithmetic. "
            f"Parse the strings with ember.strings.to_number, or format the number with "
            f"ember.strings.as_string.")
    raise DTypeError(
        f"Cannot convert {value!r} (a Python {t.__name__}) to a tensor of dtype "
        f"{BY_NP[np_dtype].name}: ember does not change a tensor's dtype implicitly, as "
        f"TensorFlow. Cast the tensor first, e.g. ember.cast(x, ember.float32)."
    )

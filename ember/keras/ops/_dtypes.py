"""Keras 3's dtype rules for `keras.ops`: how operands of different dtypes promote.

TensorFlow's own ops refuse mixed dtypes (`tf.add(int32, float32)` raises); Keras 3's ops
promote them on a lattice (JAX's): bool < weak int < the integers < weak float < bfloat16,
float16 < float32 < float64, complex64 < complex128. A Python number is *weak*: it takes the
other operand's kind and width (`int8 tensor + 3` stays int8, `int32 tensor + 1.5` is
floatx). ember follows Keras 3 on its TensorFlow backend (TF 2.21's tf.keras): 64-bit
types are kept (`float64 + float64` is float64), a lone Python int is int64 in
`result_type`, and `uint64` maps to `uint32` and `complex128` to `complex64` as there.

`promote(*xs)` converts operands to tensors of their common dtype; every binary op of
`keras.ops` starts with it.

Example:
    >>> from ember.keras.ops._dtypes import result_type
    >>> result_type("int32", "float16"), result_type("int8", int), result_type("int32", float)
    ('float16', 'int8', 'float32')
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ...core.dtypes import as_dtype
from ...core.tensor import TensorOps
from ...prims.convert import cast, convert_to_tensor
from .. import config

INT_TYPES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
COMPLEX_TYPES = ("complex64", "complex128")
ALLOWED = ("bool", "string") + INT_TYPES + FLOAT_TYPES + COMPLEX_TYPES
_PYTHON = {bool: "bool", int: "int64", float: "float32", str: "string", complex: "complex64"}
_64_TO_32 = {"uint64": "uint32", "complex128": "complex64"}  # Keras 3 on TensorFlow

# each dtype's immediate successors on the promotion lattice ("int"/"float": weak types)
_UP = {
    "bool": ["int"], "int": ["uint8", "int8", "complex64"],
    "uint8": ["int16", "uint16"], "uint16": ["int32", "uint32"],
    "uint32": ["int64", "uint64"], "uint64": ["float"],
    "int8": ["int16"], "int16": ["int32"], "int32": ["int64"], "int64": ["float"],
    "float": ["bfloat16", "float16"], "bfloat16": ["float32"], "float16": ["float32"],
    "float32": ["float64", "complex64"], "float64": ["complex128"],
    "complex64": ["complex128"], "complex128": [],
}


def _closure() -> dict:
    ups = {}
    for node in _UP:
        seen, todo = {node}, [node]
        while todo:
            for nxt in _UP[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        ups[node] = seen
    return ups


_UPPER = _closure()


def standardize_dtype(dtype: Any) -> str:
    """A dtype's Keras name ('float32', 'int64', ...) from a string, NumPy or ember dtype,
    or a Python type; None gives floatx.

    Example:
        >>> import numpy as np
        >>> from ember.keras.ops._dtypes import standardize_dtype
        >>> standardize_dtype(np.float64), standardize_dtype(int), standardize_dtype(None)
        ('float64', 'int64', 'float32')
    """
    if dtype is None:
        return config.floatx()
    if dtype in _PYTHON:
        return _PYTHON[dtype]
    if isinstance(dtype, str) and dtype in ("int", "float"):
        return _PYTHON[int if dtype == "int" else float]
    name = getattr(dtype, "name", None)
    try:
        if not isinstance(name, str):
            name = as_dtype(dtype).name
        if name not in ALLOWED:
            name = as_dtype(name).name
    except TypeError as e:  # Keras 3 raises ValueError for an unknown dtype
        raise ValueError(f"Invalid dtype: {dtype!r}. {e}") from None
    if name not in ALLOWED:
        raise ValueError(f"keras.ops: dtype {dtype!r} is not one of Keras' dtypes "
                         f"{ALLOWED}.")
    return name


@functools.lru_cache(512)
def _join(*nodes: str) -> str:
    common = set.intersection(*(_UPPER[n] for n in nodes))
    least = (common & set(nodes)) or {c for c in common if common <= _UPPER[c]}
    if len(least) != 1:
        raise ValueError(f"keras.ops: dtypes {nodes} have no common dtype to promote to; "
                         f"cast the operands to one dtype first (keras.ops.cast).")
    return least.pop()


def _weak(dtype: str) -> str:
    if dtype == "bool":
        return dtype
    return "complex64" if "complex" in dtype else ("float" if "float" in dtype else "int")


def _resolve(weak: str) -> str:
    bits = config.floatx()[-2:]
    return {"int": f"int{bits}" if bits != "16" else "int16",
            "float": f"float{bits}"}.get(weak, weak)


def result_type(*dtypes: Any) -> str:
    """The dtype Keras 3 gives an op over operands of these dtypes (Python types `int`
    and `float` are weak: they take the other operands' kind and width).

    Example:
        >>> from ember.keras.ops._dtypes import result_type
        >>> result_type("uint8", "int8"), result_type("bool", float), result_type()
        ('int16', 'float32', 'float32')
    """
    if not dtypes:
        return config.floatx()
    try:
        return _result_type(config.floatx(), *dtypes)
    except TypeError:  # an unhashable dtype object: not cached
        return _result_type.__wrapped__(config.floatx(), *dtypes)


@functools.lru_cache(1024)
def _result_type(floatx: str, *dtypes: Any) -> str:
    """result_type's work, cached by floatx and the operands' dtypes."""
    named = [(config.floatx() if d is None else standardize_dtype(d), d in (int, float))
             for d in dtypes]
    names = [n for n, _ in named]
    if len(named) == 1:
        out, weak = named[0]
    elif len(set(names)) == 1 and not all(w for _, w in named):
        out, weak = names[0], False
    elif all(w for _, w in named):
        out, weak = _join(*set(names)), True
    else:
        out = _join(*{_weak(n) if w else n for n, w in named})
        weak = out in ("int", "float")
    if out != "bool" and weak:
        out = _resolve(out if out in ("int", "float") else _weak(out))
    return _64_TO_32.get(out, out)


def dtype_of(x: Any) -> Any:
    """An operand's dtype for `result_type`: a tensor's (or array's) name, or the Python
    type of a number (weak)."""
    if isinstance(x, TensorOps):
        return x.dtype.name
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, (int, float)):
        return type(x)
    if isinstance(x, complex):
        return "complex64"
    if isinstance(x, (np.ndarray, np.generic)):
        return standardize_dtype(x.dtype)
    return standardize_dtype(convert_to_tensor(x).dtype)


def to_tensor(x: Any, dtype: Any = None) -> Any:
    """`x` as an ember tensor of `dtype` (a cast where a tensor has another dtype); a
    KerasTensor stays symbolic, a Variable is read without a copy."""
    if isinstance(x, TensorOps):
        return x if dtype is None or x.dtype.name == standardize_dtype(dtype) else \
            cast(x, standardize_dtype(dtype))
    if dtype is None:
        if isinstance(x, float) or (isinstance(x, (list, tuple)) and _all_floats(x)):
            dtype = config.floatx()  # Keras: Python floats are floatx, not float64
        elif isinstance(x, bool):
            dtype = "bool"
        elif isinstance(x, int):
            dtype = "int32"
    return convert_to_tensor(x, dtype=None if dtype is None else standardize_dtype(dtype))


def _all_floats(x: Any) -> bool:
    flat = np.asarray(x, dtype=object).ravel()
    return flat.size > 0 and any(isinstance(v, float) for v in flat) and \
        all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in flat)


def promote(*xs: Any, dtype: Any = None) -> list:
    """The operands as tensors of one dtype: `dtype` if given, else Keras 3's result type
    of theirs.

    Example:
        >>> import ember as tf
        >>> from ember.keras.ops._dtypes import promote
        >>> [t.dtype.name for t in promote(tf.constant([1, 2]), 1.5)]
        ['float32', 'float32']
    """
    if dtype is None and all(isinstance(x, TensorOps) for x in xs) and \
            len({x.dtype for x in xs}) == 1:
        return list(xs)  # the common case: tensors of one dtype already
    target = standardize_dtype(dtype) if dtype is not None else \
        result_type(*(dtype_of(x) for x in xs))
    return [to_tensor(x, target) for x in xs]

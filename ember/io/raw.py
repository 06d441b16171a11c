"""`tf.io.decode_raw`: the bytes of string tensors read as numbers.

Each string of the input is read as an array of `out_type` (little-endian unless
`little_endian=False`); the output has the input's shape plus one axis, the numbers of
each string. All strings must hold the same number of bytes, a multiple of the item
size, unless `fixed_length` is given: then each is cut or zero-padded to that many bytes
first (TF's rule). A host op: eagerly it reads the values, inside `ember.function` it is a
host call each time the graph runs.

Example:
    >>> import ember as tf
    >>> tf.io.decode_raw(tf.constant("Duck"), tf.uint8).numpy()
    array([ 68, 117,  99, 107], dtype=uint8)
    >>> tf.io.decode_raw(tf.constant(["\\x01\\x00", "\\x02\\x01"]), tf.int16).numpy()
    array([[  1],
           [258]], dtype=int16)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.context import CTX
from ..core.dtypes import as_dtype
from ..core.errors import InvalidArgumentError
from ..core.shape import TensorSpec
from ..core.tensor import TensorOps, wrap
from ..ops.py_ops import numpy_function
from ..prims.convert import convert_to_tensor

__all__ = ["decode_raw"]

_ALLOWED = ("float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64",
            "uint8", "uint16", "uint32", "uint64", "complex64", "complex128", "bool")


def _decode(values: np.ndarray, npd: np.dtype, little: bool, fixed: int | None) -> np.ndarray:
    flat = [bytes(v) if not isinstance(v, str) else v.encode("utf-8")
            for v in values.reshape(-1).tolist()]
    if fixed is not None:
        flat = [b[:fixed].ljust(fixed, b"\0") for b in flat]
    size = npd.itemsize
    lengths = {len(b) for b in flat}
    if len(lengths) > 1:
        raise InvalidArgumentError(
            f"decode_raw: the strings have different lengths {sorted(lengths)[:4]}; each "
            f"must hold the same number of bytes (pass fixed_length= to pad or cut them).")
    n = lengths.pop() if lengths else 0
    if n % size:
        raise InvalidArgumentError(f"decode_raw: input of length {n} is not a multiple of "
                                   f"{size}, the size of {npd.name}.")
    order = "<" if little else ">"
    typed = npd.newbyteorder(order) if size > 1 else npd
    out = np.frombuffer(b"".join(flat), dtype=typed).astype(npd)
    return out.reshape(values.shape + (n // size,))


def decode_raw(input_bytes: Any, out_type: Any, little_endian: bool = True,
               fixed_length: int | None = None, name: str | None = None) -> Any:
    """The bytes of each string of `input_bytes` as numbers of `out_type` (see the module
    docstring)."""
    dt = as_dtype(out_type)
    if dt.name not in _ALLOWED:
        raise TypeError(f"decode_raw: out_type must be a numeric type, received {dt.name}.")
    t = input_bytes if isinstance(input_bytes, TensorOps) else convert_to_tensor(input_bytes)
    if t.dtype.name != "string":
        raise TypeError(f"decode_raw: input_bytes must be a string tensor, received "
                        f"{t.dtype.name}; encode the data as bytes first.")
    if fixed_length is not None and (not isinstance(fixed_length, int) or fixed_length < 0):
        raise ValueError(f"decode_raw: fixed_length must be a non-negative int, received "
                         f"{fixed_length!r}.")
    npd = np.dtype(dt._numpy())

    def run(values: np.ndarray) -> np.ndarray:
        return _decode(np.asarray(values, dtype=object), npd, little_endian, fixed_length)

    if CTX.traces:
        last = None if fixed_length is None else fixed_length // npd.itemsize
        spec = TensorSpec(list(t.shape) + [last] if t.shape.rank is not None else None,
                          dt.name)
        return numpy_function(run, [t], spec)
    return wrap(run(t.numpy()))

"""`tf.make_tensor_proto` / `tf.make_ndarray`: values to and from TensorFlow's
`TensorProto` protobuf (what TF Serving's gRPC `PredictRequest` carries), through the
protos the `tensorboard` package compiles (the optional `ember[tensorboard]` extra).

As TF: a value with one element, or fewer elements than `shape`, goes in the typed field
(`float_val`, `int_val`, ...) and is repeated to fill `shape` on reading; other numeric
arrays go in `tensor_content` as raw little-endian bytes; strings in `string_val`.

Example:
    >>> import ember as tf
    >>> p = tf.make_tensor_proto([1.0, 2.0], shape=[4])
    >>> list(p.float_val), tf.make_ndarray(p)
    ([1.0, 2.0], array([1., 2., 2., 2.], dtype=float32))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .core.convert import to_array
from .core.dtypes import BY_NP, as_dtype
from .core.errors import InvalidArgumentError
from .summary.graph_def import _enum
from .summary.protos import tensorboard_protos

__all__ = ["make_tensor_proto", "make_ndarray"]

# the typed field of each dtype (float16 / bfloat16: their bit patterns in half_val)
_FIELDS = {"float32": "float_val", "float64": "double_val", "int32": "int_val",
           "int16": "int_val", "int8": "int_val", "uint8": "int_val", "uint16": "int_val",
           "int64": "int64_val", "uint32": "uint32_val", "uint64": "uint64_val",
           "bool": "bool_val", "complex64": "scomplex_val", "complex128": "dcomplex_val",
           "float16": "half_val", "bfloat16": "half_val", "string": "string_val"}


def _as_array(values: Any, dtype: Any) -> np.ndarray:
    if hasattr(values, "numpy"):
        values = values.numpy()
    if _is_text(values) or (isinstance(values, np.ndarray) and values.dtype.kind in "OSU"):
        return np.asarray(values, dtype=object)
    return to_array(values, None if dtype is None else as_dtype(dtype), copy=True)


def _is_text(values: Any) -> bool:
    if isinstance(values, (str, bytes)):
        return True
    if isinstance(values, (list, tuple)) and values:
        return _is_text(values[0])
    return False


def _name(arr: np.ndarray) -> str:
    return "string" if arr.dtype.kind in "OSU" else BY_NP[arr.dtype].name


def make_tensor_proto(values: Any, dtype: Any = None, shape: Any = None,
                      verify_shape: bool = False, allow_broadcast: bool = False) -> Any:
    """A `TensorProto` of `values` (TF's `tf.make_tensor_proto`): `dtype` as TF infers it
    (Python floats float32, ints int32) unless given; `shape` may ask for more elements
    than `values` has (the last is repeated when read), unless `verify_shape`.

    Example:
        >>> import ember as tf
        >>> p = tf.make_tensor_proto(3, shape=[2, 2])
        >>> list(p.int_val), [d.size for d in p.tensor_shape.dim]
        ([3], [2, 2])
    """
    pb = tensorboard_protos()
    arr = _as_array(values, dtype)
    name = _name(arr)
    if shape is None:
        dims = list(arr.shape)
    else:
        dims = [int(d) for d in shape]
        want = int(np.prod(dims)) if dims else 1
        if verify_shape and tuple(dims) != arr.shape:
            raise TypeError(f"make_tensor_proto: expected the shape {tuple(dims)}, received "
                            f"values of shape {arr.shape}.")
        if arr.size > want and not (allow_broadcast and arr.size == 1):
            raise ValueError(f"make_tensor_proto: too many elements provided: shape "
                             f"{tuple(dims)} takes at most {want}, received {arr.size}.")
        if arr.size == 0 and want:
            raise ValueError(f"make_tensor_proto: no values to fill shape {tuple(dims)}.")
    proto = pb.tensor_pb2.TensorProto(dtype=_enum(pb, name))
    proto.tensor_shape.SetInParent()  # present even for a scalar, as TF writes it
    for d in dims:
        proto.tensor_shape.dim.add(size=d)
    flat = arr.ravel()
    want = int(np.prod(dims)) if dims else 1
    if name == "string":
        proto.string_val.extend(s if isinstance(s, bytes) else str(s).encode("utf-8")
                                for s in flat.tolist())
    elif flat.size > 1 and flat.size == want:
        proto.tensor_content = np.ascontiguousarray(flat.astype(flat.dtype.newbyteorder(
            "<"))).tobytes()
    else:
        field = getattr(proto, _FIELDS[name])
        if name in ("float16", "bfloat16"):
            field.extend(int(b) for b in flat.view(np.uint16).tolist())
        elif name.startswith("complex"):
            for z in flat.tolist():
                field.extend([z.real, z.imag])
        else:
            field.extend(flat.tolist())
    return proto


def make_ndarray(tensor: Any) -> np.ndarray:
    """The NumPy array a `TensorProto` holds (TF's `tf.make_ndarray`).

    Example:
        >>> import ember as tf
        >>> tf.make_ndarray(tf.make_tensor_proto([[1, 2], [3, 4]]))
        array([[1, 2],
               [3, 4]], dtype=int32)
    """
    pb = tensorboard_protos()
    key = pb.types_pb2.DataType.Name(tensor.dtype)
    names = {v: k for k, v in (("float32", "DT_FLOAT"), ("float64", "DT_DOUBLE"),
                               ("float16", "DT_HALF"), ("bfloat16", "DT_BFLOAT16"),
                               ("bool", "DT_BOOL"), ("string", "DT_STRING"),
                               ("complex64", "DT_COMPLEX64"),
                               ("complex128", "DT_COMPLEX128"))}
    name = names.get(key, key[3:].lower())
    dims = [d.size for d in tensor.tensor_shape.dim]
    size = int(np.prod(dims)) if dims else 1
    if name == "string":
        flat = np.array(list(tensor.string_val), dtype=object)
        np_dtype = None
    else:
        try:
            np_dtype = as_dtype(name)._numpy()
        except (TypeError, ValueError) as exc:
            raise InvalidArgumentError(f"make_ndarray: unsupported dtype {key}.") from exc
        if tensor.tensor_content:
            return np.frombuffer(tensor.tensor_content, dtype=np.dtype(np_dtype).newbyteorder(
                "<")).astype(np_dtype).reshape(dims)
        field = list(getattr(tensor, _FIELDS[name]))
        if name in ("float16", "bfloat16"):
            flat = np.array(field, np.uint16).view(np_dtype)
        elif name.startswith("complex"):
            flat = np.array(field[0::2], np.float64) + 1j * np.array(field[1::2], np.float64)
            flat = flat.astype(np_dtype)
        else:
            flat = np.array(field, dtype=np_dtype)
    if flat.size == 0:
        return np.zeros(dims, dtype=np_dtype or object)
    if flat.size < size:  # TF repeats the last value
        flat = np.concatenate([flat, np.repeat(flat[-1:], size - flat.size)])
    return flat.reshape(dims)

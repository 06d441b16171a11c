"""`tf.train.Example` and its parts, with the protobuf wire format written by hand.

The schema is TF's public `example.proto` / `feature.proto`:

    Example   { Features features = 1; }
    Features  { map<string, Feature> feature = 1; }   // entries: key = 1, value = 2
    Feature   { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2;
                             Int64List int64_list = 3; } }
    BytesList { repeated bytes value = 1; }
    FloatList { repeated float value = 1 [packed = true]; }
    Int64List { repeated int64 value = 1 [packed = true]; }

Serialization writes packed lists and the map entries in insertion order; parsing accepts packed and unpacked lists and skips unknown fields.

Example:
    >>> from ember.io.example_pb import Example, Features, Feature, Int64List
    >>> ex = Example(features=Features(feature={"a": Feature(int64_list=Int64List(value=[1, 2]))}))
    >>> data = ex.SerializeToString()
    >>> data
    b'\\n\\r\\n\\x0b\\n\\x01a\\x12\\x06\\x1a\\x04\\n\\x02\\x01\\x02'
    >>> list(Example.FromString(data).features.feature["a"].int64_list.value)
    [1, 2]
"""

from __future__ import annotations

import struct
from typing import Any, Iterable

import numpy as np

from ..backend.numpy.records import fields as _fields
from ..backend.numpy.records import read_varint as _read_varint

# -- wire format -------------------------------------------------------------------

def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64s are 10-byte two's complement varints
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(num: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _varint(num << 3 | 2) + _varint(len(payload)) + payload


def _signed64(n: int) -> int:
    return n - (1 << 64) if n >= 1 << 63 else n


# -- messages ------------------------------------------------------------------------

class _Message:
    __slots__ = ()

    def SerializeToString(self, deterministic: bool = False) -> bytes:
        return self._encode()

    @classmethod
    def FromString(cls, data: Any) -> Any:
        """Parses serialized bytes (a DecodeError-like ValueError for bad data)."""
        if hasattr(data, "numpy"):
            data = data.numpy()
        try:
            return cls._decode(bytes(data))
        except (ValueError, IndexError, struct.error) as e:
            raise ValueError(f"Error parsing message of type {cls.__name__}: {e}") from None

    def ParseFromString(self, data: Any) -> int:
        other = type(self).FromString(data)
        for k in self.__slots__:
            setattr(self, k, getattr(other, k))
        return len(data)

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and self._encode() == other._encode()

    def __ne__(self, other: Any) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return self._text("").rstrip("\n")

    __str__ = __repr__


class _List(_Message):
    __slots__ = ("value",)
    _kind = ""

    def __init__(self, value: Iterable = ()):
        self.value = [self._coerce(v) for v in
                      (value.numpy().ravel().tolist() if hasattr(value, "numpy") else
                       np.asarray(value, dtype=object).ravel().tolist()
                       if isinstance(value, np.ndarray) else value)]

    def _text(self, ind: str) -> str:
        return "".join(f"{ind}value: {v!r}\n" for v in self.value)


class BytesList(_List):
    """`tf.train.BytesList`: a list of bytes (str values are UTF-8 encoded)."""

    __slots__ = ()

    @staticmethod
    def _coerce(v: Any) -> bytes:
        if isinstance(v, str):
            return v.encode("utf-8")
        if not isinstance(v, (bytes, bytearray, np.bytes_)):
            raise TypeError(f"BytesList: {v!r} has type {type(v).__name__}, but expected "
                            f"one of: bytes")
        return bytes(v)

    def _encode(self) -> bytes:
        return b"".join(_field(1, v) for v in self.value)

    @classmethod
    def _decode(cls, buf: bytes) -> "BytesList":
        return cls([v for num, wt, v in _fields(buf) if num == 1 and wt == 2])


class FloatList(_List):
    """`tf.train.FloatList`: a list of float32 values."""

    __slots__ = ()

    @staticmethod
    def _coerce(v: Any) -> float:
        if isinstance(v, (str, bytes)):
            raise TypeError(f"FloatList: {v!r} has type {type(v).__name__}, but expected "
                            f"one of: int, float")
        return float(np.float32(v))

    def _encode(self) -> bytes:
        if not self.value:
            return b""
        return _field(1, np.asarray(self.value, "<f4").tobytes())

    @classmethod
    def _decode(cls, buf: bytes) -> "FloatList":
        out: list = []
        for num, wt, v in _fields(buf):
            if num == 1 and wt == 2:
                out.extend(np.frombuffer(v, "<f4").tolist())
            elif num == 1 and wt == 5:
                out.append(struct.unpack("<f", v)[0])
        return cls(out)


class Int64List(_List):
    """`tf.train.Int64List`: a list of int64 values."""

    __slots__ = ()

    @staticmethod
    def _coerce(v: Any) -> int:
        if isinstance(v, (float, np.floating, str, bytes)):
            raise TypeError(f"Int64List: {v!r} has type {type(v).__name__}, but expected "
                            f"one of: int")
        v = int(v)
        if not -(1 << 63) <= v < 1 << 63:
            raise ValueError(f"Int64List: value out of range: {v}")
        return v

    def _encode(self) -> bytes:
        if not self.value:
            return b""
        return _field(1, b"".join(_varint(v) for v in self.value))

    @classmethod
    def _decode(cls, buf: bytes) -> "Int64List":
        out: list = []
        for num, wt, v in _fields(buf):
            if num == 1 and wt == 2:
                pos = 0
                while pos < len(v):
                    n, pos = _read_varint(v, pos)
                    out.append(_signed64(n))
            elif num == 1 and wt == 0:
                out.append(_signed64(v))
        return cls(out)


_KINDS = (("bytes_list", BytesList, 1), ("float_list", FloatList, 2),
          ("int64_list", Int64List, 3))


class Feature(_Message):
    """`tf.train.Feature`: one of `bytes_list`, `float_list`, `int64_list`.

    Example:
        >>> from ember.io.example_pb import Feature, FloatList
        >>> Feature(float_list=FloatList(value=[0.5])).WhichOneof("kind")
        'float_list'
    """

    __slots__ = ("bytes_list", "float_list", "int64_list", "_kind")

    def __init__(self, bytes_list: Any = None, float_list: Any = None,
                 int64_list: Any = None):
        given = [(n, v) for n, v in (("bytes_list", bytes_list), ("float_list", float_list),
                                     ("int64_list", int64_list)) if v is not None]
        if len(given) > 1:
            raise ValueError("Feature: set only one of bytes_list, float_list, int64_list.")
        self._kind = given[0][0] if given else None
        for name, cls, _ in _KINDS:
            v = dict(given).get(name)
            if v is not None and not isinstance(v, cls):
                raise TypeError(f"Feature: {name} must be a {cls.__name__}, received "
                                f"{type(v).__name__}.")
            setattr(self, name, v if v is not None else cls())

    def WhichOneof(self, group: str) -> str | None:
        return self._kind

    def HasField(self, name: str) -> bool:
        return self._kind == name

    def _encode(self) -> bytes:
        for name, _, num in _KINDS:
            if self._kind == name:
                return _field(num, getattr(self, name)._encode())
        return b""

    @classmethod
    def _decode(cls, buf: bytes) -> "Feature":
        out = cls()
        for num, wt, v in _fields(buf):
            for name, kcls, knum in _KINDS:
                if num == knum and wt == 2:
                    setattr(out, name, kcls._decode(v))
                    out._kind = name
        return out

    def _text(self, ind: str) -> str:
        if self._kind is None:
            return ""
        return (f"{ind}{self._kind} {{\n" + getattr(self, self._kind)._text(ind + "  ")
                + f"{ind}}}\n")


class Features(_Message):
    """`tf.train.Features`: a map from names to `Feature`s (`.feature`)."""

    __slots__ = ("feature",)

    def __init__(self, feature: Any = None):
        self.feature = {}
        for k, v in (feature or {}).items():
            if not isinstance(v, Feature):
                raise TypeError(f"Features: feature[{k!r}] must be a tf.train.Feature, "
                                f"received {type(v).__name__}.")
            self.feature[str(k)] = v

    def _encode(self) -> bytes:
        return b"".join(_field(1, _field(1, k.encode("utf-8")) + _field(2, v._encode()))
                        for k, v in self.feature.items())

    @classmethod
    def _decode(cls, buf: bytes) -> "Features":
        out = cls()
        for num, wt, entry in _fields(buf):
            if num != 1 or wt != 2:
                continue
            key, value = b"", Feature()
            for n2, w2, v2 in _fields(entry):
                if n2 == 1 and w2 == 2:
                    key = v2
                elif n2 == 2 and w2 == 2:
                    value = Feature._decode(v2)
            out.feature[key.decode("utf-8")] = value
        return out

    def _text(self, ind: str) -> str:
        return "".join(f'{ind}feature {{\n{ind}  key: "{k}"\n{ind}  value {{\n'
                       + v._text(ind + "    ") + f"{ind}  }}\n{ind}}}\n"
                       for k, v in self.feature.items())


class Example(_Message):
    """`tf.train.Example`: `Features` under `.features`, serialized with
    `SerializeToString()` and read back with `Example.FromString(data)`.

    Example:
        >>> import ember as tf
        >>> from ember.io.example_pb import Example, Features, Feature, BytesList
        >>> ex = Example(features=Features(feature={"s": Feature(bytes_list=BytesList(value=[b"hi"]))}))
        >>> Example.FromString(ex.SerializeToString()) == ex
        True
    """

    __slots__ = ("features",)

    def __init__(self, features: Any = None):
        if features is not None and not isinstance(features, Features):
            raise TypeError(f"Example: features must be a tf.train.Features, received "
                            f"{type(features).__name__}.")
        self.features = features if features is not None else Features()

    def _encode(self) -> bytes:
        return _field(1, self.features._encode())

    @classmethod
    def _decode(cls, buf: bytes) -> "Example":
        out = cls()
        for num, wt, v in _fields(buf):
            if num == 1 and wt == 2:
                out.features = Features._decode(v)
        return out

    def _text(self, ind: str) -> str:
        return f"{ind}features {{\n" + self.features._text(ind + "  ") + f"{ind}}}\n"


__all__ = ["Example", "Features", "Feature", "BytesList", "FloatList", "Int64List"]

"""NumPy kernels reading records: read_file, decode_csv and parse_example (the protobuf
wire format of tf.train.Example, decoded here; ember/io/example_pb.py builds on it).

A failing kernel raises ValueError; dispatch turns it into the op's InvalidArgumentError.
"""

from __future__ import annotations

import io
import struct

import numpy as np

_OBJ = np.dtype(object)


def _objects(items: list, shape: tuple) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(shape)


# -- files ---------------------------------------------------------------------------

def read_file(filename):
    path = filename[()].decode("utf-8")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise ValueError(f"NotFoundError: {path}; No such file or directory") from None
    except IsADirectoryError:
        raise ValueError(f"{path} is a directory, not a file") from None
    return _objects([data], ())


# -- protobuf wire format --------------------------------------------------------------

def read_varint(buf: bytes, pos: int) -> tuple:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def fields(buf: bytes):
    """(field number, wire type, value) of each field of a message; value is an int for
    varints, bytes otherwise."""
    pos, n = 0, len(buf)
    while pos < n:
        key, pos = read_varint(buf, pos)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, pos = read_varint(buf, pos)
        elif wt == 1:
            val, pos = buf[pos:pos + 8], pos + 8
        elif wt == 2:
            ln, pos = read_varint(buf, pos)
            val, pos = buf[pos:pos + ln], pos + ln
        elif wt == 5:
            val, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported wire type {wt}")
        if pos > n:
            raise ValueError("truncated message")
        yield num, wt, val


def _signed64(n: int) -> int:
    return n - (1 << 64) if n >= 1 << 63 else n


def _list_values(kind: int, buf: bytes) -> list:
    out: list = []
    for num, wt, v in fields(buf):
        if num != 1:
            continue
        if kind == 1 and wt == 2:
            out.append(v)
        elif kind == 2 and wt == 2:
            out.extend(np.frombuffer(v, "<f4").tolist())
        elif kind == 2 and wt == 5:
            out.append(struct.unpack("<f", v)[0])
        elif kind == 3 and wt == 2:
            pos = 0
            while pos < len(v):
                x, pos = read_varint(v, pos)
                out.append(_signed64(x))
        elif kind == 3 and wt == 0:
            out.append(_signed64(v))
    return out


def example_features(data: bytes) -> dict:
    """{name: (kind, values)} of a serialized Example; kind 1 bytes, 2 float, 3 int64."""
    out: dict = {}
    for num, wt, feats in fields(data):
        if num != 1 or wt != 2:
            continue
        for n2, w2, entry in fields(feats):
            if n2 != 1 or w2 != 2:
                continue
            key, kind, values = b"", None, []
            for n3, w3, v3 in fields(entry):
                if n3 == 1 and w3 == 2:
                    key = v3
                elif n3 == 2 and w3 == 2:
                    for n4, w4, v4 in fields(v3):
                        if n4 in (1, 2, 3) and w4 == 2:
                            kind, values = n4, _list_values(n4, v4)
            out[key.decode("utf-8")] = (kind, values)
    return out


_KIND_OF = {"O": 1, "f": 2, "i": 3}
_KIND_NAME = {1: "string", 2: "float", 3: "int64", None: "empty"}


def parse_example(serialized, features):
    """`features`: ((key, is_var, np dtype, shape, default or None), ...)."""
    rows = serialized.ravel().tolist()
    parsed = []
    for r, data in enumerate(rows):
        try:
            parsed.append(example_features(data))
        except (ValueError, IndexError, struct.error) as e:
            raise ValueError(f"Could not parse example input {r}, value: {data[:40]!r} "
                             f"({e})") from None
    outs = []
    for key, is_var, dtype, shape, default in features:
        want = _KIND_OF[dtype.kind]
        per_row = []
        for r, feats in enumerate(parsed):
            kind, values = feats.get(key, (None, []))
            if kind is not None and kind != want and values:
                raise ValueError(f"Key: {key}.  Data types don't match. Data type: "
                                 f"{_KIND_NAME[kind]} but expected type: "
                                 f"{_KIND_NAME[want]} (example {r})")
            per_row.append(values)
        if is_var:
            width = max((len(v) for v in per_row), default=0)
            arr = np.zeros((len(rows), width), dtype) if dtype.kind != "O" else \
                _objects([b""] * (len(rows) * width), (len(rows), width))
            for r, v in enumerate(per_row):
                if v:
                    arr[r, :len(v)] = np.asarray(v, dtype=dtype if dtype.kind != "O"
                                                 else object)
            outs.append(arr.reshape(serialized.shape + (width,)))
            continue
        size = int(np.prod(shape, dtype=np.int64))
        arr = np.empty((len(rows), size), dtype)
        for r, v in enumerate(per_row):
            if not v:
                if default is None:
                    raise ValueError(f"Feature: {key} (data type: {_KIND_NAME[want]}) is "
                                     f"required but could not be found (example {r}).")
                arr[r] = np.broadcast_to(default, shape).ravel()
            elif len(v) != size:
                raise ValueError(f"Key: {key}.  Can't parse serialized Example: expected "
                                 f"{size} values for shape {list(shape)}, got {len(v)} "
                                 f"(example {r}).")
            else:
                arr[r] = np.asarray(v, dtype=dtype if dtype.kind != "O" else object)
        outs.append(arr.reshape(serialized.shape + tuple(shape)))
    return tuple(outs)


# -- CSV -------------------------------------------------------------------------------

def split_csv(rec: bytes, delim: bytes, quote: bool, r: int) -> list:
    """The fields of one CSV record, with RFC 4180 quoting when `quote` (an empty record
    has no fields, as TF)."""
    if not rec:
        return []
    if not quote:
        return rec.split(delim)
    out, i, n = [], 0, len(rec)
    while True:
        if i < n and rec[i:i + 1] == b'"':
            buf, i = bytearray(), i + 1
            while True:
                j = rec.find(b'"', i)
                if j < 0:
                    raise ValueError(f"Quoted field has to end with quote followed by "
                                     f"delim or end in record {r}: {rec!r}")
                buf += rec[i:j]
                if rec[j + 1:j + 2] == b'"':
                    buf += b'"'
                    i = j + 2
                    continue
                i = j + 1
                break
            out.append(bytes(buf))
            if i < n and rec[i:i + len(delim)] != delim:
                raise ValueError(f"Quote inside a string has to be escaped by another "
                                 f"quote in record {r}: {rec!r}")
        else:
            j = rec.find(delim, i)
            j = n if j < 0 else j
            field = rec[i:j]
            if b'"' in field:
                raise ValueError(f"Unquoted fields cannot have quotes/CRLFs inside in record "
                                 f"{r}: {rec!r}")
            out.append(field)
            i = j
        if i >= n:
            return out
        i += len(delim)
        if i == n:
            out.append(b"")
            return out


_PARSE_NAME = {np.dtype(np.float32): "float", np.dtype(np.float64): "double",
               np.dtype(np.int32): "int32", np.dtype(np.int64): "int64"}


def decode_csv(records, defaults, field_delim, use_quote_delim, na_value, select_cols):
    """`defaults`: ((np dtype, default or None), ...) per output column."""
    rows = records.ravel().tolist()
    ncol = len(defaults)
    cols: list = [[] for _ in range(ncol)]
    for r, rec in enumerate(rows):
        fs = split_csv(rec, field_delim, use_quote_delim, r)
        if select_cols is None:
            if len(fs) != ncol:
                raise ValueError(f"Expect {ncol} fields but have {len(fs)} in record {r}")
            picked = fs
        else:
            if len(fs) <= select_cols[-1]:
                raise ValueError(f"Expect at least {select_cols[-1] + 1} fields (select_cols "
                                 f"{list(select_cols)}) but have {len(fs)} in record {r}")
            picked = [fs[c] for c in select_cols]
        for f, (field, (dtype, default)) in enumerate(zip(picked, defaults)):
            if field == b"" or field == na_value:
                if default is None:
                    raise ValueError(f"Field {f} is required but missing in record {r}!")
                cols[f].append(default)
            elif dtype.kind == "O":
                cols[f].append(field)
            else:
                try:
                    text = field.decode("utf-8").strip()
                    v = float(text) if dtype.kind == "f" else int(text)
                except (UnicodeDecodeError, ValueError):
                    raise ValueError(f"Field {f} in record {r} is not a valid "
                                     f"{_PARSE_NAME[dtype]}: {field.decode('utf-8', 'replace')}"
                                     ) from None
                if dtype.kind == "i" and not np.iinfo(dtype).min <= v <= np.iinfo(dtype).max:
                    raise ValueError(f"Field {f} in record {r} is not a valid "
                                     f"{_PARSE_NAME[dtype]}: {text} is out of range")
                cols[f].append(v)
    return tuple(_objects(c, records.shape) if dt.kind == "O" else
                 np.asarray(c, dtype=dt).reshape(records.shape)
                 for c, (dt, _) in zip(cols, defaults))



KERNELS = {"read_file": read_file, "parse_example": parse_example, "decode_csv": decode_csv}


# -- images (Pillow, imported when an image op runs) -----------------------------------

_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def _pil_array(img, channels: int, dtype):
    mode = img.mode
    if channels == 0:
        if mode in ("I;16", "I;16B", "I;16L", "I") and dtype == np.dtype(np.uint16):
            return np.asarray(img, dtype=np.uint16)[..., None]
        if mode == "P":
            mode = "RGBA" if "transparency" in img.info else "RGB"
        elif mode not in ("L", "LA", "RGB", "RGBA"):
            mode = "L" if mode in ("1", "I", "I;16", "I;16B", "I;16L", "F") else "RGB"
    else:
        mode = _MODES[channels]
    if mode == "L" and img.mode.startswith("I"):
        arr = (np.asarray(img, dtype=np.uint32) >> 8).astype(np.uint8)
    else:
        arr = np.asarray(img.convert(mode) if img.mode != mode else img)
    if arr.ndim == 2:
        arr = arr[..., None]
    if dtype == np.dtype(np.uint16):
        arr = arr.astype(np.uint16) * 257
    return np.ascontiguousarray(arr, dtype=dtype)


def decode_image(contents, channels, dtype, fmt, animations):
    from PIL import Image, ImageSequence  # optional: PIL
    try:
        img = Image.open(io.BytesIO(contents[()]))
        img.load()
    except Exception as e:  # noqa: BLE001 - Pillow raises many kinds
        raise ValueError(f"could not decode the image: {e}") from None
    got = (img.format or "").upper()
    if fmt and got not in fmt:
        raise ValueError(f"the data is {got or 'not an image'}, not {' or '.join(fmt)}")
    frames = getattr(img, "n_frames", 1)
    if animations and got == "GIF":
        return np.stack([_pil_array(f.convert("RGB"), channels or 3, dtype)
                         for f in ImageSequence.Iterator(img)][:frames])
    return _pil_array(img, channels, dtype)


def encode_image(image, fmt, quality, compression):
    from PIL import Image  # optional: PIL
    c = image.shape[-1]
    arr = image[..., 0] if c == 1 else image
    img = Image.fromarray(np.ascontiguousarray(arr), _MODES[c])
    buf = io.BytesIO()
    if fmt == "PNG":
        img.save(buf, "PNG", compress_level=6 if compression < 0 else compression)
    else:
        img.save(buf, "JPEG", quality=quality)
    return _objects([buf.getvalue()], ())


KERNELS["decode_image"] = decode_image
KERNELS["encode_image"] = encode_image

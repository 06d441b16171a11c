"""NumPy kernels over string tensors (object arrays of `bytes`): tf.strings and tf.io ops.

A failing kernel raises ValueError; dispatch turns it into the op's InvalidArgumentError.
"""

from __future__ import annotations

import numpy as np


def _objects(items: list, shape: tuple) -> np.ndarray:
    """An object array of `shape` holding `items` (bytes) in C order."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(shape)


def _parse_number(s: bytes, out_type: np.dtype):
    try:
        text = s.decode("utf-8").strip()
        if out_type.kind == "f":
            return float(text)
        return int(text)
    except (UnicodeDecodeError, ValueError):
        raise ValueError(f"StringToNumberOp could not correctly convert string: "
                         f"{s.decode('utf-8', 'replace')!r} to {out_type.name}") from None


def string_to_number(x, out_type):
    vals = [_parse_number(s, out_type) for s in x.ravel().tolist()]
    if out_type.kind in "iu":
        info = np.iinfo(out_type)
        for v in vals:
            if not info.min <= v <= info.max:
                raise ValueError(f"StringToNumberOp: {v} is out of range for "
                                 f"{out_type.name}")
    return np.asarray(vals, dtype=out_type).reshape(x.shape)


def string_length(x, unit):
    if unit == "UTF8_CHAR":
        vals = [len(s.decode("utf-8", "replace")) for s in x.ravel().tolist()]
    else:
        vals = [len(s) for s in x.ravel().tolist()]
    return np.asarray(vals, dtype=np.int32).reshape(x.shape)


def _format(v, kind: str, precision: int, scientific: bool, shortest: bool, width: int,
            fill: str) -> bytes:
    if kind == "b":
        text = "true" if v else "false"
    elif kind == "f":
        if shortest:
            text = f"{v:g}"
        else:
            p = 6 if precision < 0 else precision
            text = f"{v:.{p}e}" if scientific else f"{v:.{p}f}"
    else:
        text = str(int(v))
    if width > 0 and len(text) < width:
        text = text.rjust(width, fill or " ") if fill != "0" or kind == "b" else \
            ("-" + text[1:].rjust(width - 1, "0") if text.startswith("-") else
             text.rjust(width, "0"))
    return text.encode("utf-8")


def as_string(x, precision, scientific, shortest, width, fill):
    kind = x.dtype.kind
    items = [_format(v, kind, precision, scientific, shortest, width, fill)
             for v in x.ravel().tolist()]
    return _objects(items, x.shape)


def string_join(*xs, separator):
    b = np.broadcast_arrays(*xs) if xs else []
    shape = b[0].shape if b else ()
    sep = separator
    rows = zip(*[a.ravel().tolist() for a in b])
    return _objects([sep.join(r) for r in rows], shape)


def string_split(x, sep, maxsplit):
    s = x[()]
    if sep is None:
        parts = s.split(None, maxsplit) if maxsplit >= 0 else s.split()
    else:
        parts = s.split(sep, maxsplit)
    return _objects(parts, (len(parts),))


KERNELS = {"string_to_number": string_to_number, "string_length": string_length,
           "as_string": as_string, "string_join": string_join, "string_split": string_split}

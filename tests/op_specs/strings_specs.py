"""Specs of the string and tf.io primitives (ember/prims/strings.py, ember/io/)."""

from __future__ import annotations

import numpy as np

from . import Case, varying


def _obj(items, shape=None):
    out = np.empty(len(items), dtype=object)
    out[:] = [s.encode() if isinstance(s, str) else s for s in items]
    return out.reshape(shape if shape is not None else (len(items),))


NUMS = _obj(["1.5", "-2", " 3e2 ", "0", "7", "-0.25"], (2, 3))
INTS = _obj(["1", "-2", "30", "0"], (2, 2))
WORDS = _obj(["a", "héllo", "", "xyz"], (2, 2))


def _len(x, unit):
    f = (lambda s: len(s.decode())) if unit == "UTF8_CHAR" else len
    return np.vectorize(f, otypes=[np.int32])(x) if x.size else np.zeros(x.shape, np.int32)


def _join(*xs, separator):
    b = np.broadcast_arrays(*xs)
    out = np.empty(b[0].shape, dtype=object)
    for idx in np.ndindex(out.shape):
        out[idx] = separator.join(a[idx] for a in b)
    return out


def _fmt(x, **params):
    out = np.empty(x.shape, dtype=object)
    for idx in np.ndindex(x.shape):
        out[idx] = (f"{x[idx]:.2f}" if x.dtype.kind == "f" else str(x[idx])).encode()
    return out


SPECS = {
    "string_to_number": varying([
        Case((NUMS,), lambda x, out_type: np.array(
            [float(s) for s in x.ravel()], np.float64).reshape(x.shape),
            {"out_type": np.dtype(np.float64)}),
        Case((INTS,), lambda x, out_type: np.array(
            [int(s) for s in x.ravel()], np.int64).reshape(x.shape),
            {"out_type": np.dtype(np.int64)}),
    ], shapes="elementwise"),
    "string_length": varying([
        Case((WORDS,), _len, {"unit": "BYTE"}),
        Case((WORDS,), _len, {"unit": "UTF8_CHAR"}),
    ], shapes="elementwise"),
    "as_string": varying([
        Case((np.array([[1.5, -2.25], [0.0, 3.0]]),), _fmt,
             {"precision": 2, "scientific": False, "shortest": False, "width": -1,
              "fill": ""}, specials=()),
        Case((np.array([1, -20, 300], np.int32),), _fmt,
             {"precision": -1, "scientific": False, "shortest": False, "width": -1,
              "fill": ""}),
    ], shapes="elementwise"),
    "string_join": [
        Case((WORDS, _obj(["-", "+"])), _join, {"separator": b","}, shapes="broadcast"),
    ],
    "string_split": [
        Case((np.array(b"a,b,,c", dtype=object),),
             lambda x, sep, maxsplit: _obj([b"a", b"b", b"", b"c"]),
             {"sep": b",", "maxsplit": -1}, vary="none"),
        Case((np.array(b"", dtype=object),),
             lambda x, sep, maxsplit: _obj([b""]), {"sep": b",", "maxsplit": -1}, vary="none"),
        Case((np.array(b" ", dtype=object),),
             lambda x, sep, maxsplit: _obj([]), {"sep": None, "maxsplit": -1}, vary="none"),
    ],
}


# -- tf.io primitives ---------------------------------------------------------------------

def _example(i: int, f: list) -> bytes:
    from ember.io.example_pb import Example, Feature, Features, FloatList, Int64List
    return Example(features=Features(feature={
        "i": Feature(int64_list=Int64List(value=[i])),
        "f": Feature(float_list=FloatList(value=f))})).SerializeToString()


EXAMPLES = _obj([_example(3, [0.5]), _example(-1, []), _example(7, [1.5, 2.5])])
PARSE_FEATURES = (("f", True, np.dtype(np.float32), None, None),
                  ("i", False, np.dtype(np.int64), (), None))


def _parse_ref(serialized, features):
    from ember.io.example_pb import Example
    rows = [Example.FromString(s).features.feature for s in serialized.ravel()]
    fs = [list(r["f"].float_list.value) for r in rows]
    width = max((len(v) for v in fs), default=0)
    f = np.zeros((len(rows), width), np.float32)
    for k, v in enumerate(fs):
        f[k, :len(v)] = v
    i = np.array([r["i"].int64_list.value[0] for r in rows], np.int64)
    return f, i


CSV = _obj(['1,"a,b",2.5', ',x,', '7,"q""",-1'])
CSV_DEFAULTS = ((np.dtype(np.int32), np.int32(-1)), (np.dtype(object), None),
                (np.dtype(np.float64), np.float64(0.0)))


def _csv_ref(records, **params):
    import csv
    rows = list(csv.reader([r.decode() for r in records.ravel()]))
    a = np.array([int(r[0]) if r[0] else -1 for r in rows], np.int32)
    b = _obj([r[1] for r in rows], (len(rows),))
    c = np.array([float(r[2]) if r[2] else 0.0 for r in rows], np.float64)
    return a, b, c


def _png_bytes() -> bytes:
    import io as _io
    from PIL import Image
    buf = _io.BytesIO()
    Image.fromarray(IMAGE).save(buf, "PNG")
    return buf.getvalue()


IMAGE = (np.arange(2 * 3 * 3) * 11 % 256).astype(np.uint8).reshape(2, 3, 3)


def _tmp_file() -> str:
    import os
    import tempfile
    path = os.path.join(tempfile.mkdtemp(prefix="ember_specs_"), "f.bin")
    with open(path, "wb") as f:
        f.write(b"file\x00data")
    return path


SPECS.update({
    "parse_example": [
        Case((EXAMPLES,), _parse_ref, {"features": PARSE_FEATURES}),
    ],
    "decode_csv": [
        Case((CSV,), _csv_ref, {"defaults": CSV_DEFAULTS, "field_delim": b",",
                                "use_quote_delim": True, "na_value": None,
                                "select_cols": None}),
    ],
    "read_file": [
        Case((np.array(_tmp_file().encode(), dtype=object),),
             lambda filename: np.array(b"file\x00data", dtype=object), vary="none"),
    ],
    "decode_image": [
        Case((np.array(_png_bytes(), dtype=object),), lambda c, **p: IMAGE,
             {"channels": 0, "dtype": np.dtype(np.uint8), "fmt": ("PNG",),
              "animations": False}, vary="none"),
    ],
    "encode_image": [
        Case((IMAGE,), lambda im, **p: np.array(_png_bytes(), dtype=object),
             {"fmt": "PNG", "quality": 0, "compression": -1}, vary="none",
             compare_values=False),
    ],
})

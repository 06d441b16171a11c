"""Specs of the text primitives of issue 16 (ember/prims/strings.py, kernels in
ember/backend/numpy/text.py): plain-Python references, independent of the kernels."""

from __future__ import annotations

import re

import numpy as np

from . import Case, varying


def _obj(items, shape=None):
    out = np.empty(len(items), dtype=object)
    out[:] = [s.encode() if isinstance(s, str) else s for s in items]
    return out.reshape(shape if shape is not None else (len(items),))


def _each(fn, out_dtype=object):
    def ref(x, **params):
        out = np.empty(x.shape, dtype=out_dtype)
        for idx in np.ndindex(x.shape):
            out[idx] = fn(x[idx], **params)
        return out
    return ref


WORDS = _obj(["Hello", " wörld\t", "", "ÀbC", "a1b22c", "\n x \n"], (2, 3))
TOKENS = _obj(["ab", "cde", "héllo", "xyzw"], (2, 2))

# FarmHash Fingerprint64 and SipHash-2-4 (key (1, 2)) of the strings of HASHED, computed
# with the pyfarmhash package and checked against TF's documented bucket values.
FINGERPRINT = {b"Hello": 15404698994557526151, b"TensorFlow": 4265654129848386254,
               b"2.x": 943390013796179357, b"king": 13470331335490262638,
               b"crimson": 8749896438418896594, b"": 11160318154034397263,
               "héllo wörld, a longer string past sixteen bytes".encode():
                   12724630474040424881, b"x" * 70: 5457250325824655745}
SIPHASH_1_2 = {b"Hello": 12784971068147365274, b"TensorFlow": 10239390250349784926,
               b"2.x": 2342011335358101778, b"king": 13627693380223963231,
               b"crimson": 12398711751575910172, b"": 9667169246107117435,
               "héllo wörld, a longer string past sixteen bytes".encode():
                   12297173949503377640, b"x" * 70: 15306645102669543729}
HASHED = _obj(list(FINGERPRINT), (2, 4))


def _bucket(s, num_buckets, method, key):
    table = FINGERPRINT if method == "fast" else SIPHASH_1_2
    return table[s] % num_buckets


def _substr(x, pos, length, unit):
    xb, pb, lb = np.broadcast_arrays(x, pos, length)
    out = np.empty(xb.shape, dtype=object)
    for idx in np.ndindex(xb.shape):
        s = xb[idx].decode() if unit == "UTF8_CHAR" else xb[idx]
        p, n = int(pb[idx]), int(lb[idx])
        p = p + len(s) if p < 0 else p
        piece = s[p:] if n < 0 else s[p:p + n]
        out[idx] = piece.encode() if unit == "UTF8_CHAR" else piece
    return out


def _reduce_join(x, axis=None, keepdims=False, separator=b""):
    axes = tuple(range(x.ndim)) if axis is None else tuple(axis)
    out_shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape)) if keepdims \
        else tuple(d for i, d in enumerate(x.shape) if i not in axes)
    keep = [i for i in range(x.ndim) if i not in axes]
    out = np.empty(tuple(x.shape[i] for i in keep), dtype=object)
    for idx in np.ndindex(out.shape):
        full = [slice(None)] * x.ndim
        for i, v in zip(keep, idx):
            full[i] = v
        sub = x[tuple(full)]  # the reduced axes, in order
        out[idx] = separator.join(np.asarray(sub, dtype=object).ravel().tolist())
    return out.reshape(out_shape)


def _text(v, kind):
    """A number as TF's StrCat prints it: floats with 6 (float64: 15) significant digits,
    or 9 (17) where those don't give the number back."""
    if kind == "O":
        return v.decode()
    if kind == "f":
        short, full = (15, 17) if v.dtype == np.float64 else (6, 9)
        text = f"{float(v):.{short}g}"
        return text if v.dtype.type(float(text)) == v else f"{float(v):.{full}g}"
    return str(int(v))


def _nested(a, depth=0):
    """TF's print of a tensor: `[1 2]` rows, rows of rank k joined by k - 1 blank lines
    and indented one space per level; strings quoted inside tensors, bare as scalars."""
    if a.ndim == 0:
        return _text(a[()], a.dtype.kind)
    if a.ndim == 1:
        items = [f'"{v.decode()}"' if a.dtype.kind == "O" else _text(v, a.dtype.kind)
                 for v in a]
        return "[" + " ".join(items) + "]"
    sep = "\n" * (a.ndim - 1) + " " * (depth + 1)
    return "[" + sep.join(_nested(sub, depth + 1) for sub in a) + "]"


def _format(*xs, template, placeholder, summarize):
    parts = template.split(placeholder)
    out = parts[0]
    for x, rest in zip(xs, parts[1:]):
        out += _nested(x).encode() + rest
    return np.array(out, dtype=object)


def _rows(rows, dtype=object):
    flat = [v for r in rows for v in r]
    values = _obj(flat) if dtype is object else np.asarray(flat, dtype).reshape(len(flat))
    return values, np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)


def _split_rows(x, sep, maxsplit):
    return _rows([s.split(sep, maxsplit) if sep is not None else s.split() for s in x])


def _chars(x, unit, errors, replacement_char):
    if unit == "BYTE":
        return _rows([[bytes([c]) for c in s] for s in x])
    return _rows([[ch.encode() for ch in s.decode()] for s in x])


def _decode(x, input_encoding, errors, replacement_char, replace_control_characters):
    return _rows([[ord(c) for c in s.decode(input_encoding.lower())] for s in x], np.int32)


def _ngrams(values, splits, widths, separator, left_pad, right_pad, pad_width,
            preserve_short):
    rows = []
    for i in range(len(splits) - 1):
        row = list(values[splits[i]:splits[i + 1]])
        grams = []
        for w in widths:
            p = min(max(widths) - 1 if pad_width < 0 else pad_width, w - 1)
            padded = [left_pad] * p + row + [right_pad] * p
            grams += [separator.join(padded[j:j + w]) for j in range(len(padded) - w + 1)]
        rows.append(grams)
    out, out_splits = _rows(rows)
    return out, out_splits.astype(splits.dtype)


def _find(keys, table_keys, table_values, default):
    table = dict(zip(table_keys.tolist(), table_values.tolist()))
    out = np.empty(keys.shape, dtype=table_values.dtype)
    for idx in np.ndindex(keys.shape):
        out[idx] = table.get(keys[idx], default[()])
    return out


TABLE_KEYS = _obj(["apple", "kiwi", "pear"])
LOOKUPS = _obj(["pear", "fig", "apple", "", "kiwi", "pear"], (3, 2))
RAGGED_WORDS = _obj(["the", "quick", "brown", "fox", "jumps"])

SPECS = {
    "string_lower": varying([
        Case((WORDS,), _each(lambda s, encoding: s.lower()), {"encoding": ""}),
        Case((WORDS,), _each(lambda s, encoding: s.decode().lower().encode()),
             {"encoding": "utf-8"}),
    ], shapes="elementwise"),
    "string_upper": varying([
        Case((WORDS,), _each(lambda s, encoding: s.upper()), {"encoding": ""}),
        Case((WORDS,), _each(lambda s, encoding: s.decode().upper().encode()),
             {"encoding": "utf-8"}),
    ], shapes="elementwise"),
    "string_strip": varying([
        Case((WORDS,), _each(lambda s: s.strip(b" \t\n\r\v\f"))),
    ], shapes="elementwise"),
    "regex_replace": varying([
        Case((WORDS,), _each(lambda s, pattern, rewrite, replace_global:
                             re.sub(rb"(\d)", rb"<\1>", s)),
             {"pattern": rb"(\d)", "rewrite": rb"<\1>", "replace_global": True}),
        Case((WORDS,), _each(lambda s, pattern, rewrite, replace_global:
                             re.sub(rb"[a-z]+", rb"[\g<0>]", s, count=1)),
             {"pattern": rb"[a-z]+", "rewrite": rb"[\0]", "replace_global": False}),
    ], shapes="elementwise"),
    "regex_full_match": varying([
        Case((WORDS,), _each(lambda s, pattern: re.fullmatch(rb"[a-zA-Z0-9]*", s) is not None,
                             np.bool_), {"pattern": rb"[a-zA-Z0-9]*"}),
    ], shapes="elementwise"),
    "substr": [
        Case((TOKENS, np.array([[0, 1], [-1, 1]], np.int32), np.array([2, -1], np.int32)),
             _substr, {"unit": "BYTE"}, shapes="broadcast"),
        Case((TOKENS, np.array(1, np.int64), np.array([[1, 3], [2, 0]], np.int64)),
             _substr, {"unit": "UTF8_CHAR"}, shapes="broadcast"),
    ],
    "reduce_join": [
        Case((_obj(["a", "b", "c", "d", "e", "f"], (2, 3)),), _reduce_join,
             {"axis": (1,), "keepdims": False, "separator": b", "}),
        Case((_obj(["a", "b", "c", "d", "e", "f"], (2, 3)),), _reduce_join,
             {"axis": None, "keepdims": False}, shapes="reduce"),
    ],
    "string_format": varying([
        Case((np.array([1, -2, 3], np.int32), _obj(["x", "y", "z"])), _format,
             {"template": b"a {} and {}!", "placeholder": b"{}", "summarize": -1}),
        Case((np.array(2.5), np.array(7, np.int64)), _format,
             {"template": b"<%> <%>", "placeholder": b"<%>", "summarize": 3}, vary="none"),
    ], shapes="elementwise", specials=()),
    "string_to_hash_bucket": varying([
        Case((HASHED,), _each(_bucket, np.int64),
             {"num_buckets": 3, "method": "fast", "key": None}),
        Case((HASHED,), _each(_bucket, np.int64),
             {"num_buckets": 1000, "method": "strong", "key": (1, 2)}),
    ], shapes="elementwise"),
    "string_split_rows": varying([
        Case((_obj(["a b  c", "", " d ", "e,f"]),), _split_rows, {"sep": None, "maxsplit": -1}),
        Case((_obj(["a,b,,c", "", "d", ",e,"]),), _split_rows, {"sep": b",", "maxsplit": -1}),
        Case((_obj(["a,b,,c", "", "d", ",e,"]),), _split_rows, {"sep": b",", "maxsplit": 1}),
    ], shapes="vector"),
    "string_chars": varying([
        Case((_obj(["héllo", "", "ab"]),), _chars,
             {"unit": "UTF8_CHAR", "errors": "replace", "replacement_char": 0xFFFD}),
        Case((_obj(["héllo", "", "ab"]),), _chars,
             {"unit": "BYTE", "errors": "replace", "replacement_char": 0xFFFD}),
    ], shapes="vector"),
    "unicode_decode": varying([
        Case((_obj(["Göödnight", "", "😊x"]),), _decode,
             {"input_encoding": "UTF-8", "errors": "replace", "replacement_char": 0xFFFD,
              "replace_control_characters": False}),
    ], shapes="vector"),
    "string_ngrams": varying([
        Case((RAGGED_WORDS, np.array([0, 3, 3, 5], np.int64)), _ngrams,
             {"widths": (2,), "separator": b" ", "left_pad": b"", "right_pad": b"",
              "pad_width": 0, "preserve_short": False}),
        Case((RAGGED_WORDS, np.array([0, 1, 5], np.int32)), _ngrams,
             {"widths": (1, 3), "separator": b"_", "left_pad": b"<", "right_pad": b">",
              "pad_width": -1, "preserve_short": False}),
        Case((_obj([]), np.array([0, 0, 0], np.int64)), _ngrams,
             {"widths": (2,), "separator": b" ", "left_pad": b"", "right_pad": b"",
              "pad_width": 0, "preserve_short": True}),
    ], vary="values"),
    "lookup_table_find": varying([
        Case((LOOKUPS, TABLE_KEYS, np.array([1.5, -2.0, 3.0]), np.array(0.0)), _find),
        Case((LOOKUPS, TABLE_KEYS, _obj(["A", "K", "P"]), np.array(b"?", dtype=object)),
             _find),
        Case((np.array([[3, 9], [-1, 7]], np.int64), np.array([-1, 3, 7], np.int64),
              np.array([10, 30, 70], np.int32), np.array(-5, np.int32)), _find),
        Case((np.zeros((0, 2), np.int64), np.array([1], np.int64), np.array([2], np.int32),
              np.array(0, np.int32)), _find),
    ], vary="values"),
}

"""NumPy kernels of the text primitives (issue 16): case, strip, regexes, substr,
reduce_join, format, hash buckets, ragged splits, unicode decoding, ngrams, and the hash
table lookup of `tf.lookup`. String tensors are object arrays of `bytes`.

A ragged result is returned as `(values, row_splits)`: row i is
`values[row_splits[i]:row_splits[i + 1]]` (int64 splits, as TF's default).

A failing kernel raises ValueError; dispatch turns it into the op's InvalidArgumentError.
"""

from __future__ import annotations

import codecs
import functools
import re

import numpy as np

from .hashing import fingerprint64, siphash24


def _objects(items: list, shape: tuple) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(shape)


def _map(x: np.ndarray, fn) -> np.ndarray:
    return _objects([fn(s) for s in x.ravel().tolist()], x.shape)


def _ragged(rows: list, dtype=object) -> tuple:
    """(values, int64 row_splits) of a list of lists."""
    splits = np.zeros(len(rows) + 1, np.int64)
    np.cumsum([len(r) for r in rows], out=splits[1:])
    flat = [v for r in rows for v in r]
    values = _objects(flat, (len(flat),)) if dtype is object else np.asarray(flat, dtype)
    return values, splits


# -- elementwise -----------------------------------------------------------------------

def string_lower(x, encoding=""):
    if encoding:
        return _map(x, lambda s: s.decode(encoding).lower().encode(encoding))
    return _map(x, bytes.lower)


def string_upper(x, encoding=""):
    if encoding:
        return _map(x, lambda s: s.decode(encoding).upper().encode(encoding))
    return _map(x, bytes.upper)


def string_strip(x):
    return _map(x, bytes.strip)  # ASCII whitespace, as TF's StringStrip


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: bytes) -> re.Pattern:
    """A regex (RE2 syntax, as far as Python's `re` shares it) over bytes."""
    return re.compile(pattern)


@functools.lru_cache(maxsize=256)
def _rewrite(rewrite: bytes) -> tuple:
    """RE2's rewrite string as pieces: bytes, or group numbers (`\\0` whole match,
    `\\1`..`\\9` groups, `\\\\` a backslash)."""
    pieces: list = []
    lit = bytearray()
    i = 0
    while i < len(rewrite):
        c = rewrite[i]
        if c == 0x5C and i + 1 < len(rewrite):
            n = rewrite[i + 1]
            if 0x30 <= n <= 0x39:
                if lit:
                    pieces.append(bytes(lit))
                    lit = bytearray()
                pieces.append(n - 0x30)
                i += 2
                continue
            if n == 0x5C:
                lit.append(0x5C)
                i += 2
                continue
            raise ValueError(f"invalid rewrite pattern {rewrite!r}: a backslash must be "
                             f"followed by a digit or a backslash")
        lit.append(c)
        i += 1
    if lit:
        pieces.append(bytes(lit))
    return tuple(pieces)


def regex_replace(x, pattern, rewrite, replace_global=True):
    rx = compile_pattern(pattern)
    pieces = _rewrite(rewrite)

    def sub(m):
        return b"".join(p if isinstance(p, bytes) else (m.group(p) or b"") for p in pieces)

    count = 0 if replace_global else 1
    return _map(x, lambda s: rx.sub(sub, s, count=count))


def regex_full_match(x, pattern):
    rx = compile_pattern(pattern)
    vals = [rx.fullmatch(s) is not None for s in x.ravel().tolist()]
    return np.asarray(vals, dtype=bool).reshape(x.shape)


def _decode_keep(s: bytes) -> str:
    return s.decode("utf-8", "surrogateescape")


def substr(x, pos, length, unit="BYTE"):
    xb, pb, lb = np.broadcast_arrays(x, pos, length)
    out = np.empty(xb.shape, dtype=object)
    chars = unit == "UTF8_CHAR"
    for idx in np.ndindex(xb.shape):
        s = xb[idx]
        seq = _decode_keep(s) if chars else s
        n, p, ln = len(seq), int(pb[idx]), int(lb[idx])
        start = p + n if p < 0 else p
        if not 0 <= start <= n:
            raise ValueError(f"pos {p} out of range for string {s!r} of length {n} at index "
                             f"{list(idx)}")
        piece = seq[start:] if ln < 0 else seq[start:start + ln]
        out[idx] = piece.encode("utf-8", "surrogateescape") if chars else piece
    return out


def reduce_join(x, axis=None, keepdims=False, separator=b""):
    axes = tuple(range(x.ndim)) if axis is None else tuple(axis)
    keep = [i for i in range(x.ndim) if i not in axes]
    outer = tuple(x.shape[i] for i in keep)
    k = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    rows = np.transpose(x, keep + list(axes)).reshape((int(np.prod(outer, dtype=np.int64)), k))
    joined = [separator.join(r) for r in rows.tolist()]
    shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape)) if keepdims else outer
    return _objects(joined, shape)


# -- format ------------------------------------------------------------------------------

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "'": "\\'",
            "\\": "\\\\"}


def _c_escape(s: bytes) -> str:
    """`s` C-escaped as TF prints strings inside tensors (UTF-8 kept, other bytes \\xNN)."""
    out = []
    for ch in s.decode("utf-8", "surrogateescape"):
        c = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif 0xDC80 <= c <= 0xDCFF:  # an invalid byte
            out.append(f"\\x{c - 0xDC00:02x}")
        elif c < 0x20 or c == 0x7F:
            out.append(f"\\x{c:02x}")
        else:
            out.append(ch)
    return "".join(out)


def _scalar_text(v, kind: str, quote: bool) -> str:
    if kind in "OSU":
        if quote:
            return '"' + _c_escape(v if isinstance(v, bytes) else str(v).encode()) + '"'
        return v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else str(v)
    if kind == "b":
        return "1" if v else "0"
    if kind == "f":
        f = float(v)
        if f != f or f in (float("inf"), float("-inf")):
            return {"nan": "nan", "inf": "inf", "-inf": "-inf"}[repr(f)]
        digits = (6, 9) if np.dtype(type(v)).itemsize <= 4 else (15, 17)
        text = f"{f:.{digits[0]}g}"
        if type(v)(float(text)) != v:
            text = f"{f:.{digits[1]}g}"
        return text
    if kind == "c":
        return str(complex(v))
    return str(int(v))


def _summarize(x: np.ndarray, summarize: int, depth: int = 0) -> str:
    n = x.shape[0]
    cut = summarize >= 0 and n > 2 * summarize
    picks = list(range(summarize)) + [None] + list(range(n - summarize, n)) if cut \
        else list(range(n))
    if x.ndim == 1:
        kind = x.dtype.kind
        items = ["..." if i is None else _scalar_text(x[i], kind, True) for i in picks]
        return "[" + " ".join(items) + "]"
    sep = "\n" * (x.ndim - 1) + " " * (depth + 1)
    items = ["..." if i is None else _summarize(x[i], summarize, depth + 1) for i in picks]
    return "[" + sep.join(items) + "]"


def format_value(x: np.ndarray, summarize: int) -> str:
    """A tensor as TF's `tf.strings.format` prints it (`[1 2 3]`, rows on new lines,
    `...` past `summarize` entries per dimension; a scalar string bare)."""
    if x.ndim == 0:
        return _scalar_text(x[()], x.dtype.kind, False)
    return _summarize(x, summarize)


def string_format(*xs, template, placeholder, summarize):
    parts = template.split(placeholder)
    if len(parts) - 1 != len(xs):
        raise ValueError(f"the template has {len(parts) - 1} placeholders but {len(xs)} "
                         f"tensors were given")
    out = [parts[0]]
    for x, rest in zip(xs, parts[1:]):
        out.append(format_value(x, summarize).encode("utf-8", "surrogateescape"))
        out.append(rest)
    return np.array(b"".join(out), dtype=object)


# -- hashing -----------------------------------------------------------------------------

def string_to_hash_bucket(x, num_buckets, method="fast", key=None):
    if method == "strong":
        k = (int(key[0]), int(key[1]))
        vals = [siphash24(k, s) % num_buckets for s in x.ravel().tolist()]
    else:
        vals = [fingerprint64(s) % num_buckets for s in x.ravel().tolist()]
    return np.asarray(vals, dtype=np.int64).reshape(x.shape)


# -- ragged results ----------------------------------------------------------------------

def split_one(s: bytes, sep, maxsplit: int) -> list:
    if sep is None:
        return s.split(None, maxsplit) if maxsplit >= 0 else s.split()
    return s.split(sep, maxsplit)


def string_split_rows(x, sep, maxsplit):
    return _ragged([split_one(s, sep, maxsplit) for s in x.tolist()])


_MARK = "\ud800"  # a lone surrogate: no valid input decodes to it


def _mark_errors(exc: UnicodeDecodeError) -> tuple:
    return _MARK, exc.end


codecs.register_error("ember_mark", _mark_errors)
_ENCODINGS = {"UTF-8": "utf-8", "UTF-16-BE": "utf-16-be", "UTF-32-BE": "utf-32-be"}


def _codepoints(s: bytes, encoding: str, errors: str, replacement: int,
                control: bool) -> list:
    text = s.decode(_ENCODINGS[encoding], "strict" if errors == "strict" else "ember_mark")
    out = []
    for ch in text:
        c = ord(ch)
        if ch == _MARK:
            if errors == "ignore":
                continue
            c = replacement
        elif control and c < 0x20:
            c = replacement
        out.append(c)
    return out


def unicode_decode(x, input_encoding, errors, replacement_char, replace_control_characters):
    try:
        rows = [_codepoints(s, input_encoding, errors, replacement_char,
                            replace_control_characters) for s in x.tolist()]
    except UnicodeDecodeError as e:
        raise ValueError(f"invalid {input_encoding} input ({e}); pass errors='replace' "
                         f"or errors='ignore' to decode it anyway") from None
    return _ragged(rows, np.int32)


def string_chars(x, unit, errors="replace", replacement_char=0xFFFD):
    if unit == "BYTE":
        return _ragged([[s[i:i + 1] for i in range(len(s))] for s in x.tolist()])
    rows = []
    for s in x.tolist():
        cps = unicode_decode(np.array([s], dtype=object), "UTF-8", errors, replacement_char,
                             False)[0].tolist()
        rows.append([chr(c).encode("utf-8", "surrogatepass") for c in cps])
    return _ragged(rows)


def string_ngrams(values, splits, widths, separator, left_pad, right_pad, pad_width,
                  preserve_short):
    rows = []
    tokens = values.tolist()
    top = max(widths)
    for i in range(len(splits) - 1):
        row = tokens[int(splits[i]):int(splits[i + 1])]
        grams: list = []
        for w in widths:
            p = min(top - 1 if pad_width < 0 else pad_width, w - 1)
            padded = [left_pad] * p + row + [right_pad] * p
            n = len(padded) - w + 1
            if n <= 0 and preserve_short and row:
                grams.append(separator.join(padded))
            grams.extend(separator.join(padded[j:j + w]) for j in range(max(n, 0)))
        rows.append(grams)
    out, out_splits = _ragged(rows)
    return out, out_splits.astype(splits.dtype)


# -- tf.lookup -------------------------------------------------------------------------

def lookup_table_find(keys, table_keys, table_values, default):
    """`table_values[i]` where `keys == table_keys[i]` (table_keys sorted, unique), else
    `default`."""
    flat = keys.ravel()
    if table_keys.size == 0 or flat.size == 0:
        return np.full(keys.shape, default, dtype=table_values.dtype)
    idx = np.searchsorted(table_keys, flat)
    idx = np.minimum(idx, table_keys.size - 1)
    hit = np.asarray(table_keys[idx] == flat, dtype=bool)
    out = np.where(hit, table_values[idx], default).astype(table_values.dtype, copy=False)
    return out.reshape(keys.shape)


KERNELS = {"string_lower": string_lower, "string_upper": string_upper,
           "string_strip": string_strip, "regex_replace": regex_replace,
           "regex_full_match": regex_full_match, "substr": substr,
           "reduce_join": reduce_join, "string_format": string_format,
           "string_to_hash_bucket": string_to_hash_bucket,
           "string_split_rows": string_split_rows, "string_chars": string_chars,
           "unicode_decode": unicode_decode, "string_ngrams": string_ngrams,
           "lookup_table_find": lookup_table_find}

"""The `tf.strings` ops whose results are ragged: split, bytes_split, unicode_split,
unicode_decode and ngrams. A scalar input gives a dense 1-D tensor and a vector input a
RaggedTensor (one row per string), as TF; inputs of rank >= 2 would need ragged_rank > 1
and raise NotImplementedError.

Example:
    >>> import ember as tf
    >>> tf.strings.split(["hello world", "a b c"])
    <tf.RaggedTensor [[b'hello', b'world'], [b'a', b'b', b'c']]>
    >>> tf.strings.unicode_split("héllo", "UTF-8").numpy()
    array([b'h', b'\\xc3\\xa9', b'l', b'l', b'o'], dtype=object)
"""

from __future__ import annotations

from typing import Any

from ..core.errors import InvalidArgumentError
from ..core.registry import bind
from ..ops import array_ops as A
from ..ops.string_ops import _strings
from ..ops.string_ops import split as _split_scalar
from ..ops.text_ops import reduce_join as _dense_reduce_join
from ..ops.text_ops import static_bytes
from ..prims.strings import chars_p, ngrams_p, split_rows_p, unicode_decode_p
from .ragged_tensor import RaggedTensor, not_supported

__all__ = ["split", "bytes_split", "unicode_split", "unicode_decode", "ngrams", "reduce_join"]

_ENCODINGS = ("UTF-8", "UTF-16-BE", "UTF-32-BE")


def _rows(x: Any, op: str, bind_rows: Any) -> Any:
    """A scalar: the dense row; a vector: a RaggedTensor; rank >= 2: not supported."""
    if isinstance(x, RaggedTensor):
        raise not_supported(f"{op}: a RaggedTensor input gives ragged_rank 2")
    rank = x.shape.rank
    if rank == 0:
        return bind_rows(A.reshape(x, [1]))[0]
    if rank is None or rank > 1:
        raise not_supported(f"{op}: an input of rank {rank} gives ragged_rank {rank}; "
                            f"split each row (or reshape to 1-D and regroup)")
    values, splits = bind_rows(x)
    return RaggedTensor(values, splits, internal=True)


def split(input: Any, sep: Any = None, maxsplit: int = -1, name: str | None = None) -> Any:
    """Each string split at `sep` (None or "": at runs of whitespace, without empty
    parts): a scalar gives a dense 1-D tensor, a vector a RaggedTensor.

    Example:
        >>> import ember as tf
        >>> tf.strings.split('hello world').numpy()
        array([b'hello', b'world'], dtype=object)
        >>> tf.strings.split(['hello world', 'a b c'])
        <tf.RaggedTensor [[b'hello', b'world'], [b'a', b'b', b'c']]>
        >>> tf.strings.split(["1<>2<><>3"], sep="<>").to_list()
        [[b'1', b'2', b'', b'3']]
    """
    x = input if isinstance(input, RaggedTensor) else _strings(input, "string_split")
    s = None if sep is None else static_bytes(sep, "string_split", "sep") or None
    if x.shape.rank == 0:
        return _split_scalar(x, sep=s, maxsplit=maxsplit)
    return _rows(x, "string_split",
                 lambda v: bind(split_rows_p, v, sep=s, maxsplit=int(maxsplit)))


def bytes_split(input: Any, name: str | None = None) -> Any:
    """Each string as its bytes (one-byte strings).

    Example:
        >>> import ember as tf
        >>> tf.strings.bytes_split('hello').numpy()
        array([b'h', b'e', b'l', b'l', b'o'], dtype=object)
        >>> tf.strings.bytes_split(['hello', '123'])
        <tf.RaggedTensor [[b'h', b'e', b'l', b'l', b'o'], [b'1', b'2', b'3']]>
    """
    x = _strings(input, "bytes_split")
    return _rows(x, "bytes_split", lambda v: bind(chars_p, v, unit="BYTE", errors="replace",
                                                  replacement_char=0xFFFD))


def _check_errors(errors: str, replacement_char: int, op: str) -> None:
    if errors not in ("strict", "replace", "ignore"):
        raise InvalidArgumentError(f"{op}: errors must be 'strict', 'replace' or 'ignore', "
                                   f"received {errors!r}.")
    if not 0 <= int(replacement_char) <= 0x10FFFF:
        raise InvalidArgumentError(f"{op}: replacement_char must be a Unicode code point, "
                                   f"received {replacement_char}.")


def unicode_split(input: Any, input_encoding: str, errors: str = "replace",
                  replacement_char: int = 0xFFFD, name: str | None = None) -> Any:
    """Each UTF-8 string as its characters (each a UTF-8 string); invalid bytes become
    `replacement_char` (`errors="replace"`), are dropped ("ignore") or raise ("strict").

    Example:
        >>> import ember as tf
        >>> tf.strings.unicode_split(['héllo', 'ab'], 'UTF-8').to_list()
        [[b'h', b'\\xc3\\xa9', b'l', b'l', b'o'], [b'a', b'b']]
    """
    if input_encoding.upper() != "UTF-8":
        raise NotImplementedError(f"unicode_split: ember splits UTF-8 text only, received "
                                  f"input_encoding={input_encoding!r}; transcode it to UTF-8 "
                                  f"first (unicode_decode + Python).")
    _check_errors(errors, replacement_char, "unicode_split")
    x = _strings(input, "unicode_split")
    return _rows(x, "unicode_split",
                 lambda v: bind(chars_p, v, unit="UTF8_CHAR", errors=errors,
                                replacement_char=int(replacement_char)))


def unicode_decode(input: Any, input_encoding: str, errors: str = "replace",
                   replacement_char: int = 0xFFFD, replace_control_characters: bool = False,
                   name: str | None = None) -> Any:
    """Each string's Unicode code points (int32), decoded from `input_encoding`
    ("UTF-8", "UTF-16-BE" or "UTF-32-BE").

    Example:
        >>> import ember as tf
        >>> tf.strings.unicode_decode([u'G\\xf6\\xf6dnight', u'\\U0001f60a'], 'UTF-8').to_list()
        [[71, 246, 246, 100, 110, 105, 103, 104, 116], [128522]]
    """
    enc = input_encoding.upper()
    if enc not in _ENCODINGS:
        raise InvalidArgumentError(f"unicode_decode: input_encoding must be one of "
                                   f"{list(_ENCODINGS)}, received {input_encoding!r}.")
    _check_errors(errors, replacement_char, "unicode_decode")
    x = _strings(input, "unicode_decode")
    return _rows(x, "unicode_decode",
                 lambda v: bind(unicode_decode_p, v, input_encoding=enc, errors=errors,
                                replacement_char=int(replacement_char),
                                replace_control_characters=bool(replace_control_characters)))


def ngrams(data: Any, ngram_width: Any, separator: str = " ", pad_values: Any = None,
           padding_width: int | None = None, preserve_short_sequences: bool = False,
           name: str | None = None) -> Any:
    """The n-grams of each row of string tokens: windows of `ngram_width` adjacent
    tokens joined with `separator` (all widths of a list, in order). `pad_values` (one
    string, or a (left, right) pair) pads each row with `padding_width` values on each
    side (default ngram_width - 1). A 1-D input gives a dense result, a RaggedTensor a
    RaggedTensor, a dense matrix a matrix.

    Example:
        >>> import ember as tf
        >>> tf.strings.ngrams(["A", "B", "C", "D"], 2).numpy()
        array([b'A B', b'B C', b'C D'], dtype=object)
        >>> tf.strings.ngrams(["TF", "and", "keras"], 1).numpy()
        array([b'TF', b'and', b'keras'], dtype=object)
    """
    op = "ngrams"
    widths = tuple(ngram_width) if isinstance(ngram_width, (list, tuple)) else (ngram_width,)
    if not widths or any(not isinstance(w, int) or isinstance(w, bool) or w < 1
                         for w in widths):
        raise InvalidArgumentError(f"{op}: ngram_width must be an int >= 1 or a list of "
                                   f"them, received {ngram_width!r}.")
    if pad_values is None:
        if padding_width is not None:
            raise InvalidArgumentError(f"{op}: padding_width is set but pad_values is None; "
                                       f"pass pad_values too.")
        left = right = b""
        pad = 0
    else:
        pair = pad_values if isinstance(pad_values, (list, tuple)) else (pad_values,) * 2
        if len(pair) != 2:
            raise InvalidArgumentError(f"{op}: pad_values must be a string or a (left, "
                                       f"right) pair, received {pad_values!r}.")
        left, right = (static_bytes(p, op, "pad_values") for p in pair)
        if padding_width is not None and padding_width < 1:
            raise InvalidArgumentError(f"{op}: padding_width must be >= 1, received "
                                       f"{padding_width}.")
        pad = -1 if padding_width is None else int(padding_width)
    params = dict(widths=widths, separator=static_bytes(separator, op, "separator"),
                  left_pad=left, right_pad=right, pad_width=pad,
                  preserve_short=bool(preserve_short_sequences))
    if isinstance(data, RaggedTensor):
        v, s = bind(ngrams_p, _strings(data.values, op, "data"), data.row_splits, **params)
        return RaggedTensor(v, s, internal=True)
    x = _strings(data, op, "data")
    rank = x.shape.rank
    if rank == 1:
        splits = A.concat([A.zeros([1], "int64"), A.shape(x, out_type="int64")], 0)
        return bind(ngrams_p, x, splits, **params)[0]
    if rank == 2:
        rt = RaggedTensor.from_tensor(x)
        v, s = bind(ngrams_p, rt.values, rt.row_splits, **params)
        return RaggedTensor(v, s, internal=True).to_tensor()
    raise InvalidArgumentError(f"{op}: data must be 1-D, 2-D or a RaggedTensor, received "
                               f"shape {list(x.shape) if rank is not None else None}.")


def reduce_join(inputs: Any, axis: Any = None, keepdims: bool = False, separator: str = "",
                name: str | None = None) -> Any:
    """`tf.strings.reduce_join`, also over the rows of a RaggedTensor (axis 1: one string
    per row, "" for an empty row; None: all its values).

    Example:
        >>> import ember as tf
        >>> rt = tf.ragged.constant([["a", "b"], [], ["c"]])
        >>> tf.strings.reduce_join(rt, axis=1, separator=" ").numpy()
        array([b'a b', b'', b'c'], dtype=object)
    """
    if not isinstance(inputs, RaggedTensor):
        return _dense_reduce_join(inputs, axis, keepdims, separator)
    sep = static_bytes(separator, "reduce_join", "separator")
    if axis is None:
        out = _dense_reduce_join(inputs.values, None, False, sep)
        return A.reshape(out, [1, 1]) if keepdims else out
    if axis not in (1, -1) or inputs.values.shape.rank != 1:
        raise NotImplementedError(f"reduce_join: a RaggedTensor is joined over its rows "
                                  f"(axis=1) or whole (axis=None), received axis={axis}.")
    # one n-gram as wide as any row: each non-empty row joined whole (preserve_short)
    v, s = bind(ngrams_p, _strings(inputs.values, "reduce_join", "inputs"),
                inputs.row_splits, widths=(2**31 - 1,), separator=sep, left_pad=b"",
                right_pad=b"", pad_width=0, preserve_short=True)
    out = RaggedTensor(v, s, internal=True).to_tensor(shape=[None, 1])
    return out if keepdims else A.reshape(out, [-1])

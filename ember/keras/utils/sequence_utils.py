"""`keras.utils.pad_sequences`: a list of sequences as one padded 2-D (or N-D) array.

Example:
    >>> from ember import keras
    >>> keras.utils.pad_sequences([[1], [2, 3], [4, 5, 6]])
    array([[0, 0, 1],
           [0, 2, 3],
           [4, 5, 6]], dtype=int32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["pad_sequences"]


def _is_text_dtype(dtype: Any) -> bool:
    try:
        return np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    except TypeError:
        return False


def pad_sequences(sequences: Any, maxlen: int | None = None, dtype: Any = "int32",
                  padding: str = "pre", truncating: str = "pre", value: Any = 0.0) -> np.ndarray:
    """Pads (or truncates) each sequence to the same length, as Keras does.

    Args:
        sequences: a list (or other sized iterable) of sequences; each item of a sequence
            may itself be an array (all of the same shape).
        maxlen: the output length (default: the longest sequence).
        dtype: the output dtype; use `object` (or a NumPy str dtype) for strings.
        padding: "pre" or "post": where the padding goes.
        truncating: "pre" or "post": which end of a longer sequence is cut off.
        value: the padding value.

    Returns:
        An array of shape `(len(sequences), maxlen) + item_shape`.

    Example:
        >>> from ember import keras
        >>> keras.utils.pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post",
        ...                           truncating="post", value=-1)
        array([[ 1,  2],
               [ 4, -1]], dtype=int32)
        >>> keras.utils.pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
        array([['a', 'b'],
               ['<pad>', 'c']], dtype=object)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"pad_sequences: `sequences` must be a list of sequences (something "
                         f"with a length); received {type(sequences).__name__}. Pass "
                         f"list(sequences).")
    if padding not in ("pre", "post"):
        raise ValueError(f'pad_sequences: padding must be "pre" or "post". Received: '
                         f"padding={padding!r}")
    if truncating not in ("pre", "post"):
        raise ValueError(f'pad_sequences: truncating must be "pre" or "post". Received: '
                         f"truncating={truncating!r}")
    if maxlen is not None and (isinstance(maxlen, bool) or
                               not isinstance(maxlen, (int, np.integer)) or maxlen < 0):
        raise ValueError(f"pad_sequences: maxlen must be an int >= 0 or None. Received: "
                         f"maxlen={maxlen!r}")
    lengths, item_shape, found = [], (), False
    for i, s in enumerate(sequences):
        try:
            lengths.append(len(s))
        except TypeError:
            raise ValueError(f"pad_sequences: `sequences` must be a list of sequences, but "
                             f"item {i} is {s!r} (a {type(s).__name__}). Wrap single values "
                             f"in a list: [[1], [2, 3]].") from None
        if not found and len(s):
            item_shape, found = np.asarray(s).shape[1:], True
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    if isinstance(value, str) and dtype is not object and not _is_text_dtype(dtype):
        raise ValueError(f"pad_sequences: dtype {dtype} is not compatible with value "
                         f"{value!r} of type {type(value)}. Set dtype=object for "
                         f"variable-length strings.")
    out = np.full((len(sequences), maxlen) + item_shape, value, dtype=dtype)
    if maxlen == 0:
        return out
    for i, s in enumerate(sequences):
        if not len(s):
            continue
        cut = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        cut = np.asarray(cut, dtype=dtype)
        if cut.shape[1:] != item_shape:
            raise ValueError(f"pad_sequences: the items of sequence {i} have shape "
                             f"{cut.shape[1:]}, but the first non-empty sequence's have "
                             f"shape {item_shape}; all items must have the same shape.")
        if padding == "post":
            out[i, :len(cut)] = cut
        else:
            out[i, -len(cut):] = cut
    return out

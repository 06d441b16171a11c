"""`keras.layers.TextVectorization`: strings to token indices or token vectors (Keras 3's
layer, TF's behaviour).

The pipeline is standardize (lower-case ASCII letters and / or strip the punctuation
of Keras' regex, or a callable on the string tensor), split (on whitespace, into UTF-8
characters, or a callable; the result is ragged), ngrams (`tf.strings.ngrams`), then a
`StringLookup` with mask token "" (index 0) and one OOV index "[UNK]" (index 1).
Every step is an ember op, so the layer runs eagerly, in `Dataset.map` and inside
models (`keras.Input(shape=(), dtype="string")` or `(1,)`), trained end to end.

`adapt` builds the vocabulary from arrays, lists of strings, `tf.data.Dataset`s or
other iterables of batches: tokens by count, ties by the token (both descending), as
Keras; the vocabulary is saved with the model (`model.save("m.keras")`) as Keras 3's
asset `vocabulary.txt`.

Example:
    >>> from ember import keras
    >>> layer = keras.layers.TextVectorization(output_sequence_length=4)
    >>> layer.adapt(["The cat sat.", "the Dog, sat!", "a cat; a DOG?", "dog"])
    >>> layer.get_vocabulary()
    ['', '[UNK]', 'dog', 'the', 'sat', 'cat', 'a']
    >>> layer(["the cat", "a bird sat"]).numpy().tolist()
    [[3, 5, 0, 0], [6, 1, 4, 0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import strings as tf_strings
from ...core.dtypes import int32, int64, string
from ...core.tensor import TensorOps
from ...ops import creation_ops as C
from ...ops import gather_ops as G
from ...ops import math_ops as M
from ...ops import reduce_ops as R
from ...ops import shape_ops as S
from ...prims.convert import cast, convert_to_tensor
from ...ragged.ragged_tensor import RaggedTensor
from ...sparse.sparse_tensor import SparseTensor
from .. import function_serialization as functions
from ._categorical_utils import DataLayer, adapt_batches, check_choice, what
from .index_lookup import _listify
from .lookup_layers import StringLookup

__all__ = ["TextVectorization"]

_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
STRIP_PUNCTUATION = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'  # Keras' regex


def _trim_rows(rt: RaggedTensor, length: int) -> RaggedTensor:
    """Each row of `rt` cut to at most `length` values."""
    rows = cast(rt.value_rowids(), int64)
    starts = G.gather(cast(rt.row_splits, int64), rows)
    index = M.subtract(R.cumsum(C.ones_like(rows, dtype=int64)), 1)
    keep = M.less(M.subtract(index, starts), convert_to_tensor(length, int64))
    return RaggedTensor.from_value_rowids(G.boolean_mask(rt.values, keep),
                                          G.boolean_mask(rows, keep), rt.nrows(),
                                          validate=False)


class TextVectorization(DataLayer):
    """Turns strings into sequences of token indices ("int") or one vector per string
    ("multi_hot", "count", "tf_idf"), Keras 3's `keras.layers.TextVectorization`.

    Args:
        max_tokens: the largest vocabulary size, the mask "" and "[UNK]" included.
        standardize: "lower_and_strip_punctuation" (default), "lower",
            "strip_punctuation", None, or a callable on the string tensor.
        split: "whitespace" (default), "character", None (whole strings), or a callable.
        ngrams: None, an int n (1..n-grams) or a tuple of widths.
        output_mode: "int" (int64 indices, padded with 0), "multi_hot" / "count" (int64)
            or "tf_idf" (float32).
        output_sequence_length: "int" only: pad or cut each sequence to this length.
        pad_to_max_tokens: make the vectors `max_tokens` wide.
        vocabulary: a list of terms or a text file path, instead of `adapt`.
        idf_weights: with output_mode "tf_idf" and a vocabulary.
        sparse: return a `tf.SparseTensor` (not with "int").
        ragged: "int" only: return a `tf.RaggedTensor` (no padding).
        encoding: the text encoding of the vocabulary ("utf-8").

    Example:
        >>> from ember import keras
        >>> layer = keras.layers.TextVectorization(vocabulary=["the", "cat"],
        ...                                        output_mode="count")
        >>> layer(["The cat, the cat!", "a dog"]).numpy().tolist()
        [[0, 2, 2], [2, 0, 0]]
    """

    def __init__(self, max_tokens: int | None = None,
                 standardize: Any = "lower_and_strip_punctuation",
                 split: Any = "whitespace", ngrams: Any = None, output_mode: str = "int",
                 output_sequence_length: int | None = None, pad_to_max_tokens: bool = False,
                 vocabulary: Any = None, idf_weights: Any = None, sparse: bool = False,
                 ragged: bool = False, encoding: str = "utf-8", name: str | None = None,
                 vocabulary_size: int | None = None,
                 has_input_vocabulary: bool | None = None, **kwargs: Any):
        super().__init__(name=name, **kwargs)
        who = what(self)
        check_choice(self, "standardize", standardize, _STANDARDIZE, allow_none=True,
                     allow_callable=True)
        check_choice(self, "split", split, _SPLIT, allow_none=True, allow_callable=True)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        check_choice(self, "output_mode", output_mode,
                     ("int", "one_hot", "multi_hot", "count", "tf_idf"))
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or isinstance(ngrams, int) and not isinstance(ngrams, bool)
                and ngrams >= 1 or isinstance(ngrams, tuple) and ngrams and all(
                    isinstance(n, int) and n >= 1 for n in ngrams)):
            raise ValueError(f"{who}: ngrams must be None, an int >= 1 or a tuple of them, "
                             f"received ngrams={ngrams!r}.")
        if output_sequence_length is not None and (
                isinstance(output_sequence_length, bool) or
                not isinstance(output_sequence_length, (int, np.integer)) or
                output_sequence_length < 0):
            raise ValueError(f"{who}: output_sequence_length must be None or an int >= 0, "
                             f"received output_sequence_length={output_sequence_length!r}.")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(f"{who}: output_sequence_length only applies to output_mode="
                             f"'int', received output_mode={output_mode!r}.")
        if ragged and output_mode != "int":
            raise ValueError(f"{who}: ragged=True needs output_mode='int', received "
                             f"output_mode={output_mode!r}.")
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged = bool(ragged)
        self._output_mode = output_mode
        self._output_sequence_length = None if output_sequence_length is None \
            else int(output_sequence_length)
        self._encoding = encoding
        self._has_input_vocabulary = (vocabulary is not None) if has_input_vocabulary is None \
            else bool(has_input_vocabulary)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            sparse=sparse, has_input_vocabulary=self._has_input_vocabulary,
            encoding=encoding, vocabulary_size=vocabulary_size)

    # -- the vocabulary --------------------------------------------------------------
    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary, index by index ("" and "[UNK]" first unless
        `include_special_tokens=False`)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        """The vocabulary size, "" and "[UNK]" included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Sets the vocabulary (list, array, tensor or file path) and, for "tf_idf",
        the idf weights.

        Example:
            >>> from ember import keras
            >>> layer = keras.layers.TextVectorization()
            >>> layer.set_vocabulary(["a", "b"])
            >>> layer.get_vocabulary(), layer.vocabulary_size()
            (['', '[UNK]', 'a', 'b'], 4)
        """
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    @property
    def idf_weights(self) -> Any:
        return self._lookup_layer.idf_weights

    def adapt(self, data: Any, batch_size: Any = None, steps: int | None = None) -> None:
        """Learns the vocabulary from `data`: strings in an array, a list, a tensor, a
        `tf.data.Dataset` of batches (read up to `steps`) or another iterable of
        batches; each string is one document.

        Example:
            >>> import ember as tf
            >>> from ember import keras
            >>> ds = tf.data.Dataset.from_tensor_slices(["a b", "b c", "c d"]).batch(2)
            >>> layer = keras.layers.TextVectorization()
            >>> layer.adapt(ds, steps=1)
            >>> layer.get_vocabulary()
            ['', '[UNK]', 'b', 'c', 'a']
        """
        self.reset_state()
        for batch in adapt_batches(self, data, batch_size, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data: Any) -> None:
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self) -> None:
        self._lookup_layer.finalize_state()

    def reset_state(self) -> None:
        self._lookup_layer.reset_state()

    # -- calling ---------------------------------------------------------------------
    def _preprocess(self, inputs: Any) -> Any:
        x = inputs
        if isinstance(x, SparseTensor):
            raise ValueError(f"{what(self)}: sparse inputs are not supported; pass strings.")
        dt = x.values.dtype if isinstance(x, RaggedTensor) else getattr(x, "dtype", None)
        if dt != string:
            raise ValueError(f"{what(self)}: expects string inputs (shape (batch,) or "
                             f"(batch, 1)), received {getattr(dt, 'name', type(x).__name__)}"
                             f" values. Pass text, e.g. keras.Input(shape=(), "
                             f"dtype='string').")
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            x = tf_strings.lower(x)
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            x = tf_strings.regex_replace(x, STRIP_PUNCTUATION, "")
        if callable(self._standardize):
            x = self._standardize(x)
        if self._split is not None:
            if isinstance(x, TensorOps) and x.shape.rank is not None and x.shape.rank > 1:
                if x.shape[-1] != 1 or x.shape.rank > 2:
                    raise ValueError(f"{what(self)}: to split strings into tokens the "
                                     f"inputs must have shape (batch,) or (batch, 1), "
                                     f"received shape {tuple(x.shape)}. Reshape them, or "
                                     f"pass split=None.")
                x = S.squeeze(x, -1)
            if self._split == "whitespace":
                x = tf_strings.split(x)
            elif self._split == "character":
                x = tf_strings.unicode_split(x, "UTF-8")
            else:
                x = self._split(x)
        if self._ngrams is not None:
            x = tf_strings.ngrams(x, ngram_width=self._ngrams, separator=" ")
        return x

    def call(self, inputs: Any) -> Any:
        ids = self._lookup_layer.call(self._preprocess(inputs))
        if self._output_mode != "int":
            return ids
        length = self._output_sequence_length
        if isinstance(ids, RaggedTensor):
            if self._ragged:
                return ids if length is None else _trim_rows(ids, length)
            return ids.to_tensor(default_value=0, shape=[None, length])
        if length is None or self._ragged:
            return ids
        ids = ids[..., :length]
        missing = M.maximum(M.subtract(convert_to_tensor(length, int32),
                                       cast(S.shape(ids)[-1], int32)), 0)
        rank = ids.shape.rank
        paddings = S.concat([C.zeros([rank - 1, 2], dtype=int32),
                             S.reshape(S.stack([C.zeros([], dtype=int32), missing]), [1, 2])],
                            0)
        ids = S.pad(ids, paddings)
        dims = list(ids.shape)[:-1]
        if sum(d is None for d in dims) <= 1:
            ids = S.reshape(ids, [-1 if d is None else d for d in dims] + [length])
        return ids

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        if self._output_mode == "int":
            return (shape[0] if shape else None, self._output_sequence_length)
        if self._split is None:
            shape = shape + (1,) if len(shape) <= 1 else shape
        else:
            shape = shape + (None,)
        return self._lookup_layer.compute_output_shape(shape)

    # -- config and saving -----------------------------------------------------------
    def get_config(self) -> dict:
        def fn(value: Any) -> Any:
            return functions.to_config(value, what(self)) if callable(value) else value

        lookup = self._lookup_layer
        return {**super().get_config(), "max_tokens": lookup.max_tokens,
                "standardize": fn(self._standardize), "split": fn(self._split),
                "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": lookup.pad_to_max_tokens, "sparse": lookup.sparse,
                "ragged": self._ragged, "vocabulary": _listify(lookup.input_vocabulary),
                "idf_weights": _listify(lookup.input_idf_weights),
                "encoding": self._encoding, "vocabulary_size": self.vocabulary_size()}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Any:
        """The layer of `get_config()`'s dict; a saved standardize / split function is
        found by its name (registered, in `custom_objects`, or one of ember's)."""
        config = dict(config)
        who = f'Layer "{config.get("name")}" (TextVectorization)'
        for key, builtin in (("standardize", _STANDARDIZE), ("split", _SPLIT)):
            value = config.get(key)
            if isinstance(value, dict) or isinstance(value, str) and value not in builtin:
                config[key] = functions.decode(value, "function", None, custom_objects, who)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return super().from_config(config)

    def _keras3_extra_variables(self) -> dict:
        return self._lookup_layer._keras3_extra_variables()

    def _keras3_load_extra_variables(self, arrays: dict) -> None:
        self._lookup_layer._keras3_load_extra_variables(arrays)

    def _keras3_assets(self) -> dict:
        return self._lookup_layer._keras3_assets()

    def _keras3_load_assets(self, files: dict) -> None:
        self._lookup_layer._keras3_load_assets(files)

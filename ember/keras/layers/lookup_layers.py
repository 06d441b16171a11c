"""`keras.layers.StringLookup` and `keras.layers.IntegerLookup`: vocabulary layers on
the shared `IndexLookup` (see `index_lookup.py` for the vocabulary rules, the OOV
hashing and the saved format).

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> layer = keras.layers.StringLookup(vocabulary=["a", "b", "c", "d"])
    >>> layer(tf.constant([["a", "c", "d"], ["d", "z", "b"]])).numpy().tolist()
    [[1, 3, 4], [4, 0, 2]]
    >>> keras.layers.IntegerLookup(vocabulary=[12, 36], invert=True)([[1, 2, 0]]).numpy()
    array([[12, 36, -1]])
"""

from __future__ import annotations

from typing import Any

from .index_lookup import IndexLookup

__all__ = ["StringLookup", "IntegerLookup"]


class StringLookup(IndexLookup):
    """Maps strings to integer indices through a vocabulary (Keras 3's
    `keras.layers.StringLookup`), given or learnt with `adapt`.

    Indices: 0 is the mask (when `mask_token` is set and output_mode is "int"), then
    `num_oov_indices` OOV indices (several: an OOV string goes to the FarmHash bucket of
    `to_hash_bucket_fast`, or keyed SipHash with `salt`), then the vocabulary.

    Args:
        max_tokens: the largest vocabulary size (mask and OOV included); None: no limit.
        num_oov_indices: the number of OOV indices (0: OOV inputs raise).
        mask_token: a token mapped to 0 in "int" mode (dropped in the other modes).
        oov_token: the token returned for OOV indices when `invert` is True.
        vocabulary: a list / array / 1-D tensor of terms, or a text file path (one term
            per line).
        idf_weights: the inverse document frequencies, with "tf_idf" and a vocabulary.
        invert: map indices back to strings.
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf" (int64 outputs
            but float32 for "tf_idf", as TF's Keras).
        pad_to_max_tokens: make the encoded outputs `max_tokens` wide.
        sparse: return a `tf.SparseTensor` (not with "int").
        encoding: the text encoding of the vocabulary ("utf-8").
        salt: an int or two: hash OOV strings with keyed SipHash.

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> layer = keras.layers.StringLookup(vocabulary=["a", "b", "c"],
        ...                                   output_mode="multi_hot")
        >>> layer(tf.constant([["a", "b", "a"], ["q", "c", "c"]])).numpy().tolist()
        [[0, 1, 1, 0], [1, 0, 0, 1]]
    """

    _string_vocab = True

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: str | None = None, oov_token: str = "[UNK]",
                 vocabulary: Any = None, idf_weights: Any = None, invert: bool = False,
                 output_mode: str = "int", pad_to_max_tokens: bool = False,
                 sparse: bool = False, encoding: str = "utf-8", name: str | None = None,
                 salt: Any = None, **kwargs: Any):
        kwargs.pop("vocabulary_dtype", None)  # strings only (as Keras 3)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens, salt=salt,
                         encoding=encoding or "utf-8", name=name, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["vocabulary_dtype"]
        config["encoding"] = self.encoding
        return config


class IntegerLookup(IndexLookup):
    """Maps integers to contiguous indices through a vocabulary (Keras 3's
    `keras.layers.IntegerLookup`), given or learnt with `adapt`.

    Args:
        max_tokens, num_oov_indices, vocabulary, idf_weights, invert, output_mode,
        pad_to_max_tokens, sparse: as StringLookup.
        mask_token: an integer mapped to 0 in "int" mode (e.g. 0).
        oov_token: the integer returned for OOV indices when `invert` is True (-1).
        vocabulary_dtype: "int64" (the only one supported, as Keras 3).
        oov_method: with several OOV indices, "floormod" (`x mod n`, the default) or
            "farmhash" (the FarmHash bucket of the decimal string).
        salt: with oov_method="farmhash", hash with keyed SipHash instead.

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> layer = keras.layers.IntegerLookup()
        >>> layer.adapt(tf.constant([[12, 1138, 42], [42, 1000, 36]]))
        >>> layer(tf.constant([[12, 1138, 42], [42, 1000, 36]])).numpy().tolist()
        [[5, 2, 1], [1, 3, 4]]
    """

    _string_vocab = False

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: int | None = None, oov_token: int = -1,
                 vocabulary: Any = None, vocabulary_dtype: str = "int64",
                 idf_weights: Any = None, invert: bool = False, output_mode: str = "int",
                 sparse: bool = False, pad_to_max_tokens: bool = False,
                 oov_method: str = "floormod", salt: Any = None, name: str | None = None,
                 **kwargs: Any):
        if vocabulary_dtype not in ("int64", None):
            raise ValueError(f'Layer "{name or "integer_lookup"}" (IntegerLookup): only '
                             f"vocabulary_dtype='int64' is supported, received "
                             f"vocabulary_dtype={vocabulary_dtype!r}.")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         oov_method=oov_method, salt=salt, name=name, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        for key in ("oov_token", "mask_token"):
            if config[key] is not None:
                config[key] = int(config[key])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config

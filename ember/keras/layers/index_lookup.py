"""`IndexLookup`: the base of StringLookup and IntegerLookup (and of TextVectorization's
lookup), Keras 3's vocabulary layer.

A vocabulary is `[mask_token]` (output_mode "int" only) + `num_oov_indices` OOV slots +
the tokens. The tokens sit in a `tf.lookup.StaticHashTable`, so a lookup is one table
primitive: eager, inside `ember.function`, in `Dataset.map` and on KerasTensors. With
more than one OOV slot, an OOV string goes to slot `to_hash_bucket_fast(s, n)` (or
`to_hash_bucket_strong` with a `salt`), an OOV integer to `x mod n` (or the FarmHash of
its decimal string with `oov_method="farmhash"`), as Keras.

`adapt` counts the tokens of its data and keeps the most frequent ones (up to
`max_tokens`), ordered by count, ties by the token itself, both descending (Keras 3's
order); in "tf_idf" mode it also learns the inverse document frequencies
`log(1 + documents / (1 + documents with the token))`, the OOV slots weighted by their
mean. Adapted vocabularies are saved in a `.keras` archive as Keras 3 does: as the asset
`vocabulary.txt` of the layer (and the idf weights as the variable `idf_weights`).

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> layer = keras.layers.StringLookup()
    >>> layer.adapt(["b", "a", "b", "c", "c", "c"])
    >>> layer.get_vocabulary(), layer(tf.constant(["c", "b", "x"])).numpy().tolist()
    (['[UNK]', 'c', 'b', 'a'], [1, 2, 0])
"""

from __future__ import annotations

import collections
import os
from typing import Any

import numpy as np

from ... import strings as tf_strings
from ...core.dtypes import float32, int64, string
from ...core.errors import InvalidArgumentError
from ...core.tensor import ConcreteTensor, TensorOps
from ...lookup.lookup_ops import KeyValueTensorInitializer, StaticHashTable
from ...ops import creation_ops as C
from ...ops import math_ops as M
from ...ops import shape_ops as S
from ...ops.debug_ops import assert_non_negative
from ...prims.convert import cast, convert_to_tensor
from ...ragged.ragged_tensor import RaggedTensor
from ...sparse.sparse_tensor import SparseTensor
from ..serialization_registry import in_safe_mode
from ._categorical_utils import (DataLayer, adapt_batches, as_numpy_tokens, check_choice,
                                 encode, is_symbolic, what)

__all__: list = []  # the base class is not part of the public API (as Keras 3)

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_INT64_MAX = np.iinfo(np.int64).max


def _listify(x: Any) -> Any:
    """A vocabulary or idf weights as a JSON-friendly list (strings decoded)."""
    if x is None:
        return None
    if hasattr(x, "numpy"):
        x = x.numpy()
    if isinstance(x, (np.ndarray, list, tuple)):
        return [v.decode("utf-8") if isinstance(v, bytes) else
                v.item() if isinstance(v, np.generic) else v for v in np.asarray(
                    x, dtype=object).reshape(-1).tolist()]
    return x


class IndexLookup(DataLayer):
    """Maps tokens to indices through a vocabulary (see the module docstring); use
    StringLookup or IntegerLookup."""

    _string_vocab = True  # StringLookup: tokens are strings; IntegerLookup: int64

    def __init__(self, max_tokens: int | None, num_oov_indices: int, mask_token: Any,
                 oov_token: Any, vocabulary: Any = None, idf_weights: Any = None,
                 invert: bool = False, output_mode: str = "int", sparse: bool = False,
                 pad_to_max_tokens: bool = False, oov_method: str = "floormod",
                 salt: Any = None, encoding: str = "utf-8",
                 vocabulary_size: int | None = None,
                 has_input_vocabulary: bool | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        check_choice(self, "output_mode", output_mode, _MODES)
        check_choice(self, "oov_method", oov_method, ("floormod", "farmhash"))
        if max_tokens is not None and (not isinstance(max_tokens, (int, np.integer)) or
                                       max_tokens <= 1):
            raise ValueError(f"{what(self)}: max_tokens must be None or an int greater than "
                             f"1 (it counts the mask and OOV tokens), received "
                             f"max_tokens={max_tokens!r}.")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{what(self)}: pad_to_max_tokens=True needs max_tokens; pass "
                             f"max_tokens=... too.")
        if not isinstance(num_oov_indices, (int, np.integer)) or num_oov_indices < 0:
            raise ValueError(f"{what(self)}: num_oov_indices must be an int >= 0, received "
                             f"num_oov_indices={num_oov_indices!r}.")
        if invert and output_mode != "int":
            raise ValueError(f"{what(self)}: invert=True needs output_mode='int', received "
                             f"output_mode={output_mode!r}.")
        if sparse and output_mode == "int":
            raise ValueError(f"{what(self)}: sparse=True needs output_mode 'one_hot', "
                             f"'multi_hot', 'count' or 'tf_idf', received output_mode='int'.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{what(self)}: idf_weights are only used with output_mode="
                             f"'tf_idf', received output_mode={output_mode!r}.")
        if salt is not None:
            if not self._string_vocab and oov_method != "farmhash":
                raise ValueError(f"{what(self)}: salt needs oov_method='farmhash', received "
                                 f"oov_method={oov_method!r}.")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(salt[0]), int(salt[1])]
            elif isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
                salt = [int(salt), int(salt)]
            else:
                raise ValueError(f"{what(self)}: salt must be an int or a tuple of 2 ints, "
                                 f"received salt={salt!r}.")
        self.invert = bool(invert)
        self.max_tokens = None if max_tokens is None else int(max_tokens)
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = bool(sparse)
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.oov_method = oov_method
        self.salt = salt
        self.encoding = encoding
        self._frozen_vocab_size = vocabulary_size
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = (vocabulary is not None) if has_input_vocabulary is None \
            else bool(has_input_vocabulary)
        self._tokens: list = []
        self._table = None
        self._idf = None
        self._idf_tensor = None
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError(f"{what(self)}: with output_mode='tf_idf' and a vocabulary, "
                             f"pass idf_weights too (one per vocabulary term).")
        self.reset_state()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- tokens ----------------------------------------------------------------------
    def _key(self, value: Any) -> Any:
        """A vocabulary entry as a table key: bytes for strings, a Python int."""
        if self._string_vocab:
            if isinstance(value, str):
                return value.encode(self.encoding or "utf-8")
            if isinstance(value, (bytes, np.bytes_)):
                return bytes(value)
            raise ValueError(f"{what(self)}: vocabulary terms must be strings, received "
                             f"{value!r} of type {type(value).__name__}.")
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return int(value)
        raise ValueError(f"{what(self)}: vocabulary terms must be integers, received "
                         f"{value!r} of type {type(value).__name__}.")

    def _text(self, key: Any) -> Any:
        if isinstance(key, bytes):
            return key.decode(self.encoding or "utf-8", errors="replace")
        return key

    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    @property
    def _key_dtype(self) -> Any:
        return int64 if self.invert or not self._string_vocab else string

    def _default_value(self) -> Any:
        if self.invert:
            return self._key(self.oov_token) if self.oov_token is not None else (
                b"" if self._string_vocab else -1)
        if self.num_oov_indices == 1:
            return self._oov_start_index()
        return -1

    def _set_tokens(self, tokens: list) -> None:
        self._tokens = list(tokens)
        if not self._tokens:
            self._table = None
            return
        ids = np.arange(self._token_start_index(),
                        self._token_start_index() + len(self._tokens), dtype=np.int64)
        if self._string_vocab:
            words = np.empty(len(self._tokens), dtype=object)
            words[:] = self._tokens
        else:
            words = np.asarray(self._tokens, dtype=np.int64)
        keys, values = (ids, words) if self.invert else (words, ids)
        value_dtype = string if self.invert and self._string_vocab else int64
        init = KeyValueTensorInitializer(keys, values, self._key_dtype, value_dtype)
        self._table = StaticHashTable(init, convert_to_tensor(self._default_value(),
                                                             dtype=value_dtype))

    # -- the vocabulary --------------------------------------------------------------
    def vocabulary_size(self) -> int:
        """The vocabulary's size, mask and OOV slots included.

        Example:
            >>> from ember import keras
            >>> keras.layers.StringLookup(vocabulary=["a", "b"]).vocabulary_size()
            3
        """
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary, index by index (the mask and OOV tokens first unless
        `include_special_tokens=False`).

        Example:
            >>> from ember import keras
            >>> keras.layers.StringLookup(vocabulary=["a", "b"], mask_token="").get_vocabulary()
            ['', '[UNK]', 'a', 'b']
        """
        start = self._token_start_index()
        vocab = [self.oov_token] * start + [self._text(t) for t in self._tokens]
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        return vocab if include_special_tokens else vocab[start:]

    def _read_file(self, path: str) -> list:
        if in_safe_mode():
            raise ValueError(f"{what(self)}: loading the vocabulary file {path!r} from "
                             f"outside the model archive is refused in safe mode. If you "
                             f"trust it, pass safe_mode=False to the loader.")
        if not os.path.isfile(path):
            raise ValueError(f"{what(self)}: the vocabulary file {path!r} does not exist; "
                             f"pass a list of terms or the path of a text file with one "
                             f"term per line.")
        if self.output_mode == "tf_idf":
            raise ValueError(f"{what(self)}: output_mode='tf_idf' can't load its vocabulary "
                             f"from a file; pass a list of terms and idf_weights.")
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
        if self._string_vocab:
            return lines
        try:
            return [int(ln) for ln in lines]
        except ValueError:
            raise ValueError(f"{what(self)}: the vocabulary file {path!r} must hold one "
                             f"integer per line.") from None

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Sets the vocabulary (a list, array or 1-D tensor of terms, or the path of a
        text file with one term per line) and, in "tf_idf" mode, the idf weights. The
        mask and OOV tokens may lead the list (then they are recognized and not
        repeated).

        Example:
            >>> from ember import keras
            >>> layer = keras.layers.StringLookup()
            >>> layer.set_vocabulary(["[UNK]", "x", "y"])
            >>> layer.get_vocabulary()
            ['[UNK]', 'x', 'y']
        """
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{what(self)}: with output_mode='tf_idf', set_vocabulary needs "
                             f"idf_weights (one per term).")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f"{what(self)}: idf_weights are only used with output_mode="
                             f"'tf_idf', received output_mode={self.output_mode!r}.")
        if isinstance(vocabulary, str):
            self._set_tokens(self._read_file(vocabulary))
            self._record_vocabulary_size()
            return
        if isinstance(vocabulary, (TensorOps, np.ndarray)) or hasattr(vocabulary, "numpy"):
            vocabulary = np.asarray(vocabulary.numpy() if hasattr(vocabulary, "numpy")
                                    else vocabulary).reshape(-1).tolist()
        if not isinstance(vocabulary, (list, tuple)):
            raise ValueError(f"{what(self)}: vocabulary must be a list, tuple, array or "
                             f"1-D tensor of terms, or a file path, received "
                             f"{type(vocabulary).__name__}.")
        if not vocabulary:
            raise ValueError(f"{what(self)}: the vocabulary is empty; pass at least one term.")
        keys = [self._key(v) for v in vocabulary]
        start = self._token_start_index()
        specials = [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices
        found = all(v is not None for v in specials) and \
            keys[:start] == [self._key(v) for v in specials]
        tokens = keys[start:] if found else keys
        repeated = [self._text(k) for k, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(f"{what(self)}: the vocabulary repeats the terms {repeated}; "
                             f"each term must appear once.")
        order = [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices
        if self.mask_token is not None and self._key(self.mask_token) in tokens:
            raise ValueError(f"{what(self)}: the mask token {self.mask_token!r} is in the "
                             f"vocabulary at an unexpected place. Leave the mask and OOV "
                             f"tokens out, or put them first in this order: {order}.")
        if self.invert and self.oov_token is not None and self._key(self.oov_token) in tokens:
            raise ValueError(f"{what(self)}: the OOV token {self.oov_token!r} is in the "
                             f"vocabulary at an unexpected place. Leave the mask and OOV "
                             f"tokens out, or put them first in this order: {order}.")
        size = start + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(f"{what(self)}: the vocabulary has {size} entries (mask and "
                             f"OOV included), more than max_tokens={self.max_tokens}.")
        if self.output_mode == "tf_idf":
            weights = np.asarray(idf_weights.numpy() if hasattr(idf_weights, "numpy")
                                 else idf_weights, dtype=np.float64)
            if weights.ndim != 1 or len(weights) != len(vocabulary):
                raise ValueError(f"{what(self)}: idf_weights must be 1-D with one weight per "
                                 f"vocabulary term ({len(vocabulary)}), received shape "
                                 f"{weights.shape}.")
            front = (0, 0.0) if found else (start, float(np.average(weights)))
            back = self.max_tokens - front[0] - len(weights) if self.pad_to_max_tokens else 0
            self._set_idf(np.pad(weights, (front[0], back), "constant",
                                 constant_values=(front[1], 0.0)))
        self._set_tokens(tokens)
        self._record_vocabulary_size()

    def _set_idf(self, weights: Any) -> None:
        self._idf = np.asarray(weights, dtype=np.float32)
        self._idf_tensor = convert_to_tensor(self._idf)

    @property
    def idf_weights(self) -> Any:
        """The inverse document frequency weights ("tf_idf" mode; None otherwise)."""
        return self._idf_tensor

    def _record_vocabulary_size(self) -> None:
        size = self.vocabulary_size()
        if self.output_mode != "int" and not self.pad_to_max_tokens and self.built and \
                self._frozen_vocab_size is not None and size != self._frozen_vocab_size:
            raise RuntimeError(f"{what(self)}: with output_mode={self.output_mode!r} and "
                               f"pad_to_max_tokens=False the vocabulary size can't change "
                               f"after the layer was called (it was "
                               f"{self._frozen_vocab_size}, the new one is {size}). Set "
                               f"pad_to_max_tokens=True with max_tokens, or make a new layer.")
        self._frozen_vocab_size = size

    # -- adapt -----------------------------------------------------------------------
    def adapt(self, data: Any, batch_size: Any = None, steps: int | None = None) -> None:
        """Learns the vocabulary (and idf weights) from `data`: an array, a list, a
        tensor (each element a token; rows are documents for "tf_idf"), a
        `tf.data.Dataset` of batches (read up to `steps`) or another iterable of batches.

        Example:
            >>> from ember import keras
            >>> layer = keras.layers.IntegerLookup()
            >>> layer.adapt([7, 3, 7, 5, 5, 9])
            >>> layer.get_vocabulary()
            [-1, 7, 5, 9, 3]
        """
        self.reset_state()
        for batch in adapt_batches(self, data, batch_size, steps):
            self.update_state(batch)
        self.finalize_state()

    def reset_state(self) -> None:
        self._counts: collections.Counter = collections.Counter()
        self._doc_counts: collections.Counter = collections.Counter()
        self._num_documents = 0

    def _batch_keys(self, data: Any) -> tuple:
        flat, splits = as_numpy_tokens(data)
        if self._string_vocab:
            if flat.dtype != object and flat.dtype.kind not in "US":
                raise ValueError(f"{what(self)}: adapt needs string data, received "
                                 f"{flat.dtype} values.")
            keys = [self._key(v) for v in flat.tolist()]
        else:
            if flat.dtype.kind not in "iubf":
                raise ValueError(f"{what(self)}: adapt needs integer data, received "
                                 f"{flat.dtype} values.")
            keys = flat.astype(np.int64).tolist()
        return keys, splits

    def update_state(self, data: Any) -> None:
        if self._has_input_vocabulary:
            raise ValueError(f"{what(self)}: can't adapt after a vocabulary was given "
                             f"(vocabulary argument); make a layer without one to adapt it.")
        keys, splits = self._batch_keys(data)
        self._counts.update(keys)
        if self.output_mode == "tf_idf":
            if splits is None:
                splits = np.array([0, len(keys)])
            for i in range(len(splits) - 1):
                self._doc_counts.update(set(keys[splits[i]:splits[i + 1]]))
            self._num_documents += len(splits) - 1

    def finalize_state(self) -> None:
        if self._has_input_vocabulary or not self._counts:
            self._record_vocabulary_size()
            return
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                self._counts.pop(self._key(special), None)
        ranked = sorted(self._counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        if self.max_tokens:
            ranked = ranked[:max(self.max_tokens - self._token_start_index(), 0)]
        tokens = [k for k, _ in ranked]
        if self.output_mode == "tf_idf":
            docs = np.asarray([self._doc_counts[t] for t in tokens], dtype=np.float64)
            idf = np.log(1.0 + self._num_documents / (1.0 + docs)).astype(np.float32)
            mean = np.float32(np.mean(idf)) if idf.size else np.float32(0)
            idf = np.concatenate([np.full(self._token_start_index(), mean, np.float32), idf])
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, max(self.max_tokens - idf.size, 0)))
            self._set_idf(idf)
        self._set_tokens(tokens)
        self.reset_state()
        self._record_vocabulary_size()

    # -- calling ---------------------------------------------------------------------
    def _keys_of(self, x: Any) -> Any:
        dt = x.dtype
        if self._key_dtype == string:
            if dt != string:
                raise ValueError(f"{what(self)}: expects string inputs, received a {dt.name} "
                                 f"tensor. Use IntegerLookup for integers, or convert them "
                                 f"with tf.strings.as_string.")
            return x
        if dt == string or dt.is_bool or not (dt.is_integer or dt.is_floating):
            hint = "StringLookup for strings" if not self.invert else "integer indices"
            raise ValueError(f"{what(self)}: expects integer inputs, received a {dt.name} "
                             f"tensor (use {hint}).")
        return cast(x, int64) if dt != int64 else x

    def _lookup_dense(self, x: Any) -> Any:
        default = self._default_value()
        value_dtype = string if self.invert and self._string_vocab else int64
        if self._table is None:
            fill = convert_to_tensor(default, dtype=value_dtype)
            ids = C.fill(S.shape(x), fill)
        else:
            ids = self._table.lookup(x)
        if self.mask_token is not None:
            if self.invert:
                mask_key = convert_to_tensor(0, dtype=int64)
                mask_value = convert_to_tensor(self._key(self.mask_token), dtype=value_dtype)
            else:
                mask_key = convert_to_tensor(self._key(self.mask_token), dtype=self._key_dtype)
                mask_value = convert_to_tensor(0 if self.output_mode == "int" else _INT64_MAX,
                                               dtype=int64)
            ids = M.where(M.equal(x, mask_key), C.fill(S.shape(x), mask_value), ids)
        if self.invert:
            return ids
        if self.num_oov_indices == 0:
            self._check_no_oov(x, ids)
        elif self.num_oov_indices > 1:
            n = self.num_oov_indices
            if not self._string_vocab and self.oov_method != "farmhash":
                oov = M.floormod(x, convert_to_tensor(n, dtype=int64))
            else:
                text = x if self._string_vocab else tf_strings.as_string(x)
                oov = tf_strings.to_hash_bucket_strong(text, n, self.salt) if \
                    self.salt is not None else tf_strings.to_hash_bucket_fast(text, n)
            oov = M.add(oov, convert_to_tensor(self._oov_start_index(), dtype=int64))
            ids = M.where(M.equal(ids, convert_to_tensor(-1, dtype=int64)), oov, ids)
        return ids

    def _check_no_oov(self, x: Any, ids: Any) -> None:
        msg = (f"{what(self)}: with num_oov_indices=0 every input must be in the vocabulary; "
               f"set num_oov_indices=1 (or more) to map unknown values to OOV indices")
        if isinstance(ids, ConcreteTensor):
            bad = np.asarray(ids.numpy()) == -1
            if np.any(bad):
                found = [self._text(v) for v in np.asarray(x.numpy())[bad][:5].tolist()]
                raise InvalidArgumentError(f"{msg}. Found OOV values {found}.")
        elif not is_symbolic(ids):
            assert_non_negative(ids, message=msg + ".")

    def _depth(self) -> int:
        if self.pad_to_max_tokens:
            return int(self.max_tokens)
        if self._frozen_vocab_size is None:
            raise RuntimeError(f"{what(self)}: with output_mode={self.output_mode!r} and "
                               f"pad_to_max_tokens=False the vocabulary must be set before "
                               f"the layer is called: pass vocabulary=..., or call "
                               f"adapt(data) first.")
        return int(self._frozen_vocab_size)

    def call(self, inputs: Any) -> Any:
        x = inputs
        if self.output_mode != "int":
            depth = self._depth()
        if isinstance(x, SparseTensor):
            if self.output_mode != "int":
                raise ValueError(f"{what(self)}: sparse inputs need output_mode='int', "
                                 f"received output_mode={self.output_mode!r}.")
            return SparseTensor(x.indices, self._lookup_dense(self._keys_of(x.values)),
                                x.dense_shape)
        if isinstance(x, RaggedTensor):
            ids = x.with_values(self._lookup_dense(self._keys_of(x.values)))
            scalar = False
        else:
            x = self._keys_of(x)
            scalar = x.shape.rank == 0
            ids = self._lookup_dense(S.expand_dims(x, -1) if scalar else x)
        if self.output_mode == "int":
            return S.squeeze(ids, -1) if scalar else ids
        if self.output_mode != "tf_idf":
            return encode(ids, self.output_mode, depth, int64, self.sparse)
        counts = encode(ids, "count", depth, float32)
        if self._idf_tensor is None and is_symbolic(ids):
            return counts  # building a model (e.g. loading one): the shape is enough
        if self._idf_tensor is None:
            raise ValueError(f"{what(self)}: output_mode='tf_idf' needs idf weights: call "
                             f"adapt(data) or set_vocabulary(vocabulary, idf_weights).")
        out = M.multiply(counts, self._idf_tensor)
        if self.sparse:
            from ...sparse.sparse_ops import from_dense
            out = from_dense(out)
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """True where the input is not the mask token ("int" output with a mask token
        only; None otherwise).

        Example:
            >>> import ember as tf
            >>> from ember import keras
            >>> layer = keras.layers.StringLookup(vocabulary=["a"], mask_token="")
            >>> layer.compute_mask(tf.constant([["a", ""]])).numpy()
            array([[ True, False]])
        """
        if self.mask_token is None or self.output_mode != "int" or self.invert or \
                not isinstance(inputs, TensorOps):
            return None
        x = self._keys_of(inputs)
        return M.not_equal(x, convert_to_tensor(self._key(self.mask_token),
                                                dtype=self._key_dtype))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        if self.output_mode == "int":
            return shape
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        if self.output_mode == "one_hot":
            return shape[:-1] + (depth,) if len(shape) > 1 and shape[-1] == 1 \
                else shape + (depth,)
        return shape[:-1] + (depth,)

    # -- config and saving -----------------------------------------------------------
    def get_config(self) -> dict:
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                "mask_token": self.mask_token, "output_mode": self.output_mode,
                "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary_dtype": "string" if self._string_vocab else "int64",
                "idf_weights": _listify(self.input_idf_weights),
                "vocabulary": _listify(self.input_vocabulary),
                "vocabulary_size": self._frozen_vocab_size, "oov_method": self.oov_method,
                "salt": self.salt}

    def _keras3_extra_variables(self) -> dict:
        """Arrays Keras 3 keeps in the layer's `vars` group by name (not numbered)."""
        if self.output_mode == "tf_idf" and self._idf is not None:
            return {"idf_weights": self._idf}
        return {}

    def _keras3_load_extra_variables(self, arrays: dict) -> None:
        if self.output_mode == "tf_idf" and "idf_weights" in arrays:
            self._set_idf(arrays["idf_weights"])

    def _keras3_assets(self) -> dict:
        """The layer's files in a `.keras` archive: `vocabulary.txt` (Keras 3's asset)
        unless the vocabulary was given to the constructor (then it is in the config)."""
        if self.input_vocabulary is not None:
            return {}
        words = self.get_vocabulary(include_special_tokens=True)
        return {"vocabulary.txt": "\n".join(str(w) for w in words).encode("utf-8")}

    def _keras3_load_assets(self, files: dict) -> None:
        if self.input_vocabulary is not None or "vocabulary.txt" not in files:
            return
        lines = files["vocabulary.txt"].decode("utf-8").splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        if not lines:
            return
        values = lines if self._string_vocab else [int(v) for v in lines]
        has_input = self._has_input_vocabulary
        self._has_input_vocabulary = False
        try:
            self.set_vocabulary(values, idf_weights=self._idf[:len(values)] if
                                self.output_mode == "tf_idf" and self._idf is not None
                                else None)
        finally:
            self._has_input_vocabulary = has_input

"""Categorical preprocessing layers (Keras 3's): CategoryEncoding, Hashing and
HashedCrossing (Discretization is in `discretization.py`).

The hashes are TF's, bit for bit: `Hashing` uses FarmHash Fingerprint64
(`tf.strings.to_hash_bucket_fast`) or, with a `salt`, keyed SipHash
(`to_hash_bucket_strong`); `HashedCrossing` chains the features' fingerprints with TF's
`FingerprintCat64` as `tf.sparse.cross_hashed` does. Integer and float features are
hashed as their decimal strings (floats truncated to int64 first), as Keras.

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> keras.layers.Hashing(num_bins=3)(tf.constant([["A"], ["B"], ["C"]])).numpy().tolist()
    [[1], [0], [1]]
    >>> keras.layers.CategoryEncoding(4, output_mode="one_hot")([3, 0]).numpy().tolist()
    [[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import strings as tf_strings
from ...backend.numpy.hashing import fingerprint64
from ...core.dtypes import int64, string
from ...core.shape import TensorSpec
from ...core.tensor import ConcreteTensor, TensorOps
from ...ops import creation_ops as C
from ...ops import math_ops as M
from ...ops import shape_ops as S
from ...ops.py_ops import numpy_function
from ...prims.convert import cast, convert_to_tensor
from ...ragged.ragged_tensor import RaggedTensor
from ...sparse.sparse_tensor import SparseTensor
from ._categorical_utils import DataLayer, check_choice, encode, is_symbolic, to_input, what

__all__ = ["CategoryEncoding", "Hashing", "HashedCrossing"]


def _positive_int(layer: Any, arg: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what(layer)}: {arg} must be an int >= 1, received "
                         f"{arg}={value!r}.")
    return int(value)


def _int_ids(layer: Any, x: Any) -> Any:
    """`x` (integer ids) as int64, or a ValueError naming the layer."""
    dt = x.dtype
    if not (dt.is_integer or dt.is_floating) or dt == string:
        raise ValueError(f"{what(layer)}: expects integer token ids, received a {dt.name} "
                         f"tensor. Map strings to ids first (StringLookup or Hashing).")
    return cast(x, int64) if dt != int64 else x


class CategoryEncoding(DataLayer):
    """Encodes integer token ids in [0, num_tokens) as one-hot vectors, multi-hot
    vectors or counts (Keras 3's `keras.layers.CategoryEncoding`).

    Args:
        num_tokens: the number of tokens (the size of the last output axis).
        output_mode: "one_hot" (one vector per id; a last axis of size 1 is replaced),
            "multi_hot" (one vector per sample: the last axis is the sample, a 1-D input
            is one sample) or "count" (as multi_hot, with counts).
        sparse: return a `tf.SparseTensor`.

    Call arguments:
        inputs: integer ids.
        count_weights: weights of the ids (same shape), only with output_mode="count".

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> layer = keras.layers.CategoryEncoding(num_tokens=4, output_mode="count")
        >>> layer([[0, 1], [0, 0]], count_weights=[[0.1, 0.2], [0.1, 0.1]]).numpy()
        array([[0.1, 0.2, 0. , 0. ],
               [0.2, 0. , 0. , 0. ]], dtype=float32)
    """

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot",
                 sparse: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        check_choice(self, "output_mode", output_mode, ("one_hot", "multi_hot", "count"))
        if num_tokens is None:
            raise ValueError(f"{what(self)}: num_tokens must be set (the number of token "
                             f"ids). If it is not known beforehand, use IntegerLookup.")
        self.num_tokens = _positive_int(self, "num_tokens", num_tokens)
        self.output_mode = output_mode
        self.sparse = bool(sparse)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        if not shape:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and (shape[-1] != 1 or len(shape) == 1):
            return shape + (self.num_tokens,)
        return shape[:-1] + (self.num_tokens,)

    def call(self, inputs: Any, count_weights: Any = None) -> Any:
        if isinstance(inputs, SparseTensor):
            raise ValueError(f"{what(self)}: sparse inputs are not supported; pass a dense "
                             f"or ragged tensor of ids.")
        ids = inputs.with_values(_int_ids(self, inputs.values)) \
            if isinstance(inputs, RaggedTensor) else _int_ids(self, inputs)
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f"{what(self)}: count_weights is only used with "
                                 f"output_mode='count', received output_mode="
                                 f"{self.output_mode!r}.")
            if not isinstance(count_weights, (TensorOps, RaggedTensor)):
                count_weights = convert_to_tensor(np.asarray(count_weights),
                                                  dtype=self._dtype)
            elif not isinstance(count_weights, RaggedTensor) and \
                    count_weights.dtype != self._dtype:
                count_weights = cast(count_weights, self._dtype)
        if isinstance(ids, ConcreteTensor):
            arr = np.asarray(ids.numpy())
            bad = arr[(arr < 0) | (arr >= self.num_tokens)]
            if bad.size:
                raise ValueError(f"{what(self)}: token ids must be in [0, num_tokens="
                                 f"{self.num_tokens}), received {bad[:5].tolist()}. Raise "
                                 f"num_tokens, or map the values to ids first "
                                 f"(IntegerLookup).")
        return encode(ids, self.output_mode, self.num_tokens, self._dtype, self.sparse,
                      count_weights)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode, "sparse": self.sparse}


def _salt(layer: Any, salt: Any) -> list | None:
    if salt is None:
        return None
    if isinstance(salt, (tuple, list)) and len(salt) == 2 and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in salt):
        return [int(salt[0]), int(salt[1])]
    if isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
        return [int(salt), int(salt)]
    raise ValueError(f"{what(layer)}: salt must be an int or a tuple of 2 ints, received "
                     f"salt={salt!r}.")


class Hashing(DataLayer):
    """Hashes strings or integers into `num_bins` bins (Keras 3's `keras.layers.Hashing`):
    FarmHash Fingerprint64 modulo the bins, or keyed SipHash with a `salt`; the same
    bins as TF. Numbers are hashed as their decimal strings (floats truncated first).

    Args:
        num_bins: the number of bins, including the mask bin 0 when `mask_value` is set.
        mask_value: a value that goes to bin 0 (the others to bins 1..num_bins-1).
        salt: an int or two ints: the key of SipHash (None: FarmHash).
        output_mode: "int", "one_hot", "multi_hot" or "count" (see CategoryEncoding).
        sparse: return a `tf.SparseTensor` (not with "int").

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> layer = keras.layers.Hashing(num_bins=3, salt=133)
        >>> layer(tf.constant([["A"], ["B"], ["C"]])).numpy().tolist()
        [[0], [0], [2]]
    """

    def __init__(self, num_bins: int, mask_value: Any = None, salt: Any = None,
                 output_mode: str = "int", sparse: bool = False, **kwargs: Any):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or isinstance(num_bins, bool) or not isinstance(
                num_bins, (int, np.integer)) or num_bins <= 0:
            raise ValueError(f"{what(self)}: num_bins must be an int >= 1, received "
                             f"num_bins={num_bins!r}.")
        check_choice(self, "output_mode", output_mode,
                     ("int", "one_hot", "multi_hot", "count"))
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(f"{what(self)}: with output_mode='int' the dtype must be "
                             f"'int32' or 'int64', received dtype={self.dtype!r}.")
        if sparse and output_mode == "int":
            raise ValueError(f"{what(self)}: sparse=True needs output_mode 'one_hot', "
                             f"'multi_hot' or 'count', received output_mode='int'.")
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.salt = _salt(self, salt)
        self.strong_hash = self.salt is not None
        self.output_mode = output_mode
        self.sparse = bool(sparse)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        if self.output_mode == "int":
            return shape
        return shape[:-1] + (self.num_bins,) if shape else (self.num_bins,)

    def _bins(self, values: Any) -> Any:
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mv = self.mask_value
            if values.dtype == string:
                mv = convert_to_tensor(mv if isinstance(mv, (str, bytes)) else str(mv),
                                       dtype=string)
            elif isinstance(mv, (str, bytes)):
                raise ValueError(f"{what(self)}: mask_value={mv!r} is a string but the "
                                 f"inputs are {values.dtype.name}.")
            else:
                mv = convert_to_tensor(mv, dtype=values.dtype)
            mask = M.equal(values, mv)
        if values.dtype.is_floating:
            values = cast(values, int64)
        if values.dtype != string:
            if not values.dtype.is_integer:
                raise ValueError(f"{what(self)}: expects string, integer or float inputs, "
                                 f"received {values.dtype.name}.")
            values = tf_strings.as_string(values)
        if self.strong_hash:
            out = tf_strings.to_hash_bucket_strong(values, bins, self.salt)
        else:
            out = tf_strings.to_hash_bucket_fast(values, bins)
        if mask is not None:
            out = M.where(mask, C.zeros_like(out), M.add(out, C.ones_like(out)))
        return out

    def call(self, inputs: Any) -> Any:
        x = inputs
        if self.output_mode == "one_hot" and isinstance(x, TensorOps) and \
                x.shape.rank and x.shape[-1] == 1:
            x = S.squeeze(x, -1)
        if isinstance(x, RaggedTensor):
            ids = x.with_values(self._bins(x.values))
        elif isinstance(x, SparseTensor):
            ids = SparseTensor(x.indices, self._bins(x.values), x.dense_shape)
            if self.output_mode == "int":
                return ids.with_values(cast(ids.values, self._dtype))
            raise ValueError(f"{what(self)}: sparse inputs need output_mode='int', received "
                             f"output_mode={self.output_mode!r}.")
        else:
            ids = self._bins(x)
        return encode(ids, self.output_mode, self.num_bins, self._dtype, self.sparse)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode,
                "sparse": self.sparse}


_CROSS_KEY = 0xDECAFCAFFE  # tf.sparse.cross_hashed's default hash key
_MUL = 0xC6A4A7935BD1E995
_U64 = (1 << 64) - 1


def _shift_mix(v: int) -> int:
    return v ^ (v >> 47)


def _fingerprint_cat64(fp1: int, fp2: int) -> int:
    """TF's FingerprintCat64: two 64-bit fingerprints combined into one."""
    out = fp1 ^ _MUL
    out ^= (_shift_mix((fp2 * _MUL) & _U64) * _MUL) & _U64
    out = (out * _MUL) & _U64
    out = (_shift_mix(out) * _MUL) & _U64
    return _shift_mix(out)


def cross_hash(columns: list, num_bins: int) -> np.ndarray:
    """The crossed bin of each row of equally shaped NumPy `columns` (strings as bytes,
    or integers): `tf.sparse.cross_hashed`'s hash modulo `num_bins`.

    Example:
        >>> cross_hash([np.array([b"A", b"B"], object), np.array([101, 101])], 5).tolist()
        [1, 4]
    """
    flat = [np.asarray(c).reshape(-1).tolist() for c in columns]
    out = []
    for values in zip(*flat):
        h = _CROSS_KEY
        for v in values:
            h = _fingerprint_cat64(h, fingerprint64(v) if isinstance(v, bytes)
                                   else int(v) & _U64)
        out.append(h % num_bins)
    return np.asarray(out, dtype=np.int64).reshape(np.asarray(columns[0]).shape)


class HashedCrossing(DataLayer):
    """Crosses two or more categorical features into `num_bins` bins (Keras 3's
    `keras.layers.HashedCrossing`), with TF's `tf.sparse.cross_hashed` hash.

    Args:
        num_bins: the number of bins.
        output_mode: "int" (the bin) or "one_hot".
        sparse: return a `tf.SparseTensor` (with "one_hot").

    Call arguments:
        inputs: a tuple or list of 2 or more tensors of equal shape `()`, `(batch,)` or
            `(batch, 1)`, each of strings or integers.

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> layer = keras.layers.HashedCrossing(num_bins=5)
        >>> layer((tf.constant(["A", "B", "A"]), tf.constant([101, 101, 102]))).numpy()
        array([1, 4, 3])
    """

    def __init__(self, num_bins: int, output_mode: str = "int", sparse: bool = False,
                 name: str | None = None, dtype: Any = None, **kwargs: Any):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        check_choice(self, "output_mode", output_mode, ("int", "one_hot"))
        self.num_bins = _positive_int(self, "num_bins", num_bins)
        self.output_mode = output_mode
        self.sparse = bool(sparse)

    def _convert_inputs(self, inputs: Any) -> Any:
        if isinstance(inputs, (list, tuple)):
            return type(inputs)(to_input(x) for x in inputs)
        return inputs

    def _check(self, inputs: Any) -> list:
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"{what(self)}: expects a list or tuple of at least 2 "
                             f"tensors, received {type(inputs).__name__}. Call it as "
                             f"layer((feature_a, feature_b)).")
        xs = list(inputs)
        if any(isinstance(x, (RaggedTensor, SparseTensor)) for x in xs):
            raise ValueError(f"{what(self)}: all inputs must be dense tensors; convert "
                             f"ragged or sparse ones with to_tensor() / tf.sparse.to_dense.")
        first = tuple(xs[0].shape)
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ValueError(f"{what(self)}: inputs must have shape (), (batch,) or "
                             f"(batch, 1), received shape {first}.")
        if any(tuple(x.shape) != first for x in xs[1:]):
            raise ValueError(f"{what(self)}: all inputs must have the same shape, received "
                             f"shapes {[tuple(x.shape) for x in xs]}.")
        for x in xs:
            if not (x.dtype.is_integer or x.dtype == string):
                raise ValueError(f"{what(self)}: inputs must be integer or string "
                                 f"tensors, received {x.dtype.name}.")
        return xs

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape[0])
        if self.output_mode == "int":
            return shape
        if shape and shape[-1] == 1:
            shape = shape[:-1]
        return shape + (self.num_bins,)

    def call(self, inputs: Any) -> Any:
        xs = self._check(inputs)
        if any(is_symbolic(x) for x in xs):
            crossed = C.zeros_like(cast(xs[0], int64) if xs[0].dtype != string
                                   else tf_strings.length(xs[0]), dtype=int64)
        else:
            n = self.num_bins
            crossed = numpy_function(lambda *cols: cross_hash(list(cols), n), xs,
                                     TensorSpec(xs[0].shape, int64), stateful=False)
        return encode(crossed, self.output_mode, self.num_bins, self._dtype, self.sparse)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_bins": self.num_bins,
                "output_mode": self.output_mode, "sparse": self.sparse}

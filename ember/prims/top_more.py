"""Primitives of TF's top level (issue 18): `ensure_shape`, `bitcast` and
`random_index_shuffle`, with the thin ops that bind them.

`ensure_shape` checks a tensor's shape against a partially known one: at trace time
against the static shape (and it refines it: the output's static shape is the merge),
and when the kernel runs against the actual one. Its gradient is the identity.

`bitcast` reinterprets the bytes (TF's rules: a larger source type gains a last dim of
size_in / size_out; a smaller one loses its last dim, which must be size_out / size_in).
It has no gradient, as TF.

`random_index_shuffle(index, seed, max_index)` maps each index in [0, max_index] to its
place in a pseudo-random permutation of [0, max_index] fixed by `seed` (3 integers), as
TF's op. The cipher (ember's own, not TF's, so the permutation differs from TF's): a
balanced Feistel network on the smallest even number of bits b >= 2 covering max_index,
`rounds` rounds, round function F(r, half) = low b/2 bits of splitmix64(half ^ key_r),
keys from the seed by splitmix64; a value above max_index is encrypted again (cycle
walking), which keeps the map a permutation of [0, max_index]. No gradient.

Example:
    >>> import ember as tf
    >>> from ember.prims.top_more import ensure_shape
    >>> ensure_shape(tf.zeros([2, 3]), [None, 3]).shape
    TensorShape([2, 3])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtypes import NP_INDEX, as_dtype
from ..core.errors import DTypeError, InvalidArgumentError
from ..core.registry import bind, defvjp, no_gradient, primitive
from ..core.rules import describe
from ..core.shape import TensorShape, TensorSpec
from .convert import as_tensor, convert_to_tensor

__all__ = ["ensure_shape", "bitcast", "random_index_shuffle"]


# -- ensure_shape ----------------------------------------------------------------------

def _ensure_shape_rule(x: TensorSpec, shape: Any) -> TensorSpec:
    want = TensorShape(shape)
    if not x.shape.is_compatible_with(want):
        raise InvalidArgumentError(
            f"ensure_shape: Shape of tensor x {x.shape} is not compatible with expected "
            f"shape {want} (received x {describe(x)}). Reshape the tensor or relax the "
            f"expected shape with None dims.")
    return TensorSpec(x.shape.merge_with(want), x.dtype)


ensure_shape_p = primitive("ensure_shape", _ensure_shape_rule, check="rule")
defvjp(ensure_shape_p, lambda g, ins, out, shape: (g,))


def ensure_shape(x: Any, shape: Any, name: str | None = None) -> Any:
    """`x`, after checking that its shape is compatible with `shape` (TF's
    `tf.ensure_shape`): None dims (or shape None) match anything. Eagerly the check is
    immediate; inside `ember.function` the static shape is checked at trace time, refined
    to the merge, and the actual shape checked when the function runs.

    Raises:
        InvalidArgumentError: the shapes are not compatible.

    Example:
        >>> import ember as tf
        >>> tf.ensure_shape(tf.zeros([2, 3]), [None, 3]).shape
        TensorShape([2, 3])
        >>> tf.ensure_shape(tf.zeros([3]), [2])
        Traceback (most recent call last):
        ...
        ember.core.errors.InvalidArgumentError: ensure_shape: Shape of tensor x (3,) is not compatible with expected shape (2,) (received x float32[3]). Reshape the tensor or relax the expected shape with None dims.
    """
    x = as_tensor(x)
    want = TensorShape(shape)
    dims = None if want.rank is None else tuple(want.as_list())
    return bind(ensure_shape_p, x, shape=dims)


# -- bitcast ---------------------------------------------------------------------------

def _bitcast_rule(x: TensorSpec, type: Any) -> TensorSpec:  # noqa: A002
    out = np.dtype(type)
    src = np.dtype(x.dtype._numpy())
    if src.kind in "OUSb" or out.kind in "OUSb":
        raise DTypeError(f"bitcast: bool and string tensors can't be bitcast (received "
                         f"{describe(x)} to {as_dtype(out).name}).")
    shape = x.shape
    if src.itemsize == out.itemsize or shape.rank is None:
        return TensorSpec(shape, as_dtype(out))
    if src.itemsize > out.itemsize:
        return TensorSpec(shape.concatenate([src.itemsize // out.itemsize]), as_dtype(out))
    need = out.itemsize // src.itemsize
    if shape.rank == 0 or shape[-1] not in (None, need):
        raise InvalidArgumentError(
            f"bitcast: casting {x.dtype.name} to the larger {as_dtype(out).name} needs a "
            f"last dim of {need} (received {describe(x)}).")
    return TensorSpec(shape[:-1], as_dtype(out))


bitcast_p = primitive("bitcast", _bitcast_rule, check="rule")
no_gradient(bitcast_p)


def bitcast(input: Any, type: Any, name: str | None = None) -> Any:  # noqa: A002
    """The same bytes read as another dtype (TF's `tf.bitcast`).

    Example:
        >>> import ember as tf
        >>> tf.bitcast(tf.constant(1.0), tf.int32).numpy()
        np.int32(1065353216)
        >>> tf.bitcast(tf.constant([1], tf.int32), tf.uint8).numpy()
        array([[1, 0, 0, 0]], dtype=uint8)
    """
    x = as_tensor(input)
    return bind(bitcast_p, x, type=np.dtype(as_dtype(type)._numpy()))


# -- random_index_shuffle ---------------------------------------------------------------

def _shuffle_rule(index: TensorSpec, seed: TensorSpec, max_index: int,
                  rounds: int) -> TensorSpec:
    for what, s in (("index", index), ("seed", seed)):
        if np.dtype(s.dtype._numpy()) not in NP_INDEX and s.dtype.name not in (
                "uint32", "uint64"):
            raise DTypeError(f"random_index_shuffle: {what} must be int32, int64, uint32 or "
                             f"uint64, received {describe(s)}.")
    if index.shape.rank is not None and index.shape.rank > 1:
        raise InvalidArgumentError(f"random_index_shuffle: index must be a scalar or a "
                                   f"vector, received {describe(index)}.")
    if seed.shape.rank is not None and (seed.shape.rank != 1 or seed.shape[0] not in (3,
                                                                                   None)):
        raise InvalidArgumentError(f"random_index_shuffle: seed must have shape [3], "
                                   f"received {describe(seed)}.")
    if max_index < 0:
        raise InvalidArgumentError(f"random_index_shuffle: max_index must be >= 0, received "
                                   f"{max_index}.")
    if rounds < 4 or rounds % 2:
        raise InvalidArgumentError(f"random_index_shuffle: rounds must be an even number "
                                   f">= 4, received {rounds}.")
    return index


random_index_shuffle_p = primitive("random_index_shuffle", _shuffle_rule, check="rule")
no_gradient(random_index_shuffle_p)


def random_index_shuffle(index: Any, seed: Any, max_index: Any, rounds: int = 4,
                         name: str | None = None) -> Any:
    """The position of `index` in a pseudo-random permutation of [0, max_index] fixed by
    `seed` (TF's `tf.random_index_shuffle`): the same seed maps [0, max_index] onto itself
    one-to-one. See the module docstring for the cipher (it is not TF's, so the
    permutation differs from TF's).

    Args:
        index: a scalar or vector of indices in [0, max_index].
        seed: 3 integers.
        max_index: the largest index (a Python int or a concrete scalar tensor).
        rounds: the Feistel rounds (even, >= 4).

    Example:
        >>> import ember as tf
        >>> p = tf.random_index_shuffle(tf.range(10), tf.constant([1, 2, 3]), 9)
        >>> sorted(p.numpy().tolist()) == list(range(10))
        True
    """
    idx = as_tensor(index)
    s = convert_to_tensor(seed, dtype_hint=idx.dtype)
    m = getattr(max_index, "_value", max_index)
    try:
        m = int(np.asarray(m))
    except (TypeError, ValueError):
        raise InvalidArgumentError("random_index_shuffle: max_index must be known when the "
                                   "op is built (a Python int or a concrete tensor) in "
                                   "ember.") from None
    return bind(random_index_shuffle_p, idx, s, max_index=m, rounds=int(rounds))




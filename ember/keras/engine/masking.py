"""Keras masks (tf.keras 2 semantics): a boolean tensor riding along with a layer's output.

A mask marks which time steps of a `(batch, steps, ...)` tensor are real (True) and which
are padding (False). It travels *with the tensor*: a layer whose `compute_mask(inputs,
mask)` returns one attaches it to its output (`output._keras_mask`, as TF), and the next
layer's `call` receives it as `mask=` when its `call` has a `mask` parameter. Layers with
`supports_masking = True` and no own `compute_mask` pass it through unchanged; layers
that don't support masking drop it.

Tensor classes have `__slots__`, so masks live in a side table keyed by the tensor's id
and dropped with the tensor (a weak reference); `_keras_mask` reads and writes it. The
same table serves eager tensors, KerasTensors (functional models being built) and the
tracers of `ember.function`, so masks flow through functional graphs and compiled steps.

Example:
    >>> import ember as tf, numpy as np
    >>> from ember import keras
    >>> e = keras.layers.Embedding(5, 2, mask_zero=True)
    >>> y = e(np.array([[3, 1, 0]]))
    >>> y._keras_mask.numpy()
    array([[ True,  True, False]])
"""

from __future__ import annotations

import inspect
import weakref
from typing import Any

from ...core import nest
from ...core.tensor import TensorOps
from ...prims.convert import convert_to_tensor

from .call_context import MASKS


def _forget(key: int) -> Any:
    def drop(_ref: Any) -> None:
        entry = MASKS.get(key)
        if entry is not None and entry[0]() is None:
            del MASKS[key]
    return drop


def set_mask(tensor: Any, mask: Any) -> None:
    """Attaches `mask` to `tensor` (None removes it); non-tensors are left alone.

    Example:
        >>> import ember as tf
        >>> x = tf.ones((1, 2))
        >>> set_mask(x, tf.constant([[True, False]]))
        >>> get_mask(x).numpy()
        array([[ True, False]])
    """
    if not isinstance(tensor, TensorOps):
        return
    key = id(tensor)
    if mask is None:
        MASKS.pop(key, None)
        return
    if not isinstance(mask, TensorOps):  # e.g. a NumPy mask passed as `mask=`
        mask = convert_to_tensor(mask)
    try:
        ref = weakref.ref(tensor, _forget(key))
    except TypeError:  # a tensor kind without weak references: no mask
        return
    MASKS[key] = (ref, mask)


def get_mask(tensor: Any) -> Any:
    """The mask attached to `tensor`, or None.

    Example:
        >>> import ember as tf
        >>> get_mask(tf.ones((2,))) is None
        True
    """
    if not MASKS:
        return None
    entry = MASKS.get(id(tensor))
    if entry is None or entry[0]() is not tensor:
        return None
    return entry[1]


def _mask_property(self: Any) -> Any:
    return get_mask(self)


def _set_mask_property(self: Any, mask: Any) -> None:
    set_mask(self, mask)


# NOTE: TF exposes a tensor's mask as `t._keras_mask`. The tensor classes (core/tensor.py)
# keep no per-instance dict, so the attribute is a property over the side table, installed
# on the shared operator mixin here (the keras layer owns the concept of a mask).
TensorOps._keras_mask = property(_mask_property, _set_mask_property)


def supports_masking(layer: Any) -> bool:
    """Whether `layer` computes or passes masks: `supports_masking = True`, or its own
    `compute_mask` (tf.keras 2's rule).

    Example:
        >>> from ember import keras
        >>> supports_masking(keras.layers.Dense(2)), supports_masking(keras.layers.Flatten())
        (True, False)
    """
    if getattr(layer, "supports_masking", False):
        return True
    # the base Layer.compute_mask is marked `_is_default` (engine/layer.py)
    return not getattr(type(layer).compute_mask, "_is_default", False)


def expects_mask(cls: type) -> bool:
    """Whether `cls.call` has a `mask` parameter (cached per class).

    Example:
        >>> from ember import keras
        >>> expects_mask(keras.layers.LSTM), expects_mask(keras.layers.Dense)
        (True, False)
    """
    info = cls.__dict__.get("_expects_mask_cache")
    if info is None:
        try:
            info = "mask" in inspect.signature(cls.call).parameters
        except (TypeError, ValueError):
            info = False
        setattr(cls, "_expects_mask_cache", info)
    return info


def collect_masks(inputs: Any) -> Any:
    """The masks of `inputs` in their structure, or None when none has a mask.

    Example:
        >>> import ember as tf
        >>> a, b = tf.ones((1, 2)), tf.ones((1, 2))
        >>> set_mask(a, tf.constant([[True, False]]))
        >>> [m is None for m in collect_masks([a, b])], collect_masks(b) is None
        ([False, True], True)
    """
    if not MASKS:
        return None
    flat = nest.flatten(inputs)
    masks = [get_mask(x) for x in flat]
    if all(m is None for m in masks):
        return None
    if len(flat) == 1 and not isinstance(inputs, (list, tuple, dict)):
        return masks[0]
    return nest.pack_sequence_as(inputs, masks)


def copy_masks(src: Any, dst: Any) -> None:
    """Gives each tensor of `dst` the mask of the tensor at its place in `src` (a
    conversion or a cast of the inputs keeps their masks).

    Example:
        >>> import ember as tf
        >>> a = tf.ones((1, 2)); set_mask(a, tf.constant([[True, False]]))
        >>> b = tf.cast(a, tf.float64); copy_masks(a, b)
        >>> b._keras_mask.numpy()
        array([[ True, False]])
    """
    if not MASKS:
        return
    for a, b in zip(nest.flatten(src), nest.flatten(dst)):
        if a is not b:
            m = get_mask(a)
            if m is not None:
                set_mask(b, m)


def attach_output_masks(layer: Any, inputs: Any, outputs: Any, masks: Any) -> None:
    """tf.keras 2's `_set_mask_metadata`: unless every output already carries a mask,
    `layer.compute_mask(inputs, masks)` gives the outputs' masks.

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> layer, x, y = keras.layers.Dense(2), tf.ones((1, 2, 2)), tf.ones((1, 2, 2))
        >>> attach_output_masks(layer, x, y, tf.constant([[False, True]]))
        >>> y._keras_mask.numpy()
        array([[False,  True]])
    """
    if not supports_masking(layer):
        return
    flat = nest.flatten(outputs)
    if flat and all(get_mask(o) is not None for o in flat):
        return
    out_masks = layer.compute_mask(inputs, masks)
    if out_masks is None:
        return
    flat_masks = nest.flatten(out_masks) if isinstance(out_masks, (list, tuple, dict)) \
        else [out_masks]
    if len(flat_masks) == 1 and len(flat) > 1:
        flat_masks = flat_masks * len(flat)
    for o, m in zip(flat, flat_masks):
        if m is not None:
            set_mask(o, m)

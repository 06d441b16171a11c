"""Slicing primitives: strided_slice (the basic index `x[1, ::2, ...]`) and its transpose
strided_slice_grad, tf.strided_slice, tf.slice, and pad (whose gradient is a slice).

`basic_getitem` takes what TF's `x[key]` takes: ints, negative ints, slices with steps,
`...`, `ember.newaxis`, scalar int tensors, also ones known only at run time inside
ember.function (see index_dynamic.py). `x[key]` with an int or bool array (a gather or a
boolean_mask, as NumPy) is the composite `ops/index_ops.getitem`.

Example:
    >>> import ember as tf
    >>> from ember.prims.index import basic_getitem
    >>> basic_getitem(tf.range(6), (Ellipsis, -1)).numpy()
    np.int32(5)
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..core.errors import InvalidArgumentError, ShapeError, SymbolicValueError
from ..core.registry import bind, bind1, defvjp, primitive
from ..core.rules import describe
from ..core.shape import TensorSpec
from ..core.tensor import ConcreteTensor
from .array import shape_of
from .convert import as_tensor
from .index_dynamic import _show, getitem_dynamic, index_shape, is_symbolic, slice_dynamic, template
from .math import add
from .values import _VALUES, known_value, note_value

__all__ = ["strided_slice", "slice", "newaxis"]

newaxis = None
_pyslice = builtins.slice


def _static_int(v: Any, what: str) -> int:
    if isinstance(v, ConcreteTensor):
        if v.ndim != 0 or v.dtype.is_floating or v.dtype.is_bool:
            raise TypeError(f"Only integers, slices, ellipsis, ember.newaxis and scalar int "
                            f"tensors are valid indices; received a "
                            f"{describe(TensorSpec.from_tensor(v))} tensor as {what}.")
        return int(v._value)
    try:
        return v.__index__()
    except (AttributeError, TypeError):
        raise TypeError(f"Only integers, slices (`:`), ellipsis (`...`), ember.newaxis and "
                        f"scalar int tensors are valid indices; received {v!r} as "
                        f"{what}.") from None


_PLAIN = (int, type(None), type(Ellipsis))


def _is_plain(k: Any) -> bool:
    t = type(k)
    if t in _PLAIN:
        return True
    return (t is _pyslice and type(k.start) in _PLAIN and type(k.stop) in _PLAIN
            and type(k.step) in _PLAIN and k.step != 0)


def _normalize(key: Any) -> tuple | None:
    """The index as a tuple of Python ints, slices of ints, None and Ellipsis: the static
    param of `strided_slice` (a NumPy basic index); None when a part is a symbolic scalar
    (its value is known only at run time: see index_dynamic.py)."""
    if type(key) is int:
        return (key,)
    if type(key) is tuple and all(_is_plain(k) for k in key):
        return key
    items = key if isinstance(key, tuple) else (key,)
    out = []
    try:  # NOTE: a symbolic part is found by its failure, so static keys pay nothing
        for k in items:
            if k is None or k is Ellipsis:
                out.append(k)
            elif isinstance(k, _pyslice):
                parts = [None if p is None else _static_int(p, "a slice bound")
                         for p in (k.start, k.stop, k.step)]
                if parts[2] == 0:
                    raise InvalidArgumentError("getitem: slice step cannot be zero.")
                out.append(_pyslice(*parts))
            else:
                out.append(_static_int(k, "an index"))
    except SymbolicValueError:
        return None
    return tuple(out)


def _index_rule(x: TensorSpec, index: tuple) -> TensorSpec:
    return TensorSpec(index_shape(x, index, _show(index, False), _static_slice_dim), x.dtype)


def _static_slice_dim(k: _pyslice, d: int | None, axis: int) -> int | None:
    if k.step == 0:
        raise InvalidArgumentError("strided_slice: slice step cannot be zero.")
    return None if d is None else len(range(*k.indices(d)))


def _index_grad_rule(g: TensorSpec, like: TensorSpec, index: tuple) -> TensorSpec:
    want = _index_rule(TensorSpec(like.shape, g.dtype), index)
    if not g.shape.is_compatible_with(want.shape) or g.shape.rank != want.shape.rank:
        raise ShapeError(
            f"strided_slice_grad: the cotangent {describe(g)} does not fit index "
            f"{_show(index, False)} of {describe(like)}, which selects {describe(want)}.")
    return TensorSpec(like.shape, g.dtype)


# NOTE: no eager rule check: NumPy raises for every bad basic index (out of range, too
# many indices, several ellipses, step 0) and `bind` then runs the rule to explain it.
strided_slice_p = primitive("strided_slice", _index_rule)
# The cotangent of strided_slice: `g` written into zeros of the shape of `like` (the
# input, whose shape is read at run time, so unknown dims inside ember.function work).
# Its rule runs first, as NumPy would broadcast a too-small `g` into the slot silently.
strided_slice_grad_p = primitive("strided_slice_grad", _index_grad_rule, check="rule")


def _slice_vjp(g: Any, ins: tuple, out: Any, index: Any) -> tuple:
    x = ins[0]
    if not (x.dtype.is_floating or x.dtype.is_complex):
        return (None,)
    return (bind(strided_slice_grad_p, g, x, index=index),)


# strided_slice_grad is linear in g: its VJP is the slice itself (second derivatives).
defvjp(strided_slice_p, _slice_vjp)
defvjp(strided_slice_grad_p, lambda g, ins, out, index: (
    bind1(strided_slice_p, g, index=index), None))


def basic_getitem(x: Any, key: Any) -> Any:
    """`x[key]` for a basic index (no int or bool array in it).

    Example:
        >>> import ember as tf
        >>> x = tf.reshape(tf.range(12), [3, 4])
        >>> x[-1, ::2].numpy(), x[..., tf.newaxis, 1].shape
        (array([ 8, 10], dtype=int32), TensorShape([3, 1]))
    """
    x = as_tensor(x)
    index = _normalize(key)
    if index is None:  # scalar int tensors known only at run time
        index, bounds = template(key)
        if bounds:
            return getitem_dynamic(x, index, bounds)
    out = bind1(strided_slice_p, x, index=index)
    if _VALUES and len(index) == 1 and not isinstance(out, ConcreteTensor):
        kv = known_value(x, symbols=True)  # e.g. ember.shape(x)[0]: x's dim 0
        if isinstance(kv, tuple) and index[0] is not None and index[0] is not Ellipsis:
            note_value(out, kv[index[0]])
    return out


def strided_slice(input_: Any, begin: Any, end: Any, strides: Any = None,
                  begin_mask: int = 0, end_mask: int = 0, ellipsis_mask: int = 0,
                  new_axis_mask: int = 0, shrink_axis_mask: int = 0, var: Any = None,
                  name: str | None = None) -> Any:
    """TF's strided_slice: the bit masks say which entries of begin/end to ignore, which
    is `...`, a new axis, or an int index that drops its axis.

    Example:
        >>> import ember as tf
        >>> x = tf.reshape(tf.range(6), [2, 3])
        >>> tf.strided_slice(x, [0, 0], [2, 3], [1, 2]).numpy()
        array([[0, 2],
               [3, 5]], dtype=int32)
    """
    begin = [_entry(b, "begin") for b in _as_list(begin, "strided_slice: begin")]
    end = [_entry(e, "end") for e in _as_list(end, "strided_slice: end")]
    if strides is None:
        strides = [1] * len(begin)
    else:
        strides = [_entry(s, "strides") for s in _as_list(strides, "strided_slice: strides")]
    if not len(begin) == len(end) == len(strides):
        raise InvalidArgumentError(
            f"strided_slice: begin, end and strides must have the same length, received "
            f"{len(begin)}, {len(end)} and {len(strides)}.")
    key = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if ellipsis_mask & bit:
            key.append(Ellipsis)
        elif new_axis_mask & bit:
            key.append(None)
        elif shrink_axis_mask & bit:
            key.append(b)
        else:
            key.append(_pyslice(None if begin_mask & bit else b,
                                None if end_mask & bit else e, s))
    return basic_getitem(input_, tuple(key))


def _as_list(v: Any, what: str) -> list:
    """The entries of begin/end/strides/size: ints, and scalar tensors for a symbolic
    1-D tensor (read at run time) or a list holding symbolic scalars."""
    if isinstance(v, ConcreteTensor):
        return [int(i) for i in np.asarray(v._value).reshape(-1)]
    if is_symbolic(v):
        if v.shape.rank != 1 or v.shape[0] is None or not v.dtype.is_integer:
            raise InvalidArgumentError(
                f"{what} must be a 1-D int tensor of known length, received "
                f"{describe(TensorSpec(v.shape, v.dtype))}.")
        return [basic_getitem(v, i) for i in range(v.shape[0])]
    return list(v)


def _entry(v: Any, what: str) -> Any:
    """An int, or a symbolic scalar kept for index_dynamic (it checks its dtype)."""
    return v if is_symbolic(v) else _static_int(v, what)


def slice(input_: Any, begin: Any, size: Any, name: str | None = None) -> Any:  # noqa: A001
    """The block of `input_` starting at `begin` with `size` (-1: to the end of the axis).

    Example:
        >>> import ember as tf
        >>> tf.slice(tf.reshape(tf.range(6), [2, 3]), [0, 1], [2, -1]).numpy()
        array([[1, 2],
               [4, 5]], dtype=int32)
    """
    x = as_tensor(input_)
    begin = [_entry(b, "begin") for b in _as_list(begin, "slice: begin")]
    size = [_entry(s, "size") for s in _as_list(size, "slice: size")]
    shape = tuple(x.shape)
    if len(begin) != len(shape) or len(size) != len(shape):
        raise InvalidArgumentError(
            f"slice: begin and size need one entry per dimension of "
            f"{describe(TensorSpec.from_tensor(x))}; received begin={begin}, size={size}.")
    if any(is_symbolic(v) for v in begin + size):  # checked when the function runs
        return slice_dynamic(x, begin, size)
    key = []
    for axis, (b, s, d) in enumerate(zip(begin, size, shape)):
        end = d if s == -1 else b + s
        if b < 0 or s < -1 or (d is not None and end > d):
            raise InvalidArgumentError(
                f"slice: begin={begin}, size={size} leaves axis {axis} (size {d}); need "
                f"0 <= begin and begin + size <= {d}.")
        key.append(_pyslice(b, end))
    return basic_getitem(x, tuple(key))


def dim_of(x: Any, i: int) -> Any:
    """Dim `i` of `x`: an int when static, else an int32 scalar tensor read at run time."""
    d = x.shape[i]
    return d if d is not None else basic_getitem(shape_of(x), i)


# -- pad ---------------------------------------------------------------------------------

PAD_MODES = ("CONSTANT", "REFLECT", "SYMMETRIC")


def _pad_rule(x: TensorSpec, paddings: tuple, mode: str, constant_values: Any) -> TensorSpec:
    rank = x.shape.rank
    if len(paddings) != rank or any(len(p) != 2 for p in paddings):
        raise InvalidArgumentError(
            f"pad: paddings must have shape [{rank}, 2] (a [before, after] pair per "
            f"dimension of {describe(x)}), received {[list(p) for p in paddings]}.")
    if mode not in PAD_MODES:
        raise InvalidArgumentError(f"pad: mode must be one of {', '.join(PAD_MODES)} "
                                   f"(any case), received {mode!r}.")
    out = []
    for i, ((before, after), d) in enumerate(zip(paddings, x.shape)):
        if before < 0 or after < 0:
            raise InvalidArgumentError(f"pad: paddings must be non-negative, received "
                                       f"{[before, after]} for dimension {i}.")
        limit = None if d is None else d - 1 if mode == "REFLECT" else d
        if mode != "CONSTANT" and limit is not None and max(before, after) > limit:
            raise InvalidArgumentError(
                f"pad: {mode} padding of dimension {i} of {describe(x)} can be at most "
                f"{limit} (the dim size{' - 1' if mode == 'REFLECT' else ''}), received "
                f"{[before, after]}. Use a smaller padding or mode='CONSTANT'.")
        out.append(None if d is None else d + before + after)
    return TensorSpec(out, x.dtype)


# NOTE: NumPy would reflect a pad larger than the dim silently: the rule runs first.
pad_p = primitive("pad", _pad_rule, check="rule")
_ALL = _pyslice(None)


def _fold_mirror(g: Any, ax: int, before: int, after: int, reflect: bool) -> Any:
    """The cotangent of a REFLECT/SYMMETRIC pad along one axis: the centre of `g` plus the
    mirrored borders added back onto the positions they were copied from.

    Positions are counted from the ends where they can be, so the axis size is never
    needed (it may be unknown inside ember.function)."""
    pre = (_ALL,) * ax
    total = basic_getitem(g, pre + (_pyslice(before, -after or None),))
    skip = 1 if reflect else 0  # REFLECT excludes the edge element from the mirror
    if before:
        # border position i (< before) copies source (before - i - 1 + skip), so the
        # reversed border lands on sources skip .. skip + before - 1
        left = basic_getitem(g, pre + (_pyslice(before - 1, None, -1),))
        index = pre + (_pyslice(skip, skip + before),)
        total = add(total, bind(strided_slice_grad_p, left, total, index=index))
    if after:
        # border position j copies source (n - 1 - skip - j): the reversed border (the
        # last `after` entries of g) lands on sources n - skip - after .. n - 1 - skip
        right = basic_getitem(g, pre + (_pyslice(-1, -after - 1, -1),))
        index = pre + (_pyslice(-skip - after, -skip or None),)
        total = add(total, bind(strided_slice_grad_p, right, total, index=index))
    return total


def _pad_vjp(g: Any, ins: tuple, out: Any, paddings: tuple, mode: str,
             constant_values: Any) -> tuple:
    if not any(a or b for a, b in paddings):
        return (g,)
    if mode == "CONSTANT":
        return (basic_getitem(g, tuple(_pyslice(a, -b or None) for a, b in paddings)),)
    for ax, (a, b) in enumerate(paddings):
        if a or b:
            g = _fold_mirror(g, ax, a, b, mode == "REFLECT")
    return (g,)


defvjp(pad_p, _pad_vjp)

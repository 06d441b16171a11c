"""Indexing with entries known only at run time: `x[i]`, `x[i:i + 1]`, `x[:, a:b]`,
`x[::step]` where `i`, `a`, `b`, `step` are scalar int tensors without a value yet (inside
ember.function: a while_loop counter, `ember.shape(x)[0] - 1`, ...), and tf.slice with
such a begin or size.

The index becomes a static template (the param `index`) and the run-time scalars (the
inputs after `x`): in the template each run-time entry is written `(k,)`, "the value of
scalar k". Python ints keep the static primitive `strided_slice` (prims/index.py); this module
is only reached when some entry is symbolic. The semantics are TF's strided_slice (those of
Python and NumPy): negative values count from the end, slice bounds are clamped to the
axis, and an integer index out of range raises InvalidArgumentError when the function
runs. Statically, an integer index removes its axis and a slice with a run-time bound or
step gives a None dim.

Example:
    >>> import ember as tf
    >>> @tf.function(input_signature=[tf.TensorSpec([None, 3]), tf.TensorSpec([], tf.int32)])
    ... def row(x, i):
    ...     return x[i:i + 1]
    >>> row(tf.reshape(tf.range(6.0), [2, 3]), tf.constant(1)).numpy()
    array([[3., 4., 5.]], dtype=float32)
"""

from __future__ import annotations

import builtins
from typing import Any

from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.registry import bind, bind_as, defvjp, primitive
from ..core.rules import describe
from ..core.shape import TensorSpec
from ..core.tensor import ConcreteTensor, TensorOps
from .values import known_value, static_int

__all__: list = []

_pyslice = builtins.slice


def is_symbolic(v: Any) -> bool:
    """Whether `v` is a tensor without a value yet (a Tracer inside ember.function).

    Example:
        >>> import ember as tf
        >>> is_symbolic(tf.constant(1)), is_symbolic(3)
        (False, False)
    """
    return isinstance(v, TensorOps) and not isinstance(v, ConcreteTensor)


class _Template:
    """Builds the template of an index: static entries as ints, run-time ones as `(k,)`."""

    def __init__(self, op: str):
        self.op = op
        self.bounds: list = []

    def part(self, v: Any, what: str) -> Any:
        if v is None:
            return None
        if not is_symbolic(v):
            return static_int(v, self.op, what)
        if v.shape.rank != 0 or not v.dtype.is_integer:
            got = describe(TensorSpec(v.shape, v.dtype))
            raise TypeError(
                f"{self.op}: only integers, slices, ellipsis, ember.newaxis and scalar int "
                f"tensors are valid indices; received a {got} tensor as {what}. Use "
                f"ember.gather for a tensor of indices, or ember.cast an index to int32.")
        kv = known_value(v)  # e.g. ember.shape(x)[1] where dim 1 of x is known
        if isinstance(kv, int):
            return kv
        for k, b in enumerate(self.bounds):
            if b is v:
                return (k,)
        self.bounds.append(v)
        return (len(self.bounds) - 1,)


def template(key: Any) -> tuple:
    """`(index, bounds)` for a getitem key that holds symbolic scalar int tensors.

    Example:
        >>> template((1, slice(None, 2)))
        ((1, slice(None, 2, None)), [])
    """
    t = _Template("getitem")
    items = key if isinstance(key, tuple) else (key,)
    index = []
    for k in items:
        if k is None or k is Ellipsis:
            index.append(k)
        elif isinstance(k, _pyslice):
            parts = (t.part(k.start, "a slice start"), t.part(k.stop, "a slice stop"),
                     t.part(k.step, "a slice step"))
            if parts[2] == 0:
                raise InvalidArgumentError("getitem: slice step cannot be zero.")
            index.append(_pyslice(*parts))
        else:
            index.append(t.part(k, "an index"))
    return tuple(index), t.bounds


def getitem_dynamic(x: Any, index: tuple, bounds: list) -> Any:
    """`x[index]` with the `(k,)` entries of the template `index` read from `bounds`.

    Example:
        >>> import ember as tf
        >>> getitem_dynamic(tf.range(5), (_pyslice((0,), None, -1),), [tf.constant(2)]).numpy()
        array([2, 1, 0], dtype=int32)
    """
    return bind_as("getitem", strided_slice_dynamic_p, x, *bounds, index=index)


def slice_dynamic(x: Any, begin: list, size: list) -> Any:
    """tf.slice with a begin or size holding scalar int tensors read at run time.

    Example:
        >>> import ember as tf
        >>> slice_dynamic(tf.range(5), [tf.constant(1)], [-1]).numpy()
        array([1, 2, 3, 4], dtype=int32)
    """
    t = _Template("slice")
    index = tuple(_pyslice(t.part(b, "begin"), t.part(s, "size"))
                  for b, s in zip(begin, size))
    return bind_as("slice", strided_slice_dynamic_p, x, *t.bounds, index=index, sizes=True)


# -- the primitives ------------------------------------------------------------------

def _show(index: tuple, sizes: bool) -> str:
    def part(p):
        return "" if p is None else (f"<run-time {p[0]}>" if type(p) is tuple else str(p))

    def one(k):
        if k is Ellipsis:
            return "..."
        if k is None:
            return "newaxis"
        if type(k) is _pyslice:
            if sizes:
                return f"begin {part(k.start)} size {part(k.stop)}"
            text = f"{part(k.start)}:{part(k.stop)}"
            return text + (f":{part(k.step)}" if k.step is not None else "")
        return part(k)
    return "[" + ", ".join(one(k) for k in index) + "]"


def _slice_dim(k: Any, d: int | None, axis: int, x: TensorSpec, sizes: bool) -> int | None:
    a, b, c = k.start, k.stop, k.step
    static = type(a) is not tuple and type(b) is not tuple and type(c) is not tuple
    if sizes:
        if static and d is not None and not (0 <= a <= d and (b == -1 or 0 <= b <= d - a)):
            raise InvalidArgumentError(
                f"slice: begin {a} and size {b} leave axis {axis} of {describe(x)}; need "
                f"0 <= begin <= {d} and size -1 or 0 <= size <= {d} - begin.")
        if type(b) is int and b != -1:
            return b
        return d - a if b == -1 and type(a) is int and d is not None else None
    if c == 0:
        raise InvalidArgumentError("strided_slice: slice step cannot be zero.")
    return len(range(*k.indices(d))) if static and d is not None else None


def _rule(x: TensorSpec, *bounds: TensorSpec, index: tuple, sizes: bool = False
          ) -> TensorSpec:
    for b in bounds:
        if b.shape.rank != 0 or not b.dtype.is_integer:
            raise DTypeError(
                f"strided_slice: each run-time index, slice bound or size must be a scalar "
                f"int32 or int64 tensor, received {describe(b)}.")
    shape = index_shape(x, index, _show(index, sizes),
                        lambda k, d, axis: _slice_dim(k, d, axis, x, sizes))
    return TensorSpec(shape, x.dtype)


def index_shape(x: TensorSpec, index: tuple, shown: str, slice_dim: Any) -> list:
    """The dims `x[index]` has (shared by strided_slice and strided_slice_dynamic):
    `slice_dim(slice, dim, axis)` sizes a slice; a Python int index is checked against a
    known dim, a run-time one (a tuple entry) removes its axis; `shown` is the index as
    the error messages print it."""
    shape = list(x.shape)
    if sum(1 for k in index if k is Ellipsis) > 1:
        raise InvalidArgumentError("An index can only have a single ellipsis ('...').")
    n_used = sum(1 for k in index if k is not None and k is not Ellipsis)
    if n_used > len(shape):
        raise InvalidArgumentError(
            f"getitem: index {shown} has {n_used} dimensions but the tensor "
            f"{describe(x)} has rank {len(shape)}.")
    out, axis = [], 0
    for k in index:
        if k is Ellipsis:
            n = len(shape) - n_used
            out.extend(shape[axis:axis + n])
            axis += n
        elif k is None:
            out.append(1)
        elif type(k) is _pyslice:
            out.append(slice_dim(k, shape[axis], axis))
            axis += 1
        else:
            d = shape[axis]
            if type(k) is int and d is not None and not -d <= k < d:
                raise InvalidArgumentError(
                    f"getitem: index {k} is out of bounds for axis {axis} with size {d} "
                    f"(tensor {describe(x)}); valid indices are {-d}..{d - 1}.")
            axis += 1
    out.extend(shape[axis:])
    return out


def _grad_rule(g: TensorSpec, like: TensorSpec, *bounds: TensorSpec, index: tuple,
               sizes: bool = False) -> TensorSpec:
    want = _rule(TensorSpec(like.shape, g.dtype), *bounds, index=index, sizes=sizes)
    if not g.shape.is_compatible_with(want.shape) or g.shape.rank != want.shape.rank:
        raise ShapeError(
            f"strided_slice_dynamic_grad: the cotangent {describe(g)} does not fit index "
            f"{_show(index, sizes)} of {describe(like)}, which selects {describe(want)}.")
    return TensorSpec(like.shape, g.dtype)


# NOTE: a primitive of its own (not strided_slice with tensor params) so that the static
# path, the hot one of eager indexing, stays a plain NumPy basic index. `sizes=True` is
# tf.slice: each slice of the template is `begin:size`, checked as TF checks it.
strided_slice_dynamic_p = primitive("strided_slice_dynamic", _rule, check="rule")
# Its cotangent: `g` written into zeros of the shape of `like` (the input, read at run time).
strided_slice_dynamic_grad_p = primitive("strided_slice_dynamic_grad", _grad_rule,
                                         check="rule")


def _slice_vjp(g, ins, out, index, sizes=False):
    x, bounds = ins[0], ins[1:]
    none = (None,) * len(bounds)
    if not (x.dtype.is_floating or x.dtype.is_complex):
        return (None,) + none
    return (bind(strided_slice_dynamic_grad_p, g, x, *bounds, index=index, sizes=sizes),
            ) + none


def _grad_vjp(g, ins, out, index, sizes=False):
    # linear in its cotangent input: the VJP is the slice itself (second derivatives)
    bounds = ins[2:]
    return (bind(strided_slice_dynamic_p, g, *bounds, index=index, sizes=sizes),
            None) + (None,) * len(bounds)


defvjp(strided_slice_dynamic_p, _slice_vjp)
defvjp(strided_slice_dynamic_grad_p, _grad_vjp)

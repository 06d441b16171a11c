"""Shape/dtype rule building blocks, shared by the primitive declarations in `ember.ops`.

A rule takes `TensorSpec`s (dims may be None) and static params and returns the output
`TensorSpec` (or a tuple of them), raising `ShapeError`/`DTypeError` with the op's name.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from .dtypes import BY_NP, NP_INDEX, DType, as_dtype
from .errors import DTypeError, InvalidArgumentError, ShapeError, fmt_spec
from .shape import TensorSpec


def describe(*specs: TensorSpec) -> str:
    """`float32[2, 3] and float32[4]`: specs, or tensors (anything with a TensorShape
    `shape` and a `dtype`), as the messages of rules name them (`errors.fmt_spec`).

    Example:
        >>> import ember as tf
        >>> describe(tf.TensorSpec([None, 3]), tf.zeros([4], tf.int32))
        'float32[None, 3] and int32[4]'
    """
    return " and ".join(fmt_spec(s.shape, s.dtype) for s in specs)


def broadcast_shapes(op: str, *specs: TensorSpec) -> tuple:
    """The broadcast shape of the specs (NumPy rules; None dims allowed)."""
    rank = max(len(s.shape) for s in specs)
    out = []
    for i in range(-rank, 0):
        dim = 1
        for s in specs:
            d = s.shape[i] if -i <= len(s.shape) else 1
            if d == 1:
                continue
            if dim == 1:
                dim = d
            elif d is None:
                continue
            elif dim is None:
                dim = d
            elif d != dim:
                raise ShapeError(
                    f"{op}: incompatible shapes {describe(*specs)}: dimension {i} is {dim} vs "
                    f"{d} and neither is 1. Operands must be broadcast-compatible (NumPy "
                    f"rules); reshape or expand_dims one of them."
                )
        out.append(dim)
    return tuple(out)


# The fix named when a numeric op gets a string tensor.
STRING_FIX = ("String tensors support no arithmetic: parse them with "
              "ember.strings.to_number(x, out_type=...) first.")

# The fix named when an op of real numbers (an order, rounding, ...) gets a complex tensor.
COMPLEX_FIX = ("Complex numbers have no order and no such op: take a real tensor first, "
               "e.g. ember.abs(z), ember.math.real(z) or ember.math.imag(z).")


def mixed_dtype_error(op: str, specs: Sequence[Any]) -> DTypeError:
    """The one error for operands of different dtypes (eager dispatch and rules alike).

    Example:
        >>> import ember as tf
        >>> print(mixed_dtype_error("add", [tf.TensorSpec([2]), tf.TensorSpec([2], tf.int32)]))
        add: mixed dtypes float32 and int32 (received float32[2] and int32[2]). ember does not convert dtypes implicitly, as TensorFlow; cast one operand first, e.g. ember.cast(y, ember.float32).
    """
    first = specs[0].dtype
    other = next(s.dtype for s in specs if s.dtype != first)
    return DTypeError(
        f"{op}: mixed dtypes {first.name} and {other.name} (received {describe(*specs)}). "
        f"ember does not convert dtypes implicitly, as TensorFlow; cast one operand first, "
        f"e.g. ember.cast(y, ember.{first.name}).")


def dtype_error(op: str, dtype: DType, allowed: frozenset, received: str,
                what: str = "") -> DTypeError:
    """The one error for a dtype an op does not accept (eager dispatch and rules alike):
    the op, the dtype, what was received, the accepted dtypes and the fix.

    Example:
        >>> import ember as tf
        >>> from ember.core.dtypes import NP_FLOATS
        >>> print(dtype_error("sqrt", tf.int32, NP_FLOATS, "int32[2]"))  # doctest: +ELLIPSIS
        sqrt: unsupported dtype int32 (received int32[2]); it accepts ... Convert with ember.cast(x, <dtype>).
    """
    names = ", ".join(sorted(BY_NP[d].name for d in allowed if d in BY_NP))
    what = f" for {what}" if what and not what.startswith(" ") else what
    fix = STRING_FIX if dtype.name == "string" else COMPLEX_FIX if dtype.is_complex else \
        "Convert with ember.cast(x, <dtype>)."
    return DTypeError(f"{op}: unsupported dtype {dtype.name}{what} (received {received}); "
                      f"it accepts {names}. {fix}")


def same_dtype(op: str, *specs: TensorSpec) -> DType:
    """The common dtype of the specs; DTypeError if they differ."""
    dt = specs[0].dtype
    for s in specs[1:]:
        if s.dtype != dt:
            raise mixed_dtype_error(op, specs)
    return dt


def check_dtype(op: str, spec: TensorSpec, allowed: frozenset | None, what: str = "") -> None:
    """DTypeError unless the spec's NumPy dtype is in `allowed` (None allows all)."""
    if allowed is None or spec.dtype._numpy() in allowed:
        return
    raise dtype_error(op, spec.dtype, allowed, describe(spec), what)


def dtype_checked(op: str, rule: Any, allowed: frozenset | None, same: bool) -> Any:
    """`rule` preceded by a primitive's declared dtype checks: input 0's dtype in `allowed`,
    and (`same`) every input of input 0's dtype. `primitive(..., allowed=, same_dtype=)`
    builds it, so a rule never repeats them and eager and graph mode raise one message.

    Example:
        >>> import ember as tf
        >>> from ember.core.dtypes import NP_FLOATS
        >>> rule = dtype_checked("sqrt", unary("sqrt"), NP_FLOATS, False)
        >>> rule(tf.TensorSpec([2]))
        TensorSpec(shape=(2,), dtype=tf.float32, name=None)
    """
    def checked(*specs: Any, **params: Any) -> Any:
        if specs:
            if allowed is not None and specs[0].dtype._numpy() not in allowed:
                raise dtype_error(op, specs[0].dtype, allowed, describe(*specs))
            if same:
                same_dtype(op, *specs)
        return rule(*specs, **params)
    checked.__wrapped__ = rule  # type: ignore[attr-defined]
    return checked


def floating(op: str, x: Any, what: str | None = None) -> Any:
    """`x` (a tensor or a TensorSpec) when its dtype is floating; else a DTypeError naming
    `op`, the argument `what` (if given) and the fix (cast).

    Example:
        >>> import ember as tf
        >>> floating("elu", tf.zeros([2])).dtype
        tf.float32
        >>> floating("conv2d", tf.zeros([2], tf.int32), "filters")
        Traceback (most recent call last):
        ...
        ember.core.errors.DTypeError: conv2d: filters must be a floating tensor, received \
int32[2]; cast it first, e.g. ember.cast(filters, ember.float32).
    """
    if not x.dtype.is_floating:
        needs = f"{what} must be" if what else "needs"
        raise DTypeError(f"{op}: {needs} a floating tensor, received {describe(x)}; cast it "
                         f"first, e.g. ember.cast({what or 'x'}, ember.float32).")
    return x


def is_trainable(x: Any) -> bool:
    """Whether `x` (a tensor or a TensorSpec) can carry a gradient: a floating or complex
    dtype, as TF's trainable dtypes.

    Example:
        >>> import ember as tf
        >>> is_trainable(tf.zeros([2])), is_trainable(tf.zeros([2], tf.int32))
        (True, False)
    """
    dt = x.dtype
    return dt.is_floating or dt.is_complex


def index_dtype(op: str, dtype: Any, what: str, allowed: frozenset = NP_INDEX) -> np.dtype:
    """The NumPy dtype of an index-dtype argument (`out_type`, `index_type`, ...) of `op`:
    int32 or int64 (those in `allowed`); else a DTypeError naming `op` and `what`.

    Example:
        >>> import ember as tf
        >>> index_dtype("shape", tf.int64, "out_type")
        dtype('int64')
        >>> index_dtype("shape", "float32", "out_type")
        Traceback (most recent call last):
        ...
        ember.core.errors.DTypeError: shape: out_type must be int32 or int64, received float32.
    """
    try:
        dt = as_dtype(dtype)
    except (TypeError, ValueError):
        dt = None
    np_dtype = dt._numpy() if dt is not None else None
    if np_dtype not in allowed:
        received = dt.name if dt is not None else repr(dtype)
        raise DTypeError(f"{op}: {what} must be int32 or int64, received {received}.")
    return np_dtype


def unary(op: str, out_dtype: DType | None = None):
    """Rule of an elementwise unary op: same shape; dtype kept unless `out_dtype` (the
    accepted dtypes are the primitive's `allowed`)."""
    def rule(x: TensorSpec, **params) -> TensorSpec:
        return TensorSpec(x.shape, out_dtype or x.dtype)
    return rule


def binary(op: str, out_dtype: DType | None = None):
    """Rule of an elementwise binary op: broadcast shapes (the dtypes are checked by the
    primitive's `allowed` and `same_dtype`)."""
    def rule(x: TensorSpec, y: TensorSpec) -> TensorSpec:
        return TensorSpec(broadcast_shapes(op, x, y), out_dtype or x.dtype)
    return rule


def normalize_axis(op: str, axis: int, rank: int | None, extra: int = 0) -> int:
    """`axis` in [0, rank + extra), from a possibly negative axis."""
    if rank is None:
        return axis
    n = rank + extra
    try:
        a = int(axis)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{op}: axis must be an integer, received {axis!r}.") from None
    if not -n <= a < n:
        raise InvalidArgumentError(
            f"{op}: axis {a} is out of range for a tensor of rank {rank}; expected an axis "
            f"in [{-n}, {n})."
        )
    return a % n if n else 0


def normalize_axes(op: str, axis: int | Iterable | None, rank: int) -> tuple | None:
    """A sorted tuple of non-negative axes (None: all axes); rejects duplicates."""
    if axis is None:
        return None
    if type(axis) is int and rank is not None and -rank <= axis < rank:
        return (axis % rank,)  # the common case, without the general path
    axes = [axis] if isinstance(axis, int) or not hasattr(axis, "__iter__") else list(axis)
    out = tuple(sorted(normalize_axis(op, a, rank) for a in axes))
    if len(set(out)) != len(out):
        raise InvalidArgumentError(f"{op}: axis {list(axes)} repeats an axis.")
    return out


def reduce_shape(shape: Sequence, axes: tuple | None, keepdims: bool) -> tuple:
    """The shape after reducing `axes` (None: all)."""
    rank = len(shape)
    axes = tuple(range(rank)) if axes is None else axes
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)

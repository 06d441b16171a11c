"""More of TF's top-level ops (issue 18), written with existing ember ops (composites).

Arithmetic: realdiv, truncatediv, truncatemod, saturate_cast, scalar_mul. Shapes:
ensure_shape (the primitive of `prims/top_more.py`: checked eagerly and at run time in
graphs, refining the static shape), get_static_value, shape_n, broadcast_static_shape,
broadcast_dynamic_shape. Misc: identity_n, tuple, guarantee_const, parallel_stack,
unravel_index, reverse_sequence, histogram_fixed_width(_bins), grad_pass_through,
timestamp, get_logger, get_current_name_scope, inside_function, init_scope,
is_symbolic_tensor; re-exported from `top_init.py`: the TF 2 initializer classes
(`tf.zeros_initializer`, ...) and fingerprint
(NotImplementedError: see OUT_OF_SCOPE); from `type_spec.py` the TypeSpec family, from
`top_patches.py` extract_volume_patches, from `top_ragged_fill.py` ragged_fill_empty_rows.

Example:
    >>> import ember as tf
    >>> tf.truncatediv(tf.constant([-7, 7]), 2).numpy()
    array([-3,  3], dtype=int32)
"""

from __future__ import annotations

import logging
import time as _time
from typing import Any, Callable

import numpy as np

from ..core.context import CTX, isolated
from ..core.custom_gradient import custom_gradient
from ..core.dtypes import as_dtype, float64, int32
from ..core.errors import DTypeError, InvalidArgumentError
from ..core.module import _SCOPES
from ..core.shape import TensorShape
from ..core.symbolic import SymbolicTensor
from ..core.tensor import TensorOps, wrap
from ..prims import math as pm
from ..prims.convert import as_tensor, cast, convert_to_tensor, identity
from ..prims.gather import bincount, gather
from ..prims.top_more import ensure_shape  # noqa: F401 - re-exported (tf.ensure_shape)
from .top_init import (constant_initializer, fingerprint,  # noqa: F401
                       ones_initializer, random_normal_initializer,
                       random_uniform_initializer, zeros_initializer)
from .creation_ops import range as _range
from .creation_ops import zeros
from .shape_ops import reshape, shape, stack, transpose
from .top_patches import extract_volume_patches  # noqa: F401 - re-exported (tf.*)
from .top_ragged_fill import ragged_fill_empty_rows, ragged_fill_empty_rows_grad  # noqa: F401
from .type_spec import (NoneTensorSpec, OptionalSpec, SparseTensorSpec,  # noqa: F401
                        TensorArraySpec, TypeSpec, type_spec_from_value)

__all__ = ["realdiv", "truncatediv", "truncatemod", "saturate_cast", "scalar_mul",
           "ensure_shape", "get_static_value", "shape_n", "broadcast_static_shape",
           "broadcast_dynamic_shape", "identity_n", "tuple", "guarantee_const",
           "parallel_stack", "unravel_index", "reverse_sequence", "histogram_fixed_width",
           "histogram_fixed_width_bins", "grad_pass_through", "timestamp", "get_logger",
           "get_current_name_scope", "inside_function", "init_scope", "is_symbolic_tensor",
           "constant_initializer", "ones_initializer", "zeros_initializer",
           "random_normal_initializer", "random_uniform_initializer", "fingerprint", "extract_volume_patches", "ragged_fill_empty_rows",
           "ragged_fill_empty_rows_grad", "TypeSpec", "SparseTensorSpec", "TensorArraySpec",
           "OptionalSpec", "NoneTensorSpec", "type_spec_from_value"]

_tuple = tuple

# TF 2.21 top-level names ember leaves out, with the reason (read by the coverage script).
OUT_OF_SCOPE = {
    "Graph": "TF's graph object; ember.function builds its own IR (ember.core.graph)",
    "Operation": "a node of TF's Graph; ember's graph equations are not user objects",
    "import_graph_def": "reads TF GraphDef protobufs",
    "load_op_library": "loads compiled TF C++ kernels",
    "load_library": "loads compiled TF C++ kernels / plugins",
    "variant": "TF runtime dtype (opaque C++ values)",
    "resource": "TF runtime dtype (resource handles)",
    "qint8": "quantized dtype of TF's runtime, no NumPy counterpart",
    "qint16": "quantized dtype of TF's runtime, no NumPy counterpart",
    "qint32": "quantized dtype of TF's runtime, no NumPy counterpart",
    "quint8": "quantized dtype of TF's runtime, no NumPy counterpart",
    "quint16": "quantized dtype of TF's runtime, no NumPy counterpart",
    "check_pinned": "checks TF's device pinning of ops; ember has no op placement to check",
    "fingerprint": "TF's farmhash64 Fingerprint64 bytes; not implemented (raises "
                   "NotImplementedError)",
    "CriticalSection": "TF runtime resource for mutual exclusion in graphs",
    "DeviceSpec": "TF's device naming; ember runs on one host",
    "AggregationMethod": "gradient aggregation strategies of TF's graph gradients",
    "variable_creator_scope": "TF's variable creator stack (tf.distribute internals)",
    "register_tensor_conversion_function": "TF's conversion registry; ember converts via "
                                           "__array__ / ember tensors",
    "nondifferentiable_batch_function": "TF's serving batch scheduler",
    "IndexedSlicesSpec": "the TypeSpec of IndexedSlices for tf.function signatures; ember "
                         "traces an IndexedSlices argument from its value (a nest "
                         "composite), not from a spec",
}


# -- arithmetic -------------------------------------------------------------------------

def _pair(op: str, x: Any, y: Any) -> tuple:
    x = as_tensor(x)
    y = convert_to_tensor(y, dtype=x.dtype) if not isinstance(y, TensorOps) else y
    if x.dtype != y.dtype:
        raise DTypeError(f"{op}: x and y must have the same dtype, received {x.dtype.name} "
                         f"and {y.dtype.name}; cast one with ember.cast.")
    return x, y


def realdiv(x: Any, y: Any, name: str | None = None) -> Any:
    """x / y elementwise for real (floating or complex) tensors of one dtype (TF's
    `tf.realdiv`).

    Example:
        >>> import ember as tf
        >>> tf.realdiv(tf.constant([7.0]), 2.0).numpy()
        array([3.5], dtype=float32)
    """
    x, y = _pair("realdiv", x, y)
    if not (x.dtype.is_floating or x.dtype.is_complex):
        raise DTypeError(f"realdiv: x and y must be floating or complex, received "
                         f"{x.dtype.name}; use ember.truncatediv or ember.math.floordiv for "
                         f"integers.")
    return pm.truediv(x, y)


def truncatediv(x: Any, y: Any, name: str | None = None) -> Any:
    """x / y rounded toward zero (TF's `tf.truncatediv`; C's integer division).

    Example:
        >>> import ember as tf
        >>> tf.truncatediv(tf.constant([-7.0, 7.0]), 2.0).numpy()
        array([-3.,  3.], dtype=float32)
    """
    x, y = _pair("truncatediv", x, y)
    if x.dtype.is_floating:
        q = pm.truediv(x, y)
        return pm.where(pm.less(q, 0), pm.ceil(q), pm.floor(q))
    q = pm.floordiv(x, y)
    # floor differs from truncation where the signs differ and the division is inexact
    fix = pm.logical_and(pm.not_equal(pm.floormod(x, y), 0),
                         pm.not_equal(pm.less(x, 0), pm.less(y, 0)))
    return pm.where(fix, q + 1, q)


def truncatemod(x: Any, y: Any, name: str | None = None) -> Any:
    """The remainder of `truncatediv`: it has the sign of x (TF's `tf.truncatemod`, C's
    fmod).

    Example:
        >>> import ember as tf
        >>> tf.truncatemod(tf.constant([-7, 7]), 2).numpy()
        array([-1,  1], dtype=int32)
    """
    x, y = _pair("truncatemod", x, y)
    return x - truncatediv(x, y) * y


_RANGES = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767),
           "uint16": (0, 65535), "int32": (-2**31, 2**31 - 1), "uint32": (0, 2**32 - 1),
           "int64": (-2**63, 2**63 - 1), "uint64": (0, 2**64 - 1)}


def saturate_cast(value: Any, dtype: Any, name: str | None = None) -> Any:
    """`value` cast to `dtype`, clamped first to the range of `dtype` (TF's
    `tf.dtypes.saturate_cast`).

    Example:
        >>> import ember as tf
        >>> tf.saturate_cast(tf.constant([300.0, -5.0]), tf.uint8).numpy()
        array([255,   0], dtype=uint8)
    """
    x = as_tensor(value)
    dt = as_dtype(dtype)
    if x.dtype.is_complex and not dt.is_complex:
        x = pm.real(x)
    rng = _RANGES.get(dt.name)
    if rng is None and dt.is_floating and x.dtype.is_floating and dt.size < x.dtype.size:
        info = np.finfo(dt._numpy())
        rng = (float(info.min), float(info.max))
    if rng is not None and not x.dtype.is_bool:
        lo, hi = rng
        src = x.dtype._numpy()
        if x.dtype.is_integer:
            si = np.iinfo(src)
            lo, hi = max(lo, int(si.min)), min(hi, int(si.max))
        else:
            # the largest value of `src` not above hi (e.g. 2**31 - 1 is 2**31 in float32)
            hi = np.nextafter(np.array(hi, src), np.array(-np.inf, src)) \
                if float(np.array(hi, src)) > hi else np.array(hi, src)
            lo = np.array(lo, src)
        x = pm.minimum(pm.maximum(x, np.array(lo, src)), np.array(hi, src))
    return cast(x, dt)


def scalar_mul(scalar: Any, x: Any, name: str | None = None) -> Any:
    """`scalar * x` for a 0-d `scalar` (TF's `tf.math.scalar_mul`).

    Example:
        >>> import ember as tf
        >>> tf.scalar_mul(2.0, tf.constant([1.0, 2.0])).numpy()
        array([2., 4.], dtype=float32)
    """
    x = as_tensor(x)
    s = convert_to_tensor(scalar, dtype_hint=x.dtype)
    if s.shape.rank != 0:
        raise InvalidArgumentError(f"scalar_mul: scalar must be 0-D, received shape "
                                   f"{s.shape}.")
    if s.dtype != x.dtype:
        s = cast(s, x.dtype)
    return s * x


# -- shapes -----------------------------------------------------------------------------

def get_static_value(tensor: Any, partial: bool = False) -> Any:
    """The value of `tensor` as a NumPy array if it is known now, else None (TF's
    `tf.get_static_value`): eager tensors and constants are known; inside
    `ember.function` the values computed from the inputs are not.

    Example:
        >>> import ember as tf
        >>> tf.get_static_value(tf.constant([1, 2]))
        array([1, 2], dtype=int32)
    """
    if tensor is None:
        return None
    if isinstance(tensor, TensorOps):
        if getattr(tensor, "_is_variable", False):
            return None  # a Variable's value may change: not static (TF: None)
        v = getattr(tensor, "_value", None)
        return None if v is None else np.asarray(v)
    if isinstance(tensor, TensorShape):
        return None if not tensor.is_fully_defined() else np.array(tensor.as_list(), np.int32)
    try:
        return np.asarray(convert_to_tensor(tensor)._value)
    except Exception:  # noqa: BLE001 - TF: anything not constant-foldable gives None
        return None


def shape_n(input: Any, out_type: Any = int32, name: str | None = None) -> list:  # noqa: A002
    """The shapes of a list of tensors (TF's `tf.shape_n`).

    Example:
        >>> import ember as tf
        >>> [s.numpy() for s in tf.shape_n([tf.zeros([2, 3]), tf.zeros([4])])]
        [array([2, 3], dtype=int32), array([4], dtype=int32)]
    """
    return [shape(as_tensor(x), out_type=out_type) for x in input]


def broadcast_static_shape(shape_x: Any, shape_y: Any) -> TensorShape:
    """The broadcast of two TensorShapes (TF's `tf.broadcast_static_shape`); None dims
    stay unknown unless the other is known and not 1.

    Example:
        >>> import ember as tf
        >>> tf.broadcast_static_shape(tf.TensorShape([2, 1, 3]), tf.TensorShape([4, 1]))
        TensorShape([2, 4, 3])
    """
    sx, sy = TensorShape(shape_x), TensorShape(shape_y)
    if sx.rank is None or sy.rank is None:
        return TensorShape(None)
    a, b = list(sx.as_list()), list(sy.as_list())
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
    out = []
    for da, db in zip(a, b):
        if da == 1:
            out.append(db)
        elif db == 1:
            out.append(da)
        elif da is None or db is None:
            out.append(da if db is None else db)
        elif da == db:
            out.append(da)
        else:
            raise ValueError(f"Incompatible shapes for broadcasting. Two shapes are "
                             f"compatible if for each dimension pair they are either equal "
                             f"or one of them is 1. Received: {sx} and {sy}.")
    return TensorShape(out)


def broadcast_dynamic_shape(shape_x: Any, shape_y: Any) -> Any:
    """The broadcast of two shapes given as 1-D integer tensors (TF's
    `tf.broadcast_dynamic_shape`).

    Example:
        >>> import ember as tf
        >>> tf.broadcast_dynamic_shape([2, 1, 3], [4, 1]).numpy()
        array([2, 4, 3], dtype=int32)
    """
    x, y = as_tensor(shape_x), as_tensor(shape_y)
    if hasattr(x, "_value") and hasattr(y, "_value"):
        try:
            out = np.broadcast_shapes(tuple(int(d) for d in np.asarray(x._value)),
                                      tuple(int(d) for d in np.asarray(y._value)))
        except ValueError:
            raise InvalidArgumentError(
                f"broadcast_dynamic_shape: incompatible shapes {np.asarray(x._value)} and "
                f"{np.asarray(y._value)}; each dim pair must be equal or contain a 1.") from None
        return wrap(np.asarray(out, dtype=x.dtype._numpy()))
    # inside a graph: the shape of a broadcast of zeros
    return shape(zeros(x, np.int8) + zeros(y, np.int8), out_type=x.dtype)


# -- identity-like ----------------------------------------------------------------------

def identity_n(input: Any, name: str | None = None) -> list:  # noqa: A002
    """A list of identities of a list of tensors (TF's `tf.identity_n`).

    Example:
        >>> import ember as tf
        >>> [t.numpy() for t in tf.identity_n([tf.constant(1), tf.constant([2.0])])]
        [np.int32(1), array([2.], dtype=float32)]
    """
    return [identity(x) for x in input]


def tuple(tensors: Any, control_inputs: Any = None, name: str | None = None) -> list:  # noqa: A001
    """The tensors, grouped (TF's `tf.tuple`: in ember every op runs in program order, so
    this is an identity of each; None entries stay None).

    Example:
        >>> import ember as tf
        >>> [t.numpy() for t in tf.tuple([tf.constant(1.0), tf.constant(2.0)])]
        [np.float32(1.0), np.float32(2.0)]
    """
    return [None if t is None else identity(t) for t in tensors]


def guarantee_const(input: Any, name: str | None = None) -> Any:  # noqa: A002
    """The input unchanged (TF's deprecated `tf.guarantee_const`, a hint to its graph
    optimizer).

    Example:
        >>> import ember as tf
        >>> tf.guarantee_const(tf.constant(3)).numpy()
        np.int32(3)
    """
    return identity(input)


def parallel_stack(values: Any, name: str | None = None) -> Any:
    """Stacks tensors of one shape along a new first axis (TF's `tf.parallel_stack`).

    Example:
        >>> import ember as tf
        >>> tf.parallel_stack([tf.constant([1, 2]), tf.constant([3, 4])]).numpy()
        array([[1, 2],
               [3, 4]], dtype=int32)
    """
    values = [as_tensor(v) for v in values]
    shapes = {_tuple(v.shape.as_list()) for v in values if v.shape.is_fully_defined()}
    if len(shapes) > 1:
        raise InvalidArgumentError(f"parallel_stack: every value must have the same shape, "
                                   f"received {sorted(shapes)}.")
    return stack(values, axis=0)


def unravel_index(indices: Any, dims: Any, name: str | None = None) -> Any:
    """Flat indices into coordinates of an array of shape `dims` (TF's
    `tf.unravel_index`): the result has shape `[len(dims)] + indices.shape`.

    Example:
        >>> import ember as tf
        >>> tf.unravel_index([22, 41, 37], [7, 6]).numpy()
        array([[3, 6, 6],
               [4, 5, 1]], dtype=int32)
    """
    idx = as_tensor(indices)
    if idx.dtype not in (int32, as_dtype("int64")):
        raise DTypeError(f"unravel_index: indices must be int32 or int64, received "
                         f"{idx.dtype.name}.")
    d = convert_to_tensor(dims, dtype=idx.dtype)
    if d.shape.rank != 1:
        raise InvalidArgumentError(f"unravel_index: dims must be 1-D, received shape "
                                   f"{d.shape}.")
    if hasattr(idx, "_value") and hasattr(d, "_value"):
        dv, iv = np.asarray(d._value), np.asarray(idx._value)
        total = int(np.prod(dv))
        if iv.size and (iv.min() < 0 or iv.max() >= total):
            raise InvalidArgumentError(
                f"unravel_index: index out of range: every index must be in [0, {total}), "
                f"the size of dims {dv.tolist()}; received min {iv.min()}, max {iv.max()}.")
    n = d.shape[0]
    if n is None:
        raise InvalidArgumentError("unravel_index: dims must have a known length.")
    coords = []
    stride = None
    for k in reversed(range(n)):
        q = idx if stride is None else pm.floordiv(idx, stride)
        coords.append(pm.floormod(q, d[k]))
        stride = d[k] if stride is None else stride * d[k]
    return stack(coords[::-1], axis=0)


def reverse_sequence(input: Any, seq_lengths: Any, seq_axis: Any = None,  # noqa: A002
                     batch_axis: Any = None, name: str | None = None) -> Any:
    """Reverses the first `seq_lengths[b]` entries along `seq_axis` of each batch entry
    `b` along `batch_axis` (TF's `tf.reverse_sequence`); the rest stays in place.

    Args:
        input: a tensor of rank >= 2.
        seq_lengths: 1-D int tensor, one length per batch entry, each <= the seq dim.
        seq_axis: the axis to reverse along.
        batch_axis: the batch axis (default 0).

    Example:
        >>> import ember as tf
        >>> tf.reverse_sequence([[1, 2, 3], [4, 5, 6]], [2, 3], seq_axis=1).numpy()
        array([[2, 1, 3],
               [6, 5, 4]], dtype=int32)
    """
    x = as_tensor(input)
    r = x.shape.rank
    if seq_axis is None:
        raise InvalidArgumentError("reverse_sequence: seq_axis is required.")
    b = 0 if batch_axis is None else int(batch_axis)
    s = int(seq_axis)
    b, s = b % r if b < 0 else b, s % r if s < 0 else s
    if not (0 <= b < r and 0 <= s < r) or b == s:
        raise InvalidArgumentError(f"reverse_sequence: seq_axis={seq_axis} and batch_axis="
                                   f"{batch_axis} must be two different axes of the rank-{r} "
                                   f"input.")
    lens = as_tensor(seq_lengths)
    if lens.dtype not in (int32, as_dtype("int64")):
        raise DTypeError(f"reverse_sequence: seq_lengths must be int32 or int64, received "
                         f"{lens.dtype.name}.")
    if hasattr(lens, "_value") and x.shape[s] is not None:
        lv = np.asarray(lens._value)
        if x.shape[b] is not None and lv.shape != (x.shape[b],):
            raise InvalidArgumentError(f"reverse_sequence: seq_lengths must have shape "
                                       f"[{x.shape[b]}] (the batch dim), received {lv.shape}.")
        if lv.size and (lv.max() > x.shape[s] or lv.min() < 0):
            raise InvalidArgumentError(f"reverse_sequence: seq_lengths must be in [0, "
                                       f"{x.shape[s]}] (the seq dim), received {lv.tolist()}.")
    perm = [b, s] + [i for i in range(r) if i not in (b, s)]
    xt = transpose(x, perm)
    t = _range(shape(xt)[1], dtype=lens.dtype)[None, :]
    ln = lens[:, None]
    idx = pm.where(pm.less(t, ln), ln - 1 - t, t + 0 * ln)
    out = gather(xt, idx, axis=1, batch_dims=1)
    inv = [perm.index(i) for i in range(r)]
    return transpose(out, inv)


# -- histograms -------------------------------------------------------------------------

def histogram_fixed_width_bins(values: Any, value_range: Any, nbins: int = 100,
                               dtype: Any = int32, name: str | None = None) -> Any:
    """The bin of each value among `nbins` equal bins over `value_range` (TF's
    `tf.histogram_fixed_width_bins`); values outside go to the first or last bin.

    Example:
        >>> import ember as tf
        >>> tf.histogram_fixed_width_bins([-1.0, 0.0, 1.5, 2.0, 5.0, 15], [0.0, 5.0],
        ...                               nbins=5).numpy()
        array([0, 0, 1, 2, 4, 4], dtype=int32)
    """
    v = as_tensor(values)
    rng = convert_to_tensor(value_range, dtype=v.dtype)
    if rng.shape.rank != 1 or (rng.shape[0] is not None and rng.shape[0] != 2):
        raise InvalidArgumentError(f"histogram_fixed_width: value_range must have shape "
                                   f"[2], received {rng.shape}.")
    if isinstance(nbins, int) and nbins <= 0:
        raise InvalidArgumentError(f"histogram_fixed_width: nbins must be > 0, received "
                                   f"{nbins}.")
    lo, hi = rng[0], rng[1]
    calc = float64 if v.dtype in (float64, as_dtype("int64")) else as_dtype("float32")
    vf, lof, hif = cast(v, calc), cast(lo, calc), cast(hi, calc)
    nb = cast(convert_to_tensor(nbins), calc)
    k = pm.floor((vf - lof) / (hif - lof) * nb)
    k = pm.minimum(pm.maximum(k, 0.0 * nb), nb - 1)
    return cast(k, dtype)


def histogram_fixed_width(values: Any, value_range: Any, nbins: int = 100,
                          dtype: Any = int32, name: str | None = None) -> Any:
    """Counts of values in `nbins` equal bins over `value_range` (TF's
    `tf.histogram_fixed_width`); values outside count in the first or last bin.

    Example:
        >>> import ember as tf
        >>> tf.histogram_fixed_width([-1.0, 0.0, 1.5, 2.0, 5.0, 15], [0.0, 5.0],
        ...                          nbins=5).numpy()
        array([2, 1, 1, 0, 2], dtype=int32)
    """
    bins = histogram_fixed_width_bins(values, value_range, nbins, int32)
    if not isinstance(nbins, (int, np.integer)):
        raise InvalidArgumentError("histogram_fixed_width: nbins must be a Python int in "
                                   "ember (it sets the output shape).")
    counts = bincount(reshape(bins, [-1]), minlength=int(nbins), maxlength=int(nbins),
                      dtype=dtype)
    return counts


# -- gradients --------------------------------------------------------------------------

def grad_pass_through(f: Callable) -> Callable:
    """`f` whose gradient is the identity: the backward pass skips `f` (TF's
    `tf.grad_pass_through`, e.g. for a non-differentiable quantizer).

    Example:
        >>> import ember as tf
        >>> x = tf.Variable(2.0)
        >>> with tf.GradientTape() as tape:
        ...     y = tf.grad_pass_through(tf.round)(x * 1.5)
        >>> float(y), float(tape.gradient(y, x))
        (3.0, 1.5)
    """

    @custom_gradient
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        out = f(*args, **kwargs)

        def grad(*dys: Any, variables: Any = None) -> Any:
            ins = list(dys)
            if variables:
                return ins, [None] * len(variables)
            return ins

        return out, grad

    return wrapped


# -- context ----------------------------------------------------------------------------

def timestamp(name: str | None = None) -> Any:
    """Seconds since the epoch as a float64 scalar (TF's `tf.timestamp`).

    NOTE: inside `ember.function` it is taken when the function is traced (a constant),
    not at each call as TF's stateful op.

    Example:
        >>> import ember as tf
        >>> tf.timestamp().dtype
        tf.float64
    """
    return wrap(np.asarray(_time.time(), dtype=np.float64))


def get_logger() -> logging.Logger:
    """The logger of the library (TF's `tf.get_logger`; named 'ember').

    Example:
        >>> import ember as tf
        >>> tf.get_logger().name
        'ember'
    """
    return logging.getLogger("ember")


def get_current_name_scope() -> str:
    """The current `name_scope` path without the trailing '/' ('' at the top), as TF's
    `tf.get_current_name_scope`.

    Example:
        >>> import ember as tf
        >>> with tf.name_scope("a"), tf.name_scope("b"):
        ...     tf.get_current_name_scope()
        'a/b'
    """
    stack = getattr(_SCOPES, "stack", None) or []
    return "/".join(s for s in stack if s)


def inside_function() -> bool:
    """Whether an `ember.function` is being traced now (TF's `tf.inside_function`).

    Example:
        >>> import ember as tf
        >>> tf.inside_function()
        False
    """
    return bool(CTX.traces)


def init_scope() -> isolated:
    """A context that runs eagerly: out of any `ember.function` trace and of every
    recording GradientTape (TF's `tf.init_scope`, for creating state).

    Example:
        >>> import ember as tf
        >>> @tf.function
        ... def f():
        ...     with tf.init_scope():
        ...         return tf.executing_eagerly()
        >>> f()
        True
    """
    return isolated()


def is_symbolic_tensor(tensor: Any) -> bool:
    """Whether `tensor` is symbolic (a graph value without a value now; TF's
    `tf.is_symbolic_tensor`).

    Example:
        >>> import ember as tf
        >>> tf.is_symbolic_tensor(tf.constant(1.0))
        False
    """
    return isinstance(tensor, SymbolicTensor)

"""Neural-network ops (TF's `tf.nn`): activations, softmax, normalisation, cross-entropies.

All are composites of elementwise ops and reductions (sigmoid and softplus are the stable
primitives of `prims/math.py`), so they get shape rules, gradients and tracing for free;
relu and the fused sparse softmax cross-entropy are primitives (`prims/nn.py`).

Example:
    >>> import ember as tf
    >>> tf.nn.relu6(tf.constant([-1.0, 8.0])).numpy()
    array([0., 6.], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

from ..core import rules
from ..core.dtypes import float16, float32
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.registry import public_op
from ..core.tensor import TensorOps
from ..prims.convert import as_tensor, cast, like, stop_gradient
from ..prims import math as _math
from ..prims import batch_norm  # noqa: F401 - registers the fused batch normalization
from ..prims.nn import relu, sparse_softmax_xent  # noqa: F401 - relu re-exported
from ..prims.nn import softmax as _softmax_prim
from . import math_ops as m
from . import reduce_ops as r

__all__ = [
    "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "softsign",
    "softmax", "log_softmax", "l2_normalize", "l2_loss", "moments", "batch_normalization",
    "bias_add", "softmax_cross_entropy_with_logits",
    "sparse_softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits",
    "weighted_cross_entropy_with_logits",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


_describe = rules.describe


def _same_dtype_as(value: Any, ref: Any, op: str, what: str) -> Any:
    """`value` as a tensor of `ref`'s dtype: plain values convert, tensors must match."""
    if not isinstance(value, TensorOps):
        return like(value, ref.dtype._numpy())
    if value.dtype != ref.dtype:
        raise DTypeError(
            f"{op}: {what} ({_describe(value)}) and logits ({_describe(ref)}) must have the "
            f"same dtype; cast one first, e.g. ember.cast({what}, ember.{ref.dtype.name}).")
    return value


# -- activations --------------------------------------------------------------------

def relu6(features: Any, name: str | None = None) -> Any:
    """`min(max(features, 0), 6)`; nan stays nan (as TF); the gradient is 1 strictly
    inside (0, 6).

    Example:
        >>> import ember as tf
        >>> tf.nn.relu6(tf.constant([-1.0, 3.0, 8.0])).numpy()
        array([0., 3., 6.], dtype=float32)
    """
    x = as_tensor(features)
    # NOTE: relu passes nan on (a comparison would send it to a branch); x >= 6 is False
    # for nan, so it reaches relu, whose gradient also makes relu6'(0) = relu6'(6) = 0.
    return m.where(m.greater_equal(x, 6), 6, relu(x))


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Any:
    """`features` where positive, else `alpha * features` (integers are cast to float32,
    as TF).

    Example:
        >>> import ember as tf
        >>> tf.nn.leaky_relu(tf.constant([-1.0, 2.0])).numpy()
        array([-0.2,  2. ], dtype=float32)
    """
    x = as_tensor(features)
    if x.dtype.is_integer:
        x = cast(x, float32)
    return m.where(m.greater(x, 0), x, m.multiply(x, alpha))


def elu(features: Any, name: str | None = None) -> Any:
    """`features` where positive, else `exp(features) - 1`.

    Example:
        >>> import ember as tf
        >>> tf.nn.elu(tf.constant([0.0, 1.0])).numpy()
        array([0., 1.], dtype=float32)
    """
    x = rules.floating("elu", as_tensor(features))
    # NOTE: expm1 of min(x, 0), so the unused branch never overflows to inf (whose
    # gradient, masked by the select, would still be inf * 0 = nan).
    return m.where(m.greater(x, 0), x, m.expm1(m.minimum(x, 0)))


def selu(features: Any, name: str | None = None) -> Any:
    """`scale * elu_alpha(features)` with the self-normalising constants of Klambauer et al.

    Example:
        >>> import ember as tf
        >>> float(tf.nn.selu(tf.constant(1.0)))
        1.0507010221481323
    """
    x = rules.floating("selu", as_tensor(features))
    neg = m.multiply(m.expm1(m.minimum(x, 0)), _SELU_ALPHA)
    # NOTE: x >= 0 takes the linear branch, so the gradient at 0 is `scale`, as TF's
    # SeluGrad (the exponential branch would give scale * alpha there).
    return m.multiply(m.where(m.greater_equal(x, 0), x, neg), _SELU_SCALE)


def gelu(features: Any, approximate: bool = False, name: str | None = None) -> Any:
    """The Gaussian error linear unit `x * P(X <= x)`, X ~ N(0, 1): with the erf, or with
    the tanh approximation when `approximate`.

    Example:
        >>> import ember as tf
        >>> tf.nn.gelu(tf.constant([0.0, 10.0])).numpy()
        array([ 0., 10.], dtype=float32)
    """
    x = rules.floating("gelu", as_tensor(features))
    if approximate:
        cube = m.multiply(m.multiply(x, x), x)
        inner = m.multiply(m.add(x, m.multiply(cube, 0.044715)), math.sqrt(2.0 / math.pi))
        return m.multiply(m.multiply(x, 0.5), m.add(m.tanh(inner), 1.0))
    return m.multiply(m.multiply(x, 0.5), m.add(m.erf(m.multiply(x, 1.0 / math.sqrt(2.0))), 1.0))


def silu(features: Any, beta: Any = 1.0, name: str | None = None) -> Any:
    """SiLU / swish: `features * sigmoid(beta * features)`.

    Example:
        >>> import ember as tf
        >>> tf.nn.silu(tf.constant([0.0, 100.0])).numpy()
        array([  0., 100.], dtype=float32)
    """
    x = rules.floating("silu", as_tensor(features))
    bx = x if (not isinstance(beta, TensorOps) and beta == 1.0) else m.multiply(x, beta)
    return m.multiply(x, m.sigmoid(bx))


swish = silu


def softsign(features: Any, name: str | None = None) -> Any:
    """`features / (abs(features) + 1)`.

    Example:
        >>> import ember as tf
        >>> tf.nn.softsign(tf.constant([-3.0, 1.0])).numpy()
        array([-0.75,  0.5 ], dtype=float32)
    """
    x = rules.floating("softsign", as_tensor(features))
    return m.truediv(x, m.add(m.abs(x), 1))


# -- softmax -----------------------------------------------------------------------

def _axis(x: Any, axis: Any, op: str) -> int:
    rank = x.shape.rank
    if rank == 0:
        raise ShapeError(f"{op}: needs a tensor of rank >= 1, received a scalar "
                         f"{_describe(x)}.")
    return rules.normalize_axis(op, -1 if axis is None else axis, rank)


def _shifted(x: Any, axis: int) -> Any:
    # NOTE: x - max(x) leaves softmax unchanged and keeps exp from overflowing; the max
    # is a constant for autodiff (its gradient contributions cancel exactly).
    return m.subtract(x, stop_gradient(r.reduce_max(x, axis, keepdims=True)))


def _log_normalizer(x: Any, axis: int) -> tuple:
    """`(x - max, log(sum(exp(x - max))))` along `axis` (kept), the pieces of log_softmax."""
    z = _shifted(x, axis)
    return z, m.log(r.reduce_sum(m.exp(z), axis, keepdims=True))


def softmax(logits: Any, axis: Any = None, name: str | None = None) -> Any:
    """`exp(logits) / reduce_sum(exp(logits), axis)`, computed stably; axis defaults to -1.

    Example:
        >>> import ember as tf
        >>> tf.nn.softmax(tf.constant([0.0, 0.0, 1000.0])).numpy()
        array([0., 0., 1.], dtype=float32)
    """
    x = rules.floating("softmax", as_tensor(logits))
    a = _axis(x, axis, "softmax")
    if x.dtype.name in ("float16", "bfloat16", "float32", "float64"):
        return _softmax_prim(x, a)  # one kernel (prims/nn.py)
    e = m.exp(_shifted(x, a))  # complex: composed
    return m.truediv(e, r.reduce_sum(e, a, keepdims=True))


def log_softmax(logits: Any, axis: Any = None, name: str | None = None) -> Any:
    """`logits - log(reduce_sum(exp(logits), axis))`, computed stably; axis defaults to -1.

    Example:
        >>> import ember as tf
        >>> tf.nn.log_softmax(tf.constant([0.0, 1000.0])).numpy()
        array([-1000.,     0.], dtype=float32)
    """
    x = rules.floating("log_softmax", as_tensor(logits))
    a = _axis(x, axis, "log_softmax")
    z, lse = _log_normalizer(x, a)
    return m.subtract(z, lse)


# -- normalisation -----------------------------------------------------------------

def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12, name: str | None = None,
                 dim: Any = None) -> Any:
    """`x / sqrt(max(reduce_sum(x**2, axis), epsilon))`; axis None normalises over all.

    Example:
        >>> import ember as tf
        >>> tf.math.l2_normalize(tf.constant([3.0, 4.0])).numpy()
        array([0.6, 0.8], dtype=float32)
    """
    x = as_tensor(x)
    axis = dim if axis is None else axis
    if x.dtype.is_complex:  # as TF: the real and imaginary parts scaled by 1 / |x|
        axes = rules.normalize_axes("l2_normalize", axis, x.shape.rank)
        re, im = _math.real(x), _math.imag(x)
        sq = r.reduce_sum(m.add(m.square(re), m.square(im)), axes, keepdims=True)
        inv = m.rsqrt(m.maximum(sq, epsilon))
        return _math.complex(m.multiply(re, inv), m.multiply(im, inv))
    x = rules.floating("l2_normalize", x)
    axes = rules.normalize_axes("l2_normalize", axis, x.shape.rank)
    sq = r.reduce_sum(m.square(x), axes, keepdims=True)
    return m.multiply(x, m.rsqrt(m.maximum(sq, epsilon)))


def l2_loss(t: Any, name: str | None = None) -> Any:
    """`sum(t ** 2) / 2`.

    Example:
        >>> import ember as tf
        >>> tf.nn.l2_loss(tf.constant([1.0, 2.0])).numpy()
        np.float32(2.5)
    """
    t = rules.floating("l2_loss", as_tensor(t))
    return m.multiply(r.reduce_sum(m.square(t)), 0.5)


def moments(x: Any, axes: Any, shift: Any = None, keepdims: bool = False,
            name: str | None = None) -> tuple:
    """The mean and (population) variance of `x` over `axes`. float16 is computed in
    float32. `shift` is accepted and unused, as in TF 2.

    Example:
        >>> import ember as tf
        >>> mean, var = tf.nn.moments(tf.constant([[1.0, 2.0], [3.0, 6.0]]), axes=[0])
        >>> mean.numpy(), var.numpy()
        (array([2., 4.], dtype=float32), array([1., 4.], dtype=float32))
    """
    x = as_tensor(x)
    axes = rules.normalize_axes("moments", axes, x.shape.rank)
    y = cast(x, float32) if x.dtype == float16 else x
    mean = r.reduce_mean(y, axes, keepdims=True)
    var = r.reduce_mean(m.squared_difference(y, stop_gradient(mean)), axes, keepdims=True)
    if not keepdims:
        mean = r.reduce_sum(mean, axes)  # drops the kept size-1 axes
        var = r.reduce_sum(var, axes)
    if x.dtype == float16:
        mean, var = cast(mean, float16), cast(var, float16)
    return mean, var


def batch_normalization(x: Any, mean: Any, variance: Any, offset: Any, scale: Any,
                        variance_epsilon: float, name: str | None = None) -> Any:
    """`scale * (x - mean) / sqrt(variance + variance_epsilon) + offset` (offset and scale
    may be None).

    Example:
        >>> import ember as tf
        >>> tf.nn.batch_normalization(tf.constant([1.0, 3.0]), 2.0, 1.0, None, None, 0.0).numpy()
        array([-1.,  1.], dtype=float32)
    """
    x = rules.floating("batch_normalization", as_tensor(x))
    inv = m.rsqrt(m.add(_same_dtype_as(variance, x, "batch_normalization", "variance"),
                        variance_epsilon))
    if scale is not None:
        inv = m.multiply(inv, _same_dtype_as(scale, x, "batch_normalization", "scale"))
    out = m.multiply(m.subtract(x, _same_dtype_as(mean, x, "batch_normalization", "mean")),
                     inv)
    if offset is not None:
        out = m.add(out, _same_dtype_as(offset, x, "batch_normalization", "offset"))
    return out


def bias_add(value: Any, bias: Any, data_format: str | None = None,
             name: str | None = None) -> Any:
    """`value + bias` with a 1-D `bias` along the channel axis: the last for 'N...C' (the
    default, e.g. 'NHWC'), axis 1 for 'NC...' (e.g. 'NCHW').

    Example:
        >>> import ember as tf
        >>> tf.nn.bias_add(tf.constant([[1.0, 2.0]]), tf.constant([10.0, 20.0])).numpy()
        array([[11., 22.]], dtype=float32)
    """
    x = as_tensor(value)
    b = _same_dtype_as(bias, x, "bias_add", "bias")
    if data_format is None or (data_format.startswith("N") and data_format.endswith("C")):
        channels_first = False
    elif data_format.startswith("NC"):
        channels_first = True
    else:
        raise InvalidArgumentError(
            f"bias_add: data_format must be of the form 'N...C' or 'NC...', received "
            f"{data_format!r}.")
    rank = x.shape.rank
    if rank is not None and rank < 2:
        raise ShapeError(f"bias_add: value must have rank >= 2, received {_describe(x)}.")
    channel = 1 if channels_first else -1
    if b.shape.rank != 1:
        raise ShapeError(
            f"bias_add: bias must be 1-D, received {_describe(b)} for value {_describe(x)}.")
    c = x.shape[channel] if rank is not None else None
    if c is not None and b.shape[0] is not None and c != b.shape[0]:
        where = "dimension 1 ('NC...')" if channels_first else "the last dimension"
        raise ShapeError(
            f"bias_add: bias {_describe(b)} must match {where} of value {_describe(x)} "
            f"({b.shape[0]} vs {c}).")
    if channels_first and rank is not None and rank > 2:
        b = b[(slice(None),) + (None,) * (rank - 2)]
    return m.add(x, b)


# -- cross-entropies ---------------------------------------------------------------

def _upcast16(x: Any) -> Any:
    return cast(x, float32) if x.dtype == float16 else x


def _restore16(out: Any, dtype: Any) -> Any:
    return cast(out, float16) if dtype == float16 else out


def _labels_like(labels: Any, x: Any, op: str) -> Any:
    """`labels` as a tensor of the logits' dtype and (compatible) shape, or a clear error."""
    z = _same_dtype_as(labels, x, op, "labels")
    if not z.shape.is_compatible_with(x.shape):
        raise ShapeError(f"{op}: logits and labels must have the same shape, received "
                         f"labels {_describe(z)} and logits {_describe(x)}.")
    return z


def softmax_cross_entropy_with_logits(labels: Any, logits: Any, axis: int = -1,
                                      name: str | None = None) -> Any:
    """`-reduce_sum(labels * log_softmax(logits), axis)`: the cross-entropy of each row's
    distribution `labels` against softmax(`logits`). Gradients flow to both.

    Example:
        >>> import ember as tf
        >>> logits = tf.constant([[4.0, 2.0, 1.0], [0.0, 5.0, 1.0]])
        >>> labels = tf.constant([[1.0, 0.0, 0.0], [0.0, 0.8, 0.2]])
        >>> tf.nn.softmax_cross_entropy_with_logits(labels, logits).numpy().round(4)
        array([0.1698, 0.8247], dtype=float32)
    """
    op = "softmax_cross_entropy_with_logits"
    x = rules.floating(op, as_tensor(logits))
    z = _labels_like(labels, x, op)
    a = _axis(x, axis, op)
    dtype = x.dtype
    x, z = _upcast16(x), _upcast16(z)
    shifted, lse = _log_normalizer(x, a)
    loss = r.reduce_sum(m.multiply(z, m.subtract(lse, shifted)), a)
    return _restore16(loss, dtype)


def sparse_softmax_cross_entropy_with_logits(labels: Any, logits: Any,
                                             name: str | None = None) -> Any:
    """`-log(softmax(logits)[label])` per row: `labels [d_0, ..., d_{r-1}]` (int32/int64
    class indices in [0, num_classes)), `logits [d_0, ..., d_{r-1}, num_classes]`.

    A label outside [0, num_classes) raises InvalidArgumentError (as TF on CPU), eagerly
    and inside ember.function alike (there before any Variable of the step changes).

    Example:
        >>> import ember as tf
        >>> logits = tf.constant([[2., -5., .5, -.1], [0., 0., 1.9, 1.4],
        ...                       [-100., 100., -100., -100.]])
        >>> loss = tf.nn.sparse_softmax_cross_entropy_with_logits([0, 3, 1], logits)
        >>> loss.numpy().round(4)
        array([0.2975, 1.1448, 0.    ], dtype=float32)
    """
    op = "sparse_softmax_cross_entropy_with_logits"
    x = rules.floating(op, as_tensor(logits))
    z = as_tensor(labels)
    if z.dtype.name not in ("int32", "int64"):
        raise DTypeError(f"{op}: labels must be int32 or int64 class indices, received "
                         f"{_describe(z)}. For one-hot or soft labels use "
                         f"softmax_cross_entropy_with_logits.")
    xr, zr = x.shape.rank, z.shape.rank
    if xr == 0:
        raise ShapeError(f"{op}: logits must have rank >= 1, received {_describe(x)}.")
    if xr is not None and zr is not None and (
            zr != xr - 1 or not z.shape.is_compatible_with(x.shape[:-1])):
        raise ShapeError(
            f"{op}: labels {_describe(z)} must have the shape of logits {_describe(x)} "
            f"without its last (class) dimension, i.e. {list(x.shape[:-1])}.")
    n = x.shape[-1]
    if n is None:
        raise ShapeError(f"{op}: the number of classes (last dimension of logits "
                         f"{_describe(x)}) must be known.")
    # NOTE: the kernel checks the label values (eagerly, and each time a compiled graph
    # runs); one fused kernel each way, forward and gradient.
    with public_op(op):
        return sparse_softmax_xent(z, x)[0]


def sigmoid_cross_entropy_with_logits(labels: Any = None, logits: Any = None,
                                      name: str | None = None) -> Any:
    """The logistic loss `-z*log(sigmoid(x)) - (1-z)*log(1-sigmoid(x))` of labels z and
    logits x, elementwise and stable for any |x|.

    Example:
        >>> import ember as tf
        >>> tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant([1.0, 0.0, 1.0]),
        ...     logits=tf.constant([100.0, -100.0, 0.0])).numpy().round(4)
        array([0.    , 0.    , 0.6931], dtype=float32)
    """
    op = "sigmoid_cross_entropy_with_logits"
    if labels is None or logits is None:
        raise ValueError(f"{op}: both labels and logits are required, e.g. "
                         f"{op}(labels=y, logits=x).")
    x = rules.floating(op, as_tensor(logits))
    z = _labels_like(labels, x, op)
    # NOTE: softplus(x) - x*z == max(x, 0) - x*z + log(1 + exp(-|x|)), the same stable
    # value; with the softplus primitive the gradient sigmoid(x) - z is exact at x = 0.
    return m.subtract(m.softplus(x), m.multiply(x, z))


def weighted_cross_entropy_with_logits(labels: Any, logits: Any, pos_weight: Any,
                                       name: str | None = None) -> Any:
    """Like sigmoid_cross_entropy_with_logits, with the positive term weighted:
    `pos_weight * z * -log(sigmoid(x)) + (1 - z) * -log(1 - sigmoid(x))`.

    Example:
        >>> import ember as tf
        >>> loss = tf.nn.weighted_cross_entropy_with_logits([1.0], tf.constant([0.0]), 2.0)
        >>> loss.numpy().round(4)
        array([1.3863], dtype=float32)
    """
    op = "weighted_cross_entropy_with_logits"
    x = rules.floating(op, as_tensor(logits))
    z = _labels_like(labels, x, op)
    q = _same_dtype_as(pos_weight, x, op, "pos_weight")
    # (1 - z) * x + (1 + (q - 1) * z) * softplus(-x): stable for any |x|.
    log_weight = m.add(m.multiply(m.subtract(q, 1), z), 1)
    return m.add(m.multiply(m.subtract(1, z), x), m.multiply(log_weight, m.softplus(m.negative(x))))

"""`keras.ops.nn`: Keras 3's neural-network ops on ember (also at `keras.ops`' top level).

Activations are here; convolutions and pooling in `_nn_conv.py`, losses, normalisations
and attention in `_nn_loss.py`, CTC in `_nn_ctc.py`. Every op is built from ember's ops,
so it works on Tensors, Variables, NumPy arrays and KerasTensors and has gradients.
Non-floating inputs of the float-only activations are computed in floatx, as Keras 3.

Example:
    >>> from ember import keras
    >>> keras.ops.nn.relu([-1.0, 2.0]).numpy()
    array([0., 2.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ...ops import math_ops as m
from ...ops import nn_ops
from ...ops import reduce_ops as r
from ...ops import shape_ops as s
from ...ops.sort_ops import sort
from ...prims.convert import cast, stop_gradient
from ...prims.nn import relu as _relu
from ._dtypes import to_tensor
from ._nn_common import axes_of, floating
from ._nn_conv import (adaptive_average_pool, adaptive_max_pool, average_pool,  # noqa: F401
                       conv, conv_transpose, depth_to_space, depthwise_conv, fold, max_pool,
                       separable_conv, space_to_depth, unfold)
from ._nn_ctc import ctc_decode, ctc_loss  # noqa: F401
from ._nn_loss import (batch_normalization, binary_crossentropy,  # noqa: F401
                       categorical_crossentropy, dot_product_attention,
                       layer_normalization, moments, multi_hot, normalize, one_hot, polar,
                       psnr, rms_normalization, sparse_categorical_crossentropy)

__all__ = [
    "adaptive_average_pool", "adaptive_max_pool", "average_pool", "batch_normalization",
    "binary_crossentropy", "categorical_crossentropy", "celu", "conv", "conv_transpose",
    "ctc_decode", "ctc_loss", "depth_to_space", "depthwise_conv", "dot_product_attention",
    "elu", "fold", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
    "hard_tanh", "layer_normalization", "leaky_relu", "log_sigmoid", "log_softmax",
    "max_pool", "moments", "multi_hot", "normalize", "one_hot", "polar", "psnr", "relu",
    "relu6", "rms_normalization", "selu", "separable_conv", "sigmoid", "silu",
    "soft_shrink", "softmax", "softplus", "softsign", "space_to_depth",
    "sparse_categorical_crossentropy", "sparse_plus", "sparse_sigmoid", "sparsemax",
    "squareplus", "swish", "tanh_shrink", "threshold", "unfold",
]


def _c(x: Any, value: float) -> Any:
    """The Python number `value` as a scalar of `x`'s dtype."""
    return cast(value, x.dtype)


def relu(x: Any) -> Any:
    """`max(x, 0)` (integer inputs stay integers).

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.relu([-1.0, 0.0, 2.0]).numpy()
        array([0., 0., 2.], dtype=float32)
    """
    return _relu(to_tensor(x))


def relu6(x: Any) -> Any:
    """`min(max(x, 0), 6)`.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.relu6([-1.0, 3.0, 9.0]).numpy()
        array([0., 3., 6.], dtype=float32)
    """
    x = to_tensor(x)
    return m.minimum(m.maximum(x, _c(x, 0)), _c(x, 6))


def sigmoid(x: Any) -> Any:
    """`1 / (1 + exp(-x))`.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.sigmoid([0.0]).numpy()
        array([0.5], dtype=float32)
    """
    return m.sigmoid(floating(x))


def sparse_sigmoid(x: Any) -> Any:
    """0 for `x <= -1`, 1 for `x >= 1`, `(x + 1) / 2` between.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.sparse_sigmoid([-2.0, 0.0, 2.0]).numpy()
        array([0. , 0.5, 1. ], dtype=float32)
    """
    x = floating(x)
    mid = m.multiply(m.add(x, _c(x, 1)), _c(x, 0.5))
    return m.where(m.less_equal(x, _c(x, -1)), _c(x, 0),
                   m.where(m.greater_equal(x, _c(x, 1)), _c(x, 1), mid))


def softplus(x: Any) -> Any:
    """`log(1 + exp(x))`.

    Example:
        >>> from ember import keras
        >>> round(float(keras.ops.nn.softplus(0.0)), 4)
        0.6931
    """
    return m.softplus(floating(x))


def softsign(x: Any) -> Any:
    """`x / (|x| + 1)`.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.softsign([1.0]).numpy()
        array([0.5], dtype=float32)
    """
    return nn_ops.softsign(floating(x))


def soft_shrink(x: Any, threshold: float = 0.5) -> Any:
    """`x - threshold` above `threshold`, `x + threshold` below `-threshold`, else 0.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.soft_shrink([-1.0, 0.2, 1.0]).numpy()
        array([-0.5,  0. ,  0.5], dtype=float32)
    """
    x = floating(x)
    t = _c(x, threshold)
    return m.where(m.greater(x, t), m.subtract(x, t),
                   m.where(m.less(x, m.negative(t)), m.add(x, t), _c(x, 0)))


def sparse_plus(x: Any) -> Any:
    """0 for `x <= -1`, `(x + 1)^2 / 4` for `-1 < x < 1`, `x` above.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.sparse_plus([-2.0, 0.0, 2.0]).numpy()
        array([0.  , 0.25, 2.  ], dtype=float32)
    """
    x = floating(x)
    mid = m.multiply(m.square(m.add(x, _c(x, 1))), _c(x, 0.25))
    return m.where(m.less_equal(x, _c(x, -1)), _c(x, 0),
                   m.where(m.less(x, _c(x, 1)), mid, x))


def silu(x: Any) -> Any:
    """`x * sigmoid(x)` (also called swish).

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.silu([0.0]).numpy()
        array([0.], dtype=float32)
    """
    x = floating(x)
    return m.multiply(x, m.sigmoid(x))


def swish(x: Any) -> Any:
    """`x * sigmoid(x)` (silu).

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.swish([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return silu(x)


def squareplus(x: Any, b: float = 4) -> Any:
    """`(x + sqrt(x^2 + b)) / 2`.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.squareplus([0.0]).numpy()
        array([1.], dtype=float32)
    """
    x = floating(x)
    b = cast(to_tensor(b), x.dtype)
    return m.truediv(m.add(x, m.sqrt(m.add(m.square(x), b))), _c(x, 2))


def log_sigmoid(x: Any) -> Any:
    """`log(sigmoid(x)) = -softplus(-x)`.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.log_sigmoid([-100.0]).numpy()
        array([-100.], dtype=float32)
    """
    return m.log_sigmoid(floating(x))


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Any:
    """`x` for `x >= 0`, `negative_slope * x` below.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.leaky_relu([-1.0, 2.0]).numpy()
        array([-0.2,  2. ], dtype=float32)
    """
    x = floating(x)
    return m.where(m.greater_equal(x, _c(x, 0)), x, m.multiply(x, _c(x, negative_slope)))


def hard_sigmoid(x: Any) -> Any:
    """`relu6(x + 3) / 6`.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.hard_sigmoid([-4.0, 0.0, 4.0]).numpy()
        array([0. , 0.5, 1. ], dtype=float32)
    """
    x = floating(x)
    return m.truediv(relu6(m.add(x, _c(x, 3))), _c(x, 6))


def hard_silu(x: Any) -> Any:
    """`x * hard_sigmoid(x)` (also called hard_swish).

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.hard_silu([-4.0, 0.0, 4.0]).numpy()
        array([-0.,  0.,  4.], dtype=float32)
    """
    x = floating(x)
    return m.multiply(x, hard_sigmoid(x))


def hard_swish(x: Any) -> Any:
    """`x * hard_sigmoid(x)` (hard_silu).

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.hard_swish([4.0]).numpy()
        array([4.], dtype=float32)
    """
    return hard_silu(x)


def elu(x: Any, alpha: float = 1.0) -> Any:
    """`x` for `x > 0`, `alpha * (exp(x) - 1)` below.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.elu([1.0, 0.0]).numpy()
        array([1., 0.], dtype=float32)
    """
    x = floating(x)
    neg = m.multiply(m.expm1(m.minimum(x, _c(x, 0))), _c(x, alpha))
    return m.where(m.greater(x, _c(x, 0)), x, neg)


def selu(x: Any) -> Any:
    """Scaled elu with the self-normalising constants (Klambauer et al., 2017).

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.selu([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return nn_ops.selu(floating(x))


def gelu(x: Any, approximate: bool = True) -> Any:
    """Gaussian error linear unit `x * P(X <= x)` (tanh approximation by default).

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.gelu([0.0]).numpy()
        array([0.], dtype=float32)
    """
    return nn_ops.gelu(floating(x), approximate=bool(approximate))


def celu(x: Any, alpha: float = 1.0) -> Any:
    """`max(x, 0) + alpha * expm1(min(x, 0) / alpha)`.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.celu([1.0, 0.0]).numpy()
        array([1., 0.], dtype=float32)
    """
    x = floating(x)
    zero, a = _c(x, 0), _c(x, alpha)
    return m.add(m.maximum(x, zero), m.multiply(a, m.expm1(m.truediv(m.minimum(x, zero), a))))


def glu(x: Any, axis: int = -1) -> Any:
    """Gated linear unit: `a * sigmoid(b)` of the two halves `a`, `b` of `x` along `axis`.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.glu([[2.0, 0.0]]).numpy()
        array([[1.]], dtype=float32)
    """
    x = floating(x)
    if x.shape[axis] is not None and x.shape[axis] % 2:
        raise ValueError(f"keras.ops.glu: axis size must be divisible by 2. Received: "
                         f"x.shape={tuple(x.shape)} with axis={axis}")
    a, b = s.split(x, 2, axis=axis)
    return m.multiply(a, m.sigmoid(b))


def hard_tanh(x: Any) -> Any:
    """`x` clipped to [-1, 1].

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.hard_tanh([-2.0, 0.5, 2.0]).numpy()
        array([-1. ,  0.5,  1. ], dtype=float32)
    """
    x = floating(x)
    return m.minimum(m.maximum(x, _c(x, -1)), _c(x, 1))


def hard_shrink(x: Any, threshold: float = 0.5) -> Any:
    """`x` where `|x| > threshold`, else 0.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.hard_shrink([-1.0, 0.2, 1.0]).numpy()
        array([-1.,  0.,  1.], dtype=float32)
    """
    x = floating(x)
    return m.where(m.greater(m.abs(x), _c(x, threshold)), x, _c(x, 0))


def tanh_shrink(x: Any) -> Any:
    """`x - tanh(x)`.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.tanh_shrink([0.0]).numpy()
        array([0.], dtype=float32)
    """
    x = floating(x)
    return m.subtract(x, m.tanh(x))


def threshold(x: Any, threshold: float, default_value: float) -> Any:
    """`x` where `x > threshold`, else `default_value`.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.threshold([1.0, 3.0], 2.0, 0.0).numpy()
        array([0., 3.], dtype=float32)
    """
    x = to_tensor(x)
    return m.where(m.greater(x, cast(to_tensor(threshold), x.dtype)), x,
                   cast(to_tensor(default_value), x.dtype))


def _shift(x: Any, axes: list) -> Any:
    return m.subtract(x, stop_gradient(r.reduce_max(x, axes, keepdims=True)))


def softmax(x: Any, axis: Any = -1) -> Any:
    """`exp(x) / sum(exp(x))` over `axis` (an int, a tuple, or None for all axes).

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.softmax([0.0, 0.0]).numpy()
        array([0.5, 0.5], dtype=float32)
    """
    x = floating(x)
    axes = axes_of(axis, x.shape.rank)
    e = m.exp(_shift(x, axes))
    return m.truediv(e, r.reduce_sum(e, axes, keepdims=True))


def log_softmax(x: Any, axis: Any = -1) -> Any:
    """`x - log(sum(exp(x)))` over `axis` (an int, a tuple, or None for all axes).

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.log_softmax([0.0, 1000.0]).numpy()
        array([-1000.,     0.], dtype=float32)
    """
    x = floating(x)
    axes = axes_of(axis, x.shape.rank)
    z = _shift(x, axes)
    return m.subtract(z, m.log(r.reduce_sum(m.exp(z), axes, keepdims=True)))


def sparsemax(x: Any, axis: int = -1) -> Any:
    """The Euclidean projection of `x` onto the probability simplex along `axis`
    (Martins & Astudillo, 2016): like softmax, but sparse.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.sparsemax([1.0, 0.0, -3.0]).numpy()
        array([1., 0., 0.], dtype=float32)
    """
    x = floating(x)
    rank = x.shape.rank
    ax = axes_of(axis, rank)[0]
    n = x.shape[ax]
    if n is None:
        raise ValueError(f"keras.ops.sparsemax: the size of axis {axis} must be known. "
                         f"Received: x.shape={tuple(x.shape)}")
    srt = sort(x, axis=ax, direction="DESCENDING")
    csum = r.cumsum(srt, axis=ax)
    shape = [1] * rank
    shape[ax] = n
    k = s.reshape(cast(to_tensor(list(range(1, n + 1))), x.dtype), shape)
    support = m.greater(m.subtract(srt, m.truediv(m.subtract(csum, _c(x, 1)), k)), _c(x, 0))
    count = r.reduce_sum(cast(support, x.dtype), ax, keepdims=True)
    total = r.reduce_sum(m.where(support, csum, _c(x, 0)), ax, keepdims=True)
    tau = m.truediv(m.subtract(total, _c(x, 1)), count)
    return m.maximum(m.subtract(x, tau), _c(x, 0))


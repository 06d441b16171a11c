"""`keras.ops.nn`: losses, normalisations, one-hot encodings and attention.

Example:
    >>> from ember import keras
    >>> keras.ops.nn.one_hot([0, 2], 3).numpy()
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

from ...ops import math_ops as m
from ...ops import reduce_ops as r
from ...ops import shape_ops as s
from ...ops.creation_ops import one_hot as _one_hot
from ...ops.creation_ops import ones
from ...ops.linalg_ops import einsum
from ...prims.convert import cast
from .. import config
from ...prims.nn import layer_norm
from ...sparse.sparse_ops import from_dense
from ._dtypes import promote, result_type, standardize_dtype, to_tensor
from ._nn_common import axes_of, floating

__all__ = ["batch_normalization", "binary_crossentropy", "categorical_crossentropy",
           "dot_product_attention", "layer_normalization", "moments", "multi_hot",
           "normalize", "one_hot", "polar", "psnr", "rms_normalization",
           "sparse_categorical_crossentropy"]


def _c(x: Any, value: float) -> Any:
    return cast(value, x.dtype)


def _same_shape(op: str, target: Any, output: Any) -> None:
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(f"keras.ops.{op}: arguments `target` and `output` must have the "
                         f"same shape. Received: target.shape={tuple(target.shape)}, "
                         f"output.shape={tuple(output.shape)}")


def _pair_float(target: Any, output: Any) -> tuple:
    target, output = to_tensor(target), to_tensor(output)
    dtype = result_type(target.dtype.name, output.dtype.name, float)
    return cast(target, dtype) if target.dtype.name != dtype else target, \
        cast(output, dtype) if output.dtype.name != dtype else output


def _log_probs(output: Any, from_logits: bool, axis: int) -> Any:
    if from_logits:
        from .nn import log_softmax
        return log_softmax(output, axis=axis)
    eps = config.epsilon()
    output = m.truediv(output, r.reduce_sum(output, axis, keepdims=True))
    return m.log(m.minimum(m.maximum(output, _c(output, eps)), _c(output, 1.0 - eps)))


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Any:
    """Elementwise `-(t * log(p) + (1 - t) * log(1 - p))`, `p` clipped to
    [epsilon, 1 - epsilon] (`p = sigmoid(output)` when `from_logits`).

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.binary_crossentropy([1.0, 0.0], [0.5, 0.5]).numpy().round(4)
        array([0.6931, 0.6931], dtype=float32)
    """
    target, output = _pair_float(target, output)
    _same_shape("binary_crossentropy", target, output)
    eps = config.epsilon()
    if from_logits:
        output = m.sigmoid(output)
    p = m.minimum(m.maximum(output, _c(output, eps)), _c(output, 1.0 - eps))
    one = _c(p, 1)
    return m.negative(m.add(m.multiply(target, m.log(p)),
                            m.multiply(m.subtract(one, target), m.log(m.subtract(one, p)))))


def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                             axis: int = -1) -> Any:
    """`-sum(target * log(p), axis)` with `p` the normalised, clipped `output` (or
    `softmax(output)` when `from_logits`).

    Example:
        >>> from ember import keras
        >>> float(keras.ops.nn.categorical_crossentropy([0.0, 1.0], [0.5, 0.5])) > 0.69
        True
    """
    target, output = _pair_float(target, output)
    _same_shape("categorical_crossentropy", target, output)
    if output.shape.rank < 1:
        raise ValueError("keras.ops.categorical_crossentropy: arguments `target` and "
                         "`output` must be at least rank 1. Received: "
                         f"target.shape={tuple(target.shape)}")
    return m.negative(r.reduce_sum(m.multiply(target, _log_probs(output, from_logits, axis)),
                                   axis))


def sparse_categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                                    axis: int = -1) -> Any:
    """categorical_crossentropy with integer class indices as `target` (a trailing size-1
    dim of `target` is dropped).

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.sparse_categorical_crossentropy([1], [[0.5, 0.5]]).numpy().round(4)
        array([0.6931], dtype=float32)
    """
    output = floating(output)
    target = to_tensor(target)
    if output.shape.rank < 1:
        raise ValueError("keras.ops.sparse_categorical_crossentropy: argument `output` must "
                         f"be at least rank 1. Received: output.shape={tuple(output.shape)}")
    if target.shape.rank == output.shape.rank and target.shape[-1] == 1:
        target = s.squeeze(target, -1)
    ax = axes_of(axis, output.shape.rank)[0]
    rest = tuple(d for i, d in enumerate(output.shape) if i != ax)
    if tuple(target.shape) != rest:
        raise ValueError("keras.ops.sparse_categorical_crossentropy: arguments `target` and "
                         "`output` must have the same shape up until the class axis. "
                         f"Received: target.shape={tuple(target.shape)}, "
                         f"output.shape={tuple(output.shape)}")
    if not target.dtype.is_integer:
        target = cast(target, "int32")
    hot = _one_hot(target, output.shape[ax], axis=ax, dtype=output.dtype)
    return m.negative(r.reduce_sum(m.multiply(hot, _log_probs(output, from_logits, ax)), ax))


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None,
            sparse: bool = False) -> Any:
    """One-hot encoding of the integer tensor `x` with `num_classes` classes: a new axis at
    `axis`; negative indices give rows of zeros.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.one_hot([1, -1], 2, dtype="int32").numpy()
        array([[0, 1],
               [0, 0]], dtype=int32)
    """
    if sparse:  # a tf.SparseTensor of the ones, as Keras 3 on TensorFlow
        return from_dense(one_hot(x, num_classes, axis=axis, dtype=dtype))
    dtype = standardize_dtype(dtype)
    x = to_tensor(x)
    if not x.dtype.is_integer:
        x = cast(x, "int64")
    ax = axes_of(axis, x.shape.rank + 1)[0]
    if dtype == "bool":
        return _one_hot(x, int(num_classes), on_value=True, off_value=False, axis=ax,
                        dtype="bool")
    return _one_hot(x, int(num_classes), axis=ax, dtype=dtype)


def multi_hot(inputs: Any, num_classes: int | None = None, axis: int = -1,
              dtype: Any = None, sparse: bool = False, **kwargs: Any) -> Any:
    """Multi-hot encoding: the one-hot encodings of each row of `inputs` combined (max).

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.multi_hot([[0, 2]], 3).numpy()
        array([[1., 0., 1.]], dtype=float32)
    """
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if kwargs:
        raise TypeError(f"keras.ops.multi_hot: unexpected arguments {sorted(kwargs)}.")
    if num_classes is None:
        raise ValueError("keras.ops.multi_hot: argument `num_classes` must be specified.")
    dtype = standardize_dtype(dtype)
    x = to_tensor(inputs)
    hot = one_hot(x, num_classes, axis=axis, dtype=dtype)
    reduction = 1 if x.shape.rank > 1 else 0
    out = r.reduce_any(hot, reduction) if dtype == "bool" else r.reduce_max(hot, reduction)
    return from_dense(out) if sparse else out


def moments(x: Any, axes: Any, keepdims: bool = False, synchronized: bool = False) -> tuple:
    """The mean and (population) variance of `x` over `axes` (float16 computed in float32).

    Example:
        >>> from ember import keras
        >>> [t.numpy() for t in keras.ops.nn.moments([1.0, 3.0], axes=[0])]
        [np.float32(2.0), np.float32(1.0)]
    """
    x = floating(x)
    axes = axes_of(axes, x.shape.rank)
    dtype = x.dtype.name
    y = cast(x, "float32") if dtype in ("float16", "bfloat16") else x
    mean = r.reduce_mean(y, axes, keepdims=True)
    var = r.reduce_mean(m.square(m.subtract(y, mean)), axes, keepdims=True)
    if not keepdims:
        mean, var = s.squeeze(mean, axes), s.squeeze(var, axes)
    if y is not x:
        mean, var = cast(mean, dtype), cast(var, dtype)
    return mean, var


def batch_normalization(x: Any, mean: Any, variance: Any, axis: int, offset: Any = None,
                        scale: Any = None, epsilon: float = 1e-3) -> Any:
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset`, the vectors along `axis`.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.batch_normalization([[1.0, 3.0]], [1.0, 1.0], [1.0, 4.0], axis=1,
        ...                                  epsilon=0.0).numpy()
        array([[0., 1.]], dtype=float32)
    """
    x = floating(x)
    rank = x.shape.rank
    ax = axes_of(axis, rank)[0]
    shape = [1] * rank
    shape[ax] = x.shape[ax]

    def vec(v: Any, what: str) -> Any:
        v = to_tensor(v)
        if tuple(v.shape) != (x.shape[ax],):
            raise ValueError(f"keras.ops.batch_normalization: argument `{what}` must be a "
                             f"vector of length x.shape[axis] = {x.shape[ax]}. Received: "
                             f"{what}.shape={tuple(v.shape)}")
        return s.reshape(cast(v, x.dtype), shape)

    inv = m.rsqrt(m.add(vec(variance, "variance"), _c(x, epsilon)))
    if scale is not None:
        inv = m.multiply(inv, vec(scale, "scale"))
    res = m.multiply(m.negative(vec(mean, "mean")), inv)
    if offset is not None:
        res = m.add(res, vec(offset, "offset"))
    return m.add(m.multiply(x, inv), res)


def _broadcast_param(v: Any, x: Any, axes: list) -> Any:
    v = cast(to_tensor(v), x.dtype)
    rank = x.shape.rank
    if v.shape.rank != rank and axes != [rank - 1]:
        shape = [1] * rank
        for a in axes:
            shape[a] = x.shape[a]
        v = s.reshape(v, shape)
    return v


def layer_normalization(x: Any, gamma: Any = None, beta: Any = None, axis: Any = -1,
                        epsilon: float | None = None, **kwargs: Any) -> Any:
    """Normalises `x` over `axis` to zero mean and unit variance, then `* gamma + beta`
    (computed in at least float32; `rms_scaling=True` skips the centring).

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.layer_normalization([1.0, 3.0], epsilon=0.0).numpy()
        array([-1.,  1.], dtype=float32)
    """
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"keras.ops.layer_normalization: unexpected arguments "
                        f"{sorted(kwargs)}.")
    eps = config.epsilon() if epsilon is None else epsilon
    x = to_tensor(x)
    original = x.dtype.name
    x = floating(x, result_type(original, "float32"))
    axes = axes_of(axis, x.shape.rank)
    if rms_scaling:
        _, var = moments(x, axes, keepdims=True)
        out = m.multiply(x, m.rsqrt(m.add(var, _c(x, eps))))
        if gamma is not None:
            out = m.multiply(out, _broadcast_param(gamma, x, axes))
        return cast(out, original)
    want = [x.shape[a] for a in axes]
    params = [None if w is None else cast(to_tensor(w), x.dtype) for w in (gamma, beta)]
    if None not in want and all(w is None or w.shape.as_list() == want for w in params):
        # one fused kernel each way (prims/nn.py layer_norm), as LayerNormalization
        return cast(layer_norm(x, params[0], params[1], axis=tuple(axes), epsilon=eps),
                    original)
    mean, var = moments(x, axes, keepdims=True)
    inv = m.rsqrt(m.add(var, _c(x, eps)))
    if gamma is not None:
        inv = m.multiply(inv, _broadcast_param(gamma, x, axes))
    res = m.multiply(m.negative(mean), inv)
    if beta is not None:
        res = m.add(res, _broadcast_param(beta, x, axes))
    return cast(m.add(m.multiply(x, inv), res), original)


def rms_normalization(x: Any, scale: Any = None, axis: Any = -1,
                      epsilon: float | None = None) -> Any:
    """`x * rsqrt(mean(x^2, axis) + epsilon) * scale` (computed in at least float32).

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.rms_normalization([3.0, 4.0], epsilon=0.0).numpy().round(4)
        array([0.8485, 1.1314], dtype=float32)
    """
    eps = config.epsilon() if epsilon is None else epsilon
    x = to_tensor(x)
    original = x.dtype.name
    x = floating(x, result_type(original, "float32"))
    if x.shape.rank == 0:
        x = s.expand_dims(x, 0)
    axes = axes_of(axis, x.shape.rank)
    out = m.multiply(x, m.rsqrt(m.add(r.reduce_mean(m.square(x), axes, keepdims=True),
                                      _c(x, eps))))
    if scale is not None:
        out = m.multiply(out, cast(to_tensor(scale), x.dtype))
    return cast(out, original)


def normalize(x: Any, axis: Any = -1, order: int = 2, epsilon: float | None = None) -> Any:
    """`x` divided by its `order`-norm over `axis` (at least `epsilon`).

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.normalize([3.0, 4.0]).numpy()
        array([0.6, 0.8], dtype=float32)
    """
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"keras.ops.normalize: argument `order` must be an int >= 1. "
                         f"Received: order={order!r}")
    x = floating(x)
    if x.shape.rank == 0:
        x = s.expand_dims(x, 0)
    eps = config.epsilon() if epsilon is None else epsilon
    axes = axes_of(axis, x.shape.rank)
    if order == 2:
        inv = m.rsqrt(r.reduce_sum(m.square(x), axes, keepdims=True))
        return m.multiply(x, m.minimum(inv, _c(x, 1.0 / eps)))
    if len(axes) != 1:
        raise NotImplementedError("keras.ops.normalize: order != 2 over several axes (a "
                                  "matrix norm) is not supported by ember; normalise over "
                                  "one axis or use order=2.")
    powered = r.reduce_sum(m.pow(m.abs(x), _c(x, order)), axes, keepdims=True)
    norm = m.pow(powered, _c(x, 1.0 / order)) if order != 1 else powered
    return m.truediv(x, m.maximum(norm, _c(x, eps)))


def psnr(x1: Any, x2: Any, max_val: float) -> Any:
    """Peak signal-to-noise ratio `20 log10(max_val) - 10 log10(mse(x1, x2))`, a scalar.

    Example:
        >>> from ember import keras
        >>> round(float(keras.ops.nn.psnr([0.0, 1.0], [0.0, 0.9], 1.0)), 3)
        23.01
    """
    x1, x2 = promote(x1, x2)
    if tuple(x1.shape) != tuple(x2.shape):
        raise ValueError(f"keras.ops.psnr: input shapes {tuple(x1.shape)} and "
                         f"{tuple(x2.shape)} must match.")
    x1, x2 = floating(x1), floating(x2)
    ln10 = _c(x2, math.log(10.0))
    mse = r.reduce_mean(m.square(m.subtract(x1, x2)))
    top = m.multiply(_c(x2, 20.0), m.truediv(m.log(cast(to_tensor(max_val), x2.dtype)), ln10))
    return m.subtract(top, m.multiply(_c(x2, 10.0), m.truediv(m.log(mse), ln10)))


def polar(abs_: Any, angle: Any) -> Any:
    """The complex tensor `abs_ * (cos(angle) + i sin(angle))`.

    Example:
        >>> from ember import keras
        >>> keras.ops.nn.polar([2.0], [0.0]).numpy()
        array([2.+0.j], dtype=complex64)
    """
    abs_, angle = promote(floating(abs_), floating(angle))
    return m.complex(m.multiply(abs_, m.cos(angle)), m.multiply(abs_, m.sin(angle)))


def dot_product_attention(query: Any, key: Any, value: Any, bias: Any = None,
                          mask: Any = None, scale: float | None = None,
                          is_causal: bool = False, flash_attention: bool | None = None,
                          attn_logits_soft_cap: float | None = None) -> Any:
    """Scaled dot-product attention `softmax(q k^T * scale + bias, masked) v` over inputs
    `[batch, length, heads, head_dim]` (key/value heads repeated for grouped queries).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> q = np.ones((1, 2, 1, 4), "float32")
        >>> keras.ops.nn.dot_product_attention(q, q, q).shape
        TensorShape([1, 2, 1, 4])
    """
    if attn_logits_soft_cap is not None:
        raise ValueError("keras.ops.dot_product_attention: attn_logits_soft_cap is only "
                         "supported for JAX on TPU. Set attn_logits_soft_cap=None.")
    if flash_attention:
        raise ValueError("keras.ops.dot_product_attention: flash attention is not supported "
                         "by ember. Set flash_attention=None or False.")
    q, k, v = promote(query, key, value)
    q, k, v = (floating(t) for t in (q, k, v))
    if q.shape.rank != 4 or k.shape.rank != 4 or v.shape.rank != 4:
        raise ValueError("keras.ops.dot_product_attention: only supports 4D inputs "
                         "[batch, length, heads, head_dim]. Received: query.shape="
                         f"{tuple(q.shape)}, key.shape={tuple(k.shape)}, "
                         f"value.shape={tuple(v.shape)}.")
    nq, nk = q.shape[2], k.shape[2]
    if nq is not None and nk is not None and nq != nk:
        if nk > nq or nq % nk:
            raise ValueError("keras.ops.dot_product_attention: the number of query heads "
                             f"({nq}) must be a multiple of the number of key heads ({nk}).")
        k, v = s.repeat(k, nq // nk, axis=2), s.repeat(v, nq // nk, axis=2)
    if scale is None:
        scale = 1.0 / math.sqrt(k.shape[-1])
    logits_dtype = result_type(q.dtype.name, "float32")
    logits = einsum("BTNH,BSNH->BNTS", q, k)
    logits = m.multiply(cast(logits, logits_dtype), cast(to_tensor(scale), logits_dtype))
    if bias is not None:
        logits = m.add(logits, cast(to_tensor(bias), logits_dtype))
    if mask is not None or is_causal:
        keep = ones([], "bool")
        if mask is not None:
            keep = m.logical_and(keep, cast(to_tensor(mask), "bool"))
        if is_causal:
            t, srclen = logits.shape[2], logits.shape[3]
            import numpy as np
            causal = to_tensor(np.tril(np.ones((t, srclen), bool)))
            keep = m.logical_and(keep, causal)
        big = -0.7 * (65500.0 if logits_dtype == "float16" else 3.38953e38)
        logits = m.where(keep, logits, cast(big, logits_dtype))
    from .nn import softmax
    probs = cast(softmax(cast(logits, "float32") if logits_dtype != "float64" else logits,
                         axis=-1), v.dtype)
    return einsum("BNTS,BSNH->BTNH", probs, v)

"""JAX kernels for the depthwise 2-D convolution (NHWC) and its two gradients.

The params are the NumPy kernels' (`strides=(sh, sw)`, `padding` 'SAME' / 'VALID' /
explicit `((top, bottom), (left, right))`, `dilations=(dh, dw)`); the padding is made
explicit once by the NumPy backend's geometry helper, so both backends pad alike.

depthwise_conv2d is one `lax.conv_general_dilated` with `feature_group_count=C`: the
filter `[kh, kw, C, M]` read as HWIO `[kh, kw, 1, C * M]`, so output channel `c * M + m`
comes from group (input channel) c and filter `[:, :, c, m]`, as TF. Its two gradients
are the transposes of that convolution (`jax.linear_transpose`), each shaped by its
"like" input, as conv2d's in conv.py. With no channels (C == 0, no group to form) the
results are zeros of the right shape.

Example:
    >>> import numpy as np
    >>> from ember.backend.jax.depthwise import KERNELS  # doctest: +SKIP
    >>> x = np.ones((1, 3, 3, 2))
    >>> w = np.ones((2, 2, 2, 1)) * np.array([1.0, 10.0])[:, None]
    >>> KERNELS["depthwise_conv2d"](x, w, strides=(1, 1), padding="VALID",
    ...                             dilations=(1, 1))[0, 0, 0]  # doctest: +SKIP
    Array([ 4., 40.], dtype=float64)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..numpy.conv import _geometry

_DIMS = ("NHWC", "HWIO", "NHWC")


def _depthwise_fn(x_shape: tuple, w_shape: tuple, strides, padding, dilations):
    """`(x, w) -> depthwise_conv2d(x, w)` for these shapes, the padding made explicit;
    None where there are no channels."""
    kh, kw, c, m = w_shape
    if c == 0:
        return None
    pads, _ = _geometry(x_shape, (kh, kw), strides, padding, dilations)

    def conv(x, w):
        return jax.lax.conv_general_dilated(
            x, w.reshape(kh, kw, 1, c * m), window_strides=tuple(strides),
            padding=[tuple(p) for p in pads], rhs_dilation=tuple(dilations),
            dimension_numbers=_DIMS, feature_group_count=c)
    return conv


def depthwise_conv2d(x, w, strides, padding, dilations):
    x, w = jnp.asarray(x), jnp.asarray(w)
    conv = _depthwise_fn(x.shape, w.shape, strides, padding, dilations)
    if conv is None:
        _, (oh, ow) = _geometry(x.shape, w.shape[:2], strides, padding, dilations)
        return jnp.zeros((x.shape[0], oh, ow, 0), x.dtype)
    return conv(x, w)


def depthwise_conv2d_backprop_input(dy, w, x_like, strides, padding, dilations):
    dy, w = jnp.asarray(dy), jnp.asarray(w)
    shape = tuple(np.shape(x_like))
    conv = _depthwise_fn(shape, w.shape, strides, padding, dilations)
    if conv is None:
        return jnp.zeros(shape, dy.dtype)
    (dx,) = jax.linear_transpose(lambda x: conv(x, w),
                                 jax.ShapeDtypeStruct(shape, dy.dtype))(dy)
    return dx


def depthwise_conv2d_backprop_filter(x, dy, w_like, strides, padding, dilations):
    x, dy = jnp.asarray(x), jnp.asarray(dy)
    shape = tuple(np.shape(w_like))
    conv = _depthwise_fn(x.shape, shape, strides, padding, dilations)
    if conv is None:
        return jnp.zeros(shape, x.dtype)
    (dw,) = jax.linear_transpose(lambda w: conv(x, w),
                                 jax.ShapeDtypeStruct(shape, x.dtype))(dy)
    return dw


KERNELS = {
    "depthwise_conv2d": depthwise_conv2d,
    "depthwise_conv2d_backprop_input": depthwise_conv2d_backprop_input,
    "depthwise_conv2d_backprop_filter": depthwise_conv2d_backprop_filter,
}

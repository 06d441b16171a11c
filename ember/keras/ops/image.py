"""`keras.ops.image`: Keras 3's image ops on ember (also at `keras.ops`' top level).

Colour conversions, cropping/padding, patches, blurs, edges and SSIM are here;
resampling (resize, scale_and_translate, affine/perspective/elastic transforms,
map_coordinates) in `_image_warp.py`. Images are rank 3 (one image) or rank 4 (a batch),
laid out by `data_format` (default keras.config.image_data_format()).

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> keras.ops.image.rgb_to_grayscale(np.ones((1, 1, 3), "float32")).shape
    TensorShape([1, 1, 1])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ops import math_ops as m
from ...ops import reduce_ops as r
from ...ops import shape_ops as s
from ...ops.conv_extra import depthwise_conv2d
from ...ops.conv_ops import conv2d
from ...prims.convert import cast, identity
from ._dtypes import result_type, to_tensor
from ._image_warp import (affine_transform, elastic_transform, map_coordinates,  # noqa: F401
                          perspective_transform, resize, scale_and_translate)
from ._nn_common import data_format as _fmt
from ._nn_common import floating, rank_of
from ._nn_conv import conv
from ._nn_fold import patch_kernel

__all__ = ["affine_transform", "crop_images", "elastic_transform", "extract_patches",
           "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates",
           "pad_images", "perspective_transform", "resize", "rgb_to_grayscale",
           "rgb_to_hsv", "scale_and_translate", "sobel_edges", "ssim"]


def _images(op: str, images: Any, data_format: Any) -> tuple:
    x = to_tensor(images)
    rank_of(op, x, (3, 4), "images")
    return x, _fmt(op, data_format)


def _channel_axis(fmt: str) -> int:
    return -1 if fmt == "channels_last" else -3


def _batched_last(x: Any, fmt: str) -> Any:
    """Rank-3/4 images as a channels_last batch."""
    if x.shape.rank == 3:
        x = s.expand_dims(x, 0)
    return x if fmt == "channels_last" else s.transpose(x, [0, 2, 3, 1])


def _unbatched(y: Any, fmt: str, rank: int) -> Any:
    if fmt == "channels_first":
        y = s.transpose(y, [0, 3, 1, 2])
    return s.squeeze(y, [0]) if rank == 3 else y


# -- colour --------------------------------------------------------------------------------

def rgb_to_grayscale(images: Any, data_format: str | None = None) -> Any:
    """Luma `0.2989 R + 0.5870 G + 0.1140 B` with a channel dim of 1 (the input dtype).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> keras.ops.image.rgb_to_grayscale(np.array([[[1.0, 0.0, 0.0]]], "float32")).numpy()
        array([[[0.2989]]], dtype=float32)
    """
    op = "rgb_to_grayscale"
    x, fmt = _images(op, images, data_format)
    ax = _channel_axis(fmt)
    if x.shape[ax] not in (1, 3):
        raise ValueError(f"keras.ops.image.{op}: expected 3 (RGB) or 1 (grayscale) channels."
                         f" Received: images.shape={tuple(x.shape)}")
    if x.shape[ax] == 1:
        return identity(x)
    original = x.dtype.name
    f = floating(x)
    w = to_tensor(np.array([0.2989, 0.5870, 0.1140], f.dtype.as_numpy_dtype))
    if fmt == "channels_first":
        w = s.reshape(w, [3, 1, 1])
    return cast(r.reduce_sum(m.multiply(f, w), ax, keepdims=True), original)


def _planes(op: str, images: Any, data_format: Any) -> tuple:
    x, fmt = _images(op, images, data_format)
    if not x.dtype.is_floating:
        raise ValueError(f"keras.ops.image.{op}: expected a float dtype. Received: "
                         f"images.dtype={x.dtype.name}")
    ax = _channel_axis(fmt)
    if x.shape[ax] != 3:
        raise ValueError(f"keras.ops.image.{op}: expected 3 channels. Received: "
                         f"images.shape={tuple(x.shape)}")
    return x, ax, [s.squeeze(p, [ax]) for p in s.split(x, 3, axis=ax)]


def rgb_to_hsv(images: Any, data_format: str | None = None) -> Any:
    """RGB in [0, 1] to HSV (hue in [0, 1)), float images only.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> keras.ops.image.rgb_to_hsv(np.array([[[0.0, 1.0, 0.0]]], "float32")).numpy()
        array([[[0.33333334, 1.        , 1.        ]]], dtype=float32)
    """
    x, ax, (red, green, blue) = _planes("rgb_to_hsv", images, data_format)
    dt = x.dtype

    def c(v: float) -> Any:
        return cast(v, dt)

    eps = float(np.finfo(dt.as_numpy_dtype).eps) if dt.name != "bfloat16" else 0.0078125
    red, green, blue = (m.where(m.less(m.abs(p), c(eps)), c(0), p) for p in (red, green, blue))
    value = m.maximum(m.maximum(red, green), blue)
    rng = m.subtract(value, m.minimum(m.minimum(red, green), blue))
    safe_value = m.where(m.greater(value, c(0)), value, c(1))
    safe_range = m.where(m.greater(rng, c(0)), rng, c(1))
    sat = m.where(m.greater(value, c(0)), m.truediv(rng, safe_value), c(0))
    norm = m.truediv(c(1), m.multiply(c(6), safe_range))
    hue = m.where(m.equal(value, green),
                  m.add(m.multiply(norm, m.subtract(blue, red)), c(2 / 6)),
                  m.add(m.multiply(norm, m.subtract(red, green)), c(4 / 6)))
    hue = m.where(m.equal(value, red), m.multiply(norm, m.subtract(green, blue)), hue)
    hue = m.add(m.where(m.greater(rng, c(0)), hue, c(0)), cast(m.less(hue, c(0)), dt))
    return s.stack([hue, sat, value], axis=ax)


def hsv_to_rgb(images: Any, data_format: str | None = None) -> Any:
    """HSV (hue in [0, 1)) to RGB, float images only.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> keras.ops.image.hsv_to_rgb(np.array([[[0.0, 1.0, 1.0]]], "float32")).numpy()
        array([[[1., 0., 0.]]], dtype=float32)
    """
    x, ax, (hue, sat, value) = _planes("hsv_to_rgb", images, data_format)
    dt = x.dtype

    def c(v: float) -> Any:
        return cast(v, dt)

    def clip01(v: Any) -> Any:
        return m.minimum(m.maximum(v, c(0)), c(1))

    dh = m.multiply(m.floormod(hue, c(1)), c(6))
    dr = clip01(m.subtract(m.abs(m.subtract(dh, c(3))), c(1)))
    dg = clip01(m.subtract(c(2), m.abs(m.subtract(dh, c(2)))))
    db = clip01(m.subtract(c(2), m.abs(m.subtract(dh, c(4)))))
    one_minus_s = m.subtract(c(1), sat)
    planes = [m.multiply(value, m.add(one_minus_s, m.multiply(sat, d))) for d in (dr, dg, db)]
    return s.stack(planes, axis=ax)


# -- crop / pad ----------------------------------------------------------------------------

def _two_of(op: str, names: tuple, values: tuple) -> None:
    if list(values).count(None) != 1:
        raise ValueError(f"keras.ops.image.{op}: must specify exactly two of "
                         f"{', '.join(names)}. Received: "
                         + ", ".join(f"{n}={v}" for n, v in zip(names, values)))
    for n, v in zip(names, values):
        if v is not None and v < 0:
            raise ValueError(f"keras.ops.image.{op}: {n} must be >= 0. Received: {n}={v}")


def _hw_axes(x: Any, fmt: str) -> tuple:
    rank = x.shape.rank
    return (rank - 3, rank - 2) if fmt == "channels_last" else (rank - 2, rank - 1)


def pad_images(images: Any, top_padding: int | None = None, left_padding: int | None = None,
               bottom_padding: int | None = None, right_padding: int | None = None,
               target_height: int | None = None, target_width: int | None = None,
               data_format: str | None = None) -> Any:
    """Zero-pads images: give two of (top, bottom, target_height) and two of (left, right,
    target_width).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> keras.ops.image.pad_images(np.ones((1, 1, 1), "float32"), 1, 0, 0, 1)[..., 0].numpy()
        array([[0., 0.],
               [1., 0.]], dtype=float32)
    """
    op = "pad_images"
    x, fmt = _images(op, images, data_format)
    _two_of(op, ("top_padding", "bottom_padding", "target_height"),
            (top_padding, bottom_padding, target_height))
    _two_of(op, ("left_padding", "right_padding", "target_width"),
            (left_padding, right_padding, target_width))
    hax, wax = _hw_axes(x, fmt)
    h, w = x.shape[hax], x.shape[wax]
    top = target_height - bottom_padding - h if top_padding is None else top_padding
    bottom = target_height - top - h if bottom_padding is None else bottom_padding
    left = target_width - right_padding - w if left_padding is None else left_padding
    right = target_width - left - w if right_padding is None else right_padding
    for name, v in (("top_padding", top), ("bottom_padding", bottom),
                    ("left_padding", left), ("right_padding", right)):
        if v < 0:
            raise ValueError(f"keras.ops.image.{op}: the target size is smaller than the "
                             f"image {tuple(x.shape)}: {name} would be {v}.")
    pads = [[0, 0]] * x.shape.rank
    pads[hax], pads[wax] = [top, bottom], [left, right]
    return s.pad(x, pads)


def crop_images(images: Any, top_cropping: int | None = None,
                left_cropping: int | None = None, bottom_cropping: int | None = None,
                right_cropping: int | None = None, target_height: int | None = None,
                target_width: int | None = None, data_format: str | None = None) -> Any:
    """Crops images: give two of (top, bottom, target_height) and two of (left, right,
    target_width).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.arange(9.0, dtype="float32").reshape(3, 3, 1)
        >>> keras.ops.image.crop_images(x, 1, 1, 0, 0)[..., 0].numpy()
        array([[4., 5.],
               [7., 8.]], dtype=float32)
    """
    op = "crop_images"
    x, fmt = _images(op, images, data_format)
    _two_of(op, ("top_cropping", "bottom_cropping", "target_height"),
            (top_cropping, bottom_cropping, target_height))
    _two_of(op, ("left_cropping", "right_cropping", "target_width"),
            (left_cropping, right_cropping, target_width))
    hax, wax = _hw_axes(x, fmt)
    h, w = x.shape[hax], x.shape[wax]
    top = h - target_height - bottom_cropping if top_cropping is None else top_cropping
    th = h - bottom_cropping - top if target_height is None else target_height
    left = w - target_width - right_cropping if left_cropping is None else left_cropping
    tw = w - right_cropping - left if target_width is None else target_width
    for name, v in (("top_cropping", top), ("target_height", th),
                    ("left_cropping", left), ("target_width", tw)):
        if v < 0:
            raise ValueError(f"keras.ops.image.{op}: the cropping is larger than the image "
                             f"{tuple(x.shape)}: {name} would be {v}.")
    if top + th > h or left + tw > w:
        raise ValueError(f"keras.ops.image.{op}: the crop box exceeds the image "
                         f"{tuple(x.shape)}.")
    index = [slice(None)] * x.shape.rank
    index[hax], index[wax] = slice(top, top + th), slice(left, left + tw)
    return x[tuple(index)]


# -- patches -------------------------------------------------------------------------------

def _patches(op: str, x: Any, size: Any, strides: Any, dilation_rate: Any, padding: str,
             data_format: Any, n: int) -> Any:
    fmt = _fmt(op, data_format)
    ks = (size,) * n if isinstance(size, int) else tuple(size)
    if len(ks) != n:
        raise TypeError(f"keras.ops.image.{op}: size must be an int or a tuple of {n} ints. "
                        f"Received: size={size!r}")
    strides = ks if strides is None else strides
    unbatched = x.shape.rank == n + 1
    if unbatched:
        x = s.expand_dims(x, 0)
    c = x.shape[-1] if fmt == "channels_last" else x.shape[1]
    y = conv(x, patch_kernel(ks, c, True, x.dtype), strides, padding, fmt, dilation_rate)
    return s.squeeze(y, [0]) if unbatched else y


def extract_patches(images: Any, size: Any, strides: Any = None, dilation_rate: Any = 1,
                    padding: str = "valid", data_format: str | None = None) -> Any:
    """The `size` patches of images, flattened into the channel axis (row, column, channel
    order), one per stride step (a 3-tuple `size` extracts 3-D patches).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.arange(4.0, dtype="float32").reshape(2, 2, 1)
        >>> keras.ops.image.extract_patches(x, 2).numpy()
        array([[[0., 1., 2., 3.]]], dtype=float32)
    """
    op = "extract_patches"
    if not isinstance(size, int) and len(size) == 3:
        return extract_patches_3d(images, size, strides, dilation_rate, padding, data_format)
    x = floating(images)
    rank_of(op, x, (3, 4), "images")
    return _patches(op, x, size, strides, dilation_rate, padding, data_format, 2)


def extract_patches_3d(volumes: Any, size: Any, strides: Any = None, dilation_rate: Any = 1,
                       padding: str = "valid", data_format: str | None = None) -> Any:
    """The 3-D `size` patches of volumes (rank 4, or rank 5 batched), flattened into the
    channel axis.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> keras.ops.image.extract_patches_3d(np.ones((2, 2, 2, 1), "float32"), 2).shape
        TensorShape([1, 1, 1, 8])
    """
    op = "extract_patches_3d"
    x = floating(volumes)
    rank_of(op, x, (4, 5), "volumes")
    return _patches(op, x, size, strides, dilation_rate, padding, data_format, 3)


# -- filters -------------------------------------------------------------------------------

def _gauss1d(size: int, sigma: float, dtype: Any) -> np.ndarray:
    t = np.arange(size, dtype=dtype) - (size - 1) / 2
    k = np.exp(-0.5 * (t / sigma) ** 2)
    return k / np.sum(k)


def gaussian_blur(images: Any, kernel_size: Any = (3, 3), sigma: Any = (1.0, 1.0),
                  data_format: str | None = None) -> Any:
    """Gaussian blur with zero padding (the output has the input's size); `kernel_size`
    and `sigma` are (x, y) pairs as Keras 3's NumPy backend reads them.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> y = keras.ops.image.gaussian_blur(np.ones((5, 5, 1), "float32"))
        >>> round(float(y[2, 2, 0]), 4)
        1.0
    """
    op = "gaussian_blur"
    x, fmt = _images(op, images, data_format)
    original = x.dtype.name
    x = floating(x, result_type(original, "float32"))
    try:
        ks = tuple(int(k) for k in np.asarray(kernel_size).reshape(-1))
        sg = tuple(float(v) for v in np.asarray(sigma, dtype=np.float64).reshape(-1))
    except (TypeError, ValueError):
        raise NotImplementedError(f"keras.ops.image.{op}: kernel_size and sigma must be "
                                  f"concrete numbers (not symbolic tensors).") from None
    if len(ks) != 2 or len(sg) != 2:
        raise ValueError(f"keras.ops.image.{op}: kernel_size and sigma must be pairs. "
                         f"Received: kernel_size={kernel_size!r}, sigma={sigma!r}")
    rank = x.shape.rank
    xb = _batched_last(x, fmt)
    c = xb.shape[-1]
    npdt = x.dtype.as_numpy_dtype
    kern = np.outer(_gauss1d(ks[1], sg[1], npdt), _gauss1d(ks[0], sg[0], npdt))
    w = to_tensor(np.tile(kern[:, :, None, None], (1, 1, c, 1)).astype(npdt))
    y = depthwise_conv2d(xb, w, [1, 1, 1, 1], "SAME")
    return cast(_unbatched(y, fmt, rank), original)


def sobel_edges(images: Any, data_format: str | None = None) -> Any:
    """Sobel gradients of a batch of images, `(..., channels, 2)` with (dy, dx) last; the
    border is extended symmetrically (as scipy's `ndimage.sobel`).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.tile(np.arange(3.0, dtype="float32"), (1, 3, 1))[..., None]
        >>> keras.ops.image.sobel_edges(x)[0, 1, 1, 0].numpy()
        array([0., 8.], dtype=float32)
    """
    op = "sobel_edges"
    x = floating(images)
    rank_of(op, x, (4,), "images")
    fmt = _fmt(op, data_format)
    xb = _batched_last(x, fmt)
    n, h, w, c = xb.shape
    dy = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], x.dtype.as_numpy_dtype)
    kern = np.stack([dy, dy.T], axis=-1)[:, :, None, :]  # [3, 3, 1, 2]
    padded = s.pad(xb, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")
    y = depthwise_conv2d(padded, to_tensor(np.tile(kern, (1, 1, c, 1))), [1, 1, 1, 1],
                         "VALID")
    y = s.reshape(y, [-1, h, w, c, 2])
    return s.transpose(y, [0, 3, 1, 2, 4]) if fmt == "channels_first" else y


def ssim(image1: Any, image2: Any, max_val: float = 1.0, filter_size: int = 11,
         filter_sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03,
         data_format: str | None = None) -> Any:
    """The structural similarity index of two images (per image of a batch), with a
    `filter_size` Gaussian window of `filter_sigma` ('valid' filtering).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.linspace(0, 1, 48, dtype="float32").reshape(4, 4, 3)
        >>> round(float(keras.ops.image.ssim(x, x, filter_size=3)), 4)
        1.0
    """
    op = "ssim"
    a, fmt = _images(op, image1, data_format)
    b, _ = _images(op, image2, data_format)
    original = a.dtype.name
    dt = result_type(original, float)
    a, b = floating(a, dt), floating(b, dt)
    rank = a.shape.rank
    a, b = _batched_last(a, fmt), _batched_last(b, fmt)
    _, h, w, c = a.shape
    npdt = a.dtype.as_numpy_dtype
    g = _gauss1d(filter_size, filter_sigma, npdt)
    kern = to_tensor(np.outer(g, g).astype(npdt).reshape(filter_size, filter_size, 1, 1))

    def blur(t: Any) -> Any:
        flat = s.reshape(s.transpose(t, [0, 3, 1, 2]), [-1, h, w, 1])
        return conv2d(flat, kern, 1, "VALID")

    c1, c2 = cast((k1 * max_val) ** 2, a.dtype), cast((k2 * max_val) ** 2, a.dtype)
    two = cast(2.0, a.dtype)
    mu1, mu2 = blur(a), blur(b)
    mu11, mu22, mu12 = m.multiply(mu1, mu1), m.multiply(mu2, mu2), m.multiply(mu1, mu2)
    s11 = m.subtract(blur(m.multiply(a, a)), mu11)
    s22 = m.subtract(blur(m.multiply(b, b)), mu22)
    s12 = m.subtract(blur(m.multiply(a, b)), mu12)
    num = m.multiply(m.add(m.multiply(two, mu12), c1), m.add(m.multiply(two, s12), c2))
    den = m.multiply(m.add(m.add(mu11, mu22), c1), m.add(m.add(s11, s22), c2))
    per = s.reshape(r.reduce_mean(m.truediv(num, den), [1, 2, 3]), [-1, c])
    out = r.reduce_mean(per, -1)
    return cast(s.squeeze(out, [0]) if rank == 3 else out, original)

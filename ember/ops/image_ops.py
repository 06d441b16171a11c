"""Image ops (TF's `tf.image`), composed from ember's differentiable ops.

Images are `[height, width, channels]` tensors or batches `[batch, height, width,
channels]`. Every op is built from existing ember ops, so gradients and `ember.function`
tracing come for free. Height, width and channels must be known statically (the batch
dim may be None inside a trace).

Example:
    >>> import ember as tf
    >>> from ember import image
    >>> img = tf.reshape(tf.range(4.0), [2, 2, 1])
    >>> image.flip_left_right(img).numpy()[..., 0]
    array([[1., 0.],
           [3., 2.]], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.context import CTX
from ..core.custom_gradient import custom_gradient
from ..core.dtypes import as_dtype, float32, float64
from ..core.errors import SymbolicValueError
from ..core.tensor import is_tensor
from ..prims.convert import cast, constant, convert_to_tensor, identity
from .gather_ops import gather
from .math_ops import clip_by_value
from ..prims.math import floordiv, maximum, where
from .random_ops import uniform as random_uniform
from ..prims.reduce import reduce_mean, reduce_sum
from .reduce_ops import reduce_std
from .shape_ops import shape as dynamic_shape
from .shape_ops import concat, pad, reshape, reverse
from .shape_ops import transpose as _transpose  # `transpose` here is tf.image.transpose

__all__ = ["flip_left_right", "flip_up_down", "rot90", "transpose", "convert_image_dtype",
           "rgb_to_grayscale", "grayscale_to_rgb", "adjust_brightness", "adjust_contrast",
           "per_image_standardization", "central_crop", "crop_to_bounding_box",
           "pad_to_bounding_box", "resize_with_crop_or_pad", "resize", "ResizeMethod",
           "random_flip_left_right", "random_flip_up_down", "random_brightness"]


# ---------------------------------------------------------------------------- helpers

def _image(op: str, image: Any) -> Any:
    """`image` as a Tensor of rank 3 or 4, or a clear error."""
    t = convert_to_tensor(image)
    rank = t.shape.rank
    if rank not in (3, 4):
        raise ValueError(f"tf.image.{op}: expected an image of rank 3 [height, width, "
                         f"channels] or a batch of rank 4 [batch, height, width, channels]. "
                         f"Received: shape={t.shape}")
    return t


def _hw(op: str, image: Any) -> tuple[int, int]:
    """The static (height, width) of an image or batch, or a clear error."""
    h, w = image.shape[-3], image.shape[-2]
    if h is None or w is None:
        raise ValueError(f"tf.image.{op}: height and width must be known statically "
                         f"(only the batch dim may be None). Received: shape={image.shape}")
    return int(h), int(w)


def _static_value(op: str, name: str, value: Any) -> Any:
    """The NumPy value of a tensor argument; a tensor computed inside a trace is refused."""
    if not is_tensor(value):
        return value
    try:
        return value.numpy()
    except SymbolicValueError:
        raise NotImplementedError(
            f"tf.image.{op}: {name} must be known while tracing (a Python int or a constant "
            f"tensor); a {name} computed inside ember.function is not supported yet. "
            f"Received: {name}={value!r}") from None


def _int_arg(op: str, name: str, value: Any) -> int:
    """A Python int argument (also from a 0-d constant tensor), or a clear error."""
    value = _static_value(op, name, value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, np.integer)) and not (isinstance(value, np.ndarray)
                                               and value.ndim == 0 and value.dtype.kind in "iu"):
        raise TypeError(f"tf.image.{op}: {name} must be an int. Received: {name}={value!r}")
    return int(value)


def _spatial_pad(image: Any, top: int, bottom: int, left: int, right: int) -> Any:
    pads = [[top, bottom], [left, right], [0, 0]]
    if image.shape.rank == 4:
        pads = [[0, 0]] + pads
    return pad(image, pads)


def _to_float(image: Any) -> tuple[Any, Any]:
    """(image as a float tensor, its original dtype): ints become float32 in [0, 1]."""
    orig = image.dtype
    if orig.is_floating:
        return image, orig
    return convert_image_dtype(image, float32), orig


# ------------------------------------------------------------------- flips / rotations

def flip_left_right(image: Any) -> Any:
    """Reverse the width axis of an image or batch (TF's `tf.image.flip_left_right`).

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.flip_left_right([[[1], [2], [3]]]).numpy()[..., 0]
        array([[3, 2, 1]], dtype=int32)
    """
    return reverse(_image("flip_left_right", image), [-2])


def flip_up_down(image: Any) -> Any:
    """Reverse the height axis of an image or batch (TF's `tf.image.flip_up_down`).

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.flip_up_down([[[1]], [[2]]]).numpy()[..., 0]
        array([[2],
               [1]], dtype=int32)
    """
    return reverse(_image("flip_up_down", image), [-3])


def _swap_hw(image: Any) -> Any:
    perm = [1, 0, 2] if image.shape.rank == 3 else [0, 2, 1, 3]
    return _transpose(image, perm)


def transpose(image: Any) -> Any:
    """Swap height and width of an image or batch (TF's `tf.image.transpose`).

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.transpose([[[1], [2]]]).shape
        TensorShape([2, 1, 1])
    """
    return _swap_hw(_image("transpose", image))


def rot90(image: Any, k: int = 1) -> Any:
    """Rotate an image or batch by `k` quarter turns counter-clockwise (TF's `tf.image.rot90`).

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.rot90([[[0], [1], [2]], [[3], [4], [5]]]).numpy()[..., 0]
        array([[2, 5],
               [1, 4],
               [0, 3]], dtype=int32)
    """
    image = _image("rot90", image)
    k = _int_arg("rot90", "k", k) % 4
    if k == 0:
        return identity(image)
    if k == 1:
        return _swap_hw(reverse(image, [-2]))
    if k == 2:
        return reverse(image, [-3, -2])
    return reverse(_swap_hw(image), [-2])


# ------------------------------------------------------------------ dtypes and colour

def convert_image_dtype(image: Any, dtype: Any, saturate: bool = False) -> Any:
    """Convert an image between dtypes, rescaling values (TF's `tf.image.convert_image_dtype`).

    Floats are in [0, 1]; ints span [0, dtype.max]. Float -> int multiplies by
    `max + 0.5` and truncates; `saturate=True` clips first so out-of-range values do
    not wrap around.

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> x = tf.constant([0, 128, 255], tf.uint8)
        >>> image.convert_image_dtype(x, tf.float32).numpy()
        array([0.       , 0.5019608, 1.       ], dtype=float32)
    """
    image = convert_to_tensor(image)
    dtype = as_dtype(dtype)
    src = image.dtype
    for d, what in ((src, "image.dtype"), (dtype, "dtype")):
        if not (d.is_floating or d.is_integer):
            raise TypeError(f"tf.image.convert_image_dtype: {what} must be a float or integer "
                            f"type. Received: {what}={d}")
    if src == dtype:
        return identity(image)
    if src.is_integer and dtype.is_integer:
        in_max, out_max = int(src.max), int(dtype.max)
        if in_max > out_max:  # scale down: integer divide, then cast
            scale = (in_max + 1) // (out_max + 1)
            return cast(floordiv(image, cast(scale, src)), dtype)
        scale = (out_max + 1) // (in_max + 1)
        return cast(image, dtype) * cast(scale, dtype)
    if src.is_floating and dtype.is_floating:
        return cast(image, dtype)
    if src.is_integer:  # int -> float
        return cast(image, dtype) * cast(1.0 / float(src.max), dtype)
    # float -> int
    scaled = image * cast(float(dtype.max) + 0.5, src)
    if saturate:
        # NOTE: clip in float64 so that e.g. int32's max is represented exactly enough.
        scaled = clip_by_value(cast(scaled, float64), float(dtype.min), float(dtype.max))
    return cast(scaled, dtype)


def rgb_to_grayscale(images: Any) -> Any:
    """Luma `0.2989 R + 0.5870 G + 0.1140 B`, keeping a channel dim of 1 (TF's op).

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.rgb_to_grayscale([[[1.0, 0.0, 0.0]]]).numpy()
        array([[[0.2989]]], dtype=float32)
    """
    images = _image("rgb_to_grayscale", images)
    if images.shape[-1] != 3:
        raise ValueError("tf.image.rgb_to_grayscale: the last dim must be 3 (RGB). "
                         f"Received: shape={images.shape}")
    flt, orig = _to_float(images)
    weights = constant([0.2989, 0.5870, 0.1140], flt.dtype)
    gray = reduce_sum(flt * weights, axis=-1, keepdims=True)
    return convert_image_dtype(gray, orig)


def grayscale_to_rgb(images: Any) -> Any:
    """Repeat the single channel of a grayscale image 3 times (TF's `grayscale_to_rgb`).

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.grayscale_to_rgb([[[0.5]]]).numpy()
        array([[[0.5, 0.5, 0.5]]], dtype=float32)
    """
    images = _image("grayscale_to_rgb", images)
    if images.shape[-1] != 1:
        raise ValueError("tf.image.grayscale_to_rgb: the last dim must be 1 (grayscale). "
                         f"Received: shape={images.shape}")
    return concat([images, images, images], axis=-1)


def adjust_brightness(image: Any, delta: Any) -> Any:
    """Add `delta` to every value (ints are converted to [0, 1] floats first, as TF).

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.adjust_brightness([[[0.25]]], 0.5).numpy()
        array([[[0.75]]], dtype=float32)
    """
    flt, orig = _to_float(_image("adjust_brightness", image))
    out = flt + cast(delta, flt.dtype)
    return convert_image_dtype(out, orig, saturate=True)


def adjust_contrast(images: Any, contrast_factor: Any) -> Any:
    """`(x - mean) * contrast_factor + mean`, mean per channel over height and width.

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.adjust_contrast([[[1.0], [3.0]]], 2.0).numpy()[..., 0]
        array([[0., 4.]], dtype=float32)
    """
    if not CTX.tapes:
        return _adjust_contrast(images, contrast_factor)

    # TF's AdjustContrastv2 has no gradient: asking for one raises LookupError
    @custom_gradient
    def no_gradient(*args: Any) -> Any:
        def grad(*upstream: Any, variables: Any = None) -> Any:
            raise LookupError("gradient registry has no entry for: AdjustContrastv2 "
                              "(tf.image.adjust_contrast has no gradient, as in TF; "
                              "write the contrast change with differentiable ops, e.g. "
                              "(x - mean) * factor + mean, to differentiate it)")
        return _adjust_contrast(*args), grad

    return no_gradient(images, contrast_factor)


def _adjust_contrast(images: Any, contrast_factor: Any) -> Any:
    flt, orig = _to_float(_image("adjust_contrast", images))
    mean = reduce_mean(flt, axis=[-3, -2], keepdims=True)
    out = (flt - mean) * cast(contrast_factor, flt.dtype) + mean
    return convert_image_dtype(out, orig, saturate=True)


def per_image_standardization(image: Any) -> Any:
    """Scale each image to mean 0 and variance 1; the output is float32, as in TF 2.

    The stddev used is `max(stddev, 1 / sqrt(num_elements))` so uniform images do not
    divide by zero. Integer inputs are cast (not rescaled) to float32.

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.per_image_standardization([[[1.0], [3.0]]]).numpy()[..., 0]
        array([[-1.,  1.]], dtype=float32)
    """
    image = cast(_image("per_image_standardization", image), float32)
    h, w = _hw("per_image_standardization", image)
    c = image.shape[-1]
    if c is None:
        raise ValueError("tf.image.per_image_standardization: the channel dim must be "
                         f"known statically. Received: shape={image.shape}")
    axes = [-3, -2, -1]
    mean = reduce_mean(image, axis=axes, keepdims=True)
    stddev = reduce_std(image, axis=axes, keepdims=True)
    min_stddev = 1.0 / math.sqrt(h * w * int(c))
    return (image - mean) / maximum(stddev, min_stddev)


# -------------------------------------------------------------------- crops and pads

def _box_args(op: str, image: Any, offset_height: Any, offset_width: Any,
              target_height: Any, target_width: Any) -> tuple:
    """The image as a tensor, its height and width, and the box's offsets and sizes as
    ints (offsets checked >= 0), for crop_to_bounding_box / pad_to_bounding_box."""
    image = _image(op, image)
    h, w = _hw(op, image)
    oh, ow = _int_arg(op, "offset_height", offset_height), _int_arg(op, "offset_width",
                                                                      offset_width)
    th, tw = _int_arg(op, "target_height", target_height), _int_arg(op, "target_width",
                                                                      target_width)
    if oh < 0 or ow < 0:
        raise ValueError(f"tf.image.{op}: offsets must be >= 0. Received: "
                         f"offset_height={oh}, offset_width={ow}")
    return image, h, w, oh, ow, th, tw


def crop_to_bounding_box(image: Any, offset_height: int, offset_width: int,
                         target_height: int, target_width: int) -> Any:
    """Crop the box at (offset_height, offset_width) of the given size (TF's op).

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> img = tf.reshape(tf.range(9), [3, 3, 1])
        >>> image.crop_to_bounding_box(img, 1, 1, 2, 2).numpy()[..., 0]
        array([[4, 5],
               [7, 8]], dtype=int32)
    """
    op = "crop_to_bounding_box"
    image, h, w, oh, ow, th, tw = _box_args(op, image, offset_height, offset_width,
                                            target_height, target_width)
    if th <= 0 or tw <= 0:
        raise ValueError(f"tf.image.{op}: target sizes must be > 0. Received: "
                         f"target_height={th}, target_width={tw}")
    if oh + th > h or ow + tw > w:
        raise ValueError(f"tf.image.{op}: the box [{oh}:{oh + th}, {ow}:{ow + tw}] lies "
                         f"outside the {h}x{w} image; need offset + target <= image size. "
                         f"Received: image shape={image.shape}")
    return image[..., oh:oh + th, ow:ow + tw, :]


def pad_to_bounding_box(image: Any, offset_height: int, offset_width: int,
                        target_height: int, target_width: int) -> Any:
    """Zero-pad an image so it sits at (offset_height, offset_width) of a larger box.

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.pad_to_bounding_box([[[1]]], 1, 0, 2, 2).numpy()[..., 0]
        array([[0, 0],
               [1, 0]], dtype=int32)
    """
    op = "pad_to_bounding_box"
    image, h, w, oh, ow, th, tw = _box_args(op, image, offset_height, offset_width,
                                            target_height, target_width)
    bottom, right = th - oh - h, tw - ow - w
    if bottom < 0 or right < 0:
        raise ValueError(f"tf.image.{op}: the {h}x{w} image at offset ({oh}, {ow}) does not "
                         f"fit in the {th}x{tw} target; need offset + image size <= target. "
                         f"Received: image shape={image.shape}")
    return _spatial_pad(image, oh, bottom, ow, right)


def central_crop(image: Any, central_fraction: float) -> Any:
    """Keep the central `central_fraction` of height and width (TF's `central_crop`).

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.central_crop(tf.zeros([10, 10, 3]), 0.5).shape
        TensorShape([6, 6, 3])
    """
    op = "central_crop"
    image = _image(op, image)
    f = float(central_fraction)
    if not 0.0 < f <= 1.0:
        raise ValueError(f"tf.image.{op}: central_fraction must be in (0, 1]. Received: "
                         f"central_fraction={central_fraction!r}")
    if f == 1.0:
        return identity(image)
    h, w = _hw(op, image)
    # NOTE: TF computes the start in float64 and truncates; the size keeps the crop centred.
    top, left = int((h - h * f) / 2), int((w - w * f) / 2)
    return image[..., top:h - top, left:w - left, :]


def resize_with_crop_or_pad(image: Any, target_height: int, target_width: int) -> Any:
    """Centre-crop and/or zero-pad an image to the target size (TF's op).

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.resize_with_crop_or_pad(tf.ones([4, 2, 1]), 2, 4).numpy()[..., 0]
        array([[0., 1., 1., 0.],
               [0., 1., 1., 0.]], dtype=float32)
    """
    op = "resize_with_crop_or_pad"
    image = _image(op, image)
    h, w = _hw(op, image)
    th, tw = _int_arg(op, "target_height", target_height), _int_arg(op, "target_width",
                                                                      target_width)
    if th <= 0 or tw <= 0:
        raise ValueError(f"tf.image.{op}: target sizes must be > 0. Received: "
                         f"target_height={th}, target_width={tw}")
    crop_h, crop_w = max((h - th) // 2, 0), max((w - tw) // 2, 0)
    pad_h, pad_w = max((th - h) // 2, 0), max((tw - w) // 2, 0)
    ch, cw = min(th, h), min(tw, w)
    cropped = image[..., crop_h:crop_h + ch, crop_w:crop_w + cw, :]
    return _spatial_pad(cropped, pad_h, th - ch - pad_h, pad_w, tw - cw - pad_w)


# -------------------------------------------------------------------------- resizing

class ResizeMethod:
    """Names of the resize methods (TF's `tf.image.ResizeMethod`).

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.ResizeMethod.BILINEAR
        'bilinear'
    """

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


def _bilinear_taps(in_size: int, out_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower index, upper index, weight of upper) per output pixel, half-pixel centres."""
    scale = in_size / out_size
    src = (np.arange(out_size, dtype=np.float64) + 0.5) * scale - 0.5
    floor = np.floor(src)
    lo = np.maximum(floor, 0).astype(np.int64)
    hi = np.minimum(np.ceil(src), in_size - 1).astype(np.int64)
    return lo, hi, (src - floor)


def _nearest_taps(in_size: int, out_size: int) -> np.ndarray:
    """Source index per output pixel, TF 2's half-pixel nearest neighbour."""
    scale = in_size / out_size
    src = np.floor((np.arange(out_size, dtype=np.float64) + 0.5) * scale)
    return np.clip(src, 0, in_size - 1).astype(np.int64)


def _lerp_axis(x: Any, axis: int, in_size: int, out_size: int) -> Any:
    lo, hi, frac = _bilinear_taps(in_size, out_size)
    shape = [1] * x.shape.rank
    shape[axis] = out_size
    frac = constant(frac.reshape(shape), x.dtype)
    a, b = gather(x, lo, axis=axis), gather(x, hi, axis=axis)
    return a + (b - a) * frac


def resize(images: Any, size: Any, method: str = ResizeMethod.BILINEAR,
           preserve_aspect_ratio: bool = False, antialias: bool = False) -> Any:
    """Resize images to `size = [new_height, new_width]` (TF 2's `tf.image.resize`).

    "bilinear" uses half-pixel centres and always returns float32, as TF 2;
    "nearest" (half-pixel centres, floor) keeps the input dtype.

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> img = tf.constant([[[0.0], [1.0]]])
        >>> image.resize(img, [1, 4]).numpy()[..., 0]
        array([[0.  , 0.25, 0.75, 1.  ]], dtype=float32)
    """
    images = _image("resize", images)
    size = _static_value("resize", "size", size)
    size = size.tolist() if isinstance(size, np.ndarray) else list(size)
    if len(size) != 2 or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool)
                                 and s > 0 for s in size):
        raise ValueError("tf.image.resize: size must be 2 positive ints [new_height, "
                         f"new_width]. Received: size={size!r}")
    if preserve_aspect_ratio:
        raise NotImplementedError("tf.image.resize: preserve_aspect_ratio=True is not "
                                  "supported yet; compute the target size yourself.")
    if antialias:
        raise NotImplementedError("tf.image.resize: antialias=True is not supported yet; "
                                  "use antialias=False.")
    method = str(method).lower()
    if method not in (ResizeMethod.BILINEAR, ResizeMethod.NEAREST_NEIGHBOR):
        raise NotImplementedError(f"tf.image.resize: method={method!r} is not supported yet; "
                                  "use 'bilinear' or 'nearest'.")
    h, w = _hw("resize", images)
    oh, ow = int(size[0]), int(size[1])
    hax, wax = images.shape.rank - 3, images.shape.rank - 2
    if method == ResizeMethod.NEAREST_NEIGHBOR:
        out = images
        if oh != h:
            out = gather(out, _nearest_taps(h, oh), axis=hax)
        if ow != w:
            out = gather(out, _nearest_taps(w, ow), axis=wax)
        return out if out is not images else identity(images)
    x = cast(images, float32)
    if oh != h:
        x = _lerp_axis(x, hax, h, oh)
    if ow != w:
        x = _lerp_axis(x, wax, w, ow)
    return x


# ---------------------------------------------------------------------------- random

def _random_flip(op: str, image: Any, axis: int, seed: int | None) -> Any:
    image = _image(op, image)
    if image.shape.rank == 3:
        coin = random_uniform([], seed=seed) < 0.5
    else:
        n = reshape(dynamic_shape(image)[0], [1])
        coin = reshape(random_uniform(n, seed=seed) < 0.5, [-1, 1, 1, 1])
    return where(coin, reverse(image, [axis]), image)


def random_flip_left_right(image: Any, seed: int | None = None) -> Any:
    """Flip each image left-right with probability 1/2 (TF's op; one draw per image).

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.random_flip_left_right(tf.ones([2, 3, 1]), seed=1).shape
        TensorShape([2, 3, 1])
    """
    return _random_flip("random_flip_left_right", image, -2, seed)


def random_flip_up_down(image: Any, seed: int | None = None) -> Any:
    """Flip each image up-down with probability 1/2 (TF's op; one draw per image).

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.random_flip_up_down(tf.ones([2, 3, 1]), seed=1).shape
        TensorShape([2, 3, 1])
    """
    return _random_flip("random_flip_up_down", image, -3, seed)


def random_brightness(image: Any, max_delta: float, seed: int | None = None) -> Any:
    """`adjust_brightness` by one delta drawn uniformly from [-max_delta, max_delta).

    Example:
        >>> import ember as tf
        >>> from ember import image
        >>> image.random_brightness(tf.zeros([1, 1, 1]), 0.0, seed=1).numpy()
        array([[[0.]]], dtype=float32)
    """
    if not isinstance(max_delta, (int, float, np.integer, np.floating)) or max_delta < 0:
        raise ValueError("tf.image.random_brightness: max_delta must be a number >= 0. "
                         f"Received: max_delta={max_delta!r}")
    delta = random_uniform([], -float(max_delta), float(max_delta), seed=seed)
    return adjust_brightness(image, delta)

"""Image codecs: decode_png / decode_jpeg / decode_image, encode_png / encode_jpeg.

They use Pillow, an optional extra: `pip install ember[image]`. Decoding gives a uint8
tensor [height, width, channels] (`channels=0`: as stored in the file); encoding takes
one. They are primitives without gradient, usable in dataset `map`s and `ember.function`.

Example:
    >>> import numpy as np, ember as tf
    >>> img = tf.constant(np.arange(24, dtype=np.uint8).reshape(2, 4, 3))
    >>> back = tf.io.decode_png(tf.io.encode_png(img))
    >>> back.shape, bool(tf.reduce_all(back == img))
    (TensorShape([2, 4, 3]), True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import rules
from ..core.dtypes import NP_STRING, as_dtype, string, uint8, uint16
from ..core.errors import InvalidArgumentError
from ..core.registry import bind, no_gradient, primitive
from ..core.shape import TensorSpec
from ..core.tensor import TensorOps
from ..prims.convert import cast, convert_to_tensor

_U8 = np.dtype(np.uint8)


def pil_image(op: str) -> Any:
    """`PIL.Image`, or an ImportError naming `op` and how to install Pillow (ember's
    optional `image` extra), for every part of ember that reads or writes images.

    Example:
        >>> from ember.io.images import pil_image
        >>> pil_image("decode_png").__name__
        'PIL.Image'
    """
    try:
        from PIL import Image  # optional: PIL
    except ImportError:
        raise ImportError(f"{op} needs the Pillow package, ember's optional `image` extra: "
                          f"install it with `pip install ember[image]` (or "
                          f"`pip install pillow`).") from None
    return Image


def _decode_rule(contents: TensorSpec, channels: int, dtype: np.dtype, fmt: tuple,
                 animations: bool) -> TensorSpec:
    rules.check_dtype("decode_image", contents, NP_STRING, "contents")
    if contents.shape.rank not in (None, 0):
        raise InvalidArgumentError(f"decode_image: contents must be a scalar string (one "
                                   f"encoded image), received {rules.describe(contents)}.")
    c = channels or None
    shape = [None, None, None, c] if "GIF" in fmt and animations and len(fmt) == 1 else \
        [None, None, c]
    return TensorSpec(shape, as_dtype(dtype))


def _encode_rule(image: TensorSpec, fmt: str, quality: int, compression: int) -> TensorSpec:
    rules.check_dtype(f"encode_{fmt.lower()}", image, frozenset([_U8]), "image")
    ok = (1, 2, 3, 4) if fmt == "PNG" else (1, 3)
    if image.shape.rank is not None and (image.shape.rank != 3 or
                                         image.shape[-1] not in ok + (None,)):
        raise InvalidArgumentError(
            f"encode_{fmt.lower()}: image must be [height, width, channels] with channels "
            f"in {list(ok)}, received {rules.describe(image)}.")
    return TensorSpec([], string)


decode_image_p = primitive("decode_image", _decode_rule, check="rule")
encode_image_p = primitive("encode_image", _encode_rule, check="rule")
no_gradient(decode_image_p, encode_image_p)


def _decode(op: str, contents: Any, channels: Any, dtype: Any, fmt: tuple,
            animations: bool = False) -> Any:
    pil_image(op)
    c = 0 if channels is None else int(channels)
    if c not in (0, 1, 2, 3, 4):
        raise InvalidArgumentError(f"{op}: channels must be 0, 1, 2, 3 or 4, received "
                                   f"{channels!r}.")
    t = contents if isinstance(contents, TensorOps) else convert_to_tensor(contents,
                                                                           dtype=string)
    dt = as_dtype(dtype)
    raw = uint16 if dt == uint16 else uint8
    out = bind(decode_image_p, t, channels=c, dtype=raw._numpy(), fmt=fmt,
               animations=animations)
    if dt.is_floating:  # as tf.image.convert_image_dtype: values scaled into [0, 1]
        out = cast(out, dt) / np.asarray(255.0, dt._numpy())
    elif dt not in (uint8, uint16):
        raise InvalidArgumentError(f"{op}: dtype must be uint8, uint16 or a float dtype, "
                                   f"received {dt.name}.")
    return out


def decode_png(contents: Any, channels: int = 0, dtype: Any = uint8,
               name: str | None = None) -> Any:
    """A PNG image as a [height, width, channels] uint8 (or uint16) tensor."""
    return _decode("decode_png", contents, channels, dtype, ("PNG",))


def decode_jpeg(contents: Any, channels: int = 0, ratio: int = 1,
                fancy_upscaling: bool = True, try_recover_truncated: bool = False,
                acceptable_fraction: float = 1, dct_method: str = "",
                name: str | None = None) -> Any:
    """A JPEG image as a [height, width, channels] uint8 tensor (pixel values may differ
    from TF's by a few units: the JPEG decoders differ)."""
    return _decode("decode_jpeg", contents, channels, uint8, ("JPEG",))


def decode_gif(contents: Any, name: str | None = None) -> Any:
    """A GIF as [frames, height, width, 3] uint8."""
    return _decode("decode_gif", contents, 3, uint8, ("GIF",), True)


def decode_bmp(contents: Any, channels: int = 0, name: str | None = None) -> Any:
    """A BMP image as [height, width, channels] uint8."""
    return _decode("decode_bmp", contents, channels, uint8, ("BMP",))


def decode_image(contents: Any, channels: Any = None, dtype: Any = uint8,
                 name: str | None = None, expand_animations: bool = True) -> Any:
    """Any of PNG, JPEG, GIF, BMP: [height, width, channels] (a GIF with
    `expand_animations`: [frames, height, width, 3]); a float `dtype` scales to [0, 1].

    Example:
        >>> import numpy as np, ember as tf
        >>> data = tf.io.encode_jpeg(tf.zeros([8, 8, 3], tf.uint8))
        >>> tf.io.decode_image(data, dtype=tf.float32).shape
        TensorShape([8, 8, 3])
    """
    return _decode("decode_image", contents, channels, dtype,
                   ("PNG", "JPEG", "GIF", "BMP", "MPO"), bool(expand_animations))


def encode_png(image: Any, compression: int = -1, name: str | None = None) -> Any:
    """A uint8 [height, width, channels] image (1 to 4 channels) as PNG bytes."""
    pil_image("encode_png")
    x = image if isinstance(image, TensorOps) else convert_to_tensor(image, dtype_hint=uint8)
    if not -1 <= int(compression) <= 9:
        raise InvalidArgumentError(f"encode_png: compression must be -1..9, received "
                                   f"{compression}.")
    return bind(encode_image_p, x, fmt="PNG", quality=0, compression=int(compression))


def encode_jpeg(image: Any, format: str = "", quality: int = 95, **kwargs: Any) -> Any:
    """A uint8 [height, width, 1 or 3] image as JPEG bytes (`quality` 0..100)."""
    pil_image("encode_jpeg")
    x = image if isinstance(image, TensorOps) else convert_to_tensor(image, dtype_hint=uint8)
    if not 0 <= int(quality) <= 100:
        raise InvalidArgumentError(f"encode_jpeg: quality must be 0..100, received "
                                   f"{quality}.")
    return bind(encode_image_p, x, fmt="JPEG", quality=int(quality), compression=-1)


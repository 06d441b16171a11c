"""`keras.utils` image helpers: `array_to_img`, `img_to_array`, `load_img`, `save_img`,
and `smart_resize`. They use Pillow, ember's optional `image` extra
(`pip install ember[image]`); ember itself doesn't need it.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> img = keras.utils.array_to_img(np.zeros((2, 3, 3)))
    >>> img.size, img.mode
    ((3, 2), 'RGB')
    >>> keras.utils.img_to_array(img).shape
    (2, 3, 3)
"""

from __future__ import annotations

import io
import os
import pathlib
import warnings
from typing import Any

import numpy as np

import ember as tf

from ...io.images import pil_image
from ...ops.image_ops import resize
from ..config import floatx, image_data_format

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def check_data_format(data_format: Any, what: str) -> str:
    """`data_format`, or `keras.config.image_data_format()` for None; a ValueError naming
    `what` for anything but 'channels_last' / 'channels_first'.

    Example:
        >>> check_data_format(None, "load_img")
        'channels_last'
    """
    if data_format is None:
        data_format = image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{what}: data_format must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}")
    return data_format


def _floatx(dtype: Any) -> Any:
    if dtype is None:
        return floatx()
    return dtype


def array_to_img(x: Any, data_format: str | None = None, scale: bool = True,
                 dtype: Any = None) -> Any:
    """A PIL Image from a rank-3 array (height, width, channels) with 1, 3 or 4 channels.

    Args:
        x: the array (NumPy, ember Tensor, ...).
        data_format: "channels_last" (default) or "channels_first".
        scale: rescale the values to 0-255 (min -> 0, max -> 255); else they are cast.
        dtype: the dtype the array is read as (default floatx, "float32").

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> img = keras.utils.array_to_img(np.array([[[0.0], [0.5], [1.0]]]))
        >>> img.mode, np.asarray(img).tolist()
        ('L', [[0, 127, 255]])
    """
    Image = pil_image("array_to_img")
    data_format = check_data_format(data_format, "array_to_img")
    x = np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype=_floatx(dtype))
    if x.ndim != 3:
        raise ValueError(f"array_to_img: expected an image array of rank 3 (height, width, "
                         f"channels); received an array of shape {x.shape}. For a batch, "
                         f"convert one image at a time: array_to_img(x[0]).")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x /= top
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: an image needs 1, 3 or 4 channels; received "
                     f"{channels} (shape {x.shape}, data_format={data_format!r}).")


def img_to_array(img: Any, data_format: str | None = None, dtype: Any = None) -> np.ndarray:
    """A PIL Image as a rank-3 NumPy array (height, width, channels), float32 by default.

    Example:
        >>> from PIL import Image
        >>> from ember import keras
        >>> keras.utils.img_to_array(Image.new("L", (4, 2)), data_format="channels_first").shape
        (1, 2, 4)
    """
    data_format = check_data_format(data_format, "img_to_array")
    x = np.asarray(img, dtype=_floatx(dtype))
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[:, :, None]
    raise ValueError(f"img_to_array: unsupported image shape {x.shape}; expected (height, "
                     f"width) or (height, width, channels).")


def save_img(path: Any, x: Any, data_format: str | None = None, file_format: str | None = None,
             scale: bool = True, **kwargs: Any) -> None:
    """Saves an image array to `path` (the format from the extension unless `file_format`);
    other keyword arguments go to PIL's `Image.save`.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from ember import keras
        >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
        >>> keras.utils.save_img(path, np.ones((2, 2, 3)), scale=False)
        >>> keras.utils.img_to_array(keras.utils.load_img(path))[0, 0].tolist()
        [1.0, 1.0, 1.0]
    """
    data_format = check_data_format(data_format, "save_img")
    if file_format is None and isinstance(path, (str, os.PathLike)):
        file_format = pathlib.Path(path).suffix[1:].lower() or None
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("save_img: the JPEG format does not support RGBA images, converting "
                      "to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path: Any, color_mode: str = "rgb", target_size: tuple | None = None,
             interpolation: str = "nearest", keep_aspect_ratio: bool = False) -> Any:
    """Loads an image file (path or `io.BytesIO`) into a PIL Image.

    Args:
        path: a path (str, bytes, pathlib.Path) or an `io.BytesIO`.
        color_mode: "rgb", "rgba" or "grayscale".
        target_size: `(height, width)` to resize to (None: as stored).
        interpolation: "nearest", "bilinear", "bicubic", "hamming", "box" or "lanczos".
        keep_aspect_ratio: crop the centre to the target's aspect ratio before resizing.

    Example:
        >>> import io
        >>> from PIL import Image
        >>> from ember import keras
        >>> buf = io.BytesIO(); Image.new("RGB", (8, 4)).save(buf, format="PNG")
        >>> keras.utils.load_img(buf, color_mode="grayscale", target_size=(2, 2)).size
        (2, 2)
    """
    Image = pil_image("load_img")
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (str, bytes, os.PathLike)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"load_img: path must be a file path (str, bytes, pathlib.Path) or an "
                        f"io.BytesIO; received {type(path).__name__}.")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode in ("rgba", "rgb"):
        mode = color_mode.upper()
        if img.mode != mode:
            img = img.convert(mode)
    else:
        raise ValueError(f'load_img: color_mode must be "grayscale", "rgb" or "rgba". '
                         f"Received: color_mode={color_mode!r}")
    if target_size is not None:
        if len(target_size) != 2:
            raise ValueError(f"load_img: target_size must be (height, width). Received: "
                             f"target_size={target_size!r}")
        wh = (int(target_size[1]), int(target_size[0]))
        if img.size != wh:
            if interpolation not in _INTERPOLATIONS:
                raise ValueError(f"load_img: invalid interpolation {interpolation!r}; "
                                 f"supported: {', '.join(_INTERPOLATIONS)}.")
            resample = getattr(getattr(Image, "Resampling", Image), interpolation.upper())
            if keep_aspect_ratio:
                width, height = img.size
                crop_h = min(height, (width * wh[1]) // wh[0])
                crop_w = min(width, (height * wh[0]) // wh[1])
                top, left = (height - crop_h) // 2, (width - crop_w) // 2
                img = img.resize(wh, resample, box=(left, top, left + crop_w, top + crop_h))
            else:
                img = img.resize(wh, resample)
    return img


def smart_resize(x: Any, size: tuple, interpolation: str = "bilinear",
                 data_format: str = "channels_last") -> Any:
    """Resizes image(s) to `size` without distortion: the largest centred crop with the
    target's aspect ratio, then `ember.image.resize` (TF's resize: "bilinear", "nearest").
    A NumPy array gives a NumPy array, anything else an ember Tensor.

    Example:
        >>> import numpy as np
        >>> from ember.keras.utils.image_utils import smart_resize
        >>> smart_resize(np.arange(12.0).reshape(2, 6, 1), (2, 2))[..., 0]
        array([[2., 3.],
               [8., 9.]], dtype=float32)
    """
    if len(size) != 2:
        raise ValueError(f"smart_resize: size must be (height, width). Received: {size!r}")
    img = x.numpy() if hasattr(x, "numpy") else np.asarray(x)
    if img.ndim not in (3, 4):
        raise ValueError(f"smart_resize: expected an image (height, width, channels) or a "
                         f"batch of them; received shape {img.shape}.")
    first = data_format == "channels_first"
    h, w = (img.shape[-2], img.shape[-1]) if first else (img.shape[-3], img.shape[-2])
    th, tw = size
    crop_h = max(min(h, int(float(w * th) / tw)), 1)
    crop_w = max(min(w, int(float(h * tw) / th)), 1)
    top, left = int(float(h - crop_h) / 2), int(float(w - crop_w) / 2)
    if first:
        img = img[..., top:top + crop_h, left:left + crop_w]
        img = np.moveaxis(img, -3, -1)
    else:
        img = img[..., top:top + crop_h, left:left + crop_w, :]
    out = resize(img, [int(th), int(tw)], method=interpolation)
    if first:
        perm = [0, 3, 1, 2] if img.ndim == 4 else [2, 0, 1]
        out = tf.transpose(out, perm)
    return out.numpy() if isinstance(x, np.ndarray) else out

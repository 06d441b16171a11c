"""`keras.utils.image_dataset_from_directory`: a dataset of `(image, label)` batches from a
folder of images, one subfolder per class. Images are decoded with Pillow (the optional
`image` extra: `pip install ember[image]`) and resized with `ember.image.resize` (TF's
resize, so values match TF's "bilinear" and "nearest").

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> from ember import keras
    >>> root = tempfile.mkdtemp()
    >>> for cls in ("cat", "dog"):
    ...     os.makedirs(os.path.join(root, cls))
    ...     keras.utils.save_img(os.path.join(root, cls, "1.png"), np.zeros((4, 6, 3)))
    >>> ds = keras.utils.image_dataset_from_directory(root, image_size=(2, 3), verbose=False,
    ...                                               seed=1)
    >>> images, labels = next(iter(ds))
    >>> ds.class_names, images.shape, images.dtype.name, sorted(labels.numpy().tolist())
    (['cat', 'dog'], TensorShape([2, 2, 3, 3]), 'float32', [0, 1])
"""

from __future__ import annotations

from typing import Any

import numpy as np

import ember as tf

from ...ops.image_ops import resize

from .dataset_utils import check_labels_arg, directory_dataset
from .image_utils import check_data_format, pil_image, smart_resize

__all__ = ["image_dataset_from_directory"]

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_KERAS_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                         "gaussian", "mitchellcubic")
_WHAT = "image_dataset_from_directory"


def _decode(path: str, num_channels: int) -> np.ndarray:
    """The image at `path` as a uint8 (or int) array (height, width, channels)."""
    Image = pil_image(_WHAT)
    with Image.open(path) as img:
        img.seek(0)  # an animated GIF: its first frame, as TF with expand_animations=False
        if num_channels == 1:
            img = img if img.mode in ("L", "I;16", "I") else img.convert("L")
        else:
            mode = "RGB" if num_channels == 3 else "RGBA"
            img = img if img.mode == mode else img.convert(mode)
        x = np.array(img)
    return x[:, :, None] if x.ndim == 2 else x


def _resize_with_pad(x: np.ndarray, size: tuple, interpolation: str) -> Any:
    """TF's `resize_with_pad`: fit inside `size` keeping the aspect ratio, pad with 0."""
    h, w = x.shape[0], x.shape[1]
    th, tw = size
    ratio = max(w / tw, h / th)
    rh, rw = max(int(h / ratio), 1), max(int(w / ratio), 1)
    top = max(0, int(np.floor((th - h / ratio) / 2)))
    left = max(0, int(np.floor((tw - w / ratio) / 2)))
    img = resize(x, [rh, rw], method=interpolation)
    return tf.pad(img, [[top, th - rh - top], [left, tw - rw - left], [0, 0]])


def image_dataset_from_directory(directory: str, labels: Any = "inferred",
                                 label_mode: str | None = "int", class_names: Any = None,
                                 color_mode: str = "rgb", batch_size: int | None = 32,
                                 image_size: Any = (256, 256), shuffle: bool = True,
                                 seed: int | None = None,
                                 validation_split: float | None = None,
                                 subset: str | None = None, interpolation: str = "bilinear",
                                 follow_links: bool = False,
                                 crop_to_aspect_ratio: bool = False,
                                 pad_to_aspect_ratio: bool = False,
                                 data_format: str | None = None, verbose: bool = True) -> Any:
    """A dataset of the images (.bmp, .gif, .jpeg, .jpg, .png) under `directory`, resized
    to `image_size`, with labels as Keras makes them.

    Args:
        directory: with `labels="inferred"`, one subfolder per class.
        labels: "inferred", None, or a list/tuple of integer labels, one per file in the
            sorted order of their paths.
        label_mode: "int" (int32), "categorical" (float32 one-hot), "binary" (float32 of
            shape (1,), exactly 2 classes) or None (images only).
        class_names: with "inferred", the class folders to use, in label order.
        color_mode: "rgb" (3 channels), "rgba" (4) or "grayscale" (1).
        batch_size: images per batch (None: unbatched).
        image_size: `(height, width)` (or one int) every image is resized to.
        shuffle, seed: shuffle the files (np.random.RandomState(seed), as Keras) and each
            epoch through a buffer of 8 * batch_size; a seed is needed with
            validation_split.
        validation_split, subset: hold out the last fraction of the (shuffled) files;
            subset "training", "validation" or "both" (a list [train, validation]).
        interpolation: "bilinear" or "nearest" (TF's other methods are not available yet).
        follow_links: follow symbolic links to subfolders.
        crop_to_aspect_ratio: crop the largest centred box of the target's aspect ratio
            first (`smart_resize`), instead of distorting.
        pad_to_aspect_ratio: fit the whole image and pad with zeros (TF's resize_with_pad).
        data_format: "channels_last" (default) or "channels_first".
        verbose: print how many files and classes were found.

    Returns:
        An `ember.data.Dataset` of `(images, labels)` (or images only), float32 images
        (the input dtype with "nearest", as TF), with `class_names` and `file_paths`
        attributes; a list of two datasets with subset="both".

    NOTE: images are decoded with Pillow, TF with its own decoders: JPEG pixels may differ
    by a few levels, and an RGB image read as "grayscale" uses Pillow's luma weights.
    """
    check_labels_arg(labels, label_mode, class_names, _WHAT)
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError(f"{_WHAT}: color_mode must be 'rgb', 'rgba' or 'grayscale'. "
                         f"Received: color_mode={color_mode!r}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if not isinstance(image_size, (list, tuple)) or len(image_size) != 2 or not all(
            isinstance(s, (int, np.integer)) and s > 0 for s in image_size):
        raise ValueError(f"{_WHAT}: image_size must be (height, width), two positive ints. "
                         f"Received: image_size={image_size!r}")
    image_size = (int(image_size[0]), int(image_size[1]))
    interpolation = str(interpolation).lower()
    if interpolation not in ("bilinear", "nearest"):
        if interpolation in _KERAS_INTERPOLATIONS:
            raise NotImplementedError(f"{_WHAT}: interpolation={interpolation!r} is not "
                                      f"supported by ember yet; use 'bilinear' or 'nearest'.")
        raise ValueError(f"{_WHAT}: interpolation must be one of {_KERAS_INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{_WHAT}: only one of crop_to_aspect_ratio and "
                         f"pad_to_aspect_ratio can be True.")
    data_format = check_data_format(data_format, _WHAT)
    pil_image(_WHAT)  # fail now, not at the first batch, when Pillow is missing

    def load(path: Any) -> Any:
        p = path.numpy() if hasattr(path, "numpy") else path
        x = _decode(p.decode() if isinstance(p, bytes) else p, channels)
        if crop_to_aspect_ratio:
            img = smart_resize(x, image_size, interpolation=interpolation)
        elif pad_to_aspect_ratio:
            img = _resize_with_pad(x, image_size, interpolation)
        else:
            img = resize(x, list(image_size), method=interpolation)
        img = tf.convert_to_tensor(img)
        return tf.transpose(img, [2, 0, 1]) if data_format == "channels_first" else img

    return directory_dataset(_WHAT, directory, labels, label_mode, class_names, batch_size,
                             shuffle, seed, validation_split, subset, follow_links, verbose,
                             ALLOWLIST_FORMATS, load)

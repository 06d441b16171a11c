"""`keras.preprocessing.image`: aliases of `keras.utils`' image helpers.

Example:
    >>> from ember import keras
    >>> keras.preprocessing.image.img_to_array is keras.utils.img_to_array
    True
"""

from ..utils import array_to_img, img_to_array, load_img, save_img  # noqa: F401
from ..utils.image_utils import smart_resize  # noqa: F401

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]

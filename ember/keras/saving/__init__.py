"""`keras.saving` in ember: ember's own weights file (`save_weights` / `load_weights`).

Whole-model saving (`model.save`, `keras.models.load_model`, SavedModel, HDF5) is not
built yet; the weights file holds every weight of `model.weights` in order.

Example:
    >>> import os, tempfile
    >>> from ember import keras
    >>> from ember.keras import saving
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.weights.h5")
    >>> saving.save_weights(model, path); saving.load_weights(model, path)
"""

from .weights_file import FORMAT_NAME, FORMAT_VERSION, load_weights, read_manifest, save_weights

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "load_weights", "read_manifest", "save_weights"]

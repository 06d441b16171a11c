"""`keras.saving` in ember: weights files (`save_weights` / `load_weights`) and whole-model
`.keras` archives (`save_model` / `load_model`, see model_file.py).

`.keras` and `.weights.h5` are Keras 3's formats (keras3_config.py, keras3_format.py),
which real Keras 3 reads and writes too; `.h5` is tf.keras 2's legacy HDF5 (legacy_h5.py);
any other weights path is ember's npz format (weights_file.py). SavedModel is not
supported.

Example:
    >>> import os, tempfile
    >>> from ember import keras
    >>> from ember.keras import saving
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.weights.h5")
    >>> saving.save_weights(model, path); saving.load_weights(model, path)
    >>> saving.save_model(model, path[:-len(".weights.h5")] + ".keras")
"""

from ..serialization_registry import (CustomObjectScope, custom_object_scope,
                                      get_custom_objects, get_registered_name,
                                      get_registered_object, register_keras_serializable)
from .model_file import load_model, save_model
from .weights_file import (FORMAT_NAME, FORMAT_VERSION, DamagedFileError, load_weights,
                           read_manifest, save_weights)

__all__ = ["CustomObjectScope", "DamagedFileError", "FORMAT_NAME", "FORMAT_VERSION",
           "custom_object_scope", "get_custom_objects", "get_registered_name",
           "get_registered_object", "load_model", "load_weights", "read_manifest",
           "register_keras_serializable", "save_model", "save_weights"]

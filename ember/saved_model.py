"""`ember.saved_model`: TF's `tf.saved_model` (save / load of traced functions, Variables
and signatures as data; see `ember/export/saved_model.py` for the format).

Example:
    >>> import tempfile, ember as tf
    >>> m = tf.Module()
    >>> m.v = tf.Variable(3.0)
    >>> m.f = tf.function(lambda x: x * m.v, input_signature=[tf.TensorSpec([])])
    >>> path = tempfile.mkdtemp()
    >>> tf.saved_model.save(m, path)
    >>> tf.saved_model.contains_saved_model(path)
    True
    >>> tf.saved_model.load(path).signatures["serving_default"](x=tf.constant(2.0))
    {'output_0': <tf.Tensor: shape=(), dtype=float32, numpy=6.0>}
"""

from __future__ import annotations

from typing import Any

from .export.saved_model import SaveError, contains_saved_model, load, save

__all__ = ["save", "load", "contains_saved_model", "SaveOptions", "LoadOptions", "SaveError",
           "SAVED_MODEL_FILENAME_JSON"]

SAVED_MODEL_FILENAME_JSON = "saved_model.json"


class SaveOptions:
    """TF's `tf.saved_model.SaveOptions`; ember's format has no options that change what
    is written (accepted for compatibility).

    Example:
        >>> import ember as tf
        >>> tf.saved_model.SaveOptions(namespace_whitelist=[]).namespace_whitelist
        []
    """

    def __init__(self, namespace_whitelist: Any = None, save_debug_info: bool = False,
                 function_aliases: Any = None, experimental_io_device: Any = None,
                 experimental_variable_policy: Any = None, **kwargs: Any):
        self.namespace_whitelist = namespace_whitelist
        self.save_debug_info = save_debug_info
        self.function_aliases = function_aliases
        self.experimental_io_device = experimental_io_device


class LoadOptions:
    """TF's `tf.saved_model.LoadOptions` (accepted for compatibility).

    Example:
        >>> import ember as tf
        >>> tf.saved_model.LoadOptions(allow_partial_checkpoint=True).allow_partial_checkpoint
        True
    """

    def __init__(self, allow_partial_checkpoint: bool = False,
                 experimental_io_device: Any = None,
                 experimental_skip_checkpoint: bool = False, **kwargs: Any):
        self.allow_partial_checkpoint = allow_partial_checkpoint
        self.experimental_io_device = experimental_io_device
        self.experimental_skip_checkpoint = experimental_skip_checkpoint

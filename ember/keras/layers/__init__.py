"""`keras.layers`: the layer classes, and `serialize` / `deserialize` of layer configs.

Example:
    >>> from ember import keras
    >>> cfg = keras.layers.serialize(keras.layers.Dense(3, name="d"))
    >>> cfg["class_name"], keras.layers.deserialize(cfg).units
    ('Dense', 3)
"""

from __future__ import annotations

from ..engine.input_layer import Input, InputLayer  # noqa: F401
from ..engine.input_spec import InputSpec  # noqa: F401
from ..engine.layer import Layer
from .activation import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .convolutional import *  # noqa: F401,F403
from .convolutional_extra import *  # noqa: F401,F403
from .core import Dense, Embedding, Identity  # noqa: F401
from .lambda_layer import *  # noqa: F401,F403
from .masking import *  # noqa: F401,F403
from .merging import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .normalization_extra import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .preprocessing import *  # noqa: F401,F403
from .categorical import *  # noqa: F401,F403
from .discretization import *  # noqa: F401,F403
from .lookup_layers import *  # noqa: F401,F403
from .text_vectorization import *  # noqa: F401,F403
from .image_augmentation import *  # noqa: F401,F403
from .image_augmentation_color import *  # noqa: F401,F403
from .image_augmentation_mix import *  # noqa: F401,F403
from .image_augmentation_extra import *  # noqa: F401,F403
from .image_preprocessing import *  # noqa: F401,F403
from .regularization import *  # noqa: F401,F403
from .reshaping import *  # noqa: F401,F403
from .reshaping_extra import *  # noqa: F401,F403
from .recurrent import *  # noqa: F401,F403
from .rnn_cells import *  # noqa: F401,F403
from .rnn_wrappers import *  # noqa: F401,F403
from .conv_lstm import *  # noqa: F401,F403
from .convolutional_3d import *  # noqa: F401,F403
from .convolutional_1d_extra import *  # noqa: F401,F403
from .reshaping_3d import *  # noqa: F401,F403
from .pooling_extra import *  # noqa: F401,F403
from .wrappers_misc import *  # noqa: F401,F403
from .tfsm_layer import TFSMLayer  # noqa: F401
from .aliases import *  # noqa: F401,F403
from .audio import *  # noqa: F401,F403

from .serialization import deserialize, get, serialize  # noqa: F401
from .. import serialization_registry

# What `deserialize` resolves names to (keras.models registers the model classes).
serialization_registry.register_builtin_layers(
    {name: obj for name, obj in list(globals().items())
     if isinstance(obj, type) and issubclass(obj, Layer)})

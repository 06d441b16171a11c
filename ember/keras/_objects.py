"""The former name of `serialization_registry.py`, kept so code importing
`ember.keras._objects` keeps working; ember itself imports `serialization_registry`.

Example:
    >>> from ember.keras import _objects, serialization_registry
    >>> _objects.safe_mode_scope is serialization_registry.safe_mode_scope
    True
"""

from .config import _UNSAFE_EVERYWHERE  # noqa: F401 - the old home of this switch
from .serialization_registry import (CustomObjectScope, builtin_layer_class,  # noqa: F401
                                     custom_object_scope, enable_unsafe_deserialization,
                                     get_custom_objects, get_registered_name,
                                     get_registered_object, in_safe_mode, merged,
                                     register_builtin_layers, register_keras_serializable,
                                     registered_key, safe_mode_scope)

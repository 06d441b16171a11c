"""`keras.losses.serialize` / `deserialize`: losses to configs and back, by the names in
`LOSSES`, which the `keras.losses` package fills as it is imported. The loss modules (and
`LossFunctionWrapper`'s config) use this module, so it imports none of them.

Example:
    >>> from ember.keras import losses
    >>> losses.deserialize(losses.serialize(losses.mse)) is losses.mean_squared_error
    True
"""

from __future__ import annotations

from typing import Any

from .. import serialization

__all__ = ["LOSSES", "deserialize", "serialize", "unknown_loss"]

LOSSES: dict[str, Any] = {}  # name or alias -> Loss class or loss function


def unknown_loss(identifier: Any) -> ValueError:
    """The error for a loss identifier nothing resolves to.

    Example:
        >>> "Could not interpret" in str(unknown_loss("nope"))
        True
    """
    return ValueError(f"Could not interpret loss identifier: {identifier!r}. Pass a Loss "
                      f"instance or class, a function fn(y_true, y_pred), a config dict, "
                      f"or one of the names {', '.join(sorted(LOSSES))}.")


def serialize(loss: Any) -> dict | str | None:
    """`{"class_name": ..., "config": loss.get_config()}` for a `Loss`; a loss function
    gives its name (aliases give the full name), None gives None.

    Example:
        >>> from ember.keras import losses
        >>> losses.serialize(losses.Huber(delta=2.0))
        {'class_name': 'Huber', 'config': {'reduction': 'sum_over_batch_size', 'name': 'huber_loss', 'delta': 2.0}}
        >>> losses.serialize(losses.mse)
        'mean_squared_error'
    """
    return serialization.serialize_object(loss, "loss", "Loss")


def deserialize(config: dict | str | None, custom_objects: dict | None = None) -> Any:
    """The loss that `serialize` described: a class name or config dict gives an
    instance, a function name (or alias) gives the function; `custom_objects` maps extra
    names to classes or functions.

    Example:
        >>> from ember.keras import losses
        >>> losses.deserialize({"class_name": "BinaryCrossentropy",
        ...                     "config": {"from_logits": True}}).from_logits
        True
        >>> losses.deserialize("mae") is losses.mean_absolute_error
        True
    """
    return serialization.deserialize_object(config, LOSSES, custom_objects, unknown_loss)

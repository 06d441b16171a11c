"""`keras.distribution`: Keras 3's data parallelism (`DataParallel`, `set_distribution`),
on the JAX backend's device mesh, as `tf.distribute.MirroredStrategy` (ember.distribute).

With a distribution set, or a model compiled in a strategy's scope, `fit`, `evaluate` and
`predict` trace their steps for the mesh: each batch is split across the devices (a batch
that doesn't divide by their number runs whole on each), the weights are replicated, and
XLA sums the gradients across devices.

Example:
    >>> from ember import keras
    >>> keras.distribution.list_devices()  # the NumPy backend: the CPU
    ['cpu:0']
"""

from __future__ import annotations

import contextlib
from typing import Any

from .. import backend
from ..core.errors import InvalidArgumentError
from ..core.xla import set_global_mesh
from ..distribute.strategy import MirroredStrategy, get_strategy, has_strategy

__all__ = ["DataParallel", "distribution", "list_devices", "set_distribution"]

_CURRENT: list = [None]


def list_devices(device_type: str | None = None) -> list:
    """The devices as Keras 3 names them (`"gpu:0"`, `"cpu:0"`, ...)."""
    if backend.current() != "jax":
        return ["cpu:0"] if device_type in (None, "cpu", "CPU") else []
    import jax  # optional (ember[jax])
    devices = jax.devices(device_type.lower()) if device_type else jax.devices()
    return [f"{d.platform}:{d.id}" for d in devices]


class DataParallel:
    """Splits each batch across `devices` (all by default) and replicates the weights.

    Example:
        >>> from ember import keras
        >>> keras.distribution.DataParallel().devices
        ['cpu:0']
    """

    def __init__(self, device_mesh: Any = None, devices: Any = None,
                 auto_shard_dataset: bool = True):
        if device_mesh is not None:
            raise NotImplementedError("DataParallel(device_mesh=...) is not built; pass "
                                      "devices=[...] (a 1-D mesh over them is made).")
        self.devices = list(devices) if devices is not None else list_devices()
        self._strategy = MirroredStrategy(self.devices if backend.current() == "jax"
                                          else None)
        self.auto_shard_dataset = auto_shard_dataset

    @property
    def batch_dim_name(self) -> str:
        return "batch"

    @contextlib.contextmanager
    def scope(self) -> Any:
        with self._strategy.scope():
            yield self

    def __repr__(self) -> str:
        return f"<DataParallel devices={self.devices}>"


def set_distribution(value: DataParallel | None) -> None:
    """Makes `value` the distribution every graph traced from now on runs on (None: one
    device again)."""
    if value is not None and not isinstance(value, DataParallel):
        raise InvalidArgumentError(f"set_distribution: expected a DataParallel (or None), "
                                   f"received {type(value).__name__}.")
    _CURRENT[0] = value
    set_global_mesh(None if value is None else value._strategy._mesh)


def distribution() -> DataParallel | None:
    """The distribution `set_distribution` set, or None."""
    return _CURRENT[0]


def strategy_for_compile(model: Any) -> Any:
    """The strategy a model compiled now keeps: the open scope's, else the one it had."""
    return get_strategy() if has_strategy() else getattr(model, "_distribute", None)


def scope_of(model: Any) -> Any:
    """The scope of the strategy the model was compiled in (a no-op without one)."""
    s = getattr(model, "_distribute", None)
    return s.scope() if s is not None else contextlib.nullcontext()

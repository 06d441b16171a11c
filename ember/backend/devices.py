"""The devices a backend runs on: the one place that lists them.

`tf.config.list_physical_devices`, `tf.device` and `tf.test.gpu_device_name` all ask
`physical_devices()`. The NumPy backend runs on the host CPU only; a JAX backend would
report its `jax.devices()` here (GPUs included), and everything above follows. No ember
types live here: a device is a `(device_type, index)` pair.

Example:
    >>> from ember.backend.devices import physical_devices
    >>> physical_devices()
    [('CPU', 0)]
"""

from __future__ import annotations

__all__ = ["physical_devices"]


def physical_devices() -> list[tuple[str, int]]:
    """The backend's devices as `(device_type, index)` pairs, CPU first."""
    return [("CPU", 0)]

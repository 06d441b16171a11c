"""Devices and runtime settings behind `tf.config` and `tf.device`.

The device list comes from the backend (`ember.backend.devices`); this module holds the
settings TF keeps in its runtime context: visible devices, memory growth, soft device
placement, thread counts. It also parses device strings ('/GPU:0',
'/job:localhost/replica:0/task:0/device:CPU:0') and decides where `tf.device` puts work.

Placement follows TF's eager rules: with soft device placement on (TF's default), a
device that does not exist (a GPU on a machine without one) is silently replaced by the
CPU; with it off, entering `tf.device` on a missing device raises InvalidArgumentError,
as TF does on the first op placed there.

Example:
    >>> from ember.core.devices import parse_device
    >>> parse_device("/gpu:1"), parse_device("/job:localhost/replica:0/task:0/device:CPU:0")
    (('GPU', 1), ('CPU', 0))
"""

from __future__ import annotations

import re
import threading
from typing import Any, NamedTuple

from ..backend.devices import physical_devices as _backend_devices
from .errors import InvalidArgumentError

__all__ = ["PhysicalDevice", "LogicalDevice", "physical_devices", "logical_devices",
           "parse_device", "placement", "SETTINGS", "FULL_CPU_NAME"]

FULL_CPU_NAME = "/job:localhost/replica:0/task:0/device:CPU:0"


class PhysicalDevice(NamedTuple):
    """TF's `tf.config.PhysicalDevice`: `name` ('/physical_device:CPU:0'), `device_type`."""

    name: str
    device_type: str


class LogicalDevice(NamedTuple):
    """TF's `tf.config.LogicalDevice`: `name` ('/device:CPU:0'), `device_type`."""

    name: str
    device_type: str


class _Settings:
    """The runtime context's settings (one per process, as in TF)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.visible: list[PhysicalDevice] | None = None  # None: all
        self.memory_growth: dict[PhysicalDevice, bool] = {}
        self.soft_placement = True
        self.intra_op_threads = 0
        self.inter_op_threads = 0
        self.thread_limiter: Any = None  # threadpoolctl's limiter, when installed


SETTINGS = _Settings()


def physical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The backend's devices as PhysicalDevices, optionally of one type ('CPU', 'GPU')."""
    out = [PhysicalDevice(f"/physical_device:{t}:{i}", t) for t, i in _backend_devices()]
    if device_type is not None:
        out = [d for d in out if d.device_type == device_type.upper()]
    return out


def visible_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The physical devices left visible by `set_visible_devices`."""
    devices = physical_devices() if SETTINGS.visible is None else list(SETTINGS.visible)
    if device_type is not None:
        devices = [d for d in devices if d.device_type == device_type.upper()]
    return devices


def logical_devices(device_type: str | None = None) -> list[LogicalDevice]:
    """One LogicalDevice per visible physical device (ember does not split devices)."""
    counts: dict[str, int] = {}
    out = []
    for d in visible_devices(device_type):
        i = counts.get(d.device_type, 0)
        counts[d.device_type] = i + 1
        out.append(LogicalDevice(f"/device:{d.device_type}:{i}", d.device_type))
    return out


_FIELD = re.compile(r"^(job|replica|task|device):(.+)$", re.IGNORECASE)
_TYPE_INDEX = re.compile(r"^([A-Za-z_]+)(?::(\d+|\*))?$")


def parse_device(spec: str) -> tuple[str, int] | None:
    """`(device_type, index)` named by a device string, None when it names no device
    ('' or only a job/task). A missing index means 0. Raises ValueError (TF's error for a
    malformed spec) naming the bad part."""
    if not isinstance(spec, str):
        raise TypeError(f"device: expected a device string such as '/CPU:0' or '/GPU:0', "
                        f"received {spec!r} (type {type(spec).__name__}).")
    parts = [p for p in spec.strip().split("/") if p]
    found: tuple[str, int] | None = None
    i = 0
    while i < len(parts):
        part = parts[i]
        m = _FIELD.match(part)
        if m and m.group(1).lower() != "device":
            i += 1
            continue
        if m:  # 'device:GPU:0' (split on '/' keeps it one part)
            part = m.group(2)
        t = _TYPE_INDEX.match(part)
        if t is None:
            raise ValueError(f"device: unknown attribute {part!r} in device string "
                             f"{spec!r}. Expected e.g. '/CPU:0', '/GPU:0' or "
                             f"'/job:localhost/replica:0/task:0/device:CPU:0'.")
        index = t.group(2)
        found = (t.group(1).upper(), 0 if index in (None, "*") else int(index))
        i += 1
    return found


def placement(spec: str | None) -> tuple[str, int]:
    """Where work inside `tf.device(spec)` runs: the device itself when it exists and is
    visible, else the CPU under soft placement, else InvalidArgumentError (TF's message)."""
    if spec is None:
        return ("CPU", 0)
    wanted = parse_device(spec)
    if wanted is None:
        return ("CPU", 0)
    visible = [(d.device_type, int(d.name.rsplit(":", 1)[1])) for d in visible_devices()]
    if wanted in visible:
        return wanted
    if SETTINGS.soft_placement:
        return ("CPU", 0)
    types = sorted({t for t, _ in visible})
    names = [f"/job:localhost/replica:0/task:0/device:{t}:{i}" for t, i in visible]
    raise InvalidArgumentError(
        f"Could not satisfy device specification '/job:localhost/replica:0/task:0/device:"
        f"{wanted[0]}:{wanted[1]}'. enable_soft_placement=0. Supported device types "
        f"[{', '.join(types)}]. All available devices [{', '.join(names)}]. Turn soft "
        f"placement "
        f"on (tf.config.set_soft_device_placement(True), the default) to run on the CPU "
        f"instead, or use a device from tf.config.list_logical_devices().")

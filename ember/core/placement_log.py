"""`tf.debugging.set_log_device_placement`: every op that runs says where it ran.

While logging is on, each primitive's kernel is wrapped so that a run (eager, or a step of
a compiled `ember.function` plan) writes TF's line to stderr, `Executing op <name> in
device /job:localhost/replica:0/task:0/device:CPU:0`, with ember's primitive name (TF
prints its own op names, e.g. `Mul` where ember says `multiply`). Turning it off restores
the kernels, so the eager fast path costs nothing while it is off; a plan compiled while
it was on keeps wrappers that check the switch and stay silent.

Example:
    >>> import contextlib, io
    >>> import ember as tf
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     tf.debugging.set_log_device_placement(True)
    ...     _ = tf.constant([1.0]) * 2.0
    ...     tf.debugging.set_log_device_placement(False)
    >>> err.getvalue().splitlines()[-1]
    'Executing op multiply in device /job:localhost/replica:0/task:0/device:CPU:0'
"""

from __future__ import annotations

import sys
from typing import Any, Callable

from .devices import FULL_CPU_NAME
from .registry import PRIMITIVES

__all__ = ["get_log_device_placement", "set_log_device_placement"]

_ON = [False]
_KERNELS: dict = {}  # primitive name -> its own kernel, while wrapped


def _logging(name: str, kernel: Callable) -> Callable:
    def run(*args: Any, **params: Any) -> Any:
        if _ON[0]:
            print(f"Executing op {name} in device {FULL_CPU_NAME}", file=sys.stderr)
        return kernel(*args, **params)
    run.__wrapped__ = kernel  # type: ignore[attr-defined]
    return run


def set_log_device_placement(enabled: bool) -> None:
    """Turns the placement log on or off (`tf.debugging.set_log_device_placement`)."""
    _ON[0] = bool(enabled)
    if _ON[0]:
        for name, prim in PRIMITIVES.items():
            if name not in _KERNELS and prim.kernel is not None:
                _KERNELS[name] = prim.kernel
                prim.kernel = _logging(name, prim.kernel)
    else:
        for name, kernel in _KERNELS.items():
            PRIMITIVES[name].kernel = kernel
        _KERNELS.clear()


def get_log_device_placement() -> bool:
    """Whether the placement log is on (`tf.config.get_log_device_placement` in TF's
    internals; ember exposes it for tests and tools).

    Example:
        >>> from ember.core.placement_log import get_log_device_placement
        >>> get_log_device_placement()
        False
    """
    return _ON[0]

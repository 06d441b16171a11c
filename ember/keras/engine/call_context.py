"""The Keras call context: the state of the layer calls running in this thread.

`training` is a stack: one entry (None) plus one per layer call running, the `training`
value that call was given or inherited; a layer whose `call` takes `training` and is
called without it gets the enclosing call's value, as in Keras. `spec_only` counts the
contexts in which ops on KerasTensors compute output specs without recording nodes (a
layer's own symbolic call of its `call`, `compute_output_shape`). Both are per thread.

A truthy `training` and spec-only building are non-default modes: each counts in the core
dispatch context's `ACTIVE` (core/context.py), so `Model`'s inference fast path steps
aside for them, and for tapes and traces, by testing that one list.

Masks are a side table, not a mode: `MASKS` maps id(tensor) to (a weak reference to the
tensor, its mask), for every thread (see masking.py).

Example:
    >>> from ember.keras.engine.call_context import CALL, spec_only
    >>> CALL.training[-1] is None, CALL.spec_only
    (True, 0)
    >>> with spec_only():
    ...     CALL.spec_only
    1
"""

from __future__ import annotations

import threading
from typing import Any

from ...core.context import enter_mode, exit_mode


class CallContext(threading.local):
    """One thread's layer-call state (see the module docstring)."""

    def __init__(self) -> None:
        self.training: list = [None]
        self.spec_only = 0


CALL = CallContext()

# id(tensor) -> (weak reference to the tensor, its mask): process-wide (masking.py).
MASKS: dict = {}


def _is_mode(training: Any) -> bool:
    return training is not None and training is not False


def push_training(training: Any) -> None:
    """Enters a layer call whose `training` value is `training` (a truthy one is a mode).

    Example:
        >>> from ember.keras.engine.call_context import CALL, pop_training, push_training
        >>> push_training(True); CALL.training[-1]
        True
        >>> pop_training(); CALL.training
        [None]
    """
    CALL.training.append(training)
    if _is_mode(training):
        enter_mode()


def pop_training() -> None:
    """Leaves the layer call entered by the matching `push_training`."""
    if _is_mode(CALL.training.pop()):
        exit_mode()


class spec_only:
    """Context: ops and layer calls on KerasTensors give KerasTensors without recording."""

    __slots__ = ()

    def __enter__(self) -> None:
        CALL.spec_only += 1
        enter_mode()

    def __exit__(self, *exc: Any) -> None:
        CALL.spec_only -= 1
        exit_mode()

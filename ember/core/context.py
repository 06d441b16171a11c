"""The dispatch context: which traces are active, per thread.

Every `bind` asks one question: which trace handles this primitive call? Eager execution
(no trace: the kernel runs on arrays), a recording `GradientTape`, a graph `Trace` being
built by `ember.function`, and the Keras functional API's symbolic building are each a
*trace*: an object with one method, `process(prim, args, params)`. The context keeps the
stacks of active tapes and graph traces, and `top`, the object that processes a bind now:
the innermost graph trace, else the innermost tape, else None (eager). A KerasTensor is
not a mode but a value: it carries its trace (`_trace`), as a JAX tracer does, and a bind
with one among its inputs goes there.

The state is per thread (TF's tapes and traces are too): a `tf.data` map running in a
worker thread runs eagerly while the main thread records a tape. Reading a thread-local
attribute costs ~35 ns, too much for an eager op that costs ~1 us in all, so `ACTIVE`, one
process-wide list with an entry per mode active in any thread, lets the common case
(nothing active anywhere) skip the thread-local read: a bind reads `CTX.top` only when
`ACTIVE` is not empty. (A list, because `append` and `pop` are atomic: no lock, and
testing it is as cheap as testing a global.) Higher layers count their own non-default modes in it too (see `enter_mode`):
Keras' spec-only building and a truthy `training` flag, `run_functions_eagerly`; so a
fast path that must step aside for any of them checks one number.

Listeners (`add_listener`) are told of compiled functions: `on_trace(cf)` when
`ember.function` traces a graph, `on_call(cf)` when a compiled function runs
(`tf.summary.trace_on` records graphs this way). A registered listener is a mode too, so
a call tests `LISTENERS` only when `ACTIVE` is not empty (no cost otherwise), and the fast
paths that call a plan directly step aside for the general path, which a listener sees.

Example:
    >>> import ember as tf
    >>> from ember.core.context import CTX
    >>> CTX.top is None
    True
    >>> with tf.GradientTape() as tape:
    ...     CTX.top is tape
    True
"""

from __future__ import annotations

import threading
from typing import Any

# One entry per mode active in any thread: tapes recording, graph traces being built, and
# the higher layers' modes (`enter_mode`). Empty: every thread is eager.
ACTIVE: list = []


class DispatchContext(threading.local):
    """One thread's dispatch state (a `threading.local`: each thread sees its own).

    Example:
        >>> import threading
        >>> from ember.core.context import CTX
        >>> seen = []
        >>> t = threading.Thread(target=lambda: seen.append(CTX.tapes is not None))
        >>> t.start(); t.join(); seen
        [True]
    """

    def __init__(self) -> None:
        self.tapes: list = []   # GradientTapes recording, outermost first
        self.traces: list = []  # graph Traces being built, outermost first
        self.labels: list = []  # public op names (registry.public_op), innermost last
        self.top: Any = None    # the trace that processes a bind; None: eager
        self.autocasts: list = []  # mixed precision scopes (registry.autocast), innermost last

    def _retop(self) -> None:
        self.top = self.traces[-1] if self.traces else self.tapes[-1] if self.tapes \
            else None
        if self.autocasts:  # it casts a bind's Variables, then hands it to the top below
            self.top = self.autocasts[-1].over(self.top)


CTX = DispatchContext()


def _count(delta: int) -> None:
    for _ in range(delta):
        ACTIVE.append(None)
    for _ in range(-delta):
        ACTIVE.pop()


def push_tape(tape: Any) -> None:
    """Makes `tape` record in this thread (innermost); `GradientTape.__enter__` calls it.

    Example:
        >>> import ember as tf
        >>> from ember.core.context import CTX, pop_tape, push_tape
        >>> tape = tf.GradientTape()
        >>> push_tape(tape); CTX.top is tape
        True
        >>> pop_tape(tape); CTX.top is None
        True
    """
    CTX.tapes.append(tape)
    CTX._retop()
    _count(1)


def pop_tape(tape: Any) -> None:
    """Stops `tape` recording in this thread (see `push_tape`)."""
    CTX.tapes.remove(tape)
    CTX._retop()
    _count(-1)


def push_trace(trace: Any) -> None:
    """Makes graph trace `trace` the innermost one of this thread: binds go to it
    (`Trace.__enter__` calls it).

    Example:
        >>> from ember.core.context import current_trace, pop_trace, push_trace
        >>> from ember.core.graph import Trace
        >>> tr = Trace("doc")
        >>> push_trace(tr); current_trace() is tr
        True
        >>> pop_trace(tr); current_trace() is None
        True
    """
    CTX.traces.append(trace)
    CTX._retop()
    _count(1)


def pop_trace(trace: Any) -> None:
    """Ends graph trace `trace` in this thread (see `push_trace`)."""
    CTX.traces.remove(trace)
    CTX._retop()
    _count(-1)


def current_trace() -> Any:
    """The innermost graph trace of this thread, or None outside `ember.function`."""
    traces = CTX.traces
    return traces[-1] if traces else None


def enter_mode() -> None:
    """A higher layer entered a non-default mode (see the module docstring).

    Example:
        >>> from ember.core.context import ACTIVE, enter_mode, exit_mode
        >>> enter_mode(); len(ACTIVE)
        1
        >>> exit_mode(); len(ACTIVE)
        0
    """
    ACTIVE.append(None)


def exit_mode() -> None:
    """The higher layer left the mode it entered with `enter_mode`."""
    ACTIVE.pop()


# Listeners of compiled functions (`add_listener`), each also counted in ACTIVE.
LISTENERS: list = []


class Listener:
    """What `add_listener` expects: two methods, called in the thread that traces or
    calls (they do nothing here; a listener overrides what it needs)."""

    def on_trace(self, concrete_function: Any) -> None:
        """`ember.function` traced a new graph: `concrete_function`, not called yet."""

    def on_call(self, concrete_function: Any) -> None:
        """`concrete_function` runs now (its compiled plan, or op by op on a tape)."""


def add_listener(listener: Listener) -> None:
    """Tells `listener` (`on_trace`, `on_call`; see `Listener`) of every graph traced and
    every compiled function called from now on, until `remove_listener`. It is a mode
    while registered: a fast path that would skip the call steps aside.

    Example:
        >>> import ember as tf
        >>> from ember.core import context
        >>> class Names(context.Listener):
        ...     def __init__(self):
        ...         self.names = []
        ...     def on_call(self, cf):
        ...         self.names.append(cf.name)
        >>> names = Names()
        >>> context.add_listener(names)
        >>> _ = tf.function(lambda x: x + 1, name="inc")(tf.constant(1.0))
        >>> context.remove_listener(names)
        >>> names.names, context.ACTIVE
        (['inc'], [])
    """
    LISTENERS.append(listener)
    enter_mode()


def remove_listener(listener: Listener) -> None:
    """Stops telling `listener` (nothing if it is not registered).

    Example:
        >>> from ember.core import context
        >>> context.remove_listener(context.Listener())  # not registered: nothing to do
    """
    try:
        LISTENERS.remove(listener)
    except ValueError:
        return
    exit_mode()


class isolated:
    """`with isolated(): ...` runs eagerly in this thread: no tape records and no trace
    builds inside (Keras builds a layer's weights this way); the stacks come back after.

    Example:
        >>> import ember as tf
        >>> from ember.core.context import CTX, isolated
        >>> with tf.GradientTape():
        ...     with isolated():
        ...         CTX.top is None
        True
    """

    __slots__ = ("_saved",)

    def __enter__(self) -> "isolated":
        ctx = CTX
        self._saved = (ctx.tapes, ctx.traces)
        _count(-(len(ctx.tapes) + len(ctx.traces)))
        ctx.tapes, ctx.traces = [], []
        ctx._retop()
        return self

    def __exit__(self, *exc: Any) -> None:
        ctx = CTX
        _count(-(len(ctx.tapes) + len(ctx.traces)))  # anything left inside
        ctx.tapes, ctx.traces = self._saved
        _count(len(ctx.tapes) + len(ctx.traces))
        ctx._retop()

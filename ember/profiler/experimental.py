"""`tf.profiler.experimental`: `start`, `stop`, `Profile`, `Trace`, `ProfilerOptions`.

ember has no XLA profiler: between `start(logdir)` and `stop()` it records a span for
each primitive that runs (its name, start, duration and thread; eagerly and inside
compiled `ember.function`s), and one for each `Trace` block, and `stop()` saves them to
`<logdir>/plugins/profile/<YYYY_MM_DD_HH_MM_SS>/<hostname>.trace.json.gz`, a
gzip-compressed Chrome trace-event file (TensorBoard's profile plugin, chrome://tracing and
Perfetto show it). `start` creates `<logdir>/plugins/profile` at once. With the profiler
off nothing is recorded and nothing is checked: the kernels are swapped for timing
wrappers while it runs (see `ember.profiler._recorder`).

As TF: a second `start` while one runs raises `tf.errors.AlreadyExistsError`, `stop`
without one `tf.errors.UnavailableError`. `ProfilerOptions.host_tracer_level` 0 records
nothing, 1 only `Trace` spans, 2 or 3 (default 2) also every primitive; `delay_ms` drops
the spans of the first milliseconds; `python_tracer_level` and `device_tracer_level` are
accepted and have no effect (no Python-call tracer, no device but the CPU).

Example:
    >>> import os, tempfile
    >>> import ember as tf
    >>> logdir = tempfile.mkdtemp()
    >>> with tf.profiler.experimental.Profile(logdir):
    ...     with tf.profiler.experimental.Trace("train", step_num=0, _r=1):
    ...         _ = tf.matmul(tf.ones([2, 2]), tf.ones([2, 2]))
    >>> run, = os.listdir(os.path.join(logdir, "plugins", "profile"))
    >>> os.listdir(os.path.join(logdir, "plugins", "profile", run))[0].endswith(
    ...     ".trace.json.gz")
    True
"""

from __future__ import annotations

import collections
import os
import threading
import time
from typing import Any

from ..errors import AlreadyExistsError, UnavailableError
from ._recorder import ACTIVE, Session

__all__ = ["Profile", "ProfilerOptions", "Trace", "start", "stop"]

_LOCK = threading.RLock()


class ProfilerOptions(collections.namedtuple(
        "ProfilerOptions", ["host_tracer_level", "python_tracer_level",
                            "device_tracer_level", "delay_ms"])):
    """Options of `start` (TF's `tf.profiler.experimental.ProfilerOptions`).

    Args:
        host_tracer_level: 0 records nothing, 1 only `Trace` spans, 2 (default) or 3
            also a span per primitive run.
        python_tracer_level: accepted (0 or 1); ember traces no Python calls.
        device_tracer_level: accepted (0 or 1); ember runs on the CPU only.
        delay_ms: leave out the spans that start in the first `delay_ms` milliseconds.

    Example:
        >>> import ember as tf
        >>> tf.profiler.experimental.ProfilerOptions(host_tracer_level=3).host_tracer_level
        3
    """

    __slots__ = ()

    def __new__(cls, host_tracer_level: int = 2, python_tracer_level: int = 0,
                device_tracer_level: int = 1, delay_ms: int | None = None) -> "ProfilerOptions":
        for field, value in (("host_tracer_level", host_tracer_level),
                             ("python_tracer_level", python_tracer_level),
                             ("device_tracer_level", device_tracer_level),
                             ("delay_ms", 0 if delay_ms is None else delay_ms)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"tf.profiler.experimental.ProfilerOptions: {field} must "
                                 f"be an int >= 0, received {value!r}.")
        return super().__new__(cls, host_tracer_level, python_tracer_level,
                               device_tracer_level, delay_ms)


def _logdir(who: str, logdir: Any) -> str:
    try:
        return os.fspath(logdir)
    except TypeError:
        raise TypeError(f"{who}: logdir must be a str or os.PathLike (the folder "
                        f"TensorBoard reads), received {logdir!r}.") from None


def _start(logdir: str | None, options: Any, who: str) -> None:
    """Starts a session saving to `logdir` (None: the folder is given at `_stop`)."""
    if options is None:
        options = ProfilerOptions()
    elif not isinstance(options, ProfilerOptions):
        raise TypeError(f"{who}: options must be a tf.profiler.experimental."
                        f"ProfilerOptions, received {type(options).__name__}.")
    with _LOCK:
        if ACTIVE[0] is not None:
            raise AlreadyExistsError("Another profiler is running. Stop it first with "
                                     "tf.profiler.experimental.stop().")
        if logdir:
            os.makedirs(os.path.join(logdir, "plugins", "profile"), exist_ok=True)
        session = Session(logdir, options.host_tracer_level,
                          int(options.delay_ms or 0) * 1_000_000)
        session.install()
        ACTIVE[0] = session


def _stop(save: bool, logdir: str | None = None) -> str | None:
    """Stops the session; with `save`, writes its trace file (under `logdir`, else the
    session's own) and returns the file's path."""
    with _LOCK:
        session = ACTIVE[0]
        if session is None:
            raise UnavailableError("Cannot export profiling results. No profiler is "
                                   "running.")
        ACTIVE[0] = None
        session.uninstall()
    target = logdir if logdir is not None else session.logdir
    if not save or target is None:
        return None
    return session.write_trace(target)


def start(logdir: Any, options: ProfilerOptions | None = None) -> None:
    """Starts profiling; results go under `logdir` at `stop()`.

    Raises `tf.errors.AlreadyExistsError` when a profiler runs already.

    Example:
        >>> import tempfile
        >>> import ember as tf
        >>> tf.profiler.experimental.start(tempfile.mkdtemp())
        >>> _ = tf.constant([1.0]) + 1.0
        >>> tf.profiler.experimental.stop()
    """
    _start(_logdir("tf.profiler.experimental.start", logdir), options,
           "tf.profiler.experimental.start")


def stop(save: bool = True) -> None:
    """Stops profiling and (with `save`) writes the trace file under the logdir of
    `start`.

    Raises `tf.errors.UnavailableError` when no profiler runs.

    Example:
        >>> import ember as tf
        >>> try:
        ...     tf.profiler.experimental.stop()
        ... except tf.errors.UnavailableError as e:
        ...     print(e)
        Cannot export profiling results. No profiler is running.
    """
    _stop(bool(save))


class Profile:
    """`with Profile(logdir, options=None):` profiles the block (start, then stop).

    Example:
        >>> import tempfile
        >>> import ember as tf
        >>> with tf.profiler.experimental.Profile(tempfile.mkdtemp()):
        ...     _ = tf.reduce_sum(tf.ones([3]))
    """

    def __init__(self, logdir: Any, options: ProfilerOptions | None = None):
        self._logdir = _logdir("tf.profiler.experimental.Profile", logdir)
        self._options = options

    def __enter__(self) -> "Profile":
        _start(self._logdir, self._options, "tf.profiler.experimental.Profile")
        return self

    def __exit__(self, typ: Any, value: Any, tb: Any) -> None:
        _stop(True)


class Trace:
    """`with Trace(name, **kwargs):` records the block as a span called `name` (its
    keyword arguments as the span's args, e.g. `step_num=step, _r=1` for a training
    step), when a profiler runs; otherwise it costs a check.

    Example:
        >>> import ember as tf
        >>> for step in range(2):
        ...     with tf.profiler.experimental.Trace("train", step_num=step, _r=1):
        ...         _ = tf.ones([2]) * 2.0
    """

    __slots__ = ("_name", "_kwargs", "_session", "_t")

    def __init__(self, name: str, **kwargs: Any):
        if not isinstance(name, str):
            raise TypeError(f"tf.profiler.experimental.Trace: name must be a str, "
                            f"received {name!r}.")
        self._name = name
        self._kwargs = kwargs
        self._session = None
        self._t = 0

    def set_metadata(self, **kwargs: Any) -> None:
        """Adds (or replaces) args of the span."""
        self._kwargs.update(kwargs)

    def __enter__(self) -> "Trace":
        session = ACTIVE[0]
        if session is not None and session.host_level >= 1:
            self._session = session
            self._t = time.perf_counter_ns()
        return self

    def __exit__(self, typ: Any, value: Any, tb: Any) -> None:
        session = self._session
        if session is not None:
            self._session = None
            session.events.append((self._name, self._t, time.perf_counter_ns() - self._t,
                                   threading.get_ident(), dict(self._kwargs) or None))

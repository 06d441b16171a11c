"""The recording behind `tf.profiler.experimental`: kernel swapping, spans, the trace file.

A profiling session replaces each primitive's kernel (`registry.PRIMITIVES[name].kernel`)
by a timing wrapper, and does the same in the compiled plans of `ember.function`s that
exist already (a plan binds its kernels when it is compiled; `core.executor.swap_kernels`
replaces them in every live plan). Stopping puts every original back, in the registry and
in every plan, so eager dispatch and compiled calls cost nothing more once the profiler
is off; the dispatch code itself has no profiler check. Limits: an op a plan emits as an
inline NumPy expression (`relu`, `sigmoid`) has no kernel call to time in a plan compiled
before the session (eagerly, and in plans compiled during it, it is timed); a plan
compiled during the session calls that kernel rather than the inline expression from
then on.

Each span is (name, start ns, duration ns, thread id, args); `write_trace` saves them as
a gzip-compressed Chrome trace-event JSON file, which TensorBoard's profile plugin (trace
viewer) and chrome://tracing / Perfetto read.

Example:
    >>> from ember.profiler._recorder import Session
    >>> s = Session(None, host_level=2, delay_ns=0)
    >>> s.events.append(("matmul", s.t0 + 1000, 500, 1, None))
    >>> [e["name"] for e in s.trace_events() if e["ph"] == "X"]
    ['matmul']
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import threading
import time
from typing import Any, Callable

from ..core import placement_log
from ..core.executor import swap_kernels
from ..core.registry import PRIMITIVES

# The running session (None when off). Wrappers read it at each call: a plan compiled
# during a session keeps calling them afterwards, then they only call the kernel.
ACTIVE: list = [None]


class Session:
    """One profiling session: where to save, the spans recorded, the kernels swapped."""

    def __init__(self, logdir: str | None, host_level: int, delay_ns: int):
        self.logdir = logdir
        self.host_level = host_level
        self.t0 = time.perf_counter_ns()
        self.wall0 = time.time()
        self.delay_ns = delay_ns
        self.events: list = []  # (name, start ns, duration ns, thread id, args or None)
        self.originals: dict = {}  # primitive name -> its kernel before the session
        self.wrappers: dict = {}  # id(original kernel) -> its timing wrapper

    # -- swapping --------------------------------------------------------------------------
    def install(self) -> None:
        """Wraps every primitive's kernel, in the registry and in existing plans."""
        if self.host_level < 2:
            return  # level 1: the user's Trace spans only
        for name, prim in list(PRIMITIVES.items()):
            kernel = prim.kernel
            if kernel is None:
                continue
            wrapper = self.wrappers.get(id(kernel))
            if wrapper is None:
                wrapper = self.wrappers[id(kernel)] = _timed(name, kernel)
            self.originals[name] = kernel
            prim.kernel = wrapper
        by_id = self.wrappers

        def wrapped(kernel: Callable) -> Callable | None:
            wrapper = by_id.get(id(kernel))
            return wrapper if wrapper is not None and wrapper.__wrapped__ is kernel else None

        swap_kernels(wrapped)

    def uninstall(self) -> None:
        """Puts the original kernels back (where a wrapper of this session still is)."""
        for name, kernel in self.originals.items():
            prim = PRIMITIVES.get(name)
            if prim is not None and prim.kernel is self.wrappers.get(id(kernel)):
                prim.kernel = kernel
        ours = {id(w): w for w in self.wrappers.values()}
        saved = placement_log._KERNELS  # the placement log wrapped ours: it restores these
        for name, kernel in list(saved.items()):
            if ours.get(id(kernel)) is kernel:
                saved[name] = kernel.__wrapped__
        if ours:
            swap_kernels(lambda k: k.__wrapped__ if ours.get(id(k)) is k else None)
        self.originals = {}

    # -- output ----------------------------------------------------------------------------
    def trace_events(self) -> list:
        """The spans as Chrome trace events (times in microseconds from the start)."""
        pid = 1
        names = {t.ident: t.name for t in threading.enumerate()}
        events: list = [{"ph": "M", "pid": pid, "name": "process_name",
                         "args": {"name": "/host:CPU"}}]
        seen: set = set()
        start = self.t0 + self.delay_ns
        for name, t, dur, tid, args in self.events:
            if t < start:
                continue
            if tid not in seen:
                seen.add(tid)
                events.append({"ph": "M", "pid": pid, "tid": tid, "name": "thread_name",
                               "args": {"name": names.get(tid, f"Thread {tid}")}})
            event = {"ph": "X", "pid": pid, "tid": tid, "name": name,
                     "ts": round((t - self.t0) / 1000.0, 3), "dur": round(dur / 1000.0, 3)}
            if args:
                event["args"] = {str(k): str(v) for k, v in args.items()}
            events.append(event)
        return events

    def write_trace(self, logdir: str) -> str:
        """Saves the spans to `<logdir>/plugins/profile/<run>/<host>.trace.json.gz` (run:
        the local time, `YYYY_MM_DD_HH_MM_SS`); returns the file's path."""
        run = time.strftime("%Y_%m_%d_%H_%M_%S", time.localtime())
        base = os.path.join(logdir, "plugins", "profile")
        host = socket.gethostname() or "localhost"
        folder, k = os.path.join(base, run), 0
        while os.path.exists(os.path.join(folder, host + ".trace.json.gz")):
            k += 1  # two sessions saved within one second: keep both
            folder = os.path.join(base, f"{run}_{k}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, host + ".trace.json.gz")
        doc = {"displayTimeUnit": "ns", "metadata": {"highres-ticks": True,
                                                    "start_wall_time": self.wall0},
               "traceEvents": self.trace_events()}
        with gzip.open(path, "wt", encoding="utf-8") as f:
            json.dump(doc, f)
        return path


def _timed(name: str, kernel: Callable) -> Callable:
    """`kernel`, timed into the active session's spans under the primitive's `name`."""
    clock = time.perf_counter_ns
    ident = threading.get_ident
    active = ACTIVE

    def run(*args: Any, **params: Any) -> Any:
        s = active[0]
        if s is None:
            return kernel(*args, **params)
        t = clock()
        try:
            return kernel(*args, **params)
        finally:
            s.events.append((name, t, clock() - t, ident(), None))

    run.__wrapped__ = kernel  # type: ignore[attr-defined]
    run.__name__ = getattr(kernel, "__name__", name)
    if getattr(kernel, "reuse", False):
        run.reuse = True  # type: ignore[attr-defined]  # still takes `out=` in plans
    return run


"""Background work of input pipelines: `prefetch` and a parallel `map`, in threads.

Both run user code (map functions, generators, file reads) in worker threads while the
consumer (a training loop) works on earlier elements. That is sound because ember's
dispatch state is per thread (core/context.py): a worker runs its ops eagerly and a
GradientTape or `ember.function` trace of the consumer's thread never sees them. NumPy
kernels, file reads and `time.sleep` release the GIL, so the overlap is real for the
work input pipelines do.

Example:
    >>> from ember.data.threads import prefetched
    >>> list(prefetched(iter(range(5)), 2))
    [0, 1, 2, 3, 4]
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from itertools import islice
from typing import Any, Callable, Iterator

_ITEM, _END, _ERROR = 0, 1, 2
_POLL_S = 0.05  # how often a blocked producer checks whether the consumer has gone


def prefetched(elements: Iterator, size: int) -> Iterator:
    """The items of `elements`, produced by a background thread up to `size` ahead.

    An exception raised while producing reaches the consumer at the item where it
    happened. When the consumer stops early (or the generator is collected), the producer
    stops within `_POLL_S` of finishing the item it is on, and closes `elements`.
    """
    q: queue.Queue = queue.Queue(maxsize=max(1, size))
    stop = threading.Event()

    def put(item: tuple) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for e in elements:
                if not put((_ITEM, e)):
                    return
            put((_END, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            put((_ERROR, exc))
        finally:
            close = getattr(elements, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="ember-data-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = q.get()
            if kind == _ITEM:
                yield value
            elif kind == _END:
                return
            else:
                raise value
    finally:
        stop.set()


def parallel_map(elements: Iterator, fn: Callable[[Any], Any], threads: int,
                 ordered: bool = True) -> Iterator:
    """`fn(e)` for each item of `elements`, `threads` calls running at once in a pool.

    The window of calls in flight is kept full across the consumer's `next()` calls: while
    the consumer works on one result, the next `threads` are computed. `ordered` yields
    results in input order; otherwise in the order they finish. `elements` is advanced in
    the consumer's thread.

    Example:
        >>> from ember.data.threads import parallel_map
        >>> list(parallel_map(iter(range(5)), lambda x: x * x, threads=2))
        [0, 1, 4, 9, 16]
    """
    it = iter(elements)
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ember-data-map")
    try:
        if ordered:
            window = deque(pool.submit(fn, e) for e in islice(it, threads))
            while window:
                done = window.popleft()
                for e in islice(it, 1):
                    window.append(pool.submit(fn, e))
                yield done.result()
        else:
            pending = {pool.submit(fn, e) for e in islice(it, threads)}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                pending |= {pool.submit(fn, e) for e in islice(it, len(done))}
                for f in done:
                    yield f.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

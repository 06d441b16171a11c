"""The request batcher of `examples/serve.py`: one worker thread runs the model on the
requests that arrive together.

Example:
    >>> import numpy as np
    >>> b = Batcher(lambda xs: {"y": xs[0] * 2}, max_batch=8, timeout_ms=1)
    >>> b.submit([np.ones((2, 3), np.float32)]).result()["y"].tolist()
    [[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]
    >>> b.close()
"""

from __future__ import annotations

import collections
import queue
import threading
import time
from concurrent.futures import Future
from typing import Callable, Sequence

import numpy as np

__all__ = ["Batcher"]

class _Item:
    __slots__ = ("arrays", "future", "rows", "key")

    def __init__(self, arrays: list, future: Future):
        self.arrays = arrays
        self.future = future
        self.rows = int(arrays[0].shape[0])
        self.key = tuple((a.shape[1:], a.dtype.str) for a in arrays)


class Batcher:
    """Runs `predict` on batches gathered from concurrent callers, in one worker thread.

    The worker takes the first waiting request, then waits up to `timeout_ms` for more
    (never past `max_batch` rows; a bigger request runs alone), concatenates the inputs
    along axis 0, calls `predict` once, and splits each output back by rows. Requests
    whose non-batch shapes differ wait for a later batch. If a batch fails, each of its
    requests is retried alone, so one bad request fails by itself. Counters: `requests`,
    `rows`, `batches` (model calls), `errors`.

    Args:
        predict: list of input arrays (batch-major) -> {output name: array}.
        max_batch: most rows per model call (1: no batching).
        timeout_ms: how long the first request of a batch waits for others.

    Example:
        >>> import threading
        >>> b = Batcher(lambda xs: {"y": xs[0] * 2}, max_batch=8, timeout_ms=50)
        >>> out = [None] * 4
        >>> def ask(i):
        ...     out[i] = b([np.full((1, 2), i, np.float32)])["y"].tolist()
        >>> threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
        >>> for t in threads: t.start()
        >>> for t in threads: t.join()
        >>> out
        [[[0.0, 0.0]], [[2.0, 2.0]], [[4.0, 4.0]], [[6.0, 6.0]]]
        >>> b.stats()["requests"], b.stats()["batches"] < 4
        (4, True)
        >>> b.close()
    """

    def __init__(self, predict: Callable[[list], dict], max_batch: int = 64,
                 timeout_ms: float = 2.0):
        if int(max_batch) < 1 or timeout_ms < 0:
            raise ValueError(f"Batcher: max_batch must be >= 1 and timeout_ms >= 0; "
                             f"received max_batch={max_batch}, timeout_ms={timeout_ms}.")
        self._predict = predict
        self.max_batch = int(max_batch)
        self.timeout = float(timeout_ms) / 1000.0
        self.requests = self.rows = self.batches = self.errors = 0
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="serve-batcher", daemon=True)
        self._thread.start()

    def submit(self, arrays: Sequence[np.ndarray]) -> Future:
        """Queues one request (arrays with the same leading batch dim); its Future gives
        {output name: array} with those rows. Example: see the class."""
        future: Future = Future()
        item = _Item([np.asarray(a) for a in arrays], future)
        with self._lock:
            if self._closed:
                raise RuntimeError("Batcher: closed; no more requests are taken.")
            self._queue.put(item)
        return future

    def __call__(self, arrays: Sequence[np.ndarray], timeout: float | None = None) -> dict:
        """`submit(arrays).result(timeout)`. Example: see the class."""
        return self.submit(arrays).result(timeout)

    def stats(self) -> dict:
        """The counters, with the mean rows per model call. Example: see the class."""
        with self._lock:
            mean = self.rows / self.batches if self.batches else 0.0
            return {"requests": self.requests, "rows": self.rows, "batches": self.batches,
                    "errors": self.errors, "mean_batch_rows": round(mean, 3)}

    def close(self, timeout: float = 10.0) -> None:
        """Answers what is queued, then stops the worker. Example: see the class."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        pending: collections.deque = collections.deque()
        stopping = False
        while True:
            if pending:
                first = pending.popleft()
            elif stopping:
                return
            else:
                first = self._queue.get()
                if first is None:
                    return
            batch, rows = [first], first.rows
            for item in list(pending):  # earlier leftovers that fit go first
                if item.key == first.key and rows + item.rows <= self.max_batch:
                    pending.remove(item)
                    batch.append(item)
                    rows += item.rows
            deadline = time.monotonic() + self.timeout
            while rows < self.max_batch and not stopping:
                remaining = deadline - time.monotonic()
                try:
                    item = (self._queue.get(timeout=remaining) if remaining > 0
                            else self._queue.get_nowait())
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                elif item.key == first.key and rows + item.rows <= self.max_batch:
                    batch.append(item)
                    rows += item.rows
                else:  # waits for the next batch; a full batch runs now
                    pending.append(item)
                    if item.key == first.key:
                        break
            self._run_batch(batch)

    def _run_batch(self, batch: list) -> None:
        arrays = batch[0].arrays if len(batch) == 1 else [
            np.concatenate(column) for column in zip(*[item.arrays for item in batch])]
        total = sum(item.rows for item in batch)
        try:
            outputs = self._predict(arrays)
            bad = {k: np.shape(v) for k, v in outputs.items()
                   if np.ndim(v) == 0 or np.shape(v)[0] != total}
            if bad:
                raise RuntimeError(f"the model's outputs {bad} don't have one row per "
                                   f"input row ({total}); they can't be split per request.")
        except Exception as exc:  # noqa: BLE001 - the error goes to the requests
            with self._lock:
                self.batches += 1
            if len(batch) > 1:
                for item in batch:
                    self._run_batch([item])
                return
            with self._lock:
                self.errors += 1
                self.requests += 1
            batch[0].future.set_exception(exc)
            return
        with self._lock:
            self.batches += 1
            self.requests += len(batch)
            self.rows += total
        cuts = np.cumsum([item.rows for item in batch])[:-1]
        parts = {k: np.split(np.asarray(v), cuts) for k, v in outputs.items()}
        for i, item in enumerate(batch):
            item.future.set_result({k: p[i] for k, p in parts.items()})



"""Progbar: Keras' progress line (`12/32 [=====>......] - ETA: 1s - loss: 0.41`).

Example:
    >>> from ember.keras.utils import Progbar
    >>> import io
    >>> out = io.StringIO()
    >>> bar = Progbar(2, verbose=2, stream=out)
    >>> bar.update(2, [("loss", 0.5)], finalize=True)
    >>> out.getvalue().split(" - ")[:3]   # then the time per epoch and per step
    ['2/2', '0s', 'loss: 0.5000']
"""

from __future__ import annotations

import sys
import time
from typing import Any


class Progbar:
    """Prints progress of `target` steps: a bar (verbose=1) or one final line (verbose=2).

    Args:
        target: the number of steps (None if unknown).
        width: the bar's width in characters.
        verbose: 0 silent, 1 bar updated in place, 2 one line at the end.
        stateful_metrics: names of values shown as given (not averaged over steps).
        unit_name: what a step is called in the time-per-step figure.
    """

    def __init__(self, target: int | None, width: int = 30, verbose: int = 1,
                 interval: float = 0.05, stateful_metrics: Any = None,
                 unit_name: str = "step", stream: Any = None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics or ())
        self.unit_name = unit_name
        self._stream = stream
        self._values: dict = {}  # name -> [sum * count, count] or the stateful value
        self._order: list = []
        self._start = time.perf_counter()
        self._last_update = 0.0
        self._seen = 0
        self._dynamic = None
        self._width = 0

    @property
    def stream(self) -> Any:
        return self._stream if self._stream is not None else sys.stdout

    def update(self, current: int, values: Any = None, finalize: bool | None = None) -> None:
        """Sets the step count to `current` and records `values` [(name, value), ...]."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or ():
            if name not in self._values:
                self._order.append(name)
            if name in self.stateful_metrics:
                self._values[name] = value
            else:
                step = max(current - self._seen, 1)
                acc = self._values.setdefault(name, [0.0, 0])
                acc[0] += float(value) * step
                acc[1] += step
        self._seen = current
        if self.verbose == 0:
            return
        now = time.perf_counter()
        if self.verbose == 1 and not finalize and now - self._last_update < self.interval:
            return
        self._last_update = now
        if self.verbose == 2 and not finalize:
            return
        elapsed = now - self._start
        line = self._bar(current) if self.verbose == 1 else self._count(current)
        per_step = elapsed / max(current, 1)
        if self.verbose == 2:  # tf.keras 2: `32/32 - 0s - loss: ... - 45ms/epoch - 1ms/step`
            line += f" - {_fmt_time(elapsed)}"
        elif finalize:
            line += f" - {_fmt_time(elapsed)} {_fmt_per(per_step, self.unit_name)}"
        elif self.target is not None:
            line += f" - ETA: {_fmt_time(per_step * (self.target - current))}"
        for name in self._order:
            v = self._values[name]
            v = v[0] / max(v[1], 1) if isinstance(v, list) else v
            line += f" - {name}: {_fmt_value(v)}"
        if self.verbose == 2:
            line += (f" - {_fmt_per(elapsed, 'epoch' if self.unit_name == 'step' else 'run')}"
                     f" - {_fmt_per(per_step, self.unit_name)}")
        out = self.stream
        if self.verbose == 1:
            pad = max(self._width - len(line), 0)  # blank out the rest of a longer line
            self._width = len(line)
            out.write("\r" + line + " " * pad + ("\n" if finalize else ""))
        else:
            out.write(line + "\n")
        out.flush()

    def add(self, n: int, values: Any = None) -> None:
        self.update(self._seen + n, values)

    def _count(self, current: int) -> str:
        if self.target is None:
            return f"{current}/Unknown"
        return f"{current}/{self.target}"

    def _bar(self, current: int) -> str:
        if self.target is None:
            return f"{current:7d}/Unknown"
        digits = len(str(self.target))
        done = int(self.width * min(current / max(self.target, 1), 1.0))
        bar = "=" * done
        if current < self.target:
            bar = bar[:-1] + ">" if done else ">"
        return f"{current:{digits}d}/{self.target} [{bar:.<{self.width}}]"


def write_one_step_line(elapsed: float, verbose: int, stream: Any = None) -> None:
    """Writes the line a finished one-step Progbar shows (`1/1 [====...] - 0s 2ms/step`;
    `1/1 - 0s 2ms/step` for verbose=2), without the bookkeeping of a Progbar: what
    `predict` prints for a single batch.

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> write_one_step_line(0.002, 2, out)
        >>> out.getvalue().rstrip()
        '1/1 - 0s 2ms/step'
    """
    bar = "1/1 [==============================]" if verbose == 1 else "1/1"
    (stream or sys.stdout).write(f"{bar} - {_fmt_time(elapsed)} {_fmt_per(elapsed, 'step')}\n")


def _fmt_time(s: float) -> str:
    if s >= 3600:
        return f"{int(s // 3600)}:{int(s % 3600 // 60):02d}:{int(s % 60):02d}"
    if s >= 60:
        return f"{int(s // 60)}:{int(s % 60):02d}"
    return f"{int(s)}s"


def _fmt_per(s: float, unit: str) -> str:
    if s >= 1:
        return f"{s:.0f}s/{unit}"
    if s >= 1e-3:
        return f"{s * 1e3:.0f}ms/{unit}"
    return f"{s * 1e6:.0f}us/{unit}"


def _fmt_value(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{f:.4f}" if abs(f) > 1e-3 else f"{f:.4e}"  # as tf.keras' Progbar

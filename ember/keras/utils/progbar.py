"""Progbar: Keras 3's progress line (`12/32 ━━━━━━━╺━━━━ 1s 3ms/step - loss: 0.41`).

verbose=1 redraws one line in place (backspaces and a carriage return before each
redraw, the count bold and the bar green/grey in ANSI colours, as Keras 3 writes it even
to a file or a pipe); verbose=2 writes one line when the bar is finalized:
`32/32 - 0s - 2ms/step - loss: 0.6900`.

Example:
    >>> from ember.keras.utils import Progbar
    >>> import io
    >>> out = io.StringIO()
    >>> bar = Progbar(2, verbose=2, stream=out)
    >>> bar.update(2, [("loss", 0.5)], finalize=True)
    >>> out.getvalue().split(" - ")[::3]   # the time and time per step in between
    ['2/2', 'loss: 0.5000\\n']
"""

from __future__ import annotations

import logging
import math
import sys
import time
from typing import Any

from .. import config

_BOLD, _GREEN, _GREY, _END = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


class Progbar:
    """Prints progress of `target` steps: a bar (verbose=1) or one final line (verbose=2).

    Args:
        target: the number of steps (None if unknown).
        width: the bar's width in characters.
        verbose: 0 silent, 1 bar updated in place, 2 one line at the end.
        interval: the least time between two redraws of the bar, in seconds.
        stateful_metrics: names of values shown as given (the others are averaged over
            the steps); give this or `stateless_metrics`, not both.
        stateless_metrics: names of values averaged over the steps (the others are shown
            as given).
        unit_name: what a step is called in the time-per-step figure.
        stream: where to write (ember's addition; default `sys.stdout` at each write).

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> bar = Progbar(4, stateful_metrics=["acc"], stream=out)
        >>> bar.update(4, [("acc", 0.5)])
        >>> out.getvalue().endswith(" - acc: 0.5000\\n")
        True
    """

    def __init__(self, target: int | None, width: int = 20, verbose: int = 1,
                 interval: float = 0.05, stateful_metrics: Any = None,
                 stateless_metrics: Any = None, unit_name: str = "step",
                 stream: Any = None):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Progbar: give stateful_metrics (names shown as given) or "
                             "stateless_metrics (names averaged over steps), not both; "
                             f"received stateful_metrics={stateful_metrics!r} and "
                             f"stateless_metrics={stateless_metrics!r}.")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self.stateful_metrics = (None if stateless_metrics is not None
                                 else set(stateful_metrics or ()))
        self._stream = stream
        self._values: dict = {}  # name -> [sum, count]
        self._values_order: list = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step: float | None = None
        self._seen_so_far = 0
        self._prev_total_width = 0

    @property
    def stream(self) -> Any:
        return self._stream if self._stream is not None else sys.stdout

    def _stateless(self, name: str) -> bool:
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def update(self, current: int, values: Any = None, finalize: bool | None = None) -> None:
        """Sets the step count to `current` and records `values` [(name, value), ...]."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or ():
            if name not in self._values_order:
                self._values_order.append(name)
            if self._stateless(name) and not finalize:
                step = max(current - self._seen_so_far, 1)
                acc = self._values.setdefault(name, [0.0, 0])
                acc[0] += _num(value) * step
                acc[1] += step
            else:
                self._values[name] = [value, 1]
        self._seen_so_far = current
        now = time.time()
        per_step = self._step_time(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._write(self._bar_line(current, now, per_step, finalize))
        elif self.verbose == 2 and finalize and self.target:
            digits = int(math.log10(self.target)) + 1
            line = (f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s -"
                    f"{_per_unit(per_step, self.unit_name)}")
            for name in self._values_order:
                avg = self._average(name)
                line += f" - {name}: " + (f"{avg:.4f}" if _num(avg) > 1e-3 else _sci(avg))
            self._write(line + "\n")
        self._last_update = now

    def _bar_line(self, current: int, now: float, per_step: float, finalize: bool) -> str:
        message = "\b" * self._prev_total_width + "\r"
        if self.target:
            digits = int(math.log10(self.target)) + 1
            bar = f"{_BOLD}{current:{digits}d}/{self.target}{_END} "
            done = int(self.width * current / self.target)
            if done > 0:
                bar += f"{_GREEN}{'━' * done}{_END}"
            bar += f"{_GREY}{'━' * (self.width - done)}{_END}"
        else:
            bar = f"{current:7d}/Unknown"
        if self.target and not finalize:
            info = f" {_BOLD}{_clock(per_step * (self.target - current))}{_END}"
        else:
            info = f" {_BOLD}{now - self._start:.0f}s{_END}"
        info += _per_unit(per_step, self.unit_name)
        for name in self._values_order:
            avg = self._average(name)
            info += f" - {name}: " + (f"{avg:.4f}" if abs(_num(avg)) > 1e-3 else _sci(avg))
        width = len(_plain(bar)) + len(_plain(info))
        message += bar + info
        if self._prev_total_width > width:
            message += " " * (self._prev_total_width - width)
        self._prev_total_width = width
        return message + ("\n" if finalize else "")

    def _average(self, name: str) -> Any:
        total, count = self._values[name]
        try:
            return float(total) / max(1, count)
        except (TypeError, ValueError):
            return total

    def _write(self, text: str) -> None:
        if self._stream is None and not config.is_interactive_logging_enabled():
            _log(text)
            return
        out = self.stream
        out.write(text)
        out.flush()

    def _step_time(self, current: int, now: float) -> float:
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per = (now - self._time_after_first_step) / (current - 1)
        else:
            per = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per

    def add(self, n: int, values: Any = None) -> None:
        """Advances the count by `n` steps."""
        self.update(self._seen_so_far + n, values)


def write_one_step_line(elapsed: float, verbose: int, stream: Any = None) -> None:
    """Writes what a one-step Progbar writes for a finished run (`predict` on one batch):
    at verbose=1 the bar drawn at the step's end and again finalized, at verbose=2
    `1/1 - 0s - 2ms/step`.

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> write_one_step_line(0.002, 2, out)
        >>> out.getvalue()
        '1/1 - 0s - 2ms/step\\n'
    """
    if stream is None and not config.is_interactive_logging_enabled():
        _log(f"1/1 - {elapsed:.0f}s -{_per_unit(elapsed, 'step')}\n")
        return
    out = stream or sys.stdout
    per = _per_unit(elapsed, "step")
    if verbose == 2:
        out.write(f"1/1 - {elapsed:.0f}s -{per}\n")
    else:
        line = (f"{_BOLD}1/1{_END} {_GREEN}{'━' * 20}{_END}{_GREY}{_END} "
                f"{_BOLD}{elapsed:.0f}s{_END}{per}")
        width = len(_plain(line))
        out.write("\r" + line + "\b" * width + "\r" + line + "\n")
    out.flush()


_LOGGER = logging.getLogger("keras")


def print_msg(message: str) -> None:
    """A message of training (an epoch line, a callback's note): printed to stdout, or,
    with interactive logging off, sent to the "keras" logger at INFO, as Keras.

    Example:
        >>> print_msg("Epoch 1/2")
        Epoch 1/2
    """
    if config.is_interactive_logging_enabled():
        sys.stdout.write(message + "\n")
        sys.stdout.flush()
    else:
        _LOGGER.info(message.strip("\n"))


def _log(text: str) -> None:
    """With interactive logging off (`keras.config.disable_interactive_logging()`): each
    finished line, as plain text, to the `logging` module's "keras" logger at INFO (the
    redrawn bars of a step are dropped)."""
    if not text.endswith("\n"):
        return
    line = _plain(text.rstrip("\n").split("\r")[-1]).replace("\b", "")
    if line:
        _LOGGER.info(line)


def _plain(text: str) -> str:
    for code in (_BOLD, _GREEN, _GREY, _END):
        text = text.replace(code, "")
    return text


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return 0.0


def _sci(v: Any) -> str:
    try:
        return f"{float(v):.4e}"
    except (TypeError, ValueError):
        return str(v)


def _clock(s: float) -> str:
    if s > 3600:
        return "%d:%02d:%02d" % (s // 3600, (s % 3600) // 60, s % 60)
    if s > 60:
        return "%d:%02d" % (s // 60, s % 60)
    return "%ds" % s


def _per_unit(s: float, unit: str) -> str:
    if s >= 1 or s == 0:
        return f" {s:.0f}s/{unit}"
    if s >= 1e-3:
        return f" {s * 1e3:.0f}ms/{unit}"
    return f" {s * 1e6:.0f}us/{unit}"

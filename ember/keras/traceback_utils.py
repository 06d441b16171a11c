"""Traceback filtering, as Keras 3: an error raised inside ember during a Keras entry point
(`Layer.__call__`, `Model.__call__`, `fit`, `evaluate`, `predict`, `train_on_batch`, ...)
reaches the user with a traceback of the user's own frames, ember's internals left out.

Two ember frames stay: the entry point's wrapper (its line names
`keras.config.disable_traceback_filtering()`, which brings the full traceback back) and the
frame that raised the error, so the message and the line that raised it are both shown.
The wrapper costs one extra Python call; the filtering itself runs only when an exception
propagates.

Example:
    >>> from ember import keras
    >>> from ember.keras.traceback_utils import filter_traceback
    >>> @filter_traceback
    ... def double(x):
    ...     return 2 * x
    >>> double(3)
    6
"""

from __future__ import annotations

import functools
import os
import traceback
import types
from typing import Any, Callable, TypeVar

from . import config

__all__ = ["filter_traceback", "filtered_traceback", "is_internal_file"]

# The ember package directory (this file is ember/keras/traceback_utils.py).
_EMBER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep

F = TypeVar("F", bound=Callable[..., Any])


def is_internal_file(filename: str) -> bool:
    """Whether `filename` is a source file of the ember package (a frame to hide).

    Example:
        >>> import ember
        >>> from ember.keras.traceback_utils import is_internal_file
        >>> is_internal_file(ember.__file__), is_internal_file("/home/me/train.py")
        (True, False)
    """
    return os.path.abspath(filename).startswith(_EMBER_DIR) if filename else False


def filtered_traceback(tb: types.TracebackType | None) -> types.TracebackType | None:
    """A new traceback chain with `tb`'s frames outside ember, plus its last (innermost)
    frame wherever it is: the one that raised.

    Example:
        >>> from ember.keras.traceback_utils import filtered_traceback
        >>> try:
        ...     int("x")
        ... except ValueError as e:
        ...     tb = filtered_traceback(e.__traceback__)
        >>> tb.tb_frame.f_code.co_name
        '<module>'
    """
    frames = list(traceback.walk_tb(tb))
    if not frames:
        return tb
    out = None
    last = len(frames) - 1
    for i in range(last, -1, -1):
        frame, lineno = frames[i]
        if i == last or not is_internal_file(frame.f_code.co_filename):
            out = types.TracebackType(out, frame, frame.f_lasti, lineno)
    return out


def filter_traceback(fn: F) -> F:
    """Decorates a Keras entry point: an exception it raises propagates with ember's frames
    dropped from its traceback (see the module docstring), while
    `keras.config.is_traceback_filtering_enabled()`; the exception itself is unchanged.

    Example:
        >>> from ember.keras.traceback_utils import filter_traceback
        >>> @filter_traceback
        ... def fails():
        ...     raise ValueError("bad input")
        >>> try:
        ...     fails()
        ... except ValueError as e:
        ...     print(e)
        bad input
    """
    enabled = config._TRACEBACK_FILTERING

    @functools.wraps(fn)
    def error_handler(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            if not enabled[0]:
                raise
            kept = filtered_traceback(e.__traceback__)
            raise e.with_traceback(kept)  # all frames: keras.config.disable_traceback_filtering()

    error_handler._filters_traceback = True  # type: ignore[attr-defined]
    return error_handler  # type: ignore[return-value]

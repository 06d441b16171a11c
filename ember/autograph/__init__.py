"""`ember.autograph` (TF's `tf.autograph`): Python control flow on tensors, converted.

`ember.function` rewrites the function's source before tracing it: `if` / `while` / `for`
on tensors become `ember.cond` / `ember.while_loop`, `and` / `or` / `not` on tensors
become lazy logical ops, and the functions it calls are converted in turn. On Python
values everything keeps plain Python semantics. See docs/autograph.md.

Example:
    >>> import ember as tf
    >>> @tf.function
    ... def collatz(n):
    ...     steps = 0
    ...     while n > 1:
    ...         if n % 2 == 0:
    ...             n = n // 2
    ...         else:
    ...             n = 3 * n + 1
    ...         steps += 1
    ...     return steps
    >>> int(collatz(tf.constant(27)))
    111
"""

from __future__ import annotations

import types
from typing import Any, Callable

from ..core import function as _function
from . import experimental, operators  # noqa: F401
from .conversion import (SourceUnavailable, convert, for_function,  # noqa: F401
                         maybe_convert, source_of)
from .operators import AutoGraphError
from .transformer import ConversionError

__all__ = ["to_code", "to_graph", "do_not_convert", "set_verbosity", "trace",
           "experimental", "AutoGraphError", "ConversionError", "maybe_convert"]


def to_graph(entity: Callable, recursive: bool = True, experimental_optional_features:
             Any = None) -> Callable:
    """The converted Python function of `entity` (its control flow on tensors builds
    ember.cond / ember.while_loop when called inside ember.function).

    Example:
        >>> import ember as tf
        >>> def f(x):
        ...     return x if x > 0 else -x
        >>> g = tf.autograph.to_graph(f)
        >>> g(-2), float(tf.function(g)(tf.constant(-2.0)))
        (2, 2.0)
    """
    return convert(getattr(entity, "python_function", entity))


def to_code(entity: Callable, recursive: bool = True,
            experimental_optional_features: Any = None) -> str:
    """The source AutoGraph generates for `entity`, as a string.

    Example:
        >>> import ember as tf
        >>> def f(x):
        ...     if x > 0:
        ...         x = x * 2
        ...     return x
        >>> print(tf.autograph.to_code(f).splitlines()[0])
        def f(x):
        >>> "ag__.if_stmt(" in tf.autograph.to_code(f)
        True
    """
    return source_of(entity) + "\n"


def do_not_convert(func: Callable | None = None) -> Any:
    """Marks `func` to run as plain Python inside converted code (and ember.function).

    Example:
        >>> import ember as tf
        >>> @tf.autograph.experimental.do_not_convert
        ... def helper(x):
        ...     return x + 1
        >>> helper(1)
        2
    """
    if func is None:
        return do_not_convert
    try:
        func.__ember_do_not_convert__ = True
    except (AttributeError, TypeError):
        pass
    return func


def set_verbosity(level: int, alsologtostdout: bool = False) -> None:
    """Accepted for TF compatibility; ember's AutoGraph logs nothing."""


def trace(*args: Any) -> None:
    """`tf.autograph.trace`: prints its arguments at trace time (Python print)."""
    print(*args)


experimental.do_not_convert = do_not_convert


def _trace_target(f: Callable) -> Callable:
    return for_function(f)


# ember.function (core) calls AutoGraph through this slot: core never imports upward.
_function._AUTOGRAPH[0] = _trace_target
del types

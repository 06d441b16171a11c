"""The text of a traced function's signature, as TF's `pretty_printed_signature()` writes it.

Example:
    >>> import ember as tf
    >>> @tf.function
    ... def f(x, n=1):
    ...     return x + n
    >>> print(f.get_concrete_function(tf.TensorSpec([None], tf.float32)).pretty_printed_signature())
    Input Parameters:
      x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(None,), dtype=tf.float32, name=None)
      n (POSITIONAL_OR_KEYWORD): Literal[1]
    Output Type:
      TensorSpec(shape=(None,), dtype=tf.float32, name=None)
    Captures:
      None
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from .shape import TensorSpec


def type_text(x: Any) -> str:
    """TF's text of one argument or output: `TensorSpec(...)`, `Literal[v]`, `List[...]`,
    `Tuple[...]`, `Dict[['k', ...], ...]`."""
    if isinstance(x, TensorSpec):
        return repr(x)
    if hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, type):
        try:
            return repr(TensorSpec(x.shape, x.dtype))
        except (TypeError, ValueError):
            pass
    if isinstance(x, list):
        return "List[" + ", ".join(type_text(v) for v in x) + "]"
    if isinstance(x, tuple):
        return "Tuple[" + ", ".join(type_text(v) for v in x) + "]"
    if isinstance(x, dict):
        return "Dict[" + ", ".join(f"[{k!r}, {type_text(v)}]" for k, v in x.items()) + "]"
    return f"Literal[{x!r}]"


def signature_text(python_function: Callable, args: tuple, kwargs: dict, outputs: Any,
                   captures: list) -> str:
    """The `Input Parameters / Output Type / Captures` text of one traced signature;
    `args` and `kwargs` hold TensorSpecs where tensors were passed."""
    lines = ["Input Parameters:"]
    try:
        bound = inspect.signature(python_function).bind(*args, **kwargs)
        bound.apply_defaults()
        params = inspect.signature(python_function).parameters
        for name, value in bound.arguments.items():
            lines.append(f"  {name} ({params[name].kind.name}): {type_text(value)}")
    except (TypeError, ValueError):  # no signature to bind: the values in order
        for i, value in enumerate(args):
            lines.append(f"  arg_{i} (POSITIONAL_ONLY): {type_text(value)}")
        for name, value in kwargs.items():
            lines.append(f"  {name} (KEYWORD_ONLY): {type_text(value)}")
    lines += ["Output Type:", f"  {type_text(outputs)}", "Captures:"]
    if captures:
        lines += [f"  {id(v)}: {type_text(v)}" for v in captures]
    else:
        lines.append("  None")
    return "\n".join(lines)

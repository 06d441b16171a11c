"""`keras.name_scope`: Keras 3's name scopes, nested into a path joined by "/".

Entering one also enters ember's `tf.name_scope` of the same name, so both agree.

Example:
    >>> from ember import keras
    >>> with keras.name_scope("block"):
    ...     with keras.name_scope("conv") as scope:
    ...         scope.name, keras.name_scope.current_path()
    ('conv', 'block/conv')
"""

from __future__ import annotations

import threading
from typing import Any

from ..core.module import name_scope as tf_name_scope

__all__ = ["name_scope"]

_STACK = threading.local()


def _stack() -> list:
    stack = getattr(_STACK, "stack", None)
    if stack is None:
        stack = _STACK.stack = []
    return stack


class name_scope:  # noqa: N801 - Keras' name
    """A context manager that opens the sub-namespace `name` (a string without "/").

    Args:
        name: the scope's name.
        caller: the object opening it (e.g. a layer); with `deduplicate`, a scope of the
            same name and caller directly inside itself is not opened twice.
        deduplicate: see `caller` (default True).
        override_parent: an absolute path that replaces the enclosing scopes' path.

    Example:
        >>> from ember import keras
        >>> with keras.name_scope("outer", override_parent="root"):
        ...     keras.name_scope.current_path()
        'root/outer'
    """

    def __init__(self, name: str, caller: Any = None, deduplicate: bool = True,
                 override_parent: str | None = None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"name_scope: name must be a string without '/', received "
                             f"name={name!r}.")
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = override_parent
        self._entered: list = []  # one entry per __enter__: did it push?

    def __enter__(self) -> "name_scope":
        stack = _stack()
        top = stack[-1] if stack else None
        if (self.deduplicate and top is not None and self.caller is not None
                and top.caller is self.caller and top.name == self.name):
            self._entered.append(None)
            return self
        stack.append(self)
        tf_scope = tf_name_scope(self.name)
        tf_scope.__enter__()
        self._entered.append(tf_scope)
        return self

    def __exit__(self, *exc: Any) -> None:
        tf_scope = self._entered.pop()
        if tf_scope is not None:
            tf_scope.__exit__(*exc)
            _stack().pop()

    @staticmethod
    def current_path() -> str:
        """The path of the open scopes, e.g. 'block/conv' ('' outside any).

        Example:
            >>> from ember import keras
            >>> keras.name_scope.current_path()
            ''
        """
        parts: list = []
        for scope in _stack():
            if scope.override_parent is not None:
                parts = [p for p in scope.override_parent.split("/") if p]
            parts.append(scope.name)
        return "/".join(parts)

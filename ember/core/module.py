"""`ember.Module`: TF's `tf.Module`, a named container that finds the Variables and
sub-modules held in its attributes.

Example:
    >>> import ember as tf
    >>> class Dense(tf.Module):
    ...     def __init__(self, n_in, n_out, name=None):
    ...         super().__init__(name=name)
    ...         self.w = tf.Variable(tf.ones([n_in, n_out]), name="w")
    ...         self.b = tf.Variable(tf.zeros([n_out]), name="b")
    ...     def __call__(self, x):
    ...         return tf.matmul(x, self.w) + self.b
    >>> class MLP(tf.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.layers = [Dense(3, 4), Dense(4, 1)]
    ...         self.scale = tf.Variable(2.0, trainable=False)
    >>> mlp = MLP()
    >>> mlp.name, len(mlp.trainable_variables), len(mlp.non_trainable_variables)
    ('mlp', 4, 1)
    >>> [m.name for m in mlp.submodules]
    ['dense', 'dense']
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any, Callable, Iterator

from .variable import Variable

__all__ = ["Module", "name_scope"]


_SCOPES = threading.local()


class name_scope:  # noqa: N801 - TF's name
    """`tf.name_scope(name)`: names are for TF's graph tooling; ember keeps the nesting only
    (entering gives the full scope, e.g. 'outer/inner/').

    Example:
        >>> import ember as tf
        >>> with tf.name_scope("outer"), tf.name_scope("inner") as scope:
        ...     scope
        'outer/inner/'
    """

    def __init__(self, name: str):
        if not isinstance(name, str):
            raise TypeError(f"name_scope: name must be a string, received {name!r}.")
        self.name = name

    def __enter__(self) -> str:
        stack = getattr(_SCOPES, "stack", None)
        if stack is None:
            stack = _SCOPES.stack = []
        stack.append(self.name)
        return "".join(s + "/" for s in stack if s)

    def __exit__(self, *exc: Any) -> None:
        _SCOPES.stack.pop()


def _snake(name: str) -> str:
    """CamelCase -> camel_case, as TF names a module after its class."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


class Module:
    """Base class of a named container of Variables and sub-modules (TF's `tf.Module`).

    `variables`, `trainable_variables`, `non_trainable_variables` and `submodules` walk
    the attributes (in attribute-name order; inside lists, tuples and dicts, in order and
    by sorted key), each object once, and return tuples.

    Example:
        >>> import ember as tf
        >>> m = tf.Module(name="box")
        >>> m.v = tf.Variable(1.0)
        >>> m.name, len(m.variables)
        ('box', 1)
    """

    def __init__(self, name: str | None = None):
        if name is None:
            name = _snake(type(self).__name__)
        elif not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{type(self).__name__}: name {name!r} is not a valid module "
                             f"name; it must be a valid Python identifier (letters, digits "
                             f"and underscores, not starting with a digit).")
        self._module_name = name

    @property
    def name(self) -> str:
        """The module's name (the class name in snake_case unless given)."""
        return getattr(self, "_module_name", None) or _snake(type(self).__name__)

    @property
    def name_scope(self) -> Any:
        """A `name_scope` named after the module (`with module.name_scope: ...`)."""
        return name_scope(self.name)

    @property
    def variables(self) -> tuple:
        """Every Variable of this module and its sub-modules."""
        return tuple(self._flatten(lambda v: isinstance(v, Variable)))

    @property
    def trainable_variables(self) -> tuple:
        """The Variables with `trainable=True`."""
        return tuple(self._flatten(lambda v: isinstance(v, Variable) and v.trainable))

    @property
    def non_trainable_variables(self) -> tuple:
        """The Variables with `trainable=False`."""
        return tuple(self._flatten(lambda v: isinstance(v, Variable) and not v.trainable))

    @property
    def submodules(self) -> tuple:
        """Every Module reachable from this one's attributes (not itself)."""
        return tuple(self._flatten(lambda v: isinstance(v, Module)))

    def _flatten(self, predicate: Callable[[Any], bool]) -> list:
        return list(_flatten_module(self, predicate, {id(self)}, {id(self)}))

    @classmethod
    def with_name_scope(cls, method: Callable) -> Callable:
        """Decorates a method to run inside the module's `name_scope`.

        Example:
            >>> import ember as tf
            >>> class M(tf.Module):
            ...     @tf.Module.with_name_scope
            ...     def scope(self):
            ...         with tf.name_scope("x") as s:
            ...             return s
            >>> M().scope()
            'm/x/'
        """
        @functools.wraps(method)
        def wrapped(self: Module, *args: Any, **kwargs: Any) -> Any:
            with self.name_scope:
                return method(self, *args, **kwargs)
        return wrapped


def _leaves(value: Any) -> Iterator[Any]:
    """The leaves of an attribute's value: lists and tuples in order, dicts by sorted key;
    a Module is a leaf."""
    if isinstance(value, dict):
        for k in sorted(value, key=str):
            yield from _leaves(value[k])
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def _flatten_module(module: Module, predicate: Callable[[Any], bool], seen: set,
                    visited: set) -> Iterator[Any]:
    """TF's order: the matching leaves of `module`'s attributes (by attribute name) first,
    then those of each sub-module met there, in turn; each object once."""
    subs = []
    for key in sorted(vars(module), key=str):
        if key == "_module_name":
            continue
        for leaf in _leaves(vars(module)[key]):
            if predicate(leaf) and id(leaf) not in seen:
                seen.add(id(leaf))
                yield leaf
            if isinstance(leaf, Module) and id(leaf) not in visited:
                visited.add(id(leaf))
                subs.append(leaf)
    for sub in subs:
        yield from _flatten_module(sub, predicate, seen, visited)

"""Nested structures (lists, tuples, namedtuples, dicts) as TF's `tf.nest` sees them.

Dicts flatten in sorted key order. A composite value (an object of a type registered with
`register_composite`, defining `_nest_components()`, which returns its tensors or None to
stay a leaf, and `_nest_rebuild(components)`) flattens to its tensors, e.g. a TensorArray
inside ember.function; any other value is a leaf.

Example:
    >>> from ember.core import nest
    >>> nest.flatten({"b": [1, 2], "a": 3})
    [3, 1, 2]
    >>> nest.pack_sequence_as({"b": [0, 0], "a": 0}, [30, 10, 20])
    {'b': [10, 20], 'a': 30}
"""

from __future__ import annotations

from typing import Any, Callable

from .shape import TensorShape


def _is_seq(x: Any) -> bool:
    """Containers are lists, tuples (not TensorShape, a leaf) and dicts."""
    return isinstance(x, (list, tuple, dict)) and not isinstance(x, TensorShape)


# The composite types (see `register_composite`): a set, so a leaf costs one lookup.
_COMPOSITES: set = set()


def register_composite(cls: type) -> type:
    """Marks `cls` (defining `_nest_components()` and `_nest_rebuild(components)`) as a
    composite value that flattens to its tensors; returns `cls` (usable as a decorator).

    Example:
        >>> from ember.core import nest
        >>> @nest.register_composite
        ... class Pair:
        ...     def __init__(self, a, b): self.a, self.b = a, b
        ...     def _nest_components(self): return [self.a, self.b]
        ...     def _nest_rebuild(self, parts): return Pair(*parts)
        >>> nest.flatten([Pair(1, 2), 3])
        [1, 2, 3]
    """
    _COMPOSITES.add(cls)
    return cls


def _components(x: Any) -> list | None:
    """The tensors of a composite value, else None (a leaf)."""
    return x._nest_components() if type(x) in _COMPOSITES else None


def flatten(structure: Any) -> list:
    """The leaves of `structure`, depth first (dicts by sorted key)."""
    out: list = []
    stack = [structure]
    while stack:  # iterative: deep structures don't hit the recursion limit
        s = stack.pop()
        if isinstance(s, dict):
            stack.extend(s[k] for k in reversed(sorted(s)))
        elif _is_seq(s):
            stack.extend(reversed(s))
        elif type(s) in _COMPOSITES and (parts := s._nest_components()) is not None:
            out.extend(parts)
        else:
            out.append(s)
    return out


def pack_sequence_as(structure: Any, flat: list) -> Any:
    """`flat` arranged in the shape of `structure`."""
    it = iter(flat)

    def build(s: Any) -> Any:
        if isinstance(s, dict):
            built = {k: build(s[k]) for k in sorted(s)}  # leaves come in sorted-key order
            return {k: built[k] for k in s}
        if isinstance(s, tuple) and hasattr(s, "_fields"):
            return type(s)(*[build(v) for v in s])
        if _is_seq(s):
            return type(s)(build(v) for v in s)
        if (parts := _components(s)) is not None:
            return s._nest_rebuild([next(it) for _ in parts])
        return next(it)

    result = build(structure)
    rest = list(it)
    if rest:
        raise ValueError(f"pack_sequence_as: {len(rest)} values left over for the structure.")
    return result


def map_structure(fn: Callable, *structures: Any) -> Any:
    """`fn` applied leaf-wise over structures of the same shape."""
    flats = [flatten(s) for s in structures]
    if any(len(f) != len(flats[0]) for f in flats):
        raise ValueError("map_structure: the structures don't have the same number of leaves.")
    return pack_sequence_as(structures[0], [fn(*leaves) for leaves in zip(*flats)])


def is_nested(x: Any) -> bool:
    return _is_seq(x)

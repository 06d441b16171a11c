"""Backends: kernels are plain functions over a backend's arrays, found by primitive name.

Each backend is a table `{primitive name: kernel}`; `get_kernel(name, backend)` looks one
up. NumPy is the default backend and the one eager mode runs on; a second backend
registers its table with `register_backend` (the JAX backend lowers whole graphs, and
its table holds the functions it lowers each primitive with). No ember types live here.

Example:
    >>> import numpy as np
    >>> from ember.backend import get_kernel
    >>> get_kernel("add", "numpy")(np.array([1, 2]), np.array([3, 4]))
    array([4, 6])
"""

from __future__ import annotations

from typing import Callable, Mapping

from .numpy import KERNELS as _NUMPY_KERNELS

DEFAULT = "numpy"
_BACKENDS: dict[str, Mapping[str, Callable]] = {DEFAULT: _NUMPY_KERNELS}


def register_backend(name: str, kernels: Mapping[str, Callable]) -> None:
    """Makes `kernels` (primitive name -> function) the kernel table of backend `name`.

    Example:
        >>> from ember.backend import register_backend, get_kernel
        >>> register_backend("doc_example", {"add": lambda x, y: ("added", x, y)})
        >>> get_kernel("add", "doc_example")(1, 2)
        ('added', 1, 2)
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"register_backend: the name must be a non-empty string, received "
                         f"{name!r}.")
    _BACKENDS[name] = kernels


def backends() -> list[str]:
    """The names of the registered backends, the default first.

    Example:
        >>> from ember.backend import backends
        >>> backends()[0]
        'numpy'
    """
    return sorted(_BACKENDS, key=lambda n: (n != DEFAULT, n))


def get_kernel(name: str, backend: str = DEFAULT) -> Callable:
    """The kernel of primitive `name` in `backend` (default: NumPy)."""
    table = _BACKENDS.get(backend)
    if table is None:
        raise ValueError(f"Unknown backend {backend!r}; registered: {backends()}.")
    try:
        return table[name]
    except KeyError:
        raise NotImplementedError(
            f"The {backend} backend has no kernel for primitive {name!r}; add it to a "
            f"KERNELS table in ember/backend/{backend}/ (see docs/adding_a_primitive.md)."
        ) from None

"""Backends: kernels are plain functions over a backend's arrays, found by primitive name.

Each backend is a table `{primitive name: kernel}`; `get_kernel(name, backend)` looks one
up. NumPy is the default backend and the one eager mode runs on; a second backend
registers its table with `register_backend`. The JAX backend (`ember/backend/jax/`, the
optional extra `ember[jax]`) lowers whole graphs to one `jax.jit` function, and its table
holds the functions it lowers each primitive with; it is loaded only when asked for
(`set_backend("jax")`, the environment variable `EMBER_BACKEND=jax`, or a function
compiled with `jit_compile=True`). No ember types live here.

Example:
    >>> import numpy as np
    >>> from ember.backend import get_kernel
    >>> get_kernel("add", "numpy")(np.array([1, 2]), np.array([3, 4]))
    array([4, 6])
"""

from __future__ import annotations

import importlib
import os
from typing import Callable, Mapping

from .numpy import KERNELS as _NUMPY_KERNELS

DEFAULT = "numpy"
_BACKENDS: dict[str, Mapping[str, Callable]] = {DEFAULT: _NUMPY_KERNELS}
_LOADABLE = {"jax": "ember[jax] (pip install 'ember[jax]'; for NVIDIA GPUs 'ember[jax-cuda]')"}
_CURRENT = [DEFAULT]  # the backend ember.function graphs run on


def load(name: str) -> Mapping[str, Callable]:
    """The kernel table of backend `name`, importing its package the first time (so an
    optional backend costs nothing until asked for).

    Example:
        >>> from ember.backend import load
        >>> load("numpy")["add"].__name__
        'add'
    """
    table = _BACKENDS.get(name)
    if table is not None:
        return table
    if name not in _LOADABLE:
        raise ValueError(f"Unknown backend {name!r}; the backends are "
                         f"{sorted(set(_BACKENDS) | set(_LOADABLE))}.")
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except ImportError as e:
        if e.name is None or not e.name.startswith(name):
            raise
        raise ImportError(f"The {name} backend needs the `{name}` package, which is not "
                          f"installed ({e}). Install {_LOADABLE[name]}, or use the default "
                          f"NumPy backend.") from None
    _BACKENDS[name] = module.KERNELS
    return module.KERNELS


def set_backend(name: str) -> None:
    """Runs every graph `ember.function` compiles from now on (fit's steps and predict's
    too) on backend `name`: "numpy" (the default) or "jax" (XLA, on CPU or GPU).

    Example:
        >>> from ember.backend import set_backend, current
        >>> set_backend("numpy"); current()
        'numpy'
    """
    load(name)
    _CURRENT[0] = name


def current() -> str:
    """The backend graphs run on (`set_backend`, or `EMBER_BACKEND` at import)."""
    return _CURRENT[0]


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
        if backend not in _LOADABLE:
            raise ValueError(f"Unknown backend {backend!r}; registered: {backends()}.")
        table = load(backend)
    try:
        return table[name]
    except KeyError:
        raise NotImplementedError(
            f"The {backend} backend has no kernel for primitive {name!r}; add it to a "
            f"KERNELS table in ember/backend/{backend}/ (see docs/adding_a_primitive.md)."
        ) from None


if os.environ.get("EMBER_BACKEND", DEFAULT) != DEFAULT:
    set_backend(os.environ["EMBER_BACKEND"])

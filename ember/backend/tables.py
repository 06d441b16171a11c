"""Merging a backend's theme modules into its one kernel table.

Example:
    >>> from ember.backend.tables import merge_themes
    >>> table = merge_themes("ember.backend.numpy", ("math", "no_such_theme"))
    >>> table["add"].__name__
    'add'
"""

from __future__ import annotations

import importlib


def merge_themes(package: str, themes: tuple) -> dict:
    """`{primitive name: kernel}` from the `KERNELS` dicts of `package.<theme>` modules
    (a theme not written yet is skipped; a name defined twice is an error)."""
    kernels: dict = {}
    for theme in themes:
        try:
            module = importlib.import_module(f"{package}.{theme}")
        except ModuleNotFoundError as e:  # a theme not written yet
            if e.name != f"{package}.{theme}":
                raise
            continue
        for name, fn in module.KERNELS.items():
            if name in kernels:
                raise RuntimeError(f"kernel {name!r} is defined twice (in {theme})")
            kernels[name] = fn
    return kernels

"""The NumPy backend: one KERNELS table per theme, merged here."""

from __future__ import annotations

import importlib

KERNELS: dict = {}

for _theme in ("math", "array", "index", "gather", "sort", "linalg", "nn", "random",
               "extra", "conv", "strings", "records"):
    try:
        _mod = importlib.import_module(f"{__name__}.{_theme}")
    except ModuleNotFoundError as _e:  # a theme not written yet
        if _e.name != f"{__name__}.{_theme}":
            raise
        continue
    for _name, _fn in _mod.KERNELS.items():
        if _name in KERNELS:
            raise RuntimeError(f"kernel {_name!r} is defined twice (in {_theme})")
        KERNELS[_name] = _fn

"""The JAX backend: one KERNELS table per theme, merged here; each kernel lowers one
primitive with `jax.numpy` / `jax.lax`, with the NumPy kernel's signature (the same static
keyword params). Loaded only when asked for (`ember.backend.load("jax")`).

JAX runs with 64-bit types enabled (`jax_enable_x64`): ember's int64 indices and float64
tensors keep their dtypes, as on NumPy.

Example:
    >>> from ember.backend import load
    >>> kernels = load("jax")  # doctest: +SKIP
    >>> float(kernels["add"](1.0, 2.0))  # doctest: +SKIP
    3.0
"""

from __future__ import annotations

import importlib

import jax

jax.config.update("jax_enable_x64", True)

KERNELS: dict = {}

for _theme in ("math", "array", "index", "gather", "sort", "linalg", "nn", "random",
               "extra", "conv"):
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

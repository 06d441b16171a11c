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

import jax

from ..tables import merge_themes

jax.config.update("jax_enable_x64", True)

KERNELS: dict = merge_themes(__name__, ("math", "array", "index", "gather", "sort", "linalg",
                                        "nn", "batch_norm", "random", "extra", "conv", "depthwise",
                                        "special", "linalg_decomp", "signal", "nn_more",
                                        "top_more"))

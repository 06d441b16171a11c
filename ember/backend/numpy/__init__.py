"""The NumPy backend: one KERNELS table per theme, merged here."""

from __future__ import annotations

from ..tables import merge_themes
from . import allocator  # noqa: F401  (tunes glibc's malloc for array work; see there)

KERNELS: dict = merge_themes(__name__, ("math", "array", "index", "gather", "sort", "linalg",
                                        "nn", "batch_norm", "random", "extra", "conv",
                                        "conv_fused", "depthwise", "strings", "records", "text",
                                        "ragged", "special", "linalg_decomp", "signal",
                                        "nn_more", "top_more"))

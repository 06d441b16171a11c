"""glibc's malloc, tuned for array work when ember's NumPy backend loads.

By default glibc serves every allocation above 128 KiB (a threshold that rises only
slowly) with a fresh `mmap` and returns it to the system on `free`. A training step makes
and frees the same large temporaries every step, so each one comes back as new pages that
the kernel zero-fills on first touch: ~15,000 page faults per step of a small transformer,
about a fifth of its time (measured in benchmarks/RESULTS.md, issue 16). PyTorch avoids
this with its caching allocator; ember tunes glibc instead, so freed blocks stay in the
heap for the next step:

- `M_MMAP_THRESHOLD` 64 MiB: blocks below it come from the heap, which keeps and reuses
  them (larger ones are still mapped and unmapped, so a huge array returns its memory);
- `M_TRIM_THRESHOLD` 256 MiB: the heap gives memory back to the system only when more
  than this is free at its top;
- `M_TOP_PAD` 64 MiB: the heap grows in steps of this size.

So a process keeps up to ~256 MiB of freed memory for reuse. Set `EMBER_TUNE_MALLOC=0`
before importing ember to keep glibc's defaults; glibc's own `MALLOC_*_` variables, when
set, are left to rule. Other C libraries (musl, macOS, Windows) are not touched.

Example:
    >>> from ember.backend.numpy import allocator
    >>> allocator.TUNED in (True, False)
    True
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["TUNED", "tune_malloc"]

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_SETTINGS = ((_M_MMAP_THRESHOLD, 64 << 20), (_M_TRIM_THRESHOLD, 256 << 20),
             (_M_TOP_PAD, 64 << 20))
_USER_VARS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
              "MALLOC_ARENA_MAX")


def tune_malloc() -> bool:
    """Applies the settings above; returns whether glibc took them."""
    if os.environ.get("EMBER_TUNE_MALLOC", "1") == "0" or not sys.platform.startswith(
            "linux") or any(v in os.environ for v in _USER_VARS):
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
        gnu = libc.gnu_get_libc_version  # glibc only: musl has no such function
    except (OSError, AttributeError):
        return False
    del gnu
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return all(mallopt(param, value) == 1 for param, value in _SETTINGS)


TUNED = tune_malloc()

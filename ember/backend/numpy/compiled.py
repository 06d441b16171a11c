"""ember's optional C extensions (`_fused`, `_conv`): loading one, and the switch that
turns its loops off and on at run time.

A module that uses an extension keeps two globals: `_compiled`, the extension as built (or
None), and `_C`, what its kernels call now (None: the NumPy code). `load` gives the first;
`switch` makes the module's public `compiled_available()` and `use_compiled(enabled)`.
EMBER_NO_C_KERNELS=1 in the environment leaves every extension unloaded.

Example:
    >>> from ember.backend.numpy import compiled
    >>> compiled.load("_no_such_extension") is None
    True
"""

from __future__ import annotations

import ctypes
import importlib
import os
import re
import sys
from types import ModuleType
from typing import Callable


def load(name: str) -> ModuleType | None:
    """The extension `ember.backend.numpy.<name>`, or None where it was not built (no C
    compiler at install time) or EMBER_NO_C_KERNELS is set."""
    if os.environ.get("EMBER_NO_C_KERNELS"):
        return None
    try:
        return importlib.import_module(f"{__package__}.{name}")
    except ImportError:
        return None


def hand_blas(ext: ModuleType) -> bool:
    """Hands NumPy's OpenBLAS (the scipy-openblas of NumPy's wheels: CBLAS sgemm / dgemm
    with 64-bit ints and a thread-local thread count) to the extension's `set_blas`, so its
    GEMMs run on ember's threads. False where NumPy's BLAS is another (MKL, Accelerate, an
    OpenBLAS without these symbols) or not on Linux: ember then calls np.matmul."""
    if not sys.platform.startswith("linux") or os.environ.get("EMBER_NO_POOL_GEMM"):
        return False
    try:
        with open("/proc/self/maps") as f:
            paths = sorted(set(re.findall(r"(/\S*scipy_openblas64_\S*\.so\S*)", f.read())))
        lib = ctypes.CDLL(paths[0]) if paths else None
        names = ("scipy_cblas_sgemm64_", "scipy_cblas_dgemm64_",
                 "openblas_set_num_threads_local")
        addrs = [ctypes.cast(getattr(lib, n), ctypes.c_void_p).value for n in names]
    except (OSError, AttributeError, IndexError):
        return False
    return bool(ext.set_blas(*addrs))


def switch(namespace: dict, module: str) -> tuple[Callable, Callable]:
    """(compiled_available, use_compiled) for the module whose globals are `namespace`
    (holding `_compiled` and `_C`); `module` is its name, for the docstrings."""

    def compiled_available() -> bool:
        return namespace["_compiled"] is not None

    def use_compiled(enabled: bool) -> bool:
        if enabled and namespace["_compiled"] is None:
            raise RuntimeError("ember's compiled kernels are not built (no C compiler when "
                               "ember was installed, or EMBER_NO_C_KERNELS is set); the NumPy "
                               "kernels are in use.")
        before = namespace["_C"] is not None
        namespace["_C"] = namespace["_compiled"] if enabled else None
        return before

    compiled_available.__doc__ = f"Whether ember's compiled loops for {module} were built."
    use_compiled.__doc__ = (
        f"Turns {module}'s compiled loops on or off (for benchmarks and tests); returns the "
        f"previous setting. Turning them on where they were not built raises RuntimeError."
        f"\n\n    Example:\n        >>> from ember.backend.numpy import {module}\n"
        f"        >>> before = {module}.use_compiled(False)\n"
        f"        >>> {module}.use_compiled(before)\n        False\n")
    for fn in (compiled_available, use_compiled):  # theirs, for doctest and help()
        fn.__module__ = f"{__package__}.{module}"
        fn.__qualname__ = fn.__name__
    return compiled_available, use_compiled

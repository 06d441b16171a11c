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

import importlib
import os
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

"""The spec table of primitives: NumPy references and sample inputs for every primitive.

Each theme module defines `SPECS: dict[str, list[Case]]`, keyed by primitive name. The
registry test (tests/test_registry.py) fails for any registered primitive without a
spec, so a new primitive is tested the moment it is registered.

A `Case` holds the primitive's inputs as NumPy arrays (in bind order), its static params
(exactly as `bind` receives them), and an independent NumPy reference. Later issues reuse
the float64 cases for finite-difference gradient checks and traced == eager checks.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass
class Case:
    args: tuple
    ref: Callable[..., Any]
    params: dict = field(default_factory=dict)
    rtol: float = 1e-6
    atol: float = 1e-6
    # False for primitives whose outputs can't be compared by value (random ones); the
    # test then checks only shapes and dtypes.
    compare_values: bool = True
    # The input indices that are differentiable (float) inputs, for gradient checks.
    diff_args: tuple | None = None


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


THEMES = ("math", "reduce", "index", "array", "gather", "sort", "linalg", "nn", "random", "clip",
          "convert", "extra", "conv")


def all_specs() -> dict:
    specs: dict = {}
    for theme in THEMES:
        try:
            mod = importlib.import_module(f"tests.op_specs.{theme}_specs")
        except ModuleNotFoundError as e:
            if e.name != f"tests.op_specs.{theme}_specs":
                raise
            continue
        for name, cases in mod.SPECS.items():
            assert name not in specs, f"spec for {name!r} defined twice"
            specs[name] = cases
    return specs

"""The spec table of primitives: NumPy references and sample inputs for every primitive.

Each theme module defines `SPECS: dict[str, list[Case]]`, keyed by primitive name. The
registry test (tests/test_registry.py) fails for any registered primitive without a
spec, so a new primitive is tested the moment it is registered.

A `Case` holds the primitive's inputs as NumPy arrays (in bind order), its static params
(exactly as `bind` receives them), and an independent NumPy reference. Later issues reuse
the float64 cases for finite-difference gradient checks and traced == eager checks.

The fuzzer (tests/test_fuzz_registry.py) derives random variants of every case: new sizes
(zero-size dims included), other float dtypes, and special values (nan, inf, -inf, -0.0)
in float inputs. Three fields say how a case may vary: `vary`, `specials` and `invalid`.

The property test (tests/test_registry_shapes.py) draws random shapes with hypothesis:
any rank (0 to 4), sizes 0 to 4, broadcast-compatible pairs, valid axes; the `shapes`
field names the way it draws them for each case.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


SPECIALS = (np.nan, np.inf, -np.inf, -0.0)
NO_NAN = (np.inf, -np.inf, -0.0)  # where nan has no defined place (sorting, arg-extremes)


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
    # How the fuzzer may vary the case: "sizes" draws new sizes for every dim (equal sizes
    # stay equal and 1 stays 1, so broadcasting and contracted dims still fit; 0 is drawn
    # too) and new values; "values" keeps the shapes (the params or the values depend on
    # them, e.g. indices) and draws new float values; "none" changes only the float dtype.
    # Integer and bool inputs are redrawn from their own values under "sizes" only.
    vary: str = "sizes"
    # The special values the fuzzer may put into float inputs: fewer where the op's answer
    # is not defined for them (e.g. no nan where an order is computed).
    specials: tuple = SPECIALS
    # For variants TF rejects (e.g. top_k with k > n): `invalid(*args, **params)` is True,
    # and the fuzzer then expects an ember error naming the op instead of a value.
    invalid: Callable[..., bool] | None = None
    # How tests/test_registry_shapes.py draws new shapes for the case (hypothesis): the name
    # of one of its strategies ("elementwise": one shape for every input, "broadcast":
    # broadcast-compatible shapes, "reduce": a valid axis set, ...; see its STRATEGIES), or
    # None where the shapes can't vary freely (the reason: its SKIPPED table).
    shapes: str | None = None


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


THEMES = ("math", "reduce", "index", "array", "gather", "sort", "linalg", "nn", "batch_norm",
          "random", "clip", "convert", "extra", "conv", "depthwise", "strings", "text", "ragged",
          "special", "linalg_decomp", "signal", "nn_more", "top_more")


def _theme_modules():
    """(theme, its spec module) for each theme written so far."""
    for theme in THEMES:
        try:
            yield theme, importlib.import_module(f"tests.op_specs.{theme}_specs")
        except ModuleNotFoundError as e:
            if e.name != f"tests.op_specs.{theme}_specs":
                raise


def all_specs() -> dict:
    specs: dict = {}
    for _, mod in _theme_modules():
        for name, cases in mod.SPECS.items():
            assert name not in specs, f"spec for {name!r} defined twice"
            specs[name] = cases
    return specs


def all_shape_skips() -> dict:
    """The `SHAPE_SKIPS` of every theme module that has one ({reason: (primitive names)}):
    primitives whose cases can't draw new shapes with tests/test_registry_shapes.py's
    strategies, with the reason (merged into its SKIPPED table)."""
    return {f"{theme}: {reason}": (reason, tuple(names))
            for theme, mod in _theme_modules()
            for reason, names in getattr(mod, "SHAPE_SKIPS", {}).items()}


def varying(cases: list, **fields: Any) -> list:
    """`cases` with the same fuzzing fields set on each, e.g. varying(cases, vary="values")."""
    for c in cases:
        for k, v in fields.items():
            setattr(c, k, v)
    return cases

"""Walks the primitive registry: every primitive has a gradient rule (or is declared to
have none), and each rule matches central finite differences in float64, in a random
direction, on the float64 cases of the spec table."""

from __future__ import annotations

import numpy as np
import pytest

import ember  # noqa: F401 - registers every primitive
from ember.core.registry import PRIMITIVES
from tests.gradcheck import check_vjp
from tests.helpers import diff_indices
from tests.op_specs import all_specs

SPECS = all_specs()


CASES = [(name, i, case) for name, cases in sorted(SPECS.items())
         for i, case in enumerate(cases) if diff_indices(case)]


def test_every_primitive_has_a_gradient_rule():
    missing = sorted(n for n, p in PRIMITIVES.items() if p.vjp is None)
    assert not missing, (f"primitives without a gradient rule (defvjp) or a no_gradient "
                         f"declaration: {missing}")


@pytest.mark.parametrize("name,i,case", CASES, ids=[f"{n}-{i}" for n, i, _ in CASES])
def test_gradient_matches_finite_differences(name, i, case):
    rng = np.random.default_rng(abs(hash((name, i))) % 2**32)
    arrays = [np.array(a, copy=True) for a in case.args]
    check_vjp(PRIMITIVES[name], arrays, case.params, diff_indices(case), rng, name)

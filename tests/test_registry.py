"""Walks the primitive registry: every primitive against its NumPy reference, and its
shape/dtype rule against the actual output (also with an unknown leading dim)."""

from __future__ import annotations

import numpy as np
import pytest

import ember  # noqa: F401 - registers every primitive
from ember.core.registry import PRIMITIVES, bind
from ember.core.dtypes import BY_NP
from ember.core.shape import TensorSpec
from ember.core.tensor import wrap
from tests.op_specs import all_specs

SPECS = all_specs()
CASES = [(name, i, case) for name, cases in sorted(SPECS.items())
         for i, case in enumerate(cases)]


def test_every_primitive_has_a_spec():
    missing = sorted(n for n in set(PRIMITIVES) - set(SPECS)
                     if not PRIMITIVES[n].higher_order and not PRIMITIVES[n].effect)
    assert not missing, f"primitives without a spec in tests/op_specs: {missing}"


def test_every_spec_names_a_primitive():
    unknown = sorted(set(SPECS) - set(PRIMITIVES))
    assert not unknown, f"specs for unregistered primitives: {unknown}"


def _outputs(out):
    return list(out) if isinstance(out, tuple) else [out]


@pytest.mark.parametrize("name,i,case", CASES, ids=[f"{n}-{i}" for n, i, _ in CASES])
def test_primitive_matches_numpy_and_rule(name, i, case):
    prim = PRIMITIVES[name]
    args = [np.asarray(a) for a in case.args]
    out = _outputs(bind(prim, *[wrap(a) for a in args], **case.params))
    want = _outputs(case.ref(*[a.copy() for a in args], **case.params))
    assert len(out) == len(want)
    for o, w in zip(out, want):
        w = np.asarray(w)
        got = np.asarray(o._value)
        assert got.dtype == w.dtype, f"{name}: dtype {got.dtype}, reference {w.dtype}"
        assert got.shape == w.shape, f"{name}: shape {got.shape}, reference {w.shape}"
        if case.compare_values:
            if got.dtype.kind in "fc":  # complex too: nearly equal, as floats
                np.testing.assert_allclose(got, w, rtol=case.rtol, atol=case.atol)
            else:
                np.testing.assert_array_equal(got, w)
    # the rule on exact specs gives exactly the output specs
    specs = [TensorSpec(a.shape, BY_NP[a.dtype]) for a in args]
    ruled = _outputs(prim.abstract_eval(*specs, **case.params))
    for r, o in zip(ruled, out):
        assert r.dtype == o.dtype, f"{name}: rule dtype {r.dtype}, actual {o.dtype}"
        assert r.shape.is_compatible_with(o.shape), (
            f"{name}: rule shape {r.shape}, actual {o.shape}")
        if r.shape.rank is not None and None not in tuple(r.shape):
            assert tuple(r.shape) == tuple(o.shape)
    # with the leading dim of input 0 unknown, the rule stays compatible
    if args and args[0].ndim >= 1:
        specs[0] = TensorSpec((None,) + args[0].shape[1:], BY_NP[args[0].dtype])
        try:
            ruled = _outputs(prim.abstract_eval(*specs, **case.params))
        except (TypeError, ValueError):
            return  # some rules need every dim (e.g. static sizes); that is allowed
        for r, o in zip(ruled, out):
            assert r.shape.is_compatible_with(o.shape), (
                f"{name}: rule with unknown batch gives {r.shape}, actual {o.shape}")

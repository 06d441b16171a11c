"""Fuzzes every registered primitive from its spec cases (tests/op_specs).

For each case the fuzzer derives seeded random variants, twice over (`KINDS`):
- "zero": new sizes with one of them 0 (where the case's `vary` is "sizes"),
- "finite": new sizes and float64 values, no special values,
- "special" (two): new sizes, a random float dtype the primitive accepts, and special
  values (the case's `specials`: nan, inf, -inf, -0.0 unless fewer) in float inputs.
Complex inputs vary between complex64 and complex128 as float inputs between float dtypes
(complex128 in "finite" variants, for the gradient check), and get no special values:
nan/inf in complex arithmetic has no one TF answer to compare with (C99's rules differ
from NumPy's). Complex outputs are compared by real and imaginary parts.
Each variant's values are checked against the case's NumPy reference (nan positions must
match), its output specs against the primitive's shape rule, and, for the float64 finite
variants, its gradient against central finite differences (tests/gradcheck.py). Where TF
rejects a variant (the case's `invalid`), an ember error naming the primitive is expected.

The walk fails for any registered primitive that has no spec and no reasoned exemption
below, and for any primitive with no zero-size input or output among its cases' variants.
"""

from __future__ import annotations

import warnings
import zlib

import numpy as np
import pytest

import ember  # noqa: F401 - registers every primitive
from ember.core.dtypes import BY_NP
from ember.core.errors import DTypeError, OpError
from ember.core.registry import PRIMITIVES, Primitive, bind
from ember.core.shape import TensorSpec
from ember.core.tensor import wrap
from tests.gradcheck import check_vjp
from tests.helpers import diff_indices, redraw_like
from tests.op_specs import Case, all_specs

SPECS = all_specs()

# Registered primitives the fuzzer does not cover, each with its reason. Each also runs on
# zero-size tensors in tests/test_zero_size.py.
EXEMPT = {
    "cond": "higher-order: its params are sub-graphs (tests/test_control_flow.py)",
    "while_loop": "higher-order: its params are sub-graphs (tests/test_control_flow.py)",
    "while_grad": "higher-order: the gradient of while_loop (tests/test_control_flow.py)",
    "cond_effect": "higher-order: cond whose branches print or call Python (test_autograph)",
    "while_effect": "higher-order: while_loop whose body prints or calls Python (test_autograph)",
    "py_func": "effect: runs a user's Python function (tests/test_py_ops.py)",
    "debug_check": "effect: asserts on values as a graph runs (tests/test_debug_ops.py)",
    "debug_print": "effect: prints as a graph runs (tests/test_debug_ops.py)",
    "fused_update": "effect: updates Variables in place (tests/test_state_ops.py)",
}

# Primitives over one scalar by definition, which have no zero-size form (each rejects a
# non-scalar input in its shape rule).
NO_ZERO_SIZE = {
    "read_file": "its input is one file name, a scalar string (tests/io/test_io_files.py)",
    "decode_image": "its input is one encoded image, a scalar string; an image has pixels",
    "encode_image": "image files can't hold an image with no pixels (Pillow refuses, as TF)",
}

FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
COMPLEXES = (np.dtype(np.complex64), np.dtype(np.complex128))
# Extra tolerance per float dtype, for references computed at another precision.
DTYPE_TOL = {np.dtype(np.float16): 2e-2, np.dtype(np.float32): 2e-5, np.dtype(np.float64): 0.0}
KINDS = ("zero", "finite", "special", "special") * 2
MAX_SIZE = 5


def _seed(*parts) -> int:
    return zlib.crc32(repr(parts).encode())


def _outputs(out) -> list:
    return list(out) if isinstance(out, tuple) else [out]


# -- drawing variants --------------------------------------------------------------------

def _new_sizes(arrays: list, rng: np.random.Generator, zero: bool) -> dict | None:
    """A map old size -> new size for every size other than 1 (equal sizes stay equal);
    with `zero`, one of them becomes 0. None when no size can change."""
    sizes = sorted({d for a in arrays for d in a.shape if d != 1})
    if not sizes:
        return None
    new = {d: int(rng.integers(1, MAX_SIZE + 1)) for d in sizes}
    if zero:
        new[sizes[int(rng.integers(len(sizes)))]] = 0
    return new


def _accepted_dtypes(prim: Primitive, case: Case, args: list, kind: str,
                     candidates: tuple) -> list:
    """The dtypes among `candidates` that the primitive's shape rule accepts for the case's
    inputs of NumPy kind `kind` ('f' or 'c'), the other inputs kept as they are."""
    ok = []
    for dt in candidates:
        specs = [TensorSpec(a.shape, BY_NP[dt if a.dtype.kind == kind else a.dtype])
                 for a in args]
        try:
            prim.abstract_eval(*specs, **case.params)
        except (DTypeError, TypeError):
            continue
        except Exception:  # noqa: BLE001 - a complaint about something else than dtypes
            pass
        if kind == "c" or prim.allowed is None or dt in prim.allowed or \
                args[0].dtype.kind != "f":
            ok.append(dt)
    return ok


def _inject(a: np.ndarray, specials: tuple, rng: np.random.Generator) -> np.ndarray:
    """`a` with each special value at a random position (as far as its size allows) and
    about a quarter of the other elements set to random special values too."""
    if not specials or a.size == 0:
        return a
    picks = np.asarray(specials, np.float64)[rng.integers(len(specials), size=a.shape)]
    mask = rng.random(a.shape) < 0.25
    first = rng.permutation(a.size)[:len(specials)]
    picks.flat[first] = np.asarray(specials, np.float64)[:first.size]
    mask.flat[first] = True
    return np.where(mask, picks, a).astype(a.dtype)


def make_variant(prim: Primitive, case: Case, kind: str,
                 rng: np.random.Generator) -> list | None:
    """The inputs of one variant of `case`, or None where the case has no such variant."""
    args = [np.asarray(a) for a in case.args]
    if case.vary == "sizes":
        sizes = _new_sizes(args, rng, kind == "zero")
        if sizes is None and kind == "zero":
            return None
        sizes = sizes or {}
        args = [redraw_like(a, tuple(sizes.get(d, d) for d in a.shape), rng) for a in args]
    elif kind == "zero":
        return None  # the spec lists this primitive's zero-size cases itself
    elif case.vary == "values":
        args = [redraw_like(a, a.shape, rng) if a.dtype.kind == "f" else a for a in args]
    floats = {a.dtype for a in args if a.dtype.kind == "f"}
    if len(floats) == 1:  # one float dtype throughout: it may change
        if kind == "special":
            dtypes = _accepted_dtypes(prim, case, args, "f", FLOATS)
            dt = dtypes[int(rng.integers(len(dtypes)))] if dtypes else floats.pop()
        else:
            dt = np.dtype(np.float64)
        args = [a.astype(dt) if a.dtype.kind == "f" else a for a in args]
    complexes = {a.dtype for a in args if a.dtype.kind == "c"}
    if len(complexes) == 1:  # the same for one complex dtype: complex64 or complex128
        dt = np.dtype(np.complex128)
        if kind == "special":
            dtypes = _accepted_dtypes(prim, case, args, "c", COMPLEXES)
            dt = dtypes[int(rng.integers(len(dtypes)))] if dtypes else complexes.pop()
        args = [a.astype(dt) if a.dtype.kind == "c" else a for a in args]
    if kind == "special" and case.vary != "none":
        args = [_inject(a, case.specials, rng) if a.dtype.kind == "f" else a for a in args]
    return args


# -- checks ------------------------------------------------------------------------------

def _reference(case: Case, args: list) -> list:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [np.asarray(w) for w in _outputs(case.ref(*[a.copy() for a in args],
                                                         **case.params))]


def _close(what: str, got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> None:
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, reference {want.dtype}"
    assert got.shape == want.shape, f"{what}: shape {got.shape}, reference {want.shape}"
    if got.dtype.kind == "c":  # by parts, each as a float of the complex's precision
        real = np.dtype(np.float32) if got.dtype == np.complex64 else np.dtype(np.float64)
        for part in ("real", "imag"):
            _close(f"{what} ({part} part)", getattr(got, part).astype(real),
                   getattr(want, part).astype(real), rtol, atol)
        return
    if got.dtype.kind != "f":
        np.testing.assert_array_equal(got, want, err_msg=what)
        return
    tol = DTYPE_TOL.get(got.dtype, 0.0)
    np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64),
                               rtol=max(rtol, tol), atol=max(atol, tol), equal_nan=True,
                               err_msg=f"{what} (nan positions must match)")


def check_variant(name: str, case: Case, args: list, what: str) -> list:
    """Runs the variant; checks values, dtypes and shapes against the reference and the
    shape rule (or the ember error where TF raises). Returns the outputs' shapes."""
    prim = PRIMITIVES[name]
    if case.invalid is not None and case.invalid(*args, **case.params):
        with pytest.raises((OpError, DTypeError, ValueError)) as info:
            bind(prim, *[wrap(a) for a in args], **case.params)
        assert name in str(info.value), f"{what}: the error does not name {name}: {info.value}"
        return []
    try:
        outs = [np.asarray(o._value) for o in _outputs(
            bind(prim, *[wrap(a) for a in args], **case.params))]
    except (OpError, DTypeError, ValueError) as exc:
        pytest.fail(f"{what}: raised {type(exc).__name__}: {exc}")
    want = _reference(case, args)
    assert len(outs) == len(want), f"{what}: {len(outs)} outputs, reference {len(want)}"
    for j, (o, w) in enumerate(zip(outs, want)):
        if case.compare_values:
            _close(f"{what} output {j}", o, w, case.rtol, case.atol)
        else:
            assert (o.dtype, o.shape) == (w.dtype, w.shape), f"{what} output {j}"
    specs = [TensorSpec(a.shape, BY_NP[a.dtype]) for a in args]
    for j, (r, o) in enumerate(zip(_outputs(prim.abstract_eval(*specs, **case.params)),
                                   outs)):
        assert r.dtype._np == o.dtype and r.shape.is_compatible_with(o.shape), (
            f"{what} output {j}: the shape rule gives {r}, the kernel {o.dtype}{o.shape}")
    return [o.shape for o in outs]


def _is_zero_size(args: list, shapes: list) -> bool:
    return any(0 in np.shape(a) for a in args) or any(0 in s for s in shapes)


def fuzz_case(name: str, i: int, case: Case) -> bool:
    """Checks every variant of one case; True if some variant (or the case) is zero-size."""
    prim = PRIMITIVES[name]
    zero = False
    for k, kind in enumerate(KINDS):
        rng = np.random.default_rng(_seed(name, i, k))
        args = make_variant(prim, case, kind, rng)
        if args is None:
            continue
        what = f"{name} case {i} variant {k} ({kind}: " + ", ".join(
            f"{a.dtype}{list(a.shape)}" for a in args) + ")"
        shapes = check_variant(name, case, args, what)
        zero = zero or _is_zero_size(args, shapes)
        rejected = case.invalid is not None and case.invalid(*args, **case.params)
        diff = diff_indices(Case(tuple(args), case.ref, diff_args=case.diff_args))
        if kind != "special" and diff and not rejected:
            check_vjp(prim, args, case.params, diff, rng, what)
    args = [np.asarray(a) for a in case.args]
    return zero or (case.invalid is None and _is_zero_size(args, []))


# -- the walk ----------------------------------------------------------------------------

def test_every_primitive_is_fuzzed_or_exempt():
    uncovered = sorted(set(PRIMITIVES) - set(SPECS) - set(EXEMPT))
    assert not uncovered, (f"primitives neither fuzzed (no spec in tests/op_specs) nor "
                           f"exempt with a reason in tests/test_fuzz_registry.py: {uncovered}")
    stale = sorted(n for n in EXEMPT if n not in PRIMITIVES or n in SPECS)
    assert not stale, f"exemptions for unregistered or fuzzed primitives: {stale}"
    assert all(len(reason) > 10 for reason in EXEMPT.values())


@pytest.mark.parametrize("name", sorted(SPECS))
def test_fuzz_primitive(name):
    zero = [fuzz_case(name, i, case) for i, case in enumerate(SPECS[name])]
    assert any(zero) or name in NO_ZERO_SIZE, (
        f"{name}: no case or variant has a zero-size input or output; give "
                       f"a case vary='sizes', or add a zero-size case to its spec")


# -- the fuzzer can fail -------------------------------------------------------------------

def test_fuzzer_catches_wrong_values_gradients_and_zero_size_failures(monkeypatch):
    relu = PRIMITIVES["relu"]
    case = SPECS["relu"][0]
    # a reference that sends nan to 0 (relu6's old bug, seen from the other side)
    wrong = Case(case.args, lambda x: np.where(x > 0, x, 0).astype(x.dtype))
    with pytest.raises(AssertionError, match="nan"):
        fuzz_case("relu", 0, wrong)
    # a gradient rule 0.1% off
    sin = PRIMITIVES["sin"]
    rule = sin.vjp
    monkeypatch.setattr(sin, "vjp", lambda g, ins, out: tuple(
        ember.multiply(r, 1.001) for r in rule(g, ins, out)))
    with pytest.raises(AssertionError, match="finite differences"):
        fuzz_case("sin", 0, SPECS["sin"][0])
    # a kernel that fails only when a dim is 0
    kernel = relu.kernel
    monkeypatch.setattr(relu, "kernel", lambda x: kernel(x) if x.size else x.reshape(-1, 0))
    with pytest.raises(pytest.fail.Exception, match="zero"):
        fuzz_case("relu", 0, case)

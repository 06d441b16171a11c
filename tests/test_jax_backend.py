"""The JAX backend (issue 14): every primitive lowers under jax.jit and gives the NumPy
backend's values and gradients, or is listed here with the reason it can't (yet).

Skipped where jax is not installed (the test extra installs it, so CI runs it).
"""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import ember as tf  # noqa: E402
from ember import backend  # noqa: E402
from ember.core.registry import PRIMITIVES, bind  # noqa: E402
from ember.core.tensor import wrap  # noqa: E402
from tests.op_specs import all_specs  # noqa: E402

KERNELS = backend.load("jax")

# Primitives with no JAX lowering, each with its reason. The test below fails for one that
# is listed but lowers, and for one that neither lowers nor is listed: the list only
# shrinks.
NOT_LOWERED = {
    "where_index": "its output's length depends on the values (XLA needs static shapes)",
    "unique": "its output's length depends on the values (XLA needs static shapes)",
    "bincount": "its output's length depends on the values (XLA needs static shapes)",
    "string_to_number": "strings have no XLA type", "string_length": "strings",
    "as_string": "strings", "string_join": "strings", "string_split": "strings",
    "decode_image": "file formats run on the host", "encode_image": "host",
    "read_file": "host", "decode_csv": "host", "parse_example": "host",
    "debug_check": "not lowered yet: a host callback (io_callback) is planned",
    "debug_print": "not lowered yet: jax.debug.print is planned",
    "py_func": "not lowered yet: a host callback (io_callback) is planned",
    "while_grad": "not lowered yet: the gradient of a traced while_loop",
}
HOST_ONLY = set(NOT_LOWERED) - {"debug_check", "debug_print", "py_func", "while_grad",
                                 "bincount"}

# Inputs that are shapes: XLA compiles for static shapes, so in a real graph they are
# computed from `ember.shape(x)` and constants (concrete when the graph is lowered); here
# they are captured as constants instead of being passed as arguments.
STATIC_INPUTS = {name: {1} for name in (
    "reshape_dynamic", "broadcast_to_dynamic", "random_uniform_dynamic",
    "random_normal_dynamic", "random_truncated_normal_dynamic", "random_bits_dynamic")}

SPECS = all_specs()
CASES = [(n, i, c) for n, cs in sorted(SPECS.items()) for i, c in enumerate(cs)
         if n not in NOT_LOWERED and n in PRIMITIVES]


def test_every_primitive_lowers_or_is_listed():
    higher = {"cond", "cond_effect", "while_loop", "while_effect", "fused_update"}
    missing = sorted(set(PRIMITIVES) - set(KERNELS) - set(NOT_LOWERED) - higher)
    assert not missing, f"primitives with no JAX kernel and no reason: {missing}"
    stale = sorted(n for n in NOT_LOWERED if n in KERNELS)
    assert not stale, f"listed as not lowered, but they have a JAX kernel: {stale}"


def _tol(dtype) -> dict:
    if np.dtype(dtype) in (np.float64, np.complex128):
        return {"rtol": 1e-10, "atol": 1e-12}
    return {"rtol": 2e-5, "atol": 1e-6}


def _check(eager, jitted):
    for e, j in zip(eager if isinstance(eager, tuple) else (eager,),
                    jitted if isinstance(jitted, tuple) else (jitted,)):
        assert e.dtype == j.dtype and e.shape == j.shape, (e, j)
        a, b = e.numpy(), j.numpy()
        if a.dtype.kind in "fc":
            np.testing.assert_allclose(b, a, equal_nan=True, **_tol(a.dtype))
        else:
            np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize("name,i,case", CASES, ids=[f"{n}-{i}" for n, i, _ in CASES])
def test_jitted_equals_numpy_for_every_primitive(name, i, case):
    prim = PRIMITIVES[name]
    args = [wrap(np.array(a, copy=True)) for a in case.args]
    eager = bind(prim, *args, **case.params)
    static = STATIC_INPUTS.get(name, set())

    def with_static(xs: tuple) -> list:
        it = iter(xs)
        return [args[k] if k in static else next(it) for k in range(len(args))]
    passed = [a for k, a in enumerate(args) if k not in static]
    jitted = tf.function(lambda *xs: bind(prim, *with_static(xs), **case.params),
                         jit_compile=True)(*passed)
    if not case.compare_values:  # random: the same shapes and dtypes
        for e, j in zip(eager if isinstance(eager, tuple) else (eager,),
                        jitted if isinstance(jitted, tuple) else (jitted,)):
            assert e.dtype == j.dtype and e.shape == j.shape
        return
    _check(eager, jitted)
    diff = [k for k, a in enumerate(case.args) if np.asarray(a).dtype == np.float64
            and (case.diff_args is None or k in case.diff_args)]
    if not diff:
        return

    def grads(*xs):
        xs = with_static(xs) if len(xs) < len(args) else xs
        with tf.GradientTape() as tape:
            for k in diff:
                tape.watch(xs[k])
            out = bind(prim, *xs, **case.params)
            outs = out if isinstance(out, tuple) else (out,)
            loss = tf.add_n([tf.reduce_sum(o * 1.5) for o in outs if o.dtype.is_floating]
                            or [tf.constant(0.0, tf.float64)])
        return tape.gradient(loss, [xs[k] for k in diff])

    for ge, gj in zip(grads(*args), tf.function(grads, jit_compile=True)(*passed)):
        assert (ge is None) == (gj is None)
        if ge is not None:
            _check(ge, gj)


@pytest.mark.parametrize("name", sorted(HOST_ONLY & set(PRIMITIVES)))
def test_a_primitive_without_lowering_names_itself(name):
    from ember.core.graph import Eqn, Graph
    from ember.core.xla import _Lowering
    eqn = Eqn(PRIMITIVES[name], [], {}, [])
    with pytest.raises(NotImplementedError, match=f"no lowering for primitive '{name}'"):
        _Lowering(Graph()).kernel(eqn)

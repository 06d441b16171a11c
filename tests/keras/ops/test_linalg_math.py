"""keras.ops products, linear algebra and FFT/signal math against real Keras 3 (NumPy
backend): `ember/keras/ops/_linalg_math*.py`."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from tests.keras3_oracle import assert_same, check_op, keras3

ops = keras.ops
RNG = np.random.default_rng(0)


def rand(*shape, dtype="float32"):
    return RNG.standard_normal(shape).astype(dtype)


def ints(*shape, dtype="int32"):
    return RNG.integers(-4, 5, shape).astype(dtype)


def spd(*shape, dtype="float32"):
    """Symmetric positive-definite matrices of shape (..., n, n)."""
    a = RNG.standard_normal(shape)
    n = shape[-1]
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


def lower_tri(*shape, dtype="float32"):
    a = np.tril(RNG.standard_normal(shape))
    return (a + 3 * np.eye(shape[-1])).astype(dtype)


def numeric_grad(f, x, eps=1e-6):
    """Central finite difference of the scalar f at the float64 array x."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up) - f(down)) / (2 * eps)
    return g


def tape_grad(f, x):
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = f(v)
    return tape.gradient(y, v).numpy()


# -- products ------------------------------------------------------------------------

PRODUCTS = [
    ("matmul", (rand(2, 3), rand(3, 4)), {}),
    ("matmul", (rand(5, 2, 3), rand(3, 4)), {}),  # batch broadcast
    ("matmul", (rand(3), rand(2, 3, 4)), {}),  # 1-D operand
    ("matmul", (rand(2, 3), rand(3)), {}),
    ("matmul", (ints(2, 3, dtype="int8"), ints(3, 2, dtype="int8")), {}),  # int32 out
    ("matmul", (ints(2, 3), rand(3, 2, dtype="float16")), {}),
    ("matmul", (ints(2, 3, dtype="uint8") % 2, ints(3, 2, dtype="int16")), {}),
    ("matmul", (rand(2, 3, dtype="float64"), rand(3, 2, dtype="float64")), {}),
    ("dot", (rand(2, 3), rand(3, 4)), {}),
    ("dot", (rand(2, 3, 4), rand(5, 4, 2)), {}),
    ("dot", (rand(2, 3), rand(3)), {}),
    ("dot", (rand(3), 2.0), {}),
    ("dot", (ints(2, 3, dtype="int8"), ints(3, dtype="int8")), {}),
    ("inner", (rand(2, 3), rand(4, 3)), {}),
    ("inner", (ints(3), ints(3, dtype="int16")), {}),
    ("inner", (rand(3), 1.5), {}),
    ("outer", (rand(3), rand(2, 2)), {}),
    ("outer", (ints(3, dtype="uint8"), ints(2, dtype="int8")), {}),
    ("kron", (rand(2, 3), rand(2, 2)), {}),
    ("kron", (ints(2), ints(2, 3)), {}),
    ("kron", (rand(2, 1, 2), rand(3)), {}),
    ("tensordot", (rand(2, 3, 4), rand(3, 4, 5)), {}),
    ("tensordot", (rand(2, 3), rand(3, 4)), {"axes": 1}),
    ("tensordot", (rand(2, 3, 4), rand(4, 2)), {"axes": [[0], [1]]}),
    ("tensordot", (ints(2, 3), ints(3, 2, dtype="int8")), {"axes": 1}),
    ("tensordot", (rand(2), rand(3)), {"axes": 0}),
    ("vdot", (rand(2, 3), rand(3, 2)), {}),
    ("vdot", (ints(4), ints(4)), {}),
    ("cross", (rand(4, 3), rand(4, 3)), {}),
    ("cross", (rand(4, 2), rand(4, 3)), {}),
    ("cross", (rand(2), rand(2)), {}),
    ("cross", (rand(5, 2), rand(5, 2)), {}),
    ("cross", (rand(3, 4), rand(3, 4)), {"axisa": 0, "axisb": 0, "axisc": 0}),
    ("cross", (rand(3, 2), rand(4, 3, 1)), {"axis": 1}),
    ("cross", (ints(3), ints(3, dtype="int8")), {}),
    ("correlate", (rand(6), rand(3)), {}),
    ("correlate", (rand(6), rand(3)), {"mode": "same"}),
    ("correlate", (rand(6), rand(4)), {"mode": "same"}),
    ("correlate", (rand(5), rand(3)), {"mode": "full"}),
    ("correlate", (rand(3), rand(5)), {"mode": "valid"}),
    ("correlate", (rand(3), rand(6)), {"mode": "same"}),
    ("correlate", (rand(2), rand(5)), {"mode": "full"}),
    ("correlate", (ints(5), ints(3)), {}),
    ("correlate", (ints(5, dtype="int64"), ints(2, dtype="int64")), {}),
    ("cdist", (rand(4, 3), rand(5, 3)), {}),
    ("cdist", (rand(2, 4, 3), rand(2, 5, 3)), {}),
    ("cdist", (rand(4, 3, dtype="float64"), rand(2, 3, dtype="float64")), {}),
]


@pytest.mark.parametrize("name,args,kwargs", PRODUCTS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(PRODUCTS)])
def test_products(name, args, kwargs):
    check_op(name, *args, rtol=1e-4, atol=1e-4, **kwargs)


@pytest.mark.parametrize("eq,shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ij->", [(2, 3)]),
    ("...ij,...jk", [(5, 2, 3), (3, 2)]),
    ("i,i,i->", [(3,), (3,), (3,)]),
])
def test_einsum(eq, shapes):
    check_op("einsum", eq, *[rand(*s) for s in shapes], rtol=1e-4, atol=1e-5)


def test_einsum_dtypes():
    check_op("einsum", "ij,jk->ik", ints(2, 3, dtype="int8"), ints(3, 2, dtype="int8"))
    check_op("einsum", "ij,jk->ik", ints(2, 3, dtype="int8"), ints(3, 2, dtype="int16"))
    check_op("einsum", "ij,jk->ik", ints(2, 3), rand(3, 2, dtype="float16"), rtol=1e-2,
             atol=1e-2)


def test_bool_products():
    a = RNG.integers(0, 2, (2, 3)).astype(bool)
    b = RNG.integers(0, 2, (3, 2)).astype(bool)
    for name in ("matmul", "dot", "tensordot", "outer", "kron"):
        check_op(name, a, b) if name != "tensordot" else check_op(name, a, b, axes=1)


def test_complex_views():
    check_op("view_as_real", (rand(2, 3) + 1j * rand(2, 3)).astype("complex64"),
             symbolic=False)
    check_op("view_as_complex", rand(2, 3, 2), symbolic=False)
    x = rand(4, 2)
    back = ops.view_as_real(ops.view_as_complex(x))
    assert_same(back, x)
    # symbolic: a functional model over view_as_complex -> view_as_real
    inp = keras.Input(batch_shape=(4, 2))
    model = keras.Model(inp, ops.view_as_real(ops.view_as_complex(inp)))
    assert_same(model(x), x)


def test_products_gradients():
    a, b = rand(3, 4, dtype="float64"), rand(4, 2, dtype="float64")
    w = rand(3, 2, dtype="float64")
    got = tape_grad(lambda v: tf.reduce_sum(ops.matmul(v, b) * w), a)
    np.testing.assert_allclose(got, w @ b.T, rtol=1e-10)
    x, y = rand(3, dtype="float64"), rand(3, dtype="float64")
    got = tape_grad(lambda v: tf.reduce_sum(ops.cross(v, y) ** 2), x)
    want = numeric_grad(lambda v: np.sum(np.cross(v, y) ** 2), x)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    s, k = rand(7, dtype="float64"), rand(3, dtype="float64")
    got = tape_grad(lambda v: tf.reduce_sum(ops.correlate(v, k, mode="same") ** 2), s)
    want = numeric_grad(lambda v: np.sum(np.correlate(v, k, mode="same") ** 2), s)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    p, q = rand(4, 3, dtype="float64"), rand(5, 3, dtype="float64")
    got = tape_grad(lambda v: tf.reduce_sum(ops.cdist(v, q)), p)
    want = numeric_grad(
        lambda v: np.sum(np.sqrt(((v[:, None] - q[None]) ** 2).sum(-1))), p)
    np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("call,error,match", [
    (lambda: ops.matmul(np.ones((2, 3)), np.ones((4, 2))), Exception, "matmul"),
    (lambda: ops.matmul(np.ones(()), np.ones((2, 2))), ValueError, "scalars"),
    (lambda: ops.cross(np.ones(4), np.ones(3)), ValueError, "2 or 3"),
    (lambda: ops.cross(np.ones(3, bool), np.ones(3, bool)), TypeError, "boolean"),
    (lambda: ops.correlate(np.ones((2, 2)), np.ones(2)), ValueError, "1-D"),
    (lambda: ops.correlate(np.ones(3), np.ones(2), mode="middle"), ValueError, "mode"),
    (lambda: ops.cdist(np.ones(3), np.ones((2, 3))), ValueError, "rank >= 2"),
    (lambda: ops.cdist(np.ones((2, 3)), np.ones((2, 4))), ValueError, "last dimensions"),
    (lambda: ops.einsum(3, np.ones(2)), TypeError, "subscripts"),
    (lambda: ops.view_as_complex(np.ones((2, 3))), ValueError, "last dimension must be 2"),
    (lambda: ops.view_as_real(np.ones((2, 2))), ValueError, "complex"),
])
def test_product_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- linear algebra ------------------------------------------------------------------

LINALG = [
    ("det", (rand(3, 3),), {}),
    ("det", (rand(2, 4, 4, dtype="float64"),), {}),
    ("det", (ints(3, 3),), {}),
    ("det", (np.array([[1.0, 2.0], [2.0, 4.0]], "float32"),), {}),  # singular
    ("det", (np.array([[0.0, 1.0, 2.0], [0.0, 3.0, 1.0], [0.0, 2.0, 5.0]], "float32"),), {}),
    ("inv", (spd(3, 3),), {}),
    ("inv", (rand(2, 4, 4, dtype="float64") + 3 * np.eye(4),), {}),
    ("solve", (spd(3, 3), rand(3, 2)), {}),
    ("solve", (spd(3, 3), rand(3)), {}),
    ("solve", (spd(2, 3, 3, dtype="float64"), rand(2, 3, 1, dtype="float64")), {}),
    ("solve", (rand(4, 4) + 4 * np.eye(4, dtype="float32"), ints(4, 2)), {}),
    ("solve_triangular", (lower_tri(3, 3), rand(3, 2)), {"lower": True}),
    ("solve_triangular", (lower_tri(3, 3).T.copy(), rand(3)), {"lower": False}),
    ("solve_triangular", (rand(3, 3) + 3 * np.eye(3, dtype="float32"), rand(3, 2)), {}),
    ("solve_triangular", (lower_tri(2, 3, 3), rand(2, 3)), {"lower": True}),
    ("cholesky", (spd(4, 4),), {}),
    ("cholesky", (spd(2, 3, 3, dtype="float64"),), {"upper": True}),
    ("cholesky_inverse", (lower_tri(3, 3),), {}),
    ("cholesky_inverse", (lower_tri(3, 3).T.copy(),), {"upper": True}),
    ("lu_factor", (rand(4, 4),), {}),
    ("lu_factor", (rand(3, 3, dtype="float64"),), {}),
    ("lu_factor", (rand(2, 3, 3),), {}),
    ("lu_factor", (rand(4, 3),), {}),
    ("lu_factor", (rand(3, 5),), {}),
    ("matrix_rank", (rand(4, 3),), {}),
    ("matrix_rank", (np.outer(rand(4), rand(3)).astype("float32"),), {}),
    ("matrix_rank", (rand(2, 3, 5, dtype="float64"),), {}),
    ("matrix_rank", (np.diag([1.0, 1e-3, 0.0]).astype("float32"),), {"tol": 1e-2}),
    ("pinv", (rand(4, 3),), {}),
    ("pinv", (rand(2, 3, 5, dtype="float64"),), {}),
    ("lstsq", (rand(5, 3), rand(5)), {}),
    ("lstsq", (rand(5, 3, dtype="float64"), rand(5, 2, dtype="float64")), {}),
    ("lstsq", (rand(3, 5), rand(3, 2)), {}),
]


@pytest.mark.parametrize("name,args,kwargs", LINALG,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LINALG)])
def test_linalg(name, args, kwargs):
    # Keras' NumPy backend computes float64 inputs in float32: float32 tolerances
    check_op(name, *args, module="linalg", rtol=1e-3, atol=1e-4, **kwargs)


@pytest.mark.parametrize("name,ref", [
    ("det", np.linalg.det), ("inv", np.linalg.inv), ("pinv", np.linalg.pinv),
    ("cholesky", np.linalg.cholesky),
    ("svd", lambda a: np.linalg.svd(a, compute_uv=False)),
    ("eigh", lambda a: np.linalg.eigh(a)[0]),
])
def test_linalg_float64_precision(name, ref):
    a = spd(2, 4, 4, dtype="float64")
    got = getattr(ops.linalg, name)(a) if name not in ("svd", "eigh") else \
        (ops.linalg.svd(a, compute_uv=False) if name == "svd" else ops.linalg.eigh(a)[0])
    assert got.dtype.name == "float64"
    np.testing.assert_allclose(got.numpy(), ref(a), rtol=1e-10, atol=1e-10)


def test_pinv_rank_deficient():
    a = np.outer(rand(3), rand(3)).astype("float32")
    want = np.linalg.pinv(a.astype("float64"), rcond=1e-5)
    np.testing.assert_allclose(ops.linalg.pinv(a).numpy(), want, rtol=1e-4, atol=1e-4)


def test_linalg_also_top_level():
    from ember.keras.ops import _linalg_math, linalg
    assert sorted(linalg.__all__) == sorted(_linalg_math.LINALG_NAMES)
    assert sorted(_linalg_math.LINALG_NAMES) == sorted(
        n for n in dir(keras3().ops.linalg) if not n.startswith("_"))
    for name in _linalg_math.LINALG_NAMES:
        assert getattr(ops, name) is getattr(ops.linalg, name)


@pytest.mark.parametrize("name,args", [
    ("slogdet", (rand(3, 3),)),
    ("slogdet", (rand(2, 4, 4, dtype="float64"),)),
    ("logdet", (spd(3, 3),)),
    ("logdet", (spd(2, 3, 3, dtype="float64"),)),
])
def test_log_determinants(name, args):
    check_op(name, *args, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("ord,axis,keepdims", [
    (None, None, False), (None, None, True), (2, 1, False), (1, 0, True),
    (np.inf, -1, False), (-np.inf, 1, False), (0, 1, False), (3, 1, True),
    ("fro", (0, 1), False), ("nuc", (0, 1), False), (1, (0, 1), False),
    (-1, (1, 0), True), (np.inf, (0, 1), False), (-np.inf, (0, 1), True),
    (2, (0, 1), False), (-2, (1, 0), False), (2, None, False),
])
def test_norm(ord, axis, keepdims):
    check_op("norm", rand(4, 3), ord=ord, axis=axis, keepdims=keepdims, module="linalg",
             rtol=1e-4, atol=1e-5)


def test_norm_batched_and_dtypes():
    check_op("norm", rand(2, 4, 3), ord="nuc", axis=(1, 2), module="linalg", rtol=1e-4)
    check_op("norm", rand(2, 4, 3, dtype="float64"), ord=2, axis=(0, 2), keepdims=True,
             module="linalg", rtol=1e-5)
    check_op("norm", ints(3, 4), module="linalg", rtol=1e-5)
    check_op("norm", rand(5, dtype="float16"), module="linalg", rtol=1e-2, atol=1e-2)


def _symbolic(fn, *arrays):
    """fn recorded in a functional model over KerasTensors, the model called on arrays."""
    inputs = [keras.Input(batch_shape=a.shape, dtype=a.dtype.name) for a in arrays]
    model = keras.Model(inputs, fn(*inputs))
    return model(list(arrays))


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (1, 1)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_eigh(shape, dtype):
    a = spd(*shape, dtype=dtype) - 2 * np.eye(shape[-1], dtype=dtype)
    tol = 1e-4 if dtype == "float32" else 1e-9
    want_w, _ = keras3().ops.linalg.eigh(a)
    for run in (lambda f: f(a), lambda f: f(tf.constant(a)), lambda f: _symbolic(f, a)):
        w, v = run(ops.linalg.eigh)
        assert w.dtype.name == dtype and v.dtype.name == dtype
        assert_same(w, want_w.astype(dtype), rtol=1e-4, atol=1e-4)
        v = v.numpy()
        np.testing.assert_allclose(v @ (w.numpy()[..., None] * np.swapaxes(v, -1, -2)), a,
                                   rtol=tol, atol=tol * 10)
        np.testing.assert_allclose(np.swapaxes(v, -1, -2) @ v,
                                   np.broadcast_to(np.eye(shape[-1]), v.shape), atol=tol)


@pytest.mark.parametrize("shape,full", [((4, 3), True), ((4, 3), False), ((3, 5), True),
                                         ((2, 3, 3), False), ((2, 2, 4), False),
                                         ((3, 1), True)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_svd(shape, full, dtype):
    a = rand(*shape, dtype=dtype)
    tol = 1e-4 if dtype == "float32" else 1e-9
    check_op("svd", a, compute_uv=False, module="linalg", rtol=1e-4, atol=1e-4)
    want_u, want_s, want_vh = keras3().ops.linalg.svd(a, full_matrices=full)
    for run in (lambda f: f(a, full_matrices=full),
                lambda f: _symbolic(lambda x: f(x, full_matrices=full), a)):
        u, s, vh = [t.numpy() for t in run(ops.linalg.svd)]
        assert u.shape == want_u.shape and s.shape == want_s.shape and \
            vh.shape == want_vh.shape
        assert u.dtype == vh.dtype == s.dtype == np.dtype(dtype)
        np.testing.assert_allclose(s, want_s, rtol=1e-4, atol=1e-4)
        k = s.shape[-1]
        recon = (u[..., :, :k] * s[..., None, :]) @ vh[..., :k, :]
        np.testing.assert_allclose(recon, a, rtol=tol, atol=tol * 10)
        for q in (u, np.swapaxes(vh, -1, -2)):
            np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q,
                                       np.broadcast_to(np.eye(q.shape[-1]), q.shape[:-2] +
                                                       (q.shape[-1],) * 2), atol=tol * 10)


def test_svd_rank_deficient():
    a = np.outer(rand(4), rand(3)).astype("float64")
    u, s, vh = [t.numpy() for t in ops.linalg.svd(a)]
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), atol=1e-10)
    np.testing.assert_allclose((u[:, :3] * s) @ vh, a, atol=1e-10)
    np.testing.assert_allclose(u.T @ u, np.eye(4), atol=1e-10)


@pytest.mark.parametrize("shape,mode", [((4, 3), "reduced"), ((4, 3), "complete"),
                                         ((3, 5), "reduced"), ((3, 5), "complete"),
                                         ((2, 3, 3), "reduced"), ((1, 1), "complete")])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_qr(shape, mode, dtype):
    a = rand(*shape, dtype=dtype)
    tol = 1e-4 if dtype == "float32" else 1e-10
    want_q, want_r = keras3().ops.linalg.qr(a, mode=mode)
    for run in (lambda f: f(a, mode=mode), lambda f: _symbolic(lambda x: f(x, mode=mode), a)):
        q, r = [t.numpy() for t in run(ops.linalg.qr)]
        assert q.shape == want_q.shape and r.shape == want_r.shape
        assert q.dtype == r.dtype == np.dtype(dtype)
        np.testing.assert_allclose(q @ r, a, rtol=tol, atol=tol * 10)
        np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q,
                                   np.broadcast_to(np.eye(q.shape[-1]), q.shape[:-2] +
                                                   (q.shape[-1],) * 2), atol=tol * 10)
        np.testing.assert_array_equal(r, np.triu(r))
        # unique up to the signs of r's diagonal
        np.testing.assert_allclose(np.abs(r), np.abs(want_r), rtol=1e-4, atol=1e-4)


def test_eig():
    a = rand(4, 4)
    w, v = ops.linalg.eig(a)
    assert w.dtype.name == "complex64" and v.dtype.name == "complex64"
    want_w, _ = keras3().ops.linalg.eig(a)
    np.testing.assert_allclose(np.sort_complex(w.numpy()), np.sort_complex(want_w),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(a @ v.numpy(), v.numpy() * w.numpy(), atol=1e-4)
    inp = keras.Input((4, 4))  # on KerasTensors: complex outputs, values when run
    sw, sv = ops.linalg.eig(inp)
    assert (tuple(sw.shape), sw.dtype.name, tuple(sv.shape)) == \
        ((None, 4), "complex64", (None, 4, 4))
    mw, mv = keras.Model(inp, [sw, sv])(a[None])
    np.testing.assert_allclose(mw.numpy()[0], w.numpy(), rtol=1e-6)
    tw, tv = tf.function(ops.linalg.eig)(a)  # a host call inside a graph
    np.testing.assert_allclose(tv.numpy(), v.numpy(), rtol=1e-6)


def test_linalg_gradients():
    a = spd(3, 3, dtype="float64")
    w = rand(3, 3, dtype="float64")
    checks = [
        (lambda v: ops.linalg.det(v), lambda v: np.linalg.det(v), rand(3, 3, dtype="float64")),
        (lambda v: tf.reduce_sum(ops.linalg.inv(v) * w),
         lambda v: np.sum(np.linalg.inv(v) * w), a),
        (lambda v: tf.reduce_sum(ops.linalg.cholesky(v) * w),
         lambda v: np.sum(np.linalg.cholesky((v + v.T) / 2) * w), a),
        (lambda v: tf.reduce_sum(ops.linalg.solve(v, w)),
         lambda v: np.sum(np.linalg.solve(v, w)), a),
        (lambda v: ops.logdet(v), lambda v: np.linalg.slogdet(v)[1], a),
        (lambda v: tf.reduce_sum(ops.linalg.eigh(v)[0] * np.array([1.0, 2.0, 3.0])),
         lambda v: np.sum(np.linalg.eigh((v + v.T) / 2)[0] * [1.0, 2.0, 3.0]), a),
        (lambda v: tf.reduce_sum(ops.linalg.svd(v, compute_uv=False) * np.array([1.0, 2.0])),
         lambda v: np.sum(np.linalg.svd(v, compute_uv=False) * [1.0, 2.0]),
         rand(4, 2, dtype="float64")),
        (lambda v: tf.reduce_sum(ops.linalg.qr(v)[1] ** 2 * w[:, :2][:2]),
         lambda v: np.sum(np.linalg.qr(v)[1] ** 2 * w[:, :2][:2]), rand(4, 2, dtype="float64")),
    ]
    for f, ref, x in checks:
        np.testing.assert_allclose(tape_grad(f, x), numeric_grad(ref, x), rtol=1e-5,
                                   atol=1e-7)


def test_jvp():
    x = tf.constant(rand(3, dtype="float64"))
    t = tf.constant(rand(3, dtype="float64"))
    out, tan = ops.linalg.jvp(lambda v: tf.sin(v) * v, (x,), (t,))
    xv, tv = x.numpy(), t.numpy()
    np.testing.assert_allclose(out.numpy(), np.sin(xv) * xv)
    np.testing.assert_allclose(tan.numpy(), (np.cos(xv) * xv + np.sin(xv)) * tv)
    # two primals, a dict output and aux
    m = tf.constant(rand(2, 3, dtype="float64"))
    tm = tf.constant(rand(2, 3, dtype="float64"))
    out, tan, aux = ops.linalg.jvp(
        lambda a, b: ({"y": tf.linalg.matvec(a, b), "c": tf.reduce_sum(b)}, "aux"),
        (m, x), (tm, t), has_aux=True)
    assert aux == "aux"
    np.testing.assert_allclose(tan["y"].numpy(), tm.numpy() @ xv + m.numpy() @ tv)
    np.testing.assert_allclose(tan["c"].numpy(), tv.sum())
    # linear function: the tangent is the function of the tangent
    _, tan = ops.linalg.jvp(lambda v: 2.0 * v, (x,), (t,))
    np.testing.assert_allclose(tan.numpy(), 2 * tv)


@pytest.mark.parametrize("call,error,match", [
    (lambda: ops.linalg.det(np.ones((2, 3))), ValueError, "square"),
    (lambda: ops.linalg.inv(np.ones(3)), ValueError, "rank >= 2"),
    (lambda: ops.linalg.qr(np.ones((2, 2)), mode="full"), ValueError, "mode"),
    (lambda: ops.linalg.cholesky(-np.eye(2)), ValueError, "not positive definite"),
    (lambda: ops.linalg.solve(np.eye(3), np.ones(2)), ValueError, "b must be"),
    (lambda: ops.linalg.lstsq(np.ones((3, 2)), np.ones(4)), ValueError, "leading"),
    (lambda: ops.linalg.lstsq(np.ones((2, 3, 2)), np.ones(3)), TypeError, "two-dimensional"),
    (lambda: ops.linalg.norm(np.ones((2, 2)), ord="fro", axis=0), ValueError, "vector norm"),
    (lambda: ops.linalg.norm(np.ones((2, 2)), ord=3, axis=(0, 1)), ValueError, "matrix norm"),
    (lambda: ops.linalg.norm(np.ones((2, 2)), axis=2), ValueError, "range"),
    (lambda: ops.linalg.jvp(1, (1.0,), (1.0,)), TypeError, "callable"),
])
def test_linalg_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- FFT, signal -----------------------------------------------------------------------

def test_fft_family():
    re, im = rand(2, 8), rand(2, 8)
    check_op("fft", (re, im), symbolic=False, rtol=1e-4, atol=1e-4)
    check_op("fft", (rand(5, dtype="float64"), rand(5, dtype="float64")), rtol=1e-5,
             atol=1e-5)
    x64 = rand(2, 7, dtype="float64")  # float64 precision (the oracle computes in float32)
    real, imag = ops.rfft(x64)
    np.testing.assert_allclose(real.numpy() + 1j * imag.numpy(), np.fft.rfft(x64),
                               rtol=1e-12, atol=1e-12)
    check_op("fft2", (rand(2, 4, 6), rand(2, 4, 6)), rtol=1e-4, atol=1e-4)
    check_op("ifft2", (rand(3, 5), rand(3, 5)), rtol=1e-4, atol=1e-5)
    for n in (None, 6, 11):
        check_op("rfft", rand(3, 8), fft_length=n, rtol=1e-4, atol=1e-4)
    for n in (None, 7, 8, 12):
        check_op("irfft", (rand(2, 5), rand(2, 5)), fft_length=n, rtol=1e-4, atol=1e-5)
    # round trips, and the pairs through a functional model
    x = rand(2, 9)
    assert_same(ops.irfft(ops.rfft(x), 9), x, atol=1e-5)
    r_in, i_in = keras.Input(batch_shape=(2, 8)), keras.Input(batch_shape=(2, 8))
    model = keras.Model([r_in, i_in], list(ops.fft((r_in, i_in))))
    assert_same(model([re, im]), list(keras3().ops.fft((re, im))), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("length,stride", [(3, 1), (4, 2), (2, 3), (9, 1)])
def test_extract_sequences(length, stride):
    check_op("extract_sequences", rand(2, 9), length, stride)
    check_op("extract_sequences", ints(9), length, stride)


@pytest.mark.parametrize("seq,stride,nfft,window,center", [
    (8, 4, 8, "hann", True), (6, 2, 8, "hamming", False), (8, 3, 16, None, True),
    (5, 2, 8, "hann", False),
])
def test_stft_istft(seq, stride, nfft, window, center):
    x = rand(2, 32)
    check_op("stft", x, seq, stride, nfft, window=window, center=center, rtol=1e-4,
             atol=1e-4)
    spec = keras3().ops.stft(x, seq, stride, nfft, window=window, center=center)
    check_op("istft", spec, seq, stride, nfft, window=window, center=center,
             symbolic=False, rtol=1e-4, atol=1e-4)
    check_op("istft", spec, seq, stride, nfft, length=20, window=window, center=center,
             symbolic=False, rtol=1e-4, atol=1e-4)


def test_stft_array_window_and_float64():
    win = rand(6) ** 2 + 0.5
    x = rand(30, dtype="float64")
    check_op("stft", x, 6, 2, 8, window=win, rtol=1e-5, atol=1e-5)
    spec = keras3().ops.stft(x, 6, 2, 8, window=win)
    want = keras3().ops.istft(spec, 6, 2, 8, window=win)
    assert_same(ops.istft(spec, 6, 2, 8, window=win), want, rtol=1e-5, atol=1e-5)
    got = ops.istft([tf.constant(p) for p in spec], 6, 2, 8, window=tf.constant(win))
    assert_same(got, want, rtol=1e-5, atol=1e-5)
    # float64 round trip: istft(stft(x)) is x, to float64 precision
    spec = ops.stft(x, 6, 2, 8, window=win)
    np.testing.assert_allclose(ops.istft(spec, 6, 2, 8, length=30, window=win).numpy(), x,
                               rtol=1e-10, atol=1e-10)


def test_signal_gradients():
    x = rand(10, dtype="float64")
    w = rand(3, 6, dtype="float64")
    f = lambda v: tf.reduce_sum(ops.rfft(v)[1] * w[0]) + tf.reduce_sum(ops.rfft(v)[0] ** 2)
    ref = lambda v: np.sum(np.fft.rfft(v).imag * w[0]) + np.sum(np.fft.rfft(v).real ** 2)
    np.testing.assert_allclose(tape_grad(f, x), numeric_grad(ref, x), rtol=1e-6)
    spec_w = rand(3, 5, dtype="float64")
    f = lambda v: tf.reduce_sum(ops.stft(v, 8, 4, 8, center=False)[0] * spec_w)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(8) / 8)
    frames = np.arange(3)[:, None] * 4 + np.arange(8)
    ref = lambda v: np.sum(np.fft.rfft(v[frames] * hann).real * spec_w)
    x = rand(16, dtype="float64")
    np.testing.assert_allclose(tape_grad(f, x), numeric_grad(ref, x), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("call,error,match", [
    (lambda: ops.fft(np.ones(3)), ValueError, "tuple of two tensors"),
    (lambda: ops.fft((np.ones(3), np.ones(4))), ValueError, "same shape"),
    (lambda: ops.fft((np.ones(3, "int32"), np.ones(3, "int32"))), ValueError, "float"),
    (lambda: ops.stft(np.ones(8, "int32"), 4, 2, 4), TypeError, "float32 or float64"),
    (lambda: ops.stft(np.ones(8, "float32"), 4, 2, 2), ValueError, "fft_length"),
    (lambda: ops.stft(np.ones(8, "float32"), 4, 2, 4, window="box"), ValueError, "hann"),
    (lambda: ops.stft(np.ones(8, "float32"), 4, 2, 4, window=np.ones(3)), ValueError,
     "window"),
    (lambda: ops.rfft(np.ones(4), fft_length=0), ValueError, "positive int"),
])
def test_signal_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_unknown_batch_dimension():
    """Functional models with a None batch dimension (keras.Input(shape=...))."""
    k = keras3()
    a = spd(2, 3, 3)
    fns = {
        "det": (lambda x: ops.linalg.det(x), k.ops.linalg.det),
        "inv": (lambda x: ops.linalg.inv(x), k.ops.linalg.inv),
        "cholesky": (lambda x: ops.linalg.cholesky(x), k.ops.linalg.cholesky),
        "eigvals": (lambda x: ops.linalg.eigh(x)[0], lambda x: k.ops.linalg.eigh(x)[0]),
        "svals": (lambda x: ops.linalg.svd(x, compute_uv=False),
                  lambda x: k.ops.linalg.svd(x, compute_uv=False)),
        "qr_r": (lambda x: ops.abs(ops.linalg.qr(x)[1]),
                 lambda x: np.abs(k.ops.linalg.qr(x)[1])),
        "solve": (lambda x: ops.linalg.solve(x, np.ones((1, 3, 2), "float32")),
                  lambda x: k.ops.linalg.solve(x, np.ones((2, 3, 2), "float32"))),
        "solve_vector": (lambda x: ops.linalg.solve(x, np.arange(3.0, dtype="float32")),
                         lambda x: np.linalg.solve(x, np.arange(3.0)).astype("float32")),
    }
    for name, (ours, theirs) in fns.items():
        inp = keras.Input(shape=(3, 3))
        model = keras.Model(inp, ours(inp))
        assert_same(model(a), theirs(a), rtol=1e-4, atol=1e-4, where=name)
    x = rand(2, 24)
    inp = keras.Input(shape=(24,))
    model = keras.Model(inp, ops.istft(ops.stft(inp, 8, 4, 8), 8, 4, 8, length=24))
    np.testing.assert_allclose(model(x).numpy(), x, atol=1e-5)

"""tf.linalg's decompositions and their composites (prims/linalg_decomp.py,
ops/linalg_decomp_ops.py): values against NumPy / SciPy, gradients against central finite
differences (through symmetric parametrizations where the op reads one triangle), dtypes,
shapes and errors, eagerly and inside ember.function."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl

import ember as tf
from ember.core.errors import InvalidArgumentError, ShapeError
from ember.ops.linalg_decomp_ops import norm as full_norm

R = np.random.default_rng(11)


def _spd(n, batch=()):
    x = R.standard_normal(batch + (n, n))
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def _numgrad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        d = np.zeros_like(x)
        d[idx] = eps
        g[idx] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


def _check_grad(fn, x, tol=1e-5):
    """fn: ember tensor -> scalar tensor; compares the tape's gradient with FD."""
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = fn(t)
    got = tape.gradient(y, t).numpy()
    want = _numgrad(lambda v: float(fn(tf.constant(v)).numpy()), x)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def _sym(t):
    return tf.matmul(t, t, transpose_b=True) + 4.0 * tf.eye(t.shape[-1], dtype=t.dtype)


def _weights(shape):
    return tf.constant(R.standard_normal(shape))


# -- values ------------------------------------------------------------------------------

def test_inverse_determinants_and_solves_match_numpy():
    a = R.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b = R.standard_normal((2, 3, 2))
    np.testing.assert_allclose(tf.linalg.inv(a).numpy(), np.linalg.inv(a), rtol=1e-10)
    np.testing.assert_allclose(tf.linalg.inv(a, adjoint=True).numpy(),
                               np.linalg.inv(np.swapaxes(a, -1, -2)), rtol=1e-10)
    np.testing.assert_allclose(tf.linalg.det(a).numpy(), np.linalg.det(a), rtol=1e-10)
    s, l = tf.linalg.slogdet(a)
    ws, wl = np.linalg.slogdet(a)
    np.testing.assert_allclose(s.numpy(), ws)
    np.testing.assert_allclose(l.numpy(), wl, rtol=1e-10)
    np.testing.assert_allclose(tf.linalg.solve(a, b).numpy(), np.linalg.solve(a, b),
                               rtol=1e-10)
    spd = _spd(3, (2,))
    np.testing.assert_allclose(tf.linalg.logdet(spd).numpy(), np.linalg.slogdet(spd)[1],
                               rtol=1e-10)
    chol = tf.linalg.cholesky(spd)
    np.testing.assert_allclose(tf.linalg.cholesky_solve(chol, b).numpy(),
                               np.linalg.solve(spd, b), rtol=1e-9)


def test_lu_family_reconstructs_and_solves():
    a = R.standard_normal((2, 4, 4))
    lu_, p = tf.linalg.lu(a)
    assert p.dtype == tf.int32 and p.shape == (2, 4)
    np.testing.assert_allclose(tf.linalg.lu_reconstruct(lu_, p).numpy(), a, atol=1e-12)
    b = R.standard_normal((2, 4, 3))
    np.testing.assert_allclose(tf.linalg.lu_solve(lu_, p, b).numpy(), np.linalg.solve(a, b),
                               rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(tf.linalg.lu_matrix_inverse(lu_, p).numpy(),
                               np.linalg.inv(a), rtol=1e-9, atol=1e-10)


def test_lstsq_pinv_and_rank():
    a = R.standard_normal((5, 3))
    b = R.standard_normal((5, 2))
    np.testing.assert_allclose(tf.linalg.lstsq(a, b).numpy(),
                               np.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-9)
    lam = 0.5
    want = np.linalg.solve(a.T @ a + lam * np.eye(3), a.T @ b)
    np.testing.assert_allclose(tf.linalg.lstsq(a, b, l2_regularizer=lam).numpy(), want,
                               rtol=1e-9)
    wide = a.T  # 3 x 5: the minimum-norm solution
    np.testing.assert_allclose(tf.linalg.lstsq(wide, b[:3]).numpy(),
                               np.linalg.pinv(wide) @ b[:3], rtol=1e-8)
    np.testing.assert_allclose(tf.linalg.pinv(a).numpy(), np.linalg.pinv(a), rtol=1e-8)
    low_rank = a @ R.standard_normal((3, 1)) @ R.standard_normal((1, 4))
    assert int(tf.linalg.matrix_rank(low_rank)) == 1
    assert tf.linalg.matrix_rank(low_rank).dtype == tf.int32


def test_decompositions_reconstruct_their_input():
    a = R.standard_normal((2, 4, 3))
    q, r = tf.linalg.qr(a)
    np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-12)
    np.testing.assert_allclose(r.numpy(), np.triu(r.numpy()))
    qf, rf = tf.linalg.qr(a, full_matrices=True)
    assert qf.shape == (2, 4, 4) and rf.shape == (2, 4, 3)
    s, u, v = tf.linalg.svd(a)
    np.testing.assert_allclose((u * s[..., None, :]) @ tf.linalg.adjoint(v), a, atol=1e-12)
    assert tf.linalg.svd(a, compute_uv=False).shape == (2, 3)
    spd = _spd(3)
    e, vecs = tf.linalg.eigh(spd)
    np.testing.assert_allclose(e.numpy(), np.linalg.eigvalsh(spd), rtol=1e-10)
    np.testing.assert_allclose(tf.linalg.eigvalsh(spd).numpy(), e.numpy())
    np.testing.assert_allclose((vecs * e[None, :]) @ tf.transpose(vecs), spd, atol=1e-10)
    g = R.standard_normal((3, 3)).astype(np.float32)
    ev = tf.linalg.eigvals(g)
    assert ev.dtype == tf.complex64
    np.testing.assert_allclose(np.sort_complex(ev.numpy()), np.sort_complex(
        np.linalg.eigvals(g)), rtol=1e-4, atol=1e-5)
    e2, v2 = tf.linalg.eig(g.astype(np.float64))
    np.testing.assert_allclose(g @ v2.numpy(), v2.numpy() * e2.numpy()[None, :], atol=1e-10)


def test_matrix_functions_match_scipy():
    a = R.standard_normal((3, 3))
    np.testing.assert_allclose(tf.linalg.expm(a).numpy(), sl.expm(a), rtol=1e-10)
    big = 20 * a  # exercises the scaling and squaring
    np.testing.assert_allclose(tf.linalg.expm(big).numpy(), sl.expm(big), rtol=1e-7)
    spd = _spd(3)
    np.testing.assert_allclose(tf.linalg.sqrtm(spd).numpy(), np.real(sl.sqrtm(spd)),
                               rtol=1e-9)
    c = spd.astype(np.complex128)
    np.testing.assert_allclose(tf.linalg.logm(c).numpy(), sl.logm(c), rtol=1e-9, atol=1e-12)


def test_band_diag_and_vector_helpers():
    x = R.standard_normal((2, 4, 5))
    for lo, hi in [(0, -1), (-1, 0), (1, 2), (0, 0), (-1, -1)]:
        want = np.where(((lo < 0) | (np.subtract.outer(np.arange(4), np.arange(5)) <= lo))
                        & ((hi < 0) | (np.subtract.outer(np.arange(5), np.arange(4)).T
                                       <= hi)), x, 0)
        np.testing.assert_allclose(tf.linalg.band_part(x, lo, hi).numpy(), want)
    d = R.standard_normal((2, 4))
    out = tf.linalg.set_diag(x, d).numpy()
    np.testing.assert_allclose(np.diagonal(out, axis1=-2, axis2=-1), d)
    np.testing.assert_allclose(out - np.einsum("...i,ij->...ij", np.diagonal(
        out, axis1=-2, axis2=-1), np.eye(4, 5)), x * (1 - np.eye(4, 5)))
    tall = R.standard_normal((5, 3))
    np.testing.assert_allclose(np.diagonal(tf.linalg.set_diag(tall, [1.0, 2.0, 3.0])),
                               [1, 2, 3])
    t = R.standard_normal((2, 3))
    td = tf.linalg.tensor_diag(t)
    assert td.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(tf.linalg.tensor_diag_part(td).numpy(), t)
    u, v = R.standard_normal((4, 3)), R.standard_normal((4, 3))
    np.testing.assert_allclose(tf.linalg.cross(u, v).numpy(), np.cross(u, v), rtol=1e-12)
    np.testing.assert_allclose(tf.linalg.l2_normalize(u, axis=-1).numpy(),
                               u / np.linalg.norm(u, axis=-1, keepdims=True))
    n, nn = tf.linalg.normalize(u, axis=1)
    np.testing.assert_allclose(nn.numpy(), np.linalg.norm(u, axis=1, keepdims=True))


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
def test_banded_triangular_solve(lower, adjoint):
    k, n = 2, 4
    bands = R.standard_normal((3, k, n)) + np.array([4.0, 0.0] if lower else [0.0, 4.0])[:, None]
    dense = np.zeros((3, n, n))
    for r_ in range(k):
        off = r_ if lower else k - 1 - r_
        for i in range(n):
            j = i - off if lower else i + off
            if 0 <= j < n:
                dense[:, i, j] = bands[:, r_, i]
    rhs = R.standard_normal((3, n, 2))
    mat = np.swapaxes(dense, -1, -2) if adjoint else dense
    np.testing.assert_allclose(
        tf.linalg.banded_triangular_solve(bands, rhs, lower=lower, adjoint=adjoint).numpy(),
        np.linalg.solve(mat, rhs), rtol=1e-10)


def test_eigh_tridiagonal():
    alpha, beta = R.standard_normal(4), R.standard_normal(3)
    dense = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
    np.testing.assert_allclose(tf.linalg.eigh_tridiagonal(alpha, beta).numpy(),
                               np.linalg.eigvalsh(dense), rtol=1e-10)
    e, v = tf.linalg.eigh_tridiagonal(alpha, beta, eigvals_only=False, select="i",
                                      select_range=[1, 2])
    np.testing.assert_allclose(e.numpy(), np.linalg.eigvalsh(dense)[1:3], rtol=1e-10)
    np.testing.assert_allclose(dense @ v.numpy(), v.numpy() * e.numpy(), atol=1e-10)


@pytest.mark.parametrize("ord_", [2, "nuc", "fro", 1, np.inf])
def test_matrix_norms_match_numpy(ord_):
    x = R.standard_normal((2, 3, 4))
    np.testing.assert_allclose(full_norm(x, ord=ord_, axis=[-2, -1]).numpy(),
                               np.linalg.norm(x, ord=ord_, axis=(-2, -1)), rtol=1e-10)
    kept = full_norm(x, ord=ord_, axis=[1, 2], keepdims=True)
    assert kept.shape == (2, 1, 1)


@pytest.mark.parametrize("fmt", ["compact", "sequence", "matrix"])
def test_tridiagonal_solve_and_matmul(fmt):
    n = 4
    sup, main, sub = R.standard_normal(n), R.standard_normal(n) + 4, R.standard_normal(n)
    sup[-1] = sub[0] = 0.0
    dense = np.diag(main) + np.diag(sup[:-1], 1) + np.diag(sub[1:], -1)
    diags = {"compact": np.stack([sup, main, sub]), "sequence": [sup, main, sub],
             "matrix": dense}[fmt]
    rhs = R.standard_normal((n, 2))
    np.testing.assert_allclose(tf.linalg.tridiagonal_matmul(diags, rhs, fmt).numpy(),
                               dense @ rhs, rtol=1e-12)
    np.testing.assert_allclose(tf.linalg.tridiagonal_solve(diags, rhs, fmt).numpy(),
                               np.linalg.solve(dense, rhs), rtol=1e-10)
    vec = R.standard_normal(n)
    np.testing.assert_allclose(tf.linalg.tridiagonal_solve(diags, vec, fmt).numpy(),
                               np.linalg.solve(dense, vec), rtol=1e-10)


def test_complex_inputs():
    a = (R.standard_normal((3, 3)) + 1j * R.standard_normal((3, 3))) + 3 * np.eye(3)
    np.testing.assert_allclose(tf.linalg.det(a).numpy(), np.linalg.det(a), rtol=1e-10)
    h = a @ a.conj().T
    np.testing.assert_allclose(tf.linalg.cholesky(h).numpy(), np.linalg.cholesky(h),
                               rtol=1e-10)
    s = tf.linalg.svd(a, compute_uv=False)
    assert s.dtype == tf.float64
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-10)
    e, _ = tf.linalg.eigh(h)
    assert e.dtype == tf.float64


# -- gradients ---------------------------------------------------------------------------

def test_cholesky_gradient_through_a_symmetric_input():
    w = _weights((3, 3))
    _check_grad(lambda t: tf.reduce_sum(tf.linalg.cholesky(_sym(t)) * w),
                R.standard_normal((3, 3)))


def test_eigh_gradient_through_a_symmetric_input():
    w = _weights((3, 3))
    x = R.standard_normal((3, 3))

    def fn(t):
        e, v = tf.linalg.eigh(_sym(t))
        return tf.reduce_sum(e * w[0]) + tf.reduce_sum(tf.abs(v) * w)
    _check_grad(fn, x)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3)])
def test_svd_gradient(shape):
    w = _weights(shape)

    def fn(t):
        s, u, v = tf.linalg.svd(t)
        # sign-invariant functions of u and v, plus s
        return tf.reduce_sum(s * s) + tf.reduce_sum((u @ tf.linalg.adjoint(v)) * w)
    _check_grad(fn, R.standard_normal(shape))
    _check_grad(lambda t: tf.reduce_sum(tf.linalg.svd(t, compute_uv=False)),
                R.standard_normal(shape))


@pytest.mark.parametrize("shape,full", [((4, 3), False), ((3, 5), False), ((3, 5), True),
                                        ((2, 3, 4), False)])
def test_qr_gradient(shape, full):
    """Deep, square and wide matrices (wide: A = [X | Y], TF's rule)."""
    m, n = shape[-2:]
    k = m if full else min(m, n)
    wq, wr = _weights(shape[:-2] + (m, k)), _weights(shape[:-2] + (k, n))

    def fn(t):
        q, r = tf.linalg.qr(t, full_matrices=full)
        return tf.reduce_sum(q * wq) + tf.reduce_sum(r * wr)
    _check_grad(fn, R.standard_normal(shape))


def test_gradients_of_solves_dets_and_expm():
    a = R.standard_normal((3, 3)) + 3 * np.eye(3)
    b = tf.constant(R.standard_normal((3, 2)))
    w = _weights((3, 2))
    w3 = _weights((3, 3))
    _check_grad(lambda t: tf.reduce_sum(tf.linalg.solve(t, b, adjoint=True) * w), a)
    _check_grad(lambda t: tf.reduce_sum(tf.linalg.triangular_solve(t, b) * w), a)
    _check_grad(lambda t: tf.linalg.det(t), a)
    _check_grad(lambda t: tf.linalg.slogdet(t)[1], a)
    _check_grad(lambda t: tf.reduce_sum(tf.linalg.inv(t) * w3), a)
    _check_grad(lambda t: tf.reduce_sum(tf.linalg.expm(t) * w3), 0.5 * a)
    _check_grad(lambda t: tf.reduce_sum(tf.linalg.lstsq(t, b) * w), a)
    _check_grad(lambda t: tf.linalg.logdet(_sym(t)), R.standard_normal((3, 3)))


def test_lu_and_eigvals_gradients():
    x = R.standard_normal((3, 3))
    w = _weights((3, 3))
    _check_grad(lambda t: tf.reduce_sum(tf.linalg.lu(t)[0] * w), x)
    # a symmetric matrix has real eigenvalues; their sum of squares is smooth
    _check_grad(lambda t: tf.reduce_sum(tf.math.real(tf.linalg.eigvals(_sym(t))) ** 2), x)


def test_second_order_gradient_of_det():
    a = tf.constant(R.standard_normal((2, 2)) + 2 * np.eye(2))
    with tf.GradientTape() as t2:
        t2.watch(a)
        with tf.GradientTape() as t1:
            t1.watch(a)
            y = tf.linalg.det(a)
        g = t1.gradient(y, a)
        z = tf.reduce_sum(g)
    h = t2.gradient(z, a).numpy()
    # det = a00 a11 - a01 a10: d/dA of sum(grad) = [[1, -1], [-1, 1]]
    np.testing.assert_allclose(h, [[1, -1], [-1, 1]], atol=1e-10)


# -- errors ------------------------------------------------------------------------------

def test_errors_name_the_op():
    with pytest.raises(ShapeError, match="cholesky"):
        tf.linalg.cholesky(tf.zeros((2, 3)))
    with pytest.raises(ShapeError, match="matrix_solve"):
        tf.linalg.solve(tf.eye(3), tf.zeros((2, 1)))
    with pytest.raises(ShapeError, match="triangular_solve"):
        tf.linalg.triangular_solve(tf.eye(3), tf.zeros((3,)))
    with pytest.raises(InvalidArgumentError, match="logm"):
        tf.linalg.logm(tf.eye(2))
    with pytest.raises(InvalidArgumentError, match="cholesky"):
        tf.linalg.cholesky(tf.constant([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ShapeError, match="cross"):
        tf.linalg.cross(tf.zeros((2,)), tf.zeros((2,)))


def test_graph_mode_checks_shapes_at_trace_time():
    @tf.function
    def f(x):
        return tf.linalg.det(x)

    assert f(tf.eye(3)).numpy() == pytest.approx(1.0)
    with pytest.raises(ShapeError, match="matrix_determinant"):
        f(tf.zeros((2, 3)))

    @tf.function
    def g(x):
        s, u, v = tf.linalg.svd(x)
        return s

    np.testing.assert_allclose(g(tf.constant([[3.0, 0.0], [0.0, 4.0]])).numpy(), [4.0, 3.0])


def test_full_svd_gradient_of_non_square_raises():
    x = tf.constant(R.standard_normal((4, 3)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        s, u, v = tf.linalg.svd(x, full_matrices=True)
        y = tf.reduce_sum(u)
    with pytest.raises(NotImplementedError, match="full_matrices"):
        tape.gradient(y, x)


def test_float32_dtypes_are_kept():
    a = tf.constant(_spd(3).astype(np.float32))
    for out in (tf.linalg.cholesky(a), tf.linalg.inv(a), tf.linalg.expm(a * 0.1),
                tf.linalg.qr(a)[0], tf.linalg.lu(a)[0], tf.linalg.pinv(a)):
        assert out.dtype == tf.float32
    assert tf.linalg.eig(a)[0].dtype == tf.complex64


def _check_complex_grad(fn, x, tol=1e-6):
    """TF's convention for a real loss of complex x: dL/dRe(x) + i dL/dIm(x)."""
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = fn(t)
    got = tape.gradient(y, t).numpy()
    want = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        for unit in (1.0, 1j):
            d = np.zeros_like(x)
            d[idx] = 1e-6 * unit
            want[idx] += unit * (float(fn(tf.constant(x + d))) -
                                 float(fn(tf.constant(x - d)))) / 2e-6
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_complex_gradients():
    def c(*shape):
        return R.standard_normal(shape) + 1j * R.standard_normal(shape)
    sq = c(3, 3) + 3 * np.eye(3)
    wq, wr, w2 = tf.constant(c(4, 3)), tf.constant(c(3, 3)), tf.constant(c(3, 2))
    b = tf.constant(c(3, 2))
    re = tf.math.real

    def qr_loss(t):
        q, r = tf.linalg.qr(t)
        return re(tf.reduce_sum(q * wq) + tf.reduce_sum(r * wr))
    _check_complex_grad(qr_loss, c(4, 3))

    wr_wide = tf.constant(c(3, 4))

    def qr_wide_loss(t):
        q, r = tf.linalg.qr(t)
        return re(tf.reduce_sum(q * wr) + tf.reduce_sum(r * wr_wide))
    _check_complex_grad(qr_wide_loss, c(3, 4))
    _check_complex_grad(lambda t: re(tf.linalg.slogdet(t)[1] + tf.linalg.slogdet(t)[0]), sq)
    _check_complex_grad(lambda t: re(tf.reduce_sum(tf.linalg.solve(t, b, adjoint=True) * w2)),
                        sq)
    _check_complex_grad(lambda t: re(tf.reduce_sum(tf.linalg.expm(t) * wr)), 0.3 * sq)
    _check_complex_grad(lambda t: tf.reduce_sum(tf.linalg.svd(t, compute_uv=False)), c(4, 3))

    def chol_loss(t):
        h = tf.matmul(t, t, adjoint_b=True) + 4 * tf.eye(3, dtype=t.dtype)
        return re(tf.reduce_sum(tf.linalg.cholesky(h) * wr))
    _check_complex_grad(chol_loss, sq)


def test_sqrtm_gradient():
    x = R.standard_normal((3, 3))
    a = x @ x.T + 3 * np.eye(3) + 0.3 * R.standard_normal((3, 3))  # not symmetric
    w = _weights((3, 3))
    _check_grad(lambda t: tf.reduce_sum(tf.linalg.sqrtm(t) * w), a)


def test_repeated_values_make_the_vector_gradients_refuse_clearly():
    """TF's caveat (its eigh / svd gradients divide by the gaps between values) raised
    clearly in eager mode; the values' own gradients stay defined."""
    a = tf.constant(np.diag([1.0, 1.0, 2.0]))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(a)
        e, v = tf.linalg.eigh(a)
        s, u, w = tf.linalg.svd(a)
        by_vectors, by_values = tf.reduce_sum(v), tf.reduce_sum(e) + tf.reduce_sum(s)
        by_singular_vectors = tf.reduce_sum(u)
    with pytest.raises(tf.errors.InvalidArgumentError, match="eigh: .*undefined where values repeat"):
        tape.gradient(by_vectors, a)
    with pytest.raises(tf.errors.InvalidArgumentError, match="svd: .*singular vectors"):
        tape.gradient(by_singular_vectors, a)
    np.testing.assert_allclose(tape.gradient(by_values, a).numpy(), 2 * np.eye(3), atol=1e-12)

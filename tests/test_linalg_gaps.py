"""The tf.linalg gaps of issue 18: the complex SVD's gradient through U and V,
eigh_tridiagonal's select='v' and eigenvectors, LinearOperatorCirculant2D / 3D, and
sqrtm / logm of non-diagonalizable matrices (Schur kernels) with their gradients.

Values against NumPy / SciPy and TF 2.21's (pinned as numbers), gradients against central
finite differences in float64 / complex128 in random directions, traced == eager."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl

import ember as tf
from ember.core.errors import InvalidArgumentError, ShapeError
from ember.backend.numpy import linalg_schur
from tests.gradcheck import directional

R = np.random.default_rng(18)
L = tf.linalg
EPS = 1e-6


def _c(*shape):
    return R.standard_normal(shape) + 1j * R.standard_normal(shape)


def _check_directional(loss, x, tol=1e-6, tries=2):
    for _ in range(tries):
        d = _c(*x.shape) if np.iscomplexobj(x) else R.standard_normal(x.shape)
        analytic, numeric, _ = directional(loss, x, d, EPS)
        assert abs(analytic - numeric) <= tol * (1 + abs(numeric)), (analytic, numeric)


# -- 1. complex SVD: gradient through U and V ------------------------------------------------

def _svd_loss(shape, full_matrices=False):
    """A real loss of (s, U, V) invariant to the phase of each singular pair: |U|^2 and
    |V|^2 weighted, the pair products u_i v_i^H weighted, and s."""
    m, n = shape[-2:]
    k = min(m, n)
    ku, kv = (m, n) if full_matrices else (k, k)
    batch = shape[:-2]
    w_u = tf.constant(R.standard_normal(batch + (m, ku)))
    w_v = tf.constant(R.standard_normal(batch + (n, kv)))
    w_pair = tf.constant(_c(*batch, m, n))
    c_pair = tf.constant(_c(*batch, k))
    w_s = tf.constant(R.standard_normal(batch + (k,)))

    def loss(t):
        s, u, v = tf.linalg.svd(t, full_matrices=full_matrices)
        sq = lambda z: tf.math.real(z * tf.math.conj(z))  # noqa: E731
        pairs = tf.einsum("...ik,...jk,...k->...ij", u[..., :k], tf.math.conj(v[..., :k]),
                          c_pair)
        return (tf.reduce_sum(sq(u) * w_u) + tf.reduce_sum(sq(v) * w_v)
                + tf.reduce_sum(tf.math.real(pairs * w_pair)) + tf.reduce_sum(s * w_s))
    return loss


@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (3, 5), (2, 4, 3), (2, 3, 4)])
def test_complex_svd_gradient_through_u_and_v(shape):
    _check_directional(_svd_loss(shape), _c(*shape))


def test_complex_svd_gradient_full_matrices_square_and_traced():
    x = _c(2, 3, 3)
    loss = _svd_loss((2, 3, 3), full_matrices=True)
    _check_directional(loss, x)

    def grad(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = loss(t)
        return tape.gradient(y, t)
    np.testing.assert_allclose(tf.function(grad)(tf.constant(x)).numpy(),
                               grad(tf.constant(x)).numpy(), rtol=1e-10, atol=1e-12)


def test_real_svd_gradient_still_matches():
    loss = _svd_loss((4, 3))
    _check_directional(lambda t: loss(tf.cast(t, tf.complex128)), R.standard_normal((4, 3)))
    a = R.standard_normal((3, 4))
    w = tf.constant(R.standard_normal((3, 3)))
    _check_directional(lambda t: tf.reduce_sum(tf.abs(tf.linalg.svd(t)[1]) * w), a)


# -- 2. eigh_tridiagonal ---------------------------------------------------------------------

ALPHA, BETA = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 0.5, 2.0])
TF_ALL = np.array([0.33569775, 1.38925098, 2.6851049, 5.58994637])  # TF 2.21's values


def _tridiag(alpha, beta):
    """TF's convention: beta above the diagonal, conj(beta) below."""
    return np.diag(alpha) + np.diag(beta, 1) + np.diag(np.conj(beta), -1)


def test_eigh_tridiagonal_select_v_values_and_vectors():
    e = L.eigh_tridiagonal(ALPHA, BETA, select="v", select_range=[0.5, 3.0])
    np.testing.assert_allclose(e.numpy(), TF_ALL[1:3], rtol=1e-7)
    e, v = L.eigh_tridiagonal(ALPHA, BETA, eigvals_only=False, select="v",
                              select_range=[0.5, 3.0])
    assert v.shape == (4, 2)
    a = _tridiag(ALPHA, BETA)
    np.testing.assert_allclose(a @ v.numpy(), v.numpy() * e.numpy(), atol=1e-12)
    np.testing.assert_allclose(v.numpy().T @ v.numpy(), np.eye(2), atol=1e-12)
    # half-open (vl, vu]: an eigenvalue equal to vl is out, one equal to vu is in
    lam = L.eigh_tridiagonal(ALPHA, BETA).numpy()
    got = L.eigh_tridiagonal(ALPHA, BETA, select="v", select_range=[lam[1], lam[2]])
    np.testing.assert_allclose(got.numpy(), lam[2:3], rtol=1e-12)
    assert L.eigh_tridiagonal(ALPHA, BETA, select="v", select_range=[-10, -5]).shape == (0,)


def test_eigh_tridiagonal_select_i_all_and_complex():
    e, v = L.eigh_tridiagonal(ALPHA, BETA, eigvals_only=False, select="i", select_range=[1, 2])
    np.testing.assert_allclose(e.numpy(), TF_ALL[1:3], rtol=1e-7)
    assert v.shape == (4, 2)
    np.testing.assert_allclose(L.eigh_tridiagonal(ALPHA, BETA).numpy(), TF_ALL, rtol=1e-7)
    beta = np.array([1 + 1j, 0.5j, 2.0])
    e, v = L.eigh_tridiagonal(ALPHA.astype(complex), beta, eigvals_only=False)
    np.testing.assert_allclose(e.numpy(), [-0.04172396, 1.40992859, 3.03988537, 5.59191],
                               rtol=1e-6)  # TF 2.21's
    a = _tridiag(ALPHA, beta)
    np.testing.assert_allclose(a @ v.numpy(), v.numpy() * e.numpy(), atol=1e-12)
    assert v.dtype == tf.complex128 and e.dtype == tf.float64


def test_eigh_tridiagonal_traced_gradient_and_errors():
    f = tf.function(lambda al, lo, hi: L.eigh_tridiagonal(al, BETA, select="v",
                                                          select_range=[lo, hi]))
    np.testing.assert_allclose(f(tf.constant(ALPHA), tf.constant(0.5), tf.constant(3.0))
                               .numpy(), TF_ALL[1:3], rtol=1e-7)
    # d lambda_i / d alpha_j = v_ji^2
    t = tf.constant(ALPHA)
    with tf.GradientTape() as tape:
        tape.watch(t)
        e = L.eigh_tridiagonal(t, BETA, select="v", select_range=[0.5, 3.0])
        y = tf.reduce_sum(e * tf.constant([1.0, 2.0], tf.float64))
    _, v = np.linalg.eigh(_tridiag(ALPHA, BETA))
    np.testing.assert_allclose(tape.gradient(y, t).numpy(),
                               v[:, 1] ** 2 + 2 * v[:, 2] ** 2, atol=1e-10)
    with pytest.raises(InvalidArgumentError, match="empty interval"):
        L.eigh_tridiagonal(ALPHA, BETA, select="v", select_range=[3.0, 1.0])
    with pytest.raises(InvalidArgumentError, match="needs select_range"):
        L.eigh_tridiagonal(ALPHA, BETA, select="v")
    with pytest.raises(InvalidArgumentError, match="select must be"):
        L.eigh_tridiagonal(ALPHA, BETA, select="x")
    with pytest.raises(InvalidArgumentError, match="0 <= lo <= hi < N = 4"):
        L.eigh_tridiagonal(ALPHA, BETA, select="i", select_range=[2, 5])


# -- 3. LinearOperatorCirculant2D / 3D -----------------------------------------------------------

def _circulant_dense(spectrum):
    """The [nested] block circulant matrix: entry (i, j) = h[(i - j) mod block_shape], h the
    inverse DFT of the spectrum over all of its axes (one matrix)."""
    bs = spectrum.shape
    h = np.fft.ifftn(spectrum)
    idx = np.array(list(np.ndindex(*bs)))
    diff = (idx[:, None, :] - idx[None, :, :]) % np.array(bs)
    return h[tuple(diff[..., k] for k in range(len(bs)))]


# TF 2.21's values, pinned
TF_2D_DENSE = np.array([[3.5, -0.5, -0.5, -1.5, 0.0, 0.0], [-0.5, 3.5, -0.5, 0.0, -1.5, 0.0],
                        [-0.5, -0.5, 3.5, 0.0, 0.0, -1.5], [-1.5, 0.0, 0.0, 3.5, -0.5, -0.5],
                        [0.0, -1.5, 0.0, -0.5, 3.5, -0.5], [0.0, 0.0, -1.5, -0.5, -0.5, 3.5]])
TF_2D_COMPLEX_DENSE = np.array(
    [[1.5 + 0.125j, -1 + 0.625j, 0.375j, 0.5 - 0.125j],
     [-1 + 0.625j, 1.5 + 0.125j, 0.5 - 0.125j, 0.375j],
     [0.375j, 0.5 - 0.125j, 1.5 + 0.125j, -1 + 0.625j],
     [0.5 - 0.125j, 0.375j, -1 + 0.625j, 1.5 + 0.125j]])


def test_circulant2d_against_tf_values():
    spec = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    op = L.LinearOperatorCirculant2D(spec, input_output_dtype=tf.float64)
    assert op.is_self_adjoint and op.is_square and op.shape == (6, 6)
    assert op.block_shape == (2, 3) and op.block_depth == 2 and op.spectrum.dtype == tf.float64
    np.testing.assert_allclose(op.to_dense().numpy(), TF_2D_DENSE, atol=1e-12)
    np.testing.assert_allclose(op.matvec(np.arange(6.0)).numpy(),
                               [-6.0, -3.5, -1.0, 6.0, 8.5, 11.0], atol=1e-12)
    np.testing.assert_allclose(op.determinant().numpy(), 720.0)
    np.testing.assert_allclose(op.log_abs_determinant().numpy(), 6.5792512120101)
    np.testing.assert_allclose(op.convolution_kernel().numpy(),
                               [[3.5, -0.5, -0.5], [-1.5, 0.0, 0.0]], atol=1e-12)
    op = L.LinearOperatorCirculant2D(np.array([[1 + 1j, 2.0], [0.5j, 3 - 1j]]),
                                     input_output_dtype=tf.complex128)
    assert op.is_self_adjoint is None
    np.testing.assert_allclose(op.to_dense().numpy(), TF_2D_COMPLEX_DENSE, atol=1e-12)
    np.testing.assert_allclose(op.matvec(np.array([1.0, 2.0, 3.0, 4.0]) + 0j).numpy(),
                               [1.5 + 2j, 3.5 + 2j, 1.5 + 3j, 3.5 + 3j], atol=1e-12)
    np.testing.assert_allclose(op.determinant().numpy(), -2 + 4j)
    np.testing.assert_allclose(op.trace().numpy(), 6 + 0.5j)
    default = L.LinearOperatorCirculant2D(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    assert default.dtype == tf.complex64 and default.determinant().dtype == tf.complex64
    np.testing.assert_allclose(default.diag_part().numpy(), np.full(6, 3.5 + 0j))
    np.testing.assert_allclose(default.cond().numpy(), 6.0)


def test_circulant3d_against_tf_values():
    op = L.LinearOperatorCirculant3D(np.arange(1.0, 9.0).reshape(2, 2, 2),
                                     input_output_dtype=tf.float32)
    assert op.dtype == tf.float32 and op.is_self_adjoint and op.shape == (8, 8)
    dense = op.to_dense().numpy()
    np.testing.assert_allclose(dense[0], [4.5, -0.5, -1.0, 0.0, -2.0, 0.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(dense[5], [0.0, -2.0, 0.0, 0.0, -0.5, 4.5, 0.0, -1.0], atol=1e-6)
    np.testing.assert_allclose(op.matvec(np.arange(8.0, dtype=np.float32)).numpy(),
                               [-10.5, -8.5, -4.5, -2.5, 9.5, 11.5, 15.5, 17.5], atol=1e-5)
    np.testing.assert_allclose(op.determinant().numpy(), 40320.0)


@pytest.mark.parametrize("cls, block", [(L.LinearOperatorCirculant, (5,)),
                                        (L.LinearOperatorCirculant2D, (2, 3)),
                                        (L.LinearOperatorCirculant3D, (2, 3, 2))])
def test_circulants_against_the_fft_formula(cls, block):
    spec = _c(2, *block)  # a batch of 2
    op = cls(spec, input_output_dtype=tf.complex128)
    dense = np.stack([_circulant_dense(s) for s in spec])
    n = dense.shape[-1]
    tol = dict(rtol=1e-10, atol=1e-12)
    assert op.shape == (2, n, n) and op.batch_shape == (2,)
    np.testing.assert_allclose(op.to_dense().numpy(), dense, **tol)
    x = _c(n, 3)  # broadcast against the batch
    np.testing.assert_allclose(op.matmul(x).numpy(), dense @ x, **tol)
    np.testing.assert_allclose(op.matmul(x, adjoint=True).numpy(),
                               np.conj(np.swapaxes(dense, -1, -2)) @ x, **tol)
    np.testing.assert_allclose(op.matmul(x.conj().T, adjoint_arg=True).numpy(), dense @ x,
                               **tol)
    np.testing.assert_allclose(op.solve(x).numpy(), np.linalg.solve(dense, x), **tol)
    np.testing.assert_allclose(op.solvevec(x[:, 0]).numpy(),
                               np.linalg.solve(dense, x[:, 0]), **tol)
    np.testing.assert_allclose(op.determinant().numpy(), np.linalg.det(dense), **tol)
    np.testing.assert_allclose(np.real(op.log_abs_determinant().numpy()),
                               np.log(np.abs(np.linalg.det(dense))), **tol)
    np.testing.assert_allclose(op.diag_part().numpy(), np.diagonal(dense, axis1=1, axis2=2),
                               **tol)
    np.testing.assert_allclose(op.adjoint().to_dense().numpy(),
                               np.conj(np.swapaxes(dense, -1, -2)), **tol)
    inv = op.inverse()
    assert type(inv) is cls
    np.testing.assert_allclose(inv.to_dense().numpy(), np.linalg.inv(dense), **tol)
    prod = op.matmul(op)
    assert type(prod) is cls
    np.testing.assert_allclose(prod.to_dense().numpy(), dense @ dense, **tol)
    np.testing.assert_allclose(op.convolution_kernel().numpy(),
                               np.fft.ifftn(spec, axes=tuple(range(1, 1 + len(block)))), **tol)
    np.testing.assert_allclose(np.sort_complex(op.eigvals().numpy()[0]),
                               np.sort_complex(np.linalg.eigvals(dense[0])), **tol)


def test_circulant2d_hints_errors_gradient_and_traced():
    with pytest.raises(InvalidArgumentError, match="real spectrum always"):
        L.LinearOperatorCirculant2D(np.ones((2, 2)), is_self_adjoint=False)
    with pytest.raises(InvalidArgumentError, match="always square"):
        L.LinearOperatorCirculant2D(np.ones((2, 2)), is_square=False)
    with pytest.raises(ShapeError, match="at least 3 dimensions"):
        L.LinearOperatorCirculant3D(np.ones((2, 2)))
    with pytest.raises(InvalidArgumentError, match="spectrum must be one of"):
        L.LinearOperatorCirculant2D(np.ones((2, 2), np.int32))
    hermitian = np.fft.fft2(R.standard_normal((3, 2)))  # a real kernel's spectrum
    L.LinearOperatorCirculant2D(hermitian).assert_hermitian_spectrum()
    with pytest.raises(InvalidArgumentError, match="not Hermitian"):
        L.LinearOperatorCirculant2D(_c(3, 2)).assert_hermitian_spectrum()
    # the gradient reaches the spectrum (d/dS of Re sum(W o A x))
    spec, x, w = _c(2, 3), _c(6, 2), _c(6, 2)

    def loss(s):
        op = L.LinearOperatorCirculant2D(s, input_output_dtype=tf.complex128)
        return tf.reduce_sum(tf.math.real(op.matmul(tf.constant(x)) * tf.constant(w)))
    _check_directional(loss, spec)
    traced = tf.function(lambda s: L.LinearOperatorCirculant2D(
        s, input_output_dtype=tf.complex128).solve(tf.constant(x)))
    np.testing.assert_allclose(traced(tf.constant(spec)).numpy(),
                               np.linalg.solve(_circulant_dense(spec), x), rtol=1e-10)


# -- 4. sqrtm / logm of every matrix with a root / logarithm --------------------------------

JORDAN2 = np.array([[4.0, 1.0], [0.0, 4.0]])
JORDAN3 = np.array([[2.0, 1.0, 0.0], [0.0, 2.0, 1.0], [0.0, 0.0, 2.0]])


def _defective(n):
    """A similarity transform of a Jordan block: non-diagonalizable, not triangular."""
    j = 3.0 * np.eye(n) + np.diag(np.ones(n - 1), 1)
    s = R.standard_normal((n, n)) + n * np.eye(n)
    return s @ j @ np.linalg.inv(s)


def test_sqrtm_of_jordan_blocks_and_random_matrices():
    np.testing.assert_allclose(L.sqrtm(JORDAN2).numpy(), [[2.0, 0.25], [0.0, 2.0]], atol=1e-14)
    for a in (JORDAN3, _defective(4), R.standard_normal((5, 5)) + 5 * np.eye(5)):
        x = L.sqrtm(tf.constant(a)).numpy()
        np.testing.assert_allclose(x @ x, a, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(x, np.real(sl.sqrtm(a)), rtol=1e-8, atol=1e-10)
    c = _c(2, 4, 4)  # complex, batched
    x = L.sqrtm(tf.constant(c)).numpy()
    np.testing.assert_allclose(x @ x, c, atol=1e-10)
    np.testing.assert_allclose(x, np.stack([sl.sqrtm(m) for m in c]), atol=1e-10)
    assert L.sqrtm(tf.constant(JORDAN2, tf.float32)).dtype == tf.float32


def test_logm_of_jordan_blocks_and_random_matrices():
    want = np.array([[np.log(4.0), 0.25], [0.0, np.log(4.0)]])
    np.testing.assert_allclose(L.logm(JORDAN2.astype(complex)).numpy(), want, atol=1e-14)
    for a in (JORDAN3, _defective(4), _c(5, 5) + 4 * np.eye(5), -np.eye(2) + np.eye(2, k=1)):
        lg = L.logm(tf.constant(a.astype(complex))).numpy()
        np.testing.assert_allclose(sl.expm(lg), a, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(lg, sl.logm(a), rtol=1e-8, atol=1e-10)
    expm_back = L.expm(L.logm(tf.constant(_c(3, 3, 3) + 3 * np.eye(3))))
    assert expm_back.shape == (3, 3, 3)


def test_the_numpy_schur_path_without_scipy(monkeypatch):
    for a in (R.standard_normal((6, 6)), _c(5, 5), JORDAN3,
              np.eye(5)[[1, 2, 3, 4, 0]],  # eigenvalues on the unit circle
              np.block([[JORDAN2, np.ones((2, 2))], [np.zeros((2, 2)), JORDAN2]])):
        t, z = linalg_schur.schur_numpy(a)
        n = len(a)
        np.testing.assert_allclose(z @ t @ z.conj().T, a, atol=1e-12)
        np.testing.assert_allclose(z.conj().T @ z, np.eye(n), atol=1e-12)
        assert np.all(np.tril(t, -1) == 0)
        gaps = np.abs(np.diag(t)[:, None] - np.linalg.eigvals(a)[None, :])
        assert gaps.min(axis=0).max() < 1e-6 and gaps.min(axis=1).max() < 1e-6
    monkeypatch.setattr(linalg_schur, "_scipy_schur", lambda: None)
    a = _defective(4)
    np.testing.assert_allclose(L.sqrtm(tf.constant(a)).numpy(), np.real(sl.sqrtm(a)),
                               rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(L.logm(tf.constant(a + 0j)).numpy(), sl.logm(a), rtol=1e-8,
                               atol=1e-10)


@pytest.mark.parametrize("case", ["jordan", "defective", "random", "complex", "batched"])
def test_sqrtm_gradient(case):
    a = {"jordan": JORDAN3, "defective": _defective(3),
         "random": 0.5 * R.standard_normal((4, 4)) + 3 * np.eye(4),
         "complex": 0.5 * _c(3, 3) + 3 * np.eye(3),
         "batched": 0.5 * R.standard_normal((2, 3, 3)) + 3 * np.eye(3)}[case]
    w = tf.constant(_c(*a.shape) if np.iscomplexobj(a) else R.standard_normal(a.shape))
    _check_directional(lambda t: tf.reduce_sum(tf.math.real(L.sqrtm(t) * w)), a)


@pytest.mark.parametrize("case", ["jordan", "random", "complex"])
def test_sqrtm_gradient_of_large_matrices_by_the_block_identity(case, monkeypatch):
    """Above _KRON_MAX_N the gradient is sqrtm([[A^H, G], [0, A^H]])'s upper-right block:
    exercised here on small matrices by lowering the threshold."""
    from ember.prims import linalg_matfunc
    monkeypatch.setattr(linalg_matfunc, "_KRON_MAX_N", 1)
    a = {"jordan": JORDAN3, "random": 0.5 * R.standard_normal((4, 4)) + 3 * np.eye(4),
         "complex": 0.5 * _c(3, 3) + 3 * np.eye(3)}[case]
    w = tf.constant(_c(*a.shape) if np.iscomplexobj(a) else R.standard_normal(a.shape))
    _check_directional(lambda t: tf.reduce_sum(tf.math.real(L.sqrtm(t) * w)), a)


@pytest.mark.parametrize("block", [False, True])
@pytest.mark.parametrize("case", ["jordan", "defective", "random", "batched"])
def test_logm_gradient(case, block, monkeypatch):
    """Small matrices: exp's Frechet derivative inverted as a Kronecker matrix; above
    _KRON_LOG_MAX_N (lowered here to exercise it) the block-matrix identity."""
    if block:
        from ember.prims import linalg_matfunc
        monkeypatch.setattr(linalg_matfunc, "_KRON_LOG_MAX_N", 1)
    a = {"jordan": JORDAN3 + 0j, "defective": _defective(3) + 0j,
         "random": 0.5 * _c(4, 4) + 3 * np.eye(4),
         "batched": 0.5 * _c(2, 3, 3) + 2 * np.eye(3)}[case]
    w = tf.constant(_c(*a.shape))
    _check_directional(lambda t: tf.reduce_sum(tf.math.real(L.logm(t) * w)), a)


def test_sqrtm_second_order_gradient_and_traced():
    a = 0.5 * R.standard_normal((3, 3)) + 3 * np.eye(3)  # eigenvalues well inside Re > 0
    w = tf.constant(R.standard_normal((3, 3)))

    def grad(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = tf.reduce_sum(L.sqrtm(t) * w)
        return tape.gradient(y, t)
    traced = tf.function(grad)(tf.constant(a)).numpy()
    np.testing.assert_allclose(traced, grad(tf.constant(a)).numpy(), rtol=1e-10)
    v = tf.constant(R.standard_normal((3, 3)))
    _check_directional(lambda t: tf.reduce_sum(grad(t) * v), a, tol=1e-5)

"""tf.linalg's LinearOperators (ops/linear_operator.py, ops/linear_operator_more.py):
each operator's to_dense() equals the matrix it stands for, and its matmul, matvec, solve,
determinant, log_abs_determinant, trace, diag_part and adjoint agree with the same
computations on that dense matrix (NumPy)."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.core.errors import InvalidArgumentError, ShapeError

R = np.random.default_rng(5)
L = tf.linalg


def _wc(n):
    return R.standard_normal((n, n)) + n * np.eye(n)


def _toeplitz(col, row):
    n = len(col)
    return np.array([[col[i - j] if i >= j else row[j - i] for j in range(n)]
                     for i in range(n)])


def _block_circulant(h):
    """The block circulant matrix of kernel h [N0, N1]: entry ((i0, i1), (j0, j1)) =
    h[(i0 - j0) mod N0, (i1 - j1) mod N1], rows in row-major order."""
    n0, n1 = h.shape
    idx = [(i0, i1) for i0 in range(n0) for i1 in range(n1)]
    return np.array([[h[(a - c) % n0, (b - d) % n1] for c, d in idx] for a, b in idx])


def _cases():
    a, b = _wc(2), _wc(3)
    d = R.uniform(1, 2, 3)
    tril = np.tril(_wc(3))
    u = R.standard_normal((3, 2))
    col, row = R.standard_normal(3) + 4, R.standard_normal(3)
    row[0] = col[0]
    v = R.standard_normal(3)
    sup, main, sub = R.standard_normal(3), R.standard_normal(3) + 4, R.standard_normal(3)
    sup[-1] = sub[0] = 0
    spd = a @ a.T + np.eye(2)
    perm = np.array([2, 0, 1])
    spectrum = np.array([4.0, 1.0 + 1j, 1.0 - 1j])
    c = np.fft.ifft(spectrum)
    circ = np.array([[c[(i - j) % 3] for j in range(3)] for i in range(3)])
    kernel2d = np.array([[4.0, 1.0], [0.5, -1.0], [0.25, 0.0]])  # h[(i0 - j0) % 3, (i1 - j1) % 2]
    return {
        "full": (L.LinearOperatorFullMatrix(b), b),
        "diag": (L.LinearOperatorDiag(d), np.diag(d)),
        "lower": (L.LinearOperatorLowerTriangular(tril + np.triu(np.ones((3, 3)), 1)),
                  tril),
        "identity": (L.LinearOperatorIdentity(3, dtype=tf.float64), np.eye(3)),
        "scaled": (L.LinearOperatorScaledIdentity(3, tf.constant(2.5, tf.float64)),
                   2.5 * np.eye(3)),
        "composition": (L.LinearOperatorComposition([L.LinearOperatorFullMatrix(b),
                                                     L.LinearOperatorDiag(d)]),
                        b @ np.diag(d)),
        "kronecker": (L.LinearOperatorKronecker([L.LinearOperatorFullMatrix(a),
                                                 L.LinearOperatorFullMatrix(b)]),
                      np.kron(a, b)),
        "blockdiag": (L.LinearOperatorBlockDiag([L.LinearOperatorFullMatrix(a),
                                                 L.LinearOperatorFullMatrix(b)]),
                      np.block([[a, np.zeros((2, 3))], [np.zeros((3, 2)), b]])),
        "blocklower": (L.LinearOperatorBlockLowerTriangular(
            [[L.LinearOperatorFullMatrix(a)],
             [L.LinearOperatorFullMatrix(u), L.LinearOperatorFullMatrix(b)]]),
            np.block([[a, np.zeros((2, 3))], [u, b]])),
        "lowrank": (L.LinearOperatorLowRankUpdate(L.LinearOperatorDiag(d + 2), u,
                                                  diag_update=np.array([0.5, 2.0])),
                    np.diag(d + 2) + u @ np.diag([0.5, 2.0]) @ u.T),
        "adjoint": (L.LinearOperatorAdjoint(L.LinearOperatorFullMatrix(b)), b.T),
        "inversion": (L.LinearOperatorInversion(L.LinearOperatorFullMatrix(b)),
                      np.linalg.inv(b)),
        "permutation": (L.LinearOperatorPermutation(perm, dtype=tf.float64),
                        np.eye(3)[perm]),
        "toeplitz": (L.LinearOperatorToeplitz(col, row), _toeplitz(col, row)),
        "householder": (L.LinearOperatorHouseholder(v),
                        np.eye(3) - 2 * np.outer(v, v) / (v @ v)),
        "tridiag": (L.LinearOperatorTridiag(np.stack([sup, main, sub])),
                    np.diag(main) + np.diag(sup[:-1], 1) + np.diag(sub[1:], -1)),
        "fullspd": (L.LinearOperatorFullMatrix(spd, is_self_adjoint=True,
                                               is_positive_definite=True), spd),
        "circulant": (L.LinearOperatorCirculant(spectrum,
                                                input_output_dtype=tf.complex128), circ),
        # a real kernel's (Hermitian) spectrum: a real block circulant matrix
        "circulant2d": (L.LinearOperatorCirculant2D(np.fft.fft2(kernel2d),
                                                    input_output_dtype=tf.float64),
                        _block_circulant(kernel2d)),
    }


CASES = _cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_operator_agrees_with_its_dense_matrix(name):
    op, dense = CASES[name]
    tol = dict(rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(op.to_dense().numpy(), dense, **tol)
    n_rows, n_cols = dense.shape
    assert tuple(op.shape) == dense.shape
    assert op.range_dimension == n_rows and op.domain_dimension == n_cols
    assert tuple(op.batch_shape) == ()
    x = R.standard_normal((n_cols, 2)).astype(dense.dtype)
    np.testing.assert_allclose(op.matmul(x).numpy(), dense @ x, **tol)
    np.testing.assert_allclose(op.matvec(x[:, 0]).numpy(), dense @ x[:, 0], **tol)
    y = R.standard_normal((n_rows, 2)).astype(dense.dtype)
    np.testing.assert_allclose(op.matmul(y, adjoint=True).numpy(), dense.conj().T @ y, **tol)
    np.testing.assert_allclose(op.matmul(x.T, adjoint_arg=True).numpy(), dense @ x, **tol)
    np.testing.assert_allclose(op.adjoint().to_dense().numpy(), dense.conj().T, **tol)
    np.testing.assert_allclose(op.diag_part().numpy(), np.diagonal(dense), **tol)
    np.testing.assert_allclose(op.trace().numpy(), np.trace(dense), **tol)
    np.testing.assert_allclose(op.solve(y).numpy(), np.linalg.solve(dense, y), **tol)
    np.testing.assert_allclose(op.solve(y, adjoint=True).numpy(),
                               np.linalg.solve(dense.conj().T, y), **tol)
    np.testing.assert_allclose(op.solvevec(y[:, 0]).numpy(), np.linalg.solve(dense, y[:, 0]),
                               **tol)
    np.testing.assert_allclose(op.determinant().numpy(), np.linalg.det(dense), **tol)
    np.testing.assert_allclose(np.real(op.log_abs_determinant().numpy()),
                               np.log(np.abs(np.linalg.det(dense))), **tol)
    np.testing.assert_allclose(op.inverse().to_dense().numpy(), np.linalg.inv(dense), **tol)


def test_zeros_operator():
    op = L.LinearOperatorZeros(2, 3, batch_shape=[4])
    assert op.shape == (4, 2, 3) and op.batch_shape == (4,)
    np.testing.assert_allclose(op.matmul(np.ones((4, 3, 1), np.float32)).numpy(), 0.0)
    with pytest.raises(InvalidArgumentError, match="singular"):
        op.inverse()


def test_batches_and_composition_by_matmul():
    mats = R.standard_normal((4, 3, 3)) + 3 * np.eye(3)
    op = L.LinearOperatorFullMatrix(mats)
    assert op.batch_shape == (4,) and op.shape == (4, 3, 3)
    np.testing.assert_allclose(op.determinant().numpy(), np.linalg.det(mats), rtol=1e-10)
    diag = L.LinearOperatorDiag(np.array([1.0, 2.0, 3.0]))
    comp = op.matmul(diag)
    assert isinstance(comp, L.LinearOperatorComposition)
    np.testing.assert_allclose(comp.to_dense().numpy(), mats @ np.diag([1.0, 2.0, 3.0]),
                               rtol=1e-12)
    np.testing.assert_allclose((op @ np.ones((3, 1))).numpy(), mats @ np.ones((3, 1)))


def test_hints_cholesky_and_eigvals():
    _, spd = CASES["fullspd"]
    op = CASES["fullspd"][0]
    assert op.is_self_adjoint and op.is_positive_definite and op.is_square
    np.testing.assert_allclose(op.cholesky().to_dense().numpy(), np.linalg.cholesky(spd),
                               rtol=1e-10)
    np.testing.assert_allclose(op.eigvals().numpy(), np.linalg.eigvalsh(spd), rtol=1e-10)
    assert L.LinearOperatorIdentity(2).is_positive_definite
    with pytest.raises(InvalidArgumentError, match="cholesky"):
        L.LinearOperatorFullMatrix(_wc(2)).cholesky()


def test_shape_errors():
    op = L.LinearOperatorFullMatrix(np.ones((2, 3)))
    with pytest.raises(ShapeError, match="matmul"):
        op.matmul(np.ones((2, 1)))
    with pytest.raises(InvalidArgumentError, match="square"):
        op.solve(np.ones((2, 1)))
    with pytest.raises(ShapeError, match="Circulant2D: spectrum must have at least 2"):
        L.LinearOperatorCirculant2D(np.ones((2,)))


def test_gradients_flow_through_operators():
    d = tf.Variable([1.0, 2.0, 3.0], dtype=tf.float64)
    with tf.GradientTape() as tape:
        op = L.LinearOperatorDiag(d)
        y = op.log_abs_determinant() + tf.reduce_sum(op.solvevec([1.0, 1.0, 1.0]))
    g = tape.gradient(y, d).numpy()
    np.testing.assert_allclose(g, 1 / np.array([1.0, 2.0, 3.0]) - 1 / np.array(
        [1.0, 2.0, 3.0]) ** 2)


def test_conjugate_gradient_solves_spd_systems():
    x = R.standard_normal((2, 5, 5))
    a = x @ np.swapaxes(x, -1, -2) + 5 * np.eye(5)
    b = R.standard_normal((2, 5))
    op = L.LinearOperatorFullMatrix(a, is_self_adjoint=True, is_positive_definite=True)
    want = np.linalg.solve(a, b[..., None])[..., 0]
    state = L.experimental.conjugate_gradient(op, b, tol=1e-10, max_iter=50)
    np.testing.assert_allclose(state.x.numpy(), want, rtol=1e-8, atol=1e-10)
    assert int(state.i) <= 6
    pre = L.LinearOperatorDiag(1.0 / np.diagonal(a, axis1=-2, axis2=-1))
    state = L.experimental.conjugate_gradient(op, b, preconditioner=pre, tol=1e-10)
    np.testing.assert_allclose(state.x.numpy(), want, rtol=1e-8, atol=1e-10)
    traced = tf.function(lambda v: L.experimental.conjugate_gradient(op, v, tol=1e-10).x)
    np.testing.assert_allclose(traced(tf.constant(b)).numpy(), want, rtol=1e-8, atol=1e-10)

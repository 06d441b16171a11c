"""Linear algebra ops against NumPy, with TF's semantics and errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.errors import DTypeError, InvalidArgumentError, ShapeError

R = np.random.default_rng(11)


def f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


def f64(*shape):
    return R.standard_normal(shape)


def close(got, want, tol=1e-5):
    got = np.asarray(got)
    assert got.dtype == np.asarray(want).dtype
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


# -- matmul ----------------------------------------------------------------------

@pytest.mark.parametrize("make", [f32, f64])
def test_matmul_matches_numpy(make):
    a, b = make(3, 4), make(4, 5)
    close(tf.matmul(a, b), a @ b)
    close(tf.constant(a) @ tf.constant(b), a @ b)


def test_matmul_integers_keep_dtype():
    a = R.integers(-5, 5, (2, 3)).astype(np.int32)
    b = R.integers(-5, 5, (3, 2)).astype(np.int32)
    out = tf.matmul(a, b)
    assert out.dtype == tf.int32
    np.testing.assert_array_equal(out.numpy(), a @ b)


def test_matmul_batched_and_broadcast():
    a, b = f32(2, 1, 3, 4), f32(5, 4, 2)
    out = tf.matmul(a, b)
    assert out.shape == (2, 5, 3, 2)
    close(out, np.matmul(a, b))


@pytest.mark.parametrize("ta,tb", [(True, False), (False, True), (True, True)])
def test_matmul_transpose_and_adjoint(ta, tb):
    a = f64(2, 4, 3) if ta else f64(2, 3, 4)
    b = f64(2, 5, 4) if tb else f64(2, 4, 5)
    want = np.matmul(np.swapaxes(a, -1, -2) if ta else a, np.swapaxes(b, -1, -2) if tb else b)
    close(tf.matmul(a, b, transpose_a=ta, transpose_b=tb), want, 1e-12)
    close(tf.linalg.matmul(a, b, adjoint_a=ta, adjoint_b=tb), want, 1e-12)


def test_matmul_operator_on_variables_and_plain_values():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    close(v @ v, np.array([[7.0, 10.0], [15.0, 22.0]], np.float32))
    close(v @ [[1.0], [1.0]], np.array([[3.0], [7.0]], np.float32))
    close([[1.0, 1.0]] @ v, np.array([[4.0, 6.0]], np.float32))


def test_matmul_output_type_int8():
    a = np.full((2, 3), 100, np.int8)
    out = tf.matmul(a, a.T.copy(), output_type=tf.int32)
    assert out.dtype == tf.int32
    np.testing.assert_array_equal(out.numpy(), np.full((2, 2), 30000, np.int32))


def test_matmul_rejects_vectors_with_advice():
    with pytest.raises(ShapeError, match=r"rank >= 2.*float32\[3\].*expand_dims.*tensordot"):
        tf.matmul(f32(3), f32(3, 2))
    with pytest.raises(ShapeError, match="rank >= 2"):
        tf.constant(f32(2, 3)) @ tf.constant(f32(3))


def test_matmul_inner_dimension_message():
    msg = r"matmul: inner dimensions don't match: float32\[2, 3\] @ float32\[4, 5\] \(3 vs 4\)"
    with pytest.raises(ShapeError, match=msg):
        tf.matmul(f32(2, 3), f32(4, 5))
    with pytest.raises(ShapeError, match=r"transpose_a=True.*\(2 vs 4\)"):
        tf.matmul(f32(2, 3), f32(4, 5), transpose_a=True)


def test_matmul_batch_mismatch():
    with pytest.raises(ShapeError, match=r"batch dimensions don't broadcast.*\[2\] vs \[3\]"):
        tf.matmul(f32(2, 3, 4), f32(3, 4, 5))


def test_matmul_dtype_errors():
    with pytest.raises(DTypeError, match="mixed dtypes float32 and float64"):
        tf.matmul(tf.constant(f32(2, 2)), tf.constant(f64(2, 2)))
    with pytest.raises(DTypeError, match="matmul: unsupported dtype bool"):
        tf.matmul(np.ones((2, 2), bool), np.ones((2, 2), bool))
    with pytest.raises(DTypeError, match="output_type"):
        tf.matmul(f32(2, 2), f32(2, 2), output_type=tf.int32)


def test_matmul_conflicting_flags():
    with pytest.raises(InvalidArgumentError, match="only one of transpose_a and adjoint_a"):
        tf.matmul(f32(2, 2), f32(2, 2), transpose_a=True, adjoint_a=True)


def test_matvec():
    a, v = f32(2, 3, 4), f32(2, 4)
    close(tf.linalg.matvec(a, v), np.einsum("bij,bj->bi", a, v))
    close(tf.linalg.matvec(a, f32(3)[None].repeat(2, 0), transpose_a=True).shape, (2, 4))


# -- einsum ----------------------------------------------------------------------

@pytest.mark.parametrize("eq,shapes", [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk->ik", [(30, 40), (40, 50)]),  # large enough for NumPy's optimized path
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ii->", [(4, 4)]),
    ("ii->i", [(4, 4)]),
    ("ij->", [(2, 3)]),
    ("i,j->ij", [(3,), (4,)]),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 2), (2, 3)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("b...d,d->b...", [(2, 3, 4, 5), (5,)]),
    ("ij,jk", [(3, 4), (4, 5)]),  # implicit output
    ("ba", [(2, 3)]),  # implicit: alphabetical, so a transpose
    (" i j , j k -> i k ", [(3, 4), (4, 5)]),
])
def test_einsum_matches_numpy(eq, shapes):
    ops = [f64(*s) for s in shapes]
    close(tf.einsum(eq, *ops), np.einsum(eq.replace(" ", ""), *ops), 1e-12)


def test_einsum_float32_and_int():
    a, b = f32(3, 4), f32(4)
    close(tf.einsum("ij,j->i", a, b), np.einsum("ij,j->i", a, b))
    i = np.arange(6, dtype=np.int32).reshape(2, 3)
    out = tf.einsum("ij->j", i)
    assert out.dtype == tf.int32
    np.testing.assert_array_equal(out.numpy(), [3, 5, 7])


def test_einsum_plain_values_take_the_tensor_dtype():
    out = tf.einsum("i,i->", tf.constant([1.0, 2.0], tf.float64), [3.0, 4.0])
    assert out.dtype == tf.float64 and float(out) == 11.0


def test_einsum_errors():
    with pytest.raises(InvalidArgumentError, match="names 2 operand.*received 1"):
        tf.einsum("ij,jk->ik", f32(2, 3))
    with pytest.raises(ShapeError, match=r"operand 0 \(float32\[2, 3\]\) has rank 2.*'ijk'"):
        tf.einsum("ijk,kl->il", f32(2, 3), f32(3, 4))
    with pytest.raises(ShapeError, match="label 'j' stands for dimensions of size 1 and 3"):
        tf.einsum("ij,jk->ik", f32(2, 1), f32(3, 4))
    with pytest.raises(InvalidArgumentError, match="output label 'z'"):
        tf.einsum("ij->iz", f32(2, 3))
    with pytest.raises(InvalidArgumentError, match="appears more than once"):
        tf.einsum("ij->ii", f32(2, 3))
    with pytest.raises(InvalidArgumentError, match="invalid character"):
        tf.einsum("i1->i", f32(2, 3))
    with pytest.raises(ShapeError, match="add '...' to the output"):
        tf.einsum("...ij->ij", f32(5, 2, 3))
    with pytest.raises(DTypeError, match="mixed dtypes"):
        tf.einsum("i,i->", tf.constant(f32(2)), tf.constant(f64(2)))
    with pytest.raises(DTypeError, match="unsupported dtype bool"):
        tf.einsum("i->", np.ones(2, bool))


# -- tensordot -------------------------------------------------------------------

@pytest.mark.parametrize("axes", [0, 1, 2, [[1], [0]], [1, 0], [[0, 2], [2, 1]],
                                  [[-1], [-3]]])
def test_tensordot_matches_numpy(axes):
    a, b = f64(3, 4, 2), f64(2, 2, 3)
    if axes == 1:
        b = f64(2, 5)
    elif axes == 2:
        b = f64(4, 2, 5)
    elif axes in ([[1], [0]], [1, 0]):
        b = f64(4, 5)
    elif axes == [[0, 2], [2, 1]]:
        b = f64(5, 2, 3)
    elif axes == [[-1], [-3]]:
        b = f64(2, 4, 5)
    want = np.tensordot(a, b, axes if not isinstance(axes, list) or
                        isinstance(axes[0], list) else ([axes[0]], [axes[1]]))
    close(tf.tensordot(a, b, axes), want, 1e-12)


def test_tensordot_axes_as_tensor_and_vectors():
    u = np.array([1.0, 2.0, 3.0], np.float32)
    assert float(tf.tensordot(u, u, tf.constant(1))) == 14.0
    close(tf.tensordot(u, u, axes=tf.constant([[0], [0]])), np.float32(14.0))


def test_tensordot_errors():
    with pytest.raises(ShapeError, match="axis 1 of float32\\[2, 3\\] has size 3 but axis 0"):
        tf.tensordot(f32(2, 3), f32(4, 5), 1)
    with pytest.raises(InvalidArgumentError, match="same length"):
        tf.tensordot(f32(2, 3), f32(3, 2), [[0, 1], [1]])
    with pytest.raises(InvalidArgumentError, match=r"axes=3 must be in \[0, min"):
        tf.tensordot(f32(2, 3), f32(3, 2), 3)
    with pytest.raises(InvalidArgumentError, match="out of range"):
        tf.tensordot(f32(2, 3), f32(3, 2), [[5], [0]])
    with pytest.raises(InvalidArgumentError, match="an int or a pair"):
        tf.tensordot(f32(2, 3), f32(3, 2), [[0], [1], [0]])


# -- norm ------------------------------------------------------------------------

@pytest.mark.parametrize("make", [f32, f64])
@pytest.mark.parametrize("ord_", ["euclidean", 1, 2, np.inf, 3, 0.5])
def test_vector_norms(make, ord_):
    x = make(3, 4)
    p = 2 if ord_ == "euclidean" else ord_
    want = np.linalg.norm(x.ravel(), p).astype(x.dtype)
    close(tf.norm(x, ord=ord_), want, 1e-5)
    want_axis = np.linalg.norm(x, p, axis=0).astype(x.dtype)
    close(tf.norm(x, ord=ord_, axis=0), want_axis, 1e-5)
    out = tf.norm(x, ord=ord_, axis=-1, keepdims=True)
    assert out.shape == (3, 1)
    close(out, np.linalg.norm(x, p, axis=-1, keepdims=True).astype(x.dtype), 1e-5)


@pytest.mark.parametrize("ord_,np_ord", [("fro", "fro"), ("euclidean", "fro"), (1, 1),
                                         (np.inf, np.inf)])
def test_matrix_norms(ord_, np_ord):
    x = f64(2, 3, 4)
    close(tf.norm(x, ord=ord_, axis=(1, 2)), np.linalg.norm(x, np_ord, axis=(1, 2)), 1e-12)
    close(tf.norm(x, ord=ord_, axis=[-1, 0]), np.linalg.norm(x, np_ord, axis=(-1, 0)), 1e-12)
    out = tf.norm(x, ord=ord_, axis=(1, 2), keepdims=True)
    assert out.shape == (2, 1, 1)


def test_norm_default_on_matrix_is_frobenius():
    x = f32(3, 3)
    close(tf.norm(x), np.float32(np.linalg.norm(x, "fro")))
    close(tf.linalg.norm(x), np.float32(np.linalg.norm(x, "fro")))


def test_norm_errors():
    with pytest.raises(InvalidArgumentError, match="'fro' is a matrix norm"):
        tf.norm(f32(3), ord="fro")
    with pytest.raises(InvalidArgumentError, match="not a supported vector norm"):
        tf.norm(f32(3), ord=0)
    with pytest.raises(InvalidArgumentError, match="not a supported vector norm"):
        tf.norm(f32(3), ord=-1)
    with pytest.raises(InvalidArgumentError, match="not a supported matrix norm"):
        tf.norm(f32(3, 3), ord=3, axis=(0, 1))
    with pytest.raises(InvalidArgumentError, match="two different axes"):
        tf.norm(f32(3, 3), axis=(1, -1))
    with pytest.raises(InvalidArgumentError, match="axis must be None, an int or a 2-tuple"):
        tf.norm(f32(3, 3, 3), axis=[0, 1, 2])
    with pytest.raises(InvalidArgumentError, match="out of range"):
        tf.norm(f32(3), axis=2)
    with pytest.raises(DTypeError, match="norm: needs a floating tensor"):
        tf.norm(np.arange(3, dtype=np.int32))
    m = f32(3, 3)  # the spectral and nuclear norms (issue 18: through the SVD primitive)
    s = np.linalg.svd(m.astype(np.float64), compute_uv=False)
    np.testing.assert_allclose(tf.norm(m, ord=2, axis=(0, 1)).numpy(), s.max(), rtol=1e-5)
    np.testing.assert_allclose(tf.norm(m, ord="nuc", axis=(0, 1)).numpy(), s.sum(), rtol=1e-5)


# -- matrix helpers ----------------------------------------------------------------

def test_matrix_transpose():
    x = f32(2, 3, 4)
    close(tf.linalg.matrix_transpose(x), np.swapaxes(x, -1, -2))
    with pytest.raises(ShapeError, match="rank >= 2"):
        tf.linalg.matrix_transpose(f32(3))


@pytest.mark.parametrize("shape,k", [((4, 4), 0), ((2, 3, 3), 0), ((3, 5), 0), ((5, 3), 0),
                                     ((3, 4), 1), ((3, 4), -2), ((2, 4, 4), 3)])
def test_diag_part(shape, k):
    x = f64(*shape)
    want = np.diagonal(x, offset=k, axis1=-2, axis2=-1)
    close(tf.linalg.diag_part(x, k=k), want, 0)


def test_diag_part_errors():
    with pytest.raises(ShapeError, match="rank >= 2"):
        tf.linalg.diag_part(f32(3))
    with pytest.raises(InvalidArgumentError, match="reaches outside the"):
        tf.linalg.diag_part(f32(2, 3), k=3)


def test_diag():
    d = f32(2, 3)
    want = np.stack([np.diag(r) for r in d])
    close(tf.linalg.diag(d), want, 0)
    out = tf.linalg.diag(np.array([1.0, np.inf]), padding_value=-1.0)
    np.testing.assert_array_equal(out.numpy(), [[1.0, -1.0], [-1.0, np.inf]])
    with pytest.raises(ShapeError, match="rank >= 1"):
        tf.linalg.diag(np.float32(1.0))
    sup = tf.linalg.diag(d, k=1).numpy()  # the superdiagonal (issue 18: bands)
    np.testing.assert_array_equal(sup, np.stack([np.diag(r, k=1) for r in d]))


def test_trace():
    x = f64(2, 3, 3)
    close(tf.linalg.trace(x), np.trace(x, axis1=-2, axis2=-1), 1e-12)
    close(tf.linalg.trace(f64(2, 4)).shape, ())


def test_public_names():
    for name in ("matmul", "einsum", "tensordot", "norm"):
        assert getattr(tf, name) is getattr(tf.linalg, name)
    for name in ("matvec", "matrix_transpose", "diag", "diag_part", "trace"):
        assert callable(getattr(tf.linalg, name))


def test_rules_with_unknown_dims():
    from ember.core.registry import PRIMITIVES
    from ember.core.shape import TensorSpec as S

    mm, es = PRIMITIVES["matmul"], PRIMITIVES["einsum"]
    out = mm.abstract_eval(S([None, 3, 4]), S([4, None]))
    assert out.shape == (None, 3, None) and out.dtype == tf.float32
    assert mm.abstract_eval(S([None, 4, 3]), S([2, 4, 5]), transpose_a=True).shape == (2, 3, 5)
    assert mm.abstract_eval(S(None), S([4, 5])).shape.rank is None
    with pytest.raises(ShapeError, match=r"\(3 vs 4\)"):
        mm.abstract_eval(S([None, 3]), S([4, 5]))
    with pytest.raises(ShapeError, match="rank >= 2"):
        mm.abstract_eval(S([None]), S([4, 5]))
    assert es.abstract_eval(S([None, 3]), S([3, 7]), equation="ij,jk->ik").shape == (None, 7)
    assert es.abstract_eval(S([None, 3]), S([5, 3]), equation="bi,bi->b").shape == (5,)
    assert es.abstract_eval(S([None, 2, 3]), S([3, 4]),
                            equation="...ij,jk->...ik").shape == (None, 2, 4)
    assert es.abstract_eval(S([2, 3]), equation="ba").shape == (3, 2)


@pytest.mark.parametrize("equation", [
    "aecd,abcd->acbe", "acbe,aecd->abcd", "abc,cd->abd", "abcd,cde->abe", "bij,bjk->bik",
    "ij,ij->i", "ijk,ikl->jl", "abc,abd->acd", "abcd,be->aecd", "ab,cd->abcd", "abc,cb->a",
    "btd,de->bte"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64"])
def test_einsum_kernel_as_batched_matmul_equals_numpy(equation, dtype):
    """Large two-operand einsums run as one batched np.matmul (batch, free and contracted
    axes moved together; axes summed in one operand only pre-summed)."""
    from ember.backend.numpy.linalg import einsum as kernel
    rng = np.random.default_rng(0)
    ins, _ = equation.split("->")
    sa, sb = ins.split(",")
    dims = {c: int(rng.integers(3, 9)) for c in set(sa + sb)}
    a = rng.normal(size=[dims[c] for c in sa]).astype(dtype)
    b = rng.normal(size=[dims[c] for c in sb]).astype(dtype)
    out = kernel(a, b, equation=equation)
    want = np.einsum(equation, a, b)
    assert out.shape == want.shape and out.dtype == want.dtype
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-4)

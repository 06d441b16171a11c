"""The compiled loops a transformer step runs: einsum's products on the pool
(`_conv.gemm_nd`, reading the operands in place) and the row loops of softmax, its
gradient and layer normalization (`_conv.rows`). Each is compared with the NumPy code it
replaces (the same kernel with the compiled loops off) and with float64 NumPy formulas."""

from __future__ import annotations

import numpy as np
import pytest

from ember.backend.numpy import conv, linalg, nn

R = np.random.default_rng(11)
needs_c = pytest.mark.skipif(not conv.compiled_available(),
                             reason="ember's C extension _conv is not built here")
needs_pool_gemm = pytest.mark.skipif(not linalg._POOL_GEMM,
                                     reason="NumPy's OpenBLAS could not be handed to _conv")


def both(module, fn, *args, **params):
    """(compiled result, NumPy result) of one kernel call; `module` holds the switch."""
    if not module.compiled_available():
        pytest.skip("ember's C extension _conv is not built here")
    before = module.use_compiled(True)
    try:
        fast = fn(*[a.copy() for a in args], **params)
        module.use_compiled(False)
        slow = fn(*[a.copy() for a in args], **params)
    finally:
        module.use_compiled(before)
    return fast, slow


# -- einsum on the pool --------------------------------------------------------------

EINSUMS = [  # a transformer's products, forward and backward, and odd layouts
    ("abc,cde->abde", (8, 6, 16), (16, 2, 5)),       # EinsumDense: Q/K/V projections
    ("abcd,aecd->acbe", (3, 7, 2, 5), (3, 9, 2, 5)),  # attention scores (strided operands)
    ("acbe,aecd->abcd", (3, 2, 7, 9), (3, 9, 2, 5)),  # probabilities @ values (strided C)
    ("abcd,acbe->aecd", (3, 7, 2, 5), (3, 2, 7, 9)),
    ("acbe,abcd->aecd", (3, 2, 7, 9), (3, 7, 2, 5)),
    ("abde,abc->cde", (4, 6, 2, 5), (4, 6, 12)),      # a weight's gradient: C^T computed
    ("abe,abc->ce", (8, 80, 12), (8, 80, 30)),         # long reduction: split into blocks
    ("abcd,cde->abe", (4, 6, 2, 5), (2, 5, 11)),
    ("ij,kj->ki", (30, 50), (7, 50)),
    ("bij,bjk->bik", (1, 30, 40), (1, 40, 2)),         # size-1 batch axis
    ("ij,jk->ik", (1, 9), (9, 1)),                     # size-1 rows and columns
    ("bij,bkj->bki", (5, 1, 7), (5, 3, 7)),
]


@needs_pool_gemm
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("eq,sa,sb", EINSUMS)
def test_einsum_products_on_the_pool_match_numpy(eq, sa, sb, dtype):
    a = R.standard_normal(sa).astype(dtype)
    b = R.standard_normal(sb).astype(dtype)
    assert linalg._gemm_geometry(eq, sa, sb) is not None  # the pool path is taken
    want = np.einsum(eq, a.astype(np.float64), b.astype(np.float64))
    fast, slow = both(linalg, linalg.einsum, a, b, equation=eq)
    # float32 sums of up to 640 products of size ~30: rounding differs by ~1e-5
    tol = dict(rtol=1e-5, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    assert fast.dtype == dtype and fast.shape == want.shape and fast.flags.c_contiguous
    np.testing.assert_allclose(fast, want, **tol)
    np.testing.assert_allclose(fast, slow, **tol)


@needs_pool_gemm
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("eq,sa,sb", [EINSUMS[0], EINSUMS[2], EINSUMS[5], EINSUMS[6]])
def test_einsum_epilogues_match_the_separate_ops(eq, sa, sb, dtype):
    """einsum_bias (+ residual, + relu) and einsum_relu_grad on the pool equal the ops they
    fuse
    (exactly: the same rounding), through transposed outputs and split reductions."""
    a = R.standard_normal(sa).astype(dtype)
    b = R.standard_normal(sb).astype(dtype)
    g = linalg.einsum(a, b, equation=eq)
    y = R.standard_normal(g.shape).astype(dtype)
    y[..., 0] = np.nan  # nan is not > 0: masked
    np.testing.assert_array_equal(linalg.einsum_relu_grad(a, b, y, eq), g * (y > 0))
    bias = R.standard_normal(g.shape[-1:]).astype(dtype)
    np.testing.assert_array_equal(linalg.einsum_bias(a, b, bias, equation=eq), g + bias)
    np.testing.assert_array_equal(linalg.einsum_bias(a, b, bias, equation=eq, relu=True),
                                  np.maximum(g + bias, 0))
    z = R.standard_normal(g.shape).astype(dtype)
    np.testing.assert_array_equal(
        linalg.einsum_bias(a, b, bias, z, equation=eq, relu=True, residual=True),
        np.maximum(g + bias + z, 0))


def test_einsum_geometry_declines_what_blas_cannot_take():
    # an axis summed alone, a repeated index, sizes that disagree, an empty axis
    assert linalg._gemm_geometry("abc,cd->ad", (2, 3, 4), (4, 5)) is None
    assert linalg._gemm_geometry("aab,bc->ac", (2, 2, 3), (3, 4)) is None
    assert linalg._gemm_geometry("ab,bc->ac", (2, 3), (4, 5)) is None
    assert linalg._gemm_geometry("ab,bc->ac", (2, 0), (0, 5)) is None
    # C's columns and rows both strided ('acb' output of a product over b,c free axes)
    assert linalg._gemm_geometry("ab,cd->acbd", (3, 4), (5, 6)) is None
    # ... and every one of them still computes right through the other paths
    for eq, sa, sb in [("abc,cd->ad", (2, 3, 4), (4, 5)), ("ab,cd->acbd", (3, 4), (5, 6)),
                       ("ab,bc->ac", (2, 0), (0, 5))]:
        a, b = R.standard_normal(sa), R.standard_normal(sb)
        np.testing.assert_allclose(linalg.einsum(a, b, equation=eq), np.einsum(eq, a, b),
                                   rtol=1e-12, atol=1e-12)


@needs_pool_gemm
def test_gemm_nd_refuses_geometry_outside_the_buffers():
    from ember.backend.numpy import _conv
    a, b = np.ones((4, 3), np.float32), np.ones((3, 2), np.float32)
    c = np.empty((4, 2), np.float32)
    _conv.gemm_nd(a, b, c, (False, False, 4, 2, 3, 3, 2, 2, ()))
    np.testing.assert_array_equal(c, np.full((4, 2), 3.0))
    with pytest.raises(ValueError, match="reaches outside"):  # 5 rows of a 4-row a
        _conv.gemm_nd(a, b, np.empty((5, 2), np.float32), (False, False, 5, 2, 3, 3, 2, 2, ()))
    with pytest.raises(ValueError, match="reaches outside"):  # a batch stride past the end
        _conv.gemm_nd(a, b, c, (False, False, 4, 2, 3, 3, 2, 2, ((2, 12, 0, 0),)))
    with pytest.raises(ValueError, match="leading dimensions"):  # lda < k
        _conv.gemm_nd(a, b, c, (False, False, 4, 2, 3, 2, 2, 2, ()))
    with pytest.raises(TypeError, match="-byte items"):
        _conv.gemm_nd(a, b.astype(np.float64), c, (False, False, 4, 2, 3, 3, 2, 2, ()))


@needs_pool_gemm
def test_einsum_products_do_not_depend_on_the_threads():
    from ember.backend.numpy import _conv
    a = R.standard_normal((32, 64, 128)).astype(np.float32)
    b = R.standard_normal((32, 64, 96)).astype(np.float32)
    before = _conv.set_num_threads(1)
    try:
        one = linalg.einsum(a, b, equation="abe,abc->ce")  # split over the reduction
        _conv.set_num_threads(2)
        two = linalg.einsum(a, b, equation="abe,abc->ce")
    finally:
        _conv.set_num_threads(before)
    np.testing.assert_array_equal(one, two)


# -- softmax, its gradient, layer normalization ---------------------------------------

def _softmax64(x, axis=-1):
    z = x.astype(np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 4, 7, 64), (5, 1), (2, 37), (300, 129)])
def test_softmax_rows_match_numpy(shape, dtype):
    x = (R.standard_normal(shape) * 4).astype(dtype)
    fast, slow = both(conv, nn.softmax, x, axis=len(shape) - 1)
    tol = dict(rtol=2e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-13, atol=0)
    np.testing.assert_allclose(fast, _softmax64(x), **tol)
    np.testing.assert_allclose(fast, slow, **tol)
    assert fast.dtype == dtype and fast.shape == shape


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_rows_special_values(dtype):
    x = np.array([[0.0, -np.inf, 1.0, -np.inf],      # masked entries give exactly 0
                  [np.nan, 0.0, 1.0, 2.0],           # nan spreads over the row
                  [-np.inf] * 4,                      # all masked: nan (as NumPy / TF)
                  [1000.0, 0.0, -1000.0, -200.0],    # far below the max: 0, no overflow
                  [np.inf, 0.0, 1.0, 2.0]], dtype)
    fast, slow = both(conv, nn.softmax, x, axis=1)
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(slow))
    np.testing.assert_allclose(fast, slow, rtol=1e-6, atol=0)
    assert fast[0, 1] == 0 and fast[0, 3] == 0 and fast[3, 0] == 1 and fast[3, 2] == 0


@needs_c
def test_softmax_exp_is_accurate_over_its_range():
    # the compiled float32 exp (of x - max <= 0) against float64 over [-88, 0]
    t = np.linspace(-87.0, 0.0, 200_001).astype(np.float32)
    x = np.stack([t, np.zeros_like(t)], axis=1)  # row max 0: softmax = e^t / (1 + e^t)
    got = nn.softmax(x, axis=1)[:, 0].astype(np.float64)
    e = np.exp(t.astype(np.float64))
    np.testing.assert_allclose(got, e / (1 + e), rtol=3e-7, atol=1e-37)


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axis", [((4, 6, 33), 2), ((50, 128), 1), ((3, 5, 4), 1)])
def test_softmax_grad_matches_numpy(shape, axis, dtype):
    y = _softmax64(R.standard_normal(shape), axis).astype(dtype)
    g = R.standard_normal(shape).astype(dtype)
    z, gz = y.astype(np.float64), g.astype(np.float64)
    want = z * (gz - (gz * z).sum(axis=axis, keepdims=True))
    fast, slow = both(conv, nn.softmax_grad, g, y, axis=axis)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fast, want, **tol)
    np.testing.assert_allclose(slow, want, **tol)


def _ln64(x, gamma, beta, eps):
    z = x.astype(np.float64)
    xc = z - z.mean(-1, keepdims=True)
    y = xc / np.sqrt((xc * xc).mean(-1, keepdims=True) + eps)
    return y * (1 if gamma is None else gamma) + (0 if beta is None else beta)


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale,center", [(True, True), (True, False), (False, True),
                                          (False, False)])
@pytest.mark.parametrize("shape", [(4, 9, 128), (700, 33), (2, 5)])
def test_layer_norm_rows_and_gradient_match_numpy(shape, scale, center, dtype):
    d = shape[-1]
    x = (R.standard_normal(shape) * 3 + 2).astype(dtype)
    g = R.standard_normal(shape).astype(dtype)
    gamma = R.uniform(0.5, 2.0, d).astype(dtype)
    beta = R.standard_normal(d).astype(dtype)
    ws = [gamma] * scale + [beta] * center
    p = dict(axis=(len(shape) - 1,), epsilon=1e-5, scale=scale, center=center)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-12)
    fast, slow = both(conv, nn.layer_norm, x, *ws, **p)
    np.testing.assert_allclose(fast, _ln64(x, gamma if scale else None,
                                           beta if center else None, 1e-5), **tol)
    np.testing.assert_allclose(fast, slow, **tol)
    fast, slow = both(conv, nn.layer_norm_grad, g, x, *ws[:scale], **p)
    assert len(fast) == len(slow) == 1 + scale + center
    for a, b in zip(fast, slow):
        assert a.dtype == b.dtype == dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, **tol)


@needs_c
def test_layer_norm_over_two_trailing_axes_and_gradient_sums_do_not_depend_on_threads():
    from ember.backend.numpy import _conv
    x = R.standard_normal((300, 4, 8)).astype(np.float32)
    g = R.standard_normal((300, 4, 8)).astype(np.float32)
    gamma = R.uniform(0.5, 2.0, (4, 8)).astype(np.float32)
    p = dict(axis=(1, 2), epsilon=1e-3, scale=True, center=True)
    fast, slow = both(conv, nn.layer_norm_grad, g, x, gamma, **p)
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    before = _conv.set_num_threads(1)
    try:
        one = nn.layer_norm_grad(g, x, gamma, **p)
        _conv.set_num_threads(2)
        two = nn.layer_norm_grad(g, x, gamma, **p)
    finally:
        _conv.set_num_threads(before)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


@needs_c
def test_rows_refuses_bad_calls():
    from ember.backend.numpy import _conv
    x = np.zeros((4, 6), np.float32)
    y = np.empty_like(x)
    with pytest.raises(ValueError, match="multiple of d"):
        _conv.rows(0, x, None, None, None, y, None, None, 5, 0.0)
    with pytest.raises(ValueError, match="g given exactly"):
        _conv.rows(1, x, None, None, None, y, None, None, 6, 0.0)  # the gradient needs g
    with pytest.raises(ValueError, match="elements"):
        _conv.rows(2, x, None, np.ones(5, np.float32), None, y, None, None, 6, 0.0)
    with pytest.raises(ValueError, match="elements"):
        _conv.rows(0, x, None, None, None, np.empty(5, np.float32), None, None, 6, 0.0)
    with pytest.raises(ValueError, match="which must be"):
        _conv.rows(7, x, None, None, None, y, None, None, 6, 0.0)


# -- rows added at indices -------------------------------------------------------------

@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_embedding_gradient_scatter_matches_numpy(dtype):
    from ember.backend.numpy import gather
    u = R.standard_normal((16, 20, 8)).astype(dtype)
    ids = R.integers(0, 50, (16, 20))
    ids[0, :5] = 7  # repeats: their rows add up
    like = np.empty((50, 8), dtype)
    fast, slow = both(conv, gather.scatter_add_axis, u, ids, like, axis=0, batch_dims=0)
    want = np.zeros((50, 8))
    np.add.at(want, ids.reshape(-1), u.reshape(-1, 8).astype(np.float64))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(fast, want, rtol=tol, atol=tol)
    np.testing.assert_allclose(fast, slow, rtol=tol, atol=tol)


@needs_c
def test_scatter_rows_refuses_indices_outside_the_table():
    from ember.backend.numpy import _conv
    out = np.zeros((4, 3), np.float32)
    u = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match="outside"):
        _conv.scatter_rows(u, np.array([1, 4]), out)
    with pytest.raises(ValueError, match="outside"):
        _conv.scatter_rows(u, np.array([-1, 0]), out)
    assert not out.any()  # nothing written before the check
    with pytest.raises(TypeError, match="int64"):
        _conv.scatter_rows(u, np.array([1, 2], np.int32), out)
    with pytest.raises(ValueError, match=r"\(len\(idx\), w\)"):
        _conv.scatter_rows(u, np.array([1]), out)

"""ember's compiled convolution and pooling loops (ember/backend/numpy/_conv.c) against
the NumPy kernels they replace, on the same inputs: every geometry the kernels take
(strides, SAME / VALID / explicit padding, dilations), float32 and float64, odd sizes,
special values and TF's tie rules. Where no C compiler built them, the NumPy side alone
runs (the kernels' spec cases in tests/op_specs cover it) and these comparisons skip."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from ember.backend.numpy import conv, conv_fused

needs_c = pytest.mark.skipif(not conv.compiled_available(),
                             reason="ember's C extension _conv is not built here")
R = np.random.default_rng(5)


def both(fn, *args, **params):
    """(compiled result, NumPy result) of one kernel call."""
    if not conv.compiled_available():
        pytest.skip("ember's C extension _conv is not built here")
    before = conv.use_compiled(True)
    try:
        fast = fn(*[a.copy() for a in args], **params)
        conv.use_compiled(False)
        slow = fn(*[a.copy() for a in args], **params)
    finally:
        conv.use_compiled(before)
    return fast, slow


CONV = [  # (x shape, filter shape, strides, padding, dilations)
    ((2, 7, 9, 3), (3, 3, 3, 5), (1, 1), "VALID", (1, 1)),
    ((2, 7, 9, 3), (3, 2, 3, 4), (2, 1), "SAME", (1, 1)),
    ((1, 8, 8, 1), (3, 3, 1, 6), (1, 2), "SAME", (2, 2)),
    ((3, 6, 5, 4), (2, 3, 4, 2), (1, 1), ((1, 2), (0, 1)), (1, 1)),
    ((2, 5, 6, 2), (1, 1, 2, 3), (2, 2), "VALID", (1, 1)),
    ((1, 9, 4, 2), (4, 1, 2, 2), (3, 1), ((2, 0), (1, 1)), (2, 1)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs,ws,strides,padding,dilations", CONV)
def test_convolution_kernels_match_numpy(xs, ws, strides, padding, dilations, dtype):
    x = R.standard_normal(xs).astype(dtype)
    w = R.standard_normal(ws).astype(dtype)
    p = dict(strides=strides, padding=padding, dilations=dilations)
    fast, slow = both(conv.conv2d, x, w, **p)
    # the same im2col rows into the same matmul: the same bits
    np.testing.assert_array_equal(fast, slow)
    dy = R.standard_normal(fast.shape).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    fast, slow = both(conv.conv2d_backprop_input, dy, w, x, **p)
    assert fast.dtype == slow.dtype == dtype and fast.shape == x.shape
    np.testing.assert_allclose(fast, slow, **tol)  # one GEMM + col2im vs a GEMM per tap
    fast, slow = both(conv.conv2d_backprop_filter, x, dy, w, **p)
    assert fast.dtype == dtype and fast.shape == w.shape
    np.testing.assert_array_equal(fast, slow)


POOL = [  # (x shape, ksize, strides, padding)
    ((2, 8, 8, 3), (2, 2), (2, 2), "VALID"),
    ((2, 7, 9, 3), (2, 2), (2, 2), "SAME"),
    ((2, 7, 9, 3), (2, 2), (2, 2), "VALID"),  # a last row and column no window covers
    ((1, 8, 9, 300), (3, 3), (3, 3), "VALID"),  # more channels than one block of maxima
    ((1, 7, 7, 2), (3, 3), (2, 2), "SAME"),
    ((2, 6, 5, 4), (3, 2), (1, 1), "VALID"),
    ((1, 5, 8, 5), (2, 3), (1, 2), "SAME"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs,ksize,strides,padding", POOL)
def test_pooling_kernels_match_numpy(xs, ksize, strides, padding, dtype):
    x = R.standard_normal(xs).astype(dtype)
    x[0, 0, :2] = 1.5  # ties within windows: the first maximum (row-major) takes dy
    p = dict(ksize=ksize, strides=strides, padding=padding)
    fast, slow = both(conv.max_pool2d, x, **p)
    np.testing.assert_array_equal(fast, slow)
    dy = R.standard_normal(fast.shape).astype(dtype)
    overlap = strides[0] < ksize[0] or strides[1] < ksize[1]
    def check(a, b):
        if overlap:  # an input in several windows sums their dy in another order
            np.testing.assert_allclose(a, b, rtol=1e-5 if dtype == np.float32 else 1e-12)
        else:
            np.testing.assert_array_equal(a, b)
    fast, slow = both(conv.max_pool2d_grad, dy, x, **p)
    check(fast, slow)
    tol = 1e-5 if dtype == np.float32 else 1e-12  # window sums in another order
    fast, slow = both(conv.avg_pool2d, x, **p)
    assert fast.dtype == dtype
    np.testing.assert_allclose(fast, slow, rtol=tol, atol=tol)
    fast, slow = both(conv.avg_pool2d_grad, dy, x, **p)
    assert fast.dtype == dtype and fast.shape == x.shape
    np.testing.assert_allclose(fast, slow, rtol=tol, atol=tol)
    y = np.maximum(x, 0)
    fast, slow = both(conv_fused.max_pool2d_grad_relu, dy, y, **p)
    check(fast, slow)
    want = conv.max_pool2d_grad(dy, y, **p) * (y > 0)
    check(fast, want.astype(dtype))


@pytest.mark.parametrize("special", [np.nan, -np.inf, np.inf])
def test_max_pool_special_values_match_numpy(special):
    """nan propagates through the maximum and takes the gradient (the first nan); a window
    of -inf gives its first element the gradient; dy's nan / inf stays in its place."""
    x = R.standard_normal((2, 6, 6, 3))
    x[0, 1, 1, 0] = special
    x[1, :2, :2, :] = -np.inf
    x[1, 4, 5, 2] = special
    dy = R.standard_normal((2, 3, 3, 3))
    dy[0, 2, 2, 1] = np.nan
    for p in (dict(ksize=(2, 2), strides=(2, 2), padding="VALID"),
              dict(ksize=(3, 3), strides=(2, 2), padding="SAME")):
        out_shape = conv.max_pool2d(x, **p).shape
        g = dy[:, :out_shape[1], :out_shape[2]].copy()
        fast, slow = both(conv.max_pool2d, x, **p)
        np.testing.assert_array_equal(fast, slow)
        fast, slow = both(conv.max_pool2d_grad, g, x, **p)
        np.testing.assert_allclose(fast, slow)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bias_relu_and_relu_grad_match_numpy(dtype):
    x = R.standard_normal((64, 33, 40)).astype(dtype)  # large enough for the threads
    x[0, 0, :3] = [np.nan, np.inf, -np.inf]
    b = R.standard_normal(40).astype(dtype)
    fast, slow = both(conv_fused.bias_relu, x, b)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(slow, np.maximum(x + b, 0))
    g = R.standard_normal(x.shape).astype(dtype)
    fast, slow = both(conv.relu_grad, g, x)
    np.testing.assert_array_equal(fast, slow)


def test_non_contiguous_inputs_are_copied_not_misread():
    x = R.standard_normal((2, 9, 8, 6))[:, ::2, :, ::2]  # strided: not C-contiguous
    w = R.standard_normal((3, 3, 3, 2))
    p = dict(strides=(1, 1), padding="SAME", dilations=(1, 1))
    fast, slow = both(conv.conv2d, x, w, **p)
    np.testing.assert_array_equal(fast, slow)
    fast, slow = both(conv.max_pool2d, x, ksize=(2, 2), strides=(2, 2), padding="SAME")
    np.testing.assert_array_equal(fast, slow)


@needs_c
def test_thread_counts_give_the_same_values():
    from ember.backend.numpy import _conv
    x = R.standard_normal((16, 30, 30, 8)).astype(np.float32)
    dy = R.standard_normal((16, 15, 15, 8)).astype(np.float32)
    p = dict(ksize=(2, 2), strides=(2, 2), padding="VALID")
    before = _conv.set_num_threads(1)
    try:
        one = conv.max_pool2d_grad(dy, x, **p), conv.max_pool2d(x, **p)
        _conv.set_num_threads(2)
        two = conv.max_pool2d_grad(dy, x, **p), conv.max_pool2d(x, **p)
    finally:
        _conv.set_num_threads(before)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


@needs_c
def test_the_extension_refuses_bad_buffers():
    from ember.backend.numpy import _conv
    x = np.zeros((1, 4, 4, 2), np.float32)
    geo = (2, 2, 2, 2, 1, 1, 0, 0, 2, 2)
    with pytest.raises(ValueError, match="elements, the geometry needs"):
        _conv.max_pool(x, np.zeros((1, 2, 2, 3), np.float32), geo)
    with pytest.raises(TypeError, match="float32 or float64"):
        _conv.max_pool(x.astype(np.int32), np.zeros((1, 2, 2, 2), np.int32), geo)
    with pytest.raises(TypeError, match="-byte items"):
        _conv.max_pool(x, np.zeros((1, 2, 2, 2), np.float64), geo)
    with pytest.raises(ValueError, match="4 dimensions"):
        _conv.im2col(x.reshape(4, 8), np.zeros(32, np.float32), geo)
    with pytest.raises(TypeError, match="10 ints"):
        _conv.max_pool(x, np.zeros((1, 2, 2, 2), np.float32), (2, 2))
    with pytest.raises(ValueError, match="rows of that width"):
        _conv.bias_act(x, np.zeros(3, np.float32), np.zeros_like(x), True)
    with pytest.raises(ValueError):  # read-only output
        out = np.zeros((1, 2, 2, 2), np.float32)
        out.flags.writeable = False
        _conv.max_pool(x, out, geo)


def test_use_compiled_refuses_when_not_built(monkeypatch):
    monkeypatch.setattr(conv, "_compiled", None)
    with pytest.raises(RuntimeError, match="not built"):
        conv.use_compiled(True)
    assert conv.compiled_available() is False


def test_no_c_kernels_variable_turns_them_off():
    code = ("from ember.backend.numpy import conv; import numpy as np; "
            "x = np.arange(16.0).reshape(1, 4, 4, 1); "
            "print(conv.compiled_available(), conv.max_pool2d(x, (2, 2), (2, 2), 'VALID')"
            ".ravel().tolist())")
    env = dict(os.environ, EMBER_NO_C_KERNELS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split(None, 1)
    assert out[0] == "False"
    assert out[1].strip() == "[5.0, 7.0, 13.0, 15.0]"


TILED = [  # (z shape, ksize, padding): windows that tile z from its top left
    ((2, 8, 8, 3), (2, 2), "VALID"),
    ((2, 7, 9, 5), (2, 2), "VALID"),  # rows / columns no window covers
    ((2, 7, 9, 5), (2, 2), "SAME"),  # windows cut at the bottom / right border
    ((1, 9, 6, 300), (3, 2), "VALID"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("zs,ksize,padding", TILED)
def test_bias_relu_pool_with_taps_matches_numpy_and_the_unfused_ops(zs, ksize, padding, dtype):
    z = R.standard_normal(zs).astype(dtype)
    z[0, :2, :2, 0] = -5.0  # a window whose relu is all zeros: its first tap wins
    z[-1, 1, 1, -1] = np.nan
    b = R.standard_normal(zs[3]).astype(dtype) * 0.3
    p = dict(ksize=ksize, strides=ksize, padding=padding)
    (pf, tf_), (ps, ts) = both(conv_fused.bias_relu_max_pool, z, b, **p)
    np.testing.assert_array_equal(pf, ps)
    np.testing.assert_array_equal(tf_, ts)
    y = np.maximum(z + b, 0)
    np.testing.assert_array_equal(pf, conv.max_pool2d(y, **p))
    dy = R.standard_normal(pf.shape).astype(dtype)
    fast, slow = both(conv_fused.max_pool2d_grad_relu_taps, dy, pf, tf_, **p, input_hw=zs[1:3])
    np.testing.assert_array_equal(fast, slow)
    want = conv_fused.max_pool2d_grad_relu(dy, y, **p)  # the unfused pair on the relu's output
    np.testing.assert_array_equal(fast, want)
    (dxf, dbf), (dxs, dbs) = both(conv_fused.max_pool2d_grad_relu_taps_db, dy, pf, tf_, **p,
                                  input_hw=zs[1:3])
    np.testing.assert_array_equal(dxf, want)
    np.testing.assert_array_equal(dxs, want)
    tol = 1e-5 if dtype == np.float32 else 1e-12  # sums in another order
    np.testing.assert_allclose(dbf, want.sum(axis=(0, 1, 2)), rtol=tol, atol=tol)
    np.testing.assert_allclose(dbs, want.sum(axis=(0, 1, 2)), rtol=tol, atol=tol)


@needs_c
def test_intra_op_threads_limit_the_compiled_loops():
    import ember as tf
    from ember.backend.numpy import _conv
    before = tf.config.threading.get_intra_op_parallelism_threads()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(0)
        every_core = _conv.max_threads()
        assert every_core >= 1
        tf.config.threading.set_intra_op_parallelism_threads(1)
        assert _conv.max_threads() == 1
        tf.config.threading.set_intra_op_parallelism_threads(0)
        assert _conv.max_threads() == every_core
    finally:
        tf.config.threading.set_intra_op_parallelism_threads(before)


def test_filter_gradient_of_few_channels_sums_blocks_of_rows():
    """K = kh*kw*C <= 32 over >= 32K rows: a batch of 32 products, summed; the same
    gradient (float rounding aside) as one product, in float64 too."""
    x = R.standard_normal((32, 34, 34, 1)).astype(np.float32)
    w = R.standard_normal((3, 3, 1, 8)).astype(np.float32)
    p = dict(strides=(1, 1), padding="VALID", dilations=(1, 1))
    dy = R.standard_normal((32, 32, 32, 8)).astype(np.float32)
    got = conv.conv2d_backprop_filter(x, dy, w, **p)
    cols = conv._cols(x.astype(np.float64), (3, 3), (1, 1), "VALID", (1, 1))[0]
    want = (cols.T @ dy.reshape(-1, 8).astype(np.float64)).reshape(w.shape)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)
    y, kept = conv_fused.conv2d_keep_cols(x, w, **p)
    np.testing.assert_array_equal(conv_fused.conv2d_backprop_filter_cols(kept, x, dy, w, **p), got)


DEPTHWISE = [  # (x shape, filter shape [kh, kw, C, M], strides, padding, dilations)
    ((2, 9, 8, 4), (3, 3, 4, 1), (1, 1), "SAME", (1, 1)),
    ((2, 9, 8, 3), (3, 2, 3, 2), (2, 1), "VALID", (1, 1)),
    ((1, 10, 9, 5), (3, 3, 5, 1), (2, 2), "SAME", (2, 1)),
    ((2, 7, 7, 2), (2, 3, 2, 3), (1, 2), ((1, 2), (0, 1)), (1, 1)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs,ws,strides,padding,dilations", DEPTHWISE)
def test_depthwise_loops_match_numpy(xs, ws, strides, padding, dilations, dtype):
    from ember.backend.numpy import depthwise as dw
    x = R.standard_normal(xs).astype(dtype)
    w = R.standard_normal(ws).astype(dtype)
    p = dict(strides=strides, padding=padding, dilations=dilations)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    fast, slow = both(dw.depthwise_conv2d, x, w, **p)
    assert fast.dtype == dtype and fast.shape == slow.shape
    np.testing.assert_allclose(fast, slow, **tol)
    dy = R.standard_normal(fast.shape).astype(dtype)
    fast, slow = both(dw.depthwise_conv2d_backprop_input, dy, w, x, **p)
    assert fast.dtype == dtype and fast.shape == x.shape
    np.testing.assert_allclose(fast, slow, **tol)
    fast, slow = both(dw.depthwise_conv2d_backprop_filter, x, dy, w, **p)
    assert fast.dtype == dtype and fast.shape == w.shape
    np.testing.assert_allclose(fast, slow, **tol)
    w[0, 0, 0, 0] = np.inf  # the scatter keeps inf * 0 = nan away from untouched inputs
    fast, slow = both(dw.depthwise_conv2d_backprop_input, dy, w, x, **p)
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(slow))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,scale,center", [((64, 9, 7, 16), True, True),
                                                ((50, 3), False, True), ((130, 5, 8), True,
                                                                        False)])
def test_batch_norm_loops_match_numpy(shape, scale, center, dtype):
    from ember.backend.numpy import batch_norm as bn
    x = (R.standard_normal(shape) * 3 + 1).astype(dtype)
    c = shape[-1]
    weights = ([R.standard_normal(c).astype(dtype)] if scale else []) + \
        ([R.standard_normal(c).astype(dtype)] if center else [])
    p = dict(epsilon=1e-3, scale=scale, center=center)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    fast, slow = both(bn.batch_norm_train, x, *weights, **p)
    for a, b in zip(fast, slow):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, **tol)
    y, mean, var = slow
    dy = R.standard_normal(shape).astype(dtype)
    fast, slow = both(bn.batch_norm_train_grad, dy, x, mean, var, *weights[:scale], **p)
    assert len(fast) == len(slow) == 1 + scale + center
    for a, b in zip(fast, slow):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m,k,n,ta,tb", [(3000, 288, 64, False, False),
                                         (288, 9000, 64, True, False),  # split over K
                                         (5000, 64, 288, False, True),
                                         (37, 5, 3, False, False), (7, 11, 5, True, False)])
def test_convolution_gemms_equal_numpy(m, k, n, ta, tb, dtype):
    """The convolutions' products (conv._mm): on the loops' threads where NumPy's
    OpenBLAS could be handed to them, else np.matmul; the same values either way."""
    a = R.standard_normal((k, m) if ta else (m, k)).astype(dtype)
    b = R.standard_normal((n, k) if tb else (k, n)).astype(dtype)
    want = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b).astype(np.float64)
    got = conv._mm(a, b, ta, tb)
    assert got.dtype == dtype and got.shape == (m, n)
    tol = 1e-4 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * 10)
    fast, slow = both(conv._mm, a, b, ta=ta, tb=tb)
    np.testing.assert_allclose(fast, slow, rtol=tol, atol=tol * 10)


@needs_c
def test_pool_gemm_refuses_bad_shapes_and_can_be_turned_off():
    from ember.backend.numpy import _conv
    if conv._POOL_GEMM:
        with pytest.raises(ValueError, match="shapes do not fit"):
            _conv.gemm(np.ones((3, 4), np.float32), np.ones((5, 2), np.float32),
                       np.empty((3, 2), np.float32), False, False)
    code = ("from ember.backend.numpy import conv; import numpy as np; "
            "print(conv._POOL_GEMM, float(conv._mm(np.ones((4, 3)), np.ones((3, 2)))[0, 0]))")
    env = dict(os.environ, EMBER_NO_POOL_GEMM="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["False", "3.0"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_relu_loops_match_numpy_and_the_unfused_pair(dtype):
    from ember.backend.numpy import batch_norm as bn
    x = (R.standard_normal((64, 9, 7, 16)) * 2).astype(dtype)
    gamma, beta = (R.standard_normal(16).astype(dtype) for _ in range(2))
    p = dict(epsilon=1e-3, scale=True, center=True)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    (rf, mf, vf), (rs, ms, vs) = both(bn.batch_norm_relu_train, x, gamma, beta, **p)
    y, mean, var = bn.batch_norm_train(x, gamma, beta, **p)
    for got in (rf, rs):
        np.testing.assert_allclose(got, np.maximum(y, 0), **tol)
    dy = R.standard_normal(x.shape).astype(dtype)
    fast, slow = both(bn.batch_norm_relu_train_grad, dy, rs, x, ms, vs, gamma, **p)
    want = bn.batch_norm_train_grad(dy * (rs > 0), x, ms, vs, gamma, **p)
    for f, s_, w in zip(fast, slow, want):
        np.testing.assert_allclose(f, w, **tol)
        np.testing.assert_allclose(s_, w, **tol)

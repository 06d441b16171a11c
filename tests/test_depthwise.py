"""The dedicated depthwise convolution (ember/prims/depthwise.py, its NumPy kernels in
ember/backend/numpy/depthwise.py) behind tf.nn.depthwise_conv2d: values vs the former
block-diagonal conv2d and a NumPy loop reference for strides, paddings (SAME, VALID,
explicit), dilations, channel multipliers 1 and 3, float16/32/64 (and bfloat16); both
gradient paths of the input gradient (gather and scatter); gradients and gradients of
gradients vs float64 central differences; ember.function == eager; shape errors naming
the op."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.backend.numpy import depthwise as kernels
from ember.core.dtypes import bfloat16
from ember.core.registry import PRIMITIVES, bind
from ember.core.tensor import wrap
from ember.errors import ShapeError
from ember.ops.conv_extra import depthwise_conv2d, separable_conv2d
from ember.prims.conv import conv2d_p
from ember.prims.depthwise import (depthwise_conv2d_backprop_filter_p,
                                   depthwise_conv2d_backprop_input_p, depthwise_conv2d_p)
from tests.gradcheck import check_vjp
from tests.helpers import assert_close, numeric_gradient
from tests.op_specs.depthwise_specs import (ref_backprop_filter, ref_backprop_input,
                                            ref_depthwise)

R = np.random.default_rng(23)

GEOMETRY = [  # (x shape, (kh, kw), strides, padding, dilations)
    ((2, 7, 6, 4), (3, 3), (1, 1), "SAME", (1, 1)),
    ((2, 7, 6, 4), (3, 3), (2, 2), "SAME", (1, 1)),
    ((1, 8, 9, 3), (2, 3), (2, 1), "VALID", (1, 1)),
    ((2, 9, 8, 2), (3, 2), (1, 3), "VALID", (2, 1)),
    ((1, 9, 9, 3), (3, 3), (1, 1), "SAME", (2, 2)),
    ((2, 6, 7, 2), (2, 2), (1, 2), ((1, 2), (0, 3)), (1, 1)),
    ((1, 5, 6, 3), (3, 2), (1, 1), ((4, 0), (1, 5)), (1, 2)),  # pads wider than the window
    ((2, 7, 8, 2), (2, 3), (2, 2), ((1, 0), (0, 1)), (2, 2)),  # rows no tap reads
]
IDS = [f"{g[2]}-{g[3]}-{g[4]}".replace(" ", "") for g in GEOMETRY]


def _params(strides, padding, dilations) -> dict:
    return {"strides": strides, "padding": padding, "dilations": dilations}


def _block_diagonal(w: np.ndarray) -> np.ndarray:
    """`[kh, kw, C, M]` as the conv2d filter `[kh, kw, C, C * M]` of the former path."""
    kh, kw, c, m = w.shape
    eye = np.eye(c, dtype=w.dtype).reshape(1, 1, c, c, 1)
    return (w.reshape(kh, kw, c, 1, m) * eye).reshape(kh, kw, c, c * m)


def _loop_reference(x: np.ndarray, w: np.ndarray, strides, padding, dilations) -> np.ndarray:
    """depthwise_conv2d by plain loops over outputs, taps, channels and multipliers."""
    n, h, wd, c = x.shape
    kh, kw, _, m = w.shape
    pad = (padding, padding) if isinstance(padding, str) else padding
    edges, out = [], []
    for size, k, s, d, p in zip((h, wd), (kh, kw), strides, dilations, pad):
        dk = (k - 1) * d + 1
        if p == "SAME":
            o = -(-size // s)
            before = max((o - 1) * s + dk - size, 0) // 2
        else:
            before, after = (0, 0) if p == "VALID" else p
            o = (size + before + after - dk) // s + 1
        edges.append(before)
        out.append(o)
    y = np.zeros((n, out[0], out[1], c * m))
    for a in range(out[0]):
        for b in range(out[1]):
            for i in range(kh):
                for j in range(kw):
                    r = a * strides[0] + i * dilations[0] - edges[0]
                    q = b * strides[1] + j * dilations[1] - edges[1]
                    if 0 <= r < h and 0 <= q < wd:
                        for ch in range(c):
                            for k in range(m):
                                y[:, a, b, ch * m + k] += x[:, r, q, ch] * w[i, j, ch, k]
    return y


# -- values ----------------------------------------------------------------------------

@pytest.mark.parametrize("m", [1, 3])
@pytest.mark.parametrize("xs, ks, strides, padding, dilations", GEOMETRY, ids=IDS)
def test_values_equal_block_diagonal_conv2d_and_loops(xs, ks, strides, padding, dilations, m):
    x = R.standard_normal(xs)
    w = R.standard_normal(ks + (xs[3], m))
    p = _params(strides, padding, dilations)
    y = bind(depthwise_conv2d_p, wrap(x), wrap(w), **p).numpy()
    old = bind(conv2d_p, wrap(x), wrap(_block_diagonal(w)), **p).numpy()
    assert y.shape == old.shape
    assert_close(y, old, 1e-12)
    assert_close(y, _loop_reference(x, w, strides, padding, dilations), 1e-12)


@pytest.mark.parametrize("dtype, tol", [(np.float16, 2e-2), (np.float32, 1e-5)])
@pytest.mark.parametrize("m", [1, 3])
@pytest.mark.parametrize("xs, ks, strides, padding, dilations", GEOMETRY[::2], ids=IDS[::2])
def test_low_precision_values_and_gradients(xs, ks, strides, padding, dilations, m, dtype, tol):
    """float16 is computed in float32 and returned as float16, as conv2d's kernels."""
    x, w = R.standard_normal(xs), R.standard_normal(ks + (xs[3], m))
    x, w = x.astype(dtype).astype(np.float64), w.astype(dtype).astype(np.float64)
    p = _params(strides, padding, dilations)
    y = ref_depthwise(x, w, **p)
    g = R.standard_normal(y.shape).astype(dtype).astype(np.float64)
    for prim, args, want in (
            (depthwise_conv2d_p, (x, w), y),
            (depthwise_conv2d_backprop_input_p, (g, w, x), ref_backprop_input(g, w, x, **p)),
            (depthwise_conv2d_backprop_filter_p, (x, g, w), ref_backprop_filter(x, g, w, **p))):
        got = bind(prim, *[wrap(a.astype(dtype)) for a in args], **p).numpy()
        assert got.dtype == dtype and got.shape == want.shape
        assert_close(got / max(1.0, np.abs(want).max()), want / max(1.0, np.abs(want).max()),
                     tol)


def test_bfloat16_computes_in_float32():
    x, w = R.standard_normal((2, 5, 5, 3)), R.standard_normal((3, 3, 3, 2))
    p = _params((1, 1), "SAME", (1, 1))
    got = depthwise_conv2d(tf.cast(x, bfloat16), tf.cast(w, bfloat16), 1, "SAME")
    assert got.dtype == bfloat16
    want = ref_depthwise(x, w, **p)
    assert_close(tf.cast(got, tf.float64).numpy() / np.abs(want).max(),
                 want / np.abs(want).max(), 3e-2)


def test_nchw_equals_nhwc_and_separable_uses_it():
    x, w = R.standard_normal((2, 6, 7, 3)), R.standard_normal((3, 3, 3, 2))
    want = depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME").numpy()
    got = depthwise_conv2d(np.transpose(x, (0, 3, 1, 2)), w, [1, 1, 2, 2], "SAME",
                           data_format="NCHW").numpy()
    assert_close(np.transpose(got, (0, 2, 3, 1)), want, 1e-12)
    pw = R.standard_normal((1, 1, 6, 4))
    assert_close(separable_conv2d(x, w, pw, [1, 2, 2, 1], "SAME").numpy(),
                 want @ pw[0, 0], 1e-12)


@pytest.mark.parametrize("m", [1, 2])
@pytest.mark.parametrize("xs, ks, strides, padding, dilations", GEOMETRY, ids=IDS)
def test_input_gradient_paths_agree_with_the_reference(xs, ks, strides, padding, dilations, m,
                                                       monkeypatch):
    """Unit strides take the gather form (a correlation of the padded cotangent), the
    others the scatter; a filter holding inf takes the scatter, whose nan/inf stay where
    the loop reference puts them. Batch chunks of the scatter split the batch."""
    monkeypatch.setattr(kernels, "_CHUNK_BYTES", 64)  # one image per scatter chunk
    x, w = R.standard_normal(xs), R.standard_normal(ks + (xs[3], m))
    p = _params(strides, padding, dilations)
    g = R.standard_normal(ref_depthwise(x, w, **p).shape)
    got = kernels.depthwise_conv2d_backprop_input(g, w, x, **p)
    assert_close(got, ref_backprop_input(g, w, x, **p), 1e-12)
    w[0, -1, 0, 0], g[0, 0, 0, 0] = np.inf, np.nan
    got = kernels.depthwise_conv2d_backprop_input(g, w, x, **p)
    want = ref_backprop_input(g, w, x, **p)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, equal_nan=True)


# -- gradients -------------------------------------------------------------------------

@pytest.mark.parametrize("m", [1, 3])
@pytest.mark.parametrize("xs, ks, strides, padding, dilations", GEOMETRY[1::2], ids=IDS[1::2])
def test_gradients_equal_finite_differences(xs, ks, strides, padding, dilations, m):
    x, w = R.standard_normal(xs), R.standard_normal(ks + (xs[3], m))
    p = _params(strides, padding, dilations)
    u = R.standard_normal(ref_depthwise(x, w, **p).shape)

    def loss(a, b):
        return float(np.sum(bind(depthwise_conv2d_p, wrap(a), wrap(b), **p).numpy() * u))

    tx, tw = tf.constant(x), tf.constant(w)
    with tf.GradientTape() as tape:
        tape.watch([tx, tw])
        y = bind(depthwise_conv2d_p, tx, tw, **p)
        total = tf.reduce_sum(y * u)
    gx, gw = tape.gradient(total, [tx, tw])
    assert_close(gx.numpy(), numeric_gradient(lambda a: loss(a, w), x), 1e-7)
    assert_close(gw.numpy(), numeric_gradient(lambda b: loss(x, b), w), 1e-7)


@pytest.mark.parametrize("m", [1, 2])
@pytest.mark.parametrize("xs, ks, strides, padding, dilations", GEOMETRY, ids=IDS)
def test_each_primitive_gradient_rule(xs, ks, strides, padding, dilations, m):
    x, w = R.standard_normal(xs), R.standard_normal(ks + (xs[3], m))
    p = _params(strides, padding, dilations)
    g = R.standard_normal(ref_depthwise(x, w, **p).shape)
    check_vjp(depthwise_conv2d_p, [x, w], p, [0, 1], R)
    check_vjp(depthwise_conv2d_backprop_input_p, [g, w, x], p, [0, 1], R)
    check_vjp(depthwise_conv2d_backprop_filter_p, [x, g, w], p, [0, 1], R)


@pytest.mark.parametrize("xs, ks, strides, padding, dilations", GEOMETRY[:3], ids=IDS[:3])
def test_second_order_gradients(xs, ks, strides, padding, dilations):
    """d/dx and d/dw of sum(dL/dx * q + dL/dw * v), L = sum(depthwise_conv2d(x, w)^2):
    the gradient of a gradient, vs central differences of the tape's first gradient."""
    x, w = R.standard_normal(xs), R.standard_normal(ks + (xs[3], 2))
    q, v = R.standard_normal(x.shape), R.standard_normal(w.shape)

    def first(a, b):
        ta, tb = tf.constant(a), tf.constant(b)
        with tf.GradientTape() as tape:
            tape.watch([ta, tb])
            loss = tf.reduce_sum(tf.square(depthwise_conv2d(ta, tb, strides, padding,
                                                            dilations=list(dilations))))
        return tape.gradient(loss, [ta, tb])

    def scalar(a, b):
        ga, gb = first(a, b)
        return float(np.sum(ga.numpy() * q) + np.sum(gb.numpy() * v))

    tx, tw = tf.constant(x), tf.constant(w)
    with tf.GradientTape() as outer:
        outer.watch([tx, tw])
        with tf.GradientTape() as inner:
            inner.watch([tx, tw])
            loss = tf.reduce_sum(tf.square(depthwise_conv2d(tx, tw, strides, padding,
                                                            dilations=list(dilations))))
        gx, gw = inner.gradient(loss, [tx, tw])
        s = tf.reduce_sum(gx * q) + tf.reduce_sum(gw * v)
    hx, hw = outer.gradient(s, [tx, tw])
    assert_close(hx.numpy(), numeric_gradient(lambda a: scalar(a, w), x), 1e-6)
    assert_close(hw.numpy(), numeric_gradient(lambda b: scalar(x, b), w), 1e-6)


# -- ember.function --------------------------------------------------------------------

def test_function_with_unknown_batch_equals_eager():
    w = tf.constant(R.standard_normal((3, 3, 3, 2)).astype(np.float32))

    def step(x):
        with tf.GradientTape() as tape:
            tape.watch([x, w])
            y = depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME", dilations=1)
            loss = tf.reduce_sum(y * y)
        gx, gw = tape.gradient(loss, [x, w])
        return y, gx, gw

    traced = tf.function(step, input_signature=[tf.TensorSpec([None, 7, 6, 3], tf.float32)])
    for n in (1, 3):
        x = tf.constant(R.standard_normal((n, 7, 6, 3)).astype(np.float32))
        for got, want in zip(traced(x), step(x)):
            assert got.shape == want.shape and got.dtype == want.dtype
            assert_close(got.numpy(), want.numpy(), 1e-5)


def test_unknown_filter_channels_inside_function():
    """The filter's shape may be unknown when the function is traced (the block-diagonal
    path needed it)."""
    fn = tf.function(lambda x, w: depthwise_conv2d(x, w, 1, "VALID"),
                     input_signature=[tf.TensorSpec([None, 5, 5, None], tf.float64),
                                      tf.TensorSpec([3, 3, None, None], tf.float64)])
    x, w = R.standard_normal((2, 5, 5, 3)), R.standard_normal((3, 3, 3, 2))
    assert_close(fn(x, w).numpy(), ref_depthwise(x, w, (1, 1), "VALID", (1, 1)), 1e-12)


# -- errors ----------------------------------------------------------------------------

def test_shape_errors_name_the_op():
    x = tf.ones((1, 5, 5, 2))
    with pytest.raises(ShapeError, match=r"depthwise_conv2d: .* has 2 channels .*expects 3"):
        bind(depthwise_conv2d_p, x, tf.ones((3, 3, 3, 1)), **_params((1, 1), "SAME", (1, 1)))
    with pytest.raises(ShapeError, match="depthwise_conv2d: input must be 4-D"):
        bind(depthwise_conv2d_p, tf.ones((5, 5, 2)), tf.ones((3, 3, 2, 1)),
             **_params((1, 1), "SAME", (1, 1)))
    with pytest.raises(ShapeError, match="depthwise_conv2d: filter must be 4-D"):
        bind(depthwise_conv2d_p, x, tf.ones((3, 3, 2)), **_params((1, 1), "SAME", (1, 1)))
    with pytest.raises(ShapeError, match="depthwise_conv2d: the filter height .* larger"):
        bind(depthwise_conv2d_p, x, tf.ones((7, 1, 2, 1)), **_params((1, 1), "VALID", (1, 1)))
    p = _params((1, 1), "SAME", (1, 1))
    with pytest.raises(ShapeError, match="depthwise_conv2d_backprop_input: the output "
                                         "gradient .* has 3 channels .* gives 4"):
        bind(depthwise_conv2d_backprop_input_p, tf.ones((1, 5, 5, 3)), tf.ones((3, 3, 2, 2)),
             x, **p)
    with pytest.raises(ShapeError, match="depthwise_conv2d_backprop_filter: input .* has 2 "
                                         "channels .*expects 4"):
        bind(depthwise_conv2d_backprop_filter_p, x, tf.ones((1, 5, 5, 4)),
             tf.ones((3, 3, 4, 1)), **p)
    with pytest.raises(ShapeError, match="depthwise_conv2d: .* expects 3"):
        depthwise_conv2d(x, tf.ones((3, 3, 3, 1)), 1, "SAME")
    with pytest.raises(ShapeError, match="depthwise_conv2d: input must be 4-D"):
        depthwise_conv2d(tf.ones((5, 5, 2)), tf.ones((3, 3, 2, 1)), 1, "SAME")
    with pytest.raises(ShapeError, match="depthwise_conv2d: filter must be 4-D"):
        depthwise_conv2d(x, tf.ones((3, 3, 2)), 1, "SAME")
    assert PRIMITIVES["depthwise_conv2d"] is depthwise_conv2d_p

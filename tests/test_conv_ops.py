"""conv2d, conv1d, max_pool2d, avg_pool2d (and the 1-D pools): values vs the loop
references of tests/op_specs/conv_specs.py for several shapes, strides, paddings,
dilations, dtypes and layouts; gradients vs float64 central differences; pooling ties;
SAME-padding average counts; argument and shape errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.errors import InvalidArgumentError, ShapeError
from ember.ops.conv_ops import (avg_pool1d, avg_pool2d, conv1d, conv2d, max_pool1d,
                                max_pool2d)
from tests.helpers import assert_close
from tests.op_specs.conv_specs import ref_avg_pool, ref_conv2d, ref_max_pool

R = np.random.default_rng(3)


@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-4), (np.float64, 1e-10)])
@pytest.mark.parametrize("xs, ws, strides, padding, dilations", [
    ((2, 7, 8, 3), (3, 3, 3, 4), 1, "SAME", None),
    ((1, 6, 6, 1), (4, 4, 1, 2), 2, "SAME", 1),
    ((2, 8, 7, 2), (2, 3, 2, 3), [2, 3], "VALID", [1, 1]),
    ((1, 9, 9, 2), (3, 3, 2, 2), [1, 2, 2, 1], "SAME", [1, 2, 2, 1]),
    ((2, 5, 5, 3), (1, 1, 3, 2), 1, "VALID", None),
    ((1, 6, 5, 2), (3, 2, 2, 2), 1, [[0, 0], [1, 2], [0, 1], [0, 0]], 1),
])
def test_conv2d_matches_reference(dtype, tol, xs, ws, strides, padding, dilations):
    x = R.standard_normal(xs).astype(dtype)
    w = R.standard_normal(ws).astype(dtype)
    s = (strides, strides) if isinstance(strides, int) else tuple(strides)[-3:][:2] \
        if len(strides) == 4 else tuple(strides)
    d = dilations or 1
    d = (d, d) if isinstance(d, int) else (tuple(d)[1:3] if len(d) == 4 else tuple(d))
    pad = padding if isinstance(padding, str) else (tuple(padding[1]), tuple(padding[2]))
    y = conv2d(x, w, strides, padding, dilations=dilations)
    assert y.dtype == tf.as_dtype(dtype)
    assert_close(y.numpy(), ref_conv2d(x.astype(np.float64), w.astype(np.float64), s, pad, d), tol)


def test_conv2d_nchw_equals_nhwc():
    x = R.standard_normal((2, 6, 7, 3))
    w = R.standard_normal((3, 3, 3, 4))
    want = conv2d(x, w, 2, "SAME").numpy()
    got = conv2d(np.transpose(x, (0, 3, 1, 2)), w, [1, 1, 2, 2], "SAME", data_format="NCHW")
    assert_close(np.transpose(got.numpy(), (0, 2, 3, 1)), want, 1e-12)


def _fd_check(f, arrays, eps=1e-6):
    """The tape gradient of sum(f(*xs) * u) vs central differences in a random direction."""
    ts = [tf.constant(a) for a in arrays]
    u = None
    with tf.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
        u = R.standard_normal(y.shape)
        loss = tf.reduce_sum(y * u)
    grads = tape.gradient(loss, ts)
    dirs = [R.standard_normal(a.shape) for a in arrays]
    analytic = sum(float(np.sum(g.numpy() * d)) for g, d in zip(grads, dirs))
    plus = f(*[a + eps * d for a, d in zip(arrays, dirs)]).numpy()
    minus = f(*[a - eps * d for a, d in zip(arrays, dirs)]).numpy()
    numeric = float(np.sum((plus - minus) * u)) / (2 * eps)
    assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("strides, padding, dilations", [
    (1, "SAME", 1), (2, "VALID", 1), ([2, 1], "SAME", 2), (3, "SAME", 1)])
def test_conv2d_gradients_finite_differences(strides, padding, dilations):
    x = R.standard_normal((2, 7, 6, 2))
    w = R.standard_normal((3, 3, 2, 3))
    _fd_check(lambda a, b: conv2d(a, b, strides, padding, dilations=dilations), [x, w])


def test_conv1d_matches_conv2d_and_grad():
    x = R.standard_normal((2, 9, 3))
    w = R.standard_normal((3, 3, 4))
    y = conv1d(x, w, stride=2, padding="SAME", dilations=1)
    want = ref_conv2d(x[:, None], w[None], (1, 2), "SAME", (1, 1))[:, 0]
    assert_close(y.numpy(), want, 1e-12)
    ncw = conv1d(np.transpose(x, (0, 2, 1)), w, 2, "SAME", data_format="NCW")
    assert_close(np.transpose(ncw.numpy(), (0, 2, 1)), want, 1e-12)
    _fd_check(lambda a, b: conv1d(a, b, 1, "VALID", dilations=2), [x, w])


def test_conv2d_second_derivative_is_exact():
    # d/dw of (d/dx sum(conv(x, w)^2 / 2) . v) by nested tapes vs finite differences of
    # the first derivative: the gradient primitives are differentiable too.
    x, w = R.standard_normal((1, 5, 5, 2)), R.standard_normal((2, 2, 2, 2))
    v = R.standard_normal(x.shape)

    def inner(wv):
        xt, wt = tf.constant(x), tf.constant(wv)
        with tf.GradientTape() as t:
            t.watch(xt)
            loss = tf.reduce_sum(tf.square(conv2d(xt, wt, 1, "SAME"))) / 2
        return float(tf.reduce_sum(t.gradient(loss, xt) * v))

    xt, wt = tf.constant(x), tf.constant(w)
    with tf.GradientTape() as outer:
        outer.watch(wt)
        with tf.GradientTape() as t:
            t.watch(xt)
            loss = tf.reduce_sum(tf.square(conv2d(xt, wt, 1, "SAME"))) / 2
        s = tf.reduce_sum(t.gradient(loss, xt) * v)
    gw = outer.gradient(s, wt).numpy()
    d = R.standard_normal(w.shape)
    numeric = (inner(w + 1e-6 * d) - inner(w - 1e-6 * d)) / 2e-6
    assert float(np.sum(gw * d)) == pytest.approx(numeric, rel=1e-6)


# -- pooling ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-6), (np.float64, 1e-12)])
@pytest.mark.parametrize("xs, ksize, strides, padding", [
    ((2, 7, 8, 3), 2, 2, "VALID"), ((2, 7, 8, 3), 3, 2, "SAME"),
    ((1, 5, 6, 2), [3, 2], [1, 3], "SAME"), ((1, 6, 6, 2), [1, 4, 4, 1], [1, 3, 3, 1], "SAME")])
def test_pools_match_reference(dtype, tol, xs, ksize, strides, padding):
    x = R.standard_normal(xs).astype(dtype)
    pair = lambda v: (v, v) if isinstance(v, int) else (tuple(v[1:3]) if len(v) == 4 else tuple(v))  # noqa: E731
    k, s = pair(ksize), pair(strides)
    assert_close(max_pool2d(x, ksize, strides, padding).numpy(), ref_max_pool(x, k, s, padding),
                 tol)
    assert_close(avg_pool2d(x, ksize, strides, padding).numpy(),
                 ref_avg_pool(x.astype(np.float64), k, s, padding), tol)
    assert max_pool2d(x, ksize, strides, padding).dtype == tf.as_dtype(dtype)


def test_avg_pool_same_divides_by_valid_count():
    x = tf.reshape(tf.range(9.0), (1, 3, 3, 1))
    # windows {0,1,3,4}, {2,5}, {6,7}, {8}
    assert_close(avg_pool2d(x, 2, 2, "SAME").numpy().ravel(), [2.0, 3.5, 6.5, 8.0], 0)
    ones = tf.ones((1, 4, 5, 1))
    assert_close(avg_pool2d(ones, 3, 1, "SAME").numpy(), np.ones((1, 4, 5, 1)), 1e-7)


def test_max_pool_gradient_goes_to_the_first_maximum():
    x = tf.constant([[[[1.0], [1.0], [0.0]], [[1.0], [0.0], [1.0]]]])  # 2 x 3, ties
    with tf.GradientTape() as t:
        t.watch(x)
        y = max_pool2d(x, 2, 1, "VALID")  # windows (0,0) and (0,1), both tied
    g = t.gradient(y, x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(g, [[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize("ksize, strides, padding", [(2, 2, "VALID"), (3, 2, "SAME"),
                                                      ([2, 3], [1, 2], "SAME")])
def test_pool_gradients_finite_differences(ksize, strides, padding):
    x = R.standard_normal((2, 6, 7, 2))
    _fd_check(lambda a: max_pool2d(a, ksize, strides, padding), [x])
    _fd_check(lambda a: avg_pool2d(a, ksize, strides, padding), [x])


def test_pool1d_and_nchw():
    x = R.standard_normal((2, 7, 3))
    want = ref_max_pool(x[:, None], (1, 3), (1, 2), "SAME")[:, 0]
    assert_close(max_pool1d(x, 3, 2, "SAME").numpy(), want, 0)
    want = ref_avg_pool(x[:, None], (1, 2), (1, 2), "VALID")[:, 0]
    assert_close(avg_pool1d(x, 2, 2, "VALID").numpy(), want, 1e-12)
    x4 = R.standard_normal((2, 3, 6, 5))
    got = max_pool2d(x4, 2, 2, "SAME", data_format="NCHW").numpy()
    want = ref_max_pool(np.transpose(x4, (0, 2, 3, 1)), (2, 2), (2, 2), "SAME")
    assert_close(np.transpose(got, (0, 2, 3, 1)), want, 0)


def test_inside_function_with_unknown_batch():
    fn = tf.function(lambda a, b: max_pool2d(conv2d(a, b, 2, "SAME"), 2, 2, "SAME"),
                     input_signature=[tf.TensorSpec([None, 8, 8, 2], tf.float64),
                                      tf.TensorSpec([3, 3, 2, 4], tf.float64)])
    x, w = R.standard_normal((3, 8, 8, 2)), R.standard_normal((3, 3, 2, 4))
    want = ref_max_pool(ref_conv2d(x, w, (2, 2), "SAME", (1, 1)), (2, 2), (2, 2), "SAME")
    assert_close(fn(x, w).numpy(), want, 1e-12)


# -- errors ----------------------------------------------------------------------------

def test_errors_are_clear():
    x = tf.ones((1, 4, 4, 2))
    with pytest.raises(ShapeError, match=r"conv2d: input float32\[1, 4, 4, 2\] has 2 "
                                         r"channels but filters"):
        conv2d(x, tf.ones((3, 3, 3, 1)), 1, "SAME")
    with pytest.raises(ShapeError, match="larger than the input"):
        conv2d(x, tf.ones((5, 5, 2, 1)), 1, "VALID")
    with pytest.raises(ShapeError, match="must be 4-D"):
        conv2d(tf.ones((4, 4, 2)), tf.ones((3, 3, 2, 1)), 1, "SAME")
    with pytest.raises(InvalidArgumentError, match="padding must be 'SAME' or 'VALID'"):
        conv2d(x, tf.ones((3, 3, 2, 1)), 1, "FULL")
    with pytest.raises(InvalidArgumentError, match="batch and channel"):
        conv2d(x, tf.ones((3, 3, 2, 1)), [2, 1, 1, 1], "SAME")
    with pytest.raises(InvalidArgumentError, match="strides must be positive"):
        max_pool2d(x, 2, 0, "SAME")
    with pytest.raises(ShapeError, match="max_pool2d: the window height"):
        max_pool2d(x, 5, 1, "VALID")
    with pytest.raises(TypeError, match="floating"):
        avg_pool2d(tf.ones((1, 2, 2, 1), tf.int32), 2, 2, "VALID")


@pytest.mark.parametrize("shape,ksize,strides,padding", [
    ((3, 8, 8, 4), (2, 2), (2, 2), "VALID"), ((2, 7, 9, 3), (3, 3), (2, 2), "SAME"),
    ((2, 8, 8, 2), (3, 3), (1, 1), "SAME"), ((2, 5, 5, 2), (2, 3), (1, 2), "VALID"),
    ((2, 7, 9, 2), (2, 2), (2, 2), "SAME"), ((2, 7, 9, 2), (3, 2), (3, 2), "VALID")])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_max_pool_grad_by_taps_equals_the_argmax_scatter(shape, ksize, strides, padding,
                                                         dtype):
    """The tap-by-tap gradient (first maximum in row-major order, as TF) against the
    argmax-and-scatter one, with ties, and a nan / inf upstream gradient kept in place."""
    from ember.backend.numpy import conv as C
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, shape).astype(dtype)  # many ties
    _, (oh, ow) = C._geometry(shape, ksize, strides, padding, C._ONE)
    dy = rng.normal(size=(shape[0], oh, ow, shape[3])).astype(dtype)
    dy[0, 0, 0, 0] = np.inf
    dy[-1, -1, -1, -1] = np.nan
    flat, pads, pshape = C._argmax_flat(x, ksize, strides, padding)
    want = np.bincount(flat.ravel(), weights=dy.ravel().astype("float64"),
                       minlength=int(np.prod(pshape))).reshape(pshape)
    want = C._crop(want, pads, x.shape).astype(dtype)
    got = C.max_pool2d_grad(dy, x, ksize, strides, padding)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol={"float16": 2e-3, "float32": 1e-6}.get(dtype, 1e-12))

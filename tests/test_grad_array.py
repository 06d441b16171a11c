"""Gradients of the public array and indexing ops (composites included) against central
finite differences and closed forms, plus second derivatives through nested tapes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember as tf
from tests.gradcheck import nested_grads

EPS = 1e-6


def _grad(f, *xs):
    """Tape gradients of sum(f(*xs) * u) (u fixed random) and that loss's weights u."""
    ts = [tf.constant(x) for x in xs]
    rng = np.random.default_rng(0)
    with tf.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        out = f(*ts)
        outs = out if isinstance(out, (list, tuple)) else [out]
        us = [rng.standard_normal(o.shape) for o in outs]
        loss = tf.add_n([tf.reduce_sum(o * u) for o, u in zip(outs, us)])
    return tape.gradient(loss, ts), us


def _loss(f, xs, us):
    out = f(*[tf.constant(x) for x in xs])
    outs = out if isinstance(out, (list, tuple)) else [out]
    return sum(float(np.sum(np.asarray(o.numpy()) * u)) for o, u in zip(outs, us))


def check(f, *xs):
    """Every element of each input's tape gradient against central finite differences."""
    xs = [np.asarray(x, np.float64) for x in xs]
    grads, us = _grad(f, *xs)
    for k, (x, g) in enumerate(zip(xs, grads)):
        assert g is not None, f"input {k} got no gradient"
        assert g.dtype == tf.float64 and tuple(g.shape) == x.shape
        want = np.zeros_like(x)
        for idx in np.ndindex(*x.shape):
            plus = [a.copy() for a in xs]
            minus = [a.copy() for a in xs]
            plus[k][idx] += EPS
            minus[k][idx] -= EPS
            want[idx] = (_loss(f, plus, us) - _loss(f, minus, us)) / (2 * EPS)
        np.testing.assert_allclose(g.numpy(), want, rtol=1e-6, atol=1e-7)


R = np.random.default_rng(7)
A = R.standard_normal((3, 4))
B = R.standard_normal((3, 4))
C3 = R.standard_normal((2, 3, 4))


# -- shape ops ---------------------------------------------------------------------

@pytest.mark.parametrize("axis", [0, 1, -1, 2])
def test_stack(axis):
    check(lambda a, b: tf.stack([a, b, a * 2.0], axis=axis), A, B)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unstack(axis):
    check(lambda x: tf.unstack(x, axis=axis), C3)


def test_unstack_with_unused_pieces_gets_zeros_there():
    x = tf.constant(A)
    with tf.GradientTape() as tape:
        tape.watch(x)
        rows = tf.unstack(x)
        y = tf.reduce_sum(rows[1] * 3.0)
    g = tape.gradient(y, x).numpy()
    want = np.zeros_like(A)
    want[1] = 3.0
    np.testing.assert_array_equal(g, want)


def test_split_sizes_and_unused_outputs():
    check(lambda x: tf.split(x, [1, -1, 2], axis=1)[::2], A)
    check(lambda x: tf.split(x, 3, axis=0), A)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat(axis):
    check(lambda a, b: tf.concat([a, b[:2] if axis == 0 else b, a], axis=axis), A, B)


def test_expand_dims_and_squeeze():
    check(lambda x: tf.expand_dims(x, 1) * tf.expand_dims(x, -1), A)
    check(lambda x: tf.squeeze(x[:, :1, None], axis=[1]), C3)
    check(lambda x: tf.squeeze(tf.reshape(x, [1, 3, 1, 4])), A)


def test_reshape_transpose_reverse():
    check(lambda x: tf.transpose(tf.reshape(x, [4, -1, 2]), [2, 0, 1]), C3)
    check(lambda x: tf.reverse(x, axis=[0, -1]) * x, A)
    check(lambda x: tf.transpose(x), A)


@pytest.mark.parametrize("repeats,axis", [(2, 0), ([1, 0, 3], 0), ([2, 2, 1, 1], 1),
                                          (3, None), (0, 1)])
def test_repeat(repeats, axis):
    check(lambda x: tf.repeat(x, repeats, axis=axis) ** 2, A)


@pytest.mark.parametrize("multiples", [[2, 1], [1, 3], [2, 2], [0, 2]])
def test_tile(multiples):
    check(lambda x: tf.tile(x, multiples) ** 2, A)


def test_tile_sums_over_the_copies():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.tile(x, [3]) * tf.range(6.0))
    # copies sit at positions (0, 2, 4) and (1, 3, 5)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [6.0, 9.0])


@pytest.mark.parametrize("shape,target", [((1, 4), (3, 4)), ((3, 1), (2, 3, 4)), ((), (2, 2)),
                                          ((4,), (2, 3, 4)), ((3, 4), (3, 4)),
                                          ((1, 1), (3, 0))])
def test_broadcast_to(shape, target):
    x = R.standard_normal(shape)
    if 0 in target:  # an empty output: the gradient is zeros of the input's shape
        t = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = tf.reduce_sum(tf.broadcast_to(t, target))
        np.testing.assert_array_equal(tape.gradient(y, t).numpy(), np.zeros(shape))
        return
    check(lambda t: tf.broadcast_to(t, target) ** 2, x)


@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC"])
@pytest.mark.parametrize("paddings", [[[2, 1], [0, 3]], [[0, 2], [3, 0]], [[1, 1], [1, 1]]])
def test_pad(mode, paddings):
    check(lambda x: tf.pad(x, paddings, mode=mode) ** 2, A)


def test_pad_mirror_counts():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        r = tf.reduce_sum(tf.pad(x, [[2, 2]], "REFLECT"))  # [3 2 1 2 3 2 1]
        s = tf.reduce_sum(tf.pad(x, [[1, 3]], "SYMMETRIC"))  # [1 1 2 3 3 2 1]
        c = tf.reduce_sum(tf.pad(x, [[1, 3]], constant_values=5.0))
    np.testing.assert_array_equal(tape.gradient(r, x).numpy(), [2.0, 3.0, 2.0])
    np.testing.assert_array_equal(tape.gradient(s, x).numpy(), [3.0, 2.0, 2.0])
    np.testing.assert_array_equal(tape.gradient(c, x).numpy(), [1.0, 1.0, 1.0])


def test_fill_sums_into_its_value_and_zeros_like_has_no_gradient():
    v = tf.constant(2.0)
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([v, x])
        y = tf.reduce_sum(tf.fill([2, 3], v) * 3.0)
        z = tf.reduce_sum(tf.zeros_like(x) + tf.ones_like(x))
    assert tape.gradient(y, v).numpy() == 18.0
    assert tape.gradient(z, x) is None


def test_one_hot_gradient_only_flows_through_its_use():
    idx = tf.constant([0, 2, 1])
    w = tf.constant(R.standard_normal((3, 3)))
    on = tf.constant(2.0, dtype=tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([w, on])
        oh = tf.one_hot(idx, 3, on_value=on, off_value=tf.constant(0.0, tf.float64))
        y = tf.reduce_sum(oh * w)
    np.testing.assert_array_equal(tape.gradient(y, w).numpy(), np.eye(3)[[0, 2, 1]] * 2.0)
    assert tape.gradient(y, on) is None  # TF's OneHot has no gradient
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tape.gradient(y, idx) is None  # integer indices never get one


# -- indexing ------------------------------------------------------------------------

KEYS = [
    1, -1, (slice(None), 2), (slice(None, None, -1),), (slice(3, 0, -2), slice(1, None)),
    (Ellipsis, 0), (None, 1, Ellipsis, None), (slice(None), None, slice(None, None, -2)),
    (-2, slice(-3, None), 0), (slice(5, 5),), (Ellipsis,), (0, 1, 2),
]


@pytest.mark.parametrize("key", KEYS, ids=[repr(k) for k in KEYS])
def test_getitem(key):
    check(lambda x: x[key] * 1.5, np.arange(60.0).reshape(4, 5, 3) / 7.0)


def test_getitem_with_a_scalar_tensor_index():
    check(lambda x: x[tf.constant(2), 1:], A)


def test_iterating_rows_accumulates():
    x = tf.constant(A)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.add_n([tf.reduce_sum(row * float(i + 1)) for i, row in enumerate(x)])
        y = y + tf.reduce_sum(x[0] * x[0])  # indexed again: cotangents add
    want = np.repeat([[1.0], [2.0], [3.0]], 4, axis=1)
    want[0] += 2 * A[0]
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), want)


def test_variable_slices():
    v = tf.Variable(A)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v[1:, ::2] ** 2) + tf.reduce_sum(v[0])
    want = np.zeros_like(A)
    want[1:, ::2] = 2 * A[1:, ::2]
    want[0] += 1.0
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), want)


def test_slice_and_strided_slice():
    check(lambda x: tf.slice(x, [1, 0, 1], [1, -1, 2]), C3)
    check(lambda x: tf.strided_slice(x, [0, 3], [2, 0], [1, -1]), A)
    check(lambda x: tf.strided_slice(x, [0, 0, 1], [0, 0, 4], [1, 1, 2], begin_mask=1,
                                     ellipsis_mask=2, new_axis_mask=0, shrink_axis_mask=0),
          C3)
    check(lambda x: tf.strided_slice(x, [1, 0], [2, 0], [1, 1], new_axis_mask=2,
                                     shrink_axis_mask=1), A)


def test_float32_gradients_keep_their_dtype():
    x = tf.constant(A.astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.pad(x[::-1, 1:], [[1, 1], [1, 0]], "REFLECT")
                          * tf.tile(x[:1], [5, 1]))
    g = tape.gradient(y, x)
    assert g.dtype == tf.float32 and g.shape == x.shape


# -- second derivatives -----------------------------------------------------------------

def test_second_derivative_of_a_slice():
    x = np.array([0.5, -1.0, 2.0, 3.0])
    _, h = nested_grads(lambda t: t[1:] ** 3, x)
    np.testing.assert_allclose(h, [0.0, -6.0, 12.0, 18.0])


def test_second_derivative_through_reshape_and_transpose():
    w = R.standard_normal((4, 3))
    _, h = nested_grads(lambda t: tf.transpose(tf.reshape(t, [3, 4])) ** 3 * w, A)
    np.testing.assert_allclose(h, 6 * A * w.T.reshape(3, 4))


def test_hessian_vector_product_through_every_array_primitive():
    def f(t):
        u = tf.pad(tf.tile(t, [2, 1]), [[1, 2], [2, 1]], "SYMMETRIC")
        u = tf.concat(tf.split(u, [2, -1], axis=1)[::-1], axis=1)
        u = tf.reverse(tf.broadcast_to(u[None, ::2], [2, 5, 7]), axis=[1])
        u = tf.pad(u, [[0, 0], [1, 1], [2, 3]], "REFLECT")
        return tf.reduce_sum(tf.sin(tf.reshape(u, [-1])) * tf.range(1.0, 1.0 + 2 * 7 * 12,
                                                                     dtype=tf.float64))

    v = R.standard_normal(A.shape)

    def grad_at(x):
        t = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = f(t)
        return tape.gradient(y, t)

    t = tf.constant(A)
    with tf.GradientTape() as outer:
        outer.watch(t)
        with tf.GradientTape() as inner:
            inner.watch(t)
            y = f(t)
        gv = tf.reduce_sum(inner.gradient(y, t) * v)
    hv = outer.gradient(gv, t).numpy()
    want = (grad_at(A + EPS * v).numpy() - grad_at(A - EPS * v).numpy()) / (2 * EPS)
    np.testing.assert_allclose(hv, want, rtol=1e-5, atol=1e-5)


def test_second_derivatives_of_the_run_time_shape_primitives():
    # broadcast_to_dynamic, reshape_dynamic, split_like and strided_slice_grad (bound
    # directly: eagerly, the public ops take the static primitives) against those.
    from ember.core.registry import PRIMITIVES, bind
    from ember.prims.index import strided_slice_grad_p

    def dynamic(t):
        b = bind(PRIMITIVES["broadcast_to_dynamic"], t[None], tf.constant([2, 3, 4]),
                 dims=(None, 3, 4))
        r = bind(PRIMITIVES["reshape_dynamic"], b, tf.constant([4, 6]), dims=(None, None))
        p, q = bind(PRIMITIVES["split_like"], r, r[:1], r[1:], axis=0)
        odd = (slice(None), slice(1, None, 2))
        placed = bind(strided_slice_grad_p, p[:, ::2], p, index=odd)  # p's evens at odds
        return tf.concat([q, placed], 0) ** 3

    def static(t):
        r = tf.reshape(tf.broadcast_to(t[None], [2, 3, 4]), [4, 6])
        p, q = tf.split(r, [1, 3], axis=0)
        placed = tf.reshape(tf.stack([tf.zeros([1, 3], tf.float64), p[:, ::2]], -1), [1, 6])
        return tf.concat([q, placed], 0) ** 3

    g, h = nested_grads(dynamic, A)
    g_want, h_want = nested_grads(static, A)
    np.testing.assert_allclose(g, g_want, rtol=1e-12)
    np.testing.assert_allclose(h, h_want, rtol=1e-12)
    check(dynamic, A)


def test_sum_to_of_a_large_gradient_sums_the_leading_axes():
    """A bias's gradient of a conv-sized activation (the GEMV path of the kernel) equals
    NumPy's sum, float32 and float64."""
    from ember.backend.numpy.math import _sum_to
    rng = np.random.default_rng(0)
    for dtype, rtol in (("float32", 1e-4), ("float64", 1e-12)):
        g = rng.normal(size=(64, 20, 20, 8)).astype(dtype)
        out = _sum_to(g, (8,))
        assert out.shape == (8,) and out.dtype == g.dtype
        np.testing.assert_allclose(out, g.astype("float64").sum(axis=(0, 1, 2)), rtol=rtol,
                                   atol=1e-3 if dtype == "float32" else 1e-9)
        kept = _sum_to(g, (1, 20, 8))  # leading axes, then a kept 1
        np.testing.assert_allclose(kept, g.astype("float64").sum(axis=(0, 1))[None],
                                   rtol=rtol, atol=1e-3 if dtype == "float32" else 1e-9)

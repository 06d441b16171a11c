"""Gradients of the gather/scatter, sort and random ops through their public functions:
closed forms and finite differences, TF's conventions (duplicates accumulate, ties in
scatter min/max share, no gradient for indices, unique, in_top_k and random draws), and
second derivatives through gather, gather_nd, scatter and sort."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from tests.gradcheck import nested_grads

R = np.random.default_rng(5)


def _grad(f, *xs):
    """The gradients of the scalar f(*tensors) at float64 arrays xs."""
    ts = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = f(*ts)
    gs = tape.gradient(y, ts)
    return [None if g is None else g.numpy() for g in gs]


def _numeric(f, x, eps=1e-6):
    """Central finite differences of the scalar f(tensor) at the float64 array x."""
    out = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        out[i] = (float(f(tf.constant(x + d))) - float(f(tf.constant(x - d)))) / (2 * eps)
    return out


def _check(f, x):
    (g,) = _grad(f, x)
    np.testing.assert_allclose(g, _numeric(f, x), rtol=1e-6, atol=1e-8)
    return g


# -- gather / gather_nd / __getitem__ -------------------------------------------------------

def test_gather_repeated_indices_accumulate():
    p = R.standard_normal((4, 3))
    (g,) = _grad(lambda p: tf.reduce_sum(tf.gather(p, [0, 2, 0, 0])), p)
    np.testing.assert_array_equal(g, np.array([[3.0] * 3, [0.0] * 3, [1.0] * 3, [0.0] * 3]))


def test_gather_axis1_batch_dims_matches_finite_differences():
    p = R.standard_normal((2, 4, 3))
    idx = np.array([[3, 3, 0], [1, 2, 1]], np.int32)
    w = R.standard_normal((2, 3, 3))
    g = _check(lambda p: tf.reduce_sum(tf.gather(p, idx, axis=1, batch_dims=1) * w), p)
    want = np.zeros_like(p)
    for b in range(2):
        for j in range(3):
            want[b, idx[b, j]] += w[b, j]
    np.testing.assert_allclose(g, want)


def test_gather_negative_axis_and_scalar_index():
    p = R.standard_normal((3, 4))
    g = _check(lambda p: tf.reduce_sum(tf.gather(p, 2, axis=-1) ** 2), p)
    assert g[:, [0, 1, 3]].sum() == 0


def test_gather_no_gradient_for_indices_or_int_params():
    idx = tf.constant([1, 0])
    with tf.GradientTape() as tape:
        with pytest.warns(UserWarning, match="can't have a gradient"):
            tape.watch(idx)
        y = tf.gather(tf.constant([1.0, 2.0]), idx)
    with pytest.warns(UserWarning, match="int32"):
        assert tape.gradient(y, idx) is None


def test_getitem_int_list_accumulates():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x[[0, 2, 0]] * tf.constant([1.0, 10.0, 100.0]))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(),
                                  np.array([101.0, 0.0, 10.0], np.float32))


def test_gather_nd_batch_dims_matches_finite_differences():
    p = R.standard_normal((2, 3, 4))
    idx = np.array([[[0, 1], [2, 3], [0, 1]], [[1, 1], [1, 1], [2, 0]]], np.int64)
    w = R.standard_normal((2, 3))
    g = _check(lambda p: tf.reduce_sum(tf.gather_nd(p, idx, batch_dims=1) * w), p)
    assert g[0, 0, 1] == pytest.approx(w[0, 0] + w[0, 2])
    assert g[1, 1, 1] == pytest.approx(w[1, 0] + w[1, 1])


def test_gather_nd_slices():
    p = R.standard_normal((3, 2, 2))
    (g,) = _grad(lambda p: tf.reduce_sum(tf.gather_nd(p, [[1], [1], [0]])), p)
    np.testing.assert_array_equal(g, np.stack([np.ones((2, 2)), 2 * np.ones((2, 2)),
                                               np.zeros((2, 2))]))


@pytest.mark.parametrize("mask,axis", [
    ([True, False, True], 0),
    ([[True, False, True, True], [False, False, True, False], [True] * 4], 0),
    ([[True, False], [False, True], [True, True]], 1),
])
def test_boolean_mask_gradient_is_the_mask(mask, axis):
    x = R.standard_normal((3, 3, 2) if axis == 1 else (3, 4, 2))
    m = np.array(mask)
    (g,) = _grad(lambda x: tf.reduce_sum(tf.boolean_mask(x, m, axis=axis)), x)
    full = m.reshape((1,) * axis + m.shape + (1,) * (x.ndim - axis - m.ndim))
    np.testing.assert_array_equal(g, np.broadcast_to(full, x.shape).astype(np.float64))


# -- scatter ----------------------------------------------------------------------------

def test_scatter_nd_gradient_gathers_the_cotangent():
    u = R.standard_normal((3, 2))
    w = R.standard_normal((4, 2))
    idx = [[2], [0], [2]]
    g = _check(lambda u: tf.reduce_sum(tf.scatter_nd(idx, u, [4, 2]) * w), u)
    np.testing.assert_allclose(g, w[[2, 0, 2]])


def test_tensor_scatter_nd_add_and_sub():
    t, u = R.standard_normal((3, 2)), R.standard_normal(2)
    w = R.standard_normal((3, 2))
    idx = [[1, 1], [1, 1]]
    gt, gu = _grad(lambda t, u: tf.reduce_sum(tf.tensor_scatter_nd_add(t, idx, u) * w), t, u)
    np.testing.assert_allclose(gt, w)
    np.testing.assert_allclose(gu, [w[1, 1], w[1, 1]])
    gt, gu = _grad(lambda t, u: tf.reduce_sum(tf.tensor_scatter_nd_sub(t, idx, u) * w), t, u)
    np.testing.assert_allclose(gu, [-w[1, 1], -w[1, 1]])


def test_tensor_scatter_nd_update_masks_overwritten_entries():
    t, u = R.standard_normal((4, 2)), R.standard_normal((2, 2))
    w = R.standard_normal((4, 2))
    idx = [[3], [0]]
    gt, gu = _grad(lambda t, u: tf.reduce_sum(tf.tensor_scatter_nd_update(t, idx, u) * w),
                   t, u)
    np.testing.assert_allclose(gt, w * np.array([[0.0], [1.0], [1.0], [0.0]]))
    np.testing.assert_allclose(gu, w[[3, 0]])


def test_tensor_scatter_nd_update_duplicates_only_the_written_update():
    # Which duplicate is written is the kernel's choice (here the last one); only it
    # affects the output, so only it gets a gradient (TF would give both w[1]).
    t, u = np.zeros(3), np.array([5.0, 7.0])
    out = tf.tensor_scatter_nd_update(t, [[1], [1]], u).numpy()
    written = int(np.flatnonzero(u == out[1])[0])
    w = np.array([1.0, 2.0, 3.0])
    gt, gu = _grad(lambda t, u: tf.reduce_sum(tf.tensor_scatter_nd_update(t, [[1], [1]], u)
                                              * w), t, u)
    np.testing.assert_array_equal(gt, [1.0, 0.0, 3.0])
    want = np.zeros(2)
    want[written] = 2.0
    np.testing.assert_array_equal(gu, want)


def test_tensor_scatter_nd_max_and_min_follow_the_winner_and_share_ties():
    t = np.array([1.0, 5.0, 2.0])
    u = np.array([3.0, 4.0, 2.0])  # wins at 0, loses at 1, ties at 2
    idx = [[0], [1], [2]]
    gt, gu = _grad(lambda t, u: tf.reduce_sum(tf.tensor_scatter_nd_max(t, idx, u)), t, u)
    np.testing.assert_array_equal(gt, [0.0, 1.0, 0.5])
    np.testing.assert_array_equal(gu, [1.0, 0.0, 0.5])
    gt, gu = _grad(lambda t, u: tf.reduce_sum(tf.tensor_scatter_nd_min(t, idx, u)), t, u)
    np.testing.assert_array_equal(gt, [1.0, 0.0, 0.5])
    np.testing.assert_array_equal(gu, [0.0, 1.0, 0.5])


# -- sort / top_k / unique / in_top_k ---------------------------------------------------

def test_sort_descending_axis0_matches_finite_differences():
    x = R.standard_normal((4, 3))
    w = R.standard_normal((4, 3))
    _check(lambda x: tf.reduce_sum(tf.sort(x, axis=0, direction="DESCENDING") * w), x)


def test_sort_gradient_goes_back_to_the_source_positions():
    x = np.array([3.0, 1.0, 2.0])
    (g,) = _grad(lambda x: tf.reduce_sum(tf.sort(x) * tf.constant([1.0, 10.0, 100.0],
                                                                   tf.float64)), x)
    np.testing.assert_array_equal(g, [100.0, 1.0, 10.0])


def test_top_k_values_gradient_and_no_gradient_for_indices():
    x = R.standard_normal((2, 5))
    w = R.standard_normal((2, 3))
    g = _check(lambda x: tf.reduce_sum(tf.math.top_k(x, k=3).values * w), x)
    for r in range(2):
        top = np.argsort(-x[r])[:3]
        want = np.zeros(5)
        want[top] = w[r]
        np.testing.assert_allclose(g[r], want)
    (g,) = _grad(lambda x: tf.reduce_sum(tf.cast(tf.math.top_k(x, k=2).indices, tf.float64)),
                 x)
    assert g is None


def test_argsort_and_unique_and_in_top_k_have_no_gradient():
    x = np.array([[0.3, 0.1, 0.7], [0.2, 0.9, 0.4]])
    (g,) = _grad(lambda x: tf.reduce_sum(tf.cast(tf.argsort(x), tf.float64)), x)
    assert g is None
    (g,) = _grad(lambda x: tf.reduce_sum(tf.unique(tf.reshape(x, [-1])).y), x)
    assert g is None
    (g,) = _grad(lambda x: tf.reduce_sum(
        tf.cast(tf.math.in_top_k(tf.constant([2, 1]), x, 1), tf.float64)), x)
    assert g is None


# -- random -----------------------------------------------------------------------------

def test_random_draws_have_no_gradient_but_their_parameters_do():
    mean, std = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.random.stateless_normal([50], seed=[1, 2], mean=mean, stddev=std)
        loss = tf.reduce_sum(y)
    gm, gs = tape.gradient(loss, [mean, std])
    assert gm.numpy() == pytest.approx(50.0)
    z = tf.random.stateless_normal([50], seed=[1, 2]).numpy()
    assert gs.numpy() == pytest.approx(z.sum(), rel=1e-5, abs=1e-5)


def test_shuffle_has_no_gradient():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.random.shuffle(x, seed=3) * tf.constant([1.0, 2.0, 3.0]))
    assert tape.gradient(y, x) is None


# -- second derivatives -------------------------------------------------------------------

def test_second_derivative_through_gather():
    p = np.array([0.5, -1.0, 2.0, 3.0])
    idx = [2, 0, 2, 2]
    g, h = nested_grads(lambda p: tf.reduce_sum(tf.gather(p, idx) ** 3), p)
    count = np.array([1.0, 0.0, 3.0, 0.0])
    np.testing.assert_allclose(g, 3 * count * p ** 2)
    np.testing.assert_allclose(h, 6 * count * p)


def test_hessian_through_gather_batch_dims():
    p = tf.constant(R.standard_normal((2, 3)))
    idx = tf.constant([[2, 2], [0, 1]])
    with tf.GradientTape() as outer:
        outer.watch(p)
        with tf.GradientTape() as inner:
            inner.watch(p)
            y = tf.reduce_sum(tf.gather(p, idx, axis=1, batch_dims=1) ** 3)
        g = inner.gradient(y, p)
    hess = outer.jacobian(g, p).numpy().reshape(6, 6)
    count = np.array([0.0, 0.0, 2.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(hess, np.diag(6 * count * p.numpy().reshape(-1)))


def test_second_derivative_through_gather_nd_and_scatter():
    p = R.standard_normal((3, 2))
    idx = [[1, 0], [2, 1], [1, 0]]
    _, h = nested_grads(lambda p: tf.reduce_sum(tf.gather_nd(p, idx) ** 3), p)
    want = np.zeros_like(p)
    want[1, 0] = 2 * 6 * p[1, 0]
    want[2, 1] = 6 * p[2, 1]
    np.testing.assert_allclose(h, want)
    _, h = nested_grads(lambda u: tf.reduce_sum(tf.scatter_nd([[2], [0]], u, [3]) ** 2), p[:, 0][:2])
    np.testing.assert_allclose(h, [2.0, 2.0])


def test_second_derivative_through_sort():
    x = np.array([0.4, -1.2, 2.5, 0.9])
    w = np.array([1.0, 2.0, 3.0, 4.0])
    g, h = nested_grads(lambda x: tf.reduce_sum(tf.sort(x, direction="DESCENDING") ** 2 * w), x)
    rank = np.argsort(np.argsort(-x))  # position of each x in the sorted output
    np.testing.assert_allclose(g, 2 * w[rank] * x)
    np.testing.assert_allclose(h, 2 * w[rank])


# -- unknown dims inside ember.function ------------------------------------------------------

_MASK2 = [[True, False, True], [False, True, True]]
DYNAMIC = {  # fn, input shape (None = the batch dim, relaxed after the second trace)
    "gather_batch_dims": (lambda x: tf.gather(x, tf.argmax(x, axis=1)[:, None], axis=1,
                                              batch_dims=1), (None, 4)),
    "gather_nd_batch_dims": (lambda x: tf.gather_nd(
        x, tf.cast(tf.argmax(x, axis=1)[:, :2, None], tf.int32), batch_dims=1), (None, 4, 3)),
    "boolean_mask_2d_axis1": (lambda x: tf.boolean_mask(x, _MASK2, axis=1), (None, 2, 3, 2)),
    "boolean_mask_2d_axis0": (lambda x: tf.boolean_mask(x, x[..., 0] > 0), (None, 3, 2)),
    "scatter_update": (lambda x: tf.tensor_scatter_nd_update(
        x, tf.cast(tf.argmax(x[:, :2], axis=1)[:, None], tf.int32), x * 3.0),
        (None, 4)),
    "sort_middle_axis": (lambda x: tf.sort(x, axis=1, direction="DESCENDING"), (2, None, 3)),
    "top_k": (lambda x: tf.math.top_k(x, 2).values, (None, 4)),
}


def _value_grad_hess(fn):
    def run(x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = fn(x)
                loss = tf.reduce_sum(y ** 3)
            g = inner.gradient(loss, x)
            s = tf.reduce_sum(g * g)
        return y, g, outer.gradient(s, x)
    return run


@pytest.mark.parametrize("name", sorted(DYNAMIC))
def test_gradients_with_unknown_dims_equal_eager(name):
    fn, shape = DYNAMIC[name]
    traced = tf.function(_value_grad_hess(fn))
    for n in (3, 4, 5):
        x = np.random.default_rng(n).standard_normal(
            tuple(n if d is None else d for d in shape)) + 0.1
        for e, t in zip(_value_grad_hess(fn)(tf.constant(x)), traced(tf.constant(x))):
            np.testing.assert_allclose(t.numpy(), e.numpy(), rtol=1e-9, atol=1e-12)
    assert traced.experimental_get_tracing_count() == 2


def test_gather_gradient_with_many_repeated_ids_sums_each_row():
    """The embedding-gradient path (many ids, rows summed by sorted runs)."""
    rng = np.random.default_rng(0)
    table = tf.Variable(rng.normal(size=(50, 8)))
    ids = rng.integers(0, 50, (30, 7))
    w = rng.normal(size=(30, 7, 8))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(table, ids) * w)
    want = np.zeros((50, 8))
    np.add.at(want, ids.reshape(-1), w.reshape(-1, 8))
    np.testing.assert_allclose(tape.gradient(loss, table).numpy(), want, rtol=1e-12)

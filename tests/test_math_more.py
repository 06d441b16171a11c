"""The rest of tf.math (ember/ops/math_more.py): segment reductions against NumPy loops,
their gradients against finite differences, eager and ember.function agreement, TF's
empty-segment values and errors, and the smaller composites."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.core.errors import DTypeError, InvalidArgumentError, ShapeError

RNG = np.random.default_rng(7)
DATA = RNG.standard_normal((6, 3))
IDS_SORTED = np.array([0, 0, 1, 3, 3, 3])
IDS_UNSORTED = np.array([2, -1, 0, 2, 4, 0])

_NP = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod,
       "sqrt_n": lambda v, axis: np.sum(v, axis) / np.sqrt(len(v))}


def _reference(kind, data, ids, n, sorted_):
    out = []
    for s in range(n):
        rows = data[ids == s]
        if len(rows):
            out.append(_NP[kind](rows, axis=0))
        elif kind == "prod":
            out.append(np.ones(data.shape[1:], data.dtype))
        elif kind in ("max", "min") and not sorted_:
            info = np.finfo(data.dtype) if data.dtype.kind == "f" else np.iinfo(data.dtype)
            out.append(np.full(data.shape[1:], info.min if kind == "max" else info.max,
                               data.dtype))
        else:
            out.append(np.zeros(data.shape[1:], data.dtype))
    return np.array(out, data.dtype).reshape((n,) + data.shape[1:])


@pytest.mark.parametrize("kind", ["sum", "mean", "max", "min", "prod"])
def test_sorted_segments_match_numpy(kind):
    fn = getattr(tf.math, f"segment_{kind}")
    got = fn(tf.constant(DATA), tf.constant(IDS_SORTED))
    np.testing.assert_allclose(got.numpy(), _reference(kind, DATA, IDS_SORTED, 4, True),
                               rtol=1e-12)
    ints = (DATA * 4).astype(np.int32)
    if kind != "mean":
        assert fn(tf.constant(ints), IDS_SORTED).dtype == tf.int32
        np.testing.assert_array_equal(fn(tf.constant(ints), IDS_SORTED).numpy(),
                                      _reference(kind, ints, IDS_SORTED, 4, True))


@pytest.mark.parametrize("kind", ["sum", "mean", "max", "min", "prod", "sqrt_n"])
def test_unsorted_segments_match_numpy(kind):
    fn = getattr(tf.math, f"unsorted_segment_{kind}")
    data32 = DATA.astype(np.float32)
    got = fn(tf.constant(data32), tf.constant(IDS_UNSORTED), 6)
    assert got.dtype == tf.float32 and got.shape == (6, 3)
    np.testing.assert_allclose(got.numpy(), _reference(kind, data32, IDS_UNSORTED, 6, False),
                               rtol=1e-5)
    # multi-dimensional ids: a prefix of data's shape
    d = RNG.standard_normal((2, 3, 2))
    ids = np.array([[0, 1, 0], [2, 1, -1]])
    np.testing.assert_allclose(fn(tf.constant(d), tf.constant(ids), 3).numpy(),
                               _reference(kind, d.reshape(6, 2), ids.ravel(), 3, False),
                               rtol=1e-12)


@pytest.mark.parametrize("kind", ["sum", "mean", "max", "prod", "sqrt_n"])
def test_segment_gradients_match_finite_differences(kind):
    fn = getattr(tf.math, f"unsorted_segment_{kind}")
    x = DATA.copy()
    w = RNG.standard_normal((5, 3))
    w[[1, 3]] = 0  # the empty segments (the dtype's lowest for max)

    def loss(v):
        return float(tf.reduce_sum(fn(tf.constant(v), IDS_UNSORTED, 5) * w))
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.reduce_sum(fn(t, IDS_UNSORTED, 5) * w)
    g = tape.gradient(y, t).numpy()
    fd = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[idx] += 1e-6
        lo[idx] -= 1e-6
        fd[idx] = (loss(hi) - loss(lo)) / 2e-6
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


def test_segments_inside_function_match_eager():
    @tf.function
    def f(d, ids):
        return (tf.math.segment_max(d, ids), tf.math.unsorted_segment_mean(d, ids, 5),
                tf.math.segment_prod(d, ids))
    got = f(tf.constant(DATA), tf.constant(IDS_SORTED))
    np.testing.assert_allclose(got[0].numpy(), _reference("max", DATA, IDS_SORTED, 4, True))
    np.testing.assert_allclose(got[1].numpy(), _reference("mean", DATA, IDS_SORTED, 5, False))
    np.testing.assert_allclose(got[2].numpy(), _reference("prod", DATA, IDS_SORTED, 4, True))


def test_segment_errors():
    with pytest.raises(InvalidArgumentError, match="segment_sum: segment ids must be"):
        tf.math.segment_sum([1.0, 2.0], [1, 0])
    with pytest.raises(InvalidArgumentError, match=r"segment_ids\[1\] = 5 is out of range"):
        tf.math.unsorted_segment_sum([1.0, 2.0], [0, 5], 2)
    with pytest.raises(ShapeError, match="prefix"):
        tf.math.unsorted_segment_sum([1.0, 2.0], [0, 1, 1], 2)
    with pytest.raises(DTypeError, match="segment_ids"):
        tf.math.segment_sum([1.0, 2.0], [0.0, 1.0])


def test_x_times_f_of_y_ops():
    m = tf.math
    x = tf.constant([0.0, 0.0, 2.0, 3.0], tf.float64)
    y = tf.constant([0.0, np.nan, 4.0, 0.5], tf.float64)
    np.testing.assert_allclose(m.xlogy(x, y).numpy(), [0, 0, 2 * np.log(4), 3 * np.log(.5)])
    np.testing.assert_allclose(m.xdivy(x, y).numpy(), [0, 0, 0.5, 6.0])
    np.testing.assert_allclose(m.xlog1py(x, y).numpy(), [0, 0, 2 * np.log(5), 3 * np.log(1.5)])
    np.testing.assert_array_equal(m.multiply_no_nan(tf.constant([np.inf, np.nan, 2.0]),
                                                    tf.constant([0.0, 0.0, 3.0])).numpy(),
                                  [0, 0, 6])
    np.testing.assert_array_equal(m.reciprocal_no_nan(tf.constant([0.0, 4.0])).numpy(),
                                  [0, 0.25])
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        out = tf.reduce_sum(m.xlogy(x, y))
    gx, gy = tape.gradient(out, [x, y])
    np.testing.assert_allclose(gx.numpy()[2:], np.log([4.0, 0.5]))
    np.testing.assert_allclose(gy.numpy(), [0, 0, 0.5, 6.0])


def test_reductions_and_scans():
    m = tf.math
    x = RNG.standard_normal((3, 4))
    np.testing.assert_allclose(m.reduce_euclidean_norm(tf.constant(x), axis=1).numpy(),
                               np.linalg.norm(x, axis=1), rtol=1e-12)
    assert m.reduce_euclidean_norm(tf.constant([3, 4])).numpy() == 5
    for excl in (False, True):
        for rev in (False, True):
            got = m.cumulative_logsumexp(tf.constant(x), axis=1, exclusive=excl,
                                         reverse=rev).numpy()
            v = np.flip(x, 1) if rev else x
            want = np.logaddexp.accumulate(v, axis=1)
            if excl:
                want = np.concatenate([np.full((3, 1), -np.inf), want[:, :-1]], 1)
            want = np.flip(want, 1) if rev else want
            np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(m.cumulative_logsumexp(tf.constant([1000.0, 1000.0],
                                                                  tf.float64)).numpy(),
                               [1000.0, 1000.0 + np.log(2)])


def test_polyval_confusion_permutation_monotone():
    m = tf.math
    x = tf.constant([0.5, 2.0], tf.float64)
    np.testing.assert_allclose(m.polyval([1.0, -2.0, 3.0], x).numpy(),
                               np.polyval([1.0, -2.0, 3.0], [0.5, 2.0]))
    cm = m.confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1], num_classes=4,
                            weights=[1.0, 2.0, 3.0, 4.0], dtype=tf.float32)
    want = np.zeros((4, 4), np.float32)
    for a, b, w in [(0, 0, 1), (1, 2, 2), (2, 2, 3), (2, 1, 4)]:
        want[a, b] += w
    np.testing.assert_array_equal(cm.numpy(), want)
    with pytest.raises(InvalidArgumentError, match="confusion_matrix"):
        m.confusion_matrix([0, 5], [0, 1], num_classes=3)
    p = RNG.permutation(7)
    np.testing.assert_array_equal(m.invert_permutation(p).numpy(), np.argsort(p))
    with pytest.raises(InvalidArgumentError, match="invert_permutation"):
        m.invert_permutation([0, 0, 1])
    assert bool(m.is_non_decreasing([[1, 2], [2, 3]])) and not bool(m.is_non_decreasing([2, 1]))
    assert bool(m.is_strictly_increasing([])) and not bool(m.is_strictly_increasing([1, 1]))


def test_small_ops():
    m = tf.math
    assert float(m.zero_fraction(tf.constant([[0.0, 1.0], [0.0, 0.0]]))) == 0.75
    np.testing.assert_array_equal(m.scalar_mul(3, tf.constant([1, 2])).numpy(), [3, 6])
    with pytest.raises(ShapeError, match="scalar_mul"):
        m.scalar_mul(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0]))
    np.testing.assert_array_equal(m.accumulate_n([tf.constant([1, 2])] * 3).numpy(), [3, 6])
    x = tf.constant([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    v, i = m.approx_max_k(x, 2)
    np.testing.assert_array_equal(v.numpy(), [[3, 2], [5, 4]])
    np.testing.assert_array_equal(i.numpy(), [[0, 2], [1, 2]])
    v, i = m.approx_min_k(x, 1, reduction_dimension=0)
    np.testing.assert_array_equal(v.numpy(), [[0, 1, 2]])
    np.testing.assert_array_equal(i.numpy(), [[1, 0, 0]])
    np.testing.assert_array_equal(m.softsign(tf.constant([1.0])).numpy(), [0.5])
    np.testing.assert_array_equal(m.sobol_sample(2, 4).numpy(),
                                  [[0.5, 0.5], [0.75, 0.25], [0.25, 0.75], [0.375, 0.375]])
    np.testing.assert_array_equal(m.sobol_sample(1, 2, skip=1, dtype=tf.float64).numpy(),
                                  [[0.75], [0.25]])

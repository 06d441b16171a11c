"""tf.nn.fractional_max_pool / fractional_avg_pool (ember/ops/nn_fractional.py)."""

import numpy as np
import pytest

import ember as tf
from ember.ops.nn_fractional import fractional_avg_pool, fractional_max_pool
from tests.gradcheck import directional


def _ref(x, rows, cols, overlapping, fn):
    """Pools x [B, H, W, C] over the regions of the given sequences, by loops."""
    h, w = x.shape[1:3]
    out = np.zeros((x.shape[0], len(rows) - 1, len(cols) - 1, x.shape[3]), x.dtype)
    for i in range(len(rows) - 1):
        r1 = min(rows[i + 1] + (1 if overlapping else 0), h)
        for j in range(len(cols) - 1):
            c1 = min(cols[j + 1] + (1 if overlapping else 0), w)
            out[:, i, j, :] = fn(x[:, rows[i]:r1, cols[j]:c1, :], axis=(1, 2))
    return out


def _check_sequence(seq, n, m, pseudo):
    seq = np.asarray(seq)
    assert seq.shape == (m + 1,) and seq[0] == 0 and seq[-1] == n
    diff = np.diff(seq)
    k = n // m
    assert set(diff.tolist()) <= {k, k + 1}
    if not pseudo:  # exactly n % m intervals of length k + 1
        assert int(np.sum(diff == k + 1)) == n % m


@pytest.mark.parametrize("pseudo", [False, True])
@pytest.mark.parametrize("overlapping", [False, True])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_values_match_numpy_over_the_returned_regions(pseudo, overlapping, kind):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 11, 9, 3)).astype(np.float32)
    fn = fractional_max_pool if kind == "max" else fractional_avg_pool
    for seed in range(1, 8):
        out, rows, cols = fn(x, [1.0, 1.6, 1.3, 1.0], pseudo, overlapping, seed=seed)
        assert out.shape == (2, 6, 6, 3) and out.dtype == tf.float32
        assert rows.dtype == tf.int64 and cols.dtype == tf.int64
        _check_sequence(rows.numpy(), 11, 6, pseudo)
        _check_sequence(cols.numpy(), 9, 6, pseudo)
        ref = _ref(x, rows.numpy(), cols.numpy(), overlapping,
                   np.max if kind == "max" else np.mean)
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-6, atol=1e-6)


def test_pinned_tf_regions():
    # TF 2.21 returned these sequences for a [1, 7, 9, 1] input, ratio [1, 1.5, 2, 1]
    # (its random draws differ from ember's; the pooling over given regions is what
    # is pinned): fractional_avg_pool output over rows [0,1,3,5,7], cols [0,2,5,7,9]
    x = np.arange(63, dtype=np.float32).reshape(1, 7, 9, 1)
    tf_avg = np.array([[0.5, 3.0, 5.5, 7.5], [14.0, 16.5, 19.0, 21.0],
                       [32.0, 34.5, 37.0, 39.0], [50.0, 52.5, 55.0, 57.0]], np.float32)
    np.testing.assert_array_equal(_ref(x, [0, 1, 3, 5, 7], [0, 2, 5, 7, 9], False,
                                       np.mean)[0, :, :, 0], tf_avg)


def test_seed_fixes_regions_and_zero_seed_follows_global_seed():
    x = np.random.default_rng(1).standard_normal((1, 10, 10, 1)).astype(np.float32)
    a = fractional_max_pool(x, 1.7, seed=5)
    b = fractional_max_pool(x, 1.7, seed=5)
    np.testing.assert_array_equal(a[1].numpy(), b[1].numpy())
    np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())
    tf.random.set_seed(3)
    first = [fractional_max_pool(x, 1.5)[1].numpy().tolist() for _ in range(6)]
    tf.random.set_seed(3)
    again = [fractional_max_pool(x, 1.5)[1].numpy().tolist() for _ in range(6)]
    tf.random.set_seed(None)
    assert first == again
    assert len({tuple(r) for r in first}) > 1  # seed 0: new regions per call


def test_scalar_ratio_and_integer_max_pool():
    x = np.arange(2 * 6 * 6 * 1, dtype=np.int32).reshape(2, 6, 6, 1)
    out, rows, cols = fractional_max_pool(x, 2.0, seed=1)
    assert out.dtype == tf.int32 and out.shape == (2, 3, 3, 1)
    np.testing.assert_array_equal(rows.numpy(), [0, 2, 4, 6])
    np.testing.assert_array_equal(out.numpy(), x[:, 1::2, 1::2, :])


@pytest.mark.parametrize("overlapping", [False, True])
def test_gradients_match_finite_differences(overlapping):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 7, 8, 2))
    w = rng.standard_normal((2, 4, 5, 2))
    for fn in (fractional_max_pool, fractional_avg_pool):
        def f(a):
            return tf.reduce_sum(fn(a, [1.0, 1.5, 1.5, 1.0], True, overlapping, seed=4)[0] * w)
        got, fd, _ = directional(f, x, rng.standard_normal(x.shape))
        np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)


def test_max_gradient_goes_to_one_argmax_and_avg_spreads():
    x = np.ones((1, 4, 4, 1))
    t = tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(t)
        mx = tf.reduce_sum(fractional_max_pool(t, 2.0, seed=1)[0])
        av = tf.reduce_sum(fractional_avg_pool(t, 2.0, seed=1)[0])
    gm = tape.gradient(mx, t).numpy()[0, :, :, 0]
    # all ties: the first element of each 2x2 region gets the whole gradient, as TF
    np.testing.assert_array_equal(gm, np.kron(np.ones((2, 2)), [[1, 0], [0, 0]]))
    np.testing.assert_allclose(tape.gradient(av, t).numpy(), np.full((1, 4, 4, 1), 0.25))


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_traced_equals_eager_with_a_seed(kind):
    fn = fractional_max_pool if kind == "max" else fractional_avg_pool
    x = np.random.default_rng(3).standard_normal((3, 9, 7, 2)).astype(np.float32)
    eager = fn(x, [1.0, 1.4, 1.8, 1.0], True, True, seed=9)
    traced = tf.function(lambda v: fn(v, [1.0, 1.4, 1.8, 1.0], True, True, seed=9),
                         input_signature=[tf.TensorSpec([None, 9, 7, 2], tf.float32)])
    for a, b in zip(eager, traced(x)):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_traced_gradient_and_fresh_regions_per_call():
    x = np.random.default_rng(4).standard_normal((1, 12, 12, 1)).astype(np.float32)
    v = tf.Variable(x)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            out, rows, _ = fractional_avg_pool(v, 1.5)
            loss = tf.reduce_sum(out)
        return tape.gradient(loss, v), rows

    seen = set()
    for _ in range(5):
        g, rows = step()
        assert abs(float(tf.reduce_sum(g)) - 64.0) < 1e-4  # 8 x 8 outputs, each sums to 1
        seen.add(tuple(rows.numpy().tolist()))
    assert len(seen) > 1


@pytest.mark.parametrize("ratio,match", [
    ([2.0, 1.5, 1.5, 1.0], "first and last"),
    (0.5, ">= 1.0"),
    ([1.0, 0.5, 1.5, 1.0], ">= 1.0"),
    ("2", "number"),
    ([1.0, 1.5, 1.0], "1 or 4"),
])
def test_bad_pooling_ratio(ratio, match):
    with pytest.raises(ValueError, match=match):
        fractional_max_pool(np.zeros((1, 4, 4, 1), np.float32), ratio)


def test_bad_inputs():
    with pytest.raises(ValueError, match="4-D"):
        fractional_max_pool(np.zeros((4, 4, 1), np.float32), 1.5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="larger than the input"):
        fractional_max_pool(np.zeros((1, 2, 2, 1), np.float32), 3.0)
    with pytest.raises(TypeError, match="floating"):
        fractional_avg_pool(np.zeros((1, 4, 4, 1), np.int32), 1.5)

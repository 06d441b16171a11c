"""tf.extract_volume_patches (ember/ops/top_patches.py): values against a NumPy loop and
pinned TF 2.21 values, gradient against finite differences, traced == eager."""

import numpy as np
import pytest

import ember as tf
from ember.ops.top_patches import extract_volume_patches
from tests.gradcheck import directional


def _ref(x, k, st, padding):
    """The patches by a plain loop over output positions and window offsets."""
    b, dims, d = x.shape[0], x.shape[1:4], x.shape[4]
    if padding == "SAME":
        outs = [-(-n // s) for n, s in zip(dims, st)]
        pads = [max((o - 1) * s + kk - n, 0) // 2 for o, s, kk, n in zip(outs, st, k, dims)]
    else:
        outs = [(n - kk) // s + 1 for n, kk, s in zip(dims, k, st)]
        pads = [0, 0, 0]
    y = np.zeros([b] + outs + [k[0] * k[1] * k[2] * d], x.dtype)
    for p in range(outs[0]):
        for r in range(outs[1]):
            for c in range(outs[2]):
                vals = []
                for i in range(k[0]):
                    for j in range(k[1]):
                        for m in range(k[2]):
                            q = (p * st[0] + i - pads[0], r * st[1] + j - pads[1],
                                 c * st[2] + m - pads[2])
                            inside = all(0 <= a < n for a, n in zip(q, dims))
                            vals.append(x[:, q[0], q[1], q[2], :] if inside
                                        else np.zeros((b, d), x.dtype))
                y[:, p, r, c, :] = np.concatenate(vals, axis=1)
    return y


CASES = [((2, 3, 4, 5, 2), (2, 2, 3), (1, 2, 2), "SAME"),
         ((2, 3, 4, 5, 2), (2, 2, 3), (1, 2, 2), "VALID"),
         ((1, 4, 4, 4, 1), (3, 1, 2), (2, 3, 1), "SAME"),
         ((1, 5, 3, 2, 3), (1, 1, 1), (2, 1, 1), "VALID")]


@pytest.mark.parametrize("shape,k,st,padding", CASES)
def test_matches_numpy_loop(shape, k, st, padding):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    y = extract_volume_patches(x, [1, *k, 1], [1, *st, 1], padding)
    np.testing.assert_array_equal(y.numpy(), _ref(x, k, st, padding))


def test_pinned_tf_values():
    # TF 2.21: tf.extract_volume_patches(x, [1,2,2,3,1], [1,1,2,2,1], "SAME")
    x = np.arange(2 * 3 * 4 * 5 * 2, dtype=np.float32).reshape(2, 3, 4, 5, 2)
    y = extract_volume_patches(x, [1, 2, 2, 3, 1], [1, 1, 2, 2, 1], "SAME").numpy()
    assert y.shape == (2, 3, 2, 3, 24)
    np.testing.assert_array_equal(y[0, 0, 0, 0], [0, 0, 0, 1, 2, 3, 0, 0, 10, 11, 12, 13,
                                                  0, 0, 40, 41, 42, 43, 0, 0, 50, 51, 52, 53])
    np.testing.assert_array_equal(y[1, 2, 1, 2], [226, 227, 228, 229, 0, 0, 236, 237, 238,
                                                  239] + [0] * 14)
    v = extract_volume_patches(x, [1, 2, 2, 3, 1], [1, 1, 2, 2, 1], "VALID")
    assert v.shape == (2, 2, 2, 2, 24)


def test_integer_input_keeps_dtype():
    x = np.arange(8, dtype=np.int32).reshape(1, 2, 2, 2, 1)
    y = extract_volume_patches(x, [1, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID")
    assert y.dtype == tf.int32
    np.testing.assert_array_equal(y.numpy().ravel(), np.arange(8))


def test_gradient_matches_tf_and_finite_differences():
    x = np.arange(2 * 3 * 4 * 5 * 2, dtype=np.float32).reshape(2, 3, 4, 5, 2)
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        z = tf.reduce_sum(extract_volume_patches(xv, [1, 2, 2, 3, 1], [1, 1, 2, 2, 1],
                                                 "SAME") ** 2)
    # TF 2.21's gradient at [0, 0, 0, :, 0]
    np.testing.assert_array_equal(tape.gradient(z, xv).numpy()[0, 0, 0, :, 0],
                                  [0, 8, 8, 24, 16])
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 3, 3, 4, 2))
    w = rng.standard_normal((1, 3, 2, 2, 16))

    def f(a):
        y = extract_volume_patches(a, [1, 2, 2, 2, 1], [1, 1, 2, 2, 1], "SAME")
        return tf.reduce_sum(tf.sin(y) * w)

    got, fd, _ = directional(f, x, rng.standard_normal(x.shape))
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)


def test_traced_equals_eager_with_unknown_batch():
    x = np.random.default_rng(2).standard_normal((3, 4, 4, 4, 2)).astype(np.float32)
    eager = extract_volume_patches(x, [1, 2, 3, 2, 1], [1, 2, 1, 2, 1], "SAME")
    f = tf.function(lambda v: extract_volume_patches(v, [1, 2, 3, 2, 1], [1, 2, 1, 2, 1],
                                                     "SAME"),
                    input_signature=[tf.TensorSpec([None, 4, 4, 4, 2], tf.float32)])
    np.testing.assert_array_equal(f(x).numpy(), eager.numpy())


@pytest.mark.parametrize("ksizes,strides,match", [
    ([2, 2, 2, 2, 1], [1, 1, 1, 1, 1], "batch and depth"),
    ([1, 2, 2], [1, 1, 1, 1, 1], "5 positive ints"),
    ([1, 2, 2, 2, 1], [1, 0, 1, 1, 1], "5 positive ints"),
])
def test_bad_arguments(ksizes, strides, match):
    with pytest.raises(tf.errors.InvalidArgumentError, match=match):
        extract_volume_patches(np.zeros((1, 2, 2, 2, 1), np.float32), ksizes, strides,
                               "VALID")


def test_bad_rank_and_padding():
    with pytest.raises(ValueError, match="5-D"):
        extract_volume_patches(np.zeros((1, 2, 2, 1), np.float32), [1, 1, 1, 1, 1],
                               [1, 1, 1, 1, 1], "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="padding"):
        extract_volume_patches(np.zeros((1, 2, 2, 2, 1), np.float32), [1, 1, 1, 1, 1],
                               [1, 1, 1, 1, 1], "FULL")
    with pytest.raises(ValueError, match="larger than the input"):
        extract_volume_patches(np.zeros((1, 2, 2, 2, 1), np.float32), [1, 3, 1, 1, 1],
                               [1, 1, 1, 1, 1], "VALID")

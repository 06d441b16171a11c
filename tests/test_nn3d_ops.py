"""tf.nn.conv3d, conv3d_transpose, max_pool3d and avg_pool3d (ember/ops/nn3d.py) against
direct NumPy loop references, their gradients against finite differences, inside
ember.function with an unknown batch, on the JAX backend, and their errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.errors import InvalidArgumentError, ShapeError
from tests.helpers import assert_close

R = np.random.default_rng(3)


def _same_pads(n, k, s, d=1):
    eff = (k - 1) * d + 1
    out = -(-n // s)
    total = max((out - 1) * s + eff - n, 0)
    return out, total // 2


def ref_conv3d(x, w, s, padding, d=(1, 1, 1)):
    """NDHWC cross-correlation by a loop over the filter taps."""
    sp = x.shape[1:4]
    outs, befores = [], []
    for a in range(3):
        eff = (w.shape[a] - 1) * d[a] + 1
        if padding == "SAME":
            o, b = _same_pads(sp[a], w.shape[a], s[a], d[a])
        else:
            o, b = (sp[a] - eff) // s[a] + 1, 0
        outs.append(o)
        befores.append(b)
    big = [max(sp[a] + befores[a], (outs[a] - 1) * s[a] + (w.shape[a] - 1) * d[a] + 1)
           for a in range(3)]
    xp = np.zeros((x.shape[0], *big, x.shape[4]))
    xp[:, befores[0]:befores[0] + sp[0], befores[1]:befores[1] + sp[1],
       befores[2]:befores[2] + sp[2]] = x
    y = np.zeros((x.shape[0], *outs, w.shape[4]))
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            for k in range(w.shape[2]):
                part = xp[:, i * d[0]:i * d[0] + (outs[0] - 1) * s[0] + 1:s[0],
                          j * d[1]:j * d[1] + (outs[1] - 1) * s[1] + 1:s[1],
                          k * d[2]:k * d[2] + (outs[2] - 1) * s[2] + 1:s[2]]
                y += part @ w[i, j, k]
    return y


def ref_conv3d_transpose(x, w, out_shape, s, padding, d=(1, 1, 1)):
    """conv3d_transpose (NDHWC): each input voxel times the filter, scattered."""
    n, sp, c = x.shape[0], x.shape[1:4], x.shape[4]
    befores, full = [], []
    for a in range(3):
        eff = (w.shape[a] - 1) * d[a] + 1
        total = max((sp[a] - 1) * s[a] + eff - out_shape[1 + a], 0) if padding == "SAME" else 0
        befores.append(total // 2)
        full.append(max((sp[a] - 1) * s[a] + eff, total // 2 + out_shape[1 + a]))
    y = np.zeros((n, *full, w.shape[3]))
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            for k in range(w.shape[2]):
                contrib = x @ w[i, j, k].T  # [n, D, H, W, out]
                y[:, i * d[0]:i * d[0] + (sp[0] - 1) * s[0] + 1:s[0],
                  j * d[1]:j * d[1] + (sp[1] - 1) * s[1] + 1:s[1],
                  k * d[2]:k * d[2] + (sp[2] - 1) * s[2] + 1:s[2]] += contrib
    b = befores
    return y[:, b[0]:b[0] + out_shape[1], b[1]:b[1] + out_shape[2], b[2]:b[2] + out_shape[3]]


def ref_pool3d(x, k, s, padding, kind):
    """max / mean over the valid elements of each window, as TF."""
    sp = x.shape[1:4]
    grids = []
    for a in range(3):
        if padding == "SAME":
            o, b = _same_pads(sp[a], k[a], s[a])
        else:
            o, b = (sp[a] - k[a]) // s[a] + 1, 0
        grids.append([(max(i * s[a] - b, 0), min(i * s[a] - b + k[a], sp[a]))
                      for i in range(o)])
    y = np.zeros((x.shape[0], *[len(g) for g in grids], x.shape[4]))
    fn = np.max if kind == "max" else np.mean
    for i, (a0, a1) in enumerate(grids[0]):
        for j, (b0, b1) in enumerate(grids[1]):
            for m, (c0, c1) in enumerate(grids[2]):
                y[:, i, j, m] = fn(x[:, a0:a1, b0:b1, c0:c1], axis=(1, 2, 3))
    return y


def _ncdhw(a):
    return np.transpose(a, (0, 4, 1, 2, 3))


CONV_CASES = [  # x shape, w shape, strides, padding, dilations
    ((2, 5, 6, 4, 3), (3, 2, 3, 3, 4), (1, 1, 1), "VALID", (1, 1, 1)),
    ((2, 5, 6, 4, 3), (3, 3, 2, 3, 2), (2, 1, 2), "SAME", (1, 1, 1)),
    ((1, 7, 5, 6, 2), (2, 3, 3, 2, 2), (3, 2, 1), "VALID", (1, 1, 1)),
    ((1, 7, 6, 6, 2), (2, 2, 3, 2, 3), (1, 1, 1), "SAME", (2, 1, 2)),
    ((2, 4, 4, 4, 1), (1, 1, 1, 1, 2), (2, 2, 2), "SAME", (1, 1, 1)),
]


@pytest.mark.parametrize("xs, ws, s, padding, d", CONV_CASES)
def test_conv3d_values_both_layouts(xs, ws, s, padding, d):
    x, w = R.standard_normal(xs), R.standard_normal(ws)
    want = ref_conv3d(x, w, s, padding, d)
    got = tf.nn.conv3d(x, w, [1, *s, 1], padding, dilations=[1, *d, 1])
    assert_close(got.numpy(), want, 1e-9)
    first = tf.nn.conv3d(_ncdhw(x).astype(np.float32), w.astype(np.float32), list(s),
                         padding, data_format="NCDHW", dilations=list(d))
    assert_close(first.numpy(), _ncdhw(want), 1e-4)


TRANSPOSE_CASES = [  # x shape, w shape [.., out, in], output shape, strides, padding, dil
    ((2, 3, 3, 2, 2), (2, 2, 2, 3, 2), (2, 6, 6, 4, 3), (2, 2, 2), "SAME", (1, 1, 1)),
    ((1, 3, 2, 3, 2), (3, 2, 3, 2, 2), (1, 7, 4, 7, 2), (2, 2, 2), "VALID", (1, 1, 1)),
    ((1, 3, 4, 3, 2), (3, 3, 2, 2, 2), (1, 5, 8, 6, 2), (2, 2, 2), "SAME", (1, 1, 1)),
    ((2, 4, 3, 3, 1), (3, 2, 2, 2, 1), (2, 4, 3, 3, 2), (1, 1, 1), "SAME", (2, 1, 2)),
    ((1, 2, 2, 2, 2), (2, 3, 2, 1, 2), (1, 7, 7, 6, 1), (3, 3, 3), "VALID", (1, 1, 1)),
]


@pytest.mark.parametrize("xs, ws, out, s, padding, d", TRANSPOSE_CASES)
def test_conv3d_transpose_values_both_layouts(xs, ws, out, s, padding, d):
    x, w = R.standard_normal(xs), R.standard_normal(ws)
    want = ref_conv3d_transpose(x, w, out, s, padding, d)
    got = tf.nn.conv3d_transpose(x, w, list(out), list(s), padding, dilations=list(d))
    assert_close(got.numpy(), want, 1e-9)
    first = tf.nn.conv3d_transpose(_ncdhw(x), w, [out[0], out[4], *out[1:4]], list(s),
                                   padding, data_format="NCDHW", dilations=list(d))
    assert_close(first.numpy(), _ncdhw(want), 1e-9)


def test_conv3d_transpose_is_the_input_gradient_of_conv3d():
    x, w = R.standard_normal((2, 5, 4, 6, 2)), R.standard_normal((3, 2, 3, 2, 3))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.nn.conv3d(xt, w, [1, 2, 1, 2, 1], "SAME")
        g = R.standard_normal(tuple(y.shape))
        loss = tf.reduce_sum(y * g)
    dx = tape.gradient(loss, xt)
    assert_close(tf.nn.conv3d_transpose(g, w, list(x.shape), [1, 2, 1, 2, 1], "SAME").numpy(),
                 dx.numpy(), 1e-9)


POOL_CASES = [((2, 5, 6, 4, 3), (2, 2, 2), (2, 2, 2), "VALID"),
              ((2, 5, 6, 4, 3), (3, 2, 3), (2, 1, 2), "SAME"),
              ((1, 7, 5, 5, 2), (3, 3, 1), (1, 2, 1), "VALID"),
              ((1, 4, 5, 3, 2), (2, 3, 2), (3, 2, 2), "SAME")]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("xs, k, s, padding", POOL_CASES)
def test_pool3d_values_both_layouts(kind, xs, k, s, padding):
    fn = tf.nn.max_pool3d if kind == "max" else tf.nn.avg_pool3d
    x = R.standard_normal(xs)
    want = ref_pool3d(x, k, s, padding, kind)
    assert_close(fn(x, [1, *k, 1], [1, *s, 1], padding).numpy(), want, 1e-9)
    assert_close(fn(_ncdhw(x), list(k), list(s), padding, data_format="NCDHW").numpy(),
                 _ncdhw(want), 1e-9)
    if len(set(k)) == 1 and len(set(s)) == 1:
        assert_close(fn(x, k[0], s[0], padding).numpy(), want, 1e-9)


def _check_grads(f, args, eps=1e-6):
    """Tape gradients of sum(f(*args) * P) vs float64 central differences along a random
    direction, for every argument."""
    ts = [tf.constant(a) for a in args]
    with tf.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = f(*ts)
        p = tf.constant(R.standard_normal(tuple(y.shape)))
        loss = tf.reduce_sum(y * p)
    grads = tape.gradient(loss, ts)
    for i, (a, g) in enumerate(zip(args, grads)):
        v = R.standard_normal(a.shape)

        def at(step):
            moved = [b + step * v if k == i else b for k, b in enumerate(args)]
            return float(tf.reduce_sum(f(*moved) * p))
        numeric = (at(eps) - at(-eps)) / (2 * eps)
        assert_close(np.sum(g.numpy() * v), numeric, 1e-6 * max(1.0, abs(numeric)))


def test_gradients_match_finite_differences():
    x, w = R.standard_normal((2, 4, 5, 3, 2)), R.standard_normal((2, 3, 2, 2, 3))
    _check_grads(lambda a, b: tf.nn.conv3d(a, b, [1, 2, 1, 1, 1], "SAME"), [x, w])
    _check_grads(lambda a, b: tf.nn.conv3d(a, b, 1, "VALID", dilations=[1, 2, 1, 1, 1]),
                 [x, w])
    g, wt = R.standard_normal((2, 3, 3, 2, 2)), R.standard_normal((2, 2, 3, 3, 2))
    _check_grads(lambda a, b: tf.nn.conv3d_transpose(a, b, [2, 6, 5, 4, 3], 2, "SAME"),
                 [g, wt])
    _check_grads(lambda a: tf.nn.max_pool3d(a, 2, [1, 2, 1, 2, 1], "SAME"), [x])
    _check_grads(lambda a: tf.nn.avg_pool3d(a, 3, 2, "SAME"), [x])


def test_unknown_batch_in_function():
    w = R.standard_normal((2, 2, 2, 2, 3)).astype(np.float32)
    wt = R.standard_normal((2, 2, 2, 2, 3)).astype(np.float32)

    @tf.function(input_signature=[tf.TensorSpec([None, 4, 4, 4, 2], tf.float32)])
    def net(x):
        y = tf.nn.conv3d(x, w, 1, "SAME")
        y = tf.nn.max_pool3d(y, 2, 2, "VALID") + tf.nn.avg_pool3d(y, 2, 2, "VALID")
        return tf.nn.conv3d_transpose(y, wt, [None, 4, 4, 4, 2], 2, "SAME")

    for n in (1, 3):
        x = R.standard_normal((n, 4, 4, 4, 2)).astype(np.float32)
        y = ref_conv3d(x, w, (1, 1, 1), "SAME")
        y = ref_pool3d(y, (2,) * 3, (2,) * 3, "VALID", "max") + \
            ref_pool3d(y, (2,) * 3, (2,) * 3, "VALID", "avg")
        want = ref_conv3d_transpose(y, wt, (n, 4, 4, 4, 2), (2, 2, 2), "SAME")
        assert_close(net(x).numpy(), want, 1e-4)


def test_jax_backend_values_and_gradients():
    pytest.importorskip("jax")
    x = R.standard_normal((2, 4, 5, 4, 2)).astype(np.float32)
    w = R.standard_normal((2, 3, 2, 2, 3)).astype(np.float32)

    def f(a, b):
        with tf.GradientTape() as tape:
            tape.watch([a, b])
            y = tf.nn.conv3d(a, b, [1, 2, 1, 1, 1], "SAME")
            y = tf.nn.max_pool3d(y, 2, 1, "SAME") + tf.nn.avg_pool3d(y, 3, 1, "SAME")
            z = tf.nn.conv3d_transpose(y, b, [2, 4, 5, 4, 2], [1, 2, 1, 1, 1], "SAME")
            loss = tf.reduce_sum(z * z)
        return [z] + tape.gradient(loss, [a, b])

    eager = f(tf.constant(x), tf.constant(w))
    jitted = tf.function(f, jit_compile=True)(tf.constant(x), tf.constant(w))
    for a, b in zip(eager, jitted):
        assert_close(b.numpy(), a.numpy(), 1e-3 * max(1.0, float(np.abs(a.numpy()).max())))


def test_errors():
    x, w = tf.ones((1, 4, 4, 4, 2)), tf.ones((2, 2, 2, 2, 3))
    with pytest.raises(ShapeError, match="5-D"):
        tf.nn.conv3d(tf.ones((1, 4, 4, 2)), w, 1, "SAME")
    with pytest.raises(ShapeError, match="expect 2"):
        tf.nn.conv3d(tf.ones((1, 4, 4, 4, 3)), w, 1, "SAME")
    with pytest.raises(ShapeError, match="filter depth 5"):
        tf.nn.conv3d(x, tf.ones((5, 2, 2, 2, 3)), 1, "VALID")
    with pytest.raises(InvalidArgumentError, match="batch and channel"):
        tf.nn.conv3d(x, w, [2, 1, 1, 1, 1], "SAME")
    with pytest.raises(InvalidArgumentError, match="padding"):
        tf.nn.conv3d(x, w, 1, "FULL")
    with pytest.raises(InvalidArgumentError, match="data_format"):
        tf.nn.conv3d(x, w, 1, "SAME", data_format="NHWC")
    with pytest.raises(ShapeError, match="does not match the input"):
        tf.nn.conv3d_transpose(x, tf.ones((2, 2, 2, 3, 2)), [1, 9, 8, 8, 3], 2, "SAME")
    with pytest.raises(ShapeError, match="channels"):
        tf.nn.conv3d_transpose(x, tf.ones((2, 2, 2, 3, 2)), [1, 8, 8, 8, 4], 2, "SAME")
    with pytest.raises(InvalidArgumentError, match="output_shape"):
        tf.nn.conv3d_transpose(x, tf.ones((2, 2, 2, 3, 2)), [8, 8, 8, 3], 2)
    with pytest.raises(ShapeError, match="5-D"):
        tf.nn.max_pool3d(tf.ones((1, 4, 4, 2)), 2, 2, "VALID")

    @tf.function(input_signature=[tf.TensorSpec([None, None, 4, 4, 2], tf.float32)])
    def dynamic(v):
        return tf.nn.avg_pool3d(v, 2, 2, "VALID")

    with pytest.raises(NotImplementedError, match="must be known"):
        dynamic(np.ones((1, 4, 4, 4, 2), np.float32))

"""ONNX export of the primitives composed in ember/export/onnx_ops_more.py (batched gather,
SYMMETRIC pad, roll, cumprod, atan2, searchsorted, table lookups, tensor_scatter_nd) and
of the Keras layers whose predict graphs use them: each exported model passes
`onnx.checker` and, run by onnxruntime at two batch sizes, gives ember's values and
NumPy's."""

import numpy as np
import pytest

import ember as tf
import ember.onnx
from ember import keras
from ember.export import onnx_export
from ember.keras import layers as L

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _session(proto):
    onnx.checker.check_model(proto, full_check=True)
    return ort.InferenceSession(proto.SerializeToString(),
                                providers=["CPUExecutionProvider"])


def _run(fn, signature, *xs, opset=17):
    """onnxruntime's results of the export of `fn`, checked equal to ember's eager ones."""
    sess = _session(ember.onnx.export(fn, signature, opset=opset))
    got = sess.run(None, {i.name: x for i, x in zip(sess.get_inputs(), xs)})
    want = [np.asarray(w) for w in tf.nest.flatten(fn(*xs))]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    return got


def _normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


# -- primitives, against NumPy ---------------------------------------------------------------

@pytest.mark.parametrize("axis,batch_dims", [(1, 1), (2, 1), (2, 2), (3, 1)])
def test_gather_with_batch_dims(axis, batch_dims):
    def f(p, i):
        return tf.gather(p, i, axis=axis, batch_dims=batch_dims)

    rng = np.random.default_rng(axis + batch_dims)
    for n in (1, 3):
        p = rng.normal(size=(n, 4, 5, 3)).astype(np.float32)
        ishape = (n, 2, 6) if batch_dims == 1 else (n, 4, 6)
        i = rng.integers(0, p.shape[axis], ishape).astype(np.int32)
        (got,) = _run(f, [tf.TensorSpec([None, 4, 5, 3]),
                          tf.TensorSpec([None, *ishape[1:]], tf.int32)], p, i)
        # NumPy: per batch index, np.take along the axis
        want = np.stack([np.take(p[b], i[b], axis=axis - 1) if batch_dims == 1 else
                         np.stack([np.take(p[b, c], i[b, c], axis=axis - 2)
                                   for c in range(4)]) for b in range(n)])
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumprod_keeps_zeros_and_signs(exclusive, reverse):
    def f(x):
        return (tf.math.cumprod(x, 1, exclusive=exclusive, reverse=reverse),
                tf.math.cumprod(x, 0, exclusive=exclusive, reverse=reverse))

    x = np.array([[1.5, -2.0, 0.0, 3.0, -0.5], [2.0, 0.5, -1.0, 4.0, 1.0],
                  [-1.0, 3.0, 2.0, 0.0, 2.0]], np.float32)
    for rows in (x[:1], x):
        got = _run(f, [tf.TensorSpec([None, None])], rows)
        for axis, g in zip((1, 0), got):
            y = np.flip(rows, axis) if reverse else rows
            want = np.cumprod(y, axis)
            if exclusive:
                want = np.concatenate([np.ones_like(np.take(y, [0], axis)),
                                       np.delete(want, -1, axis)], axis)
            want = np.flip(want, axis) if reverse else want
            np.testing.assert_allclose(g, want, rtol=1e-6)


def test_roll_static_dynamic_and_repeated_axes():
    def f(x, s):
        return (tf.roll(x, 2, 1), tf.roll(x, [-1, 7], [0, 1]), tf.roll(x, s, 1),
                tf.roll(x, [1, 2], [1, 1]))

    for n in (1, 4):
        x = _normal(n, 5, seed=n)
        s = np.array(-3, np.int32)
        a, b, c, d = _run(f, [tf.TensorSpec([None, 5]), tf.TensorSpec([], tf.int32)], x, s)
        np.testing.assert_array_equal(a, np.roll(x, 2, 1))
        np.testing.assert_array_equal(b, np.roll(x, (-1, 7), (0, 1)))
        np.testing.assert_array_equal(c, np.roll(x, -3, 1))
        np.testing.assert_array_equal(d, np.roll(x, 3, 1))


def test_atan2_in_every_quadrant_and_on_the_axes():
    y = np.array([1.0, 1.0, -1.0, -1.0, 0.0, 0.0, 2.0, -2.0, 0.0, 1e-30, 5.0, np.inf],
                 np.float32)
    x = np.array([1.0, -1.0, -1.0, 1.0, 1.0, -1.0, 0.0, 0.0, 0.0, -1.0, 1e-30, 1.0],
                 np.float32)
    for n in (3, len(x)):
        (got,) = _run(lambda a, b: tf.math.atan2(a, b), [tf.TensorSpec([None])] * 2,
                      y[:n], x[:n])
        np.testing.assert_allclose(got, np.arctan2(y[:n], x[:n]), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("mode,pads", [("SYMMETRIC", [[0, 0], [2, 1], [1, 3]]),
                                       ("SYMMETRIC", [[1, 0], [0, 4], [0, 0]]),
                                       ("REFLECT", [[0, 0], [3, 1], [1, 2]])])
def test_symmetric_and_reflect_pad_over_unknown_dims(mode, pads):
    # (SYMMETRIC pads up to the whole axis, REFLECT up to all of it but the edge)

    def f(x):
        return tf.pad(x, pads, mode=mode)

    for n in (1, 3):
        x = _normal(n, 4, 3, seed=n)
        (got,) = _run(f, [tf.TensorSpec([None, None, None])], x)
        np.testing.assert_array_equal(got, np.pad(x, pads, mode=mode.lower()))


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_rows(side):
    seq = np.array([[0.0, 1.0, 1.0, 3.0], [-2.0, -1.0, 5.0, 6.0]], np.float32)

    def f(v):
        return (tf.searchsorted(seq, v, side=side),
                tf.searchsorted(seq[0], tf.reshape(v, [-1]), side=side,
                                out_type=tf.int64))

    v = np.array([[1.0, -5.0, 3.0, 9.0, 0.5], [5.0, -1.0, 7.0, -3.0, 0.0]], np.float32)
    a, b = _run(f, [tf.TensorSpec([2, None])], v)
    for row in range(2):
        np.testing.assert_array_equal(a[row], np.searchsorted(seq[row], v[row], side))
    np.testing.assert_array_equal(b, np.searchsorted(seq[0], v.ravel(), side))


def test_tensor_scatter_nd_modes():
    idx = np.array([[0, 1], [2, 0], [0, 1]], np.int32)
    upd = np.array([1.0, 2.0, 4.0], np.float32)

    def f(x):
        return (tf.tensor_scatter_nd_add(x, idx, upd), tf.tensor_scatter_nd_sub(x, idx, upd),
                tf.tensor_scatter_nd_update(x, idx[:2], upd[:2]),
                tf.tensor_scatter_nd_update(x, [[1]], [[7.0, 8.0, 9.0]]))

    x = _normal(3, 3, seed=5)
    add, sub, update, row = _run(f, [tf.TensorSpec([3, 3])], x)
    want = x.copy()
    np.add.at(want, (idx[:, 0], idx[:, 1]), upd)
    np.testing.assert_allclose(add, want, rtol=1e-6)
    np.testing.assert_allclose(sub, 2 * x - want, rtol=1e-6, atol=1e-6)
    assert update[0, 1] == 1.0 and update[2, 0] == 2.0
    np.testing.assert_array_equal(row[1], [7.0, 8.0, 9.0])


def test_scatter_min_max_need_opset_18():
    def f(x):
        return (tf.tensor_scatter_nd_max(x, [[0], [2]], [5.0, -5.0]),
                tf.tensor_scatter_nd_min(x, [[0], [2]], [5.0, -5.0]))

    with pytest.raises(NotImplementedError, match="'tensor_scatter_nd'.*opset 18"):
        ember.onnx.export(f, [tf.TensorSpec([3])])
    x = np.array([1.0, 2.0, 3.0], np.float32)
    hi, lo = _run(f, [tf.TensorSpec([3])], x, opset=18)
    np.testing.assert_array_equal(hi, [5.0, 2.0, 3.0])
    np.testing.assert_array_equal(lo, [1.0, 2.0, -5.0])


def test_composite_ops_map_too():
    # one_hot, one-argument where, arg variants, clip, einsum, top_k, sort, erf: composed
    # from mapped primitives (no new emitter), checked here for their values
    def f(x, i):
        return (tf.one_hot(i, 4), tf.one_hot(i, 3, on_value=2.0, off_value=-1.0, axis=0),
                tf.where(x > 0.5), tf.argmax(x, 0), tf.argmin(x, 1, output_type=tf.int32),
                tf.clip_by_value(x, -0.3, x[:1]), tf.einsum("bi,bj->bij", x, x),
                tf.einsum("bij->j", tf.einsum("bi,bj->bij", x, x)),
                tf.einsum("bi,bi->b", x, x),
                tf.math.top_k(x, 2).values, tf.math.top_k(-x, 3).indices,
                tf.sort(x, 0, direction="DESCENDING"), tf.argsort(x, 1),
                tf.math.erf(x), tf.math.erfc(x))

    for n in (2, 5):
        x = _normal(n, 4, seed=n)
        i = np.random.default_rng(n).integers(0, 4, (n,)).astype(np.int32)
        _run(f, [tf.TensorSpec([None, 4]), tf.TensorSpec([None], tf.int32)], x, i)


def test_resize_bilinear_and_nearest_are_half_pixel():
    def f(x):
        return (tf.image.resize(x, (6, 5)), tf.image.resize(x, (6, 5), method="nearest"),
                tf.image.resize(x, (2, 2)))

    x = _normal(2, 3, 4, 2, seed=9)
    bil, near, down = _run(f, [tf.TensorSpec([None, 3, 4, 2])], x)

    def coords(n_out, n_in):  # TF2's half-pixel source coordinates
        c = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = np.floor(c).astype(int)
        return lo, np.minimum(lo + 1, n_in - 1), (c - lo)[:, None]

    r0, r1, wr = coords(6, 3)
    c0, c1, wc = coords(5, 4)
    rows = x[:, r0] * (1 - wr[:, :, None]) + x[:, r1] * wr[:, :, None]
    want = rows[:, :, c0] * (1 - wc) + rows[:, :, c1] * wc
    np.testing.assert_allclose(bil, want, rtol=1e-5, atol=1e-6)
    ri = np.minimum(np.floor((np.arange(6) + 0.5) * 3 / 6), 2).astype(int)
    ci = np.minimum(np.floor((np.arange(5) + 0.5) * 4 / 5), 3).astype(int)
    np.testing.assert_array_equal(near, x[:, ri][:, :, ci])
    assert down.shape == (2, 2, 2, 2)


# -- Keras layers --------------------------------------------------------------------------

LAYERS = {
    "category_encoding": (lambda: L.CategoryEncoding(6, output_mode="multi_hot"), (3,),
                          "int32"),
    "category_count": (lambda: L.CategoryEncoding(6, output_mode="count"), (4,), "int32"),
    "discretization": (lambda: L.Discretization(bin_boundaries=[-1.0, 0.0, 1.0]), (5,),
                       "float32"),
    "integer_lookup": (lambda: L.IntegerLookup(vocabulary=[3, 5, 7]), (4,), "int64"),
    "equalization": (lambda: L.Equalization(), (6, 6, 3), "float32"),
    "clahe": (lambda: L.ContrastLimitedAdaptiveHistogramEqualization(), (8, 8, 3),
              "float32"),
    "resizing": (lambda: L.Resizing(5, 7), (4, 3, 2), "float32"),
    "resizing_nearest": (lambda: L.Resizing(5, 7, interpolation="nearest"), (4, 3, 2),
                         "float32"),
    "noise_and_dropout": (lambda: keras.Sequential([L.GaussianNoise(0.5),
                                                    L.GaussianDropout(0.3),
                                                    L.AlphaDropout(0.2)]), (5,), "float32"),
}


def _inputs(shape, dtype, n, seed):
    rng = np.random.default_rng(seed)
    if dtype.startswith("int"):
        return rng.integers(0, 8, (n, *shape)).astype(dtype)
    if len(shape) == 3:  # images in [0, 255]
        return rng.uniform(0, 255, (n, *shape)).astype(dtype)
    return rng.normal(size=(n, *shape)).astype(dtype) * 2


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_predict_at_two_batch_sizes(name):
    make, shape, dtype = LAYERS[name]
    inp = L.Input(shape, dtype=dtype)
    model = keras.Model(inp, make()(inp))
    sess = _session(ember.onnx.export(model))
    for n, seed in ((1, 0), (4, 1)):
        x = _inputs(shape, dtype, n, seed)
        want = np.asarray(model(x, training=False))
        (got,) = sess.run(None, {sess.get_inputs()[0].name: x})
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_random_layers_leave_no_random_primitive_at_inference():
    model = keras.Sequential([L.Input((5,)), L.Dropout(0.5), L.GaussianNoise(1.0),
                              L.GaussianDropout(0.5), L.AlphaDropout(0.5)])
    f = tf.function(lambda x: model(x, training=False))
    graph = f.get_concrete_function(tf.TensorSpec([None, 5])).graph
    assert not [e for e in graph.eqns if e.prim.name.startswith("random")]
    with pytest.raises(NotImplementedError, match="'random_normal'"):
        ember.onnx.export(lambda x: x + tf.random.normal([5]), [tf.TensorSpec([5])])


def test_what_still_has_no_mapping_names_itself():
    with pytest.raises(NotImplementedError, match="'as_string'|'string_to_hash_bucket'"):
        ember.onnx.export(keras.Sequential([L.Input((3,), dtype="int64"), L.Hashing(5)]))
    for fn, prim in ((tf.math.lgamma, "lgamma"), (tf.math.erfinv, "erfinv"),
                     (tf.signal.rfft, "rfft")):
        with pytest.raises(NotImplementedError, match=f"'{prim}'.*no ONNX mapping"):
            ember.onnx.export(fn, [tf.TensorSpec([8])])


def test_unmapped_walks_the_emitter_tables():
    f = tf.function(lambda x: (tf.roll(x, 1, 0), tf.math.cumprod(x), tf.math.lgamma(x)))
    graph = f.get_concrete_function(tf.TensorSpec([3])).graph
    assert [e.prim.name for e in onnx_export._unmapped(graph)] == ["lgamma"]


# -- convolutions over spatial sizes unknown at export time ----------------------------------

@pytest.mark.parametrize("padding", ["SAME", "VALID", ((1, 2), (0, 1))])
@pytest.mark.parametrize("strides,dilations", [((1, 1), (1, 1)), ((2, 2), (1, 1)),
                                               ((3, 2), (1, 1)), ((1, 1), (2, 1))])
def test_transposed_conv_over_unknown_spatial_sizes(padding, strides, dilations):
    # conv2d_backprop_input (Keras' Conv2DTranspose, conv2d's input gradient) of a
    # forward conv whose input sizes are known only at run time
    from ember.core.registry import PRIMITIVES, bind

    w = tf.constant(_normal(3, 2, 2, 4, seed=20))
    explicit = padding if isinstance(padding, str) else [[0, 0], *padding, [0, 0]]

    def f(x):
        g = tf.nn.conv2d(x, w, strides, explicit, dilations=dilations)
        return bind(PRIMITIVES["conv2d_backprop_input"], g, w, x, strides=strides,
                    padding=padding, dilations=dilations)

    sess = _session(ember.onnx.export(f, [tf.TensorSpec([None, None, None, 2])]))
    for k, shape in enumerate([(1, 5, 7, 2), (2, 8, 6, 2), (1, 6, 9, 2)]):
        x = _normal(*shape, seed=k)
        (got,) = sess.run(None, {"input_0": x})
        want = f(tf.constant(x)).numpy()
        assert got.shape == want.shape == shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_dilated_same_convs_over_unknown_spatial_sizes():
    # onnxruntime refuses auto_pad SAME_UPPER with dilations: the pads are run-time ones
    model = keras.Sequential([L.Input((None, None, 3)),
                              L.Conv2D(4, 3, dilation_rate=2, padding="same"),
                              L.DepthwiseConv2D(3, dilation_rate=(1, 2), padding="same"),
                              L.Conv2D(2, 2, strides=2, padding="same")])
    sess = _session(ember.onnx.export(model))
    for k, shape in enumerate([(1, 7, 9, 3), (3, 10, 6, 3)]):
        x = _normal(*shape, seed=k)
        (got,) = sess.run(None, {sess.get_inputs()[0].name: x})
        np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-4, atol=1e-4)

"""keras.layers: ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D and TimeDistributed.

Values vs NumPy (np.pad, slicing, np.repeat), gradients vs the NumPy adjoint of each
(pad -> crop, crop -> pad with zeros, repeat -> sum of the repeated cells) and vs central
finite differences in float64, the shared `run_layer_test` harness, and error cases."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.errors import ShapeError
from tests.helpers import assert_close, run_layer_test, x32

L = keras.layers
R = np.random.default_rng(11)


# -- NumPy references --------------------------------------------------------------------

def _pad_ref(x, pads):
    return np.pad(x, [(0, 0)] + [tuple(p) for p in pads] + [(0, 0)])


def _crop_ref(x, crops):
    index = [slice(None)]
    for axis, (a, b) in enumerate(crops, start=1):
        index.append(slice(a, x.shape[axis] - b))
    return x[tuple(index)]


def _up_ref(x, sizes):
    for axis, s in enumerate(sizes, start=1):
        x = np.repeat(x, s, axis=axis)
    return x


def _up_grad_ref(g, sizes):
    """The adjoint of repeat: each input cell gets the sum of its repeated cells."""
    for axis, s in enumerate(sizes, start=1):
        shape = g.shape[:axis] + (g.shape[axis] // s, s) + g.shape[axis + 1:]
        g = g.reshape(shape).sum(axis=axis + 1)
    return g


# -- values through the harness ----------------------------------------------------------

@pytest.mark.parametrize("padding, pads", [
    (1, ((1, 1), (1, 1))), ((2, 0), ((2, 2), (0, 0))), (((0, 2), (1, 3)), ((0, 2), (1, 3)))])
@pytest.mark.parametrize("shape", [(2, 3, 4, 2), (1, 1, 5, 3)])
def test_zero_padding2d(padding, pads, shape):
    x = x32(*shape)
    out = run_layer_test(L.ZeroPadding2D, {"padding": padding}, x, _pad_ref(x, pads))
    assert L.ZeroPadding2D(padding).get_config()["padding"] == pads
    assert out.shape[1] == shape[1] + sum(pads[0])


@pytest.mark.parametrize("padding, pads", [(1, (1, 1)), ((0, 3), (0, 3)), ([2, 1], (2, 1))])
def test_zero_padding1d(padding, pads):
    x = x32(3, 4, 2)
    run_layer_test(L.ZeroPadding1D, {"padding": padding}, x, _pad_ref(x, [pads]))


@pytest.mark.parametrize("cropping, crops", [
    (1, ((1, 1), (1, 1))), ((2, 0), ((2, 2), (0, 0))), (((0, 2), (1, 3)), ((0, 2), (1, 3)))])
def test_cropping2d(cropping, crops):
    x = x32(2, 6, 7, 3)
    run_layer_test(L.Cropping2D, {"cropping": cropping}, x, _crop_ref(x, crops))
    assert L.Cropping2D(cropping).get_config()["cropping"] == crops


@pytest.mark.parametrize("cropping, crops", [((1, 1), (1, 1)), (2, (2, 2)), ((0, 3), (0, 3))])
def test_cropping1d(cropping, crops):
    x = x32(3, 6, 2)
    run_layer_test(L.Cropping1D, {"cropping": cropping}, x, _crop_ref(x, [crops]))


@pytest.mark.parametrize("size, sizes", [(2, (2, 2)), ((1, 3), (1, 3)), ((3, 2), (3, 2))])
@pytest.mark.parametrize("shape", [(2, 3, 4, 2), (1, 1, 2, 1)])
def test_upsampling2d(size, sizes, shape):
    x = x32(*shape)
    run_layer_test(L.UpSampling2D, {"size": size}, x, _up_ref(x, sizes))


@pytest.mark.parametrize("size", [1, 2, 3])
def test_upsampling1d(size):
    x = x32(2, 4, 3)
    run_layer_test(L.UpSampling1D, {"size": size}, x, _up_ref(x, (size,)))


@pytest.mark.parametrize("dtype", ["float64", "int32", "float16"])
def test_dtypes(dtype):
    x = R.integers(-5, 5, (2, 4, 5, 2)).astype(dtype)
    cases = [(L.ZeroPadding2D(((1, 0), (2, 1))), _pad_ref(x, ((1, 0), (2, 1)))),
             (L.Cropping2D(((1, 1), (0, 2))), _crop_ref(x, ((1, 1), (0, 2)))),
             (L.UpSampling2D((2, 3)), _up_ref(x, (2, 3)))]
    x1 = x[:, :, :, 0]
    cases += [(L.ZeroPadding1D((2, 1)), _pad_ref(x1, [(2, 1)])),
              (L.Cropping1D((1, 2)), _crop_ref(x1, [(1, 2)])),
              (L.UpSampling1D(2), _up_ref(x1, (2,)))]
    for layer, want in cases:
        layer_dtype = dtype if dtype != "int32" else "float32"
        layer = type(layer).from_config({**layer.get_config(), "dtype": layer_dtype})
        out = layer(tf.constant(x if want.ndim == 4 else x1))
        assert out.dtype.name == dtype, type(layer).__name__
        np.testing.assert_array_equal(out.numpy(), want)


def test_unknown_spatial_dims():
    """Inputs whose rows and cols are None, in a model and inside ember.function."""
    x = x32(2, 5, 6, 2)
    for layer, want in [(L.Cropping2D(((1, 2), (0, 1))), _crop_ref(x, ((1, 2), (0, 1)))),
                        (L.Cropping2D(((1, 0), (2, 0))), _crop_ref(x, ((1, 0), (2, 0)))),
                        (L.ZeroPadding2D(1), _pad_ref(x, ((1, 1), (1, 1)))),
                        (L.UpSampling2D(2), _up_ref(x, (2, 2)))]:
        inp = keras.Input((None, None, 2))
        out = layer(inp)
        assert tuple(out.shape) == (None, None, None, 2)
        assert_close(keras.Model(inp, out).predict(x, verbose=0), want, 1e-6)
        assert tuple(layer.compute_output_shape((None, None, None, 2))) == \
            (None, None, None, 2)


def test_compute_output_shape_with_none():
    assert tuple(L.ZeroPadding2D(((1, 2), (3, 4))).compute_output_shape(
        (None, 5, None, 3))) == (None, 8, None, 3)
    assert tuple(L.Cropping2D(((1, 2), (3, 4))).compute_output_shape(
        (None, None, 9, 3))) == (None, None, 2, 3)
    assert tuple(L.UpSampling2D((2, 3)).compute_output_shape(
        (None, 4, None, 1))) == (None, 8, None, 1)
    assert tuple(L.ZeroPadding1D(2).compute_output_shape((None, 3, 4))) == (None, 7, 4)
    assert tuple(L.Cropping1D(2).compute_output_shape((None, 5, 4))) == (None, 1, 4)
    assert tuple(L.UpSampling1D(3).compute_output_shape((None, None, 4))) == (None, None, 4)
    assert tuple(L.UpSampling1D(3).compute_output_shape((7, 2, 4))) == (7, 6, 4)


# -- gradients ---------------------------------------------------------------------------

def _grad(layer, x, w):
    """d sum(w * layer(x)) / dx, with `w` a fixed random array of the output's shape."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(layer(xt) * tf.constant(w))
    return tape.gradient(loss, xt).numpy()


@pytest.mark.parametrize("make, ref_out, ref_grad", [
    (lambda: L.ZeroPadding2D(((1, 2), (0, 3))),
     lambda x: _pad_ref(x, ((1, 2), (0, 3))), lambda g: _crop_ref(g, ((1, 2), (0, 3)))),
    (lambda: L.Cropping2D(((1, 0), (2, 1))),
     lambda x: _crop_ref(x, ((1, 0), (2, 1))), lambda g: _pad_ref(g, ((1, 0), (2, 1)))),
    (lambda: L.UpSampling2D((2, 3)),
     lambda x: _up_ref(x, (2, 3)), lambda g: _up_grad_ref(g, (2, 3))),
])
def test_gradients_2d(make, ref_out, ref_grad):
    x = R.normal(size=(2, 4, 5, 3))
    layer = make()
    layer = type(layer).from_config({**layer.get_config(), "dtype": "float64"})
    w = R.normal(size=ref_out(x).shape)
    g = _grad(layer, x, w)
    np.testing.assert_allclose(g, ref_grad(w), rtol=1e-12, atol=1e-12)
    # central finite differences in float64, along one random direction
    v = R.normal(size=x.shape)
    eps = 1e-6

    def f(z):
        return float(np.sum(layer(tf.constant(z)).numpy() * w))
    fd = (f(x + eps * v) - f(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(fd, np.sum(g * v), rtol=1e-6)


@pytest.mark.parametrize("layer, ref_out, ref_grad", [
    (L.ZeroPadding1D((2, 1), dtype="float64"), lambda x: _pad_ref(x, [(2, 1)]),
     lambda g: _crop_ref(g, [(2, 1)])),
    (L.Cropping1D((0, 2), dtype="float64"), lambda x: _crop_ref(x, [(0, 2)]),
     lambda g: _pad_ref(g, [(0, 2)])),
    (L.UpSampling1D(3, dtype="float64"), lambda x: _up_ref(x, (3,)),
     lambda g: _up_grad_ref(g, (3,))),
])
def test_gradients_1d(layer, ref_out, ref_grad):
    x = R.normal(size=(3, 5, 2))
    w = R.normal(size=ref_out(x).shape)
    np.testing.assert_allclose(_grad(layer, x, w), ref_grad(w), rtol=1e-12, atol=1e-12)


# -- errors ------------------------------------------------------------------------------

def test_wrong_rank_errors():
    for layer, x in [(L.ZeroPadding2D(name="zp2"), np.zeros((2, 3, 4), np.float32)),
                     (L.Cropping2D(1, name="cr2"), np.zeros((2, 5, 5), np.float32)),
                     (L.UpSampling2D(name="up2"), np.zeros((2, 3), np.float32)),
                     (L.ZeroPadding1D(name="zp1"), np.zeros((2, 3, 4, 1), np.float32)),
                     (L.Cropping1D(name="cr1"), np.zeros((2, 5), np.float32)),
                     (L.UpSampling1D(name="up1"), np.zeros((2, 3, 4, 5), np.float32))]:
        with pytest.raises(ShapeError, match=f'"{layer.name}".*expected ndim=.*'
                                             f"{tuple(x.shape)}"):
            layer(x)


def test_crop_too_large_errors():
    with pytest.raises(ShapeError, match=r'"crop".*Cropping2D.*\(2, 2\).*only 4.*'
                                         r"\(1, 4, 6, 1\)"):
        L.Cropping2D(((2, 2), (0, 0)), name="crop")(np.zeros((1, 4, 6, 1), np.float32))
    with pytest.raises(ShapeError, match=r"Cropping2D.*axis 2.*only 6"):
        L.Cropping2D(((0, 0), (5, 3)))(keras.Input((4, 6, 1)))
    with pytest.raises(ShapeError, match=r"Cropping1D.*\(3, 3\).*only 5.*\(2, 5, 3\)"):
        L.Cropping1D(3)(np.zeros((2, 5, 3), np.float32))
    with pytest.raises(ShapeError, match="Cropping1D"):
        L.Cropping1D((1, 1)).compute_output_shape((None, 2, 3))


@pytest.mark.parametrize("make, match", [
    (lambda: L.ZeroPadding2D(-1), "padding must be"),
    (lambda: L.ZeroPadding2D((1, 2, 3)), "padding must be"),
    (lambda: L.ZeroPadding2D(((1, 2), 3)), "padding must be"),
    (lambda: L.ZeroPadding1D((1, -2)), "padding must be"),
    (lambda: L.ZeroPadding1D(1.5), "padding must be"),
    (lambda: L.Cropping2D("1"), "cropping must be"),
    (lambda: L.Cropping1D((1, 2, 3)), "cropping must be"),
    (lambda: L.UpSampling2D(0), "size must be"),
    (lambda: L.UpSampling2D((2, 2, 2)), "size must be"),
    (lambda: L.UpSampling1D((2, 2)), "size must be"),
    (lambda: L.UpSampling2D(interpolation="cubic"), "interpolation must be"),
    (lambda: L.ZeroPadding2D(data_format="NHWC"), "data_format must be"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_not_implemented_options():
    with pytest.raises(NotImplementedError, match="channels_first"):
        L.ZeroPadding2D(data_format="channels_first")
    with pytest.raises(NotImplementedError, match="channels_first"):
        L.Cropping2D(data_format="channels_first")
    with pytest.raises(NotImplementedError, match="channels_first"):
        L.UpSampling2D(data_format="channels_first")
    with pytest.raises(NotImplementedError, match="bicubic"):
        L.UpSampling2D(interpolation="bicubic")
    with pytest.raises(ShapeError, match="known rows and cols"):
        L.UpSampling2D(interpolation="bilinear")(keras.Input((None, None, 3)))


@pytest.mark.parametrize("size", [(2, 2), (3, 2), (1, 3)])
def test_upsampling2d_bilinear_equals_keras3(size):
    from tests.keras3_oracle import keras3
    k3 = keras3()
    x = np.random.default_rng(sum(size)).random((2, 3, 4, 2)).astype(np.float32)
    got = L.UpSampling2D(size, interpolation="bilinear")(x)
    want = np.asarray(k3.layers.UpSampling2D(size, interpolation="bilinear")(x))
    assert got.dtype == tf.float32 and got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)
    model = keras.Sequential([keras.Input((3, 4, 2)), L.UpSampling2D(size,
                                                                     interpolation="bilinear")])
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-6, atol=1e-6)


# -- TimeDistributed ---------------------------------------------------------------------

def test_time_distributed_dense_harness():
    x = x32(3, 4, 5)
    kernel, bias = x32(5, 2), x32(2)
    run_layer_test(L.TimeDistributed, {"layer": L.Dense(2)}, x, x @ kernel + bias,
                   weights=[kernel, bias])


def test_time_distributed_weights_and_config():
    inner = L.Dense(3, activation="relu", name="inner_dense")
    td = L.TimeDistributed(inner, name="td")
    out = td(x32(2, 4, 6))
    assert tuple(out.shape) == (2, 4, 3)
    assert td.weights == inner.weights and len(td.trainable_weights) == 2
    cfg = td.get_config()
    assert cfg["layer"]["class_name"] == "Dense" and cfg["layer"]["config"]["units"] == 3
    clone = L.deserialize(L.serialize(td))
    assert type(clone) is L.TimeDistributed and type(clone.layer) is L.Dense
    assert clone.layer is not inner and clone.get_config() == cfg
    assert td.count_params() == 6 * 3 + 3


def test_time_distributed_build_and_shapes():
    td = L.TimeDistributed(L.Dense(4))
    td.build((None, 7, 3))
    assert td.built and td.layer.built and [tuple(w.shape) for w in td.weights] == \
        [(3, 4), (4,)]
    assert tuple(td.compute_output_shape((None, 7, 3))) == (None, 7, 4)
    assert tuple(td.compute_output_shape((None, None, 3))) == (None, None, 4)
    # inner layers over 2-D samples: (batch, time, h, w, c)
    conv = L.TimeDistributed(L.Conv2D(2, 3, padding="same"))
    assert tuple(conv.compute_output_shape((None, 5, 8, 8, 1))) == (None, 5, 8, 8, 2)
    flat = L.TimeDistributed(L.Flatten())
    x = x32(2, 3, 4, 5)
    assert_close(flat(x).numpy(), x.reshape(2, 3, 20), 0)


def test_time_distributed_unknown_batch_and_time():
    td = L.TimeDistributed(L.Dense(2))
    inp = keras.Input((None, 3))
    out = td(inp)
    assert tuple(out.shape) == (None, None, 2)
    model = keras.Model(inp, out)
    kernel, bias = td.layer.get_weights()
    for t in (2, 5):
        x = x32(4, t, 3)
        assert_close(model.predict(x, verbose=0), x @ kernel + bias, 1e-5)
    fn = tf.function(lambda z: td(z))
    x = x32(3, 6, 3)
    assert_close(fn(tf.constant(x)).numpy(), x @ kernel + bias, 1e-5)


def test_time_distributed_gradient():
    td = L.TimeDistributed(L.Dense(2, dtype="float64"), dtype="float64")
    x = R.normal(size=(3, 4, 5))
    w = R.normal(size=(3, 4, 2))
    td.build(x.shape)
    kernel, _ = td.get_weights()
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(td(xt) * tf.constant(w))
    gx, gk, gb = tape.gradient(loss, [xt] + td.trainable_weights)
    np.testing.assert_allclose(gx.numpy(), w @ kernel.T, rtol=1e-12)
    np.testing.assert_allclose(gk.numpy(), np.einsum("bti,bto->io", x, w), rtol=1e-12)
    np.testing.assert_allclose(gb.numpy(), w.sum(axis=(0, 1)), rtol=1e-12)


def test_time_distributed_fit_lowers_loss():
    keras.utils.set_random_seed(3)
    x = R.normal(size=(64, 5, 4)).astype(np.float32)
    true_w = R.normal(size=(4, 2)).astype(np.float32)
    y = x @ true_w + 0.5
    model = keras.Sequential([keras.Input((5, 4)), L.TimeDistributed(L.Dense(2))])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=10, batch_size=16, verbose=0)
    after = model.evaluate(x, y, verbose=0)
    assert after < 0.2 * before


def test_time_distributed_errors():
    with pytest.raises(TypeError, match="TimeDistributed.*Layer instance"):
        L.TimeDistributed(lambda z: z)
    td = L.TimeDistributed(L.Dense(2), name="td_rank")
    with pytest.raises(ShapeError, match=r'"td_rank".*min_ndim=3.*\(4, 3\)'):
        td(np.zeros((4, 3), np.float32))
    with pytest.raises(ShapeError, match=r'"td_build".*rank >= 3.*\(4, 3\)'):
        L.TimeDistributed(L.Dense(2), name="td_build").build((4, 3))


def test_time_distributed_dynamic_inner_dims_and_training():
    pool = L.TimeDistributed(L.GlobalAveragePooling1D())
    inp = keras.Input((None, None, 3))
    model = keras.Model(inp, pool(inp))
    for shape in [(2, 4, 5, 3), (3, 2, 7, 3)]:
        x = x32(*shape)
        assert_close(model.predict(x, verbose=0), x.mean(axis=2), 1e-6)
    drop = L.TimeDistributed(L.Dropout(0.5))
    ones = np.ones((4, 3, 8), np.float32)
    assert set(np.unique(drop(ones, training=True).numpy())) <= {0.0, 2.0}
    np.testing.assert_array_equal(drop(ones).numpy(), ones)


def test_time_distributed_in_sequential_config():
    model = keras.Sequential([keras.Input((4, 3)), L.TimeDistributed(L.Dense(2)),
                              L.ZeroPadding1D(1), L.Cropping1D((0, 1)), L.UpSampling1D(2)])
    x = x32(2, 4, 3)
    clone = keras.Sequential.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    assert_close(clone.predict(x, verbose=0), model.predict(x, verbose=0), 1e-6)
    assert tuple(clone.output_shape) == (None, 10, 2)

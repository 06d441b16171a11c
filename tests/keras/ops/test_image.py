"""`keras.ops.image` against real Keras 3 (NumPy backend): values, dtypes, and each op on
Tensors, Variables and KerasTensors (tests/keras3_oracle.py); gradients against central
finite differences; errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras3_oracle import check_op, keras3

keras3()

RNG = np.random.default_rng(1)
FORMATS = ["channels_last", "channels_first"]


def _img(*shape, dtype="float32"):
    return RNG.uniform(0, 1, shape).astype(dtype)


def _batch(fmt, h=6, w=5, c=3, batched=True):
    shape = (h, w, c) if fmt == "channels_last" else (c, h, w)
    return _img(*(((2,) + shape) if batched else shape))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("batched", [True, False])
def test_colour(fmt, batched):
    x = _batch(fmt, batched=batched)
    for name in ("rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb"):
        check_op(name, x, data_format=fmt, module="image", atol=1e-5)


def test_grayscale_int_and_single_channel():
    check_op("rgb_to_grayscale", (_img(4, 4, 3) * 255).astype("uint8"), module="image")
    check_op("rgb_to_grayscale", _img(2, 4, 4, 1), module="image")


@pytest.mark.parametrize("fmt", FORMATS)
def test_pad_crop(fmt):
    x = _batch(fmt)
    check_op("pad_images", x, 1, 2, 0, 1, data_format=fmt, module="image")
    check_op("pad_images", x, top_padding=1, left_padding=0, target_height=9,
             target_width=7, data_format=fmt, module="image")
    check_op("crop_images", x, 1, 2, 1, 1, data_format=fmt, module="image")
    check_op("crop_images", x, top_cropping=1, left_cropping=0, target_height=3,
             target_width=4, data_format=fmt, module="image")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("opts", [{"size": 2}, {"size": (3, 2), "strides": 1},
                                  {"size": 2, "strides": 1, "dilation_rate": 2},
                                  {"size": 3, "strides": 2, "padding": "same"}])
def test_extract_patches(fmt, opts):
    check_op("extract_patches", _batch(fmt), data_format=fmt, module="image", **opts)


@pytest.mark.parametrize("fmt", FORMATS)
def test_extract_patches_3d(fmt):
    x = _img(2, 4, 4, 4, 2) if fmt == "channels_last" else _img(2, 2, 4, 4, 4)
    check_op("extract_patches_3d", x, 2, data_format=fmt, module="image")
    check_op("extract_patches_3d", x, (2, 3, 2), strides=1, data_format=fmt,
             module="image")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kwargs", [{}, {"kernel_size": (5, 3), "sigma": (2.0, 0.5)}])
def test_gaussian_blur(fmt, kwargs):
    check_op("gaussian_blur", _batch(fmt), data_format=fmt, module="image", atol=1e-5,
             **kwargs)


@pytest.mark.parametrize("fmt", FORMATS)
def test_sobel_edges(fmt):
    check_op("sobel_edges", _batch(fmt), data_format=fmt, module="image", atol=1e-5)


@pytest.mark.parametrize("fmt", FORMATS)
def test_ssim(fmt):
    a = _batch(fmt, h=8, w=9)
    b = np.clip(a + _img(*a.shape) * 0.2, 0, 1).astype("float32")
    check_op("ssim", a, b, filter_size=5, data_format=fmt, module="image", atol=1e-5)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic", "lanczos3",
                                           "lanczos5"])
@pytest.mark.parametrize("size", [(9, 7), (3, 2)])
def test_resize(fmt, interpolation, size):
    check_op("resize", _batch(fmt), size, interpolation=interpolation, data_format=fmt,
             module="image", atol=1e-5)


@pytest.mark.parametrize("kwargs", [{"antialias": True}, {"crop_to_aspect_ratio": True},
                                    {"pad_to_aspect_ratio": True, "fill_value": 0.5}])
def test_resize_options(kwargs):
    check_op("resize", _batch("channels_last"), (4, 6), module="image", atol=1e-5,
             **kwargs)


def test_resize_uint8():
    x = (_img(5, 6, 3) * 255).astype("uint8")
    check_op("resize", x, (8, 9), module="image")


@pytest.mark.parametrize("method", ["linear", "cubic", "lanczos3"])
@pytest.mark.parametrize("antialias", [True, False])
def test_scale_and_translate(method, antialias):
    x = _img(2, 6, 5, 3)
    check_op("scale_and_translate", x, (2, 4, 8, 3), np.array([0.7, 1.6], "float32"),
             np.array([0.5, -1.0], "float32"), (1, 2), method, antialias=antialias,
             module="image", atol=1e-5)


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
def test_map_coordinates(order, mode):
    x = _img(5, 6)
    coords = RNG.uniform(-3, 8, (2, 4, 3)).astype("float32")
    coords = np.where(np.abs(coords - np.round(coords) - 0.5) < 1e-3, coords + 0.01,
                      coords).astype("float32")
    check_op("map_coordinates", x, coords, order, fill_mode=mode, fill_value=0.5,
             module="image", atol=1e-5)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
def test_affine_transform(fmt, interpolation, mode):
    x = _batch(fmt)
    t = np.array([[0.9, 0.2, 0.3, -0.1, 1.1, -0.7, 0, 0],
                  [1.2, 0.0, -1.1, 0.1, 0.8, 0.4, 0, 0]], "float32")
    check_op("affine_transform", x, t, interpolation=interpolation, fill_mode=mode,
             fill_value=0.25, data_format=fmt, module="image", atol=1e-5)


@pytest.mark.parametrize("fmt", FORMATS)
def test_perspective_transform(fmt):
    x = _batch(fmt, h=7, w=7)
    start = np.array([[0, 0], [6, 0], [0, 6], [6, 6]], "float32")
    end = np.array([[0.5, 0.2], [5.5, 0.8], [0.3, 6.2], [6.4, 5.1]], "float32")
    check_op("perspective_transform", x, start, end, data_format=fmt, module="image",
             atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("fmt", FORMATS)
def test_elastic_transform_identity_and_shape(fmt):
    from ember import keras
    x = _batch(fmt)
    check_op("elastic_transform", x, alpha=0.0, seed=3, data_format=fmt, module="image",
             atol=1e-6)
    y = keras.ops.image.elastic_transform(x, alpha=5.0, sigma=1.0, seed=3, data_format=fmt)
    assert y.shape == x.shape and y.dtype.name == "float32"
    assert not np.allclose(y.numpy(), x)


# -- gradients (ember's tape vs central finite differences, float64) -------------------

def _ops():
    from ember import keras
    return keras.ops.image


T = np.array([0.9, 0.2, 0.3, -0.1, 1.1, -0.7, 0, 0])
GRADS = {
    "colour": (lambda x: _ops().rgb_to_hsv(x) * _ops().rgb_to_grayscale(x)
               + _ops().hsv_to_rgb(x), (1, 3, 3, 3)),
    "resize": (lambda x: _ops().resize(x, (5, 2), interpolation="bicubic", antialias=True),
               (1, 3, 4, 2)),
    "warp": (lambda x: _ops().affine_transform(x, T, fill_mode="reflect")
             + _ops().map_coordinates(x, np.indices(x.shape) * 0.7 + 0.3, 1), (1, 4, 4, 2)),
    "filters": (lambda x: (_ops().gaussian_blur(x) * _ops().sobel_edges(x)[..., 0])[:, :3, :3]
                + _ops().extract_patches(x, 2, 1)[..., :2]
                + _ops().ssim(x, x * 0.5 + 0.2, filter_size=3)[:, None, None, None],
                (2, 4, 4, 2)),
}


@pytest.mark.parametrize("family", sorted(GRADS))
def test_gradients(family):
    import ember as tf
    fn, shape = GRADS[family]
    x = RNG.uniform(0.1, 0.9, shape)
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(fn(xv))
    got = tape.gradient(y, xv).numpy()
    want = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += 1e-6
        down[i] -= 1e-6
        want[i] = (float(np.sum(fn(tf.constant(up)).numpy()))
                   - float(np.sum(fn(tf.constant(down)).numpy()))) / 2e-6
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_map_coordinates_gradient_wrt_coordinates():
    import ember as tf
    x = tf.constant(np.arange(5.0) ** 2)
    c = tf.Variable(np.array([[1.25, 2.5, 3.75]]))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(_ops().map_coordinates(x, c, 1))
    np.testing.assert_allclose(tape.gradient(y, c).numpy(), [[3.0, 5.0, 7.0]])


# -- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("call,error,match", [
    (lambda im: im.resize(np.ones((2, 2), "float32"), (3, 3)), ValueError, "rank 3 or 4"),
    (lambda im: im.resize(np.ones((2, 2, 1), "float32"), (3, 3), interpolation="area"),
     ValueError, "interpolation"),
    (lambda im: im.resize(np.ones((2, 2, 1), "float32"), (3,)), ValueError, "two"),
    (lambda im: im.affine_transform(np.ones((2, 2, 1), "float32"), np.ones(6)),
     ValueError, "transform must have shape"),
    (lambda im: im.map_coordinates(np.ones((2, 2)), np.ones((3, 1)), 1), ValueError,
     "input rank"),
    (lambda im: im.map_coordinates(np.ones((2, 2)), np.ones((2, 1)), 3), ValueError,
     "order"),
    (lambda im: im.pad_images(np.ones((2, 2, 1)), 1, 1), ValueError, "exactly two"),
    (lambda im: im.crop_images(np.ones((2, 2, 1)), 1, 1, 2, 0), ValueError, "cropping"),
    (lambda im: im.rgb_to_hsv(np.ones((2, 2, 3), "int32")), ValueError, "float dtype"),
    (lambda im: im.rgb_to_grayscale(np.ones((2, 2, 2))), ValueError, "channels"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call(_ops())

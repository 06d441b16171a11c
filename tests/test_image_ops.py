"""`ember.image`: values vs NumPy formulas, a few numbers taken by hand from TF 2.21,
gradients vs float64 central differences, tracing with an unknown batch dim, errors."""

import numpy as np
import pytest

import ember as tf
from ember import image

RNG = np.random.default_rng(0)
IMG_F = RNG.random((5, 7, 3)).astype(np.float32)
BATCH_F = RNG.random((2, 5, 7, 3)).astype(np.float32)
IMG_U8 = RNG.integers(0, 256, (5, 7, 3)).astype(np.uint8)
BATCH_U8 = RNG.integers(0, 256, (2, 5, 7, 3)).astype(np.uint8)
INPUTS = {"f32": IMG_F, "f32_batch": BATCH_F, "u8": IMG_U8, "u8_batch": BATCH_U8}


def _hw_axes(x):
    return (x.ndim - 3, x.ndim - 2)


# ------------------------------------------------------------------------ geometry

@pytest.mark.parametrize("name", INPUTS)
def test_flips_transpose_and_rot90_match_numpy(name):
    x = INPUTS[name]
    h, w = _hw_axes(x)
    np.testing.assert_array_equal(image.flip_left_right(x).numpy(), np.flip(x, w))
    np.testing.assert_array_equal(image.flip_up_down(x).numpy(), np.flip(x, h))
    np.testing.assert_array_equal(image.transpose(x).numpy(), np.swapaxes(x, h, w))
    for k in (-1, 0, 1, 2, 3, 5):
        out = image.rot90(x, k)
        assert out.dtype == tf.as_dtype(x.dtype)
        np.testing.assert_array_equal(out.numpy(), np.rot90(x, k, axes=(h, w)))


def test_rot90_matches_tf_numbers():
    x = np.arange(6).reshape(2, 3, 1)
    assert image.rot90(x).numpy()[..., 0].tolist() == [[2, 5], [1, 4], [0, 3]]  # TF 2.21
    assert image.rot90(x[None], 3).numpy()[0, ..., 0].tolist() == [[3, 0], [4, 1], [5, 2]]


# ------------------------------------------------------------------- dtypes, colour

def test_convert_image_dtype_matches_formulas():
    u = np.array([0, 1, 128, 254, 255], np.uint8)
    f = image.convert_image_dtype(u, tf.float32)
    assert f.dtype == tf.float32
    np.testing.assert_allclose(f.numpy(), u / 255.0, rtol=1e-6)
    back = image.convert_image_dtype(f, tf.uint8)
    np.testing.assert_array_equal(back.numpy(), u)  # x * 255.5 truncates back exactly
    v = np.array([0.0, 0.5, 0.999, 1.0, 1.2, -0.1], np.float32)
    # TF 2.21: saturate=True -> [0, 127, 255, 255, 255, 0]
    sat = image.convert_image_dtype(v, "uint8", saturate=True)
    np.testing.assert_array_equal(sat.numpy(), [0, 127, 255, 255, 255, 0])
    # int -> int: TF 2.21 gives 255 -> 2139095040 (uint8 -> int32), and back by a shift
    up = image.convert_image_dtype(np.array([0, 1, 255], np.uint8), tf.int32)
    np.testing.assert_array_equal(up.numpy(), [0, 2 ** 23, 2139095040])
    down = image.convert_image_dtype(np.array([2 ** 31 - 1, 65536], np.int32), tf.uint8)
    np.testing.assert_array_equal(down.numpy(), [255, 0])
    d = image.convert_image_dtype(IMG_F, tf.float64)
    assert d.dtype == tf.float64
    np.testing.assert_array_equal(d.numpy(), IMG_F.astype(np.float64))


@pytest.mark.parametrize("name", INPUTS)
def test_grayscale_round_trip_matches_numpy(name):
    x = INPUTS[name]
    weights = np.array([0.2989, 0.5870, 0.1140], np.float32)
    flt = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x
    gray = (flt * weights).sum(-1, keepdims=True)
    if x.dtype == np.uint8:
        gray = np.trunc(gray * 255.5).astype(np.uint8)
    out = image.rgb_to_grayscale(x)
    assert out.dtype == tf.as_dtype(x.dtype) and out.shape == x.shape[:-1] + (1,)
    np.testing.assert_allclose(out.numpy().astype(np.float64), gray, rtol=1e-5, atol=1.01)
    if x.dtype != np.uint8:
        np.testing.assert_allclose(out.numpy(), gray, rtol=1e-5, atol=1e-6)
    rgb = image.grayscale_to_rgb(out).numpy()
    np.testing.assert_array_equal(rgb, np.concatenate([out.numpy()] * 3, axis=-1))


def test_uint8_colour_ops_match_tf_numbers():
    u = np.array([[[0, 128, 255], [10, 20, 30]]], np.uint8)  # TF 2.21 outputs below
    assert image.rgb_to_grayscale(u).numpy().ravel().tolist() == [104, 18]
    assert image.adjust_brightness(u, 0.1).numpy().tolist() == [[[25, 153, 255], [35, 45, 55]]]
    assert image.adjust_contrast(u, 2.0).numpy().tolist() == [[[0, 182, 255], [15, 0, 0]]]
    std = image.per_image_standardization(u)
    assert std.dtype == tf.float32
    np.testing.assert_allclose(std.numpy(), [[[-0.80798936, 0.59276867, 1.9825832],
                                              [-0.6985551, -0.5891209, -0.47968668]]],
                               rtol=1e-5)


@pytest.mark.parametrize("name", INPUTS)
def test_brightness_contrast_standardization_match_numpy(name):
    x = INPUTS[name]
    is_int = x.dtype == np.uint8
    flt = x.astype(np.float32) / 255.0 if is_int else x

    def back(y):
        return np.trunc(np.clip(y * 255.5, 0, 255)).astype(np.uint8) if is_int else y

    tol = dict(rtol=0, atol=1.01) if is_int else dict(rtol=1e-5, atol=1e-6)
    bright = image.adjust_brightness(x, 0.2)
    assert bright.dtype == tf.as_dtype(x.dtype)
    np.testing.assert_allclose(bright.numpy().astype(np.float64), back(flt + 0.2), **tol)
    mean = flt.mean(axis=_hw_axes(x), keepdims=True)
    contrast = image.adjust_contrast(x, 1.7)
    np.testing.assert_allclose(contrast.numpy().astype(np.float64),
                               back((flt - mean) * 1.7 + mean), **tol)
    raw = x.astype(np.float64)
    axes = (-3, -2, -1)
    sd = np.maximum(raw.std(axis=axes, keepdims=True), 1.0 / np.sqrt(5 * 7 * 3))
    want = (raw - raw.mean(axis=axes, keepdims=True)) / sd
    np.testing.assert_allclose(image.per_image_standardization(x).numpy(), want, rtol=1e-4,
                               atol=1e-5)


def test_float_contrast_and_standardization_match_tf_numbers():
    img = np.array([[[0.1, 0.5, 0.9], [0.3, 0.2, 0.7]],
                    [[0.4, 0.4, 0.4], [1.0, 0.0, 0.5]]], np.float32)
    tf_contrast = [[[0.27499998, 0.3875, 0.7625], [0.375, 0.23750001, 0.6625]],
                   [[0.425, 0.3375, 0.5125], [0.725, 0.1375, 0.5625]]]
    np.testing.assert_allclose(image.adjust_contrast(img, 0.5).numpy(), tf_contrast, rtol=1e-6)
    tf_std = [[[-1.2124357, 0.17320502, 1.5588456], [-0.5196153, -0.86602545, 0.8660253]],
              [[-0.17320512, -0.17320512, -0.17320512], [1.9052558, -1.5588458, 0.17320502]]]
    np.testing.assert_allclose(image.per_image_standardization(img).numpy(), tf_std,
                               rtol=1e-5, atol=1e-6)
    flat = image.per_image_standardization(np.full([2, 2, 1], 3.0))  # stddev 0: no nan
    np.testing.assert_array_equal(flat.numpy(), np.zeros([2, 2, 1], np.float32))


# ------------------------------------------------------------------- crops and pads

@pytest.mark.parametrize("name", INPUTS)
def test_crop_and_pad_to_bounding_box_match_numpy(name):
    x = INPUTS[name]
    crop = image.crop_to_bounding_box(x, 1, 2, 3, 4).numpy()
    np.testing.assert_array_equal(crop, x[..., 1:4, 2:6, :])
    pad = image.pad_to_bounding_box(x, 1, 2, 8, 10).numpy()
    want = np.zeros(x.shape[:-3] + (8, 10, 3), x.dtype)
    want[..., 1:6, 2:9, :] = x
    np.testing.assert_array_equal(pad, want)
    assert pad.dtype == x.dtype


def test_central_crop_sizes_match_tf():
    # TF 2.21: output height for images of height 5, 7, 10, 11 and these fractions.
    fractions = [0.1, 0.3, 0.5, 0.7, 0.9, 0.99]
    tf_sizes = {5: [1, 3, 3, 5, 5, 5], 7: [1, 3, 5, 5, 7, 7], 10: [2, 4, 6, 8, 10, 10],
                11: [3, 5, 7, 9, 11, 11]}
    for h, sizes in tf_sizes.items():
        x = np.arange(h * h).reshape(h, h, 1)
        for f, s in zip(fractions, sizes):
            out = image.central_crop(x, f).numpy()
            start = (h - s) // 2
            np.testing.assert_array_equal(out, x[start:start + s, start:start + s])
    np.testing.assert_array_equal(image.central_crop(BATCH_F, 1.0).numpy(), BATCH_F)
    assert image.central_crop(BATCH_F, 0.5).shape == [2, 3, 5, 3]  # 5x7 -> 3x5 as TF


def test_resize_with_crop_or_pad_matches_tf_and_numpy():
    x = np.arange(30).reshape(5, 6, 1)
    tf_out = [[0, 0, 1, 2, 3, 4, 5, 0, 0], [0, 6, 7, 8, 9, 10, 11, 0, 0],
              [0, 12, 13, 14, 15, 16, 17, 0, 0], [0, 18, 19, 20, 21, 22, 23, 0, 0]]
    assert image.resize_with_crop_or_pad(x, 4, 9).numpy()[..., 0].tolist() == tf_out
    out = image.resize_with_crop_or_pad(BATCH_U8, 8, 4).numpy()
    want = np.zeros((2, 8, 4, 3), np.uint8)
    want[:, 1:6] = BATCH_U8[:, :, 1:5]
    np.testing.assert_array_equal(out, want)


# ------------------------------------------------------------------------- resizing

def _np_bilinear_1d(n_in, n_out):
    """The (n_out, n_in) interpolation matrix of TF 2's half-pixel bilinear resize."""
    m = np.zeros((n_out, n_in))
    for o in range(n_out):
        s = (o + 0.5) * n_in / n_out - 0.5
        lo = int(np.floor(s))
        frac = s - lo
        m[o, min(max(lo, 0), n_in - 1)] += 1 - frac
        m[o, min(max(lo + 1, 0), n_in - 1)] += frac
    return m


@pytest.mark.parametrize("name", INPUTS)
@pytest.mark.parametrize("size", [(3, 4), (8, 11), (5, 7), (1, 1)])
def test_resize_matches_numpy(name, size):
    x = INPUTS[name]
    hm, wm = _np_bilinear_1d(5, size[0]), _np_bilinear_1d(7, size[1])
    want = np.einsum("ah,bw,...hwc->...abc", hm, wm, x.astype(np.float64))
    out = image.resize(x, size)
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-4)
    hi = np.minimum(np.floor((np.arange(size[0]) + 0.5) * 5 / size[0]), 4).astype(int)
    wi = np.minimum(np.floor((np.arange(size[1]) + 0.5) * 7 / size[1]), 6).astype(int)
    near = image.resize(x, size, method="nearest")
    assert near.dtype == tf.as_dtype(x.dtype)
    np.testing.assert_array_equal(near.numpy(), x[..., hi, :, :][..., wi, :])


def test_resize_matches_tf_numbers():
    a = np.array([[1.0, 4.0, 2.0], [0.0, 3.0, 8.0]], np.float32)[..., None]
    tf_up = [[1.0, 2.2, 4.0, 2.7999997, 2.0], [0.5, 1.7, 3.5, 4.4000006, 5.0],
             [0.0, 1.2, 3.0, 6.000001, 8.0]]
    np.testing.assert_allclose(image.resize(a, [3, 5]).numpy()[..., 0], tf_up, atol=1e-5)
    np.testing.assert_allclose(image.resize(a, [1, 2]).numpy()[..., 0], [[1.25, 4.625]])
    near = image.resize(a, [3, 5], method=image.ResizeMethod.NEAREST_NEIGHBOR)
    assert near.numpy()[..., 0].tolist() == [[1, 1, 4, 2, 2], [0, 0, 3, 8, 8], [0, 0, 3, 8, 8]]
    assert image.resize(a, [1, 2], "nearest").numpy()[..., 0].tolist() == [[0, 8]]
    u = np.array([[10, 200, 30], [0, 255, 90]], np.uint8)[None, ..., None]
    tf_u8 = [[10.0, 128.75, 136.25, 30.0], [5.0, 144.0625, 164.6875, 60.0],
             [0.0, 159.375, 193.125, 90.0]]
    np.testing.assert_allclose(image.resize(u, [3, 4]).numpy()[0, ..., 0], tf_u8, atol=1e-4)


def test_resize_options_not_built_raise():
    with pytest.raises(NotImplementedError, match="antialias"):
        image.resize(IMG_F, [2, 2], antialias=True)
    with pytest.raises(NotImplementedError, match="bicubic"):
        image.resize(IMG_F, [2, 2], method="bicubic")
    with pytest.raises(ValueError, match="size must be 2 positive ints"):
        image.resize(IMG_F, [0, 2])


# --------------------------------------------------------------------------- random

def test_random_flips_flip_whole_images_and_both_outcomes_occur():
    x = np.arange(40 * 2 * 3, dtype=np.float32).reshape(40, 2, 3, 1)
    for fn, axis in ((image.random_flip_left_right, 2), (image.random_flip_up_down, 1)):
        out = fn(x, seed=3).numpy()
        flipped = [np.array_equal(o, np.flip(xi, axis - 1)) for o, xi in zip(out, x)]
        kept = [np.array_equal(o, xi) for o, xi in zip(out, x)]
        assert all(f or k for f, k in zip(flipped, kept))
        assert 5 < sum(flipped) < 35
        single = fn(x[0]).numpy()
        assert np.array_equal(single, x[0]) or np.array_equal(single, np.flip(x[0], axis - 1))


def test_random_brightness_adds_one_bounded_delta():
    out = image.random_brightness(BATCH_F, 0.3, seed=7).numpy()
    delta = out - BATCH_F
    np.testing.assert_allclose(delta, np.full_like(delta, delta.flat[0]), atol=1e-6)
    assert abs(delta.flat[0]) <= 0.3
    with pytest.raises(ValueError, match="max_delta must be a number >= 0"):
        image.random_brightness(BATCH_F, -0.1)


# ------------------------------------------------------------------------ gradients

def _central_diff(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


# NOTE: no adjust_contrast: TF's AdjustContrastv2 has no gradient (LookupError), as ember
@pytest.mark.parametrize("op", ["resize_bilinear", "resize_nearest",
                                "per_image_standardization", "crop_or_pad", "rot90"])
def test_gradients_match_central_differences(op):
    fns = {
        "resize_bilinear": lambda t: image.resize(t, [5, 2]),
        "resize_nearest": lambda t: image.resize(t, [5, 2], method="nearest"),
        "per_image_standardization": image.per_image_standardization,
        "crop_or_pad": lambda t: image.resize_with_crop_or_pad(t, 5, 2),
        "rot90": lambda t: image.rot90(t, 1),
    }
    fn = fns[op]
    x = RNG.random((2, 3, 4, 2))
    w = RNG.random(tuple(fn(tf.constant(x)).shape))

    def loss(a):
        out = fn(tf.constant(a))
        return float(tf.reduce_sum(tf.cast(out, tf.float64) * w))

    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.reduce_sum(tf.cast(fn(t), tf.float64) * w)
    g = tape.gradient(y, t).numpy()
    if op in ("resize_bilinear", "per_image_standardization"):  # float32 inside
        num = _central_diff(loss, x, eps=1e-2)
        np.testing.assert_allclose(g, num, rtol=1e-3, atol=1e-3)
    else:
        np.testing.assert_allclose(g, _central_diff(loss, x), rtol=1e-6, atol=1e-8)


# ----------------------------------------------------------------- unknown batch dim

def test_ops_trace_with_an_unknown_batch_dim():
    ops = {
        "flip": image.flip_left_right,
        "rot90": lambda t: image.rot90(t, 3),
        "contrast": lambda t: image.adjust_contrast(t, 2.0),
        "standardize": image.per_image_standardization,
        "gray": image.rgb_to_grayscale,
        "central_crop": lambda t: image.central_crop(t, 0.5),
        "crop_or_pad": lambda t: image.resize_with_crop_or_pad(t, 3, 9),
        "resize": lambda t: image.resize(t, [4, 6]),
        "resize_nearest": lambda t: image.resize(t, [4, 6], "nearest"),
        "convert": lambda t: image.convert_image_dtype(t, tf.uint8, saturate=True),
    }
    spec = tf.TensorSpec([None, 5, 7, 3], tf.float32)
    for name, fn in ops.items():
        traced = tf.function(fn, input_signature=[spec])
        for n in (1, 2):
            x = BATCH_F[:n]
            np.testing.assert_allclose(traced(x).numpy(), fn(tf.constant(x)).numpy(),
                                       rtol=1e-6, err_msg=name)
    flips = tf.function(image.random_flip_up_down, input_signature=[spec])
    assert flips(BATCH_F).shape == [2, 5, 7, 3]


def test_gradient_through_resize_inside_a_function():
    @tf.function(input_signature=[tf.TensorSpec([None, 3, 4, 1], tf.float32)])
    def grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(image.resize(x, [6, 8]))
        return tape.gradient(y, x)

    g = grad(np.ones([2, 3, 4, 1], np.float32)).numpy()
    np.testing.assert_allclose(g, np.full([2, 3, 4, 1], 4.0), rtol=1e-6)  # area ratio


# --------------------------------------------------------------------------- errors

def test_errors_are_clear():
    with pytest.raises(ValueError, match=r"flip_left_right: expected an image of rank 3"):
        image.flip_left_right(np.zeros([4, 4]))
    with pytest.raises(ValueError, match=r"resize: expected an image of rank 3 .*shape="):
        image.resize(np.zeros([1, 1, 4, 4, 3]), [2, 2])
    with pytest.raises(ValueError, match="outside the 5x7 image"):
        image.crop_to_bounding_box(IMG_F, 3, 0, 3, 2)
    with pytest.raises(ValueError, match="offsets must be >= 0"):
        image.crop_to_bounding_box(IMG_F, -1, 0, 3, 2)
    with pytest.raises(ValueError, match="target sizes must be > 0"):
        image.crop_to_bounding_box(IMG_F, 0, 0, 0, 2)
    with pytest.raises(ValueError, match="does not fit in the 6x6 target"):
        image.pad_to_bounding_box(IMG_F, 1, 0, 6, 6)
    for bad in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError, match=r"central_fraction must be in \(0, 1\]"):
            image.central_crop(IMG_F, bad)
    with pytest.raises(ValueError, match="last dim must be 3"):
        image.rgb_to_grayscale(np.zeros([2, 2, 4]))
    with pytest.raises(ValueError, match="last dim must be 1"):
        image.grayscale_to_rgb(np.zeros([2, 2, 3]))
    with pytest.raises(TypeError, match="k must be an int"):
        image.rot90(IMG_F, 1.5)
    with pytest.raises(TypeError, match="must be a float or integer type"):
        image.convert_image_dtype(IMG_F, tf.bool)


def test_sizes_computed_inside_a_trace_are_refused_clearly():
    @tf.function(input_signature=[tf.TensorSpec([None, 5, 7, 3]), tf.TensorSpec([], tf.int32)])
    def rotate(x, k):
        return image.rot90(x, k)

    with pytest.raises(NotImplementedError, match="k must be known while tracing"):
        rotate(BATCH_F, tf.constant(1))

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3])])
    def shrink(x):
        return image.resize(x, [2, 2])

    with pytest.raises(ValueError, match="height and width must be known statically"):
        shrink(BATCH_F)
    assert image.resize(BATCH_F, tf.constant([2, 3])).shape == [2, 2, 3, 3]
    assert image.rot90(IMG_F, tf.constant(1)).shape == [7, 5, 3]

"""keras.layers image augmentation (issue 16): the random layers of Keras 3 (RandomCrop,
RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomShear,
RandomPerspective, the colour layers, RandomErasing, MixUp, CutMix, RandAugment, AugMix).

Random only when training; the identity otherwise; reproducible with a seed; in
functional models, `fit`, `tf.data.Dataset.map` and compiled (JAX) functions. Real Keras 3
(NumPy backend) is the oracle where the draw is degenerate (a factor range of one value),
at inference, and for the config keys."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras.layers._image_base import warp
from tests.keras3_oracle import keras3

L = keras.layers
R = np.random.default_rng(61)
X = (R.random((2, 7, 9, 3)) * 255).astype("float32")

# name -> (positional args, keyword args) of a layer with a non-degenerate draw
LAYERS = {
    "RandomCrop": ((5, 6), {}), "RandomFlip": ((), {}), "RandomRotation": ((0.2,), {}),
    "RandomZoom": ((0.3,), {}), "RandomTranslation": ((0.2, 0.2), {}),
    "RandomShear": ((0.3, 0.3), {}), "RandomPerspective": ((), {"scale": 0.5}),
    "RandomContrast": ((0.5,), {}), "RandomBrightness": ((0.3,), {}),
    "RandomGrayscale": ((), {}), "RandomHue": ((0.5,), {}), "RandomSaturation": ((0.5,), {}),
    "RandomInvert": ((), {}), "RandomPosterization": ((4,), {}),
    "RandomSharpness": ((0.5,), {}), "RandomColorDegeneration": ((0.5,), {}),
    "RandomColorJitter": ((), {"brightness_factor": 0.2, "contrast_factor": 0.2,
                               "saturation_factor": 0.2, "hue_factor": 0.2}),
    "RandomGaussianBlur": ((), {}), "RandomErasing": ((), {}), "MixUp": ((), {}),
    "CutMix": ((), {}), "RandAugment": ((), {}), "AugMix": ((), {"chain_depth": 2}),
}
SHAPE_CHANGING = {"RandomCrop"}
COLOUR = {"RandomContrast", "RandomBrightness", "RandomHue", "RandomSaturation",
          "RandomPosterization", "RandomSharpness", "RandomColorDegeneration",
          "RandomColorJitter", "RandomGaussianBlur", "RandomInvert", "RandAugment", "AugMix",
          "RandomErasing"}


def make(name, seed=None, **extra):
    args, kwargs = LAYERS[name]
    return getattr(L, name)(*args, **{**kwargs, "seed": seed, **extra})


def _same(ours, theirs, atol=1e-2):
    a, b = np.asarray(ours), np.asarray(theirs)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), atol=atol,
                               rtol=1e-4)


def _both(name, *args, x=X, atol=1e-2, training=True, **kwargs):
    K = keras3()
    ours = getattr(L, name)(*args, **kwargs)(x, training=training)
    theirs = getattr(K.layers, name)(*args, **kwargs)(x, training=training)
    _same(ours, theirs, atol)
    return np.asarray(ours)


# -- every random layer -------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(LAYERS))
def test_random_only_when_training_and_reproducible(name):
    layer = make(name, seed=5)
    np.testing.assert_array_equal(make(name)(X, training=False).numpy()
                                  if name not in SHAPE_CHANGING else X, X)  # inference
    if name not in SHAPE_CHANGING:
        # Keras 3: `training` defaults to True, so a direct call augments (as a tutorial
        # plots it), and predict (training=False) is the identity
        direct = [make(name, seed=s)(X).numpy() for s in range(4)]
        assert any(not np.array_equal(d, X) for d in direct)
        model = keras.Sequential([keras.Input(X.shape[1:]), make(name, seed=5)])
        np.testing.assert_array_equal(model.predict(X, verbose=0), X)
    a = make(name, seed=5)(X, training=True).numpy()
    b = make(name, seed=5)(X, training=True).numpy()
    np.testing.assert_array_equal(a, b)  # the same seed: the same draws
    draws = [layer(X, training=True).numpy() for _ in range(4)]
    assert any(not np.array_equal(draws[0], d) for d in draws[1:])  # new draws each call
    if name in COLOUR:
        assert a.min() >= 0.0 and a.max() <= 255.0
    assert a.dtype == np.float32


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_inference_is_keras3s_identity_and_config_keys_match(name):
    K = keras3()
    args, kwargs = LAYERS[name]
    theirs = getattr(K.layers, name)(*args, **kwargs)
    if name not in SHAPE_CHANGING:
        _same(make(name)(X, training=False), theirs(X, training=False), 0)
    ours = make(name, seed=3)
    extra = set(ours.get_config()) - set(theirs.get_config())
    assert set(theirs.get_config()) <= set(ours.get_config()) and extra <= {"seed"}
    clone = type(ours).from_config(ours.get_config())
    assert clone.get_config() == ours.get_config()
    np.testing.assert_array_equal(clone(X, training=True).numpy(),
                                  make(name, seed=3)(X, training=True).numpy())


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_models_unbatched_and_dataset_map(name):
    inp = keras.Input((7, 9, 3))
    out = make(name, seed=1)(inp)
    assert tuple(out.shape) == ((None, 5, 6, 3) if name in SHAPE_CHANGING else
                                (None, 7, 9, 3))
    model = keras.Model(inp, out)
    trained = model(X, training=True).numpy()
    assert trained.shape[1:] == tuple(out.shape[1:])
    assert model.predict(X, verbose=0).shape[1:] == tuple(out.shape[1:])
    single = make(name, seed=2)(X[0], training=True)
    assert single.shape == trained.shape[1:]
    layer = make(name, seed=4)
    ds = tf.data.Dataset.from_tensor_slices(X).batch(2).map(
        lambda x: layer(x, training=True))
    assert next(iter(ds)).shape == trained.shape


def test_channels_first_matches_channels_last():
    xf = X.transpose(0, 3, 1, 2)
    for name in ("RandomFlip", "RandomRotation", "RandomContrast", "RandomCrop",
                 "RandomErasing", "RandomHue"):
        last = make(name, seed=9)(X, training=True).numpy()
        first = make(name, seed=9, data_format="channels_first")(xf, training=True).numpy()
        np.testing.assert_allclose(first.transpose(0, 2, 3, 1), last, atol=1e-3)


# -- degenerate draws against Keras 3 ---------------------------------------------------------

def test_warp_matches_keras3_affine_transform():
    K = keras3()
    # (no sample point exactly half-way between pixels: nearest's ties break differently)
    t = np.array([[1.2, -0.3, -2, 0.2, 0.8, 1.1, 0, 0],
                  [0.9, 0.2, 1.45, -0.1, 1.1, -0.65, 0, 0]], "float32")
    for mode in ("reflect", "wrap", "constant", "nearest"):
        for interpolation in ("bilinear", "nearest"):
            ours = warp(None, tf.constant(X), t, interpolation, mode, 5.0)
            theirs = K.ops.image.affine_transform(X, t, interpolation, mode, 5.0)
            _same(ours, theirs, 1e-2)


@pytest.mark.parametrize("factor", [(0.25, 0.25), (0.5, 0.5), (-0.1, -0.1)])
@pytest.mark.parametrize("fill_mode", ["reflect", "constant", "wrap", "nearest"])
def test_rotation_matches_keras3(factor, fill_mode):
    _both("RandomRotation", factor, fill_mode=fill_mode)


def test_quarter_turn_is_rot90():
    sq = X[:, :7, :7]
    y = L.RandomRotation((0.25, 0.25))(sq, training=True).numpy()
    np.testing.assert_allclose(y, np.rot90(sq, 1, axes=(1, 2)), atol=1e-3)


def test_zoom_translation_shear_match_keras3():
    _both("RandomZoom", (0.3, 0.3))
    _both("RandomZoom", (-0.4, -0.4), (0.2, 0.2), fill_mode="constant", fill_value=7.0)
    _both("RandomZoom", (-0.5, -0.5), interpolation="nearest")
    _both("RandomTranslation", (0.2, 0.2), (-0.3, -0.3), fill_mode="wrap")
    _both("RandomTranslation", (0.2, 0.2), (-0.3, -0.3), data_format="channels_first",
          x=X.transpose(0, 3, 1, 2))
    y = L.RandomShear((0.0, 0.0), (0.0, 0.0))(X, training=True).numpy()
    np.testing.assert_allclose(y, X, atol=1e-4)


def test_perspective_matches_keras3_perspective_transform():
    K = keras3()
    from ember.keras.layers.image_augmentation import homography
    start = np.array([[[0, 0], [8, 0], [0, 6], [8, 6]]], "float32")
    end = start + np.array([[[1, 0.5], [-1, 0.3], [0.4, -1], [-0.6, -0.2]]], "float32")
    ours = warp(None, tf.constant(X[:1]), homography(tf.constant(start), tf.constant(end)),
                "bilinear", "constant", 0.0)
    _same(ours, K.ops.image.perspective_transform(X[:1], start, end), 0.05)
    np.testing.assert_allclose(L.RandomPerspective(0.0)(X, training=True).numpy(), X,
                               atol=1e-3)  # probability 0: unchanged


def test_flip_gives_the_input_or_its_flip():
    for mode, flips in (("horizontal", [X[:, :, ::-1]]), ("vertical", [X[:, ::-1]]),
                        ("horizontal_and_vertical", [X[:, :, ::-1], X[:, ::-1],
                                                     X[:, ::-1, ::-1]])):
        seen = set()
        layer = L.RandomFlip(mode, seed=0)
        for _ in range(16):
            y = layer(X, training=True).numpy()
            for i in range(2):
                options = [X[i]] + [f[i] for f in flips]
                k = [j for j, o in enumerate(options) if np.array_equal(y[i], o)]
                assert k, mode
                seen.add(k[0])
        assert len(seen) == len(flips) + 1, mode


def test_colour_layers_match_keras3():
    _both("RandomBrightness", (0.2, 0.2))
    y = _both("RandomBrightness", (-0.3, -0.3), value_range=(0, 1), x=X / 255)
    np.testing.assert_allclose(y, np.clip(X / 255 - 0.3, 0, 1), atol=1e-5)
    _both("RandomContrast", (-0.5, 0.5))
    _both("RandomContrast", 0.0)
    _both("RandomGrayscale", 1.0)
    _both("RandomGrayscale", 0.0)
    _both("RandomHue", (1.0, 1.0))
    _both("RandomHue", 0.0)
    for f in ((0.0, 0.0), (0.5, 0.5), (0.7, 0.7)):
        _both("RandomSaturation", f, value_range=(0, 1), x=X / 255, atol=1e-4)
    _both("RandomInvert", (1.0, 1.0))
    _both("RandomInvert", 0.0)
    _both("RandomPosterization", (3, 3))
    _both("RandomSharpness", (0.9, 0.9))
    _both("RandomSharpness", (0.9, 0.9), data_format="channels_first",
          x=X.transpose(0, 3, 1, 2))
    _both("RandomColorDegeneration", (-0.6, -0.6))
    _both("RandomGaussianBlur", (1.0, 1.0), (5, 3), (0.7, 0.7))
    _both("RandomColorJitter", brightness_factor=(0.1, 0.1), contrast_factor=(-0.3, 0.3))


# -- crops, mixes, erasing --------------------------------------------------------------------

def test_random_crop_windows_and_inference_resize():
    K = keras3()
    layer = L.RandomCrop(4, 5, seed=1)
    windows = {(i, j): X[:, i:i + 4, j:j + 5] for i in range(4) for j in range(5)}
    found = set()
    for _ in range(6):
        y = layer(X, training=True).numpy()
        hits = [k for k, w in windows.items() if np.array_equal(w, y)]
        assert hits
        found.add(hits[0])
    assert len(found) > 1
    # inference (and images smaller than the window): crop to the aspect ratio, resize
    _same(layer(X, training=False), K.layers.Resizing(4, 5, crop_to_aspect_ratio=True)(X),
          1e-3)
    _same(L.RandomCrop(9, 12)(X, training=True),
          K.layers.Resizing(9, 12, crop_to_aspect_ratio=True)(X), 1e-3)


def test_mixup_and_cutmix_mix_images_and_labels():
    x = np.stack([np.full((6, 6, 3), 10.0 * i) for i in range(4)]).astype("float32")
    labels = np.eye(4, dtype="float32")
    out = L.MixUp(alpha=0.5, seed=3)({"images": x, "labels": labels}, training=True)
    lab = out["labels"].numpy()
    np.testing.assert_allclose(lab.sum(axis=1), 1.0, atol=1e-5)
    # each image is the labels' mix of the constant images
    np.testing.assert_allclose(out["images"].numpy()[:, 0, 0, 0], lab @ (10.0 * np.arange(4)),
                               atol=1e-3)
    out = L.CutMix(seed=2)({"images": x, "labels": labels}, training=True)
    imgs, lab = out["images"].numpy(), out["labels"].numpy()
    np.testing.assert_allclose(lab.sum(axis=1), 1.0, atol=1e-5)
    for i in range(4):  # image i's share of its label is the share of its pixels kept
        kept = np.mean(imgs[i, ..., 0] == x[i, 0, 0, 0])
        np.testing.assert_allclose(lab[i, i], kept, atol=1e-5)
    ints = L.MixUp(seed=1)({"images": x, "labels": np.arange(4)}, training=True)["labels"]
    assert ints.dtype == tf.float32


def test_random_erasing_fills_a_box():
    layer = L.RandomErasing((1.0, 1.0), (0.25, 0.25), fill_value=0.0, seed=1)
    y = layer(np.ones((3, 4, 4, 1), "float32"), training=True).numpy()
    assert ((y == 0).sum(axis=(1, 2, 3)) == 4).all()
    y = L.RandomErasing((1.0, 1.0), fill_value=[1.0, 2.0, 3.0], seed=1)(
        np.zeros((2, 8, 8, 3)), training=True).numpy()
    assert set(np.unique(y[..., 2])) <= {0.0, 3.0} and (y[..., 2] == 3.0).any()


def test_rand_augment_and_aug_mix_eager_and_traced():
    for layer in (L.RandAugment(num_ops=3, seed=4), L.AugMix(chain_depth=2, seed=4)):
        eager = layer(X, training=True).numpy()
        assert eager.shape == X.shape and eager.min() >= 0 and eager.max() <= 255
        traced = tf.function(lambda x, la=layer: la(x, training=True))(tf.constant(X))
        assert traced.shape == X.shape
        assert layer.weights == [] and layer.get_config()["seed"] == 4


def test_segmentation_masks_follow_geometric_layers_only():
    masks = R.integers(0, 5, (2, 7, 9, 1)).astype("int32")
    out = L.RandomFlip("horizontal", seed=0)({"images": X, "segmentation_masks": masks},
                                             training=True)
    for i in range(2):
        flipped = np.array_equal(out["images"].numpy()[i], X[i, :, ::-1])
        np.testing.assert_array_equal(out["segmentation_masks"].numpy()[i],
                                      masks[i, :, ::-1] if flipped else masks[i])
    out = L.RandomRotation((0.25, 0.25))({"images": X[:, :7, :7],
                                          "segmentation_masks": masks[:, :7, :7]},
                                         training=True)
    np.testing.assert_array_equal(out["segmentation_masks"].numpy(),
                                  np.rot90(masks[:, :7, :7], 1, axes=(1, 2)))
    out = L.RandomBrightness(0.5, seed=0)({"images": X, "segmentation_masks": masks},
                                          training=True)
    np.testing.assert_array_equal(out["segmentation_masks"].numpy(), masks)


# -- graphs, fit, JAX, files --------------------------------------------------------------------

def test_fit_with_augmentation_and_training_flag_tensor():
    model = keras.Sequential([keras.Input((7, 9, 3)), L.Rescaling(1 / 255),
                              L.RandomFlip(seed=1), L.RandomRotation(0.1, seed=2),
                              L.RandomContrast(0.2, value_range=(0, 1), seed=3),
                              L.GlobalAveragePooling2D(), L.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(X, np.ones((2, 1)), batch_size=1, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    # the augmentation acts in fit's steps, not in evaluate / predict
    shift = keras.Sequential([keras.Input((2, 2, 1)),
                              L.RandomBrightness((0.5, 0.5), value_range=(0, 1)),
                              L.Dense(1, kernel_initializer="ones")])
    shift.compile(keras.optimizers.SGD(0.0), "mse")
    x = np.full((4, 2, 2, 1), 0.25, "float32")
    loss = shift.fit(x, x, batch_size=2, epochs=1, verbose=0).history["loss"][0]
    np.testing.assert_allclose([loss, shift.evaluate(x, x, verbose=0)], [0.25, 0.0],
                               atol=1e-6)
    layer = L.RandomBrightness(0.5, seed=1)
    fn = tf.function(lambda x, t: layer(x, training=t))
    np.testing.assert_array_equal(fn(tf.constant(X), tf.constant(False)).numpy(), X)
    assert not np.array_equal(fn(tf.constant(X), tf.constant(True)).numpy(), X)


def test_jit_compiled_on_jax():
    pytest.importorskip("jax")
    layers = [L.RandomFlip(seed=1), L.RandomRotation(0.2, seed=2), L.RandomHue(0.3, seed=3)]
    fn = tf.function(lambda x: [la(x, training=True) for la in layers], jit_compile=True)
    first = [y.numpy() for y in fn(tf.constant(X))]
    second = [y.numpy() for y in fn(tf.constant(X))]
    for a, b in zip(first, second):
        assert a.shape == X.shape and np.isfinite(a).all()
    assert any(not np.array_equal(a, b) for a, b in zip(first, second))  # the seeds advance


def test_dataset_map_on_single_images_draws_per_element():
    layer = L.RandomRotation(0.3, seed=7)
    ds = tf.data.Dataset.from_tensor_slices(np.stack([X[0]] * 4)).map(
        lambda x: layer(x, training=True))
    outs = [e.numpy() for e in ds]
    assert all(o.shape == X[0].shape for o in outs)
    assert len({o.tobytes() for o in outs}) == 4


@pytest.mark.parametrize("name", ["RandomFlip", "RandomRotation", "RandomZoom",
                                  "RandomContrast", "RandAugment", "RandomColorJitter"])
def test_keras_file_ember_and_keras3(tmp_path, name):
    K = keras3()
    model = keras.Sequential([keras.Input((7, 9, 3)), make(name, seed=1)])
    path = str(tmp_path / "m.keras")
    model.save(path)
    back = keras.models.load_model(path)
    assert back.layers[0].get_config() == model.layers[0].get_config()
    np.testing.assert_allclose(back.predict(X, verbose=0), X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = K.models.load_model(path)
    assert type(theirs.layers[0]).__name__ == name
    np.testing.assert_allclose(theirs.predict(X, verbose=0), X, atol=1e-4)


# -- errors -----------------------------------------------------------------------------------

def test_clear_errors():
    with pytest.raises(ValueError, match=r'"random_rotation.*\(RandomRotation\): factor must '
                                         r'be .* in \[-1.0, 1.0\], received factor=2.0. Pass'):
        L.RandomRotation(2.0)
    with pytest.raises(ValueError, match=r"fill_mode must be one of .* received "
                                         r"fill_mode='mirror'"):
        L.RandomZoom(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="interpolation must be one of"):
        L.RandomTranslation(0.1, 0.1, interpolation="bicubic")
    with pytest.raises(ValueError, match="mode must be one of"):
        L.RandomFlip("diagonal")
    with pytest.raises(ValueError, match=r"expected images of rank 3 .* received shape "
                                         r"\(2, 7, 9, 3, 1\)"):
        L.RandomFlip()(X[..., None], training=True)
    with pytest.raises(ValueError, match=r"expected images with 3 channels .* received "
                                         r"shape \(2, 7, 9, 2\)"):
        L.RandomHue(0.1)(X[..., :2], training=True)
    with pytest.raises(ValueError, match="height_factor must be .* in \\(-1.0, 1.0\\]"):
        L.RandomZoom(-1.0)
    with pytest.raises(ValueError, match="kernel_size must be an odd"):
        L.RandomGaussianBlur(kernel_size=4)
    with pytest.raises(ValueError, match="seed must be an int"):
        L.RandomFlip(seed="one")
    with pytest.raises(ValueError, match="alpha must be a positive number"):
        L.MixUp(alpha=0)
    with pytest.raises(NotImplementedError, match="bounding boxes are not supported"):
        L.RandomFlip()({"images": X, "bounding_boxes": {"boxes": np.zeros((2, 1, 4)),
                                                       "labels": np.zeros((2, 1))}})
    with pytest.raises(ValueError, match="needs images of known height"):
        tf.function(lambda x: L.RandomRotation(0.1)(x, training=True),
                    input_signature=[tf.TensorSpec([None, None, None, 3])])(X)

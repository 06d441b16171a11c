"""keras.layers.RandomElasticTransform and ContrastLimitedAdaptiveHistogramEqualization
(issue 16). Real Keras 3 (NumPy backend) is the oracle of CLAHE's values, of the elastic
warp given the same noise (Keras' `ops.image.elastic_transform` with its generator fed
ember's draw), and of the config keys."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember as tf
from ember import keras
from tests.keras3_oracle import keras3

L = keras.layers
R = np.random.default_rng(16)
X = (R.random((2, 12, 14, 3)) * 255).astype("float32")
CLAHE = "ContrastLimitedAdaptiveHistogramEqualization"


def _close(ours, theirs, atol=1e-3):
    a, b = np.asarray(ours), np.asarray(theirs)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), atol=atol,
                               rtol=1e-5)


# -- CLAHE ----------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,kwargs", [
    ((2, 16, 16, 3), {}),
    ((2, 10, 13, 3), {"tile_grid_size": (3, 4), "clip_limit": 2.0}),
    ((1, 5, 6, 1), {}),  # more tiles than pixels: symmetric padding repeats
    ((2, 9, 11, 2), {"tile_grid_size": (2, 3), "clip_limit": 0}),
    ((9, 11, 3), {"tile_grid_size": (2, 2)}),  # unbatched
])
def test_clahe_matches_keras3(shape, kwargs):
    K = keras3()
    x = (R.random(shape) * 255).astype("float32")
    x[..., :3, :4, :] = 40.0  # a flat patch, where the clip limit matters
    ours = getattr(L, CLAHE)(**kwargs)(x)
    _close(ours.numpy(), getattr(K.layers, CLAHE)(**kwargs)(x))


def test_clahe_value_range_dtypes_channels_first_and_inference():
    K = keras3()
    x01 = X / 255.0
    kw = {"value_range": (0, 1), "tile_grid_size": (3, 3)}
    _close(getattr(L, CLAHE)(**kw)(x01).numpy(), getattr(K.layers, CLAHE)(**kw)(x01),
           atol=1e-5)
    xi = X.astype("uint8")
    ours = getattr(L, CLAHE)()(xi).numpy()
    theirs = np.asarray(getattr(K.layers, CLAHE)()(xi))
    assert ours.dtype == np.uint8 and np.abs(ours.astype(int) - theirs).max() <= 1
    cf = getattr(L, CLAHE)(data_format="channels_first")(X.transpose(0, 3, 1, 2)).numpy()
    _close(cf.transpose(0, 2, 3, 1), getattr(L, CLAHE)()(X).numpy(), atol=1e-4)
    layer = getattr(L, CLAHE)()  # deterministic: the same when training or not
    np.testing.assert_array_equal(layer(X, training=False).numpy(), layer(X).numpy())


# -- RandomElasticTransform ------------------------------------------------------------------

class _FedRng:
    """Stands in for `np.random.default_rng(seed)` in Keras: hands out given noise."""

    def __init__(self, arrays):
        self.arrays = list(arrays)

    def normal(self, size, loc=0.0, scale=1.0):
        out = self.arrays.pop(0)
        assert out.shape == tuple(size)
        return out


@pytest.mark.parametrize("fill_mode,interpolation", [
    ("reflect", "bilinear"), ("constant", "bilinear"), ("nearest", "bilinear"),
    ("mirror", "bilinear"), ("reflect", "nearest")])
def test_elastic_warp_matches_keras3_given_the_noise(monkeypatch, fill_mode, interpolation):
    K = keras3()
    x = (R.random((2, 20, 24, 3)) * 255).astype("float32")
    noise = R.standard_normal((2, 20, 24, 2)).astype("float32")
    d = 0.9
    layer = L.RandomElasticTransform(fill_mode=fill_mode, interpolation=interpolation,
                                     fill_value=7.0)
    ours = layer.displaced(tf.constant(x), tf.constant(d), tf.constant(noise)).numpy()
    alpha = float(np.float32(24) * (np.float32(0.1) * np.float32(d)))
    sigma = float(np.float32(20) * (np.float32(0.05) * np.float32(d)))
    monkeypatch.setattr(np.random, "default_rng",
                        lambda seed=None: _FedRng([noise[..., 0], noise[..., 1]]))
    theirs = K.ops.image.elastic_transform(x, alpha=alpha, sigma=sigma,
                                           interpolation=interpolation,
                                           fill_mode=fill_mode, fill_value=7.0, seed=1)
    _close(ours, theirs, atol=1e-2)
    assert np.abs(ours - x).max() > 1.0  # it does move pixels


def test_elastic_random_only_when_training_and_reproducible():
    layer = L.RandomElasticTransform(seed=3)
    np.testing.assert_array_equal(layer(X, training=False).numpy(), X)
    out = layer(X).numpy()  # training defaults to True, as in Keras 3
    assert out.shape == X.shape and not np.allclose(out, X)
    assert out.min() >= 0.0 and out.max() <= 255.0
    again = L.RandomElasticTransform(seed=3)(X, training=True).numpy()
    np.testing.assert_array_equal(out, again)
    assert not np.array_equal(out, layer(X, training=True).numpy())  # the next draw
    for kw in ({"factor": 0.0}, {"scale": 0.0}, {"factor": (0.0, 0.0)}):
        np.testing.assert_array_equal(
            L.RandomElasticTransform(seed=1, **kw)(X, training=True).numpy(), X)
    # segmentation masks follow the images with nearest sampling: still class ids
    masks = (R.random((2, 12, 14, 1)) * 4).astype("int32")
    got = L.RandomElasticTransform(seed=5)({"images": X, "segmentation_masks": masks,
                                            "labels": np.eye(2, dtype="float32")})
    assert got["segmentation_masks"].dtype == tf.int32
    assert set(np.unique(got["segmentation_masks"].numpy())) <= set(range(4))
    np.testing.assert_array_equal(got["labels"].numpy(), np.eye(2))


def test_elastic_single_images_channels_first_and_dataset_map():
    one = L.RandomElasticTransform(seed=2)(X[0], training=True)
    assert one.shape == X[0].shape
    cf = L.RandomElasticTransform(seed=2, data_format="channels_first")
    assert cf(X.transpose(0, 3, 1, 2), training=True).shape == (2, 3, 12, 14)
    layer = L.RandomElasticTransform(seed=4)
    ds = tf.data.Dataset.from_tensor_slices(X).batch(2).map(
        lambda x: layer(x, training=True))
    assert next(iter(ds)).shape == X.shape


# -- both: models, configs, files, errors --------------------------------------------------

def _make(name, **kw):
    if name == CLAHE:
        return getattr(L, CLAHE)(tile_grid_size=(3, 4), **kw)
    return L.RandomElasticTransform(factor=(0.5, 1.0), scale=0.5, seed=1, **kw)


@pytest.mark.parametrize("name", ["RandomElasticTransform", CLAHE])
def test_functional_model_unknown_batch(name):
    inp = keras.Input((12, 14, 3))
    out = _make(name)(inp)
    assert tuple(out.shape) == (None, 12, 14, 3)
    model = keras.Model(inp, out)
    assert model(X, training=True).shape == X.shape
    pred = model.predict(X, verbose=0)
    if name == CLAHE:
        _close(pred, _make(name)(X).numpy(), atol=1e-4)
    else:
        np.testing.assert_array_equal(pred, X)
    fn = tf.function(lambda x: _make(name)(x, training=True),
                     input_signature=[tf.TensorSpec([None, 12, 14, 3], tf.float32)])
    assert fn(X).shape == X.shape


@pytest.mark.parametrize("name", ["RandomElasticTransform", CLAHE])
def test_config_round_trip_and_keras3_keys(name):
    K = keras3()
    ours = _make(name)
    cfg = ours.get_config()
    clone = type(ours).from_config(cfg)
    assert clone.get_config() == cfg
    _close(clone(X, training=True).numpy(), _make(name)(X, training=True).numpy(), 0)
    theirs = getattr(K.layers, name)()
    assert set(theirs.get_config()) == set(cfg)
    defaults = getattr(L, name)().get_config()
    for key, value in theirs.get_config().items():
        if key not in ("name", "dtype"):
            assert list(np.ravel(defaults[key])) == list(np.ravel(value)), key


@pytest.mark.parametrize("name", ["RandomElasticTransform", CLAHE])
def test_keras_file_ember_and_keras3(tmp_path, name):
    K = keras3()
    model = keras.Sequential([keras.Input((12, 14, 3)), _make(name)])
    path = str(tmp_path / "m.keras")
    model.save(path)
    back = keras.models.load_model(path)
    assert back.layers[0].get_config() == model.layers[0].get_config()
    mine = model.predict(X, verbose=0)
    np.testing.assert_allclose(back.predict(X, verbose=0), mine)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = K.models.load_model(path)
    assert type(theirs.layers[0]).__name__ == name
    np.testing.assert_allclose(theirs.predict(X, verbose=0), mine, atol=1e-3)


def test_clear_errors():
    E = L.RandomElasticTransform
    with pytest.raises(ValueError, match=r"\(RandomElasticTransform\): factor must be .* "
                                         r"in \[0.0, 1.0\], received factor=1.5"):
        E(factor=1.5)
    with pytest.raises(ValueError, match=r"\(RandomElasticTransform\): scale must be"):
        E(scale=-0.2)
    with pytest.raises(ValueError, match="fill_mode must be one of .* received "
                                         "fill_mode='edge'"):
        E(fill_mode="edge")
    with pytest.raises(ValueError, match="interpolation must be one of"):
        E(interpolation="bicubic")
    with pytest.raises(ValueError, match="value_range must be a pair"):
        E(value_range=(0, 0))
    with pytest.raises(ValueError, match="seed must be an int"):
        E(seed="one")
    with pytest.raises(ValueError, match=r"\(RandomElasticTransform\): expected images of "
                                         r"rank 3 .* received shape \(2, 12, 14, 3, 1\)"):
        E()(X[..., None], training=True)
    C = getattr(L, CLAHE)
    with pytest.raises(ValueError, match=r"\(ContrastLimitedAdaptiveHistogramEqualization\)"
                                         r": tile_grid_size must be a pair"):
        C(tile_grid_size=(0, 8))
    with pytest.raises(ValueError, match="clip_limit must be a number >= 0"):
        C(clip_limit=-1)
    with pytest.raises(ValueError, match=r"\(ContrastLimitedAdaptiveHistogramEqualization\)"
                                         r": expected images of rank 3"):
        C()(X[0, :, :, 0])
    with pytest.raises(ValueError, match="needs images of known height"):
        tf.function(lambda x: C()(x),
                    input_signature=[tf.TensorSpec([None, None, None, 3])])(X)

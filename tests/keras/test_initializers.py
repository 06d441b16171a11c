"""keras.initializers: shapes, dtypes, statistics, seeding, Orthogonal/Identity, config."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember as tf
from ember.errors import DTypeError, InvalidArgumentError, ShapeError
from ember.keras import initializers as I

TRUNC = 0.87962566103423978  # stddev of N(0, 1) truncated to [-2, 2]

pytestmark = pytest.mark.usefixtures("no_global_seed")  # tests/conftest.py


def stats(init, shape=(200, 500), dtype=None):
    w = init(shape, dtype=dtype)
    assert isinstance(w, tf.Tensor)
    assert tuple(w.shape) == tuple(shape)
    return w.numpy().astype(np.float64)


# -- fans -----------------------------------------------------------------------------

@pytest.mark.parametrize("shape, fans", [((), (1, 1)), ((7,), (7, 7)), ((3, 5), (3, 5)),
                                         ((3, 3, 4, 8), (36, 72)), ((2, 4, 6), (8, 12))])
def test_compute_fans(shape, fans):
    assert I._compute_fans(shape) == fans


# -- constant initializers -------------------------------------------------------------

def test_zeros_ones_constant():
    np.testing.assert_array_equal(I.Zeros()((2, 3)).numpy(), np.zeros((2, 3), np.float32))
    assert I.Ones()([2], dtype=tf.float64).numpy().dtype == np.float64
    assert I.Zeros()((2,), dtype="int32").dtype == tf.int32
    assert I.Ones()((2,), dtype="bool").numpy().tolist() == [True, True]
    np.testing.assert_array_equal(I.Constant(2.5)((2, 2)).numpy(), np.full((2, 2), 2.5))
    np.testing.assert_array_equal(I.Constant([1, 2, 3, 4])((2, 2)).numpy(),
                                  [[1.0, 2.0], [3.0, 4.0]])
    assert I.Constant(3)((), dtype="int64").dtype == tf.int64
    assert I.Zeros()(tf.TensorShape([4])).shape == (4,)
    with pytest.raises(ValueError, match="Constant: cannot make a float32 tensor of shape "
                                         r"\[2, 2\]"):
        I.Constant([1.0, 2.0, 3.0])((2, 2))


# -- random initializers: statistics -----------------------------------------------------

# 100,000 samples: the standard error of a mean is ~0.3% of the stddev, so the tolerances
# below are > 10 standard errors and the seeds are fixed: these checks cannot flake.

def test_random_normal_stats():
    w = stats(I.RandomNormal(mean=1.0, stddev=2.0, seed=1))
    assert abs(w.mean() - 1.0) < 0.05
    assert abs(w.std() - 2.0) < 0.04


def test_truncated_normal_stats_and_range():
    w = stats(I.TruncatedNormal(mean=-1.0, stddev=0.5, seed=2))
    assert w.min() >= -2.0 and w.max() <= 0.0  # within 2 stddev of the mean
    assert abs(w.mean() + 1.0) < 0.01
    assert abs(w.std() - 0.5 * TRUNC) < 0.01


def test_random_uniform_stats_and_range():
    w = stats(I.RandomUniform(-1.0, 3.0, seed=3))
    assert w.min() >= -1.0 and w.max() < 3.0
    assert abs(w.mean() - 1.0) < 0.03
    assert abs(w.var() - 16 / 12) < 0.03


def test_random_uniform_integer_dtype():
    w = I.RandomUniform(0, 5, seed=4)((10000,), dtype="int32").numpy()
    assert w.dtype == np.int32
    assert set(np.unique(w).tolist()) == {0, 1, 2, 3, 4}
    with pytest.raises(DTypeError, match="RandomUniform: for integer dtype int32, minval"):
        I.RandomUniform()((3,), dtype="int32")


def test_default_stddevs():
    assert abs(stats(I.RandomNormal(seed=5)).std() - 0.05) < 0.001
    assert stats(I.RandomUniform(seed=6)).max() <= 0.05
    assert stats(I.TruncatedNormal(seed=7)).max() <= 0.1


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_variance(mode, distribution):
    shape = (5, 5, 40, 100)  # fan_in 1000, fan_out 2500
    n = {"fan_in": 1000, "fan_out": 2500, "fan_avg": 1750}[mode]
    w = stats(I.VarianceScaling(3.0, mode, distribution, seed=8), shape)
    want_std = math.sqrt(3.0 / n)
    assert abs(w.std() / want_std - 1) < 0.02
    assert abs(w.mean()) < 0.02 * want_std
    if distribution == "uniform":
        assert np.abs(w).max() <= math.sqrt(3.0) * want_std
    elif distribution == "truncated_normal":
        assert np.abs(w).max() <= 2 * want_std / TRUNC


# name -> (scale, fan used, distribution)
PRESETS = {
    I.GlorotUniform: (1.0, "avg", "uniform"), I.GlorotNormal: (1.0, "avg", "normal"),
    I.HeNormal: (2.0, "in", "normal"), I.HeUniform: (2.0, "in", "uniform"),
    I.LecunNormal: (1.0, "in", "normal"), I.LecunUniform: (1.0, "in", "uniform"),
}


@pytest.mark.parametrize("cls", list(PRESETS), ids=lambda c: c.__name__)
def test_presets_follow_keras_formulas(cls):
    scale, fan, dist = PRESETS[cls]
    shape = (3, 3, 100, 300)  # fan_in 900, fan_out 2700
    n = {"in": 900, "avg": 1800}[fan]
    w = stats(cls(seed=9), shape)
    want_std = math.sqrt(scale / n)
    assert abs(w.std() / want_std - 1) < 0.02
    if dist == "uniform":  # e.g. Glorot: limit sqrt(6 / (fan_in + fan_out))
        limit = math.sqrt(3 * scale / n)
        assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    else:
        assert np.abs(w).max() <= 2 * want_std / TRUNC
    inst = cls()
    assert isinstance(inst, I.VarianceScaling)
    assert (inst.scale, inst.distribution) == (scale, "uniform" if dist == "uniform"
                                               else "truncated_normal")


def test_small_shapes():
    assert I.GlorotUniform(seed=1)(()).shape == ()
    w = I.HeNormal(seed=1)((1,)).numpy()  # fan 1: stddev sqrt(2)/0.88
    assert abs(w[0]) <= 2 * math.sqrt(2) / TRUNC
    assert I.GlorotNormal()((0, 3)).shape == (0, 3)


# -- dtypes --------------------------------------------------------------------------

RANDOM = [I.RandomNormal, I.RandomUniform, I.TruncatedNormal, I.VarianceScaling,
          I.GlorotUniform, I.GlorotNormal, I.HeNormal, I.HeUniform, I.LecunNormal,
          I.LecunUniform, I.Orthogonal]


@pytest.mark.parametrize("cls", RANDOM, ids=lambda c: c.__name__)
@pytest.mark.parametrize("dtype, want", [(None, np.float32), ("float64", np.float64),
                                         (tf.float16, np.float16), (np.float64, np.float64)])
def test_random_dtypes(cls, dtype, want):
    w = cls(seed=1)((4, 6), dtype=dtype)
    assert w.numpy().dtype == want
    assert tuple(w.shape) == (4, 6)


@pytest.mark.parametrize("cls", [c for c in RANDOM if c is not I.RandomUniform] + [I.Identity],
                         ids=lambda c: c.__name__)
def test_float_only_initializers_reject_integer_dtypes(cls):
    with pytest.raises(DTypeError, match=f"{cls.__name__}: dtype must be a floating type"):
        cls()((2, 2), dtype="int32")


# -- seeding ------------------------------------------------------------------------

@pytest.mark.parametrize("cls", RANDOM, ids=lambda c: c.__name__)
def test_seeded_initializer_repeats_and_ignores_the_global_rng(cls):
    a = cls(seed=42)((5, 4)).numpy()
    tf.random.set_seed(1)
    b = cls(seed=42)((5, 4)).numpy()
    init = cls(seed=42)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(init((5, 4)).numpy(), init((5, 4)).numpy())
    assert not np.array_equal(a, cls(seed=43)((5, 4)).numpy())


def test_seed_is_the_stateless_seed_pair():
    # tf.keras 2: a seeded initializer uses the stateless op with seed [seed, 0]
    want = tf.random.stateless_normal((3, 2), seed=[5, 0], mean=1.0, stddev=0.5)
    np.testing.assert_array_equal(I.RandomNormal(1.0, 0.5, seed=5)((3, 2)).numpy(),
                                  want.numpy())
    want = tf.random.stateless_uniform((4,), seed=[6, 0], minval=-2.0, maxval=2.0)
    np.testing.assert_array_equal(I.RandomUniform(-2.0, 2.0, seed=6)((4,)).numpy(),
                                  want.numpy())


@pytest.mark.parametrize("cls", RANDOM, ids=lambda c: c.__name__)
def test_unseeded_initializer_follows_set_seed(cls):
    init = cls()
    tf.random.set_seed(123)
    a1, a2 = init((5, 4)).numpy(), cls()((5, 4)).numpy()
    tf.random.set_seed(123)
    b1, b2 = init((5, 4)).numpy(), cls()((5, 4)).numpy()
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)  # each call draws new values
    tf.random.set_seed(None)
    assert not np.array_equal(init((5, 4)).numpy(), init((5, 4)).numpy())


# -- Orthogonal and Identity ----------------------------------------------------------

@pytest.mark.parametrize("shape", [(5, 5), (8, 3), (3, 8), (2, 3, 4), (3, 3, 2, 16)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal(shape, gain):
    w = I.Orthogonal(gain=gain, seed=11)(shape, dtype="float64").numpy()
    assert w.shape == shape
    m = w.reshape(-1, shape[-1])
    small = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(small, gain ** 2 * np.eye(min(m.shape)), atol=1e-10)
    w32 = I.Orthogonal(gain=gain, seed=11)(shape).numpy().reshape(m.shape)
    assert w32.dtype == np.float32
    small = w32.T @ w32 if m.shape[0] >= m.shape[1] else w32 @ w32.T
    np.testing.assert_allclose(small, gain ** 2 * np.eye(min(m.shape)), atol=1e-5)


def test_orthogonal_rejects_vectors():
    with pytest.raises(ShapeError, match=r"Orthogonal: the shape must have rank >= 2, "
                                         r"received \[4\]"):
        I.Orthogonal()((4,))


def test_identity():
    np.testing.assert_array_equal(I.Identity()((3, 3)).numpy(), np.eye(3))
    np.testing.assert_array_equal(I.Identity(gain=0.5)((2, 4), dtype="float64").numpy(),
                                  0.5 * np.eye(2, 4))
    with pytest.raises(ShapeError, match=r"Identity: only 2-D shapes .* received shape "
                                         r"\[2, 2, 2\]"):
        I.Identity()((2, 2, 2))


# -- errors ----------------------------------------------------------------------------

def test_argument_errors():
    with pytest.raises(ValueError, match="VarianceScaling: scale must be a positive"):
        I.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="VarianceScaling: mode must be one of"):
        I.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="VarianceScaling: distribution must be one of"):
        I.VarianceScaling(distribution="cauchy")
    assert I.VarianceScaling(distribution="normal").distribution == "truncated_normal"
    with pytest.raises(TypeError, match="GlorotUniform: seed must be an int or None"):
        I.GlorotUniform(seed=1.5)
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        I.Zeros()((2,), foo=1)
    with pytest.raises(NotImplementedError, match="partitioned"):
        I.Zeros()((2,), partition_shape=(1,))
    with pytest.raises(InvalidArgumentError, match="HeNormal: shape must be fully defined"):
        I.HeNormal()(tf.TensorShape([None, 3]))
    with pytest.raises(NotImplementedError, match="must implement __call__"):
        I.Initializer()((2,))


# -- get / serialize ----------------------------------------------------------------------

INSTANCES = [
    I.Zeros(), I.Ones(), I.Constant(1.5), I.Constant([1, 2]), I.RandomNormal(0.5, 2.0, seed=3),
    I.RandomUniform(-2.0, 1.0, seed=4), I.TruncatedNormal(1.0, 0.2, seed=None),
    I.VarianceScaling(2.0, "fan_out", "untruncated_normal", seed=5),
    I.GlorotUniform(seed=1), I.GlorotNormal(), I.HeNormal(seed=2), I.HeUniform(),
    I.LecunNormal(seed=7), I.LecunUniform(), I.Orthogonal(gain=2.0, seed=8),
    I.Identity(gain=3.0),
]


@pytest.mark.parametrize("init", INSTANCES, ids=repr)
def test_config_round_trip(init):
    config = init.get_config()
    clone = type(init).from_config(config)
    assert type(clone) is type(init) and clone.get_config() == config
    ser = I.serialize(init)
    assert ser == {"class_name": type(init).__name__, "config": config}
    again = I.deserialize(ser)
    assert type(again) is type(init) and again.get_config() == config
    assert I.get(ser).get_config() == config
    if "seed" in config and config["seed"] is not None:
        np.testing.assert_array_equal(again((3, 2)).numpy(), init((3, 2)).numpy())


def test_constant_config_from_array():
    assert I.Constant(np.array([1.0, 2.0])).get_config() == {"value": [1.0, 2.0]}
    assert I.Constant(tf.constant(2)).get_config() == {"value": 2}


NAMES = {"zeros": I.Zeros, "ones": I.Ones, "constant": I.Constant,
         "random_normal": I.RandomNormal, "random_uniform": I.RandomUniform,
         "truncated_normal": I.TruncatedNormal, "variance_scaling": I.VarianceScaling,
         "glorot_uniform": I.GlorotUniform, "glorot_normal": I.GlorotNormal,
         "he_normal": I.HeNormal, "he_uniform": I.HeUniform, "lecun_normal": I.LecunNormal,
         "lecun_uniform": I.LecunUniform, "orthogonal": I.Orthogonal, "identity": I.Identity}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_get_by_name_and_aliases(name):
    cls = NAMES[name]
    assert getattr(I, name) is cls
    assert type(I.get(name)) is cls
    assert type(I.get(cls.__name__)) is cls
    assert type(I.get(cls)) is cls


def test_short_aliases():
    assert I.uniform is I.RandomUniform and I.normal is I.RandomNormal
    assert type(I.get("uniform")) is I.RandomUniform  # Embedding's default in tf.keras 2
    assert type(I.get("normal")) is I.RandomNormal


def test_get_passthrough_and_errors():
    assert I.get(None) is None
    init = I.HeNormal(seed=1)
    assert I.get(init) is init

    def fn(shape, dtype=None):
        return tf.zeros(shape)

    assert I.get(fn) is fn
    for bad in ["GLOROT_UNIFORM", "glorot", 5, {"class_name": "Nope", "config": {}}, {}]:
        with pytest.raises(ValueError, match="Could not interpret initializer identifier"
                                             ".*glorot_uniform"):
            I.get(bad)

    class Custom(I.Initializer):
        def __init__(self, k=1.0):
            self.k = k

        def __call__(self, shape, dtype=None, **kwargs):
            return I.Constant(self.k)(shape, dtype)

        def get_config(self):
            return {"k": self.k}

    c = I.deserialize(I.serialize(Custom(4.0)), custom_objects={"Custom": Custom})
    assert c.k == 4.0
    assert I.RandomNormal.from_config({"mean": 0.0, "stddev": 1.0, "seed": None,
                                       "dtype": "float32"}).stddev == 1.0

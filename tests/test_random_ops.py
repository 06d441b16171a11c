"""ember.random: distributions (statistically), determinism per key, TF's four seed rules
(across runs, in subprocesses), Generator, stateless ops, and clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ember as tf
from ember.core.errors import DTypeError, InvalidArgumentError, ShapeError
from ember.core.registry import bind
from ember.core.tensor import wrap
from ember.ops import random_ops as ro
from ember.ops import random_samplers as rs

N = 100_000
ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.usefixtures("no_global_seed")  # tests/conftest.py


def _key(a=1, b=2):
    return wrap(np.array([a, b], np.int64))


def _same(a, b) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b))


# -- distributions ------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_normal_moments(dtype):
    x = tf.random.normal([N], mean=2.0, stddev=3.0, dtype=dtype, seed=1).numpy()
    assert x.dtype == dtype.as_numpy_dtype and x.shape == (N,)
    assert abs(x.mean() - 2.0) < 0.05 and abs(x.std() - 3.0) < 0.05
    # about 68.3% within one stddev
    assert abs(np.mean(np.abs(x - 2.0) < 3.0) - 0.6827) < 0.01


def test_normal_float16_and_tensor_params():
    x = tf.random.normal([N], dtype=tf.float16, seed=2).numpy()
    assert x.dtype == np.float16 and abs(x.astype(np.float64).std() - 1.0) < 0.02
    mean = tf.constant([0.0, 10.0, -10.0])
    y = tf.random.normal([N // 10, 3], mean=mean, stddev=0.1, seed=3).numpy()
    np.testing.assert_allclose(y.mean(axis=0), [0.0, 10.0, -10.0], atol=0.01)


@pytest.mark.parametrize("dtype", [tf.float16, tf.float32, tf.float64])
def test_truncated_normal_range_and_std(dtype):
    x = tf.random.truncated_normal([N], dtype=dtype, seed=4).numpy().astype(np.float64)
    assert np.abs(x).max() <= 2.0
    # std of N(0, 1) truncated to [-2, 2]
    assert abs(x.std() - 0.8796) < 0.01 and abs(x.mean()) < 0.01
    y = tf.random.truncated_normal([N], mean=5.0, stddev=2.0, dtype=dtype, seed=5).numpy()
    assert y.min() >= 1.0 and y.max() <= 9.0


@pytest.mark.parametrize("dtype", [tf.float16, tf.float32, tf.float64])
def test_uniform_float_bounds_and_moments(dtype):
    x = tf.random.uniform([N], dtype=dtype, seed=6).numpy()
    assert x.dtype == dtype.as_numpy_dtype
    assert x.min() >= 0 and x.max() < 1  # half-open, also for float16
    x = x.astype(np.float64)
    assert abs(x.mean() - 0.5) < 0.01 and abs(x.var() - 1 / 12) < 0.005
    y = tf.random.uniform([N], minval=-3.0, maxval=-1.0, dtype=dtype, seed=7).numpy()
    assert y.min() >= -3.0 and y.max() <= -1.0 and abs(y.astype(float).mean() + 2) < 0.02


def test_uniform_float_broadcast_bounds():
    lo = tf.constant([0.0, 10.0])
    x = tf.random.uniform([1000, 2], minval=lo, maxval=lo + 1.0).numpy()
    assert (x[:, 0] < 1).all() and (x[:, 1] >= 10).all() and (x[:, 1] < 11).all()


@pytest.mark.parametrize("dtype", [tf.int32, tf.int64])
def test_uniform_int_covers_range(dtype):
    x = tf.random.uniform([N], minval=-3, maxval=4, dtype=dtype, seed=8).numpy()
    assert x.dtype == dtype.as_numpy_dtype
    values, counts = np.unique(x, return_counts=True)
    assert values.tolist() == list(range(-3, 4))  # every value, never maxval
    assert np.abs(counts / N - 1 / 7).max() < 0.01


@pytest.mark.parametrize("dtype", [tf.int32, tf.int64])
def test_uniform_int_extreme_range(dtype):
    lo, hi = dtype.min, dtype.max
    x = tf.random.uniform([1000], minval=lo, maxval=hi, dtype=dtype).numpy()
    assert x.min() >= lo and x.max() < hi
    assert (x < 0).any() and (x > 0).any()


def test_unsigned_and_full_range_ints():
    x = tf.random.stateless_uniform([N], seed=[1, 2], minval=None, maxval=None,
                                    dtype=tf.int32).numpy()
    assert x.dtype == np.int32 and x.min() < -2**30 and x.max() > 2**30
    u = tf.random.stateless_uniform([1000], seed=[1, 2], minval=3, maxval=9,
                                    dtype=tf.uint64).numpy()
    assert u.dtype == np.uint64 and set(u.tolist()) == set(range(3, 9))


def test_shuffle_permutes_first_axis():
    value = np.arange(200).reshape(100, 2)
    out = tf.random.shuffle(value, seed=1).numpy()
    assert out.dtype == value.dtype and out.shape == value.shape
    assert not np.array_equal(out, value)
    np.testing.assert_array_equal(np.sort(out[:, 0]), value[:, 0])
    np.testing.assert_array_equal(out[:, 1], out[:, 0] + 1)  # rows stay whole
    assert tf.random.shuffle(tf.constant(3.5)).numpy() == np.float32(3.5)
    assert tf.random.shuffle(tf.zeros([0, 3])).shape == (0, 3)


def test_shuffle_positions_uniform():
    firsts = [int(tf.random.shuffle(tf.range(4), seed=9)[0]) for _ in range(4000)]
    counts = np.bincount(firsts, minlength=4) / 4000
    assert np.abs(counts - 0.25).max() < 0.04


def test_categorical_frequencies():
    probs = np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])
    with np.errstate(divide="ignore"):
        logits = tf.constant(np.log(probs))
    s = tf.random.categorical(logits, N // 2, seed=10)
    assert s.dtype == tf.int64 and s.shape == (2, N // 2)
    freq = np.stack([np.bincount(r, minlength=3) / (N // 2) for r in s.numpy()])
    np.testing.assert_allclose(freq, probs, atol=0.01)
    assert freq[1, 2] == 0  # a -inf logit is never drawn
    s32 = tf.random.categorical(tf.zeros([3, 5]), 0, dtype=tf.int32)
    assert s32.dtype == tf.int32 and s32.shape == (3, 0)
    shifted = tf.random.categorical(logits + 100.0, 10, seed=1)  # invariant to shifts
    assert shifted.shape == (2, 10)


# -- determinism per key (the stateless primitives) ------------------------------------

@pytest.mark.parametrize("prim,dtype", [
    (rs.random_uniform_p, np.float32), (rs.random_normal_p, np.float64),
    (rs.random_truncated_normal_p, np.float16), (rs.random_bits_p, np.uint32)])
def test_primitive_same_key_same_values(prim, dtype):
    params = {"shape": (3, 4), "dtype": np.dtype(dtype)}
    a = bind(prim, _key(), **params)
    assert _same(a, bind(prim, _key(), **params))
    assert _same(a, bind(prim, wrap(np.array([1, 2], np.int32)), **params))
    assert not _same(a, bind(prim, _key(1, 3), **params))


def test_shuffle_primitive_deterministic():
    v = wrap(np.arange(50))
    assert _same(bind(rs.random_shuffle_p, _key(), v), bind(rs.random_shuffle_p, _key(), v))


def test_stateless_ops_determined_by_seed():
    for op in (tf.random.stateless_normal, tf.random.stateless_uniform,
               tf.random.stateless_truncated_normal):
        a = op([5], seed=[4, 5])
        assert _same(a, op([5], seed=tf.constant([4, 5], tf.int64)))
        assert not _same(a, op([5], seed=[5, 4]))
    tf.random.set_seed(3)  # the global seed has no effect on stateless ops
    assert _same(tf.random.stateless_normal([5], seed=[4, 5]),
                 tf.random.stateless_normal([5], seed=[4, 5]))
    c = tf.random.stateless_categorical(tf.zeros([2, 6]), 20, seed=[1, 1])
    assert _same(c, tf.random.stateless_categorical(tf.zeros([2, 6]), 20, seed=[1, 1]))


def test_split_seeds():
    seeds = tf.random.split([1, 2], num=3)
    assert seeds.shape == (3, 2) and seeds.dtype == tf.int32
    assert _same(seeds, tf.random.split([1, 2], num=3))
    assert len({tuple(s) for s in seeds.numpy().tolist()}) == 3
    assert tf.random.split(tf.constant([1, 2], tf.int64)).dtype == tf.int64


# -- TF's seed rules -------------------------------------------------------------------

def test_rule1_no_seeds_nondeterministic():
    assert not _same(tf.random.uniform([4]), tf.random.uniform([4]))


def test_rule2_global_seed_sequence_restarts():
    tf.random.set_seed(1234)
    a1, a2 = tf.random.uniform([4]), tf.random.uniform([4])
    b1 = tf.random.normal([4])
    assert not _same(a1, a2)
    tf.random.set_seed(1234)
    assert _same(tf.random.uniform([4]), a1) and _same(tf.random.uniform([4]), a2)
    assert _same(tf.random.normal([4]), b1)
    tf.random.set_seed(4321)
    assert not _same(tf.random.uniform([4]), a1)


def test_rule3_op_seed_uses_default_global_seed():
    a1, a2 = tf.random.uniform([4], seed=1), tf.random.uniform([4], seed=1)
    assert not _same(a1, a2)  # a sequence, as TF eager
    tf.random.set_seed(None)  # restarts it
    assert _same(tf.random.uniform([4], seed=1), a1)
    tf.random.set_seed(ro.DEFAULT_GLOBAL_SEED)  # what rule 3 uses
    assert _same(tf.random.uniform([4], seed=1), a1)


def test_rule4_both_seeds_sequence_and_restart():
    tf.random.set_seed(5)
    x1 = tf.random.uniform([], maxval=100, dtype=tf.int32, seed=10)
    x2 = tf.random.uniform([], maxval=100, dtype=tf.int32, seed=10)
    y1 = tf.random.uniform([4], seed=10)
    n1 = tf.random.normal([4], seed=10)  # other ops keep their own sequences
    tf.random.set_seed(5)
    assert _same(tf.random.normal([4], seed=10), n1)
    assert _same(tf.random.uniform([], maxval=100, dtype=tf.int32, seed=10), x1)
    assert _same(tf.random.uniform([], maxval=100, dtype=tf.int32, seed=10), x2)
    assert _same(tf.random.uniform([4], seed=10), y1)
    tf.random.set_seed(5)
    z = [tf.random.uniform([4], seed=10) for _ in range(3)]
    assert not _same(z[0], z[1]) and not _same(z[1], z[2])
    tf.random.set_seed(6)
    assert not _same(tf.random.uniform([4], seed=10), z[0])
    assert not _same(tf.random.uniform([4], seed=11), z[0])


def test_failed_call_does_not_advance_state():
    tf.random.set_seed(7)
    a = tf.random.normal([3])
    tf.random.set_seed(7)
    with pytest.raises(DTypeError):
        tf.random.normal([3], dtype=tf.int32)
    assert _same(tf.random.normal([3]), a)


_SCRIPT = """
import ember as tf
def show(t): print(t.numpy().tolist())
show(tf.random.uniform([3]))
tf.random.set_seed(42); show(tf.random.uniform([3])); show(tf.random.normal([3]))
tf.random.set_seed(None); show(tf.random.uniform([3], seed=7))
tf.random.set_seed(1); show(tf.random.uniform([3], seed=7)); show(tf.random.uniform([3], seed=7))
show(tf.random.Generator.from_seed(3).normal([3]))
show(tf.random.Generator.from_non_deterministic_state().normal([3]))
"""


def test_rules_across_runs():
    runs = [subprocess.run([sys.executable, "-c", _SCRIPT], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.splitlines() for _ in range(2)]
    first, second = runs
    assert len(first) == 8
    assert first[0] != second[0]  # rule 1
    assert first[1:7] == second[1:7]  # rules 2-4 and Generator.from_seed reproduce
    assert first[7] != second[7]  # from_non_deterministic_state


# -- Generator -------------------------------------------------------------------------

def test_generator_reproducible_and_independent_of_global_seed():
    g = tf.random.Generator.from_seed(1234)
    a = [g.normal([3]), g.uniform([3]), g.truncated_normal([3])]
    assert not _same(a[0], g.normal([3]))
    tf.random.set_seed(99)
    h = tf.random.Generator.from_seed(1234)
    assert all(_same(x, y) for x, y in zip(a, [h.normal([3]), h.uniform([3]),
                                               h.truncated_normal([3])]))
    assert not _same(a[0], tf.random.Generator.from_seed(1235).normal([3]))
    n = tf.random.Generator.from_non_deterministic_state
    assert not _same(n().normal([3]), n().normal([3]))


def test_generator_state_and_resets():
    g = tf.random.Generator.from_seed(1)
    assert g.state.shape == (3,) and g.state.dtype == tf.int64 and g.algorithm == 1
    s0 = g.state.numpy()
    a = g.normal([2])
    assert not _same(g.state, s0)
    c = tf.random.Generator(copy_from=g)
    assert _same(c.normal([2]), g.normal([2]))
    g.reset_from_seed(1)
    assert _same(g.normal([2]), a)
    g.reset(s0)
    g.skip(1)
    b = g.normal([2])
    g.reset(s0)
    g.normal([2])
    assert _same(g.normal([2]), b)
    assert _same(tf.random.Generator.from_state(s0, alg="philox").normal([2]), a)
    k = tf.random.Generator.from_key_counter(key=5, counter=[0, 0], alg="philox")
    assert k.state.numpy().tolist() == [0, 0, 5]


def test_generator_ints_seeds_and_split():
    g = tf.random.Generator.from_seed([1, 2])
    x = g.uniform([N], minval=0, maxval=5, dtype=tf.int64).numpy()
    assert set(x.tolist()) == set(range(5))
    assert g.uniform_full_int([4]).dtype == tf.uint64
    assert g.uniform([4], minval=None, maxval=None, dtype=tf.int32).dtype == tf.int32
    seeds = g.make_seeds(4)
    assert seeds.shape == (2, 4) and seeds.dtype == tf.int64
    assert len({tuple(c) for c in seeds.numpy().T.tolist()}) == 4
    stateless = tf.random.stateless_normal([3], seed=seeds[:, 0])
    assert stateless.shape == (3,)
    kids = tf.random.Generator.from_seed(7).split(3)
    vals = [k.normal([4]) for k in kids]
    assert not _same(vals[0], vals[1]) and not _same(vals[1], vals[2])
    again = tf.random.Generator.from_seed(7).split(3)
    assert _same(again[2].normal([4]), vals[2])


def test_global_generator():
    g = tf.random.get_global_generator()
    assert g is tf.random.get_global_generator()
    mine = tf.random.Generator.from_seed(2)
    tf.random.set_global_generator(mine)
    try:
        assert tf.random.get_global_generator() is mine
    finally:
        tf.random.set_global_generator(g)
    with pytest.raises(TypeError, match="expected an ember.random.Generator"):
        tf.random.set_global_generator(3)


# -- bad inputs ------------------------------------------------------------------------

@pytest.mark.parametrize("shape,match", [
    ([2, -1], "must be >= 0"), ([None, 3], "fully defined"), (3, r"list of ints.*\[3\]"),
    ([2.5], "fully defined"), (tf.zeros([2, 2], tf.int32), "1-D integer tensor"),
    (tf.constant([1.0, 2.0]), "1-D integer tensor"), ([True], "fully defined"),
    (tf.TensorShape(None), "fully defined"), (tf.TensorShape([None, 2]), "fully defined")])
def test_bad_shape(shape, match):
    with pytest.raises(InvalidArgumentError, match=match):
        tf.random.normal(shape)


def test_shape_forms():
    for shape in ([2, 3], (2, 3), tf.TensorShape([2, 3]), tf.constant([2, 3]),
                  np.array([2, 3], np.int64), [np.int64(2), tf.constant(3)]):
        assert tf.random.uniform(shape).shape == (2, 3)
    assert tf.random.normal([]).shape == ()


def test_bad_dtypes():
    with pytest.raises(DTypeError, match="normal: dtype must be a floating type"):
        tf.random.normal([2], dtype=tf.int32)
    with pytest.raises(DTypeError, match="truncated_normal: dtype must be a floating"):
        tf.random.truncated_normal([2], dtype=tf.int64)
    with pytest.raises(DTypeError, match="uniform: dtype must be a float type"):
        tf.random.uniform([2], dtype=tf.bool)
    with pytest.raises(DTypeError, match="uniform: minval must be .* dtype int32"):
        tf.random.uniform([2], minval=0.5, maxval=3, dtype=tf.int32)
    with pytest.raises(DTypeError, match="normal: mean must be .* dtype float32"):
        tf.random.normal([2], mean=tf.constant(1.0, tf.float64))


def test_bad_ranges_and_params():
    with pytest.raises(ValueError, match=r"maxval must be given.*\[minval, maxval\)"):
        tf.random.uniform([2], dtype=tf.int32)
    with pytest.raises(InvalidArgumentError, match="need minval < maxval.*minval=5, maxval=5"):
        tf.random.uniform([2], minval=5, maxval=5, dtype=tf.int64)
    with pytest.raises(ShapeError, match="minval must be a scalar for integer dtypes"):
        tf.random.uniform([2], minval=[0, 1], maxval=5, dtype=tf.int32)
    with pytest.raises(ShapeError, match=r"mean float32\[3\] does not broadcast .* \[2\]"):
        tf.random.normal([2], mean=tf.zeros([3]))
    with pytest.raises(ShapeError, match=r"stddev float32\[2, 2\] does not broadcast"):
        tf.random.normal([2], stddev=tf.ones([2, 2]))


def test_bad_seeds():
    with pytest.raises(InvalidArgumentError, match="uniform: seed must be an integer"):
        tf.random.uniform([2], seed=1.5)
    with pytest.raises(InvalidArgumentError, match="set_seed: seed must be an integer"):
        tf.random.set_seed("a")
    with pytest.raises(InvalidArgumentError, match=r"seed must be a shape \[2\].*int32\[3\]"):
        tf.random.stateless_normal([2], seed=[1, 2, 3])
    with pytest.raises(InvalidArgumentError, match=r"seed must be a shape \[2\].*float32"):
        tf.random.stateless_uniform([2], seed=[1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match="unsupported algorithm 'threefry'"):
        tf.random.Generator.from_seed(1, alg="threefry")
    with pytest.raises(ValueError, match="use Generator.from_seed"):
        tf.random.Generator()


def test_bad_categorical():
    with pytest.raises(ShapeError, match=r"\[batch_size, num_classes\].*float32\[3\]"):
        tf.random.categorical(tf.zeros([3]), 2)
    with pytest.raises(ShapeError, match="num_classes >= 1"):
        tf.random.categorical(tf.zeros([2, 0]), 2)
    with pytest.raises(DTypeError, match="logits must be a float tensor"):
        tf.random.categorical(tf.zeros([2, 2], tf.int32), 2)
    with pytest.raises(DTypeError, match="dtype must be int32 or int64"):
        tf.random.categorical(tf.zeros([2, 2]), 2, dtype=tf.float32)
    with pytest.raises(InvalidArgumentError, match="num_samples must be >= 0"):
        tf.random.categorical(tf.zeros([2, 2]), -1)


def test_bad_keys_reach_the_rule():
    with pytest.raises(ShapeError, match=r"random_normal: the key must have shape \[2\]"):
        bind(rs.random_normal_p, wrap(np.array([1, 2, 3])), shape=(2,),
             dtype=np.dtype(np.float32))
    with pytest.raises(DTypeError, match="random_normal: unsupported dtype float64"):
        bind(rs.random_normal_p, wrap(np.array([1.0, 2.0])), shape=(2,),
             dtype=np.dtype(np.float32))
    with pytest.raises(DTypeError, match="must be uint32 or uint64"):
        rs.random_bits_p.abstract_eval(tf.TensorSpec([2], tf.int64), shape=(2,),
                                       dtype=np.dtype(np.int32))

"""ember.data transformations (map, filter, batch, padded_batch, unbatch, take, skip,
enumerate, flat_map, interleave, ...) against plain Python / NumPy expectations."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.errors import InvalidArgumentError

D = tf.data.Dataset


def spec(shape, dtype):
    return tf.TensorSpec(shape, dtype)


def values(ds):
    return [np.asarray(e).tolist() for e in ds]


def card(ds):
    return int(ds.cardinality())


# -- map ---------------------------------------------------------------------------------------

def test_map_unpacks_tuples_and_keeps_structures():
    x, y = np.arange(6.0).reshape(3, 2), np.array([1, 2, 3])
    ds = D.from_tensor_slices((x, y)).map(lambda a, b: (tf.reduce_sum(a) * 2.0, b + 1))
    assert ds.element_spec == (spec([], tf.float64), spec([], tf.int64))
    assert [(float(a), int(b)) for a, b in ds] == [(2.0 * x[i].sum(), y[i] + 1) for i in range(3)]
    assert card(ds) == 3
    d = D.from_tensor_slices({"a": [1, 2]}).map(lambda e: {"a": e["a"], "sq": e["a"] ** 2})
    assert [{k: int(v) for k, v in e.items()} for e in d] == [{"a": 1, "sq": 1}, {"a": 2, "sq": 4}]
    lst = D.range(2).map(lambda v: [v, v * 2])  # a returned list is a tuple, as TF
    assert lst.element_spec == (spec([], tf.int64), spec([], tf.int64))
    assert [tuple(map(int, e)) for e in lst] == [(0, 0), (1, 2)]


def test_map_python_values_become_tensors():
    ds = D.range(2).map(lambda v: (v, 2.0, [1, 2], np.float64(1.0), True))
    assert ds.element_spec == (spec([], tf.int64), spec([], tf.float32), spec([2], tf.int32),
                               spec([], tf.float64), spec([], tf.bool))
    e = next(iter(ds))
    assert all(isinstance(t, tf.Tensor) for t in e) and e[1].dtype == tf.float32


def test_map_spec_from_trace_has_unknown_dims():
    ds = D.range(4).map(lambda n: tf.fill([n], n))
    assert ds.element_spec == spec([None], tf.int64)
    assert values(ds) == [[], [1], [2, 2], [3, 3, 3]]


def test_map_runs_eagerly_per_element_even_if_untraceable():
    def f(v):
        if v > 2:  # Python control flow on a value: can't be traced, runs eagerly
            return v * 10
        return v

    ds = D.range(5).map(f)
    assert ds.element_spec == spec([], tf.int64) and values(ds) == [0, 1, 2, 30, 40]
    calls = []
    counted = D.range(3).map(lambda v: calls.append(int(v.numpy())) or v)
    calls.clear()
    assert values(counted) == [0, 1, 2] and calls == [0, 1, 2]
    assert values(counted) == [0, 1, 2] and calls == [0, 1, 2, 0, 1, 2]


def test_map_errors():
    with pytest.raises(ValueError, match="returned None"):
        D.range(3).map(lambda v: None)
    with pytest.raises(TypeError, match="separate arguments"):
        D.from_tensor_slices(([1], [2])).map(lambda t: t)
    with pytest.raises(TypeError, match="callable"):
        D.range(3).map(3)
    with pytest.raises(TypeError, match="flat_map"):
        D.range(2).map(lambda v: D.range(2))


# -- filter / take_while / unique -----------------------------------------------------------

def test_filter():
    ds = D.range(10).filter(lambda v: v % 3 == 0)
    assert values(ds) == [0, 3, 6, 9] and card(ds) == tf.data.UNKNOWN_CARDINALITY
    pairs = D.from_tensor_slices(([1, 2, 3, 4], [1.0, 0.0, 1.0, 0.0]))
    assert [int(a) for a, _ in pairs.filter(lambda a, b: b > 0.5)] == [1, 3]
    assert values(D.range(3).filter(lambda v: True)) == [0, 1, 2]
    # on indices (random access) and on elements (after a map): the same batches
    fast = D.range(20).filter(lambda v: v % 3 != 0).batch(4)
    slow = D.range(20).map(lambda v: v).filter(lambda v: v % 3 != 0).batch(4)
    expected = [v for v in range(20) if v % 3]
    assert values(fast) == values(slow) == [expected[i:i + 4] for i in range(0, 14, 4)]
    with pytest.raises(ValueError, match="scalar bool"):
        D.range(3).filter(lambda v: v + 1)
    with pytest.raises(ValueError, match="scalar bool"):
        D.range(3).filter(lambda v: tf.stack([v > 0, v > 1]))


def test_take_while_and_unique():
    assert values(D.range(6).take_while(lambda v: v < 3)) == [0, 1, 2]
    assert card(D.range(6).take_while(lambda v: v < 3)) == -2
    u = D.from_tensor_slices([1, 3, 1, 2, 3]).unique()
    assert values(u) == [1, 3, 2] and u.element_spec == spec([], tf.int32)
    with pytest.raises(TypeError, match="int32 or int64"):
        D.from_tensor_slices([1.0, 2.0]).unique()


# -- batch / unbatch / padded_batch ---------------------------------------------------------

@pytest.mark.parametrize("n, bs, drop", [(10, 3, False), (10, 3, True), (9, 3, False),
                                         (2, 5, False), (2, 5, True), (0, 2, False)])
def test_batch_matches_numpy_split(n, bs, drop):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n)
    expected = [(x[i:i + bs], y[i:i + bs]) for i in range(0, n, bs)
                if not drop or i + bs <= n]
    for ds in (D.from_tensor_slices((x, y)).batch(bs, drop_remainder=drop),
               D.from_tensor_slices((x, y)).map(lambda a, b: (a, b)).batch(bs, drop)):
        out = list(ds)
        assert len(out) == len(expected) == card(ds)
        for (a, b), (ea, eb) in zip(out, expected):
            assert a.dtype == tf.float32 and b.dtype == tf.int64
            np.testing.assert_array_equal(a.numpy(), ea)
            np.testing.assert_array_equal(b.numpy(), eb)
        assert ds.element_spec == (spec([bs if drop else None, 2], tf.float32),
                                   spec([bs if drop else None], tf.int64))


def test_batch_cardinality_and_nesting():
    assert card(D.range(10).repeat().batch(3)) == -1
    assert card(D.range(10).filter(lambda v: True).batch(3)) == -2
    bb = D.range(8).batch(2).batch(2)
    assert bb.element_spec == spec([None, None], tf.int64)
    assert values(bb) == [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]
    d = D.from_tensor_slices({"x": np.arange(6).reshape(3, 2), "y": [1, 2, 3]}).batch(2, True)
    (e,) = list(d)
    assert e["x"].numpy().tolist() == [[0, 1], [2, 3]] and e["y"].numpy().tolist() == [1, 2]


def test_batch_errors():
    for bad in (0, -1):
        with pytest.raises(InvalidArgumentError, match="greater than zero"):
            D.range(3).batch(bad)
    with pytest.raises(TypeError, match="integer"):
        D.range(3).batch(2.0)
    ragged = D.range(3).map(lambda v: tf.fill([v], v)).batch(3)
    with pytest.raises(InvalidArgumentError, match="padded_batch"):
        list(ragged)


def test_unbatch():
    ds = D.range(10).batch(3).unbatch()
    assert values(ds) == list(range(10)) and card(ds) == -2
    assert ds.element_spec == spec([], tf.int64)
    assert card(D.range(9).batch(3, drop_remainder=True).unbatch()) == 9
    m = D.from_tensor_slices((np.arange(24.0).reshape(4, 3, 2), np.zeros((4, 3), np.int32)))
    u = m.unbatch()
    assert card(u) == 12 and u.element_spec == (spec([2], tf.float64), spec([], tf.int32))
    np.testing.assert_array_equal(np.stack([a.numpy() for a, _ in u]),
                                  np.arange(24.0).reshape(12, 2))
    with pytest.raises(ValueError, match="scalar"):
        D.range(3).unbatch()


def test_padded_batch():
    ragged = D.range(4).map(lambda n: tf.fill([n], n))
    pb = ragged.padded_batch(2)
    assert pb.element_spec == spec([None, None], tf.int64) and card(pb) == 2
    assert values(pb) == [[[0], [1]], [[2, 2, 0], [3, 3, 3]]]
    fixed = ragged.padded_batch(2, padded_shapes=[5], padding_values=tf.constant(-1, tf.int64),
                                drop_remainder=True)
    assert fixed.element_spec == spec([2, 5], tf.int64)
    assert values(fixed) == [[[-1] * 5, [1, -1, -1, -1, -1]], [[2, 2, -1, -1, -1], [3, 3, 3, -1, -1]]]
    d = D.from_tensor_slices(({"a": [[1], [2]]}, [1.0, 2.0]))
    (out,) = list(d.padded_batch(2, padded_shapes=({"a": [3]}, []), padding_values=({"a": -1}, 0.0)))
    assert out[0]["a"].numpy().tolist() == [[1, -1, -1], [2, -1, -1]]
    assert out[1].numpy().tolist() == [1.0, 2.0]
    bools = D.range(3).map(lambda n: tf.fill([n], True)).padded_batch(3)
    assert values(bools) == [[[False, False], [True, False], [True, True]]]
    assert values(D.range(3).padded_batch(2)) == [[0, 1], [2]]
    small = D.range(6).map(lambda v: tf.fill([v % 3], v)).padded_batch(2, padded_shapes=[1])
    with pytest.raises(InvalidArgumentError, match="smaller"):
        list(small)
    with pytest.raises(ValueError, match="not compatible"):
        D.from_tensor_slices(np.zeros((2, 3))).padded_batch(2, padded_shapes=[2])


# -- take / skip / shard / repeat ---------------------------------------------------------------

@pytest.mark.parametrize("count", [0, 3, 10, 20, -1])
def test_take_skip_match_slicing(count):
    base = list(range(10))
    take, skip = D.range(10).take(count), D.range(10).skip(count)
    assert values(take) == (base if count < 0 else base[:count]) == values(
        D.range(10).map(lambda v: v).take(count))
    assert values(skip) == ([] if count < 0 else base[count:])
    assert card(take) == len(values(take)) and card(skip) == len(values(skip))


def test_take_skip_cardinality_and_errors():
    assert card(D.range(10).repeat().take(3)) == 3
    assert card(D.range(10).filter(lambda v: v > 2).take(3)) == -2
    assert card(D.range(10).repeat().skip(3)) == -1
    assert card(D.range(10).filter(lambda v: v > 2).skip(3)) == -2
    assert values(D.range(5).take(np.int32(2))) == [0, 1]
    assert values(D.range(5).skip(tf.constant(3))) == [3, 4]
    for bad in (1.5, "a", True, None):
        with pytest.raises(TypeError, match="integer"):
            D.range(3).take(bad)
        with pytest.raises(TypeError, match="integer"):
            D.range(3).skip(bad)


def test_repeat_and_shard():
    assert values(D.range(3).repeat(2)) == [0, 1, 2, 0, 1, 2]
    assert card(D.range(3).repeat(2)) == 6 and card(D.range(3).repeat(0)) == 0
    assert card(D.range(3).repeat()) == card(D.range(3).repeat(-1)) == -1
    assert values(D.range(3).repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert values(D.range(3).map(lambda v: v).repeat().take(4)) == [0, 1, 2, 0]
    assert values(D.range(0).repeat()) == [] and card(D.range(0).repeat()) == 0
    assert card(D.range(10).filter(lambda v: v > 2).repeat()) == -1
    assert card(D.range(10).filter(lambda v: v > 2).repeat(2)) == -2
    assert values(D.range(7).shard(3, 1)) == [1, 4] and card(D.range(7).shard(3, 0)) == 3
    with pytest.raises(InvalidArgumentError, match="index"):
        D.range(7).shard(3, 3)


# -- enumerate / flat_map / interleave / apply / prefetch / choose / sample ------------------

def test_enumerate():
    ds = D.range(3).enumerate(5)
    assert ds.element_spec == (spec([], tf.int64), spec([], tf.int64))
    assert [(int(i), int(v)) for i, v in ds] == [(5, 0), (6, 1), (7, 2)]
    pairs = D.from_tensor_slices(([1, 2], [3.0, 4.0])).enumerate()
    i, (a, b) = list(pairs)[1]
    assert (int(i), int(a), float(b)) == (1, 2, 4.0)
    shuffled = D.range(5).shuffle(5, seed=1).enumerate().batch(5)
    (idx, vals), = list(shuffled)
    assert idx.numpy().tolist() == [0, 1, 2, 3, 4] and sorted(vals.numpy()) == list(range(5))


def test_flat_map_and_interleave():
    fm = D.range(4).flat_map(lambda n: D.range(n))
    assert values(fm) == [0, 0, 1, 0, 1, 2] and card(fm) == -2
    assert fm.element_spec == spec([], tf.int64)
    # the example of TF's documentation
    il = D.range(1, 6).interleave(lambda v: D.from_tensors(v).repeat(6), cycle_length=2,
                                  block_length=4)
    assert values(il) == [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3,
                          4, 4, 5, 5, 5, 5, 5, 5]
    assert values(D.range(1, 6).interleave(lambda n: D.range(n), cycle_length=3)) == [
        0, 0, 0, 1, 1, 0, 2, 1, 0, 2, 1, 3, 2, 3, 4]
    files = D.from_tensor_slices(np.arange(6).reshape(3, 2))
    assert values(files.interleave(lambda row: D.from_tensor_slices(row), cycle_length=1)) == \
        list(range(6))
    with pytest.raises(TypeError, match="must return a Dataset"):
        list(D.range(2).flat_map(lambda v: v))
    with pytest.raises(InvalidArgumentError, match="cycle_length"):
        D.range(2).interleave(lambda v: D.range(v), cycle_length=0)


def test_apply_prefetch_choose_sample():
    assert values(D.range(3).apply(lambda d: d.map(lambda v: v * 2))) == [0, 2, 4]
    with pytest.raises(TypeError, match="must return a Dataset"):
        D.range(3).apply(lambda d: 1)
    p = D.range(3).prefetch(tf.data.AUTOTUNE)
    assert values(p) == [0, 1, 2] and len(p) == 3
    a, b = D.range(3), D.range(10, 13)
    assert values(D.choose_from_datasets([a, b], D.range(2).repeat(3))) == [0, 10, 1, 11, 2, 12]
    s = D.sample_from_datasets([a, b], weights=[0.5, 0.5], seed=3)
    out = values(s)
    assert sorted(out) == [0, 1, 2, 10, 11, 12]
    assert [v for v in out if v < 10] == [0, 1, 2] and values(s) != [] and out == values(
        D.sample_from_datasets([a, b], weights=[0.5, 0.5], seed=3))
    assert values(D.sample_from_datasets([a, b], weights=[1.0, 0.0])) == [0, 1, 2]

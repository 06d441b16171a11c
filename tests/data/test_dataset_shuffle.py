"""ember.data shuffle (TF's buffer semantics, seeds, reshuffling), repeat and cache order."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.errors import InvalidArgumentError

D = tf.data.Dataset

pytestmark = pytest.mark.usefixtures("no_global_seed")  # tests/conftest.py


def order(ds):
    return [int(v) for v in ds]


@pytest.mark.parametrize("n, buffer_size", [(20, 1), (20, 3), (20, 20), (20, 100), (7, -2),
                                            (0, 4)])
def test_shuffle_is_a_permutation_within_the_buffer(n, buffer_size):
    ds = D.range(n).shuffle(buffer_size, seed=5)
    assert int(ds.cardinality()) == n
    for _ in range(3):
        out = order(ds)
        assert sorted(out) == list(range(n))
        if buffer_size > 0:
            # output i is produced after reading buffer_size + i inputs
            assert all(v < i + buffer_size for i, v in enumerate(out))
    if buffer_size == 1:
        assert order(ds) == list(range(n))


def test_shuffle_distribution_uniform_with_a_full_buffer():
    ds = D.range(5).shuffle(5, seed=11)
    epochs = 2000
    counts = np.zeros((5, 5))
    for _ in range(epochs):
        for pos, v in enumerate(order(ds)):
            counts[v, pos] += 1
    # each element at each position with probability 1/5: 400 +- 18 (one sigma)
    assert np.abs(counts - epochs / 5).max() < 5 * np.sqrt(epochs * 0.2 * 0.8)


def test_shuffle_distribution_with_a_small_buffer():
    ds = D.range(3).shuffle(2, seed=3)
    firsts = [order(ds)[0] for _ in range(1000)]
    # the first output is drawn from the first two elements only, each with probability 1/2
    assert set(firsts) == {0, 1}
    assert abs(firsts.count(0) - 500) < 5 * np.sqrt(1000 * 0.25)


def test_reshuffle_each_iteration_and_seeds():
    ds = D.range(20).shuffle(20, seed=1)
    a, b = order(ds), order(ds)
    assert a != b  # a new order each epoch
    rebuilt = D.range(20).shuffle(20, seed=1)
    assert [order(rebuilt), order(rebuilt)] == [a, b]  # the same sequence of orders
    assert order(D.range(20).shuffle(20, seed=2)) != a
    fixed = D.range(20).shuffle(20, seed=1, reshuffle_each_iteration=False)
    assert order(fixed) == order(fixed) == order(fixed)
    unseeded = D.range(20).shuffle(20, reshuffle_each_iteration=False)
    assert order(unseeded) == order(unseeded)


def test_global_seed_makes_unseeded_shuffles_reproducible():
    tf.random.set_seed(42)
    first = [order(D.range(20).shuffle(20)) for _ in range(2)]
    tf.random.set_seed(42)
    again = [order(D.range(20).shuffle(20)) for _ in range(2)]
    assert first == again and first[0] != first[1]


def test_shuffle_same_order_on_indices_and_on_elements():
    x = np.arange(30.0).reshape(15, 2)
    fast = D.from_tensor_slices(x).shuffle(6, seed=3)
    slow = D.from_tensor_slices(x).map(lambda r: r).shuffle(6, seed=3)
    rows_fast = [r.numpy().tolist() for r in fast]
    assert rows_fast == [r.numpy().tolist() for r in slow]
    batched = D.from_tensor_slices(x).shuffle(6, seed=3).batch(4)
    flat = [row for b in batched for row in b.numpy().tolist()]
    assert flat == rows_fast


def test_shuffle_then_repeat_reshuffles_each_pass():
    out = order(D.range(20).shuffle(20, seed=4).repeat(2))
    assert sorted(out[:20]) == sorted(out[20:]) == list(range(20))
    assert out[:20] != out[20:]
    out = order(D.range(20).shuffle(20, seed=4, reshuffle_each_iteration=False).repeat(2))
    assert out[:20] == out[20:]
    rep_then_shuffle = order(D.range(5).repeat(2).shuffle(10, seed=1))
    assert sorted(rep_then_shuffle) == sorted(list(range(5)) * 2)


def test_shuffle_errors():
    with pytest.raises(TypeError, match="buffer_size"):
        D.range(3).shuffle()
    for bad in (0, -1):
        with pytest.raises(InvalidArgumentError, match="greater than zero"):
            D.range(3).shuffle(bad)
    with pytest.raises(TypeError, match="integer"):
        D.range(3).shuffle(2.5)
    with pytest.raises(TypeError, match="integer"):
        D.range(3).shuffle(3, seed="a")


def test_cache_records_the_first_complete_iteration():
    calls = []
    ds = D.range(4).map(lambda v: calls.append(1) or v * 2).cache()
    calls.clear()
    assert order(ds.take(2)) == [0, 2]  # stopped early: nothing is recorded
    assert order(ds) == [0, 2, 4, 6]
    n = len(calls)
    assert order(ds) == [0, 2, 4, 6] and len(calls) == n  # replayed, map not run again
    shuffled = D.range(10).shuffle(10).cache()
    assert order(shuffled) == order(shuffled)  # the first order is kept
    batched = D.range(10).shuffle(10).cache().batch(4)
    first = [b.numpy().tolist() for b in batched]
    assert first == [b.numpy().tolist() for b in batched]
    assert sorted(v for b in first for v in b) == list(range(10))
    assert order(D.range(3).cache().repeat(2)) == [0, 1, 2, 0, 1, 2]

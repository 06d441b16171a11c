"""ember.data sources, iteration, element_spec, cardinality and the consuming methods,
against plain Python / NumPy expectations."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import ember as tf
from ember.data import OutOfRangeError
from ember.errors import InvalidArgumentError

D = tf.data.Dataset
P = collections.namedtuple("P", "a b")


def spec(shape, dtype):
    return tf.TensorSpec(shape, dtype)


def values(ds):
    return [np.asarray(e).tolist() for e in ds]


# -- from_tensor_slices / from_tensors ------------------------------------------------------

@pytest.mark.parametrize("data, dtype", [
    ([1.0, 2.0, 3.0], tf.float32), ([1, 2, 3], tf.int32), (np.arange(3.0), tf.float64),
    (np.arange(3, dtype=np.int64), tf.int64), ([True, False, True], tf.bool),
    (np.arange(3, dtype=np.float16), tf.float16), ([2**40, 1, 2], tf.int64)])
def test_from_tensor_slices_dtypes(data, dtype):
    ds = D.from_tensor_slices(data)
    assert ds.element_spec == spec([], dtype)
    assert int(ds.cardinality()) == 3 and len(ds) == 3
    out = list(ds)
    assert all(isinstance(t, tf.Tensor) and t.dtype == dtype for t in out)
    assert [t.numpy().item() for t in out] == np.asarray(data).tolist()


def test_from_tensor_slices_structures():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y = np.array([0, 1, 0, 1])
    ds = D.from_tensor_slices((x, {"y": y, "w": [1.0, 2.0, 3.0, 4.0]}))
    assert ds.element_spec == (spec([3], tf.float32),
                               {"y": spec([], tf.int64), "w": spec([], tf.float32)})
    for i, (a, d) in enumerate(ds):
        assert isinstance(d, dict) and list(d) == ["y", "w"]
        np.testing.assert_array_equal(a.numpy(), x[i])
        assert int(d["y"]) == y[i] and float(d["w"]) == i + 1.0
    nt = list(D.from_tensor_slices(P([1, 2], [3, 4])))
    assert type(nt[0]) is P and (int(nt[1].a), int(nt[1].b)) == (2, 4)


def test_from_tensor_slices_lists_are_tensors_and_data_is_copied():
    ds = D.from_tensor_slices([tf.constant([1, 2]), tf.constant([3, 4])])  # stacked
    assert ds.element_spec == spec([2], tf.int32)
    assert values(ds) == [[1, 2], [3, 4]]
    a = np.arange(3.0)
    ds = D.from_tensor_slices(a)
    a[:] = -1.0
    assert values(ds) == [0.0, 1.0, 2.0]


def test_from_tensor_slices_errors():
    with pytest.raises(ValueError, match=r"tensors\[0\] has 3 and tensors\[1\] has 4"):
        D.from_tensor_slices((np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError, match=r"tensors\['b'\] has 2"):
        D.from_tensor_slices({"a": np.zeros(3), "b": np.zeros((2, 5))})
    with pytest.raises(ValueError, match="scalar"):
        D.from_tensor_slices(3)
    with pytest.raises(ValueError, match="empty"):
        D.from_tensor_slices(())
    with pytest.raises(ValueError, match="None"):
        D.from_tensor_slices((np.zeros(2), None))
    with pytest.raises(TypeError, match="string"):
        D.from_tensor_slices([1, "b"])


def test_from_tensors():
    ds = D.from_tensors(([1, 2], 3.0))
    assert ds.element_spec == (spec([2], tf.int32), spec([], tf.float32))
    assert len(ds) == 1
    (a, b), = list(ds)
    assert a.numpy().tolist() == [1, 2] and float(b) == 3.0
    assert [b.numpy().tolist() for b, _ in ds.repeat(3).batch(2)] == [[[1, 2]] * 2, [[1, 2]]]


# -- range / counter / random ------------------------------------------------------------------

@pytest.mark.parametrize("args", [(5,), (2, 10), (2, 10, 3), (10, 0, -3), (5, 2), (0,), (-3, 3, 2)])
def test_range_matches_python(args):
    ds = D.range(*args)
    assert ds.element_spec == spec([], tf.int64)
    assert [int(v) for v in ds] == list(range(*args))
    assert int(ds.cardinality()) == len(range(*args))
    assert [b.numpy().tolist() for b in ds.batch(2)] == [
        list(range(*args))[i:i + 2] for i in range(0, len(range(*args)), 2)]


def test_range_output_type_and_errors():
    ds = D.range(1, 4, output_type=tf.int32)
    assert ds.element_spec == spec([], tf.int32) and values(ds) == [1, 2, 3]
    assert values(D.range(3, output_type=tf.float32)) == [0.0, 1.0, 2.0]
    with pytest.raises(InvalidArgumentError, match="step"):
        D.range(0, 10, 0)
    with pytest.raises(TypeError, match="integer"):
        D.range(1.5)
    with pytest.raises(ValueError, match="1 to 3"):
        D.range()
    with pytest.raises(TypeError, match="output_type"):
        D.range(3, dtype=tf.int32)


def test_counter_and_random():
    c = D.counter(3, 2)
    assert int(c.cardinality()) == tf.data.INFINITE_CARDINALITY
    assert values(c.take(3)) == [3, 5, 7]
    r = D.random(seed=7)
    assert r.element_spec == spec([], tf.int64) and int(r.cardinality()) == -1
    a, b = values(r.take(50)), values(r.take(50))
    assert a == b and len(set(a)) == 50 and min(a) >= 0
    assert values(D.random(seed=7).take(50)) == a  # a rebuilt dataset repeats its seed
    rr = D.random(seed=7, rerandomize_each_iteration=True).take(20)
    assert values(rr) != values(rr)


# -- from_generator --------------------------------------------------------------------------

def gen():
    for i in range(3):
        yield i, np.ones(i)


def test_from_generator_signature_and_reiteration():
    calls = []

    def g():
        calls.append(1)
        yield from gen()

    sig = (tf.TensorSpec((), tf.int32), tf.TensorSpec((None,), tf.float32))
    ds = D.from_generator(g, output_signature=sig)
    assert ds.element_spec == sig and int(ds.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    out = list(ds)
    assert [(int(a), b.numpy().tolist()) for a, b in out] == [(0, []), (1, [1.0]),
                                                              (2, [1.0, 1.0])]
    assert out[2][1].dtype == tf.float32 and out[0][0].dtype == tf.int32
    assert len(list(ds)) == 3 and len(calls) == 2


def test_from_generator_legacy_types_and_args():
    ds = D.from_generator(gen, output_types=(tf.int64, tf.float32))
    assert ds.element_spec[0].shape.rank is None and ds.element_spec[1].dtype == tf.float32
    ds = D.from_generator(gen, output_types=(tf.int64, tf.float32), output_shapes=((), (None,)))
    assert ds.element_spec == (spec([], tf.int64), spec([None], tf.float32))
    ds = D.from_generator(lambda n: iter(range(int(n))), args=(4,),
                          output_signature=tf.TensorSpec((), tf.int64))
    assert values(ds) == [0, 1, 2, 3]
    ds = D.from_generator(lambda: iter([{"a": 1}]), output_types={"a": tf.float32})
    assert float(next(iter(ds))["a"]) == 1.0


def test_from_generator_errors():
    with pytest.raises(TypeError, match="output_signature"):
        D.from_generator(gen)
    with pytest.raises(TypeError, match="generator function"):
        D.from_generator(gen(), output_types=tf.int32)
    bad_shape = D.from_generator(lambda: iter([[1.0]]),
                                 output_signature=tf.TensorSpec((2,), tf.float32))
    with pytest.raises(TypeError, match=r"shape \(1,\) where an element of shape \(2,\)"):
        list(bad_shape)
    lossy = D.from_generator(lambda: iter([1.5]), output_signature=tf.TensorSpec((), tf.int32))
    with pytest.raises(TypeError, match="expected type"):
        list(lossy)
    wrong = D.from_generator(lambda: iter([1]), output_signature=(tf.TensorSpec((), tf.int32),
                                                                  tf.TensorSpec((), tf.int32)))
    with pytest.raises(TypeError, match="structure"):
        list(wrong)


# -- zip / concatenate -------------------------------------------------------------------------

def test_zip_structures_and_cardinality():
    a, b = D.range(3), D.from_tensor_slices([1.0, 2.0, 3.0, 4.0, 5.0])
    for z in (D.zip((a, b)), D.zip(a, b), D.zip(datasets=(a, b))):
        assert [(int(x), float(y)) for x, y in z] == [(0, 1.0), (1, 2.0), (2, 3.0)]
        assert len(z) == 3
    zd = D.zip({"b": b, "a": a})
    assert zd.element_spec == {"b": spec([], tf.float32), "a": spec([], tf.int64)}
    first = next(iter(zd))
    assert list(first) == ["b", "a"] and float(first["b"]) == 1.0
    nested = D.zip((a, (b, a)))
    x, (y, z) = next(iter(nested))
    assert (int(x), float(y), int(z)) == (0, 1.0, 0)
    assert len(D.zip((a.repeat(), b))) == 5
    assert int(D.zip((a.repeat(), b.repeat())).cardinality()) == -1
    assert int(D.zip((a.filter(lambda v: True), b.repeat())).cardinality()) == -2
    assert len(list(D.zip((a.filter(lambda v: v > 0), b)))) == 2
    with pytest.raises(TypeError, match="structures of Datasets"):
        D.zip((a, 1))


def test_concatenate():
    ds = D.range(3).concatenate(D.range(5, 7))
    assert values(ds) == [0, 1, 2, 5, 6] and len(ds) == 5
    relaxed = D.range(2).map(lambda x: tf.fill([2], x)).concatenate(
        D.range(2).map(lambda x: tf.fill([3], x)))
    assert relaxed.element_spec == spec([None], tf.int64)
    assert int(D.range(2).repeat().concatenate(D.range(2)).cardinality()) == -1
    assert int(D.range(2).filter(lambda x: True).concatenate(D.range(2)).cardinality()) == -2
    with pytest.raises(TypeError, match="incompatible"):
        D.range(2).concatenate(D.range(2, output_type=tf.int32))


# -- iteration, len, repr, consuming -----------------------------------------------------------

def test_iteration_starts_over_and_iterator_api():
    ds = D.range(3)
    assert values(ds) == values(ds) == [0, 1, 2]
    it = iter(ds)
    assert it.element_spec == ds.element_spec and iter(it) is it
    assert [int(next(it)), int(it.get_next()), int(next(it))] == [0, 1, 2]
    with pytest.raises(StopIteration):
        next(it)
    with pytest.raises(OutOfRangeError, match="End of sequence"):
        it.get_next()


def test_len_bool_and_repr():
    with pytest.raises(TypeError, match="infinite"):
        len(D.range(3).repeat())
    with pytest.raises(TypeError, match="unknown"):
        len(D.range(3).filter(lambda x: True))
    assert bool(D.range(3).repeat()) and bool(D.range(0))
    assert repr(D.range(3).batch(2)) == (
        "<_BatchDataset element_spec=TensorSpec(shape=(None,), dtype=tf.int64, name=None)>")
    assert repr(D.range(3)).startswith("<_RangeDataset")
    assert D.range(3).cardinality().dtype == tf.int64


def test_as_numpy_iterator_reduce_and_single_element():
    ds = D.from_tensor_slices({"a": [1, 2], "b": ([1.0, 2.0],)})
    out = list(ds.as_numpy_iterator())
    assert out[1]["a"] == 2 and isinstance(out[1]["a"], np.int32)
    assert isinstance(out[0]["b"], tuple) and out[0]["b"][0] == np.float32(1.0)
    assert int(D.range(5).reduce(np.int64(0), lambda s, x: s + x)) == 10
    pairs = D.from_tensor_slices(([1, 2], [3, 4]))
    s = pairs.reduce((0, 0), lambda st, e: (st[0] + e[0], st[1] + e[1]))
    assert (int(s[0]), int(s[1])) == (3, 7)
    with pytest.raises(TypeError, match="initial state"):
        D.from_tensor_slices([1, 2]).reduce(0, lambda st, x: tf.cast(st + x, tf.float32))
    assert int(D.range(4, 5).get_single_element()) == 4
    with pytest.raises(InvalidArgumentError, match="more than one"):
        D.range(2).get_single_element()
    with pytest.raises(InvalidArgumentError, match="empty"):
        D.range(0).get_single_element()


def test_constants_options_and_experimental():
    assert tf.data.AUTOTUNE == tf.data.experimental.AUTOTUNE == -1
    assert tf.data.INFINITE_CARDINALITY == -1 and tf.data.UNKNOWN_CARDINALITY == -2
    opts = tf.data.Options()
    opts.deterministic = False
    opts.threading.private_threadpool_size = 2
    opts.experimental_optimization.map_parallelization = True
    ds = D.range(3).with_options(opts).map(lambda x: x + 1)
    assert ds.options().deterministic is False
    assert ds.options().threading.private_threadpool_size == 2
    assert values(ds) == [1, 2, 3] and len(ds) == 3
    with pytest.raises(AttributeError, match="no_such_option"):
        opts.no_such_option = 1
    with pytest.raises(TypeError, match="Options"):
        D.range(3).with_options({"deterministic": True})
    assert int(tf.data.experimental.cardinality(D.range(4))) == 4
    asserted = D.range(4).filter(lambda x: x < 2).apply(
        tf.data.experimental.assert_cardinality(2))
    assert len(asserted) == 2 and values(asserted) == [0, 1]
    with pytest.raises(InvalidArgumentError, match="fewer"):
        list(D.range(4).filter(lambda x: x < 1).apply(tf.data.experimental.assert_cardinality(2)))


def test_not_supported_features_say_so():
    for call in (lambda: D.range(3).window(2), lambda: D.range(3).rebatch(2),
                 lambda: D.range(3).cache("file.tmp"),
                 lambda: D.range(3).group_by_window(None, None, 2)):
        with pytest.raises(NotImplementedError, match="not supported"):
            call()

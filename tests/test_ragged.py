"""tf.RaggedTensor and tf.ragged (issue 16, ragged_rank 1): values against TF's
documented examples (tensorflow.org/api_docs/python/tf/RaggedTensor and the ragged tensor
guide, as cited) and NumPy references; zero-size rows; ember.function == eager;
gradients; tf.data (from_tensor_slices, map, batch, ragged_batch, unbatch,
padded_batch); clear errors, NotImplementedError for ragged_rank > 1."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.core.errors import InvalidArgumentError

RT = [[3, 1, 4, 1], [], [5, 9, 2], [6], []]  # the guide's digits


def _dense_ref(rows, default=0):
    width = max((len(r) for r in rows), default=0)
    return [list(r) + [default] * (width - len(r)) for r in rows]


def test_factories_as_documented():
    # tensorflow.org/api_docs/python/tf/RaggedTensor: the from_* examples
    values = [3, 1, 4, 1, 5, 9, 2, 6]
    want = [[3, 1, 4, 1], [], [5, 9, 2], [6], []]
    assert tf.RaggedTensor.from_row_splits(values, [0, 4, 4, 7, 8, 8]).to_list() == want
    assert tf.RaggedTensor.from_row_lengths(values, [4, 0, 3, 1, 0]).to_list() == want
    assert tf.RaggedTensor.from_value_rowids(values, [0, 0, 0, 0, 2, 2, 2, 3],
                                             nrows=5).to_list() == want
    assert tf.RaggedTensor.from_row_starts(values, [0, 4, 4, 7, 8]).to_list() == want
    assert tf.RaggedTensor.from_row_limits(values, [4, 4, 7, 8, 8]).to_list() == want
    # tf/RaggedTensor#from_tensor
    dt = tf.constant([[5, 7, 0], [0, 3, 0], [6, 0, 0]])
    assert tf.RaggedTensor.from_tensor(dt).to_list() == [[5, 7, 0], [0, 3, 0], [6, 0, 0]]
    assert tf.RaggedTensor.from_tensor(dt, lengths=[1, 0, 3]).to_list() == \
        [[5], [], [6, 0, 0]]
    assert tf.RaggedTensor.from_tensor(dt, padding=0).to_list() == [[5, 7], [0, 3], [6]]
    dt3 = tf.constant([[[5, 0], [7, 0], [0, 0]], [[0, 0], [3, 0], [0, 0]],
                       [[6, 0], [0, 0], [0, 0]]])
    assert tf.RaggedTensor.from_tensor(dt3, padding=0).to_list() == \
        [[[5, 0], [7, 0]], [[0, 0], [3, 0]], [[6, 0]]]


def test_properties_and_conversions():
    rt = tf.ragged.constant(RT)
    assert rt.shape.as_list() == [5, None] and rt.dtype == tf.int32 and rt.ragged_rank == 1
    assert rt.row_splits.dtype == tf.int64 and rt.row_splits.numpy().tolist() == [0, 4, 4, 7, 8, 8]
    assert rt.values.numpy().tolist() == [3, 1, 4, 1, 5, 9, 2, 6]
    assert rt.flat_values is rt.values
    assert rt.row_lengths().numpy().tolist() == [4, 0, 3, 1, 0]
    assert int(rt.nrows()) == 5 and rt.nrows(out_type=tf.int32).dtype == tf.int32
    assert rt.value_rowids().numpy().tolist() == [0, 0, 0, 0, 2, 2, 2, 3]
    assert rt.to_tensor().numpy().tolist() == _dense_ref(RT)
    assert rt.to_tensor(default_value=-1).numpy().tolist() == _dense_ref(RT, -1)
    assert rt.to_tensor(shape=[2, 2]).numpy().tolist() == [[3, 1], [0, 0]]
    assert rt.to_tensor(shape=[None, 6]).shape == (5, 6)
    assert rt.bounding_shape().numpy().tolist() == [5, 4]
    arr = rt.numpy()  # TF: an object array of one array per row
    assert arr.dtype == object and arr.shape == (5,)
    assert [a.tolist() for a in arr] == RT and arr[0].dtype == np.int32
    assert repr(rt) == "<tf.RaggedTensor [[3, 1, 4, 1], [], [5, 9, 2], [6], []]>"
    inner = tf.ragged.constant([[[1, 2]], [[3, 4], [5, 6]]], ragged_rank=1)
    assert inner.shape.as_list() == [2, None, 2]
    assert inner.to_tensor().numpy().tolist() == [[[1, 2], [0, 0]], [[3, 4], [5, 6]]]
    s = tf.ragged.constant([["a", "bc"], []])
    assert s.dtype == tf.string and s.to_tensor().numpy().tolist() == [[b"a", b"bc"], [b"", b""]]
    assert tf.ragged.constant([1.0, 2.0]).shape == (2,)  # ragged_rank 0: a dense Tensor
    assert tf.ragged.constant([[1.5], []]).dtype == tf.float32


def test_indexing_rows():
    rt = tf.ragged.constant(RT)
    assert rt[0].numpy().tolist() == [3, 1, 4, 1] and rt[1].numpy().tolist() == []
    assert rt[-2].numpy().tolist() == [6]
    assert rt[2, 1].numpy() == 9 and rt[2, -1].numpy() == 2
    assert rt[1:4].to_list() == RT[1:4] and rt[:0].to_list() == []
    assert [r.numpy().tolist() for r in rt] == RT
    with pytest.raises(IndexError, match="row index 5 is out of range for 5 rows"):
        rt[5]
    with pytest.raises(NotImplementedError, match="to_tensor"):
        rt[:, 0]


def test_zero_size():
    rt = tf.ragged.constant([[], [], []])
    assert rt.shape.as_list() == [3, None] and rt.to_tensor().shape == (3, 0)
    assert tf.reduce_sum(rt, axis=1).numpy().tolist() == [0.0, 0.0, 0.0]
    none = tf.RaggedTensor.from_row_splits(tf.zeros([0]), [0])
    assert none.to_list() == [] and none.to_tensor().shape == (0, 0)
    assert none.row_lengths().numpy().tolist() == []
    assert tf.RaggedTensor.from_tensor(tf.zeros([0, 3])).to_list() == []
    assert (none + 1.0).to_list() == []


def test_reductions_against_numpy():
    rows = [[1.0, 4.0, -2.0], [], [3.5], [0.5, 0.5]]
    rt = tf.ragged.constant(rows)
    np.testing.assert_allclose(tf.reduce_sum(rt, axis=1).numpy(), [sum(r) for r in rows])
    np.testing.assert_allclose(tf.reduce_mean(rt, axis=1).numpy()[[0, 2, 3]],
                               [np.mean(r) for r in rows if r])
    assert np.isnan(tf.reduce_mean(rt, axis=1).numpy()[1])
    lowest = np.finfo(np.float32).min  # an empty row's max: the lowest float, as TF
    assert tf.reduce_max(rt, axis=1).numpy().tolist() == [4.0, lowest, 3.5, 0.5]
    assert tf.reduce_min(rt, axis=-1).numpy().tolist()[0] == -2.0
    assert tf.reduce_sum(rt, axis=0).numpy().tolist() == [5.0, 4.5, -2.0]  # per column
    assert tf.reduce_mean(rt, axis=0).numpy().tolist() == pytest.approx([5 / 3, 2.25, -2.0])
    assert tf.reduce_max(rt, axis=0).numpy().tolist() == [3.5, 4.0, -2.0]
    assert float(tf.reduce_sum(rt)) == 7.5 and float(tf.reduce_max(rt)) == 4.0
    assert tf.reduce_sum(rt, axis=1, keepdims=True).shape == (4, 1)
    ints = tf.ragged.constant([[1, 2], [3]])
    assert tf.reduce_mean(ints, axis=1).numpy().tolist() == [1.5, 3.0]  # truediv, as TF
    assert tf.math.reduce_sum(ints, axis=1).numpy().tolist() == [3, 3]
    wide = tf.ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1)
    assert tf.reduce_sum(wide, axis=2).to_list() == [[3, 7], [11]]
    assert tf.reduce_sum(wide, axis=1).numpy().tolist() == [[4, 6], [5, 6]]
    # dense tensors still go to the dense reductions
    assert tf.reduce_sum(tf.constant([[1, 2], [3, 4]]), axis=1).numpy().tolist() == [3, 7]


def test_elementwise_arithmetic():
    # tensorflow.org/guide/ragged_tensor: "Overloaded operators"
    x = tf.ragged.constant([[1, 2], [3], [4, 5, 6]])
    y = tf.ragged.constant([[1, 1], [2], [3, 3, 3]])
    assert (x + y).to_list() == [[2, 3], [5], [7, 8, 9]]
    assert (x + 3).to_list() == [[4, 5], [6], [7, 8, 9]]
    assert (2 * x).to_list() == [[2, 4], [6], [8, 10, 12]]
    assert (x - y).to_list() == [[0, 1], [1], [1, 2, 3]]
    assert (-x).to_list() == [[-1, -2], [-3], [-4, -5, -6]]
    assert (x > 2).to_list() == [[False, False], [True], [True, True, True]]
    per_row = tf.constant([[10], [20], [30]])
    assert (x + per_row).to_list() == [[11, 12], [23], [34, 35, 36]]
    assert tf.ragged.map_flat_values(tf.square, x).to_list() == [[1, 4], [9], [16, 25, 36]]
    assert tf.ragged.map_flat_values(tf.multiply, x, y).to_list() == \
        [[1, 2], [6], [12, 15, 18]]
    with pytest.raises(ValueError, match="different row_splits"):
        x + tf.ragged.constant([[1], [2, 3], [4, 5, 6]])
    with pytest.raises(NotImplementedError, match="broadcasting a dense tensor"):
        x + tf.constant([1, 2])


def _ragged_fn(rt):
    return (rt.to_tensor(default_value=-1.0), rt.row_lengths(), rt.nrows(), rt[0], rt[2, 1],
            tf.reduce_sum(rt, axis=1), tf.reduce_mean(rt, axis=0), tf.reduce_max(rt, axis=1),
            rt * 2.0 + 1.0, tf.ragged.map_flat_values(tf.exp, rt), rt.value_rowids(),
            tf.RaggedTensor.from_tensor(rt.to_tensor(), padding=0.0))


def test_traced_equals_eager():
    rt = tf.ragged.constant([[1.0, 2.0], [], [3.0, 4.0, 5.0]])
    eager, traced = _ragged_fn(rt), tf.function(_ragged_fn)(rt)
    for e, t in zip(eager, traced):
        assert type(e) is type(t)
        got, want = (t.to_list(), e.to_list()) if isinstance(e, tf.RaggedTensor) else \
            (t.numpy().tolist(), e.numpy().tolist())
        assert got == want
    f = tf.function(lambda v, s: tf.RaggedTensor.from_row_splits(v, s) * 3)
    out = f(tf.constant([1, 2, 3]), tf.constant([0, 1, 3], tf.int64))
    assert isinstance(out, tf.RaggedTensor) and out.to_list() == [[3], [6, 9]]


def test_gradients_flow_through_ragged_ops():
    v = tf.Variable([1.0, 5.0, 3.0, 2.0])
    with tf.GradientTape() as tape:
        rt = tf.RaggedTensor.from_row_lengths(v * 1.0, [2, 0, 2])
        loss = tf.reduce_sum(tf.reduce_max(rt, axis=1)) + tf.reduce_sum(rt.to_tensor() * 2.0)
    assert tape.gradient(loss, v).numpy().tolist() == [2.0, 3.0, 3.0, 2.0]
    d = tf.Variable([[1.0, 0.0], [2.0, 3.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.RaggedTensor.from_tensor(d, padding=0.0).values * 3.0)
    assert tape.gradient(loss, d).numpy().tolist() == [[3.0, 0.0], [3.0, 3.0]]


def test_datasets():
    # tensorflow.org/guide/ragged_tensor: "tf.data.Dataset"
    rt = tf.ragged.constant(RT)
    ds = tf.data.Dataset.from_tensor_slices(rt)
    assert ds.element_spec == tf.RaggedTensorSpec([None], tf.int32, 0, tf.int64)
    assert [e.numpy().tolist() for e in ds] == RT
    batched = ds.batch(2)
    assert batched.element_spec == tf.RaggedTensorSpec([None, None], tf.int32, 1, tf.int64)
    assert [b.to_list() for b in batched] == [RT[0:2], RT[2:4], RT[4:]]
    assert [e.numpy().tolist() for e in batched.unbatch()] == RT
    assert [b.numpy().tolist() for b in ds.padded_batch(2)] == \
        [_dense_ref(RT[0:2]), _dense_ref(RT[2:4]), [[]]]
    mapped = batched.map(lambda r: tf.reduce_sum(r, axis=1))
    assert [m.numpy().tolist() for m in mapped] == [[9, 0], [16, 6], [0]]
    to_dense = batched.map(lambda r: r.to_tensor())
    assert [m.numpy().tolist() for m in to_dense][1] == [[5, 9, 2], [6, 0, 0]]
    pairs = tf.data.Dataset.from_tensor_slices({"x": rt, "y": tf.range(5)}).shuffle(
        5, seed=3).batch(5)
    (only,) = list(pairs)
    assert sorted(map(tuple, only["x"].to_list())) == sorted(map(tuple, RT))
    varlen = tf.data.Dataset.range(1, 5).map(lambda n: tf.fill([n], n))
    assert [b.to_list() for b in varlen.ragged_batch(3)] == [[[1], [2, 2], [3, 3, 3]],
                                                            [[4, 4, 4, 4]]]
    assert [b.numpy().tolist() for b in varlen.padded_batch(2)] == \
        [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]]]
    it = list(tf.data.Dataset.from_tensors(rt).as_numpy_iterator())
    assert it[0].to_list() == RT


def test_errors_name_the_op_and_the_fix():
    with pytest.raises(InvalidArgumentError, match="from_row_splits: row_splits must end at "
                                                   "the number of values"):
        tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 1])
    with pytest.raises(InvalidArgumentError, match="non-decreasing"):
        tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2, 1, 3])
    with pytest.raises(InvalidArgumentError, match="row_lengths must be non-negative"):
        tf.RaggedTensor.from_row_lengths([1, 2], [3, -1])
    with pytest.raises(TypeError, match="row_splits must be int32 or int64"):
        tf.RaggedTensor.from_row_splits([1.0], tf.constant([0.0, 1.0]))
    with pytest.raises(ValueError, match="constructor is private"):
        tf.RaggedTensor(tf.constant([1]), tf.constant([0, 1]))
    with pytest.raises(ValueError, match="rank >= 2"):
        tf.RaggedTensor.from_tensor([1, 2, 3])
    with pytest.raises(ValueError, match="lengths or padding, but not both"):
        tf.RaggedTensor.from_tensor([[1]], lengths=[1], padding=0)
    with pytest.raises(ValueError, match="same nesting depth"):
        tf.ragged.constant([[1, [2]]])
    with pytest.raises(TypeError, match="ambiguous"):
        bool(tf.ragged.constant([[1]]))


def test_ragged_rank_above_one_is_not_implemented():
    for make in (lambda: tf.ragged.constant([[[1], [2, 3]], [[4]]]),
                 lambda: tf.RaggedTensor.from_nested_row_splits([1, 2], [[0, 1], [0, 1, 2]]),
                 lambda: tf.RaggedTensor.from_tensor(tf.zeros([2, 2, 2]), ragged_rank=2),
                 lambda: tf.RaggedTensorSpec([None, None, None], tf.int32, 2),
                 lambda: tf.data.Dataset.from_tensor_slices(tf.ragged.constant(RT)).batch(
                     2).batch(2).element_spec):
        with pytest.raises(NotImplementedError, match="ragged_rank"):
            make()

"""tf.SparseTensor and tf.sparse: values against NumPy (the dense equivalent) and TF's
documented examples, gradients by central finite differences (float64), traced ==
eager, and TF's errors on bad indices."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.core.errors import InvalidArgumentError

RNG = np.random.default_rng(3)


def _random_sparse(shape, density=0.4, dtype="float64"):
    dense = RNG.normal(size=shape).astype(dtype)
    dense[RNG.random(shape) > density] = 0
    return dense, tf.sparse.from_dense(dense)


def _fd_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up) - f(down)) / (2 * eps)
    return g


def test_tf_doc_example_and_parts():
    # tensorflow.org tf.sparse.SparseTensor: indices [[0, 0], [1, 2]], values [1, 2]
    sp = tf.SparseTensor(indices=[[0, 0], [1, 2]], values=[1, 2], dense_shape=[3, 4])
    assert sp.indices.dtype == tf.int64 and sp.dense_shape.dtype == tf.int64
    assert sp.shape == tf.TensorShape([3, 4]) and sp.dtype == tf.int32
    np.testing.assert_array_equal(tf.sparse.to_dense(sp).numpy(),
                                  [[1, 0, 0, 0], [0, 0, 2, 0], [0, 0, 0, 0]])
    assert "SparseTensor(indices=" in repr(sp)
    assert tf.nest.flatten(sp)[1] is sp.values  # a composite of its three tensors


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_from_dense_to_dense_round_trip(shape):
    dense, sp = _random_sparse(shape)
    assert sp.values.shape[0] == np.count_nonzero(dense)
    np.testing.assert_array_equal(sp.indices.numpy(), np.argwhere(dense))
    np.testing.assert_array_equal(tf.sparse.to_dense(sp).numpy(), dense)
    filled = tf.sparse.to_dense(sp, default_value=-7.0).numpy()
    np.testing.assert_array_equal(filled, np.where(dense != 0, dense, -7.0))


def test_empty_sparse_tensor():
    sp = tf.sparse.from_dense(np.zeros((2, 3), "float32"))
    assert sp.indices.shape == (0, 2)
    np.testing.assert_array_equal(tf.sparse.to_dense(sp).numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(tf.sparse.reduce_sum(sp, 1).numpy(), [0.0, 0.0])


@pytest.mark.parametrize("adjoint_a,adjoint_b", [(False, False), (True, False),
                                                 (False, True), (True, True)])
def test_sparse_dense_matmul_values_and_gradients(adjoint_a, adjoint_b):
    a, sp = _random_sparse((4, 3))
    if adjoint_a:
        a, sp = _random_sparse((3, 4))
    b = RNG.normal(size=(2, 3) if adjoint_b else (3, 2))
    want = (a.T if adjoint_a else a) @ (b.T if adjoint_b else b)
    out = tf.sparse.sparse_dense_matmul(sp, b, adjoint_a=adjoint_a, adjoint_b=adjoint_b)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12)
    values, bt = tf.Variable(sp.values), tf.Variable(b)
    w = RNG.normal(size=want.shape)
    with tf.GradientTape() as tape:
        y = tf.sparse.sparse_dense_matmul(sp.with_values(values), bt, adjoint_a, adjoint_b)
        loss = tf.reduce_sum(y * w)
    gv, gb = tape.gradient(loss, [values, bt])
    idx = sp.indices.numpy()

    def loss_of(vals, bb):
        d = np.zeros(a.shape)
        d[tuple(idx.T)] = vals
        return float(np.sum(((d.T if adjoint_a else d) @ (bb.T if adjoint_b else bb)) * w))
    np.testing.assert_allclose(gv.numpy(), _fd_grad(lambda v: loss_of(v, b),
                                                    sp.values.numpy()), rtol=1e-6)
    np.testing.assert_allclose(gb.numpy(), _fd_grad(lambda bb: loss_of(sp.values.numpy(), bb),
                                                    b), rtol=1e-6)


def test_dense_times_sparse_and_function():
    a, sp = _random_sparse((3, 4))
    x = RNG.normal(size=(2, 3))
    np.testing.assert_allclose(tf.sparse.sparse_dense_matmul(x, sp).numpy(), x @ a,
                               rtol=1e-12)
    f = tf.function(lambda s, d: tf.sparse.sparse_dense_matmul(s, d))
    d = RNG.normal(size=(4, 2))
    np.testing.assert_allclose(f(sp, d).numpy(), a @ d, rtol=1e-12)  # a SparseTensor argument
    a2, sp2 = _random_sparse((3, 5))  # another dense shape: traced anew, right values
    np.testing.assert_allclose(f(sp2, RNG.normal(size=(5, 2))).numpy().shape, (3, 2))
    assert f.experimental_get_tracing_count() == 2
    g = tf.function(lambda d: tf.sparse.to_dense(tf.sparse.from_dense(d)) * 2.0)
    np.testing.assert_array_equal(g(a).numpy(), a * 2)


@pytest.mark.parametrize("axis", [None, 0, 1, -1, [0, 2], (1, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduce_sum_equals_numpy(axis, keepdims):
    dense, sp = _random_sparse((2, 3, 4))
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    want = dense.sum(axis=np_axis, keepdims=keepdims)
    np.testing.assert_allclose(tf.sparse.reduce_sum(sp, axis, keepdims).numpy(), want,
                               rtol=1e-12)
    if axis is not None and not keepdims:
        out = tf.sparse.reduce_sum(sp, axis, output_is_sparse=True)
        assert isinstance(out, tf.SparseTensor)
        np.testing.assert_allclose(tf.sparse.to_dense(out).numpy(), want, rtol=1e-12)


def test_reduce_max_tf_doc_example():
    # tensorflow.org tf.sparse.reduce_max: the implicit zeros are not values
    x = tf.SparseTensor([[0, 0], [0, 2], [1, 1]], [-1.0, -2.0, -3.0], [2, 3])
    assert float(tf.sparse.reduce_max(x)) == -1.0
    np.testing.assert_array_equal(tf.sparse.reduce_max(x, 0).numpy(), [-1.0, -3.0, -2.0])
    np.testing.assert_array_equal(tf.sparse.reduce_max(x, 1).numpy(), [-1.0, -3.0])
    np.testing.assert_array_equal(tf.sparse.reduce_max(x, 1, keepdims=True).numpy(),
                                  [[-1.0], [-3.0]])


def test_concat_add_reorder_retain():
    a, sa = _random_sparse((2, 3))
    b, sb = _random_sparse((2, 2))
    for axis, other, sother in [(1, b, sb), (0, a, sa)]:
        out = tf.sparse.concat(axis, [sa, sother])
        np.testing.assert_array_equal(tf.sparse.to_dense(out).numpy(),
                                      np.concatenate([a, other], axis))
    c, sc = _random_sparse((2, 3))
    total = tf.sparse.add(sa, sc)
    assert isinstance(total, tf.SparseTensor)
    np.testing.assert_allclose(tf.sparse.to_dense(total).numpy(), a + c, rtol=1e-12)
    np.testing.assert_allclose(tf.sparse.add(sa, c).numpy(), a + c, rtol=1e-12)  # dense out
    np.testing.assert_allclose((sa + c).numpy(), a + c, rtol=1e-12)
    small = tf.sparse.add(sa, sa, threshold=1.0)
    assert np.all(np.abs(small.values.numpy()) >= 1.0)
    messy = tf.SparseTensor([[1, 0], [0, 2], [0, 0]], [1, 2, 3], [2, 3])
    ordered = tf.sparse.reorder(messy)
    assert ordered.indices.numpy().tolist() == [[0, 0], [0, 2], [1, 0]]
    assert ordered.values.numpy().tolist() == [3, 2, 1]
    kept = tf.sparse.retain(ordered, [True, False, True])
    assert kept.values.numpy().tolist() == [3, 1]


def test_transpose_reshape_expand_dims_eye_and_operators():
    dense, sp = _random_sparse((2, 3, 4))
    np.testing.assert_array_equal(tf.sparse.to_dense(tf.sparse.transpose(sp)).numpy(),
                                  dense.T)
    perm = [1, 0, 2]
    np.testing.assert_array_equal(tf.sparse.to_dense(tf.sparse.transpose(sp, perm)).numpy(),
                                  dense.transpose(perm))
    np.testing.assert_array_equal(tf.sparse.to_dense(tf.sparse.reshape(sp, [6, -1])).numpy(),
                                  dense.reshape(6, 4))
    np.testing.assert_array_equal(tf.sparse.to_dense(tf.sparse.expand_dims(sp, 1)).numpy(),
                                  dense[:, None])
    np.testing.assert_array_equal(tf.sparse.to_dense(tf.sparse.eye(2, 3)).numpy(),
                                  np.eye(2, 3, dtype="float32"))
    scale = RNG.normal(size=(2, 3, 4))
    np.testing.assert_allclose(tf.sparse.to_dense(sp * scale).numpy(), dense * scale)
    np.testing.assert_allclose(tf.sparse.to_dense(sp * 2.0).numpy(), dense * 2)
    np.testing.assert_allclose(tf.sparse.to_dense(-sp).numpy(), -dense)


def test_bad_input_is_refused_clearly():
    out_of_order = tf.SparseTensor([[1, 0], [0, 0]], [1.0, 2.0], [2, 2])
    with pytest.raises(InvalidArgumentError, match="out of order.*tf.sparse.reorder"):
        tf.sparse.to_dense(out_of_order)
    np.testing.assert_array_equal(
        tf.sparse.to_dense(out_of_order, validate_indices=False).numpy(), [[2, 0], [1, 0]])
    with pytest.raises(InvalidArgumentError, match="out of bounds"):
        tf.sparse.to_dense(tf.SparseTensor([[2, 0]], [1.0], [2, 2]))
    with pytest.raises(InvalidArgumentError, match="repeated"):
        tf.sparse.to_dense(tf.SparseTensor([[0, 0], [0, 0]], [1.0, 1.0], [2, 2]))
    with pytest.raises(ValueError, match="indices give 2 entries but values has 1"):
        tf.SparseTensor([[0], [1]], [1.0], [2])
    with pytest.raises(ValueError, match="has rank 1"):
        tf.SparseTensor([[0, 0]], [1.0], [2])
    with pytest.raises(ValueError, match="inner dimensions differ"):
        tf.sparse.sparse_dense_matmul(tf.SparseTensor([[0, 0]], [1.0], [2, 3]),
                                      np.ones((2, 2), "float32"))
    with pytest.raises(TypeError, match="expected a SparseTensor"):
        tf.sparse.to_dense(np.ones(3))
    with pytest.raises(TypeError, match="truth value"):
        bool(tf.SparseTensor([[0]], [1.0], [1]))


def test_keras_ops_sparse_outputs_are_sparse_tensors():
    from ember import keras
    ids = np.array([[0, 2], [1, 1]], "int32")
    hot = keras.ops.one_hot(ids, 3, sparse=True)
    assert isinstance(hot, tf.SparseTensor)
    np.testing.assert_array_equal(tf.sparse.to_dense(hot).numpy(),
                                  keras.ops.one_hot(ids, 3).numpy())
    multi = keras.ops.multi_hot(ids, 3, sparse=True)
    np.testing.assert_array_equal(tf.sparse.to_dense(multi).numpy(),
                                  keras.ops.multi_hot(ids, 3).numpy())
    counts = keras.ops.bincount(np.array([1, 1, 3]), minlength=5, sparse=True)
    np.testing.assert_array_equal(tf.sparse.to_dense(counts).numpy(), [0, 2, 0, 1, 0])
    assert keras.ops.convert_to_tensor(hot) is hot
    np.testing.assert_array_equal(keras.ops.convert_to_tensor(hot, sparse=False).numpy(),
                                  tf.sparse.to_dense(hot).numpy())

"""roll, meshgrid, searchsorted, bincount, map_fn, vectorized_map (ember/ops/extra_ops.py)
against NumPy references, central differences in float64, and inside ember.function."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.core.errors import DTypeError, InvalidArgumentError
from ember.ops import extra_ops as E
from tests.helpers import numeric_gradient

R = np.random.default_rng(5)


# -- roll ----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64, np.bool_])
@pytest.mark.parametrize("shift,axis", [(2, 0), (-1, 1), ([1, -2], [0, -1]), ([3, 4], [1, 1]),
                                        (7, -1), ([], [])])
def test_roll_matches_numpy(dtype, shift, axis):
    x = (R.standard_normal((3, 4)) * 5).astype(dtype)
    got = E.roll(tf.constant(x), shift, axis).numpy()
    want = np.roll(x, shift, axis) if np.size(shift) else x
    np.testing.assert_array_equal(got, want)
    assert got.dtype == x.dtype


def test_roll_gradient_is_a_roll_back():
    x0 = R.standard_normal((3, 4))
    w = R.standard_normal((3, 4))
    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(E.roll(x, [1, -2], [0, 1]) * w)
    got = tape.gradient(y, x).numpy()
    want = numeric_gradient(lambda v: np.sum(np.roll(v, (1, -2), (0, 1)) * w), x0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_roll_inside_function_with_unknown_dims_and_tensor_shift():
    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32),
                                  tf.TensorSpec([], tf.int32)])
    def f(x, s):
        return E.roll(x, s, 1)
    x = R.standard_normal((2, 5)).astype(np.float32)
    np.testing.assert_array_equal(f(tf.constant(x), tf.constant(-3)).numpy(), np.roll(x, -3, 1))


def test_roll_errors():
    x = tf.zeros([2, 3])
    with pytest.raises(InvalidArgumentError, match="out of range"):
        E.roll(x, 1, 2)
    with pytest.raises(InvalidArgumentError, match="same length"):
        E.roll(x, [1, 2], [0])
    with pytest.raises(InvalidArgumentError, match="1-D or higher"):
        E.roll(tf.constant(5.0), 1, 0)
    with pytest.raises(DTypeError, match="integers"):
        E.roll(x, 1.0, 0)


# -- meshgrid ------------------------------------------------------------------------

@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sizes", [(3,), (2, 3), (2, 3, 4), (1, 5, 2)])
def test_meshgrid_matches_numpy(indexing, sizes):
    xs = [R.standard_normal(n).astype(np.float32) for n in sizes]
    got = E.meshgrid(*[tf.constant(x) for x in xs], indexing=indexing)
    want = np.meshgrid(*xs, indexing=indexing)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), w)


def test_meshgrid_flattens_ints_and_errors():
    got = E.meshgrid(tf.constant([[1, 2]]), tf.constant([3, 4, 5]), indexing="ij")
    np.testing.assert_array_equal(got[1].numpy(), np.meshgrid([1, 2], [3, 4, 5],
                                                              indexing="ij")[1])
    assert E.meshgrid() == []
    with pytest.raises(InvalidArgumentError, match="indexing"):
        E.meshgrid(tf.constant([1]), indexing="foo")
    with pytest.raises(DTypeError, match="same dtype"):
        E.meshgrid(tf.constant([1]), tf.constant([1.0]))


def test_meshgrid_inside_function_with_unknown_size():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)] * 2)
    def f(a, b):
        return E.meshgrid(a, b)
    a, b = np.arange(3, dtype=np.float32), np.arange(4, dtype=np.float32)
    for g, w in zip(f(tf.constant(a), tf.constant(b)), np.meshgrid(a, b)):
        np.testing.assert_array_equal(g.numpy(), w)


# -- searchsorted --------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("lead", [(), (3,), (2, 2)])
def test_searchsorted_matches_numpy(dtype, side, lead):
    seq = np.sort(R.integers(-5, 5, lead + (7,)), axis=-1).astype(dtype)
    vals = R.integers(-6, 6, lead + (4,)).astype(dtype)
    got = E.searchsorted(tf.constant(seq), tf.constant(vals), side=side)
    s2, v2 = seq.reshape(-1, 7), vals.reshape(-1, 4)
    want = np.stack([np.searchsorted(s, v, side=side) for s, v in zip(s2, v2)])
    np.testing.assert_array_equal(got.numpy(), want.reshape(vals.shape))
    assert got.dtype == tf.int32


def test_searchsorted_out_type_unsorted_and_errors():
    out = E.searchsorted(tf.constant([1, 2, 3]), tf.constant([2]), out_type=tf.int64)
    assert out.dtype == tf.int64 and out.numpy().tolist() == [1]
    E.searchsorted(tf.constant([3, 1, 2]), tf.constant([2]))  # unsorted: accepted, as TF
    with pytest.raises(InvalidArgumentError, match="side"):
        E.searchsorted(tf.constant([1, 2]), tf.constant([1]), side="mid")
    with pytest.raises(DTypeError, match="same dtype"):
        E.searchsorted(tf.constant([1, 2]), tf.constant([1.0]))
    with pytest.raises(InvalidArgumentError, match="leading dims"):
        E.searchsorted(tf.constant([[1, 2]]), tf.constant([[1], [2]]))
    with pytest.raises(DTypeError, match="out_type"):
        E.searchsorted(tf.constant([1, 2]), tf.constant([1]), out_type=tf.float32)


# -- bincount ------------------------------------------------------------------------

@pytest.mark.parametrize("arr_dtype", [np.int32, np.int64])
def test_bincount_matches_numpy(arr_dtype):
    arr = R.integers(0, 8, 30).astype(arr_dtype)
    w = R.standard_normal(30)
    np.testing.assert_array_equal(E.bincount(tf.constant(arr)).numpy(), np.bincount(arr))
    got = E.bincount(tf.constant(arr), weights=tf.constant(w))
    assert got.dtype == tf.float64
    np.testing.assert_allclose(got.numpy(), np.bincount(arr, w), rtol=1e-12)
    got = E.bincount(tf.constant(arr), minlength=12, dtype=tf.float32)
    assert got.dtype == tf.float32
    np.testing.assert_array_equal(got.numpy(), np.bincount(arr, minlength=12))
    np.testing.assert_array_equal(E.bincount(tf.constant(arr), maxlength=3).numpy(),
                                  np.bincount(arr[arr < 3], minlength=3))


def test_bincount_axis_binary_empty_and_errors():
    arr = np.array([[1, 2, 3, 0], [0, 0, 1, 2]], np.int32)
    want = np.stack([np.bincount(r, minlength=4) for r in arr])
    np.testing.assert_array_equal(E.bincount(tf.constant(arr), axis=-1).numpy(), want)
    np.testing.assert_array_equal(
        E.bincount(tf.constant(arr), axis=-1, binary_output=True).numpy(), np.minimum(want, 1))
    np.testing.assert_array_equal(E.bincount(tf.constant(arr)).numpy(), np.bincount(arr.ravel()))
    assert E.bincount(tf.constant(np.zeros(0, np.int32))).shape == (0,)
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        E.bincount(tf.constant([1, -1]))
    with pytest.raises(InvalidArgumentError, match="axis"):
        E.bincount(tf.constant(arr), axis=1)
    with pytest.raises(InvalidArgumentError, match="exclusive"):
        E.bincount(tf.constant([1]), weights=tf.constant([1.0]), binary_output=True)
    with pytest.raises(InvalidArgumentError, match="shape of arr"):
        E.bincount(tf.constant([1, 2]), weights=tf.constant([1.0, 2.0, 3.0]))


def test_bincount_negative_inside_function_raises_at_run_time():
    f = tf.function(lambda a: E.bincount(a), input_signature=[tf.TensorSpec([None], tf.int32)])
    np.testing.assert_array_equal(f(tf.constant([2, 2])).numpy(), [0, 0, 2])
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        f(tf.constant([-3]))


# -- map_fn / vectorized_map ---------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_map_fn_matches_a_python_loop(dtype):
    x = (R.standard_normal((5, 3)) * 4).astype(dtype)
    got = E.map_fn(lambda r: r * r + r[0], tf.constant(x))
    want = np.stack([r * r + r[0] for r in x])
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)
    assert got.dtype == tf.as_dtype(dtype)


def test_map_fn_nested_signatures_and_errors():
    a, b = tf.constant([1, 2, 3]), tf.constant([10.0, 20.0, 30.0])
    s, d = E.map_fn(lambda t: (t["a"] * 2, t["b"] + 1.0), {"a": a, "b": b},
                    fn_output_signature=(tf.int32, tf.float32))
    assert s.numpy().tolist() == [2, 4, 6] and d.numpy().tolist() == [11.0, 21.0, 31.0]
    got = E.map_fn(lambda t: 2.0, a, fn_output_signature=tf.float32)
    assert got.numpy().tolist() == [2.0, 2.0, 2.0]
    assert E.map_fn(lambda r: r, tf.zeros([0, 3])).shape == (0, 3)
    with pytest.raises(DTypeError, match="fn_output_signature"):
        E.map_fn(lambda t: tf.cast(t, tf.float32), a)
    with pytest.raises(ValueError, match="expected"):
        E.map_fn(lambda t: t[0] + t[1], (a, a))
    with pytest.raises(InvalidArgumentError, match="scalars"):
        E.map_fn(lambda t: t, tf.constant(1))
    with pytest.raises(ValueError, match="same first dim"):
        E.map_fn(lambda t: t, (a, tf.constant([1, 2])))


def test_map_fn_gradient_by_central_differences():
    x0 = R.standard_normal((4, 3))
    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(E.map_fn(lambda r: tf.sin(r) * tf.reduce_sum(r * r), x))
    want = numeric_gradient(lambda v: sum(np.sum(np.sin(r) * np.sum(r * r)) for r in v), x0)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("batch", [4, None])
def test_map_fn_inside_function_known_and_unknown_batch(batch):
    def fn(r):
        return tf.sin(r) * tf.reduce_sum(r * r)

    @tf.function(input_signature=[tf.TensorSpec([batch, 3], tf.float64)])
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = E.map_fn(fn, x)
            total = tf.reduce_sum(y)
        return y, tape.gradient(total, x)

    for n in (4, 0) if batch is None else (4,):
        x0 = R.standard_normal((n, 3))
        y, g = f(tf.constant(x0))
        want = np.sin(x0) * np.sum(x0 * x0, axis=1, keepdims=True)
        np.testing.assert_allclose(y.numpy(), want, rtol=1e-12)
        if n == 0:
            assert g.shape == (0, 3)
            continue
        fd = numeric_gradient(lambda v: sum(np.sum(np.sin(r) * np.sum(r * r)) for r in v), x0)
        np.testing.assert_allclose(g.numpy(), fd.reshape(n, 3), rtol=1e-6, atol=1e-8)


def test_map_fn_unknown_batch_gradient():
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float64)])
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            total = tf.reduce_sum(E.map_fn(lambda r: tf.sin(r) * tf.reduce_sum(r * r), x))
        return tape.gradient(total, x)
    x0 = R.standard_normal((4, 3))
    fd = numeric_gradient(lambda v: sum(np.sum(np.sin(r) * np.sum(r * r)) for r in v), x0)
    np.testing.assert_allclose(f(tf.constant(x0)).numpy(), fd, rtol=1e-6, atol=1e-8)


def test_map_fn_unknown_batch_needs_known_output_shapes():
    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32)])
    def f(x):
        return E.map_fn(lambda r: r * 2.0, x)
    with pytest.raises(NotImplementedError, match="fully known shapes"):
        f(tf.zeros([2, 2]))


def test_vectorized_map_infers_its_output_structure():
    a, b = tf.constant([1, 2, 3]), tf.constant([4, 5, 6])
    prod, first = E.vectorized_map(lambda t: (t[0] * t[1], tf.cast(t[0], tf.float32)), (a, b))
    assert prod.numpy().tolist() == [4, 10, 18] and first.dtype == tf.float32

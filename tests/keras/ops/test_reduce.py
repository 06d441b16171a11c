"""keras.ops reductions, statistics, sorting, searching, set and segment ops against real
Keras 3 (NumPy backend), on NumPy arrays, Tensors, Variables and KerasTensors."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from tests.keras3_oracle import assert_same, check_op, keras3

ops = keras.ops

rng = np.random.default_rng(0)
F = rng.normal(size=(3, 4)).astype("float32")            # distinct values: no ties
F3 = rng.normal(size=(2, 3, 4)).astype("float32")
I = rng.integers(-5, 6, size=(3, 4)).astype("int32")
B = I > 0
NAN = F.copy()
NAN[0, 1] = NAN[2, 3] = np.nan
NAN[1, :] = np.nan                                         # one all-NaN row
AXES = [None, 0, 1, -1, (0, 1)]


@pytest.fixture(autouse=True, scope="module")
def _keras():
    keras3()


# -- sums, products, extrema, logic ---------------------------------------------------

@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "amax", "amin", "mean",
                                  "var", "std", "all", "any", "ptp", "logsumexp"])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_float(name, axis, keepdims):
    check_op(name, F, axis=axis, keepdims=keepdims, rtol=1e-5)


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "mean", "var", "std",
                                  "all", "any", "ptp", "nansum", "nanprod", "nanmean",
                                  "nanmax", "nanmin", "nanvar", "nanstd"])
@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8", "float16", "float64",
                                   "bool"])
def test_reduction_dtypes(name, dtype):
    x = I.astype(dtype) if dtype != "bool" else B
    if name in ("ptp", "nanvar", "nanstd", "var", "std", "mean", "nanmean") and \
            dtype == "bool":
        pytest.skip("Keras' TF backend rejects these on bool")
    if name in ("prod", "nanprod") and dtype in ("int8", "uint8", "float16"):
        x = np.abs(x[:, :2]) % 3   # no overflow
    if name in ("ptp",) and dtype == "uint8":
        pytest.skip("NumPy's uint8 ptp wraps differently")
    check_op(name, x, axis=0, rtol=2e-3 if dtype == "float16" else 1e-5, atol=1e-3)


@pytest.mark.parametrize("name", ["max", "min"])
def test_initial(name):
    check_op(name, F, axis=1, initial=0.25)
    check_op(name, I, initial=3)
    check_op(name, B, axis=0, initial=True if name == "min" else False)


@pytest.mark.parametrize("name", ["nansum", "nanprod", "nanmax", "nanmin", "nanmean",
                                  "nanvar", "nanstd", "nanargmax", "nanargmin"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_nan_reductions(name, axis, keepdims):
    x = NAN if axis != 0 else NAN[[0, 2]]
    check_op(name, x, axis=axis, keepdims=keepdims)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("x", [F, I, F3, np.array([0.0, -0.0, 0.0], "float32"),
                               np.array(3.0, "float32")])
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_argmax_argmin(name, x, axis, keepdims):
    if x.ndim == 0 and axis is not None:
        pytest.skip("scalar: only axis=None")
    check_op(name, x, axis=axis, keepdims=keepdims)


@pytest.mark.parametrize("axis", AXES)
def test_count_nonzero(axis):
    check_op("count_nonzero", I, axis=axis)
    check_op("count_nonzero", F3, axis=axis)


# -- cumulative, differences, integrals ------------------------------------------------

@pytest.mark.parametrize("name", ["cumsum", "cumprod", "nancumsum", "nancumprod"])
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_cumulative(name, axis):
    check_op(name, F if "nan" not in name else NAN, axis=axis)
    check_op(name, I % 3, axis=axis)
    check_op(name, B, axis=axis)


def test_cumulative_dtype():
    check_op("cumsum", I, axis=1, dtype="float32")
    check_op("cumprod", F, axis=0, dtype="float64")


@pytest.mark.parametrize("n,axis", [(1, -1), (2, -1), (1, 0), (0, 1), (3, 1)])
def test_diff(n, axis):
    check_op("diff", F3, n=n, axis=axis)
    check_op("diff", I, n=n, axis=axis)
    check_op("diff", B, n=n, axis=axis)


@pytest.mark.parametrize("kwargs", [{}, {"dx": 0.5}, {"axis": 0}, {"axis": 1, "dx": 2.0}])
def test_trapezoid(kwargs):
    check_op("trapezoid", F3, **kwargs)
    check_op("trapezoid", I, **kwargs)


def test_trapezoid_sample_points():
    xs = np.array([0.0, 0.5, 2.0, 3.0], "float32")
    check_op("trapezoid", F, xs)
    check_op("trapezoid", F, np.cumsum(np.abs(F), axis=1), axis=1)


@pytest.mark.parametrize("kwargs", [{}, {"axis": 0}, {"axis": 1}, {"axis": (0, 1)}])
def test_average(kwargs):
    check_op("average", F, **kwargs)
    check_op("average", I, **kwargs)


def test_average_weights():
    w = np.abs(F) + 0.1
    check_op("average", F, weights=w)
    check_op("average", F, axis=1, weights=w)
    check_op("average", F, axis=1, weights=np.array([1.0, 2.0, 0.5, 1.0], "float32"))
    check_op("average", I, axis=0, weights=np.array([1, 2, 3], "int32"))


@pytest.mark.parametrize("x", [F, I, F[0], np.array([[1.0, 2.0, 4.0], [2.0, 3.0, 1.0],
                                                     [0.5, 1.5, 2.5]])])
def test_corrcoef(x):
    check_op("corrcoef", x, rtol=1e-4, atol=1e-5)


# -- quantiles --------------------------------------------------------------------------

METHODS = ["linear", "lower", "higher", "midpoint", "nearest"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("q", [0.3, np.array([0.0, 0.25, 0.5, 1.0], "float32")])
def test_quantile(method, axis, q):
    check_op("quantile", F3, q, axis=axis, method=method)
    check_op("percentile", F3, np.asarray(q) * 100, axis=axis, method=method, rtol=1e-4)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 1, (0, 2)])
def test_quantile_keepdims(keepdims, axis):
    check_op("quantile", F3, np.array([0.2, 0.7]), axis=axis, keepdims=keepdims)
    check_op("median", F3, axis=axis, keepdims=keepdims)
    check_op("median", I, axis=None if axis is None else 1, keepdims=keepdims)


@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_nan_quantiles(axis, keepdims):
    x = NAN if axis != 0 else NAN[[0, 2]]
    check_op("quantile", x, 0.5, axis=axis, keepdims=keepdims)       # NaN propagates
    check_op("nanquantile", x, np.array([0.1, 0.5, 0.9]), axis=axis, keepdims=keepdims)
    check_op("nanpercentile", x, 40.0, axis=axis, keepdims=keepdims, rtol=1e-4)
    check_op("nanmedian", x, axis=axis, keepdims=keepdims)
    check_op("nanquantile", x, 0.5, axis=axis, method="lower", keepdims=keepdims)


# -- sorting and searching ----------------------------------------------------------

@pytest.mark.parametrize("axis", [None, 0, -1, 1])
def test_sort_argsort(axis):
    check_op("sort", F3, axis=axis)
    check_op("sort", I, axis=None if axis == 1 else axis)
    check_op("sort", B, axis=0)
    check_op("argsort", F3, axis=axis)
    check_op("argsort", np.array([[True, False, True]]), axis=-1)


@pytest.mark.parametrize("kth", [0, 2, -1])
def test_argpartition(kth):
    k = keras3()
    x = rng.permutation(12).reshape(3, 4).astype("float32")
    for axis in (-1, 0):
        ours = ops.argpartition(x, kth, axis=axis).numpy()
        theirs = k.ops.argpartition(x, kth, axis=axis)
        assert ours.dtype.name == "int32"
        parted = np.take_along_axis(x, ours, axis=axis)
        # the kth element is in place and the sides are partitioned, as Keras' result
        assert_same(np.take(parted, kth, axis=axis),
                    np.take(np.take_along_axis(x, theirs, axis=axis), kth, axis=axis))
        assert np.array_equal(np.sort(ours, axis=axis),
                              np.broadcast_to(np.arange(x.shape[axis]).reshape(
                                  (-1, 1) if axis == 0 else (1, -1)), x.shape))
        pivot = np.take(parted, [kth], axis=axis)
        n = x.shape[axis]
        before = np.take(parted, range(kth % n), axis=axis)
        after = np.take(parted, range(kth % n + 1, n), axis=axis)
        assert (before <= pivot).all() and (after >= pivot).all()
    sym = keras.Input(batch_shape=(3, 4))
    model = keras.Model(sym, ops.argpartition(sym, kth))
    assert_same(model(x), ops.argpartition(x, kth))


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted(side):
    seq = np.array([0.0, 1.0, 1.0, 2.5, 4.0], "float32")
    check_op("searchsorted", seq, np.array([1.0, -1.0, 3.0, 9.0], "float32"), side=side)
    check_op("searchsorted", seq, F, side=side)
    check_op("searchsorted", np.array([1, 3, 5], "int32"), np.array([3, 4], "int32"),
             side=side)


@pytest.mark.parametrize("bins", [[0.0, 0.5, 1.0], [1.0, 0.0, -0.5], [-1.0]])
def test_digitize(bins):
    check_op("digitize", F, bins)
    check_op("digitize", I, [-2, 0, 2])
    check_op("digitize", np.array([0.0, 0.5, 1.0, 1.5], "float32"), bins)


# -- counting and sets ---------------------------------------------------------------

@pytest.mark.parametrize("x", [np.array([1, 1, 3, 0], "int32"),
                               np.array([[1, 2, 4], [0, 4, 1]], "int32")])
@pytest.mark.parametrize("minlength", [0, 7])
def test_bincount(x, minlength):
    check_op("bincount", x, minlength=minlength, symbolic=False)
    w = np.arange(x.size, dtype="float32").reshape(x.shape) / 2
    check_op("bincount", x, weights=w, minlength=minlength, symbolic=False)
    check_op("bincount", x, weights=w.astype("int32"), minlength=minlength, symbolic=False)


def test_bincount_symbolic():
    sym = keras.Input(batch_shape=(4,), dtype="int32")
    out = ops.bincount(sym, minlength=3)
    x = np.array([1, 1, 5, 0], "int32")
    assert_same(keras.Model(sym, out)(x), keras3().ops.bincount(x, minlength=3))


@pytest.mark.parametrize("kwargs", [{}, {"bins": 3}, {"bins": 4, "range": (-1.0, 1.0)}])
def test_histogram(kwargs):
    x = F.reshape(-1)
    # with a given range the edges don't depend on x: no KerasTensor for a model output
    got = check_op("histogram", x, check_dtype=False, symbolic="range" not in kwargs,
                   **kwargs)
    # NumPy's counts are int64 and edges float64; Keras' TF backend (ember) keeps x's
    assert [t.dtype.name for t in got] == ["float32", "float32"]


@pytest.mark.parametrize("invert", [False, True])
def test_isin(invert):
    check_op("isin", I, np.array([0, 3, -5, 99], "int32"), invert=invert)
    check_op("isin", F, F[1], invert=invert)
    check_op("isin", I, np.array([1.0, 2.5], "float32"), invert=invert)


@pytest.mark.parametrize("x", [I, F3 > 0, np.array([0.0, 2.0, 0.0, -1.0], "float32")])
def test_nonzero(x):
    check_op("nonzero", x)


@pytest.mark.parametrize("flags", [{}, {"return_index": True}, {"return_inverse": True},
                                   {"return_counts": True},
                                   {"return_index": True, "return_inverse": True,
                                    "return_counts": True}])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_unique(flags, axis):
    x = np.array([[3, 1, 3, 1], [2, 2, 2, 2], [3, 1, 3, 1]], "int32")
    check_op("unique", x, axis=axis, **flags)
    check_op("unique", x.astype("float32")[::-1], axis=axis, **flags)


@pytest.mark.parametrize("size,fill_value", [(2, None), (6, -1), (6, None)])
def test_unique_size(size, fill_value):
    x = np.array([4, 1, 4, 2, 9], "int32")
    check_op("unique", x, size=size, fill_value=fill_value, return_counts=True,
             return_index=True)
    check_op("unique", np.array([[1, 2], [1, 2], [0, 5]], "float32"), axis=0, size=size,
             fill_value=fill_value)


def test_unique_unsorted_first_occurrence():
    # NumPy (Keras' oracle) always sorts; ember follows TF: order of first occurrence
    y, inv, counts = ops.unique([4, 1, 4, 2], sorted=False, return_inverse=True,
                                return_counts=True)
    assert y.numpy().tolist() == [4, 1, 2]
    assert inv.numpy().tolist() == [0, 1, 0, 2]
    assert counts.numpy().tolist() == [2, 1, 1]


def test_vectorize():
    k = keras3()
    x, y = F, F[0]
    ours = ops.vectorize(lambda a, b: ops.add(ops.multiply(a, 2.0), b))(x, y)
    theirs = k.ops.vectorize(lambda a, b: k.ops.add(k.ops.multiply(a, 2.0), b))(x, y)
    assert_same(ours, theirs)
    sig = "(n),(n)->()"
    ours = ops.vectorize(lambda a, b: ops.sum(ops.multiply(a, b)), signature=sig)(F3, y)
    theirs = k.ops.vectorize(lambda a, b: k.ops.sum(k.ops.multiply(a, b)),
                             signature=sig)(F3, y)
    assert_same(ours, theirs, rtol=1e-5)
    # symbolic: the mapped function recorded in a functional model
    sym = keras.Input(batch_shape=(2, 3, 4))
    model = keras.Model(sym, ops.vectorize(lambda a: ops.max(a), signature="(n)->()")(sym))
    assert_same(model(F3), np.max(F3, axis=-1))


def test_vectorize_excluded():
    f = ops.vectorize(lambda a, scale: ops.multiply(a, ops.sum(scale)), excluded={1})
    assert_same(f(np.array([1.0, 2.0], "float32"), [1.0, 2.0]),
                np.array([3.0, 6.0], "float32"))


# -- top-level math: logsumexp, top_k, in_top_k, segments --------------------------------

@pytest.mark.parametrize("k", [1, 3])
def test_top_k(k):
    check_op("top_k", F, k)
    check_op("top_k", I[:, :1] * 10 + np.arange(4, dtype="int32"), k)


@pytest.mark.parametrize("k", [1, 2, 4])
def test_in_top_k(k):
    targets = np.array([0, 3, 1], "int32")
    check_op("in_top_k", targets, F, k)
    ties = np.array([[1.0, 1.0, 0.0, 2.0]] * 3, "float32")
    check_op("in_top_k", targets, ties, k)


@pytest.mark.parametrize("name", ["segment_sum", "segment_max", "segment_min",
                                  "segment_prod"])
@pytest.mark.parametrize("sorted_", [False, True])
def test_segments(name, sorted_):
    ids = np.array([0, 0, 1] if not sorted_ else [0, 1, 1], "int32")
    check_op(name, F, ids, sorted=sorted_, symbolic=False)
    check_op(name, F, ids, num_segments=2, sorted=sorted_)
    # NumPy's Keras gives float64 for integer max/min (its -inf start); TF keeps int32
    got = check_op(name, I[:, 0], np.array([2, 0, 1], "int32"), num_segments=3,
                   check_dtype=name in ("segment_sum", "segment_prod"))
    assert got.dtype.name == "int32"
    check_op(name, np.concatenate([F3, -F3]), np.array([1, -1, 0, 1], "int32"),
             num_segments=2)                                        # -1 is dropped


def test_segment_empty_segments():
    # TF's unsorted_segment_*: empty segments hold 0, 1, the lowest or the highest value
    data = np.array([1.0, 2.0], "float32")
    ids = np.array([0, 0], "int32")
    lo, hi = np.finfo("float32").min, np.finfo("float32").max
    assert ops.segment_sum(data, ids, num_segments=2).numpy().tolist() == [3.0, 0.0]
    assert ops.segment_prod(data, ids, num_segments=2).numpy().tolist() == [2.0, 1.0]
    assert ops.segment_max(data, ids, num_segments=2).numpy().tolist() == [2.0, lo]
    assert ops.segment_min(data, ids, num_segments=2).numpy().tolist() == [1.0, hi]


# -- gradients ------------------------------------------------------------------------

def _numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (float(f(up)) - float(f(down))) / (2 * eps)
    return g


W = rng.normal(size=(3, 4))


@pytest.mark.parametrize("fn", [
    lambda x: ops.sum(ops.multiply(ops.prod(x, axis=0), W[0])),
    lambda x: ops.sum(ops.multiply(ops.max(x, axis=1, keepdims=True), W)),
    lambda x: ops.sum(ops.multiply(ops.std(x, axis=0), W[0])),
    lambda x: ops.sum(ops.multiply(ops.cumprod(x, axis=1), W)),
    lambda x: ops.nanmean(x) + ops.nansum(x, axis=1)[0],
    lambda x: ops.sum(ops.multiply(ops.quantile(x, [0.3, 0.6], axis=1), W[:2, :3])),
    lambda x: ops.sum(ops.multiply(ops.nanmedian(x, axis=0), W[0])),
    lambda x: ops.sum(ops.multiply(ops.sort(x, axis=1), W)),
    lambda x: ops.sum(ops.multiply(ops.top_k(x, 2)[0], W[:, :2])),
    lambda x: ops.sum(ops.multiply(ops.logsumexp(x, axis=1), W[:, 0])),
    lambda x: ops.sum(ops.multiply(ops.segment_sum(x, [1, 0, 1], num_segments=2), W[:2])),
    lambda x: ops.sum(ops.multiply(ops.segment_max(x, [1, 0, 1], num_segments=2), W[:2])),
    lambda x: ops.sum(ops.multiply(ops.segment_prod(x, [1, 0, 1], num_segments=2), W[:2])),
    lambda x: ops.trapezoid(x, axis=0)[1] + ops.average(x, axis=1, weights=W[0])[2],
    lambda x: ops.sum(ops.multiply(ops.corrcoef(x), W[:, :3])),
], ids=["prod", "max", "std", "cumprod", "nan", "quantile", "nanmedian", "sort", "top_k",
        "logsumexp", "segment_sum", "segment_max", "segment_prod", "trapezoid",
        "corrcoef"])
def test_gradients(fn):
    x0 = rng.normal(size=(3, 4)) + np.arange(12).reshape(3, 4) * 0.1  # no ties
    x = tf.Variable(x0)
    with tf.GradientTape() as tape:
        y = fn(x)
    got = tape.gradient(y, x)
    want = _numeric_grad(lambda v: fn(tf.constant(v)).numpy(), x0)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


# -- bad input ------------------------------------------------------------------------

def test_errors():
    with pytest.raises(ValueError, match=r"keras.ops.sum: axis 2 is out of bounds .*rank 2"):
        ops.sum(F, axis=2)
    with pytest.raises(ValueError, match="keras.ops.mean: repeated axis"):
        ops.mean(F, axis=(0, 0))
    with pytest.raises(ValueError, match="keras.ops.max: cannot compute the max of an empty"):
        ops.max(np.zeros((0,), "float32"))
    with pytest.raises(ValueError, match="keras.ops.quantile: method must be one of"):
        ops.quantile(F, 0.5, method="cubic")
    with pytest.raises(ValueError, match="keras.ops.searchsorted: sorted_sequence must be 1-D"):
        ops.searchsorted(F, F)
    with pytest.raises(ValueError, match="keras.ops.diff: order n must be non-negative"):
        ops.diff(F, n=-1)
    with pytest.raises(ValueError, match="keras.ops.histogram: x must be 1-D"):
        ops.histogram(F)
    with pytest.raises(TypeError, match="keras.ops.histogram: bins must be an int"):
        ops.histogram(F[0], bins=2.5)
    with pytest.raises(ValueError, match="keras.ops.argpartition: kth=9 is out of bounds"):
        ops.argpartition(F, 9)
    with pytest.raises(TypeError, match="keras.ops.segment_sum: segment_ids must be integers"):
        ops.segment_sum(F, np.array([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="keras.ops.segment_max: segment_ids must be 1-D"):
        ops.segment_max(F, np.array([0, 1], "int32"))
    sym = keras.Input(batch_shape=(3,), dtype="int32")
    with pytest.raises(NotImplementedError, match="keras.ops.segment_sum: .*num_segments"):
        ops.segment_sum(np.ones((3,), "float32"), sym)
